/*
 * vmath.c - float32 pointwise kernels with transcendental functions, and
 * leaky_relu, vectorised (vmath.h).
 *
 * The formulas are unary.c's and binary.c's float formulas, in the same
 * order of float operations (sigmoid as 1 / (1 + exp(-x)), elu with
 * exp(x) - 1, as PyTorch's kernels have them); what changes is the
 * transcendental function itself: it is evaluated in double and rounded
 * to float once, so it is the correctly rounded float value but for rare
 * ties (glibc's float functions are within an ulp, PyTorch's SLEEF ones
 * within 1.0 ulp).  With glibc 2.35 or later and GCC, the double
 * functions are glibc's vector ones (libmvec, declared `simd` below, at
 * most 4 ulp of double: far below a float's rounding), eight or sixteen
 * lanes per call; elsewhere they are the scalar libm functions and give
 * the same values but for those ties.
 *
 * Every call folds a block of VBLK floats with a loop of fixed length, so
 * the compiler vectorises it whole (no scalar prologue or epilogue that
 * would round some elements differently); a last partial block is padded.
 * The AVX-512, AVX2 and SSE2 clones of each kernel are chosen once by the
 * loader for the CPU, so a machine gives one value for one input.
 */
#include "vmath.h"

#include <math.h>
#include <string.h>

#include "opargs.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__) && defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
/* libmvec has vector versions of these (glibc declares them so only
 * under -ffast-math, which agdb does not use) */
#define VSIMD __attribute__((simd("notinbranch")))
double exp(double) VSIMD;
double expm1(double) VSIMD;
double log1p(double) VSIMD;
double tan(double) VSIMD;
double tanh(double) VSIMD;
double erf(double) VSIMD;
double atan2(double, double) VSIMD;
#define VM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#ifdef _OPENMP
#define VM_SIMD _Pragma("omp simd")
#endif
#else
#define VM_CLONES
#endif
#ifndef VM_SIMD		/* scalar calls: clang would warn of the pragma */
#define VM_SIMD
#endif

/* the float value of a double function at float x */
#define D1(fn, x) ((float)fn((double)(x)))

enum { VBLK = 16 };

/* The numbers an op's formula reads, as floats (as the float formulas of
 * unary.c convert them). */
typedef struct params {
	float p0, p1, p2, p3;
	bool flag;
} params;

/*
 * NAME(o, a, n, p): o[i] = EXPR, with x = a[i], t = PRE (a function of x
 * alone) and p the params, a block at a time through aligned buffers (o
 * may be a).  PRE gets a loop of its own: a call whose value a select
 * then takes or drops would otherwise be moved into the branch, where the
 * vector function cannot go.
 */
#define VM_UNARY(NAME, PRE, EXPR)					\
VM_CLONES static void NAME(float *o, const float *a, int64_t n,		\
			   const params *pp)				\
{									\
	const params p = *pp;						\
	float in[VBLK] __attribute__((aligned(64)));			\
	float pre[VBLK] __attribute__((aligned(64)));			\
	float out[VBLK] __attribute__((aligned(64)));			\
	int64_t i = 0;							\
									\
	(void)p;							\
	for (;; i += VBLK) {						\
		int64_t m = n - i < VBLK ? n - i : VBLK;		\
		if (m <= 0)						\
			break;						\
		if (m == VBLK) {					\
			memcpy(in, a + i, sizeof in);			\
		} else {						\
			memset(in, 0, sizeof in);			\
			memcpy(in, a + i, (size_t)m * sizeof(float));	\
		}							\
		VM_SIMD							\
		for (int j = 0; j < VBLK; j++) {			\
			float x = in[j];				\
			pre[j] = (PRE);					\
		}							\
		VM_SIMD							\
		for (int j = 0; j < VBLK; j++) {			\
			float x = in[j], t = pre[j];			\
			(void)x; (void)t;			\
			out[j] = (EXPR);				\
		}							\
		memcpy(o + i, out, (size_t)m * sizeof(float));		\
	}								\
}

VM_UNARY(vm_exp, D1(exp, x), t)
VM_UNARY(vm_expm1, D1(expm1, x), t)
VM_UNARY(vm_log1p, D1(log1p, x), t)
VM_UNARY(vm_tan, D1(tan, x), t)
VM_UNARY(vm_tanh, D1(tanh, x), t)
VM_UNARY(vm_erf, D1(erf, x), t)
VM_UNARY(vm_sigmoid, D1(exp, -x), 1 / (1 + t))
VM_UNARY(vm_silu, D1(exp, -x), x / (1 + t))
VM_UNARY(vm_leaky_relu, x * p.p0, x > 0 ? x : t)
/* p0 = input_scale, p1 = alpha * scale, p2 = scale */
VM_UNARY(vm_elu, D1(exp, x * p.p0), x <= 0 ? (t - 1) * p.p1 : x * p.p2)
VM_UNARY(vm_gelu, D1(erf, x * (float)M_SQRT1_2), x * 0.5f * (1 + t))
/* p0 = sqrt(2 / pi) */
VM_UNARY(vm_gelu_tanh, D1(tanh, p.p0 * (x + 0.044715f * x * x * x)),
	 0.5f * x * (1 + t))
/* p0 = beta, p1 = threshold */
VM_UNARY(vm_softplus, D1(log1p, D1(exp, x * p.p0)) / p.p0,
	 x * p.p0 > p.p1 ? x : t)

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
		     const void *args)
{
	params p;
	vm_fn f = unary_kernel(op, args, &p);

	if (f && n > 0)
		f(o, a, n, &p);
}

/* ------------------------------------------------------------ two inputs */

VM_CLONES static void vm_atan2(float *o, const float *a, const float *b,
			       int64_t n)
{
	float x[VBLK] __attribute__((aligned(64)));
	float y[VBLK] __attribute__((aligned(64)));
	float r[VBLK] __attribute__((aligned(64)));

	for (int64_t i = 0; i < n; i += VBLK) {
		int64_t m = n - i < VBLK ? n - i : VBLK;
		if (m < VBLK) {
			memset(x, 0, sizeof x);
			memset(y, 0, sizeof y);
		}
		memcpy(x, a + i, (size_t)m * sizeof(float));
		memcpy(y, b + i, (size_t)m * sizeof(float));
		VM_SIMD
		for (int j = 0; j < VBLK; j++)
			r[j] = (float)atan2((double)x[j], (double)y[j]);
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
