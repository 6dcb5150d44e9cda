/*
 * lhooks.c - hooks written in Lua: x:register_hook(fn) on tensors,
 * grad_fn:register_hook / register_prehook on nodes, and the handles
 * whose :remove() takes them off; and how any Lua code core calls back
 * (hooks, custom backward functions) is run.
 *
 * Core's engine knows nothing of Lua: a hook reaches it as a C trampoline
 * holding the hook's id.  The Lua function itself lives in the user value
 * of the tensor's or node's userdata (see lkeep.c for why), where the
 * trampoline finds it.  Every call back into Lua is protected: a Lua error
 * inside one becomes core's error state, so it unwinds the engine cleanly
 * (grad mode restored) and is raised again as a Lua error where backward
 * was called.  Callbacks run on the thread that is running Lua now -- the
 * coroutine that called backward, when one did.
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

/* The coroutine a frame on top of a thread is resuming, if it is one: a
 * call of coroutine.resume has it as its first argument, a function made
 * by coroutine.wrap as its first upvalue. */
static lua_State *resumed_by(lua_State *T, lua_Debug *ar)
{
	lua_State *co = NULL;
	if (!lua_getinfo(T, "Sf", ar))
		return NULL;
	if (ar->what[0] != 'C') {
		lua_pop(T, 1);
		return NULL;
	}
	if (lua_getupvalue(T, -1, 1)) {
		co = lua_tothread(T, -1);
		lua_pop(T, 1);
	}
	lua_pop(T, 1);
	if (!co && lua_getlocal(T, ar, 1)) {
		co = lua_tothread(T, -1);
		lua_pop(T, 1);
	}
	return co != T ? co : NULL;
}

lua_State *repl_running_thread(lua_State *main)
{
	lua_State *T = main;
	lua_Debug ar;
	for (int depth = 0; depth < 256; depth++) {
		lua_State *co;
		if (!lua_getstack(T, 0, &ar) || !(co = resumed_by(T, &ar)) ||
		    lua_status(co) != LUA_OK || !lua_getstack(co, 0, &ar))
			return T;
		T = co;
	}
	return T;
}

/* The text of an error value: a string, a value with __tostring, or what
 * lua.c says of anything else. */
static int message_handler(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING)
		return 1;
	if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
		return 1;
	lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	return 1;
}

int repl_call_protected(lua_State *L, lua_CFunction fn, void *ctx)
{
	int top = lua_gettop(L);
	if (!lua_checkstack(L, 4))
		return ag_error(AG_ERR_NOMEM, "out of memory (Lua stack)");
	lua_pushcfunction(L, message_handler);
	lua_pushcfunction(L, fn);
	lua_pushlightuserdata(L, ctx);
	int status = lua_pcall(L, 1, 0, top + 1);
	if (status != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		ag_error(AG_ERR_RUNTIME, "%s", msg ? msg : "error in a Lua callback");
	}
	lua_settop(L, top);
	return status == LUA_OK ? 0 : -1;
}

/* ------------------------------------------------------------ trampolines */

typedef struct lua_hook_ud {
	lua_State *main;
	int id;
	bool on_node;		/* the function is in the node's userdata */
	void *owner;		/* the tensor or node it was registered on */
} lua_hook_ud;

/* Pushes the hook's Lua function, or nil once its owner is gone. */
static void push_hook_fn(lua_State *L, const lua_hook_ud *h)
{
	if (h->on_node)
		repl_find_node_box(L, h->owner);
	else
		repl_find_tensor_box(L, h->owner);
	if (lua_isnil(L, -1))
		return;
	lua_getiuservalue(L, -1, h->on_node ? 1 : REPL_TENSOR_UV_STATE);
	lua_remove(L, -2);
	if (!lua_istable(L, -1))
		return;
	lua_rawgeti(L, -1, h->id);
	lua_remove(L, -2);
}

static ag_tensor *result_tensor(lua_State *L, int idx, const char *what)
{
	if (lua_isnil(L, idx) || (lua_isboolean(L, idx) && !lua_toboolean(L, idx)))
		return NULL;
	ag_tensor *t = repl_to_tensor(L, idx);
	if (!t)
		luaL_error(L, "expected Variable, but %s returned '%s'", what,
			   luaL_typename(L, idx));
	ag_tensor_retain(t);
	return t;
}

struct tensor_call { lua_hook_ud *h; ag_tensor *grad, *out; };

