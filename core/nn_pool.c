/*
 * nn_pool.c - max_pool2d (with its indices) and avg_pool2d over the last
 * two dims of [N, C, H, W] or [C, H, W], and their backward ops, with
 * PyTorch 1.13's output sizes (ceil_mode), padding rules and texts.
 *
 * max_pool2d keeps, per output, the index (h * W + w, 0-based, in its
 * plane) of the window's first largest value, or of its last NaN, as
 * PyTorch 1.13's CPU kernel does; its backward adds each gradient at its index, and that
 * backward's own derivative reads the incoming gradient back at the same
 * indices (grad_nn.c).  avg_pool2d divides by the window's size inside
 * the padded input (count_include_pad), by the size inside the input, or
 * by divisor_override; its backward spreads the gradient back the same
 * way, and is linear, so its derivative is avg_pool2d again.
 *
 * adaptive_avg_pool2d averages, for output (oh, ow), the input rows
 * floor(oh * H / OH) to ceil((oh + 1) * H / OH) (columns likewise).
 *
 * float32 and float64 compute in their type, bfloat16 in float32;
 * avg_pool2d of int64 sums in float64 and truncates, as PyTorch's integer
 * division does.
 */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The planes and sizes of one call. */
typedef struct pgeom {
	int64_t P, H, W, OH, OW;	/* P = N * C planes */
	int64_t kh, kw, sh, sw, ph, pw, dh, dw;
} pgeom;

static int64_t out_size(int64_t in, int64_t k, int64_t p, int64_t s,
			int64_t d, bool ceil_mode)
{
	int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
	int64_t o = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
	if (ceil_mode && (o - 1) * s >= in + p)
		o--;
	return o;
}

static int pool_geometry(const ag_tensor *x, const ag_pool_args *a, pgeom *g,
			 bool is_max)
{
	if (!(x->ndim == 3 || x->ndim == 4) || ag_numel(x) == 0)
		return ag_error(AG_ERR_SHAPE, "non-empty 3D or 4D (batch mode) "
				"tensor expected for input");
	if (a->stride[0] == 0 || a->stride[1] == 0)
		return ag_error(AG_ERR_VALUE, "stride should not be zero");
	if (a->kernel[0] <= 0 || a->kernel[1] <= 0)
		return ag_error(AG_ERR_VALUE, "kernel size should be greater "
				"than zero, but got kH: %lld kW: %lld",
				(long long)a->kernel[0], (long long)a->kernel[1]);
	if (a->stride[0] < 0 || a->stride[1] < 0)
		return ag_error(AG_ERR_VALUE, "stride should be greater than "
				"zero, but got dH: %lld dW: %lld",
				(long long)a->stride[0], (long long)a->stride[1]);
	if (a->dilation[0] <= 0 || a->dilation[1] <= 0)
		return ag_error(AG_ERR_VALUE, "dilation should be greater than "
				"zero, but got dilationH: %lld dilationW: %lld",
				(long long)a->dilation[0],
				(long long)a->dilation[1]);
	if (a->padding[0] > a->kernel[0] / 2 || a->padding[1] > a->kernel[1] / 2)
		return ag_error(AG_ERR_VALUE, "pad should be at most half of "
				"%skernel size, but got pad=%lld%s kernel_size=%lld"
				"%s", is_max ? "effective " : "",
				(long long)(a->padding[0] > a->kernel[0] / 2 ?
					    a->padding[0] : a->padding[1]),
				is_max ? "," : " and",
				(long long)(a->padding[0] > a->kernel[0] / 2 ?
					    a->kernel[0] : a->kernel[1]),
				is_max ? " and dilation=1" : "");
	g->P = 1;
	for (int i = 0; i < x->ndim - 2; i++)
		g->P *= x->shape[i];
	g->H = x->shape[x->ndim - 2];
	g->W = x->shape[x->ndim - 1];
	g->kh = a->kernel[0];
	g->kw = a->kernel[1];
	g->sh = a->stride[0];
	g->sw = a->stride[1];
	g->ph = a->padding[0];
	g->pw = a->padding[1];
	g->dh = a->dilation[0];
	g->dw = a->dilation[1];
	g->OH = out_size(g->H, g->kh, g->ph, g->sh, g->dh, a->ceil_mode);
	g->OW = out_size(g->W, g->kw, g->pw, g->sw, g->dw, a->ceil_mode);
	if (g->OH < 1 || g->OW < 1)
		return ag_error(AG_ERR_SHAPE, "Given input size: (%lldx%lldx%lld)"
				". Calculated output size: (%lldx%lldx%lld). "
				"Output size is too small",
				(long long)x->shape[x->ndim - 3], (long long)g->H,
				(long long)g->W, (long long)x->shape[x->ndim - 3],
				(long long)(g->OH < 0 ? 0 : g->OH),
				(long long)(g->OW < 0 ? 0 : g->OW));
	return 0;
}

