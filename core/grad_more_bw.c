/*
 * grad_more_bw.c - the derivatives of rrelu's, glu's and prelu's backward
 * ops (more_bw.c), PyTorch 1.13's RreluWithNoiseBackwardBackward0,
 * GluBackwardBackward0 and PreluBackwardBackward0; written with core's
 * own ops, so a third derivative runs through them too.
 */
#include "grad.h"

/* rrelu_with_noise_backward(grad, self, noise) is linear in grad: the same
 * op in grad; zeros in self; noise is never differentiated. */
int ag_rrelu_backward_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0), *noise = ag_node_saved(self, 1);
	int rc = x && noise ? 0 : -1;

	if (rc == 0 && NEED(0) &&
	    !(out[0] = ag_rrelu_backward(G(0), x, noise,
					  AG_ARGS(self, ag_rrelu_args))))
		rc = -1;
	if (rc == 0 && NEED(1) && !(out[1] = ag_zeros_like(x)))
		rc = -1;
	rel(x);
	rel(noise);
	return rc;
}

/* glu_backward(g, x) = cat(g * s, g * a * s * (1 - s)) for the halves a,
 * b of x and s = sigmoid(b).  With gg = cat(gga, ggb) coming in and
 * ds = s * (1 - s):
 *   d/dg = gga * s + ggb * a * ds
 *   d/da = ggb * g * ds
 *   d/db = (gga + ggb * a * (1 - 2 s)) * g * ds */
int ag_glu_backward_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int d = AG_ARGS(self, ag_glu_args)->dim;
	ag_tensor *g = ag_node_saved(self, 0), *x = ag_node_saved(self, 1);
	int64_t h = x ? x->shape[d] / 2 : 0;
	ag_tensor *a = g && x ? ag_narrow(x, d, 0, h) : NULL;
	ag_tensor *b = a ? ag_narrow(x, d, h, h) : NULL;
	ag_tensor *gga = b ? ag_narrow(G(0), d, 0, h) : NULL;
	ag_tensor *ggb = gga ? ag_narrow(G(0), d, h, h) : NULL;
	ag_tensor *s = ggb ? ag_unary(AG_OP_SIGMOID, b) : NULL;
	ag_tensor *ns = s ? ag_grad_mul_scalar(s, -1) : NULL;
	ag_tensor *one = ns ? ag_grad_scalar(1, s) : NULL;
	ag_tensor *oms = one ? ag_add(one, ns) : NULL;
	ag_tensor *ds = oms ? ag_mul(s, oms) : NULL;
	ag_tensor *ggba = ds ? ag_mul(ggb, a) : NULL;
	int rc = ggba ? 0 : -1;

	if (rc == 0 && NEED(0)) {
		ag_tensor *t1 = ag_mul(gga, s);
		ag_tensor *t2 = t1 ? ag_mul(ggba, ds) : NULL;
		if (!t2 || !(out[0] = ag_add(t1, t2)))
			rc = -1;
		rel(t1); rel(t2);
	}
	if (rc == 0 && NEED(1)) {
		ag_tensor *gds = ag_mul(g, ds);
		ag_tensor *da = gds ? ag_mul(ggb, gds) : NULL;
		ag_tensor *oms2 = da ? ag_add(oms, ns) : NULL;	/* 1 - 2 s */
		ag_tensor *k = oms2 ? ag_mul(ggba, oms2) : NULL;
		ag_tensor *kk = k ? ag_add(gga, k) : NULL;
		ag_tensor *db = kk ? ag_mul(kk, gds) : NULL;
		if (!db || !(out[1] = ag_cat((ag_tensor *[]){ da, db }, 2, d)))
			rc = -1;
		rel(gds); rel(da); rel(oms2); rel(k); rel(kk); rel(db);
	}
	rel(g); rel(x); rel(a); rel(b); rel(gga); rel(ggb); rel(s); rel(ns);
	rel(one); rel(oms); rel(ds); rel(ggba);
	return rc;
}

/* prelu_backward(g, x, w) = (where(x > 0, g, w * g),
 * sum over all but the channels of where(x > 0, 0, g * x)).  With ggx and
 * ggw coming in (either may be undefined):
 *   d/dg = where(x > 0, ggx, w * ggx) + where(x > 0, 0, x * ggw)
 *   d/dx = where(x > 0, 0, g * ggw)
 *   d/dw = sum over all but the channels of where(x > 0, 0, g * ggx) */
int ag_prelu_backward_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *g = ag_node_saved(self, 0), *x = ag_node_saved(self, 1);
	ag_tensor *w = ag_node_saved(self, 2);
	ag_tensor *pos = g && x && w ? ag_grad_compare(AG_OP_GT, x, 0) : NULL;
	ag_tensor *zero = pos ? ag_grad_scalar(0, x) : NULL;
	ag_tensor *wv = zero ? ag_prelu_weight_view(w, x) : NULL;
	ag_tensor *ggw = wv && G(1) ? ag_prelu_weight_view(G(1), x) : NULL;
	int rc = wv && (!G(1) || ggw) ? 0 : -1;

	if (rc == 0 && NEED(0)) {
		ag_tensor *r1 = NULL, *r2 = NULL;
		if (G(0)) {
			ag_tensor *wg = ag_mul(wv, G(0));
			r1 = wg ? ag_where(pos, G(0), wg) : NULL;
			rel(wg);
			if (!r1)
				rc = -1;
		}
		if (rc == 0 && ggw) {
			ag_tensor *xg = ag_mul(x, ggw);
			r2 = xg ? ag_where(pos, zero, xg) : NULL;
			rel(xg);
			if (!r2)
				rc = -1;
		}
		if (rc == 0) {
			if (r1 && r2)
				out[0] = ag_add(r1, r2);
			else if (r1 || r2)
				out[0] = r1 ? r1 : r2, r1 = r2 = NULL;
			else
				out[0] = ag_zeros_like(g);
			if (!out[0])
				rc = -1;
		}
		rel(r1);
		rel(r2);
	}
	if (rc == 0 && NEED(1)) {
		if (ggw) {
			ag_tensor *gg = ag_mul(g, ggw);
			out[1] = gg ? ag_where(pos, zero, gg) : NULL;
			rel(gg);
		} else {
			out[1] = ag_zeros_like(x);
		}
		if (!out[1])
			rc = -1;
	}
	if (rc == 0 && NEED(2)) {
		out[2] = G(0) ? ag_prelu_weight_sum(G(0), g, pos, w) :
			ag_zeros_like(w);
		if (!out[2])
			rc = -1;
	}
	rel(g); rel(x); rel(w); rel(pos); rel(zero); rel(wv); rel(ggw);
	return rc;
}
