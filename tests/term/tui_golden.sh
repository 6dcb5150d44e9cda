# tui_golden.sh - the debugger's panes in the viewer, zoomed (z) and
# compared whole with golden files: the gradients pane after a deep stack
# of sigmoids trained 20 steps (examples/flow.lua), and the inspector and
# the graph in full detail at a breakpoint.  Regenerate the golden files
# with AGDB_REGEN=1 (then read them by eye).
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

golden=${top_srcdir:-.}/tests/term/golden

# same_as NAME DESCRIPTION: the screen (status line left out) is the file
same_as() {
	view | sed '$d' > "$TMPD/$1"
	if [ "${AGDB_REGEN:-}" = 1 ]; then
		cp "$TMPD/$1" "$golden/$1"
	fi
	diff -u "$golden/$1" "$TMPD/$1" > "$TMPD/diff" 2>&1
	st=$?
	ok $st "$2"
	[ $st -eq 0 ] || diag_stdin < "$TMPD/diff"
}

# zoom PANE: F6 until it has the focus, then z
zoom() {
	for i in 1 2 3 4 5 6; do
		WAIT_SECS=1 wait_view "focus: $1" && break
		key F6
	done
	key z
	wait_view "^\[$1\]"
}

tm_start_tui 100x50
see '^\[transcript\]' "the viewer starts"
line "dofile('${top_srcdir:-.}/examples/flow.lua')"
see 'gradients +14 leaves · pass 20' "20 passes of training"
zoom gradients
same_as gradients_flow.txt "the gradients pane: marks, paired bars, mean, update ratio, sparkline"
key z Escape
line 'x = torch.tensor({1.0, 2.0}, {requires_grad=true}); y = x * 3; out = (y * y):sum()'
line ':break MulBackward0'
line 'out:backward()'
see '^paused before MulBackward0, made by mul at in\[2\]:1' "a breakpoint stops backward"
zoom inspector
same_as inspector_paused.txt "the inspector at the stop: the node, its gradient in, what it saved, pending"
key z
zoom graph
key +
see 'detail: full' "full detail"
same_as graph_paused_full.txt "the graph at the stop in full detail: the paused node, saved tensors, AccumulateGrad"
key Escape
sleep 0.3
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"
done_testing
