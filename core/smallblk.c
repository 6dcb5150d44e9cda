/*
 * smallblk.c - small blocks from bounded free lists of their size class:
 * autograd's per-op bookkeeping (a node with its payload, its edge array,
 * its gradient statistics, a tensor's autograd metadata) and the REPL's
 * Lua allocator (a tensor's box, a table's parts, a short string).
 *
 * A step of a script makes and frees the same few blocks every time.
 * calloc does not use glibc's per-thread cache and a node is larger than
 * that cache's blocks anyway, so each one went through malloc's bins
 * (~150-250 instructions a block, and as much again to free it); the Lua
 * side frees its boxes a collection's burst at a time, more than that
 * cache holds, and past it glibc's shared bins take atomics once the
 * process has a second thread.  Here a freed block is filed by the size
 * malloc says it has, whoever allocated it (so a block from plain malloc
 * may be given to ag_small_free and one from ag_small_alloc to free), and
 * each class keeps a bounded number: past the bound a block goes back to
 * malloc, so memory accounting stays honest.  Used from one thread (the
 * one that runs Lua, records and runs backward), as the tensor header
 * lists of tensor.c are.
 */
#include "internal.h"

#include <malloc.h>

#define CLASS_BYTES 16
#define N_CLASSES 96		/* blocks of up to 1,536 bytes */
#define SMALL_CLASSES 16	/* up to 256 bytes: a collection's burst */
#define KEEP_SMALL 2048		/* blocks kept per class up to 256 bytes */
#define KEEP_LARGE 64		/* and above */

typedef struct free_block {
	struct free_block *next;
} free_block;

static free_block *lists[N_CLASSES];
static unsigned kept[N_CLASSES];

void *ag_small_alloc(size_t n)
{
	size_t k = (n + CLASS_BYTES - 1) / CLASS_BYTES;
	unsigned c = k == 0 ? 0 : (unsigned)k - 1;

	if (k > N_CLASSES)
		return malloc(n);
	free_block *b = lists[c];
	if (!b)
		return malloc((size_t)(c + 1) * CLASS_BYTES);
	lists[c] = b->next;
	kept[c]--;
	return b;
}

void *ag_small_calloc(size_t n)
{
	void *p = ag_small_alloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

void ag_small_free(void *p)
{
	if (!p)
		return;
	/* the largest class the block can hold */
	size_t k = malloc_usable_size(p) / CLASS_BYTES;
	if (k == 0 || k > N_CLASSES ||
	    kept[k - 1] >= (k <= SMALL_CLASSES ? KEEP_SMALL : KEEP_LARGE)) {
		free(p);
		return;
	}
	free_block *b = p;
	b->next = lists[k - 1];
	lists[k - 1] = b;
	kept[k - 1]++;
}
