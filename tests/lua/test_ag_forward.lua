-- test_ag_forward.lua - torch.autograd.forward_ad against PyTorch 1.13: the
-- values and two error texts come from tests/lua/fixtures/ag_forward_ref.lua
-- (written by gen_ag_forward.py), the other texts are PyTorch's.  Every op's formula is checked against reverse mode in
-- test_ag_forward_ops.lua; this file checks the API, levels, in-place ops
-- and views of duals, printing, and the errors.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local fwAD = torch.autograd.forward_ad
local F = torch.nn.functional

-- ---------------------------------------------------------- PyTorch values
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/ag_forward_ref.lua")
local x0, v0 = torch.tensor(ref.x), torch.tensor(ref.v)
local function tolist(v) if v:dim() == 0 then return v:item() end return v:tolist() end
do
  local lvl <close> = fwAD.dual_level()
  local env = setmetatable({x = fwAD.make_dual(x0, v0), F = F}, {__index = _G})
  for _, c in ipairs(ref.cases) do
    local p, tan = fwAD.unpack_dual(assert(load("return " .. c.expr, c.expr, "t", env))())
    t.near(tolist(p), c.primal, 1e-5, c.expr .. ": the primal as PyTorch's")
    t.near(tolist(tan), c.tangent, 1e-5, c.expr .. ": the tangent as PyTorch's")
  end
end

-- ------------------------------------------------------------ levels
t.is(fwAD.enter_dual_level(), 0, "enter_dual_level returns level 0")
t.raises(fwAD.enter_dual_level, "Nested forward mode AD is not supported at the moment",
  "a second level is refused, as in PyTorch 1.13")
local _, nested_err = pcall(function() fwAD.enter_dual_level() end)
t.ok(tostring(nested_err):find("test_ag_forward.lua:%d+: Nested") ~= nil,
  "errors are raised at the caller's line: " .. tostring(nested_err))
t.raises(function() fwAD.exit_dual_level({level = 1}) end,
  "Trying to exit a forward AD level that was not the last one that was created. This is not supported.",
  "exiting another level")
fwAD.exit_dual_level()
t.raises(function() fwAD.exit_dual_level() end, "Dual level must be a positive number.",
  "exiting when no level is open")

local x = torch.tensor({1.0, 2.0, 3.0})
t.raises(function() fwAD.make_dual(x, torch.ones(3)) end,
  "Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() first.",
  "make_dual outside a level")

local kept
local r1, r2 = fwAD.dual_level(function(a, b)
  kept = fwAD.make_dual(x, torch.ones(3))
  t.ok(select(2, fwAD.unpack_dual(kept)) ~= nil, "inside dual_level(fn) the tangent is there")
  return a + b, "two"
end, 1, 2)
t.is({r1, r2}, {3, "two"}, "dual_level(fn, ...) returns fn's results")
t.is(select(2, fwAD.unpack_dual(kept)), nil, "leaving the level drops every tangent")
t.raises(function() fwAD.dual_level(function() error("boom") end) end, "boom",
  "dual_level(fn) passes fn's error on")
t.lives(function() fwAD.dual_level(function() end) end, "and closed its level")
do
  local g <close> = fwAD.dual_level()
  t.is(g.level, 0, "a <close> guard knows its level")
end
t.lives(function() local g <close> = fwAD.dual_level() end, "the guard closed its level")

