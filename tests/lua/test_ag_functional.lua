-- test_ag_functional.lua - torch.autograd.functional (vjp, jvp, jacobian,
-- hessian, hvp, vhp) against PyTorch 1.13: the values come from
-- tests/lua/fixtures/gen_ag_functional.py, the error texts are PyTorch's.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local AF = torch.autograd.functional
local D = {dtype = torch.float64}

local x = torch.tensor({0.5, -1.0, 2.0}, D)
local y = torch.tensor({1.0, 2.0}, D)
local v = torch.tensor({1.0, 2.0, 3.0}, D)
local A = torch.tensor({{2.0, 1.0, 0.0}, {1.0, 3.0, 1.0}, {0.0, 1.0, 4.0}}, D)
local function softmax(s) local e = (s - s:max()):exp(); return e / e:sum() end
local function size(s) return torch.Size(s) end

t.near(AF.jacobian(softmax, x):tolist(), {
	{0.14456367056342886, -0.006856058306224722, -0.13770761225720413},
	{-0.006856058306224722, 0.03758277988283256, -0.03072672157660784},
	{-0.13770761225720413, -0.03072672157660784, 0.16843433383381196}}, 1e-12,
	"the Jacobian of softmax")
t.near(AF.hessian(function(s) return s:matmul(A):matmul(s) end, x):tolist(),
	{{4, 2, 0}, {2, 6, 2}, {0, 2, 8}}, 1e-12, "the Hessian of a quadratic form is A + A^T")

local o, r = AF.vjp(function(s) return s:exp() * 2 end, x, v)
t.near(o:tolist(), {3.2974425414002564, 0.7357588823428847, 14.7781121978613}, 1e-12,
	"vjp returns the function's output")
t.near(r:tolist(), {3.2974425414002564, 1.4715177646857693, 44.3343365935839}, 1e-12,
	"and v^T J")
o, r = AF.jvp(function(s) return s:exp() * 2 end, x, v)
t.near(r:tolist(), {3.2974425414002564, 1.4715177646857693, 44.3343365935839}, 1e-12,
	"jvp (the double-vjp trick) gives J v")
o, r = AF.hvp(function(s) return (s ^ 3):sum() end, x, v)
t.near(o:item(), 7.125, 1e-12, "hvp returns the output")
t.near(r:tolist(), {3, -12, 36}, 1e-12, "and H v")
o, r = AF.vhp(function(s) return (s ^ 3):sum() end, x, v)
t.near(r:tolist(), {3, -12, 36}, 1e-12, "vhp gives v^T H")

-- several inputs and outputs: lists, nested per output then per input
local J = AF.jacobian(function(a, b) return {a:sum() * b, a * 2} end, {x, y})
t.is({J[1][1].shape, J[1][2].shape, J[2][1].shape, J[2][2].shape},
	{size({2, 3}), size({2, 2}), size({3, 3}), size({3, 2})}, "jacobian's nesting and shapes")
t.near(J[1][1]:tolist(), {{1, 1, 1}, {2, 2, 2}}, 1e-12, "d(sum(a) b)/da")
t.near(J[1][2]:tolist(), {{1.5, 0}, {0, 1.5}}, 1e-12, "d(sum(a) b)/db")
t.near(AF.jacobian(function(a) return a * 2 end, {x, y})[2]:tolist(),
	{{0, 0}, {0, 0}, {0, 0}}, 1e-12, "an unused input gets a zero block")
local H = AF.hessian(function(a, b) return (a * a):sum() * b:sum() end, {x, y})
t.is({H[1][2].shape, H[2][1].shape}, {size({3, 2}), size({2, 3})}, "hessian of two inputs: blocks")
t.near(H[1][2]:tolist(), {{1, 1}, {-2, -2}, {4, 4}}, 1e-12, "the mixed block")
o, r = AF.vjp(function(a, b) return a * b:sum() end, {x, y}, v)
t.near({r[1]:tolist(), r[2]:tolist()}, {{3, 6, 9}, {4.5, 4.5}}, 1e-12, "vjp with two inputs")
o, r = AF.jvp(function(s) return s:sum() end, torch.tensor({3.0}, D))
t.near(r:item(), 1, 1e-12, "v may be left out for a one-element input")

