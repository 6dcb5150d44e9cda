/*
 * simd.c - which vector paths this CPU may take (simd.h).
 */
#include "simd.h"

#include <stdlib.h>
#include <string.h>
#if AG_HAVE_X86_SIMD
#include <cpuid.h>
#endif
#if AG_HAVE_X86_SIMD && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

static int enabled = -1;	/* -1: not read from the environment yet */

static bool simd_enabled(void)
{
	if (enabled < 0) {
		const char *e = getenv("AGDB_SIMD");
		enabled = !(e && strcmp(e, "off") == 0);
	}
	return enabled;
}

void ag_simd_set_enabled(bool on) { enabled = on; }

#if AG_HAVE_X86_SIMD
/* F16C is CPUID leaf 1, ECX bit 29. Asked directly: clang's
 * __builtin_cpu_supports does not know the "f16c" feature name. */
static bool cpu_f16c(void)
{
	/* asked once: CPUID is slow, and in a virtual machine a trap to the
	 * hypervisor (microseconds), while this is asked for every block of
	 * a 16-bit float conversion */
	static int f16c = -1;
	unsigned a, b, c, d;

	if (f16c < 0)
		f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
	return f16c;
}
#endif

/* __builtin_cpu_supports reads CPUID and XCR0 (the OS saves the
 * registers) once, before main. */
bool ag_cpu_avx2(void)
{
#if AG_HAVE_X86_SIMD
	return simd_enabled() && __builtin_cpu_supports("avx2") &&
	       cpu_f16c() && __builtin_cpu_supports("popcnt");
#else
	return false;
#endif
}

/* AVX-512 F, BW and VL (and F16C, for float16's conversions); clang-14
 * knows these names. */
bool ag_cpu_avx512(void)
{
#if AG_HAVE_X86_SIMD
	return ag_cpu_avx2() && __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl");
#else
	return false;
#endif
}

/* AVX-512 BF16: CPUID leaf 7, subleaf 1, EAX bit 5 (asked once; the OS
 * saves the registers ag_cpu_avx512 needs). */
bool ag_cpu_avx512_bf16(void)
{
#if AG_HAVE_X86_SIMD
	static int bf16 = -1;
	unsigned a, b, c, d;

	if (bf16 < 0)
		bf16 = __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5));
	return bf16 && ag_cpu_avx512();
#else
	return false;
#endif
}

bool ag_cpu_prefetch_ahead(void)
{
	static int ahead = -1;	/* read once */

	if (ahead < 0) {
		const char *e = getenv("AGDB_PREFETCH");
		if (e && (strcmp(e, "0") == 0 || strcmp(e, "1") == 0))
			ahead = *e == '1';
		else
#if AG_HAVE_X86_SIMD
			ahead = !__builtin_cpu_is("amd");
#else
			ahead = 0;
#endif
	}
	return ahead;
}

#if AG_HAVE_X86_SIMD && defined(__linux__)
/* Linux's arch_prctl request for the tile data state (XTILEDATA) */
#define REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static int amx = -1;	/* not asked yet */

/* AMX with bfloat16: CPUID leaf 7 EDX bits 24 (tiles) and 22 (bf16), the
 * OS saving the tile state (XCR0 bits 17 and 18, OSXSAVE first), and the
 * process's permission to use it, asked of Linux once. */
static bool amx_usable(void)
{
	unsigned a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) ||
	    !(d & (1u << 24)) || !(d & (1u << 22)))
		return false;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	if ((lo & (3u << 17)) != (3u << 17))
		return false;
	return syscall(SYS_arch_prctl, REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}
#endif

bool ag_cpu_amx_bf16(void)
{
#if AG_HAVE_X86_SIMD && defined(__linux__)
	if (!simd_enabled())
		return false;
	if (amx < 0)
		amx = amx_usable();
	return amx;
#else
	return false;
#endif
}
