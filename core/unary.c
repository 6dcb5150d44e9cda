/*
 * unary.c - the pointwise ops of one tensor: the driver (dtypes, in place,
 * out=, recording) and their kernels, for the ops without numbers of their
 * own (neg, exp, erfinv, isnan, silu, ...) and with them (clamp,
 * leaky_relu, elu, gelu, softplus, hardtanh, threshold, logit, round with
 * decimals, nan_to_num), whose argument struct (opargs.h) the kernels read.
 *
 * Transcendental ops make integer and bool inputs float32, as PyTorch
 * does; rounding ops, sign and the clamps keep integer dtypes.  float16
 * and bfloat16 compute in float32 and round back.  Typed loops serve
 * float32/float64 in and out (and float into bool for the predicates); the
 * rest goes through ag_load/ag_store.
 */
#include "internal.h"
#include "half_ew.h"
#include "record.h"
#include "vmath.h"

#include <tgmath.h>

/* Dense runs never partly overlap (the overlap checks refuse that), so
 * their iterations are independent: let the compiler vectorise them. */
#ifdef _OPENMP
#define SIMD _Pragma("omp simd")
#else
#define SIMD
#endif

/* The pointwise ops of one input. */
static bool is_unary(ag_op op)
{
	const ag_opinfo *info = ag_op_info(op);
	return info && info->kind == AG_OPK_POINTWISE && info->nin == 1;
}

#define ARG(type, field) (((const type *)args)->field)

/* ------------------------------------------------------------- formulas */

/*
 * One formula per op, for float and double (tgmath picks expf or exp).
 * They follow PyTorch's kernels where the order of operations shows in the
 * last bits (sigmoid as 1 / (1 + exp(-x)), elu with exp(x) - 1) and let
 * NaN through where PyTorch does (relu, clamp, hardtanh, threshold).
 */
