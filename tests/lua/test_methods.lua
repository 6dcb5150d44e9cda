-- test_methods.lua - geometry, views, conversions and fills, with 1-based
-- dims and indices.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.arange(6):view(2, 3)

-- geometry
t.is(x:size(1), 2, "size(1) is the first dim")
t.is(x:size(-1), 3, "size(-1) is the last")
t.is(x:dim(), 2, "dim")
t.is(x:numel(), 6, "numel")
t.is(torch.numel(x), 6, "torch.numel")
t.is(x:stride(), {3, 1}, "stride() is a table")
t.is(x:stride(1), 3, "stride(1)")
t.is(x:stride(-1), 1, "stride(-1)")
t.is(x:storage_offset(), 0, "storage_offset of a fresh tensor")
t.is(x[2]:storage_offset(), 3, "storage_offset counts elements")
t.ok(x:is_contiguous(), "is_contiguous")
t.ok(not x:t():is_contiguous(), "a transpose is not contiguous")
t.ok(x:float():is_floating_point() and not x:is_floating_point(),
	"is_floating_point")
t.is(x:element_size(), 8, "element_size")
t.raises(function() x:size(0) end, "agdb counts from 1", "size(0) hints")
t.raises(function() x:size(3) end,
	"Dimension out of range (expected to be in range of [-2, 2], but got 3)",
	"size(3) is out of range in Lua terms")

-- values into Lua
t.is(torch.tensor({7})[1]:item(), 7, "item of an int64 is an integer")
t.is(math.type(torch.tensor(7):item()), "integer", "int64 item is a Lua integer")
t.is(torch.tensor(2.5):item(), 2.5, "item of a float")
t.is(torch.tensor(true):item(), true, "item of a bool is a boolean")
t.raises(function() x:item() end,
	"a Tensor with 6 elements cannot be converted to Scalar", "item needs one element")
t.is(x:tolist(), {{0, 1, 2}, {3, 4, 5}}, "tolist")
t.is(x:t():tolist(), {{0, 3}, {1, 4}, {2, 5}}, "tolist follows strides")
t.is(torch.tensor(3):tolist(), 3, "tolist of a 0-d tensor is a number")

-- copies
local c = x:clone()
t.ok(c ~= x and c:tolist()[2][3] == 5, "clone copies")
c[{1, 1}] = 9
t.is(x[{1, 1}]:item(), 0, "a clone does not share storage")
t.is(x:contiguous(), x, "contiguous of a contiguous tensor is itself")
t.ok(x:t():contiguous():is_contiguous(), "contiguous() makes a copy")
local w = torch.ones(2, {requires_grad = true})
local d = w:detach()
t.ok(not d.requires_grad and d.is_leaf, "detach drops requires_grad")
d[1] = 5
t.is(w[1]:item(), 5, "detach shares storage")
t.is(torch.detach(w).requires_grad, false, "torch.detach")
local d2 = torch.ones(2, {requires_grad = true})
t.is(d2:detach_(), d2, "detach_ returns self")
t.is(d2.requires_grad, false, "detach_ clears requires_grad")
t.raises(function() torch.zeros(3)[{{2, 3}}]:detach_() end,
	"Can't detach views in-place. Use detach() instead.", "detach_ of a view")

-- views (share storage with x)
t.is(x:view(3, 2).shape, torch.Size({3, 2}), "view(3, 2)")
t.is(x:view({6}).shape, torch.Size({6}), "view({6})")
t.is(x:view(-1, 2).shape, torch.Size({3, 2}), "view(-1, 2)")
t.raises(function() x:view(4) end, "shape '[4]' is invalid for input of size 6",
	"view with a wrong size")
t.raises(function() x:t():view(6) end,
	"view size is not compatible with input tensor's size and stride",
	"view of a transpose")
t.is(x:t():reshape(6):tolist(), {0, 3, 1, 4, 2, 5}, "reshape copies when it must")
t.is(torch.reshape(x, 3, 2).shape, torch.Size({3, 2}), "torch.reshape")
t.is(x:transpose(1, 2).shape, torch.Size({3, 2}), "transpose(1, 2)")
t.is(torch.transpose(x, -1, -2):tolist(), {{0, 3}, {1, 4}, {2, 5}},
	"torch.transpose with negative dims")
t.raises(function() x:transpose(0, 1) end, "agdb counts from 1", "transpose(0, 1)")
t.is(x:t():t():tolist(), x:tolist(), "t() twice")
t.raises(function() torch.zeros(2, 3, 4):t() end,
	"t() expects a tensor with <= 2 dimensions, but self is 3D", "t() of 3-d")
local p = torch.zeros(2, 3, 4)
t.is(p:permute(3, 1, 2).shape, torch.Size({4, 2, 3}), "permute(3, 1, 2)")
t.is(p:permute({-1, 1, 2}).shape, torch.Size({4, 2, 3}), "permute({-1, 1, 2})")
t.is(x:expand(2, 2, 3).shape, torch.Size({2, 2, 3}), "expand adds dims")
t.is(torch.zeros(3, 1):expand(-1, 4).shape, torch.Size({3, 4}), "expand -1 keeps")
t.is(torch.zeros(3, 1):expand(2, 3, 4):stride(), {0, 1, 0}, "expand gives stride 0")
t.raises(function() x:expand(3, 3) end,
	"The expanded size of the tensor (3) must match the existing size (2) at " ..
	"non-singleton dimension 0.  Target sizes: [3, 3].  Tensor sizes: [2, 3]",
	"expand error is PyTorch's")
