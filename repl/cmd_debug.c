/*
 * cmd_debug.c - the debugger's commands (the table at the end).
 *
 * Each is agdb.NAME(...) from Lua and calls its answer in the Lua library
 * (agdb/why.lua, agdb/step.lua, ...), which returns a table that prints as
 * its text.  The line form passes the rest of the line as one string; the
 * answers evaluate it as an expression where they take a value.
 */
#include <config.h>

#include <string.h>

#include <lauxlib.h>

#include "commands.h"
#include "debugger.h"
#include "repl.h"

/* "/.../agdb/why.lua:219: " at the start of msg: the length of that
 * prefix (the library's own place, which says nothing to the user), or 0. */
static size_t library_place(const char *msg)
{
	const char *p = strstr(msg, "/agdb/");
	const char *lua = p ? strstr(p, ".lua:") : NULL;
	if (!lua || memchr(msg, ' ', (size_t)(lua - msg)))
		return 0;
	const char *q = lua + 5;
	while (*q >= '0' && *q <= '9')
		q++;
	return q > lua + 5 && q[0] == ':' && q[1] == ' ' ? (size_t)(q + 2 - msg) : 0;
}

/* require(module)[fn](...): every argument in, every result out.  An error
 * the answer raises (a typo, a value of the wrong kind) comes out as the
 * command's message, raised from here: the traceback shows where the user
 * called it, not the library's frames. */
static int answer(lua_State *L, const char *module, const char *fn)
{
	int nargs = lua_gettop(L);
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	lua_call(L, 1, 1);
	lua_getfield(L, -1, fn);
	lua_remove(L, -2);
	lua_insert(L, 1);
	if (lua_pcall(L, nargs, LUA_MULTRET, 0) != LUA_OK) {
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *msg = lua_tostring(L, -1);
			size_t skip = library_place(msg);
			if (skip) {
				lua_pushstring(L, msg + skip);
				lua_remove(L, -2);
			}
		}
		return lua_error(L);
	}
	return lua_gettop(L);
}

#define ANSWER(name, module, fn) \
	static int cmd_##name(lua_State *L) { return answer(L, module, fn); }

ANSWER(why, "agdb.why", "why")
ANSWER(explain, "agdb.explain", "explain")
ANSWER(mem, "agdb.memory", "memory")
ANSWER(gradflow, "agdb.gradflow", "gradflow")
ANSWER(check, "agdb.check", "check")
ANSWER(bstep, "agdb.step", "bstep")
ANSWER(step, "agdb.step", "step")
ANSWER(continue, "agdb.step", "continue")
ANSWER(finish, "agdb.step", "finish")
ANSWER(abort, "agdb.step", "abort")
ANSWER(break, "agdb.step", "break_on")
ANSWER(watch, "agdb.step", "watch")
ANSWER(info, "agdb.step", "info")
ANSWER(delete, "agdb.step", "delete")
ANSWER(set, "agdb.step", "set")
ANSWER(strict_overlap, "agdb.memory", "strict_overlap")
ANSWER(precision_report, "agdb.precision", "precision_report")

const repl_cmd repl_cmds_debug[] = {
	{ "why", "EXPR", "why is EXPR's .grad nil or zero? (the reason, with its lines)",
	  cmd_why, 0 },
	{ "explain", "", "explain the last error: what it means and the lines that caused it",
	  cmd_explain, 0 },
	{ "mem", "[EXPR]", "the storage behind EXPR and every view of it (none: all storages)",
	  cmd_mem, 0 },
	{ "gradflow", "[MODEL]", "gradient flow per parameter: |g| bars, update ratio, history",
	  cmd_gradflow, 0 },
	{ "check", "[NODE]", "gradcheck one node's backward at its saved inputs (worst element)",
	  cmd_check, 0 },
	{ "bstep", "EXPR", "start a backward of EXPR that stops before each node",
	  cmd_bstep, 0 },
	{ "step", "[N]", "run the next N nodes of the paused backward (default 1)",
	  cmd_step, 0 },
	{ "continue", "", "run the paused backward to the next breakpoint or the end",
	  cmd_continue, 0 },
	{ "finish", "", "run the paused backward to the end, past breakpoints",
	  cmd_finish, 0 },
	{ "abort", "", "drop the paused backward (.grad as before it; the graph stays usable)",
	  cmd_abort, 0 },
	{ "break", "OPNAME|nan|inf|grad>X|VAR", "stop backward at a node, a NaN/Inf, a big "
	  "gradient, or a tensor", cmd_break, 0 },
	{ "watch", "VAR", "stop the running chunk when VAR is modified in place",
	  cmd_watch, 0 },
	{ "info", "[break]", "list the breakpoints and watchpoints", cmd_info, 0 },
	{ "delete", "[N]", "delete breakpoint or watchpoint N (none: all)", cmd_delete, 0 },
	{ "set", "NAME=VALUE...", "debugger settings: vanish=1e-7 explode=1e3 "
	  "track_updates=true", cmd_set, REPL_CMD_WORDS },
	{ "strict_overlap", "[on|off]", "warn about writes whose result depends on element "
	  "order", cmd_strict_overlap, 0 },
	{ "precision_report", "FN", "FN's gradients in float32 against float16 autocast, "
	  "unscaled and scaled: error, values lost to zero", cmd_precision_report, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
