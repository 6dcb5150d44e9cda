/*
 * ternary.c - the pointwise ops of three tensors: where(cond, a, b),
 * lerp(start, end, weight), addcmul and addcdiv (self + value * t1 (op)
 * t2), and clamp with tensor bounds.  One driver broadcasts the three,
 * applies each op's dtype rule (PyTorch's: lerp wants one dtype, addcmul
 * promotes, where promotes its values), writes fresh or in place, and
 * records.
 */
#include "internal.h"
#include "half_ew.h"
#include "record.h"

#include <math.h>

#ifdef _OPENMP
#define SIMD _Pragma("omp simd")
#else
#define SIMD
#endif

typedef struct ternary_ctx {
	ag_op op;
	ag_dtype compute;
	ag_dtype dt[4];		/* out, x, y, z */
	double value;		/* addcmul, addcdiv */
	bool has_y, has_z;	/* clamp: which bounds there are */
	bool exact_z;		/* z is not rounded to a 16-bit compute
				 * dtype (lerp's number weight) */
} ternary_ctx;

/* ------------------------------------------------------------- formulas */

/* lerp as PyTorch computes it (exact at both ends); clamp lets a NaN of
 * any operand through, as PyTorch's tensor clamp does. */
#define DEFINE_TERNARY(name, T, FABS)					\
static inline T name(const ternary_ctx *c, T x, T y, T z)		\
{									\
	switch (c->op) {						\
	case AG_OP_LERP:						\
		return FABS(z) < (T)0.5 ? x + z * (y - x)		\
					: y - (y - x) * ((T)1 - z);	\
	case AG_OP_ADDCMUL: return x + (T)c->value * y * z;		\
	case AG_OP_ADDCDIV: return x + (T)c->value * y / z;		\
	case AG_OP_CLAMP_TENSOR:					\
		if (x != x)						\
			return x;					\
		if (c->has_y) {						\
			if (y != y)					\
				return y;				\
			x = x < y ? y : x;				\
		}							\
		if (c->has_z) {						\
			if (z != z)					\
				return z;				\
			x = z < x ? z : x;				\
		}							\
		return x;						\
	default: return 0;						\
	}								\
}
DEFINE_TERNARY(f32_ternary, float, fabsf)
DEFINE_TERNARY(f64_ternary, double, fabs)

/* Integer dtypes: addcmul wraps, clamp clamps (lerp and addcdiv refuse
 * integers before they get here). */
static int64_t int_ternary(const ternary_ctx *c, int64_t x, int64_t y,
			   int64_t z)
{
	switch (c->op) {
	case AG_OP_ADDCMUL: {
		uint64_t v = (uint64_t)(int64_t)c->value;
		return (int64_t)((uint64_t)x + v * (uint64_t)y * (uint64_t)z);
	}
	case AG_OP_CLAMP_TENSOR:
		if (c->has_y && x < y)
			x = y;
		if (c->has_z && z < x)
			x = z;
		return x;
	default: return 0;
	}
}

/* ---------------------------------------------------------- inner loops */

static void ternary_generic(char **data, const int64_t *st, int64_t n,
			    void *vctx)
{
	const ternary_ctx *c = vctx;
	char *o = data[0], *x = data[1], *y = data[2], *z = data[3];
	ag_dtype ct = c->compute;

	for (int64_t i = 0; i < n; i++) {
		if (!ag_dtype_is_floating(ct)) {
			int64_t r = int_ternary(c, ag_load_i64(x, c->dt[1]),
						ag_load_i64(y, c->dt[2]),
						ag_load_i64(z, c->dt[3]));
			ag_store_i64(o, c->dt[0], ct == AG_BOOL ? r != 0 : r);
		} else if (ct == AG_FLOAT64) {
			ag_store(o, c->dt[0], f64_ternary(c, ag_load(x, c->dt[1]),
				 ag_load(y, c->dt[2]), ag_load(z, c->dt[3])));
		} else {
			float a = ag_round_float((float)ag_load(x, c->dt[1]), ct);
			float b = ag_round_float((float)ag_load(y, c->dt[2]), ct);
			float d = (float)ag_load(z, c->dt[3]);
			if (!c->exact_z)
				d = ag_round_float(d, ct);
			ag_store(o, c->dt[0], ag_round_float(f32_ternary(c, a, b, d),
							     ct));
		}
		o += st[0]; x += st[1]; y += st[2]; z += st[3];
	}
}

