/*
 * half_ew.c - float16/bfloat16 elementwise loops (half_ew.h).
 *
 * PyTorch computes an op on 16-bit floats in float32 and rounds each
 * result once; so does agdb.  The portable path widens a block of each
 * input (ag_widen_half), runs the float32 loop and rounds the block back
 * (ag_narrow_half): three passes over L1-sized buffers.  With AVX-512 the
 * conversions take 16 values at a time, and the four arithmetic ops take
 * one pass: load 16 values of each input, widen, compute, round and store
 * without leaving the registers (half_cvt.h: the same bits as the
 * portable conversions; bfloat16's results, where AVX-512 BF16 is, by
 * VCVTNEPS2BF16), counting what the rounding lost while backward
 * watches (ag_round_watch).  relu, neg and abs take one pass on the raw
 * 16-bit patterns, 32 at a time, without widening; the other unary ops,
 * on long runs, a table of their 65536 results.
 */
#include "half_ew.h"

#include <stdlib.h>
#include <string.h>

#include "half_cvt.h"
#include "simd.h"
#include "vmath.h"

#if AG_HAVE_X86_SIMD
/* What one pass computes from each 16 values. */
enum kind { K_ADD, K_SUB, K_MUL, K_DIV, K_MAP, K_CVT, K_NARROW };

typedef struct pass {
	const uint16_t *a, *b;	/* the inputs (b: binary ops only) */
	int64_t sa, sb;		/* 1, or 0: one value repeated */
	__m512 xa, xb;		/* that value, widened */
	const uint16_t *table;	/* K_MAP: the op's 65536 results */
	const float *fa;	/* K_NARROW: float32 input */
	bool f16, to_f16;	/* the dtypes: a's, and (K_CVT) the output's */
	bool prefetch;		/* ag_cpu_prefetch_ahead() */
	int64_t *lost;		/* not NULL: add what the rounding of an
				 * arithmetic op's results lost, to zero
				 * ([0]) and to inf ([1]), as ag_round_check */
} pass;

#define ALWAYS static AG_AVX512 inline __attribute__((always_inline))

/* The 16 float32 results from i (lanes m) of an arithmetic pass. */
ALWAYS __m512 arith16(const pass *p, int64_t i, __mmask16 m, enum kind k)
{
	__m512 x = p->sa ? ag_widen16(_mm256_maskz_loadu_epi16(m, p->a + i), p->f16)
			 : p->xa;
	__m512 y = p->sb ? ag_widen16(_mm256_maskz_loadu_epi16(m, p->b + i), p->f16)
			 : p->xb;
	return k == K_ADD ? _mm512_add_ps(x, y) : k == K_SUB ? _mm512_sub_ps(x, y) :
	       k == K_MUL ? _mm512_mul_ps(x, y) : _mm512_div_ps(x, y);
}

/* The 16 results from i (lanes m) of a pass of kind k. */
ALWAYS __m256i block16(const pass *p, int64_t i, __mmask16 m, enum kind k)
{
	if (k <= K_DIV) {
		__m512 r = arith16(p, i, m, k);
		if (__builtin_expect(p->lost != NULL, 0)) {
			__m256i h = ag_narrow16(r, p->f16);
			ag_count_lost16(r, h, m, p->f16, &p->lost[0], &p->lost[1]);
			return h;
		}
		return ag_narrow16(r, p->f16);
	}
	if (k == K_NARROW)
		return ag_narrow16(_mm512_maskz_loadu_ps(m, p->fa + i), p->to_f16);
	__m256i ha = p->sa ? _mm256_maskz_loadu_epi16(m, p->a + i) : _mm256_setzero_si256();
	if (k == K_MAP) {
		__m512i v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m,
			_mm512_cvtepu16_epi32(ha), p->table, 2);
		return _mm512_cvtepi32_epi16(v);
	}
	return ag_narrow16(ag_widen16(ha, p->f16), p->to_f16);	/* K_CVT */
}

/*
 * One pass of kind k storing n 16-bit values at o.  When the output goes
 * past the caches (ag_vm_streams), its whole 64-byte lines are written by
 * non-temporal stores: a plain store reads each line first, which is a
 * third of a conversion's memory traffic and a quarter of a binary op's
 * (and with two threads, a third stream competing for the same memory).
 */
