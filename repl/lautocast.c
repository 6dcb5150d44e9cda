/*
 * lautocast.c - autocast where a user's call enters an op.
 *
 * Every function of the torch table, the tensor methods and
 * torch.nn.functional whose name is on one of PyTorch 1.13's CPU autocast
 * lists (core/autocast.h) is wrapped once, when its table is made, in
 * call_cast: with autocast active it casts the call's floating tensors
 * (also those in a list or an options table) as the op's policy says and
 * runs the op with autocast suspended, so the ops it is made of, and its
 * backward, are not cast again.  With autocast off the wrapper only calls
 * through.  torch.autocast itself is Lua (repl/lua/torch/amp/autocast.lua)
 * over the state functions registered here, which take PyTorch's names.
 */
#include "ltorch.h"
#include "autocast.h"

#define MAX_CAST 64

/* Appends the tensors of argument idx (or of its plain table) to ts. */
static int collect(lua_State *L, int idx, ag_tensor **ts, int n)
{
	ag_tensor *t = repl_test_tensor(L, idx);
	if (t) {
		if (n < MAX_CAST)
			ts[n++] = t;
		return n;
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		return n;
	if (lua_getmetatable(L, idx)) {	/* an object, not a list */
		lua_pop(L, 1);
		return n;
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		t = repl_test_tensor(L, -1);
		if (t && n < MAX_CAST)
			ts[n++] = t;
		lua_pop(L, 1);
	}
	return n;
}

/* Replaces the tensor at idx with its cast. */
static void cast_at(lua_State *L, int idx, ag_dtype to, const char *name)
{
	ag_tensor *t = repl_test_tensor(L, idx);
	ag_tensor *c = ag_autocast_cast(t, to, name);
	if (!c)
		repl_core_error(L);
	if (c == t) {
		ag_tensor_release(c);
		return;
	}
	idx = lua_absindex(L, idx);
	repl_push_tensor(L, c);
	lua_replace(L, idx);
}

/* Argument idx with its tensors cast: a tensor, or a plain table copied
 * with its tensors cast. */
static void cast_arg(lua_State *L, int idx, ag_dtype to, const char *name)
{
	if (repl_test_tensor(L, idx)) {
		cast_at(L, idx, to, name);
		return;
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		return;
	if (lua_getmetatable(L, idx)) {
		lua_pop(L, 1);
		return;
	}
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (repl_test_tensor(L, -1))
			cast_at(L, -1, to, name);
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_settable(L, -4);
	}
	lua_replace(L, idx);
}

/* The wrapper: upvalues are the op's function, its policy and its name. */
static int call_cast(lua_State *L)
{
	int n = lua_gettop(L), i;
	ag_tensor *ts[MAX_CAST];
	int nt = 0;
	ag_dtype to;

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	if (!ag_autocast_active()) {
		lua_call(L, n, LUA_MULTRET);
		return lua_gettop(L);
	}
	ag_autocast_policy p = (ag_autocast_policy)lua_tointeger(L, lua_upvalueindex(2));
	const char *name = lua_tostring(L, lua_upvalueindex(3));
	for (i = 2; i <= n + 1; i++)
		nt = collect(L, i, ts, nt);
	int r = ag_autocast_target(p, ts, nt, &to);
	if (r < 0)
		return repl_core_error(L);
	if (r == 0)
		for (i = 2; i <= n + 1; i++)
			cast_arg(L, i, to, name);
	ag_autocast_suspend();
	int status = lua_pcall(L, n, LUA_MULTRET, 0);
	ag_autocast_resume();
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

/* Wraps, in the table at idx, every function whose name has a policy. */
void repl_autocast_wrap(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		ag_autocast_policy p;
		if (lua_type(L, -2) == LUA_TSTRING && lua_isfunction(L, -1) &&
		    (p = ag_autocast_policy_of(lua_tostring(L, -2))) !=
		    AG_AUTOCAST_NONE) {
			/* not wrapped twice */
			if (lua_tocfunction(L, -1) == call_cast) {
				lua_pop(L, 1);
				continue;
			}
			lua_pushvalue(L, -1);
			lua_pushinteger(L, p);
			lua_pushvalue(L, -4);
			lua_pushcclosure(L, call_cast, 3);
			lua_pushvalue(L, -3);
			lua_insert(L, -2);
			lua_rawset(L, idx);	/* an existing key: next goes on */
		}
		lua_pop(L, 1);
	}
}

/* torch._C.autocast_wrap(t): the same for a Lua table (nn.functional). */
static int l_autocast_wrap(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	repl_autocast_wrap(L, 1);
	lua_settop(L, 1);
	return 1;
}

/* torch._C.autocast_policy(name): "lower", "fp32", "promote" or nil. */
static int l_autocast_policy(lua_State *L)
{
	static const char *const names[] = {NULL, "lower", "fp32", "promote"};
	ag_autocast_policy p = ag_autocast_policy_of(luaL_checkstring(L, 1));
	if (p == AG_AUTOCAST_NONE)
		lua_pushnil(L);
	else
		lua_pushstring(L, names[p]);
	return 1;
}

/* torch._C.autocast_op_names(): {name = policy or false} for every op of
 * ops.def (its column: one place for an op's policy). */
static int l_autocast_op_names(lua_State *L)
{
	static const char *const names[] = {NULL, "lower", "fp32", "promote"};
	lua_newtable(L);
	for (int op = 0; op < AG_OP_COUNT; op++) {
		const ag_opinfo *info = ag_op_info(op);
		lua_getfield(L, -1, info->name);
		bool seen = lua_toboolean(L, -1);
		lua_pop(L, 1);
		if (seen && info->autocast == AG_AUTOCAST_NONE)
			continue;	/* "max" twice: the listed line wins */
		if (info->autocast == AG_AUTOCAST_NONE)
			lua_pushboolean(L, 0);
		else
			lua_pushstring(L, names[info->autocast]);
		lua_setfield(L, -2, info->name);
	}
	return 1;
}

/* torch._C.autocast_composites(): {name = policy} of the composed list. */
static int l_autocast_composites(lua_State *L)
{
	static const char *const names[] = {NULL, "lower", "fp32", "promote"};
	ag_autocast_policy p;
	const char *s;
	lua_newtable(L);
	for (int i = 0; (s = ag_autocast_composite_name(i, &p)); i++) {
		lua_pushstring(L, names[p]);
		lua_setfield(L, -2, s);
	}
	return 1;
}

static bool check_bool(lua_State *L, const char *fname)
{
	if (!lua_isboolean(L, 1))
		repl_arg_error(L, fname, 1, "a boolean");
	return lua_toboolean(L, 1);
}

static int l_set_enabled(lua_State *L)
{
	ag_autocast_set_enabled(check_bool(L, "torch.set_autocast_cpu_enabled"));
	return 0;
}

static int l_is_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_autocast_enabled());
	return 1;
}

