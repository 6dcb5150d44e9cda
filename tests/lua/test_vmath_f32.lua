-- test_vmath_f32.lua - the float32 exp, log1p, tanh and erf of
-- core/vmath_f32.h, and the activations computed with them (forward in
-- core/vmath.c, the fused backward in core/fused_bw.c), over the whole
-- float range: zeros, subnormals, the edges of each function's pieces,
-- overflow and underflow, infinities, NaN and random values at several
-- scales, against PyTorch 1.13's float32 values and the float64 ones
-- (fixtures/vmath_f32_ref.lua, made by fixtures/gen_vmath_f32.py); and
-- clamp and hardtanh, vmath.c's branch-free kernels.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/vmath_f32_ref.lua")

local FLT_MAX = 0x1.fffffep127

local fns = {
	exp = function(x) return x:exp() end,
	log1p = function(x) return x:log1p() end,
	tanh = function(x) return x:tanh() end,
	erf = function(x) return x:erf() end,
	sigmoid = function(x) return x:sigmoid() end,
	silu = F.silu,
	mish = F.mish,
	logsigmoid = F.logsigmoid,
	softplus = F.softplus,
	gelu = F.gelu,
	gelu_tanh = function(x) return F.gelu(x, {approximate = "tanh"}) end,
	elu = F.elu,
}

-- Allowed distance from the float64 value: ulps of float32 at that value,
-- plus an absolute part times (1 + |x|) for the formulas that subtract
-- nearly equal floats as PyTorch's float kernels do (1 + erf(x) for
-- x << 0 in gelu, exp(x) - 1 in elu, 1 - s in the derivatives).  The four
-- functions themselves are held to 1.5 ulp.
local tol = {
	exp = {1.5, 0}, log1p = {1.5, 0}, tanh = {1.5, 0}, erf = {1.5, 0},
	sigmoid = {2.5, 0}, silu = {3, 0}, mish = {4, 0}, logsigmoid = {3, 0},
	softplus = {3, 0}, gelu = {3, 1e-7}, gelu_tanh = {3, 1e-7}, elu = {3, 6e-8},
}
local btol = {
	sigmoid = {3, 3e-8}, tanh = {3, 6e-8}, silu = {4, 6e-8}, mish = {6, 6e-8},
	logsigmoid = {3, 3e-8}, softplus = {3, 3e-8}, gelu = {4, 1.2e-7},
	gelu_tanh = {4, 1.2e-7}, elu = {3, 6e-8},
}

local x = torch.tensor(ref.x)
local xs = ref.x
t.is(x.dtype, torch.float32, "the inputs are float32")

-- the spacing of float32 at each |w| (w a list of float64 values)
local function ulps(w)
	local fin = {}
	for i, v in ipairs(w) do
		fin[i] = (v ~= v or math.abs(v) > FLT_MAX) and 1.0 or v
	end
	return agdb.ulp(torch.tensor(fin, {dtype = torch.float32})):tolist()
end

-- Where PyTorch's float32 value is not the float64 one: log1p near the
-- top of the float range (SLEEF's log1pf overflows to inf there; agdb
-- gives the float64 value, 88.72), and elu's derivative at NaN (NaN in
-- PyTorch's vectorised kernel, 1 in its scalar one and in agdb).
local function pytorch_differs(what, x, w64, w32)
	if what == "log1p" then return x > 1e38 and x < math.huge and w32 == math.huge end
	if what == "elu backward" then return x ~= x end
	return false
end

