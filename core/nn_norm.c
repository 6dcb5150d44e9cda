/*
 * nn_norm.c - native_layer_norm, native_batch_norm (training, with the
 * running statistics, and eval) and native_group_norm: forward kernels,
 * and the fused backward kernels their formulas use when no graph of the
 * backward is needed.
 *
 * All three normalise a contiguous input seen as [A, C, B] with one mean
 * and one variance per c over A x B elements (layer_norm: A = 1, C rows,
 * B the normalised size; batch_norm: A = N, C channels, B the spatial
 * size; group_norm: A = 1, C = N * groups, B the group's elements); they
 * differ in where the affine weight and bias sit (per b, per c, or per
 * channel inside b).
 */
#include "nn.h"
#include "stats_sink.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

typedef enum { AFF_B, AFF_C, AFF_GROUP } affine_kind;

typedef struct norm_geom {
	int64_t A, C, B;
	affine_kind aff;
	int64_t groups, S;	/* AFF_GROUP: groups, spatial size */
} norm_geom;

/* index of the affine parameter for element (c, b) */
static inline int64_t aff_index(const norm_geom *g, int64_t c, int64_t b)
{
	switch (g->aff) {
	case AFF_B: return b;
	case AFF_C: return c;
	default: return (c % g->groups) * (g->B / g->S) + b / g->S;
	}
}

/* ----------------------------------------------------------- the kernels */

#define NORM_KERNELS(T, SUF, SQRT)					\
/* mean and 1/sqrt(var + eps) per c (var biased); var_out unbiased-less  \
 * variance when asked */						\
static void moments_##SUF(const T *x, const norm_geom *g, double eps,	\
			  T *mean, T *rstd, double *var_out)		\
{									\
	int64_t A = g->A, C = g->C, B = g->B;				\
	_Pragma("omp parallel for if (A * C * B >= AG_PARALLEL_GRAIN && C > 1)") \
	for (int64_t c = 0; c < C; c++) {				\
		T s = 0;						\
		for (int64_t a = 0; a < A; a++) {			\
			const T *row = x + (a * C + c) * B;		\
			T rs = 0;					\
			_Pragma("omp simd reduction(+:rs)")		\
			for (int64_t b = 0; b < B; b++)			\
				rs += row[b];				\
			s += rs;					\
		}							\
		T m = s / (T)(A * B), q = 0;				\
		for (int64_t a = 0; a < A; a++) {			\
			const T *row = x + (a * C + c) * B;		\
			T rq = 0;					\
			_Pragma("omp simd reduction(+:rq)")		\
			for (int64_t b = 0; b < B; b++) {		\
				T d = row[b] - m;			\
				rq += d * d;				\
			}						\
			q += rq;					\
		}							\
		T v = q / (T)(A * B);					\
		mean[c] = m;						\
		rstd[c] = (T)1 / SQRT(v + (T)eps);			\
		if (var_out)						\
			var_out[c] = (double)v;				\
	}								\
}									\
									\
/* y = (x - mean) * rstd * w + b */					\
static void apply_##SUF(const T *x, const norm_geom *g, const T *mean,	\
			const T *rstd, const T *w, const T *bias, T *y)	\
{									\
	int64_t A = g->A, C = g->C, B = g->B;				\
	_Pragma("omp parallel for if (A * C * B >= AG_PARALLEL_GRAIN)")	\
	for (int64_t r = 0; r < A * C; r++) {				\
		int64_t c = r % C;					\
		const T *xr = x + r * B;				\
		T *yr = y + r * B;					\
		T m = mean[c], s = rstd[c];				\
		if (g->aff == AFF_B && w && bias) {			\
			_Pragma("omp simd")				\
			for (int64_t b = 0; b < B; b++)			\
				yr[b] = (xr[b] - m) * s * w[b] + bias[b]; \
		} else if (g->aff == AFF_B) {				\
			_Pragma("omp simd")				\
			for (int64_t b = 0; b < B; b++) {		\
				T v = (xr[b] - m) * s;			\
				if (w) v *= w[b];			\
				if (bias) v += bias[b];			\
				yr[b] = v;				\
			}						\
		} else {						\
			for (int64_t b = 0; b < B; b++) {		\
				int64_t k = aff_index(g, c, b);		\
				T v = (xr[b] - m) * s;			\
				if (w) v *= w[k];			\
				if (bias) v += bias[k];			\
				yr[b] = v;				\
			}						\
		}							\
	}								\
}									\
									\
/* The gradients for normalisation over each c's A x B elements (the	\
 * batch statistics: training mode): dx, and per affine index dw, db */ \
