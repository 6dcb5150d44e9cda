-- test_dtypes.lua - uint8, int8, int16, int32 next to the older dtypes:
-- names, factories, printing, PyTorch's type promotion and wraparound,
-- conversions, reductions, indexing, torch.finfo / torch.iinfo.  Every
-- expected value and message was checked in PyTorch 1.13.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local u8, i8, i16, i32 = torch.uint8, torch.int8, torch.int16, torch.int32
local function T(v, dt) return torch.tensor(v, {dtype = dt}) end

-- ------------------------------------------------------------ names
t.is({tostring(u8), tostring(i8), tostring(i16), tostring(i32)},
	{"torch.uint8", "torch.int8", "torch.int16", "torch.int32"}, "the dtypes print as PyTorch's")
t.ok(torch.int == i32 and torch.short == i16 and torch.long == torch.int64, "torch.int, torch.short aliases")
t.is({u8.is_signed, i8.is_signed, i32.is_floating_point, i16.itemsize}, {false, true, false, 2},
	"is_signed, is_floating_point, itemsize")
local x = torch.tensor({1, 2})
t.is({x:byte().dtype, x:char().dtype, x:short().dtype, x:int().dtype, x:int():long().dtype},
	{u8, i8, i16, i32, torch.int64}, "byte() char() short() int() long()")
t.is({x:byte():type(), x:char():type(), x:short():type(), x:int():type()},
	{"torch.ByteTensor", "torch.CharTensor", "torch.ShortTensor", "torch.IntTensor"}, "legacy type names")
t.is(x:type("torch.ShortTensor").dtype, i16, "type(name) converts")
t.is({x:to(u8).dtype, x:to("int8").dtype, x:to({dtype = torch.int}).dtype}, {u8, i8, i32}, "to(dtype)")
t.is(x:int():element_size(), 4, "element_size")

-- ------------------------------------------------------------ factories and printing
t.is(tostring(T({1, 2}, u8)), "tensor([1, 2], dtype=torch.uint8)", "uint8 prints with its dtype")
t.is(tostring(T({{1, 2}, {3, 4}}, i16)), "tensor([[1, 2],\n        [3, 4]], dtype=torch.int16)", "int16 2-d")
t.is(tostring(T(5, i8)), "tensor(5, dtype=torch.int8)", "a 0-d int8")
t.is(tostring(T({}, i32)), "tensor([], dtype=torch.int32)", "an empty int32")
t.is(tostring(torch.zeros(0, 3, {dtype = u8})), "tensor([], size=(0, 3), dtype=torch.uint8)", "an empty 2-d uint8")
t.is(tostring(torch.ones(2, {dtype = i8})), "tensor([1, 1], dtype=torch.int8)", "ones")
t.is(tostring(torch.eye(2, {dtype = i32})), "tensor([[1, 0],\n        [0, 1]], dtype=torch.int32)", "eye")
t.is(torch.arange(5, {dtype = u8}):tolist(), {0, 1, 2, 3, 4}, "arange")
t.is(torch.arange(300, {dtype = u8})[{{-3, -1}}]:tolist(), {41, 42, 43}, "arange wraps around in uint8")
t.is(torch.linspace(0, 10, 5, {dtype = i16}):tolist(), {0, 2, 5, 7, 10}, "linspace truncates to int16")
t.is(T({-1}, u8):tolist(), {255}, "torch.tensor: an integer down to -255 wraps into uint8")
t.is(T({-255}, u8):tolist(), {1}, "-255 -> 1")
t.is(T({1.7, -2.5}, i8):tolist(), {1, -2}, "floats truncate toward zero")
t.raises(function() T({300}, u8) end, "value cannot be converted to type uint8 without overflow",
	"300 does not fit uint8")
t.raises(function() T({-256}, u8) end, "value cannot be converted to type uint8 without overflow", "nor -256")
t.raises(function() T({128}, i8) end, "value cannot be converted to type int8 without overflow", "128 into int8")
t.raises(function() T({-3.5}, u8) end, "value cannot be converted to type uint8 without overflow",
	"a negative float into uint8")
