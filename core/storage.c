/*
 * storage.c - refcounted byte buffers, and the registry of live ones.
 *
 * The registry is a doubly linked list so the debugger can enumerate what
 * memory is alive; it holds no reference (a storage leaves it when freed).
 */
#include "internal.h"

#include <sys/mman.h>

/* Large buffers come straight from mmap: zeroed lazily by the kernel and
 * returned on free.  (calloc would do the same only until glibc raises its
 * mmap threshold, after which every big tensor is memset on the heap.) */
#define MMAP_MIN_BYTES ((size_t)1 << 20)

static void *buffer_alloc(size_t nbytes, bool zero)
{
	/* a buffer every element of which is about to be written: reuse
	 * heap memory (no page faults, no zeroing) */
	if (!zero)
		return malloc(nbytes ? nbytes : 1);
	if (nbytes >= MMAP_MIN_BYTES) {
		void *p = mmap(NULL, nbytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	return calloc(nbytes ? nbytes : 1, 1);
}

static void buffer_free(void *p, size_t nbytes, bool mapped)
{
	if (mapped)
		munmap(p, nbytes);
	else
		free(p);
}

static ag_storage *storage_head;
static uint64_t storage_next_id = 1;
static size_t bytes_live;
static void (*alloc_observer)(size_t, void *);
static void *alloc_observer_ud;

void ag_set_alloc_observer(void (*fn)(size_t nbytes, void *ud), void *ud)
{
	alloc_observer = fn;
	alloc_observer_ud = ud;
}

static ag_storage *storage_new(size_t nbytes, bool zero)
{
	ag_storage *s = calloc(1, sizeof *s);
	if (!s) {
		ag_error(AG_ERR_NOMEM, "out of memory allocating a storage");
		return NULL;
	}
	s->data = buffer_alloc(nbytes, zero);
	s->mapped = zero && nbytes >= MMAP_MIN_BYTES;
	if (!s->data) {
		free(s);
		ag_error(AG_ERR_NOMEM,
			 "DefaultCPUAllocator: not enough memory: you tried to "
			 "allocate %zu bytes.", nbytes);
		return NULL;
	}
	s->refcount = 1;
	s->nbytes = nbytes;
	s->id = storage_next_id++;
	s->reg_next = storage_head;
	if (storage_head)
		storage_head->reg_prev = s;
	storage_head = s;
	bytes_live += nbytes;
	if (alloc_observer)
		alloc_observer(nbytes, alloc_observer_ud);
	return s;
}

ag_storage *ag_storage_new(size_t nbytes) { return storage_new(nbytes, true); }
ag_storage *ag_storage_new_uninit(size_t nbytes) { return storage_new(nbytes, false); }

void ag_storage_retain(ag_storage *s)
{
	if (s)
		s->refcount++;
}

void ag_storage_release(ag_storage *s)
{
	if (!s || --s->refcount > 0)
		return;
	if (s->reg_prev)
		s->reg_prev->reg_next = s->reg_next;
	else
		storage_head = s->reg_next;
	if (s->reg_next)
		s->reg_next->reg_prev = s->reg_prev;
	bytes_live -= s->nbytes;
	buffer_free(s->data, s->nbytes, s->mapped);
	free(s);
}

ag_storage *ag_storage_registry_first(void) { return storage_head; }
ag_storage *ag_storage_registry_next(const ag_storage *s) { return s->reg_next; }
size_t ag_storage_bytes_live(void) { return bytes_live; }
