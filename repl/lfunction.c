/*
 * lfunction.c - torch.autograd.Function: custom forward and backward
 * written in Lua.
 *
 * Function:extend("Square") makes a class; Square.apply(...) runs
 * Square.forward(ctx, ...) without recording, then core records the call
 * (ag_function_record): a node "SquareBackward" on the tensor outputs
 * whose backward calls Square.backward(ctx, grad_outputs...) and expects
 * one gradient (or nil) per forward argument.  The node keeps the tensors
 * of ctx:save_for_backward, so ctx.saved_tensors is checked by core like
 * any op's saved tensors (and fails with the same texts).
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 256

typedef struct custom_ud {
	lua_State *L;		/* the main thread: backward runs there */
	int ctx_ref;		/* the ctx table */
	int cls_ref;		/* the class table */
} custom_ud;

/* The node frees its state with it: the ctx forgets the node then. */
static void custom_free(void *p)
{
	custom_ud *c = p;
	lua_State *L = c->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ctx_ref);
	lua_pushnil(L);
	lua_setfield(L, -2, "_node");
	lua_pop(L, 1);
	luaL_unref(L, LUA_REGISTRYINDEX, c->ctx_ref);
	luaL_unref(L, LUA_REGISTRYINDEX, c->cls_ref);
	free(c);
}

static int custom_apply_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	custom_ud *c = ag_function_ud(self);
	lua_State *L = c->L;
	const char *name = ag_node_name(self);
	int nout = ag_node_output_count(self), nnext = ag_node_next_count(self);
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->cls_ref);
	lua_getfield(L, -1, "backward");
	if (!lua_isfunction(L, -1)) {
		lua_settop(L, top);
		return ag_error(AG_ERR_RUNTIME, "%s: the Function has no backward",
				name);
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ctx_ref);
	for (int i = 0; i < nout; i++) {
		ag_tensor_retain(grads_in[i]);
		repl_push_tensor(L, grads_in[i]);
	}
	if (repl_call_lua(L, 1 + nout, LUA_MULTRET) < 0) {
		lua_settop(L, top);
		return -1;
	}
	int nret = lua_gettop(L) - (top + 1);
	int base = top + 2;
	/* PyTorch wants exactly one per input; missing trailing ones are
	 * taken as nil for the non-tensor arguments only */
	for (int i = nret; i < nnext; i++)
		if (ag_node_next(self, i).fn) {
			lua_settop(L, top);
			return ag_error(AG_ERR_RUNTIME, "function %s returned an "
					"incorrect number of gradients (expected "
					"%d, got %d)", name, nnext, nret);
		}
	for (int i = 0; i < nnext && i < nret; i++) {
		int idx = base + i;
		if (lua_isnil(L, idx) || !ag_node_next(self, i).fn)
			continue;
		ag_tensor *g = repl_to_tensor(L, idx);
		if (!g) {
			lua_settop(L, top);
			return ag_error(AG_ERR_RUNTIME, "function %s returned a %s as "
					"gradient %d, expected a Tensor or nil",
					name, luaL_typename(L, idx), i + 1);
		}
		ag_tensor_retain(g);
		out[i] = g;
	}
	lua_settop(L, top);
	return 0;
}

int repl_push_function_ctx(lua_State *L, ag_node *n)
{
	custom_ud *c = ag_function_ud(n);
	if (!c)
		return 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ctx_ref);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->cls_ref);
	return 2;
}

/* Until the call is recorded, the ctx holds them itself. */
static int ctx_save_for_backward(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	int n = lua_gettop(L) - 1;
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		if (!repl_to_tensor(L, i + 2) && !lua_isnil(L, i + 2))
			return repl_arg_error(L, "ctx:save_for_backward", i + 1,
					      "a Tensor or nil");
		lua_pushvalue(L, i + 2);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, 1, "_saved");
	lua_pushinteger(L, n);
	lua_setfield(L, 1, "_nsaved");
	return 0;
}

/* ctx.saved_tensors: from the node once the call is recorded (checked
 * there against the versions they were saved at). */
static int ctx_index(lua_State *L)
{
	const char *k = lua_tostring(L, 2);
	if (!k || strcmp(k, "saved_tensors") != 0) {
		lua_getmetatable(L, 1);
		lua_getfield(L, -1, "__methods");
		lua_pushvalue(L, 2);
		lua_rawget(L, -2);
		return 1;
	}
	if (lua_getfield(L, 1, "_node") == LUA_TLIGHTUSERDATA) {
		ag_node *n = lua_touserdata(L, -1);
		int count = ag_node_saved_count(n);
		lua_createtable(L, count, 0);
		for (int i = 0; i < count; i++) {
			ag_tensor *t;
			if (ag_node_saved_tensor(n, i, &t) < 0)
				return repl_core_error(L);
			if (t)
				repl_push_tensor(L, t);
			else
				lua_pushnil(L);
			lua_rawseti(L, -2, i + 1);
		}
		return 1;
	}
	if (lua_getfield(L, 1, "_recorded") == LUA_TBOOLEAN) {
		/* the node, and what it saved, went with its graph */
		ag_error_saved_released();
		return repl_core_error(L);
	}
	lua_getfield(L, 1, "_nsaved");
	int n = (int)lua_tointeger(L, -1);
	lua_getfield(L, 1, "_saved");
	lua_createtable(L, n, 0);
	for (int i = 1; i <= n; i++) {
		lua_rawgeti(L, -2, i);
		lua_rawseti(L, -2, i);
	}
	return 1;
}

