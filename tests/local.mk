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
