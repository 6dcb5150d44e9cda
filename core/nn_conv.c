/*
 * nn_conv.c - convolution (conv1d, conv2d: stride, padding, dilation,
 * groups) through im2col + gemm, and its backward op.
 *
 * A 1-d convolution runs as a 2-d one whose height is 1.  For each image
 * and group the input patches are unfolded into a [C/g * kh * kw, OH * OW]
 * matrix (im2col) and multiplied by the group's weight; the backward
 * multiplies the gradient by the weight's transpose and folds the patches
 * back (col2im), and multiplies it by the patches' transpose for the
 * weight.  convolution_backward is itself an op (PyTorch's
 * ConvolutionBackwardBackward0 node) whose derivative is made of these two
 * ops again (grad_nn.c), so every order of derivative is exact.
 *
 * float32, float64 and int64 compute in their own type; bfloat16 in
 * float32, rounded on store; float16 is refused as PyTorch 1.13's CPU
 * kernel refuses it.
 */
#include "config.h"
#include "nn.h"
#include "ag_spatial.h"
#include "shapeint.h"
#include "conv_winograd.h"

#include <limits.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdlib.h>
#include <string.h>

/* The geometry of one call, spatial dims as 2-d (height 1 for 1-d). */
typedef struct geom {
	int64_t N, C, H, W, O, kh, kw, OH, OW, G, Cg, Og, L, CKK;
	int64_t sh, sw, ph, pw, dh, dw;
} geom;

static void shape_str(const ag_tensor *t, char *buf, size_t n)
{
	ag_shape_str(t->shape, t->ndim, buf, n);
}

/* The checks every convolution makes first (PyTorch's order and texts):
 * stride, padding, dilation (and a transposed one's output_padding), the
 * dims of input and weight, groups. */
static int check_args(const ag_tensor *x, const ag_tensor *w,
		      const ag_conv_args *a)
{
	int nd = a->nsp + 2;
	char s1[128], s2[128];

	for (int i = 0; i < a->nsp; i++) {
		int k = 2 - a->nsp + i;
		if (a->stride[k] <= 0)
			return ag_error(AG_ERR_VALUE, "non-positive stride is "
					"not supported");
		if (a->padding[k] < 0)
			return ag_error(AG_ERR_VALUE, "negative padding is not "
					"supported");
		if (a->dilation[k] <= 0)
			return ag_error(AG_ERR_VALUE, "non-positive dilation is "
					"not supported");
		if (a->transposed && a->output_padding[k] < 0)
			return ag_error(AG_ERR_VALUE, "negative output_padding "
					"is not supported");
	}
	if (w->ndim != nd || x->ndim != nd) {
		shape_str(w, s1, sizeof s1);
		shape_str(x, s2, sizeof s2);
		return ag_error(AG_ERR_SHAPE, "Expected %d-dimensional input for "
				"%d-dimensional weight %s, but got %d-dimensional "
				"input of size %s instead", w->ndim, w->ndim, s1,
				x->ndim, s2);
	}
	if (a->groups <= 0)
		return ag_error(AG_ERR_VALUE, "non-positive groups is not "
				"supported");
	return 0;
}

/* Fills g from x [N, C, (H,) W] and w [O, C/groups, (kh,) kw]; PyTorch's
 * checks and texts. */
static int geometry(const ag_tensor *x, const ag_tensor *w,
		    const ag_tensor *b, const ag_conv_args *a, geom *g)
{
	int nd = a->nsp + 2;
	char s1[128], s2[128];

	if (check_args(x, w, a) < 0)
		return -1;
	g->N = x->shape[0];
	g->C = x->shape[1];
	g->H = a->nsp == 2 ? x->shape[2] : 1;
	g->W = x->shape[nd - 1];
	g->O = w->shape[0];
	g->kh = a->nsp == 2 ? w->shape[2] : 1;
	g->kw = w->shape[nd - 1];
	g->G = a->groups;
	g->sh = a->stride[0];
	g->sw = a->stride[1];
	g->ph = a->padding[0];
	g->pw = a->padding[1];
	g->dh = a->dilation[0];
	g->dw = a->dilation[1];
	shape_str(w, s1, sizeof s1);
	if (g->O % g->G != 0) {
		return ag_error(AG_ERR_SHAPE, "Given groups=%lld, expected weight "
				"to be divisible by %lld at dimension 0, but got "
				"weight of size [%s] instead", (long long)g->G,
				(long long)g->G, s1);
	}
	if (w->shape[1] * g->G != g->C) {
		shape_str(x, s2, sizeof s2);
		return ag_error(AG_ERR_SHAPE, "Given groups=%lld, weight of size "
				"%s, expected input%s to have %lld channels, but "
				"got %lld channels instead", (long long)g->G, s1,
				s2, (long long)(w->shape[1] * g->G),
				(long long)g->C);
	}
	if (b && (b->ndim != 1 || b->shape[0] != g->O)) {
		shape_str(b, s2, sizeof s2);
		return ag_error(AG_ERR_SHAPE, "Given weight of size %s, expected "
				"bias to be 1-dimensional with %lld elements, but "
				"got bias of size %s instead", s1, (long long)g->O,
				s2);
	}
	int64_t eh = g->H + 2 * g->ph, ew = g->W + 2 * g->pw;
	int64_t kdh = g->dh * (g->kh - 1) + 1, kdw = g->dw * (g->kw - 1) + 1;
	if (eh < kdh || ew < kdw) {
		if (a->nsp == 2)
			return ag_error(AG_ERR_SHAPE, "Calculated padded input "
					"size per channel: (%lld x %lld). Kernel "
					"size: (%lld x %lld). Kernel size can't be "
					"greater than actual input size",
					(long long)eh, (long long)ew,
					(long long)kdh, (long long)kdw);
		return ag_error(AG_ERR_SHAPE, "Calculated padded input size per "
				"channel: (%lld). Kernel size: (%lld). Kernel "
				"size can't be greater than actual input size",
				(long long)ew, (long long)kdw);
	}
	g->OH = (eh - kdh) / g->sh + 1;
	g->OW = (ew - kdw) / g->sw + 1;
	g->Cg = g->C / g->G;
	g->Og = g->O / g->G;
	g->L = g->OH * g->OW;
	g->CKK = g->Cg * g->kh * g->kw;
	return 0;
}

/* ---------------------------------------------------- im2col and col2im */

/* The output columns ow whose input column ow * s + off lies in [0, W):
 * [*lo, *hi). */
static void valid_cols(int64_t OW, int64_t W, int64_t s, int64_t off,
		       int64_t *lo, int64_t *hi)
{
	int64_t a = off < 0 ? (-off - 1) / s + 1 : 0;
	int64_t b = W - off > 0 ? (W - off - 1) / s + 1 : 0;
	if (a > OW)
		a = OW;
	if (b > OW)
		b = OW;
	if (b < a)
		b = a;
	*lo = a;
	*hi = b;
}

/* cols[(c, i, j), (oh, ow)] = src[c, oh * sh - ph + i * dh, ...], 0
 * outside; col2im adds cols back into dst.  Each row of a patch plane is
 * split once into its padding (zeros, or nothing to add) and the columns
 * inside the image, so the inner loops are plain copies and adds (stride
 * 1: contiguous, vectorised). */
