/*
 * grad_nn.c - backward formulas of the nn functions: softmax and
 * log_softmax (through their fused backward ops, whose own formulas are
 * here too), nll_loss and its backward op (each the other's derivative),
 * and the normalisations.
 *
 * The normalisations take the fused kernels (nn_norm.c) when the backward
 * runs without a graph of its own; under create_graph they are written
 * with core's ops, the statistics recomputed from the input, so a second
 * derivative is exact.
 */
#include "grad.h"
#include "nn.h"
#include "ag_spatial.h"

/* Temporaries of one formula, released together. */
typedef struct temps {
	ag_tensor *t[48];
	int n;
	bool failed;
} temps;

static ag_tensor *keep(temps *k, ag_tensor *t)
{
	if (!t)
		k->failed = true;
	if (k->n < 48)
		k->t[k->n++] = t;
	return t;
}

static void drop(temps *k)
{
	for (int i = 0; i < k->n; i++)
		rel(k->t[i]);
	k->n = 0;
}

/* A new reference to t, for results that are a temporary. */
static ag_tensor *ref(ag_tensor *t)
{
	if (t)
		ag_tensor_retain(t);
	return t;
}

#define K(expr) (k.failed ? NULL : keep(&k, (expr)))

static ag_tensor *rsum(ag_tensor *t, const int *dims, int n, bool keepdim)
{
	if (n == 0) {
		ag_tensor_retain(t);
		return t;
	}
	return ag_reduce_dims(AG_OP_SUM, t, dims, n, keepdim);
}

static ag_tensor *rmean(ag_tensor *t, const int *dims, int n)
{
	return ag_reduce_dims(AG_OP_MEAN, t, dims, n, true);
}

/* ------------------------------------------------------------- softmax */

int ag_softmax_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_softmax_args *a = AG_ARGS(self, ag_softmax_args);
	ag_tensor *y = ag_node_saved(self, 0);
	out[0] = y ? ag_softmax_backward_data(G(0), y, a->dim) : NULL;
	rel(y);
	return out[0] ? 0 : -1;
}

int ag_log_softmax_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_softmax_args *a = AG_ARGS(self, ag_softmax_args);
	ag_tensor *y = ag_node_saved(self, 0);
	out[0] = y ? ag_log_softmax_backward_data(G(0), y, a->dim) : NULL;
	rel(y);
	return out[0] ? 0 : -1;
}

/* gi = y * (g - sum(g * y)): d/dg = softmax_backward(gg, y);
 * d/dy = gg * (g - sum(g * y)) - g * sum(gg * y) */
int ag_softmax_backward_data_bw(ag_node *self, ag_tensor **grads_in,
				ag_tensor **out)
{
	const ag_softmax_args *a = AG_ARGS(self, ag_softmax_args);
	temps k = { 0 };
	ag_tensor *g = K(ag_node_saved(self, 0)), *y = K(ag_node_saved(self, 1));
	int d = a->dim;

	if (NEED(0) && !k.failed)
		out[0] = ag_softmax_backward_data(G(0), y, d);
	if (NEED(1) && !k.failed) {
		ag_tensor *s1 = K(rsum(K(ag_mul(g, y)), &d, 1, true));
		ag_tensor *s2 = K(rsum(K(ag_mul(G(0), y)), &d, 1, true));
		ag_tensor *t1 = K(ag_mul(G(0), K(ag_sub(g, s1))));
		ag_tensor *t2 = K(ag_mul(g, s2));
		out[1] = k.failed ? NULL : ag_sub(t1, t2);
	}
	drop(&k);
	return (NEED(0) && !out[0]) || (NEED(1) && !out[1]) ? -1 : 0;
}

/* gi = g - exp(y) * sum(g): d/dg = gg - sum(gg * exp(y));
 * d/dy = -gg * exp(y) * sum(g) */
