/*
 * linalg.c - matrix products: mm, bmm, mv, dot and matmul.
 *
 * Every product ends in gemm(): C = A @ B for strided A and B and a
 * contiguous C.  float32/float64 go to CBLAS when configure found one,
 * passing a transposed-contiguous operand as CblasTrans instead of copying
 * it; everything else (int64, no CBLAS, sizes past BLAS's int) runs a
 * blocked C loop.  float16/bfloat16 are widened to float32, multiplied and
 * rounded back.
 *
 * matmul is built from the other ops and views exactly the way PyTorch
 * 1.13 builds it, so shapes, results and even error texts agree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* RTLD_DEFAULT */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "internal.h"
#include "gemm_bf16.h"
#include "gemv_bf16.h"
#include "record.h"
#include "shapeint.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_DLFCN_H
#include <dlfcn.h>
#endif

#ifdef HAVE_CBLAS
#if defined(HAVE_CBLAS_H)
#include <cblas.h>
#elif defined(HAVE_OPENBLAS_CBLAS_H)
#include <openblas/cblas.h>
#endif
#endif

typedef ag_mat mat;

const char *ag_blas_name(void)
{
#if defined(HAVE_CBLAS) && defined(OPENBLAS_VERSION)
	return "OpenBLAS";
#elif defined(HAVE_CBLAS)
	return "CBLAS";
#else
	return "builtin";
#endif
}

/*
 * OpenBLAS picks its kernels for the CPU it finds when it loads; a CPU it
 * does not know gets its oldest x86-64 ones, "Prescott" (SSE3).  Debian's
 * 0.3.21 does that on Sapphire/Emerald Rapids (family 6, models 143 and
 * 207), and its sgemm runs 4-5x slower than with the AVX-512 kernels the
 * CPU can run.  The variable OPENBLAS_CORETYPE chooses the kernels, but
 * only when the library initialises, which happens before main; so when
 * the user has not set it, the library says Prescott and the CPU has what
 * the better kernels need, the library's own dynamic-arch entry points
 * (found by name: other BLAS libraries have none) re-run the choice with
 * the variable set, then the environment is put back so children see the
 * user's.  Nothing may be running in the BLAS: call once, at start-up.
 */
static const char *blas_better_core(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("fma"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return "Haswell";
#endif
	return NULL;
}

void ag_blas_init(void)
{
#if defined(HAVE_CBLAS) && defined(OPENBLAS_VERSION) && defined(HAVE_DLFCN_H) && \
	defined(RTLD_DEFAULT)
	static bool done;
	const char *core = blas_better_core();
	if (done || !core || getenv("OPENBLAS_CORETYPE"))
		return;
	done = true;
	const char *now = openblas_get_corename();
	void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
	void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
	if (!now || strcmp(now, "Prescott") != 0 || !quit || !init)
		return;
	if (setenv("OPENBLAS_CORETYPE", core, 1) != 0)
		return;
	quit();
	init();
	unsetenv("OPENBLAS_CORETYPE");
#endif
}

const char *ag_blas_core(void)
{
#if defined(HAVE_CBLAS) && defined(OPENBLAS_VERSION)
	return openblas_get_corename();
#else
	return NULL;
#endif
}

/* ------------------------------------------------------- builtin kernel */

enum { GEMM_MB = 64, GEMM_KB = 256, GEMM_NB = 2048 };

#ifdef _OPENMP
/* in a macro body a pragma has to be spelled as _Pragma */
#define OMP_GEMM_FOR _Pragma("omp parallel for if (M * N * K > 4194304)")
/* rows of C never alias: let -O2 vectorise the update */
#define OMP_SIMD _Pragma("omp simd")
#else
#define OMP_GEMM_FOR
#define OMP_SIMD
#endif

/*
 * C[M,N] = A[M,K] @ B[K,N], all row-major and dense (lda = K, ldb = ldc =
 * N).  Blocks of K keep a slab of B in cache while four rows of C are
 * updated at once, so each loaded B element serves four multiply-adds.
 * UT is the type the arithmetic runs in (unsigned for int64: overflow
 * wraps instead of being undefined).
 */
#define GEMM_KERNEL(NAME, T, UT)					\
static void gemm_##NAME(int64_t M, int64_t N, int64_t K,		\
			const T *restrict A, const T *restrict B,	\
			T *restrict C)					\
{									\
	int64_t nblocks = (M + GEMM_MB - 1) / GEMM_MB;			\
	memset(C, 0, (size_t)(M * N) * sizeof(T));			\
	OMP_GEMM_FOR							\
	for (int64_t blk = 0; blk < nblocks; blk++) {			\
		int64_t i0 = blk * GEMM_MB;				\
		if (ag_interrupt_pending())	/* Ctrl-C: skip the rest */ \
			continue;					\
		int64_t i1 = i0 + GEMM_MB < M ? i0 + GEMM_MB : M;	\
		for (int64_t j0 = 0; j0 < N; j0 += GEMM_NB) {		\
		int64_t nb = N - j0 < GEMM_NB ? N - j0 : GEMM_NB;	\
		for (int64_t k0 = 0; k0 < K; k0 += GEMM_KB) {		\
		int64_t k1 = k0 + GEMM_KB < K ? k0 + GEMM_KB : K;	\
		int64_t i = i0;						\
		for (; i + 4 <= i1; i += 4) {				\
			T *c0 = C + i * N + j0, *c1 = c0 + N;		\
			T *c2 = c1 + N, *c3 = c2 + N;			\
			for (int64_t k = k0; k < k1; k++) {		\
				UT a0 = (UT)A[i * K + k];		\
				UT a1 = (UT)A[(i + 1) * K + k];		\
				UT a2 = (UT)A[(i + 2) * K + k];		\
				UT a3 = (UT)A[(i + 3) * K + k];		\
				const T *b = B + k * N + j0;		\
				OMP_SIMD				\
				for (int64_t j = 0; j < nb; j++) {	\
					UT bj = (UT)b[j];		\
					c0[j] = (T)((UT)c0[j] + a0 * bj); \
					c1[j] = (T)((UT)c1[j] + a1 * bj); \
					c2[j] = (T)((UT)c2[j] + a2 * bj); \
					c3[j] = (T)((UT)c3[j] + a3 * bj); \
				}					\
			}						\
		}							\
		for (; i < i1; i++) {					\
			T *c0 = C + i * N + j0;				\
			for (int64_t k = k0; k < k1; k++) {		\
				UT a0 = (UT)A[i * K + k];		\
				const T *b = B + k * N + j0;		\
				OMP_SIMD				\
				for (int64_t j = 0; j < nb; j++)	\
					c0[j] = (T)((UT)c0[j] + a0 * (UT)b[j]); \
			}						\
		}							\
		}							\
		}							\
	}								\
}