static void out_shape(const ag_tensor *x, const pgeom *g, int64_t *shape)
{
	for (int i = 0; i < x->ndim - 2; i++)
		shape[i] = x->shape[i];
	shape[x->ndim - 2] = g->OH;
	shape[x->ndim - 1] = g->OW;
}

/* avg_pool2d's window at (oh, ow): its bounds in the input and divisor. */
typedef struct window {
	int64_t h0, h1, w0, w1;
	double div;
} window;

static bool avg_window(const pgeom *g, const ag_pool_args *a, int64_t oh,
		       int64_t ow, window *w)
{
	int64_t h0 = oh * g->sh - g->ph, w0 = ow * g->sw - g->pw;
	int64_t h1 = h0 + g->kh < g->H + g->ph ? h0 + g->kh : g->H + g->ph;
	int64_t w1 = w0 + g->kw < g->W + g->pw ? w0 + g->kw : g->W + g->pw;
	int64_t pool = (h1 - h0) * (w1 - w0);

	w->h0 = h0 < 0 ? 0 : h0;
	w->w0 = w0 < 0 ? 0 : w0;
	w->h1 = h1 < g->H ? h1 : g->H;
	w->w1 = w1 < g->W ? w1 : g->W;
	if (a->divisor_override)
		w->div = (double)a->divisor_override;
	else if (a->count_include_pad)
		w->div = (double)pool;
	else
		w->div = (double)((w->h1 - w->h0) * (w->w1 - w->w0));
	return w->h0 < w->h1 && w->w0 < w->w1;
}

#ifdef _OPENMP
#define POOL_SIMD _Pragma("omp simd")
/* eight lanes: pooled rows are often short (14, 7) */
#define POOL_SIMD8 _Pragma("omp simd simdlen(8)")
#else
#define POOL_SIMD
#define POOL_SIMD8
#endif

#define POOL_KERNELS(SFX, T)						\
/* The 2 x 2 window of stride 2 inside the input (MaxPool2d(2)): the	\
 * search below unrolled and vectorised along the output row, the	\
 * window position (0-3) found first and made an index after. */	\
static ROW_CLONES void max_fwd_2x2_##SFX(const T *restrict x,		\
					 T *restrict y,			\
					 int64_t *restrict idx,		\
					 int32_t *restrict pos,		\
					 const pgeom *g)		\
{									\
	for (int64_t p = 0; p < g->P; p++)				\
	for (int64_t oh = 0; oh < g->OH; oh++) {			\
		const T *restrict r0 = x + (p * g->H + 2 * oh) * g->W;	\
		const T *restrict r1 = r0 + g->W;			\
		T *restrict yr = y + (p * g->OH + oh) * g->OW;		\
		int64_t *restrict ir = idx + (p * g->OH + oh) * g->OW;	\
		int64_t base = 2 * oh * g->W;				\
		POOL_SIMD8						\
		for (int64_t ow = 0; ow < g->OW; ow++) {		\
			T m = r0[2 * ow], v;				\
			int32_t at = 0, t;				\
			v = r0[2 * ow + 1];				\
			t = (v > m) | (v != v);				\
			m = t ? v : m;					\
			at = t ? 1 : at;				\
			v = r1[2 * ow];					\
			t = (v > m) | (v != v);				\
			m = t ? v : m;					\
			at = t ? 2 : at;				\
			v = r1[2 * ow + 1];				\
			t = (v > m) | (v != v);				\
			m = t ? v : m;					\
			at = t ? 3 : at;				\
			yr[ow] = m;					\
			pos[ow] = at;					\
		}							\
		POOL_SIMD						\
		for (int64_t ow = 0; ow < g->OW; ow++)			\
			ir[ow] = base + 2 * ow + (pos[ow] & 1) +	\
				 (pos[ow] >> 1) * g->W;			\
	}								\
}									\
/* Branch-free over the window: a comparison of random values is a coin	\
 * flip the CPU cannot predict.  As in PyTorch a NaN is always taken, so	\
 * the last NaN of a window is its index. */				\