#define RUN16(o, n, stream, BLOCK) RUN16P(o, n, stream, BLOCK, (void))
/* The same, PF(i) called before the values from i on are read (a
 * prefetch of what comes later). */
#define RUN16P(o, n, stream, BLOCK, PF) do {					\
	int64_t i_ = 0;							\
	bool s_ = (stream) && !((uintptr_t)(o) & 1);			\
	if (s_) {							\
		int64_t l_ = (int64_t)((64 - ((uintptr_t)(o) & 63)) & 63) / 2; \
		l_ = l_ < (n) ? l_ : (n);				\
		for (; i_ < l_; i_ += 16) {				\
			__mmask16 m_ = ag_lanes16(l_ - i_);		\
			_mm256_mask_storeu_epi16((o) + i_, m_, BLOCK(i_, m_)); \
		}							\
		for (i_ = l_; i_ + 32 <= (n); i_ += 32) {		\
			PF(i_);						\
			__m256i lo_ = BLOCK(i_, (__mmask16)0xffff);	\
			__m256i hi_ = BLOCK(i_ + 16, (__mmask16)0xffff); \
			_mm512_stream_si512((void *)((o) + i_), _mm512_inserti64x4( \
				_mm512_castsi256_si512(lo_), hi_, 1));	\
		}							\
	}								\
	for (; i_ < (n); i_ += 16) {					\
		__mmask16 m_ = ag_lanes16((n) - i_);			\
		_mm256_mask_storeu_epi16((o) + i_, m_, BLOCK(i_, m_));	\
	}								\
	if (s_)								\
		_mm_sfence();						\
} while (0)

/* The inputs' lines PREFETCH_AHEAD bytes ahead of the 32 values a
 * streaming pass reads next, into L2: one core keeps more of memory's
 * requests in flight that way than its loads alone do (a * b + c
 * bfloat16 10M, 1 thread, Emerald Rapids: 7.7 -> 6.2 ms CPU; bench/README,
 * "half2").  Only where ag_cpu_prefetch_ahead() says so: on Zen 4 the
 * same prefetches made a * b bfloat16 10M slower (simd.h).
 * Past the end they are harmless: a prefetch never faults. */
#define PREFETCH_AHEAD 2048

ALWAYS void prefetch16(const pass *p, int64_t i, enum kind k)
{
	if (k == K_NARROW) {		/* 128 bytes of float32 */
		_mm_prefetch((const char *)(p->fa + i) + PREFETCH_AHEAD, _MM_HINT_T1);
		_mm_prefetch((const char *)(p->fa + i) + PREFETCH_AHEAD + 64,
			     _MM_HINT_T1);
		return;
	}
	if (p->sa)
		_mm_prefetch((const char *)(p->a + i) + PREFETCH_AHEAD, _MM_HINT_T1);
	if (k <= K_DIV && p->sb)
		_mm_prefetch((const char *)(p->b + i) + PREFETCH_AHEAD, _MM_HINT_T1);
}

ALWAYS void run16(uint16_t *o, int64_t n, const pass *p, enum kind k,
		 bool stream)
{
#define BLOCK16(i, m) block16(p, i, m, k)
#define PF16(i) if (p->prefetch) prefetch16(p, i, k)
	RUN16P(o, n, stream, BLOCK16, PF16);
#undef BLOCK16
#undef PF16
}

/* float32 to bfloat16 with AVX-512 BF16: VCVTNEPS2BF16 rounds as
 * ag_narrow16 does (to nearest even; a NaN keeps its upper bits and is
 * made quiet) except that it flushes subnormal inputs to zero, so the
 * lanes holding one (rare) take ag_narrow16's integer rounding.  Fewer
 * instructions a value than the integer rounding: x:bfloat16() is partly
 * bound by them. */
#define AG_AVX512BF16 \
	__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,f16c")))

static AG_AVX512BF16 inline __m256i narrow_bf16_ne(__m512 f)
{
	__m512i x = _mm512_castps_si512(f);
	__mmask16 sub = _mm512_test_epi32_mask(x, _mm512_set1_epi32(0x007fffff)) &
			~_mm512_test_epi32_mask(x, _mm512_set1_epi32(0x7f800000));
	__m256i r = (__m256i)_mm512_cvtneps_pbh(f);
	if (__builtin_expect(sub != 0, 0))
		r = _mm256_mask_blend_epi16(sub, r, ag_narrow16(f, false));
	return r;
}

