/*
 * storage.c - refcounted byte buffers, and the registry of live ones.
 *
 * The registry is a doubly linked list so the debugger can enumerate what
 * memory is alive; it holds no reference (a storage leaves it when freed).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * Large buffers (1 MiB and more) come from mmap, and a freed one is kept
 * in a small cache for the next request of its size class instead of
 * going back to the OS: a fresh mapping costs a page fault (and the
 * kernel zeroing the page) on every first touch of each 4 KiB, which is
 * most of the time of an elementwise op on 10M elements; a recycled one
 * costs none.  Size classes keep the waste under 1/8: a request is
 * rounded up to whole pages and then to 4 significant bits.  The cache
 * is bounded (CACHE_MAX_BYTES, or AGDB_STORAGE_CACHE_MB in the
 * environment; 0 turns it off) and gives back its least recently used
 * buffers beyond that; a failed mapping empties it and tries again.
 * Cached bytes are not live: ag_storage_bytes_live counts storages,
 * ag_storage_bytes_cached the cache.
 *
 * A mapping of 2 MiB or more asks for transparent huge pages
 * (MADV_HUGEPAGE: this machine's THP setting is "madvise", so nothing
 * gets them unasked): a 40 MB tensor then takes 20 TLB entries instead of
 * 9,766, and a storage-cache miss 20 page faults instead of 9,766.  On a
 * 10M-element a + b over recycled buffers (C loop, 1 thread) it saved
 * 0.1-0.5 of 6-7 ms, within the noise of a loaded machine (bench/README,
 * "half2").  AGDB_STORAGE_THP=0 leaves the pages small (for measuring).
 */
#define MMAP_MIN_BYTES ((size_t)1 << 20)
#define CACHE_SLOTS 32
#define CACHE_MAX_BYTES ((size_t)256 << 20)

static struct cache_slot {
	void *p;
	size_t nbytes;		/* the size class */
	uint64_t used;		/* when it was cached (LRU) */
} cache[CACHE_SLOTS];
static size_t cache_bytes, cache_limit = (size_t)-1;
static uint64_t cache_clock;

static size_t cache_max(void)
{
	if (cache_limit == (size_t)-1) {
		const char *e = getenv("AGDB_STORAGE_CACHE_MB");
		char *end;
		unsigned long long mb = e ? strtoull(e, &end, 10) : 0;
		cache_limit = e && *e && !*end && mb < ((size_t)-1 >> 21)
			? (size_t)mb << 20 : CACHE_MAX_BYTES;
	}
	return cache_limit;
}

/* The size class of a mapped buffer of n bytes. */
static size_t size_class(size_t n)
{
	size_t page = 4096, c = (n + page - 1) & ~(page - 1);
	int bits = 0;
	for (size_t v = c; v > 15; v >>= 1)
		bits++;
	size_t step = (size_t)1 << bits;	/* keep the top 4 bits */
	return step > page ? (c + step - 1) & ~(step - 1) : c;
}

static void cache_drop(int i)
{
	munmap(cache[i].p, cache[i].nbytes);
	cache_bytes -= cache[i].nbytes;
	cache[i].p = NULL;
}

void ag_storage_cache_trim(size_t keep)
{
	while (cache_bytes > keep) {
		int lru = -1;
		for (int i = 0; i < CACHE_SLOTS; i++)
			if (cache[i].p && (lru < 0 || cache[i].used < cache[lru].used))
				lru = i;
		cache_drop(lru);
	}
}

size_t ag_storage_bytes_cached(void) { return cache_bytes; }

static void *cache_take(size_t nbytes)
{
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].p && cache[i].nbytes == nbytes) {
			void *p = cache[i].p;
			cache[i].p = NULL;
			cache_bytes -= nbytes;
			return p;
		}
	return NULL;
}

static void cache_put(void *p, size_t nbytes)
{
	size_t max = cache_max();
	int slot = -1;
	if (nbytes > max) {
		munmap(p, nbytes);
		return;
	}
	ag_storage_cache_trim(max - nbytes);
	for (int i = 0; i < CACHE_SLOTS && slot < 0; i++)
		if (!cache[i].p)
			slot = i;
	if (slot < 0) {		/* every slot taken: the oldest goes */
		slot = 0;
		for (int i = 1; i < CACHE_SLOTS; i++)
			if (cache[i].used < cache[slot].used)
				slot = i;
		cache_drop(slot);
	}
	cache[slot] = (struct cache_slot){ p, nbytes, ++cache_clock };
	cache_bytes += nbytes;
}

#define HUGE_MIN_BYTES ((size_t)2 << 20)

