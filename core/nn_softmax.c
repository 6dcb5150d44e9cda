/*
 * nn_softmax.c - softmax and log_softmax along a dim, their backward ops
 * (_softmax_backward_data, _log_softmax_backward_data: PyTorch's, so a
 * second derivative goes through recorded ops), and nll_loss with its
 * backward op (each the other's derivative).
 *
 * The kernels view the input as [outer, D, inner] (D the dim's size) and
 * run fused row loops: along the last dim one pass for the max, one for
 * exp and the sum, one to scale, each a plain loop the compiler
 * vectorises (exp is a polynomial written inline for that); other dims go
 * column-wise over `inner`.  float32 and float64 compute in their own
 * dtype; bfloat16 goes through float32 (PyTorch 1.13 has no Half kernel).
 */
#include "nn.h"
#include "stats_sink.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- exp, vectorised */

#pragma GCC optimize ("no-trapping-math")	/* see ROW_CLONES, nn.h */

/* exp(x) in float, the Cephes polynomial: within 1-2 ulp of expf, 0 below
 * the float range, written without calls or branches so loops over it
 * vectorise. */
static inline float vexpf(float x)
{
	float xc = x > 88.3762626647949f ? 88.3762626647949f : x;
	xc = xc < -87.0f ? -87.0f : xc;
	/* n = round(x / ln 2) by the 1.5 * 2^23 trick: no call to floorf,
	 * which SSE2 has no instruction for */
	float fx = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
	float r = xc - fx * 0.693359375f;
	r = r - fx * -2.12194440e-4f;
	float z = r * r;
	float y = 1.9875691500E-4f;
	y = y * r + 1.3981999507E-3f;
	y = y * r + 8.3334519073E-3f;
	y = y * r + 4.1665795894E-2f;
	y = y * r + 1.6666665459E-1f;
	y = y * r + 5.0000001201E-1f;
	y = y * z + r + 1.0f;
	/* unsigned shift: fx is far below -127 for inputs the last line zeroes */
	int32_t e = (int32_t)((uint32_t)((int32_t)fx + 127) << 23);
	float scale;
	memcpy(&scale, &e, sizeof scale);
	y = y * scale;
	return x < -87.3365447505531f ? 0.0f : y;
}

/* ------------------------------------------------------------- row kernels */

/* The map passes of the float32 rows go by blocks of RB elements, each
 * block asking for the same place in the next row (the next row's input
 * read, its output about to be written: PF_R, PF_W) while this row's
 * arithmetic runs.  A row of 1024 float32 is one 4 KiB page, where the
 * hardware's stream prefetcher stops, so each row would otherwise start
 * with a wait on memory, and the output's lines with a read for
 * ownership; `nx` is where the next row starts relative to this one (0:
 * no next row, the block asks for this row's lines, a no-op).  Same
 * arithmetic per element as one plain loop: the same bits. */
#define RB 16
#define PF_R(p) __builtin_prefetch((p), 0, 3)
#define PF_W(p) __builtin_prefetch((p), 1, 3)

/* softmax / log_softmax of one contiguous row (float32) */
ROW_CLONES
static void row_f32(const float *restrict x, float *restrict y, int64_t D,
		    bool logsm, int64_t nx)
{
	float m = -INFINITY, s = 0.0f;
	int64_t d0 = 0;
#pragma omp simd reduction(max:m)
	for (int64_t d = 0; d < D; d++)
		m = x[d] > m ? x[d] : m;
	if (logsm) {
#pragma omp simd reduction(+:s)
		for (int64_t d = 0; d < D; d++)
			s += vexpf(x[d] - m);
		float c = m + logf(s);
		for (; d0 + RB <= D; d0 += RB) {
			PF_R(x + nx + d0);
			PF_W(y + nx + d0);
#pragma omp simd
			for (int64_t d = d0; d < d0 + RB; d++)
				y[d] = x[d] - c;
		}
#pragma omp simd
		for (int64_t d = d0; d < D; d++)
			y[d] = x[d] - c;
	} else {
#pragma omp simd reduction(+:s)
		for (int64_t d = 0; d < D; d++) {
			float e = vexpf(x[d] - m);
			y[d] = e;
			s += e;
		}
		float r = 1.0f / s;
		/* the next row's input only: this pass is short (y is in
		 * L1), and the next row's output lines are written while
		 * its exp runs (asking for them here too measured slower) */
		for (; d0 + RB <= D; d0 += RB) {
			PF_R(x + nx + d0);
#pragma omp simd
			for (int64_t d = d0; d < d0 + RB; d++)
				y[d] *= r;
		}
#pragma omp simd
		for (int64_t d = d0; d < D; d++)
			y[d] *= r;
	}
}

