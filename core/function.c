/*
 * function.c - custom autograd Functions (torch.autograd.Function): the
 * embedder runs forward without recording, then records the call here as
 * one node whose backward the embedder supplies.
 */
#include "node.h"

#include <stdio.h>

static bool is_input(const ag_tensor *t, ag_tensor *const *in, int nin)
{
	for (int i = 0; i < nin; i++)
		if (in[i] == t)
			return true;
	return false;
}

static bool is_own_output(const ag_tensor *t, const ag_node *n)
{
	return t && t->grad_fn == n;
}

/* An output that is an input comes back as a view of it (PyTorch's
 * view_as), one with a history of its own as a detached alias, so the
 * original keeps its history.  Views among the outputs may not be
 * written in place later (CreationMeta IN_CUSTOM_FUNCTION). */
static ag_tensor *own_output(ag_tensor *t, ag_tensor *const *in, int nin)
{
	ag_tensor *r;
	if (is_input(t, in, nin))
		r = ag_tensor_make_view(t, t->shape, t->stride, t->ndim, t->offset);
	else if (t->grad_fn || t->requires_grad)
		r = ag_detach(t);
	else
		return t;
	return r;
}

/* A Function with more than one differentiable output marks its views as
 * a multi-output node's, as PyTorch's _process_backward_mode_ad does. */
static int mark_custom_view(ag_tensor *t, bool multi)
{
	if (!t->base)
		return 0;
	ag_autograd_meta *m = ag_autograd_meta_of(t, true);
	if (!m)
		return -1;
	m->diff_view = true;
	m->creation = multi ? AG_CREATED_MULTI_OUTPUT
			    : AG_CREATED_IN_CUSTOM_FUNCTION;
	return 0;
}

int ag_function_record(const ag_function *fn, ag_tensor *const *in, int nin,
		       ag_tensor **outs, int nout, ag_tensor *const *saved,
		       int nsaved, ag_node **node)
{
	*node = NULL;
	if (!ag_is_grad_enabled() || !ag_any_requires_grad(in, nin) ||
	    nout == 0) {
		if (fn->free_ud)
			fn->free_ud(fn->ud);
		return 0;
	}
	ag_node *n = ag_node_new(AG_OP_FUNCTION, 0, nout, nsaved, 0);
	if (!n) {
		if (fn->free_ud)
			fn->free_ud(fn->ud);
		return -1;
	}
	n->function = malloc(sizeof *n->function);
	if (n->function)
		*n->function = (ag_function_impl){ fn->backward, fn->ud, fn->free_ud };
	else if (fn->free_ud)
		fn->free_ud(fn->ud);
	n->owned_name = strdup(fn->name);
	if (n->owned_name)
		n->name = n->owned_name;
	/* one edge per argument; those that are not tensors get none */
	if (!n->function || !n->owned_name || ag_node_set_next(n, in, nin) < 0) {
		ag_node_release(n);
		return ag_error(AG_ERR_NOMEM, "out of memory");
	}
	int *first = malloc((size_t)nout * sizeof *first);
	if (!first) {
		ag_node_release(n);
		return ag_error(AG_ERR_NOMEM, "out of memory");
	}
	/* the same tensor twice is the same output twice, as in PyTorch
	 * (its history is the last position's) */
	for (int i = 0; i < nout; i++) {
		first[i] = i;
		for (int j = 0; j < i && first[i] == i; j++)
			if (outs[j] == outs[i])
				first[i] = j;
	}
	int ndiff = 0;
	for (int i = 0; i < nout; i++)
		if (first[i] == i && outs[i] && ag_dtype_is_floating(outs[i]->dtype))
			ndiff++;
	for (int i = 0; i < nout; i++) {
		ag_tensor *t;
		if (first[i] != i) {
			t = outs[first[i]];
			if (t != outs[i])
				ag_tensor_retain(t);	/* the binding takes it */
		} else if (!(t = own_output(outs[i], in, nin)) ||
			   mark_custom_view(t, ndiff > 1) < 0) {
			free(first);
			ag_node_release(n);
			return -1;
		}
		outs[i] = t;
		ag_set_history(t, n, i);
	}
	free(first);
	for (int k = 0; k < nsaved; k++)
		if (ag_node_save(n, k, saved[k], is_own_output(saved[k], n),
				 false) < 0) {
			ag_node_release(n);
			return -1;
		}
	n->trace_event = ag_trace_op(AG_OP_FUNCTION, in,
				     nin < AG_TRACE_MAX_IO ? nin : AG_TRACE_MAX_IO,
				     NULL, 0, n, false);
	*node = n;
	ag_node_release(n);	/* the outputs hold it */
	return 0;
}

void *ag_function_ud(const ag_node *n)
{
	return n->function ? n->function->ud : NULL;
}