#define DEFINE_FLOAT_UNARY(name, T, ERFINV)				\
static inline __attribute__((always_inline))			\
T name(ag_op op, T x, const void *restrict args)			\
{									\
	switch (op) {							\
	case AG_OP_NEG: return -x;					\
	case AG_OP_ABS: return fabs(x);					\
	case AG_OP_EXP: return exp(x);					\
	case AG_OP_LOG: return log(x);					\
	case AG_OP_SQRT: return sqrt(x);				\
	case AG_OP_SIN: return sin(x);					\
	case AG_OP_COS: return cos(x);					\
	case AG_OP_TANH: return tanh(x);				\
	case AG_OP_SIGMOID: return 1 / (1 + exp(-x));			\
	case AG_OP_RELU: return x < 0 ? 0 : x;				\
	case AG_OP_LOG1P: return log1p(x);				\
	case AG_OP_EXPM1: return expm1(x);				\
	case AG_OP_RSQRT: return 1 / sqrt(x);				\
	case AG_OP_TAN: return tan(x);					\
	case AG_OP_ASIN: return asin(x);				\
	case AG_OP_ACOS: return acos(x);				\
	case AG_OP_ATAN: return atan(x);				\
	case AG_OP_SINH: return sinh(x);				\
	case AG_OP_COSH: return cosh(x);				\
	case AG_OP_ERF: return erf(x);					\
	case AG_OP_ERFINV: return ERFINV(x);				\
	case AG_OP_ASINH: return asinh(x);				\
	case AG_OP_ACOSH: return acosh(x);				\
	case AG_OP_ATANH: return atanh(x);				\
	case AG_OP_LOG2: return log2(x);				\
	case AG_OP_LOG10: return log10(x);				\
	case AG_OP_EXP2: return exp2(x);				\
	case AG_OP_ERFC: return erfc(x);				\
	case AG_OP_RECIPROCAL: return 1 / x;				\
	case AG_OP_SIGN: return (T)((0 < x) - (x < 0));			\
	case AG_OP_SGN: return (T)((0 < x) - (x < 0));			\
	case AG_OP_HARDSHRINK: {					\
		T l = (T)ARG(ag_shrink_args, lambd);			\
		return x >= -l && x <= l ? 0 : x;			\
	}								\
	case AG_OP_SOFTSHRINK: {					\
		T l = (T)ARG(ag_shrink_args, lambd);			\
		return x > l ? x - l : x < -l ? x + l : x * 0;		\
	}								\
	case AG_OP_FLOOR: return floor(x);				\
	case AG_OP_CEIL: return ceil(x);				\
	case AG_OP_ROUND: return nearbyint(x);				\
	case AG_OP_TRUNC: return trunc(x);				\
	case AG_OP_FRAC: return x - trunc(x);				\
	case AG_OP_ISNAN: return x != x;				\
	case AG_OP_ISINF: return isinf(x) != 0;				\
	case AG_OP_ISFINITE: return isfinite(x) != 0;			\
	case AG_OP_ISPOSINF: return x == (T)INFINITY;			\
	case AG_OP_ISNEGINF: return x == -(T)INFINITY;			\
	case AG_OP_LOGICAL_NOT: return x == 0;				\
	case AG_OP_SILU: return x / (1 + exp(-x));			\
	case AG_OP_MISH: return x * tanh(log1p(exp(x)));		\
	case AG_OP_HARDSIGMOID: return HARD6(x + 3) / 6;		\
	case AG_OP_HARDSWISH: return x * HARD6(x + 3) / 6;		\
	case AG_OP_LOGSIGMOID:						\
		return (x < 0 ? x : 0) - log1p(exp(-fabs(x)));		\
	case AG_OP_LEAKY_RELU:						\
		return x > 0 ? x : x * (T)ARG(ag_leaky_relu_args, negative_slope); \
	case AG_OP_ELU:							\
	case AG_OP_CELU: {						\
		const ag_elu_args *e = args;				\
		return x <= 0 ? (exp(x * (T)e->input_scale) - 1) *	\
				((T)e->alpha * (T)e->scale) : x * (T)e->scale; \
	}								\
	case AG_OP_GELU:						\
		if (ARG(ag_gelu_args, tanh)) {				\
			const T k = (T)(M_SQRT2 * M_2_SQRTPI * 0.5);	\
			T inner = k * (x + (T)0.044715 * x * x * x);	\
			return (T)0.5 * x * (1 + tanh(inner));		\
		}							\
		return x * (T)0.5 * (1 + erf(x * (T)M_SQRT1_2));	\
	case AG_OP_SOFTPLUS: {						\
		const ag_softplus_args *s = args;			\
		T bx = x * (T)s->beta;					\
		return bx > (T)s->threshold ? x : log1p(exp(bx)) / (T)s->beta; \
	}								\
	case AG_OP_HARDTANH: {						\
		const ag_hardtanh_args *h = args;			\
		T lo = (T)h->min_val, hi = (T)h->max_val;		\
		T r = x < lo ? lo : x;					\
		return r > hi ? hi : r;					\
	}								\
	case AG_OP_CLAMP: {	/* no bound: an infinite one */		\
		const ag_clamp_args *c = args;				\
		T lo = isnan(c->min) ? -(T)INFINITY : (T)c->min;	\
		T hi = isnan(c->max) ? (T)INFINITY : (T)c->max;		\
		T r = x < lo ? lo : x;					\
		return r > hi ? hi : r;					\
	}								\
	case AG_OP_THRESHOLD:						\
		return x <= (T)ARG(ag_threshold_args, threshold) ?	\
		       (T)ARG(ag_threshold_args, value) : x;		\
	case AG_OP_LOGIT: {						\
		T eps = (T)ARG(ag_logit_args, eps);			\
		if (eps == eps)						\
			x = x < eps ? eps : x > 1 - eps ? 1 - eps : x;	\
		return log(x / (1 - x));				\
	}								\
	case AG_OP_ROUND_DECIMALS: {					\
		int64_t d = ARG(ag_round_args, decimals);		\
		T p = (T)pow(10.0, (double)(d < 0 ? -d : d));		\
		return d < 0 ? nearbyint(x / p) * p : nearbyint(x * p) / p; \
	}								\
	case AG_OP_NAN_TO_NUM: {					\
		const ag_nan_to_num_args *n = args;			\
		return x != x ? (T)n->nan : x == (T)INFINITY ? (T)n->posinf : \
		       x == -(T)INFINITY ? (T)n->neginf : x;		\
	}								\
	default: return 0;						\
	}								\
}

