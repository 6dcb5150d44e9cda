/*
 * index.c - joining tensors (cat, stack), gathering along a dim
 * (index_select) and the indexing the Lua syntax needs: x[spec] as a view,
 * x[spec] = tensor and x[spec] = number.
 *
 * Each op checks its arguments, computes into a fresh output and returns
 * it, so the autograd layer can wrap it without looking inside.  For that
 * the fresh outputs are filled by raw copies (ag_copy_raw), never by public
 * ops such as copy_ that the autograd layer records.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <stdio.h>

/* ----------------------------------------------------------------- cat */

/* PyTorch still accepts 1-d empty tensors of any size next to others
 * (legacy behaviour): they are skipped. */
static bool cat_skipped(const ag_tensor *t)
{
	return t->ndim == 1 && t->shape[0] == 0;
}

static int cat_check(ag_tensor *const *ts, int n, int64_t dim,
		     const ag_tensor **ref_out, int *dim_out, ag_dtype *dt_out)
{
	const ag_tensor *ref = NULL;
	ag_dtype dt;
	int d;

	if (n <= 0 || !ts)
		return ag_error(AG_ERR_VALUE,
				"torch.cat(): expected a non-empty list of Tensors");
	for (int i = 0; i < n; i++)
		if (!ts[i])
			return ag_error(AG_ERR_VALUE, "torch.cat(): expected a "
					"Tensor at position %d", i);
	dt = ts[0]->dtype;
	for (int i = 0; i < n; i++) {
		if (ts[i]->ndim == 0)
			return ag_error(AG_ERR_SHAPE, "zero-dimensional tensor (at "
					"position %d) cannot be concatenated", i);
		if (i > 0)
			dt = ag_promote_types(dt, ts[i]->dtype);
		if (!ref && !cat_skipped(ts[i]))
			ref = ts[i];
	}
	*dt_out = dt;
	*ref_out = ref;
	if (!ref) {	/* only legacy empties: the result is one as well */
		*dim_out = 0;
		return ag_wrap_dim(dim, 1, &d);
	}
	if (ag_wrap_dim(dim, ref->ndim, &d) < 0)
		return -1;
	*dim_out = d;
	for (int i = 0; i < n; i++) {
		const ag_tensor *t = ts[i];
		if (cat_skipped(t))
			continue;
		if (t->ndim != ref->ndim)
			return ag_error(AG_ERR_SHAPE, "Tensors must have same number "
					"of dimensions: got %d and %d",
					ref->ndim, t->ndim);
		for (int k = 0; k < t->ndim; k++)
			if (k != d && t->shape[k] != ref->shape[k])
				return ag_error(AG_ERR_SHAPE, "Sizes of tensors must "
						"match except in dimension %d. "
						"Expected size %lld but got size "
						"%lld for tensor number %d in the "
						"list.", d,
						(long long)ref->shape[k],
						(long long)t->shape[k], i);
	}
	return 0;
}

/* cat without argument checks beyond cat_check: shared with stack. */
static ag_tensor *cat_impl(ag_tensor *const *ts, int n, int dim)
{
	const ag_tensor *ref = NULL;
	int64_t shape[AG_MAX_DIMS], at = 0, zero = 0;
	ag_dtype dt = AG_DEFAULT_DTYPE;
	ag_tensor *out;
	int d = 0;

	if (cat_check(ts, n, dim, &ref, &d, &dt) < 0)
		return NULL;
	if (!ref)
		return ag_tensor_alloc(&zero, 1, dt);
	memcpy(shape, ref->shape, sizeof shape);
	shape[d] = 0;
	for (int i = 0; i < n; i++)
		if (!cat_skipped(ts[i]) &&
		    __builtin_add_overflow(shape[d], ts[i]->shape[d], &shape[d])) {
			ag_error(AG_ERR_NOMEM, "torch.cat(): the size of the result "
				 "along dimension %d overflows", d);
			return NULL;
		}
	out = ag_tensor_alloc(shape, ref->ndim, dt);
	if (!out)
		return NULL;
	for (int i = 0; i < n; i++) {
		ag_tensor *part;
		int rc;

		if (cat_skipped(ts[i]) || ts[i]->shape[d] == 0)
			continue;
		shape[d] = ts[i]->shape[d];
		part = ag_tensor_make_view(out, shape, out->stride, out->ndim,
					   at * out->stride[d]);
		rc = part ? ag_copy_raw(part, ts[i]) : -1;
		ag_tensor_release(part);
		if (rc < 0) {
			ag_tensor_release(out);
			return NULL;
		}
		at += ts[i]->shape[d];
	}
	return out;
}

