/*
 * tensor.c - tensor headers: allocation, references, the live-tensor
 * registry, and geometry helpers shared by every op.
 */
#include "internal.h"
#include "opargs.h"
#include "autograd.h"
#include "debug.h"

#include <stddef.h>
#include <stdio.h>

static ag_tensor *tensor_head;
static uint64_t tensor_next_id = 1;
static size_t tensor_count;

/*
 * Tensor headers and version counters are made and freed on every op: a
 * per-op loop on small tensors would spend more in malloc/free (calloc
 * never takes glibc's per-thread cache, and a garbage-collection cycle
 * frees far more blocks than that cache holds) than in the op itself.
 * Freed ones wait on a free list each for the next op, bounded so that
 * what they hold stays small (16384 headers are under 4 MiB): about what
 * one collection cycle of the Lua side frees at once in such a loop, so
 * that the cycle's tensors make the next ones.  They are not live: the
 * registry and ag_registry_count see only live tensors.
 */
#define FREE_MAX 16384

static ag_tensor *free_headers[FREE_MAX];
static int n_free_headers;
static ag_version *free_versions[FREE_MAX];
static int n_free_versions;

static ag_version *version_new(void)
{
	ag_version *v = n_free_versions ? free_versions[--n_free_versions]
					: malloc(sizeof *v);
	if (!v) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	v->refcount = 1;
	v->in_block = false;
	v->value = 0;
	return v;
}

/*
 * A fresh tensor of at most BLOCK_DATA bytes (a number, a short vector)
 * comes in one heap block with its version counter and its storage, the
 * data inline: one allocation instead of three.  The three parts keep
 * their own lifetimes (a view shares the version counter and the
 * storage, x.data = y swaps storages); the block goes when the last of
 * them does, onto a bounded free list of its own.
 */
#define BLOCK_DATA 64
#define BLOCK_FREE_MAX 4096

typedef struct tensor_block {
	ag_tensor t;
	ag_version v;
	int parts;		/* of t, v and s not yet released */
	ag_storage s;
	_Alignas(16) unsigned char data[BLOCK_DATA];
} tensor_block;

static tensor_block *free_blocks[BLOCK_FREE_MAX];
static int n_free_blocks;

static void block_part_done(tensor_block *b)
{
	if (--b->parts > 0)
		return;
	if (n_free_blocks < BLOCK_FREE_MAX)
		free_blocks[n_free_blocks++] = b;
	else
		free(b);
}

static void block_storage_done(ag_storage *s)
{
	block_part_done((tensor_block *)((char *)s - offsetof(tensor_block, s)));
}

static void version_release(ag_version *v)
{
	if (!v || --v->refcount > 0)
		return;
	if (v->in_block) {
		block_part_done((tensor_block *)((char *)v -
						 offsetof(tensor_block, v)));
		return;
	}
	if (n_free_versions < FREE_MAX)
		free_versions[n_free_versions++] = v;
	else
		free(v);
}

static ag_tensor *header_init(ag_tensor *t, ag_dtype dt, const int64_t *shape,
			       int ndim)
{
	memset(t, 0, sizeof *t);
	t->refcount = 1;
	t->id = tensor_next_id++;
	t->dtype = dt;
	t->ndim = ndim;
	t->is_inference = ag_is_inference_mode_enabled();
	if (ndim)
		memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
	t->reg_next = tensor_head;
	if (tensor_head)
		tensor_head->reg_prev = t;
	tensor_head = t;
	tensor_count++;
	return t;
}

static ag_tensor *header_new(ag_dtype dt, const int64_t *shape, int ndim)
{
	ag_tensor *t = n_free_headers ? free_headers[--n_free_headers]
				      : malloc(sizeof *t);
	if (!t) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	return header_init(t, dt, shape, ndim);
}

/* A tensor of nbytes <= BLOCK_DATA bytes in a block of its own. */
static ag_tensor *block_tensor(ag_dtype dt, const int64_t *shape, int ndim,
			       size_t nbytes, bool zero)
{
	tensor_block *b = n_free_blocks ? free_blocks[--n_free_blocks]
					: malloc(sizeof *b);
	if (!b) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ag_tensor *t = header_init(&b->t, dt, shape, ndim);
	ag_storage_block_done_hook = block_storage_done;
	t->in_block = true;
	b->v.refcount = 1;
	b->v.in_block = true;
	b->v.value = 0;
	ag_storage_init_in_block(&b->s, b->data, nbytes);
	if (zero)
		memset(b->data, 0, nbytes);
	b->parts = 3;
	t->version = &b->v;
	t->storage = &b->s;
	ag_contiguous_strides(shape, ndim, t->stride);
	return t;
}

