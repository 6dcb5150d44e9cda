/*
 * lbackward.c - running backward from Lua: x:backward(),
 * torch.autograd.backward and torch.autograd.grad.
 */
#include "ltorch.h"
#include "autograd.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int (*repl_backward_runner)(lua_State *L, ag_engine *e, ag_tensor *const *roots,
			    int nroots, bool can_stop);
void (*repl_backward_failed_hook)(lua_State *L, ag_engine *e);

/* Raises core's error after a failed backward, with the forward traceback
 * of the failing node printed first in anomaly mode (PyTorch warns). */
static int engine_error(lua_State *L, ag_engine *e)
{
	if (repl_backward_failed_hook)
		repl_backward_failed_hook(L, e);
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
	repl_hooks_pass_done(L);
	return lua_error(L);
}

/* Runs a pass; with inputs, autograd.grad pushes the list of their
 * gradients, backward(inputs=) accumulates into them only. */
static void run_backward(lua_State *L, ag_tensor **roots, ag_tensor **grads,
			 int n, bool retain, bool create, ag_tensor **inputs,
			 int ninputs, bool allow_unused, bool accumulate)
{
	ag_backward_options opt = {
		.retain_graph = retain, .create_graph = create,
		.inputs = inputs, .ninputs = ninputs, .allow_unused = allow_unused,
		.accumulate = accumulate,
	};
	ag_engine *e = ag_engine_begin(roots, grads, n, &opt);
	if (!e)
		engine_error(L, NULL);
	/* the debugger may stop a plain backward at a breakpoint (not
	 * autograd.grad, whose results the stop would lose) */
	if ((repl_backward_runner ? repl_backward_runner(L, e, roots, n, ninputs == 0)
				  : ag_engine_run(e)) < 0)
		engine_error(L, e);
	repl_hooks_pass_done(L);
	if (ninputs > 0 && !accumulate) {
		lua_createtable(L, ninputs, 0);
		for (int i = 0; i < ninputs; i++) {
			ag_tensor *r = ag_engine_result(e, i);
			if (r)
				repl_push_tensor(L, r);
			else
				lua_pushnil(L);
			lua_rawseti(L, -2, i + 1);
		}
	}
	ag_engine_free(e);
}

/* n gradients (NULL: none given) from the list at idx (0: none at all);
 * more than max is an error. */
static ag_tensor **gradient_list(lua_State *L, int idx, int n, int max,
				 const char *fname, const char *name,
				 const char *what, int *given)
{
	ag_tensor **grads = lua_newuserdatauv(L, (size_t)(n ? n : 1) *
					      sizeof *grads, 0);
	memset(grads, 0, (size_t)(n ? n : 1) * sizeof *grads);
	*given = 0;
	if (!idx)
		return grads;
	ag_tensor **list = repl_check_tensor_list(L, idx, fname, name, what,
						  REPL_LIST_ONE | REPL_LIST_NIL |
						  REPL_LIST_HOLES, given);
	if (*given > max)
		luaL_error(L, "%s: at most %d tensors", fname, max);
	memcpy(grads, list, (size_t)(*given < n ? *given : n) * sizeof *grads);
	lua_pop(L, 1);
	return grads;
}

/* backward's inputs= keyword: a tensor or a list of them, never empty. */
static ag_tensor **backward_inputs(lua_State *L, int kw, const char *fname,
				   int *n)
{
	*n = 0;
	if (!kw || repl_kw_get(L, kw, "inputs") == LUA_TNIL)
		return NULL;
	ag_tensor **ins = repl_check_tensor_list(L, lua_gettop(L), fname, "inputs",
		"a Tensor or a list of Tensors", REPL_LIST_ONE, n);
	if (*n == 0)
		luaL_error(L, "'inputs' argument to backward() cannot be empty.");
	return ins;
}

/* x:backward([gradient], [{retain_graph, create_graph, inputs}]) */
static int t_backward(lua_State *L)
{
	static const char *const keys[] = { "retain_graph", "create_graph",
					    "gradient", "inputs", NULL };
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.backward");
	int kw = repl_kwargs(L, 2), nin;
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
	ag_tensor **ins = backward_inputs(L, kw, "Tensor.backward", &nin);
	bool create = repl_kw_bool(L, kw, "create_graph", false, "Tensor.backward");
	bool retain = repl_kw_bool(L, kw, "retain_graph", create, "Tensor.backward");
	run_backward(L, &t, &grad, 1, retain, create, ins, nin, true, true);
	return 0;
}

