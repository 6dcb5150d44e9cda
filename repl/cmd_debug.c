/*
 * cmd_debug.c - the debugger's commands (the table at the end).
 *
 * Each is agdb.NAME(...) from Lua and calls its answer in the Lua library
 * (agdb/why.lua, agdb/step.lua, ...), which returns a table that prints as
 * its text.  The line form passes the rest of the line as one string; the
 * answers evaluate it as an expression where they take a value.
 */
#include <config.h>

#include <lauxlib.h>

#include "commands.h"
#include "debugger.h"
#include "repl.h"

/* require(module)[fn](...): every argument in, every result out. */
static int answer(lua_State *L, const char *module, const char *fn)
{
	int nargs = lua_gettop(L);
	dbg_call_lua(L, module, fn, nargs, LUA_MULTRET);
	return lua_gettop(L);
}

#define ANSWER(name, module, fn) \
	static int cmd_##name(lua_State *L) { return answer(L, module, fn); }

ANSWER(why, "agdb.why", "why")
ANSWER(explain, "agdb.explain", "explain")
ANSWER(mem, "agdb.memory", "memory")
ANSWER(gradflow, "agdb.gradflow", "gradflow")
ANSWER(strict_overlap, "agdb.memory", "strict_overlap")

const repl_cmd repl_cmds_debug[] = {
	{ "why", "EXPR", "why is EXPR's .grad nil or zero? (the reason, with its lines)",
	  cmd_why, 0 },
	{ "explain", "", "explain the last error: what it means and the lines that caused it",
	  cmd_explain, 0 },
	{ "mem", "[EXPR]", "the storage behind EXPR and every view of it (none: all storages)",
	  cmd_mem, 0 },
	{ "gradflow", "[MODEL]", "gradient flow per parameter: |g| bars, update ratio, history",
	  cmd_gradflow, 0 },
	{ "strict_overlap", "[on|off]", "warn about writes whose result depends on element "
	  "order", cmd_strict_overlap, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
