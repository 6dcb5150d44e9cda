/*
 * stream_f32.c - dense float32 add/sub/mul/div past the caches
 * (stream_f32.h).
 *
 * A 10M-element a + b reads 80 MB and writes 40: it runs at the speed one
 * core can keep memory requests in flight.  Measured on this machine
 * (Emerald Rapids, C loops on recycled 40 MB buffers, 1 thread, CPU
 * time, bench/README "half2"): plain stores 10.4 ms (each output line
 * is read before it is written), SSE2 non-temporal stores 6.9-7.8,
 * AVX-512 non-temporal stores 6.0-6.4, and with the inputs prefetched
 * into L2 2 KiB ahead 5.8-6.1.  So: 64-byte non-temporal stores, one
 * whole output line each, and a prefetch of each input's line 2 KiB
 * ahead (prefetches past the end are harmless: they never fault).
 */
#include "stream_f32.h"

#include "simd.h"
#include "vmath.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* bytes ahead of the loads that the inputs are prefetched */
#define PREFETCH_AHEAD 2048

#if AG_HAVE_X86_SIMD
#define AG_Z512 __attribute__((target("avx512f")))

static AG_Z512 inline __mmask16 lanes(int64_t n)
{
	return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
}

/* The lead up to o's first 64-byte boundary and the tail by masked
 * stores, the lines between by non-temporal ones. */
#define Z_LOOP(VOP)							\
	do {								\
		int64_t lead = (int64_t)((64 - ((uintptr_t)o & 63)) & 63) / 4; \
		lead = lead < n ? lead : n;				\
		__m512 y = _mm512_set1_ps(b[0]);			\
		if (lead) {						\
			__mmask16 m = lanes(lead);			\
			__m512 v = ys ? _mm512_maskz_loadu_ps(m, b) : y; \
			_mm512_mask_storeu_ps(o, m,			\
				VOP(_mm512_maskz_loadu_ps(m, a), v));	\
		}							\
		int64_t i = lead;					\
		if (ys) {						\
			for (; i + 16 <= n; i += 16) {			\
				_mm_prefetch((const char *)(a + i) + PREFETCH_AHEAD, _MM_HINT_T1); \
				_mm_prefetch((const char *)(b + i) + PREFETCH_AHEAD, _MM_HINT_T1); \
				_mm512_stream_ps(o + i, VOP(_mm512_loadu_ps(a + i), \
							   _mm512_loadu_ps(b + i))); \
			}						\
		} else {						\
			for (; i + 16 <= n; i += 16) {			\
				_mm_prefetch((const char *)(a + i) + PREFETCH_AHEAD, _MM_HINT_T1); \
				_mm512_stream_ps(o + i, VOP(_mm512_loadu_ps(a + i), y)); \
			}						\
		}							\
		if (i < n) {						\
			__mmask16 m = lanes(n - i);			\
			__m512 v = ys ? _mm512_maskz_loadu_ps(m, b + i) : y; \
			_mm512_mask_storeu_ps(o + i, m,			\
				VOP(_mm512_maskz_loadu_ps(m, a + i), v)); \
		}							\
	} while (0)

static AG_Z512 void arith_avx512(ag_op op, float *o, const float *a,
				 const float *b, bool ys, int64_t n)
{
	switch (op) {
	case AG_OP_ADD: Z_LOOP(_mm512_add_ps); break;
	case AG_OP_SUB: Z_LOOP(_mm512_sub_ps); break;
	case AG_OP_MUL: Z_LOOP(_mm512_mul_ps); break;
	default: Z_LOOP(_mm512_div_ps); break;
	}
	_mm_sfence();
}
#endif

#ifdef __SSE2__
/* The portable twin (the baseline x86-64): 16-byte non-temporal stores. */
#define SSE_LOOP(OP, VOP)						\
	do {								\
		int64_t i = 0;						\
		for (; i < n && ((uintptr_t)(o + i) & 15); i++)		\
			o[i] = a[i] OP (ys ? b[i] : b[0]);		\
		if (ys) {						\
			for (; i + 4 <= n; i += 4)			\
				_mm_stream_ps(o + i, VOP(_mm_loadu_ps(a + i), \
							 _mm_loadu_ps(b + i))); \
		} else {						\
			__m128 y = _mm_set1_ps(b[0]);			\
			for (; i + 4 <= n; i += 4)			\
				_mm_stream_ps(o + i, VOP(_mm_loadu_ps(a + i), y)); \
		}							\
		for (; i < n; i++)					\
			o[i] = a[i] OP (ys ? b[i] : b[0]);		\
	} while (0)
#endif

bool ag_stream_arith_f32(ag_op op, float *o, const float *a, const float *b,
			 bool ys, int64_t n)
{
	if (op == AG_OP_MAXIMUM || op == AG_OP_MINIMUM)	/* vmath.c */
		return ag_vm_minmax_stream_f32(op, o, a, b, ys, n);
	if (op != AG_OP_ADD && op != AG_OP_SUB && op != AG_OP_MUL &&
	    op != AG_OP_DIV)
		return false;
#if AG_HAVE_X86_SIMD
	/* floats not 4-byte aligned (a byte offset into a storage) never
	 * reach a 64-byte boundary: the SSE2 loop writes them */
	if (!((uintptr_t)o & 3) && ag_cpu_avx512()) {
		arith_avx512(op, o, a, b, ys, n);
		return true;
	}
#endif
#ifdef __SSE2__
	switch (op) {
	case AG_OP_ADD: SSE_LOOP(+, _mm_add_ps); break;
	case AG_OP_SUB: SSE_LOOP(-, _mm_sub_ps); break;
	case AG_OP_MUL: SSE_LOOP(*, _mm_mul_ps); break;
	default: SSE_LOOP(/, _mm_div_ps); break;
	}
	_mm_sfence();
	return true;
#else
	(void)o; (void)a; (void)b; (void)ys; (void)n;
	return false;
#endif
}
