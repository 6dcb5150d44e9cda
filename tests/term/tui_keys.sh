# tui_keys.sh - the viewer's keys and options that tui_seed.sh leaves
# out, each seen doing its work on the screen: f and b switch the view,
# j/k/h/l scroll, g/G, p walks back, y copies the selected node's name
# into the input line, i returns to it, Ctrl-L redraws the same screen,
# the mouse wheel scrolls the transcript, which keeps 12,000 lines (and
# more) of scrollback; io.stdout:write, warn() and tracebacks land in the
# transcript; the selection stays put (same node, same row) when the graph
# grows, even when the new node lands out of view (a line says so);
# --ascii draws every pane with ASCII only; --no-color has no
# colour even where NO_COLOR is unset; a 256-colour terminal gets its
# colours; a script and -e on a terminal stay in the plain mode; a SIGINT
# from outside acts as Ctrl-C; the plain prompt and the viewer share one
# history.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

# the graph pane's rows (left of the bar), the status line left out
graph_rows() { view | sed '$d' | sed -n '/^.graph/,/transcript/p' | cut -c1-78; }
# the screen row (1-based) of the first line matching $1
row_of() { view | grep -n -E -- "$1" | head -1 | cut -d: -f1; }

tm_start_tui 120x40
see '^\[transcript\]' "the viewer starts"

# ------------------------------------------------------------ output
line 'io.stdout:write("through io.stdout\n")'
see '^through io\.stdout$' "io.stdout:write lands in the transcript"
line 'warn("@on"); warn("a warning of the chunk")'
see '^Lua warning: a warning of the chunk$' "a warning lands in the transcript"
line 'function deep() error("deep trouble") end; deep()'
see '^in\[[0-9]+\]:1: deep trouble$' "an error"
see '^stack traceback:$' "and its traceback"
see "^ +in\[[0-9]+\]:1: in function 'deep'$" "with the function's frame"

# ------------------------------------------------------------ SIGINT
# a SIGINT from outside (kill -INT) is Ctrl-C: at the prompt it drops the
# line, in a running chunk it interrupts it; the viewer stays
agdb_pid() { pgrep -P "$(tm display -p -t t '#{pane_pid}')" agdb; }
type_text 'half typed'
wait_view '^agdb> half typed$'
kill -INT "$(agdb_pid)"
see '^agdb> half typed\^C$' "SIGINT at the prompt drops the line"
line 'while true do end'
see 'running - Ctrl-C interrupts' "a loop runs"
kill -INT "$(agdb_pid)"
see '^interrupted!$' "SIGINT interrupts it"
line '6 * 7'
see '^42$' "and the viewer goes on"

# ------------------------------------------------------------ views and scrolling
line 'a = torch.ones(2, {requires_grad=true}); b = a'
line 'for i = 1, 12 do b = b * 2 end'
see 'b: \[2\] float32' "a chain of 13 nodes, taller than the pane"
key Tab
see 'focus: graph' "Tab goes to the graph"
key g
see '│ ◆ a +│' "g: the top, where the leaf is"
top=$(graph_rows)
key j
wait_lines graph_rows '^.graph' 1
[ "$(graph_rows)" != "$top" ]
ok $? "j scrolls the graph"
is "$(row_of '◆ a')" "$(( $(echo "$top" | grep -n '◆ a' | cut -d: -f1) - 1 ))" "j: the leaf is a row higher"
key k
sleep 0.3
is "$(graph_rows)" "$top" "k: back where it was"
key G
see 'b: \[2\] float32' "G: the bottom, where b is"
gone '◆ a' "the leaf is out of view"
key g
see '◆ a' "g: the top again"
key f
see '^\[graph\] forward' "f: the forward view"
see 'forward │ normal' "the status line says so"
see '│ mul +│' "ops are drawn as written"
key b
see '^\[graph\] backward' "b: the backward view again"
see 'backward │ normal' "the status line says so"

