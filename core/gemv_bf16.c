/*
 * gemv_bf16.c - PyTorch 1.13's bfloat16 gemv and dot (gemv_bf16.h).
 *
 * PyTorch's generic kernels work in at::BFloat16, whose operators compute
 * in float32 and round the result: a product x * a is rounded, then the
 * sum s + (x * a), and alpha and beta are bfloat16 values.  addmv picks
 * the kernel from the matrix's strides: stride(0) == 1 with a leading
 * dimension stride(1) >= m (or one column) is BLAS's 'n' (the columns
 * added into y one by one), anything else 't' (a dot product per row,
 * after a contiguous copy when no stride is 1, which does not change the
 * order).  Fixtures from PyTorch: tests/lua/test_bf16_gemv.lua.
 */
#include "gemv_bf16.h"

#include "internal.h"

static float r16(float v)
{
	return ag_bf16_to_float(ag_float_to_bf16(v));
}

bool ag_gemv_bf16_small(const ag_tensor *mat)
{
	return mat->dtype == AG_BFLOAT16 && mat->ndim == 2 &&
	       mat->shape[0] * mat->shape[1] <= AG_GEMV_BF16_MAX;
}

static float dot_rounded(int64_t n, const uint16_t *x, int64_t incx,
			 const uint16_t *y, int64_t incy)
{
	float s = 0;
	for (int64_t j = 0; j < n; j++)
		s = r16(s + r16(ag_bf16_to_float(x[j * incx]) *
				ag_bf16_to_float(y[j * incy])));
	return s;
}

uint16_t ag_dot_bf16(int64_t n, const uint16_t *x, int64_t incx,
		     const uint16_t *y, int64_t incy)
{
	return ag_float_to_bf16(dot_rounded(n, x, incx, y, incy));
}

void ag_gemv_bf16(const ag_tensor *mat, const ag_tensor *vec, double alpha,
		  double beta, uint16_t *y)
{
	int64_t m = mat->shape[0], k = mat->shape[1];
	int64_t s0 = mat->stride[0], s1 = mat->stride[1], incx = vec->stride[0];
	const uint16_t *a = ag_data_ptr(mat), *x = ag_data_ptr(vec);
	float al = r16((float)alpha), be = r16((float)beta);
	float last[AG_GEMV_BF16_MAX];	/* each y[i] before its last rounding */

	if (m == 0)
		return;
	if (k == 0) {	/* an empty product: beta * y */
		for (int64_t i = 0; i < m; i++)
			last[i] = be == 0 ? 0 : ag_bf16_to_float(y[i]) * be;
	} else if (s0 == 1 && (k == 1 || s1 >= (m > 1 ? m : 1))) {	/* 'n' */
		if (be != 0 && be != 1)
			for (int64_t i = 0; i < m; i++)
				y[i] = ag_float_to_bf16(ag_bf16_to_float(y[i]) * be);
		for (int64_t j = 0; j < k; j++) {
			float z = r16(al * ag_bf16_to_float(x[j * incx]));
			for (int64_t i = 0; i < m; i++) {
				float acc = j == 0 && be == 0 ? 0 : ag_bf16_to_float(y[i]);
				last[i] = acc + r16(z * ag_bf16_to_float(a[i + j * s1]));
				y[i] = ag_float_to_bf16(last[i]);
			}
		}
	} else {	/* 't' */
		for (int64_t i = 0; i < m; i++) {
			float s = dot_rounded(k, x, incx, a + i * s0, s1);
			last[i] = be == 0 ? al * s :
				  r16(be * ag_bf16_to_float(y[i])) + r16(al * s);
		}
	}
	for (int64_t i = 0; i < m; i++)
		y[i] = ag_float_to_bf16(last[i]);
	if (ag_round_watch)	/* what the last rounding lost */
		ag_round_check(last, (const char *)y, 2, m, AG_BFLOAT16);
}
