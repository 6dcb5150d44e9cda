/*
 * lops_pointwise.c - the pointwise ops whose arguments the op table cannot
 * bind by itself: clamp and clip (number or tensor bounds), where, lerp,
 * addcmul, addcdiv, round with decimals, logit, nan_to_num, the
 * activations with numbers of their own (leaky_relu, elu, selu, celu,
 * gelu, softplus, hardtanh, relu6, threshold), square and softsign, and
 * the whole-tensor comparisons isclose, allclose, equal.
 *
 * Each is torch.NAME and x:NAME (self is argument 1 either way); the
 * in-place forms NAME_ are the same C function with an upvalue saying so.
 * Numbers PyTorch takes by position or keyword are taken either way:
 * x:leaky_relu(0.2) or x:leaky_relu({negative_slope = 0.2}).
 */
#include "ltorch.h"
#include "opargs.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FNAME(L) lua_tostring(L, lua_upvalueindex(1))
#define INPLACE(L) lua_toboolean(L, lua_upvalueindex(2))

/* ------------------------------------------------------------- arguments */

/* A number by position (idx, unless it is the keyword table) or by
 * keyword; def when neither is given. */
static double num_arg(lua_State *L, int idx, int kw, const char *key,
		      double def, const char *fname)
{
	double v = def;

	if (idx != kw && !lua_isnoneornil(L, idx)) {
		if (lua_type(L, idx) != LUA_TNUMBER)
			repl_arg_error(L, fname, idx, "a number");
		return lua_tonumber(L, idx);
	}
	if (repl_kw_get(L, kw, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			luaL_error(L, "%s: keyword '%s' must be a number", fname, key);
		v = lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	return v;
}

double repl_number_arg(lua_State *L, int idx, int kw, const char *key,
		       double def, const char *fname)
{
	return num_arg(L, idx, kw, key, def, fname);
}

/* The keyword table among the arguments from first on, its keys checked. */
static int keywords(lua_State *L, int first, const char *fname,
		    const char *const *keys)
{
	int kw = repl_kwargs(L, first);
	repl_check_keys(L, kw, fname, keys);
	return kw;
}

/* Pushes op(self, args) or applies it in place (returning self). */
static int push_unary(lua_State *L, ag_op op, const void *args, size_t size)
{
	ag_tensor *t = repl_to_tensor(L, 1);

	if (INPLACE(L)) {
		if (ag_unary_with_(op, t, args, size) != 0)
			return repl_core_error(L);
		lua_settop(L, 1);
		return 1;
	}
	repl_push_tensor(L, ag_unary_with(op, t, args, size));
	return 1;
}

/* ---------------------------------------------------------- activations */

static int l_leaky_relu(lua_State *L)
{
	static const char *const keys[] = {"negative_slope", NULL};
	const char *fname = FNAME(L);
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	ag_leaky_relu_args a = { num_arg(L, 2, kw, "negative_slope", 0.01, fname) };

	return push_unary(L, AG_OP_LEAKY_RELU, &a, sizeof a);
}

static int l_elu(lua_State *L)
{
	static const char *const keys[] = {"alpha", "scale", "input_scale", NULL};
	const char *fname = FNAME(L);
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	ag_elu_args a = {
		num_arg(L, 2, kw, "alpha", 1.0, fname),
		num_arg(L, 3, kw, "scale", 1.0, fname),
		num_arg(L, 4, kw, "input_scale", 1.0, fname),
	};

	return push_unary(L, AG_OP_ELU, &a, sizeof a);
}

/* selu: elu with the constants of Klambauer et al. (PyTorch's node is
 * EluBackward0) */
static int l_selu(lua_State *L)
{
	ag_elu_args a = { 1.6732632423543772848170429916717,
			  1.0507009873554804934193349852946, 1.0 };

	repl_check_tensor(L, 1, FNAME(L));
	return push_unary(L, AG_OP_ELU, &a, sizeof a);
}

static int l_celu(lua_State *L)
{
	static const char *const keys[] = {"alpha", NULL};
	const char *fname = FNAME(L);
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	double alpha = num_arg(L, 2, kw, "alpha", 1.0, fname);

	if (alpha == 0)
		return luaL_error(L, "ZeroDivisionError: alpha cannot be 0 for CELU");
	ag_elu_args a = { alpha, 1.0, 1.0 / alpha };
	return push_unary(L, AG_OP_CELU, &a, sizeof a);
}

static int l_gelu(lua_State *L)
{
	static const char *const keys[] = {"approximate", NULL};
	const char *fname = FNAME(L), *approx = "none";
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);

	if (kw != 2 && !lua_isnoneornil(L, 2))
		approx = luaL_checkstring(L, 2);
	else if (repl_kw_get(L, kw, "approximate") != LUA_TNIL)
		approx = luaL_checkstring(L, -1);
	if (strcmp(approx, "none") != 0 && strcmp(approx, "tanh") != 0)
		return luaL_error(L, "approximate argument must be either none or "
				  "tanh.");
	ag_gelu_args a = { strcmp(approx, "tanh") == 0 };
	return push_unary(L, AG_OP_GELU, &a, sizeof a);
}

static int l_softplus(lua_State *L)
{
	static const char *const keys[] = {"beta", "threshold", NULL};
	const char *fname = FNAME(L);
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	ag_softplus_args a = { num_arg(L, 2, kw, "beta", 1.0, fname),
			       num_arg(L, 3, kw, "threshold", 20.0, fname) };

	return push_unary(L, AG_OP_SOFTPLUS, &a, sizeof a);
}

static int l_hardtanh(lua_State *L)
{
	static const char *const keys[] = {"min_val", "max_val", NULL};
	const char *fname = FNAME(L);
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	ag_hardtanh_args a = { num_arg(L, 2, kw, "min_val", -1.0, fname),
			       num_arg(L, 3, kw, "max_val", 1.0, fname) };

	return push_unary(L, AG_OP_HARDTANH, &a, sizeof a);
}

/* relu6: hardtanh(x, 0, 6), as torch.nn.functional has it */
static int l_relu6(lua_State *L)
{
	ag_hardtanh_args a = { 0, 6 };

	repl_check_tensor(L, 1, FNAME(L));
	return push_unary(L, AG_OP_HARDTANH, &a, sizeof a);
}

static int l_threshold(lua_State *L)
{
	static const char *const keys[] = {"threshold", "value", NULL};
	const char *fname = FNAME(L);
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	ag_threshold_args a = { num_arg(L, 2, kw, "threshold", NAN, fname),
				num_arg(L, 3, kw, "value", NAN, fname) };

	if (isnan(a.threshold) || isnan(a.value))
		return luaL_error(L, "%s: expected (input, threshold, value)", fname);
	return push_unary(L, AG_OP_THRESHOLD, &a, sizeof a);
}

/* --------------------------------------------------------------- math */

static int l_logit(lua_State *L)
{
	static const char *const keys[] = {"eps", NULL};
	const char *fname = FNAME(L);
	repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	ag_logit_args a = { num_arg(L, 2, kw, "eps", NAN, fname) };

	return push_unary(L, AG_OP_LOGIT, &a, sizeof a);
}

/* round(x) or round(x, {decimals = d}) (RoundBackward1) */
static int l_round(lua_State *L)
{
	static const char *const keys[] = {"decimals", NULL};
	const char *fname = FNAME(L);
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	double d = num_arg(L, 2, kw, "decimals", NAN, fname);

	if (isnan(d)) {
		if (!INPLACE(L)) {
			repl_push_tensor(L, ag_unary(AG_OP_ROUND, t));
			return 1;
		}
		if (ag_unary_(AG_OP_ROUND, t) != 0)
			return repl_core_error(L);
		lua_settop(L, 1);
		return 1;
	}
	if (d != trunc(d) || fabs(d) > 1e9)
		return luaL_error(L, "%s: decimals must be an integer", fname);
	ag_round_args a = { (int64_t)d };
	return push_unary(L, AG_OP_ROUND_DECIMALS, &a, sizeof a);
}

/* nan_to_num(x, nan = 0, posinf = max, neginf = lowest of x's dtype) */
static int l_nan_to_num(lua_State *L)
{
	static const char *const keys[] = {"nan", "posinf", "neginf", NULL};
	const char *fname = FNAME(L);
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys);
	ag_finfo f = { .max = 0, .min = 0 };

	ag_dtype_finfo(t->dtype, &f);	/* integer dtypes: nothing to replace */
	ag_nan_to_num_args a = { num_arg(L, 2, kw, "nan", 0.0, fname),
				 num_arg(L, 3, kw, "posinf", f.max, fname),
				 num_arg(L, 4, kw, "neginf", f.min, fname) };
	return push_unary(L, AG_OP_NAN_TO_NUM, &a, sizeof a);
}

