/*
 * compose.c - shape and linear algebra ops that PyTorch 1.13 builds from
 * other ops (atleast_Nd, hstack/vstack/dstack/column_stack, meshgrid,
 * cartesian_prod, diagflat, inner, vecdot, tril/triu_indices), so their
 * results carry the nodes of the ops they are made of, as PyTorch's do;
 * and trace, vdot and select/slice/diagonal_scatter, which have nodes of
 * their own.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <string.h>

static void rel(ag_tensor *t) { ag_tensor_release(t); }

/* ------------------------------------------------------------ atleast */

ag_tensor *ag_atleast(ag_tensor *t, int n)
{
	if (t->ndim >= n) {
		ag_tensor_retain(t);
		return t;
	}
	if (t->ndim == 0) {
		int64_t ones[3] = { 1, 1, 1 };
		return ag_reshape(t, ones, n);
	}
	/* 1-d: a row (then, for 3, a trailing dim); 2-d to 3-d: trailing */
	if (n == 2 || (n == 3 && t->ndim == 1)) {
		ag_tensor *r = ag_unsqueeze(t, 0);
		if (!r || n == 2)
			return r;
		ag_tensor *r3 = ag_unsqueeze(r, 2);
		rel(r);
		return r3;
	}
	return ag_unsqueeze(t, t->ndim);
}

/* ------------------------------------------------------------ stacks */

static ag_tensor *stack_with(ag_tensor *const *ts, int n, const char *name,
			     int kind)
{
	ag_tensor **v;
	ag_tensor *r = NULL;
	int i, dim;

	if (n <= 0) {
		ag_error(AG_ERR_VALUE, "%s expects a non-empty TensorList", name);
		return NULL;
	}
	v = calloc((size_t)n, sizeof *v);
	if (!v) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (kind == 'c' && ts[i]->ndim <= 1) {
			int64_t col[2] = { ag_numel(ts[i]), 1 };
			v[i] = ag_reshape(ts[i], col, 2);
		} else {
			v[i] = ag_atleast(ts[i], kind == 'h' ? 1 : kind == 'v' ? 2
					  : kind == 'd' ? 3 : 0);
		}
		if (!v[i])
			goto done;
	}
	dim = kind == 'v' ? 0 : kind == 'd' ? 2 : kind == 'c' ? 1
	      : v[0]->ndim == 1 ? 0 : 1;
	r = ag_cat(v, n, dim);
done:
	for (i = 0; i < n; i++)
		rel(v[i]);
	free(v);
	return r;
}

ag_tensor *ag_hstack(ag_tensor *const *ts, int n)
{
	return stack_with(ts, n, "hstack", 'h');
}

ag_tensor *ag_vstack(ag_tensor *const *ts, int n)
{
	return stack_with(ts, n, "vstack", 'v');
}

ag_tensor *ag_dstack(ag_tensor *const *ts, int n)
{
	return stack_with(ts, n, "dstack", 'd');
}

ag_tensor *ag_column_stack(ag_tensor *const *ts, int n)
{
	return stack_with(ts, n, "column_stack", 'c');
}

/* ----------------------------------------------- meshgrid, cartesian_prod */

ag_tensor **ag_meshgrid(ag_tensor *const *ts, int n, bool xy)
{
	int64_t shape[AG_MAX_DIMS];
	ag_tensor **out;
	char buf[64];

	if (n <= 0) {
		ag_error(AG_ERR_VALUE, "torch.meshgrid: Expected at least one "
			 "tensor");
		return NULL;
	}
	if (n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "torch.meshgrid: agdb takes at most %d "
			 "tensors", AG_MAX_DIMS);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (ts[i]->ndim > 1) {
			ag_error(AG_ERR_SHAPE, "torch.meshgrid: Expected 0D or 1D "
				 "tensor in the tensor list but got a tensor of "
				 "shape %s", ag_shape_str(ts[i]->shape,
							  ts[i]->ndim, buf,
							  sizeof buf));
			return NULL;
		}
		if (ts[i]->dtype != ts[0]->dtype) {
			ag_error(AG_ERR_DTYPE, "meshgrid expects all tensors to "
				 "have the same dtype");
			return NULL;
		}
		shape[i] = ag_numel(ts[i]);
	}
	/* xy: the first two inputs swap places in the grid */
	bool swap = xy && n >= 2;
	if (swap) {
		int64_t s = shape[0];
		shape[0] = shape[1];
		shape[1] = s;
	}
	out = calloc((size_t)n, sizeof *out);
	if (!out) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		int64_t vs[AG_MAX_DIMS];
		int at = swap && i < 2 ? 1 - i : i;
		for (int k = 0; k < n; k++)
			vs[k] = k == at ? -1 : 1;
		ag_tensor *v = ag_view(ts[i], vs, n);
		out[i] = v ? ag_expand(v, shape, n) : NULL;
		rel(v);
		if (!out[i]) {
			ag_tensor_list_free(out, i);
			return NULL;
		}
	}
	return out;
}

