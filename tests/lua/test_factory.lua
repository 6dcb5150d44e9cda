-- test_factory.lua - torch.tensor and the other factories, dtype inference,
-- keyword tables, and the random generator seeded like PyTorch's.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

-- torch.tensor: Lua integers -> int64, any float -> float32, booleans -> bool
local a = torch.tensor({{1, 2}, {3, 4}})
t.ok(a.dtype == torch.int64, "integers give int64")
t.is(a:tolist(), {{1, 2}, {3, 4}}, "tensor keeps the values")
t.is(tostring(a.shape), "torch.Size([2, 2])", "nested tables give the shape")
t.ok(torch.tensor({1, 2.5}).dtype == torch.float32, "a float makes float32")
t.ok(torch.tensor({1.0, 2.0}).dtype == torch.float32, "1.0 is a float")
t.ok(torch.tensor({true, false}).dtype == torch.bool, "booleans give bool")
t.is(torch.tensor({true, false}):tolist(), {true, false}, "bool values")
t.ok(torch.tensor({true, 1}).dtype == torch.int64, "bool and int give int64")
t.is(tostring(torch.tensor(3)), "tensor(3)", "a number gives a 0-d tensor")
t.is(tostring(torch.tensor(2.5)), "tensor(2.5000)", "0-d float")
t.is(tostring(torch.tensor(true)), "tensor(True)", "0-d bool")
t.is(tostring(torch.tensor({})), "tensor([])", "empty table")
t.is(tostring(torch.tensor({{}, {}})), "tensor([], size=(2, 0))", "empty rows")
t.is(tostring(torch.tensor({{1.5, 2}, {3, 4}}, {dtype = torch.float64})),
	"tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]], dtype=torch.float64)",
	"dtype keyword")
t.is(tostring(torch.tensor({1, 2}, {dtype = torch.bfloat16})),
	"tensor([1., 2.], dtype=torch.bfloat16)", "int data into bfloat16")
t.is(torch.tensor({9007199254740993}):tolist(), {9007199254740993},
	"int64 keeps every bit")
local c = torch.tensor(a)
t.ok(c ~= a and c:tolist()[2][2] == 4, "torch.tensor(t) copies")
t.raises(function() torch.tensor({{1, 2}, {3}}) end,
	"expected sequence of length 2 at dim 2 (got 1)", "ragged table")
t.raises(function() torch.tensor({{1, 2}, 3}) end,
	"expected a table of length 2 at dim 2", "mixed nesting")
t.raises(function() torch.tensor({1, "a"}) end,
	"elements must be numbers or booleans, got string", "strings refused")
t.raises(function() torch.tensor("x") end,
	"torch.tensor: argument 1 must be", "bad data")

-- sized factories: numbers or one table, keywords last
t.is(torch.zeros(2, 3).shape, torch.Size({2, 3}), "zeros(2, 3)")
t.is(torch.zeros({2, 3}).shape, torch.Size({2, 3}), "zeros({2, 3})")
t.is(torch.ones(torch.zeros(4, 1).shape).shape, torch.Size({4, 1}),
	"a Size is a size table")
t.is(torch.ones(2):tolist(), {1, 1}, "ones")
t.is(torch.zeros(2):tolist(), {0, 0}, "zeros")
t.is(torch.empty(3, 2).shape, torch.Size({3, 2}), "empty")
t.is(torch.zeros().dim(torch.zeros()), 0, "no sizes: 0-d")
local z = torch.zeros(2, 3, {dtype = torch.float64, requires_grad = true})
t.ok(z.dtype == torch.float64 and z.requires_grad, "dtype and requires_grad")
t.ok(torch.ones(2, {dtype = torch.int64}).dtype == torch.long, "int64 ones")
t.ok(torch.zeros(2, {dtype = "float16"}).dtype == torch.half,
	"dtype given by name")
t.is(tostring(torch.full({2}, 2.5, {dtype = torch.float16})),
	"tensor([2.5000, 2.5000], dtype=torch.float16)", "full with dtype")
t.ok(torch.full({2}, 3).dtype == torch.int64, "full infers int64")
t.ok(torch.full({2}, true).dtype == torch.bool, "full infers bool")
t.ok(torch.full({2}, 0.5).dtype == torch.float32, "full infers float32")
t.raises(function() torch.zeros(-1) end,
	"Trying to create tensor with negative dimension -1: [-1]", "negative size")
t.raises(function() torch.zeros(2, {dtyp = torch.float64}) end,
	"torch.zeros: unexpected keyword argument 'dtyp'", "unknown keyword")
t.raises(function() torch.zeros(2.5) end,
	"torch.zeros: argument 1 must be a number or a table of sizes, got 2.5",
	"fractional size")
