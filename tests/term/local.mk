## Terminal tests: the real agdb driven in tmux (skipped without tmux), and
## script-mode tests of the command line (plain sh, no terminal).
TERM_TESTS = \
	tests/term/script.sh tests/term/pipe.sh \
	tests/term/repl_basic.sh tests/term/repl_interrupt.sh \
	tests/term/repl_history.sh tests/term/repl_complete.sh \
	tests/term/graph_cmd.sh tests/term/hostile_repl.sh
TESTS += $(TERM_TESTS)
EXTRA_DIST += $(TERM_TESTS) tests/term/lib.sh
