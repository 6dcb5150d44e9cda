/*
 * lautograd.c - the autograd half of the `torch` module: grad_fn nodes as
 * Lua values, backward and torch.autograd.grad, grad modes, hooks written
 * in Lua, anomaly mode, custom Functions, and gradcheck.
 *
 * Core's engine knows nothing of Lua: hooks and custom backward functions
 * reach it as C trampolines holding a registry reference to the Lua
 * function; a Lua error inside one becomes core's error state, so it
 * unwinds the engine cleanly and is raised again here as a Lua error.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODE_MT "torch.Node"
#define GRADMODE_MT "torch.GradMode"
#define HANDLE_MT "torch.RemovableHandle"

static const char node_cache_key = 'n';	/* registry: node* -> box (weak) */
static lua_State *main_L;		/* hooks run on the main thread */

/* ------------------------------------------------------------ node values */

typedef struct node_box { ag_node *n; } node_box;

void repl_push_node(lua_State *L, ag_node *n)
{
	if (!n) {
		lua_pushnil(L);
		return;
	}
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &node_cache_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_createtable(L, 0, 1);
		lua_pushliteral(L, "v");
		lua_setfield(L, -2, "__mode");
		lua_setmetatable(L, -2);
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &node_cache_key);
	}
	if (lua_rawgetp(L, -1, n) == LUA_TUSERDATA) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	node_box *b = lua_newuserdatauv(L, sizeof *b, 0);
	b->n = n;
	ag_node_retain(n);
	luaL_setmetatable(L, NODE_MT);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, -3, n);
	lua_remove(L, -2);
}

static ag_node *check_node(lua_State *L, int idx)
{
	node_box *b = luaL_checkudata(L, idx, NODE_MT);
	return b->n;
}

static int node_gc(lua_State *L)
{
	node_box *b = luaL_checkudata(L, 1, NODE_MT);
	ag_node_release(b->n);
	b->n = NULL;
	return 0;
}

static int node_tostring(lua_State *L)
{
	ag_node *n = check_node(L, 1);
	lua_pushfstring(L, "<%s object at %p>", ag_node_name(n), (void *)n);
	return 1;
}

static int node_name(lua_State *L)
{
	lua_pushstring(L, ag_node_name(check_node(L, 1)));
	return 1;
}

/* next_functions: a list of {node, index} (index 1-based, as every index
 * in agdb; node nil for inputs that need no gradient). */
static void push_next_functions(lua_State *L, ag_node *n)
{
	int count = ag_node_next_count(n);
	lua_createtable(L, count, 0);
	for (int i = 0; i < count; i++) {
		ag_edge e = ag_node_next(n, i);
		lua_createtable(L, 2, 0);
		repl_push_node(L, e.fn);
		lua_rawseti(L, -2, 1);
		lua_pushinteger(L, (lua_Integer)e.input_nr + 1);
		lua_rawseti(L, -2, 2);
		lua_rawseti(L, -2, i + 1);
	}
}

/* ------------------------------------------------------------ hooks */

typedef struct lua_hook_ud {
	int ref;
} lua_hook_ud;

static void hook_ud_free(void *p)
{
	lua_hook_ud *h = p;
	if (main_L)
		luaL_unref(main_L, LUA_REGISTRYINDEX, h->ref);
	free(h);
}

/* Calls the function on top of main_L's stack with nargs arguments below
 * it; a Lua error becomes core's error.  Leaves nres results. */
static int call_lua(lua_State *L, int nargs, int nres)
{
	if (lua_pcall(L, nargs, nres, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		ag_error(AG_ERR_RUNTIME, "%s", msg ? msg : "error in a Lua hook");
		lua_pop(L, 1);
		return -1;
	}
	return 0;
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
	lua_State *L = main_L;
	lua_hook_ud *h = ud;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
	ag_tensor_retain(grad);
	repl_push_tensor(L, grad);
	if (call_lua(L, 1, 1) < 0)
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
	lua_State *L = main_L;
	lua_hook_ud *h = ud;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
	push_tensor_list(L, grads, ngrads);
	if (call_lua(L, 1, 1) < 0)
		return -1;
	int rc = replace_from_table(L, -1, grads, ngrads, "a pre-hook");
	lua_settop(L, top);
	(void)n;
	return rc;
}

static int post_hook_tramp(void *ud, ag_node *n, ag_tensor **gin, int nin,
			   ag_tensor **gout, int nout)
{
	lua_State *L = main_L;
	lua_hook_ud *h = ud;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
	push_tensor_list(L, gin, nin);
	push_tensor_list(L, gout, nout);
	if (call_lua(L, 2, 1) < 0)
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
	h->ud = ud;
	h->free_ud = hook_ud_free;
	return h;
}

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
	luaL_setmetatable(L, HANDLE_MT);
}

