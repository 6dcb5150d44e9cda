/* test_view.c - views share storage and version; geometry and errors. */
#include "../tap.h"
#include "elements.h"
#include "internal.h"

/* 0, 1, 2, ... as float32 in the given shape (contiguous). */
static ag_tensor *seq(const int64_t *shape, int ndim)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, AG_FLOAT32);
	float *p = ag_data_ptr(t);
	for (int64_t i = 0; i < ag_numel(t); i++)
		p[i] = (float)i;
	return t;
}

static int same_storage(const ag_tensor *a, const ag_tensor *b)
{
	return a->storage == b->storage && a->version == b->version;
}

static void test_view_reshape(void)
{
	int64_t s23[] = { 2, 3 }, s32[] = { 3, -1 }, s6[] = { 6 }, bad[] = { 4, 2 };
	ag_tensor *x = seq(s23, 2);
	ag_tensor *v = ag_view(x, s32, 2);

	ok(v && v->shape[0] == 3 && v->shape[1] == 2, "view(3, -1) infers 2");
	ok(same_storage(x, v), "view shares storage and version counter");
	ok(v->base == x, "view's base is x");
	ag_bump_version(v);
	is_int(x->version->value, 1, "bumping the view bumps the base's version");
	is_num(el_at(v, (int64_t[]){ 2, 1 }), 5, 0, "view element [2,1] is 5");

	ok(ag_view(x, bad, 2) == NULL, "view to a wrong numel fails");
	is_str(ag_error_message(), "shape '[4, 2]' is invalid for input of size 6",
	       "PyTorch's invalid-shape text");
	int64_t two_infer[] = { -1, -1 };
	ok(ag_view(x, two_infer, 2) == NULL, "two -1s fail");
	is_str(ag_error_message(), "only one dimension can be inferred", "text");

	ag_tensor *xt = ag_t(x);
	ok(ag_view(xt, s6, 1) == NULL, "view of a transposed tensor fails");
	is_str(ag_error_message(),
	       "view size is not compatible with input tensor's size and stride "
	       "(at least one dimension spans across two contiguous subspaces). "
	       "Use .reshape(...) instead.", "PyTorch's view text");
	ag_tensor *r = ag_reshape(xt, s6, 1);
	ok(r && !same_storage(r, xt), "reshape of a transposed tensor copies");
	is_num(el_at(r, (int64_t[]){ 1 }), 3, 0, "reshape copies in logical order");
	ag_tensor *r2 = ag_reshape(x, s6, 1);
	ok(r2 && same_storage(r2, x), "reshape of a contiguous tensor is a view");

	/* a view across a non-contiguous but mergeable layout */
	int64_t s234[] = { 2, 3, 4 }, s2_12[] = { 2, 12 };
	ag_tensor *y = seq(s234, 3);
	ag_tensor *ys = ag_slice(y, 0, 0, 2, 1);
	ag_tensor *yv = ag_view(ys, s2_12, 2);
	ok(yv != NULL, "view merges contiguous trailing dims");
	ag_tensor *yn = ag_narrow(y, 2, 0, 2);	/* 2x3x2, strides 12,4,1 */
	int64_t s6b[] = { 2, 6 }, s3_2_2[] = { 2, 3, 2, 1 };
	ok(ag_view(yn, s6b, 2) == NULL, "cannot merge dims with a gap");
	ag_tensor *yu = ag_view(yn, s3_2_2, 4);
	ok(yu && yu->stride[2] == 1, "but adding a size-1 dim works");

	int64_t e0[] = { 0, 4 }, e1[] = { 2, 0, -1 };
	ag_tensor *z = ag_tensor_alloc(e0, 2, AG_FLOAT32);
	ag_tensor *zv = ag_view(z, (int64_t[]){ 4, 0 }, 2);
	ok(zv && zv->shape[0] == 4 && zv->shape[1] == 0, "zero-size view");
	ok(ag_view(z, e1, 3) == NULL, "-1 cannot be inferred with a zero dim");

	ag_tensor *f = ag_flatten(y, 1, -1);
	ok(f && f->ndim == 2 && f->shape[1] == 12, "flatten(1, -1)");
	ok(ag_flatten(y, 2, 1) == NULL, "flatten with start after end fails");
	is_str(ag_error_message(), "flatten() has invalid args: start_dim cannot "
	       "come after end_dim", "flatten text");

	ag_tensor *objs[] = { x, v, xt, r, r2, y, ys, yv, yn, yu, z, zv, f };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_transpose_permute(void)
{
	int64_t s234[] = { 2, 3, 4 };
	ag_tensor *x = seq(s234, 3);
	ag_tensor *t = ag_transpose(x, 0, -1);

	ok(t && t->shape[0] == 4 && t->shape[2] == 2, "transpose(0, -1) shape");
	ok(t->stride[0] == 1 && t->stride[2] == 12, "transpose swaps strides");
	ok(!ag_is_contiguous(t), "transposed is not contiguous");
	is_num(el_at(t, (int64_t[]){ 3, 2, 1 }), 12 + 8 + 3, 0, "t[3,2,1] = x[1,2,3]");
	ok(ag_transpose(x, 0, 3) == NULL, "transpose of dim 3 fails");
	is_str(ag_error_message(), "Dimension out of range (expected to be in "
	       "range of [-3, 2], but got 3)", "dim text");

	ag_tensor *p = ag_permute(x, (int[]){ 2, 0, 1 }, 3);
	ok(p && p->shape[0] == 4 && p->shape[1] == 2 && p->shape[2] == 3, "permute shape");
	ok(ag_permute(x, (int[]){ 0, 0, 1 }, 3) == NULL, "duplicate dims fail");
	is_str(ag_error_message(), "permute(): duplicate dims are not allowed.", "text");
	ok(ag_permute(x, (int[]){ 0, 1 }, 2) == NULL, "too few dims fail");
	ok(ag_t(x) == NULL, "t() of 3-d fails");
	is_str(ag_error_message(), "t() expects a tensor with <= 2 dimensions, but "
	       "self is 3D", "t() text");

	int64_t s3[] = { 3 };
	ag_tensor *one = seq(s3, 1);
	ag_tensor *one_t = ag_t(one);
	ok(one_t && one_t->ndim == 1 && same_storage(one, one_t), "t() of 1-d is a view");
	ag_tensor *s0 = ag_tensor_alloc(NULL, 0, AG_FLOAT32);
	ag_tensor *s0t = ag_transpose(s0, 0, -1);
	ok(s0t && s0t->ndim == 0, "transpose of a 0-d tensor with dims 0, -1");

	ag_tensor *objs[] = { x, t, p, one, one_t, s0, s0t };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_expand(void)
{
	int64_t s31[] = { 3, 1 }, s234[] = { 2, 3, 4 }, keep[] = { -1, 5 };
	ag_tensor *x = seq(s31, 2);
	ag_tensor *e = ag_expand(x, s234, 3);

	ok(e && e->stride[0] == 0 && e->stride[2] == 0 && e->stride[1] == 1,
	   "expanded dims have stride 0");
	is_num(el_at(e, (int64_t[]){ 1, 2, 3 }), 2, 0, "e[1,2,3] = x[2,0]");
	ok(same_storage(x, e), "expand is a view");
	ag_tensor *k = ag_expand(x, keep, 2);
	ok(k && k->shape[0] == 3 && k->shape[1] == 5, "-1 keeps a size");

	int64_t bad[] = { 4, 1 };
	ok(ag_expand(x, bad, 2) == NULL, "expand 3 -> 4 fails");
	is_str(ag_error_message(), "The expanded size of the tensor (4) must match "
	       "the existing size (3) at non-singleton dimension 0.  Target sizes: "
	       "[4, 1].  Tensor sizes: [3, 1]", "PyTorch's expand text");
	int64_t few[] = { 3 };
	ok(ag_expand(x, few, 1) == NULL, "fewer sizes than dims fails");
	is_str(ag_error_message(), "expand(torch.FloatTensor{[3, 1]}, size=[3]): the "
	       "number of sizes provided (1) must be greater or equal to the number "
	       "of dimensions in the tensor (2)", "PyTorch's text");
	int64_t lead[] = { -1, 3, 1 };
	ok(ag_expand(x, lead, 3) == NULL, "-1 in a new leading dim fails");
	is_str(ag_error_message(), "The expanded size of the tensor (-1) isn't "
	       "allowed in a leading, non-existing dimension 0", "text");
	int64_t zero[] = { 0, 3, 0 };
	ag_tensor *z = ag_expand(x, zero, 3);
	ok(z && ag_numel(z) == 0, "expand to zero size");

	ag_tensor *objs[] = { x, e, k, z };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_narrow_select_slice(void)
{
	int64_t s34[] = { 3, 4 };
	ag_tensor *x = seq(s34, 2);

	ag_tensor *n = ag_narrow(x, 1, 1, 2);
	ok(n && n->shape[1] == 2 && n->offset == 1, "narrow(1, 1, 2)");
	is_num(el_at(n, (int64_t[]){ 2, 1 }), 10, 0, "narrow element");
	ok(ag_narrow(x, 1, 3, 2) == NULL, "narrow past the end fails");
	is_str(ag_error_message(), "start (3) + length (2) exceeds dimension size (4).",
	       "narrow text");
	ag_tensor *nn = ag_narrow(x, -1, -2, 2);
	ok(nn && nn->offset == 2, "negative dim and start");

	ag_tensor *s = ag_select(x, 0, -1);
	ok(s && s->ndim == 1 && s->shape[0] == 4 && s->offset == 8, "select(0, -1)");
	ok(ag_select(x, 1, 4) == NULL, "select out of range");
	is_str(ag_error_message(), "select(): index 4 out of range for tensor of "
	       "size [3, 4] at dimension 1", "select text");
	ag_tensor *s0 = ag_select(s, 0, 2);
	ok(s0 && s0->ndim == 0, "selecting a 1-d tensor gives 0-d");
	ok(ag_select(s0, 0, 0) == NULL, "select of 0-d fails");
	is_str(ag_error_message(), "select() cannot be applied to a 0-dim tensor.",
	       "text");

	ag_tensor *st = ag_slice(x, 1, 0, 4, 2);
	ok(st && st->shape[1] == 2 && st->stride[1] == 2, "slice with step 2");
	is_num(el_at(st, (int64_t[]){ 1, 1 }), 6, 0, "stepped element");
	ag_tensor *sc = ag_slice(x, 0, -10, 100, 1);
	ok(sc && sc->shape[0] == 3, "slice bounds clamp like Python");
	ag_tensor *se = ag_slice(x, 0, 2, 1, 1);
	ok(se && se->shape[0] == 0, "end before start gives empty");
	ag_tensor *s3 = ag_slice(x, 1, 1, 4, 3);
	ok(s3 && s3->shape[1] == 1, "step larger than the range");
	ok(ag_slice(x, 0, 0, 3, 0) == NULL, "step 0 fails");

	ag_tensor *objs[] = { x, n, nn, s, s0, st, sc, se, s3 };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_squeeze_unsqueeze_strided(void)
{
	int64_t s[] = { 1, 3, 1, 2 };
	ag_tensor *x = seq(s, 4);

	ag_tensor *q = ag_squeeze(x);
	ok(q && q->ndim == 2 && q->shape[0] == 3 && q->shape[1] == 2, "squeeze all");
	ag_tensor *q2 = ag_squeeze_dim(x, 2);
	ok(q2 && q2->ndim == 3, "squeeze(2)");
	ag_tensor *q1 = ag_squeeze_dim(x, 1);
	ok(q1 && q1->ndim == 4, "squeeze of a non-1 dim is a no-op");
	ag_tensor *u = ag_unsqueeze(q, -1);
	ok(u && u->ndim == 3 && u->shape[2] == 1 && u->stride[2] == 1, "unsqueeze(-1)");
	ag_tensor *u0 = ag_unsqueeze(q, 0);
	ok(u0 && u0->shape[0] == 1 && u0->stride[0] == 6, "unsqueeze(0) stride");
	ok(ag_unsqueeze(q, 4) == NULL, "unsqueeze past ndim+1 fails");

	int64_t as_shape[] = { 2, 2 }, as_stride[] = { 1, 2 };
	ag_tensor *a = ag_as_strided(x, as_shape, as_stride, 2, 1);
	ok(a && a->offset == 1, "as_strided");
	is_num(el_at(a, (int64_t[]){ 1, 1 }), 4, 0, "as_strided element");
	int64_t big[] = { 7 }, one[] = { 1 }, neg[] = { -1 };
	ok(ag_as_strided(x, big, one, 1, 0) == NULL, "as_strided out of bounds");
	is_str(ag_error_message(), "setStorage: sizes [7], strides [1], storage "
	       "offset 0, and itemsize 4 requiring a storage size of 28 are out of "
	       "bounds for storage of size 24", "PyTorch's text");
	ok(ag_as_strided(x, one, neg, 1, 0) == NULL, "negative stride refused");

	ag_tensor *d = ag_detach(x);
	ok(d && same_storage(d, x) && d->base == NULL, "detach shares storage and "
	   "version, not a view");
	ag_tensor *al = ag_alias(q);
	ok(al && al->base == x, "alias of a view has the root as base");

	ag_tensor *objs[] = { x, q, q2, q1, u, u0, a, d, al };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_base_lifetime(void)
{
	size_t before = ag_registry_count();
	int64_t s[] = { 4 };
	ag_tensor *x = seq(s, 1);
	ag_tensor *v = ag_slice(x, 0, 1, 3, 1);
	ag_tensor_release(x);
	is_num(el_at(v, (int64_t[]){ 0 }), 1, 0, "a view keeps its base alive");
	ag_tensor_release(v);
	is_int(ag_registry_count(), before, "both freed after the view goes");
}

int main(void)
{
	plan_lazy();
	test_view_reshape();
	test_transpose_permute();
	test_expand();
	test_narrow_select_slice();
	test_squeeze_unsqueeze_strided();
	test_base_lifetime();
	return done_testing();
}
