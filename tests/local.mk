## tests: TAP everywhere.  C tests are programs; .lua tests run in the built
## agdb; .sh tests (terminal tests in tmux) run under sh.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .lua .sh
LUA_LOG_DRIVER = $(LOG_DRIVER)
LUA_LOG_COMPILER = $(top_builddir)/agdb
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	AGDB='$(abs_top_builddir)/agdb'; export AGDB; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	TMUX_BIN='$(TMUX)'; export TMUX_BIN; \
	DOT_BIN='$(DOT)'; export DOT_BIN; \
	LUA_BIN='$(LUA)'; export LUA_BIN; \
	AGDB_HISTORY=/dev/null; export AGDB_HISTORY; \
	AGDB_CHECK_LEAKS=1; export AGDB_CHECK_LEAKS; \
	NO_COLOR=1; export NO_COLOR; \
	ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:quarantine_size_mb=32; export ASAN_OPTIONS;

if SANITIZERS
AM_TESTS_ENVIRONMENT += AGDB_SANITIZERS=1; export AGDB_SANITIZERS;
endif

EXTRA_DIST += tests/tap.h

## make check-valgrind: the Lua suite under valgrind's memcheck, which must
## report no error and no definitely lost block (--error-exitcode fails the
## test).  One thread each for OpenMP and OpenBLAS: their pools add only
## noise.  The resident-set tests are left out: they measure the allocator
## that valgrind replaces, and take an hour under it.
VALGRIND_LUA_TESTS = $(filter-out tests/lua/test_gc.lua \
	tests/lua/test_ag_memory.lua, $(LUA_TESTS) $(AG_LUA_TESTS))
VALGRIND_FLAGS = --tool=memcheck --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--suppressions=$(abs_top_srcdir)/tests/valgrind.supp -q
check-valgrind:
	@if test -z "$(VALGRIND)"; then \
	  echo "check-valgrind: valgrind not found (apt-get install valgrind)"; \
	  exit 1; fi
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(VALGRIND_LUA_TESTS)" \
	  TEST_SUITE_LOG=test-suite-valgrind.log \
	  LUA_LOG_COMPILER="env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(VALGRIND) $(VALGRIND_FLAGS) $(abs_top_builddir)/agdb"
.PHONY: check-valgrind
EXTRA_DIST += tests/valgrind.supp

## make check-memory: memory under load (tests/lua/test_memory_load.lua):
## 5,000 training steps, 20 GB of tensors made and dropped, a 10,000-node
## graph freed.  It moves tens of gigabytes, so it is a CI stage of its own
## rather than part of make check.
MEMORY_LUA_TESTS = tests/lua/test_memory_load.lua
EXTRA_DIST += $(MEMORY_LUA_TESTS)
check-memory:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(MEMORY_LUA_TESTS)" \
	  TEST_SUITE_LOG=test-suite-memory.log
.PHONY: check-memory

## make check-c-lua: the C and Lua suites without the terminal tests (what
## CI runs in the sanitizer build, where tmux sessions would only be slow).
check-c-lua:
	$(MAKE) $(AM_MAKEFLAGS) check TEST_SUITE_LOG=test-suite-c-lua.log \
	  TESTS="$(CORE_TESTS) $(VIZ_TESTS) $(REPL_TESTS) tests/fuzz/replay_view $(LUA_TESTS) $(AG_LUA_TESTS) tests/lua/test_require.sh"
.PHONY: check-c-lua