GEMM_KERNEL(f32, float, float)
GEMM_KERNEL(f64, double, double)
GEMM_KERNEL(i64, int64_t, uint64_t)

/* ------------------------------------------------------------- packing */

static bool is_row_major(mat m, int64_t rows, int64_t cols)
{
	return (cols <= 1 || m.cs == 1) && (rows <= 1 || m.rs == cols);
}

/* A dense row-major copy of m (rows x cols, elsize bytes per element). */
static void *pack_same(mat m, int64_t rows, int64_t cols, size_t elsize)
{
	char *buf = malloc((size_t)(rows * cols) * elsize + 1);
	if (!buf) {
		ag_error(AG_ERR_NOMEM, "out of memory packing a matrix");
		return NULL;
	}
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			memcpy(buf + (i * cols + j) * (int64_t)elsize,
			       m.p + (i * m.rs + j * m.cs) * (int64_t)elsize,
			       elsize);
	return buf;
}

/* ------------------------------------------------------------ CBLAS path */

#ifdef HAVE_CBLAS
/*
 * How CBLAS can read m without a copy: row-major (NoTrans) or the transpose
 * of a row-major matrix (Trans), with a leading dimension.  Strides of
 * size-1 dims do not matter and are normalised away.
 */
static bool blas_layout(mat m, int64_t rows, int64_t cols,
			enum CBLAS_TRANSPOSE *trans, int64_t *ld)
{
	int64_t rs = rows == 1 ? (cols > 1 ? cols : 1) : m.rs;
	int64_t cs = cols == 1 ? 1 : m.cs;
	if (cs == 1 && rs >= (cols > 1 ? cols : 1)) {
		*trans = CblasNoTrans;
		*ld = rs;
		return *ld <= INT_MAX;
	}
	rs = rows == 1 ? 1 : m.rs;
	cs = cols == 1 ? (rows > 1 ? rows : 1) : m.cs;
	if (rs == 1 && cs >= (rows > 1 ? rows : 1)) {
		*trans = CblasTrans;
		*ld = cs;
		return *ld <= INT_MAX;
	}
	return false;
}

/* C = alpha A @ B + beta C through CBLAS for float32 (dt) or float64;
 * 0 or -1. */
static int blas_gemm(ag_dtype dt, int64_t M, int64_t N, int64_t K,
		     double alpha, mat a, mat b, double beta, char *c,
		     int64_t ldc)
{
	enum CBLAS_TRANSPOSE ta, tb;
	int64_t lda, ldb;
	void *pa = NULL, *pb = NULL;
	size_t elsize = ag_dtype_size(dt);

	if (!blas_layout(a, M, K, &ta, &lda)) {
		if (!(pa = pack_same(a, M, K, elsize)))
			return -1;
		a.p = pa;
		ta = CblasNoTrans;
		lda = K;
	}
	if (!blas_layout(b, K, N, &tb, &ldb)) {
		if (!(pb = pack_same(b, K, N, elsize))) {
			free(pa);
			return -1;
		}
		b.p = pb;
		tb = CblasNoTrans;
		ldb = N;
	}
	if (dt == AG_FLOAT32)
		cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K,
			    (float)alpha, (const float *)a.p, (int)lda,
			    (const float *)b.p, (int)ldb, (float)beta, (float *)c,
			    (int)ldc);
	else
		cblas_dgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, alpha,
			    (const double *)a.p, (int)lda, (const double *)b.p,
			    (int)ldb, beta, (double *)c, (int)ldc);
	free(pa);
	free(pb);
	return 0;
}
#endif

