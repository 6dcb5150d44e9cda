/*
 * more.c - the ops-more family of issue 11: hardshrink and softshrink (on
 * unary.c's driver), the backward ops of the piecewise-linear activations
 * (threshold_backward, leaky_relu_backward, hardtanh_backward,
 * hardshrink_backward, softshrink_backward: one strided loop), rrelu with
 * PyTorch's draws, glu, prelu and linalg.multi_dot.
 *
 * glu and prelu compute quietly from core's own ops (no autograd, no trace
 * events) and record one node of their own, as PyTorch's kernels do.
 */
#include "internal.h"
#include "autograd.h"
#include "record.h"
#include "rng.h"
#include "node.h"
#include "half_ew.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The table's dtype set of op, with PyTorch's message for the rest. */
static int check_kernel_dtype(ag_op op, ag_dtype dt)
{
	const ag_opinfo *info = ag_op_info(op);

	if (info->dtypes && !(info->dtypes & AG_DT(dt)))
		return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
				info->kernel, ag_dtype_scalar_name(dt));
	return 0;
}

/* ------------------------------------------------------------- shrinks */

ag_tensor *ag_hardshrink(ag_tensor *t, double lambd)
{
	ag_shrink_args a = { lambd };
	return ag_unary_with(AG_OP_HARDSHRINK, t, &a, sizeof a);
}

ag_tensor *ag_softshrink(ag_tensor *t, double lambd)
{
	ag_shrink_args a = { lambd };

	if (!(lambd >= 0)) {
		ag_error(AG_ERR_VALUE, "lambda must be greater or equal to 0, but "
			 "found to be %g.", lambd);
		return NULL;
	}
	return ag_unary_with(AG_OP_SOFTSHRINK, t, &a, sizeof a);
}

/* ------------------------------------------ backward of the activations */

typedef struct pw_ctx {
	ag_op op;
	double a, b;
	ag_dtype dt[3];
} pw_ctx;

/* Does the gradient pass at self value x? (PyTorch's kernels' tests, NaN
 * included: threshold_backward lets it through, the shrinks too.) */
#define PW_PASS(op, x, A, B)						\
	((op) == AG_OP_THRESHOLD_BACKWARD ? !((x) <= (A)) :		\
	 (op) == AG_OP_HARDTANH_BACKWARD ? !((x) <= (A) || (x) >= (B)) :	\
	 !((x) >= -(A) && (x) <= (A)))

/* gcc's -O2 vectorises only loops of a known length: the dense loops
 * below ask for it, and (no floating-point traps: agdb never enables
 * them) may compute both sides of a select, as blends */
#ifdef _OPENMP
#define PW_SIMD _Pragma("omp simd")
#else
#define PW_SIMD
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define PW_NO_TRAPS __attribute__((optimize("no-trapping-math")))
#else
#define PW_NO_TRAPS
#endif

#define DEFINE_PW_LOOP(name, T)						\
PW_NO_TRAPS static void name(char **data, const int64_t *st, int64_t n, void *vctx)	\
{									\
	const pw_ctx *c = vctx;						\
	char *o = data[0];						\
	const char *g = data[1], *s = data[2];				\
	const T A = (T)c->a, B = (T)c->b;				\
									\
	if (st[0] == sizeof(T) && st[1] == sizeof(T) &&		\
	    st[2] == sizeof(T)) {					\
		/* dense (the output is new: no overlap): vectorised,	\
		 * the selects as blends */				\
		T *restrict po = (T *)o;				\
		const T *restrict pg = (const T *)g;			\
		const T *restrict px = (const T *)s;			\
		const ag_op op = c->op;					\
		if (op == AG_OP_LEAKY_RELU_BACKWARD) {			\
			PW_SIMD						\
			for (int64_t i = 0; i < n; i++)			\
				po[i] = pg[i] * (px[i] > 0 ? (T)1 : A);	\
			return;						\
		}							\
		/* PW_PASS, one loop per op */				\
		if (op == AG_OP_THRESHOLD_BACKWARD) {			\
			PW_SIMD						\
			for (int64_t i = 0; i < n; i++) {		\
				T gv = pg[i], x = px[i];		\
				po[i] = x <= A ? 0 : gv;	\
			}						\
		} else if (op == AG_OP_HARDTANH_BACKWARD) {		\
			PW_SIMD						\
			for (int64_t i = 0; i < n; i++) {		\
				T gv = pg[i], x = px[i];		\
				po[i] = x <= A || x >= B ? 0 : gv;	\
			}						\
		} else {						\
			PW_SIMD						\
			for (int64_t i = 0; i < n; i++) {		\
				T gv = pg[i], x = px[i];		\
				po[i] = x >= -A && x <= A ? 0 : gv;	\
			}						\
		}							\
		return;							\
	}								\
	if (c->op == AG_OP_LEAKY_RELU_BACKWARD) {			\
		for (int64_t i = 0; i < n; i++) {			\
			T gv = *(const T *)(g + i * st[1]);		\
			T x = *(const T *)(s + i * st[2]);		\
			/* a factor selected, not a branch: the signs	\
			 * of x are random, branches mispredict */	\
			T f = x > 0 ? (T)1 : A;				\
			*(T *)(o + i * st[0]) = gv * f;			\
		}							\
		return;							\
	}								\
	for (int64_t i = 0; i < n; i++) {				\
		T gv = *(const T *)(g + i * st[1]);			\
		T x = *(const T *)(s + i * st[2]);			\
		*(T *)(o + i * st[0]) = PW_PASS(c->op, x, A, B) ? gv : 0; \
	}								\
}
DEFINE_PW_LOOP(pw_f32, float)
DEFINE_PW_LOOP(pw_f64, double)

