/*
 * lindex.c - x[spec] and x[spec] = v, plus the string-key dispatch of
 * __index/__newindex (x.shape, x:sum).
 *
 * A spec is Lua-flavoured: x[i] selects along dim 1; x[{i, {a, b},
 * {a, b, step}, {}}] takes per dim an index, an inclusive range, a range
 * with a step, or everything.  Indices count from 1, negatives from the
 * end.  Reads are views; writes go through core's checked index_put/fill.
 */
#include "ltorch.h"
#include "autograd.h"

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

/* Builds the spec for key at idx; returns its length. */
static int build_spec(lua_State *L, ag_tensor *t, int idx, ag_index_spec *spec)
{
	lua_Integer n, k;

	if (t->ndim == 0)
		luaL_error(L, "invalid index of a 0-dim tensor. Use "
			   "`tensor:item()` to convert a 0-dim tensor to a number");
	if (lua_type(L, idx) == LUA_TNUMBER) {
		spec[0].kind = AG_IDX_INT;
		spec[0].start = repl_wrap_index(L, spec_integer(L, idx, "index"),
						t->shape[0], 0);
		return 1;
	}
	if (lua_type(L, idx) != LUA_TTABLE || repl_to_tensor(L, idx))
		luaL_error(L, "Tensor index must be %s (or a table of them per "
			   "dim), got %s", spec_help, repl_type_name(L, idx));
	n = luaL_len(L, idx);
	if (n > t->ndim)
		luaL_error(L, "too many indices for tensor of dimension %d",
			   t->ndim);
	for (k = 0; k < n; k++) {
		lua_geti(L, idx, k + 1);
		if (lua_type(L, -1) == LUA_TNUMBER) {
			spec[k].kind = AG_IDX_INT;
			spec[k].start = repl_wrap_index(L, spec_integer(L, -1,
						"index"), t->shape[k], (int)k);
		} else if (lua_type(L, -1) == LUA_TTABLE &&
			   !repl_to_tensor(L, -1)) {
			range_spec(L, lua_gettop(L), t->shape[k], (int)k,
				   &spec[k]);
		} else {
			luaL_error(L, "index for dimension %d must be %s, got %s",
				   (int)k + 1, spec_help, repl_type_name(L, -1));
		}
		lua_pop(L, 1);
	}
	return (int)n;
}

int repl_tensor_index(lua_State *L)
{
	ag_index_spec spec[AG_MAX_DIMS];
	ag_tensor *t;
	int n;

	if (lua_type(L, 2) == LUA_TSTRING)
		return repl_tensor_getfield(L);
	t = repl_check_tensor(L, 1, "index");
	n = build_spec(L, t, 2, spec);
	repl_push_tensor(L, ag_index_view(t, spec, n));
	return 1;
}

int repl_tensor_newindex(lua_State *L)
{
	ag_index_spec spec[AG_MAX_DIMS];
	ag_tensor *t, *src;
	int n, rc;

	if (lua_type(L, 2) == LUA_TSTRING)
		return repl_tensor_setfield(L);
	t = repl_check_tensor(L, 1, "index");
	n = build_spec(L, t, 2, spec);
	src = repl_to_tensor(L, 3);
	if (!src && lua_type(L, 3) != LUA_TNUMBER && !lua_isboolean(L, 3))
		return luaL_error(L, "can only assign a Tensor or a number to "
				  "an indexed tensor, got %s",
				  repl_type_name(L, 3));
	if (src)
		rc = ag_index_put(t, spec, n, src);
	else
		rc = ag_index_fill(t, spec, n, lua_isboolean(L, 3)
				   ? lua_toboolean(L, 3) : lua_tonumber(L, 3));
	if (rc != 0)
		return repl_core_error(L);
	return 0;
}
