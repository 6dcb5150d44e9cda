## Lua tests, run by the built agdb (tests/local.mk sets the TAP driver and
## exports top_srcdir, so each test loads tests/lua/tap.lua from there).
LUA_TESTS = \
	tests/lua/test_factory.lua tests/lua/test_fields.lua \
	tests/lua/test_methods.lua tests/lua/test_ops.lua \
	tests/lua/test_index.lua tests/lua/test_print.lua \
	tests/lua/test_errors.lua tests/lua/test_gc.lua \
	tests/lua/test_box_identity.lua \
	tests/lua/test_nn.lua tests/lua/test_nn_functional.lua \
	tests/lua/test_optim.lua tests/lua/test_optim_sched.lua \
	tests/lua/test_data.lua tests/lua/test_files.lua \
	tests/lua/test_dtypes.lua \
	tests/lua/test_random.lua tests/lua/test_nn_ops.lua tests/lua/test_nn_conv.lua \
	tests/lua/test_conv_fast.lua \
	tests/lua/test_conv_winograd.lua \
	tests/lua/test_robust.lua tests/lua/test_fuzz_corpus.lua \
	tests/lua/test_hostile.lua \
	tests/lua/test_amp_scaler.lua tests/lua/test_autocast.lua \
	tests/lua/test_precision_report.lua tests/lua/test_mixed_precision.lua \
	tests/lua/test_amp_underflow.lua tests/lua/test_bf16_matmul.lua \
	tests/lua/test_half_ew.lua tests/lua/test_bf16_gemv.lua tests/lua/test_half_stream.lua \
	tests/lua/test_f16_ops.lua \
	tests/lua/test_ulp.lua tests/lua/test_shape_ref.lua \
	tests/lua/test_vmath_f32.lua
TESTS += $(LUA_TESTS) tests/lua/test_require.sh
EXTRA_DIST += $(LUA_TESTS) tests/lua/tap.lua tests/lua/test_require.sh \
	scripts/mixed_precision.lua

## PyTorch 1.13 reference values for the nn/optim/data/files tests, made by
## the generator beside them (/usr/bin/python3 with torch).
EXTRA_DIST += tests/lua/fixtures/luafmt.py tests/lua/fixtures/gen_torch_fixtures.py \
	tests/lua/fixtures/gen_nn1_fixtures.py tests/lua/fixtures/nn1_ref.lua \
	tests/lua/fixtures/gen_conv_fast_fixtures.py tests/lua/fixtures/conv_fast_ref.lua \
	tests/lua/fixtures/conv_inputs.lua \
	tests/lua/fixtures/gen_ulp_fixture.py \
	tests/lua/fixtures/gen_autocast.py tests/lua/fixtures/autocast_ref.lua \
	tests/lua/fixtures/gen_bf16_matmul.py tests/lua/fixtures/bf16_matmul_ref.lua \
	tests/lua/fixtures/gen_bf16_gemv.py tests/lua/fixtures/bf16_gemv_ref.lua \
	tests/lua/fixtures/ulp_ref.lua \
	tests/lua/fixtures/gen_vmath_f32.py tests/lua/fixtures/vmath_f32_ref.lua \
	scripts/fit_vmath.py scripts/fit_gelu.py \
	tests/lua/fixtures/gen_shape_fixtures.py tests/lua/fixtures/shape_ref.lua \
	tests/lua/fixtures/torch_ref.lua \
	tests/lua/fixtures/safetensors/mixed.safetensors \
	tests/lua/fixtures/safetensors/narrow_ints.safetensors \
	tests/lua/fixtures/safetensors/plain.safetensors \
	tests/lua/fixtures/idx/train-images-idx3-ubyte.gz \
	tests/lua/fixtures/idx/train-labels-idx1-ubyte \
	tests/lua/fixtures/idx/t10k-images-idx3-ubyte.gz \
	tests/lua/fixtures/idx/t10k-labels-idx1-ubyte \
	tests/lua/fixtures/idx/floats-idx2-float \
	tests/lua/fixtures/idx/shorts-idx1-short

## The reductions, scans and sorting ops (issue 11): next to PyTorch 1.13's
## answers (fixtures/gen_reduce_fixtures.py writes reduce_ref.lua), their
## gradcheck and gradgradcheck, and how Lua calls them.
REDUCE_LUA_TESTS = tests/lua/test_reduce_ops.lua tests/lua/test_reduce_grad.lua \
	tests/lua/test_reduce_api.lua
TESTS += $(REDUCE_LUA_TESTS)
EXTRA_DIST += $(REDUCE_LUA_TESTS) tests/lua/fixtures/gen_reduce_fixtures.py \
	tests/lua/fixtures/reduce_ref.lua

## The elementwise ops of issue 11 next to PyTorch 1.13: the fixture and
## the generator that made it (/usr/bin/python3 with torch).
TESTS += tests/lua/test_pointwise.lua tests/lua/test_nn_activation.lua
EXTRA_DIST += tests/lua/test_pointwise.lua tests/lua/test_nn_activation.lua \
	tests/lua/fixtures/gen_pointwise.py tests/lua/fixtures/pointwise_ref.lua
