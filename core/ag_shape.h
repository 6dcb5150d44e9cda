/*
 * ag_shape.h - public API of core's shape, indexing and linear algebra ops
 * of issue 11 (included by ag.h; the conventions of ag.h hold: 0-based
 * dims and index values, new references or NULL with the error set).
 *
 * Index tensors are int64 and 0-based; negative values count from the end
 * where PyTorch allows it.  Ops with an in-place form have a `_` twin that
 * returns 0 or -1.
 */
#ifndef AG_SHAPE_H
#define AG_SHAPE_H

/* A 1-based index tensor (counting from 1, negatives from the end) as a
 * fresh 0-based int64 one, not recorded; *zeros counts the 0s found (an
 * index 0 means nothing in 1-based terms: the caller refuses it). */
ag_tensor *ag_index_shift(ag_tensor *t, int64_t *zeros);

/* ------------------------------------------------- several views at once */

/* The pieces as views, in a malloc'd array of *n new references (free it
 * with ag_tensor_list_free), or NULL with the error set. */
ag_tensor **ag_split(ag_tensor *t, int64_t split_size, int dim, int *n);
ag_tensor **ag_split_with_sizes(ag_tensor *t, const int64_t *sizes, int nsizes,
				int dim, int *n);
ag_tensor **ag_chunk(ag_tensor *t, int64_t chunks, int dim, int *n);
ag_tensor **ag_unbind(ag_tensor *t, int dim, int *n);
/* numpy's array_split: `sections` nearly equal pieces, or pieces that
 * start at each of the (0-based, clamped) positions idx[]. */
ag_tensor **ag_tensor_split(ag_tensor *t, int64_t sections, int dim, int *n);
ag_tensor **ag_tensor_split_at(ag_tensor *t, const int64_t *idx, int nidx,
			       int dim, int *n);
void ag_tensor_list_free(ag_tensor **ts, int n);

/* ------------------------------------------------------------ more views */

ag_tensor *ag_diagonal(ag_tensor *t, int64_t offset, int dim1, int dim2);
/* Windows of `size` every `step` along dim, as a new last dim. */
ag_tensor *ag_unfold(ag_tensor *t, int dim, int64_t size, int64_t step);
ag_tensor *ag_movedim(ag_tensor *t, const int *src, const int *dst, int n);
ag_tensor *ag_unflatten(ag_tensor *t, int dim, const int64_t *sizes, int n);

/* ---------------------------------------------------- rearranging copies */

ag_tensor *ag_repeat(ag_tensor *t, const int64_t *reps, int n);
ag_tensor *ag_tile(ag_tensor *t, const int64_t *reps, int n);
/* Each element (dim < 0: of the flattened tensor) `repeats` times, or
 * repeats[i] times for a 1-d int64 tensor of counts. */
ag_tensor *ag_repeat_interleave(ag_tensor *t, int64_t repeats, int dim);
ag_tensor *ag_repeat_interleave_tensor(ag_tensor *t, ag_tensor *repeats,
				       int dim);
/* torch.repeat_interleave(counts): each position i, counts[i] times. */
ag_tensor *ag_repeat_interleave_index(ag_tensor *counts);
ag_tensor *ag_flip(ag_tensor *t, const int *dims, int n);
/* ndims == 0: the flattened tensor, by shifts[0]. */
ag_tensor *ag_roll(ag_tensor *t, const int64_t *shifts, int nshifts,
		   const int *dims, int ndims);
ag_tensor *ag_rot90(ag_tensor *t, int64_t k, int dim0, int dim1);
ag_tensor *ag_tril(ag_tensor *t, int64_t diagonal);
ag_tensor *ag_triu(ag_tensor *t, int64_t diagonal);
int ag_tril_(ag_tensor *t, int64_t diagonal);
int ag_triu_(ag_tensor *t, int64_t diagonal);
ag_tensor *ag_diag(ag_tensor *t, int64_t diagonal);
ag_tensor *ag_diag_embed(ag_tensor *t, int64_t offset, int dim1, int dim2);

/* --------------------------------------------- gathering and scattering */

ag_tensor *ag_gather(ag_tensor *t, int dim, ag_tensor *index);
/* dim < 0 (no dim): over the flattened tensor; else index is broadcast
 * against t in every dim but dim. */
ag_tensor *ag_take_along_dim(ag_tensor *t, ag_tensor *index, int dim,
			     bool has_dim);
ag_tensor *ag_scatter(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src);
int ag_scatter_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src);
ag_tensor *ag_scatter_value(ag_tensor *t, int dim, ag_tensor *index,
			    double value);
