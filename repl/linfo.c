/*
 * linfo.c - torch.finfo(dtype) and torch.iinfo(dtype): the numeric limits
 * of a dtype, as plain tables (x.eps, x.max, ...) that print as PyTorch's
 * reprs do.  The numbers come from core (ag_dtype_finfo, ag_dtype_iinfo).
 */
#include "ltorch.h"

#include <stdio.h>
#include <string.h>

#define FINFO_MT "torch.finfo"
#define IINFO_MT "torch.iinfo"

/* The dtype argument: a dtype object or name; none means float32. */
static ag_dtype info_dtype(lua_State *L, const char *fname)
{
	ag_dtype dt = AG_DEFAULT_DTYPE;

	if (!lua_isnoneornil(L, 1) && repl_to_dtype(L, 1, &dt) != 0)
		repl_arg_error(L, fname, 1, "a dtype");
	return dt;
}

static void set_number(lua_State *L, const char *key, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, key);
}

static void set_integer(lua_State *L, const char *key, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, key);
}

static int l_finfo(lua_State *L)
{
	ag_dtype dt = info_dtype(L, "torch.finfo");
	ag_finfo f;

	if (ag_dtype_finfo(dt, &f) != 0)
		return luaL_error(L, "torch.finfo() requires a floating point input "
				  "type. Use torch.iinfo to handle 'torch.finfo'");
	lua_createtable(L, 0, 8);
	set_integer(L, "bits", f.bits);
	set_number(L, "eps", f.eps);
	set_number(L, "max", f.max);
	set_number(L, "min", f.min);
	set_number(L, "tiny", f.tiny);
	set_number(L, "smallest_normal", f.tiny);
	set_number(L, "resolution", f.resolution);
	lua_pushstring(L, ag_dtype_name(dt));
	lua_setfield(L, -2, "dtype");
	luaL_setmetatable(L, FINFO_MT);
	return 1;
}

static int l_iinfo(lua_State *L)
{
	ag_dtype dt = info_dtype(L, "torch.iinfo");
	int bits;
	int64_t lo, hi;

	if (dt == AG_BOOL)
		return luaL_error(L, "torch.bool is not supported by torch.iinfo");
	if (ag_dtype_iinfo(dt, &bits, &lo, &hi) != 0)
		return luaL_error(L, "torch.iinfo() requires an integer input type. "
				  "Use torch.finfo to handle 'torch.iinfo'");
	lua_createtable(L, 0, 4);
	set_integer(L, "bits", bits);
	set_integer(L, "max", hi);
	set_integer(L, "min", lo);
	lua_pushstring(L, ag_dtype_name(dt));
	lua_setfield(L, -2, "dtype");
	luaL_setmetatable(L, IINFO_MT);
	return 1;
}

static double field(lua_State *L, const char *key)
{
	double v;

	lua_getfield(L, 1, key);
	v = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return v;
}

/* Python prints these numbers with "%g" (six significant digits). */
static int finfo_tostring(lua_State *L)
{
	char buf[256];

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "dtype");
	snprintf(buf, sizeof buf, "finfo(resolution=%g, min=%g, max=%g, eps=%g, "
		 "smallest_normal=%g, tiny=%g, dtype=%s)", field(L, "resolution"),
		 field(L, "min"), field(L, "max"), field(L, "eps"),
		 field(L, "smallest_normal"), field(L, "tiny"),
		 lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
	lua_pushstring(L, buf);
	return 1;
}

static int iinfo_tostring(lua_State *L)
{
	char buf[128];

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "dtype");
	snprintf(buf, sizeof buf, "iinfo(min=%g, max=%g, dtype=%s)",
		 field(L, "min"), field(L, "max"),
		 lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
	lua_pushstring(L, buf);
	return 1;
}

void repl_register_dtype_info(lua_State *L)
{
	if (luaL_newmetatable(L, FINFO_MT)) {
		lua_pushcfunction(L, finfo_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, IINFO_MT)) {
		lua_pushcfunction(L, iinfo_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
	lua_pushcfunction(L, l_finfo);
	lua_setfield(L, -2, "finfo");
	lua_pushcfunction(L, l_iinfo);
	lua_setfield(L, -2, "iinfo");
}