/* What cat's backward needs: each input's size along dim (-1: a legacy
 * empty input, skipped); only made when a node will be. */
static ag_cat_args *cat_args(ag_tensor *const *ts, int n, const ag_tensor *out,
			     int dim, size_t *size)
{
	ag_cat_args *a;

	*size = 0;
	if (!ag_record_needed(AG_OP_CAT, ts, n))
		return NULL;
	*size = sizeof *a + (size_t)n * sizeof a->sizes[0];
	if (!(a = malloc(*size))) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	a->dim = dim < 0 ? dim + out->ndim : dim;
	a->n = n;
	for (int i = 0; i < n; i++)
		a->sizes[i] = cat_skipped(ts[i]) && out->ndim > 1 ? -1
							     : ts[i]->shape[a->dim];
	return a;
}

ag_tensor *ag_cat(ag_tensor *const *ts, int n, int dim)
{
	ag_tensor *out = cat_impl(ts, n, dim);
	size_t size;
	ag_cat_args *args;

	if (!out)
		return NULL;
	if (dim < 0 && out->ndim)
		dim += out->ndim;
	args = cat_args(ts, n, out, dim, &size);
	if (size && !args) {
		ag_tensor_release(out);
		return NULL;
	}
	out = ag_recorded(out, (ag_call){ .op = AG_OP_CAT, .in = ts, .nin = n,
		.args = args, .args_size = size });
	free(args);
	return out;
}

/* --------------------------------------------------------------- stack */

ag_tensor *ag_stack(ag_tensor *const *ts, int n, int dim)
{
	ag_tensor *parts[64], **ps = parts, *out = NULL;
	char b1[256], b2[256];
	int d, made = 0;

	if (n <= 0 || !ts) {
		ag_error(AG_ERR_VALUE, "stack expects a non-empty TensorList");
		return NULL;
	}
	for (int i = 0; i < n; i++)
		if (!ts[i]) {
			ag_error(AG_ERR_VALUE, "stack(): expected a Tensor at "
				 "position %d", i);
			return NULL;
		}
	for (int i = 1; i < n; i++)
		if (!ag_same_shape(ts[0], ts[i])) {
			ag_error(AG_ERR_SHAPE, "stack expects each tensor to be equal "
				 "size, but got %s at entry 0 and %s at entry %d",
				 ag_shape_str(ts[0]->shape, ts[0]->ndim, b1, sizeof b1),
				 ag_shape_str(ts[i]->shape, ts[i]->ndim, b2, sizeof b2),
				 i);
			return NULL;
		}
	if (ag_wrap_dim(dim, ts[0]->ndim + 1, &d) < 0)
		return NULL;
	if (ts[0]->ndim + 1 > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	if (n > (int)(sizeof parts / sizeof parts[0])) {
		ps = malloc((size_t)n * sizeof *ps);
		if (!ps) {
			ag_error(AG_ERR_NOMEM, "out of memory");
			return NULL;
		}
	}
	/* each input seen with a size-1 dim at d (bare headers, so that
	 * nothing here is recorded as an unsqueeze) */
	for (; made < n; made++) {
		ag_tensor *t = ts[made];
		int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
		for (int i = 0, j = 0; i <= t->ndim; i++) {
			if (i == d) {
				shape[i] = 1;
				stride[i] = 1;
			} else {
				shape[i] = t->shape[j];
				stride[i] = t->stride[j];
				j++;
			}
		}
		ps[made] = ag_tensor_make_view(t, shape, stride, t->ndim + 1,
					       t->offset);
		if (!ps[made])
			goto done;
	}
	out = ag_recorded(cat_impl(ps, n, d), (ag_call){ .op = AG_OP_STACK,
		.in = ts, .nin = n, .args = &(ag_dim_args){ .dim = d },
		.args_size = sizeof(ag_dim_args) });
done:
	for (int i = 0; i < made; i++)
		ag_tensor_release(ps[i]);
	if (ps != parts)
		free(ps);
	return out;
}

/* -------------------------------------------------------- index_select */

/* index_select from a contiguous source into a fresh output: whole blocks
 * of the dims after d are copied at once (the embedding-lookup case). */
static void gather_rows(ag_tensor *out, const ag_tensor *t, int d,
			const int64_t *iv, int64_t istep, int64_t nidx)
{
	size_t es = ag_dtype_size(t->dtype);
	int64_t outer = 1, inner = 1, size = t->shape[d];
	const char *src = ag_data_ptr(t);
	char *dst = ag_data_ptr(out);

	for (int i = 0; i < d; i++)
		outer *= t->shape[i];
	for (int i = d + 1; i < t->ndim; i++)
		inner *= t->shape[i];
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < nidx; i++) {
			int64_t k = iv[i * istep] < 0 ? iv[i * istep] + size :
				iv[i * istep];
			memcpy(dst + (size_t)((o * nidx + i) * inner) * es,
			       src + (size_t)((o * size + k) * inner) * es,
			       (size_t)inner * es);
		}
}

