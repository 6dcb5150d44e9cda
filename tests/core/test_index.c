/*
 * test_index.c - cat, stack, index_select and the Lua indexing helpers:
 * values, dtypes, views, version counters and PyTorch's error texts.
 */
#include "ag.h"
#include "../tap.h"
#include "elements.h"

#include <math.h>
#include <stdlib.h>

static const char internal_msg[] = "unsupported operation: more than one "
	"element of the written-to tensor refers to a single memory location. "
	"Please clone() the tensor before performing the operation.";
static const char partial_msg[] = "unsupported operation: some elements of "
	"the input tensor and the written-to tensor refer to a single memory "
	"location. Please clone() the tensor before performing the operation.";

/* A contiguous tensor of the given shape holding start, start+1, ... */
static ag_tensor *seq(const int64_t *shape, int ndim, double start, ag_dtype dt)
{
	int64_t n = 1;
	ag_tensor *r, *t;

	for (int i = 0; i < ndim; i++)
		n *= shape[i];
	r = ag_arange(start, start + (double)n, 1, dt == AG_BOOL ? AG_INT64 : dt);
	t = ag_view(r, shape, ndim);
	ag_tensor_release(r);
	return t;
}

/* t's values in logical (row-major) order, whatever its strides. */
static int values(const ag_tensor *t, double *out, int max)
{
	int64_t n = ag_numel(t);
	int k = 0;

	for (int64_t i = 0; i < n && k < max; i++)
		out[k++] = el(t, i);
	return k;
}

/* Does t hold exactly want[0..n) (and n elements)? */
static bool holds(const ag_tensor *t, const double *want, int n)
{
	double got[256];
	if (!t || ag_numel(t) != n || n > 256)
		return false;
	values(t, got, n);
	for (int i = 0; i < n; i++)
		if (got[i] != want[i])
			return false;
	return true;
}

static bool shape_is(const ag_tensor *t, int ndim, const int64_t *shape)
{
	if (!t || t->ndim != ndim)
		return false;
	for (int i = 0; i < ndim; i++)
		if (t->shape[i] != shape[i])
			return false;
	return true;
}

static void expect_null(ag_tensor *t, const char *msg, const char *what)
{
	ok(t == NULL, "%s fails", what);
	is_str(ag_error_message(), msg, "%s: message", what);
	ag_tensor_release(t);
	ag_error_clear();
}

static void expect_fail(int rc, const char *msg, const char *what)
{
	is_int(rc, -1, "%s fails", what);
	is_str(ag_error_message(), msg, "%s: message", what);
	ag_error_clear();
}

/* ----------------------------------------------------------------- cat */

