/*
 * shape.c - copies that rearrange elements: repeat, tile,
 * repeat_interleave, flip, roll, rot90, tril, triu, diag, diag_embed.
 *
 * Each fills a fresh output with raw strided copies (ag_copy_raw) from
 * headers that look at the input the right way round (negative strides
 * for flip, a swap of dims for rot90), then records one node.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <stdio.h>

/* A bare header over t's storage (no autograd, no record): for reading t
 * in another order. */
static ag_tensor *peek(ag_tensor *t, const int64_t *shape,
		       const int64_t *stride, int ndim, int64_t offset)
{
	return ag_tensor_make_view(t, shape, stride, ndim, offset);
}

/* A fresh output that receives `src` read through the header; records
 * op with args; releases src.  NULL (everything released) on failure. */
static ag_tensor *copy_of(ag_tensor *src, ag_tensor *t, ag_op op,
			  const void *args, size_t size)
{
	ag_tensor *out = src ? ag_tensor_alloc_uninit(src->shape, src->ndim,
						      t->dtype) : NULL;
	if (out && ag_copy_raw(out, src) < 0) {
		ag_tensor_release(out);
		out = NULL;
	}
	ag_tensor_release(src);
	return ag_recorded(out, (ag_call){ .op = op, .in = &t, .nin = 1,
		.args = args, .args_size = size });
}

/* ------------------------------------------------------- repeat, tile */

/* out (contiguous) = t repeated: t goes into the first block, then each
 * dim from the innermost out is filled by copying what is there. */
static int fill_repeated(ag_tensor *out, ag_tensor *t, const int64_t *in,
			 const int64_t *reps, int n)
{
	int64_t shape[AG_MAX_DIMS];
	ag_tensor *dst, *src;
	int rc = 0;

	if (ag_numel(out) == 0)
		return 0;
	memcpy(shape, in, (size_t)n * sizeof *in);
	src = peek(t, shape, t->stride, n, t->offset);
	/* t's own strides, read with leading size-1 dims */
	if (src) {
		int lead = n - t->ndim;
		for (int i = 0; i < n; i++)
			src->stride[i] = i < lead ? 0 : t->stride[i - lead];
	}
	dst = src ? peek(out, shape, out->stride, n, out->offset) : NULL;
	rc = dst ? ag_copy_raw(dst, src) : -1;
	ag_tensor_release(src);
	ag_tensor_release(dst);
	for (int d = n - 1; d >= 0 && rc == 0; d--) {
		for (int64_t r = 1; r < reps[d] && rc == 0; r++) {
			src = peek(out, shape, out->stride, n, out->offset);
			dst = src ? peek(out, shape, out->stride, n, out->offset +
					 r * in[d] * out->stride[d]) : NULL;
			rc = dst ? ag_copy_raw(dst, src) : -1;
			ag_tensor_release(src);
			ag_tensor_release(dst);
		}
		shape[d] = in[d] * reps[d];
	}
	return rc;
}

ag_tensor *ag_repeat(ag_tensor *t, const int64_t *reps, int n)
{
	ag_repeat_args a = { .in = ag_shape_of(t), .n = n };
	int64_t in[AG_MAX_DIMS], shape[AG_MAX_DIMS];
	char buf[256];

	if (n < t->ndim) {
		ag_error(AG_ERR_VALUE, "Number of dimensions of repeat dims can not "
			 "be smaller than number of dimensions of tensor");
		return NULL;
	}
	if (n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		int k = i - (n - t->ndim);
		in[i] = k >= 0 ? t->shape[k] : 1;
		shape[i] = in[i] * reps[i];
		a.reps[i] = reps[i];
	}
	for (int i = 0; i < n; i++)
		if (shape[i] < 0) {
			ag_error(AG_ERR_VALUE, "Trying to create tensor with negative "
				 "dimension %lld: %s", (long long)shape[i],
				 ag_shape_str(shape, n, buf, sizeof buf));
			return NULL;
		}
	ag_tensor *out = ag_tensor_alloc_uninit(shape, n, t->dtype);
	if (out && fill_repeated(out, t, in, reps, n) < 0) {
		ag_tensor_release(out);
		out = NULL;
	}
	return ag_recorded(out, (ag_call){ .op = AG_OP_REPEAT, .in = &t,
		.nin = 1, .args = &a, .args_size = sizeof a });
}

