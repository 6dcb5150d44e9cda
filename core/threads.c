/*
 * threads.c - how many threads core's parallel loops and BLAS use.
 *
 * PyTorch starts with one intra-op thread per physical core, not per
 * logical CPU: on a machine whose CPUs are hyperthread pairs the second
 * thread of a pair adds little, and when other processes share the
 * machine a team of spinning threads costs far more than it gains.  agdb
 * starts the same way (ag_threads_init, once, from the program), unless
 * OMP_NUM_THREADS says otherwise; torch.set_num_threads changes it.
 */
#define _GNU_SOURCE	/* sched_getaffinity, cpu_set_t */
#include "ag.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* OpenBLAS's own thread pool: set when the library is OpenBLAS (weak, so
 * another CBLAS links too). */
extern void openblas_set_num_threads(int n) __attribute__((weak));

static int read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int ok = f && fscanf(f, "%d", v) == 1;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* Physical cores among the CPUs this process may run on: distinct
 * (package, core) pairs of Linux's topology; the CPU count when the
 * topology cannot be read. */
int ag_physical_cores(void)
{
	cpu_set_t set;
	int cores = 0;
	int seen_pkg[256], seen_core[256];

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		char path[128];
		int pkg, core;
		bool dup = false;

		if (!CPU_ISSET(cpu, &set))
			continue;
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/"
			 "physical_package_id", cpu);
		if (read_int(path, &pkg) < 0)
			return CPU_COUNT(&set);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/"
			 "core_id", cpu);
		if (read_int(path, &core) < 0)
			return CPU_COUNT(&set);
		for (int i = 0; i < cores && !dup; i++)
			dup = seen_pkg[i] == pkg && seen_core[i] == core;
		if (!dup) {
			if (cores == 256)
				return CPU_COUNT(&set);
			seen_pkg[cores] = pkg;
			seen_core[cores++] = core;
		}
	}
	return cores > 0 ? cores : 1;
}

void ag_set_num_threads(int n)
{
	if (n < 1)
		n = 1;
#ifdef _OPENMP
	omp_set_num_threads(n);
#endif
	if (openblas_set_num_threads)
		openblas_set_num_threads(n);
}

int ag_get_num_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

void ag_threads_init(void)
{
	const char *e = getenv("OMP_NUM_THREADS");
	if (e && *e)
		return;		/* the user's choice (OpenBLAS reads its own) */
	ag_set_num_threads(ag_physical_cores());
}