static void test_cat(void)
{
	int64_t s22[2] = { 2, 2 }, s23[2] = { 2, 3 }, s33[2] = { 3, 3 };
	int64_t s2[1] = { 2 }, s0[1] = { 0 }, s20[2] = { 2, 0 };
	ag_tensor *a = seq(s22, 2, 1, AG_FLOAT32), *b = seq(s23, 2, 10, AG_FLOAT32);
	ag_tensor *r, *ts[4];

	ts[0] = a;
	ts[1] = b;
	r = ag_cat(ts, 2, 1);
	{
		static const double want[] = { 1, 2, 10, 11, 12, 3, 4, 13, 14, 15 };
		int64_t sh[2] = { 2, 5 };
		ok(shape_is(r, 2, sh) && holds(r, want, 10), "cat along dim 1");
		ok(r && r->version->value == 0 && r->dtype == AG_FLOAT32,
		   "cat result: version 0, float32");
	}
	ag_tensor_release(r);
	r = ag_cat(ts, 2, -1);
	ok(r && r->shape[1] == 5, "cat along dim -1");
	ag_tensor_release(r);

	expect_null(ag_cat(ts, 2, 0), "Sizes of tensors must match except in "
		    "dimension 0. Expected size 2 but got size 3 for tensor number 1 "
		    "in the list.", "cat dim 0 misfit");
	{
		ag_tensor *c = ag_zeros(s33, 2, AG_FLOAT32);
		ts[1] = c;
		expect_null(ag_cat(ts, 2, 1), "Sizes of tensors must match except "
			    "in dimension 1. Expected size 2 but got size 3 for "
			    "tensor number 1 in the list.", "cat dim 1 misfit");
		ag_tensor_release(c);
	}
	expect_null(ag_cat(ts, 0, 0), "torch.cat(): expected a non-empty list of "
		    "Tensors", "cat of nothing");
	{
		ag_tensor *v = ag_zeros(s2, 1, AG_FLOAT32);
		ts[1] = v;
		expect_null(ag_cat(ts, 2, 1), "Tensors must have same number of "
			    "dimensions: got 2 and 1", "cat 2-d with 1-d");
		ag_tensor_release(v);
	}
	expect_null(ag_cat(ts, 1, 2), "Dimension out of range (expected to be in "
		    "range of [-2, 1], but got 2)", "cat dim out of range");
	{
		ag_tensor *z = ag_scalar(1, AG_FLOAT32);
		ts[0] = a;
		ts[1] = z;
		expect_null(ag_cat(ts, 2, 0), "zero-dimensional tensor (at position "
			    "1) cannot be concatenated", "cat 0-d");
		ag_tensor_release(z);
	}

	/* legacy: 1-d empty tensors are skipped whatever their shape */
	{
		ag_tensor *e = ag_zeros(s0, 1, AG_FLOAT64);
		ts[0] = a;
		ts[1] = e;
		r = ag_cat(ts, 2, 1);
		ok(shape_is(r, 2, s22) && r->dtype == AG_FLOAT64,
		   "cat skips a 1-d empty tensor (but promotes with it)");
		ag_tensor_release(r);
		r = ag_cat(ts, 2, 5);
		ok(r == NULL, "dim is checked against the first non-empty tensor");
		ag_error_clear();
		ts[0] = e;
		ts[1] = e;
		r = ag_cat(ts, 2, 0);
		ok(shape_is(r, 1, s0) && r->dtype == AG_FLOAT64,
		   "cat of empties is empty");
		ag_tensor_release(r);
		ag_tensor_release(e);
	}
	/* a 2-d empty is not skipped */
	{
		ag_tensor *e = ag_zeros(s20, 2, AG_FLOAT32), *c = ag_zeros(s23, 2,
									 AG_FLOAT32);
		ts[0] = e;
		ts[1] = c;
		r = ag_cat(ts, 2, 1);
		ok(shape_is(r, 2, s23), "cat (2, 0) with (2, 3) along dim 1");
		ag_tensor_release(r);
		expect_null(ag_cat(ts, 2, 0), "Sizes of tensors must match except in "
			    "dimension 0. Expected size 0 but got size 3 for tensor "
			    "number 1 in the list.", "cat (2, 0) with (2, 3) along dim 0");
		ag_tensor_release(e);
		ag_tensor_release(c);
	}

	/* type promotion */
	{
		ag_tensor *bo = ag_ones(s23, 2, AG_BOOL), *i = seq(s23, 2, 5, AG_INT64);
		ag_tensor *h = ag_ones(s23, 2, AG_FLOAT16), *bf = ag_ones(s23, 2,
									  AG_BFLOAT16);
		ts[0] = bo;
		ts[1] = i;
		r = ag_cat(ts, 2, 0);
		{
			static const double want[] = { 1, 1, 1, 1, 1, 1, 5, 6, 7, 8, 9, 10 };
			ok(r && r->dtype == AG_INT64 && holds(r, want, 12),
			   "bool + int64 -> int64");
		}
		ag_tensor_release(r);
		ts[0] = h;
		ts[1] = bf;
		r = ag_cat(ts, 2, 0);
		ok(r && r->dtype == AG_FLOAT32, "float16 + bfloat16 -> float32");
		ag_tensor_release(r);
		ts[0] = h;
		ts[1] = i;
		r = ag_cat(ts, 2, 1);
		ok(r && r->dtype == AG_FLOAT16 && r->shape[1] == 6,
		   "float16 + int64 -> float16");
		ag_tensor_release(r);
		ag_tensor_release(bo);
		ag_tensor_release(i);
		ag_tensor_release(h);
		ag_tensor_release(bf);
	}

	/* non-contiguous inputs */
	{
		ag_tensor *t = ag_transpose(b, 0, 1);	/* 3x2: 10 13 / 11 14 / 12 15 */
		ag_tensor *c = seq((int64_t[]){ 1, 2 }, 2, 100, AG_FLOAT32);
		static const double want[] = { 10, 13, 11, 14, 12, 15, 100, 101 };
		ts[0] = t;
		ts[1] = c;
		r = ag_cat(ts, 2, 0);
		ok(holds(r, want, 8), "cat of a transposed tensor");
		ag_tensor_release(r);
		ag_tensor_release(t);
		ag_tensor_release(c);
	}
	ag_tensor_release(a);
	ag_tensor_release(b);
}