/* A fresh mapping of c bytes (MAP_FAILED when there is none). */
static void *map_fresh(size_t c)
{
	static int thp_flag = -1;	/* read once; any thread may ask */
	void *p = mmap(NULL, c, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int thp = __atomic_load_n(&thp_flag, __ATOMIC_RELAXED);

	if (thp < 0) {
		const char *e = getenv("AGDB_STORAGE_THP");
		thp = !(e && strcmp(e, "0") == 0);
		__atomic_store_n(&thp_flag, thp, __ATOMIC_RELAXED);
	}
#ifdef MADV_HUGEPAGE
	if (p != MAP_FAILED && thp && c >= HUGE_MIN_BYTES)
		madvise(p, c, MADV_HUGEPAGE);	/* a hint: failure is harmless */
#endif
	return p;
}

static void *buffer_alloc(size_t nbytes, bool zero)
{
	if (nbytes >= MMAP_MIN_BYTES) {
		size_t c = size_class(nbytes);
		void *p = cache_take(c);
		if (p) {
			if (zero)
				memset(p, 0, nbytes);
			return p;
		}
		p = map_fresh(c);
		if (p == MAP_FAILED && cache_bytes) {
			ag_storage_cache_trim(0);
			p = map_fresh(c);
		}
		return p == MAP_FAILED ? NULL : p;	/* fresh pages are zero */
	}
	/* a buffer every element of which is about to be written: reuse
	 * heap memory (no page faults, no zeroing) */
	if (!zero)
		return malloc(nbytes ? nbytes : 1);
	return calloc(nbytes ? nbytes : 1, 1);
}

static void buffer_free(void *p, size_t nbytes, bool mapped)
{
	if (mapped)
		cache_put(p, size_class(nbytes));
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

/* Small buffers (a number, a short vector: most of what a per-op loop on
 * small tensors makes) live in the storage's own heap block, after its
 * header: one allocation instead of two.  The header is padded so the
 * data is 64-byte aligned within the block (16 in memory, as malloc's). */
#define INLINE_MAX 256
#define INLINE_HEAD ((sizeof(ag_storage) + 63) & ~(size_t)63)

static bool data_inline(const ag_storage *s)
{
	return s->data == (const char *)s + INLINE_HEAD;
}

/* Blocks of storages with inline data come in three size classes (data of
 * at most 16, 64 and INLINE_MAX bytes), and a freed one waits on its
 * class's bounded free list for the next small tensor instead of going
 * back to malloc (as tensor headers do, tensor.c); the bounds keep the
 * lists under 3 MiB together.  Listed blocks hold no live bytes:
 * ag_storage_bytes_live counts storages only. */
#define SMALL_CLASSES 3
#define SMALL_FREE_MAX 16384

static const size_t small_bytes[SMALL_CLASSES] = { 16, 64, INLINE_MAX };
static const int small_free_max[SMALL_CLASSES] = { 16384, 8192, 2048 };
static ag_storage *small_free[SMALL_CLASSES][SMALL_FREE_MAX];
static int n_small_free[SMALL_CLASSES];

static int small_class(size_t nbytes)
{
	return nbytes <= 16 ? 0 : nbytes <= 64 ? 1 : 2;
}

static ag_storage *small_block(size_t nbytes, bool zero)
{
	int c = small_class(nbytes);
	ag_storage *s = n_small_free[c] ? small_free[c][--n_small_free[c]]
				       : malloc(INLINE_HEAD + small_bytes[c]);
	if (!s)
		return NULL;
	memset(s, 0, sizeof *s);
	if (zero)
		memset((char *)s + INLINE_HEAD, 0, nbytes);
	return s;
}

/* A new storage of nbytes joins the registry, counted live. */
static void register_live(ag_storage *s, size_t nbytes)
{
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
}

static ag_storage *storage_new(size_t nbytes, bool zero)
{
	bool inl = nbytes <= INLINE_MAX;
	ag_storage *s = inl ? small_block(nbytes, zero) : calloc(1, sizeof *s);
	if (!s) {
		ag_error(AG_ERR_NOMEM, "out of memory allocating a storage");
		return NULL;
	}
	s->data = inl ? (char *)s + INLINE_HEAD : buffer_alloc(nbytes, zero);
	s->mapped = nbytes >= MMAP_MIN_BYTES;
	if (!s->data) {
		free(s);
		ag_error(AG_ERR_NOMEM,
			 "DefaultCPUAllocator: not enough memory: you tried to "
			 "allocate %zu bytes.", nbytes);
		return NULL;
	}
	register_live(s, nbytes);
	return s;
}

void (*ag_storage_block_done_hook)(ag_storage *s);

void ag_storage_init_in_block(ag_storage *s, void *data, size_t nbytes)
{
	memset(s, 0, sizeof *s);
	s->data = data;
	s->in_block = true;
	register_live(s, nbytes);
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
	if (s->in_block) {
		ag_storage_block_done_hook(s);
		return;
	}
	if (!data_inline(s)) {
		buffer_free(s->data, s->nbytes, s->mapped);
	} else {
		int c = small_class(s->nbytes);
		if (n_small_free[c] < small_free_max[c]) {
			small_free[c][n_small_free[c]++] = s;
			return;
		}
	}
	free(s);
}

ag_storage *ag_storage_registry_first(void) { return storage_head; }
ag_storage *ag_storage_registry_next(const ag_storage *s) { return s->reg_next; }
size_t ag_storage_bytes_live(void) { return bytes_live; }
