/*
 * simd.c - which vector paths this CPU may take (simd.h).
 */
#include "simd.h"

#include <stdlib.h>
#include <string.h>
#if AG_HAVE_X86_SIMD
#include <cpuid.h>
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
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	return (c & bit_F16C) != 0;
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