static void row_f64(const double *restrict x, double *restrict y, int64_t D,
		    bool logsm)
{
	double m = -INFINITY, s = 0.0;
	for (int64_t d = 0; d < D; d++)
		m = x[d] > m ? x[d] : m;
	if (logsm) {
		for (int64_t d = 0; d < D; d++)
			s += exp(x[d] - m);
		double c = m + log(s);
		for (int64_t d = 0; d < D; d++)
			y[d] = x[d] - c;
	} else {
		for (int64_t d = 0; d < D; d++) {
			y[d] = exp(x[d] - m);
			s += y[d];
		}
		double r = 1.0 / s;
		for (int64_t d = 0; d < D; d++)
			y[d] *= r;
	}
}

/* The gradient of one row: softmax: y * (g - sum(g * y));
 * log_softmax: g - exp(y) * sum(g).  Prefetches as row_f32's. */
ROW_CLONES
static void row_bw_f32(const float *restrict g, const float *restrict y,
		       float *restrict gi, int64_t D, bool logsm, int64_t nx)
{
	float s = 0.0f;
	int64_t d0 = 0;
	if (logsm) {
#pragma omp simd reduction(+:s)
		for (int64_t d = 0; d < D; d++)
			s += g[d];
		for (; d0 + RB <= D; d0 += RB) {
			PF_R(g + nx + d0);
			PF_R(y + nx + d0);
			PF_W(gi + nx + d0);
#pragma omp simd
			for (int64_t d = d0; d < d0 + RB; d++)
				gi[d] = g[d] - vexpf(y[d]) * s;
		}
#pragma omp simd
		for (int64_t d = d0; d < D; d++)
			gi[d] = g[d] - vexpf(y[d]) * s;
	} else {
#pragma omp simd reduction(+:s)
		for (int64_t d = 0; d < D; d++)
			s += g[d] * y[d];
		for (; d0 + RB <= D; d0 += RB) {
			PF_R(g + nx + d0);
			PF_R(y + nx + d0);
			PF_W(gi + nx + d0);
#pragma omp simd
			for (int64_t d = d0; d < d0 + RB; d++)
				gi[d] = y[d] * (g[d] - s);
		}
#pragma omp simd
		for (int64_t d = d0; d < D; d++)
			gi[d] = y[d] * (g[d] - s);
	}
}

static void row_bw_f64(const double *restrict g, const double *restrict y,
		       double *restrict gi, int64_t D, bool logsm)
{
	double s = 0.0;
	if (logsm) {
		for (int64_t d = 0; d < D; d++)
			s += g[d];
		for (int64_t d = 0; d < D; d++)
			gi[d] = g[d] - exp(y[d]) * s;
	} else {
		for (int64_t d = 0; d < D; d++)
			s += g[d] * y[d];
		for (int64_t d = 0; d < D; d++)
			gi[d] = y[d] * (g[d] - s);
	}
}

/* A strided row (inner > 1) gathered into a buffer, run, scattered back. */
typedef struct sm_job {
	ag_dtype dt;
	bool logsm, backward;
	int64_t outer, D, inner;
	const char *a, *b;	/* forward: x; backward: g, y */
	char *out;
	ag_stats_sink *sink;	/* backward: the gradient's statistics */
} sm_job;

