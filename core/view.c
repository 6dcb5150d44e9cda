/*
 * view.c - every op that returns a view: a new header on the same storage
 * and version counter, never a copy (reshape copies only when it must).
 */
#include "internal.h"
#include "record.h"

#include <stdio.h>

/* Records the view's history (a node when its input requires grad) or
 * drops it when that fails.  Without arguments of its own, a view keeps
 * its input's shape (what reshape, expand and squeeze give back). */
static ag_tensor *recorded(ag_tensor *out, ag_op op, ag_tensor *in,
			   const void *args, size_t size)
{
	ag_shape in_shape = ag_shape_of(in);
	if (!args && ag_op_info(op)->args) {
		args = &in_shape;
		size = sizeof in_shape;
	}
	return ag_recorded(out, (ag_call){ .op = op, .in = &in, .nin = 1,
		.args = args, .args_size = size });
}

/* slice, select, as_strided: their backward needs both geometries. */
static ag_tensor *recorded_strided(ag_tensor *out, ag_op op, ag_tensor *in)
{
	if (!out)
		return NULL;
	ag_strided_args g = { ag_geometry_of(in), ag_geometry_of(out) };
	return recorded(out, op, in, &g, sizeof g);
}

/* slice and select: both geometries taken over a dense layout of the
 * input rather than its storage, so that an input whose elements alias
 * (an expanded tensor) gets each gradient element once.  The view starts
 * at `start` along dim d, every `step`-th element; drop: a select. */
static ag_tensor *recorded_part(ag_tensor *out, ag_op op, ag_tensor *in,
				int d, int64_t start, int64_t step, bool drop)
{
	if (!out)
		return NULL;
	ag_strided_args g = { .in = { .ndim = in->ndim }, .view = { 0 } };
	memcpy(g.in.shape, in->shape, sizeof g.in.shape);
	ag_contiguous_strides(in->shape, in->ndim, g.in.stride);
	g.view.ndim = out->ndim;
	memcpy(g.view.shape, out->shape, sizeof g.view.shape);
	for (int i = 0, j = 0; i < in->ndim; i++) {
		if (i == d && drop)
			continue;
		int64_t st = g.in.stride[i];
		/* a huge step leaves at most one element: its stride unused */
		if (i == d && __builtin_mul_overflow(st, step, &st))
			st = g.in.stride[i];
		g.view.stride[j++] = st;
	}
	/* Past int64 only when the input has no element (a 0-sized dim
	 * beside huge ones), where the offset is never used: wrap as
	 * ag_contiguous_strides does rather than overflow. */
	g.view.offset = (int64_t)((uint64_t)start * (uint64_t)g.in.stride[d]);
	return recorded(out, op, in, &g, sizeof g);
}

/* Resolves one -1 in a requested shape and checks the element count. */
static int infer_size(const int64_t *req, int ndim, int64_t numel,
		      int64_t *out)
{
	int infer = -1;
	int64_t known = 1;
	char buf[256];

	for (int i = 0; i < ndim; i++) {
		if (req[i] == -1) {
			if (infer >= 0)
				return ag_error(AG_ERR_VALUE, "only one dimension can be inferred");
			infer = i;
		} else if (req[i] < 0) {
			return ag_error(AG_ERR_VALUE, "invalid shape dimension %lld",
					(long long)req[i]);
		} else if (ag_mul_size(known, req[i], &known) < 0) {
			return -1;
		}
		out[i] = req[i];
	}
	if (infer >= 0 && known != 0 && numel % known == 0) {
		out[infer] = numel / known;
		return 0;
	}
	if (infer < 0 && known == numel)
		return 0;
	return ag_error(AG_ERR_SHAPE, "shape '%s' is invalid for input of size %lld",
			ag_shape_str(req, ndim, buf, sizeof buf), (long long)numel);
}

/*
 * Strides for viewing (shape, stride) as newshape without copying, or false
 * when a new dim would span two non-mergeable chunks of the old layout.
 * Walks old dims from the back, grouping runs that are contiguous with each
 * other, and matches each group against a run of new dims.
 */
