## Lua tests of autograd, one file per area.
AG_LUA_TESTS = \
	tests/lua/test_ag_basics.lua tests/lua/test_ag_accumulate.lua \
	tests/lua/test_ag_higher.lua tests/lua/test_ag_modes.lua \
	tests/lua/test_ag_hooks.lua tests/lua/test_ag_inplace.lua \
	tests/lua/test_ag_anomaly.lua tests/lua/test_ag_function.lua \
	tests/lua/test_ag_gradcheck.lua tests/lua/test_ag_memory.lua \
	tests/lua/test_graph.lua tests/lua/test_graph_big.lua tests/lua/test_ag_trace.lua \
	tests/lua/test_fuzz_autograd.lua tests/lua/test_hypot.lua \
	tests/lua/test_ag_saved_msg.lua tests/lua/test_ag_pytorch_diffs.lua \
	tests/lua/test_ag_features.lua tests/lua/test_ag_findings.lua \
	tests/lua/test_ag_functional.lua tests/lua/test_ag_saved_hooks.lua \
	tests/lua/test_ag_forward_ops.lua tests/lua/test_ag_forward.lua
TESTS += $(AG_LUA_TESTS)

## Lua tests of the debugger (repl/ldebug*.c, repl/lua/agdb/).
DEBUG_LUA_TESTS = tests/lua/test_debug_why.lua
DEBUG_LUA_TESTS += tests/lua/test_debug_explain.lua
DEBUG_LUA_TESTS += tests/lua/test_debug_memory.lua
DEBUG_LUA_TESTS += tests/lua/test_debug_gradflow.lua
DEBUG_LUA_TESTS += tests/lua/test_debug_step.lua
DEBUG_LUA_TESTS += tests/lua/test_debug_check.lua
DEBUG_LUA_TESTS += tests/lua/test_readme_sessions.lua
TESTS += $(DEBUG_LUA_TESTS)
EXTRA_DIST += $(DEBUG_LUA_TESTS)

## The per-op path's bookkeeping: the trace log's texts, kept once and
## pointed to (core/trace.c); the collector's pacing of small tensors
## (repl/ltorch.c).
TESTS += tests/lua/test_trace_texts.lua tests/lua/test_gc_pace.lua
EXTRA_DIST += tests/lua/test_trace_texts.lua tests/lua/test_gc_pace.lua
## The backward engine around the graph size it runs without allocating
## (core/engine.c), and nested passes.
TESTS += tests/lua/test_engine_sizes.lua
EXTRA_DIST += tests/lua/test_engine_sizes.lua
EXTRA_DIST += $(AG_LUA_TESTS) tests/lua/fixtures/gen_ag_functional.py \
	tests/lua/fixtures/gen_ag_forward.py tests/lua/fixtures/ag_forward_ref.lua
EXTRA_DIST += \
	tests/lua/golden/attention.txt \
	tests/lua/golden/checkpoint.txt \
	tests/lua/golden/detach_backward.txt \
	tests/lua/golden/detach_nograd_forward.txt \
	tests/lua/golden/inplace_expand_forward.txt \
	tests/lua/golden/mlp.txt \
	tests/lua/golden/seed_after_backward_full.txt \
	tests/lua/golden/seed_ascii.txt \
	tests/lua/golden/seed_backward.txt \
	tests/lua/golden/seed_forward.txt \
	tests/lua/golden/shared_and_max.txt
