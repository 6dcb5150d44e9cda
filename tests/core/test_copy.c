/* test_copy.c - copy_, contiguous, clone, to_dtype, fill_, the iterator. */
#include "../tap.h"
#include "elements.h"
#include "internal.h"

static ag_tensor *seq(const int64_t *shape, int ndim, ag_dtype dt)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	char *p = ag_data_ptr(t);
	for (int64_t i = 0; i < ag_numel(t); i++)
		ag_store(p + i * (int64_t)ag_dtype_size(dt), dt, (double)i);
	return t;
}

static void test_copy_broadcast_convert(void)
{
	int64_t s23[] = { 2, 3 }, s3[] = { 3 }, s4[] = { 4 };
	ag_tensor *dst = ag_tensor_alloc(s23, 2, AG_FLOAT64);
	ag_tensor *src = seq(s3, 1, AG_INT64);

	ok(ag_copy_(dst, src) == 0, "copy_ broadcasts [3] into [2, 3]");
	is_num(el(dst, 4), 1, 0, "row 2 col 2 is 1");
	is_int(dst->version->value, 1, "copy_ bumps the version");

	ag_tensor *big = seq(s4, 1, AG_FLOAT32);
	ok(ag_copy_(dst, big) == -1, "copy_ of a non-broadcastable source fails");
	is_str(ag_error_message(), "The size of tensor a (3) must match the size of "
	       "tensor b (4) at non-singleton dimension 1", "PyTorch's text");
	ag_tensor *one = ag_tensor_alloc((int64_t[]){ 1 }, 1, AG_FLOAT32);
	ok(ag_copy_(one, big) == -1, "copy_ cannot grow the destination");
	is_str(ag_error_message(), "output with shape [1] doesn't match the broadcast "
	       "shape [4]", "PyTorch's text");

	/* transposed source into contiguous destination */
	ag_tensor *x = seq(s23, 2, AG_FLOAT32);
	ag_tensor *xt = ag_t(x);
	ag_tensor *y = ag_tensor_alloc((int64_t[]){ 3, 2 }, 2, AG_FLOAT32);
	ok(ag_copy_(y, xt) == 0, "copy_ from a transposed view");
	ok(el(y, 0) == 0 && el(y, 1) == 3 && el(y, 2) == 1 && el(y, 5) == 5,
	   "values in logical order");

	/* float -> int truncates, -> bool is nonzero, -> half rounds */
	ag_tensor *f = ag_tensor_alloc(s3, 1, AG_FLOAT32);
	float *fp = ag_data_ptr(f);
	fp[0] = -1.7f; fp[1] = 0.0f; fp[2] = 2.5f;
	ag_tensor *i = ag_tensor_alloc(s3, 1, AG_INT64);
	ag_tensor *b = ag_tensor_alloc(s3, 1, AG_BOOL);
	ag_tensor *h = ag_tensor_alloc(s3, 1, AG_FLOAT16);
	ok(ag_copy_(i, f) == 0 && el(i, 0) == -1 && el(i, 2) == 2, "float -> int64");
	ok(ag_copy_(b, f) == 0 && el(b, 0) == 1 && el(b, 1) == 0, "float -> bool");
	ok(ag_copy_(h, f) == 0, "float -> float16");
	is_num(el(h, 0), -1.7001953125, 0, "float16 rounding of -1.7");

	/* int64 beyond 2^53 survives int64 -> int64 copies through views */
	ag_tensor *L = ag_tensor_alloc(s3, 1, AG_INT64);
	((int64_t *)ag_data_ptr(L))[1] = (1LL << 60) + 1;
	ag_tensor *L2 = ag_tensor_alloc(s3, 1, AG_INT64);
	ag_copy_(L2, L);
	is_int(((int64_t *)ag_data_ptr(L2))[1], (1LL << 60) + 1, "exact int64 copy");

	ag_tensor *objs[] = { dst, src, big, one, x, xt, y, f, i, b, h, L, L2 };
	for (size_t k = 0; k < sizeof objs / sizeof *objs; k++)
		ag_tensor_release(objs[k]);
}

