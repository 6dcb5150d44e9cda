/*
 * unary.c - elementwise ops of one tensor (neg ... relu) and clamp.
 *
 * The transcendental ops make integer and bool inputs float32, as PyTorch
 * does; neg/abs/relu keep the dtype.  float16/bfloat16 compute in float32
 * and round back.  Typed loops serve float32/float64 in and out; the rest
 * goes through ag_load/ag_store.
 */
#include "internal.h"
#include "record.h"

#include <math.h>

/* Dense runs never partly overlap (the overlap checks refuse that), so
 * their iterations are independent: let the compiler vectorise them. */
#ifdef _OPENMP
#define SIMD _Pragma("omp simd")
#else
#define SIMD
#endif

/* The pointwise ops of one input without arguments of their own (clamp
 * has bounds: it runs on this file's loops but comes in through
 * ag_clamp). */
static bool is_unary(ag_op op)
{
	const ag_opinfo *info = ag_op_info(op);
	return info && info->kind == AG_OPK_POINTWISE && info->nin == 1 &&
	       !info->args;
}

/* ----------------------------------------------------------- arithmetic */

/* relu and clamp let NaN through, and keep -0.0, as PyTorch's do. */
#define DEFINE_FLOAT_UNARY(name, T, EXP, LOG, SQRT, SIN, COS, TANH, FABS) \
static inline T name(ag_op op, T x)				\
{									\
	switch (op) {							\
	case AG_OP_NEG: return -x;						\
	case AG_OP_ABS: return FABS(x);					\
	case AG_OP_EXP: return EXP(x);					\
	case AG_OP_LOG: return LOG(x);					\
	case AG_OP_SQRT: return SQRT(x);					\
	case AG_OP_SIN: return SIN(x);					\
	case AG_OP_COS: return COS(x);					\
	case AG_OP_TANH: return TANH(x);					\
	case AG_OP_SIGMOID: return 1 / (1 + EXP(-x));			\
	case AG_OP_RELU: return x < 0 ? 0 : x;				\
	default: return 0;						\
	}								\
}
DEFINE_FLOAT_UNARY(f32_unary, float, expf, logf, sqrtf, sinf, cosf, tanhf, fabsf)
DEFINE_FLOAT_UNARY(f64_unary, double, exp, log, sqrt, sin, cos, tanh, fabs)

static int64_t int_unary(ag_op op, int64_t x)
{
	/* negation in unsigned arithmetic: INT64_MIN stays put, as in PyTorch */
	int64_t neg = (int64_t)(0 - (uint64_t)x);

	switch (op) {
	case AG_OP_NEG: return neg;
	case AG_OP_ABS: return x < 0 ? neg : x;
	case AG_OP_RELU: return x < 0 ? 0 : x;
	default: return 0;	/* the others compute in a float type */
	}
}

/* ---------------------------------------------------------- inner loops */

typedef struct unary_ctx {
	ag_op op;
	ag_dtype compute;
	ag_dtype dt[2];		/* out, in */
	bool clamp;		/* op is clamp with the bounds below */
	bool has_min, has_max;
	double min, max;
	int64_t imin, imax;
} unary_ctx;

static inline double clamp_f64(const unary_ctx *c, double x)
{
	if (c->has_min && x < c->min)
		x = c->min;
	if (c->has_max && x > c->max)
		x = c->max;
	return x;
}

static inline float clamp_f32(const unary_ctx *c, float x)
{
	if (c->has_min && x < (float)c->min)
		x = (float)c->min;
	if (c->has_max && x > (float)c->max)
		x = (float)c->max;
	return x;
}

static inline int64_t clamp_i64(const unary_ctx *c, int64_t x)
{
	if (c->has_min && x < c->imin)
		x = c->imin;
	if (c->has_max && x > c->imax)
		x = c->imax;
	return x;
}

