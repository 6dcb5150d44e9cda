/*
 * binary.c - elementwise ops of two tensors (add ... pow, comparisons,
 * atan2, fmod, remainder, minimum/maximum, clamp_min/max, xlogy, the
 * logical and bitwise ops), with broadcasting and PyTorch's type
 * promotion.
 *
 * Every op computes in one "compute dtype" (inputs are converted to it
 * first, as PyTorch does) and then stores into the output's dtype.  float16
 * and bfloat16 compute in float32 and round back after every op.  Two kinds
 * of inner loop: typed float32/float64 loops for the common case of one
 * dtype everywhere, and a generic loop over ag_load/ag_store for the rest.
 */
#include "internal.h"
#include "half_ew.h"
#include "record.h"
#include "stream_f32.h"
#include "vmath.h"

#include <math.h>

/* Dense runs never partly overlap (the overlap checks refuse that), so
 * their iterations are independent: let the compiler vectorise them. */
#ifdef _OPENMP
#define SIMD _Pragma("omp simd")
#else
#define SIMD
#endif

/* The pointwise ops of two inputs without arguments of their own. */
static bool is_binary(ag_op op)
{
	const ag_opinfo *info = ag_op_info(op);
	return info && info->kind == AG_OPK_POINTWISE && info->nin == 2 &&
	       !info->args;
}

static bool is_comparison(ag_op op)
{
	return ag_op_info(op)->promote == AG_PROMOTE_COMPARE;
}

/* ----------------------------------------------------------- arithmetic */

/* PyTorch's integer power: negative exponents give 0 except for bases 1
 * and -1; overflow wraps (done in unsigned arithmetic to stay defined). */
static int64_t int_pow(int64_t base, int64_t exp)
{
	if (exp < 0) {
		if (base == 1)
			return 1;
		if (base == -1)
			return (exp & 1) ? -1 : 1;
		return 0;
	}
	uint64_t r = 1, b = (uint64_t)base, e = (uint64_t)exp;
	while (e) {
		if (e & 1)
			r *= b;
		b *= b;
		e >>= 1;
	}
	return (int64_t)r;
}

/* C's % truncates like fmod; remainder takes the divisor's sign, as
 * Python's %.  (y == 0 never gets here: binary_run refuses it first.) */
static int64_t int_fmod(int64_t x, int64_t y)
{
	return y == -1 ? 0 : x % y;	/* INT64_MIN % -1 overflows in C */
}

static int64_t int_remainder(int64_t x, int64_t y)
{
	int64_t r = int_fmod(x, y);
	return r != 0 && (r < 0) != (y < 0) ? r + y : r;
}

static int64_t int_op(ag_op op, int64_t x, int64_t y)
{
	switch (op) {
	case AG_OP_ADD: return (int64_t)((uint64_t)x + (uint64_t)y);
	case AG_OP_SUB: return (int64_t)((uint64_t)x - (uint64_t)y);
	case AG_OP_MUL: return (int64_t)((uint64_t)x * (uint64_t)y);
	case AG_OP_POW: return int_pow(x, y);
	case AG_OP_EQ: return x == y;
	case AG_OP_NE: return x != y;
	case AG_OP_LT: return x < y;
	case AG_OP_LE: return x <= y;
	case AG_OP_GT: return x > y;
	case AG_OP_GE: return x >= y;
	case AG_OP_FMOD: return int_fmod(x, y);
	case AG_OP_REMAINDER: return int_remainder(x, y);
	case AG_OP_MINIMUM: return y < x ? y : x;
	case AG_OP_MAXIMUM:
	case AG_OP_CLAMP_MIN: return x < y ? y : x;
	case AG_OP_CLAMP_MAX: return y < x ? y : x;
	case AG_OP_LOGICAL_AND: return x && y;
	case AG_OP_LOGICAL_OR: return x || y;
	case AG_OP_LOGICAL_XOR: return !x != !y;
	case AG_OP_BITWISE_AND: return x & y;
	case AG_OP_BITWISE_OR: return x | y;
	case AG_OP_BITWISE_XOR: return x ^ y;
	default: return 0;	/* div, atan2, xlogy compute in a float type */
	}
}

