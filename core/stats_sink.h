/*
 * stats_sink.h - a gradient's statistics gathered while a kernel writes
 * it, so the debugger's pass over every gradient (observe.c) reads it
 * while it is still in the cache rather than once more from memory.
 *
 * A contiguous gradient of more than AG_STATS_CHUNK elements has its
 * statistics computed a chunk of AG_STATS_CHUNK elements at a time, each
 * chunk on its own, the chunks' sums added in their order: the same
 * results whether a fresh pass or a sink computed the chunks, on any
 * number of threads.
 *
 *	ag_stats_sink s;
 *	ag_stats_sink_begin(&s, out);	   out: contiguous, just allocated
 *	... the kernel writes out, each thread telling which elements it has
 *	    finished:  ag_stats_sink_wrote(&s, from, to);
 *	ag_stats_sink_end(&s, out);	   the rest, then offered to the cache
 *					   (NULL: the kernel failed, drop it)
 *
 * A sink that may not be begun is set off first (s.part = NULL; the
 * struct is 4 KiB, not worth zeroing).  A sink does nothing (and costs
 * nothing) when no statistics are kept, when out is too small to be
 * chunked, or when memory is short; the fresh pass then computes what it
 * would have.  wrote() may be called from
 * OpenMP threads of one team, for disjoint ranges; begin and end from the
 * thread that runs the op.
 */
#ifndef AG_STATS_SINK_H
#define AG_STATS_SINK_H

#include "ag.h"

#define AG_STATS_CHUNK 16384		/* elements */
#define AG_STATS_MAX_THREADS 64

typedef struct ag_stats_part ag_stats_part;

typedef struct ag_stats_sink {
	ag_stats_part *part;	/* per chunk; NULL: the sink is off */
	const char *base;
	ag_dtype dtype;
	int64_t n, nchunks;
	/* per thread: where the range it has written without a gap ends,
	 * and the first chunk of that range not yet counted (a cache line
	 * each: threads write them at every row) */
	struct { int64_t to, next, pad[6]; } span[AG_STATS_MAX_THREADS];
} ag_stats_sink;

void ag_stats_sink_begin(ag_stats_sink *s, const ag_tensor *out);
void ag_stats_sink_wrote(ag_stats_sink *s, int64_t from, int64_t to);
void ag_stats_sink_end(ag_stats_sink *s, ag_tensor *out);
/* How many sinks have offered their statistics so far (for tests). */
uint64_t ag_stats_offered(void);
static inline bool ag_stats_sink_on(const ag_stats_sink *s) { return s->part != NULL; }

#endif
