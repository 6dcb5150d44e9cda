/*
 * ltensor.c - the tensor userdata: identity, lifetime, fields, and the
 * methods that are not ops (geometry, views, conversions, fills).
 *
 * A userdata box holds one core reference.  Weak tables find each core
 * tensor's box, so pushing the same tensor twice (x:contiguous(),
 * x._base) gives the same Lua value and `==` stays identity.  Most boxes
 * sit in a slot of an array (the core tensor's `user` field holds the slot
 * number): no hashing on an op's path, and a freed slot is taken again by
 * the next box.  The others (a second state sharing the
 * library) are in a table keyed by the core tensor.
 */
#include "ltorch.h"
#include "forward.h"
#include "autograd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tensor_box {
	ag_tensor *t;	/* NULL once released */
	int slot;	/* its index in the slot table, or 0: in the cache */
	bool finalized;	/* released by __gc (else by __close) */
} tensor_box;

static const char cache_key = 'c';	/* registry: tensor* -> box (weak) */
static const char slots_key = 'b';	/* registry: slot -> box (weak) */
static const char methods_key = 'm';	/* registry: the method table */

/* The slot table of the state that opened the library first among those
 * open (the current one): its registry reference and address, and its
 * free slots.  Other states' slot tables are reached by slots_key, and
 * hand out no new slots. */
static int slots_ref = LUA_NOREF;
static const void *slots_table;
static int *slots_free, n_slots_free, slots_cap, slots_next = 1;

/* The tensor metatable of the state that opened the library last: every
 * op checks its arguments against it, and comparing its address is much
 * cheaper than luaL_testudata's look-up by name (which still decides when
 * the address differs, e.g. in another state).  mt_ref is its registry
 * reference, for boxing without a look-up by name. */
static const void *tensor_mt;
static int mt_ref = LUA_NOREF;

static bool grow_slots_free(void)
{
	int cap = slots_cap ? 2 * slots_cap : 256;
	int *p = realloc(slots_free, (size_t)cap * sizeof *p);

	if (!p)
		return false;	/* the slot is not taken again: no harm */
	slots_free = p;
	slots_cap = cap;
	return true;
}

/* ---------------------------------------------------------------- identity */

void (*repl_core_error_hook)(lua_State *L, const char *msg);

int repl_core_error(lua_State *L)
{
	const char *msg = ag_error_message();

	if (repl_core_error_hook)
		repl_core_error_hook(L, msg);

	/* "file:line: " of the Lua caller, as luaL_error gives */
	luaL_where(L, 1);
	lua_pushstring(L, msg && *msg ? msg : "unknown error in core");
	lua_concat(L, 2);
	ag_error_clear();
	return lua_error(L);
}

void repl_push_weak_cache(lua_State *L, const void *key)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "v");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

/* Pushes this state's slot table (nil when it has none); true when it is
 * the current one, whose slots may be taken and given back. */
static bool push_slots(lua_State *L)
{
	if (slots_table) {
		if (lua_rawgeti(L, LUA_REGISTRYINDEX, slots_ref) == LUA_TTABLE &&
		    lua_topointer(L, -1) == slots_table)
			return true;
		lua_pop(L, 1);
	}
	lua_rawgetp(L, LUA_REGISTRYINDEX, &slots_key);
	return false;
}

#define USER_SLOT(t) ((int)(intptr_t)(t)->user)

/* Pushes the box of t found in a slot, or returns false (nothing pushed). */
static bool find_in_slot(lua_State *L, ag_tensor *t)
{
	int slot = USER_SLOT(t);
	tensor_box *box;

	if (!slot)
		return false;
	push_slots(L);
	if (lua_type(L, -1) == LUA_TTABLE &&
	    lua_rawgeti(L, -1, slot) == LUA_TUSERDATA &&
	    (box = lua_touserdata(L, -1))->t == t && box->slot == slot) {
		lua_remove(L, -2);
		return true;
	}
	lua_settop(L, -3);	/* the table (or nil) and what was in the slot */
	return false;
}

void repl_find_tensor_box(lua_State *L, void *t)
{
	if (find_in_slot(L, t))
		return;
	repl_push_weak_cache(L, &cache_key);
	lua_rawgetp(L, -1, t);
	lua_remove(L, -2);
}

/* Puts the box at idx (a fresh one, or one kept past its __gc) where
 * repl_find_tensor_box finds it: its slot when it has one, or a free slot
 * of the current state's table when its tensor has no box there yet, or
 * the cache. */
static void box_insert(lua_State *L, int idx)
{
	tensor_box *box = lua_touserdata(L, idx);
	ag_tensor *t = box->t;

	idx = lua_absindex(L, idx);
	if (box->slot) {
		push_slots(L);
		if (lua_type(L, -1) == LUA_TTABLE) {
			lua_pushvalue(L, idx);
			lua_rawseti(L, -2, box->slot);
		}
		lua_pop(L, 1);
		return;
	}
	if (!t->user && push_slots(L)) {
		int slot = n_slots_free ? slots_free[--n_slots_free] : slots_next++;
		lua_pushvalue(L, idx);
		lua_rawseti(L, -2, slot);
		lua_pop(L, 1);
		box->slot = slot;
		t->user = (void *)(intptr_t)slot;
		return;
	}
	if (!t->user)
		lua_pop(L, 1);	/* another state's slot table (or nil) */
	repl_push_weak_cache(L, &cache_key);
	lua_pushvalue(L, idx);
	lua_rawsetp(L, -2, t);
	lua_pop(L, 1);
}

