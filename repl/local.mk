## repl: the agdb program and the torch Lua module.

## The binding of core to Lua.  It is compiled twice: into agdb, and into the
## Lua C module torch.so so a stock lua5.4 can `require "torch"` (that one
## is not linked with liblua: the interpreter that loads it provides Lua).
LTORCH_SOURCES = repl/ltorch.h repl/ltorch.c repl/ltensor.c repl/lindex.c \
	repl/largs.c repl/lops.c repl/lops_reduce.c repl/lops_pointwise.c \
	repl/lops_shape.c repl/lops_linalg.c \
	repl/lautograd.c repl/lnode.c repl/lhooks.c \
	repl/lbackward.c repl/lmodes.c repl/ltrace.c repl/lfunction.c \
	repl/llib.c repl/lidx.c repl/lsafetensors.c repl/lkeep.c \
	repl/lsaved.c repl/linfo.c repl/lops_random.c repl/lops_nn.c \
	repl/lautocast.c repl/lforward.c \
	repl/lops_nn_spatial.c repl/lops_more.c

## The program around it: option handling, the REPL, the :commands.
REPL_SOURCES = repl/repl.h repl/main.c repl/lalloc.c repl/run.c repl/repl.c \
	repl/history.c repl/complete.c \
	repl/commands.h repl/commands.c repl/cmd_basic.c repl/cmd_graph.c \
	repl/cmd_image.c repl/cmd_tui.c $(TUI_SOURCES) $(DEBUGGER_SOURCES)

## The debugger: facts for its Lua answers, what backward passes leave
## behind, stepping and breakpoints, gradient flow, its :commands.
DEBUGGER_SOURCES = repl/debugger.h repl/ldebug.c repl/ldebug_observe.c \
	repl/ldebug_step.c repl/ldebug_flow.c repl/cmd_debug.c

## The viewer (full-screen, ncurses): the manager, the terminal, readline
## inside it, the panes; tui_layout.c and tui_keys.c need no terminal (the
## unit tests in tests/term link them alone).
TUI_MODEL_SOURCES = repl/tui_model.h repl/tui_layout.c repl/tui_keys.c
TUI_SOURCES = repl/tui.h repl/tuiint.h repl/tui.c repl/tui_term.c \
	repl/tui_rl.c repl/tui_transcript.c repl/tui_graph.c repl/tui_inspect.c \
	repl/tui_grads.c $(TUI_MODEL_SOURCES) $(VIZ_CURSES_SOURCES)

bin_PROGRAMS += agdb
agdb_SOURCES = $(REPL_SOURCES) $(LTORCH_SOURCES)
agdb_CPPFLAGS = $(AM_CPPFLAGS) $(LUA_CFLAGS) $(READLINE_CFLAGS) $(NCURSES_CFLAGS) \
	$(ZLIB_CFLAGS) $(JANSSON_CFLAGS) \
	-DAGDB_BUILDDIR='"$(abs_top_builddir)"'
agdb_LDADD = libagviz.la libagcore.la $(LUA_LIBS) $(READLINE_LIBS) $(NCURSES_LIBS) \
	$(ZLIB_LIBS) $(JANSSON_LIBS) -lpthread -lm

luaexecdir = $(libdir)/lua/5.4
luaexec_LTLIBRARIES = torch.la
torch_la_SOURCES = $(LTORCH_SOURCES)
torch_la_CPPFLAGS = $(AM_CPPFLAGS) $(LUA_CFLAGS) $(ZLIB_CFLAGS) $(JANSSON_CFLAGS)
torch_la_LDFLAGS = -module -avoid-version -shared
torch_la_LIBADD = libagcore.la $(ZLIB_LIBS) $(JANSSON_LIBS) -lm

