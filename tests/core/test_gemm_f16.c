/*
 * test_gemm_f16.c - float16 matrix products on the bfloat16 tiles
 * (gemm_bf16.c: every float16 value split into hi + lo bfloat16, the
 * product summed over ah@bh + ah@bl + al@bl + al@bh) against the exact
 * product rounded once to float16 and against the widened path (float32
 * sgemm, rounded; AGDB_SIMD off), through ag_gemm: random and edge
 * inputs (subnormals, the largest values, inf and NaN), K not a multiple
 * of 32, M and N not multiples of 16, strided operands, alpha and beta.
 * On a CPU without AMX both sides take the widened path and the checks
 * of what the split does are skipped.
 */
#include "ag.h"
#include "internal.h"
#include "shapeint.h"
#include "simd.h"
#include "../tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double rnd(void)	/* uniform in [-1, 1) */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0 * 2 - 1;
}

static double h2d(uint16_t h) { return ag_half_to_float(h); }
static uint16_t d2h(double d) { return ag_float_to_half((float)d); }

/* a float16 value's bfloat16 hi and lo, as the split computes them */
static void split(uint16_t h, double *hi, double *lo)
{
	float x = ag_half_to_float(h);
	float xh = ag_bf16_to_float(ag_float_to_bf16(x));
	*hi = xh;
	*lo = ag_bf16_to_float(ag_float_to_bf16(x - xh));
}

/* c = a @ b (M x K, K x N, a's and b's strides given) in float16 through
 * ag_gemm: on the tiles when tiles, else widened (AGDB_SIMD off). */
static int product(bool tiles, int64_t M, int64_t N, int64_t K,
		   const uint16_t *a, int64_t ars, int64_t acs,
		   const uint16_t *b, int64_t brs, int64_t bcs,
		   double alpha, double beta, uint16_t *c)
{
	ag_simd_set_enabled(tiles);
	ag_mat ma = { (const char *)a, ars, acs }, mb = { (const char *)b, brs, bcs };
	int rc = ag_gemm(AG_FLOAT16, M, N, K, alpha, ma, mb, beta, (char *)c, N);
	ag_simd_set_enabled(true);
	return rc;
}

/* the exact sum of a row of a by a column of b, rounded once; *sum and
 * *mag (when given): the sum itself and the sum of the terms' magnitudes */
static uint16_t exact_sum(const uint16_t *a, const uint16_t *b, int64_t i,
			  int64_t j, int64_t N, int64_t K, double *sum, double *mag)
{
	long double s = 0, m = 0;
	for (int64_t k = 0; k < K; k++) {
		long double t = (long double)h2d(a[i * K + k]) * h2d(b[k * N + j]);
		s += t;
		m += t < 0 ? -t : t;
	}
	if (sum)
		*sum = (double)s, *mag = (double)m;
	return d2h((double)s);
}

static uint16_t exact(const uint16_t *a, const uint16_t *b, int64_t i, int64_t j,
		      int64_t N, int64_t K)
{
	return exact_sum(a, b, i, j, N, K, NULL, NULL);
}

/* How far c is from the exact sum s beyond one float16 spacing at c,
 * relative to the sum of the terms' magnitudes mag: a float32 sum of K
 * terms is within K * 2^-24 * mag of s (recursive summation's bound),
 * and rounding that to float16 moves it at most one spacing. */
static double excess(uint16_t c, double s, double mag)
{
	uint16_t x = c & 0x7fff;
	double gap = h2d((uint16_t)(x + 1)) - h2d(x);
	double e = fabs(h2d(c) - s) - gap;
	return mag > 0 && e > 0 ? e / mag : 0;
}

/* float16 values apart (both finite, same sign or zero) */
static int64_t ulps(uint16_t x, uint16_t y)
{
	int64_t a = x & 0x8000 ? -(int64_t)(x & 0x7fff) : (int64_t)x;
	int64_t b = y & 0x8000 ? -(int64_t)(y & 0x7fff) : (int64_t)y;
	return a > b ? a - b : b - a;
}

typedef struct stats {
	int64_t n, off_tiles, off_sgemm, worst_tiles, worst_sgemm;
	double ex_tiles, ex_sgemm;	/* the largest excess() */
	bool differ;	/* the two paths' bits differ somewhere */
} stats;

/* M x K @ K x N of values from ga and gb, both paths against the exact
 * sums */
