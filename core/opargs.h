/*
 * opargs.h - the arguments an op keeps on its node for its backward
 * formula: one struct per kind of argument list, named in the op's line of
 * ops.def (.args = sizeof(...)), filled by the op when it records and read
 * by its backward through AG_ARGS(node, type).  Plain data only: tensors a
 * backward needs are saved tensors (the .saves column), never arguments.
 */
#ifndef AG_OPARGS_H
#define AG_OPARGS_H

#include "ag.h"

/* A shape (the input's, for formulas that must give it back). */
typedef struct ag_shape {
	int ndim;
	int64_t size[AG_MAX_DIMS];
} ag_shape;

ag_shape ag_shape_of(const ag_tensor *t);

/* Where a view sits in its storage (elements of the same storage). */
typedef struct ag_geometry {
	int ndim;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS], offset;
} ag_geometry;

ag_geometry ag_geometry_of(const ag_tensor *t);

/* clamp: NAN for a missing bound. */
typedef struct ag_clamp_args {
	double min, max;
} ag_clamp_args;

/* sum, mean, max, min over dims, or over everything (all: to 0-d). */
typedef struct ag_reduce_args {
	ag_shape in;
	bool all;
	bool keepdim;
	int ndims;
	int dims[AG_MAX_DIMS];	/* wrapped, ascending, unique */
	int64_t count;		/* elements folded into each output */
} ag_reduce_args;

/* Ops along one dim: max(dim), min(dim), unsqueeze, squeeze(dim), stack,
 * index_select (dim wrapped). */
typedef struct ag_dim_args {
	ag_shape in;
	int dim;
	bool keepdim;
} ag_dim_args;

/* transpose */
typedef struct ag_transpose_args {
	int dim0, dim1;
} ag_transpose_args;

/* permute */
typedef struct ag_permute_args {
	int ndims;
	int dims[AG_MAX_DIMS];
} ag_permute_args;

/* slice, select, as_strided and the moves their backward records: both
 * geometries over the input's storage. */
typedef struct ag_strided_args {
	ag_geometry in, view;
} ag_strided_args;

/* to(dtype): the dtype it came from. */
typedef struct ag_to_args {
	ag_dtype from;
} ag_to_args;

/* cat: per input, its size along dim (-1: a legacy empty input cat
 * skipped, which gets no gradient).  Sized for n inputs when recorded. */
typedef struct ag_cat_args {
	int dim;
	int n;
	int64_t sizes[];
} ag_cat_args;

#include "opargs_shape.h"

#endif
