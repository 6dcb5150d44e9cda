/*
 * ltorch.c - the `torch` module table: dtypes, torch.Size, factories, the
 * garbage-collector pacing, and luaopen_torch.
 *
 * Built into agdb and also as torch.so for a stock lua5.4 (`require
 * "torch"`), so nothing here may assume the REPL.
 */
#include "ltorch.h"
#include "autograd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ dtypes */

static const char dtypes_key = 'd';	/* registry: {[dt + 1] = dtype object} */

void repl_push_dtype(lua_State *L, ag_dtype dt)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &dtypes_key);
	lua_rawgeti(L, -1, (lua_Integer)dt + 1);
	lua_remove(L, -2);
}

static const struct { const char *name; ag_dtype dt; } dtype_aliases[] = {
	{"float32", AG_FLOAT32}, {"float", AG_FLOAT32},
	{"float64", AG_FLOAT64}, {"double", AG_FLOAT64},
	{"float16", AG_FLOAT16}, {"half", AG_FLOAT16},
	{"bfloat16", AG_BFLOAT16},
	{"int64", AG_INT64}, {"long", AG_INT64},
	{"int32", AG_INT32}, {"int", AG_INT32},
	{"int16", AG_INT16}, {"short", AG_INT16},
	{"int8", AG_INT8}, {"uint8", AG_UINT8},
	{"bool", AG_BOOL},
};

int repl_to_dtype(lua_State *L, int idx, ag_dtype *out)
{
	const int *p = luaL_testudata(L, idx, REPL_DTYPE_MT);
	const char *s;
	size_t i;

	if (p) {
		*out = (ag_dtype)*p;
		return 0;
	}
	if (lua_type(L, idx) != LUA_TSTRING)
		return -1;
	s = lua_tostring(L, idx);
	if (strncmp(s, "torch.", 6) == 0)
		s += 6;
	for (i = 0; i < sizeof dtype_aliases / sizeof dtype_aliases[0]; i++) {
		if (strcmp(s, dtype_aliases[i].name) == 0) {
			*out = dtype_aliases[i].dt;
			return 0;
		}
	}
	return -1;
}

static int dtype_tostring(lua_State *L)
{
	const int *p = luaL_checkudata(L, 1, REPL_DTYPE_MT);

	lua_pushfstring(L, "torch.%s", ag_dtype_name((ag_dtype)*p));
	return 1;
}

static int dtype_index(lua_State *L)
{
	ag_dtype dt = (ag_dtype)*(const int *)luaL_checkudata(L, 1, REPL_DTYPE_MT);
	const char *k = lua_tostring(L, 2);

	if (!k)
		lua_pushnil(L);
	else if (strcmp(k, "is_floating_point") == 0)
		lua_pushboolean(L, ag_dtype_is_floating(dt));
	else if (strcmp(k, "itemsize") == 0)
		lua_pushinteger(L, (lua_Integer)ag_dtype_size(dt));
	else if (strcmp(k, "is_signed") == 0)
		lua_pushboolean(L, ag_dtype_is_signed(dt));
	else
		lua_pushnil(L);
	return 1;
}

/* One object per dtype, so `x.dtype == torch.float32` is identity. */
static void open_dtypes(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{"__tostring", dtype_tostring}, {"__index", dtype_index},
		{NULL, NULL}
	};
	int dt;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &dtypes_key) == LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	luaL_newmetatable(L, REPL_DTYPE_MT);
	luaL_setfuncs(L, meta, 0);
	lua_pop(L, 1);
	lua_createtable(L, AG_NDTYPES, 0);
	for (dt = 0; dt < AG_NDTYPES; dt++) {
		int *p = lua_newuserdatauv(L, sizeof *p, 0);
		*p = dt;
		luaL_setmetatable(L, REPL_DTYPE_MT);
		lua_rawseti(L, -2, dt + 1);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &dtypes_key);
}

static void set_dtypes(lua_State *L)
{
	size_t i;

	for (i = 0; i < sizeof dtype_aliases / sizeof dtype_aliases[0]; i++) {
		repl_push_dtype(L, dtype_aliases[i].dt);
		lua_setfield(L, -2, dtype_aliases[i].name);
	}
}

/* -------------------------------------------------------------- torch.Size */

/*
 * A Size reads like a Lua sequence (x.shape[1], #x.shape, ipairs,
 * table.unpack) but is immutable like PyTorch's tuple: it is an empty proxy
 * table whose entries live in a side table (weak keys, so they go with the
 * proxy), so `s[1] = 5` reaches __newindex and fails instead of quietly
 * changing the shape a caller holds.
 */
static const char size_values_key = 's';

/* Pushes the entry table of the Size at idx and returns true, or pushes
 * nothing and returns false when the value is not a Size. */
static bool push_size_values(lua_State *L, int idx)
{
	if (!lua_istable(L, idx))
		return false;
	idx = lua_absindex(L, idx);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &size_values_key);
	lua_pushvalue(L, idx);
	lua_rawget(L, -2);
	lua_remove(L, -2);
	if (lua_istable(L, -1))
		return true;
	lua_pop(L, 1);
	return false;
}