int ag_mul_size(int64_t a, int64_t b, int64_t *out)
{
	if (a < 0 || b < 0)
		return ag_error(AG_ERR_VALUE, "negative size");
	if (a != 0 && b > INT64_MAX / a)
		return ag_error(AG_ERR_NOMEM, "tensor size overflows: "
				"%lld * %lld elements", (long long)a, (long long)b);
	*out = a * b;
	return 0;
}

int ag_check_shape(const int64_t *shape, int ndim, int64_t *numel_out)
{
	int64_t n = 1;
	char buf[256];

	if (ndim < 0 || ndim > AG_MAX_DIMS)
		return ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions, "
				"got %d", AG_MAX_DIMS, ndim);
	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return ag_error(AG_ERR_VALUE, "Trying to create tensor with "
					"negative dimension %lld: %s",
					(long long)shape[i],
					ag_shape_str(shape, ndim, buf, sizeof buf));
		if (ag_mul_size(n, shape[i], &n) < 0)
			return -1;
	}
	if (numel_out)
		*numel_out = n;
	return 0;
}

/* For an empty tensor the product can leave int64 ((0, 2^62, 4)): it
 * wraps, as PyTorch's does (strides (0, 4, 1) there too); no element is
 * ever reached through such a stride. */
void ag_contiguous_strides(const int64_t *shape, int ndim, int64_t *stride)
{
	uint64_t s = 1;
	for (int i = ndim - 1; i >= 0; i--) {
		stride[i] = (int64_t)s;
		s *= (uint64_t)(shape[i] > 1 ? shape[i] : 1);
	}
}

static ag_tensor *tensor_alloc(const int64_t *shape, int ndim, ag_dtype dt,
				bool zero)
{
	int64_t numel, nbytes;
	ag_tensor *t;

	if ((unsigned)dt >= AG_NDTYPES) {
		ag_error(AG_ERR_DTYPE, "invalid dtype");
		return NULL;
	}
	if (ag_check_shape(shape, ndim, &numel) < 0 ||
	    ag_mul_size(numel, (int64_t)ag_dtype_size(dt), &nbytes) < 0)
		return NULL;
	if ((uint64_t)nbytes > SIZE_MAX / 2) {
		ag_error(AG_ERR_NOMEM, "DefaultCPUAllocator: not enough memory: "
			 "you tried to allocate %lld bytes.", (long long)nbytes);
		return NULL;
	}
	if (nbytes <= BLOCK_DATA)
		return block_tensor(dt, shape, ndim, (size_t)nbytes, zero);
	t = header_new(dt, shape, ndim);
	if (!t)
		return NULL;
	ag_contiguous_strides(shape, ndim, t->stride);
	t->storage = zero ? ag_storage_new((size_t)nbytes)
			  : ag_storage_new_uninit((size_t)nbytes);
	t->version = version_new();
	if (!t->storage || !t->version) {
		ag_tensor_release(t);
		return NULL;
	}
	return t;
}

ag_tensor *ag_tensor_alloc(const int64_t *shape, int ndim, ag_dtype dt)
{
	return tensor_alloc(shape, ndim, dt, true);
}

ag_tensor *ag_tensor_alloc_uninit(const int64_t *shape, int ndim, ag_dtype dt)
{
	return tensor_alloc(shape, ndim, dt, false);
}

ag_tensor *ag_tensor_make_view(ag_tensor *src, const int64_t *shape,
			       const int64_t *stride, int ndim, int64_t offset)
{
	ag_tensor *t;

	if (ndim < 0 || ndim > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions, got %d",
			 AG_MAX_DIMS, ndim);
		return NULL;
	}
	t = header_new(src->dtype, shape, ndim);
	if (!t)
		return NULL;
	if (ndim)
		memcpy(t->stride, stride, (size_t)ndim * sizeof *stride);
	t->offset = offset;
	t->storage = src->storage;
	ag_storage_retain(t->storage);
	t->version = src->version;
	t->version->refcount++;
	t->base = src->base ? src->base : src;
	ag_tensor_retain(t->base);
	t->is_inference = src->is_inference;
	return t;
}

ag_tensor *ag_shallow_copy(ag_tensor *t)
{
	ag_tensor *c = header_new(t->dtype, t->shape, t->ndim);
	if (!c)
		return NULL;
	memcpy(c->stride, t->stride, sizeof c->stride);
	c->offset = t->offset;
	c->storage = t->storage;
	ag_storage_retain(c->storage);
	c->version = version_new();
	c->is_inference = t->is_inference;
	if (!c->version) {
		ag_tensor_release(c);
		return NULL;
	}
	return c;
}