/* Takes the box out of where box_insert put it, its tensor still set.  A
 * slot's entry is left as it is: the collector has already cleared it
 * when __gc runs, and an inert box left there (by __close, or __gc called
 * by hand) is no match for any tensor (its tensor is NULL), until the
 * next box taking the slot writes over it. */
static void box_remove(lua_State *L, tensor_box *box)
{
	ag_tensor *t = box->t;

	if (box->slot) {
		/* a slot of a state no longer current is not handed out again
		 * (the next current state starts its own numbering) */
		if (slots_table && (n_slots_free < slots_cap || grow_slots_free()))
			slots_free[n_slots_free++] = box->slot;
		if (USER_SLOT(t) == box->slot)
			t->user = NULL;
		box->slot = 0;
		return;
	}
	/* a newer box of t may have taken the entry (one pushed while this
	 * one waited for its finaliser): that one stays */
	repl_push_weak_cache(L, &cache_key);
	if (lua_rawgetp(L, -1, t) == LUA_TUSERDATA &&
	    lua_touserdata(L, -1) == box) {
		lua_pushnil(L);
		lua_rawsetp(L, -3, t);
	}
	lua_pop(L, 2);
}

void repl_push_tensor(lua_State *L, ag_tensor *t)
{
	tensor_box *box;

	if (!t)
		repl_core_error(L);
	/* a box holds a reference: with the caller's the only one, there is
	 * none to find (every fresh op result) */
	if (t->refcount > 1) {
		repl_find_tensor_box(L, t);
		if (lua_type(L, -1) == LUA_TUSERDATA) {
			ag_tensor_release(t);	/* the box already holds one */
			repl_keep_revive(L, -1);
			return;
		}
		lua_pop(L, 1);
	}
	box = lua_newuserdatauv(L, sizeof *box, REPL_TENSOR_UV_STATE);
	box->t = t;
	box->slot = 0;
	box->finalized = false;
	if (lua_rawgeti(L, LUA_REGISTRYINDEX, mt_ref) == LUA_TTABLE &&
	    lua_topointer(L, -1) == tensor_mt) {
		lua_setmetatable(L, -2);
	} else {
		lua_pop(L, 1);
		luaL_setmetatable(L, REPL_TENSOR_MT);
	}
	box_insert(L, -1);
	repl_gc_pace(L);
}

/* A closing state forgets its metatable's and its slot table's
 * addresses (the finaliser of a sentinel in its registry, run by
 * lua_close). */
static int forget_tensor_mt(lua_State *L)
{
	const void **mt = lua_touserdata(L, 1);

	if (mt && mt[0] == tensor_mt) {
		tensor_mt = NULL;
		mt_ref = LUA_NOREF;
	}
	if (mt && mt[1] && mt[1] == slots_table) {
		slots_table = NULL;
		slots_ref = LUA_NOREF;
		n_slots_free = 0;
		slots_next = 1;
	}
	return 0;
}

/* The state's slot table, the current one when no open state has one. */
static const void *make_slots(lua_State *L)
{
	const void *p;

	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "v");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	p = lua_topointer(L, -1);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &slots_key);
	if (slots_table) {
		lua_pop(L, 1);
		return p;
	}
	slots_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	slots_table = p;
	n_slots_free = 0;
	slots_next = 1;
	return p;
}

static void remember_tensor_mt(lua_State *L)
{
	static const char sentinel_key = 's';
	const void **mt;

	tensor_mt = lua_topointer(L, -1);
	lua_pushvalue(L, -1);
	mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	mt = lua_newuserdatauv(L, 2 * sizeof *mt, 0);
	mt[0] = tensor_mt;
	mt[1] = make_slots(L);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, forget_tensor_mt);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
}

static tensor_box *to_box(lua_State *L, int idx)
{
	void *p = lua_touserdata(L, idx);
	bool same;

	if (!p || !lua_getmetatable(L, idx))
		return NULL;
	same = lua_topointer(L, -1) == tensor_mt;
	lua_pop(L, 1);
	return same ? p : luaL_testudata(L, idx, REPL_TENSOR_MT);
}

ag_tensor *repl_test_tensor(lua_State *L, int idx)
{
	tensor_box *box = to_box(L, idx);
	return box ? box->t : NULL;
}

ag_tensor *repl_to_tensor(lua_State *L, int idx)
{
	tensor_box *box = to_box(L, idx);

	if (!box)
		return NULL;
	if (!box->t && box->finalized)
		luaL_error(L, "attempt to use a finalized tensor (its __gc "
			   "metamethod was called)");
	if (!box->t)
		luaL_error(L, "attempt to use a closed tensor (its <close> "
			   "variable went out of scope)");
	return box->t;
}

ag_tensor *repl_check_tensor(lua_State *L, int idx, const char *fname)
{
	ag_tensor *t = repl_to_tensor(L, idx);
	const char *dot;

	/* x.sum() instead of x:sum() is the classic slip of a Python hand */
	if (!t && idx == 1 && lua_isnone(L, 1) && (dot = strchr(fname, '.')))
		luaL_error(L, "%s: argument 1 must be a Tensor, got no value "
			   "(call methods with a colon: x:%s())", fname, dot + 1);
	if (!t)
		repl_arg_error(L, fname, idx, "a Tensor");
	return t;
}

/* ---------------------------------------------------------------- lifetime */

/* What a tensor box's state serves: the tensor (a leaf's hooks), its
 * grad_fn and the node its hooks are on (a non-leaf's), and the custom
 * Functions whose ctx it carries (light userdata keys of its state). */
