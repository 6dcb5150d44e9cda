/*
 * moments.c - var, std, var_mean and std_mean over all elements or over
 * some dims, with PyTorch's correction (the divisor is count - correction;
 * unbiased is correction 1) and dtype rules.  The kernel is fold.c's
 * FOLD_VAR: blockwise two-pass, in double.
 */
#include "internal.h"
#include "record.h"
#include "fold.h"

#include <math.h>

static bool is_std(ag_op op) { return op == AG_OP_STD || op == AG_OP_STD_MEAN; }
static bool with_mean(ag_op op)
{
	return op == AG_OP_VAR_MEAN || op == AG_OP_STD_MEAN;
}

static int check(ag_op op, const ag_tensor *t)
{
	if (op != AG_OP_VAR && op != AG_OP_STD && !with_mean(op))
		return ag_error(AG_ERR_VALUE, "invalid moment op %d", (int)op);
	if (!t)
		return ag_error(AG_ERR_VALUE, "%s(): expected a tensor, got nothing",
				ag_op_name(op));
	if (!ag_dtype_is_floating(t->dtype))
		return ag_error(AG_ERR_DTYPE, "%s only support floating point and "
				"complex dtypes", with_mean(op) ? ag_op_name(op)
							 : "std and var");
	return 0;
}

int ag_var_mean(ag_op op, ag_tensor *t, const int *dims, int ndims,
		double correction, bool keepdim, ag_tensor **var,
		ag_tensor **mean)
{
	bool mask[AG_MAX_DIMS];
	int64_t shape[AG_MAX_DIMS];
	ag_tensor *v = NULL, *m = NULL;
	plan p;
	int n;

	*var = NULL;
	if (mean)
		*mean = NULL;
	if (check(op, t) < 0 ||
	    ag_reduce_mask(t, dims, ndims, ag_op_name(op), mask) < 0)
		return -1;
	if (with_mean(op) && !mean)
		return ag_error(AG_ERR_VALUE, "%s(): no place for the mean",
				ag_op_name(op));
	n = ag_reduce_out_shape(t, mask, keepdim, shape);
	v = ag_tensor_alloc_uninit(shape, n, t->dtype);
	if (v && with_mean(op))
		m = ag_tensor_alloc_uninit(shape, n, t->dtype);
	if (!v || (with_mean(op) && !m)) {
		ag_tensor_release(v);
		return -1;
	}
	ag_fold_plan_init(&p, FOLD_VAR, t, mask);
	p.vdt = t->dtype;
	p.vout = ag_data_ptr(v);
	p.mout = m ? ag_data_ptr(m) : NULL;
	p.correction = correction;
	p.root = is_std(op);
	ag_fold_plan_run(&p);

	ag_var_args a = { .r = ag_reduce_args_of(t, mask, ndims == 0 && !keepdim,
						   keepdim),
			  .correction = correction };
	ag_tensor *outs[2] = { v, m };
	if (ag_record(&(ag_call){ .op = op, .in = &t, .nin = 1, .out = outs,
				  .nout = m ? 2 : 1, .args = &a,
				  .args_size = sizeof a }) < 0) {
		ag_tensor_release(v);
		ag_tensor_release(m);
		return -1;
	}
	*var = v;
	if (mean)
		*mean = m;
	return 0;
}

ag_tensor *ag_var(ag_op op, ag_tensor *t, const int *dims, int ndims,
		  double correction, bool keepdim)
{
	ag_tensor *v;

	if (with_mean(op)) {
		ag_error(AG_ERR_VALUE, "%s(): two results; call ag_var_mean",
			 ag_op_name(op));
		return NULL;
	}
	return ag_var_mean(op, t, dims, ndims, correction, keepdim, &v, NULL) < 0
	       ? NULL : v;
}