#ifdef _OPENMP
#define CONV_SIMD _Pragma("omp simd")
#else
#define CONV_SIMD
#endif

#define PATCH_KERNELS(SFX, T)						\
static ROW_CLONES void im2col_##SFX(const T *restrict src,		\
				    T *restrict cols, const geom *g,	\
				    int64_t oh0, int64_t oh1)		\
{									\
	int64_t Lc = (oh1 - oh0) * g->OW;				\
	for (int64_t c = 0; c < g->Cg; c++)				\
	for (int64_t i = 0; i < g->kh; i++)				\
	for (int64_t j = 0; j < g->kw; j++) {				\
		T *row = cols + ((c * g->kh + i) * g->kw + j) * Lc;	\
		int64_t off = j * g->dw - g->pw, lo, hi;		\
		valid_cols(g->OW, g->W, g->sw, off, &lo, &hi);		\
		for (int64_t oh = oh0; oh < oh1; oh++) {		\
			int64_t ih = oh * g->sh - g->ph + i * g->dh;	\
			T *restrict r = row + (oh - oh0) * g->OW;	\
			if (ih < 0 || ih >= g->H) {			\
				memset(r, 0, (size_t)g->OW * sizeof(T)); \
				continue;				\
			}						\
			for (int64_t ow = 0; ow < lo; ow++)		\
				r[ow] = 0;				\
			if (hi > lo) {					\
				const T *restrict s = src + (c * g->H + ih) * \
					g->W + lo * g->sw + off;	\
				if (g->sw == 1)				\
					memcpy(r + lo, s, (size_t)(hi - lo) * \
					       sizeof(T));		\
				else					\
					for (int64_t k = 0; k < hi - lo; k++) \
						r[lo + k] = s[k * g->sw]; \
			}						\
			for (int64_t ow = hi; ow < g->OW; ow++)		\
				r[ow] = 0;				\
		}							\
	}								\
}									\
static ROW_CLONES void col2im_##SFX(const T *restrict cols,		\
				    T *restrict dst, const geom *g,	\
				    int64_t oh0, int64_t oh1)		\
{									\
	int64_t Lc = (oh1 - oh0) * g->OW;				\
	for (int64_t c = 0; c < g->Cg; c++)				\
	for (int64_t i = 0; i < g->kh; i++)				\
	for (int64_t j = 0; j < g->kw; j++) {				\
		const T *row = cols + ((c * g->kh + i) * g->kw + j) * Lc; \
		int64_t off = j * g->dw - g->pw, lo, hi;		\
		valid_cols(g->OW, g->W, g->sw, off, &lo, &hi);		\
		for (int64_t oh = oh0; oh < oh1; oh++) {		\
			int64_t ih = oh * g->sh - g->ph + i * g->dh;	\
			if (ih < 0 || ih >= g->H)			\
				continue;				\
			const T *restrict r = row + (oh - oh0) * g->OW;	\
			if (hi <= lo)					\
				continue;				\
			T *restrict d = dst + (c * g->H + ih) * g->W +	\
					lo * g->sw + off;		\
			r += lo;					\
			if (g->sw == 1) {				\
				CONV_SIMD					\
				for (int64_t k = 0; k < hi - lo; k++)	\
					d[k] += r[k];			\
			} else						\
				for (int64_t k = 0; k < hi - lo; k++)	\
					d[k * g->sw] += r[k];		\
		}							\
	}								\
}									\
static ROW_CLONES void add_##SFX(T *restrict d, const T *restrict s,	\
				 int64_t n)				\
{									\
	CONV_SIMD							\
	for (int64_t i = 0; i < n; i++)					\
		d[i] += s[i];						\
}									\
static ROW_CLONES void add_bias_##SFX(T *restrict d, const T *b,	\
				      const geom *g)			\
{									\
	for (int64_t o = 0; o < g->O; o++) {				\
		T v = b[o], *restrict r = d + o * g->L;			\
		CONV_SIMD						\
		for (int64_t l = 0; l < g->L; l++)			\
			r[l] += v;					\
	}								\
}									\
/* sixteen partial sums in a fixed order, so every clone gives the	\
 * same bits */								\
static ROW_CLONES void sum_bias_##SFX(T *b, const T *restrict d,	\
				      const geom *g)			\
{									\
	for (int64_t o = 0; o < g->O; o++) {				\
		T part[16] = { 0 }, acc = 0;				\
		const T *restrict r = d + o * g->L;			\
		int64_t l = 0;						\
		for (; l + 16 <= g->L; l += 16) {			\
			CONV_SIMD					\
			for (int k = 0; k < 16; k++)			\
				part[k] += r[l + k];			\
		}							\
		for (; l < g->L; l++)					\
			part[l % 16] += r[l];				\
		for (int k = 0; k < 16; k++)				\
			acc += part[k];					\
		b[o] += acc;						\
	}								\
}

PATCH_KERNELS(f32, float)
PATCH_KERNELS(f64, double)
PATCH_KERNELS(i64, int64_t)

/* the patches of output rows [oh0, oh1) of one image and group */
static void im2col(ag_dtype dt, const void *src, void *cols, const geom *g,
		   int64_t oh0, int64_t oh1)
{
	if (dt == AG_FLOAT32)
		im2col_f32(src, cols, g, oh0, oh1);
	else if (dt == AG_FLOAT64)
		im2col_f64(src, cols, g, oh0, oh1);
	else
		im2col_i64(src, cols, g, oh0, oh1);
}

static void col2im(ag_dtype dt, const void *cols, void *dst, const geom *g,
		   int64_t oh0, int64_t oh1)
{
	if (dt == AG_FLOAT32)
		col2im_f32(cols, dst, g, oh0, oh1);
	else if (dt == AG_FLOAT64)
		col2im_f64(cols, dst, g, oh0, oh1);
	else
		col2im_i64(cols, dst, g, oh0, oh1);
}

/* Patch matrices are built a band of output rows at a time, small enough
 * (about 512 KiB) to stay in the core's L2 cache between im2col and the
 * product that reads it (or the product and col2im); at least one row. */
enum { BAND_BYTES = 512 * 1024 };

/* the end of the band of rows that starts at oh0 */
static int64_t band_end(int64_t oh0, int64_t rows, int64_t OH)
{
	return oh0 + rows < OH ? oh0 + rows : OH;
}

static int64_t band_rows(const geom *g, size_t es, bool direct)
{
	if (direct)
		return g->OH;
	int64_t per_row = g->CKK * g->OW * (int64_t)es, r;
	r = per_row > 0 ? BAND_BYTES / per_row : g->OH;
	if (r < 1)
		r = 1;
	if (r >= g->OH)
		return g->OH;
	int64_t bands = (g->OH + r - 1) / r;	/* evened out */
	return (g->OH + bands - 1) / bands;
}

static void add_bias(ag_dtype dt, void *d, const void *b, const geom *g)
{
	if (dt == AG_FLOAT32)
		add_bias_f32(d, b, g);
	else if (dt == AG_FLOAT64)
		add_bias_f64(d, b, g);
	else
		add_bias_i64(d, b, g);
}

