/*
 * fused_bw.c - the fused backward ops of the smooth activations (issue
 * 11): gelu_backward, silu_backward, mish_backward, elu_backward,
 * softplus_backward, hardswish_backward, hardsigmoid_backward,
 * log_sigmoid_backward, sigmoid_backward and tanh_backward, each
 * grad * f'(x) in one pass over grad and x, where the formulas of
 * grad_math.c made a full-size tensor per step.
 *
 * The formulas are those of PyTorch 1.13's CPU kernels, in the same order
 * of operations.  Each kernel folds a block of BLK elements with loops of
 * fixed length that the compiler vectorises whole; the transcendental
 * functions are, in float32, vmath_f32.h's float ones (inline, 16 lanes
 * with AVX-512), and in float64 the double ones (glibc's vector functions
 * with GCC and glibc 2.35 or later, as vmath.c does) in a loop of their
 * own (a loop with a select cannot also call a vector function).  float32
 * and float64 run in their own dtype; float16 and bfloat16 run the float32
 * kernel on widened blocks and round on store (half_ew.c); mixed inputs
 * go through doubles and round on store.  Runs
 * that are not dense are gathered into a block first, so an element's
 * value never depends on the layout.
 */
#include "internal.h"
#include "autograd.h"
#include "record.h"
#include "stats_sink.h"
#include "half_ew.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__) && defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define VSIMD __attribute__((simd("notinbranch")))
double exp(double) VSIMD;
double log1p(double) VSIMD;
double tanh(double) VSIMD;
double erf(double) VSIMD;
#define FB_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
/* float32 gelu's kernel with AVX-512 intrinsics, chosen at run time */
#define FB_AVX512 1
#pragma GCC optimize("no-trapping-math")
/* no fused multiply-adds: the AVX-512 clone (which has FMA) then rounds
 * as the AVX2 and SSE2 ones and clang's build do, so every machine gives
 * the same float32 values (vmath_f32.h's functions are exact to the last
 * bit only as a sequence of separately rounded operations) */
#pragma GCC optimize("fp-contract=off")
#ifdef _OPENMP
#define FB_SIMD _Pragma("omp simd")
#endif
#else
#define FB_CLONES
#endif
#ifndef FB_SIMD
#define FB_SIMD
#endif

/* after the pragma: its functions are compiled (and inlined) with it */
#include "vmath_f32.h"
#ifdef FB_AVX512
#include "vmath_avx512.h"
#endif
#include "vmath.h"

enum { BLK = 64 };

/* the op's numbers (opargs_fused.h), read as the kernel's dtype */
typedef struct prm {
	double a, b, c;
} prm;

/*
 * NAME_f32 / NAME_f64(o, g, xs, n, p): o[i] = EXPR with gv = g[i],
 * x = xs[i] and t, u, v computed first, each in a loop of its own (T1
 * from x; T2 from x, t; T3 from x, t, u); a, b, c are p's numbers in T.
 * o may be g or xs.
 */
#define ACT_KERNEL(NAME, TYPE, T1, T2, T3, EXPR)			\
FB_CLONES static void NAME(TYPE *o, const TYPE *g, const TYPE *xs,	\
			   int64_t n, const prm *pp)			\
{									\
	typedef TYPE T;							\
	const T a = (T)pp->a, b = (T)pp->b, c = (T)pp->c;		\
	T xb[BLK] __attribute__((aligned(64)));				\
	T gb[BLK] __attribute__((aligned(64)));				\
	T tb[BLK] __attribute__((aligned(64)));				\
	T ub[BLK] __attribute__((aligned(64)));				\
	T vb[BLK] __attribute__((aligned(64)));				\
									\
	(void)a; (void)b; (void)c;					\
	for (int64_t i = 0; i < n; i += BLK) {				\
		int64_t m = n - i < BLK ? n - i : BLK;			\
		if (m < BLK) {						\
			memset(xb, 0, sizeof xb);			\
			memset(gb, 0, sizeof gb);			\
		}							\
		memcpy(xb, xs + i, (size_t)m * sizeof(T));		\
		memcpy(gb, g + i, (size_t)m * sizeof(T));		\
		FB_SIMD							\
		for (int j = 0; j < BLK; j++) {				\
			T x = xb[j];					\
			(void)x;					\
			tb[j] = (T1);					\
		}							\
		FB_SIMD							\
		for (int j = 0; j < BLK; j++) {				\
			T x = xb[j], t = tb[j];				\
			(void)x; (void)t;				\
			ub[j] = (T2);					\
		}							\
		FB_SIMD							\
		for (int j = 0; j < BLK; j++) {				\
			T x = xb[j], t = tb[j], u = ub[j];		\
			(void)x; (void)t; (void)u;			\
			vb[j] = (T3);					\
		}							\
		FB_SIMD							\
		for (int j = 0; j < BLK; j++) {				\
			T x = xb[j], gv = gb[j], t = tb[j], u = ub[j];	\
			T v = vb[j];					\
			(void)x; (void)t; (void)u; (void)v;		\
			xb[j] = (EXPR);					\
		}							\
		memcpy(o + i, xb, (size_t)m * sizeof(T));		\
	}								\
}