static void backward_##SUF(const T *dy, const T *x, const norm_geom *g, \
			   const T *mean, const T *rstd, const T *w,	\
			   T *dx, T *dw, T *db, bool stats_are_batch)	\
{									\
	int64_t A = g->A, C = g->C, B = g->B;				\
	double n = (double)(A * B);					\
	if (dx) {							\
	_Pragma("omp parallel for if (A * C * B >= AG_PARALLEL_GRAIN && C > 1)") \
	for (int64_t c = 0; c < C; c++) {				\
		T m = mean[c], s = rstd[c], sg = 0, sgx = 0;		\
		if (stats_are_batch) {					\
			for (int64_t a = 0; a < A; a++) {		\
				const T *dr = dy + (a * C + c) * B;	\
				const T *xr = x + (a * C + c) * B;	\
				T t1 = 0, t2 = 0;			\
				if (g->aff == AFF_B && w) {		\
					_Pragma("omp simd reduction(+:t1,t2)") \
					for (int64_t b = 0; b < B; b++) { \
						T gw = dr[b] * w[b];	\
						t1 += gw;		\
						t2 += gw * xr[b];	\
					}				\
				} else {				\
					for (int64_t b = 0; b < B; b++) { \
						T gw = dr[b];		\
						if (w) gw *= w[aff_index(g, c, b)]; \
						t1 += gw;		\
						t2 += gw * xr[b];	\
					}				\
				}					\
				sg += t1;				\
				sgx += t2;				\
			}						\
		}							\
		/* dx = s * gw - s^3 (sgx - m sg) (x - m) / n - s sg / n */ \
		T k1 = (T)(((double)sgx - (double)m * (double)sg) * (double)s * \
			   (double)s * (double)s / n);			\
		T k2 = (T)((double)sg * (double)s / n);			\
		if (!stats_are_batch)					\
			k1 = k2 = 0;					\
		for (int64_t a = 0; a < A; a++) {			\
			const T *dr = dy + (a * C + c) * B;		\
			const T *xr = x + (a * C + c) * B;		\
			T *out = dx + (a * C + c) * B;			\
			if (g->aff == AFF_B && w) {			\
				_Pragma("omp simd")			\
				for (int64_t b = 0; b < B; b++)		\
					out[b] = s * dr[b] * w[b] -	\
						k1 * (xr[b] - m) - k2;	\
			} else {					\
				for (int64_t b = 0; b < B; b++) {	\
					T gw = dr[b];			\
					if (w) gw *= w[aff_index(g, c, b)]; \
					out[b] = s * gw - k1 * (xr[b] - m) - k2; \
				}					\
			}						\
		}							\
	}								\
	}								\
	if (!dw && !db)							\
		return;							\
	/* dw[k] = sum dy * xhat, db[k] = sum dy over the elements at k */ \
	if (g->aff == AFF_B) {						\
		for (int64_t r = 0; r < A * C; r++) {			\
			int64_t c = r % C;				\
			const T *dr = dy + r * B, *xr = x + r * B;	\
			T m = mean[c], s = rstd[c];			\
			if (dw) {					\
				_Pragma("omp simd")			\
				for (int64_t b = 0; b < B; b++)		\
					dw[b] += dr[b] * (xr[b] - m) * s; \
			}						\
			if (db) {					\
				_Pragma("omp simd")			\
				for (int64_t b = 0; b < B; b++)		\
					db[b] += dr[b];			\
			}						\
		}							\
	} else {							\
		for (int64_t r = 0; r < A * C; r++) {			\
			int64_t c = r % C;				\
			const T *dr = dy + r * B, *xr = x + r * B;	\
			T m = mean[c], s = rstd[c];			\
			for (int64_t b = 0; b < B; b++) {		\
				int64_t k = aff_index(g, c, b);		\
				if (dw) dw[k] += dr[b] * (xr[b] - m) * s; \
				if (db) db[k] += dr[b];			\
			}						\
		}							\
	}								\
}

NORM_KERNELS(float, f32, sqrtf)
NORM_KERNELS(double, f64, sqrt)

/* ------------------------------------------- float32 rows (layer_norm) */

/* The rows of a [1, C, B] float32 input (layer_norm, group_norm's
 * statistics) in fused, vectorised loops built for AVX-512 and AVX2 too. */
#pragma GCC optimize ("no-trapping-math")	/* see ROW_CLONES, nn.h */

ROW_CLONES
static void row_stats_f32(const float *restrict x, int64_t B, double eps,
			  float *mean, float *rstd)
{
	float s = 0, q = 0;
#pragma omp simd reduction(+:s)
	for (int64_t b = 0; b < B; b++)
		s += x[b];
	float m = s / (float)B;
#pragma omp simd reduction(+:q)
	for (int64_t b = 0; b < B; b++)
		q += (x[b] - m) * (x[b] - m);
	*mean = m;
	*rstd = 1.0f / sqrtf(q / (float)B + (float)eps);
}

/* The map passes of the rows go by blocks of RB elements, each block
 * asking for the same place in the next row (`nx` elements on; 0: no
 * next row, a no-op): a row of 1024 float32 is one 4 KiB page, where the
 * hardware's stream prefetcher stops, so each row would otherwise start
 * with a wait on memory, and its output's lines with a read for
 * ownership.  The same arithmetic per element as one plain loop: the
 * same bits. */
