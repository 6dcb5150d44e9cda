/*
 * fold.c - the reduction kernels: typed runs that fold strided elements
 * into an accumulator, the plan that walks a tensor's dims, column-wise
 * sums, and the split over threads.
 *
 * The input's dims split into "kept" dims (one output element each, in
 * row-major order) and "reduced" dims (walked for every output element).
 * The reduced dims are coalesced so the innermost walk is one long strided
 * run; a typed kernel folds each run into an accumulator.  Arg ops walk
 * the reduced dims in their logical order so positions count like
 * PyTorch's flat indices; order-free ops may visit memory in any order.
 */
#include "fold.h"

#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* ------------------------------------------------------------ accumulator */

typedef struct acc {
	double s, c;	/* float sum and its Neumaier compensation */
	double n, mean, m2;	/* var: count, mean, sum of squared deviations */
	uint64_t u;	/* integer sum: unsigned so overflow wraps, as int64 does */
	double v;	/* float extreme so far */
	int64_t iv;	/* integer extreme so far */
	int64_t idx;	/* position of the extreme; -1 before the first value */
	bool done;	/* a NaN decided a max/min: later values cannot change it */
} acc;

static void acc_init(acc *a, fold op)
{
	memset(a, 0, sizeof *a);
	a->idx = -1;
	if (op == FOLD_PROD)
		a->s = 1;	/* the float product runs in s, the integer in u */
	if (op == FOLD_PROD || op == FOLD_ALL)
		a->u = 1;
	a->v = (op == FOLD_MIN || op == FOLD_ARGMIN) ? INFINITY : -INFINITY;
	a->iv = (op == FOLD_MIN || op == FOLD_ARGMIN) ? INT64_MAX : INT64_MIN;
}

/* Neumaier's compensated add: block sums of a long float64 run lose
 * nothing to each other. */
static void acc_add(acc *a, double x)
{
	double t = a->s + x;
	/* past an inf the correction would be inf - inf = nan: drop it */
	if (isfinite(t))
		a->c += fabs(a->s) >= fabs(x) ? (a->s - t) + x : (x - t) + a->s;
	a->s = t;
}

/* A run is n elements from p, st bytes apart, at positions pos, pos+1, ... */
typedef void (*run_fn)(const char *p, int64_t n, int64_t st, int64_t pos,
		       acc *a);

#define SUM_BLOCK 4096

#ifdef _OPENMP
#define OMP_SIMD _Pragma("omp simd")
#else
#define OMP_SIMD
#endif

/* Chan et al.'s update: a block of nb elements with mean mb and squared
 * deviations m2b joins the ones folded so far. */
static void acc_moments(acc *a, double nb, double mb, double m2b)
{
	if (nb == 0)
		return;
	double n = a->n + nb, delta = mb - a->mean;
	a->mean += delta * (nb / n);
	a->m2 += m2b + delta * delta * (a->n * nb / n);
	a->n = n;
}

/*
 * var: each block of a run is folded in two passes, its mean and then the
 * squares of the deviations from it, while the block is still in cache;
 * blocks join by acc_moments.  As accurate as a two-pass variance, at the
 * memory traffic of one pass.
 */
#define VAR_KERNEL(NAME, T, LOAD, BLOCK)				\
static void var_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	(void)pos;							\
	for (int64_t b = 0; b < n; b += SUM_BLOCK) {			\
		int64_t m = n - b < SUM_BLOCK ? n - b : SUM_BLOCK;	\
		double l = 0, l2 = 0, mu;				\
		const char *q = p + b * st;				\
		if (BLOCK && st == (int64_t)sizeof(T)) {		\
			const T *e = (const T *)q;			\
			mu = block_sum_##NAME(e, m) / (double)m;	\
			l2 = block_sqdev_##NAME(e, m, mu);		\
		} else {						\
			for (int64_t i = 0; i < m; i++)			\
				l += LOAD(*(const T *)(q + i * st));	\
			mu = l / (double)m;				\
			for (int64_t i = 0; i < m; i++) {		\
				double d = LOAD(*(const T *)(q + i * st)) - mu; \
				l2 += d * d;				\
			}						\
		}							\
		acc_moments(a, (double)m, mu, l2);			\
	}								\
}

/*
 * Contiguous float32 and float64 blocks, the hot path of sum, mean and
 * var.  float32: 64 float partials (element i of a group of 256 goes to
 * partial i % 64, so each adds 4 elements in float), moved into double
 * partials after every group; float64: 32 double partials.  The partials
 * add up in double at the end of the block, and blocks join by acc_add.
 * That is more accurate than PyTorch's cascade sum (whose float32
 * partials add 16 elements and then each other in float), and the
 * independent partials keep the vector units busy instead of waiting on
 * one chain of adds.  The order is fixed by this code, not by the
 * instruction set: the AVX-512, AVX2 and SSE2 clones the compiler makes
 * (the loader picks one for the CPU) give the same sums bit for bit
 * (var's squared deviations may differ in the last bit where a clone
 * fuses a multiply-add).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__)
#define VEC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VEC_CLONES
#endif

typedef float f32x16 __attribute__((vector_size(64)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef double f64x8 __attribute__((vector_size(64)));

#define LO8(v) __builtin_convertvector(__builtin_shufflevector(v, v, \
	0, 1, 2, 3, 4, 5, 6, 7), f64x8)
#define HI8(v) __builtin_convertvector(__builtin_shufflevector(v, v, \
	8, 9, 10, 11, 12, 13, 14, 15), f64x8)

VEC_CLONES static double block_sum_f32(const float *e, int64_t m)
{
	f64x8 d0 = { 0 }, d1 = { 0 };
	int64_t i = 0, groups = m / 256 * 256;
	double l = 0;

	while (i < groups) {
		f32x16 s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
		for (int k = 0; k < 4; k++, i += 64) {
			f32x16 v0, v1, v2, v3;
			memcpy(&v0, e + i, sizeof v0);
			memcpy(&v1, e + i + 16, sizeof v1);
			memcpy(&v2, e + i + 32, sizeof v2);
			memcpy(&v3, e + i + 48, sizeof v3);
			s0 += v0;
			s1 += v1;
			s2 += v2;
			s3 += v3;
		}
		d0 += (LO8(s0) + LO8(s1)) + (LO8(s2) + LO8(s3));
		d1 += (HI8(s0) + HI8(s1)) + (HI8(s2) + HI8(s3));
	}
	for (; i < m; i++)
		l += e[i];
	for (int j = 0; j < 8; j++)
		l += d0[j] + d1[j];
	return l;
}

/* 32 double partials */
VEC_CLONES static double block_sum_f64(const double *e, int64_t m)
{
	f64x8 s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	int64_t i = 0;
	double l = 0;

	for (; i + 32 <= m; i += 32) {
		f64x8 v0, v1, v2, v3;
		memcpy(&v0, e + i, sizeof v0);
		memcpy(&v1, e + i + 8, sizeof v1);
		memcpy(&v2, e + i + 16, sizeof v2);
		memcpy(&v3, e + i + 24, sizeof v3);
		s0 += v0;
		s1 += v1;
		s2 += v2;
		s3 += v3;
	}
	for (; i < m; i++)
		l += e[i];
	for (int j = 0; j < 8; j++)
		l += (s0[j] + s1[j]) + (s2[j] + s3[j]);
	return l;
}

