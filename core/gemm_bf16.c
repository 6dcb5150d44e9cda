/*
 * gemm_bf16.c - bfloat16 and float16 matrix products on the CPU's AMX
 * tiles (Sapphire Rapids and later), for ag_gemm (linalg.c).  Float16
 * values are split into two bfloat16 each (see gemm_f16 below).  Without
 * the tiles, bfloat16 runs on AVX-512 BF16's VDPBF16PS in registers (the
 * "AVX-512 BF16, no tiles" section), and float16 is left to the widened
 * sgemm path (four split terms there would cost more than sgemm).
 *
 * A bfloat16 product is exact in float32, so the float32 sums of the tiles
 * (TDPBF16PS) give what widening to float32 and calling sgemm gives, but
 * for the order of the additions (and subnormal inputs and sums, which the
 * tiles treat as zero, as PyTorch's oneDNN kernels on this CPU do); the
 * caller rounds the float32 result to bfloat16 once (ag_narrow_half: to
 * nearest, ties to even, as PyTorch).
 *
 * Both operands are packed once per product into 1 KiB tiles: A as
 * 16 rows x 32 columns, B as 16 pairs of rows x 16 columns interleaved by
 * pairs (the layout TDPBF16PS reads), padded with zeros to whole 32 x 32
 * blocks.  Each 32 x 32 block of the result lives in four accumulator
 * tiles for the whole sum over k, then rounded to bfloat16 (or copied)
 * while it is in L1.  The columns are visited a band at a time (BAND_BYTES
 * of packed B: 512 columns at K 1024), so that the band stays in L2
 * while the 32-row panels of A pass; the panels of a band are handed out
 * to the OpenMP threads.  B is packed first, its items shared by the
 * threads; A panel by panel, by the first band's panels, beside their
 * first block's arithmetic.  Tile loads, not the products, bound the
 * kernel (1 KiB of L2 per TDPBF16PS in a 2 x 2 block of tiles, the most
 * eight tiles allow): tried and not kept, a k-split keeping A's share in
 * L1 (the accumulators' store and reload cost what the loads save), A
 * loaded in place (its power-of-two row stride thrashes L1 sets), the
 * two groups of a block side by side in the packing, software prefetch,
 * B packed beside the first panel's arithmetic.
 */
#include "gemm_bf16.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "half_cvt.h"
#include "internal.h"
#include "simd.h"

#if AG_HAVE_X86_SIMD && defined(__linux__)

enum {
	TILE = 512,	/* bf16 per tile */
	BAND_BYTES = 1 << 20,	/* of packed B kept in L2 at a time */
	PAR_MIN = 128 * 128 * 128	/* M*N*K from which threads share it */
};

typedef struct tilecfg {
	uint8_t palette, start_row, reserved[14];
	uint16_t colsb[16];
	uint8_t rows[16];
} tilecfg;

/* A float16 product's operands split into hi and lo, by the threads
 * that then pack them (gemm_f16). */
typedef struct f16_split {
	ag_mat a, b;			/* the float16 operands */
	int64_t M, N, K, Kp;
	uint16_t *a2, *b2;		/* [ah 0 al 0], M x 2Kp; [bh; 0; bl; 0],
					 * 2Kp x N */
	atomic_int bad;			/* an inf or NaN was seen */
	atomic_llong done;		/* rows split, by all threads */
} f16_split;

static bool split_row(f16_split *s, int64_t r);

typedef struct bf16_job {
	ag_mat a, b;
	int64_t M, N, K, Mp, Np, kt;	/* kt: tiles along k (Kp / 32) */
	uint16_t *ap, *bp;		/* packed A and B */
	float *c;			/* float32 result, or */
	uint16_t *h;			/* bfloat16 result */
	bool scaled;			/* h = alpha * product + beta * h */
	bool f16;			/* float16: h is float16, and the k-tiles
					 * [0, kt/2) hold hi, [kt/2, kt) lo */
	double alpha, beta;
	atomic_llong packed;		/* packing items of B done, by all threads */
	atomic_uchar *a_ready;		/* per panel: its A is packed */
	f16_split *sp;			/* float16: to split first */
	float *acc;			/* no tiles, bfloat16 result, K past one
					 * block: the float32 sums, M x Np */
	atomic_uchar *dp_state;		/* no tiles: each band of B, then each
					 * block of rows of A, packed yet? */
	int64_t mc, nb;			/* no tiles: rows and columns of an item */
} bf16_job;

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

/* ------------------------------------------------------------- packing */

/* Rows [16 g, 16 g + 16) of A (M x K) as the kt tiles of 16 x 32 at
 * out[g * kt * TILE]; rows and columns past A's are zero. */
static void pack_a_group(const bf16_job *j, int64_t g)
{
	const uint16_t *p = (const uint16_t *)j->a.p;
	uint16_t *base = j->ap + g * j->kt * TILE;
	int64_t K = j->K, Kp = j->kt * 32;

	for (int64_t r = 0; r < 16; r++) {
		int64_t i = g * 16 + r;
		uint16_t *row = base + r * 32;
		if (i >= j->M) {
			for (int64_t t = 0; t < j->kt; t++)
				memset(row + t * TILE, 0, 64);
			continue;
		}
		const uint16_t *src = p + i * j->a.rs;
		if (j->a.cs == 1) {	/* a row's 32 values are adjacent */
			int64_t t = 0;
			for (; (t + 1) * 32 <= K; t++)
				memcpy(row + t * TILE, src + t * 32, 64);
			if (t * 32 < K) {
				memcpy(row + t * TILE, src + t * 32,
				       (size_t)(K - t * 32) * 2);
				memset(row + t * TILE + (K - t * 32), 0,
				       (size_t)(Kp - K) * 2);
			}
			continue;
		}
		for (int64_t k = 0; k < Kp; k++)
			row[(k / 32) * TILE + k % 32] = k < K ? src[k * j->a.cs] : 0;
	}
}

/* Columns [16 g, 16 g + 16) of B (K x N) as the kt tiles of 16 row pairs
 * x 16 columns at out[g * kt * TILE], each column's two rows side by
 * side; rows and columns past B's are zero. */
static void pack_b_generic(const bf16_job *j, int64_t g)
{
	const uint16_t *p = (const uint16_t *)j->b.p;
	uint16_t *base = j->bp + g * j->kt * TILE;
	int64_t Kp = j->kt * 32;

	for (int64_t k = 0; k < Kp; k++) {
		uint16_t *dst = base + (k / 32) * TILE + ((k % 32) / 2) * 32 + (k & 1);
		for (int64_t c = 0; c < 16; c++) {
			int64_t col = g * 16 + c;
			dst[c * 2] = k < j->K && col < j->N ?
				     p[k * j->b.rs + col * j->b.cs] : 0;
		}
	}
}

