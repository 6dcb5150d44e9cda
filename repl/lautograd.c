/*
 * lautograd.c - opens the autograd half of the `torch` module: torch.no_grad
 * & co., torch.autograd, the autograd tensor methods.  The pieces live in
 * one file per job: lnode.c (grad_fn nodes), lhooks.c (hooks written in
 * Lua), lbackward.c (backward, autograd.grad), lmodes.c (grad and anomaly
 * modes), ltrace.c (the trace log), lfunction.c (custom Functions); gradcheck
 * and torch.autograd.functional are Lua, in repl/lua/torch/autograd/.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdio.h>

/* The Lua library file of module name `mod` ("torch.autograd.gradcheck"):
 * searched in package.path, then where agdb installs it and in its source
 * tree, so a stock lua5.4 loading torch.so finds it too.  Pushes the
 * loaded chunk, or raises an error naming where it looked. */
static void load_library_file(lua_State *L, const char *mod)
{
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchpath");
	lua_pushstring(L, mod);
	lua_getfield(L, -3, "path");
	lua_pushliteral(L, ";" AGDB_PKGDATADIR "/lua/?.lua;"
			AGDB_SRCDIR "/repl/lua/?.lua");
	lua_concat(L, 2);
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2))
		luaL_error(L, "torch: cannot find the Lua part of the module "
			   "(%s):%s", mod, lua_tostring(L, -1));
	const char *path = lua_tostring(L, -2);
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		lua_error(L);
	lua_replace(L, -4);	/* the chunk where package was */
	lua_pop(L, 2);
}

void repl_open_autograd(lua_State *L)
{
	/* expects the torch table at the top of the stack */
	int torch = lua_gettop(L);

	repl_open_nodes(L);
	repl_open_hooks(L);
	repl_open_modes(L);
	repl_open_trace(L);
	repl_open_functions(L);
	luaL_setfuncs(L, repl_mode_funcs, 0);

	lua_newtable(L);	/* torch.autograd */
	/* the grad modes are there too, as in PyTorch */
	static const char *const modes[] = { "no_grad", "enable_grad",
		"set_grad_enabled", "inference_mode", NULL };
	for (const char *const *m = modes; *m; m++) {
		lua_getfield(L, torch, *m);
		lua_setfield(L, -2, *m);
	}
	luaL_setfuncs(L, repl_backward_funcs, 0);
	luaL_setfuncs(L, repl_anomaly_funcs, 0);
	luaL_setfuncs(L, repl_trace_funcs, 0);
	lua_newtable(L);	/* torch.autograd.Function */
	luaL_setfuncs(L, repl_function_funcs, 0);
	lua_setfield(L, -2, "Function");
	lua_newtable(L);	/* torch.autograd.graph */
	repl_open_saved_hooks(L);
	lua_setfield(L, -2, "graph");
	lua_setfield(L, torch, "autograd");

	load_library_file(L, "torch.autograd.gradcheck");
	lua_pushvalue(L, torch);
	lua_call(L, 1, 0);
	load_library_file(L, "torch.autograd.functional");
	lua_pushvalue(L, torch);
	lua_call(L, 1, 0);
	/* forward-mode AD: Lua over lforward.c's functions */
	load_library_file(L, "torch.autograd.forward_ad");
	lua_pushvalue(L, torch);
	lua_newtable(L);
	luaL_setfuncs(L, repl_forward_funcs, 0);
	lua_call(L, 2, 0);
}

/* Methods added to the tensor method table at the top of the stack. */
void repl_register_autograd_methods(lua_State *L)
{
	luaL_setfuncs(L, repl_backward_methods, 0);
	luaL_setfuncs(L, repl_hook_methods, 0);
	luaL_setfuncs(L, repl_trace_methods, 0);
}