/* The squared deviations from mu, in double (var's second pass); VT is
 * a vector of 8 T. */
#define BLOCK_SQDEV(NAME, T, VT)					\
VEC_CLONES static double block_sqdev_##NAME(const T *e, int64_t m,	\
					    double mu)			\
{									\
	f64x8 s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };		\
	f64x8 vm = { mu, mu, mu, mu, mu, mu, mu, mu };			\
	int64_t i = 0;							\
	double l = 0;							\
									\
	for (; i + 32 <= m; i += 32) {					\
		VT v0, v1, v2, v3;					\
		memcpy(&v0, e + i, sizeof v0);				\
		memcpy(&v1, e + i + 8, sizeof v1);			\
		memcpy(&v2, e + i + 16, sizeof v2);			\
		memcpy(&v3, e + i + 24, sizeof v3);			\
		f64x8 d0 = __builtin_convertvector(v0, f64x8) - vm;	\
		f64x8 d1 = __builtin_convertvector(v1, f64x8) - vm;	\
		f64x8 d2 = __builtin_convertvector(v2, f64x8) - vm;	\
		f64x8 d3 = __builtin_convertvector(v3, f64x8) - vm;	\
		s0 += d0 * d0;						\
		s1 += d1 * d1;						\
		s2 += d2 * d2;						\
		s3 += d3 * d3;						\
	}								\
	for (; i < m; i++) {						\
		double d = e[i] - mu;					\
		l += d * d;						\
	}								\
	for (int j = 0; j < 8; j++)					\
		l += (s0[j] + s1[j]) + (s2[j] + s3[j]);			\
	return l;							\
}

BLOCK_SQDEV(f32, float, f32x8)
BLOCK_SQDEV(f64, double, f64x8)

/*
 * max and min of a contiguous float32 or float64 run: 64 lanes, and a
 * flag for NaNs, which the caller then finds with the scalar walk (a NaN
 * decides a max or min).  Returns the flag.
 */
#define BLOCK_EXTREME(NAME, T, CMP)					\
VEC_CLONES static int block_##NAME(const T *e, int64_t m, double *out)	\
{									\
	T a[64], r;							\
	int32_t nan[64];						\
	int64_t i = 0;							\
	int seen = 0;							\
									\
	for (int j = 0; j < 64; j++) {					\
		a[j] = e[j];						\
		nan[j] = 0;						\
	}								\
	for (; i + 64 <= m; i += 64)					\
		for (int j = 0; j < 64; j++) {				\
			T x = e[i + j];					\
			a[j] = x CMP a[j] ? x : a[j];			\
			nan[j] |= x != x;				\
		}							\
	r = a[0];							\
	for (int j = 0; j < 64; j++) {					\
		seen |= nan[j];						\
		r = a[j] CMP r ? a[j] : r;				\
	}								\
	for (; i < m; i++) {						\
		seen |= e[i] != e[i];					\
		r = e[i] CMP r ? e[i] : r;				\
	}								\
	*out = r;							\
	return seen;							\
}

BLOCK_EXTREME(max_f32, float, >)
BLOCK_EXTREME(min_f32, float, <)
BLOCK_EXTREME(max_f64, double, >)
BLOCK_EXTREME(min_f64, double, <)

/* max or min (OP) of a float run, CMP its comparison: a vectorised
 * block when the run is dense and has no NaN, else element by element,
 * the first NaN deciding. */
#define FLOAT_EXTREME(OP, NAME, T, LOAD, BLOCK, CMP)			\
static void OP##_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
			acc *a)						\
{									\
	double m = a->v;						\
	(void)pos;							\
	if (a->done)							\
		return;							\
	if (BLOCK && n >= 64 && st == (int64_t)sizeof(T) &&		\
	    !block_##OP##_##NAME((const T *)p, n, &m)) {		\
		a->v = m CMP a->v ? m : a->v;				\
		return;							\
	}								\
	m = a->v;							\
	for (int64_t i = 0; i < n; i++) {				\
		double x = LOAD(*(const T *)(p + i * st));		\
		if (x != x) {						\
			m = x;						\
			a->done = true;					\
			break;						\
		}							\
		m = x CMP m ? x : m;					\
	}								\
	a->v = m;							\
}

/* argmax or argmin (OP) of a float run: the first position of the
 * extreme, or of the first NaN. */
