/*
 * scan.c - cumsum and cumprod along a dim, and from the last element back
 * (the backward of cumsum is a reverse cumsum).  Each running value is
 * kept as PyTorch's CPU kernels keep it, so results match theirs to the
 * bit: in double for float32 and float64, in float for bfloat16, in int64
 * (wrapping) for integers and bool, which give int64.
 */
#include "internal.h"
#include "record.h"
#include "autograd.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* A contiguous tensor seen as [outer, n, inner] around the scanned dim. */
typedef struct scan {
	int64_t outer, n, inner;
	bool reverse, prod;
	const char *in;
	char *out;
} scan;

/* One [n, inner] slab: the running values of the inner positions move
 * down the scanned dim together (a vector loop when inner > 1). */
#define SCAN_SLAB(NAME, T, OT, ACC, LOAD, STORE)			\
static void slab_##NAME(const scan *s, int64_t o, ACC *acc)		\
{									\
	const T *in = (const T *)s->in + o * s->n * s->inner;		\
	OT *out = (OT *)s->out + o * s->n * s->inner;			\
	int64_t inner = s->inner;					\
	for (int64_t j = 0; j < inner; j++)				\
		acc[j] = s->prod ? (ACC)1 : (ACC)0;			\
	for (int64_t i = 0; i < s->n; i++) {				\
		int64_t k = s->reverse ? s->n - 1 - i : i;		\
		const T *x = in + k * inner;				\
		OT *y = out + k * inner;				\
		if (s->prod)						\
			for (int64_t j = 0; j < inner; j++) {		\
				acc[j] *= (ACC)LOAD(x[j]);		\
				y[j] = STORE(acc[j]);			\
			}						\
		else							\
			for (int64_t j = 0; j < inner; j++) {		\
				acc[j] += (ACC)LOAD(x[j]);		\
				y[j] = STORE(acc[j]);			\
			}						\
	}								\
}

#define ID(x) (x)
#define TO_F32(x) ((float)(x))
#define TO_I64(x) ((int64_t)(x))
#define BF16_IN(x) ag_bf16_to_float(x)
#define BF16_OUT(x) ag_float_to_bf16(x)
SCAN_SLAB(f32, float, float, double, ID, TO_F32)
SCAN_SLAB(f64, double, double, double, ID, ID)
SCAN_SLAB(bf16, uint16_t, uint16_t, float, BF16_IN, BF16_OUT)
SCAN_SLAB(i64, int64_t, int64_t, uint64_t, ID, TO_I64)
SCAN_SLAB(b8, uint8_t, int64_t, uint64_t, ID, TO_I64)

static int run(const scan *s, ag_dtype dt)
{
	int64_t work = s->outer * s->n * s->inner;
	bool parallel = s->outer > 1 && work >= AG_PARALLEL_GRAIN;
	int failed = 0;

#ifdef _OPENMP
#pragma omp parallel if (parallel)
#endif
	{
		/* one running value per inner position, per thread */
		void *acc = malloc((size_t)(s->inner ? s->inner : 1) * 8);
		if (!acc) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
			failed = 1;
		}
#ifdef _OPENMP
#pragma omp for
#endif
		for (int64_t o = 0; o < s->outer; o++) {
			if (!acc)
				continue;
			switch (dt) {
			case AG_FLOAT32: slab_f32(s, o, acc); break;
			case AG_FLOAT64: slab_f64(s, o, acc); break;
			case AG_BFLOAT16: slab_bf16(s, o, acc); break;
			case AG_INT64: slab_i64(s, o, acc); break;
			default: slab_b8(s, o, acc); break;
			}
		}
		free(acc);
	}
	(void)parallel;
	return failed ? ag_error(AG_ERR_NOMEM, "out of memory") : 0;
}

ag_tensor *ag_scan(ag_op op, ag_tensor *t, int dim, bool reverse)
{
	ag_tensor *c, *out;
	ag_dtype odt;
	int d;

	if (op != AG_OP_CUMSUM && op != AG_OP_CUMPROD) {
		ag_error(AG_ERR_VALUE, "invalid scan op %d", (int)op);
		return NULL;
	}
	if (!t) {
		ag_error(AG_ERR_VALUE, "%s(): expected a tensor", ag_op_name(op));
		return NULL;
	}
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	if (t->dtype == AG_FLOAT16) {
		ag_error(AG_ERR_DTYPE, "\"%s_out_cpu\" not implemented for 'Half'",
			 ag_op_name(op));
		return NULL;
	}
	odt = ag_dtype_is_floating(t->dtype) ? t->dtype : AG_INT64;
	c = ag_contiguous(t);
	out = c ? ag_tensor_alloc_uninit(t->shape, t->ndim, odt) : NULL;
	if (out && ag_numel(out) > 0) {
		scan s = { .outer = 1, .n = t->ndim ? t->shape[d] : 1, .inner = 1,
			   .reverse = reverse, .prod = op == AG_OP_CUMPROD,
			   .in = ag_data_ptr(c), .out = ag_data_ptr(out) };
		for (int i = 0; i < d; i++)
			s.outer *= t->shape[i];
		for (int i = d + 1; i < t->ndim; i++)
			s.inner *= t->shape[i];
		if (run(&s, t->dtype) < 0) {
			ag_tensor_release(out);
			out = NULL;
		}
	}
	ag_tensor_release(c);
	return ag_recorded(out, (ag_call){ .op = op, .in = &t, .nin = 1,
		.args = &(ag_scan_args){ .dim = d, .reverse = reverse },
		.args_size = sizeof(ag_scan_args) });
}

ag_tensor *ag_cumulative(ag_op op, ag_tensor *t, int dim)
{
	return ag_scan(op, t, dim, false);
}

/* cumsum_, cumprod_: the scan written back into t. */
static int scan_inplace_checked(ag_op op, ag_tensor *t, int dim)
{
	ag_tensor *orig = NULL, *r;
	int d, rc;

	if (!t)
		return ag_error(AG_ERR_VALUE, "%s_(): expected a tensor",
				ag_op_name(op));
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return -1;
	if (t->dtype == AG_BOOL || t->dtype == AG_FLOAT16)
		return ag_error(AG_ERR_DTYPE, "\"%s_out_cpu\" not implemented for "
				"'%s'", ag_op_name(op),
				ag_dtype_scalar_name(t->dtype));
	if (ag_check_elementwise_out(t, t->shape, t->ndim, &t, 1) < 0 ||
	    ag_check_inplace(t) < 0)
		return -1;
	if (ag_record_needs_original(op, &t, 1) && !(orig = ag_original_copy(t)))
		return -1;
	/* computed aside, unrecorded, then copied in */
	ag_trace_suspend();
	bool grad = ag_set_grad_enabled(false);
	r = ag_scan(op, t, d, false);
	rc = r ? ag_copy_(t, r) : -1;
	ag_set_grad_enabled(grad);
	ag_trace_resume();
	ag_tensor_release(r);
	if (rc == 0)
		rc = ag_record(&(ag_call){ .op = op, .in = &t, .nin = 1,
			.out = &t, .nout = 1, .inplace = true, .original = orig,
			.args = &(ag_scan_args){ .dim = d },
			.args_size = sizeof(ag_scan_args) });
	ag_tensor_release(orig);
	return rc;
}

int ag_scan_(ag_op op, ag_tensor *t, int dim)
{
	int rc = scan_inplace_checked(op, t, dim);
	if (rc < 0 && t) {
		ag_tensor *ins_[2] = { t, NULL };
		ag_trace_failed(op, ins_, 2, t);
	}
	return rc;
}
