/*
 * llib.c - what the Lua-side library (repl/lua/torch/...) needs from C:
 * the `torch._C` table (module scopes for the trace log, a monotonic clock,
 * the terminal's width, in-place uniform_/normal_ fills for nn.init) and the
 * lazy loading of torch.nn, torch.optim, torch.amp, torch.utils,
 * torch.datasets, torch.save and torch.load from Lua files on first use.
 *
 * Loading lazily keeps `require "torch"` from a stock lua5.4 working when the
 * Lua files are not on package.path: only touching torch.nn needs them.
 */
#include "ltorch.h"
#include "autograd.h"

#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* torch._C.push_scope(name) / pop_scope(): the module path the trace log
 * records for the ops a module's forward runs. */
static int l_push_scope(lua_State *L)
{
	ag_trace_push_scope(luaL_checkstring(L, 1));
	return 0;
}

static int l_pop_scope(lua_State *L)
{
	(void)L;
	ag_trace_pop_scope();
	return 0;
}

/* Seconds on a monotonic clock (for rates and ETAs). */
static int l_clock(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
	return 1;
}

int (*repl_terminal_width_hook)(int fd);

/* torch._C.terminal_width(fd): the width of the terminal on fd (1 when
 * absent), or nil when fd is not a terminal.  Inside the viewer, stdout is
 * its capture pipe, and the width is its transcript's. */
static int l_terminal_width(lua_State *L)
{
	int fd = (int)luaL_optinteger(L, 1, STDOUT_FILENO);
	struct winsize ws;
	int hooked = repl_terminal_width_hook ? repl_terminal_width_hook(fd) : 0;

	if (hooked > 0) {
		lua_pushinteger(L, hooked);
		return 1;
	}
	if (!isatty(fd)) {
		lua_pushnil(L);
		return 1;
	}
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		lua_pushinteger(L, ws.ws_col);
	else
		lua_pushinteger(L, 80);
	return 1;
}

/* In-place random fills from the global generator, as PyTorch's
 * Tensor.uniform_/normal_ (what nn.init is built on). */
static int l_uniform_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "uniform_");
	double a = luaL_optnumber(L, 2, 0.0), b = luaL_optnumber(L, 3, 1.0);

	if (ag_uniform_(t, a, b) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

static int l_normal_(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "normal_");
	double mean = luaL_optnumber(L, 2, 0.0), std = luaL_optnumber(L, 3, 1.0);

	if (ag_normal_(t, mean, std) != 0)
		return repl_core_error(L);
	lua_settop(L, 1);
	return 1;
}

/* The torch fields that are Lua modules, loaded on first use. */
static const struct { const char *field, *module, *member; } lazy[] = {
	{"nn", "torch.nn", NULL}, {"optim", "torch.optim", NULL},
	{"amp", "torch.amp", NULL},
	{"autocast", "torch.amp.autocast", "autocast"},
	{"cpu", "torch.amp.autocast", "cpu"},
	{"utils", "torch.utils", NULL}, {"datasets", "torch.datasets", NULL},
	{"save", "torch.serialization", "save"},
	{"load", "torch.serialization", "load"},
};

static int torch_index(lua_State *L)
{
	const char *k = lua_tostring(L, 2);

	if (k == NULL || lua_type(L, 2) != LUA_TSTRING)
		return 0;
	for (size_t i = 0; i < sizeof lazy / sizeof lazy[0]; i++) {
		if (strcmp(k, lazy[i].field) != 0)
			continue;
		lua_getglobal(L, "require");
		lua_pushstring(L, lazy[i].module);
		lua_call(L, 1, 1);
		if (lazy[i].member)
			lua_getfield(L, -1, lazy[i].member);
		lua_pushvalue(L, 2);
		lua_pushvalue(L, -2);
		lua_rawset(L, 1);
		return 1;
	}
	return 0;
}

void repl_open_lib(lua_State *L)
{
	static const luaL_Reg c_funcs[] = {
		{"push_scope", l_push_scope}, {"pop_scope", l_pop_scope},
		{"clock", l_clock}, {"terminal_width", l_terminal_width},
		{"uniform_", l_uniform_}, {"normal_", l_normal_},
		{NULL, NULL}
	};

	luaL_newlib(L, c_funcs);
	repl_register_nn_internals(L);
	repl_register_files(L);
	repl_register_shape_c(L);
	repl_register_autocast_c(L);
	lua_setfield(L, -2, "_C");
	repl_register_serialization(L);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, torch_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
}
