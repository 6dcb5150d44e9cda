-- test_ag_basics.lua - requires_grad, leaves, node names, next_functions,
-- backward on scalars and with a gradient, and their errors.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

-- the seed tutorial, as a PyTorch user types it
local x = torch.ones(2, 2, {requires_grad = true})
local y = x + 2
local z = y * y * 3
local out = z:mean()
t.ok(x.requires_grad and x.is_leaf, "x is a leaf that requires grad")
t.ok(not y.is_leaf and y.requires_grad, "y is not a leaf")
t.is(y.grad_fn:name(), "AddBackward0", "y.grad_fn is AddBackward0")
t.is(z.grad_fn:name(), "MulBackward0", "z.grad_fn is MulBackward0")
t.is(out.grad_fn:name(), "MeanBackward0", "out.grad_fn is MeanBackward0")
t.is(tostring(out), "tensor(27., grad_fn=<MeanBackward0>)", "out prints its grad_fn")
t.ok(tostring(y.grad_fn):find("^<AddBackward0 object at ") ~= nil, "node prints like PyTorch")
t.ok(x.grad_fn == nil, "a leaf has no grad_fn")
out:backward()
t.is(x.grad:tolist(), {{4.5, 4.5}, {4.5, 4.5}}, "x.grad is 4.5 everywhere")
t.is(tostring(x.grad), "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])",
	"x.grad prints as PyTorch's")

-- next_functions: {node, index} lists, nil for inputs without gradient
local nf = y.grad_fn.next_functions
t.is(#nf, 2, "AddBackward0 has two next functions")
t.is(nf[1][1]:name(), "AccumulateGrad", "x's edge goes to AccumulateGrad")
t.is(nf[1][2], 1, "at its input 1 (1-based, as every agdb index; PyTorch says 0)")
t.ok(nf[2][1] == nil, "the number 2 has no node (nil)")
t.ok(z.grad_fn.next_functions[1][1].next_functions[1][1] == y.grad_fn,
	"the same node is the same Lua value")

-- names of the ops autograd records
local a = torch.randn(3, 4, {requires_grad = true})
local b = torch.randn(4, 5, {requires_grad = true})
local v = torch.randn(4, {requires_grad = true})
local names = {
	{a - 1, "SubBackward0"}, {1 - a, "RsubBackward1"}, {a / 2, "DivBackward0"},
	{a ^ 2, "PowBackward0"}, {a:exp(), "ExpBackward0"}, {a:abs(), "AbsBackward0"},
	{a:log(), "LogBackward0"}, {a:sqrt(), "SqrtBackward0"}, {a:sin(), "SinBackward0"},
	{a:cos(), "CosBackward0"}, {a:tanh(), "TanhBackward0"},
	{a:sigmoid(), "SigmoidBackward0"}, {a:relu(), "ReluBackward0"}, {-a, "NegBackward0"},
	{a:sum(), "SumBackward0"}, {a:sum(1), "SumBackward1"}, {a:mean(2), "MeanBackward1"},
	{a:max(), "MaxBackward1"}, {a:min(), "MinBackward1"}, {(a:max(2)), "MaxBackward0"},
	{a:mm(b), "MmBackward0"}, {a:matmul(b), "MmBackward0"}, {v:dot(v), "DotBackward0"},
	{a:matmul(v), "MvBackward0"},
	{a:t(), "TBackward0"}, {a:transpose(1, 2), "TransposeBackward0"},
	{a:view(12), "ViewBackward0"}, {a:reshape(12), "ReshapeAliasBackward0"},
	{a:t():reshape(12), "UnsafeViewBackward0"},
	{a:permute(2, 1), "PermuteBackward0"}, {a[1], "SelectBackward0"},
	{a:narrow(1, 1, 2), "SliceBackward0"}, {a:unsqueeze(1), "UnsqueezeBackward0"},
	{a:unsqueeze(1):squeeze(), "SqueezeBackward0"},
	{a:unsqueeze(1):squeeze(1), "SqueezeBackward1"},
	{a:sum(1, {keepdim = true}):expand(3, 4), "ExpandBackward0"},
	{a:clone(), "CloneBackward0"}, {a:double(), "ToCopyBackward0"},
	{a:clamp(0, 1), "ClampBackward1"}, {torch.cat({a, a}), "CatBackward0"},
	{torch.stack({a, a}), "StackBackward0"},
	{a:index_select(1, torch.tensor({1, 3})), "IndexSelectBackward0"},
	{torch.where(a:gt(0), a, b:t():narrow(1, 1, 3)), "WhereBackward0"},
}
for _, p in ipairs(names) do
	local gf = p[1].grad_fn
	t.is(gf and gf:name(), p[2], p[2] .. " recorded")
end
t.ok(a:gt(0).grad_fn == nil and not a:gt(0).requires_grad, "comparisons do not record")
t.ok(not a:argmax().requires_grad, "argmax is not differentiable")
local _, idx = a:max(2)
t.ok(not idx.requires_grad, "max's indices do not require grad")

-- backward errors, verbatim
t.raises(function() torch.ones(3):backward() end,
	"element 0 of tensors does not require grad and does not have a grad_fn",
	"backward of a constant")
t.raises(function() (a * 2):backward() end,
	"grad can be implicitly created only for scalar outputs", "non-scalar backward")
t.raises(function() (a * 2):backward(torch.ones(4)) end,
	"Mismatch in shape: grad_output[0] has a shape of torch.Size([4]) and output[0] has a shape of torch.Size([3, 4]).",
	"gradient of the wrong shape")
t.raises(function() torch.ones(2, {dtype = torch.int64}).requires_grad = true end,
	"only Tensors of floating point and complex dtype can require gradients",
	"int requires_grad (the attribute: PyTorch's text of that path)")
t.raises(function() local w = a * 2; w.requires_grad = false end,
	"you can only change requires_grad flags of leaf variables.", "non-leaf flag")

-- backward(gradient): a vector-Jacobian product
local p = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
local q = p * p
q:backward(torch.tensor({1.0, 0.1, 0.01}))
t.near(p.grad:tolist(), {2, 0.4, 0.06}, 1e-6, "VJP: 2p * gradient")

-- requires_grad_ and the factory keyword
local r = torch.zeros(2):requires_grad_()
t.ok(r.requires_grad and r.is_leaf, "requires_grad_() sets the flag")
t.is(tostring(r), "tensor([0., 0.], requires_grad=True)", "prints requires_grad=True")
t.done()
