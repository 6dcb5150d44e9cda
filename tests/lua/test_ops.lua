-- test_ops.lua - ops as methods and as torch.op, operators with numbers on
-- either side, reductions with 1-based dims and index values, products,
-- joining and index_select.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local a = torch.tensor({{1.0, 2.0}, {3.0, 4.0}})
local i = torch.tensor({1, 2, 3})

-- operators, numbers on both sides
t.is((a + 1):tolist(), {{2, 3}, {4, 5}}, "tensor + number")
t.is((1 + a):tolist(), {{2, 3}, {4, 5}}, "number + tensor")
t.is((a - 1):tolist(), {{0, 1}, {2, 3}}, "tensor - number")
t.is((2 - i):tolist(), {1, 0, -1}, "number - tensor")
t.is((a * 2):tolist(), {{2, 4}, {6, 8}}, "tensor * number")
t.is((2 * a):tolist(), {{2, 4}, {6, 8}}, "number * tensor")
t.is((i / 2):tolist(), {0.5, 1, 1.5}, "int / number is true division")
t.near((1 / i):tolist(), {1, 0.5, 1 / 3}, 1e-6, "number / tensor")
t.ok((1 / i).dtype == torch.float32, "division of ints gives float32")
t.is((i ^ 2):tolist(), {1, 4, 9}, "tensor ^ number is pow")
t.is((2 ^ i):tolist(), {2, 4, 8}, "number ^ tensor")
t.ok((2 ^ i).dtype == torch.int64, "int ^ int stays int64")
t.is((-i):tolist(), {-1, -2, -3}, "unary minus")
t.is((a + a):tolist(), {{2, 4}, {6, 8}}, "tensor + tensor")
t.is((a * torch.tensor({10, 100})):tolist(), {{10, 200}, {30, 400}},
	"broadcasting")
t.ok((i + 1.5).dtype == torch.float32, "int tensor + float number -> float32")
t.ok((a + 1).dtype == torch.float32, "an int number keeps float32")
t.ok((torch.ones(2, {dtype = torch.float64}) + torch.tensor(1.0)).dtype
	== torch.float64, "0-d tensors count less in promotion")
t.raises(function() return i ^ -1 end,
	"Integers to negative integer powers are not allowed.", "int ^ -1")
t.raises(function() return torch.zeros(3) + torch.zeros(4) end,
	"The size of tensor a (3) must match the size of tensor b (4) at " ..
	"non-singleton dimension 0", "broadcast error is PyTorch's")
t.raises(function() return -torch.tensor({true}) end,
	"Negation, the `-` operator, on a bool tensor is not supported.", "-bool")
t.raises(function() return a + "x" end,
	"torch.add: argument 2 must be a Tensor or a number, got string",
	"adding a string")
t.raises(function() return {} * a end,
	"torch.mul: argument 1 must be a Tensor or a number, got table",
	"multiplying a table")
t.ok(a == a and a ~= a:clone(), "== is identity")
t.raises(function() return a < a end, "use x:lt(y)", "< points to the methods")
t.raises(function() return a >= 1 end, "use x:lt(y), x:le(y), x:gt(y), x:ge(y)",
	">= points to the methods")

-- named ops, methods and torch.op
t.is(a:add(1):tolist(), torch.add(a, 1):tolist(), "add as method and function")
t.is(torch.add(a, a, {alpha = 2}):tolist(), {{3, 6}, {9, 12}}, "add alpha")
t.is(torch.sub(a, 1, {alpha = 2}):tolist(), {{-1, 0}, {1, 2}}, "sub alpha")
t.is(a:mul(a):tolist(), {{1, 4}, {9, 16}}, "mul")
t.is(a:div(2):tolist(), {{0.5, 1}, {1.5, 2}}, "div")
t.near(torch.tensor({1, 2}):float():pow(0.5):tolist(), {1, 1.4142135}, 1e-6, "pow")
t.is(a:neg():tolist(), {{-1, -2}, {-3, -4}}, "neg")
t.is(torch.tensor({-1.5, 2}):abs():tolist(), {1.5, 2}, "abs")
t.near(a:exp():tolist(), {{math.exp(1), math.exp(2)}, {math.exp(3), math.exp(4)}},
	1e-6, "exp")
t.near(a:log():tolist(), {{0, math.log(2)}, {math.log(3), math.log(4)}}, 1e-6, "log")
t.near(a:sqrt():tolist(), {{1, math.sqrt(2)}, {math.sqrt(3), 2}}, 1e-6, "sqrt")
t.near(torch.sin(a):tolist(), {{math.sin(1), math.sin(2)}, {math.sin(3), math.sin(4)}},
	1e-6, "sin")
t.near(torch.cos(a):tolist(), {{math.cos(1), math.cos(2)}, {math.cos(3), math.cos(4)}},
	1e-6, "cos")
t.near(a:tanh():tolist(), {{0.7615942, 0.9640276}, {0.9950548, 0.9993293}}, 1e-6,
	"tanh")
