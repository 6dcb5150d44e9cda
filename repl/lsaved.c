/*
 * lsaved.c - torch.autograd.graph: saved-tensor hooks written in Lua
 * (saved_tensors_hooks(pack, unpack), save_on_cpu()), as a <close> guard
 * or around a function.
 *
 * While a guard is open, every tensor a node saves goes through pack (a
 * Lua call on the thread running now); whatever pack returns is kept in
 * the registry until the saved slot goes, and unpack turns it back into a
 * tensor when backward (or node._saved_x) needs it.  Guards nest: closing
 * one puts back the hooks it replaced.  The hook pair lives as long as the
 * guard or any value packed with it, whichever is last.
 *
 * disable_saved_tensors_hooks(message) forbids them while it is open: a
 * guard opened then raises the message, as does disabling while hooks are
 * set.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdlib.h>
#include <string.h>

#define SAVED_GUARD_MT "torch.autograd.graph.saved_tensors_hooks"

typedef struct lua_saved_hooks {
	ag_saved_hooks h;		/* what core calls (h.ud is this) */
	lua_State *main;
	int pack_ref, unpack_ref;	/* LUA_NOREF: save_on_cpu's identity */
	int refs;			/* the guard's, and one per packed value */
} lua_saved_hooks;

typedef struct packed_value { int ref; } packed_value;

/* Set when the Lua state closes: later releases only free C memory. */
static bool state_closed;

/* disable_saved_tensors_hooks: the message, or NULL when allowed. */
static char *disabled_message;

static void hooks_unref(lua_saved_hooks *s)
{
	if (--s->refs > 0)
		return;
	if (!state_closed) {
		luaL_unref(s->main, LUA_REGISTRYINDEX, s->pack_ref);
		luaL_unref(s->main, LUA_REGISTRYINDEX, s->unpack_ref);
	}
	free(s);
}

struct pack_call { lua_saved_hooks *s; ag_tensor *t; int ref; };

static int pack_body(lua_State *L)
{
	struct pack_call *c = lua_touserdata(L, 1);
	ag_tensor_retain(c->t);
	if (c->s->pack_ref == LUA_NOREF) {
		repl_push_tensor(L, c->t);
	} else {
		lua_rawgeti(L, LUA_REGISTRYINDEX, c->s->pack_ref);
		repl_push_tensor(L, c->t);
		lua_call(L, 1, 1);
	}
	c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

static int pack_tramp(void *ud, ag_tensor *t, void **packed)
{
	lua_saved_hooks *s = ud;
	packed_value *p = malloc(sizeof *p);
	if (!p)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	struct pack_call c = { s, t, LUA_NOREF };
	if (repl_call_protected(repl_running_thread(s->main), pack_body, &c) < 0) {
		free(p);
		return -1;
	}
	p->ref = c.ref;
	s->refs++;
	*packed = p;
	return 0;
}

struct unpack_call { lua_saved_hooks *s; packed_value *p; ag_tensor *out; };

static int unpack_body(lua_State *L)
{
	struct unpack_call *c = lua_touserdata(L, 1);
	if (c->s->unpack_ref == LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, c->p->ref);
	} else {
		lua_rawgeti(L, LUA_REGISTRYINDEX, c->s->unpack_ref);
		lua_rawgeti(L, LUA_REGISTRYINDEX, c->p->ref);
		lua_call(L, 1, 1);
	}
	ag_tensor *t = repl_to_tensor(L, -1);
	if (!t)
		return luaL_error(L, "Output of saved tensor unpack_hook expected to be "
				  "a Tensor but got result of type %s",
				  luaL_typename(L, -1));
	ag_tensor_retain(t);
	c->out = t;
	return 0;
}

static ag_tensor *unpack_tramp(void *ud, void *packed)
{
	lua_saved_hooks *s = ud;
	struct unpack_call c = { s, packed, NULL };
	if (state_closed) {
		ag_error(AG_ERR_RUNTIME, "saved tensor hooks: the Lua state is closed");
		return NULL;
	}
	if (repl_call_protected(repl_running_thread(s->main), unpack_body, &c) < 0)
		return NULL;
	return c.out;
}

