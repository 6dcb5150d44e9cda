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
 * portable conversions).  relu, neg and abs take one pass too; the other
 * unary ops, on long runs, a table of their 65536 results.
 */
#include "half_ew.h"

#include <stdlib.h>
#include <string.h>

#include "half_cvt.h"
#include "simd.h"

#if AG_HAVE_X86_SIMD
/* One pass of o = a OP b over n values; a or b with stride 0 is one value
 * repeated (sa, sb: 1 or 0 elements). */
#define FUSED(NAME, OP)							\
static AG_AVX512 void NAME(uint16_t *o, const uint16_t *a, int64_t sa,	\
			const uint16_t *b, int64_t sb, int64_t n, bool f16) \
{									\
	__m512 xa = ag_widen16(_mm256_set1_epi16((short)*a), f16);	\
	__m512 xb = ag_widen16(_mm256_set1_epi16((short)*b), f16);	\
	for (int64_t i = 0; i < n; i += 16) {				\
		__mmask16 m = ag_lanes16(n - i);				\
		__m512 x = sa ? ag_widen16(_mm256_maskz_loadu_epi16(m, a + i), f16) : xa; \
		__m512 y = sb ? ag_widen16(_mm256_maskz_loadu_epi16(m, b + i), f16) : xb; \
		_mm256_mask_storeu_epi16(o + i, m, ag_narrow16(OP(x, y), f16)); \
	}								\
}
FUSED(fused_add, _mm512_add_ps)
FUSED(fused_sub, _mm512_sub_ps)
FUSED(fused_mul, _mm512_mul_ps)
FUSED(fused_div, _mm512_div_ps)

/* relu, neg and abs as unary.c's float32 formulas: x < 0 ? 0 : x, -x
 * (the sign flipped, NaN's too), fabsf (the sign cleared). */
static AG_AVX512 inline __m512 relu16(__m512 x)
{
	__m512 z = _mm512_setzero_ps();
	return _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, z, _CMP_LT_OQ), z);
}

static AG_AVX512 inline __m512 neg16(__m512 x)
{
	return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x),
						    _mm512_set1_epi32((int)0x80000000u)));
}

static AG_AVX512 inline __m512 abs16(__m512 x)
{
	return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x),
						    _mm512_set1_epi32(0x7fffffff)));
}

#define FUSED1(NAME, F)							\
static AG_AVX512 void NAME(uint16_t *o, const uint16_t *a, int64_t n,	\
			   bool f16)					\
{									\
	for (int64_t i = 0; i < n; i += 16) {				\
		__mmask16 m = ag_lanes16(n - i);				\
		__m512 x = ag_widen16(_mm256_maskz_loadu_epi16(m, a + i), f16); \
		_mm256_mask_storeu_epi16(o + i, m, ag_narrow16(F(x), f16)); \
	}								\
}
FUSED1(fused_relu, relu16)
FUSED1(fused_neg, neg16)
FUSED1(fused_abs, abs16)

typedef void (*fused1_fn)(uint16_t *, const uint16_t *, int64_t, bool);

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
		   int64_t n)
{
#if AG_HAVE_X86_SIMD
	fused1_fn f = fused1(op);
	if (!f || st[0] != 2 || st[1] != 2 || ag_round_watch || !ag_cpu_avx512())
		return false;
	f((uint16_t *)data[0], (const uint16_t *)data[1], n, dt == AG_FLOAT16);
	return true;
#else
	(void)op; (void)dt; (void)data; (void)st; (void)n;
	return false;
#endif
}

bool ag_half_binary(ag_op op, ag_dtype dt, char **data, const int64_t *st,
		    int64_t n)
{
#if AG_HAVE_X86_SIMD
	if (st[0] != 2 || (st[1] != 2 && st[1] != 0) ||
	    (st[2] != 2 && st[2] != 0) || ag_round_watch || !ag_cpu_avx512())
		return false;
	if (n <= 0)
		return true;
	void (*f)(uint16_t *, const uint16_t *, int64_t, const uint16_t *,
		  int64_t, int64_t, bool);
	switch (op) {
	case AG_OP_ADD: f = fused_add; break;
	case AG_OP_SUB: f = fused_sub; break;
	case AG_OP_MUL: f = fused_mul; break;
	case AG_OP_DIV: f = fused_div; break;
	default: return false;
	}
	f((uint16_t *)data[0], (const uint16_t *)data[1], st[1] / 2,
	  (const uint16_t *)data[2], st[2] / 2, n, dt == AG_FLOAT16);
	return true;
#else
	(void)op; (void)dt; (void)data; (void)st; (void)n;
	return false;
#endif
}

enum { BLOCK = 1024 };

void ag_half_blocks(ag_inner_loop f, void *ctx, char **data,
		    const int64_t *st, int64_t n, int nin, ag_dtype dt)
{
	float buf[3][BLOCK];
	char *fd[3] = { (char *)buf[0], (char *)buf[1], (char *)buf[2] };
	const int64_t fs[3] = { 4, 4, 4 };

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
	/* 2 more: the gather below reads 4 bytes at the last entry */
	uint16_t *t = malloc((65536 + 2) * sizeof(uint16_t));
	uint16_t *in = malloc(65536 * sizeof(uint16_t));
	if (!t || !in) {
		free(t);
		free(in);
		return NULL;
	}
	for (uint32_t i = 0; i < 65536; i++)
		in[i] = (uint16_t)i;
	t[65536] = t[65537] = 0;
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
	for (int64_t i = 0; i < n; i += 16) {
		__mmask16 m = ag_lanes16(n - i);
		__m512i idx = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, a + i));
		__m512i v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m,
							idx, t, 2);
		_mm256_mask_storeu_epi16(o + i, m, _mm512_cvtepi32_epi16(v));
	}
}
#endif

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
		     ag_dtype from)
{
	bool half_to = to == AG_FLOAT16 || to == AG_BFLOAT16;
	bool half_from = from == AG_FLOAT16 || from == AG_BFLOAT16;

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
