/*
 * fold.h - the reduction kernels (fold.c) that reduce.c's ops run, and
 * what reduce.c shares with the other reductions (moments.c, stats.c).
 */
#ifndef AG_FOLD_H
#define AG_FOLD_H

#include "internal.h"
#include "opargs.h"

/* The folds fold.c knows; reduce.c maps each reduction op to one.
 * FOLD_NONZERO counts the elements that are not zero (count_nonzero). */
typedef enum fold {
	FOLD_SUM, FOLD_MEAN, FOLD_MAX, FOLD_MIN, FOLD_ARGMAX, FOLD_ARGMIN,
	FOLD_PROD, FOLD_NANSUM, FOLD_ALL, FOLD_ANY, FOLD_NONZERO, FOLD_VAR,
	FOLD_COUNT
} fold;

/* How to fold a tensor: its kept dims (one output each, row-major) and
 * its reduced dims (walked for every output, coalesced), and where the
 * values and positions go. */
typedef struct plan {
	fold op;
	ag_dtype dt;
	const char *in;			/* element [0, ..., 0] */
	size_t elsize;
	int nkeep;
	int64_t kshape[AG_MAX_DIMS], kstride[AG_MAX_DIMS];	/* elements */
	int nred;			/* >= 1 */
	int64_t rshape[AG_MAX_DIMS], rstride[AG_MAX_DIMS];	/* elements */
	int64_t count;			/* elements reduced into each output */
	int64_t nout;
	char *vout;			/* values (dtype vdt), or NULL */
	ag_dtype vdt;
	char *iout;			/* int64 positions, or NULL */
	/* FOLD_VAR: the divisor is count - correction; root: the standard
	 * deviation; mout: the means too (dtype vdt), or NULL */
	double correction;
	bool root;
	char *mout;
} plan;

/* A plan to fold t over the dims marked in reduced. */
void ag_fold_plan_init(plan *p, fold op, const ag_tensor *t,
		       const bool *reduced);
/* Runs it (over OpenMP threads when it is big enough). */
void ag_fold_plan_run(const plan *p);

/* reduce.c: the dims to reduce as a mask (ndims 0: all), wrapped and each
 * once, with PyTorch's errors naming the op `name`; 0 or -1. */
int ag_reduce_mask(const ag_tensor *t, const int *dims, int ndims,
		   const char *name, bool *mask);
/* The shape of the result (returns its ndim). */
int ag_reduce_out_shape(const ag_tensor *t, const bool *mask, bool keepdim,
			int64_t *shape);
/* What a reduction's backward needs: the dims as a list (all: everything,
 * to 0-d; also for a 0-d input), keepdim, the count per output. */
ag_reduce_args ag_reduce_args_of(const ag_tensor *t, const bool *mask,
				 bool all, bool keepdim);

#endif