/* min(max(v, 0), 6), as PyTorch's hardsigmoid has it (NaN passes). */
#define HARD6(v) ((v) < 0 ? 0 : (v) > 6 ? 6 : (v))

DEFINE_FLOAT_UNARY(f32_unary, float, ag_erfinvf)
DEFINE_FLOAT_UNARY(f64_unary, double, ag_erfinv)

/* A clamp bound as an integer (the kernels of integer dtypes take their
 * bounds converted to the dtype, as PyTorch does: hardtanh(x, -0.5, 2.5)
 * of int64 clamps to [0, 2]). */
static int64_t to_i64(double v)
{
	if (isnan(v))
		return 0;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	return (int64_t)v;
}

/* Integer and bool dtypes (ct) compute here. */
static int64_t int_unary(ag_op op, int64_t x, const void *args, ag_dtype ct)
{
	/* negation in unsigned arithmetic: INT64_MIN stays put, as in PyTorch */
	int64_t neg = (int64_t)(0 - (uint64_t)x);

	switch (op) {
	case AG_OP_NEG: return neg;
	case AG_OP_ABS: return x < 0 ? neg : x;
	case AG_OP_RELU: return x < 0 ? 0 : x;
	case AG_OP_SIGN:
	case AG_OP_SGN: return (0 < x) - (x < 0);
	case AG_OP_FLOOR:
	case AG_OP_CEIL:
	case AG_OP_ROUND:
	case AG_OP_TRUNC:
	case AG_OP_NAN_TO_NUM:
		return x;
	case AG_OP_ISNAN:
	case AG_OP_ISINF:
	case AG_OP_ISPOSINF:
	case AG_OP_ISNEGINF:
		return 0;
	case AG_OP_ISFINITE: return 1;
	case AG_OP_LOGICAL_NOT: return x == 0;
	case AG_OP_BITWISE_NOT: return ct == AG_BOOL ? !x : ~x;
	case AG_OP_HARDTANH: {
		const ag_hardtanh_args *h = args;
		int64_t lo = to_i64(h->min_val), hi = to_i64(h->max_val);
		int64_t r = x < lo ? lo : x;
		return r > hi ? hi : r;
	}
	case AG_OP_CLAMP: {
		const ag_clamp_args *c = args;
		if (!isnan(c->min) && x < to_i64(c->min))
			x = to_i64(c->min);
		if (!isnan(c->max) && x > to_i64(c->max))
			x = to_i64(c->max);
		return x;
	}
	case AG_OP_THRESHOLD: {
		const ag_threshold_args *t = args;
		return x <= to_i64(t->threshold) ? to_i64(t->value) : x;
	}
	default: return 0;	/* the others compute in a float type */
	}
}

/* ---------------------------------------------------------- inner loops */

typedef struct unary_ctx {
	ag_op op;
	ag_dtype compute;
	ag_dtype dt[2];		/* out, in */
	const void *args;	/* the op's argument struct, or NULL */
	bool stream;		/* a dense output past the caches (float32, or
			 * a 16-bit float in half_ew.c) */
} unary_ctx;

static void unary_generic(char **data, const int64_t *st, int64_t n,
			  void *vctx)
{
	const unary_ctx *c = vctx;
	char *o = data[0], *a = data[1];
	ag_dtype ct = c->compute;

	if (!ag_dtype_is_floating(ct)) {
		for (int64_t i = 0; i < n; i++) {
			int64_t r = int_unary(c->op, ag_load_i64(a, c->dt[1]),
					      c->args, ct);
			ag_store_i64(o, c->dt[0], ct == AG_BOOL ? r != 0 : r);
			o += st[0]; a += st[1];
		}
	} else if (ct == AG_FLOAT64) {
		for (int64_t i = 0; i < n; i++) {
			ag_store(o, c->dt[0], f64_unary(c->op, ag_load(a, c->dt[1]),
							c->args));
			o += st[0]; a += st[1];
		}
	} else {
		bool ra = c->dt[1] != ct, ro = c->dt[0] != ct;
		for (int64_t i = 0; i < n; i++) {
			float x = (float)ag_load(a, c->dt[1]);
			if (ra)
				x = ag_round_float(x, ct);
			float r = f32_unary(c->op, x, c->args);
			ag_store(o, c->dt[0], ro ? ag_round_float(r, ct) : r);
			o += st[0]; a += st[1];
		}
	}
}