/* --------------------------------------------------------------- stack */

static void test_stack(void)
{
	int64_t s2[1] = { 2 }, s3[1] = { 3 };
	ag_tensor *a = seq(s2, 1, 1, AG_FLOAT32), *b = seq(s2, 1, 3, AG_INT64);
	ag_tensor *c = ag_zeros(s3, 1, AG_FLOAT32), *r, *ts[2] = { a, b };

	r = ag_stack(ts, 2, 0);
	{
		static const double want[] = { 1, 2, 3, 4 };
		int64_t sh[2] = { 2, 2 };
		ok(shape_is(r, 2, sh) && r->dtype == AG_FLOAT32 && holds(r, want, 4),
		   "stack along dim 0 (float32 + int64)");
	}
	ag_tensor_release(r);
	r = ag_stack(ts, 2, -1);
	{
		static const double want[] = { 1, 3, 2, 4 };
		ok(holds(r, want, 4), "stack along dim -1");
	}
	ag_tensor_release(r);
	ts[1] = c;
	expect_null(ag_stack(ts, 2, 0), "stack expects each tensor to be equal "
		    "size, but got [2] at entry 0 and [3] at entry 1",
		    "stack misfit");
	expect_null(ag_stack(ts, 0, 0), "stack expects a non-empty TensorList",
		    "stack of nothing");
	ts[1] = a;
	expect_null(ag_stack(ts, 2, 2), "Dimension out of range (expected to be "
		    "in range of [-2, 1], but got 2)", "stack dim 2");
	expect_null(ag_stack(ts, 2, -3), "Dimension out of range (expected to be "
		    "in range of [-2, 1], but got -3)", "stack dim -3");
	{
		ag_tensor *x = ag_scalar(1, AG_FLOAT32), *y = ag_scalar(2, AG_INT64);
		static const double want[] = { 1, 2 };
		ts[0] = x;
		ts[1] = y;
		r = ag_stack(ts, 2, 0);
		ok(shape_is(r, 1, s2) && r->dtype == AG_FLOAT32 && holds(r, want, 2),
		   "stack of 0-d tensors");
		ag_tensor_release(r);
		ag_tensor_release(x);
		ag_tensor_release(y);
	}
	ag_tensor_release(a);
	ag_tensor_release(b);
	ag_tensor_release(c);
}

/* -------------------------------------------------------- index_select */

static ag_tensor *index_of(const int64_t *v, int64_t n)
{
	return ag_from_buffer(v, &n, 1, AG_INT64);
}

