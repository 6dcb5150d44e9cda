/*
 * stats.c - the reductions made of core's own ops: logsumexp, torch.norm,
 * nanmean.  logsumexp and the norms run their steps
 * quietly (no autograd, no trace events) and record one node of their
 * own, as PyTorch's fused kernels do; nanmean is PyTorch's composite,
 * nansum / count, and records what it is made of.
 */
#include "internal.h"
#include "autograd.h"
#include "record.h"
#include "fold.h"
#include "vmath.h"

#include <math.h>

/* The steps of an op that records as one: no history, no trace events. */
typedef struct quiet { bool grad; } quiet;

static quiet quiet_begin(void)
{
	ag_trace_suspend();
	return (quiet){ ag_set_grad_enabled(false) };
}

static void quiet_end(quiet q)
{
	ag_set_grad_enabled(q.grad);
	ag_trace_resume();
}

/* a (op) v for a number v */
static ag_tensor *with_number(ag_op op, ag_tensor *a, double v)
{
	ag_tensor *n = ag_number_operand(v), *r;

	if (!n)
		return NULL;
	r = ag_binary(op, a, n);
	ag_tensor_release(n);
	return r;
}

/* where(cond, v, a) for a number v */
static ag_tensor *fill_where(ag_tensor *cond, double v, ag_tensor *a)
{
	ag_tensor *n = ag_number_operand(v), *r;

	if (!n)
		return NULL;
	r = ag_where(cond, n, a);
	ag_tensor_release(n);
	return r;
}

static ag_tensor *record_one(ag_tensor *r, ag_op op, ag_tensor *t,
			     const void *args, size_t size)
{
	return ag_recorded(r, (ag_call){ .op = op, .in = &t, .nin = 1,
					 .args = args, .args_size = size });
}

/* ------------------------------------------------------------ logsumexp */

/* max + log(sum(exp(t - max))), the max taken as 0 where it is infinite
 * (so all -inf gives -inf, an inf gives inf) or where nothing is summed. */
static ag_tensor *lse(ag_tensor *t, const int *dims, int ndims,
		      const ag_reduce_args *ra, bool keepdim)
{
	ag_tensor *m = NULL, *mabs = NULL, *inf = NULL, *m0 = NULL, *d = NULL;
	ag_tensor *e = NULL, *s = NULL, *l = NULL, *ms = NULL, *r = NULL;

	if (ra->count > 0) {
		m = ag_reduce_dims(AG_OP_AMAX, t, dims, ndims, true);
		mabs = m ? ag_unary(AG_OP_ABS, m) : NULL;
		inf = mabs ? with_number(AG_OP_EQ, mabs, INFINITY) : NULL;
		m0 = inf ? fill_where(inf, 0, m) : NULL;
		d = m0 ? ag_sub(t, m0) : NULL;
	} else {
		d = t;
		ag_tensor_retain(d);
	}
	e = d ? ag_exp(d) : NULL;
	s = e ? ag_reduce_dims(AG_OP_SUM, e, dims, ndims, keepdim) : NULL;
	l = s ? ag_log(s) : NULL;
	if (l && m0 && !keepdim)
		ms = ag_reshape(m0, l->shape, l->ndim);
	else if (m0)
		ag_tensor_retain(ms = m0);
	if (l)
		r = ms ? ag_add(l, ms) : (ag_tensor_retain(l), l);
	ag_tensor_release(m); ag_tensor_release(mabs); ag_tensor_release(inf);
	ag_tensor_release(m0); ag_tensor_release(d); ag_tensor_release(e);
	ag_tensor_release(s); ag_tensor_release(l); ag_tensor_release(ms);
	return r;
}

/*
 * The same steps fused, for a contiguous float32 t whose reduced dims are
 * adjacent: t as [outer, R, inner], two passes over each R (the maxima,
 * then the sums of exp(x - max)) instead of eight over the whole tensor.
 * Every float step rounds as in lse (x - m, exp, the sum stored as
 * float, log, + m); only the sum's order differs.  1 with *out set, 0
 * when t is not such a tensor, -1 on error.
 */
enum { LSE_COLS = 256 };

static void lse_columns(const float *x, int64_t R, int64_t inner, float *o)
{
	for (int64_t j0 = 0; j0 < inner; j0 += LSE_COLS) {
		int64_t jb = inner - j0 < LSE_COLS ? inner - j0 : LSE_COLS;
		float m[LSE_COLS];
		double acc[LSE_COLS] = { 0 };
		memcpy(m, x + j0, (size_t)jb * sizeof(float));
		for (int64_t r = 1; r < R; r++)
			ag_vm_colmax_f32(m, x + r * inner + j0, jb);
		for (int64_t j = 0; j < jb; j++)
			m[j] = isinf(m[j]) ? 0 : m[j];
		for (int64_t r = 0; r < R; r++)
			ag_vm_coladdexp_f32(acc, x + r * inner + j0, m, jb);
		for (int64_t j = 0; j < jb; j++)
			o[j0 + j] = logf((float)acc[j]) + m[j];
	}
}