/* ----------------------------------------------------------------- gemm */

/* C = A @ B in the builtin kernel for float32, float64 or int64. */
static int builtin_gemm(ag_dtype dt, int64_t M, int64_t N, int64_t K, mat a,
			mat b, char *c)
{
	size_t elsize = ag_dtype_size(dt);
	void *pa = NULL, *pb = NULL;
	const void *ra = a.p, *rb = b.p;

	if (!is_row_major(a, M, K)) {
		if (!(pa = pack_same(a, M, K, elsize)))
			return -1;
		ra = pa;
	}
	if (!is_row_major(b, K, N)) {
		if (!(pb = pack_same(b, K, N, elsize))) {
			free(pa);
			return -1;
		}
		rb = pb;
	}
	switch (dt) {
	case AG_FLOAT32: gemm_f32(M, N, K, ra, rb, (float *)c); break;
	case AG_FLOAT64: gemm_f64(M, N, K, ra, rb, (double *)c); break;
	default: gemm_i64(M, N, K, ra, rb, (int64_t *)c); break;
	}
	free(pa);
	free(pb);
	return ag_check_interrupt();
}

#ifdef HAVE_CBLAS
static bool fits_blas(int64_t M, int64_t N, int64_t K, int64_t ldc)
{
	return M <= INT_MAX && N <= INT_MAX && K <= INT_MAX && ldc <= INT_MAX;
}
#endif

/* C = alpha * T + beta * C for a dense product T (M x N, dtype dt; the
 * 16-bit floats come as float32 and are rounded on store); beta == 0
 * ignores C's old values, NaN included, as BLAS does. */
static void combine(ag_dtype dt, int64_t M, int64_t N, const char *T,
		    ag_dtype tdt, double alpha, double beta, char *c,
		    int64_t ldc)
{
	size_t es = ag_dtype_size(dt), ts = ag_dtype_size(tdt);

	for (int64_t i = 0; i < M; i++)
		for (int64_t j = 0; j < N; j++) {
			char *at = c + (size_t)(i * ldc + j) * es;
			const char *t = T + (size_t)(i * N + j) * ts;
			if (!ag_dtype_is_floating(dt)) {	/* wrapping, as int64 */
				uint64_t v = (uint64_t)(int64_t)alpha *
					     (uint64_t)ag_load_i64(t, tdt);
				if (beta != 0)
					v += (uint64_t)(int64_t)beta *
					     (uint64_t)ag_load_i64(at, dt);
				ag_store_i64(at, dt, (int64_t)v);
				continue;
			}
			double v = alpha * ag_load(t, tdt);
			if (beta != 0)
				v += beta * ag_load(at, dt);
			ag_store(at, dt, v);
		}
}

/*
 * The 16-bit floats, the float32 result in *T: on the tiles (or
 * VDPBF16PS) when the caller rounds it itself (alpha and beta with a
 * strided result, or rounding losses counted), else (no tiles, or inf or
 * NaN in float16 on the tiles) widened to float32 and multiplied by
 * sgemm.  The three float32 buffers are one per calling thread, kept
 * between products of up to HALF_KEEP bytes: fresh pages each call cost
 * the kernel a tenth of a 1024^2 product in clearing them.
 */
#define HALF_KEEP ((size_t)32 << 20)
static _Thread_local float *half_buf;
static _Thread_local size_t half_size;

static void half_buf_done(void)
{
	if (half_size > HALF_KEEP) {
		free(half_buf);
		half_buf = NULL;
		half_size = 0;
	}
}

