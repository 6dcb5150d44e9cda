/*
 * scan.c - the running ops along a dim: cumsum, cumprod and logcumsumexp
 * (also from the last element back: the backward of cumsum is a reverse
 * cumsum), and cummax, cummin with the positions of their values.  Each
 * running value is kept as PyTorch's CPU kernels keep it, so results
 * match theirs to the bit: in double for float32 and float64, in float
 * for bfloat16, in int64 (wrapping) for integers and bool, which give
 * int64 (cumsum, cumprod).
 */
#include "internal.h"
#include "record.h"
#include "autograd.h"

#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#endif

typedef enum scan_kind { SCAN_SUM, SCAN_PROD, SCAN_LSE } scan_kind;

/* A contiguous tensor seen as [outer, n, inner] around the scanned dim. */
typedef struct scan {
	int64_t outer, n, inner;
	bool reverse;
	scan_kind kind;
	const char *in;
	char *out;
} scan;

/* log(exp(x) + exp(y)) as PyTorch's _log_add_exp_helper computes it: a
 * NaN carries on, and two equal infinities give x. */
static double log_add_exp(double x, double y)
{
	double lo = isnan(y) ? y : (y < x ? y : x);
	double hi = isnan(y) ? y : (x < y ? y : x);
	if (lo != hi || isfinite(lo))
		return log1p(exp(lo - hi)) + hi;
	return x;
}

static float log_add_expf(float x, float y)
{
	float lo = isnan(y) ? y : (y < x ? y : x);
	float hi = isnan(y) ? y : (x < y ? y : x);
	if (lo != hi || isfinite(lo))
		return log1pf(expf(lo - hi)) + hi;
	return x;
}

/* integers have no logcumsumexp (ag_scan refuses them first) */
#define NO_LSE(x, y) (y)

/* One [n, inner] slab: the running values of the inner positions move
 * down the scanned dim together (a vector loop when inner > 1). */
#define SCAN_SLAB(NAME, T, OT, ACC, LOAD, STORE, LSE)			\
static void slab_##NAME(const scan *s, int64_t o, ACC *acc)		\
{									\
	const T *in = (const T *)s->in + o * s->n * s->inner;		\
	OT *out = (OT *)s->out + o * s->n * s->inner;			\
	int64_t inner = s->inner;					\
	ACC init = s->kind == SCAN_PROD ? (ACC)1 :			\
		   s->kind == SCAN_LSE ? (ACC)-INFINITY : (ACC)0;	\
	for (int64_t j = 0; j < inner; j++)				\
		acc[j] = init;						\
	if (inner == 1 && !s->reverse) {	/* along the last dim */	\
		ACC a = init;						\
		switch (s->kind) {					\
		case SCAN_PROD:						\
			for (int64_t i = 0; i < s->n; i++)		\
				out[i] = STORE(a *= (ACC)LOAD(in[i]));	\
			break;						\
		case SCAN_LSE:						\
			for (int64_t i = 0; i < s->n; i++) {		\
				a = LSE((ACC)LOAD(in[i]), a);		\
				out[i] = STORE(a);			\
			}						\
			break;						\
		default:						\
			for (int64_t i = 0; i < s->n; i++)		\
				out[i] = STORE(a += (ACC)LOAD(in[i]));	\
			break;						\
		}							\
		return;							\
	}								\
	for (int64_t i = 0; i < s->n; i++) {				\
		int64_t k = s->reverse ? s->n - 1 - i : i;		\
		const T *x = in + k * inner;				\
		OT *y = out + k * inner;				\
		switch (s->kind) {					\
		case SCAN_PROD:						\
			for (int64_t j = 0; j < inner; j++) {		\
				acc[j] *= (ACC)LOAD(x[j]);		\
				y[j] = STORE(acc[j]);			\
			}						\
			break;						\
		case SCAN_LSE:						\
			for (int64_t j = 0; j < inner; j++) {		\
				acc[j] = LSE((ACC)LOAD(x[j]), acc[j]);	\
				y[j] = STORE(acc[j]);			\
			}						\
			break;						\
		default:						\
			for (int64_t j = 0; j < inner; j++) {		\
				acc[j] += (ACC)LOAD(x[j]);		\
				y[j] = STORE(acc[j]);			\
			}						\
			break;						\
		}							\
	}								\
}