#define RB 16
#define PF_R(p) __builtin_prefetch((p), 0, 3)
#define PF_W(p) __builtin_prefetch((p), 1, 3)

ROW_CLONES
static void row_apply_f32(const float *restrict x, int64_t B, float m,
			  float r, const float *restrict w,
			  const float *restrict bias, float *restrict y,
			  int64_t nx)
{
	int64_t b0 = 0;
	if (w && bias) {
		for (; b0 + RB <= B; b0 += RB) {
			PF_R(x + nx + b0);
			PF_W(y + nx + b0);
#pragma omp simd
			for (int64_t b = b0; b < b0 + RB; b++)
				y[b] = (x[b] - m) * r * w[b] + bias[b];
		}
#pragma omp simd
		for (int64_t b = b0; b < B; b++)
			y[b] = (x[b] - m) * r * w[b] + bias[b];
	} else if (w) {
		for (; b0 + RB <= B; b0 += RB) {
			PF_R(x + nx + b0);
			PF_W(y + nx + b0);
#pragma omp simd
			for (int64_t b = b0; b < b0 + RB; b++)
				y[b] = (x[b] - m) * r * w[b];
		}
#pragma omp simd
		for (int64_t b = b0; b < B; b++)
			y[b] = (x[b] - m) * r * w[b];
	} else {
		for (; b0 + RB <= B; b0 += RB) {
			PF_R(x + nx + b0);
			PF_W(y + nx + b0);
#pragma omp simd
			for (int64_t b = b0; b < b0 + RB; b++)
				y[b] = (x[b] - m) * r + (bias ? bias[b] : 0.0f);
		}
#pragma omp simd
		for (int64_t b = b0; b < B; b++)
			y[b] = (x[b] - m) * r + (bias ? bias[b] : 0.0f);
	}
}

/* dx of one row: r * dy * w - k1 * (x - m) - k2 (prefetching as
 * row_apply_f32) */
ROW_CLONES
static void row_dx_f32(const float *restrict dy, const float *restrict x,
		       const float *restrict w, int64_t B, float m, float r,
		       float *restrict dx, int64_t nx)
{
	float t1 = 0, t2 = 0;
	if (w) {
#pragma omp simd reduction(+:t1, t2)
		for (int64_t b = 0; b < B; b++) {
			float gw = dy[b] * w[b];
			t1 += gw;
			t2 += gw * x[b];
		}
	} else {
#pragma omp simd reduction(+:t1, t2)
		for (int64_t b = 0; b < B; b++) {
			t1 += dy[b];
			t2 += dy[b] * x[b];
		}
	}
	float k1 = (float)(((double)t2 - (double)m * t1) * r * r * r / (double)B);
	float k2 = (float)((double)t1 * r / (double)B);
	int64_t b0 = 0;
	if (w) {
		for (; b0 + RB <= B; b0 += RB) {
			PF_R(dy + nx + b0);
			PF_R(x + nx + b0);
			PF_W(dx + nx + b0);
#pragma omp simd
			for (int64_t b = b0; b < b0 + RB; b++)
				dx[b] = r * dy[b] * w[b] - k1 * (x[b] - m) - k2;
		}
#pragma omp simd
		for (int64_t b = b0; b < B; b++)
			dx[b] = r * dy[b] * w[b] - k1 * (x[b] - m) - k2;
	} else {
		for (; b0 + RB <= B; b0 += RB) {
			PF_R(dy + nx + b0);
			PF_R(x + nx + b0);
			PF_W(dx + nx + b0);
#pragma omp simd
			for (int64_t b = b0; b < b0 + RB; b++)
				dx[b] = r * dy[b] - k1 * (x[b] - m) - k2;
		}
#pragma omp simd
		for (int64_t b = b0; b < B; b++)
			dx[b] = r * dy[b] - k1 * (x[b] - m) - k2;
	}
}

ROW_CLONES
static void row_dwdb_f32(const float *restrict dy, const float *restrict x,
			 int64_t B, float m, float r, float *restrict dw,
			 float *restrict db)
{
	if (dw) {
#pragma omp simd
		for (int64_t b = 0; b < B; b++)
			dw[b] += dy[b] * (x[b] - m) * r;
	}
	if (db) {
#pragma omp simd
		for (int64_t b = 0; b < B; b++)
			db[b] += dy[b];
	}
}

static void rows_forward_f32(const float *x, const norm_geom *g, double eps,
			     const float *w, const float *bias, float *mean,
			     float *rstd, float *y, bool stats)
{
	int64_t C = g->C, B = g->B;
#pragma omp parallel for if (C * B >= AG_PARALLEL_GRAIN && C > 1)
	for (int64_t c = 0; c < C; c++) {
		if (stats)
			row_stats_f32(x + c * B, B, eps, &mean[c], &rstd[c]);
		if (y)
			row_apply_f32(x + c * B, B, mean[c], rstd[c], w, bias,
				      y + c * B, c + 1 < C ? B : 0);
	}
}

