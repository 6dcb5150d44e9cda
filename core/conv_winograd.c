/*
 * conv_winograd.c - float32 3x3 stride-1 convolutions by Winograd's
 * minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2015).
 *
 * The output is cut into tiles of 2 x 2; each reads a 4 x 4 tile of the
 * input.  With the transforms
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]    (input tile d)
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]  (kernel g)
 *   A^T = [1 1 1 0; 0 1 -1 -1]                       (output tile)
 *
 * a tile is Y = A^T [(G g G^T) .* (B^T d B)] A, exact in real arithmetic:
 * 16 products per tile and channel pair instead of 36.  Summed over the
 * channels, the 16 element-wise products become 16 matrix products
 *
 *   M_xi [Co, tiles] = U_xi [Co, Ci] @ V_xi [Ci, tiles],   xi = 0..15,
 *
 * done by the BLAS, between an input transform (V) and an output one.
 * A block of tile rows at a time, so that V and M stay in the core's L2
 * cache.  Rounding: the transforms add and subtract neighbouring values
 * (the kernel's in double, rounded once), so the result carries a few
 * float32 roundings more than a direct sum; the caller keeps inputs with
 * infinities or NaN on its exact paths (the transforms would turn an
 * infinity into NaN where a direct sum keeps it).
 */
#include "config.h"
#include "conv_winograd.h"
#include "nn.h"
#include "shapeint.h"

#include <string.h>

#ifdef _OPENMP
#define WINO_SIMD _Pragma("omp simd")
#else
#define WINO_SIMD
#endif

/* V and M of a block together at most about this many bytes */
enum { BLOCK_BYTES = 1536 * 1024 };

bool ag_wino_plan(ag_wino *w)
{
	w->TH = (w->Ho + 1) / 2;
	w->TW = (w->Wo + 1) / 2;
	if (w->Wo < 4 || w->Ho < 2 || w->Ci < 1 || w->Co < 1)
		return false;
	int64_t per_row = 16 * (w->Ci + w->Co) * w->TW * (int64_t)sizeof(float);
	int64_t r = BLOCK_BYTES / per_row;
	if (r < 1)
		r = 1;
	if (r >= w->TH) {
		r = w->TH;
	} else {
		int64_t blocks = (w->TH + r - 1) / r;	/* evened out */
		r = (w->TH + blocks - 1) / blocks;
	}
	w->rows = r;
	return true;
}

size_t ag_wino_kernel_floats(const ag_wino *w)
{
	return (size_t)(16 * w->Co * w->Ci);
}

/* The workspace: the padded input planes [Ci][Hp][Wp] (Hp = 2 TH + 2,
 * Wp = 2 TW + 2), V [16][Ci][tb] and M [16][Co][tb], and the rows of one
 * block's transforms.  Between two xi of V and of M, 16 floats more than
 * their matrices: the 16 streams of a transform, a multiple of 4 KiB
 * apart otherwise, would fall into the same sets of the L1 cache. */
enum { SKEW = 16 };

static int64_t v_stride(const ag_wino *w)
{
	return w->Ci * w->rows * w->TW + SKEW;
}

static int64_t m_stride(const ag_wino *w)
{
	return w->Co * w->rows * w->TW + SKEW;
}

size_t ag_wino_work_floats(const ag_wino *w)
{
	int64_t wp = 2 * w->TW + 2, hp = 2 * w->TH + 2;
	return (size_t)(w->Ci * hp * wp + 16 * (v_stride(w) + m_stride(w)) +
			4 * wp);
}

