/*
 * observe.c - what the debugger sees of a backward pass: the observer
 * called at its start and end, for every node run and every .grad
 * accumulated, and the statistics of each gradient (kept on its node for
 * the viewer).
 */
#include "node.h"
#include "simd.h"
#include "debug.h"
#include "stats_sink.h"

#include <math.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static bool keep_stats = true;
static bool observe_outputs = true;

void ag_set_observe_outputs(bool on) { observe_outputs = on; }

void ag_set_keep_grad_stats(bool on) { keep_stats = on; }
static void (*observer)(const ag_backward_event *, void *);
static void *observer_ud;

void ag_set_backward_observer(void (*fn)(const ag_backward_event *, void *),
			      void *ud)
{
	observer = fn;
	observer_ud = ud;
}

/* ------------------------------------------------------------ statistics */

/*
 * One pass over a gradient where it lies, without a copy: the strided
 * iterator hands over runs, typed kernels count them branch-free (the
 * compiler vectorises them), and dims of stride 0 (an expanded gradient,
 * such as a mean's) are walked once and their counts scaled, since every
 * element there repeats.
 */
#define FP16_TINY 5.960464477539063e-08	/* float16's smallest subnormal */
#define STATS_BLOCK 256			/* elements widened at a time */

typedef struct stats_acc {
	double sum, max;
	int64_t nan, inf, zero, tiny;
} stats_acc;

typedef struct stats_ctx {
	stats_acc acc;
	ag_dtype dt;
} stats_ctx;

/* Dense runs of T (float or double), branch-free; sums in double.  The
 * portable kernels: the AVX-512 one below does the same 16 at a time. */
#define DEFINE_STATS_KERNEL(name, T)					\
static void name(const T *p, int64_t n, stats_acc *acc)			\
{									\
	double sum = 0;							\
	T mx = 0;							\
	int64_t nan = 0, inf = 0, zero = 0, tiny = 0;			\
	for (int64_t i = 0; i < n; i++) {				\
		T a = p[i] < 0 ? -p[i] : p[i];				\
		bool finite = a < (T)INFINITY;	/* false for NaN */	\
		nan += a != a;						\
		inf += a == (T)INFINITY;				\
		zero += a == 0;						\
		tiny += a > 0 && a < (T)FP16_TINY;			\
		sum += finite ? (double)a : 0.0;			\
		mx = finite && a > mx ? a : mx;				\
	}								\
	acc->sum += sum;						\
	acc->max = mx > acc->max ? mx : acc->max;			\
	acc->nan += nan;						\
	acc->inf += inf;						\
	acc->zero += zero;						\
	acc->tiny += tiny;						\
}
DEFINE_STATS_KERNEL(stats_f32, float)
DEFINE_STATS_KERNEL(stats_f64, double)

#if AG_HAVE_X86_SIMD
/* The same with AVX2 and F16C, when the CPU has them: 8 floats (4
 * doubles) a step, the counts from compare masks; float16 is widened by
 * vcvtph2ps (exact) and bfloat16 by a shift, in registers. */
#define AVX2 __attribute__((target("avx2,f16c,popcnt")))

