/*
 * grad_math.c - backward formulas of the pointwise ops of issue 11: the
 * math functions (log1p ... erfinv), rounding, logit, nan_to_num, the
 * activations and their fused backward ops, the two-input ops (atan2 ...
 * xlogy) and the three-input ones (lerp, addcmul, addcdiv, clamp with
 * tensor bounds).
 *
 * Each follows PyTorch 1.13's derivatives.yaml, written with core's ops so
 * that create_graph differentiates through it.  A formula keeps its
 * temporaries in a small pool (tmp) that is released on every exit, and
 * stops at the first op that fails, keeping that op's message.
 */
#include "grad.h"

#include <math.h>

/* -------------------------------------------------------------- the pool */

typedef struct tmp {
	ag_tensor *t[24];
	int n;
	bool failed;
} tmp;

static ag_tensor *keep(tmp *k, ag_tensor *t)
{
	if (!t || k->n == (int)(sizeof k->t / sizeof k->t[0])) {
		if (t && !k->failed)
			ag_error(AG_ERR_RUNTIME, "backward formula: too many "
				 "temporaries");
		rel(t);
		k->failed = true;
		return NULL;
	}
	k->t[k->n++] = t;
	return t;
}

/* Evaluates expr unless an earlier step failed; keeps its result in the
 * pool k (a tmp * in scope). */
#define K(expr) keep(k, k->failed ? NULL : (expr))
#define POOL tmp pool_ = {0}, *k = &pool_

/* A gradient from the pool handed out (a new reference). */
static void set_out(ag_tensor **slot, ag_tensor *r)
{
	if (r) {
		ag_tensor_retain(r);
		*slot = r;
	}
}

/* Sets *slot to r (unless NULL), releases the pool: 0 or -1. */
static int done(tmp *k, ag_tensor **slot, ag_tensor *r)
{
	if (slot)
		set_out(slot, r);
	for (int i = 0; i < k->n; i++)
		rel(k->t[i]);
	return k->failed ? -1 : 0;
}

/* ------------------------------------------------------------- helpers */

static ag_tensor *add_s(ag_tensor *a, double s)
{
	ag_tensor *c = ag_grad_scalar(s, a), *r = c ? ag_add(a, c) : NULL;
	rel(c);
	return r;
}

/* s - a */
static ag_tensor *rsub_s(double s, ag_tensor *a)
{
	ag_tensor *c = ag_grad_scalar(s, a), *r = c ? ag_sub(c, a) : NULL;
	rel(c);
	return r;
}

/* where(cond, a, v) with v a number of a's dtype */
static ag_tensor *where_s(ag_tensor *cond, ag_tensor *a, double v)
{
	ag_tensor *c = ag_grad_scalar(v, a), *r = c ? ag_where(cond, a, c) : NULL;
	rel(c);
	return r;
}

/* where(cond, v, a) */
static ag_tensor *where_s2(ag_tensor *cond, double v, ag_tensor *a)
{
	ag_tensor *c = ag_grad_scalar(v, a), *r = c ? ag_where(cond, c, a) : NULL;
	rel(c);
	return r;
}

/* g * d for a formula d of the saved input x (the common shape). */
typedef ag_tensor *(*derivative_fn)(tmp *k, ag_node *self, ag_tensor *x);

static int chain(ag_node *self, ag_tensor **grads_in, ag_tensor **out,
		 derivative_fn f)
{
	POOL;
	ag_tensor *x = K(ag_node_saved(self, 0));
	ag_tensor *d = k->failed ? NULL : f(k, self, x);
	ag_tensor *r = d ? K(ag_mul(G(0), d)) : NULL;
	if (!d)
		k->failed = true;
	return done(k, &out[0], r);
}

/* ---------------------------------------------------------- math, one input */

static ag_tensor *d_log1p(tmp *k, ag_node *self, ag_tensor *x)
{
	/* 1 / (x + 1) */
	ag_tensor *r = K(ag_unary(AG_OP_RECIPROCAL, K(add_s(x, 1))));
	AG_UNUSED(self);
	return r;
}

