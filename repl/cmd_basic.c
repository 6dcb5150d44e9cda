/*
 * cmd_basic.c - the basic commands: :help, :quit, :load, :time.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
			return luaL_error(L, "agdb.help: that function is not an "
					  "agdb command (try :help)");
	} else {
		size_t len;
		const char *name;
		if (lua_type(L, 1) != LUA_TSTRING)
			return luaL_error(L, "agdb.help: argument 1 must be a "
					  "command name or an agdb function, got %s",
					  luaL_typename(L, 1));
		name = lua_tolstring(L, 1, &len);
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

/* agdb.quit([status]): true/false, or an exit status 0..255 (the line
 * form passes it as a string). */
static int cmd_quit(lua_State *L)
{
	lua_Integer status = 0;
	int isint = 0;

	if (lua_isboolean(L, 1)) {
		status = lua_toboolean(L, 1) ? 0 : 1;
	} else if (!lua_isnoneornil(L, 1)) {
		if (lua_type(L, 1) == LUA_TNUMBER || lua_type(L, 1) == LUA_TSTRING)
			status = lua_tointegerx(L, 1, &isint);
		if (!isint || status < 0 || status > 255)
			return luaL_error(L, "agdb.quit: the exit status must be an "
					  "integer from 0 to 255 or a boolean, got %s",
					  lua_type(L, 1) == LUA_TSTRING ||
					  lua_type(L, 1) == LUA_TNUMBER ?
					  lua_tostring(L, 1) : luaL_typename(L, 1));
	}
	return repl_request_quit(L, (int)status);
}

/* agdb.load(file, ...) runs a script in this session (its globals stay)
 * with ... as its arguments and returns what it returns. */
static int cmd_load(lua_State *L)
{
	const char *file;
	int nargs = lua_gettop(L) - 1;

	if (lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "agdb.load: argument 1 must be a file name, "
				  "got %s (usage: :load FILE)", luaL_typename(L, 1));
	file = lua_tostring(L, 1);
	/* a FIFO would block the session, /dev/zero would never end */
	struct stat st;
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode))
		return luaL_error(L, "agdb.load: %s is not a regular file", file);

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
	} else if (lua_type(L, 1) != LUA_TFUNCTION) {
		return luaL_error(L, "agdb.time: argument 1 must be a function or "
				  "a string of code, got %s (usage: :time EXPR)",
				  luaL_typename(L, 1));
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
