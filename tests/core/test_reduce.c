/*
 * test_reduce.c - sum, mean, max, min, argmax, argmin against PyTorch 1.13.
 *
 * Expected values and error texts were taken from torch 1.13 (the fixtures
 * below); large inputs are checked against a plain double-precision loop.
 */
#include "ag.h"
#include "internal.h"
#include "autograd.h"
#include "../tap.h"
#include "elements.h"

#include <math.h>
#include <stdlib.h>

#define SHAPE(...) (const int64_t[]){ __VA_ARGS__ }, \
	(int)(sizeof((const int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t))
#define DIMS(...) (const int[]){ __VA_ARGS__ }, \
	(int)(sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int))

/* A contiguous tensor holding v (row-major); v may be NULL for zeros. */
static ag_tensor *mk(ag_dtype dt, const int64_t *shape, int ndim,
		     const double *v)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	int64_t n = ag_numel(t);
	char *p = ag_data_ptr(t);
	for (int64_t i = 0; v && i < n; i++)
		ag_store(p + i * (int64_t)ag_dtype_size(dt), dt, v[i]);
	return t;
}

/* arange(n) reshaped, as float32 (or dt). */
static ag_tensor *arange(ag_dtype dt, const int64_t *shape, int ndim)
{
	ag_tensor *t = mk(dt, shape, ndim, NULL);
	for (int64_t i = 0; i < ag_numel(t); i++)
		ag_store((char *)ag_data_ptr(t) + i * (int64_t)ag_dtype_size(dt),
			 dt, (double)i);
	return t;
}

static int has_shape(const ag_tensor *t, const int64_t *shape, int ndim)
{
	if (!t || t->ndim != ndim)
		return 0;
	for (int d = 0; d < ndim; d++)
		if (t->shape[d] != shape[d])
			return 0;
	return 1;
}

static void values_are(const ag_tensor *t, const double *want, int64_t n,
		       double tol, const char *what)
{
	int good = t && ag_numel(t) == n;
	for (int64_t i = 0; good && i < n; i++) {
		double g = el(t, i);
		if (!((isnan(g) && isnan(want[i])) || g == want[i] ||
		      fabs(g - want[i]) <= tol)) {
			diag("%s: element %lld is %.9g, want %.9g", what,
			     (long long)i, g, want[i]);
			good = 0;
		}
	}
	ok(good, "%s", what);
}

/* The call failed (NULL) with exactly PyTorch's message. */
static void fails_with(ag_tensor *r, const char *want, const char *what)
{
	ok(r == NULL, "%s fails", what);
	is_str(ag_error_message(), want, "%s: message", what);
	ag_tensor_release(r);
	ag_error_clear();
}

static void test_sum_dtypes(void)
{
	ag_tensor *f = mk(AG_FLOAT32, SHAPE(2, 3),
			  (const double[]){ 1, 2, 3, 4, 5, 6.5 });
	ag_tensor *s = ag_sum(f);
	ok(s && s->ndim == 0 && s->dtype == AG_FLOAT32, "sum float32 is 0-d float32");
	is_num(el(s, 0), 21.5, 0, "sum float32 value");
	ag_tensor_release(s);
	s = ag_mean(f);
	is_num(el(s, 0), 21.5 / 6, 1e-6, "mean float32 value");
	ag_tensor_release(s);

	/* int64 sums stay exact past 2^53 and wrap like torch */
	ag_tensor *i = ag_tensor_alloc(SHAPE(3), AG_INT64);
	((int64_t *)ag_data_ptr(i))[0] = (1LL << 53) + 1;
	((int64_t *)ag_data_ptr(i))[1] = 1;
	((int64_t *)ag_data_ptr(i))[2] = 1LL << 62;
	s = ag_sum(i);
	ok(s && s->dtype == AG_INT64, "sum int64 is int64");
	is_int(el_i64(s, 0), 4620693217682128898LL, "sum int64 exact (torch fixture)");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MAX, i);
	is_int(el_i64(s, 0), 1LL << 62, "max int64 exact");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMIN, i);
	is_int(el_i64(s, 0), 1, "argmin int64");
	ag_tensor_release(s);
	fails_with(ag_mean(i), "mean(): could not infer output dtype. Input dtype "
		   "must be either a floating point or complex dtype. Got: Long",
		   "mean of int64");
	fails_with(ag_reduce_dims(AG_OP_MEAN, i, DIMS(5), false), "mean(): could "
		   "not infer output dtype. Input dtype must be either a floating "
		   "point or complex dtype. Got: Long",
		   "mean of int64 checks dtype before dims");
	ag_tensor_release(i);

	ag_tensor *b = mk(AG_BOOL, SHAPE(2, 2), (const double[]){ 1, 1, 1, 0 });
	s = ag_sum(b);
	ok(s && s->dtype == AG_INT64, "sum bool is int64");
	is_int(el_i64(s, 0), 3, "sum bool counts");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_SUM, b, DIMS(0), false);
	values_are(s, (const double[]){ 2, 1 }, 2, 0, "sum bool dim 0");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_MAX, b, DIMS(0), false);
	ok(s && s->dtype == AG_BOOL, "amax bool stays bool");
	values_are(s, (const double[]){ 1, 1 }, 2, 0, "amax bool values");
	ag_tensor_release(s);
	fails_with(ag_mean(b), "mean(): could not infer output dtype. Input dtype "
		   "must be either a floating point or complex dtype. Got: Bool",
		   "mean of bool");
	fails_with(ag_reduce_all(AG_OP_ARGMAX, b),
		   "\"argmax_cpu\" not implemented for 'Bool'", "argmax of bool");
	fails_with(ag_reduce_dims(AG_OP_ARGMIN, b, DIMS(0), false),
		   "\"argmin_cpu\" not implemented for 'Bool'", "argmin of bool");
	ag_tensor *b1 = ag_unsqueeze(b, 1);
	s = ag_reduce_dims(AG_OP_ARGMAX, b1, DIMS(1), true);
	ok(has_shape(s, SHAPE(2, 1, 2)), "argmax of bool over a size-1 dim works (torch)");
	ag_tensor_release(s);
	ag_tensor_release(b1);
	ag_tensor *v = NULL, *ix = NULL;
	ok(ag_max_dim(b, 1, false, &v, &ix) == 0, "max(dim) of bool works");
	ok(v && v->dtype == AG_BOOL && ix->dtype == AG_INT64, "max(dim) bool dtypes");
	values_are(v, (const double[]){ 1, 1 }, 2, 0, "max(dim) bool values");
	values_are(ix, (const double[]){ 0, 0 }, 2, 0, "max(dim) bool indices");
	ag_tensor_release(v);
	ag_tensor_release(ix);
	ag_tensor_release(b);
	ag_tensor_release(f);
}