static inline AVX2 void stats8(__m256 x, int m, __m256d *s0, __m256d *s1,
			       __m256 *mx, int64_t cnt[4])
{
	const __m256 inf = _mm256_set1_ps(INFINITY), zero = _mm256_setzero_ps();
	__m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
	__m256 fin = _mm256_cmp_ps(a, inf, _CMP_LT_OQ);
	__m256 tiny = _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ),
		_mm256_cmp_ps(a, _mm256_set1_ps((float)FP16_TINY), _CMP_LT_OQ));
	cnt[0] += __builtin_popcount(m & _mm256_movemask_ps(_mm256_cmp_ps(a, a, _CMP_UNORD_Q)));
	cnt[1] += __builtin_popcount(m & _mm256_movemask_ps(_mm256_cmp_ps(a, inf, _CMP_EQ_OQ)));
	cnt[2] += __builtin_popcount(m & _mm256_movemask_ps(_mm256_cmp_ps(a, zero, _CMP_EQ_OQ)));
	cnt[3] += __builtin_popcount(m & _mm256_movemask_ps(tiny));
	__m256 f = _mm256_and_ps(fin, a);	/* lanes past the end are 0 */
	*mx = _mm256_max_ps(*mx, f);
	*s0 = _mm256_add_pd(*s0, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
	*s1 = _mm256_add_pd(*s1, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
}

/* 8 elements of a float32/float16/bfloat16 run as floats. */
static inline AVX2 __m256 load8(const char *p, ag_dtype dt)
{
	if (dt == AG_FLOAT32)
		return _mm256_loadu_ps((const float *)p);
	__m128i h = _mm_loadu_si128((const __m128i *)p);
	if (dt == AG_FLOAT16)
		return _mm256_cvtph_ps(h);
	return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* The float32 runs 16 at a time, the counts kept as vector lanes (the
 * compare masks subtracted) and folded every 2^20 steps, the sums in four
 * chains: the elements of whole steps; the caller does the rest. */
static AVX2 int64_t stats_f32_avx2(const float *p, int64_t n, __m256d *s0,
				   __m256d *s1, __m256 *vmx, int64_t cnt[4])
{
	const __m256 inf = _mm256_set1_ps(INFINITY), zero = _mm256_setzero_ps();
	const __m256 sign = _mm256_set1_ps(-0.0f);
	const __m256 tiny = _mm256_set1_ps((float)FP16_TINY);
	__m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
	__m256 mx2 = _mm256_setzero_ps();
	int64_t i = 0;

	while (i + 16 <= n) {
		int64_t end = n - i > (1 << 24) ? i + (1 << 24) : n;
		__m256i c[4] = { _mm256_setzero_si256(), _mm256_setzero_si256(),
				 _mm256_setzero_si256(), _mm256_setzero_si256() };
		for (; i + 16 <= end; i += 16) {
			__m256 a = _mm256_andnot_ps(sign, _mm256_loadu_ps(p + i));
			__m256 b = _mm256_andnot_ps(sign, _mm256_loadu_ps(p + i + 8));
#define COUNT(k, ma, mb) c[k] = _mm256_sub_epi32(_mm256_sub_epi32(c[k],	\
		_mm256_castps_si256(ma)), _mm256_castps_si256(mb))
			COUNT(0, _mm256_cmp_ps(a, a, _CMP_UNORD_Q),
			      _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
			COUNT(1, _mm256_cmp_ps(a, inf, _CMP_EQ_OQ),
			      _mm256_cmp_ps(b, inf, _CMP_EQ_OQ));
			COUNT(2, _mm256_cmp_ps(a, zero, _CMP_EQ_OQ),
			      _mm256_cmp_ps(b, zero, _CMP_EQ_OQ));
			COUNT(3, _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ),
					       _mm256_cmp_ps(a, tiny, _CMP_LT_OQ)),
			      _mm256_and_ps(_mm256_cmp_ps(b, zero, _CMP_GT_OQ),
					    _mm256_cmp_ps(b, tiny, _CMP_LT_OQ)));
#undef COUNT
			__m256 fa = _mm256_and_ps(_mm256_cmp_ps(a, inf, _CMP_LT_OQ), a);
			__m256 fb = _mm256_and_ps(_mm256_cmp_ps(b, inf, _CMP_LT_OQ), b);
			*vmx = _mm256_max_ps(*vmx, fa);
			mx2 = _mm256_max_ps(mx2, fb);
			*s0 = _mm256_add_pd(*s0, _mm256_cvtps_pd(_mm256_castps256_ps128(fa)));
			*s1 = _mm256_add_pd(*s1, _mm256_cvtps_pd(_mm256_extractf128_ps(fa, 1)));
			s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm256_castps256_ps128(fb)));
			s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm256_extractf128_ps(fb, 1)));
		}
		for (int k = 0; k < 4; k++) {
			int32_t lane[8];
			_mm256_storeu_si256((__m256i *)lane, c[k]);
			for (int j = 0; j < 8; j++)
				cnt[k] += lane[j];
		}
	}
	*s0 = _mm256_add_pd(*s0, s2);
	*s1 = _mm256_add_pd(*s1, s3);
	*vmx = _mm256_max_ps(*vmx, mx2);
	return i;
}

/* The same 32 at a time with AVX-512, a block of STATS_FAST elements at a
 * time.  Gradients are rarely NaN, inf or below float16's range, so a
 * block is first summed assuming none is: |x| as integers, whose order is
 * the order of the non-negative floats, gives the block's least and
 * greatest magnitudes in two instructions, and only zeros are counted.
 * When the block had something else it is done again (it is in L1) with
 * every class counted, from the sums as they were before it.  The sums
 * take the same lanes in the same order either way, so the results are
 * those of the counting loop alone, bit for bit. */