/*
 * The ops vmath.c computes (exp, tanh, gelu, leaky_relu ...), whenever
 * they compute in float32 or a 16-bit float: dense float32 runs go there
 * directly; other runs and dtypes a block at a time, loaded (and rounded
 * to the compute dtype) as unary_generic does, computed, and stored.
 */
enum { VM_BLOCK = 256 };

/* A dense float32 run of a vmath.c op (for ag_half_blocks). */
static void unary_vm_dense(char **data, const int64_t *st, int64_t n,
			   void *vctx)
{
	const unary_ctx *c = vctx;
	(void)st;
	ag_vm_unary_f32(c->op, (float *)data[0], (const float *)data[1], n,
			c->args, false);
}

static void unary_vm(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const unary_ctx *c = vctx;
	ag_dtype ct = c->compute;
	float x[VM_BLOCK], r[VM_BLOCK];
	bool ra = c->dt[1] != ct, ro = c->dt[0] != ct;

	if (!ra && !ro && ag_dtype_is_half(ct)) {
		ag_half_blocks(unary_vm_dense, vctx, data, st, n, 1, ct);
		return;
	}

	if (st[0] == 4 && st[1] == 4 && c->dt[0] == AG_FLOAT32 &&
	    c->dt[1] == AG_FLOAT32) {
		ag_vm_unary_f32(c->op, (float *)data[0], (const float *)data[1],
				n, c->args, c->stream);
		return;
	}
	for (int64_t b = 0; b < n; b += VM_BLOCK) {
		int64_t m = n - b < VM_BLOCK ? n - b : VM_BLOCK;
		const char *a = data[1] + b * st[1];
		char *o = data[0] + b * st[0];
		for (int64_t i = 0; i < m; i++) {
			float v = (float)ag_load(a + i * st[1], c->dt[1]);
			x[i] = ra ? ag_round_float(v, ct) : v;
		}
		ag_vm_unary_f32(c->op, r, x, m, c->args, false);
		for (int64_t i = 0; i < m; i++)
			ag_store(o + i * st[0], c->dt[0],
				 ro ? ag_round_float(r[i], ct) : r[i]);
	}
}

/* A dense loop of its own for op: the formula is inlined with op known,
 * so the switch folds away and the compiler can vectorise. */
#define DENSE(OP, OPFN) case OP:					\
	SIMD for (int64_t i = 0; i < n; i++) o[i] = OPFN(OP, a[i], args); \
	return;

/* Same dtype in and out: dense runs of the common ops get loops of their
 * own; the rest, and strided runs, switch per element. */
#define DEFINE_TYPED_UNARY(name, T, OPFN)				\
static void name(char **data, const int64_t *st, int64_t n, void *vctx)	\
{									\
	const unary_ctx *c = vctx;					\
	T *restrict o = (T *)data[0];					\
	const T *restrict a = (const T *)data[1];			\
	const void *restrict args = c->args;				\
	const int64_t es = sizeof(T);					\
									\
	if (st[0] == es && st[1] == es) {				\
		switch (c->op) {					\
		DENSE(AG_OP_NEG, OPFN) DENSE(AG_OP_RELU, OPFN)		\
		DENSE(AG_OP_ABS, OPFN) DENSE(AG_OP_SQRT, OPFN)		\
		DENSE(AG_OP_EXP, OPFN) DENSE(AG_OP_LOG, OPFN)		\
		DENSE(AG_OP_SIGMOID, OPFN) DENSE(AG_OP_TANH, OPFN)	\
		DENSE(AG_OP_RSQRT, OPFN) DENSE(AG_OP_RECIPROCAL, OPFN)	\
		DENSE(AG_OP_SILU, OPFN) DENSE(AG_OP_GELU, OPFN)		\
		DENSE(AG_OP_LEAKY_RELU, OPFN) DENSE(AG_OP_ELU, OPFN)	\
		DENSE(AG_OP_HARDTANH, OPFN) DENSE(AG_OP_CLAMP, OPFN)	\
		DENSE(AG_OP_SOFTPLUS, OPFN) DENSE(AG_OP_HARDSWISH, OPFN) \
		DENSE(AG_OP_HARDSIGMOID, OPFN)				\
		default:						\
			for (int64_t i = 0; i < n; i++)			\
				o[i] = OPFN(c->op, a[i], args);		\
			return;						\
		}							\
	}								\
	for (int64_t i = 0; i < n; i++) {				\
		T x = *(const T *)((const char *)a + i * st[1]);	\
		*(T *)((char *)o + i * st[0]) = OPFN(c->op, x, args);	\
	}								\
}
DEFINE_TYPED_UNARY(unary_f32, float, f32_unary)
DEFINE_TYPED_UNARY(unary_f64, double, f64_unary)

