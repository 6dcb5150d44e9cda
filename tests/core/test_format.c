/*
 * test_format.c - ag_format against the repr PyTorch 1.13 gives the same
 * tensors (fixtures in test_format_cases.h, made by gen_format_cases.py).
 */
#include "ag.h"
#include "../tap.h"
#include "elements.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

struct format_case {
	ag_dtype dtype;
	int ndim;
	int64_t shape[4];
	const double *vals;		/* floating values, row-major */
	const long long *ivals;		/* int64/bool values */
	const char *gen;		/* "none", "randn", "randint", "arange" */
	int seed;
	double a, b;			/* scale | lo, hi | mul, add */
	bool transpose;			/* print x.transpose(0, -1) */
	int unused;
	ag_print_options opts;
	const char *suffix;
	const char *expect;
};

#include "test_format_cases.h"

static void store(ag_tensor *t, int64_t i, double v)
{
	ag_store((char *)ag_data_ptr(t) + i * (int64_t)ag_dtype_size(t->dtype),
		 t->dtype, v);
}

/* x * s as PyTorch computes it: in float for the narrow types, whose
 * tensors also round the scalar to their own dtype first. */
static double scaled(ag_dtype dt, double x, double s)
{
	unsigned char b[8];

	if (dt == AG_FLOAT64)
		return x * s;
	if (dt == AG_FLOAT16 || dt == AG_BFLOAT16) {
		ag_store(b, dt, s);
		s = ag_load(b, dt);
	}
	return (double)((float)x * (float)s);
}

static ag_tensor *build(const struct format_case *c)
{
	ag_tensor *t;
	int64_t n;

	if (!strcmp(c->gen, "randn")) {
		ag_manual_seed((uint64_t)c->seed);
		t = ag_randn(c->shape, c->ndim, c->dtype);
		n = t ? ag_numel(t) : 0;
		for (int64_t i = 0; i < n; i++)
			store(t, i, scaled(c->dtype, el(t, i), c->a));
		return t;
	}
	if (!strcmp(c->gen, "randint")) {
		ag_manual_seed((uint64_t)c->seed);
		return ag_randint((int64_t)c->a, (int64_t)c->b, c->shape, c->ndim,
				  c->dtype);
	}
	t = ag_empty(c->shape, c->ndim, c->dtype);
	if (!t)
		return NULL;
	n = ag_numel(t);
	for (int64_t i = 0; i < n; i++) {
		if (!strcmp(c->gen, "arange")) {
			if (c->dtype == AG_INT64)
				ag_store_i64((int64_t *)ag_data_ptr(t) + i, AG_INT64,
					     i * (int64_t)c->a + (int64_t)c->b);
			else
				store(t, i, scaled(c->dtype, (double)i, c->a) + c->b);
		} else if (c->vals) {
			store(t, i, c->vals[i]);
		} else {
			ag_store_i64((char *)ag_data_ptr(t) +
				     i * (int64_t)ag_dtype_size(c->dtype),
				     c->dtype, c->ivals[i]);
		}
	}
	return t;
}

static void run_cases(void)
{
	size_t ncases = sizeof format_cases / sizeof format_cases[0];
	int failed = 0;

	for (size_t k = 0; k < ncases; k++) {
		const struct format_case *c = &format_cases[k];
		ag_tensor *t = build(c), *shown = t;
		char *s;

		if (t && c->transpose)
			shown = ag_transpose(t, 0, -1);
		s = shown ? ag_format(shown, &c->opts, c->suffix) : NULL;
		if (!ok(s && strcmp(s, c->expect) == 0, "case %zu (%s, %d-d%s)",
			k, ag_dtype_name(c->dtype), c->ndim,
			c->transpose ? ", transposed" : "")) {
			failed++;
			diag("got:\n%s\n# want:\n%s", s ? s : ag_error_message(),
			     c->expect);
		}
		free(s);
		if (shown != t)
			ag_tensor_release(shown);
		ag_tensor_release(t);
	}
	ok(failed == 0, "%zu PyTorch reprs reproduced (%d differ)", ncases,
	   failed);
}

/* What the generated cases do not cover: the API's own edges. */
static void test_api(void)
{
	ag_print_options o;
	int64_t shape[2] = { 2, 2 };
	ag_tensor *t = ag_zeros(shape, 2, AG_FLOAT32);
	char *s;

	ag_print_options_default(&o);
	is_int(o.precision, 4, "default precision");
	is_int(o.threshold, 1000, "default threshold");
	is_int(o.edgeitems, 3, "default edgeitems");
	is_int(o.linewidth, 80, "default linewidth");

	s = ag_format(t, NULL, NULL);
	is_str(s, "tensor([[0., 0.],\n        [0., 0.]])", "NULL options = defaults");
	free(s);

	s = ag_format(t, NULL, ", grad_fn=<AddBackward0>");
	is_str(s, "tensor([[0., 0.],\n        [0., 0.]], grad_fn=<AddBackward0>)",
	       "suffix with its leading comma");
	free(s);

	s = ag_format(t, NULL, "");
	is_str(s, "tensor([[0., 0.],\n        [0., 0.]])", "empty suffix");
	free(s);

	o.precision = -1;
	ok(ag_format(t, &o, NULL) == NULL && ag_error_code() == AG_ERR_VALUE,
	   "negative precision is an error");
	ag_error_clear();
	ok(ag_format(NULL, NULL, NULL) == NULL, "NULL tensor is an error");
	ag_error_clear();
	ag_tensor_release(t);

	/* a view in the middle of a storage prints its own elements */
	t = ag_arange(0, 10, 1, AG_INT64);
	{
		ag_tensor *v = ag_slice(t, 0, 2, 9, 3);
		s = ag_format(v, NULL, NULL);
		is_str(s, "tensor([2, 5, 8])", "strided slice");
		free(s);
		ag_tensor_release(v);
	}
	ag_tensor_release(t);

	/* an expanded tensor (stride 0) */
	t = ag_scalar(1.5, AG_FLOAT32);
	{
		int64_t sh[2] = { 2, 3 };
		ag_tensor *e = ag_expand(t, sh, 2);
		s = ag_format(e, NULL, NULL);
		is_str(s, "tensor([[1.5000, 1.5000, 1.5000],\n"
		       "        [1.5000, 1.5000, 1.5000]])", "expanded");
		free(s);
		ag_tensor_release(e);
	}
	ag_tensor_release(t);
}

int main(void)
{
	plan_lazy();
	run_cases();
	test_api();
	return done_testing();
}