int ag_log_softmax_backward_data_bw(ag_node *self, ag_tensor **grads_in,
				    ag_tensor **out)
{
	const ag_softmax_args *a = AG_ARGS(self, ag_softmax_args);
	temps k = { 0 };
	ag_tensor *g = K(ag_node_saved(self, 0)), *y = K(ag_node_saved(self, 1));
	ag_tensor *ey = K(ag_exp(y));
	int d = a->dim;

	if (NEED(0) && !k.failed) {
		ag_tensor *s = K(rsum(K(ag_mul(G(0), ey)), &d, 1, true));
		out[0] = k.failed ? NULL : ag_sub(G(0), s);
	}
	if (NEED(1) && !k.failed) {
		ag_tensor *s = K(rsum(g, &d, 1, true));
		ag_tensor *t = K(ag_mul(K(ag_mul(G(0), ey)), s));
		out[1] = k.failed ? NULL : ag_neg(t);
	}
	drop(&k);
	return (NEED(0) && !out[0]) || (NEED(1) && !out[1]) ? -1 : 0;
}

/* ------------------------------------------------------------ nll_loss */

int ag_nll_loss_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_nll_args *a = AG_ARGS(self, ag_nll_args);
	ag_tensor *target = ag_node_saved(self, 0);
	ag_tensor *weight = a->has_weight ? ag_node_saved(self, 1) : NULL;
	ag_tensor *input = ag_node_saved(self, 2);

	if (target && input && (weight || !a->has_weight))
		out[0] = ag_nll_loss_backward(G(0), target, weight, input, a);
	rel(target);
	rel(weight);
	rel(input);
	return out[0] ? 0 : -1;
}

int ag_nll_loss_backward_bw(ag_node *self, ag_tensor **grads_in,
			    ag_tensor **out)
{
	const ag_nll_args *a = AG_ARGS(self, ag_nll_args);
	ag_tensor *target = ag_node_saved(self, 0);
	ag_tensor *weight = a->has_weight ? ag_node_saved(self, 1) : NULL;

	if (NEED(0) && target && (weight || !a->has_weight))
		out[0] = ag_nll_loss_again(G(0), target, weight, a);
	rel(target);
	rel(weight);
	if (NEED(0) && !out[0])
		return -1;
	/* the input's gradient: zero (the backward is linear in grad) */
	if (NEED(3) && !(out[3] = ag_zeros(a->in.size, a->in.ndim, G(0)->dtype)))
		return -1;
	return 0;
}

/* ------------------------------------------------------- normalisations */

/* dx for a normalisation over dims sd of xv with batch statistics, given
 * gw = grad * weight shaped like xv; *xhat gets the normalised input. */
static ag_tensor *stats_dx(ag_tensor *gw, ag_tensor *xv, const int *sd,
			   int nsd, double eps, ag_tensor **xhat)
{
	temps k = { 0 };
	ag_tensor *mu = K(rmean(xv, sd, nsd));
	ag_tensor *xc = K(ag_sub(xv, mu));
	ag_tensor *var = K(rmean(K(ag_mul(xc, xc)), sd, nsd));
	ag_tensor *rstd = K(ag_pow_scalar(K(ag_add_scalar(var, eps)), -0.5));
	ag_tensor *xh = K(ag_mul(xc, rstd));
	ag_tensor *dx = NULL;

	if (gw) {
		ag_tensor *m1 = K(rmean(gw, sd, nsd));
		ag_tensor *m2 = K(rmean(K(ag_mul(gw, xh)), sd, nsd));
		ag_tensor *in = K(ag_sub(K(ag_sub(gw, m1)), K(ag_mul(xh, m2))));
		dx = k.failed ? NULL : ag_mul(rstd, in);
	}
	*xhat = k.failed ? NULL : ref(xh);
	drop(&k);
	return dx;
}

/* dw = sum(g * xhat), db = sum(g) over dims ad (none: as they are) */
static int affine_grads(ag_node *self, ag_tensor *g, ag_tensor *xhat,
			const int *ad, int nad, ag_tensor **out)
{
	if (NEED(1)) {
		ag_tensor *p = ag_mul(g, xhat);
		out[1] = p ? rsum(p, ad, nad, false) : NULL;
		rel(p);
		if (!out[1])
			return -1;
	}
	if (NEED(2) && !(out[2] = rsum(g, ad, nad, false)))
		return -1;
	return 0;
}