/* The tensors of ctx:save_for_backward, borrowed (the ctx keeps them). */
static int pending_saved(lua_State *L, int ctx, ag_tensor **saved, int max)
{
	lua_getfield(L, ctx, "_nsaved");
	int n = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (n > max)
		return luaL_error(L, "ctx:save_for_backward: at most %d tensors",
				  max);
	lua_getfield(L, ctx, "_saved");
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, -1, i + 1);
		saved[i] = repl_to_tensor(L, -1);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return n;
}

/* Records the call whose results are on the stack from `first` (nres of
 * them); outputs core replaced by aliases replace them on the stack. */
static void record_function(lua_State *L, int cls, int ctx, ag_tensor **ins,
			    int nargs, int first, int nres)
{
	ag_tensor *outs[MAX_ARGS], *orig[MAX_ARGS], *saved[MAX_ARGS];
	int pos[MAX_ARGS], nout = 0;
	char name[128];

	for (int i = 0; i < nres && nout < MAX_ARGS; i++)
		if ((outs[nout] = repl_to_tensor(L, first + i))) {
			orig[nout] = outs[nout];
			pos[nout++] = first + i;
		}
	if (nout == 0)
		return;
	int nsaved = pending_saved(L, ctx, saved, MAX_ARGS);
	lua_getfield(L, cls, "__name");
	snprintf(name, sizeof name, "%sBackward",
		 lua_tostring(L, -1) ? lua_tostring(L, -1) : "Function");
	lua_pop(L, 1);
	custom_ud *c = calloc(1, sizeof *c);
	if (!c)
		luaL_error(L, "out of memory");
	c->L = repl_main_thread(L);
	lua_pushvalue(L, ctx);
	c->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, cls);
	c->cls_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	ag_function fn = { name, custom_apply_bw, c, custom_free };
	ag_node *node;
	int rc = ag_function_record(&fn, ins, nargs, outs, nout, saved, nsaved,
				    &node);
	for (int k = 0; k < nout; k++)
		if (outs[k] != orig[k]) {
			repl_push_tensor(L, outs[k]);	/* takes the reference */
			lua_replace(L, pos[k]);
		}
	if (rc < 0)
		repl_core_error(L);
	if (node) {
		lua_pushlightuserdata(L, node);
		lua_setfield(L, ctx, "_node");
		lua_pushboolean(L, 1);
		lua_setfield(L, ctx, "_recorded");
		lua_pushnil(L);
		lua_setfield(L, ctx, "_saved");
	}
}

static int function_apply(lua_State *L)
{
	/* upvalue 1: the class */
	int nargs = lua_gettop(L);
	int cls = lua_upvalueindex(1);
	ag_tensor *ins[MAX_ARGS];
	if (nargs > MAX_ARGS)
		return luaL_error(L, "Function.apply: too many arguments");

	lua_getfield(L, cls, "forward");
	if (!lua_isfunction(L, -1))
		return luaL_error(L, "Function.apply: the Function has no forward");
	int fwd = lua_gettop(L);

	/* ctx */
	lua_newtable(L);
	int ctx = lua_gettop(L);
	luaL_getmetatable(L, REPL_CTX_MT);
	lua_setmetatable(L, ctx);
	lua_createtable(L, nargs, 0);
	bool any = false;
	for (int i = 1; i <= nargs; i++) {
		ins[i - 1] = repl_to_tensor(L, i);
		bool rg = ins[i - 1] && ag_requires_grad(ins[i - 1]);
		any = any || rg;
		lua_pushboolean(L, rg);
		lua_rawseti(L, -2, i);
	}
	lua_setfield(L, ctx, "needs_input_grad");

	/* forward without recording */
	lua_pushvalue(L, fwd);
	lua_pushvalue(L, ctx);
	for (int i = 1; i <= nargs; i++)
		lua_pushvalue(L, i);
	bool prev = ag_set_grad_enabled(false);
	int status = lua_pcall(L, nargs + 1, LUA_MULTRET, 0);
	ag_set_grad_enabled(prev);
	if (status != LUA_OK)
		return lua_error(L);
	int first = ctx + 1, nres = lua_gettop(L) - ctx;
	if (any && ag_is_grad_enabled())
		record_function(L, cls, ctx, ins, nargs, first, nres);
	return nres;
}

/* Function:extend("Name") -> a class table with .apply */
static int function_extend(lua_State *L)
{
	const char *name = luaL_checkstring(L, 2);
	lua_newtable(L);
	int cls = lua_gettop(L);
	lua_pushstring(L, name);
	lua_setfield(L, cls, "__name");
	lua_pushvalue(L, cls);
	lua_pushcclosure(L, function_apply, 1);
	lua_setfield(L, cls, "apply");
	lua_pushvalue(L, 1);
	lua_setfield(L, cls, "__base");
	return 1;
}

const luaL_Reg repl_function_funcs[] = {
	{"extend", function_extend}, {NULL, NULL}
};

/* The ctx metatable. */
void repl_open_functions(lua_State *L)
{
	static const luaL_Reg ctx_meta[] = {
		{"__index", ctx_index}, {NULL, NULL}
	};
	static const luaL_Reg ctx_methods[] = {
		{"save_for_backward", ctx_save_for_backward}, {NULL, NULL}
	};
	luaL_newmetatable(L, REPL_CTX_MT);
	luaL_setfuncs(L, ctx_meta, 0);
	luaL_newlib(L, ctx_methods);
	lua_setfield(L, -2, "__methods");
	lua_pop(L, 1);
}
