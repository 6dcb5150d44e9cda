/*
 * lsafetensors.c - reading and writing the safetensors format, the files of
 * torch.save / torch.load (the Lua side, torch/serialization.lua, decides
 * what objects become which named tensors).
 *
 * The format: an 8-byte little-endian header length N, N bytes of JSON
 * (padded with spaces), then the raw little-endian data.  The JSON maps each
 * tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
 * into the data that follows the header) and may hold "__metadata__", a map
 * of strings to strings.  We write what Python's safetensors writes for the
 * same tensors, byte for byte: tensors ordered by dtype (widest alignment
 * first) then name, compact JSON, metadata keys sorted, the header padded
 * to a multiple of 8.
 *
 * A file is data from anywhere, so loading trusts nothing before checking
 * it: the header size is capped, the JSON must parse (duplicate keys
 * refused), every dtype must be known, every shape must agree with its
 * byte range, and the ranges must tile the data exactly, in order, with no
 * gap, overlap or byte left over.  Only then is anything allocated for the
 * tensors.  Nothing in the file is ever executed.
 *
 * Writes are atomic: a temporary file in the target's folder, fsync, then
 * rename over the target, so a crash leaves the old file or the new one.
 */
#include "ltorch.h"
#include "autograd.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "safetensors data is little-endian: agdb reads and writes it as memory"
#endif

#define MAX_HEADER ((uint64_t)100000000)	/* as the reference reader */

/* The dtypes of the format.  `rank` orders them as the reference writer
 * does (its enum order); core is the dtype we load them as: integer types
 * core lacks become int64, which holds every value exactly. */
static const struct st_dtype {
	const char *name;
	int rank;
	size_t size;
	bool is_signed;
	int core;		/* ag_dtype, or -1: not loadable */
} st_dtypes[] = {
	{"BOOL", 0, 1, false, AG_BOOL},
	{"U8", 1, 1, false, AG_INT64},
	{"I8", 2, 1, true, AG_INT64},
	{"F8_E5M2", 3, 1, false, -1},
	{"F8_E4M3", 4, 1, false, -1},
	{"I16", 5, 2, true, AG_INT64},
	{"U16", 6, 2, false, AG_INT64},
	{"F16", 7, 2, false, AG_FLOAT16},
	{"BF16", 8, 2, false, AG_BFLOAT16},
	{"I32", 9, 4, true, AG_INT64},
	{"U32", 10, 4, false, AG_INT64},
	{"F32", 11, 4, false, AG_FLOAT32},
	{"F64", 12, 8, false, AG_FLOAT64},
	{"I64", 13, 8, true, AG_INT64},
	{"U64", 14, 8, false, AG_INT64},
};
#define N_ST_DTYPES (sizeof st_dtypes / sizeof st_dtypes[0])

static const struct st_dtype *st_by_name(const char *name)
{
	for (size_t i = 0; i < N_ST_DTYPES; i++)
		if (strcmp(st_dtypes[i].name, name) == 0)
			return &st_dtypes[i];
	return NULL;
}

/* The file dtype a core dtype is written as. */
static const struct st_dtype *st_for_core(ag_dtype dt)
{
	static const char *const names[AG_NDTYPES] = {
		[AG_FLOAT32] = "F32", [AG_FLOAT64] = "F64", [AG_FLOAT16] = "F16",
		[AG_BFLOAT16] = "BF16", [AG_INT64] = "I64", [AG_BOOL] = "BOOL",
	};
	return st_by_name(names[dt]);
}

/* ------------------------------------------------------------------ save */

struct save_item {
	const char *name;
	ag_tensor *t;		/* contiguous, detached: what gets written */
	const struct st_dtype *st;
	uint64_t begin, end;
};

static int cmp_items(const void *pa, const void *pb)
{
	const struct save_item *a = pa, *b = pb;

	if (a->st->rank != b->st->rank)
		return b->st->rank - a->st->rank;
	return strcmp(a->name, b->name);
}

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct save_state {
	struct save_item *items;
	size_t n;
	char *header;
	char *tmp;
	int fd;
};