static void max_fwd_##SFX(const T *x, T *y, int64_t *idx, const pgeom *g) \
{									\
	for (int64_t p = 0; p < g->P; p++) {				\
		const T *xp = x + p * g->H * g->W;			\
		for (int64_t oh = 0; oh < g->OH; oh++) {		\
			int64_t h0 = oh * g->sh - g->ph;		\
			int64_t h1 = h0 + (g->kh - 1) * g->dh + 1;	\
			if (h1 > g->H) h1 = g->H;			\
			while (h0 < 0) h0 += g->dh;			\
			T *yr = y + (p * g->OH + oh) * g->OW;		\
			int64_t *ir = idx + (p * g->OH + oh) * g->OW;	\
			for (int64_t ow = 0; ow < g->OW; ow++) {	\
				int64_t w0 = ow * g->sw - g->pw;	\
				int64_t w1 = w0 + (g->kw - 1) * g->dw + 1; \
				if (w1 > g->W) w1 = g->W;		\
				while (w0 < 0) w0 += g->dw;		\
				int64_t best = h0 * g->W + w0;		\
				T m = (T)-INFINITY;			\
				for (int64_t h = h0; h < h1; h += g->dh)	\
				for (int64_t w = w0; w < w1; w += g->dw) { \
					T v = xp[h * g->W + w];		\
					bool take = (v > m) | (v != v);	\
					m = take ? v : m;		\
					best = take ? h * g->W + w : best; \
				}					\
				yr[ow] = m;				\
				ir[ow] = best;				\
			}						\
		}							\
	}								\
}									\
static void max_bwd_##SFX(const T *gy, const int64_t *idx, T *gx,	\
			  const pgeom *g)				\
{									\
	for (int64_t p = 0; p < g->P; p++) {				\
		T *d = gx + p * g->H * g->W;				\
		const T *s = gy + p * g->OH * g->OW;			\
		const int64_t *ip = idx + p * g->OH * g->OW;		\
		for (int64_t i = 0; i < g->OH * g->OW; i++)		\
			d[ip[i]] += s[i];				\
	}								\
}									\
static void avg_fwd_##SFX(const T *x, T *y, const pgeom *g,		\
			  const ag_pool_args *a)			\
{									\
	for (int64_t p = 0; p < g->P; p++) {				\
		const T *xp = x + p * g->H * g->W;			\
		for (int64_t oh = 0; oh < g->OH; oh++)			\
		for (int64_t ow = 0; ow < g->OW; ow++) {		\
			window w;					\
			T *o = y + (p * g->OH + oh) * g->OW + ow;	\
			if (!avg_window(g, a, oh, ow, &w)) {		\
				*o = 0;					\
				continue;				\
			}						\
			T acc = 0;					\
			for (int64_t h = w.h0; h < w.h1; h++)		\
				for (int64_t c = w.w0; c < w.w1; c++)	\
					acc += xp[h * g->W + c];	\
			*o = (T)(acc / (T)w.div);			\
		}							\
	}								\
}									\
static void avg_bwd_##SFX(const T *gy, T *gx, const pgeom *g,		\
			  const ag_pool_args *a)			\
{									\
	for (int64_t p = 0; p < g->P; p++) {				\
		T *d = gx + p * g->H * g->W;				\
		for (int64_t oh = 0; oh < g->OH; oh++)			\
		for (int64_t ow = 0; ow < g->OW; ow++) {		\
			window w;					\
			if (!avg_window(g, a, oh, ow, &w))		\
				continue;				\
			T v = (T)(gy[(p * g->OH + oh) * g->OW + ow] /	\
				  (T)w.div);				\
			for (int64_t h = w.h0; h < w.h1; h++)		\
				for (int64_t c = w.w0; c < w.w1; c++)	\
					d[h * g->W + c] += v;		\
		}							\
	}								\
}