bool ag_view_strides(const int64_t *shape, const int64_t *stride, int ndim,
		     const int64_t *nshape, int nndim, int64_t *nstride)
{
	bool empty = false;
	for (int i = 0; i < ndim; i++)
		empty = empty || shape[i] == 0;
	if (empty) {
		ag_contiguous_strides(nshape, nndim, nstride);
		return true;
	}
	int view_d = nndim - 1;
	int64_t chunk_base_stride = ndim ? stride[ndim - 1] : 1;
	int64_t tensor_numel = 1, view_numel = 1, prod;

	/* A size-1 dim may carry any stride (as_strided), so the products
	 * below can leave int64: such a product matches no real stride, and
	 * a new stride that cannot be written makes the view impossible. */
	for (int d = ndim - 1; d >= 0; d--) {
		tensor_numel *= shape[d];
		/* end of a contiguous chunk: match new dims against it */
		if (d == 0 || (shape[d - 1] != 1 &&
			       (__builtin_mul_overflow(tensor_numel,
						       chunk_base_stride, &prod) ||
				stride[d - 1] != prod))) {
			while (view_d >= 0 &&
			       (view_numel < tensor_numel || nshape[view_d] == 1)) {
				if (__builtin_mul_overflow(view_numel,
							   chunk_base_stride,
							   &nstride[view_d]))
					return false;
				view_numel *= nshape[view_d];
				view_d--;
			}
			if (view_numel != tensor_numel)
				return false;
			if (d > 0) {
				chunk_base_stride = stride[d - 1];
				tensor_numel = 1;
				view_numel = 1;
			}
		}
	}
	/* leftover new dims can only be size 1 */
	for (; view_d >= 0; view_d--) {
		if (nshape[view_d] != 1)
			return false;
		nstride[view_d] = 1;
	}
	return true;
}

ag_tensor *ag_view(ag_tensor *t, const int64_t *shape, int ndim)
{
	int64_t nshape[AG_MAX_DIMS], nstride[AG_MAX_DIMS];

	if (ndim < 0 || ndim > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions, got %d",
			 AG_MAX_DIMS, ndim);
		return NULL;
	}
	if (infer_size(shape, ndim, ag_numel(t), nshape) < 0)
		return NULL;
	if (!ag_view_strides(t->shape, t->stride, t->ndim, nshape, ndim, nstride)) {
		ag_error(AG_ERR_SHAPE, "view size is not compatible with input "
			 "tensor's size and stride (at least one dimension spans "
			 "across two contiguous subspaces). Use .reshape(...) "
			 "instead.");
		return NULL;
	}
	return recorded(ag_tensor_make_view(t, nshape, nstride, ndim, t->offset),
			AG_OP_VIEW, t, NULL, 0);
}

ag_tensor *ag_reshape(ag_tensor *t, const int64_t *shape, int ndim)
{
	int64_t nshape[AG_MAX_DIMS], nstride[AG_MAX_DIMS];
	ag_tensor *c, *r;

	if (ndim < 0 || ndim > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions, got %d",
			 AG_MAX_DIMS, ndim);
		return NULL;
	}
	if (infer_size(shape, ndim, ag_numel(t), nshape) < 0)
		return NULL;
	if (ag_view_strides(t->shape, t->stride, t->ndim, nshape, ndim, nstride))
		return recorded(ag_tensor_make_view(t, nshape, nstride, ndim,
						    t->offset),
				AG_OP_RESHAPE, t, NULL, 0);
	c = ag_contiguous(t);	/* not viewable, so this copies */
	if (!c)
		return NULL;
	ag_contiguous_strides(nshape, ndim, nstride);
	/* PyTorch's _unsafe_view of the copy: not a view (x._base is nil), so
	 * a later in-place write through a view of it records on it */
	r = ag_tensor_make_view(c, nshape, nstride, ndim, c->offset);
	if (r) {
		ag_tensor_release(r->base);
		r->base = NULL;
	}
	r = recorded(r, AG_OP_UNSAFE_VIEW, c, NULL, 0);
	ag_tensor_release(c);
	return r;
}