void repl_push_size(lua_State *L, const int64_t *shape, int ndim)
{
	int i;

	lua_createtable(L, 0, 0);		/* the proxy */
	luaL_setmetatable(L, REPL_SIZE_MT);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &size_values_key);
	lua_pushvalue(L, -2);
	lua_createtable(L, ndim, 0);
	for (i = 0; i < ndim; i++) {
		lua_pushinteger(L, shape[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* The entries of a Size, or of a plain table, at idx (pushed). */
static void push_entries(lua_State *L, int idx)
{
	if (!push_size_values(L, idx))
		lua_pushvalue(L, idx);
}

static int size_tostring(lua_State *L)
{
	luaL_Buffer b;
	lua_Integer i, n;

	luaL_checktype(L, 1, LUA_TTABLE);
	push_entries(L, 1);
	n = (lua_Integer)lua_rawlen(L, 2);
	luaL_buffinit(L, &b);
	luaL_addstring(&b, "torch.Size([");
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		if (i > 1)
			luaL_addstring(&b, ", ");
		luaL_addvalue(&b);
	}
	luaL_addstring(&b, "])");
	luaL_pushresult(&b);
	return 1;
}

/* Equal to another Size or a plain table of the same numbers. */
static int size_eq(lua_State *L)
{
	lua_Integer i, n;

	if (!lua_istable(L, 1) || !lua_istable(L, 2))
		return lua_pushboolean(L, 0), 1;
	push_entries(L, 1);
	push_entries(L, 2);
	n = (lua_Integer)lua_rawlen(L, 3);
	if ((lua_Integer)lua_rawlen(L, 4) != n)
		return lua_pushboolean(L, 0), 1;
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 3, i);
		lua_rawgeti(L, 4, i);
		if (!lua_rawequal(L, -1, -2))
			return lua_pushboolean(L, 0), 1;
		lua_pop(L, 2);
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* s:numel(): the product, or an error when it leaves int64 (PyTorch's
 * Python int never overflows; agdb's integers do, and 0 would be wrong). */
static int size_numel(lua_State *L)
{
	lua_Integer i, n, p = 1;

	luaL_checktype(L, 1, LUA_TTABLE);
	push_entries(L, 1);
	n = (lua_Integer)lua_rawlen(L, -1);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		lua_Integer v = lua_tointeger(L, -1);
		if (__builtin_mul_overflow(p, v, &p))
			return luaL_error(L, "torch.Size.numel: the product of "
					  "the sizes overflows a 64-bit integer");
		lua_pop(L, 1);
	}
	lua_pushinteger(L, p);
	return 1;
}

static int size_index(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TNUMBER) {
		if (!push_size_values(L, 1))
			return 0;
		lua_pushvalue(L, 2);
		lua_rawget(L, -2);
		return 1;
	}
	if (lua_type(L, 2) == LUA_TSTRING &&
	    strcmp(lua_tostring(L, 2), "numel") == 0) {
		lua_pushcfunction(L, size_numel);
		return 1;
	}
	return 0;
}

static int size_len(lua_State *L)
{
	lua_Integer n = 0;

	if (push_size_values(L, 1))
		n = (lua_Integer)lua_rawlen(L, -1);
	lua_pushinteger(L, n);
	return 1;
}

/* pairs(s) visits the entries in order without handing out their table. */
static int size_next(lua_State *L)
{
	lua_Integer i = luaL_optinteger(L, 2, 0) + 1;

	if (!push_size_values(L, 1) || lua_rawgeti(L, -1, i) == LUA_TNIL)
		return 0;
	lua_pushinteger(L, i);
	lua_insert(L, -2);
	return 2;
}

static int size_pairs(lua_State *L)
{
	lua_pushcfunction(L, size_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static int size_newindex(lua_State *L)
{
	return luaL_error(L, "'torch.Size' object does not support item "
			  "assignment");
}

/* torch.Size({2, 3}) */
static int l_size(lua_State *L)
{
	int64_t shape[AG_MAX_DIMS];
	int n = repl_check_int_list(L, 1, "torch.Size", "a table of sizes",
				    shape, AG_MAX_DIMS);

	repl_push_size(L, shape, n);
	return 1;
}

static void open_size(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{"__tostring", size_tostring}, {"__eq", size_eq},
		{"__index", size_index}, {"__newindex", size_newindex},
		{"__len", size_len}, {"__pairs", size_pairs},
		{NULL, NULL}
	};

	if (!luaL_newmetatable(L, REPL_SIZE_MT)) {
		lua_pop(L, 1);
		return;
	}
	luaL_setfuncs(L, meta, 0);
	/* users may not swap the metatable (that would make it mutable) */
	lua_pushliteral(L, REPL_SIZE_MT);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
	lua_newtable(L);			/* proxy -> entries, weak keys */
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &size_values_key);
}

/* ------------------------------------------------------ garbage collection */

/*
 * Lua sees a tensor as a small userdata and cannot know it holds megabytes,
 * so core reports every storage allocation and we run a full collection
 * once the bytes allocated since the last one exceed a limit that grows
 * with the live memory (as Lua's own pause does for its heap): the cost of
 * collecting stays proportional to the allocation, and the resident set
 * stays within about twice the live memory.
 */
#define GC_MIN_LIMIT ((size_t)64 << 20)

static size_t gc_pending;
static size_t gc_limit = GC_MIN_LIMIT;

static void on_alloc(size_t nbytes, void *ud)
{
	(void)ud;
	gc_pending += nbytes;
}

/*
 * Lua's own (generational) pacing sees only the box, ~80 bytes, of a
 * tensor that holds a header, a version counter and a storage in core as
 * well: a loop of small ops (c = a + b) then let some 30,000 dead tensors
 * pile up between minor collections, so that every fresh tensor came from
 * malloc, cold, instead of from core's free lists.  Each box also counts
 * as the core bytes of a small tensor in Lua's debt (LUA_GCSTEP with a
 * size is how Lua takes outside memory into its pacing: a minor step when
 * the debt is due, whatever mode the collector is in).
 */
#define CORE_BYTES_PER_BOX (2 * sizeof(ag_tensor))
#define GC_STEP_BYTES ((size_t)16 << 10)

void repl_gc_pace(lua_State *L)
{
	static size_t unreported;
	size_t live;

	gc_pending += sizeof(ag_tensor);	/* the header core mallocs */
	unreported += CORE_BYTES_PER_BOX;
	if (unreported >= GC_STEP_BYTES && gc_pending < gc_limit) {
		/* collectgarbage("stop") holds: LUA_GCSTEP would run anyway */
		if (lua_gc(L, LUA_GCISRUNNING))
			lua_gc(L, LUA_GCSTEP, (int)(unreported >> 10));
		unreported &= 1023;
	}
	if (gc_pending < gc_limit)
		return;
	gc_pending = 0;
	lua_gc(L, LUA_GCCOLLECT);
	/* a full cycle costs time in proportion to both heaps */
	live = ag_storage_bytes_live() + (size_t)lua_gc(L, LUA_GCCOUNT) * 1024;
	gc_limit = live > GC_MIN_LIMIT ? live : GC_MIN_LIMIT;
}

/* --------------------------------------------------------------- printing */

static ag_print_options print_opts;

const ag_print_options *repl_print_options(void)
{
	return &print_opts;
}

/* An integer option; threshold also takes math.huge ("never summarise",
 * PyTorch's threshold=float('inf')). */
static lua_Integer print_option(lua_State *L, int idx, const char *key)
{
	int isint;
	lua_Integer v = lua_tointegerx(L, idx, &isint);

	if (lua_type(L, idx) == LUA_TNUMBER && !isint &&
	    strcmp(key, "threshold") == 0 && lua_tonumber(L, idx) == HUGE_VAL)
		return LUA_MAXINTEGER;
	if (!isint || lua_type(L, idx) != LUA_TNUMBER)
		luaL_error(L, "torch.set_printoptions: %s must be an integer%s, "
			   "got %s", key, strcmp(key, "threshold") == 0 ?
			   " (or math.huge)" : "", lua_type(L, idx) == LUA_TNUMBER
			   ? lua_tostring(L, idx) : repl_type_name(L, idx));
	return v;
}

/*
 * torch.set_printoptions({precision=, threshold=, edgeitems=, linewidth=,
 * profile=}) -- nothing (or nil) restores the defaults.  Every value is
 * checked here, so a bad one fails now and not at every later print: what
 * PyTorch prints we accept (a linewidth below 1 means one element per
 * line, a negative threshold summarises everything), what it cannot
 * (a negative precision) or we cannot (more than 100 digits) is an error.
 */
static int l_set_printoptions(lua_State *L)
{
	static const char fname[] = "torch.set_printoptions";
	static const char *const keys[] = {"precision", "threshold",
		"edgeitems", "linewidth", "profile", NULL};
	ag_print_options o = print_opts;
	lua_Integer v;

	if (lua_isnoneornil(L, 1)) {
		ag_print_options_default(&print_opts);
		return 0;
	}
	if (lua_type(L, 1) != LUA_TTABLE || repl_to_tensor(L, 1))
		return repl_arg_error(L, fname, 1, "a table of options such as "
				      "{precision=2}");
	repl_check_keys(L, 1, fname, keys);
	/* the profile first: the other keys refine it, as in PyTorch */
	if (lua_getfield(L, 1, "profile") != LUA_TNIL) {
		const char *p = lua_tostring(L, -1);
		if (lua_type(L, -1) != LUA_TSTRING)
			p = "";
		ag_print_options_default(&o);
		if (strcmp(p, "short") == 0) {
			o.precision = 2;
			o.edgeitems = 2;
		} else if (strcmp(p, "full") == 0) {
			o.threshold = INT64_MAX;
		} else if (strcmp(p, "default") != 0) {
			return luaL_error(L, "%s: profile must be \"default\", "
					  "\"short\" or \"full\", got %s", fname,
					  lua_type(L, -1) == LUA_TSTRING ?
					  lua_tostring(L, -1) : repl_type_name(L, -1));
		}
	}
	lua_pop(L, 1);
	if (lua_getfield(L, 1, "precision") != LUA_TNIL) {
		v = print_option(L, -1, "precision");
		if (v < 0 || v > 100)
			return luaL_error(L, "%s: precision must be between 0 and "
					  "100 digits, got %I", fname, v);
		o.precision = (int)v;
	}
	if (lua_getfield(L, 1, "threshold") != LUA_TNIL)
		o.threshold = print_option(L, -1, "threshold");
	if (lua_getfield(L, 1, "edgeitems") != LUA_TNIL) {
		v = print_option(L, -1, "edgeitems");
		if (v < 0 || v > INT32_MAX)
			return luaL_error(L, "%s: edgeitems must be between 0 and "
					  "%d, got %I", fname, INT32_MAX, v);
		o.edgeitems = (int)v;
	}
	if (lua_getfield(L, 1, "linewidth") != LUA_TNIL) {
		v = print_option(L, -1, "linewidth");
		o.linewidth = v < 1 ? 1 : v > INT32_MAX ? INT32_MAX : (int)v;
	}
	print_opts = o;
	return 0;
}

/* --------------------------------------------------------------- factories */

/* The dtype and requires_grad keywords every factory takes. */
struct factory_opts {
	ag_dtype dtype;
	bool dtype_given;
	bool requires_grad;
	ag_generator *gen;	/* the random factories' generator keyword */
	const char *fname;	/* "torch.ones": where the debugger says it was made */
};

static void factory_opts(lua_State *L, int kw, const char *fname,
			 struct factory_opts *o, ag_dtype def)
{
	static const char *const keys[] = {"dtype", "requires_grad", "device",
		NULL};
	static const char *const random_keys[] = {"dtype", "requires_grad",
		"device", "generator", NULL};
	bool random = strncmp(fname, "torch.rand", 10) == 0;

	o->fname = fname;
	repl_check_keys(L, kw, fname, random ? random_keys : keys);
	o->gen = random ? repl_kw_generator(L, kw, fname) : NULL;
	o->dtype = def;
	o->dtype_given = repl_kw_dtype(L, kw, "dtype", &o->dtype, fname);
	o->requires_grad = repl_kw_bool(L, kw, "requires_grad", false, fname);
	if (repl_kw_get(L, kw, "device") != LUA_TNIL &&
	    (lua_type(L, -1) != LUA_TSTRING ||
	     strcmp(lua_tostring(L, -1), "cpu") != 0))
		luaL_error(L, "%s: agdb only has the \"cpu\" device", fname);
	lua_pop(L, 1);
}

/* Pushes t, applying requires_grad (checked before anything leaks). */
static int push_new(lua_State *L, ag_tensor *t, const struct factory_opts *o)
{
	repl_push_tensor(L, t);
	if (o->requires_grad && ag_set_requires_grad_via(t, true, AG_RG_FACTORY) != 0)
		return repl_core_error(L);
	ag_trace_created(t, o->fname);
	return 1;
}

typedef ag_tensor *(*shape_factory)(const int64_t *, int, ag_dtype);
typedef ag_tensor *(*random_factory)(const int64_t *, int, ag_dtype,
				     ag_generator *);

/* fn or, for the random factories, rfn with the generator keyword */
static int sized_any(lua_State *L, shape_factory fn, random_factory rfn,
		     const char *fname)
{
	int kw = repl_kwargs(L, 1);
	int64_t shape[AG_MAX_DIMS];
	int n = repl_check_sizes(L, 1, kw ? kw - 1 : lua_gettop(L), fname, shape);
	struct factory_opts o;

	factory_opts(L, kw, fname, &o, AG_DEFAULT_DTYPE);
	return push_new(L, rfn ? rfn(shape, n, o.dtype, o.gen) :
			fn(shape, n, o.dtype), &o);
}

static int sized(lua_State *L, shape_factory fn, const char *fname)
{
	return sized_any(L, fn, NULL, fname);
}

static int l_zeros(lua_State *L) { return sized(L, ag_zeros, "torch.zeros"); }
static int l_ones(lua_State *L) { return sized(L, ag_ones, "torch.ones"); }
static int l_empty(lua_State *L) { return sized(L, ag_empty, "torch.empty"); }
static int l_rand(lua_State *L) { return sized_any(L, NULL, ag_rand_gen, "torch.rand"); }
static int l_randn(lua_State *L) { return sized_any(L, NULL, ag_randn_gen, "torch.randn"); }

/* The dtype PyTorch infers from a Lua scalar. */
static ag_dtype scalar_dtype(lua_State *L, int idx)
{
	if (lua_isboolean(L, idx))
		return AG_BOOL;
	return lua_isinteger(L, idx) ? AG_INT64 : AG_DEFAULT_DTYPE;
}

static double scalar_value(lua_State *L, int idx, const char *fname)
{
	if (lua_isboolean(L, idx))
		return lua_toboolean(L, idx);
	return repl_check_number(L, idx, fname);
}

/* torch.full(size, value, opts) */
static int l_full(lua_State *L)
{
	static const char fname[] = "torch.full";
	int kw = repl_kwargs(L, 3);
	int64_t shape[AG_MAX_DIMS];
	int n;
	double v;
	struct factory_opts o;

	if (lua_type(L, 1) != LUA_TTABLE)
		repl_arg_error(L, fname, 1, "a table of sizes");
	n = repl_check_sizes(L, 1, 1, fname, shape);
	v = scalar_value(L, 2, fname);
	factory_opts(L, kw, fname, &o, scalar_dtype(L, 2));
	return push_new(L, ag_full(shape, n, v, o.dtype), &o);
}

/* torch.randint([low,] high, size, opts) */
static int l_randint(lua_State *L)
{
	static const char fname[] = "torch.randint";
	int64_t shape[AG_MAX_DIMS], low = 0, high;
	int n, sz, kw;
	struct factory_opts o;

	if (lua_type(L, 2) == LUA_TTABLE) {
		high = repl_check_integer(L, 1, fname, "an integer");
		sz = 2;
	} else {
		low = repl_check_integer(L, 1, fname, "an integer");
		high = repl_check_integer(L, 2, fname, "an integer");
		sz = 3;
	}
	if (lua_type(L, sz) != LUA_TTABLE || repl_kwargs(L, sz) == sz)
		repl_arg_error(L, fname, sz, "a table of sizes");
	n = repl_check_sizes(L, sz, sz, fname, shape);
	kw = repl_kwargs(L, sz + 1);
	factory_opts(L, kw, fname, &o, AG_INT64);
	return push_new(L, ag_randint_gen(low, high, shape, n, o.dtype, o.gen),
			&o);
}

/* torch.arange(end) / (start, end) / (start, end, step): int64 when every
 * bound is a Lua integer, as PyTorch infers from Python ints. */
static int l_arange(lua_State *L)
{
	static const char fname[] = "torch.arange";
	int kw = repl_kwargs(L, 1), top = kw ? kw - 1 : lua_gettop(L), i;
	double a[3] = {0, 0, 1};
	lua_Integer ia[3] = {0, 0, 1};
	bool ints = true;
	struct factory_opts o;

	if (top < 1 || top > 3)
		return luaL_error(L, "%s: expected (end), (start, end) or (start, "
				  "end, step), got %d numbers", fname, top);
	for (i = 1; i <= top; i++) {
		double v = repl_check_number(L, i, fname);
		ints = ints && lua_isinteger(L, i);
		a[top == 1 ? 1 : i - 1] = v;
		ia[top == 1 ? 1 : i - 1] = lua_tointeger(L, i);
	}
	factory_opts(L, kw, fname, &o, ints ? AG_INT64 : AG_DEFAULT_DTYPE);
	/* integers beyond 2^53 stay exact on the integer path */
	return push_new(L, ints ? ag_arange_int(ia[0], ia[1], ia[2], o.dtype)
			: ag_arange(a[0], a[1], a[2], o.dtype), &o);
}

static int l_linspace(lua_State *L)
{
	static const char fname[] = "torch.linspace";
	int kw = repl_kwargs(L, 4);
	double s = repl_check_number(L, 1, fname);
	double e = repl_check_number(L, 2, fname);
	lua_Integer n = repl_check_integer(L, 3, fname, "an integer");
	struct factory_opts o;

	factory_opts(L, kw, fname, &o, AG_DEFAULT_DTYPE);
	return push_new(L, ag_linspace(s, e, n, o.dtype), &o);
}

static int l_eye(lua_State *L)
{
	static const char fname[] = "torch.eye";
	int kw = repl_kwargs(L, 2);
	lua_Integer n = repl_check_integer(L, 1, fname, "an integer"), m = n;
	struct factory_opts o;

	if (!lua_isnoneornil(L, 2) && kw != 2)
		m = repl_check_integer(L, 2, fname, "an integer");
	factory_opts(L, kw, fname, &o, AG_DEFAULT_DTYPE);
	return push_new(L, ag_eye(n, m, o.dtype), &o);
}

/* *_like(t, opts): t's shape, t's dtype unless the dtype keyword says. */
static int like_any(lua_State *L, shape_factory fn, random_factory rfn,
		    const char *fname)
{
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	struct factory_opts o;

	factory_opts(L, repl_kwargs(L, 2), fname, &o, t->dtype);
	return push_new(L, rfn ? rfn(t->shape, t->ndim, o.dtype, o.gen) :
			fn(t->shape, t->ndim, o.dtype), &o);
}

static int like(lua_State *L, shape_factory fn, const char *fname)
{
	return like_any(L, fn, NULL, fname);
}

static int l_zeros_like(lua_State *L) { return like(L, ag_zeros, "torch.zeros_like"); }
static int l_ones_like(lua_State *L) { return like(L, ag_ones, "torch.ones_like"); }
static int l_empty_like(lua_State *L) { return like(L, ag_empty, "torch.empty_like"); }
static int l_rand_like(lua_State *L) { return like_any(L, NULL, ag_rand_gen, "torch.rand_like"); }
static int l_randn_like(lua_State *L) { return like_any(L, NULL, ag_randn_gen, "torch.randn_like"); }

/* torch.randint_like(t, [low,] high, opts) */
static int l_randint_like(lua_State *L)
{
	static const char fname[] = "torch.randint_like";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 3), top = kw ? kw - 1 : lua_gettop(L);
	int64_t low = 0, high;
	struct factory_opts o;

	if (top >= 3) {
		low = repl_check_integer(L, 2, fname, "an integer");
		high = repl_check_integer(L, 3, fname, "an integer");
	} else {
		high = repl_check_integer(L, 2, fname, "an integer");
	}
	factory_opts(L, kw, fname, &o, t->dtype);
	return push_new(L, ag_randint_gen(low, high, t->shape, t->ndim, o.dtype,
					  o.gen), &o);
}

