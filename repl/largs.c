/*
 * largs.c - argument checking for the torch module, and the one place where
 * Lua's 1-based dims and indices become core's 0-based ones.
 *
 * Messages name the function and the argument, so a user can tell which of
 * `torch.zeros(2, "3")`'s arguments is wrong without reading C.
 */
#include "ltorch.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *repl_type_name(lua_State *L, int idx)
{
	const char *name = NULL;
	int t;

	if (repl_to_tensor(L, idx))
		return "Tensor";
	t = luaL_getmetafield(L, idx, "__name");
	if (t != LUA_TNIL) {
		/* the metatable keeps the string alive after the pop */
		if (t == LUA_TSTRING)
			name = lua_tostring(L, -1);
		lua_pop(L, 1);
		if (name && (strcmp(name, REPL_SIZE_MT) == 0 ||
			     strcmp(name, REPL_DTYPE_MT) == 0))
			return name;
	}
	return luaL_typename(L, idx);
}

int repl_arg_error(lua_State *L, const char *fname, int arg, const char *what)
{
	return luaL_error(L, "%s: argument %d must be %s, got %s", fname, arg,
			  what, repl_type_name(L, arg));
}

ag_tensor **repl_check_tensor_list(lua_State *L, int idx, const char *fname,
				   const char *name, const char *what,
				   unsigned flags, int *n)
{
	char arg[32];
	lua_Integer i, len = 0;
	ag_tensor **ts, *one = NULL;

	idx = lua_absindex(L, idx);
	if (!name) {
		snprintf(arg, sizeof arg, "argument %d", idx);
		name = arg;
	}
	if ((flags & REPL_LIST_NIL) && lua_isnoneornil(L, idx))
		len = 0;
	else if ((flags & REPL_LIST_ONE) && (one = repl_to_tensor(L, idx)))
		len = 1;
	else if (lua_type(L, idx) != LUA_TTABLE)
		luaL_error(L, "%s: %s must be %s, got %s", fname, name, what,
			   repl_type_name(L, idx));
	else
		len = flags & REPL_LIST_HOLES ? (lua_Integer)lua_rawlen(L, idx)
					      : luaL_len(L, idx);
	if (len > 1 << 24)
		luaL_error(L, "%s: too many tensors", fname);
	ts = lua_newuserdatauv(L, (size_t)(len ? len : 1) * sizeof *ts, 0);
	if (one) {
		ts[0] = one;
		len = 0;
		*n = 1;
	}
	for (i = 1; i <= len; i++) {
		lua_geti(L, idx, i);
		ts[i - 1] = repl_to_tensor(L, -1);
		if (!ts[i - 1] && !((flags & REPL_LIST_HOLES) &&
				    (lua_isnil(L, -1) || lua_isboolean(L, -1))))
			luaL_error(L, "%s: %s must be %s, but element %d is %s",
				   fname, name, what, (int)i,
				   repl_type_name(L, -1));
		lua_pop(L, 1);
	}
	if (!one)
		*n = (int)len;
	return ts;
}

/* --------------------------------------------------------------- keywords */

int repl_kwargs(lua_State *L, int first)
{
	int top = lua_gettop(L);
	bool named = false;

	if (top < first || lua_type(L, top) != LUA_TTABLE)
		return 0;
	if (luaL_getmetafield(L, top, "__name") != LUA_TNIL) {
		lua_pop(L, 1);	/* a Size or another object, not keywords */
		return 0;
	}
	if (lua_rawgeti(L, top, 1) != LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	lua_pop(L, 1);
	lua_pushnil(L);
	while (lua_next(L, top)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			named = true;
			lua_pop(L, 1);
			break;
		}
	}
	return named ? top : 0;
}

void repl_check_keys(lua_State *L, int kw, const char *fname,
		     const char *const *allowed)
{
	if (kw == 0)
		return;
	lua_pushnil(L);
	while (lua_next(L, kw)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "%s: keyword table has a non-string key",
				   fname);
		const char *k = lua_tostring(L, -1);
		const char *const *a = allowed;
		while (*a && strcmp(*a, k) != 0)
			a++;
		if (!*a)
			luaL_error(L, "%s: unexpected keyword argument '%s'",
				   fname, k);
	}
}

