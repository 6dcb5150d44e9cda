/*
 * lhooks.c - hooks written in Lua: x:register_hook(fn) on tensors,
 * grad_fn:register_hook / register_prehook on nodes, and the handles
 * whose :remove() takes them off.
 *
 * Core's engine knows nothing of Lua: a hook reaches it as a C trampoline
 * holding a registry reference to the Lua function.  A Lua error inside
 * one becomes core's error state, so it unwinds the engine cleanly and is
 * raised again as a Lua error where backward was called.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdlib.h>

lua_State *repl_main_thread(lua_State *L)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	lua_State *main = lua_tothread(L, -1);
	lua_pop(L, 1);
	return main;
}

int repl_call_lua(lua_State *L, int nargs, int nres)
{
	if (lua_pcall(L, nargs, nres, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		ag_error(AG_ERR_RUNTIME, "%s", msg ? msg : "error in a Lua hook");
		lua_pop(L, 1);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ trampolines */

typedef struct lua_hook_ud {
	lua_State *L;		/* the main thread: hooks run there */
	int ref;
} lua_hook_ud;

static void hook_ud_free(void *p)
{
	lua_hook_ud *h = p;
	luaL_unref(h->L, LUA_REGISTRYINDEX, h->ref);
	free(h);
}

static ag_tensor *result_tensor(lua_State *L, int idx, const char *what)
{
	if (lua_isnil(L, idx))
		return NULL;
	ag_tensor *t = repl_to_tensor(L, idx);
	if (!t) {
		ag_error(AG_ERR_RUNTIME, "%s must return nil or a Tensor, got %s",
			 what, luaL_typename(L, idx));
		return NULL;
	}
	ag_tensor_retain(t);
	return t;
}

static int tensor_hook_tramp(void *ud, ag_tensor *grad, ag_tensor **out)
{
	lua_hook_ud *h = ud;
	lua_State *L = h->L;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
	ag_tensor_retain(grad);
	repl_push_tensor(L, grad);
	if (repl_call_lua(L, 1, 1) < 0)
		return -1;
	*out = NULL;
	if (!lua_isnil(L, -1)) {
		*out = result_tensor(L, -1, "a tensor hook");
		if (!*out) {
			lua_settop(L, top);
			return -1;
		}
	}
	lua_settop(L, top);
	return 0;
}

static void push_tensor_list(lua_State *L, ag_tensor **ts, int n)
{
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		if (ts[i]) {
			ag_tensor_retain(ts[i]);
			repl_push_tensor(L, ts[i]);
		} else {
			lua_pushboolean(L, 0);	/* a hole: nil would end the list */
		}
		lua_rawseti(L, -2, i + 1);
	}
}

/* A returned table replaces the gradients entry by entry. */
static int replace_from_table(lua_State *L, int idx, ag_tensor **ts, int n,
			      const char *what)
{
	if (lua_isnil(L, idx))
		return 0;
	if (!lua_istable(L, idx))
		return ag_error(AG_ERR_RUNTIME, "%s must return nil or a table of "
				"gradients, got %s", what, luaL_typename(L, idx));
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, idx, i + 1);
		ag_tensor *t = NULL;
		if (!lua_isnil(L, -1) && !(lua_isboolean(L, -1) && !lua_toboolean(L, -1))) {
			t = result_tensor(L, -1, what);
			if (!t) {
				lua_pop(L, 1);
				return -1;
			}
		}
		lua_pop(L, 1);
		ag_tensor_release(ts[i]);
		ts[i] = t;
	}
	return 0;
}

static int pre_hook_tramp(void *ud, ag_node *n, ag_tensor **grads, int ngrads)
{
	lua_hook_ud *h = ud;
	lua_State *L = h->L;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
	push_tensor_list(L, grads, ngrads);
	if (repl_call_lua(L, 1, 1) < 0)
		return -1;
	int rc = replace_from_table(L, -1, grads, ngrads, "a pre-hook");
	lua_settop(L, top);
	(void)n;
	return rc;
}

static int post_hook_tramp(void *ud, ag_node *n, ag_tensor **gin, int nin,
			   ag_tensor **gout, int nout)
{
	lua_hook_ud *h = ud;
	lua_State *L = h->L;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
	push_tensor_list(L, gin, nin);
	push_tensor_list(L, gout, nout);
	if (repl_call_lua(L, 2, 1) < 0)
		return -1;
	int rc = replace_from_table(L, -1, gin, nin, "a hook");
	lua_settop(L, top);
	(void)n;
	return rc;
}

