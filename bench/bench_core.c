/*
 * bench_core.c - how fast core's hot paths are: mm, sum, add and exp for a
 * few sizes, and the cost of recording an op for autograd (add of two
 * 16-element tensors, one of which requires grad), with PyTorch's figures
 * beside them when a python3 with torch is found (set AGDB_PYTHON to
 * choose one).  Prints figures; never fails because a machine is slow.
 */
#include "ag.h"
#include "autograd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct bcase {
	const char *op;		/* "mm", "sum", "add", "exp", "add_rg" */
	ag_dtype dt;
	int64_t n;		/* mm: n x n @ n x n; sum/add: n elements */
	double torch_s;		/* seconds per call in PyTorch, 0 if unknown */
} bcase;

static bcase cases[] = {
	{ "mm", AG_FLOAT32, 64, 0 }, { "mm", AG_FLOAT32, 256, 0 },
	{ "mm", AG_FLOAT32, 1024, 0 }, { "mm", AG_FLOAT64, 256, 0 },
	{ "mm", AG_INT64, 256, 0 },
	{ "sum", AG_FLOAT32, 10000, 0 }, { "sum", AG_FLOAT32, 1000000, 0 },
	{ "sum", AG_FLOAT32, 10000000, 0 }, { "sum", AG_FLOAT64, 1000000, 0 },
	{ "add", AG_FLOAT32, 10000, 0 }, { "add", AG_FLOAT32, 1000000, 0 },
	{ "add", AG_FLOAT32, 10000000, 0 },
	{ "add", AG_FLOAT32, 16, 0 }, { "add_rg", AG_FLOAT32, 16, 0 },
	{ "exp", AG_FLOAT32, 16, 0 }, { "exp", AG_FLOAT32, 1000000, 0 },
};
#define NCASES (sizeof cases / sizeof cases[0])

static const char *torch_dtype(ag_dtype dt)
{
	return dt == AG_FLOAT64 ? "float64" : dt == AG_INT64 ? "int64" : "float32";
}

/* The same cases timed in PyTorch, one python run for all of them. */
static void time_torch(void)
{
	static const char script[] =
		"import sys, time, torch\n"
		"for line in sys.stdin:\n"
		"    op, dt, n = line.split(); n = int(n); dt = getattr(torch, dt)\n"
		"    if op == 'mm':\n"
		"        a = torch.ones(n, n, dtype=dt); b = torch.ones(n, n, dtype=dt)\n"
		"        f = lambda: torch.mm(a, b)\n"
		"    elif op == 'sum':\n"
		"        a = torch.ones(n, dtype=dt); f = lambda: a.sum()\n"
		"    elif op == 'exp':\n"
		"        a = torch.ones(n, dtype=dt); f = lambda: a.exp()\n"
		"    elif op == 'add_rg':\n"
		"        a = torch.ones(n, dtype=dt, requires_grad=True)\n"
		"        b = torch.ones(n, dtype=dt); f = lambda: a + b\n"
		"    else:\n"
		"        a = torch.ones(n, dtype=dt); b = torch.ones(n, dtype=dt)\n"
		"        f = lambda: a + b\n"
		"    f(); k = 0; t0 = time.perf_counter()\n"
		"    while True:\n"
		"        f(); k += 1; t = time.perf_counter() - t0\n"
		"        if t > 0.2: break\n"
		"    print(t / k, flush=True)\n";
	char path[] = "/tmp/agdb-bench-XXXXXX";
	char cmd[512];
	int fd = mkstemp(path);
	FILE *f, *p;

	if (fd < 0 || !(f = fdopen(fd, "w")))
		return;
	for (size_t i = 0; i < NCASES; i++)
		fprintf(f, "%s %s %lld\n", cases[i].op, torch_dtype(cases[i].dt),
			(long long)cases[i].n);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "for py in \"${AGDB_PYTHON:-python3}\" /usr/bin/python3; do "
		 "\"$py\" -c 'import torch' 2>/dev/null && "
		 "exec \"$py\" -c \"$AGDB_BENCH_SCRIPT\" < %s; done", path);
	setenv("AGDB_BENCH_SCRIPT", script, 1);
	if ((p = popen(cmd, "r"))) {
		for (size_t i = 0; i < NCASES; i++)
			if (fscanf(p, "%lf", &cases[i].torch_s) != 1)
				break;
		pclose(p);
	}
	remove(path);
}

static ag_tensor *filled(const int64_t *shape, int ndim, ag_dtype dt)
{
	ag_tensor *t = ag_ones(shape, ndim, dt);
	if (!t) {
		fprintf(stderr, "bench_core: %s\n", ag_error_message());
		exit(1);
	}
	return t;
}

static void run_once(const bcase *c, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *r = strcmp(c->op, "mm") == 0 ? ag_mm(a, b)
		     : strcmp(c->op, "sum") == 0 ? ag_sum(a)
		     : strcmp(c->op, "exp") == 0 ? ag_exp(a) : ag_add(a, b);
	if (!r) {
		fprintf(stderr, "bench_core: %s\n", ag_error_message());
		exit(1);
	}
	ag_tensor_release(r);
}

/* Seconds per call of the case, repeated for at least 0.2 s. */
static double time_case(const bcase *c)
{
	int64_t sq[2] = { c->n, c->n }, vec[1] = { c->n };
	bool is_mm = strcmp(c->op, "mm") == 0;
	ag_tensor *a = filled(is_mm ? sq : vec, is_mm ? 2 : 1, c->dt);
	ag_tensor *b = filled(is_mm ? sq : vec, is_mm ? 2 : 1, c->dt);
	double t0, t;
	long k = 0;

	if (strcmp(c->op, "add_rg") == 0 && ag_set_requires_grad(a, true) < 0) {
		fprintf(stderr, "bench_core: %s\n", ag_error_message());
		exit(1);
	}
	run_once(c, a, b);	/* warm caches and thread pools */
	t0 = now();
	do {
		run_once(c, a, b);
		k++;
		t = now() - t0;
	} while (t < 0.2);
	ag_tensor_release(a);
	ag_tensor_release(b);
	return t / (double)k;
}

int main(void)
{
	time_torch();
	printf("core benchmarks (matrix products through %s)\n", ag_blas_name());
	printf("%-6s %-8s %10s %12s %12s %10s\n", "op", "dtype", "size",
	       "agdb", "torch", "rate");
	for (size_t i = 0; i < NCASES; i++) {
		const bcase *c = &cases[i];
		double s = time_case(c), rate;
		char size[32], torch[32] = "-";
		const char *unit;

		if (strcmp(c->op, "mm") == 0) {
			snprintf(size, sizeof size, "%lldx%lld", (long long)c->n,
				 (long long)c->n);
			rate = 2.0 * (double)c->n * (double)c->n * (double)c->n / s * 1e-9;
			unit = "GFLOP/s";
		} else {
			snprintf(size, sizeof size, "%lld", (long long)c->n);
			rate = (double)c->n * (double)ag_dtype_size(c->dt) *
			       (strcmp(c->op, "sum") == 0 ? 1 :
				strcmp(c->op, "exp") == 0 ? 2 : 3) / s * 1e-9;
			unit = "GB/s";
		}
		if (c->torch_s > 0)
			snprintf(torch, sizeof torch, "%.2f us", c->torch_s * 1e6);
		printf("%-6s %-8s %10s %9.2f us %12s %6.1f %s\n", c->op,
		       ag_dtype_name(c->dt), size, s * 1e6, torch, rate, unit);
	}
	return 0;
}