ag_tensor *ag_flatten(ag_tensor *t, int start_dim, int end_dim)
{
	int s, e, n = 0;
	int64_t shape[AG_MAX_DIMS];

	if (t->ndim == 0) {
		int64_t one = 1;
		return ag_reshape(t, &one, 1);
	}
	if (ag_wrap_dim(start_dim, t->ndim, &s) < 0 ||
	    ag_wrap_dim(end_dim, t->ndim, &e) < 0)
		return NULL;
	if (s > e) {
		ag_error(AG_ERR_VALUE, "flatten() has invalid args: start_dim cannot "
			 "come after end_dim");
		return NULL;
	}
	for (int i = 0; i < s; i++)
		shape[n++] = t->shape[i];
	shape[n] = 1;
	for (int i = s; i <= e; i++)
		if (t->shape[i] == 0)
			shape[n] = 0;
	for (int i = s; i <= e && shape[n]; i++)
		if (__builtin_mul_overflow(shape[n], t->shape[i], &shape[n])) {
			/* only an empty tensor can have such sizes */
			ag_error(AG_ERR_VALUE, "flatten(): the flattened size "
				 "overflows a 64-bit integer");
			return NULL;
		}
	n++;
	for (int i = e + 1; i < t->ndim; i++)
		shape[n++] = t->shape[i];
	return ag_reshape(t, shape, n);
}

ag_tensor *ag_transpose(ag_tensor *t, int d0, int d1)
{
	int a, b;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS], tmp;

	if (ag_wrap_dim(d0, t->ndim, &a) < 0 || ag_wrap_dim(d1, t->ndim, &b) < 0)
		return NULL;
	memcpy(shape, t->shape, sizeof shape);
	memcpy(stride, t->stride, sizeof stride);
	if (t->ndim > 0) {
		tmp = shape[a]; shape[a] = shape[b]; shape[b] = tmp;
		tmp = stride[a]; stride[a] = stride[b]; stride[b] = tmp;
	}
	ag_transpose_args args = { a, b };
	return recorded(ag_tensor_make_view(t, shape, stride, t->ndim, t->offset),
			AG_OP_TRANSPOSE, t, &args, sizeof args);
}

ag_tensor *ag_permute(ag_tensor *t, const int *dims, int ndim)
{
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	ag_permute_args args = { .ndims = ndim };
	bool seen[AG_MAX_DIMS] = { false };

	if (ndim != t->ndim) {
		ag_error(AG_ERR_SHAPE, "permute(sparse_coo): number of dimensions in "
			 "the tensor input does not match the length of the desired "
			 "ordering of dimensions i.e. input.dim() = %d is not equal "
			 "to len(dims) = %d", t->ndim, ndim);
		return NULL;
	}
	for (int i = 0; i < ndim; i++) {
		int d;
		if (ag_wrap_dim(dims[i], t->ndim, &d) < 0)
			return NULL;
		if (seen[d]) {
			ag_error(AG_ERR_VALUE, "permute(): duplicate dims are not allowed.");
			return NULL;
		}
		seen[d] = true;
		shape[i] = t->shape[d];
		stride[i] = t->stride[d];
		args.dims[i] = d;
	}
	return recorded(ag_tensor_make_view(t, shape, stride, ndim, t->offset),
			AG_OP_PERMUTE, t, &args, sizeof args);
}

ag_tensor *ag_t(ag_tensor *t)
{
	if (t->ndim > 2) {
		ag_error(AG_ERR_SHAPE, "t() expects a tensor with <= 2 dimensions, "
			 "but self is %dD", t->ndim);
		return NULL;
	}
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	memcpy(shape, t->shape, sizeof shape);
	memcpy(stride, t->stride, sizeof stride);
	if (t->ndim == 2) {
		shape[0] = t->shape[1]; shape[1] = t->shape[0];
		stride[0] = t->stride[1]; stride[1] = t->stride[0];
	}
	return recorded(ag_tensor_make_view(t, shape, stride, t->ndim, t->offset),
			AG_OP_T, t, NULL, 0);
}

