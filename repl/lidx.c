/*
 * lidx.c - IDX files, the format of MNIST and Fashion-MNIST: a magic number
 * (two zero bytes, a type code, the dim count), the sizes as big-endian
 * 32-bit integers, then the elements, big-endian, in row-major order.
 * Gzipped files and plain ones are read alike (zlib's gz* functions tell
 * them apart by their first bytes).
 *
 * torch._C.read_idx(path [, dtype]) gives a tensor of the file's shape
 * and type (uint8, int8, int16, int32, float32, float64); a dtype converts
 * while reading, so image bytes need not become a tensor of another type
 * first.
 */
#include "ltorch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const struct idx_type {
	int code;
	size_t size;
	bool is_signed, is_float;
	ag_dtype dtype;		/* the default result dtype */
} idx_types[] = {
	{0x08, 1, false, false, AG_UINT8},	/* unsigned byte */
	{0x09, 1, true, false, AG_INT8},	/* signed byte */
	{0x0B, 2, true, false, AG_INT16},	/* short */
	{0x0C, 4, true, false, AG_INT32},	/* int */
	{0x0D, 4, true, true, AG_FLOAT32},	/* float */
	{0x0E, 8, true, true, AG_FLOAT64},	/* double */
};

static const struct idx_type *find_type(int code)
{
	for (size_t i = 0; i < sizeof idx_types / sizeof idx_types[0]; i++)
		if (idx_types[i].code == code)
			return &idx_types[i];
	return NULL;
}