# p walks back; y copies the name; i returns to the input line
key g n n
see 'selected MulBackward0|│ MulBackward0' "n n: the node after a"
key p
see '│ a$' "p: back to a, shown in the inspector"
key y
see '^agdb> a$' "y copies the selected node's name into the input line"
see 'focus: input' "and goes to the input line"
line ''
see '^tensor\(\[1\., 1\.\], requires_grad=True\)$' "which runs as typed"
key Tab i
see 'focus: input' "i in a pane goes back to the input line"
type_text 'ij'
see '^agdb> ij$' "where keys are typed again"
key C-u
wait_view '^agdb>$'	# the line emptied before the screen is taken

# Ctrl-L redraws the same screen (given time to, under load)
before=$(view)
key C-l
end=$(( $(date +%s) + WAIT_SECS ))
while [ "$(view)" != "$before" ] && [ "$(date +%s)" -lt "$end" ]; do
	sleep 0.1
done
is "$(view)" "$before" "Ctrl-L redraws the screen as it was"

# ------------------------------------------------------------ the selection stays
line 'a, b = nil, nil'
line 'p0 = torch.ones(3, {requires_grad=true}); p1 = p0 * 2; p2 = p1 + 1'
see 'p2: \[3\] float32' "a small graph"
key Tab g n n Enter
see '│ MulBackward0 \(p1\)$' "p1's node is selected"
r1=$(row_of 'p1: \[3\] float32')
key Escape
line 'p3 = p2 * 5'
see 'p3: \[3\] float32' "a line grows the graph"
see '│ MulBackward0 \(p1\)$' "the inspector still shows the selected node"
is "$(row_of 'p1: \[3\] float32')" "$r1" "which stays on its row"

# a line whose new node lands out of view: the view stays on the
# selected node, and a line says where the new one went
line 'p0, p1, p2, p3 = nil, nil, nil, nil'
line 'q = torch.ones(2, {requires_grad=true}); for i = 1, 12 do q = q * 2 end'
see 'q: \[2\] float32' "a chain taller than the pane"
key Tab g n n Enter
see '│ tensor\(\[2\., 2\.\],$' "its first MulBackward0 is selected"
r1=$(row_of 'MulBackward0 +│')
key Escape
line 'q = q * 2'
see '1 new node is out of view; the view stays on the selected node' \
	"the new node at the bottom is out of view: the status line says so"
see '│ tensor\(\[2\., 2\.\],$' "the selection is kept"
is "$(row_of 'MulBackward0 +│')" "$r1" "and stays on its row"
key Tab G
see 'q: \[2\] float32' "G shows the new node"

# h and l scroll a graph wider than the pane
key Escape
line 'q = nil'
line 'leaves = {}; for i = 1, 14 do leaves[i] = torch.ones(1, {requires_grad=true}) end; wide = torch.stack(leaves)'
see 'wide: \[14, 1\] float32' "a graph of 14 leaves side by side"
key Tab
see 'focus: graph' "the graph pane"
left=$(graph_rows)
key l l l l l l
sleep 0.3
[ "$(graph_rows)" != "$left" ]
ok $? "l scrolls the graph right"
key h h h h h h
sleep 0.3
is "$(graph_rows)" "$left" "h scrolls it back"
key Escape


# ------------------------------------------------------------ the transcript
line 'for i = 1, 12000 do print("row " .. i) end'
see '^row 12000$' "12,000 lines printed"
top_row=$(row_of '^\[transcript\]')
type_text "$(printf '\033[<64;10;%dM' $((top_row + 3)))"
see '^\[transcript\] scrolled back 3 rows' "the mouse wheel scrolls the transcript back"
type_text "$(printf '\033[<65;10;%dM' $((top_row + 3)))"
see '^\[transcript\]$' "and forward to the end"
# PgUp, 50 at a time, until the session's first line (the banner) shows
i=0
while [ $i -lt 40 ]; do
	key $(yes PPage | head -50 | tr '\n' ' ')
	WAIT_SECS=1 wait_view '^agdb [0-9.]+ \(Lua' && break
	i=$((i + 1))
done
see '^agdb [0-9.]+ \(Lua.*:help for help' "PgUp reaches the session's first line, above the 12,000 printed"
see '^\[transcript\] scrolled back 1[0-9][0-9][0-9][0-9] rows' "over 10,000 rows back: the scrollback keeps them all"
gone '^row 12000$' "the end is out of view"
line 'done_scrolling = 1'
see '^agdb> done_scrolling = 1$' "typing a line comes back to the end"
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"

