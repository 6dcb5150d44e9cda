/*
 * vmath.c - float32 pointwise kernels with transcendental functions, and
 * leaky_relu, clamp and hardtanh, vectorised (vmath.h).
 *
 * The formulas are unary.c's and binary.c's float formulas, in the same
 * order of float operations (sigmoid as 1 / (1 + exp(-x)), elu with
 * exp(x) - 1, as PyTorch's kernels have them).  exp, log1p, tanh and erf
 * (and the activations made of them: sigmoid, silu, elu, softplus, mish,
 * log_sigmoid) are vmath_f32.h's float functions, within about an ulp as
 * PyTorch's SLEEF ones, 16 lanes at a time with AVX-512; gelu takes
 * vmath_f32.h's piecewise polynomial for erf(x / sqrt 2) (its own
 * AVX-512 kernel, vmath_avx512.h), atan2 vmath_f32.h's float function
 * (within 1.7 ulp).  expm1 and tan are evaluated in double and rounded
 * to float once: with glibc 2.35 or later and GCC, glibc's vector
 * functions (libmvec, declared `simd` below, at most 4 ulp of double:
 * far below a float's rounding), eight or sixteen lanes per call;
 * elsewhere the scalar libm functions, which give the same values but
 * for rare ties.
 *
 * Every call folds whole blocks of VBLK floats with a loop of fixed
 * length, so the compiler vectorises it whole (no scalar prologue or
 * epilogue that would round some elements differently); a last partial
 * block is padded.  The AVX-512, AVX2 and SSE2 clones of each kernel are
 * chosen once by the loader for the CPU, so a machine gives one value
 * for one input.
 */
#include "vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opargs.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__) && defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
/* libmvec has vector versions of these (glibc declares them so only
 * under -ffast-math, which agdb does not use) */
#define VSIMD __attribute__((simd("notinbranch")))
double expm1(double) VSIMD;
double tan(double) VSIMD;
#define VM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
/* gelu's kernels with AVX-512 intrinsics (vmath_avx512.h), chosen at
 * run time */
#define VM_AVX512 1
/* no floating-point traps (agdb never enables them): so the selects of a
 * formula may compute both sides and stay in the vector loop; the values
 * are the same */
#pragma GCC optimize("no-trapping-math")
/* no fused multiply-adds: the AVX-512 clone (which has FMA) then rounds
 * as the AVX2 and SSE2 ones and clang's build do, so every machine gives
 * the same float32 values (vmath_f32.h's functions are exact to the last
 * bit only as a sequence of separately rounded operations) */
#pragma GCC optimize("fp-contract=off")
#ifdef _OPENMP
#define VM_SIMD _Pragma("omp simd")
#endif
#else
#define VM_CLONES
#endif
#ifndef VM_SIMD		/* scalar calls: clang would warn of the pragma */
#define VM_SIMD
#endif

/* after the pragma: its functions are compiled (and inlined) with it */
#include "vmath_f32.h"
#ifdef VM_AVX512
#include "vmath_avx512.h"
#endif

/* the float value of a double function at float x */
#define D1(fn, x) ((float)fn((double)(x)))

enum { VBLK = 16 };

/* The numbers an op's formula reads, as floats (as the float formulas of
 * unary.c convert them). */
typedef struct params {
	float p0, p1, p2, p3;
	bool flag;
	bool stream;	/* store whole blocks past the caches */
} params;

/*
 * The loops over large arrays ask for the input 4 KiB ahead: the
 * hardware's prefetcher alone left a 10M-element sigmoid a quarter
 * slower than its arithmetic (the loads waited on memory between blocks
 * of work).  a + i + VM_PF is formed only inside the array.
 */
enum { VM_PF = 1024 };
#define VM_PREFETCH(a, i, n)						\
	do {								\
		if ((i) + VM_PF < (n))					\
			__builtin_prefetch((a) + (i) + VM_PF);		\
	} while (0)