static int lse_f32_fused(ag_tensor *t, const bool *mask, bool keepdim,
			 ag_tensor **out)
{
	int first = -1, last = -1;
	int64_t outer = 1, R = 1, inner = 1, shape[AG_MAX_DIMS];

	if (t->dtype != AG_FLOAT32 || t->ndim == 0 || !ag_is_contiguous(t))
		return 0;
	for (int d = 0; d < t->ndim; d++)
		if (mask[d]) {
			if (first >= 0 && last != d - 1)
				return 0;	/* not adjacent */
			if (first < 0)
				first = d;
			last = d;
		}
	if (first < 0)
		return 0;
	for (int d = 0; d < t->ndim; d++)
		*(d < first ? &outer : d > last ? &inner : &R) *= t->shape[d];
	if (R == 0 || outer * inner == 0)
		return 0;
	int n = ag_reduce_out_shape(t, mask, keepdim, shape);
	ag_tensor *r = ag_tensor_alloc(shape, n, AG_FLOAT32);
	if (!r)
		return -1;
	const float *x = ag_data_ptr(t);
	float *o = ag_data_ptr(r);
	bool parallel = outer > 1 && outer * R * inner >= 2 * AG_PARALLEL_GRAIN;
	(void)parallel;
#ifdef _OPENMP
#pragma omp parallel for if (parallel)
#endif
	for (int64_t i = 0; i < outer; i++) {
		const float *xi = x + i * R * inner;
		if (inner == 1) {
			float m = ag_vm_max_f32(xi, R);
			m = isinf(m) ? 0 : m;
			o[i] = logf((float)ag_vm_sumexp_f32(xi, R, m)) + m;
		} else {
			lse_columns(xi, R, inner, o + i * inner);
		}
	}
	*out = r;
	return 1;
}

ag_tensor *ag_logsumexp(ag_tensor *t, const int *dims, int ndims, bool keepdim)
{
	bool mask[AG_MAX_DIMS];
	ag_tensor *x, *r;

	if (!t) {
		ag_error(AG_ERR_VALUE, "logsumexp(): expected a tensor");
		return NULL;
	}
	if (ag_reduce_mask(t, dims, ndims, "logsumexp", mask) < 0)
		return NULL;
	ag_reduce_args ra = ag_reduce_args_of(t, mask, false, keepdim);
	quiet q = quiet_begin();
	/* integers and bool are summed as the default float dtype; float16
	 * in float32, its result rounded on store */
	x = ag_dtype_is_floating(t->dtype) && t->dtype != AG_FLOAT16 ?
		(ag_tensor_retain(t), t) : ag_to_dtype(t, AG_DEFAULT_DTYPE);
	int fused = x ? lse_f32_fused(x, mask, keepdim, &r) : -1;
	if (fused == 0)
		r = lse(x, dims, ndims, &ra, keepdim);
	else if (fused < 0)
		r = NULL;
	ag_tensor_release(x);
	if (t->dtype == AG_FLOAT16)
		r = ag_to_dtype_owned(r, AG_FLOAT16);
	quiet_end(q);
	return record_one(r, AG_OP_LOGSUMEXP, t, &ra, sizeof ra);
}

/* ----------------------------------------------------------------- norm */

/* The norm of order p over the dims, from quiet steps. */
static ag_tensor *pnorm(ag_tensor *t, double p, const int *dims, int ndims,
			bool keepdim)
{
	ag_tensor *a = NULL, *b = NULL, *r = NULL;

	if (p == 0) {
		a = with_number(AG_OP_NE, t, 0);
		b = a ? ag_reduce_dims(AG_OP_SUM, a, dims, ndims, keepdim) : NULL;
		r = b ? ag_to_dtype(b, t->dtype) : NULL;
	} else if (p == 2) {
		a = ag_mul(t, t);
		b = a ? ag_reduce_dims(AG_OP_SUM, a, dims, ndims, keepdim) : NULL;
		r = b ? ag_unary(AG_OP_SQRT, b) : NULL;
	} else {
		a = ag_unary(AG_OP_ABS, t);
		if (a && isinf(p)) {
			r = ag_reduce_dims(p > 0 ? AG_OP_AMAX : AG_OP_AMIN, a, dims,
					   ndims, keepdim);
		} else if (a && p == 1) {
			r = ag_reduce_dims(AG_OP_SUM, a, dims, ndims, keepdim);
		} else if (a) {
			ag_tensor *c = with_number(AG_OP_POW, a, p);
			b = c ? ag_reduce_dims(AG_OP_SUM, c, dims, ndims, keepdim)
			      : NULL;
			r = b ? with_number(AG_OP_POW, b, 1 / p) : NULL;
			ag_tensor_release(c);
		}
	}
	ag_tensor_release(a);
	ag_tensor_release(b);
	return r;
}