static int l_full_like(lua_State *L)
{
	static const char fname[] = "torch.full_like";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	double v = scalar_value(L, 2, fname);
	struct factory_opts o;

	factory_opts(L, repl_kwargs(L, 3), fname, &o, t->dtype);
	return push_new(L, ag_full(t->shape, t->ndim, v, o.dtype), &o);
}

/* -------------------------------------------------------- torch.tensor */

enum { K_NONE = -1, K_BOOL, K_INT, K_FLOAT };

/* Pass 1: checks the nesting is rectangular and finds the widest kind. */
static void scan_data(lua_State *L, int d, int ndim, const int64_t *shape,
		      int *kind)
{
	int64_t i;

	if (d == ndim) {
		if (lua_type(L, -1) == LUA_TNUMBER)
			*kind = lua_isinteger(L, -1) ? (*kind > K_INT ? *kind : K_INT)
				: K_FLOAT;
		else if (lua_isboolean(L, -1))
			*kind = *kind > K_BOOL ? *kind : K_BOOL;
		else
			luaL_error(L, "torch.tensor: elements must be numbers or "
				   "booleans, got %s%s", repl_type_name(L, -1),
				   repl_to_tensor(L, -1) ? " (join tensors with "
				   "torch.stack)" : "");
		return;
	}
	if (lua_type(L, -1) != LUA_TTABLE)
		luaL_error(L, "torch.tensor: expected a table of length %d at "
			   "dim %d (got %s)", (int)shape[d], d + 1,
			   repl_type_name(L, -1));
	if ((int64_t)luaL_len(L, -1) != shape[d])
		luaL_error(L, "torch.tensor: expected sequence of length %d at "
			   "dim %d (got %d)", (int)shape[d], d + 1,
			   (int)luaL_len(L, -1));
	luaL_checkstack(L, 2, "table nested too deeply");
	for (i = 1; i <= shape[d]; i++) {
		lua_geti(L, -1, i);
		scan_data(L, d + 1, ndim, shape, kind);
		lua_pop(L, 1);
	}
}