/* float16/bfloat16 throughout: the float32 loop a block at a time, each
 * result rounded once (the bits of float32's, rounded). */
static void pw_half(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const pw_ctx *c = vctx;
	ag_half_blocks(pw_f32, vctx, data, st, n, 2, c->dt[0]);
}

/* Other dtypes (mixed): through doubles. */
static void pw_generic(char **data, const int64_t *st, int64_t n, void *vctx)
{
	const pw_ctx *c = vctx;

	for (int64_t i = 0; i < n; i++) {
		double gv = ag_load(data[1] + i * st[1], c->dt[1]);
		double x = ag_load(data[2] + i * st[2], c->dt[2]);
		double r;
		if (c->op == AG_OP_LEAKY_RELU_BACKWARD)
			r = x > 0 ? gv : gv * c->a;
		else
			r = PW_PASS(c->op, x, c->a, c->b) ? gv : 0;
		ag_store(data[0] + i * st[0], c->dt[0], r);
	}
}

static bool is_piecewise_backward(ag_op op)
{
	return op == AG_OP_THRESHOLD_BACKWARD ||
	       op == AG_OP_LEAKY_RELU_BACKWARD ||
	       op == AG_OP_HARDTANH_BACKWARD ||
	       op == AG_OP_HARDSHRINK_BACKWARD ||
	       op == AG_OP_SOFTSHRINK_BACKWARD;
}

ag_tensor *ag_grad_self_setup(ag_op op, ag_tensor *grad, ag_tensor *self,
			      ag_tensor *ops[3], ag_iter *it)
{
	int64_t shape[AG_MAX_DIMS];
	int n;

	if (!grad || !self) {
		ag_error(AG_ERR_VALUE, "%s: expected grad_output and self",
			 ag_op_name(op));
		return NULL;
	}
	if (ag_broadcast_shapes(grad->shape, grad->ndim, self->shape,
				self->ndim, shape, &n) < 0)
		return NULL;
	ag_dtype dt = ag_result_type(grad, self);
	if (!ag_dtype_is_floating(dt)) {
		ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
			 ag_op_name(op), ag_dtype_scalar_name(dt));
		return NULL;
	}
	ag_tensor *out = ag_tensor_alloc_uninit(shape, n, dt);
	if (!out)
		return NULL;
	ops[0] = out;
	ops[1] = grad;
	ops[2] = self;
	if (ag_iter_init(it, 3, ops, shape, n) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return out;
}

