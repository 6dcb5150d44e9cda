-- test_ag_inplace.lua - version counters, saved-tensor checks, leaf
-- in-place errors, in-place on views (CopySlices).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local a = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
local y = a:sigmoid()
t.is(y._version, 0, "a new tensor is at version 0")
y:mul_(2)
t.is(y._version, 1, "mul_ bumps the version")
local v = y[{{1, 2}}]
v:add_(1)
t.is(y._version, 2, "a view shares its base's version counter")
t.raises(function() y:sum():backward() end,
	"one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of SigmoidBackward0, is at version 2; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).",
	"PyTorch's full version-counter text")

-- exp saves its result: changing the input afterwards is fine
local b = a * 1
local e = b:exp()
b:add_(1)
e:sum():backward()
t.near(a.grad:tolist(), {math.exp(1), math.exp(2), math.exp(3)}, 1e-5,
	"exp's backward uses its saved result")
-- mul saves its inputs; PyTorch names the input's grad_fn as it is now
-- (the add_ that modified it), not the one it had when it was saved
a.grad = nil
local c = a * 1
local d = c * c
c:add_(1)
t.raises(function() d:sum():backward() end, "[torch.FloatTensor [3]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead.",
	"mul's saved input was modified: named by its grad_fn now")

-- leaves
t.raises(function() a:add_(1) end,
	"a leaf Variable that requires grad is being used in an in-place operation.", "leaf in-place")
t.raises(function() a[1] = 5 end,
	"a view of a leaf Variable that requires grad is being used in an in-place operation.",
	"index write into a leaf")
t.raises(function() a[{{1, 2}}]:mul_(2) end,
	"a view of a leaf Variable that requires grad is being used in an in-place operation.",
	"view of a leaf in-place")

-- in-place through a view of a non-leaf: CopySlices, right gradients
local x = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true, dtype = torch.float64})
local w = torch.tensor({4.0}, {requires_grad = true, dtype = torch.float64})
local base = x * 1
local sl = base[{{2, 3}}]
sl:mul_(w)
t.is(base.grad_fn:name(), "CopySlices", "the base's history is CopySlices")
t.is(sl.grad_fn:name(), "AsStridedBackward0", "the view's is AsStridedBackward0")
local loss = (base * torch.tensor({10.0, 20.0, 30.0}, {dtype = torch.float64})):sum()
loss:backward()
t.near(x.grad:tolist(), {10, 80, 120}, 1e-12, "x.grad through CopySlices")
t.near(w.grad:tolist(), {130}, 1e-12, "w.grad through CopySlices")

-- x[i] = value through index assignment
local z = torch.zeros(3, {dtype = torch.float64})
z[2] = w * 2
t.ok(z.requires_grad and z.grad_fn:name() == "CopySlices", "index write of a tensor records CopySlices")
w.grad = nil
z:sum():backward()
t.near(w.grad:tolist(), {2}, 1e-12, "gradient flows through an index write")

-- writing into an expanded tensor
local ex = torch.zeros(1):expand(3)
t.raises(function() ex:add_(torch.ones(3)) end,
	"unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
	"in-place on an expanded tensor")
-- double backward through in-place ops: the saved original of self keeps
-- its history (PyTorch 1.13's values in the comments)
do
	local function second(f)
		local x = torch.tensor({1.0, 2.0, 3.0, 4.0}, {requires_grad = true})
		local b = f(x)
		local g = torch.autograd.grad({b:sum()}, {x}, {create_graph = true})[1]
		return g:tolist(), torch.autograd.grad({g:sum()}, {x})[1]:tolist()
	end
	local g, gg = second(function(x) local b = x * 1; b:mul_(x); return b end)
	t.is(g, {2, 4, 6, 8}, "mul_ then grad: 2x")
	t.is(gg, {2, 2, 2, 2}, "and its derivative is 2 (PyTorch: [2, 2, 2, 2])")
	g, gg = second(function(x) local b = x * 1; b[{{2, 3}}]:mul_(x[{{2, 3}}]); return b end)
	t.is(g, {1, 4, 6, 1}, "mul_ on a view: first derivative")
	t.is(gg, {0, 2, 2, 0}, "second derivative (PyTorch: [0, 2, 2, 0])")
	g, gg = second(function(x) local b = x * 1; b:div_(x:detach() + x); return b end)
	t.near(g, {0.25, 0.125, 1 / 12, 0.0625}, 1e-6, "div_: first derivative")
	t.near(gg, {-0.25, -0.0625, -1 / 36, -0.015625}, 1e-6,
		"div_ keeps the original's history too (PyTorch's values)")
end

-- an input that is self (or a view of it) is saved before the write
do
	local x = torch.tensor({1.0, 2.0, 3.0, 4.0}, {requires_grad = true})
	local b = x * 1
	local v = b[{{2, 3}}]
	v:mul_(v)
	t.raises(function() torch.autograd.grad({b:sum()}, {x}) end,
		"[torch.FloatTensor [2]], which is output 0 of AsStridedBackward0, is at " ..
		"version 1; expected version 0 instead.", "v:mul_(v) on a view: PyTorch's error")
	local y = x * 1
	y:mul_(y)
	t.raises(function() y:sum():backward() end,
		"[torch.FloatTensor [4]], which is output 0 of MulBackward0, is at version 1; " ..
		"expected version 0 instead.", "y:mul_(y): the saved other was modified")
end

t.done()
