/*
 * split.c - views that cut a tensor into pieces (split, chunk,
 * split_with_sizes, unbind, tensor_split) and the other views of issue 11:
 * diagonal, unfold, movedim, unflatten.
 *
 * split and friends record one node with an output per piece, as PyTorch
 * does: its backward joins the pieces' gradients again (missing ones are
 * zeros), and the viewer draws one node with several outputs.
 * tensor_split is made of slices, one SliceBackward0 node per piece.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <stdio.h>

void ag_tensor_list_free(ag_tensor **ts, int n)
{
	if (!ts)
		return;
	for (int i = 0; i < n; i++)
		ag_tensor_release(ts[i]);
	free(ts);
}

/* A list of n pieces (zeroed), or NULL with the error set. */
static ag_tensor **new_list(int64_t n)
{
	ag_tensor **ts;

	if (n > INT32_MAX / 2) {
		ag_error(AG_ERR_VALUE, "too many pieces (%lld)", (long long)n);
		return NULL;
	}
	ts = calloc((size_t)(n ? n : 1), sizeof *ts);
	if (!ts)
		ag_error(AG_ERR_NOMEM, "out of memory");
	return ts;
}

/* Pieces of t along dim d of the given sizes, as views, recorded as one
 * call of op (SPLIT, SPLIT_WITH_SIZES). */
static ag_tensor **pieces(ag_tensor *t, int d, const int64_t *sizes, int n,
			  ag_op op, int *nout)
{
	ag_tensor **ts = new_list(n);
	int64_t shape[AG_MAX_DIMS], start = 0;

	if (!ts)
		return NULL;
	memcpy(shape, t->shape, sizeof shape);
	for (int i = 0; i < n; i++) {
		shape[d] = sizes[i];
		ts[i] = ag_tensor_make_view(t, shape, t->stride, t->ndim,
					    t->offset + start * t->stride[d]);
		if (!ts[i]) {
			ag_tensor_list_free(ts, i);
			return NULL;
		}
		start += sizes[i];
	}
	ag_dim_args args = { .in = ag_shape_of(t), .dim = d };
	if (ag_record(&(ag_call){ .op = op, .in = &t, .nin = 1, .out = ts,
		      .nout = n, .args = &args, .args_size = sizeof args }) < 0) {
		ag_tensor_list_free(ts, n);
		return NULL;
	}
	*nout = n;
	return ts;
}

static int check_dim1(const ag_tensor *t, const char *what)
{
	if (t->ndim == 0)
		return ag_error(AG_ERR_SHAPE, "%s expects at least a 1-dimensional "
				"tensor", what);
	return 0;
}

ag_tensor **ag_split(ag_tensor *t, int64_t split_size, int dim, int *n)
{
	int d;

	if (check_dim1(t, "split") < 0 || ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	int64_t size = t->shape[d];
	if (split_size < 0) {
		ag_error(AG_ERR_VALUE, "split expects split_size be non-negative, "
			 "but got split_size=%lld", (long long)split_size);
		return NULL;
	}
	if (split_size == 0 && size != 0) {
		ag_error(AG_ERR_VALUE, "split_size can only be 0 if dimension size "
			 "is 0, but got dimension size of %lld", (long long)size);
		return NULL;
	}
	int64_t count = split_size ? size / split_size + (size % split_size != 0)
				   : 1;
	if (count < 1)
		count = 1;
	int64_t *sizes = malloc((size_t)count * sizeof *sizes);
	if (!sizes) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int64_t i = 0; i < count; i++)
		sizes[i] = i < count - 1 ? split_size : size - split_size * (count - 1);
	ag_tensor **ts = count > INT32_MAX / 2 ? NULL
		: pieces(t, d, sizes, (int)count, AG_OP_SPLIT, n);
	if (count > INT32_MAX / 2)
		ag_error(AG_ERR_VALUE, "too many pieces (%lld)", (long long)count);
	free(sizes);
	return ts;
}