#define ID(x) (x)
#define TO_F32(x) ((float)(x))
#define TO_I64(x) ((int64_t)(x))
#define BF16_IN(x) ag_bf16_to_float(x)
#define F16_IN(x) ag_half_to_float(x)
SCAN_SLAB(f32, float, float, double, ID, TO_F32, log_add_exp)
SCAN_SLAB(f64, double, double, double, ID, ID, log_add_exp)
/* the 16-bit floats, widened: float32 in and out, float32 running values */
SCAN_SLAB(half, float, float, float, ID, ID, log_add_expf)
SCAN_SLAB(i64, int64_t, int64_t, uint64_t, ID, TO_I64, NO_LSE)
SCAN_SLAB(b8, uint8_t, int64_t, uint64_t, ID, TO_I64, NO_LSE)

/* ------------------------------------------------------- cummax, cummin */

/* PyTorch's rule: a value takes over when it is NaN, or when the running
 * one is not NaN and the value is >= it (cummax; <= for cummin), so ties
 * and NaNs report the latest position.  Keys compare as K; the values
 * written are the input's own bytes at the running position. */
#define EXT_SLAB(NAME, T, K, LOAD, ISNAN)				\
static void ext_##NAME(const scan *s, int64_t o, bool max, K *best,	\
		       int64_t *at, int64_t *iout)			\
{									\
	const T *in = (const T *)s->in + o * s->n * s->inner;		\
	T *out = (T *)s->out + o * s->n * s->inner;			\
	int64_t inner = s->inner, *ix = iout + o * s->n * inner;	\
	for (int64_t i = 0; i < s->n; i++) {				\
		const T *x = in + i * inner;				\
		for (int64_t j = 0; j < inner; j++) {			\
			K v = LOAD(x[j]);				\
			if (i == 0 || ISNAN(v) || (!ISNAN(best[j]) &&	\
			    (max ? v >= best[j] : v <= best[j]))) {	\
				best[j] = v;				\
				at[j] = i;				\
			}						\
			out[i * inner + j] = in[at[j] * inner + j];	\
			ix[i * inner + j] = at[j];			\
		}							\
	}								\
}

#define NOT_NAN(x) ((void)(x), 0)
EXT_SLAB(f32, float, float, ID, isnan)
EXT_SLAB(f64, double, double, ID, isnan)
EXT_SLAB(bf16, uint16_t, float, BF16_IN, isnan)
EXT_SLAB(f16, uint16_t, float, F16_IN, isnan)
EXT_SLAB(i64, int64_t, int64_t, ID, NOT_NAN)
EXT_SLAB(b8, uint8_t, int, ID, NOT_NAN)

/* Runs the slabs over threads when the work is big.  ext: cummax (max)
 * or cummin, writing positions to iout; otherwise the running op. */