/* 16 values of each of two rows as 16 pairs (x0 y0 x1 y1 ...): a column's
 * two k in one 32-bit word, as VDPBF16PS and the tiles read them. */
static AVX512 inline __attribute__((always_inline)) __m512i
pair_rows(__m256i x, __m256i y)
{
	static const uint16_t idx[32] = {
		0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
		8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47
	};

	return _mm512_permutex2var_epi16(_mm512_castsi256_si512(x),
					 _mm512_loadu_si512(idx),
					 _mm512_castsi256_si512(y));
}

/* r[a] (16 rows of 16 32-bit words) transposed in place: r[b][a] = the
 * old r[a][b].  Words, then pairs, within 128-bit lanes; then lanes. */
static AVX512 inline __attribute__((always_inline)) void
transpose16_epi32(__m512i r[16])
{
	__m512i t[16], u[16];

	for (int i = 0; i < 8; i++) {
		t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
	}
	/* u[4i + m], lane L: column 4L + m of rows 4i .. 4i + 3 */
	for (int i = 0; i < 4; i++) {
		u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
		u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
		u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
		u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
	}
	for (int m = 0; m < 4; m++) {
		__m512i v0 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0x44);
		__m512i v1 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0xee);
		__m512i v2 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0x44);
		__m512i v3 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0xee);
		r[m] = _mm512_shuffle_i32x4(v0, v2, 0x88);
		r[4 + m] = _mm512_shuffle_i32x4(v0, v2, 0xdd);
		r[8 + m] = _mm512_shuffle_i32x4(v1, v3, 0x88);
		r[12 + m] = _mm512_shuffle_i32x4(v1, v3, 0xdd);
	}
}

/* B whose columns are adjacent (the transpose of a row-major matrix, as
 * in x @ w:t()): a column's pair of rows is one 32-bit word, and a tile
 * is 16 columns' 16 words transposed; the rest (a group past N, the
 * last k-tile when K is not a multiple of 32) word by word. */
static AVX512 void pack_b_columns(const bf16_job *j, int64_t g)
{
	const uint16_t *p = (const uint16_t *)j->b.p;
	uint16_t *base = j->bp + g * j->kt * TILE;
	int64_t K = j->K, Kp = j->kt * 32, k0 = 0;

	if (j->b.rs == 1 && j->N - g * 16 >= 16) {
		for (; k0 + 32 <= K; k0 += 32) {
			__m512i r[16];
			for (int c = 0; c < 16; c++)
				r[c] = _mm512_loadu_si512(p + (g * 16 + c) * j->b.cs + k0);
			transpose16_epi32(r);
			for (int q = 0; q < 16; q++)
				_mm512_store_si512(base + (k0 / 32) * TILE + q * 32, r[q]);
		}
	}
	for (int64_t c = 0; c < 16; c++) {
		int64_t col = g * 16 + c;
		const uint16_t *src = p + col * j->b.cs;
		for (int64_t k = k0; k < Kp; k += 2) {
			uint16_t *dst = base + (k / 32) * TILE + ((k % 32) / 2) * 32 + c * 2;
			if (col < j->N && k + 1 < K) {
				memcpy(dst, src + k * j->b.rs, 4);
			} else {
				dst[0] = col < j->N && k < K ? src[k * j->b.rs] : 0;
				dst[1] = 0;
			}
		}
	}
}

/* B row-major: rows [32 t, 32 t + 32) into the t-th tile of the groups
 * [g0, g1) of 16 columns, reading each row once from start to end; each
 * pair of rows' 16 columns interleaved by one permutation. */
static AVX512 void pack_b_rows(const bf16_job *j, int64_t t, int64_t g0,
			       int64_t g1)
{
	const uint16_t *p = (const uint16_t *)j->b.p;
	int64_t K = j->K, N = j->N;

	/* a group's tile at a time, its 1 KiB written from start to end
	 * (across the groups for each pair of rows instead, the stores go kt
	 * KiB apart, onto few L1 sets: 1.2-1.7x the packing's time) */
	for (int64_t g = g0; g < g1; g++) {
		int64_t col = g * 16, w = N - col < 16 ? N - col : 16;
		__mmask16 m = w <= 0 ? 0 : (__mmask16)((1u << w) - 1);
		uint16_t *dst = j->bp + (g * j->kt + t) * TILE;
		for (int64_t k = t * 32; k < t * 32 + 32; k += 2, dst += 32) {
			const uint16_t *r0 = p + k * j->b.rs + col, *r1 = r0 + j->b.rs;
			__m256i x = k < K ? _mm256_maskz_loadu_epi16(m, r0)
					  : _mm256_setzero_si256();
			__m256i y = k + 1 < K ? _mm256_maskz_loadu_epi16(m, r1)
					      : _mm256_setzero_si256();
			_mm512_store_si512(dst, pair_rows(x, y));
		}
	}
}

/* B row-major (or one column): packed by tiles along k; else by groups
 * of 16 columns. */
static bool b_by_rows(const bf16_job *j)
{
	return j->b.cs == 1 || j->N == 1;
}

/* Work item w of packing B (of b_items of them). */
static void pack_b_item(const bf16_job *j, int64_t w)
{
	if (b_by_rows(j))
		pack_b_rows(j, w, 0, j->Np / 16);
	else if (j->b.rs == 1 || j->K == 1)
		pack_b_columns(j, w);
	else
		pack_b_generic(j, w);
}

/* ---------------------------------------------------------- the tiles */

/* n values of h = alpha * t + beta * h (beta 0: h not read), as linalg.c's
 * combine() computes them: in double, rounded to float, then to
 * bfloat16 (f16: float16). */
static AG_AVX512 void scale_row(const float *t, uint16_t *h, int64_t n,
				double alpha, double beta, bool f16)
{
	__m512d va = _mm512_set1_pd(alpha), vb = _mm512_set1_pd(beta);

	for (int64_t i = 0; i < n; i += 16) {
		__mmask16 m = ag_lanes16(n - i);
		__m512 x = _mm512_maskz_loadu_ps(m, t + i);
		__m512d lo = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(x)), va);
		__m512d hi = _mm512_mul_pd(_mm512_cvtps_pd(_mm256_castpd_ps(
			_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1))), va);
		if (beta != 0) {
			__m512 y = ag_widen16(_mm256_maskz_loadu_epi16(m, h + i), f16);
			lo = _mm512_add_pd(lo, _mm512_mul_pd(
				_mm512_cvtps_pd(_mm512_castps512_ps256(y)), vb));
			hi = _mm512_add_pd(hi, _mm512_mul_pd(_mm512_cvtps_pd(_mm256_castpd_ps(
				_mm512_extractf64x4_pd(_mm512_castps_pd(y), 1))), vb));
		}
		__m512 f = _mm512_castpd_ps(_mm512_insertf64x4(
			_mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo))),
			_mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
		_mm256_mask_storeu_epi16(h + i, m, ag_narrow16(f, f16));
	}
}