#define FLOAT_ARG(OP, NAME, T, LOAD, CMP)				\
static void OP##_##NAME(const char *p, int64_t n, int64_t st,		\
			int64_t pos, acc *a)				\
{									\
	if (a->done)							\
		return;							\
	for (int64_t i = 0; i < n; i++) {				\
		double x = LOAD(*(const T *)(p + i * st));		\
		if (x != x) {						\
			a->v = x;					\
			a->idx = pos + i;				\
			a->done = true;					\
			return;						\
		}							\
		if (a->idx < 0 || x CMP a->v) {				\
			a->v = x;					\
			a->idx = pos + i;				\
		}							\
	}								\
}

/* Floating kernels work on doubles: exact for every agdb float dtype. */
#define FLOAT_KERNELS(NAME, T, LOAD, BLOCK)				\
static void sum_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	(void)pos;							\
	for (int64_t b = 0; b < n; b += SUM_BLOCK) {			\
		int64_t m = n - b < SUM_BLOCK ? n - b : SUM_BLOCK;	\
		double l = 0;						\
		const char *q = p + b * st;				\
		if (BLOCK && st == (int64_t)sizeof(T)) {		\
			l = block_sum_##NAME((const T *)q, m);		\
		} else {						\
			for (int64_t i = 0; i < m; i++)			\
				l += LOAD(*(const T *)(q + i * st));	\
		}							\
		acc_add(a, l);						\
	}								\
}									\
FLOAT_EXTREME(max, NAME, T, LOAD, BLOCK, >)				\
FLOAT_EXTREME(min, NAME, T, LOAD, BLOCK, <)				\
FLOAT_ARG(argmax, NAME, T, LOAD, >)					\
FLOAT_ARG(argmin, NAME, T, LOAD, <)					\
static void prod_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
			acc *a)						\
{									\
	double m = a->s;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++)					\
		m *= LOAD(*(const T *)(p + i * st));			\
	a->s = m;							\
}									\
static void nansum_##NAME(const char *p, int64_t n, int64_t st,	\
			  int64_t pos, acc *a)				\
{									\
	(void)pos;							\
	for (int64_t b = 0; b < n; b += SUM_BLOCK) {			\
		int64_t m = n - b < SUM_BLOCK ? n - b : SUM_BLOCK;	\
		double l = 0;						\
		const char *q = p + b * st;				\
		for (int64_t i = 0; i < m; i++) {			\
			double x = LOAD(*(const T *)(q + i * st));	\
			l += x == x ? x : 0;				\
		}							\
		acc_add(a, l);						\
	}								\
}									\
TRUTH_KERNELS(NAME, T, LOAD)

/* all, any, count_nonzero: what is not zero (a float NaN is not). */
#define TRUTH_KERNELS(NAME, T, LOAD)					\
static void all_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	(void)pos;							\
	for (int64_t i = 0; i < n && a->u; i++)				\
		a->u = LOAD(*(const T *)(p + i * st)) != 0;		\
}									\
static void any_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	(void)pos;							\
	for (int64_t i = 0; i < n && !a->u; i++)			\
		a->u = LOAD(*(const T *)(p + i * st)) != 0;		\
}									\
static void nonzero_##NAME(const char *p, int64_t n, int64_t st,	\
			   int64_t pos, acc *a)				\
{									\
	uint64_t c = a->u;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++)					\
		c += LOAD(*(const T *)(p + i * st)) != 0;		\
	a->u = c;							\
}

/* max or min (OP) of an integer run, CMP its comparison */
#define INT_EXTREME(OP, NAME, T, LOAD, CMP)				\
static void OP##_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
			acc *a)						\
{									\
	int64_t m = a->iv;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++) {				\
		int64_t x = LOAD(*(const T *)(p + i * st));		\
		m = x CMP m ? x : m;					\
	}								\
	a->iv = m;							\
}

/* argmax or argmin (OP) of an integer run: the extreme's first position */
#define INT_ARG(OP, NAME, T, LOAD, CMP)					\
static void OP##_##NAME(const char *p, int64_t n, int64_t st,		\
			int64_t pos, acc *a)				\
{									\
	for (int64_t i = 0; i < n; i++) {				\
		int64_t x = LOAD(*(const T *)(p + i * st));		\
		if (a->idx < 0 || x CMP a->iv) {			\
			a->iv = x;					\
			a->idx = pos + i;				\
		}							\
	}								\
}

/* Integer kernels (int64, bool) keep int64 values: doubles would round
 * int64 values past 2^53. */
#define INT_KERNELS(NAME, T, LOAD)					\
static void sum_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	uint64_t u = a->u;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++)					\
		u += (uint64_t)(LOAD(*(const T *)(p + i * st)));	\
	a->u = u;							\
}									\
INT_EXTREME(max, NAME, T, LOAD, >)					\
INT_EXTREME(min, NAME, T, LOAD, <)					\
INT_ARG(argmax, NAME, T, LOAD, >)					\
INT_ARG(argmin, NAME, T, LOAD, <)					\
static void prod_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
			acc *a)						\
{									\
	uint64_t u = a->u;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++)					\
		u *= (uint64_t)(LOAD(*(const T *)(p + i * st)));	\
	a->u = u;							\
}									\
TRUTH_KERNELS(NAME, T, LOAD)

#define LOAD_F32(x) ((double)(x))
#define LOAD_F64(x) (x)
#define LOAD_F16(x) ((double)ag_half_to_float(x))
#define LOAD_BF16(x) ((double)ag_bf16_to_float(x))
#define LOAD_I64(x) (x)
#define LOAD_BOOL(x) ((int64_t)((x) != 0))

/*
 * The 16-bit floats: a dense run of a sum, max or min is widened to
 * float32 a block at a time (the vector conversions of dtype.c) and
 * folded as float32 is, so sums accumulate in float32 partials as
 * PyTorch's do.  Their other loads call a conversion function: no simd
 * loop for them (block_sqdev stands in as "use the element loop").
 */
static double block_sum_half(const uint16_t *e, int64_t m, ag_dtype dt)
{
	float w[SUM_BLOCK];

	ag_widen_half((const char *)e, 2, w, m, dt);
	return block_sum_f32(w, m);
}