#define AVX512 __attribute__((target("avx512f")))
#define STATS_FAST 4096
#define TINY_BITS 0x33800000	/* the bits of (float)FP16_TINY */
#define INF_BITS 0x7f800000
static AVX512 int64_t stats_f32_avx512(const float *p, int64_t n,
				       __m256d *s0, __m256d *s1, __m256 *vmx,
				       int64_t cnt[4])
{
	const __m512 inf = _mm512_set1_ps(INFINITY), zero = _mm512_setzero_ps();
	const __m512 tiny = _mm512_set1_ps((float)FP16_TINY);
	const __m512i one = _mm512_set1_epi32(1);
	const __m512i absm = _mm512_set1_epi32(0x7fffffff);
	const __m512i izero = _mm512_setzero_si512();
	__m512d sa = _mm512_setzero_pd(), sb = _mm512_setzero_pd();
	__m512d sc = _mm512_setzero_pd(), sd = _mm512_setzero_pd();
	__m512i mx = izero;	/* the greatest finite |x|, as bits */
	int64_t i = 0;

#define SUM4(A, B, S)							\
	S##a = _mm512_add_pd(S##a, _mm512_cvtps_pd(_mm512_castps512_ps256(A))); \
	S##b = _mm512_add_pd(S##b, _mm512_cvtps_pd(_mm256_castpd_ps(	\
		_mm512_extractf64x4_pd(_mm512_castps_pd(A), 1))));	\
	S##c = _mm512_add_pd(S##c, _mm512_cvtps_pd(_mm512_castps512_ps256(B))); \
	S##d = _mm512_add_pd(S##d, _mm512_cvtps_pd(_mm256_castpd_ps(	\
		_mm512_extractf64x4_pd(_mm512_castps_pd(B), 1))))
	while (i + 32 <= n) {
		int64_t m = (n - i) & ~(int64_t)31;
		int64_t end = i + (m < STATS_FAST ? m : STATS_FAST);
		__m512d ta = sa, tb = sb, tc = sc, td = sd;
		__m512i lo = _mm512_set1_epi32(-1), hi = izero, cz = izero;
		for (int64_t j = i; j < end; j += 32) {
			__m512i a = _mm512_and_si512(_mm512_loadu_si512(p + j), absm);
			__m512i b = _mm512_and_si512(_mm512_loadu_si512(p + j + 16), absm);
			/* |x| - 1: zero wraps to the top, tiny ones stay
			 * below TINY_BITS - 1 */
			lo = _mm512_min_epu32(lo, _mm512_min_epu32(
				_mm512_sub_epi32(a, one), _mm512_sub_epi32(b, one)));
			hi = _mm512_max_epu32(hi, _mm512_max_epu32(a, b));
			cz = _mm512_mask_add_epi32(cz, _mm512_cmpeq_epi32_mask(a, izero), cz, one);
			cz = _mm512_mask_add_epi32(cz, _mm512_cmpeq_epi32_mask(b, izero), cz, one);
			__m512 fa = _mm512_castsi512_ps(a), fb = _mm512_castsi512_ps(b);
			SUM4(fa, fb, t);
		}
		if ((uint32_t)_mm512_reduce_min_epu32(lo) >= TINY_BITS - 1 &&
		    (uint32_t)_mm512_reduce_max_epu32(hi) < INF_BITS) {
			sa = ta, sb = tb, sc = tc, sd = td;
			mx = _mm512_max_epu32(mx, hi);
			cnt[2] += _mm512_reduce_add_epi32(cz);
			i = end;
			continue;
		}
		__m512i c[4] = { izero, izero, izero, izero };
		for (; i < end; i += 32) {
			__m512 a = _mm512_abs_ps(_mm512_loadu_ps(p + i));
			__m512 b = _mm512_abs_ps(_mm512_loadu_ps(p + i + 16));
#define COUNT(k, pred)							\
	c[k] = _mm512_mask_add_epi32(c[k], pred(a), c[k], one);		\
	c[k] = _mm512_mask_add_epi32(c[k], pred(b), c[k], one)
#define NAN_(v) _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)
#define INF_(v) _mm512_cmp_ps_mask(v, inf, _CMP_EQ_OQ)
#define ZERO_(v) _mm512_cmp_ps_mask(v, zero, _CMP_EQ_OQ)
#define TINY_(v) (_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ) &		\
		  _mm512_cmp_ps_mask(v, tiny, _CMP_LT_OQ))
			COUNT(0, NAN_);
			COUNT(1, INF_);
			COUNT(2, ZERO_);
			COUNT(3, TINY_);
#undef COUNT
#undef NAN_
#undef INF_
#undef ZERO_
#undef TINY_
			__m512 fa = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, inf, _CMP_LT_OQ), a);
			__m512 fb = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(b, inf, _CMP_LT_OQ), b);
			mx = _mm512_max_epu32(mx, _mm512_max_epu32(
				_mm512_castps_si512(fa), _mm512_castps_si512(fb)));
			SUM4(fa, fb, s);
		}
		for (int k = 0; k < 4; k++)
			cnt[k] += _mm512_reduce_add_epi32(c[k]);
	}