/* w viewed to broadcast along dim 1 of an ndim-d input: [1, C, 1, ...] */
static ag_tensor *channel_view(ag_tensor *w, int ndim)
{
	int64_t shape[AG_MAX_DIMS];
	for (int i = 0; i < ndim; i++)
		shape[i] = i == 1 ? w->shape[0] : 1;
	return ag_view(w, shape, ndim);
}

/* The gradients of a normalisation node by its fused kernel (saved: x, w,
 * mean, rstd), for a backward that builds no graph. */
static int norm_fused(ag_node *self, ag_tensor **grads_in, ag_tensor *x,
		      ag_tensor *w, ag_tensor **out)
{
	ag_tensor *m = ag_node_saved(self, 2), *r = m ? ag_node_saved(self, 3) : NULL;
	ag_tensor *g3[3] = { NULL, NULL, NULL };
	bool need[3] = { NEED(0), NEED(1), NEED(2) };
	int rc = r ? ag_norm_backward_fused(self, G(0), x, w, m, r, need, g3) : -1;

	rel(m);
	rel(r);
	for (int i = 0; i < 3; i++) {
		if (NEED(i) && g3[i])
			out[i] = g3[i];
		else
			rel(g3[i]);
	}
	return rc;
}

/* layer_norm under create_graph: statistics over the dims from axis on */
static int layer_norm_graph(ag_node *self, ag_tensor **grads_in,
			    ag_tensor *x, ag_tensor *w, ag_tensor **out)
{
	const ag_layer_norm_args *a = AG_ARGS(self, ag_layer_norm_args);
	temps k = { 0 };
	int sd[AG_MAX_DIMS], ad[AG_MAX_DIMS], nsd = 0, nad = 0, rc = -1;

	for (int i = 0; i < x->ndim; i++) {
		if (i >= a->axis)
			sd[nsd++] = i;
		else
			ad[nad++] = i;
	}
	ag_tensor *gw = w ? K(ag_mul(G(0), w)) : G(0), *xhat = NULL;
	if (k.failed)
		goto done;
	ag_tensor *dx = stats_dx(NEED(0) ? gw : NULL, x, sd, nsd, a->eps, &xhat);
	K(xhat);
	if (NEED(0))
		out[0] = dx;
	if (k.failed || (NEED(0) && !dx))
		goto done;
	rc = affine_grads(self, G(0), xhat, ad, nad, out);
done:
	drop(&k);
	return rc;
}

/* batch_norm under create_graph: batch statistics over every dim but 1 in
 * training; in eval the running ones, constants */
static int batch_norm_graph(ag_node *self, ag_tensor **grads_in,
			    ag_tensor *x, ag_tensor *w, ag_tensor **out)
{
	const ag_batch_norm_args *a = AG_ARGS(self, ag_batch_norm_args);
	temps k = { 0 };
	int sd[AG_MAX_DIMS], nsd = 0, rc = -1;

	for (int i = 0; i < x->ndim; i++)
		if (i != 1)
			sd[nsd++] = i;
	ag_tensor *wv = w ? K(channel_view(w, x->ndim)) : NULL;
	ag_tensor *gw = wv ? K(ag_mul(G(0), wv)) : G(0), *xhat = NULL;
	if (k.failed)
		goto done;
	if (a->training) {
		ag_tensor *dx = stats_dx(NEED(0) ? gw : NULL, x, sd, nsd, a->eps,
					 &xhat);
		K(xhat);
		if (NEED(0))
			out[0] = dx;
		if (k.failed || (NEED(0) && !dx))
			goto done;
	} else {
		ag_tensor *m = K(ag_node_saved(self, 2));
		ag_tensor *r = K(ag_node_saved(self, 3));
		ag_tensor *mv = m ? K(channel_view(K(ag_detach(m)), x->ndim)) : NULL;
		ag_tensor *rv = r ? K(channel_view(K(ag_detach(r)), x->ndim)) : NULL;
		xhat = K(ag_mul(K(ag_sub(x, mv)), rv));
		if (k.failed)
			goto done;
		if (NEED(0) && !(out[0] = ag_mul(gw, rv)))
			goto done;
	}
	rc = affine_grads(self, G(0), xhat, sd, nsd, out);
done:
	drop(&k);
	return rc;
}