/* max (or min) of n dense 16-bit values into *out; 1 when one is NaN
 * (the caller then walks the elements, the first NaN deciding) */
static int block_extreme_half(const uint16_t *e, int64_t n, double *out,
			      ag_dtype dt, bool max)
{
	float w[SUM_BLOCK];
	double r = max ? -INFINITY : INFINITY, v;

	for (int64_t b = 0; b < n; b += SUM_BLOCK) {
		int64_t m = n - b < SUM_BLOCK ? n - b : SUM_BLOCK;
		ag_widen_half((const char *)(e + b), 2, w, m, dt);
		if (m >= 64) {
			if (max ? block_max_f32(w, m, &v) : block_min_f32(w, m, &v))
				return 1;
			r = max ? (v > r ? v : r) : (v < r ? v : r);
			continue;
		}
		for (int64_t i = 0; i < m; i++) {
			if (w[i] != w[i])
				return 1;
			r = max ? (w[i] > r ? w[i] : r) : (w[i] < r ? w[i] : r);
		}
	}
	*out = r;
	return 0;
}
#define block_sum_f16(e, m) block_sum_half(e, m, AG_FLOAT16)
#define block_sum_bf16(e, m) block_sum_half(e, m, AG_BFLOAT16)
#define block_max_f16(e, m, out) block_extreme_half(e, m, out, AG_FLOAT16, true)
#define block_max_bf16(e, m, out) block_extreme_half(e, m, out, AG_BFLOAT16, true)
#define block_min_f16(e, m, out) block_extreme_half(e, m, out, AG_FLOAT16, false)
#define block_min_bf16(e, m, out) block_extreme_half(e, m, out, AG_BFLOAT16, false)
#define block_sqdev_f16(e, m, mu) 0.0
#define block_sqdev_bf16(e, m, mu) 0.0
FLOAT_KERNELS(f32, float, LOAD_F32, 1)
FLOAT_KERNELS(f64, double, LOAD_F64, 1)
FLOAT_KERNELS(f16, uint16_t, LOAD_F16, 1)
FLOAT_KERNELS(bf16, uint16_t, LOAD_BF16, 1)
VAR_KERNEL(f32, float, LOAD_F32, 1)
VAR_KERNEL(f64, double, LOAD_F64, 1)
VAR_KERNEL(f16, uint16_t, LOAD_F16, 0)
VAR_KERNEL(bf16, uint16_t, LOAD_BF16, 0)
INT_KERNELS(i64, int64_t, LOAD_I64)
INT_KERNELS(b8, uint8_t, LOAD_BOOL)
INT_KERNELS(u8, uint8_t, LOAD_I64)
INT_KERNELS(i8, int8_t, LOAD_I64)
INT_KERNELS(i16, int16_t, LOAD_I64)
INT_KERNELS(i32, int32_t, LOAD_I64)

/* Indexed by [dtype][op]; mean walks like sum, an integer nansum too;
 * var has no integer kernel (reduce.c refuses integers first). */
#define KERNEL_ROW(NAME, NANSUM, VAR) {					\
	[FOLD_VAR] = VAR,						\
	[FOLD_SUM] = sum_##NAME, [FOLD_MEAN] = sum_##NAME,		\
	[FOLD_MAX] = max_##NAME, [FOLD_MIN] = min_##NAME,		\
	[FOLD_ARGMAX] = argmax_##NAME, [FOLD_ARGMIN] = argmin_##NAME,	\
	[FOLD_PROD] = prod_##NAME, [FOLD_NANSUM] = NANSUM##_##NAME,	\
	[FOLD_ALL] = all_##NAME, [FOLD_ANY] = any_##NAME,		\
	[FOLD_NONZERO] = nonzero_##NAME }
static const run_fn kernels[AG_NDTYPES][FOLD_COUNT] = {
	[AG_FLOAT32] = KERNEL_ROW(f32, nansum, var_f32),
	[AG_FLOAT64] = KERNEL_ROW(f64, nansum, var_f64),
	[AG_FLOAT16] = KERNEL_ROW(f16, nansum, var_f16),
	[AG_BFLOAT16] = KERNEL_ROW(bf16, nansum, var_bf16),
	[AG_INT64] = KERNEL_ROW(i64, sum, NULL),
	[AG_BOOL] = KERNEL_ROW(b8, sum, NULL),
	[AG_UINT8] = KERNEL_ROW(u8, sum, NULL),
	[AG_INT8] = KERNEL_ROW(i8, sum, NULL),
	[AG_INT16] = KERNEL_ROW(i16, sum, NULL),
	[AG_INT32] = KERNEL_ROW(i32, sum, NULL),
};

/* Folds b (which covers later positions than a) into a. */
static void acc_merge(acc *a, const acc *b, fold op, bool floating)
{
	switch (op) {
	case FOLD_SUM:
	case FOLD_MEAN:
	case FOLD_NANSUM:
		acc_add(a, b->s);
		a->c += b->c;
		a->u += b->u;
		break;
	case FOLD_PROD:
		a->s *= b->s;
		a->u *= b->u;
		break;
	case FOLD_ALL:
		a->u = a->u && b->u;
		break;
	case FOLD_ANY:
		a->u = a->u || b->u;
		break;
	case FOLD_NONZERO:
		a->u += b->u;
		break;
	case FOLD_VAR:
		acc_moments(a, b->n, b->mean, b->m2);
		break;
	case FOLD_MAX:
	case FOLD_MIN:
		if (floating) {
			if (a->done)
				break;
			if (b->done || (op == FOLD_MAX ? b->v > a->v : b->v < a->v))
				a->v = b->v;
			a->done = b->done;
		} else if (op == FOLD_MAX ? b->iv > a->iv : b->iv < a->iv) {
			a->iv = b->iv;
		}
		break;
	default:	/* arg ops: ties keep the earlier position */
		if (a->done || b->idx < 0)
			break;
		if (a->idx < 0 || b->done ||
		    (floating ? (op == FOLD_ARGMAX ? b->v > a->v : b->v < a->v)
			      : (op == FOLD_ARGMAX ? b->iv > a->iv : b->iv < a->iv)))
			*a = *b;
		break;
	}
}