static void run_row(const sm_job *j, int64_t o, int64_t i, char *buf,
		    bool next)
{
	size_t es = ag_dtype_size(j->dt);
	int64_t base = o * j->D * j->inner + i, D = j->D;
	if (j->inner == 1) {
		const char *a = j->a + (size_t)base * es;
		const char *b = j->b ? j->b + (size_t)base * es : NULL;
		char *out = j->out + (size_t)base * es;
		if (j->dt == AG_FLOAT64) {
			if (j->backward)
				row_bw_f64((const double *)a, (const double *)b,
					   (double *)out, D, j->logsm);
			else
				row_f64((const double *)a, (double *)out, D, j->logsm);
		} else {
			if (j->backward)
				row_bw_f32((const float *)a, (const float *)b,
					   (float *)out, D, j->logsm, next ? D : 0);
			else
				row_f32((const float *)a, (float *)out, D, j->logsm,
					next ? D : 0);
		}
		return;
	}
	/* gather a, b into buf[0..D), buf[D..2D); result into buf[2D..3D) */
	for (int64_t d = 0; d < D; d++) {
		size_t at = (size_t)(base + d * j->inner) * es;
		memcpy(buf + (size_t)d * es, j->a + at, es);
		if (j->b)
			memcpy(buf + (size_t)(D + d) * es, j->b + at, es);
	}
	sm_job row = *j;
	row.inner = 1;
	row.a = buf;
	row.b = j->b ? buf + (size_t)D * es : NULL;
	row.out = buf + (size_t)(2 * D) * es;
	run_row(&row, 0, 0, NULL, false);
	for (int64_t d = 0; d < D; d++)
		memcpy(j->out + (size_t)(base + d * j->inner) * es,
		       row.out + (size_t)d * es, es);
}

static int run_rows(const sm_job *j)
{
	int64_t rows = j->outer * j->inner;
	size_t bufsize = j->inner == 1 ? 0 :
		(size_t)(3 * j->D) * ag_dtype_size(j->dt);
	bool par = rows > 1 && rows * j->D >= AG_PARALLEL_GRAIN;
	int failed = 0;

#pragma omp parallel if (par)
	{
		char *buf = bufsize ? malloc(bufsize) : NULL;
		if (bufsize && !buf) {
#pragma omp atomic write
			failed = 1;
		} else {
#pragma omp for schedule(static)
			for (int64_t r = 0; r < rows; r++) {
				run_row(j, r / j->inner, r % j->inner, buf,
					j->inner == 1 && r + 1 < rows);
				if (j->inner == 1)
					ag_stats_sink_wrote(j->sink, r * j->D,
							    (r + 1) * j->D);
			}
		}
		free(buf);
	}
	if (failed)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	return 0;
}

/* ------------------------------------------------------------ the ops */

static void split_dims(const ag_tensor *t, int dim, int64_t *outer,
		       int64_t *D, int64_t *inner)
{
	*outer = 1;
	*inner = 1;
	*D = t->ndim ? t->shape[dim] : 1;
	for (int i = 0; i < dim; i++)
		*outer *= t->shape[i];
	for (int i = dim + 1; i < t->ndim; i++)
		*inner *= t->shape[i];
}

int ag_nn_check_float(const ag_tensor *t, const char *kernel)
{
	if (t->dtype == AG_FLOAT32 || t->dtype == AG_FLOAT64 ||
	    ag_dtype_is_half(t->dtype))
		return 0;
	return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'", kernel,
			ag_dtype_scalar_name(t->dtype));
}

/* Computes the job's output over contiguous float32/float64 copies of the
 * inputs, then stores it in the inputs' dtype. */
