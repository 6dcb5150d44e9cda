/*
 * more_bw.c - the backward ops of rrelu, glu and prelu (issue 11): what
 * their backward formulas (grad_more.c) compute, recorded as one node each
 * as PyTorch 1.13 records rrelu_with_noise_backward, glu_backward and
 * prelu_backward, so that a gradient made with create_graph shows
 * PyTorch's RreluWithNoiseBackwardBackward0, GluBackwardBackward0 and
 * PreluBackwardBackward0 (their own derivatives: grad_more_bw.c).
 *
 * Each computes its values with core's ops with recording off, then
 * records the result on its inputs.
 */
#include "ag.h"
#include "internal.h"
#include "record.h"

/* ---------------------------------------------------------------- rrelu */

ag_tensor *ag_rrelu_backward(ag_tensor *grad, ag_tensor *self,
			     ag_tensor *noise, const ag_rrelu_args *a)
{
	if (!grad || !self || !noise || !a) {
		ag_error(AG_ERR_VALUE, "rrelu_with_noise_backward: expected "
			 "grad_output, self and noise");
		return NULL;
	}
	bool mode = ag_set_grad_enabled(false);
	ag_tensor *r;
	if (a->training && a->upper - a->lower > 1e-6) {
		r = ag_mul(grad, noise);
	} else {
		ag_piecewise_args p = { (a->lower + a->upper) / 2, 0, false };
		r = ag_piecewise_backward(AG_OP_LEAKY_RELU_BACKWARD, grad, self,
					  &p);
	}
	ag_set_grad_enabled(mode);
	ag_tensor *in[3] = { grad, self, noise };
	return ag_recorded(r, (ag_call){ .op = AG_OP_RRELU_BACKWARD, .in = in,
		.nin = 3, .args = a, .args_size = sizeof *a });
}

/* ------------------------------------------------------------------ glu */

/* For the halves a, b of self along dim and s = sigmoid(b): grad * s for
 * a, grad * a * s * (1 - s) for b, joined back along dim. */
ag_tensor *ag_glu_backward(ag_tensor *grad, ag_tensor *self, int dim)
{
	if (!grad || !self) {
		ag_error(AG_ERR_VALUE, "glu_backward: expected grad_output and "
			 "self");
		return NULL;
	}
	ag_glu_args args;
	if (ag_wrap_dim(dim, self->ndim, &args.dim) < 0)
		return NULL;
	int d = args.dim;
	int64_t h = self->shape[d] / 2;
	bool mode = ag_set_grad_enabled(false);
	ag_tensor *a = ag_narrow(self, d, 0, h);
	ag_tensor *b = a ? ag_narrow(self, d, h, h) : NULL;
	ag_tensor *s = b ? ag_unary(AG_OP_SIGMOID, b) : NULL;
	ag_tensor *ga = s ? ag_mul(grad, s) : NULL;
	ag_tensor *ns = ga ? ag_mul_scalar(s, -1) : NULL;
	ag_tensor *oms = ns ? ag_add_scalar(ns, 1) : NULL;
	ag_tensor *ds = oms ? ag_mul(s, oms) : NULL;
	ag_tensor *ads = ds ? ag_mul(a, ds) : NULL;
	ag_tensor *gb = ads ? ag_mul(grad, ads) : NULL;
	ag_tensor *r = gb ? ag_cat((ag_tensor *[]){ ga, gb }, 2, d) : NULL;
	ag_set_grad_enabled(mode);
	ag_tensor_release(a); ag_tensor_release(b); ag_tensor_release(s);
	ag_tensor_release(ga); ag_tensor_release(ns); ag_tensor_release(oms);
	ag_tensor_release(ds);
	ag_tensor_release(ads); ag_tensor_release(gb);
	ag_tensor *in[2] = { grad, self };
	return ag_recorded(r, (ag_call){ .op = AG_OP_GLU_BACKWARD, .in = in,
		.nin = 2, .args = &args, .args_size = sizeof args });
}

/* ---------------------------------------------------------------- prelu */

ag_tensor *ag_prelu_weight_sum(ag_tensor *g, ag_tensor *x, ag_tensor *pos,
			       ag_tensor *w)
{
	ag_tensor *gx = ag_mul(g, x);
	ag_tensor *z = gx ? ag_scalar(0, gx->dtype) : NULL;
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
	ag_tensor_release(gx); ag_tensor_release(z); ag_tensor_release(m);
	ag_tensor_release(s);
	return r;
}

int ag_prelu_backward(ag_tensor *grad, ag_tensor *self, ag_tensor *weight,
		      ag_tensor **grad_self, ag_tensor **grad_weight)
{
	*grad_self = *grad_weight = NULL;
	if (!grad || !self || !weight)
		return ag_error(AG_ERR_VALUE, "prelu_backward: expected "
				"grad_output, self and weight");
	bool mode = ag_set_grad_enabled(false);
	ag_tensor *zero = ag_scalar(0, self->dtype);
	ag_tensor *pos = zero ? ag_binary(AG_OP_GT, self, zero) : NULL;
	ag_tensor *wv = pos ? ag_prelu_weight_view(weight, self) : NULL;
	ag_tensor *wg = wv ? ag_mul(wv, grad) : NULL;
	ag_tensor *gs = wg ? ag_where(pos, grad, wg) : NULL;
	ag_tensor *gw = gs ? ag_prelu_weight_sum(grad, self, pos, weight) : NULL;
	ag_set_grad_enabled(mode);
	ag_tensor_release(zero); ag_tensor_release(pos); ag_tensor_release(wv);
	ag_tensor_release(wg);
	if (!gw) {
		ag_tensor_release(gs);
		return -1;
	}
	ag_tensor *in[3] = { grad, self, weight }, *out[2] = { gs, gw };
	if (ag_record(&(ag_call){ .op = AG_OP_PRELU_BACKWARD, .in = in,
			.nin = 3, .out = out, .nout = 2 }) < 0) {
		ag_tensor_release(gs);
		ag_tensor_release(gw);
		return -1;
	}
	*grad_self = gs;
	*grad_weight = gw;
	return 0;
}
