/*
 * test_promote.c - type promotion (PyTorch's three tiers), promote_types,
 * can_cast and broadcasting, against tables taken from torch 1.13.
 */
#include "internal.h"
#include "../tap.h"

enum kind { DIM, ZERO, WRAPPED };

struct rt_case {
	ag_dtype a;
	enum kind ak;
	ag_dtype b;
	enum kind bk;
	ag_dtype r;
};

/* generated with torch 1.13.0a0: {a dtype, a kind, b dtype, b kind, result} */
static const struct rt_case rt_cases[] = {
	{ AG_FLOAT32, DIM, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT32, DIM, AG_FLOAT64, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT32, ZERO, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT32, DIM, AG_FLOAT16, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_FLOAT16, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_FLOAT32, ZERO, AG_FLOAT16, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_BFLOAT16, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_BFLOAT16, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_FLOAT32, ZERO, AG_BFLOAT16, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_INT64, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_INT64, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_INT64, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_INT64, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_BOOL, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_BOOL, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_BOOL, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_BOOL, ZERO, AG_FLOAT32 },
	{ AG_FLOAT64, DIM, AG_FLOAT32, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_FLOAT32, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT64, ZERO, AG_FLOAT32, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_FLOAT16, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_FLOAT16, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_FLOAT64, ZERO, AG_FLOAT16, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_BFLOAT16, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_BFLOAT16, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_FLOAT64, ZERO, AG_BFLOAT16, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_INT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_INT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_INT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_INT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_BOOL, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_BOOL, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_BOOL, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_BOOL, ZERO, AG_FLOAT64 },
	{ AG_FLOAT16, DIM, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT16, DIM, AG_FLOAT32, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT16, ZERO, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_FLOAT16, DIM, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT16, DIM, AG_FLOAT64, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT16, ZERO, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT16, DIM, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, DIM, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, DIM, AG_BFLOAT16, DIM, AG_FLOAT32 },
	{ AG_FLOAT16, DIM, AG_BFLOAT16, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_FLOAT16, ZERO, AG_BFLOAT16, ZERO, AG_FLOAT32 },
	{ AG_FLOAT16, DIM, AG_INT64, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, DIM, AG_INT64, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_INT64, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_INT64, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, DIM, AG_BOOL, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, DIM, AG_BOOL, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_BOOL, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_BOOL, ZERO, AG_FLOAT16 },
	{ AG_BFLOAT16, DIM, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_BFLOAT16, DIM, AG_FLOAT32, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_BFLOAT16, ZERO, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_BFLOAT16, DIM, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_BFLOAT16, DIM, AG_FLOAT64, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_BFLOAT16, ZERO, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_BFLOAT16, DIM, AG_FLOAT16, DIM, AG_FLOAT32 },
	{ AG_BFLOAT16, DIM, AG_FLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_FLOAT16, ZERO, AG_FLOAT32 },
	{ AG_BFLOAT16, DIM, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, DIM, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, DIM, AG_INT64, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, DIM, AG_INT64, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_INT64, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_INT64, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, DIM, AG_BOOL, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, DIM, AG_BOOL, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_BOOL, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_BOOL, ZERO, AG_BFLOAT16 },
	{ AG_INT64, DIM, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_INT64, DIM, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_INT64, ZERO, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_INT64, ZERO, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_INT64, DIM, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_INT64, DIM, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_INT64, ZERO, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_INT64, ZERO, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_INT64, DIM, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_INT64, DIM, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_INT64, ZERO, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_INT64, ZERO, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_INT64, DIM, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_INT64, DIM, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_INT64, ZERO, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_INT64, ZERO, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_INT64, DIM, AG_INT64, DIM, AG_INT64 },
	{ AG_INT64, DIM, AG_INT64, ZERO, AG_INT64 },
	{ AG_INT64, ZERO, AG_INT64, DIM, AG_INT64 },
	{ AG_INT64, ZERO, AG_INT64, ZERO, AG_INT64 },
	{ AG_INT64, DIM, AG_BOOL, DIM, AG_INT64 },
	{ AG_INT64, DIM, AG_BOOL, ZERO, AG_INT64 },
	{ AG_INT64, ZERO, AG_BOOL, DIM, AG_INT64 },
	{ AG_INT64, ZERO, AG_BOOL, ZERO, AG_INT64 },
	{ AG_BOOL, DIM, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_BOOL, DIM, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_BOOL, ZERO, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_BOOL, ZERO, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_BOOL, DIM, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_BOOL, DIM, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_BOOL, ZERO, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_BOOL, ZERO, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_BOOL, DIM, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_BOOL, DIM, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_BOOL, ZERO, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_BOOL, ZERO, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_BOOL, DIM, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_BOOL, DIM, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_BOOL, ZERO, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_BOOL, ZERO, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_BOOL, DIM, AG_INT64, DIM, AG_INT64 },
	{ AG_BOOL, DIM, AG_INT64, ZERO, AG_INT64 },
	{ AG_BOOL, ZERO, AG_INT64, DIM, AG_INT64 },
	{ AG_BOOL, ZERO, AG_INT64, ZERO, AG_INT64 },
	{ AG_BOOL, DIM, AG_BOOL, DIM, AG_BOOL },
	{ AG_BOOL, DIM, AG_BOOL, ZERO, AG_BOOL },
	{ AG_BOOL, ZERO, AG_BOOL, DIM, AG_BOOL },
	{ AG_BOOL, ZERO, AG_BOOL, ZERO, AG_BOOL },
	{ AG_FLOAT32, DIM, AG_INT64, WRAPPED, AG_FLOAT32 },
	{ AG_INT64, WRAPPED, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_INT64, WRAPPED, AG_FLOAT32 },
	{ AG_INT64, WRAPPED, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_FLOAT64, WRAPPED, AG_FLOAT32 },
	{ AG_FLOAT64, WRAPPED, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_FLOAT64, WRAPPED, AG_FLOAT32 },
	{ AG_FLOAT64, WRAPPED, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_FLOAT32, DIM, AG_BOOL, WRAPPED, AG_FLOAT32 },
	{ AG_BOOL, WRAPPED, AG_FLOAT32, DIM, AG_FLOAT32 },
	{ AG_FLOAT32, ZERO, AG_BOOL, WRAPPED, AG_FLOAT32 },
	{ AG_BOOL, WRAPPED, AG_FLOAT32, ZERO, AG_FLOAT32 },
	{ AG_FLOAT64, DIM, AG_INT64, WRAPPED, AG_FLOAT64 },
	{ AG_INT64, WRAPPED, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_INT64, WRAPPED, AG_FLOAT64 },
	{ AG_INT64, WRAPPED, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_FLOAT64, WRAPPED, AG_FLOAT64 },
	{ AG_FLOAT64, WRAPPED, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_FLOAT64, WRAPPED, AG_FLOAT64 },
	{ AG_FLOAT64, WRAPPED, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT64, DIM, AG_BOOL, WRAPPED, AG_FLOAT64 },
	{ AG_BOOL, WRAPPED, AG_FLOAT64, DIM, AG_FLOAT64 },
	{ AG_FLOAT64, ZERO, AG_BOOL, WRAPPED, AG_FLOAT64 },
	{ AG_BOOL, WRAPPED, AG_FLOAT64, ZERO, AG_FLOAT64 },
	{ AG_FLOAT16, DIM, AG_INT64, WRAPPED, AG_FLOAT16 },
	{ AG_INT64, WRAPPED, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_INT64, WRAPPED, AG_FLOAT16 },
	{ AG_INT64, WRAPPED, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, DIM, AG_FLOAT64, WRAPPED, AG_FLOAT16 },
	{ AG_FLOAT64, WRAPPED, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_FLOAT64, WRAPPED, AG_FLOAT16 },
	{ AG_FLOAT64, WRAPPED, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_FLOAT16, DIM, AG_BOOL, WRAPPED, AG_FLOAT16 },
	{ AG_BOOL, WRAPPED, AG_FLOAT16, DIM, AG_FLOAT16 },
	{ AG_FLOAT16, ZERO, AG_BOOL, WRAPPED, AG_FLOAT16 },
	{ AG_BOOL, WRAPPED, AG_FLOAT16, ZERO, AG_FLOAT16 },
	{ AG_BFLOAT16, DIM, AG_INT64, WRAPPED, AG_BFLOAT16 },
	{ AG_INT64, WRAPPED, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_INT64, WRAPPED, AG_BFLOAT16 },
	{ AG_INT64, WRAPPED, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, DIM, AG_FLOAT64, WRAPPED, AG_BFLOAT16 },
	{ AG_FLOAT64, WRAPPED, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_FLOAT64, WRAPPED, AG_BFLOAT16 },
	{ AG_FLOAT64, WRAPPED, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_BFLOAT16, DIM, AG_BOOL, WRAPPED, AG_BFLOAT16 },
	{ AG_BOOL, WRAPPED, AG_BFLOAT16, DIM, AG_BFLOAT16 },
	{ AG_BFLOAT16, ZERO, AG_BOOL, WRAPPED, AG_BFLOAT16 },
	{ AG_BOOL, WRAPPED, AG_BFLOAT16, ZERO, AG_BFLOAT16 },
	{ AG_INT64, DIM, AG_INT64, WRAPPED, AG_INT64 },
	{ AG_INT64, WRAPPED, AG_INT64, DIM, AG_INT64 },
	{ AG_INT64, ZERO, AG_INT64, WRAPPED, AG_INT64 },
	{ AG_INT64, WRAPPED, AG_INT64, ZERO, AG_INT64 },
	{ AG_INT64, DIM, AG_FLOAT64, WRAPPED, AG_FLOAT32 },
	{ AG_FLOAT64, WRAPPED, AG_INT64, DIM, AG_FLOAT32 },
	{ AG_INT64, ZERO, AG_FLOAT64, WRAPPED, AG_FLOAT32 },
	{ AG_FLOAT64, WRAPPED, AG_INT64, ZERO, AG_FLOAT32 },
	{ AG_INT64, DIM, AG_BOOL, WRAPPED, AG_INT64 },
	{ AG_BOOL, WRAPPED, AG_INT64, DIM, AG_INT64 },
	{ AG_INT64, ZERO, AG_BOOL, WRAPPED, AG_INT64 },
	{ AG_BOOL, WRAPPED, AG_INT64, ZERO, AG_INT64 },
	{ AG_BOOL, DIM, AG_INT64, WRAPPED, AG_INT64 },
	{ AG_INT64, WRAPPED, AG_BOOL, DIM, AG_INT64 },
	{ AG_BOOL, ZERO, AG_INT64, WRAPPED, AG_INT64 },
	{ AG_INT64, WRAPPED, AG_BOOL, ZERO, AG_INT64 },
	{ AG_BOOL, DIM, AG_FLOAT64, WRAPPED, AG_FLOAT32 },
	{ AG_FLOAT64, WRAPPED, AG_BOOL, DIM, AG_FLOAT32 },
	{ AG_BOOL, ZERO, AG_FLOAT64, WRAPPED, AG_FLOAT32 },
	{ AG_FLOAT64, WRAPPED, AG_BOOL, ZERO, AG_FLOAT32 },
	{ AG_BOOL, DIM, AG_BOOL, WRAPPED, AG_BOOL },
	{ AG_BOOL, WRAPPED, AG_BOOL, DIM, AG_BOOL },
	{ AG_BOOL, ZERO, AG_BOOL, WRAPPED, AG_BOOL },
	{ AG_BOOL, WRAPPED, AG_BOOL, ZERO, AG_BOOL },
};
static const struct { ag_dtype a, b, r; } pt_cases[] = {
	{ AG_FLOAT32, AG_FLOAT32, AG_FLOAT32 },
	{ AG_FLOAT32, AG_FLOAT64, AG_FLOAT64 },
	{ AG_FLOAT32, AG_FLOAT16, AG_FLOAT32 },
	{ AG_FLOAT32, AG_BFLOAT16, AG_FLOAT32 },
	{ AG_FLOAT32, AG_INT64, AG_FLOAT32 },
	{ AG_FLOAT32, AG_BOOL, AG_FLOAT32 },
	{ AG_FLOAT64, AG_FLOAT32, AG_FLOAT64 },
	{ AG_FLOAT64, AG_FLOAT64, AG_FLOAT64 },
	{ AG_FLOAT64, AG_FLOAT16, AG_FLOAT64 },
	{ AG_FLOAT64, AG_BFLOAT16, AG_FLOAT64 },
	{ AG_FLOAT64, AG_INT64, AG_FLOAT64 },
	{ AG_FLOAT64, AG_BOOL, AG_FLOAT64 },
	{ AG_FLOAT16, AG_FLOAT32, AG_FLOAT32 },
	{ AG_FLOAT16, AG_FLOAT64, AG_FLOAT64 },
	{ AG_FLOAT16, AG_FLOAT16, AG_FLOAT16 },
	{ AG_FLOAT16, AG_BFLOAT16, AG_FLOAT32 },
	{ AG_FLOAT16, AG_INT64, AG_FLOAT16 },
	{ AG_FLOAT16, AG_BOOL, AG_FLOAT16 },
	{ AG_BFLOAT16, AG_FLOAT32, AG_FLOAT32 },
	{ AG_BFLOAT16, AG_FLOAT64, AG_FLOAT64 },
	{ AG_BFLOAT16, AG_FLOAT16, AG_FLOAT32 },
	{ AG_BFLOAT16, AG_BFLOAT16, AG_BFLOAT16 },
	{ AG_BFLOAT16, AG_INT64, AG_BFLOAT16 },
	{ AG_BFLOAT16, AG_BOOL, AG_BFLOAT16 },
	{ AG_INT64, AG_FLOAT32, AG_FLOAT32 },
	{ AG_INT64, AG_FLOAT64, AG_FLOAT64 },
	{ AG_INT64, AG_FLOAT16, AG_FLOAT16 },
	{ AG_INT64, AG_BFLOAT16, AG_BFLOAT16 },
	{ AG_INT64, AG_INT64, AG_INT64 },
	{ AG_INT64, AG_BOOL, AG_INT64 },
	{ AG_BOOL, AG_FLOAT32, AG_FLOAT32 },
	{ AG_BOOL, AG_FLOAT64, AG_FLOAT64 },
	{ AG_BOOL, AG_FLOAT16, AG_FLOAT16 },
	{ AG_BOOL, AG_BFLOAT16, AG_BFLOAT16 },
	{ AG_BOOL, AG_INT64, AG_INT64 },
	{ AG_BOOL, AG_BOOL, AG_BOOL },
};