int ag_log1p_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_log1p);
}

/* expm1: grad * (result + 1) */
static ag_tensor *d_expm1(tmp *k, ag_node *self, ag_tensor *r)
{
	ag_tensor *d = K(add_s(r, 1));
	AG_UNUSED(self);
	return d;
}

int ag_expm1_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_expm1);
}

/* rsqrt: -0.5 * grad * result^3 */
static ag_tensor *d_rsqrt(tmp *k, ag_node *self, ag_tensor *r)
{
	ag_tensor *d = K(ag_grad_mul_scalar(K(ag_pow_scalar(r, 3)), -0.5));
	AG_UNUSED(self);
	return d;
}

int ag_rsqrt_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_rsqrt);
}

/* tan: grad * (1 + result^2) */
static ag_tensor *d_tan(tmp *k, ag_node *self, ag_tensor *r)
{
	ag_tensor *d = K(add_s(K(ag_mul(r, r)), 1));
	AG_UNUSED(self);
	return d;
}

int ag_tan_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_tan);
}

/* asin: grad * rsqrt(1 - x^2); acos: its negative */
static ag_tensor *d_asin(tmp *k, ag_node *self, ag_tensor *x)
{
	ag_tensor *d = K(ag_unary(AG_OP_RSQRT, K(rsub_s(1, K(ag_mul(x, x))))));
	if (self->op == AG_OP_ACOS)
		d = K(ag_neg(d));
	return d;
}

int ag_asin_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_asin);
}

int ag_acos_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_asin);
}

/* atan: grad / (x^2 + 1) */
static ag_tensor *d_atan(tmp *k, ag_node *self, ag_tensor *x)
{
	ag_tensor *d = K(ag_unary(AG_OP_RECIPROCAL, K(add_s(K(ag_mul(x, x)), 1))));
	AG_UNUSED(self);
	return d;
}

int ag_atan_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_atan);
}

/* asinh: grad * rsqrt(x^2 + 1); acosh: grad * rsqrt(x^2 - 1) */
static ag_tensor *d_asinh(tmp *k, ag_node *self, ag_tensor *x)
{
	double s = self->op == AG_OP_ACOSH ? -1 : 1;
	return K(ag_unary(AG_OP_RSQRT, K(add_s(K(ag_mul(x, x)), s))));
}

int ag_asinh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_asinh);
}

int ag_acosh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_asinh);
}

/* atanh: grad / (1 - x^2) */
static ag_tensor *d_atanh(tmp *k, ag_node *self, ag_tensor *x)
{
	AG_UNUSED(self);
	return K(ag_unary(AG_OP_RECIPROCAL, K(rsub_s(1, K(ag_mul(x, x))))));
}

int ag_atanh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_atanh);
}

/* log2: grad / (x ln 2); log10: grad / (x ln 10) */
int ag_log2_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	double ln = self->op == AG_OP_LOG10 ? M_LN10 : M_LN2;
	ag_tensor *x = K(ag_node_saved(self, 0));
	return done(k, &out[0], K(ag_div(G(0), K(ag_grad_mul_scalar(x, ln)))));
}

int ag_log10_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return ag_log2_bw(self, grads_in, out);
}

/* exp2: grad * result * ln 2 */
static ag_tensor *d_exp2(tmp *k, ag_node *self, ag_tensor *r)
{
	AG_UNUSED(self);
	return K(ag_grad_mul_scalar(r, M_LN2));
}

int ag_exp2_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_exp2);
}

/* sinh: grad * cosh(x); cosh: grad * sinh(x) */
static ag_tensor *d_sinh(tmp *k, ag_node *self, ag_tensor *x)
{
	ag_tensor *d = K(ag_unary(self->op == AG_OP_SINH ? AG_OP_COSH : AG_OP_SINH, x));
	return d;
}

int ag_sinh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_sinh);
}

int ag_cosh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_sinh);
}