ag_tensor *ag_tile(ag_tensor *t, const int64_t *reps, int n)
{
	int64_t full[AG_MAX_DIMS];
	int m = n < t->ndim ? t->ndim : n;

	if (n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	/* fewer repeats than dims: the leading dims repeat once */
	for (int i = 0; i < m; i++)
		full[i] = i < m - n ? 1 : reps[i - (m - n)];
	return ag_repeat(t, full, m);
}

/* ------------------------------------------------- repeat_interleave */

static int check_counts(const int64_t *c, int64_t n, int64_t *total)
{
	*total = 0;
	for (int64_t i = 0; i < n; i++) {
		if (c[i] < 0)
			return ag_error(AG_ERR_VALUE, "repeats can not be negative");
		if (ag_mul_size(1, *total + c[i], total) < 0)
			return -1;
	}
	return 0;
}

/* 0..n-1, each i counts[i] times (counts[0] for all when step == 0). */
static ag_tensor *expand_counts(const int64_t *counts, int64_t step, int64_t n)
{
	int64_t total = 0;

	for (int64_t i = 0; i < n; i++) {
		if (counts[i * step] < 0) {
			ag_error(AG_ERR_VALUE, "repeats can not be negative");
			return NULL;
		}
		if (__builtin_add_overflow(total, counts[i * step], &total)) {
			ag_error(AG_ERR_VALUE, "repeat_interleave: the repeats add "
				 "up to more elements than a tensor can have");
			return NULL;
		}
	}
	ag_tensor *r = ag_tensor_alloc_uninit(&total, 1, AG_INT64);
	if (!r)
		return NULL;
	int64_t *p = ag_data_ptr(r);
	for (int64_t i = 0; i < n; i++)
		for (int64_t k = 0; k < counts[i * step]; k++)
			*p++ = i;
	return r;
}

ag_tensor *ag_repeat_interleave_index(ag_tensor *counts)
{
	if (counts->ndim > 1) {
		ag_error(AG_ERR_SHAPE, "repeats must be 0-dim or 1-dim tensor");
		return NULL;
	}
	if (counts->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "\"repeat_interleave_cpu\" not implemented "
			 "for '%s'", ag_dtype_scalar_name(counts->dtype));
		return NULL;
	}
	ag_tensor *c = ag_contiguous(counts);
	if (!c)
		return NULL;
	int64_t total;
	ag_tensor *r = NULL;
	if (check_counts(ag_data_ptr(c), ag_numel(c), &total) == 0)
		r = expand_counts(ag_data_ptr(c), 1, ag_numel(c));
	ag_tensor_release(c);
	return r;
}

/* index_select of t (flattened when dim < 0) by the expanded counts. */
static ag_tensor *interleave(ag_tensor *t, const int64_t *counts,
			     int64_t step, int dim)
{
	ag_tensor *in, *idx, *r = NULL;
	int d = 0;

	if (dim < 0) {
		in = ag_flatten(t, 0, -1);
	} else if (ag_wrap_dim(dim, t->ndim, &d) == 0) {
		in = t;
		ag_tensor_retain(in);
	} else {
		return NULL;
	}
	if (!in)
		return NULL;
	idx = expand_counts(counts, step, in->ndim ? in->shape[d] : 1);
	if (idx)
		r = ag_index_select(in, d, idx);
	ag_tensor_release(idx);
	ag_tensor_release(in);
	return r;
}

ag_tensor *ag_repeat_interleave(ag_tensor *t, int64_t repeats, int dim)
{
	if (repeats < 0) {
		ag_error(AG_ERR_VALUE, "repeats can not be negative");
		return NULL;
	}
	return interleave(t, &repeats, 0, dim);
}