static void unary_generic(char **data, const int64_t *st, int64_t n,
			  void *vctx)
{
	const unary_ctx *c = vctx;
	char *o = data[0], *a = data[1];
	ag_dtype ct = c->compute;

	if (!ag_dtype_is_floating(ct)) {
		for (int64_t i = 0; i < n; i++) {
			int64_t x = ag_load_i64(a, c->dt[1]);
			int64_t r = c->clamp ? clamp_i64(c, x) : int_unary(c->op, x);
			ag_store_i64(o, c->dt[0], ct == AG_BOOL ? r != 0 : r);
			o += st[0]; a += st[1];
		}
	} else if (ct == AG_FLOAT64) {
		for (int64_t i = 0; i < n; i++) {
			double x = ag_load(a, c->dt[1]);
			ag_store(o, c->dt[0], c->clamp ? clamp_f64(c, x) :
					      f64_unary(c->op, x));
			o += st[0]; a += st[1];
		}
	} else {
		bool ra = c->dt[1] != ct, ro = c->dt[0] != ct;
		for (int64_t i = 0; i < n; i++) {
			float x = (float)ag_load(a, c->dt[1]);
			if (ra)
				x = ag_round_float(x, ct);
			float r = c->clamp ? clamp_f32(c, x) : f32_unary(c->op, x);
			ag_store(o, c->dt[0], ro ? ag_round_float(r, ct) : r);
			o += st[0]; a += st[1];
		}
	}
}

/* Same dtype in and out: dense runs get a loop per op the compiler can
 * vectorise (where the libm call allows). */
#define DEFINE_TYPED_UNARY(name, T, OPFN, CLAMPFN)			\
static void name(char **data, const int64_t *st, int64_t n, void *vctx)	\
{									\
	const unary_ctx *c = vctx;					\
	T *o = (T *)data[0];						\
	const T *a = (const T *)data[1];				\
	const int64_t es = sizeof(T);					\
									\
	if (st[0] == es && st[1] == es) {				\
		if (c->clamp) {						\
			for (int64_t i = 0; i < n; i++)			\
				o[i] = CLAMPFN(c, a[i]);		\
			return;						\
		}							\
		switch (c->op) {					\
		case AG_OP_NEG: SIMD for (int64_t i = 0; i < n; i++) o[i] = -a[i]; return; \
		case AG_OP_RELU: SIMD for (int64_t i = 0; i < n; i++) o[i] = a[i] < 0 ? 0 : a[i]; return; \
		case AG_OP_ABS: SIMD for (int64_t i = 0; i < n; i++) o[i] = OPFN(AG_OP_ABS, a[i]); return; \
		case AG_OP_SQRT: SIMD for (int64_t i = 0; i < n; i++) o[i] = OPFN(AG_OP_SQRT, a[i]); return; \
		case AG_OP_EXP: SIMD for (int64_t i = 0; i < n; i++) o[i] = OPFN(AG_OP_EXP, a[i]); return; \
		case AG_OP_LOG: SIMD for (int64_t i = 0; i < n; i++) o[i] = OPFN(AG_OP_LOG, a[i]); return; \
		case AG_OP_SIGMOID: SIMD for (int64_t i = 0; i < n; i++) o[i] = OPFN(AG_OP_SIGMOID, a[i]); return; \
		default: SIMD for (int64_t i = 0; i < n; i++) o[i] = OPFN(c->op, a[i]); return; \
		}							\
	}								\
	for (int64_t i = 0; i < n; i++) {				\
		T x = *(const T *)((const char *)a + i * st[1]);	\
		*(T *)((char *)o + i * st[0]) =				\
			c->clamp ? CLAMPFN(c, x) : OPFN(c->op, x);	\
	}								\
}
DEFINE_TYPED_UNARY(unary_f32, float, f32_unary, clamp_f32)
DEFINE_TYPED_UNARY(unary_f64, double, f64_unary, clamp_f64)

/* ------------------------------------------------------------- driver */

/* The bool inputs PyTorch refuses with a message of their own (the
 * table's dtype sets cover the rest). */
static int check_unary_dtype(ag_op op, const ag_tensor *a)
{
	if (a->dtype != AG_BOOL)
		return 0;
	if (op == AG_OP_NEG)
		return ag_error(AG_ERR_DTYPE,
			"Negation, the `-` operator, on a bool tensor is not "
			"supported. If you are trying to invert a mask, use the "
			"`~` or `logical_not()` operator instead.");
	if (op == AG_OP_RELU)
		return ag_error(AG_ERR_DTYPE,
				"Boolean inputs not supported for relu");
	return 0;
}

