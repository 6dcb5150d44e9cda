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

/* ---------------------------------------------------------------- rrelu */

/* rrelu_with_noise_backward (more_bw.c): training (with a range): grad *
 * noise; else leaky_relu's backward with the mean slope */
int ag_rrelu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0), *noise = ag_node_saved(self, 1);

	if (x && noise)
		out[0] = ag_rrelu_backward(G(0), x, noise,
					   AG_ARGS(self, ag_rrelu_args));
	rel(x);
	rel(noise);
	return out[0] ? 0 : -1;
}

/* ------------------------------------------------------------------ glu */

/* glu(x) = a * sigmoid(b) for the halves a, b of x: glu_backward
 * (more_bw.c), grad * sigmoid(b) for a, grad * a * sigmoid(b) * (1 -
 * sigmoid(b)) for b, joined back along the dim. */
int ag_glu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0);

	if (x)
		out[0] = ag_glu_backward(G(0), x, AG_ARGS(self, ag_glu_args)->dim);
	rel(x);
	return out[0] ? 0 : -1;
}

/* ---------------------------------------------------------------- prelu */

/* prelu_backward (more_bw.c): where(x > 0, grad, weight * grad) for x;
 * grad * x where x <= 0, summed over every dim but the channels', for the
 * weight */
int ag_prelu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0), *w = ag_node_saved(self, 1);
	ag_tensor *gx = NULL, *gw = NULL;
	int rc = x && w ? ag_prelu_backward(G(0), x, w, &gx, &gw) : -1;

	if (rc == 0) {
		if (NEED(0))
			out[0] = gx, gx = NULL;
		if (NEED(1))
			out[1] = gw, gw = NULL;
	}
	rel(gx); rel(gw); rel(x); rel(w);
	return rc;
}
