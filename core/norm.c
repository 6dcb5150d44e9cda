/*
 * norm.c - torch.linalg's vector_norm (any order, over any dims) and
 * matrix_norm ('fro', 1, -1, inf, -inf).
 *
 * vector_norm reads its input once into a dense float64 copy laid out
 * kept-dims-first, then folds each run of reduced elements in float64 and
 * stores the norm in the input's dtype; it records one
 * LinalgVectorNormBackward0 node.  matrix_norm is made of vector_norm and
 * max/min as PyTorch's is.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <math.h>
#include <stdio.h>

/* The norm of n doubles. */
static double fold(const double *x, int64_t n, double ord)
{
	double acc = 0;

	if (ord == INFINITY || ord == -INFINITY) {
		acc = n ? fabs(x[0]) : 0;
		for (int64_t i = 1; i < n; i++) {
			double v = fabs(x[i]);
			if (isnan(v))
				return v;
			acc = ord > 0 ? (v > acc ? v : acc) : (v < acc ? v : acc);
		}
		return acc;
	}
	if (ord == 0) {
		for (int64_t i = 0; i < n; i++)
			acc += x[i] != 0;
		return acc;
	}
	if (ord == 1) {
		for (int64_t i = 0; i < n; i++)
			acc += fabs(x[i]);
		return acc;
	}
	if (ord == 2) {
		for (int64_t i = 0; i < n; i++)
			acc += x[i] * x[i];
		return sqrt(acc);
	}
	for (int64_t i = 0; i < n; i++)
		acc += pow(fabs(x[i]), ord);
	return pow(acc, 1.0 / ord);
}

/* The reduction a vector_norm call does: wrapped dims (all when ndims is
 * 0), the output's shape. */
static int reduction(const ag_tensor *t, const int *dims, int ndims,
		     bool keepdim, ag_reduce_args *r, int64_t *shape, int *n)
{
	bool red[AG_MAX_DIMS] = { false };

	memset(r, 0, sizeof *r);
	r->in = ag_shape_of(t);
	r->keepdim = keepdim;
	r->all = ndims == 0;
	for (int i = 0; i < ndims; i++) {
		int d;
		if (ag_wrap_dim(dims[i], t->ndim, &d) < 0)
			return -1;
		if (t->ndim && red[d])
			return ag_error(AG_ERR_VALUE, "dim %d appears multiple times "
					"in the list of dims", d + ag_index_base());
		red[d] = true;
	}
	r->count = 1;
	*n = 0;
	for (int d = 0; d < t->ndim; d++) {
		if (r->all || red[d]) {
			r->dims[r->ndims++] = d;
			r->count *= t->shape[d];
			if (keepdim)
				shape[(*n)++] = 1;
		} else {
			shape[(*n)++] = t->shape[d];
		}
	}
	return 0;
}