static void test_half(void)
{
	ag_tensor *h = mk(AG_FLOAT16, SHAPE(2), (const double[]){ 65504, 65504 });
	ag_tensor *s = ag_mean(h);
	ok(s && s->dtype == AG_FLOAT16, "mean float16 stays float16");
	ok(s && isinf(el(s, 0)), "mean float16 overflows like torch (sum rounds first)");
	ag_tensor_release(s);
	ag_tensor_release(h);

	h = mk(AG_FLOAT16, SHAPE(4), (const double[]){ 0.1, 0.2, 0.3, 0.7 });
	s = ag_sum(h);
	is_num(el(s, 0), 1.2998046875, 0, "sum float16 (torch fixture)");
	ag_tensor_release(s);
	s = ag_mean(h);
	is_num(el(s, 0), 0.324951171875, 0, "mean float16 (torch fixture)");
	ag_tensor_release(s);
	ag_tensor_release(h);

	h = mk(AG_BFLOAT16, SHAPE(4), (const double[]){ 0.1, 0.2, 0.3, 0.7 });
	s = ag_mean(h);
	ok(s && s->dtype == AG_BFLOAT16, "mean bfloat16 stays bfloat16");
	is_num(el(s, 0), 0.32421875, 0, "mean bfloat16 (torch fixture)");
	ag_tensor_release(s);
	ag_tensor_release(h);

	h = mk(AG_BFLOAT16, SHAPE(2), (const double[]){ 1, NAN });
	s = ag_reduce_dims(AG_OP_MAX, h, DIMS(0), false);
	ok(s && isnan(el(s, 0)), "amax bfloat16 propagates nan");
	ag_tensor_release(s);
	ag_tensor_release(h);
}

static void test_dims(void)
{
	ag_tensor *x = arange(AG_FLOAT32, SHAPE(2, 3, 4));
	ag_tensor *s;

	s = ag_reduce_dims(AG_OP_SUM, x, DIMS(1), false);
	ok(has_shape(s, SHAPE(2, 4)), "sum dim 1 shape");
	values_are(s, (const double[]){ 12, 15, 18, 21, 48, 51, 54, 57 }, 8, 0,
		   "sum dim 1 values");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_SUM, x, DIMS(-1), true);
	ok(has_shape(s, SHAPE(2, 3, 1)), "sum dim -1 keepdim shape");
	values_are(s, (const double[]){ 6, 22, 38, 54, 70, 86 }, 6, 0,
		   "sum dim -1 values");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_SUM, x, DIMS(2, 0), true);
	ok(has_shape(s, SHAPE(1, 3, 1)), "sum dims (2, 0) keepdim shape");
	values_are(s, (const double[]){ 60, 92, 124 }, 3, 0, "sum dims (2, 0)");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_MEAN, x, NULL, 0, false);
	ok(s && s->ndim == 0, "mean dim=[] is 0-d");
	is_num(el(s, 0), 11.5, 0, "mean dim=[] reduces everything");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_SUM, x, NULL, 0, true);
	ok(has_shape(s, SHAPE(1, 1, 1)), "sum dim=[] keepdim shape");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_ARGMAX, x, NULL, 0, true);
	ok(has_shape(s, SHAPE(1, 1, 1)), "argmax dim=None keepdim shape");
	is_int(el_i64(s, 0), 23, "argmax over all is a flat index");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_ARGMIN, x, DIMS(-2), true);
	ok(has_shape(s, SHAPE(2, 1, 4)) && s->dtype == AG_INT64, "argmin dim keepdim");
	ag_tensor_release(s);

	fails_with(ag_reduce_dims(AG_OP_SUM, x, DIMS(0, -3), false),
		   "dim 0 appears multiple times in the list of dims", "duplicate dims");
	fails_with(ag_reduce_dims(AG_OP_MEAN, x, DIMS(1, 2, 1), false),
		   "dim 1 appears multiple times in the list of dims",
		   "duplicate dims (mean)");
	fails_with(ag_reduce_dims(AG_OP_SUM, x, DIMS(2, 1, 0, 1, 2, 0, 1, 2, 0), false),
		   "dim 1 appears multiple times in the list of dims",
		   "more dims than the tensor has");
	fails_with(ag_reduce_dims(AG_OP_SUM, x, DIMS(0, 5, 0), false),
		   "Dimension out of range (expected to be in range of [-3, 2], "
		   "but got 5)", "range is checked before duplicates");
	fails_with(ag_reduce_dims(AG_OP_MAX, x, DIMS(-4), false),
		   "Dimension out of range (expected to be in range of [-3, 2], "
		   "but got -4)", "amax dim out of range");
	fails_with(ag_reduce_dims(AG_OP_ARGMAX, x, DIMS(0, 1), false),
		   "argmax(): expected one dim to reduce, got 2", "argmax of two dims");
	ag_tensor *v = NULL, *ix = NULL;
	ok(ag_max_dim(x, 3, false, &v, &ix) < 0 && !v && !ix, "max(dim) out of range");
	is_str(ag_error_message(), "Dimension out of range (expected to be in "
	       "range of [-3, 2], but got 3)", "max(dim) out of range message");
	ag_error_clear();
	ag_tensor_release(x);
}

static void test_nan_and_ties(void)
{
	const double r[] = { 3, NAN, 1, 2, 5, 5, -1, -1, 0 };
	ag_tensor *x = mk(AG_FLOAT32, SHAPE(3, 3), r), *v = NULL, *ix = NULL, *s;

	ok(ag_max_dim(x, 1, false, &v, &ix) == 0, "max(dim=1)");
	values_are(v, (const double[]){ NAN, 5, 0 }, 3, 0, "max(1) values (torch)");
	values_are(ix, (const double[]){ 1, 1, 2 }, 3, 0, "max(1) indices (torch)");
	ag_tensor_release(v);
	ag_tensor_release(ix);
	ok(ag_min_dim(x, 0, true, &v, &ix) == 0, "min(dim=0, keepdim)");
	ok(has_shape(v, SHAPE(1, 3)) && has_shape(ix, SHAPE(1, 3)), "min keepdim shapes");
	values_are(v, (const double[]){ -1, NAN, 0 }, 3, 0, "min(0) values (torch)");
	values_are(ix, (const double[]){ 2, 0, 2 }, 3, 0, "min(0) indices (torch)");
	ag_tensor_release(v);
	ag_tensor_release(ix);

	s = ag_reduce_all(AG_OP_ARGMAX, x);
	is_int(el_i64(s, 0), 1, "argmax: nan counts as the max");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMIN, x);
	is_int(el_i64(s, 0), 1, "argmin: nan counts too");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_ARGMAX, x, DIMS(0), false);
	values_are(s, (const double[]){ 0, 0, 1 }, 3, 0, "argmax(0) (torch)");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_ARGMIN, x, DIMS(1), false);
	values_are(s, (const double[]){ 1, 0, 0 }, 3, 0, "argmin(1) first of ties (torch)");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_MAX, x, DIMS(0), false);
	values_are(s, (const double[]){ 3, NAN, 5 }, 3, 0, "amax(0) (torch)");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MAX, x);
	ok(s && isnan(el(s, 0)), "max propagates nan");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MIN, x);
	ok(s && isnan(el(s, 0)), "min propagates nan");
	ag_tensor_release(s);
	s = ag_sum(x);
	ok(s && isnan(el(s, 0)), "sum with nan is nan");
	ag_tensor_release(s);
	ag_tensor_release(x);

	x = mk(AG_FLOAT32, SHAPE(3), (const double[]){ 1, INFINITY, 2 });
	s = ag_sum(x);
	is_num(el(s, 0), INFINITY, 0, "sum with inf is inf");
	ag_tensor_release(s);
	s = ag_mean(x);
	is_num(el(s, 0), INFINITY, 0, "mean with inf is inf");
	ag_tensor_release(s);
	ag_tensor_release(x);

	x = mk(AG_FLOAT64, SHAPE(2), (const double[]){ INFINITY, -INFINITY });
	s = ag_sum(x);
	ok(s && isnan(el(s, 0)), "inf + -inf is nan");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MAX, x);
	is_num(el(s, 0), INFINITY, 0, "max of inf");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMIN, x);
	is_int(el_i64(s, 0), 1, "argmin finds -inf");
	ag_tensor_release(s);
	ag_tensor_release(x);
}