void ag_wino_kernel(const ag_wino *w, const float *weight, int64_t ldo,
		    bool adjoint, float *u)
{
	/* the weight's rows (its output channels) and columns */
	int64_t A = adjoint ? w->Ci : w->Co, B = adjoint ? w->Co : w->Ci;

	for (int64_t a = 0; a < A; a++)
		for (int64_t b = 0; b < B; b++) {
			const float *k = weight + a * ldo + b * 9;
			double g[3][3], t[4][3];
			for (int i = 0; i < 3; i++)
				for (int j = 0; j < 3; j++)
					g[i][j] = adjoint ? k[(2 - i) * 3 + 2 - j] :
						  k[i * 3 + j];
			for (int j = 0; j < 3; j++) {	/* G g */
				t[0][j] = g[0][j];
				t[1][j] = (g[0][j] + g[1][j] + g[2][j]) / 2;
				t[2][j] = (g[0][j] - g[1][j] + g[2][j]) / 2;
				t[3][j] = g[2][j];
			}
			int64_t co = adjoint ? b : a, ci = adjoint ? a : b;
			float *d = u + co * w->Ci + ci;
			int64_t xs = w->Co * w->Ci;	/* between xi */
			for (int i = 0; i < 4; i++) {	/* (G g) G^T */
				d[(i * 4 + 0) * xs] = (float)t[i][0];
				d[(i * 4 + 1) * xs] = (float)((t[i][0] + t[i][1] +
							       t[i][2]) / 2);
				d[(i * 4 + 2) * xs] = (float)((t[i][0] - t[i][1] +
							       t[i][2]) / 2);
				d[(i * 4 + 3) * xs] = (float)t[i][2];
			}
		}
}

/* The input planes into pad [Ci][Hp][Wp], input (y, x) at padded (y + ph,
 * x + pw), zeros around (and nothing of the input beyond the plane: a
 * negative padding crops).  Each padded row is stored split, its even
 * columns then its odd ones (TW + 1 each), so that the tiles' stride-2
 * reads are plain ones. */
static ROW_CLONES void pad_planes(const ag_wino *w, const float *in,
				  float *pad)
{
	int64_t wp = 2 * w->TW + 2, hp = 2 * w->TH + 2, half = w->TW + 1;
	int64_t lo = w->pw > 0 ? w->pw : 0;
	int64_t hi = w->Wi + w->pw < wp ? w->Wi + w->pw : wp;

	for (int64_t c = 0; c < w->Ci; c++)
		for (int64_t r = 0; r < hp; r++) {
			float *restrict d = pad + (c * hp + r) * wp;
			int64_t y = r - w->ph;
			memset(d, 0, (size_t)wp * sizeof(float));
			if (y < 0 || y >= w->Hi || hi <= lo)
				continue;
			/* padded column x is the row's x - pw */
			const float *restrict row = in + (c * w->Hi + y) * w->Wi;
			float *restrict odd = d + half;
			int64_t pw = w->pw;
			WINO_SIMD
			for (int64_t k = (lo + 1) / 2; k < (hi + 1) / 2; k++)
				d[k] = row[2 * k - pw];
			WINO_SIMD
			for (int64_t k = lo / 2; k < hi / 2; k++)
				odd[k] = row[2 * k + 1 - pw];
		}
}

/* Row i of B^T d B for a row of tiles: the column transform's row s =
 * p + sq q (sq = 1 or -1, exact) read from two padded rows (split:
 * even columns, then the odd ones), then the row transform into v0..v3.
 * s is never stored: a load of s[t + 1] just after vector stores of s
 * stalls on store forwarding. */
static inline void tile_row(const float *restrict p, const float *restrict q,
			    float sq, int64_t TW, float *restrict v0,
			    float *restrict v1, float *restrict v2,
			    float *restrict v3)
{
	const float *restrict po = p + TW + 1, *restrict qo = q + TW + 1;
	WINO_SIMD
	for (int64_t t = 0; t < TW; t++) {
		float a = p[t] + sq * q[t], b = po[t] + sq * qo[t];
		float cc = p[t + 1] + sq * q[t + 1];
		float d = po[t + 1] + sq * qo[t + 1];
		v0[t] = a - cc;
		v1[t] = b + cc;
		v2[t] = cc - b;
		v3[t] = b - d;
	}
}

/* V (xi, c, t) at v[xi * vs + c * tb + t] for the tiles of tile rows
 * [tr0, tr1): B^T d B */