static int handle_remove(lua_State *L)
{
	handle_box *b = luaL_checkudata(L, 1, HANDLE_MT);
	bool removed = false;
	if (b->node)
		removed = ag_node_remove_hook(b->node, b->id);
	else if (b->tensor)
		removed = ag_tensor_remove_hook(b->tensor, b->id);
	ag_node_release(b->node);
	ag_tensor_release(b->tensor);
	b->node = NULL;
	b->tensor = NULL;
	lua_pushboolean(L, removed);
	return 1;
}

static int handle_gc(lua_State *L)
{
	handle_box *b = luaL_checkudata(L, 1, HANDLE_MT);
	ag_node_release(b->node);
	ag_tensor_release(b->tensor);
	b->node = NULL;
	b->tensor = NULL;
	return 0;
}

/* grad_fn:register_hook(fn) / grad_fn:register_prehook(fn) */
static int register_node_hook(lua_State *L, bool pre)
{
	ag_node *n = check_node(L, 1);
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

static int node_index(lua_State *L)
{
	ag_node *n = check_node(L, 1);
	const char *k = luaL_checkstring(L, 2);
	if (strcmp(k, "next_functions") == 0) {
		push_next_functions(L, n);
		return 1;
	}
	if (strcmp(k, "metadata") == 0) {
		lua_newtable(L);
		return 1;
	}
	luaL_getmetatable(L, NODE_MT);
	lua_getfield(L, -1, "__methods");
	lua_getfield(L, -1, k);
	return 1;
}

static int node_eq(lua_State *L)
{
	node_box *a = luaL_testudata(L, 1, NODE_MT), *b = luaL_testudata(L, 2, NODE_MT);
	lua_pushboolean(L, a && b && a->n == b->n);
	return 1;
}

/* ----------------------------------------------------- tensor methods */

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

/* Raises core's error after a failed backward, with the forward traceback
 * of the failing node printed first in anomaly mode (PyTorch warns). */
static int engine_error(lua_State *L, ag_engine *e)
{
	const char *tb = e ? ag_engine_failed_traceback(e) : NULL;
	if (tb) {
		fprintf(stderr, "Warning: Error detected in %s. Traceback of forward "
			"call that caused the error:\n%s\n",
			ag_engine_failed_node(e), tb);
		fflush(stderr);
	}
	lua_pushstring(L, ag_error_message());
	ag_error_clear();
	ag_engine_free(e);
	return lua_error(L);
}

/* Collects tensors from a value: a tensor, or a list of tensors. */
static int tensor_list(lua_State *L, int idx, ag_tensor **out, int max,
		       const char *fname, const char *what, bool allow_nil)
{
	if (lua_isnil(L, idx) || lua_isnone(L, idx))
		return 0;
	ag_tensor *t = repl_to_tensor(L, idx);
	if (t) {
		out[0] = t;
		return 1;
	}
	if (!lua_istable(L, idx))
		return repl_arg_error(L, fname, idx, what);
	int n = (int)lua_rawlen(L, idx);
	if (n > max)
		return luaL_error(L, "%s: at most %d tensors", fname, max);
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, idx, i + 1);
		out[i] = repl_to_tensor(L, -1);
		if (!out[i] && !(allow_nil && (lua_isnil(L, -1) || lua_isboolean(L, -1))))
			return luaL_error(L, "%s: %s must contain only Tensors, "
					  "element %d is %s", fname, what, i + 1,
					  luaL_typename(L, -1));
		lua_pop(L, 1);
	}
	return n;
}