static void release_tramp(void *ud, void *packed)
{
	lua_saved_hooks *s = ud;
	packed_value *p = packed;
	if (!state_closed)
		luaL_unref(s->main, LUA_REGISTRYINDEX, p->ref);
	free(p);
	hooks_unref(s);
}

/* ------------------------------------------------------------- guards */

typedef struct saved_guard {
	lua_saved_hooks *hooks;		/* NULL once closed */
	const ag_saved_hooks *prev;
} saved_guard;

static void guard_close(saved_guard *g)
{
	if (!g->hooks)
		return;
	ag_set_saved_tensors_hooks(g->prev);
	hooks_unref(g->hooks);
	g->hooks = NULL;
}

static int l_guard_close(lua_State *L)
{
	guard_close(luaL_checkudata(L, 1, SAVED_GUARD_MT));
	return 0;
}

/* Opens a guard with these hooks (refs to pack and unpack, or LUA_NOREF
 * for the identity) and pushes it. */
static saved_guard *open_guard(lua_State *L, int pack_ref, int unpack_ref)
{
	saved_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
	g->hooks = NULL;
	luaL_setmetatable(L, SAVED_GUARD_MT);
	lua_saved_hooks *s = calloc(1, sizeof *s);
	if (!s) {
		luaL_unref(L, LUA_REGISTRYINDEX, pack_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, unpack_ref);
		luaL_error(L, "out of memory");
	}
	s->h = (ag_saved_hooks){ pack_tramp, unpack_tramp, release_tramp, s };
	s->main = repl_main_thread(L);
	s->pack_ref = pack_ref;
	s->unpack_ref = unpack_ref;
	s->refs = 1;
	g->prev = ag_get_saved_tensors_hooks();
	g->hooks = s;
	ag_set_saved_tensors_hooks(&s->h);
	return g;
}

/* The guard at `guard`, or with a function at `fn`: fn(...) run with the
 * hooks set, the guard closed when it returns or raises. */
static int guard_or_call(lua_State *L, int fn)
{
	int guard = lua_gettop(L);
	if (!lua_isfunction(L, fn))
		return 1;
	saved_guard *g = lua_touserdata(L, guard);
	lua_pushvalue(L, fn);
	for (int i = fn + 1; i < guard; i++)
		lua_pushvalue(L, i);
	int status = lua_pcall(L, guard - fn - 1, LUA_MULTRET, 0);
	guard_close(g);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L) - guard;
}

static void check_enabled(lua_State *L)
{
	if (disabled_message)
		luaL_error(L, "%s", disabled_message);
}

/* saved_tensors_hooks(pack, unpack, [fn, ...]) */
static int l_saved_tensors_hooks(lua_State *L)
{
	static const char fname[] = "torch.autograd.graph.saved_tensors_hooks";
	if (!lua_isfunction(L, 1))
		return repl_arg_error(L, fname, 1, "a function (pack_hook)");
	if (!lua_isfunction(L, 2))
		return repl_arg_error(L, fname, 2, "a function (unpack_hook)");
	if (!lua_isnoneornil(L, 3) && !lua_isfunction(L, 3))
		return repl_arg_error(L, fname, 3, "a function or nothing");
	check_enabled(L);
	lua_pushvalue(L, 1);
	int pack_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, 2);
	int unpack_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	open_guard(L, pack_ref, unpack_ref);
	return guard_or_call(L, 3);
}

/* save_on_cpu([{pin_memory=false}], [fn, ...]): every tensor here lives
 * on the CPU already, so the saved tensor is kept as it is, through the
 * hooks (no version check, as with PyTorch's copy). */