/* square: x ^ 2, PyTorch's PowBackward0 */
static int l_square(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, FNAME(L));
	ag_tensor *two = ag_wrapped_number(2, true);

	if (!two)
		return repl_core_error(L);
	if (INPLACE(L)) {
		int rc = ag_binary_(AG_OP_POW, t, two);
		ag_tensor_release(two);
		if (rc != 0)
			return repl_core_error(L);
		lua_settop(L, 1);
		return 1;
	}
	ag_tensor *r = ag_binary(AG_OP_POW, t, two);
	ag_tensor_release(two);
	repl_push_tensor(L, r);
	return 1;
}

/* softsign: x / (1 + |x|), made of those ops as in PyTorch (DivBackward0) */
static int l_softsign(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, FNAME(L));
	ag_tensor *one = ag_wrapped_number(1, true);
	ag_tensor *a = one ? ag_unary(AG_OP_ABS, t) : NULL;
	ag_tensor *d = a ? ag_add(a, one) : NULL;
	ag_tensor *r = d ? ag_div(t, d) : NULL;

	ag_tensor_release(one);
	ag_tensor_release(a);
	ag_tensor_release(d);
	repl_push_tensor(L, r);
	return 1;
}

/* ------------------------------------------------------------- clamp */

/* A bound: argument idx (of the top first arguments), else keyword key,
 * left on the stack; 0 for none. */
