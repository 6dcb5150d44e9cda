/*
 * test_gemm_bf16.c - bfloat16 matrix products through ag_gemm and
 * ag_gemm_bf16 (gemm_bf16.c), on whichever path this CPU takes (AMX
 * tiles, VDPBF16PS register tiles, or widened sgemm), against the exact
 * sums.  The inputs are multiples of 1/8 of at most 2 in magnitude, so
 * every product is exact and every float32 sum of up to a few thousand
 * of them is exact in any order: each path must give the exact sum,
 * rounded once (to bfloat16 to nearest even, or alpha * sum + beta * c
 * in double, then float, then bfloat16, as linalg.c's combine() does),
 * bit for bit.  The shapes put partial tiles on every side (M not a
 * multiple of 6 or 32, N not of 64, odd K, K across several k-blocks,
 * K = 1, a single row or column); A and B are row-major, transposed and
 * strided; one and two threads.  Then what differs by design from the
 * widened path: NaN and inf travel as in sgemm, and subnormal inputs
 * read as zero on the tiles and VDPBF16PS paths.
 */
#include "ag.h"
#include "internal.h"
#include "shapeint.h"
#include "simd.h"
#include "../tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static int64_t rnd_int(int64_t lo, int64_t hi)	/* in [lo, hi] */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return lo + (int64_t)(rng_state % (uint64_t)(hi - lo + 1));
}

static uint16_t bf(double d) { return ag_float_to_bf16((float)d); }
static double dbl(uint16_t h) { return ag_bf16_to_float(h); }

/* which path ag_gemm takes for a big enough bfloat16 product here */
static const char *path(void)
{
	if (ag_cpu_amx_bf16() && ag_cpu_avx512())
		return "AMX tiles";
	if (ag_cpu_avx512_bf16())
		return "VDPBF16PS";
	return "widened sgemm";
}

/* A matrix of rows x cols held with strides rs, cs in a buffer of its
 * own (elements not in the matrix hold NaN, which must never be read). */
typedef struct held {
	uint16_t *buf;
	int64_t rs, cs;
} held;

enum { ROW_MAJOR, TRANSPOSED, STRIDED };

static held hold(const uint16_t *dense, int64_t rows, int64_t cols, int layout)
{
	held h;
	int64_t n;

	if (layout == ROW_MAJOR) {
		h.rs = cols, h.cs = 1, n = rows * cols;
	} else if (layout == TRANSPOSED) {
		h.rs = 1, h.cs = rows, n = rows * cols;
	} else {	/* every other row and column of a bigger matrix */
		h.rs = 4 * cols + 2, h.cs = 2, n = rows * h.rs;
	}
	h.buf = malloc((size_t)n * 2 + 2);
	for (int64_t i = 0; i < n; i++)
		h.buf[i] = 0x7fc1;	/* NaN */
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			h.buf[i * h.rs + j * h.cs] = dense[i * cols + j];
	return h;
}

/* the exact sum of row i of a (M x K) by column j of b (K x N) */
static double exact(const uint16_t *a, const uint16_t *b, int64_t i, int64_t j,
		    int64_t N, int64_t K)
{
	double s = 0;	/* exact: multiples of 2^-6, far from 2^53 */

	for (int64_t k = 0; k < K; k++)
		s += dbl(a[i * K + k]) * dbl(b[k * N + j]);
	return s;
}

static void fill(uint16_t *x, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		x[i] = bf((double)rnd_int(-16, 16) / 8);
}

/* One shape and layout: the rounded product, the scaled one and the
 * float32 one against the exact sums; returns the count of wrong values
 * (and where the first was, in *where). */
static int64_t check_one(int64_t M, int64_t N, int64_t K, int la, int lb,
			 char *where, size_t wn)
{
	uint16_t *a = malloc((size_t)(M * K) * 2), *b = malloc((size_t)(K * N) * 2);
	uint16_t *c = malloc((size_t)(M * N) * 2), *c0 = malloc((size_t)(M * N) * 2);
	float *f = malloc((size_t)(M * N) * 4);
	int64_t bad = 0;
	const double alpha = 0.75, beta = -1.5;

	fill(a, M * K);
	fill(b, K * N);
	fill(c0, M * N);
	held ha = hold(a, M, K, la), hb = hold(b, K, N, lb);
	ag_mat ma = { (const char *)ha.buf, ha.rs, ha.cs };
	ag_mat mb = { (const char *)hb.buf, hb.rs, hb.cs };
	int rc1 = ag_gemm(AG_BFLOAT16, M, N, K, 1, ma, mb, 0, (char *)c, N);
	int rc3 = ag_gemm_bf16(M, N, K, ma, mb, f);	/* 0: not taken here */
	for (int64_t i = 0; i < M && !bad; i++)
		for (int64_t j = 0; j < N; j++) {
			double s = exact(a, b, i, j, N, K);
			if (c[i * N + j] != bf(s) ||
			    (rc3 > 0 && f[i * N + j] != (float)s)) {
				if (!bad++)
					snprintf(where, wn, "[%lld, %lld]: %g (float32 %g), "
						 "exact %g", (long long)i, (long long)j,
						 dbl(c[i * N + j]),
						 rc3 > 0 ? f[i * N + j] : NAN, s);
			}
		}
	memcpy(c, c0, (size_t)(M * N) * 2);
	int rc2 = ag_gemm(AG_BFLOAT16, M, N, K, alpha, ma, mb, beta, (char *)c, N);
	for (int64_t i = 0; i < M && !bad; i++)
		for (int64_t j = 0; j < N; j++) {
			double s = exact(a, b, i, j, N, K);
			uint16_t want = bf((float)(alpha * s + beta * dbl(c0[i * N + j])));
			if (c[i * N + j] != want && !bad++)
				snprintf(where, wn, "scaled [%lld, %lld]: %g, want %g",
					 (long long)i, (long long)j, dbl(c[i * N + j]),
					 dbl(want));
		}
	if (rc1 || rc2 || rc3 < 0) {
		snprintf(where, wn, "ag_gemm returned %d, %d, ag_gemm_bf16 %d", rc1,
			 rc2, rc3);
		bad++;
	}
	free(ha.buf);
	free(hb.buf);
	free(a);
	free(b);
	free(c);
	free(c0);
	free(f);
	return bad;
}

