/*
 * lops.c - the ops of the torch module: elementwise, reductions, matrix
 * products, joining, index_select, and the arithmetic metamethods.
 *
 * Each op is one C function registered both as torch.NAME and as the method
 * x:NAME (self is argument 1 either way).  Index values cross this boundary
 * 1-based: argmax/max(dim) add one, index_select subtracts one.
 */
#include "ltorch.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define OP_NAME(L) lua_tostring(L, lua_upvalueindex(2))

/* Releases a and b, then pushes r (or raises core's error). */
static int push_result(lua_State *L, ag_tensor *r, ag_tensor *a, ag_tensor *b)
{
	ag_tensor_release(a);
	ag_tensor_release(b);
	repl_push_tensor(L, r);
	return 1;
}

/* ------------------------------------------------------------- elementwise */

static int l_unary(lua_State *L)
{
	ag_op op = (ag_op)lua_tointeger(L, lua_upvalueindex(1));
	ag_tensor *t = repl_check_tensor(L, 1, OP_NAME(L));
	lua_State *outer = repl_op_thread;

	repl_op_thread = L;
	t = ag_unary(op, t);
	repl_op_thread = outer;
	repl_push_tensor(L, t);
	return 1;
}

static int l_unary_(lua_State *L)
{
	ag_op op = (ag_op)lua_tointeger(L, lua_upvalueindex(1));
	ag_tensor *t = repl_check_tensor(L, 1, OP_NAME(L));

	if (ag_unary_(op, t) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* b scaled by the `alpha` keyword of add/sub (b itself when absent). */
static ag_tensor *apply_alpha(lua_State *L, int kw, ag_tensor *b)
{
	ag_tensor *w, *r;

	if (repl_kw_get(L, kw, "alpha") == LUA_TNIL) {
		lua_pop(L, 1);
		return b;
	}
	w = ag_wrapped_number(lua_tonumber(L, -1), lua_isinteger(L, -1));
	lua_pop(L, 1);
	r = w ? ag_mul(b, w) : NULL;
	ag_tensor_release(w);
	ag_tensor_release(b);
	return r;
}

static void check_alpha(lua_State *L, int kw, ag_op op,
			const char *fname)
{
	static const char *const add_keys[] = {"alpha", NULL};
	static const char *const no_keys[] = {NULL};

	repl_check_keys(L, kw, fname,
			op == AG_OP_ADD || op == AG_OP_SUB ? add_keys : no_keys);
	if (repl_kw_get(L, kw, "alpha") != LUA_TNIL &&
	    lua_type(L, -1) != LUA_TNUMBER)
		luaL_error(L, "%s: keyword 'alpha' must be a number", fname);
	lua_pop(L, 1);
}

/* The common case (two tensors, or a tensor and a number, no keywords)
 * looks at each argument once. */
static int l_binary(lua_State *L)
{
	ag_op op = (ag_op)lua_tointeger(L, lua_upvalueindex(1));
	const char *fname = OP_NAME(L);
	int kw = repl_kwargs(L, 3);
	ag_tensor *a = repl_to_tensor(L, 1), *b, *r;
	lua_State *outer = repl_op_thread;

	if (!a)
		repl_check_operand_type(L, 1, fname);
	b = repl_to_tensor(L, 2);
	if (!b)
		repl_check_operand_type(L, 2, fname);
	if (kw)
		check_alpha(L, kw, op, fname);
	if (a)
		ag_tensor_retain(a);
	else
		a = repl_check_operand(L, 1, fname);
	if (b)
		ag_tensor_retain(b);
	else
		b = repl_check_operand(L, 2, fname);
	if (kw)
		b = apply_alpha(L, kw, b);
	if (!b) {
		ag_tensor_release(a);
		return repl_core_error(L);
	}
	repl_op_thread = L;
	r = ag_binary(op, a, b);
	repl_op_thread = outer;
	return push_result(L, r, a, b);
}

static int l_binary_(lua_State *L)
{
	ag_op op = (ag_op)lua_tointeger(L, lua_upvalueindex(1));
	const char *fname = OP_NAME(L);
	ag_tensor *self = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 3);
	ag_tensor *b;
	int rc;

	repl_check_operand_type(L, 2, fname);
	check_alpha(L, kw, op, fname);
	b = apply_alpha(L, kw, repl_check_operand(L, 2, fname));
	if (!b)
		return repl_core_error(L);
	rc = ag_binary_(op, self, b);
	ag_tensor_release(b);
	if (rc != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* __unm gets (a, a); the other metamethods (a, b) with a number on
 * either side. */
static int l_unm(lua_State *L)
{
	repl_push_tensor(L, ag_neg(repl_check_tensor(L, 1, "torch.neg")));
	return 1;
}

/* ~x: bitwise_not (logical not on bool tensors), as PyTorch's ~ */
static int l_bnot(lua_State *L)
{
	repl_push_tensor(L, ag_unary(AG_OP_BITWISE_NOT,
				     repl_check_tensor(L, 1, "torch.bitwise_not")));
	return 1;
}

/* Lua's < and <= must give a boolean, so they cannot compare elementwise. */
static int l_compare(lua_State *L)
{
	return luaL_error(L, "cannot compare tensors with < <= > >=: Lua needs "
			  "a boolean; use x:lt(y), x:le(y), x:gt(y), x:ge(y) "
			  "for elementwise comparisons");
}

/* -------------------------------------------------------------- reductions */

ag_tensor *repl_one_based(ag_tensor *idx)
{
	ag_tensor *one, *r;

	if (!idx)
		return NULL;
	one = ag_wrapped_number(1, true);
	r = one ? ag_add(idx, one) : NULL;
	ag_tensor_release(one);
	ag_tensor_release(idx);
	return r;
}

int repl_reduce_dims(lua_State *L, int idx, int kw, ag_tensor *t,
		     const char *fname, int *dims)
{
	int64_t raw[AG_MAX_DIMS];
	int i, n = 1, pos = idx, pushed = 0;

	if (lua_isnoneornil(L, idx) || idx == kw) {
		if (repl_kw_get(L, kw, "dim") == LUA_TNIL) {
			lua_pop(L, 1);
			return -1;
		}
		pos = lua_gettop(L);	/* the keyword's value, popped below */
		pushed = 1;
	}
	if (lua_type(L, pos) == LUA_TTABLE) {
		n = repl_check_int_list(L, pos, fname, "a dim or a table of dims",
					raw, AG_MAX_DIMS);
		for (i = 0; i < n; i++)
			dims[i] = repl_wrap_dim(L, raw[i], t->ndim, 0);
	} else {
		dims[0] = repl_check_dim(L, pos, t->ndim, 0, fname);
	}
	lua_pop(L, pushed);
	return n;
}

static int reduce(lua_State *L, ag_op op, const char *fname)
{
	static const char *const keys[] = {"dim", "keepdim", "dtype", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2);
	int dims[AG_MAX_DIMS], n;
	bool keepdim, given;
	ag_dtype dt;
	ag_tensor *r, *in;

	repl_check_keys(L, kw, fname, keys);
	keepdim = repl_kw_bool(L, kw, "keepdim", false, fname);
	if (lua_isboolean(L, 3))	/* x:sum(2, true) as torch's positional */
		keepdim = lua_toboolean(L, 3);
	/* every check that can raise comes before the first reference */
	given = repl_kw_dtype(L, kw, "dtype", &dt, fname);
	n = repl_reduce_dims(L, 2, kw, t, fname, dims);
	in = given ? ag_to_dtype(t, dt) : t;
	if (!in)
		return repl_core_error(L);
	if (!given)
		ag_tensor_retain(in);
	lua_State *outer = repl_op_thread;
	repl_op_thread = L;
	if (n < 0 && !keepdim)
		r = ag_reduce_all(op, in);
	else
		r = ag_reduce_dims(op, in, dims, n < 0 ? 0 : n, keepdim);
	repl_op_thread = outer;
	ag_tensor_release(in);
	repl_push_tensor(L, r);
	return 1;
}

static int l_sum(lua_State *L) { return reduce(L, AG_OP_SUM, "torch.sum"); }
static int l_mean(lua_State *L) { return reduce(L, AG_OP_MEAN, "torch.mean"); }

/* max/min: over everything, or along one dim giving (values, indices). */
static int extreme(lua_State *L, bool is_max, const char *fname)
{
	static const char *const keys[] = {"dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2);
	ag_tensor *vals = NULL, *idx = NULL;
	bool keepdim;
	int d, rc;

	if (repl_to_tensor(L, 2))
		return luaL_error(L, "%s: the elementwise form (two tensors) is "
				  "not supported; use torch.where(a:%s(b), a, b)",
				  fname, is_max ? "gt" : "lt");
	repl_check_keys(L, kw, fname, keys);
	keepdim = repl_kw_bool(L, kw, "keepdim", false, fname);
	if (lua_isboolean(L, 3))
		keepdim = lua_toboolean(L, 3);
	if ((lua_isnoneornil(L, 2) || kw == 2) &&
	    repl_kw_get(L, kw, "dim") == LUA_TNIL) {
		repl_push_tensor(L, ag_reduce_all(is_max ? AG_OP_MAX : AG_OP_MIN, t));
		return 1;
	}
	if (!lua_isnoneornil(L, 2) && kw != 2)
		d = repl_check_dim(L, 2, t->ndim, 0, fname);
	else
		d = repl_wrap_dim(L, repl_check_integer(L, -1, fname,
				  "a dim (an integer)"), t->ndim, 0);
	rc = (is_max ? ag_max_dim : ag_min_dim)(t, d, keepdim, &vals, &idx);
	if (rc != 0)
		return repl_core_error(L);
	idx = repl_one_based(idx);
	if (!idx) {
		ag_tensor_release(vals);
		return repl_core_error(L);
	}
	repl_push_tensor(L, vals);
	repl_push_tensor(L, idx);
	return 2;
}

static int l_max(lua_State *L) { return extreme(L, true, "torch.max"); }
static int l_min(lua_State *L) { return extreme(L, false, "torch.min"); }

static int arg_extreme(lua_State *L, ag_op op, const char *fname)
{
	static const char *const keys[] = {"dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2);
	int dims[AG_MAX_DIMS], n;
	bool keepdim;
	ag_tensor *r;

	repl_check_keys(L, kw, fname, keys);
	keepdim = repl_kw_bool(L, kw, "keepdim", false, fname);
	if (lua_isboolean(L, 3))
		keepdim = lua_toboolean(L, 3);
	if (lua_type(L, 2) == LUA_TTABLE && kw != 2)
		repl_arg_error(L, fname, 2, "a dim (an integer)");
	n = repl_reduce_dims(L, 2, kw, t, fname, dims);
	if (n < 0)
		r = ag_reduce_all(op, t);
	else
		r = ag_reduce_dims(op, t, dims, 1, keepdim);
	r = repl_one_based(r);
	repl_push_tensor(L, r);
	return 1;
}

static int l_argmax(lua_State *L) { return arg_extreme(L, AG_OP_ARGMAX, "torch.argmax"); }
static int l_argmin(lua_State *L) { return arg_extreme(L, AG_OP_ARGMIN, "torch.argmin"); }

/* --------------------------------------------------------- matrix products */

static int matrix(lua_State *L, ag_tensor *(*fn)(ag_tensor *, ag_tensor *),
		  const char *fname)
{
	ag_tensor *a = repl_check_tensor(L, 1, fname);
	ag_tensor *b = repl_check_tensor(L, 2, fname);

	repl_push_tensor(L, fn(a, b));
	return 1;
}

static int l_mm(lua_State *L) { return matrix(L, ag_mm, "torch.mm"); }
static int l_bmm(lua_State *L) { return matrix(L, ag_bmm, "torch.bmm"); }
static int l_matmul(lua_State *L) { return matrix(L, ag_matmul, "torch.matmul"); }
static int l_dot(lua_State *L) { return matrix(L, ag_dot, "torch.dot"); }
static int l_mv(lua_State *L) { return matrix(L, ag_mv, "torch.mv"); }

/* ----------------------------------------------------------------- joining */

static int join(lua_State *L, int list, int dimarg, bool stack,
		const char *fname)
{
	static const char *const keys[] = {"dim", NULL};
	int kw = repl_kwargs(L, dimarg);
	int n, d = 0;
	ag_tensor **ts;

	repl_check_keys(L, kw, fname, keys);
	if (lua_gettop(L) < dimarg)
		lua_settop(L, dimarg);	/* a missing dim reads as nil */
	if (kw) {
		lua_getfield(L, kw, "dim");
		lua_replace(L, dimarg);	/* the dim now sits at dimarg */
	}
	ts = repl_check_tensor_list(L, list, fname, NULL, "a table of Tensors",
				    0, &n);
	if (n > 0 && !lua_isnoneornil(L, dimarg))
		d = repl_check_dim(L, dimarg, ts[0]->ndim, stack ? 1 : 0, fname);
	repl_push_tensor(L, (stack ? ag_stack : ag_cat)(ts, n, d));
	return 1;
}

static int l_cat(lua_State *L) { return join(L, 1, 2, false, "torch.cat"); }
static int l_stack(lua_State *L) { return join(L, 1, 2, true, "torch.stack"); }

/* x:cat(y, dim) / x:cat({y, z}, dim): x first, then the others. */
static int m_join(lua_State *L, bool stack, const char *fname)
{
	lua_Integer i, len;

	repl_check_tensor(L, 1, fname);
	lua_createtable(L, 4, 0);
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, 1);
	if (repl_to_tensor(L, 2)) {
		lua_pushvalue(L, 2);
		lua_rawseti(L, -2, 2);
	} else if (lua_type(L, 2) == LUA_TTABLE) {
		len = luaL_len(L, 2);
		for (i = 1; i <= len; i++) {
			lua_geti(L, 2, i);
			lua_rawseti(L, -2, i + 1);
		}
	} else {
		repl_arg_error(L, fname, 2, "a Tensor or a table of Tensors");
	}
	lua_replace(L, 2);
	lua_remove(L, 1);	/* now (list, dim, ...) like torch.cat */
	return join(L, 1, 2, stack, fname);
}

static int m_cat(lua_State *L) { return m_join(L, false, "Tensor.cat"); }
static int m_stack(lua_State *L) { return m_join(L, true, "Tensor.stack"); }

/* ------------------------------------------------------------ index_select */

static int l_index_select(lua_State *L)
{
	static const char fname[] = "torch.index_select";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	ag_tensor *index = repl_index_arg(L, 3, fname), *r;

	if (!index)
		return repl_core_error(L);
	r = ag_index_select(t, d, index);
	ag_tensor_release(index);
	repl_push_tensor(L, r);
	return 1;
}

/* ------------------------------------------------------------ registration */

static void add_closure(lua_State *L, const char *name, lua_CFunction fn,
			int op, const char *fname)
{
	lua_pushinteger(L, op);
	lua_pushstring(L, fname);
	lua_pushcclosure(L, fn, 2);
	lua_setfield(L, -2, name);
}

void repl_register_ops(lua_State *L, bool methods)
{
	static const luaL_Reg common[] = {
		{"sum", l_sum}, {"mean", l_mean}, {"max", l_max}, {"min", l_min},
		{"argmax", l_argmax}, {"argmin", l_argmin},
		{"mm", l_mm}, {"bmm", l_bmm}, {"matmul", l_matmul},
		{"dot", l_dot}, {"mv", l_mv},
		{"index_select", l_index_select},
		{NULL, NULL}
	};
	static const luaL_Reg torch_only[] = {
		{"cat", l_cat}, {"stack", l_stack},
		{NULL, NULL}
	};
	static const luaL_Reg method_only[] = {
		{"cat", m_cat}, {"stack", m_stack},
		{NULL, NULL}
	};
	char buf[64];
	int op;

	/* every pointwise op of one or two tensors and nothing else (those
	 * with arguments of their own are bound by hand: lops_pointwise.c) */
	for (op = 0; op < AG_OP_COUNT; op++) {
		const ag_opinfo *info = ag_op_info(op);
		if (info->kind != AG_OPK_POINTWISE || info->args ||
		    (info->nin != 1 && info->nin != 2))
			continue;
		snprintf(buf, sizeof buf, "torch.%s", info->name);
		add_closure(L, info->name, info->nin == 1 ? l_unary : l_binary,
			    op, buf);
		if (!(info->flags & AG_OPF_INPLACE))
			continue;
		snprintf(buf, sizeof buf, "torch.%s_", info->name);
		add_closure(L, buf + 6, info->nin == 1 ? l_unary_ : l_binary_,
			    op, buf);
	}
	luaL_setfuncs(L, common, 0);
	luaL_setfuncs(L, methods ? method_only : torch_only, 0);
	repl_register_reduce_ops(L, methods);
	repl_register_pointwise_ops(L, methods);
	repl_register_shape_ops(L, methods);
	repl_register_linalg_ops(L, methods);
}

void repl_register_arith(lua_State *L)
{
	static const struct { const char *meta; ag_op op; } arith[] = {
		{"__add", AG_OP_ADD}, {"__sub", AG_OP_SUB}, {"__mul", AG_OP_MUL},
		{"__div", AG_OP_DIV}, {"__pow", AG_OP_POW},
		/* Python's % on tensors is remainder; & | and Lua's binary ~
		 * (xor) are the bitwise ops */
		{"__mod", AG_OP_REMAINDER}, {"__band", AG_OP_BITWISE_AND},
		{"__bor", AG_OP_BITWISE_OR}, {"__bxor", AG_OP_BITWISE_XOR},
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof arith / sizeof arith[0]; i++) {
		snprintf(buf, sizeof buf, "torch.%s", ag_op_name(arith[i].op));
		add_closure(L, arith[i].meta, l_binary, arith[i].op, buf);
	}
	lua_pushcfunction(L, l_unm);
	lua_setfield(L, -2, "__unm");
	lua_pushcfunction(L, l_bnot);
	lua_setfield(L, -2, "__bnot");
	lua_pushcfunction(L, l_compare);
	lua_setfield(L, -2, "__lt");
	lua_pushcfunction(L, l_compare);
	lua_setfield(L, -2, "__le");
}
