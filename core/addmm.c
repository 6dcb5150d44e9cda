/*
 * addmm.c - beta * self + alpha * product: addmm (a matrix product),
 * addmv (matrix @ vector), addr (an outer product), addbmm (a sum of
 * batched products) and baddbmm (batched products), and their `_` forms.
 *
 * The result starts as self broadcast to its shape, then the product is
 * accumulated into it by ag_gemm (BLAS's beta and alpha), one call per
 * matrix; beta == 0 ignores self's values (NaN included), as PyTorch does.
 * addr is elementwise, as PyTorch's is (it also serves bool and float16).
 */
#include "internal.h"
#include "gemv_bf16.h"
#include "record.h"
#include "shapeint.h"

#include <math.h>
#include <stdio.h>

typedef struct product {
	ag_op op;
	ag_tensor *self, *a, *b;
	double beta, alpha;
	int64_t shape[3];	/* the result's */
	int ndim;
} product;

static int fail_dtype(const char *kernel, ag_dtype dt)
{
	return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'", kernel,
			ag_dtype_scalar_name(dt));
}

/* self broadcasts to the result's shape (expand's text if not). */
static int check_self(const product *p)
{
	int64_t out[AG_MAX_DIMS];
	int n;
	char b1[256], b2[256];
	const ag_tensor *s = p->self;

	if (s->ndim > p->ndim ||
	    ag_broadcast_shapes(s->shape, s->ndim, p->shape, p->ndim, out, &n) < 0 ||
	    memcmp(out, p->shape, (size_t)n * sizeof *out)) {
		ag_error_clear();
		for (int i = p->ndim - 1; i >= 0; i--) {
			int k = i - (p->ndim - s->ndim);
			if (k >= 0 && s->shape[k] != 1 && s->shape[k] != p->shape[i])
				return ag_error(AG_ERR_SHAPE, "The expanded size of the "
						"tensor (%lld) must match the existing "
						"size (%lld) at non-singleton dimension "
						"%d.  Target sizes: %s.  Tensor sizes: %s",
						(long long)p->shape[i],
						(long long)s->shape[k], i,
						ag_shape_str(p->shape, p->ndim, b1,
							     sizeof b1),
						ag_shape_str(s->shape, s->ndim, b2,
							     sizeof b2));
		}
		return ag_error(AG_ERR_SHAPE, "expand: the number of sizes provided "
				"(%d) must be greater or equal to the number of "
				"dimensions in the tensor (%d)", p->ndim, s->ndim);
	}
	return 0;
}