int repl_kw_get(lua_State *L, int kw, const char *key)
{
	if (kw == 0) {
		lua_pushnil(L);
		return LUA_TNIL;
	}
	return lua_getfield(L, kw, key);
}

bool repl_kw_bool(lua_State *L, int kw, const char *key, bool def,
		  const char *fname)
{
	int t = repl_kw_get(L, kw, key);
	bool v = def;

	if (t == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	else if (t != LUA_TNIL)
		luaL_error(L, "%s: keyword '%s' must be a boolean, got %s",
			   fname, key, luaL_typename(L, -1));
	lua_pop(L, 1);
	return v;
}

bool repl_kw_dtype(lua_State *L, int kw, const char *key, ag_dtype *out,
		   const char *fname)
{
	bool given = false;

	if (repl_kw_get(L, kw, key) != LUA_TNIL) {
		if (repl_to_dtype(L, -1, out) != 0)
			luaL_error(L, "%s: keyword '%s' must be a dtype such as "
				   "torch.float32, got %s", fname, key,
				   repl_type_name(L, -1));
		given = true;
	}
	lua_pop(L, 1);
	return given;
}

/* ---------------------------------------------------------------- numbers */

lua_Integer repl_check_integer(lua_State *L, int idx, const char *fname,
			       const char *what)
{
	int isnum;
	lua_Integer v = lua_tointegerx(L, idx, &isnum);

	if (!isnum || lua_type(L, idx) != LUA_TNUMBER) {
		if (lua_type(L, idx) == LUA_TNUMBER)
			luaL_error(L, "%s: argument %d must be %s, got %s",
				   fname, idx, what,
				   lua_tostring(L, idx));
		repl_arg_error(L, fname, idx, what);
	}
	return v;
}

double repl_check_number(lua_State *L, int idx, const char *fname)
{
	if (lua_type(L, idx) != LUA_TNUMBER)
		repl_arg_error(L, fname, idx, "a number");
	return lua_tonumber(L, idx);
}

/* The element at position i of a sequence (table or Size) as an integer. */
static int64_t list_item(lua_State *L, int idx, lua_Integer i,
			 const char *fname, const char *what)
{
	int isnum;
	lua_Integer v;

	lua_geti(L, idx, i);
	v = lua_tointegerx(L, -1, &isnum);
	if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
		luaL_error(L, "%s: argument %d must be %s, but element %d is %s",
			   fname, idx, what, (int)i,
			   lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1)
			   : luaL_typename(L, -1));
	lua_pop(L, 1);
	return v;
}

int repl_check_int_list(lua_State *L, int idx, const char *fname,
			const char *what, int64_t *out, int max)
{
	lua_Integer n, i;

	if (lua_type(L, idx) != LUA_TTABLE)
		repl_arg_error(L, fname, idx, what);
	n = luaL_len(L, idx);
	if (n > max)
		luaL_error(L, "%s: argument %d has %d entries; at most %d "
			   "dims are supported", fname, idx, (int)n, max);
	for (i = 1; i <= n; i++)
		out[i - 1] = list_item(L, idx, i, fname, what);
	return (int)n;
}

int repl_check_sizes(lua_State *L, int first, int last, const char *fname,
		     int64_t *shape)
{
	static const char what[] = "a number or a table of sizes";
	int i, n = 0;

	if (first <= last && lua_type(L, first) == LUA_TTABLE) {
		if (last > first)
			repl_arg_error(L, fname, first + 1, "absent after a "
				       "table of sizes");
		return repl_check_int_list(L, first, fname, what, shape,
					   AG_MAX_DIMS);
	}
	for (i = first; i <= last; i++) {
		if (n == AG_MAX_DIMS)
			luaL_error(L, "%s: at most %d dims are supported",
				   fname, AG_MAX_DIMS);
		shape[n++] = repl_check_integer(L, i, fname, what);
	}
	return n;
}

/* ------------------------------------------------------- dims and indices */