static int unary_run(ag_tensor *out, ag_tensor *a, unary_ctx *ctx)
{
	ag_tensor *ops[2] = { out, a };
	ag_iter it;
	bool same = out->dtype == ctx->compute && a->dtype == ctx->compute;
	ag_inner_loop loop = unary_generic;

	ctx->dt[0] = out->dtype;
	ctx->dt[1] = a->dtype;
	if (same && ctx->compute == AG_FLOAT32)
		loop = unary_f32;
	else if (same && ctx->compute == AG_FLOAT64)
		loop = unary_f64;
	if (ag_iter_init(&it, 2, ops, out->shape, out->ndim) < 0)
		return -1;
	ag_iter_run(&it, loop, ctx, true);
	return 0;
}

/* Writes into out when given (then bumps its version), else makes one. */
static int unary_impl(ag_op op, ag_tensor *out, ag_tensor *a,
		      ag_tensor **made)
{
	unary_ctx ctx = { .op = op };
	ag_dtype result;

	if (!is_unary(op))
		return ag_error(AG_ERR_VALUE, "unknown unary op %d", (int)op);
	if (!a)
		return ag_error(AG_ERR_VALUE, "%s: expected a tensor, got nothing",
				ag_op_name(op));
	if (check_unary_dtype(op, a) < 0 ||
	    ag_pointwise_types(op, a->dtype, &ctx.compute, &result) < 0)
		return -1;
	if (out) {
		if (ag_check_elementwise_out(out, a->shape, a->ndim, &a, 1) < 0 ||
		    ag_check_cast(result, out->dtype) < 0)
			return -1;
	} else if (!(out = ag_tensor_alloc_like(a, result))) {
		return -1;
	}
	if (unary_run(out, a, &ctx) < 0) {
		if (made)
			ag_tensor_release(out);
		return -1;
	}
	if (made)
		*made = out;
	else
		ag_bump_version(out);
	return 0;
}

ag_tensor *ag_unary(ag_op op, ag_tensor *a)
{
	ag_tensor *r = NULL;

	if (unary_impl(op, NULL, a, &r) < 0)
		return NULL;
	return ag_recorded(r, (ag_call){ .op = op, .in = &a, .nin = 1 });
}

static int unary_inplace_checked(ag_op op, ag_tensor *a)
{
	ag_tensor *orig = NULL;
	int rc;

	if (!a)
		return ag_error(AG_ERR_VALUE, "%s_: expected a tensor, got nothing",
				ag_op_name(op));
	if (ag_check_inplace(a) < 0)
		return -1;
	if (ag_record_needs_original(op, &a, 1) && !(orig = ag_original_copy(a)))
		return -1;
	rc = unary_impl(op, a, a, NULL);
	if (rc == 0)
		rc = ag_record(&(ag_call){ .op = op, .in = &a, .nin = 1, .out = &a,
					   .nout = 1, .inplace = true,
					   .original = orig });
	ag_tensor_release(orig);
	return rc;
}

int ag_unary_out(ag_op op, ag_tensor *out, ag_tensor *a)
{
	if (!out)
		return ag_error(AG_ERR_VALUE, "%s: out= expects a tensor",
				ag_op_name(op));
	ag_tensor *in[2] = { a, out };
	if (ag_check_out_autograd(op, in, 2) < 0)
		return -1;
	if (unary_impl(op, out, a, NULL) < 0)
		return -1;
	ag_trace_op(op, &a, 1, &out, 1, NULL, true);
	return 0;
}

ag_tensor *ag_neg(ag_tensor *a) { return ag_unary(AG_OP_NEG, a); }
ag_tensor *ag_exp(ag_tensor *a) { return ag_unary(AG_OP_EXP, a); }
ag_tensor *ag_log(ag_tensor *a) { return ag_unary(AG_OP_LOG, a); }

/* ---------------------------------------------------------------- clamp */

