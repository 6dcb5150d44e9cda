/*
 * grad_products.c - backward formulas of beta * self + alpha * product
 * (addmm, addmv, addr, addbmm, baddbmm), of linalg.vector_norm and of
 * trace, written with core's own ops so that double backward works.
 * Names, what is saved and the scaling follow PyTorch 1.13's
 * derivatives.yaml (maybe_multiply: no mul node when the factor is 1).
 */
#include "grad.h"
#include "shapeint.h"

#include <math.h>

/* t * s, or t itself (a new reference) when s is 1. */
static ag_tensor *scaled(ag_tensor *t, double s)
{
	if (!t)
		return NULL;
	if (s == 1) {
		ag_tensor_retain(t);
		return t;
	}
	return ag_grad_mul_scalar(t, s);
}

/* Takes over r: r * s, r released. */
static ag_tensor *scale_owned(ag_tensor *r, double s)
{
	ag_tensor *m = scaled(r, s);
	rel(r);
	return m;
}

/* self's gradient: beta * g summed to self's shape. */
static int self_grad(ag_node *self, ag_tensor *g, ag_tensor **out)
{
	const ag_addmm_args *a = AG_ARGS(self, ag_addmm_args);
	ag_tensor *s = scaled(g, a->beta);
	out[0] = s ? ag_sum_to_size(s, a->self.size, a->self.ndim) : NULL;
	rel(s);
	return out[0] ? 0 : -1;
}

int ag_addmm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	double alpha = AG_ARGS(self, ag_addmm_args)->alpha;

	if (NEED(0) && self_grad(self, G(0), out) < 0)
		return -1;
	if (NEED(1)) {
		ag_tensor *b = ag_node_saved(self, 1), *bt = b ? ag_t(b) : NULL;
		out[1] = bt ? scale_owned(ag_mm(G(0), bt), alpha) : NULL;
		rel(b); rel(bt);
		if (!out[1])
			return -1;
	}
	if (NEED(2)) {
		ag_tensor *m = ag_node_saved(self, 0), *mt = m ? ag_t(m) : NULL;
		out[2] = mt ? scale_owned(ag_mm(mt, G(0)), alpha) : NULL;
		rel(m); rel(mt);
		if (!out[2])
			return -1;
	}
	return 0;
}

int ag_addmv_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	double alpha = AG_ARGS(self, ag_addmm_args)->alpha;

	if (NEED(0) && self_grad(self, G(0), out) < 0)
		return -1;
	if (NEED(1)) {
		ag_tensor *v = ag_node_saved(self, 1);
		out[1] = v ? scale_owned(ag_outer(G(0), v), alpha) : NULL;
		rel(v);
		if (!out[1])
			return -1;
	}
	if (NEED(2)) {
		ag_tensor *m = ag_node_saved(self, 0), *mt = m ? ag_t(m) : NULL;
		out[2] = mt ? scale_owned(ag_mv(mt, G(0)), alpha) : NULL;
		rel(m); rel(mt);
		if (!out[2])
			return -1;
	}
	return 0;
}

int ag_addr_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	double alpha = AG_ARGS(self, ag_addmm_args)->alpha;

	if (NEED(0) && self_grad(self, G(0), out) < 0)
		return -1;
	if (NEED(1)) {
		ag_tensor *v2 = ag_node_saved(self, 1);
		out[1] = v2 ? scale_owned(ag_mv(G(0), v2), alpha) : NULL;
		rel(v2);
		if (!out[1])
			return -1;
	}
	if (NEED(2)) {
		ag_tensor *v1 = ag_node_saved(self, 0), *gt = v1 ? ag_t(G(0)) : NULL;
		out[2] = gt ? scale_owned(ag_mv(gt, v1), alpha) : NULL;
		rel(v1); rel(gt);
		if (!out[2])
			return -1;
	}
	return 0;
}

/* g for each batch: baddbmm's own, addbmm's the same g expanded. */
static ag_tensor *batched_grad(ag_node *self, ag_tensor *g, int64_t nb)
{
	if (self->op == AG_OP_BADDBMM) {
		ag_tensor_retain(g);
		return g;
	}
	ag_tensor *u = ag_unsqueeze(g, 0);
	int64_t shape[3] = { nb, g->shape[0], g->shape[1] };
	ag_tensor *e = u ? ag_expand(u, shape, 3) : NULL;
	rel(u);
	return e;
}

int ag_baddbmm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	double alpha = AG_ARGS(self, ag_addmm_args)->alpha;

	if (NEED(0) && self_grad(self, G(0), out) < 0)
		return -1;
	if (NEED(1)) {
		ag_tensor *b2 = ag_node_saved(self, 1);
		ag_tensor *bt = b2 ? ag_transpose(b2, 1, 2) : NULL;
		ag_tensor *g = bt ? batched_grad(self, G(0), b2->shape[0]) : NULL;
		out[1] = g ? scale_owned(ag_bmm(g, bt), alpha) : NULL;
		rel(b2); rel(bt); rel(g);
		if (!out[1])
			return -1;
	}
	if (NEED(2)) {
		ag_tensor *b1 = ag_node_saved(self, 0);
		ag_tensor *bt = b1 ? ag_transpose(b1, 1, 2) : NULL;
		ag_tensor *g = bt ? batched_grad(self, G(0), b1->shape[0]) : NULL;
		out[2] = g ? scale_owned(ag_bmm(bt, g), alpha) : NULL;
		rel(b1); rel(bt); rel(g);
		if (!out[2])
			return -1;
	}
	return 0;
}

