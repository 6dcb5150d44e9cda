/*
 * commands.c - the table of command families, lookup, the `agdb` Lua table
 * and the `:name args` line syntax.  Adding a command is adding a
 * descriptor to its family's file; adding a family is one line here.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "commands.h"
#include "repl.h"

static const repl_cmd *const families[] = {
	repl_cmds_basic,
	repl_cmds_graph,
	repl_cmds_image,
	repl_cmds_tui,
	repl_cmds_debug,
};

const repl_cmd *repl_cmd_at(size_t i)
{
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
		for (const repl_cmd *c = families[f]; c->name; c++)
			if (i-- == 0)
				return c;
	}
	return NULL;
}

const repl_cmd *repl_cmd_find(const char *name, size_t len)
{
	const repl_cmd *c, *found = NULL;
	int prefixed = 0;

	if (len == 0)
		return NULL;
	for (size_t i = 0; (c = repl_cmd_at(i)); i++) {
		if (strncmp(c->name, name, len) != 0)
			continue;
		if (c->name[len] == '\0')
			return c;	/* an exact name beats any prefix */
		found = c;
		prefixed++;
	}
	return prefixed == 1 ? found : NULL;
}

void repl_print_help(const repl_cmd *cmd)
{
	const repl_cmd *c;
	char head[64];

	if (cmd) {
		printf("usage: :%s%s%s\n  %s\n  From Lua: agdb.%s(...)\n",
		       cmd->name, *cmd->usage ? " " : "", cmd->usage,
		       cmd->help, cmd->name);
		return;
	}
	printf("Commands (each is also a Lua function: :load f is agdb.load(\"f\")):\n");
	for (size_t i = 0; (c = repl_cmd_at(i)); i++) {
		snprintf(head, sizeof head, ":%s%s%s", c->name,
			 *c->usage ? " " : "", c->usage);
		printf("  %-18s %s\n", head, c->help);
	}
	printf("Lua: an expression prints its value; unfinished input continues "
	       "on the next line.\n"
	       "Keys: Tab completes, Ctrl-C interrupts, Ctrl-D quits.\n");
}

void repl_open_commands(lua_State *L)
{
	const repl_cmd *c;

	lua_newtable(L);
	for (size_t i = 0; (c = repl_cmd_at(i)); i++) {
		lua_pushcfunction(L, c->fn);
		lua_setfield(L, -2, c->name);
	}
	lua_pushliteral(L, PACKAGE_VERSION);
	lua_setfield(L, -2, "version");
	lua_setglobal(L, "agdb");
}

/* Pushes the arguments of the line form; returns their count. */
static int push_line_args(lua_State *L, const repl_cmd *cmd, const char *s)
{
	const char *blanks = " \t\r\n";
	size_t n;
	int nargs = 0;

	s += strspn(s, blanks);
	n = strlen(s);
	while (n > 0 && strchr(blanks, s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	if (!(cmd->flags & REPL_CMD_WORDS)) {
		/* A file name may be quoted, as it would be in Lua. */
		if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0] &&
		    (cmd->flags & REPL_CMD_FILE)) {
			s++;
			n -= 2;
		}
		lua_pushlstring(L, s, n);
		return 1;
	}
	while (n > 0) {
		size_t w = strcspn(s, blanks);
		if (w > n)
			w = n;
		luaL_checkstack(L, 1, "too many words");
		lua_pushlstring(L, s, w);
		nargs++;
		s += w;
		n -= w;
		while (n > 0 && strchr(blanks, *s)) {
			s++;
			n--;
		}
	}
	return nargs;
}

int repl_run_command_line(lua_State *L, const char *line)
{
	const char *s = line + strspn(line, " \t") + 1;
	size_t len = strcspn(s, " \t\r\n");
	const repl_cmd *cmd = repl_cmd_find(s, len);
	int base, nargs, status;

	if (cmd == NULL) {
		if (len == 0)
			repl_print_error("a command name must follow ':' (try :help)");
		else
			repl_print_error("unknown or ambiguous command ':%.*s' (try :help)",
					 (int)len, s);
		return LUA_ERRRUN;
	}
	base = lua_gettop(L);
	lua_pushcfunction(L, cmd->fn);
	nargs = push_line_args(L, cmd, s + len);
	status = repl_docall(L, nargs, LUA_MULTRET);
	if (status == LUA_OK)
		repl_print_values(L, base + 1);
	else
		repl_report(L, status);
	return status;
}