static ag_hook *new_lua_hook(lua_State *L, int fidx)
{
	luaL_checktype(L, fidx, LUA_TFUNCTION);
	ag_hook *h = calloc(1, sizeof *h);
	lua_hook_ud *ud = calloc(1, sizeof *ud);
	if (!h || !ud) {
		free(h);
		free(ud);
		luaL_error(L, "out of memory");
		return NULL;
	}
	lua_pushvalue(L, fidx);
	ud->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	ud->L = repl_main_thread(L);
	h->ud = ud;
	h->free_ud = hook_ud_free;
	return h;
}

/* ---------------------------------------------------------------- handles */

/* A handle keeps what owns the hook alive until it is removed. */
typedef struct handle_box {
	ag_node *node;
	ag_tensor *tensor;
	int id;
} handle_box;

static void push_handle(lua_State *L, ag_node *node, ag_tensor *tensor, int id)
{
	handle_box *b = lua_newuserdatauv(L, sizeof *b, 0);
	b->node = node;
	b->tensor = tensor;
	b->id = id;
	ag_node_retain(node);
	ag_tensor_retain(tensor);
	luaL_setmetatable(L, REPL_HANDLE_MT);
}

static void handle_drop(handle_box *b)
{
	ag_node_release(b->node);
	ag_tensor_release(b->tensor);
	b->node = NULL;
	b->tensor = NULL;
}

static int handle_remove(lua_State *L)
{
	handle_box *b = luaL_checkudata(L, 1, REPL_HANDLE_MT);
	bool removed = false;
	if (b->node)
		removed = ag_node_remove_hook(b->node, b->id);
	else if (b->tensor)
		removed = ag_tensor_remove_hook(b->tensor, b->id);
	handle_drop(b);
	lua_pushboolean(L, removed);
	return 1;
}

static int handle_gc(lua_State *L)
{
	handle_drop(luaL_checkudata(L, 1, REPL_HANDLE_MT));
	return 0;
}

/* ---------------------------------------------------------- registration */

/* grad_fn:register_hook(fn) / grad_fn:register_prehook(fn) */
static int register_node_hook(lua_State *L, bool pre)
{
	ag_node *n = repl_check_node(L, 1);
	ag_hook *h = new_lua_hook(L, 2);
	int id;
	if (pre) {
		h->pre_fn = pre_hook_tramp;
		id = ag_node_add_pre_hook(n, h);
	} else {
		h->post_fn = post_hook_tramp;
		id = ag_node_add_post_hook(n, h);
	}
	push_handle(L, n, NULL, id);
	return 1;
}

static int node_register_hook(lua_State *L) { return register_node_hook(L, false); }
static int node_register_prehook(lua_State *L) { return register_node_hook(L, true); }

/* x:register_hook(fn) */
static int t_register_hook(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.register_hook");
	ag_hook *h = new_lua_hook(L, 2);
	ag_node *owner = NULL;
	h->tensor_fn = tensor_hook_tramp;
	int id = ag_tensor_add_hook(t, h, &owner);
	if (id < 0)
		return repl_core_error(L);
	push_handle(L, owner, owner ? NULL : t, id);
	return 1;
}

const luaL_Reg repl_hook_methods[] = {
	{"register_hook", t_register_hook}, {NULL, NULL}
};

/* The handle metatable, and the hook methods of nodes (after lnode.c). */
void repl_open_hooks(lua_State *L)
{
	static const luaL_Reg handle_meta[] = {
		{"__gc", handle_gc}, {NULL, NULL}
	};
	static const luaL_Reg handle_methods[] = {
		{"remove", handle_remove}, {NULL, NULL}
	};
	static const luaL_Reg node_methods[] = {
		{"register_hook", node_register_hook},
		{"register_prehook", node_register_prehook}, {NULL, NULL}
	};
	luaL_newmetatable(L, REPL_HANDLE_MT);
	luaL_setfuncs(L, handle_meta, 0);
	luaL_newlib(L, handle_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);

	luaL_getmetatable(L, REPL_NODE_MT);
	lua_getfield(L, -1, "__methods");
	luaL_setfuncs(L, node_methods, 0);
	lua_pop(L, 2);
}
