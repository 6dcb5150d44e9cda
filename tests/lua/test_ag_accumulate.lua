-- test_ag_accumulate.lua - .grad accumulation, clearing, retain_grad,
-- retain_graph and freed saved tensors.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
local y = (x * x):sum()
y:backward(nil, {retain_graph = true})
t.is(x.grad:tolist(), {2, 4, 6}, "first backward")
y:backward()
t.is(x.grad:tolist(), {4, 8, 12}, ".grad accumulates across backward calls")
t.raises(function() y:backward() end,
	"Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.",
	"a third backward through freed tensors fails with PyTorch's text")
x.grad = nil
t.ok(x.grad == nil, "x.grad = nil clears")

-- a graph that saved nothing runs again, as in PyTorch
local s = (x + 1):sum()
s:backward()
s:backward()
t.is(x.grad:tolist(), {2, 2, 2}, "a graph without saved tensors runs twice")

-- non-leaf .grad: nil with a warning; retain_grad keeps it
x.grad = nil
local h = x * 2
local out = (h * h):sum()
h:retain_grad()
t.ok(h.retains_grad, "retains_grad is true after retain_grad()")
out:backward()
t.is(h.grad:tolist(), {4, 8, 12}, "retained gradient of a non-leaf")
local h2 = x * 3
local o2 = h2:sum()
o2:backward()
t.ok(h2.grad == nil, "a non-leaf without retain_grad has no .grad")

-- setting .grad checks shape
t.raises(function() x.grad = torch.zeros(2) end, "assigned grad has data of a different size",
	"wrong-size .grad refused")
x.grad = torch.zeros(3)
t.is(x.grad:tolist(), {0, 0, 0}, "a .grad can be set")
t.done()