-- ------------------------------------------------------------ make_dual
do
  local lvl <close> = fwAD.dual_level()
  t.raises(function() fwAD.make_dual(x, torch.ones(4)) end,
    "Trying to set a forward gradient that has a different size than that of the original Tensor, " ..
    "this is not supported. Tensor is of size [3] while the given forward gradient is of size [4].",
    "a tangent of another size")
  t.raises(function() fwAD.make_dual(x, torch.ones(3, {dtype = torch.int64})) end,
    "Expected tangent to be floating point or complex, but got: torch.int64", "an integer tangent")
  t.raises(function() fwAD.make_dual(torch.tensor({1, 2}), torch.ones(2)) end,
    "Expected primal to be floating point or complex, but got: torch.int64", "an integer primal")
  local d = fwAD.make_dual(x, torch.ones(3))
  t.raises(function() fwAD.make_dual(d, torch.ones(3)) end,
    "Making a dual Tensor based on a Tensor that already has a forward gradient at the same level 0 is not supported.",
    "a dual of a dual")
  t.ok(d._base == x, "a dual is a view of its primal, as in PyTorch")
  local p, tan = fwAD.unpack_dual(d)
  t.is(tan:tolist(), {1, 1, 1}, "unpack_dual gives the tangent")
  t.is(select(2, fwAD.unpack_dual(p)), nil, "and a primal without one")
  t.is(select(2, fwAD.unpack_dual(x)), nil, "the tensor made dual has no tangent itself")
  local d64 = fwAD.make_dual(torch.ones(2), torch.ones(2, {dtype = torch.float64}))
  t.is(select(2, fwAD.unpack_dual(d64)).dtype, torch.float64,
    "a float64 tangent of a float32 primal stays float64, as in PyTorch")
  -- a tangent laid out unlike the primal is copied to the primal's layout
  local e = fwAD.make_dual(torch.ones(2, 3):t(), torch.ones(3, 2))
  t.is(select(2, fwAD.unpack_dual(e)):stride(), {1, 3}, "the tangent takes the primal's strides")
  t.is(tostring(d), "tensor([1., 2., 3.], tangent=tensor([1., 1., 1.]))",
    "a dual prints its tangent as PyTorch does")
  local xr = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
  local s = fwAD.make_dual(xr, torch.ones(3)):sin()
  t.is(tostring(s), "tensor([0.8415, 0.9093, 0.1411], grad_fn=<SinBackward0>,\n" ..
    "       tangent=tensor([ 0.5403, -0.4161, -0.9900], grad_fn=<MulBackward0>))",
    "with a grad_fn, and the tangent's own history")
  t.is(tostring(fwAD.make_dual(torch.ones(3, 2), torch.ones(3, 2))),
    "tensor([[1., 1.],\n        [1., 1.],\n        [1., 1.]],\n       tangent=tensor([[1., 1.],\n" ..
    "        [1., 1.],\n        [1., 1.]]))", "a long tangent goes on a line of its own")
  -- reverse mode through a tangent: d/dx of sum(cos(x) * v) = -sin(x) * v
  local _, st = fwAD.unpack_dual(s)
  local g = torch.autograd.grad({st:sum()}, {xr})[1]
  t.near(g:tolist(), {-0.8414709848, -0.9092974268, -0.1411200081}, 1e-6,
    "a tangent is differentiable in reverse mode")
  t.is(select(2, fwAD.unpack_dual(x:lt(d))), nil, "a comparison has no tangent")
  t.is(select(2, fwAD.unpack_dual(d:detach())), nil, "detach drops the tangent, as in PyTorch")
  t.is(select(2, fwAD.unpack_dual(d:argmax())), nil, "nor an integer result")
  t.raises(function() fwAD.unpack_dual(3) end,
    "_unpack_dual(): argument 'dual' (position 1) must be Tensor, not number", "unpack_dual of a number")
end

-- ------------------------------------------------- in place and views
do
  local lvl <close> = fwAD.dual_level()
  local d = fwAD.make_dual(torch.tensor({1., 2., 3.}), torch.ones(3))
  local y = torch.zeros(3)
  y:add_(d)
  local p, tan = fwAD.unpack_dual(y)
  t.is({p:tolist(), tan:tolist()}, {{1, 2, 3}, {1, 1, 1}}, "a tensor written in place with a dual becomes one")
  local z = torch.zeros(3)
  z[{{2, 3}}]:mul_(0):add_(d[{{2, 3}}])
  p, tan = fwAD.unpack_dual(z)
  t.is({p:tolist(), tan:tolist()}, {{0, 2, 3}, {0, 1, 1}},
    "written through a view, its base gets a tangent, zero outside the view (PyTorch's)")
  local w = d * 1
  local v = w[{{1, 2}}]
  w:mul_(2)
  t.is(select(2, fwAD.unpack_dual(v)):tolist(), {2, 2},
    "a view's tangent is a view of its base's: it sees the base written in place")
  v:mul_(10)
  t.is(select(2, fwAD.unpack_dual(w)):tolist(), {20, 20, 2},
    "and the base sees the view written in place (PyTorch's values)")
  w = d * 1
  v = w[{{1, 2}}]
  w:mul_(w)
  t.is({select(2, fwAD.unpack_dual(w)):tolist(), select(2, fwAD.unpack_dual(v)):tolist()},
    {{2, 6, 12}, {2, 6}}, "w.mul_(w): PyTorch's tangent, which reads the other w after the write")
  local c = d:clone()
  c:mul_(d)
  t.is(select(2, fwAD.unpack_dual(c)):tolist(), {2, 4, 6}, "x.mul_(x)'s tangent uses x before the write")
  local q = torch.zeros(2, 3)
  q[1]:copy_(d)
  t.is(select(2, fwAD.unpack_dual(q)):tolist(), {{1, 1, 1}, {0, 0, 0}}, "copy_ into a row")
  local a = d * 1
  a:zero_()
  t.is(select(2, fwAD.unpack_dual(a)):tolist(), {0, 0, 0}, "zero_ zeroes the tangent")
  -- the outputs of split are views of the tangent too
  local parts = (d * 2):split(2)
  t.is(select(2, fwAD.unpack_dual(parts[2])):tolist(), {2}, "split's outputs are duals")