/* erf: grad * 2/sqrt(pi) * exp(-x^2) */
static ag_tensor *d_erf(tmp *k, ag_node *self, ag_tensor *x)
{
	double s = self->op == AG_OP_ERFC ? -2.0 : 2.0;
	ag_tensor *e = K(ag_exp(K(ag_neg(K(ag_mul(x, x))))));
	return K(ag_grad_mul_scalar(e, s / sqrt(M_PI)));
}

int ag_erf_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_erf);
}

/* erfc: -grad * 2 / sqrt(pi) * exp(-x^2) */
int ag_erfc_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_erf);
}

/* erfinv: grad * sqrt(pi)/2 * exp(erfinv(x)^2) */
static ag_tensor *d_erfinv(tmp *k, ag_node *self, ag_tensor *x)
{
	ag_tensor *y = K(ag_unary(AG_OP_ERFINV, x));
	ag_tensor *d = K(ag_grad_mul_scalar(K(ag_exp(K(ag_mul(y, y)))),
					    0.5 * sqrt(M_PI)));
	AG_UNUSED(self);
	return d;
}

int ag_erfinv_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_erfinv);
}

/* reciprocal: -grad * result^2 */
static ag_tensor *d_reciprocal(tmp *k, ag_node *self, ag_tensor *r)
{
	ag_tensor *d = K(ag_neg(K(ag_mul(r, r))));
	AG_UNUSED(self);
	return d;
}

int ag_reciprocal_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return chain(self, grads_in, out, d_reciprocal);
}

/* sign, floor, ceil, round, trunc: zero almost everywhere */
int ag_zeros_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	AG_UNUSED(self);
	out[0] = ag_zeros_like(G(0));
	return out[0] ? 0 : -1;
}

/* logit: grad / (x (1 - x)); outside [eps, 1 - eps] 0, or NaN outside
 * [0, 1] without eps */
int ag_logit_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	double eps = AG_ARGS(self, ag_logit_args)->eps;
	bool has_eps = !isnan(eps);
	double lo = has_eps ? eps : 0, hi = has_eps ? 1 - eps : 1;
	ag_tensor *x = K(ag_node_saved(self, 0));
	ag_tensor *den = K(ag_mul(x, K(rsub_s(1, x))));
	ag_tensor *d = K(ag_div(G(0), den));
	ag_tensor *off = K(ag_binary(AG_OP_LOGICAL_OR, K(ag_grad_compare(AG_OP_LT, x, lo)),
				     K(ag_grad_compare(AG_OP_GT, x, hi))));
	ag_tensor *r = K(where_s2(off, has_eps ? 0.0 : NAN, d));
	return done(k, &out[0], r);
}

/* nan_to_num: grad where x is finite */
int ag_nan_to_num_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_tensor *x = K(ag_node_saved(self, 0));
	ag_tensor *r = K(where_s(K(ag_unary(AG_OP_ISFINITE, x)), G(0), 0));
	return done(k, &out[0], r);
}

/* ---------------------------------------------------------- activations */

/* silu: s (1 + x (1 - s)) with s = sigmoid(x) */
static ag_tensor *d_silu(tmp *k, ag_node *self, ag_tensor *x)
{
	ag_tensor *s = K(ag_unary(AG_OP_SIGMOID, x));
	ag_tensor *d = K(ag_mul(s, K(add_s(K(ag_mul(x, K(rsub_s(1, s)))), 1))));
	AG_UNUSED(self);
	return d;
}

/* Without a graph of the backward, the fused op (PyTorch's silu_backward,
 * which has no derivative); under create_graph the formula above, as
 * PyTorch's infinitely_differentiable_silu_backward (same for mish). */
static int fused_or_chain(ag_node *self, ag_tensor **grads_in,
			  ag_tensor **out, ag_op fused, derivative_fn f)
{
	if (ag_is_grad_enabled())
		return chain(self, grads_in, out, f);
	ag_tensor *x = ag_node_saved(self, 0);
	out[0] = x ? ag_act_backward(fused, G(0), x, NULL) : NULL;
	rel(x);
	return out[0] ? 0 : -1;
}