## The Lua-side library: every file under repl/lua/ is listed in
## AGDB_LUA_FILES (append to it) and installed with its sub-folder into
## $(pkgdatadir)/lua, where an installed agdb looks (AGDB_PKGDATADIR); the
## agdb of a build tree reads them from the source tree (AGDB_SRCDIR).
AGDB_LUA_FILES = \
	repl/lua/agdb/answer.lua \
	repl/lua/agdb/check.lua \
	repl/lua/agdb/explain.lua \
	repl/lua/agdb/gradflow.lua \
	repl/lua/agdb/image.lua \
	repl/lua/agdb/memory.lua \
	repl/lua/agdb/step.lua \
	repl/lua/agdb/why.lua \
	repl/lua/agdb/ulp.lua \
	repl/lua/agdb/precision.lua \
	repl/lua/torch/amp.lua \
	repl/lua/torch/amp/autocast.lua \
	repl/lua/torch/amp/grad_scaler.lua \
	repl/lua/torch/class.lua \
	repl/lua/torch/collections.lua \
	repl/lua/torch/datasets.lua \
	repl/lua/torch/generator.lua \
	repl/lua/torch/nn.lua \
	repl/lua/torch/nn/functional.lua \
	repl/lua/torch/nn/functional_activation.lua \
	repl/lua/torch/nn/functional_spatial.lua \
	repl/lua/torch/nn/functional_more.lua \
	repl/lua/torch/nn/functional_attention.lua \
	repl/lua/torch/nn/init.lua \
	repl/lua/torch/nn/module.lua \
	repl/lua/torch/nn/modules/activation.lua \
	repl/lua/torch/nn/modules/container.lua \
	repl/lua/torch/nn/modules/flatten.lua \
	repl/lua/torch/nn/modules/linear.lua \
	repl/lua/torch/nn/modules/loss.lua \
	repl/lua/torch/nn/modules/pointwise.lua \
	repl/lua/torch/nn/modules/normalization.lua \
	repl/lua/torch/nn/modules/dropout.lua \
	repl/lua/torch/nn/modules/sparse.lua \
	repl/lua/torch/nn/modules/conv.lua \
	repl/lua/torch/nn/modules/pooling.lua \
	repl/lua/torch/nn/modules/padding.lua \
	repl/lua/torch/nn/modules/upsampling.lua \
	repl/lua/torch/nn/modules/fold.lua \
	repl/lua/torch/nn/modules/pixelshuffle.lua \
	repl/lua/torch/nn/modules/attention.lua \
	repl/lua/torch/nn/modules/transformer.lua \
	repl/lua/torch/nn/utils.lua \
	repl/lua/torch/ops_oplist.lua \
	repl/lua/torch/optim.lua \
	repl/lua/torch/optim/adagrad.lua \
	repl/lua/torch/optim/adam.lua \
	repl/lua/torch/optim/lr_scheduler.lua \
	repl/lua/torch/optim/optimizer.lua \
	repl/lua/torch/optim/rmsprop.lua \
	repl/lua/torch/optim/sgd.lua \
	repl/lua/torch/serialization.lua \
	repl/lua/torch/utils.lua \
	repl/lua/torch/utils/checkpoint.lua \
	repl/lua/torch/utils/data.lua \
	repl/lua/torch/utils/progress.lua \
	repl/lua/torch/autograd/forward_ad.lua \
	repl/lua/torch/autograd/functional.lua \
	repl/lua/torch/autograd/gradcheck.lua
agdbluadir = $(pkgdatadir)/lua
EXTRA_DIST += repl/lua/README $(AGDB_LUA_FILES)

install-data-local: install-agdb-lua
uninstall-local: uninstall-agdb-lua
install-agdb-lua:
	@for f in $(AGDB_LUA_FILES); do \
	  rel=$${f#repl/lua/}; \
	  $(MKDIR_P) "$(DESTDIR)$(agdbluadir)/`dirname $$rel`" || exit 1; \
	  echo " $(INSTALL_DATA) $$f '$(DESTDIR)$(agdbluadir)/$$rel'"; \
	  $(INSTALL_DATA) "$(srcdir)/$$f" "$(DESTDIR)$(agdbluadir)/$$rel" || exit 1; \
	done
uninstall-agdb-lua:
	@for f in $(AGDB_LUA_FILES); do \
	  rm -f "$(DESTDIR)$(agdbluadir)/$${f#repl/lua/}"; \
	done
.PHONY: install-agdb-lua uninstall-agdb-lua
