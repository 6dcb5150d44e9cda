/*
 * lmodes.c - grad modes (torch.no_grad, enable_grad, set_grad_enabled as
 * functions or <close> guards) and anomaly mode.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdlib.h>
#include <string.h>

/* A grad-mode guard: the mode to restore when closed (<close> or fn). */
typedef struct mode_box { bool prev; bool active; } mode_box;

static void push_mode_guard(lua_State *L, bool prev)
{
	mode_box *b = lua_newuserdatauv(L, sizeof *b, 0);
	b->prev = prev;
	b->active = true;
	luaL_setmetatable(L, REPL_GRADMODE_MT);
}

static int mode_close(lua_State *L)
{
	mode_box *b = luaL_checkudata(L, 1, REPL_GRADMODE_MT);
	if (b->active) {
		ag_set_grad_enabled(b->prev);
		b->active = false;
	}
	return 0;
}

/* Runs fn(...) with grad mode `on`, restoring the previous mode even when
 * fn raises, and returns fn's results. */
static int with_mode(lua_State *L, bool on)
{
	int nargs = lua_gettop(L) - 1;
	bool prev = ag_set_grad_enabled(on);
	int status = lua_pcall(L, nargs, LUA_MULTRET, 0);
	ag_set_grad_enabled(prev);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

static int mode_entry(lua_State *L, bool on)
{
	if (lua_isfunction(L, 1))
		return with_mode(L, on);
	if (!lua_isnoneornil(L, 1))
		return repl_arg_error(L, on ? "torch.enable_grad" : "torch.no_grad",
				      1, "a function or nothing");
	push_mode_guard(L, ag_set_grad_enabled(on));
	return 1;
}

static int l_no_grad(lua_State *L) { return mode_entry(L, false); }
static int l_enable_grad(lua_State *L) { return mode_entry(L, true); }

static int l_set_grad_enabled(lua_State *L)
{
	if (!lua_isboolean(L, 1))
		return repl_arg_error(L, "torch.set_grad_enabled", 1, "a boolean");
	bool on = lua_toboolean(L, 1);
	if (lua_isfunction(L, 2)) {
		lua_remove(L, 1);
		return with_mode(L, on);
	}
	push_mode_guard(L, ag_set_grad_enabled(on));
	return 1;
}

static int l_is_grad_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_is_grad_enabled());
	return 1;
}

/* ------------------------------------------------------------ anomaly */

/* Anomaly mode: each node keeps the Lua traceback of its creation. */
static char *lua_traceback_provider(void *ud)
{
	lua_State *L = ud;	/* the main thread */
	luaL_traceback(L, L, NULL, 1);
	const char *s = lua_tostring(L, -1);
	char *copy = s ? strdup(s) : NULL;
	lua_pop(L, 1);
	return copy;
}

static int l_set_detect_anomaly(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	ag_set_anomaly_enabled(lua_toboolean(L, 1));
	return 0;
}

static int l_is_anomaly_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_is_anomaly_enabled());
	return 1;
}

static int l_detect_anomaly(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	int nargs = lua_gettop(L) - 1;
	bool prev = ag_is_anomaly_enabled();
	ag_set_anomaly_enabled(true);
	int status = lua_pcall(L, nargs, LUA_MULTRET, 0);
	ag_set_anomaly_enabled(prev);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

const luaL_Reg repl_mode_funcs[] = {
	{"no_grad", l_no_grad}, {"enable_grad", l_enable_grad},
	{"set_grad_enabled", l_set_grad_enabled},
	{"is_grad_enabled", l_is_grad_enabled}, {NULL, NULL}
};

const luaL_Reg repl_anomaly_funcs[] = {
	{"set_detect_anomaly", l_set_detect_anomaly},
	{"detect_anomaly", l_detect_anomaly},
	{"is_anomaly_enabled", l_is_anomaly_enabled}, {NULL, NULL}
};

/* The guard metatable and core's traceback provider. */
void repl_open_modes(lua_State *L)
{
	static const luaL_Reg guard_meta[] = {
		{"__close", mode_close}, {"__gc", mode_close}, {NULL, NULL}
	};
	luaL_newmetatable(L, REPL_GRADMODE_MT);
	luaL_setfuncs(L, guard_meta, 0);
	lua_pop(L, 1);
	ag_set_traceback_provider(lua_traceback_provider, repl_main_thread(L));
}