t.near(a:sigmoid():tolist(), {{0.7310586, 0.8807971}, {0.9525741, 0.9820138}},
	1e-6, "sigmoid")
t.is(torch.tensor({-1, 0, 2}):relu():tolist(), {0, 0, 2}, "relu")
t.ok(torch.exp(i).dtype == torch.float32, "exp of int64 is float32")
local cl = torch.tensor({-1.0, 0.5, 3.0})
t.is(cl:clamp(0, 1):tolist(), {0, 0.5, 1}, "clamp(min, max)")
t.is(cl:clamp({min = 0}):tolist(), {0, 0.5, 3}, "clamp({min=})")
t.is(cl:clamp(nil, 1):tolist(), {-1, 0.5, 1}, "clamp(nil, max)")
t.is(torch.clamp(cl, {max = 0}):tolist(), {-1, 0, 0}, "torch.clamp({max=})")
t.raises(function() cl:clamp() end,
	"torch.clamp: At least one of 'min' or 'max' must not be nil", "clamp()")

-- comparisons give bool tensors
t.is(i:eq(torch.tensor({1, 3, 3})):tolist(), {true, false, true}, "eq")
t.is(i:ne(2):tolist(), {true, false, true}, "ne")
t.is(i:lt(2):tolist(), {true, false, false}, "lt")
t.is(i:le(2):tolist(), {true, true, false}, "le")
t.is(i:gt(2):tolist(), {false, false, true}, "gt")
t.is(torch.ge(i, 2):tolist(), {false, true, true}, "torch.ge")
t.ok(i:gt(1).dtype == torch.bool, "comparisons give bool")

-- in place
local z = torch.tensor({1.0, 2.0})
t.is(z:add_(1), z, "add_ returns self")
t.is(z:tolist(), {2, 3}, "add_")
z:sub_(1); z:mul_(4); z:div_(2)
t.is(z:tolist(), {2, 4}, "sub_ mul_ div_")
z:pow_(2)
t.is(z:tolist(), {4, 16}, "pow_")
z:sqrt_(); z:neg_()
t.is(z:tolist(), {-2, -4}, "sqrt_ neg_")
z:abs_(); z:clamp_(0, 3)
t.is(z:tolist(), {2, 3}, "abs_ clamp_")
z:add_(torch.tensor({1, 1}), {alpha = 3})
t.is(z:tolist(), {5, 6}, "add_ with alpha")
z:zero_(); z:exp_()
t.is(z:tolist(), {1, 1}, "exp_")
t.is(z._version, 12, "each in-place op bumps the version")
t.raises(function() i:add_(1.5) end,
	"result type Float can't be cast to the desired output type Long",
	"add_ refuses a float into int64")
t.raises(function() torch.zeros(2, 3):add_(torch.zeros(3, 3)) end,
	"The size of tensor a (2) must match the size of tensor b (3) at " ..
	"non-singleton dimension 0", "in-place cannot broadcast self")
t.raises(function() torch.zeros(1):expand(3):add_(1) end,
	"unsupported operation: more than one element of the written-to tensor " ..
	"refers to a single memory location. Please clone() the tensor before " ..
	"performing the operation.", "in-place into an expanded tensor")

-- where
local cond = torch.tensor({true, false})
t.is(torch.where(cond, torch.tensor({1.0, 2.0}), 0):tolist(), {1, 0},
	"torch.where with a number")
t.is(torch.tensor({1.0, 2.0}):where(cond, torch.tensor({9.0, 9.0})):tolist(),
	{1, 9}, "x:where(cond, y)")

-- reductions: 1-based dims, 1-based index values
local m = torch.tensor({{1, 5, 2}, {7, 0, 7}})
t.is(m:sum():item(), 22, "sum()")
t.is(m:sum(1):tolist(), {8, 5, 9}, "sum(1) reduces the first dim")
t.is(m:sum(2):tolist(), {8, 14}, "sum(2)")
t.is(m:sum(-1):tolist(), {8, 14}, "sum(-1)")
t.is(m:sum(2, {keepdim = true}).shape, torch.Size({2, 1}), "sum keepdim")
t.is(m:sum({1, 2}):item(), 22, "sum({1, 2})")
t.is(torch.sum(m, 1):tolist(), {8, 5, 9}, "torch.sum(x, 1)")
t.is(m:sum({dim = 2}):tolist(), {8, 14}, "sum({dim=2})")
t.ok(m:sum().dtype == torch.int64, "sum of int64 is int64")
t.is(a:mean():item(), 2.5, "mean()")
t.is(a:mean(1):tolist(), {2, 3}, "mean(1)")
t.raises(function() m:mean() end,
	"mean(): could not infer output dtype. Input dtype must be either a " ..
	"floating point or complex dtype. Got: Long", "mean of int64")