static int half_product(ag_dtype dt, int64_t M, int64_t N, int64_t K, mat a,
			mat b, float **T)
{
	size_t need = (size_t)(M * K + K * N + M * N) * sizeof(float);

	if (need > half_size) {
		free(half_buf);
		half_buf = malloc(need + 1);
		half_size = half_buf ? need : 0;
		if (!half_buf)
			return ag_error(AG_ERR_NOMEM, "out of memory in a matrix product");
	}
	float *t = half_buf, *fa = t + M * N, *fb = fa + M * K;
	/* on the tiles (or VDPBF16PS) first, when the rounding is not theirs */
	int tiled = dt == AG_BFLOAT16 ? ag_gemm_bf16(M, N, K, a, b, t) :
		    ag_gemm_f16(M, N, K, a, b, t);
	*T = t;
	if (tiled != 0)
		return tiled > 0 ? 0 : -1;
	/* one thread: an OpenMP team right before OpenBLAS's own threads
	 * (Debian's pthread build) spins on the cores they want (2 threads,
	 * float16 1024^2: 21.8-24.8 ms, one thread widening and rounding
	 * 11.6-11.8, float32 10.5-12.8) */
	int64_t rows = M + K;
	for (int64_t r = 0; r < rows; r++) {
		if (r < M)
			ag_widen_half(a.p + r * a.rs * 2, a.cs * 2, fa + r * K, K, dt);
		else
			ag_widen_half(b.p + (r - M) * b.rs * 2, b.cs * 2,
				      fb + (r - M) * N, N, dt);
	}
	mat ma = { (const char *)fa, K, 1 }, mb = { (const char *)fb, N, 1 };
#ifdef HAVE_CBLAS
	if (fits_blas(M, N, K, N))
		return blas_gemm(AG_FLOAT32, M, N, K, 1, ma, mb, 0, (char *)t, N);
#endif
	return builtin_gemm(AG_FLOAT32, M, N, K, ma, mb, (char *)t);
}

/* T = A @ B into a fresh dense buffer of dtype dt, for the paths without
 * BLAS's alpha and beta (not the 16-bit floats: half_product). */
static char *product_buffer(ag_dtype dt, int64_t M, int64_t N, int64_t K,
			    mat a, mat b)
{
	char *T = malloc((size_t)(M * N) * ag_dtype_size(dt) + 1);

	if (!T) {
		ag_error(AG_ERR_NOMEM, "out of memory in a matrix product");
		return NULL;
	}
	if (builtin_gemm(dt, M, N, K, a, b, T) < 0) {
		free(T);
		return NULL;
	}
	return T;
}

static int narrow_int_gemm(ag_dtype dt, ag_dtype out, int64_t M, int64_t N,
			   int64_t K, mat a, mat b, char *c);

int ag_gemm(ag_dtype dt, int64_t M, int64_t N, int64_t K, double alpha,
	    ag_mat a, ag_mat b, double beta, char *c, int64_t ldc)
{
	size_t es = ag_dtype_size(dt);

	if (M == 0 || N == 0)
		return 0;
	bool narrow_int = dt == AG_UINT8 || dt == AG_INT8 || dt == AG_INT16 ||
			  dt == AG_INT32;
	if (dt != AG_FLOAT32 && dt != AG_FLOAT64 && dt != AG_FLOAT16 &&
	    dt != AG_BFLOAT16 && dt != AG_INT64 && !narrow_int)
		return ag_error(AG_ERR_DTYPE, "matrix products do not support %s",
				ag_dtype_scalar_name(dt));
	if (K == 0) {	/* an empty sum: beta * C */
		for (int64_t i = 0; i < M; i++)
			for (int64_t j = 0; j < N; j++) {
				char *at = c + (size_t)(i * ldc + j) * es;
				if (beta == 0)
					memset(at, 0, es);
				else if (dt == AG_INT64)
					*(int64_t *)at *= (int64_t)beta;
				else if (narrow_int)
					ag_store_i64(at, dt, ag_load_i64(at, dt) *
						     (int64_t)beta);
				else
					ag_store(at, dt, beta * ag_load(at, dt));
			}
		return 0;
	}
#ifdef HAVE_CBLAS
	if ((dt == AG_FLOAT32 || dt == AG_FLOAT64) && fits_blas(M, N, K, ldc))
		return blas_gemm(dt, M, N, K, alpha, a, b, beta, c, ldc);
#endif
	if ((dt == AG_FLOAT32 || dt == AG_FLOAT64 || dt == AG_INT64) &&
	    alpha == 1 && beta == 0 && ldc == N)
		return builtin_gemm(dt, M, N, K, a, b, c);
	bool plain = alpha == 1 && beta == 0 && ldc == N;
	if (narrow_int) {
		if (plain)
			return narrow_int_gemm(dt, dt, M, N, K, a, b, c);
		/* the product in int64, then alpha and beta with wraparound */
		int64_t *T = malloc((size_t)(M * N) * sizeof(int64_t) + 1);
		if (!T)
			return ag_error(AG_ERR_NOMEM, "out of memory in a matrix "
					"product");
		int rc = narrow_int_gemm(dt, AG_INT64, M, N, K, a, b, (char *)T);
		if (rc == 0)
			combine(dt, M, N, (const char *)T, AG_INT64, alpha, beta, c,
				ldc);
		free(T);
		return rc;
	}
	if (dt == AG_BFLOAT16 && ldc == N) {	/* on AMX tiles, rounded there */
		int tiled = plain ? ag_gemm_bf16_round(M, N, K, a, b, (uint16_t *)c)
			: ag_gemm_bf16_scaled(M, N, K, alpha, a, b, beta, (uint16_t *)c);
		if (tiled != 0)
			return tiled > 0 ? 0 : -1;
	}
	if (dt == AG_FLOAT16 && ldc == N) {	/* the same, hi + lo (gemm_bf16.c) */
		int tiled = plain ? ag_gemm_f16_round(M, N, K, a, b, (uint16_t *)c)
			: ag_gemm_f16_scaled(M, N, K, alpha, a, b, beta, (uint16_t *)c);
		if (tiled != 0)
			return tiled > 0 ? 0 : -1;
	}
	if (ag_dtype_is_half(dt)) {
		float *T = NULL;
		int rc = half_product(dt, M, N, K, a, b, &T);
		if (rc == 0) {
			if (plain)	/* rounded on store, vectorised, one thread
					 * (see half_product) */
				ag_narrow_half(T, c, 2, M * N, dt);
			else
				combine(dt, M, N, (const char *)T, AG_FLOAT32, alpha,
					beta, c, ldc);
		}
		half_buf_done();
		return rc < 0 ? -1 : 0;
	}
	char *T = product_buffer(dt, M, N, K, a, b);
	if (!T)
		return -1;
	combine(dt, M, N, T, dt, alpha, beta, c, ldc);
	free(T);
	return 0;
}

