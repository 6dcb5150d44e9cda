/*
 * nn_spatial.c - the spatial nn ops that move values without learning
 * anything: padding (constant, reflect, replicate), upsampling (nearest,
 * nearest-exact, linear/bilinear, bicubic), im2col/col2im (F.unfold,
 * F.fold) and pixel_shuffle/unshuffle.
 *
 * Every one is linear in its input and is a map (opargs_spatial.h): each
 * element of the "to" block is a weighted sum of taps into the "from"
 * block, the taps made from the op's arguments and sizes alone.  The
 * forward gathers through the map; the transpose scatters (adds) through
 * it, and is the gradient.  An op's backward records its paired op with
 * the direction flipped (grad_nn_spatial.c), so a derivative of any order
 * is the same two kernels.  Separable maps (padding, upsampling) are made
 * one dim at a time and multiplied out; im2col and shuffle directly.
 *
 * Source positions of upsampling follow PyTorch 1.13's CPU kernels:
 * nearest in float, linear and cubic in the tensor's own precision
 * (float for float32), scale factors given by the caller taken as
 * 1 / factor, else input size / output size.
 *
 * float32, float64 and int64 run in their own type; bfloat16 and
 * float16 in float32 and the other integer types in int64, rounded on
 * store.
 */
#include "nn.h"
#include "ag_spatial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- the map */

/* One dim's taps: k per output coordinate, index -1 for "outside". */
typedef struct taps1 {
	int k;
	int64_t *idx;
	double *w;	/* NULL: every weight is 1 */
} taps1;

/* The whole map: k taps for each element of the to block. */
typedef struct map {
	int k;
	int64_t nto, nfrom;	/* elements of each block */
	int64_t *idx;
	double *w;
} map;

static void map_free(map *m)
{
	free(m->idx);
	free(m->w);
	m->idx = NULL;
	m->w = NULL;
}

static int64_t prod(const int64_t *s, int n)
{
	int64_t p = 1;
	for (int i = 0; i < n; i++)
		p *= s[i];
	return p;
}

static double cubic1(double x, double A)
{
	return ((A + 2) * x - (A + 3)) * x * x + 1;
}

static double cubic2(double x, double A)
{
	return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}

/* PyTorch's area_pixel_compute_scale and _source_index, in float when
 * single (float32's opmath), else double. */
static double src_scale(int64_t in, int64_t out, bool align, double scale,
			bool single)
{
	if (align) {
		if (out <= 1)
			return 0;
		return single ? (double)((float)(in - 1) / (float)(out - 1)) :
				(double)(in - 1) / (double)(out - 1);
	}
	if (scale > 0)
		return single ? (double)(float)(1.0 / scale) : 1.0 / scale;
	return single ? (double)((float)in / (float)out) :
			(double)in / (double)out;
}

static double src_index(double scale, int64_t o, bool align, bool cubic,
			bool single)
{
	double r;

	if (align)
		return single ? (double)((float)scale * (float)o) :
				scale * (double)o;
	if (single)
		r = (double)((float)scale * ((float)o + 0.5f) - 0.5f);
	else
		r = scale * ((double)o + 0.5) - 0.5;
	return !cubic && r < 0 ? 0 : r;
}