static ag_tensor *compute_rows(ag_tensor *a, ag_tensor *b, int dim,
			       bool logsm, bool backward)
{
	ag_dtype dt = a->dtype, work = dt == AG_FLOAT64 ? AG_FLOAT64 : AG_FLOAT32;
	ag_tensor *ac = ag_to_dtype(a, work), *bc = NULL, *out = NULL;
	ag_tensor *acc = ac ? ag_contiguous(ac) : NULL, *bcc = NULL;

	if (!acc)
		goto done;
	if (b) {
		bc = ag_to_dtype(b, work);
		bcc = bc ? ag_contiguous(bc) : NULL;
		if (!bcc)
			goto done;
	}
	out = ag_tensor_alloc_uninit(a->shape, a->ndim, work);
	if (!out)
		goto done;
	ag_stats_sink sink;
	sink.part = NULL;	/* off until begun (4 KiB: not zeroed) */
	sm_job j = { .dt = work, .logsm = logsm, .backward = backward,
		     .a = ag_data_ptr(acc), .b = bcc ? ag_data_ptr(bcc) : NULL,
		     .out = ag_data_ptr(out), .sink = &sink };
	split_dims(a, dim, &j.outer, &j.D, &j.inner);
	if (backward && work == dt && j.inner == 1)	/* out is the gradient */
		ag_stats_sink_begin(&sink, out);
	if (ag_numel(a) > 0 && run_rows(&j) < 0) {
		ag_stats_sink_end(&sink, NULL);
		ag_tensor_release(out);
		out = NULL;
		goto done;
	}
	ag_stats_sink_end(&sink, out);
	if (work != dt) {
		ag_tensor *r = ag_to_dtype(out, dt);
		ag_tensor_release(out);
		out = r;
	}
done:
	ag_tensor_release(ac);
	ag_tensor_release(acc);
	ag_tensor_release(bc);
	ag_tensor_release(bcc);
	return out;
}

static ag_tensor *softmax_op(ag_op op, ag_tensor *x, int dim, bool logsm)
{
	ag_softmax_args args;
	ag_tensor *out;
	bool was;

	if (ag_wrap_dim(dim, x->ndim, &args.dim) < 0)
		return NULL;
	if (ag_nn_check_float(x, x->ndim && args.dim == x->ndim - 1 ?
			"softmax_lastdim_kernel_impl" : "softmax_kernel_impl") < 0)
		return NULL;
	was = ag_set_grad_enabled(false);
	out = compute_rows(x, NULL, args.dim, logsm, false);
	ag_set_grad_enabled(was);
	return ag_recorded(out, (ag_call){ .op = op, .in = (ag_tensor *[]){ x },
		.nin = 1, .args = &args, .args_size = sizeof args });
}

ag_tensor *ag_softmax(ag_tensor *x, int dim)
{
	return softmax_op(AG_OP_SOFTMAX, x, dim, false);
}

ag_tensor *ag_log_softmax(ag_tensor *x, int dim)
{
	return softmax_op(AG_OP_LOG_SOFTMAX, x, dim, true);
}

static ag_tensor *softmax_bw_op(ag_op op, ag_tensor *g, ag_tensor *y, int dim,
				bool logsm)
{
	ag_softmax_args args = { .dim = dim };
	ag_tensor *out;
	bool was;

	if (!ag_same_shape(g, y)) {
		return ag_error(AG_ERR_SHAPE, "%s: grad_output and output differ "
				"in shape", ag_op_name(op)), NULL;
	}
	was = ag_set_grad_enabled(false);
	out = compute_rows(g, y, dim, logsm, true);
	ag_set_grad_enabled(was);
	return ag_recorded(out, (ag_call){ .op = op,
		.in = (ag_tensor *[]){ g, y }, .nin = 2, .args = &args,
		.args_size = sizeof args });
}

ag_tensor *ag_softmax_backward_data(ag_tensor *g, ag_tensor *y, int dim)
{
	return softmax_bw_op(AG_OP_SOFTMAX_BACKWARD_DATA, g, y, dim, false);
}

ag_tensor *ag_log_softmax_backward_data(ag_tensor *g, ag_tensor *y, int dim)
{
	return softmax_bw_op(AG_OP_LOG_SOFTMAX_BACKWARD_DATA, g, y, dim, true);
}