#undef SUM4
	__m512d s = _mm512_add_pd(_mm512_add_pd(sa, sb), _mm512_add_pd(sc, sd));
	*s0 = _mm256_add_pd(*s0, _mm512_castpd512_pd256(s));
	*s1 = _mm256_add_pd(*s1, _mm512_extractf64x4_pd(s, 1));
	__m256i m8 = _mm256_max_epu32(_mm512_castsi512_si256(mx),
				      _mm512_extracti64x4_epi64(mx, 1));
	*vmx = _mm256_max_ps(*vmx, _mm256_castsi256_ps(m8));
	return i;
}

static AVX2 void stats_dense_avx2(const char *p, int64_t n, ag_dtype dt,
				  stats_acc *acc)
{
	int64_t cnt[4] = { 0 };
	__m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
	double mx, lane[4];
	if (dt == AG_FLOAT64) {
		const __m256d inf = _mm256_set1_pd(INFINITY), zero = _mm256_setzero_pd();
		__m256d vmx = zero;
		for (int64_t i = 0; i < n; i += 4) {
			int m = 0xf;
			__m256d x;
			if (n - i >= 4) {
				x = _mm256_loadu_pd((const double *)p + i);
			} else {	/* the tail, through a zeroed copy */
				double t[4] = { 0 };
				memcpy(t, (const double *)p + i, (size_t)(n - i) * 8);
				x = _mm256_loadu_pd(t);
				m = (1 << (n - i)) - 1;
			}
			__m256d a = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
			__m256d tiny = _mm256_and_pd(_mm256_cmp_pd(a, zero, _CMP_GT_OQ),
				_mm256_cmp_pd(a, _mm256_set1_pd(FP16_TINY), _CMP_LT_OQ));
			cnt[0] += __builtin_popcount(m & _mm256_movemask_pd(_mm256_cmp_pd(a, a, _CMP_UNORD_Q)));
			cnt[1] += __builtin_popcount(m & _mm256_movemask_pd(_mm256_cmp_pd(a, inf, _CMP_EQ_OQ)));
			cnt[2] += __builtin_popcount(m & _mm256_movemask_pd(_mm256_cmp_pd(a, zero, _CMP_EQ_OQ)));
			cnt[3] += __builtin_popcount(m & _mm256_movemask_pd(tiny));
			__m256d f = _mm256_and_pd(_mm256_cmp_pd(a, inf, _CMP_LT_OQ), a);
			vmx = _mm256_max_pd(vmx, f);
			s0 = _mm256_add_pd(s0, f);
		}
		_mm256_storeu_pd(lane, vmx);
		mx = lane[0];
		for (int k = 1; k < 4; k++)
			mx = lane[k] > mx ? lane[k] : mx;
	} else {
		int64_t es = (int64_t)ag_dtype_size(dt), i = 0;
		__m256 vmx = _mm256_setzero_ps();
		float fl[8];
		if (dt == AG_FLOAT32 && __builtin_cpu_supports("avx512f"))
			i = stats_f32_avx512((const float *)p, n, &s0, &s1, &vmx, cnt);
		if (dt == AG_FLOAT32)
			i += stats_f32_avx2((const float *)p + i, n - i, &s0, &s1,
					    &vmx, cnt);
		for (; i + 8 <= n; i += 8)
			stats8(load8(p + i * es, dt), 0xff, &s0, &s1, &vmx, cnt);
		if (i < n) {	/* the tail, through a zeroed copy */
			char t[32] = { 0 };
			memcpy(t, p + i * es, (size_t)((n - i) * es));
			stats8(load8(t, dt), (1 << (n - i)) - 1, &s0, &s1, &vmx, cnt);
		}
		_mm256_storeu_ps(fl, vmx);
		mx = fl[0];
		for (int k = 1; k < 8; k++)
			mx = fl[k] > mx ? fl[k] : mx;
	}
	_mm256_storeu_pd(lane, _mm256_add_pd(s0, s1));
	acc->sum += (lane[0] + lane[1]) + (lane[2] + lane[3]);
	acc->max = mx > acc->max ? mx : acc->max;
	acc->nan += cnt[0];
	acc->inf += cnt[1];
	acc->zero += cnt[2];
	acc->tiny += cnt[3];
}
#endif