ag_tensor *ag_piecewise_backward(ag_op op, ag_tensor *grad, ag_tensor *self,
				 const ag_piecewise_args *args)
{
	if (!is_piecewise_backward(op)) {
		ag_error(AG_ERR_VALUE, "%s: not a piecewise backward op",
			 ag_op_name(op));
		return NULL;
	}
	if (!args) {
		ag_error(AG_ERR_VALUE, "%s: expected grad_output and self",
			 ag_op_name(op));
		return NULL;
	}
	ag_tensor *ops[3];
	ag_iter it;
	ag_tensor *out = ag_grad_self_setup(op, grad, self, ops, &it);
	if (!out)
		return NULL;
	ag_dtype dt = out->dtype;
	pw_ctx c = { op, args->a, args->b, { dt, grad->dtype, self->dtype } };
	ag_inner_loop loop = pw_generic;
	if (grad->dtype == dt && self->dtype == dt && dt == AG_FLOAT32)
		loop = pw_f32;
	else if (grad->dtype == dt && self->dtype == dt && dt == AG_FLOAT64)
		loop = pw_f64;
	else if (grad->dtype == dt && self->dtype == dt &&
		 ag_dtype_is_half(dt))
		loop = pw_half;
	ag_iter_run(&it, loop, &c, true);
	return ag_recorded(out, (ag_call){ .op = op, .in = ops + 1, .nin = 2,
		.args = args, .args_size = sizeof *args });
}

/* ---------------------------------------------------------------- rrelu */

/* Writes rrelu of t into out (which may be t) and the slopes into noise;
 * both contiguous, shaped like t. */
static int rrelu_values(ag_tensor *out, ag_tensor *noise, ag_tensor *t,
			const ag_rrelu_args *a)
{
	ag_tensor *x = ag_contiguous(t);
	if (!x)
		return -1;
	int64_t n = ag_numel(t);
	ag_dtype dt = t->dtype;
	/* a 16-bit float's results are float32's rounded (its bounds and
	 * drawn slopes are of its own type, as in PyTorch's kernels) */
	bool half = ag_dtype_is_half(dt);
	size_t es = ag_dtype_size(dt);
	const char *px = ag_data_ptr(x);
	char *po = ag_data_ptr(out), *pn = ag_data_ptr(noise);
	ag_generator *g = a->training ? ag_gen_resolve(NULL) : NULL;
	/* PyTorch converts the bounds to the tensor's type first */
	double lo, hi;
	char buf[8];
	ag_store(buf, dt, a->lower);
	lo = ag_load(buf, dt);
	ag_store(buf, dt, a->upper);
	hi = ag_load(buf, dt);
	double slope = (a->lower + a->upper) / 2;

	for (int64_t i = 0; i < n; i++) {
		double v = ag_load(px + (size_t)i * es, dt), r = 1;
		if (a->training) {
			if (v <= 0) {
				/* uniform_real_distribution<double>: x * (to - from)
				 * + from, not fused (PyTorch's build does not fuse it) */
				volatile double span = ag_gen_uniform(g, AG_FLOAT64,
								     0, 1) * (hi - lo);
				ag_store(buf, dt, span + lo);
				r = ag_load(buf, dt);
				v *= r;
			}
			ag_store(pn + (size_t)i * es, dt, r);
		} else if (!(v > 0)) {
			v *= slope;
		}
		if (half)
			v = (float)v;
		ag_store(po + (size_t)i * es, dt, v);
	}
	ag_tensor_release(x);
	return 0;
}

static int rrelu_check(ag_tensor *t, const ag_rrelu_args *a)
{
	if (!t)
		return ag_error(AG_ERR_VALUE, "rrelu: expected a tensor");
	if (!(a->lower <= a->upper))
		return ag_error(AG_ERR_VALUE, "Lower bound should be less than or "
				"equal to the upper bound");
	if (!a->training && check_kernel_dtype(AG_OP_LEAKY_RELU, t->dtype) < 0)
		return -1;
	return check_kernel_dtype(AG_OP_RRELU, t->dtype);
}

ag_tensor *ag_rrelu(ag_tensor *t, double lower, double upper, bool training)
{
	ag_rrelu_args a = { lower, upper, training };

	if (rrelu_check(t, &a) < 0)
		return NULL;
	ag_tensor *out = ag_tensor_alloc_uninit(t->shape, t->ndim, t->dtype);
	ag_tensor *noise = out ? ag_zeros(t->shape, t->ndim, t->dtype) : NULL;
	if (!noise || rrelu_values(out, noise, t, &a) < 0) {
		ag_tensor_release(out);
		ag_tensor_release(noise);
		return NULL;
	}
	ag_tensor *in[2] = { t, noise };
	out = ag_recorded(out, (ag_call){ .op = AG_OP_RRELU, .in = in, .nin = 2,
		.args = &a, .args_size = sizeof a });
	ag_tensor_release(noise);
	return out;
}

