/*
 * test_robust.c - core under hostile numbers and Ctrl-C: every size,
 * stride, offset and range a user can type is overflow-checked, and long
 * loops stop when an interrupt is pending.  (Regression tests of issue 15,
 * findings 1, 8 and 10; the sanitizer build turns any overflow left into a
 * failure.)
 */
#include "../tap.h"
#include "internal.h"

#include <stdint.h>

static void expect_error(ag_tensor *t, ag_errcode code, const char *text,
			 const char *what)
{
	int good = t == NULL && ag_error_code() == code &&
		   strstr(ag_error_message(), text) != NULL;
	if (!ok(good, "%s", what))
		diag("got %s, error %d \"%s\"", t ? "a tensor" : "NULL",
		     (int)ag_error_code(), ag_error_message());
	ag_tensor_release(t);
	ag_error_clear();
}

static int64_t i64_at(const ag_tensor *t, int64_t i)
{
	return *(const int64_t *)((const char *)ag_data_ptr(t) +
				  i * t->stride[0] * 8);
}

/* ------------------------------------------------------------ as_strided */

static void test_as_strided_overflow(void)
{
	int64_t four = 4;
	ag_tensor *x = ag_zeros(&four, 1, AG_FLOAT32);
	int64_t two = 2, one = 1, three = 3, zero = 0;
	int64_t huge = INT64_C(1) << 62, max = INT64_MAX;
	int64_t sz2[2] = { INT64_C(1) << 31, INT64_C(1) << 31 };
	int64_t st2[2] = { INT64_C(1) << 33, INT64_C(1) << 33 };

	/* finding 1: (2 - 1) * 2^62 elements * 4 bytes wrapped into bounds */
	expect_error(ag_as_strided(x, &two, &huge, 1, 0), AG_ERR_VALUE,
		     "Storage size calculation overflowed with sizes=[2] and "
		     "strides=[4611686018427387904]",
		     "as_strided: a stride of 2^62 overflows, PyTorch's text");
	expect_error(ag_as_strided(x, &two, &max, 1, 0), AG_ERR_VALUE,
		     "overflowed", "as_strided: stride INT64_MAX");
	expect_error(ag_as_strided(x, sz2, st2, 2, 0), AG_ERR_VALUE,
		     "overflowed", "as_strided: a sum of spans that overflows");
	expect_error(ag_as_strided(x, &three, &one, 1, huge), AG_ERR_VALUE,
		     "storage offset 4611686018427387904",
		     "as_strided: an offset of 2^62 overflows the byte count");
	expect_error(ag_as_strided(x, &three, &one, 1, max), AG_ERR_VALUE,
		     "overflowed", "as_strided: offset INT64_MAX");
	expect_error(ag_as_strided(x, &three, &one, 1, 2), AG_ERR_INDEX,
		     "out of bounds for storage of size 16",
		     "as_strided: in range arithmetic, out of the storage");
	expect_error(ag_as_strided(x, &zero, &one, 1, huge), AG_ERR_INDEX,
		     "storage offset", "as_strided: an empty view far past "
		     "the end");

	/* what is legal stays legal: a size-1 dim takes any stride */
	ag_tensor *a = ag_as_strided(x, &one, &max, 1, 3);
	ok(a && a->stride[0] == INT64_MAX && a->offset == 3,
	   "as_strided: size 1 with stride INT64_MAX is a valid view");
	/* slicing past its only element must not move the offset off the
	 * storage (the offset would be 3 + INT64_MAX) */
	ag_tensor *e = a ? ag_slice(a, 0, 1, 1, 1) : NULL;
	ok(e && ag_numel(e) == 0 && e->offset >= 0 && e->offset <= 4,
	   "an empty slice of it keeps an offset inside the storage");
	ag_tensor_release(e);
	/* viewing it multiplies that stride: no overflow, a right answer */
	int64_t vshape[2] = { 1, 1 };
	ag_tensor *v = a ? ag_view(a, vshape, 2) : NULL;
	ok(v && ag_numel(v) == 1 && v->offset == 3, "view of a huge-stride "
	   "size-1 dim");
	ag_tensor_release(v);
	int64_t big2[2] = { 2, 1 }, bigst[2] = { 1, INT64_MAX };
	ag_tensor *b = ag_as_strided(x, big2, bigst, 2, 0);
	int64_t flat = 2;
	ag_tensor *bv = b ? ag_view(b, &flat, 1) : NULL;
	ok(bv && bv->shape[0] == 2 && bv->stride[0] == 1,
	   "view merging a dim whose neighbour has stride INT64_MAX");
	ag_tensor_release(bv);
	ag_tensor_release(b);
	ag_tensor_release(a);
	ag_tensor_release(x);
}

/* ----------------------------------------------------------------- slices */

