/*
 * reduce.c - sum, mean, max, min, argmax, argmin over all elements or over
 * some dims, with PyTorch's dtype rules and error texts; max/min along a
 * dim; sum_to_size.  The kernels that fold the elements are fold.c's.
 */
#include "internal.h"
#include "record.h"
#include "fold.h"

static const ag_op fold_ops[FOLD_COUNT] = {
	[FOLD_SUM] = AG_OP_SUM, [FOLD_MEAN] = AG_OP_MEAN, [FOLD_MAX] = AG_OP_MAX,
	[FOLD_MIN] = AG_OP_MIN, [FOLD_ARGMAX] = AG_OP_ARGMAX,
	[FOLD_ARGMIN] = AG_OP_ARGMIN,
};

/* The fold of a reduction op, or FOLD_COUNT for any other op. */
static fold fold_of(ag_op op)
{
	for (int f = 0; f < FOLD_COUNT; f++)
		if (fold_ops[f] == op)
			return (fold)f;
	return FOLD_COUNT;
}

static const char *fold_name(fold f) { return ag_op_name(fold_ops[f]); }

/* --------------------------------------------------------------- checks */

static bool is_arg(fold op) { return op == FOLD_ARGMAX || op == FOLD_ARGMIN; }
static bool is_extreme(fold op) { return op == FOLD_MAX || op == FOLD_MIN; }

static int check_input(fold op, const ag_tensor *t)
{
	if ((unsigned)op >= FOLD_COUNT)
		return ag_error(AG_ERR_VALUE, "invalid reduction %d", (int)op);
	if (!t)
		return ag_error(AG_ERR_VALUE, "%s(): expected a tensor, got nothing",
				fold_name(op));
	if (op == FOLD_MEAN && !ag_dtype_is_floating(t->dtype))
		return ag_error(AG_ERR_DTYPE, "mean(): could not infer output "
				"dtype. Input dtype must be either a floating "
				"point or complex dtype. Got: %s",
				ag_dtype_scalar_name(t->dtype));
	return 0;
}

static int check_arg_dtype(fold op, const ag_tensor *t)
{
	if (is_arg(op) && t->dtype == AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "\"%s_cpu\" not implemented for '%s'",
				fold_name(op), ag_dtype_scalar_name(t->dtype));
	return 0;
}

/* max/min/argmax/argmin have no value for an empty input. */
static int check_nonempty_all(fold op, const ag_tensor *t,
			      const char *name)
{
	if (ag_numel(t) != 0 || !(is_extreme(op) || is_arg(op)))
		return 0;
	if (is_arg(op))
		return ag_error(AG_ERR_INDEX, "%s(): Expected reduction dim to be "
				"specified for input.numel() == 0.", name);
	return ag_error(AG_ERR_VALUE, "%s(): Expected reduction dim to be "
			"specified for input.numel() == 0. Specify the reduction "
			"dim with the 'dim' argument.", name);
}

static int64_t dim_size(const ag_tensor *t, int d)
{
	return t->ndim == 0 ? 1 : t->shape[d];
}

static int check_dim_nonempty(const char *name, const ag_tensor *t, int d,
			      int64_t shown)
{
	if (dim_size(t, d) == 0)
		return ag_error(AG_ERR_INDEX, "%s(): Expected reduction dim %lld "
				"to have non-zero size.", name, (long long)shown);
	return 0;
}

/*
 * Turns a list of dims into a mask.  Extremes over several dims check each
 * dim's size while wrapping, and name the dim as the caller wrote it (as
 * torch.amax does); everything else wraps all dims first.
 */
static int dims_to_mask(fold op, const ag_tensor *t, const int *dims,
			int ndims, const char *name, bool *mask)
{
	int d;

	memset(mask, 0, sizeof(bool) * AG_MAX_DIMS);
	if (ndims < 0)
		return ag_error(AG_ERR_VALUE, "%s(): invalid number of dims %d",
				name, ndims);
	for (int i = 0; i < ndims; i++) {
		if (ag_wrap_dim(dims[i], t->ndim, &d) < 0)
			return -1;
		if (is_extreme(op) && check_dim_nonempty(name, t, d, dims[i]) < 0)
			return -1;
	}
	for (int i = 0; i < ndims; i++) {
		ag_wrap_dim(dims[i], t->ndim, &d);
		if (mask[d])
			return ag_error(AG_ERR_VALUE, "dim %d appears multiple times "
					"in the list of dims", d);
		mask[d] = true;
	}
	return 0;
}

/* ------------------------------------------------------------- compute */