static uint64_t load_be(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Reads exactly n bytes; -1 on a short read or an error. */
static int read_full(gzFile f, void *buf, size_t n)
{
	if (n == 0)
		return 0;

	char *p = buf;

	while (n > 0) {
		unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
		int got = gzread(f, p, chunk);
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* The element at p as a double / int64. */
static void convert(const struct idx_type *ty, const unsigned char *p,
		    char *out, ag_dtype dt)
{
	uint64_t u = load_be(p, ty->size);

	if (ty->is_float) {
		double v;
		if (ty->size == 4) {
			uint32_t w = (uint32_t)u;
			float f;
			memcpy(&f, &w, sizeof f);
			v = f;
		} else {
			memcpy(&v, &u, sizeof v);
		}
		ag_store(out, dt, v);
		return;
	}
	int64_t v = (int64_t)u;
	if (ty->is_signed && ty->size < 8 && (u >> (ty->size * 8 - 1)) & 1)
		v -= (int64_t)1 << (ty->size * 8);
	if (ag_dtype_is_floating(dt))
		ag_store(out, dt, (double)v);
	else
		ag_store_i64(out, dt, v);
}

struct idx_read {
	gzFile f;
	unsigned char *raw;
	ag_tensor *t;
};

static void idx_cleanup(struct idx_read *r)
{
	if (r->f)
		gzclose(r->f);
	free(r->raw);
	ag_tensor_release(r->t);
	memset(r, 0, sizeof *r);
}

int repl_open_regular(lua_State *L, const char *path, const char *who)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return luaL_error(L, "%s: cannot open '%s': %s", who, path,
				  strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		close(fd);
		return luaL_error(L, "%s: '%s' is not a regular file", who, path);
	}
	return fd;
}

/* luaL_error's format knows no %lld or %02x: format here first. */
#define IDX_FAIL(...) do { \
	char msg_[512]; \
	snprintf(msg_, sizeof msg_, __VA_ARGS__); \
	idx_cleanup(&r); \
	return luaL_error(L, "%s", msg_); \
} while (0)

static int l_read_idx(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct idx_read r = {0};
	unsigned char head[4], dims[4 * AG_MAX_DIMS];
	int64_t shape[AG_MAX_DIMS], n = 1;
	const struct idx_type *ty;
	ag_dtype dt;
	int ndim;

	int fd = repl_open_regular(L, path, "read_idx");
	r.f = gzdopen(fd, "rb");
	if (!r.f) {
		close(fd);
		return luaL_error(L, "read_idx: '%s': out of memory", path);
	}
	if (read_full(r.f, head, 4) != 0)
		IDX_FAIL("read_idx: '%s' is not an IDX file: shorter than its "
			 "4-byte header", path);
	if (head[0] != 0 || head[1] != 0 || !(ty = find_type(head[2])))
		IDX_FAIL("read_idx: '%s' is not an IDX file: bad magic number "
			 "0x%02x%02x%02x%02x", path, head[0], head[1], head[2],
			 head[3]);
	ndim = head[3];
	if (ndim < 1 || ndim > AG_MAX_DIMS)
		IDX_FAIL("read_idx: '%s' has %d dims; agdb reads 1 to %d", path,
			 ndim, AG_MAX_DIMS);
	if (read_full(r.f, dims, 4 * (size_t)ndim) != 0)
		IDX_FAIL("read_idx: '%s' ends inside its list of sizes", path);
	bool empty = false;	/* a 0 size anywhere: no element, whatever the rest */
	for (int i = 0; i < ndim; i++) {
		shape[i] = (int64_t)load_be(dims + 4 * i, 4);
		empty = empty || shape[i] == 0;
	}
	for (int i = 0; i < ndim && !empty; i++) {
		if (n > (INT64_MAX / 16) / shape[i])
			IDX_FAIL("read_idx: '%s' declares too many elements", path);
		n *= shape[i];
	}
	if (empty)
		n = 0;
	dt = ty->dtype;
	if (!lua_isnoneornil(L, 2) && repl_to_dtype(L, 2, &dt) != 0)
		IDX_FAIL("read_idx: argument 2 must be a dtype, got %s",
			 repl_type_name(L, 2));
	/* The data is read before the tensor is made, into a buffer that
	 * grows with what the file really holds: a 20-byte file whose header
	 * promises 10^12 elements costs nothing. */
	size_t want = (size_t)n * ty->size, have = 0, cap = 0;
	while (have < want) {
		if (have == cap) {
			size_t ncap = cap ? 2 * cap : (size_t)1 << 20;
			if (ncap > want)
				ncap = want;
			unsigned char *p = realloc(r.raw, ncap + 1);
			if (!p)
				IDX_FAIL("read_idx: '%s': not enough memory for %lld "
					 "elements", path, (long long)n);
			r.raw = p;
			cap = ncap;
		}
		if (read_full(r.f, r.raw + have, cap - have) != 0) {
			int zerr;
			const char *msg = gzerror(r.f, &zerr);
			if (zerr != Z_OK && zerr != Z_BUF_ERROR)
				IDX_FAIL("read_idx: '%s': %s", path, msg);
			IDX_FAIL("read_idx: '%s' is truncated: its header promises "
				 "%lld elements of %d bytes", path, (long long)n,
				 (int)ty->size);
		}
		have = cap;
	}
	if (!r.raw && !(r.raw = malloc(1)))
		IDX_FAIL("read_idx: '%s': out of memory", path);
	if (gzread(r.f, r.raw + want, 1) != 0) {
		int zerr;
		const char *msg = gzerror(r.f, &zerr);
		if (zerr != Z_OK && zerr != Z_BUF_ERROR)
			IDX_FAIL("read_idx: '%s': %s", path, msg);
		IDX_FAIL("read_idx: '%s' has bytes after its %lld elements", path,
			 (long long)n);
	}
	r.t = ag_empty(shape, ndim, dt);
	if (!r.t)
		IDX_FAIL("read_idx: '%s': %s", path, ag_error_message());
	{
		char *out = ag_data_ptr(r.t);
		size_t es = ag_dtype_size(dt);
		for (int64_t i = 0; i < n; i++)
			convert(ty, r.raw + (size_t)i * ty->size, out + (size_t)i * es, dt);
	}
	ag_tensor *t = r.t;
	r.t = NULL;
	idx_cleanup(&r);
	repl_push_tensor(L, t);
	return 1;
}

void repl_register_files(lua_State *L)
{
	lua_pushcfunction(L, l_read_idx);
	lua_setfield(L, -2, "read_idx");
}