/* The integer types narrower than int64: widened to int64, multiplied,
 * and wrapped back on store, as PyTorch's integer products wrap. */
static int64_t *pack_i64(mat m, int64_t rows, int64_t cols, ag_dtype dt)
{
	size_t elsize = ag_dtype_size(dt);
	int64_t *buf = malloc((size_t)(rows * cols) * sizeof(int64_t) + 1);
	if (!buf) {
		ag_error(AG_ERR_NOMEM, "out of memory packing a matrix");
		return NULL;
	}
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			buf[i * cols + j] = ag_load_i64(
				m.p + (i * m.rs + j * m.cs) * (int64_t)elsize, dt);
	return buf;
}

/* the product of two dt matrices, stored as out (dt, or int64) */
static int narrow_int_gemm(ag_dtype dt, ag_dtype out, int64_t M, int64_t N,
			   int64_t K, mat a, mat b, char *c)
{
	int64_t *ia = pack_i64(a, M, K, dt), *ib = NULL, *ic = NULL;
	int rc = -1;
	size_t elsize = ag_dtype_size(out);

	if (ia && (ib = pack_i64(b, K, N, dt)) &&
	    (ic = malloc((size_t)(M * N) * sizeof(int64_t) + 1))) {
		mat ma = { (const char *)ia, K, 1 }, mb = { (const char *)ib, N, 1 };
		rc = builtin_gemm(AG_INT64, M, N, K, ma, mb, (char *)ic);
		if (rc == 0)
			for (int64_t i = 0; i < M * N; i++)
				ag_store_i64(c + i * (int64_t)elsize, out, ic[i]);
	} else if (ia && ib) {
		ag_error(AG_ERR_NOMEM, "out of memory in a matrix product");
	}
	free(ia);
	free(ib);
	free(ic);
	return rc;
}

/* C[M,N] (dense, row-major, dtype dt) = A[M,K] @ B[K,N]; 0 or -1. */
static int gemm(ag_dtype dt, int64_t M, int64_t N, int64_t K, mat a, mat b,
		char *c)
{
	return ag_gemm(dt, M, N, K, 1, a, b, 0, c, N);
}

int ag_gemm_strided(ag_dtype dt, int64_t M, int64_t N, int64_t K,
		    const void *a, int64_t ars, int64_t acs, const void *b,
		    int64_t brs, int64_t bcs, void *c)
{
	mat ma = { a, ars, acs }, mb = { b, brs, bcs };
	return gemm(dt, M, N, K, ma, mb, c);
}

ag_mat ag_mat_of(const ag_tensor *t, int r, int c, int64_t off)
{
	mat m;
	m.p = (const char *)ag_data_ptr(t) + off * (int64_t)ag_dtype_size(t->dtype);
	m.rs = r >= 0 ? t->stride[r] : 0;
	m.cs = c >= 0 ? t->stride[c] : 0;
	return m;
}

/* -------------------------------------------------------------- checks */

static int check_pair(const ag_tensor *a, const ag_tensor *b, const char *op)
{
	if (!a || !b)
		return ag_error(AG_ERR_VALUE, "%s(): expected two tensors", op);
	return 0;
}

/* PyTorch dispatches on the first operand's dtype (bool has no kernel;
 * float16, like bfloat16, is computed in float32 and rounded on store),
 * then requires the second to match it. */
static int check_dtypes(const ag_tensor *a, const ag_tensor *b,
			const char *kernel)
{
	if (a->dtype == AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
				kernel, ag_dtype_scalar_name(a->dtype));
	if (a->dtype != b->dtype)
		return ag_error(AG_ERR_DTYPE, "expected scalar type %s but found %s",
				ag_dtype_scalar_name(a->dtype),
				ag_dtype_scalar_name(b->dtype));
	return 0;
}

