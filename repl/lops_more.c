/*
 * lops_more.c - the ops-more family of issue 11 in the torch module:
 * hardshrink, prelu, rrelu (torch. and method forms as PyTorch has them),
 * the in-place view ops (x:unsqueeze_, squeeze_, t_, transpose_,
 * as_strided_: the view op's view, which x becomes), out= for the torch.
 * forms of the pointwise ops, reductions, products and joins,
 * softshrink and glu for torch.nn.functional (torch._C), and the name
 * aliases PyTorch 1.13 has (arcsin, greater, multiply, fix, concat,
 * torch.special.expit, ...; clip, swapaxes, swapdims, moveaxis and ger
 * are bound with their ops: here their `_` forms), which are data: one
 * table below, each entry the name of an op already bound, copied onto
 * the alias in the torch table, the method table and torch.special.  Also
 * searchsorted, bucketize, bincount, histc, quantile, nanquantile and
 * torch.linalg.multi_dot.
 *
 * Run last when the module opens (repl_open_more), so every op an alias
 * names is there.
 */
#include "ltorch.h"
#include "autograd.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define number repl_number_arg

/* A boolean by position idx or keyword key. */
static bool boolean(lua_State *L, int idx, int kw, const char *key, bool def,
		    const char *fname)
{
	if (idx != kw && !lua_isnoneornil(L, idx)) {
		if (!lua_isboolean(L, idx))
			repl_arg_error(L, fname, idx, "a boolean");
		return lua_toboolean(L, idx);
	}
	return repl_kw_bool(L, kw, key, def, fname);
}

static int keywords(lua_State *L, int first, const char *fname,
		    const char *const *keys)
{
	int kw = repl_kwargs(L, first);
	repl_check_keys(L, kw, fname, keys);
	return kw;
}

/* x:hardshrink(lambd = 0.5), torch.hardshrink */
static int l_hardshrink(lua_State *L)
{
	static const char fname[] = "torch.hardshrink";
	static const char *const keys[] = {"lambd", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);

	repl_push_tensor(L, ag_hardshrink(t, number(L, 2, kw, "lambd", 0.5,
						    fname)));
	return 1;
}

/* torch._C.softshrink(x, lambd = 0.5) (PyTorch has it in F only) */
static int c_softshrink(lua_State *L)
{
	static const char fname[] = "softshrink";
	static const char *const keys[] = {"lambd", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);

	repl_push_tensor(L, ag_softshrink(t, number(L, 2, kw, "lambd", 0.5,
						    fname)));
	return 1;
}

/* torch._C.glu(x, dim = -1), dim 1-based */
static int c_glu(lua_State *L)
{
	static const char fname[] = "glu";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys), dim = -1;

	if (kw != 2 && !lua_isnoneornil(L, 2))
		dim = repl_check_dim(L, 2, t->ndim, 0, fname);
	else if (repl_kw_get(L, kw, "dim") != LUA_TNIL)
		dim = repl_check_dim(L, lua_gettop(L), t->ndim, 0, fname);
	if (t->ndim == 0)
		dim = 0;	/* core says why a scalar will not do */
	repl_push_tensor(L, ag_glu(t, dim));
	return 1;
}

/* torch.prelu(x, weight), x:prelu(weight) */
static int l_prelu(lua_State *L)
{
	static const char fname[] = "torch.prelu";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *w = repl_check_tensor(L, 2, fname);

	repl_push_tensor(L, ag_prelu(t, w));
	return 1;
}