static AG_AVX512BF16 void narrow_bf16_run(uint16_t *o, const float *fa,
					  int64_t n, bool stream)
{
#define BLOCKNE(i, m) narrow_bf16_ne(_mm512_maskz_loadu_ps(m, fa + (i)))
	RUN16(o, n, stream, BLOCKNE);
#undef BLOCKNE
}

/* One pass of o = a OP b over n values; a or b with stride 0 is one value
 * repeated (sa, sb: 1 or 0 elements). */
#define FUSED(NAME, K)							\
static AG_AVX512 void NAME(uint16_t *o, const uint16_t *a, int64_t sa,	\
			   const uint16_t *b, int64_t sb, int64_t n, bool f16, \
			   bool stream, int64_t *lost)			\
{									\
	pass p = { .a = a, .b = b, .sa = sa, .sb = sb,			\
		   .xa = ag_widen16(_mm256_set1_epi16((short)*a), f16),	\
		   .xb = ag_widen16(_mm256_set1_epi16((short)*b), f16),	\
		   .f16 = f16, .to_f16 = f16, .lost = lost,		\
		   .prefetch = ag_cpu_prefetch_ahead() };		\
	run16(o, n, &p, K, stream);					\
}
FUSED(fused_add, K_ADD)
FUSED(fused_sub, K_SUB)
FUSED(fused_mul, K_MUL)
FUSED(fused_div, K_DIV)

/* The same for bfloat16 with AVX-512 BF16, the results rounded by
 * narrow_bf16_ne (the bits of ag_narrow16): on Zen 4 the integer
 * rounding's instructions, more than memory, bounded a * b + c bfloat16
 * 10M.  Rounding losses are not counted here (fused_add ... do that). */
static AG_AVX512BF16 inline __attribute__((always_inline))
void run_bf16(uint16_t *o, int64_t n, const pass *p, enum kind k, bool stream)
{
#define BLOCKBF(i, m) narrow_bf16_ne(arith16(p, i, m, k))
#define PFBF(i) if (p->prefetch) prefetch16(p, i, k)
	RUN16P(o, n, stream, BLOCKBF, PFBF);
#undef BLOCKBF
#undef PFBF
}

#define FUSED_BF16(NAME, K)						\
static AG_AVX512BF16 void NAME(uint16_t *o, const uint16_t *a, int64_t sa, \
			       const uint16_t *b, int64_t sb, int64_t n,	\
			       bool stream)				\
{									\
	pass p = { .a = a, .b = b, .sa = sa, .sb = sb,			\
		   .xa = ag_widen16(_mm256_set1_epi16((short)*a), false), \
		   .xb = ag_widen16(_mm256_set1_epi16((short)*b), false), \
		   .prefetch = ag_cpu_prefetch_ahead() };		\
	run_bf16(o, n, &p, K, stream);					\
}
FUSED_BF16(fused_add_bf16, K_ADD)
FUSED_BF16(fused_sub_bf16, K_SUB)
FUSED_BF16(fused_mul_bf16, K_MUL)
FUSED_BF16(fused_div_bf16, K_DIV)

/*
 * relu, neg and abs on the raw 16-bit patterns, 32 to a vector.  Widened,
 * computed as unary.c's float32 formulas (x < 0 ? 0 : x, -x, fabsf) and
 * rounded back, a value that is not NaN comes back as its own bits with
 * the sign bit cleared (relu of a negative: +0), flipped or cleared; a
 * NaN comes back as ag_narrow16 rounds it: bfloat16 made quiet (| 0x40),
 * float16 PyTorch's sign | 0x7e00.  Those are the bits computed here,
 * with a few integer instructions instead of two conversions (the
 * rounding to bfloat16 alone is eight), which made relu bfloat16 10M
 * bound by instructions rather than memory on Zen 4.
 */
enum sign_op { S_RELU, S_NEG, S_ABS };

