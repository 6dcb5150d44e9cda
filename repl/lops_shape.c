/*
 * lops_shape.c - the shape and indexing ops of issue 11 in Lua: split,
 * chunk, unbind, tensor_split, diagonal, unfold, movedim, unflatten,
 * broadcast_to/tensors, repeat, tile, repeat_interleave, flip, roll,
 * rot90, tril, triu, diag, diag_embed, gather, scatter, scatter_reduce,
 * index_add/copy/fill, masked_*, take, put, index_put, nonzero, one_hot;
 * atleast_Nd, hstack/vstack/dstack/column_stack, hsplit/vsplit/dsplit,
 * meshgrid, cartesian_prod, block_diag, diagflat, trace, tril/triu_indices,
 * select/slice/diagonal_scatter.
 *
 * The conventions of DESIGN 6: dims and index values 1-based (index
 * tensors are shifted here, by ag_index_shift), counts and offsets as
 * they are (tril's diagonal, roll's shifts, sizes), keyword options in a
 * trailing table, several tensors of one kind as a Lua sequence.
 */
#include "ltorch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- helpers */

/* Pushes the *n tensors as a sequence, taking over the references and
 * the array (ts NULL: core's error).  n is a pointer because the call
 * that makes ts sets it, and C leaves the order of arguments open. */
static int push_list(lua_State *L, ag_tensor **ts, const int *np)
{
	int n = *np;

	if (!ts)
		return repl_core_error(L);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		repl_push_tensor(L, ts[i]);
		lua_rawseti(L, -2, i + 1);
	}
	free(ts);
	return 1;
}

/* Makes positions 1..npos hold the positional arguments, an empty one
 * taken from the keyword table when names[i] (for position i + 1) is in
 * it; returns where the keyword table is now (0: none). */
static int settle(lua_State *L, int kw, int npos, const char *const *names)
{
	int kwpos = 0;

	if (kw) {
		lua_settop(L, kw);
		kwpos = kw > npos ? kw : npos + 1;
		if (kw <= npos) {
			lua_settop(L, npos + 1);
			lua_copy(L, kw, npos + 1);
			lua_pushnil(L);
			lua_replace(L, kw);
		}
	} else {
		lua_settop(L, npos);
	}
	for (int p = 1; p <= npos && kwpos; p++)
		if (lua_isnil(L, p) && names[p - 1]) {
			lua_getfield(L, kwpos, names[p - 1]);
			lua_replace(L, p);
		}
	return kwpos;
}

/* Pushes kw[key] and says whether it was given; kw 0: none. */
static bool kw_has(lua_State *L, int kw, const char *key)
{
	if (repl_kw_get(L, kw, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return false;
	}
	return true;
}

/* A dim: argument idx, else kw[key], else def (0-based; INT32_MIN: none). */
static int dim_arg(lua_State *L, int idx, int kw, const char *key, int ndim,
		   int def, const char *fname)
{
	if (idx && idx != kw && !lua_isnoneornil(L, idx))
		return repl_check_dim(L, idx, ndim, 0, fname);
	if (kw_has(L, kw, key)) {
		if (!lua_isinteger(L, -1))
			luaL_error(L, "%s: keyword '%s' must be a dim (an integer), "
				   "got %s", fname, key, repl_type_name(L, -1));
		int d = repl_wrap_dim(L, lua_tointeger(L, -1), ndim, 0);
		lua_pop(L, 1);
		return d;
	}
	return def;
}

/* An integer: argument idx, else kw[key], else def. */
static lua_Integer int_arg(lua_State *L, int idx, int kw, const char *key,
			   lua_Integer def, const char *fname, const char *what)
{
	if (idx && idx != kw && !lua_isnoneornil(L, idx))
		return repl_check_integer(L, idx, fname, what);
	if (kw_has(L, kw, key)) {
		if (!lua_isinteger(L, -1))
			luaL_error(L, "%s: keyword '%s' must be %s, got %s", fname,
				   key, what, repl_type_name(L, -1));
		lua_Integer v = lua_tointeger(L, -1);
		lua_pop(L, 1);
		return v;
	}
	return def;
}

/* A number: argument idx, else kw[key], else def. */
static double num_arg(lua_State *L, int idx, int kw, const char *key,
		      double def, const char *fname)
{
	if (idx && idx != kw && !lua_isnoneornil(L, idx))
		return repl_check_number(L, idx, fname);
	if (kw_has(L, kw, key)) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			luaL_error(L, "%s: keyword '%s' must be a number, got %s",
				   fname, key, repl_type_name(L, -1));
		double v = lua_tonumber(L, -1);
		lua_pop(L, 1);
		return v;
	}
	return def;
}

/* Dims as numbers (args first..last) or one table, 1-based -> 0-based. */
static int dims_arg(lua_State *L, int first, int last, int ndim, int *dims,
		    const char *fname)
{
	int64_t raw[AG_MAX_DIMS];
	int n = repl_check_sizes(L, first, last, fname, raw);
	for (int i = 0; i < n; i++)
		dims[i] = repl_wrap_dim(L, raw[i], ndim, 0);
	return n;
}

/* An index argument (1-based), released by the caller. */
static ag_tensor *index_of(lua_State *L, int idx, const char *fname)
{
	ag_tensor *r = repl_index_arg(L, idx, fname);
	if (!r)
		repl_core_error(L);
	return r;
}

/* Pushes r (or raises), releasing the borrowed extras. */
static int push2(lua_State *L, ag_tensor *r, ag_tensor *x, ag_tensor *y)
{
	ag_tensor_release(x);
	ag_tensor_release(y);
	repl_push_tensor(L, r);
	return 1;
}