static ROW_CLONES void in_tiles(const ag_wino *w, const float *pad,
				int64_t tr0, int64_t tr1, float *restrict v,
				int64_t vs)
{
	int64_t TW = w->TW, wp = 2 * TW + 2, hp = 2 * w->TH + 2;
	int64_t tb = (tr1 - tr0) * TW;

	for (int64_t c = 0; c < w->Ci; c++) {
		for (int64_t tr = tr0; tr < tr1; tr++) {
			const float *r0 = pad + (c * hp + 2 * tr) * wp;
			const float *r1 = r0 + wp, *r2 = r1 + wp, *r3 = r2 + wp;
			float *d = v + c * tb + (tr - tr0) * TW;
			/* the rows of B^T d: r0 - r2, r1 + r2, r2 - r1,
			 * r1 - r3 */
			tile_row(r0, r2, -1, TW, d, d + vs, d + 2 * vs, d + 3 * vs);
			d += 4 * vs;
			tile_row(r1, r2, 1, TW, d, d + vs, d + 2 * vs, d + 3 * vs);
			d += 4 * vs;
			tile_row(r2, r1, -1, TW, d, d + vs, d + 2 * vs, d + 3 * vs);
			d += 4 * vs;
			tile_row(r1, r3, -1, TW, d, d + vs, d + 2 * vs, d + 3 * vs);
		}
	}
}

/* An output row from the tiles' left (ya) and right (yb) values; the
 * last tile has only its left column when the row is odd. */
static inline void out_row(float *restrict d, const float *restrict ya,
			   const float *restrict yb, int64_t full, int64_t TW)
{
	WINO_SIMD
	for (int64_t t = 0; t < full; t++) {
		d[2 * t] = ya[t];
		d[2 * t + 1] = yb[t];
	}
	if (full < TW)
		d[2 * full] = ya[full];
}

/* out's rows of tile rows [tr0, tr1) from M [16][Co][tb]: A^T m A, plus
 * the bias */
static ROW_CLONES void out_tiles(const ag_wino *w, const float *m,
				 int64_t xs, const float *bias, float *out,
				 int64_t tr0, int64_t tr1, float *restrict buf)
{
	int64_t TW = w->TW, tb = (tr1 - tr0) * TW;
	int64_t full = w->Wo / 2;	/* tiles with both columns inside */
	float *restrict y00 = buf, *restrict y01 = y00 + TW;
	float *restrict y10 = y01 + TW, *restrict y11 = y10 + TW;

	for (int64_t o = 0; o < w->Co; o++) {
		float bv = bias ? bias[o] : 0;
		for (int64_t tr = tr0; tr < tr1; tr++) {
			const float *p = m + o * tb + (tr - tr0) * TW;
			const float *restrict m0 = p, *restrict m1 = p + xs;
			const float *restrict m2 = p + 2 * xs, *restrict m3 = p + 3 * xs;
			const float *restrict m4 = p + 4 * xs, *restrict m5 = p + 5 * xs;
			const float *restrict m6 = p + 6 * xs, *restrict m7 = p + 7 * xs;
			const float *restrict m8 = p + 8 * xs, *restrict m9 = p + 9 * xs;
			const float *restrict m10 = p + 10 * xs, *restrict m11 = p + 11 * xs;
			const float *restrict m12 = p + 12 * xs, *restrict m13 = p + 13 * xs;
			const float *restrict m14 = p + 14 * xs, *restrict m15 = p + 15 * xs;
			WINO_SIMD
			for (int64_t t = 0; t < TW; t++) {
				/* A^T m: the rows of the tile, then m A */
				float a0 = m0[t] + m1[t] + m2[t], b0 = m1[t] - m2[t] - m3[t];
				float a1 = m4[t] + m5[t] + m6[t], b1 = m5[t] - m6[t] - m7[t];
				float a2 = m8[t] + m9[t] + m10[t];
				float b2 = m9[t] - m10[t] - m11[t];
				float a3 = m12[t] + m13[t] + m14[t];
				float b3 = m13[t] - m14[t] - m15[t];
				y00[t] = a0 + a1 + a2 + bv;
				y01[t] = b0 + b1 + b2 + bv;
				y10[t] = a1 - a2 - a3 + bv;
				y11[t] = b1 - b2 - b3 + bv;
			}
			float *d0 = out + (o * w->Ho + 2 * tr) * w->Wo;
			out_row(d0, y00, y01, full, TW);
			if (2 * tr + 1 < w->Ho)
				out_row(d0 + w->Wo, y10, y11, full, TW);
		}
	}
}