#define ACT(NAME, T1, T2, T3, EXPR)					\
	ACT_KERNEL(NAME##_f32, float, T1, T2, T3, EXPR)			\
	ACT_KERNEL(NAME##_f64, double, T1, T2, T3, EXPR)

/* a double function at x, rounded to T */
#define FN(fn, x) ((T)fn((double)(x)))
/* the activations' functions: vmath_f32.h's float one in float32 (16
 * lanes, within ~1 ulp), FN's in float64 */
#define AFN(fn, x) _Generic((T)0, float: ag_vf_##fn((float)(x)),	\
			    default: (T)fn((double)(x)))

/* gelu: Phi(x) + x phi(x); float64: t = exp(-x^2 / 2), u = erf(x /
 * sqrt 2); float32: t = vmath_f32.h's gelu'(x), a piecewise polynomial */
ACT(k_gelu,
    _Generic((T)0, float: ag_vf_gelu_grad((float)x),
	     default: (T)exp((double)((T)-0.5 * x * x))),
    _Generic((T)0, float: (T)0, default: (T)erf((double)(x * (T)M_SQRT1_2))),
    0,
    _Generic((T)0, float: gv * t,
	     default: gv * ((T)0.5 * ((T)1 + u) +
			    x * t * (T)(M_2_SQRTPI * M_SQRT1_2 * 0.5))))

#ifdef FB_AVX512
/* float32 gelu's whole blocks with AVX-512 (vmath_avx512.h): the bits of
 * k_gelu_f32, written with non-temporal stores when stream */
__attribute__((target("avx512f"))) static void k_gelu_avx512(float *o,
		const float *g, const float *xs, int64_t n, bool stream)
{
	for (int64_t i = 0; i + 16 <= n; i += 16) {
		if (i + 1024 < n) {	/* 4 KiB ahead, as vmath.c */
			__builtin_prefetch(xs + i + 1024);
			__builtin_prefetch(g + i + 1024);
		}
		__m512 r = _mm512_mul_ps(_mm512_loadu_ps(g + i),
					 ag_v16_gelu_grad(_mm512_loadu_ps(xs + i)));
		if (stream)
			_mm512_stream_ps(o + i, r);
		else
			_mm512_storeu_ps(o + i, r);
	}
}
#endif

static void k_gelu_fast_f32(float *o, const float *g, const float *xs,
			    int64_t n, const prm *pp)
{
#ifdef FB_AVX512
	if (ag_v16_has_avx512()) {
		bool st = !((uintptr_t)o & 63) && ag_vm_streams(n * 4);
		int64_t m = n & ~(int64_t)15;
		k_gelu_avx512(o, g, xs, m, st);
		ag_vm_stream_fence(st);
		if (m < n)
			k_gelu_f32(o + m, g + m, xs + m, n - m, pp);
		return;
	}
#endif
	k_gelu_f32(o, g, xs, n, pp);
}
/* the tanh form: t = tanh(beta (x + kappa x^3)) */
ACT(k_gelu_tanh,
    AFN(tanh, (T)(M_SQRT2 * M_2_SQRTPI * 0.5) * (x + (T)0.044715 * (x * x * x))),
    0, 0,
    gv * ((T)0.5 * ((T)1 + t) + (T)0.5 * x * ((T)1 - t * t) *
	  ((T)(M_SQRT2 * M_2_SQRTPI * 0.5) * ((T)1 + (T)3 * (T)0.044715 * (x * x)))))
/* silu: s (1 + x (1 - s)), s = 1 / (1 + exp(-x)) */
ACT(k_silu, AFN(exp, -x), (T)1 / ((T)1 + t), 0,
    gv * u * ((T)1 + x * ((T)1 - u)))
/* mish: tanh(softplus(x)) + x sigmoid(x) (1 - tanh(softplus(x))^2) */
ACT(k_mish, AFN(exp, x), AFN(log1p, t), AFN(tanh, u),
    gv * (v + x * ((T)1 / ((T)1 + (T)1 / t)) * ((T)1 - v * v)))
/* elu: scale above 0, input_scale alpha scale exp(x input_scale) below */
ACT(k_elu, AFN(exp, x * c), 0, 0,
    x <= 0 ? gv * c * (a * b) * t : gv * b)
/* softplus: 1 past the threshold, else z / (z + 1), z = exp(beta x) */
ACT(k_softplus, AFN(exp, x * a), 0, 0,
    x * a > b ? gv : gv * t / (t + (T)1))
ACT(k_hardswish, 0, 0, 0,
    x < (T)-3 ? (T)0 : x <= (T)3 ? gv * (x / (T)3 + (T)0.5) : gv)
/* 1/6 as PyTorch's kernel has it, a float in every dtype */
ACT(k_hardsigmoid, 0, 0, 0,
    x > (T)-3 && x < (T)3 ? gv * (T)(1.0f / 6.0f) : (T)0)
/* log_sigmoid: sigmoid(-x) from z = exp(-|x|), as PyTorch's kernel */
ACT(k_log_sigmoid, AFN(exp, -fabs((double)x)), 0, 0,
    x < 0 ? gv * ((T)1 - t / ((T)1 + t)) : gv * (t / ((T)1 + t)))
/* of the output y */
ACT(k_sigmoid, 0, 0, 0, gv * ((T)1 - x) * x)
ACT(k_tanh, 0, 0, 0, gv * ((T)1 - x * x))

typedef void (*k32)(float *, const float *, const float *, int64_t,
		    const prm *);
typedef void (*k64)(double *, const double *, const double *, int64_t,
		    const prm *);

typedef struct kern {
	k32 f32;
	k64 f64;
} kern;

#define KERN(name) (kern){ name##_f32, name##_f64 }

static bool kernel_of(ag_op op, const ag_act_bw_args *args, kern *k)
{
	switch (op) {
	case AG_OP_GELU_BACKWARD:
		*k = args && args->a != 0 ? KERN(k_gelu_tanh) :
		     (kern){ k_gelu_fast_f32, k_gelu_f64 };
		return true;
	case AG_OP_SILU_BACKWARD: *k = KERN(k_silu); return true;
	case AG_OP_MISH_BACKWARD: *k = KERN(k_mish); return true;
	case AG_OP_ELU_BACKWARD: *k = KERN(k_elu); return true;
	case AG_OP_SOFTPLUS_BACKWARD: *k = KERN(k_softplus); return true;
	case AG_OP_HARDSWISH_BACKWARD: *k = KERN(k_hardswish); return true;
	case AG_OP_HARDSIGMOID_BACKWARD: *k = KERN(k_hardsigmoid); return true;
	case AG_OP_LOG_SIGMOID_BACKWARD: *k = KERN(k_log_sigmoid); return true;
	case AG_OP_SIGMOID_BACKWARD: *k = KERN(k_sigmoid); return true;
	case AG_OP_TANH_BACKWARD: *k = KERN(k_tanh); return true;
	default: return false;
	}
}

typedef struct act_ctx {
	kern k;
	prm p;
	ag_dtype dt[3];		/* out, grad, x */
	int mode;		/* 0: float32, 1: float64, 2: through doubles */
} act_ctx;

static void act_loop(char **data, const int64_t *st, int64_t n, void *vctx);

/* float16/bfloat16 throughout: the float32 kernel a block at a time,
 * each result rounded once (the bits of the float32 op, rounded) */
static void act_half(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const act_ctx *c = vctx;
	ag_half_blocks(act_loop, vctx, data, st, n, 2, c->dt[0]);
}

enum { RUN = 256 };

static void act_loop(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const act_ctx *c = vctx;
	size_t es = c->mode == 0 ? sizeof(float) : sizeof(double);

	if (c->mode < 2 && st[0] == (int64_t)es && st[1] == (int64_t)es &&
	    st[2] == (int64_t)es) {
		if (c->mode == 0)
			c->k.f32((float *)data[0], (const float *)data[1],
				 (const float *)data[2], n, &c->p);
		else
			c->k.f64((double *)data[0], (const double *)data[1],
				 (const double *)data[2], n, &c->p);
		return;
	}
	/* gathered a run at a time */
	union { float f[RUN]; double d[RUN]; } gb, xb, ob;
	for (int64_t i0 = 0; i0 < n; i0 += RUN) {
		int64_t m = n - i0 < RUN ? n - i0 : RUN;
		const char *g = data[1] + i0 * st[1], *x = data[2] + i0 * st[2];
		char *o = data[0] + i0 * st[0];
		if (c->mode == 0) {
			for (int64_t i = 0; i < m; i++) {
				gb.f[i] = *(const float *)(g + i * st[1]);
				xb.f[i] = *(const float *)(x + i * st[2]);
			}
			c->k.f32(ob.f, gb.f, xb.f, m, &c->p);
			for (int64_t i = 0; i < m; i++)
				*(float *)(o + i * st[0]) = ob.f[i];
		} else {
			for (int64_t i = 0; i < m; i++) {
				gb.d[i] = ag_load(g + i * st[1], c->dt[1]);
				xb.d[i] = ag_load(x + i * st[2], c->dt[2]);
			}
			c->k.f64(ob.d, gb.d, xb.d, m, &c->p);
			for (int64_t i = 0; i < m; i++)
				ag_store(o + i * st[0], c->dt[0], ob.d[i]);
		}
	}
}

ag_tensor *ag_act_backward(ag_op op, ag_tensor *grad, ag_tensor *x,
			   const ag_act_bw_args *args)
{
	static const ag_act_bw_args none = { 0, 0, 0 };
	act_ctx c;

	if (!kernel_of(op, args, &c.k)) {
		ag_error(AG_ERR_VALUE, "%s: not a fused activation backward op",
			 ag_op_name(op));
		return NULL;
	}
	if (!args)
		args = &none;
	ag_tensor *ops[3];
	ag_iter it;
	ag_tensor *out = ag_grad_self_setup(op, grad, x, ops, &it);
	if (!out)
		return NULL;
	ag_dtype dt = out->dtype;
	c.p = (prm){ args->a, args->b, args->c };
	c.dt[0] = dt;
	c.dt[1] = grad->dtype;
	c.dt[2] = x->dtype;
	bool same = grad->dtype == dt && x->dtype == dt;
	bool half = same && ag_dtype_is_half(dt);
	c.mode = (same && dt == AG_FLOAT32) || half ? 0 : same && dt == AG_FLOAT64 ? 1 : 2;
	ag_iter_run(&it, half ? act_half : act_loop, &c, true);
	return ag_recorded(out, (ag_call){ .op = op, .in = ops + 1, .nin = 2,
		.args = args, .args_size = sizeof *args });
}

/* ------------------------------------ var's and logsumexp's backward */

/*
 * Without a graph of the backward, var's gradient scale * g * (x - mean)
 * and logsumexp's g * exp(x - result) in one pass (the formulas of
 * grad_stats.c, in the same order of roundings, make three full-size
 * temporaries).  g and r (the mean or the result, dims kept) broadcast
 * against x: along a run they are one value (stride 0) or dense, else the
 * run is gathered.
 */
/* m values of a run with stride s (0: one value repeated, as a
 * reduction's gradient and result are) into a block */
#define RED_GATHER(TYPE)						\
static inline void red_gather_##TYPE(TYPE *b, const TYPE *p, int64_t s,	\
				     int64_t m)				\
{									\
	if (s == 0) {							\
		TYPE v = p[0];						\
		for (int64_t j = 0; j < m; j++)				\
			b[j] = v;					\
	} else if (s == 1) {						\
		memcpy(b, p, (size_t)m * sizeof(TYPE));			\
	} else {							\
		for (int64_t j = 0; j < m; j++)				\
			b[j] = p[j * s];				\
	}								\
}
RED_GATHER(float)
RED_GATHER(double)