/* After an in-place op: self, or core's error. */
static int inplace_done(lua_State *L, int rc, ag_tensor *x, ag_tensor *y)
{
	ag_tensor_release(x);
	ag_tensor_release(y);
	if (rc != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* ------------------------------------------------------- several views */

static int l_split(lua_State *L)
{
	static const char fname[] = "torch.split";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 3), n = 0;

	repl_check_keys(L, kw, fname, keys);
	int d = dim_arg(L, 3, kw, "dim", t->ndim, 0, fname);
	if (lua_type(L, 2) == LUA_TTABLE && kw != 2) {
		int64_t sizes[256];
		lua_Integer len = luaL_len(L, 2);
		if (len > 256)
			return luaL_error(L, "%s: at most 256 sizes", fname);
		for (lua_Integer i = 1; i <= len; i++) {
			lua_geti(L, 2, i);
			if (!lua_isinteger(L, -1))
				return luaL_error(L, "%s: argument 2 must be a size "
						  "or a table of sizes, but element "
						  "%d is %s", fname, (int)i,
						  repl_type_name(L, -1));
			sizes[i - 1] = lua_tointeger(L, -1);
			lua_pop(L, 1);
		}
		ag_tensor **ts = ag_split_with_sizes(t, sizes, (int)len, d, &n);
		return push_list(L, ts, &n);
	}
	lua_Integer size = repl_check_integer(L, 2, fname, "a size or a table "
					      "of sizes");
	return push_list(L, ag_split(t, size, d, &n), &n);
}

static int l_chunk(lua_State *L)
{
	static const char fname[] = "torch.chunk";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 3), n = 0;

	repl_check_keys(L, kw, fname, keys);
	lua_Integer chunks = repl_check_integer(L, 2, fname, "a count of chunks");
	int d = dim_arg(L, 3, kw, "dim", t->ndim, 0, fname);
	return push_list(L, ag_chunk(t, chunks, d, &n), &n);
}

static int l_unbind(lua_State *L)
{
	static const char fname[] = "torch.unbind";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), n = 0;

	repl_check_keys(L, kw, fname, keys);
	if (t->ndim == 0)
		return push_list(L, ag_unbind(t, 0, &n), &n);
	int d = dim_arg(L, 2, kw, "dim", t->ndim, 0, fname);
	return push_list(L, ag_unbind(t, d, &n), &n);
}

static int l_tensor_split(lua_State *L)
{
	static const char fname[] = "torch.tensor_split";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 3), n = 0;
	ag_tensor *it;

	repl_check_keys(L, kw, fname, keys);
	int d = dim_arg(L, 3, kw, "dim", t->ndim, 0, fname);
	if (lua_type(L, 2) == LUA_TNUMBER)
		return push_list(L, ag_tensor_split(t,
			repl_check_integer(L, 2, fname, "a count of sections or "
					   "a table of indices"), d, &n), &n);
	it = repl_to_tensor(L, 2);
	if (it && it->ndim == 0 && it->dtype == AG_INT64)	/* sections */
		return push_list(L, ag_tensor_split(t, ag_load_i64(
			ag_data_ptr(it), it->dtype), d, &n), &n);
	/* positions where pieces start, 1-based like every index */
	ag_tensor *ix = index_of(L, 2, fname);
	if (ix->dtype != AG_INT64 || ix->ndim != 1) {
		ag_tensor_release(ix);
		return luaL_error(L, "%s: indices must be a 1-d table or int64 "
				  "tensor of positions", fname);
	}
	ag_tensor **ts = ag_tensor_split_at(t, ag_data_ptr(ix),
					    (int)ix->shape[0], d, &n);
	ag_tensor_release(ix);
	return push_list(L, ts, &n);
}

/* ------------------------------------------------------------- views */

static int l_diagonal(lua_State *L)
{
	static const char fname[] = "torch.diagonal";
	static const char *const keys[] = {"offset", "dim1", "dim2", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2);

	repl_check_keys(L, kw, fname, keys);
	lua_Integer off = int_arg(L, 2, kw, "offset", 0, fname, "an integer");
	int d1 = dim_arg(L, 3, kw, "dim1", t->ndim, 0, fname);
	int d2 = dim_arg(L, 4, kw, "dim2", t->ndim, 1, fname);
	if (t->ndim < 2)	/* dim2's default is out of range: PyTorch's text */
		repl_wrap_dim(L, 2, t->ndim, 0);
	repl_push_tensor(L, ag_diagonal(t, off, d1, d2));
	return 1;
}

static int m_unfold(lua_State *L)
{
	static const char fname[] = "Tensor.unfold";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	lua_Integer size = repl_check_integer(L, 3, fname, "a size");
	lua_Integer step = repl_check_integer(L, 4, fname, "a step");

	repl_push_tensor(L, ag_unfold(t, d, size, step));
	return 1;
}

static int l_movedim(lua_State *L)
{
	static const char fname[] = "torch.movedim";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int src[AG_MAX_DIMS], dst[AG_MAX_DIMS];
	int64_t rs[AG_MAX_DIMS], rd[AG_MAX_DIMS];
	int ns = repl_check_sizes(L, 2, 2, fname, rs);
	int nd = repl_check_sizes(L, 3, 3, fname, rd);

	if (ns != nd) {	/* PyTorch's text, which shows the lists */
		char sl[AG_MAX_DIMS * 22 + 4], dl[AG_MAX_DIMS * 22 + 4];
		ag_shape_str(rs, ns, sl, sizeof sl);
		ag_shape_str(rd, nd, dl, sizeof dl);
		return luaL_error(L, "movedim: Invalid source or destination dims: "
				  "source (%s dims) should contain the same number "
				  "of dims as destination (%s dims)", sl, dl);
	}
	for (int i = 0; i < ns; i++) {
		src[i] = repl_wrap_dim(L, rs[i], t->ndim, 0);
		dst[i] = repl_wrap_dim(L, rd[i], t->ndim, 0);
	}
	repl_push_tensor(L, ag_movedim(t, src, dst, ns));
	return 1;
}

static int l_swapaxes(lua_State *L)
{
	static const char fname[] = "torch.swapaxes";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d0 = repl_check_dim(L, 2, t->ndim, 0, fname);
	int d1 = repl_check_dim(L, 3, t->ndim, 0, fname);

	repl_push_tensor(L, ag_transpose(t, d0, d1));
	return 1;
}

static int l_unflatten(lua_State *L)
{
	static const char fname[] = "torch.unflatten";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	int64_t sizes[AG_MAX_DIMS];
	int n = repl_check_sizes(L, 3, lua_gettop(L), fname, sizes);

	repl_push_tensor(L, ag_unflatten(t, d, sizes, n));
	return 1;
}

static int l_broadcast_to(lua_State *L)
{
	static const char fname[] = "torch.broadcast_to";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int64_t shape[AG_MAX_DIMS];
	int n = repl_check_sizes(L, 2, lua_gettop(L), fname, shape);

	repl_push_tensor(L, ag_expand(t, shape, n));
	return 1;
}