/* dx, dw and db of the rows in one pass, each thread over its own range
 * of rows (read once, while in cache): dw and db are summed in row order,
 * by the first thread into them, by the others into buffers of their own
 * added after, in thread order (one thread: the order of a plain loop). */
static int rows_backward_f32(const float *dy, const float *x,
			     const norm_geom *g, const float *mean,
			     const float *rstd, const float *w, float *dx,
			     float *dw, float *db, ag_stats_sink *sink)
{
	int64_t C = g->C, B = g->B;
	bool par = C * B >= AG_PARALLEL_GRAIN && C > 1;
	int maxt = 1, team = 1;
	float *part = NULL;
#ifdef _OPENMP
	maxt = par ? omp_get_max_threads() : 1;
#endif
	if (maxt > 1 && (dw || db) &&
	    !(part = calloc((size_t)(maxt - 1) * 2 * (size_t)B, sizeof *part)))
		return ag_error(AG_ERR_NOMEM, "out of memory");
#pragma omp parallel if (maxt > 1) num_threads(maxt)
	{
		int t = 0, nt = 1;
#ifdef _OPENMP
		t = omp_get_thread_num();
		nt = omp_get_num_threads();
#endif
		float *pw = dw, *pb = db;
		if (t > 0) {
			pw = dw ? part + (size_t)(t - 1) * 2 * (size_t)B : NULL;
			pb = db ? part + ((size_t)(t - 1) * 2 + 1) * (size_t)B : NULL;
		}
		if (t == 0)
			team = nt;
		for (int64_t c = C * t / nt; c < C * (t + 1) / nt; c++) {
			if (dx) {
				row_dx_f32(dy + c * B, x + c * B, w, B, mean[c],
					   rstd[c], dx + c * B, c + 1 < C ? B : 0);
				ag_stats_sink_wrote(sink, c * B, (c + 1) * B);
			}
			if (pw || pb)
				row_dwdb_f32(dy + c * B, x + c * B, B, mean[c],
					     rstd[c], pw, pb);
		}
	}
	for (int t = 1; part && t < team; t++) {
		const float *pw = part + (size_t)(t - 1) * 2 * (size_t)B;
		const float *pb = pw + B;
		for (int64_t b = 0; dw && b < B; b++)
			dw[b] += pw[b];
		for (int64_t b = 0; db && b < B; b++)
			db[b] += pb[b];
	}
	free(part);
	return 0;
}

/* ------------------------------------------------------------ helpers */

/* t as a contiguous tensor of the working dtype (NULL stays NULL). */
static int work_copy(ag_tensor *t, ag_dtype work, ag_tensor **out)
{
	*out = NULL;
	if (!t)
		return 0;
	ag_tensor *c = ag_to_dtype(t, work);
	*out = c ? ag_contiguous(c) : NULL;
	ag_tensor_release(c);
	return *out ? 0 : -1;
}

static void *ptr(ag_tensor *t) { return t ? ag_data_ptr(t) : NULL; }

/* Forward: out, and per-c mean and rstd as [C] tensors of the working
 * dtype; var_out (may be NULL) gets the biased variances. */