static const char *layout_name[] = { "row-major", "transposed", "strided" };

static void shapes(int threads)
{
	static const int64_t dims[][3] = {
		{ 64, 64, 64 },		/* the smallest product the paths take */
		{ 6, 64, 2100 },	/* one register tile, k in 3 blocks */
		{ 1023, 129, 517 },	/* partial tiles on every side, odd K */
		{ 131, 197, 1025 },	/* K over 2 blocks, odd */
		{ 512, 512, 1 },	/* K = 1 */
		{ 515, 300, 2 },
		{ 1, 2048, 160 },	/* one row */
		{ 700, 1, 400 },	/* one column */
		{ 97, 1100, 33 },	/* columns over several work items */
	};
	for (size_t s = 0; s < sizeof dims / sizeof dims[0]; s++)
		for (int la = 0; la < 3; la++)
			for (int lb = 0; lb < 3; lb++) {
				int64_t M = dims[s][0], N = dims[s][1], K = dims[s][2];
				/* every layout on two shapes, row-major A on the rest */
				if (s != 2 && s != 3 && (la != ROW_MAJOR || lb == STRIDED))
					continue;
				char where[200] = "";
				int64_t bad = check_one(M, N, K, la, lb, where, sizeof where);
				ok(bad == 0, "%d thread(s): %lldx%lld @ %lldx%lld, A %s, "
				   "B %s: exact sums rounded once%s%s", threads,
				   (long long)M, (long long)K, (long long)K, (long long)N,
				   layout_name[la], layout_name[lb], bad ? "; first off " : "",
				   where);
			}
}

/* NaN and inf in the operands: where sgemm's sums are NaN or inf, so are
 * these, and the rest is exact. */
static void specials(void)
{
	int64_t M = 70, N = 90, K = 600;
	uint16_t *a = malloc((size_t)(M * K) * 2), *b = malloc((size_t)(K * N) * 2);
	uint16_t *c = malloc((size_t)(M * N) * 2);
	int64_t bad = 0;

	fill(a, M * K);
	fill(b, K * N);
	a[3 * K + 5] = 0x7fc0;		/* NaN: row 3 */
	a[10 * K + 599] = 0x7f80;	/* +inf: row 10, the last k */
	b[7 * N + 20] = 0xff80;		/* -inf: column 20 */
	ag_mat ma = { (const char *)a, K, 1 }, mb = { (const char *)b, N, 1 };
	ok(ag_gemm(AG_BFLOAT16, M, N, K, 1, ma, mb, 0, (char *)c, N) == 0,
	   "a product with NaN and inf runs");
	for (int64_t i = 0; i < M; i++)
		for (int64_t j = 0; j < N; j++) {
			/* NaN, inf and inf - inf come out the same in any order */
			long double s = 0;
			for (int64_t k = 0; k < K; k++)
				s += (long double)dbl(a[i * K + k]) * dbl(b[k * N + j]);
			double want = (double)s;
			double got = dbl(c[i * N + j]);
			bool same = isnan(want) ? isnan(got) :
				    isinf(want) ? got == want : c[i * N + j] == bf(want);
			bad += !same;
		}
	ok(bad == 0, "NaN rows and columns, inf sums, and exact sums elsewhere "
	   "(%lld off)", (long long)bad);
	free(a);
	free(b);
	free(c);
}

/* Subnormal bfloat16 inputs: the tiles and VDPBF16PS read them as zero
 * (as PyTorch's oneDNN kernels do on such CPUs); the widened path
 * multiplies them. */
static void subnormals(void)
{
	int64_t M = 64, N = 64, K = 64;
	uint16_t a[64 * 64], b[64 * 64], c[64 * 64];

	for (int64_t i = 0; i < M * K; i++)
		a[i] = 0x0040;	/* 2^-127, a subnormal */
	for (int64_t i = 0; i < K * N; i++)
		b[i] = bf(0x1p100);
	ag_mat ma = { (const char *)a, K, 1 }, mb = { (const char *)b, N, 1 };
	ag_gemm(AG_BFLOAT16, M, N, K, 1, ma, mb, 0, (char *)c, N);
	bool hw = strcmp(path(), "widened sgemm") != 0;
	double want = hw ? 0 : (double)K * dbl(0x0040) * 0x1p100;
	int64_t bad = 0;
	for (int64_t i = 0; i < M * N; i++)
		bad += c[i] != bf(want);
	ok(bad == 0, "subnormal inputs on the %s path: %g each (%lld off)", path(),
	   want, (long long)bad);
}

int main(void)
{
	plan_lazy();
	diag("bfloat16 products here take the %s path", path());
	ag_set_num_threads(1);
	shapes(1);
	ag_set_num_threads(2);
	shapes(2);
	specials();
	subnormals();
	/* and the widened path, for the same exact sums */
	ag_simd_set_enabled(false);
	char where[200] = "";
	int64_t bad = check_one(1023, 129, 517, TRANSPOSED, STRIDED, where, sizeof where);
	ok(bad == 0, "widened path: 1023x517 @ 517x129 exact%s%s",
	   bad ? "; first off " : "", where);
	ag_simd_set_enabled(true);
	return done_testing();
}
