/*
 * test_linalg.c - mm, bmm, mv, dot and matmul against PyTorch 1.13.
 *
 * Shapes, small exact results and every error text come from torch 1.13
 * (fixtures below); random products are checked against a plain
 * double-precision triple loop, through strided, transposed and expanded
 * operands, so both the CBLAS path and the builtin kernel are exercised
 * (configure --without-blas builds the latter only).
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

static ag_tensor *mk(ag_dtype dt, const int64_t *shape, int ndim,
		     const double *v)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	for (int64_t i = 0; v && i < ag_numel(t); i++)
		ag_store((char *)ag_data_ptr(t) + i * (int64_t)ag_dtype_size(dt),
			 dt, v[i]);
	return t;
}

/* (arange(n) * scale + shift) in the given shape. */
static ag_tensor *ramp(ag_dtype dt, const int64_t *shape, int ndim,
		       double scale, double shift)
{
	ag_tensor *t = mk(dt, shape, ndim, NULL);
	for (int64_t i = 0; i < ag_numel(t); i++)
		ag_store((char *)ag_data_ptr(t) + i * (int64_t)ag_dtype_size(dt),
			 dt, (double)i * scale + shift);
	return t;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0 * 2 - 1;
}

static ag_tensor *rand_t(ag_dtype dt, const int64_t *shape, int ndim)
{
	ag_tensor *t = mk(dt, shape, ndim, NULL);
	for (int64_t i = 0; i < ag_numel(t); i++)
		ag_store((char *)ag_data_ptr(t) + i * (int64_t)ag_dtype_size(dt),
			 dt, dt == AG_INT64 ? floor(rnd() * 100) : rnd());
	return t;
}

static int64_t offset_of(const ag_tensor *t, int64_t i)
{
	int64_t off = 0;
	for (int d = t->ndim - 1; d >= 0; d--) {
		off += (i % t->shape[d]) * t->stride[d];
		i /= t->shape[d];
	}
	return off;
}

/* Element (i, j) of the matrix at batch b of a 2-d or 3-d tensor. */
static double mat_el(const ag_tensor *t, int64_t b, int64_t i, int64_t j)
{
	int64_t off = t->ndim == 3 ? b * t->stride[0] : 0;
	int r = t->ndim - 2;
	off += i * t->stride[r] + j * t->stride[r + 1];
	return ag_load((const char *)ag_data_ptr(t) +
		       off * (int64_t)ag_dtype_size(t->dtype), t->dtype);
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
	if (!t)
		diag("%s: %s", what, ag_error_message());
	for (int64_t i = 0; good && i < n; i++) {
		double g = el(t, i);
		if (!(g == want[i] || fabs(g - want[i]) <= tol)) {
			diag("%s: element %lld is %.9g, want %.9g", what,
			     (long long)i, g, want[i]);
			good = 0;
		}
	}
	ok(good, "%s", what);
}

/* r == a @ b (2-d or 3-d with equal batch) by a double triple loop. */
static void product_is(const ag_tensor *r, const ag_tensor *a,
		       const ag_tensor *b, double rtol, const char *what)
{
	int64_t nb = a->ndim == 3 ? a->shape[0] : 1;
	int64_t M = a->shape[a->ndim - 2], K = a->shape[a->ndim - 1];
	int64_t N = b->shape[b->ndim - 1];
	int good = r && ag_is_contiguous(r) && r->dtype == a->dtype;

	if (!r)
		diag("%s: %s", what, ag_error_message());
	for (int64_t q = 0; good && q < nb; q++)
		for (int64_t i = 0; good && i < M; i++)
			for (int64_t j = 0; good && j < N; j++) {
				double want = 0, mag = 0;
				for (int64_t k = 0; k < K; k++) {
					double x = mat_el(a, q, i, k) * mat_el(b, q, k, j);
					want += x;
					mag += fabs(x);
				}
				double got = mat_el(r, q, i, j);
				if (fabs(got - want) > rtol * (mag + 1)) {
					diag("%s: [%lld,%lld,%lld] = %.9g, want %.9g",
					     what, (long long)q, (long long)i,
					     (long long)j, got, want);
					good = 0;
				}
			}
	ok(good, "%s", what);
}

static void fails_with(ag_tensor *r, const char *want, const char *what)
{
	ok(r == NULL, "%s fails", what);
	is_str(ag_error_message(), want, "%s: message", what);
	ag_tensor_release(r);
	ag_error_clear();
}

/* --------------------------------------------------------------- tests */

static void test_mm_values(void)
{
	/* torch: (arange(6).reshape(2,3) - 2) @ (arange(12).reshape(3,4)*3 - 7) */
	ag_tensor *a = ramp(AG_INT64, SHAPE(2, 3), 1, -2);
	ag_tensor *b = ramp(AG_INT64, SHAPE(3, 4), 3, -7);
	ag_tensor *r = ag_mm(a, b);
	ok(has_shape(r, SHAPE(2, 4)) && r->dtype == AG_INT64, "int64 mm shape and dtype");
	values_are(r, (const double[]){ 9, 0, -9, -18, 54, 72, 90, 108 }, 8, 0,
		   "int64 mm (torch fixture)");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	/* int64 products wrap like torch: [[2^62, 3]] @ [[4], [1]] = [[3]] */
	a = ag_tensor_alloc(SHAPE(1, 2), AG_INT64);
	((int64_t *)ag_data_ptr(a))[0] = 1LL << 62;
	((int64_t *)ag_data_ptr(a))[1] = 3;
	b = mk(AG_INT64, SHAPE(2, 1), (const double[]){ 4, 1 });
	r = ag_mm(a, b);
	ok(r && ((int64_t *)ag_data_ptr(r))[0] == 3, "int64 mm wraps (torch fixture)");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	for (int dt = AG_FLOAT32; dt <= AG_FLOAT64; dt++) {
		double tol = dt == AG_FLOAT32 ? 1e-5 : 1e-12;
		const char *name = ag_dtype_name((ag_dtype)dt);
		a = rand_t((ag_dtype)dt, SHAPE(37, 29));
		b = rand_t((ag_dtype)dt, SHAPE(29, 41));
		r = ag_mm(a, b);
		product_is(r, a, b, tol, name);
		ag_tensor_release(r);

		/* transposed-contiguous operands (CblasTrans, no copy) */
		ag_tensor *at_ = rand_t((ag_dtype)dt, SHAPE(29, 37));
		ag_tensor *bt_ = rand_t((ag_dtype)dt, SHAPE(41, 29));
		ag_tensor *ta = ag_t(at_), *tb = ag_t(bt_);
		r = ag_mm(ta, b);
		product_is(r, ta, b, tol, "transposed left operand");
		ag_tensor_release(r);
		r = ag_mm(a, tb);
		product_is(r, a, tb, tol, "transposed right operand");
		ag_tensor_release(r);
		r = ag_mm(ta, tb);
		product_is(r, ta, tb, tol, "both operands transposed");
		ag_tensor_release(r);

		/* a column slice (leading dimension larger than the width) and a
		 * stepped slice (needs a copy) */
		ag_tensor *wide = rand_t((ag_dtype)dt, SHAPE(37, 60));
		ag_tensor *cols = ag_narrow(wide, 1, 5, 29);
		ag_tensor *step = ag_slice(wide, 1, 0, 58, 2);
		r = ag_mm(cols, b);
		product_is(r, cols, b, tol, "narrowed operand");
		ag_tensor_release(r);
		ag_tensor *tall = rand_t((ag_dtype)dt, SHAPE(29, 29));
		r = ag_mm(step, tall);
		product_is(r, step, tall, tol, "stepped-slice operand");
		ag_tensor_release(r);

		/* an expanded operand (stride 0) */
		ag_tensor *row = rand_t((ag_dtype)dt, SHAPE(1, 41));
		ag_tensor *ex = ag_expand(row, SHAPE(29, 41));
		r = ag_mm(a, ex);
		product_is(r, a, ex, tol, "expanded operand");
		ag_tensor_release(r);

		/* bigger than one block of the builtin kernel in every dim */
		ag_tensor *big_a = rand_t((ag_dtype)dt, SHAPE(131, 300));
		ag_tensor *big_b = rand_t((ag_dtype)dt, SHAPE(300, 67));
		r = ag_mm(big_a, big_b);
		product_is(r, big_a, big_b, tol, "multi-block product");
		ag_tensor_release(r);

		ag_tensor_release(big_a);
		ag_tensor_release(big_b);
		ag_tensor_release(ex);
		ag_tensor_release(row);
		ag_tensor_release(tall);
		ag_tensor_release(step);
		ag_tensor_release(cols);
		ag_tensor_release(wide);
		ag_tensor_release(ta);
		ag_tensor_release(tb);
		ag_tensor_release(at_);
		ag_tensor_release(bt_);
		ag_tensor_release(a);
		ag_tensor_release(b);
	}

	ag_tensor *ia = rand_t(AG_INT64, SHAPE(70, 9)), *ib = rand_t(AG_INT64, SHAPE(13, 9));
	ag_tensor *tib = ag_t(ib);
	r = ag_mm(ia, tib);
	product_is(r, ia, tib, 0, "int64 mm with a transposed operand");
	ag_tensor_release(r);
	ag_tensor_release(tib);
	ag_tensor_release(ia);
	ag_tensor_release(ib);
}