static int bound_index(lua_State *L, int idx, int top, int kw,
		       const char *key)
{
	if (idx <= top && idx != kw && !lua_isnoneornil(L, idx))
		return idx;
	if (repl_kw_get(L, kw, key) != LUA_TNIL)
		return lua_gettop(L);
	lua_pop(L, 1);
	return 0;
}

static void check_bound(lua_State *L, int idx, const char *fname)
{
	if (idx && lua_type(L, idx) != LUA_TNUMBER && !repl_to_tensor(L, idx))
		repl_arg_error(L, fname, idx, "a number, a Tensor or nil");
}

/* clamp(x, min, max), clip: number bounds (ClampBackward1) or tensor
 * bounds (ClampBackward0); a number next to a tensor bound counts as a
 * tensor one. */
static int l_clamp(lua_State *L)
{
	static const char *const keys[] = {"min", "max", NULL};
	const char *fname = FNAME(L);
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = keywords(L, 2, fname, keys), top = lua_gettop(L);
	int lo = bound_index(L, 2, top, kw, "min");
	int hi = bound_index(L, 3, top, kw, "max");

	check_bound(L, lo, fname);
	check_bound(L, hi, fname);
	if (!lo && !hi)
		return luaL_error(L, "torch.clamp: At least one of 'min' or 'max' "
				  "must not be nil");
	if ((!lo || lua_type(L, lo) == LUA_TNUMBER) &&
	    (!hi || lua_type(L, hi) == LUA_TNUMBER)) {
		ag_clamp_args a = { lo ? lua_tonumber(L, lo) : NAN,
				    hi ? lua_tonumber(L, hi) : NAN };
		return push_unary(L, AG_OP_CLAMP, &a, sizeof a);
	}
	ag_tensor *b[2] = { NULL, NULL };
	int idx[2] = { lo, hi }, rc = 0;
	for (int i = 0; i < 2; i++)
		if (idx[i] && !(b[i] = repl_check_operand(L, idx[i], fname)))
			rc = -1;
	ag_tensor *r = NULL;
	if (rc == 0 && INPLACE(L))
		rc = ag_ternary_(AG_OP_CLAMP_TENSOR, t, b[0], b[1], NULL, 0);
	else if (rc == 0 && !(r = ag_ternary(AG_OP_CLAMP_TENSOR, t, b[0], b[1],
					      NULL, 0)))
		rc = -1;
	ag_tensor_release(b[0]);
	ag_tensor_release(b[1]);
	if (rc != 0)
		return repl_core_error(L);
	if (INPLACE(L)) {
		lua_settop(L, 1);
		return 1;
	}
	repl_push_tensor(L, r);
	return 1;
}

