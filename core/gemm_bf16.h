/*
 * gemm_bf16.h - bfloat16 matrix products on AMX tiles, or on VDPBF16PS
 * without them; float16 on the tiles only (gemm_bf16.c).
 */
#ifndef AG_GEMM_BF16_H
#define AG_GEMM_BF16_H

#include <stdint.h>

#include "shapeint.h"

/* c (M x N float32, row-major, dense) = a @ b for bfloat16 a and b, each
 * product exact and summed in float32: 1; 0 when neither the tiles nor
 * VDPBF16PS can be used (no AMX and no AVX-512 BF16, or a product too
 * small to pay for packing); -1 out of memory (ag_error set). */
int ag_gemm_bf16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		 float *c);
/* The same rounded to bfloat16 into c (M x N, row-major, dense), each
 * float32 sum rounded once as ag_narrow_half rounds it. */
int ag_gemm_bf16_round(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		       uint16_t *c);
/* c = alpha * (a @ b) + beta * c for bfloat16 c (M x N, row-major,
 * dense; beta 0: c's old values not read), each value computed from the
 * float32 sum in double and rounded as linalg.c's combine() rounds it;
 * 0 also while rounding losses are counted (combine() counts them). */
int ag_gemm_bf16_scaled(int64_t M, int64_t N, int64_t K, double alpha,
			ag_mat a, ag_mat b, double beta, uint16_t *c);

/* The same three for float16 a, b and c, on the same tiles (0 without
 * them): each float16
 * value split into two bfloat16 (hi + lo, exactly), the product summed
 * over the four terms ah@bh + ah@bl + al@bl + al@bh, every product exact
 * and summed in float32 (as the widened sgemm path sums them, but for
 * the order); 0 also when an input holds inf or NaN (the split would
 * make NaN of inf). */
int ag_gemm_f16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b, float *c);
int ag_gemm_f16_round(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		      uint16_t *c);
int ag_gemm_f16_scaled(int64_t M, int64_t N, int64_t K, double alpha,
		       ag_mat a, ag_mat b, double beta, uint16_t *c);

#endif