/* Each tensor as the common broadcast shape (itself when it has it). */
static int l_broadcast_tensors(lua_State *L)
{
	static const char fname[] = "torch.broadcast_tensors";
	int n, nd = 0, top = lua_gettop(L);
	int64_t shape[AG_MAX_DIMS];
	ag_tensor **ts;

	if (top != 1 || repl_to_tensor(L, 1)) {	/* tensors as arguments */
		lua_createtable(L, top, 0);
		for (int i = 1; i <= top; i++) {
			repl_check_tensor(L, i, fname);
			lua_pushvalue(L, i);
			lua_rawseti(L, -2, i);
		}
		lua_replace(L, 1);
		lua_settop(L, 1);
	}
	ts = repl_check_tensor_list(L, 1, fname, NULL, "Tensors", 0, &n);
	for (int i = 0; i < n; i++)
		if (ag_broadcast_shapes(shape, nd, ts[i]->shape, ts[i]->ndim, shape,
					&nd) < 0)
			return repl_core_error(L);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		bool same = ts[i]->ndim == nd &&
			!memcmp(ts[i]->shape, shape, (size_t)nd * sizeof *shape);
		if (same)
			ag_tensor_retain(ts[i]);
		repl_push_tensor(L, same ? ts[i] : ag_expand(ts[i], shape, nd));
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int m_type_as(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.type_as");
	ag_tensor *o = repl_check_tensor(L, 2, "Tensor.type_as");

	repl_push_tensor(L, ag_to_dtype(t, o->dtype));
	return 1;
}

/* --------------------------------------------------------------- copies */

static int m_repeat(lua_State *L)
{
	static const char fname[] = "Tensor.repeat";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int64_t reps[AG_MAX_DIMS];
	int n = repl_check_sizes(L, 2, lua_gettop(L), fname, reps);

	repl_push_tensor(L, ag_repeat(t, reps, n));
	return 1;
}

static int l_tile(lua_State *L)
{
	static const char fname[] = "torch.tile";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int64_t reps[AG_MAX_DIMS];
	int n = repl_check_sizes(L, 2, lua_gettop(L), fname, reps);

	repl_push_tensor(L, ag_tile(t, reps, n));
	return 1;
}

/* repeat_interleave(x, repeats[, dim]); torch.repeat_interleave(counts)
 * gives positions, 1-based. */
static int l_repeat_interleave(lua_State *L)
{
	static const char fname[] = "torch.repeat_interleave";
	static const char *const keys[] = {"dim", "output_size", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *r;
	int kw = repl_kwargs(L, 2);

	repl_check_keys(L, kw, fname, keys);
	if (lua_isnoneornil(L, 2) || kw == 2) {
		r = ag_repeat_interleave_index(t);
		if (r && ag_numel(r)) {
			ag_tensor *one = ag_wrapped_number(1, true);
			ag_tensor *s = one ? ag_add(r, one) : NULL;
			ag_tensor_release(one);
			ag_tensor_release(r);
			r = s;
		}
		repl_push_tensor(L, r);
		return 1;
	}
	int d = dim_arg(L, 3, kw, "dim", t->ndim, -1, fname);
	ag_tensor *rt = repl_to_tensor(L, 2);
	if (rt)
		r = ag_repeat_interleave_tensor(t, rt, d);
	else
		r = ag_repeat_interleave(t, repl_check_integer(L, 2, fname,
					 "a count or a tensor of counts"), d);
	repl_push_tensor(L, r);
	return 1;
}

static int l_flip(lua_State *L)
{
	static const char fname[] = "torch.flip";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int dims[AG_MAX_DIMS];
	int n = dims_arg(L, 2, lua_gettop(L), t->ndim, dims, fname);

	repl_push_tensor(L, ag_flip(t, dims, n));
	return 1;
}

static int lr_ud(lua_State *L, int need, int dim, const char *fname)
{
	ag_tensor *t = repl_check_tensor(L, 1, fname);

	if (t->ndim < need)
		return luaL_error(L, "Input must be >= %d-d.", need);
	repl_push_tensor(L, ag_flip(t, &dim, 1));
	return 1;
}

static int l_fliplr(lua_State *L) { return lr_ud(L, 2, 1, "torch.fliplr"); }
static int l_flipud(lua_State *L) { return lr_ud(L, 1, 0, "torch.flipud"); }

/* roll(x, shifts[, dims]): shifts are counts; dims 1-based. */
static int l_roll(lua_State *L)
{
	static const char fname[] = "torch.roll";
	static const char *const keys[] = {"shifts", "dims", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), dims[AG_MAX_DIMS], nd = 0, ns;
	int64_t shifts[AG_MAX_DIMS];

	repl_check_keys(L, kw, fname, keys);
	settle(L, kw, 3, (const char *const[]){ NULL, "shifts", "dims" });
	ns = repl_check_sizes(L, 2, 2, fname, shifts);
	if (!lua_isnil(L, 3))
		nd = dims_arg(L, 3, 3, t->ndim, dims, fname);
	repl_push_tensor(L, ag_roll(t, shifts, ns, dims, nd));
	return 1;
}

static int l_rot90(lua_State *L)
{
	static const char fname[] = "torch.rot90";
	static const char *const keys[] = {"k", "dims", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), dims[2] = { 0, 1 };
	int64_t raw[AG_MAX_DIMS];

	repl_check_keys(L, kw, fname, keys);
	lua_Integer k = int_arg(L, 2, kw, "k", 1, fname, "a count of turns");
	if (!lua_isnoneornil(L, 3) && kw != 3) {
		int n = repl_check_int_list(L, 3, fname, "a table of two dims", raw,
					    AG_MAX_DIMS);
		if (n != 2)
			return luaL_error(L, "expected total rotation dims == 2, but "
					  "got dims = %d", n);
		dims[0] = repl_wrap_dim(L, raw[0], t->ndim, 0);
		dims[1] = repl_wrap_dim(L, raw[1], t->ndim, 0);
	} else if (t->ndim < 2) {
		return luaL_error(L, "expected total dims >= 2, but got total dims "
				  "= %d", t->ndim);
	}
	repl_push_tensor(L, ag_rot90(t, k, dims[0], dims[1]));
	return 1;
}

static lua_Integer diagonal_arg(lua_State *L, const char *fname)
{
	static const char *const keys[] = {"diagonal", NULL};
	int kw = repl_kwargs(L, 2);

	repl_check_keys(L, kw, fname, keys);
	return int_arg(L, 2, kw, "diagonal", 0, fname, "a diagonal (an integer)");
}

static int l_tril(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.tril");
	repl_push_tensor(L, ag_tril(t, diagonal_arg(L, "torch.tril")));
	return 1;
}

static int l_triu(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.triu");
	repl_push_tensor(L, ag_triu(t, diagonal_arg(L, "torch.triu")));
	return 1;
}

static int m_tril_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.tril_");
	return inplace_done(L, ag_tril_(t, diagonal_arg(L, "Tensor.tril_")),
			    NULL, NULL);
}

static int m_triu_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.triu_");
	return inplace_done(L, ag_triu_(t, diagonal_arg(L, "Tensor.triu_")),
			    NULL, NULL);
}