/* A dense run of n elements of dtype dt. */
static void stats_dense(const char *p, int64_t n, ag_dtype dt, stats_acc *acc)
{
#if AG_HAVE_X86_SIMD
	if ((dt == AG_FLOAT32 || dt == AG_FLOAT64 || dt == AG_FLOAT16 ||
	     dt == AG_BFLOAT16) && ag_cpu_avx2()) {
		stats_dense_avx2(p, n, dt, acc);
		return;
	}
#endif
	if (dt == AG_FLOAT32) {
		stats_f32((const float *)p, n, acc);
		return;
	}
	if (dt == AG_FLOAT64) {
		stats_f64((const double *)p, n, acc);
		return;
	}
	size_t es = ag_dtype_size(dt);
	for (int64_t i = 0; i < n; i += STATS_BLOCK) {
		int64_t m = n - i < STATS_BLOCK ? n - i : STATS_BLOCK;
		const char *q = p + i * (int64_t)es;
		if (ag_dtype_is_half(dt)) {
			float buf[STATS_BLOCK];
			for (int64_t k = 0; k < m; k++) {
				uint16_t h;
				memcpy(&h, q + k * 2, 2);
				buf[k] = dt == AG_FLOAT16 ? ag_half_to_float(h)
							  : ag_bf16_to_float(h);
			}
			stats_f32(buf, m, acc);
		} else {
			double buf[STATS_BLOCK];
			for (int64_t k = 0; k < m; k++)
				buf[k] = ag_load(q + k * (int64_t)es, dt);
			stats_f64(buf, m, acc);
		}
	}
}

/* An inner run of the iterator: dense runs go straight to the kernels,
 * strided ones are gathered a block at a time first. */
static void stats_run(char **data, const int64_t *strides, int64_t n, void *vctx)
{
	stats_ctx *c = vctx;
	const char *p = data[0];
	int64_t s = strides[0];
	size_t es = ag_dtype_size(c->dt);

	if (s == (int64_t)es || n == 1) {
		stats_dense(p, n, c->dt, &c->acc);
		return;
	}
	for (int64_t i = 0; i < n; i += STATS_BLOCK) {
		int64_t m = n - i < STATS_BLOCK ? n - i : STATS_BLOCK;
		char buf[STATS_BLOCK * 8];
		for (int64_t k = 0; k < m; k++)
			memcpy(buf + k * (int64_t)es, p + (i + k) * s, es);
		stats_dense(buf, m, c->dt, &c->acc);
	}
}

/* ------------------------------------------- contiguous, by chunks */

struct ag_stats_part {
	stats_acc acc;
	bool done;
};

static void stats_chunk(const char *p, int64_t n, ag_dtype dt, int64_t c,
			stats_acc *acc)
{
	int64_t at = c * AG_STATS_CHUNK;
	int64_t m = n - at < AG_STATS_CHUNK ? n - at : AG_STATS_CHUNK;
	memset(acc, 0, sizeof *acc);
	stats_dense(p + at * (int64_t)ag_dtype_size(dt), m, dt, acc);
}

static void stats_add(stats_acc *acc, const stats_acc *a)
{
	acc->sum += a->sum;
	acc->max = a->max > acc->max ? a->max : acc->max;
	acc->nan += a->nan;
	acc->inf += a->inf;
	acc->zero += a->zero;
	acc->tiny += a->tiny;
}

