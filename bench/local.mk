## Benchmarks: `make bench` prints figures (never a test).  Programs appended
## to bench_list are built on demand (EXTRA_PROGRAMS += ...); shell scripts
## appended to bench_sh run under sh with AGDB set.
bench_list =
bench_sh =
bench_helpers =
bench: agdb $(bench_list) $(bench_helpers)
	@for b in $(bench_list); do ./$$b || exit 1; done
	@for s in $(bench_sh); do AGDB=$(abs_top_builddir)/agdb $(SHELL) $(top_srcdir)/$$s || exit 1; done
.PHONY: bench

## core: mm/sum/add timings.
bench_list += bench/bench_core
EXTRA_PROGRAMS += bench/bench_core
bench_bench_core_SOURCES = bench/bench_core.c
bench_bench_core_LDADD = libagcore.la -lm

## viz: layout + text render of generated graphs of 100..50,000 nodes, and
## edge crossings of the final layout vs the initial layer order.
bench_list += bench/bench_viz
EXTRA_PROGRAMS += bench/bench_viz
bench_bench_viz_SOURCES = bench/bench_viz.c
bench_bench_viz_LDADD = libagviz.la libagcore.la -lm

## repl: start-up time of agdb next to lua5.4 and `import torch`; the
## autograd step's cost; instructions per op (valgrind, when installed).
bench_sh += bench/startup.sh bench/autograd.sh bench/instructions.sh
EXTRA_DIST += bench/startup.sh bench/autograd.sh bench/instructions.sh

## Fashion-MNIST training, agdb beside PyTorch (scripts/fashion_mnist.lua).
bench_sh += bench/fashion_mnist.sh
EXTRA_DIST += bench/fashion_mnist.sh scripts/fashion_mnist.lua scripts/fashion_mnist_torch.py

## The viewer: from a key to the redrawn screen, agdb in a pseudo-terminal
## (Enter at 100, 1,000 and 10,000 nodes; a scroll key at 10,000).
bench_list += bench/bench_tui
EXTRA_PROGRAMS += bench/bench_tui
bench_bench_tui_SOURCES = bench/bench_tui.c
bench_bench_tui_LDADD = -lutil

## speed: every case of issues 11 and 13 in agdb (speed_cases.lua) and in
## PyTorch (speed_cases.py), with cblas called directly (speed_gemm), at 1
## thread and all cores, joined by speed.lua into one table with targets.
## `make bench-speed` prints that table alone.
bench_helpers += bench/speed_gemm
EXTRA_PROGRAMS += bench/speed_gemm
bench_speed_gemm_SOURCES = bench/speed_gemm.c
bench_speed_gemm_CPPFLAGS = $(AM_CPPFLAGS) $(BLAS_CFLAGS)
bench_speed_gemm_LDADD = $(BLAS_LIBS)
bench_sh += bench/speed.sh
EXTRA_DIST += bench/README bench/speed.sh bench/speed.lua bench/speed_cases.lua \
	bench/speed_cases.py
bench-speed: agdb bench/speed_gemm
	@AGDB=$(abs_top_builddir)/agdb $(SHELL) $(top_srcdir)/bench/speed.sh
.PHONY: bench-speed