/* ------------------------------------------------------------- nll_loss */

/* Input [N, C, S] (S: the spatial dims flattened; N = 1 and no batch dim
 * for a 1-d input), target [N, S]. */
typedef struct nll_geom {
	int64_t N, C, S;
} nll_geom;

static int nll_check(ag_tensor *input, ag_tensor *target, ag_tensor *weight,
		     int64_t ignore_index, nll_geom *gm)
{
	char a[128], b[128];

	if (input->ndim < 1)
		return ag_error(AG_ERR_SHAPE, "input tensor should be 1D or 2D");
	if (target->dtype != AG_INT64)
		return ag_error(AG_ERR_DTYPE, "expected scalar type Long but found "
				"%s", ag_dtype_scalar_name(target->dtype));
	if (ag_nn_check_float(input, "nll_loss_out_frame") < 0)
		return -1;
	gm->N = input->ndim == 1 ? 1 : input->shape[0];
	gm->C = input->shape[input->ndim == 1 ? 0 : 1];
	gm->S = 1;
	for (int i = 2; i < input->ndim; i++)
		gm->S *= input->shape[i];
	if (input->ndim == 1) {
		if (target->ndim > 1 || (target->ndim == 1 && target->shape[0] != 1))
			return ag_error(AG_ERR_SHAPE, "0D or 1D target tensor "
					"expected, multi-target not supported");
	} else if (input->ndim == 2) {
		if (target->ndim != 1)
			return ag_error(AG_ERR_SHAPE, "0D or 1D target tensor "
					"expected, multi-target not supported");
		if (target->shape[0] != gm->N)
			return ag_error(AG_ERR_SHAPE, "Expected input batch_size "
					"(%lld) to match target batch_size (%lld).",
					(long long)gm->N,
					(long long)target->shape[0]);
	} else {
		bool ok = target->ndim == input->ndim - 1 &&
			target->shape[0] == gm->N;
		for (int i = 2; ok && i < input->ndim; i++)
			ok = target->shape[i - 1] == input->shape[i];
		if (!ok) {
			int64_t want[AG_MAX_DIMS];
			want[0] = gm->N;
			for (int i = 2; i < input->ndim; i++)
				want[i - 1] = input->shape[i];
			return ag_error(AG_ERR_SHAPE, "Expected target size %s, got "
					"%s", ag_shape_str(want, input->ndim - 1, a,
							   sizeof a),
					ag_shape_str(target->shape, target->ndim, b,
						     sizeof b));
		}
	}
	if (weight && (weight->ndim != 1 || weight->shape[0] != gm->C))
		return ag_error(AG_ERR_SHAPE, "weight tensor should be defined "
				"either for all %lld classes or no classes but got "
				"weight tensor of shape: %s", (long long)gm->C,
				ag_shape_str(weight->shape, weight->ndim, b, sizeof b));
	/* targets in range (ignore_index aside); messages in Lua's 1-based
	 * terms are the binding's business: core reports 0-based values */
	ag_tensor *tc = ag_contiguous(target);
	if (!tc)
		return -1;
	const int64_t *tp = ag_data_ptr(tc);
	for (int64_t i = 0; i < ag_numel(tc); i++) {
		if (tp[i] != ignore_index && (tp[i] < 0 || tp[i] >= gm->C)) {
			int64_t bad = tp[i];
			ag_tensor_release(tc);
			return ag_error(AG_ERR_INDEX, "Target %lld is out of bounds.",
					(long long)bad);
		}
	}
	ag_tensor_release(tc);
	return 0;
}

/* out = -w[t] * x[n, t, s] per (n, s), reduced: only the N * S picked
 * elements are read (through ag_load, in the input's own dtype). */
