/*
 * grad_reduce.c - backward formulas of the reductions: sum, mean, max/min
 * over everything or over dims (amax, amin, median), prod, nansum.
 */
#include "grad.h"

#include <math.h>

ag_tensor *ag_grad_expand_back(const ag_reduce_args *r, ag_tensor *g)
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
	out[0] = ag_grad_expand_back(AG_ARGS(self, ag_reduce_args), G(0));
	return out[0] ? 0 : -1;
}

int ag_mean_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_reduce_args *r = AG_ARGS(self, ag_reduce_args);
	/* scaled before it is expanded: one product per output, and the
	 * input-sized gradient stays a view */
	ag_tensor *s = ag_grad_mul_scalar(G(0), r->count > 0 ?
					  1.0 / (double)r->count : NAN);
	if (!s)
		return -1;
	out[0] = ag_grad_expand_back(r, s);
	rel(s);
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
		ag_tensor *re = ag_grad_expand_back(ra, r);
		eq = re ? ag_binary(AG_OP_EQ, a, re) : NULL;
		m = eq ? ag_grad_mask(eq, a) : NULL;
		ag_tensor *c = m ? ag_reduce_dims(AG_OP_SUM, m, ra->dims, ra->ndims,
						 true) : NULL;
		cnt = c ? ag_expand(c, a->shape, a->ndim) : NULL;
		ag_tensor *ge = cnt ? ag_grad_expand_back(ra, G(0)) : NULL;
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
