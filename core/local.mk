## core: the tensor + autograd library (no Lua, no curses).
noinst_LTLIBRARIES += libagcore.la
libagcore_la_SOURCES = \
	core/ag.h core/internal.h core/ops.h core/ops.c \
	core/error.c core/dtype.c core/storage.c core/tensor.c \
	core/view.c core/iter.c core/overlap.c core/copy.c \
	core/promote.c core/unary.c core/binary.c \
	core/reduce.c core/linalg.c \
	core/factory.c core/rng.c core/index.c core/format.c \
	core/autograd.h core/derivatives.h \
	core/autograd.c core/engine.c core/derivatives.c core/viewgrad.c \
	core/trace.c
## the op list, included by ops.h
EXTRA_DIST += core/ops.def
libagcore_la_CPPFLAGS = $(AM_CPPFLAGS) $(BLAS_CFLAGS)
libagcore_la_LIBADD = $(BLAS_LIBS) -lm