/* Fills t with dim d's taps (from size in, to size out). */
static int taps_for(const ag_spatial_args *a, int d, int64_t in, int64_t out,
		    bool single, taps1 *t)
{
	int n = a->nto;
	int k = a->map == AG_MAP_LINEAR ? 2 : a->map == AG_MAP_CUBIC ? 4 : 1;
	bool weighted = k > 1;
	int64_t left = 0;

	t->k = k;
	t->idx = malloc((size_t)(out * k + 1) * sizeof *t->idx);
	t->w = weighted ? malloc((size_t)(out * k + 1) * sizeof *t->w) : NULL;
	if (!t->idx || (weighted && !t->w))
		return ag_error(AG_ERR_NOMEM, "out of memory in a spatial op");
	if (a->map <= AG_MAP_PAD_REPLICATE)
		left = a->pad[2 * (n - 1 - d)];
	for (int64_t o = 0; o < out; o++) {
		int64_t *ix = t->idx + o * k;
		double *w = weighted ? t->w + o * k : NULL;
		int64_t s = o - left;
		switch (a->map) {
		case AG_MAP_PAD_CONSTANT:
			ix[0] = s >= 0 && s < in ? s : -1;
			break;
		case AG_MAP_PAD_REFLECT:
			if (s < 0)
				s = -s;
			if (s >= in)
				s = 2 * (in - 1) - s;
			ix[0] = s;
			break;
		case AG_MAP_PAD_REPLICATE:
			ix[0] = s < 0 ? 0 : s >= in ? in - 1 : s;
			break;
		case AG_MAP_NEAREST:
		case AG_MAP_NEAREST_EXACT: {
			float sc = (float)src_scale(in, out, false, a->scale[d],
						    true);
			float f = a->map == AG_MAP_NEAREST ?
				floorf((float)o * sc) :
				floorf(((float)o + 0.5f) * sc);
			int64_t i = (int64_t)f;
			if (a->map == AG_MAP_NEAREST && out == in)
				i = o;
			else if (a->map == AG_MAP_NEAREST && out == 2 * in)
				i = o >> 1;
			ix[0] = i < in - 1 ? i : in - 1;
			break;
		}
		case AG_MAP_LINEAR: {
			double sc = src_scale(in, out, a->align_corners,
					      a->scale[d], single);
			double r = src_index(sc, o, a->align_corners, false,
					     single);
			int64_t i = (int64_t)floor(r);
			if (i > in - 1)
				i = in - 1;
			double l = r - (double)i;
			if (single)
				l = (double)(float)l;
			l = l < 0 ? 0 : l > 1 ? 1 : l;
			ix[0] = i;
			ix[1] = i + (i < in - 1 ? 1 : 0);
			w[0] = single ? (double)(1.0f - (float)l) : 1.0 - l;
			w[1] = l;
			break;
		}
		case AG_MAP_CUBIC: {
			double sc = src_scale(in, out, a->align_corners,
					      a->scale[d], single);
			double r = src_index(sc, o, a->align_corners, true,
					     single);
			int64_t i = (int64_t)floor(r);
			double x = r - (double)i;
			const double A = -0.75;
			if (single) {
				float xf = (float)x, Af = -0.75f;
				w[0] = ((Af * (xf + 1) - 5 * Af) * (xf + 1) +
					8 * Af) * (xf + 1) - 4 * Af;
				w[1] = ((Af + 2) * xf - (Af + 3)) * xf * xf + 1;
				w[2] = ((Af + 2) * (1 - xf) - (Af + 3)) *
				       (1 - xf) * (1 - xf) + 1;
				w[3] = ((Af * (2 - xf) - 5 * Af) * (2 - xf) +
					8 * Af) * (2 - xf) - 4 * Af;
			} else {
				w[0] = cubic2(x + 1, A);
				w[1] = cubic1(x, A);
				w[2] = cubic1(1 - x, A);
				w[3] = cubic2(2 - x, A);
			}
			for (int j = 0; j < 4; j++) {
				int64_t q = i - 1 + j;
				ix[j] = q < 0 ? 0 : q > in - 1 ? in - 1 : q;
			}
			break;
		}
		default:
			return ag_error(AG_ERR_RUNTIME, "spatial map %d is not "
					"separable", a->map);
		}
	}
	return 0;
}

/* The product of the per-dim taps over the blocks' dims. */
static int separable_map(const ag_spatial_args *a, bool single, map *m)
{
	int n = a->nto;
	taps1 t[8] = { { 0 } };
	int rc = -1;
	bool weighted = false;

	m->k = 1;
	for (int d = 0; d < n; d++) {
		if (taps_for(a, d, a->from[d], a->to[d], single, &t[d]) < 0)
			goto done;
		m->k *= t[d].k;
		weighted |= t[d].w != NULL;
	}
	m->idx = malloc((size_t)(m->nto * m->k + 1) * sizeof *m->idx);
	m->w = weighted ? malloc((size_t)(m->nto * m->k + 1) * sizeof *m->w) :
			  NULL;
	if (!m->idx || (weighted && !m->w)) {
		ag_error(AG_ERR_NOMEM, "out of memory in a spatial op");
		goto done;
	}
	/* element o of the to block: coordinates c[d]; tap combination q:
	 * one tap per dim */
	int64_t c[8] = { 0 }, fs[8];
	for (int d = n - 1; d >= 0; d--)
		fs[d] = d == n - 1 ? 1 : fs[d + 1] * a->from[d + 1];
	for (int64_t o = 0; o < m->nto; o++) {
		for (int q = 0; q < m->k; q++) {
			int64_t idx = 0;
			double w = 1;
			int r = q;
			for (int d = n - 1; d >= 0; d--) {
				int j = r % t[d].k;
				r /= t[d].k;
				int64_t s = t[d].idx[c[d] * t[d].k + j];
				if (s < 0 || idx < 0)
					idx = -1;
				else
					idx += s * fs[d];
				if (t[d].w)
					w *= t[d].w[c[d] * t[d].k + j];
			}
			m->idx[o * m->k + q] = idx;
			if (m->w)
				m->w[o * m->k + q] = w;
		}
		for (int d = n - 1; d >= 0; d--) {
			if (++c[d] < a->to[d])
				break;
			c[d] = 0;
		}
	}
	rc = 0;
done:
	for (int d = 0; d < n; d++) {
		free(t[d].idx);
		free(t[d].w);
	}
	return rc;
}