/* the formula over BLK elements: xp, gp, rp (each [j], or [0] where its
 * stride is 0) into op; tb is a block of scratch */
#define RED_BLOCK(LSE, op, xp, GV, RV, tb, scale) do {			\
	if (LSE) {							\
		FB_SIMD							\
		for (int j = 0; j < BLK; j++)				\
			tb[j] = AFN(exp, (xp)[j] - (RV));		\
		FB_SIMD							\
		for (int j = 0; j < BLK; j++)				\
			(op)[j] = (GV) * tb[j];				\
	} else {							\
		FB_SIMD							\
		for (int j = 0; j < BLK; j++)				\
			(op)[j] = (GV) * ((xp)[j] - (RV)) * (scale);	\
	}								\
} while (0)

/*
 * Whole blocks are computed where they lie when g and r are one value
 * (stride 0: a full reduction's, or a row's) or dense along the run (a
 * reduction over outer dims); the rest, and the short last block, through
 * the blocks gathered.  Each element's value is the same either way: the
 * same operations in the same order, in loops of BLK lanes.
 */
#define RED_KERNEL(NAME, TYPE, LSE)					\
FB_CLONES static void NAME(TYPE *o, const TYPE *g, int64_t gs,		\
			   const TYPE *xs, const TYPE *r, int64_t rs,	\
			   int64_t n, TYPE scale)			\
{									\
	typedef TYPE T;							\
	T xb[BLK] __attribute__((aligned(64)));				\
	T gb[BLK] __attribute__((aligned(64)));				\
	T rb[BLK] __attribute__((aligned(64)));				\
	T tb[BLK] __attribute__((aligned(64)));				\
	int64_t i = 0;							\
									\
	(void)scale;							\
	if (gs == 0 && rs == 0) {					\
		const T gv = g[0], rv = r[0];				\
		for (; i + BLK <= n; i += BLK)				\
			RED_BLOCK(LSE, o + i, xs + i, gv, rv, tb, scale); \
	} else if (gs == 1 && rs == 1) {				\
		for (; i + BLK <= n; i += BLK) {			\
			const T *gp = g + i, *rp = r + i;		\
			RED_BLOCK(LSE, o + i, xs + i, gp[j], rp[j], tb,	\
				  scale);				\
		}							\
	}								\
	for (; i < n; i += BLK) {					\
		int64_t m = n - i < BLK ? n - i : BLK;			\
		if (m < BLK) {						\
			memset(xb, 0, sizeof xb);			\
			memset(gb, 0, sizeof gb);			\
			memset(rb, 0, sizeof rb);			\
		}							\
		memcpy(xb, xs + i, (size_t)m * sizeof(T));		\
		red_gather_##TYPE(gb, g + i * gs, gs, m);		\
		red_gather_##TYPE(rb, r + i * rs, rs, m);		\
		RED_BLOCK(LSE, xb, xb, gb[j], rb[j], tb, scale);	\
		memcpy(o + i, xb, (size_t)m * sizeof(T));		\
	}								\
}
RED_KERNEL(var_bw_f32, float, 0)
RED_KERNEL(var_bw_f64, double, 0)
RED_KERNEL(lse_bw_f32, float, 1)
RED_KERNEL(lse_bw_f64, double, 1)