POOL_KERNELS(f32, float)
POOL_KERNELS(f64, double)

/* adaptive windows: [start, end) of output o of n over an input of in */
static int64_t ad_start(int64_t o, int64_t n, int64_t in)
{
	return (o * in) / n;
}

static int64_t ad_end(int64_t o, int64_t n, int64_t in)
{
	return ((o + 1) * in + n - 1) / n;
}

#define ADAPTIVE_KERNELS(SFX, T)					\
static void ad_fwd_##SFX(const T *x, T *y, const pgeom *g)		\
{									\
	for (int64_t p = 0; p < g->P; p++)				\
	for (int64_t oh = 0; oh < g->OH; oh++) {			\
		int64_t h0 = ad_start(oh, g->OH, g->H);			\
		int64_t h1 = ad_end(oh, g->OH, g->H);			\
		for (int64_t ow = 0; ow < g->OW; ow++) {		\
			int64_t w0 = ad_start(ow, g->OW, g->W);		\
			int64_t w1 = ad_end(ow, g->OW, g->W);		\
			const T *xp = x + p * g->H * g->W;		\
			T acc = 0;					\
			for (int64_t h = h0; h < h1; h++)		\
				for (int64_t w = w0; w < w1; w++)	\
					acc += xp[h * g->W + w];	\
			y[(p * g->OH + oh) * g->OW + ow] =		\
				acc / (T)((h1 - h0) * (w1 - w0));	\
		}							\
	}								\
}									\
static void ad_bwd_##SFX(const T *gy, T *gx, const pgeom *g)		\
{									\
	for (int64_t p = 0; p < g->P; p++)				\
	for (int64_t oh = 0; oh < g->OH; oh++) {			\
		int64_t h0 = ad_start(oh, g->OH, g->H);			\
		int64_t h1 = ad_end(oh, g->OH, g->H);			\
		for (int64_t ow = 0; ow < g->OW; ow++) {		\
			int64_t w0 = ad_start(ow, g->OW, g->W);		\
			int64_t w1 = ad_end(ow, g->OW, g->W);		\
			T *d = gx + p * g->H * g->W;			\
			T v = gy[(p * g->OH + oh) * g->OW + ow] /	\
			      (T)((h1 - h0) * (w1 - w0));		\
			for (int64_t h = h0; h < h1; h++)		\
				for (int64_t w = w0; w < w1; w++)	\
					d[h * g->W + w] += v;		\
		}							\
	}								\
}

ADAPTIVE_KERNELS(f32, float)
ADAPTIVE_KERNELS(f64, double)

/* t as a contiguous float32/float64 tensor (bfloat16 and int64 widened) */
static ag_tensor *work(ag_tensor *t)
{
	ag_dtype dt = t->dtype == AG_FLOAT64 || t->dtype == AG_INT64 ?
		AG_FLOAT64 : AG_FLOAT32;
	ag_tensor *c = ag_to_dtype(t, dt);
	ag_tensor *r = c ? ag_contiguous(c) : NULL;
	ag_tensor_release(c);
	return r;
}

static int pool_dtype(const ag_tensor *x, const char *kernel, bool ints)
{
	if (ag_dtype_is_floating(x->dtype))
		return 0;
	if (ints && x->dtype == AG_INT64)
		return 0;
	return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'", kernel,
			ag_dtype_scalar_name(x->dtype));
}

/* ------------------------------------------------------------ max_pool2d */