ag_tensor *ag_expand(ag_tensor *t, const int64_t *size, int ndim)
{
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	char b1[256], b2[256];

	if (ndim < t->ndim) {
		ag_error(AG_ERR_SHAPE, "expand(torch.%s{%s}, size=%s): the number of "
			 "sizes provided (%d) must be greater or equal to the number "
			 "of dimensions in the tensor (%d)",
			 ag_dtype_legacy_name(t->dtype),
			 ag_shape_str(t->shape, t->ndim, b1, sizeof b1),
			 ag_shape_str(size, ndim, b2, sizeof b2), ndim, t->ndim);
		return NULL;
	}
	if (ndim > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions, got %d",
			 AG_MAX_DIMS, ndim);
		return NULL;
	}
	for (int i = ndim - 1; i >= 0; i--) {
		int off = ndim - 1 - i, d = t->ndim - 1 - off;
		int64_t want = size[i];
		if (d >= 0) {
			if (want == -1)
				want = t->shape[d];
			if (t->shape[d] == want) {
				shape[i] = want;
				stride[i] = t->stride[d];
			} else if (t->shape[d] == 1 && want >= 0) {
				shape[i] = want;
				stride[i] = 0;
			} else {
				ag_error(AG_ERR_SHAPE, "The expanded size of the tensor (%lld) "
					 "must match the existing size (%lld) at "
					 "non-singleton dimension %d.  Target sizes: %s.  "
					 "Tensor sizes: %s", (long long)want,
					 (long long)t->shape[d], i,
					 ag_shape_str(size, ndim, b1, sizeof b1),
					 ag_shape_str(t->shape, t->ndim, b2, sizeof b2));
				return NULL;
			}
		} else {
			if (want < 0) {
				ag_error(AG_ERR_SHAPE, "The expanded size of the tensor "
					 "(%lld) isn't allowed in a leading, non-existing "
					 "dimension %d", (long long)want, i);
				return NULL;
			}
			shape[i] = want;
			stride[i] = 0;
		}
	}
	if (ag_check_shape(shape, ndim, NULL) < 0)
		return NULL;
	return recorded(ag_tensor_make_view(t, shape, stride, ndim, t->offset),
			AG_OP_EXPAND, t, NULL, 0);
}

ag_tensor *ag_slice(ag_tensor *t, int dim, int64_t start, int64_t end,
		    int64_t step)
{
	int d;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS], n;

	if (t->ndim == 0) {
		ag_error(AG_ERR_INDEX, "slice() cannot be applied to a 0-dim tensor.");
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	if (step <= 0) {
		ag_error(AG_ERR_VALUE, "slice step must be positive");
		return NULL;
	}
	n = t->shape[d];
	if (start < 0)
		start += n;
	if (end < 0)
		end += n;
	if (start < 0)
		start = 0;
	else if (start > n)
		start = n;
	if (end < start)
		end = start;
	else if (end > n)
		end = n;
	memcpy(shape, t->shape, sizeof shape);
	memcpy(stride, t->stride, sizeof stride);
	/* ceil((end - start) / step) without overflow for a step near
	 * INT64_MAX (PyTorch's own formula wraps to a negative size there) */
	shape[d] = end > start ? (end - start - 1) / step + 1 : 0;
	/* With two elements or more the product is a distance inside the
	 * storage; with fewer the stride is never used to reach one. */
	if (__builtin_mul_overflow(t->stride[d], step, &stride[d]))
		stride[d] = t->stride[d];
	/* start <= size: for an empty slice of a dim whose (unused) stride is
	 * huge the offset can fall outside the storage; then keep t's. */
	int64_t offset;
	if (__builtin_mul_overflow(start, t->stride[d], &offset) ||
	    __builtin_add_overflow(offset, t->offset, &offset) ||
	    ((shape[d] == 0 || ag_numel(t) == 0) && (uint64_t)offset >
	     t->storage->nbytes / ag_dtype_size(t->dtype)))
		offset = t->offset;
	return recorded_part(ag_tensor_make_view(t, shape, stride, t->ndim,
						 offset),
			     AG_OP_SLICE, t, d, start, step, false);
}