/* In place (RreluWithNoiseBackward1): PyTorch's node keeps the result,
 * this one the input from before the write, whose sign is the result's:
 * the backward's mask is the same. */
int ag_rrelu_(ag_tensor *t, double lower, double upper, bool training)
{
	ag_rrelu_args a = { lower, upper, training };

	if (rrelu_check(t, &a) < 0 || ag_check_inplace(t) < 0)
		return -1;
	ag_tensor *orig = NULL;
	if (ag_record_needs_original(AG_OP_RRELU, &t, 1) &&
	    !(orig = ag_original_copy(t)))
		return -1;
	ag_tensor *noise = ag_zeros(t->shape, t->ndim, t->dtype);
	ag_tensor *res = noise ? ag_tensor_alloc_uninit(t->shape, t->ndim,
							t->dtype) : NULL;
	int rc = res ? rrelu_values(res, noise, t, &a) : -1;
	if (rc == 0)
		rc = ag_copy_raw(t, res);
	ag_tensor_release(res);
	if (rc == 0) {
		ag_bump_version(t);
		ag_tensor *in[2] = { t, noise };
		rc = ag_record(&(ag_call){ .op = AG_OP_RRELU, .variant = 1,
			.in = in, .nin = 2, .out = &t, .nout = 1, .inplace = true,
			.original = orig, .args = &a, .args_size = sizeof a });
	}
	ag_tensor_release(orig);
	ag_tensor_release(noise);
	return rc;
}

/* ------------------------------------------------------------------ glu */

ag_tensor *ag_glu(ag_tensor *t, int dim)
{
	ag_glu_args a;

	if (!t) {
		ag_error(AG_ERR_VALUE, "glu: expected a tensor");
		return NULL;
	}
	if (t->ndim == 0) {
		ag_error(AG_ERR_SHAPE, "glu does not support scalars because "
			 "halving size must be even");
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &a.dim) < 0)
		return NULL;
	int64_t size = t->shape[a.dim];
	if (size % 2) {
		ag_error(AG_ERR_SHAPE, "Halving dimension must be even, but "
			 "dimension %d is size %lld", a.dim + ag_index_base(),
			 (long long)size);
		return NULL;
	}
	if (check_kernel_dtype(AG_OP_GLU, t->dtype) < 0)
		return NULL;
	bool grad = ag_set_grad_enabled(false);
	/* 16-bit floats in float32, the result rounded once (PyTorch's
	 * kernel computes them in float too) */
	bool half = ag_dtype_is_half(t->dtype);
	ag_tensor *w = half ? ag_to_dtype(t, AG_FLOAT32) : (ag_tensor_retain(t), t);
	ag_tensor *x = w ? ag_narrow(w, a.dim, 0, size / 2) : NULL;
	ag_tensor *y = x ? ag_narrow(w, a.dim, size / 2, size / 2) : NULL;
	ag_tensor *s = y ? ag_unary(AG_OP_SIGMOID, y) : NULL;
	ag_tensor *r = s ? ag_mul(x, s) : NULL;
	if (half)
		r = ag_to_dtype_owned(r, t->dtype);
	ag_set_grad_enabled(grad);
	ag_tensor_release(w);
	ag_tensor_release(x);
	ag_tensor_release(y);
	ag_tensor_release(s);
	return ag_recorded(r, (ag_call){ .op = AG_OP_GLU, .in = &t, .nin = 1,
		.args = &a, .args_size = sizeof a });
}

/* ---------------------------------------------------------------- prelu */

ag_tensor *ag_prelu_weight_view(ag_tensor *w, const ag_tensor *t)
{
	int64_t shape[AG_MAX_DIMS];

	if (ag_numel(w) == 1 || t->ndim < 2) {
		ag_tensor_retain(w);
		return w;
	}
	for (int d = 0; d < t->ndim; d++)
		shape[d] = d == 1 ? ag_numel(w) : 1;
	return ag_reshape(w, shape, t->ndim);
}

