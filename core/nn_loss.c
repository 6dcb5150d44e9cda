/*
 * nn_loss.c - the elementwise losses that PyTorch gives a node of their
 * own (mse_loss, smooth_l1_loss, huber_loss, binary_cross_entropy,
 * binary_cross_entropy_with_logits), and embedding with its backward op.
 *
 * A loss broadcasts input and target to one shape (the expand is recorded
 * like any), computes its terms with core's ops, reduces them, and records
 * one node whose backward (grad_nn.c) is written with core's ops too, so
 * its second derivative is exact.  The terms and their derivatives are
 * both here, next to each other.
 */
#include "nn.h"

#include <math.h>

/* Keeps a temporary of a formula (tmp holds up to 32) for release_all. */
static ag_tensor *push_tmp(ag_tensor **tmp, int *n, ag_tensor *t)
{
	if (*n < 32)
		tmp[(*n)++] = t;
	return t;
}

#define R(x) push_tmp(tmp, &ntmp, (x))

/* Releases the temporaries of a formula. */
static void release_all(ag_tensor **tmp, int n)
{
	for (int i = 0; i < n; i++)
		ag_tensor_release(tmp[i]);
}

static ag_tensor *num(double v, const ag_tensor *like)
{
	return ag_scalar(v, like->dtype);
}

/* (a > 0) - (a < 0) in a's dtype, as a constant */
static ag_tensor *sign_of(ag_tensor *a)
{
	ag_tensor *z = num(0, a), *p = NULL, *n = NULL, *r = NULL;
	ag_tensor *pf = NULL, *nf = NULL;
	if (z) {
		p = ag_binary(AG_OP_GT, a, z);
		n = ag_binary(AG_OP_LT, a, z);
	}
	if (p && n) {
		pf = ag_to_dtype(p, a->dtype);
		nf = ag_to_dtype(n, a->dtype);
	}
	if (pf && nf)
		r = ag_sub(pf, nf);
	ag_tensor_release(z);
	ag_tensor_release(p);
	ag_tensor_release(n);
	ag_tensor_release(pf);
	ag_tensor_release(nf);
	return r;
}

/* where(|d| < k, a, b) */
static ag_tensor *where_small(ag_tensor *d, double k, bool strict,
			      ag_tensor *a, ag_tensor *b)
{
	ag_tensor *ad = ag_unary(AG_OP_ABS, d), *kk = ad ? num(k, d) : NULL;
	ag_tensor *c = kk ? ag_binary(strict ? AG_OP_LT : AG_OP_LE, ad, kk) : NULL;
	ag_tensor *r = c ? ag_where(c, a, b) : NULL;
	ag_tensor_release(ad);
	ag_tensor_release(kk);
	ag_tensor_release(c);
	return r;
}

/* log(v) clamped below at -100, as PyTorch's binary_cross_entropy */
static ag_tensor *clamped_log(ag_tensor *v)
{
	ag_tensor *l = ag_log(v);
	if (!l)
		return NULL;
	ag_tensor *r = ag_clamp(l, -100.0, NAN);
	ag_tensor_release(l);
	return r;
}

/* softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0), stable */
static ag_tensor *softplus_neg(ag_tensor *x)
{
	ag_tensor *tmp[32];
	int ntmp = 0;
	ag_tensor *r = NULL;
	ag_tensor *ax = R(ag_unary(AG_OP_ABS, x));
	ag_tensor *e = ax ? R(ag_exp(R(ag_neg(ax)))) : NULL;
	ag_tensor *l = e ? R(ag_log(R(ag_add_scalar(e, 1.0)))) : NULL;
	ag_tensor *m = l ? R(ag_unary(AG_OP_RELU, R(ag_neg(x)))) : NULL;
	if (m)
		r = ag_add(l, m);
	release_all(tmp, ntmp);
	return r;
}

