/*
 * grad_pointwise.c - backward formulas of the pointwise ops (neg ... relu,
 * add ... pow, clamp, where), and the small tools every formula file uses.
 */
#include "grad.h"

#include <math.h>

/* ------------------------------------------------------------ small tools */

ag_tensor *ag_grad_scalar(double v, const ag_tensor *like)
{
	return ag_scalar(v, like->dtype);
}

ag_tensor *ag_grad_mul_scalar(ag_tensor *a, double s)
{
	ag_tensor *k = ag_grad_scalar(s, a), *r;
	if (!k)
		return NULL;
	r = ag_mul(a, k);
	rel(k);
	return r;
}

ag_tensor *ag_grad_mask(ag_tensor *cond, const ag_tensor *like)
{
	return ag_to_dtype(cond, like->dtype);
}

ag_tensor *ag_grad_compare(ag_op op, ag_tensor *a, double s)
{
	/* a 16-bit float against s as float32 (s rounded to float16 could
	 * move a bound onto a value: logit's eps 0.2 to 0.19995) */
	bool half = ag_dtype_is_half(a->dtype);
	ag_tensor *w = half ? ag_to_dtype(a, AG_FLOAT32) : a;
	ag_tensor *k = w ? ag_grad_scalar(s, w) : NULL, *r = NULL;
	if (k)
		r = ag_binary(op, w, k);
	rel(k);
	if (half)
		rel(w);
	return r;
}

ag_tensor *ag_grad_masked(ag_tensor *a, ag_tensor *cond)
{
	ag_tensor *m = ag_grad_mask(cond, a), *r;
	if (!m)
		return NULL;
	r = ag_mul(a, m);
	rel(m);
	return r;
}

/* ---------------------------------------------------------------- formulas */

int ag_neg_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_neg(G(0));
	return out[0] ? 0 : -1;
}

int ag_abs_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	/* grad * a.sgn(), as PyTorch: sgn's own gradient is zero */
	ag_tensor *sgn = ag_unary(AG_OP_SGN, a);
	out[0] = sgn ? ag_mul(G(0), sgn) : NULL;
	rel(a); rel(sgn);
	return out[0] ? 0 : -1;
}

int ag_exp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	out[0] = ag_mul(G(0), r);
	rel(r);
	return out[0] ? 0 : -1;
}

int ag_log_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	out[0] = ag_div(G(0), a);
	rel(a);
	return out[0] ? 0 : -1;
}

int ag_sqrt_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	ag_tensor *r2 = ag_grad_mul_scalar(r, 2.0);
	out[0] = r2 ? ag_div(G(0), r2) : NULL;
	rel(r); rel(r2);
	return out[0] ? 0 : -1;
}

int ag_sin_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	ag_tensor *c = ag_unary(AG_OP_COS, a);
	out[0] = c ? ag_mul(G(0), c) : NULL;
	rel(a); rel(c);
	return out[0] ? 0 : -1;
}

int ag_cos_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	ag_tensor *s = ag_unary(AG_OP_SIN, a), *ns = s ? ag_neg(s) : NULL;
	out[0] = ns ? ag_mul(G(0), ns) : NULL;
	rel(a); rel(s); rel(ns);
	return out[0] ? 0 : -1;
}

int ag_tanh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	/* grad * (1 - y^2), fused: PyTorch's tanh_backward */
	out[0] = r ? ag_act_backward(AG_OP_TANH_BACKWARD, G(0), r, NULL) : NULL;
	rel(r);
	return out[0] ? 0 : -1;
}

int ag_sigmoid_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	/* grad * (1 - y) * y, fused: PyTorch's sigmoid_backward */
	out[0] = r ? ag_act_backward(AG_OP_SIGMOID_BACKWARD, G(0), r, NULL) : NULL;
	rel(r);
	return out[0] ? 0 : -1;
}

int ag_relu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	/* PyTorch's threshold_backward(grad, result, 0), differentiable */
	ag_piecewise_args pa = { 0, 0, false };
	out[0] = ag_piecewise_backward(AG_OP_THRESHOLD_BACKWARD, G(0), r, &pa);
	rel(r);
	return out[0] ? 0 : -1;
}

int ag_add_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) { ag_tensor_retain(G(0)); out[0] = G(0); }
	if (NEED(1)) { ag_tensor_retain(G(0)); out[1] = G(0); }
	return 0;
}

int ag_sub_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) { ag_tensor_retain(G(0)); out[0] = G(0); }
	if (NEED(1) && !(out[1] = ag_neg(G(0))))
		return -1;
	return 0;
}

int ag_mul_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1);
		if (!b)
			return -1;
		out[0] = ag_mul(G(0), b);
		rel(b);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0);
		if (!a)
			return -1;
		out[1] = ag_mul(G(0), a);
		rel(a);
		if (!out[1])
			return -1;
	}
	return 0;
}

