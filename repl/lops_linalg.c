/*
 * lops_linalg.c - the linear algebra of issue 11 in Lua: outer (ger),
 * addmm, addmv, addr, addbmm, baddbmm (beta and alpha as keywords; `_`
 * forms as methods), einsum, tensordot, kron, inner, vdot, cross, and
 * torch.linalg's norm, vector_norm, matrix_norm, matmul, vecdot and
 * cross.  Dims count from 1.
 */
#include "ltorch.h"

#include <math.h>
#include <string.h>

static int l_outer(lua_State *L)
{
	ag_tensor *a = repl_check_tensor(L, 1, "torch.outer");
	ag_tensor *b = repl_check_tensor(L, 2, "torch.outer");

	repl_push_tensor(L, ag_outer(a, b));
	return 1;
}

/* ---------------------------------------- beta * self + alpha * product */

static double coef(lua_State *L, int kw, const char *key, const char *fname)
{
	double v = 1;

	if (repl_kw_get(L, kw, key) != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TBOOLEAN)
			v = lua_toboolean(L, -1);
		else if (lua_type(L, -1) == LUA_TNUMBER)
			v = lua_tonumber(L, -1);
		else
			luaL_error(L, "%s: keyword '%s' must be a number, got %s",
				   fname, key, repl_type_name(L, -1));
	}
	lua_pop(L, 1);
	return v;
}

static int product(lua_State *L, ag_op op, bool inplace)
{
	static const char *const keys[] = {"beta", "alpha", NULL};
	const char *name = ag_op_name(op);
	char fname[64];
	int kw = repl_kwargs(L, 4);

	snprintf(fname, sizeof fname, "%s.%s%s", inplace ? "Tensor" : "torch",
		 name, inplace ? "_" : "");
	ag_tensor *s = repl_check_tensor(L, 1, fname);
	ag_tensor *a = repl_check_tensor(L, 2, fname);
	ag_tensor *b = repl_check_tensor(L, 3, fname);
	repl_check_keys(L, kw, fname, keys);
	double beta = coef(L, kw, "beta", fname), alpha = coef(L, kw, "alpha", fname);

	if (inplace) {
		if (ag_addmm_like_(op, s, a, b, beta, alpha) != 0)
			return repl_core_error(L);
		lua_settop(L, 1);
		return 1;
	}
	switch (op) {
	case AG_OP_ADDMM: repl_push_tensor(L, ag_addmm(s, a, b, beta, alpha)); break;
	case AG_OP_ADDMV: repl_push_tensor(L, ag_addmv(s, a, b, beta, alpha)); break;
	case AG_OP_ADDR: repl_push_tensor(L, ag_addr(s, a, b, beta, alpha)); break;
	case AG_OP_ADDBMM: repl_push_tensor(L, ag_addbmm(s, a, b, beta, alpha)); break;
	default: repl_push_tensor(L, ag_baddbmm(s, a, b, beta, alpha)); break;
	}
	return 1;
}

static int l_addmm(lua_State *L) { return product(L, AG_OP_ADDMM, false); }
static int l_addmv(lua_State *L) { return product(L, AG_OP_ADDMV, false); }
static int l_addr(lua_State *L) { return product(L, AG_OP_ADDR, false); }
static int l_addbmm(lua_State *L) { return product(L, AG_OP_ADDBMM, false); }
static int l_baddbmm(lua_State *L) { return product(L, AG_OP_BADDBMM, false); }
static int m_addmm_(lua_State *L) { return product(L, AG_OP_ADDMM, true); }
static int m_addmv_(lua_State *L) { return product(L, AG_OP_ADDMV, true); }
static int m_addr_(lua_State *L) { return product(L, AG_OP_ADDR, true); }
static int m_addbmm_(lua_State *L) { return product(L, AG_OP_ADDBMM, true); }
static int m_baddbmm_(lua_State *L) { return product(L, AG_OP_BADDBMM, true); }

/* ------------------------------------------- einsum, tensordot, kron */