static void test_empty(void)
{
	ag_tensor *e = mk(AG_FLOAT32, SHAPE(0), NULL), *s, *v = NULL, *ix = NULL;

	fails_with(ag_reduce_all(AG_OP_MAX, e), "max(): Expected reduction dim to be "
		   "specified for input.numel() == 0. Specify the reduction dim "
		   "with the 'dim' argument.", "max of empty");
	fails_with(ag_reduce_all(AG_OP_MIN, e), "min(): Expected reduction dim to be "
		   "specified for input.numel() == 0. Specify the reduction dim "
		   "with the 'dim' argument.", "min of empty");
	fails_with(ag_reduce_all(AG_OP_ARGMAX, e), "argmax(): Expected reduction dim "
		   "to be specified for input.numel() == 0.", "argmax of empty");
	fails_with(ag_reduce_all(AG_OP_ARGMIN, e), "argmin(): Expected reduction dim "
		   "to be specified for input.numel() == 0.", "argmin of empty");
	fails_with(ag_reduce_dims(AG_OP_MAX, e, NULL, 0, false), "amax(): Expected "
		   "reduction dim to be specified for input.numel() == 0. Specify "
		   "the reduction dim with the 'dim' argument.", "amax dim=[] of empty");
	s = ag_sum(e);
	ok(s && s->ndim == 0, "sum of empty is 0-d");
	is_num(el(s, 0), 0, 0, "sum of empty is 0");
	ag_tensor_release(s);
	s = ag_mean(e);
	ok(s && isnan(el(s, 0)), "mean of empty is nan");
	ag_tensor_release(s);
	ag_tensor_release(e);

	e = mk(AG_FLOAT32, SHAPE(0, 3), NULL);
	s = ag_reduce_dims(AG_OP_SUM, e, DIMS(0), false);
	ok(has_shape(s, SHAPE(3)), "sum(0) of [0, 3] has shape [3]");
	values_are(s, (const double[]){ 0, 0, 0 }, 3, 0, "sum over a zero-size dim is 0");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_MEAN, e, DIMS(0), false);
	values_are(s, (const double[]){ NAN, NAN, NAN }, 3, 0,
		   "mean over a zero-size dim is nan");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_SUM, e, DIMS(1), true);
	ok(has_shape(s, SHAPE(0, 1)), "sum(1, keepdim) of [0, 3] has shape [0, 1]");
	ag_tensor_release(s);
	fails_with(ag_reduce_dims(AG_OP_ARGMAX, e, DIMS(0), false), "argmax(): "
		   "Expected reduction dim 0 to have non-zero size.", "argmax(0) of [0, 3]");
	s = ag_reduce_dims(AG_OP_ARGMAX, e, DIMS(1), false);
	ok(has_shape(s, SHAPE(0)) && s->dtype == AG_INT64, "argmax(1) of [0, 3] is empty");
	ag_tensor_release(s);
	ok(ag_max_dim(e, 0, false, &v, &ix) < 0, "max(0) of [0, 3] fails");
	is_str(ag_error_message(), "max(): Expected reduction dim 0 to have "
	       "non-zero size.", "max(0) of [0, 3]: message");
	ag_error_clear();
	ok(ag_max_dim(e, -1, true, &v, &ix) == 0, "max(-1) of [0, 3] works");
	ok(has_shape(v, SHAPE(0, 1)) && has_shape(ix, SHAPE(0, 1)), "max(-1) keepdim shapes");
	ag_tensor_release(v);
	ag_tensor_release(ix);
	fails_with(ag_reduce_dims(AG_OP_MAX, e, DIMS(1, 0), false), "amax(): Expected "
		   "reduction dim 0 to have non-zero size.", "amax((1, 0)) of [0, 3]");
	ag_tensor_release(e);

	e = mk(AG_FLOAT32, SHAPE(2, 0), NULL);
	fails_with(ag_reduce_dims(AG_OP_MAX, e, DIMS(-1, 0), false), "amax(): Expected "
		   "reduction dim -1 to have non-zero size.", "amax names the dim as given");
	fails_with(ag_reduce_dims(AG_OP_MIN, e, DIMS(-1, -1), false), "amin(): Expected "
		   "reduction dim -1 to have non-zero size.", "amin: size before duplicates");
	ok(ag_min_dim(e, -1, false, &v, &ix) < 0, "min(-1) of [2, 0] fails");
	is_str(ag_error_message(), "min(): Expected reduction dim 1 to have "
	       "non-zero size.", "min(-1) names the wrapped dim");
	ag_error_clear();
	fails_with(ag_reduce_dims(AG_OP_ARGMIN, e, DIMS(-1), false), "argmin(): "
		   "Expected reduction dim 1 to have non-zero size.", "argmin(-1) of [2, 0]");
	s = ag_reduce_dims(AG_OP_SUM, e, DIMS(0, -1), true);
	ok(has_shape(s, SHAPE(1, 1)), "sum of [2, 0] keepdim shape");
	ag_tensor_release(s);
	ag_tensor_release(e);
}

