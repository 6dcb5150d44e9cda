/*
 * promote.c - which dtype an op computes in, which shape it broadcasts to,
 * and which results may be written into which outputs.  PyTorch's rules,
 * because users bring their PyTorch expectations (and error searches) along.
 */
#include "internal.h"
#include "autograd.h"
#include "debug.h"
#include "node.h"

#include <math.h>

/* PyTorch's names for dtypes inside its messages ("result type Float"). */
const char *ag_dtype_scalar_name(ag_dtype t)
{
	static const char *const names[AG_NDTYPES] = {
		[AG_FLOAT32] = "Float", [AG_FLOAT64] = "Double",
		[AG_FLOAT16] = "Half", [AG_BFLOAT16] = "BFloat16",
		[AG_INT64] = "Long", [AG_BOOL] = "Bool", [AG_UINT8] = "Byte",
		[AG_INT8] = "Char", [AG_INT16] = "Short", [AG_INT32] = "Int",
	};
	return (unsigned)t < AG_NDTYPES ? names[t] : "Undefined";
}

/*
 * PyTorch's lattice restricted to agdb's dtypes: bool < the integers <
 * the floats; of two integer types the wider wins, except that uint8 and
 * int8 (neither holds the other's values) meet in int16; the wider float
 * wins, and the two 16-bit formats meet in float32 for the same reason.
 */
ag_dtype ag_promote_types(ag_dtype a, ag_dtype b)
{
	if (a == b)
		return a;
	if (a == AG_BOOL)
		return b;
	if (b == AG_BOOL)
		return a;
	if (ag_dtype_is_integral(a) && ag_dtype_is_integral(b)) {
		size_t sa = ag_dtype_size(a), sb = ag_dtype_size(b);
		if (sa == 1 && sb == 1)
			return AG_INT16;	/* uint8 with int8 */
		return sa > sb ? a : b;
	}
	if (ag_dtype_is_integral(a))
		return b;
	if (ag_dtype_is_integral(b))
		return a;
	if (a == AG_FLOAT64 || b == AG_FLOAT64)
		return AG_FLOAT64;
	return AG_FLOAT32;	/* float32 with a 16-bit one, or f16 with bf16 */
}

int ag_pointwise_types(ag_op op, ag_dtype common, ag_dtype *compute,
		       ag_dtype *result)
{
	const ag_opinfo *info = ag_op_info(op);
	ag_dtype ct = common;

	if (info->promote == AG_PROMOTE_INT_TO_FLOAT && !ag_dtype_is_floating(ct))
		ct = AG_DEFAULT_DTYPE;
	if (info->dtypes && !(info->dtypes & AG_DT(ct)))
		return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
				info->kernel, ag_dtype_scalar_name(ct));
	*compute = ct;
	*result = info->promote == AG_PROMOTE_COMPARE ? AG_BOOL : ct;
	return 0;
}

/* "No dtype yet" while folding operands into a tier. */
#define DT_NONE AG_NDTYPES

static ag_dtype promote_opt(ag_dtype a, ag_dtype b)
{
	if (a == DT_NONE)
		return b;
	if (b == DT_NONE)
		return a;
	return ag_promote_types(a, b);
}

/* A lower tier only matters when it is of a higher category (bool <
 * integral < floating) than the tier above it. */
static ag_dtype combine_tiers(ag_dtype higher, ag_dtype lower)
{
	if (higher != DT_NONE && ag_dtype_is_floating(higher))
		return higher;
	if (higher == AG_BOOL ||
	    (lower != DT_NONE && ag_dtype_is_floating(lower)))
		return promote_opt(higher, lower);
	return higher != DT_NONE ? higher : lower;
}

typedef struct tiers {
	ag_dtype dim, zero, wrapped;
} tiers;

static void add_operand(tiers *s, const ag_tensor *t)
{
	ag_dtype dt = t->dtype;

	if (t->is_wrapped_number) {
		/* a Lua float counts as the default dtype, not float64 */
		if (ag_dtype_is_floating(dt))
			dt = AG_DEFAULT_DTYPE;
		s->wrapped = promote_opt(s->wrapped, dt);
	} else if (t->ndim == 0) {
		s->zero = promote_opt(s->zero, dt);
	} else {
		s->dim = promote_opt(s->dim, dt);
	}
}

ag_dtype ag_result_type_n(ag_tensor *const *ts, int n)
{
	tiers s = { DT_NONE, DT_NONE, DT_NONE };

	for (int i = 0; i < n; i++)
		if (ts[i])
			add_operand(&s, ts[i]);
	ag_dtype r = combine_tiers(s.dim, combine_tiers(s.zero, s.wrapped));
	return r == DT_NONE ? AG_DEFAULT_DTYPE : r;
}

ag_dtype ag_result_type(const ag_tensor *a, const ag_tensor *b)
{
	ag_tensor *ts[2] = { (ag_tensor *)a, (ag_tensor *)b };
	return ag_result_type_n(ts, 2);
}

/* PyTorch's canCast: no float into an integer, nothing but bool into bool. */
bool ag_can_cast(ag_dtype from, ag_dtype to)
{
	if (ag_dtype_is_floating(from) && !ag_dtype_is_floating(to))
		return false;
	if (from != AG_BOOL && to == AG_BOOL)
		return false;
	return true;
}