/*
 * Ctrl-C: a run is folded a piece of REDUCE_POLL elements at a time with
 * the interrupt flag polled in between (a multiple of SUM_BLOCK, so the
 * float sums add the same blocks in the same order as in one go); once it
 * is set every loop stops and the caller fails with "interrupted".
 */
#define REDUCE_POLL ((int64_t)SUM_BLOCK << 8)

static bool run_polled(run_fn run, const char *p, int64_t n, int64_t st,
		       int64_t pos, acc *a)
{
	for (int64_t done = 0; done < n; done += REDUCE_POLL) {
		int64_t m = n - done < REDUCE_POLL ? n - done : REDUCE_POLL;
		if (done > 0 && ag_interrupt_pending())
			return false;
		run(p + done * st, m, st, pos + done, a);
	}
	return true;
}

/* ----------------------------------------------------------------- plans */


void ag_fold_plan_init(plan *p, fold op, const ag_tensor *t,
		       const bool *reduced)
{
	int order[AG_MAX_DIMS], n = 0;

	memset(p, 0, sizeof *p);
	p->op = op;
	p->dt = t->dtype;
	p->in = ag_data_ptr(t);
	p->elsize = ag_dtype_size(t->dtype);
	p->count = 1;
	p->nout = 1;
	/* An empty tensor may have huge sizes and strides elsewhere (they
	 * never meet an element): products saturate, and nothing is merged. */
	bool empty = ag_numel(t) == 0;
	for (int d = 0; d < t->ndim; d++) {
		if (reduced[d]) {
			if (__builtin_mul_overflow(p->count, t->shape[d], &p->count))
				p->count = INT64_MAX;
			if (t->shape[d] != 1 && !empty)
				order[n++] = d;
		} else {
			p->kshape[p->nkeep] = t->shape[d];
			p->kstride[p->nkeep++] = t->stride[d];
			if (__builtin_mul_overflow(p->nout, t->shape[d], &p->nout))
				p->nout = INT64_MAX;
		}
	}
	for (int d = 0; d < t->ndim; d++)
		if (reduced[d] && t->shape[d] == 0)
			p->count = 0;
	/* Order-free ops walk the largest strides outermost (insertion sort,
	 * stable so equal strides keep their logical order). */
	if (op != FOLD_ARGMAX && op != FOLD_ARGMIN)
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 &&
			     t->stride[order[j - 1]] < t->stride[order[j]]; j--) {
				int tmp = order[j];
				order[j] = order[j - 1];
				order[j - 1] = tmp;
			}
	for (int i = 0; i < n; i++) {
		int d = order[i], k = p->nred - 1;
		if (k >= 0 && p->rstride[k] == t->stride[d] * t->shape[d]) {
			p->rshape[k] *= t->shape[d];
			p->rstride[k] = t->stride[d];
		} else {
			p->rshape[p->nred] = t->shape[d];
			p->rstride[p->nred++] = t->stride[d];
		}
	}
	if (p->count == 0) {		/* nothing to walk */
		p->nred = 1;
		p->rshape[0] = 0;
		p->rstride[0] = 0;
	} else if (p->nred == 0) {	/* one element per output */
		p->nred = 1;
		p->rshape[0] = 1;
		p->rstride[0] = 0;
	}
}