static void test_slice_steps(void)
{
	int64_t five = 5;
	ag_tensor *x = ag_arange_int(0, 5, 1, AG_INT64);
	ag_tensor *s;

	(void)five;
	/* finding 10: (end - start + step - 1) / step wrapped to -1 */
	s = ag_slice(x, 0, 0, 3, INT64_MAX);
	ok(s && s->ndim == 1 && s->shape[0] == 1 && i64_at(s, 0) == 0,
	   "slice [0:3:INT64_MAX] has one element, x[0]");
	ag_tensor_release(s);
	s = ag_slice(x, 0, 1, 5, INT64_MAX - 1);
	ok(s && s->shape[0] == 1 && i64_at(s, 0) == 1,
	   "slice [1:5:INT64_MAX-1] has one element, x[1]");
	ag_tensor_release(s);
	s = ag_slice(x, 0, 0, 5, 2);
	ok(s && s->shape[0] == 3 && i64_at(s, 2) == 4, "an ordinary step still "
	   "works");
	ag_tensor_release(s);
	s = ag_slice(x, 0, 4, 2, INT64_MAX);
	ok(s && s->shape[0] == 0, "an empty range with a huge step is empty");
	ag_tensor_release(s);
	ag_tensor_release(x);
}

/* -------------------------------------------------------------- arange */

static void test_arange_int(void)
{
	ag_tensor *t;
	int64_t big = INT64_C(1) << 62;

	/* finding 10: PyTorch 1.13 returns an empty tensor for this one */
	t = ag_arange_int(0, INT64_C(9000000000000000000),
			  INT64_C(9000000000000000000), AG_INT64);
	ok(t && t->shape[0] == 1 && i64_at(t, 0) == 0,
	   "arange(0, 9e18, 9e18) is [0]");
	ag_tensor_release(t);
	t = ag_arange_int(INT64_C(-9000000000000000000),
			  INT64_C(9000000000000000000),
			  INT64_C(9000000000000000000), AG_INT64);
	ok(t && t->shape[0] == 2 && i64_at(t, 1) == 0,
	   "arange(-9e18, 9e18, 9e18) is [-9e18, 0]: a span over INT64_MAX");
	ag_tensor_release(t);
	t = ag_arange_int(0, INT64_MAX, big, AG_INT64);
	ok(t && t->shape[0] == 2 && i64_at(t, 1) == big,
	   "arange(0, INT64_MAX, 2^62) is [0, 2^62] (PyTorch: overflow error)");
	ag_tensor_release(t);
	t = ag_arange_int(big, big + 3, 1, AG_INT64);
	ok(t && t->shape[0] == 3 && i64_at(t, 2) == big + 2,
	   "arange past 2^53 is exact");
	ag_tensor_release(t);
	t = ag_arange_int(INT64_MIN, INT64_MIN + 2, 1, AG_INT64);
	ok(t && t->shape[0] == 2 && i64_at(t, 0) == INT64_MIN,
	   "arange from INT64_MIN");
	ag_tensor_release(t);
	t = ag_arange_int(5, 0, -2, AG_INT64);
	ok(t && t->shape[0] == 3 && i64_at(t, 2) == 1, "a negative step");
	ag_tensor_release(t);
	t = ag_arange_int(INT64_MAX, INT64_MIN, INT64_MIN, AG_INT64);
	ok(t && t->shape[0] == 2 && i64_at(t, 1) == -1,
	   "a step of INT64_MIN");
	ag_tensor_release(t);
	expect_error(ag_arange_int(INT64_MIN, INT64_MAX, 1, AG_INT64),
		     AG_ERR_VALUE, "invalid size", "2^64 - 1 elements: refused");
	expect_error(ag_arange_int(0, 10, 0, AG_INT64), AG_ERR_VALUE,
		     "step must be nonzero", "a zero step");
	expect_error(ag_arange_int(0, 10, -1, AG_INT64), AG_ERR_VALUE,
		     "inconsistent", "a step of the wrong sign");
	t = ag_arange_int(0, 4, 1, AG_FLOAT64);
	ok(t && t->dtype == AG_FLOAT64 && t->shape[0] == 4,
	   "integer bounds, a float dtype");
	ag_tensor_release(t);
	/* doubles there are 2048 apart */
	t = ag_arange(-9223372036854775808.0, -9223372036854773760.0, 1024,
		      AG_INT64);
	ok(t && t->shape[0] == 2 && i64_at(t, 0) == INT64_MIN &&
	   i64_at(t, 1) == INT64_MIN + 1024,
	   "the double path converts -2^63 like PyTorch does");
	ag_tensor_release(t);
}

/* ----------------------------------------------------- fill and full */