/* A block of rows x cols floats (ldb a row, 64-byte aligned rows) rounded
 * to bfloat16 (f16: float16) into h (ldh values per row), as
 * ag_half_narrow_avx512 rounds. */
static AG_AVX512 void narrow_block(const float *blk, int64_t ldb, uint16_t *h,
				   int64_t ldh, int64_t rows, int64_t cols,
				   bool f16)
{
	for (int64_t r = 0; r < rows; r++, blk += ldb, h += ldh)
		for (int64_t v = 0; v * 16 < cols; v++)
			_mm256_mask_storeu_epi16(h + 16 * v, ag_lanes16(cols - 16 * v),
				ag_narrow16(_mm512_load_ps(blk + 16 * v), f16));
}

/* The four products of a 2 x 2 block of tiles: 0-3 += A (4, 5) x B (6, 7),
 * tile 0 rows 0-15 by columns 0-15, 1 by 16-31, 2 and 3 the next rows. */
__attribute__((target("amx-tile,amx-bf16")))
static inline void products4(void)
{
	_tile_dpbf16ps(0, 4, 6);
	_tile_dpbf16ps(1, 4, 7);
	_tile_dpbf16ps(2, 5, 6);
	_tile_dpbf16ps(3, 5, 7);
}

/* The first 32 x 32 block of panel i (rows [i, i + 32) of a row-major A
 * with K a multiple of 32) summed into tiles 0-3 while A's two groups
 * are packed a tile of k at a time, just ahead of their loads: the
 * copying runs beside the tiles' arithmetic instead of in a pass of its
 * own, and the panel is then at hand in L1/L2 for the band's other
 * blocks. */
__attribute__((target("amx-tile,amx-bf16,avx512f")))
static void first_block_packing_a(const bf16_job *j, int64_t i,
				  const uint16_t *b0)
{
	int64_t kt = j->kt, rs = j->a.rs;
	const uint16_t *src = (const uint16_t *)j->a.p + i * rs;
	uint16_t *a0 = j->ap + (i / 16) * kt * TILE, *a1 = a0 + kt * TILE;
	const uint16_t *b1 = b0 + kt * TILE;

	for (int64_t k = 0; k < kt; k++) {
		for (int64_t r = 0; r < 16; r++) {
			_mm512_store_si512(a0 + k * TILE + r * 32,
					   _mm512_loadu_si512(src + r * rs + k * 32));
			_mm512_store_si512(a1 + k * TILE + r * 32,
					   _mm512_loadu_si512(src + (r + 16) * rs + k * 32));
		}
		_tile_loadd(4, a0 + k * TILE, 64);
		_tile_loadd(6, b0 + k * TILE, 64);
		_tile_loadd(5, a1 + k * TILE, 64);
		_tile_loadd(7, b1 + k * TILE, 64);
		products4();
	}
}

/*
 * A 32 x 32 block of a float16 product (see gemm_f16) into tiles 0-3:
 * its kh k-tiles of hi at a0, a1, b0, b1, of lo kh tiles further, the
 * four terms of each k-tile from ten tile loads (hi x hi, hi x lo,
 * lo x lo, lo x hi, keeping what the next term shares) for sixteen
 * products; tile 0 is rows 0-15 by columns 0-15, 1 by 16-31, 2 and 3
 * the next 16 rows.
 */
__attribute__((target("amx-tile,amx-bf16")))
static void block_hi_lo(int64_t kh, const uint16_t *a0, const uint16_t *a1,
			const uint16_t *b0, const uint16_t *b1, bool down)
{
	for (int64_t s = 0; s < kh; s++) {
		int64_t t = down ? kh - 1 - s : s;
		int64_t h = t * TILE, l = (kh + t) * TILE;
		_tile_loadd(4, a0 + h, 64);
		_tile_loadd(6, b0 + h, 64);
		_tile_dpbf16ps(0, 4, 6);
		_tile_loadd(7, b1 + h, 64);
		_tile_dpbf16ps(1, 4, 7);
		_tile_loadd(5, a1 + h, 64);
		_tile_dpbf16ps(3, 5, 7);
		_tile_dpbf16ps(2, 5, 6);
		_tile_loadd(6, b0 + l, 64);	/* hi x lo */
		_tile_loadd(7, b1 + l, 64);
		products4();
		_tile_loadd(4, a0 + l, 64);	/* lo x lo */
		_tile_dpbf16ps(0, 4, 6);
		_tile_dpbf16ps(1, 4, 7);
		_tile_loadd(5, a1 + l, 64);
		_tile_dpbf16ps(2, 5, 6);
		_tile_dpbf16ps(3, 5, 7);
		_tile_loadd(6, b0 + h, 64);	/* lo x hi */
		_tile_loadd(7, b1 + h, 64);
		products4();
	}
}

/* Until another thread has set *flag to v: spinning, as the wait is
 * short when the threads run, yielding now and then for when one of them
 * does not. */
static void wait_flag(atomic_uchar *flag, unsigned char v)
{
	for (unsigned spin = 1;
	     atomic_load_explicit(flag, memory_order_acquire) != v; spin++) {
		_mm_pause();
		if (spin % 4096 == 0)
			sched_yield();
	}
}

/*
 * The 32-row panel i of the result over the columns [jc, je) of a band:
 * each 32 x 32 block is summed in four tiles over the whole k, then
 * stored: straight into c when it lies inside the float32 result, else
 * through blk (32 x 32), whose rows are then copied or rounded.  The
 * first band packs the panel's A as it goes (and says so in a_ready);
 * the others wait for that.
 */
