# tui_resize.sh - the viewer follows the terminal's size: 120x40, 80x24,
# below the panes' minimum (60x20: a line says why, the prompt carries
# on), and back; a viewer that starts in a small terminal says why and
# the plain prompt carries on; --tui after -e.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

tm_start_tui 120x40
see '^\[transcript\]' "the viewer starts at 120x40"
line 'a = torch.ones(3, {requires_grad=true}); b = (a * 2):sum()'
see 'SumBackward0' "a graph to look at"
see 'inspector' "the inspector is there"

tm resize-window -t t -x 80 -y 24
see ' graph +backward' "80x24: the panes are laid out again"
see 'gradients' "80x24: the gradients pane is still there"
gone 'the panes need' "80x24: no complaint about the size"

tm resize-window -t t -x 60 -y 20
see 'the terminal is 60x20; the panes need 80x24' "60x20: one line says why the panes are gone"
gone ' graph +backward' "60x20: no graph pane"
line 'c = b + 1'
see '^agdb> c = b \+ 1' "60x20: the prompt carries on"

tm resize-window -t t -x 120 -y 40
see ' graph +backward' "120x40 again: the panes are back"
gone 'the panes need' "and the complaint is gone"
see 'AddBackward0' "the graph has c's node"
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"

# started in a small terminal: a line says why, the plain prompt goes on
tm_stop
tm_start_tui 70x20
check 'the terminal is 70x20 and the viewer needs 80x24; using the plain prompt' \
	"a 70x20 terminal starts the plain prompt with one line saying why"
check '^agdb>' "the plain prompt"
line '6 * 7'
check '^42$' "and it works"
key C-d
check '^\[agdb exited 0\]' "it ends"

# colours: meaning in colour with 8 colours (TERM=xterm), none with
# NO_COLOR, where bold carries the "new" mark (and the word "new" does)
tm_stop
tm_start_tui 100x30 "NO_COLOR=" "TERM=xterm"
see '^\[transcript\]' "a viewer with colours"
line 'k = torch.ones(2, {requires_grad=true})'
see '│ ◆ k +│' "k is drawn"
tm capture-pane -e -p -t t | grep '◆ k' | grep -q '\[3[0-7]m\|;3[0-7]m'
ok $? "8 colours: the leaf has a colour"
tm capture-pane -e -p -t t | grep '◆ k' | grep -q '\[1m\|;1m\|\[1;'
ok $? "8 colours: the new node is bold"
key C-d
see '^\[agdb exited 0\]' "it ends"
tm_stop
tm_start_tui 100x30
see '^\[transcript\]' "a viewer under NO_COLOR"
line 'k = torch.ones(2, {requires_grad=true})'
see '│ ◆ k +│' "k is drawn"
tm capture-pane -e -p -t t | grep -q '\[3[0-7]m\|;3[0-7]m\|38;5;'
[ $? -ne 0 ]
ok $? "NO_COLOR: no colour anywhere on the screen"
tm capture-pane -e -p -t t | grep '◆ k' | grep -q '\[1m\|;1m\|\[1;'
ok $? "NO_COLOR: the new node is bold"
key C-d
see '^\[agdb exited 0\]' "it ends"

# --tui after -e: the viewer shows what -e made
tm_stop
tm_start_tui 100x30 -- --tui -e 'p = torch.ones(2, {requires_grad=true}); q = p * 3'
see '│ ◆ p +│' "--tui -e: the viewer starts with the graph of what -e made"
see 'MulBackward0' "with q's node"
key C-d
see '^\[agdb exited 0\]' "and ends"
done_testing