/* Pass 2: stores the elements in order into the contiguous buffer. */
static void fill_data(lua_State *L, int d, int ndim, const int64_t *shape,
		      char **p, ag_dtype dt, size_t esize)
{
	int64_t i;

	if (d == ndim) {
		if (lua_isboolean(L, -1)) {
			ag_store_i64(*p, dt, lua_toboolean(L, -1));
		} else {
			bool integer = lua_isinteger(L, -1);
			double v = lua_tonumber(L, -1);
			/* PyTorch's checked conversion (an integer wraps into uint8
			 * from -255); a Lua integer always fits int64 */
			if (ag_dtype_is_integral(dt) && !(integer && dt == AG_INT64) &&
			    !ag_dtype_fits(dt, v, integer))
				luaL_error(L, "value cannot be converted to "
					   "type %s without overflow", ag_dtype_name(dt));
			if (integer)
				ag_store_i64(*p, dt, lua_tointeger(L, -1));
			else
				ag_store(*p, dt, v);
		}
		*p += esize;
		return;
	}
	for (i = 1; i <= shape[d]; i++) {
		lua_geti(L, -1, i);
		fill_data(L, d + 1, ndim, shape, p, dt, esize);
		lua_pop(L, 1);
	}
}

static int l_tensor(lua_State *L)
{
	static const char fname[] = "torch.tensor";
	int kw = repl_kwargs(L, 2);
	int64_t shape[AG_MAX_DIMS];
	int ndim = 0, kind = K_NONE;
	ag_tensor *src = repl_to_tensor(L, 1), *t;
	struct factory_opts o;
	char *p;
	static const ag_dtype kind_dtype[] = {AG_BOOL, AG_INT64, AG_DEFAULT_DTYPE};

	if (src) {	/* a copy without history, as torch.tensor(t) */
		factory_opts(L, kw, fname, &o, src->dtype);
		t = ag_to_dtype(src, o.dtype);
		if (t == src) {
			ag_tensor_release(t);
			t = ag_clone(src);
		}
		return push_new(L, t, &o);
	}
	if (lua_type(L, 1) != LUA_TTABLE && lua_type(L, 1) != LUA_TNUMBER &&
	    !lua_isboolean(L, 1))
		repl_arg_error(L, fname, 1, "a number, a boolean or a (nested) "
			       "table of them");
	/* the shape follows the first element down */
	lua_pushvalue(L, 1);
	while (lua_type(L, -1) == LUA_TTABLE && !repl_to_tensor(L, -1)) {
		if (ndim == AG_MAX_DIMS)
			return luaL_error(L, "%s: at most %d dims are supported",
					  fname, AG_MAX_DIMS);
		shape[ndim] = luaL_len(L, -1);
		if (shape[ndim++] == 0)
			break;
		lua_geti(L, -1, 1);
		lua_remove(L, -2);
	}
	lua_pop(L, 1);
	lua_pushvalue(L, 1);
	scan_data(L, 0, ndim, shape, &kind);
	/* no elements at all: PyTorch's torch.tensor([]) is float32 */
	factory_opts(L, kw, fname, &o, kind_dtype[kind == K_NONE ? K_FLOAT : kind]);
	t = ag_empty(shape, ndim, o.dtype);
	if (!t)
		return repl_core_error(L);
	/* Lua owns t before any element can fail to convert */
	repl_push_tensor(L, t);
	lua_pushvalue(L, -2);
	p = ag_data_ptr(t);
	fill_data(L, 0, ndim, shape, &p, o.dtype, ag_dtype_size(o.dtype));
	lua_pop(L, 1);
	if (o.requires_grad && ag_set_requires_grad_via(t, true, AG_RG_FACTORY) != 0)
		return repl_core_error(L);
	ag_trace_created(t, o.fname);
	return 1;
}