static int tensor_guarded(lua_State *L, int idx, repl_keep_obj *out, int max)
{
	tensor_box *box = lua_touserdata(L, idx);
	ag_tensor *t = box->t;
	int n = 0;
	if (!t || max < 3)
		return 0;
	out[n++] = (repl_keep_obj){ t, false };
	if (t->grad_fn)
		out[n++] = (repl_keep_obj){ t->grad_fn, true };
	ag_node *hn = ag_tensor_hooks_node(t);
	if (hn && hn != t->grad_fn)
		out[n++] = (repl_keep_obj){ hn, true };
	if (lua_getiuservalue(L, idx, REPL_TENSOR_UV_STATE) == LUA_TTABLE) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) == LUA_TLIGHTUSERDATA && n < max)
				out[n++] = (repl_keep_obj){ lua_touserdata(L, -1), true };
		}
	}
	lua_pop(L, 1);
	return n;
}

/* Releases the box's tensor, the box staying as an inert value. */
static void tensor_drop(lua_State *L, void *p)
{
	tensor_box *box = p;
	if (!box->t)
		return;
	box_remove(L, box);
	ag_tensor_release(box->t);
	box->t = NULL;
}

static void tensor_kept(lua_State *L, int idx)
{
	box_insert(L, idx);
}

static const repl_keep_kind tensor_keep = {
	tensor_guarded, tensor_drop, tensor_kept
};

/* A box whose user value holds hook functions is kept while core shares
 * its tensor (lkeep.c).  Called by hand, __gc leaves an inert box that
 * says so when used, and later tensors get boxes of their own. */
static int t_gc(lua_State *L)
{
	tensor_box *box = to_box(L, 1);

	if (!box || !box->t)
		return 0;
	bool state = lua_getiuservalue(L, 1, REPL_TENSOR_UV_STATE) == LUA_TTABLE;
	lua_pop(L, 1);
	if (state && repl_keep_on_gc(L, 1, &tensor_keep))
		return 0;
	box->finalized = true;
	tensor_drop(L, box);
	return 0;
}

/* `local x <close> = ...`: free the memory now, not at the next cycle. */
static int t_close(lua_State *L)
{
	tensor_box *box = to_box(L, 1);

	if (box && box->t)
		tensor_drop(L, box);
	return 0;
}

static int t_tostring(lua_State *L)
{
	tensor_box *box = to_box(L, 1);
	const char *suffix = NULL;
	char *s;

	if (!box || !box->t) {
		if (box && box->finalized)
			lua_pushliteral(L, "tensor(<finalized>)");
		else
			lua_pushliteral(L, "tensor(<closed>)");
		return 1;
	}
	if (ag_grad_fn(box->t)) {
		lua_pushfstring(L, ", grad_fn=<%s>", ag_node_name(ag_grad_fn(box->t)));
		suffix = lua_tostring(L, -1);
	} else if (box->t->requires_grad) {
		suffix = ", requires_grad=True";
	}
	/* forward AD: a dual shows its tangent, printed as a tensor is */
	ag_tensor *tan = ag_fw_grad(box->t, -1);
	if (tan) {
		repl_push_tensor(L, tan);
		const char *ts = luaL_tolstring(L, -1, NULL);
		lua_pushfstring(L, "%s, tangent=%s", suffix ? suffix : "", ts);
		suffix = lua_tostring(L, -1);
	}
	s = ag_format(box->t, repl_print_options(), suffix);
	if (!s)
		return repl_core_error(L);
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static int t_len(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "#");

	if (t->ndim == 0)
		return luaL_error(L, "len() of a 0-d tensor");
	lua_pushinteger(L, t->shape[0]);
	return 1;
}

/* ------------------------------------------------------------------ fields */

static void push_opt_tensor(lua_State *L, ag_tensor *t)
{
	if (t) {
		ag_tensor_retain(t);
		repl_push_tensor(L, t);
	} else {
		lua_pushnil(L);
	}
}

static void f_shape(lua_State *L, ag_tensor *t)
{
	repl_push_size(L, t->shape, t->ndim);
}
static void f_dtype(lua_State *L, ag_tensor *t) { repl_push_dtype(L, t->dtype); }
static void f_requires_grad(lua_State *L, ag_tensor *t)
{
	lua_pushboolean(L, ag_requires_grad(t));
}
/* Reading .grad of a non-leaf that does not retain it: nil, and PyTorch's
 * warning, once per place in the code (as Python's warnings do). */
static const char grad_warned_key = 'w';

static void warn_nonleaf_grad(lua_State *L)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &grad_warned_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &grad_warned_key);
	}
	luaL_where(L, 1);	/* the code reading x.grad */
	lua_pushvalue(L, -1);
	if (lua_rawget(L, -3) == LUA_TNIL) {
		lua_pop(L, 1);
		fprintf(stderr, "%sUserWarning: The .grad attribute of a Tensor that "
			"is not a leaf Tensor is being accessed. Its .grad attribute "
			"won't be populated during autograd.backward(). If you indeed "
			"want the .grad field to be populated for a non-leaf Tensor, "
			"use .retain_grad() on the non-leaf Tensor. If you access the "
			"non-leaf Tensor by mistake, make sure you access the leaf "
			"Tensor instead.\n", lua_tostring(L, -1));
		fflush(stderr);
		lua_pushboolean(L, 1);
		lua_rawset(L, -3);
	} else {
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
}

