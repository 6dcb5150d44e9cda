-- test_ag_pytorch_diffs.lua - the differences from PyTorch 1.13 that a
-- port of PyTorch's test/test_autograd.py found, each checked against
-- what PyTorch 1.13 gives for the same session (values in the comments
-- were printed by PyTorch 1.13).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

-- 1. backward with create_graph: each leaf gets a fresh contiguous .grad
do
	local x = torch.randn(3, {requires_grad = true})
	local y = torch.randn(3, {requires_grad = true})
	local z = x + y
	z:backward(torch.ones(3, {requires_grad = true}), {create_graph = true})
	t.ok(x.grad ~= y.grad, "create_graph: x.grad and y.grad are two tensors")
	t.is(x.grad.grad_fn and x.grad.grad_fn:name(), "CopyBackwards",
		"x.grad's history is a copy (PyTorch: CopyBackwards)")
	t.ok(x.grad:is_contiguous(), "x.grad is contiguous")
	x.grad:mul_(2)
	t.near(y.grad:tolist(), {1, 1, 1}, 1e-6, "scaling x.grad leaves y.grad alone")

	local w = torch.randn(1, {requires_grad = true})
	local a = torch.randn(3, {requires_grad = true})
	;(a + w):sum():backward({create_graph = true})
	t.is(w.grad:stride(), {1}, "a broadcast leaf's .grad has stride 1, not 0")
	t.lives(function() w.grad:mul_(0.5) end, "and can be scaled in place")
	t.near(w.grad:tolist(), {1.5}, 1e-6, "to the right value")