static int run(const scan *s, ag_dtype dt, bool ext, bool max, int64_t *iout)
{
	int64_t work = s->outer * s->n * s->inner;
	bool parallel = s->outer > 1 && work >= AG_PARALLEL_GRAIN;
	int failed = 0;

#ifdef _OPENMP
#pragma omp parallel if (parallel)
#endif
	{
		/* per thread, a running value (or key) and a running position
		 * for each inner position */
		size_t m = (size_t)(s->inner ? s->inner : 1);
		char *buf = malloc(m * 16);
		void *acc = buf;
		int64_t *at = (int64_t *)(buf + m * 8);
		if (!buf) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
			failed = 1;
		}
#ifdef _OPENMP
#pragma omp for
#endif
		for (int64_t o = 0; o < s->outer; o++) {
			if (!buf)
				continue;
			if (ext) {
				switch (dt) {
				case AG_FLOAT32: ext_f32(s, o, max, acc, at, iout); break;
				case AG_FLOAT64: ext_f64(s, o, max, acc, at, iout); break;
				case AG_BFLOAT16: ext_bf16(s, o, max, acc, at, iout); break;
				case AG_FLOAT16: ext_f16(s, o, max, acc, at, iout); break;
				case AG_INT64: ext_i64(s, o, max, acc, at, iout); break;
				default: ext_b8(s, o, max, acc, at, iout); break;
				}
				continue;
			}
			switch (dt) {
			case AG_FLOAT32: slab_f32(s, o, acc); break;
			case AG_FLOAT64: slab_f64(s, o, acc); break;
			case AG_BFLOAT16:
			case AG_FLOAT16: slab_half(s, o, acc); break;
			case AG_INT64: slab_i64(s, o, acc); break;
			default: slab_b8(s, o, acc); break;
			}
		}
		free(buf);
	}
	(void)parallel;
	return failed ? ag_error(AG_ERR_NOMEM, "out of memory") : 0;
}