static void sum_bias(ag_dtype dt, void *b, const void *d, const geom *g)
{
	if (dt == AG_FLOAT32)
		sum_bias_f32(b, d, g);
	else if (dt == AG_FLOAT64)
		sum_bias_f64(b, d, g);
	else
		sum_bias_i64(b, d, g);
}

static void add_into(ag_dtype dt, void *d, const void *s, int64_t n)
{
	if (dt == AG_FLOAT32)
		add_f32(d, s, n);
	else if (dt == AG_FLOAT64)
		add_f64(d, s, n);
	else
		add_i64(d, s, n);
}

/* A 1x1 kernel with stride 1 and no padding: the image is its own
 * patch matrix. */
static bool pointwise_kernel(const geom *g)
{
	return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 &&
	       g->ph == 0 && g->pw == 0;
}

/* ------------------------------------------------ stride-1 convolutions */

/*
 * With stride 1 a convolution needs no patch matrix.  The input is copied
 * once into a zero-padded buffer of planes of Hp x Wp (plus a tail of
 * zeros), and the output is computed "wide", Wp columns per row, of which
 * the first OW are the convolution's and the rest are discarded: then for
 * each kernel tap (i, j) the inputs the output row-major positions p need
 * are the padded plane read from p + i*dh*Wp + j*dw, a plain matrix with
 * row stride P, and the convolution is kh*kw products over the channels,
 *
 *   out_wide  [Og, OH*Wp] += W_ij   [Og, Cg] @ xpad_ij [Cg, OH*Wp]
 *   gin_pad_ij[Cg, OH*Wp] += W_ij^T [Cg, Og] @ g_wide  [Og, OH*Wp]
 *
 * with g_wide the output gradient widened the same way, zeros in the
 * extra columns.  In the input gradient those zeros meet weights, which
 * adds nothing unless a weight is infinite or NaN: that product takes this
 * path only when the weights are finite.  (The weight gradient keeps the
 * patch matrices: kh*kw products with a long inner dimension and a small
 * output measured slower than one banded product.)  Bands of output rows
 * keep the operands in L2.
 */
typedef struct shift_geom {
	int64_t Hp, Wp, P, taps, rows;
} shift_geom;

static bool shift_fits(const geom *g, ag_dtype dt, shift_geom *s)
{
#ifdef HAVE_CBLAS
	if ((dt != AG_FLOAT32 && dt != AG_FLOAT64) || g->sh != 1 ||
	    g->sw != 1 || pointwise_kernel(g) || g->Cg < 16 || g->Og < 16)
		return false;
	s->Hp = g->H + 2 * g->ph;
	s->Wp = g->W + 2 * g->pw;
	/* the discarded columns cost at most half of the useful ones */
	if (2 * (s->Wp - g->OW) > g->OW || s->Wp > INT_MAX / 4 ||
	    s->Hp > INT_MAX / 4)
		return false;
	s->P = s->Hp * s->Wp + (g->kw - 1) * g->dw;
	s->taps = g->kh * g->kw;
	int64_t per_row = (g->Cg > g->Og ? g->Cg : g->Og) * s->Wp *
			  (int64_t)ag_dtype_size(dt);
	s->rows = per_row > 0 ? BAND_BYTES / per_row : g->OH;
	if (s->rows < 1)
		s->rows = 1;
	if (s->rows < g->OH) {
		int64_t bands = (g->OH + s->rows - 1) / s->rows;
		s->rows = (g->OH + bands - 1) / bands;
	} else {
		s->rows = g->OH;
	}
	return true;
#else
	(void)g;
	(void)dt;
	(void)s;
	return false;
#endif
}

#define SHIFT_KERNELS(SFX, T)						\
/* rows [oh0, oh1) of wide [Og][rows * Wp] into out [Og][OH][OW], plus	\
 * the bias */								\
static ROW_CLONES void unwiden_##SFX(const T *restrict wide,		\
				     T *restrict out, const T *bias,	\
				     const geom *g, const shift_geom *s,	\
				     int64_t oh0, int64_t oh1)		\
{									\
	int64_t Nb = (oh1 - oh0) * s->Wp;				\
	for (int64_t o = 0; o < g->Og; o++) {				\
		T v = bias ? bias[o] : 0;				\
		for (int64_t oh = oh0; oh < oh1; oh++) {		\
			const T *restrict r = wide + o * Nb +		\
					      (oh - oh0) * s->Wp;	\
			T *restrict d = out + (o * g->OH + oh) * g->OW;	\
			CONV_SIMD					\
			for (int64_t ow = 0; ow < g->OW; ow++)		\
				d[ow] = r[ow] + v;			\
		}							\
	}								\
}									\
/* NaN when some value is infinite or NaN, else 0 */			\
static ROW_CLONES T nonfinite_##SFX(const T *restrict p, int64_t n)	\
{									\
	T acc = 0;							\
	_Pragma("omp simd reduction(+:acc)")				\
	for (int64_t i = 0; i < n; i++)					\
		acc += p[i] - p[i];					\
	return acc;							\
}

SHIFT_KERNELS(f32, float)
SHIFT_KERNELS(f64, double)

/* planes of rows of row_bytes from src to dst, each side with its own
 * plane and row strides (bytes) */
static void copy_rows(char *dst, int64_t dps, int64_t drs, const char *src,
		      int64_t sps, int64_t srs, int64_t planes, int64_t rows,
		      size_t row_bytes)
{
	for (int64_t c = 0; c < planes; c++)
		for (int64_t h = 0; h < rows; h++)
			memcpy(dst + c * dps + h * drs, src + c * sps + h * srs,
			       row_bytes);
}

/* Cg planes [H][W] into the interior of the padded planes (into), or the
 * interior back out */
static void pad_copy(size_t es, const char *planes, char *pad, const geom *g,
		     const shift_geom *s, bool into)
{
	int64_t e = (int64_t)es, in = (g->ph * s->Wp + g->pw) * e;
	if (into)
		copy_rows(pad + in, s->P * e, s->Wp * e, planes, g->H * g->W * e,
			  g->W * e, g->Cg, g->H, (size_t)g->W * es);
	else
		copy_rows((char *)planes, g->H * g->W * e, g->W * e, pad + in,
			  s->P * e, s->Wp * e, g->Cg, g->H, (size_t)g->W * es);
}

static void unwiden(ag_dtype dt, const void *wide, void *out, const void *bias,
		    const geom *g, const shift_geom *s, int64_t oh0,
		    int64_t oh1)
{
	if (dt == AG_FLOAT32)
		unwiden_f32(wide, out, bias, g, s, oh0, oh1);
	else
		unwiden_f64(wide, out, bias, g, s, oh0, oh1);
}

/* g [Og][OH][OW] into the first OW columns of wide [Og][OH * Wp] */
static void widen(size_t es, const char *g0, char *wide, const geom *g,
		  const shift_geom *s)
{
	int64_t e = (int64_t)es;
	copy_rows(wide, g->OH * s->Wp * e, s->Wp * e, g0, g->L * e, g->OW * e,
		  g->Og, g->OH, (size_t)g->OW * es);
}

static bool all_finite(ag_dtype dt, const void *p, int64_t n)
{
	if (dt == AG_FLOAT32)
		return nonfinite_f32(p, n) == 0;
	return nonfinite_f64(p, n) == 0;
}