t.is(torch.zeros(1, 3):expand_as(x).shape, x.shape, "expand_as")
t.is(x:narrow(2, 2, 2):tolist(), {{1, 2}, {4, 5}}, "narrow(2, 2, 2): 1-based start")
t.is(x:narrow(2, -1, 1):tolist(), {{2}, {5}}, "narrow with a negative start")
t.raises(function() x:narrow(2, 3, 2) end,
	"start (3) + length (2) exceeds dimension size (3).", "narrow past the end")
t.raises(function() x:narrow(2, 0, 1) end, "agdb counts from 1", "narrow start 0")
t.is(x:select(2, -1):tolist(), {2, 5}, "select(2, -1)")
t.is(x:select(1, 2):tolist(), {3, 4, 5}, "select(1, 2)")
t.is(torch.select(x, 2, 1):tolist(), {0, 3}, "torch.select")
t.raises(function() x:select(1, 3) end,
	"select(): index 3 out of range for tensor of size [2, 3] at dimension 1",
	"select out of range (PyTorch's select() text, 1-based)")
t.is(x:unsqueeze(1).shape, torch.Size({1, 2, 3}), "unsqueeze(1)")
t.is(x:unsqueeze(3).shape, torch.Size({2, 3, 1}), "unsqueeze(3) appends")
t.is(x:unsqueeze(-1).shape, torch.Size({2, 3, 1}), "unsqueeze(-1) appends")
t.raises(function() x:unsqueeze(4) end,
	"Dimension out of range (expected to be in range of [-3, 3], but got 4)",
	"unsqueeze range")
local u = torch.zeros(1, 2, 1)
t.is(u:squeeze().shape, torch.Size({2}), "squeeze()")
t.is(u:squeeze(1).shape, torch.Size({2, 1}), "squeeze(1)")
t.is(u:squeeze(2).shape, torch.Size({1, 2, 1}), "squeeze of a non-1 dim")
t.is(p:flatten().shape, torch.Size({24}), "flatten()")
t.is(p:flatten(2).shape, torch.Size({2, 12}), "flatten(2)")
t.is(p:flatten(1, 2).shape, torch.Size({6, 4}), "flatten(1, 2)")
t.is(x:as_strided({2, 2}, {1, 2}, 1):tolist(), {{1, 3}, {2, 4}}, "as_strided")
local base = torch.zeros(4)
local vw = base:view(2, 2)
vw[{1, 2}] = 7
t.is(base:tolist(), {0, 7, 0, 0}, "views write through to the base")

-- conversions
t.ok(x:float().dtype == torch.float32, "float()")
t.ok(x:double().dtype == torch.float64, "double()")
t.ok(x:half().dtype == torch.float16, "half()")
t.ok(x:bfloat16().dtype == torch.bfloat16, "bfloat16()")
t.ok(x:float():long().dtype == torch.int64, "long()")
t.ok(x:bool().dtype == torch.bool, "bool()")
t.is(torch.tensor({1.7, -1.7}):long():tolist(), {1, -1}, "long() truncates")
t.is(torch.tensor({0.0, 2.0}):bool():tolist(), {false, true}, "bool() of floats")
t.is(tostring(torch.tensor({1 / 3}):half()), "tensor([0.3333], dtype=torch.float16)",
	"half rounds")
t.is(tostring(torch.tensor({1 / 3}):bfloat16()),
	"tensor([0.3340], dtype=torch.bfloat16)", "bfloat16 rounds")
local xf = x:float()
t.is(xf:float(), xf, "float() of a float32 is itself")
t.ok(x:to(torch.float64).dtype == torch.float64, "to(dtype)")
t.ok(x:to(torch.zeros(1)).dtype == torch.float32, "to(tensor) takes its dtype")
t.ok(x:to({dtype = torch.float16}).dtype == torch.float16, "to({dtype=})")
t.is(x:to(torch.int64), x, "to() the same dtype is itself")
t.ok(x:to(torch.int64, {copy = true}) ~= x, "to(..., {copy=true}) copies")
t.is(x:type(), "torch.LongTensor", "type()")
t.is(x:float():type(), "torch.FloatTensor", "type() of float32")
t.ok(x:type(torch.float64).dtype == torch.float64, "type(dtype)")
t.ok(x:type("torch.DoubleTensor").dtype == torch.float64, "type(name)")
t.ok(x:type("torch.float16").dtype == torch.float16, "type(dtype name)")
t.raises(function() x:type("torch.CudaTensor") end, "invalid type: 'torch.CudaTensor'",
	"type() of an unknown name")

-- fills and copies in place
local f = torch.zeros(2, 3)
t.is(f:fill_(2.5), f, "fill_ returns self")
t.is(f:tolist(), {{2.5, 2.5, 2.5}, {2.5, 2.5, 2.5}}, "fill_")
f:zero_()
t.is(f:sum():item(), 0, "zero_")
f:copy_(torch.tensor({1, 2, 3}))
t.is(f:tolist(), {{1, 2, 3}, {1, 2, 3}}, "copy_ broadcasts and converts")
t.raises(function() f:copy_(torch.zeros(4)) end,
	"The size of tensor a (3) must match the size of tensor b (4) at " ..
	"non-singleton dimension 1", "copy_ of a wrong shape")
f:fill_(torch.tensor(4))
t.is(f[1][1]:item(), 4, "fill_ with a 0-d tensor")
t.raises(function() f:fill_(torch.zeros(2)) end,
	"fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.",
	"fill_ with a 1-d tensor")
local leaf = torch.zeros(2, {requires_grad = true})
t.raises(function() leaf:fill_(1) end,
	"a leaf Variable that requires grad is being used in an in-place operation.",
	"in-place on a leaf requiring grad")

t.done()
