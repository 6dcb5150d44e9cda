/*
 * grad_reduce.c - backward formulas of the reductions: sum, mean, max/min
 * over everything or over dims, max/min along one dim.
 */
#include "grad.h"

#include <math.h>

/* g reduced over r's dims (keepdim or not) -> g broadcast back to the
 * reduction's input. */
static ag_tensor *expand_back(const ag_reduce_args *r, ag_tensor *g)
{
	ag_tensor *cur = g;
	ag_tensor_retain(cur);
	if (!r->all && !r->keepdim) {
		/* unsqueeze the reduced dims, lowest first */
		for (int i = 0; i < r->ndims; i++) {
			ag_tensor *u = ag_unsqueeze(cur, r->dims[i]);
			rel(cur);
			if (!u)
				return NULL;
			cur = u;
		}
	}
	/* a full reduction's 0-d gradient expands as it is (PyTorch's
	 * grad.expand(sizes): no reshape node under create_graph) */
	ag_tensor *e = ag_expand(cur, r->in.size, r->in.ndim);
	rel(cur);
	return e;
}

int ag_sum_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = expand_back(AG_ARGS(self, ag_reduce_args), G(0));
	return out[0] ? 0 : -1;
}

int ag_mean_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_reduce_args *r = AG_ARGS(self, ag_reduce_args);
	ag_tensor *e = expand_back(r, G(0));
	if (!e)
		return -1;
	out[0] = ag_grad_mul_scalar(e, r->count > 0 ? 1.0 / (double)r->count : NAN);
	rel(e);
	return out[0] ? 0 : -1;
}

/* max()/min() over everything (or amax/amin over dims): the gradient is
 * shared evenly by ties (within each reduced slice). */
int ag_extreme_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_reduce_args *ra = AG_ARGS(self, ag_reduce_args);
	ag_tensor *a = ag_node_saved(self, 0), *r = ag_node_saved(self, 1);
	int rc = -1;
	ag_tensor *eq = NULL, *m = NULL, *cnt = NULL, *gd = NULL, *e = NULL;
	if (!a || !r)
		goto done;
	if (!ra->all) {
		ag_tensor *re = expand_back(ra, r);
		eq = re ? ag_binary(AG_OP_EQ, a, re) : NULL;
		m = eq ? ag_grad_mask(eq, a) : NULL;
		ag_tensor *c = m ? ag_reduce_dims(AG_OP_SUM, m, ra->dims, ra->ndims,
						 true) : NULL;
		cnt = c ? ag_expand(c, a->shape, a->ndim) : NULL;
		ag_tensor *ge = cnt ? expand_back(ra, G(0)) : NULL;
		gd = ge ? ag_div(ge, cnt) : NULL;
		out[0] = gd ? ag_mul(gd, m) : NULL;
		rel(re); rel(c); rel(ge);
		rc = out[0] ? 0 : -1;
		goto done;
	}
	if (isnan(ag_load(ag_data_ptr(r), r->dtype)))
		eq = ag_binary(AG_OP_NE, a, a);	/* the nan positions */
	else
		eq = ag_binary(AG_OP_EQ, a, r);
	m = eq ? ag_grad_mask(eq, a) : NULL;
	cnt = m ? ag_reduce_all(AG_OP_SUM, m) : NULL;
	gd = cnt ? ag_div(G(0), cnt) : NULL;
	e = gd ? ag_expand(gd, a->shape, a->ndim) : NULL;
	out[0] = e ? ag_mul(e, m) : NULL;
	rc = out[0] ? 0 : -1;
done:
	rel(a); rel(r); rel(eq); rel(m); rel(cnt); rel(gd); rel(e);
	return rc;
}

/* max(dim)/min(dim): g scattered into zeros of the input's shape at the
 * saved indices along dim. */
int ag_extreme_dim_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
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
	ag_tensor *r = ag_scatter_along(gk, ik, da->dim, da->in.size, da->in.ndim);
	rel(gk); rel(ik);
	out[0] = r;
	return r ? 0 : -1;
}
