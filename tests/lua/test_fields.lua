-- test_fields.lua - tensor fields (shape, dtype, requires_grad, grad, ...),
-- torch.Size, and what the REPL's completion reads from the metatable.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.zeros(2, 3)

-- torch.Size
local s = x.shape
t.is(tostring(s), "torch.Size([2, 3])", "Size prints like PyTorch")
t.is(s[1], 2, "Size indexes from 1")
t.is(s[2], 3, "second size")
t.is(s[-1] or "nil", "nil", "no negative Size keys")
t.is(#s, 2, "#Size is the number of dims")
t.ok(s == torch.zeros(2, 3).shape, "equal Sizes compare equal")
t.ok(s ~= torch.zeros(3, 2).shape, "different Sizes differ")
t.ok(s == torch.Size({2, 3}), "torch.Size constructor")
t.is(tostring(torch.zeros().shape), "torch.Size([])", "0-d Size")
local parts = {}
for i, v in ipairs(s) do parts[i] = v end
t.is(parts, {2, 3}, "ipairs over a Size")
t.is({table.unpack(s)}, {2, 3}, "table.unpack of a Size")
t.is(s:numel(), 6, "Size:numel()")
t.raises(function() s[3] = 1 end, "'torch.Size' object does not support item assignment",
	"Size is read-only")
t.ok(x:size() == s, "size() is the shape")

-- dtype
t.ok(x.dtype == torch.float32, "dtype compares with ==")
t.is(tostring(x.dtype), "torch.float32", "dtype prints")
t.ok(torch.zeros(1, {dtype = torch.float64}).dtype ~= torch.float32, "dtypes differ")

-- requires_grad, is_leaf, grad_fn
t.is(x.requires_grad, false, "requires_grad defaults to false")
x.requires_grad = true
t.is(x.requires_grad, true, "requires_grad is settable")
t.is(tostring(x), "tensor([[0., 0., 0.],\n        [0., 0., 0.]], requires_grad=True)",
	"a leaf requiring grad prints the suffix")
x.requires_grad = false
t.is(x.requires_grad, false, "and can be cleared")
t.is(x:requires_grad_(), x, "requires_grad_ returns self")
t.is(x.requires_grad, true, "requires_grad_() sets the flag")
x:requires_grad_(false)
t.is(x.requires_grad, false, "requires_grad_(false) clears it")
local i = torch.tensor({1, 2})
t.raises(function() i.requires_grad = true end,
	"only Tensors of floating point and complex dtype can require gradients",
	"integer tensors cannot require grad (the attribute's text)")
t.raises(function() i:requires_grad_() end,
	"only Tensors of floating point dtype can require gradients",
	"nor by requires_grad_() (that method's own text)")
t.raises(function() torch.tensor({1, 2}, {requires_grad = true}) end,
	"Only Tensors of floating point and complex dtype can require gradients",
	"nor from a factory (its text, capital O)")
t.raises(function() i:requires_grad_() end,
	"only Tensors of floating point dtype can require gradients",
	"nor through requires_grad_")
t.raises(function() x.requires_grad = 1 end, "requires_grad must be a boolean",
	"requires_grad takes booleans")
t.is(x.is_leaf, true, "a fresh tensor is a leaf")
t.is(x.grad_fn, nil, "a leaf has no grad_fn")
t.is(x.retains_grad, false, "retains_grad defaults to false")
t.raises(function() x:retain_grad() end,
	"can't retain_grad on Tensor that has requires_grad=False",
	"retain_grad needs requires_grad")
local w = torch.ones(2, {requires_grad = true})
t.lives(function() w:retain_grad() end, "retain_grad on a leaf is allowed")
t.is(w.retains_grad, false, "a leaf keeps its grad without retains_grad")

-- results of ops on tensors requiring grad are not leaves
local nl = w * 2
t.is(nl.is_leaf, false, "a result is not a leaf")
t.is(nl.requires_grad, true, "a result requires grad")
t.ok(nl.grad_fn ~= nil, "a result has a grad_fn")
t.raises(function() nl.requires_grad = false end,
	"you can only change requires_grad flags of leaf variables.",
	"requires_grad of a non-leaf cannot be cleared")
nl:retain_grad()
t.is(nl.retains_grad, true, "retain_grad on a non-leaf sets retains_grad")
t.is((torch.ones(2) * 2).grad_fn, nil, "no grad_fn without requires_grad")

-- grad
t.is(w.grad, nil, "grad starts nil")
local g = torch.tensor({0.5, 0.25})
w.grad = g
t.is(w.grad, g, "grad is settable (the same tensor comes back)")
w.grad = nil
t.is(w.grad, nil, "nil clears grad")
t.raises(function() w.grad = torch.zeros(3) end,
	"assigned grad has data of a different size", "grad size is checked")
t.raises(function() w.grad = torch.zeros(2, {dtype = torch.float64}) end,
	"assigned grad has data of a different type", "grad dtype is checked")
t.raises(function() w.grad = 3 end,
	"assigned grad expected to be a Tensor or None but got grad of type number",
	"grad must be a tensor")

-- _version and _base
local v = torch.zeros(3)
t.is(v._version, 0, "a fresh tensor is at version 0")
v:add_(1)
t.is(v._version, 1, "an in-place op bumps the version")
v:fill_(2)
t.is(v._version, 2, "fill_ bumps it")
local view = v[{{1, 2}}]
t.is(view._base, v, "a view's _base is the tensor it views")
t.is(v._base, nil, "a tensor that is no view has no _base")
view:zero_()
t.is(v._version, 3, "views share the version counter")
t.is(view._version, 3, "and see it too")
t.is(v:tolist(), {0, 0, 2}, "writes through a view reach the base")
t.is(v:t()._base, v, "t() is a view")
t.is(v.ndim, 1, "ndim")
t.is(torch.arange(6):view(2, 3).T:tolist(), {{0, 3}, {1, 4}, {2, 5}}, "T transposes")
t.is(torch.zeros(2, 3, 4).T.shape, torch.Size({4, 3, 2}), "T reverses every dim")
local dd = torch.ones(2)
t.ok(dd.data ~= dd and not dd.data.requires_grad, "data is a new alias")

-- attributes of the user's own, and read-only fields
v.note = "mine"
t.is(v.note, "mine", "tensors keep attributes the user sets")
t.is(v.nonexistent, nil, "unknown names read as nil")
t.raises(function() v.shape = 3 end,
	"attribute 'shape' of 'torch.Tensor' objects is not writable",
	"shape is read-only")
t.raises(function() v.sum = 3 end,
	"attribute 'sum' of 'torch.Tensor' objects is not writable",
	"methods cannot be overwritten")

-- what the REPL's completion reads
local mt = getmetatable(x)
t.is(mt.__name, "torch.Tensor", "__name")
t.is(type(mt.__methods), "table", "__methods is a table")
for _, name in ipairs({"size", "sum", "view", "add_", "matmul", "tolist",
		"clamp_", "index_select", "argmax", "float", "detach_"}) do
	t.is(type(mt.__methods[name]), "function", "__methods has " .. name)
end
local fields = {}
for _, name in ipairs(mt.__fields) do fields[name] = true end
for _, name in ipairs({"shape", "dtype", "requires_grad", "grad", "grad_fn",
		"is_leaf", "retains_grad", "_version", "_base"}) do
	t.ok(fields[name], "__fields lists " .. name)
end
t.ok(torch.Tensor == mt, "torch.Tensor is the metatable")

t.done()