static void test_zero_d(void)
{
	ag_tensor *x = mk(AG_FLOAT32, NULL, 0, (const double[]){ 5 }), *s;
	ag_tensor *v = NULL, *ix = NULL;

	s = ag_reduce_dims(AG_OP_SUM, x, DIMS(0), true);
	ok(s && s->ndim == 0, "0-d sum(0, keepdim) stays 0-d");
	is_num(el(s, 0), 5, 0, "0-d sum(0)");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_MEAN, x, DIMS(-1), false);
	is_num(el(s, 0), 5, 0, "0-d mean(-1)");
	ag_tensor_release(s);
	fails_with(ag_reduce_dims(AG_OP_SUM, x, DIMS(1), false), "Dimension out of "
		   "range (expected to be in range of [-1, 0], but got 1)", "0-d sum(1)");
	fails_with(ag_reduce_dims(AG_OP_SUM, x, DIMS(0, -1), false),
		   "dim 0 appears multiple times in the list of dims", "0-d sum((0, -1))");
	ok(ag_max_dim(x, 0, true, &v, &ix) == 0 && v->ndim == 0 && ix->ndim == 0,
	   "0-d max(0) gives 0-d values and indices");
	is_num(el(v, 0), 5, 0, "0-d max value");
	is_int(el_i64(ix, 0), 0, "0-d max index");
	ag_tensor_release(v);
	ag_tensor_release(ix);
	s = ag_reduce_dims(AG_OP_ARGMAX, x, DIMS(0), false);
	is_int(el_i64(s, 0), 0, "0-d argmax(0)");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MIN, x);
	is_num(el(s, 0), 5, 0, "0-d min");
	ag_tensor_release(s);
	ag_tensor_release(x);
}

static void test_strided(void)
{
	ag_tensor *x = arange(AG_FLOAT32, SHAPE(2, 3, 4));
	ag_tensor *p = ag_permute(x, (const int[]){ 2, 0, 1 }, 3), *s;

	s = ag_reduce_dims(AG_OP_SUM, p, DIMS(0, 2), false);
	values_are(s, (const double[]){ 66, 210 }, 2, 0, "permuted sum((0, 2)) (torch)");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_MEAN, p, DIMS(-1), true);
	ok(has_shape(s, SHAPE(4, 2, 1)), "permuted mean(-1, keepdim) shape");
	values_are(s, (const double[]){ 4, 16, 5, 17, 6, 18, 7, 19 }, 8, 0,
		   "permuted mean(-1) (torch)");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMAX, p);
	/* p[3][1][2] = 23 is at flat position 3*6 + 1*3 + 2 = 23 */
	is_int(el_i64(s, 0), 23, "argmax of a permuted tensor counts logically");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMIN, p);
	is_int(el_i64(s, 0), 0, "argmin of a permuted tensor");
	ag_tensor_release(s);
	ag_tensor_release(p);

	/* a narrowed view: every other column */
	ag_tensor *n = ag_slice(x, 2, 0, 4, 2);
	s = ag_reduce_dims(AG_OP_SUM, n, DIMS(2), false);
	values_are(s, (const double[]){ 2, 10, 18, 26, 34, 42 }, 6, 0,
		   "sum of a stepped slice");
	ag_tensor_release(s);
	ag_tensor *v = NULL, *ix = NULL;
	ok(ag_max_dim(n, 0, false, &v, &ix) == 0, "max(dim) of a slice");
	values_are(v, (const double[]){ 12, 14, 16, 18, 20, 22 }, 6, 0, "slice max values");
	values_are(ix, (const double[]){ 1, 1, 1, 1, 1, 1 }, 6, 0, "slice max indices");
	ag_tensor_release(v);
	ag_tensor_release(ix);
	ag_tensor_release(n);

	/* expanded (stride 0): every row is the same */
	ag_tensor *row = mk(AG_FLOAT64, SHAPE(1, 3), (const double[]){ 1, -2, 4 });
	ag_tensor *e = ag_expand(row, SHAPE(5, 3));
	ok(e && e->stride[0] == 0, "expanded input has stride 0");
	s = ag_reduce_dims(AG_OP_SUM, e, DIMS(0), false);
	values_are(s, (const double[]){ 5, -10, 20 }, 3, 0, "sum over an expanded dim");
	ag_tensor_release(s);
	s = ag_reduce_dims(AG_OP_ARGMAX, e, DIMS(0), false);
	values_are(s, (const double[]){ 0, 0, 0 }, 3, 0, "argmax over equal rows is 0");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMIN, e);
	is_int(el_i64(s, 0), 1, "argmin of expanded is the first occurrence");
	ag_tensor_release(s);
	s = ag_mean(e);
	is_num(el(s, 0), 1.0, 1e-15, "mean of expanded");
	ag_tensor_release(s);
	ag_tensor_release(e);
	ag_tensor_release(row);
	ag_tensor_release(x);
}

static uint64_t rng_state = 88172645463325252ULL;
static double rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0 * 2 - 1;
}

/* Sums down columns (outputs closer in memory than the summed elements)
 * take their own row-by-row path: check it for every dtype, several
 * blocks of outputs, groups of outer kept dims and strided rows. */
static void test_columns(void)
{
	const ag_dtype dts[] = { AG_FLOAT32, AG_FLOAT64, AG_FLOAT16, AG_BFLOAT16,
				 AG_INT64, AG_BOOL };
	for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
		ag_dtype dt = dts[k];
		ag_tensor *x = mk(dt, SHAPE(3, 5, 2100), NULL);
		for (int64_t i = 0; i < ag_numel(x); i++)
			ag_store((char *)ag_data_ptr(x) + i * (int64_t)ag_dtype_size(dt),
				 dt, dt == AG_BOOL ? (double)(rnd() > 0) :
				 dt == AG_INT64 ? floor(rnd() * 1000) : rnd());
		ag_tensor *sl = ag_slice(x, 2, 1, 2100, 2);	/* strided rows */
		ag_op op = ag_dtype_is_floating(dt) ? AG_OP_MEAN : AG_OP_SUM;
		int good = 1;
		for (int v = 0; v < 2; v++) {
			ag_tensor *in = v ? sl : x;
			ag_tensor *s = ag_reduce_dims(op, in, DIMS(1), v == 1);
			int64_t n2 = in->shape[2];
			good &= s && s->ndim == 3 - (v == 0) && ag_numel(s) == 3 * n2 &&
				s->dtype == (op == AG_OP_SUM ? AG_INT64 : dt);
			for (int64_t a = 0; good && a < 3; a++)
				for (int64_t c = 0; good && c < n2; c++) {
					double want = 0, got = el(s, a * n2 + c);
					for (int64_t b = 0; b < 5; b++)
						want += el(in, (a * 5 + b) * n2 + c);
					if (op == AG_OP_MEAN) {
						char tmp[8];
						ag_store(tmp, dt, want);
						want = ag_load(tmp, dt) / 5;
						ag_store(tmp, dt, want);
						want = ag_load(tmp, dt);
					}
					if (got != want && fabs(got - want) > 1e-6) {
						diag("%s [%lld, %lld]: %.9g want %.9g",
						     ag_dtype_name(dt), (long long)a,
						     (long long)c, got, want);
						good = 0;
					}
				}
			ag_tensor_release(s);
		}
		ok(good, "%s over a middle dim, contiguous and strided (%s)",
		   op == AG_OP_MEAN ? "mean" : "sum", ag_dtype_name(dt));
		ag_tensor_release(sl);
		ag_tensor_release(x);
	}

	/* a 0-size reduced dim never reaches the row walk */
	ag_tensor *e = mk(AG_FLOAT32, SHAPE(0, 1500), NULL);
	ag_tensor *s = ag_reduce_dims(AG_OP_SUM, e, DIMS(0), false);
	ok(has_shape(s, SHAPE(1500)) && el(s, 1499) == 0, "column sums of [0, 1500]");
	ag_tensor_release(s);
	ag_tensor_release(e);
}

