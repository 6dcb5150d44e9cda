## core: the tensor + autograd library (no Lua, no curses).
##
## Files in layers, from the bottom up; a file uses files of its own layer
## or the layers before it, never a later one, and no two files use each
## other (tests/core/test_layers.sh checks that on the built library):
##   error threads simd half_cvt dtype special ops vec map
##                                           errors, threads, cpu features, dtypes, special
##   vmath half_ew stream_f32                functions, op table, containers,
##                                           vectorised float formulas, 16-bit
##                                           float loops
##   storage tensor overlap iter format      memory, geometry, printing
##   mode trace node introspect              autograd state, trace log, graph
##   record function                         the recording path, Functions
##   sortalgo                                sorting algorithms (no tensors)
##   copy promote view writeop unary binary ternary close fold reduce
##   gemm_bf16 gemv_bf16 linalg
##   index split shape gather mask advindex addmm einsum norm compose
##   factory rng random moments stats scan sort along more more_bw bucket
##   quantile fused_bw
##   conv_winograd
##   nn_softmax nn_norm nn_loss nn_conv nn_pool nn_spatial
##                                           the ops and their kernels
##   grad_pointwise grad_math grad_reduce grad_linalg grad_view grad_shape
##   grad_index grad_products grad_stats grad_select grad_nn grad_nn_spatial
##   grad_more grad_more_bw
##                                           backward formulas
##   backward observe engine                 running nodes: backward passes
##   inspect                                 the debugger's look inside nodes
noinst_LTLIBRARIES += libagcore.la
libagcore_la_SOURCES = \
	core/ag.h core/ops.h core/autograd.h core/internal.h core/vec.h \
	core/map.h core/node.h core/opargs.h core/record.h core/grad.h \
	core/fold.h core/debug.h core/simd.h core/sortalgo.h core/along.h \
	core/rng.h core/nn.h core/ag_nn.h core/ag_shape.h core/opargs_shape.h \
	core/shapeint.h core/autocast.h core/forward.h core/vmath.h core/vmath_f32.h core/vmath_avx512.h core/gemm_bf16.h \
	core/gemv_bf16.h \
	core/half_cvt.h core/half_ew.h core/stream_f32.h \
	core/opargs_spatial.h core/ag_spatial.h core/ag_more.h core/opargs_more.h \
	core/ag_fused.h core/opargs_fused.h core/stats_sink.h core/conv_winograd.h \
	core/error.c core/threads.c core/simd.c core/dtype.c core/special.c core/vmath.c core/ops.c core/vec.c core/map.c \
	core/smallblk.c \
	core/half_cvt.c core/half_ew.c core/stream_f32.c \
	core/storage.c core/tensor.c core/overlap.c core/iter.c core/format.c \
	core/mode.c core/autocast.c core/trace.c core/node.c core/introspect.c \
	core/record.c core/function.c \
	core/copy.c core/promote.c core/view.c core/writeop.c core/unary.c \
	core/binary.c core/ternary.c core/close.c \
	core/fold.c core/reduce.c core/gemm_bf16.c core/linalg.c core/index.c \
	core/gemv_bf16.c \
	core/split.c core/shape.c core/gather.c core/mask.c core/advindex.c \
	core/addmm.c core/einsum.c core/norm.c core/compose.c core/factory.c \
	core/rng.c core/random.c core/moments.c core/stats.c core/scan.c core/sortalgo.c \
	core/sort.c core/along.c core/more.c core/more_bw.c core/bucket.c core/quantile.c \
	core/fused_bw.c \
	core/nn_softmax.c core/nn_norm.c core/nn_loss.c core/nn_conv.c core/nn_pool.c \
	core/nn_spatial.c core/conv_winograd.c \
	core/grad_pointwise.c core/grad_math.c core/grad_reduce.c core/grad_linalg.c \
	core/grad_view.c core/grad_shape.c core/grad_index.c core/grad_products.c \
	core/grad_stats.c core/grad_select.c core/grad_nn.c core/grad_forward.c \
	core/grad_nn_spatial.c core/grad_more.c core/grad_more_bw.c \
	core/backward.c core/observe.c core/engine.c core/inspect.c
## the op list, included by ops.h, ops.c, grad.h and backward.c
EXTRA_DIST += core/ops.def
libagcore_la_CPPFLAGS = $(AM_CPPFLAGS) $(BLAS_CFLAGS)
libagcore_la_LIBADD = $(BLAS_LIBS) -lm