ag_tensor *ag_repeat_interleave_tensor(ag_tensor *t, ag_tensor *repeats,
				       int dim)
{
	if (repeats->ndim > 1) {
		ag_error(AG_ERR_SHAPE, "repeats must be 0-dim or 1-dim tensor");
		return NULL;
	}
	if (repeats->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "\"repeat_interleave_cpu\" not implemented "
			 "for '%s'", ag_dtype_scalar_name(repeats->dtype));
		return NULL;
	}
	int d = 0;
	if (dim >= 0 && ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	int64_t size = dim < 0 ? ag_numel(t) : t->ndim ? t->shape[d] : 1;
	if (repeats->ndim == 1 && repeats->shape[0] != size) {
		ag_error(AG_ERR_SHAPE, "repeats must have the same size as input "
			 "along dim");
		return NULL;
	}
	ag_tensor *c = ag_contiguous(repeats);
	if (!c)
		return NULL;
	ag_tensor *r = interleave(t, ag_data_ptr(c), repeats->ndim ? 1 : 0, dim);
	ag_tensor_release(c);
	return r;
}

/* --------------------------------------------------------- flip, rot90 */

/* t read with the dims in `flipped` reversed (a header with negative
 * strides). */
static ag_tensor *reversed(ag_tensor *t, const bool *flipped)
{
	int64_t stride[AG_MAX_DIMS], offset = t->offset;

	for (int i = 0; i < t->ndim; i++) {
		stride[i] = t->stride[i];
		if (flipped[i] && t->shape[i] > 0) {
			offset += (t->shape[i] - 1) * t->stride[i];
			stride[i] = -t->stride[i];
		}
	}
	return peek(t, t->shape, stride, t->ndim, offset);
}

ag_tensor *ag_flip(ag_tensor *t, const int *dims, int n)
{
	ag_dims_args a = { .n = n };
	bool flipped[AG_MAX_DIMS] = { false };

	if (n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "flip: too many dims (%d)", n);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		int d;
		if (ag_wrap_dim(dims[i], t->ndim, &d) < 0)
			return NULL;
		if (flipped[d]) {
			ag_error(AG_ERR_VALUE, "dim %d appears multiple times in the "
				 "list of dims", d + ag_index_base());
			return NULL;
		}
		flipped[d] = true;
		a.dims[i] = d;
	}
	if (t->ndim == 0)
		flipped[0] = false;
	return copy_of(reversed(t, flipped), t, AG_OP_FLIP, &a, sizeof a);
}

ag_tensor *ag_rot90(ag_tensor *t, int64_t k, int dim0, int dim1)
{
	ag_rot90_args a;
	bool flipped[AG_MAX_DIMS] = { false };
	int d0, d1;

	if (t->ndim < 2) {
		ag_error(AG_ERR_SHAPE, "expected total dims >= 2, but got total dims "
			 "= %d", t->ndim);
		return NULL;
	}
	if (ag_wrap_dim(dim0, t->ndim, &d0) < 0 ||
	    ag_wrap_dim(dim1, t->ndim, &d1) < 0)
		return NULL;
	if (d0 == d1) {
		ag_error(AG_ERR_VALUE, "expected rotation dims to be different, but "
			 "got dim0 = %d and dim1 = %d", d0 + ag_index_base(),
			 d1 + ag_index_base());
		return NULL;
	}
	a.k = (int)(((k % 4) + 4) % 4);
	a.dim0 = d0;
	a.dim1 = d1;
	/* k = 1: flip dim1, then swap; 2: flip both; 3: flip dim0, swap */
	flipped[d1] = a.k == 1 || a.k == 2;
	flipped[d0] = a.k == 2 || a.k == 3;
	ag_tensor *r = reversed(t, flipped);
	if (r && (a.k == 1 || a.k == 3)) {
		int64_t s = r->shape[d0];
		r->shape[d0] = r->shape[d1];
		r->shape[d1] = s;
		s = r->stride[d0];
		r->stride[d0] = r->stride[d1];
		r->stride[d1] = s;
	}
	return copy_of(r, t, AG_OP_ROT90, &a, sizeof a);
}

