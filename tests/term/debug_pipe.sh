# debug_pipe.sh - the debugger's :commands at a prompt without a terminal
# (agdb -i with a pipe): a mistake in a command reads as one line, without
# the library's frames, and does not replace the error :explain explains.
. "${top_srcdir:-.}/tests/term/lib.sh"

cd "$TMPD" || exit 1

run() {	# run INPUT: agdb -i on INPUT; sets out (stdout and stderr, banner dropped)
	out=$(printf '%s\n' "$1" | "$AGDB" -i 2>&1 | sed 1d)
}

run 'x = 1 + nil
:why nosuch
:explain'
case "$out" in
*"agdb> agdb.why: 'nosuch' is nil (a typo?)
agdb> "*) ok 0 "a typo in :why is one line: no traceback of the debugger's own code";;
*) ok 1 "a typo in :why is one line: no traceback of the debugger's own code"; diag "$out";;
esac
case "$out" in
*/agdb/why.lua*) ok 1 "the library's file is not named"; diag "$out";;
*) ok 0 "the library's file is not named";;
esac
case "$out" in
*"agdb> error: stdin:1: attempt to perform arithmetic on a nil value"*) ok 0 ":explain still explains the program's error";;
*) ok 1 ":explain still explains the program's error"; diag "$out";;
esac

run ':step
:gradflow 3'
case "$out" in
"agdb> agdb.step: no backward is paused (:bstep EXPR starts one; a breakpoint stops a plain backward())
agdb> agdb.gradflow: expected a module, a tensor or a list of tensors, got number
agdb> ") ok 0 ":step with nothing paused, :gradflow of a number: the message alone";;
*) ok 1 ":step with nothing paused, :gradflow of a number: the message alone"; diag "$out";;
esac

run 'w = torch.ones(2, {requires_grad=true})
function f() return agdb.why(nosuch) end
f()'
case "$out" in
*"agdb.why: expected a Tensor, got nil"*"stdin:1: in function 'f'"*) ok 0 "from Lua, the traceback shows the caller's frames";;
*) ok 1 "from Lua, the traceback shows the caller's frames"; diag "$out";;
esac
# anomaly mode at a plain prompt: the NaN stop prints what the viewer
# shows -- the node, the gradients that came in, the forward traceback
run 'torch.autograd.set_detect_anomaly(true)
n0 = torch.tensor({1., 0., 4.}, {requires_grad = true}); n1 = n0:sqrt(); loss = (n1 * 0):sum()
loss:backward()'
case "$out" in
*"agdb: anomaly mode stopped backward at SqrtBackward0; the gradients that came in:
  [1] mean|g| 0  max|g| 0  0 NaN, 0 Inf"*) ok 0 "anomaly mode, plain prompt: the node and the statistics of its incoming gradient";;
*) ok 1 "anomaly mode, plain prompt: the node and the statistics of its incoming gradient"; diag "$out";;
esac
case "$out" in
*"Warning: Error detected in SqrtBackward0. Traceback of forward call that caused the error:
stack traceback:
	stdin:1: in main chunk"*"Function 'SqrtBackward0' returned nan values in its 0th output."*) ok 0 "then the forward traceback of its creation and PyTorch's text";;
*) ok 1 "then the forward traceback of its creation and PyTorch's text"; diag "$out";;
esac

# what the debugger holds is let go when the session ends (the leak check
# at exit, which the test suite turns on, finds no tensor left)
printf '%s\n' 'x = torch.ones(2, {requires_grad=true}); y = x * 3; out = (y * y):sum()' \
	':break MulBackward0' 'out:backward()' | AGDB_CHECK_LEAKS=1 "$AGDB" -i > out.txt 2>&1
is "$?" 0 "a backward paused at a breakpoint when the session ends: exit status 0"
grep -q 'leak check' out.txt
ok $((! $?)) "and no leak reported"
printf '%s\n' 'torch.autograd.set_detect_anomaly(true)' \
	'n0 = torch.tensor({1., 0.}, {requires_grad=true}); n1 = n0:sqrt()' \
	'(n1 * 0):sum():backward()' | AGDB_CHECK_LEAKS=1 "$AGDB" -i > out.txt 2>&1
is "$?" 0 "a backward that failed in anomaly mode (its node kept for :explain): exit status 0"
echo "1..$tap_n"
rm -rf "$TMPD"
[ "$tap_failed" -eq 0 ]