ag_tensor *ag_narrow(ag_tensor *t, int dim, int64_t start, int64_t length)
{
	int d;

	if (t->ndim == 0) {
		ag_error(AG_ERR_INDEX, "narrow() cannot be applied to a 0-dim tensor.");
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	int64_t n = t->shape[d];
	if (start < -n || start > n) {
		ag_error(AG_ERR_INDEX, "start out of range (expected to be in range "
			 "of [%lld, %lld], but got %lld)", (long long)-n,
			 (long long)n, (long long)start);
		return NULL;
	}
	if (start < 0)
		start += n;
	if (length < 0 || start > n - length) {
		ag_error(AG_ERR_INDEX, "start (%lld) + length (%lld) exceeds "
			 "dimension size (%lld).", (long long)start,
			 (long long)length, (long long)n);
		return NULL;
	}
	return ag_slice(t, d, start, start + length, 1);
}

ag_tensor *ag_select(ag_tensor *t, int dim, int64_t index)
{
	int d;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	char buf[256];

	if (t->ndim == 0) {
		ag_error(AG_ERR_INDEX, "select() cannot be applied to a 0-dim tensor.");
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	int64_t n = t->shape[d];
	if (index < -n || index >= n) {
		ag_error(AG_ERR_INDEX, "select(): index %lld out of range for tensor "
			 "of size %s at dimension %d",
			 (long long)(index < 0 ? index : index + ag_index_base()),
			 ag_shape_str(t->shape, t->ndim, buf, sizeof buf),
			 d + ag_index_base());
		return NULL;
	}
	if (index < 0)
		index += n;
	for (int i = 0, j = 0; i < t->ndim; i++) {
		if (i == d)
			continue;
		shape[j] = t->shape[i];
		stride[j] = t->stride[i];
		j++;
	}
	/* a select from an empty tensor is empty: its offset, never used to
	 * reach an element, must still be an address inside the storage */
	int64_t offset;
	if (__builtin_mul_overflow(index, t->stride[d], &offset) ||
	    __builtin_add_overflow(offset, t->offset, &offset) ||
	    (ag_numel(t) == 0 &&
	     (uint64_t)offset > t->storage->nbytes / ag_dtype_size(t->dtype)))
		offset = t->offset;
	return recorded_part(ag_tensor_make_view(t, shape, stride, t->ndim - 1,
						 offset),
			     AG_OP_SELECT, t, d, index, 1, true);
}

ag_tensor *ag_unsqueeze(ag_tensor *t, int dim)
{
	int d;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];

	if (t->ndim >= AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim + 1, &d) < 0)
		return NULL;
	for (int i = 0, j = 0; i <= t->ndim; i++) {
		if (i == d) {
			shape[i] = 1;
			/* PyTorch's size * stride, wrapping where it wraps (an
			 * empty tensor's sizes can be huge): a size-1 dim's
			 * stride reaches no element */
			stride[i] = d < t->ndim ? (int64_t)((uint64_t)t->shape[d] *
						(uint64_t)t->stride[d]) : 1;
			continue;
		}
		shape[i] = t->shape[j];
		stride[i] = t->stride[j];
		j++;
	}
	ag_dim_args arg = { .in = ag_shape_of(t), .dim = d };
	return recorded(ag_tensor_make_view(t, shape, stride, t->ndim + 1,
					    t->offset),
			AG_OP_UNSQUEEZE, t, &arg, sizeof arg);
}

ag_tensor *ag_squeeze(ag_tensor *t)
{
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	int n = 0;
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] != 1) {
			shape[n] = t->shape[i];
			stride[n] = t->stride[i];
			n++;
		}
	return recorded(ag_tensor_make_view(t, shape, stride, n, t->offset),
			AG_OP_SQUEEZE, t, NULL, 0);
}