__attribute__((target("amx-tile,amx-bf16")))
static void panel(const bf16_job *j, int64_t i, int64_t jc, int64_t je,
		  float *blk)
{
	int64_t kt = j->kt, M = j->M, N = j->N;
	const uint16_t *a0 = j->ap + (i / 16) * kt * TILE, *a1 = a0 + kt * TILE;
	int64_t rows = M - i < 32 ? M - i : 32;
	/* A's rows adjacent, a whole panel, whole tiles along k: packed
	 * beside the first block's arithmetic; else by groups first */
	bool inline_a = jc == 0 && j->a.cs == 1 && rows == 32 &&
			j->K % 32 == 0 && !j->f16;
	atomic_uchar *ready = &j->a_ready[i / 32];

	if (jc == 0 && !inline_a) {
		pack_a_group(j, i / 16);
		pack_a_group(j, i / 16 + 1);
		atomic_store_explicit(ready, 1, memory_order_release);
	}
	if (jc > 0)
		wait_flag(ready, 1);
	/* every other block runs k backwards, so that it starts on the tiles
	 * of A its neighbour ended on, still in L1 (0.93-0.98 of the time
	 * of all forwards; taking every other panel's columns from the end
	 * as well gained nothing more) */
	for (int64_t q = 0; q * 32 < je - jc; q++) {
		int64_t col = jc + q * 32;
		const uint16_t *b0 = j->bp + (col / 16) * kt * TILE;
		const uint16_t *b1 = b0 + kt * TILE;
		int64_t cols = N - col < 32 ? N - col : 32;
		bool direct = j->c && rows == 32 && cols == 32;
		float *c0 = direct ? j->c + i * N + col : blk;
		int64_t ld = (direct ? N : 32) * 4;	/* bytes */
		_tile_zero(0);
		_tile_zero(1);
		_tile_zero(2);
		_tile_zero(3);
		if (j->f16)
			block_hi_lo(kt / 2, a0, a1, b0, b1, q % 2);
		else if (inline_a && q == 0) {
			first_block_packing_a(j, i, b0);
			atomic_store_explicit(ready, 1, memory_order_release);
		}
		else for (int64_t s = 0; s < kt; s++) {
			int64_t k = q % 2 ? kt - 1 - s : s;
			_tile_loadd(4, a0 + k * TILE, 64);
			_tile_loadd(6, b0 + k * TILE, 64);
			_tile_loadd(5, a1 + k * TILE, 64);
			_tile_loadd(7, b1 + k * TILE, 64);
			products4();
		}
		_tile_stored(0, c0, ld);
		_tile_stored(1, c0 + 16, ld);
		_tile_stored(2, c0 + 4 * ld, ld);
		_tile_stored(3, c0 + 4 * ld + 16, ld);
		if (direct)
			continue;
		if (j->h && !j->scaled) {
			narrow_block(blk, 32, j->h + i * N + col, N, rows, cols,
				     j->f16);
		} else {
			for (int64_t r = 0; r < rows; r++) {
				if (j->scaled)
					scale_row(blk + r * 32, j->h + (i + r) * N + col,
						  cols, j->alpha, j->beta, j->f16);
				else
					memcpy(j->c + (i + r) * N + col, blk + r * 32,
					       (size_t)cols * 4);
			}
		}
		if (j->h && ag_round_watch)	/* what rounding lost, counted */
			for (int64_t r = 0; r < rows; r++)
				ag_round_check(blk + r * 32,
					       (const char *)(j->h + (i + r) * N + col),
					       2, cols, j->f16 ? AG_FLOAT16 : AG_BFLOAT16);
	}
}

/* Eight tiles of 16 rows x 64 bytes.  A constant in memory: GCC 12 does
 * not see that LDTILECFG reads all 64 bytes of a local one, and drops the
 * stores of its rows and columns. */
static const tilecfg cfg16 = {
	.palette = 1,
	.colsb = { 64, 64, 64, 64, 64, 64, 64, 64 },
	.rows = { 16, 16, 16, 16, 16, 16, 16, 16 },
};

__attribute__((target("amx-tile")))
static void tiles_begin(void)
{
	_tile_loadconfig(&cfg16);
}

__attribute__((target("amx-tile")))
static void tiles_end(void)
{
	_tile_release();
}

/* Until *count reaches n (as wait_flag waits). */
static void wait_count(atomic_llong *count, long long n)
{
	for (unsigned spin = 1;
	     atomic_load_explicit(count, memory_order_acquire) < n; spin++) {
		_mm_pause();
		if (spin % 4096 == 0)
			sched_yield();
	}
}

/*
 * One thread's share (or all of it): pack B, then the bands' panels (the
 * first band's pack A as they go, where the packing overlaps the tiles'
 * arithmetic).  No barrier between the two: a thread that has done its
 * packing items waits only for the items others have taken (not for the
 * others to arrive, which on a busy machine can take a scheduler slice: a
 * thread woken late finds every item taken and goes straight to the
 * panels), a panel of a later band waits only for its own A, and a thread
 * done with the panels leaves.
 */
static void run(bf16_job *j)
{
	if (j->sp) {	/* float16: split first, the same way (gemm_f16) */
		f16_split *s = j->sp;
		long long rows = 0;
		bool bad = false;
#ifdef _OPENMP
		#pragma omp for schedule(dynamic, 16) nowait
#endif
		for (int64_t r = 0; r < s->M + s->Kp; r++) {
			bad |= split_row(s, r);
			rows++;
		}
		if (bad)
			atomic_store_explicit(&s->bad, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->done, rows, memory_order_release);
		wait_count(&s->done, s->M + s->Kp);
		if (atomic_load_explicit(&s->bad, memory_order_relaxed))
			return;	/* every thread: the caller takes another path */
	}
	int64_t gb = b_by_rows(j) ? j->kt : j->Np / 16;
	int64_t panels = j->Mp / 32;
	float blk[32 * 32] __attribute__((aligned(64)));
	long long done = 0;

#ifdef _OPENMP
	#pragma omp for schedule(dynamic, 4) nowait
#endif
	for (int64_t g = 0; g < gb; g++) {
		pack_b_item(j, g);
		done++;
	}
	atomic_fetch_add_explicit(&j->packed, done, memory_order_release);
	wait_count(&j->packed, gb);
	tiles_begin();
	/* band by band, its panels handed out one at a time, so that a thread
	 * the machine slows down does less of them */
	int64_t band = BAND_BYTES / (j->kt * 64) / 32 * 32;	/* 64: bytes of a
								 * column per tile */
	band = band < 32 ? 32 : band;
	int64_t bands = (j->Np + band - 1) / band;
#ifdef _OPENMP
	#pragma omp for schedule(dynamic, 1) nowait
#endif
	for (int64_t w = 0; w < bands * panels; w++) {
		int64_t jc = w / panels * band;
		panel(j, w % panels * 32, jc, jc + band < j->Np ? jc + band : j->Np,
		      blk);
	}
	tiles_end();
}

/* ------------------------------------------- AVX-512 BF16, no tiles */

/*
 * Where the CPU has VDPBF16PS but no AMX tiles (AMD Zen 4, Intel Cooper
 * Lake), or the OS does not grant them: a register-blocked product in
 * the GotoBLAS manner.  B is packed as for the tiles (each group of 16
 * columns a stream of k-pairs, two rows interleaved: one 64-byte row per
 * pair, which is what VDPBF16PS reads); A is read in place when its rows
 * are adjacent, each k-pair of a row one 32-bit broadcast, else copied
 * first to row-major.  A tile of DP_MR x DP_NR (6 x 64) results lives in
 * 24 zmm accumulators over a block of DP_KC k-pairs, 4 loads of B and 6
 * broadcasts of A feeding 24 VDPBF16PS per pair: the kernel runs at the
 * instruction's rate (one a cycle on Zen 4), 94% of a 1024^2 product's
 * time at one thread, packing B 3%.  The k-blocks add into
 * float32 (the result itself, or scratch when the result is bfloat16),
 * and the last one rounds straight from the registers.  VDPBF16PS, like
 * the tiles, reads subnormal inputs as zero and flushes subnormal sums.
 */