/* einsum(equation, a, b, ...) or einsum(equation, {a, b, ...}) */
static int l_einsum(lua_State *L)
{
	static const char fname[] = "torch.einsum";
	const char *eq = luaL_checkstring(L, 1);
	int n, top = lua_gettop(L);
	ag_tensor **ts;

	if (top == 2 && lua_type(L, 2) == LUA_TTABLE && !repl_to_tensor(L, 2)) {
		ts = repl_check_tensor_list(L, 2, fname, "operands",
					    "a table of Tensors", 0, &n);
	} else {
		lua_createtable(L, top - 1, 0);
		for (int i = 2; i <= top; i++) {
			repl_check_tensor(L, i, fname);
			lua_pushvalue(L, i);
			lua_rawseti(L, -2, i - 1);
		}
		ts = repl_check_tensor_list(L, -1, fname, "operands",
					    "Tensors", 0, &n);
	}
	repl_push_tensor(L, ag_einsum(eq, ts, n));
	return 1;
}

/* tensordot(a, b, dims): a count (a's last dims with b's first), or
 * {{dims of a}, {dims of b}}; dims count from 1. */
static int l_tensordot(lua_State *L)
{
	static const char fname[] = "torch.tensordot";
	static const char *const keys[] = {"dims", NULL};
	ag_tensor *a = repl_check_tensor(L, 1, fname);
	ag_tensor *b = repl_check_tensor(L, 2, fname);
	int kw = repl_kwargs(L, 3), da[AG_MAX_DIMS], db[AG_MAX_DIMS], n;
	int64_t ra[AG_MAX_DIMS], rb[AG_MAX_DIMS];

	repl_check_keys(L, kw, fname, keys);
	int pos = 3;
	if (lua_isnoneornil(L, 3) || kw == 3) {
		if (repl_kw_get(L, kw, "dims") == LUA_TNIL) {
			lua_pop(L, 1);
			lua_pushinteger(L, 2);
		}
		pos = lua_gettop(L);
	}
	if (lua_type(L, pos) == LUA_TNUMBER) {
		lua_Integer k = repl_check_integer(L, pos, fname, "a count of dims");
		if (k < 0)
			return luaL_error(L, "tensordot expects dims >= 0, but got "
					  "dims=%I", (lua_Integer)k);
		if (k > a->ndim || k > b->ndim)
			return luaL_error(L, "tensordot: dims (%I) is more than the "
					  "dims of a (%d) or b (%d)", (lua_Integer)k,
					  a->ndim, b->ndim);
		n = (int)k;
		for (int i = 0; i < n; i++) {
			da[i] = a->ndim - n + i;
			db[i] = i;
		}
		repl_push_tensor(L, ag_tensordot(a, b, da, db, n));
		return 1;
	}
	if (lua_type(L, pos) != LUA_TTABLE || luaL_len(L, pos) != 2)
		return repl_arg_error(L, fname, 3, "a count or {{dims of a}, "
				      "{dims of b}}");
	lua_geti(L, pos, 1);
	lua_geti(L, pos, 2);
	int top = lua_gettop(L);
	n = lua_type(L, top - 1) == LUA_TNUMBER ? 1 : 0;
	int na = n ? (ra[0] = lua_tointeger(L, top - 1), 1)
		: repl_check_int_list(L, top - 1, fname, "a table of dims", ra,
				      AG_MAX_DIMS);
	int nb = lua_type(L, top) == LUA_TNUMBER ? (rb[0] = lua_tointeger(L, top), 1)
		: repl_check_int_list(L, top, fname, "a table of dims", rb,
				      AG_MAX_DIMS);
	if (na != nb)
		return luaL_error(L, "both dimension lists should have same length");
	for (int i = 0; i < na; i++) {
		da[i] = repl_wrap_dim(L, ra[i], a->ndim, 0);
		db[i] = repl_wrap_dim(L, rb[i], b->ndim, 0);
	}
	repl_push_tensor(L, ag_tensordot(a, b, da, db, na));
	return 1;
}

