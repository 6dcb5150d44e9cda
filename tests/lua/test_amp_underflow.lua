-- test_amp_underflow.lua - what float16/bfloat16 rounding loses in
-- backward, counted where gradients are rounded on store: on the node
-- whose backward lost values (core.node_info), on the leaf the gradient
-- reached (gradient flow, the gradients pane), marked in the graph.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local agdb = agdb or require "agdb"
local core = require "agdb.core"

-- w * a with the gradient g: w's gradient is g * a, rounded to float16:
-- 1e-4 * 1e-4 = 1e-8 is below float16's smallest step (6e-8) and becomes
-- 0; 300 * 300 = 9e4 is past its largest value (65504) and becomes inf
local h = {dtype = torch.float16}
local w = torch.tensor({1.0, 2.0, 3.0, 4.0}, {dtype = torch.float16, requires_grad = true})
local a = torch.tensor({1e-4, 1e-4, 300, 1}, h)
local g = torch.tensor({1e-4, 1, 300, 1}, h)
local y = w * a
y:backward(g)
t.is(w.grad:float():tolist()[1], 0.0, "1e-4 * 1e-4 underflowed to 0 in float16")
t.is(w.grad:float():tolist()[3], math.huge, "300 * 300 overflowed to inf")
local mul = core.node_info(y.grad_fn)
t.is(mul.lost_zero, 1, "MulBackward0 lost one value to underflow")
t.is(mul.lost_inf, 1, "and one to overflow")
local acc = core.node_info(y.grad_fn.next_functions[1][1])
t.is(acc.name, "AccumulateGrad", "w's AccumulateGrad")
t.is(acc.lost_zero, 1, "the gradient w got lost one value to zero")
t.is(acc.lost_inf, 1, "and one to inf")

-- a big gradient (its backward runs in parallel threads): every value
-- counted once, all of them on the leaf
local n = 1 << 20
local wb16 = torch.ones(n, {dtype = torch.float16, requires_grad = true})
local yb = wb16 * torch.full({n}, 1e-4, h)
yb:backward(torch.full({n}, 1e-4, h))
t.is(core.node_info(yb.grad_fn).lost_zero, n, "2^20 values lost: each counted once")
t.is(core.node_info(yb.grad_fn.next_functions[1][1]).lost_zero, n, "all of them on the leaf")
wb16, yb = nil, nil

-- values that are representable lose nothing; float32 never counts
local w2 = torch.tensor({1.0, 2.0}, {dtype = torch.float16, requires_grad = true})
local y2 = w2 * torch.tensor({0.5, 0.25}, h)
y2:backward(torch.tensor({1.0, 1.0}, h))
t.is(core.node_info(y2.grad_fn).lost_zero, 0, "no loss: nothing counted")
local w3 = torch.tensor({1.0, 2.0}, {requires_grad = true})
local y3 = w3 * 1e-30
y3:backward(torch.tensor({1e-30, 1e-30}))
t.is(core.node_info(y3.grad_fn).lost_zero, 0, "float32 rounding is not counted")

-- a new pass replaces the counts
y = w * a
y:backward(torch.tensor({1, 1, 1, 1}, h))
t.is(core.node_info(y.grad_fn.next_functions[1][1]).lost_zero, 0,
	"the next pass's counts replace the last ones")
w.grad = nil

-- under float16 autocast: a float32 weight whose gradient is rounded to
-- float16 inside the product's backward, and cast back to float32 for it
local x = torch.full({4, 3}, 1e-3)
local wf = torch.full({3, 2}, 0.5, {requires_grad = true})
local out = torch.autocast({device_type = "cpu", dtype = torch.float16}, function()
	return x:mm(wf)
end)
t.is(out.dtype, torch.float16, "the product is float16")
out:float():backward(torch.full({4, 2}, 1e-5))
-- wf.grad = x^T g: 4 * 1e-3 * 1e-5 = 4e-8 per element, which float16
-- rounds to 6e-8 (its smallest step), and 2e-8 would round to 0
t.is(wf.grad.dtype, torch.float32, "the weight's gradient is float32")
wf.grad = nil
out = torch.autocast({device_type = "cpu", dtype = torch.float16}, function()
	return x:mm(wf)
end)
out:float():backward(torch.full({4, 2}, 5e-6))
t.is(wf.grad:tolist()[1][1], 0.0, "4 * 1e-3 * 5e-6 = 2e-8 underflowed to 0")
local rows = agdb.gradflow({wf}).rows
t.is(rows[1].lost_zero, 6, "gradient flow: all 6 values of the weight's gradient were lost")
t.is(rows[1].lost_inf, 0, "none overflowed")
t.ok(tostring(agdb.gradflow({wf})):find("6 underflowed to 0, 0 overflowed to inf", 1, true),
	"agdb.gradflow says so")

-- the graph marks the node that lost values and the leaf
local text = tostring(agdb.graph(out, {ascii = true}))
t.ok(text:find("~ rounding lost 6 to 0, 0 to inf", 1, true), "the graph marks the rounding node")
t.ok(text:find("| * ~ ", 1, true), "and the leaf")

-- bfloat16 keeps float32's range: the same gradient is not lost
local wb = torch.full({3, 2}, 0.5, {requires_grad = true})
out = torch.autocast({device_type = "cpu", dtype = torch.bfloat16}, function()
	return x:mm(wb)
end)
out:float():backward(torch.full({4, 2}, 5e-6))
t.is(agdb.gradflow({wb}).rows[1].lost_zero, 0, "bfloat16: nothing lost")
t.ok(wb.grad:tolist()[1][1] > 0, "the gradient is there")

-- a running sum in backward (cumsum's is a reverse cumsum, kept in
-- float32 and rounded on store) counts what bfloat16 rounding loses:
-- (2^128 - 2^120) + (2^119 + 2^117) + 2 is finite in float32 and past
-- bfloat16's largest value
local xs = torch.ones(4, {dtype = torch.bfloat16, requires_grad = true})
local ys = xs:cumsum(1)
ys:backward(torch.tensor({2 ^ 128 - 2 ^ 120, 2 ^ 119 + 2 ^ 117, 1, 1}):to(torch.bfloat16))
t.is(xs.grad:float():tolist()[1], math.huge, "bfloat16 cumsum backward: the first sum rounded to inf")
local cs = core.node_info(ys.grad_fn)
t.is({cs.name, cs.lost_zero, cs.lost_inf}, {"CumsumBackward0", 0, 1}, "CumsumBackward0 counted it")
t.is(core.node_info(ys.grad_fn.next_functions[1][1]).lost_inf, 1, "and the leaf's gradient")
t.is(xs.grad:float():tolist()[2], 2 ^ 119 + 2 ^ 117, "a sum that fits rounds as before (the 2 is below its step)")
t.done()
