/*
 * cmd_image.c - looking at tensors as pictures: :image and agdb.image(t,
 * opts), drawn by the Lua library (agdb/image.lua) with half blocks in 256
 * greys, or ASCII; and at their precision: :ulp and agdb.ulp(t)
 * (agdb/ulp.lua).
 */
#include <config.h>

#include <lauxlib.h>

#include "commands.h"
#include "repl.h"

/* Replaces a string at index 1 (the line form `:NAME EXPR`) with the value
 * of the expression. */
static void eval_line_arg(lua_State *L, const char *chunk)
{
	if (lua_type(L, 1) != LUA_TSTRING)
		return;
	lua_pushfstring(L, "return %s", lua_tostring(L, 1));
	if (luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), chunk)
	    != LUA_OK)
		lua_error(L);
	lua_call(L, 0, 1);
	lua_replace(L, 1);
	lua_pop(L, 1);
}

/* Calls module.fn(args 1..nargs), leaving nret results. */
static void call_lua(lua_State *L, const char *module, const char *fn,
		     int nargs, int nret)
{
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	lua_call(L, 1, 1);
	lua_getfield(L, -1, fn);
	for (int i = 1; i <= nargs; i++)
		lua_pushvalue(L, i);
	lua_call(L, nargs, nret);
}

/* agdb.image(t [, opts]); the line form `:image EXPR` evaluates EXPR. */
static int cmd_image(lua_State *L)
{
	eval_line_arg(L, "=(image)");
	lua_settop(L, 2);
	call_lua(L, "agdb.image", "image", 2, 0);
	return 0;
}

/* agdb.ulp(t): the spacing of t's dtype at each element (agdb/ulp.lua);
 * `:ulp EXPR` prints it for the value of EXPR. */
static int cmd_ulp(lua_State *L)
{
	eval_line_arg(L, "=(ulp)");
	lua_settop(L, 1);
	call_lua(L, "agdb.ulp", "ulp", 1, 1);
	return 1;
}

const repl_cmd repl_cmds_image[] = {
	{"image", "EXPR", "draw a 2-D tensor, [1,H,W] or a batch as a picture",
	 cmd_image, 0},
	{"ulp", "EXPR", "the spacing between representable values at each element",
	 cmd_ulp, 0},
	{NULL, NULL, NULL, NULL, 0}
};