static int l_kron(lua_State *L)
{
	ag_tensor *a = repl_check_tensor(L, 1, "torch.kron");
	ag_tensor *b = repl_check_tensor(L, 2, "torch.kron");

	repl_push_tensor(L, ag_kron(a, b));
	return 1;
}

/* ------------------------------------------------------------ linalg */

/* An order: a number (math.huge for inf) or "fro" (NAN); *nuc for "nuc". */
static double ord_arg(lua_State *L, int idx, const char *fname, bool *is_str,
		      bool *nuc)
{
	*is_str = *nuc = false;
	if (lua_type(L, idx) == LUA_TNUMBER)
		return lua_tonumber(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING) {
		const char *s = lua_tostring(L, idx);
		*is_str = true;
		if (strcmp(s, "fro") == 0)
			return NAN;
		if (strcmp(s, "nuc") == 0) {
			*nuc = true;
			return NAN;
		}
		luaL_error(L, "%s: Order %s not supported.", fname, s);
	}
	repl_arg_error(L, fname, idx, "a number or 'fro'");
	return 0;
}

/* Dims from argument idx (before the keyword table kw, if any) or the
 * `dim` keyword: their count, or -1 for none. */
static int norm_dims(lua_State *L, int idx, int kw, ag_tensor *t, int *dims,
		     const char *fname)
{
	int64_t raw[AG_MAX_DIMS];
	int pos = idx, n;

	if (lua_isnoneornil(L, idx) || (kw && idx >= kw)) {
		if (repl_kw_get(L, kw, "dim") == LUA_TNIL) {
			lua_pop(L, 1);
			return -1;
		}
		pos = lua_gettop(L);
	}
	if (lua_type(L, pos) == LUA_TNUMBER) {
		dims[0] = repl_wrap_dim(L, repl_check_integer(L, pos, fname,
					"a dim"), t->ndim, 0);
		return 1;
	}
	n = repl_check_int_list(L, pos, fname, "a dim or a table of dims", raw,
				AG_MAX_DIMS);
	for (int i = 0; i < n; i++)
		dims[i] = repl_wrap_dim(L, raw[i], t->ndim, 0);
	return n;
}

static bool keepdim_arg(lua_State *L, int idx, int kw, const char *fname)
{
	bool k = repl_kw_bool(L, kw, "keepdim", false, fname);
	if ((!kw || idx < kw) && lua_isboolean(L, idx))
		k = lua_toboolean(L, idx);
	return k;
}

/* The order argument at position 2 or the `ord` keyword; none: *given
 * false. */
static int ord_pos(lua_State *L, int kw, bool *given)
{
	*given = true;
	if (!lua_isnoneornil(L, 2) && kw != 2)
		return 2;
	if (repl_kw_get(L, kw, "ord") != LUA_TNIL)
		return lua_gettop(L);
	lua_pop(L, 1);
	*given = false;
	return 0;
}

static int l_vector_norm(lua_State *L)
{
	static const char fname[] = "torch.linalg.vector_norm";
	static const char *const keys[] = {"ord", "dim", "keepdim", "dtype", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *in = t, *r;
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS];
	bool given, is_str, nuc;
	ag_dtype dt;

	repl_check_keys(L, kw, fname, keys);
	int op = ord_pos(L, kw, &given);
	double ord = 2;
	if (given) {
		if (lua_type(L, op) != LUA_TNUMBER)
			return luaL_error(L, "%s: argument 'ord' must be a number, "
					  "not %s", fname, repl_type_name(L, op));
		ord = ord_arg(L, op, fname, &is_str, &nuc);
	}
	int n = norm_dims(L, 3, kw, t, dims, fname);
	bool keep = keepdim_arg(L, 4, kw, fname);
	bool cast = repl_kw_dtype(L, kw, "dtype", &dt, fname);
	if (cast && !(in = ag_to_dtype(t, dt)))
		return repl_core_error(L);
	r = ag_vector_norm(in, ord, dims, n < 0 ? 0 : n, keep);
	if (cast)
		ag_tensor_release(in);
	repl_push_tensor(L, r);
	return 1;
}

