/*
 * reduce.c - the reductions that fold elements one by one: sum, mean,
 * prod, nansum, max, min, amax, amin, argmax, argmin, all, any and
 * count_nonzero over all elements or over some dims, with PyTorch's dtype
 * rules and error texts; max/min along a dim; sum_to_size.  The kernels
 * that fold the elements are fold.c's.
 */
#include "internal.h"
#include "record.h"
#include "fold.h"

/* The fold of a reduction op, or FOLD_COUNT for any other op. */
static fold fold_of(ag_op op)
{
	switch (op) {
	case AG_OP_SUM: return FOLD_SUM;
	case AG_OP_MEAN: return FOLD_MEAN;
	case AG_OP_MAX: case AG_OP_AMAX: return FOLD_MAX;
	case AG_OP_MIN: case AG_OP_AMIN: return FOLD_MIN;
	case AG_OP_ARGMAX: return FOLD_ARGMAX;
	case AG_OP_ARGMIN: return FOLD_ARGMIN;
	case AG_OP_PROD: return FOLD_PROD;
	case AG_OP_NANSUM: return FOLD_NANSUM;
	case AG_OP_ALL: return FOLD_ALL;
	case AG_OP_ANY: return FOLD_ANY;
	case AG_OP_COUNT_NONZERO: return FOLD_NONZERO;
	default: return FOLD_COUNT;
	}
}

/* Extremes over a list of dims are torch.amax / torch.amin: their own op
 * (AmaxBackward0), named so in messages. */
static ag_op dims_op(ag_op op)
{
	return op == AG_OP_MAX ? AG_OP_AMAX : op == AG_OP_MIN ? AG_OP_AMIN : op;
}

/* --------------------------------------------------------------- checks */

static bool is_arg(fold op) { return op == FOLD_ARGMAX || op == FOLD_ARGMIN; }
static bool is_extreme(fold op) { return op == FOLD_MAX || op == FOLD_MIN; }
/* ops that take at most one dim: argmax, argmin, prod, all, any */
static bool one_dim(fold op)
{
	return is_arg(op) || op == FOLD_PROD || op == FOLD_ALL || op == FOLD_ANY;
}

static int check_input(ag_op op, const ag_tensor *t)
{
	fold f = fold_of(op);

	if (f == FOLD_COUNT)
		return ag_error(AG_ERR_VALUE, "invalid reduction %d", (int)op);
	if (!t)
		return ag_error(AG_ERR_VALUE, "%s(): expected a tensor, got nothing",
				ag_op_name(op));
	if (f == FOLD_MEAN && !ag_dtype_is_floating(t->dtype))
		return ag_error(AG_ERR_DTYPE, "mean(): could not infer output "
				"dtype. Input dtype must be either a floating "
				"point or complex dtype. Got: %s",
				ag_dtype_scalar_name(t->dtype));
	return 0;
}