/* Folds the reduced dims starting at element offset base into a. */
static void reduce_one(const plan *p, int64_t base, acc *a)
{
	run_fn run = kernels[p->dt][p->op];
	int outer = p->nred - 1;
	int64_t n = p->rshape[outer];
	int64_t st = p->rstride[outer] * (int64_t)p->elsize;
	int64_t idx[AG_MAX_DIMS] = { 0 }, off = base, pos = 0;

	if (n == 0)
		return;
	for (;;) {
		if (!run_polled(run, p->in + off * (int64_t)p->elsize, n, st,
				pos, a) || ag_interrupt_pending())
			return;
		pos += n;
		int d = outer - 1;
		for (; d >= 0; d--) {
			off += p->rstride[d];
			if (++idx[d] < p->rshape[d])
				break;
			off -= p->rstride[d] * p->rshape[d];
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}

/* Writes output number o from its accumulator. */
static void finish_one(const plan *p, int64_t o, const acc *a)
{
	bool floating = ag_dtype_is_floating(p->dt);
	char *v = p->vout ? p->vout + o * (int64_t)ag_dtype_size(p->vdt) : NULL;

	if (p->iout)
		((int64_t *)p->iout)[o] = a->idx < 0 ? 0 : a->idx;
	if (!v)
		return;
	switch (p->op) {
	case FOLD_SUM:
	case FOLD_NANSUM:
		if (floating)
			ag_store(v, p->vdt, a->s + a->c);
		else
			ag_store_i64(v, p->vdt, (int64_t)a->u);
		break;
	case FOLD_MEAN:
		/* PyTorch divides the sum as rounded to the dtype, so a float16
		 * sum that overflows gives inf, not the exact mean. */
		ag_store(v, p->vdt, a->s + a->c);
		ag_store(v, p->vdt, ag_load(v, p->vdt) / (double)p->count);
		break;
	case FOLD_PROD:
		if (floating)
			ag_store(v, p->vdt, a->s);
		else
			ag_store_i64(v, p->vdt, (int64_t)a->u);
		break;
	case FOLD_ALL:
	case FOLD_ANY:
	case FOLD_NONZERO:
		ag_store_i64(v, p->vdt, (int64_t)a->u);
		break;
	case FOLD_VAR: {
		/* PyTorch's divisor: count - correction, or 0 when that is
		 * not positive (so var of one element is nan) */
		double div = a->n > p->correction ? a->n - p->correction : 0;
		double var = a->m2 / div;
		ag_store(v, p->vdt, p->root ? sqrt(var) : var);
		if (p->mout)
			ag_store(p->mout + o * (int64_t)ag_dtype_size(p->vdt),
				 p->vdt, a->n > 0 ? a->mean : NAN);
		break;
	}
	default:
		if (floating)
			ag_store(v, p->vdt, a->v);
		else
			ag_store_i64(v, p->vdt, a->iv);
		break;
	}
}

/* Threads pay off from a few ten thousand elements (PyTorch splits its
 * reductions at 32,768): below twice that grain a reduction stays on one
 * thread, and a split gives each thread at least one grain. */
#define REDUCE_PARALLEL_MIN (2 * AG_PARALLEL_GRAIN)

static int64_t thread_count(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

/* One output over a long single run: split the run across threads. */
static void run_split(const plan *p)
{
	enum { MAX_PARTS = 64 };
	acc parts[MAX_PARTS];
	int64_t n = p->rshape[0], st = p->rstride[0] * (int64_t)p->elsize;
	int64_t nparts = n / AG_PARALLEL_GRAIN, chunk;
	run_fn run = kernels[p->dt][p->op];
	bool floating = ag_dtype_is_floating(p->dt);

	if (nparts > thread_count())
		nparts = thread_count();
	if (nparts > MAX_PARTS)
		nparts = MAX_PARTS;
	/* whole blocks per part: each block sums as it would on one thread */
	chunk = (n + nparts - 1) / nparts;
	chunk = (chunk + SUM_BLOCK - 1) / SUM_BLOCK * SUM_BLOCK;
#ifdef _OPENMP
#pragma omp parallel for
#endif
	for (int64_t i = 0; i < nparts; i++) {
		int64_t b = i * chunk, m = n - b < chunk ? n - b : chunk;
		acc_init(&parts[i], p->op);
		if (m > 0)
			run_polled(run, p->in + b * st, m, st, b, &parts[i]);
	}
	for (int64_t i = 1; i < nparts; i++)
		acc_merge(&parts[0], &parts[i], p->op, floating);
	finish_one(p, 0, &parts[0]);
}

/* Outputs [begin, end): the odometer over kept dims gives each base. */
static void run_outputs(const plan *p, int64_t begin, int64_t end)
{
	int64_t idx[AG_MAX_DIMS], base = 0, rest = begin;

	for (int d = p->nkeep - 1; d >= 0; d--) {
		idx[d] = rest % p->kshape[d];
		rest /= p->kshape[d];
		base += idx[d] * p->kstride[d];
	}
	for (int64_t o = begin; o < end; o++) {
		acc a;
		if (ag_interrupt_pending())
			return;
		acc_init(&a, p->op);
		reduce_one(p, base, &a);
		finish_one(p, o, &a);
		for (int d = p->nkeep - 1; d >= 0; d--) {
			base += p->kstride[d];
			if (++idx[d] < p->kshape[d])
				break;
			base -= p->kstride[d] * p->kshape[d];
			idx[d] = 0;
		}
	}
}

/* ------------------------------------------------- column-wise folds */

/*
 * Sums (and float max, min, prod) whose outputs lie closer together in
 * memory than the elements each of them folds (x.sum(0) of a row-major
 * matrix, a bias gradient): walk the input row by row, folding every row
 * into a block of accumulators, instead of one output at a time down a
 * column.
 */
enum { VBLOCK = 1024 };

typedef void (*rowadd_fn)(const char *p, int64_t n, int64_t st, void *acc);

/*
 * The loop of every column-wise kernel: BODY (statements that read x,
 * the element of column j as LOAD gives it, of type XT) for the n columns
 * of a row.
 * A dense row gets a loop of its own, which SIMD lets the compiler
 * vectorise; a strided one reads st bytes apart.
 */
#define FOR_COLUMNS(T, XT, LOAD, SIMD, p, n, st, ...)			\
	if ((st) == (int64_t)sizeof(T)) {				\
		const T *e_ = (const T *)(p);				\
		SIMD							\
		for (int64_t j = 0; j < (n); j++) {			\
			XT x = (XT)LOAD(e_[j]);				\
			__VA_ARGS__;					\
		}							\
	} else {							\
		for (int64_t j = 0; j < (n); j++) {			\
			XT x = (XT)LOAD(*(const T *)((p) + j * (st)));	\
			__VA_ARGS__;					\
		}							\
	}

#define ROWADD(NAME, T, LOAD, AT, SIMD, ATTR)				\
ATTR static void rowadd_##NAME(const char *p, int64_t n, int64_t st, void *av) \
{									\
	AT *acc = av;							\
	FOR_COLUMNS(T, AT, LOAD, SIMD, p, n, st, acc[j] += x)		\
}

#define NO_ATTR
ROWADD(f32, float, LOAD_F32, double, OMP_SIMD, VEC_CLONES)
ROWADD(f64, double, LOAD_F64, double, OMP_SIMD, VEC_CLONES)
ROWADD(i64, int64_t, LOAD_I64, uint64_t, OMP_SIMD, NO_ATTR)
ROWADD(b8, uint8_t, LOAD_BOOL, uint64_t, OMP_SIMD, NO_ATTR)
ROWADD(u8, uint8_t, LOAD_I64, uint64_t, OMP_SIMD, NO_ATTR)
ROWADD(i8, int8_t, LOAD_I64, uint64_t, OMP_SIMD, NO_ATTR)
ROWADD(i16, int16_t, LOAD_I64, uint64_t, OMP_SIMD, NO_ATTR)
ROWADD(i32, int32_t, LOAD_I64, uint64_t, OMP_SIMD, NO_ATTR)

/* 16-bit rows: widened to float32, then added as float32 rows are */
static void rowadd_half(const char *p, int64_t n, int64_t st, void *av,
			ag_dtype dt)
{
	float w[VBLOCK];

	ag_widen_half(p, st, w, n, dt);
	rowadd_f32((const char *)w, n, sizeof(float), av);
}

static void rowadd_f16(const char *p, int64_t n, int64_t st, void *av)
{
	rowadd_half(p, n, st, av, AG_FLOAT16);
}

static void rowadd_bf16(const char *p, int64_t n, int64_t st, void *av)
{
	rowadd_half(p, n, st, av, AG_BFLOAT16);
}

/* max, min and prod of float32 and float64 columns, in double
 * accumulators: a NaN, once there, stays (as in the row-wise kernels) */
#define ROWFOLD(NAME, T, STEP)						\
VEC_CLONES static void row##NAME(const char *p, int64_t n, int64_t st,	\
				 void *av)				\
{									\
	double *acc = av;						\
	FOR_COLUMNS(T, double, LOAD_F64, OMP_SIMD, p, n, st, acc[j] = STEP(x, acc[j])) \
}

#define STEP_MAX(x, a) ((x) != (x) || (x) > (a) ? (x) : (a))
#define STEP_MIN(x, a) ((x) != (x) || (x) < (a) ? (x) : (a))
#define STEP_PROD(x, a) ((a) * (x))
ROWFOLD(max_f32, float, STEP_MAX)
ROWFOLD(min_f32, float, STEP_MIN)
ROWFOLD(prod_f32, float, STEP_PROD)
ROWFOLD(max_f64, double, STEP_MAX)
ROWFOLD(min_f64, double, STEP_MIN)
ROWFOLD(prod_f64, double, STEP_PROD)

/* Indexed by [dtype][op]: the folds that have a column-wise kernel. */
#define ROW_FLOAT(NAME) {						\
	[FOLD_SUM] = rowadd_##NAME, [FOLD_MEAN] = rowadd_##NAME,	\
	[FOLD_MAX] = rowmax_##NAME, [FOLD_MIN] = rowmin_##NAME,		\
	[FOLD_PROD] = rowprod_##NAME }
static const rowadd_fn rowfolds[AG_NDTYPES][FOLD_COUNT] = {
	[AG_FLOAT32] = ROW_FLOAT(f32), [AG_FLOAT64] = ROW_FLOAT(f64),
	[AG_FLOAT16] = { [FOLD_SUM] = rowadd_f16, [FOLD_MEAN] = rowadd_f16 },
	[AG_BFLOAT16] = { [FOLD_SUM] = rowadd_bf16, [FOLD_MEAN] = rowadd_bf16 },
	[AG_INT64] = { [FOLD_SUM] = rowadd_i64, [FOLD_MEAN] = rowadd_i64 },
	[AG_BOOL] = { [FOLD_SUM] = rowadd_b8, [FOLD_MEAN] = rowadd_b8 },
	[AG_UINT8] = { [FOLD_SUM] = rowadd_u8, [FOLD_MEAN] = rowadd_u8 },
	[AG_INT8] = { [FOLD_SUM] = rowadd_i8, [FOLD_MEAN] = rowadd_i8 },
	[AG_INT16] = { [FOLD_SUM] = rowadd_i16, [FOLD_MEAN] = rowadd_i16 },
	[AG_INT32] = { [FOLD_SUM] = rowadd_i32, [FOLD_MEAN] = rowadd_i32 },
};

/*
 * argmax/argmin and var of float32/float64 columns.  Arg ops: a value and
 * a position per column, the first NaN deciding (as the run kernels
 * decide); rows come in the reduced dims' logical order (arg plans keep
 * it), so the row number is the position.  var: two passes over the rows,
 * the columns' means and then their squared deviations, in double.
 */
#define ROWARG(NAME, T, CMP)						\
VEC_CLONES static void row##NAME(const char *p, int64_t n, int64_t st,	\
				 int64_t pos, double *v, int64_t *ix,	\
				 uint8_t *done)				\
{									\
	FOR_COLUMNS(T, double, LOAD_F64, OMP_SIMD, p, n, st,			\
		bool nan = x != x;					\
		bool upd = !done[j] && (nan || x CMP v[j] || ix[j] < 0); \
		v[j] = upd ? x : v[j];					\
		ix[j] = upd ? pos : ix[j];				\
		done[j] |= nan)						\
}
ROWARG(argmax_f32, float, >)
ROWARG(argmin_f32, float, <)
ROWARG(argmax_f64, double, >)
ROWARG(argmin_f64, double, <)

/* var's second pass: acc[j] += (x - mean[j])^2 */
#define ROWSQDEV(NAME, T)						\
VEC_CLONES static void rowsqdev_##NAME(const char *p, int64_t n,	\
				       int64_t st, const double *mean,	\
				       double *acc)			\
{									\
	FOR_COLUMNS(T, double, LOAD_F64, OMP_SIMD, p, n, st,			\
		double d = x - mean[j];					\
		acc[j] += d * d)					\
}
ROWSQDEV(f32, float)
ROWSQDEV(f64, double)

