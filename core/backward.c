/*
 * backward.c - how a node runs: its op's backward formula, looked up in the
 * table expanded from ops.def, and the backward of the nodes the graph
 * itself adds (AccumulateGrad, CopySlices, a custom Function's).
 *
 * Nodes name their op rather than hold a function pointer, so nothing
 * below the formulas depends on them: ops record through record.c, and
 * only the engine (and CopySlices, for its inner node) reaches this table.
 */
#include "grad.h"

static const ag_backward_fn backward_table[AG_OP_COUNT] = {
#define OP(id, name, backward, ...) [AG_OP_##id] = ag_##backward,
#include "ops.def"
#undef OP
};

int ag_node_apply(ag_node *n, ag_tensor **grads_in, ag_tensor **grads_out)
{
	return backward_table[n->op](n, grads_in, grads_out);
}

/* The ops without a gradient never make a node, so this never runs. */
int ag_no_backward(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	AG_UNUSED(grads_in); AG_UNUSED(out);
	return ag_error(AG_ERR_RUNTIME, "%s has no backward", self->name);
}

int ag_function_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return self->function->apply(self, grads_in, out);
}

/* Can the leaf's first .grad be the engine's buffer g itself? As
 * PyTorch's AccumulateGrad steals new_grad: without a graph being
 * recorded, when nothing but the engine holds g (no other reference, not
 * a view, its storage and version counter its own, no autograd data) and
 * g is laid out like the leaf. */
static bool can_steal(const ag_tensor *var, const ag_tensor *g)
{
	if (ag_is_grad_enabled() || g->refcount != 1 || g->base ||
	    g->autograd_extra || g->grad_fn || g->requires_grad || g->user ||
	    g->storage->refcount != 1 || g->version->refcount != 1 ||
	    g->offset != 0 || g->ndim != var->ndim ||
	    !ag_is_non_overlapping_and_dense(var))
		return false;
	for (int d = 0; d < g->ndim; d++)
		if (g->shape[d] != var->shape[d] ||
		    (g->shape[d] > 1 && g->stride[d] != var->stride[d]))
			return false;
	return true;
}

/* PyTorch's clone_obey_contract: a leaf's first .grad is a fresh tensor
 * laid out like the leaf when the leaf is dense (new_empty_strided, then
 * copy_: under create_graph its node is CopyBackwards), else contiguous;
 * the engine's buffer only when can_steal says no one else sees it. */
static ag_tensor *grad_for_leaf(ag_tensor *var, ag_tensor *g)
{
	if (can_steal(var, g)) {
		ag_tensor_retain(g);
		return g;
	}
	if (!ag_is_non_overlapping_and_dense(var))
		return ag_clone_contiguous(g);
	ag_tensor *r = ag_tensor_alloc_strided(var->shape, var->stride, var->ndim,
					       g->dtype);
	if (r && ag_copy_(r, g) < 0) {
		ag_tensor_release(r);
		return NULL;
	}
	return r;
}

/* .grad = g for a leaf without one; else .grad += g (in place, as PyTorch
 * does without create_graph; out of place under it). */
int ag_accumulate_grad_bw(ag_node *self, ag_tensor **grads_in,
			  ag_tensor **out)
{
	ag_tensor *var = self->variable, *g = grads_in[0];
	AG_UNUSED(out);
	if (!var || !g)
		return 0;
	if (!var->grad) {
		ag_tensor *ng = grad_for_leaf(var, g);
		if (!ng)
			return -1;
		/* without create_graph PyTorch stores new_grad.detach(): no
		 * forward-AD tangent either (a later in-place += gives it
		 * the added gradient's, as PyTorch's does); tangents exist
		 * only while forward AD's hooks are on */
		if (!ag_is_grad_enabled() && ag_fw_hooks_active)
			ag_fw_hooks_active->drop_tangent(ng);
		var->grad = ng;
		return 0;
	}
	if (!ag_is_grad_enabled())
		return ag_binary_(AG_OP_ADD, var->grad, g);
	ag_tensor *sum = ag_add(var->grad, g);
	if (!sum)
		return -1;
	ag_tensor_release(var->grad);
	var->grad = sum;
	return 0;
}

/* CopySlices: the base's gradient, with the in-place op's backward applied
 * to the region the view covers. */
int ag_copy_slices_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_strided_args *geo = AG_ARGS(self, ag_strided_args);
	ag_node *fn = self->inner;
	ag_tensor *g = grads_in[0];
	ag_tensor *slice = NULL, *res_in[1] = { NULL };
	ag_tensor **res = calloc((size_t)(fn->n_next ? fn->n_next : 1), sizeof *res);
	ag_tensor *result = NULL, *zero = NULL;
	int rc = -1;

	if (!res)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	/* the gradient arriving for the view's region, recorded so that
	 * double backward reaches g through the inner node */
	slice = ag_grad_move_recorded(g, geo, true, AG_OP_AS_STRIDED);
	if (!slice)
		goto done;
	res_in[0] = slice;
	if (ag_node_apply(fn, res_in, res) < 0)
		goto done;
	/* base gradient: g outside the view, fn's input-0 gradient inside */
	if (res[0]) {
		ag_tensor *r0 = ag_sum_to_size(res[0], geo->view.shape,
					       geo->view.ndim);
		if (!r0)
			goto done;
		ag_tensor_release(res[0]);
		res[0] = r0;
	} else {
		zero = ag_zeros(geo->view.shape, geo->view.ndim, g->dtype);
		if (!zero)
			goto done;
	}
	result = ag_grad_overwrite_region(g, res[0] ? res[0] : zero, geo);
	if (!result)
		goto done;
	out[0] = result;
	for (int i = 1; i < fn->n_next && i < self->n_next; i++) {
		out[i] = res[i];
		res[i] = NULL;
	}
	rc = 0;
done:
	for (int i = 0; i < fn->n_next; i++)
		ag_tensor_release(res[i]);
	free(res);
	ag_tensor_release(slice);
	ag_tensor_release(zero);
	return rc;
}