/* The loss terms (before reduction) of each loss, with core's ops. */
ag_tensor *ag_loss_terms(ag_op op, ag_tensor *x, ag_tensor *t, ag_tensor *w,
			 ag_tensor *pw, double param)
{
	ag_tensor *tmp[32];
	int ntmp = 0;
	ag_tensor *r = NULL, *d;

	switch (op) {
	case AG_OP_MSE_LOSS:
		d = R(ag_sub(x, t));
		r = d ? ag_mul(d, d) : NULL;
		break;
	case AG_OP_SMOOTH_L1_LOSS: {
		/* |d| < beta: 0.5 d^2 / beta; else |d| - 0.5 beta */
		d = R(ag_sub(x, t));
		ag_tensor *ad = d ? R(ag_unary(AG_OP_ABS, d)) : NULL;
		if (ad && param == 0) {
			r = ag_clone(ad);
			break;
		}
		ag_tensor *q = ad ? R(ag_mul_scalar(R(ag_mul(d, d)), 0.5 / param)) : NULL;
		ag_tensor *l = q ? R(ag_add_scalar(ad, -0.5 * param)) : NULL;
		r = l ? where_small(d, param, true, q, l) : NULL;
		break;
	}
	case AG_OP_HUBER_LOSS: {
		/* |d| < delta: 0.5 d^2; else delta (|d| - 0.5 delta) */
		d = R(ag_sub(x, t));
		ag_tensor *ad = d ? R(ag_unary(AG_OP_ABS, d)) : NULL;
		ag_tensor *q = ad ? R(ag_mul_scalar(R(ag_mul(d, d)), 0.5)) : NULL;
		ag_tensor *l = q ? R(ag_mul_scalar(R(ag_add_scalar(ad, -0.5 * param)),
					       param)) : NULL;
		r = l ? where_small(d, param, true, q, l) : NULL;
		break;
	}
	case AG_OP_BINARY_CROSS_ENTROPY: {
		/* -(t log x + (1 - t) log(1 - x)), logs clamped at -100 */
		ag_tensor *lx = R(clamped_log(x));
		ag_tensor *omx = lx ? R(ag_add_scalar(R(ag_neg(x)), 1.0)) : NULL;
		ag_tensor *l1x = omx ? R(clamped_log(omx)) : NULL;
		ag_tensor *omt = l1x ? R(ag_add_scalar(R(ag_neg(t)), 1.0)) : NULL;
		ag_tensor *s = omt ? R(ag_add(R(ag_mul(t, lx)), R(ag_mul(omt, l1x)))) : NULL;
		r = s ? ag_neg(s) : NULL;
		break;
	}
	case AG_OP_BCE_WITH_LOGITS: {
		/* (1 - t) x + (1 + (pw - 1) t) softplus(-x) */
		ag_tensor *omt = R(ag_add_scalar(R(ag_neg(t)), 1.0));
		ag_tensor *sp = omt ? R(softplus_neg(x)) : NULL;
		ag_tensor *lw = NULL;
		if (sp && pw)
			lw = R(ag_add_scalar(R(ag_mul(R(ag_add_scalar(pw, -1.0)), t)), 1.0));
		ag_tensor *b = sp ? R(lw ? ag_mul(lw, sp) : (ag_tensor_retain(sp), sp)) : NULL;
		r = b ? ag_add(R(ag_mul(omt, x)), b) : NULL;
		break;
	}
	default:
		ag_error(AG_ERR_RUNTIME, "not a loss: %s", ag_op_name(op));
		break;
	}
	if (r && w) {
		ag_tensor *rw = ag_mul(r, w);
		ag_tensor_release(r);
		r = rw;
	}
	release_all(tmp, ntmp);
	return r;
}

/* d(terms)/dx and d(terms)/dt (times the weight), as recorded ops; either
 * pointer may be NULL when not wanted. */