int ag_addbmm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return ag_baddbmm_bw(self, grads_in, out);
}

/* ------------------------------------------------------------ norms */

/* t with the reduced dims back as size 1 (when keepdim dropped them). */
static ag_tensor *unreduce(ag_tensor *t, const ag_reduce_args *r)
{
	ag_tensor *cur = t, *next;

	ag_tensor_retain(cur);
	if (r->keepdim)
		return cur;
	for (int i = 0; i < r->ndims && cur; i++) {
		next = ag_unsqueeze(cur, r->dims[i]);
		rel(cur);
		cur = next;
	}
	return cur;
}

/* sgn(x) as a constant (its derivative is zero): 1, -1 or 0. */
static ag_tensor *sign_of(ag_tensor *x)
{
	ag_tensor *z = ag_scalar(0, x->dtype);
	ag_tensor *pos = z ? ag_binary(AG_OP_GT, x, z) : NULL;
	ag_tensor *neg = pos ? ag_binary(AG_OP_LT, x, z) : NULL;
	ag_tensor *mp = neg ? ag_grad_mask(pos, x) : NULL;
	ag_tensor *mn = mp ? ag_grad_mask(neg, x) : NULL;
	ag_tensor *s = mn ? ag_sub(mp, mn) : NULL;
	rel(z); rel(pos); rel(neg); rel(mp); rel(mn);
	return s;
}

/* a / b, 0 where b is 0. */
static ag_tensor *safe_div(ag_tensor *a, ag_tensor *b)
{
	ag_tensor *z = ag_scalar(0, b->dtype);
	ag_tensor *zero = z ? ag_binary(AG_OP_EQ, b, z) : NULL;
	ag_tensor *q = zero ? ag_div(a, b) : NULL;
	ag_tensor *r = q ? ag_where(zero, z, q) : NULL;
	rel(z); rel(zero); rel(q);
	return r;
}

/*
 * d||x||_p / dx, times g: p = 2: x g / n; p = 1: sgn(x) g; p = inf:
 * sgn(x) g / (count of |x| == n) where |x| == n; p = 0: nothing; other p:
 * sgn(x) |x|^(p-1) g / n^(p-1).  Where n is 0 the gradient is 0.
 */
int ag_vector_norm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_vnorm_args *a = AG_ARGS(self, ag_vnorm_args);
	double p = a->ord;
	ag_tensor *x = ag_node_saved(self, 0), *n0 = x ? ag_node_saved(self, 1)
						       : NULL;
	ag_tensor *g = n0 ? unreduce(G(0), &a->r) : NULL;
	ag_tensor *n = g ? unreduce(n0, &a->r) : NULL;
	ag_tensor *r = NULL;

	if (!n)
		goto out;
	if (p == 0) {
		r = ag_zeros(x->shape, x->ndim, x->dtype);
	} else if (p == 2) {
		ag_tensor *s = safe_div(g, n);
		r = s ? ag_mul(x, s) : NULL;
		rel(s);
	} else if (p == 1) {
		ag_tensor *s = sign_of(x);
		r = s ? ag_mul(s, g) : NULL;
		rel(s);
	} else if (isinf(p)) {
		ag_tensor *ax = ag_unary(AG_OP_ABS, x);
		ag_tensor *hit = ax ? ag_binary(AG_OP_EQ, ax, n) : NULL;
		ag_tensor *m = hit ? ag_grad_mask(hit, x) : NULL;
		ag_tensor *cnt = m ? ag_reduce_dims(AG_OP_SUM, m, a->r.dims,
						    a->r.ndims, true) : NULL;
		ag_tensor *s = cnt ? sign_of(x) : NULL;
		ag_tensor *q = s ? ag_div(g, cnt) : NULL;
		ag_tensor *qm = q ? ag_mul(q, m) : NULL;
		r = qm ? ag_mul(s, qm) : NULL;
		rel(ax); rel(hit); rel(m); rel(cnt); rel(s); rel(q); rel(qm);
	} else {
		ag_tensor *s = sign_of(x);
		ag_tensor *ax = s ? ag_unary(AG_OP_ABS, x) : NULL;
		ag_tensor *pw = ax ? ag_pow_scalar(ax, p - 1) : NULL;
		ag_tensor *np = pw ? ag_pow_scalar(n, p - 1) : NULL;
		ag_tensor *q = np ? safe_div(g, np) : NULL;
		ag_tensor *sp = q ? ag_mul(s, pw) : NULL;
		r = sp ? ag_mul(sp, q) : NULL;
		rel(s); rel(ax); rel(pw); rel(np); rel(q); rel(sp);
	}
out:
	rel(x); rel(n0); rel(g); rel(n);
	out[0] = r;
	return r ? 0 : -1;
}

/* trace: the gradient on the diagonal, zeros elsewhere (an identity of the
 * input's shape times the gradient, so that its own gradient is traced) */
int ag_trace_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_shape *in = AG_ARGS(self, ag_shape);
	ag_tensor *eye = ag_eye(in->size[0], in->size[1], G(0)->dtype);

	out[0] = eye ? ag_mul(eye, G(0)) : NULL;
	rel(eye);
	return out[0] ? 0 : -1;
}