/* ------------------------------------------------------------ products */

/* The product once recorded (NULL, and dropped, when that fails). */
static ag_tensor *product(ag_op op, ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	return ag_recorded(out, (ag_call){ .op = op,
		.in = (ag_tensor *[]){ a, b }, .nin = 2 });
}

ag_tensor *ag_mm(ag_tensor *a, ag_tensor *b)
{
	if (check_pair(a, b, "mm") < 0)
		return NULL;
	if (a->ndim != 2) {
		ag_error(AG_ERR_SHAPE, "self must be a matrix");
		return NULL;
	}
	if (b->ndim != 2) {
		ag_error(AG_ERR_SHAPE, "mat2 must be a matrix");
		return NULL;
	}
	if (a->shape[1] != b->shape[0]) {
		ag_error(AG_ERR_SHAPE, "mat1 and mat2 shapes cannot be multiplied "
			 "(%lldx%lld and %lldx%lld)", (long long)a->shape[0],
			 (long long)a->shape[1], (long long)b->shape[0],
			 (long long)b->shape[1]);
		return NULL;
	}
	if (check_dtypes(a, b, "addmm_impl_cpu_") < 0)
		return NULL;

	int64_t shape[2] = { a->shape[0], b->shape[1] };
	/* uninitialised: gemm writes every element (K == 0 included) */
	ag_tensor *out = ag_tensor_alloc_uninit(shape, 2, a->dtype);
	if (!out)
		return NULL;
	if (gemm(a->dtype, a->shape[0], b->shape[1], a->shape[1],
		 ag_mat_of(a, 0, 1, 0), ag_mat_of(b, 0, 1, 0), ag_data_ptr(out)) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return product(AG_OP_MM, out, a, b);
}

ag_tensor *ag_bmm(ag_tensor *a, ag_tensor *b)
{
	if (check_pair(a, b, "bmm") < 0)
		return NULL;
	if (a->ndim != 3) {
		ag_error(AG_ERR_SHAPE, "batch1 must be a 3D tensor");
		return NULL;
	}
	if (b->ndim != 3) {
		ag_error(AG_ERR_SHAPE, "batch2 must be a 3D tensor");
		return NULL;
	}
	if (b->shape[0] != a->shape[0] || b->shape[1] != a->shape[2]) {
		ag_error(AG_ERR_SHAPE, "Expected size for first two dimensions of "
			 "batch2 tensor to be: [%lld, %lld] but got: [%lld, %lld].",
			 (long long)a->shape[0], (long long)a->shape[2],
			 (long long)b->shape[0], (long long)b->shape[1]);
		return NULL;
	}
	if (check_dtypes(a, b, "bmm") < 0)
		return NULL;

	int64_t nb = a->shape[0], M = a->shape[1], K = a->shape[2];
	int64_t N = b->shape[2];
	int64_t shape[3] = { nb, M, N };
	ag_tensor *out = ag_tensor_alloc_uninit(shape, 3, a->dtype);
	char *c = out ? ag_data_ptr(out) : NULL;
	size_t csize = (size_t)(M * N) * ag_dtype_size(a->dtype);

	if (!out)
		return NULL;
	for (int64_t i = 0; i < nb; i++) {
		if (ag_check_interrupt() < 0 ||
		    gemm(a->dtype, M, N, K, ag_mat_of(a, 1, 2, i * a->stride[0]),
			 ag_mat_of(b, 1, 2, i * b->stride[0]), c + i * csize) < 0) {
			ag_tensor_release(out);
			return NULL;
		}
	}
	return product(AG_OP_BMM, out, a, b);
}

ag_tensor *ag_mv(ag_tensor *a, ag_tensor *v)
{
	if (check_pair(a, v, "mv") < 0)
		return NULL;
	if (a->ndim != 2 || v->ndim != 1) {
		ag_error(AG_ERR_SHAPE, "vector + matrix @ vector expected, got 1, "
			 "%d, %d", a->ndim, v->ndim);
		return NULL;
	}
	if (a->shape[1] != v->shape[0]) {
		ag_error(AG_ERR_SHAPE, "size mismatch, got %lld, %lldx%lld,%lld",
			 (long long)a->shape[0], (long long)a->shape[0],
			 (long long)a->shape[1], (long long)v->shape[0]);
		return NULL;
	}
	if (check_dtypes(a, v, "addmv_impl_cpu") < 0)
		return NULL;

	ag_tensor *out = ag_tensor_alloc(a->shape, 1, a->dtype);
	if (!out)
		return NULL;
	if (ag_gemv_bf16_small(a))	/* rounded as PyTorch rounds it */
		ag_gemv_bf16(a, v, 1, 0, ag_data_ptr(out));
	/* v as a K x 1 matrix */
	else if (gemm(a->dtype, a->shape[0], 1, a->shape[1], ag_mat_of(a, 0, 1, 0),
		      ag_mat_of(v, 0, -1, 0), ag_data_ptr(out)) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return product(AG_OP_MV, out, a, v);
}

ag_tensor *ag_dot(ag_tensor *a, ag_tensor *b)
{
	if (check_pair(a, b, "dot") < 0)
		return NULL;
	if (a->ndim != 1 || b->ndim != 1) {
		ag_error(AG_ERR_SHAPE, "1D tensors expected, but got %dD and %dD "
			 "tensors", a->ndim, b->ndim);
		return NULL;
	}
	if (a->dtype != b->dtype) {
		ag_error(AG_ERR_DTYPE, "dot : expected both vectors to have same "
			 "dtype, but found %s and %s",
			 ag_dtype_scalar_name(a->dtype),
			 ag_dtype_scalar_name(b->dtype));
		return NULL;
	}
	if (a->shape[0] != b->shape[0]) {
		ag_error(AG_ERR_SHAPE, "inconsistent tensor size, expected tensor "
			 "[%lld] and src [%lld] to have the same number of "
			 "elements, but got %lld and %lld elements respectively",
			 (long long)a->shape[0], (long long)b->shape[0],
			 (long long)a->shape[0], (long long)b->shape[0]);
		return NULL;
	}
	if (check_dtypes(a, b, "dot") < 0)
		return NULL;

	ag_tensor *out = ag_tensor_alloc(NULL, 0, a->dtype);
	if (!out)
		return NULL;
	if (a->dtype == AG_BFLOAT16 && a->shape[0] <= AG_GEMV_BF16_MAX)
		*(uint16_t *)ag_data_ptr(out) = ag_dot_bf16(a->shape[0],
			ag_data_ptr(a), a->stride[0], ag_data_ptr(b), b->stride[0]);
	/* a as a 1 x K row, b as a K x 1 column */
	else if (gemm(a->dtype, 1, 1, a->shape[0], ag_mat_of(a, -1, 0, 0),
		      ag_mat_of(b, 0, -1, 0), ag_data_ptr(out)) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return product(AG_OP_DOT, out, a, b);
}

/* ---------------------------------------------------------------- matmul */

/*
 * PyTorch 1.13 folds the batch dims of a >= 3-d operand into the rows of
 * one mm/mv when the other operand is 1-d or 2-d, except for a 3-d tensor
 * whose last two dims are transposed (bmm reads that without a copy).
 */
static bool should_fold(const ag_tensor *t, int other_ndim)
{
	if (t->ndim < 3 || (other_ndim != 1 && other_ndim != 2))
		return false;
	if (t->ndim == 3 && other_ndim == 2 && t->stride[2] != 1 &&
	    t->stride[0] == t->shape[1] * t->shape[2])
		return false;
	return true;
}

ag_tensor *ag_unsafe_view(ag_tensor *r, const int64_t *shape, int n)
{
	int64_t stride[AG_MAX_DIMS];
	ag_shape in = ag_shape_of(r);
	ag_tensor *v;

	if (!ag_view_strides(r->shape, r->stride, r->ndim, shape, n, stride))
		return ag_view(r, shape, n);	/* fails the same way: its text */
	v = ag_tensor_make_view(r, shape, stride, n, r->offset);
	if (v) {	/* not a view in autograd's eyes: x._base is nil */
		ag_tensor_release(v->base);
		v->base = NULL;
	}
	return ag_recorded(v, (ag_call){ .op = AG_OP_UNSAFE_VIEW, .in = &r,
		.nin = 1, .args = &in, .args_size = sizeof in });
}

/* The larger operand (transposed if it is the right one) as rows of an
 * mm/mv with the smaller. */
static ag_tensor *matmul_fold(ag_tensor *a, ag_tensor *b)
{
	bool transpose = b->ndim > a->ndim;
	ag_tensor *t1 = NULL, *t2 = NULL, *t1f = NULL, *r = NULL, *o = NULL;
	ag_tensor *res = NULL;
	int64_t oshape[AG_MAX_DIMS], fshape[2], folded = 1;
	int n = 0;

	if (transpose) {
		t1 = ag_transpose(b, b->ndim - 2, b->ndim - 1);
		t2 = a->ndim == 2 ? ag_t(a) : (ag_tensor_retain(a), a);
	} else {
		t1 = (ag_tensor_retain(a), a);
		t2 = (ag_tensor_retain(b), b);
	}
	if (!t1 || !t2)
		goto out;
	for (; n < t1->ndim - 1; n++) {
		oshape[n] = t1->shape[n];
		folded *= t1->shape[n];
	}
	if (t2->ndim == 2)
		oshape[n++] = t2->shape[1];
	fshape[0] = folded;
	fshape[1] = t1->shape[t1->ndim - 1];
	if (!(t1f = ag_reshape(t1, fshape, 2)))
		goto out;
	r = t2->ndim == 2 ? ag_mm(t1f, t2) : ag_mv(t1f, t2);
	if (!r || !(o = ag_unsafe_view(r, oshape, n)))
		goto out;
	if (transpose && t2->ndim == 2) {
		ag_tensor *tt = ag_transpose(o, n - 2, n - 1);
		if (tt)
			res = ag_contiguous(tt);
		ag_tensor_release(tt);
	} else {
		res = o;
		o = NULL;
	}
out:
	ag_tensor_release(t1);
	ag_tensor_release(t2);
	ag_tensor_release(t1f);
	ag_tensor_release(r);
	ag_tensor_release(o);
	return res;
}

/* t broadcast to batch + [rows, cols] and flattened to [B, rows, cols]. */
static ag_tensor *expand_batch(ag_tensor *t, const int64_t *batch, int nb,
			       int64_t B, int64_t rows, int64_t cols)
{
	int64_t shape[AG_MAX_DIMS + 2], flat[3] = { B, rows, cols };
	ag_tensor *e, *r;

	memcpy(shape, batch, sizeof(int64_t) * (size_t)nb);
	shape[nb] = rows;
	shape[nb + 1] = cols;
	if (!(e = ag_expand(t, shape, nb + 2)))
		return NULL;
	r = ag_reshape(e, flat, 3);
	ag_tensor_release(e);
	return r;
}

/* Batch dims broadcast against each other, then one bmm. */
static ag_tensor *matmul_batched(ag_tensor *a, ag_tensor *b)
{
	int da = a->ndim, db = b->ndim;
	int64_t n = da > 1 ? a->shape[da - 2] : 1, m1 = a->shape[da - 1];
	int64_t m2 = db > 1 ? b->shape[db - 2] : b->shape[0];
	int64_t p = db > 1 ? b->shape[db - 1] : 1;
	int nb1 = da > 2 ? da - 2 : 0, nb2 = db > 2 ? db - 2 : 0, nb, no;
	int64_t batch[AG_MAX_DIMS], oshape[AG_MAX_DIMS], B = 1;
	ag_tensor *a3 = NULL, *b3 = NULL, *bv = NULL, *r = NULL, *res = NULL;

	if (ag_broadcast_shapes(a->shape, nb1, b->shape, nb2, batch, &nb) < 0)
		return NULL;
	for (int i = 0; i < nb; i++)
		B *= batch[i];
	/* a 1-d right operand is a column */
	if (db == 1)
		bv = ag_unsqueeze(b, 1);
	else
		bv = (ag_tensor_retain(b), b);
	if (!bv || !(a3 = expand_batch(a, batch, nb, B, n, m1)) ||
	    !(b3 = expand_batch(bv, batch, nb, B, m2, p)) ||
	    !(r = ag_bmm(a3, b3)))
		goto out;
	no = nb;
	memcpy(oshape, batch, sizeof(int64_t) * (size_t)nb);
	if (da > 1)
		oshape[no++] = n;
	if (db > 1)
		oshape[no++] = p;
	res = ag_unsafe_view(r, oshape, no);
out:
	ag_tensor_release(a3);
	ag_tensor_release(b3);
	ag_tensor_release(bv);
	ag_tensor_release(r);
	return res;
}

/* The [1, n] product of a 1-d @ 2-d matmul as [n]: PyTorch squeezes it
 * in place (squeeze_(0)), which names the node SqueezeBackward3. */
static ag_tensor *squeeze_row(ag_tensor *r)
{
	ag_dim_args arg = { .in = ag_shape_of(r), .dim = 0 };
	ag_tensor *v = ag_tensor_make_view(r, r->shape + 1, r->stride + 1, 1,
					   r->offset);
	return ag_recorded(v, (ag_call){ .op = AG_OP_SQUEEZE_DIM, .variant = 1,
		.in = &r, .nin = 1, .args = &arg, .args_size = sizeof arg });
}

ag_tensor *ag_matmul(ag_tensor *a, ag_tensor *b)
{
	if (check_pair(a, b, "matmul") < 0)
		return NULL;
	int da = a->ndim, db = b->ndim;

	if (da == 0 || db == 0) {
		ag_error(AG_ERR_SHAPE, "both arguments to matmul need to be at "
			 "least 1D, but they are %dD and %dD", da, db);
		return NULL;
	}
	if (da == 1 && db == 1)
		return ag_dot(a, b);
	if (da == 2 && db == 1)
		return ag_mv(a, b);
	if (da == 1 && db == 2) {
		ag_tensor *row = ag_unsqueeze(a, 0), *r = NULL, *res = NULL;
		if (row && (r = ag_mm(row, b)))
			res = squeeze_row(r);
		ag_tensor_release(row);
		ag_tensor_release(r);
		return res;
	}
	if (da == 2 && db == 2)
		return ag_mm(a, b);
	if (should_fold(a, db) || should_fold(b, da))
		return matmul_fold(a, b);
	return matmul_batched(a, b);
}
