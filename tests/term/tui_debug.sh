# tui_debug.sh - the debugger in the viewer: a stepping session (a
# breakpoint on MulBackward0 stops a plain backward(), the graph and the
# inspector show the paused node and the tensors it saved, :step, :continue
# to the end), the expand-then-write error explained, and a NaN in
# backward stopped by anomaly mode with the node selected, its incoming
# gradients and the forward traceback of its creation in the inspector.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

tm_start_tui 130x70
see '^\[transcript\]' "the viewer starts"

# ------------------------------------------------------------ stepping
line 'x = torch.tensor({1.0, 2.0}, {requires_grad=true}); y = x * 3; out = (y * y):sum()'
line ':break MulBackward0'
see '^breakpoint 1: before MulBackward0 runs' ":break OPNAME sets a breakpoint"
line 'out:backward()'
see '^breakpoint 1 \(MulBackward0\): MulBackward0 is about to run' "a plain backward() stops at it"
see '^ran SumBackward0 \(out\)' "the stop says what ran before it"
see '^paused before MulBackward0, made by mul at in\[1\]:1 · step 1, 3 nodes pending' \
	"and where it is paused, with the line that made the node"
see '▶ MulBackward0' "the graph marks the paused node"
see '│ backward is paused here \(next to run\)' "the inspector shows the paused node"
see '│ saved self: \[2\] float32 +version 0' "with the tensors it saved and their versions"
see '│ saved other: \[2\] float32 +version 0' "both of them"
see '^  pending   MulBackward0, MulBackward0 \(y\), AccumulateGrad \(x\)' \
	"the pending nodes in the engine's order"
key Tab
see 'focus: graph' "Tab goes to the graph"
key +
see 'detail: full' "+ asks for full detail"
see '┃ saved self: \[2\] v0 +┃' "which draws the tensors the paused node saved, with their versions"
see '┃ saved other: \[2\] v0 +┃' "both"
see '│ AccumulateGrad │' "and the AccumulateGrad node where x's gradient lands"
key -
see 'detail: normal' "- goes back"
key Escape
line ':step'
see '^stepped 1 node' ":step runs one node"
see '^paused before MulBackward0 \(y\), made by mul at in\[1\]:1 · step 2' "and stops at the next"
see '│ MulBackward0 \(y\)$' "the inspector follows it"
see '^  grads in  \[1\] \[2\] float32  mean\|g\| 9\.00e\+00  max\|g\| 1\.20e\+01' \
	"the gradient flowing into it, with its statistics"
line ':continue'
see '^backward finished' ":continue runs to the end"
line 'x.grad'
see '^tensor\(\[18\., 36\.\]\)$' "and x.grad is PyTorch's"
line ':delete'
line 'x.grad = nil; y = x * 3; (y * y):sum():backward(); print(x.grad)'
see '^tensor\(\[18\., 36\.\]\)$' "without breakpoints a backward() runs through" 2

# ------------------------------------------------------------ :explain
line 'e = torch.tensor({1.0, 2.0, 3.0}); b = e:expand(3, 3)'
line 'b:add_(1)'
see 'more than one element of the written-to tensor refers to a single memory location' \
	"writing into an expanded tensor fails with PyTorch's text"
line ':explain'
see '^  dim 1: size 3, stride 0   <- stride 0: its 3 positions are one memory location' \
	":explain marks the stride-0 dim"
see '^    \(1, :\)  0  1  2$' "draws the element -> storage cell grid"
see '^  cell 0 is elements \(1, 1\) \(2, 1\) \(3, 1\)' "names the colliding elements"
see '^b was made by expand at in\[[0-9]+\]:1, from e' "names the line that made the view"
see '^  1\. clone the expanded tensor before writing' "and the first fix"
see '^  2\. write before expanding' "and the second"

# ------------------------------------------------------------ anomaly mode
line 'torch.autograd.set_detect_anomaly(true)'
line 'n0 = torch.tensor({1., 0., 4.}, {requires_grad = true}); n1 = n0:sqrt(); loss = (n1 * 0):sum()'
line 'loss:backward()'
see "^Function 'SqrtBackward0' returned nan values in its 0th output\.$" \
	"anomaly mode stops backward at the NaN, with PyTorch's text"
see '│ SqrtBackward0 \(n1\)$' "the node is selected in the inspector"
see '│ backward failed here' "which says backward failed there"
see '│ grad in \[1\]  mean\|g\| 0  max\|g\| 0' "with the statistics of the gradient that came in"
see '│ made at \(forward traceback\)' "and the forward traceback of its creation"
see '│   in\[[0-9]+\]:1: in main chunk' "naming the line that made it"
see 'SqrtBackward0' "the graph shows the node"
line 'torch.autograd.set_detect_anomaly(false)'

# ------------------------------------------------------------ gradient flow
# a training loop whose loss is a local: the graph has nothing to draw, the
# gradients pane still shows every parameter of the global model
line "dofile('${top_srcdir:-.}/examples/flow.lua')"
see 'gradients +[0-9]+ leaves · pass [0-9]+' "after training, the gradients pane has rows"
for i in 1 2 3 4 5 6; do key F6; WAIT_SECS=2 wait_view 'focus: gradients' && break; done
see 'focus: gradients' "F6 reaches the gradients pane"
key z
see '^\[gradients\] 16 leaves' "z zooms it: the model's 14 parameters and the two leaves of before"
see '^ ↓ model\.0\.weight +\[16, 16\] +▏ +│▏ +5\.[0-9]e-12 ' "the first layer vanishes: its mark, its shape, both bars, its mean |g|"
# (its mean |g| comes out of a near-cancellation, out - 1: its second digit
# follows the last bits of exp and sigmoid; PyTorch 1.13 gives 4.27e-06)
see '^   model\.12\.bias +\[1\] +█▊ +│█▊ +4\.[0-9]e-06 [0-9.e+-]+ +█' "the last layer does not: bars, mean, update ratio, sparkline"
key Home Down Down Enter
see 'model\.0\.weight is not in the graph drawn now' "Enter on a row the graph does not draw says so"
key z
key Escape
line 'after_debug = 6 * 7'
line 'after_debug'
see '^42$' "the session goes on"
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"
done_testing
