/*
 * lops_reduce.c - the reductions, scans and sorting ops of the torch
 * module: prod, nansum, nanmean, amax, amin, aminmax, all, any,
 * count_nonzero, var, std, var_mean, std_mean, logsumexp, norm, cumsum,
 * cumprod, logcumsumexp, cummax, cummin, sort,
 * argsort, msort, topk, kthvalue, median, nanmedian, mode, unique.
 *
 * Arguments come as PyTorch's, by position or by name in a trailing
 * keyword table (x:sort(2, true) or x:sort({dim = 2, descending = true})).
 * Dims are 1-based, and so are the indices the ops return.  Every check
 * that can raise a Lua error comes before the first core reference.
 */
#include "ltorch.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ arguments */

/* Pushes the argument given at position pos (when there and not the
 * keyword table) or else by keyword key (nil when neither); returns its
 * type. */
static int arg(lua_State *L, int pos, int kw, const char *key)
{
	if (pos != kw && !lua_isnoneornil(L, pos)) {
		lua_pushvalue(L, pos);
		return lua_type(L, -1);
	}
	return repl_kw_get(L, kw, key);
}

static bool opt_bool(lua_State *L, int pos, int kw, const char *key,
		     bool def, const char *fname)
{
	int t = arg(L, pos, kw, key);
	bool v = def;

	if (t == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	else if (t != LUA_TNIL)
		luaL_error(L, "%s: '%s' must be a boolean, got %s", fname, key,
			   repl_type_name(L, -1));
	lua_pop(L, 1);
	return v;
}

/* The integer on top of the stack (a Lua integer or an integral float). */
static lua_Integer top_integer(lua_State *L, const char *fname,
			       const char *key, const char *what)
{
	int ok;
	lua_Integer v = lua_tointegerx(L, -1, &ok);

	if (!ok || lua_type(L, -1) != LUA_TNUMBER)
		luaL_error(L, "%s: '%s' must be %s, got %s", fname, key, what,
			   lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1)
			   : repl_type_name(L, -1));
	return v;
}

/* A dim for t, 0-based; def when absent. */
static int opt_dim(lua_State *L, int pos, int kw, const char *key,
		   const ag_tensor *t, int def, const char *fname)
{
	int d = def;

	if (arg(L, pos, kw, key) != LUA_TNIL)
		d = repl_wrap_dim(L, top_integer(L, fname, key, "a dim (an integer)"),
				  t->ndim, 0);
	lua_pop(L, 1);
	return d;
}

/* A dim or a table of dims, 0-based, into dims; the count, -1 when absent. */
static int opt_dims(lua_State *L, int pos, int kw, const ag_tensor *t,
		    int *dims, const char *fname)
{
	int64_t raw[AG_MAX_DIMS];
	int ty = arg(L, pos, kw, "dim"), n = -1;

	if (ty == LUA_TTABLE) {
		n = repl_check_int_list(L, lua_gettop(L), fname,
					"a dim or a table of dims", raw,
					AG_MAX_DIMS);
		for (int i = 0; i < n; i++)
			dims[i] = repl_wrap_dim(L, raw[i], t->ndim, 0);
	} else if (ty != LUA_TNIL) {
		dims[0] = repl_wrap_dim(L, top_integer(L, fname, "dim",
				"a dim or a table of dims"), t->ndim, 0);
		n = 1;
	}
	lua_pop(L, 1);
	return n;
}

static lua_Integer opt_int(lua_State *L, int pos, int kw, const char *key,
			   lua_Integer def, bool required, const char *fname)
{
	lua_Integer v = def;

	if (arg(L, pos, kw, key) != LUA_TNIL)
		v = top_integer(L, fname, key, "an integer");
	else if (required)
		luaL_error(L, "%s: missing argument '%s'", fname, key);
	lua_pop(L, 1);
	return v;
}

/* t, or t converted to the `dtype` keyword's dtype: a new reference. */
static ag_tensor *with_dtype(ag_tensor *t, bool given, ag_dtype dt)
{
	if (!given) {
		ag_tensor_retain(t);
		return t;
	}
	return ag_to_dtype(t, dt);
}

/* ---------------------------------------------------------------- results */