/* float16/bfloat16 in and out: the float32 loop a block at a time. */
static void unary_half(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const unary_ctx *c = vctx;
	if (ag_half_unary(c->op, c->compute, data, st, n, c->stream))
		return;
	ag_half_blocks(unary_f32, vctx, data, st, n, 1, c->compute);
}

/* The predicates (isnan ...) and logical_not of a float tensor: a mask. */
#define DEFINE_TO_BOOL(name, T, OPFN)					\
static void name(char **data, const int64_t *st, int64_t n, void *vctx)	\
{									\
	const unary_ctx *c = vctx;					\
	char *o = data[0];						\
	const char *a = data[1];					\
									\
	for (int64_t i = 0; i < n; i++)					\
		*(uint8_t *)(o + i * st[0]) = OPFN(c->op,		\
			*(const T *)(a + i * st[1]), NULL) != 0;	\
}
DEFINE_TO_BOOL(unary_f32_bool, float, f32_unary)
DEFINE_TO_BOOL(unary_f64_bool, double, f64_unary)

/* ------------------------------------------------------------- checks */

/* The inputs PyTorch refuses with a message of their own (the table's
 * dtype sets cover the rest). */
static int check_unary_dtype(ag_op op, const ag_tensor *a, const void *args)
{
	/* the limits as PyTorch's Scalar.toLong() gives them */
	if (op == AG_OP_HARDTANH && a->dtype == AG_UINT8 &&
	    (trunc(ARG(ag_hardtanh_args, min_val)) < 0 ||
	     trunc(ARG(ag_hardtanh_args, max_val)) < 0))
		return ag_error(AG_ERR_DTYPE, "cannot do hardtanh on an unsigned "
				"type with negative limits");
	/* threshold converts both numbers to the tensor's type, checked */
	if (op == AG_OP_THRESHOLD && a->dtype != AG_BOOL) {
		double v[2] = { ARG(ag_threshold_args, threshold),
				ARG(ag_threshold_args, value) };
		for (int i = 0; i < 2; i++)
			if (ag_check_scalar_fits(v[i], a->dtype) < 0)
				return -1;
	}
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
	if (op == AG_OP_HARDTANH)
		return ag_error(AG_ERR_DTYPE, "Bool inputs not supported for "
				"hardtanh");
	return 0;
}

/* clamp: the bounds act as numbers from Lua, so an integral bound keeps
 * an int tensor int and a fractional one makes it float32 (PyTorch's
 * promotion with wrapped numbers).  NaN means "no bound". */
static int clamp_types(const ag_tensor *a, const ag_clamp_args *c,
		       ag_dtype *compute)
{
	bool has_min = !isnan(c->min), has_max = !isnan(c->max);

	if (!has_min && !has_max)
		return ag_error(AG_ERR_VALUE, "torch.clamp: At least one of 'min' "
				"or 'max' must not be None");
	/* one fractional bound is enough to make an int tensor float */
	double probe = !has_min ? c->max : !has_max ? c->min :
		       !isfinite(c->min) || c->min != trunc(c->min) ? c->min : c->max;
	ag_tensor *n = ag_number_operand(probe);
	if (!n)
		return -1;
	*compute = ag_result_type(a, n);
	ag_tensor_release(n);
	return 0;
}

/* The dtype op computes in and the one it makes, for input a. */
static int unary_types(ag_op op, const ag_tensor *a, const void *args,
		       ag_dtype *compute, ag_dtype *result)
{
	if (check_unary_dtype(op, a, args) < 0)
		return -1;
	if (op == AG_OP_CLAMP) {
		if (clamp_types(a, args, compute) < 0)
			return -1;
		*result = *compute;
		return 0;
	}
	return ag_pointwise_types(op, a->dtype, compute, result);
}