#define MAX_ROOTS 256

static int run_backward(lua_State *L, ag_tensor **roots, ag_tensor **grads,
			int n, bool retain, bool create, ag_tensor **inputs,
			int ninputs, bool allow_unused, int *nresults)
{
	ag_backward_options opt = {
		.retain_graph = retain, .create_graph = create,
		.inputs = inputs, .ninputs = ninputs, .allow_unused = allow_unused,
	};
	ag_engine *e = ag_engine_begin(roots, grads, n, &opt);
	if (!e)
		return engine_error(L, NULL);
	if (ag_engine_run(e) < 0)
		return engine_error(L, e);
	if (nresults) {
		lua_createtable(L, ninputs, 0);
		for (int i = 0; i < ninputs; i++) {
			ag_tensor *r = ag_engine_result(e, i);
			if (r)
				repl_push_tensor(L, r);
			else
				lua_pushnil(L);
			lua_rawseti(L, -2, i + 1);
		}
		*nresults = ninputs;
	}
	ag_engine_free(e);
	return 0;
}

/* x:backward([gradient], [{retain_graph, create_graph}]) */
static int t_backward(lua_State *L)
{
	static const char *const keys[] = { "retain_graph", "create_graph",
					    "gradient", "inputs", NULL };
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.backward");
	int kw = repl_kwargs(L, 2);
	ag_tensor *grad = NULL;
	repl_check_keys(L, kw, "Tensor.backward", keys);
	if (lua_gettop(L) >= 2 && kw != 2 && !lua_isnil(L, 2)) {
		grad = repl_to_tensor(L, 2);
		if (!grad)
			return repl_arg_error(L, "Tensor.backward", 2,
					      "a Tensor (the gradient) or nil");
	}
	if (kw && repl_kw_get(L, kw, "gradient") != LUA_TNIL) {
		grad = repl_to_tensor(L, -1);
		if (!grad)
			return luaL_error(L, "Tensor.backward: gradient must be a Tensor");
	}
	if (kw && repl_kw_get(L, kw, "inputs") != LUA_TNIL)
		return luaL_error(L, "Tensor.backward: inputs= is not supported; "
				  "use torch.autograd.grad(outputs, inputs)");
	bool create = repl_kw_bool(L, kw, "create_graph", false, "Tensor.backward");
	bool retain = repl_kw_bool(L, kw, "retain_graph", create, "Tensor.backward");
	run_backward(L, &t, &grad, 1, retain, create, NULL, 0, false, NULL);
	return 0;
}

/* torch.autograd.backward(tensors, [grad_tensors], [{retain_graph, create_graph}]) */
static int l_autograd_backward(lua_State *L)
{
	static const char *const keys[] = { "retain_graph", "create_graph",
					    "grad_tensors", NULL };
	ag_tensor *roots[MAX_ROOTS], *grads[MAX_ROOTS] = { NULL };
	int kw = repl_kwargs(L, 2);
	repl_check_keys(L, kw, "torch.autograd.backward", keys);
	int n = tensor_list(L, 1, roots, MAX_ROOTS, "torch.autograd.backward",
			    "a Tensor or a list of Tensors", false);
	if (lua_gettop(L) >= 2 && kw != 2)
		tensor_list(L, 2, grads, n, "torch.autograd.backward",
			    "a Tensor or a list of gradients", true);
	if (kw && repl_kw_get(L, kw, "grad_tensors") != LUA_TNIL)
		tensor_list(L, lua_gettop(L), grads, n, "torch.autograd.backward",
			    "a list of gradients", true);
	bool create = repl_kw_bool(L, kw, "create_graph", false, "torch.autograd.backward");
	bool retain = repl_kw_bool(L, kw, "retain_graph", create, "torch.autograd.backward");
	run_backward(L, roots, grads, n, retain, create, NULL, 0, false, NULL);
	return 0;
}

/* torch.autograd.grad(outputs, inputs, {grad_outputs, retain_graph,
 * create_graph, allow_unused}) -> list of gradients */