static int norm_forward(ag_tensor *x, ag_tensor *w, ag_tensor *b,
			const norm_geom *g, double eps, const ag_tensor *use_mean,
			const ag_tensor *use_rstd, ag_tensor **out,
			ag_tensor **mean, ag_tensor **rstd, double *var_out)
{
	ag_dtype work = x->dtype == AG_FLOAT64 ? AG_FLOAT64 : AG_FLOAT32;
	ag_tensor *xc, *wc = NULL, *bc = NULL;
	int64_t C = g->C;
	int rc = -1;

	*out = *mean = *rstd = NULL;
	if (work_copy(x, work, &xc) < 0)
		return -1;
	if (work_copy(w, work, &wc) < 0 || work_copy(b, work, &bc) < 0)
		goto done;
	*out = ag_tensor_alloc_uninit(x->shape, x->ndim, work);
	*mean = ag_tensor_alloc_uninit(&C, 1, work);
	*rstd = ag_tensor_alloc_uninit(&C, 1, work);
	if (!*out || !*mean || !*rstd)
		goto done;
	if (use_mean) {
		/* eval: the given statistics */
		for (int64_t c = 0; c < C; c++) {
			if (work == AG_FLOAT64) {
				((double *)ptr(*mean))[c] = ag_load((char *)ag_data_ptr(use_mean) + c * ag_dtype_size(use_mean->dtype), use_mean->dtype);
				((double *)ptr(*rstd))[c] = ag_load((char *)ag_data_ptr(use_rstd) + c * ag_dtype_size(use_rstd->dtype), use_rstd->dtype);
			} else {
				((float *)ptr(*mean))[c] = (float)ag_load((char *)ag_data_ptr(use_mean) + c * ag_dtype_size(use_mean->dtype), use_mean->dtype);
				((float *)ptr(*rstd))[c] = (float)ag_load((char *)ag_data_ptr(use_rstd) + c * ag_dtype_size(use_rstd->dtype), use_rstd->dtype);
			}
		}
	} else if (ag_numel(x) > 0 && work == AG_FLOAT32 && g->A == 1 &&
		   g->aff == AFF_B && !var_out) {
		/* layer_norm: statistics and output in one pass over rows */
		rows_forward_f32(ptr(xc), g, eps, ptr(wc), ptr(bc), ptr(*mean),
				 ptr(*rstd), ptr(*out), true);
		goto stored;
	} else if (ag_numel(x) > 0) {
		if (work == AG_FLOAT64)
			moments_f64(ptr(xc), g, eps, ptr(*mean), ptr(*rstd), var_out);
		else if (g->A == 1 && !var_out)
			rows_forward_f32(ptr(xc), g, eps, NULL, NULL, ptr(*mean),
					 ptr(*rstd), NULL, true);
		else
			moments_f32(ptr(xc), g, eps, ptr(*mean), ptr(*rstd), var_out);
	}
	if (ag_numel(x) > 0) {
		if (work == AG_FLOAT64)
			apply_f64(ptr(xc), g, ptr(*mean), ptr(*rstd), ptr(wc),
				  ptr(bc), ptr(*out));
		else
			apply_f32(ptr(xc), g, ptr(*mean), ptr(*rstd), ptr(wc),
				  ptr(bc), ptr(*out));
	}
stored:
	*out = ag_to_dtype_owned(*out, x->dtype);
	rc = *out ? 0 : -1;
done:
	ag_tensor_release(xc);
	ag_tensor_release(wc);
	ag_tensor_release(bc);
	if (rc < 0) {
		ag_tensor_release(*out);
		ag_tensor_release(*mean);
		ag_tensor_release(*rstd);
		*out = *mean = *rstd = NULL;
	}
	return rc;
}

/* Fused backward: dx (x's shape), dw, db (w's shape) as asked. */
static int norm_backward(ag_tensor *dy, ag_tensor *x, ag_tensor *w,
			 ag_tensor *mean, ag_tensor *rstd, const norm_geom *g,
			 bool batch_stats, bool want_dx, bool want_dw,
			 bool want_db, ag_tensor **dx, ag_tensor **dw,
			 ag_tensor **db)
{
	ag_dtype work = x->dtype == AG_FLOAT64 ? AG_FLOAT64 : AG_FLOAT32;
	ag_tensor *dyc, *xc, *wc = NULL, *mc = NULL, *rc_ = NULL;
	int rc = -1;

	*dx = *dw = *db = NULL;
	if (work_copy(dy, work, &dyc) < 0)
		return -1;
	if (work_copy(x, work, &xc) < 0 || work_copy(w, work, &wc) < 0 ||
	    work_copy(mean, work, &mc) < 0 || work_copy(rstd, work, &rc_) < 0)
		goto done;
	if (want_dx && !(*dx = ag_tensor_alloc_uninit(x->shape, x->ndim, work)))
		goto done;
	if (want_dw && !(*dw = ag_tensor_alloc(w->shape, w->ndim, work)))
		goto done;
	if (want_db && !(*db = ag_tensor_alloc(w->shape, w->ndim, work)))
		goto done;
	if (ag_numel(x) > 0 && work == AG_FLOAT32 && g->A == 1 &&
	    g->aff == AFF_B && batch_stats) {
		ag_stats_sink sink;
		sink.part = NULL;	/* off until begun (4 KiB: not zeroed) */
		if (*dx && x->dtype == work)	/* *dx is the gradient */
			ag_stats_sink_begin(&sink, *dx);
		if (rows_backward_f32(ptr(dyc), ptr(xc), g, ptr(mc), ptr(rc_),
				      ptr(wc), ptr(*dx), ptr(*dw), ptr(*db),
				      &sink) < 0) {
			ag_stats_sink_end(&sink, NULL);
			goto done;
		}
		ag_stats_sink_end(&sink, *dx);
	} else if (ag_numel(x) > 0) {
		if (work == AG_FLOAT64)
			backward_f64(ptr(dyc), ptr(xc), g, ptr(mc), ptr(rc_),
				     ptr(wc), ptr(*dx), ptr(*dw), ptr(*db),
				     batch_stats);
		else
			backward_f32(ptr(dyc), ptr(xc), g, ptr(mc), ptr(rc_),
				     ptr(wc), ptr(*dx), ptr(*dw), ptr(*db),
				     batch_stats);
	}
	*dx = ag_to_dtype_owned(*dx, x->dtype);
	if (w) {
		*dw = ag_to_dtype_owned(*dw, w->dtype);
		*db = ag_to_dtype_owned(*db, w->dtype);
	}
	rc = (want_dx && !*dx) || (want_dw && !*dw) || (want_db && !*db) ? -1 : 0;
done:
	ag_tensor_release(dyc);
	ag_tensor_release(xc);
	ag_tensor_release(wc);
	ag_tensor_release(mc);
	ag_tensor_release(rc_);
	if (rc < 0) {
		ag_tensor_release(*dx);
		ag_tensor_release(*dw);
		ag_tensor_release(*db);
		*dx = *dw = *db = NULL;
	}
	return rc;
}