int ag_max_pool2d_with_indices(ag_tensor *x, const ag_pool_args *args,
			       ag_tensor **out, ag_tensor **indices)
{
	ag_pool_args a = *args;
	pgeom g;
	int64_t shape[AG_MAX_DIMS];
	ag_tensor *xc, *y = NULL, *idx = NULL;

	*out = *indices = NULL;
	if (pool_dtype(x, "max_pool2d", false) < 0 ||
	    pool_geometry(x, &a, &g, true) < 0)
		return -1;
	a.in_h = g.H;
	a.in_w = g.W;
	if (!(xc = work(x)))
		return -1;
	out_shape(x, &g, shape);
	y = ag_tensor_alloc_uninit(shape, x->ndim, xc->dtype);
	idx = y ? ag_tensor_alloc_uninit(shape, x->ndim, AG_INT64) : NULL;
	if (idx) {
		/* every window 2 x 2, stride 2, inside the input */
		bool two = g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 &&
			   g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1 &&
			   2 * g.OH <= g.H && 2 * g.OW <= g.W;
		int32_t *pos = two ? malloc((size_t)g.OW * sizeof *pos + 1) :
			       NULL;
		if (two && !pos) {
			ag_error(AG_ERR_NOMEM, "out of memory in max_pool2d");
			ag_tensor_release(idx);
			idx = NULL;
		} else if (two && xc->dtype == AG_FLOAT32) {
			max_fwd_2x2_f32(ag_data_ptr(xc), ag_data_ptr(y),
					ag_data_ptr(idx), pos, &g);
		} else if (two) {
			max_fwd_2x2_f64(ag_data_ptr(xc), ag_data_ptr(y),
					ag_data_ptr(idx), pos, &g);
		} else if (xc->dtype == AG_FLOAT32) {
			max_fwd_f32(ag_data_ptr(xc), ag_data_ptr(y),
				    ag_data_ptr(idx), &g);
		} else {
			max_fwd_f64(ag_data_ptr(xc), ag_data_ptr(y),
				    ag_data_ptr(idx), &g);
		}
		free(pos);
	}
	ag_tensor_release(xc);
	y = ag_to_dtype_owned(y, x->dtype);
	if (!y || !idx) {
		ag_tensor_release(y);
		ag_tensor_release(idx);
		return -1;
	}
	ag_tensor *outs[2] = { y, idx };
	if (ag_record(&(ag_call){ .op = AG_OP_MAX_POOL2D_WITH_INDICES,
		.in = (ag_tensor *[]){ x }, .nin = 1, .out = outs, .nout = 2,
		.args = &a, .args_size = sizeof a }) < 0) {
		ag_tensor_release(y);
		ag_tensor_release(idx);
		return -1;
	}
	*out = y;
	*indices = idx;
	return 0;
}

/* grad_input of max_pool2d: g [.., OH, OW] added at indices into zeros
 * shaped like the input (args->in_h, in_w); recorded. */
ag_tensor *ag_max_pool2d_backward(ag_tensor *g, ag_tensor *x,
				  ag_tensor *indices, const ag_pool_args *a)
{
	int64_t shape[AG_MAX_DIMS];
	pgeom pg = { .P = 1, .H = a->in_h, .W = a->in_w,
		     .OH = g->shape[g->ndim - 2], .OW = g->shape[g->ndim - 1] };
	ag_tensor *gc = work(g), *ic = gc ? ag_contiguous(indices) : NULL;
	ag_tensor *r = NULL;

	for (int i = 0; i < g->ndim - 2; i++) {
		shape[i] = g->shape[i];
		pg.P *= g->shape[i];
	}
	shape[g->ndim - 2] = a->in_h;
	shape[g->ndim - 1] = a->in_w;
	if (ic && (r = ag_tensor_alloc(shape, g->ndim, gc->dtype))) {
		if (gc->dtype == AG_FLOAT32)
			max_bwd_f32(ag_data_ptr(gc), ag_data_ptr(ic),
				    ag_data_ptr(r), &pg);
		else
			max_bwd_f64(ag_data_ptr(gc), ag_data_ptr(ic),
				    ag_data_ptr(r), &pg);
	}
	ag_tensor_release(gc);
	ag_tensor_release(ic);
	r = ag_to_dtype_owned(r, g->dtype);
	return ag_recorded(r, (ag_call){
		.op = AG_OP_MAX_POOL2D_WITH_INDICES_BACKWARD,
		.in = (ag_tensor *[]){ g, x, indices }, .nin = 3, .args = a,
		.args_size = sizeof *a });
}