/* ------------------------------------------------- the leak check at exit */

/*
 * Lua's collector frees a tensor's userdata, core frees the tensor when its
 * last reference goes.  A reference lost in C (a missing release) keeps a
 * tensor in core's registry for ever, and LeakSanitizer cannot see it: the
 * registry still points at it.  So in debug builds, and whenever
 * AGDB_CHECK_LEAKS=1 (the test suite sets it), a sentinel created before
 * any tensor is finalised last when the Lua state closes -- after every
 * tensor's finalizer -- and checks that no tensor and no storage is left.
 * A leak is reported on stderr and makes the process exit with status 3.
 * (A script that ends with os.exit() never closes the state: no check.)
 */
static bool leak_found;

static void leak_exit(void)
{
	if (leak_found) {
		fflush(stdout);
		_exit(3);
	}
}

/*
 * Tensors that only autograd reference cycles hold: a .grad made with
 * create_graph=true (its graph saves the leaf), or an input saved for
 * backward and later overwritten in place through a view (its CopySlices
 * node leads back to the node that saved it).  PyTorch 1.13 never frees
 * these either.  At exit nothing in Lua can reach them any more, so the
 * cycles are cut (grads dropped, histories detached) before the check: a
 * tensor still alive after that is held by a reference nobody owns.
 * Returns how many tensors the cut freed.
 */