typedef void (*rowarg_fn)(const char *p, int64_t n, int64_t st, int64_t pos,
			  double *v, int64_t *ix, uint8_t *done);
typedef void (*rowsqdev_fn)(const char *p, int64_t n, int64_t st,
			    const double *mean, double *acc);

static rowarg_fn rowarg_of(const plan *p)
{
	bool f32 = p->dt == AG_FLOAT32, f64 = p->dt == AG_FLOAT64;
	if (p->op == FOLD_ARGMAX)
		return f32 ? rowargmax_f32 : f64 ? rowargmax_f64 : NULL;
	if (p->op == FOLD_ARGMIN)
		return f32 ? rowargmin_f32 : f64 ? rowargmin_f64 : NULL;
	return NULL;
}

static bool has_columns(const plan *p)
{
	if (p->op == FOLD_VAR)
		return p->dt == AG_FLOAT32 || p->dt == AG_FLOAT64;
	return rowfolds[p->dt][p->op] || rowarg_of(p);
}

static bool columns_fit(const plan *p)
{
	if (!has_columns(p) || p->nkeep == 0 || p->count <= 1)
		return false;
	int last = p->nkeep - 1;
	return p->kshape[last] > 1 &&
	       p->kstride[last] < p->rstride[p->nred - 1];
}