/* --------------------------------------------------------------- roll */

/* out = src rolled by `shift` along dim d (both shaped alike): the two
 * runs of src trade places. */
static int roll_into(ag_tensor *out, ag_tensor *src, int d, int64_t shift)
{
	int64_t n = src->shape[d], shape[AG_MAX_DIMS];
	int rc = 0;

	shift = n ? ((shift % n) + n) % n : 0;
	memcpy(shape, src->shape, sizeof shape);
	/* src[0, n - shift) -> out[shift, n); src[n - shift, n) -> out[0, shift) */
	for (int part = 0; part < 2 && rc == 0; part++) {
		int64_t len = part ? shift : n - shift;
		int64_t from = part ? n - shift : 0, to = part ? 0 : shift;
		if (len == 0)
			continue;
		shape[d] = len;
		ag_tensor *s = peek(src, shape, src->stride, src->ndim,
				    src->offset + from * src->stride[d]);
		ag_tensor *o = s ? peek(out, shape, out->stride, out->ndim,
					out->offset + to * out->stride[d]) : NULL;
		rc = o ? ag_copy_raw(o, s) : -1;
		ag_tensor_release(s);
		ag_tensor_release(o);
	}
	return rc;
}

static ag_tensor *roll_dims(ag_tensor *t, const ag_roll_args *a)
{
	ag_tensor *cur = t, *next = NULL;

	ag_tensor_retain(cur);
	for (int i = 0; i < a->n; i++) {
		next = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype);
		if (!next || roll_into(next, cur, a->dims[i], a->shifts[i]) < 0) {
			ag_tensor_release(next);
			ag_tensor_release(cur);
			return NULL;
		}
		ag_tensor_release(cur);
		cur = next;
	}
	if (cur == t) {	/* no dims: a copy all the same */
		next = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype);
		if (next && ag_copy_raw(next, t) < 0) {
			ag_tensor_release(next);
			next = NULL;
		}
		ag_tensor_release(cur);
		cur = next;
	}
	return cur;
}

/* The flattened form: the elements in order, rolled as one long row. */
static ag_tensor *roll_flat(ag_tensor *t, int64_t shift)
{
	ag_tensor *out = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype);
	int64_t n = ag_numel(t);

	if (!out || n == 0)
		return out;
	ag_tensor *c = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype);
	ag_tensor *cf = c && ag_copy_raw(c, t) == 0 ? peek(c, &n, (int64_t[]){ 1 },
						      1, c->offset) : NULL;
	ag_tensor *of = cf ? peek(out, &n, (int64_t[]){ 1 }, 1, out->offset)
			   : NULL;
	int rc = of ? roll_into(of, cf, 0, shift) : -1;
	ag_tensor_release(c);
	ag_tensor_release(cf);
	ag_tensor_release(of);
	if (rc < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return out;
}

ag_tensor *ag_roll(ag_tensor *t, const int64_t *shifts, int nshifts,
		   const int *dims, int ndims)
{
	ag_roll_args a = { .n = ndims };

	if (nshifts == 0) {
		ag_error(AG_ERR_VALUE, "`shifts` required");
		return NULL;
	}
	if (nshifts != ndims && !(ndims == 0 && nshifts == 1)) {
		ag_error(AG_ERR_VALUE, "shifts and dimensions must align. shifts: "
			 "%d, dims:%d", nshifts, ndims);
		return NULL;
	}
	if (ndims > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "roll: too many dims (%d)", ndims);
		return NULL;
	}
	for (int i = 0; i < ndims; i++) {
		if (ag_wrap_dim(dims[i], t->ndim, &a.dims[i]) < 0)
			return NULL;
		a.shifts[i] = shifts[i];
	}
	if (ndims == 0)
		a.shifts[0] = shifts[0];
	if (t->ndim == 0)
		a.n = 0;
	ag_tensor *out = ndims == 0 ? roll_flat(t, shifts[0]) : roll_dims(t, &a);
	return ag_recorded(out, (ag_call){ .op = AG_OP_ROLL, .in = &t, .nin = 1,
		.args = &a, .args_size = sizeof a });
}