/* group_norm under create_graph: statistics over [N, groups, rest] */
static int group_norm_graph(ag_node *self, ag_tensor **grads_in,
			    ag_tensor *x, ag_tensor *w, ag_tensor **out)
{
	const ag_group_norm_args *a = AG_ARGS(self, ag_group_norm_args);
	temps k = { 0 };
	int64_t gshape[3] = { x->shape[0], a->groups, -1 };
	int sd = 2, ad[AG_MAX_DIMS], nad = 0, rc = -1;

	for (int i = 0; i < x->ndim; i++)
		if (i != 1)
			ad[nad++] = i;
	ag_tensor *wv = w ? K(channel_view(w, x->ndim)) : NULL;
	ag_tensor *gw = wv ? K(ag_mul(G(0), wv)) : G(0), *xhat_g = NULL;
	ag_tensor *xg = K(ag_reshape(x, gshape, 3));
	ag_tensor *gwg = K(ag_reshape(gw, gshape, 3));
	if (k.failed)
		goto done;
	ag_tensor *dx = stats_dx(NEED(0) ? gwg : NULL, xg, &sd, 1, a->eps,
				 &xhat_g);
	if (dx)
		K(dx);
	K(xhat_g);
	if (k.failed)
		goto done;
	if (NEED(0) && !(out[0] = ag_reshape(dx, x->shape, x->ndim)))
		goto done;
	ag_tensor *xhat = K(ag_reshape(xhat_g, x->shape, x->ndim));
	if (k.failed)
		goto done;
	rc = affine_grads(self, G(0), xhat, ad, nad, out);
done:
	drop(&k);
	return rc;
}

/* native_layer_norm, native_batch_norm, native_group_norm (saved: input,
 * weight, mean, rstd): the fused kernels when no graph of the backward is
 * wanted, else the formulas above.  A gradient reaching only the mean or
 * rstd outputs gives none, as in PyTorch. */
int ag_native_norm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	bool has_w = self->op == AG_OP_NATIVE_LAYER_NORM ?
		AG_ARGS(self, ag_layer_norm_args)->has_weight :
		self->op == AG_OP_NATIVE_BATCH_NORM ?
		AG_ARGS(self, ag_batch_norm_args)->has_weight :
		AG_ARGS(self, ag_group_norm_args)->has_weight;
	ag_tensor *x, *w = NULL;
	int rc = -1;

	if (!G(0))
		return 0;
	if (!(x = ag_node_saved(self, 0)))
		return -1;
	if (has_w && !(w = ag_node_saved(self, 1)))
		goto done;
	if (!ag_is_grad_enabled())
		rc = norm_fused(self, grads_in, x, w, out);
	else if (self->op == AG_OP_NATIVE_LAYER_NORM)
		rc = layer_norm_graph(self, grads_in, x, w, out);
	else if (self->op == AG_OP_NATIVE_BATCH_NORM)
		rc = batch_norm_graph(self, grads_in, x, w, out);
	else
		rc = group_norm_graph(self, grads_in, x, w, out);
done:
	rel(x);
	rel(w);
	return rc;
}

/* ------------------------------------------------------- pointwise losses */