end
do
	-- sum's backward is one ExpandBackward0 (no ReshapeAliasBackward0)
	local s = torch.randn(2, 2, {requires_grad = true})
	local go = torch.tensor(1.0, {requires_grad = true})
	local g = torch.autograd.grad({s:sum()}, {s}, {grad_outputs = {go},
		create_graph = true})[1]
	t.is(g.grad_fn:name(), "ExpandBackward0", "sum's backward expands the gradient")
	local nf = g.grad_fn.next_functions
	t.is(#nf, 1, "with one edge")
	t.is(nf[1][1]:name(), "AccumulateGrad", "straight to the grad output")
end

-- 2. a mode guard acts only when closed: as a plain statement,
-- set_grad_enabled changes the mode for good
do
	torch.set_grad_enabled(false)
	collectgarbage(); collectgarbage()
	t.is(torch.is_grad_enabled(), false,
		"set_grad_enabled(false) as a statement survives a collection")
	torch.set_grad_enabled(true)
	do local _ = torch.no_grad() end
	collectgarbage(); collectgarbage()
	t.is(torch.is_grad_enabled(), false,
		"an unclosed no_grad() guard is not undone by the collector")
	torch.set_grad_enabled(true)
	do
		local g <close> = torch.no_grad()
		t.is(torch.is_grad_enabled(), false, "a <close> no_grad turns grad off")
	end
	t.is(torch.is_grad_enabled(), true, "and back on when closed")
	torch.no_grad(function()
		local _ = torch.enable_grad()
		collectgarbage(); collectgarbage()
	end)
	t.is(torch.is_grad_enabled(), true, "no_grad(fn) restores the mode on return")
end

-- 3. a view sees its base's new history
do
	local r = torch.ones(5, {requires_grad = true})
	local x = torch.ones(5)
	local v = x:select(1, 2)
	x:add_(r)
	t.is(v.requires_grad, true, "the view of a base modified by a grad op requires grad")
	t.is(v.grad_fn and v.grad_fn:name(), "AsStridedBackward0",
		"with an AsStridedBackward0 grad_fn")
	v:sum():backward()
	t.is(r.grad:tolist(), {0, 1, 0, 0, 0}, "and its gradient reaches r")
end

-- 4. retain_grad then an in-place op: the gradient of the latest version
do
	local a = torch.ones(3, {requires_grad = true})
	local b = a * 2
	b:retain_grad()
	b:mul_(3)
	b:sum():backward()
	t.is(b.grad:tolist(), {1, 1, 1}, "retain_grad follows the tensor's new version")
	t.is(a.grad:tolist(), {6, 6, 6}, "and a's gradient is right")
	-- views retaining their grad, both written in place
	local a2 = torch.ones(4, {requires_grad = true})
	local base = a2 * 1
	local v1, v2 = base[{{1, 2}}], base[{{3, 4}}]
	v1:retain_grad(); v2:retain_grad()
	v1:mul_(2); v2:mul_(3)
	;(v1 * v2):sum():backward()
	t.is(v1.grad and v1.grad:tolist(), {3, 3}, "v1.grad (PyTorch: [3, 3])")
	t.is(v2.grad and v2.grad:tolist(), {2, 2}, "v2.grad (PyTorch: [2, 2])")
	t.is(a2.grad:tolist(), {6, 6, 6, 6}, "the leaf's grad (PyTorch: 6s)")
end

-- 5. a custom backward returning nil: no gradient at all
do
	local F = torch.autograd.Function:extend("OnlyFirst")
	function F.forward(ctx, x, y) return x * y end
	function F.backward(ctx, g) return g, nil end
	local x = torch.ones(2, {requires_grad = true})
	local y = torch.ones(2, {requires_grad = true})
	F.apply(x, y):sum():backward()
	t.is(y.grad, nil, "a nil gradient leaves y.grad nil")
	t.is(x.grad:tolist(), {1, 1}, "the other gradient arrives")
	local r = torch.autograd.grad({F.apply(x, y):sum()}, {x, y}, {allow_unused = true})
	t.ok(r[1] ~= nil and r[2] == nil, "autograd.grad with allow_unused gives nil for it")
end

-- 6. a pre-hook removing a later pre-hook: the removed one still runs in
-- that pass (PyTorch 1.13 ran [1, 2]), not in the next
do
	local x = torch.ones(2, {requires_grad = true})
	local y = x * 2
	local ran, h2 = {}, nil
	y.grad_fn:register_prehook(function() ran[#ran + 1] = 1; if h2 then h2:remove() end end)
	h2 = y.grad_fn:register_prehook(function() ran[#ran + 1] = 2 end)
	y:sum():backward({retain_graph = true})
	t.is(ran, {1, 2}, "the removed pre-hook still runs in the same pass")
	ran = {}
	y:sum():backward()
	t.is(ran, {1}, "and not in the next one")
end

-- 7. a custom Function returning the same tensor twice
do
	local F = torch.autograd.Function:extend("Twice")
	function F.forward(ctx, x) local y = x * 2; return y, y end
	function F.backward(ctx, g1, g2) return g1 * 2 end
	local x = torch.ones(2, {requires_grad = true})
	local a, b = F.apply(x)
	t.ok(a == b, "the same tensor comes back twice as one object")
	t.is(a.grad_fn:name(), "TwiceBackward", "with the Function's node")
end

-- 8. messages
t.raises(function() torch.ones(2, {dtype = torch.int64}).requires_grad = true end,
	"only Tensors of floating point and complex dtype can require gradients",
	"requires_grad on an integer tensor")
t.raises(function() torch.ones(2, {dtype = torch.int64, requires_grad = true}) end,
	"Only Tensors of floating point and complex dtype can require gradients",
	"a factory's requires_grad on an integer dtype")
do
	local F = torch.autograd.Function:extend("NoForward")
	t.raises(function() F.apply(torch.ones(2)) end,
		"You must implement the forward function for custom autograd.Function.",
		"a Function without forward")
	local G = torch.autograd.Function:extend("NoBackward")
	function G.forward(ctx, x) return x * 2 end
	t.raises(function() G.apply(torch.ones(2, {requires_grad = true})):sum():backward() end,
		"You must implement either the backward or vjp method for your custom " ..
		"autograd.Function to use it with backward mode AD.",
		"a Function without backward")
end
do
	local x = torch.ones(2, {dtype = torch.float64, requires_grad = true})
	t.raises(function() torch.autograd.gradcheck(function(a) return a:detach() * 2 end, {x}) end,
		"Numerical gradient for function expected to be zero",
		"gradcheck of an output that depends on the input without requiring grad")
	t.is(torch.autograd.gradcheck(function(a) return a:detach() * 2 end, {x},
		{raise_exception = false}), false, "and false without raise_exception")
	t.is(torch.autograd.gradcheck(function() return torch.ones(2, {dtype = torch.float64}) end,
		{x}), true, "a constant output passes (PyTorch: True)")
end

t.done()