/* ------------------------------------------------- three inputs: where ... */

/* Applies op to the operands at positions i[0..2] (numbers become wrapped
 * numbers), in place into the first when the upvalue says so. */
static int ternary(lua_State *L, ag_op op, const int *idx, const void *args,
		   size_t size)
{
	const char *fname = FNAME(L);
	ag_tensor *in[3] = { NULL, NULL, NULL }, *r = NULL;
	int rc = 0;

	for (int i = 0; i < 3; i++)
		repl_check_operand_type(L, idx[i], fname);
	for (int i = 0; i < 3 && rc == 0; i++)
		if (!(in[i] = repl_check_operand(L, idx[i], fname)))
			rc = -1;
	if (rc == 0 && INPLACE(L))
		rc = ag_ternary_(op, in[0], in[1], in[2], args, size);
	else if (rc == 0 && !(r = ag_ternary(op, in[0], in[1], in[2], args, size)))
		rc = -1;
	for (int i = 0; i < 3; i++)
		ag_tensor_release(in[i]);
	if (rc != 0)
		return repl_core_error(L);
	if (INPLACE(L)) {
		lua_settop(L, 1);
		return 1;
	}
	repl_push_tensor(L, r);
	return 1;
}

/* torch.where(cond, x, y); torch.where(cond) is nonzero(cond, as_tuple):
 * one 1-based index tensor per dim */
static int l_where(lua_State *L)
{
	static const int idx[3] = { 1, 2, 3 };

	if (lua_gettop(L) == 1)
		return repl_nonzero_tuple(L, repl_check_tensor(L, 1,
							       "torch.where"));
	if (lua_gettop(L) < 3)
		return luaL_error(L, "torch.where: expected (condition) or "
				  "(condition, x, y)");
	repl_check_tensor(L, 1, FNAME(L));
	return ternary(L, AG_OP_WHERE, idx, NULL, 0);
}

/* x:where(cond, y) == torch.where(cond, x, y) */
static int m_where(lua_State *L)
{
	static const int idx[3] = { 2, 1, 3 };

	repl_check_tensor(L, 1, FNAME(L));
	repl_check_tensor(L, 2, FNAME(L));
	return ternary(L, AG_OP_WHERE, idx, NULL, 0);
}

/* lerp(start, end, weight): a number weight or a tensor one */
static int l_lerp(lua_State *L)
{
	static const int idx[3] = { 1, 2, 3 };

	repl_check_tensor(L, 1, FNAME(L));
	repl_check_tensor(L, 2, FNAME(L));
	return ternary(L, AG_OP_LERP, idx, NULL, 0);
}

/* addcmul(self, t1, t2, {value = 1}), addcdiv likewise */
static int addc(lua_State *L, ag_op op)
{
	static const char *const keys[] = {"value", NULL};
	static const int idx[3] = { 1, 2, 3 };
	const char *fname = FNAME(L);

	repl_check_tensor(L, 1, fname);
	repl_check_tensor(L, 2, fname);
	repl_check_tensor(L, 3, fname);
	int kw = keywords(L, 4, fname, keys);
	ag_addc_args a = { num_arg(L, 4, kw, "value", 1.0, fname) };
	return ternary(L, op, idx, &a, sizeof a);
}