/* The weight [G*Og][Cg][kh][kw] as [G][taps][Og][Cg] (or [G][taps][Cg][Og]
 * when transposed): W_ij of each group a dense matrix. */
static void *taps_of(ag_dtype dt, const char *w, const geom *g,
		     const shift_geom *s, bool transposed)
{
	size_t es = ag_dtype_size(dt);
	char *t = malloc((size_t)(g->G * s->taps * g->Og * g->Cg) * es + 1);

	if (!t) {
		ag_error(AG_ERR_NOMEM, "out of memory in a convolution");
		return NULL;
	}
	for (int64_t k = 0; k < g->G; k++)
		for (int64_t o = 0; o < g->Og; o++)
			for (int64_t c = 0; c < g->Cg; c++)
				for (int64_t q = 0; q < s->taps; q++) {
					int64_t at = transposed ? c * g->Og + o :
						     o * g->Cg + c;
					memcpy(t + ((k * s->taps + q) * g->Og *
						    g->Cg + at) * (int64_t)es,
					       w + (((k * g->Og + o) * g->Cg + c) *
						    s->taps + q) * (int64_t)es, es);
				}
	return t;
}

/* the offset of tap q's window in a padded plane */
static int64_t tap_offset(const geom *g, const shift_geom *s, int64_t q)
{
	return (q / g->kw) * g->dh * s->Wp + (q % g->kw) * g->dw;
}

/* Image n of a stride-1 convolution's forward into out (dense,
 * [N][O][OH][OW]), with the taps [G][taps][Og][Cg] and the workspaces
 * xpad (Cg planes of P, zeroed once: only the interior is written) and
 * wide (Og x rows * Wp). */
static int shift_fwd_image(ag_dtype dt, const char *xp, const char *taps,
			   const void *bias, char *op, const geom *g,
			   const shift_geom *s, char *xpad, char *wide,
			   int64_t n)
{
	size_t es = ag_dtype_size(dt);

	for (int64_t k = 0; k < g->G; k++) {
		pad_copy(es, xp + (n * g->C + k * g->Cg) * g->H * g->W * es,
			 xpad, g, s, true);
		char *dst = op + (n * g->O + k * g->Og) * g->L * es;
		const char *bk = bias ? (const char *)bias + k * g->Og * es :
			NULL;
		for (int64_t oh0 = 0; oh0 < g->OH; oh0 += s->rows) {
			int64_t oh1 = band_end(oh0, s->rows, g->OH);
			int64_t Nb = (oh1 - oh0) * s->Wp;
			for (int64_t q = 0; q < s->taps; q++) {
				ag_mat a = { taps + (k * s->taps + q) * g->Og *
					     g->Cg * es, g->Cg, 1 };
				ag_mat b = { xpad + (oh0 * s->Wp +
					     tap_offset(g, s, q)) * es, s->P, 1 };
				if (ag_gemm(dt, g->Og, Nb, g->Cg, 1, a, b,
					    q ? 1 : 0, wide, Nb) < 0)
					return -1;
			}
			unwiden(dt, wide, dst, bk, g, s, oh0, oh1);
		}
	}
	return 0;
}

/* Image n's input gradient (gi dense, [N][C][H][W]) of a stride-1
 * convolution: the output gradient, widened (wide: Og x OH * Wp, its
 * extra columns zeroed once), multiplied by each tap's transposed weight
 * (taps [G][taps][Cg][Og]) into a window of the padded planes gpad, whose
 * interior is gi. */
static int shift_gi_image(ag_dtype dt, const char *gp, const char *taps,
			  char *gi, const geom *g, const shift_geom *s,
			  char *wide, char *gpad, int64_t n)
{
	size_t es = ag_dtype_size(dt);
	int64_t Lw = g->OH * s->Wp;

	for (int64_t k = 0; k < g->G; k++) {
		int64_t img = (n * g->C + k * g->Cg) * g->H * g->W;
		widen(es, gp + (n * g->O + k * g->Og) * g->L * es, wide, g, s);
		memset(gpad, 0, (size_t)(g->Cg * s->P) * es);
		for (int64_t oh0 = 0; oh0 < g->OH; oh0 += s->rows) {
			int64_t oh1 = band_end(oh0, s->rows, g->OH);
			int64_t Nb = (oh1 - oh0) * s->Wp;
			for (int64_t q = 0; q < s->taps; q++) {
				/* += W_ij^T @ g_wide[:, band] */
				ag_mat a = { taps + (k * s->taps + q) * g->Og *
					     g->Cg * es, g->Og, 1 };
				ag_mat b = { wide + oh0 * s->Wp * es, Lw, 1 };
				int64_t at = oh0 * s->Wp + tap_offset(g, s, q);
				if (ag_gemm(dt, g->Cg, Nb, g->Og, 1, a, b, 1,
					    gpad + at * es, s->P) < 0)
					return -1;
			}
		}
		pad_copy(es, gi + img * es, gpad, g, s, false);
	}
	return 0;
}

/* --------------------------------------------- Winograd F(2x2, 3x3) */

/* float32 3x3 stride-1 undilated convolutions with 32+ channels in and
 * out per group and 64+ tiles per plane run by Winograd's transforms (conv_winograd.c): 16
 * products of the channels per 2 x 2 outputs instead of 36, in the
 * forward and in both gradients.  Only when the operands are finite, as
 * the transforms would turn an infinity into NaN.  The plan for the
 * forward and the weight gradient (adjoint false) or the input gradient,
 * a convolution of the output gradient by the flipped, transposed kernel
 * with padding 2 - p. */
static bool wino_fits(const geom *g, ag_dtype dt, bool adjoint, ag_wino *w)
{
	if (dt != AG_FLOAT32 || g->kh != 3 || g->kw != 3 || g->sh != 1 ||
	    g->sw != 1 || g->dh != 1 || g->dw != 1 || g->Cg < 32 || g->Og < 32)
		return false;
	if (adjoint)
		*w = (ag_wino){ .Ci = g->Og, .Co = g->Cg, .Hi = g->OH,
				.Wi = g->OW, .Ho = g->H, .Wo = g->W,
				.ph = 2 - g->ph, .pw = 2 - g->pw };
	else
		*w = (ag_wino){ .Ci = g->Cg, .Co = g->Og, .Hi = g->H,
				.Wi = g->W, .Ho = g->OH, .Wo = g->OW,
				.ph = g->ph, .pw = g->pw };
	/* fewer channels or tiles: the transforms and the small products
	 * cost more than the flops saved (measured: 16 channels, or 14 x 14
	 * images, ran slower than the exact paths) */
	return ag_wino_plan(w) && w->TH * w->TW >= 64;
}

/* every group's transformed kernel, or NULL (ag_error set) */
static float *wino_kernels(const ag_wino *w, const geom *g, const float *wp,
			   bool adjoint)
{
	size_t kf = ag_wino_kernel_floats(w);
	float *u = malloc((size_t)g->G * kf * sizeof(float) + 1);

	if (!u) {
		ag_error(AG_ERR_NOMEM, "out of memory in a convolution");
		return NULL;
	}
	for (int64_t k = 0; k < g->G; k++)
		ag_wino_kernel(w, wp + k * g->Og * g->CKK, g->CKK, adjoint,
			       u + k * kf);
	return u;
}

/* ------------------------------------------------------------ threads */