static void test_fill_range(void)
{
	int64_t two = 2;
	ag_tensor *i = ag_zeros(&two, 1, AG_INT64);
	ag_tensor *h = ag_zeros(&two, 1, AG_FLOAT16);
	ag_tensor *f = ag_zeros(&two, 1, AG_FLOAT32);
	ag_tensor *b = ag_zeros(&two, 1, AG_BOOL);

	/* finding 10: saturated to INT64_MAX / inf before */
	ok(ag_fill_(i, 1e300) < 0 && strstr(ag_error_message(),
	   "value cannot be converted to type int64_t without overflow"),
	   "fill_ refuses 1e300 into int64, as torch.full does");
	ag_error_clear();
	ok(i64_at(i, 0) == 0, "and leaves the tensor alone");
	ok(ag_fill_(i, NAN) < 0, "fill_ refuses nan into int64");
	ag_error_clear();
	ok(ag_fill_(h, 1e10) < 0 && strstr(ag_error_message(), "at::Half"),
	   "fill_ refuses 1e10 into float16");
	ag_error_clear();
	ok(ag_fill_(h, 65504) == 0, "65504 fits float16");
	ok(ag_fill_(h, 65519) < 0, "65519 does not (PyTorch's rule)");
	ag_error_clear();
	ok(ag_fill_(h, INFINITY) == 0, "inf is allowed into float16");
	ok(ag_fill_(f, 1e300) < 0 && strstr(ag_error_message(), "float"),
	   "fill_ refuses 1e300 into float32");
	ag_error_clear();
	ok(ag_fill_(b, 1e300) == 0, "anything fills a bool tensor");
	ok(ag_fill_(i, 9.2e18) == 0 && i64_at(i, 1) == INT64_C(9200000000000000000),
	   "9.2e18 fits int64");
	ag_tensor_release(i);
	ag_tensor_release(h);
	ag_tensor_release(f);
	ag_tensor_release(b);
}

/* ------------------------------------------------------------------ cat */

static void test_cat_overflow(void)
{
	int64_t one = 1, huge = INT64_C(1) << 62;
	ag_tensor *x = ag_zeros(&one, 1, AG_FLOAT32);
	ag_tensor *e = ag_expand(x, &huge, 1);
	ag_tensor *parts[2] = { e, e };

	ok(e != NULL, "a 2^62-element expanded view");
	expect_error(ag_cat(parts, 2, 0), AG_ERR_NOMEM, "overflows",
		     "cat of two of them: the size overflows, an error");
	ag_tensor_release(e);
	ag_tensor_release(x);
}

/* ------------------------------------------------------------- Ctrl-C */

/* With the interrupt already pending, long loops stop at their first
 * check: the tensors below span several polling pieces. */
static void test_interrupt_polling(void)
{
	int64_t n = (INT64_C(1) << 20) * 3 + 7, one = 1, huge = INT64_C(1) << 40;
	ag_tensor *x = ag_zeros(&n, 1, AG_FLOAT32);
	ag_tensor *s1 = ag_ones(&one, 1, AG_FLOAT32);
	ag_tensor *big = ag_expand(s1, &huge, 1);
	ag_tensor *r;

	/* a 2^40-element sum would take minutes: it must stop at once */
	ag_interrupt();
	expect_error(ag_sum(big), AG_ERR_INTERRUPT, "interrupted",
		     "sum over 2^40 elements stops on Ctrl-C");
	ok(!ag_interrupt_pending(), "the failure takes the interrupt");
	int dims[1] = { 0 };
	ag_interrupt();
	expect_error(ag_reduce_dims(AG_OP_MAX, big, dims, 1, false),
		     AG_ERR_INTERRUPT, "interrupted", "max over a dim stops too");
	ag_interrupt();
	expect_error(ag_clone(x), AG_ERR_INTERRUPT, "interrupted",
		     "a copy stops");
	ag_interrupt();
	ok(ag_fill_(x, 2.0) < 0 && ag_error_code() == AG_ERR_INTERRUPT,
	   "fill_ stops");
	ag_error_clear();
	ok(x->version->value == 1, "an interrupted fill_ still counts as a "
	   "change (version bumped)");
	ag_tensor *y = ag_zeros(&n, 1, AG_FLOAT32);
	ag_interrupt();
	ok(ag_copy_(y, x) < 0 && ag_error_code() == AG_ERR_INTERRUPT,
	   "copy_ stops");
	ag_error_clear();
	ok(y->version->value == 1, "an interrupted copy_ bumps the version");
	/* elementwise ops report nothing themselves: they stop early and
	 * leave the flag for the caller (the REPL drops the result) */
	ag_tensor *z = ag_zeros(&n, 1, AG_FLOAT32);
	ag_interrupt();
	ag_tensor *two = ag_scalar(2.0, AG_FLOAT32);
	ok(ag_binary_(AG_OP_ADD, z, two) == 0, "add_ returns");
	ok(ag_interrupt_pending(), "with the interrupt still pending");
	float *zp = ag_data_ptr(z);
	ok(zp[n - 1] == 0.0f, "and the loop stopped before the end");
	ok(ag_check_interrupt() < 0 && !ag_interrupt_pending(),
	   "ag_check_interrupt takes it");
	ag_error_clear();
	/* without an interrupt everything completes */
	r = ag_sum(x);
	ok(r != NULL, "no interrupt: the sum runs");
	ag_tensor_release(r);
	ag_tensor_release(two);
	ag_tensor_release(z);
	ag_tensor_release(y);
	ag_tensor_release(big);
	ag_tensor_release(s1);
	ag_tensor_release(x);
}

int main(void)
{
	plan_lazy();
	test_as_strided_overflow();
	test_slice_steps();
	test_arange_int();
	test_fill_range();
	test_cat_overflow();
	test_interrupt_polling();
	ok(ag_registry_count() == 0, "no tensor left alive (%zu)",
	   ag_registry_count());
	return done_testing();
}
