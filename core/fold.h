/*
 * fold.h - the reduction kernels (fold.c) that reduce.c's ops run.
 */
#ifndef AG_FOLD_H
#define AG_FOLD_H

#include "internal.h"

/* The six folds fold.c knows; reduce.c maps each reduction op to one. */
typedef enum fold {
	FOLD_SUM, FOLD_MEAN, FOLD_MAX, FOLD_MIN, FOLD_ARGMAX, FOLD_ARGMIN,
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
} plan;

/* A plan to fold t over the dims marked in reduced. */
void ag_fold_plan_init(plan *p, fold op, const ag_tensor *t,
		       const bool *reduced);
/* Runs it (over OpenMP threads when it is big enough). */
void ag_fold_plan_run(const plan *p);

#endif