static int l_diag(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.diag");
	repl_push_tensor(L, ag_diag(t, diagonal_arg(L, "torch.diag")));
	return 1;
}

static int l_diag_embed(lua_State *L)
{
	static const char fname[] = "torch.diag_embed";
	static const char *const keys[] = {"offset", "dim1", "dim2", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), n = t->ndim + 1;

	repl_check_keys(L, kw, fname, keys);
	settle(L, kw, 4, (const char *const[]){ NULL, "offset", "dim1", "dim2" });
	lua_Integer off = int_arg(L, 2, 0, NULL, 0, fname, "an integer");
	if (n < 2 && (lua_isnil(L, 3) || lua_isnil(L, 4)))
		repl_wrap_dim(L, -2, n, 0);	/* the defaults: PyTorch's text */
	int d1 = dim_arg(L, 3, 0, NULL, n, n - 2, fname);
	int d2 = dim_arg(L, 4, 0, NULL, n, n - 1, fname);
	repl_push_tensor(L, ag_diag_embed(t, off, d1, d2));
	return 1;
}

/* ------------------------------------------------- gather and scatter */

static int l_gather(lua_State *L)
{
	static const char fname[] = "torch.gather";
	static const char *const keys[] = {"sparse_grad", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 4);

	repl_check_keys(L, kw, fname, keys);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	ag_tensor *ix = index_of(L, 3, fname);
	return push2(L, ag_gather(t, d, ix), ix, NULL);
}

static int l_take_along_dim(lua_State *L)
{
	static const char fname[] = "torch.take_along_dim";
	static const char *const keys[] = {"dim", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 3);

	repl_check_keys(L, kw, fname, keys);
	int d = dim_arg(L, 3, kw, "dim", t->ndim, INT32_MIN, fname);
	ag_tensor *ix = index_of(L, 2, fname);
	return push2(L, ag_take_along_dim(t, ix, d == INT32_MIN ? 0 : d,
					  d != INT32_MIN), ix, NULL);
}

/* scatter's reduce keyword: 0 (none), or the mode. */
static int reduce_arg(lua_State *L, int kw, const char *fname)
{
	if (!kw_has(L, kw, "reduce"))
		return 0;
	const char *r = lua_tostring(L, -1);
	int mode = r && strcmp(r, "add") == 0 ? AG_SCATTER_ADD
		 : r && strcmp(r, "multiply") == 0 ? AG_SCATTER_MUL : -1;
	if (mode < 0)
		luaL_error(L, "%s: reduce argument must be either add or multiply.",
			   fname);
	lua_pop(L, 1);
	return mode;
}

/* scatter(x, dim, index, src or value, {reduce=}) and scatter_ */
static int scatter(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.scatter_" : "torch.scatter";
	static const char *const keys[] = {"reduce", "value", "src", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname), *r = NULL;
	int kw = repl_kwargs(L, 5), rc = 0;

	repl_check_keys(L, kw, fname, keys);
	int mode = reduce_arg(L, kw, fname);
	kw = settle(L, kw, 4, (const char *const[]){ NULL, NULL, NULL, "src" });
	if (lua_isnil(L, 4) && kw) {
		lua_getfield(L, kw, "value");
		lua_replace(L, 4);
	}
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	ag_tensor *src = repl_to_tensor(L, 4);
	if (!src && lua_type(L, 4) != LUA_TNUMBER && !lua_isboolean(L, 4))
		repl_arg_error(L, fname, 4, "a Tensor or a number (src or value)");
	double value = lua_isboolean(L, 4) ? lua_toboolean(L, 4)
					   : lua_tonumber(L, 4);
	ag_tensor *ix = index_of(L, 3, fname);
	if (mode && inplace)
		rc = ag_scatter_reduce_(t, d, ix, src, value, mode);
	else if (mode)
		r = ag_scatter_reduce(t, d, ix, src, value, mode);
	else if (src && inplace)
		rc = ag_scatter_(t, d, ix, src);
	else if (src)
		r = ag_scatter(t, d, ix, src);
	else if (inplace)
		rc = ag_scatter_value_(t, d, ix, value);
	else
		r = ag_scatter_value(t, d, ix, value);
	if (inplace)
		return inplace_done(L, rc, ix, NULL);
	return push2(L, r, ix, NULL);
}

static int l_scatter(lua_State *L) { return scatter(L, false); }
static int m_scatter_(lua_State *L) { return scatter(L, true); }

static int scatter_add(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.scatter_add_" : "torch.scatter_add";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	ag_tensor *src = repl_check_tensor(L, 4, fname);
	ag_tensor *ix = index_of(L, 3, fname);

	if (inplace)
		return inplace_done(L, ag_scatter_add_(t, d, ix, src), ix, NULL);
	return push2(L, ag_scatter_add(t, d, ix, src), ix, NULL);
}

static int l_scatter_add(lua_State *L) { return scatter_add(L, false); }

/* scatter_reduce(dim, index, src, reduce, {include_self=true}) and
 * index_reduce(dim, index, source, reduce, {include_self=true}): the same
 * arguments; index_reduce takes a 1-d index (int32 too) and no "sum". */
static int reduce_into(lua_State *L, bool inplace, bool by_index)
{
	static const char *const keys[] = {"include_self", NULL};
	static const char *const names[] = {"sum", "prod", "mean", "amax",
					    "amin", NULL};
	const char *fname = by_index
		? (inplace ? "Tensor.index_reduce_" : "torch.index_reduce")
		: (inplace ? "Tensor.scatter_reduce_" : "torch.scatter_reduce");
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 6);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	ag_tensor *src = repl_check_tensor(L, 4, fname);
	const char *how = luaL_checkstring(L, 5);
	int reduce = 0;		/* names[] is AG_SR_*'s order */

	repl_check_keys(L, kw, fname, keys);
	bool self_too = repl_kw_bool(L, kw, "include_self", true, fname);
	while (names[reduce] && strcmp(names[reduce], how))
		reduce++;
	if (by_index && (!names[reduce] || reduce == AG_SR_SUM))
		return luaL_error(L, "index_reduce(): Expected reduce to be one of "
				  "prod, mean, amax or amin but got %s.", how);
	if (!names[reduce])
		return luaL_error(L, "reduce argument must be either sum, prod, "
				  "mean, amax or amin.");
	/* an int32 index counts from 1 as an int64 one does */
	ag_tensor *it = by_index ? repl_to_tensor(L, 3) : NULL;
	if (it && it->dtype == AG_INT32) {
		ag_tensor *wide = ag_to_dtype(it, AG_INT64);
		if (!wide)
			return repl_core_error(L);
		repl_push_tensor(L, wide);
		lua_replace(L, 3);
	}
	ag_tensor *ix = index_of(L, 3, fname);
	if (inplace)
		return inplace_done(L, (by_index ? ag_index_reduce_
					: ag_scatter_reduce_two_)(t, d, ix, src,
						reduce, self_too), ix, NULL);
	return push2(L, (by_index ? ag_index_reduce : ag_scatter_reduce_two)(t,
		     d, ix, src, reduce, self_too), ix, NULL);
}