static void test_index_select(void)
{
	int64_t s23[2] = { 2, 3 }, s5[1] = { 5 };
	ag_tensor *x = seq(s23, 2, 0, AG_FLOAT32), *r, *idx;

	idx = index_of((int64_t[]){ 2, 0, 2 }, 3);
	r = ag_index_select(x, 1, idx);
	{
		static const double want[] = { 2, 0, 2, 5, 3, 5 };
		ok(r && r->shape[0] == 2 && r->shape[1] == 3 && holds(r, want, 6),
		   "index_select dim 1");
		ok(r && r->version->value == 0, "index_select result at version 0");
	}
	ag_tensor_release(r);
	ag_tensor_release(idx);

	idx = index_of((int64_t[]){ 1 }, 1);
	r = ag_index_select(x, 0, idx);
	{
		static const double want[] = { 3, 4, 5 };
		ok(r && r->shape[0] == 1 && holds(r, want, 3), "index_select dim 0");
	}
	ag_tensor_release(r);
	ag_tensor_release(idx);

	idx = index_of((int64_t[]){ -1, -3 }, 2);
	r = ag_index_select(x, -1, idx);
	{
		static const double want[] = { 2, 0, 5, 3 };
		ok(holds(r, want, 4), "negative positions count from the end");
	}
	ag_tensor_release(r);
	ag_tensor_release(idx);

	idx = index_of((int64_t[]){ 3 }, 1);
	expect_null(ag_index_select(x, 1, idx), "index out of range in self",
		    "index_select past the end");
	ag_tensor_release(idx);
	idx = index_of((int64_t[]){ -4 }, 1);
	expect_null(ag_index_select(x, 1, idx), "index out of range in self",
		    "index_select before the start");
	ag_tensor_release(idx);
	expect_null(ag_index_select(x, 2, x), "Dimension out of range (expected to "
		    "be in range of [-2, 1], but got 2)", "index_select bad dim");
	{
		ag_tensor *i2 = seq((int64_t[]){ 1, 1 }, 2, 0, AG_INT64);
		expect_null(ag_index_select(x, 0, i2), "index_select(): Index is "
			    "supposed to be a vector", "index_select 2-d index");
		ag_tensor_release(i2);
	}
	{
		ag_tensor *fi = ag_zeros(s5, 1, AG_FLOAT32);
		expect_null(ag_index_select(x, 0, fi), "index_select(): Expected "
			    "dtype int32 or int64 for index",
			    "index_select float index");
		ag_tensor_release(fi);
	}

	/* a 0-d index picks one row, keeping the dim */
	idx = ag_scalar(1, AG_INT64);
	r = ag_index_select(x, 1, idx);
	{
		static const double want[] = { 1, 4 };
		ok(r && r->ndim == 2 && r->shape[1] == 1 && holds(r, want, 2),
		   "0-d index");
	}
	ag_tensor_release(r);
	ag_tensor_release(idx);

	/* an empty index gives an empty dim */
	idx = ag_zeros((int64_t[]){ 0 }, 1, AG_INT64);
	r = ag_index_select(x, 1, idx);
	ok(r && r->shape[0] == 2 && r->shape[1] == 0, "empty index");
	ag_tensor_release(r);
	ag_tensor_release(idx);

	/* a 0-d source */
	{
		ag_tensor *s = ag_scalar(5, AG_FLOAT32);
		idx = index_of((int64_t[]){ 0, 0 }, 2);
		r = ag_index_select(s, 0, idx);
		ok(r && r->ndim == 0 && holds(r, (double[]){ 5 }, 1), "0-d source");
		ag_tensor_release(r);
		ag_tensor_release(idx);
		idx = index_of((int64_t[]){ 1 }, 1);
		expect_null(ag_index_select(s, 0, idx), "index out of range in self",
			    "0-d source, index 1");
		ag_tensor_release(idx);
		ag_tensor_release(s);
	}
	{
		ag_tensor *e = ag_zeros((int64_t[]){ 0, 3 }, 2, AG_FLOAT32);
		idx = index_of((int64_t[]){ 0 }, 1);
		expect_null(ag_index_select(e, 0, idx), "index_select(): self "
			    "indexing axis dim should be positive",
			    "index_select from an empty dim");
		ag_tensor_release(idx);
		ag_tensor_release(e);
	}
	/* a strided source and a strided index */
	{
		ag_tensor *big = seq(s5, 1, 0, AG_INT64);
		ag_tensor *stepped = ag_slice(big, 0, 0, 5, 2);	/* 0 2 4 */
		ag_tensor *t = ag_transpose(x, 0, 1);		/* 3x2 */
		r = ag_index_select(t, 0, stepped);
		ok(r == NULL, "index 4 on a dim of 3 fails");
		ag_error_clear();
		ag_tensor *s2 = ag_slice(big, 0, 0, 3, 2);	/* 0 2 */
		r = ag_index_select(t, 0, s2);
		{
			static const double want[] = { 0, 3, 2, 5 };
			ok(holds(r, want, 4), "strided source and index");
		}
		ag_tensor_release(r);
		ag_tensor_release(s2);
		ag_tensor_release(t);
		ag_tensor_release(stepped);
		ag_tensor_release(big);
	}
	ag_tensor_release(x);
}