t.is(m:sum(1, {dtype = torch.float64}).dtype, torch.float64, "sum dtype keyword")
t.is(m:max():item(), 7, "max()")
t.is(m:min():item(), 0, "min()")
local v, idx = m:max(2)
t.is(v:tolist(), {5, 7}, "max(2) values")
t.is(idx:tolist(), {2, 1}, "max(2) indices count from 1")
v, idx = torch.min(m, 1)
t.is(v:tolist(), {1, 0, 2}, "torch.min(x, 1) values")
t.is(idx:tolist(), {1, 2, 1}, "torch.min(x, 1) indices count from 1")
v, idx = m:max(1, {keepdim = true})
t.is(idx.shape, torch.Size({1, 3}), "max keepdim")
local mv = torch.tensor({{1.0, 5.0}, {7.0, 2.0}}, {requires_grad = true})
local mvals, midx = mv:max(2)
t.is(midx:tolist(), {2, 1}, "max(2) of a tensor requiring grad: 1-based indices")
t.is(midx._version, 0, "the indices are a fresh tensor, not core's modified in place")
t.is(m:argmax():item(), 4, "argmax() is a 1-based flat index")
t.is(m:argmin(1):tolist(), {1, 2, 1}, "argmin(1) counts from 1")
t.is(m:argmax(2):tolist(), {2, 1}, "argmax(2): first occurrence, from 1")
t.is(m:argmax(2, {keepdim = true}).shape, torch.Size({2, 1}), "argmax keepdim")
t.raises(function() m:sum(3) end,
	"Dimension out of range (expected to be in range of [-2, 2], but got 3)",
	"sum(3) in Lua terms")
t.raises(function() m:sum(0) end, "agdb counts from 1", "sum(0) hints")
t.raises(function() m:max(m) end, "the elementwise form (two tensors) is not supported",
	"max(tensor) says it is not supported")

-- matrix products
local A = torch.tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}})
local B = torch.tensor({{1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}})
t.is(A:mm(B):tolist(), {{4, 5}, {10, 11}}, "mm")
t.is(torch.matmul(A, B):tolist(), {{4, 5}, {10, 11}}, "matmul")
t.is(A:matmul(torch.tensor({1.0, 1.0, 1.0})):tolist(), {6, 15}, "matmul with a vector")
t.is(torch.bmm(A:unsqueeze(1), B:unsqueeze(1)):tolist(), {{{4, 5}, {10, 11}}}, "bmm")
t.raises(function() torch.bmm(A, B) end, "batch1 must be a 3D tensor", "bmm of 2-d")
t.raises(function() torch.mm(torch.zeros(2, 3), torch.zeros(4, 5)) end,
	"mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", "mm shapes")

-- joining
local p, q = torch.zeros(2, 2), torch.ones(2, 2)
t.is(torch.cat({p, q}).shape, torch.Size({4, 2}), "cat along dim 1 by default")
t.is(torch.cat({p, q}, 2).shape, torch.Size({2, 4}), "cat(…, 2)")
t.is(torch.cat({p, q}, -1).shape, torch.Size({2, 4}), "cat(…, -1)")
t.is(torch.cat({p, q}, {dim = 2}).shape, torch.Size({2, 4}), "cat({dim=2})")
t.is(p:cat(q, 2).shape, torch.Size({2, 4}), "x:cat(y, 2)")
t.is(torch.stack({p, q}).shape, torch.Size({2, 2, 2}), "stack")
t.is(torch.stack({p, q}, 3).shape, torch.Size({2, 2, 2}), "stack(…, 3) appends")
t.is(torch.stack({torch.tensor({1, 2}), torch.tensor({3, 4})}, 2):tolist(),
	{{1, 3}, {2, 4}}, "stack along dim 2")
t.raises(function() torch.cat({torch.zeros(2, 2), torch.zeros(3, 3)}) end,
	"Sizes of tensors must match except in dimension 0. Expected size 2 but " ..
	"got size 3 for tensor number 1 in the list.", "cat sizes")
t.raises(function() torch.stack({torch.zeros(2), torch.zeros(3)}) end,
	"stack expects each tensor to be equal size, but got [2] at entry 0 and " ..
	"[3] at entry 1", "stack sizes")
t.raises(function() torch.cat({}) end,
	"torch.cat(): expected a non-empty list of Tensors", "cat of nothing")
t.raises(function() torch.cat({p, 3}) end,
	"torch.cat: argument 1 must be a table of Tensors, but element 2 is number",
	"cat of a number")

-- index_select takes 1-based indices
local s = torch.tensor({{1, 2, 3}, {4, 5, 6}})
t.is(s:index_select(2, torch.tensor({1, 3})):tolist(), {{1, 3}, {4, 6}},
	"index_select(2, {1, 3}) counts from 1")
t.is(s:index_select(1, {2}):tolist(), {{4, 5, 6}}, "index_select with a Lua table")
t.is(torch.index_select(s, 2, torch.tensor({-1})):tolist(), {{3}, {6}},
	"a negative index counts from the end")
t.raises(function() s:index_select(2, torch.tensor({0})) end,
	"index 0 is out of range: agdb counts from 1 (use 1 for the first element)",
	"index_select with index 0")
t.raises(function() s:index_select(2, torch.tensor({4})) end,
	"index out of range in self", "index_select past the end")

t.done()