/* A tensor of the given tier; wrapped ones stand for Lua numbers. */
static ag_tensor *operand(ag_dtype dt, enum kind k)
{
	int64_t shape[1] = { 2 };
	ag_tensor *t = ag_tensor_alloc(shape, k == DIM ? 1 : 0, dt);
	if (t) {
		memset(ag_data_ptr(t), 0, ag_dtype_size(dt) * (k == DIM ? 2 : 1));
		t->is_wrapped_number = k == WRAPPED;
	}
	return t;
}

static const char *kind_name(enum kind k)
{
	return k == DIM ? "dim" : k == ZERO ? "0-d" : "wrapped";
}

static void test_result_type_table(void)
{
	int bad = 0;
	size_t n = sizeof rt_cases / sizeof rt_cases[0];

	for (size_t i = 0; i < n; i++) {
		const struct rt_case *c = &rt_cases[i];
		ag_tensor *a = operand(c->a, c->ak), *b = operand(c->b, c->bk);
		ag_dtype got = ag_result_type(a, b);
		if (got != c->r) {
			bad++;
			diag("%s %s + %s %s: got %s, want %s",
			     kind_name(c->ak), ag_dtype_name(c->a),
			     kind_name(c->bk), ag_dtype_name(c->b),
			     ag_dtype_name(got), ag_dtype_name(c->r));
		}
		ag_tensor_release(a);
		ag_tensor_release(b);
	}
	ok(bad == 0, "result_type matches torch for %zu operand pairs", n);
}