/* ------------------------------------------------- indexing from Lua */

static ag_index_spec I(int64_t i)
{
	return (ag_index_spec){ AG_IDX_INT, i, 0, 0 };
}

static ag_index_spec R(int64_t a, int64_t b, int64_t step)
{
	return (ag_index_spec){ AG_IDX_RANGE, a, b, step };
}

static const ag_index_spec ALL = { AG_IDX_ALL, 0, 0, 0 };

static void test_index_view(void)
{
	int64_t s234[3] = { 2, 3, 4 }, s23[2] = { 2, 3 };
	ag_tensor *x = seq(s234, 3, 0, AG_FLOAT32), *v;

	v = ag_index_view(x, (ag_index_spec[]){ I(1) }, 1);
	ok(v && v->ndim == 2 && v->shape[0] == 3 && v->storage == x->storage &&
	   v->version == x->version && v->base == x->base,
	   "x[2] is a view without the first dim");
	ok(v && holds(v, (double[]){ 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23 },
		       12), "x[2] values");
	ag_tensor_release(v);

	v = ag_index_view(x, (ag_index_spec[]){ ALL, I(-1), R(1, 4, 2) }, 3);
	ok(v && v->ndim == 2 && v->shape[0] == 2 && v->shape[1] == 2 &&
	   holds(v, (double[]){ 9, 11, 21, 23 }, 4), "x[{{}, -1, {2, 4, 2}}]");
	ag_tensor_release(v);

	v = ag_index_view(x, (ag_index_spec[]){ I(0), I(2), I(3) }, 3);
	ok(v && v->ndim == 0 && holds(v, (double[]){ 11 }, 1), "all ints: 0-d");
	ag_tensor_release(v);

	v = ag_index_view(x, (ag_index_spec[]){ R(0, 10, 1) }, 1);
	ok(v && v->shape[0] == 2, "a range is clamped to the dim");
	ag_tensor_release(v);

	v = ag_index_view(x, NULL, 0);
	ok(v && v != x && shape_is(v, 3, s234) && v->storage == x->storage,
	   "no spec: an alias");
	ag_tensor_release(v);

	expect_null(ag_index_view(x, (ag_index_spec[]){ ALL, I(5) }, 2),
		    "index 5 is out of bounds for dimension 1 with size 3",
		    "index past the end");
	expect_null(ag_index_view(x, (ag_index_spec[]){ I(-3) }, 1),
		    "index -3 is out of bounds for dimension 0 with size 2",
		    "negative index past the start");
	expect_null(ag_index_view(x, (ag_index_spec[]){ ALL, ALL, ALL, ALL }, 4),
		    "too many indices for tensor of dimension 3", "too many");
	expect_null(ag_index_view(x, (ag_index_spec[]){ R(0, 1, 0) }, 1),
		    "slice step must be positive", "step 0");
	{
		ag_tensor *s = ag_scalar(1, AG_FLOAT32);
		expect_null(ag_index_view(s, (ag_index_spec[]){ I(0) }, 1),
			    "invalid index of a 0-dim tensor. Use `tensor.item()` in "
			    "Python or `tensor.item<T>()` in C++ to convert a 0-dim "
			    "tensor to a number", "index a 0-d tensor");
		ag_tensor_release(s);
	}
	ag_tensor_release(x);

	(void)s23;
}