t.raises(function() T({1.5e10}, i32) end, "value cannot be converted to type int32 without overflow", "int32 range")
t.is(torch.full({2}, -1, {dtype = u8}):tolist(), {255, 255}, "full(-1) wraps into uint8")
t.raises(function() torch.full({2}, 300, {dtype = u8}) end,
	"value cannot be converted to type uint8_t without overflow", "full(300, uint8)")
t.raises(function() torch.zeros(2, {dtype = i8}):fill_(-129) end,
	"value cannot be converted to type int8_t without overflow", "fill_(-129) into int8")
t.raises(function() torch.zeros(2, {dtype = i32}):fill_(0 / 0) end,
	"value cannot be converted to type int without overflow", "fill_(nan) into int32")
t.is(torch.zeros(2, {dtype = i32}):fill_(2.7):tolist(), {2, 2}, "fill_ truncates")
torch.manual_seed(0)
t.is(torch.randint(0, 10, {6}, {dtype = u8}):tolist(), {4, 9, 3, 0, 3, 9}, "randint uint8: PyTorch's numbers")
torch.manual_seed(0)
t.is(torch.randint(-5, 5, {6}, {dtype = i8}):tolist(), {-1, 4, -2, -5, -2, 4}, "randint int8")
t.raises(function() torch.randint(-1, 10, {3}, {dtype = u8}) end, "from is out of bounds for unsigned char",
	"randint's bounds are checked")
t.raises(function() torch.randint(0, 300, {3}, {dtype = u8}) end, "to - 1 is out of bounds for unsigned char",
	"the upper one too")
t.raises(function() torch.rand(2, {dtype = i32}) end, "\"check_uniform_bounds\" not implemented for 'Int'",
	"rand has no integer kernel")
t.raises(function() torch.randn(2, {dtype = u8}) end, "\"normal_kernel_cpu\" not implemented for 'Byte'",
	"nor randn")

-- ------------------------------------------------------------ promotion and wraparound
local a, b = T({1, 2}, u8), T({1, 2}, i8)
t.is((a + b).dtype, i16, "uint8 + int8 -> int16")
t.is((T({200}, u8) + 100):tolist(), {44}, "uint8 + a Lua integer stays uint8 and wraps")
t.is((T({200}, u8) + 1000):tolist(), {176}, "the number wraps too")
t.is((T({200}, u8) + -1):tolist(), {199}, "-1 as uint8 is 255")
t.is((T({200}, u8) + 1.5):tolist(), {201.5}, "a Lua float makes it float32")
t.is((T({200}, u8) + 1.5).dtype, torch.float32, "(the default dtype)")
t.is(T({200}, u8):gt(-1):tolist(), {false}, "uint8 > -1 compares with 255, as PyTorch does")
t.is((T({100}, i8) * 2):tolist(), {-56}, "int8 overflow wraps")
t.is((T({100}, i8) + torch.tensor(1000)):tolist(), {76}, "a 0-d int64 does not widen int8")
t.is((T({100}, i8) + torch.tensor({1000})).dtype, torch.int64, "a 1-d one does")
t.is((T({100}, i8) + torch.tensor(true)).dtype, i8, "bool keeps int8")
t.is((T({3, 4}, i16) * torch.tensor(2.5)):tolist(), {7.5, 10}, "a 0-d float makes it float32")
t.is((T({100}, i8) / 3).dtype, torch.float32, "division makes a float")
t.is((T({2147483647}, i32) + 1):tolist(), {-2147483648}, "int32 wraps")
t.is((T({1, 2}, u8) - T({3, 1}, u8)):tolist(), {254, 1}, "uint8 subtraction wraps")
t.is((-T({1, 2}, u8)):tolist(), {255, 254}, "uint8 negation wraps")
t.is(T({-128, 5}, i8):abs():tolist(), {-128, 5}, "abs(-128) in int8 is -128")
t.is((T({2}, u8) ^ 9):tolist(), {0}, "uint8 power wraps")
t.raises(function() return T({2}, i8) ^ -1 end, "Integers to negative integer powers are not allowed.",
	"negative integer powers")