int ag_pointwise_loss_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_loss_args *a = AG_ARGS(self, ag_loss_args);
	temps k = { 0 };
	ag_tensor *x = K(ag_node_saved(self, 0)), *t = K(ag_node_saved(self, 1));
	ag_tensor *w = a->has_weight ? K(ag_node_saved(self, 2)) : NULL;
	ag_tensor *pw = a->has_pos_weight ? K(ag_node_saved(self, 3)) : NULL;
	ag_tensor *gx = NULL, *gt = NULL, *g;
	int rc = -1;

	if (k.failed || ag_loss_term_grads(self->op, x, t, w, pw, a->param, &gx,
					   NEED(1) ? &gt : NULL) < 0)
		goto done;
	K(gx);
	if (gt)
		K(gt);
	g = a->reduction == AG_REDUCTION_MEAN ?
		K(ag_grad_mul_scalar(G(0), 1.0 / (double)a->numel)) : G(0);
	if (k.failed)
		goto done;
	if (NEED(0) && !(out[0] = ag_mul(gx, g)))
		goto done;
	if (NEED(1) && !(out[1] = ag_mul(gt, g)))
		goto done;
	rc = 0;
done:
	drop(&k);
	return rc;
}

/* ------------------------------------------------------------ embedding */

int ag_embedding_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_embedding_args *a = AG_ARGS(self, ag_embedding_args);
	ag_tensor *idx = ag_node_saved(self, 0);
	out[0] = idx ? ag_embedding_backward(G(0), idx, a) : NULL;
	rel(idx);
	return out[0] ? 0 : -1;
}

int ag_embedding_dense_backward_bw(ag_node *self, ag_tensor **grads_in,
				   ag_tensor **out)
{
	const ag_embedding_args *a = AG_ARGS(self, ag_embedding_args);
	ag_tensor *idx = ag_node_saved(self, 0);
	out[0] = idx ? ag_embedding_again(G(0), idx, a) : NULL;
	rel(idx);
	return out[0] ? 0 : -1;
}

/* ---------------------------------------------------------- convolution */

/* A transposed convolution y of x is the adjoint of the convolution
 * (same weight) of y: the gradient in x is that convolution of gy, the
 * one in the weight that convolution's weight gradient for the
 * grad_output x (zero-padded to its positions when output_padding made y
 * longer), the bias's the sum of gy; all recorded under create_graph. */
static int conv_transpose_bw(ag_node *self, ag_tensor *gy, const bool need[3],
			     ag_tensor **out)
{
	ag_conv_args reg = *AG_ARGS(self, ag_conv_args);
	temps k = { 0 };
	ag_tensor *x = K(ag_node_saved(self, 0)), *w = K(ag_node_saved(self, 1));
	int rc = -1;

	if (k.failed)
		goto done;
	reg.transposed = false;
	reg.has_bias = false;
	if (need[0]) {
		ag_tensor *c = K(ag_convolution(gy, w, NULL, &reg));
		for (int d = 2; c && d < c->ndim; d++)
			if (c->shape[d] != x->shape[d])
				c = K(ag_narrow(c, d, 0, x->shape[d]));
		if (!c)
			goto done;
		out[0] = ref(c);
	}
	if (need[1]) {
		ag_tensor *g3[3] = { NULL, NULL, NULL };
		ag_tensor *xf = K(ag_conv_transpose_fit(x, gy->shape, w,
				  AG_ARGS(self, ag_conv_args)));
		static const bool only_w[3] = { false, true, false };
		if (!xf)
			goto done;
		if ((ag_is_grad_enabled() ?
		     ag_convolution_backward(xf, gy, w, &reg, g3) :
		     ag_conv_backward_fused(xf, gy, w, &reg, only_w, g3)) < 0)
			goto done;
		out[1] = g3[1];
		rel(g3[0]);
		rel(g3[2]);
	}
	if (need[2]) {
		int dims[3] = { 0, 2, 3 };
		if (!(out[2] = rsum(gy, dims, gy->ndim - 1, false)))
			goto done;
	}
	rc = 0;
done:
	drop(&k);
	return rc;
}

/* The fused kernel without a graph; under create_graph the recorded
 * convolution_backward op, whose own derivative follows. */