#define DPBF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,f16c")))

enum {
	DP_MR = 6,	/* rows of a register tile */
	DP_NR = 64,	/* columns: 4 groups of 16 */
	DP_KC = 512,	/* k-pairs per block: 128 KiB of B per pass of a
			 * tile, from L2; at K 1024 one block, no float32
			 * sums kept between blocks (256: 1.05x the time) */
	DP_MC = 96,	/* rows of A per work item (kept in L2 for its band),
			 * at most */
	DP_NB = 512,	/* columns per work item, at most */
	DP_ITEMS = 4	/* items per thread wanted, for the balance */
};

/* How a tile's last block leaves: float32 into out (masked to the
 * result's columns), bfloat16 into h, or all 64 floats of each row into
 * blk for the caller to scale, copy or count. */
enum { DP_F32, DP_ROUND, DP_BLK };

static inline __attribute__((always_inline)) int32_t dp_ld32(const uint16_t *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * One register tile: mr rows (constant in each instance) of a (row
 * stride lda, from its k-pair 0) times the 4 groups of packed B at b
 * (group stride gs) over kp pairs, plus the lone k of an odd K when odd
 * (A's second value of that pair is not read: it is past the row); cin
 * (row stride ldc, NULL for none) added; left by mode.
 */
static inline __attribute__((always_inline)) DPBF16 void
dp_tile(int mr, int64_t kp, bool odd, const uint16_t *a, int64_t lda,
	const uint16_t *b, int64_t gs, const float *cin, int64_t ldc,
	int mode, float *out, uint16_t *h, int64_t ldo, int64_t cols)
{
	__m512 acc[DP_MR][4];
	const uint16_t *ar[DP_MR];

	_Pragma("GCC unroll 6")
	for (int i = 0; i < mr; i++) {
		ar[i] = a + i * lda;
		_Pragma("GCC unroll 4")
		for (int v = 0; v < 4; v++)
			acc[i][v] = _mm512_setzero_ps();
	}
	_Pragma("GCC unroll 2")
	for (int64_t k = 0; k < kp; k++) {
		__m512bh bv[4];
		_Pragma("GCC unroll 4")
		for (int v = 0; v < 4; v++)
			bv[v] = (__m512bh)_mm512_load_si512(b + v * gs + k * 32);
		_Pragma("GCC unroll 6")
		for (int i = 0; i < mr; i++) {
			__m512bh av = (__m512bh)_mm512_set1_epi32(dp_ld32(ar[i] + 2 * k));
			_Pragma("GCC unroll 4")
			for (int v = 0; v < 4; v++)
				acc[i][v] = _mm512_dpbf16_ps(acc[i][v], av, bv[v]);
		}
	}
	if (odd) {
		__m512bh bv[4];
		_Pragma("GCC unroll 4")
		for (int v = 0; v < 4; v++)
			bv[v] = (__m512bh)_mm512_load_si512(b + v * gs + kp * 32);
		_Pragma("GCC unroll 6")
		for (int i = 0; i < mr; i++) {
			__m512bh av = (__m512bh)_mm512_set1_epi32(ar[i][2 * kp]);
			_Pragma("GCC unroll 4")
			for (int v = 0; v < 4; v++)
				acc[i][v] = _mm512_dpbf16_ps(acc[i][v], av, bv[v]);
		}
	}
	if (mode == DP_ROUND && !cin) {
		/* sums straight from VDPBF16PS are never subnormal (it flushes
		 * them), where VCVTNE2PS2BF16 rounds as ag_narrow16 does (to
		 * nearest even, NaN quieted keeping its sign and payload's top):
		 * one instruction for 32 values instead of seven for 16 */
		_Pragma("GCC unroll 6")
		for (int i = 0; i < mr; i++) {
			_Pragma("GCC unroll 2")
			for (int v = 0; v < 4; v += 2) {
				int64_t n = cols - 16 * v;
				__mmask32 m = n >= 32 ? (__mmask32)0xffffffffu :
					      n <= 0 ? 0 : (__mmask32)((1u << n) - 1);
				__m512bh r = _mm512_cvtne2ps_pbh(acc[i][v + 1], acc[i][v]);
				_mm512_mask_storeu_epi16(h + i * ldo + 16 * v, m,
							 (__m512i)r);
			}
		}
		return;
	}
	_Pragma("GCC unroll 6")
	for (int i = 0; i < mr; i++) {
		_Pragma("GCC unroll 4")
		for (int v = 0; v < 4; v++) {
			__mmask16 m = ag_lanes16(cols - 16 * v);
			__m512 x = acc[i][v];
			if (cin)
				x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(
					m, cin + i * ldc + 16 * v));
			if (mode == DP_F32)
				_mm512_mask_storeu_ps(out + i * ldo + 16 * v, m, x);
			else if (mode == DP_ROUND)
				_mm256_mask_storeu_epi16(h + i * ldo + 16 * v, m,
							 ag_narrow16(x, false));
			else
				_mm512_store_ps(out + i * DP_NR + 16 * v, x);
		}
	}
}

#define DP_TILE_MR(n) \
static DPBF16 void dp_tile##n(int64_t kp, bool odd, const uint16_t *a, \
	int64_t lda, const uint16_t *b, int64_t gs, const float *cin, \
	int64_t ldc, int mode, float *out, uint16_t *h, int64_t ldo, \
	int64_t cols) \
{ \
	dp_tile(n, kp, odd, a, lda, b, gs, cin, ldc, mode, out, h, ldo, cols); \
}
DP_TILE_MR(1)
DP_TILE_MR(2)
DP_TILE_MR(3)
DP_TILE_MR(4)
DP_TILE_MR(5)
DP_TILE_MR(6)

typedef void (*dp_tile_fn)(int64_t, bool, const uint16_t *, int64_t,
			   const uint16_t *, int64_t, const float *, int64_t,
			   int, float *, uint16_t *, int64_t, int64_t);
static const dp_tile_fn dp_tiles[DP_MR + 1] = {
	NULL, dp_tile1, dp_tile2, dp_tile3, dp_tile4, dp_tile5, dp_tile6
};

/* Rows [i0, i1) of A copied row-major into ap (Kp a row, zero past K),
 * for an A whose rows are not adjacent.  A transposed (its columns
 * adjacent, as g:t() in a weight's gradient) goes by blocks of 16 rows x
 * 32 columns: two columns' 16 values interleaved into 32-bit pairs, and
 * the 16 x 16 pairs transposed; the rest value by value. */
