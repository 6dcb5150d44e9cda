/*
 * lops_more.c - the ops-more family of issue 11 in the torch module:
 * hardshrink, prelu, rrelu (torch. and method forms as PyTorch has them),
 * softshrink and glu for torch.nn.functional (torch._C), and the name
 * aliases PyTorch 1.13 has (arcsin, greater, multiply, fix, concat,
 * torch.special.expit, ...; clip, swapaxes, swapdims, moveaxis and ger
 * are bound with their ops), which are data: one table below, each entry
 * the name of an op already bound, copied onto the alias in the torch
 * table, the method table and torch.special.
 *
 * Run last when the module opens (repl_open_more), so every op an alias
 * names is there.
 */
#include "ltorch.h"

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
		{NULL, NULL}
	};
	static const luaL_Reg torch_only[] = {
		{"rrelu", l_rrelu}, {"rrelu_", l_rrelu_},
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