static int tensor_hook_body(lua_State *L)
{
	struct tensor_call *c = lua_touserdata(L, 1);
	push_hook_fn(L, c->h);
	if (lua_isnil(L, -1))
		return 0;
	ag_tensor_retain(c->grad);
	repl_push_tensor(L, c->grad);
	lua_call(L, 1, 1);
	c->out = result_tensor(L, -1, "hook");
	return 0;
}

static int tensor_hook_tramp(void *ud, ag_tensor *grad, ag_tensor **out)
{
	lua_hook_ud *h = ud;
	struct tensor_call c = { h, grad, NULL };
	*out = NULL;
	if (repl_call_protected(repl_running_thread(h->main), tensor_hook_body, &c) < 0)
		return -1;
	*out = c.out;
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
static void replace_from_table(lua_State *L, int idx, ag_tensor **ts, int n,
			       const char *what)
{
	if (lua_isnil(L, idx))
		return;
	if (!lua_istable(L, idx))
		luaL_error(L, "%s must return nil or a table of gradients, got %s",
			   what, luaL_typename(L, idx));
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, idx, i + 1);
		ag_tensor *t = result_tensor(L, -1, what);
		lua_pop(L, 1);
		ag_tensor_release(ts[i]);
		ts[i] = t;
	}
}

struct node_call {
	lua_hook_ud *h;
	ag_tensor **a; int na;	/* pre: grads; post: grad_inputs */
	ag_tensor **b; int nb;	/* post: grad_outputs */
};

static int pre_hook_body(lua_State *L)
{
	struct node_call *c = lua_touserdata(L, 1);
	push_hook_fn(L, c->h);
	if (lua_isnil(L, -1))
		return 0;
	push_tensor_list(L, c->a, c->na);
	lua_call(L, 1, 1);
	replace_from_table(L, lua_gettop(L), c->a, c->na, "a pre-hook");
	return 0;
}

static int pre_hook_tramp(void *ud, ag_node *n, ag_tensor **grads, int ngrads)
{
	lua_hook_ud *h = ud;
	struct node_call c = { h, grads, ngrads, NULL, 0 };
	(void)n;
	return repl_call_protected(repl_running_thread(h->main), pre_hook_body, &c);
}

static int post_hook_body(lua_State *L)
{
	struct node_call *c = lua_touserdata(L, 1);
	push_hook_fn(L, c->h);
	if (lua_isnil(L, -1))
		return 0;
	push_tensor_list(L, c->a, c->na);
	push_tensor_list(L, c->b, c->nb);
	lua_call(L, 2, 1);
	replace_from_table(L, lua_gettop(L), c->a, c->na, "a hook");
	return 0;
}

static int post_hook_tramp(void *ud, ag_node *n, ag_tensor **gin, int nin,
			   ag_tensor **gout, int nout)
{
	lua_hook_ud *h = ud;
	struct node_call c = { h, gin, nin, gout, nout };
	(void)n;
	return repl_call_protected(repl_running_thread(h->main), post_hook_body, &c);
}

static ag_hook *new_lua_hook(lua_State *L, int fidx, void *owner, bool on_node)
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
	ud->main = repl_main_thread(L);
	ud->owner = owner;
	ud->on_node = on_node;
	h->ud = ud;
	h->free_ud = free;
	return h;
}

/* Stores the function at fidx as hook `id` in the user value `uv` of the
 * userdata at `owner`. */
static void store_hook_fn(lua_State *L, int owner, int uv, int id, int fidx)
{
	if (lua_getiuservalue(L, owner, uv) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setiuservalue(L, owner, uv);
	}
	lua_pushvalue(L, fidx);
	lua_rawseti(L, -2, id);
	lua_pop(L, 1);
}

/* ---------------------------------------------------------------- handles */

/* A handle: the hook's id; its user value is the userdata the hook was
 * registered on (so the handle keeps it alive, visibly to the collector). */
typedef struct handle_box {
	int id;
	bool on_node;
} handle_box;

static void push_handle(lua_State *L, int owner, int id, bool on_node)
{
	handle_box *b = lua_newuserdatauv(L, sizeof *b, 1);
	b->id = id;
	b->on_node = on_node;
	luaL_setmetatable(L, REPL_HANDLE_MT);
	lua_pushvalue(L, owner);
	lua_setiuservalue(L, -2, 1);
}

/* A hook removed while a backward pass runs still runs in that pass, as
 * in PyTorch 1.13 (the engine runs a copy of the hook list): its function
 * stays in its owner's state until the outermost pass ends. */
static const char deferred_key = 'd';	/* registry: list of {box, uv, id} */