int ag_scatter_value_(ag_tensor *t, int dim, ag_tensor *index, double value);
/* scatter(reduce=): "add" or "multiply"; src or (src NULL) value. */
typedef enum ag_reduce_mode { AG_SCATTER_ADD = 1, AG_SCATTER_MUL } ag_reduce_mode;
ag_tensor *ag_scatter_reduce(ag_tensor *t, int dim, ag_tensor *index,
			     ag_tensor *src, double value, ag_reduce_mode r);
int ag_scatter_reduce_(ag_tensor *t, int dim, ag_tensor *index,
		       ag_tensor *src, double value, ag_reduce_mode r);
ag_tensor *ag_scatter_add(ag_tensor *t, int dim, ag_tensor *index,
			  ag_tensor *src);
/* scatter_reduce (PyTorch's scatter_reduce.two): reduce one of AG_SR_*. */
enum { AG_SR_SUM, AG_SR_PROD, AG_SR_MEAN, AG_SR_AMAX, AG_SR_AMIN };
ag_tensor *ag_scatter_reduce_two(ag_tensor *t, int dim, ag_tensor *index,
				 ag_tensor *src, int reduce, bool include_self);
int ag_scatter_reduce_two_(ag_tensor *t, int dim, ag_tensor *index,
			   ag_tensor *src, int reduce, bool include_self);
/* index_reduce: source's slices along dim combined into the slices of self
 * that the 1-d index names; reduce AG_SR_PROD .. AG_SR_AMIN. */
ag_tensor *ag_index_reduce(ag_tensor *t, int dim, ag_tensor *index,
			   ag_tensor *src, int reduce, bool include_self);
int ag_index_reduce_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src,
		     int reduce, bool include_self);
int ag_scatter_add_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src);
ag_tensor *ag_index_add(ag_tensor *t, int dim, ag_tensor *index,
			ag_tensor *src, double alpha);
int ag_index_add_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src,
		  double alpha);
ag_tensor *ag_index_copy(ag_tensor *t, int dim, ag_tensor *index,
			 ag_tensor *src);
int ag_index_copy_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src);
ag_tensor *ag_index_fill(ag_tensor *t, int dim, ag_tensor *index,
			 double value);
int ag_index_fill_(ag_tensor *t, int dim, ag_tensor *index, double value);
/* value: a 0-d tensor (it gets a gradient) */
ag_tensor *ag_index_fill_tensor(ag_tensor *t, int dim, ag_tensor *index,
				ag_tensor *value);
int ag_index_fill_tensor_(ag_tensor *t, int dim, ag_tensor *index,
			  ag_tensor *value);
ag_tensor *ag_take(ag_tensor *t, ag_tensor *index);
ag_tensor *ag_put(ag_tensor *t, ag_tensor *index, ag_tensor *src,
		  bool accumulate);
int ag_put_(ag_tensor *t, ag_tensor *index, ag_tensor *src, bool accumulate);

/* ----------------------------------------------------------------- masks */

ag_tensor *ag_masked_fill(ag_tensor *t, ag_tensor *mask, double value);
int ag_masked_fill_(ag_tensor *t, ag_tensor *mask, double value);
ag_tensor *ag_masked_fill_tensor(ag_tensor *t, ag_tensor *mask,
				 ag_tensor *value);
int ag_masked_fill_tensor_(ag_tensor *t, ag_tensor *mask, ag_tensor *value);
ag_tensor *ag_masked_select(ag_tensor *t, ag_tensor *mask);
ag_tensor *ag_masked_scatter(ag_tensor *t, ag_tensor *mask, ag_tensor *src);
int ag_masked_scatter_(ag_tensor *t, ag_tensor *mask, ag_tensor *src);
/* [count, ndim] int64 positions of the non-zero elements, 0-based. */
ag_tensor *ag_nonzero(ag_tensor *t);
/* int64 class indices (0-based) -> [..., num_classes] int64 rows of 0/1;
 * num_classes < 0: one more than the largest index. */
ag_tensor *ag_one_hot(ag_tensor *t, int64_t num_classes);

/* ----------------------------------------------------- advanced indexing */

/* x[indices]: indices[i] indexes dim i of t (NULL: the whole dim); int64
 * (0-based, negatives from the end) or bool (a mask over as many dims as
 * it has).  The numpy/PyTorch rules place the broadcast index dims. */
ag_tensor *ag_index(ag_tensor *t, ag_tensor *const *indices, int n);
ag_tensor *ag_index_put(ag_tensor *t, ag_tensor *const *indices, int n,
			ag_tensor *values, bool accumulate);