ag_tensor *ag_cartesian_prod(ag_tensor *const *ts, int n)
{
	char buf[64];

	for (int i = 0; i < n; i++)
		if (ts[i]->ndim != 1) {
			ag_error(AG_ERR_SHAPE, "Expect a 1D vector, but got shape %s",
				 ag_shape_str(ts[i]->shape, ts[i]->ndim, buf,
					      sizeof buf));
			return NULL;
		}
	if (n == 1) {
		ag_tensor_retain(ts[0]);
		return ts[0];
	}
	ag_tensor **g = ag_meshgrid(ts, n, false);
	if (!g)
		return NULL;
	ag_tensor *flat[AG_MAX_DIMS] = { NULL }, *r = NULL;
	int i;
	for (i = 0; i < n; i++)
		if (!(flat[i] = ag_flatten(g[i], 0, -1)))
			break;
	if (i == n)
		r = ag_stack(flat, n, 1);
	for (i = 0; i < n; i++)
		rel(flat[i]);
	ag_tensor_list_free(g, n);
	return r;
}

/* ------------------------------------------------------------ diagflat */

ag_tensor *ag_diagflat(ag_tensor *t, int64_t offset)
{
	ag_tensor *c = ag_contiguous(t);
	int64_t all = -1;
	ag_tensor *f = c ? ag_view(c, &all, 1) : NULL;
	ag_tensor *r = f ? ag_diag(f, offset) : NULL;
	rel(c);
	rel(f);
	return r;
}

/* ------------------------------------------------------- inner, vecdot */

ag_tensor *ag_inner(ag_tensor *a, ag_tensor *b)
{
	char b1[64], b2[64];

	if (a->ndim == 0 || b->ndim == 0)
		return ag_mul(a, b);
	if (a->shape[a->ndim - 1] != b->shape[b->ndim - 1]) {
		ag_error(AG_ERR_SHAPE, "inner() the last dimension must match on "
			 "both input tensors but got shapes %s and %s",
			 ag_shape_str(a->shape, a->ndim, b1, sizeof b1),
			 ag_shape_str(b->shape, b->ndim, b2, sizeof b2));
		return NULL;
	}
	int da = a->ndim - 1, db = b->ndim - 1;
	return ag_tensordot(a, b, &da, &db, 1);
}

ag_tensor *ag_vecdot(ag_tensor *a, ag_tensor *b, int dim)
{
	ag_tensor *m = ag_mul(a, b);
	int d;
	ag_tensor *r = NULL;

	if (m && ag_wrap_dim(dim, m->ndim, &d) == 0)
		r = ag_reduce_dims(AG_OP_SUM, m, &d, 1, false);
	rel(m);
	return r;
}

/* ------------------------------------------------------------ trace, vdot */

