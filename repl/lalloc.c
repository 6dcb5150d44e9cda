/*
 * lalloc.c - the allocator of agdb's Lua state: small blocks (a tensor's
 * box, a table's node array, a short string) come from core's free lists
 * of their size class (core/smallblk.c), kept hot, and go back to them.
 *
 * A loop of small ops makes a box per op and the collector frees them a
 * few hundred at a time; through malloc that burst overflows glibc's
 * per-thread cache into its shared bins, which take atomic operations as
 * soon as the process has a second thread (OpenBLAS's or OpenMP's): the
 * per-op cost at 2 threads was ~60 instructions and ~20 atomics more than
 * at 1.  The lists file a block by the size malloc says it has (whoever
 * allocated it, so blocks made before the state switched to this
 * allocator are safe too), and are bounded: past the bound a block goes
 * back to malloc, so memory accounting stays honest.  The state is used
 * from one thread only (the main one).
 */
#include "repl.h"
#include "ag.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define CLASS_BYTES 16
#define LARGE 256		/* past this, a resize between large blocks is realloc's */

void *repl_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	(void)ud;
	if (nsize == 0) {
		ag_small_free(ptr);
		return NULL;
	}
	if (!ptr)
		return ag_small_alloc(nsize);
	/* a resize: in place while the block holds it and is not far too
	 * big; between large blocks, realloc's */
	size_t usable = malloc_usable_size(ptr);
	if (nsize <= usable && (nsize > usable / 2 || usable <= CLASS_BYTES))
		return ptr;
	if (usable > LARGE && nsize > LARGE)
		return realloc(ptr, nsize);
	void *q = ag_small_alloc(nsize);
	if (!q)	/* a shrink cannot fail: the block still holds it */
		return nsize <= usable ? ptr : NULL;
	memcpy(q, ptr, osize < nsize ? osize : nsize);
	ag_small_free(ptr);
	return q;
}