static int l_addcmul(lua_State *L) { return addc(L, AG_OP_ADDCMUL); }
static int l_addcdiv(lua_State *L) { return addc(L, AG_OP_ADDCDIV); }

/* ------------------------------------------------ whole-tensor comparisons */

struct close_opts {
	double rtol, atol;
	bool equal_nan;
};

static struct close_opts close_args(lua_State *L, const char *fname)
{
	static const char *const keys[] = {"rtol", "atol", "equal_nan", NULL};
	int kw = keywords(L, 3, fname, keys);
	struct close_opts o = { num_arg(L, 3, kw, "rtol", 1e-05, fname),
				num_arg(L, 4, kw, "atol", 1e-08, fname), false };

	if (kw != 5 && lua_isboolean(L, 5))
		o.equal_nan = lua_toboolean(L, 5);
	else
		o.equal_nan = repl_kw_bool(L, kw, "equal_nan", false, fname);
	return o;
}

static int l_isclose(lua_State *L)
{
	const char *fname = FNAME(L);
	ag_tensor *a = repl_check_tensor(L, 1, fname);
	ag_tensor *b = repl_check_tensor(L, 2, fname);
	struct close_opts o = close_args(L, fname);

	repl_push_tensor(L, ag_isclose(a, b, o.rtol, o.atol, o.equal_nan));
	return 1;
}

static int l_allclose(lua_State *L)
{
	const char *fname = FNAME(L);
	ag_tensor *a = repl_check_tensor(L, 1, fname);
	ag_tensor *b = repl_check_tensor(L, 2, fname);
	struct close_opts o = close_args(L, fname);
	int r = ag_allclose(a, b, o.rtol, o.atol, o.equal_nan);

	if (r < 0)
		return repl_core_error(L);
	lua_pushboolean(L, r);
	return 1;
}

static int l_equal(lua_State *L)
{
	const char *fname = FNAME(L);
	int r = ag_equal(repl_check_tensor(L, 1, fname),
			 repl_check_tensor(L, 2, fname));

	if (r < 0)
		return repl_core_error(L);
	lua_pushboolean(L, r);
	return 1;
}

/* ------------------------------------------------------------ registration */

static const struct pointwise_fn {
	const char *name;
	lua_CFunction fn;
	bool inplace_too;	/* also NAME_ */
} pointwise_fns[] = {
	{"leaky_relu", l_leaky_relu, true}, {"elu", l_elu, true},
	{"selu", l_selu, true}, {"celu", l_celu, true}, {"gelu", l_gelu, false},
	{"softplus", l_softplus, false}, {"hardtanh", l_hardtanh, true},
	{"relu6", l_relu6, true}, {"threshold", l_threshold, true},
	{"logit", l_logit, true}, {"round", l_round, true},
	{"nan_to_num", l_nan_to_num, true}, {"square", l_square, true},
	{"softsign", l_softsign, false}, {"clamp", l_clamp, true},
	{"clip", l_clamp, true}, {"lerp", l_lerp, true},
	{"addcmul", l_addcmul, true}, {"addcdiv", l_addcdiv, true},
	{"isclose", l_isclose, false}, {"allclose", l_allclose, false},
	{"equal", l_equal, false},
};

static void add_fn(lua_State *L, const char *name, lua_CFunction fn,
		   bool inplace)
{
	lua_pushfstring(L, "torch.%s", name);
	lua_pushboolean(L, inplace);
	lua_pushcclosure(L, fn, 2);
	lua_setfield(L, -2, name);
}

void repl_register_pointwise_ops(lua_State *L, bool methods)
{
	char buf[64];

	for (size_t i = 0; i < sizeof pointwise_fns / sizeof pointwise_fns[0]; i++) {
		const struct pointwise_fn *f = &pointwise_fns[i];
		add_fn(L, f->name, f->fn, false);
		if (f->inplace_too) {
			snprintf(buf, sizeof buf, "%s_", f->name);
			add_fn(L, buf, f->fn, true);
		}
	}
	add_fn(L, "where", methods ? m_where : l_where, false);
}