static size_t cut_autograd_cycles(void)
{
	size_t n = ag_registry_count(), i = 0, before = n;
	ag_tensor **all = malloc((n ? n : 1) * sizeof *all);

	if (!all)
		return 0;
	for (ag_tensor *t = ag_registry_first(); t && i < n; t = ag_registry_next(t))
		ag_tensor_retain(all[i++] = t);
	/* drop every grad and grad_fn: what detach_ does, for views too (a
	 * view saved by the node of an in-place op on itself closes a loop
	 * through its own grad_fn) */
	for (size_t k = 0; k < i; k++) {
		ag_node *fn = all[k]->grad_fn;
		ag_set_grad(all[k], NULL);
		all[k]->grad_fn = NULL;
		ag_node_release(fn);
	}
	ag_error_clear();
	for (size_t k = 0; k < i; k++)
		ag_tensor_release(all[k]);
	free(all);
	return before - ag_registry_count();
}

static int leak_sentinel_gc(lua_State *L)
{
	size_t n = ag_registry_count(), shown = 0, cut;
	char buf[128];

	(void)L;
	if (n == 0 && ag_storage_registry_first() == NULL)
		return 0;
	cut = cut_autograd_cycles();
	if (cut && getenv("AGDB_CHECK_LEAKS_VERBOSE"))
		fprintf(stderr, "agdb: leak check: %zu tensor(s) held only by "
			"autograd reference cycles, freed at exit\n", cut);
	n = ag_registry_count();
	if (n == 0 && ag_storage_registry_first() == NULL)
		return 0;
	fprintf(stderr, "agdb: leak check: %zu tensor(s) and %zu storage "
		"byte(s) still alive after the Lua state closed\n", n,
		ag_storage_bytes_live());
	for (ag_tensor *t = ag_registry_first(); t && shown < 10;
	     t = ag_registry_next(t), shown++)
		fprintf(stderr, "  tensor #%llu %s %s refcount %d%s%s%s%s\n",
			(unsigned long long)t->id, ag_dtype_name(t->dtype),
			ag_shape_str(t->shape, t->ndim, buf, sizeof buf),
			t->refcount, t->requires_grad ? " requires_grad" : "",
			t->grad_fn ? " grad_fn " : "",
			t->grad_fn ? ag_node_name(t->grad_fn) : "",
			t->grad ? " (has .grad)" : "");
	fflush(stderr);
	leak_found = true;
	return 0;
}