static int l_get_dtype(lua_State *L)
{
	repl_push_dtype(L, ag_autocast_dtype());
	return 1;
}

static int l_set_dtype(lua_State *L)
{
	ag_dtype dt;
	if (repl_to_dtype(L, 1, &dt) < 0)
		return repl_arg_error(L, "torch.set_autocast_cpu_dtype", 1,
				      "a dtype");
	if (ag_autocast_set_dtype(dt) < 0)
		return repl_core_error(L);
	return 0;
}

static int l_set_cache(lua_State *L)
{
	ag_autocast_set_cache_enabled(check_bool(L, "torch.set_autocast_cache_enabled"));
	return 0;
}

static int l_is_cache(lua_State *L)
{
	lua_pushboolean(L, ag_autocast_cache_enabled());
	return 1;
}

static int l_inc(lua_State *L)
{
	lua_pushinteger(L, ag_autocast_increment_nesting());
	return 1;
}

static int l_dec(lua_State *L)
{
	lua_pushinteger(L, ag_autocast_decrement_nesting());
	return 1;
}

static int l_clear(lua_State *L)
{
	(void)L;
	ag_autocast_clear_cache();
	return 0;
}

/* When the Lua state closes: autocast off, its casts dropped (before the
 * leak check, which was set up first and so is finalised last). */
static int autocast_state_gc(lua_State *L)
{
	(void)L;
	while (ag_autocast_decrement_nesting() > 0)
		;
	ag_autocast_clear_cache();
	ag_autocast_set_enabled(false);
	return 0;
}

void repl_register_autocast(lua_State *L)
{
	static const char key = 'a';
	static const luaL_Reg funcs[] = {
		{"set_autocast_cpu_enabled", l_set_enabled},
		{"is_autocast_cpu_enabled", l_is_enabled},
		{"get_autocast_cpu_dtype", l_get_dtype},
		{"set_autocast_cpu_dtype", l_set_dtype},
		{"set_autocast_cache_enabled", l_set_cache},
		{"is_autocast_cache_enabled", l_is_cache},
		{"autocast_increment_nesting", l_inc},
		{"autocast_decrement_nesting", l_dec},
		{"clear_autocast_cache", l_clear},
		{NULL, NULL}
	};
	luaL_setfuncs(L, funcs, 0);
	lua_newuserdatauv(L, 1, 0);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, autocast_state_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key);
}

void repl_register_autocast_c(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"autocast_wrap", l_autocast_wrap},
		{"autocast_policy", l_autocast_policy},
		{"autocast_composites", l_autocast_composites},
		{"autocast_op_names", l_autocast_op_names},
		{NULL, NULL}
	};
	luaL_setfuncs(L, funcs, 0);
}