static ag_tensor *index_select_impl(ag_tensor *t, int dim, ag_tensor *index)
{
	int64_t shape[AG_MAX_DIMS], nidx, size, istep;
	ag_tensor *out;
	const int64_t *iv;
	int d;

	if (!index) {
		ag_error(AG_ERR_VALUE, "index_select(): no index tensor");
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	if (index->ndim > 1) {
		ag_error(AG_ERR_INDEX, "index_select(): Index is supposed to be a "
			 "vector");
		return NULL;
	}
	if (index->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "index_select(): Expected dtype int32 or "
			 "int64 for index");
		return NULL;
	}
	nidx = ag_numel(index);
	size = t->ndim ? t->shape[d] : 1;
	if (t->ndim && size == 0 && nidx > 0) {
		ag_error(AG_ERR_INDEX, "index_select(): self indexing axis dim "
			 "should be positive");
		return NULL;
	}
	iv = (const int64_t *)ag_data_ptr(index);
	istep = index->ndim ? index->stride[0] : 0;
	for (int64_t i = 0; i < nidx; i++)
		if (iv[i * istep] < -size || iv[i * istep] >= size) {
			ag_error(AG_ERR_INDEX, "index out of range in self");
			return NULL;
		}
	memcpy(shape, t->shape, sizeof shape);
	if (t->ndim)	/* a 0-d source stays 0-d: the index can only pick it */
		shape[d] = nidx;
	out = ag_tensor_alloc(shape, t->ndim, t->dtype);
	if (!out || t->ndim == 0) {
		if (out && ag_copy_raw(out, t) < 0) {
			ag_tensor_release(out);
			out = NULL;
		}
		return out;
	}
	if (ag_is_contiguous(t)) {
		gather_rows(out, t, d, iv, istep, nidx);
		return out;
	}
	for (int64_t i = 0; i < nidx; i++) {
		int64_t k = iv[i * istep] < 0 ? iv[i * istep] + size : iv[i * istep];
		ag_tensor *src = ag_select_header(t, d, k);
		ag_tensor *dst = src ? ag_select_header(out, d, i) : NULL;
		int rc = dst ? ag_copy_raw(dst, src) : -1;
		ag_tensor_release(src);
		ag_tensor_release(dst);
		if (rc < 0) {
			ag_tensor_release(out);
			return NULL;
		}
	}
	return out;
}

ag_tensor *ag_index_select(ag_tensor *t, int dim, ag_tensor *index)
{
	ag_tensor *out = index_select_impl(t, dim, index);
	ag_dim_args args = { .in = ag_shape_of(t),
			     .dim = dim < 0 ? dim + (t->ndim ? t->ndim : 1) : dim };

	return ag_recorded(out, (ag_call){ .op = AG_OP_INDEX_SELECT,
		.in = (ag_tensor *[]){ t, index }, .nin = 2, .args = &args,
		.args_size = sizeof args });
}

/* ------------------------------------- scatter_along, index_add_zeros */

/* Zeros of `shape` with each element of g added at its own position, except
 * along dim, where the position comes from index: one index per element of
 * g (per_element: max/min(dim) backward, index shaped like g) or one per
 * slice of g along dim (index_select backward, a 1-d index). */
static ag_tensor *add_along(ag_tensor *g, int dim, ag_tensor *index,
			    const int64_t *shape, int ndim, bool per_element)
{
	ag_tensor *out = ag_zeros(shape, ndim, g->dtype);
	ag_tensor *gc = out ? ag_contiguous(g) : NULL;
	ag_tensor *ic = gc ? ag_contiguous(index) : NULL;
	if (!ic) {
		ag_tensor_release(out);
		ag_tensor_release(gc);
		return NULL;
	}
	int64_t n = ag_numel(gc), idx[AG_MAX_DIMS] = { 0 };
	const char *gp = ag_data_ptr(gc);
	const int64_t *ip = ag_data_ptr(ic);
	char *op = ag_data_ptr(out);
	size_t es = ag_dtype_size(g->dtype);
	for (int64_t i = 0; i < n; i++) {
		int64_t pos = 0;
		for (int d = 0; d < ndim; d++) {
			int64_t k = idx[d];
			if (d == dim) {
				k = ip[per_element ? i : idx[d]];
				if (k < 0)
					k += shape[d];
			}
			pos += k * out->stride[d];
		}
		ag_store(op + (size_t)pos * es, g->dtype,
			 ag_load(op + (size_t)pos * es, g->dtype) +
			 ag_load(gp + (size_t)i * es, g->dtype));
		for (int d = gc->ndim - 1; d >= 0; d--) {
			if (++idx[d] < gc->shape[d])
				break;
			idx[d] = 0;
		}
	}
	ag_tensor_release(gc);
	ag_tensor_release(ic);
	return out;
}

