-- test_engine_sizes.lua - the backward engine on graphs around the size
-- it handles without allocating (core/engine.c: 16 tasks, 32 gradient
-- slots, 4 roots), across it, and a pass started inside another (a hook
-- that runs backward), where the engine kept from the last pass is taken
-- by the inner one.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

-- a chain of n ops: y = x * 2 * 2 ... (n muls) + sum: n + 2 tasks
-- (the muls, the sum, the leaf's AccumulateGrad)
local function chain(n)
	local x = torch.tensor({1.0, -2.0}, {requires_grad = true})
	local y = x
	for _ = 1, n do y = y * 2 end
	y:sum():backward()
	return x.grad:tolist(), 2.0 ^ n
end

for _, n in ipairs({1, 13, 14, 15, 16, 30, 100}) do
	local g, want = chain(n)
	t.is(g, {want, want}, ("a chain of %d ops (%d tasks) gives 2^%d"):format(n, n + 2, n))
end

-- a wide graph: x used by 40 branches, summed (each branch its own node)
do
	local x = torch.tensor({3.0}, {requires_grad = true})
	local acc = x * 0
	for k = 1, 40 do acc = acc + x * k end
	acc:backward()
	t.is(x.grad:tolist(), {820.0}, "40 branches into one leaf: sum of 1..40")
end

-- a node with many outputs: unbind into 40 (40 gradient slots, past the
-- engine's own 32), each used with its own weight
do
	local x = torch.arange(1, 41):to(torch.float64):requires_grad_()
	local parts = x:unbind()
	t.is(#parts, 40, "unbind gives 40 tensors")
	local s = parts[1] * 1
	for k = 2, 40 do s = s + parts[k] * k end
	s:backward()
	local want = {}
	for k = 1, 40 do want[k] = k end
	t.is(x.grad:tolist(), want, "UnbindBackward0 with 40 outputs: each slot its own gradient")
end

-- roots: 1 to 6 (the engine keeps up to 4 in place)
for _, n in ipairs({1, 4, 5, 6}) do
	local x = torch.tensor({1.0, 1.0}, {requires_grad = true})
	local roots, grads = {}, {}
	for k = 1, n do
		roots[k] = (x * k):sum()
		grads[k] = torch.tensor(1.0)
	end
	torch.autograd.backward(roots, grads)
	local w = n * (n + 1) / 2
	t.is(x.grad:tolist(), {w, w}, ("%d roots in one pass"):format(n))
end

-- autograd.grad with inputs, over a graph past 16 tasks
do
	local x = torch.tensor({2.0}, {requires_grad = true})
	local y = x
	for _ = 1, 20 do y = y + x end
	local g = torch.autograd.grad({y:sum()}, {x})[1]
	t.is(g:tolist(), {21.0}, "autograd.grad across 23 tasks")
	t.ok(x.grad == nil, "and no .grad written")
end

-- a pass inside a pass: a tensor hook runs backward of two other graphs
-- (made beforehand: hooks run with grad mode off), one small and one past
-- 16 tasks, and the outer pass goes on
do
	local a = torch.tensor({1.0}, {requires_grad = true})
	local b = torch.tensor({1.0}, {requires_grad = true})
	local x = torch.tensor({1.0}, {requires_grad = true})
	local small = (a * 5):sum()
	local large = b
	for _ = 1, 20 do large = large * 1 + b end
	large = large:sum()
	local h = x * 3
	h:register_hook(function(g)
		small:backward()
		large:backward()
		return g * 2
	end)
	local out = (h * 7):sum()
	out:backward()
	t.is(x.grad:tolist(), {42.0}, "the outer pass's gradient, doubled by the hook")
	t.is(a.grad:tolist(), {5.0}, "the small inner pass ran")
	t.is(b.grad:tolist(), {21.0}, "the large inner pass ran")
	-- passes after it, each using the kept engine again
	for _ = 1, 3 do (x * 1):sum():backward() end
	t.is(x.grad:tolist(), {45.0}, "three more small passes accumulate")
end

-- a failed pass (anomaly: NaN in a node's output) leaves the next one whole
do
	local x = torch.tensor({0.0}, {requires_grad = true})
	torch.autograd.set_detect_anomaly(true)
	local y = x:sqrt() * 0
	t.raises(function() y:sum():backward() end,
		"Function 'SqrtBackward0' returned nan values in its 0th output.",
		"a NaN gradient fails in anomaly mode")
	torch.autograd.set_detect_anomaly(false)
	local z = torch.tensor({4.0}, {requires_grad = true})
	z:sqrt():sum():backward()
	t.is(z.grad:tolist(), {0.25}, "the next pass runs after a failed one")
end

t.done()