/* One dtype everywhere: the dense run (with a broadcast scalar weight or
 * bound at stride 0) vectorises; other runs step by their strides. */
#define DEFINE_TYPED_TERNARY(name, T, OPFN)				\
static void name(char **data, const int64_t *st, int64_t n, void *vctx)	\
{									\
	const ternary_ctx *c = vctx;					\
	T *restrict o = (T *)data[0];					\
	const T *x = (const T *)data[1], *y = (const T *)data[2];	\
	const T *z = (const T *)data[3];				\
	const int64_t es = sizeof(T);					\
									\
	if (st[0] == es && st[1] == es && st[2] == es && st[3] == es) {	\
		SIMD for (int64_t i = 0; i < n; i++)			\
			o[i] = OPFN(c, x[i], y[i], z[i]);		\
		return;							\
	}								\
	if (st[0] == es && st[1] == es && st[2] == es && st[3] == 0) {	\
		const T w = *z;						\
		SIMD for (int64_t i = 0; i < n; i++)			\
			o[i] = OPFN(c, x[i], y[i], w);			\
		return;							\
	}								\
	for (int64_t i = 0; i < n; i++)					\
		*(T *)((char *)o + i * st[0]) = OPFN(c,			\
			*(const T *)((const char *)x + i * st[1]),	\
			*(const T *)((const char *)y + i * st[2]),	\
			*(const T *)((const char *)z + i * st[3]));	\
}
DEFINE_TYPED_TERNARY(ternary_f32, float, f32_ternary)
DEFINE_TYPED_TERNARY(ternary_f64, double, f64_ternary)

/* float16/bfloat16 everywhere: the float32 loop a block at a time. */
static void ternary_half(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const ternary_ctx *c = vctx;
	ag_half_blocks(ternary_f32, vctx, data, st, n, 3, c->compute);
}

/* where: a copy from a or b, converted to the result's dtype. */
static void where_loop(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const ternary_ctx *c = vctx;
	char *o = data[0], *k = data[1], *a = data[2], *b = data[3];
	size_t es = ag_dtype_size(c->dt[0]);

	for (int64_t i = 0; i < n; i++) {
		const char *src = *(const uint8_t *)k ? a : b;
		ag_dtype sdt = *(const uint8_t *)k ? c->dt[2] : c->dt[3];
		if (sdt == c->dt[0])
			memcpy(o, src, es);
		else
			ag_convert(o, c->dt[0], src, sdt);
		o += st[0]; k += st[1]; a += st[2]; b += st[3];
	}
}

/* ------------------------------------------------------------- dtypes */

static int not_implemented(const char *kernel, ag_dtype dt)
{
	return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'", kernel,
			ag_dtype_scalar_name(dt));
}

/* lerp wants end (and a tensor weight) of start's dtype. */
static int lerp_types(ag_tensor *const in[3], ag_dtype *ct)
{
	ag_dtype dt = in[0]->dtype;
	bool number = in[2]->is_wrapped_number;

	if (in[1]->dtype != dt)
		return ag_error(AG_ERR_DTYPE, "expected dtype %s for `end` but got "
				"dtype %s", ag_dtype_typeid_name(dt),
				ag_dtype_typeid_name(in[1]->dtype));
	if (!number && in[2]->dtype != dt)
		return ag_error(AG_ERR_DTYPE, "expected dtype %s for `weight` but "
				"got dtype %s", ag_dtype_typeid_name(dt),
				ag_dtype_typeid_name(in[2]->dtype));
	if (!(AG_DT_FLOATS & AG_DT(dt)))
		return not_implemented(number ? "lerp_kernel_scalar"
					      : "lerp_kernel_tensor", dt);
	*ct = dt;
	return 0;
}

static int addc_types(ag_op op, ag_tensor *const in[3], ag_dtype *ct)
{
	*ct = ag_result_type_n(in, 3);
	if (op == AG_OP_ADDCDIV && !ag_dtype_is_floating(in[1]->dtype) &&
	    !ag_dtype_is_floating(in[2]->dtype))
		return ag_error(AG_ERR_DTYPE, "Integer division with addcdiv is no "
			"longer supported, and in a future  release addcdiv will "
			"perform a true division of tensor1 and tensor2. The "
			"historic addcdiv behavior can be implemented as (input + "
			"value * torch.trunc(tensor1 / tensor2)).to(input.dtype) "
			"for integer inputs and as (input + value * tensor1 / "
			"tensor2) for float inputs. The future addcdiv behavior is "
			"just the latter implementation: (input + value * tensor1 "
			"/ tensor2), for all dtypes.");
	if (op == AG_OP_ADDCMUL && *ct == AG_BOOL)
		return not_implemented("addcmul_cpu_out", *ct);
	return 0;
}

