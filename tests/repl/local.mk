## Tests of the torch binding built as a C program (the leak check acts at
## process exit, so it is driven from C in child processes).
REPL_TESTS = tests/repl/test_leak_check
check_PROGRAMS += $(REPL_TESTS)
TESTS += $(REPL_TESTS)
tests_repl_test_leak_check_SOURCES = tests/repl/test_leak_check.c $(LTORCH_SOURCES)
tests_repl_test_leak_check_CPPFLAGS = $(AM_CPPFLAGS) $(LUA_CFLAGS) $(ZLIB_CFLAGS) $(JANSSON_CFLAGS)
tests_repl_test_leak_check_LDADD = libagcore.la $(LUA_LIBS) $(ZLIB_LIBS) $(JANSSON_LIBS) -lm