static AVX512 void dp_pack_a(const bf16_job *j, int64_t i0, int64_t i1)
{
	const uint16_t *p = (const uint16_t *)j->a.p;
	int64_t Kp = j->kt * 32, K = j->K, rs = j->a.rs, cs = j->a.cs;
	int64_t iv = i0, kv = j->a.rs == 1 ? K / 32 * 32 : 0;

	if (kv > 0) {
		for (; iv + 16 <= i1; iv += 16)
			for (int64_t kb = 0; kb < kv; kb += 32) {
				__m512i r[16];
				for (int q = 0; q < 16; q++) {
					const uint16_t *c0 = p + iv + (kb + 2 * q) * cs;
					r[q] = pair_rows(
						_mm256_loadu_si256((const __m256i *)c0),
						_mm256_loadu_si256((const __m256i *)(c0 + cs)));
				}
				transpose16_epi32(r);
				for (int c = 0; c < 16; c++)
					_mm512_storeu_si512(j->ap + (iv + c) * Kp + kb, r[c]);
			}
	}
	for (int64_t i = i0; i < i1; i++) {
		const uint16_t *src = p + i * rs;
		uint16_t *dst = j->ap + i * Kp;
		for (int64_t k = i < iv ? kv : 0; k < K; k++)
			dst[k] = src[k * cs];
		memset(dst + K, 0, (size_t)(Kp - K) * 2);
	}
}

/*
 * One work item: rows [i0, i1) by columns [j0, j1) of the result, over
 * the k-blocks in turn; each block adds into float32 (the result, or the
 * scratch acc when the result is bfloat16), the last rounds or stores.
 */
static void dp_item(const bf16_job *j, int64_t i0, int64_t i1, int64_t j0,
		    int64_t j1, float *blk)
{
	int64_t N = j->N, kt = j->kt, gs = kt * TILE;
	int64_t pairs = (j->K + 1) / 2;
	bool in_place = j->ap == NULL;
	const uint16_t *A = in_place ? (const uint16_t *)j->a.p : j->ap;
	int64_t lda = in_place ? j->a.rs : kt * 32;
	/* a lone last k (odd K) in place: its pair's other half is not A's */
	bool odd = in_place && j->K % 2;
	int64_t ldacc = j->c ? N : j->Np;
	float *acc = j->c ? j->c : j->acc;

	for (int64_t p0 = 0; p0 < pairs; p0 += DP_KC) {
		int64_t kp = pairs - p0 < DP_KC ? pairs - p0 : DP_KC;
		bool first = p0 == 0, last = p0 + kp == pairs;
		if (last && odd)
			kp--;
		for (int64_t col = j0; col < j1; col += DP_NR) {
			const uint16_t *b = j->bp + (col / 16) * gs + p0 * 32;
			int64_t cols = N - col < DP_NR ? N - col : DP_NR;
			for (int64_t i = i0; i < i1; i += DP_MR) {
				int mr = (int)(i1 - i < DP_MR ? i1 - i : DP_MR);
				const uint16_t *a = A + i * lda + 2 * p0;
				const float *cin = first ? NULL : acc + i * ldacc + col;
				if (!last) {
					dp_tiles[mr](kp, false, a, lda, b, gs, cin, ldacc,
						     DP_F32, acc + i * ldacc + col, NULL,
						     ldacc, j->c ? cols : DP_NR);
					continue;
				}
				if (j->c) {
					dp_tiles[mr](kp, odd, a, lda, b, gs, cin, ldacc,
						     DP_F32, j->c + i * N + col, NULL, N,
						     cols);
				} else if (!j->scaled && !ag_round_watch) {
					dp_tiles[mr](kp, odd, a, lda, b, gs, cin, ldacc,
						     DP_ROUND, NULL, j->h + i * N + col, N,
						     cols);
				} else {
					dp_tiles[mr](kp, odd, a, lda, b, gs, cin, ldacc,
						     DP_BLK, blk, NULL, DP_NR, cols);
					for (int r = 0; r < mr; r++) {
						uint16_t *hr = j->h + (i + r) * N + col;
						if (j->scaled)
							scale_row(blk + r * DP_NR, hr, cols,
								  j->alpha, j->beta, false);
						else
							narrow_block(blk + r * DP_NR, DP_NR, hr,
								     N, 1, cols, false);
						if (ag_round_watch)
							ag_round_check(blk + r * DP_NR,
								       (const char *)hr, 2,
								       cols, AG_BFLOAT16);
					}
				}
			}
		}
	}
}

/* The columns [j0, j1) of B packed (whole groups of 16). */
static void dp_pack_band(const bf16_job *j, int64_t j0, int64_t j1)
{
	if (b_by_rows(j)) {
		for (int64_t t = 0; t < j->kt; t++)
			pack_b_rows(j, t, j0 / 16, j1 / 16);
	} else {
		for (int64_t g = j0 / 16; g < j1 / 16; g++)
			pack_b_item(j, g);
	}
}

/* The items' rows and columns: DP_MC x DP_NB, halved (the columns while
 * a band holds half of them, then the rows, to 12, then the columns, to
 * 64) until each thread that may run has DP_ITEMS of them, so that a small product (a layer's 64 x 784 @ 784 x 256) is
 * not one item that one thread runs while the others wait. */
static void dp_items(bf16_job *j)
{
	int64_t want = DP_ITEMS;

#ifdef _OPENMP
	if (j->M * j->N * j->K >= PAR_MIN)
		want *= omp_get_max_threads();
#endif
	j->mc = DP_MC;
	j->nb = DP_NB;
	for (;;) {
		int64_t items = ((j->M + j->mc - 1) / j->mc) *
				((j->Np + j->nb - 1) / j->nb);
		if (items >= want)
			break;
		if (j->nb > DP_NR && (j->nb >= j->Np / 2 || j->mc <= 2 * DP_MR))
			j->nb /= 2;
		else if (j->mc > 2 * DP_MR)
			j->mc /= 2;
		else
			break;
	}
}

/* Packing states of a band of B or a block of rows of A */
enum { DP_UNPACKED, DP_PACKING, DP_PACKED };

/* Band (or row block) q packed: by this thread if no other has begun it,
 * else waited for. */
static void dp_need(const bf16_job *j, atomic_uchar *state, bool band,
		    int64_t q)
{
	unsigned char want = DP_UNPACKED;

	if (atomic_load_explicit(state, memory_order_acquire) == DP_PACKED)
		return;
	if (atomic_compare_exchange_strong(state, &want, DP_PACKING)) {
		if (band)
			dp_pack_band(j, q * j->nb, (q + 1) * j->nb < j->Np ?
				     (q + 1) * j->nb : j->Np);
		else
			dp_pack_a(j, q * j->mc, (q + 1) * j->mc < j->M ?
				  (q + 1) * j->mc : j->M);
		atomic_store_explicit(state, DP_PACKED, memory_order_release);
		return;
	}
	wait_flag(state, DP_PACKED);
}

