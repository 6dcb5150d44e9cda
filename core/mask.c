/*
 * mask.c - ops driven by a boolean mask or by where values are non-zero:
 * masked_fill, masked_select, masked_scatter, nonzero, one_hot.
 *
 * A mask broadcasts against self.  masked_select and masked_scatter
 * visit elements in row-major order (the order PyTorch fills and reads
 * them in), so they work on dense copies rather than the iterator, whose
 * order follows memory.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <math.h>
#include <stdio.h>

/* The mask as a bool tensor (int64 masks: non-zero is true); NULL with
 * PyTorch's text for other dtypes. */
static ag_tensor *bool_mask(ag_tensor *mask, const char *fname, bool bool_only)
{
	if (!mask) {
		ag_error(AG_ERR_VALUE, "%s: no mask", fname);
		return NULL;
	}
	if (mask->dtype == AG_BOOL) {
		ag_tensor_retain(mask);
		return mask;
	}
	if (bool_only) {
		ag_error(AG_ERR_DTYPE, "%s: expected BoolTensor or ByteTensor for "
			 "mask", fname);
		return NULL;
	}
	if (mask->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "%s only supports boolean masks, but got mask "
			 "with dtype %s", fname, ag_dtype_name(mask->dtype));
		return NULL;
	}
	ag_tensor *b = ag_tensor_alloc_uninit(mask->shape, mask->ndim, AG_BOOL);
	if (b && ag_copy_raw(b, mask) < 0) {
		ag_tensor_release(b);
		return NULL;
	}
	return b;
}

/* The broadcast shape of t and mask; in place: it must be t's own. */
static int mask_shape(const ag_tensor *t, const ag_tensor *mask, bool inplace,
		      int64_t *shape, int *ndim)
{
	char b1[256], b2[256];

	/* PyTorch broadcasts the mask first out of place (its error names
	 * the mask as tensor a), self first in place */
	if ((inplace ? ag_broadcast_shapes(t->shape, t->ndim, mask->shape,
					   mask->ndim, shape, ndim)
		     : ag_broadcast_shapes(mask->shape, mask->ndim, t->shape,
					   t->ndim, shape, ndim)) < 0)
		return -1;
	if (inplace && (*ndim != t->ndim ||
			memcmp(shape, t->shape, (size_t)*ndim * sizeof *shape)))
		return ag_error(AG_ERR_SHAPE, "output with shape %s doesn't match "
				"the broadcast shape %s",
				ag_shape_str(t->shape, t->ndim, b1, sizeof b1),
				ag_shape_str(shape, *ndim, b2, sizeof b2));
	return 0;
}

/* ------------------------------------------------------------ masked_fill */

struct fill_ctx {
	ag_tensor *mask;	/* bool */
	unsigned char value[8];
	size_t size;
};

static void loop_masked_fill(char **d, const int64_t *s, int64_t n, void *p)
{
	const struct fill_ctx *c = p;
	char *o = d[0];
	const char *m = d[1];

	if (c->size == 4 && s[0] == 4 && s[1] == 1) {
		float v, *f = (float *)o;
		memcpy(&v, c->value, 4);
		for (int64_t k = 0; k < n; k++)
			f[k] = m[k] ? v : f[k];
		return;
	}
	for (int64_t k = 0; k < n; k++, o += s[0], m += s[1])
		if (*m)
			memcpy(o, c->value, c->size);
}

static int masked_fill_write(ag_tensor *dst, void *p)
{
	struct fill_ctx *c = p;
	ag_tensor *ops[2] = { dst, c->mask };
	ag_iter it;

	if (ag_iter_init(&it, 2, ops, dst->shape, dst->ndim) < 0)
		return -1;
	ag_iter_run(&it, loop_masked_fill, c, true);
	return 0;
}