int ag_check_cast(ag_dtype from, ag_dtype to)
{
	if (ag_can_cast(from, to))
		return 0;
	return ag_error(AG_ERR_DTYPE,
			"result type %s can't be cast to the desired output type %s",
			ag_dtype_scalar_name(from), ag_dtype_scalar_name(to));
}

/* Shapes are aligned at their last dims; a 1 stretches to the other size.
 * The message names the dim of the longer shape, counted from 0. */
int ag_broadcast_shapes(const int64_t *a, int na, const int64_t *b, int nb,
			int64_t *out, int *nout)
{
	int n = na > nb ? na : nb;
	int64_t res[AG_MAX_DIMS];

	if (na < 0 || nb < 0 || n > AG_MAX_DIMS)
		return ag_error(AG_ERR_SHAPE,
				"broadcast: at most %d dims are supported",
				AG_MAX_DIMS);
	for (int i = n - 1; i >= 0; i--) {
		int ia = i - (n - na), ib = i - (n - nb);
		int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
		if (sa != sb && sa != 1 && sb != 1) {
			ag_error(AG_ERR_SHAPE, "The size of tensor a (%lld) must "
				 "match the size of tensor b (%lld) at non-singleton "
				 "dimension %d", (long long)sa, (long long)sb, i);
			/* the shapes, for agdb.explain() to line them up */
			ag_error_facts f = { .kind = AG_FACT_BROADCAST, .dim = i };
			f.t[0].ndim = na;
			f.t[1].ndim = nb;
			memcpy(f.t[0].shape, a, sizeof(int64_t) * (size_t)na);
			memcpy(f.t[1].shape, b, sizeof(int64_t) * (size_t)nb);
			ag_set_error_facts(&f);
			return -1;
		}
		res[i] = sa == 1 ? sb : sa;
	}
	memcpy(out, res, sizeof(int64_t) * (size_t)n);
	*nout = n;
	return 0;
}

/* ------------------------------------------------- outputs and operands */

int ag_check_elementwise_out(const ag_tensor *out, const int64_t *shape,
			     int ndim, ag_tensor *const *inputs, int ninputs)
{
	bool same = out->ndim == ndim;

	for (int i = 0; same && i < ndim; i++)
		same = out->shape[i] == shape[i];
	if (!same) {
		char have[256], want[256];
		return ag_error(AG_ERR_SHAPE,
				"output with shape %s doesn't match the broadcast shape %s",
				ag_shape_str(out->shape, out->ndim, have, sizeof have),
				ag_shape_str(shape, ndim, want, sizeof want));
	}
	if (ag_assert_no_internal_overlap(out) < 0)
		return -1;
	for (int i = 0; i < ninputs; i++)
		if (ag_assert_no_partial_overlap(out, inputs[i]) < 0)
			return -1;
	return 0;
}

ag_tensor *ag_elementwise_alloc(const int64_t *shape, int ndim, ag_dtype dt,
				ag_tensor *const *inputs, int ninputs)
{
	for (int i = 0; i < ninputs; i++) {
		const ag_tensor *t = inputs[i];
		bool same = t->ndim == ndim;
		for (int d = 0; same && d < ndim; d++)
			same = t->shape[d] == shape[d];
		if (same)
			return ag_tensor_alloc_like(t, dt);
	}
	return ag_tensor_alloc_uninit(shape, ndim, dt);
}

float ag_round_float(float v, ag_dtype t)
{
	if (t == AG_FLOAT16)
		return ag_half_to_float(ag_float_to_half(v));
	if (t == AG_BFLOAT16)
		return ag_bf16_to_float(ag_float_to_bf16(v));
	return v;
}

/* A 0-dim operand converted to the compute dtype (scalar_operand's
 * slow part, out of its common path). */
static __attribute__((noinline)) ag_tensor *scalar_converted(ag_tensor *t,
							     ag_dtype compute)
{
	if (t->is_wrapped_number && !ag_requires_grad(t) && !ag_fw_hooks_active &&
	    t->dtype != AG_FLOAT16 && t->dtype != AG_BFLOAT16 &&
	    compute != AG_FLOAT16 && compute != AG_BFLOAT16) {
		/* a Lua number (x * 2): nothing to record, one value to
		 * convert as ag_to_dtype's loop would */
		ag_tensor *c = ag_tensor_alloc_uninit(NULL, 0, compute);
		if (c)
			ag_convert(ag_data_ptr(c), compute, ag_data_ptr(t), t->dtype);
		return c;
	}
	/* an internal conversion: recorded (it may carry a gradient) but
	 * not a user's op in the trace log */
	ag_trace_suspend();
	ag_tensor *c = ag_to_dtype(t, compute);
	ag_trace_resume();
	return c;
}

ag_tensor *ag_scalar_operand(ag_tensor *t, ag_dtype compute)
{
	if (t->ndim == 0 && t->dtype != compute)
		return scalar_converted(t, compute);
	ag_tensor_retain(t);
	return t;
}

ag_tensor *ag_number_operand(double v)
{
	/* integral values within int64's range count as Lua integers */
	bool integral = isfinite(v) && v == trunc(v) &&
			fabs(v) < 9223372036854775808.0;
	ag_tensor *t = ag_tensor_alloc(NULL, 0, integral ? AG_INT64 : AG_FLOAT64);

	if (!t)
		return NULL;
	if (integral)
		*(int64_t *)ag_data_ptr(t) = (int64_t)v;
	else
		*(double *)ag_data_ptr(t) = v;
	t->is_wrapped_number = true;
	return t;
}