typedef struct red_ctx {
	bool lse, f64;
	double scale;
	const char *out;	/* the output's first element */
	ag_stats_sink *sink;	/* its statistics, when dense */
} red_ctx;

/* operands: out, g, x, r */
static void red_loop(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const red_ctx *c = vctx;
	int64_t es = c->f64 ? 8 : 4;
	bool fits = st[0] == es && st[2] == es && (st[1] == 0 || st[1] == es) &&
		    (st[3] == 0 || st[3] == es);
	union { float f[RUN]; double d[RUN]; } gb, xb, rb;

	/* a dense output in pieces a sink counts while they are in cache */
	int64_t piece = !fits ? RUN : ag_stats_sink_on(c->sink) ? AG_STATS_CHUNK : n;

	for (int64_t i0 = 0; i0 < n; i0 += piece) {
		int64_t m = n - i0 < piece ? n - i0 : piece;
		char *o = data[0] + i0 * st[0];
		const char *g = data[1] + i0 * st[1], *x = data[2] + i0 * st[2];
		const char *r = data[3] + i0 * st[3];
		int64_t gs = st[1] / es, rs = st[3] / es;
		if (!fits) {	/* gathered: x and the output through buffers */
			for (int64_t i = 0; i < m; i++) {
				memcpy((char *)&gb + i * es, g + i * st[1], (size_t)es);
				memcpy((char *)&xb + i * es, x + i * st[2], (size_t)es);
				memcpy((char *)&rb + i * es, r + i * st[3], (size_t)es);
			}
			g = (const char *)&gb;
			x = (const char *)&xb;
			r = (const char *)&rb;
			gs = rs = 1;
		}
		char *dst = fits ? o : (char *)&xb;
		if (c->f64 && c->lse)
			lse_bw_f64((double *)dst, (const double *)g, gs,
				   (const double *)x, (const double *)r, rs, m, 0);
		else if (c->f64)
			var_bw_f64((double *)dst, (const double *)g, gs,
				   (const double *)x, (const double *)r, rs, m,
				   c->scale);
		else if (c->lse)
			lse_bw_f32((float *)dst, (const float *)g, gs,
				   (const float *)x, (const float *)r, rs, m, 0);
		else
			var_bw_f32((float *)dst, (const float *)g, gs,
				   (const float *)x, (const float *)r, rs, m,
				   (float)c->scale);
		if (!fits)
			for (int64_t i = 0; i < m; i++)
				memcpy(o + i * st[0], (char *)&xb + i * es,
				       (size_t)es);
		else if (ag_stats_sink_on(c->sink)) {
			int64_t at = (o - c->out) / es;
			ag_stats_sink_wrote(c->sink, at, at + m);
		}
	}
}