static int direct_map(const ag_spatial_args *a, map *m)
{
	m->k = 1;
	m->idx = malloc((size_t)(m->nto + 1) * sizeof *m->idx);
	if (!m->idx)
		return ag_error(AG_ERR_NOMEM, "out of memory in a spatial op");
	if (a->map == AG_MAP_IM2COL) {
		int64_t H = a->from[1], W = a->from[2];
		int64_t kh = a->kernel[0], kw = a->kernel[1];
		int64_t OW = a->blocks[1], L = a->to[1];
		for (int64_t r = 0; r < a->to[0]; r++) {
			int64_t c = r / (kh * kw), i = r / kw % kh, j = r % kw;
			for (int64_t l = 0; l < L; l++) {
				int64_t oh = l / OW, ow = l % OW;
				int64_t ih = oh * a->stride[0] - a->padding[0] +
					     i * a->dilation[0];
				int64_t iw = ow * a->stride[1] - a->padding[1] +
					     j * a->dilation[1];
				m->idx[r * L + l] = ih >= 0 && ih < H &&
					iw >= 0 && iw < W ?
					(c * H + ih) * W + iw : -1;
			}
		}
	} else {	/* AG_MAP_SHUFFLE */
		int64_t r = a->factor, C = a->to[0], OH = a->to[1];
		int64_t OW = a->to[2], H = OH / r, W = OW / r;
		for (int64_t c = 0; c < C; c++)
		for (int64_t h = 0; h < OH; h++)
		for (int64_t w = 0; w < OW; w++)
			m->idx[(c * OH + h) * OW + w] =
				((c * r * r + h % r * r + w % r) * H + h / r) *
				W + w / r;
	}
	return 0;
}

static int make_map(const ag_spatial_args *a, bool single, map *m)
{
	m->idx = NULL;
	m->w = NULL;
	m->nto = prod(a->to, a->nto);
	m->nfrom = prod(a->from, a->nfrom);
	if (a->map == AG_MAP_IM2COL || a->map == AG_MAP_SHUFFLE)
		return direct_map(a, m);
	return separable_map(a, single, m);
}

/* ------------------------------------------------------------ kernels */

/* The kernels take the weights in their own type (converted once per
 * call) and have loops for maps without "outside" taps (upsampling,
 * replicate, reflect) that neither branch nor fill, with the common tap
 * counts (2: linear, 4: bilinear, 16: bicubic) known to the compiler. */
#define GATHER_TAPS(T, K)							\
	for (int64_t o = 0; o < m->nto; o++) {				\
		const int64_t *ix = m->idx + o * (K);			\
		const T *wo = w + o * (K);				\
		T acc = 0;						\
		for (int q = 0; q < (K); q++)				\
			acc += wo[q] * s[ix[q]];			\
		d[o] = acc;						\
	}
#define SCATTER_TAPS(T, K)							\
	for (int64_t o = 0; o < m->nto; o++) {				\
		const int64_t *ix = m->idx + o * (K);			\
		const T *wo = w + o * (K);				\
		T v = s[o];						\
		for (int q = 0; q < (K); q++)				\
			d[ix[q]] += wo[q] * v;				\
	}