/* f(x) in x's type: logf for a float */
#define TG(fn, x) _Generic((x), float: fn##f, default: fn)(x)

/*
 * pow with a number as exponent takes PyTorch's shortcuts, so x ^ 2 is
 * exactly x * x as there.  With a tensor exponent it is plain pow().
 */
#define DEFINE_FLOAT_OP(name, T, POW, SQRT)				\
static T name(ag_op op, T x, T y, bool pow_number)		\
{									\
	switch (op) {							\
	case AG_OP_ADD: return x + y;					\
	case AG_OP_SUB: return x - y;					\
	case AG_OP_MUL: return x * y;					\
	case AG_OP_DIV: return x / y;					\
	case AG_OP_POW:							\
		if (pow_number) {					\
			if (y == 2) return x * x;			\
			if (y == 3) return x * x * x;			\
			if (y == (T)0.5) return SQRT(x);		\
			if (y == (T)-0.5) return 1 / SQRT(x);		\
			if (y == -1) return 1 / x;			\
			if (y == -2) return 1 / (x * x);		\
		}							\
		return POW(x, y);					\
	case AG_OP_HYPOT: return _Generic(x, float: hypotf, default: hypot)(x, y); \
	case AG_OP_ATAN2: return _Generic(x, float: atan2f, default: atan2)(x, y); \
	case AG_OP_FMOD: return _Generic(x, float: fmodf, default: fmod)(x, y); \
	case AG_OP_REMAINDER: {						\
		T m = _Generic(x, float: fmodf, default: fmod)(x, y);	\
		return m != 0 && (y < 0) != (m < 0) ? m + y : m;	\
	}								\
	/* NaN wins; otherwise std::min / std::max (which keep -0.0's	\
	 * order: maximum(-0.0, 0.0) is -0.0 there) */			\
	case AG_OP_MINIMUM:						\
	case AG_OP_CLAMP_MAX:						\
		return x != x ? x : y != y ? y : y < x ? y : x;		\
	case AG_OP_MAXIMUM:						\
	case AG_OP_CLAMP_MIN:						\
		return x != x ? x : y != y ? y : x < y ? y : x;		\
	case AG_OP_XLOGY:						\
		return y != y ? y : x == 0 ? 0 :			\
		       x * _Generic(x, float: logf, default: log)(y);	\
	/* PyTorch's order of operations; equal infinities stay */	\
	case AG_OP_LOGADDEXP: {						\
		if (isinf(x) && x == y) return x;			\
		T m = x < y ? y : x, d = -TG(fabs, x - y);		\
		return m + TG(log1p, TG(exp, d));			\
	}								\
	case AG_OP_LOGADDEXP2: {					\
		if (isinf(x) && x == y) return x;			\
		T m = x < y ? y : x, d = -TG(fabs, x - y);		\
		return m + TG(log1p, TG(exp2, d)) * (T)(1 / 0.69314718055994530942); \
	}								\
	case AG_OP_LOGICAL_AND: return x != 0 && y != 0;		\
	case AG_OP_LOGICAL_OR: return x != 0 || y != 0;			\
	case AG_OP_LOGICAL_XOR: return (x != 0) != (y != 0);		\
	case AG_OP_EQ: return x == y;					\
	case AG_OP_NE: return x != y;					\
	case AG_OP_LT: return x < y;					\
	case AG_OP_LE: return x <= y;					\
	case AG_OP_GT: return x > y;					\
	case AG_OP_GE: return x >= y;					\
	default: return 0;						\
	}								\
}
DEFINE_FLOAT_OP(f32_op, float, powf, sqrtf)
DEFINE_FLOAT_OP(f64_op, double, pow, sqrt)

/* ---------------------------------------------------------- inner loops */

