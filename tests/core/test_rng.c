/*
 * test_rng.c - the generator gives PyTorch 1.13's numbers, seed for seed
 * (fixtures in test_rng_cases.h, made by gen_rng_cases.py), and rejects
 * bad arguments with PyTorch's texts.
 */
#include "ag.h"
#include "../tap.h"
#include "elements.h"

#include <math.h>
#include <stdlib.h>

struct rng_case {
	const char *op;
	ag_dtype dtype;
	uint64_t seed;
	int ndim;
	int64_t shape[4];
	double a, b;		/* from/to, mean/std or low/high */
	int nfirst;
	double first[6];	/* the first values, for the diagnostics */
	uint64_t hash;		/* FNV-1a of every byte of the result */
};

#include "test_rng_cases.h"

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Runs one case; returns the tensor whose bytes the hash covers. */
static ag_tensor *run(const struct rng_case *c)
{
	const char *op = c->op;
	ag_tensor *t = NULL;

	ag_manual_seed(c->seed);
	if (!strcmp(op, "rand"))
		return ag_rand(c->shape, c->ndim, c->dtype);
	if (!strcmp(op, "randn"))
		return ag_randn(c->shape, c->ndim, c->dtype);
	if (!strcmp(op, "randint"))
		return ag_randint((int64_t)c->a, (int64_t)c->b, c->shape, c->ndim,
				  c->dtype);
	if (!strcmp(op, "sequence")) {
		int64_t n[] = { 3, 5, 20, 3, 1 };
		ag_tensor *parts[5];
		for (int i = 0; i < 5; i++)
			parts[i] = i == 1 ? ag_rand(&n[i], 1, c->dtype) :
				ag_randn(&n[i], 1, c->dtype);
		t = ag_cat(parts, 5, 0);
		for (int i = 0; i < 5; i++)
			ag_tensor_release(parts[i]);
		return t;
	}
	t = ag_zeros(c->shape, c->ndim, c->dtype);
	if (!strcmp(op, "uniform") || !strcmp(op, "normal")) {
		int rc = op[0] == 'u' ? ag_uniform_(t, c->a, c->b) :
			ag_normal_(t, c->a, c->b);
		if (rc < 0) {
			ag_tensor_release(t);
			return NULL;
		}
		return t;
	}
	/* uniform_t / normal_t: draw into t.transpose(0, -1) */
	{
		ag_tensor *v = ag_transpose(t, 0, -1);
		int rc = op[0] == 'u' ? ag_uniform_(v, c->a, c->b) :
			ag_normal_(v, c->a, c->b);
		ag_tensor_release(v);
		if (rc < 0) {
			ag_tensor_release(t);
			return NULL;
		}
	}
	return t;
}