/* The checks of each op, PyTorch's texts; fills the result's shape. */
static int check(product *p)
{
	ag_tensor *s = p->self, *a = p->a, *b = p->b;

	if (!s || !a || !b)
		return ag_error(AG_ERR_VALUE, "%s(): expected three tensors",
				ag_op_name(p->op));
	switch (p->op) {
	case AG_OP_ADDMM:
		if (a->ndim != 2)
			return ag_error(AG_ERR_SHAPE, "mat1 must be a matrix, got "
					"%d-D tensor", a->ndim);
		if (b->ndim != 2)
			return ag_error(AG_ERR_SHAPE, "mat2 must be a matrix, got "
					"%d-D tensor", b->ndim);
		if (a->shape[1] != b->shape[0])
			return ag_error(AG_ERR_SHAPE, "mat1 and mat2 shapes cannot be "
					"multiplied (%lldx%lld and %lldx%lld)",
					(long long)a->shape[0], (long long)a->shape[1],
					(long long)b->shape[0], (long long)b->shape[1]);
		if (s->dtype != b->dtype)
			return ag_error(AG_ERR_DTYPE, "self and mat2 must have the "
					"same dtype");
		if (a->dtype != b->dtype)
			return ag_error(AG_ERR_DTYPE, "mat1 and mat2 must have the "
					"same dtype");
		if (a->dtype == AG_BOOL)
			return fail_dtype("addmm_impl_cpu_", a->dtype);
		p->ndim = 2;
		p->shape[0] = a->shape[0];
		p->shape[1] = b->shape[1];
		break;
	case AG_OP_ADDMV:
		if (a->ndim != 2 || b->ndim != 1 || s->ndim > 1)
			return ag_error(AG_ERR_SHAPE, "vector + matrix @ vector "
					"expected, got %d, %d, %d", s->ndim, a->ndim,
					b->ndim);
		if (a->shape[1] != b->shape[0] ||
		    (s->ndim == 1 && s->shape[0] != a->shape[0] && s->shape[0] != 1))
			return ag_error(AG_ERR_SHAPE, "size mismatch, got %lld, "
					"%lldx%lld,%lld", (long long)(s->ndim ?
					s->shape[0] : 1), (long long)a->shape[0],
					(long long)a->shape[1], (long long)b->shape[0]);
		/* the matrix's dtype is the result's: the vector must have
		 * it, self is converted to it (PyTorch 1.13 on CPU: a float32
		 * self with a bfloat16 product gives bfloat16) */
		if (b->dtype != a->dtype)
			return ag_error(AG_ERR_DTYPE, "expected scalar type %s but "
					"found %s", ag_dtype_scalar_name(a->dtype),
					ag_dtype_scalar_name(b->dtype));
		if (a->dtype == AG_BOOL)
			return fail_dtype("addmv_impl_cpu", a->dtype);
		p->ndim = 1;
		p->shape[0] = a->shape[0];
		break;
	case AG_OP_ADDR:
		if (a->ndim != 1)
			return ag_error(AG_ERR_SHAPE, "addr: Expected 1-D argument "
					"vec1, but got %d-D", a->ndim);
		if (b->ndim != 1)
			return ag_error(AG_ERR_SHAPE, "addr: Expected 1-D argument "
					"vec2, but got %d-D", b->ndim);
		if (ag_dtype_is_integral(s->dtype) &&
		    (p->alpha != floor(p->alpha) || p->beta != floor(p->beta)))
			return ag_error(AG_ERR_VALUE, "For integral input tensors, "
					"argument %s must not be a floating point "
					"number.", p->beta != floor(p->beta) ? "beta"
					: "alpha");
		p->ndim = 2;
		p->shape[0] = a->shape[0];
		p->shape[1] = b->shape[0];
		break;
	case AG_OP_ADDBMM:
	case AG_OP_BADDBMM: {
		/* PyTorch expands self to the result's shape, read off
		 * batch1's first two sizes and batch2's third, before any
		 * other check */
		int d;
		if (ag_wrap_dim(0, a->ndim, &d) < 0 ||
		    ag_wrap_dim(1, a->ndim, &d) < 0 ||
		    ag_wrap_dim(2, b->ndim, &d) < 0)
			return -1;
		p->ndim = p->op == AG_OP_ADDBMM ? 2 : 3;
		if (p->op == AG_OP_BADDBMM)
			p->shape[0] = a->shape[0];
		p->shape[p->ndim - 2] = a->shape[1];
		p->shape[p->ndim - 1] = b->shape[2];
		if (check_self(p) < 0)
			return -1;
		if (a->ndim != 3)
			return ag_error(AG_ERR_SHAPE, "batch1 must be a 3D tensor");
		if (b->ndim != 3)
			return ag_error(AG_ERR_SHAPE, "batch2 must be a 3D tensor");
		if (p->op == AG_OP_ADDBMM && a->shape[0] != b->shape[0])
			return ag_error(AG_ERR_SHAPE, "batch1 and batch2 must have "
					"same number of batches, got %lld and %lld",
					(long long)a->shape[0], (long long)b->shape[0]);
		if (p->op == AG_OP_ADDBMM && a->shape[2] != b->shape[1])
			return ag_error(AG_ERR_SHAPE, "Incompatible matrix sizes for "
					"bmm (%lldx%lld and %lldx%lld)",
					(long long)a->shape[1], (long long)a->shape[2],
					(long long)b->shape[1], (long long)b->shape[2]);
		if (b->shape[0] != a->shape[0] || b->shape[1] != a->shape[2])
			return ag_error(AG_ERR_SHAPE, "Expected size for first two "
					"dimensions of batch2 tensor to be: [%lld, "
					"%lld] but got: [%lld, %lld].",
					(long long)a->shape[0], (long long)a->shape[2],
					(long long)b->shape[0], (long long)b->shape[1]);
		if (p->op == AG_OP_ADDBMM &&
		    (s->dtype != b->dtype || a->dtype != b->dtype))
			return ag_error(AG_ERR_DTYPE, "self and mat2 must have the "
					"same dtype");
		if (a->dtype != s->dtype || b->dtype != s->dtype)
			return ag_error(AG_ERR_DTYPE, "expected scalar type %s but "
					"found %s", ag_dtype_scalar_name(s->dtype),
					ag_dtype_scalar_name(a->dtype != s->dtype ?
						a->dtype : b->dtype));
		if (a->dtype == AG_BOOL)
			return fail_dtype(p->op == AG_OP_ADDBMM ? "addmm_impl_cpu_"
					  : "baddbmm", a->dtype);
		p->ndim = p->op == AG_OP_ADDBMM ? 2 : 3;
		if (p->op == AG_OP_BADDBMM)
			p->shape[0] = a->shape[0];
		p->shape[p->ndim - 2] = a->shape[1];
		p->shape[p->ndim - 1] = b->shape[2];
		break;
	}
	default:
		return ag_error(AG_ERR_VALUE, "%s is not a product with self",
				ag_op_name(p->op));
	}
	return check_self(p);
}