static void test_promote_table(void)
{
	int bad = 0;
	size_t n = sizeof pt_cases / sizeof pt_cases[0];

	for (size_t i = 0; i < n; i++) {
		ag_dtype got = ag_promote_types(pt_cases[i].a, pt_cases[i].b);
		if (got != pt_cases[i].r) {
			bad++;
			diag("promote(%s, %s): got %s, want %s",
			     ag_dtype_name(pt_cases[i].a), ag_dtype_name(pt_cases[i].b),
			     ag_dtype_name(got), ag_dtype_name(pt_cases[i].r));
		}
	}
	ok(bad == 0, "promote_types matches torch for all %zu dtype pairs", n);
	ok(ag_promote_types(AG_FLOAT16, AG_BFLOAT16) == AG_FLOAT32,
	   "float16 with bfloat16 meet in float32");
}

static void test_named_rules(void)
{
	ag_tensor *i = operand(AG_INT64, DIM), *h = operand(AG_FLOAT16, DIM);
	ag_tensor *wf = operand(AG_FLOAT64, WRAPPED), *wi = operand(AG_INT64, WRAPPED);
	ag_tensor *zd = operand(AG_FLOAT64, ZERO), *b = operand(AG_BOOL, DIM);
	ag_tensor *f = operand(AG_FLOAT32, DIM);

	ok(ag_result_type(i, wf) == AG_FLOAT32,
	   "a float number makes an int tensor float32 (the default dtype)");
	ok(ag_result_type(h, wi) == AG_FLOAT16, "an int number keeps float16");
	ok(ag_result_type(h, wf) == AG_FLOAT16, "a float number keeps float16");
	ok(ag_result_type(i, zd) == AG_FLOAT64,
	   "a 0-d float64 tensor of a higher category wins over an int tensor");
	ok(ag_result_type(f, zd) == AG_FLOAT32,
	   "a 0-d float64 tensor does not widen a float32 tensor");
	ok(ag_result_type(b, wi) == AG_INT64, "bool tensor with an int number -> int64");
	ok(ag_result_type(wi, wf) == AG_FLOAT32, "two numbers: float wins, as float32");
	ag_tensor_release(i); ag_tensor_release(h); ag_tensor_release(wf);
	ag_tensor_release(wi); ag_tensor_release(zd); ag_tensor_release(b);
	ag_tensor_release(f);
}

