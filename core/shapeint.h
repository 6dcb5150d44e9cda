/*
 * shapeint.h - what the shape, indexing and linear algebra ops of issue 11
 * share with their backward formulas (core only).
 */
#ifndef AG_SHAPEINT_H
#define AG_SHAPEINT_H

#include "internal.h"
#include "opargs.h"

/* linalg.c: a strided matrix, element (i, j) at p + (i * rs + j * cs) *
 * elsize; the one at t's dims (r, c) (-1: a dim of size 1) from batch
 * offset off; C[M, N] (row-major, leading dim ldc) = alpha * A @ B +
 * beta * C, by CBLAS for float32/float64 and a blocked loop otherwise
 * (beta == 0 ignores C, NaN included). */
typedef struct ag_mat {
	const char *p;
	int64_t rs, cs;
} ag_mat;
ag_mat ag_mat_of(const ag_tensor *t, int r, int c, int64_t off);
/* PyTorch's _unsafe_view: r viewed as shape (PyTorch's view error when
 * r's strides do not allow it), recorded as UnsafeViewBackward0 as
 * matmul's and kron's results are.  view.c: the strides of that view, or
 * false. */
bool ag_view_strides(const int64_t *shape, const int64_t *stride, int ndim,
		     const int64_t *nshape, int nndim, int64_t *nstride);
ag_tensor *ag_unsafe_view(ag_tensor *r, const int64_t *shape, int n);
int ag_gemm(ag_dtype dt, int64_t M, int64_t N, int64_t K, double alpha,
	    ag_mat a, ag_mat b, double beta, char *c, int64_t ldc);

/* compose.c: select/slice/diagonal_scatter by op, and the region of t
 * each writes (a view). */
ag_tensor *ag_view_scatter(ag_op op, ag_tensor *t, ag_tensor *src,
			   const ag_view_scatter_args *args);
ag_tensor *ag_view_scatter_region(ag_op op, ag_tensor *t,
				  const ag_view_scatter_args *a);

/* split.c: a dense (contiguous, offset 0) geometry of this shape; the
 * geometries of diagonal(offset, d1, d2) over a dense tensor of `shape`
 * (what DiagonalBackward0 moves between); dims for diagonal and
 * diag_embed, wrapped and checked (PyTorch's texts). */
ag_geometry ag_dense_geometry(const int64_t *shape, int ndim);
ag_strided_args ag_diagonal_geometry(const int64_t *shape, int ndim,
				     int64_t offset, int d1, int d2);
int ag_diag_dims(int ndim, int dim1, int dim2, int *d1, int *d2);
/* Where diagonal(offset, d1, d2) of t lies in t's storage. */
ag_geometry ag_diagonal_of(const ag_tensor *t, int64_t offset, int d1, int d2);

/* gather.c: a 0-d value tensor's number, or PyTorch's "<fname> only
 * supports a 0-dimensional value tensor" text. */
int ag_value_of(const ag_tensor *v, const char *fname, double *out);

/* mask.c: nonzero without a record (what a bool index stands for). */
ag_tensor *ag_nonzero_raw(ag_tensor *t);

/* advindex.c: x[indices] and index_put with the indices already packed
 * (as the nodes keep them); variant 1 is IndexPutImplBackward0. */
ag_tensor *ag_index_packed(ag_tensor *t, ag_tensor *packed,
			   const ag_adv_index_args *a);
ag_tensor *ag_index_put_packed(ag_tensor *t, ag_tensor *packed,
			       const ag_adv_index_args *a, ag_tensor *values,
			       bool accumulate, int variant);

/* writeop.c: *at += *v for one element of dtype dt (integers wrap, bool
 * is or, 16-bit floats round on store). */
void ag_add_one(char *at, const char *v, ag_dtype dt);
/* writeop.c: t itself when contiguous, else a raw contiguous copy (a new
 * reference either way); position k of dim d as a bare header; dst +=
 * alpha * src (broadcast), raw. */
ag_tensor *ag_dense(ag_tensor *t);
ag_tensor *ag_select_header(ag_tensor *t, int d, int64_t k);
/* t read as `shape` (broadcast: stride 0 where t has size 1 or lacks the
 * dim), a bare header; the shape must be one t broadcasts to. */
ag_tensor *ag_broadcast_header(ag_tensor *t, const int64_t *shape, int ndim);
int ag_axpy_raw(ag_tensor *dst, ag_tensor *src, double alpha);

/* An op that writes into self: write(dst, ctx) does the raw work on a dst
 * that already holds self's values (broadcast to shape/ndim when shape is
 * set).  ag_write_copy gives the out-of-place result, ag_write_inplace
 * writes into in[0] after PyTorch's in-place and overlap checks; both
 * record the call as op. */
typedef int (*ag_write_fn)(ag_tensor *dst, void *ctx);
typedef struct ag_write_call {
	ag_op op;
	int variant;
	ag_tensor *const *in;	/* self first, then the op's other tensors */
	int nin;
	const int64_t *shape;	/* out of place: the result's shape, or NULL */
	int ndim;
	ag_write_fn write;
	void *ctx;
	const void *args;
	size_t args_size;
	ag_tensor *original;	/* in place: self before the write, when the
				 * backward reads it (ag_original_copy) */
} ag_write_call;

ag_tensor *ag_write_copy(const ag_write_call *c);
int ag_write_inplace(const ag_write_call *c);

#endif
