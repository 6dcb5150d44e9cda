/*
 * quantile.c - torch.quantile and torch.nanquantile, composed as PyTorch
 * 1.13 composes them: sort the values along the dim (or all of them), find
 * each quantile's rank among the row's values (NaN rows give NaN, or, for
 * nanquantile, the ranks count only the numbers), gather the values below
 * and above, and lerp between them.  Sort, gather, lerp and the views
 * record as they run, so the result is differentiable (and twice) through
 * them, as PyTorch's is; the ranks are plain numbers.  float16 and
 * bfloat16 are computed in float32 and rounded on store (issue 13).
 */
#include "internal.h"

#include <math.h>
#include <string.h>

static const char *const interp_names[] = {
	"linear", "lower", "higher", "midpoint", "nearest"
};

int ag_quantile_interpolation(const char *name)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(name, interp_names[i]) == 0)
			return i;
	return ag_error(AG_ERR_VALUE, "quantile() interpolation must be one of "
			"linear, lower, higher, midpoint or nearest, but got %s",
			name);
}

static int check(const ag_tensor *t, const ag_tensor *q, const char *fname)
{
	if (!ag_dtype_is_floating(t->dtype))
		return ag_error(AG_ERR_DTYPE, "%s() input tensor must be either "
				"float or double dtype", fname);
	if (q->dtype != t->dtype)
		return ag_error(AG_ERR_DTYPE, "%s() q tensor must be same dtype as "
				"the input tensor", fname);
	if (q->ndim > 1)
		return ag_error(AG_ERR_SHAPE, "%s() q must be a scalar or 1D tensor",
				fname);
	if (ag_numel(t) == 0)
		return ag_error(AG_ERR_VALUE, "%s() input tensor must be non-empty",
				fname);
	return 0;
}

/* Every q in [0, 1]: qd is dense. */
static int check_q(const ag_tensor *qd, const char *fname)
{
	for (int64_t i = 0; i < ag_numel(qd); i++) {
		double v = ag_load((const char *)ag_data_ptr(qd) +
				   (size_t)i * ag_dtype_size(qd->dtype), qd->dtype);
		if (!(v >= 0 && v <= 1))
			return ag_error(AG_ERR_VALUE, "%s() q values must be in the "
					"range [0, 1]", fname);
	}
	return 0;
}

/* The rank of quantile qv in a row of n sorted values, `valid` of them
 * numbers, in the input's type T (PyTorch computes ranks in it). */
#define RANK(T, qv, n, valid, ignore_nan, interp, below, above, weight) do { \
	T rank_;							\
	if (ignore_nan) {						\
		rank_ = (T)(qv) * (T)((valid) - 1);			\
		if (rank_ < 0)						\
			rank_ = 0;					\
	} else {							\
		rank_ = (valid) < (n) ? (T)((n) - 1) :			\
			(T)(qv) * (T)((n) - 1);				\
	}								\
	if ((interp) == 1) rank_ = floor(rank_);			\
	else if ((interp) == 2) rank_ = ceil(rank_);			\
	else if ((interp) == 4) rank_ = nearbyint(rank_);		\
	(below) = (int64_t)rank_;					\
	(above) = (int64_t)ceil(rank_);					\
	(weight) = (interp) == 3 ? 0.5 : (double)(rank_ - (T)(below));	\
} while (0)