typedef struct binary_ctx {
	ag_op op;
	ag_dtype compute;
	ag_dtype dt[3];		/* out, a, b */
	bool pow_number;	/* b is a number from the host language */
	bool stream;		/* a dense output past the caches (float32, or
			 * a 16-bit float in half_ew.c) */
} binary_ctx;

static void binary_generic(char **data, const int64_t *st, int64_t n,
			   void *vctx)
{
	const binary_ctx *c = vctx;
	char *o = data[0], *a = data[1], *b = data[2];
	ag_dtype ct = c->compute;

	if (!ag_dtype_is_floating(ct)) {
		for (int64_t i = 0; i < n; i++) {
			int64_t r = int_op(c->op, ag_load_i64(a, c->dt[1]),
					   ag_load_i64(b, c->dt[2]));
			if (ct == AG_BOOL)
				r = r != 0;	/* bool + bool is "or" */
			ag_store_i64(o, c->dt[0], r);
			o += st[0]; a += st[1]; b += st[2];
		}
	} else if (ct == AG_FLOAT64) {
		for (int64_t i = 0; i < n; i++) {
			double r = f64_op(c->op, ag_load(a, c->dt[1]),
					  ag_load(b, c->dt[2]), c->pow_number);
			ag_store(o, c->dt[0], r);
			o += st[0]; a += st[1]; b += st[2];
		}
	} else {
		/* round only what is not already of the compute dtype (the
		 * store into an output of that dtype rounds by itself) */
		bool ra = c->dt[1] != ct, rb = c->dt[2] != ct, ro = c->dt[0] != ct;
		for (int64_t i = 0; i < n; i++) {
			float x = (float)ag_load(a, c->dt[1]);
			float y = (float)ag_load(b, c->dt[2]);
			if (ra)
				x = ag_round_float(x, ct);
			if (rb)
				y = ag_round_float(y, ct);
			float r = f32_op(c->op, x, y, c->pow_number);
			ag_store(o, c->dt[0], ro ? ag_round_float(r, ct) : r);
			o += st[0]; a += st[1]; b += st[2];
		}
	}
}

/*
 * One dtype everywhere: typed pointers, and separate loops for the stride
 * patterns that matter (all dense, or one side a broadcast scalar) so the
 * compiler can vectorise them.
 */
/* The dense run of a typed loop, with Y the second operand at i (b[i], or
 * a broadcast scalar): the four arithmetic ops get loops of their own. */
#define DENSE_LOOPS(OPFN, Y)						\
	switch (c->op) {						\
	case AG_OP_ADD: SIMD for (int64_t i = 0; i < n; i++) o[i] = a[i] + Y; return; \
	case AG_OP_SUB: SIMD for (int64_t i = 0; i < n; i++) o[i] = a[i] - Y; return; \
	case AG_OP_MUL: SIMD for (int64_t i = 0; i < n; i++) o[i] = a[i] * Y; return; \
	case AG_OP_DIV: SIMD for (int64_t i = 0; i < n; i++) o[i] = a[i] / Y; return; \
	case AG_OP_MAXIMUM:						\
	case AG_OP_CLAMP_MIN:						\
		SIMD for (int64_t i = 0; i < n; i++) {			\
			__typeof__(*a) x_ = a[i], y_ = Y;		\
			o[i] = x_ != x_ ? x_ : y_ != y_ ? y_ : x_ < y_ ? y_ : x_; \
		}							\
		return;							\
	case AG_OP_MINIMUM:						\
	case AG_OP_CLAMP_MAX:						\
		SIMD for (int64_t i = 0; i < n; i++) {			\
			__typeof__(*a) x_ = a[i], y_ = Y;		\
			o[i] = x_ != x_ ? x_ : y_ != y_ ? y_ : y_ < x_ ? y_ : x_; \
		}							\
		return;							\
	default:							\
		for (int64_t i = 0; i < n; i++)				\
			o[i] = OPFN(c->op, a[i], Y, pn);		\
		return;							\
	}