static ag_tensor *matrix_norm(lua_State *L, ag_tensor *t, double ord, bool nuc,
			      const int *dims, int n, bool keep,
			      const char *fname)
{
	if (nuc)
		luaL_error(L, "%s: ord='nuc' needs singular values, which agdb "
			   "does not compute yet", fname);
	if (n != 2)
		luaL_error(L, "linalg.matrix_norm: dim must be a 2-tuple. Got %d "
			   "dims", n);
	return ag_matrix_norm(t, ord, dims[0], dims[1], keep);
}

static int l_matrix_norm(lua_State *L)
{
	static const char fname[] = "torch.linalg.matrix_norm";
	static const char *const keys[] = {"ord", "dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS] = { -2, -1 };
	bool given, is_str, nuc = false;
	double ord = NAN;

	repl_check_keys(L, kw, fname, keys);
	int op = ord_pos(L, kw, &given);
	if (given)
		ord = ord_arg(L, op, fname, &is_str, &nuc);
	int n = t->ndim >= 2 ? norm_dims(L, 3, kw, t,
					 dims, fname) : 2;
	if (n < 0)
		n = 2;
	bool keep = keepdim_arg(L, 4, kw, fname);
	repl_push_tensor(L, matrix_norm(L, t, ord, nuc, dims, n, keep, fname));
	return 1;
}

/* linalg.norm: without ord or dim, the 2-norm of everything; a string
 * order or two dims, a matrix norm; one dim, a vector norm. */
static int l_norm(lua_State *L)
{
	static const char fname[] = "torch.linalg.norm";
	static const char *const keys[] = {"ord", "dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS];
	bool given, is_str = false, nuc = false;
	double ord = NAN;

	repl_check_keys(L, kw, fname, keys);
	int op = ord_pos(L, kw, &given);
	if (given)
		ord = ord_arg(L, op, fname, &is_str, &nuc);
	int n = norm_dims(L, 3, kw, t, dims, fname);
	bool keep = keepdim_arg(L, 4, kw, fname);
	if (n < 0 && !given) {
		repl_push_tensor(L, ag_vector_norm(t, 2, NULL, 0, keep));
		return 1;
	}
	if (n < 0) {
		if (is_str && t->ndim < 2)
			return luaL_error(L, "linalg.matrix_norm: The input tensor A "
					  "must have at least 2 dimensions.");
		if (t->ndim != 1 && t->ndim != 2)
			return luaL_error(L, "linalg.norm: If dim is not specified "
					  "but ord is, the input must be 1D or 2D. "
					  "Got %dD.", t->ndim);
		n = t->ndim;
		dims[0] = 0;
		dims[1] = 1;
	}
	if (n == 1 && !is_str) {
		repl_push_tensor(L, ag_vector_norm(t, given ? ord : 2, dims, 1,
						   keep));
		return 1;
	}
	if (n == 1)
		return luaL_error(L, "linalg.norm: ord='%s' takes two dims",
				  nuc ? "nuc" : "fro");
	repl_push_tensor(L, matrix_norm(L, t, ord, nuc, dims, n, keep, fname));
	return 1;
}

/* ------------------------------------------ inner, vdot, linalg.vecdot */

static int l_inner(lua_State *L)
{
	ag_tensor *a = repl_check_tensor(L, 1, "torch.inner");
	ag_tensor *b = repl_check_tensor(L, 2, "torch.inner");

	repl_push_tensor(L, ag_inner(a, b));
	return 1;
}

static int l_vdot(lua_State *L)
{
	ag_tensor *a = repl_check_tensor(L, 1, "torch.vdot");
	ag_tensor *b = repl_check_tensor(L, 2, "torch.vdot");

	repl_push_tensor(L, ag_vdot(a, b));
	return 1;
}

static int l_linalg_matmul(lua_State *L)
{
	ag_tensor *a = repl_check_tensor(L, 1, "torch.linalg.matmul");
	ag_tensor *b = repl_check_tensor(L, 2, "torch.linalg.matmul");

	repl_push_tensor(L, ag_matmul(a, b));
	return 1;
}

/* linalg.vecdot(x, y, {dim=-1}): (x * y) summed over dim (1-based). */
static int l_vecdot(lua_State *L)
{
	static const char fname[] = "torch.linalg.vecdot";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *a = repl_check_tensor(L, 1, fname);
	ag_tensor *b = repl_check_tensor(L, 2, fname);
	int kw = repl_kwargs(L, 3);
	lua_Integer d = -1;

	repl_check_keys(L, kw, fname, keys);
	if (repl_kw_get(L, kw, "dim") != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			return luaL_error(L, "%s: keyword 'dim' must be a dim (an "
					  "integer), got %s", fname,
					  repl_type_name(L, -1));
		d = lua_tointeger(L, -1);
		if (d == 0)
			return luaL_error(L, "dimension 0 is out of range: agdb "
					  "counts from 1 (use 1 for the first "
					  "dimension, -1 for the last)");
	}
	lua_pop(L, 1);
	repl_push_tensor(L, ag_vecdot(a, b, (int)(d > 0 ? d - 1 : d)));
	return 1;
}

/* linalg.cross(a, b, {dim=-1}); torch.cross(a, b[, dim]): without a dim,
 * the first of length 3. */
static int cross(lua_State *L, bool linalg)
{
	const char *fname = linalg ? "torch.linalg.cross" : "torch.cross";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *a = repl_check_tensor(L, 1, fname);
	ag_tensor *b = repl_check_tensor(L, 2, fname);
	int kw = repl_kwargs(L, 3);
	bool has = linalg;
	lua_Integer d = -1;

	repl_check_keys(L, kw, fname, keys);
	if (!lua_isnoneornil(L, 3) && kw != 3) {
		d = repl_check_integer(L, 3, fname, "a dim");
		has = true;
	} else if (repl_kw_get(L, kw, "dim") != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			return luaL_error(L, "%s: keyword 'dim' must be a dim (an "
					  "integer), got %s", fname,
					  repl_type_name(L, -1));
		d = lua_tointeger(L, -1);
		has = true;
		lua_pop(L, 1);
	} else {
		lua_pop(L, 1);
	}
	if (has && d == 0)
		return luaL_error(L, "dimension 0 is out of range: agdb counts "
				  "from 1 (use 1 for the first dimension, -1 for "
				  "the last)");
	repl_push_tensor(L, ag_cross(a, b, (int)(d > 0 ? d - 1 : d), has));
	return 1;
}

static int l_cross(lua_State *L) { return cross(L, false); }
static int l_linalg_cross(lua_State *L) { return cross(L, true); }

/* ------------------------------------------------------------ registration */

void repl_register_linalg_ops(lua_State *L, bool methods)
{
	static const luaL_Reg common[] = {
		{"outer", l_outer}, {"ger", l_outer},
		{"addmm", l_addmm}, {"addmv", l_addmv}, {"addr", l_addr},
		{"addbmm", l_addbmm}, {"baddbmm", l_baddbmm},
		{"kron", l_kron}, {"inner", l_inner}, {"vdot", l_vdot},
		{"cross", l_cross},
		{NULL, NULL}
	};
	static const luaL_Reg torch_only[] = {
		{"einsum", l_einsum}, {"tensordot", l_tensordot},
		{NULL, NULL}
	};
	static const luaL_Reg method_only[] = {
		{"addmm_", m_addmm_}, {"addmv_", m_addmv_}, {"addr_", m_addr_},
		{"addbmm_", m_addbmm_}, {"baddbmm_", m_baddbmm_},
		{NULL, NULL}
	};
	static const luaL_Reg linalg[] = {
		{"norm", l_norm}, {"vector_norm", l_vector_norm},
		{"matrix_norm", l_matrix_norm}, {"matmul", l_linalg_matmul},
		{"vecdot", l_vecdot}, {"cross", l_linalg_cross},
		{NULL, NULL}
	};

	luaL_setfuncs(L, common, 0);
	luaL_setfuncs(L, methods ? method_only : torch_only, 0);
	if (!methods) {
		luaL_newlib(L, linalg);
		lua_setfield(L, -2, "linalg");
	}
}
