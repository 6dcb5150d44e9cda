/*
 * lops_random.c - torch.Generator and the random ops: generators as
 * userdata over core's (torch.default_generator is core's default one),
 * torch.manual_seed/seed/initial_seed/get_rng_state/set_rng_state, and the
 * in-place fills (uniform_ normal_ bernoulli_ exponential_ random_ cauchy_
 * log_normal_ geometric_) and
 * samplers (bernoulli multinomial randperm normal) that take a trailing
 * {generator=g}.  Index values cross 1-based: multinomial and randperm
 * give 1..n.
 */
#include "ltorch.h"
#include "autograd.h"

#include <math.h>
#include <string.h>

#define REPL_GENERATOR_MT "torch.Generator"

/* registry key of the weak map core generator -> userdata */
static const char gen_cache_key = 0;

static void push_generator(lua_State *L, ag_generator *g)
{
	repl_push_weak_cache(L, &gen_cache_key);
	if (lua_rawgetp(L, -1, g) != LUA_TNIL) {
		lua_remove(L, -2);
		ag_generator_release(g);
		return;
	}
	lua_pop(L, 1);
	ag_generator **ud = lua_newuserdatauv(L, sizeof *ud, 0);
	*ud = g;
	luaL_setmetatable(L, REPL_GENERATOR_MT);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, -3, g);
	lua_remove(L, -2);
}

ag_generator *repl_to_generator(lua_State *L, int idx)
{
	ag_generator **ud = luaL_testudata(L, idx, REPL_GENERATOR_MT);
	return ud ? *ud : NULL;
}

static ag_generator *check_generator(lua_State *L, int idx)
{
	ag_generator *g = repl_to_generator(L, idx);
	if (!g)
		repl_arg_error(L, "torch.Generator", idx, "a torch.Generator");
	return g;
}

ag_generator *repl_kw_generator(lua_State *L, int kw, const char *fname)
{
	ag_generator *g = NULL;

	if (repl_kw_get(L, kw, "generator") != LUA_TNIL) {
		g = repl_to_generator(L, -1);
		if (!g)
			luaL_error(L, "%s: keyword 'generator' must be a "
				   "torch.Generator, got %s", fname,
				   repl_type_name(L, -1));
	}
	lua_pop(L, 1);
	return g;
}

/* ------------------------------------------------------ torch.Generator */

static int l_generator_new(lua_State *L)
{
	ag_generator *g;

	if (!lua_isnoneornil(L, 1) && (lua_type(L, 1) != LUA_TSTRING ||
				       strcmp(lua_tostring(L, 1), "cpu") != 0))
		return luaL_error(L, "torch.Generator: agdb only has the \"cpu\" "
				  "device");
	g = ag_generator_new();
	if (!g)
		return repl_core_error(L);
	push_generator(L, g);
	return 1;
}

static uint64_t check_seed(lua_State *L, int idx, const char *fname)
{
	if (!lua_isinteger(L, idx)) {
		if (lua_type(L, idx) == LUA_TNUMBER)
			luaL_error(L, "%s: the seed must be an integer, got %s",
				   fname, lua_tostring(L, idx));
		luaL_error(L, "%s: expected an integer seed, got %s", fname,
			   repl_type_name(L, idx));
	}
	/* PyTorch takes -2^63 <= seed < 2^64; a negative seed wraps */
	return (uint64_t)lua_tointeger(L, idx);
}

static int g_manual_seed(lua_State *L)
{
	ag_generator *g = check_generator(L, 1);
	ag_generator_manual_seed(g, check_seed(L, 2, "manual_seed"));
	lua_settop(L, 1);
	return 1;
}

static int g_seed(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)ag_generator_seed(check_generator(L, 1)));
	return 1;
}

static int g_initial_seed(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)
			ag_generator_initial_seed(check_generator(L, 1)));
	return 1;
}

static int g_get_state(lua_State *L)
{
	repl_push_tensor(L, ag_generator_get_state(check_generator(L, 1)));
	return 1;
}