static AG_AVX512 inline __m512i sign_op32(__m512i h, enum sign_op op, bool f16)
{
	const __m512i sign = _mm512_set1_epi16((short)0x8000);
	const __m512i mag = _mm512_set1_epi16(0x7fff);
	__mmask32 nan = _mm512_cmpgt_epu16_mask(_mm512_and_si512(h, mag),
		_mm512_set1_epi16(f16 ? 0x7c00 : 0x7f80));
	__m512i r;

	if (op == S_RELU)	/* below -0, and not NaN: zero */
		r = _mm512_maskz_mov_epi16(~_mm512_cmpgt_epu16_mask(h, sign) | nan, h);
	else if (op == S_NEG)
		r = _mm512_xor_si512(h, sign);
	else
		r = _mm512_and_si512(h, mag);
	__m512i q = f16 ? _mm512_or_si512(_mm512_and_si512(r, sign),
					  _mm512_set1_epi16(0x7e00))
			: _mm512_or_si512(r, _mm512_set1_epi16(0x40));
	return _mm512_mask_mov_epi16(r, nan, q);
}

/* Lanes [0, n) of 32. */
static inline __mmask32 lanes32(int64_t n)
{
	return n >= 32 ? (__mmask32)0xffffffffu :
	       n <= 0 ? (__mmask32)0 : (__mmask32)((1u << n) - 1);
}

ALWAYS void sign_run(uint16_t *o, const uint16_t *a, int64_t n, enum sign_op op,
		     bool f16, bool stream)
{
	int64_t i = 0;
	bool prefetch = ag_cpu_prefetch_ahead();

	stream = stream && !((uintptr_t)o & 1);
	if (stream) {	/* up to o's first whole line, then whole lines */
		int64_t lead = (int64_t)((64 - ((uintptr_t)o & 63)) & 63) / 2;
		__mmask32 m = lanes32(lead < n ? lead : n);
		_mm512_mask_storeu_epi16(o, m, sign_op32(
			_mm512_maskz_loadu_epi16(m, a), op, f16));
		for (i = lead; i + 32 <= n; i += 32) {
			if (prefetch)
				_mm_prefetch((const char *)(a + i) + PREFETCH_AHEAD,
					     _MM_HINT_T1);
			_mm512_stream_si512((void *)(o + i), sign_op32(
				_mm512_loadu_si512(a + i), op, f16));
		}
	}
	for (; i < n; i += 32) {
		__mmask32 m = lanes32(n - i);
		_mm512_mask_storeu_epi16(o + i, m, sign_op32(
			_mm512_maskz_loadu_epi16(m, a + i), op, f16));
	}
	if (stream)
		_mm_sfence();
}

#define SIGN_RUN(NAME, OP)						static AG_AVX512 void NAME(uint16_t *o, const uint16_t *a, int64_t n,				   bool f16, bool stream)			{										if (f16)	/* the constants folded, per dtype */				sign_run(o, a, n, OP, true, stream);				else										sign_run(o, a, n, OP, false, stream);			}
SIGN_RUN(fused_relu, S_RELU)
SIGN_RUN(fused_neg, S_NEG)
SIGN_RUN(fused_abs, S_ABS)

typedef void (*fused1_fn)(uint16_t *, const uint16_t *, int64_t, bool, bool);

static fused1_fn fused1(ag_op op)
{
	switch (op) {
	case AG_OP_RELU: return fused_relu;
	case AG_OP_NEG: return fused_neg;
	case AG_OP_ABS: return fused_abs;
	default: return NULL;
	}
}
#endif

bool ag_half_unary(ag_op op, ag_dtype dt, char **data, const int64_t *st,
		   int64_t n, bool stream)
{
#if AG_HAVE_X86_SIMD
	fused1_fn f = fused1(op);
	/* (relu, neg and abs of a 16-bit value lose nothing to rounding:
	 * nothing to count) */
	if (!f || st[0] != 2 || st[1] != 2 || !ag_cpu_avx512())
		return false;
	f((uint16_t *)data[0], (const uint16_t *)data[1], n, dt == AG_FLOAT16,
	  stream);
	return true;
#else
	(void)op; (void)dt; (void)data; (void)st; (void)n; (void)stream;
	return false;
#endif
}