static void test_index_put(void)
{
	int64_t s33[2] = { 3, 3 }, s3[1] = { 3 }, s6[1] = { 6 }, s13[2] = { 1, 3 };
	ag_tensor *x = ag_zeros(s33, 2, AG_FLOAT32), *src;

	src = seq(s3, 1, 1, AG_INT64);
	is_int(ag_setitem(x, (ag_index_spec[]){ I(1) }, 1, src), 0,
	       "x[2] = int64 row");
	ok(holds(x, (double[]){ 0, 0, 0, 1, 2, 3, 0, 0, 0 }, 9), "row written");
	is_int(x->version->value, 1, "a put bumps the version");
	ag_tensor_release(src);

	/* broadcast a single value along a column */
	src = ag_scalar(7, AG_FLOAT64);
	is_int(ag_setitem(x, (ag_index_spec[]){ ALL, I(0) }, 2, src), 0,
	       "x[{{}, 1}] = 0-d tensor");
	ok(holds(x, (double[]){ 7, 0, 0, 7, 2, 3, 7, 0, 0 }, 9), "column written");
	ag_tensor_release(src);

	/* leading size-1 dims of the value are dropped, as in PyTorch */
	src = ag_ones(s13, 2, AG_FLOAT32);
	{
		ag_tensor *s113 = ag_unsqueeze(src, 0);
		is_int(ag_setitem(x, (ag_index_spec[]){ I(2) }, 1, s113), 0,
		       "x[3] = ones(1, 1, 3)");
		ag_tensor_release(s113);
	}
	ok(holds(x, (double[]){ 7, 0, 0, 7, 2, 3, 1, 1, 1 }, 9), "leading ones dropped");
	ag_tensor_release(src);

	src = ag_ones((int64_t[]){ 2 }, 1, AG_FLOAT32);
	expect_fail(ag_setitem(x, (ag_index_spec[]){ I(0) }, 1, src),
		    "The expanded size of the tensor (3) must match the existing "
		    "size (2) at non-singleton dimension 0.  Target sizes: [3].  "
		    "Tensor sizes: [2]", "value of the wrong size");
	expect_fail(ag_setitem(x, (ag_index_spec[]){ I(0), I(0) }, 2, src),
		    "expand(torch.FloatTensor{[2]}, size=[]): the number of sizes "
		    "provided (0) must be greater or equal to the number of "
		    "dimensions in the tensor (1)", "vector into one element");
	ag_tensor_release(src);
	ag_tensor_release(x);

	/* float into int64 truncates, as copy_ does */
	x = ag_zeros(s3, 1, AG_INT64);
	src = ag_scalar(2.7, AG_FLOAT32);
	is_int(ag_setitem(x, (ag_index_spec[]){ I(0) }, 1, src), 0,
	       "int64 x[1] = 2.7");
	ok(holds(x, (double[]){ 2, 0, 0 }, 3), "truncated to 2");
	ag_tensor_release(src);
	ag_tensor_release(x);

	/* partial overlap of value and target */
	x = seq(s6, 1, 0, AG_FLOAT32);
	src = ag_slice(x, 0, 0, 3, 1);
	expect_fail(ag_setitem(x, (ag_index_spec[]){ R(1, 4, 1) }, 1, src),
		    partial_msg, "y[{2, 4}] = y[{1, 3}]");
	ok(holds(x, (double[]){ 0, 1, 2, 3, 4, 5 }, 6), "nothing written");
	ag_tensor_release(src);
	/* the very same elements: allowed */
	src = ag_slice(x, 0, 1, 4, 1);
	is_int(ag_setitem(x, (ag_index_spec[]){ R(1, 4, 1) }, 1, src), 0,
	       "y[{2, 4}] = y[{2, 4}] is fine");
	ag_tensor_release(src);
	ag_tensor_release(x);

	/* writing into an expanded tensor */
	{
		ag_tensor *one = ag_zeros((int64_t[]){ 1 }, 1, AG_FLOAT32);
		ag_tensor *e = ag_expand(one, s3, 1);
		src = ag_ones(s3, 1, AG_FLOAT32);
		expect_fail(ag_setitem(e, NULL, 0, src), internal_msg,
			    "put into an expanded tensor");
		ag_tensor_release(src);
		src = ag_scalar(4, AG_FLOAT32);
		is_int(ag_setitem(e, (ag_index_spec[]){ I(1) }, 1, src), 0,
		       "one element of an expanded tensor is fine");
		ok(holds(e, (double[]){ 4, 4, 4 }, 3), "(it is the only element)");
		ag_tensor_release(src);
		ag_tensor_release(e);
		ag_tensor_release(one);
	}
	{
		ag_tensor *row = ag_zeros(s13, 2, AG_FLOAT32);
		ag_tensor *e = ag_expand(row, s33, 2);
		src = ag_ones(s3, 1, AG_FLOAT32);
		is_int(ag_setitem(e, (ag_index_spec[]){ I(0) }, 1, src), 0,
		       "a row of a row-expanded tensor is fine");
		ag_tensor_release(src);
		ag_tensor_release(e);
		ag_tensor_release(row);
	}
}