/* a whole block from out to o (16-byte aligned) with non-temporal
 * stores: the same bits as a plain store; the caller fences once */
static inline void vm_stream(float *o, const float *out)
{
#ifdef __SSE2__
	for (int j = 0; j < VBLK; j += 4)
		_mm_stream_ps(o + j, _mm_load_ps(out + j));
#else
	memcpy(o, out, VBLK * sizeof(float));
#endif
}

/*
 * NAME(o, a, n, p): o[i] = EXPR, with x = a[i], t = PRE (a function of x
 * alone) and p the params.  Whole blocks go from a to o directly (o may
 * be a: each element is read before its result is stored), or, streamed,
 * through one aligned buffer; a last partial block is padded.  Every
 * element takes the same operations on every path, so its value does not
 * depend on its place.  PRE and EXPR are inline float code, or (expm1,
 * tan) a vector call that no select takes or drops, so one loop holds
 * both.
 */
#define VM_UNARY(NAME, PRE, EXPR)					\
VM_CLONES static void NAME(float *o, const float *a, int64_t n,		\
			   const params *pp)				\
{									\
	const params p = *pp;						\
	float in[VBLK] __attribute__((aligned(64)));			\
	float out[VBLK] __attribute__((aligned(64)));			\
	int64_t i = 0;							\
									\
	(void)p;							\
	if (p.stream && !((uintptr_t)o & 15)) {				\
		for (; i + VBLK <= n; i += VBLK) {			\
			VM_PREFETCH(a, i, n);				\
			VM_SIMD						\
			for (int j = 0; j < VBLK; j++) {		\
				float x = a[i + j], t = (PRE);		\
				(void)x; (void)t;			\
				out[j] = (EXPR);			\
			}						\
			vm_stream(o + i, out);				\
		}							\
	} else {							\
		for (; i + VBLK <= n; i += VBLK) {			\
			VM_PREFETCH(a, i, n);				\
			VM_SIMD						\
			for (int j = 0; j < VBLK; j++) {		\
				float x = a[i + j], t = (PRE);		\
				(void)x; (void)t;			\
				o[i + j] = (EXPR);			\
			}						\
		}							\
	}								\
	if (i < n) {							\
		int64_t m = n - i;					\
		memset(in, 0, sizeof in);				\
		memcpy(in, a + i, (size_t)m * sizeof(float));		\
		VM_SIMD							\
		for (int j = 0; j < VBLK; j++) {			\
			float x = in[j], t = (PRE);			\
			(void)x; (void)t;				\
			out[j] = (EXPR);				\
		}							\
		memcpy(o + i, out, (size_t)m * sizeof(float));		\
	}								\
}

VM_UNARY(vm_exp, ag_vf_exp(x), t)
VM_UNARY(vm_expm1, D1(expm1, x), t)
VM_UNARY(vm_log1p, ag_vf_log1p(x), t)
VM_UNARY(vm_tan, D1(tan, x), t)
VM_UNARY(vm_tanh, ag_vf_tanh(x), t)
VM_UNARY(vm_erf, ag_vf_erf(x), t)
VM_UNARY(vm_sigmoid, ag_vf_exp(-x), 1 / (1 + t))
VM_UNARY(vm_silu, ag_vf_exp(-x), x / (1 + t))
VM_UNARY(vm_leaky_relu, x * p.p0, x > 0 ? x : t)
/* p0 = input_scale, p1 = alpha * scale, p2 = scale */
VM_UNARY(vm_elu, ag_vf_exp(x * p.p0), x <= 0 ? (t - 1) * p.p1 : x * p.p2)
VM_UNARY(vm_gelu_c, 0, ag_vf_gelu(x))
/* p0 = sqrt(2 / pi) */
VM_UNARY(vm_gelu_tanh, ag_vf_tanh(p.p0 * (x + 0.044715f * x * x * x)),
	 0.5f * x * (1 + t))