static int l_scatter_reduce(lua_State *L) { return reduce_into(L, false, false); }
static int m_scatter_reduce_(lua_State *L) { return reduce_into(L, true, false); }
static int m_scatter_add_(lua_State *L) { return scatter_add(L, true); }
static int l_index_reduce(lua_State *L) { return reduce_into(L, false, true); }
static int m_index_reduce_(lua_State *L) { return reduce_into(L, true, true); }

/* ----------------------------------------- index_add, _copy and _fill */

static int index_add(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.index_add_" : "torch.index_add";
	static const char *const keys[] = {"alpha", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 5);

	repl_check_keys(L, kw, fname, keys);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	ag_tensor *src = repl_check_tensor(L, 4, fname);
	double alpha = num_arg(L, 5, kw, "alpha", 1, fname);
	ag_tensor *ix = index_of(L, 3, fname);

	if (inplace)
		return inplace_done(L, ag_index_add_(t, d, ix, src, alpha), ix,
				    NULL);
	return push2(L, ag_index_add(t, d, ix, src, alpha), ix, NULL);
}

static int l_index_add(lua_State *L) { return index_add(L, false); }
static int m_index_add_(lua_State *L) { return index_add(L, true); }

static int index_copy(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.index_copy_" : "torch.index_copy";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	ag_tensor *src = repl_check_tensor(L, 4, fname);
	ag_tensor *ix = index_of(L, 3, fname);

	if (inplace)
		return inplace_done(L, ag_index_copy_(t, d, ix, src), ix, NULL);
	return push2(L, ag_index_copy(t, d, ix, src), ix, NULL);
}

static int l_index_copy(lua_State *L) { return index_copy(L, false); }
static int m_index_copy_(lua_State *L) { return index_copy(L, true); }

static int index_fill(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.index_fill_" : "torch.index_fill";
	ag_tensor *t = repl_check_tensor(L, 1, fname), *r = NULL;
	int d = repl_check_dim(L, 2, t->ndim, 0, fname), rc = 0;
	ag_tensor *v = repl_to_tensor(L, 4);

	if (!v && lua_type(L, 4) != LUA_TNUMBER && !lua_isboolean(L, 4))
		repl_arg_error(L, fname, 4, "a number or a 0-d Tensor");
	double value = lua_isboolean(L, 4) ? lua_toboolean(L, 4) : lua_tonumber(L, 4);
	ag_tensor *ix = index_of(L, 3, fname);
	if (v && inplace)
		rc = ag_index_fill_tensor_(t, d, ix, v);
	else if (v)
		r = ag_index_fill_tensor(t, d, ix, v);
	else if (inplace)
		rc = ag_index_fill_(t, d, ix, value);
	else
		r = ag_index_fill(t, d, ix, value);
	if (inplace)
		return inplace_done(L, rc, ix, NULL);
	return push2(L, r, ix, NULL);
}

static int l_index_fill(lua_State *L) { return index_fill(L, false); }
static int m_index_fill_(lua_State *L) { return index_fill(L, true); }

/* ---------------------------------------------------------------- masks */

static int masked_fill(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.masked_fill_" : "torch.masked_fill";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *m = repl_check_tensor(L, 2, fname);
	ag_tensor *v = repl_to_tensor(L, 3);

	if (!v && lua_type(L, 3) != LUA_TNUMBER && !lua_isboolean(L, 3))
		repl_arg_error(L, fname, 3, "a number or a 0-d Tensor");
	double value = lua_isboolean(L, 3) ? lua_toboolean(L, 3) : lua_tonumber(L, 3);
	if (inplace)
		return inplace_done(L, v ? ag_masked_fill_tensor_(t, m, v)
				       : ag_masked_fill_(t, m, value), NULL, NULL);
	repl_push_tensor(L, v ? ag_masked_fill_tensor(t, m, v)
			      : ag_masked_fill(t, m, value));
	return 1;
}

static int l_masked_fill(lua_State *L) { return masked_fill(L, false); }
static int m_masked_fill_(lua_State *L) { return masked_fill(L, true); }

static int l_masked_select(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.masked_select");
	ag_tensor *m = repl_check_tensor(L, 2, "torch.masked_select");

	repl_push_tensor(L, ag_masked_select(t, m));
	return 1;
}

static int masked_scatter(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.masked_scatter_"
				    : "torch.masked_scatter";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *m = repl_check_tensor(L, 2, fname);
	ag_tensor *s = repl_check_tensor(L, 3, fname);

	if (inplace)
		return inplace_done(L, ag_masked_scatter_(t, m, s), NULL, NULL);
	repl_push_tensor(L, ag_masked_scatter(t, m, s));
	return 1;
}

static int l_masked_scatter(lua_State *L) { return masked_scatter(L, false); }
static int m_masked_scatter_(lua_State *L) { return masked_scatter(L, true); }

/* ------------------------------------------------------------ take, put */

static int l_take(lua_State *L)
{
	static const char fname[] = "torch.take";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *ix = index_of(L, 2, fname);

	return push2(L, ag_take(t, ix), ix, NULL);
}

