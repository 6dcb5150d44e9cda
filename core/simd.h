/*
 * simd.h - vector kernels chosen at run time.  The build targets the
 * baseline x86-64 (SSE2), so the wider paths are compiled per function
 * with __attribute__((target(...))) and taken only when the CPU (and the
 * OS, which must save the wider registers) supports them; every such path
 * has a portable twin that gives the same results, which the tests run too
 * (ag_simd_set_enabled(false), or AGDB_SIMD=off in the environment).
 */
#ifndef AG_SIMD_H
#define AG_SIMD_H

#include <stdbool.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(AG_NO_X86_SIMD)
#define AG_HAVE_X86_SIMD 1
#include <immintrin.h>
#else
#define AG_HAVE_X86_SIMD 0
#endif

/* May AVX2 + F16C code run? */
bool ag_cpu_avx2(void);
/* May AVX-512 F/BW/VL code (with F16C) run? */
bool ag_cpu_avx512(void);
/* May AVX-512 BF16 code (VCVTNEPS2BF16) run, beside ag_cpu_avx512's? */
bool ag_cpu_avx512_bf16(void);
/* May AMX tiles multiply bfloat16 here (CPU, OS and, on first call, the
 * process's permission from Linux)? */
bool ag_cpu_amx_bf16(void);
/* Should a loop that streams through memory prefetch its inputs ahead
 * (_mm_prefetch)?  Measured per vendor: on Intel (Emerald Rapids) it
 * keeps more requests in flight than one core's loads do; on AMD (Zen 4)
 * the hardware prefetchers already do, and the extra instructions cost.
 * AGDB_PREFETCH=0 or 1 in the environment overrides (for measuring). */
bool ag_cpu_prefetch_ahead(void);
/* Turns the vector paths off (the portable ones run) or back on. */
void ag_simd_set_enabled(bool on);

#endif