ag_tensor *ag_quantile(ag_tensor *t, ag_tensor *q, const int *dim,
		       bool keepdim, int interp, bool ignore_nan)
{
	const char *fname = ignore_nan ? "nanquantile" : "quantile";
	int d = 0;

	if (!t || !q) {
		ag_error(AG_ERR_VALUE, "%s(): expected a tensor and q", fname);
		return NULL;
	}
	if (check(t, q, fname) < 0)
		return NULL;
	if (interp < 0 || interp > 4) {
		ag_error(AG_ERR_VALUE, "%s(): unknown interpolation %d", fname, interp);
		return NULL;
	}
	if (ag_dtype_is_half(t->dtype)) {
		/* float32 inside (ranks, lerp), the result rounded on store;
		 * the casts record, so the gradient comes back 16-bit */
		ag_tensor *tf = ag_to_dtype(t, AG_FLOAT32);
		ag_tensor *qf = tf ? ag_to_dtype(q, AG_FLOAT32) : NULL;
		ag_tensor *rf = qf ? ag_quantile(tf, qf, dim, keepdim, interp,
						 ignore_nan) : NULL;
		ag_tensor *r = rf ? ag_to_dtype(rf, t->dtype) : NULL;
		ag_tensor_release(tf);
		ag_tensor_release(qf);
		ag_tensor_release(rf);
		return r;
	}
	ag_tensor *qd = ag_contiguous(q);
	if (!qd || check_q(qd, fname) < 0) {
		ag_tensor_release(qd);
		return NULL;
	}
	if (dim && ag_wrap_dim(*dim, t->ndim ? t->ndim : 1, &d) < 0)
		return NULL;

	/* the output's shape (q's dim first when q is a list) */
	int64_t shape[AG_MAX_DIMS + 1];
	int nout = 0;
	int64_t nq = ag_numel(q);
	if (q->ndim == 1)
		shape[nout++] = nq;
	for (int i = 0; i < t->ndim; i++) {
		if (dim ? i != d : false)
			shape[nout++] = t->shape[i];
		else if (keepdim)
			shape[nout++] = 1;
	}

	/* the values to pick from, sorted, one row each: (rows, n) */
	ag_tensor *x = dim ? (t->ndim ? ag_unsqueeze(t, t->ndim) : ag_reshape(t,
			(int64_t[]){ 1, 1 }, 2)) : ag_reshape(t, (int64_t[]){ -1 }, 1);
	ag_tensor *xt = x && dim && t->ndim ? ag_transpose(x, d, t->ndim) : x;
	if (xt == x && x)
		ag_tensor_retain(xt);
	ag_tensor *sorted = NULL, *idx = NULL;
	if (xt && ag_sort(xt, xt->ndim - 1, false, false, &sorted, &idx) < 0)
		sorted = NULL;
	int64_t n = sorted ? sorted->shape[sorted->ndim - 1] : 0;
	ag_tensor *rows = sorted ? ag_reshape(sorted, (int64_t[]){ -1, n }, 2)
				 : NULL;
	ag_tensor_release(x);
	ag_tensor_release(xt);
	ag_tensor_release(sorted);
	ag_tensor_release(idx);
	if (!rows) {
		ag_tensor_release(qd);
		return NULL;
	}

	/* ranks: plain numbers, from the sorted values (NaN sorts last) */
	int64_t R = rows->shape[0], rq[2] = { R, nq };
	ag_tensor *lo = ag_tensor_alloc_uninit(rq, 2, AG_INT64);
	ag_tensor *hi = lo ? ag_tensor_alloc_uninit(rq, 2, AG_INT64) : NULL;
	ag_tensor *w = hi ? ag_tensor_alloc_uninit(rq, 2, t->dtype) : NULL;
	ag_tensor *dense = w ? ag_contiguous(rows) : NULL;
	ag_tensor *r = NULL;
	if (dense) {
		int64_t *lp = ag_data_ptr(lo), *hp = ag_data_ptr(hi);
		size_t es = ag_dtype_size(t->dtype);
		for (int64_t i = 0; i < R; i++) {
			int64_t valid = 0;
			for (int64_t j = 0; j < n; j++)
				valid += !isnan(ag_load((char *)ag_data_ptr(dense) +
						      (size_t)(i * n + j) * es, t->dtype));
			for (int64_t k = 0; k < nq; k++) {
				double qv = ag_load((char *)ag_data_ptr(qd) + (size_t)k * es,
						    t->dtype), wt;
				int64_t b, a;
				if (t->dtype == AG_FLOAT32)
					RANK(float, qv, n, valid, ignore_nan, interp, b, a, wt);
				else
					RANK(double, qv, n, valid, ignore_nan, interp, b, a, wt);
				lp[i * nq + k] = b;
				hp[i * nq + k] = a;
				ag_store((char *)ag_data_ptr(w) + (size_t)(i * nq + k) * es,
					 t->dtype, wt);
			}
		}
		/* values below (and above), lerped: differentiable in rows */
		ag_tensor *below = ag_gather(rows, 1, lo);
		ag_tensor *above = below && (interp == 0 || interp == 3) ?
			ag_gather(rows, 1, hi) : NULL;
		ag_tensor *v = above ? ag_ternary(AG_OP_LERP, below, above, w, NULL, 0)
				     : below;
		if (v == below && v)
			ag_tensor_retain(v);
		/* (rows, q) -> (q, rows) -> the output's shape */
		ag_tensor *vt = v && q->ndim ? ag_transpose(v, 0, 1) : v;
		if (vt == v && v)
			ag_tensor_retain(vt);
		r = vt ? ag_reshape(vt, shape, nout) : NULL;
		ag_tensor_release(below);
		ag_tensor_release(above);
		ag_tensor_release(v);
		ag_tensor_release(vt);
	}
	ag_tensor_release(rows);
	ag_tensor_release(lo);
	ag_tensor_release(hi);
	ag_tensor_release(w);
	ag_tensor_release(dense);
	ag_tensor_release(qd);
	return r;
}