ag_tensor *ag_prelu(ag_tensor *t, ag_tensor *w)
{
	if (!t || !w) {
		ag_error(AG_ERR_VALUE, "prelu: expected input and weight");
		return NULL;
	}
	if (check_kernel_dtype(AG_OP_PRELU, t->dtype) < 0)
		return NULL;
	/* PyTorch's checks, in its order */
	int64_t channels = t->ndim >= 2 ? t->shape[1] : 1, nw = ag_numel(w);
	if (nw != 1 && t->ndim == 0) {
		ag_error(AG_ERR_SHAPE, "Not allow zero-dim input tensor.");
		return NULL;
	}
	if (nw != 1 && nw != channels) {
		ag_error(AG_ERR_SHAPE, "Mismatch of parameter numbers and input "
			 "channel size. Found parameter numbers = %lld and channel "
			 "size = %lld.", (long long)nw, (long long)channels);
		return NULL;
	}
	if (w->ndim > 1) {
		ag_error(AG_ERR_SHAPE, "prelu: Expected `weight` to be a scalar or "
			 "1D tensor, but got ndim = %d", w->ndim);
		return NULL;
	}
	if (w->dtype != t->dtype) {
		ag_error(AG_ERR_DTYPE, "expected scalar type %s but found %s",
			 ag_dtype_scalar_name(t->dtype),
			 ag_dtype_scalar_name(w->dtype));
		return NULL;
	}
	ag_shape in = ag_shape_of(t);
	bool grad = ag_set_grad_enabled(false);
	ag_tensor *wv = ag_prelu_weight_view(w, t);
	ag_tensor *zero = wv ? ag_scalar(0, t->dtype) : NULL;
	ag_tensor *pos = zero ? ag_binary(AG_OP_GT, t, zero) : NULL;
	ag_tensor *neg = pos ? ag_mul(wv, t) : NULL;
	ag_tensor *r = neg ? ag_where(pos, t, neg) : NULL;
	ag_set_grad_enabled(grad);
	ag_tensor_release(wv);
	ag_tensor_release(zero);
	ag_tensor_release(pos);
	ag_tensor_release(neg);
	ag_tensor *ins[2] = { t, w };
	return ag_recorded(r, (ag_call){ .op = AG_OP_PRELU, .in = ins, .nin = 2,
		.args = &in, .args_size = sizeof in });
}

/* ----------------------------------------------------------- multi_dot */

/* The product of ts[i..j] in the order chain[][] chose (recorded mm's). */
static ag_tensor *chain_product(ag_tensor **ts, int64_t *split, int n, int i,
				int j)
{
	if (i == j) {
		ag_tensor_retain(ts[i]);
		return ts[i];
	}
	int k = (int)split[i * n + j];
	ag_tensor *a = chain_product(ts, split, n, i, k);
	ag_tensor *b = a ? chain_product(ts, split, n, k + 1, j) : NULL;
	ag_tensor *r = b ? ag_mm(a, b) : NULL;
	ag_tensor_release(a);
	ag_tensor_release(b);
	return r;
}