/* torch.autograd.backward(tensors, [grad_tensors], [{retain_graph, create_graph}]) */
static int l_autograd_backward(lua_State *L)
{
	static const char fname[] = "torch.autograd.backward";
	static const char *const keys[] = { "retain_graph", "create_graph",
					    "grad_tensors", "inputs", NULL };
	int nargs = lua_gettop(L), kw = repl_kwargs(L, 2), n, given, nin;
	ag_tensor **grads;

	repl_check_keys(L, kw, fname, keys);
	ag_tensor **roots = repl_check_tensor_list(L, 1, fname, NULL,
		"a Tensor or a list of Tensors", REPL_LIST_ONE | REPL_LIST_NIL, &n);
	grads = gradient_list(L, nargs >= 2 && kw != 2 ? 2 : 0, n, n,
			      fname, NULL, "a Tensor or a list of gradients",
			      &given);
	if (kw && repl_kw_get(L, kw, "grad_tensors") != LUA_TNIL)
		grads = gradient_list(L, lua_gettop(L), n, n, fname,
				      "grad_tensors", "a list of gradients", &given);
	ag_tensor **ins = backward_inputs(L, kw, fname, &nin);
	bool create = repl_kw_bool(L, kw, "create_graph", false, fname);
	bool retain = repl_kw_bool(L, kw, "retain_graph", create, fname);
	run_backward(L, roots, grads, n, retain, create, ins, nin, true, true);
	return 0;
}

/* only_inputs is PyTorch's deprecated keyword: warned about, ignored. */
static void warn_only_inputs(lua_State *L, int kw)
{
	static bool warned;
	if (!kw || repl_kw_get(L, kw, "only_inputs") == LUA_TNIL || warned) {
		if (kw)
			lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	warned = true;
	fprintf(stderr, "UserWarning: only_inputs argument is deprecated and is "
		"ignored now (defaults to True). To accumulate gradient for other "
		"parts of the graph, please use torch.autograd.backward.\n");
	fflush(stderr);
}

/* torch.autograd.grad(outputs, inputs, {grad_outputs, retain_graph,
 * create_graph, allow_unused, only_inputs, is_grads_batched}) -> list of
 * gradients */
static int l_autograd_grad(lua_State *L)
{
	static const char fname[] = "torch.autograd.grad";
	static const char *const keys[] = { "grad_outputs", "retain_graph",
		"create_graph", "allow_unused", "only_inputs", "is_grads_batched",
		NULL };
	int kw = repl_kwargs(L, 3), nout, nin, ng = 0;
	ag_tensor **gouts;

	repl_check_keys(L, kw, fname, keys);
	ag_tensor **outs = repl_check_tensor_list(L, 1, fname, NULL,
		"a Tensor or a list of Tensors", REPL_LIST_ONE | REPL_LIST_NIL, &nout);
	ag_tensor **ins = repl_check_tensor_list(L, 2, fname, NULL,
		"a Tensor or a list of Tensors", REPL_LIST_ONE | REPL_LIST_NIL, &nin);
	if (nout == 0)
		return luaL_error(L, "torch.autograd.grad: outputs must not be empty");
	if (nin == 0)
		return luaL_error(L, "grad requires non-empty inputs.");
	if (kw && repl_kw_get(L, kw, "grad_outputs") != LUA_TNIL) {
		gouts = gradient_list(L, lua_gettop(L), nout, INT_MAX, fname,
				      "grad_outputs", "a list of gradients", &ng);
		if (ng != nout && !(ng == 1 && nout == 1))
			return luaL_error(L, "grad_outputs has %d tensors but outputs "
					  "has %d", ng, nout);
	} else {
		gouts = gradient_list(L, 0, nout, INT_MAX, fname, NULL, "", &ng);
	}
	bool create = repl_kw_bool(L, kw, "create_graph", false, fname);
	bool retain = repl_kw_bool(L, kw, "retain_graph", create, fname);
	bool unused = repl_kw_bool(L, kw, "allow_unused", false, fname);
	warn_only_inputs(L, kw);
	if (repl_kw_bool(L, kw, "is_grads_batched", false, fname))
		return luaL_error(L, "%s: is_grads_batched=true needs vmap, which "
				  "agdb does not have; call grad once per row of "
				  "grad_outputs", fname);
	run_backward(L, outs, gouts, nout, retain, create, ins, nin, unused, false);
	return 1;
}

const luaL_Reg repl_backward_methods[] = {
	{"backward", t_backward}, {NULL, NULL}
};

const luaL_Reg repl_backward_funcs[] = {
	{"grad", l_autograd_grad}, {"backward", l_autograd_backward},
	{NULL, NULL}
};