bool ag_half_binary(ag_op op, ag_dtype dt, char **data, const int64_t *st,
		    int64_t n, bool stream)
{
#if AG_HAVE_X86_SIMD
	if (st[0] != 2 || (st[1] != 2 && st[1] != 0) ||
	    (st[2] != 2 && st[2] != 0) || !ag_cpu_avx512())
		return false;
	if (n <= 0)
		return true;
	void (*f)(uint16_t *, const uint16_t *, int64_t, const uint16_t *,
		  int64_t, int64_t, bool, bool, int64_t *);
	void (*hw)(uint16_t *, const uint16_t *, int64_t, const uint16_t *,
		   int64_t, int64_t, bool);	/* bfloat16, nothing counted */
	switch (op) {
	case AG_OP_ADD: f = fused_add; hw = fused_add_bf16; break;
	case AG_OP_SUB: f = fused_sub; hw = fused_sub_bf16; break;
	case AG_OP_MUL: f = fused_mul; hw = fused_mul_bf16; break;
	case AG_OP_DIV: f = fused_div; hw = fused_div_bf16; break;
	default: return false;
	}
	if (dt == AG_BFLOAT16 && !ag_round_watch && ag_cpu_avx512_bf16()) {
		hw((uint16_t *)data[0], (const uint16_t *)data[1], st[1] / 2,
		   (const uint16_t *)data[2], st[2] / 2, n, stream);
		return true;
	}
	int64_t lost[2] = { 0, 0 };
	f((uint16_t *)data[0], (const uint16_t *)data[1], st[1] / 2,
	  (const uint16_t *)data[2], st[2] / 2, n, dt == AG_FLOAT16, stream,
	  ag_round_watch ? lost : NULL);
	ag_round_lost(data[0], (size_t)n * 2, lost[0], lost[1]);
	return true;
#else
	(void)op; (void)dt; (void)data; (void)st; (void)n; (void)stream;
	return false;
#endif
}

enum { BLOCK = 1024 };
enum { STREAM = 65538 };	/* a table's entry holding its stream flag */

void ag_half_blocks(ag_inner_loop f, void *ctx, char **data,
		    const int64_t *st, int64_t n, int nin, ag_dtype dt)
{
	float buf[4][BLOCK];
	char *fd[4] = { (char *)buf[0], (char *)buf[1], (char *)buf[2],
			(char *)buf[3] };
	const int64_t fs[4] = { 4, 4, 4, 4 };

	for (int64_t i = 0; i < n; i += BLOCK) {
		int64_t m = n - i < BLOCK ? n - i : BLOCK;
		for (int k = 1; k <= nin; k++)
			ag_widen_half(data[k] + i * st[k], st[k], buf[k], m, dt);
		f(fd, fs, m, ctx);
		ag_narrow_half(buf[0], data[0] + i * st[0], st[0], m, dt);
	}
}

uint16_t *ag_half_table(ag_op op, ag_inner_loop loop, void *ctx)
{
#if AG_HAVE_X86_SIMD
	if (fused1(op) && ag_cpu_avx512())	/* one pass is faster */
		return NULL;
#endif
	if (ag_round_watch)
		return NULL;
	/* 2 more: the gather below reads 4 bytes at the last entry; then
	 * ag_half_table_stream's flag */
	uint16_t *t = malloc((65536 + 3) * sizeof(uint16_t));
	uint16_t *in = malloc(65536 * sizeof(uint16_t));
	if (!t || !in) {
		free(t);
		free(in);
		return NULL;
	}
	for (uint32_t i = 0; i < 65536; i++)
		in[i] = (uint16_t)i;
	t[65536] = t[65537] = t[STREAM] = 0;
	char *data[2] = { (char *)t, (char *)in };
	const int64_t st[2] = { 2, 2 };
	loop(data, st, 65536, ctx);
	free(in);
	return t;
}

#if AG_HAVE_X86_SIMD
static AG_AVX512 void map_avx512(uint16_t *o, const uint16_t *a, int64_t n,
				 const uint16_t *t)
{
	/* prefetching on every CPU: on Zen 4 too, where the other passes
	 * are faster without, gelu float16 10M took 3.9-4.0 ms with and
	 * 4.8-5.0 without (1 thread, CPU time) */
	pass p = { .a = a, .sa = 1, .table = t, .prefetch = true };
	run16(o, n, &p, K_MAP, t[STREAM] != 0);
}

/* A dense run converted to a 16-bit float (to_f16: float16): from
 * float32 (fa), or from the other 16-bit float (a). */
static AG_AVX512 void narrow_run(uint16_t *o, const float *fa,
				 const uint16_t *a, int64_t n, bool f16,
				 bool to_f16, bool stream)
{
	pass p = { .a = a, .sa = 1, .fa = fa, .f16 = f16, .to_f16 = to_f16,
		   .prefetch = ag_cpu_prefetch_ahead() };
	if (fa)
		run16(o, n, &p, K_NARROW, stream);
	else
		run16(o, n, &p, K_CVT, stream);
}

