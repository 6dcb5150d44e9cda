# tui_panes.sh - two things of the viewer a snapshot cannot show: a
# progress bar drawn into the transcript (stdout is the viewer's capture
# pipe there, not a terminal, yet the bar draws, in place, to the
# transcript's width), and the graph pane's c key collapsing a module into
# one box and expanding it again.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

# the display width of a line (the bar's blocks are one column each)
cols() { printf '%s' "$1" | LC_ALL=C.UTF-8 wc -m; }

tm_start_tui 120x40
see '^\[transcript\]' "the viewer starts"

# ------------------------------------------------------------ progress
line 'P = require("torch.utils.progress")'
line 'for i in P.progress(20, {desc="train", mininterval=0}) do local t = os.clock(); while os.clock() - t < 0.02 do end end; done_marker = 1'
see '^train: 100%\|█+\| 20/20 \[' "the bar reaches 20/20 in the transcript"
wait_view '^agdb> *$'
is "$(count_view '^train: ')" 1 "it redraws one line in place (a carriage return), not a line per step"
bar=$(view | grep '^train: 100%')
w=$(cols "$bar")
[ "$w" -le 120 ] && [ "$w" -ge 110 ]
ok $? "the bar fills the transcript's width and no more (120 columns, got $w)"
line 'torch._C.terminal_width(1)'
see '^120$' "torch._C.terminal_width is the transcript's width inside the viewer"

# ------------------------------------------------------------ c collapses
line 'torch.manual_seed(0); model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)); out = model(torch.randn(5, 3)):sum()'
see 'SumBackward0' "the model's graph is drawn"
see '─ model\.2 ─' "the nodes of model.2 carry its name"
key Tab
see 'focus: graph' "Tab goes to the graph pane"
key n n n n
see 'module   model\.2' "n walks to a node of model.2 (the inspector says its module)"
key c
see 'collapsed model\.2 \(c again expands it\)' "c collapses the module"
see '║ model\.2 +║' "model.2 is one box"
see 'module, 4 nodes hidden' "which says how many nodes it hides"
gone '─ model\.2 ─' "its nodes are not drawn"
see '─ model\.0 ─' "model.0 is still drawn node by node"
key c
see 'expanded model\.2' "c again expands it"
see '─ model\.2 ─' "its nodes are back"
gone 'nodes hidden' "no collapsed box is left"
key Escape
line 'after_collapse = 7 * 6'
line 'after_collapse'
see '^42$' "the prompt works after"
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"
done_testing
