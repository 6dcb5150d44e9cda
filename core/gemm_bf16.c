/*
 * gemm_bf16.c - bfloat16 matrix products on the CPU's AMX tiles
 * (Sapphire Rapids and later), for ag_gemm (linalg.c).
 *
 * A bfloat16 product is exact in float32, so the float32 sums of the tiles
 * (TDPBF16PS) give what widening to float32 and calling sgemm gives, but
 * for the order of the additions (and subnormal inputs and sums, which the
 * tiles treat as zero, as PyTorch's oneDNN kernels on this CPU do); the
 * caller rounds the float32 result to bfloat16 once.
 *
 * The operands are packed into 1 KiB tiles: A as 16 rows x 32 columns, B
 * as 16 pairs of rows x 16 columns interleaved by pairs (the layout
 * TDPBF16PS reads), both padded with zeros to whole tiles.  Each 32 x 32
 * block of the result lives in four accumulator tiles for the whole sum
 * over k; blocks are visited a band of B_COLS columns at a time, so that
 * band of B stays in the cache while every row of A passes.
 */
#include "gemm_bf16.h"

#include <string.h>

#include "internal.h"
#include "simd.h"

#if AG_HAVE_X86_SIMD && defined(__linux__)

enum { TILE = 512, B_COLS = 128 };	/* bf16 per tile; columns per band */

typedef struct tilecfg {
	uint8_t palette, start_row, reserved[14];
	uint16_t colsb[16];
	uint8_t rows[16];
} tilecfg;

/* A (M x K) as [Mp / 16][Kp / 32] tiles of 16 x 32. */
static void pack_a(ag_mat m, int64_t M, int64_t K, int64_t Mp, int64_t Kp,
		   uint16_t *out)
{
	const uint16_t *p = (const uint16_t *)m.p;
	int64_t kt = Kp / 32;

	memset(out, 0, (size_t)(Mp * Kp) * sizeof(uint16_t));
	for (int64_t i = 0; i < M; i++) {
		uint16_t *row = out + (i / 16) * kt * TILE + (i % 16) * 32;
		const uint16_t *src = p + i * m.rs;
		for (int64_t k = 0; k < K; k++)
			row[(k / 32) * TILE + k % 32] = src[k * m.cs];
	}
}

/* B (K x N) as [Np / 16][Kp / 32] tiles of 16 row pairs x 16 columns,
 * each column's two rows side by side. */
static void pack_b(ag_mat m, int64_t K, int64_t N, int64_t Np, int64_t Kp,
		   uint16_t *out)
{
	const uint16_t *p = (const uint16_t *)m.p;
	int64_t kt = Kp / 32;

	memset(out, 0, (size_t)(Np * Kp) * sizeof(uint16_t));
	for (int64_t k = 0; k < K; k++) {
		const uint16_t *src = p + k * m.rs;
		uint16_t *base = out + (k / 32) * TILE + ((k % 32) / 2) * 32 + (k & 1);
		for (int64_t j = 0; j < N; j++)
			base[(j / 16) * kt * TILE + (j % 16) * 2] = src[j * m.cs];
	}
}

/*
 * The 32 x 32 blocks of the product: into c (float32, ldc per row), or,
 * with h, through a block buffer into h (bfloat16, ldc per row, M x N of
 * it), each float rounded by ag_narrow_half as the sgemm path rounds.
 */