int ag_silu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return fused_or_chain(self, grads_in, out, AG_OP_SILU_BACKWARD, d_silu);
}

/* mish: t + x sigmoid(x) (1 - t^2) with t = tanh(softplus(x)) */
static ag_tensor *d_mish(tmp *k, ag_node *self, ag_tensor *x)
{
	ag_softplus_args sp = { 1, 20 };
	ag_tensor *t = K(ag_unary(AG_OP_TANH, K(ag_unary_with(AG_OP_SOFTPLUS, x,
							    &sp, sizeof sp))));
	ag_tensor *xs = K(ag_mul(x, K(ag_unary(AG_OP_SIGMOID, x))));
	ag_tensor *d = K(ag_add(t, K(ag_mul(xs, K(rsub_s(1, K(ag_mul(t, t))))))));
	AG_UNUSED(self);
	return d;
}

int ag_mish_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return fused_or_chain(self, grads_in, out, AG_OP_MISH_BACKWARD, d_mish);
}

/* The fused backward op of the saved input (fused_bw.c): grad * f'(x) in
 * one pass, recorded as PyTorch's ...BackwardBackward0 node. */
static int fused(ag_node *self, ag_tensor **grads_in, ag_tensor **out,
		 ag_op op, const ag_act_bw_args *args)
{
	ag_tensor *x = ag_node_saved(self, 0);
	out[0] = x ? ag_act_backward(op, G(0), x, args) : NULL;
	rel(x);
	return out[0] ? 0 : -1;
}

/* hardsigmoid: 1/6 inside (-3, 3), the float 1/6 in every dtype as
 * PyTorch's kernel writes it (1.0f / 6.0f) */
int ag_hardsigmoid_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return fused(self, grads_in, out, AG_OP_HARDSIGMOID_BACKWARD, NULL);
}

/* hardswish: 0 below -3, x/3 + 1/2 up to 3, 1 above (PyTorch's
 * boundaries) */
int ag_hardswish_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return fused(self, grads_in, out, AG_OP_HARDSWISH_BACKWARD, NULL);
}

/* logsigmoid: grad * sigmoid(-x) */
int ag_logsigmoid_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return fused(self, grads_in, out, AG_OP_LOG_SIGMOID_BACKWARD, NULL);
}

/* The in-place forms' nodes (...Backward1) are PyTorch's kernels that
 * keep the result, which cannot be inverted for a negative slope. */
static bool is_inplace_node(const ag_node *self)
{
	return self->name == ag_op_info(self->op)->grad_fn[1];
}

/* leaky_relu: grad where x > 0, slope * grad elsewhere */
int ag_leaky_relu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	double slope = AG_ARGS(self, ag_leaky_relu_args)->negative_slope;
	POOL;

	if (is_inplace_node(self) && slope < 0)
		return ag_error(AG_ERR_RUNTIME, "In-place leakyReLu backward "
			"calculation is triggered with a negative slope which is "
			"not supported. This is caused by calling in-place forward "
			"function with a negative slope, please call out-of-place "
			"version instead. File an issue at "
			"https://github.com/pytorch/pytorch if you do require "
			"supporting in-place leakRelu backward calculation with "
			"negative slope");
	ag_tensor *x = K(ag_node_saved(self, 0));
	ag_piecewise_args pa = { slope, 0, is_inplace_node(self) };
	return done(k, &out[0],
		    K(ag_piecewise_backward(AG_OP_LEAKY_RELU_BACKWARD, G(0), x, &pa)));
}

/* elu, celu: scale where x > 0, alpha scale input_scale exp(x input_scale)
 * elsewhere */