-- create_graph
local xr = x:clone():requires_grad_()
t.is(AF.jacobian(function(s) return s * s end, xr, {create_graph = true}).requires_grad, true,
	"create_graph: the Jacobian is differentiable")
t.is(AF.jacobian(function(s) return s * s end, xr).requires_grad, false,
	"without it, it is detached")
local _, hv = AF.hvp(function(s) return (s ^ 3):sum() end, xr, v, {create_graph = true})
hv:sum():backward()
t.near(xr.grad:tolist(), {6, 12, 18}, 1e-12, "and a second derivative flows back through hvp")
t.is(torch.is_grad_enabled(), true, "grad mode is as it was")

-- errors
t.raises(function() AF.vjp(function(s) return s * 2 end, x) end,
	"The vector v can only be None if the user-provided function returns a single " ..
	"Tensor with a single element.", "vjp without v")
t.raises(function() AF.vjp(function(s) return s * 2 end, x, torch.ones(2, D)) end,
	"v has invalid size: should be torch.Size([3]) but got torch.Size([2]).", "v's size")
t.raises(function() AF.jvp(function(s) return s * 2 end, x) end,
	"The vector v can only be None if the input to the user-provided function is a " ..
	"single Tensor with a single element.", "jvp without v")
t.raises(function() AF.hvp(function(s) return (s * s):sum() end, x) end,
	"The vector v can only be None if the input to the user-provided function is a " ..
	"single Tensor with a single element.", "hvp without v")
t.raises(function() AF.vhp(function(s) return (s * s):sum() end, x, torch.ones(2, D)) end,
	"v has invalid size: should be torch.Size([3]) but got torch.Size([2]).", "vhp: v's size")
t.raises(function() AF.jvp(function(a) return a * 2 end, {x, y}, {v}) end,
	"v is a tuple of invalid length: should be 2 but got 1.", "v's length")
t.raises(function() AF.vjp(function(a) return a * 2 end, {x, y}, v, {strict = true}) end,
	"The output of the user-provided function is independent of input 1. This is not " ..
	"allowed in strict mode.", "strict: an unused input")
t.raises(function() AF.vjp(function() return torch.ones(3, D) end, x, v, {strict = true}) end,
	"Output 0 of the user-provided function does not require gradients. The outputs must " ..
	"be computed in a differentiable manner from the input when running in strict mode.",
	"strict: an output independent of the inputs")
t.raises(function() AF.jacobian(function(s) return s end, 3) end,
	"The inputs given to jacobian must be either a Tensor or a tuple of Tensors but the " ..
	"given inputs has type number.", "inputs of the wrong type")
t.raises(function() AF.jacobian(function(s) return s end, {x, 3}) end,
	"but the value at index 1 has type number.", "a list with a non-tensor")
t.raises(function() AF.hessian(function(s) return s * 2 end, x) end,
	"The Tensor returned by the function given to hessian should contain a single element",
	"hessian of a vector function")
t.raises(function() AF.hessian(function(s) return (s * 2):sum() end, x, {strict = true}) end,
	"While computing the hessian, found that the jacobian of the user-provided function " ..
	"with respect to input 0 is independent of the input.", "strict hessian of a linear function")
t.raises(function() AF.hvp(function(s) return s end, x, v) end,
	"The Tensor returned by the function given to hvp should contain a single element",
	"hvp of a vector function")
t.raises(function() AF.jacobian(function(s) return s end, x, {strict = true, vectorize = true}) end,
	"torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not " ..
	"supported together.", "strict with vectorize")
t.raises(function() AF.jacobian(function(s) return s end, x, {vectorize = true}) end,
	"vectorize=true needs vmap", "vectorize is refused clearly")
t.raises(function() AF.jacobian(function(s) return s end, x, {bogus = true}) end,
	"jacobian() got an unexpected keyword argument 'bogus'", "an unknown keyword")
t.raises(function() AF.jacobian(function() error("from the user") end, x) end,
	"from the user", "the user's own error passes through")
t.is(torch.is_grad_enabled(), true, "grad mode survives the errors")

t.done()
