-- test_ag_higher.lua - create_graph, second derivatives and
-- torch.autograd.grad with its options and errors.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true, dtype = torch.float64})
local y = (x ^ 3):sum()
local g = torch.autograd.grad({y}, {x}, {create_graph = true})
t.is(#g, 1, "autograd.grad returns a list")
t.near(g[1]:tolist(), {3, 12, 27}, 1e-12, "dy/dx = 3x^2")
t.ok(g[1].requires_grad, "with create_graph the gradient is differentiable")
t.ok(x.grad == nil, "autograd.grad does not touch .grad")
g[1]:sum():backward()
t.near(x.grad:tolist(), {6, 12, 18}, 1e-12, "d2/dx2 sum(x^3) = 6x")

-- second derivative of other ops, against PyTorch 1.13
local a = torch.tensor({0.5, -1.0, 2.0}, {requires_grad = true, dtype = torch.float64})
local ga = torch.autograd.grad(a:sin():sum(), a, {create_graph = true})[1]
local gga = torch.autograd.grad(ga:sum(), a)[1]
t.near(gga:tolist(), {-math.sin(0.5), math.sin(1.0), -math.sin(2.0)}, 1e-12,
	"d2/dx2 sin = -sin")
local gb = torch.autograd.grad((a:exp() * a):sum(), a, {create_graph = true})[1]
local ggb = torch.autograd.grad(gb:sum(), a)[1]
t.near(ggb:tolist(), {math.exp(0.5) * 2.5, math.exp(-1) * 1.0, math.exp(2) * 4.0}, 1e-12,
	"d2/dx2 x e^x = (x + 2) e^x")

-- grad_outputs and several inputs
local u = torch.tensor({1.0, 2.0}, {requires_grad = true})
local w = torch.tensor({3.0, 4.0}, {requires_grad = true})
local gu, gw = table.unpack(torch.autograd.grad({u * w}, {u, w},
	{grad_outputs = {torch.tensor({1.0, 10.0})}}))
t.is(gu:tolist(), {3, 40}, "grad wrt u with grad_outputs")
t.is(gw:tolist(), {1, 20}, "grad wrt w with grad_outputs")

-- errors
local unused = torch.ones(2, {requires_grad = true})
t.raises(function() torch.autograd.grad({(u * 2):sum()}, {u, unused}) end,
	"One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.",
	"unused input")
local r = torch.autograd.grad({(u * 2):sum()}, {u, unused}, {allow_unused = true})
t.ok(r[1] ~= nil and r[2] == nil, "allow_unused gives nil for the unused input")
t.raises(function() torch.autograd.grad({(u * 2):sum()}, {torch.ones(2)}) end,
	"One of the differentiated Tensors does not require grad", "constant input")
local once = (u * u):sum()
torch.autograd.grad({once}, {u})
t.raises(function() torch.autograd.grad({once}, {u}) end,
	"Trying to backward through the graph a second time", "grad frees the graph")
t.done()
