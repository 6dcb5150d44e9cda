/*
 * grad_fused.c - the derivative of the fused backward ops of the smooth
 * activations (fused_bw.c), PyTorch 1.13's ...BackwardBackward0 nodes.
 *
 * An op gi = go * f'(x) is linear in grad_output go: its derivative there
 * is the same op of the incoming gradient gg.  In x it is gg * go * f''(x)
 * (x the input, or for sigmoid and tanh the output y, where f' is
 * (1 - y) y and 1 - y^2), written with core's ops so that a third
 * derivative goes through it too.
 */
#include "grad.h"

#include <math.h>

typedef struct pool {
	ag_tensor *t[24];
	int n;
	bool failed;
} pool;

static ag_tensor *keep(pool *k, ag_tensor *t)
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

#define K(expr) keep(k, k->failed ? NULL : (expr))

/* a + s, s - a, where(cond, a, 0), with s of a's dtype */
static ag_tensor *add_s(ag_tensor *a, double s)
{
	ag_tensor *c = ag_grad_scalar(s, a), *r = c ? ag_add(a, c) : NULL;
	rel(c);
	return r;
}

static ag_tensor *rsub_s(double s, ag_tensor *a)
{
	ag_tensor *c = ag_grad_scalar(s, a), *r = c ? ag_sub(c, a) : NULL;
	rel(c);
	return r;
}

static ag_tensor *where0(ag_tensor *cond, ag_tensor *a)
{
	ag_tensor *z = ag_grad_scalar(0, a), *r = z ? ag_where(cond, a, z) : NULL;
	rel(z);
	return r;
}

#define MS(a, s) ag_grad_mul_scalar(a, s)

/* f''(x) of op (of y for sigmoid and tanh), in the pool */
static ag_tensor *second(pool *k, ag_op op, const ag_act_bw_args *p,
			 ag_tensor *x)
{
	switch (op) {
	case AG_OP_GELU_BACKWARD:
		if (p->a == 0) {
			/* phi(x) (2 - x^2) */
			ag_tensor *x2 = K(ag_mul(x, x));
			ag_tensor *pdf = K(MS(K(ag_exp(K(MS(x2, -0.5)))),
					      M_2_SQRTPI * M_SQRT1_2 * 0.5));
			return K(ag_mul(pdf, K(rsub_s(2, x2))));
		} else {
			/* (1 - t^2) (u' - x t u'^2 + x u'' / 2), t = tanh(u),
			 * u = beta (x + kappa x^3) */
			const double beta = M_SQRT2 * M_2_SQRTPI * 0.5;
			const double kappa = 0.044715;
			ag_tensor *x2 = K(ag_mul(x, x));
			ag_tensor *u = K(MS(K(ag_add(x, K(MS(K(ag_mul(x2, x)),
						kappa)))), beta));
			ag_tensor *t = K(ag_unary(AG_OP_TANH, u));
			ag_tensor *du = K(MS(K(add_s(K(MS(x2, 3 * kappa)), 1)),
					     beta));
			ag_tensor *xt = K(ag_mul(x, t));
			ag_tensor *s = K(ag_sub(du, K(ag_mul(xt, K(ag_mul(du, du))))));
			s = K(ag_add(s, K(MS(x2, 3 * beta * kappa))));
			return K(ag_mul(K(rsub_s(1, K(ag_mul(t, t)))), s));
		}
	case AG_OP_ELU_BACKWARD: {
		/* alpha scale input_scale^2 exp(x input_scale) below 0 (0
		 * at 0 itself, as PyTorch's elu_double_backward) */
		ag_tensor *e = K(MS(K(ag_exp(K(MS(x, p->c)))),
				    p->a * p->b * p->c * p->c));
		return K(where0(K(ag_grad_compare(AG_OP_LT, x, 0)), e));
	}
	case AG_OP_SOFTPLUS_BACKWARD: {
		/* beta s (1 - s), s = sigmoid(beta x), up to the threshold */
		ag_tensor *bx = K(MS(x, p->a));
		ag_tensor *s = K(ag_unary(AG_OP_SIGMOID, bx));
		ag_tensor *d = K(MS(K(ag_mul(s, K(rsub_s(1, s)))), p->a));
		return K(where0(K(ag_grad_compare(AG_OP_LE, bx, p->b)), d));
	}
	case AG_OP_HARDSWISH_BACKWARD: {
		/* 1/3 strictly inside (-3, 3) */
		ag_tensor *in = K(ag_binary(AG_OP_LOGICAL_AND,
					    K(ag_grad_compare(AG_OP_GT, x, -3)),
					    K(ag_grad_compare(AG_OP_LT, x, 3))));
		return K(MS(K(ag_grad_mask(in, x)), 1.0 / 3));
	}
	case AG_OP_LOG_SIGMOID_BACKWARD: {
		/* -s (1 - s), s = sigmoid(x) */
		ag_tensor *s = K(ag_unary(AG_OP_SIGMOID, x));
		return K(ag_neg(K(ag_mul(s, K(rsub_s(1, s))))));
	}
	case AG_OP_SIGMOID_BACKWARD:
		return K(rsub_s(1, K(MS(x, 2))));	/* 1 - 2 y */
	case AG_OP_TANH_BACKWARD:
		return K(MS(x, -2));			/* -2 y */
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
	pool pool_ = { 0 }, *k = &pool_;
	ag_tensor *x = K(ag_node_saved(self, 1));

	if (NEED(0) && !k->failed &&
	    !(out[0] = ag_act_backward(self->op, G(0), x, p)))
		k->failed = true;
	if (NEED(1) && !k->failed) {
		ag_tensor *go = K(ag_node_saved(self, 0));
		ag_tensor *d = go ? second(k, self->op, p, x) : NULL;
		ag_tensor *r = d ? K(ag_mul(K(ag_mul(G(0), go)), d)) : NULL;
		if (r) {
			ag_tensor_retain(r);
			out[1] = r;
		}
	}
	for (int i = 0; i < k->n; i++)
		rel(k->t[i]);
	return k->failed ? -1 : 0;
}