int ag_elu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_elu_args *e = AG_ARGS(self, ag_elu_args);

	if (is_inplace_node(self) && e->alpha < 0)
		return ag_error(AG_ERR_RUNTIME, "In-place elu backward calculation "
			"is triggered with a negative slope which is not supported. "
			"This is caused by calling in-place forward function with a "
			"negative slope, please call out-of-place version instead.");
	/* celu's backward divides by alpha as a float (PyTorch's
	 * derivatives.yaml: 1.0 / alpha.toFloat()) */
	ag_act_bw_args a = { e->alpha, e->scale, self->op == AG_OP_CELU ?
			     1.0 / (double)(float)e->alpha : e->input_scale };
	return fused(self, grads_in, out, AG_OP_ELU_BACKWARD, &a);
}

/* gelu: Phi(x) + x phi(x), or the tanh form's derivative */
int ag_gelu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_act_bw_args a = { AG_ARGS(self, ag_gelu_args)->tanh ? 1 : 0, 0, 0 };
	return fused(self, grads_in, out, AG_OP_GELU_BACKWARD, &a);
}

/* softplus: sigmoid(beta x), or 1 past the threshold */
int ag_softplus_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_softplus_args *s = AG_ARGS(self, ag_softplus_args);
	ag_act_bw_args a = { s->beta, s->threshold, 0 };
	return fused(self, grads_in, out, AG_OP_SOFTPLUS_BACKWARD, &a);
}

/* hardtanh: grad strictly inside (min_val, max_val) */
int ag_hardtanh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_hardtanh_args *h = AG_ARGS(self, ag_hardtanh_args);
	POOL;
	ag_tensor *x = K(ag_node_saved(self, 0));
	ag_piecewise_args pa = { h->min_val, h->max_val, false };
	return done(k, &out[0],
		    K(ag_piecewise_backward(AG_OP_HARDTANH_BACKWARD, G(0), x, &pa)));
}

/* threshold: grad where x > threshold */
int ag_threshold_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_tensor *x = K(ag_node_saved(self, 0));
	ag_piecewise_args pa = { AG_ARGS(self, ag_threshold_args)->threshold, 0,
				 false };
	return done(k, &out[0],
		    K(ag_piecewise_backward(AG_OP_THRESHOLD_BACKWARD, G(0), x, &pa)));
}

/* ------------------------------- the fused backward ops of the activations
 *
 * gi = go * f'(x) (fused_bw.c) is linear in grad_output go: its derivative
 * there is the same op of the incoming gradient gg.  In x it is
 * gg * go * f''(x) (x the input, or for sigmoid and tanh the output y,
 * where f' is (1 - y) y and 1 - y^2), written with core's ops so that a
 * third derivative goes through it too: PyTorch's ...BackwardBackward0.
 */