static void test_can_cast(void)
{
	ok(ag_can_cast(AG_INT64, AG_FLOAT16), "int64 casts to float16");
	ok(ag_can_cast(AG_BOOL, AG_INT64), "bool casts to int64");
	ok(ag_can_cast(AG_FLOAT64, AG_BFLOAT16), "float64 casts down to bfloat16");
	ok(!ag_can_cast(AG_FLOAT32, AG_INT64), "float does not cast to int64");
	ok(!ag_can_cast(AG_INT64, AG_BOOL), "int64 does not cast to bool");
	ok(!ag_can_cast(AG_FLOAT32, AG_BOOL), "float does not cast to bool");
	ok(ag_check_cast(AG_FLOAT32, AG_INT64) < 0 &&
	   ag_error_code() == AG_ERR_DTYPE, "check_cast fails with AG_ERR_DTYPE");
	is_str(ag_error_message(),
	       "result type Float can't be cast to the desired output type Long",
	       "check_cast message is torch's");
	ag_check_cast(AG_FLOAT16, AG_BOOL);
	is_str(ag_error_message(),
	       "result type Half can't be cast to the desired output type Bool",
	       "check_cast names Half and Bool as torch does");
	ag_error_clear();
}

static void bc_ok(const int64_t *a, int na, const int64_t *b, int nb,
		  const int64_t *want, int nwant, const char *what)
{
	int64_t out[AG_MAX_DIMS];
	int n = -1;
	int rc = ag_broadcast_shapes(a, na, b, nb, out, &n);
	bool same = rc == 0 && n == nwant;
	for (int i = 0; same && i < n; i++)
		same = out[i] == want[i];
	ok(same, "broadcast %s", what);
}

