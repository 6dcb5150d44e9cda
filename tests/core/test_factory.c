/*
 * test_factory.c - tensors made from nothing: their shapes, dtypes and
 * values, the flags they carry, and PyTorch's range values and errors
 * (arange/linspace fixtures in test_factory_cases.h, made by
 * gen_factory_cases.py).
 */
#include "ag.h"
#include "../tap.h"
#include "elements.h"

#include <math.h>
#include <stdlib.h>

struct range_case {
	const char *op;		/* "arange" or "linspace" */
	ag_dtype dtype;
	double a, b, c;		/* start, end, step | start, end, steps */
	int64_t numel;
	double ends[2];		/* first and last value */
	uint64_t hash;		/* FNV-1a of every byte of the result */
};

#include "test_factory_cases.h"

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void test_ranges(void)
{
	size_t n = sizeof range_cases / sizeof range_cases[0];

	for (size_t k = 0; k < n; k++) {
		const struct range_case *c = &range_cases[k];
		ag_tensor *t = c->op[0] == 'a' ?
			ag_arange(c->a, c->b, c->c, c->dtype) :
			ag_linspace(c->a, c->b, (int64_t)c->c, c->dtype);
		uint64_t h = 0;

		if (t)
			h = fnv(ag_data_ptr(t),
				(size_t)ag_numel(t) * ag_dtype_size(t->dtype));
		if (!ok(t && t->ndim == 1 && ag_numel(t) == c->numel && h == c->hash,
			"%s(%.17g, %.17g, %.17g) %s", c->op, c->a, c->b, c->c,
			ag_dtype_name(c->dtype))) {
			if (!t) {
				diag("error: %s", ag_error_message());
			} else {
				diag("numel %lld, want %lld", (long long)ag_numel(t),
				     (long long)c->numel);
				if (ag_numel(t))
					diag("ends %.17g %.17g, want %.17g %.17g",
					     el(t, 0), el(t, ag_numel(t) - 1),
					     c->ends[0], c->ends[1]);
			}
		}
		ag_tensor_release(t);
	}
}

static void expect_error(ag_tensor *t, ag_errcode code, const char *msg,
			 const char *what)
{
	ok(t == NULL, "%s fails", what);
	is_int(ag_error_code(), code, "%s: error code", what);
	is_str(ag_error_message(), msg, "%s: message", what);
	ag_tensor_release(t);
	ag_error_clear();
}

static void test_range_errors(void)
{
	expect_error(ag_arange(0, 10, 0, AG_FLOAT32), AG_ERR_VALUE,
		     "step must be nonzero", "arange step 0");
	expect_error(ag_arange(-0.5, 3.2, 0.7, AG_INT64), AG_ERR_VALUE,
		     "step must be nonzero", "arange int64 step truncated to 0");
	expect_error(ag_arange(0, 10, -1, AG_FLOAT32), AG_ERR_VALUE,
		     "upper bound and larger bound inconsistent with step sign",
		     "arange wrong sign");
	expect_error(ag_arange(0, INFINITY, 1, AG_FLOAT32), AG_ERR_VALUE,
		     "unsupported range: 0 -> inf", "arange to inf");
	expect_error(ag_arange(0, NAN, 1, AG_FLOAT64), AG_ERR_VALUE,
		     "unsupported range: 0 -> nan", "arange to nan");
	expect_error(ag_arange(0, 1e30, 1e-30, AG_FLOAT32), AG_ERR_VALUE,
		     "invalid size, possible overflow?", "arange too long");
	expect_error(ag_arange(0, INFINITY, 1, AG_INT64), AG_ERR_VALUE,
		     "value cannot be converted to type int64_t without overflow",
		     "arange int64 to inf");
	expect_error(ag_arange(0, 5, 1, AG_BOOL), AG_ERR_DTYPE,
		     "\"arange_cpu\" not implemented for 'Bool'", "arange bool");
	expect_error(ag_linspace(0, 1, -1, AG_FLOAT32), AG_ERR_VALUE,
		     "number of steps must be non-negative", "linspace -1 steps");
	expect_error(ag_linspace(0, 1, 3, AG_BOOL), AG_ERR_DTYPE,
		     "\"linspace_cpu\" not implemented for 'Bool'", "linspace bool");
	expect_error(ag_eye(-1, 3, AG_FLOAT32), AG_ERR_VALUE,
		     "n must be greater or equal to 0, got -1", "eye n < 0");
	expect_error(ag_eye(3, -2, AG_FLOAT32), AG_ERR_VALUE,
		     "m must be greater or equal to 0, got -2", "eye m < 0");
}