static void f_grad(lua_State *L, ag_tensor *t)
{
	if (!t->grad && t->grad_fn && !t->retains_grad)
		warn_nonleaf_grad(L);
	push_opt_tensor(L, t->grad);
}
static void f_grad_fn(lua_State *L, ag_tensor *t)
{
	repl_push_node(L, ag_grad_fn(t));	/* nil for leaves */
}
static void f_is_leaf(lua_State *L, ag_tensor *t) { lua_pushboolean(L, ag_is_leaf(t)); }
static void f_retains_grad(lua_State *L, ag_tensor *t)
{
	lua_pushboolean(L, t->retains_grad);
}
static void f_version(lua_State *L, ag_tensor *t)
{
	lua_pushinteger(L, t->version ? t->version->value : 0);
}
static void f_base(lua_State *L, ag_tensor *t) { push_opt_tensor(L, t->base); }
static void f_ndim(lua_State *L, ag_tensor *t) { lua_pushinteger(L, t->ndim); }
/* x.data: an alias with a version counter of its own, invisible to
 * autograd (w.data:sub_(lr * w.grad) leaves w's version alone) */
static void f_data(lua_State *L, ag_tensor *t) { repl_push_tensor(L, ag_shallow_copy(t)); }
/* x.T: all dims reversed (x:t() for a matrix) */
static void f_T(lua_State *L, ag_tensor *t)
{
	int dims[AG_MAX_DIMS], i;

	for (i = 0; i < t->ndim; i++)
		dims[i] = t->ndim - 1 - i;
	repl_push_tensor(L, ag_permute(t, dims, t->ndim));
}

/* mT, mH (the same for real tensors): the last two dims swapped; H: a
 * matrix's transpose (a 0-d tensor itself). */
static void f_mT(lua_State *L, ag_tensor *t, const char *name)
{
	if (t->ndim < 2) {
		luaL_error(L, "tensor.%s is only supported on matrices or batches "
			   "of matrices. Got %d-D tensor.", name, t->ndim);
		return;
	}
	repl_push_tensor(L, ag_transpose(t, t->ndim - 2, t->ndim - 1));
}

static void f_mT_(lua_State *L, ag_tensor *t) { f_mT(L, t, "mT"); }
static void f_mH(lua_State *L, ag_tensor *t) { f_mT(L, t, "mH"); }

static void f_H(lua_State *L, ag_tensor *t)
{
	if (t->ndim == 0) {
		lua_pushvalue(L, 1);
		return;
	}
	if (t->ndim != 2) {
		luaL_error(L, "tensor.H is only supported on matrices (2-D "
			   "tensors). Got %d-D tensor.%s", t->ndim, t->ndim > 2
			   ? " For batches of matrices, consider using tensor.mH"
			   : "");
		return;
	}
	repl_push_tensor(L, ag_transpose(t, 0, 1));
}

static const struct field {
	const char *name;
	void (*get)(lua_State *L, ag_tensor *t);
} fields[] = {
	{"shape", f_shape}, {"dtype", f_dtype},
	{"requires_grad", f_requires_grad}, {"grad", f_grad},
	{"grad_fn", f_grad_fn}, {"is_leaf", f_is_leaf},
	{"retains_grad", f_retains_grad}, {"_version", f_version},
	{"_base", f_base}, {"ndim", f_ndim}, {"data", f_data}, {"T", f_T},
	{"mT", f_mT_}, {"mH", f_mH}, {"H", f_H},
	{NULL, NULL}
};

static const struct field *find_field(const char *name)
{
	const struct field *f;

	for (f = fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static void set_requires_grad(lua_State *L, ag_tensor *t, bool on,
			      ag_rg_via via)
{
	if (ag_set_requires_grad_via(t, on, via) != 0)
		repl_core_error(L);
}

static void set_grad(lua_State *L, ag_tensor *t, int idx)
{
	ag_tensor *g = NULL;

	if (!lua_isnil(L, idx)) {
		g = repl_to_tensor(L, idx);
		if (!g)
			luaL_error(L, "assigned grad expected to be a Tensor or "
				   "None but got grad of type %s",
				   repl_type_name(L, idx));
	}
	if (ag_set_grad(t, g) != 0)
		repl_core_error(L);
}

/* Pushes the per-tensor attribute table (user value 1), creating it. */
static void push_attrs(lua_State *L, int idx, bool create)
{
	if (lua_getiuservalue(L, idx, 1) == LUA_TTABLE || !create)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, idx, 1);
}

/* t.name: a method, a field, or an attribute the user stored. */
int repl_tensor_getfield(lua_State *L)
{
	const char *name = lua_tostring(L, 2);
	const struct field *f;

	/* a method (x:sum()): the name is already a string on the stack */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &methods_key);
	lua_pushvalue(L, 2);
	if (lua_gettable(L, -2) != LUA_TNIL)
		return 1;
	lua_pop(L, 2);
	if ((f = find_field(name))) {
		f->get(L, repl_to_tensor(L, 1));
		return 1;
	}
	push_attrs(L, 1, false);
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, name);
		return 1;
	}
	lua_pushnil(L);
	return 1;
}