static int64_t stats_nchunks(int64_t n)
{
	return (n + AG_STATS_CHUNK - 1) / AG_STATS_CHUNK;
}

/* The chunks of part not done yet, over the threads when there are
 * several and enough of them. */
static void stats_fill(ag_stats_part *part, const char *p, int64_t n,
		       ag_dtype dt)
{
	int64_t nc = stats_nchunks(n);
	int64_t todo = 0;
	for (int64_t c = 0; c < nc; c++)
		todo += !part[c].done;
#pragma omp parallel for schedule(static) if (todo >= 4)
	for (int64_t c = 0; c < nc; c++)
		if (!part[c].done) {
			stats_chunk(p, n, dt, c, &part[c].acc);
			part[c].done = true;
		}
}

/* A contiguous run of more than AG_STATS_CHUNK elements (stats_sink.h):
 * each chunk on its own, the sums added in the chunks' order. */
static void stats_chunked(const char *p, int64_t n, ag_dtype dt,
			  stats_acc *acc)
{
	int64_t nc = stats_nchunks(n);
	ag_stats_part *part = NULL;
	int threads = 1;
#ifdef _OPENMP
	threads = omp_get_max_threads();
#endif
	if (threads > 1 && nc >= 4)
		part = calloc((size_t)nc, sizeof *part);
	if (part)
		stats_fill(part, p, n, dt);
	for (int64_t c = 0; c < nc; c++) {
		stats_acc a;
		if (part)
			a = part[c].acc;
		else
			stats_chunk(p, n, dt, c, &a);
		stats_add(acc, &a);
	}
	free(part);
}

static bool stats_by_chunks(const ag_tensor *g)
{
	return ag_numel(g) > AG_STATS_CHUNK && ag_is_contiguous(g);
}

/*
 * The statistics of the last few gradients, by tensor: a node's outputs
 * are the next nodes' inputs, and the observer sees both, so each
 * gradient would be counted twice.  A tensor's id is never reused and its
 * version moves on every write, so (id, version, data, geometry) names
 * the same values.
 */
enum { STATS_CACHE = 4 };
static struct stats_entry {
	uint64_t id;		/* 0: empty */
	int64_t version;
	const void *data;
	int64_t stride[AG_MAX_DIMS];
	ag_grad_stats st;
} stats_cache[STATS_CACHE];
static int stats_next;

static bool stats_entry_is(const struct stats_entry *e, const ag_tensor *g)
{
	return e->id == g->id && e->version == g->version->value &&
	       e->data == ag_data_ptr(g) && e->st.ndim == g->ndim &&
	       e->st.dtype == g->dtype &&
	       memcmp(e->st.shape, g->shape, sizeof g->shape) == 0 &&
	       memcmp(e->stride, g->stride, sizeof g->stride) == 0;
}

static void stats_compute(ag_tensor *g, ag_grad_stats *st);

static void stats_remember(const ag_tensor *g, const ag_grad_stats *st)
{
	struct stats_entry *e = &stats_cache[stats_next];
	stats_next = (stats_next + 1) % STATS_CACHE;
	e->id = g->id;
	e->version = g->version->value;
	e->data = ag_data_ptr(g);
	memcpy(e->stride, g->stride, sizeof g->stride);
	e->st = *st;
}

void ag_grad_stats_compute(ag_tensor *g, ag_grad_stats *st)
{
	if (!g || !g->version || ag_numel(g) < 4096) {
		stats_compute(g, st);
		return;
	}
	for (int i = 0; i < STATS_CACHE; i++)
		if (stats_entry_is(&stats_cache[i], g)) {
			*st = stats_cache[i].st;
			return;
		}
	stats_compute(g, st);
	stats_remember(g, st);
}

/* st from the counts of g's distinct elements, each standing for rep */
static void stats_finish(const ag_tensor *g, const stats_acc *acc,
			 int64_t rep, ag_grad_stats *st)
{
	st->n_nan = acc->nan * rep;
	st->n_inf = acc->inf * rep;
	st->n_zero = acc->zero * rep;
	st->n_fp16_underflow = acc->tiny * rep;
	int64_t finite = st->numel - st->n_nan - st->n_inf;
	st->mean_abs = finite ? acc->sum * (double)rep / (double)finite : NAN;
	st->max_abs = finite ? acc->max : NAN;
	(void)g;
}

