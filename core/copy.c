/*
 * copy.c - writing one tensor's values into another: copy_ (with
 * broadcasting and dtype conversion), contiguous, clone, to_dtype, fill_.
 */
#include "internal.h"
#include "half_ew.h"
#include "record.h"
#include "node.h"
#include "vmath.h"

#include <math.h>

/* Every caller writes the whole result, so its memory is not zeroed. */
ag_tensor *ag_tensor_alloc_like(const ag_tensor *t, ag_dtype dt)
{
	ag_tensor *r = ag_tensor_alloc_uninit(t->shape, t->ndim, dt);
	if (r && t->ndim > 1 && ag_numel(t) > 0 &&
	    ag_is_non_overlapping_and_dense(t) && !ag_is_contiguous(t))
		memcpy(r->stride, t->stride, sizeof r->stride);
	return r;
}

/* ------------------------------------------------------------ inner loops */

struct same_ctx { size_t size; bool stream; };

static void loop_copy_same(char **d, const int64_t *s, int64_t n, void *ctx)
{
	const struct same_ctx *c = ctx;
	size_t size = c->size;
	if (s[0] == (int64_t)size && s[1] == (int64_t)size) {
		memmove(d[0], d[1], (size_t)n * size);
		return;
	}
	char *o = d[0], *i = d[1];
	if (s[0] == (int64_t)size && s[1] == 0 && size <= 16 && 16 % size == 0) {
		ag_vm_fill(o, i, size, n, c->stream);	/* a broadcast value */
		return;
	}
	switch (size) {
	case 8:
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			memcpy(o, i, 8);
		break;
	case 4:
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			memcpy(o, i, 4);
		break;
	case 2:
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			memcpy(o, i, 2);
		break;
	default:
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			*o = *i;
	}
}

struct convert_ctx { ag_dtype to, from; bool stream; };

static void loop_copy_convert(char **d, const int64_t *s, int64_t n, void *p)
{
	const struct convert_ctx *c = p;
	char *o = d[0], *i = d[1];

	if (ag_half_convert(d, s, n, c->to, c->from, c->stream))	/* half_ew.c */
		return;
	if (c->to == AG_FLOAT32 && c->from == AG_FLOAT64) {
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			*(float *)o = (float)*(const double *)i;
	} else if (c->to == AG_FLOAT64 && c->from == AG_FLOAT32) {
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			*(double *)o = *(const float *)i;
	} else {
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			ag_convert(o, c->to, i, c->from);
	}
}

int ag_copy_raw(ag_tensor *dst, ag_tensor *src)
{
	ag_tensor *ops[2] = { dst, src };
	ag_iter it;

	if (ag_iter_init(&it, 2, ops, dst->shape, dst->ndim) < 0)
		return -1;
	if (dst->dtype == src->dtype) {
		size_t size = ag_dtype_size(dst->dtype);
		/* a long fill (an expanded gradient made dense) past the caches */
		struct same_ctx c = { size, it.ndim == 1 &&
			it.strides[0][0] == (int64_t)size && it.strides[1][0] == 0 &&
			ag_vm_streams(it.numel * (int64_t)size) };
		ag_iter_run(&it, loop_copy_same, &c, true);
	} else {
		size_t size = ag_dtype_size(dst->dtype);
		/* a long dense output past the caches (half_ew.c streams it) */
		struct convert_ctx c = { dst->dtype, src->dtype, it.ndim == 1 &&
			it.strides[0][0] == (int64_t)size &&
			ag_vm_streams(it.numel * (int64_t)size) };
		ag_iter_run(&it, loop_copy_convert, &c, true);
	}
	return ag_check_interrupt();	/* Ctrl-C stopped the loop early */
}