/* torch.rrelu(x, lower = 1/8, upper = 1/3, training = false), rrelu_ */
static int rrelu(lua_State *L, bool inplace)
{
	static const char *const keys[] = {"lower", "upper", "training", NULL};
	const char *fname = inplace ? "torch.rrelu_" : "torch.rrelu";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	double lo = number(L, 2, kw, "lower", 1.0 / 8, fname);
	double hi = number(L, 3, kw, "upper", 1.0 / 3, fname);
	bool training = boolean(L, 4, kw, "training", false, fname);

	if (!inplace) {
		repl_push_tensor(L, ag_rrelu(t, lo, hi, training));
		return 1;
	}
	if (ag_rrelu_(t, lo, hi, training) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int l_rrelu(lua_State *L) { return rrelu(L, false); }
static int l_rrelu_(lua_State *L) { return rrelu(L, true); }

/* ------------------------------------------------------ counting, buckets */

/* A tensor argument, or a number as a 0-d float64 tensor (new references) */
static ag_tensor *tensor_or_number(lua_State *L, int idx, const char *fname)
{
	if (lua_type(L, idx) == LUA_TNUMBER) {
		ag_tensor *r = ag_scalar(lua_tonumber(L, idx), AG_FLOAT64);
		if (!r)
			repl_core_error(L);
		return r;
	}
	ag_tensor *t = repl_check_tensor(L, idx, fname);
	ag_tensor_retain(t);
	return t;
}

/* searchsorted(seq, values, {right, side, out_int32, sorter}) and
 * bucketize(values, boundaries, {right, out_int32}): 1-based positions */
static int search(lua_State *L, bool bucketize)
{
	static const char *const s_keys[] = {"right", "side", "out_int32",
					     "sorter", NULL};
	static const char *const b_keys[] = {"right", "out_int32", NULL};
	const char *fname = bucketize ? "torch.bucketize" : "torch.searchsorted";
	int seq_at = bucketize ? 2 : 1, val_at = bucketize ? 1 : 2;
	ag_tensor *seq = repl_check_tensor(L, seq_at, fname);
	if (lua_type(L, val_at) != LUA_TNUMBER)
		repl_check_tensor(L, val_at, fname);
	int kw = keywords(L, 3, fname, bucketize ? b_keys : s_keys);
	bool right = repl_kw_bool(L, kw, "right", false, fname);
	bool int32 = repl_kw_bool(L, kw, "out_int32", false, fname);
	ag_tensor *sorter = NULL;

	if (!bucketize && repl_kw_get(L, kw, "side") != LUA_TNIL) {
		const char *side = luaL_checkstring(L, -1);
		if (strcmp(side, "left") != 0 && strcmp(side, "right") != 0)
			return luaL_error(L, "torch.searchsorted(): side can only be "
					  "'left' or 'right' but got %s", side);
		bool r = strcmp(side, "right") == 0;
		if (right && !r)
			return luaL_error(L, "torch.searchsorted(): side and right "
					  "can't be set to opposites, got side of left "
					  "while right was True");
		right = r;
	}
	if (!bucketize && repl_kw_get(L, kw, "sorter") != LUA_TNIL)
		sorter = repl_index_arg(L, lua_gettop(L), fname);
	ag_tensor *v = tensor_or_number(L, val_at, fname);
	ag_tensor *r = ag_searchsorted(seq, v, right, int32, sorter, 1, bucketize);
	ag_tensor_release(v);
	ag_tensor_release(sorter);
	repl_push_tensor(L, r);
	return 1;
}

static int l_searchsorted(lua_State *L) { return search(L, false); }
static int l_bucketize(lua_State *L) { return search(L, true); }

/* x:bincount(weights, minlength): x's values are 1-based bins */
static int l_bincount(lua_State *L)
{
	static const char fname[] = "torch.bincount";
	static const char *const keys[] = {"weights", "minlength", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *w = NULL;
	int kw = keywords(L, 2, fname, keys);
	double m = number(L, 3, kw, "minlength", 0, fname);

	if (m != floor(m) || fabs(m) > 9e15)
		return luaL_error(L, "%s: minlength must be an integer", fname);
	if (kw != 2 && !lua_isnoneornil(L, 2))
		w = repl_check_tensor(L, 2, fname);
	else if (repl_kw_get(L, kw, "weights") != LUA_TNIL)
		w = repl_check_tensor(L, lua_gettop(L), fname);
	repl_push_tensor(L, ag_bincount(t, w, (int64_t)m, 1));
	return 1;
}

/* x:histc(bins = 100, min = 0, max = 0) */
static int l_histc(lua_State *L)
{
	static const char fname[] = "torch.histc";
	static const char *const keys[] = {"bins", "min", "max", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	double bins = number(L, 2, kw, "bins", 100, fname);

	if (bins != floor(bins) || fabs(bins) > 9e15)
		return luaL_error(L, "%s: bins must be an integer", fname);
	repl_push_tensor(L, ag_histc(t, (int64_t)bins,
				     number(L, 3, kw, "min", 0, fname),
				     number(L, 4, kw, "max", 0, fname)));
	return 1;
}

/* x:quantile(q, dim, keepdim, {interpolation = "linear"}), nanquantile;
 * q a number or a tensor, dim 1-based */
static int quantile(lua_State *L, bool ignore_nan)
{
	static const char *const keys[] = {"q", "dim", "keepdim", "interpolation",
					   NULL};
	const char *fname = ignore_nan ? "torch.nanquantile" : "torch.quantile";
	const char *pyname = ignore_nan ? "nanquantile" : "quantile";
	ag_tensor *t = repl_check_tensor(L, 1, fname), *q;
	int kw = keywords(L, 2, fname, keys), dim = 0, qat = 2;
	bool has_dim = false;
	/* positions past the arguments are absent (keyword values get pushed) */
	lua_settop(L, kw ? kw : lua_gettop(L) > 4 ? lua_gettop(L) : 4);

	bool keepdim = kw != 4 && lua_isboolean(L, 4) ? lua_toboolean(L, 4) :
		       repl_kw_bool(L, kw, "keepdim", false, fname);
	int interp = 0;
	if (repl_kw_get(L, kw, "interpolation") != LUA_TNIL)
		interp = ag_quantile_interpolation(luaL_checkstring(L, -1));
	lua_pop(L, 1);
	if (interp < 0)
		return repl_core_error(L);
	if (kw != 3 && !lua_isnoneornil(L, 3)) {
		dim = repl_check_dim(L, 3, t->ndim ? t->ndim : 1, 0, fname);
		has_dim = true;
	} else if (repl_kw_get(L, kw, "dim") != LUA_TNIL) {
		dim = repl_check_dim(L, lua_gettop(L), t->ndim ? t->ndim : 1, 0,
				     fname);
		has_dim = true;
	}
	if (kw == 2 || lua_isnoneornil(L, 2)) {
		repl_kw_get(L, kw, "q");
		qat = lua_gettop(L);
	}
	if (lua_type(L, qat) == LUA_TNUMBER) {
		double v = lua_tonumber(L, qat);
		if (!(v >= 0 && v <= 1))
			return luaL_error(L, "%s() q must be in the range [0, 1] but "
					  "got %s", pyname, lua_tostring(L, qat));
		q = ag_scalar(v, t->dtype);
		if (!q)
			return repl_core_error(L);
	} else {
		q = repl_check_tensor(L, qat, fname);
		ag_tensor_retain(q);
	}
	ag_tensor *r = ag_quantile(t, q, has_dim ? &dim : NULL, keepdim, interp,
				   ignore_nan);
	ag_tensor_release(q);
	repl_push_tensor(L, r);
	return 1;
}

static int l_quantile(lua_State *L) { return quantile(L, false); }
static int l_nanquantile(lua_State *L) { return quantile(L, true); }

/* torch.linalg.multi_dot({A, B, ...}): the product, in the order of
 * fewest multiplications; a 1-d first (last) matrix is a row (column) */
static int l_multi_dot(lua_State *L)
{
	static const char fname[] = "torch.linalg.multi_dot";
	int n;
	ag_tensor **ts = repl_check_tensor_list(L, 1, fname, "tensors",
						"a sequence of tensors", 0, &n);
	repl_push_tensor(L, ag_multi_dot(ts, n));
	return 1;
}

/* ------------------------------------------------------------------- out= */

/* Does any tensor among the arguments (or in a list argument, as cat's)
 * require grad? */
static bool any_requires_grad(lua_State *L, int first, int last)
{
	for (int i = first; i <= last; i++) {
		ag_tensor *t = repl_to_tensor(L, i);
		if (t && ag_requires_grad(t))
			return true;
		if (!t && lua_type(L, i) == LUA_TTABLE) {
			lua_Integer n = (lua_Integer)lua_rawlen(L, i);
			for (lua_Integer k = 1; k <= n; k++) {
				lua_rawgeti(L, i, k);
				ag_tensor *e = repl_to_tensor(L, -1);
				lua_pop(L, 1);
				if (e && ag_requires_grad(e))
					return true;
			}
		}
	}
	return false;
}

/* torch.NAME(..., {out = t}) for the ops PyTorch gives out=: upvalue 1 is
 * the op's own function, 2 its name.  Without out the call goes straight
 * through; with it the op runs without the keyword and its result (or
 * results, for out = {t1, t2}) is written into out, which is returned. */
static int with_out(lua_State *L)
{
	int top = lua_gettop(L), kw = repl_kwargs(L, 1);

	if (!kw || repl_kw_get(L, kw, "out") == LUA_TNIL) {
		if (kw)
			lua_pop(L, 1);
		lua_pushvalue(L, lua_upvalueindex(1));
		lua_insert(L, 1);
		lua_call(L, top, LUA_MULTRET);
		return lua_gettop(L);
	}
	const char *name = lua_tostring(L, lua_upvalueindex(2));
	int outs = lua_gettop(L);
	int nout = repl_to_tensor(L, outs) ? 1 : lua_istable(L, outs) ?
		   (int)lua_rawlen(L, outs) : 0;
	for (int i = 1; i <= nout; i++) {
		if (nout == 1 && repl_to_tensor(L, outs))
			break;
		lua_rawgeti(L, outs, i);
		if (!repl_to_tensor(L, -1))
			nout = 0;
		lua_pop(L, 1);
	}
	if (!nout)
		return luaL_error(L, "torch.%s: keyword 'out' must be a Tensor or a "
				  "sequence of Tensors, got %s", name,
				  repl_type_name(L, outs));
	/* PyTorch's refusal, before anything runs (out counts too) */
	if (ag_is_grad_enabled() && (any_requires_grad(L, 1, kw - 1) ||
				     any_requires_grad(L, outs, outs)))
		return luaL_error(L, "%s(): functions with out=... arguments don't "
				  "support automatic differentiation, but one of "
				  "the arguments requires grad.", name);
	/* the keywords without out (none left: no table) */
	lua_newtable(L);
	int rest = lua_gettop(L), nrest = 0;
	lua_pushnil(L);
	while (lua_next(L, kw)) {
		if (lua_type(L, -2) == LUA_TSTRING &&
		    strcmp(lua_tostring(L, -2), "out") == 0) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_settable(L, rest);
		nrest++;
	}
	/* f(args before kw..., rest?) */
	int base = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	for (int i = 1; i < kw; i++)
		lua_pushvalue(L, i);
	if (nrest)
		lua_pushvalue(L, rest);
	lua_call(L, kw - 1 + (nrest ? 1 : 0), LUA_MULTRET);
	int nres = lua_gettop(L) - base;
	if (nres < nout)
		return luaL_error(L, "torch.%s: out= expects %d tensor%s, the op "
				  "gives %d", name, nout, nout == 1 ? "" : "s", nres);
	for (int i = 0; i < nout; i++) {
		ag_tensor *r = repl_to_tensor(L, base + 1 + i), *o;
		if (nout == 1 && repl_to_tensor(L, outs)) {
			o = repl_to_tensor(L, outs);
		} else {
			lua_rawgeti(L, outs, i + 1);
			o = repl_to_tensor(L, -1);
			lua_pop(L, 1);
		}
		if (!r)
			return luaL_error(L, "torch.%s: out= needs a tensor result", name);
		if (ag_out_write(o, r) != 0)
			return repl_core_error(L);
	}
	if (nout == 1 && repl_to_tensor(L, outs)) {
		lua_pushvalue(L, outs);
		return 1;
	}
	for (int i = 1; i <= nout; i++)
		lua_rawgeti(L, outs, i);
	return nout;
}

/* Wraps torch.NAME (when it is a function) in with_out. */
static void give_out(lua_State *L, int torch, const char *name)
{
	if (lua_getfield(L, torch, name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	lua_pushstring(L, name);
	lua_pushcclosure(L, with_out, 2);
	lua_setfield(L, torch, name);
}

/* out= for torch.NAME of every pointwise op and reduction of the op table
 * (and their aliases, wrapped after them) and the products and joins
 * PyTorch gives it. */
static void open_out(lua_State *L, int torch)
{
	static const char *const others[] = {
		"mm", "bmm", "matmul", "mv", "dot", "outer", "cat", "stack",
		"clamp", "clip", "where", "addmm", "addmv", "addr", "baddbmm",
		"addbmm", "searchsorted", "bucketize", "histc", "quantile",
		"nanquantile", NULL
	};
	char seen[AG_OP_COUNT] = { 0 };

	for (int op = 0; op < AG_OP_COUNT; op++) {
		const ag_opinfo *info = ag_op_info(op);
		if (info->kind != AG_OPK_POINTWISE && info->kind != AG_OPK_REDUCTION)
			continue;
		if (info->name[0] == '_' || seen[op])
			continue;
		/* ops sharing a name (max, max(dim)) are wrapped once */
		for (int o = op; o < AG_OP_COUNT; o++)
			if (strcmp(ag_op_info(o)->name, info->name) == 0)
				seen[o] = 1;
		give_out(L, torch, info->name);
	}
	for (const char *const *n = others; *n; n++)
		give_out(L, torch, *n);
}

/* ------------------------------------------------------ in-place views */

/* x:NAME_(...) for the view ops: upvalue 1 is x:NAME, whose view of x
 * (its arguments checked as NAME checks them) x then becomes in place. */
static int view_inplace(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, lua_tostring(L, lua_upvalueindex(2)));
	int top = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	for (int i = 1; i <= top; i++)
		lua_pushvalue(L, i);
	lua_call(L, top, 1);
	if (ag_view_inplace(t, repl_to_tensor(L, -1)) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* NAME_ in table tb from its NAME there. */
static void give_inplace_view(lua_State *L, int tb, const char *name)
{
	char buf[64], fname[80];

	snprintf(buf, sizeof buf, "%s_", name);
	snprintf(fname, sizeof fname, "Tensor.%s_", name);
	if (lua_getfield(L, tb, name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	lua_pushstring(L, fname);
	lua_pushcclosure(L, view_inplace, 2);
	lua_setfield(L, tb, buf);
}

/* ---------------------------------------------------------------- aliases */

/* Where an alias goes: the torch table, the method table, torch.special
 * (the names there alias torch.NAME), torch.linalg (likewise). */
enum { TORCH = 1, METHOD = 2, SPECIAL = 4, INPLACE = 8 };

/* PyTorch 1.13's other names of ops agdb has; INPLACE: NAME_ too, in
 * each table where the op's own NAME_ is. */
static const struct alias {
	const char *name, *op;
	unsigned where;
} aliases[] = {
	{"arcsin", "asin", TORCH | METHOD | INPLACE},
	{"arccos", "acos", TORCH | METHOD | INPLACE},
	{"arctan", "atan", TORCH | METHOD | INPLACE},
	{"arctan2", "atan2", TORCH | METHOD | INPLACE},
	{"arcsinh", "asinh", TORCH | METHOD | INPLACE},
	{"arccosh", "acosh", TORCH | METHOD | INPLACE},
	{"arctanh", "atanh", TORCH | METHOD | INPLACE},
	{"greater", "gt", TORCH | METHOD | INPLACE},
	{"greater_equal", "ge", TORCH | METHOD | INPLACE},
	{"less", "lt", TORCH | METHOD | INPLACE},
	{"less_equal", "le", TORCH | METHOD | INPLACE},
	{"not_equal", "ne", TORCH | METHOD | INPLACE},
	{"multiply", "mul", TORCH | METHOD | INPLACE},
	{"divide", "div", TORCH | METHOD | INPLACE},
	{"true_divide", "div", TORCH | METHOD | INPLACE},
	{"subtract", "sub", TORCH | METHOD | INPLACE},
	{"absolute", "abs", TORCH | METHOD | INPLACE},
	{"negative", "neg", TORCH | METHOD | INPLACE},
	{"fix", "trunc", TORCH | METHOD | INPLACE},
	{"swapaxes", "transpose", METHOD | INPLACE},
	{"swapdims", "transpose", METHOD | INPLACE},
	{"concat", "cat", TORCH},
	{"concatenate", "cat", TORCH},
	{"expit", "sigmoid", SPECIAL},
	{"erf", "erf", SPECIAL},
	{"erfc", "erfc", SPECIAL},
	{"erfinv", "erfinv", SPECIAL},
	{"exp2", "exp2", SPECIAL},
	{"expm1", "expm1", SPECIAL},
	{"log1p", "log1p", SPECIAL},
	{"logit", "logit", SPECIAL},
	{"xlogy", "xlogy", SPECIAL},
	{"round", "round", SPECIAL},
	{"softmax", "softmax", SPECIAL},
	{"log_softmax", "log_softmax", SPECIAL},
	{"logsumexp", "logsumexp", SPECIAL},
};

/* dst[name] = src[op], and name_ = op_ with INPLACE; nothing when src
 * lacks op (or the alias is there already: a binding of its own wins). */
static void alias_into(lua_State *L, int dst, int src, const struct alias *a)
{
	char name[64], op[64];

	for (int pass = 0; pass < (a->where & INPLACE ? 2 : 1); pass++) {
		snprintf(name, sizeof name, "%s%s", a->name, pass ? "_" : "");
		snprintf(op, sizeof op, "%s%s", a->op, pass ? "_" : "");
		if (lua_getfield(L, dst, name) != LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		lua_pop(L, 1);
		if (lua_getfield(L, src, op) == LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		lua_setfield(L, dst, name);
	}
}

/* ------------------------------------------------------------ registration */

void repl_open_more(lua_State *L)
{
	static const luaL_Reg common[] = {
		{"hardshrink", l_hardshrink}, {"prelu", l_prelu},
		{"bincount", l_bincount}, {"histc", l_histc},
		{"quantile", l_quantile}, {"nanquantile", l_nanquantile},
		{NULL, NULL}
	};
	static const luaL_Reg torch_only[] = {
		{"rrelu", l_rrelu}, {"rrelu_", l_rrelu_},
		{"searchsorted", l_searchsorted}, {"bucketize", l_bucketize},
		{NULL, NULL}
	};
	static const luaL_Reg c_funcs[] = {
		{"softshrink", c_softshrink}, {"glu", c_glu},
		{NULL, NULL}
	};
	int torch = lua_gettop(L);

	luaL_setfuncs(L, common, 0);
	luaL_setfuncs(L, torch_only, 0);
	lua_getfield(L, torch, "_C");
	luaL_setfuncs(L, c_funcs, 0);
	lua_pop(L, 1);
	lua_getfield(L, torch, "linalg");
	lua_pushcfunction(L, l_multi_dot);
	lua_setfield(L, -2, "multi_dot");
	lua_pop(L, 1);

	luaL_getmetatable(L, REPL_TENSOR_MT);
	lua_getfield(L, -1, "__methods");
	int methods = lua_gettop(L);
	luaL_setfuncs(L, common, 0);

	if (lua_getfield(L, torch, "special") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, torch, "special");
	}
	int special = lua_gettop(L);

	static const char *const views[] = {"unsqueeze", "squeeze", "t",
					    "transpose", "as_strided", NULL};
	for (const char *const *v = views; *v; v++)
		give_inplace_view(L, methods, *v);
	give_inplace_view(L, torch, "as_strided");
	open_out(L, torch);
	for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) {
		const struct alias *a = &aliases[i];
		if (a->where & TORCH)
			alias_into(L, torch, torch, a);
		if (a->where & METHOD)
			alias_into(L, methods, methods, a);
		if (a->where & SPECIAL)
			alias_into(L, special, torch, a);
	}
	lua_settop(L, torch);
}