/* addr's elementwise kernel: out = beta * out + alpha * a[i] * b[j]. */
static void outer_into(ag_tensor *out, const product *p)
{
	ag_tensor *a = p->a, *b = p->b;
	ag_dtype dt = out->dtype;
	size_t es = ag_dtype_size(dt), ae = ag_dtype_size(a->dtype);
	size_t be = ag_dtype_size(b->dtype);
	const char *ap = ag_data_ptr(a), *bp = ag_data_ptr(b);
	char *op = ag_data_ptr(out);

	for (int64_t i = 0; i < p->shape[0]; i++)
		for (int64_t j = 0; j < p->shape[1]; j++) {
			char *at = op + (size_t)(i * p->shape[1] + j) * es;
			const char *x = ap + (size_t)(i * a->stride[0]) * ae;
			const char *y = bp + (size_t)(j * b->stride[0]) * be;
			if (dt == AG_BOOL) {
				bool v = p->alpha != 0 && ag_load(x, a->dtype) != 0 &&
					 ag_load(y, b->dtype) != 0;
				*(uint8_t *)at = v || (p->beta != 0 && *(uint8_t *)at);
			} else if (dt == AG_INT64) {
				uint64_t v = (uint64_t)(int64_t)p->alpha *
					(uint64_t)ag_load_i64(x, a->dtype) *
					(uint64_t)ag_load_i64(y, b->dtype);
				if (p->beta != 0)
					v += (uint64_t)(int64_t)p->beta *
					     (uint64_t)*(int64_t *)at;
				*(int64_t *)at = (int64_t)v;
			} else {
				double v = p->alpha * ag_load(x, a->dtype) *
					   ag_load(y, b->dtype);
				if (p->beta != 0)
					v += p->beta * ag_load(at, dt);
				ag_store(at, dt, v);
			}
		}
}

/* out (dense, the result's shape, holding self broadcast unless beta is
 * 0) += the product. */
static int accumulate(ag_tensor *out, const product *p)
{
	ag_tensor *a = p->a, *b = p->b;
	ag_dtype dt = out->dtype;
	char *c = ag_data_ptr(out);
	size_t es = ag_dtype_size(dt);

	switch (p->op) {
	case AG_OP_ADDMM:
		return ag_gemm(dt, a->shape[0], b->shape[1], a->shape[1], p->alpha,
			       ag_mat_of(a, 0, 1, 0), ag_mat_of(b, 0, 1, 0),
			       p->beta, c, b->shape[1]);
	case AG_OP_ADDMV:
		if (ag_gemv_bf16_small(a)) {	/* rounded as PyTorch rounds it */
			ag_gemv_bf16(a, b, p->alpha, p->beta, (uint16_t *)c);
			return 0;
		}
		return ag_gemm(dt, a->shape[0], 1, a->shape[1], p->alpha,
			       ag_mat_of(a, 0, 1, 0), ag_mat_of(b, 0, -1, 0),
			       p->beta, c, 1);
	case AG_OP_ADDR:
		outer_into(out, p);
		return 0;
	case AG_OP_ADDBMM:
	case AG_OP_BADDBMM: {
		int64_t nb = a->shape[0], M = a->shape[1], K = a->shape[2];
		int64_t N = b->shape[2];
		bool sum = p->op == AG_OP_ADDBMM;
		if (sum && nb == 0)
			return ag_gemm(dt, M, N, 0, p->alpha, ag_mat_of(a, 1, 2, 0),
				       ag_mat_of(b, 1, 2, 0), p->beta, c, N);
		for (int64_t i = 0; i < nb; i++) {
			if (ag_check_interrupt() < 0 ||
			    ag_gemm(dt, M, N, K, p->alpha,
				    ag_mat_of(a, 1, 2, i * a->stride[0]),
				    ag_mat_of(b, 1, 2, i * b->stride[0]),
				    sum && i > 0 ? 1 : p->beta,
				    c + (sum ? 0 : (size_t)(i * M * N) * es), N) < 0)
				return -1;
		}
		return 0;
	}
	default:
		return ag_error(AG_ERR_VALUE, "%s is not a product with self",
				ag_op_name(p->op));
	}
}

/* A fresh result of the first factor's dtype (self's too, but addmv's self
 * is converted): self broadcast (when beta counts), then the product. */