static int l_autograd_grad(lua_State *L)
{
	static const char *const keys[] = { "grad_outputs", "retain_graph",
					    "create_graph", "allow_unused", NULL };
	ag_tensor *outs[MAX_ROOTS], *ins[MAX_ROOTS], *gouts[MAX_ROOTS] = { NULL };
	int kw = repl_kwargs(L, 3);
	repl_check_keys(L, kw, "torch.autograd.grad", keys);
	int nout = tensor_list(L, 1, outs, MAX_ROOTS, "torch.autograd.grad",
			       "a Tensor or a list of Tensors", false);
	int nin = tensor_list(L, 2, ins, MAX_ROOTS, "torch.autograd.grad",
			      "a Tensor or a list of Tensors", false);
	if (nout == 0)
		return luaL_error(L, "torch.autograd.grad: outputs must not be empty");
	if (nin == 0)
		return luaL_error(L, "grad requires non-empty inputs.");
	if (kw && repl_kw_get(L, kw, "grad_outputs") != LUA_TNIL) {
		int ng = tensor_list(L, lua_gettop(L), gouts, MAX_ROOTS,
				     "torch.autograd.grad", "grad_outputs", true);
		if (ng != nout && !(ng == 1 && nout == 1))
			return luaL_error(L, "grad_outputs has %d tensors but outputs "
					  "has %d", ng, nout);
	}
	bool create = repl_kw_bool(L, kw, "create_graph", false, "torch.autograd.grad");
	bool retain = repl_kw_bool(L, kw, "retain_graph", create, "torch.autograd.grad");
	bool unused = repl_kw_bool(L, kw, "allow_unused", false, "torch.autograd.grad");
	int nres = 0;
	run_backward(L, outs, gouts, nout, retain, create, ins, nin, unused, &nres);
	return 1;
}

/* ------------------------------------------------------------ grad modes */

/* A grad-mode guard: the mode to restore when closed (<close> or fn). */
typedef struct mode_box { bool prev; bool active; } mode_box;

static void push_mode_guard(lua_State *L, bool prev)
{
	mode_box *b = lua_newuserdatauv(L, sizeof *b, 0);
	b->prev = prev;
	b->active = true;
	luaL_setmetatable(L, GRADMODE_MT);
}

static int mode_close(lua_State *L)
{
	mode_box *b = luaL_checkudata(L, 1, GRADMODE_MT);
	if (b->active) {
		ag_set_grad_enabled(b->prev);
		b->active = false;
	}
	return 0;
}

/* Runs fn(...) with grad mode `on`, restoring the previous mode even when
 * fn raises, and returns fn's results. */
static int with_mode(lua_State *L, bool on)
{
	int nargs = lua_gettop(L) - 1;
	bool prev = ag_set_grad_enabled(on);
	int status = lua_pcall(L, nargs, LUA_MULTRET, 0);
	ag_set_grad_enabled(prev);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

static int mode_entry(lua_State *L, bool on)
{
	if (lua_isfunction(L, 1))
		return with_mode(L, on);
	if (!lua_isnoneornil(L, 1))
		return repl_arg_error(L, on ? "torch.enable_grad" : "torch.no_grad",
				      1, "a function or nothing");
	push_mode_guard(L, ag_set_grad_enabled(on));
	return 1;
}

static int l_no_grad(lua_State *L) { return mode_entry(L, false); }
static int l_enable_grad(lua_State *L) { return mode_entry(L, true); }

static int l_set_grad_enabled(lua_State *L)
{
	if (!lua_isboolean(L, 1))
		return repl_arg_error(L, "torch.set_grad_enabled", 1, "a boolean");
	bool on = lua_toboolean(L, 1);
	if (lua_isfunction(L, 2)) {
		lua_remove(L, 1);
		return with_mode(L, on);
	}
	push_mode_guard(L, ag_set_grad_enabled(on));
	return 1;
}

static int l_is_grad_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_is_grad_enabled());
	return 1;
}

/* ------------------------------------------------------------ anomaly */

static char *lua_traceback_provider(void *ud)
{
	lua_State *L = main_L;
	(void)ud;
	if (!L)
		return NULL;
	luaL_traceback(L, L, NULL, 1);
	const char *s = lua_tostring(L, -1);
	char *copy = s ? strdup(s) : NULL;
	lua_pop(L, 1);
	return copy;
}