end

-- ------------------------------------------------------------ errors
do
  local lvl <close> = fwAD.dual_level()
  local d = fwAD.make_dual(x0, v0)
  t.raises(function() return d:logcumsumexp(2) end, ref.errors.logcumsumexp,
    "an op without a formula: PyTorch's text, naming it")
  t.raises(function() return torch.aminmax(d) end, ref.errors.aminmax, "aminmax: PyTorch's shorter text")
  t.lives(function() return d:sin() end, "the session goes on after the error")
  local Double = torch.autograd.Function:extend("Double")
  function Double.forward(ctx, a) return a * 2 end
  function Double.backward(ctx, g) return g * 2 end
  t.raises(function() return Double.apply(d) end,
    "You must implement the jvp function for custom autograd.Function to use it with forward mode AD.",
    "a custom Function on a dual")
  t.is(Double.apply(x0):tolist(), {{2, 4}, {6, 8}}, "and on a plain tensor it still works")
end

-- -------------------------------------- views modified in place (CreationMeta)
local multi = " is a view and is being modified inplace. This view is the output of a function that " ..
  "returns multiple views. Such functions do not allow the output views to be modified inplace. " ..
  "You should replace the inplace operation by an out-of-place one."
local custom = " is a view and is being modified inplace. This view was created inside a custom Function " ..
  "(or because an input was returned as-is) and the autograd logic to handle view+inplace would override " ..
  "the custom backward associated with the custom Function, leading to incorrect gradients. This behavior " ..
  "is forbidden. You can fix this by cloning the output of the custom Function."
do
  local a = torch.ones(4, 2, {requires_grad = true})
  local b = a * 1
  t.raises(function() b:split(2)[1]:mul_(2) end, "Output 0 of SplitBackward0" .. multi, "split's output written in place")
  t.raises(function() b:chunk(2)[2]:add_(1) end, "Output 1 of SplitBackward0" .. multi, "chunk's")
  t.raises(function() b:unbind(1)[1]:mul_(2) end, "Output 0 of UnbindBackward0" .. multi, "unbind's")
  t.raises(function() b:split({1, 3})[1]:zero_() end, "Output 0 of SplitWithSizesBackward0" .. multi,
    "split_with_sizes's")
  local Id = torch.autograd.Function:extend("Id")
  function Id.forward(ctx, v) return v:view_as(v) end
  function Id.backward(ctx, g) return g end
  t.raises(function() Id.apply(b):mul_(2) end, "Output 0 of IdBackward" .. custom,
    "a view returned by a custom Function")
  local Sel = torch.autograd.Function:extend("Sel")
  function Sel.forward(ctx, v) return v[1] end
  function Sel.backward(ctx, g) local r = torch.zeros(4, 2); r[1] = g; return r end
  t.raises(function() Sel.apply(b):mul_(2) end, "Output 0 of SelBackward" .. custom,
    "a select view returned by a custom Function")
  local Two = torch.autograd.Function:extend("Two")
  function Two.forward(ctx, v) return v:view_as(v), v * 2 end
  function Two.backward(ctx, g, h) return g + h end
  t.raises(function() local u = Two.apply(b); u:mul_(2) end, "Output 0 of TwoBackward" .. multi,
    "a view among several differentiable outputs of a custom Function: PyTorch's multi-output text")
  local WithIdx = torch.autograd.Function:extend("WithIdx")
  function WithIdx.forward(ctx, v) return v:view_as(v), torch.tensor({1, 2}) end
  function WithIdx.backward(ctx, g) return g end
  t.raises(function() local u = WithIdx.apply(b); u:mul_(2) end, "Output 0 of WithIdxBackward" .. custom,
    "an integer output does not count")