static ag_tensor *compute(const product *p)
{
	ag_tensor *out = ag_tensor_alloc_uninit(p->shape, p->ndim, p->a->dtype);
	if (!out)
		return NULL;
	ag_tensor *s = p->beta != 0 ? ag_broadcast_header(p->self, p->shape,
							  p->ndim) : NULL;
	int rc = p->beta != 0 ? (s ? ag_copy_raw(out, s) : -1) : 0;
	ag_tensor_release(s);
	if (rc < 0 || accumulate(out, p) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return out;
}

static ag_tensor *product_op(ag_op op, ag_tensor *self, ag_tensor *a,
			     ag_tensor *b, double beta, double alpha)
{
	product p = { op, self, a, b, beta, alpha, { 0 }, 0 };

	if (check(&p) < 0)
		return NULL;
	ag_addmm_args args = { .self = ag_shape_of(self), .beta = beta,
			       .alpha = alpha };
	return ag_recorded(compute(&p), (ag_call){ .op = op,
		.in = (ag_tensor *[]){ self, a, b }, .nin = 3, .args = &args,
		.args_size = sizeof args });
}

ag_tensor *ag_addmm(ag_tensor *self, ag_tensor *m1, ag_tensor *m2,
		    double beta, double alpha)
{
	return product_op(AG_OP_ADDMM, self, m1, m2, beta, alpha);
}

ag_tensor *ag_addmv(ag_tensor *self, ag_tensor *m, ag_tensor *v, double beta,
		    double alpha)
{
	return product_op(AG_OP_ADDMV, self, m, v, beta, alpha);
}

ag_tensor *ag_addr(ag_tensor *self, ag_tensor *v1, ag_tensor *v2, double beta,
		   double alpha)
{
	/* addr promotes (it is elementwise): the other ops insist on one dtype */
	if (self && v1 && v2 && (self->dtype != v1->dtype || self->dtype != v2->dtype)) {
		ag_dtype dt = ag_promote_types(ag_promote_types(self->dtype,
					       v1->dtype), v2->dtype);
		ag_tensor *s = ag_to_dtype(self, dt);
		ag_tensor *a = s ? ag_to_dtype(v1, dt) : NULL;
		ag_tensor *b = a ? ag_to_dtype(v2, dt) : NULL;
		ag_tensor *r = b ? product_op(AG_OP_ADDR, s, a, b, beta, alpha) : NULL;
		ag_tensor_release(s);
		ag_tensor_release(a);
		ag_tensor_release(b);
		return r;
	}
	return product_op(AG_OP_ADDR, self, v1, v2, beta, alpha);
}

ag_tensor *ag_addbmm(ag_tensor *self, ag_tensor *b1, ag_tensor *b2,
		     double beta, double alpha)
{
	return product_op(AG_OP_ADDBMM, self, b1, b2, beta, alpha);
}

ag_tensor *ag_baddbmm(ag_tensor *self, ag_tensor *b1, ag_tensor *b2,
		      double beta, double alpha)
{
	return product_op(AG_OP_BADDBMM, self, b1, b2, beta, alpha);
}

/* ------------------------------------------------------------- in place */

static int inplace_checked(product *p)
{
	ag_tensor *self = p->self;
	char b1[256], b2[256];

	if (check(p) < 0)
		return -1;
	if (self->ndim != p->ndim ||
	    memcmp(self->shape, p->shape, (size_t)p->ndim * sizeof *p->shape))
		return ag_error(AG_ERR_SHAPE, "Bad in-place call: input tensor size "
				"%s and output tensor size %s should match",
				ag_shape_str(self->shape, self->ndim, b1, sizeof b1),
				ag_shape_str(p->shape, p->ndim, b2, sizeof b2));
	if (ag_check_inplace(self) < 0 || ag_assert_no_internal_overlap(self) < 0)
		return -1;
	/* straight into self when it is dense and no operand aliases it */
	if (ag_is_contiguous(self) && p->op != AG_OP_ADDR &&
	    ag_get_overlap_status(self, p->a) == AG_OVERLAP_STATUS_NO &&
	    ag_get_overlap_status(self, p->b) == AG_OVERLAP_STATUS_NO) {
		if (accumulate(self, p) < 0)
			return -1;
	} else {
		ag_tensor *r = compute(p);
		int rc = r ? ag_copy_raw(self, r) : -1;
		ag_tensor_release(r);
		if (rc < 0)
			return -1;
	}
	ag_bump_version(self);
	ag_addmm_args args = { .self = ag_shape_of(self), .beta = p->beta,
			       .alpha = p->alpha };
	return ag_record(&(ag_call){ .op = p->op,
		.in = (ag_tensor *[]){ self, p->a, p->b }, .nin = 3, .out = &self,
		.nout = 1, .args = &args, .args_size = sizeof args,
		.inplace = true });
}

int ag_addmm_like_(ag_op op, ag_tensor *self, ag_tensor *a, ag_tensor *b,
		   double beta, double alpha)
{
	product p = { op, self, a, b, beta, alpha, { 0 }, 0 };
	int rc = inplace_checked(&p);

	if (rc < 0 && self)
		ag_trace_failed(op, (ag_tensor *[]){ self, a, b }, 3, self);
	return rc;
}