static void test_half(void)
{
	const double h[] = { 0.1, 0.2, 0.3, 1.5, -2.25, 3.0 };
	const double g[] = { 1.1, -0.7, 0.33, 2.0, -1.25, 0.5 };
	ag_tensor *a = mk(AG_FLOAT16, SHAPE(2, 3), h), *b = mk(AG_FLOAT16, SHAPE(3, 2), g);
	/* float16 as bfloat16 (issue 13): float32 products of the float16
	 * values, rounded on store; the values are PyTorch's
	 * (a.float() @ b.float()).half() */
	const double want16[] = { -0.1990966796875, 0.47998046875, -2.84375,
				  -4.05078125 };
	ag_tensor *r = ag_mm(a, b);
	ok(r && r->dtype == AG_FLOAT16, "float16 mm stays float16");
	values_are(r, want16, 4, 0, "float16 mm: float32's product rounded");
	ag_tensor_release(r);
	ag_tensor *a3 = ag_unsqueeze(a, 0), *bt3 = ag_unsqueeze(b, 0);
	r = ag_bmm(a3, bt3);
	ok(r && r->dtype == AG_FLOAT16, "float16 bmm stays float16");
	values_are(r, want16, 4, 0, "float16 bmm: float32's product rounded");
	ag_tensor_release(r);
	ag_tensor_release(a3);
	ag_tensor_release(bt3);
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = mk(AG_BFLOAT16, SHAPE(2, 3), h);
	b = mk(AG_BFLOAT16, SHAPE(3, 2), g);
	ag_tensor *tb = ag_t(b);
	ag_tensor *bt = ag_contiguous(tb), *btt = ag_t(bt);
	r = ag_mm(a, btt);
	ok(r && r->dtype == AG_BFLOAT16, "bfloat16 mm stays bfloat16");
	values_are(r, (const double[]){ -0.19921875, 0.48046875, -2.84375, -4.0625 },
		   4, 0, "bfloat16 mm, transposed operand (torch fixture)");
	ag_tensor_release(r);
	r = ag_matmul(a, b);
	values_are(r, (const double[]){ -0.19921875, 0.48046875, -2.84375, -4.0625 },
		   4, 0, "bfloat16 matmul (torch fixture)");
	ag_tensor_release(r);
	ag_tensor_release(btt);
	ag_tensor_release(bt);
	ag_tensor_release(tb);
	ag_tensor_release(a);
	ag_tensor_release(b);
}