/* ------------------------------------------------------------- driver */

/*
 * The last table of 65536 results (ag_half_table), kept with the op,
 * dtype and arguments it was built for: the next call with the same ones
 * (a loop over batches) maps through it without building it again.
 * Building costs about 0.1 ms, 3% of gelu float16 10M on Zen 4.  One
 * table (128 KB) at a time, for the life of the process; ops run on one
 * thread (their loops' OpenMP teams only read it).
 */
enum { TABLE_ARGS_MAX = 64 };
static struct {
	uint16_t *table;
	ag_op op;
	ag_dtype dt;
	unsigned char args[TABLE_ARGS_MAX];
} last_table;

static uint16_t *half_table(const unary_ctx *ctx, ag_inner_loop loop)
{
	size_t size = ag_op_info(ctx->op)->args;
	bool keyed = size <= TABLE_ARGS_MAX;

	if (keyed && last_table.table && last_table.op == ctx->op &&
	    last_table.dt == ctx->compute && !ag_round_watch &&
	    (size == 0 || memcmp(last_table.args, ctx->args, size) == 0))
		return last_table.table;
	uint16_t *t = ag_half_table(ctx->op, loop, (void *)ctx);
	if (t && keyed) {
		free(last_table.table);
		last_table.table = t;
		last_table.op = ctx->op;
		last_table.dt = ctx->compute;
		if (size)
			memcpy(last_table.args, ctx->args, size);
	}
	return t;
}

static int unary_run(ag_tensor *out, ag_tensor *a, unary_ctx *ctx)
{
	ag_tensor *ops[2] = { out, a };
	ag_iter it;
	ag_dtype ct = ctx->compute;
	bool same_in = a->dtype == ct, same = same_in && out->dtype == ct;
	bool to_bool = same_in && out->dtype == AG_BOOL &&
		       ag_op_info(ctx->op)->promote == AG_PROMOTE_COMPARE;
	ag_inner_loop loop = unary_generic;

	ctx->dt[0] = out->dtype;
	ctx->dt[1] = a->dtype;
	if ((ct == AG_FLOAT32 || ag_dtype_is_half(ct)) &&
	    !to_bool && ag_vm_unary_has(ctx->op))
		loop = unary_vm;
	else if (same && ct == AG_FLOAT32)
		loop = unary_f32;
	else if (same && ct == AG_FLOAT64)
		loop = unary_f64;
	else if (same && ag_dtype_is_half(ct))
		loop = unary_half;
	else if (to_bool && ct == AG_FLOAT32)
		loop = unary_f32_bool;
	else if (to_bool && ct == AG_FLOAT64)
		loop = unary_f64_bool;
	if (ag_iter_init(&it, 2, ops, out->shape, out->ndim) < 0)
		return -1;
	uint16_t *table = NULL;	/* 16-bit floats: a table of all results */
	ctx->stream = false;
	if (same && ag_dtype_is_half(ct) &&
	    it.numel >= AG_HALF_TABLE_MIN &&
	    (table = half_table(ctx, loop))) {
		ag_half_table_stream(table, it.ndim == 1 && it.strides[0][0] == 2 &&
				     ag_vm_streams(it.numel * 2));
		ag_iter_run(&it, ag_half_table_map, table, true);
	} else {
		ctx->stream = loop == unary_vm && it.ndim == 1 &&
			      it.strides[0][0] == 4 && it.strides[1][0] == 4 &&
			      out->dtype == AG_FLOAT32 && ag_vm_streams(it.numel * 4);
		ctx->stream |= loop == unary_half && it.ndim == 1 &&
			       it.strides[0][0] == 2 && ag_vm_streams(it.numel * 2);
		ag_iter_run(&it, loop, ctx, true);
	}
	if (table != last_table.table)
		free(table);
	return 0;
}