static void save_cleanup(struct save_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		ag_tensor_release(s->items[i].t);
	free(s->items);
	free(s->header);
	if (s->fd >= 0)
		close(s->fd);
	if (s->tmp) {
		unlink(s->tmp);
		free(s->tmp);
	}
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The JSON header, padded with spaces to a multiple of 8.  Metadata is the
 * table at `meta` (string keys and values, checked by the caller) or 0. */
static char *build_header(lua_State *L, int meta, struct save_item *items,
			  size_t n, size_t *len)
{
	json_t *root = json_object();
	char *text, *padded;
	size_t tlen;

	if (!root)
		return NULL;
	if (meta) {
		size_t nk = 0, cap = 16;
		const char **keys = malloc(cap * sizeof *keys);
		json_t *m = json_object();
		for (lua_pushnil(L); keys && m && lua_next(L, meta); lua_pop(L, 1)) {
			if (nk == cap) {
				const char **k2 = realloc(keys, (cap *= 2) * sizeof *keys);
				if (!k2) {
					free(keys);
					keys = NULL;
					lua_pop(L, 2);
					break;
				}
				keys = k2;
			}
			keys[nk++] = lua_tostring(L, -2);
		}
		if (!keys || !m) {
			free(keys);
			json_decref(m);
			json_decref(root);
			return NULL;
		}
		qsort(keys, nk, sizeof *keys, cmp_strings);
		for (size_t i = 0; i < nk; i++) {
			lua_getfield(L, meta, keys[i]);
			json_object_set_new(m, keys[i], json_string(lua_tostring(L, -1)));
			lua_pop(L, 1);
		}
		free(keys);
		json_object_set_new(root, "__metadata__", m);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *shape = json_array();
		for (int d = 0; d < items[i].t->ndim; d++)
			json_array_append_new(shape, json_integer(items[i].t->shape[d]));
		json_object_set_new(root, items[i].name,
			json_pack("{s:s, s:o, s:[I, I]}", "dtype", items[i].st->name,
				  "shape", shape, "data_offsets",
				  (json_int_t)items[i].begin, (json_int_t)items[i].end));
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return NULL;
	tlen = strlen(text);
	*len = (tlen + 7) / 8 * 8;
	padded = malloc(*len);
	if (padded) {
		memcpy(padded, text, tlen);
		memset(padded + tlen, ' ', *len - tlen);
	}
	free(text);
	return padded;
}

/* A temporary file next to path: "<dir>/.<base>.XXXXXX". */
static char *temp_name(const char *path)
{
	char *d = strdup(path), *b = strdup(path), *out = NULL;

	if (d && b) {
		const char *dir = dirname(d), *base = basename(b);
		size_t n = strlen(dir) + strlen(base) + 16;
		out = malloc(n);
		if (out)
			snprintf(out, n, "%s/.%s.XXXXXX", dir, base);
	}
	free(d);
	free(b);
	return out;
}

static void sync_dir(const char *path)
{
	char *d = strdup(path);
	int fd;

	if (!d)
		return;
	fd = open(dirname(d), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
}

/* luaL_error's format knows no %llu: format here first. */
#define SAVE_FAIL(...) do { \
	char msg_[1024]; \
	snprintf(msg_, sizeof msg_, __VA_ARGS__); \
	save_cleanup(&s); \
	return luaL_error(L, "%s", msg_); \
} while (0)

/* torch._C.safetensors_save(path, names, tensors [, metadata]): names and
 * tensors are sequences of the same length (checked by the Lua side, as
 * are the metadata's strings). */
static int l_save(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct save_state s = { .fd = -1 };
	size_t hlen, n;
	uint64_t off = 0;
	unsigned char lenbuf[8];
	mode_t mask;

	luaL_checktype(L, 2, LUA_TTABLE);
	luaL_checktype(L, 3, LUA_TTABLE);
	n = lua_rawlen(L, 2);
	s.items = calloc(n ? n : 1, sizeof *s.items);
	if (!s.items)
		return luaL_error(L, "torch.save: out of memory");
	ag_trace_suspend();
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, 2, (lua_Integer)i + 1);
		s.items[i].name = lua_tostring(L, -1);
		lua_pop(L, 1);	/* the names table keeps it alive */
		lua_rawgeti(L, 3, (lua_Integer)i + 1);
		ag_tensor *t = repl_to_tensor(L, -1);
		lua_pop(L, 1);
		ag_tensor *d = t ? ag_detach(t) : NULL;
		s.items[i].t = d ? ag_contiguous(d) : NULL;
		ag_tensor_release(d);
		s.n = i + 1;
		if (!s.items[i].t) {
			ag_trace_resume();
			SAVE_FAIL("torch.save: '%s': %s", path, t ? ag_error_message()
				  : "not a tensor");
		}
		s.items[i].st = st_for_core(s.items[i].t->dtype);
	}
	ag_trace_resume();
	qsort(s.items, n, sizeof *s.items, cmp_items);
	for (size_t i = 0; i < n; i++) {
		s.items[i].begin = off;
		off += (uint64_t)ag_numel(s.items[i].t) * ag_dtype_size(s.items[i].t->dtype);
		s.items[i].end = off;
	}
	s.header = build_header(L, lua_istable(L, 4) ? 4 : 0, s.items, n, &hlen);
	if (!s.header)
		SAVE_FAIL("torch.save: '%s': out of memory", path);
	for (int i = 0; i < 8; i++)
		lenbuf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));

	s.tmp = temp_name(path);
	if (!s.tmp)
		SAVE_FAIL("torch.save: out of memory");
	s.fd = mkstemp(s.tmp);
	if (s.fd < 0) {
		free(s.tmp);
		s.tmp = NULL;
		SAVE_FAIL("torch.save: cannot write '%s': %s", path, strerror(errno));
	}
	mask = umask(0);
	umask(mask);
	fchmod(s.fd, 0666 & ~mask);
	if (write_all(s.fd, lenbuf, 8) != 0 || write_all(s.fd, s.header, hlen) != 0)
		SAVE_FAIL("torch.save: cannot write '%s': %s", path, strerror(errno));
	for (size_t i = 0; i < n; i++)
		if (write_all(s.fd, ag_data_ptr(s.items[i].t),
			      (size_t)(s.items[i].end - s.items[i].begin)) != 0)
			SAVE_FAIL("torch.save: cannot write '%s': %s", path,
				  strerror(errno));
	if (fsync(s.fd) != 0 || close(s.fd) != 0) {
		s.fd = -1;
		SAVE_FAIL("torch.save: cannot write '%s': %s", path, strerror(errno));
	}
	s.fd = -1;
	if (rename(s.tmp, path) != 0)
		SAVE_FAIL("torch.save: cannot write '%s': %s", path, strerror(errno));
	free(s.tmp);
	s.tmp = NULL;
	sync_dir(path);
	save_cleanup(&s);
	return 0;
}

