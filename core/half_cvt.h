/*
 * half_cvt.h - float16/bfloat16 to and from float32, 16 values at a time
 * with AVX-512 (half_cvt.c), for dtype.c's runs and the fused loops of
 * half_ew.c and gemm_bf16.c.
 *
 * The rounding is ag_float_to_half's and ag_float_to_bf16's, bit for bit:
 * float16 by VCVTPS2PH (to nearest even, subnormals kept; its NaNs made
 * PyTorch's, sign | 0x7e00), bfloat16 by the same integer arithmetic as
 * ag_float_to_bf16 (round half to even on the upper 16 bits; a NaN keeps
 * its upper bits and is made quiet).  VCVTNEPS2BF16 is not used: it
 * flushes subnormal inputs and results to zero, which PyTorch's rounding
 * does not.  Widening is exact (a signalling float16 NaN comes out quiet,
 * as with F16C's VCVTPH2PS on the AVX2 path).
 */
#ifndef AG_HALF_CVT_H
#define AG_HALF_CVT_H

#include <stdbool.h>
#include <stdint.h>

#include "ag.h"
#include "simd.h"

/* Dense runs of n values, 16-bit (dt) to float32 and back; only when
 * ag_cpu_avx512().  They count nothing: ag_narrow_half (dtype.c) does. */
void ag_half_widen_avx512(const uint16_t *s, float *d, int64_t n, ag_dtype dt);
void ag_half_narrow_avx512(const float *s, uint16_t *d, int64_t n, ag_dtype dt);
/* Of n values s stored as d (dense, dt): how many were nonzero and became
 * zero (*zero), finite and became inf (*over); ag_round_check's counts. */
void ag_half_round_count_avx512(const float *s, const uint16_t *d, int64_t n,
				ag_dtype dt, int64_t *zero, int64_t *over);

#if AG_HAVE_X86_SIMD
#define AG_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,f16c")))

/* Lanes [0, n) of 16 (n may be larger, or 0 or less: no lane). */
static inline __mmask16 ag_lanes16(int64_t n)
{
	return n >= 16 ? (__mmask16)0xffff :
	       n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

/* 16 values of a 16-bit float (f16: float16, else bfloat16) widened. */
static AG_AVX512 inline __m512 ag_widen16(__m256i h, bool f16)
{
	if (f16)
		return _mm512_cvtph_ps(h);
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* 16 floats rounded to a 16-bit float. */
static AG_AVX512 inline __m256i ag_narrow16(__m512 f, bool f16)
{
	__m512i x = _mm512_castps_si512(f);
	__mmask16 nan = _mm512_cmpgt_epu32_mask(
		_mm512_and_si512(x, _mm512_set1_epi32(0x7fffffff)),
		_mm512_set1_epi32(0x7f800000));

	if (f16) {
		__m256i h = _mm512_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		__m256i q = _mm256_or_si256(
			_mm256_and_si256(h, _mm256_set1_epi16((short)0x8000)),
			_mm256_set1_epi16(0x7e00));
		return _mm256_mask_blend_epi16(nan, h, q);
	}
	__m512i hi = _mm512_srli_epi32(x, 16);
	__m512i r = _mm512_add_epi32(x, _mm512_add_epi32(_mm512_set1_epi32(0x7fff),
				     _mm512_and_si512(hi, _mm512_set1_epi32(1))));
	r = _mm512_mask_or_epi32(_mm512_srli_epi32(r, 16), nan, hi,
				 _mm512_set1_epi32(0x40));
	return _mm512_cvtepi32_epi16(r);
}

/* Of the lanes m of f stored as h (a 16-bit float, f16: float16): add
 * those nonzero that became zero to *zero, those finite that became inf
 * to *over (ag_round_check's counts; a NaN counts as nonzero). */
static AG_AVX512 inline void ag_count_lost16(__m512 f, __m256i h, __mmask16 m,
					     bool f16, int64_t *zero, int64_t *over)
{
	__m512i mag = _mm512_and_si512(_mm512_cvtepu16_epi32(h),
				       _mm512_set1_epi32(0x7fff));
	__mmask16 nz = _mm512_mask_cmp_ps_mask(m, f, _mm512_setzero_ps(), _CMP_NEQ_UQ);
	__mmask16 fin = _mm512_mask_cmp_ps_mask(m, _mm512_abs_ps(f),
						_mm512_set1_ps(__builtin_inff()), _CMP_LT_OQ);
	__mmask16 z = _mm512_mask_cmpeq_epi32_mask(nz, mag, _mm512_setzero_si512());
	__mmask16 o = _mm512_mask_cmpeq_epi32_mask(fin, mag,
						   _mm512_set1_epi32(f16 ? 0x7c00 : 0x7f80));
	*zero += __builtin_popcount((unsigned)z);
	*over += __builtin_popcount((unsigned)o);
}
#endif

#endif