/* p0 = beta, p1 = threshold */
VM_UNARY(vm_softplus, ag_vf_log1p(ag_vf_exp(x * p.p0)) / p.p0,
	 x * p.p0 > p.p1 ? x : t)
/* mish x tanh(softplus(x)) and log_sigmoid min(x, 0) - log1p(exp(-|x|))
 * in one pass (PyTorch's formulas) */
VM_UNARY(vm_mish, ag_vf_tanh(ag_vf_log1p(ag_vf_exp(x))), x * t)
VM_UNARY(vm_log_sigmoid, ag_vf_log1p(ag_vf_exp(-ag_vf_abs(x))),
	 (x < 0 ? x : 0) - t)
/* clamp and hardtanh: p0 = the lower bound, p1 = the upper one (an
 * infinity for none), as unary.c's formula: NaN passes, and a lower
 * bound above the upper one gives the upper one; two selects, no
 * branch */
VM_UNARY(vm_clamp, x < p.p0 ? p.p0 : x, t > p.p1 ? p.p1 : t)

#ifdef VM_AVX512
/* gelu's whole blocks with AVX-512 (vmath_avx512.h) */
__attribute__((target("avx512f"))) static void vm_gelu_avx512(float *o,
		const float *a, int64_t n, bool stream)
{
	for (int64_t i = 0; i + 16 <= n; i += 16) {
		VM_PREFETCH(a, i, n);
		__m512 r = ag_v16_gelu(_mm512_loadu_ps(a + i));
		if (stream)
			_mm512_stream_ps(o + i, r);
		else
			_mm512_storeu_ps(o + i, r);
	}
}
#endif

/* gelu: whole blocks with AVX-512 where the CPU has it, the rest (and
 * every block elsewhere) through ag_vf_gelu */
static void vm_gelu(float *o, const float *a, int64_t n, const params *pp)
{
#ifdef VM_AVX512
	if (ag_v16_has_avx512()) {
		/* streamed stores of whole zmm need 64-byte alignment */
		bool st = pp->stream && !((uintptr_t)o & 63);
		int64_t m = n & ~(int64_t)15;
		vm_gelu_avx512(o, a, m, st);
		if (m < n)
			vm_gelu_c(o + m, a + m, n - m, pp);
		return;
	}
#endif
	vm_gelu_c(o, a, n, pp);
}

typedef void (*vm_fn)(float *, const float *, int64_t, const params *);

/* The kernel of op, and its numbers from args. */
static vm_fn unary_kernel(ag_op op, const void *args, params *p)
{
	memset(p, 0, sizeof *p);
	switch (op) {
	case AG_OP_EXP: return vm_exp;
	case AG_OP_EXPM1: return vm_expm1;
	case AG_OP_LOG1P: return vm_log1p;
	case AG_OP_TAN: return vm_tan;
	case AG_OP_TANH: return vm_tanh;
	case AG_OP_ERF: return vm_erf;
	case AG_OP_SIGMOID: return vm_sigmoid;
	case AG_OP_SILU: return vm_silu;
	case AG_OP_MISH: return vm_mish;
	case AG_OP_LOGSIGMOID: return vm_log_sigmoid;
	case AG_OP_LEAKY_RELU:
		if (args)
			p->p0 = (float)((const ag_leaky_relu_args *)args)->negative_slope;
		return vm_leaky_relu;
	case AG_OP_ELU:
	case AG_OP_CELU:
		if (args) {
			const ag_elu_args *e = args;
			p->p0 = (float)e->input_scale;
			p->p1 = (float)e->alpha * (float)e->scale;
			p->p2 = (float)e->scale;
		}
		return vm_elu;
	case AG_OP_GELU:
		if (args && ((const ag_gelu_args *)args)->tanh) {
			p->p0 = (float)(M_SQRT2 * M_2_SQRTPI * 0.5);
			return vm_gelu_tanh;
		}
		return vm_gelu;
	case AG_OP_CLAMP:
		if (args) {
			const ag_clamp_args *c = args;
			p->p0 = isnan(c->min) ? -INFINITY : (float)c->min;
			p->p1 = isnan(c->max) ? INFINITY : (float)c->max;
		}
		return vm_clamp;
	case AG_OP_HARDTANH:
		if (args) {
			const ag_hardtanh_args *h = args;
			p->p0 = (float)h->min_val;
			p->p1 = (float)h->max_val;
		}
		return vm_clamp;
	case AG_OP_SOFTPLUS:
		if (args) {
			const ag_softplus_args *s = args;
			p->p0 = (float)s->beta;
			p->p1 = (float)s->threshold;
		}
		return vm_softplus;
	default:
		return NULL;
	}
}