/*
 * One thread's share of a product without tiles: the items (a block of
 * j->mc rows by a band of j->nb columns), handed out one at a time, the
 * bands of B (and blocks of A when its rows are not adjacent) packed by
 * the first thread whose item needs them.  The items go a block of rows
 * at a time, band by band within it, so that the threads start on
 * different bands and pack them side by side, without waiting for each
 * other; no thread waits for another to arrive.
 */
static void run_dp(bf16_job *j)
{
	int64_t rows = (j->M + j->mc - 1) / j->mc, bands = (j->Np + j->nb - 1) / j->nb;
	float blk[DP_MR * DP_NR] __attribute__((aligned(64)));

#ifdef _OPENMP
	#pragma omp for schedule(dynamic, 1) nowait
#endif
	for (int64_t w = 0; w < rows * bands; w++) {
		int64_t r = w / bands, q = w % bands;
		int64_t i0 = r * j->mc, j0 = q * j->nb;
		dp_need(j, &j->dp_state[q], true, q);
		if (j->ap)
			dp_need(j, &j->dp_state[bands + r], false, r);
		dp_item(j, i0, i0 + j->mc < j->M ? i0 + j->mc : j->M, j0,
			j0 + j->nb < j->Np ? j0 + j->nb : j->Np, blk);
	}
}

/* The packed operands' buffer, kept between products of up to
 * SCRATCH_KEEP bytes so their pages are not faulted in again each call;
 * one per calling thread. */
#define SCRATCH_KEEP ((size_t)16 << 20)
static _Thread_local uint16_t *scratch;
static _Thread_local size_t scratch_size;

static uint16_t *scratch_get(size_t bytes)
{
	if (bytes <= scratch_size)
		return scratch;
	free(scratch);
	scratch = aligned_alloc(64, (bytes + 63) / 64 * 64);
	scratch_size = scratch ? bytes : 0;
	return scratch;
}

static void scratch_done(void)
{
	if (scratch_size > SCRATCH_KEEP) {
		free(scratch);
		scratch = NULL;
		scratch_size = 0;
	}
}

static bool usable(void)
{
	return ag_cpu_amx_bf16() && ag_cpu_avx512();
}

static int gemm(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		float *c, uint16_t *h, const double *scale, f16_split *sp)
{
	if (M * N * K < 64 * 64 * 64)
		return 0;
	/* the tiles; else VDPBF16PS, for bfloat16 (float16 split in four
	 * terms would cost four bfloat16 products: widened sgemm is faster) */
	bool tiles = usable(), dp = !tiles && !sp && ag_cpu_avx512_bf16();
	if (!tiles && !dp)
		return 0;
	bf16_job j = { .a = a, .b = b, .M = M, .N = N, .K = K,
		       .Mp = (M + 31) / 32 * 32,
		       .Np = dp ? (N + DP_NR - 1) / DP_NR * DP_NR : (N + 31) / 32 * 32,
		       .kt = (K + 31) / 32, .c = c, .h = h, .scaled = scale != NULL,
		       .f16 = sp != NULL, .sp = sp,
		       .alpha = scale ? scale[0] : 1, .beta = scale ? scale[1] : 0 };
	int64_t Kp = j.kt * 32;

	if (dp) {
		bool in_place = a.cs == 1 || K == 1;
		bool sums = !c && (K + 1) / 2 > DP_KC;
		size_t nb = (size_t)(j.Np * Kp) * 2, na = in_place ? 0 : (size_t)(M * Kp) * 2;
		size_t ns = sums ? (size_t)(M * j.Np) * 4 : 0;
		dp_items(&j);
		int64_t nst = (j.Np + j.nb - 1) / j.nb + (M + j.mc - 1) / j.mc;
		uint16_t *buf = scratch_get(nb + na + ns + (size_t)nst);
		if (!buf) {
			scratch_done();
			return ag_error(AG_ERR_NOMEM, "out of memory in a matrix product");
		}
		j.bp = buf;
		j.ap = in_place ? NULL : buf + nb / 2;
		j.acc = sums ? (float *)(buf + (nb + na) / 2) : NULL;
		j.dp_state = (atomic_uchar *)((char *)buf + nb + na + ns);
		for (int64_t q = 0; q < nst; q++)
			atomic_init(&j.dp_state[q], DP_UNPACKED);
#ifdef _OPENMP
		#pragma omp parallel if (M * N * K >= PAR_MIN)
#endif
		run_dp(&j);
		scratch_done();
		return 1;
	}
	j.ap = scratch_get((size_t)((j.Mp + j.Np) * Kp) * sizeof(uint16_t) +
			   (size_t)(j.Mp / 32));
	if (!j.ap) {
		scratch_done();
		return ag_error(AG_ERR_NOMEM, "out of memory in a matrix product");
	}
	j.bp = j.ap + j.Mp * Kp;
	j.a_ready = (atomic_uchar *)(j.bp + j.Np * Kp);
	for (int64_t p = 0; p < j.Mp / 32; p++)
		atomic_init(&j.a_ready[p], 0);
	atomic_init(&j.packed, 0);
#ifdef _OPENMP
	#pragma omp parallel if (M * N * K >= PAR_MIN && j.Mp > 32)
#endif
	run(&j);
	scratch_done();
	return 1;
}

int ag_gemm_bf16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		 float *c)
{
	return gemm(M, N, K, a, b, c, NULL, NULL, NULL);
}

int ag_gemm_bf16_round(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		       uint16_t *c)
{
	return gemm(M, N, K, a, b, NULL, c, NULL, NULL);
}

int ag_gemm_bf16_scaled(int64_t M, int64_t N, int64_t K, double alpha,
			ag_mat a, ag_mat b, double beta, uint16_t *c)
{
	if (ag_round_watch)	/* combine() counts what its rounding loses */
		return 0;
	return gemm(M, N, K, a, b, NULL, c, (const double[2]){ alpha, beta },
		    NULL);
}

/* ------------------------------------------------------------ float16 */

