/*
 * lalloc.c - the allocator of agdb's Lua state: small blocks (a tensor's
 * box, a table's node array, a short string) come from free lists of
 * their size class, kept hot, and go back to them.
 *
 * A loop of small ops makes a box per op and the collector frees them a
 * few hundred at a time; through malloc that burst overflows glibc's
 * per-thread cache into its shared bins, which take atomic operations as
 * soon as the process has a second thread (OpenBLAS's or OpenMP's): the
 * per-op cost at 2 threads was ~60 instructions and ~20 atomics more than
 * at 1.  Here a freed block is filed by the size malloc says it has
 * (whoever allocated it, so blocks made before the state switched to this
 * allocator are safe too), and the lists are bounded: past the bound a
 * block goes back to malloc, so memory accounting stays honest.  The
 * state is used from one thread only (the main one).
 */
#include "repl.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define CLASS_BYTES 16
#define N_CLASSES 16		/* blocks of up to 256 bytes */
#define CLASS_KEEP 2048		/* blocks kept per class */

typedef struct free_block {
	struct free_block *next;
} free_block;

static free_block *lists[N_CLASSES];
static unsigned kept[N_CLASSES];

/* The class a request of n bytes takes (N_CLASSES: none). */
static unsigned class_for(size_t n)
{
	size_t k = (n + CLASS_BYTES - 1) / CLASS_BYTES;
	return k == 0 ? 0 : k <= N_CLASSES ? (unsigned)k - 1 : N_CLASSES;
}

static void release(void *p)
{
	size_t usable = malloc_usable_size(p);
	/* the largest class the block can hold */
	size_t k = usable / CLASS_BYTES;

	if (k == 0 || k > N_CLASSES || kept[k - 1] >= CLASS_KEEP) {
		free(p);
		return;
	}
	free_block *b = p;
	b->next = lists[k - 1];
	lists[k - 1] = b;
	kept[k - 1]++;
}

static void *obtain(size_t n)
{
	unsigned c = class_for(n);

	if (c == N_CLASSES)
		return malloc(n);
	if (lists[c]) {
		free_block *b = lists[c];
		lists[c] = b->next;
		kept[c]--;
		return b;
	}
	return malloc((size_t)(c + 1) * CLASS_BYTES);
}

void *repl_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	(void)ud;
	if (nsize == 0) {
		if (ptr)
			release(ptr);
		return NULL;
	}
	if (!ptr)
		return obtain(nsize);
	/* a resize: in place while the block holds it and is not far too
	 * big; between large blocks, realloc's */
	size_t usable = malloc_usable_size(ptr);
	if (nsize <= usable && (nsize > usable / 2 || usable <= CLASS_BYTES))
		return ptr;
	if (usable > N_CLASSES * CLASS_BYTES && class_for(nsize) == N_CLASSES)
		return realloc(ptr, nsize);
	void *q = obtain(nsize);
	if (!q)	/* a shrink cannot fail: the block still holds it */
		return nsize <= usable ? ptr : NULL;
	memcpy(q, ptr, osize < nsize ? osize : nsize);
	release(ptr);
	return q;
}