static void open_leak_check(lua_State *L)
{
	static const char sentinel_key = 'l';
	static bool registered;
	const char *env = getenv("AGDB_CHECK_LEAKS");
	bool on = env ? strcmp(env, "1") == 0 : false;

#ifndef NDEBUG
	on = !(env && strcmp(env, "0") == 0);
#endif
	if (!on || lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key) != LUA_TNIL) {
		if (on)
			lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	lua_newuserdatauv(L, 1, 0);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, leak_sentinel_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
	if (!registered)
		registered = atexit(leak_exit) == 0;
}

/* ------------------------------------------------------ torch.cat / stack */

/*
 * The join ops read their tensor list as borrowed pointers, which is right
 * for a plain table (it holds the tensors) but not for a list whose
 * __index makes each tensor on access: nothing would hold them, and the
 * collector could free one while the op still reads it.  So torch.cat and
 * torch.stack first copy the list, with one metamethod-aware read per
 * element, into a plain table that anchors every tensor until the op is
 * done.  (The method forms x:cat(...) already build such a table.)
 */
static int anchored_join(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TTABLE && !repl_to_tensor(L, 1) &&
	    (lua_getmetatable(L, 1) ? (lua_pop(L, 1), true) : false)) {
		lua_Integer i, n = luaL_len(L, 1);
		if (n < 0 || n > (1 << 24))
			return luaL_error(L, "torch.%s: a list of %I tensors",
					  lua_tostring(L, lua_upvalueindex(2)), n);
		lua_createtable(L, (int)n, 0);
		for (i = 1; i <= n; i++) {
			lua_geti(L, 1, i);
			lua_rawseti(L, -2, i);
		}
		lua_replace(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static void anchor_join(lua_State *L, const char *name)
{
	lua_getfield(L, -1, name);
	lua_pushstring(L, name);
	lua_pushcclosure(L, anchored_join, 2);
	lua_setfield(L, -2, name);
}

/* ------------------------------------------------------------ misc torch.* */

static int l_is_tensor(lua_State *L)
{
	lua_pushboolean(L, luaL_testudata(L, 1, REPL_TENSOR_MT) != NULL);
	return 1;
}

static int l_get_default_dtype(lua_State *L)
{
	repl_push_dtype(L, AG_DEFAULT_DTYPE);
	return 1;
}

/* torch._live_tensors(): how many tensors core holds, the bytes of
 * their storages, and the bytes the storage cache keeps for reuse (not
 * live, but resident) -- for tests of memory under load (agdb.memory
 * tells more). */
static int l_live_tensors(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)ag_registry_count());
	lua_pushinteger(L, (lua_Integer)ag_storage_bytes_live());
	lua_pushinteger(L, (lua_Integer)ag_storage_bytes_cached());
	return 3;
}

