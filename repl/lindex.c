/*
 * lindex.c - x[spec] and x[spec] = v, plus the string-key dispatch of
 * __index/__newindex (x.shape, x:sum).
 *
 * A spec is Lua-flavoured: x[i] selects along dim 1; x[{i, {a, b},
 * {a, b, step}, {}}] takes per dim an index, an inclusive range, a range
 * with a step, or everything.  Indices count from 1, negatives from the
 * end.  Reads are views; writes go through core's checked setitem.
 *
 * Advanced indexing: an int64 tensor (1-based positions) or a bool mask
 * (over as many dims as it has) in place of an index, alone (x[idx],
 * x[mask]) or in a table with the rest.  As PyTorch does, the numbers and
 * ranges are applied first (a view), then the tensors index that view:
 * x[...] is IndexBackward0, x[...] = v index_put_ (IndexPutBackward0).
 */
#include "ltorch.h"
#include "autograd.h"

#include <string.h>

static const char spec_help[] = "an index, {a, b}, {a, b, step} or {}";

static lua_Integer spec_integer(lua_State *L, int idx, const char *where)
{
	int ok;
	lua_Integer v = lua_tointegerx(L, idx, &ok);

	if (!ok || lua_type(L, idx) != LUA_TNUMBER) {
		if (lua_type(L, idx) == LUA_TNUMBER)
			luaL_error(L, "%s must be an integer, got %s", where,
				   lua_tostring(L, idx));
		luaL_error(L, "%s must be an integer, got %s", where,
			   repl_type_name(L, idx));
	}
	return v;
}

/* {a, b[, step]} (inclusive, 1-based) -> [start, end) clamped like a
 * Python slice; {} -> all; {a} -> just a, keeping the dim. */
