# tui_robust.sh - the viewer never leaves the terminal broken: Ctrl-Z and
# fg, SIGTERM, os.exit; Ctrl-C at the prompt; a continuation line; UTF-8
# input with the cursor in the right column; a mouse click on a node.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

# a shell with job control, agdb started from it
tm_shell() {
	TM_SOCK=agdb-test-$$-$(date +%s%N)
	unset TMUX
	tm new-session -d -s t -x 120 -y 40 \
		"env -i PATH='$PATH' HOME='$TMPD' TERM=xterm LC_ALL=C.UTF-8 INPUTRC=/dev/null NO_COLOR=1 AGDB_HISTORY=/dev/null PS1='shell\$ ' sh -i"
	wait_view '^shell\$'
}
agdb_pid() { pgrep -P "$(tm display -p -t t '#{pane_pid}')" agdb; }

tm_shell
ok $? "an interactive shell"
line "stty -g > '$TMPD/before'"
wait_view '^shell\$' 2
line "'$AGDB'; echo done-\$?"
see '^\[transcript\]' "agdb starts from the shell"
line 'u = torch.ones(3, {requires_grad=true}); v = (u * u):sum()'
see 'SumBackward0' "a graph is drawn"

key C-z
see '^shell\$' "Ctrl-Z: the shell comes back"
gone '^\[transcript\]' "and the viewer's screen is gone"
line 'fg'
see '^\[transcript\]' "fg: the viewer is drawn again"
see 'SumBackward0' "with the graph"
line 'v'
see '^tensor\(3\., grad_fn=<SumBackward0>\)$' "and the session goes on"

# Ctrl-C at the prompt drops the line; an unfinished chunk too
type_text 'half typed('
key C-c
see '^agdb> half typed\(\^C$' "Ctrl-C at the prompt drops the line (shown with ^C)"
line 'function f()'
see '^  \.\.\.> *$' "an open function continues with the continuation prompt"
key C-c
see '^  \.\.\.> \^C$' "Ctrl-C drops the unfinished chunk"
line '2 + 3'
see '^5$' "the prompt works again"

# UTF-8: the cursor stands after what was typed, counted in cells
type_text 's = "héllo wörld ✂"'
sleep 0.2
cx=$(tm display -p -t t '#{cursor_x}')
is "$cx" "$(printf '%s' 'agdb> s = "héllo wörld ✂"' | wc -m | tr -d ' ')" \
	"UTF-8 input: the cursor is in the right column"
key Enter
line '#s'
see '^17$' "and the string has its 17 bytes"

# a click on a node selects it
row=$(view | grep -n 'SumBackward0' | head -1 | cut -d: -f1)
pre=$(view | sed -n "${row}p" | sed 's/SumBackward0.*//')
col=$(printf '%s' "$pre" | wc -m | tr -d ' ')
type_text "$(printf '\033[<0;%d;%dM' $((col + 3)) "$row")"
see 'grad_fn +SumBackward0' "a click on a node shows it in the inspector"
see '^\[graph\]' "and focuses the graph pane"
key Escape

# SIGTERM: the terminal is restored (fg left the job's list behind, so
# the shell waits for agdb alone now)
kill -TERM "$(agdb_pid)"
see '^Terminated|done-143' "SIGTERM ends agdb"
wait_view '^shell\$ *$'
line "stty -g > '$TMPD/after'"
wait_file() { n=0; while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done; }
wait_file "$TMPD/after"
is "$(cat "$TMPD/after")" "$(cat "$TMPD/before")" "and the terminal's modes are as they were"

# os.exit from Lua: the terminal is restored too
rm -f "$TMPD/after"
line "clear; '$AGDB'; echo done-\$?"
see '^\[transcript\]' "agdb again"
line 'os.exit(3)'
see '^done-3' "os.exit(3) leaves with status 3"
line "stty -g > '$TMPD/after'"
wait_file "$TMPD/after"
is "$(cat "$TMPD/after")" "$(cat "$TMPD/before")" "and the terminal's modes are as they were"
# SIGHUP, SIGSEGV and SIGABRT (best effort from the handler) too
line 'ulimit -c 0'
for sig in HUP SEGV ABRT; do
	rm -f "$TMPD/after"
	line "clear; '$AGDB'"
	see '^\[transcript\]' "agdb, to be sent SIG$sig"
	kill -"$sig" "$(agdb_pid)"
	gone '^\[transcript\]' "SIG$sig ends agdb"
	wait_view '^shell\$ *$'
	line "stty -g > '$TMPD/after'"
	wait_file "$TMPD/after"
	is "$(cat "$TMPD/after")" "$(cat "$TMPD/before")" "SIG$sig: the terminal's modes are as they were"
done
done_testing