ag_tensor *ag_scan(ag_op op, ag_tensor *t, int dim, bool reverse)
{
	ag_tensor *c, *out;
	ag_dtype odt;
	int d;

	if (op != AG_OP_CUMSUM && op != AG_OP_CUMPROD &&
	    op != AG_OP_LOGCUMSUMEXP) {
		ag_error(AG_ERR_VALUE, "invalid scan op %d", (int)op);
		return NULL;
	}
	if (!t) {
		ag_error(AG_ERR_VALUE, "%s(): expected a tensor", ag_op_name(op));
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	/* there is no integer logcumsumexp */
	if (op == AG_OP_LOGCUMSUMEXP && !ag_dtype_is_floating(t->dtype)) {
		ag_error(AG_ERR_DTYPE, "\"%s_out_cpu\" not implemented for '%s'",
			 ag_op_name(op), ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	odt = ag_dtype_is_floating(t->dtype) ? t->dtype : AG_INT64;
	c = ag_contiguous(t);
	out = c ? ag_tensor_alloc_uninit(t->shape, t->ndim, odt) : NULL;
	if (out && ag_numel(out) > 0) {
		scan s = { .outer = 1, .n = t->ndim ? t->shape[d] : 1, .inner = 1,
			   .reverse = reverse,
			   .kind = op == AG_OP_CUMPROD ? SCAN_PROD :
				   op == AG_OP_LOGCUMSUMEXP ? SCAN_LSE : SCAN_SUM,
			   .in = ag_data_ptr(c), .out = ag_data_ptr(out) };
		for (int i = 0; i < d; i++)
			s.outer *= t->shape[i];
		for (int i = d + 1; i < t->ndim; i++)
			s.inner *= t->shape[i];
		/* the 16-bit floats are widened to float32 (vector
		 * conversions), scanned in place there with float32 running
		 * values, and rounded on store through ag_narrow_half (which
		 * also counts rounding losses while backward watches them) */
		int64_t numel = ag_numel(out);
		float *wide = NULL;
		bool half = ag_dtype_is_half(t->dtype);
		if (half) {
			wide = malloc((size_t)numel * sizeof(float));
			if (wide)
				ag_widen_half(ag_data_ptr(c), 2, wide, numel, t->dtype);
			s.in = (const char *)wide;
			s.out = (char *)wide;
		}
		if ((half && !wide) || run(&s, t->dtype, false, false, NULL) < 0) {
			if (half && !wide)
				ag_error(AG_ERR_NOMEM, "out of memory");
			ag_tensor_release(out);
			out = NULL;
		} else if (wide) {
			ag_narrow_half(wide, ag_data_ptr(out), 2, numel, t->dtype);
		}
		free(wide);
	}
	ag_tensor_release(c);
	return ag_recorded(out, (ag_call){ .op = op, .in = &t, .nin = 1,
		.args = &(ag_scan_args){ .dim = d, .reverse = reverse },
		.args_size = sizeof(ag_scan_args) });
}

ag_tensor *ag_cumulative(ag_op op, ag_tensor *t, int dim)
{
	return ag_scan(op, t, dim, false);
}

/* cumsum_, cumprod_: the scan written back into t. */
static int scan_inplace_checked(ag_op op, ag_tensor *t, int dim)
{
	ag_tensor *orig = NULL, *r;
	int d, rc;

	if (!t)
		return ag_error(AG_ERR_VALUE, "%s_(): expected a tensor",
				ag_op_name(op));
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return -1;
	if (t->dtype == AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "\"%s_out_cpu\" not implemented for "
				"'%s'", ag_op_name(op),
				ag_dtype_scalar_name(t->dtype));
	if (ag_check_elementwise_out(t, t->shape, t->ndim, &t, 1) < 0 ||
	    ag_check_inplace(t) < 0)
		return -1;
	if (ag_record_needs_original(op, &t, 1) && !(orig = ag_original_copy(t)))
		return -1;
	/* computed aside, unrecorded, then copied in */
	ag_trace_suspend();
	bool grad = ag_set_grad_enabled(false);
	r = ag_scan(op, t, d, false);
	rc = r ? ag_copy_(t, r) : -1;
	ag_set_grad_enabled(grad);
	ag_trace_resume();
	ag_tensor_release(r);
	if (rc == 0)
		rc = ag_record(&(ag_call){ .op = op, .in = &t, .nin = 1,
			.out = &t, .nout = 1, .inplace = true, .original = orig,
			.args = &(ag_scan_args){ .dim = d },
			.args_size = sizeof(ag_scan_args) });
	ag_tensor_release(orig);
	return rc;
}

int ag_scan_(ag_op op, ag_tensor *t, int dim)
{
	int rc = scan_inplace_checked(op, t, dim);
	if (rc < 0 && t) {
		ag_tensor *ins_[2] = { t, NULL };
		ag_trace_failed(op, ins_, 2, t);
	}
	return rc;
}

int ag_cumextreme(ag_op op, ag_tensor *t, int dim, ag_tensor **values,
		  ag_tensor **indices)
{
	ag_tensor *c = NULL, *v = NULL, *ix = NULL;
	int d;

	*values = *indices = NULL;
	if (op != AG_OP_CUMMAX && op != AG_OP_CUMMIN)
		return ag_error(AG_ERR_VALUE, "invalid scan op %d", (int)op);
	if (!t)
		return ag_error(AG_ERR_VALUE, "%s(): expected a tensor",
				ag_op_name(op));
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return -1;
	if (!(c = ag_contiguous(t)) ||
	    !(v = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype)) ||
	    !(ix = ag_tensor_alloc_uninit(t->shape, t->ndim, AG_INT64)))
		goto fail;
	if (ag_numel(v) > 0) {
		scan s = { .outer = 1, .n = t->ndim ? t->shape[d] : 1, .inner = 1,
			   .in = ag_data_ptr(c), .out = ag_data_ptr(v) };
		for (int i = 0; i < d; i++)
			s.outer *= t->shape[i];
		for (int i = d + 1; i < t->ndim; i++)
			s.inner *= t->shape[i];
		if (run(&s, t->dtype, true, op == AG_OP_CUMMAX, ag_data_ptr(ix)) < 0)
			goto fail;
	}
	ag_tensor_release(c);
	c = NULL;
	ag_tensor *outs[2] = { v, ix };
	/* the indices have the input's shape: a kept dim for the scatter of
	 * the backward */
	ag_dim_args a = { .in = ag_shape_of(t), .dim = d, .keepdim = true };
	if (ag_record(&(ag_call){ .op = op, .in = &t, .nin = 1, .out = outs,
				  .nout = 2, .args = &a,
				  .args_size = sizeof a }) < 0)
		goto fail;
	*values = v;
	*indices = ix;
	return 0;
fail:
	ag_tensor_release(c);
	ag_tensor_release(v);
	ag_tensor_release(ix);
	return -1;
}
