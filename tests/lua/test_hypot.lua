-- test_hypot.lua - torch.hypot, the op ops.def's recipe adds: values,
-- dtypes and errors as PyTorch 1.13 gives them (expected values from
-- PyTorch), in place, its node, and gradcheck/gradgradcheck in float64.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local a = torch.tensor({{3.0, -5.0}, {0.0, 1.5}})
local b = torch.tensor({4.0, 12.0})
local r = torch.hypot(a, b)
t.near(r:tolist(), {{5, 13}, {4, 12.09338665008545}}, 1e-6, "torch.hypot broadcasts")
t.is(r.dtype, torch.float32, "float32 in, float32 out")
t.near(a:hypot(b):tolist(), r:tolist(), 0, "and is a method")
local inf, nan = math.huge, 0 / 0
local s = torch.hypot(torch.tensor({3.0, -3.0, inf, nan}), torch.tensor({nan, inf, nan, 0.0})):tolist()
t.ok(s[1] ~= s[1] and s[2] == inf and s[3] == inf and s[4] ~= s[4],
	"inf wins over nan, as C's hypot")
local big = torch.tensor({1e30, 1e-30})
local h = torch.hypot(big, big):tolist()
t.ok(math.abs(h[1] / 1.4142135130433894e+30 - 1) < 1e-6 and
	math.abs(h[2] / 1.4142135555081815e-30 - 1) < 1e-6, "no overflow or underflow in between")
t.is(torch.hypot(torch.tensor({3.0}, {dtype = torch.float64}), torch.tensor({4.0})).dtype,
	torch.float64, "float64 with float32 promotes")
t.near(torch.hypot(torch.tensor({true, false}), torch.tensor({4.0, 1.0})):tolist(),
	{4.123105525970459, 1.0}, 1e-6, "bool with float32 computes in float32")
t.is(torch.hypot(torch.tensor({3.0}, {dtype = torch.bfloat16}),
	torch.tensor({4.1}, {dtype = torch.bfloat16})):tolist(), {5.0625}, "bfloat16 rounds like PyTorch")
t.raises(function() torch.hypot(torch.tensor({3}), torch.tensor({4})) end,
	"\"hypot_cpu\" not implemented for 'Long'", "int64 has no kernel")
t.raises(function() torch.hypot(torch.tensor({true}), torch.tensor({false})) end,
	"\"hypot_cpu\" not implemented for 'Bool'", "neither has bool")
-- float16 (which PyTorch 1.13's CPU kernels lack, issue 13): float32's
-- result on the same inputs, rounded once
local ha, hb = torch.tensor({3.0, 0.1, 6e4}, {dtype = torch.float16}),
	torch.tensor({4.1, 0.2, 3e4}, {dtype = torch.float16})
local hh = torch.hypot(ha, hb)
t.is(hh.dtype, torch.float16, "float16 gives float16")
t.ok(torch.equal(hh, torch.hypot(ha:float(), hb:float()):half()), "float16 is float32's result rounded")
t.is(hh:tolist()[3], math.huge, "and overflows to inf past float16's range")
t.raises(function() torch.hypot(torch.ones(2), torch.ones(3)) end,
	"The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
	"shapes must broadcast")

local y = torch.tensor({3.0, 4.0})
local v = y._version
t.is(y:hypot_(torch.tensor({4.0, 3.0})), y, "hypot_ returns self")
t.is(y:tolist(), {5.0, 5.0}, "and writes into it")
t.is(y._version, v + 1, "bumping its version")
local leaf = torch.tensor({3.0, 4.0}, {requires_grad = true})
t.raises(function() leaf:hypot_(torch.ones(2)) end,
	"a leaf Variable that requires grad is being used in an in-place operation.", "leaf check")

local p = torch.tensor({3.0, 0.6}, {requires_grad = true})
local q = torch.tensor({4.0, 0.8}, {requires_grad = true})
local z = torch.hypot(p, q)
t.is(z.grad_fn:name(), "HypotBackward0", "its node is PyTorch's HypotBackward0")
z:sum():backward()
t.near(p.grad:tolist(), {0.6, 0.6}, 1e-6, "d/da = a / hypot(a, b)")
t.near(q.grad:tolist(), {0.8, 0.8}, 1e-6, "d/db = b / hypot(a, b)")
local c = p * 1
c:hypot_(q)
t.is(c.grad_fn:name(), "HypotBackward0", "hypot_ records the same node")

torch.manual_seed(0)
local function r64(...)
	return torch.randn({...}, {dtype = torch.float64, requires_grad = true})
end
local f = function(u, w) return torch.hypot(u, w) end
t.ok(torch.autograd.gradcheck(f, {r64(3, 4), r64(4)}), "gradcheck hypot (float64, broadcast)")
t.ok(torch.autograd.gradgradcheck(f, {r64(3), r64(3)}), "gradgradcheck hypot")
t.ok(torch.autograd.gradcheck(function(u, w) local m = u * 1; m:hypot_(w); return m end,
	{r64(3), r64(3)}), "gradcheck hypot_ through a copy")
t.done()