static stats compare(int64_t M, int64_t N, int64_t K, double (*ga)(void),
		     double (*gb)(void))
{
	uint16_t *a = malloc((size_t)(M * K) * 2), *b = malloc((size_t)(K * N) * 2);
	uint16_t *ct = malloc((size_t)(M * N) * 2), *cs = malloc((size_t)(M * N) * 2);
	stats s = { M * N, 0, 0, 0, 0, 0, 0, false };

	for (int64_t i = 0; i < M * K; i++)
		a[i] = d2h(ga());
	for (int64_t i = 0; i < K * N; i++)
		b[i] = d2h(gb());
	product(true, M, N, K, a, K, 1, b, N, 1, 1, 0, ct);
	product(false, M, N, K, a, K, 1, b, N, 1, 1, 0, cs);
	for (int64_t i = 0; i < M; i++)
		for (int64_t j = 0; j < N; j++) {
			double sum, mag;
			uint16_t e = exact_sum(a, b, i, j, N, K, &sum, &mag);
			double xt = excess(ct[i * N + j], sum, mag);
			double xs = excess(cs[i * N + j], sum, mag);
			s.ex_tiles = xt > s.ex_tiles ? xt : s.ex_tiles;
			s.ex_sgemm = xs > s.ex_sgemm ? xs : s.ex_sgemm;
			int64_t dt = ulps(ct[i * N + j], e), ds = ulps(cs[i * N + j], e);
			s.differ |= ct[i * N + j] != cs[i * N + j];
			s.off_tiles += dt != 0;
			s.off_sgemm += ds != 0;
			s.worst_tiles = dt > s.worst_tiles ? dt : s.worst_tiles;
			s.worst_sgemm = ds > s.worst_sgemm ? ds : s.worst_sgemm;
		}
	free(a);
	free(b);
	free(ct);
	free(cs);
	return s;
}

static double g_normal(void) { return rnd() * 2; }
static double g_wide(void) { return ldexp(rnd(), (int)(rnd() * 8)); }
/* float16 subnormals (below 2^-14), and values that bring their products
 * back into float16's normal range */
static double g_tiny(void) { return ldexp(rnd(), -14 - (int)((rnd() + 1) * 5)); }
static double g_scale(void) { return ldexp(rnd(), 12); }
static double g_big(void) { return rnd() * 2000; }

static stats check_stats(const char *what, int64_t M, int64_t N, int64_t K,
			 double (*ga)(void), double (*gb)(void))
{
	stats s = compare(M, N, K, ga, gb);
	diag("%s %lldx%lld @ %lldx%lld: %lld of %lld values off the exact sum "
	     "rounded once on the tiles (at most %lld ulp, excess %.3g), %lld "
	     "widened (at most %lld ulp, excess %.3g); K * 2^-24 = %.3g",
	     what, (long long)M, (long long)K, (long long)K, (long long)N,
	     (long long)s.off_tiles, (long long)s.n, (long long)s.worst_tiles,
	     s.ex_tiles, (long long)s.off_sgemm, (long long)s.worst_sgemm,
	     s.ex_sgemm, ldexp((double)K, -24));
	ok(s.off_tiles <= s.off_sgemm && s.ex_tiles <= ldexp((double)K, -24),
	   "%s %lldx%lld @ %lldx%lld: as close to the exact sums as float32 sgemm, "
	   "within float32's bound", what, (long long)M, (long long)K, (long long)K,
	   (long long)N);
	return s;
}