static int g_set_state(lua_State *L)
{
	ag_generator *g = check_generator(L, 1);
	ag_tensor *t = repl_check_tensor(L, 2, "set_state");

	if (ag_generator_set_state(g, t) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int g_gc(lua_State *L)
{
	ag_generator **ud = luaL_checkudata(L, 1, REPL_GENERATOR_MT);
	ag_generator_release(*ud);
	*ud = NULL;
	return 0;
}

static int g_tostring(lua_State *L)
{
	lua_pushstring(L, "<torch.Generator object>");
	return 1;
}

static int g_index(lua_State *L)
{
	const char *k = lua_tostring(L, 2);

	if (k && strcmp(k, "device") == 0) {
		lua_pushstring(L, "cpu");
		return 1;
	}
	luaL_getmetatable(L, REPL_GENERATOR_MT);
	lua_getfield(L, -1, "methods");
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

/* ------------------------------------------------- torch.* seed functions */

static int l_manual_seed(lua_State *L)
{
	ag_manual_seed(check_seed(L, 1, "torch.manual_seed"));
	push_generator(L, ag_default_generator());
	return 1;
}

static int l_seed(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)ag_generator_seed(NULL));
	return 1;
}

static int l_initial_seed(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)ag_initial_seed());
	return 1;
}

static int l_get_rng_state(lua_State *L)
{
	repl_push_tensor(L, ag_generator_get_state(NULL));
	return 1;
}

static int l_set_rng_state(lua_State *L)
{
	if (ag_generator_set_state(NULL, repl_check_tensor(L, 1,
			"torch.set_rng_state")) != 0)
		return repl_core_error(L);
	return 0;
}

/* ------------------------------------------------------- in-place fills */

/* The numbers before the keyword table (at most max of them), with
 * defaults; returns the generator keyword. */
static ag_generator *fill_args(lua_State *L, const char *fname, int max,
			       const char *const *names, double *v)
{
	static const char *const keys[] = {"generator", "from", "to", "mean",
		"std", "lambd", "p", "median", "sigma", NULL};
	int kw = repl_kwargs(L, 2), top = kw ? kw - 1 : lua_gettop(L);

	repl_check_keys(L, kw, fname, keys);
	if (top - 1 > max)
		luaL_error(L, "%s: expected at most %d numbers, got %d", fname,
			   max, top - 1);
	for (int i = 0; i < max; i++) {
		if (i + 2 <= top && !lua_isnil(L, i + 2))
			v[i] = repl_check_number(L, i + 2, fname);
		if (repl_kw_get(L, kw, names[i]) != LUA_TNIL)
			v[i] = repl_check_number(L, lua_gettop(L), fname);
		lua_pop(L, 1);
	}
	return repl_kw_generator(L, kw, fname);
}