int ag_loss_term_grads(ag_op op, ag_tensor *x, ag_tensor *t, ag_tensor *w,
		       ag_tensor *pw, double param, ag_tensor **gx,
		       ag_tensor **gt)
{
	ag_tensor *tmp[32];
	int ntmp = 0;
	ag_tensor *dx = NULL, *d;

	*gx = NULL;
	if (gt)
		*gt = NULL;
	switch (op) {
	case AG_OP_MSE_LOSS:
		d = R(ag_sub(x, t));
		dx = d ? ag_mul_scalar(d, 2.0) : NULL;
		break;
	case AG_OP_SMOOTH_L1_LOSS: {
		d = R(ag_sub(x, t));
		ag_tensor *sg = d ? R(sign_of(d)) : NULL;
		if (sg && param == 0) {
			dx = ag_clone(sg);
			break;
		}
		ag_tensor *lin = sg ? R(ag_mul_scalar(d, 1.0 / param)) : NULL;
		dx = lin ? where_small(d, param, true, lin, sg) : NULL;
		break;
	}
	case AG_OP_HUBER_LOSS: {
		d = R(ag_sub(x, t));
		ag_tensor *sg = d ? R(sign_of(d)) : NULL;
		ag_tensor *out = sg ? R(ag_mul_scalar(sg, param)) : NULL;
		dx = out ? where_small(d, param, true, d, out) : NULL;
		break;
	}
	case AG_OP_BINARY_CROSS_ENTROPY: {
		/* dx = (x - t) / max((1 - x) x, 1e-12);
		 * dt = log(1 - x) - log(x), the logs clamped */
		ag_tensor *omx = R(ag_add_scalar(R(ag_neg(x)), 1.0));
		ag_tensor *den = omx ? R(ag_clamp(R(ag_mul(omx, x)), 1e-12, NAN)) : NULL;
		dx = den ? ag_div(R(ag_sub(x, t)), den) : NULL;
		if (dx && gt) {
			*gt = ag_sub(R(clamped_log(omx)), R(clamped_log(x)));
			if (!*gt)
				goto fail;
		}
		break;
	}
	case AG_OP_BCE_WITH_LOGITS: {
		/* dx = lw sigmoid(x) - pw t (pw t -> t without pos_weight),
		 * lw = 1 + (pw - 1) t;  dt = (pw - 1) softplus(-x) - x */
		ag_tensor *sx = R(ag_unary(AG_OP_SIGMOID, x));
		ag_tensor *pt = sx ? R(pw ? ag_mul(pw, t) : (ag_tensor_retain(t), t)) : NULL;
		ag_tensor *lw = pt ? R(pw ? ag_add_scalar(R(ag_sub(pt, t)), 1.0) :
				       ag_scalar(1.0, x->dtype)) : NULL;
		dx = lw ? ag_sub(R(ag_mul(lw, sx)), pt) : NULL;
		if (dx && gt) {
			ag_tensor *sp = R(softplus_neg(x));
			if (sp && pw)
				*gt = ag_sub(R(ag_mul(R(ag_add_scalar(pw, -1.0)), sp)), x);
			else if (sp)
				*gt = ag_neg(x);
			if (!*gt)
				goto fail;
		}
		break;
	}
	default:
		ag_error(AG_ERR_RUNTIME, "not a loss: %s", ag_op_name(op));
		break;
	}
	if (!dx)
		goto fail;
	if (gt && !*gt) {
		/* the losses of x - t: dt = -dx */
		if (!(*gt = ag_neg(dx)))
			goto fail;
	}
	if (w) {
		ag_tensor *a = ag_mul(dx, w);
		ag_tensor_release(dx);
		dx = a;
		if (!dx)
			goto fail;
		if (gt) {
			ag_tensor *b = ag_mul(*gt, w);
			ag_tensor_release(*gt);
			if (!(*gt = b))
				goto fail;
		}
	}
	*gx = dx;
	release_all(tmp, ntmp);
	return 0;
fail:
	ag_tensor_release(dx);
	if (gt) {
		ag_tensor_release(*gt);
		*gt = NULL;
	}
	release_all(tmp, ntmp);
	return -1;
}

static int check_loss_dtype(ag_op op, const ag_tensor *x)
{
	if (ag_dtype_is_floating(x->dtype))
		return 0;
	return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
			op == AG_OP_MSE_LOSS ? "mse_cpu" :
			op == AG_OP_BINARY_CROSS_ENTROPY ? "binary_cross_entropy" :
			ag_op_name(op), ag_dtype_scalar_name(x->dtype));
}

