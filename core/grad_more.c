/*
 * grad_more.c - backward formulas of the ops-more family of issue 11
 * (more.c): hardshrink, softshrink, the piecewise backward ops themselves
 * (whose op the older activations' formulas, relu ... threshold, record
 * too), rrelu, glu, prelu.
 *
 * As every formula, written with core's own ops (derivatives.yaml of
 * PyTorch 1.13), so that create_graph differentiates through them.
 */
#include "grad.h"

#include <math.h>

/* --------------------------------------------- piecewise-linear backward */

static int piecewise_grad(ag_op op, ag_tensor *grad, ag_tensor *self, double a,
		      double b, ag_tensor **out)
{
	ag_piecewise_args args = { a, b, false };

	*out = ag_piecewise_backward(op, grad, self, &args);
	return *out ? 0 : -1;
}

static int shrink_bw(ag_op op, ag_node *self, ag_tensor **grads_in,
		     ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0);
	int rc = x ? piecewise_grad(op, G(0), x,
			AG_ARGS(self, ag_shrink_args)->lambd, 0, &out[0]) : -1;

	rel(x);
	return rc;
}

int ag_hardshrink_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return shrink_bw(AG_OP_HARDSHRINK_BACKWARD, self, grads_in, out);
}

int ag_softshrink_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	return shrink_bw(AG_OP_SOFTSHRINK_BACKWARD, self, grads_in, out);
}

/* The backward ops' own derivative: the same op in grad_output, zeros in
 * self (PyTorch's ThresholdBackwardBackward0 and its kin). */
int ag_piecewise_backward_bw(ag_node *self, ag_tensor **grads_in,
			     ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0);

	if (!x)
		return -1;
	if (NEED(0))
		out[0] = ag_piecewise_backward(self->op, G(0), x,
					       AG_ARGS(self, ag_piecewise_args));
	if (NEED(1))
		out[1] = ag_zeros_like(x);
	rel(x);
	return (NEED(0) && !out[0]) || (NEED(1) && !out[1]) ? -1 : 0;
}

/* r, tied to x with a zero derivative when the gradient is being recorded
 * (create_graph) and x requires grad: PyTorch's backward nodes of rrelu and
 * prelu read x, so their gradient has a history in x whose derivative is
 * zero, where a gradient made only of masks would have none.  Takes r. */
static ag_tensor *tie(ag_tensor *r, ag_tensor *x)
{
	if (!r || !ag_is_grad_enabled() || !ag_requires_grad(x))
		return r;
	ag_tensor *s = ag_unary(AG_OP_SGN, x);
	ag_tensor *z = s ? ag_grad_mul_scalar(s, 0) : NULL;
	ag_tensor *t = z ? ag_add(r, z) : NULL;
	rel(r); rel(s); rel(z);
	return t;
}

/* ---------------------------------------------------------------- rrelu */

/* training (with a range): grad * noise; else leaky_relu's backward with
 * the mean slope */
int ag_rrelu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_rrelu_args *a = AG_ARGS(self, ag_rrelu_args);
	ag_tensor *x = ag_node_saved(self, 0), *noise = ag_node_saved(self, 1);

	if (x && noise) {
		if (a->training && a->upper - a->lower > 1e-6)
			out[0] = tie(ag_mul(G(0), noise), x);
		else
			piecewise_grad(AG_OP_LEAKY_RELU_BACKWARD, G(0), x,
					  (a->lower + a->upper) / 2, 0, &out[0]);
	}
	rel(x);
	rel(noise);
	return out[0] ? 0 : -1;
}

/* ------------------------------------------------------------------ glu */

/* glu(x) = a * sigmoid(b) for the halves a, b of x: the gradient is
 * grad * sigmoid(b) for a, grad * a * sigmoid(b) * (1 - sigmoid(b)) for
 * b, joined back along the dim. */
int ag_glu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int d = AG_ARGS(self, ag_glu_args)->dim;
	ag_tensor *x = ag_node_saved(self, 0);
	int64_t h = x ? x->shape[d] / 2 : 0;
	ag_tensor *a = x ? ag_narrow(x, d, 0, h) : NULL;
	ag_tensor *b = a ? ag_narrow(x, d, h, h) : NULL;
	ag_tensor *s = b ? ag_unary(AG_OP_SIGMOID, b) : NULL;
	ag_tensor *ga = s ? ag_mul(G(0), s) : NULL;
	ag_tensor *one = ga ? ag_grad_scalar(1, s) : NULL;
	ag_tensor *oms = one ? ag_sub(one, s) : NULL;
	ag_tensor *ds = oms ? ag_mul(s, oms) : NULL;
	ag_tensor *ads = ds ? ag_mul(a, ds) : NULL;
	ag_tensor *gb = ads ? ag_mul(G(0), ads) : NULL;

	if (gb)
		out[0] = ag_cat((ag_tensor *[]){ ga, gb }, 2, d);
	rel(x); rel(a); rel(b); rel(s); rel(ga); rel(one); rel(oms); rel(ds);
	rel(ads); rel(gb);
	return out[0] ? 0 : -1;
}

/* ---------------------------------------------------------------- prelu */

/* The weight's gradient: grad * x where x <= 0, summed over every dim but
 * the channels' (all of them for a single weight), in the weight's shape. */
static ag_tensor *prelu_weight_grad(ag_tensor *g, ag_tensor *x,
				    ag_tensor *pos, ag_tensor *w)
{
	ag_tensor *gx = ag_mul(g, x);
	ag_tensor *z = gx ? ag_grad_scalar(0, gx) : NULL;
	ag_tensor *m = z ? ag_where(pos, z, gx) : NULL;
	ag_tensor *s = NULL, *r = NULL;
	int dims[AG_MAX_DIMS], n = 0;

	if (m && ag_numel(w) > 1 && x->ndim >= 2) {
		for (int d = 0; d < x->ndim; d++)
			if (d != 1)
				dims[n++] = d;
		s = n ? ag_reduce_dims(AG_OP_SUM, m, dims, n, false) : m;
		if (!n)
			ag_tensor_retain(s);
	} else if (m) {
		s = ag_sum(m);
	}
	r = s ? ag_reshape(s, w->shape, w->ndim) : NULL;
	rel(gx); rel(z); rel(m); rel(s);
	return r;
}

int ag_prelu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0), *w = ag_node_saved(self, 1);
	ag_tensor *zero = x && w ? ag_grad_scalar(0, x) : NULL;
	ag_tensor *pos = zero ? ag_binary(AG_OP_GT, x, zero) : NULL;
	int rc = pos ? 0 : -1;

	if (pos && NEED(0)) {
		ag_tensor *wv = ag_prelu_weight_view(w, x);
		ag_tensor *wg = wv ? ag_mul(wv, G(0)) : NULL;
		out[0] = tie(wg ? ag_where(pos, G(0), wg) : NULL, x);
		rel(wv); rel(wg);
		if (!out[0])
			rc = -1;
	}
	if (rc == 0 && NEED(1) && !(out[1] = prelu_weight_grad(G(0), x, pos, w)))
		rc = -1;
	rel(x); rel(w); rel(zero); rel(pos);
	return rc;
}