/* Records a normalisation's node over (x, w, b) -> (y, mean, rstd), mean
 * and rstd converted to x's dtype; *out gets y, or NULL (-1) on failure.
 * Takes over y, mean and rstd. */
static int record_norm(ag_op op, ag_tensor *x, ag_tensor *w, ag_tensor *b,
		       ag_tensor *y, ag_tensor *mean, ag_tensor *rstd,
		       const void *args, size_t args_size, ag_tensor **out)
{
	int rc;

	mean = ag_to_dtype_owned(mean, x->dtype);
	rstd = ag_to_dtype_owned(rstd, x->dtype);
	ag_tensor *outs[3] = { y, mean, rstd };
	rc = mean && rstd ? ag_record(&(ag_call){ .op = op,
			.in = (ag_tensor *[]){ x, w, b }, .nin = 3, .out = outs,
			.nout = 3, .args = args, .args_size = args_size }) : -1;
	ag_tensor_release(mean);
	ag_tensor_release(rstd);
	if (rc < 0) {
		ag_tensor_release(y);
		return -1;
	}
	*out = y;
	return 0;
}

/* ----------------------------------------------------------- layer_norm */

static void layer_geom(const ag_tensor *x, int axis, norm_geom *g)
{
	g->A = 1;
	g->C = 1;
	g->B = 1;
	for (int i = 0; i < axis; i++)
		g->C *= x->shape[i];
	for (int i = axis; i < x->ndim; i++)
		g->B *= x->shape[i];
	g->aff = AFF_B;
}

int ag_native_layer_norm(ag_tensor *x, const int64_t *normalized_shape,
			 int nd, ag_tensor *w, ag_tensor *b, double eps,
			 ag_tensor **out, ag_tensor **mean_out,
			 ag_tensor **rstd_out)
{
	ag_layer_norm_args a = { .eps = eps, .has_weight = w != NULL,
				 .has_bias = b != NULL };
	char s1[128], s2[128], s3[128];
	norm_geom g;
	ag_tensor *y, *mean, *rstd;
	bool ok = nd >= 1 && nd <= x->ndim, was;

	*out = *mean_out = *rstd_out = NULL;
	if (nd < 1)
		return ag_error(AG_ERR_VALUE, "Expected normalized_shape to be at "
				"least 1-dimensional, i.e., containing at least "
				"one element, but got normalized_shape = %s",
				ag_shape_str(normalized_shape, nd, s1, sizeof s1));
	for (int i = 0; ok && i < nd; i++)
		ok = x->shape[x->ndim - nd + i] == normalized_shape[i];
	if (!ok)
		return ag_error(AG_ERR_SHAPE, "Given normalized_shape=%s, expected "
				"input with shape [*, %s, but got input of size%s",
				ag_shape_str(normalized_shape, nd, s1, sizeof s1),
				ag_shape_str(normalized_shape, nd, s2, sizeof s2) + 1,
				ag_shape_str(x->shape, x->ndim, s3, sizeof s3));
	for (int k = 0; k < 2; k++) {
		ag_tensor *p = k ? b : w;
		bool same = p && p->ndim == nd;
		for (int i = 0; same && i < nd; i++)
			same = p->shape[i] == normalized_shape[i];
		if (p && !same)
			return ag_error(AG_ERR_SHAPE, "Expected %s to be of same "
					"shape as normalized_shape, but got %s of "
					"shape %s and normalized_shape = %s",
					k ? "bias" : "weight", k ? "bias" : "weight",
					ag_shape_str(p->shape, p->ndim, s1, sizeof s1),
					ag_shape_str(normalized_shape, nd, s2, sizeof s2));
	}
	if (ag_nn_check_float(x, "LayerNormKernelImpl") < 0)
		return -1;
	a.axis = x->ndim - nd;
	layer_geom(x, a.axis, &g);
	was = ag_set_grad_enabled(false);
	int rc = norm_forward(x, w, b, &g, eps, NULL, NULL, &y, &mean, &rstd,
			      NULL);
	if (rc == 0) {
		/* mean, rstd shaped [*, 1, ..., 1], in x's dtype */
		int64_t shape[AG_MAX_DIMS];
		for (int i = 0; i < x->ndim; i++)
			shape[i] = i < a.axis ? x->shape[i] : 1;
		ag_tensor *m2 = ag_reshape(mean, shape, x->ndim);
		ag_tensor *r2 = ag_reshape(rstd, shape, x->ndim);
		ag_tensor_release(mean);
		ag_tensor_release(rstd);
		mean = ag_to_dtype_owned(m2 ? ag_contiguous(m2) : NULL, x->dtype);
		rstd = ag_to_dtype_owned(r2 ? ag_contiguous(r2) : NULL, x->dtype);
		ag_tensor_release(m2);
		ag_tensor_release(r2);
		rc = mean && rstd ? 0 : -1;
	}
	ag_set_grad_enabled(was);
	if (rc < 0) {
		ag_tensor_release(y);
		ag_tensor_release(mean);
		ag_tensor_release(rstd);
		return -1;
	}
	ag_tensor *outs[3] = { y, mean, rstd };
	if (ag_record(&(ag_call){ .op = AG_OP_NATIVE_LAYER_NORM,
			.in = (ag_tensor *[]){ x, w, b }, .nin = 3, .out = outs,
			.nout = 3, .args = &a, .args_size = sizeof a }) < 0) {
		for (int i = 0; i < 3; i++)
			ag_tensor_release(outs[i]);
		return -1;
	}
	*out = y;
	*mean_out = mean;
	*rstd_out = rstd;
	return 0;
}