ag_tensor *ag_trace(ag_tensor *t)
{
	if (t->ndim != 2) {
		ag_error(AG_ERR_SHAPE, "trace: expected a matrix, but got tensor "
			 "with dim %d", t->ndim);
		return NULL;
	}
	if (t->dtype == AG_BOOL) {	/* PyTorch's CPU kernel */
		ag_error(AG_ERR_DTYPE, "\"trace\" not implemented for '%s'",
			 ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	bool was = ag_set_grad_enabled(false);
	ag_tensor *d = ag_diagonal(t, 0, 0, 1);
	ag_tensor *s = d ? ag_sum(d) : NULL;
	ag_set_grad_enabled(was);
	rel(d);
	if (!s)
		return NULL;
	ag_shape in = ag_shape_of(t);
	return ag_recorded(s, (ag_call){ .op = AG_OP_TRACE, .in = &t, .nin = 1,
		.args = &in, .args_size = sizeof in });
}

ag_tensor *ag_vdot(ag_tensor *a, ag_tensor *b)
{
	bool was = ag_set_grad_enabled(false);
	ag_tensor *r = ag_dot(a, b);
	ag_set_grad_enabled(was);
	if (!r)
		return NULL;
	return ag_recorded(r, (ag_call){ .op = AG_OP_VDOT,
		.in = (ag_tensor *[]){ a, b }, .nin = 2 });
}

/* ------------------------------------------------- tril/triu_indices */

/* The (row, col) pairs of a row x col matrix's lower (upper) triangle
 * from diagonal `offset`, row by row, as a 2 x N int64 tensor of 0-based
 * positions. */
ag_tensor *ag_tri_indices(int64_t row, int64_t col, int64_t offset,
			  bool upper)
{
	int64_t n = 0;

	if (row < 0 || col < 0) {
		ag_error(AG_ERR_VALUE, "%s must be non-negative, got%lld",
			 row < 0 ? "row" : "col", (long long)(row < 0 ? row : col));
		return NULL;
	}
	for (int64_t i = 0; i < row; i++) {
		int64_t lo = upper ? i + offset : 0, hi = upper ? col : i + offset + 1;
		lo = lo < 0 ? 0 : lo;
		hi = hi > col ? col : hi;
		n += hi > lo ? hi - lo : 0;
	}
	int64_t shape[2] = { 2, n };
	ag_tensor *r = ag_tensor_alloc(shape, 2, AG_INT64);
	if (!r)
		return NULL;
	int64_t *p = ag_data_ptr(r), k = 0;
	for (int64_t i = 0; i < row; i++) {
		int64_t lo = upper ? i + offset : 0, hi = upper ? col : i + offset + 1;
		lo = lo < 0 ? 0 : lo;
		hi = hi > col ? col : hi;
		for (int64_t j = lo; j < hi; j++, k++) {
			p[k] = i;
			p[n + k] = j;
		}
	}
	return r;
}

/* ------------------------------- select/slice/diagonal_scatter */

/* The region of t the op writes: a view, not recorded by the caller's
 * choice (forward under no_grad; the backward records it). */
ag_tensor *ag_view_scatter_region(ag_op op, ag_tensor *t,
				  const ag_view_scatter_args *a)
{
	switch (op) {
	case AG_OP_SELECT_SCATTER:
		return ag_select(t, a->dim, a->index);
	case AG_OP_SLICE_SCATTER:
		return ag_slice(t, a->dim, a->start, a->end, a->step);
	default:
		return ag_diagonal(t, a->offset, a->dim, a->dim2);
	}
}

ag_tensor *ag_view_scatter(ag_op op, ag_tensor *t, ag_tensor *src,
			   const ag_view_scatter_args *args)
{
	ag_view_scatter_args a = *args;
	char b1[256], b2[256];
	ag_tensor *out = NULL, *v;

	if (op == AG_OP_SELECT_SCATTER || op == AG_OP_SLICE_SCATTER) {
		if (t->ndim == 0) {
			ag_error(AG_ERR_INDEX, "%s() cannot be applied to a 0-dim "
				 "tensor.", op == AG_OP_SELECT_SCATTER ? "select"
				 : "slice");
			return NULL;
		}
		if (ag_wrap_dim(a.dim, t->ndim, &a.dim) < 0)
			return NULL;
	} else if (ag_wrap_dim(a.dim, t->ndim, &a.dim) < 0 ||
		   ag_wrap_dim(a.dim2, t->ndim, &a.dim2) < 0) {
		return NULL;
	}
	bool was = ag_set_grad_enabled(false);
	v = ag_view_scatter_region(op, t, &a);
	if (v && (v->ndim != src->ndim ||
		  memcmp(v->shape, src->shape, (size_t)v->ndim * sizeof *v->shape))) {
		ag_error(AG_ERR_SHAPE, "expected src to have a size equal to the "
			 "slice of self. src size = %s, slice size = %s",
			 ag_shape_str(src->shape, src->ndim, b1, sizeof b1),
			 ag_shape_str(v->shape, v->ndim, b2, sizeof b2));
	} else if (v) {
		if (op == AG_OP_SELECT_SCATTER && a.index < 0)
			a.index += t->shape[a.dim];
		out = ag_clone(t);
		ag_tensor *w = out ? ag_view_scatter_region(op, out, &a) : NULL;
		if (!w || ag_copy_(w, src) < 0) {
			rel(out);
			out = NULL;
		}
		rel(w);
	}
	ag_set_grad_enabled(was);
	rel(v);
	if (!out)
		return NULL;
	return ag_recorded(out, (ag_call){ .op = op,
		.in = (ag_tensor *[]){ t, src }, .nin = 2, .args = &a,
		.args_size = sizeof a });
}

ag_tensor *ag_select_scatter(ag_tensor *t, ag_tensor *src, int dim,
			     int64_t index)
{
	ag_view_scatter_args a = { .dim = dim, .index = index };
	return ag_view_scatter(AG_OP_SELECT_SCATTER, t, src, &a);
}

ag_tensor *ag_slice_scatter(ag_tensor *t, ag_tensor *src, int dim,
			    int64_t start, int64_t end, int64_t step)
{
	ag_view_scatter_args a = { .dim = dim, .start = start, .end = end,
				   .step = step };
	return ag_view_scatter(AG_OP_SLICE_SCATTER, t, src, &a);
}

ag_tensor *ag_diagonal_scatter(ag_tensor *t, ag_tensor *src, int64_t offset,
			       int dim1, int dim2)
{
	ag_view_scatter_args a = { .dim = dim1, .dim2 = dim2, .offset = offset };
	return ag_view_scatter(AG_OP_DIAGONAL_SCATTER, t, src, &a);
}

/* --------------------------------------------------------------- cross */

/* a x b along dim d (both of length 3 there), with the ops of the
 * current mode: component k is a[k+1] b[k+2] - a[k+2] b[k+1]. */
static ag_tensor *cross_parts(ag_tensor *a, ag_tensor *b, int d)
{
	ag_tensor *c[3] = { NULL, NULL, NULL }, *r = NULL;
	int k;

	for (k = 0; k < 3; k++) {
		ag_tensor *a1 = ag_select(a, d, (k + 1) % 3);
		ag_tensor *b2 = a1 ? ag_select(b, d, (k + 2) % 3) : NULL;
		ag_tensor *a2 = b2 ? ag_select(a, d, (k + 2) % 3) : NULL;
		ag_tensor *b1 = a2 ? ag_select(b, d, (k + 1) % 3) : NULL;
		ag_tensor *p = b1 ? ag_mul(a1, b2) : NULL;
		ag_tensor *q = p ? ag_mul(a2, b1) : NULL;
		c[k] = q ? ag_sub(p, q) : NULL;
		rel(a1); rel(b2); rel(a2); rel(b1); rel(p); rel(q);
		if (!c[k])
			break;
	}
	if (k == 3)
		r = ag_stack(c, 3, d);
	for (k = 0; k < 3; k++)
		rel(c[k]);
	return r;
}

ag_tensor *ag_linalg_cross(ag_tensor *a, ag_tensor *b, int dim)
{
	int d;

	if (a->ndim != b->ndim) {
		ag_error(AG_ERR_SHAPE, "linalg.cross: inputs must have the same "
			 "number of dimensions.");
		return NULL;
	}
	if (a->dtype != b->dtype) {
		ag_error(AG_ERR_DTYPE, "expected scalar type %s but found %s",
			 ag_dtype_scalar_name(a->dtype),
			 ag_dtype_scalar_name(b->dtype));
		return NULL;
	}
	if (a->dtype == AG_BOOL) {
		ag_error(AG_ERR_DTYPE, "\"cross\" not implemented for '%s'",
			 ag_dtype_scalar_name(a->dtype));
		return NULL;
	}
	if (ag_wrap_dim(dim, a->ndim, &d) < 0)
		return NULL;
	if (a->shape[d] != 3 || b->shape[d] != 3) {
		ag_error(AG_ERR_SHAPE, "linalg.cross: inputs dimension %d must have "
			 "length 3. Got %lld and %lld", dim < 0 ? dim
			 : dim + ag_index_base(), (long long)a->shape[d],
			 (long long)b->shape[d]);
		return NULL;
	}
	bool was = ag_set_grad_enabled(false);
	ag_tensor *r = cross_parts(a, b, d);
	ag_set_grad_enabled(was);
	if (!r)
		return NULL;
	ag_cross_args args = { .dim = d, .a = ag_shape_of(a), .b = ag_shape_of(b) };
	return ag_recorded(r, (ag_call){ .op = AG_OP_LINALG_CROSS,
		.in = (ag_tensor *[]){ a, b }, .nin = 2, .args = &args,
		.args_size = sizeof args });
}

ag_tensor *ag_cross(ag_tensor *a, ag_tensor *b, int dim, bool has_dim)
{
	/* without a dim: the first of a's dims of length 3 (deprecated in
	 * PyTorch, still its default) */
	for (int i = 0; !has_dim && i < a->ndim; i++)
		if (a->shape[i] == 3) {
			dim = i;
			has_dim = true;
		}
	if (!has_dim) {
		ag_error(AG_ERR_SHAPE, "no dimension of size 3 in input");
		return NULL;
	}
	return ag_linalg_cross(a, b, dim);
}

/* ---------------------------------------------------------- block_diag */

static void block_size(const ag_tensor *t, int64_t *r, int64_t *c)
{
	*r = t->ndim == 2 ? t->shape[0] : 1;
	*c = t->ndim == 2 ? t->shape[1] : t->ndim == 1 ? t->shape[0] : 1;
}

ag_tensor *ag_block_diag(ag_tensor *const *ts, int n)
{
	int64_t shape[2] = { 0, 0 }, r, c;
	ag_dtype dt = n ? ts[0]->dtype : AG_FLOAT32;

	if (n == 0)
		shape[0] = 1;
	for (int i = 0; i < n; i++) {
		if (ts[i]->ndim > 2) {
			ag_error(AG_ERR_SHAPE, "torch.block_diag: Input tensors must "
				 "have 2 or fewer dimensions. Input %d has %d "
				 "dimensions", i + ag_index_base(), ts[i]->ndim);
			return NULL;
		}
		block_size(ts[i], &r, &c);
		shape[0] += r;
		shape[1] += c;
		dt = ag_promote_types(dt, ts[i]->dtype);
	}
	size_t as = sizeof(ag_block_diag_args) + (size_t)n * sizeof(ag_shape);
	ag_block_diag_args *a = calloc(1, as);
	ag_tensor *out = a ? ag_zeros(shape, 2, dt) : NULL;
	int64_t r0 = 0, c0 = 0;
	bool was = ag_set_grad_enabled(false);

	for (int i = 0; out && i < n; i++) {
		block_size(ts[i], &r, &c);
		a->in[i] = ag_shape_of(ts[i]);
		ag_tensor *rows = ag_narrow(out, 0, r0, r);
		ag_tensor *blk = rows ? ag_narrow(rows, 1, c0, c) : NULL;
		if (!blk || ag_copy_(blk, ts[i]) < 0) {
			rel(out);
			out = NULL;
		}
		rel(rows);
		rel(blk);
		r0 += r;
		c0 += c;
	}
	ag_set_grad_enabled(was);
	if (!a)
		ag_error(AG_ERR_NOMEM, "out of memory");
	if (out) {
		a->n = n;
		out = ag_recorded(out, (ag_call){ .op = AG_OP_BLOCK_DIAG,
			.in = (ag_tensor **)ts, .nin = n, .args = a,
			.args_size = as });
	}
	free(a);
	return out;
}