int repl_tensor_setfield(lua_State *L)
{
	ag_tensor *t = repl_to_tensor(L, 1);
	const char *name = lua_tostring(L, 2);

	if (strcmp(name, "requires_grad") == 0) {
		if (!lua_isboolean(L, 3))
			return luaL_error(L, "requires_grad must be a boolean, "
					  "got %s", repl_type_name(L, 3));
		set_requires_grad(L, t, lua_toboolean(L, 3), AG_RG_ATTRIBUTE);
		return 0;
	}
	if (strcmp(name, "data") == 0) {
		ag_tensor *src = repl_to_tensor(L, 3);
		if (!src)
			return luaL_error(L, "Variable data has to be a tensor, but "
					  "got %s", repl_type_name(L, 3));
		if (ag_set_data(t, src) != 0)
			return repl_core_error(L);
		return 0;
	}
	if (strcmp(name, "grad") == 0) {
		set_grad(L, t, 3);
		return 0;
	}
	lua_rawgetp(L, LUA_REGISTRYINDEX, &methods_key);
	if (find_field(name) || lua_getfield(L, -1, name) != LUA_TNIL)
		return luaL_error(L, "attribute '%s' of 'torch.Tensor' objects "
				  "is not writable", name);
	lua_pop(L, 2);
	push_attrs(L, 1, true);
	lua_pushvalue(L, 3);
	lua_setfield(L, -2, name);
	return 0;
}

/* ---------------------------------------------------------------- geometry */

static int m_size(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.size");

	int d;

	if (lua_isnoneornil(L, 2)) {
		repl_push_size(L, t->shape, t->ndim);
		return 1;
	}
	d = repl_check_dim(L, 2, t->ndim, 0, "torch.size");
	if (t->ndim == 0)
		return luaL_error(L, "dimension specified as %d but tensor has "
				  "no dimensions", (int)lua_tointeger(L, 2));
	lua_pushinteger(L, t->shape[d]);
	return 1;
}