static ag_tensor *masked_fill_call(ag_op op, ag_tensor *t, ag_tensor *mask,
				   ag_tensor *value_t, double value,
				   bool inplace, int *rc)
{
	struct fill_ctx c = { .size = ag_dtype_size(t->dtype) };
	int64_t shape[AG_MAX_DIMS];
	int ndim;
	ag_tensor *r = NULL;

	*rc = -1;
	c.mask = bool_mask(mask, "masked_fill_", false);
	if (c.mask && mask_shape(t, mask, inplace, shape, &ndim) == 0 &&
	    !(t->dtype == AG_INT64 && !isfinite(value) &&
	      ag_error(AG_ERR_VALUE, "value cannot be converted to type int64_t "
		       "without overflow"))) {
		ag_store(c.value, t->dtype, value);
		ag_index_dim_args a = { .self = ag_shape_of(t), .value = value };
		ag_write_call w = { .op = op,
			.in = (ag_tensor *[]){ t, mask, value_t },
			.nin = value_t ? 3 : 2, .shape = shape, .ndim = ndim,
			.write = masked_fill_write, .ctx = &c, .args = &a,
			.args_size = sizeof a };
		if (inplace)
			*rc = ag_write_inplace(&w);
		else
			r = ag_write_copy(&w);
	} else if (inplace) {
		ag_trace_failed(op, (ag_tensor *[]){ t, mask }, 2, t);
	}
	ag_tensor_release(c.mask);
	return r;
}

ag_tensor *ag_masked_fill(ag_tensor *t, ag_tensor *mask, double value)
{
	int rc;
	return masked_fill_call(AG_OP_MASKED_FILL, t, mask, NULL, value, false,
				&rc);
}

int ag_masked_fill_(ag_tensor *t, ag_tensor *mask, double value)
{
	int rc;
	masked_fill_call(AG_OP_MASKED_FILL, t, mask, NULL, value, true, &rc);
	return rc;
}

ag_tensor *ag_masked_fill_tensor(ag_tensor *t, ag_tensor *mask,
				 ag_tensor *value)
{
	double v;
	int rc;
	if (ag_value_of(value, "masked_fill_", &v) < 0)
		return NULL;
	return masked_fill_call(AG_OP_MASKED_FILL_TENSOR, t, mask, value, v,
				false, &rc);
}

int ag_masked_fill_tensor_(ag_tensor *t, ag_tensor *mask, ag_tensor *value)
{
	double v;
	int rc;
	if (ag_value_of(value, "masked_fill_", &v) < 0)
		return -1;
	masked_fill_call(AG_OP_MASKED_FILL_TENSOR, t, mask, value, v, true, &rc);
	return rc;
}

/* ---------------------------------------------------------- masked_select */

/* t read with the given (broadcast) shape, as a dense copy. */
static ag_tensor *dense_as(ag_tensor *t, const int64_t *shape, int ndim)
{
	ag_tensor *h = ag_broadcast_header(t, shape, ndim);
	ag_tensor *d = NULL;
	if (h) {
		d = ag_tensor_alloc_uninit(shape, ndim, t->dtype);
		if (d && ag_copy_raw(d, h) < 0) {
			ag_tensor_release(d);
			d = NULL;
		}
	}
	ag_tensor_release(h);
	return d;
}

static int64_t count_true(const ag_tensor *m)
{
	const uint8_t *p = ag_data_ptr(m);
	int64_t n = 0;
	for (int64_t i = 0, e = ag_numel(m); i < e; i++)
		n += p[i] != 0;
	return n;
}

