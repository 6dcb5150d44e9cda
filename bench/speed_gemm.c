/*
 * speed_gemm.c - cblas_sgemm and cblas_dgemm called directly, timed the way
 * bench/speed_cases.lua times agdb: the yardstick for agdb's matmul in the
 * speed table (issue 11 wants agdb's matmul at >= 0.9x the GFLOP/s of the
 * BLAS it calls).  Threads come from OPENBLAS_NUM_THREADS, as for agdb.
 *
 * Output: one "case<TAB>seconds<TAB>note" line per case, the protocol of
 * bench/speed.lua; "case<TAB>n/a<TAB>why" when there is no CBLAS.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_CBLAS
#if defined(HAVE_CBLAS_H)
#include <cblas.h>
#elif defined(HAVE_OPENBLAS_CBLAS_H)
#include <openblas/cblas.h>
#endif
#endif

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#define MAX_SAMPLES 10000

/*
 * The protocol of speed_cases.lua/.py: warm up for WARM seconds (at least
 * two calls), then samples of k calls (k chosen so a sample lasts about
 * SAMPLE seconds) until MIN_TIME has passed and there are at least five;
 * the figure is the median of the per-call times of the samples.
 */
static double measure(void (*fn)(void *), void *ctx, double min_time)
{
	static double samples[MAX_SAMPLES];
	const double warm = 0.1, sample = 0.002;
	double t0 = now(), per, start;
	long n = 0, k;
	int ns = 0;

	do {
		fn(ctx);
		n++;
	} while (n < 2 || now() - t0 < warm);
	per = (now() - t0) / (double)n;
	k = per >= sample ? 1 : (long)(sample / per);
	start = now();
	do {
		double s = now();
		for (long i = 0; i < k; i++)
			fn(ctx);
		samples[ns++] = (now() - s) / (double)k;
	} while (ns < MAX_SAMPLES && (ns < 5 || now() - start < min_time));
	qsort(samples, (size_t)ns, sizeof samples[0], cmp_double);
	return ns % 2 ? samples[ns / 2]
		      : (samples[ns / 2 - 1] + samples[ns / 2]) / 2;
}

#ifdef HAVE_CBLAS
typedef struct gemm_ctx {
	int n;
	void *a, *b, *c;
} gemm_ctx;

static void run_sgemm(void *v)
{
	gemm_ctx *g = v;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, g->n, g->n,
		    1.0f, g->a, g->n, g->b, g->n, 0.0f, g->c, g->n);
}

static void run_dgemm(void *v)
{
	gemm_ctx *g = v;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, g->n, g->n,
		    1.0, g->a, g->n, g->b, g->n, 0.0, g->c, g->n);
}

/* n x n operands of uniform values in [-1, 1), as torch.rand would give */
static void *matrix(int n, size_t elsize)
{
	size_t count = (size_t)n * (size_t)n;
	char *p = malloc(count * elsize);
	if (!p) {
		perror("speed_gemm");
		exit(1);
	}
	for (size_t i = 0; i < count; i++) {
		double v = (double)rand() / RAND_MAX * 2 - 1;
		if (elsize == sizeof(float))
			((float *)p)[i] = (float)v;
		else
			((double *)p)[i] = v;
	}
	return p;
}

static void time_gemm(const char *name, int n, size_t elsize,
		      void (*fn)(void *), double min_time)
{
	gemm_ctx g = { n, matrix(n, elsize), matrix(n, elsize), matrix(n, elsize) };
	double s = measure(fn, &g, min_time);

	printf("%s\t%.9g\t%.1f GFLOP/s\n", name, s,
	       2.0 * n * (double)n * (double)n / s * 1e-9);
	fflush(stdout);
	free(g.a);
	free(g.b);
	free(g.c);
}
#endif

int main(int argc, char **argv)
{
	const char *mt = getenv("AGDB_BENCH_MIN_TIME");
	double min_time = mt && atof(mt) > 0 ? atof(mt) : 0.5;

	(void)argc;
	(void)argv;
#ifdef HAVE_CBLAS
#ifdef OPENBLAS_VERSION
	printf("#blas\t%s; core %s; %d threads\n",
	       openblas_get_config(), openblas_get_corename(),
	       openblas_get_num_threads());
#endif
	time_gemm("cblas_sgemm 1024", 1024, sizeof(float), run_sgemm, min_time);
	time_gemm("cblas_dgemm 1024", 1024, sizeof(double), run_dgemm, min_time);
	time_gemm("cblas_dgemm 256", 256, sizeof(double), run_dgemm, min_time);
#else
	puts("cblas_sgemm 1024\tn/a\tbuilt --without-blas");
	puts("cblas_dgemm 1024\tn/a\tbuilt --without-blas");
	puts("cblas_dgemm 256\tn/a\tbuilt --without-blas");
#endif
	return 0;
}