ag_tensor *ag_squeeze_dim(ag_tensor *t, int dim)
{
	int d;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	int n = 0;

	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	for (int i = 0; i < t->ndim; i++)
		if (i != d || t->shape[i] != 1) {
			shape[n] = t->shape[i];
			stride[n] = t->stride[i];
			n++;
		}
	ag_dim_args arg = { .in = ag_shape_of(t), .dim = d };
	return recorded(ag_tensor_make_view(t, shape, stride, n, t->offset),
			AG_OP_SQUEEZE_DIM, t, &arg, sizeof arg);
}

/*
 * The bytes a view (shape, stride, offset) needs in its storage, or -1 when
 * that does not fit in an int64: as PyTorch's computeStorageNbytes, which
 * refuses with "Storage size calculation overflowed".  Every number here
 * can come straight from the user, so every step is checked.
 */
static int64_t storage_nbytes_needed(const int64_t *shape, const int64_t *stride,
				     int ndim, int64_t offset, int64_t elsize)
{
	int64_t last = 0, step, nbytes;

	for (int i = 0; i < ndim; i++) {
		if (shape[i] == 0)
			return 0;
		if (__builtin_mul_overflow(shape[i] - 1, stride[i], &step) ||
		    __builtin_add_overflow(last, step, &last))
			return -1;
	}
	/* (offset + last + 1) * elsize */
	if (__builtin_add_overflow(last, offset, &last) ||
	    __builtin_add_overflow(last, 1, &last) ||
	    __builtin_mul_overflow(last, elsize, &nbytes))
		return -1;
	return nbytes;
}

ag_tensor *ag_as_strided(ag_tensor *t, const int64_t *shape,
			 const int64_t *stride, int ndim, int64_t offset)
{
	int64_t numel, need;
	int64_t elsize = (int64_t)ag_dtype_size(t->dtype);
	char b1[256], b2[256];

	if (ag_check_shape(shape, ndim, &numel) < 0)
		return NULL;
	for (int i = 0; i < ndim; i++)
		if (stride[i] < 0) {
			ag_error(AG_ERR_VALUE, "as_strided: Negative strides are not "
				 "supported at the moment, got strides: %s",
				 ag_shape_str(stride, ndim, b1, sizeof b1));
			return NULL;
		}
	if (offset < 0) {
		ag_error(AG_ERR_VALUE, "Tensor: invalid storage offset %lld",
			 (long long)offset);
		return NULL;
	}
	need = storage_nbytes_needed(shape, stride, ndim, offset, elsize);
	if (need < 0) {
		char b3[64] = "";
		if (offset)
			snprintf(b3, sizeof b3, " and storage offset %lld",
				 (long long)offset);
		ag_error(AG_ERR_VALUE, "Storage size calculation overflowed with "
			 "sizes=%s and strides=%s%s",
			 ag_shape_str(shape, ndim, b1, sizeof b1),
			 ag_shape_str(stride, ndim, b2, sizeof b2), b3);
		return NULL;
	}
	if (numel == 0) {
		/* An empty view reads nothing, but ag_data_ptr still turns its
		 * offset into an address: keep that inside the storage. */
		if (offset > (int64_t)(t->storage->nbytes / (size_t)elsize)) {
			ag_error(AG_ERR_INDEX, "as_strided: storage offset %lld is "
				 "out of bounds for storage of %zu elements",
				 (long long)offset,
				 t->storage->nbytes / (size_t)elsize);
			return NULL;
		}
	} else if (need > (int64_t)t->storage->nbytes) {
		ag_error(AG_ERR_INDEX, "setStorage: sizes %s, strides %s, storage "
			 "offset %lld, and itemsize %lld requiring a storage size "
			 "of %lld are out of bounds for storage of size %zu",
			 ag_shape_str(shape, ndim, b1, sizeof b1),
			 ag_shape_str(stride, ndim, b2, sizeof b2),
			 (long long)offset, (long long)elsize, (long long)need,
			 t->storage->nbytes);
		return NULL;
	}
	return recorded_strided(ag_tensor_make_view(t, shape, stride, ndim,
						    offset), AG_OP_AS_STRIDED, t);
}

ag_tensor *ag_alias(ag_tensor *t)
{
	return ag_tensor_make_view(t, t->shape, t->stride, t->ndim, t->offset);
}