#define DEFINE_TYPED_LOOP(name, T, OPFN)				\
static void name(char **data, const int64_t *st, int64_t n, void *vctx)	\
{									\
	const binary_ctx *c = vctx;					\
	T *o = (T *)data[0];						\
	const T *a = (const T *)data[1], *b = (const T *)data[2];	\
	const int64_t es = sizeof(T);					\
	bool pn = c->pow_number;					\
									\
	if (es == 4 && c->stream && st[0] == es && st[1] == es &&	\
	    (st[2] == es || st[2] == 0) &&				\
	    ag_stream_arith_f32(c->op, (float *)o, (const float *)a,	\
				(const float *)b, st[2] != 0, n))	\
		return;							\
	if (st[0] == es && st[1] == es && st[2] == es)			\
		DENSE_LOOPS(OPFN, b[i])					\
	if (st[0] == es && st[1] == es && st[2] == 0) {			\
		const T y = *b;						\
		DENSE_LOOPS(OPFN, y)					\
	}								\
	if (st[0] == es && st[1] == 0 && st[2] == es) {			\
		const T x = *a;						\
		for (int64_t i = 0; i < n; i++)				\
			o[i] = OPFN(c->op, x, b[i], pn);		\
		return;							\
	}								\
	for (int64_t i = 0; i < n; i++)					\
		*(T *)((char *)o + i * st[0]) = OPFN(c->op,		\
			*(const T *)((const char *)a + i * st[1]),	\
			*(const T *)((const char *)b + i * st[2]), pn);	\
}
DEFINE_TYPED_LOOP(binary_f32, float, f32_op)
DEFINE_TYPED_LOOP(binary_f64, double, f64_op)

/* Comparisons of one floating dtype into a bool output (masks). */
#define CMP_LOOPS(T, X, Y)						\
	switch (c->op) {						\
	case AG_OP_EQ: SIMD for (int64_t i = 0; i < n; i++) o[i] = X == Y; return; \
	case AG_OP_NE: SIMD for (int64_t i = 0; i < n; i++) o[i] = X != Y; return; \
	case AG_OP_LT: SIMD for (int64_t i = 0; i < n; i++) o[i] = X < Y; return; \
	case AG_OP_LE: SIMD for (int64_t i = 0; i < n; i++) o[i] = X <= Y; return; \
	case AG_OP_GT: SIMD for (int64_t i = 0; i < n; i++) o[i] = X > Y; return; \
	case AG_OP_GE: SIMD for (int64_t i = 0; i < n; i++) o[i] = X >= Y; return; \
	default: break;	/* the logical ops: the loop below */		\
	}
#define DEFINE_COMPARE_LOOP(name, T)					\
static void name(char **data, const int64_t *st, int64_t n, void *vctx)	\
{									\
	const binary_ctx *c = vctx;					\
	uint8_t *o = (uint8_t *)data[0];				\
	const T *a = (const T *)data[1], *b = (const T *)data[2];	\
	const int64_t es = sizeof(T);					\
									\
	if (st[0] == 1 && st[1] == es && st[2] == es)			\
		CMP_LOOPS(T, a[i], b[i])				\
	if (st[0] == 1 && st[1] == es && st[2] == 0) {			\
		const T y = *b;						\
		CMP_LOOPS(T, a[i], y)					\
	}								\
	for (int64_t i = 0; i < n; i++)					\
		*(uint8_t *)((char *)o + i * st[0]) = (uint8_t)f64_op(c->op, \
			*(const T *)((const char *)a + i * st[1]),	\
			*(const T *)((const char *)b + i * st[2]), false); \
}
DEFINE_COMPARE_LOOP(compare_f32, float)
DEFINE_COMPARE_LOOP(compare_f64, double)

/* float16/bfloat16 everywhere: a block at a time, widen both operands to
 * float32 (vectorised for dense runs), compute with the float32 loop and
 * round back; the same bits as widening and rounding element by element. */