bool ag_reduce_bw_fused_fits(const ag_tensor *g, const ag_tensor *x,
			     const ag_tensor *r)
{
	return !ag_is_grad_enabled() &&
	       (x->dtype == AG_FLOAT32 || x->dtype == AG_FLOAT64) &&
	       g->dtype == x->dtype && r->dtype == x->dtype &&
	       g->ndim <= x->ndim && r->ndim <= x->ndim;
}

ag_tensor *ag_reduce_bw_fused(bool lse, ag_tensor *g, ag_tensor *x,
			      ag_tensor *r, double scale)
{
	if (!ag_reduce_bw_fused_fits(g, x, r)) {
		ag_error(AG_ERR_VALUE, "fused reduction backward: float32 or "
			 "float64 operands of one dtype, without a graph");
		return NULL;
	}
	ag_tensor *out = ag_tensor_alloc_uninit(x->shape, x->ndim, x->dtype);
	if (!out)
		return NULL;
	ag_tensor *ops[4] = { out, g, x, r };
	ag_iter it;
	if (ag_iter_init(&it, 4, ops, x->shape, x->ndim) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	ag_stats_sink sink;
	ag_stats_sink_begin(&sink, out);
	red_ctx c = { lse, x->dtype == AG_FLOAT64, scale, ag_data_ptr(out), &sink };
	ag_iter_run(&it, red_loop, &c, true);
	ag_stats_sink_end(&sink, out);
	return out;
}