ag_tensor *ag_vector_norm(ag_tensor *t, double ord, const int *dims,
			  int ndims, bool keepdim)
{
	ag_vnorm_args a = { .ord = ord };
	int64_t shape[AG_MAX_DIMS], pshape[AG_MAX_DIMS], pstride[AG_MAX_DIMS];
	int n = 0, m = 0;

	if (!ag_dtype_is_floating(t->dtype)) {
		ag_error(AG_ERR_DTYPE, "linalg.vector_norm: Expected a floating "
			 "point or complex tensor as input. Got %s",
			 ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	if (isnan(ord)) {
		ag_error(AG_ERR_VALUE, "linalg.vector_norm: ord must be a number");
		return NULL;
	}
	if (reduction(t, dims, ndims, keepdim, &a.r, shape, &n) < 0)
		return NULL;
	if (a.r.count == 0 && (ord < 0 || isinf(ord))) {
		ag_error(AG_ERR_VALUE, "linalg.vector_norm cannot compute the %g "
			 "norm on an empty tensor because the operation does not "
			 "have an identity", ord);
		return NULL;
	}
	/* t read kept-dims first, reduced dims last */
	bool red[AG_MAX_DIMS] = { false };
	for (int i = 0; i < a.r.ndims; i++)
		red[a.r.dims[i]] = true;
	for (int pass = 0; pass < 2; pass++)
		for (int d = 0; d < t->ndim; d++)
			if (red[d] == (pass == 1)) {
				pshape[m] = t->shape[d];
				pstride[m++] = t->stride[d];
			}
	ag_tensor *h = ag_tensor_make_view(t, pshape, pstride, t->ndim, t->offset);
	ag_tensor *x = h ? ag_tensor_alloc_uninit(pshape, t->ndim, AG_FLOAT64) : NULL;
	ag_tensor *out = x ? ag_tensor_alloc_uninit(shape, n, t->dtype) : NULL;
	if (out && ag_copy_raw(x, h) == 0) {
		int64_t outer = ag_numel(out), inner = a.r.count;
		const double *p = ag_data_ptr(x);
		char *o = ag_data_ptr(out);
		size_t es = ag_dtype_size(t->dtype);
		for (int64_t i = 0; i < outer; i++)
			ag_store(o + (size_t)i * es, t->dtype,
				 fold(p + i * inner, inner, ord));
	} else if (out) {
		ag_tensor_release(out);
		out = NULL;
	}
	ag_tensor_release(h);
	ag_tensor_release(x);
	return ag_recorded(out, (ag_call){ .op = AG_OP_LINALG_VECTOR_NORM,
		.in = &t, .nin = 1, .args = &a, .args_size = sizeof a });
}

ag_tensor *ag_matrix_norm(ag_tensor *t, double ord, int d0, int d1,
			  bool keepdim)
{
	int a, b;

	if (!ag_dtype_is_floating(t->dtype)) {
		ag_error(AG_ERR_DTYPE, "linalg.matrix_norm: Expected a floating point "
			 "or complex tensor as input. Got %s",
			 ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	if (t->ndim < 2) {
		ag_error(AG_ERR_SHAPE, "linalg.matrix_norm: The input tensor A must "
			 "have at least 2 dimensions.");
		return NULL;
	}
	if (ag_wrap_dim(d0, t->ndim, &a) < 0 || ag_wrap_dim(d1, t->ndim, &b) < 0)
		return NULL;
	if (a == b) {
		ag_error(AG_ERR_VALUE, "linalg.matrix_norm: dims must be different. "
			 "Got (%d, %d)", d0 < 0 ? d0 : d0 + ag_index_base(),
			 d1 < 0 ? d1 : d1 + ag_index_base());
		return NULL;
	}
	if (isnan(ord))		/* 'fro' */
		return ag_vector_norm(t, 2, (int[]){ a, b }, 2, keepdim);
	if (ord == 2 || ord == -2) {
		ag_error(AG_ERR_VALUE, "linalg.matrix_norm: ord=%g needs singular "
			 "values, which agdb does not compute yet", ord);
		return NULL;
	}
	if (ord != 1 && ord != -1 && !isinf(ord)) {
		ag_error(AG_ERR_VALUE, "linalg.matrix_norm: Order %g not supported.",
			 ord);
		return NULL;
	}
	/* 1: the largest column sum of |A|; inf: the largest row sum (and the
	 * smallest for -1, -inf) */
	int sum_dim = isinf(ord) ? b : a, max_dim = isinf(ord) ? a : b;
	/* as PyTorch: without keepdim the first reduction shifts the second
	 * dim when it came after it */
	if (!keepdim && sum_dim < max_dim)
		max_dim--;
	ag_tensor *s = ag_vector_norm(t, 1, &sum_dim, 1, keepdim);
	ag_tensor *m = s ? ag_reduce_dims(ord > 0 ? AG_OP_MAX : AG_OP_MIN, s,
					  &max_dim, 1, keepdim) : NULL;
	ag_tensor_release(s);
	return m;
}
