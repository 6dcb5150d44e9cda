/*
 * opargs_shape.h - the argument structs of the shape, indexing and linear
 * algebra ops of issue 11 (included by opargs.h; same rules: plain data,
 * read by the op's backward through AG_ARGS).
 */
#ifndef AG_OPARGS_SHAPE_H
#define AG_OPARGS_SHAPE_H

/* repeat / tile: the input's shape and one repeat count per output dim. */
typedef struct ag_repeat_args {
	ag_shape in;
	int n;
	int64_t reps[AG_MAX_DIMS];
} ag_repeat_args;

/* flip: the dims it reverses (wrapped). */
typedef struct ag_dims_args {
	int n;
	int dims[AG_MAX_DIMS];
} ag_dims_args;

/* roll: one shift per dim; n == 0 rolls the flattened tensor by shifts[0]. */
typedef struct ag_roll_args {
	int n;
	int64_t shifts[AG_MAX_DIMS];
	int dims[AG_MAX_DIMS];
} ag_roll_args;

/* rot90: quarter turns (0..3) from dim0 towards dim1. */
typedef struct ag_rot90_args {
	int k;
	int dim0, dim1;
} ag_rot90_args;

/* tril, triu, diag, diag_embed: the diagonal (0 the main one, > 0 above)
 * and, for diag_embed, the two dims that hold the matrices. */
typedef struct ag_diag_args {
	ag_shape in;
	int64_t offset;
	int dim1, dim2;
} ag_diag_args;

/* gather, scatter, scatter_add, index_add/copy/fill, take, put, masked_*:
 * the shapes of self and of the source, the dim, a fill value or index_add's
 * alpha, and put's accumulate. */
typedef struct ag_index_dim_args {
	ag_shape self, source;
	int dim;
	double value;
	bool accumulate;
} ag_index_dim_args;

/* select_scatter, slice_scatter, diagonal_scatter: the region of self
 * src goes to (dims wrapped, select's index made non-negative). */
typedef struct ag_view_scatter_args {
	int dim, dim2;
	int64_t index, start, end, step, offset;
} ag_view_scatter_args;

/* block_diag: each input's shape (its block is 1 x n for a 1-d input,
 * 1 x 1 for a 0-d one). */
typedef struct ag_block_diag_args {
	int n;
	ag_shape in[];
} ag_block_diag_args;

/* linalg.cross: the dim of length 3, the inputs' shapes. */
typedef struct ag_cross_args {
	int dim;
	ag_shape a, b;
} ag_cross_args;

/* scatter_reduce: the reduction (AG_SR_*) and whether self takes part. */
typedef struct ag_scatter_reduce_args {
	ag_shape self, source;
	int dim;
	int reduce;
	bool include_self;
} ag_scatter_reduce_args;

/* x[indices] and index_put: the indices travel as one int64 tensor
 * [nidx, ...broadcast shape] (input 1), listing positions along dims[]
 * of self (ascending). */
typedef struct ag_adv_index_args {
	ag_shape self, values;
	int nidx;
	int dims[AG_MAX_DIMS];
	bool accumulate;
} ag_adv_index_args;

/* addmm, addmv, addr, addbmm, baddbmm: beta * self + alpha * product. */
typedef struct ag_addmm_args {
	ag_shape self;
	double beta, alpha;
} ag_addmm_args;

/* linalg.vector_norm: the reduction and the order. */
typedef struct ag_vnorm_args {
	ag_reduce_args r;
	double ord;
} ag_vnorm_args;

#endif
