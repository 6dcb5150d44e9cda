# tui_session.sh - a working session in the viewer: Ctrl-C stops a loop
# and the session goes on; completion lists candidates in the transcript;
# output of Lua, of C code and of child processes lands in the transcript,
# as it comes; a big print scrolls; a 2,000-line paste runs line by line;
# :tui off and :tui on; history across a restart; and the terminal is
# left exactly as it was (stty -g before and after).
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

hist=$TMPD/history
stty_before=$TMPD/stty.before
stty_after=$TMPD/stty.after
# agdb inside a shell that records the terminal's modes around it
tm_stty() {
	TM_SOCK=agdb-test-$$-$(date +%s%N)
	unset TMUX
	tm new-session -d -s t -x 120 -y 40 \
		"stty -g > '$stty_before'; env TERM=xterm INPUTRC=/dev/null NO_COLOR=1 LC_ALL=C.UTF-8 AGDB_HISTORY='$hist' '$AGDB'; echo '[agdb exited' \$?']'; stty -g > '$stty_after'; sleep 600"
}

tm_stty
see '^\[transcript\]' "the viewer starts"

line 'kept = 4242'
line 'while true do end'
see 'running - Ctrl-C interrupts' "a loop runs; the status line says how to stop it"
key C-c
see '^interrupted!' "Ctrl-C stops it"
line 'kept + 1'
see '^4243$' "the session and its variables are intact"

type_text 'torch.ma'
key Tab Tab
see '^manual_seed +masked_[a-z]+ +ma' "Tab Tab lists the candidates in the transcript"
see '^agdb> torch\.ma$' "after the line as typed"
key C-u
type_text 'kep'
key Tab
see '^agdb> kept' "Tab completes a global"
key C-u

line 'io.write("from io.write\n"); io.stderr:write("from stderr\n"); os.execute("echo from a child process")'
see '^from io\.write$' "io.write lands in the transcript"
see '^from stderr$' "io.stderr too"
see '^from a child process$' "and what a child process writes to the terminal"
line 'error("boom")'
see '^in\[[0-9]+\]:1: boom$' "an error is reported in the transcript, chunks named in[N]"

line 'for i = 1, 3 do print("tick " .. i); local t = os.clock(); while os.clock() - t < 0.4 do end end'
see '^tick 1$' "the output of a running chunk shows as it comes"
see '^tick 3$' "until it ends"

# :graph EXPR pins the graph pane (with options), :graph alone unpins
line 'gx = torch.ones(2, {requires_grad=true}); gd = gx:detach(); gout = (gd * gx):sum()'
line ':graph gout forward'
see '^graph pane: gout' ":graph EXPR pins the graph pane"
see 'forward │ normal │ root: gout' "the status line says the view and the root"
see '✂' "the forward view draws the detach cut"
line ':graph nosuchname'
see "^agdb.graph: 'nosuchname' is nil" "a bad :graph expression is an error in the transcript"
see 'root: gout' "and the pin stays"
line ':graph backward'
see 'backward │ normal │ all globals' ":graph alone unpins (and takes its options)"

line 'print(torch.arange(0, 600):view(300, 2))'
see '^        \[598, 599\]\]\)$' "a 300-line tensor prints into the transcript"
key PPage
see 'scrolled back [0-9]+ rows' "PgUp scrolls the transcript back"
gone '^        \[598, 599\]\]\)$' "the end is out of view"
key NPage NPage NPage NPage NPage NPage NPage NPage NPage NPage NPage NPage
see '^        \[598, 599\]\]\)$' "PgDn comes back to the end"

# a 2,000-line paste runs line by line
i=1
{ echo 'pasted = 0'; while [ $i -le 1999 ]; do echo "pasted = pasted + $i"; i=$((i + 1)); done; } > "$TMPD/paste.lua"
tm load-buffer -b code "$TMPD/paste.lua"
tm paste-buffer -b code -t t
see '^agdb> pasted = pasted \+ 1999$' "a 2,000-line paste arrives as lines"
line 'pasted'
see '^1999000$' "and every one of them ran"

line ':tui off'
check 'the plain prompt \(:tui on brings the viewer back\)' ":tui off goes to the plain prompt"
line 'kept * 2'
check '^8484$' "which works"
line ':tui on'
see '^\[transcript\]' ":tui on comes back to the viewer"
line 'kept * 3'
see '^12726$' "which works too"
line 'history_marker = 77'
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"
wait_for_file() { n=0; while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done; }
wait_for_file "$stty_after"
is "$(cat "$stty_after" 2>/dev/null)" "$(cat "$stty_before")" "the terminal's modes are as they were (stty -g)"
grep -q '^history_marker = 77$' "$hist"
ok $? "the lines went to the history file"

# history across a restart
tm_stop
tm_start_tui 120x40 "AGDB_HISTORY=$hist"
see '^\[transcript\]' "a second session"
key Up
see '^agdb> history_marker = 77$' "Up recalls the last session's line"
key Enter
line 'history_marker'
see '^77$' "and it runs"
line '1 + 1'
key C-r
type_text 'history_mar'
see "^\(reverse-i-search\)\`history_mar': history_marker" "Ctrl-R searches the history"
key Enter
see '^agdb> history_marker$' "and Enter runs what it found"
key C-d
see '^\[agdb exited 0\]' "it ends"
done_testing
