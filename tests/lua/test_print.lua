-- test_print.lua - tostring/print of tensors follows PyTorch 1.13's repr
-- (fixtures produced by torch), plus the autograd suffix.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local cases = {
	{torch.tensor({{1.5, -2.25}, {3.0, 4.0}}),
	 "tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]])", "2-d floats"},
	{torch.tensor({1e10, 1.0}), "tensor([1.0000e+10, 1.0000e+00])", "scientific"},
	{torch.tensor({1e-5, 1.0}), "tensor([1.0000e-05, 1.0000e+00])", "tiny values"},
	{torch.tensor({0 / 0, 1 / 0, -1 / 0, 1.5}),
	 "tensor([   nan,    inf,   -inf, 1.5000])", "nan and inf"},
	{torch.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])",
	 "summarised above 1000 elements"},
	{torch.arange(24):view(2, 3, 4),
	 "tensor([[[ 0,  1,  2,  3],\n         [ 4,  5,  6,  7],\n         [ 8,  9, 10, 11]],\n\n" ..
	 "        [[12, 13, 14, 15],\n         [16, 17, 18, 19],\n         [20, 21, 22, 23]]])",
	 "3-d int64"},
	{torch.ones(2, {dtype = torch.float64, requires_grad = true}),
	 "tensor([1., 1.], dtype=torch.float64, requires_grad=True)",
	 "dtype then requires_grad"},
	{torch.zeros(0, 3), "tensor([], size=(0, 3))", "empty with a shape"},
	{torch.tensor({true, false}), "tensor([ True, False])", "bool"},
	{torch.arange(30):float() / 7,
	 "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n" ..
	 "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n" ..
	 "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n" ..
	 "        3.8571, 4.0000, 4.1429])", "wrapped at 80 columns"},
	{torch.eye(3, {dtype = torch.int64}),
	 "tensor([[1, 0, 0],\n        [0, 1, 0],\n        [0, 0, 1]])", "int64 eye"},
	{torch.tensor(3), "tensor(3)", "0-d"},
	{torch.arange(6):view(2, 3):t(), "tensor([[0, 3],\n        [1, 4],\n        [2, 5]])",
	 "a non-contiguous view"},
}
for _, c in ipairs(cases) do
	t.is(tostring(c[1]), c[2], c[3])
end

-- autograd suffixes: requires_grad on leaves, grad_fn on results
local leaf = torch.tensor({1.0, 2.0}, {requires_grad = true})
t.is(tostring(leaf), "tensor([1., 2.], requires_grad=True)", "a leaf requiring grad")
t.is(tostring(leaf * 2), "tensor([2., 4.], grad_fn=<MulBackward0>)",
	"a result prints its grad_fn")
t.is(tostring(leaf:detach()), "tensor([1., 2.])", "detach drops the suffix")

-- print and string.format("%s") go through __tostring like tostring
t.is(string.format("%s", torch.zeros(2)), "tensor([0., 0.])",
	"string.format uses the same text")

-- print options
torch.set_printoptions({precision = 2})
t.is(tostring(torch.tensor({1 / 3, 2 / 3})), "tensor([0.33, 0.67])", "precision=2")
torch.set_printoptions()
t.is(tostring(torch.tensor({1 / 3})), "tensor([0.3333])", "defaults restored")
t.raises(function() torch.set_printoptions({digits = 3}) end,
	"unexpected keyword argument 'digits'", "unknown print option")

-- Size and dtype
t.is(tostring(torch.zeros(2, 3).shape), "torch.Size([2, 3])", "Size")
t.is(tostring(torch.zeros(2).dtype), "torch.float32", "dtype")

t.done()
