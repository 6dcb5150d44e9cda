/*
 * grad_select.c - backward formulas of the ops that pick values along a
 * dim (max/min(dim), sort, topk, kthvalue, median(dim), mode): the
 * gradient goes back to the picked places, and of the internal gather and
 * scatter that do it (each the other's backward).
 */
#include "grad.h"
#include "along.h"

int ag_value_select_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_dim_args *da = AG_ARGS(self, ag_dim_args);
	ag_tensor *idx = ag_node_saved(self, 0), *g = G(0);
	ag_tensor *gk = g, *ik = idx;

	if (!idx)
		return -1;
	ag_tensor_retain(gk);
	if (!da->keepdim && da->in.ndim > 0) {
		ag_tensor *u = ag_unsqueeze(gk, da->dim), *v = ag_unsqueeze(ik, da->dim);
		rel(gk); rel(ik);
		gk = u; ik = v;
		if (!gk || !ik) {
			rel(gk); rel(ik);
			return -1;
		}
	}
	out[0] = ag_internal_scatter_add(gk, da->dim, ik, da->in.size, da->in.ndim);
	rel(gk); rel(ik);
	return out[0] ? 0 : -1;
}

int ag_gather_along_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_dim_args *da = AG_ARGS(self, ag_dim_args);
	ag_tensor *idx = ag_node_saved(self, 0);

	if (!idx)
		return -1;
	out[0] = ag_internal_scatter_add(G(0), da->dim, idx, da->in.size,
					 da->in.ndim);
	rel(idx);
	return out[0] ? 0 : -1;
}

int ag_scatter_along_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_dim_args *da = AG_ARGS(self, ag_dim_args);
	ag_tensor *idx = ag_node_saved(self, 0);

	if (!idx)
		return -1;
	out[0] = ag_internal_gather(G(0), da->dim, idx);
	rel(idx);
	return out[0] ? 0 : -1;
}