/* Pushes values and 1-based indices (or raises core's error). */
static int push_pair(lua_State *L, int rc, ag_tensor *v, ag_tensor *ix)
{
	if (rc < 0)
		return repl_core_error(L);
	ix = repl_one_based(ix);
	if (!ix) {
		ag_tensor_release(v);
		return repl_core_error(L);
	}
	repl_push_tensor(L, v);
	repl_push_tensor(L, ix);
	return 2;
}

/* ----------------------------------------------------- plain reductions */

/* prod, nansum, amax, amin, all, any, count_nonzero: (dim, keepdim). */
static int fold(lua_State *L, ag_op op, const char *fname, bool dtype_kw,
		bool keepdim_arg)
{
	static const char *const keys[] = {"dim", "keepdim", "dtype", NULL};
	static const char *const keys_nodt[] = {"dim", "keepdim", NULL};
	static const char *const keys_dim[] = {"dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *in, *r;
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS], n;
	bool keepdim = false, given = false;
	ag_dtype dt = AG_FLOAT32;

	repl_check_keys(L, kw, fname, dtype_kw ? keys : keepdim_arg ? keys_nodt
						 : keys_dim);
	n = opt_dims(L, 2, kw, t, dims, fname);
	if (keepdim_arg)
		keepdim = opt_bool(L, 3, kw, "keepdim", false, fname);
	if (dtype_kw)
		given = repl_kw_dtype(L, kw, "dtype", &dt, fname);
	if (!(in = with_dtype(t, given, dt)))
		return repl_core_error(L);
	if (n < 0 && !keepdim)
		r = ag_reduce_all(op, in);
	else
		r = ag_reduce_dims(op, in, dims, n < 0 ? 0 : n, keepdim);
	ag_tensor_release(in);
	repl_push_tensor(L, r);
	return 1;
}

static int l_prod(lua_State *L) { return fold(L, AG_OP_PROD, "torch.prod", true, true); }
static int l_nansum(lua_State *L) { return fold(L, AG_OP_NANSUM, "torch.nansum", true, true); }
static int l_amax(lua_State *L) { return fold(L, AG_OP_AMAX, "torch.amax", false, true); }
static int l_amin(lua_State *L) { return fold(L, AG_OP_AMIN, "torch.amin", false, true); }
static int l_all(lua_State *L) { return fold(L, AG_OP_ALL, "torch.all", false, true); }
static int l_any(lua_State *L) { return fold(L, AG_OP_ANY, "torch.any", false, true); }
static int l_count_nonzero(lua_State *L)
{
	return fold(L, AG_OP_COUNT_NONZERO, "torch.count_nonzero", false, false);
}

static int l_nanmean(lua_State *L)
{
	static const char fname[] = "torch.nanmean";
	static const char *const keys[] = {"dim", "keepdim", "dtype", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *in, *r;
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS], n;
	bool keepdim, given;
	ag_dtype dt = AG_FLOAT32;

	repl_check_keys(L, kw, fname, keys);
	n = opt_dims(L, 2, kw, t, dims, fname);
	keepdim = opt_bool(L, 3, kw, "keepdim", false, fname);
	given = repl_kw_dtype(L, kw, "dtype", &dt, fname);
	if (!(in = with_dtype(t, given, dt)))
		return repl_core_error(L);
	r = ag_nanmean(in, dims, n < 0 ? 0 : n, keepdim);
	ag_tensor_release(in);
	repl_push_tensor(L, r);
	return 1;
}

/* --------------------------------------------------------------- moments */

/* var/std(dim, unbiased, keepdim, {correction=}), var(unbiased) too. */
static int moments(lua_State *L, ag_op op, const char *fname, int nres)
{
	static const char *const keys[] = {"dim", "unbiased", "correction",
					   "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *v, *m = NULL;
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS], n = -1, at = 2;
	double correction = 1;
	bool keepdim, has_unbiased, has_correction;

	repl_check_keys(L, kw, fname, keys);
	/* x:var(false): the first argument is unbiased, with no dim */
	if (lua_isboolean(L, 2)) {
		if (!lua_isnoneornil(L, 3) && 3 != kw)
			luaL_error(L, "%s: after unbiased (a boolean) no dim can "
				   "follow; give var(dim, unbiased)", fname);
		at = 1;
	} else {
		n = opt_dims(L, 2, kw, t, dims, fname);
	}
	has_unbiased = arg(L, at + 1, kw, "unbiased") != LUA_TNIL;
	lua_pop(L, 1);
	has_correction = repl_kw_get(L, kw, "correction") != LUA_TNIL;
	if (has_correction) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			luaL_error(L, "%s: 'correction' must be a number, got %s",
				   fname, repl_type_name(L, -1));
		correction = lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	if (has_unbiased && has_correction)
		luaL_error(L, "%s: give 'unbiased' or 'correction', not both",
			   fname);
	if (has_unbiased)
		correction = opt_bool(L, at + 1, kw, "unbiased", true, fname);
	keepdim = opt_bool(L, at == 1 ? lua_gettop(L) + 1 : 4, kw, "keepdim",
			   false, fname);
	if (nres == 1) {
		v = ag_var(op, t, dims, n < 0 ? 0 : n, correction, keepdim);
		repl_push_tensor(L, v);
		return 1;
	}
	if (ag_var_mean(op, t, dims, n < 0 ? 0 : n, correction, keepdim, &v, &m) < 0)
		return repl_core_error(L);
	repl_push_tensor(L, v);
	repl_push_tensor(L, m);
	return 2;
}