ag_tensor *ag_multi_dot(ag_tensor *const *in, int n)
{
	if (n < 2) {
		ag_error(AG_ERR_VALUE, "multi_dot(): expected at least 2 tensors but "
			 "got %d", n);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (!in[i]) {
			ag_error(AG_ERR_VALUE, "multi_dot(): expected tensors");
			return NULL;
		}
		const char *which = i == 0 ? "the first tensor" :
				    i == n - 1 ? "the last tensor" : NULL;
		int nd = in[i]->ndim;
		if (which && nd != 1 && nd != 2) {
			ag_error(AG_ERR_SHAPE, "multi_dot(): %s must be 1D or 2D but "
				 "got %dD", which, nd);
			return NULL;
		}
		if (!which && nd != 2) {
			ag_error(AG_ERR_SHAPE, "multi_dot(): tensor %d must be 2D but "
				 "got %dD", i + ag_index_base(), nd);
			return NULL;
		}
		if (in[i]->dtype != in[0]->dtype) {
			ag_error(AG_ERR_DTYPE, "multi_dot(): all tensors must have be "
				 "the same dtype but tensor %d is %s and tensor %d %s",
				 ag_index_base(), ag_dtype_typeid_name(in[0]->dtype),
				 i + ag_index_base(), ag_dtype_typeid_name(in[i]->dtype));
			return NULL;
		}
	}
	bool row = in[0]->ndim == 1, col = in[n - 1]->ndim == 1;
	ag_tensor **ts = calloc((size_t)n, sizeof *ts);
	int64_t *dims = calloc((size_t)n + 1, sizeof *dims);
	int64_t *cost = calloc((size_t)n * (size_t)n, sizeof *cost);
	int64_t *split = calloc((size_t)n * (size_t)n, sizeof *split);
	ag_tensor *r = NULL;
	int i, made = 0;

	if (!ts || !dims || !cost || !split) {
		ag_error(AG_ERR_NOMEM, "multi_dot(): out of memory");
		goto out;
	}
	for (i = 0; i < n; i++, made++) {
		ts[i] = i == 0 && row ? ag_unsqueeze(in[i], 0) :
			i == n - 1 && col ? ag_unsqueeze(in[i], 1) : in[i];
		if (ts[i] == in[i])
			ag_tensor_retain(ts[i]);
		if (!ts[i])
			goto out;
	}
	for (i = 0; i + 1 < n; i++)
		if (ts[i]->shape[1] != ts[i + 1]->shape[0]) {
			ag_error(AG_ERR_SHAPE, "multi_dot(): tensors %d and %d with "
				 "shapes [%lld, %lld] and [%lld, %lld] cannot be "
				 "multiplied", i + ag_index_base(), i + 1 + ag_index_base(),
				 (long long)ts[i]->shape[0], (long long)ts[i]->shape[1],
				 (long long)ts[i + 1]->shape[0],
				 (long long)ts[i + 1]->shape[1]);
			goto out;
		}
	/* the matrix chain order of fewest multiplications */
	for (i = 0; i < n; i++)
		dims[i] = ts[i]->shape[0];
	dims[n] = ts[n - 1]->shape[1];
	for (int len = 1; len < n; len++)
		for (i = 0; i + len < n; i++) {
			int j = i + len;
			cost[i * n + j] = INT64_MAX;
			for (int k = i; k < j; k++) {
				int64_t c = cost[i * n + k] + cost[(k + 1) * n + j] +
					    dims[i] * dims[k + 1] * dims[j + 1];
				if (c < cost[i * n + j]) {
					cost[i * n + j] = c;
					split[i * n + j] = k;
				}
			}
		}
	r = chain_product(ts, split, n, 0, n - 1);
	if (r && (row || col)) {	/* the 1-d ends' dims away again */
		int64_t none[1];
		ag_tensor *s = row && col ? ag_reshape(r, none, 0) :
			       ag_squeeze_dim(r, row ? 0 : 1);
		ag_tensor_release(r);
		r = s;
	}
out:
	for (i = 0; i < made; i++)
		ag_tensor_release(ts[i]);
	free(ts);
	free(dims);
	free(cost);
	free(split);
	return r;
}

/* ---------------------------------------------------------------- out= */

int ag_out_write(ag_tensor *out, ag_tensor *r)
{
	int rc;

	if (!out || !r)
		return ag_error(AG_ERR_VALUE, "out=: expected tensors");
	if (ag_check_cast(r->dtype, out->dtype) < 0)
		return -1;
	bool grad = ag_set_grad_enabled(false);
	if (out->ndim == r->ndim && ag_same_shape(out, r)) {
		rc = ag_copy_(out, r);
	} else {	/* resized: a storage of r's shape */
		ag_tensor *c = ag_tensor_alloc_uninit(r->shape, r->ndim, out->dtype);
		rc = c ? ag_copy_raw(c, r) : -1;
		if (rc == 0) {
			ag_tensor_set_data(out, c);
			ag_bump_version(out);
		}
		ag_tensor_release(c);
	}
	ag_set_grad_enabled(grad);
	return rc;
}

/* ------------------------------------------------------ in-place views */

int ag_view_inplace(ag_tensor *t, ag_tensor *v)
{
	if (!t || !v)
		return -1;	/* the view op's error */
	if (ag_check_inplace(t) < 0)
		return -1;
	/* t's geometry becomes the view's (the same storage) */
	t->ndim = v->ndim;
	memcpy(t->shape, v->shape, sizeof t->shape);
	memcpy(t->stride, v->stride, sizeof t->stride);
	t->offset = v->offset;
	ag_bump_version(t);
	/* and its history the view op's node, under its in-place name */
	ag_node *n = v->grad_fn;
	if (n && ag_is_grad_enabled()) {
		const char *inplace = ag_op_info(n->op)->grad_fn[1];
		if (inplace)
			n->name = inplace;
		ag_set_history(t, n, 0);
	}
	return 0;
}
