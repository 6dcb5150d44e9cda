/*
 * special.c - special functions libm lacks, for the pointwise kernels:
 * the inverse error function.
 */
#include "internal.h"

#include <math.h>

/*
 * erfinv(y), computed the way PyTorch 1.13 computes it so the values
 * agree to the last bit: a rational first guess (the coefficients of
 * Gary Pavlis' erfinv for MATLAB 2.0, 1996), then two Newton steps on
 * erf(x) - y.  PyTorch's build fuses the polynomials' multiply-adds, so
 * these use fma().  In float32 the same runs in float arithmetic.
 *
 * (Near |y| = 1 the Newton steps stop short of full precision, as
 * PyTorch's do: erfinv(1 - 1e-10) is ~1e-8 off the true value there.)
 */
double ag_erfinv(double y)
{
	static const double a[4] = { 0.886226899, -1.645349621, 0.914624893,
				     -0.140543331 };
	static const double b[4] = { -2.118377725, 1.442710462, -0.329097515,
				     0.012229801 };
	static const double c[4] = { -1.970840454, -1.624906493, 3.429567803,
				     1.641345311 };
	static const double d[2] = { 3.543889200, 1.637067800 };
	const double two_over_sqrt_pi = 2.0 / sqrt(M_PI);
	double ay = fabs(y), x, z, num, den;

	if (!(ay <= 1))
		return NAN;
	if (ay == 1)
		return copysign(INFINITY, y);
	if (ay <= 0.7) {
		z = y * y;
		num = fma(fma(fma(a[3], z, a[2]), z, a[1]), z, a[0]);
		den = fma(fma(fma(fma(b[3], z, b[2]), z, b[1]), z, b[0]), z, 1.0);
		x = y * num / den;
	} else {
		z = sqrt(-log((1.0 - ay) / 2.0));
		num = fma(fma(fma(c[3], z, c[2]), z, c[1]), z, c[0]);
		den = fma(fma(d[1], z, d[0]), z, 1.0);
		x = copysign(num, y) / den;
	}
	for (int i = 0; i < 2; i++)
		x = x - (erf(x) - y) / (two_over_sqrt_pi * exp(-x * x));
	return x;
}

/* The same in float arithmetic (float32, and bfloat16 through float). */
float ag_erfinvf(float y)
{
	static const float a[4] = { 0.886226899f, -1.645349621f, 0.914624893f,
				    -0.140543331f };
	static const float b[4] = { -2.118377725f, 1.442710462f, -0.329097515f,
				    0.012229801f };
	static const float c[4] = { -1.970840454f, -1.624906493f, 3.429567803f,
				    1.641345311f };
	static const float d[2] = { 3.543889200f, 1.637067800f };
	const float two_over_sqrt_pi = 2.0f / (float)sqrt(M_PI);
	float ay = fabsf(y), x, z, num, den;

	if (!(ay <= 1))
		return NAN;
	if (ay == 1)
		return copysignf(INFINITY, y);
	if (ay <= 0.7f) {
		z = y * y;
		num = fmaf(fmaf(fmaf(a[3], z, a[2]), z, a[1]), z, a[0]);
		den = fmaf(fmaf(fmaf(fmaf(b[3], z, b[2]), z, b[1]), z, b[0]), z, 1.0f);
		x = y * num / den;
	} else {
		z = sqrtf(-logf((1.0f - ay) / 2.0f));
		num = fmaf(fmaf(fmaf(c[3], z, c[2]), z, c[1]), z, c[0]);
		den = fmaf(fmaf(d[1], z, d[0]), z, 1.0f);
		x = copysignf(num, y) / den;
	}
	for (int i = 0; i < 2; i++)
		x = x - (erff(x) - y) / (two_over_sqrt_pi * expf(-x * x));
	return x;
}