int main(void)
{
	plan_lazy();
	bool amx = ag_cpu_amx_bf16() && ag_cpu_avx512();

	/* accuracy against the exact sums, both paths */
	stats s = check_stats("normal", 256, 256, 256, g_normal, g_normal);
	ok(s.differ == amx, amx ? "the tiles ran (their bits are not sgemm's)"
				: "no AMX: the widened path ran");
	check_stats("normal, partial blocks", 97, 45, 77, g_normal, g_normal);
	check_stats("magnitudes 2^-8..2^8", 130, 70, 300, g_wide, g_wide);
	s = check_stats("subnormals by values to 4096", 64, 80, 160, g_tiny, g_scale);
	ok(s.off_tiles * 10 < s.n, "subnormal inputs are not read as 0");
	check_stats("values to 2000", 64, 64, 1000, g_big, g_big);

	/* Why four terms: a pair in [1, 2) whose exact product rounds away
	 * from the first three terms' sum (exact in float32), put at c[0][0]
	 * of a 64^3 product whose other terms are 0. */
	uint16_t pa = 0, pb = 0, want3 = 0, want4 = 0;
	for (uint32_t x = 0x3c00; x < 0x4000 && !pa; x++)
		for (uint32_t y = x; y < 0x4000 && !pa; y++) {
			double xh, xl, yh, yl;
			split((uint16_t)x, &xh, &xl);
			split((uint16_t)y, &yh, &yl);
			uint16_t v3 = d2h(xh * yh + xh * yl + xl * yh);
			uint16_t v4 = d2h(h2d((uint16_t)x) * h2d((uint16_t)y));
			if (v3 != v4) {
				pa = (uint16_t)x, pb = (uint16_t)y;
				want3 = v3, want4 = v4;
			}
		}
	ok(pa != 0, "a pair whose al*bl changes the rounding exists (%#x * %#x)", pa, pb);
	{
		int64_t n = 64;
		uint16_t *a = calloc((size_t)(n * n), 2), *b = calloc((size_t)(n * n), 2);
		uint16_t *ct = malloc((size_t)(n * n) * 2), *cs = malloc((size_t)(n * n) * 2);
		a[0] = pa;
		b[0] = pb;
		product(true, n, n, n, a, n, 1, b, n, 1, 1, 0, ct);
		product(false, n, n, n, a, n, 1, b, n, 1, 1, 0, cs);
		ok(cs[0] == want4, "widened: the product rounded once (%#x)", want4);
		ok(ct[0] == want4, "tiles: the product rounded once too (%#x; three "
		   "terms would give %#x)", want4, want3);
		free(a);
		free(b);
		free(ct);
		free(cs);
	}

	/* edges: the largest float16 (hi rounds up to 2^16, lo is -32),
	 * subnormals by normals, inf and NaN (left to the widened path, so
	 * the same bits), strided operands, alpha and beta */
	{
		int64_t M = 70, N = 33, K = 100;
		uint16_t *a = malloc((size_t)(M * K) * 2 * 2), *b = malloc((size_t)(K * N) * 2);
		uint16_t *ct = malloc((size_t)(M * N) * 2), *cs = malloc((size_t)(M * N) * 2);
		for (int64_t i = 0; i < M * K * 2; i++)
			a[i] = d2h(rnd());
		for (int64_t i = 0; i < K * N; i++)
			b[i] = d2h(rnd() / 64);
		a[0] = 0x7bff;				/* 65504 */
		a[2 * 1] = 0xfbff;			/* -65504 */
		a[2 * (K + 3)] = 0x0001;		/* 2^-24 */
		a[2 * (K + 4)] = 0x83ff;		/* -(1023 * 2^-24) */
		/* a strided: every other value of a 70 x 200 row-major block */
		product(true, M, N, K, a, 2 * K, 2, b, N, 1, 1, 0, ct);
		uint16_t *ad = malloc((size_t)(M * K) * 2);
		for (int64_t i = 0; i < M * K; i++)
			ad[i] = a[2 * i];
		int64_t off = 0, worst = 0;
		for (int64_t i = 0; i < M; i++)
			for (int64_t j = 0; j < N; j++) {
				int64_t d = ulps(ct[i * N + j], exact(ad, b, i, j, N, K));
				off += d != 0;
				worst = d > worst ? d : worst;
			}
		ok(worst <= 1 && off * 100 <= M * N,
		   "65504, -65504, subnormals, A strided: within 1 ulp (%lld of %lld off)",
		   (long long)off, (long long)(M * N));
		is_int(ct[0 * N + 0] != 0, 1, "a row with 65504 in it is not lost");

		/* B transposed (columns adjacent) gives the same bits as B dense */
		uint16_t *bt = malloc((size_t)(K * N) * 2), *c2 = malloc((size_t)(M * N) * 2);
		for (int64_t k = 0; k < K; k++)
			for (int64_t j = 0; j < N; j++)
				bt[j * K + k] = b[k * N + j];
		product(true, M, N, K, ad, K, 1, bt, 1, K, 1, 0, c2);
		product(true, M, N, K, ad, K, 1, b, N, 1, 1, 0, cs);
		ok(memcmp(c2, cs, (size_t)(M * N) * 2) == 0,
		   "B column-major: the same bits as B row-major");

		/* alpha and beta: alpha * (a @ b) + beta * c, from the float32
		 * sum in double as combine() computes it */
		for (int64_t i = 0; i < M * N; i++)
			ct[i] = cs[i] = d2h(rnd());
		product(true, M, N, K, ad, K, 1, b, N, 1, 2.5, -0.5, ct);
		product(false, M, N, K, ad, K, 1, b, N, 1, 2.5, -0.5, cs);
		worst = 0;
		for (int64_t i = 0; i < M * N; i++)
			worst = ulps(ct[i], cs[i]) > worst ? ulps(ct[i], cs[i]) : worst;
		ok(worst <= 1, "alpha 2.5, beta -0.5: within 1 ulp of the widened path");

		/* inf and NaN: the same bits as the widened path */
		ad[5] = 0x7c00;			/* inf in row 0 */
		ad[K + 7] = 0x7e00;		/* NaN in row 1 */
		b[3 * N + 2] = 0xfc00;		/* -inf in column 2 */
		product(true, M, N, K, ad, K, 1, b, N, 1, 1, 0, ct);
		product(false, M, N, K, ad, K, 1, b, N, 1, 1, 0, cs);
		ok(memcmp(ct, cs, (size_t)(M * N) * 2) == 0,
		   "inf and NaN inputs: the widened path's bits");
		ok((ct[0] & 0x7c00) == 0x7c00 && (ct[N] & 0x7fff) > 0x7c00,
		   "row 0 is infinite or NaN, row 1 NaN");
		free(a);
		free(ad);
		free(b);
		free(bt);
		free(c2);
		free(ct);
		free(cs);
	}
	return done_testing();
}