static int clamp_types(ag_tensor *const in[3], ag_dtype *ct)
{
	if (!in[1] && !in[2])
		return ag_error(AG_ERR_VALUE, "torch.clamp: At least one of 'min' "
				"or 'max' must not be None");
	*ct = ag_result_type_n(in, 3);
	/* one bound is PyTorch's maximum or minimum, which take both */
	if (in[1] && in[2] && *ct == AG_BOOL)
		return not_implemented("clamp_cpu", *ct);
	return 0;
}

static int where_types(ag_tensor *const in[3], ag_dtype *ct)
{
	if (in[0]->dtype != AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "where expected condition to be a "
				"boolean tensor, but got a tensor with dtype %s",
				ag_dtype_scalar_name(in[0]->dtype));
	*ct = ag_result_type(in[1], in[2]);
	return 0;
}

/* The dtype op computes in (= the one it makes), and its checks. */
static int ternary_types(ag_op op, ag_tensor *const in[3], ag_dtype *ct)
{
	switch (op) {
	case AG_OP_WHERE: return where_types(in, ct);
	case AG_OP_LERP: return lerp_types(in, ct);
	case AG_OP_ADDCMUL:
	case AG_OP_ADDCDIV: return addc_types(op, in, ct);
	case AG_OP_CLAMP_TENSOR: return clamp_types(in, ct);
	default: return ag_error(AG_ERR_VALUE, "unknown ternary op %d", (int)op);
	}
}

/* ------------------------------------------------------------- driver */

/* The broadcast shape of the inputs there are, folded left to right as
 * PyTorch does. */
static int broadcast3(ag_tensor *const in[3], int64_t *shape, int *ndim)
{
	*ndim = 0;
	for (int i = 0; i < 3; i++)
		if (in[i] && ag_broadcast_shapes(shape, *ndim, in[i]->shape,
						 in[i]->ndim, shape, ndim) < 0)
			return -1;
	return 0;
}

static int ternary_run(ternary_ctx *ctx, ag_tensor *out, ag_tensor *const in[3])
{
	ag_tensor *ops[4] = { out, NULL, NULL, NULL };
	ag_iter it;
	int rc = -1;

	/* 0-d operands take the compute dtype first (a weight 0.5 becomes a
	 * float32 one; for a 16-bit lerp it stays float32, as PyTorch's
	 * kernels take it); a missing clamp bound reads x in its place */
	bool half = ag_dtype_is_half(ctx->compute);
	ctx->exact_z = half && ctx->op == AG_OP_LERP && in[2]->is_wrapped_number;
	for (int i = 0; i < 3; i++) {
		ag_tensor *t = in[i] ? in[i] : in[0];
		ops[i + 1] = ctx->op == AG_OP_WHERE && i == 0 ? (ag_tensor_retain(t), t)
			   : ag_scalar_operand(t, i == 2 && ctx->exact_z ? AG_FLOAT32
					       : ctx->compute);
		if (!ops[i + 1])
			goto done;
		ctx->dt[i + 1] = ops[i + 1]->dtype;
	}
	ctx->dt[0] = out->dtype;
	if (ag_iter_init(&it, 4, ops, out->shape, out->ndim) < 0)
		goto done;
	bool same = true;
	for (int i = 0; i < 4; i++)
		same = same && ctx->dt[i] == ctx->compute;
	ag_inner_loop loop = ternary_generic;
	if (ctx->op == AG_OP_WHERE)
		loop = where_loop;
	else if (same && ctx->compute == AG_FLOAT32)
		loop = ternary_f32;
	else if (same && ctx->compute == AG_FLOAT64)
		loop = ternary_f64;
	else if (same && half)
		loop = ternary_half;
	ag_iter_run(&it, loop, ctx, true);
	rc = 0;
done:
	for (int i = 1; i < 4; i++)
		ag_tensor_release(ops[i]);
	return rc;
}

/* Checks everything, then writes into out (self, in place) or into a new
 * tensor returned through *made. */
