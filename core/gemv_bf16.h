/*
 * gemv_bf16.h - small bfloat16 matrix-vector products and dot products
 * rounded the way PyTorch 1.13's CPU kernels round them (gemv_bf16.c).
 *
 * Up to AG_GEMV_BF16_MAX values of the matrix (m * k; n for dot) PyTorch
 * runs its generic gemv/dot on at::BFloat16, where every product and every
 * partial sum is rounded to bfloat16; above it oneDNN sums in float32 and
 * rounds once, which is what linalg.c's products do.
 */
#ifndef AG_GEMV_BF16_H
#define AG_GEMV_BF16_H

#include <stdbool.h>
#include <stdint.h>

#include "ag.h"

enum { AG_GEMV_BF16_MAX = 4096 };

/* Does mat (2-d, m x k) take PyTorch's rounded-as-it-goes path? */
bool ag_gemv_bf16_small(const ag_tensor *mat);

/* y (m values, dense; holding self broadcast when beta != 0) = beta * y +
 * alpha * mat @ vec for bfloat16 mat (m x k, any strides) and vec (k),
 * alpha and beta rounded to bfloat16 first, in PyTorch's order: with
 * mat's stride(0) == 1 (column-major) y is scaled by beta and the columns
 * added in one at a time; otherwise each row is a dot product, then
 * scaled and added to beta * y.  Only for ag_gemv_bf16_small(mat). */
void ag_gemv_bf16(const ag_tensor *mat, const ag_tensor *vec, double alpha,
		  double beta, uint16_t *y);

/* The dot product of n bfloat16 values x and y (strides in elements),
 * summed left to right with each product and sum rounded; for n up to
 * AG_GEMV_BF16_MAX. */
uint16_t ag_dot_bf16(int64_t n, const uint16_t *x, int64_t incx,
		     const uint16_t *y, int64_t incy);

#endif