/* ------------------------------------------------------------ avg_pool2d */

static ag_tensor *avg_run(ag_tensor *x, const ag_pool_args *a, pgeom *g,
			  bool backward, const int64_t *shape, int ndim)
{
	ag_tensor *xc = work(x), *y;

	if (!xc)
		return NULL;
	if (backward)
		y = ag_tensor_alloc(shape, ndim, xc->dtype);
	else
		y = ag_tensor_alloc_uninit(shape, ndim, xc->dtype);
	if (y) {
		if (xc->dtype == AG_FLOAT32)
			(backward ? avg_bwd_f32 : avg_fwd_f32)(
				ag_data_ptr(xc), ag_data_ptr(y), g, a);
		else
			(backward ? avg_bwd_f64 : avg_fwd_f64)(
				ag_data_ptr(xc), ag_data_ptr(y), g, a);
	}
	ag_tensor_release(xc);
	return ag_to_dtype_owned(y, x->dtype);	/* int64: truncated, as C divides */
}

ag_tensor *ag_avg_pool2d(ag_tensor *x, const ag_pool_args *args)
{
	ag_pool_args a = *args;
	pgeom g;
	int64_t shape[AG_MAX_DIMS];

	if (pool_dtype(x, "avg_pool2d", true) < 0)
		return NULL;
	if (a.has_divisor && a.divisor_override == 0) {
		ag_error(AG_ERR_VALUE, "divisor must be not zero");
		return NULL;
	}
	if (pool_geometry(x, &a, &g, false) < 0)
		return NULL;
	a.in_h = g.H;
	a.in_w = g.W;
	out_shape(x, &g, shape);
	bool was = ag_set_grad_enabled(false);
	ag_tensor *y = avg_run(x, &a, &g, false, shape, x->ndim);
	ag_set_grad_enabled(was);
	return ag_recorded(y, (ag_call){ .op = AG_OP_AVG_POOL2D,
		.in = (ag_tensor *[]){ x }, .nin = 1, .args = &a,
		.args_size = sizeof a });
}

ag_tensor *ag_avg_pool2d_backward(ag_tensor *g, ag_tensor *x,
				  const ag_pool_args *a)
{
	int64_t shape[AG_MAX_DIMS];
	pgeom pg = { .P = 1, .H = a->in_h, .W = a->in_w,
		     .OH = g->shape[g->ndim - 2], .OW = g->shape[g->ndim - 1],
		     .kh = a->kernel[0], .kw = a->kernel[1],
		     .sh = a->stride[0], .sw = a->stride[1],
		     .ph = a->padding[0], .pw = a->padding[1], .dh = 1, .dw = 1 };

	for (int i = 0; i < g->ndim - 2; i++) {
		shape[i] = g->shape[i];
		pg.P *= g->shape[i];
	}
	shape[g->ndim - 2] = a->in_h;
	shape[g->ndim - 1] = a->in_w;
	bool was = ag_set_grad_enabled(false);
	ag_tensor *r = avg_run(g, a, &pg, true, shape, g->ndim);
	ag_set_grad_enabled(was);
	return ag_recorded(r, (ag_call){ .op = AG_OP_AVG_POOL2D_BACKWARD,
		.in = (ag_tensor *[]){ g, x }, .nin = 2, .args = a,
		.args_size = sizeof *a });
}

/* --------------------------------------------------- adaptive_avg_pool2d */