static void test_index_fill(void)
{
	int64_t s33[2] = { 3, 3 }, s13[2] = { 1, 3 }, s3[1] = { 3 };
	ag_tensor *x = ag_zeros(s33, 2, AG_FLOAT32);

	is_int(ag_setitem_fill(x, (ag_index_spec[]){ ALL, R(1, 3, 1) }, 2, 5), 0,
	       "x[{{}, {2, 3}}] = 5");
	ok(holds(x, (double[]){ 0, 5, 5, 0, 5, 5, 0, 5, 5 }, 9), "filled");
	is_int(x->version->value, 1, "a fill bumps the version");
	expect_fail(ag_setitem_fill(x, (ag_index_spec[]){ I(3) }, 1, 1),
		    "index 3 is out of bounds for dimension 0 with size 3",
		    "fill out of bounds");
	is_int(x->version->value, 1, "a failed fill leaves the version");
	ag_tensor_release(x);

	/* fill_ writes one value: allowed on expanded tensors */
	{
		ag_tensor *row = ag_zeros(s13, 2, AG_FLOAT32);
		ag_tensor *e = ag_expand(row, s33, 2);
		is_int(ag_setitem_fill(e, (ag_index_spec[]){ ALL, I(1) }, 2, 5), 0,
		       "fill into an expanded tensor");
		ok(holds(row, (double[]){ 0, 5, 0 }, 3), "the one row holds it");
		ag_tensor_release(e);
		ag_tensor_release(row);
	}

	x = ag_zeros(s3, 1, AG_INT64);
	expect_fail(ag_setitem_fill(x, (ag_index_spec[]){ I(0) }, 1, NAN),
		    "value cannot be converted to type int64_t without overflow",
		    "nan into int64");
	ag_tensor_release(x);
	x = ag_zeros(s3, 1, AG_BOOL);
	is_int(ag_setitem_fill(x, (ag_index_spec[]){ I(2) }, 1, 0.5), 0,
	       "bool x[3] = 0.5");
	ok(holds(x, (double[]){ 0, 0, 1 }, 3), "nonzero is true");
	ag_tensor_release(x);
}

int main(void)
{
	plan_lazy();
	test_cat();
	test_stack();
	test_index_select();
	test_index_view();
	test_index_put();
	test_index_fill();
	ok(ag_registry_count() == 0, "no tensor leaked (%zu live)",
	   ag_registry_count());
	return done_testing();
}