end

-- ------------------------------------------------------------ gradcheck
do
  local D = {dtype = torch.float64, requires_grad = true}
  local a = torch.tensor({0.5, -1.0, 2.0}, D)
  local b = torch.tensor({1.5, 0.25, -0.75}, D)
  local gc, ggc = torch.autograd.gradcheck, torch.autograd.gradgradcheck
  t.ok(gc(function(p, q) return (p * q):sin(), p:exp() end, {a, b}, {check_forward_ad = true}),
    "gradcheck{check_forward_ad=true}: forward-mode Jacobians match the numerical ones")
  t.ok(gc(function(p) return p:softmax(1):log() end, {a}, {check_forward_ad = true, check_backward_ad = false}),
    "forward mode alone")
  t.raises(function() gc(function(p) return p * p:detach() end, {a}, {check_forward_ad = true,
    check_backward_ad = false}) end,
    "Jacobian computed with forward mode mismatch for output 0 with respect to input 0,\nnumerical:",
    "a forward-mode mismatch: PyTorch's text")
  t.is(gc(function(p) return p * p:detach() end, {a}, {check_forward_ad = true, check_backward_ad = false,
    raise_exception = false}), false, "or false without raise_exception")
  t.raises(function() gc(function(p) return p:logcumsumexp(1) end, {a}, {check_forward_ad = true}) end,
    "Trying to use forward AD with logcumsumexp", "an op without a formula fails the check with its error")
  t.raises(function() gc(function(p) return p end, {a}, {check_forward_ad = false, check_backward_ad = false}) end,
    "Expected at least one of check_forward_ad or check_backward_ad to be True", "one mode is needed")
  -- forward over reverse: the tangents of the first derivatives (saved
  -- outputs keep their tangent, as PyTorch's SavedVariable does)
  for _, f in ipairs({"exp", "tanh", "sigmoid", "sqrt", "sin"}) do
    t.ok(ggc(function(p) return p:abs()[f](p:abs()) end, {a}, {check_fwd_over_rev = true,
      check_rev_over_rev = false}), "gradgradcheck{check_fwd_over_rev=true} of " .. f)
  end
  t.ok(ggc(function(p, q) return p:matmul(q:view(3, 1)):tanh() end, {a:view(1, 3), b},
    {check_fwd_over_rev = true}), "and of a product, with reverse over reverse too")
  t.raises(function() ggc(function(p) return p end, {a}, {check_fwd_over_rev = false,
    check_rev_over_rev = false}) end,
    "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True", "gradgradcheck needs a mode")
end

-- .grad inside a dual level, as PyTorch 1.13 (checked there): without
-- create_graph the first .grad is detached (no tangent), a second backward's
-- in-place += gives it the added gradient's tangent; with create_graph it
-- keeps its tangent
do
  local w = torch.ones(3, {requires_grad = true})
  local lvl <close> = fwAD.dual_level()
  local x = fwAD.make_dual(torch.tensor({1.0, 2.0, 3.0}), torch.ones(3))
  local y = (w * x):sum()
  y:backward()
  t.is(select(2, fwAD.unpack_dual(w.grad)), nil, "backward's .grad has no tangent")
  y = (w * x):sum()
  y:backward()
  t.is(select(2, fwAD.unpack_dual(w.grad)):tolist(), {1, 1, 1},
    "a second backward's += brings the added gradient's tangent")
  w.grad = nil
  y = (w * x):sum()
  y:backward({create_graph = true})
  t.is(select(2, fwAD.unpack_dual(w.grad)):tolist(), {1, 1, 1}, "under create_graph .grad keeps it")
end

t.done()