t.raises(function() torch.ones(2, {requires_grad = true, dtype = torch.int64}) end,
	"Only Tensors of floating point and complex dtype can require gradients",
	"int tensors cannot require grad")

-- ranges
local r = torch.arange(5)
t.ok(r.dtype == torch.int64, "arange of integers is int64")
t.is(r:tolist(), {0, 1, 2, 3, 4}, "arange(5) counts values from 0 like PyTorch")
t.is(torch.arange(2, 5):tolist(), {2, 3, 4}, "arange(start, end)")
t.ok(torch.arange(0, 1, 0.25).dtype == torch.float32, "float arange")
t.near(torch.arange(1, 2, 0.3):tolist(),
	{1.0, 1.2999999523162842, 1.600000023841858, 1.899999976158142}, 1e-7,
	"arange with a float step")
t.ok(torch.arange(3, {dtype = torch.float64}).dtype == torch.float64,
	"arange dtype keyword")
t.is(torch.linspace(-1, 1, 5):tolist(), {-1, -0.5, 0, 0.5, 1}, "linspace")
t.is(tostring(torch.eye(2, 3)), "tensor([[1., 0., 0.],\n        [0., 1., 0.]])",
	"eye(n, m)")
t.is(torch.eye(2):tolist(), {{1, 0}, {0, 1}}, "eye(n)")
t.raises(function() torch.arange(0, 5, 0) end, "step must be nonzero",
	"zero step")
t.raises(function() torch.arange(5, 0, 1) end,
	"upper bound and larger bound inconsistent with step sign", "wrong sign")
t.raises(function() torch.linspace(0, 1, -1) end,
	"number of steps must be non-negative", "negative steps")

-- like
local f = torch.ones(2, 3, {dtype = torch.float64})
t.ok(torch.zeros_like(f).dtype == torch.float64, "zeros_like keeps dtype")
t.is(torch.ones_like(f).shape, f.shape, "ones_like keeps shape")
t.ok(torch.zeros_like(f, {dtype = torch.int64}).dtype == torch.int64,
	"zeros_like dtype keyword")
t.is(torch.rand_like(f).shape, f.shape, "rand_like")
t.is(torch.randn_like(f).shape, f.shape, "randn_like")
t.is(torch.full_like(f, 7):tolist(), {{7, 7, 7}, {7, 7, 7}}, "full_like")

-- random numbers: the same as torch.manual_seed(s) in PyTorch
torch.manual_seed(0)
t.near(torch.rand(3):tolist(),
	{0.49625658988952637, 0.7682217955589294, 0.08847743272781372}, 1e-7,
	"rand after manual_seed(0)")
torch.manual_seed(0)
t.near(torch.randn(3):tolist(),
	{1.5409960746765137, -0.293428897857666, -2.1787893772125244}, 1e-6,
	"randn after manual_seed(0)")
torch.manual_seed(0)
t.is(torch.randint(0, 10, {5}):tolist(), {4, 9, 3, 0, 3}, "randint(low, high, size)")
torch.manual_seed(0)
t.is(torch.randint(3, 10, {5}):tolist(), {7, 6, 3, 5, 4}, "randint values")
torch.manual_seed(0)
t.is(torch.randint(10, {5}):tolist(), {4, 9, 3, 0, 3}, "randint(high, size)")
torch.manual_seed(42)
t.near(torch.rand(2, 2, {dtype = torch.float64}):tolist(),
	{{0.05815448596142969, 0.06291016742457756},
	 {0.12358607277440903, 0.05258016436107704}}, 1e-15, "float64 rand")
t.ok(torch.randint(0, 3, {4}).dtype == torch.int64, "randint gives int64")
t.raises(function() torch.randint(5, 3, {2}) end,
	"random_ expects 'from' to be less than 'to', but got from=5 >= to=3",
	"randint bounds")

-- module-level helpers
t.ok(torch.is_tensor(a) and not torch.is_tensor({}) and not torch.is_tensor(1),
	"is_tensor")
t.ok(torch.get_default_dtype() == torch.float32, "default dtype")
t.ok(torch.float == torch.float32 and torch.double == torch.float64 and
	torch.long == torch.int64 and torch.half == torch.float16, "dtype aliases")
t.is(tostring(torch.bfloat16), "torch.bfloat16", "dtype prints")
t.is(tostring(torch.bool), "torch.bool", "bool dtype prints")
t.ok(torch.float64.is_floating_point and not torch.int64.is_floating_point,
	"dtype.is_floating_point")
t.is(torch.float64.itemsize, 8, "dtype.itemsize")

t.done()
