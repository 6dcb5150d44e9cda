/*
 * writeop.c - what the ops that write into a tensor share (scatter,
 * index_add, index_copy, index_fill, masked_fill, masked_scatter, put,
 * index_put and their `_` forms): the out-of-place form writes into a
 * fresh copy of self, the in-place form into self after PyTorch's checks;
 * both then record one node.  Plus the raw helpers they read and write
 * with (no checks, no version bump, no record).
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

ag_tensor *ag_dense(ag_tensor *t)
{
	if (ag_is_contiguous(t)) {
		ag_tensor_retain(t);
		return t;
	}
	ag_tensor *c = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype);
	if (c && ag_copy_raw(c, t) < 0) {
		ag_tensor_release(c);
		return NULL;
	}
	return c;
}

ag_tensor *ag_select_header(ag_tensor *t, int d, int64_t k)
{
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];

	for (int i = 0, j = 0; i < t->ndim; i++) {
		if (i == d)
			continue;
		shape[j] = t->shape[i];
		stride[j] = t->stride[i];
		j++;
	}
	return ag_tensor_make_view(t, shape, stride, t->ndim - 1,
				   t->offset + k * t->stride[d]);
}

/* *at += *v for one element of dtype dt (integers wrap, bool is or,
 * 16-bit floats round on store). */
void ag_add_one(char *at, const char *v, ag_dtype dt)
{
	switch (dt) {
	case AG_FLOAT32: *(float *)at += *(const float *)v; break;
	case AG_FLOAT64: *(double *)at += *(const double *)v; break;
	case AG_INT64:
		*(int64_t *)at = (int64_t)((uint64_t)*(int64_t *)at +
					   (uint64_t)*(const int64_t *)v);
		break;
	case AG_BOOL: *(uint8_t *)at = *(uint8_t *)at || *(const uint8_t *)v; break;
	default:
		ag_store(at, dt, (float)ag_load(at, dt) + (float)ag_load(v, dt));
	}
}

ag_tensor *ag_broadcast_header(ag_tensor *t, const int64_t *shape, int ndim)
{
	int64_t stride[AG_MAX_DIMS];

	for (int i = 0; i < ndim; i++) {
		int k = i - (ndim - t->ndim);
		stride[i] = k < 0 || t->shape[k] == 1 ? 0 : t->stride[k];
	}
	return ag_tensor_make_view(t, shape, stride, ndim, t->offset);
}

/* ----------------------------------------------------------- dst += a*src */

struct axpy_ctx { ag_dtype dt; double alpha; int64_t ialpha; };

static void loop_axpy(char **d, const int64_t *s, int64_t n, void *p)
{
	const struct axpy_ctx *c = p;
	char *o = d[0], *i = d[1];

	switch (c->dt) {
	case AG_FLOAT32: {
		float a = (float)c->alpha;
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			*(float *)o += a * *(const float *)i;
		break;
	}
	case AG_FLOAT64:
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			*(double *)o += c->alpha * *(const double *)i;
		break;
	case AG_INT64:	/* wraps around as PyTorch's integers do */
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			*(int64_t *)o = (int64_t)((uint64_t)*(int64_t *)o +
				(uint64_t)c->ialpha * (uint64_t)*(const int64_t *)i);
		break;
	case AG_BOOL:
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			*(uint8_t *)o = *(uint8_t *)o || (c->ialpha && *(const uint8_t *)i);
		break;
	default:
		for (int64_t k = 0; k < n; k++, o += s[0], i += s[1])
			ag_store(o, c->dt, ag_load(o, c->dt) +
				 (float)c->alpha * ag_load(i, c->dt));
	}
}

int ag_axpy_raw(ag_tensor *dst, ag_tensor *src, double alpha)
{
	struct axpy_ctx c = { dst->dtype, alpha, (int64_t)alpha };
	ag_tensor *ops[2] = { dst, src };
	ag_iter it;

	if (ag_iter_init(&it, 2, ops, dst->shape, dst->ndim) < 0)
		return -1;
	ag_iter_run(&it, loop_axpy, &c, false);	/* dst may alias itself */
	return 0;
}

/* ------------------------------------------------------- the two forms */

ag_tensor *ag_write_copy(const ag_write_call *c)
{
	ag_tensor *self = c->in[0];
	const int64_t *shape = c->shape ? c->shape : self->shape;
	int ndim = c->shape ? c->ndim : self->ndim;
	ag_tensor *out = ag_tensor_alloc_uninit(shape, ndim, self->dtype);

	if (out && (ag_copy_raw(out, self) < 0 || c->write(out, c->ctx) < 0)) {
		ag_tensor_release(out);
		out = NULL;
	}
	return ag_recorded(out, (ag_call){ .op = c->op, .variant = c->variant,
		.in = c->in, .nin = c->nin, .args = c->args,
		.args_size = c->args_size });
}

static int write_inplace_checked(const ag_write_call *c)
{
	ag_tensor *self = c->in[0];

	if (ag_check_inplace(self) < 0 || ag_assert_no_internal_overlap(self) < 0)
		return -1;
	for (int i = 1; i < c->nin; i++)
		if (c->in[i] && ag_assert_no_partial_overlap(self, c->in[i]) < 0)
			return -1;
	if (c->write(self, c->ctx) < 0)
		return -1;
	ag_bump_version(self);
	return ag_record(&(ag_call){ .op = c->op, .variant = c->variant,
		.in = c->in, .nin = c->nin, .out = &self, .nout = 1,
		.args = c->args, .args_size = c->args_size, .inplace = true,
		.original = c->original });
}

int ag_write_inplace(const ag_write_call *c)
{
	int rc = write_inplace_checked(c);
	if (rc < 0)
		ag_trace_failed(c->op, c->in, c->nin, c->in[0]);
	return rc;
}

/* ------------------------------------------------ 1-based index tensors */

ag_tensor *ag_index_shift(ag_tensor *t, int64_t *zeros)
{
	ag_tensor *r = ag_tensor_alloc_uninit(t->shape, t->ndim, AG_INT64);

	*zeros = 0;
	if (!r || ag_copy_raw(r, t) < 0) {
		ag_tensor_release(r);
		return NULL;
	}
	int64_t *p = ag_data_ptr(r);
	for (int64_t i = 0, n = ag_numel(r); i < n; i++) {
		if (p[i] > 0)
			p[i]--;
		else if (p[i] == 0)
			(*zeros)++;
	}
	return r;
}