static bool all_equal(const ag_tensor *t, double v)
{
	for (int64_t i = 0; i < ag_numel(t); i++)
		if (el(t, i) != v)
			return false;
	return true;
}

static void test_fills(void)
{
	int64_t shape[3] = { 2, 3, 4 }, bad[2] = { 2, -3 };
	static const ag_dtype dts[] = { AG_FLOAT32, AG_FLOAT64, AG_FLOAT16,
					AG_BFLOAT16, AG_INT64, AG_BOOL };
	ag_tensor *t;

	for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
		const char *name = ag_dtype_name(dts[i]);
		t = ag_zeros(shape, 3, dts[i]);
		ok(t && t->dtype == dts[i] && t->ndim == 3 && ag_numel(t) == 24 &&
		   ag_is_contiguous(t) && all_equal(t, 0), "zeros %s", name);
		ag_tensor_release(t);
		t = ag_ones(shape, 3, dts[i]);
		ok(t && all_equal(t, 1), "ones %s", name);
		ag_tensor_release(t);
		t = ag_empty(shape, 3, dts[i]);
		ok(t && t->dtype == dts[i] && ag_numel(t) == 24, "empty %s", name);
		ag_tensor_release(t);
	}

	t = ag_full(shape, 3, 2.5, AG_FLOAT32);
	ok(t && all_equal(t, 2.5) && t->version->value == 0,
	   "full 2.5 (version 0)");
	ag_tensor_release(t);
	t = ag_full(shape, 2, -2.5, AG_INT64);
	ok(t && all_equal(t, -2), "full -2.5 into int64 truncates");
	ag_tensor_release(t);
	t = ag_full(shape, 1, 2.5, AG_BOOL);
	ok(t && all_equal(t, 1), "full 2.5 into bool is true");
	ag_tensor_release(t);
	t = ag_full(shape, 1, INFINITY, AG_FLOAT16);
	ok(t && isinf(el(t, 0)), "full inf into float16");
	ag_tensor_release(t);
	t = ag_full(shape, 1, 0.1, AG_FLOAT16);
	is_num(t ? el(t, 0) : 0, 0.0999755859375, 0, "full 0.1 rounds to half");
	ag_tensor_release(t);
	t = ag_full(shape, 1, 0.1, AG_BFLOAT16);
	is_num(t ? el(t, 0) : 0, 0.10009765625, 0, "full 0.1 rounds to bfloat16");
	ag_tensor_release(t);

	expect_error(ag_full(shape, 1, NAN, AG_INT64), AG_ERR_VALUE,
		     "value cannot be converted to type int64_t without overflow",
		     "full nan int64");
	expect_error(ag_full(shape, 1, 1e300, AG_FLOAT32), AG_ERR_VALUE,
		     "value cannot be converted to type float without overflow",
		     "full 1e300 float32");
	expect_error(ag_full(shape, 1, 65519, AG_FLOAT16), AG_ERR_VALUE,
		     "value cannot be converted to type at::Half without overflow",
		     "full 65519 float16");
	expect_error(ag_full(shape, 1, 1e39, AG_BFLOAT16), AG_ERR_VALUE,
		     "value cannot be converted to type at::BFloat16 without "
		     "overflow", "full 1e39 bfloat16");
	expect_error(ag_zeros(bad, 2, AG_FLOAT32), AG_ERR_VALUE,
		     "Trying to create tensor with negative dimension -3: [2, -3]",
		     "zeros negative size");

	t = ag_scalar(3.5, AG_FLOAT64);
	ok(t && t->ndim == 0 && ag_numel(t) == 1 && el(t, 0) == 3.5 &&
	   !t->is_wrapped_number, "scalar is 0-d");
	ag_tensor_release(t);
	t = ag_scalar(1e300, AG_FLOAT32);
	ok(t && isinf(el(t, 0)), "scalar 1e300 in float32 is inf (torch.tensor)");
	ag_tensor_release(t);
	expect_error(ag_scalar(NAN, AG_INT64), AG_ERR_VALUE,
		     "value cannot be converted to type int64 without overflow",
		     "scalar nan int64");
	expect_error(ag_linspace(0, 1e20, 3, AG_INT64), AG_ERR_VALUE,
		     "value cannot be converted to type int64_t without overflow",
		     "linspace int64 past the range");
	t = ag_wrapped_number(7, true);
	ok(t && t->ndim == 0 && t->dtype == AG_INT64 && t->is_wrapped_number &&
	   el(t, 0) == 7, "wrapped integer is int64");
	ag_tensor_release(t);
	t = ag_wrapped_number(0.5, false);
	ok(t && t->ndim == 0 && t->dtype == AG_FLOAT64 && t->is_wrapped_number &&
	   el(t, 0) == 0.5, "wrapped float is float64");
	ag_tensor_release(t);
}