static ag_tensor *nll_compute(ag_tensor *input, ag_tensor *target,
			      ag_tensor *weight, const ag_nll_args *a,
			      const nll_geom *gm, double *total_weight)
{
	ag_tensor *xc = ag_contiguous(input);
	ag_tensor *tc = xc ? ag_contiguous(target) : NULL;
	ag_tensor *wc = NULL, *out = NULL;

	if (!tc)
		goto done;
	if (weight && !(wc = ag_contiguous(weight)))
		goto done;
	const char *x = ag_data_ptr(xc), *w = wc ? ag_data_ptr(wc) : NULL;
	size_t xs = ag_dtype_size(input->dtype);
	size_t ws = wc ? ag_dtype_size(wc->dtype) : 0;
	const int64_t *t = ag_data_ptr(tc);
	int64_t NS = gm->N * gm->S;
#define XAT(n, c, s) ag_load(x + (size_t)(((n) * gm->C + (c)) * gm->S + (s)) * xs, \
			     input->dtype)
#define WAT(c) (w ? ag_load(w + (size_t)(c) * ws, wc->dtype) : 1.0)
	if (a->reduction == AG_REDUCTION_NONE) {
		out = ag_tensor_alloc_uninit(target->shape, target->ndim,
					     input->dtype);
		if (!out)
			goto done;
		char *o = ag_data_ptr(out);
		for (int64_t i = 0; i < NS; i++) {
			int64_t n = i / gm->S, s = i % gm->S, c = t[i];
			ag_store(o + (size_t)i * xs, input->dtype,
				 c == a->ignore_index ? 0.0 :
				 -WAT(c) * XAT(n, c, s));
		}
		*total_weight = 0;
	} else {
		/* float32 (and the half types): PyTorch sums in float */
		bool f32 = input->dtype != AG_FLOAT64;
		double sum = 0, tw = 0;
		float sumf = 0, twf = 0;
		for (int64_t i = 0; i < NS; i++) {
			int64_t n = i / gm->S, s = i % gm->S, c = t[i];
			if (c == a->ignore_index)
				continue;
			double wi = WAT(c), v = -wi * XAT(n, c, s);
			if (f32) {
				sumf += (float)v;
				twf += (float)wi;
			} else {
				sum += v;
				tw += wi;
			}
		}
		if (f32) {
			sum = sumf;
			tw = twf;
		}
		*total_weight = tw;
		if (a->reduction == AG_REDUCTION_MEAN)
			sum = f32 ? (double)((float)sum / (float)tw) : sum / tw;
		out = ag_scalar(sum, input->dtype);
	}
#undef XAT
#undef WAT
done:
	ag_tensor_release(xc);
	ag_tensor_release(tc);
	ag_tensor_release(wc);
	return out;
}

ag_tensor *ag_nll_loss(ag_tensor *input, ag_tensor *target, ag_tensor *weight,
		       int reduction, int64_t ignore_index)
{
	ag_nll_args a = { .reduction = reduction, .ignore_index = ignore_index,
			  .has_weight = weight != NULL };
	nll_geom gm;
	ag_tensor *out;
	bool was;

	if (reduction < 0 || reduction > 2) {
		ag_error(AG_ERR_VALUE, "invalid reduction");
		return NULL;
	}
	if (nll_check(input, target, weight, ignore_index, &gm) < 0)
		return NULL;
	a.in = ag_shape_of(input);
	was = ag_set_grad_enabled(false);
	out = nll_compute(input, target, weight, &a, &gm, &a.total_weight);
	ag_set_grad_enabled(was);
	return ag_recorded(out, (ag_call){ .op = AG_OP_NLL_LOSS,
		.variant = input->ndim >= 3, .in = (ag_tensor *[]){ input,
		target, weight }, .nin = 3, .args = &a, .args_size = sizeof a });
}

/* grad_input of nll_loss: zeros but -w[t] * g at each target (g scaled by
 * 1 / total_weight for mean; per element for none). */