/* One column block's walk: the offset of every row of the reduced dims,
 * in their logical order, handed to visit with the row's number. */
#define FOR_ROWS(p, base, row, off, BODY) do {				\
	int64_t idx_[AG_MAX_DIMS] = { 0 };				\
	for (int64_t off = (base), row = 0;; row++) {			\
		if (((row + 1) & 1023) == 0 && ag_interrupt_pending())	\
			return;						\
		BODY;							\
		int d_ = (p)->nred - 1;					\
		for (; d_ >= 0; d_--) {					\
			off += (p)->rstride[d_];			\
			if (++idx_[d_] < (p)->rshape[d_])		\
				break;					\
			off -= (p)->rstride[d_] * (p)->rshape[d_];	\
			idx_[d_] = 0;					\
		}							\
		if (d_ < 0)						\
			break;						\
	}								\
} while (0)

/* Task t: outputs j0 .. j0 + VBLOCK of the innermost kept dim, in the
 * group t / nblocks of the outer kept dims. */
static void columns_task(const plan *p, int64_t t, int64_t nblocks)
{
	int last = p->nkeep - 1;
	int64_t kn = p->kshape[last], ks = p->kstride[last];
	int64_t g = t / nblocks, j0 = (t % nblocks) * VBLOCK;
	int64_t jb = kn - j0 < VBLOCK ? kn - j0 : VBLOCK;
	int64_t base = j0 * ks, rest = g;
	int64_t es = (int64_t)p->elsize;
	bool floating = ag_dtype_is_floating(p->dt);
	union { double f[VBLOCK]; uint64_t u[VBLOCK]; } sums;
	double second[VBLOCK];		/* var: the squared deviations */
	int64_t pos[VBLOCK];		/* arg ops: the positions */
	uint8_t done[VBLOCK];		/* arg ops: a NaN decided */
	rowadd_fn add = rowfolds[p->dt][p->op];
	rowarg_fn arg = rowarg_of(p);
	bool var = p->op == FOLD_VAR;
	double init = p->op == FOLD_MAX || p->op == FOLD_ARGMAX ? -INFINITY :
		      p->op == FOLD_MIN || p->op == FOLD_ARGMIN ? INFINITY :
		      p->op == FOLD_PROD ? 1 : 0;

	for (int d = last - 1; d >= 0; d--) {
		base += (rest % p->kshape[d]) * p->kstride[d];
		rest /= p->kshape[d];
	}
	if (floating)
		for (int64_t j = 0; j < jb; j++)
			sums.f[j] = init;
	else
		memset(&sums, 0, sizeof sums);
	if (arg) {
		for (int64_t j = 0; j < jb; j++)
			pos[j] = -1;
		memset(done, 0, sizeof done);
		FOR_ROWS(p, base, row, off,
			 arg(p->in + off * es, jb, ks * es, row, sums.f, pos, done));
	} else if (var) {
		/* the sums, then the deviations from their means */
		rowadd_fn sum = p->dt == AG_FLOAT32 ? rowadd_f32 : rowadd_f64;
		rowsqdev_fn sq = p->dt == AG_FLOAT32 ? rowsqdev_f32 : rowsqdev_f64;
		FOR_ROWS(p, base, row, off, sum(p->in + off * es, jb, ks * es, &sums));
		for (int64_t j = 0; j < jb; j++) {
			sums.f[j] /= (double)p->count;
			second[j] = 0;
		}
		FOR_ROWS(p, base, row, off,
			 sq(p->in + off * es, jb, ks * es, sums.f, second));
	} else {
		FOR_ROWS(p, base, row, off, add(p->in + off * es, jb, ks * es, &sums));
	}
	for (int64_t j = 0; j < jb; j++) {
		acc a;
		acc_init(&a, p->op);
		if (arg) {
			a.v = sums.f[j];
			a.idx = pos[j];
		} else if (var) {
			a.n = (double)p->count;
			a.mean = sums.f[j];
			a.m2 = second[j];
		} else if (!floating) {
			a.u = sums.u[j];
		} else if (p->op == FOLD_MAX || p->op == FOLD_MIN) {
			a.v = sums.f[j];
		} else {
			a.s = sums.f[j];
		}
		finish_one(p, g * kn + j0 + j, &a);
	}
}

static void run_columns(const plan *p)
{
	int64_t kn = p->kshape[p->nkeep - 1];
	int64_t nblocks = (kn + VBLOCK - 1) / VBLOCK;
	int64_t ntasks = p->nout / kn * nblocks;
	bool parallel = thread_count() > 1 && ntasks > 1 &&
			p->nout * p->count >= REDUCE_PARALLEL_MIN;

#ifdef _OPENMP
#pragma omp parallel for if (parallel)
#endif
	for (int64_t t = 0; t < ntasks; t++)
		columns_task(p, t, nblocks);
	(void)parallel;
}

void ag_fold_plan_run(const plan *p)
{
	int64_t work = p->nout * p->count, nthreads = thread_count();

	if (p->nout == 0)
		return;
	if (columns_fit(p)) {
		run_columns(p);
		return;
	}
	if (p->nout == 1 && p->nred == 1 && nthreads > 1 &&
	    p->count >= REDUCE_PARALLEL_MIN) {
		run_split(p);
		return;
	}
	if (p->nout == 1 || nthreads == 1 || work < REDUCE_PARALLEL_MIN) {
		run_outputs(p, 0, p->nout);
		return;
	}
	int64_t nchunks = nthreads * 4 < p->nout ? nthreads * 4 : p->nout;
	int64_t chunk = (p->nout + nchunks - 1) / nchunks;
#ifdef _OPENMP
#pragma omp parallel for
#endif
	for (int64_t i = 0; i < nchunks; i++) {
		int64_t b = i * chunk, e = b + chunk < p->nout ? b + chunk : p->nout;
		if (b < e)
			run_outputs(p, b, e);
	}
}