/* OpenBLAS's thread count (weak: another CBLAS links too) */
extern void openblas_set_num_threads(int n) __attribute__((weak));

/* With several threads and enough work the images are split among them
 * (each image's products then run on one thread: many small products
 * split two ways cost more in handing over than they gain); the team's
 * size, 1 for a plain loop. */
static int image_team(const geom *g)
{
#ifdef _OPENMP
	int nt = ag_get_num_threads();
	double work = (double)g->N * (double)g->O * (double)g->CKK *
		      (double)g->L;
	if (nt < 2 || g->N < 2 || work < (double)(1 << 22))
		return 1;
	return g->N < nt ? (int)g->N : nt;
#else
	(void)g;
	return 1;
#endif
}

/* The BLAS on one thread while a team runs (on), back to agdb's count */
static void blas_single(int team, bool on)
{
	if (team > 1 && openblas_set_num_threads)
		openblas_set_num_threads(on ? 1 : ag_get_num_threads());
}

/* ------------------------------------------------------------- dtypes */

static int check_dtypes(const ag_tensor *x, const ag_tensor *w,
			const ag_tensor *b)
{
	if (x->dtype != w->dtype || (b && b->dtype != x->dtype))
		return ag_error(AG_ERR_DTYPE, "expected scalar type %s but found "
				"%s", ag_dtype_scalar_name(x->dtype),
				ag_dtype_scalar_name(x->dtype != w->dtype ?
						     w->dtype : b->dtype));
	if (x->dtype == AG_BOOL ||
	    (!ag_dtype_is_floating(x->dtype) && x->dtype != AG_INT64))
		return ag_error(AG_ERR_DTYPE, "\"slow_conv2d_cpu\" not "
				"implemented for '%s'",
				ag_dtype_scalar_name(x->dtype));
	return 0;
}

/* The dtype the kernels compute in (float32 for the 16-bit floats, whose
 * results are rounded on store), and t as a contiguous tensor of it. */
static ag_dtype work_dtype(ag_dtype dt)
{
	return ag_dtype_is_half(dt) ? AG_FLOAT32 : dt;
}

static ag_tensor *work(ag_tensor *t)
{
	ag_tensor *c = ag_to_dtype(t, work_dtype(t->dtype));
	ag_tensor *r = c ? ag_contiguous(c) : NULL;
	ag_tensor_release(c);
	return r;
}

/* ------------------------------------------------------------ forward */

static ag_tensor *conv_forward(ag_tensor *x, ag_tensor *w, ag_tensor *b,
			       const geom *g, int nsp)
{
	ag_dtype dt = work_dtype(x->dtype);
	size_t es = ag_dtype_size(dt);
	ag_tensor *xc = work(x), *wc = xc ? work(w) : NULL;
	ag_tensor *bc = wc && b ? work(b) : NULL, *out = NULL;
	int64_t shape[4] = { g->N, g->O, g->OH, g->OW };
	bool direct = pointwise_kernel(g);
	char *taps = NULL;
	float *wk = NULL;
	shift_geom sg;

	if (!wc || (b && !bc))
		goto done;
	if (nsp == 1)
		shape[2] = g->OW;
	out = ag_tensor_alloc_uninit(shape, nsp + 2, dt);
	if (!out)
		goto done;
	ag_wino wg;
	bool wino = wino_fits(g, dt, false, &wg) &&
		    all_finite(dt, ag_data_ptr(xc), ag_numel(xc)) &&
		    all_finite(dt, ag_data_ptr(wc), ag_numel(wc));
	bool shift = !wino && shift_fits(g, dt, &sg);
	if (shift && !(taps = taps_of(dt, ag_data_ptr(wc), g, &sg, false)))
		goto fail;
	if (wino && !(wk = wino_kernels(&wg, g, ag_data_ptr(wc), false)))
		goto fail;
	int64_t rows = band_rows(g, es, direct);
	const char *xp = ag_data_ptr(xc), *wp = ag_data_ptr(wc);
	const void *bp = bc ? ag_data_ptr(bc) : NULL;
	char *op = ag_data_ptr(out);
	int team = image_team(g), failed = 0;

	blas_single(team, true);
#ifdef _OPENMP
#pragma omp parallel num_threads(team) if (team > 1) reduction(|:failed)
#endif
	{
		/* this thread's workspaces */
		char *cols = NULL, *xpad = NULL, *wide = NULL;
		float *work = NULL;
		if (wino)
			failed |= !(work = malloc(ag_wino_work_floats(&wg) *
						  sizeof(float)));
		else if (shift)
			failed |= !(xpad = calloc((size_t)(g->Cg * sg.P) + 1, es)) ||
				  !(wide = malloc((size_t)(g->Og * sg.rows * sg.Wp) *
						  es + 1));
		else if (!direct)
			failed |= !(cols = malloc((size_t)(g->CKK * rows * g->OW) *
						  es + 1));
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
		for (int64_t n = 0; n < g->N; n++) {
			if (failed)
				continue;
			if (wino) {
				size_t kf = ag_wino_kernel_floats(&wg);
				for (int64_t k = 0; k < g->G && !failed; k++)
					failed |= ag_wino_run(&wg, (const float *)xp +
						(n * g->C + k * g->Cg) * g->H * g->W,
						wk + k * kf, bp ? (const float *)bp +
						k * g->Og : NULL, (float *)op +
						(n * g->O + k * g->Og) * g->L,
						work) < 0;
				continue;
			}
			if (shift) {
				failed |= shift_fwd_image(dt, xp, taps, bp, op, g,
							  &sg, xpad, wide, n) < 0;
				continue;
			}
			for (int64_t gi = 0; gi < g->G && !failed; gi++) {
				const char *src = xp + ((n * g->C + gi * g->Cg) *
							g->H * g->W) * es;
				char *dst = op + ((n * g->O + gi * g->Og) * g->L) *
					    es;
				ag_mat mw = { wp + gi * g->Og * g->CKK * es, g->CKK,
					      1 };
				for (int64_t oh0 = 0; oh0 < g->OH && !failed;
				     oh0 += rows) {
					int64_t oh1 = band_end(oh0, rows, g->OH);
					int64_t Lc = (oh1 - oh0) * g->OW;
					ag_mat mp = { src, g->L, 1 };
					if (!direct) {
						im2col(dt, src, cols, g, oh0, oh1);
						mp = (ag_mat){ cols, Lc, 1 };
					}
					/* out[:, band] = W_g @ patches */
					failed |= ag_gemm(dt, g->Og, Lc, g->CKK, 1,
							  mw, mp, 0, dst + oh0 *
							  g->OW * es, g->L) < 0;
				}
			}
			if (bp && !failed)
				add_bias(dt, op + n * g->O * g->L * es, bp, g);
		}
		free(cols);
		free(xpad);
		free(wide);
		free(work);
	}
	blas_single(team, false);
	if (!failed)
		goto done;
	ag_error(AG_ERR_NOMEM, "out of memory in a convolution");
fail:
	ag_tensor_release(out);
	out = NULL;
done:
	free(taps);
	free(wk);
	ag_tensor_release(xc);
	ag_tensor_release(wc);
	ag_tensor_release(bc);
	return ag_to_dtype_owned(out, x->dtype);
}