static ag_tensor *adaptive_run(ag_tensor *x, pgeom *g, bool backward,
			       const int64_t *shape, int ndim)
{
	ag_tensor *xc = work(x), *y;

	if (!xc)
		return NULL;
	y = backward ? ag_tensor_alloc(shape, ndim, xc->dtype) :
		ag_tensor_alloc_uninit(shape, ndim, xc->dtype);
	if (y) {
		if (xc->dtype == AG_FLOAT32)
			(backward ? ad_bwd_f32 : ad_fwd_f32)(
				ag_data_ptr(xc), ag_data_ptr(y), g);
		else
			(backward ? ad_bwd_f64 : ad_fwd_f64)(
				ag_data_ptr(xc), ag_data_ptr(y), g);
	}
	ag_tensor_release(xc);
	return ag_to_dtype_owned(y, x->dtype);
}

ag_tensor *ag_adaptive_avg_pool2d(ag_tensor *x, const ag_pool_args *args)
{
	ag_pool_args a = *args;
	int64_t shape[AG_MAX_DIMS];
	pgeom g = { .P = 1 };
	char s[128];

	if (x->ndim != 3 && x->ndim != 4) {
		ag_shape_str(x->shape, x->ndim, s, sizeof s);
		ag_error(AG_ERR_SHAPE, "adaptive_avg_pool2d(): Expected 3D or 4D "
			 "tensor, but got %s", s);
		return NULL;
	}
	for (int i = 1; i < x->ndim; i++) {
		if (x->shape[i] == 0) {
			ag_shape_str(x->shape, x->ndim, s, sizeof s);
			ag_error(AG_ERR_SHAPE, "adaptive_avg_pool2d(): Expected "
				 "input to have non-zero size for non-batch "
				 "dimensions, but input has sizes %s with "
				 "dimension %d being empty", s, i);
			return NULL;
		}
	}
	if (a.out_h < 0 || a.out_w < 0) {
		ag_error(AG_ERR_VALUE, "adaptive_avg_pool2d: elements of "
			 "output_size must be greater than or equal to 0 but "
			 "received {%lld, %lld}", (long long)a.out_h,
			 (long long)a.out_w);
		return NULL;
	}
	if (!ag_dtype_is_floating(x->dtype)) {
		ag_error(AG_ERR_DTYPE, "\"adaptive_avg_pool2d\" not implemented "
			 "for '%s'", ag_dtype_scalar_name(x->dtype));
		return NULL;
	}
	for (int i = 0; i < x->ndim - 2; i++) {
		shape[i] = x->shape[i];
		g.P *= x->shape[i];
	}
	g.H = a.in_h = x->shape[x->ndim - 2];
	g.W = a.in_w = x->shape[x->ndim - 1];
	g.OH = shape[x->ndim - 2] = a.out_h;
	g.OW = shape[x->ndim - 1] = a.out_w;
	bool was = ag_set_grad_enabled(false);
	ag_tensor *y = adaptive_run(x, &g, false, shape, x->ndim);
	ag_set_grad_enabled(was);
	return ag_recorded(y, (ag_call){ .op = AG_OP_ADAPTIVE_AVG_POOL2D,
		.in = (ag_tensor *[]){ x }, .nin = 1, .args = &a,
		.args_size = sizeof a });
}

ag_tensor *ag_adaptive_avg_pool2d_backward(ag_tensor *g, ag_tensor *x,
					   const ag_pool_args *a)
{
	int64_t shape[AG_MAX_DIMS];
	pgeom pg = { .P = 1, .H = a->in_h, .W = a->in_w, .OH = a->out_h,
		     .OW = a->out_w };

	for (int i = 0; i < g->ndim - 2; i++) {
		shape[i] = g->shape[i];
		pg.P *= g->shape[i];
	}
	shape[g->ndim - 2] = a->in_h;
	shape[g->ndim - 1] = a->in_w;
	bool was = ag_set_grad_enabled(false);
	ag_tensor *r = adaptive_run(g, &pg, true, shape, g->ndim);
	ag_set_grad_enabled(was);
	return ag_recorded(r, (ag_call){
		.op = AG_OP_ADAPTIVE_AVG_POOL2D_BACKWARD,
		.in = (ag_tensor *[]){ g, x }, .nin = 2, .args = a,
		.args_size = sizeof *a });
}