static void clear_hook_fn(lua_State *L, int owner, int uv, int id)
{
	if (lua_getiuservalue(L, owner, uv) == LUA_TTABLE) {
		lua_pushnil(L);
		lua_rawseti(L, -2, id);
	}
	lua_pop(L, 1);
}

static void defer_clear(lua_State *L, int owner, int uv, int id)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &deferred_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &deferred_key);
	}
	lua_createtable(L, 3, 0);
	lua_pushvalue(L, owner);
	lua_rawseti(L, -2, 1);
	lua_pushinteger(L, uv);
	lua_rawseti(L, -2, 2);
	lua_pushinteger(L, id);
	lua_rawseti(L, -2, 3);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	lua_pop(L, 1);
}

void repl_hooks_pass_done(lua_State *L)
{
	if (ag_engine_current())
		return;
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &deferred_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	int list = lua_gettop(L);
	for (lua_Integer i = 1, n = (lua_Integer)lua_rawlen(L, list); i <= n; i++) {
		lua_rawgeti(L, list, i);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		lua_rawgeti(L, -3, 3);
		clear_hook_fn(L, lua_gettop(L) - 2, (int)lua_tointeger(L, -2),
			      (int)lua_tointeger(L, -1));
		lua_pop(L, 4);
	}
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &deferred_key);
}

static int handle_remove(lua_State *L)
{
	handle_box *b = luaL_checkudata(L, 1, REPL_HANDLE_MT);
	bool removed = false;
	if (lua_getiuservalue(L, 1, 1) == LUA_TUSERDATA) {
		int owner = lua_gettop(L);
		if (b->on_node) {
			ag_node *n = repl_test_node(L, owner);
			removed = n && ag_node_remove_hook(n, b->id);
		} else {
			ag_tensor *t = repl_test_tensor(L, owner);
			removed = t && ag_tensor_remove_hook(t, b->id);
		}
		int uv = b->on_node ? 1 : REPL_TENSOR_UV_STATE;
		if (removed && ag_engine_current())
			defer_clear(L, owner, uv, b->id);
		else
			clear_hook_fn(L, owner, uv, b->id);
		lua_pushnil(L);
		lua_setiuservalue(L, 1, 1);
	}
	lua_pushboolean(L, removed);
	return 1;
}

/* ---------------------------------------------------------- registration */

/* grad_fn:register_hook(fn) / grad_fn:register_prehook(fn) */
static int register_node_hook(lua_State *L, bool pre)
{
	ag_node *n = repl_check_node(L, 1);
	ag_hook *h = new_lua_hook(L, 2, n, true);
	int id;
	if (pre) {
		h->pre_fn = pre_hook_tramp;
		id = ag_node_add_pre_hook(n, h);
	} else {
		h->post_fn = post_hook_tramp;
		id = ag_node_add_post_hook(n, h);
	}
	((lua_hook_ud *)h->ud)->id = id;
	store_hook_fn(L, 1, 1, id, 2);
	push_handle(L, 1, id, true);
	return 1;
}

static int node_register_hook(lua_State *L) { return register_node_hook(L, false); }
static int node_register_prehook(lua_State *L) { return register_node_hook(L, true); }

/* x:register_hook(fn) */
static int t_register_hook(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.register_hook");
	ag_hook *h = new_lua_hook(L, 2, t, false);
	h->tensor_fn = tensor_hook_tramp;
	int id = ag_tensor_add_hook(t, h);
	if (id < 0)
		return repl_core_error(L);
	((lua_hook_ud *)h->ud)->id = id;
	store_hook_fn(L, 1, REPL_TENSOR_UV_STATE, id, 2);
	push_handle(L, 1, id, false);
	return 1;
}

const luaL_Reg repl_hook_methods[] = {
	{"register_hook", t_register_hook}, {NULL, NULL}
};

/* The handle metatable, and the hook methods of nodes (after lnode.c). */
void repl_open_hooks(lua_State *L)
{
	static const luaL_Reg handle_methods[] = {
		{"remove", handle_remove}, {NULL, NULL}
	};
	static const luaL_Reg node_methods[] = {
		{"register_hook", node_register_hook},
		{"register_prehook", node_register_prehook}, {NULL, NULL}
	};
	luaL_newmetatable(L, REPL_HANDLE_MT);
	luaL_newlib(L, handle_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);

	luaL_getmetatable(L, REPL_NODE_MT);
	lua_getfield(L, -1, "__methods");
	luaL_setfuncs(L, node_methods, 0);
	lua_pop(L, 2);
}