static int l_var(lua_State *L) { return moments(L, AG_OP_VAR, "torch.var", 1); }
static int l_std(lua_State *L) { return moments(L, AG_OP_STD, "torch.std", 1); }
static int l_var_mean(lua_State *L) { return moments(L, AG_OP_VAR_MEAN, "torch.var_mean", 2); }
static int l_std_mean(lua_State *L) { return moments(L, AG_OP_STD_MEAN, "torch.std_mean", 2); }

/* ------------------------------------------------------- logsumexp, norms */

static int l_logsumexp(lua_State *L)
{
	static const char fname[] = "torch.logsumexp";
	static const char *const keys[] = {"dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS], n;
	bool keepdim;

	repl_check_keys(L, kw, fname, keys);
	n = opt_dims(L, 2, kw, t, dims, fname);
	if (n < 0)
		return luaL_error(L, "%s: missing argument 'dim' (a dim or a table "
				  "of dims)", fname);
	keepdim = opt_bool(L, 3, kw, "keepdim", false, fname);
	repl_push_tensor(L, ag_logsumexp(t, dims, n, keepdim));
	return 1;
}

/* The order of a norm: a number (math.huge for inf), or 'fro' (2; *fro
 * set, as when torch.norm is given none). */
static double norm_order(lua_State *L, int pos, int kw, const char *key,
			 const char *fname, bool *fro)
{
	double p = 2;
	int ty = arg(L, pos, kw, key);

	*fro = ty == LUA_TNIL;
	if (ty == LUA_TNUMBER) {
		p = lua_tonumber(L, -1);
	} else if (ty == LUA_TSTRING && strcmp(key, "ord") != 0) {
		*fro = true;
		const char *s = lua_tostring(L, -1);
		if (strcmp(s, "nuc") == 0)
			luaL_error(L, "%s: the nuclear norm ('nuc') is a matrix "
				   "norm agdb does not have", fname);
		if (strcmp(s, "fro") != 0)
			luaL_error(L, "only valid string values are 'fro' and "
				   "'nuc', found %s", s);
	} else if (ty != LUA_TNIL) {
		luaL_error(L, "%s: '%s' must be a number%s, got %s", fname, key,
			   strcmp(key, "ord") ? " or 'fro'" : "",
			   repl_type_name(L, -1));
	}
	lua_pop(L, 1);
	return p;
}

/* torch.norm (torch.linalg.vector_norm is lops_linalg.c's) */
static int l_norm(lua_State *L)
{
	static const char fname[] = "torch.norm", pkey[] = "p";
	static const char *const norm_keys[] = {"p", "dim", "keepdim", "dtype",
						NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *in, *r;
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS], n;
	bool keepdim, given, fro;
	ag_dtype dt = AG_FLOAT32;
	double p;

	repl_check_keys(L, kw, fname, norm_keys);
	p = norm_order(L, 2, kw, pkey, fname, &fro);
	n = opt_dims(L, 3, kw, t, dims, fname);
	keepdim = opt_bool(L, 4, kw, "keepdim", false, fname);
	given = repl_kw_dtype(L, kw, "dtype", &dt, fname);
	if (!(in = with_dtype(t, given, dt)))
		return repl_core_error(L);
	if (fro)
		r = ag_frobenius_norm(in, dims, n < 0 ? 0 : n, keepdim);
	else
		r = ag_norm(in, p, dims, n < 0 ? 0 : n, keepdim);
	ag_tensor_release(in);
	repl_push_tensor(L, r);
	return 1;
}


/* ------------------------------------------------------------------ scans */

static int scan(lua_State *L, ag_op op, const char *fname, bool inplace)
{
	static const char *const keys[] = {"dim", "dtype", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *in;
	int kw = repl_kwargs(L, 2), d;
	bool given;
	ag_dtype dt = AG_FLOAT32;

	repl_check_keys(L, kw, fname, keys);
	if (arg(L, 2, kw, "dim") == LUA_TNIL)
		luaL_error(L, "%s: missing argument 'dim'", fname);
	lua_pop(L, 1);
	d = opt_dim(L, 2, kw, "dim", t, 0, fname);
	given = repl_kw_dtype(L, kw, "dtype", &dt, fname);
	if (inplace) {
		if (given && dt != t->dtype)
			luaL_error(L, "Bad in-place call: input tensor dtype %s and "
				   "output tensor dtype %s should match",
				   ag_dtype_name(t->dtype), ag_dtype_name(dt));
		if (ag_scan_(op, t, d) < 0)
			return repl_core_error(L);
		lua_settop(L, 1);
		return 1;
	}
	if (!(in = with_dtype(t, given, dt)))
		return repl_core_error(L);
	ag_tensor *r = ag_cumulative(op, in, d);
	ag_tensor_release(in);
	repl_push_tensor(L, r);
	return 1;
}

/* aminmax({dim=, keepdim=}): both by name only, as PyTorch's */
static int l_aminmax(lua_State *L)
{
	static const char *const keys[] = {"dim", "keepdim", NULL};
	static const char fname[] = "torch.aminmax";
	ag_tensor *t = repl_check_tensor(L, 1, fname), *mn, *mx;
	int kw = repl_kwargs(L, 2), d = 0;
	bool has_dim, keepdim;

	if (kw != 2 && !lua_isnone(L, 2))
		luaL_error(L, "%s: dim and keepdim are keyword arguments "
			   "({dim = ..., keepdim = ...})", fname);
	repl_check_keys(L, kw, fname, keys);
	/* position kw: by keyword only */
	has_dim = arg(L, kw, kw, "dim") != LUA_TNIL;
	lua_pop(L, 1);
	if (has_dim)
		d = opt_dim(L, kw, kw, "dim", t, 0, fname);
	keepdim = opt_bool(L, kw, kw, "keepdim", false, fname);
	int rc = ag_aminmax(t, has_dim ? &d : NULL, keepdim, &mn, &mx);
	if (rc < 0)
		return repl_core_error(L);
	repl_push_tensor(L, mn);
	repl_push_tensor(L, mx);
	return 2;
}

/* logcumsumexp(dim), cummax(dim), cummin(dim): the dim is required. */
static int required_dim(lua_State *L, const char *fname, ag_tensor **t)
{
	static const char *const keys[] = {"dim", NULL};
	int kw;

	*t = repl_check_tensor(L, 1, fname);
	kw = repl_kwargs(L, 2);
	repl_check_keys(L, kw, fname, keys);
	if (arg(L, 2, kw, "dim") == LUA_TNIL)
		luaL_error(L, "%s: missing argument 'dim'", fname);
	lua_pop(L, 1);
	return opt_dim(L, 2, kw, "dim", *t, 0, fname);
}

static int l_logcumsumexp(lua_State *L)
{
	ag_tensor *t;
	int d = required_dim(L, "torch.logcumsumexp", &t);

	repl_push_tensor(L, ag_cumulative(AG_OP_LOGCUMSUMEXP, t, d));
	return 1;
}

static int cumextreme(lua_State *L, ag_op op, const char *fname)
{
	ag_tensor *t, *v, *ix;
	int d = required_dim(L, fname, &t);
	int rc = ag_cumextreme(op, t, d, &v, &ix);

	return push_pair(L, rc, v, ix);
}

static int l_cummax(lua_State *L) { return cumextreme(L, AG_OP_CUMMAX, "torch.cummax"); }
static int l_cummin(lua_State *L) { return cumextreme(L, AG_OP_CUMMIN, "torch.cummin"); }

static int l_cumsum(lua_State *L) { return scan(L, AG_OP_CUMSUM, "torch.cumsum", false); }
static int l_cumprod(lua_State *L) { return scan(L, AG_OP_CUMPROD, "torch.cumprod", false); }
static int l_cumsum_(lua_State *L) { return scan(L, AG_OP_CUMSUM, "Tensor.cumsum_", true); }
static int l_cumprod_(lua_State *L) { return scan(L, AG_OP_CUMPROD, "Tensor.cumprod_", true); }

/* ---------------------------------------------------------------- sorting */

/* sort(dim=-1, descending=false, {stable=false}) */
static int sort_args(lua_State *L, const char *fname, ag_tensor **t, int *d,
		     bool *descending, bool *stable)
{
	static const char *const keys[] = {"dim", "descending", "stable", NULL};
	int kw;

	*t = repl_check_tensor(L, 1, fname);
	kw = repl_kwargs(L, 2);
	repl_check_keys(L, kw, fname, keys);
	*d = opt_dim(L, 2, kw, "dim", *t, -1, fname);
	*descending = opt_bool(L, 3, kw, "descending", false, fname);
	*stable = opt_bool(L, 4, kw, "stable", false, fname);
	return 0;
}

static int l_sort(lua_State *L)
{
	ag_tensor *t, *v, *ix;
	bool descending, stable;
	int d;

	sort_args(L, "torch.sort", &t, &d, &descending, &stable);
	int rc = ag_sort(t, d, descending, stable, &v, &ix);
	return push_pair(L, rc, v, ix);
}

static int l_argsort(lua_State *L)
{
	ag_tensor *t;
	bool descending, stable;
	int d;

	sort_args(L, "torch.argsort", &t, &d, &descending, &stable);
	repl_push_tensor(L, repl_one_based(ag_argsort(t, d, descending, stable)));
	return 1;
}

static int l_msort(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.msort"), *v, *ix;

	if (ag_sort(t, 0, false, false, &v, &ix) < 0)
		return repl_core_error(L);
	ag_tensor_release(ix);
	repl_push_tensor(L, v);
	return 1;
}

/* topk(k, dim=-1, largest=true, sorted=true) */
static int l_topk(lua_State *L)
{
	static const char fname[] = "torch.topk";
	static const char *const keys[] = {"k", "dim", "largest", "sorted", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *v, *ix;
	int kw = repl_kwargs(L, 2), d;
	lua_Integer k;
	bool largest, sorted;

	repl_check_keys(L, kw, fname, keys);
	k = opt_int(L, 2, kw, "k", 0, true, fname);
	d = opt_dim(L, 3, kw, "dim", t, -1, fname);
	largest = opt_bool(L, 4, kw, "largest", true, fname);
	sorted = opt_bool(L, 5, kw, "sorted", true, fname);
	int rc = ag_topk(t, k, d, largest, sorted, &v, &ix);
	return push_pair(L, rc, v, ix);
}

/* kthvalue(k, dim=-1, keepdim=false): k counts from 1, as PyTorch's */
static int l_kthvalue(lua_State *L)
{
	static const char fname[] = "torch.kthvalue";
	static const char *const keys[] = {"k", "dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *v, *ix;
	int kw = repl_kwargs(L, 2), d;
	lua_Integer k;
	bool keepdim;

	repl_check_keys(L, kw, fname, keys);
	k = opt_int(L, 2, kw, "k", 0, true, fname);
	d = opt_dim(L, 3, kw, "dim", t, -1, fname);
	keepdim = opt_bool(L, 4, kw, "keepdim", false, fname);
	int rc = ag_kthvalue(t, k, d, keepdim, &v, &ix);
	return push_pair(L, rc, v, ix);
}

/* median(), or median(dim, keepdim) with indices; nanmedian likewise */
static int median(lua_State *L, bool nan_ignoring, const char *fname)
{
	static const char *const keys[] = {"dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *v, *ix;
	int kw = repl_kwargs(L, 2), d;
	bool keepdim;

	repl_check_keys(L, kw, fname, keys);
	if (arg(L, 2, kw, "dim") == LUA_TNIL) {
		lua_pop(L, 1);
		if (opt_bool(L, 3, kw, "keepdim", false, fname))
			luaL_error(L, "%s: keepdim needs a dim", fname);
		repl_push_tensor(L, ag_median(nan_ignoring ? AG_OP_NANMEDIAN
							   : AG_OP_MEDIAN, t));
		return 1;
	}
	lua_pop(L, 1);
	d = opt_dim(L, 2, kw, "dim", t, 0, fname);
	keepdim = opt_bool(L, 3, kw, "keepdim", false, fname);
	int rc = ag_median_dim(nan_ignoring ? AG_OP_NANMEDIAN_DIM
						       : AG_OP_MEDIAN_DIM,
					  t, d, keepdim, &v, &ix);
	return push_pair(L, rc, v, ix);
}

static int l_median(lua_State *L) { return median(L, false, "torch.median"); }
static int l_nanmedian(lua_State *L) { return median(L, true, "torch.nanmedian"); }

/* mode(dim=-1, keepdim=false) */
static int l_mode(lua_State *L)
{
	static const char fname[] = "torch.mode";
	static const char *const keys[] = {"dim", "keepdim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *v, *ix;
	int kw = repl_kwargs(L, 2), d;
	bool keepdim;

	repl_check_keys(L, kw, fname, keys);
	d = opt_dim(L, 2, kw, "dim", t, -1, fname);
	keepdim = opt_bool(L, 3, kw, "keepdim", false, fname);
	int rc = ag_mode(t, d, keepdim, &v, &ix);
	return push_pair(L, rc, v, ix);
}

/* unique(sorted=true, return_inverse=false, return_counts=false, dim=nil):
 * the values, then the inverse and the counts when asked, in that order.
 * The values come sorted either way (PyTorch's order for sorted=false is
 * its hash table's). */
static int l_unique(lua_State *L)
{
	static const char fname[] = "torch.unique";
	static const char *const keys[] = {"sorted", "return_inverse",
					   "return_counts", "dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *v, *inv, *cnt;
	int kw = repl_kwargs(L, 2), d = 0, nres = 1;
	bool inverse, counts, has_dim;

	repl_check_keys(L, kw, fname, keys);
	opt_bool(L, 2, kw, "sorted", true, fname);
	inverse = opt_bool(L, 3, kw, "return_inverse", false, fname);
	counts = opt_bool(L, 4, kw, "return_counts", false, fname);
	has_dim = arg(L, 5, kw, "dim") != LUA_TNIL;
	lua_pop(L, 1);
	if (has_dim)
		d = opt_dim(L, 5, kw, "dim", t, 0, fname);
	if (ag_unique(t, has_dim ? &d : NULL, &v, &inv, &cnt) < 0)
		return repl_core_error(L);
	/* inverse counts from 1: a group number is a position in the values */
	if (!(inv = repl_one_based(inv))) {
		ag_tensor_release(v);
		ag_tensor_release(cnt);
		return repl_core_error(L);
	}
	repl_push_tensor(L, v);
	if (inverse) {
		repl_push_tensor(L, inv);
		nres++;
	} else {
		ag_tensor_release(inv);
	}
	if (counts) {
		repl_push_tensor(L, cnt);
		nres++;
	} else {
		ag_tensor_release(cnt);
	}
	return nres;
}

/* ------------------------------------------------------------ registration */

void repl_register_reduce_ops(lua_State *L, bool methods)
{
	static const luaL_Reg common[] = {
		{"prod", l_prod}, {"nansum", l_nansum}, {"nanmean", l_nanmean},
		{"amax", l_amax}, {"amin", l_amin}, {"all", l_all}, {"any", l_any},
		{"count_nonzero", l_count_nonzero},
		{"var", l_var}, {"std", l_std}, {"logsumexp", l_logsumexp},
		{"norm", l_norm}, {"cumsum", l_cumsum}, {"cumprod", l_cumprod},
		{"aminmax", l_aminmax},
		{"logcumsumexp", l_logcumsumexp}, {"cummax", l_cummax},
		{"cummin", l_cummin},
		{"sort", l_sort}, {"argsort", l_argsort}, {"msort", l_msort},
		{"topk", l_topk}, {"kthvalue", l_kthvalue}, {"median", l_median},
		{"nanmedian", l_nanmedian}, {"mode", l_mode}, {"unique", l_unique},
		{NULL, NULL}
	};
	/* PyTorch has var_mean and std_mean as functions only, and the
	 * in-place scans as methods only */
	static const luaL_Reg torch_only[] = {
		{"var_mean", l_var_mean}, {"std_mean", l_std_mean},
		{NULL, NULL}
	};
	static const luaL_Reg method_only[] = {
		{"cumsum_", l_cumsum_}, {"cumprod_", l_cumprod_},
		{NULL, NULL}
	};

	luaL_setfuncs(L, common, 0);
	luaL_setfuncs(L, methods ? method_only : torch_only, 0);
}