static void test_large(void)
{
	/* big enough to be split across threads (two parts at least) */
	const int64_t n = 1 << 22;
	ag_tensor *x = mk(AG_FLOAT32, SHAPE(n), NULL), *s;
	float *p = ag_data_ptr(x);

	for (int64_t i = 0; i < 1000000; i++)
		p[i] = 0.1f;
	ag_tensor *head = ag_narrow(x, 0, 0, 1000000);
	s = ag_sum(head);
	/* torch gives 100000.0078125; the exact sum rounds to 100000.0 and a
	 * naive float loop would drift to about 100958 */
	is_num(el(s, 0), 100000.0, 0.0079, "sum of 1e6 x 0.1f is accurate");
	ag_tensor_release(s);
	ag_tensor_release(head);

	double ref = 0;
	for (int64_t i = 0; i < n; i++)
		p[i] = (float)rnd();
	p[777777] = 5.0f;	/* a tie across the two halves: the first wins */
	p[3000000] = 5.0f;
	p[123] = -5.0f;
	for (int64_t i = 0; i < n; i++)
		ref += p[i];
	s = ag_sum(x);
	is_num(el(s, 0), ref, 1.3e-4, "large sum (split across threads) rounds once");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMAX, x);
	is_int(el_i64(s, 0), 777777, "large argmax keeps the first of ties");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MAX, x);
	is_num(el(s, 0), 5.0, 0, "large max");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MIN, x);
	is_num(el(s, 0), -5.0, 0, "large min");
	ag_tensor_release(s);

	/* many outputs: rows and columns of [4096, 1024] */
	ag_tensor *m = ag_view(x, SHAPE(4096, 1024)), *t = ag_t(m);
	s = ag_reduce_dims(AG_OP_SUM, m, DIMS(1), false);
	ag_tensor *s2 = ag_reduce_dims(AG_OP_SUM, t, DIMS(0), false);
	int good = s && s2 && has_shape(s, SHAPE(4096));
	for (int64_t r = 0; good && r < 4096; r++) {
		double want = 0;
		for (int64_t c = 0; c < 1024; c++)
			want += p[r * 1024 + c];
		good = fabs(el(s, r) - want) <= 1e-4 && el(s2, r) == el(s, r);
		if (!good)
			diag("row %lld: %g %g want %g", (long long)r, el(s, r),
			     el(s2, r), want);
	}
	ok(good, "row sums of a large matrix, also through its transpose");
	ag_tensor_release(s);
	ag_tensor_release(s2);
	s = ag_reduce_dims(AG_OP_SUM, m, DIMS(0), false);
	good = s && has_shape(s, SHAPE(1024));
	for (int64_t c = 0; good && c < 1024; c++) {
		double want = 0;
		for (int64_t r = 0; r < 4096; r++)
			want += p[r * 1024 + c];
		good = fabs(el(s, c) - want) <= 1e-4;
	}
	ok(good, "column sums of a large matrix");
	ag_tensor_release(s);
	ag_tensor *v = NULL, *ix = NULL;
	ok(ag_max_dim(t, 0, false, &v, &ix) == 0, "max(dim) of a large transpose");
	good = v && ix;
	for (int64_t r = 0; good && r < 4096; r++) {
		int64_t best = 0;
		for (int64_t c = 1; c < 1024; c++)
			if (p[r * 1024 + c] > p[r * 1024 + best])
				best = c;
		good = el_i64(ix, r) == best && el(v, r) == p[r * 1024 + best];
	}
	ok(good, "max(dim) values and indices of a large transpose");
	ag_tensor_release(v);
	ag_tensor_release(ix);
	ag_tensor_release(t);
	ag_tensor_release(m);

	/* a nan in the second half beats the min of the first */
	p[3500000] = NAN;
	p[4000000] = NAN;
	s = ag_reduce_all(AG_OP_ARGMIN, x);
	is_int(el_i64(s, 0), 3500000, "large argmin finds the first nan");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_MIN, x);
	ok(isnan(el(s, 0)), "large min propagates a late nan");
	ag_tensor_release(s);
	s = ag_reduce_all(AG_OP_ARGMAX, x);
	is_int(el_i64(s, 0), 3500000, "large argmax finds the first nan");
	ag_tensor_release(s);
	ag_tensor_release(x);
}