bool ag_vm_unary_has(ag_op op)
{
	params p;
	/* the ops with numbers need them: a NULL args is refused earlier */
	return unary_kernel(op, NULL, &p) != NULL;
}

void ag_vm_unary_f32(ag_op op, float *o, const float *a, int64_t n,
		     const void *args, bool stream)
{
	params p;
	vm_fn f = unary_kernel(op, args, &p);

	p.stream = stream;
	if (f && n > 0)
		f(o, a, n, &p);
	ag_vm_stream_fence(stream);
}

/* ------------------------------------------------------------ streaming */

/*
 * An op's output larger than the caches is better written with
 * non-temporal stores: a plain store first reads each line of the
 * destination into the cache (a third stream of memory traffic beside the
 * two the op reads), then evicts it.  A 10M-element float32 add on
 * recycled memory: 10.4 -> 6.5 ms (the add reads 80 MB and writes 40).
 * Smaller outputs stay in the caches for the op that reads them next.
 * AGDB_STREAM_MIN_MB sets the threshold (0: never stream), for
 * measuring; the default is 8 MiB, twice this machine's L2 per core.
 */
#define STREAM_MIN_BYTES ((int64_t)8 << 20)

bool ag_vm_streams(int64_t nbytes)
{
	static int64_t threshold = -1;	/* read once; any thread may ask */
	int64_t min = __atomic_load_n(&threshold, __ATOMIC_RELAXED);
	if (min < 0) {
		const char *e = getenv("AGDB_STREAM_MIN_MB");
		char *end;
		long long mb = e && *e ? strtoll(e, &end, 10) : -1;
		min = mb >= 0 && !*end && mb < ((int64_t)1 << 40) ?
		      (mb ? mb << 20 : INT64_MAX) : STREAM_MIN_BYTES;
		__atomic_store_n(&threshold, min, __ATOMIC_RELAXED);
	}
#ifdef __SSE2__
	return nbytes >= min;
#else
	return false;
#endif
}

void ag_vm_stream_fence(bool streamed)
{
#ifdef __SSE2__
	if (streamed)
		_mm_sfence();
#else
	(void)streamed;
#endif
}

/* ------------------------------------------------------------ two inputs */

/* atan2: vmath_f32.h's float function, whole blocks straight from the
 * inputs (o may be a or b), a last partial block padded */
VM_CLONES static void vm_atan2(float *o, const float *a, const float *b,
			       int64_t n)
{
	float x[VBLK] __attribute__((aligned(64)));
	float y[VBLK] __attribute__((aligned(64)));
	float r[VBLK] __attribute__((aligned(64)));
	int64_t i = 0;

	for (; i + VBLK <= n; i += VBLK) {
		VM_PREFETCH(a, i, n);
		VM_PREFETCH(b, i, n);
		VM_SIMD
		for (int j = 0; j < VBLK; j++)
			o[i + j] = ag_vf_atan2(a[i + j], b[i + j]);
	}
	if (i < n) {
		int64_t m = n - i;
		memset(x, 0, sizeof x);
		memset(y, 0, sizeof y);
		memcpy(x, a + i, (size_t)m * sizeof(float));
		memcpy(y, b + i, (size_t)m * sizeof(float));
		VM_SIMD
		for (int j = 0; j < VBLK; j++)
			r[j] = ag_vf_atan2(x[j], y[j]);
		memcpy(o + i, r, (size_t)m * sizeof(float));
	}
}