#define HALF_BLOCK 512
static void binary_half(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const binary_ctx *c = vctx;
	float x[HALF_BLOCK], y[HALF_BLOCK], r[HALF_BLOCK];
	char *fd[3] = { (char *)r, (char *)x, (char *)y };
	const int64_t fs[3] = { 4, 4, 4 };

	if (ag_half_binary(c->op, c->compute, data, st, n, c->stream))	/* half_ew.c */
		return;
	for (int64_t i = 0; i < n; i += HALF_BLOCK) {
		int64_t m = n - i < HALF_BLOCK ? n - i : HALF_BLOCK;
		ag_widen_half(data[1] + i * st[1], st[1], x, m, c->compute);
		ag_widen_half(data[2] + i * st[2], st[2], y, m, c->compute);
		binary_f32(fd, fs, m, vctx);
		ag_narrow_half(r, data[0] + i * st[0], st[0], m, c->compute);
	}
}

/* The ops vmath.c computes (atan2) in float32 or a 16-bit float: dense
 * float32 runs directly, the rest a block at a time, loaded and rounded
 * as binary_generic does. */
enum { VM_BLOCK = 256 };

static void binary_vm(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const binary_ctx *c = vctx;
	ag_dtype ct = c->compute;
	float x[VM_BLOCK], y[VM_BLOCK], r[VM_BLOCK];
	bool ra = c->dt[1] != ct, rb = c->dt[2] != ct, ro = c->dt[0] != ct;

	if (st[0] == 4 && st[1] == 4 && st[2] == 4 && c->dt[0] == AG_FLOAT32 &&
	    c->dt[1] == AG_FLOAT32 && c->dt[2] == AG_FLOAT32) {
		ag_vm_binary_f32(c->op, (float *)data[0], (const float *)data[1],
				 (const float *)data[2], n);
		return;
	}
	for (int64_t b = 0; b < n; b += VM_BLOCK) {
		int64_t m = n - b < VM_BLOCK ? n - b : VM_BLOCK;
		const char *pa = data[1] + b * st[1], *pb = data[2] + b * st[2];
		char *o = data[0] + b * st[0];
		for (int64_t i = 0; i < m; i++) {
			float u = (float)ag_load(pa + i * st[1], c->dt[1]);
			float v = (float)ag_load(pb + i * st[2], c->dt[2]);
			x[i] = ra ? ag_round_float(u, ct) : u;
			y[i] = rb ? ag_round_float(v, ct) : v;
		}
		ag_vm_binary_f32(c->op, r, x, y, m);
		for (int64_t i = 0; i < m; i++)
			ag_store(o + i * st[0], c->dt[0],
				 ro ? ag_round_float(r[i], ct) : r[i]);
	}
}

/* ------------------------------------------------------------- checks */

/* The dtypes PyTorch refuses for an op with a message of its own (the
 * table's dtype sets cover the rest). */
static int check_operand_dtypes(ag_op op, const ag_tensor *a,
				const ag_tensor *b)
{
	if (op == AG_OP_SUB) {
		if (a->dtype == AG_BOOL && b->dtype == AG_BOOL)
			return ag_error(AG_ERR_DTYPE,
				"Subtraction, the `-` operator, with two bool "
				"tensors is not supported. Use the `^` or "
				"`logical_xor()` operator instead.");
		if (a->dtype == AG_BOOL || b->dtype == AG_BOOL)
			return ag_error(AG_ERR_DTYPE,
				"Subtraction, the `-` operator, with a bool tensor "
				"is not supported. If you are trying to invert a "
				"mask, use the `~` or `logical_not()` operator "
				"instead.");
	}
	if ((op == AG_OP_CLAMP_MIN || op == AG_OP_CLAMP_MAX) &&
	    b->is_wrapped_number) {
		ag_dtype ct = ag_result_type(a, b);
		if (ct == AG_BOOL)
			return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
					op == AG_OP_CLAMP_MIN ? "clamp_min_cpu" :
					"clamp_max_scalar_cpu", ag_dtype_scalar_name(ct));
	}
	if (op == AG_OP_POW && b->is_wrapped_number &&
	    !ag_dtype_is_floating(a->dtype) && !ag_dtype_is_floating(b->dtype) &&
	    ag_load_i64(ag_data_ptr(b), b->dtype) < 0)
		return ag_error(AG_ERR_VALUE,
				"Integers to negative integer powers are not allowed.");
	return 0;
}

