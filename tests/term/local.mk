## Terminal tests: the real agdb driven in tmux (skipped without tmux), and
## script-mode tests of the command line (plain sh, no terminal).
TERM_TESTS = \
	tests/term/script.sh tests/term/pipe.sh \
	tests/term/repl_basic.sh tests/term/repl_interrupt.sh \
	tests/term/repl_history.sh tests/term/repl_complete.sh \
	tests/term/graph_cmd.sh tests/term/hostile_repl.sh \
	tests/term/tui_seed.sh tests/term/tui_seed_80x24.sh \
	tests/term/tui_resize.sh tests/term/tui_session.sh tests/term/tui_view.sh \
	tests/term/tui_robust.sh tests/term/tui_panes.sh tests/term/tui_debug.sh \
	tests/term/tui_amp.sh tests/term/tui_keys.sh tests/term/tui_readme.sh \
	tests/term/debug_pipe.sh tests/term/tui_golden.sh
TESTS += $(TERM_TESTS)
EXTRA_DIST += $(TERM_TESTS) tests/term/lib.sh
## The debugger's panes as tui_golden.sh expects them (AGDB_REGEN=1 rewrites).
EXTRA_DIST += tests/term/golden/gradients_flow.txt \
	tests/term/golden/inspector_paused.txt tests/term/golden/graph_paused_full.txt

## The viewer's pane arithmetic and key table, without a terminal.
check_PROGRAMS += tests/term/test_tui
TESTS += tests/term/test_tui
tests_term_test_tui_SOURCES = tests/term/test_tui.c $(TUI_MODEL_SOURCES)