/* ------------------------------------------------------------------ load */

struct load_item {
	const char *name;	/* inside the JSON tree */
	const struct st_dtype *st;
	int64_t shape[AG_MAX_DIMS];
	int ndim;
	uint64_t begin, end;
	size_t order;		/* position in the header */
};

static int cmp_begin(const void *pa, const void *pb)
{
	const struct load_item *a = pa, *b = pb;

	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	return a->end < b->end ? -1 : a->end > b->end;
}

struct load_state {
	FILE *f;
	char *header;
	json_t *root;
	struct load_item *items;
	unsigned char *buf;
	ag_tensor *t;
	char err[256];
};

static void load_cleanup(struct load_state *s)
{
	if (s->f)
		fclose(s->f);
	free(s->header);
	json_decref(s->root);
	free(s->items);
	free(s->buf);
	ag_tensor_release(s->t);
	memset(s, 0, sizeof *s);
}

/* A JSON integer in [0, max]. */
static bool get_count(json_t *v, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

/* Checks one tensor entry into *it; a message in s->err on failure. */
static int parse_entry(struct load_state *s, const char *name, json_t *v,
		       struct load_item *it)
{
	json_t *dt = json_object_get(v, "dtype");
	json_t *shape = json_object_get(v, "shape");
	json_t *offs = json_object_get(v, "data_offsets");
	uint64_t numel = 1, bytes;
	size_t i;

#define BAD(...) (snprintf(s->err, sizeof s->err, __VA_ARGS__), -1)
	if (!json_is_object(v))
		return BAD("the entry of tensor '%s' is not a JSON object", name);
	if (!json_is_string(dt))
		return BAD("tensor '%s' has no dtype string", name);
	it->st = st_by_name(json_string_value(dt));
	if (!it->st)
		return BAD("tensor '%s' has an unknown dtype \"%s\"", name,
			   json_string_value(dt));
	if (it->st->core < 0)
		return BAD("tensor '%s' has dtype %s, which agdb cannot hold", name,
			   it->st->name);
	if (!json_is_array(shape))
		return BAD("tensor '%s' has no shape list", name);
	if (json_array_size(shape) > AG_MAX_DIMS)
		return BAD("tensor '%s' has %zu dims; agdb holds at most %d", name,
			   json_array_size(shape), AG_MAX_DIMS);
	it->ndim = (int)json_array_size(shape);
	for (i = 0; i < json_array_size(shape); i++) {
		uint64_t d;
		if (!get_count(json_array_get(shape, i), INT64_MAX, &d))
			return BAD("tensor '%s' has a shape entry that is not a "
				   "non-negative integer", name);
		if (d != 0 && numel > (uint64_t)INT64_MAX / 16 / d)
			return BAD("tensor '%s' has a shape too large to hold", name);
		numel *= d;
		it->shape[i] = (int64_t)d;
	}
	if (!json_is_array(offs) || json_array_size(offs) != 2 ||
	    !get_count(json_array_get(offs, 0), INT64_MAX, &it->begin) ||
	    !get_count(json_array_get(offs, 1), INT64_MAX, &it->end))
		return BAD("tensor '%s' has no data_offsets [begin, end] of "
			   "non-negative integers", name);
	if (it->end < it->begin)
		return BAD("tensor '%s' has data_offsets [%llu, %llu] that end "
			   "before they begin", name, (unsigned long long)it->begin,
			   (unsigned long long)it->end);
	bytes = numel * it->st->size;
	if (it->end - it->begin != bytes)
		return BAD("tensor '%s' has %llu bytes of data but its shape and "
			   "dtype need %llu", name,
			   (unsigned long long)(it->end - it->begin),
			   (unsigned long long)bytes);
	it->name = name;
	return 0;
#undef BAD
}

/* Converts n elements of a file integer type to int64 (in place into out). */
static int widen(const struct st_dtype *st, const unsigned char *in,
		 int64_t *out, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		const unsigned char *p = in + i * st->size;
		uint64_t u = 0;
		for (size_t b = 0; b < st->size; b++)
			u |= (uint64_t)p[b] << (8 * b);
		if (st->is_signed && st->size < 8 && (u >> (st->size * 8 - 1)) & 1)
			u |= ~(uint64_t)0 << (st->size * 8);
		if (!st->is_signed && st->size == 8 && u > (uint64_t)INT64_MAX)
			return -1;
		out[i] = (int64_t)u;
	}
	return 0;
}