/* ------------------------------------------------------ tril and triu */

/* Zeroes the elements of every matrix (the last two dims) of t below
 * (lower: above) the diagonal `k`, in place and raw. */
static void zero_triangle(ag_tensor *t, int64_t k, bool lower)
{
	int n = t->ndim;
	int64_t rows = t->shape[n - 2], cols = t->shape[n - 1], count = 1;
	int64_t rs = t->stride[n - 2], cs = t->stride[n - 1];
	size_t es = ag_dtype_size(t->dtype);
	int64_t idx[AG_MAX_DIMS] = { 0 };

	for (int i = 0; i < n - 2; i++)
		count *= t->shape[i];
	/* a diagonal beyond the matrix acts as the matrix's edge (and i + k
	 * cannot overflow) */
	if (k > cols + 1)
		k = cols + 1;
	if (k < -rows - 1)
		k = -rows - 1;
	for (int64_t m = 0; m < count; m++) {
		int64_t off = t->offset;
		for (int i = 0; i < n - 2; i++)
			off += idx[i] * t->stride[i];
		char *base = (char *)t->storage->data + off * (int64_t)es;
		for (int64_t i = 0; i < rows; i++) {
			/* tril keeps j <= i + k; triu keeps j >= i + k */
			int64_t from = lower ? i + k + 1 : 0;
			int64_t to = lower ? cols : i + k;
			from = from < 0 ? 0 : from;
			to = to > cols ? cols : to;
			for (int64_t j = from; j < to; j++)
				memset(base + (i * rs + j * cs) * (int64_t)es, 0, es);
		}
		for (int i = n - 3; i >= 0; i--) {
			if (++idx[i] < t->shape[i])
				break;
			idx[i] = 0;
		}
	}
}

static int check_matrix_dims(const ag_tensor *t)
{
	int d;
	return t->ndim < 2 ? ag_wrap_dim(-2, t->ndim, &d) : 0;
}

static ag_tensor *tri(ag_tensor *t, int64_t k, ag_op op)
{
	if (check_matrix_dims(t) < 0)
		return NULL;
	ag_tensor *out = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype);
	if (out && ag_copy_raw(out, t) < 0) {
		ag_tensor_release(out);
		out = NULL;
	}
	if (out)
		zero_triangle(out, k, op == AG_OP_TRIL);
	ag_diag_args a = { .in = ag_shape_of(t), .offset = k };
	return ag_recorded(out, (ag_call){ .op = op, .in = &t, .nin = 1,
		.args = &a, .args_size = sizeof a });
}

static int tri_(ag_tensor *t, int64_t k, ag_op op)
{
	if (check_matrix_dims(t) < 0 || ag_check_inplace(t) < 0 ||
	    ag_assert_no_internal_overlap(t) < 0)
		return -1;
	zero_triangle(t, k, op == AG_OP_TRIL);
	ag_bump_version(t);
	ag_diag_args a = { .in = ag_shape_of(t), .offset = k };
	return ag_record(&(ag_call){ .op = op, .in = &t, .nin = 1, .out = &t,
		.nout = 1, .args = &a, .args_size = sizeof a, .inplace = true });
}

ag_tensor *ag_tril(ag_tensor *t, int64_t k) { return tri(t, k, AG_OP_TRIL); }
ag_tensor *ag_triu(ag_tensor *t, int64_t k) { return tri(t, k, AG_OP_TRIU); }
int ag_tril_(ag_tensor *t, int64_t k) { return tri_(t, k, AG_OP_TRIL); }
int ag_triu_(ag_tensor *t, int64_t k) { return tri_(t, k, AG_OP_TRIU); }