/* Writes into out when given (then bumps its version), else makes one. */
static int unary_impl(ag_op op, ag_tensor *out, ag_tensor *a,
		      const void *args, size_t size, ag_tensor **made)
{
	unary_ctx ctx = { .op = op, .args = args };
	ag_dtype result;

	if (!is_unary(op))
		return ag_error(AG_ERR_VALUE, "unknown unary op %d", (int)op);
	if (!a)
		return ag_error(AG_ERR_VALUE, "%s: expected a tensor, got nothing",
				ag_op_name(op));
	if (size < ag_op_info(op)->args || (ag_op_info(op)->args && !args))
		return ag_error(AG_ERR_VALUE, "%s: called without its arguments",
				ag_op_name(op));
	if (unary_types(op, a, args, &ctx.compute, &result) < 0)
		return -1;
	if (out == a && op == AG_OP_CLAMP && !ag_can_cast(result, out->dtype))
		return ag_error(AG_ERR_DTYPE,
				"result type %s can't be cast to the desired output "
				"type %s", ag_dtype_scalar_name(result),
				ag_dtype_typeid_name(out->dtype));
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

ag_tensor *ag_unary_with(ag_op op, ag_tensor *a, const void *args,
			 size_t size)
{
	ag_tensor *r = NULL;

	if (unary_impl(op, NULL, a, args, size, &r) < 0)
		return NULL;
	return ag_recorded(r, (ag_call){ .op = op, .in = &a, .nin = 1,
		.args = args, .args_size = size });
}

ag_tensor *ag_unary(ag_op op, ag_tensor *a)
{
	return ag_unary_with(op, a, NULL, 0);
}

/* In place, an op with a second name records that one (LeakyReluBackward1:
 * PyTorch's in-place kernels keep the result rather than the input). */
static int unary_inplace_checked(ag_op op, ag_tensor *a, const void *args,
				 size_t size)
{
	ag_tensor *orig = NULL;
	int rc;

	if (!a)
		return ag_error(AG_ERR_VALUE, "%s_: expected a tensor, got nothing",
				ag_op_name(op));
	if (ag_check_inplace(a) < 0)
		return -1;
	if (is_unary(op) && ag_record_needs_original(op, &a, 1) &&
	    !(orig = ag_original_copy(a)))
		return -1;
	rc = unary_impl(op, a, a, args, size, NULL);
	if (rc == 0)
		rc = ag_record(&(ag_call){ .op = op,
			.variant = ag_op_info(op)->grad_fn[1] != NULL, .in = &a,
			.nin = 1, .out = &a, .nout = 1, .inplace = true,
			.original = orig, .args = args, .args_size = size });
	ag_tensor_release(orig);
	return rc;
}

int ag_unary_with_(ag_op op, ag_tensor *a, const void *args, size_t size)
{
	int rc = unary_inplace_checked(op, a, args, size);
	if (rc < 0 && a) {
		ag_tensor *ins_[2] = { a, NULL };
		ag_trace_failed(op, ins_, 2, a);
	}
	return rc;
}

int ag_unary_(ag_op op, ag_tensor *a)
{
	return ag_unary_with_(op, a, NULL, 0);
}

int ag_unary_out(ag_op op, ag_tensor *out, ag_tensor *a)
{
	if (!out)
		return ag_error(AG_ERR_VALUE, "%s: out= expects a tensor",
				ag_op_name(op));
	ag_tensor *in[2] = { a, out };
	if (ag_check_out_autograd(op, in, 2) < 0)
		return -1;
	if (unary_impl(op, out, a, NULL, 0, NULL) < 0)
		return -1;
	ag_trace_op(op, &a, 1, &out, 1, NULL, true);
	return 0;
}

ag_tensor *ag_neg(ag_tensor *a) { return ag_unary(AG_OP_NEG, a); }
ag_tensor *ag_exp(ag_tensor *a) { return ag_unary(AG_OP_EXP, a); }
ag_tensor *ag_log(ag_tensor *a) { return ag_unary(AG_OP_LOG, a); }

ag_tensor *ag_clamp(ag_tensor *a, double min, double max)
{
	ag_clamp_args c = { min, max };
	return ag_unary_with(AG_OP_CLAMP, a, &c, sizeof c);
}

int ag_clamp_(ag_tensor *a, double min, double max)
{
	ag_clamp_args c = { min, max };
	return ag_unary_with_(AG_OP_CLAMP, a, &c, sizeof c);
}