static void test_copy_overlap(void)
{
	int64_t s5[] = { 5 }, s1[] = { 1 }, s3[] = { 3 };
	ag_tensor *x = seq(s5, 1, AG_FLOAT32);
	ag_tensor *hi = ag_slice(x, 0, 1, 5, 1);
	ag_tensor *lo = ag_slice(x, 0, 0, 4, 1);

	ok(ag_copy_(hi, lo) == -1, "x[1:] copy_ from x[:-1] refused");
	is_str(ag_error_message(), "unsupported operation: some elements of the input "
	       "tensor and the written-to tensor refer to a single memory location. "
	       "Please clone() the tensor before performing the operation.",
	       "PyTorch's partial-overlap text");
	is_int(ag_error_code(), AG_ERR_OVERLAP, "an overlap error");
	is_num(el(x, 4), 4, 0, "x untouched after the refusal");
	is_int(x->version->value, 0, "version untouched after the refusal");

	ag_tensor *c = ag_clone(lo);
	ok(ag_copy_(hi, c) == 0 && el(x, 4) == 3 && el(x, 1) == 0,
	   "after clone() the copy works");

	ag_tensor *al = ag_alias(x);
	ok(ag_copy_(al, x) == 0, "copy_ onto an exact alias is fine");

	ag_tensor *o = seq(s1, 1, AG_FLOAT32);
	ag_tensor *e = ag_expand(o, s3, 1);
	ag_tensor *src = seq(s3, 1, AG_FLOAT32);
	ok(ag_copy_(e, src) == -1, "copy_ into an expanded tensor refused");
	is_str(ag_error_message(), "unsupported operation: more than one element of "
	       "the written-to tensor refers to a single memory location. Please "
	       "clone() the tensor before performing the operation.",
	       "PyTorch's internal-overlap text");

	ok(ag_fill_(e, 7.0) == 0, "fill_ on an expanded tensor is allowed");
	is_num(el(o, 0), 7, 0, "and writes the shared element");
	is_int(o->version->value, 1, "fill_ bumps the version");

	ag_tensor *objs[] = { x, hi, lo, c, al, o, e, src };
	for (size_t k = 0; k < sizeof objs / sizeof *objs; k++)
		ag_tensor_release(objs[k]);
}

static void test_overlap_status(void)
{
	int64_t s6[] = { 6 }, s23[] = { 2, 3 };
	ag_tensor *x = seq(s6, 1, AG_FLOAT32);
	ag_tensor *a = ag_slice(x, 0, 0, 3, 1), *b = ag_slice(x, 0, 3, 6, 1);
	ag_tensor *c = ag_slice(x, 0, 2, 5, 1), *st = ag_slice(x, 0, 0, 6, 2);
	ag_tensor *m = ag_view(x, s23, 2);
	ag_tensor *mt = ag_t(m);
	ag_tensor *other = seq(s6, 1, AG_FLOAT32);

	is_int(ag_get_overlap_status(a, b), AG_OVERLAP_STATUS_NO, "disjoint halves");
	is_int(ag_get_overlap_status(a, c), AG_OVERLAP_STATUS_PARTIAL, "shifted window");
	is_int(ag_get_overlap_status(x, x), AG_OVERLAP_STATUS_FULL, "same tensor");
	is_int(ag_get_overlap_status(m, mt), AG_OVERLAP_STATUS_PARTIAL,
	       "a matrix and its transpose overlap partially");
	is_int(ag_get_overlap_status(st, a), AG_OVERLAP_STATUS_TOO_HARD,
	       "a strided view is too hard");
	is_int(ag_get_overlap_status(x, other), AG_OVERLAP_STATUS_NO, "other storage");
	is_int(ag_has_internal_overlap(mt), AG_OVERLAP_NO, "transpose is dense");
	is_int(ag_has_internal_overlap(st), AG_OVERLAP_TOO_HARD, "gaps are too hard");
	ag_tensor *e = ag_expand(x, (int64_t[]){ 2, 6 }, 2);
	is_int(ag_has_internal_overlap(e), AG_OVERLAP_YES, "expanded: yes");
	ok(ag_is_non_overlapping_and_dense(mt), "transposed matrix is dense");
	ok(!ag_is_non_overlapping_and_dense(st), "strided view is not dense");

	ag_tensor *objs[] = { x, a, b, c, st, m, mt, other, e };
	for (size_t k = 0; k < sizeof objs / sizeof *objs; k++)
		ag_tensor_release(objs[k]);
}

