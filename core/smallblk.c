/*
 * smallblk.c - zeroed blocks for autograd's per-op bookkeeping (a node
 * with its payload, its edge array, its gradient statistics, a tensor's
 * autograd metadata) from bounded free lists of their size class.
 *
 * A step of a script makes and frees the same few blocks every time.
 * calloc does not use glibc's per-thread cache and a node is larger than
 * that cache's blocks anyway, so each one went through malloc's bins
 * (~150-250 instructions a block, and as much again to free it).  Here a
 * freed block is filed by the size malloc says it has, whoever allocated
 * it (so a block from plain calloc may be given to ag_small_free and one
 * from ag_small_calloc to free), and each class keeps a bounded number:
 * past the bound a block goes back to malloc.  Core's bookkeeping runs on
 * one thread (the one that records and runs backward), as the tensor
 * header lists of tensor.c do.
 */
#include "internal.h"

#include <malloc.h>

#define CLASS_BYTES 16
#define N_CLASSES 96		/* blocks of up to 1,536 bytes */
#define CLASS_KEEP 256		/* blocks kept per class */

typedef struct free_block {
	struct free_block *next;
} free_block;

static free_block *lists[N_CLASSES];
static unsigned kept[N_CLASSES];

void *ag_small_calloc(size_t n)
{
	size_t k = (n + CLASS_BYTES - 1) / CLASS_BYTES;
	unsigned c = k == 0 ? 0 : (unsigned)k - 1;

	if (k > N_CLASSES)
		return calloc(1, n);
	free_block *b = lists[c];
	if (!b)
		return calloc(1, (size_t)(c + 1) * CLASS_BYTES);
	lists[c] = b->next;
	kept[c]--;
	memset(b, 0, n);
	return b;
}

void ag_small_free(void *p)
{
	if (!p)
		return;
	/* the largest class the block can hold */
	size_t k = malloc_usable_size(p) / CLASS_BYTES;
	if (k == 0 || k > N_CLASSES || kept[k - 1] >= CLASS_KEEP) {
		free(p);
		return;
	}
	free_block *b = p;
	b->next = lists[k - 1];
	lists[k - 1] = b;
	kept[k - 1]++;
}
