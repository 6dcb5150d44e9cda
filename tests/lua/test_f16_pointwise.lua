-- test_f16_pointwise.lua - every pointwise op of core/ops.def in float16
-- (issue 13): float16 computes in float32 and rounds once on store, so
--   forward   op(x) of float16 inputs is bit for bit op(x:float()):half()
--             (the same op on the same values in float32, rounded), and
--             the same for bfloat16;
--   backward  every gradient is float16, and within 4 float16 rounding
--             units (4 * 2^-11) of the float32 gradient, measured against
--             the largest value of that gradient: the formula runs in
--             float16, each of its steps rounding once (a saved float16
--             result, an intermediate, a broadcast sum), so a few units of
--             the largest value bound what the roundings add up to even
--             where a step cancels (tanh's 1 - y^2 near y = 1).  The ops
--             whose gradient is one float16 step on exact values (a
--             mask, a sign, a copy, one product or quotient of the
--             inputs, one fused activation backward kernel of grad and x)
--             must give float32's gradient rounded, bit for bit.
-- Every pointwise line of core/ops.def is covered: the test reads the file
-- and fails on an op it has no case for.  Ops refused for float32 too
-- (bitwise ops on floats) are refused for float16 with PyTorch's message.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional

-- ------------------------------------------------------------- inputs
-- 48 values of each kind, none on a kink (0, +-1, integers, halves).
local N = 48
local function values(f)
	local v = {}
	for i = 1, N do v[i] = f(i) end
	return torch.tensor(v):view(6, 8):half()
end
local IN = {
	r = values(function(i) return (i * 0.37) % 5.2 - 2.6 + 0.013 end),	-- about +-2.6
	p = values(function(i) return 0.05 + (i * 0.61) % 4.3 end),		-- positive
	u = values(function(i) return (i * 0.29) % 1.7 - 0.85 + 0.007 end),	-- in (-0.85, 0.85)
	q = values(function(i) return 0.06 + (i * 0.17) % 0.88 end),		-- in (0, 1)
	a = values(function(i) return 1.07 + (i * 0.53) % 6 end),		-- above 1
	s = torch.tensor({0 / 0, math.huge, -math.huge, -2.5, 0.0, 1.5, 65504, -0.0}):half(),
}
IN.r8 = IN.r[{{}, {1}}]	-- a column (6, 1), broadcast against (6, 8)
IN.p8 = IN.p[{{1}, {}}]	-- a row (1, 8)
IN.glu = torch.cat({IN.r, IN.u}, 2)
IN.w1 = torch.tensor({0.25}):half()

-- --------------------------------------------------------------- cases
-- {id, ops.def names covered, f(a, b, c), input kinds, grad = false when
-- not differentiable, exact = true when the gradient must be bit exact}
local function cmp(name) return function(a, b) return a[name](a, b) end end
local CASES = {
	{"neg", {"neg"}, function(a) return -a end, {"r"}, exact = true},
	{"abs", {"abs"}, function(a) return a:abs() end, {"r"}, exact = true},
	{"exp", {"exp"}, function(a) return a:exp() end, {"r"}},
	{"log", {"log"}, function(a) return a:log() end, {"p"}, exact = true},
	{"sqrt", {"sqrt"}, function(a) return a:sqrt() end, {"p"}},
	{"sin", {"sin"}, function(a) return a:sin() end, {"r"}},
	{"cos", {"cos"}, function(a) return a:cos() end, {"r"}},
	{"tanh", {"tanh", "tanh_backward"}, function(a) return a:tanh() end, {"r"}},
	{"sigmoid", {"sigmoid", "sigmoid_backward"}, function(a) return a:sigmoid() end, {"r"}},
	{"relu", {"relu", "threshold_backward"}, function(a) return a:relu() end, {"r"}, exact = true},
	{"log1p", {"log1p"}, function(a) return a:log1p() end, {"u"}},
	{"expm1", {"expm1"}, function(a) return a:expm1() end, {"r"}},
	{"rsqrt", {"rsqrt"}, function(a) return a:rsqrt() end, {"p"}},
	{"tan", {"tan"}, function(a) return a:tan() end, {"u"}},
	{"asin", {"asin"}, function(a) return a:asin() end, {"u"}},
	{"acos", {"acos"}, function(a) return a:acos() end, {"u"}},
	{"atan", {"atan"}, function(a) return a:atan() end, {"r"}},
	{"sinh", {"sinh"}, function(a) return a:sinh() end, {"r"}},
	{"cosh", {"cosh"}, function(a) return a:cosh() end, {"r"}},
	{"erf", {"erf"}, function(a) return a:erf() end, {"r"}},
	{"erfinv", {"erfinv"}, function(a) return a:erfinv() end, {"u"}},
	{"asinh", {"asinh"}, function(a) return a:asinh() end, {"r"}},
	{"acosh", {"acosh"}, function(a) return a:acosh() end, {"a"}},
	{"atanh", {"atanh"}, function(a) return a:atanh() end, {"u"}},
	{"log2", {"log2"}, function(a) return a:log2() end, {"p"}},
	{"log10", {"log10"}, function(a) return a:log10() end, {"p"}},
	{"exp2", {"exp2"}, function(a) return a:exp2() end, {"r"}},
	{"erfc", {"erfc"}, function(a) return a:erfc() end, {"r"}},
	{"reciprocal", {"reciprocal"}, function(a) return a:reciprocal() end, {"p"}},
	{"sign", {"sign"}, function(a) return a:sign() end, {"r"}, exact = true},
	{"sgn", {"sgn"}, function(a) return a:sgn() end, {"r"}, exact = true},
	{"floor", {"floor"}, function(a) return a:floor() end, {"r"}, exact = true},
	{"ceil", {"ceil"}, function(a) return a:ceil() end, {"r"}, exact = true},
	{"round", {"round"}, function(a) return a:round() end, {"r"}, exact = true},
	{"round decimals", {}, function(a) return a:round({decimals = 1}) end, {"r"}, exact = true},
	{"trunc", {"trunc"}, function(a) return a:trunc() end, {"r"}, exact = true},
	{"frac", {"frac"}, function(a) return a:frac() end, {"r"}, exact = true},
	{"isnan", {"isnan"}, function(a) return a:isnan() end, {"s"}, grad = false},
	{"isinf", {"isinf"}, function(a) return a:isinf() end, {"s"}, grad = false},
	{"isfinite", {"isfinite"}, function(a) return a:isfinite() end, {"s"}, grad = false},
	{"isposinf", {"isposinf"}, function(a) return a:isposinf() end, {"s"}, grad = false},
	{"isneginf", {"isneginf"}, function(a) return a:isneginf() end, {"s"}, grad = false},
	{"logical_not", {"logical_not"}, function(a) return a:logical_not() end, {"s"}, grad = false},
	{"logit", {"logit"}, function(a) return a:logit() end, {"q"}},
	{"logit eps", {}, function(a) return a:logit(0.2) end, {"q"}},
	{"nan_to_num", {"nan_to_num"}, function(a) return a:nan_to_num(1, 2, -3) end, {"s"}, grad = false},
	{"nan_to_num finite", {}, function(a) return a:nan_to_num(0, 100, -100) end, {"r"}, exact = true},
	{"silu", {"silu", "silu_backward"}, function(a) return F.silu(a) end, {"r"}, exact = true},
	{"mish", {"mish", "mish_backward"}, function(a) return F.mish(a) end, {"r"}, exact = true},
	{"hardsigmoid", {"hardsigmoid", "hardsigmoid_backward"}, function(a) return F.hardsigmoid(a) end,
		{"r"}, exact = true},
	{"hardswish", {"hardswish", "hardswish_backward"}, function(a) return F.hardswish(a) end, {"r"},
		exact = true},
	{"logsigmoid", {"logsigmoid", "log_sigmoid_backward"}, function(a) return F.logsigmoid(a) end,
		{"r"}, exact = true},
	{"leaky_relu", {"leaky_relu", "leaky_relu_backward"}, function(a) return F.leaky_relu(a, 0.2) end,
		{"r"}, exact = true},
	{"elu", {"elu", "elu_backward"}, function(a) return F.elu(a, 0.7) end, {"r"}, exact = true},
	{"selu", {}, function(a) return torch.selu(a) end, {"r"}, exact = true},
	{"celu", {"celu"}, function(a) return torch.celu(a, 0.5) end, {"r"}, exact = true},
	{"gelu", {"gelu", "gelu_backward"}, function(a) return F.gelu(a) end, {"r"}, exact = true},
	{"gelu tanh", {}, function(a) return F.gelu(a, {approximate = "tanh"}) end, {"r"}, exact = true},
	{"softplus", {"softplus", "softplus_backward"}, function(a) return F.softplus(a, 2, 1) end, {"r"},
		exact = true},
	{"hardtanh", {"hardtanh", "hardtanh_backward"}, function(a) return F.hardtanh(a, -0.5, 2) end,
		{"r"}, exact = true},
	{"relu6", {}, function(a) return F.relu6(a * 3) end, {"r"}, exact = true},
	{"threshold", {"threshold"}, function(a) return F.threshold(a, 0.5, -1) end, {"r"}, exact = true},
	{"hardshrink", {"hardshrink", "hardshrink_backward"}, function(a) return F.hardshrink(a) end,
		{"r"}, exact = true},
	{"softshrink", {"softshrink", "softshrink_backward"}, function(a) return F.softshrink(a, 0.3) end,
		{"r"}, exact = true},
	{"rrelu", {"rrelu_with_noise", "rrelu_with_noise_backward"}, function(a) return F.rrelu(a) end,
		{"r"}, exact = true},
	{"glu", {"glu", "glu_backward"}, function(a) return F.glu(a) end, {"glu"}},
	{"prelu", {"prelu", "prelu_backward"}, function(a, b) return F.prelu(a, b) end, {"r", "w1"}},
	{"add", {"add"}, function(a, b) return a + b end, {"r", "r8"}, exact = true},
	{"sub", {"sub"}, function(a, b) return a - b end, {"r", "p8"}, exact = true},
	{"mul", {"mul"}, function(a, b) return a * b end, {"r", "u"}, exact = true},
	{"div", {"div"}, function(a, b) return a / b end, {"r", "p"}},
	{"pow", {"pow"}, function(a, b) return a:pow(b) end, {"p", "u"}},
	{"hypot", {"hypot"}, function(a, b) return a:hypot(b) end, {"r", "p"}},
	{"atan2", {"atan2"}, function(a, b) return a:atan2(b) end, {"r", "u"}},
	{"fmod", {"fmod"}, function(a, b) return a:fmod(b) end, {"r", "p"}},
	{"remainder", {"remainder"}, function(a, b) return a:remainder(b) end, {"r", "p"}},
	{"minimum", {"minimum"}, function(a, b) return torch.minimum(a, b) end, {"r", "u"}, exact = true},
	{"maximum", {"maximum"}, function(a, b) return torch.maximum(a, b) end, {"r", "u"}, exact = true},
	{"clamp_min", {"clamp_min"}, function(a, b) return a:clamp_min(b) end, {"r", "u"}, exact = true},
	{"clamp_max", {"clamp_max"}, function(a, b) return a:clamp_max(b) end, {"r", "u"}, exact = true},
	{"clamp_min number", {}, function(a) return a:clamp_min(0.5) end, {"r"}, exact = true},
	{"xlogy", {"xlogy"}, function(a, b) return a:xlogy(b) end, {"r", "p"}},
	{"logaddexp", {"logaddexp"}, function(a, b) return a:logaddexp(b) end, {"r", "u"}},
	{"logaddexp2", {"logaddexp2"}, function(a, b) return a:logaddexp2(b) end, {"r", "u"}},
	{"eq", {"eq"}, cmp("eq"), {"r", "r8"}, grad = false},
	{"ne", {"ne"}, cmp("ne"), {"r", "r8"}, grad = false},
	{"lt", {"lt"}, cmp("lt"), {"r", "u"}, grad = false},
	{"le", {"le"}, cmp("le"), {"r", "u"}, grad = false},
	{"gt", {"gt"}, cmp("gt"), {"r", "u"}, grad = false},
	{"ge", {"ge"}, cmp("ge"), {"r", "u"}, grad = false},
	{"logical_and", {"logical_and"}, cmp("logical_and"), {"r", "s8"}, grad = false},
	{"logical_or", {"logical_or"}, cmp("logical_or"), {"r", "s8"}, grad = false},
	{"logical_xor", {"logical_xor"}, cmp("logical_xor"), {"r", "s8"}, grad = false},
	{"lerp", {"lerp"}, function(a, b) return a:lerp(b, 0.7) end, {"r", "u"}},
	{"lerp tensor weight", {}, function(a, b, c) return a:lerp(b, c) end, {"r", "u", "q"}},
	{"addcmul", {"addcmul"}, function(a, b, c) return a:addcmul(b, c, {value = 0.5}) end,
		{"r", "u", "p"}},
	{"addcdiv", {"addcdiv"}, function(a, b, c) return a:addcdiv(b, c, {value = 2}) end,
		{"r", "u", "p"}},
	{"clamp tensors", {"clamp"}, function(a, b, c) return a:clamp(b, c) end, {"r", "u", "p"},
		exact = true},
	{"clamp numbers", {}, function(a) return a:clamp(-0.5, 1.25) end, {"r"}, exact = true},
	{"where", {"where"}, function(a, b) return torch.where(a:gt(0), a, b) end, {"r", "u"}, exact = true},
}
IN.s8 = IN.s:view(8):expand(6, 8)
-- ops refused for float32 as well: refused for float16 with PyTorch's text
local REFUSED = {
	{"bitwise_and", function(a) return a:bitwise_and(a) end, "bitwise_and_cpu"},
	{"bitwise_or", function(a) return a:bitwise_or(a) end, "bitwise_or_cpu"},
	{"bitwise_xor", function(a) return a:bitwise_xor(a) end, "bitwise_xor_cpu"},
	{"bitwise_not", function(a) return a:bitwise_not() end, "bitwise_not_cpu"},
}

-- ---------------------------------------------- every pointwise op covered
do
	local f = assert(io.open(os.getenv("top_srcdir") .. "/core/ops.def"))
	local text = f:read("a")
	f:close()
	local covered = {}
	for _, c in ipairs(CASES) do for _, n in ipairs(c[2]) do covered[n] = true end end
	for _, c in ipairs(REFUSED) do covered[c[1]] = true end
	local missing, count = {}, 0
	-- each OP(...) entry up to the next one; its name is the first string
	local starts, pos = {}, 1
	while true do
		local at = text:find("\nOP(", pos, true)
		if not at then break end
		starts[#starts + 1], pos = at, at + 1
	end
	for i, at in ipairs(starts) do
		local entry = text:sub(at + 4, (starts[i + 1] or #text + 1) - 1)
		local name = entry:match('^[%w_]+, "([%w_]+)"')
		if name and entry:find("AG_OPK_POINTWISE", 1, true) then
			count = count + 1
			if not covered[name] then missing[#missing + 1] = name end
		end
	end
	t.ok(count > 100, "ops.def lists " .. count .. " pointwise ops")
	t.is(missing, {}, "a float16 case for every pointwise op of ops.def")
end

-- ------------------------------------------------------------ checks
local function flat(x) return x:float():reshape(-1):tolist() end

-- bit for bit (NaN matching NaN, the sign of zero too)
local function same_bits(a, b)
	if a.dtype ~= b.dtype or not torch.equal(torch.tensor(a.shape), torch.tensor(b.shape)) then
		return false, "dtype or shape"
	end
	local x, y = flat(a), flat(b)
	for i = 1, #x do
		local u, v = x[i], y[i]
		if type(u) == "boolean" then u, v = u and 1 or 0, v and 1 or 0 end
		if not ((u ~= u and v ~= v) or (u == v and (u ~= 0 or 1 / u == 1 / v))) then
			return false, ("at %d: %s, want %s"):format(i, tostring(u), tostring(v))
		end
	end
	return true
end

local function inputs(c, dtype, grad)
	local xs = {}
	for i, k in ipairs(c[4]) do
		local x = IN[k]:clone()
		if dtype ~= torch.float16 then x = x:to(dtype) end
		if grad then x:requires_grad_() end
		xs[i] = x
	end
	return xs
end

for _, c in ipairs(CASES) do
	local id, f = c[1], c[3]
	local xs, fs = inputs(c, torch.float16), inputs(c, torch.float32)
	local okh, y = pcall(f, table.unpack(xs))
	if not okh then
		t.ok(false, id .. ": float16 runs: " .. tostring(y))
	else
		local y32 = f(table.unpack(fs))
		local want = y32.dtype == torch.float32 and y32:half() or y32
		local same, why = same_bits(y, want)
		t.ok(same, id .. ": float16 is float32's result rounded, bit for bit" ..
			(why and (" (" .. why .. ")") or ""))
	end
	-- bfloat16 the same way (its float32 inputs are its own values)
	local bs = inputs(c, torch.bfloat16)
	local okb, yb = pcall(f, table.unpack(bs))
	if not okb then
		t.ok(false, id .. ": bfloat16 runs: " .. tostring(yb))
	else
		for i, x in ipairs(bs) do if x.dtype == torch.bfloat16 then bs[i] = x:float() end end
		local y32 = f(table.unpack(bs))
		local same, why = same_bits(yb, y32.dtype == torch.float32 and y32:bfloat16() or y32)
		t.ok(same, id .. ": bfloat16 is float32's result rounded, bit for bit" ..
			(why and (" (" .. why .. ")") or ""))
	end
	if okh and c.grad ~= false then
		local hs, gs = inputs(c, torch.float16, true), inputs(c, torch.float32, true)
		local yh = f(table.unpack(hs))
		local yf = f(table.unpack(gs))
		local n = yh:numel()
		local w = torch.linspace(-1.3, 1.1, n):view(yh.shape):half()
		local gh = torch.autograd.grad({yh}, hs, {grad_outputs = {w}, allow_unused = true})
		local gf = torch.autograd.grad({yf}, gs, {grad_outputs = {w:float()}, allow_unused = true})
		for i = 1, #hs do
			local what = ("%s: gradient of input %d"):format(id, i)
			if gh[i] == nil or gf[i] == nil then
				t.ok(gh[i] == nil and gf[i] == nil, what .. ": none, as in float32")
			else
				t.is(gh[i].dtype, torch.float16, what .. " is float16")
				if c.exact then
					local same, why = same_bits(gh[i], gf[i]:half())
					t.ok(same, what .. ": float32's rounded, bit for bit" ..
						(why and (" (" .. why .. ")") or ""))
				else
					local a, b = flat(gh[i]), flat(gf[i])
					local big, err = 0, 0
					for k = 1, #b do
						big = math.max(big, math.abs(b[k]))
						err = math.max(err, math.abs(a[k] - b[k]))
					end
					t.ok(err <= 4 * 2 ^ -11 * big, ("%s: within 4 float16 units of float32's " ..
						"(off by %.3g of %.3g)"):format(what, err, big))
				end
			end
		end
	end
end

-- long runs: the AVX-512 passes and the 65536-entry tables of the unary
-- ops (from 2^18 values on) give the same bits as the float32 path
do
	local n = (1 << 18) + 37
	local x = (torch.arange(n):float() * 0.000731 - 95.3):sin():mul(4):half()
	local long = {
		exp = function(a) return a:exp() end, relu = function(a) return a:relu() end,
		gelu = function(a) return F.gelu(a) end, sigmoid = function(a) return a:sigmoid() end,
		tanh = function(a) return a:tanh() end, silu = function(a) return F.silu(a) end,
		log = function(a) return a:abs():log() end, add = function(a) return a + a:flip(1) end,
		mul = function(a) return a * a:flip(1) end, lerp = function(a) return a:lerp(a:flip(1), 0.3) end,
		addcmul = function(a) return a:addcmul(a, a:flip(1)) end,
	}
	local names = {}
	for k in pairs(long) do names[#names + 1] = k end
	table.sort(names)
	for _, k in ipairs(names) do
		local same, why = same_bits(long[k](x), long[k](x:float()):half())
		t.ok(same, ("%s of %d float16 values: float32's rounded, bit for bit%s"):format(k, n,
			why and (" (" .. why .. ")") or ""))
	end
	-- a strided view takes the block path
	local v = x:view(-1)[{{1, n - 1, 2}}]
	t.ok(same_bits(v:exp(), v:float():exp():half()), "exp of a strided float16 view")
end

-- in place and out=: the same bits as the functional form
do
	local a, b = IN.u:clone(), IN.p
	local forms = {
		{"exp_", function(x) return x:exp_() end, function(x) return x:exp() end},
		{"erfinv_", function(x) return x:erfinv_() end, function(x) return x:erfinv() end},
		{"clamp_", function(x) return x:clamp_(-0.3, 0.4) end, function(x) return x:clamp(-0.3, 0.4) end},
		{"lerp_", function(x) return x:lerp_(b, 0.7) end, function(x) return x:lerp(b, 0.7) end},
		{"addcdiv_", function(x) return x:addcdiv_(x, b, {value = 0.5}) end,
			function(x) return x:addcdiv(x, b, {value = 0.5}) end},
		{"hardtanh_", function(x) return F.hardtanh_(x, -0.5, 0.25) end,
			function(x) return F.hardtanh(x, -0.5, 0.25) end},
		{"leaky_relu_", function(x) return F.leaky_relu_(x, 0.2) end, function(x) return F.leaky_relu(x, 0.2) end},
		{"elu_", function(x) return F.elu_(x) end, function(x) return F.elu(x) end},
		{"hypot_", function(x) return x:hypot_(b) end, function(x) return x:hypot(b) end},
		{"round_ decimals", function(x) return x:round_({decimals = 1}) end,
			function(x) return x:round({decimals = 1}) end},
		{"exp out=", function(x)
			local o = torch.empty(6, 8, {dtype = torch.float16})
			torch.exp(x, {out = o})
			return o
		end, function(x) return x:exp() end},
	}
	for _, c in ipairs(forms) do
		local m = a:clone()
		local okc, r = pcall(c[2], m)
		t.ok(okc and same_bits(r, c[3](a)), c[1] .. " of float16: the functional form's bits" ..
			(okc and "" or (": " .. tostring(r))))
	end
end

-- lerp's number weight stays float32 for both 16-bit floats (PyTorch's
-- bfloat16 kernel takes it as a float: 0.7, not bfloat16's 0.69921875)
do
	local a, b = IN.r:bfloat16(), IN.u:bfloat16()
	t.ok(same_bits(a:lerp(b, 0.7), a:float():lerp(b:float(), 0.7):bfloat16()),
		"bfloat16 lerp with a number weight: float32's result rounded")
end

-- what the rounding of a float16/bfloat16 gradient lost (counted in
-- blocks of 16 with AVX-512, value by value otherwise): the counts are
-- float32's products that were nonzero and became 0, finite and became inf
do
	local core = require "agdb.core"
	-- three blocks of 16 and a tail; a run long enough to be split
	-- between threads
	for _, n in ipairs({53, 300007}) do
		local av, gv = {}, {}
		for i = 1, n do
			av[i] = ({1e-4, 3e-3, 300, 1, 0, 1e-30, 2e4, 0 / 0, math.huge})[i % 9 + 1]
			gv[i] = ({1e-4, 1, 300, 2e-4, 5e3, 1e-13})[i % 6 + 1] * (i % 2 == 0 and 1 or -1)
		end
		for _, dt in ipairs({torch.float16, torch.bfloat16}) do
			local w = torch.ones(n, {dtype = dt, requires_grad = true})
			local a, g = torch.tensor(av):to(dt), torch.tensor(gv):to(dt)
			local y = w * a
			y:backward(g)
			local p = g:float() * a:float()
			local r = p:to(dt)
			local zero = p:ne(0):logical_and(r:eq(0)):sum():item()
			local inf = p:isfinite():logical_and(r:isinf()):sum():item()
			local info = core.node_info(y.grad_fn)
			t.is({info.lost_zero, info.lost_inf}, {zero, inf},
				("%s gradient of %d values: %d lost to 0, %d to inf, counted"):format(tostring(dt),
					n, zero, inf))
		end
	end
end

-- nan_to_num's default bounds are the dtype's own largest values
t.is(IN.s:nan_to_num():float():tolist(), {0, 65504, -65504, -2.5, 0, 1.5, 65504, 0},
	"float16 nan_to_num() maps infinities to float16's largest values")

-- refused for float32 too: refused for float16 with PyTorch's message
for _, c in ipairs(REFUSED) do
	for _, dt in ipairs({torch.float32, torch.float16}) do
		local name = dt == torch.float16 and "Half" or "Float"
		t.raises(function() return c[2](IN.r:to(dt)) end,
			('"%s" not implemented for \'%s\''):format(c[3], name),
			c[1] .. " of " .. name .. " refused as PyTorch")
	end
end

t.done()
