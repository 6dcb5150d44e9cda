/*
 * vmath_avx512.h - vmath_f32.h's gelu and gelu' 16 lanes at a time with
 * AVX-512 intrinsics, for vmath.c's forward and fused_bw.c's backward:
 * the same operations in the same order as ag_vf_gelu and
 * ag_vf_gelu_grad (so the same bits), each lane's coefficients taken
 * from the tables by a permute, where a compiler makes a gather of the C
 * table lookup.  Include it after vmath_f32.h, in a file built without
 * fused multiply-adds, and call these only from functions with
 * target("avx512f") on a CPU that has it (ag_v16_has_avx512).
 */
#ifndef AG_VMATH_AVX512_H
#define AG_VMATH_AVX512_H

#include <immintrin.h>

#define AG_V16 __attribute__((target("avx512f"), always_inline)) static inline

/* Does this CPU have AVX-512F?  (asked once) */
static inline bool ag_v16_has_avx512(void)
{
	static int has = -1;
	int h = __atomic_load_n(&has, __ATOMIC_RELAXED);
	if (h < 0) {
		h = __builtin_cpu_supports("avx512f") ? 1 : 0;
		__atomic_store_n(&has, h, __ATOMIC_RELAXED);
	}
	return h;
}

AG_V16 __m512 ag_v16_abs(__m512 x)
{
	return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x),
				   _mm512_set1_epi32(0x7fffffff)));
}

/* |m| with the sign of s */
AG_V16 __m512 ag_v16_copysign(__m512 m, __m512 s)
{
	return _mm512_castsi512_ps(_mm512_or_si512(
		_mm512_and_si512(_mm512_castps_si512(m),
				 _mm512_set1_epi32(0x7fffffff)),
		_mm512_and_si512(_mm512_castps_si512(s),
				 _mm512_set1_epi32((int)0x80000000u))));
}

/* ag_vf_gelu_poly: a lane past 15 intervals (or NaN) indexes some
 * interval; its value is not taken */
AG_V16 __m512 ag_v16_gelu_poly(const float tab[6][AG_VF_GELU_N], __m512 a)
{
	__m512i k = _mm512_min_epi32(_mm512_cvttps_epi32(
		_mm512_mul_ps(a, _mm512_set1_ps(8.0f / 3))), _mm512_set1_epi32(15));
	/* ag_vf_gelu_mid(0 ... 15) */
	const __m512 mids = _mm512_setr_ps(0.1875f, 0.5625f, 0.9375f, 1.3125f,
		1.6875f, 2.0625f, 2.4375f, 2.8125f, 3.1875f, 3.5625f, 3.9375f,
		4.3125f, 4.6875f, 5.0625f, 5.4375f, 5.8125f);
	__m512 d = _mm512_sub_ps(a, _mm512_permutexvar_ps(k, mids));
	__m512 p = _mm512_permutexvar_ps(k, _mm512_load_ps(tab[5]));
	p = _mm512_add_ps(_mm512_mul_ps(p, d),
			  _mm512_permutexvar_ps(k, _mm512_load_ps(tab[4])));
	p = _mm512_add_ps(_mm512_mul_ps(p, d),
			  _mm512_permutexvar_ps(k, _mm512_load_ps(tab[3])));
	p = _mm512_add_ps(_mm512_mul_ps(p, d),
			  _mm512_permutexvar_ps(k, _mm512_load_ps(tab[2])));
	p = _mm512_add_ps(_mm512_mul_ps(p, d),
			  _mm512_permutexvar_ps(k, _mm512_load_ps(tab[1])));
	return _mm512_add_ps(_mm512_mul_ps(p, d),
			     _mm512_permutexvar_ps(k, _mm512_load_ps(tab[0])));
}

AG_V16 __m512 ag_v16_gelu(__m512 x)
{
	__m512 a = ag_v16_abs(x);
	__m512 p = ag_v16_gelu_poly(ag_vf_gelu_tab, a);
	__mmask16 in = _mm512_cmp_ps_mask(a, _mm512_set1_ps(6.0f), _CMP_LT_OQ);
	__m512 t = ag_v16_copysign(_mm512_mask_blend_ps(in, _mm512_set1_ps(1.0f), p), x);
	return _mm512_mul_ps(_mm512_mul_ps(x, _mm512_set1_ps(0.5f)),
			     _mm512_add_ps(_mm512_set1_ps(1.0f), t));
}

AG_V16 __m512 ag_v16_gelu_grad(__m512 x)
{
	__m512 a = ag_v16_abs(x);
	__m512 q = ag_v16_gelu_poly(ag_vf_gelu_dtab, a);
	__mmask16 in = _mm512_cmp_ps_mask(a, _mm512_set1_ps(6.0f), _CMP_LT_OQ);
	__m512 r = _mm512_add_ps(_mm512_set1_ps(0.5f), ag_v16_copysign(
		_mm512_mask_blend_ps(in, _mm512_set1_ps(0.5f), q), x));
	__mmask16 fin = _mm512_cmp_ps_mask(a, _mm512_set1_ps(__builtin_inff()),
					   _CMP_LT_OQ);
	return _mm512_mask_blend_ps(fin, _mm512_sub_ps(x, x), r);
}

#endif