ag_tensor **ag_split_with_sizes(ag_tensor *t, const int64_t *sizes, int nsizes,
				int dim, int *n)
{
	char buf[256];
	int64_t sum = 0;
	int d;

	if (check_dim1(t, "split_with_sizes") < 0 ||
	    ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	for (int i = 0; i < nsizes; i++) {
		if (sizes[i] < 0) {
			ag_error(AG_ERR_VALUE, "split_with_sizes expects split_sizes "
				 "have only non-negative entries, but got "
				 "split_sizes=%s", ag_shape_str(sizes, nsizes, buf,
								sizeof buf));
			return NULL;
		}
		sum += sizes[i];
	}
	if (sum != t->shape[d]) {
		ag_error(AG_ERR_SHAPE, "split_with_sizes expects split_sizes to sum "
			 "exactly to %lld (input tensor's size at dimension %d), "
			 "but got split_sizes=%s", (long long)t->shape[d],
			 d + ag_index_base(), ag_shape_str(sizes, nsizes, buf,
							   sizeof buf));
		return NULL;
	}
	return pieces(t, d, sizes, nsizes, AG_OP_SPLIT_WITH_SIZES, n);
}

ag_tensor **ag_chunk(ag_tensor *t, int64_t chunks, int dim, int *n)
{
	int d;

	if (check_dim1(t, "chunk") < 0)
		return NULL;
	if (chunks <= 0) {
		ag_error(AG_ERR_VALUE, "chunk expects `chunks` to be greater than 0, "
			 "got: %lld", (long long)chunks);
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	int64_t size = t->shape[d];
	/* ceil(size / chunks) without overflowing size + chunks */
	int64_t split_size = size / chunks + (size % chunks != 0);
	if (split_size == 0 && size == 0) {
		/* `chunks` empty pieces, as split_with_sizes makes them */
		if (chunks > INT32_MAX / 2) {
			ag_error(AG_ERR_VALUE, "too many pieces (%lld)",
				 (long long)chunks);
			return NULL;
		}
		int64_t *zeros = calloc((size_t)chunks, sizeof *zeros);
		if (!zeros) {
			ag_error(AG_ERR_NOMEM, "out of memory");
			return NULL;
		}
		ag_tensor **ts = pieces(t, d, zeros, (int)chunks,
					AG_OP_SPLIT_WITH_SIZES, n);
		free(zeros);
		return ts;
	}
	return ag_split(t, split_size, d, n);
}

ag_tensor **ag_unbind(ag_tensor *t, int dim, int *n)
{
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	ag_tensor **ts;
	int d;

	if (t->ndim == 0) {
		ag_error(AG_ERR_INDEX, "Dimension specified as %d but tensor has no "
			 "dimensions", dim + ag_index_base());
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0 || !(ts = new_list(t->shape[d])))
		return NULL;
	for (int i = 0, j = 0; i < t->ndim; i++)
		if (i != d) {
			shape[j] = t->shape[i];
			stride[j++] = t->stride[i];
		}
	int count = (int)t->shape[d];
	for (int i = 0; i < count; i++) {
		ts[i] = ag_tensor_make_view(t, shape, stride, t->ndim - 1,
					    t->offset + i * t->stride[d]);
		if (!ts[i]) {
			ag_tensor_list_free(ts, i);
			return NULL;
		}
	}
	ag_dim_args args = { .in = ag_shape_of(t), .dim = d };
	if (ag_record(&(ag_call){ .op = AG_OP_UNBIND, .in = &t, .nin = 1,
		      .out = ts, .nout = count, .args = &args,
		      .args_size = sizeof args }) < 0) {
		ag_tensor_list_free(ts, count);
		return NULL;
	}
	*n = count;
	return ts;
}

/* tensor_split: slices [bounds[i], bounds[i + 1]) along d. */
static ag_tensor **slices_between(ag_tensor *t, int d, const int64_t *bounds,
				  int n, int *nout)
{
	ag_tensor **ts = new_list(n);

	if (!ts)
		return NULL;
	for (int i = 0; i < n; i++) {
		ts[i] = ag_slice(t, d, bounds[i], bounds[i + 1], 1);
		if (!ts[i]) {
			ag_tensor_list_free(ts, i);
			return NULL;
		}
	}
	*nout = n;
	return ts;
}

static int check_tensor_split(const ag_tensor *t, int dim, int *d)
{
	if (t->ndim == 0)
		return ag_error(AG_ERR_SHAPE, "tensor_split expected at least a "
				"1-dimensional tensor, but got a tensor with 0 dims");
	return ag_wrap_dim(dim, t->ndim, d);
}

ag_tensor **ag_tensor_split(ag_tensor *t, int64_t sections, int dim, int *n)
{
	int d;

	if (check_tensor_split(t, dim, &d) < 0)
		return NULL;
	if (sections <= 0) {
		ag_error(AG_ERR_VALUE, "number of sections must be larger than 0, "
			 "got %lld", (long long)sections);
		return NULL;
	}
	if (sections > INT32_MAX / 2) {
		ag_error(AG_ERR_VALUE, "too many pieces (%lld)", (long long)sections);
		return NULL;
	}
	int64_t size = t->shape[d], *bounds;
	if (!(bounds = malloc((size_t)(sections + 1) * sizeof *bounds))) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	/* the first size % sections pieces are one longer */
	bounds[0] = 0;
	for (int64_t i = 0; i < sections; i++)
		bounds[i + 1] = bounds[i] + size / sections +
				(i < size % sections ? 1 : 0);
	ag_tensor **ts = slices_between(t, d, bounds, (int)sections, n);
	free(bounds);
	return ts;
}

ag_tensor **ag_tensor_split_at(ag_tensor *t, const int64_t *idx, int nidx,
			       int dim, int *n)
{
	int d;

	if (check_tensor_split(t, dim, &d) < 0)
		return NULL;
	int64_t size = t->shape[d], *bounds;
	if (!(bounds = malloc((size_t)(nidx + 2) * sizeof *bounds))) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	/* positions as Python's slice bounds: negative from the end,
	 * clamped; a piece never starts before the last one ended */
	bounds[0] = 0;
	for (int i = 0; i < nidx; i++) {
		int64_t k = idx[i] < 0 ? idx[i] + size : idx[i];
		k = k < 0 ? 0 : k > size ? size : k;
		bounds[i + 1] = k;
	}
	bounds[nidx + 1] = size;
	ag_tensor **ts = slices_between(t, d, bounds, nidx + 1, n);
	free(bounds);
	return ts;
}

/* ---------------------------------------------------- diagonal, unfold */

/* The diagonal's place in a tensor of this shape and these strides:
 * its length, its start (elements from the tensor's own start) and the
 * stride along it. */
static void diag_place(const int64_t *shape, const int64_t *stride,
		       int64_t offset, int d1, int d2, int64_t *len,
		       int64_t *start, int64_t *step)
{
	int64_t n = offset >= 0 ? (shape[d1] < shape[d2] - offset ? shape[d1]
				   : shape[d2] - offset)
				: (shape[d1] + offset < shape[d2] ? shape[d1] + offset
				   : shape[d2]);
	*len = n > 0 ? n : 0;
	*start = *len == 0 ? 0 : offset >= 0 ? offset * stride[d2]
				: -offset * stride[d1];
	*step = stride[d1] + stride[d2];
}

/* The geometry of diagonal(offset, d1, d2) of a tensor of this shape and
 * strides starting at `base`: shape without d1, d2, then the diagonal. */
static ag_geometry diag_geometry(const int64_t *shape, const int64_t *stride,
				 int ndim, int64_t base, int64_t offset, int d1,
				 int d2)
{
	ag_geometry g = { .ndim = ndim - 1 };
	int64_t len, start, step;
	int j = 0;

	diag_place(shape, stride, offset, d1, d2, &len, &start, &step);
	for (int i = 0; i < ndim; i++)
		if (i != d1 && i != d2) {
			g.shape[j] = shape[i];
			g.stride[j++] = stride[i];
		}
	g.shape[j] = len;
	g.stride[j] = step;
	g.offset = base + start;
	return g;
}

ag_geometry ag_dense_geometry(const int64_t *shape, int ndim)
{
	ag_geometry g = { .ndim = ndim };

	memcpy(g.shape, shape, (size_t)ndim * sizeof *shape);
	ag_contiguous_strides(shape, ndim, g.stride);
	return g;
}

ag_strided_args ag_diagonal_geometry(const int64_t *shape, int ndim,
				     int64_t offset, int d1, int d2)
{
	ag_strided_args g;

	g.in = ag_dense_geometry(shape, ndim);
	g.view = diag_geometry(g.in.shape, g.in.stride, ndim, 0, offset, d1, d2);
	return g;
}

int ag_diag_dims(int ndim, int dim1, int dim2, int *d1, int *d2)
{
	if (ag_wrap_dim(dim1, ndim, d1) < 0 || ag_wrap_dim(dim2, ndim, d2) < 0)
		return -1;
	if (*d1 == *d2)
		return ag_error(AG_ERR_VALUE, "diagonal dimensions cannot be "
				"identical %d, %d", dim1 < 0 ? dim1 : dim1 + ag_index_base(),
				dim2 < 0 ? dim2 : dim2 + ag_index_base());
	return 0;
}

ag_geometry ag_diagonal_of(const ag_tensor *t, int64_t offset, int d1, int d2)
{
	return diag_geometry(t->shape, t->stride, t->ndim, t->offset, offset,
			     d1, d2);
}

ag_tensor *ag_diagonal(ag_tensor *t, int64_t offset, int dim1, int dim2)
{
	int d1, d2;

	if (ag_diag_dims(t->ndim, dim1, dim2, &d1, &d2) < 0)
		return NULL;
	ag_geometry v = ag_diagonal_of(t, offset, d1, d2);
	ag_tensor *out = ag_tensor_make_view(t, v.shape, v.stride, v.ndim,
					     v.offset);
	ag_strided_args g = ag_diagonal_geometry(t->shape, t->ndim, offset,
						 d1, d2);
	return ag_recorded(out, (ag_call){ .op = AG_OP_DIAGONAL, .in = &t,
		.nin = 1, .args = &g, .args_size = sizeof g });
}

/* unfold's windows over a tensor of this shape and strides. */
static ag_geometry unfold_geometry(const int64_t *shape, const int64_t *stride,
				   int ndim, int64_t base, int d, int64_t size,
				   int64_t step)
{
	ag_geometry g = { .ndim = ndim + 1, .offset = base };

	memcpy(g.shape, shape, (size_t)ndim * sizeof *shape);
	memcpy(g.stride, stride, (size_t)ndim * sizeof *stride);
	if (ndim > 0) {
		g.shape[d] = (shape[d] - size) / step + 1;
		g.stride[d] = stride[d] * step;
	}
	g.shape[ndim] = size;
	g.stride[ndim] = ndim > 0 ? stride[d] : 1;
	return g;
}

ag_tensor *ag_unfold(ag_tensor *t, int dim, int64_t size, int64_t step)
{
	char b1[256], b2[256];
	int d = 0;

	if (t->ndim >= AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	int64_t have = t->ndim ? t->shape[d] : 1;
	if (size > have) {
		ag_error(AG_ERR_VALUE, "maximum size for tensor at dimension %d is "
			 "%lld but size is %lld", d + ag_index_base(),
			 (long long)have, (long long)size);
		return NULL;
	}
	if (step <= 0) {
		ag_error(AG_ERR_VALUE, "step is %lld but must be > 0",
			 (long long)step);
		return NULL;
	}
	ag_geometry v = unfold_geometry(t->shape, t->stride, t->ndim, t->offset,
					d, size, step);
	if (size < 0) {
		ag_error(AG_ERR_VALUE, "Storage size calculation overflowed with "
			 "sizes=%s and strides=%s",
			 ag_shape_str(v.shape, v.ndim, b1, sizeof b1),
			 ag_shape_str(v.stride, v.ndim, b2, sizeof b2));
		return NULL;
	}
	ag_tensor *out = ag_tensor_make_view(t, v.shape, v.stride, v.ndim,
					     v.offset);
	ag_strided_args g = { .in = ag_dense_geometry(t->shape, t->ndim) };
	g.view = unfold_geometry(g.in.shape, g.in.stride, t->ndim, 0, d, size,
				 step);
	return ag_recorded(out, (ag_call){ .op = AG_OP_UNFOLD, .in = &t,
		.nin = 1, .args = &g, .args_size = sizeof g });
}

/* ---------------------------------------------------- movedim, unflatten */

static int check_unique(const int *dims, int n, const int *raw,
			const char *which)
{
	char buf[256];
	int64_t shown[AG_MAX_DIMS];
	bool seen[AG_MAX_DIMS] = { false };

	for (int i = 0; i < n; i++) {
		if (seen[dims[i]]) {
			for (int k = 0; k < n; k++)
				shown[k] = raw[k] < 0 ? raw[k] : raw[k] + ag_index_base();
			return ag_error(AG_ERR_VALUE, "movedim: repeated dim in `%s` "
					"(%s)", which, ag_shape_str(shown, n, buf,
								    sizeof buf));
		}
		seen[dims[i]] = true;
	}
	return 0;
}

ag_tensor *ag_movedim(ag_tensor *t, const int *src, const int *dst, int n)
{
	int s[AG_MAX_DIMS], o[AG_MAX_DIMS], perm[AG_MAX_DIMS];
	bool src_used[AG_MAX_DIMS] = { false }, dst_used[AG_MAX_DIMS] = { false };

	if (n < 0 || n > AG_MAX_DIMS || n > (t->ndim ? t->ndim : 1)) {
		ag_error(AG_ERR_VALUE, "movedim: Invalid source or destination dims");
		return NULL;
	}
	for (int i = 0; i < n; i++)
		if (ag_wrap_dim(src[i], t->ndim, &s[i]) < 0 ||
		    ag_wrap_dim(dst[i], t->ndim, &o[i]) < 0)
			return NULL;
	if (check_unique(s, n, src, "source") < 0 ||
	    check_unique(o, n, dst, "destination") < 0)
		return NULL;
	if (t->ndim == 0)
		return ag_permute(t, perm, 0);
	for (int i = 0; i < t->ndim; i++)
		perm[i] = -1;
	for (int i = 0; i < n; i++) {
		perm[o[i]] = s[i];
		src_used[s[i]] = dst_used[o[i]] = true;
	}
	/* the other dims keep their order in the free places */
	for (int i = 0, j = 0; i < t->ndim; i++) {
		if (dst_used[i])
			continue;
		while (src_used[j])
			j++;
		perm[i] = j++;
	}
	return ag_permute(t, perm, t->ndim);
}

ag_tensor *ag_unflatten(ag_tensor *t, int dim, const int64_t *sizes, int n)
{
	int64_t shape[AG_MAX_DIMS], known = 1;
	char buf[256];
	int d, infer = -1, m = 0;

	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	if (n == 0) {
		ag_error(AG_ERR_VALUE, "unflatten: sizes must be non-empty");
		return NULL;
	}
	if (t->ndim - 1 + n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (sizes[i] == -1 && infer < 0)
			infer = i;
		else
			known *= sizes[i];
	}
	int64_t size = t->ndim ? t->shape[d] : 1;
	if ((infer < 0 && known != size) ||
	    (infer >= 0 && (known == 0 || size % known != 0))) {
		ag_error(AG_ERR_SHAPE, "unflatten: Provided sizes %s don't multiply "
			 "up to the size of dim %d (%lld) in the input tensor",
			 ag_shape_str(sizes, n, buf, sizeof buf),
			 dim < 0 ? dim : dim + ag_index_base(), (long long)size);
		return NULL;
	}
	for (int i = 0; i < t->ndim; i++) {
		if (i != d) {
			shape[m++] = t->shape[i];
			continue;
		}
		for (int k = 0; k < n; k++)
			shape[m++] = k == infer ? size / known : sizes[k];
	}
	if (t->ndim == 0)
		for (int k = 0; k < n; k++)
			shape[m++] = k == infer ? size / known : sizes[k];
	return ag_view(t, shape, m);
}