/* ------------------------------------------------------------- driver */

static void find_zero(char **data, const int64_t *st, int64_t n, void *vctx)
{
	struct { ag_dtype dt; bool found; } *c = vctx;
	for (int64_t i = 0; i < n && !c->found; i++)
		c->found = ag_load_i64(data[0] + i * st[0], c->dt) == 0;
}

/* Integer fmod and remainder by zero: PyTorch's error, before any write. */
static int check_int_divisor(ag_op op, ag_tensor *b, ag_dtype ct)
{
	struct { ag_dtype dt; bool found; } c = { b->dtype, false };
	ag_iter it;

	if ((op != AG_OP_FMOD && op != AG_OP_REMAINDER) ||
	    ag_dtype_is_floating(ct))
		return 0;
	if (ag_iter_init(&it, 1, &b, b->shape, b->ndim) < 0)
		return -1;
	ag_iter_run(&it, find_zero, &c, false);
	return c.found ? ag_error(AG_ERR_VALUE, "ZeroDivisionError") : 0;
}

/*
 * A small op over dense operands (the per-op cost from Lua: 1-element
 * tensors, short vectors) runs its inner loop once, without the
 * iterator's set-up: every operand is contiguous with the output's
 * element count, or holds one element (a broadcast one: stride 0).  The
 * same loop over the same elements in the same order as the iterator
 * would run; larger ops (OpenMP, Ctrl-C polling) keep the iterator.
 */
#define SMALL_DENSE 4096

static bool small_dense_run(ag_tensor *const *ops, ag_inner_loop loop,
			    void *ctx)
{
	const ag_tensor *out = ops[0];
	int64_t n = 1, st[3];
	char *data[3];

	for (int d = 0; d < out->ndim; d++)
		n *= out->shape[d];
	if (n == 0 || n > SMALL_DENSE)
		return false;
	for (int k = 0; k < 3; k++) {
		const ag_tensor *t = ops[k];
		int64_t m = 1;
		for (int d = 0; d < t->ndim; d++)
			m *= t->shape[d];
		if (m == 1 && k > 0)
			st[k] = 0;
		else if (m == n && ag_is_contiguous(t))
			st[k] = (int64_t)ag_dtype_size(t->dtype);
		else
			return false;
		data[k] = ag_data_ptr(t);
	}
	if (n == 1)
		st[0] = 0;	/* as the iterator lays one element out */
	loop(data, st, n, ctx);
	return true;
}

/* Computes a (op) b into out, already checked to fit; a and b are read
 * after conversion of 0-d operands to the compute dtype. */