## Every pointwise op of core/ops.def in float16 (issue 13): float32's
## result rounded, bit for bit; float16 gradients.
TESTS += tests/lua/test_f16_pointwise.lua
EXTRA_DIST += tests/lua/test_f16_pointwise.lua

## The spatial nn functions and modules (issues 11, 12: pad, interpolate,
## unfold/fold, pixel_shuffle, conv_transpose, padding_mode) next to
## PyTorch 1.13's answers (fixtures/gen_nn_spatial_fixtures.py).
NN_SPATIAL_LUA_TESTS = tests/lua/test_nn_spatial.lua
TESTS += $(NN_SPATIAL_LUA_TESTS)
EXTRA_DIST += $(NN_SPATIAL_LUA_TESTS) \
	tests/lua/fixtures/gen_nn_spatial_fixtures.py \
	tests/lua/fixtures/nn_spatial_ref.lua

## ops-more (issue 11): the piecewise-linear activations' second
## derivatives, hardshrink softshrink rrelu glu prelu sgn, the aliases; the
## fixture and the generator that made it (/usr/bin/python3 with torch).
OPS_MORE_LUA_TESTS = tests/lua/test_ops_more.lua
TESTS += $(OPS_MORE_LUA_TESTS)
EXTRA_DIST += $(OPS_MORE_LUA_TESTS) tests/lua/fixtures/gen_ops_more.py \
	tests/lua/fixtures/ops_more_ref.lua

## The fused backward ops of the smooth activations (issue 11, fusedbw)
## next to PyTorch 1.13: the fixture and its generator (/usr/bin/python3).
TESTS += tests/lua/test_fused_bw.lua
EXTRA_DIST += tests/lua/test_fused_bw.lua tests/lua/fixtures/gen_fused_bw.py \
	tests/lua/fixtures/fused_bw_ref.lua

## var, std and logsumexp's fast kernels against their general forms
## (issue 11, redux).
TESTS += tests/lua/test_redux.lua
EXTRA_DIST += tests/lua/test_redux.lua

## Attention and transformers (issues 11 and 12) next to PyTorch: the
## fixture and its generator (/usr/bin/python3 with torch).
TESTS += tests/lua/test_nn_attention.lua
EXTRA_DIST += tests/lua/test_nn_attention.lua \
	tests/lua/fixtures/gen_attn_fixtures.py tests/lua/fixtures/attn_ref.lua

## Module paths in the trace log and agdb.graph's collapse-by-module, with
## golden drawings of an MLP and a transformer block (AGDB_REGEN=1 redraws).
TESTS += tests/lua/test_nn_scope.lua
EXTRA_DIST += tests/lua/test_nn_scope.lua tests/lua/golden.lua \
	tests/lua/golden/nn_mlp_expanded.txt tests/lua/golden/nn_mlp_collapsed.txt \
	tests/lua/golden/nn_mlp_layers.txt tests/lua/golden/nn_mlp_one_layer.txt \
	tests/lua/golden/nn_block_expanded.txt tests/lua/golden/nn_block_collapsed.txt \
	tests/lua/golden/nn_block_modules.txt tests/lua/golden/nn_block_attention.txt

## The fast kernels of issues 11 and 13 (vectorised float formulas, fused
## logsumexp, column-wise reductions, bfloat16 on AMX) against the paths
## beside them.
TESTS += tests/lua/test_speed_paths.lua
EXTRA_DIST += tests/lua/test_speed_paths.lua
## ... and vmath.c's streamed outputs and gelu's own kernel against the
## small outputs' paths (act3).
TESTS += tests/lua/test_vmath_stream.lua
EXTRA_DIST += tests/lua/test_vmath_stream.lua

## Issue 11's op list, case by case next to PyTorch 1.13: values, node
## names, gradcheck and gradgradcheck (fixture made by gen_oplist.py).
OPLIST_LUA_TESTS = tests/lua/test_oplist_grad.lua
TESTS += $(OPLIST_LUA_TESTS)
EXTRA_DIST += $(OPLIST_LUA_TESTS) tests/lua/fixtures/gen_oplist.py \
	tests/lua/fixtures/oplist_ref.lua
## index_reduce next to PyTorch 1.13: values, gradients, its node, errors
## (fixture made by gen_index_reduce.py).
TESTS += tests/lua/test_index_reduce.lua
EXTRA_DIST += tests/lua/test_index_reduce.lua \
	tests/lua/fixtures/gen_index_reduce.py \
	tests/lua/fixtures/index_reduce_ref.lua
## Outputs past the caches, written with non-temporal stores.
TESTS += tests/lua/test_stream.lua
EXTRA_DIST += tests/lua/test_stream.lua
## float32 sorts by radix against the float64 path.
TESTS += tests/lua/test_sort_radix.lua
EXTRA_DIST += tests/lua/test_sort_radix.lua