static void range_spec(lua_State *L, int idx, int64_t size, int dim,
		       ag_index_spec *s)
{
	lua_Integer n = luaL_len(L, idx), a, b, step = 1;
	int64_t start, end;

	if (n == 0) {
		s->kind = AG_IDX_ALL;
		return;
	}
	if (n > 3)
		luaL_error(L, "index for dimension %d must be %s, got a table "
			   "of %d entries", dim + 1, spec_help, (int)n);
	lua_geti(L, idx, 1);
	a = spec_integer(L, -1, "range start");
	lua_geti(L, idx, n >= 2 ? 2 : 1);
	b = spec_integer(L, -1, "range end");
	if (n == 3) {
		lua_geti(L, idx, 3);
		step = spec_integer(L, -1, "range step");
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
	if (a == 0 || b == 0)
		luaL_error(L, "index 0 is out of range: agdb counts from 1 (use "
			   "1 for the first element)");
	if (step <= 0)
		luaL_error(L, "step must be greater than zero");
	start = a > 0 ? a - 1 : size + a;
	end = b > 0 ? b : size + b + 1;
	if (start < 0)
		start = 0;
	if (start > size)
		start = size;
	if (end > size)
		end = size;
	if (end < start)
		end = start;
	s->kind = AG_IDX_RANGE;
	s->start = start;
	s->end = end;
	s->step = step;
}

/* A spec: per dim of the tensor an index, a range or all; a tensor index
 * sits at `first` of the dims it covers (the others are ALL too). */
typedef struct spec {
	int n;				/* dims it covers */
	ag_index_spec dim[AG_MAX_DIMS];
	ag_tensor *tensor[AG_MAX_DIMS];	/* borrowed from the key */
	bool any_tensor;
} spec;

/* One entry of a spec: a tensor index at dim k; returns the dims it
 * covers. */
static int tensor_entry(lua_State *L, ag_tensor *ix, ag_tensor *t, int k,
			spec *s)
{
	int covers = ix->dtype == AG_BOOL && ix->ndim > 0 ? ix->ndim : 1;

	if (ix->dtype != AG_INT64 && ix->dtype != AG_BOOL)
		luaL_error(L, "tensors used as indices must be long, byte or bool "
			   "tensors");
	if (k + covers > t->ndim)
		luaL_error(L, "too many indices for tensor of dimension %d",
			   t->ndim);
	for (int j = 0; j < covers; j++)
		s->dim[k + j].kind = AG_IDX_ALL;
	s->tensor[k] = ix;
	s->any_tensor = true;
	return covers;
}

/* Builds the spec for key at idx. */
static void build_spec(lua_State *L, ag_tensor *t, int idx, spec *s)
{
	lua_Integer n, k;
	ag_tensor *ix;
	int d = 0;

	memset(s, 0, sizeof *s);
	if (t->ndim == 0)
		luaL_error(L, "invalid index of a 0-dim tensor. Use "
			   "`tensor:item()` to convert a 0-dim tensor to a number");
	if (lua_type(L, idx) == LUA_TNUMBER) {
		s->dim[0].kind = AG_IDX_INT;
		s->dim[0].start = repl_wrap_index(L, spec_integer(L, idx, "index"),
						  t->shape[0], 0);
		s->n = 1;
		return;
	}
	if ((ix = repl_to_tensor(L, idx))) {
		s->n = tensor_entry(L, ix, t, 0, s);
		return;
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		luaL_error(L, "Tensor index must be %s (or a table of them per "
			   "dim), got %s", spec_help, repl_type_name(L, idx));
	n = luaL_len(L, idx);
	if (n > t->ndim)
		luaL_error(L, "too many indices for tensor of dimension %d",
			   t->ndim);
	for (k = 0; k < n; k++) {
		if (d >= t->ndim)
			luaL_error(L, "too many indices for tensor of dimension %d",
				   t->ndim);
		lua_geti(L, idx, k + 1);
		if (lua_type(L, -1) == LUA_TNUMBER) {
			s->dim[d].kind = AG_IDX_INT;
			s->dim[d].start = repl_wrap_index(L, spec_integer(L, -1,
						"index"), t->shape[d], d);
			d++;
		} else if ((ix = repl_to_tensor(L, -1))) {
			d += tensor_entry(L, ix, t, d, s);
		} else if (lua_type(L, -1) == LUA_TTABLE) {
			range_spec(L, lua_gettop(L), t->shape[d], d, &s->dim[d]);
			d++;
		} else {
			luaL_error(L, "index for dimension %d must be %s, got %s",
				   d + 1, spec_help, repl_type_name(L, -1));
		}
		lua_pop(L, 1);	/* the key keeps the tensors alive */
	}
	s->n = d;
}

/* ------------------------------------------------- advanced indexing */

/* The 0-based form of an int64 index at dim d (1-based, negatives from
 * the end), checked against the dim's size in Lua's terms.  Before it
 * raises, it releases the nmade index tensors already made (made[]). */
static ag_tensor *shifted(lua_State *L, ag_tensor *ix, int64_t size, int d,
			  ag_tensor **made, int nmade)
{
	int64_t zeros;
	ag_tensor *r = ag_index_shift(ix, &zeros);

	if (!r) {
		for (int i = 0; i < nmade; i++)
			ag_tensor_release(made[i]);
		repl_core_error(L);
	}
	const int64_t *p = ag_data_ptr(r);
	lua_Integer bad = 0;
	bool out = zeros != 0;
	for (int64_t i = 0, n = ag_numel(r); i < n && !out; i++)
		if (p[i] >= size || p[i] < -size) {
			bad = p[i] >= 0 ? p[i] + 1 : p[i];
			out = true;
		}
	if (out) {
		ag_tensor_release(r);
		for (int i = 0; i < nmade; i++)
			ag_tensor_release(made[i]);
		repl_wrap_index(L, bad, size, d);	/* raises */
	}
	return r;
}

/* The basic part of the spec as a view (t itself when there is none:
 * PyTorch indexes x directly then), and the tensor indices for that
 * view's dims (new references in ix, count in *nix). */
static ag_tensor *advanced_parts(lua_State *L, ag_tensor *t, const spec *s,
				 ag_tensor **ix, int *nix)
{
	ag_index_spec basic[AG_MAX_DIMS];
	bool plain = true;
	int n = 0;

	for (int d = 0; d < s->n; d++) {
		basic[d] = s->dim[d];
		if (s->dim[d].kind != AG_IDX_ALL)
			plain = false;
	}
	/* the index tensors, placed on the view's dims */
	for (int d = 0; d < s->n; d++) {
		ag_tensor *x = s->tensor[d];
		if (x) {
			ix[n] = x->dtype == AG_INT64
				? shifted(L, x, t->shape[d], d, ix, n)
				: (ag_tensor_retain(x), x);
			n++;
			d += (x->dtype == AG_BOOL ? x->ndim : 1) - 1;
		} else if (s->dim[d].kind != AG_IDX_INT) {
			ix[n++] = NULL;
		}
	}
	*nix = n;
	ag_tensor *v = plain ? (ag_tensor_retain(t), t)
			     : ag_index_view(t, basic, s->n);
	if (!v) {
		for (int i = 0; i < n; i++)
			ag_tensor_release(ix[i]);
		repl_core_error(L);
	}
	return v;
}

static void release_all(ag_tensor **ts, int n)
{
	for (int i = 0; i < n; i++)
		ag_tensor_release(ts[i]);
}

static int index_advanced(lua_State *L, ag_tensor *t, const spec *s)
{
	ag_tensor *ix[AG_MAX_DIMS];
	int n;
	ag_tensor *v = advanced_parts(L, t, s, ix, &n);
	ag_tensor *r = ag_index(v, ix, n);

	release_all(ix, n);
	ag_tensor_release(v);
	repl_push_tensor(L, r);
	return 1;
}

/* x[...] = value with tensor indices: index_put_ on the view. */
static int put_advanced(lua_State *L, ag_tensor *t, const spec *s, int vidx)
{
	ag_tensor *ix[AG_MAX_DIMS], *val = repl_to_tensor(L, vidx);
	int n;
	ag_tensor *v = advanced_parts(L, t, s, ix, &n);

	if (val)
		ag_tensor_retain(val);
	else
		val = ag_scalar(lua_isboolean(L, vidx) ? lua_toboolean(L, vidx)
				: lua_tonumber(L, vidx), t->dtype);
	int rc = val ? ag_index_put_(v, ix, n, val, false) : -1;
	release_all(ix, n);
	ag_tensor_release(v);
	ag_tensor_release(val);
	if (rc != 0)
		return repl_core_error(L);
	return 0;
}

/* ---------------------------------------------------------- __index */

int repl_tensor_index(lua_State *L)
{
	spec s;
	ag_tensor *t;

	if (lua_type(L, 2) == LUA_TSTRING)
		return repl_tensor_getfield(L);
	t = repl_check_tensor(L, 1, "index");
	build_spec(L, t, 2, &s);
	if (s.any_tensor)
		return index_advanced(L, t, &s);
	repl_push_tensor(L, ag_index_view(t, s.dim, s.n));
	return 1;
}

int repl_tensor_newindex(lua_State *L)
{
	spec s;
	ag_tensor *t, *src;
	int rc;

	if (lua_type(L, 2) == LUA_TSTRING)
		return repl_tensor_setfield(L);
	t = repl_check_tensor(L, 1, "index");
	build_spec(L, t, 2, &s);
	src = repl_to_tensor(L, 3);
	if (!src && lua_type(L, 3) != LUA_TNUMBER && !lua_isboolean(L, 3))
		return luaL_error(L, "can only assign a Tensor or a number to "
				  "an indexed tensor, got %s",
				  repl_type_name(L, 3));
	if (s.any_tensor)
		return put_advanced(L, t, &s, 3);
	if (src)
		rc = ag_setitem(t, s.dim, s.n, src);
	else
		rc = ag_setitem_fill(t, s.dim, s.n, lua_isboolean(L, 3)
				     ? lua_toboolean(L, 3) : lua_tonumber(L, 3));
	if (rc != 0)
		return repl_core_error(L);
	return 0;
}