ag_tensor *ag_scatter_along(ag_tensor *g, ag_tensor *index, int dim,
			    const int64_t *shape, int ndim)
{
	return add_along(g, dim, index, shape, ndim, true);
}

ag_tensor *ag_index_add_zeros(ag_tensor *g, int dim, ag_tensor *index,
			      const int64_t *shape, int ndim)
{
	return add_along(g, dim, index, shape, ndim, false);
}

/* ------------------------------------------------- indexing from Lua */

ag_tensor *ag_index_view(ag_tensor *t, const ag_index_spec *spec, int n)
{
	ag_tensor *cur = t;
	int d = 0;	/* the dim of cur the next spec applies to */

	if (n > 0 && !spec) {
		ag_error(AG_ERR_VALUE, "index: %d indices but no index list", n);
		return NULL;
	}
	if (n > 0 && t->ndim == 0) {
		ag_error(AG_ERR_INDEX, "invalid index of a 0-dim tensor. Use "
			 "`tensor.item()` in Python or `tensor.item<T>()` in C++ "
			 "to convert a 0-dim tensor to a number");
		return NULL;
	}
	if (n > t->ndim) {
		ag_error(AG_ERR_INDEX, "too many indices for tensor of dimension %d",
			 t->ndim);
		return NULL;
	}
	ag_tensor_retain(cur);
	for (int i = 0; i < n; i++) {
		const ag_index_spec *s = &spec[i];
		ag_tensor *next;
		int64_t size = cur->shape[d];

		switch (s->kind) {
		case AG_IDX_ALL:
			d++;
			continue;
		case AG_IDX_INT:
			/* the message names the dim of the indexed tensor */
			if (s->start < -size || s->start >= size) {
				ag_error(AG_ERR_INDEX, "index %lld is out of bounds for "
					 "dimension %d with size %lld",
					 (long long)s->start, i, (long long)size);
				ag_tensor_release(cur);
				return NULL;
			}
			next = ag_select(cur, d, s->start);
			break;
		case AG_IDX_RANGE:
			next = ag_slice(cur, d, s->start, s->end, s->step);
			d++;
			break;
		default:
			ag_error(AG_ERR_VALUE, "invalid index kind %d", (int)s->kind);
			ag_tensor_release(cur);
			return NULL;
		}
		ag_tensor_release(cur);
		if (!next)
			return NULL;
		cur = next;
	}
	/* x[{}] (or no spec at all) is still a view, never x itself */
	if (cur == t) {
		ag_tensor_release(cur);
		cur = ag_recorded(ag_alias(t), (ag_call){ .op = AG_OP_ALIAS,
			.in = &t, .nin = 1 });
	}
	return cur;
}

/* PyTorch drops leading size-1 dims of the value so that x[0] = y[None]
 * works (numpy does the same). */
static ag_tensor *strip_leading_ones(ag_tensor *src, int ndim)
{
	ag_tensor *cur = src;

	ag_tensor_retain(cur);
	while (cur->ndim > ndim && cur->shape[0] == 1) {
		ag_tensor *next = ag_squeeze_dim(cur, 0);
		ag_tensor_release(cur);
		if (!next)
			return NULL;
		cur = next;
	}
	return cur;
}

int ag_setitem(ag_tensor *t, const ag_index_spec *spec, int n,
		 ag_tensor *src)
{
	ag_tensor *view, *val;
	int rc = -1;

	if (!src)
		return ag_error(AG_ERR_VALUE, "index_put: no value to write");
	view = ag_index_view(t, spec, n);
	if (!view)
		return -1;
	/* expand first, so a misfit value gets PyTorch's "setitem" text */
	val = strip_leading_ones(src, view->ndim);
	if (val) {
		ag_tensor *full = ag_expand(val, view->shape, view->ndim);
		rc = full ? ag_copy_(view, full) : -1;
		ag_tensor_release(full);
	}
	ag_tensor_release(val);
	ag_tensor_release(view);
	return rc;
}

int ag_setitem_fill(ag_tensor *t, const ag_index_spec *spec, int n, double value)
{
	ag_tensor *view = ag_index_view(t, spec, n);
	int rc;

	if (!view)
		return -1;
	rc = ag_fill_(view, value);
	ag_tensor_release(view);
	return rc;
}