/* Can src be broadcast to exactly dst's shape?  PyTorch's texts if not. */
static int check_broadcast_to(const ag_tensor *dst, const ag_tensor *src)
{
	char b1[256], b2[256];
	int n = dst->ndim > src->ndim ? dst->ndim : src->ndim;
	int64_t bshape[AG_MAX_DIMS];

	for (int i = 0; i < n; i++) {
		int da = dst->ndim - n + i, db = src->ndim - n + i;
		int64_t a = da >= 0 ? dst->shape[da] : 1;
		int64_t b = db >= 0 ? src->shape[db] : 1;
		if (a != b && a != 1 && b != 1)
			return ag_error(AG_ERR_SHAPE, "The size of tensor a (%lld) must "
					"match the size of tensor b (%lld) at "
					"non-singleton dimension %d",
					(long long)a, (long long)b, i);
		bshape[i] = a == 1 ? b : a;
	}
	if (n != dst->ndim || memcmp(bshape, dst->shape, (size_t)n * sizeof *bshape))
		return ag_error(AG_ERR_SHAPE, "output with shape %s doesn't match the "
				"broadcast shape %s",
				ag_shape_str(dst->shape, dst->ndim, b1, sizeof b1),
				ag_shape_str(bshape, n, b2, sizeof b2));
	return 0;
}

static int copy_inplace_checked(ag_tensor *dst, ag_tensor *src)
{
	if (dst == src)
		return 0;
	if (check_broadcast_to(dst, src) < 0 ||
	    ag_assert_no_internal_overlap(dst) < 0 ||
	    ag_assert_no_partial_overlap(dst, src) < 0 ||
	    ag_check_inplace_of(dst, (ag_tensor *[]){ dst, src }, 2) < 0)
		return -1;
	if (!(ag_get_overlap_status(dst, src) == AG_OVERLAP_STATUS_FULL &&
	      dst->dtype == src->dtype) && ag_copy_raw(dst, src) < 0) {
		/* interrupted half-way: what was written is a change too */
		if (ag_error_code() == AG_ERR_INTERRUPT)
			ag_bump_version(dst);
		return -1;
	}
	ag_bump_version(dst);
	return ag_record(&(ag_call){ .op = AG_OP_COPY_,
		.in = (ag_tensor *[]){ dst, src }, .nin = 2, .out = &dst,
		.nout = 1, .inplace = true });
}

/* Copies t into the fresh tensor r and records how r was made (op, with
 * its arguments); releases r and returns NULL when either fails. */
static ag_tensor *copied(ag_tensor *r, ag_tensor *t, ag_op op,
			 const void *args, size_t size)
{
	if (r && ag_copy_raw(r, t) < 0) {
		ag_tensor_release(r);
		return NULL;
	}
	return ag_recorded(r, (ag_call){ .op = op, .in = &t, .nin = 1,
		.args = args, .args_size = size });
}

ag_tensor *ag_contiguous(ag_tensor *t)
{
	if (ag_is_contiguous(t)) {
		ag_tensor_retain(t);
		return t;
	}
	return copied(ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype), t,
		      AG_OP_CLONE, NULL, 0);
}

ag_tensor *ag_clone(ag_tensor *t)
{
	return copied(ag_tensor_alloc_like(t, t->dtype), t, AG_OP_CLONE, NULL, 0);
}

ag_tensor *ag_clone_contiguous(ag_tensor *t)
{
	return copied(ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype), t,
		      AG_OP_CLONE, NULL, 0);
}

ag_tensor *ag_tensor_alloc_strided(const int64_t *shape, const int64_t *stride,
				   int ndim, ag_dtype dt)
{
	ag_tensor *r = ag_tensor_alloc_uninit(shape, ndim, dt);
	if (r && ndim)
		memcpy(r->stride, stride, (size_t)ndim * sizeof *stride);
	return r;
}

/* Made without a trace event, but with a CloneBackward0 history when t
 * has one to keep: the backward that reads it may itself be
 * differentiated (create_graph), and then d(original)/d(inputs) counts,
 * as with PyTorch's original_self = self.clone(). */
