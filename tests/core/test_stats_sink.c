/* test_stats_sink.c - the statistics the row kernels' backward gathers
 * while writing a gradient (stats_sink.h) are those a fresh pass over it
 * computes, bit for bit, on 1 and 2 threads, with NaN, inf, zeros and
 * values below float16's range among them; and a fresh pass gives the
 * same on any number of threads. */
#include "../tap.h"
#include "elements.h"
#include "internal.h"
#include "autograd.h"
#include "ag_nn.h"
#include "stats_sink.h"
#include "grad_stats_ref.h"

#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static void set_threads(int n)
{
#ifdef _OPENMP
	omp_set_num_threads(n);
#else
	(void)n;
#endif
}

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static bool identical(const ag_grad_stats *a, const ag_grad_stats *b)
{
	return a->numel == b->numel && a->n_nan == b->n_nan &&
	       a->n_inf == b->n_inf && a->n_zero == b->n_zero &&
	       a->n_fp16_underflow == b->n_fp16_underflow &&
	       same_bits(a->mean_abs, b->mean_abs) &&
	       same_bits(a->max_abs, b->max_abs);
}

/* values of every class scattered over t: NaN, +-inf, zeros, values below
 * float16's range (float32 and float64 alike), at positions that fall in
 * different chunks and rows */
static void sprinkle(ag_tensor *t, bool specials)
{
	int64_t n = ag_numel(t);
	size_t es = ag_dtype_size(t->dtype);
	char *p = ag_data_ptr(t);
	for (int64_t k = 1; k <= 40; k++) {
		int64_t i = k * 104729 % n;
		double v = k % 5 == 0 ? 0.0 : k % 5 == 1 ? 1e-9 : k % 5 == 2 ? -3e-8
			 : k % 5 == 3 ? (specials ? NAN : 2.5) : (specials ? -INFINITY : -4.0);
		ag_store(p + i * (int64_t)es, t->dtype, v);
	}
}

typedef enum { SOFTMAX, LOG_SOFTMAX, LAYER_NORM, VAR, STD, LOGSUMEXP } kernel;
static const char *kname[] = { "softmax", "log_softmax", "layer_norm", "var",
			       "std", "logsumexp" };

/* x.grad of kernel k over a [rows, cols] x of dtype dt, with g sprinkled */
static ag_tensor *grad_of(kernel k, int64_t rows, int64_t cols, ag_dtype dt,
			  bool specials)
{
	int64_t shape[] = { rows, cols };
	ag_tensor *x = ag_randn(shape, 2, dt), *y = NULL, *g = NULL;
	ag_tensor *w = NULL, *b = NULL;
	ag_set_requires_grad(x, true);
	int dim = 1;
	switch (k) {
	case SOFTMAX: y = ag_softmax(x, 1); break;
	case LOG_SOFTMAX: y = ag_log_softmax(x, 1); break;
	case LAYER_NORM:
		w = ag_randn(&cols, 1, dt);
		b = ag_randn(&cols, 1, dt);
		ag_set_requires_grad(w, true);
		ag_set_requires_grad(b, true);
		y = ag_layer_norm(x, &cols, 1, w, b, 1e-5);
		break;
	case VAR: y = ag_var(AG_OP_VAR, x, &dim, 1, 1, true); break;
	case STD: y = ag_var(AG_OP_STD, x, NULL, 0, 1, false); break;
	case LOGSUMEXP: y = ag_logsumexp(x, &dim, 1, false); break;
	}
	if (y) {
		g = ag_randn(y->shape, y->ndim, dt);
		if (ag_numel(g) > 1)
			sprinkle(g, specials);
	}
	ag_tensor *grad = NULL;
	if (y && g && ag_backward(&y, &g, 1, false, false) == 0 && x->grad) {
		grad = x->grad;
		ag_tensor_retain(grad);
	}
	ag_tensor *objs[] = { x, y, g, w, b };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
	return grad;
}

