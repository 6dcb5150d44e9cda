#!/bin/sh
# tui_amp.sh - mixed precision in the viewer: the graph marks the node
# whose backward lost float16 values to rounding, the gradients pane marks
# the leaf, the inspector shows a float16 tensor's ulp.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

tm_start_tui 120x40
see '^\[transcript\]' "the viewer starts"
line 'h = {dtype = torch.float16}; w = torch.tensor({1, 2, 3, 4}, {dtype = torch.float16, requires_grad = true}); a = torch.tensor({1e-4, 1e-4, 1, 1}, h); y = w * a'
line 'y:backward(torch.tensor({1e-4, 1, 1, 1}, h))'
see 'MulBackward0' "the graph is drawn"
see '≈ rounding lost 1 to 0, 0 to inf' "the node whose backward lost values says how many"
for i in 1 2 3 4 5 6; do key F6; WAIT_SECS=2 wait_view 'focus: gradients' && break; done
see 'focus: gradients' "F6 reaches the gradients pane"
see '│ ≈ w +\[4\] +█' "the gradients pane marks w (and gives its shape)"
see '│ ◆ ≈ w +│' "and so does the graph"
key Home Enter
see '│ ulp +0\.000977 at 1$' "the inspector shows a float16 tensor's ulp at 1"
see '│ +0\.00391 at max\|x\| 4$' "at its largest value"
see '│ +5\.96e-08 smallest step$' "and float16's smallest step"
key Escape
line 'after_amp = 6 * 7'
line 'after_amp'
see '^ *42$' "the session goes on"
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"
done_testing