static int l_uniform_(lua_State *L)
{
	static const char *const names[] = {"from", "to"};
	ag_tensor *t = repl_check_tensor(L, 1, "uniform_");
	double v[2] = {0.0, 1.0};
	ag_generator *g = fill_args(L, "uniform_", 2, names, v);

	if (ag_uniform_gen_(t, v[0], v[1], g) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int l_normal_(lua_State *L)
{
	static const char *const names[] = {"mean", "std"};
	ag_tensor *t = repl_check_tensor(L, 1, "normal_");
	double v[2] = {0.0, 1.0};
	ag_generator *g = fill_args(L, "normal_", 2, names, v);

	if (ag_normal_gen_(t, v[0], v[1], g) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int l_exponential_(lua_State *L)
{
	static const char *const names[] = {"lambd"};
	ag_tensor *t = repl_check_tensor(L, 1, "exponential_");
	double v[1] = {1.0};
	ag_generator *g = fill_args(L, "exponential_", 1, names, v);

	if (ag_exponential_(t, v[0], g) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int l_cauchy_(lua_State *L)
{
	static const char *const names[] = {"median", "sigma"};
	ag_tensor *t = repl_check_tensor(L, 1, "cauchy_");
	double v[2] = {0.0, 1.0};
	ag_generator *g = fill_args(L, "cauchy_", 2, names, v);

	if (ag_cauchy_(t, v[0], v[1], g) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int l_log_normal_(lua_State *L)
{
	static const char *const names[] = {"mean", "std"};
	ag_tensor *t = repl_check_tensor(L, 1, "log_normal_");
	double v[2] = {1.0, 2.0};
	ag_generator *g = fill_args(L, "log_normal_", 2, names, v);

	if (ag_log_normal_(t, v[0], v[1], g) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* geometric_(p): p has no default, as PyTorch's */
static int l_geometric_(lua_State *L)
{
	static const char *const names[] = {"p"};
	ag_tensor *t = repl_check_tensor(L, 1, "geometric_");
	double v[1] = {NAN};
	ag_generator *g = fill_args(L, "geometric_", 1, names, v);

	if (isnan(v[0]))
		return luaL_error(L, "geometric_() missing 1 required "
				  "positional arguments: \"p\"");
	if (ag_geometric_(t, v[0], g) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* random_(), random_(to), random_(from, to): integers in [from, to) */
static int l_random_(lua_State *L)
{
	static const char fname[] = "random_";
	static const char *const keys[] = {"generator", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), top = kw ? kw - 1 : lua_gettop(L);
	ag_generator *g;
	int rc;

	repl_check_keys(L, kw, fname, keys);
	g = repl_kw_generator(L, kw, fname);
	if (top == 1) {
		rc = ag_random_(t, g);
	} else if (top == 2) {
		rc = ag_random_range_(t, 0, repl_check_integer(L, 2, fname,
				"an integer"), g);
	} else {
		int64_t from = repl_check_integer(L, 2, fname, "an integer");
		int64_t to = repl_check_integer(L, 3, fname, "an integer");
		rc = ag_random_range_(t, from, to, g);
	}
	if (rc != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* bernoulli_(p): p a number (default 0.5) or a tensor of probabilities */
static int l_bernoulli_(lua_State *L)
{
	static const char fname[] = "bernoulli_";
	static const char *const keys[] = {"generator", "p", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *pt;
	int kw = repl_kwargs(L, 2), top = kw ? kw - 1 : lua_gettop(L), rc;
	ag_generator *g;

	repl_check_keys(L, kw, fname, keys);
	g = repl_kw_generator(L, kw, fname);
	if (top < 2)
		lua_pushnil(L);
	else
		lua_pushvalue(L, 2);
	if (repl_kw_get(L, kw, "p") != LUA_TNIL)
		lua_replace(L, -2);
	else
		lua_pop(L, 1);
	if ((pt = repl_to_tensor(L, -1)) != NULL)
		rc = ag_bernoulli_tensor_(t, pt, g);
	else if (lua_isnil(L, -1))
		rc = ag_bernoulli_(t, 0.5, g);
	else
		rc = ag_bernoulli_(t, repl_check_number(L, lua_gettop(L), fname), g);
	if (rc != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* torch.bernoulli(input [, p], {generator}) */
static int l_bernoulli(lua_State *L)
{
	static const char fname[] = "torch.bernoulli";
	static const char *const keys[] = {"generator", "p", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *r;
	int kw = repl_kwargs(L, 2), top = kw ? kw - 1 : lua_gettop(L);
	ag_generator *g;

	repl_check_keys(L, kw, fname, keys);
	g = repl_kw_generator(L, kw, fname);
	if (top >= 2 || repl_kw_get(L, kw, "p") != LUA_TNIL) {
		double p = top >= 2 ? repl_check_number(L, 2, fname) :
			repl_check_number(L, lua_gettop(L), fname);
		r = ag_empty_like(t);
		if (r && ag_bernoulli_(r, p, g) != 0) {
			ag_tensor_release(r);
			r = NULL;
		}
	} else {
		r = ag_bernoulli(t, g);
	}
	repl_push_tensor(L, r);
	return 1;
}

/* torch.multinomial(input, num_samples [, replacement], {replacement,
 * generator}): 1-based indices */
static int l_multinomial(lua_State *L)
{
	static const char fname[] = "torch.multinomial";
	static const char *const keys[] = {"generator", "replacement", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *r, *one, *r1;
	int kw = repl_kwargs(L, 3), top = kw ? kw - 1 : lua_gettop(L);
	int64_t n = repl_check_integer(L, 2, fname, "an integer");
	bool repl = false;
	ag_generator *g;

	repl_check_keys(L, kw, fname, keys);
	if (top >= 3) {
		luaL_checktype(L, 3, LUA_TBOOLEAN);
		repl = lua_toboolean(L, 3);
	}
	repl = repl_kw_bool(L, kw, "replacement", repl, fname);
	g = repl_kw_generator(L, kw, fname);
	r = ag_multinomial(t, n, repl, g);
	if (!r)
		return repl_core_error(L);
	one = ag_scalar(1, AG_INT64);
	r1 = one ? ag_add(r, one) : NULL;
	ag_tensor_release(one);
	ag_tensor_release(r);
	repl_push_tensor(L, r1);
	return 1;
}

/* torch.randperm(n, {dtype, generator, requires_grad}): 1..n in random
 * order (PyTorch's 0..n-1 plus one) */
static int l_randperm(lua_State *L)
{
	static const char fname[] = "torch.randperm";
	static const char *const keys[] = {"generator", "dtype",
		"requires_grad", "device", NULL};
	int kw = repl_kwargs(L, 2);
	int64_t n = repl_check_integer(L, 1, fname, "an integer");
	ag_dtype dt = AG_INT64;
	ag_tensor *r, *one, *r1;
	ag_generator *g;

	repl_check_keys(L, kw, fname, keys);
	repl_kw_dtype(L, kw, "dtype", &dt, fname);
	g = repl_kw_generator(L, kw, fname);
	r = ag_randperm(n, dt, g);
	if (!r)
		return repl_core_error(L);
	one = ag_scalar(1, dt);
	r1 = one ? ag_add(r, one) : NULL;
	ag_tensor_release(one);
	ag_tensor_release(r);
	repl_push_tensor(L, r1);
	if (repl_kw_bool(L, kw, "requires_grad", false, fname) &&
	    ag_set_requires_grad(r1, true) != 0)
		return repl_core_error(L);
	return 1;
}

/* torch.normal(mean, std [, size], {generator}): tensors or numbers; with
 * two numbers a size is required. */
static int l_normal(lua_State *L)
{
	static const char fname[] = "torch.normal";
	static const char *const keys[] = {"generator", "dtype",
		"requires_grad", "size", NULL};
	int kw = repl_kwargs(L, 3);
	ag_tensor *mt = repl_to_tensor(L, 1), *st = repl_to_tensor(L, 2), *r;
	ag_generator *g;

	repl_check_keys(L, kw, fname, keys);
	g = repl_kw_generator(L, kw, fname);
	if (!mt && !st) {
		double mean = repl_check_number(L, 1, fname);
		double std = repl_check_number(L, 2, fname);
		int64_t shape[AG_MAX_DIMS];
		int n;
		ag_dtype dt = AG_DEFAULT_DTYPE;
		if (lua_type(L, 3) != LUA_TTABLE || kw == 3)
			return luaL_error(L, "%s: with a number mean and std, "
					  "give a size: torch.normal(0, 1, {2, 3})",
					  fname);
		n = repl_check_sizes(L, 3, 3, fname, shape);
		repl_kw_dtype(L, kw, "dtype", &dt, fname);
		r = ag_empty(shape, n, dt);
		if (r && ag_normal_gen_(r, mean, std, g) != 0) {
			ag_tensor_release(r);
			r = NULL;
		}
	} else {
		double mean = mt ? 0 : repl_check_number(L, 1, fname);
		double std = st ? 1 : repl_check_number(L, 2, fname);
		r = ag_normal_tensor(mt, mean, st, std, g);
	}
	repl_push_tensor(L, r);
	if (repl_kw_bool(L, kw, "requires_grad", false, fname) &&
	    ag_set_requires_grad(r, true) != 0)
		return repl_core_error(L);
	return 1;
}

/* ------------------------------------------------------------ registration */

static const luaL_Reg fills[] = {
	{"uniform_", l_uniform_}, {"normal_", l_normal_},
	{"exponential_", l_exponential_}, {"random_", l_random_},
	{"cauchy_", l_cauchy_}, {"log_normal_", l_log_normal_},
	{"geometric_", l_geometric_},
	{"bernoulli_", l_bernoulli_}, {"bernoulli", l_bernoulli},
	{"multinomial", l_multinomial},
	{NULL, NULL}
};

void repl_register_random_methods(lua_State *L)
{
	luaL_setfuncs(L, fills, 0);
}

void repl_open_random(lua_State *L)
{
	static const luaL_Reg gen_methods[] = {
		{"manual_seed", g_manual_seed}, {"seed", g_seed},
		{"initial_seed", g_initial_seed}, {"get_state", g_get_state},
		{"set_state", g_set_state},
		{NULL, NULL}
	};
	static const luaL_Reg funcs[] = {
		{"Generator", l_generator_new},
		{"manual_seed", l_manual_seed}, {"seed", l_seed},
		{"initial_seed", l_initial_seed},
		{"get_rng_state", l_get_rng_state},
		{"set_rng_state", l_set_rng_state},
		{"bernoulli", l_bernoulli}, {"multinomial", l_multinomial},
		{"randperm", l_randperm}, {"normal", l_normal},
		{NULL, NULL}
	};

	if (luaL_newmetatable(L, REPL_GENERATOR_MT)) {
		lua_pushcfunction(L, g_gc);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, g_tostring);
		lua_setfield(L, -2, "__tostring");
		lua_pushcfunction(L, g_index);
		lua_setfield(L, -2, "__index");
		lua_pushstring(L, "torch.Generator");
		lua_setfield(L, -2, "__name");
		luaL_newlib(L, gen_methods);
		lua_setfield(L, -2, "methods");
	}
	lua_pop(L, 1);
	/* the table at the top is torch */
	luaL_setfuncs(L, funcs, 0);
	push_generator(L, ag_default_generator());
	lua_setfield(L, -2, "default_generator");
}
