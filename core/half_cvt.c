/*
 * half_cvt.c - runs of float16/bfloat16 to and from float32 with AVX-512
 * (half_cvt.h).
 */
#include "half_cvt.h"

#if AG_HAVE_X86_SIMD
AG_AVX512 void ag_half_widen_avx512(const uint16_t *s, float *d, int64_t n,
				    ag_dtype dt)
{
	bool f16 = dt == AG_FLOAT16;
	for (int64_t i = 0; i < n; i += 16) {
		__mmask16 m = ag_lanes16(n - i);
		_mm512_mask_storeu_ps(d + i, m,
				      ag_widen16(_mm256_maskz_loadu_epi16(m, s + i), f16));
	}
}

AG_AVX512 void ag_half_narrow_avx512(const float *s, uint16_t *d, int64_t n,
				     ag_dtype dt)
{
	bool f16 = dt == AG_FLOAT16;
	for (int64_t i = 0; i < n; i += 16) {
		__mmask16 m = ag_lanes16(n - i);
		_mm256_mask_storeu_epi16(d + i, m,
					 ag_narrow16(_mm512_maskz_loadu_ps(m, s + i), f16));
	}
}

AG_AVX512 void ag_half_round_count_avx512(const float *s, const uint16_t *d,
					  int64_t n, ag_dtype dt, int64_t *zero,
					  int64_t *over)
{
	int64_t z = 0, o = 0;
	for (int64_t i = 0; i < n; i += 16) {
		__mmask16 m = ag_lanes16(n - i);
		ag_count_lost16(_mm512_maskz_loadu_ps(m, s + i),
				_mm256_maskz_loadu_epi16(m, d + i), m,
				dt == AG_FLOAT16, &z, &o);
	}
	*zero = z;
	*over = o;
}
#else
void ag_half_widen_avx512(const uint16_t *s, float *d, int64_t n, ag_dtype dt)
{
	(void)s; (void)d; (void)n; (void)dt;
}

void ag_half_narrow_avx512(const float *s, uint16_t *d, int64_t n, ag_dtype dt)
{
	(void)s; (void)d; (void)n; (void)dt;
}

void ag_half_round_count_avx512(const float *s, const uint16_t *d, int64_t n,
				ag_dtype dt, int64_t *zero, int64_t *over)
{
	(void)s; (void)d; (void)n; (void)dt;
	*zero = *over = 0;
}
#endif
