# tui_view.sh - :view from the plain prompt: the graph and the inspector
# full screen until q, then the plain prompt as it was.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

tm_start
check '^agdb>' "the plain prompt"
line 'x = torch.ones(2, 2, {requires_grad=true}); y = x + 2; out = (y * y):mean()'
line 'before_view = 1'
line ':view out'
see 'graph\]? +backward' ":view opens the graph pane"
see ' inspector' "with the inspector"
gone 'transcript' "no transcript: it is a viewer"
see 'MeanBackward0' "out's graph is drawn"
see 'q close' "the status line says how to leave"
key g n n Enter
see 'grad_fn +AddBackward0' "n, n, Enter: the inspector shows the node"
key q
check '^agdb> :view out$' "q returns to the plain prompt, the screen as it was"
line '1 + 1'
check '^2$' "the prompt works"
line ':view nosuchname'
check "agdb.view: 'nosuchname' is nil" "a bad :view argument is an error message"
line 'agdb.view(y)'
see 'AddBackward0' "agdb.view(y) from Lua opens the viewer on y"
key q
check '^agdb> agdb.view\(y\)$' "and q returns"
key C-d
check '^\[agdb exited 0\]' "Ctrl-D leaves"
done_testing