t.is((T({2}, u8) ^ T({-1}, i8)):tolist(), {0}, "a negative exponent tensor gives 0")
t.is(torch.where(torch.tensor({true, false}), T({3, 4}, u8), T({-1, -2}, i8)):tolist(), {3, -2},
	"where promotes uint8 and int8 to int16")
t.is(torch.where(torch.tensor({true, false}), T({3, 4}, u8), T({-1, -2}, i8)).dtype, i16, "(int16)")
t.is(torch.cat({T({1}, u8), T({2}, i8)}).dtype, i16, "cat promotes too")
t.is(T({1, 2}, i32):eq(torch.tensor({1, 3})):tolist(), {true, false}, "int32 == int64")
t.raises(function() T({1, 2}, i8):add_(1.5) end,
	"result type Float can't be cast to the desired output type Char", "no float into int8 in place")
t.is(T({1, 2}, i8):add_(1000):tolist(), {-23, -22}, "in place wraps")
t.raises(function() T({1, 2}, u8):clamp_(0.5, 1) end,
	"result type Float can't be cast to the desired output type unsigned char", "clamp_'s text")
t.raises(function() T({1, 2}, i32):requires_grad_() end,
	"only Tensors of floating point dtype can require gradients", "no gradients for integers")

-- ------------------------------------------------------------ conversions
t.is(torch.tensor({300.5, -1, 1e10, 255.7}):byte():tolist(), {44, 255, 0, 255},
	"float -> uint8 as PyTorch on x86 (through int32, low bits)")
t.is(torch.tensor({70000.0}):short():tolist(), {4464}, "float -> int16 wraps")
t.is(torch.tensor({70000.0}):char():tolist(), {112}, "float -> int8")
t.is(torch.tensor({3e9, 0 / 0}):int():tolist(), {-2147483648, -2147483648}, "out of range and nan -> INT_MIN")
t.is(torch.tensor({1e20}):long():tolist(), {math.mininteger}, "past int64's range -> INT64_MIN")
t.is(T({1000}, i32):to(i8):tolist(), {-24}, "int32 -> int8 keeps the low bits")
t.is(T({100000}, i32):half():tolist(), {math.huge}, "int32 -> float16 overflows to inf")
t.is(torch.zeros(3, {dtype = u8}):copy_(torch.tensor({-1.0, 256.0, 3.7})):tolist(), {255, 0, 3}, "copy_ converts")
t.is(torch.zeros(3, {dtype = i16}):copy_(torch.tensor({70000, -1, 5})):tolist(), {4464, -1, 5},
	"int64 -> int16 copy wraps")
t.is(T({200}, u8):item(), 200, "item")
t.ok(math.type(T({7}, i16):item()) == "integer", "item of an integer tensor is a Lua integer")
t.is(T({{1, 2}}, u8):tolist(), {{1, 2}}, "tolist")

-- ------------------------------------------------------------ reductions and products
local s = T({1, 2}, u8):sum()
t.is({s:item(), s.dtype}, {3, torch.int64}, "sum of uint8 is int64")
t.is(T({1, 2}, i32):sum(1, {keepdim = true}).dtype, torch.int64, "over a dim too")
t.is({T({1, 2}, i32):max():item(), T({1, 2}, i32):max().dtype}, {2, i32}, "max keeps int32")
local m16 = torch.arange(6, {dtype = i16}):view(2, 3)
local v, idx = m16:max(2)
t.is({v:tolist(), v.dtype, idx:tolist()}, {{2, 5}, i16, {3, 3}}, "max(dim) of int16 (1-based indices)")
t.is(T({1, 2}, i8):argmax():item(), 2, "argmax of int8")
t.raises(function() T({1, 2}, u8):mean() end,
	"mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Byte",
	"mean refuses uint8")