/* ------------------------------------------------- transposed forward */

/* A transposed convolution is the adjoint of the convolution with the
 * same weight: its output y is that convolution's input gradient for a
 * grad_output x, at the size y has.  With output_padding not below the
 * stride (allowed when below the dilation) that convolution of y has
 * more positions than x: x is zero-padded to them. */

/* The convolution that is y's adjoint, and its geometry from y's sizes. */
static int adjoint_geometry(const int64_t *yshape, ag_tensor *w,
			    const ag_conv_args *a, ag_conv_args *reg,
			    geom *g)
{
	ag_tensor *zero = ag_zeros(NULL, 0, w->dtype);
	ag_tensor *y = zero ? ag_expand(zero, yshape, a->nsp + 2) : NULL;
	int rc = -1;

	*reg = *a;
	reg->transposed = false;
	reg->has_bias = false;
	if (y)
		rc = geometry(y, w, NULL, reg, g);
	ag_tensor_release(y);
	ag_tensor_release(zero);
	return rc;
}

/* sizes and arguments of a transposed convolution beyond this are
 * refused before their arithmetic can overflow */
#define TRANSPOSED_LIMIT ((int64_t)1 << 40)

/* y's sizes for input x; PyTorch's checks and texts */
int ag_conv_transpose_shape(const ag_tensor *x, const ag_tensor *w,
			    const ag_tensor *b, const ag_conv_args *a,
			    int64_t *yshape)
{
	char s1[128], s2[128];

	if (check_args(x, w, a) < 0)
		return -1;
	for (int i = 2 - a->nsp; i < 2; i++) {
		if (a->stride[i] > TRANSPOSED_LIMIT ||
		    a->padding[i] > TRANSPOSED_LIMIT ||
		    a->dilation[i] > TRANSPOSED_LIMIT ||
		    a->output_padding[i] > TRANSPOSED_LIMIT)
			return ag_error(AG_ERR_VALUE, "conv_transpose: stride, "
					"padding, dilation and output_padding "
					"must be below 2^40");
	}
	bool bad = false;
	for (int i = 2 - a->nsp; i < 2; i++)
		bad |= a->output_padding[i] >= a->stride[i] &&
		       a->output_padding[i] >= a->dilation[i];
	if (bad) {
		if (a->nsp == 2)
			return ag_error(AG_ERR_VALUE, "output padding must be "
				"smaller than either stride or dilation, but got "
				"output_padding_height: %lld output_padding_width:"
				" %lld stride_height: %lld stride_width: %lld "
				"dilation_height: %lld dilation_width: %lld",
				(long long)a->output_padding[0],
				(long long)a->output_padding[1],
				(long long)a->stride[0], (long long)a->stride[1],
				(long long)a->dilation[0],
				(long long)a->dilation[1]);
		return ag_error(AG_ERR_VALUE, "output padding must be smaller "
			"than either stride or dilation, but got "
			"output_padding_height: 0 output_padding_width: %lld "
			"stride_height: 1 stride_width: %lld dilation_height: 1 "
			"dilation_width: %lld", (long long)a->output_padding[1],
			(long long)a->stride[1], (long long)a->dilation[1]);
	}
	shape_str(w, s1, sizeof s1);
	if (w->shape[0] % a->groups != 0)
		return ag_error(AG_ERR_SHAPE, "Given groups=%lld, expected weight "
				"to be divisible by %lld at dimension 0, but got "
				"weight of size %s instead", (long long)a->groups,
				(long long)a->groups, s1);
	if (x->shape[1] != w->shape[0]) {
		shape_str(x, s2, sizeof s2);
		return ag_error(AG_ERR_SHAPE, "Given transposed=1, weight of "
				"size %s, expected input%s to have %lld channels, "
				"but got %lld channels instead", s1, s2,
				(long long)w->shape[0], (long long)x->shape[1]);
	}
	int64_t cout = w->shape[1] * a->groups;
	if (b && (b->ndim != 1 || b->shape[0] != cout)) {
		shape_str(b, s2, sizeof s2);
		return ag_error(AG_ERR_SHAPE, "Given transposed=1, weight of size "
				"%s, expected bias to be 1-dimensional with %lld "
				"elements, but got bias of size %s instead", s1,
				(long long)cout, s2);
	}
	for (int i = 2; i < x->ndim; i++)
		if (x->shape[i] == 0) {
			shape_str(x, s2, sizeof s2);
			return ag_error(AG_ERR_SHAPE, "Only zero batch or zero "
					"channel inputs are supported, but got "
					"input shape: %s", s2);
		}
	yshape[0] = x->shape[0];
	yshape[1] = cout;
	bad = false;
	for (int i = 0; i < a->nsp; i++) {
		int k = 2 - a->nsp + i;
		int64_t in = x->shape[2 + i], span, ext;
		if (in > TRANSPOSED_LIMIT || w->shape[2 + i] > TRANSPOSED_LIMIT ||
		    ag_mul_size(in - 1, a->stride[k], &span) < 0 ||
		    ag_mul_size(a->dilation[k], w->shape[2 + i] - 1, &ext) < 0)
			return -1;
		yshape[2 + i] = span - 2 * a->padding[k] + ext +
				a->output_padding[k] + 1;
		bad |= yshape[2 + i] < 1;
	}
	if (bad) {
		if (a->nsp == 2)
			return ag_error(AG_ERR_SHAPE, "Given input size per "
				"channel: (%lld x %lld). Calculated output size "
				"per channel: (%lld x %lld). Output size is too "
				"small", (long long)x->shape[2],
				(long long)x->shape[3], (long long)yshape[2],
				(long long)yshape[3]);
		return ag_error(AG_ERR_SHAPE, "Given input size per channel: "
				"(%lld). Calculated output size per channel: "
				"(%lld). Output size is too small",
				(long long)x->shape[2], (long long)yshape[2]);
	}
	return 0;
}

/* x zero-padded at the end of its spatial dims to the adjoint's output
 * sizes (a new reference to x when they already match); recorded */
ag_tensor *ag_conv_transpose_fit(ag_tensor *x, const int64_t *yshape,
				 ag_tensor *w, const ag_conv_args *a)
{
	ag_conv_args reg;
	geom g;
	int64_t pad[4] = { 0 };

	if (adjoint_geometry(yshape, w, a, &reg, &g) < 0)
		return NULL;
	pad[1] = g.OW - x->shape[x->ndim - 1];
	if (a->nsp == 2)
		pad[3] = g.OH - x->shape[2];
	if (pad[1] == 0 && pad[3] == 0) {
		ag_tensor_retain(x);
		return x;
	}
	return ag_pad(x, AG_PAD_CONSTANT, pad, 2 * a->nsp, 0);
}