#define LOAD_FAIL(...) do { \
	char msg_[1024]; \
	snprintf(msg_, sizeof msg_, __VA_ARGS__); \
	load_cleanup(&s); \
	return luaL_error(L, "%s", msg_); \
} while (0)

/* torch._C.safetensors_load(path) -> names (in header order), tensors
 * (same order), metadata table or nil. */
static int l_load(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct load_state s = {0};
	unsigned char lenbuf[8];
	uint64_t hlen = 0, fsize, dlen, pos;
	struct stat st;
	json_error_t jerr;
	json_t *meta = NULL, *v;
	const char *key;
	size_t n = 0, i;

	int fd = repl_open_regular(L, path, "torch.load");
	if (fstat(fd, &st) != 0) {
		close(fd);
		return luaL_error(L, "torch.load: '%s': %s", path, strerror(errno));
	}
	s.f = fdopen(fd, "rb");
	if (!s.f) {
		close(fd);
		return luaL_error(L, "torch.load: '%s': out of memory", path);
	}
	fsize = (uint64_t)st.st_size;
	if (fread(lenbuf, 1, 8, s.f) != 8)
		LOAD_FAIL("torch.load: '%s' is not a safetensors file: shorter "
			  "than the 8-byte header length", path);
	for (i = 0; i < 8; i++)
		hlen |= (uint64_t)lenbuf[i] << (8 * i);
	if (hlen > MAX_HEADER)
		LOAD_FAIL("torch.load: '%s' is not a safetensors file: its header "
			  "length %llu exceeds the limit of %llu bytes", path,
			  (unsigned long long)hlen, (unsigned long long)MAX_HEADER);
	if (hlen > fsize - 8)
		LOAD_FAIL("torch.load: '%s' is truncated: its header length is "
			  "%llu bytes but only %llu follow", path,
			  (unsigned long long)hlen, (unsigned long long)(fsize - 8));
	s.header = malloc(hlen ? hlen : 1);
	if (!s.header)
		LOAD_FAIL("torch.load: '%s': out of memory", path);
	if (fread(s.header, 1, hlen, s.f) != hlen)
		LOAD_FAIL("torch.load: '%s': read error", path);
	if (hlen == 0 || s.header[0] != '{')
		LOAD_FAIL("torch.load: '%s' is not a safetensors file: its header "
			  "is not a JSON object", path);
	s.root = json_loadb(s.header, hlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!s.root)
		LOAD_FAIL("torch.load: '%s' has a malformed JSON header: %s (line "
			  "%d, column %d)", path, jerr.text, jerr.line, jerr.column);
	if (!json_is_object(s.root))
		LOAD_FAIL("torch.load: '%s': the JSON header is not an object", path);
	s.items = calloc(json_object_size(s.root) + 1, sizeof *s.items);
	if (!s.items)
		LOAD_FAIL("torch.load: '%s': out of memory", path);
	json_object_foreach(s.root, key, v) {
		if (strcmp(key, "__metadata__") == 0) {
			const char *mk;
			json_t *mv;
			if (!json_is_object(v))
				LOAD_FAIL("torch.load: '%s': __metadata__ is not a JSON "
					  "object", path);
			json_object_foreach(v, mk, mv)
				if (!json_is_string(mv))
					LOAD_FAIL("torch.load: '%s': __metadata__ entry '%s' "
						  "is not a string", path, mk);
			meta = v;
			continue;
		}
		if (parse_entry(&s, key, v, &s.items[n]) != 0)
			LOAD_FAIL("torch.load: '%s': %s", path, s.err);
		s.items[n].order = n;
		n++;
	}
	/* the byte ranges must tile the data exactly */
	dlen = fsize - 8 - hlen;
	qsort(s.items, n, sizeof *s.items, cmp_begin);
	pos = 0;
	for (i = 0; i < n; i++) {
		if (s.items[i].begin != pos)
			LOAD_FAIL("torch.load: '%s': tensor '%s' has data_offsets "
				  "[%llu, %llu] but %s at byte %llu", path,
				  s.items[i].name, (unsigned long long)s.items[i].begin,
				  (unsigned long long)s.items[i].end,
				  s.items[i].begin < pos ? "it overlaps the tensor before, "
				  "which ends" : "the data before it ends",
				  (unsigned long long)pos);
		pos = s.items[i].end;
	}
	if (pos != dlen)
		LOAD_FAIL("torch.load: '%s': the tensors cover %llu bytes of data "
			  "but the file holds %llu after the header", path,
			  (unsigned long long)pos, (unsigned long long)dlen);

	/* valid: read the tensors, in file order, into results in header order */
	lua_createtable(L, (int)n, 0);	/* names */
	lua_createtable(L, (int)n, 0);	/* tensors */
	for (i = 0; i < n; i++) {
		struct load_item *it = &s.items[i];
		uint64_t bytes = it->end - it->begin;
		s.t = ag_empty(it->shape, it->ndim, (ag_dtype)it->st->core);
		if (!s.t)
			LOAD_FAIL("torch.load: '%s': tensor '%s': %s", path, it->name,
				  ag_error_message());
		/* the file's own dtype is read as it is; U64 (as wide as int64)
		 * and the narrower integers are widened and checked */
		if (it->st == st_for_core(s.t->dtype)) {
			if (bytes && fread(ag_data_ptr(s.t), 1, bytes, s.f) != bytes)
				LOAD_FAIL("torch.load: '%s': read error", path);
			if (s.t->dtype == AG_BOOL) {	/* any other byte is true */
				unsigned char *b = ag_data_ptr(s.t);
				for (uint64_t k = 0; k < bytes; k++)
					b[k] = b[k] != 0;
			}
		} else {
			s.buf = malloc(bytes ? bytes : 1);
			if (!s.buf)
				LOAD_FAIL("torch.load: '%s': out of memory", path);
			if (bytes && fread(s.buf, 1, bytes, s.f) != bytes)
				LOAD_FAIL("torch.load: '%s': read error", path);
			if (widen(it->st, s.buf, ag_data_ptr(s.t), bytes / it->st->size) != 0)
				LOAD_FAIL("torch.load: '%s': tensor '%s' (U64) holds a "
					  "value beyond the int64 range", path, it->name);
			free(s.buf);
			s.buf = NULL;
		}
		lua_pushstring(L, it->name);
		lua_rawseti(L, -3, (lua_Integer)it->order + 1);
		repl_push_tensor(L, s.t);
		s.t = NULL;
		lua_rawseti(L, -2, (lua_Integer)it->order + 1);
	}
	if (meta) {
		const char *mk;
		json_t *mv;
		lua_newtable(L);
		json_object_foreach(meta, mk, mv) {
			lua_pushstring(L, json_string_value(mv));
			lua_setfield(L, -2, mk);
		}
	} else {
		lua_pushnil(L);
	}
	load_cleanup(&s);
	return 3;
}

void repl_register_serialization(lua_State *L)
{
	lua_getfield(L, -1, "_C");
	lua_pushcfunction(L, l_save);
	lua_setfield(L, -2, "safetensors_save");
	lua_pushcfunction(L, l_load);
	lua_setfield(L, -2, "safetensors_load");
	lua_pop(L, 1);
}