local mi = T({{1, 2}, {3, 4}}, i32)
t.is(mi:matmul(mi):tolist(), {{7, 10}, {15, 22}}, "int32 matmul")
t.is((mi:byte():matmul(mi:byte()) * 30):tolist(), {{210, 44}, {194, 148}}, "uint8 products wrap")
t.is(T({{100, 100}}, i8):mm(T({{1}, {1}}, i8)):tolist(), {{-56}}, "int8 mm wraps")

-- ------------------------------------------------------------ indexing
local y = torch.zeros(3, {dtype = u8})
y[2] = 7
y[1] = -1
y[3] = 2.9
t.is(y:tolist(), {255, 7, 2}, "index writes convert as PyTorch")
t.raises(function() y[1] = 300 end, "value cannot be converted to type uint8_t without overflow",
	"an index write that does not fit")
t.is(tostring(m16[2]), "tensor([3, 4, 5], dtype=torch.int16)", "x[i] of int16")
t.is(T({1, 2}, i32):index_select(1, torch.tensor({2})):tolist(), {2}, "index_select of int32")

-- ------------------------------------------------------------ finfo and iinfo
local expect_f = {
	[torch.float16] = "finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, "
		.. "smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)",
	[torch.bfloat16] = "finfo(resolution=0.01, min=-3.38953e+38, max=3.38953e+38, eps=0.0078125, "
		.. "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=bfloat16)",
	[torch.float32] = "finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, "
		.. "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)",
	[torch.float64] = "finfo(resolution=1e-15, min=-1.79769e+308, max=1.79769e+308, eps=2.22045e-16, "
		.. "smallest_normal=2.22507e-308, tiny=2.22507e-308, dtype=float64)",
}
for dt, want in pairs(expect_f) do t.is(tostring(torch.finfo(dt)), want, "tostring(torch.finfo(" .. tostring(dt) .. "))") end
local f16 = torch.finfo(torch.float16)
t.is({f16.bits, f16.eps, f16.max, f16.min, f16.tiny, f16.resolution},
	{16, 0.0009765625, 65504.0, -65504.0, 6.103515625e-05, 0.001}, "finfo(float16) fields")
local bf = torch.finfo(torch.bfloat16)
t.is({bf.bits, bf.eps, bf.max, bf.tiny}, {16, 0.0078125, 3.3895313892515355e+38, 1.1754943508222875e-38},
	"finfo(bfloat16)")
local f64 = torch.finfo(torch.float64)
t.is({f64.bits, f64.eps, f64.max, f64.min, f64.tiny},
	{64, 2.220446049250313e-16, 1.7976931348623157e+308, -1.7976931348623157e+308, 2.2250738585072014e-308},
	"finfo(float64)")
t.is({torch.finfo().bits, torch.finfo().eps}, {32, 1.1920928955078125e-07}, "finfo() is float32's")
t.is(tostring(torch.iinfo(u8)), "iinfo(min=0, max=255, dtype=uint8)", "tostring(iinfo(uint8))")
t.is(tostring(torch.iinfo(i32)), "iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)", "iinfo(int32)")
t.is(tostring(torch.iinfo(torch.int64)), "iinfo(min=-9.22337e+18, max=9.22337e+18, dtype=int64)", "iinfo(int64)")
local ii = {}
for _, dt in ipairs({u8, i8, i16, i32, torch.int64}) do
	local info = torch.iinfo(dt)
	ii[#ii + 1] = {info.bits, info.min, info.max}
end
t.is(ii, {{8, 0, 255}, {8, -128, 127}, {16, -32768, 32767}, {32, -2147483648, 2147483647},
	{64, math.mininteger, math.maxinteger}}, "iinfo bits, min, max")
t.raises(function() torch.iinfo(torch.bool) end, "torch.bool is not supported by torch.iinfo", "iinfo(bool)")
t.raises(function() torch.iinfo(torch.float32) end,
	"torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'", "iinfo(float32)")
t.raises(function() torch.finfo(i32) end,
	"torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'", "finfo(int32)")
t.done()