int repl_wrap_dim(lua_State *L, lua_Integer d, int ndim, int extra)
{
	int n = ndim + extra;

	if (n < 1)
		n = 1;	/* a 0-d tensor accepts dim 1 / -1, like PyTorch's 0 / -1 */
	if (d == 0)
		luaL_error(L, "dimension 0 is out of range: agdb counts from 1 "
			   "(use 1 for the first dimension, -1 for the last)");
	if (d < -n || d > n)
		luaL_error(L, "Dimension out of range (expected to be in range "
			   "of [%d, %d], but got %I)", -n, n, (lua_Integer)d);
	return d > 0 ? (int)(d - 1) : (int)(d + n);
}

int repl_check_dim(lua_State *L, int idx, int ndim, int extra,
		   const char *fname)
{
	return repl_wrap_dim(L, repl_check_integer(L, idx, fname, "a dim "
			     "(an integer)"), ndim, extra);
}

int64_t repl_wrap_index(lua_State *L, lua_Integer i, int64_t size, int dim)
{
	if (i == 0)
		luaL_error(L, "index 0 is out of range: agdb counts from 1 (use "
			   "1 for the first element)");
	if (i < -size || i > size)
		luaL_error(L, "index %I is out of bounds for dimension %d "
			   "with size %I", (lua_Integer)i, dim + 1,
			   (lua_Integer)size);
	return i > 0 ? i - 1 : size + i;
}

static int64_t zero_based(lua_State *L, int64_t v)
{
	if (v == 0)
		luaL_error(L, "index 0 is out of range: agdb counts from 1 (use "
			   "1 for the first element)");
	return v > 0 ? v - 1 : v;
}

ag_tensor *repl_index_arg(lua_State *L, int idx, const char *fname)
{
	ag_tensor *it = repl_to_tensor(L, idx), *r;
	int64_t i, n, *p, zeros;

	if (!it) {
		int64_t shape[1];
		if (lua_type(L, idx) != LUA_TTABLE)
			repl_arg_error(L, fname, idx, "a Tensor or a table of "
				       "indices");
		n = luaL_len(L, idx);
		if (n < 0 || n > ((int64_t)1 << 40))
			luaL_error(L, "%s: argument %d has too many indices", fname,
				   idx);
		shape[0] = n;
		p = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *p, 0);
		for (i = 0; i < n; i++) {
			int ok;
			lua_geti(L, idx, i + 1);
			p[i] = lua_tointegerx(L, -1, &ok);
			if (!ok)
				luaL_error(L, "%s: argument %d must be a table of "
					   "integers, but element %d is %s",
					   fname, idx, (int)(i + 1),
					   luaL_typename(L, -1));
			p[i] = zero_based(L, p[i]);
			lua_pop(L, 1);
		}
		r = ag_from_buffer(p, shape, 1, AG_INT64);
		lua_pop(L, 1);
		return r;
	}
	if (it->dtype != AG_INT64) {
		ag_tensor_retain(it);
		return it;
	}
	r = ag_index_shift(it, &zeros);
	if (r && zeros) {
		ag_tensor_release(r);
		zero_based(L, 0);
	}
	return r;
}

/* ---------------------------------------------------------------- operands */

void repl_check_operand_type(lua_State *L, int idx, const char *fname)
{
	int t = lua_type(L, idx);

	if (t != LUA_TNUMBER && t != LUA_TBOOLEAN && !repl_to_tensor(L, idx))
		repl_arg_error(L, fname, idx, "a Tensor or a number");
}

ag_tensor *repl_check_operand(lua_State *L, int idx, const char *fname)
{
	ag_tensor *t = repl_to_tensor(L, idx);

	if (t) {
		ag_tensor_retain(t);
		return t;
	}
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			/* exact: an integer past 2^53 (or math.maxinteger,
			 * which rounds to 2^63 as a double) must not become
			 * another number, nor an overflow error that would
			 * leak the caller's other operand */
			t = ag_wrapped_number(0, true);
			if (t)
				*(int64_t *)ag_data_ptr(t) = lua_tointeger(L, idx);
		} else {
			t = ag_wrapped_number(lua_tonumber(L, idx), false);
		}
		break;
	case LUA_TBOOLEAN:
		t = ag_scalar(lua_toboolean(L, idx), AG_BOOL);
		if (t)
			t->is_wrapped_number = true;
		break;
	default:
		repl_arg_error(L, fname, idx, "a Tensor or a number");
	}
	if (!t)
		repl_core_error(L);
	return t;
}