int ag_index_put_(ag_tensor *t, ag_tensor *const *indices, int n,
		  ag_tensor *values, bool accumulate);

/* --------------------------------------------------------- linear algebra */

/* beta * self + alpha * (product); beta == 0 ignores self's values. */
ag_tensor *ag_addmm(ag_tensor *self, ag_tensor *m1, ag_tensor *m2,
		    double beta, double alpha);
ag_tensor *ag_addmv(ag_tensor *self, ag_tensor *m, ag_tensor *v,
		    double beta, double alpha);
ag_tensor *ag_addr(ag_tensor *self, ag_tensor *v1, ag_tensor *v2,
		   double beta, double alpha);
ag_tensor *ag_addbmm(ag_tensor *self, ag_tensor *b1, ag_tensor *b2,
		     double beta, double alpha);
ag_tensor *ag_baddbmm(ag_tensor *self, ag_tensor *b1, ag_tensor *b2,
		      double beta, double alpha);
/* The in-place forms (addmm_ and friends), by op: AG_OP_ADDMM, ... */
int ag_addmm_like_(ag_op op, ag_tensor *self, ag_tensor *a, ag_tensor *b,
		   double beta, double alpha);
ag_tensor *ag_outer(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_einsum(const char *equation, ag_tensor *const *ops, int n);
/* Contracts dims da[i] of a with db[i] of b. */
ag_tensor *ag_tensordot(ag_tensor *a, ag_tensor *b, const int *da,
			const int *db, int n);
ag_tensor *ag_kron(ag_tensor *a, ag_tensor *b);
/* ord: 2, 1, INFINITY, -INFINITY, 0 or any p; ndims == 0: all dims. */
ag_tensor *ag_vector_norm(ag_tensor *t, double ord, const int *dims,
			  int ndims, bool keepdim);
/* "fro" (ord NAN), 1, -1, INFINITY, -INFINITY over dims (d0, d1). */
ag_tensor *ag_matrix_norm(ag_tensor *t, double ord, int d0, int d1,
			  bool keepdim);

/* --------------------------------- compositions (compose.c), and trace */

/* t with at least n (1..3) dims, as numpy's atleast_nd (t itself, a new
 * reference, when it has them). */
ag_tensor *ag_atleast(ag_tensor *t, int n);
/* "hstack expects a non-empty TensorList" for n == 0. */
ag_tensor *ag_hstack(ag_tensor *const *ts, int n);
ag_tensor *ag_vstack(ag_tensor *const *ts, int n);
ag_tensor *ag_dstack(ag_tensor *const *ts, int n);
ag_tensor *ag_column_stack(ag_tensor *const *ts, int n);
/* n expanded views (a malloc'd array, ag_tensor_list_free); xy: numpy's
 * Cartesian indexing (the first two dims swap). */
ag_tensor **ag_meshgrid(ag_tensor *const *ts, int n, bool xy);
ag_tensor *ag_cartesian_prod(ag_tensor *const *ts, int n);
ag_tensor *ag_diagflat(ag_tensor *t, int64_t offset);
ag_tensor *ag_inner(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_vecdot(ag_tensor *a, ag_tensor *b, int dim);
ag_tensor *ag_trace(ag_tensor *t);
/* The tensors (at most 2-d) down the diagonal of a zero matrix of their
 * common dtype; none: a 1 x 0 float32 one. */
ag_tensor *ag_block_diag(ag_tensor *const *ts, int n);
/* linalg.cross along dim (of length 3 in both); torch.cross without a dim
 * (has_dim false) takes a's first dim of length 3. */
ag_tensor *ag_linalg_cross(ag_tensor *a, ag_tensor *b, int dim);
ag_tensor *ag_cross(ag_tensor *a, ag_tensor *b, int dim, bool has_dim);
ag_tensor *ag_vdot(ag_tensor *a, ag_tensor *b);
/* src copied into a copy of t at t's select(dim, index), slice(dim,
 * start, end, step) (clamped like Python's), diagonal(offset, d1, d2). */
ag_tensor *ag_select_scatter(ag_tensor *t, ag_tensor *src, int dim,
			     int64_t index);
ag_tensor *ag_slice_scatter(ag_tensor *t, ag_tensor *src, int dim,
			    int64_t start, int64_t end, int64_t step);
ag_tensor *ag_diagonal_scatter(ag_tensor *t, ag_tensor *src, int64_t offset,
			       int dim1, int dim2);
/* 2 x N int64 (0-based) positions of a row x col matrix's lower (upper)
 * triangle from diagonal offset, row by row. */
ag_tensor *ag_tri_indices(int64_t row, int64_t col, int64_t offset,
			  bool upper);

#endif