/* ---------------------------------------------------- diag, diag_embed */

/* Zeros of `shape` with src copied onto diagonal(offset, d1, d2). */
static ag_tensor *embed(ag_tensor *src, const int64_t *shape, int ndim,
			int64_t offset, int d1, int d2)
{
	ag_tensor *out = ag_zeros(shape, ndim, src->dtype);
	if (!out)
		return NULL;
	ag_strided_args g = ag_diagonal_geometry(shape, ndim, offset, d1, d2);
	ag_tensor *diag = peek(out, g.view.shape, g.view.stride, g.view.ndim,
			       g.view.offset);
	if (!diag || ag_copy_raw(diag, src) < 0) {
		ag_tensor_release(diag);
		ag_tensor_release(out);
		return NULL;
	}
	ag_tensor_release(diag);
	return out;
}

ag_tensor *ag_diag(ag_tensor *t, int64_t k)
{
	ag_diag_args a = { .in = ag_shape_of(t), .offset = k, .dim1 = 0,
			   .dim2 = 1 };
	ag_tensor *out = NULL;

	if (t->ndim != 1 && t->ndim != 2) {
		ag_error(AG_ERR_SHAPE, "matrix or a vector expected");
		return NULL;
	}
	if (t->ndim == 1) {
		int64_t ak = k == INT64_MIN ? INT64_MAX : (k < 0 ? -k : k), n;
		if (__builtin_add_overflow(t->shape[0], ak, &n)) {
			ag_error(AG_ERR_VALUE, "diag: the diagonal %lld is too far "
				 "from the main one", (long long)k);
			return NULL;
		}
		int64_t shape[2] = { n, n };
		out = embed(t, shape, 2, k, 0, 1);
	} else {
		ag_geometry g = ag_diagonal_of(t, k, 0, 1);
		ag_tensor *v = peek(t, g.shape, g.stride, g.ndim, g.offset);
		out = v ? ag_tensor_alloc_uninit(g.shape, 1, t->dtype) : NULL;
		if (out && ag_copy_raw(out, v) < 0) {
			ag_tensor_release(out);
			out = NULL;
		}
		ag_tensor_release(v);
	}
	return ag_recorded(out, (ag_call){ .op = AG_OP_DIAG, .in = &t, .nin = 1,
		.args = &a, .args_size = sizeof a });
}

ag_tensor *ag_diag_embed(ag_tensor *t, int64_t offset, int dim1, int dim2)
{
	int64_t shape[AG_MAX_DIMS];
	int n = t->ndim + 1, d1, d2;

	if (n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	if (ag_diag_dims(n, dim1, dim2, &d1, &d2) < 0)
		return NULL;
	int64_t len, aoff = offset == INT64_MIN ? INT64_MAX
				: (offset < 0 ? -offset : offset);
	if (__builtin_add_overflow(t->ndim ? t->shape[t->ndim - 1] : 1, aoff,
				   &len)) {
		ag_error(AG_ERR_VALUE, "diag_embed: the offset %lld is too far "
			 "from the main diagonal", (long long)offset);
		return NULL;
	}
	/* t's other dims keep their order around d1 and d2 */
	for (int i = 0, j = 0; i < n; i++)
		shape[i] = i == d1 || i == d2 ? len : t->shape[j++];
	ag_tensor *src = t;
	int64_t one = 1;
	if (t->ndim == 0)
		src = peek(t, &one, &one, 1, t->offset);
	else
		ag_tensor_retain(src);
	ag_tensor *out = src ? embed(src, shape, n, offset, d1, d2) : NULL;
	ag_tensor_release(src);
	ag_diag_args a = { .in = ag_shape_of(t), .offset = offset, .dim1 = d1,
			   .dim2 = d2 };
	return ag_recorded(out, (ag_call){ .op = AG_OP_DIAG_EMBED, .in = &t,
		.nin = 1, .args = &a, .args_size = sizeof a });
}
