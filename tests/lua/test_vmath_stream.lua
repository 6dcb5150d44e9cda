-- test_vmath_stream.lua - the large-output paths of core/vmath.c give the
-- values of the small ones (and atan2's float function its bounds): an op over more than 8 MiB of float32 output
-- writes with non-temporal stores (and gelu, on a CPU with AVX-512, with
-- a kernel of its own), whole blocks at a time; the same op over slices
-- of a few thousand elements (not a multiple of a block) takes the plain
-- stores and the padded last block.  Every element must be the same,
-- NaN where NaN and the sign of a zero kept; maximum and minimum keep
-- PyTorch's NaN rule (a NaN on either side wins) and std::max's order on
-- a tie (maximum(-0.0, 0.0) is -0.0).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional

local N = 2 ^ 21 + 37 -- just past 8 MiB of float32
local CH = 4099       -- a slice: not a multiple of 16

torch.manual_seed(7)
local a = torch.randn(N) * 4
local b = torch.randn(N) * 4
-- NaN on either side, equal zeros of both signs, infinities
a[torch.rand(N):lt(0.01)] = 0 / 0
b[torch.rand(N):lt(0.01)] = 0 / 0
local z = torch.rand(N):lt(0.01)
a[z] = -0.0
b[z] = 0.0
local z2 = torch.rand(N):lt(0.01)
a[z2] = 0.0
b[z2] = -0.0
a[torch.rand(N):lt(0.005)] = math.huge
b[torch.rand(N):lt(0.005)] = -math.huge

-- got and want hold the same floats: NaN at the same places, and
-- elsewhere equal values with equal signs (1 / x tells -0 from 0)
local function same(got, want)
	local gn, wn = got:isnan(), want:isnan()
	if not torch.equal(gn, wn) then return false end
	local g = torch.where(gn, torch.tensor(1.0), got)
	local w = torch.where(wn, torch.tensor(1.0), want)
	return torch.equal(g, w) and torch.equal(1 / g, 1 / w)
end

-- f over x (and y) slice by slice
local function sliced(f, x, y)
	local parts = {}
	for s = 1, N, CH do
		local n = math.min(CH, N - s + 1)
		parts[#parts + 1] = f(x:narrow(1, s, n), y and y:narrow(1, s, n))
	end
	return torch.cat(parts)
end

local binary = {
	maximum = torch.maximum,
	minimum = torch.minimum,
	atan2 = torch.atan2,
}
for name, f in pairs(binary) do
	local big = f(a, b)
	t.ok(same(big, sliced(f, a, b)), name .. ": the streamed output equals the sliced one")
	local s = torch.tensor(0.5)
	t.ok(same(f(a, s), sliced(function(x) return f(x, s) end, a)),
		name .. " with a broadcast scalar: the same values streamed")
	-- an input off the 16-byte grid (the output is a fresh tensor)
	local a1, b1 = a:narrow(1, 2, N - 2), b:narrow(1, 3, N - 2)
	t.ok(same(f(a1, b1), f(a1:clone(), b1:clone())),
		name .. ": inputs off the 16-byte grid give the same values")
end

-- the NaN rule and ties, on known elements of the streamed output
local mx = torch.maximum(a, b)
local mn = torch.minimum(a, b)
t.ok(torch.equal(mx:isnan(), a:isnan():logical_or(b:isnan())), "maximum: a NaN on either side wins")
t.ok(torch.equal(mn:isnan(), a:isnan():logical_or(b:isnan())), "minimum: a NaN on either side wins")
-- where a is -0.0 and b is 0.0 (the masks above may have overwritten some)
local zs = a:eq(0):logical_and((1 / a):lt(0)):logical_and(b:eq(0)):logical_and((1 / b):gt(0))
t.ok(zs:sum():item() > 1000, "the inputs hold many (-0.0, 0.0) pairs")
t.ok(torch.equal((1 / mx[zs]):lt(0), torch.ones(zs:sum():item(), {dtype = torch.bool})),
	"maximum(-0.0, 0.0) is -0.0 (the first)")
t.ok(torch.equal((1 / mn[zs]):lt(0), torch.ones(zs:sum():item(), {dtype = torch.bool})),
	"minimum(-0.0, 0.0) is -0.0 (the first)")

local unary = {
	gelu = F.gelu,
	sigmoid = torch.sigmoid,
	silu = F.silu,
	exp = torch.exp,
	tanh = torch.tanh,
	clamp = function(x) return x:clamp(-0.5, 0.5) end,
}
local names = {}
for k in pairs(unary) do names[#names + 1] = k end
table.sort(names)
for _, name in ipairs(names) do
	local f = unary[name]
	t.ok(same(f(a), sliced(f, a)), name .. ": the streamed output equals the sliced one")
	local a1 = a:narrow(1, 2, N - 1)
	t.ok(same(f(a1), f(a1:clone())), name .. ": an input off the 16-byte grid gives the same values")
end

-- gelu's fused backward (fused_bw.c: its own kernel on a CPU with
-- AVX-512, streamed) over the whole tensor and slice by slice
do
	local g = torch.randn(N)
	local x = a:clone():requires_grad_()
	F.gelu(x):backward(g)
	local parts = {}
	for s = 1, N, CH do
		local n = math.min(CH, N - s + 1)
		local xs = a:narrow(1, s, n):clone():requires_grad_()
		F.gelu(xs):backward(g:narrow(1, s, n))
		parts[#parts + 1] = xs.grad
	end
	t.ok(same(x.grad, torch.cat(parts)), "gelu backward: the large pass equals the sliced one")
end

-- in place: the kernel reads each element before it stores its result
local c = a:clone()
c:sigmoid_()
t.ok(same(c, torch.sigmoid(a)), "sigmoid_ in place over a large tensor: the same values")

-- gelu's piecewise erf and derivative at their interval edges and past
-- them, against float64 (3 ulps plus 1e-7 (1 + |x|), and 4 ulps plus
-- 1.2e-7 (1 + |x|) for the gradient: test_vmath_f32's bounds)
local xs = {}
for k = 0, 16 do
	local e = k * 0.375
	for _, v in ipairs({e, e - 2 ^ -20, e + 2 ^ -20}) do
		xs[#xs + 1] = v
		xs[#xs + 1] = -v
	end
end
for _, v in ipairs({6.0, 7.5, 10, 100, 1e30, -6.0, -7.5, -10, -100}) do xs[#xs + 1] = v end
local x32 = torch.tensor(xs)
local got = F.gelu(x32):tolist()
local want = F.gelu(x32:double()):tolist()
local ulp = agdb.ulp(torch.tensor(want, {dtype = torch.float32})):tolist()
local bad = {}
for i, v in ipairs(x32:tolist()) do
	if math.abs(got[i] - want[i]) > 3 * ulp[i] + 1e-7 * (1 + math.abs(v)) then
		bad[#bad + 1] = string.format("%.9g: %.9g vs %.9g", v, got[i], want[i])
	end
end
t.is(#bad, 0, "gelu at the edges of its 16 intervals: within 3 ulps + 1e-7 (1 + |x|) of float64 "
	.. table.concat(bad, "; "))

local xg = x32:clone():requires_grad_()
F.gelu(xg):backward(torch.ones(#xs))
local x64 = x32:double():requires_grad_()
F.gelu(x64):backward(torch.ones(#xs, {dtype = torch.float64}))
local gg, gw = xg.grad:tolist(), x64.grad:tolist()
local gu = agdb.ulp(torch.tensor(gw, {dtype = torch.float32})):tolist()
bad = {}
for i, v in ipairs(x32:tolist()) do
	local ok = gw[i] ~= gw[i] and gg[i] ~= gg[i] or
		math.abs(gg[i] - gw[i]) <= 4 * gu[i] + 1.2e-7 * (1 + math.abs(v))
	if not ok then
		bad[#bad + 1] = string.format("%.9g: %.9g vs %.9g", v, gg[i], gw[i])
	end
end
t.is(#bad, 0, "gelu's gradient at the edges of its 16 intervals: within 4 ulps + 1.2e-7 (1 + |x|) of float64 "
	.. table.concat(bad, "; "))

-- atan2's float32 function (vmath_f32.h): C's values at the edges
-- (signed zeros, infinities, NaN, subnormals, the largest floats) and
-- within 2 ulps of float64 over random pairs of every magnitude
do
	local sp = {0.0, -0.0, math.huge, -math.huge, 0 / 0, 1.0, -1.0, 0x1p-149, -0x1p-149,
		0x1.fffffep127, -0x1.fffffep127, 1e-30, 2.0}
	local ys, xs2 = {}, {}
	for _, u in ipairs(sp) do
		for _, v in ipairs(sp) do ys[#ys + 1] = u; xs2[#xs2 + 1] = v end
	end
	local y32, x32b = torch.tensor(ys), torch.tensor(xs2)
	local got = torch.atan2(y32, x32b)
	local want = torch.atan2(y32:double(), x32b:double()):float()
	t.ok(same(got, want), "atan2 at the edges: the float64 values rounded (+-pi at -0, +-3pi/4 at two infinities)")
	local e = torch.randn(200000) * 30
	local ry = torch.randn(200000) * torch.pow(2, e:round())
	local rx = torch.randn(200000) * torch.pow(2, (e + torch.randn(200000) * 3):round())
	local g = torch.atan2(ry, rx):double()
	local w = torch.atan2(ry:double(), rx:double())
	local u = agdb.ulp(w:float()):double()
	local err = ((g - w):abs() / u)
	local fin = w:abs():gt(1e-37)
	t.ok(err[fin]:max():item() <= 2, "atan2 of random pairs: within 2 ulps of float64 (worst "
		.. err[fin]:max():item() .. ")")
end

t.done()
