/*
 * grad_linalg.c - backward formulas of the matrix products: mm, bmm, dot,
 * mv (matmul is built from these and views, so it needs none).
 */
#include "grad.h"

int ag_mm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int rc = -1;
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1), *bt = b ? ag_t(b) : NULL;
		out[0] = bt ? ag_mm(G(0), bt) : NULL;
		rel(b); rel(bt);
		if (!out[0])
			return rc;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0), *at = a ? ag_t(a) : NULL;
		out[1] = at ? ag_mm(at, G(0)) : NULL;
		rel(a); rel(at);
		if (!out[1])
			return rc;
	}
	return 0;
}

int ag_bmm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1);
		ag_tensor *bt = b ? ag_transpose(b, 1, 2) : NULL;
		out[0] = bt ? ag_bmm(G(0), bt) : NULL;
		rel(b); rel(bt);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0);
		ag_tensor *at = a ? ag_transpose(a, 1, 2) : NULL;
		out[1] = at ? ag_bmm(at, G(0)) : NULL;
		rel(a); rel(at);
		if (!out[1])
			return -1;
	}
	return 0;
}

/* dot: grad * other / grad * self (grad is 0-d) */
int ag_dot_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1);
		out[0] = b ? ag_mul(G(0), b) : NULL;
		rel(b);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0);
		out[1] = a ? ag_mul(G(0), a) : NULL;
		rel(a);
		if (!out[1])
			return -1;
	}
	return 0;
}

/* mv: d/dA = g outer v; d/dv = A^T g */
int ag_mv_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *v = ag_node_saved(self, 1);
		ag_tensor *gc = v ? ag_unsqueeze(G(0), 1) : NULL;
		ag_tensor *vr = gc ? ag_unsqueeze(v, 0) : NULL;
		out[0] = vr ? ag_mm(gc, vr) : NULL;
		rel(v); rel(gc); rel(vr);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		/* an mv, as PyTorch's (bfloat16 rounds as its gemv does) */
		ag_tensor *A = ag_node_saved(self, 0), *At = A ? ag_t(A) : NULL;
		out[1] = At ? ag_mv(At, G(0)) : NULL;
		rel(A); rel(At);
		if (!out[1])
			return -1;
	}
	return 0;
}

/* linalg.cross: d/da = b x g, d/db = g x a (summed back over broadcast
 * batch dims) */
int ag_cross_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_cross_args *c = AG_ARGS(self, ag_cross_args);

	for (int i = 0; i < 2; i++) {
		if (!NEED(i))
			continue;
		ag_tensor *o = ag_node_saved(self, 1 - i);
		ag_tensor *x = o ? (i == 0 ? ag_linalg_cross(o, G(0), c->dim)
				       : ag_linalg_cross(G(0), o, c->dim)) : NULL;
		const ag_shape *s = i == 0 ? &c->a : &c->b;
		out[i] = x ? ag_sum_to_size(x, s->size, s->ndim) : NULL;
		rel(o);
		rel(x);
		if (!out[i])
			return -1;
	}
	return 0;
}