static void test_cases(void)
{
	size_t n = sizeof rng_cases / sizeof rng_cases[0];

	for (size_t k = 0; k < n; k++) {
		const struct rng_case *c = &rng_cases[k];
		ag_tensor *t = run(c);
		char shape[64];
		uint64_t h = 0;

		ag_shape_str(c->shape, c->ndim, shape, sizeof shape);
		if (t)
			h = fnv(ag_data_ptr(t),
				(size_t)ag_numel(t) * ag_dtype_size(t->dtype));
		if (!ok(t && h == c->hash, "%s %s %s seed %llu (%g, %g)", c->op,
			ag_dtype_name(c->dtype), shape,
			(unsigned long long)c->seed, c->a, c->b)) {
			if (!t)
				diag("error: %s", ag_error_message());
			for (int i = 0; t && i < c->nfirst; i++)
				diag("[%d] got %.17g, want %.17g", i, el(t, i),
				     c->first[i]);
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

static void expect_rc(int rc, const char *msg, const char *what)
{
	is_int(rc, -1, "%s fails", what);
	is_str(ag_error_message(), msg, "%s: message", what);
	ag_error_clear();
}

static void test_errors(void)
{
	int64_t s3 = 3, neg = -1, s1 = 1;
	ag_tensor *t;

	expect_error(ag_rand(&s3, 1, AG_INT64), AG_ERR_DTYPE,
		     "\"check_uniform_bounds\" not implemented for 'Long'",
		     "rand int64");
	expect_error(ag_rand(&s3, 1, AG_BOOL), AG_ERR_DTYPE,
		     "\"check_uniform_bounds\" not implemented for 'Bool'",
		     "rand bool");
	expect_error(ag_randn(&s3, 1, AG_INT64), AG_ERR_DTYPE,
		     "\"normal_kernel_cpu\" not implemented for 'Long'",
		     "randn int64");
	expect_error(ag_rand(&neg, 1, AG_FLOAT32), AG_ERR_VALUE,
		     "Trying to create tensor with negative dimension -1: [-1]",
		     "rand negative size");
	expect_error(ag_randint(5, 5, &s3, 1, AG_INT64), AG_ERR_VALUE,
		     "random_ expects 'from' to be less than 'to', but got "
		     "from=5 >= to=5", "randint empty range");
	expect_error(ag_randint(5, 3, &s3, 1, AG_INT64), AG_ERR_VALUE,
		     "random_ expects 'from' to be less than 'to', but got "
		     "from=5 >= to=3", "randint reversed range");
	expect_error(ag_randint(0, 3, &s3, 1, AG_BOOL), AG_ERR_VALUE,
		     "to - 1 is out of bounds for bool", "randint bool to");
	expect_error(ag_randint(-1, 2, &s3, 1, AG_BOOL), AG_ERR_VALUE,
		     "from is out of bounds for bool", "randint bool from");

	t = ag_empty(&s3, 1, AG_FLOAT32);
	expect_rc(ag_uniform_(t, 5, 3), "uniform_ expects to return a [from, to) "
		  "range, but found from=5 > to=3", "uniform_ reversed");
	expect_rc(ag_uniform_(t, -3e38, 3e38), "uniform_ expects to-from <= "
		  "std::numeric_limits<Float>::max(), but found to=3e+38 and "
		  "from=-3e+38 which result in to-from to exceed the limit",
		  "uniform_ range overflow");
	expect_rc(ag_uniform_(t, -1e39, 3), "from is out of bounds for float",
		  "uniform_ from out of float");
	expect_rc(ag_normal_(t, 0, -1), "normal expects std >= 0.0, but found "
		  "std -1", "normal_ negative std");
	expect_rc(ag_normal_(t, 0, NAN), "normal expects std >= 0.0, but found "
		  "std nan", "normal_ nan std");
	is_int(t->version->value, 0, "failed draws leave the version alone");
	is_int(ag_uniform_(t, 0, 1), 0, "uniform_ works");
	is_int(t->version->value, 1, "uniform_ bumps the version");
	is_int(ag_normal_(t, 0, 1), 0, "normal_ works");
	is_int(t->version->value, 2, "normal_ bumps the version");
	ag_tensor_release(t);

	t = ag_empty(&s3, 1, AG_FLOAT16);
	expect_rc(ag_uniform_(t, -1e5, 3), "from is out of bounds for c10::Half",
		  "uniform_ from out of half");
	ag_tensor_release(t);

	t = ag_empty(&s3, 1, AG_INT64);
	expect_rc(ag_uniform_(t, 0, 1), "\"check_uniform_bounds\" not "
		  "implemented for 'Long'", "uniform_ on int64");
	ag_tensor_release(t);

	/* writing random numbers into an expanded tensor */
	t = ag_empty(&s1, 1, AG_FLOAT32);
	{
		ag_tensor *e = ag_expand(t, &s3, 1);
		const char *msg = "unsupported operation: more than one element of "
			"the written-to tensor refers to a single memory location. "
			"Please clone() the tensor before performing the operation.";
		expect_rc(ag_uniform_(e, 0, 1), msg, "uniform_ on expanded");
		expect_rc(ag_normal_(e, 0, 1), msg, "normal_ on expanded");
		ag_tensor_release(e);
	}
	ag_tensor_release(t);
}

static void test_misc(void)
{
	int64_t s4 = 4, s0 = 0;
	ag_tensor *a, *b;

	ag_manual_seed(123);
	is_int(ag_initial_seed(), 123, "initial_seed after manual_seed");

	/* same seed, same numbers; the cache of normal_ is reset by a seed */
	ag_manual_seed(9);
	a = ag_randn(&s4, 1, AG_FLOAT64);
	ag_tensor_release(ag_randn(&s4, 1, AG_FLOAT64));	/* leaves a cache? */
	ag_manual_seed(9);
	b = ag_randn(&s4, 1, AG_FLOAT64);
	ok(memcmp(ag_data_ptr(a), ag_data_ptr(b), 4 * sizeof(double)) == 0,
	   "reseeding repeats the numbers");
	is_int(a->version->value, 0, "a fresh random tensor is at version 0");
	ag_tensor_release(a);
	ag_tensor_release(b);

	a = ag_rand(&s0, 1, AG_FLOAT32);
	ok(a && ag_numel(a) == 0, "empty rand");
	ag_tensor_release(a);
	a = ag_rand(NULL, 0, AG_FLOAT32);
	ok(a && a->ndim == 0 && el(a, 0) >= 0 && el(a, 0) < 1,
	   "0-d rand");
	ag_tensor_release(a);

	/* randint over the whole int64 range needs 64-bit draws */
	ag_manual_seed(1);
	a = ag_randint(INT64_MIN / 2, INT64_MAX / 2, &s4, 1, AG_INT64);
	ok(a != NULL, "randint over 2^63 values");
	ag_tensor_release(a);
}

int main(void)
{
	int64_t s4 = 4;
	ag_tensor *t;

	plan_lazy();
	/* before anything seeds the generator */
	is_int(ag_initial_seed(), FRESH_INITIAL_SEED, "default seed");
	t = ag_rand(&s4, 1, AG_FLOAT32);
	for (int i = 0; i < 4; i++)
		is_num(el(t, i), fresh_rand4[i], 0, "unseeded rand [%d]", i);
	ag_tensor_release(t);

	test_cases();
	test_errors();
	test_misc();
	return done_testing();
}