static void test_contiguous_clone_to(void)
{
	int64_t s23[] = { 2, 3 };
	ag_tensor *x = seq(s23, 2, AG_FLOAT32);
	ag_tensor *c = ag_contiguous(x);
	ok(c == x, "contiguous of a contiguous tensor is itself");
	ag_tensor *xt = ag_t(x);
	ag_tensor *ct = ag_contiguous(xt);
	ok(ct != xt && ag_is_contiguous(ct) && ct->storage != x->storage,
	   "contiguous of a transposed tensor copies");
	ok(el(ct, 1) == 3, "in logical order");

	ag_tensor *cl = ag_clone(xt);
	ok(cl && cl->stride[0] == 1 && cl->stride[1] == 3,
	   "clone keeps the dense layout (preserve_format)");
	ok(cl->storage != x->storage && cl->version != x->version,
	   "clone has its own storage and version");
	ok(cl->base == NULL, "clone is not a view");

	ag_tensor *st = ag_slice(x, 1, 0, 3, 2);
	ag_tensor *cs = ag_clone(st);
	ok(cs && ag_is_contiguous(cs), "clone of a gappy view is contiguous");

	ag_tensor *d = ag_to_dtype(x, AG_FLOAT64);
	ok(d && d->dtype == AG_FLOAT64 && el(d, 5) == 5, "to float64");
	ag_tensor *same = ag_to_dtype(x, AG_FLOAT32);
	ok(same == x, "to the same dtype returns self");

	ag_tensor *z = ag_tensor_alloc((int64_t[]){ 0, 3 }, 2, AG_FLOAT32);
	ag_tensor *zc = ag_clone(z);
	ok(zc && ag_numel(zc) == 0, "clone of an empty tensor");
	ok(ag_fill_(z, 1.0) == 0, "fill_ of an empty tensor");

	ag_tensor *L = ag_tensor_alloc(s23, 2, AG_INT64);
	ok(ag_fill_(L, NAN) == -1, "fill_ int64 with nan fails");
	is_str(ag_error_message(), "value cannot be converted to type int64_t "
	       "without overflow", "PyTorch's text");
	ok(ag_zero_(x) == 0 && el(x, 5) == 0, "zero_");

	ag_tensor *objs[] = { x, c, xt, ct, cl, st, cs, d, same, z, zc, L };
	for (size_t k = 0; k < sizeof objs / sizeof *objs; k++)
		ag_tensor_release(objs[k]);
}

static void test_iterator(void)
{
	int64_t s[] = { 4, 5, 6 };
	ag_tensor *x = seq(s, 3, AG_FLOAT32);
	ag_tensor *ops[1] = { x };
	ag_iter it;

	ag_iter_init(&it, 1, ops, x->shape, 3);
	is_int(it.ndim, 1, "a contiguous tensor coalesces to one dim");
	is_int(it.shape[0], 120, "of 120 elements");
	ok(ag_iter_is_contiguous(&it), "and is contiguous");

	ag_tensor *p = ag_permute(x, (int[]){ 2, 0, 1 }, 3);
	ops[0] = p;
	ag_iter_init(&it, 1, ops, p->shape, 3);
	is_int(it.ndim, 1, "a permuted dense tensor coalesces too (reordered)");

	ag_tensor *sl = ag_slice(x, 2, 0, 3, 1);
	ops[0] = sl;
	ag_iter_init(&it, 1, ops, sl->shape, 3);
	is_int(it.ndim, 2, "a narrowed last dim leaves an inner dim and a merged outer one");

	/* big copy through the (possibly parallel) path keeps every value */
	int64_t big[] = { 300, 401 };
	ag_tensor *b = seq(big, 2, AG_FLOAT64);
	ag_tensor *bt = ag_t(b);
	ag_tensor *bc = ag_contiguous(bt);
	int bad = 0;
	for (int64_t i = 0; i < 401 && !bad; i++)
		for (int64_t j = 0; j < 300; j++)
			if (el(bc, i * 300 + j) != (double)(j * 401 + i)) {
				bad = 1;
				break;
			}
	ok(!bad, "120,300-element transposed copy is exact");

	ag_tensor *objs[] = { x, p, sl, b, bt, bc };
	for (size_t k = 0; k < sizeof objs / sizeof *objs; k++)
		ag_tensor_release(objs[k]);
}

int main(void)
{
	plan_lazy();
	test_copy_broadcast_convert();
	test_copy_overlap();
	test_overlap_status();
	test_contiguous_clone_to();
	test_iterator();
	return done_testing();
}