static ROW_CLONES void grad_tiles(const ag_wino *w, const float *gout,
				  int64_t tr0, int64_t tr1, float *restrict z,
				  int64_t zs, float *restrict buf);

/* One image, a block of tile rows at a time: V of the input, then either
 * M = U V and the output tiles (gout NULL), or Z of the output gradient
 * and acc += Z V^T (the weight gradient, below). */
static int blocks(const ag_wino *w, const float *in, const float *u,
		  const float *bias, float *out, const float *gout,
		  float *acc, float *work)
{
	int64_t vs = v_stride(w), ms = m_stride(w), cc = w->Co * w->Ci;
	float *pad = work;
	float *v = pad + w->Ci * (2 * w->TH + 2) * (2 * w->TW + 2);
	float *m = v + 16 * vs, *buf = m + 16 * ms;

	pad_planes(w, in, pad);
	for (int64_t tr0 = 0; tr0 < w->TH; tr0 += w->rows) {
		int64_t tr1 = tr0 + w->rows < w->TH ? tr0 + w->rows : w->TH;
		int64_t tb = (tr1 - tr0) * w->TW;
		in_tiles(w, pad, tr0, tr1, v, vs);
		if (gout)
			grad_tiles(w, gout, tr0, tr1, m, ms, buf);
		for (int xi = 0; xi < 16; xi++) {
			ag_mat mv = { (const char *)(v + xi * vs), tb, 1 };
			ag_mat mm = { (const char *)(m + xi * ms), tb, 1 };
			ag_mat mu = { (const char *)(u + xi * cc), w->Ci, 1 };
			ag_mat vt = { mv.p, 1, tb };
			int rc = gout ?
				ag_gemm(AG_FLOAT32, w->Co, w->Ci, tb, 1, mm, vt, 1,
					(char *)(acc + xi * cc), w->Ci) :
				ag_gemm(AG_FLOAT32, w->Co, tb, w->Ci, 1, mu, mv, 0,
					(char *)(m + xi * ms), tb);
			if (rc < 0)
				return -1;
		}
		if (!gout)
			out_tiles(w, m, ms, bias, out, tr0, tr1, buf);
	}
	return 0;
}

int ag_wino_run(const ag_wino *w, const float *in, const float *u,
		const float *bias, float *out, float *work)
{
	return blocks(w, in, u, bias, out, NULL, NULL, work);
}

/* ------------------------------------------------------ weight gradient */

/*
 * The weight gradient is the adjoint of the forward in the kernel: with
 * Y_t = A^T [(G g G^T) .* V_t] A for each tile t,
 *
 *   dg = G^T S G,   S = sum over tiles of (A dY_t A^T) .* V_t,
 *
 * and summed over the channels S is again 16 matrix products,
 * S_xi [Co, Ci] += Z_xi [Co, tiles] @ V_xi^T [tiles, Ci], with Z the
 * output gradient's tiles transformed by A.  Outputs of the last tiles
 * beyond the plane have a zero gradient.
 */
size_t ag_wino_grad_floats(const ag_wino *w)
{
	return (size_t)(16 * w->Co * w->Ci);
}

/* Z (xi, o, t) at z[xi * zs + o * tb + t] of the output gradient's tile
 * rows [tr0, tr1): A dY A^T */
