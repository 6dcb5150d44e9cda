## Lua tests, run by the built agdb (tests/local.mk sets the TAP driver and
## exports top_srcdir, so each test loads tests/lua/tap.lua from there).
LUA_TESTS = \
	tests/lua/test_factory.lua tests/lua/test_fields.lua \
	tests/lua/test_methods.lua tests/lua/test_ops.lua \
	tests/lua/test_index.lua tests/lua/test_print.lua \
	tests/lua/test_errors.lua tests/lua/test_gc.lua \
	tests/lua/test_robust.lua tests/lua/test_fuzz_corpus.lua \
	tests/lua/test_hostile.lua
TESTS += $(LUA_TESTS) tests/lua/test_require.sh
EXTRA_DIST += $(LUA_TESTS) tests/lua/tap.lua tests/lua/test_require.sh