static ag_tensor *conv_transpose(ag_tensor *x, ag_tensor *w, ag_tensor *b,
				 const ag_conv_args *a)
{
	static const bool need[3] = { true, false, false };
	int64_t yshape[4];
	ag_conv_args reg;
	geom g;
	ag_tensor *g3[3] = { NULL, NULL, NULL }, *xf, *yf, *zero, *bc = NULL;

	if (check_dtypes(x, w, b) < 0 ||
	    ag_conv_transpose_shape(x, w, b, a, yshape) < 0)
		return NULL;
	if (adjoint_geometry(yshape, w, a, &reg, &g) < 0)
		return NULL;
	bool was = ag_set_grad_enabled(false);
	xf = ag_conv_transpose_fit(x, yshape, w, a);
	zero = ag_zeros(NULL, 0, x->dtype);
	yf = zero ? ag_expand(zero, yshape, a->nsp + 2) : NULL;
	if (xf && yf && ag_conv_backward_fused(xf, yf, w, &reg, need, g3) == 0
	    && b) {
		/* the bias, in the work dtype */
		geom gb = g;
		gb.O = yshape[1];
		gb.L = g.H * g.W;
		ag_tensor *y = work(g3[0]);
		bc = y ? work(b) : NULL;
		if (bc) {
			size_t es = ag_dtype_size(y->dtype);
			for (int64_t n = 0; n < yshape[0]; n++)
				add_bias(y->dtype, (char *)ag_data_ptr(y) +
					 n * gb.O * gb.L * es, ag_data_ptr(bc),
					 &gb);
		}
		ag_tensor_release(g3[0]);
		g3[0] = bc ? ag_to_dtype_owned(y, x->dtype) : NULL;
		if (!bc)
			ag_tensor_release(y);
	}
	ag_set_grad_enabled(was);
	ag_tensor_release(bc);
	ag_tensor_release(xf);
	ag_tensor_release(yf);
	ag_tensor_release(zero);
	if (!g3[0])
		return NULL;
	if (ag_check_interrupt() < 0) {
		ag_tensor_release(g3[0]);
		return NULL;
	}
	return ag_recorded(g3[0], (ag_call){ .op = AG_OP_CONVOLUTION,
		.in = (ag_tensor *[]){ x, w, b }, .nin = 3, .args = a,
		.args_size = sizeof *a });
}

static int conv_geometry(ag_tensor *x, ag_tensor *w, ag_tensor *b,
			 const ag_conv_args *a, geom *g)
{
	if (check_dtypes(x, w, b) < 0)
		return -1;
	return geometry(x, w, b, a, g);
}