static int check_arg_dtype(ag_op op, const ag_tensor *t)
{
	if (is_arg(fold_of(op)) && t->dtype == AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "\"%s_cpu\" not implemented for '%s'",
				ag_op_name(op), ag_dtype_scalar_name(t->dtype));
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
	if ((op == FOLD_SUM || op == FOLD_PROD || op == FOLD_NANSUM) &&
	    !ag_dtype_is_floating(in))
		return AG_INT64;
	if (is_arg(op) || op == FOLD_NONZERO)
		return AG_INT64;
	if (op == FOLD_ALL || op == FOLD_ANY)
		return AG_BOOL;
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

ag_reduce_args ag_reduce_args_of(const ag_tensor *t, const bool *mask,
				 bool all, bool keepdim)
{
	ag_reduce_args a = { .in = ag_shape_of(t), .all = all || t->ndim == 0,
			     .keepdim = keepdim, .count = 1 };

	for (int d = 0; d < t->ndim && !a.all; d++)
		if (mask[d]) {
			a.dims[a.ndims++] = d;
			/* an empty tensor's other dims may be huge: saturate
			 * (a later 0 still makes it 0; the count of an empty
			 * result is never read) */
			if (__builtin_mul_overflow(a.count, t->shape[d], &a.count))
				a.count = INT64_MAX;
		}
	if (a.all)
		a.count = ag_numel(t);
	return a;
}

int ag_reduce_mask(const ag_tensor *t, const int *dims, int ndims,
		   const char *name, bool *mask)
{
	if (ndims > 0 && !dims)
		return ag_error(AG_ERR_VALUE, "%s(): no dims given", name);
	if (ndims == 0) {
		mask_all(t, mask);
		return 0;
	}
	return dims_to_mask(FOLD_SUM, t, dims, ndims, name, mask);
}

int ag_reduce_out_shape(const ag_tensor *t, const bool *mask, bool keepdim,
			int64_t *shape)
{
	return out_shape(t, mask, keepdim, shape);
}

/* The autograd record of a finished reduction (trace log, backward node);
 * on failure the result is dropped.  Dims go over as wrapped, ascending
 * and unique; a 0-d input counts as a reduction over everything, except
 * for amax/amin, whose backward is the same over all dims as over some. */
static ag_tensor *record(ag_op op, ag_tensor *r, ag_tensor *t,
			 const bool *mask, bool all, bool keepdim)
{
	bool per_dim = op == AG_OP_AMAX || op == AG_OP_AMIN;
	ag_reduce_args a = ag_reduce_args_of(t, mask, all && !per_dim, keepdim);

	if (per_dim && t->ndim == 0)
		a.all = false;
	/* SumBackward1, MeanBackward1, ProdBackward1: over dims */
	return ag_recorded(r, (ag_call){ .op = op,
		.variant = !a.all && ag_op_info(op)->grad_fn[1],
		.in = &t, .nin = 1, .args = &a, .args_size = sizeof a });
}

/* ----------------------------------------------------------- public ops */

ag_tensor *ag_reduce_all(ag_op op, ag_tensor *t)
{
	fold f = fold_of(op);
	bool mask[AG_MAX_DIMS];

	if (op == AG_OP_AMAX || op == AG_OP_AMIN)
		return ag_reduce_dims(op, t, NULL, 0, false);
	if (check_input(op, t) < 0 ||
	    check_nonempty_all(f, t, ag_op_name(op)) < 0 ||
	    check_arg_dtype(op, t) < 0)
		return NULL;
	mask_all(t, mask);
	return record(op, compute_single(f, t, mask, false), t, mask, true,
		      false);
}

ag_tensor *ag_reduce_dims(ag_op op, ag_tensor *t, const int *dims,
			  int ndims, bool keepdim)
{
	fold f = fold_of(op);
	bool mask[AG_MAX_DIMS];
	const char *name;

	if (check_input(op, t) < 0)
		return NULL;
	op = dims_op(op);
	name = ag_op_name(op);
	if (ndims > 0 && !dims) {
		ag_error(AG_ERR_VALUE, "%s(): no dims given", name);
		return NULL;
	}
	if (one_dim(f) && ndims > 1) {
		ag_error(AG_ERR_VALUE, "%s(): expected one dim to reduce, got %d",
			 name, ndims);
		return NULL;
	}
	if (ndims == 0) {
		if (check_nonempty_all(f, t, name) < 0)
			return NULL;
		mask_all(t, mask);
	} else if (dims_to_mask(f, t, dims, ndims, name, mask) < 0) {
		return NULL;
	}
	bool trivial = false;	/* every index is 0: torch runs no kernel */
	if (is_arg(f) && ndims == 1) {
		int d;
		ag_wrap_dim(dims[0], t->ndim, &d);
		if (check_dim_nonempty(name, t, d, d) < 0)
			return NULL;
		trivial = t->ndim > 0 && (t->shape[d] == 1 || ag_numel(t) == 0);
	}
	if (!trivial && check_arg_dtype(op, t) < 0)
		return NULL;
	if (is_arg(f) && ndims == 0 && keepdim) {
		/* argmax(dim=None, keepdim=True): every dim kept as size 1 */
		ag_tensor *r = compute_single(f, t, mask, false), *v;
		int64_t ones[AG_MAX_DIMS];
		if (!r)
			return NULL;
		for (int d = 0; d < t->ndim; d++)
			ones[d] = 1;
		v = ag_view(r, ones, t->ndim);
		ag_tensor_release(r);
		return record(op, v, t, mask, true, true);
	}
	return record(op, compute_single(f, t, mask, keepdim), t, mask, false,
		      keepdim);
}

static int extreme_dim(ag_op op, ag_tensor *t, int dim, bool keepdim,
		       ag_tensor **values, ag_tensor **indices)
{
	bool mask[AG_MAX_DIMS] = { false };
	bool is_max = op == AG_OP_MAX;
	int d;

	if (values)
		*values = NULL;
	if (indices)
		*indices = NULL;
	if (!values || !indices)
		return ag_error(AG_ERR_VALUE, "%s(): values and indices must both "
				"be requested", ag_op_name(op));
	if (check_input(op, t) < 0 || ag_wrap_dim(dim, t->ndim, &d) < 0 ||
	    check_dim_nonempty(ag_op_name(op), t, d, d) < 0)
		return -1;
	if (t->ndim > 0)
		mask[d] = true;
	if (compute(is_max ? FOLD_ARGMAX : FOLD_ARGMIN, t, mask, keepdim,
		    values, indices) < 0)
		return -1;
	ag_tensor *outs[2] = { *values, *indices };
	if (ag_record(&(ag_call){ .op = is_max ? AG_OP_MAX_DIM : AG_OP_MIN_DIM,
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
	return extreme_dim(AG_OP_MAX, t, dim, keepdim, values, indices);
}

int ag_min_dim(ag_tensor *t, int dim, bool keepdim, ag_tensor **values,
	       ag_tensor **indices)
{
	return extreme_dim(AG_OP_MIN, t, dim, keepdim, values, indices);
}

int ag_aminmax(ag_tensor *t, const int *dim, bool keepdim, ag_tensor **min,
	       ag_tensor **max)
{
	bool mask[AG_MAX_DIMS] = { false };
	ag_tensor *outs[2] = { NULL, NULL };
	int d;

	*min = *max = NULL;
	if (!t)
		return ag_error(AG_ERR_VALUE, "aminmax(): expected a tensor");
	if (dim && ag_wrap_dim(*dim, t->ndim, &d) < 0)
		return -1;
	if (!dim) {
		if (ag_numel(t) == 0)
			return ag_error(AG_ERR_INDEX, "aminmax(): cannot compute "
					"aminmax over an empty dimension as the "
					"operation has no identity.");
		mask_all(t, mask);
	} else if (t->ndim > 0) {
		if (t->shape[d] == 0)
			return ag_error(AG_ERR_INDEX, "aminmax: Expected reduction "
					"dim %d to have non-zero size.", d);
		mask[d] = true;
	}
	if (compute(FOLD_MIN, t, mask, keepdim, &outs[0], NULL) < 0 ||
	    compute(FOLD_MAX, t, mask, keepdim, &outs[1], NULL) < 0)
		goto fail;
	if (ag_record(&(ag_call){ .op = AG_OP_AMINMAX, .in = &t, .nin = 1,
				  .out = outs, .nout = 2 }) < 0)
		goto fail;
	*min = outs[0];
	*max = outs[1];
	return 0;
fail:
	ag_tensor_release(outs[0]);
	ag_tensor_release(outs[1]);
	return -1;
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