int ag_div_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *b = ag_node_saved(self, 1);
	if (!b)
		return -1;
	if (NEED(0) && !(out[0] = ag_div(G(0), b))) {
		rel(b);
		return -1;
	}
	if (NEED(1)) {
		/* -grad * a / (b * b) */
		ag_tensor *a = ag_node_saved(self, 0);
		ag_tensor *ng = a ? ag_neg(G(0)) : NULL;
		ag_tensor *t = ng ? ag_mul(ng, a) : NULL;
		ag_tensor *bb = t ? ag_mul(b, b) : NULL;
		out[1] = bb ? ag_div(t, bb) : NULL;
		rel(a); rel(ng); rel(t); rel(bb);
		if (!out[1]) {
			rel(b);
			return -1;
		}
	}
	rel(b);
	return 0;
}

/* d/da a^b = b * a^(b-1), zero where b == 0 */
static ag_tensor *pow_grad_base(ag_tensor *g, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *one = ag_grad_scalar(1.0, b), *bm1 = one ? ag_sub(b, one) : NULL;
	ag_tensor *p = bm1 ? ag_pow(a, bm1) : NULL;
	ag_tensor *bp = p ? ag_mul(b, p) : NULL;
	ag_tensor *gb = bp ? ag_mul(g, bp) : NULL;
	ag_tensor *nz = gb ? ag_grad_compare(AG_OP_NE, b, 0) : NULL;
	ag_tensor *r = nz ? ag_grad_masked(gb, nz) : NULL;
	rel(one); rel(bm1); rel(p); rel(bp); rel(gb); rel(nz);
	return r;
}

/* d/db a^b = a^b * log(a), zero where a == 0 and b >= 0 */
static ag_tensor *pow_grad_exp(ag_tensor *g, ag_tensor *a, ag_tensor *b,
			       ag_tensor *result)
{
	ag_tensor *la = ag_log(a), *t = la ? ag_mul(result, la) : NULL;
	ag_tensor *gt = t ? ag_mul(g, t) : NULL;
	ag_tensor *az = gt ? ag_grad_compare(AG_OP_EQ, a, 0) : NULL;
	ag_tensor *bn = az ? ag_grad_compare(AG_OP_GE, b, 0) : NULL;
	ag_tensor *both = bn ? ag_mul(az, bn) : NULL;	/* bool and */
	ag_tensor *keep = NULL, *r = NULL;
	if (both) {
		ag_tensor *f = ag_grad_scalar(0, both);
		keep = f ? ag_binary(AG_OP_EQ, both, f) : NULL;
		rel(f);
	}
	/* where the mask is set the formula is nan (0 * -inf): use where */
	if (keep) {
		ag_tensor *zero = ag_zeros_like(gt);
		r = zero ? ag_where(keep, gt, zero) : NULL;
		rel(zero);
	}
	rel(la); rel(t); rel(gt); rel(az); rel(bn); rel(both); rel(keep);
	return r;
}

int ag_pow_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0), *b = ag_node_saved(self, 1);
	int rc = -1;
	if (!a || !b)
		goto done;
	if (NEED(0) && !(out[0] = pow_grad_base(G(0), a, b)))
		goto done;
	if (NEED(1)) {
		ag_tensor *r = ag_node_saved(self, 2);
		if (!r)
			goto done;
		out[1] = pow_grad_exp(G(0), a, b, r);
		rel(r);
		if (!out[1])
			goto done;
	}
	rc = 0;
done:
	rel(a); rel(b);
	return rc;
}

/* hypot: grad * a / result, grad * b / result */
int ag_hypot_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 2);
	int rc = -1;
	if (!r)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (!NEED(i))
			continue;
		ag_tensor *x = ag_node_saved(self, i);
		ag_tensor *gx = x ? ag_mul(G(0), x) : NULL;
		out[i] = gx ? ag_div(gx, r) : NULL;
		rel(x); rel(gx);
		if (!out[i])
			goto done;
	}
	rc = 0;
done:
	rel(r);
	return rc;
}

int ag_clamp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	double lo = AG_ARGS(self, ag_clamp_args)->min;
	double hi = AG_ARGS(self, ag_clamp_args)->max;
	ag_tensor *m = NULL, *ge = NULL, *le = NULL;
	if (!a)
		return -1;
	if (!isnan(lo))
		ge = ag_grad_compare(AG_OP_GE, a, lo);
	if (!isnan(hi))
		le = ag_grad_compare(AG_OP_LE, a, hi);
	if (ge && le)
		m = ag_mul(ge, le);
	else if (ge || le) {
		m = ge ? ge : le;
		ag_tensor_retain(m);
	}
	if (m)
		out[0] = ag_grad_masked(G(0), m);
	else {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	rel(a); rel(ge); rel(le); rel(m);
	return out[0] ? 0 : -1;
}

int ag_where_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *c = ag_node_saved(self, 0);
	ag_tensor *zero = c ? ag_zeros_like(G(0)) : NULL;
	int rc = -1;
	if (!zero)
		goto done;
	if (NEED(1) && !(out[1] = ag_where(c, G(0), zero)))
		goto done;
	if (NEED(2) && !(out[2] = ag_where(c, zero, G(0))))
		goto done;
	rc = 0;
done:
	rel(c); rel(zero);
	return rc;
}