bool ag_vm_binary_has(ag_op op)
{
	return op == AG_OP_ATAN2;
}

void ag_vm_binary_f32(ag_op op, float *o, const float *a, const float *b,
		      int64_t n)
{
	if (op == AG_OP_ATAN2 && n > 0)
		vm_atan2(o, a, b, n);
}

/* ------------------------------------------------------------ maximum, minimum */

/*
 * maximum and minimum of float32 with non-temporal stores (binary.c's
 * loop for outputs past the caches, which a plain store would first read
 * back): PyTorch's rule, binary.c's formula, so the same bits (a NaN on
 * either side wins, x's first; otherwise std::max / std::min, which keep
 * x on a tie: maximum(-0.0, 0.0) is -0.0).  y is b[i] (ys) or b[0].
 */
#define VM_MINMAX(NAME, SEL)						\
VM_CLONES static void NAME(float *o, const float *a, const float *b,	\
			   bool ys, int64_t n)				\
{									\
	float out[VBLK] __attribute__((aligned(64)));			\
	const float y0 = b[0];						\
	int64_t i = 0;							\
									\
	for (; i < n && ((uintptr_t)(o + i) & 15); i++) {		\
		float x = a[i], y = ys ? b[i] : y0;			\
		o[i] = (SEL);						\
	}								\
	if (ys) {							\
		for (; i + VBLK <= n; i += VBLK) {			\
			VM_PREFETCH(a, i, n);				\
			VM_PREFETCH(b, i, n);				\
			VM_SIMD						\
			for (int j = 0; j < VBLK; j++) {		\
				float x = a[i + j], y = b[i + j];	\
				out[j] = (SEL);				\
			}						\
			vm_stream(o + i, out);				\
		}							\
	} else {							\
		for (; i + VBLK <= n; i += VBLK) {			\
			VM_PREFETCH(a, i, n);				\
			VM_SIMD						\
			for (int j = 0; j < VBLK; j++) {		\
				float x = a[i + j], y = y0;		\
				out[j] = (SEL);				\
			}						\
			vm_stream(o + i, out);				\
		}							\
	}								\
	for (; i < n; i++) {						\
		float x = a[i], y = ys ? b[i] : y0;			\
		o[i] = (SEL);						\
	}								\
}

VM_MINMAX(vm_maximum, x != x ? x : y != y ? y : x < y ? y : x)
VM_MINMAX(vm_minimum, x != x ? x : y != y ? y : y < x ? y : x)

bool ag_vm_minmax_stream_f32(ag_op op, float *o, const float *a,
			     const float *b, bool ys, int64_t n)
{
#ifdef __SSE2__
	if (op != AG_OP_MAXIMUM && op != AG_OP_MINIMUM)
		return false;
	if (n > 0)
		(op == AG_OP_MAXIMUM ? vm_maximum : vm_minimum)(o, a, b, ys, n);
	ag_vm_stream_fence(true);
	return true;
#else
	(void)op; (void)o; (void)a; (void)b; (void)ys; (void)n;
	return false;
#endif
}

/* ------------------------------------------------------------ logsumexp */

/* The steps of logsumexp over float32 (stats.c): maxima that a NaN
 * decides, and sums of exp(x - m) (each exp rounded to float, as the op's
 * unfused steps round it) in double. */