/* f''(x) of op (of y for sigmoid and tanh), in the pool */
static ag_tensor *second(tmp *k, ag_op op, const ag_act_bw_args *p,
			 ag_tensor *x)
{
	switch (op) {
	case AG_OP_GELU_BACKWARD:
		if (p->a == 0) {
			/* phi(x) (2 - x^2) */
			ag_tensor *x2 = K(ag_mul(x, x));
			ag_tensor *pdf = K(ag_grad_mul_scalar(K(ag_exp(K(
				ag_grad_mul_scalar(x2, -0.5)))),
				M_2_SQRTPI * M_SQRT1_2 * 0.5));
			return K(ag_mul(pdf, K(rsub_s(2, x2))));
		} else {
			/* (1 - t^2) (u' - x t u'^2 + x u'' / 2), t = tanh(u),
			 * u = beta (x + kappa x^3) */
			const double beta = M_SQRT2 * M_2_SQRTPI * 0.5;
			const double kappa = 0.044715;
			ag_tensor *x2 = K(ag_mul(x, x));
			ag_tensor *u = K(ag_grad_mul_scalar(K(ag_add(x,
				K(ag_grad_mul_scalar(K(ag_mul(x2, x)), kappa)))), beta));
			ag_tensor *t = K(ag_unary(AG_OP_TANH, u));
			ag_tensor *du = K(ag_grad_mul_scalar(K(add_s(K(
				ag_grad_mul_scalar(x2, 3 * kappa)), 1)), beta));
			ag_tensor *xt = K(ag_mul(x, t));
			ag_tensor *s = K(ag_sub(du, K(ag_mul(xt, K(ag_mul(du, du))))));
			s = K(ag_add(s, K(ag_grad_mul_scalar(x2, 3 * beta * kappa))));
			return K(ag_mul(K(rsub_s(1, K(ag_mul(t, t)))), s));
		}
	case AG_OP_ELU_BACKWARD: {
		/* alpha scale input_scale^2 exp(x input_scale) below 0 (0
		 * at 0 itself, as PyTorch's elu_double_backward) */
		ag_tensor *e = K(ag_grad_mul_scalar(K(ag_exp(K(ag_grad_mul_scalar(x,
				p->c)))), p->a * p->b * p->c * p->c));
		return K(where_s(K(ag_grad_compare(AG_OP_LT, x, 0)), e, 0));
	}
	case AG_OP_SOFTPLUS_BACKWARD: {
		/* beta s (1 - s), s = sigmoid(beta x), up to the threshold */
		ag_tensor *bx = K(ag_grad_mul_scalar(x, p->a));
		ag_tensor *s = K(ag_unary(AG_OP_SIGMOID, bx));
		ag_tensor *d = K(ag_grad_mul_scalar(K(ag_mul(s, K(rsub_s(1, s)))),
						    p->a));
		return K(where_s(K(ag_grad_compare(AG_OP_LE, bx, p->b)), d, 0));
	}
	case AG_OP_HARDSWISH_BACKWARD: {
		/* 1/3 strictly inside (-3, 3) */
		ag_tensor *in = K(ag_binary(AG_OP_LOGICAL_AND,
					    K(ag_grad_compare(AG_OP_GT, x, -3)),
					    K(ag_grad_compare(AG_OP_LT, x, 3))));
		return K(ag_grad_mul_scalar(K(ag_grad_mask(in, x)), 1.0 / 3));
	}
	case AG_OP_LOG_SIGMOID_BACKWARD: {
		/* -s (1 - s), s = sigmoid(x) */
		ag_tensor *s = K(ag_unary(AG_OP_SIGMOID, x));
		return K(ag_neg(K(ag_mul(s, K(rsub_s(1, s))))));
	}
	case AG_OP_SIGMOID_BACKWARD:
		return K(rsub_s(1, K(ag_grad_mul_scalar(x, 2))));	/* 1 - 2 y */
	case AG_OP_TANH_BACKWARD:
		return K(ag_grad_mul_scalar(x, -2));			/* -2 y */
	default:
		ag_error(AG_ERR_RUNTIME, "%s: no second derivative",
			 ag_op_name(op));
		k->failed = true;
		return NULL;
	}
}

/* saved: grad_output (when x needs a gradient), x */
int ag_act_backward_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_act_bw_args *p = AG_ARGS(self, ag_act_bw_args);
	POOL;
	ag_tensor *x = K(ag_node_saved(self, 1));

	if (NEED(0) && !k->failed)
		set_out(&out[0], K(ag_act_backward(self->op, G(0), x, p)));
	if (NEED(1) && !k->failed) {
		ag_tensor *go = K(ag_node_saved(self, 0));
		ag_tensor *d = go ? second(k, self->op, p, x) : NULL;
		set_out(&out[1], d ? K(ag_mul(K(ag_mul(G(0), go)), d)) : NULL);
	}
	return done(k, NULL, NULL);
}

/* ------------------------------------------------------------ two inputs */

/* atan2: grad * b / (a^2 + b^2), grad * -a / (a^2 + b^2) */
int ag_atan2_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_tensor *a = K(ag_node_saved(self, 0)), *b = K(ag_node_saved(self, 1));
	ag_tensor *q = K(ag_div(G(0), K(ag_add(K(ag_mul(a, a)), K(ag_mul(b, b))))));
	if (NEED(0))
		set_out(&out[0], K(ag_mul(q, b)));
	if (NEED(1))
		set_out(&out[1], K(ag_neg(K(ag_mul(q, a)))));
	return done(k, NULL, NULL);
}