ag_tensor *ag_pointwise_loss(ag_op op, ag_tensor *x, ag_tensor *t,
			     ag_tensor *w, ag_tensor *pw, int reduction,
			     double param)
{
	ag_loss_args a = { .reduction = reduction, .param = param,
			   .has_weight = w != NULL, .has_pos_weight = pw != NULL };
	int64_t shape[AG_MAX_DIMS];
	int ndim;
	ag_tensor *xe = NULL, *te = NULL, *terms = NULL, *out = NULL;
	char s1[128], s2[128];

	if (check_loss_dtype(op, x) < 0)
		return NULL;
	if (op == AG_OP_BINARY_CROSS_ENTROPY && !ag_same_shape(x, t)) {
		ag_error(AG_ERR_SHAPE, "Using a target size (%s) that is different "
			 "to the input size (%s) is deprecated. Please ensure they "
			 "have the same size.",
			 ag_shape_str(t->shape, t->ndim, s1, sizeof s1),
			 ag_shape_str(x->shape, x->ndim, s2, sizeof s2));
		return NULL;
	}
	if (op == AG_OP_BCE_WITH_LOGITS && !ag_same_shape(x, t)) {
		ag_error(AG_ERR_SHAPE, "Target size (%s) must be the same as input "
			 "size (%s)", ag_shape_str(t->shape, t->ndim, s1, sizeof s1),
			 ag_shape_str(x->shape, x->ndim, s2, sizeof s2));
		return NULL;
	}
	if (ag_broadcast_shapes(x->shape, x->ndim, t->shape, t->ndim, shape,
				&ndim) < 0)
		return NULL;
	xe = ag_expand(x, shape, ndim);
	te = xe ? ag_expand(t, shape, ndim) : NULL;
	if (!te)
		goto done;
	a.numel = ag_numel(xe);
	{
		bool was = ag_set_grad_enabled(false);
		terms = ag_loss_terms(op, xe, te, w, pw, param);
		if (terms && reduction != AG_REDUCTION_NONE)
			out = (reduction == AG_REDUCTION_MEAN ? ag_mean : ag_sum)(terms);
		else if (terms)
			out = ag_contiguous(terms);
		ag_set_grad_enabled(was);
	}
	out = ag_recorded(out, (ag_call){ .op = op,
		.in = (ag_tensor *[]){ xe, te, w, pw }, .nin = 4, .args = &a,
		.args_size = sizeof a });
done:
	ag_tensor_release(xe);
	ag_tensor_release(te);
	ag_tensor_release(terms);
	return out;
}

/* ------------------------------------------------------------ embedding */

/* rows of weight at the 0-based indices, shaped indices.shape + [D] */
static ag_tensor *gather_rows(ag_tensor *weight, ag_tensor *indices)
{
	int64_t n = ag_numel(indices), shape[AG_MAX_DIMS];
	ag_tensor *flat = ag_reshape(indices, &n, 1);
	ag_tensor *rows = flat ? ag_index_select(weight, 0, flat) : NULL;
	ag_tensor *r = NULL;

	for (int i = 0; i < indices->ndim; i++)
		shape[i] = indices->shape[i];
	shape[indices->ndim] = weight->shape[1];
	if (rows)
		r = ag_reshape(rows, shape, indices->ndim + 1);
	ag_tensor_release(flat);
	ag_tensor_release(rows);
	return r;
}