VM_CLONES float ag_vm_max_f32(const float *x, int64_t n)
{
	float lane[VBLK], r;
	int64_t i = 0;

	for (int j = 0; j < VBLK; j++)
		lane[j] = -INFINITY;
	for (; i + VBLK <= n; i += VBLK) {
		VM_SIMD
		for (int j = 0; j < VBLK; j++) {
			float v = x[i + j];
			lane[j] = v != v || v > lane[j] ? v : lane[j];
		}
	}
	for (; i < n; i++)
		lane[0] = x[i] != x[i] || x[i] > lane[0] ? x[i] : lane[0];
	r = lane[0];
	for (int j = 1; j < VBLK; j++)
		r = lane[j] != lane[j] || lane[j] > r ? lane[j] : r;
	return r;
}

VM_CLONES void ag_vm_colmax_f32(float *m, const float *x, int64_t n)
{
	VM_SIMD
	for (int64_t j = 0; j < n; j++) {
		float v = x[j];
		m[j] = v != v || v > m[j] ? v : m[j];
	}
}

VM_CLONES double ag_vm_sumexp_f32(const float *x, int64_t n, float m)
{
	float d[VBLK] __attribute__((aligned(64)));
	double acc[VBLK] = { 0 }, r = 0;
	int64_t i = 0;

	/* whole blocks where they lie, the last through d */
	for (; i + VBLK <= n; i += VBLK) {
		VM_SIMD
		for (int j = 0; j < VBLK; j++)
			acc[j] += ag_vf_exp(x[i + j] - m);
	}
	if (i < n) {
		for (int j = 0; j < VBLK; j++)
			d[j] = -INFINITY;	/* exp: 0 */
		memcpy(d, x + i, (size_t)(n - i) * sizeof(float));
		VM_SIMD
		for (int j = 0; j < VBLK; j++)
			acc[j] += ag_vf_exp(d[j] - m);
	}
	for (int j = 0; j < VBLK; j++)
		r += acc[j];
	return r;
}

VM_CLONES void ag_vm_coladdexp_f32(double *acc, const float *x,
				   const float *m, int64_t n)
{
	float d[VBLK] __attribute__((aligned(64)));
	float e[VBLK] __attribute__((aligned(64)));

	for (int64_t i = 0; i < n; i += VBLK) {
		int64_t k = n - i < VBLK ? n - i : VBLK;
		if (k == VBLK) {
			VM_SIMD
			for (int j = 0; j < VBLK; j++)
				d[j] = x[i + j] - m[i + j];
		} else {
			memset(d, 0, sizeof d);
			for (int j = 0; j < k; j++)
				d[j] = x[i + j] - m[i + j];
		}
		VM_SIMD
		for (int j = 0; j < VBLK; j++)
			e[j] = ag_vf_exp(d[j]);
		for (int j = 0; j < k; j++)
			acc[i + j] += e[j];
	}
}

void ag_vm_fill(char *o, const void *val, size_t size, int64_t n, bool stream)
{
	char blk[64] __attribute__((aligned(16)));
	size_t bytes = (size_t)n * size, off = 0;

	for (size_t k = 0; k < sizeof blk; k += size)
		memcpy(blk + k, val, size);
#ifdef __SSE2__
	/* o is a multiple of size, which divides 16: the plain head up to a
	 * 16-byte boundary holds whole values, and the pattern starts again
	 * at that boundary */
	if (stream && (uintptr_t)o % size == 0) {
		size_t h = (16 - ((uintptr_t)o & 15)) & 15;
		__m128i v = _mm_load_si128((const __m128i *)(const void *)blk);
		if (h > bytes)
			h = bytes;
		memcpy(o, blk, h);
		for (off = h; off + 16 <= bytes; off += 16)
			_mm_stream_si128((__m128i *)(void *)(o + off), v);
		_mm_sfence();
		memcpy(o + off, blk, bytes - off);
		return;
	}
#else
	(void)stream;
#endif
	for (; off + sizeof blk <= bytes; off += sizeof blk)
		memcpy(o + off, blk, sizeof blk);
	memcpy(o + off, blk, bytes - off);
}