int ag_convolution_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_conv_args *a = AG_ARGS(self, ag_conv_args);
	bool need[3] = { NEED(0), NEED(1), a->has_bias && NEED(2) };
	ag_tensor *x, *w, *g3[3] = { NULL, NULL, NULL };
	int rc = -1;

	if (!G(0))
		return 0;
	if (a->transposed)
		return conv_transpose_bw(self, G(0), need, out);
	x = ag_node_saved(self, 0);
	w = ag_node_saved(self, 1);
	if (x && w)
		rc = ag_is_grad_enabled() ?
			ag_convolution_backward(G(0), x, w, a, g3) :
			ag_conv_backward_fused(G(0), x, w, a, need, g3);
	for (int i = 0; i < 3; i++) {
		if (rc == 0 && need[i])
			out[i] = g3[i];
		else
			rel(g3[i]);
	}
	rel(x);
	rel(w);
	return rc;
}

/* ggb [O] shaped to broadcast over a gradient of the output like g */
static ag_tensor *bias_like(ag_tensor *ggb, const ag_tensor *g)
{
	int64_t shape[AG_MAX_DIMS];
	ag_tensor *r, *e;

	for (int i = 0; i < g->ndim; i++)
		shape[i] = i == 1 ? g->shape[1] : 1;
	if (!(r = ag_reshape(ggb, shape, g->ndim)))
		return NULL;
	e = ag_expand(r, g->shape, g->ndim);
	rel(r);
	return e;
}

/* convolution_backward's derivative: in grad_output, the convolution of
 * the incoming gradients (ggI with the weight, the input with ggW, plus
 * ggb); in the input and the weight, convolution_backward of the saved
 * gradient with ggW and ggI in their places. */
int ag_convolution_backward_bw(ag_node *self, ag_tensor **grads_in,
			       ag_tensor **out)
{
	ag_conv_args a = *AG_ARGS(self, ag_conv_args);
	temps k = { 0 };
	ag_tensor *g = K(ag_node_saved(self, 0)), *x = K(ag_node_saved(self, 1));
	ag_tensor *w = K(ag_node_saved(self, 2)), *g3[3] = { NULL, NULL, NULL };
	int rc = -1;

	if (k.failed)
		goto done;
	a.has_bias = false;
	if (NEED(0) && (G(0) || G(1) || G(2))) {
		ag_tensor *acc = NULL;
		if (G(0))
			acc = K(ag_convolution(G(0), w, NULL, &a));
		if (G(1)) {
			ag_tensor *t = K(ag_convolution(x, G(1), NULL, &a));
			acc = acc && t ? K(ag_add(acc, t)) : t;
		}
		if (G(2)) {
			ag_tensor *t = K(bias_like(G(2), g));
			acc = acc && t ? K(ag_add(acc, t)) : t;
		}
		if (k.failed)
			goto done;
		out[0] = ref(acc);
	}
	if (NEED(1) && G(1)) {
		if (ag_convolution_backward(g, x, G(1), &a, g3) < 0)
			goto done;
		out[1] = g3[0];
		rel(g3[1]);
		rel(g3[2]);
	}
	if (NEED(2) && G(0)) {
		if (ag_convolution_backward(g, G(0), w, &a, g3) < 0)
			goto done;
		out[2] = g3[1];
		rel(g3[0]);
		rel(g3[2]);
	}
	rc = 0;
done:
	drop(&k);
	return rc;
}

/* -------------------------------------------------------------- pooling */

int ag_max_pool2d_with_indices_bw(ag_node *self, ag_tensor **grads_in,
				  ag_tensor **out)
{
	const ag_pool_args *a = AG_ARGS(self, ag_pool_args);
	ag_tensor *x, *idx;

	if (!G(0))
		return 0;
	x = ag_node_saved(self, 0);
	idx = ag_node_saved(self, 1);
	if (x && idx)
		out[0] = ag_max_pool2d_backward(G(0), x, idx, a);
	rel(x);
	rel(idx);
	return out[0] ? 0 : -1;
}