-- Checks got (float32 values) against the float64 values w64 and
-- PyTorch's float32 values w32: within u ulps of float32 at w64, plus
-- a * (1 + |x|) (or 2^-100, for results that a float formula takes
-- through the subnormals); NaN and infinite where PyTorch's value is.  Returns the worst distance from w64 in ulps over normal results.
local function check(what, got, w64, w32, u, a)
	local sp = ulps(w64)
	local bad, worst, lines = 0, 0, {}
	for i = 1, #w64 do
		local g, w, p, xi = got[i], w64[i], w32[i], xs[i]
		local ok
		if pytorch_differs(what, xi, w, p) then
			ok = what == "elu backward" and g == 1 or math.abs(g - w) <= u * sp[i]
		elseif p ~= p then	-- PyTorch's float formula makes NaN (inf * 0)
			ok = g ~= g
		elseif math.abs(p) == math.huge then
			ok = g == p
		else
			local d = math.abs(g - w)
			local ax = math.abs(xi) < math.huge and math.abs(xi) or 0
			ok = d <= u * sp[i] + a * (1 + ax) or d <= 0x1p-100 * (1 + ax)
			if a == 0 and math.abs(w) >= 0x1p-126 and d / sp[i] > worst then
				worst = d / sp[i]
			end
		end
		if not ok then
			bad = bad + 1
			if #lines < 6 then
				lines[#lines + 1] = ("x=%a: got %a, float64 %a, PyTorch %a"):format(xi, g, w, p)
			end
		end
	end
	t.ok(bad == 0, ("%s: %d values within tolerance of float64 and PyTorch"):format(what, #w64))
	if bad > 0 then t.diag(table.concat(lines, "\n")) end
	return worst
end

local names = {}
for k in pairs(fns) do names[#names + 1] = k end
table.sort(names)
for _, k in ipairs(names) do
	local y = fns[k](x)
	t.is(y.dtype, torch.float32, k .. ": float32 stays float32")
	local worst = check(k, y:tolist(), ref.f64[k], ref.f32[k], tol[k][1], tol[k][2])
	if tol[k][2] == 0 then t.diag(("%s: worst %.3f ulp from float64"):format(k, worst)) end
	-- a strided input and an element alone give the same values
	local strided = torch.stack({x, x}, 2)[{{}, 2}]
	t.ok(fns[k](strided):eq(y):logical_or(y:isnan()):all():item(),
		k .. ": a strided input gives the dense values")
end

for _, k in ipairs({"sigmoid", "tanh", "silu", "mish", "logsigmoid", "softplus", "gelu",
		"gelu_tanh", "elu"}) do
	local xr = x:clone():requires_grad_()
	local y = fns[k](xr)
	y:backward(torch.ones_like(y))
	local worst = check(k .. " backward", xr.grad:tolist(), ref.b64[k], ref.b32[k], btol[k][1], btol[k][2])
	if btol[k][2] == 0 then
		t.diag(("%s backward: worst %.3f ulp from float64"):format(k, worst))
	end
end

-- the edges, exactly
local inf, nan = math.huge, 0 / 0
local e = torch.tensor({-inf, inf, nan, 0.0, -0.0, -104.0, 88.8, -1.0, -2.0})
local ex, l1, th, er = e:exp():tolist(), e:log1p():tolist(), e:tanh():tolist(), e:erf():tolist()
t.ok(ex[1] == 0 and ex[2] == inf and ex[3] ~= ex[3] and ex[4] == 1 and ex[6] == 0 and ex[7] == inf,
	"exp: 0 at -inf and below -104, inf at inf and past 88.73, NaN at NaN, 1 at 0")
t.ok(l1[2] == inf and l1[3] ~= l1[3] and l1[4] == 0 and l1[8] == -inf and l1[9] ~= l1[9],
	"log1p: inf at inf, NaN at NaN, 0 at 0, -inf at -1, NaN below -1")
t.ok(th[1] == -1 and th[2] == 1 and th[3] ~= th[3] and 1 / th[5] == -inf,
	"tanh: -1 and 1 at the infinities, NaN at NaN, -0 at -0")
t.ok(er[1] == -1 and er[2] == 1 and er[3] ~= er[3] and 1 / er[5] == -inf,
	"erf: -1 and 1 at the infinities, NaN at NaN, -0 at -0")
t.is(torch.tensor({1e-40}):exp():item(), 1.0, "exp of a subnormal is 1")
t.is(torch.tensor({-100.0}):exp():item(), torch.tensor({-100.0}, {dtype = torch.float64}):exp():float():item(),
	"exp(-100) is the subnormal float64's exp rounds to")

-- clamp and hardtanh (two selects in vmath.c): the float64 kernel's
-- values, NaN passing, a lower bound above the upper one giving the upper
local function same(a, b)
	return a:eq(b):logical_or(a:isnan():logical_and(b:isnan())):all():item()
end
local xd = x:double()
local strided = torch.stack({x, x}, 2)[{{}, 1}]
for _, c in ipairs({{-0.5, 0.5}, {0.1, nil}, {nil, 0.1}, {1, -1}, {-math.huge, 3}}) do
	local lo, hi = c[1], c[2]
	local what = ("clamp(%s, %s)"):format(tostring(lo), tostring(hi))
	local y = torch.clamp(x, lo, hi)
	t.ok(same(y, torch.clamp(xd, lo, hi):float()), what .. ": the float64 kernel's values")
	t.ok(same(torch.clamp(strided, lo, hi), y), what .. ": a strided input gives the dense values")
end
t.is(torch.tensor({0.3, 0 / 0, 2.0}):clamp(1, -1):tolist()[1], -1.0, "clamp(1, -1) gives the upper bound")
t.ok(torch.tensor({0 / 0}):clamp(-1, 1):isnan():item(), "clamp lets NaN through")
t.ok(same(F.hardtanh(x, -0.2, 0.6), torch.clamp(xd, -0.2, 0.6):float()), "hardtanh(x, -0.2, 0.6) is clamp's")
t.ok(same(F.hardtanh(x), torch.clamp(xd, -1, 1):float()), "hardtanh(x) is clamp(x, -1, 1)")
local xi = x:clone()
xi:clamp_(-0.25, 0.25)
t.ok(same(xi, torch.clamp(xd, -0.25, 0.25):float()), "clamp_ in place: the same values")

t.done()