static int binary_run(ag_op op, ag_tensor *out, ag_tensor *a,
		      ag_tensor *b, ag_dtype ct, bool pow_number)
{
	ag_tensor *ca = ag_scalar_operand(a, ct);
	ag_tensor *cb = ca ? ag_scalar_operand(b, ct) : NULL;
	binary_ctx ctx = { op, ct, { out->dtype, 0, 0 }, pow_number, false };
	ag_iter it;
	int rc = -1;

	if (!ca || !cb || check_int_divisor(op, cb, ct) < 0)
		goto done;
	ctx.dt[1] = ca->dtype;
	ctx.dt[2] = cb->dtype;
	bool same = out->dtype == ct && ca->dtype == ct && cb->dtype == ct;
	bool cmp = is_comparison(op) && out->dtype == AG_BOOL &&
		   ca->dtype == ct && cb->dtype == ct;
	ag_inner_loop loop = binary_generic;
	if ((ct == AG_FLOAT32 || ag_dtype_is_half(ct)) &&
	    out->dtype != AG_BOOL && ag_vm_binary_has(op))
		loop = binary_vm;
	else if (cmp && ct == AG_FLOAT32)
		loop = compare_f32;
	else if (cmp && ct == AG_FLOAT64)
		loop = compare_f64;
	else if (same && ct == AG_FLOAT32)
		loop = binary_f32;
	else if (same && ct == AG_FLOAT64)
		loop = binary_f64;
	else if (same && ag_dtype_is_half(ct))
		loop = binary_half;
	ag_tensor *ops[3] = { out, ca, cb };
	if (small_dense_run(ops, loop, &ctx)) {
		rc = 0;
		goto done;
	}
	if (ag_iter_init(&it, 3, ops, out->shape, out->ndim) < 0)
		goto done;
	ctx.stream = loop == binary_f32 && it.ndim == 1 &&
		     it.strides[0][0] == 4 && ag_vm_streams(it.numel * 4);
	ctx.stream |= loop == binary_half && it.ndim == 1 &&
		      it.strides[0][0] == 2 && ag_vm_streams(it.numel * 2);
	ag_iter_run(&it, loop, &ctx, true);
	rc = 0;
done:
	ag_tensor_release(ca);
	ag_tensor_release(cb);
	return rc;
}

/* Checks everything, then writes into out (an existing tensor) or, with
 * out == NULL, into a new tensor returned through *made. */