static int ternary_impl(ag_op op, ag_tensor *out, ag_tensor *const in[3],
			const void *args, size_t size, ag_tensor **made)
{
	const ag_opinfo *info = ag_op_info(op);
	ternary_ctx ctx = { .op = op, .has_y = in[1] != NULL,
			    .has_z = in[2] != NULL };
	int64_t shape[AG_MAX_DIMS];
	int ndim;

	if (!info || info->kind != AG_OPK_POINTWISE || info->nin != 3)
		return ag_error(AG_ERR_VALUE, "unknown ternary op %d", (int)op);
	if (!in[0] || (op != AG_OP_CLAMP_TENSOR && (!in[1] || !in[2])))
		return ag_error(AG_ERR_VALUE, "%s: expected three tensors",
				info->name);
	if (size < info->args || (info->args && !args))
		return ag_error(AG_ERR_VALUE, "%s: called without its arguments",
				info->name);
	if (info->args)
		ctx.value = ((const ag_addc_args *)args)->value;
	if (ternary_types(op, in, &ctx.compute) < 0 ||
	    broadcast3(in, shape, &ndim) < 0)
		return -1;
	ag_tensor *present[3];
	int n = 0;
	for (int i = 0; i < 3; i++)
		if (in[i])
			present[n++] = in[i];
	if (out) {
		if (ag_check_elementwise_out(out, shape, ndim, present, n) < 0 ||
		    ag_check_cast(ctx.compute, out->dtype) < 0)
			return -1;
	} else if (!(out = ag_elementwise_alloc(shape, ndim, ctx.compute,
						present, n))) {
		return -1;
	}
	if (ternary_run(&ctx, out, in) < 0) {
		if (made)
			ag_tensor_release(out);
		return -1;
	}
	if (made)
		*made = out;
	else
		ag_bump_version(out);
	return 0;
}

/* LerpBackward0 when the weight is a number. */
static int ternary_variant(ag_op op, ag_tensor *const in[3])
{
	return op == AG_OP_LERP && in[2]->is_wrapped_number;
}

ag_tensor *ag_ternary(ag_op op, ag_tensor *x, ag_tensor *y, ag_tensor *z,
		      const void *args, size_t size)
{
	ag_tensor *in[3] = { x, y, z }, *r = NULL;

	if (ternary_impl(op, NULL, in, args, size, &r) < 0)
		return NULL;
	return ag_recorded(r, (ag_call){ .op = op,
		.variant = ternary_variant(op, in), .in = in, .nin = 3,
		.args = args, .args_size = size });
}

static int ternary_inplace_checked(ag_op op, ag_tensor *x, ag_tensor *y,
				   ag_tensor *z, const void *args, size_t size)
{
	ag_tensor *in[3] = { x, y, z }, *orig = NULL;
	int rc;

	if (!x)
		return ag_error(AG_ERR_VALUE, "%s_: expected a tensor, got nothing",
				ag_op_name(op));
	if (op == AG_OP_WHERE)
		return ag_error(AG_ERR_VALUE, "where has no in-place form");
	if (ag_check_inplace(x) < 0)
		return -1;
	if (ag_record_needs_original(op, in, 3) && !(orig = ag_original_copy(x)))
		return -1;
	rc = ternary_impl(op, x, in, args, size, NULL);
	if (rc == 0)
		rc = ag_record(&(ag_call){ .op = op,
			.variant = ternary_variant(op, in), .in = in, .nin = 3,
			.out = &x, .nout = 1, .inplace = true, .original = orig,
			.args = args, .args_size = size });
	ag_tensor_release(orig);
	return rc;
}

int ag_ternary_(ag_op op, ag_tensor *x, ag_tensor *y, ag_tensor *z,
		const void *args, size_t size)
{
	int rc = ternary_inplace_checked(op, x, y, z, args, size);
	if (rc < 0 && x) {
		ag_tensor *ins_[3] = { x, y, z };
		ag_trace_failed(op, ins_, 3, x);
	}
	return rc;
}

ag_tensor *ag_where(ag_tensor *cond, ag_tensor *a, ag_tensor *b)
{
	if (!cond || !a || !b) {
		ag_error(AG_ERR_VALUE, "where: expected three tensors");
		return NULL;
	}
	return ag_ternary(AG_OP_WHERE, cond, a, b, NULL, 0);
}
