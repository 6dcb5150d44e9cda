# tui_seed.sh - the viewer as a newcomer meets it: PyTorch's autograd
# tutorial typed line by line, the graph pane checked after each line
# (the nodes appear, the newest marked "new"), backward() and the
# gradients, walking the graph with the keyboard, search, help.  At
# 120x40; tui_seed_80x24.sh runs it at 80x24 (TUI_SIZE).
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

size=${TUI_SIZE:-120x40}
tm_start_tui "$size"
see '^\[transcript\]' "$size: the viewer starts with the input line focused"
see 'backward │ normal │ all globals' "$size: the status line says what the graph pane draws"
see ' graph +backward' "$size: the graph pane is there"
see ' inspector' "$size: the inspector is there"
see ' gradients' "$size: the gradients pane is there"

# the line after a box's title line that names what $1 names
box_marked_new() {
	view | awk -v want="$1" 'found && /╰|└/ { print; exit } index($0, want) { found = 1 }' |
		grep -q ' new '
}

line 'x = torch.ones(2, 2, {requires_grad=true})'
see '│ ◆ x +│' "$size: x appears in the graph as a leaf"
box_marked_new '◆ x'
ok $? "$size: and is marked new"

line 'y = x + 2'
see 'y: \[2, 2\] float32' "$size: y = x + 2 draws AddBackward0 for y"
box_marked_new 'y: [2, 2] float32'
ok $? "$size: the new node is marked"
is "$(count_view ' new ')" 1 "$size: only the newest line's node is marked"

line 'z = y * y * 3'
see 'z: \[2, 2\] float32' "$size: z = y * y * 3 draws z"
box_marked_new 'z: [2, 2] float32'
ok $? "$size: z is marked new"
see 'MulBackward0' "$size: with its MulBackward0 nodes" 2

line 'out = z:mean()'
see 'out: \[\] float32' "$size: out = z:mean() draws MeanBackward0 for out"
box_marked_new 'out: [] float32'
ok $? "$size: out is marked new"
see '5 nodes' "$size: the graph has 5 nodes"

line 'out:backward()'
see 'gradients +1 leaf' "$size: after backward() the gradients pane lists x"
see ' x .*█.* 4\.5e\+00' "$size: with the size of its gradient, 4.5, as a bar"
see '\|g\| [▁▂▃▄▅▆▇] mean' "$size: the graph's nodes carry gradient marks"

# walk the graph: Tab on the empty line, g (top), n, n, Enter
key Tab
see '^\[graph\]' "$size: Tab on an empty line focuses the graph pane"
see 'focus: graph' "$size: the status line says so"
key g n n Enter
see 'grad_fn +AddBackward0' "$size: n, n, Enter selects AddBackward0: the inspector shows its grad_fn"
see 'shape +\[2, 2\] +float32' "$size: and its shape"

type_text '/z'
see 'search: /z' "$size: / opens the search"
key Enter
see '/z: 1 of 1' "$size: /z finds z"
see 'MulBackward0 \(z\)' "$size: the inspector shows z"

type_text '?'
see 'keys of the graph pane' "$size: ? shows the help overlay"
see 'search by variable, op or module name' "$size: listing the keys"
key Space
gone 'keys of the graph pane' "$size: a key closes it"

key z
gone 'inspector' "$size: z zooms the graph pane to the full screen"
gone 'transcript' "$size: the transcript too is gone"
key q
see 'inspector' "$size: q un-zooms"
key z z
see 'inspector' "$size: z again un-zooms too"

key Escape
gone '/z: 1 of 1' "$size: Esc ends the search"
key Escape
see '^\[transcript\]' "$size: Esc again goes back to the input line"
key F1
see 'keys of the input line' "$size: F1 on the input line shows its keys"
key Space
gone 'keys of the input line' "$size: a key closes them"
key C-x o
see '^\[graph\]' "$size: Ctrl-x o goes to the next pane"
key F6
see '\[inspector\]' "$size: F6 too"
key BTab BTab
see '^\[transcript\]' "$size: Shift-Tab goes back"
line 'w = out * 10'
see 'MulBackward0 \(w\)|w: \[\] float32' "$size: typing works again and w appears"

key Tab
see '^\[graph\]' "$size: Tab on the empty line again focuses the graph"
type_text '/x'
key Enter
see 'leaf tensor' "$size: /x selects the leaf x"
see 'created +torch\.ones at' "$size: the inspector says which factory made x (and where: wrapped at 80 columns)"
key Escape Escape
see '^\[transcript\]' "$size: Esc, Esc: back to the input line"

key C-d
see '^\[agdb exited 0\]' "$size: Ctrl-D leaves with status 0"
done_testing
