/*
 * fuzz_lua.c - libFuzzer targets whose logic is a Lua driver run against
 * the torch binding: FUZZ_DRIVER names it (tests/fuzz/index.lua for
 * fuzz_index, ops.lua for fuzz_ops, safetensors.lua for fuzz_safetensors,
 * idx.lua for fuzz_idx).  The Lua half of the library (torch.load, ...)
 * is found in the source tree's repl/lua.  Each input gets a fresh
 * Lua state; the driver raises "FUZZ-FAIL ..." when a property breaks and
 * may raise nothing else, so any error escaping it is a finding (abort),
 * as are a sanitizer report and a tensor alive after the state closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "ag.h"
#include "autograd.h"
#include "ltorch.h"

static char driver[4096], lua_path[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("AGDB_FUZZ_DIR");

	(void)argc;
	(void)argv;
	if (!dir)
		dir = AGDB_SRCDIR "/tests/fuzz";
	snprintf(driver, sizeof driver, "%s/%s", dir, FUZZ_DRIVER);
	snprintf(lua_path, sizeof lua_path, "%s/../../repl/lua/?.lua;"
		 "%s/../../repl/lua/?/init.lua", dir, dir);
	/* the leak check of ltorch.c cuts autograd cycles at lua_close */
	setenv("AGDB_CHECK_LEAKS", "1", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lua_State *L = luaL_newstate();

	if (!L)
		abort();
	if (!driver[0])
		LLVMFuzzerInitialize(NULL, NULL);
	ag_set_grad_enabled(true);	/* global modes start fresh */
	ag_set_anomaly_enabled(false);
	luaL_openlibs(L);
	lua_getglobal(L, "package");
	lua_pushstring(L, lua_path);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	luaL_requiref(L, "torch", luaopen_torch, 1);
	lua_pop(L, 1);
	if (luaL_loadfile(L, driver) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
		fprintf(stderr, "fuzz: cannot load %s: %s\n", driver,
			lua_tostring(L, -1));
		abort();
	}
	lua_pushlstring(L, (const char *)data, size);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		fprintf(stderr, "fuzz: %s\n", msg ? msg : "(an error that is not a string)");
		abort();
	}
	lua_close(L);
	if (ag_registry_count() != 0) {
		fprintf(stderr, "fuzz: %zu tensor(s) alive after lua_close\n",
			ag_registry_count());
		abort();
	}
	return 0;
}