/* fmod, remainder: grad for a; -grad * trunc(a / b) or floor(a / b) for
 * a tensor b */
int ag_fmod_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	if (NEED(0)) {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	if (NEED(1)) {
		ag_tensor *a = K(ag_node_saved(self, 0)), *b = K(ag_node_saved(self, 1));
		ag_op round = self->op == AG_OP_FMOD ? AG_OP_TRUNC : AG_OP_FLOOR;
		ag_tensor *q = K(ag_unary(round, K(ag_div(a, b))));
		set_out(&out[1], K(ag_neg(K(ag_mul(G(0), q)))));
	}
	return done(k, NULL, NULL);
}

int ag_remainder_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return ag_fmod_bw(self, grads_in, out);
}

/* maximum: grad where a wins, half of it on ties (minimum likewise) */
int ag_minmax_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_tensor *a = K(ag_node_saved(self, 0)), *b = K(ag_node_saved(self, 1));
	ag_tensor *shared = K(ag_where(K(ag_binary(AG_OP_EQ, a, b)),
				       K(ag_grad_mul_scalar(G(0), 0.5)), G(0)));
	bool max = self->op == AG_OP_MAXIMUM;
	if (NEED(0))
		set_out(&out[0], K(where_s2(K(ag_binary(max ? AG_OP_LT
						: AG_OP_GT, a, b)), 0, shared)));
	if (NEED(1))
		set_out(&out[1], K(where_s2(K(ag_binary(max ? AG_OP_GT
						: AG_OP_LT, a, b)), 0, shared)));
	return done(k, NULL, NULL);
}

/* clamp_min: grad where x >= m for x, where x < m for m; clamp_max with
 * <= and > */
int ag_clamp_bound_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	bool min = self->op == AG_OP_CLAMP_MIN;
	ag_tensor *x = K(ag_node_saved(self, 0)), *m = K(ag_node_saved(self, 1));
	if (NEED(0))
		set_out(&out[0], K(where_s(K(ag_binary(min ? AG_OP_GE
						: AG_OP_LE, x, m)), G(0), 0)));
	if (NEED(1))
		set_out(&out[1], K(where_s(K(ag_binary(min ? AG_OP_LT
						: AG_OP_GT, x, m)), G(0), 0)));
	return done(k, NULL, NULL);
}

/* xlogy: xlogy(grad, y), 0 where x == 0 and y <= 0; grad * x / y */
int ag_xlogy_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_tensor *x = K(ag_node_saved(self, 0)), *y = K(ag_node_saved(self, 1));
	if (NEED(0)) {
		ag_tensor *zero = K(ag_binary(AG_OP_LOGICAL_AND,
					      K(ag_grad_compare(AG_OP_EQ, x, 0)),
					      K(ag_grad_compare(AG_OP_LE, y, 0))));
		set_out(&out[0], K(where_s2(zero, 0,
					  K(ag_binary(AG_OP_XLOGY, G(0), y)))));
	}
	if (NEED(1))
		set_out(&out[1], K(ag_div(K(ag_mul(G(0), x)), y)));
	return done(k, NULL, NULL);
}

/* logaddexp: grad / (1 + exp(b - a)) for a, grad / (1 + exp(a - b)) for
 * b; logaddexp2 with 2^ for exp */
int ag_logaddexp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_op e = self->op == AG_OP_LOGADDEXP2 ? AG_OP_EXP2 : AG_OP_EXP;
	ag_tensor *a = K(ag_node_saved(self, 0)), *b = K(ag_node_saved(self, 1));
	if (NEED(0))
		set_out(&out[0], K(ag_div(G(0), K(add_s(K(ag_unary(e, K(ag_sub(b, a)))), 1)))));
	if (NEED(1))
		set_out(&out[1], K(ag_div(G(0), K(add_s(K(ag_unary(e, K(ag_sub(a, b)))), 1)))));
	return done(k, NULL, NULL);
}

