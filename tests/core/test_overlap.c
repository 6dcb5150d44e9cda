/*
 * test_overlap.c - writes that alias themselves or their inputs are
 * refused with PyTorch's texts (expand then add_, overlapping slices,
 * out=), while full overlap (x.add_(x)), idempotent writes (fill_ on an
 * expanded tensor) and layouts too tangled to decide go ahead, as in torch.
 */
#include "internal.h"
#include "../tap.h"
#include "elements.h"

#define MSG_INTERNAL "unsupported operation: more than one element of the " \
	"written-to tensor refers to a single memory location. Please clone() " \
	"the tensor before performing the operation."
#define MSG_PARTIAL "unsupported operation: some elements of the input " \
	"tensor and the written-to tensor refer to a single memory location. " \
	"Please clone() the tensor before performing the operation."

/* 0, 1, ..., n-1 as float32 */
static ag_tensor *range(int64_t n)
{
	ag_tensor *t = ag_tensor_alloc(&n, 1, AG_FLOAT32);
	for (int64_t i = 0; i < n; i++)
		((float *)ag_data_ptr(t))[i] = (float)i;
	return t;
}

static bool refused(int rc, const char *msg)
{
	bool good = rc < 0 && ag_error_code() == AG_ERR_OVERLAP &&
		    strcmp(ag_error_message(), msg) == 0;
	if (!good)
		diag("rc %d, code %d, \"%s\"", rc, (int)ag_error_code(),
		     ag_error_message());
	ag_error_clear();
	return good;
}

static void test_expanded_self(void)
{
	int64_t s23[2] = { 2, 3 };
	ag_tensor *x = range(3), *one = range(2);
	ag_tensor *ex = ag_expand(x, s23, 2);
	ag_tensor *row = ag_select(one, 0, 1);	/* 0-d 1.0 */
	int64_t v = x->version->value;

	ok(refused(ag_binary_(AG_OP_ADD, ex, row), MSG_INTERNAL),
	   "expand then add_ is refused with torch's text");
	ok(refused(ag_binary_(AG_OP_MUL, ex, ex), MSG_INTERNAL),
	   "expand then mul_ by itself is refused");
	ok(refused(ag_unary_(AG_OP_EXP, ex), MSG_INTERNAL), "expand then exp_ is refused");
	ok(refused(ag_clamp_(ex, 0, NAN), MSG_INTERNAL), "expand then clamp_ is refused");
	ag_tensor *src = range(3);
	ok(refused(ag_copy_(ex, src), MSG_INTERNAL), "copy_ into an expanded tensor");
	ok(el(x, 0) == 0 && el(x, 2) == 2 && x->version->value == v,
	   "refused writes change nothing, not even the version");

	ag_tensor *out = ag_expand(x, s23, 2);
	ag_tensor *a6 = range(6), *a = ag_view(a6, s23, 2);
	ok(refused(ag_binary_out(AG_OP_ADD, out, a, a), MSG_INTERNAL),
	   "an expanded out= tensor is refused");
	ok(refused(ag_unary_out(AG_OP_NEG, out, ex), MSG_INTERNAL),
	   "an expanded unary out= tensor is refused");

	/* fill_ writes one value: aliasing cannot change the outcome */
	ok(ag_fill_(ex, 2) == 0 && el(x, 0) == 2 && el(x, 1) == 2 && el(x, 2) == 2,
	   "fill_ on an expanded tensor is allowed and reaches the base");

	/* a size-1 dim with stride 0 aliases nothing */
	int64_t s11[2] = { 1, 1 };
	ag_tensor *single = ag_select(one, 0, 0);
	ag_tensor *e11 = ag_expand(single, s11, 2);
	ok(ag_binary_(AG_OP_ADD, e11, row) == 0 && el(one, 0) == 1,
	   "expand to [1, 1] then add_ is fine");

	ag_tensor *objs[] = { x, one, ex, row, src, out, a6, a, single, e11 };
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		ag_tensor_release(objs[i]);
}