ag_tensor *ag_masked_select(ag_tensor *t, ag_tensor *mask)
{
	int64_t shape[AG_MAX_DIMS];
	int ndim;
	ag_tensor *m = bool_mask(mask, "masked_select", true), *md = NULL;
	ag_tensor *td = NULL, *out = NULL;

	if (m && mask_shape(t, m, false, shape, &ndim) == 0 &&
	    (md = dense_as(m, shape, ndim)) && (td = dense_as(t, shape, ndim))) {
		int64_t n = count_true(md);
		out = ag_tensor_alloc_uninit(&n, 1, t->dtype);
		if (out) {
			size_t es = ag_dtype_size(t->dtype);
			const uint8_t *mp = ag_data_ptr(md);
			const char *src = ag_data_ptr(td);
			char *dst = ag_data_ptr(out);
			for (int64_t i = 0, e = ag_numel(md); i < e; i++)
				if (mp[i]) {
					memcpy(dst, src + (size_t)i * es, es);
					dst += es;
				}
		}
	}
	ag_tensor_release(m);
	ag_tensor_release(md);
	ag_tensor_release(td);
	ag_index_dim_args a = { .self = ag_shape_of(t) };
	return ag_recorded(out, (ag_call){ .op = AG_OP_MASKED_SELECT,
		.in = (ag_tensor *[]){ t, mask }, .nin = 2, .args = &a,
		.args_size = sizeof a });
}

/* --------------------------------------------------------- masked_scatter */

struct scatter_ctx {
	ag_tensor *mask;	/* bool */
	ag_tensor *src;		/* dense */
};

/* dst's elements in row-major order take the source's, one by one, where
 * the mask (broadcast to dst) is true. */
static int masked_scatter_write(ag_tensor *dst, void *p)
{
	struct scatter_ctx *c = p;
	ag_tensor *md = dense_as(c->mask, dst->shape, dst->ndim);
	if (!md)
		return -1;
	const uint8_t *mp = ag_data_ptr(md);
	size_t es = ag_dtype_size(dst->dtype);
	const char *src = ag_data_ptr(c->src);
	char *d = ag_data_ptr(dst);
	int64_t idx[AG_MAX_DIMS] = { 0 }, off = 0;

	for (int64_t i = 0, e = ag_numel(md); i < e; i++) {
		if (mp[i]) {
			memcpy(d + off * (int64_t)es, src, es);
			src += es;
		}
		for (int k = dst->ndim - 1; k >= 0; k--) {
			off += dst->stride[k];
			if (++idx[k] < dst->shape[k])
				break;
			off -= dst->stride[k] * dst->shape[k];
			idx[k] = 0;
		}
	}
	ag_tensor_release(md);
	return 0;
}

static ag_tensor *masked_scatter_call(ag_tensor *t, ag_tensor *mask,
				      ag_tensor *src, bool inplace, int *rc)
{
	struct scatter_ctx c = { 0 };
	int64_t shape[AG_MAX_DIMS];
	int ndim;
	ag_tensor *r = NULL, *md = NULL;
	bool tried = false;

	*rc = -1;
	if (!src) {
		ag_error(AG_ERR_VALUE, "masked_scatter: no source tensor");
	} else if (src->dtype != t->dtype) {
		ag_error(AG_ERR_DTYPE, "masked_scatter: expected self and source to "
			 "have same dtypes but got%s and %s",
			 ag_dtype_scalar_name(t->dtype),
			 ag_dtype_scalar_name(src->dtype));
	} else if ((c.mask = bool_mask(mask, "masked_scatter_", false)) &&
		   mask_shape(t, c.mask, inplace, shape, &ndim) == 0 &&
		   (md = dense_as(c.mask, shape, ndim))) {
		if (count_true(md) > ag_numel(src)) {
			ag_error(AG_ERR_VALUE, "Number of elements of source < number "
				 "of ones in mask");
		} else if ((c.src = ag_dense(src))) {
			ag_index_dim_args a = { .self = ag_shape_of(t),
						.source = ag_shape_of(src) };
			ag_write_call w = { .op = AG_OP_MASKED_SCATTER,
				.in = (ag_tensor *[]){ t, mask, src }, .nin = 3,
				.shape = shape, .ndim = ndim,
				.write = masked_scatter_write, .ctx = &c, .args = &a,
				.args_size = sizeof a };
			tried = true;
			if (inplace)
				*rc = ag_write_inplace(&w);
			else
				r = ag_write_copy(&w);
		}
	}
	if (inplace && !tried)
		ag_trace_failed(AG_OP_MASKED_SCATTER,
				(ag_tensor *[]){ t, mask, src }, 3, t);
	ag_tensor_release(c.mask);
	ag_tensor_release(c.src);
	ag_tensor_release(md);
	return r;
}