ag_tensor *ag_embedding(ag_tensor *weight, ag_tensor *indices,
			int64_t padding_idx)
{
	ag_embedding_args a = { .padding_idx = padding_idx,
				.num_weights = weight->ndim ? weight->shape[0] : 0 };
	ag_tensor *out;

	if (weight->ndim != 2) {
		ag_error(AG_ERR_SHAPE, "'weight' must be 2-D");
		return NULL;
	}
	if (indices->dtype != AG_INT64 && indices->dtype != AG_INT32) {
		ag_error(AG_ERR_DTYPE, "Expected tensor for argument #1 'indices' "
			 "to have one of the following scalar types: Long, Int; "
			 "but got torch.%s instead (while checking arguments for "
			 "embedding)", ag_dtype_legacy_name(indices->dtype));
		return NULL;
	}
	/* int32 indices (PyTorch takes Int too) read as int64: the lookup,
	 * the range check and the saved indices of backward are int64's */
	ag_tensor *ic = indices->dtype == AG_INT32 ? ag_to_dtype(indices, AG_INT64)
						  : ag_contiguous(indices);
	if (!ic)
		return NULL;
	if (indices->dtype == AG_INT32)
		indices = ic;
	const int64_t *ip = ag_data_ptr(ic);
	for (int64_t i = 0; i < ag_numel(ic); i++) {
		if (ip[i] < 0 || ip[i] >= a.num_weights) {
			ag_tensor_release(ic);
			ag_error(AG_ERR_INDEX, "index out of range in self");
			return NULL;
		}
	}
	bool was = ag_set_grad_enabled(false);
	out = gather_rows(weight, indices);
	ag_tensor *c = out ? ag_contiguous(out) : NULL;
	ag_tensor_release(out);
	out = c;
	ag_set_grad_enabled(was);
	out = ag_recorded(out, (ag_call){ .op = AG_OP_EMBEDDING,
		.in = (ag_tensor *[]){ weight, indices }, .nin = 2, .args = &a,
		.args_size = sizeof a });
	ag_tensor_release(ic);
	return out;
}

/* grad_weight: each row of g added at its index, padding_idx's row 0 */
ag_tensor *ag_embedding_backward(ag_tensor *g, ag_tensor *indices,
				 const ag_embedding_args *a)
{
	int64_t n = ag_numel(indices), D = g->shape[g->ndim - 1];
	int64_t shape2[2] = { n, D }, wshape[2] = { a->num_weights, D };
	bool was = ag_set_grad_enabled(false);
	ag_tensor *flat = ag_reshape(indices, &n, 1);
	ag_tensor *g2 = flat ? ag_reshape(g, shape2, 2) : NULL;
	ag_tensor *out = g2 ? ag_index_add_zeros(g2, 0, flat, wshape, 2) : NULL;

	if (out && a->padding_idx >= 0 && a->padding_idx < a->num_weights) {
		ag_tensor *row = ag_select(out, 0, a->padding_idx);
		if (!row || ag_zero_(row) < 0) {
			ag_tensor_release(out);
			out = NULL;
		}
		ag_tensor_release(row);
	}
	ag_tensor_release(flat);
	ag_tensor_release(g2);
	ag_set_grad_enabled(was);
	return ag_recorded(out, (ag_call){ .op = AG_OP_EMBEDDING_DENSE_BACKWARD,
		.in = (ag_tensor *[]){ g, indices }, .nin = 2, .args = a,
		.args_size = sizeof *a });
}

/* the derivative of embedding_dense_backward in g: the rows of gg at the
 * indices, zero where an index is padding_idx */
ag_tensor *ag_embedding_again(ag_tensor *gg, ag_tensor *indices,
			      const ag_embedding_args *a)
{
	ag_tensor *rows = gather_rows(gg, indices);
	if (!rows || a->padding_idx < 0)
		return rows;
	ag_tensor *p = ag_scalar((double)a->padding_idx, AG_INT64);
	ag_tensor *keep = p ? ag_binary(AG_OP_NE, indices, p) : NULL;
	ag_tensor *kf = keep ? ag_to_dtype(keep, rows->dtype) : NULL;
	ag_tensor *ku = kf ? ag_unsqueeze(kf, kf->ndim) : NULL;
	ag_tensor *r = ku ? ag_mul(rows, ku) : NULL;
	ag_tensor_release(p);
	ag_tensor_release(keep);
	ag_tensor_release(kf);
	ag_tensor_release(ku);
	ag_tensor_release(rows);
	return r;
}