/*
 * The bounds act as numbers from Lua: an integral bound keeps an int
 * tensor int, a fractional one makes it float32 (PyTorch's promotion with
 * wrapped numbers).  NaN means "no bound".
 */
static int64_t bound_to_i64(double v)
{
	if (isnan(v))
		return 0;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	return (int64_t)v;
}

static int clamp_prepare(ag_tensor *a, double min, double max, unary_ctx *ctx)
{
	ctx->clamp = true;
	ctx->has_min = !isnan(min);
	ctx->has_max = !isnan(max);
	if (!ctx->has_min && !ctx->has_max)
		return ag_error(AG_ERR_VALUE,
				"torch.clamp: At least one of 'min' or 'max' must "
				"not be None");
	/* one fractional bound is enough to make an int tensor float */
	double probe = !ctx->has_min ? max : !ctx->has_max ? min :
		       !isfinite(min) || min != trunc(min) ? min : max;
	ag_tensor *n = ag_number_operand(probe);
	if (!n)
		return -1;
	ctx->compute = ag_result_type(a, n);
	ag_tensor_release(n);
	ctx->min = min;
	ctx->max = max;
	ctx->imin = bound_to_i64(min);
	ctx->imax = bound_to_i64(max);
	return 0;
}

ag_tensor *ag_clamp(ag_tensor *a, double min, double max)
{
	unary_ctx ctx = { .op = AG_OP_CLAMP };
	ag_tensor *out;

	if (!a) {
		ag_error(AG_ERR_VALUE, "clamp: expected a tensor, got nothing");
		return NULL;
	}
	if (clamp_prepare(a, min, max, &ctx) < 0)
		return NULL;
	out = ag_tensor_alloc_like(a, ctx.compute);
	if (out && unary_run(out, a, &ctx) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return ag_recorded(out, (ag_call){ .op = AG_OP_CLAMP, .in = &a, .nin = 1,
		.args = &(ag_clamp_args){ min, max },
		.args_size = sizeof(ag_clamp_args) });
}

static int clamp_inplace_checked(ag_tensor *a, double min, double max)
{
	unary_ctx ctx = { .op = AG_OP_CLAMP };

	if (!a)
		return ag_error(AG_ERR_VALUE, "clamp_: expected a tensor, got nothing");
	if (clamp_prepare(a, min, max, &ctx) < 0 ||
	    ag_check_elementwise_out(a, a->shape, a->ndim, &a, 1) < 0)
		return -1;
	if (!ag_can_cast(ctx.compute, a->dtype))
		return ag_error(AG_ERR_DTYPE,
				"result type %s can't be cast to the desired output "
				"type %s", ag_dtype_scalar_name(ctx.compute),
				ag_dtype_typeid_name(a->dtype));
	if (ag_check_inplace(a) < 0)
		return -1;
	ag_tensor *orig = NULL;
	if (ag_record_needs_original(AG_OP_CLAMP, &a, 1) &&
	    !(orig = ag_original_copy(a)))
		return -1;
	if (unary_run(a, a, &ctx) < 0) {
		ag_tensor_release(orig);
		return -1;
	}
	ag_bump_version(a);
	int rc = ag_record(&(ag_call){ .op = AG_OP_CLAMP, .in = &a, .nin = 1,
				       .out = &a, .nout = 1, .inplace = true,
				       .original = orig,
				       .args = &(ag_clamp_args){ min, max },
				       .args_size = sizeof(ag_clamp_args) });
	ag_tensor_release(orig);
	return rc;
}

int ag_unary_(ag_op op, ag_tensor *a)
{
	int rc = unary_inplace_checked(op, a);
	if (rc < 0 && a) {
		ag_tensor *ins_[2] = { a, NULL };
		ag_trace_failed(op, ins_, 2, a);
	}
	return rc;
}

int ag_clamp_(ag_tensor *a, double min, double max)
{
	int rc = clamp_inplace_checked(a, min, max);
	if (rc < 0 && a) {
		ag_tensor *ins_[2] = { a, NULL };
		ag_trace_failed(AG_OP_CLAMP, ins_, 2, a);
	}
	return rc;
}