/* A dense run of 16-bit floats widened to float32, whole 64-byte lines
 * of the output streamed as run16 streams them. */
static AG_AVX512 void widen_run(float *o, const uint16_t *a, int64_t n,
				bool f16, bool stream)
{
	int64_t i = 0;
	bool prefetch = ag_cpu_prefetch_ahead();

	stream = stream && !((uintptr_t)o & 3);

	if (stream) {
		int64_t lead = (int64_t)((64 - ((uintptr_t)o & 63)) & 63) / 4;
		lead = lead < n ? lead : n;
		__mmask16 m = ag_lanes16(lead);
		_mm512_mask_storeu_ps(o, m, ag_widen16(_mm256_maskz_loadu_epi16(m, a), f16));
		for (i = lead; i + 16 <= n; i += 16) {
			if (prefetch && !(i & 31))
				_mm_prefetch((const char *)(a + i) + PREFETCH_AHEAD,
					     _MM_HINT_T1);
			_mm512_stream_ps(o + i, ag_widen16(_mm256_loadu_si256(
				(const __m256i *)(a + i)), f16));
		}
	}
	for (; i < n; i += 16) {
		__mmask16 m = ag_lanes16(n - i);
		_mm512_mask_storeu_ps(o + i, m, ag_widen16(_mm256_maskz_loadu_epi16(m, a + i), f16));
	}
	if (stream)
		_mm_sfence();
}
#endif

void ag_half_table_stream(uint16_t *table, bool stream)
{
	table[STREAM] = stream;
}

void ag_half_table_map(char **data, const int64_t *st, int64_t n, void *table)
{
	const uint16_t *t = table;
#if AG_HAVE_X86_SIMD
	if (st[0] == 2 && st[1] == 2 && ag_cpu_avx512()) {
		map_avx512((uint16_t *)data[0], (const uint16_t *)data[1], n, t);
		return;
	}
#endif
	for (int64_t i = 0; i < n; i++) {
		uint16_t h;
		memcpy(&h, data[1] + i * st[1], 2);
		memcpy(data[0] + i * st[0], &t[h], 2);
	}
}

bool ag_half_convert(char **data, const int64_t *st, int64_t n, ag_dtype to,
		     ag_dtype from, bool stream)
{
	bool half_to = ag_dtype_is_half(to);
	bool half_from = ag_dtype_is_half(from);

#if AG_HAVE_X86_SIMD
	/* dense runs in one pass (ag_narrow_half counts rounding losses) */
	if (half_from && st[1] == 2 && !ag_round_watch && ag_cpu_avx512()) {
		bool f16 = from == AG_FLOAT16;
		if (to == AG_FLOAT32 && st[0] == 4) {
			widen_run((float *)data[0], (const uint16_t *)data[1], n, f16,
				  stream);
			return true;
		}
		if (half_to && st[0] == 2) {
			narrow_run((uint16_t *)data[0], NULL, (const uint16_t *)data[1],
				   n, f16, to == AG_FLOAT16, stream);
			return true;
		}
	}
	if (from == AG_FLOAT32 && half_to && st[0] == 2 && st[1] == 4 &&
	    !ag_round_watch && ag_cpu_avx512()) {
		if (to == AG_BFLOAT16 && ag_cpu_avx512_bf16())
			narrow_bf16_run((uint16_t *)data[0], (const float *)data[1],
					n, stream);
		else
			narrow_run((uint16_t *)data[0], (const float *)data[1], NULL,
				   n, false, to == AG_FLOAT16, stream);
		return true;
	}
#endif
	if (to == AG_FLOAT32 && half_from && st[0] == 4) {
		ag_widen_half(data[1], st[1], (float *)data[0], n, from);
		return true;
	}
	if (from == AG_FLOAT32 && half_to && st[1] == 4) {
		ag_narrow_half((const float *)data[1], data[0], st[0], n, to);
		return true;
	}
	if (half_from && half_to) {	/* one 16-bit float to the other */
		float buf[BLOCK];
		for (int64_t i = 0; i < n; i += BLOCK) {
			int64_t m = n - i < BLOCK ? n - i : BLOCK;
			ag_widen_half(data[1] + i * st[1], st[1], buf, m, from);
			ag_narrow_half(buf, data[0] + i * st[0], st[0], m, to);
		}
		return true;
	}
	return false;
}