ag_tensor *ag_original_copy(ag_tensor *t)
{
	bool prev = ag_set_grad_enabled(false);
	ag_tensor *c = ag_clone(t);
	ag_set_grad_enabled(prev);
	if (!c || !prev || !ag_requires_grad(t) || !ag_dtype_is_floating(t->dtype))
		return c;
	ag_node *n = ag_node_new(AG_OP_CLONE, 0, 1, 0, 0);
	if (!n || ag_node_set_next(n, &t, 1) < 0) {
		ag_node_release(n);
		ag_tensor_release(c);
		return NULL;
	}
	ag_set_history(c, n, 0);
	ag_node_release(n);
	return c;
}

ag_tensor *ag_to_dtype(ag_tensor *t, ag_dtype dt)
{
	if ((unsigned)dt >= AG_NDTYPES) {
		ag_error(AG_ERR_DTYPE, "invalid dtype");
		return NULL;
	}
	if (t->dtype == dt) {
		ag_tensor_retain(t);
		return t;
	}
	return copied(ag_tensor_alloc_like(t, dt), t, AG_OP_TO,
		      &(ag_to_args){ t->dtype }, sizeof(ag_to_args));
}

ag_tensor *ag_to_dtype_owned(ag_tensor *t, ag_dtype dt)
{
	if (!t || t->dtype == dt)
		return t;
	ag_tensor *r = ag_to_dtype(t, dt);
	ag_tensor_release(t);
	return r;
}

/* ----------------------------------------------------------------- fill */

struct fill_ctx { unsigned char bytes[8]; size_t size; };

static void loop_fill(char **d, const int64_t *s, int64_t n, void *p)
{
	const struct fill_ctx *c = p;
	char *o = d[0];
	if (c->size == 4 && s[0] == 4) {
		float v;
		memcpy(&v, c->bytes, 4);
		for (int64_t k = 0; k < n; k++)
			((float *)o)[k] = v;
		return;
	}
	for (int64_t k = 0; k < n; k++, o += s[0])
		memcpy(o, c->bytes, c->size);
}

int ag_fill_raw(ag_tensor *t, double value)
{
	struct fill_ctx c = { .size = ag_dtype_size(t->dtype) };
	ag_iter it;

	if (ag_check_scalar_fits(value, t->dtype) < 0)
		return -1;
	ag_store(c.bytes, t->dtype, value);
	if (ag_iter_init(&it, 1, &t, t->shape, t->ndim) < 0)
		return -1;
	ag_iter_run(&it, loop_fill, &c, true);
	return 0;
}

/* fill_ writes the same value everywhere, so aliased elements are fine:
 * PyTorch allows it on expanded tensors and so do we. */
static int fill_raw(ag_tensor *t, double value)
{
	if (ag_check_scalar_fits(value, t->dtype) < 0 ||
	    ag_check_inplace(t) < 0 || ag_fill_raw(t, value) < 0)
		return -1;
	ag_bump_version(t);
	return ag_check_interrupt();	/* Ctrl-C stopped the loop early */
}

/* fill_ and zero_ record nodes of their own (no gradient flows back). */
static int fill_recorded(ag_tensor *t, double value, ag_op op)
{
	if (fill_raw(t, value) < 0)
		return -1;
	return ag_record(&(ag_call){ .op = op, .in = &t, .nin = 1, .out = &t,
				     .nout = 1, .inplace = true });
}

int ag_fill_(ag_tensor *t, double value)
{
	return fill_recorded(t, value, AG_OP_FILL_);
}

int ag_zero_(ag_tensor *t)
{
	return fill_recorded(t, 0.0, AG_OP_ZERO_);
}

int ag_copy_(ag_tensor *dst, ag_tensor *src)
{
	int rc = copy_inplace_checked(dst, src);
	if (rc < 0 && dst) {
		ag_tensor *ins_[2] = { dst, src };
		ag_trace_failed(AG_OP_COPY_, ins_, 2, dst);
	}
	return rc;
}