static int l_save_on_cpu(lua_State *L)
{
	static const char fname[] = "torch.autograd.graph.save_on_cpu";
	int fn = 1;
	if (lua_istable(L, 1) && !repl_to_tensor(L, 1)) {
		static const char *const keys[] = { "pin_memory", NULL };
		repl_check_keys(L, 1, fname, keys);
		fn = 2;
	} else if (!lua_isnoneornil(L, 1) && !lua_isfunction(L, 1)) {
		return repl_arg_error(L, fname, 1, "a table of options, a function or nothing");
	}
	check_enabled(L);
	open_guard(L, LUA_NOREF, LUA_NOREF);
	return guard_or_call(L, fn);
}

/* ------------------------------------------- disable_saved_tensors_hooks */

#define DISABLE_GUARD_MT "torch.autograd.graph.disable_saved_tensors_hooks"

typedef struct disable_guard {
	bool open;
	char *prev;		/* the message it replaced (owned), or NULL */
} disable_guard;

static void disable_close(disable_guard *g)
{
	if (!g->open)
		return;
	free(disabled_message);
	disabled_message = g->prev;
	g->prev = NULL;
	g->open = false;
}

static int l_disable_close(lua_State *L)
{
	disable_close(luaL_checkudata(L, 1, DISABLE_GUARD_MT));
	return 0;
}

/* disable_saved_tensors_hooks(error_message, [fn, ...]) */
static int l_disable_saved_tensors_hooks(lua_State *L)
{
	static const char fname[] = "torch.autograd.graph.disable_saved_tensors_hooks";
	const char *msg = lua_tostring(L, 1);
	if (lua_type(L, 1) != LUA_TSTRING)
		return repl_arg_error(L, fname, 1, "a string (the error message)");
	if (!lua_isnoneornil(L, 2) && !lua_isfunction(L, 2))
		return repl_arg_error(L, fname, 2, "a function or nothing");
	if (ag_get_saved_tensors_hooks())
		return luaL_error(L, "%s", msg);
	char *copy = strdup(msg);
	if (!copy)
		return luaL_error(L, "out of memory");
	disable_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
	g->open = true;
	g->prev = disabled_message;
	disabled_message = copy;
	luaL_setmetatable(L, DISABLE_GUARD_MT);
	if (!lua_isfunction(L, 2))
		return 1;
	int guard = lua_gettop(L);
	lua_pushvalue(L, 2);
	for (int i = 3; i < guard; i++)
		lua_pushvalue(L, i);
	int status = lua_pcall(L, guard - 3, LUA_MULTRET, 0);
	disable_close(g);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L) - guard;
}

static int l_state_gc(lua_State *L)
{
	(void)L;
	state_closed = true;
	ag_set_saved_tensors_hooks(NULL);
	free(disabled_message);
	disabled_message = NULL;
	return 0;
}

static const char sentinel_key = 's';

/* torch.autograd.graph (a table at the top of the stack gets the
 * functions) and the guard metatable. */
void repl_open_saved_hooks(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"saved_tensors_hooks", l_saved_tensors_hooks},
		{"save_on_cpu", l_save_on_cpu},
		{"disable_saved_tensors_hooks", l_disable_saved_tensors_hooks},
		{NULL, NULL}
	};
	static const luaL_Reg disable_meta[] = {
		{"__close", l_disable_close}, {NULL, NULL}
	};
	static const luaL_Reg guard_meta[] = {
		{"__close", l_guard_close}, {NULL, NULL}
	};
	luaL_setfuncs(L, funcs, 0);
	if (luaL_newmetatable(L, SAVED_GUARD_MT))
		luaL_setfuncs(L, guard_meta, 0);
	lua_pop(L, 1);
	if (luaL_newmetatable(L, DISABLE_GUARD_MT))
		luaL_setfuncs(L, disable_meta, 0);
	lua_pop(L, 1);
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key) == LUA_TNIL) {
		state_closed = false;
		lua_newuserdatauv(L, 1, 0);
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, l_state_gc);
		lua_setfield(L, -2, "__gc");
		lua_setmetatable(L, -2);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
	}
	lua_pop(L, 1);
}