ag_tensor *ag_convolution(ag_tensor *x, ag_tensor *w, ag_tensor *b,
			  const ag_conv_args *args)
{
	ag_conv_args a = *args;
	geom g;

	a.has_bias = b != NULL;
	if (a.transposed)
		return conv_transpose(x, w, b, &a);
	if (conv_geometry(x, w, b, &a, &g) < 0)
		return NULL;
	ag_tensor *out = conv_forward(x, w, b, &g, a.nsp);
	if (!out)
		return NULL;
	if (ag_check_interrupt() < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return ag_recorded(out, (ag_call){ .op = AG_OP_CONVOLUTION,
		.in = (ag_tensor *[]){ x, w, b }, .nin = 3, .args = &a,
		.args_size = sizeof a });
}

/* ----------------------------------------------------------- backward */

/* The weight gradient is accumulated transposed, [G][CKK, Og] (the
 * faster layout for the BLAS: the long sum over positions is its inner
 * dimension in both operands); stored as [G][Og, CKK]. */
static void transpose_weight(ag_dtype dt, const char *t, char *w,
			     const geom *g)
{
	size_t es = ag_dtype_size(dt);
	for (int64_t k = 0; k < g->G; k++) {
		const char *tk = t + k * g->CKK * g->Og * (int64_t)es;
		char *wk = w + k * g->Og * g->CKK * (int64_t)es;
		for (int64_t o = 0; o < g->Og; o++)
			for (int64_t r = 0; r < g->CKK; r++)
				memcpy(wk + (o * g->CKK + r) * (int64_t)es,
				       tk + (r * g->Og + o) * (int64_t)es, es);
	}
}

/* The gradients of a convolution (not recorded): grad_input,
 * grad_weight, grad_bias where need[i] says so (else left NULL). */
int ag_conv_backward_fused(ag_tensor *gout, ag_tensor *x, ag_tensor *w,
			   const ag_conv_args *a, const bool need[3],
			   ag_tensor **grads)
{
	geom g;
	ag_dtype dt0 = x->dtype, dt = work_dtype(dt0);
	size_t es = ag_dtype_size(dt);
	ag_tensor *xc = NULL, *wc = NULL, *gc = NULL;
	ag_tensor *gi = NULL, *gw = NULL, *gb = NULL;
	char *gwt = NULL, *taps = NULL;
	float *wk = NULL, *wacc = NULL;
	bool direct;
	int rc = -1;

	grads[0] = grads[1] = grads[2] = NULL;
	if (geometry(x, w, NULL, a, &g) < 0)
		return -1;
	direct = pointwise_kernel(&g);
	if ((need[1] && !(xc = work(x))) || !(wc = work(w)) ||
	    !(gc = work(gout)))
		goto done;
	if (need[0] && !(gi = ag_tensor_alloc_uninit(x->shape, x->ndim, dt)))
		goto done;
	if (need[1] && !(gw = ag_tensor_alloc_uninit(w->shape, w->ndim, dt)))
		goto done;
	if (need[2] && !(gb = ag_tensor_alloc(&g.O, 1, dt)))
		goto done;
	shift_geom sg;
	ag_wino wg;
	ag_wino wf;	/* the forward's plan, for the weight gradient */
	bool finite = need[0] && all_finite(dt, ag_data_ptr(wc), ag_numel(wc));
	bool wino_gi = finite && wino_fits(&g, dt, true, &wg);
	bool wino_gw = need[1] && wino_fits(&g, dt, false, &wf);
	if ((wino_gi || wino_gw) &&
	    !all_finite(dt, ag_data_ptr(gc), ag_numel(gc)))
		wino_gi = wino_gw = false;
	wino_gw = wino_gw && all_finite(dt, ag_data_ptr(xc), ag_numel(xc));
	bool fits = !wino_gi && shift_fits(&g, dt, &sg);
	bool shift_gi = finite && fits;
	bool do_gi = need[0] && !shift_gi && !wino_gi;
	bool do_gw = need[1] && !wino_gw;
	size_t wacc_n = wino_gw ? (size_t)g.G * ag_wino_grad_floats(&wf) : 0;
	int64_t rows = band_rows(&g, es, direct);
	if (wino_gi && !(wk = wino_kernels(&wg, &g, ag_data_ptr(wc), true)))
		goto done;
	if ((shift_gi && !(taps = taps_of(dt, ag_data_ptr(wc), &g, &sg, true))) ||
	    (do_gw && !(gwt = calloc((size_t)(g.G * g.CKK * g.Og) + 1, es))) ||
	    (wino_gw && !(wacc = calloc(wacc_n + 1, sizeof(float))))) {
		ag_error(AG_ERR_NOMEM, "out of memory in a convolution's "
			 "backward");
		goto done;
	}
	const char *xp = xc ? ag_data_ptr(xc) : NULL, *wp = ag_data_ptr(wc);
	const char *gp = ag_data_ptr(gc);
	char *gip = gi ? ag_data_ptr(gi) : NULL;
	int team = (need[0] || need[1]) ? image_team(&g) : 1, failed = 0;

	blas_single(team, true);
#ifdef _OPENMP
#pragma omp parallel num_threads(team) if (team > 1) reduction(|:failed)
#endif
	{
		/* this thread's workspaces, and its share of the weight
		 * gradient (the first thread's is gwt itself) */
		char *cols = NULL, *wide = NULL, *gpad = NULL, *mine = gwt;
		float *work = NULL, *wwork = NULL, *wmine = wacc;
		if (wino_gi)
			failed |= !(work = malloc(ag_wino_work_floats(&wg) *
						  sizeof(float)));
		if (wino_gw)
			failed |= !(wwork = malloc(ag_wino_work_floats(&wf) *
						   sizeof(float)));
		if ((do_gi || do_gw) && !direct)
			failed |= !(cols = malloc((size_t)(g.CKK * rows * g.OW) *
						  es + 1));
		if (shift_gi)
			failed |= !(wide = calloc((size_t)(g.Og * g.OH * sg.Wp) +
						  1, es)) ||
				  !(gpad = malloc((size_t)(g.Cg * sg.P) * es + 1));
#ifdef _OPENMP
		if (wino_gw && omp_get_thread_num() > 0)
			failed |= !(wmine = calloc(wacc_n + 1, sizeof(float)));
		if (do_gw && omp_get_thread_num() > 0)
			failed |= !(mine = calloc((size_t)(g.G * g.CKK * g.Og) + 1,
						  es));
#pragma omp for schedule(static)
#endif
		for (int64_t n = 0; n < g.N; n++) {
			if (failed)
				continue;
			if (shift_gi)
				failed |= shift_gi_image(dt, gp, taps, gip, &g, &sg,
							 wide, gpad, n) < 0;
			for (int64_t k = 0; wino_gi && k < g.G && !failed; k++)
				failed |= ag_wino_run(&wg, (const float *)gp +
					(n * g.O + k * g.Og) * g.L,
					wk + k * ag_wino_kernel_floats(&wg), NULL,
					(float *)gip + (n * g.C + k * g.Cg) *
					g.H * g.W, work) < 0;
			for (int64_t k = 0; wino_gw && k < g.G && !failed; k++)
				failed |= ag_wino_wgrad(&wf, (const float *)xp +
					(n * g.C + k * g.Cg) * g.H * g.W,
					(const float *)gp + (n * g.O + k * g.Og) * g.L,
					wmine + k * ag_wino_grad_floats(&wf),
					wwork) < 0;
			for (int64_t k = 0; k < g.G && (do_gi || do_gw) &&
			     !failed; k++) {
				const char *go = gp + ((n * g.O + k * g.Og) * g.L) *
						 es;
				int64_t img = (n * g.C + k * g.Cg) * g.H * g.W;
				char *d = do_gi ? gip + img * es : NULL;
				/* W_k^T: [CKK, Og] */
				ag_mat mwt = { wp + k * g.Og * g.CKK * es, 1, g.CKK };
				if (d && !direct)
					memset(d, 0, (size_t)(g.Cg * g.H * g.W) * es);
				for (int64_t oh0 = 0; oh0 < g.OH && !failed;
				     oh0 += rows) {
					int64_t oh1 = band_end(oh0, rows, g.OH);
					int64_t Lc = (oh1 - oh0) * g.OW;
					const char *gband = go + oh0 * g.OW * es;
					if (d) {
						/* patches = W_k^T @ gout[:, band] */
						ag_mat mg = { gband, g.L, 1 };
						failed |= ag_gemm(dt, g.CKK, Lc, g.Og, 1,
							mwt, mg, 0, direct ? d : cols,
							direct ? g.L : Lc) < 0;
						if (!direct && !failed)
							col2im(dt, cols, d, &g, oh0,
							       oh1);
					}
					if (do_gw && !failed) {
						/* gw_k^T += patches @ gout[:, band]^T */
						ag_mat mp = { xp + img * es, g.L, 1 };
						ag_mat mgt = { gband, 1, g.L };
						if (!direct) {
							im2col(dt, mp.p, cols, &g, oh0,
							       oh1);
							mp = (ag_mat){ cols, Lc, 1 };
						}
						failed |= ag_gemm(dt, g.CKK, g.Og, Lc,
							1, mp, mgt, 1, mine + k *
							g.CKK * g.Og * es, g.Og) < 0;
					}
				}
			}
		}
		if (wmine != wacc) {
#ifdef _OPENMP
#pragma omp critical (conv_weight_grad)
#endif
			if (wmine)
				add_into(AG_FLOAT32, wacc, wmine, (int64_t)wacc_n);
			free(wmine);
		}
		free(wwork);
		if (mine != gwt) {
#ifdef _OPENMP
#pragma omp critical (conv_weight_grad)
#endif
			if (mine)
				add_into(dt, gwt, mine, g.G * g.CKK * g.Og);
			free(mine);
		}
		free(cols);
		free(wide);
		free(gpad);
		free(work);
	}
	blas_single(team, false);
	if (failed) {
		ag_error(AG_ERR_NOMEM, "out of memory in a convolution's "
			 "backward");
		goto done;
	}
	for (int64_t n = 0; need[2] && n < g.N; n++)
		sum_bias(dt, ag_data_ptr(gb), gp + n * g.O * g.L * es, &g);
	if (do_gw)
		transpose_weight(dt, gwt, ag_data_ptr(gw), &g);
	for (int64_t k = 0; wino_gw && k < g.G; k++)
		ag_wino_wgrad_out(&wf, wacc + k * ag_wino_grad_floats(&wf),
				  (float *)ag_data_ptr(gw) + k * g.Og * g.CKK, g.CKK);
	if (ag_check_interrupt() < 0)
		goto done;
	grads[0] = ag_to_dtype_owned(gi, dt0);
	grads[1] = ag_to_dtype_owned(gw, dt0);
	grads[2] = ag_to_dtype_owned(gb, dt0);
	gi = gw = gb = NULL;
	rc = (need[0] && !grads[0]) || (need[1] && !grads[1]) ||
	     (need[2] && !grads[2]) ? -1 : 0;
	if (rc < 0)
		for (int i = 0; i < 3; i++) {
			ag_tensor_release(grads[i]);
			grads[i] = NULL;
		}
done:
	free(taps);
	free(wk);
	free(wacc);
	free(gwt);
	ag_tensor_release(xc);
	ag_tensor_release(wc);
	ag_tensor_release(gc);
	ag_tensor_release(gi);
	ag_tensor_release(gw);
	ag_tensor_release(gb);
	return rc;
}

/* convolution_backward as a recorded op: all three gradients. */
int ag_convolution_backward(ag_tensor *gout, ag_tensor *x, ag_tensor *w,
			    const ag_conv_args *a, ag_tensor **grads)
{
	static const bool all[3] = { true, true, true };
	bool was = ag_set_grad_enabled(false);
	int rc = ag_conv_backward_fused(gout, x, w, a, all, grads);

	ag_set_grad_enabled(was);
	if (rc < 0)
		return -1;
	if (ag_record(&(ag_call){ .op = AG_OP_CONVOLUTION_BACKWARD,
		.in = (ag_tensor *[]){ gout, x, w }, .nin = 3,
		.out = grads, .nout = 3, .args = a,
		.args_size = sizeof *a }) < 0) {
		for (int i = 0; i < 3; i++) {
			ag_tensor_release(grads[i]);
			grads[i] = NULL;
		}
		return -1;
	}
	return 0;
}