static void bc_err(const int64_t *a, int na, const int64_t *b, int nb,
		   const char *msg, const char *what)
{
	int64_t out[AG_MAX_DIMS];
	int n;
	ag_error_clear();
	ok(ag_broadcast_shapes(a, na, b, nb, out, &n) < 0 &&
	   ag_error_code() == AG_ERR_SHAPE, "broadcast %s fails", what);
	is_str(ag_error_message(), msg, "broadcast %s: torch's message", what);
}

static void test_broadcast(void)
{
	int64_t s23[] = { 2, 3 }, s3[] = { 3 }, s4[] = { 4 }, s24[] = { 2, 4 };
	int64_t s21[] = { 2, 1 }, s14[] = { 1, 4 }, s53[] = { 5, 3 };
	int64_t s214[] = { 2, 1, 4 }, s1[] = { 1 }, s20[] = { 2, 0 };
	int64_t s0[] = { 0 }, s13[] = { 1, 3 }, s513[] = { 5, 1, 3 };

	bc_ok(s23, 2, s3, 1, s23, 2, "[2, 3] with [3]");
	bc_ok(s21, 2, s14, 2, s24, 2, "[2, 1] with [1, 4]");
	bc_ok(NULL, 0, s23, 2, s23, 2, "[] with [2, 3]");
	bc_ok(s23, 2, NULL, 0, s23, 2, "[2, 3] with []");
	bc_ok(s20, 2, s1, 1, s20, 2, "[2, 0] with [1]");
	bc_ok(s0, 1, s21, 2, s20, 2, "[0] with [2, 1]");
	bc_ok(s513, 3, s13, 2, s513, 3, "[5, 1, 3] with [1, 3]");
	bc_err(s23, 2, s24, 2,
	       "The size of tensor a (3) must match the size of tensor b (4) "
	       "at non-singleton dimension 1", "[2, 3] with [2, 4]");
	bc_err(s3, 1, s4, 1,
	       "The size of tensor a (3) must match the size of tensor b (4) "
	       "at non-singleton dimension 0", "[3] with [4]");
	bc_err(s53, 2, s214, 3,
	       "The size of tensor a (3) must match the size of tensor b (4) "
	       "at non-singleton dimension 2", "[5, 3] with [2, 1, 4]");
	bc_err(s20, 2, s23, 2,
	       "The size of tensor a (0) must match the size of tensor b (3) "
	       "at non-singleton dimension 1", "[2, 0] with [2, 3]");
}

int main(void)
{
	plan_lazy();
	test_result_type_table();
	test_promote_table();
	test_named_rules();
	test_can_cast();
	test_broadcast();
	return done_testing();
}