ag_tensor *ag_masked_scatter(ag_tensor *t, ag_tensor *mask, ag_tensor *src)
{
	int rc;
	return masked_scatter_call(t, mask, src, false, &rc);
}

int ag_masked_scatter_(ag_tensor *t, ag_tensor *mask, ag_tensor *src)
{
	int rc;
	masked_scatter_call(t, mask, src, true, &rc);
	return rc;
}

/* --------------------------------------------------------------- nonzero */

ag_tensor *ag_nonzero(ag_tensor *t)
{
	return ag_recorded(ag_nonzero_raw(t), (ag_call){ .op = AG_OP_NONZERO,
		.in = &t, .nin = 1 });
}

ag_tensor *ag_nonzero_raw(ag_tensor *t)
{
	ag_tensor *m = ag_tensor_alloc_uninit(t->shape, t->ndim, AG_BOOL);
	ag_tensor *out = NULL;

	if (m && ag_copy_raw(m, t) == 0) {
		int64_t shape[2] = { count_true(m), t->ndim };
		out = ag_tensor_alloc_uninit(shape, 2, AG_INT64);
		if (out) {
			const uint8_t *mp = ag_data_ptr(m);
			int64_t *o = ag_data_ptr(out), idx[AG_MAX_DIMS] = { 0 };
			for (int64_t i = 0, e = ag_numel(m); i < e; i++) {
				if (mp[i])
					for (int k = 0; k < t->ndim; k++)
						*o++ = idx[k];
				for (int k = t->ndim - 1; k >= 0; k--) {
					if (++idx[k] < t->shape[k])
						break;
					idx[k] = 0;
				}
			}
		}
	}
	ag_tensor_release(m);
	return out;
}

/* --------------------------------------------------------------- one_hot */

ag_tensor *ag_one_hot(ag_tensor *t, int64_t num_classes)
{
	int64_t shape[AG_MAX_DIMS], n = ag_numel(t), max = -1;

	if (t->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "one_hot is only applicable to index tensor.");
		return NULL;
	}
	if (t->ndim >= AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	if (n == 0 && num_classes < 0) {
		ag_error(AG_ERR_VALUE, "Can not infer total number of classes from "
			 "empty tensor.");
		return NULL;
	}
	ag_tensor *c = ag_dense(t);
	if (!c)
		return NULL;
	const int64_t *p = ag_data_ptr(c);
	for (int64_t i = 0; i < n; i++) {
		if (p[i] < 0) {
			ag_tensor_release(c);
			ag_error(AG_ERR_VALUE, "Class values must be non-negative.");
			return NULL;
		}
		max = p[i] > max ? p[i] : max;
	}
	if (num_classes < 0 && n > 0)
		num_classes = max + 1;
	if (n > 0 && max >= num_classes) {
		ag_tensor_release(c);
		ag_error(AG_ERR_VALUE, "Class values must be smaller than "
			 "num_classes.");
		return NULL;
	}
	memcpy(shape, t->shape, sizeof shape);
	shape[t->ndim] = num_classes < 0 ? 0 : num_classes;
	ag_tensor *out = ag_zeros(shape, t->ndim + 1, AG_INT64);
	if (out) {
		int64_t *o = ag_data_ptr(out);
		for (int64_t i = 0; i < n; i++)
			o[i * num_classes + p[i]] = 1;
	}
	ag_tensor_release(c);
	return ag_recorded(out, (ag_call){ .op = AG_OP_ONE_HOT, .in = &t,
		.nin = 1 });
}