/* The derivative of max_pool2d's backward in its gradient: the incoming
 * gradient read back at the indices (index_select over the flattened
 * planes, so it is differentiable again). */
int ag_max_pool2d_with_indices_backward_bw(ag_node *self, ag_tensor **grads_in,
					   ag_tensor **out)
{
	const ag_pool_args *a = AG_ARGS(self, ag_pool_args);
	temps k = { 0 };
	ag_tensor *idx;
	int rc = -1;

	if (!G(0))
		return 0;
	idx = K(ag_node_saved(self, 0));
	if (k.failed)
		goto done;
	/* the input's gradient: zero (the backward is linear in grad) */
	if (NEED(1) && !(out[1] = ag_zeros(G(0)->shape, G(0)->ndim,
					   G(0)->dtype)))
		goto done;
	if (!NEED(0)) {
		rc = 0;
		goto done;
	}
	int64_t plane = a->in_h * a->in_w, n = ag_numel(idx), total;
	int64_t per = idx->shape[idx->ndim - 2] * idx->shape[idx->ndim - 1];
	int64_t pshape[2] = { per ? n / per : 0, per };
	ag_tensor *base = K(ag_arange(0, (double)(pshape[0] * plane),
				      (double)plane, AG_INT64));
	ag_tensor *b2 = base ? K(ag_unsqueeze(base, 1)) : NULL;
	ag_tensor *i2 = b2 ? K(ag_reshape(idx, pshape, 2)) : NULL;
	ag_tensor *gi = i2 ? K(ag_add(i2, b2)) : NULL;
	ag_tensor *flat = gi ? K(ag_reshape(gi, &n, 1)) : NULL;
	total = ag_numel(G(0));
	ag_tensor *gg = flat ? K(ag_reshape(G(0), &total, 1)) : NULL;
	ag_tensor *sel = gg ? K(ag_index_select(gg, 0, flat)) : NULL;
	if (!sel || k.failed)
		goto done;
	out[0] = ag_reshape(sel, idx->shape, idx->ndim);
	rc = out[0] ? 0 : -1;
done:
	drop(&k);
	return rc;
}

int ag_avg_pool2d_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x;

	if (!G(0))
		return 0;
	if (!(x = ag_node_saved(self, 0)))
		return -1;
	out[0] = ag_avg_pool2d_backward(G(0), x, AG_ARGS(self, ag_pool_args));
	rel(x);
	return out[0] ? 0 : -1;
}

int ag_avg_pool2d_backward_bw(ag_node *self, ag_tensor **grads_in,
			      ag_tensor **out)
{
	const ag_pool_args *a = AG_ARGS(self, ag_pool_args);

	if (!G(0))
		return 0;
	if (NEED(0) && !(out[0] = ag_avg_pool2d(G(0), a)))
		return -1;
	if (NEED(1) && !(out[1] = ag_zeros(G(0)->shape, G(0)->ndim,
					   G(0)->dtype)))
		return -1;
	return 0;
}

int ag_adaptive_avg_pool2d_bw(ag_node *self, ag_tensor **grads_in,
			      ag_tensor **out)
{
	ag_tensor *x;

	if (!G(0))
		return 0;
	if (!(x = ag_node_saved(self, 0)))
		return -1;
	out[0] = ag_adaptive_avg_pool2d_backward(G(0), x,
						 AG_ARGS(self, ag_pool_args));
	rel(x);
	return out[0] ? 0 : -1;
}

int ag_adaptive_avg_pool2d_backward_bw(ag_node *self, ag_tensor **grads_in,
				       ag_tensor **out)
{
	const ag_pool_args *a = AG_ARGS(self, ag_pool_args);

	if (!G(0))
		return 0;
	if (NEED(0) && !(out[0] = ag_adaptive_avg_pool2d(G(0), a)))
		return -1;
	if (NEED(1) && !(out[1] = ag_zeros(G(0)->shape, G(0)->ndim,
					   G(0)->dtype)))
		return -1;
	return 0;
}