/* ---------------------------------------------------------- three inputs */

/* lerp: grad (1 - w), grad w, grad (end - start) */
int ag_lerp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_tensor *w = K(ag_node_saved(self, 2));
	if (NEED(0))
		set_out(&out[0], K(ag_mul(G(0), K(rsub_s(1, w)))));
	if (NEED(1))
		set_out(&out[1], K(ag_mul(G(0), w)));
	if (NEED(2)) {
		ag_tensor *s = K(ag_node_saved(self, 0)), *e = K(ag_node_saved(self, 1));
		set_out(&out[2], K(ag_mul(G(0), K(ag_sub(e, s)))));
	}
	return done(k, NULL, NULL);
}

/* addcmul: grad, grad * t2 * value, grad * t1 * value */
int ag_addcmul_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	double v = AG_ARGS(self, ag_addc_args)->value;
	POOL;
	if (NEED(0)) {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	for (int i = 1; i <= 2; i++)
		if (NEED(i)) {
			/* saved: t1 (slot 0, for t2), t2 (slot 1, for t1) */
			ag_tensor *other = K(ag_node_saved(self, 2 - i));
			set_out(&out[i], K(ag_grad_mul_scalar(
					K(ag_mul(G(0), other)), v)));
		}
	return done(k, NULL, NULL);
}

/* addcdiv: grad, grad * value / t2, -grad * value * t1 / t2^2 */
int ag_addcdiv_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	double v = AG_ARGS(self, ag_addc_args)->value;
	POOL;
	ag_tensor *t1 = K(ag_node_saved(self, 0)), *t2 = K(ag_node_saved(self, 1));
	ag_tensor *gv = K(ag_grad_mul_scalar(G(0), v));
	if (NEED(0)) {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	if (NEED(1))
		set_out(&out[1], K(ag_div(gv, t2)));
	if (NEED(2))
		set_out(&out[2], K(ag_neg(K(ag_div(K(ag_mul(gv, t1)),
							  K(ag_mul(t2, t2)))))));
	return done(k, NULL, NULL);
}

/* clamp with tensor bounds (either may be missing): grad where x is
 * within them; the bounds get it where they won */
int ag_clamp_tensor_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	POOL;
	ag_tensor *x = K(ag_node_saved(self, 0));
	/* a missing bound was saved as nothing */
	ag_tensor *lo = self->saved[1].was_defined ? K(ag_node_saved(self, 1)) : NULL;
	ag_tensor *hi = self->saved[2].was_defined ? K(ag_node_saved(self, 2)) : NULL;
	if (k->failed)
		return done(k, NULL, NULL);
	if (NEED(0)) {
		ag_tensor *in = lo ? K(ag_binary(AG_OP_GE, x, lo)) : NULL;
		if (hi) {
			ag_tensor *le = K(ag_binary(AG_OP_LE, x, hi));
			in = in ? K(ag_binary(AG_OP_LOGICAL_AND, in, le)) : le;
		}
		set_out(&out[0], K(where_s(in, G(0), 0)));
	}
	if (NEED(1) && lo) {
		ag_tensor *won = K(ag_binary(AG_OP_LT, x, lo));
		if (hi)
			won = K(ag_binary(AG_OP_LOGICAL_AND, won,
					  K(ag_binary(AG_OP_LT, lo, hi))));
		set_out(&out[1], K(where_s(won, G(0), 0)));
	}
	if (NEED(2) && hi) {
		ag_tensor *won = K(ag_binary(AG_OP_GT, x, hi));
		if (lo)
			won = K(ag_binary(AG_OP_LOGICAL_OR, won,
					  K(ag_binary(AG_OP_LT, hi, lo))));
		set_out(&out[2], K(where_s(won, G(0), 0)));
	}
	return done(k, NULL, NULL);
}
