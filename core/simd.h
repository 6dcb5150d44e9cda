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
 * (_mm_prefetch)?  By vendor, from two machines: on Intel (Emerald
 * Rapids) half_ew.c's passes gained by it; on AMD (Zen 4) they ran
 * faster without (a * b bfloat16 10M, 1 thread, CPU time: 2.2-2.4 ms
 * with, 1.7-1.9 without), so not on AMD.  AGDB_PREFETCH=0 or 1 in the environment overrides (for
 * measuring). */
bool ag_cpu_prefetch_ahead(void);
/* Turns the vector paths off (the portable ones run) or back on. */
void ag_simd_set_enabled(bool on);

#endif