static int l_set_detect_anomaly(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	ag_set_anomaly_enabled(lua_toboolean(L, 1));
	return 0;
}

static int l_is_anomaly_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_is_anomaly_enabled());
	return 1;
}

static int l_detect_anomaly(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	int nargs = lua_gettop(L) - 1;
	bool prev = ag_is_anomaly_enabled();
	ag_set_anomaly_enabled(true);
	int status = lua_pcall(L, nargs, LUA_MULTRET, 0);
	ag_set_anomaly_enabled(prev);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

/* "file:line" of the Lua code running an op, for the trace log. */
static void where_provider(char *buf, size_t n, void *ud)
{
	lua_State *L = main_L;
	lua_Debug ar;
	(void)ud;
	buf[0] = '\0';
	if (!L)
		return;
	for (int level = 0; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar))
			break;
		if (ar.currentline > 0 && ar.what[0] != 'C') {
			snprintf(buf, n, "%s:%d", ar.short_src, ar.currentline);
			return;
		}
	}
}

/* The trace log from Lua: switch it, and read it (oldest first) as a list
 * of {op=, grad_fn=, inputs={ids}, outputs={ids}, grad_mode=, recorded=,
 * inplace=, where=, scope=, shape=}. */
static int l_set_trace_enabled(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	ag_trace_enable(lua_toboolean(L, 1));
	return 0;
}

static int l_is_trace_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_trace_enabled());
	return 1;
}