static void test_empty(void)
{
	ag_tensor *a = rand_t(AG_FLOAT32, SHAPE(2, 0)), *b = rand_t(AG_FLOAT32, SHAPE(0, 3));
	ag_tensor *r = ag_mm(a, b);
	ok(has_shape(r, SHAPE(2, 3)), "k = 0 mm shape");
	values_are(r, (const double[]){ 0, 0, 0, 0, 0, 0 }, 6, 0, "k = 0 gives zeros");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = rand_t(AG_INT64, SHAPE(0, 4));
	b = rand_t(AG_INT64, SHAPE(4, 3));
	r = ag_mm(a, b);
	ok(has_shape(r, SHAPE(0, 3)), "m = 0 mm is empty");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = rand_t(AG_FLOAT64, SHAPE(0));
	b = rand_t(AG_FLOAT64, SHAPE(0));
	r = ag_matmul(a, b);
	ok(r && r->ndim == 0 && el(r, 0) == 0, "empty dot is a 0-d zero");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = rand_t(AG_FLOAT32, SHAPE(2, 2, 0));
	b = rand_t(AG_FLOAT32, SHAPE(2, 0, 4));
	r = ag_bmm(a, b);
	ok(has_shape(r, SHAPE(2, 2, 4)), "k = 0 bmm shape");
	values_are(r, (const double[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		   16, 0, "k = 0 bmm gives zeros");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = rand_t(AG_FLOAT32, SHAPE(0, 2, 3));
	b = rand_t(AG_FLOAT32, SHAPE(0, 3, 4));
	r = ag_bmm(a, b);
	ok(has_shape(r, SHAPE(0, 2, 4)), "empty batch bmm");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = rand_t(AG_FLOAT32, SHAPE(3, 5, 0));
	b = rand_t(AG_FLOAT32, SHAPE(0, 0));
	r = ag_matmul(a, b);
	ok(has_shape(r, SHAPE(3, 5, 0)), "[3, 5, 0] @ [0, 0] (torch)");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = rand_t(AG_FLOAT32, SHAPE(2, 0, 3));
	b = rand_t(AG_FLOAT32, SHAPE(3, 4));
	r = ag_matmul(a, b);
	ok(has_shape(r, SHAPE(2, 0, 4)), "[2, 0, 3] @ [3, 4] (torch)");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);
}

static void test_bmm(void)
{
	ag_tensor *a = rand_t(AG_FLOAT32, SHAPE(4, 5, 6)), *b = rand_t(AG_FLOAT32, SHAPE(4, 6, 3));
	ag_tensor *r = ag_bmm(a, b);
	ok(has_shape(r, SHAPE(4, 5, 3)), "bmm shape");
	product_is(r, a, b, 1e-5, "bmm values");
	ag_tensor_release(r);

	/* a batch-expanded operand and per-batch transposed matrices */
	ag_tensor *one = rand_t(AG_FLOAT32, SHAPE(1, 6, 3));
	ag_tensor *ex = ag_expand(one, SHAPE(4, 6, 3));
	r = ag_bmm(a, ex);
	product_is(r, a, ex, 1e-5, "bmm with a stride-0 batch");
	ag_tensor_release(r);
	ag_tensor *raw = rand_t(AG_FLOAT64, SHAPE(4, 6, 5));
	ag_tensor *tr = ag_transpose(raw, 1, 2);
	ag_tensor *b64 = rand_t(AG_FLOAT64, SHAPE(4, 6, 2));
	r = ag_bmm(tr, b64);
	product_is(r, tr, b64, 1e-12, "bmm with transposed matrices");
	ag_tensor_release(r);
	ag_tensor *ia = rand_t(AG_INT64, SHAPE(3, 2, 4)), *ib = rand_t(AG_INT64, SHAPE(3, 4, 5));
	r = ag_bmm(ia, ib);
	product_is(r, ia, ib, 0, "int64 bmm");
	ag_tensor_release(r);
	ag_tensor_release(ia);
	ag_tensor_release(ib);
	ag_tensor_release(b64);
	ag_tensor_release(tr);
	ag_tensor_release(raw);
	ag_tensor_release(ex);
	ag_tensor_release(one);
	ag_tensor_release(a);
	ag_tensor_release(b);
}

/* matmul: torch's shape rules, values from torch where they are not a
 * plain product. */
static void test_matmul(void)
{
	ag_tensor *a, *b, *r;

	a = ramp(AG_FLOAT32, SHAPE(3), 1, 1);
	b = ramp(AG_FLOAT32, SHAPE(3), -1, 2);
	r = ag_matmul(a, b);
	ok(r && r->ndim == 0, "1-d @ 1-d is 0-d");
	values_are(r, (const double[]){ 1 * 2 + 2 * 1 + 3 * 0 }, 1, 0, "dot value");
	ag_tensor_release(r);
	ag_tensor_release(b);

	b = ramp(AG_FLOAT32, SHAPE(3, 2), 1, 0);
	r = ag_matmul(a, b);
	ok(has_shape(r, SHAPE(2)), "1-d @ 2-d squeezes to [2]");
	values_are(r, (const double[]){ 16, 22 }, 2, 0, "1-d @ 2-d values");
	ag_tensor_release(r);
	ag_tensor *bt = ag_t(b);
	r = ag_matmul(bt, a);
	ok(has_shape(r, SHAPE(2)), "2-d @ 1-d is [2]");
	values_are(r, (const double[]){ 16, 22 }, 2, 0, "2-d @ 1-d values (transposed matrix)");
	ag_tensor_release(r);
	ag_tensor_release(bt);
	ag_tensor_release(b);
	ag_tensor_release(a);

	/* torch: ((arange(12).reshape(2,1,2,3) - 5) / 4) @ (arange(18).reshape(3,3,2) * .5 - 3) */
	a = ramp(AG_FLOAT32, SHAPE(2, 1, 2, 3), 0.25, -1.25);
	b = ramp(AG_FLOAT32, SHAPE(3, 3, 2), 0.5, -3);
	r = ag_matmul(a, b);
	ok(has_shape(r, SHAPE(2, 3, 2, 2)), "broadcast batch [2,1] x [3] -> [2,3]");
	values_are(r, (const double[]){ 6.5, 5.0, 2.0, 1.625, -2.5, -4.0, -0.25, -0.625,
		-11.5, -13.0, -2.5, -2.875, -2.5, -1.75, -7.0, -5.125, 2.0, 2.75,
		4.25, 6.125, 6.5, 7.25, 15.5, 17.375 }, 24, 1e-6,
		"4-d @ 3-d broadcast (torch fixture)");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);

	/* torch: (arange(6).reshape(2,3) - 2) @ (arange(24).reshape(4,3,2) / 3) */
	a = ramp(AG_FLOAT32, SHAPE(2, 3), 1, -2);
	b = ramp(AG_FLOAT32, SHAPE(4, 3, 2), 1.0 / 3, 0);
	r = ag_matmul(a, b);
	ok(has_shape(r, SHAPE(4, 2, 2)) && ag_is_contiguous(r),
	   "2-d @ 3-d folds through a transpose, contiguous result");
	values_are(r, (const double[]){ -0.6666666865348816, -1.6666667461395264,
		5.333333492279053, 7.3333330154418945, -6.6666669845581055,
		-7.666666507720947, 17.33333396911621, 19.33333396911621,
		-12.666666030883789, -13.666666984558105, 29.33333396911621,
		31.33333396911621, -18.66666603088379, -19.666667938232422,
		41.33333206176758, 43.33333206176758 }, 16, 1e-5,
		"2-d @ 3-d (torch fixture)");
	ag_tensor_release(r);
	ag_tensor_release(a);

	a = mk(AG_FLOAT32, SHAPE(3), (const double[]){ 1, -2, 0.5 });
	ag_tensor *b3 = ramp(AG_FLOAT32, SHAPE(4, 3, 2), 1, 0);
	r = ag_matmul(a, b3);
	ok(has_shape(r, SHAPE(4, 2)), "1-d @ 3-d is [4, 2]");
	values_are(r, (const double[]){ -2.0, -2.5, -5.0, -5.5, -8.0, -8.5, -11.0, -11.5 },
		   8, 1e-6, "1-d @ 3-d (torch fixture)");
	ag_tensor_release(r);
	ag_tensor *a3 = ramp(AG_FLOAT32, SHAPE(2, 4, 3), 1, 0);
	r = ag_matmul(a3, a);
	ok(has_shape(r, SHAPE(2, 4)), "3-d @ 1-d is [2, 4]");
	values_are(r, (const double[]){ -1.0, -2.5, -4.0, -5.5, -7.0, -8.5, -10.0, -11.5 },
		   8, 1e-6, "3-d @ 1-d (torch fixture)");
	ag_tensor_release(r);
	ag_tensor_release(a3);
	ag_tensor_release(b3);
	ag_tensor_release(a);
	ag_tensor_release(b);

	/* 3-d with transposed last dims @ 2-d: not folded, bmm on the view */
	ag_tensor *raw = rand_t(AG_FLOAT32, SHAPE(5, 3, 2));
	a = ag_transpose(raw, 1, 2);
	b = rand_t(AG_FLOAT32, SHAPE(3, 4));
	r = ag_matmul(a, b);
	ok(has_shape(r, SHAPE(5, 2, 4)), "permuted 3-d @ 2-d shape");
	int good = r != NULL;
	for (int64_t q = 0; good && q < 5; q++)
		for (int64_t i = 0; i < 2; i++)
			for (int64_t j = 0; j < 4; j++) {
				double want = 0;
				for (int64_t k = 0; k < 3; k++)
					want += mat_el(raw, q, k, i) * mat_el(b, 0, k, j);
				good &= fabs(el(r, (q * 2 + i) * 4 + j) - want) < 1e-5;
			}
	ok(good, "permuted 3-d @ 2-d values");
	ag_tensor_release(r);
	ag_tensor_release(b);
	b = rand_t(AG_FLOAT32, SHAPE(4, 2));
	fails_with(ag_matmul(a, b), "Expected size for first two dimensions of batch2 "
		   "tensor to be: [5, 3] but got: [5, 4].",
		   "permuted 3-d @ 2-d goes through bmm (torch)");
	ag_tensor_release(b);
	ag_tensor_release(a);
	ag_tensor_release(raw);

	/* batched with expanded batch dims of both sides */
	a = rand_t(AG_FLOAT64, SHAPE(2, 3, 2, 3));
	b = rand_t(AG_FLOAT64, SHAPE(2, 1, 3, 2));
	r = ag_matmul(a, b);
	ok(has_shape(r, SHAPE(2, 3, 2, 2)), "[2,3,2,3] @ [2,1,3,2] (torch)");
	good = r != NULL;
	for (int64_t p = 0; good && p < 2; p++)
		for (int64_t q = 0; q < 3; q++)
			for (int64_t i = 0; i < 2; i++)
				for (int64_t j = 0; j < 2; j++) {
					double want = 0;
					for (int64_t k = 0; k < 3; k++)
						want += el(a, ((p * 3 + q) * 2 + i) * 3 + k) *
							el(b, (p * 3 + k) * 2 + j);
					good &= fabs(el(r, ((p * 3 + q) * 2 + i) * 2 + j) -
						     want) < 1e-12;
				}
	ok(good, "broadcast batched matmul values");
	ag_tensor_release(r);
	ag_tensor_release(a);
	ag_tensor_release(b);
}