/* torch.get_num_threads / set_num_threads: the threads of parallel
 * loops and BLAS (one per physical core to start, as PyTorch). */
static int l_get_num_threads(lua_State *L)
{
	lua_pushinteger(L, ag_get_num_threads());
	return 1;
}

static int l_set_num_threads(lua_State *L)
{
	int isnum;
	lua_Integer n = lua_tointegerx(L, 1, &isnum);

	if (!isnum || lua_type(L, 1) != LUA_TNUMBER)	/* 2.0 is 2, "2" is not */
		return luaL_error(L, "set_num_threads expects an int, but got %s",
				  repl_type_name(L, 1));
	if (n <= 0 || n > 4096)
		return luaL_error(L, "set_num_threads expects a positive integer");
	ag_set_num_threads((int)n);
	return 0;
}

static int l_numel(lua_State *L)
{
	lua_pushinteger(L, ag_numel(repl_check_tensor(L, 1, "torch.numel")));
	return 1;
}

int luaopen_torch(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"tensor", l_tensor}, {"zeros", l_zeros}, {"ones", l_ones},
		{"empty", l_empty}, {"full", l_full}, {"rand", l_rand},
		{"randn", l_randn}, {"randint", l_randint}, {"arange", l_arange},
		{"linspace", l_linspace}, {"eye", l_eye},
		{"zeros_like", l_zeros_like}, {"ones_like", l_ones_like},
		{"empty_like", l_empty_like}, {"full_like", l_full_like},
		{"rand_like", l_rand_like}, {"randn_like", l_randn_like},
		{"randint_like", l_randint_like},
		{"is_tensor", l_is_tensor},
		{"get_default_dtype", l_get_default_dtype},
		{"set_printoptions", l_set_printoptions},
		{"numel", l_numel}, {"Size", l_size},
		{"_live_tensors", l_live_tensors},
		{"get_num_threads", l_get_num_threads},
		{"set_num_threads", l_set_num_threads},
		{NULL, NULL}
	};

	luaL_checkversion(L);
	ag_blas_init();	/* before any product: see linalg.c */
	open_leak_check(L);	/* first, so that it is finalised last */
	ag_set_index_base(1);	/* core's messages count dims as Lua does */
	ag_print_options_default(&print_opts);
	ag_set_alloc_observer(on_alloc, NULL);
	open_dtypes(L);
	open_size(L);
	repl_open_tensor(L);

	lua_newtable(L);
	repl_register_tensor_funcs(L, false);
	repl_register_ops(L, false);
	anchor_join(L, "cat");
	anchor_join(L, "stack");
	luaL_setfuncs(L, funcs, 0);
	repl_open_random(L);
	repl_register_nn_ops(L);
	set_dtypes(L);
	repl_register_dtype_info(L);
	repl_open_autograd(L);
	luaL_getmetatable(L, REPL_TENSOR_MT);
	lua_setfield(L, -2, "Tensor");
	repl_open_lib(L);
	repl_register_autocast(L);
	repl_autocast_wrap(L, -1);
	repl_open_more(L);
	return 1;
}