static int binary_impl(ag_op op, ag_tensor *out, ag_tensor *a,
		       ag_tensor *b, ag_tensor **made)
{
	int64_t shape[AG_MAX_DIMS];
	int ndim;
	ag_dtype ct, rt;

	if (!is_binary(op))
		return ag_error(AG_ERR_VALUE, "unknown binary op %d", (int)op);
	if (!a || !b)
		return ag_error(AG_ERR_VALUE, "%s: expected a tensor, got nothing",
				ag_op_name(op));
	/* ct: the dtype inputs are converted to; rt: what the op makes */
	/* two tensors (not Lua numbers) of one dtype promote to it, whatever
	 * their ranks */
	bool one = a->dtype == b->dtype && !a->is_wrapped_number &&
		   !b->is_wrapped_number;
	if (ag_pointwise_types(op, one ? a->dtype : ag_result_type(a, b),
			       &ct, &rt) < 0 ||
	    check_operand_dtypes(op, a, b) < 0)
		return -1;
	if (a->ndim == b->ndim && !memcmp(a->shape, b->shape,
					   sizeof(int64_t) * (size_t)a->ndim)) {
		ndim = a->ndim;	/* equal shapes: nothing to broadcast */
		memcpy(shape, a->shape, sizeof(int64_t) * (size_t)ndim);
	} else if (ag_broadcast_shapes(a->shape, a->ndim, b->shape, b->ndim,
				       shape, &ndim) < 0) {
		return -1;
	}
	if (out) {
		ag_tensor *ins[2] = { a, b };
		if (ag_check_elementwise_out(out, shape, ndim, ins, 2) < 0 ||
		    ag_check_cast(rt, out->dtype) < 0)
			return -1;
	} else {
		ag_tensor *ins[2] = { a, b };
		out = ag_elementwise_alloc(shape, ndim, rt, ins, 2);
		if (!out)
			return -1;
	}
	if (binary_run(op, out, a, b, ct,
		       op == AG_OP_POW && b->is_wrapped_number) < 0) {
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

/* PyTorch names the node after the overload a number picks: a number
 * minus a tensor is rsub (RsubBackward1), a tensor to a number's power
 * PowBackward0. */
static int grad_fn_variant(ag_op op, const ag_tensor *a, const ag_tensor *b,
			   bool inplace)
{
	const ag_opinfo *info = ag_op_info(op);

	if (op == AG_OP_SUB)
		return a->is_wrapped_number && !inplace;
	if (op == AG_OP_DIV)
		return b->is_scalar_overload;
	if (b->is_wrapped_number && info->grad_fn[1])
		return 1;
	if (a->is_wrapped_number && info->grad_fn[2])
		return 2;
	return 0;
}

ag_tensor *ag_binary(ag_op op, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *r = NULL;

	if (binary_impl(op, NULL, a, b, &r) < 0)
		return NULL;
	return ag_recorded(r, (ag_call){ .op = op,
		.variant = grad_fn_variant(op, a, b, false),
		.in = (ag_tensor *[]){ a, b }, .nin = 2 });
}

static int binary_inplace_checked(ag_op op, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *orig = NULL;
	int rc;

	if (!a)
		return ag_error(AG_ERR_VALUE, "%s_: expected a tensor, got nothing",
				ag_op_name(op));
	ag_tensor *in[2] = { a, b };
	if (b && ag_check_inplace_of(a, in, 2) < 0)
		return -1;
	if (b && ag_record_needs_original(op, in, 2) &&
	    !(orig = ag_original_copy(a)))
		return -1;
	rc = binary_impl(op, a, a, b, NULL);
	if (rc == 0)
		rc = ag_record(&(ag_call){ .op = op,
			.variant = grad_fn_variant(op, a, b, true), .in = in,
			.nin = 2, .out = &a, .nout = 1, .inplace = true,
			.original = orig });
	ag_tensor_release(orig);
	return rc;
}

int ag_binary_out(ag_op op, ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	if (!out)
		return ag_error(AG_ERR_VALUE, "%s: out= expects a tensor",
				ag_op_name(op));
	ag_tensor *in[3] = { a, b, out };
	if (ag_check_out_autograd(op, in, 3) < 0)
		return -1;
	if (binary_impl(op, out, a, b, NULL) < 0)
		return -1;
	ag_trace_op(op, in, 2, &out, 1, NULL, true);
	return 0;
}

ag_tensor *ag_add(ag_tensor *a, ag_tensor *b) { return ag_binary(AG_OP_ADD, a, b); }
ag_tensor *ag_sub(ag_tensor *a, ag_tensor *b) { return ag_binary(AG_OP_SUB, a, b); }
ag_tensor *ag_mul(ag_tensor *a, ag_tensor *b) { return ag_binary(AG_OP_MUL, a, b); }
ag_tensor *ag_div(ag_tensor *a, ag_tensor *b) { return ag_binary(AG_OP_DIV, a, b); }
ag_tensor *ag_pow(ag_tensor *a, ag_tensor *b) { return ag_binary(AG_OP_POW, a, b); }

/* A number operand counts as a Lua number: an integral value is an int.
 * scalar: passed as C++'s Scalar overload (DivBackward1), not as Lua's. */
static ag_tensor *binary_number(ag_op op, ag_tensor *a, double s, bool scalar)
{
	ag_tensor *n = ag_number_operand(s);
	ag_tensor *r;

	if (!n)
		return NULL;
	n->is_scalar_overload = scalar;
	r = ag_binary(op, a, n);
	ag_tensor_release(n);
	return r;
}

ag_tensor *ag_add_scalar(ag_tensor *a, double s) { return binary_number(AG_OP_ADD, a, s, false); }
ag_tensor *ag_mul_scalar(ag_tensor *a, double s) { return binary_number(AG_OP_MUL, a, s, false); }
ag_tensor *ag_pow_scalar(ag_tensor *a, double s) { return binary_number(AG_OP_POW, a, s, false); }

ag_tensor *ag_div_scalar(ag_tensor *a, double s) { return binary_number(AG_OP_DIV, a, s, true); }

int ag_binary_(ag_op op, ag_tensor *a, ag_tensor *b)
{
	int rc = binary_inplace_checked(op, a, b);
	if (rc < 0 && a) {
		ag_tensor *ins_[2] = { a, b };
		ag_trace_failed(op, ins_, 2, a);
	}
	return rc;
}