#define SPATIAL_KERNELS(SFX, T)						\
static T *typed_weights_##SFX(const map *m)				\
{									\
	int64_t n = m->nto * m->k;					\
	T *w = malloc((size_t)(n + 1) * sizeof *w);			\
	if (!w) {							\
		ag_error(AG_ERR_NOMEM, "out of memory in a spatial op"); \
		return NULL;						\
	}								\
	for (int64_t i = 0; i < n; i++)					\
		w[i] = (T)m->w[i];					\
	return w;							\
}									\
static int gather_##SFX(const T *src, T *dst, int64_t M, const map *m,	\
			T value)					\
{									\
	T *w = NULL;							\
	if (m->w && !(w = typed_weights_##SFX(m)))			\
		return -1;						\
	for (int64_t b = 0; b < M; b++) {				\
		const T *s = src + b * m->nfrom;			\
		T *d = dst + b * m->nto;				\
		if (!w) {	/* one tap of weight 1 */		\
			for (int64_t o = 0; o < m->nto; o++) {		\
				int64_t j = m->idx[o];			\
				d[o] = j < 0 ? value : s[j];		\
			}						\
		} else if (m->k == 2) {					\
			GATHER_TAPS(T, 2)					\
		} else if (m->k == 4) {					\
			GATHER_TAPS(T, 4)					\
		} else if (m->k == 16) {				\
			GATHER_TAPS(T, 16)					\
		} else {						\
			GATHER_TAPS(T, m->k)				\
		}							\
	}								\
	free(w);							\
	return 0;							\
}									\
static int scatter_##SFX(const T *src, T *dst, int64_t M, const map *m) \
{									\
	T *w = NULL;							\
	if (m->w && !(w = typed_weights_##SFX(m)))			\
		return -1;						\
	for (int64_t b = 0; b < M; b++) {				\
		const T *s = src + b * m->nto;				\
		T *d = dst + b * m->nfrom;				\
		if (!w) {						\
			for (int64_t o = 0; o < m->nto; o++) {		\
				int64_t j = m->idx[o];			\
				if (j >= 0)				\
					d[j] += s[o];			\
			}						\
		} else if (m->k == 2) {					\
			SCATTER_TAPS(T, 2)					\
		} else if (m->k == 4) {					\
			SCATTER_TAPS(T, 4)					\
		} else if (m->k == 16) {				\
			SCATTER_TAPS(T, 16)				\
		} else {						\
			SCATTER_TAPS(T, m->k)				\
		}							\
	}								\
	free(w);							\
	return 0;							\
}

SPATIAL_KERNELS(f32, float)
SPATIAL_KERNELS(f64, double)
SPATIAL_KERNELS(i64, int64_t)

static ag_dtype work_dtype(ag_dtype dt)
{
	if (dt == AG_FLOAT32 || dt == AG_FLOAT64)
		return dt;
	if (ag_dtype_is_half(dt))
		return AG_FLOAT32;
	return AG_INT64;
}

/* ------------------------------------------------------------ the ops */

/* The pairs: an op's derivative is its partner, the map the other way. */
static const ag_op pairs[][2] = {
	{ AG_OP_CONSTANT_PAD_ND, AG_OP_CONSTANT_PAD_ND },
	{ AG_OP_REFLECTION_PAD1D, AG_OP_REFLECTION_PAD1D_BACKWARD },
	{ AG_OP_REFLECTION_PAD2D, AG_OP_REFLECTION_PAD2D_BACKWARD },
	{ AG_OP_REPLICATION_PAD1D, AG_OP_REPLICATION_PAD1D_BACKWARD },
	{ AG_OP_REPLICATION_PAD2D, AG_OP_REPLICATION_PAD2D_BACKWARD },
	{ AG_OP_UPSAMPLE_NEAREST1D, AG_OP_UPSAMPLE_NEAREST1D_BACKWARD },
	{ AG_OP_UPSAMPLE_NEAREST2D, AG_OP_UPSAMPLE_NEAREST2D_BACKWARD },
	{ AG_OP_UPSAMPLE_NEAREST_EXACT1D,
	  AG_OP_UPSAMPLE_NEAREST_EXACT1D_BACKWARD },
	{ AG_OP_UPSAMPLE_NEAREST_EXACT2D,
	  AG_OP_UPSAMPLE_NEAREST_EXACT2D_BACKWARD },
	{ AG_OP_UPSAMPLE_LINEAR1D, AG_OP_UPSAMPLE_LINEAR1D_BACKWARD },
	{ AG_OP_UPSAMPLE_BILINEAR2D, AG_OP_UPSAMPLE_BILINEAR2D_BACKWARD },
	{ AG_OP_UPSAMPLE_BICUBIC2D, AG_OP_UPSAMPLE_BICUBIC2D_BACKWARD },
	{ AG_OP_REFLECTION_PAD3D, AG_OP_REFLECTION_PAD3D_BACKWARD },
	{ AG_OP_REPLICATION_PAD3D, AG_OP_REPLICATION_PAD3D_BACKWARD },
	{ AG_OP_UPSAMPLE_NEAREST3D, AG_OP_UPSAMPLE_NEAREST3D_BACKWARD },
	{ AG_OP_UPSAMPLE_NEAREST_EXACT3D,
	  AG_OP_UPSAMPLE_NEAREST_EXACT3D_BACKWARD },
	{ AG_OP_UPSAMPLE_TRILINEAR3D, AG_OP_UPSAMPLE_TRILINEAR3D_BACKWARD },
	{ AG_OP_IM2COL, AG_OP_COL2IM },
	{ AG_OP_PIXEL_SHUFFLE, AG_OP_PIXEL_UNSHUFFLE },
};

ag_op ag_spatial_pair(ag_op op)
{
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		if (pairs[i][0] == op)
			return pairs[i][1];
		if (pairs[i][1] == op)
			return pairs[i][0];
	}
	return op;
}

/* Runs the map (either way) over x's leading dims; not recorded. */
static ag_tensor *run(ag_tensor *x, const ag_spatial_args *a)
{
	int nin = a->scatter ? a->nto : a->nfrom;
	int nout = a->scatter ? a->nfrom : a->nto;
	const int64_t *in_sz = a->scatter ? a->to : a->from;
	const int64_t *out_sz = a->scatter ? a->from : a->to;
	int lead = x->ndim - nin;
	int64_t shape[AG_MAX_DIMS];
	ag_dtype dt = work_dtype(x->dtype);
	ag_tensor *xc = NULL, *out = NULL, *c;
	map m;

	if (lead < 0 || lead + nout > AG_MAX_DIMS)
		goto bad;
	for (int i = 0; i < nin; i++)
		if (x->shape[lead + i] != in_sz[i])
			goto bad;
	for (int i = 0; i < lead; i++)
		shape[i] = x->shape[i];
	for (int i = 0; i < nout; i++)
		shape[lead + i] = out_sz[i];
	int64_t n;
	if (ag_check_shape(a->from, a->nfrom, &n) < 0 ||
	    ag_check_shape(a->to, a->nto, &n) < 0)
		return NULL;
	out = a->scatter ? ag_tensor_alloc(shape, lead + nout, dt) :
			   ag_tensor_alloc_uninit(shape, lead + nout, dt);
	if (!out)
		return NULL;
	if (make_map(a, dt == AG_FLOAT32, &m) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	c = ag_to_dtype(x, dt);
	xc = c ? ag_contiguous(c) : NULL;
	ag_tensor_release(c);
	if (!xc) {
		ag_tensor_release(out);
		out = NULL;
	}
	if (out) {
		int64_t M = prod(shape, lead);
		const void *s = ag_data_ptr(xc);
		void *d = ag_data_ptr(out);
		int rc;
		if (a->scatter)
			rc = dt == AG_FLOAT32 ? scatter_f32(s, d, M, &m) :
			     dt == AG_FLOAT64 ? scatter_f64(s, d, M, &m) :
			     scatter_i64(s, d, M, &m);
		else
			rc = dt == AG_FLOAT32 ?
				gather_f32(s, d, M, &m, (float)a->value) :
			     dt == AG_FLOAT64 ?
				gather_f64(s, d, M, &m, a->value) :
				gather_i64(s, d, M, &m, (int64_t)a->value);
		if (rc < 0) {
			ag_tensor_release(out);
			out = NULL;
		}
	}
	map_free(&m);
	ag_tensor_release(xc);
	if (out && out->dtype != x->dtype) {
		c = ag_to_dtype(out, x->dtype);
		ag_tensor_release(out);
		out = c;
	}
	return out;
bad:
	ag_error(AG_ERR_SHAPE, "a spatial op's input does not have the sizes "
		 "its arguments were made for");
	return NULL;
}

ag_tensor *ag_spatial(ag_op op, ag_tensor *x, const ag_spatial_args *a)
{
	bool was = ag_set_grad_enabled(false);
	ag_tensor *out = run(x, a);

	ag_set_grad_enabled(was);
	if (!out)
		return NULL;
	if (ag_check_interrupt() < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return ag_recorded(out, (ag_call){ .op = op,
		.in = (ag_tensor *[]){ x }, .nin = 1, .args = a,
		.args_size = sizeof *a });
}

/* ----------------------------------------------------------- padding */

/* Arguments beyond this (pads, kernel sizes, factors) are refused before
 * any arithmetic on them can overflow; sizes made from them are checked
 * products (ag_mul_size). */
#define SIZE_LIMIT ((int64_t)1 << 40)

static void sizes_str(const ag_tensor *t, char *buf, size_t n)
{
	ag_shape_str(t->shape, t->ndim, buf, n);
}

ag_tensor *ag_pad(ag_tensor *x, int mode, const int64_t *pad, int npad,
		  double value)
{
	ag_spatial_args a = { .value = value };
	int n = npad / 2;
	ag_op op = AG_OP_CONSTANT_PAD_ND;

	if (npad % 2 != 0)
		return ag_error(AG_ERR_VALUE, "Padding length must be "
				"divisible by 2"), NULL;
	if (n > x->ndim)
		return ag_error(AG_ERR_VALUE, "Padding length too large"), NULL;
	for (int i = 0; i < npad; i++)
		if (pad[i] > SIZE_LIMIT || pad[i] < -SIZE_LIMIT)
			return ag_error(AG_ERR_VALUE, "pad(): padding %lld is "
					"out of range", (long long)pad[i]), NULL;
	if (mode != AG_PAD_CONSTANT) {
		/* 1-d padding of [C, W] or [N, C, W], 2-d of [C, H, W] or
		 * [N, C, H, W], 3-d of [C, D, H, W] or [N, C, D, H, W] */
		static const ag_op ops[2][3] = {
			{ AG_OP_REFLECTION_PAD1D, AG_OP_REFLECTION_PAD2D,
			  AG_OP_REFLECTION_PAD3D },
			{ AG_OP_REPLICATION_PAD1D, AG_OP_REPLICATION_PAD2D,
			  AG_OP_REPLICATION_PAD3D } };
		if (n < 1 || n > 3 || x->ndim < n + 1 || x->ndim > n + 2)
			return ag_error(AG_ERR_VALUE, "Only 2D, 3D, 4D, 5D "
					"padding with non-constant padding are "
					"supported for now"), NULL;
		op = ops[mode == AG_PAD_REPLICATE][n - 1];
	}
	a.map = mode == AG_PAD_CONSTANT ? AG_MAP_PAD_CONSTANT :
		mode == AG_PAD_REFLECT ? AG_MAP_PAD_REFLECT :
		AG_MAP_PAD_REPLICATE;
	a.nfrom = a.nto = n;
	for (int i = 0; i < npad; i++)
		a.pad[i] = pad[i];
	for (int d = n - 1; d >= 0; d--) {	/* the last dim's checks first */
		int dim = x->ndim - n + d;
		int64_t in = x->shape[dim];
		int64_t l = pad[2 * (n - 1 - d)], r = pad[2 * (n - 1 - d) + 1];
		int64_t out = in + l + r;
		char s[128];
		a.from[d] = in;
		a.to[d] = out;
		if (mode == AG_PAD_CONSTANT) {
			if (out < 0)
				return ag_error(AG_ERR_VALUE, "The input size "
					"%lld, plus negative padding %lld and "
					"%lld resulted in a negative output "
					"size, which is invalid. Check "
					"dimension %d of your input.",
					(long long)in, (long long)l,
					(long long)r, dim), NULL;
			continue;
		}
		if (mode == AG_PAD_REFLECT && (l >= in || r >= in)) {
			sizes_str(x, s, sizeof s);	/* 3-d: the sizes */
			char nd[16];
			snprintf(nd, sizeof nd, "%d", x->ndim);
			return ag_error(AG_ERR_VALUE, "Argument #%d: Padding "
				"size should be less than the corresponding "
				"input dimension, but got: padding (%lld, %lld) "
				"at dimension %d of input %s", 4 +
				2 * (n - 1 - d), (long long)l, (long long)r,
				dim, n == 3 ? s : nd), NULL;
		}
		if (in == 0 || out < 1) {
			sizes_str(x, s, sizeof s);
			if (in == 0 && mode == AG_PAD_REPLICATE)
				return ag_error(AG_ERR_VALUE, "Expected %dD or "
					"%dD (batch mode) tensor with possibly 0 "
					"batch size and other non-zero dimensions "
					"for input, but got: %s", n + 1, n + 2, s),
					NULL;
			if (in == 0)
				return ag_error(AG_ERR_VALUE, "%dD or %dD "
					"(batch mode) tensor expected for "
					"input, but got: %s", n + 1, n + 2, s),
					NULL;
			return ag_error(AG_ERR_VALUE, "input (%s) is too small."
				" Calculated output %s: %lld", s,
				n == 1 ? "W" : d == 0 ? "H" : "W",
				(long long)out), NULL;
		}
	}
	return ag_spatial(op, x, &a);
}

/* -------------------------------------------------------- upsampling */

ag_tensor *ag_upsample(ag_tensor *x, int map, const int64_t *size,
		       const double *scale, int nsp, bool align_corners)
{
	ag_spatial_args a = { .map = map, .nfrom = nsp, .nto = nsp,
			      .align_corners = align_corners };
	static const char *const kernels[] = {
		[AG_MAP_NEAREST] = "compute_indices_weights_nearest",
		[AG_MAP_NEAREST_EXACT] = "compute_indices_weights_nearest",
		[AG_MAP_LINEAR] = "compute_indices_weights_linear",
		[AG_MAP_CUBIC] = "compute_indices_weights_cubic",
	};
	ag_op op;

	if (nsp < 1 || nsp > 3 || x->ndim != nsp + 2 || map < AG_MAP_NEAREST ||
	    map > AG_MAP_CUBIC || (map == AG_MAP_CUBIC && nsp != 2))
		return ag_error(AG_ERR_VALUE, "upsample: unsupported mode or "
				"input of %d dims", x->ndim), NULL;
	if (!ag_dtype_is_floating(x->dtype))
		return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for "
				"'%s'", kernels[map],
				ag_dtype_scalar_name(x->dtype)), NULL;
	bool bad = false;
	for (int d = 0; d < nsp; d++) {
		a.from[d] = x->shape[2 + d];
		a.to[d] = size[d];
		a.scale[d] = scale ? scale[d] : 0;
		bad |= a.from[d] <= 0 || a.to[d] <= 0;
	}
	if (bad) {
		if (nsp == 3)
			return ag_error(AG_ERR_VALUE, "Input and output sizes "
				"should be greater than 0, but got input (D: "
				"%lld, H: %lld, W: %lld) output (D: %lld, H: "
				"%lld, W: %lld)", (long long)a.from[0],
				(long long)a.from[1], (long long)a.from[2],
				(long long)a.to[0], (long long)a.to[1],
				(long long)a.to[2]), NULL;
		if (nsp == 1)
			return ag_error(AG_ERR_VALUE, "Input and output sizes "
				"should be greater than 0, but got input (W: "
				"%lld) and output (W: %lld)",
				(long long)a.from[0], (long long)a.to[0]),
				NULL;
		return ag_error(AG_ERR_VALUE, "Input and output sizes should "
			"be greater than 0, but got input (H: %lld, W: %lld) "
			"output (H: %lld, W: %lld)", (long long)a.from[0],
			(long long)a.from[1], (long long)a.to[0],
			(long long)a.to[1]), NULL;
	}
	static const ag_op ops[3][3] = {
		{ AG_OP_UPSAMPLE_NEAREST1D, AG_OP_UPSAMPLE_NEAREST2D,
		  AG_OP_UPSAMPLE_NEAREST3D },
		{ AG_OP_UPSAMPLE_NEAREST_EXACT1D, AG_OP_UPSAMPLE_NEAREST_EXACT2D,
		  AG_OP_UPSAMPLE_NEAREST_EXACT3D },
		{ AG_OP_UPSAMPLE_LINEAR1D, AG_OP_UPSAMPLE_BILINEAR2D,
		  AG_OP_UPSAMPLE_TRILINEAR3D } };
	op = map == AG_MAP_CUBIC ? AG_OP_UPSAMPLE_BICUBIC2D :
	     ops[map - AG_MAP_NEAREST][nsp - 1];
	return ag_spatial(op, x, &a);
}

/* ---------------------------------------------------- im2col, col2im */

static int fold_check(const int64_t k[2], const int64_t d[2],
		      const int64_t p[2], const int64_t s[2])
{
	if (k[0] <= 0 || k[1] <= 0)
		return ag_error(AG_ERR_VALUE, "kernel size should be greater "
				"than zero, but got kernel_height: %lld "
				"kernel_width: %lld", (long long)k[0],
				(long long)k[1]);
	if (s[0] <= 0 || s[1] <= 0)
		return ag_error(AG_ERR_VALUE, "stride should be greater than "
				"zero, but got stride_height: %lld "
				"stride_width: %lld", (long long)s[0],
				(long long)s[1]);
	if (d[0] <= 0 || d[1] <= 0)
		return ag_error(AG_ERR_VALUE, "dilation should be greater than "
				"zero, but got dilation_height: %lld "
				"dilation_width: %lld", (long long)d[0],
				(long long)d[1]);
	if (p[0] < 0 || p[1] < 0)
		return ag_error(AG_ERR_VALUE, "padding should be non-negative, "
				"but got pad_height: %lld pad_width: %lld",
				(long long)p[0], (long long)p[1]);
	for (int i = 0; i < 2; i++)
		if (k[i] > SIZE_LIMIT || d[i] > SIZE_LIMIT ||
		    p[i] > SIZE_LIMIT || s[i] > SIZE_LIMIT)
			return ag_error(AG_ERR_VALUE, "kernel_size, dilation, "
					"padding and stride must be below 2^40");
	return 0;
}

/* The im2col map for images [C, H, W]: fills a; -1 when the blocks do
 * not fit (PyTorch's text). */
static int im2col_args(int64_t C, int64_t H, int64_t W, const int64_t k[2],
		       const int64_t d[2], const int64_t p[2],
		       const int64_t s[2], ag_spatial_args *a)
{
	int64_t ekh, ekw, rows, L;

	if (H > SIZE_LIMIT || W > SIZE_LIMIT ||
	    ag_mul_size(d[0], k[0] - 1, &ekh) < 0 ||
	    ag_mul_size(d[1], k[1] - 1, &ekw) < 0)
		return -1;
	int64_t oh = (H + 2 * p[0] - ekh - 1) / s[0] + 1;
	int64_t ow = (W + 2 * p[1] - ekw - 1) / s[1] + 1;

	if (H + 2 * p[0] - ekh - 1 < 0)
		oh = 0;
	if (W + 2 * p[1] - ekw - 1 < 0)
		ow = 0;
	if (oh < 1 || ow < 1)
		return ag_error(AG_ERR_VALUE, "Given input with spatial size "
			"(%lld, %lld), kernel_size=(%lld, %lld), dilation=(%lld,"
			" %lld), padding=(%lld, %lld), calculated shape of the "
			"array of sliding blocks as (%lld, %lld), but its "
			"components must be at least one.", (long long)H,
			(long long)W, (long long)k[0], (long long)k[1],
			(long long)d[0], (long long)d[1], (long long)p[0],
			(long long)p[1], (long long)oh, (long long)ow);
	if (ag_mul_size(C, k[0], &rows) < 0 ||
	    ag_mul_size(rows, k[1], &rows) < 0 ||
	    ag_mul_size(oh, ow, &L) < 0)
		return -1;
	*a = (ag_spatial_args){ .map = AG_MAP_IM2COL, .nfrom = 3, .nto = 2,
		.from = { C, H, W }, .to = { rows, L }, .blocks = { oh, ow } };
	for (int i = 0; i < 2; i++) {
		a->kernel[i] = k[i];
		a->dilation[i] = d[i];
		a->padding[i] = p[i];
		a->stride[i] = s[i];
	}
	return 0;
}

ag_tensor *ag_im2col(ag_tensor *x, const int64_t k[2], const int64_t d[2],
		     const int64_t p[2], const int64_t s[2])
{
	ag_spatial_args a;

	int b = x->ndim == 4;

	char sz[128];

	if (x->ndim != 3 && x->ndim != 4) {
		sizes_str(x, sz, sizeof sz);
		return ag_error(AG_ERR_VALUE, "Expected 3D or 4D (batch mode) "
				"tensor with possibly 0 batch size and other "
				"non-zero dimensions for input, but got: %s", sz),
				NULL;
	}
	if (fold_check(k, d, p, s) < 0 ||
	    im2col_args(x->shape[b], x->shape[b + 1], x->shape[b + 2], k, d,
			p, s, &a) < 0)
		return NULL;
	return ag_spatial(AG_OP_IM2COL, x, &a);
}

ag_tensor *ag_col2im(ag_tensor *x, const int64_t out[2], const int64_t k[2],
		     const int64_t d[2], const int64_t p[2],
		     const int64_t s[2])
{
	ag_spatial_args a;
	char sz[128];
	int b = x->ndim == 3;

	if (x->ndim != 2 && x->ndim != 3) {
		sizes_str(x, sz, sizeof sz);
		return ag_error(AG_ERR_VALUE, "Expected 2D or 3D (batch mode) "
				"tensor for input with possibly 0 batch size and "
				"non-zero dimensions for input, but got: %s", sz),
				NULL;
	}
	if (fold_check(k, d, p, s) < 0)
		return NULL;
	if (out[0] <= 0 || out[1] <= 0)
		return ag_error(AG_ERR_VALUE, "output_size should be greater "
				"than zero, but got output_height: %lld "
				"output_width: %lld", (long long)out[0],
				(long long)out[1]), NULL;
	int64_t rows = x->shape[b], kk;
	if (ag_mul_size(k[0], k[1], &kk) < 0)
		return NULL;
	if (rows % kk != 0)
		return ag_error(AG_ERR_VALUE, "Expected size of input's "
			"dimension %d to be divisible by the product of "
			"kernel_size, but got input.size(%d)=%lld and "
			"kernel_size=(%lld, %lld).", b, b, (long long)rows,
			(long long)k[0], (long long)k[1]), NULL;
	if (im2col_args(rows / kk, out[0], out[1], k, d, p, s, &a) < 0)
		return NULL;
	if (x->shape[b + 1] != a.to[1]) {
		int64_t oh = a.blocks[0], ow = a.blocks[1];
		return ag_error(AG_ERR_VALUE, "Given output_size=(%lld, %lld), "
			"kernel_size=(%lld, %lld), dilation=(%lld, %lld), "
			"padding=(%lld, %lld), stride=(%lld, %lld), expected "
			"size of input's dimension %d to match the calculated "
			"number of sliding blocks %lld * %lld = %lld, but got "
			"input.size(%d)=%lld.", (long long)out[0],
			(long long)out[1], (long long)k[0], (long long)k[1],
			(long long)d[0], (long long)d[1], (long long)p[0],
			(long long)p[1], (long long)s[0], (long long)s[1],
			b + 1, (long long)oh, (long long)ow,
			(long long)(oh * ow), b + 1,
			(long long)x->shape[b + 1]), NULL;
	}
	a.scatter = true;
	return ag_spatial(AG_OP_COL2IM, x, &a);
}

/* ---------------------------------------------------- pixel shuffle */

ag_tensor *ag_pixel_shuffle(ag_tensor *x, int64_t r, bool inverse)
{
	const char *name = inverse ? "pixel_unshuffle" : "pixel_shuffle";
	ag_spatial_args a = { .map = AG_MAP_SHUFFLE, .nfrom = 3, .nto = 3,
			      .factor = r };

	if (x->ndim < 3)
		return ag_error(AG_ERR_VALUE, "%s expects input to have at "
				"least 3 dimensions, but got input with %d "
				"dimension(s)", name, x->ndim), NULL;
	if (r <= 0)
		return ag_error(AG_ERR_VALUE, "%s expects a positive %s, but "
				"got %lld", name, inverse ? "downscale_factor" :
				"upscale_factor", (long long)r), NULL;
	int64_t C = x->shape[x->ndim - 3], H = x->shape[x->ndim - 2];
	int64_t W = x->shape[x->ndim - 1], Hr, Wr;
	if (r > ((int64_t)1 << 31))
		return ag_error(AG_ERR_VALUE, "%s: the factor %lld is out of "
				"range", name, (long long)r), NULL;
	if (!inverse) {
		if (ag_mul_size(H, r, &Hr) < 0 || ag_mul_size(W, r, &Wr) < 0)
			return NULL;
		if (C % (r * r) != 0)
			return ag_error(AG_ERR_VALUE, "pixel_shuffle expects its "
				"input's 'channel' dimension to be divisible by "
				"the square of upscale_factor, but input.size(-3)"
				"=%lld is not divisible by %lld", (long long)C,
				(long long)(r * r)), NULL;
		a.from[0] = C;
		a.from[1] = H;
		a.from[2] = W;
		a.to[0] = C / (r * r);
		a.to[1] = Hr;
		a.to[2] = Wr;
		return ag_spatial(AG_OP_PIXEL_SHUFFLE, x, &a);
	}
	if (H % r != 0)
		return ag_error(AG_ERR_VALUE, "pixel_unshuffle expects height "
			"to be divisible by downscale_factor, but input.size(-2)"
			"=%lld is not divisible by %lld", (long long)H,
			(long long)r), NULL;
	if (W % r != 0)
		return ag_error(AG_ERR_VALUE, "pixel_unshuffle expects width "
			"to be divisible by downscale_factor, but input.size(-1)"
			"=%lld is not divisible by %lld", (long long)W,
			(long long)r), NULL;
	a.to[0] = C;
	a.to[1] = H;
	a.to[2] = W;
	if (ag_mul_size(C, r * r, &a.from[0]) < 0)
		return NULL;
	a.from[1] = H / r;
	a.from[2] = W / r;
	a.scatter = true;
	return ag_spatial(AG_OP_PIXEL_UNSHUFFLE, x, &a);
}