static void stats_head(const ag_tensor *g, ag_grad_stats *st)
{
	memset(st, 0, sizeof *st);
	st->ndim = g->ndim;
	memcpy(st->shape, g->shape, sizeof g->shape);
	st->dtype = g->dtype;
	st->numel = ag_numel(g);
}

static void stats_compute(ag_tensor *g, ag_grad_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!g)
		return;
	stats_head(g, st);
	if (st->numel == 0)
		return;
	stats_ctx c = { .dt = g->dtype };
	if (st->numel == 1) {	/* what the iterator's one run would do */
		const void *p = ag_data_ptr(g);
		/* one element: the portable kernels give the vector ones' bits */
		if (g->dtype == AG_FLOAT32)
			stats_f32(p, 1, &c.acc);
		else if (g->dtype == AG_FLOAT64)
			stats_f64(p, 1, &c.acc);
		else
			stats_dense(p, 1, g->dtype, &c.acc);
		stats_finish(g, &c.acc, 1, st);
		return;
	}
	if (stats_by_chunks(g)) {
		stats_chunked(ag_data_ptr(g), st->numel, g->dtype, &c.acc);
		stats_finish(g, &c.acc, 1, st);
		return;
	}

	/* the distinct elements: stride-0 dims collapsed, counted rep times */
	ag_tensor v = *g;
	int64_t rep = 1;
	for (int d = 0; d < v.ndim; d++)
		if (v.stride[d] == 0 && v.shape[d] > 1) {
			rep *= v.shape[d];
			v.shape[d] = 1;
		}
	ag_tensor *pv = &v;
	ag_iter it;
	if (ag_iter_init(&it, 1, &pv, v.shape, v.ndim) < 0)
		return;	/* cannot happen: one operand, g's own dims */
	ag_iter_run(&it, stats_run, &c, false);
	stats_finish(g, &c.acc, rep, st);
}

/* ------------------------------------------------------------ sinks */

static uint64_t stats_offered;

uint64_t ag_stats_offered(void) { return stats_offered; }

void ag_stats_sink_begin(ag_stats_sink *s, const ag_tensor *out)
{
	s->part = NULL;
	if (!(keep_stats || observer) || !out->version || !stats_by_chunks(out))
		return;
	s->n = ag_numel(out);
	s->nchunks = stats_nchunks(s->n);
	s->base = ag_data_ptr(out);
	s->dtype = out->dtype;
	for (int t = 0; t < AG_STATS_MAX_THREADS; t++)
		s->span[t].to = -1;
	s->part = calloc((size_t)s->nchunks, sizeof *s->part);
}

void ag_stats_sink_wrote(ag_stats_sink *s, int64_t from, int64_t to)
{
	int t = 0;
	if (!s->part)
		return;
#ifdef _OPENMP
	t = omp_get_thread_num();
#endif
	if (t >= AG_STATS_MAX_THREADS)
		return;	/* left to ag_stats_sink_end */
	if (s->span[t].to != from)	/* a new range */
		s->span[t].next = (from + AG_STATS_CHUNK - 1) / AG_STATS_CHUNK;
	s->span[t].to = to;
	for (int64_t c = s->span[t].next; c < s->nchunks; c++) {
		int64_t end = (c + 1) * AG_STATS_CHUNK;
		if ((end < s->n ? end : s->n) > to)
			break;
		stats_chunk(s->base, s->n, s->dtype, c, &s->part[c].acc);
		s->part[c].done = true;
		s->span[t].next = c + 1;
	}
}

void ag_stats_sink_end(ag_stats_sink *s, ag_tensor *out)
{
	if (!s->part)
		return;
	ag_stats_part *part = s->part;
	s->part = NULL;
	if (!out || ag_data_ptr(out) != s->base || ag_numel(out) != s->n ||
	    out->dtype != s->dtype || !stats_by_chunks(out)) {
		free(part);
		return;
	}
	stats_fill(part, s->base, s->n, s->dtype);
	stats_acc acc = { 0 };
	for (int64_t c = 0; c < s->nchunks; c++)
		stats_add(&acc, &part[c].acc);
	free(part);
	ag_grad_stats st;
	stats_head(out, &st);
	stats_finish(out, &acc, 1, &st);
	stats_remember(out, &st);
	stats_offered++;
}