ag_tensor *ag_layer_norm(ag_tensor *x, const int64_t *normalized_shape,
			 int nd, ag_tensor *w, ag_tensor *b, double eps)
{
	ag_tensor *y, *m, *r;

	if (ag_native_layer_norm(x, normalized_shape, nd, w, b, eps, &y, &m,
				 &r) < 0)
		return NULL;
	ag_tensor_release(m);
	ag_tensor_release(r);
	return y;
}


/* ----------------------------------------------------------- batch_norm */

static void batch_geom(const ag_tensor *x, norm_geom *g)
{
	g->A = x->shape[0];
	g->C = x->ndim > 1 ? x->shape[1] : 1;
	g->B = 1;
	for (int i = 2; i < x->ndim; i++)
		g->B *= x->shape[i];
	g->aff = AFF_C;
}

int ag_native_batch_norm(ag_tensor *x, ag_tensor *w, ag_tensor *b,
			 ag_tensor *running_mean, ag_tensor *running_var,
			 bool training, double momentum, double eps,
			 ag_tensor **out)
{
	ag_batch_norm_args a = { .training = training, .eps = eps,
				 .has_weight = w != NULL };
	norm_geom g;
	ag_tensor *y = NULL, *mean = NULL, *rstd = NULL, *em = NULL, *er = NULL;
	double *var = NULL;
	bool was;
	int rc = -1;

	*out = NULL;
	if (x->ndim < 2)
		return ag_error(AG_ERR_SHAPE, "Expected 2D or higher input to "
				"batch_norm (got %dD input)", x->ndim);
	if (ag_nn_check_float(x, "batch_norm") < 0)
		return -1;
	batch_geom(x, &g);
	ag_tensor *params[4] = { w, b, running_mean, running_var };
	static const char *const names[4] = { "weight", "bias", "running_mean",
					      "running_var" };
	for (int i = 0; i < 4; i++) {
		if (params[i] && (params[i]->ndim != 1 ||
				  params[i]->shape[0] != g.C))
			return ag_error(AG_ERR_SHAPE, "%s should contain %lld "
					"elements not %lld", names[i],
					(long long)g.C,
					(long long)ag_numel(params[i]));
	}
	if (!training && (!running_mean || !running_var))
		return ag_error(AG_ERR_VALUE, "running_mean and running_var must "
				"be defined in evaluation mode");
	if (training && g.A * g.B <= 1)
		return ag_error(AG_ERR_VALUE, "Expected more than 1 value per "
				"channel when training, got input size %s",
				ag_shape_str(x->shape, x->ndim, (char[128]){ 0 }, 128));
	was = ag_set_grad_enabled(false);
	if (!training) {
		/* the running statistics, as mean and 1/sqrt(var + eps) */
		ag_tensor *ve = ag_add_scalar(running_var, eps);
		ag_tensor *sq = ve ? ag_pow_scalar(ve, -0.5) : NULL;
		em = sq ? ag_contiguous(running_mean) : NULL;
		er = sq ? ag_contiguous(sq) : NULL;
		ag_tensor_release(ve);
		ag_tensor_release(sq);
		if (!em || !er)
			goto done;
	} else {
		var = malloc((size_t)(g.C ? g.C : 1) * sizeof *var);
		if (!var) {
			ag_error(AG_ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	if (norm_forward(x, w, b, &g, eps, em, er, &y, &mean, &rstd, var) < 0)
		goto done;
	if (training && (running_mean || running_var)) {
		/* running = (1 - momentum) * running + momentum * batch, the
		 * variance unbiased */
		double n = (double)(g.A * g.B);
		for (int k = 0; k < 2; k++) {
			ag_tensor *r = k ? running_var : running_mean;
			if (!r)
				continue;
			char *p = ag_data_ptr(r);
			for (int64_t c = 0; c < g.C; c++) {
				char *at = p + c * r->stride[0] * (int64_t)ag_dtype_size(r->dtype);
				double batch = k ? var[c] * n / (n - 1) :
					ag_load((char *)ag_data_ptr(mean) + c * ag_dtype_size(mean->dtype), mean->dtype);
				double old = ag_load(at, r->dtype);
				ag_store(at, r->dtype, (1 - momentum) * old + momentum * batch);
			}
			ag_bump_version(r);
		}
	}
	rc = 0;
done:
	ag_set_grad_enabled(was);
	free(var);
	ag_tensor_release(em);
	ag_tensor_release(er);
	if (rc < 0) {
		ag_tensor_release(y);
		ag_tensor_release(mean);
		ag_tensor_release(rstd);
		return -1;
	}
	return record_norm(AG_OP_NATIVE_BATCH_NORM, x, w, b, y, mean, rstd, &a,
			   sizeof a, out);
}


/* ----------------------------------------------------------- group_norm */

static void group_geom(const ag_tensor *x, int64_t groups, norm_geom *g)
{
	int64_t N = x->shape[0], C = x->shape[1], S = 1;
	for (int i = 2; i < x->ndim; i++)
		S *= x->shape[i];
	g->A = 1;
	g->C = N * groups;
	g->B = C / groups * S;
	g->aff = AFF_GROUP;
	g->groups = groups;
	g->S = S;
}

int ag_native_group_norm(ag_tensor *x, int64_t groups, ag_tensor *w,
			 ag_tensor *b, double eps, ag_tensor **out)
{
	ag_group_norm_args a = { .groups = groups, .eps = eps,
				 .has_weight = w != NULL };
	norm_geom g;
	ag_tensor *y, *mean, *rstd;
	char s1[128];

	*out = NULL;
	if (x->ndim < 2)
		return ag_error(AG_ERR_SHAPE, "Expected at least 2 dimensions for "
				"input tensor but received %d", x->ndim);
	if (groups <= 0 || x->shape[1] % groups != 0)
		return ag_error(AG_ERR_VALUE, "Expected number of channels in "
				"input to be divisible by num_groups, but got input "
				"of shape %s and num_groups=%lld",
				ag_shape_str(x->shape, x->ndim, s1, sizeof s1),
				(long long)groups);
	for (int k = 0; k < 2; k++) {
		ag_tensor *p = k ? b : w;
		if (p && (p->ndim != 1 || p->shape[0] != x->shape[1]))
			return ag_error(AG_ERR_SHAPE, "Expected %s to be a vector "
					"of size equal to the number of channels in "
					"input, but got %s of shape %s and input of "
					"shape %s", k ? "bias" : "weight",
					k ? "bias" : "weight",
					ag_shape_str(p->shape, p->ndim, s1, sizeof s1),
					ag_shape_str(x->shape, x->ndim,
						     (char[128]){ 0 }, 128));
	}
	if (ag_nn_check_float(x, "GroupNormKernelImpl") < 0)
		return -1;
	group_geom(x, groups, &g);
	bool was = ag_set_grad_enabled(false);
	int rc = norm_forward(x, w, b, &g, eps, NULL, NULL, &y, &mean, &rstd,
			      NULL);
	ag_set_grad_enabled(was);
	if (rc < 0)
		return -1;
	return record_norm(AG_OP_NATIVE_GROUP_NORM, x, w, b, y, mean, rstd, &a,
			   sizeof a, out);
}

/* ----------------------------------------------------------- backward */

int ag_norm_backward_fused(const ag_node *node, ag_tensor *dy, ag_tensor *x,
			   ag_tensor *w, ag_tensor *mean, ag_tensor *rstd,
			   const bool need[3], ag_tensor **grads)
{
	norm_geom g;
	bool batch_stats = true;

	switch (node->op) {
	case AG_OP_NATIVE_LAYER_NORM:
		layer_geom(x, AG_ARGS(node, ag_layer_norm_args)->axis, &g);
		break;
	case AG_OP_NATIVE_BATCH_NORM:
		batch_geom(x, &g);
		batch_stats = AG_ARGS(node, ag_batch_norm_args)->training;
		break;
	case AG_OP_NATIVE_GROUP_NORM:
		group_geom(x, AG_ARGS(node, ag_group_norm_args)->groups, &g);
		break;
	default:
		return ag_error(AG_ERR_RUNTIME, "not a normalisation: %s",
				ag_op_name(node->op));
	}
	bool was = ag_set_grad_enabled(false);
	int rc = norm_backward(dy, x, w, mean, rstd, &g, batch_stats, need[0],
			       need[1] && w, need[2] && w, &grads[0], &grads[1],
			       &grads[2]);
	ag_set_grad_enabled(was);
	return rc;
}