# ------------------------------------------------------------ --ascii
tm_stop
tm_start_tui 120x40 -- --ascii
see '^\[transcript\]' "--ascii: the viewer starts"
line 'x = torch.ones(2, 2, {requires_grad=true}); n = torch.tensor({1.0, 0.0}, {requires_grad=true})'
line 'out = (x * 3):mean() + (n:log() * 0):sum(); out:backward()'
see 'gradients +2 leaves - pass 1' "the gradients pane has its rows"
key Tab g n Enter
see 'inspector' "a node in the inspector"
view | LC_ALL=C grep -q '[^ -~]'
[ $? -ne 0 ]
ok $? "--ascii: every character on the screen is ASCII"
view | LC_ALL=C grep '[^ -~]' | head -5 | diag_stdin
key '?'
see 'keys of the graph pane' "the help overlay"
view | LC_ALL=C grep -q '[^ -~]'
[ $? -ne 0 ]
ok $? "--ascii: the help overlay too"
key Space
wait_gone 'keys of the graph pane'
key Escape
# an Esc and a Ctrl-D read together are Alt-Ctrl-D on the input line
sleep 0.3
key C-d
see '^\[agdb exited 0\]' "it ends"

# ------------------------------------------------------------ colours
tm_stop
tm_start_tui 120x40 "NO_COLOR=" "TERM=xterm-256color" -- --no-color
see '^\[transcript\]' "--no-color with NO_COLOR unset"
line 'k = torch.ones(2, {requires_grad=true}); l = (k * 2):sum(); l:backward()'
see 'SumBackward0' "a graph is drawn"
tm capture-pane -e -p -t t | grep -q '\[3[0-7]m\|;3[0-7]m\|38;5;'
[ $? -ne 0 ]
ok $? "--no-color: no colour anywhere on the screen"
tm capture-pane -e -p -t t | grep '◆ k' | grep -q '\[1m\|;1m\|\[1;'
ok $? "--no-color: bold still marks the new node"
key C-d
see '^\[agdb exited 0\]' "it ends"
tm_stop
tm_start_tui 120x40 "NO_COLOR=" "TERM=xterm-256color"
see '^\[transcript\]' "a 256-colour terminal"
line 'k = torch.ones(2, {requires_grad=true}); l = (k * 2):sum(); l:backward()'
see 'SumBackward0' "a graph is drawn"
tm capture-pane -e -p -t t | grep -q '38;5;'
ok $? "256 colours: the viewer uses the 256-colour palette"
key C-d
see '^\[agdb exited 0\]' "it ends"

# ------------------------------------------------------------ plain in a terminal
# a script and -e keep the plain mode even on a terminal big enough
tm_stop
echo 'print("from a script")' > "$TMPD/s.lua"
tm_start_tui 120x40 -- "$TMPD/s.lua"
see '^from a script$' "a script on a terminal runs"
see '^\[agdb exited 0\]' "and ends"
gone '^\[transcript\]|inspector' "without the viewer"
tm_stop
tm_start_tui 120x40 -- -e 'print(6 * 7)'
see '^42$' "-e on a terminal runs"
see '^\[agdb exited 0\]' "and ends, without the viewer"

# ------------------------------------------------------------ shared history
# the plain prompt and the viewer read and write one history
tm_stop
tm_start "AGDB_HISTORY=$TMPD/history"
check '^agdb>' "a plain session"
line 'from_plain = 5'
key C-d
check '^\[agdb exited 0\]' "it ends"
tm_stop
tm_start_tui 120x40 "AGDB_HISTORY=$TMPD/history"
see '^\[transcript\]' "then the viewer"
key Up
see '^agdb> from_plain = 5$' "Up in the viewer recalls the plain session's line"
key C-u
line 'from_viewer = 6'
key C-d
see '^\[agdb exited 0\]' "it ends"
tm_stop
tm_start "AGDB_HISTORY=$TMPD/history"
check '^agdb>' "a plain session again"
key Up
check '^agdb> from_viewer = 6$' "Up at the plain prompt recalls the viewer's line"
key C-d
done_testing
