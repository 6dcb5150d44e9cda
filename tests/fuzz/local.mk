## Fuzzing.  Five targets: fuzz_view (core's view and stride arithmetic,
## C), fuzz_index (the Lua indexing-spec parser), fuzz_ops (chains of ops
## with a finite-difference check of backward), fuzz_safetensors
## (torch.load) and fuzz_idx (read_idx), the last four Lua drivers run by
## fuzz_lua.c.  Their corpora live in tests/fuzz/corpus/: every build
## replays them in make check (so a finding, once its input is added there,
## stays fixed); a --enable-fuzzing build (clang) also makes the libFuzzer
## binaries, and make fuzz-smoke runs each for FUZZ_SECONDS.  The seeds of
## the two file loaders come from tests/fuzz/seeds_files.lua.
FUZZ_DRIVERS = tests/fuzz/decode.lua tests/fuzz/index.lua tests/fuzz/ops.lua \
	tests/fuzz/safetensors.lua tests/fuzz/idx.lua
EXTRA_DIST += $(FUZZ_DRIVERS) tests/fuzz/corpus tests/fuzz/seeds_files.lua \
	tests/fuzz/safetensors.dict tests/fuzz/idx.dict

check_PROGRAMS += tests/fuzz/replay_view
TESTS += tests/fuzz/replay_view
tests_fuzz_replay_view_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_view.c
tests_fuzz_replay_view_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"view"'
tests_fuzz_replay_view_LDADD = libagcore.la -lm

FUZZ_SECONDS = 30
FUZZ_TARGETS = view index ops safetensors idx
FUZZ_LUA_CPPFLAGS = $(AM_CPPFLAGS) $(LUA_CFLAGS) $(ZLIB_CFLAGS) $(JANSSON_CFLAGS)
FUZZ_LUA_LDADD = libagcore.la $(LUA_LIBS) $(ZLIB_LIBS) $(JANSSON_LIBS) -lm
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_view tests/fuzz/fuzz_index tests/fuzz/fuzz_ops \
	tests/fuzz/fuzz_safetensors tests/fuzz/fuzz_idx
tests_fuzz_fuzz_view_SOURCES = tests/fuzz/fuzz_view.c
tests_fuzz_fuzz_view_LDADD = libagcore.la -lm
tests_fuzz_fuzz_view_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_index_SOURCES = tests/fuzz/fuzz_lua.c $(LTORCH_SOURCES)
tests_fuzz_fuzz_index_CPPFLAGS = $(FUZZ_LUA_CPPFLAGS) -DFUZZ_DRIVER='"index.lua"'
tests_fuzz_fuzz_index_LDADD = $(FUZZ_LUA_LDADD)
tests_fuzz_fuzz_index_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_ops_SOURCES = tests/fuzz/fuzz_lua.c $(LTORCH_SOURCES)
tests_fuzz_fuzz_ops_CPPFLAGS = $(FUZZ_LUA_CPPFLAGS) -DFUZZ_DRIVER='"ops.lua"'
tests_fuzz_fuzz_ops_LDADD = $(FUZZ_LUA_LDADD)
tests_fuzz_fuzz_ops_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_safetensors_SOURCES = tests/fuzz/fuzz_lua.c $(LTORCH_SOURCES)
tests_fuzz_fuzz_safetensors_CPPFLAGS = $(FUZZ_LUA_CPPFLAGS) -DFUZZ_DRIVER='"safetensors.lua"'
tests_fuzz_fuzz_safetensors_LDADD = $(FUZZ_LUA_LDADD)
tests_fuzz_fuzz_safetensors_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_idx_SOURCES = tests/fuzz/fuzz_lua.c $(LTORCH_SOURCES)
tests_fuzz_fuzz_idx_CPPFLAGS = $(FUZZ_LUA_CPPFLAGS) -DFUZZ_DRIVER='"idx.lua"'
tests_fuzz_fuzz_idx_LDADD = $(FUZZ_LUA_LDADD)
tests_fuzz_fuzz_idx_LDFLAGS = -fsanitize=fuzzer

## Each target for FUZZ_SECONDS from the committed corpus (and its
## dictionary, tests/fuzz/TARGET.dict, when there is one); new inputs go to
## fuzz-out/TARGET (the corpus is not touched), crashes to
## fuzz-out/TARGET-crash-*.  Prints the executions of each.
fuzz-smoke: $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf fuzz-out/$$t; $(MKDIR_P) fuzz-out/$$t; \
	  dict=; test -f $(abs_top_srcdir)/tests/fuzz/$$t.dict && \
	    dict=-dict=$(abs_top_srcdir)/tests/fuzz/$$t.dict; \
	  echo "fuzz-smoke: fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
	  AGDB_FUZZ_DIR=$(abs_top_srcdir)/tests/fuzz \
	  ./tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 \
	    -rss_limit_mb=2048 -malloc_limit_mb=65536 -print_final_stats=1 \
	    $$dict -artifact_prefix=fuzz-out/$$t- fuzz-out/$$t \
	    $(abs_top_srcdir)/tests/fuzz/corpus/$$t > fuzz-out/$$t.log 2>&1 || \
	    { tail -60 fuzz-out/$$t.log; echo "fuzz-smoke: fuzz_$$t FAILED"; exit 1; }; \
	  sed -n 's/^stat::number_of_executed_units: */  executions: /p; s/^stat::new_units_added: */  new inputs: /p' fuzz-out/$$t.log; \
	done
else
fuzz-smoke:
	@echo "fuzz-smoke: configure with CC=clang-14 --enable-fuzzing (AGDB_FUZZING=1 scripts/setup)"; exit 1
endif
.PHONY: fuzz-smoke
clean-local: clean-fuzz-out
clean-fuzz-out:
	rm -rf fuzz-out
.PHONY: clean-fuzz-out