void ag_tensor_set_data(ag_tensor *t, ag_tensor *src)
{
	if (t == src)
		return;
	ag_storage_retain(src->storage);
	ag_storage_release(t->storage);
	t->storage = src->storage;
	t->dtype = src->dtype;
	t->ndim = src->ndim;
	memcpy(t->shape, src->shape, sizeof t->shape);
	memcpy(t->stride, src->stride, sizeof t->stride);
	t->offset = src->offset;
}

void ag_tensor_retain(ag_tensor *t)
{
	if (t)
		t->refcount++;
}

/* Set by the autograd layer: drops what a tensor's autograd metadata holds. */
void (*ag_autograd_release_hook)(ag_tensor *t);

void ag_tensor_release(ag_tensor *t)
{
	if (!t || --t->refcount > 0)
		return;
	if (t->reg_prev)
		t->reg_prev->reg_next = t->reg_next;
	else
		tensor_head = t->reg_next;
	if (t->reg_next)
		t->reg_next->reg_prev = t->reg_prev;
	tensor_count--;
	if (ag_autograd_release_hook)
		ag_autograd_release_hook(t);
	ag_tensor_release(t->grad);
	ag_storage_release(t->storage);
	version_release(t->version);
	ag_tensor_release(t->base);
	if (t->in_block)
		block_part_done((tensor_block *)t);
	else if (n_free_headers < FREE_MAX)
		free_headers[n_free_headers++] = t;
	else
		free(t);
}

ag_tensor *ag_registry_first(void) { return tensor_head; }
ag_tensor *ag_registry_next(const ag_tensor *t) { return t->reg_next; }
size_t ag_registry_count(void) { return tensor_count; }

static void (*version_observer)(const ag_tensor *, void *);
static void *version_observer_ud;

void ag_set_version_observer(void (*fn)(const ag_tensor *t, void *ud), void *ud)
{
	version_observer = fn;
	version_observer_ud = ud;
}

void ag_bump_version(ag_tensor *t)
{
	if (t && t->version) {
		t->version->value++;
		if (version_observer)
			version_observer(t, version_observer_ud);
	}
}

/* ----------------------------------------------------------- geometry */

int64_t ag_numel(const ag_tensor *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] == 0)
			return 0;	/* the other sizes may not even multiply */
	for (int i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

bool ag_is_contiguous(const ag_tensor *t)
{
	int64_t expected = 1;
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] == 0)
			return true;	/* empty: any strides (they may not fit) */
	for (int i = t->ndim - 1; i >= 0; i--) {
		if (t->shape[i] != 1 && t->stride[i] != expected)
			return false;
		expected *= t->shape[i];
	}
	return true;
}

void *ag_data_ptr(const ag_tensor *t)
{
	return (char *)t->storage->data + t->offset * (int64_t)ag_dtype_size(t->dtype);
}

int ag_wrap_dim(int64_t dim, int ndim, int *out)
{
	int64_t n = ndim > 0 ? ndim : 1;	/* a 0-d tensor takes dim 0 / -1 */
	int base = ag_index_base();
	if (dim < -n || dim >= n)
		return ag_error(AG_ERR_INDEX, "Dimension out of range (expected to "
				"be in range of [%lld, %lld], but got %lld)",
				(long long)-n, (long long)(n - 1 + base),
				(long long)(dim < 0 ? dim : dim + base));
	*out = (int)(dim < 0 ? dim + n : dim);
	return 0;
}

bool ag_same_shape(const ag_tensor *a, const ag_tensor *b)
{
	if (a->ndim != b->ndim)
		return false;
	for (int i = 0; i < a->ndim; i++)
		if (a->shape[i] != b->shape[i])
			return false;
	return true;
}

char *ag_shape_str(const int64_t *shape, int ndim, char *buf, size_t n)
{
	size_t used = 0;
	if (n == 0)
		return buf;
	buf[0] = '\0';
	used += (size_t)snprintf(buf, n, "[");
	for (int i = 0; i < ndim && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%lld",
					 i ? ", " : "", (long long)shape[i]);
	if (used < n)
		snprintf(buf + used, n - used, "]");
	return buf;
}

ag_shape ag_shape_of(const ag_tensor *t)
{
	ag_shape s = { .ndim = t->ndim };
	memcpy(s.size, t->shape, sizeof s.size);
	return s;
}

ag_geometry ag_geometry_of(const ag_tensor *t)
{
	ag_geometry g = { .ndim = t->ndim, .offset = t->offset };
	memcpy(g.shape, t->shape, sizeof g.shape);
	memcpy(g.stride, t->stride, sizeof g.stride);
	return g;
}
