/*
 * cmd_basic.c - the basic commands: :help, :quit, :load, :time.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "commands.h"
#include "repl.h"

/* agdb.help([name]) -- name may be "time", ":time" or agdb.time itself. */
static int cmd_help(lua_State *L)
{
	const repl_cmd *cmd = NULL;

	if (lua_isnoneornil(L, 1)) {
		repl_print_help(NULL);
		return 0;
	}
	if (lua_type(L, 1) == LUA_TFUNCTION) {
		lua_CFunction fn = lua_tocfunction(L, 1);
		for (size_t i = 0; (cmd = repl_cmd_at(i)); i++)
			if (cmd->fn == fn)
				break;
		if (cmd == NULL)
			return luaL_argerror(L, 1, "not an agdb command");
	} else {
		size_t len;
		const char *name = luaL_checklstring(L, 1, &len);
		if (name[0] == ':') {
			name++;
			len--;
		}
		cmd = repl_cmd_find(name, len);
		if (cmd == NULL)
			return luaL_error(L, "unknown or ambiguous command ':%s' "
					  "(try :help)", name);
	}
	repl_print_help(cmd);
	return 0;
}

/* agdb.quit([status]) */
static int cmd_quit(lua_State *L)
{
	lua_Integer status = 0;

	if (lua_isboolean(L, 1))
		status = lua_toboolean(L, 1) ? 0 : 1;
	else if (!lua_isnoneornil(L, 1))
		status = luaL_checkinteger(L, 1);
	return repl_request_quit(L, (int)status);
}

/* agdb.load(file, ...) runs a script in this session (its globals stay)
 * with ... as its arguments and returns what it returns. */
static int cmd_load(lua_State *L)
{
	const char *file = luaL_checkstring(L, 1);
	int nargs = lua_gettop(L) - 1;

	if (luaL_loadfile(L, file) != LUA_OK)
		return lua_error(L);
	lua_insert(L, 2);
	lua_call(L, nargs, LUA_MULTRET);
	return lua_gettop(L) - 1;
}

static void print_duration(double s)
{
	if (s < 1e-3)
		printf("wall time: %.1f us\n", s * 1e6);
	else if (s < 1.0)
		printf("wall time: %.3f ms\n", s * 1e3);
	else
		printf("wall time: %.3f s\n", s);
	fflush(stdout);
}

/* agdb.time(fn, ...) or agdb.time("code"): runs it, prints the wall time
 * and returns its results. */
static int cmd_time(lua_State *L)
{
	double t0;
	int nargs;

	if (lua_type(L, 1) == LUA_TSTRING) {
		size_t len;
		const char *code = lua_tolstring(L, 1, &len);
		int status = repl_compile(L, code, len, "=(time)");
		if (status == REPL_INCOMPLETE)
			return luaL_error(L, "incomplete code: %s", code);
		if (status != LUA_OK)
			return lua_error(L);
		lua_replace(L, 1);
	} else {
		luaL_checktype(L, 1, LUA_TFUNCTION);
	}
	nargs = lua_gettop(L) - 1;
	t0 = repl_now();
	lua_call(L, nargs, LUA_MULTRET);
	print_duration(repl_now() - t0);
	return lua_gettop(L);
}

const repl_cmd repl_cmds_basic[] = {
	{ "help", "[CMD]", "list the commands, or show how to use one",
	  cmd_help, REPL_CMD_COMMAND },
	{ "load", "FILE", "run a Lua script in this session (its globals stay)",
	  cmd_load, REPL_CMD_FILE },
	{ "quit", "[STATUS]", "leave agdb (Ctrl-D does too)", cmd_quit, 0 },
	{ "time", "EXPR", "run an expression or statement and print the wall time",
	  cmd_time, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