static void test_offers(void)
{
	static const ag_dtype dts[] = { AG_FLOAT32, AG_FLOAT64 };
	/* rows across chunk boundaries; a last chunk cut short */
	static const int64_t geom[][2] = { { 300, 1000 }, { 64, 1024 }, { 7, 5003 } };
	for (int threads = 1; threads <= 2; threads++) {
		set_threads(threads);
		for (int k = SOFTMAX; k <= LOGSUMEXP; k++)
		for (size_t d = 0; d < 2; d++)
		for (size_t q = 0; q < sizeof geom / sizeof *geom; q++)
		for (int specials = 0; specials < 2; specials++) {
			if (k == LAYER_NORM && dts[d] == AG_FLOAT64)
				continue;	/* no row kernel: a fresh pass */
			uint64_t before = ag_stats_offered();
			ag_tensor *grad = grad_of(k, geom[q][0], geom[q][1], dts[d],
						  specials);
			bool offered = ag_stats_offered() > before;
			ag_grad_stats got, fresh, want;
			memset(&got, 0, sizeof got);
			memset(&fresh, 0, sizeof fresh);
			if (grad) {
				ag_grad_stats_compute(grad, &got);	/* the offer */
				ag_tensor *copy = ag_clone(grad);
				ag_grad_stats_compute(copy, &fresh);
				ag_tensor_release(copy);
			}
			stats_reference(grad, &want);
			ok(grad && offered && identical(&got, &fresh) &&
			   stats_agree(&got, &want),
			   "%s %s [%lld, %lld]%s, %d thread(s): offered %d; nan %lld "
			   "inf %lld zero %lld tiny %lld mean %.17g (fresh %.17g) max %.17g",
			   kname[k], dts[d] == AG_FLOAT32 ? "float32" : "float64",
			   (long long)geom[q][0], (long long)geom[q][1],
			   specials ? " with NaN/inf" : "", threads, offered,
			   (long long)got.n_nan, (long long)got.n_inf,
			   (long long)got.n_zero, (long long)got.n_fp16_underflow,
			   got.mean_abs, fresh.mean_abs, got.max_abs);
			ag_tensor_release(grad);
		}
	}
	set_threads(2);
}

/* Without statistics kept nor an observer, no sink works. */
static void test_no_offer_when_off(void)
{
	ag_set_keep_grad_stats(false);
	uint64_t before = ag_stats_offered();
	ag_tensor *grad = grad_of(SOFTMAX, 300, 1000, AG_FLOAT32, false);
	ok(grad && ag_stats_offered() == before,
	   "no statistics kept: the backward kernels gather none");
	ag_tensor_release(grad);
	ag_set_keep_grad_stats(true);
}

/* A fresh pass over a large contiguous tensor: the same on 1 and 2
 * threads, bit for bit, and near the reference. */
static void test_fresh_threads(void)
{
	int64_t n = 1000003;
	static const ag_dtype dts[] = { AG_FLOAT32, AG_FLOAT64, AG_FLOAT16, AG_BFLOAT16 };
	for (size_t d = 0; d < sizeof dts / sizeof *dts; d++) {
		ag_tensor *t = ag_randn(&n, 1, dts[d]);
		sprinkle(t, true);
		ag_grad_stats one, two, want;
		set_threads(1);
		ag_tensor *a = ag_clone(t);
		ag_grad_stats_compute(a, &one);
		set_threads(2);
		ag_tensor *b = ag_clone(t);
		ag_grad_stats_compute(b, &two);
		stats_reference(t, &want);
		ok(identical(&one, &two) && stats_agree(&one, &want),
		   "fresh statistics of %lld %s: 1 and 2 threads agree (mean %.17g, "
		   "%.17g), nan %lld inf %lld zero %lld tiny %lld",
		   (long long)n, ag_dtype_name(dts[d]), one.mean_abs, two.mean_abs,
		   (long long)one.n_nan, (long long)one.n_inf, (long long)one.n_zero,
		   (long long)one.n_fp16_underflow);
		ag_tensor_release(a);
		ag_tensor_release(b);
		ag_tensor_release(t);
	}
}

int main(void)
{
	plan_lazy();
	ag_manual_seed(11);
	test_offers();
	test_no_offer_when_off();
	test_fresh_threads();
	return done_testing();
}