static int m_stride(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.stride");
	int i;

	if (!lua_isnoneornil(L, 2)) {
		int d = repl_check_dim(L, 2, t->ndim, 0, "torch.stride");
		if (t->ndim == 0)
			return luaL_error(L, "dimension specified as %d but "
					  "tensor has no dimensions",
					  (int)lua_tointeger(L, 2));
		lua_pushinteger(L, t->stride[d]);
		return 1;
	}
	lua_createtable(L, t->ndim, 0);
	for (i = 0; i < t->ndim; i++) {
		lua_pushinteger(L, t->stride[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int m_dim(lua_State *L)
{
	lua_pushinteger(L, repl_check_tensor(L, 1, "torch.dim")->ndim);
	return 1;
}

static int m_numel(lua_State *L)
{
	lua_pushinteger(L, ag_numel(repl_check_tensor(L, 1, "torch.numel")));
	return 1;
}

static int m_storage_offset(lua_State *L)
{
	/* An element count, not an index: 0 for a fresh tensor, as in torch. */
	lua_pushinteger(L, repl_check_tensor(L, 1, "Tensor.storage_offset")->offset);
	return 1;
}

static int m_is_contiguous(lua_State *L)
{
	lua_pushboolean(L, ag_is_contiguous(repl_check_tensor(L, 1,
				"Tensor.is_contiguous")));
	return 1;
}

static int m_is_floating_point(lua_State *L)
{
	lua_pushboolean(L, ag_dtype_is_floating(repl_check_tensor(L, 1,
				"torch.is_floating_point")->dtype));
	return 1;
}

static int m_element_size(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)ag_dtype_size(repl_check_tensor(L, 1,
				"Tensor.element_size")->dtype));
	return 1;
}

/* ------------------------------------------------------- values into Lua */

static void push_element(lua_State *L, const char *p, ag_dtype dt)
{
	if (ag_dtype_is_integral(dt))
		lua_pushinteger(L, ag_load_i64(p, dt));
	else if (dt == AG_BOOL)
		lua_pushboolean(L, ag_load_i64(p, dt) != 0);
	else
		lua_pushnumber(L, ag_load(p, dt));
}

static int m_item(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.item");
	int64_t n = ag_numel(t);

	if (n != 1)
		return luaL_error(L, "a Tensor with %I elements cannot be "
				  "converted to Scalar", (lua_Integer)n);
	push_element(L, ag_data_ptr(t), t->dtype);
	return 1;
}

static void push_list(lua_State *L, const ag_tensor *t, int d, const char *p,
		      size_t esize)
{
	int64_t i;

	if (d == t->ndim) {
		push_element(L, p, t->dtype);
		return;
	}
	luaL_checkstack(L, 4, "tensor nested too deeply");
	lua_createtable(L, (int)(t->shape[d] < 1 << 20 ? t->shape[d] : 0), 0);
	for (i = 0; i < t->shape[d]; i++) {
		push_list(L, t, d + 1, p + i * t->stride[d] * (int64_t)esize,
			  esize);
		lua_rawseti(L, -2, i + 1);
	}
}

static int m_tolist(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.tolist");

	push_list(L, t, 0, ag_data_ptr(t), ag_dtype_size(t->dtype));
	return 1;
}

/* ---------------------------------------------------------- autograd flags */

static int m_requires_grad_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.requires_grad_");
	bool on = true;

	if (!lua_isnoneornil(L, 2)) {
		if (!lua_isboolean(L, 2))
			repl_arg_error(L, "Tensor.requires_grad_", 2, "a boolean");
		on = lua_toboolean(L, 2);
	}
	set_requires_grad(L, t, on, AG_RG_METHOD);
	lua_settop(L, 1);
	return 1;
}

static int m_is_inference(lua_State *L)
{
	lua_pushboolean(L, repl_check_tensor(L, 1, "Tensor.is_inference")->is_inference);
	return 1;
}

static int m_retain_grad(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.retain_grad");

	if (ag_retain_grad(t) != 0)
		return repl_core_error(L);
	return 0;
}

static int m_detach(lua_State *L)
{
	repl_push_tensor(L, ag_detach(repl_check_tensor(L, 1, "torch.detach")));
	return 1;
}

static int m_detach_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.detach_");

	/* PyTorch refuses every view here, not only differentiable ones */
	if (t->base)
		return luaL_error(L, "Can't detach views in-place. Use detach() "
				  "instead. If you are using DistributedDataParallel "
				  "(DDP) for training, and gradient_as_bucket_view is "
				  "set as True, gradients are views of DDP buckets, and "
				  "hence detach_() cannot be called on these gradients. "
				  "To fix this error, please refer to the "
				  "Optimizer.zero_grad() function in "
				  "torch/optim/optimizer.py as the solution.");
	if (ag_detach_(t) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* ------------------------------------------------------------------- views */

static int m_clone(lua_State *L)
{
	repl_push_tensor(L, ag_clone(repl_check_tensor(L, 1, "torch.clone")));
	return 1;
}

static int m_contiguous(lua_State *L)
{
	repl_push_tensor(L, ag_contiguous(repl_check_tensor(L, 1,
				"Tensor.contiguous")));
	return 1;
}

static int shape_view(lua_State *L, const char *fname,
		      ag_tensor *(*fn)(ag_tensor *, const int64_t *, int))
{
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int64_t shape[AG_MAX_DIMS];
	int n = repl_check_sizes(L, 2, lua_gettop(L), fname, shape);

	repl_push_tensor(L, fn(t, shape, n));
	return 1;
}

static int m_view(lua_State *L) { return shape_view(L, "Tensor.view", ag_view); }
static int m_reshape(lua_State *L) { return shape_view(L, "torch.reshape", ag_reshape); }
static int m_expand(lua_State *L) { return shape_view(L, "Tensor.expand", ag_expand); }

static int m_view_as(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.view_as");
	ag_tensor *o = repl_check_tensor(L, 2, "Tensor.view_as");

	repl_push_tensor(L, ag_view(t, o->shape, o->ndim));
	return 1;
}

static int m_reshape_as(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.reshape_as");
	ag_tensor *o = repl_check_tensor(L, 2, "Tensor.reshape_as");

	repl_push_tensor(L, ag_reshape(t, o->shape, o->ndim));
	return 1;
}

static int m_expand_as(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.expand_as");
	ag_tensor *o = repl_check_tensor(L, 2, "Tensor.expand_as");

	repl_push_tensor(L, ag_expand(t, o->shape, o->ndim));
	return 1;
}

static int m_transpose(lua_State *L)
{
	static const char fname[] = "torch.transpose";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d0 = repl_check_dim(L, 2, t->ndim, 0, fname);
	int d1 = repl_check_dim(L, 3, t->ndim, 0, fname);

	repl_push_tensor(L, ag_transpose(t, d0, d1));
	return 1;
}

static int m_t(lua_State *L)
{
	repl_push_tensor(L, ag_t(repl_check_tensor(L, 1, "torch.t")));
	return 1;
}

static int m_permute(lua_State *L)
{
	static const char fname[] = "torch.permute";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int64_t raw[AG_MAX_DIMS];
	int dims[AG_MAX_DIMS];
	int i, n = repl_check_sizes(L, 2, lua_gettop(L), fname, raw);

	for (i = 0; i < n; i++)
		dims[i] = repl_wrap_dim(L, raw[i], t->ndim, 0);
	repl_push_tensor(L, ag_permute(t, dims, n));
	return 1;
}

static int m_narrow(lua_State *L)
{
	static const char fname[] = "torch.narrow";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	lua_Integer start = repl_check_integer(L, 3, fname, "an integer");
	lua_Integer len = repl_check_integer(L, 4, fname, "an integer");
	int64_t size = t->ndim ? t->shape[d] : 1;
	int64_t s0;

	if (t->ndim == 0)
		return luaL_error(L, "narrow() cannot be applied to a 0-dim "
				  "tensor.");
	if (len < 0)
		return luaL_error(L, "narrow(): length must be non-negative.");
	/* start may sit just past the end when nothing is taken */
	s0 = (start == size + 1 && len == 0) ? size
		: repl_wrap_index(L, start, size, d);
	if (len > size - s0)
		return luaL_error(L, "start (%I) + length (%I) exceeds "
				  "dimension size (%I).", (lua_Integer)start,
				  (lua_Integer)len, (lua_Integer)size);
	repl_push_tensor(L, ag_narrow(t, d, s0, len));
	return 1;
}

static int m_select(lua_State *L)
{
	static const char fname[] = "torch.select";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int d = repl_check_dim(L, 2, t->ndim, 0, fname);
	lua_Integer i = repl_check_integer(L, 3, fname, "an integer");

	if (t->ndim == 0)
		return luaL_error(L, "select() cannot be applied to a 0-dim "
				  "tensor.");
	if (i == 0)
		return luaL_error(L, "index 0 is out of range: agdb counts from "
				  "1 (use 1 for the first element)");
	/* core checks the range, with PyTorch's select() text */
	repl_push_tensor(L, ag_select(t, d, i > 0 ? i - 1 : i));
	return 1;
}

static int m_unsqueeze(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.unsqueeze");
	int d = repl_check_dim(L, 2, t->ndim, 1, "torch.unsqueeze");

	repl_push_tensor(L, ag_unsqueeze(t, d));
	return 1;
}

/* x:squeeze({2, 4}): the listed dims of size 1 go, the others stay (PyTorch
 * 2's squeeze(dims); 1.13 takes one dim).  Each is a squeeze of one dim,
 * from the last, so the graph shows one SqueezeBackward1 per dim. */
static int squeeze_dims(lua_State *L, ag_tensor *t)
{
	static const char fname[] = "torch.squeeze";
	int64_t raw[AG_MAX_DIMS];
	bool seen[AG_MAX_DIMS] = { false };
	int n = repl_check_int_list(L, 2, fname, "a dim or a table of dims", raw,
				    AG_MAX_DIMS);
	int ndim = t->ndim;

	for (int i = 0; i < n; i++) {
		int d = repl_wrap_dim(L, raw[i], ndim, 0);
		if (seen[d])
			return luaL_error(L, "dim %d appears multiple times in the "
					  "list of dims", d + 1);
		seen[d] = true;
	}
	ag_tensor *r = t;
	ag_tensor_retain(r);
	for (int d = ndim - 1; d >= 0; d--) {
		if (!seen[d] || t->shape[d] != 1)
			continue;
		ag_tensor *s = ag_squeeze_dim(r, d);
		ag_tensor_release(r);
		if (!s)
			return repl_core_error(L);
		r = s;
	}
	if (r == t) {	/* nothing to squeeze: still a view, as squeeze(d) gives */
		int keep = -1;
		for (int d = 0; d < ndim && keep < 0; d++)
			if (t->shape[d] != 1)
				keep = d;
		ag_tensor_release(r);
		r = keep >= 0 ? ag_squeeze_dim(t, keep) : ag_alias(t);
	}
	repl_push_tensor(L, r);
	return 1;
}

static int m_squeeze(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "torch.squeeze");

	if (lua_type(L, 2) == LUA_TTABLE)
		return squeeze_dims(L, t);
	if (lua_isnoneornil(L, 2))
		repl_push_tensor(L, ag_squeeze(t));
	else
		repl_push_tensor(L, ag_squeeze_dim(t, repl_check_dim(L, 2,
					t->ndim, 0, "torch.squeeze")));
	return 1;
}

static int m_flatten(lua_State *L)
{
	static const char fname[] = "torch.flatten";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int s = lua_isnoneornil(L, 2) ? 0 : repl_check_dim(L, 2, t->ndim, 0, fname);
	int e = lua_isnoneornil(L, 3) ? (t->ndim ? t->ndim - 1 : 0)
		: repl_check_dim(L, 3, t->ndim, 0, fname);

	repl_push_tensor(L, ag_flatten(t, s, e));
	return 1;
}

static int m_as_strided(lua_State *L)
{
	static const char fname[] = "torch.as_strided";
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	int n = repl_check_int_list(L, 2, fname, "a table of sizes", shape,
				    AG_MAX_DIMS);
	int m = repl_check_int_list(L, 3, fname, "a table of strides", stride,
				    AG_MAX_DIMS);
	int64_t off = lua_isnoneornil(L, 4) ? t->offset
		: repl_check_integer(L, 4, fname, "an integer storage offset");

	if (n != m)
		return luaL_error(L, "mismatch in length of strides and shape");
	repl_push_tensor(L, ag_as_strided(t, shape, stride, n, off));
	return 1;
}

/* ------------------------------------------------------------- conversions */

static int to_dtype(lua_State *L, ag_dtype dt)
{
	repl_push_tensor(L, ag_to_dtype(repl_check_tensor(L, 1, "Tensor.to"),
					dt));
	return 1;
}

static int m_float(lua_State *L) { return to_dtype(L, AG_FLOAT32); }
static int m_double(lua_State *L) { return to_dtype(L, AG_FLOAT64); }
static int m_half(lua_State *L) { return to_dtype(L, AG_FLOAT16); }
static int m_bfloat16(lua_State *L) { return to_dtype(L, AG_BFLOAT16); }
static int m_long(lua_State *L) { return to_dtype(L, AG_INT64); }
static int m_int(lua_State *L) { return to_dtype(L, AG_INT32); }
static int m_short(lua_State *L) { return to_dtype(L, AG_INT16); }
static int m_char(lua_State *L) { return to_dtype(L, AG_INT8); }
static int m_byte(lua_State *L) { return to_dtype(L, AG_UINT8); }
static int m_bool(lua_State *L) { return to_dtype(L, AG_BOOL); }

/* x:to(dtype), x:to(other), x:to({dtype=...}); "cpu" is accepted as the
 * only device so PyTorch code ports unchanged. */
static int m_to(lua_State *L)
{
	static const char fname[] = "Tensor.to";
	static const char *const keys[] = {"dtype", "device", "copy", NULL};
	ag_tensor *t = repl_check_tensor(L, 1, fname);
	int kw = repl_kwargs(L, 2), top = kw ? kw - 1 : lua_gettop(L);
	ag_dtype dt = t->dtype;
	bool copy;
	int i;
	ag_tensor *o;

	repl_check_keys(L, kw, fname, keys);
	for (i = 2; i <= top; i++) {
		if ((o = repl_to_tensor(L, i)))
			dt = o->dtype;
		else if (lua_type(L, i) == LUA_TSTRING &&
			 strcmp(lua_tostring(L, i), "cpu") == 0)
			continue;
		else if (repl_to_dtype(L, i, &dt) != 0)
			repl_arg_error(L, fname, i, "a dtype, a Tensor or \"cpu\"");
	}
	repl_kw_dtype(L, kw, "dtype", &dt, fname);
	copy = repl_kw_bool(L, kw, "copy", false, fname);
	if (copy && dt == t->dtype)
		repl_push_tensor(L, ag_clone(t));
	else
		repl_push_tensor(L, ag_to_dtype(t, dt));
	return 1;
}

/* x:type() -> "torch.FloatTensor"; x:type(dtype or that name) converts. */
static int m_type(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.type");
	ag_dtype dt;

	if (lua_isnoneornil(L, 2)) {
		lua_pushfstring(L, "torch.%s", ag_dtype_legacy_name(t->dtype));
		return 1;
	}
	if (lua_type(L, 2) == LUA_TSTRING) {
		const char *s = lua_tostring(L, 2);
		int d;

		if (strncmp(s, "torch.", 6) == 0)
			s += 6;
		for (d = 0; d < AG_NDTYPES; d++)
			if (strcmp(s, ag_dtype_legacy_name(d)) == 0)
				return to_dtype(L, d);
		if (repl_to_dtype(L, 2, &dt) == 0)	/* "torch.float64" too */
			return to_dtype(L, dt);
		return luaL_error(L, "invalid type: '%s'", lua_tostring(L, 2));
	}
	if (repl_to_dtype(L, 2, &dt) != 0)
		repl_arg_error(L, "Tensor.type", 2, "a dtype or a type name");
	return to_dtype(L, dt);
}

/* ------------------------------------------------------------------ writes */

static int m_copy_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.copy_");
	ag_tensor *src = repl_check_tensor(L, 2, "Tensor.copy_");

	if (ag_copy_(t, src) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* A fill value: a number, a boolean or a 0-d tensor. */
static double fill_value(lua_State *L, int idx, const char *fname)
{
	ag_tensor *v;

	if (lua_type(L, idx) == LUA_TNUMBER)
		return lua_tonumber(L, idx);
	if (lua_isboolean(L, idx))
		return lua_toboolean(L, idx);
	if ((v = repl_to_tensor(L, idx))) {
		if (v->ndim != 0)
			luaL_error(L, "fill_ only supports 0-dimension value "
				   "tensor but got tensor with %d dimensions.",
				   v->ndim);
		return ag_load(ag_data_ptr(v), v->dtype);
	}
	repl_arg_error(L, fname, idx, "a number");
	return 0;
}

static int m_fill_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.fill_");
	double v = fill_value(L, 2, "Tensor.fill_");

	if (ag_fill_(t, v) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int m_zero_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor.zero_");

	if (ag_zero_(t) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* ------------------------------------------------------------ registration */

/* As methods and as torch.NAME. */
static const luaL_Reg both[] = {
	{"size", m_size}, {"stride", m_stride}, {"dim", m_dim},
	{"numel", m_numel}, {"is_floating_point", m_is_floating_point},
	{"clone", m_clone}, {"detach", m_detach}, {"detach_", m_detach_},
	{"reshape", m_reshape}, {"transpose", m_transpose}, {"t", m_t},
	{"permute", m_permute}, {"narrow", m_narrow}, {"select", m_select},
	{"unsqueeze", m_unsqueeze}, {"squeeze", m_squeeze},
	{"flatten", m_flatten}, {"as_strided", m_as_strided},
	{NULL, NULL}
};

/* Methods only (torch.float etc. are dtypes). */
static const luaL_Reg methods_only[] = {
	{"storage_offset", m_storage_offset}, {"is_contiguous", m_is_contiguous},
	{"element_size", m_element_size},
	{"item", m_item}, {"tolist", m_tolist},
	{"requires_grad_", m_requires_grad_}, {"retain_grad", m_retain_grad},
	{"is_inference", m_is_inference},
	{"contiguous", m_contiguous}, {"view", m_view}, {"view_as", m_view_as},
	{"reshape_as", m_reshape_as}, {"expand", m_expand},
	{"expand_as", m_expand_as},
	{"float", m_float}, {"double", m_double}, {"half", m_half},
	{"bfloat16", m_bfloat16}, {"long", m_long}, {"int", m_int},
	{"short", m_short}, {"char", m_char}, {"byte", m_byte}, {"bool", m_bool},
	{"to", m_to}, {"type", m_type},
	{"copy_", m_copy_}, {"fill_", m_fill_}, {"zero_", m_zero_},
	{NULL, NULL}
};

void repl_register_tensor_funcs(lua_State *L, bool methods)
{
	luaL_setfuncs(L, both, 0);
	if (methods)
		luaL_setfuncs(L, methods_only, 0);
}

void repl_open_tensor(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{"__index", repl_tensor_index},
		{"__newindex", repl_tensor_newindex},
		{"__gc", t_gc}, {"__close", t_close},
		{"__tostring", t_tostring}, {"__len", t_len},
		{NULL, NULL}
	};
	const struct field *f;
	int i = 1;

	if (!luaL_newmetatable(L, REPL_TENSOR_MT)) {
		tensor_mt = lua_topointer(L, -1);	/* its sentinel exists */
		lua_pop(L, 1);	/* already opened in this state */
		return;
	}
	remember_tensor_mt(L);
	repl_open_keep(L);
	luaL_setfuncs(L, meta, 0);
	repl_register_arith(L);

	lua_newtable(L);
	repl_register_tensor_funcs(L, true);
	repl_register_ops(L, true);
	repl_register_random_methods(L);
	repl_register_nn_ops(L);
	repl_register_autograd_methods(L);
	repl_autocast_wrap(L, -1);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &methods_key);
	lua_setfield(L, -2, "__methods");

	lua_newtable(L);
	for (f = fields; f->name; f++) {
		lua_pushstring(L, f->name);
		lua_rawseti(L, -2, i++);
	}
	lua_setfield(L, -2, "__fields");
	lua_pop(L, 1);
}