ag_tensor *ag_nll_loss_backward(ag_tensor *g, ag_tensor *target,
				ag_tensor *weight, ag_tensor *input,
				const ag_nll_args *a)
{
	ag_tensor *gi, *gc = NULL, *tc = NULL, *wc = NULL;
	nll_geom gm;
	bool was = ag_set_grad_enabled(false);

	gm.N = a->in.ndim == 1 ? 1 : a->in.size[0];
	gm.C = a->in.size[a->in.ndim == 1 ? 0 : 1];
	gm.S = 1;
	for (int i = 2; i < a->in.ndim; i++)
		gm.S *= a->in.size[i];
	gi = ag_tensor_alloc(a->in.size, a->in.ndim, g->dtype);
	gc = gi ? ag_contiguous(g) : NULL;
	tc = gc ? ag_contiguous(target) : NULL;
	if (tc && weight)
		wc = ag_contiguous(weight);
	if (!tc || (weight && !wc)) {
		ag_tensor_release(gi);
		gi = NULL;
		goto done;
	}
	char *o = ag_data_ptr(gi);
	const char *gp = ag_data_ptr(gc), *w = wc ? ag_data_ptr(wc) : NULL;
	size_t es = ag_dtype_size(g->dtype);
	const int64_t *t = ag_data_ptr(tc);
	double scale = a->reduction == AG_REDUCTION_MEAN ? 1.0 / a->total_weight : 1.0;
	double g0 = a->reduction == AG_REDUCTION_NONE ? 0 : ag_load(gp, g->dtype);
	for (int64_t i = 0; i < gm.N * gm.S; i++) {
		int64_t n = i / gm.S, s = i % gm.S, c = t[i];
		if (c == a->ignore_index)
			continue;
		double gv = a->reduction == AG_REDUCTION_NONE ?
			ag_load(gp + (size_t)i * es, g->dtype) : g0 * scale;
		double wv = w ? ag_load(w + (size_t)c * ag_dtype_size(wc->dtype),
					wc->dtype) : 1.0;
		ag_store(o + (size_t)((n * gm.C + c) * gm.S + s) * es, g->dtype,
			 -wv * gv);
	}
done:
	ag_tensor_release(gc);
	ag_tensor_release(tc);
	ag_tensor_release(wc);
	ag_set_grad_enabled(was);
	return ag_recorded(gi, (ag_call){ .op = AG_OP_NLL_LOSS_BACKWARD,
		.variant = a->in.ndim >= 3, .in = (ag_tensor *[]){ g, target,
		weight, input }, .nin = 4, .args = a,
		.args_size = sizeof *a });
}

/* nll_loss of gg with nll_loss_backward's arguments: the derivative of
 * nll_loss_backward with respect to its grad_output (total_weight as
 * saved, which only depends on target and weight). */
ag_tensor *ag_nll_loss_again(ag_tensor *gg, ag_tensor *target,
			     ag_tensor *weight, const ag_nll_args *a)
{
	ag_nll_args b = *a;
	nll_geom gm;
	double tw;
	bool was = ag_set_grad_enabled(false);

	b.in = ag_shape_of(gg);
	gm.N = gg->ndim == 1 ? 1 : gg->shape[0];
	gm.C = gg->shape[gg->ndim == 1 ? 0 : 1];
	gm.S = 1;
	for (int i = 2; i < gg->ndim; i++)
		gm.S *= gg->shape[i];
	ag_tensor *out = nll_compute(gg, target, weight, &b, &gm, &tw);
	if (out && b.reduction == AG_REDUCTION_MEAN && tw != a->total_weight) {
		/* rescale to the saved total weight */
		ag_tensor *r = ag_mul_scalar(out, tw / a->total_weight);
		ag_tensor_release(out);
		out = r;
	}
	ag_set_grad_enabled(was);
	return ag_recorded(out, (ag_call){ .op = AG_OP_NLL_LOSS,
		.variant = gg->ndim >= 3, .in = (ag_tensor *[]){ gg, target,
		weight }, .nin = 3,
		.args = &b, .args_size = sizeof b });
}