void ag_emit_event(ag_backward_event_kind kind, int status)
{
	if (!observer)
		return;
	ag_backward_event ev = { .kind = kind, .status = status };
	observer(&ev, observer_ud);
}

void ag_emit_node(const ag_node *n, ag_tensor **in, int nin,
		      ag_tensor **out, int nout)
{
	ag_grad_stats sin[8], sout[8];
	bool defined[8];
	if (!observer)
		return;
	if (nin > 8)
		nin = 8;
	if (nout > 8)
		nout = 8;
	for (int i = 0; i < nin; i++) {
		if (keep_stats && n->last_stats)	/* just computed: reuse */
			sin[i] = n->last_stats[i];
		else
			ag_grad_stats_compute(in[i], &sin[i]);
	}
	for (int i = 0; i < nout; i++) {
		defined[i] = out[i] != NULL;
		if (observe_outputs)
			ag_grad_stats_compute(out[i], &sout[i]);
	}
	ag_backward_event ev = {
		.kind = AG_EV_NODE, .node = n, .n_in = nin, .n_out = nout,
		.in = sin, .out = observe_outputs ? sout : NULL,
		.out_defined = defined,
	};
	observer(&ev, observer_ud);
	if (n->variable && nin > 0 && in[0]) {
		ag_backward_event acc = {
			.kind = AG_EV_ACCUMULATE, .node = n, .n_in = 1,
			.in = sin, .tensor_id = n->variable->id,
		};
		observer(&acc, observer_ud);
	}
}

void ag_emit_hook(const ag_node *n, int index, ag_tensor *before,
		  ag_tensor *after)
{
	if (!observer)
		return;
	ag_grad_stats sb, sa;
	ag_grad_stats_compute(before, &sb);
	ag_grad_stats_compute(after, &sa);
	ag_backward_event ev = {
		.kind = AG_EV_HOOK, .node = n, .n_in = 1, .n_out = 1,
		.in = &sb, .out = &sa, .index = index,
		.tensor_id = n->variable ? n->variable->id : 0,
	};
	observer(&ev, observer_ud);
}

bool ag_backward_observed(void) { return observer != NULL; }

bool ag_grad_has_nan(ag_tensor *g)
{
	ag_grad_stats st;
	if (!g || !ag_dtype_is_floating(g->dtype))
		return false;
	ag_grad_stats_compute(g, &st);
	return st.n_nan > 0;
}

void ag_node_lost(const ag_node *n, int64_t *zero, int64_t *inf)
{
	*zero = n ? n->lost_zero : 0;
	*inf = n ? n->lost_inf : 0;
}

ag_round_tally *ag_watch_rounding(ag_round_tally *t)
{
	ag_round_tally *prev = ag_round_watch;
	if (keep_stats) {
		t->zero = t->inf = 0;
		t->nruns = 0;
		ag_round_watch = t;
	}
	return prev;
}

void ag_note_lost(ag_node *n, const ag_round_tally *t, ag_tensor **out,
		  int nnext)
{
	if (!keep_stats)
		return;
	/* views and casts hand on what their gradient had lost */
	bool pass = n->op == AG_OP_TO || ag_op_info(n->op)->kind == AG_OPK_VIEW;
	n->lost_zero = t->zero;
	n->lost_inf = t->inf;
	if (n->variable) {
		n->lost_zero += n->pending_zero;
		n->lost_inf += n->pending_inf;
	}
	for (int j = 0; j < nnext; j++) {
		ag_node *c = n->next[j].fn;
		int64_t z = 0, i = 0;
		if (!c || !out[j])
			continue;
		if (ag_dtype_is_half(out[j]->dtype) &&
		    out[j]->storage)
			ag_round_in(t, out[j]->storage->data, out[j]->storage->nbytes,
				    &z, &i);
		if (pass) {
			z += n->pending_zero;
			i += n->pending_inf;
		}
		c->pending_zero += z;
		c->pending_inf += i;
	}
	n->pending_zero = n->pending_inf = 0;
}

void ag_keep_grad_stats(ag_node *n, ag_tensor **in)
{
	int nout = n->n_outputs;
	if (!keep_stats)
		return;
	if (!n->last_stats)
		n->last_stats = ag_small_calloc((size_t)(nout ? nout : 1) *
						sizeof *n->last_stats);
	for (int i = 0; n->last_stats && i < nout; i++)
		ag_grad_stats_compute(in[i], &n->last_stats[i]);
}