static ag_dtype value_dtype(fold op, ag_dtype in)
{
	if (op == FOLD_SUM && !ag_dtype_is_floating(in))
		return AG_INT64;
	if (is_arg(op))
		return AG_INT64;
	return in;
}

/* Output shape: kept dims, and 1 for reduced dims under keepdim. */
static int out_shape(const ag_tensor *t, const bool *mask, bool keepdim,
		     int64_t *shape)
{
	int n = 0;
	for (int d = 0; d < t->ndim; d++)
		if (!mask[d])
			shape[n++] = t->shape[d];
		else if (keepdim)
			shape[n++] = 1;
	return n;
}

/* Allocates the outputs and runs the plan; either output may be skipped. */
static int compute(fold op, ag_tensor *t, const bool *mask,
		   bool keepdim, ag_tensor **values, ag_tensor **indices)
{
	int64_t shape[AG_MAX_DIMS];
	int n = out_shape(t, mask, keepdim, shape);
	ag_tensor *v = NULL, *ix = NULL;
	plan p;

	ag_fold_plan_init(&p, op, t, mask);
	if (values) {
		p.vdt = value_dtype(is_arg(op) ? (op == FOLD_ARGMAX ? FOLD_MAX : FOLD_MIN)
					       : op, t->dtype);
		v = ag_tensor_alloc(shape, n, p.vdt);
		if (!v)
			return -1;
		p.vout = ag_data_ptr(v);
	}
	if (indices) {
		ix = ag_tensor_alloc(shape, n, AG_INT64);
		if (!ix) {
			ag_tensor_release(v);
			return -1;
		}
		p.iout = ag_data_ptr(ix);
	}
	ag_fold_plan_run(&p);
	if (ag_check_interrupt() < 0) {	/* Ctrl-C cut the loops short */
		ag_tensor_release(v);
		ag_tensor_release(ix);
		return -1;
	}
	if (values)
		*values = v;
	if (indices)
		*indices = ix;
	return 0;
}

/* A single result: values for sum/mean/max/min, positions for arg ops. */
static ag_tensor *compute_single(fold op, ag_tensor *t,
				 const bool *mask, bool keepdim)
{
	ag_tensor *r = NULL;
	if (is_arg(op)) {
		if (compute(op, t, mask, keepdim, NULL, &r) < 0)
			return NULL;
	} else if (compute(op, t, mask, keepdim, &r, NULL) < 0) {
		return NULL;
	}
	return r;
}

static void mask_all(const ag_tensor *t, bool *mask)
{
	for (int d = 0; d < AG_MAX_DIMS; d++)
		mask[d] = d < t->ndim;
}

/* The autograd record of a finished reduction (trace log, backward node);
 * on failure the result is dropped.  Dims go over as wrapped, ascending
 * and unique; a 0-d input counts as a reduction over everything. */
static ag_tensor *record(fold op, ag_tensor *r, ag_tensor *t,
			 const bool *mask, bool all, bool keepdim)
{
	ag_reduce_args a = { .in = ag_shape_of(t), .all = all || t->ndim == 0,
			     .keepdim = keepdim, .count = 1 };

	for (int d = 0; d < t->ndim && !a.all; d++)
		if (mask[d]) {
			a.dims[a.ndims++] = d;
			a.count *= t->shape[d];
		}
	if (a.all)
		a.count = ag_numel(t);
	/* SumBackward1, MeanBackward1: over dims */
	return ag_recorded(r, (ag_call){ .op = fold_ops[op], .variant = !a.all,
		.in = &t, .nin = 1, .args = &a, .args_size = sizeof a });
}

/* ----------------------------------------------------------- public ops */

ag_tensor *ag_reduce_all(ag_op reduction, ag_tensor *t)
{
	fold op = fold_of(reduction);
	bool mask[AG_MAX_DIMS];

	if (check_input(op, t) < 0 ||
	    check_nonempty_all(op, t, fold_name(op)) < 0 ||
	    check_arg_dtype(op, t) < 0)
		return NULL;
	mask_all(t, mask);
	return record(op, compute_single(op, t, mask, false), t, mask, true,
		      false);
}