/* Reductions record PyTorch's backward nodes; check names and gradients. */
static void test_autograd(void)
{
	ag_tensor *x = mk(AG_FLOAT64, SHAPE(2, 3), (const double[]){ 1, 5, 2, 7, 3, 7 });
	ag_tensor *v = NULL, *ix = NULL;
	ag_set_requires_grad(x, true);
	ok(ag_max_dim(x, 1, false, &v, &ix) == 0, "max(dim) of a leaf");
	struct { ag_tensor *r; const char *name; } cases[] = {
		{ ag_sum(x), "SumBackward0" },
		{ ag_reduce_dims(AG_OP_SUM, x, DIMS(-1), false), "SumBackward1" },
		{ ag_reduce_dims(AG_OP_MEAN, x, DIMS(0), true), "MeanBackward1" },
		{ ag_reduce_all(AG_OP_MAX, x), "MaxBackward1" },
		{ ag_reduce_all(AG_OP_MIN, x), "MinBackward1" },
		{ v, "MaxBackward0" },
		{ ag_reduce_dims(AG_OP_ARGMAX, x, DIMS(0), false), "(none)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ag_node *n = cases[i].r ? ag_grad_fn(cases[i].r) : NULL;
		is_str(n ? ag_node_name(n) : "(none)", cases[i].name, "grad_fn of case %zu", i);
	}
	ok(ag_grad_fn(ix) == NULL, "max(dim) indices have no history");

	/* sum(max(x, 1).values): 1 at the first max of each row */
	ag_tensor *s = ag_sum(v);
	ok(s && ag_backward(&s, NULL, 1, false, false) == 0, "backward through max(dim)");
	values_are(x->grad, (const double[]){ 0, 1, 0, 1, 0, 0 }, 6, 0,
		   "max(dim) gradient goes to the first max");
	ag_tensor_release(s);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ag_tensor_release(cases[i].r);
	ag_tensor_release(ix);
	ag_tensor_release(x);

	/* mean over dim 0 of [2, 3]: 1/2 everywhere; a 0-d mean(0): 1 */
	x = mk(AG_FLOAT64, SHAPE(2, 3), (const double[]){ 1, 2, 3, 4, 5, 6 });
	ag_set_requires_grad(x, true);
	ag_tensor *m = ag_reduce_dims(AG_OP_MEAN, x, DIMS(-2), false);
	s = m ? ag_sum(m) : NULL;
	ok(s && ag_backward(&s, NULL, 1, false, false) == 0, "backward through mean(dim)");
	values_are(x->grad, (const double[]){ 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 }, 6, 0,
		   "mean(dim) gradient");
	ag_tensor_release(s);
	ag_tensor_release(m);
	ag_tensor_release(x);
	x = mk(AG_FLOAT64, NULL, 0, (const double[]){ 3 });
	ag_set_requires_grad(x, true);
	m = ag_reduce_dims(AG_OP_MEAN, x, DIMS(0), false);
	ok(m && ag_backward(&m, NULL, 1, false, false) == 0, "backward through 0-d mean(0)");
	values_are(x->grad, (const double[]){ 1 }, 1, 0, "0-d mean(0) gradient is 1");
	ag_tensor_release(m);
	ag_tensor_release(x);
}

/* --------------------------------------------------- torch fixture */

/*
 * Reductions of small tensors by torch 1.13, one case per kind out of 5720
 * generated (op x shape x dtype x layout x dims x keepdim).  Values are
 * v(i) = ((i * 7 + 3) % 11 - 5) / 4 in logical order: F float32, N float32
 * with nan at every i % 13 == 5, L int64 of 4 * v(i), B bool v(i) > 0;
 * t = 1 lays the tensor out with its first and last dims swapped.  dims
 * -1 means no dim argument (and for argmax dim=None).  Expected: the exact
 * error text, or the result's shape, dtype, sum and index-weighted sum
 * (sum of (i + 1) * r[i]), and the same two for max/min's indices.
 */
enum { F, N, L, B };

struct red_case {
	const char *op;
	int nd;
	int64_t shape[3];
	int t, dt, ndims;
	int dims[3];
	int keepdim;
	const char *err;
	int nr;
	int64_t rshape[3];
	ag_dtype rdt;
	double sum, wsum, isum, iwsum;
};

static const struct red_case red_cases[] = {
	{ "sum", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "sum", 0, { 0 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "sum", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "sum", 0, { 0 }, 0, F, 2, { 0, -1 }, 0,
	  .err = "dim 0 appears multiple times in the list of dims" },
	{ "mean", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "mean", 0, { 0 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "mean", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "mean", 0, { 0 }, 0, F, 2, { 0, -1 }, 0,
	  .err = "dim 0 appears multiple times in the list of dims" },
	{ "amax", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amax", 0, { 0 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amax", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "amax", 0, { 0 }, 0, F, 2, { 0, -1 }, 0,
	  .err = "dim 0 appears multiple times in the list of dims" },
	{ "amin", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amin", 0, { 0 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amin", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "amin", 0, { 0 }, 0, F, 2, { 0, -1 }, 0,
	  .err = "dim 0 appears multiple times in the list of dims" },
	{ "argmax", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, F, -1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, F, 1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "argmin", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, F, -1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, F, 1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "max", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "max", 0, { 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0.0, 0.0 },
	{ "max", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "min", 0, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "min", 0, { 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0.0, 0.0 },
	{ "min", 0, { 0 }, 0, F, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "sum", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "sum", 0, { 0 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "mean", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "mean", 0, { 0 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amax", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amax", 0, { 0 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amin", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "amin", 0, { 0 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "argmax", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, N, -1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, N, 1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, N, -1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, N, 1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "max", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "max", 0, { 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0.0, 0.0 },
	{ "min", 0, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0, 0 },
	{ "min", 0, { 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.5, -0.5, 0.0, 0.0 },
	{ "sum", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "sum", 0, { 0 }, 0, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "mean", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  .err = "mean(): could not infer output dtype. Input dtype must be "
		"either a floating point or complex dtype. Got: Long" },
	{ "amax", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "amax", 0, { 0 }, 0, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "amin", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "amin", 0, { 0 }, 0, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, L, -1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 0, { 0 }, 0, L, 1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, L, -1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 0, { 0 }, 0, L, 1, { 0 }, 1,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "max", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "max", 0, { 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0.0, 0.0 },
	{ "min", 0, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0, 0 },
	{ "min", 0, { 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -2.0, -2.0, 0.0, 0.0 },
	{ "sum", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "sum", 0, { 0 }, 0, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "sum", 0, { 0 }, 0, B, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "sum", 0, { 0 }, 0, B, 2, { 0, -1 }, 0,
	  .err = "dim 0 appears multiple times in the list of dims" },
	{ "mean", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  .err = "mean(): could not infer output dtype. Input dtype must be "
		"either a floating point or complex dtype. Got: Bool" },
	{ "amax", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "amax", 0, { 0 }, 0, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "amax", 0, { 0 }, 0, B, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "amax", 0, { 0 }, 0, B, 2, { 0, -1 }, 0,
	  .err = "dim 0 appears multiple times in the list of dims" },
	{ "amin", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "amin", 0, { 0 }, 0, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "amin", 0, { 0 }, 0, B, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "amin", 0, { 0 }, 0, B, 2, { 0, -1 }, 0,
	  .err = "dim 0 appears multiple times in the list of dims" },
	{ "argmax", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  .err = "\"argmax_cpu\" not implemented for 'Bool'" },
	{ "argmax", 0, { 0 }, 0, B, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "argmin", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  .err = "\"argmin_cpu\" not implemented for 'Bool'" },
	{ "argmin", 0, { 0 }, 0, B, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "max", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "max", 0, { 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0.0, 0.0 },
	{ "max", 0, { 0 }, 0, B, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "min", 0, { 0 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "min", 0, { 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0.0, 0.0 },
	{ "min", 0, { 0 }, 0, B, 1, { 1 }, 0,
	  .err = "Dimension out of range (expected to be in range of [-1, 0], "
		"but got 1)" },
	{ "sum", 1, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.0, 0.0, 0, 0 },
	{ "sum", 1, { 0 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.0, 0.0, 0, 0 },
	{ "mean", 1, { 0 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "mean", 1, { 0 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "amax", 1, { 0 }, 0, F, 0, { 0 }, 0,
	  .err = "amax(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "amin", 1, { 0 }, 0, F, 0, { 0 }, 0,
	  .err = "amin(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "argmax", 1, { 0 }, 0, F, -1, { 0 }, 0,
	  .err = "argmax(): Expected reduction dim to be specified for "
		"input.numel() == 0." },
	{ "argmin", 1, { 0 }, 0, F, -1, { 0 }, 0,
	  .err = "argmin(): Expected reduction dim to be specified for "
		"input.numel() == 0." },
	{ "max", 1, { 0 }, 0, F, -1, { 0 }, 0,
	  .err = "max(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "min", 1, { 0 }, 0, F, -1, { 0 }, 0,
	  .err = "min(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "sum", 1, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.0, 0.0, 0, 0 },
	{ "sum", 1, { 0 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.0, 0.0, 0, 0 },
	{ "mean", 1, { 0 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "mean", 1, { 0 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "sum", 1, { 0 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "sum", 1, { 0 }, 0, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "sum", 1, { 0 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "sum", 1, { 0 }, 0, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "amax", 1, { 0 }, 0, B, 0, { 0 }, 0,
	  .err = "amax(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "amin", 1, { 0 }, 0, B, 0, { 0 }, 0,
	  .err = "amin(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "argmax", 1, { 0 }, 0, B, -1, { 0 }, 0,
	  .err = "argmax(): Expected reduction dim to be specified for "
		"input.numel() == 0." },
	{ "argmin", 1, { 0 }, 0, B, -1, { 0 }, 0,
	  .err = "argmin(): Expected reduction dim to be specified for "
		"input.numel() == 0." },
	{ "max", 1, { 0 }, 0, B, -1, { 0 }, 0,
	  .err = "max(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "min", 1, { 0 }, 0, B, -1, { 0 }, 0,
	  .err = "min(): Expected reduction dim to be specified for "
		"input.numel() == 0. Specify the reduction dim with the "
		"'dim' argument." },
	{ "sum", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "sum", 1, { 5 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "mean", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.25, 0.25, 0, 0 },
	{ "mean", 1, { 5 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.25, 0.25, 0, 0 },
	{ "amax", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "amax", 1, { 5 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "amin", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "amin", 1, { 5 }, 0, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "argmax", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, F, -1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, F, 1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, F, -1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, F, 1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "max", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "max", 1, { 5 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 1.0, 1.0 },
	{ "min", 1, { 5 }, 0, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "min", 1, { 5 }, 0, F, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 3.0, 3.0 },
	{ "sum", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "sum", 1, { 5 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "mean", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.25, 0.25, 0, 0 },
	{ "mean", 1, { 5 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.25, 0.25, 0, 0 },
	{ "amax", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "amax", 1, { 5 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "amin", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "amin", 1, { 5 }, 0, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "argmax", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, N, -1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, N, 1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, N, -1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, N, 1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "max", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "max", 1, { 5 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 1.0, 1.0 },
	{ "min", 1, { 5 }, 0, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "min", 1, { 5 }, 0, N, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 3.0, 3.0 },
	{ "sum", 1, { 5 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "sum", 1, { 5 }, 0, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "amax", 1, { 5 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "amax", 1, { 5 }, 0, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "amin", 1, { 5 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -3.0, -3.0, 0, 0 },
	{ "amin", 1, { 5 }, 0, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -3.0, -3.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, L, -1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 1, { 5 }, 0, L, 1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, L, -1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 1, { 5 }, 0, L, 1, { 0 }, 1,
	  NULL, 1, { 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "max", 1, { 5 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "max", 1, { 5 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 1.0, 1.0 },
	{ "min", 1, { 5 }, 0, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -3.0, -3.0, 0, 0 },
	{ "min", 1, { 5 }, 0, L, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -3.0, -3.0, 3.0, 3.0 },
	{ "sum", 1, { 5 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "sum", 1, { 5 }, 0, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "amax", 1, { 5 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 1.0, 1.0, 0, 0 },
	{ "amax", 1, { 5 }, 0, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 1.0, 1.0, 0, 0 },
	{ "amin", 1, { 5 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "amin", 1, { 5 }, 0, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "max", 1, { 5 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 1.0, 1.0, 0, 0 },
	{ "max", 1, { 5 }, 0, B, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 1.0, 1.0, 1.0, 1.0 },
	{ "min", 1, { 5 }, 0, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "min", 1, { 5 }, 0, B, 1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0.0, 0.0 },
	{ "sum", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "sum", 2, { 2, 3 }, 1, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "mean", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.2083333283662796, 0.2083333283662796, 0, 0 },
	{ "mean", 2, { 2, 3 }, 1, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 0.2083333283662796, 0.2083333283662796, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, F, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, F, -1, { 0 }, 1,
	  NULL, 2, { 1, 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, F, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, F, 1, { 0 }, 1,
	  NULL, 2, { 1, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, F, -1, { 0 }, 1,
	  NULL, 2, { 1, 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, F, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 3.0, 6.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, F, 1, { 0 }, 1,
	  NULL, 2, { 1, 3 }, AG_INT64, 3.0, 6.0, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, 1.25, 1.25, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, F, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_FLOAT32, 1.0, 2.75, 0.0, 0.0 },
	{ "min", 2, { 2, 3 }, 1, F, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, -0.75, -0.75, 0, 0 },
	{ "min", 2, { 2, 3 }, 1, F, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_FLOAT32, 0.25, 1.25, 3.0, 6.0 },
	{ "sum", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "sum", 2, { 2, 3 }, 1, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "mean", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "mean", 2, { 2, 3 }, 1, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, N, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, N, -1, { 0 }, 1,
	  NULL, 2, { 1, 1 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, N, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 1.0, 3.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, N, 1, { 0 }, 1,
	  NULL, 2, { 1, 3 }, AG_INT64, 1.0, 3.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, N, -1, { 0 }, 1,
	  NULL, 2, { 1, 1 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, N, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 3.0, 6.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, N, 1, { 0 }, 1,
	  NULL, 2, { 1, 3 }, AG_INT64, 3.0, 6.0, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, N, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_FLOAT32, NAN, NAN, 1.0, 3.0 },
	{ "min", 2, { 2, 3 }, 1, N, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_FLOAT32, NAN, NAN, 0, 0 },
	{ "min", 2, { 2, 3 }, 1, N, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_FLOAT32, NAN, NAN, 3.0, 6.0 },
	{ "sum", 2, { 2, 3 }, 1, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "sum", 2, { 2, 3 }, 1, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -3.0, -3.0, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, L, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -3.0, -3.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, L, -1, { 0 }, 1,
	  NULL, 2, { 1, 1 }, AG_INT64, 1.0, 1.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, L, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 2, { 2, 3 }, 1, L, 1, { 0 }, 1,
	  NULL, 2, { 1, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, L, -1, { 0 }, 1,
	  NULL, 2, { 1, 1 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, L, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 3.0, 6.0, 0, 0 },
	{ "argmin", 2, { 2, 3 }, 1, L, 1, { 0 }, 1,
	  NULL, 2, { 1, 3 }, AG_INT64, 3.0, 6.0, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 5.0, 5.0, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, L, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 4.0, 11.0, 0.0, 0.0 },
	{ "min", 2, { 2, 3 }, 1, L, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, -3.0, -3.0, 0, 0 },
	{ "min", 2, { 2, 3 }, 1, L, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_INT64, 1.0, 5.0, 3.0, 6.0 },
	{ "sum", 2, { 2, 3 }, 1, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "sum", 2, { 2, 3 }, 1, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_INT64, 3.0, 3.0, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 1.0, 1.0, 0, 0 },
	{ "amax", 2, { 2, 3 }, 1, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 1.0, 1.0, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "amin", 2, { 2, 3 }, 1, B, 0, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 1.0, 1.0, 0, 0 },
	{ "max", 2, { 2, 3 }, 1, B, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_BOOL, 2.0, 5.0, 0.0, 0.0 },
	{ "min", 2, { 2, 3 }, 1, B, -1, { 0 }, 0,
	  NULL, 0, { 0 }, AG_BOOL, 0.0, 0.0, 0, 0 },
	{ "min", 2, { 2, 3 }, 1, B, 1, { 0 }, 0,
	  NULL, 1, { 3 }, AG_BOOL, 1.0, 2.0, 1.0, 3.0 },
	{ "amax", 2, { 3, 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "amin", 2, { 3, 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, F, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, F, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "max", 2, { 3, 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "min", 2, { 3, 0 }, 0, F, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "amax", 2, { 3, 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "amin", 2, { 3, 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, N, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, N, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "max", 2, { 3, 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "min", 2, { 3, 0 }, 0, N, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_FLOAT32, 0, 0, 0, 0 },
	{ "amax", 2, { 3, 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "amin", 2, { 3, 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, L, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, L, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "max", 2, { 3, 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "min", 2, { 3, 0 }, 0, L, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "amax", 2, { 3, 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_BOOL, 0, 0, 0, 0 },
	{ "amin", 2, { 3, 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_BOOL, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmax", 2, { 3, 0 }, 0, B, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "argmin", 2, { 3, 0 }, 0, B, 1, { 0 }, 1,
	  NULL, 2, { 1, 0 }, AG_INT64, 0, 0, 0, 0 },
	{ "max", 2, { 3, 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_BOOL, 0, 0, 0, 0 },
	{ "min", 2, { 3, 0 }, 0, B, 1, { 0 }, 0,
	  NULL, 1, { 0 }, AG_BOOL, 0, 0, 0, 0 },
	{ "argmax", 3, { 4, 1, 3 }, 0, B, 1, { 1 }, 0,
	  NULL, 2, { 4, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 3, { 4, 1, 3 }, 0, B, 1, { 1 }, 1,
	  NULL, 3, { 4, 1, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 3, { 4, 1, 3 }, 0, B, 1, { 1 }, 0,
	  NULL, 2, { 4, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 3, { 4, 1, 3 }, 0, B, 1, { 1 }, 1,
	  NULL, 3, { 4, 1, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 3, { 4, 1, 3 }, 1, B, 1, { 1 }, 0,
	  NULL, 2, { 4, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmax", 3, { 4, 1, 3 }, 1, B, 1, { 1 }, 1,
	  NULL, 3, { 4, 1, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 3, { 4, 1, 3 }, 1, B, 1, { 1 }, 0,
	  NULL, 2, { 4, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
	{ "argmin", 3, { 4, 1, 3 }, 1, B, 1, { 1 }, 1,
	  NULL, 3, { 4, 1, 3 }, AG_INT64, 0.0, 0.0, 0, 0 },
};

static ag_tensor *fixture_input(const struct red_case *c)
{
	static const ag_dtype dts[] = { AG_FLOAT32, AG_FLOAT32, AG_INT64, AG_BOOL };
	int64_t s2[3];
	ag_tensor *raw, *x;

	memcpy(s2, c->shape, sizeof s2);
	if (c->t) {
		s2[0] = c->shape[c->nd - 1];
		s2[c->nd - 1] = c->shape[0];
	}
	raw = ag_tensor_alloc(s2, c->nd, dts[c->dt]);
	x = c->t ? ag_transpose(raw, 0, c->nd - 1) : (ag_tensor_retain(raw), raw);
	ag_tensor_release(raw);
	for (int64_t i = 0; i < ag_numel(x); i++) {
		double v = ((i * 7 + 3) % 11 - 5) / 4.0;
		int64_t off = 0, r = i;
		for (int d = x->ndim - 1; d >= 0; d--) {
			off += (r % x->shape[d]) * x->stride[d];
			r /= x->shape[d];
		}
		if (c->dt == B)
			v = v > 0;
		else if (c->dt == L)
			v = 4 * v;
		else if (c->dt == N && i % 13 == 5)
			v = NAN;
		ag_store((char *)ag_data_ptr(x) + off * (int64_t)ag_dtype_size(x->dtype),
			 x->dtype, v);
	}
	return x;
}

static bool near(double got, double want)
{
	return (isnan(got) && isnan(want)) || fabs(got - want) < 1e-4;
}

/* Shape, dtype and both sums of r against the fixture. */
static bool matches(const ag_tensor *r, const struct red_case *c,
		    ag_dtype dt, double sum, double wsum)
{
	double s = 0, w = 0;
	if (!has_shape(r, c->rshape, c->nr) || r->dtype != dt)
		return false;
	for (int64_t i = 0; i < ag_numel(r); i++) {
		s += el(r, i);
		w += (double)(i + 1) * el(r, i);
	}
	return near(s, sum) && near(w, wsum);
}

static void test_fixture(void)
{
	size_t n = sizeof red_cases / sizeof red_cases[0];
	int bad = 0;

	for (size_t k = 0; k < n; k++) {
		const struct red_case *c = &red_cases[k];
		ag_tensor *x = fixture_input(c), *r = NULL, *ix = NULL;
		bool pair = !strcmp(c->op, "max") || !strcmp(c->op, "min");
		ag_op op = !strcmp(c->op, "sum") ? AG_OP_SUM
				: !strcmp(c->op, "mean") ? AG_OP_MEAN
				: !strcmp(c->op, "argmax") ? AG_OP_ARGMAX
				: !strcmp(c->op, "argmin") ? AG_OP_ARGMIN
				: strstr(c->op, "max") ? AG_OP_MAX : AG_OP_MIN;
		bool good;

		if (pair && c->ndims == 1)
			(op == AG_OP_MAX ? ag_max_dim : ag_min_dim)(x, c->dims[0],
				c->keepdim, &r, &ix);
		else if (c->ndims < 0 && op != AG_OP_ARGMAX && op != AG_OP_ARGMIN)
			r = ag_reduce_all(op, x);
		else
			r = ag_reduce_dims(op, x, c->dims, c->ndims < 0 ? 0 : c->ndims,
					   c->keepdim);
		if (c->err)
			good = !r && !strcmp(ag_error_message(), c->err);
		else
			good = matches(r, c, c->rdt, c->sum, c->wsum) &&
			       (!ix || matches(ix, c, AG_INT64, c->isum, c->iwsum));
		if (!good) {
			diag("fixture case %zu (%s): %s", k, c->op,
			     r ? "wrong result" : ag_error_message());
			bad++;
		}
		ag_error_clear();
		ag_tensor_release(r);
		ag_tensor_release(ix);
		ag_tensor_release(x);
	}
	ok(bad == 0, "reductions agree with torch on %zu fixture cases", n);
}

int main(void)
{
	plan_lazy();
	test_sum_dtypes();
	test_half();
	test_dims();
	test_nan_and_ties();
	test_empty();
	test_zero_d();
	test_strided();
	test_columns();
	test_large();
	test_autograd();
	test_fixture();
	ok(ag_reduce_all(AG_OP_SUM, NULL) == NULL, "a NULL input is an error");
	ag_error_clear();
	return done_testing();
}