static void test_partial(void)
{
	ag_tensor *x = range(5);
	ag_tensor *tail = ag_slice(x, 0, 1, 5, 1), *head = ag_slice(x, 0, 0, 4, 1);

	ok(refused(ag_copy_(tail, head), MSG_PARTIAL),
	   "x[1:].copy_(x[:-1]) is refused with torch's text");
	ok(refused(ag_binary_(AG_OP_ADD, tail, head), MSG_PARTIAL),
	   "x[1:].add_(x[:-1]) is refused");
	ok(refused(ag_binary_(AG_OP_SUB, head, tail), MSG_PARTIAL),
	   "x[:-1].sub_(x[1:]) is refused");
	ok(refused(ag_binary_out(AG_OP_ADD, tail, head, head), MSG_PARTIAL),
	   "add(x[:-1], x[:-1], out=x[1:]) is refused");
	ok(refused(ag_binary_out(AG_OP_MUL, tail, tail, head), MSG_PARTIAL),
	   "out= partly overlapping the second input is refused");
	ok(refused(ag_unary_out(AG_OP_EXP, tail, head), MSG_PARTIAL),
	   "exp(x[:-1], out=x[1:]) is refused");
	ok(el(x, 0) == 0 && el(x, 4) == 4 && x->version->value == 0,
	   "nothing was written");

	/* a square matrix and its transpose share every address, differently */
	int64_t s33[2] = { 3, 3 };
	ag_tensor *x9 = range(9), *m = ag_view(x9, s33, 2), *mt = ag_t(m);
	ok(refused(ag_binary_(AG_OP_ADD, m, mt), MSG_PARTIAL), "x.add_(x.t()) is refused");
	ag_tensor *r0 = ag_select(m, 0, 0);
	ok(refused(ag_binary_(AG_OP_MUL, m, r0), MSG_PARTIAL),
	   "x.mul_(x[0]) (a broadcast row of itself) is refused");

	ag_tensor *objs[] = { x, tail, head, x9, m, mt, r0 };
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		ag_tensor_release(objs[i]);
}

static void test_allowed(void)
{
	ag_tensor *x = range(6);
	int64_t s23[2] = { 2, 3 };

	ok(ag_binary_(AG_OP_ADD, x, x) == 0 && el(x, 5) == 10 && x->version->value == 1,
	   "x.add_(x): full overlap is fine");
	ag_tensor *v1 = ag_view(x, s23, 2), *v2 = ag_view(x, s23, 2);
	ok(ag_binary_(AG_OP_ADD, v1, v2) == 0 && el(x, 5) == 20,
	   "two views of the same geometry overlap fully: fine");
	ok(ag_binary_out(AG_OP_MUL, x, x, x) == 0 && el(x, 1) == 16,
	   "mul(x, x, out=x) is fine");
	ok(ag_unary_out(AG_OP_NEG, x, x) == 0 && el(x, 1) == -16,
	   "neg(x, out=x) is fine");

	/* disjoint halves of one storage */
	ag_tensor *y = range(4);
	ag_tensor *lo = ag_slice(y, 0, 0, 2, 1), *hi = ag_slice(y, 0, 2, 4, 1);
	ok(ag_binary_(AG_OP_ADD, lo, hi) == 0 && el(y, 0) == 2 && el(y, 1) == 4 &&
	   el(y, 2) == 2, "x[:2].add_(x[2:]): disjoint, fine ([2, 4, 2, 3])");

	/* an input with gaps is too hard to decide: let through, as torch,
	 * and the result is torch's [0, 3, 6] */
	ag_tensor *z = range(6);
	ag_tensor *first = ag_slice(z, 0, 0, 3, 1), *evens = ag_slice(z, 0, 0, 6, 2);
	ok(ag_binary_(AG_OP_ADD, first, evens) == 0 && el(z, 0) == 0 && el(z, 1) == 3 &&
	   el(z, 2) == 6, "x[:3].add_(x[::2]) goes ahead like torch");
	ag_tensor *odd = ag_slice(y, 0, 1, 4, 2), *even = ag_slice(y, 0, 0, 4, 2);
	ok(ag_binary_(AG_OP_ADD, even, odd) == 0, "x[::2].add_(x[1::2]) goes ahead");

	ag_tensor *objs[] = { x, v1, v2, y, lo, hi, z, first, evens, odd, even };
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		ag_tensor_release(objs[i]);
}

int main(void)
{
	plan_lazy();
	test_expanded_self();
	test_partial();
	test_allowed();
	is_int(ag_registry_count(), 0, "no tensor leaked");
	return done_testing();
}