static int l_trace_log(lua_State *L)
{
	size_t n = ag_trace_count();
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		const ag_trace_event *ev = ag_trace_get(i);
		lua_createtable(L, 0, 10);
		lua_pushstring(L, ag_trace_event_op_name(ev));
		lua_setfield(L, -2, "op");
		if (ev->grad_fn[0]) {
			lua_pushstring(L, ev->grad_fn);
			lua_setfield(L, -2, "grad_fn");
		}
		lua_createtable(L, ev->n_in, 0);
		for (int j = 0; j < ev->n_in; j++) {
			lua_pushinteger(L, (lua_Integer)ev->in[j]);
			lua_rawseti(L, -2, j + 1);
		}
		lua_setfield(L, -2, "inputs");
		lua_createtable(L, ev->n_out, 0);
		for (int j = 0; j < ev->n_out; j++) {
			lua_pushinteger(L, (lua_Integer)ev->out[j]);
			lua_rawseti(L, -2, j + 1);
		}
		lua_setfield(L, -2, "outputs");
		lua_pushboolean(L, ev->grad_mode);
		lua_setfield(L, -2, "grad_mode");
		lua_pushboolean(L, ev->recorded);
		lua_setfield(L, -2, "recorded");
		lua_pushboolean(L, ev->inplace);
		lua_setfield(L, -2, "inplace");
		lua_pushstring(L, ev->where);
		lua_setfield(L, -2, "where");
		lua_pushstring(L, ev->scope);
		lua_setfield(L, -2, "scope");
		repl_push_size(L, ev->out_shape, ev->out_ndim);
		lua_setfield(L, -2, "shape");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int l_clear_trace(lua_State *L)
{
	(void)L;
	ag_trace_clear();
	return 0;
}

static int l_set_keep_grad_stats(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	ag_set_keep_grad_stats(lua_toboolean(L, 1));
	return 0;
}

/* x.id: the tensor's stable id (what the trace log names). */
static int t_id(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor._id");
	lua_pushinteger(L, (lua_Integer)t->id);
	return 1;
}

/* ------------------------------------------------------ custom Functions */

/*
 * torch.autograd.Function:extend("Square") makes a class; Square.apply(...)
 * runs Square.forward(ctx, ...) without recording, then core records the
 * call (ag_function_record): a node "SquareBackward" on the tensor outputs
 * whose backward calls Square.backward(ctx, grad_outputs...) and expects
 * one gradient (or nil) per forward argument.  The node keeps the tensors
 * of ctx:save_for_backward, so ctx.saved_tensors is checked by core like
 * any op's saved tensors (and fails with the same texts).
 */
#define CTX_MT "torch.FunctionCtx"

typedef struct custom_ud {
	int ctx_ref;		/* the ctx table */
	int cls_ref;		/* the class table */
} custom_ud;

/* The node frees its state with it: the ctx forgets the node then. */
static void custom_free(void *p)
{
	custom_ud *c = p;
	if (main_L) {
		lua_rawgeti(main_L, LUA_REGISTRYINDEX, c->ctx_ref);
		lua_pushnil(main_L);
		lua_setfield(main_L, -2, "_node");
		lua_pop(main_L, 1);
		luaL_unref(main_L, LUA_REGISTRYINDEX, c->ctx_ref);
		luaL_unref(main_L, LUA_REGISTRYINDEX, c->cls_ref);
	}
	free(c);
}

static int custom_apply_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	lua_State *L = main_L;
	custom_ud *c = ag_function_ud(self);
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
	if (call_lua(L, 1 + nout, LUA_MULTRET) < 0) {
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
	ag_tensor *outs[MAX_ROOTS], *orig[MAX_ROOTS], *saved[MAX_ROOTS];
	int pos[MAX_ROOTS], nout = 0;
	char name[128];

	for (int i = 0; i < nres && nout < MAX_ROOTS; i++)
		if ((outs[nout] = repl_to_tensor(L, first + i))) {
			orig[nout] = outs[nout];
			pos[nout++] = first + i;
		}
	if (nout == 0)
		return;
	int nsaved = pending_saved(L, ctx, saved, MAX_ROOTS);
	lua_getfield(L, cls, "__name");
	snprintf(name, sizeof name, "%sBackward",
		 lua_tostring(L, -1) ? lua_tostring(L, -1) : "Function");
	lua_pop(L, 1);
	custom_ud *c = calloc(1, sizeof *c);
	if (!c)
		luaL_error(L, "out of memory");
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
	ag_tensor *ins[MAX_ROOTS];
	if (nargs > MAX_ROOTS)
		return luaL_error(L, "Function.apply: too many arguments");

	lua_getfield(L, cls, "forward");
	if (!lua_isfunction(L, -1))
		return luaL_error(L, "Function.apply: the Function has no forward");
	int fwd = lua_gettop(L);

	/* ctx */
	lua_newtable(L);
	int ctx = lua_gettop(L);
	luaL_getmetatable(L, CTX_MT);
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

/* ------------------------------------------------------------ gradcheck */

/* Written in Lua on top of the API above; run once at module open. */
static const char gradcheck_src[] =
"local torch = ...\n"
"local autograd = torch.autograd\n"
"local function tensors_of(inputs)\n"
"  if torch.is_tensor(inputs) then return {inputs} end\n"
"  return inputs\n"
"end\n"
"local function outputs_of(fn, inputs)\n"
"  local r = table.pack(fn(table.unpack(inputs, 1, inputs.n or #inputs)))\n"
"  local outs = {}\n"
"  for i = 1, r.n do if torch.is_tensor(r[i]) then outs[#outs + 1] = r[i] end end\n"
"  return outs\n"
"end\n"
"local function flat(t) return t:detach():reshape(-1) end\n"
"-- numerical Jacobian of output o w.r.t. input x: (numel x) x (numel o)\n"
"local function numerical(fn, inputs, xi, oi, eps)\n"
"  local x = inputs[xi]\n"
"  local xf = x:detach():view(-1)\n"
"  local n = x:numel()\n"
"  local cols\n"
"  for k = 1, n do\n"
"    local orig = xf[k]:item()\n"
"    -- perturb without recording; evaluate normally (fn may need grad mode)\n"
"    torch.no_grad(function() xf[k] = orig + eps end)\n"
"    local plus = flat(outputs_of(fn, inputs)[oi]):double():clone()\n"
"    torch.no_grad(function() xf[k] = orig - eps end)\n"
"    local minus = flat(outputs_of(fn, inputs)[oi]):double():clone()\n"
"    torch.no_grad(function() xf[k] = orig end)\n"
"    local d = (plus - minus) / (2 * eps)\n"
"    cols = cols or torch.zeros(n, d:numel(), {dtype = torch.float64})\n"
"    if d:numel() > 0 then cols[k] = d end\n"
"  end\n"
"  return cols or torch.zeros(0, 0, {dtype = torch.float64})\n"
"end\n"
"local function analytical(fn, inputs, xi, oi, create)\n"
"  local x = inputs[xi]\n"
"  local out = outputs_of(fn, inputs)[oi]\n"
"  local m = out:numel()\n"
"  local J = torch.zeros(x:numel(), m, {dtype = torch.float64})\n"
"  if not out.requires_grad then return J end\n"
"  for j = 1, m do\n"
"    local g = torch.zeros_like(out)\n"
"    g:view(-1)[j] = 1\n"
"    local gx = autograd.grad({out}, {x}, {grad_outputs = {g}, retain_graph = true,\n"
"                             allow_unused = true})[1]\n"
"    if gx then J[{{}, j}] = flat(gx):double() end\n"
"  end\n"
"  return J\n"
"end\n"
"local function check(fn, inputs, opts, what)\n"
"  opts = opts or {}\n"
"  local eps = opts.eps or 1e-6\n"
"  local atol = opts.atol or 1e-5\n"
"  local rtol = opts.rtol or 1e-3\n"
"  local raise = opts.raise_exception ~= false\n"
"  inputs = tensors_of(inputs)\n"
"  local outs = outputs_of(fn, inputs)\n"
"  for oi = 1, #outs do\n"
"    for xi = 1, #inputs do\n"
"      local x = inputs[xi]\n"
"      if torch.is_tensor(x) and x.requires_grad then\n"
"        if x.dtype ~= torch.float64 then\n"
"          io.stderr:write(string.format('Warning: Input #%d requires gradient and is not a double precision floating point. This check will likely fail if all the inputs are not of double precision floating point.\\n', xi - 1))\n"
"        end\n"
"        local N = numerical(fn, inputs, xi, oi, eps)\n"
"        local A = analytical(fn, inputs, xi, oi)\n"
"        local diff = (A - N):abs()\n"
"        local tol = N:abs() * rtol + atol\n"
"        if diff:gt(tol):sum():item() > 0 then\n"
"          local msg = string.format('%s mismatch for output %d with respect to input %d,\\nnumerical:%s\\nanalytical:%s\\n',\n"
"            what, oi - 1, xi - 1, tostring(N), tostring(A))\n"
"          if raise then error(msg, 2) end\n"
"          return false\n"
"        end\n"
"      end\n"
"    end\n"
"  end\n"
"  return true\n"
"end\n"
"function autograd.gradcheck(fn, inputs, opts)\n"
"  return check(fn, inputs, opts, 'Jacobian')\n"
"end\n"
"function autograd.gradgradcheck(fn, inputs, grad_outputs, opts)\n"
"  if opts == nil and type(grad_outputs) == 'table' and not torch.is_tensor(grad_outputs)\n"
"     and grad_outputs[1] == nil then opts, grad_outputs = grad_outputs, nil end\n"
"  inputs = tensors_of(inputs)\n"
"  local outs = outputs_of(fn, inputs)\n"
"  local gos = {}\n"
"  if grad_outputs then gos = tensors_of(grad_outputs)\n"
"  else\n"
"    for i, o in ipairs(outs) do\n"
"      gos[i] = torch.randn(o.shape, {dtype = o.dtype}):requires_grad_(true)\n"
"    end\n"
"  end\n"
"  local ni = #inputs\n"
"  local diff_idx = {}\n"
"  for i = 1, ni do if torch.is_tensor(inputs[i]) and inputs[i].requires_grad then diff_idx[#diff_idx + 1] = i end end\n"
"  local function first_grads(...)\n"
"    local args = {...}\n"
"    local xs = {}\n"
"    for i = 1, ni do xs[i] = args[i] end\n"
"    local os = outputs_of(fn, xs)\n"
"    local req = {}\n"
"    for _, i in ipairs(diff_idx) do req[#req + 1] = xs[i] end\n"
"    local g = {}\n"
"    for i = 1, #os do g[i] = args[ni + i] end\n"
"    local gs = autograd.grad(os, req, {grad_outputs = g, create_graph = true, allow_unused = true})\n"
"    local r = {}\n"
"    for i = 1, #req do r[i] = gs[i] or torch.zeros_like(req[i]) end\n"
"    return table.unpack(r)\n"
"  end\n"
"  local all = {}\n"
"  for i = 1, ni do all[i] = inputs[i] end\n"
"  for i, g in ipairs(gos) do all[ni + i] = g end\n"
"  return check(first_grads, all, opts, 'Jacobian')\n"
"end\n";

/* ------------------------------------------------------------ opening */

void repl_open_autograd(lua_State *L)
{
	/* expects the torch table at the top of the stack */
	int torch = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	main_L = lua_tothread(L, -1);
	lua_pop(L, 1);
	ag_set_traceback_provider(lua_traceback_provider, NULL);
	ag_trace_set_where_provider(where_provider, NULL);

	static const luaL_Reg node_methods[] = {
		{"name", node_name}, {"register_hook", node_register_hook},
		{"register_prehook", node_register_prehook}, {NULL, NULL}
	};
	luaL_newmetatable(L, NODE_MT);
	lua_pushcfunction(L, node_gc); lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, node_tostring); lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, node_index); lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, node_eq); lua_setfield(L, -2, "__eq");
	luaL_newlib(L, node_methods); lua_setfield(L, -2, "__methods");
	lua_createtable(L, 1, 0);
	lua_pushliteral(L, "next_functions"); lua_rawseti(L, -2, 1);
	lua_setfield(L, -2, "__fields");
	lua_pop(L, 1);

	luaL_newmetatable(L, HANDLE_MT);
	lua_pushcfunction(L, handle_gc); lua_setfield(L, -2, "__gc");
	lua_newtable(L);
	lua_pushcfunction(L, handle_remove); lua_setfield(L, -2, "remove");
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);

	luaL_newmetatable(L, GRADMODE_MT);
	lua_pushcfunction(L, mode_close); lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, mode_close); lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);

	luaL_newmetatable(L, CTX_MT);
	lua_pushcfunction(L, ctx_index); lua_setfield(L, -2, "__index");
	lua_newtable(L);
	lua_pushcfunction(L, ctx_save_for_backward);
	lua_setfield(L, -2, "save_for_backward");
	lua_setfield(L, -2, "__methods");
	lua_pop(L, 1);

	static const luaL_Reg torch_funcs[] = {
		{"no_grad", l_no_grad}, {"enable_grad", l_enable_grad},
		{"set_grad_enabled", l_set_grad_enabled},
		{"is_grad_enabled", l_is_grad_enabled}, {NULL, NULL}
	};
	luaL_setfuncs(L, torch_funcs, 0);

	static const luaL_Reg autograd_funcs[] = {
		{"grad", l_autograd_grad}, {"backward", l_autograd_backward},
		{"set_detect_anomaly", l_set_detect_anomaly},
		{"detect_anomaly", l_detect_anomaly},
		{"is_anomaly_enabled", l_is_anomaly_enabled},
		{"set_trace_enabled", l_set_trace_enabled},
		{"is_trace_enabled", l_is_trace_enabled},
		{"trace_log", l_trace_log}, {"clear_trace", l_clear_trace},
		{"set_keep_grad_stats", l_set_keep_grad_stats}, {NULL, NULL}
	};
	luaL_newlib(L, autograd_funcs);
	lua_newtable(L);	/* Function */
	lua_pushcfunction(L, function_extend);
	lua_setfield(L, -2, "extend");
	lua_setfield(L, -2, "Function");
	lua_setfield(L, torch, "autograd");

	if (luaL_loadbuffer(L, gradcheck_src, sizeof gradcheck_src - 1,
			    "=torch.autograd") != LUA_OK)
		lua_error(L);
	lua_pushvalue(L, torch);
	lua_call(L, 1, 0);
}

/* Methods added to the tensor method table at the top of the stack. */
void repl_register_autograd_methods(lua_State *L)
{
	static const luaL_Reg m[] = {
		{"backward", t_backward}, {"register_hook", t_register_hook},
		{"_id", t_id}, {NULL, NULL}
	};
	luaL_setfuncs(L, m, 0);
}