ag_tensor *ag_reduce_dims(ag_op reduction, ag_tensor *t, const int *dims,
			  int ndims, bool keepdim)
{
	fold op = fold_of(reduction);
	bool mask[AG_MAX_DIMS];
	/* extremes over a list of dims are torch.amax / torch.amin */
	const char *name = op == FOLD_MAX ? "amax" : op == FOLD_MIN ? "amin"
			 : (unsigned)op < FOLD_COUNT ? fold_name(op) : "";

	if (check_input(op, t) < 0)
		return NULL;
	if (ndims > 0 && !dims) {
		ag_error(AG_ERR_VALUE, "%s(): no dims given", name);
		return NULL;
	}
	if (is_arg(op) && ndims > 1) {
		ag_error(AG_ERR_VALUE, "%s(): expected one dim to reduce, got %d",
			 name, ndims);
		return NULL;
	}
	if (ndims == 0) {
		if (check_nonempty_all(op, t, name) < 0)
			return NULL;
		mask_all(t, mask);
	} else if (dims_to_mask(op, t, dims, ndims, name, mask) < 0) {
		return NULL;
	}
	bool trivial = false;	/* every index is 0: torch runs no kernel */
	if (is_arg(op) && ndims == 1) {
		int d;
		ag_wrap_dim(dims[0], t->ndim, &d);
		if (check_dim_nonempty(name, t, d, d) < 0)
			return NULL;
		trivial = t->ndim > 0 && (t->shape[d] == 1 || ag_numel(t) == 0);
	}
	if (!trivial && check_arg_dtype(op, t) < 0)
		return NULL;
	if (is_arg(op) && ndims == 0 && keepdim) {
		/* argmax(dim=None, keepdim=True): every dim kept as size 1 */
		ag_tensor *r = compute_single(op, t, mask, false), *v;
		int64_t ones[AG_MAX_DIMS];
		if (!r)
			return NULL;
		for (int d = 0; d < t->ndim; d++)
			ones[d] = 1;
		v = ag_view(r, ones, t->ndim);
		ag_tensor_release(r);
		return record(op, v, t, mask, true, true);
	}
	return record(op, compute_single(op, t, mask, keepdim), t, mask, false,
		      keepdim);
}

static int extreme_dim(fold op, ag_tensor *t, int dim, bool keepdim,
		       ag_tensor **values, ag_tensor **indices)
{
	bool mask[AG_MAX_DIMS] = { false };
	int d;

	if (values)
		*values = NULL;
	if (indices)
		*indices = NULL;
	if (!values || !indices)
		return ag_error(AG_ERR_VALUE, "%s(): values and indices must both "
				"be requested", fold_name(op));
	if (check_input(op, t) < 0 || ag_wrap_dim(dim, t->ndim, &d) < 0 ||
	    check_dim_nonempty(fold_name(op), t, d, d) < 0)
		return -1;
	if (t->ndim > 0)
		mask[d] = true;
	if (compute(op == FOLD_MAX ? FOLD_ARGMAX : FOLD_ARGMIN, t, mask, keepdim,
		    values, indices) < 0)
		return -1;
	ag_tensor *outs[2] = { *values, *indices };
	if (ag_record(&(ag_call){ .op = op == FOLD_MAX ? AG_OP_MAX_DIM
						      : AG_OP_MIN_DIM,
		.in = &t, .nin = 1, .out = outs, .nout = 2,
		.args = &(ag_dim_args){ .dim = d, .keepdim = keepdim,
					.in = ag_shape_of(t) },
		.args_size = sizeof(ag_dim_args) }) < 0) {
		ag_tensor_release(*values);
		ag_tensor_release(*indices);
		*values = *indices = NULL;
		return -1;
	}
	return 0;
}

int ag_max_dim(ag_tensor *t, int dim, bool keepdim, ag_tensor **values,
	       ag_tensor **indices)
{
	return extreme_dim(FOLD_MAX, t, dim, keepdim, values, indices);
}

int ag_min_dim(ag_tensor *t, int dim, bool keepdim, ag_tensor **values,
	       ag_tensor **indices)
{
	return extreme_dim(FOLD_MIN, t, dim, keepdim, values, indices);
}

ag_tensor *ag_sum(ag_tensor *t) { return ag_reduce_all(AG_OP_SUM, t); }
ag_tensor *ag_mean(ag_tensor *t) { return ag_reduce_all(AG_OP_MEAN, t); }

ag_tensor *ag_sum_to_size(ag_tensor *g, const int64_t *shape, int ndim)
{
	int dims[AG_MAX_DIMS], n = 0, lead = g->ndim - ndim;
	if (lead < 0) {
		ag_error(AG_ERR_SHAPE, "sum_to_size: size is not expandable to the "
			 "tensor size");
		return NULL;
	}
	for (int i = 0; i < g->ndim; i++)
		if (i < lead || (shape[i - lead] == 1 && g->shape[i] != 1))
			dims[n++] = i;
	if (n == 0) {
		ag_tensor_retain(g);
		return g;
	}
	ag_tensor *s = ag_reduce_dims(AG_OP_SUM, g, dims, n, true);
	if (!s)
		return NULL;
	ag_tensor *r = ag_reshape(s, shape, ndim);
	ag_tensor_release(s);
	return r;
}