static void test_buffer_eye_like(void)
{
	const float data[6] = { 1, 2, 3, 4, 5, 6 };
	int64_t shape[2] = { 2, 3 }, zero = 0;
	ag_tensor *t, *tr, *l;

	t = ag_from_buffer(data, shape, 2, AG_FLOAT32);
	ok(t && el(t, 0) == 1 && el(t, 5) == 6, "from_buffer copies");
	ok(t && ag_data_ptr(t) != (const void *)data, "from_buffer owns its data");
	ag_tensor_release(t);
	t = ag_from_buffer(NULL, &zero, 1, AG_INT64);
	ok(t && ag_numel(t) == 0, "from_buffer of nothing");
	ag_tensor_release(t);
	expect_error(ag_from_buffer(NULL, shape, 2, AG_FLOAT32), AG_ERR_VALUE,
		     "from_buffer: no data for 24 bytes", "from_buffer NULL data");

	t = ag_eye(2, 3, AG_FLOAT32);
	ok(t && t->shape[0] == 2 && t->shape[1] == 3 && el(t, 0) == 1 &&
	   el(t, 1) == 0 && el(t, 4) == 1 && el(t, 5) == 0, "eye(2, 3)");
	ag_tensor_release(t);
	t = ag_eye(3, 3, AG_BOOL);
	ok(t && el(t, 0) == 1 && el(t, 4) == 1 && el(t, 8) == 1 && el(t, 1) == 0,
	   "eye bool");
	ag_tensor_release(t);
	t = ag_eye(0, 0, AG_FLOAT32);
	ok(t && ag_numel(t) == 0, "eye(0)");
	ag_tensor_release(t);

	/* *_like keeps shape, dtype and (for a dense input) the layout */
	t = ag_from_buffer(data, shape, 2, AG_FLOAT32);
	tr = ag_transpose(t, 0, 1);
	l = ag_zeros_like(tr);
	ok(l && l->shape[0] == 3 && l->shape[1] == 2 && l->dtype == AG_FLOAT32 &&
	   l->stride[0] == 1 && l->stride[1] == 3 && all_equal(l, 0),
	   "zeros_like of a transpose keeps its layout");
	ag_tensor_release(l);
	l = ag_ones_like(tr);
	ok(l && l->stride[0] == 1 && all_equal(l, 1), "ones_like");
	ag_tensor_release(l);
	l = ag_empty_like(t);
	ok(l && ag_is_contiguous(l) && ag_same_shape(l, t), "empty_like");
	ag_tensor_release(l);
	ag_tensor_release(tr);
	ag_tensor_release(t);
	{
		int64_t one = 1, four = 4;
		ag_tensor *s = ag_scalar(1, AG_INT64), *e;
		t = ag_view(s, &one, 1);
		e = ag_expand(t, &four, 1);
		l = ag_ones_like(e);
		ok(l && l->stride[0] == 1 && l->dtype == AG_INT64 && all_equal(l, 1),
		   "ones_like of an expanded tensor is contiguous");
		ag_tensor_release(l);
		ag_tensor_release(e);
		ag_tensor_release(t);
		ag_tensor_release(s);
	}
}

int main(void)
{
	plan_lazy();
	test_ranges();
	test_range_errors();
	test_fills();
	test_buffer_eye_like();
	return done_testing();
}