static void test_errors(void)
{
	ag_tensor *f23 = rand_t(AG_FLOAT32, SHAPE(2, 3));
	ag_tensor *f45 = rand_t(AG_FLOAT32, SHAPE(4, 5));
	ag_tensor *f32 = rand_t(AG_FLOAT32, SHAPE(3, 2));
	ag_tensor *d32 = rand_t(AG_FLOAT64, SHAPE(3, 2));
	ag_tensor *d23 = rand_t(AG_FLOAT64, SHAPE(2, 3));
	ag_tensor *f3 = rand_t(AG_FLOAT32, SHAPE(3));
	ag_tensor *f4 = rand_t(AG_FLOAT32, SHAPE(4));
	ag_tensor *d3 = rand_t(AG_FLOAT64, SHAPE(3));
	ag_tensor *b23 = mk(AG_BOOL, SHAPE(2, 3), NULL);
	ag_tensor *b32 = mk(AG_BOOL, SHAPE(3, 2), NULL);
	ag_tensor *b3 = mk(AG_BOOL, SHAPE(3), NULL);
	ag_tensor *l32 = rand_t(AG_INT64, SHAPE(3, 2));
	ag_tensor *l23 = rand_t(AG_INT64, SHAPE(2, 3));
	ag_tensor *s = mk(AG_FLOAT32, NULL, 0, (const double[]){ 1 });
	ag_tensor *f223 = rand_t(AG_FLOAT32, SHAPE(2, 2, 3));
	ag_tensor *f332 = rand_t(AG_FLOAT32, SHAPE(3, 3, 2));
	ag_tensor *f242 = rand_t(AG_FLOAT32, SHAPE(2, 4, 2));
	ag_tensor *d232 = rand_t(AG_FLOAT64, SHAPE(2, 3, 2));
	ag_tensor *b223 = mk(AG_BOOL, SHAPE(2, 2, 3), NULL);
	ag_tensor *b232 = mk(AG_BOOL, SHAPE(2, 3, 2), NULL);
	ag_tensor *f523 = rand_t(AG_FLOAT32, SHAPE(5, 2, 3));
	ag_tensor *f542 = rand_t(AG_FLOAT32, SHAPE(5, 4, 2));
	ag_tensor *f432 = rand_t(AG_FLOAT32, SHAPE(4, 3, 2));
	ag_tensor *f442 = rand_t(AG_FLOAT32, SHAPE(4, 4, 2));
	ag_tensor *d432 = rand_t(AG_FLOAT64, SHAPE(4, 3, 2));
	ag_tensor *f2423 = rand_t(AG_FLOAT32, SHAPE(2, 4, 2, 3));
	ag_tensor *f3432 = rand_t(AG_FLOAT32, SHAPE(3, 4, 3, 2));
	ag_tensor *f5 = rand_t(AG_FLOAT32, SHAPE(5));
	ag_tensor *d45 = rand_t(AG_FLOAT64, SHAPE(4, 5));
	ag_tensor *f42 = rand_t(AG_FLOAT32, SHAPE(4, 2));

	fails_with(ag_mm(f23, f45), "mat1 and mat2 shapes cannot be multiplied "
		   "(2x3 and 4x5)", "mm shapes");
	fails_with(ag_mm(f3, f45), "self must be a matrix", "mm of a vector");
	fails_with(ag_mm(f23, f3), "mat2 must be a matrix", "mm by a vector");
	fails_with(ag_mm(f223, f3), "self must be a matrix", "mm of a 3-d tensor");
	fails_with(ag_mm(f23, d32), "expected scalar type Float but found Double",
		   "mm float @ double");
	fails_with(ag_mm(d23, f32), "expected scalar type Double but found Float",
		   "mm double @ float");
	fails_with(ag_mm(l23, f32), "expected scalar type Long but found Float",
		   "mm long @ float");
	fails_with(ag_mm(b23, b32), "\"addmm_impl_cpu_\" not implemented for 'Bool'",
		   "mm of bool");
	fails_with(ag_mm(b23, l32), "\"addmm_impl_cpu_\" not implemented for 'Bool'",
		   "mm bool @ long");
	fails_with(ag_mm(l23, b32), "expected scalar type Long but found Bool",
		   "mm long @ bool");
	fails_with(ag_mm(f23, d45), "mat1 and mat2 shapes "
		   "cannot be multiplied (2x3 and 4x5)", "mm checks shapes before dtypes");

	fails_with(ag_bmm(f23, f32), "batch1 must be a 3D tensor", "bmm of 2-d");
	fails_with(ag_bmm(f223, f32), "batch2 must be a 3D tensor", "bmm by 2-d");
	fails_with(ag_bmm(f223, f332), "Expected size for first two dimensions of "
		   "batch2 tensor to be: [2, 3] but got: [3, 3].", "bmm batch mismatch");
	fails_with(ag_bmm(f223, f242), "Expected size for first two dimensions of "
		   "batch2 tensor to be: [2, 3] but got: [2, 4].", "bmm inner mismatch");
	fails_with(ag_bmm(f223, d232), "expected scalar type Float but found Double",
		   "bmm float @ double");
	fails_with(ag_bmm(b223, b232), "\"bmm\" not implemented for 'Bool'", "bmm of bool");
	fails_with(ag_bmm(f223, b232), "expected scalar type Float but found Bool",
		   "bmm float @ bool");

	fails_with(ag_matmul(s, f3), "both arguments to matmul need to be at least "
		   "1D, but they are 0D and 1D", "matmul of a 0-d");
	fails_with(ag_matmul(f3, s), "both arguments to matmul need to be at least "
		   "1D, but they are 1D and 0D", "matmul by a 0-d");
	fails_with(ag_matmul(f3, f4), "inconsistent tensor size, expected tensor [3] "
		   "and src [4] to have the same number of elements, but got 3 and 4 "
		   "elements respectively", "dot sizes");
	fails_with(ag_matmul(f3, d3), "dot : expected both vectors to have same dtype, "
		   "but found Float and Double", "dot dtypes");
	fails_with(ag_matmul(b3, b3), "\"dot\" not implemented for 'Bool'", "dot of bool");
	fails_with(ag_matmul(f3, f45), "mat1 and mat2 shapes cannot be multiplied "
		   "(1x3 and 4x5)", "1-d @ 2-d sizes");
	fails_with(ag_matmul(d3, f32), "expected scalar type Double but found Float",
		   "1-d @ 2-d dtypes");
	fails_with(ag_matmul(f23, f4), "size mismatch, got 2, 2x3,4", "2-d @ 1-d sizes");
	fails_with(ag_matmul(d23, f3), "expected scalar type Double but found Float",
		   "2-d @ 1-d dtypes");
	fails_with(ag_matmul(b23, b3), "\"addmv_impl_cpu\" not implemented for 'Bool'",
		   "2-d @ 1-d of bool");
	fails_with(ag_matmul(f23, f45), "mat1 and mat2 shapes cannot be multiplied "
		   "(2x3 and 4x5)", "2-d @ 2-d sizes");
	fails_with(ag_matmul(b23, b32), "\"addmm_impl_cpu_\" not implemented for 'Bool'",
		   "2-d @ 2-d of bool");
	fails_with(ag_matmul(f523, f42), "mat1 and mat2 "
		   "shapes cannot be multiplied (10x3 and 4x2)", "3-d @ 2-d folds");
	fails_with(ag_matmul(f523, f4), "size mismatch, got 10, 10x3,4", "3-d @ 1-d folds");
	fails_with(ag_matmul(f3, f542), "size mismatch, got 10, 10x4,3",
		   "1-d @ 3-d folds through a transpose");
	fails_with(ag_matmul(f23, f442), "mat1 and mat2 shapes cannot be multiplied "
		   "(8x4 and 3x2)", "2-d @ 3-d folds through a transpose");
	fails_with(ag_matmul(f23, d432), "expected scalar type Double but found Float",
		   "2-d @ 3-d dtypes (torch names the 3-d one first)");
	fails_with(ag_matmul(f523, f432), "The size of tensor a (5) must match the size "
		   "of tensor b (4) at non-singleton dimension 0", "batch broadcast");
	fails_with(ag_matmul(f523, f542), "Expected size for first two dimensions of "
		   "batch2 tensor to be: [5, 3] but got: [5, 4].", "batched inner sizes");
	fails_with(ag_matmul(f2423, f5), "size mismatch, got 16, 16x3,5", "4-d @ 1-d sizes");
	fails_with(ag_matmul(f2423, f3432), "The size of tensor a (2) must match the "
		   "size of tensor b (3) at non-singleton dimension 0", "4-d batch broadcast");
	fails_with(ag_matmul(f223, d232), "expected scalar type Float but found Double",
		   "batched dtypes");
	fails_with(ag_matmul(b223, b232), "\"bmm\" not implemented for 'Bool'",
		   "batched bool");

	fails_with(ag_mv(f3, f3), "vector + matrix @ vector expected, got 1, 1, 1",
		   "mv of a vector");
	fails_with(ag_dot(f23, f3), "1D tensors expected, but got 2D and 1D tensors",
		   "dot of a matrix");

	ag_tensor *all[] = { f23, f45, f32, d32, d23, f3, f4, d3, b23, b32, b3, l32,
			     l23, s, f223, f332, f242, d232, b223, b232, f523, f542,
			     f432, f442, d432, f2423, f3432, f5, d45, f42 };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ag_tensor_release(all[i]);
}

