/*
 * cmd_image.c - looking at tensors as pictures: :image and agdb.image(t,
 * opts), drawn by the Lua library (agdb/image.lua) with half blocks in 256
 * greys, or ASCII.
 */
#include <config.h>

#include <lauxlib.h>

#include "commands.h"
#include "repl.h"

/* agdb.image(t [, opts]); the line form `:image EXPR` evaluates EXPR. */
static int cmd_image(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING) {
		lua_pushfstring(L, "return %s", lua_tostring(L, 1));
		if (luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1),
				    "=(image)") != LUA_OK)
			return lua_error(L);
		lua_call(L, 0, 1);
		lua_replace(L, 1);
		lua_pop(L, 1);
	}
	lua_settop(L, 2);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "agdb.image");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "image");
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_call(L, 2, 0);
	return 0;
}

const repl_cmd repl_cmds_image[] = {
	{"image", "EXPR", "draw a 2-D tensor, [1,H,W] or a batch as a picture",
	 cmd_image, 0},
	{NULL, NULL, NULL, NULL, 0}
};