/*
 * A float16 product on the bfloat16 tiles.  Every float16 x is hi + lo
 * exactly, with hi = bf16(x) (to nearest even) and lo = bf16(x - hi): x
 * has 11 significant bits, hi keeps the first 8 and x - hi, at most
 * 2^-9 |x|, the rest, which lo holds exactly; bfloat16's exponent range
 * holds float16's (subnormals included), so neither part is subnormal,
 * which the tiles would read as 0.  Then a @ b is ah@bh + ah@bl + al@bh +
 * al@bl, every product exact in float32, summed in float32 by the tiles
 * as widening to float32 and sgemm sum them, but for the order.  A and B
 * are split into [ah al] (M x 2Kp) and [bh; bl] (2Kp x N), each half
 * padded to whole k-tiles, packed as for bfloat16, and each block sums
 * the four terms from the shared tiles (block_hi_lo).  Three terms (al@bl
 * left out, at most 2^-16 of |a||b| per product) would cost a quarter
 * less, but their error is not float32's: of a 256^3 product of values
 * in [-2, 2), 933 of 65536 values rounded off the exact sum (by up to
 * 820 ulp where the sum cancels), against 84 for sgemm and 42 for the
 * four terms, both within float32's summation bound
 * (tests/core/test_gemm_f16.c prints these).
 * Infinities and NaNs would split into inf + NaN: such a product is left
 * to the widened float32 path (0 returned).
 */

/* The split operands, kept between products as the packing's are. */
static _Thread_local uint16_t *split_buf;
static _Thread_local size_t split_size;

/* n float16 values at s (stride st) as hi and lo; true when one is inf
 * or NaN. */
static AG_AVX512 bool split_run(const uint16_t *s, int64_t st, int64_t n,
				uint16_t *hi, uint16_t *lo)
{
	__m256i bad = _mm256_setzero_si256(), e = _mm256_set1_epi16(0x7c00);

	for (int64_t i = 0; i < n; i += 16) {
		__mmask16 m = ag_lanes16(n - i);
		__m256i h;
		if (st == 1) {
			h = _mm256_maskz_loadu_epi16(m, s + i);
		} else {
			uint16_t tmp[16] = { 0 };
			for (int64_t q = 0; q < 16 && i + q < n; q++)
				tmp[q] = s[(i + q) * st];
			h = _mm256_loadu_si256((const __m256i *)tmp);
		}
		bad = _mm256_or_si256(bad, _mm256_cmpeq_epi16(_mm256_and_si256(h, e), e));
		__m512 x = _mm512_cvtph_ps(h);
		__m256i xh = ag_narrow16(x, false);
		__m256i xl = ag_narrow16(_mm512_sub_ps(x, ag_widen16(xh, false)), false);
		_mm256_mask_storeu_epi16(hi + i, m, xh);
		_mm256_mask_storeu_epi16(lo + i, m, xl);
	}
	return !_mm256_testz_si256(bad, bad);
}

/* Row r of A (r < M) or of B (r - M) split into the buffers; true when
 * it holds inf or NaN. */
static bool split_row(f16_split *s, int64_t r)
{
	int64_t K = s->K, Kp = s->Kp, N = s->N;
	size_t pad = (size_t)(Kp - K) * 2;

	if (r < s->M) {
		uint16_t *d = s->a2 + r * 2 * Kp;
		bool bad = split_run((const uint16_t *)s->a.p + r * s->a.rs, s->a.cs,
				     K, d, d + Kp);
		memset(d + K, 0, pad);
		memset(d + Kp + K, 0, pad);
		return bad;
	}
	int64_t k = r - s->M;
	if (k < K)
		return split_run((const uint16_t *)s->b.p + k * s->b.rs, s->b.cs, N,
				 s->b2 + k * N, s->b2 + (Kp + k) * N);
	memset(s->b2 + k * N, 0, (size_t)N * 2);
	memset(s->b2 + (Kp + k) * N, 0, (size_t)N * 2);
	return false;
}

static int gemm_f16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		    float *c, uint16_t *h, const double *scale)
{
	if (M * N * K < 64 * 64 * 64 || !usable())
		return 0;
	int64_t Kp = (K + 31) / 32 * 32, K2 = 2 * Kp;
	size_t need = (size_t)((M + N) * K2) * sizeof(uint16_t);
	if (need > split_size) {
		free(split_buf);
		split_buf = aligned_alloc(64, (need + 63) / 64 * 64);
		split_size = split_buf ? need : 0;
		if (!split_buf)
			return ag_error(AG_ERR_NOMEM, "out of memory in a matrix product");
	}
	f16_split s = { .a = a, .b = b, .M = M, .N = N, .K = K, .Kp = Kp,
			.a2 = split_buf, .b2 = split_buf + M * K2 };
	atomic_init(&s.bad, 0);
	atomic_init(&s.done, 0);
	ag_mat a2m = { (const char *)s.a2, K2, 1 }, b2m = { (const char *)s.b2, N, 1 };
	/* split by the team that packs and multiplies: one parallel region */
	int rc = gemm(M, N, K2, a2m, b2m, c, h, scale, &s);
	if (rc > 0 && atomic_load(&s.bad))
		rc = 0;	/* inf or NaN: nothing written, the widened path's */
	if (split_size > SCRATCH_KEEP) {
		free(split_buf);
		split_buf = NULL;
		split_size = 0;
	}
	return rc;
}

int ag_gemm_f16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b, float *c)
{
	return gemm_f16(M, N, K, a, b, c, NULL, NULL);
}

int ag_gemm_f16_round(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		      uint16_t *c)
{
	return gemm_f16(M, N, K, a, b, NULL, c, NULL);
}

int ag_gemm_f16_scaled(int64_t M, int64_t N, int64_t K, double alpha,
		       ag_mat a, ag_mat b, double beta, uint16_t *c)
{
	if (ag_round_watch)
		return 0;
	return gemm_f16(M, N, K, a, b, NULL, c, (const double[2]){ alpha, beta });
}

#else

int ag_gemm_bf16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		 float *c)
{
	(void)M; (void)N; (void)K; (void)a; (void)b; (void)c;
	return 0;
}

int ag_gemm_bf16_round(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		       uint16_t *c)
{
	(void)M; (void)N; (void)K; (void)a; (void)b; (void)c;
	return 0;
}

int ag_gemm_bf16_scaled(int64_t M, int64_t N, int64_t K, double alpha,
			ag_mat a, ag_mat b, double beta, uint16_t *c)
{
	(void)M; (void)N; (void)K; (void)alpha; (void)a; (void)b; (void)beta;
	(void)c;
	return 0;
}

/* no tiles: float16 as bfloat16, 0 */
int ag_gemm_f16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b, float *c)
{
	return ag_gemm_bf16(M, N, K, a, b, c);
}

int ag_gemm_f16_round(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		      uint16_t *c)
{
	return ag_gemm_bf16_round(M, N, K, a, b, c);
}

int ag_gemm_f16_scaled(int64_t M, int64_t N, int64_t K, double alpha,
		       ag_mat a, ag_mat b, double beta, uint16_t *c)
{
	return ag_gemm_bf16_scaled(M, N, K, alpha, a, b, beta, c);
}

#endif