ag_tensor *ag_norm(ag_tensor *t, double p, const int *dims, int ndims,
		   bool keepdim)
{
	bool mask[AG_MAX_DIMS];
	const ag_op op = AG_OP_NORM;
	const char *name = "norm";
	ag_tensor *r;

	if (!t) {
		ag_error(AG_ERR_VALUE, "%s(): expected a tensor", name);
		return NULL;
	}
	if (!ag_dtype_is_floating(t->dtype)) {
		ag_error(AG_ERR_DTYPE, "norm(): input dtype should be either "
			 "floating point or complex. Got %s instead.",
			 ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	if (isnan(p)) {
		ag_error(AG_ERR_VALUE, "%s(): the order p is nan", name);
		return NULL;
	}
	if (ag_reduce_mask(t, dims, ndims, name, mask) < 0)
		return NULL;
	ag_norm_args a = { .r = ag_reduce_args_of(t, mask, false, keepdim),
			   .p = p };
	if (isinf(p) && a.r.count == 0) {
		/* torch.norm's identity for an empty max: 0 */
		int64_t shape[AG_MAX_DIMS];
		int n = ag_reduce_out_shape(t, mask, keepdim, shape);
		return record_one(ag_zeros(shape, n, t->dtype), op, t, &a, sizeof a);
	}
	quiet q = quiet_begin();
	r = pnorm(t, p, dims, ndims, keepdim);
	quiet_end(q);
	return record_one(r, op, t, &a, sizeof a);
}

/* torch.norm's default order 'fro' over two dims: PyTorch's composite
 * sqrt(sum(x * x)), recorded as what it is made of. */
ag_tensor *ag_frobenius_norm(ag_tensor *t, const int *dims, int ndims,
			     bool keepdim)
{
	ag_tensor *sq, *s, *r;

	if (!t) {
		ag_error(AG_ERR_VALUE, "frobenius_norm(): expected a tensor");
		return NULL;
	}
	if (ndims > 2) {
		ag_error(AG_ERR_VALUE, "Expected at most 2 dimensions, but got %d "
			 "dimensions instead.", ndims);
		return NULL;
	}
	if (ndims == 2 && dims[0] == dims[1]) {
		ag_error(AG_ERR_VALUE, "Expected dims to be different, got [%d, %d] "
			 "instead", dims[0], dims[1]);
		return NULL;
	}
	if (ndims < 2)
		return ag_norm(t, 2, dims, ndims, keepdim);
	if (!ag_dtype_is_floating(t->dtype))
		return ag_norm(t, 2, dims, ndims, keepdim); /* its error */
	sq = ag_mul(t, t);
	s = sq ? ag_reduce_dims(AG_OP_SUM, sq, dims, ndims, keepdim) : NULL;
	r = s ? ag_unary(AG_OP_SQRT, s) : NULL;
	ag_tensor_release(sq);
	ag_tensor_release(s);
	return r;
}

/* -------------------------------------------------------------- nanmean */

ag_tensor *ag_nanmean(ag_tensor *t, const int *dims, int ndims, bool keepdim)
{
	ag_tensor *s, *known, *n, *r;

	if (!t) {
		ag_error(AG_ERR_VALUE, "nanmean(): expected a tensor");
		return NULL;
	}
	if (!ag_dtype_is_floating(t->dtype)) {
		ag_error(AG_ERR_DTYPE, "nanmean(): expected input to have floating "
			 "point dtype but got %s", ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	s = ag_reduce_dims(AG_OP_NANSUM, t, dims, ndims, keepdim);
	known = s ? ag_binary(AG_OP_EQ, t, t) : NULL;	/* not nan */
	n = known ? ag_reduce_dims(AG_OP_SUM, known, dims, ndims, keepdim) : NULL;
	r = n ? ag_div(s, n) : NULL;
	ag_tensor_release(s);
	ag_tensor_release(known);
	ag_tensor_release(n);
	return r;
}
