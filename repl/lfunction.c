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
 *
 * The ctx and the class are the node's Lua-side state: they live in the
 * state table of the first output's userdata, under the node's address
 * (see lkeep.c), so a ctx that refers to an output (ctx.y = y) makes a
 * cycle Lua's collector sees and frees.
 */
#include "ltorch.h"
#include "forward.h"
#include "autograd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 256

static const char node_key = 'n';	/* ctx[&node_key]: its node (light) */

typedef struct custom_ud {
	lua_State *L;		/* the main thread */
	ag_tensor *anchor;	/* the output whose userdata holds the state */
	ag_node *node;		/* its node, once recorded */
} custom_ud;

/* Pushes the node's {ctx, class}, or nil when it is gone. */
static void push_state(lua_State *L, const custom_ud *c, const ag_node *n)
{
	repl_find_tensor_box(L, c->anchor);
	if (lua_isnil(L, -1))
		return;
	if (lua_getiuservalue(L, -1, REPL_TENSOR_UV_STATE) != LUA_TTABLE) {
		lua_pop(L, 2);
		lua_pushnil(L);
		return;
	}
	lua_rawgetp(L, -1, n);
	lua_replace(L, -3);
	lua_pop(L, 1);
}

/* The node frees its state with it: the ctx forgets the node, and the
 * output's userdata the state. */
static int custom_free_body(lua_State *L)
{
	void **args = lua_touserdata(L, 1);
	custom_ud *c = args[0];
	push_state(L, c, args[1]);
	if (lua_istable(L, -1)) {
		lua_rawgeti(L, -1, 1);
		lua_pushnil(L);
		lua_rawsetp(L, -2, &node_key);
		repl_find_tensor_box(L, c->anchor);
		if (lua_getiuservalue(L, -1, REPL_TENSOR_UV_STATE) == LUA_TTABLE) {
			lua_pushnil(L);
			lua_rawsetp(L, -2, args[1]);
		}
	}
	return 0;
}

static void custom_free(void *p)
{
	custom_ud *c = p;
	void *args[2] = { c, c->node };
	lua_State *L = repl_running_thread(c->L);
	if (c->node && repl_call_protected(L, custom_free_body, args) < 0)
		ag_error_clear();
	free(c);
}

struct bw_call {
	ag_node *self;
	ag_tensor **grads_in, **out;
	custom_ud *c;
};

/* PyTorch's checks of what a custom backward returned: one gradient per
 * forward argument (trailing nils for non-tensor arguments may be left
 * out, as Lua drops them; extra ones must be nil), each a Tensor or nil. */
static int custom_bw_body(lua_State *L)
{
	struct bw_call *b = lua_touserdata(L, 1);
	const char *name = ag_node_name(b->self);
	int nout = ag_node_output_count(b->self), nnext = ag_node_next_count(b->self);
	int top = lua_gettop(L);

	push_state(L, b->c, b->self);
	if (!lua_istable(L, -1))
		return luaL_error(L, "%s: the Function's ctx is gone", name);
	int state = lua_gettop(L);
	lua_rawgeti(L, state, 2);
	lua_getfield(L, -1, "backward");
	if (!lua_isfunction(L, -1))
		return luaL_error(L, "You must implement either the backward or vjp "
				  "method for your custom autograd.Function to use "
				  "it with backward mode AD.");
	lua_rawgeti(L, state, 1);
	for (int i = 0; i < nout; i++) {
		ag_tensor_retain(b->grads_in[i]);
		repl_push_tensor(L, b->grads_in[i]);
	}
	lua_call(L, 1 + nout, LUA_MULTRET);
	int base = top + 3, nret = lua_gettop(L) - (top + 2);
	int given = nret;
	while (given > nnext && lua_isnil(L, base + given - 1))
		given--;
	if (given > nnext)
		return luaL_error(L, "function %s returned an incorrect number of "
				  "gradients (expected %d, got %d)", name, nnext,
				  given);
	for (int i = nret; i < nnext; i++)
		if (ag_node_next(b->self, i).fn)
			return luaL_error(L, "function %s returned an incorrect "
					  "number of gradients (expected %d, got %d)",
					  name, nnext, nret);
	for (int i = 0; i < nnext && i < nret; i++) {
		int idx = base + i;
		if (lua_isnil(L, idx))
			continue;
		ag_tensor *g = repl_to_tensor(L, idx);
		if (!g)
			return luaL_error(L, "expected Variable or None (got %s)",
					  luaL_typename(L, idx));
		if (!ag_node_next(b->self, i).fn)
			continue;
		ag_tensor_retain(g);
		b->out[i] = g;
	}
	return 0;
}

static int custom_apply_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	custom_ud *c = ag_function_ud(self);
	struct bw_call b = { self, grads_in, out, c };
	if (repl_call_protected(repl_running_thread(c->L), custom_bw_body, &b) == 0)
		return 0;
	for (int i = 0; i < ag_node_next_count(self); i++) {
		ag_tensor_release(out[i]);
		out[i] = NULL;
	}
	return -1;
}

int repl_push_function_ctx(lua_State *L, ag_node *n)
{
	custom_ud *c = ag_function_ud(n);
	if (!c)
		return 0;
	push_state(L, c, n);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	lua_rawgeti(L, -1, 1);	/* ctx */
	lua_rawgeti(L, -2, 2);	/* class */
	lua_remove(L, -3);
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
	if (lua_rawgetp(L, 1, &node_key) == LUA_TLIGHTUSERDATA) {
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
		/* the state, in the first output's userdata */
		c->anchor = outs[0];
		c->node = node;
		if (lua_getiuservalue(L, pos[0], REPL_TENSOR_UV_STATE) != LUA_TTABLE) {
			lua_pop(L, 1);
			lua_newtable(L);
			lua_pushvalue(L, -1);
			lua_setiuservalue(L, pos[0], REPL_TENSOR_UV_STATE);
		}
		lua_createtable(L, 2, 0);
		lua_pushvalue(L, ctx);
		lua_rawseti(L, -2, 1);
		lua_pushvalue(L, cls);
		lua_rawseti(L, -2, 2);
		lua_rawsetp(L, -2, node);
		lua_pop(L, 1);
		lua_pushlightuserdata(L, node);
		lua_rawsetp(L, ctx, &node_key);
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
		return luaL_error(L, "You must implement the forward function for "
				  "custom autograd.Function.");
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
	/* forward AD: a Function needs a jvp, which agdb's have not */
	if (ag_fw_any_tangent(ins, nargs)) {
		ag_fw_function_error();
		return repl_core_error(L);
	}
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
