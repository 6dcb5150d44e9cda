-- test_debug_step.lua - stepping through backward (:bstep, :step,
-- :continue, :finish, :abort), breakpoints (op, nan, inf, grad>X, VAR),
-- watchpoints, :info break and :delete.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local function has(s, text, name)
	return t.ok(s:find(text, 1, true), name .. " (" .. text:gsub("\n", "\\n") .. ")")
end
local function here() return debug.getinfo(2, "l").currentline end

x = torch.ones(2, 2, {requires_grad = true})
y = x + 2
z = y * y * 3
out = z:mean()

-- a stepped backward
local s = agdb.bstep(out)
has(s.text, "backward of out begins", "bstep: the first stop")
t.is(s.name, "MeanBackward0", "paused before the first node")
t.is(s.pending, {"MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"},
	"the pending nodes in the engine's order")
t.is(s.steps, 0, "nothing ran")
s = agdb.step()
has(s.text, "ran MeanBackward0 (out)", "step: the node that ran")
has(s.text, "grads out [1] [2, 2] float32  mean|g| 2.50e-01", "its gradient out, with statistics")
has(s.text, "-> MulBackward0 (z)", "and where it went")
t.is(s.name, "MulBackward0", "paused before the next")
t.is(#s.pending, 4, "4 pending")
t.near(s.grads[1].mean_abs, 0.25, 1e-6, "the gradient waiting for it as a fact")
s = agdb.step(1)
t.is(s.name, "MulBackward0", "the y * y node next")
t.is(#s.saved, 2, "it saved two tensors")
has(s.text, "self: [2, 2] float32, version 0 (as saved)", "its saved tensors and versions")
has(s.text, "other: [2, 2] float32, version 0 (as saved)", "both")
-- a saved tensor modified while paused: the stop says so
y:add_(0)
s = core_stop and nil
local a = agdb.abort()
has(a.text, "backward aborted after 2 nodes", "abort")
t.is(x.grad, nil, "abort: .grad as before the pass")
t.raises(function() agdb.step() end, "no backward is paused", "nothing to step after abort")

-- the graph stays usable: a later backward works (y was changed in place:
-- rebuild it)
y = x + 2
z = y * y * 3
out = z:mean()
out:backward({retain_graph = true})
t.is(x.grad:tolist(), {{4.5, 4.5}, {4.5, 4.5}}, "after an abort, backward() works")
x.grad = nil

-- abort puts .grad back as it was, not to nil
v = torch.ones(2, {requires_grad = true})
both = (v * 3):sum() + (x * 2):sum()
x.grad = torch.full({2, 2}, 10.0)
s = agdb.bstep(both)
t.is(s.pending[4], "AccumulateGrad", "x's AccumulateGrad runs as soon as it is ready")
agdb.step(4)
t.is(x.grad:tolist(), {{12, 12}, {12, 12}}, "four steps in: x.grad accumulated")
t.is(v.grad, nil, "v not yet")
agdb.abort()
t.is(x.grad:tolist(), {{10, 10}, {10, 10}}, "abort after the accumulation: .grad restored")
both:backward()
t.is(v.grad:tolist(), {3, 3}, "and the aborted graph runs again")
x.grad = nil

-- :finish runs to the end
agdb.bstep(out, {retain_graph = true})
s = agdb.finish()
t.ok(s.finished, "finish: finished")
has(s.text, "5 nodes ran", "finish: every node ran")
t.is(x.grad:tolist(), {{4.5, 4.5}, {4.5, 4.5}}, "finish: the gradient is PyTorch's")
x.grad = nil

-- a breakpoint on an op: a plain backward() stops into the stepping mode
local b = agdb.break_on("MulBackward0")
t.is(b.id, 1, "breakpoint 1")
t.is(b.kind, "op", "an op breakpoint")
t.is(agdb.break_on, agdb["break"], "agdb.break_on is :break")
local ok, stop = pcall(out.backward, out, nil, {retain_graph = true})
t.ok(not ok, "backward() stops at the breakpoint (as an error ending the chunk)")
has(tostring(stop), "breakpoint 1 (MulBackward0): MulBackward0 is about to run", "the stop says why")
t.is(stop.name, "MulBackward0", "paused before MulBackward0")
t.is(stop.breakpoint, 1, "which breakpoint")
t.is(x.grad, nil, "nothing reached x yet")
s = agdb.continue()
t.is(s.name, "MulBackward0", "continue stops at the next MulBackward0")
s = agdb.continue()
t.ok(s.finished, "continue finishes it")
t.is(x.grad:tolist(), {{4.5, 4.5}, {4.5, 4.5}}, "continue: the gradient is complete")
x.grad = nil
local info = agdb.info("break")
has(info.text, "breakpoint 1: before MulBackward0 runs (hit 2 times)", ":info break counts the hits")
agdb.delete(1)
t.is(#agdb.info().breakpoints, 0, ":delete removes it")
out:backward({retain_graph = true})
t.is(x.grad[1][1]:item(), 4.5, "without breakpoints backward runs through")
x.grad = nil
t.raises(function() agdb.delete(99) end, "no breakpoint or watchpoint 99", "deleting what is not there")

-- an op's plain name works too, and the first node counts
agdb.break_on("mean")
ok, stop = pcall(out.backward, out, nil, {retain_graph = true})
t.is(stop.name, "MeanBackward0", "break on an op's name (mean), on the very first node")
agdb.abort()
agdb.delete()

-- nan, inf, grad>X: checked on what a node returns
n = torch.tensor({1., 0.}, {requires_grad = true})
m = (n:sqrt() * 0):sum()
local bn = agdb.break_on("nan")
ok, stop = pcall(m.backward, m, nil, {retain_graph = true})
t.ok(not ok, "a NaN stops backward")
has(tostring(stop), "breakpoint " .. bn.id .. " (nan): SqrtBackward0 returned a NaN in its gradient for input 1",
	"the stop names the node that returned it")
has(tostring(stop), "ran SqrtBackward0", "and shows it ran")
agdb.abort()
agdb.delete()
agdb.break_on("inf")
ok, stop = pcall(function() (n:log() * 1):sum():backward() end)
has(tostring(stop), "(inf): LogBackward0 returned an Inf", "an Inf stops backward")
agdb.abort()
agdb.delete()
agdb.break_on("grad>1e3")
k = torch.ones(3, {requires_grad = true})
ok, stop = pcall(function() (k * 5000):sum():backward() end)
has(tostring(stop), "(grad>1e3): MulBackward0 returned a large gradient", "a big gradient stops backward")
t.is(agdb.info().breakpoints[1].limit, 1000, "the limit as a fact")
agdb.abort()
agdb.delete()
t.raises(function() agdb.break_on("grad>lots") end, "grad>LIMIT needs a number", "a bad limit")
t.raises(function() agdb.break_on("a b") end, "is not an op name", "a bad spec")

-- VAR: when the gradient reaches a named tensor
agdb.break_on("y")
ok, stop = pcall(out.backward, out, nil, {retain_graph = true})
t.is(stop.name, "AddBackward0", "break on y: before y's grad_fn runs")
has(tostring(stop), "the gradient is about to reach y", "says so")
agdb.finish()
x.grad = nil
agdb.delete()
agdb.break_on("x")
ok, stop = pcall(out.backward, out, nil, {retain_graph = true})
t.is(stop.name, "AccumulateGrad", "break on a leaf: before its AccumulateGrad")
agdb.finish()
agdb.delete()
x.grad = nil

-- watch: an in-place write stops the running chunk, naming the line
w = torch.zeros(3)
local wp = agdb.watch("w")
t.is(wp.kind, "watch", "a watchpoint")
local l_write = here() + 1
ok, err = pcall(function() w:add_(1); error("not reached") end)
t.ok(not ok, "the write stops the chunk")
has(tostring(err), "watchpoint " .. wp.id .. ": w was modified in place at", "the watch message")
t.ok(tostring(err):find(":" .. l_write .. "%f[^%d]"), "naming the line of the write")
has(tostring(err), "(version 0 -> 1)", "with the versions")
t.is(w[1]:item(), 1.0, "the write itself happened")
local view = w[{{1, 2}}]
ok, err = pcall(function() view:fill_(5); error("not reached") end)
has(tostring(err), "through a view of it", "a write through a view is seen too")
agdb.delete()
t.lives(function() w:add_(1) end, "deleted: writes go on")

-- a stepped backward of a non-scalar, with its gradient
bx = torch.tensor({1.0, 2.0}, {requires_grad = true})
by = bx * 3
s = agdb.bstep(by, torch.tensor({1.0, 10.0}))
t.is(s.name, "MulBackward0", "bstep with a gradient: paused before by's node")
t.near(s.grads[1].max_abs, 10, 1e-6, "the given gradient is what waits for it")
s = agdb.finish()
has(s.text, "backward finished", "finish runs it to the end")
t.is(bx.grad:tolist(), {3.0, 30.0}, "bx.grad is the gradient times 3, as PyTorch's")
t.raises(function() agdb.bstep(by) end, "grad can be implicitly created only for scalar outputs",
	"without a gradient a non-scalar is PyTorch's error")

-- one paused pass at a time
agdb.bstep(out, {retain_graph = true})
t.raises(function() agdb.bstep(out) end, "a backward is paused already", "one pass at a time")
agdb.abort()
t.done()