static int put(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.put_" : "torch.put";
	static const char *const keys[] = {"accumulate", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *src = repl_check_tensor(L, 3, fname);
	int kw = repl_kwargs(L, 4);
	bool acc;

	repl_check_keys(L, kw, fname, keys);
	acc = repl_kw_bool(L, kw, "accumulate", false, fname);
	if (lua_isboolean(L, 4))
		acc = lua_toboolean(L, 4);
	ag_tensor *ix = index_of(L, 2, fname);
	if (inplace)
		return inplace_done(L, ag_put_(t, ix, src, acc), ix, NULL);
	return push2(L, ag_put(t, ix, src, acc), ix, NULL);
}

static int l_put(lua_State *L) { return put(L, false); }
static int m_put_(lua_State *L) { return put(L, true); }

/* index_put(x, {i1, i2, ...}, values[, accumulate]): nil entries (holes)
 * take a whole dim; int64 entries are 1-based, bool ones masks. */
static int index_put(lua_State *L, bool inplace)
{
	const char *fname = inplace ? "Tensor.index_put_" : "torch.index_put";
	static const char *const keys[] = {"accumulate", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *v = repl_check_tensor(L, 3, fname), *r = NULL;
	ag_tensor *ix[AG_MAX_DIMS] = { NULL };
	int kw = repl_kwargs(L, 4), n = 0, rc = 0;
	bool acc;

	repl_check_keys(L, kw, fname, keys);
	acc = repl_kw_bool(L, kw, "accumulate", false, fname);
	if (lua_isboolean(L, 4))
		acc = lua_toboolean(L, 4);
	ag_tensor **list = repl_check_tensor_list(L, 2, fname, "indices",
		"a table of index tensors", REPL_LIST_ONE | REPL_LIST_HOLES, &n);
	if (n > AG_MAX_DIMS)
		return luaL_error(L, "too many indices for tensor of dimension %d",
				  t->ndim);
	/* 1-based int64 indices shift; masks and holes pass as they are */
	for (int i = 0; i < n; i++) {
		if (!list[i] || list[i]->dtype != AG_INT64) {
			ix[i] = list[i];
			if (ix[i])
				ag_tensor_retain(ix[i]);
			continue;
		}
		int64_t zeros;
		ix[i] = ag_index_shift(list[i], &zeros);
		if (!ix[i] || zeros) {
			for (int k = 0; k <= i; k++)
				ag_tensor_release(ix[k]);
			if (!zeros)
				return repl_core_error(L);
			return luaL_error(L, "index 0 is out of range: agdb counts "
					  "from 1 (use 1 for the first element)");
		}
	}
	if (inplace)
		rc = ag_index_put_(t, ix, n, v, acc);
	else
		r = ag_index_put(t, ix, n, v, acc);
	for (int i = 0; i < n; i++)
		ag_tensor_release(ix[i]);
	if (inplace)
		return inplace_done(L, rc, NULL, NULL);
	repl_push_tensor(L, r);
	return 1;
}

static int l_index_put(lua_State *L) { return index_put(L, false); }
static int m_index_put_(lua_State *L) { return index_put(L, true); }

/* ----------------------------------------------------- nonzero, one_hot */

/* nonzero's [n, ndim] positions + 1 (Lua counts from 1). */
static ag_tensor *nonzero_one_based(ag_tensor *t)
{
	ag_tensor *r = ag_nonzero(t), *one, *s;

	if (!r)
		return NULL;
	one = ag_wrapped_number(1, true);
	s = one ? ag_add(r, one) : NULL;
	ag_tensor_release(one);
	ag_tensor_release(r);
	return s;
}

int repl_nonzero_tuple(lua_State *L, ag_tensor *t)
{
	ag_tensor *r = nonzero_one_based(t);

	if (!r)
		return repl_core_error(L);
	repl_push_tensor(L, r);	/* keeps it alive while the columns are made */
	int n = t->ndim ? t->ndim : 1;
	lua_createtable(L, n, 0);
	for (int k = 0; k < n; k++) {
		if (t->ndim == 0) {	/* a 0-d tensor: position 1 if non-zero */
			int64_t len = r->shape[0];
			ag_tensor *c = ag_ones(&len, 1, AG_INT64);
			repl_push_tensor(L, c);
		} else {
			repl_push_tensor(L, ag_select(r, 1, k));
		}
		lua_rawseti(L, -2, k + 1);
	}
	return 1;
}

static int l_nonzero(lua_State *L)
{
	static const char fname[] = "torch.nonzero";
	static const char *const keys[] = {"as_tuple", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2);

	repl_check_keys(L, kw, fname, keys);
	if (repl_kw_bool(L, kw, "as_tuple", false, fname))
		return repl_nonzero_tuple(L, t);
	repl_push_tensor(L, nonzero_one_based(t));
	return 1;
}

/* F.one_hot(classes, num_classes): classes count from 1, num_classes is a
 * count (-1: the largest class). */
static int l_one_hot(lua_State *L)
{
	static const char fname[] = "torch.nn.functional.one_hot";
	static const char *const keys[] = {"num_classes", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2);

	repl_check_keys(L, kw, fname, keys);
	lua_Integer nc = int_arg(L, 2, kw, "num_classes", -1, fname,
				 "a count of classes");
	if (t->dtype != AG_INT64)
		return luaL_error(L, "one_hot is only applicable to index tensor.");
	ag_tensor *ix = index_of(L, 1, fname);
	return push2(L, ag_one_hot(ix, nc), ix, NULL);
}

/* ------------------------------------ stacks, splits by axis, grids */

/* The tensors given one by one from argument first on (up to the keyword
 * table kw, if any), or as one table of tensors. */
static ag_tensor **tensors_arg(lua_State *L, int first, int kw,
			       const char *fname, int *n)
{
	int last = kw ? kw - 1 : lua_gettop(L);

	if (lua_type(L, first) == LUA_TTABLE && !repl_to_tensor(L, first))
		return repl_check_tensor_list(L, first, fname, NULL,
					      "a table of Tensors", 0, n);
	lua_createtable(L, last - first + 1, 0);
	for (int i = first; i <= last; i++) {
		lua_pushvalue(L, i);
		lua_rawseti(L, -2, i - first + 1);
	}
	return repl_check_tensor_list(L, lua_gettop(L), fname, NULL,
				      "Tensors", 0, n);
}

/* torch.atleast_Nd(x): x with at least N dims; several tensors (or a
 * table of them): a sequence. */
static int atleast(lua_State *L, int nd, const char *fname)
{
	int n;

	if (lua_gettop(L) == 1 && repl_to_tensor(L, 1)) {
		repl_push_tensor(L, ag_atleast(repl_check_tensor(L, 1, fname), nd));
		return 1;
	}
	ag_tensor **ts = tensors_arg(L, 1, 0, fname, &n);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		repl_push_tensor(L, ag_atleast(ts[i], nd));
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int l_atleast_1d(lua_State *L) { return atleast(L, 1, "torch.atleast_1d"); }
static int l_atleast_2d(lua_State *L) { return atleast(L, 2, "torch.atleast_2d"); }
static int l_atleast_3d(lua_State *L) { return atleast(L, 3, "torch.atleast_3d"); }

static int stacked(lua_State *L, ag_tensor *(*fn)(ag_tensor *const *, int),
		   const char *fname)
{
	int n;
	ag_tensor **ts = repl_check_tensor_list(L, 1, fname, NULL,
						"a table of Tensors", 0, &n);
	repl_push_tensor(L, fn(ts, n));
	return 1;
}

static int l_hstack(lua_State *L) { return stacked(L, ag_hstack, "torch.hstack"); }
static int l_vstack(lua_State *L) { return stacked(L, ag_vstack, "torch.vstack"); }
static int l_dstack(lua_State *L) { return stacked(L, ag_dstack, "torch.dstack"); }
static int l_column_stack(lua_State *L)
{
	return stacked(L, ag_column_stack, "torch.column_stack");
}

/* hsplit, vsplit, dsplit: tensor_split along dim 2 (dim 1 of a 1-d
 * tensor), 1 or 3, a count of sections that must divide the dim, or a
 * table of 1-based positions. */
static int axis_split(lua_State *L, int need, const char *name)
{
	char fname[32];
	snprintf(fname, sizeof fname, "torch.%s", name);
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = need == 1 ? (t->ndim == 1 ? 0 : 1) : need == 2 ? 0 : 2;

	if (t->ndim < need)
		return luaL_error(L, "torch.%s requires a tensor with at least %d "
				  "dimension, but got a tensor with %d dimensions!",
				  name, need, t->ndim);
	if (lua_type(L, 2) == LUA_TNUMBER) {
		lua_Integer s = repl_check_integer(L, 2, fname, "a count of "
						   "sections or a table of indices");
		if (s != 0 && t->shape[d] % s != 0)
			return luaL_error(L, "torch.%s attempted to split along "
					  "dimension %d, but the size of the dimension "
					  "%I is not divisible by the split_size %I!",
					  name, d + 1, (lua_Integer)t->shape[d], s);
	}
	lua_settop(L, 2);
	lua_pushinteger(L, d + 1);
	lua_pushcclosure(L, l_tensor_split, 0);
	lua_insert(L, 1);
	lua_call(L, 3, 1);
	return 1;
}

static int l_hsplit(lua_State *L) { return axis_split(L, 1, "hsplit"); }
static int l_vsplit(lua_State *L) { return axis_split(L, 2, "vsplit"); }
static int l_dsplit(lua_State *L) { return axis_split(L, 3, "dsplit"); }

/* torch.meshgrid(a, b, ..., {indexing='ij'|'xy'}) or meshgrid({a, b}, ...):
 * a sequence of expanded views. */
static int l_meshgrid(lua_State *L)
{
	static const char fname[] = "torch.meshgrid";
	static const char *const keys[] = {"indexing", NULL};
	int kw = repl_kwargs(L, 2), n;
	bool xy = false;

	repl_check_keys(L, kw, fname, keys);
	if (repl_kw_get(L, kw, "indexing") != LUA_TNIL) {
		const char *s = lua_tostring(L, -1);
		if (!s || (strcmp(s, "ij") && strcmp(s, "xy")))
			return luaL_error(L, "torch.meshgrid: indexing must be one "
					  "of \"xy\" or \"ij\", but received: %s",
					  s ? s : repl_type_name(L, -1));
		xy = !strcmp(s, "xy");
	}
	lua_pop(L, 1);
	ag_tensor **ts = tensors_arg(L, 1, kw, fname, &n);
	return push_list(L, ag_meshgrid(ts, n, xy), &n);
}

static int l_cartesian_prod(lua_State *L)
{
	int n;
	ag_tensor **ts = tensors_arg(L, 1, 0, "torch.cartesian_prod", &n);
	repl_push_tensor(L, ag_cartesian_prod(ts, n));
	return 1;
}

static int l_block_diag(lua_State *L)
{
	int n = 0;
	ag_tensor **ts = lua_gettop(L) ? tensors_arg(L, 1, 0, "torch.block_diag",
						     &n) : NULL;
	repl_push_tensor(L, ag_block_diag(ts, n));
	return 1;
}

static int l_diagflat(lua_State *L)
{
	static const char fname[] = "torch.diagflat";
	static const char *const keys[] = {"offset", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2);

	repl_check_keys(L, kw, fname, keys);
	repl_push_tensor(L, ag_diagflat(t, int_arg(L, 2, kw, "offset", 0, fname,
						   "an integer")));
	return 1;
}

static int l_trace(lua_State *L)
{
	repl_push_tensor(L, ag_trace(repl_check_tensor(L, 1, "torch.trace")));
	return 1;
}

/* torch.tril_indices(row, col[, offset], {dtype=}): 1-based positions. */
static int tri_indices(lua_State *L, bool upper, const char *fname)
{
	static const char *const keys[] = {"offset", "dtype", NULL};
	int kw = repl_kwargs(L, 3);
	ag_dtype dt = AG_INT64;

	repl_check_keys(L, kw, fname, keys);
	lua_Integer row = repl_check_integer(L, 1, fname, "a count of rows");
	lua_Integer col = repl_check_integer(L, 2, fname, "a count of columns");
	lua_Integer off = int_arg(L, 3, kw, "offset", 0, fname, "an integer");
	repl_kw_dtype(L, kw, "dtype", &dt, fname);
	ag_tensor *r = ag_tri_indices(row, col, off, upper), *one, *s = NULL;
	if (!r)
		return repl_core_error(L);
	one = ag_wrapped_number(1, true);
	s = one ? ag_add(r, one) : NULL;
	ag_tensor_release(one);
	ag_tensor_release(r);
	if (s && dt != AG_INT64) {
		ag_tensor *c = ag_to_dtype(s, dt);
		ag_tensor_release(s);
		s = c;
	}
	repl_push_tensor(L, s);
	return 1;
}

static int l_tril_indices(lua_State *L)
{
	return tri_indices(L, false, "torch.tril_indices");
}

static int l_triu_indices(lua_State *L)
{
	return tri_indices(L, true, "torch.triu_indices");
}

/* --------------------------------- select/slice/diagonal_scatter */

/* torch.select_scatter(x, src, dim, index): index 1-based. */
static int l_select_scatter(lua_State *L)
{
	static const char fname[] = "torch.select_scatter";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *src = repl_check_tensor(L, 2, fname);
	int d = repl_check_dim(L, 3, t->ndim, 0, fname);
	lua_Integer i = repl_check_integer(L, 4, fname, "an index");

	if (i == 0)
		return luaL_error(L, "index 0 is out of range: agdb counts from "
				  "1 (use 1 for the first element)");
	repl_push_tensor(L, ag_select_scatter(t, src, d, i > 0 ? i - 1 : i));
	return 1;
}

/* torch.slice_scatter(x, src, dim, start, end, step), or the same as
 * keywords: dim 1 and the whole dim by default; start and end 1-based and
 * inclusive, as x[{{start, end}}] (negatives count from the end). */
static int l_slice_scatter(lua_State *L)
{
	static const char fname[] = "torch.slice_scatter";
	static const char *const keys[] = {"dim", "start", "end", "step", NULL};
	static const char *const names[] = {NULL, NULL, "dim", "start", "end",
					    "step"};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *src = repl_check_tensor(L, 2, fname);
	int kw = repl_kwargs(L, 3);

	repl_check_keys(L, kw, fname, keys);
	settle(L, kw, 6, names);
	int d = lua_isnil(L, 3) ? 0 : repl_check_dim(L, 3, t->ndim, 0, fname);
	int64_t n = t->ndim ? t->shape[d] : 0;
	lua_Integer s = lua_isnil(L, 4) ? 1 : repl_check_integer(L, 4, fname,
							       "a start");
	lua_Integer e = lua_isnil(L, 5) ? -1 : repl_check_integer(L, 5, fname,
							       "an end");
	lua_Integer step = lua_isnil(L, 6) ? 1 : repl_check_integer(L, 6, fname,
								  "a step");
	if (s == 0 || e == 0)
		return luaL_error(L, "index 0 is out of range: agdb counts from "
				  "1 (use 1 for the first element)");
	repl_push_tensor(L, ag_slice_scatter(t, src, d, s > 0 ? s - 1 : s,
					     e > 0 ? e : n + e + 1, step));
	return 1;
}

/* torch.diagonal_scatter(x, src, offset, dim1, dim2) */
static int l_diagonal_scatter(lua_State *L)
{
	static const char fname[] = "torch.diagonal_scatter";
	static const char *const keys[] = {"offset", "dim1", "dim2", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	ag_tensor *src = repl_check_tensor(L, 2, fname);
	int kw = repl_kwargs(L, 3);

	repl_check_keys(L, kw, fname, keys);
	lua_Integer off = int_arg(L, 3, kw, "offset", 0, fname, "an integer");
	int d1 = dim_arg(L, 4, kw, "dim1", t->ndim, 0, fname);
	int d2 = dim_arg(L, 5, kw, "dim2", t->ndim, 1, fname);
	repl_push_tensor(L, ag_diagonal_scatter(t, src, off, d1, d2));
	return 1;
}

/* ------------------------------------------------------------ registration */

void repl_register_shape_ops(lua_State *L, bool methods)
{
	static const luaL_Reg common[] = {
		{"split", l_split}, {"chunk", l_chunk}, {"unbind", l_unbind},
		{"tensor_split", l_tensor_split}, {"diagonal", l_diagonal},
		{"movedim", l_movedim}, {"moveaxis", l_movedim},
		{"swapaxes", l_swapaxes}, {"swapdims", l_swapaxes},
		{"unflatten", l_unflatten}, {"broadcast_to", l_broadcast_to},
		{"tile", l_tile}, {"repeat_interleave", l_repeat_interleave},
		{"flip", l_flip}, {"fliplr", l_fliplr}, {"flipud", l_flipud},
		{"roll", l_roll}, {"rot90", l_rot90},
		{"tril", l_tril}, {"triu", l_triu}, {"diag", l_diag},
		{"diag_embed", l_diag_embed},
		{"gather", l_gather}, {"take_along_dim", l_take_along_dim},
		{"scatter", l_scatter}, {"scatter_add", l_scatter_add},
		{"scatter_reduce", l_scatter_reduce},
		{"select_scatter", l_select_scatter},
		{"slice_scatter", l_slice_scatter},
		{"diagonal_scatter", l_diagonal_scatter},
		{"index_add", l_index_add}, {"index_copy", l_index_copy},
		{"index_fill", l_index_fill}, {"index_reduce", l_index_reduce},
		{"masked_fill", l_masked_fill}, {"masked_select", l_masked_select},
		{"masked_scatter", l_masked_scatter},
		{"take", l_take}, {"put", l_put}, {"index_put", l_index_put},
		{"index_put_", m_index_put_},
		{"nonzero", l_nonzero}, {"argwhere", l_nonzero},
		{"hsplit", l_hsplit}, {"vsplit", l_vsplit}, {"dsplit", l_dsplit},
		{"diagflat", l_diagflat}, {"trace", l_trace},
		{NULL, NULL}
	};
	static const luaL_Reg torch_only[] = {
		{"broadcast_tensors", l_broadcast_tensors},
		{"atleast_1d", l_atleast_1d}, {"atleast_2d", l_atleast_2d},
		{"atleast_3d", l_atleast_3d},
		{"hstack", l_hstack}, {"vstack", l_vstack}, {"row_stack", l_vstack},
		{"dstack", l_dstack}, {"column_stack", l_column_stack},
		{"meshgrid", l_meshgrid}, {"cartesian_prod", l_cartesian_prod},
		{"block_diag", l_block_diag},
		{"tril_indices", l_tril_indices}, {"triu_indices", l_triu_indices},
		{NULL, NULL}
	};
	static const luaL_Reg method_only[] = {
		{"unfold", m_unfold}, {"repeat", m_repeat}, {"type_as", m_type_as},
		{"tril_", m_tril_}, {"triu_", m_triu_},
		{"scatter_", m_scatter_}, {"scatter_add_", m_scatter_add_},
		{"scatter_reduce_", m_scatter_reduce_},
		{"index_add_", m_index_add_}, {"index_copy_", m_index_copy_},
		{"index_reduce_", m_index_reduce_},
		{"index_fill_", m_index_fill_}, {"masked_fill_", m_masked_fill_},
		{"masked_scatter_", m_masked_scatter_}, {"put_", m_put_},
		{NULL, NULL}
	};

	luaL_setfuncs(L, common, 0);
	luaL_setfuncs(L, methods ? method_only : torch_only, 0);
}

void repl_register_shape_c(lua_State *L)
{
	lua_pushcfunction(L, l_one_hot);
	lua_setfield(L, -2, "one_hot");
}
