-- test_ag_function.lua - torch.autograd.Function written in Lua.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local Square = torch.autograd.Function:extend("Square")
function Square.forward(ctx, x)
	ctx:save_for_backward(x)
	return x * x
end
function Square.backward(ctx, g)
	local x = ctx.saved_tensors[1]
	return g * 2 * x
end

local x = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
local y = Square.apply(x)
t.is(y:tolist(), {1, 4, 9}, "forward runs")
t.is(y.grad_fn:name(), "SquareBackward", "the node is named SquareBackward")
t.is(y.grad_fn.next_functions[1][1]:name(), "AccumulateGrad", "and leads to x")
y:sum():backward()
t.is(x.grad:tolist(), {2, 4, 6}, "backward runs the Lua function")
t.raises(function() y:sum():backward() end, "Trying to backward through the graph a second time",
	"saved tensors are released after backward")

-- two inputs, a non-tensor argument, nil gradients
local Scale = torch.autograd.Function:extend("Scale")
function Scale.forward(ctx, a, k, b)
	ctx.k = k
	return a * k + b
end
function Scale.backward(ctx, g)
	return g * ctx.k, nil, g
end
local a = torch.ones(2, {requires_grad = true})
local b = torch.ones(2, {requires_grad = true})
local s = Scale.apply(a, 5, b)
s:sum():backward()
t.is(a.grad:tolist(), {5, 5}, "gradient for the first input")
t.is(b.grad:tolist(), {1, 1}, "gradient for the third input")
t.ok(torch.autograd.gradcheck(function(u) return Square.apply(u) end,
	{torch.randn(3, {dtype = torch.float64, requires_grad = true})}),
	"gradcheck passes for the custom Function")

-- an error in backward
local Bad = torch.autograd.Function:extend("Bad")
function Bad.forward(ctx, x) return x * 1 end
function Bad.backward(ctx, g) error("bad backward") end
local bb = Bad.apply(torch.ones(1, {requires_grad = true}))
t.raises(function() bb:sum():backward() end, "bad backward", "errors in backward propagate")
t.done()