static ROW_CLONES void grad_tiles(const ag_wino *w, const float *gout,
				  int64_t tr0, int64_t tr1, float *restrict z,
				  int64_t zs, float *restrict buf)
{
	int64_t TW = w->TW, tb = (tr1 - tr0) * TW, n = w->Wo;
	float *restrict g0 = buf, *restrict g1 = buf + 2 * TW;

	for (int64_t o = 0; o < w->Co; o++)
		for (int64_t tr = tr0; tr < tr1; tr++) {
			const float *row = gout + (o * w->Ho + 2 * tr) * n;
			memcpy(g0, row, (size_t)n * sizeof(float));
			g0[2 * TW - 1] = n < 2 * TW ? 0 : g0[2 * TW - 1];
			if (2 * tr + 1 < w->Ho) {
				memcpy(g1, row + n, (size_t)n * sizeof(float));
				g1[2 * TW - 1] = n < 2 * TW ? 0 : g1[2 * TW - 1];
			} else {
				memset(g1, 0, (size_t)(2 * TW) * sizeof(float));
			}
			float *d = z + o * tb + (tr - tr0) * TW;
			float *restrict z0 = d, *restrict z1 = d + zs;
			float *restrict z2 = d + 2 * zs, *restrict z3 = d + 3 * zs;
			float *restrict z4 = d + 4 * zs, *restrict z5 = d + 5 * zs;
			float *restrict z6 = d + 6 * zs, *restrict z7 = d + 7 * zs;
			float *restrict z8 = d + 8 * zs, *restrict z9 = d + 9 * zs;
			float *restrict z10 = d + 10 * zs, *restrict z11 = d + 11 * zs;
			float *restrict z12 = d + 12 * zs, *restrict z13 = d + 13 * zs;
			float *restrict z14 = d + 14 * zs, *restrict z15 = d + 15 * zs;
			WINO_SIMD
			for (int64_t t = 0; t < TW; t++) {
				float a = g0[2 * t], b = g0[2 * t + 1];
				float c = g1[2 * t], e = g1[2 * t + 1];
				/* the rows of A g: (a, b), (a+c, b+e),
				 * (a-c, b-e), (-c, -e); each row (p, q)
				 * to (p, p+q, p-q, -q) */
				float p1 = a + c, q1 = b + e, p2 = a - c, q2 = b - e;
				z0[t] = a;
				z1[t] = a + b;
				z2[t] = a - b;
				z3[t] = -b;
				z4[t] = p1;
				z5[t] = p1 + q1;
				z6[t] = p1 - q1;
				z7[t] = -q1;
				z8[t] = p2;
				z9[t] = p2 + q2;
				z10[t] = p2 - q2;
				z11[t] = -q2;
				z12[t] = -c;
				z13[t] = -c - e;
				z14[t] = e - c;
				z15[t] = e;
			}
		}
}

int ag_wino_wgrad(const ag_wino *w, const float *in, const float *gout,
		  float *acc, float *work)
{
	return blocks(w, in, NULL, NULL, NULL, gout, acc, work);
}

void ag_wino_wgrad_out(const ag_wino *w, const float *acc, float *dw,
		       int64_t ldo)
{
	int64_t xs = w->Co * w->Ci;

	for (int64_t o = 0; o < w->Co; o++)
		for (int64_t c = 0; c < w->Ci; c++) {
			const float *s = acc + o * w->Ci + c;
			double r[3][4];
			for (int j = 0; j < 4; j++) {	/* G^T S */
				double s0 = s[j * xs], s1 = s[(4 + j) * xs];
				double s2 = s[(8 + j) * xs], s3 = s[(12 + j) * xs];
				r[0][j] = s0 + (s1 + s2) / 2;
				r[1][j] = (s1 - s2) / 2;
				r[2][j] = (s1 + s2) / 2 + s3;
			}
			float *d = dw + o * ldo + c * 9;
			for (int i = 0; i < 3; i++) {	/* (G^T S) G */
				d[i * 3] = (float)(r[i][0] + (r[i][1] + r[i][2]) / 2);
				d[i * 3 + 1] = (float)((r[i][1] - r[i][2]) / 2);
				d[i * 3 + 2] = (float)((r[i][1] + r[i][2]) / 2 + r[i][3]);
			}
		}
}