/* Products record their backward nodes, and matmul's pieces are named as
 * in PyTorch; gradients of a summed product are sums of the other side. */
static void test_autograd(void)
{
	ag_tensor *a = rand_t(AG_FLOAT64, SHAPE(3, 4)), *b = rand_t(AG_FLOAT64, SHAPE(4, 2));
	ag_tensor *v = rand_t(AG_FLOAT64, SHAPE(4)), *a3 = rand_t(AG_FLOAT64, SHAPE(2, 3, 4));
	ag_set_requires_grad(a, true);
	ag_set_requires_grad(v, true);
	ag_tensor *m53 = rand_t(AG_FLOAT64, SHAPE(5, 3));
	ag_set_requires_grad(a3, true);
	struct { ag_tensor *r; const char *name; } cases[] = {
		{ ag_mm(a, b), "MmBackward0" }, { ag_matmul(a, v), "MvBackward0" },
		{ ag_matmul(v, v), "DotBackward0" }, { ag_matmul(a3, b), "UnsafeViewBackward0" },
		{ ag_matmul(a3, v), "UnsafeViewBackward0" },
		{ ag_matmul(m53, a3), "CloneBackward0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ag_node *n = cases[i].r ? ag_grad_fn(cases[i].r) : NULL;
		is_str(n ? ag_node_name(n) : "(none)", cases[i].name, "grad_fn of case %zu", i);
		ag_tensor_release(cases[i].r);
	}
	ag_tensor *bt = ag_t(b);

	/* d/da sum(a @ b) = ones @ b^T: every row is the row sums of b */
	ag_tensor *r = ag_mm(a, b);
	ag_tensor *s = ag_sum(r);
	ok(s && ag_backward(&s, NULL, 1, false, false) == 0, "backward through mm");
	int good = a->grad != NULL;
	for (int64_t i = 0; good && i < 3; i++)
		for (int64_t k = 0; k < 4; k++)
			good &= fabs(mat_el(a->grad, 0, i, k) - (mat_el(bt, 0, 0, k) +
							      mat_el(bt, 0, 1, k))) < 1e-12;
	ok(good, "mm gradient");
	ag_tensor_release(s);
	ag_tensor_release(r);
	ag_tensor_release(bt);
	ag_tensor_release(a);
	ag_tensor_release(b);
	ag_tensor_release(v);
	ag_tensor_release(a3);
	ag_tensor_release(m53);
}

/* Ctrl-C during a product: it stops with AG_ERR_INTERRUPT, once. */
static void test_interrupt(void)
{
	ag_tensor *a = rand_t(AG_INT64, SHAPE(3, 40, 50)), *b = rand_t(AG_INT64, SHAPE(3, 50, 60));
	ag_tensor *r;

	ag_interrupt();
	r = ag_bmm(a, b);
	ok(r == NULL && ag_error_code() == AG_ERR_INTERRUPT, "bmm stops on Ctrl-C");
	ag_error_clear();
	r = ag_bmm(a, b);
	ok(r != NULL, "the interrupt is consumed once");
	ag_tensor_release(r);
	ag_tensor *a2 = ag_select(a, 0, 1), *b2 = ag_select(b, 0, 2);
	ag_interrupt();
	r = ag_mm(a2, b2);
	ok(r == NULL && ag_error_code() == AG_ERR_INTERRUPT, "builtin mm stops on Ctrl-C");
	ag_error_clear();
	ag_tensor_release(a2);
	ag_tensor_release(b2);
	ag_tensor_release(a);
	ag_tensor_release(b);
}

/* ------------------------------------------------- matmul, torch fixture */

/*
 * Every pair of a set of shapes (and with each matrix operand also built as
 * the transpose of a contiguous tensor, t = 1), multiplied by torch 1.13's
 * matmul on the values ((i * 7 + 3) % 11 - 5) / 4: the result's shape, its
 * sum and its index-weighted sum (sum of (i + 1) * r[i]), or the exact
 * error text.  One case per kind was kept from the 1849 generated.
 */
struct mm_case {
	int na;
	int64_t sa[4];
	int ta, nb;
	int64_t sb[4];
	int tb, nr;
	int64_t sr[4];
	double sum, wsum;
	const char *err;
};

static const struct mm_case mm_cases[] = {
	{ 1, { 3 }, 0, 1, { 3 }, 0, 0, { 0 }, 1.875, 1.875, NULL },
	{ 1, { 3 }, 0, 1, { 4 }, 0, 0, { 0 }, 0, 0,
	  "inconsistent tensor size, expected tensor [3] and src [4] to "
	  "have the same number of elements, but got 3 and 4 elements "
	  "respectively" },
	{ 1, { 3 }, 0, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x3)" },
	{ 1, { 3 }, 0, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x3)" },
	{ 1, { 3 }, 0, 2, { 3, 4 }, 0, 1, { 4 }, 0.4375, 0.5625, NULL },
	{ 1, { 3 }, 0, 2, { 3, 4 }, 1, 1, { 4 }, 0.4375, 0.5625, NULL },
	{ 1, { 3 }, 0, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 6, 6x2,3" },
	{ 1, { 3 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "size mismatch, got 6, 6x2,3" },
	{ 1, { 3 }, 0, 3, { 2, 3, 4 }, 0, 2, { 2, 4 }, -1.0625, -7.3125, NULL },
	{ 1, { 3 }, 0, 3, { 2, 3, 4 }, 1, 2, { 2, 4 }, -1.0625, -7.3125, NULL },
	{ 1, { 3 }, 0, 4, { 5, 1, 3, 4 }, 0, 3, { 5, 1, 4 },
	  -4.8125, -61.9375, NULL },
	{ 1, { 3 }, 0, 4, { 5, 1, 3, 4 }, 1, 3, { 5, 1, 4 },
	  -4.8125, -61.9375, NULL },
	{ 1, { 3 }, 0, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 6, 6x2,3" },
	{ 1, { 3 }, 0, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "size mismatch, got 6, 6x2,3" },
	{ 1, { 3 }, 0, 2, { 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (1x3 and 0x3)" },
	{ 1, { 3 }, 0, 2, { 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (1x3 and 0x3)" },
	{ 1, { 3 }, 0, 2, { 3, 0 }, 0, 1, { 0 }, 0, 0, NULL },
	{ 1, { 3 }, 0, 2, { 3, 0 }, 1, 1, { 0 }, 0, 0, NULL },
	{ 1, { 3 }, 0, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 6, 6x0,3" },
	{ 1, { 3 }, 0, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "size mismatch, got 6, 6x0,3" },
	{ 1, { 3 }, 0, 1, { 0 }, 0, 0, { 0 }, 0, 0,
	  "inconsistent tensor size, expected tensor [3] and src [0] to "
	  "have the same number of elements, but got 3 and 0 elements "
	  "respectively" },
	{ 2, { 2, 3 }, 0, 1, { 3 }, 0, 1, { 2 }, 3.5, 5.125, NULL },
	{ 2, { 2, 3 }, 1, 1, { 3 }, 0, 1, { 2 }, 3.5, 5.125, NULL },
	{ 2, { 2, 3 }, 0, 1, { 4 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 2, 2x3,4" },
	{ 2, { 2, 3 }, 1, 1, { 4 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 2, 2x3,4" },
	{ 2, { 2, 3 }, 0, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)" },
	{ 2, { 2, 3 }, 1, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)" },
	{ 2, { 2, 3 }, 0, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)" },
	{ 2, { 2, 3 }, 1, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)" },
	{ 2, { 2, 3 }, 0, 2, { 3, 4 }, 0, 2, { 2, 4 }, 1.0, 4.0, NULL },
	{ 2, { 2, 3 }, 1, 2, { 3, 4 }, 0, 2, { 2, 4 }, 1.0, 4.0, NULL },
	{ 2, { 2, 3 }, 0, 2, { 3, 4 }, 1, 2, { 2, 4 }, 1.0, 4.0, NULL },
	{ 2, { 2, 3 }, 1, 2, { 3, 4 }, 1, 2, { 2, 4 }, 1.0, 4.0, NULL },
	{ 2, { 2, 3 }, 0, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x2)" },
	{ 2, { 2, 3 }, 1, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x2)" },
	{ 2, { 2, 3 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 2, { 2, 3 }, 1, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 2, { 2, 3 }, 0, 3, { 2, 3, 4 }, 0, 3, { 2, 2, 4 },
	  -2.3125, -35.0, NULL },
	{ 2, { 2, 3 }, 1, 3, { 2, 3, 4 }, 0, 3, { 2, 2, 4 },
	  -2.3125, -35.0, NULL },
	{ 2, { 2, 3 }, 0, 3, { 2, 3, 4 }, 1, 3, { 2, 2, 4 },
	  -2.3125, -35.0, NULL },
	{ 2, { 2, 3 }, 1, 3, { 2, 3, 4 }, 1, 3, { 2, 2, 4 },
	  -2.3125, -35.0, NULL },
	{ 2, { 2, 3 }, 0, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 1, 2, 4 },
	  -9.9375, -251.625, NULL },
	{ 2, { 2, 3 }, 1, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 1, 2, 4 },
	  -9.9375, -251.625, NULL },
	{ 2, { 2, 3 }, 0, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 1, 2, 4 },
	  -9.9375, -251.625, NULL },
	{ 2, { 2, 3 }, 1, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 1, 2, 4 },
	  -9.9375, -251.625, NULL },
	{ 2, { 2, 3 }, 0, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x2)" },
	{ 2, { 2, 3 }, 1, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x2)" },
	{ 2, { 2, 3 }, 0, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x2)" },
	{ 2, { 2, 3 }, 1, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x2)" },
	{ 2, { 2, 3 }, 0, 2, { 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 0x3)" },
	{ 2, { 2, 3 }, 1, 2, { 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 0x3)" },
	{ 2, { 2, 3 }, 0, 2, { 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 0x3)" },
	{ 2, { 2, 3 }, 1, 2, { 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (2x3 and 0x3)" },
	{ 2, { 2, 3 }, 0, 2, { 3, 0 }, 0, 2, { 2, 0 }, 0, 0, NULL },
	{ 2, { 2, 3 }, 1, 2, { 3, 0 }, 0, 2, { 2, 0 }, 0, 0, NULL },
	{ 2, { 2, 3 }, 0, 2, { 3, 0 }, 1, 2, { 2, 0 }, 0, 0, NULL },
	{ 2, { 2, 3 }, 1, 2, { 3, 0 }, 1, 2, { 2, 0 }, 0, 0, NULL },
	{ 2, { 2, 3 }, 0, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x0 and 3x2)" },
	{ 2, { 2, 3 }, 1, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x0 and 3x2)" },
	{ 2, { 2, 3 }, 0, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x0 and 3x2)" },
	{ 2, { 2, 3 }, 1, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x0 and 3x2)" },
	{ 2, { 2, 3 }, 0, 1, { 0 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 2, 2x3,0" },
	{ 2, { 2, 3 }, 1, 1, { 0 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 2, 2x3,0" },
	{ 2, { 2, 3 }, 0, 3, { 1, 1, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (3x1 and 3x2)" },
	{ 2, { 2, 3 }, 1, 3, { 1, 1, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (3x1 and 3x2)" },
	{ 3, { 2, 2, 3 }, 0, 1, { 3 }, 0, 2, { 2, 2 }, 6.0, 13.75, NULL },
	{ 3, { 2, 2, 3 }, 1, 1, { 3 }, 0, 2, { 2, 2 }, 6.0, 13.75, NULL },
	{ 3, { 2, 2, 3 }, 0, 1, { 4 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 4, 4x3,4" },
	{ 3, { 2, 2, 3 }, 1, 1, { 4 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 4, 4x3,4" },
	{ 3, { 2, 2, 3 }, 0, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x3)" },
	{ 3, { 2, 2, 3 }, 1, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 3, { 2, 2, 3 }, 0, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x3)" },
	{ 3, { 2, 2, 3 }, 1, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 3, { 2, 2, 3 }, 0, 2, { 3, 4 }, 0, 3, { 2, 2, 4 }, 2.5, 23.5, NULL },
	{ 3, { 2, 2, 3 }, 1, 2, { 3, 4 }, 0, 3, { 2, 2, 4 }, 2.5, 23.5, NULL },
	{ 3, { 2, 2, 3 }, 0, 2, { 3, 4 }, 1, 3, { 2, 2, 4 }, 2.5, 23.5, NULL },
	{ 3, { 2, 2, 3 }, 1, 2, { 3, 4 }, 1, 3, { 2, 2, 4 }, 2.5, 23.5, NULL },
	{ 3, { 2, 2, 3 }, 0, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 3, { 2, 2, 3 }, 1, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 3, { 2, 2, 3 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 3, { 2, 2, 3 }, 1, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 3, { 2, 2, 3 }, 0, 3, { 2, 3, 4 }, 0, 3, { 2, 2, 4 },
	  -3.5625, -53.5, NULL },
	{ 3, { 2, 2, 3 }, 1, 3, { 2, 3, 4 }, 0, 3, { 2, 2, 4 },
	  -3.5625, -53.5, NULL },
	{ 3, { 2, 2, 3 }, 0, 3, { 2, 3, 4 }, 1, 3, { 2, 2, 4 },
	  -3.5625, -53.5, NULL },
	{ 3, { 2, 2, 3 }, 1, 3, { 2, 3, 4 }, 1, 3, { 2, 2, 4 },
	  -3.5625, -53.5, NULL },
	{ 3, { 2, 2, 3 }, 0, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 2, 2, 4 },
	  -21.125, -1066.25, NULL },
	{ 3, { 2, 2, 3 }, 1, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 2, 2, 4 },
	  -21.125, -1066.25, NULL },
	{ 3, { 2, 2, 3 }, 0, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 2, 2, 4 },
	  -21.125, -1066.25, NULL },
	{ 3, { 2, 2, 3 }, 1, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 2, 2, 4 },
	  -21.125, -1066.25, NULL },
	{ 3, { 2, 2, 3 }, 0, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 2, 3 }, 1, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 2, 3 }, 0, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 2, 3 }, 1, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 2, 3 }, 0, 3, { 3, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 2, 3 }, 1, 3, { 3, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 2, 3 }, 0, 3, { 3, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 2, 3 }, 1, 3, { 3, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 2, 3 }, 0, 2, { 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (4x3 and 0x3)" },
	{ 3, { 2, 2, 3 }, 1, 2, { 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 0]." },
	{ 3, { 2, 2, 3 }, 0, 2, { 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (4x3 and 0x3)" },
	{ 3, { 2, 2, 3 }, 1, 2, { 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 0]." },
	{ 3, { 2, 2, 3 }, 0, 2, { 3, 0 }, 0, 3, { 2, 2, 0 }, 0, 0, NULL },
	{ 3, { 2, 2, 3 }, 1, 2, { 3, 0 }, 0, 3, { 2, 2, 0 }, 0, 0, NULL },
	{ 3, { 2, 2, 3 }, 0, 2, { 3, 0 }, 1, 3, { 2, 2, 0 }, 0, 0, NULL },
	{ 3, { 2, 2, 3 }, 1, 2, { 3, 0 }, 1, 3, { 2, 2, 0 }, 0, 0, NULL },
	{ 3, { 2, 2, 3 }, 0, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 0]." },
	{ 3, { 2, 2, 3 }, 1, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 0]." },
	{ 3, { 2, 2, 3 }, 0, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 0]." },
	{ 3, { 2, 2, 3 }, 1, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 0]." },
	{ 3, { 2, 2, 3 }, 0, 1, { 0 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 4, 4x3,0" },
	{ 3, { 2, 2, 3 }, 1, 1, { 0 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 4, 4x3,0" },
	{ 3, { 2, 2, 3 }, 0, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 2, 2, 3 }, 1, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 2, 2, 3 }, 0, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 2, 2, 3 }, 1, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 4, { 5, 1, 3, 4 }, 0, 1, { 3 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 15, 15x4,3" },
	{ 4, { 5, 1, 3, 4 }, 1, 1, { 3 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 15, 15x4,3" },
	{ 4, { 5, 1, 3, 4 }, 0, 1, { 4 }, 0, 3, { 5, 1, 3 },
	  -1.0625, -16.25, NULL },
	{ 4, { 5, 1, 3, 4 }, 1, 1, { 4 }, 0, 3, { 5, 1, 3 },
	  -1.0625, -16.25, NULL },
	{ 4, { 5, 1, 3, 4 }, 0, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 2x3)" },
	{ 4, { 5, 1, 3, 4 }, 1, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 2x3)" },
	{ 4, { 5, 1, 3, 4 }, 0, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 2x3)" },
	{ 4, { 5, 1, 3, 4 }, 1, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 2x3)" },
	{ 4, { 5, 1, 3, 4 }, 0, 2, { 4, 3 }, 0, 4, { 5, 1, 3, 3 },
	  1.4375, 57.8125, NULL },
	{ 4, { 5, 1, 3, 4 }, 1, 2, { 4, 3 }, 0, 4, { 5, 1, 3, 3 },
	  1.4375, 57.8125, NULL },
	{ 4, { 5, 1, 3, 4 }, 0, 2, { 4, 3 }, 1, 4, { 5, 1, 3, 3 },
	  1.4375, 57.8125, NULL },
	{ 4, { 5, 1, 3, 4 }, 1, 2, { 4, 3 }, 1, 4, { 5, 1, 3, 3 },
	  1.4375, 57.8125, NULL },
	{ 4, { 5, 1, 3, 4 }, 0, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 2]." },
	{ 4, { 5, 1, 3, 4 }, 1, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 2]." },
	{ 4, { 5, 1, 3, 4 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 2]." },
	{ 4, { 5, 1, 3, 4 }, 1, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 2]." },
	{ 4, { 5, 1, 3, 4 }, 0, 4, { 5, 1, 3, 4 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[5, 4] but got: [5, 3]." },
	{ 4, { 5, 1, 3, 4 }, 1, 4, { 5, 1, 3, 4 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[5, 4] but got: [5, 3]." },
	{ 4, { 5, 1, 3, 4 }, 0, 4, { 5, 1, 3, 4 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[5, 4] but got: [5, 3]." },
	{ 4, { 5, 1, 3, 4 }, 1, 4, { 5, 1, 3, 4 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[5, 4] but got: [5, 3]." },
	{ 4, { 5, 1, 3, 4 }, 0, 3, { 2, 4, 3 }, 0, 4, { 5, 2, 3, 3 },
	  3.9375, 321.9375, NULL },
	{ 4, { 5, 1, 3, 4 }, 1, 3, { 2, 4, 3 }, 0, 4, { 5, 2, 3, 3 },
	  3.9375, 321.9375, NULL },
	{ 4, { 5, 1, 3, 4 }, 0, 3, { 2, 4, 3 }, 1, 4, { 5, 2, 3, 3 },
	  3.9375, 321.9375, NULL },
	{ 4, { 5, 1, 3, 4 }, 1, 3, { 2, 4, 3 }, 1, 4, { 5, 2, 3, 3 },
	  3.9375, 321.9375, NULL },
	{ 4, { 5, 1, 3, 4 }, 0, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 4, { 5, 1, 3, 4 }, 1, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 4, { 5, 1, 3, 4 }, 0, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 4, { 5, 1, 3, 4 }, 1, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 4, { 5, 1, 3, 4 }, 0, 2, { 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 0x3)" },
	{ 4, { 5, 1, 3, 4 }, 1, 2, { 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 0x3)" },
	{ 4, { 5, 1, 3, 4 }, 0, 2, { 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 0x3)" },
	{ 4, { 5, 1, 3, 4 }, 1, 2, { 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (15x4 and 0x3)" },
	{ 4, { 5, 1, 3, 4 }, 0, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 0]." },
	{ 4, { 5, 1, 3, 4 }, 1, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 0]." },
	{ 4, { 5, 1, 3, 4 }, 0, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 0]." },
	{ 4, { 5, 1, 3, 4 }, 1, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[10, 4] but got: [10, 0]." },
	{ 4, { 5, 1, 3, 4 }, 0, 1, { 0 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 15, 15x4,0" },
	{ 4, { 5, 1, 3, 4 }, 1, 1, { 0 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 15, 15x4,0" },
	{ 4, { 2, 1, 2, 3 }, 0, 4, { 5, 1, 3, 4 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 0" },
	{ 4, { 2, 1, 2, 3 }, 1, 4, { 5, 1, 3, 4 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 0" },
	{ 4, { 2, 1, 2, 3 }, 0, 4, { 5, 1, 3, 4 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 0" },
	{ 4, { 2, 1, 2, 3 }, 1, 4, { 5, 1, 3, 4 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 0" },
	{ 4, { 2, 1, 2, 3 }, 0, 2, { 3, 0 }, 0, 4, { 2, 1, 2, 0 }, 0, 0, NULL },
	{ 4, { 2, 1, 2, 3 }, 1, 2, { 3, 0 }, 0, 4, { 2, 1, 2, 0 }, 0, 0, NULL },
	{ 4, { 2, 1, 2, 3 }, 0, 2, { 3, 0 }, 1, 4, { 2, 1, 2, 0 }, 0, 0, NULL },
	{ 4, { 2, 1, 2, 3 }, 1, 2, { 3, 0 }, 1, 4, { 2, 1, 2, 0 }, 0, 0, NULL },
	{ 4, { 2, 1, 2, 3 }, 0, 4, { 2, 5, 3, 2 }, 0, 4, { 2, 5, 2, 2 },
	  -2.4375, 80.5, NULL },
	{ 4, { 2, 1, 2, 3 }, 1, 4, { 2, 5, 3, 2 }, 0, 4, { 2, 5, 2, 2 },
	  -2.4375, 80.5, NULL },
	{ 4, { 2, 1, 2, 3 }, 0, 4, { 2, 5, 3, 2 }, 1, 4, { 2, 5, 2, 2 },
	  -2.4375, 80.5, NULL },
	{ 4, { 2, 1, 2, 3 }, 1, 4, { 2, 5, 3, 2 }, 1, 4, { 2, 5, 2, 2 },
	  -2.4375, 80.5, NULL },
	{ 3, { 3, 3, 2 }, 0, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 1, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 1, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 0, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 1, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 0, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 1, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 3, 3, 2 }, 0, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 3, 3, 2 }, 1, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 3, 3, 2 }, 0, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 3, 3, 2 }, 1, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (3) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 2, { 0, 3 }, 0, 1, { 3 }, 0, 1, { 0 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 1, 1, { 3 }, 0, 1, { 0 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 2, { 0, 3 }, 1, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[2, 3] but got: [2, 2]." },
	{ 2, { 0, 3 }, 0, 3, { 2, 3, 4 }, 0, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 1, 3, { 2, 3, 4 }, 0, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 0, 3, { 2, 3, 4 }, 1, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 1, 3, { 2, 3, 4 }, 1, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 0, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 1, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 1, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 1, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 0, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 1, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 1, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 1, 0, 4 }, 0, 0, NULL },
	{ 2, { 0, 3 }, 0, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x0)" },
	{ 2, { 0, 3 }, 1, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x0)" },
	{ 2, { 0, 3 }, 0, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x0)" },
	{ 2, { 0, 3 }, 1, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (6x2 and 3x0)" },
	{ 3, { 2, 0, 3 }, 0, 1, { 3 }, 0, 2, { 2, 0 }, 0, 0, NULL },
	{ 3, { 2, 0, 3 }, 1, 1, { 3 }, 0, 2, { 2, 0 }, 0, 0, NULL },
	{ 3, { 2, 0, 3 }, 1, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (0x3 and 2x3)" },
	{ 3, { 2, 0, 3 }, 1, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (0x3 and 2x3)" },
	{ 3, { 2, 0, 3 }, 0, 3, { 2, 3, 4 }, 0, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 3, { 2, 0, 3 }, 1, 3, { 2, 3, 4 }, 0, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 3, { 2, 0, 3 }, 0, 3, { 2, 3, 4 }, 1, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 3, { 2, 0, 3 }, 1, 3, { 2, 3, 4 }, 1, 3, { 2, 0, 4 }, 0, 0, NULL },
	{ 3, { 2, 0, 3 }, 0, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 2, 0, 4 },
	  0, 0, NULL },
	{ 3, { 2, 0, 3 }, 1, 4, { 5, 1, 3, 4 }, 0, 4, { 5, 2, 0, 4 },
	  0, 0, NULL },
	{ 3, { 2, 0, 3 }, 0, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 2, 0, 4 },
	  0, 0, NULL },
	{ 3, { 2, 0, 3 }, 1, 4, { 5, 1, 3, 4 }, 1, 4, { 5, 2, 0, 4 },
	  0, 0, NULL },
	{ 3, { 2, 0, 3 }, 0, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 0, 3 }, 1, 4, { 2, 1, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 0, 3 }, 0, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 0, 3 }, 1, 4, { 2, 1, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "Expected size for first two dimensions of batch2 tensor to be: "
	  "[4, 3] but got: [4, 2]." },
	{ 3, { 2, 0, 3 }, 0, 3, { 3, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 0, 3 }, 1, 3, { 3, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 0, 3 }, 0, 3, { 3, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 0, 3 }, 1, 3, { 3, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (3) at "
	  "non-singleton dimension 0" },
	{ 3, { 2, 0, 3 }, 0, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 2, 0, 3 }, 1, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 2, 0, 3 }, 0, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 2, 0, 3 }, 1, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (2) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 1, { 0 }, 0, 4, { 5, 1, 3, 4 }, 0, 0, { 0 }, 0, 0,
	  "size mismatch, got 20, 20x3,0" },
	{ 1, { 0 }, 0, 4, { 5, 1, 3, 4 }, 1, 0, { 0 }, 0, 0,
	  "size mismatch, got 20, 20x3,0" },
	{ 1, { 0 }, 0, 3, { 2, 0, 3 }, 0, 2, { 2, 3 }, 0.0, 0.0, NULL },
	{ 1, { 0 }, 0, 3, { 2, 0, 3 }, 1, 2, { 2, 3 }, 0.0, 0.0, NULL },
	{ 1, { 0 }, 0, 1, { 0 }, 0, 0, { 0 }, 0.0, 0.0, NULL },
	{ 3, { 4, 3, 2 }, 0, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 1, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 1, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 0, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 1, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 0, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 1, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (2) at "
	  "non-singleton dimension 0" },
	{ 3, { 4, 3, 2 }, 0, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 4, 3, 2 }, 1, 4, { 2, 5, 3, 2 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 4, 3, 2 }, 0, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 3, { 4, 3, 2 }, 1, 4, { 2, 5, 3, 2 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (4) must match the size of tensor b (5) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 0, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 1, 3, { 2, 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 0, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 1, 3, { 2, 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 0, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 1, 3, { 2, 0, 3 }, 0, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 0, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 4, { 2, 5, 3, 2 }, 1, 3, { 2, 0, 3 }, 1, 0, { 0 }, 0, 0,
	  "The size of tensor a (5) must match the size of tensor b (2) at "
	  "non-singleton dimension 1" },
	{ 3, { 1, 1, 3 }, 1, 2, { 2, 3 }, 0, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x3)" },
	{ 3, { 1, 1, 3 }, 1, 2, { 2, 3 }, 1, 0, { 0 }, 0, 0,
	  "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x3)" },
};

/* The fixture's operand: values in logical order, optionally laid out as
 * the transpose of a contiguous tensor. */
static ag_tensor *fixture_operand(int nd, const int64_t *shape, int transposed)
{
	int64_t s2[4];
	ag_tensor *c, *v;

	memcpy(s2, shape, sizeof s2);
	if (transposed) {
		s2[nd - 1] = shape[nd - 2];
		s2[nd - 2] = shape[nd - 1];
	}
	c = ag_tensor_alloc(s2, nd, AG_FLOAT32);
	v = transposed ? ag_transpose(c, nd - 2, nd - 1) : (ag_tensor_retain(c), c);
	ag_tensor_release(c);
	for (int64_t i = 0; i < ag_numel(v); i++)
		((float *)ag_data_ptr(v))[offset_of(v, i)] =
			(float)(((i * 7 + 3) % 11 - 5) / 4.0);
	return v;
}

static void test_matmul_fixture(void)
{
	int bad = 0;
	size_t n = sizeof mm_cases / sizeof mm_cases[0];

	for (size_t k = 0; k < n; k++) {
		const struct mm_case *c = &mm_cases[k];
		ag_tensor *a = fixture_operand(c->na, c->sa, c->ta);
		ag_tensor *b = fixture_operand(c->nb, c->sb, c->tb);
		ag_tensor *r = ag_matmul(a, b);
		int good;

		if (c->err) {
			good = !r && strcmp(ag_error_message(), c->err) == 0;
		} else {
			double sum = 0, wsum = 0;
			good = has_shape(r, c->sr, c->nr);
			for (int64_t i = 0; good && i < ag_numel(r); i++) {
				sum += el(r, i);
				wsum += (double)(i + 1) * el(r, i);
			}
			good = good && fabs(sum - c->sum) < 1e-3 &&
			       fabs(wsum - c->wsum) < 1e-3;
		}
		if (!good) {
			diag("fixture case %zu (%dD%s @ %dD%s): %s", k, c->na,
			     c->ta ? "^T" : "", c->nb, c->tb ? "^T" : "",
			     r ? "wrong result" : ag_error_message());
			bad++;
		}
		ag_error_clear();
		ag_tensor_release(r);
		ag_tensor_release(a);
		ag_tensor_release(b);
	}
	ok(bad == 0, "matmul agrees with torch on %zu fixture cases", n);
}

/* OpenBLAS's kernels for this CPU: on one it does not know, ag_blas_init
 * lets it leave its Prescott fallback (the products below then run on the
 * kernels it picks, checked against the triple loop as always). */
static void test_blas_core(void)
{
	bool user_set = getenv("OPENBLAS_CORETYPE") != NULL;
	ag_blas_init();
	ag_blas_init();	/* once is what counts: a second call changes nothing */
	const char *core = ag_blas_core();
	diag("BLAS kernels: %s", core ? core : "(not OpenBLAS)");
#if defined(__x86_64__) && defined(__GNUC__)
	if (core && !user_set && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma"))
		ok(strcmp(core, "Prescott") != 0,
		   "an AVX2/FMA CPU does not run OpenBLAS's Prescott kernels (%s)", core);
	else
		ok(1, "# SKIP not OpenBLAS, no AVX2/FMA, or OPENBLAS_CORETYPE set");
#else
	ok(1, "# SKIP not x86-64");
#endif
	ok(getenv("OPENBLAS_CORETYPE") == NULL || user_set,
	   "the environment is left as the user had it");
}

int main(void)
{
	plan_lazy();
	test_blas_core();
	diag("matrix products through %s", ag_blas_name());
	test_mm_values();
	test_half();
	test_empty();
	test_bmm();
	test_matmul();
	test_errors();
	test_autograd();
	test_interrupt();
	test_matmul_fixture();
	ok(ag_matmul(NULL, NULL) == NULL, "NULL operands are an error");
	ag_error_clear();
	return done_testing();
}