__attribute__((target("amx-tile,amx-bf16")))
static void tiles(const uint16_t *ap, const uint16_t *bp, float *c,
		  uint16_t *h, int64_t ldc, int64_t M, int64_t N, int64_t Mp,
		  int64_t Np, int64_t Kp)
{
	tilecfg cfg;
	int64_t kt = Kp / 32;
	float blk[32 * B_COLS];	/* h: a band of 32 rows */

	memset(&cfg, 0, sizeof cfg);
	cfg.palette = 1;
	for (int t = 0; t < 8; t++) {
		cfg.rows[t] = 16;
		cfg.colsb[t] = 64;
	}
	_tile_loadconfig(&cfg);
	for (int64_t jc = 0; jc < Np; jc += B_COLS)
		for (int64_t i = 0; i < Mp; i += 32) {
			for (int64_t j = jc; j < Np && j < jc + B_COLS; j += 32) {
				const uint16_t *a0 = ap + (i / 16) * kt * TILE;
				const uint16_t *a1 = a0 + kt * TILE;
				const uint16_t *b0 = bp + (j / 16) * kt * TILE;
				const uint16_t *b1 = b0 + kt * TILE;
				int64_t lc = h ? B_COLS : ldc;
				float *c0 = h ? blk + (j - jc) : c + i * ldc + j;
				float *c1 = c0 + 16 * lc;
				_tile_zero(0);
				_tile_zero(1);
				_tile_zero(2);
				_tile_zero(3);
				for (int64_t k = 0; k < kt; k++) {
					_tile_loadd(4, a0 + k * TILE, 64);
					_tile_loadd(5, a1 + k * TILE, 64);
					_tile_loadd(6, b0 + k * TILE, 64);
					_tile_loadd(7, b1 + k * TILE, 64);
					_tile_dpbf16ps(0, 4, 6);
					_tile_dpbf16ps(1, 4, 7);
					_tile_dpbf16ps(2, 5, 6);
					_tile_dpbf16ps(3, 5, 7);
				}
				_tile_stored(0, c0, lc * 4);
				_tile_stored(1, c0 + 16, lc * 4);
				_tile_stored(2, c1, lc * 4);
				_tile_stored(3, c1 + 16, lc * 4);
			}
			if (!h || jc >= N)
				continue;
			for (int64_t r = 0; r < 32 && i + r < M; r++)
				ag_narrow_half(blk + r * B_COLS,
					       (char *)(h + (i + r) * ldc + jc), 2,
					       N - jc < B_COLS ? N - jc : B_COLS,
					       AG_BFLOAT16);
		}
	_tile_release();
}

/* The packed operands' buffer, kept between products of up to
 * SCRATCH_KEEP bytes so their pages are not faulted in again each call;
 * one per thread. */
#define SCRATCH_KEEP ((size_t)16 << 20)
static _Thread_local uint16_t *scratch;
static _Thread_local size_t scratch_size;

static uint16_t *scratch_get(size_t bytes)
{
	if (bytes <= scratch_size)
		return scratch;
	free(scratch);
	scratch = malloc(bytes);
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

static int gemm(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		float *c, uint16_t *h)
{
	if (M * N * K < 64 * 64 * 64 || !ag_cpu_amx_bf16())
		return 0;
	int64_t Mp = (M + 31) / 32 * 32, Np = (N + 31) / 32 * 32;
	int64_t Kp = (K + 31) / 32 * 32;
	bool direct = h || (Mp == M && Np == N);	/* no padded copy of c */
	uint16_t *ap = scratch_get((size_t)((Mp + Np) * Kp) * sizeof(uint16_t));
	uint16_t *bp = ap ? ap + Mp * Kp : NULL;
	float *cp = direct ? c : malloc((size_t)(Mp * Np) * sizeof(float));

	if (!ap || (!h && !cp)) {
		scratch_done();
		if (!direct)
			free(cp);
		return ag_error(AG_ERR_NOMEM, "out of memory in a matrix product");
	}
	pack_a(a, M, K, Mp, Kp, ap);
	pack_b(b, K, N, Np, Kp, bp);
	tiles(ap, bp, cp, h, h ? N : Np, M, N, Mp, Np, Kp);
	if (!direct) {
		for (int64_t i = 0; i < M; i++)
			memcpy(c + i * N, cp + i * Np, (size_t)N * sizeof(float));
		free(cp);
	}
	scratch_done();
	return 1;
}

int ag_gemm_bf16(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		 float *c)
{
	return gemm(M, N, K, a, b, c, NULL);
}

int ag_gemm_bf16_round(int64_t M, int64_t N, int64_t K, ag_mat a, ag_mat b,
		       uint16_t *c)
{
	return gemm(M, N, K, a, b, NULL, c);
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

#endif
