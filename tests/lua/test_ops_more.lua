-- test_ops_more.lua - the ops-more family of issue 11 next to PyTorch 1.13
-- (fixtures/ops_more_ref.lua, made by fixtures/gen_ops_more.py): the
-- piecewise-linear activations' second derivatives (zeros where PyTorch
-- gives zeros, its error where it has no graph), hardshrink, softshrink,
-- rrelu (PyTorch's draws), glu, prelu, sgn, their dtypes, errors, nodes,
-- gradcheck and gradgradcheck in float64, and the nn modules.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional
local nn = torch.nn
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/ops_more_ref.lua")

local f64 = {dtype = torch.float64}

local function call(src, env)
	env = setmetatable(env, {__index = _ENV})
	env.F, env.torch = F, torch
	local f = assert(load("return " .. src, src, "t", env))
	return f()
end

local function flat(x) return x:detach():double():reshape(-1):tolist() end

-- The ops' second-order nodes agdb names as PyTorch (the others compute the
-- same values through nodes of the ops their formulas are made of).
local SAME_GNODE = {ThresholdBackwardBackward0 = true, LeakyReluBackwardBackward0 = true,
	HardtanhBackwardBackward0 = true, HardshrinkBackwardBackward0 = true,
	SoftshrinkBackwardBackward0 = true, MulBackward0 = true, GluBackwardBackward0 = true,
	PreluBackwardBackward0 = true, RreluWithNoiseBackwardBackward0 = true}

-- ------------------------------------------- values, gradients, second order
for _, c in ipairs(ref.cases) do
	local x = torch.tensor(ref.x, f64):view(2, 4):requires_grad_()
	local y = call(c.f, {x = x})
	t.near(flat(y), c.y, 1e-12, c.id .. ": " .. c.f .. " as PyTorch")
	t.is(y.grad_fn and y.grad_fn:name(), c.node, c.id .. ": node " .. tostring(c.node))
	local go = torch.tensor(ref.go, f64):narrow(1, 1, y:numel()):view(table.unpack(c.shape))
	local g = torch.autograd.grad({y}, {x}, {grad_outputs = {go}, create_graph = true})[1]
	t.near(flat(g), c.g, 1e-12, c.id .. ": gradient")
	if c.gnode == nil or SAME_GNODE[c.gnode] then
		t.is(g.grad_fn and g.grad_fn:name(), c.gnode,
			c.id .. ": the gradient's node is " .. tostring(c.gnode))
	else
		t.ok(g.grad_fn ~= nil, c.id .. ": the gradient has a history (PyTorch: " .. c.gnode .. ")")
	end
	local w = torch.tensor(ref.w, f64):view(2, 4)
	if c.ggerr then
		t.raises(function() torch.autograd.grad({(g * w):sum()}, {x}) end, c.ggerr,
			c.id .. ": no second derivative, as PyTorch")
	else
		local gg = torch.autograd.grad({(g * w):sum()}, {x})[1]
		t.near(flat(gg), c.gg, 1e-12, c.id .. ": second derivative as PyTorch")
	end
end

-- twice with create_graph, as a user would: zeros, no error
for _, f in ipairs({function(x) return x:relu() end, function(x) return F.hardtanh(x) end,
		function(x) return F.leaky_relu(x, 0.2) end, function(x) return F.hardshrink(x, 0.5) end,
		function(x) return F.softshrink(x, 0.5) end, function(x) return F.threshold(x, 0, 1) end,
		function(x) return x:abs() end, function(x) return F.relu6(x) end}) do
	local x = torch.tensor({-1.0, 0.25, 2.0, 7.0}, {dtype = torch.float64, requires_grad = true})
	local g1 = torch.autograd.grad({f(x):sum()}, {x}, {create_graph = true})[1]
	local g2 = torch.autograd.grad({g1:sum()}, {x}, {create_graph = true})[1]
	local name = f(x).grad_fn:name()
	t.is(g2:tolist(), {0.0, 0.0, 0.0, 0.0}, "grad(grad(" .. name .. ")) is zeros")
	-- relu keeps its result, which has a history: PyTorch's third order
	-- goes through it (ThresholdBackwardBackward0); the others' zeros have none
	t.is(g2.grad_fn and g2.grad_fn:name(), name == "ReluBackward0" and
		"ThresholdBackwardBackward0" or nil, "and its node is PyTorch's")
end

-- ------------------------------------------------------ gradcheck, gradgradcheck
torch.manual_seed(0)
local function r64(...)
	-- away from the kinks, where finite differences cross them
	local v = torch.randn({...}, f64)
	v = v + v:sign() * 0.2
	return v:requires_grad_()
end
local checks = {
	{"relu", function(x) return x:relu() end},
	{"leaky_relu", function(x) return F.leaky_relu(x, 0.1) end},
	{"hardtanh", function(x) return F.hardtanh(x, -0.7, 0.9) end},
	{"threshold", function(x) return F.threshold(x, 0.05, 3) end},
	{"abs", function(x) return x:abs() end},
	{"hardshrink", function(x) return F.hardshrink(x, 0.1) end},
	{"softshrink", function(x) return F.softshrink(x, 0.1) end},
	{"tanhshrink", function(x) return F.tanhshrink(x) end},
	{"rrelu eval", function(x) return F.rrelu(x, 0.1, 0.3) end},
	{"glu", function(x) return F.glu(x, 1) end},
	{"glu -1", function(x) return F.glu(x) end},
}
for _, c in ipairs(checks) do
	t.ok(torch.autograd.gradcheck(c[2], {r64(4, 6)}), "gradcheck " .. c[1])
	t.ok(torch.autograd.gradgradcheck(c[2], {r64(4, 6)}), "gradgradcheck " .. c[1])
end
local pw = torch.tensor({0.1, -0.3, 0.5}, {dtype = torch.float64, requires_grad = true})
t.ok(torch.autograd.gradcheck(F.prelu, {r64(2, 3, 4), pw}), "gradcheck prelu (per channel)")
t.ok(torch.autograd.gradgradcheck(F.prelu, {r64(2, 3, 4), pw}), "gradgradcheck prelu (per channel)")
local p1 = torch.tensor({0.25}, {dtype = torch.float64, requires_grad = true})
t.ok(torch.autograd.gradcheck(F.prelu, {r64(5), p1}), "gradcheck prelu (one weight, 1-d)")
t.ok(torch.autograd.gradgradcheck(F.prelu, {r64(2, 5), p1}), "gradgradcheck prelu (one weight)")
-- the backward ops themselves, through a double backward in grad_output
for _, c in ipairs({{"threshold_backward", function(x) return x:relu() end},
		{"leaky_relu_backward", function(x) return F.leaky_relu(x, 0.3) end},
		{"hardtanh_backward", function(x) return F.hardtanh(x) end},
		{"hardshrink_backward", function(x) return F.hardshrink(x, 0.2) end}}) do
	local x = r64(3, 4)
	local f = function(go)
		return torch.autograd.grad({c[2](x)}, {x}, {grad_outputs = {go}, create_graph = true})[1]
	end
	t.ok(torch.autograd.gradcheck(f, {r64(3, 4)}), "gradcheck " .. c[1] .. " in grad_output")
end

-- ------------------------------------------------------------------- dtypes
for _, c in ipairs(ref.dtypes) do
	local x = torch.tensor({-1.5, -0.25, 0.0, 0.75, 0.5, 2.0}):view(2, 3)
	if c.dtype == "bool" then x = x:ne(0) else x = x:to(torch[c.dtype]) end
	if c.id == "glu" then x = torch.cat({x, x}, 2) end
	local what = c.id .. " of " .. c.dtype
	if c.err then
		t.raises(function() torch.manual_seed(0); return call(c.f, {x = x}) end, c.err,
			what .. " refused as PyTorch")
	else
		torch.manual_seed(0)
		local y = call(c.f, {x = x})
		t.is(tostring(y.dtype), "torch." .. c.ydtype, what .. " gives " .. c.ydtype)
		if c.via and c.ulps then	-- within c.ulps units of float32's rounded
			local ok, got = true, flat(y)
			for i, w in ipairs(c.y) do
				local e = w == 0 and -14 or math.max(-14, math.floor(math.log(math.abs(w), 2)))
				ok = ok and math.abs(got[i] - w) <= c.ulps * 2.0 ^ (e - 10)
			end
			t.ok(ok, what .. " within " .. c.ulps .. " units of PyTorch's float32 result rounded")
		elseif c.via then	-- no 1.13 kernel: its float32 result rounded, bit for bit
			t.is(flat(y), c.y, what .. " is PyTorch's float32 result rounded")
		else
			t.near(flat(y), c.y, c.dtype == "float32" and 1e-6 or 1e-2, what .. " values as PyTorch")
		end
	end
end

-- ------------------------------------------------------------- rrelu draws
for _, c in ipairs(ref.rrelu) do
	torch.manual_seed(c.inplace and 3 or 7)
	local x = torch.tensor(c.x):to(torch[c.dtype]):requires_grad_()
	local y
	if c.inplace then
		y = x * 1
		F.rrelu(y, {training = true, inplace = true})
	else
		y = F.rrelu(x, c.lower, c.upper, true)
	end
	local what = ("rrelu training %s [%g, %g]%s"):format(c.dtype, c.lower, c.upper,
		c.inplace and " in place" or "")
	t.near(flat(y), c.y, 0, what .. ": PyTorch's draws, exactly")
	t.is(y.grad_fn:name(), c.node, what .. ": node " .. c.node)
	if #c.after > 0 then
		t.near(torch.rand(2, f64):tolist(), c.after, 0, what .. ": the generator moved on as PyTorch's")
	end
	local go = c.inplace and torch.tensor({1.0, 2.0, 3.0, 4.0}) or torch.tensor(ref.go):to(torch[c.dtype])
	t.near(flat(torch.autograd.grad({y}, {x}, {grad_outputs = {go}})[1]), c.g, 0,
		what .. ": gradient = grad * the slopes drawn")
end
do
	local x = torch.tensor({-1.0, 2.0})
	local m = nn.RReLU(0.1, 0.3)
	torch.manual_seed(1)
	local a = m(x):tolist()
	m:eval()
	t.near(m(x):tolist(), {-0.2, 2.0}, 1e-7, "nn.RReLU in eval: the mean slope")
	t.ok(a[1] <= -0.1 and a[1] >= -0.3 and a[2] == 2.0, "nn.RReLU in training: a slope drawn in range")
end

-- ------------------------------------------------------------------ errors
for _, c in ipairs(ref.errors) do
	local expect = c.err
	-- agdb counts dims from 1 in its messages (DESIGN section 6)
	if c.id == "glu_odd" then expect = expect:gsub("dimension 1 is", "dimension 2 is") end
	t.raises(function() return call(c.f, {}) end, expect, c.id .. ": " .. c.f .. " refused as PyTorch")
end
t.raises(function() F.glu(torch.ones(2, 4), 3) end, "out of range", "glu's dim is checked")
t.raises(function() torch.hardshrink(torch.ones(2), "a") end, "must be a number", "lambd is a number")

-- ---------------------------------------------------------------- in place
do
	local x = torch.tensor({-2.0, 3.0})
	local v = x._version
	t.is(torch.rrelu_(x), x, "torch.rrelu_ returns its argument")
	t.near(x:tolist(), {-2 * (1 / 8 + 1 / 3) / 2, 3.0}, 1e-7, "and writes the eval slope into it")
	t.is(x._version, v + 1, "bumping its version")
	local leaf = torch.tensor({-1.0}, {requires_grad = true})
	t.raises(function() torch.rrelu_(leaf) end,
		"a leaf Variable that requires grad is being used in an in-place operation.", "leaf check")
end

-- --------------------------------------------------------------------- nn
do
	local cases = {
		{nn.Hardshrink(), "Hardshrink(0.5)", function(x) return F.hardshrink(x) end},
		{nn.Hardshrink(0.3), "Hardshrink(0.3)", function(x) return F.hardshrink(x, 0.3) end},
		{nn.Softshrink({lambd = 0.2}), "Softshrink(0.2)", function(x) return F.softshrink(x, 0.2) end},
		{nn.Tanhshrink(), "Tanhshrink()", function(x) return F.tanhshrink(x) end},
		{nn.GLU(), "GLU(dim=-1)", function(x) return F.glu(x) end},
		{nn.GLU(1), "GLU(dim=1)", function(x) return F.glu(x, 1) end},
		{nn.PReLU(), "PReLU(num_parameters=1)", function(x) return F.prelu(x, torch.tensor({0.25})) end},
		{nn.RReLU():eval(), "RReLU(lower=0.125, upper=0.3333333333333333)",
			function(x) return F.rrelu(x) end},
		{nn.RReLU(0.1, 0.3, true), "RReLU(lower=0.1, upper=0.3, inplace=True)", nil},
	}
	local x = torch.tensor({{-1.0, 0.2, 0.7, -0.4}, {2.0, -3.0, 0.1, 0.6}})
	for _, c in ipairs(cases) do
		t.is(tostring(c[1]), c[2], "print(nn." .. c[2]:match("^%a+") .. ") as PyTorch")
		if c[3] then t.near(c[1](x):tolist(), c[3](x):tolist(), 0, c[2] .. " is its F twin") end
	end
	local p = nn.PReLU(2)
	local names = {}
	for name, prm in p:named_parameters() do names[#names + 1] = name .. ":" .. prm:numel() end
	t.is(names, {"weight:2"}, "nn.PReLU(2) has a weight per channel")
	p(torch.randn(3, 2)):sum():backward()
	t.ok(p.weight.grad ~= nil and p.weight.grad:numel() == 2, "and it learns")
end

-- --------------------------------------------------------------- sgn, abs
t.is(torch.sgn(torch.tensor({-2, 0, 3})):tolist(), {-1, 0, 1}, "sgn keeps int64")
t.is(torch.tensor({true, false}):sgn():tolist(), {true, false}, "sgn of bool is bool, as PyTorch")
t.is(torch.tensor({-2.5, 0.0, 1.0}):sgn():tolist(), {-1.0, 0.0, 1.0}, "sgn of float")
do
	local x = torch.tensor({-2.0, 0.0, 3.0})
	x:sgn_()
	t.is(x:tolist(), {-1.0, 0.0, 1.0}, "sgn_ in place")
	local a = torch.tensor({-2.0, 3.0}, {requires_grad = true})
	t.is(a:sgn().grad_fn:name(), "SgnBackward0", "sgn's node is SgnBackward0")
end

-- ------------------------------ searchsorted, bucketize, bincount, histc,
-- quantile, multi_dot: values as PyTorch's (positions 1-based: the
-- generator spells PyTorch's + 1)
local function same_values(got, want)
	if #got ~= #want then return false end
	for i = 1, #want do
		local g, w = got[i], want[i]
		if not ((g ~= g and w ~= w) or g == w or math.abs(g - w) <= 1e-6 * math.max(1, math.abs(w))) then
			return false
		end
	end
	return true
end
for _, c in ipairs(ref.values) do
	local y = call(c.f, {})
	t.ok(same_values(flat(y), c.y), c.id .. ": " .. c.f .. " as PyTorch")
	t.is({tostring(y.dtype), y:size()}, {"torch." .. c.dtype, c.shape}, c.id .. ": dtype and shape")
end
for _, c in ipairs(ref.more_errors) do
	local expect = c.err
	-- positions in agdb's messages count from 1 (DESIGN section 6)
	if c.id == "md_dtype" then expect = expect:gsub("tensor 1", "tensor 2"):gsub("tensor 0", "tensor 1") end
	t.raises(function() return call(c.f, {}) end, expect, c.id .. ": " .. c.f .. " refused as PyTorch")
end
-- index values count from 1 in and out
t.raises(function() torch.bincount(torch.tensor({0, 1})) end, "agdb counts from 1",
	"bincount: a value 0 is no bin (the first is 1)")
t.raises(function() torch.searchsorted(torch.ones(3), torch.ones(1), {sorter = torch.tensor({0, 1, 2})}) end,
	"agdb counts from 1", "searchsorted: sorter's entries count from 1")
do
	local x = torch.tensor({{0.3, 1.2, -0.5, 2.0}, {1.0, 0.1, 0.7, -1.0}}, {dtype = torch.float64, requires_grad = true})
	local q = torch.tensor({0.25, 0.6}, {dtype = torch.float64})
	for _, interp in ipairs({"linear", "lower", "higher", "midpoint", "nearest"}) do
		local f = function(u) return torch.quantile(u, q, 2, {interpolation = interp}) end
		t.ok(torch.autograd.gradcheck(f, {x}), "gradcheck quantile " .. interp)
		t.ok(torch.autograd.gradgradcheck(f, {x}), "gradgradcheck quantile " .. interp)
	end
	t.ok(torch.autograd.gradcheck(function(u) return torch.nanquantile(u, 0.3) end, {x}),
		"gradcheck nanquantile over everything")
	local a = torch.randn(2, 3, {dtype = torch.float64, requires_grad = true})
	local b = torch.randn(3, 4, {dtype = torch.float64, requires_grad = true})
	local v = torch.randn(4, {dtype = torch.float64, requires_grad = true})
	local md = function(p, r, s) return torch.linalg.multi_dot({p, r, s}) end
	t.ok(torch.autograd.gradcheck(md, {a, b, v}), "gradcheck multi_dot")
	t.ok(torch.autograd.gradgradcheck(md, {a, b, v}), "gradgradcheck multi_dot")
	t.is(torch.bincount(torch.tensor({1, 1})).grad_fn, nil, "bincount has no history")
	t.is(torch.histc(x).requires_grad, false, "histc's result has none either, as PyTorch's")
end

-- ---------------------------------------------------------- in-place views
-- x becomes the view: its shape, strides and history change (PyTorch's
-- ...Backward1 nodes), its version goes up, the gradient flows back
do
	local a = torch.tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, {requires_grad = true})
	local b = a * 1
	local v = b._version
	t.is(b:unsqueeze_(2), b, "x:unsqueeze_ returns x")
	t.is({b:size(), b.grad_fn:name(), b._version}, {{2, 1, 3}, "UnsqueezeBackward1", v + 1},
		"unsqueeze_: shape, node UnsqueezeBackward1, version")
	b:squeeze_(2)
	t.is({b:size(), b.grad_fn:name()}, {{2, 3}, "SqueezeBackward3"}, "squeeze_(dim): SqueezeBackward3")
	b:unsqueeze_(1):squeeze_()
	t.is({b:size(), b.grad_fn:name()}, {{2, 3}, "SqueezeBackward2"}, "squeeze_(): SqueezeBackward2")
	b:t_()
	t.is({b:size(), b:stride(), b:is_contiguous(), b.grad_fn:name()}, {{3, 2}, {1, 3}, false, "TBackward1"},
		"t_: strides swapped, TBackward1")
	b:transpose_(1, 2)
	t.is({b:size(), b.grad_fn:name()}, {{2, 3}, "TransposeBackward1"}, "transpose_: TransposeBackward1")
	b:swapdims_(1, 2)
	t.is({b:size(), b.grad_fn:name()}, {{3, 2}, "TransposeBackward1"}, "swapdims_ is transpose_")
	b:swapaxes_(1, 2)
	b:as_strided_({3}, {1})
	t.is({b:size(), b:tolist(), b.grad_fn:name()}, {{3}, {1.0, 2.0, 3.0}, "AsStridedBackward1"},
		"as_strided_: AsStridedBackward1")
	b:sum():backward()
	t.is(a.grad:tolist(), {{1.0, 1.0, 1.0}, {0.0, 0.0, 0.0}}, "the gradient flows back through them all")
	t.raises(function() a:unsqueeze_(1) end,
		"a leaf Variable that requires grad is being used in an in-place operation.", "leaf check")
	t.raises(function() torch.ones(2):unsqueeze_(3) end, "out of range", "unsqueeze_'s dim is checked")
	t.raises(function() torch.ones(2, 3, 4):t_() end, "<= 2 dimensions", "t_ takes 2 dims at most")
	local x = torch.ones(2, 3)
	x:t_()
	t.is(x:size(), {3, 2}, "a tensor without history changes shape too")
	local c = torch.tensor({{1.0, 2.0}, {3.0, 4.0}}, {requires_grad = true}) * 1
	local d = c[1]
	d:unsqueeze_(2)
	t.is({d:size(), d.grad_fn:name()}, {{2, 1}, "UnsqueezeBackward1"}, "a view's unsqueeze_ is its own history")
	t.is(c:size(), {2, 2}, "and leaves its base alone")
	t.ok(torch.autograd.gradcheck(function(u) local w = u * 1; w:t_(); w:unsqueeze_(1); return w end,
		{torch.randn(2, 3, {dtype = torch.float64, requires_grad = true})}), "gradcheck through t_ and unsqueeze_")
	t.ok(torch.autograd.gradgradcheck(function(u) local w = u * u; w:transpose_(1, 2); return w end,
		{torch.randn(2, 3, {dtype = torch.float64, requires_grad = true})}), "gradgradcheck through transpose_")
	local s = torch.zeros(4)
	torch.as_strided_(s, {2, 2}, {1, 2})
	t.is(s:size(), {2, 2}, "torch.as_strided_")
end

-- -------------------------------------------------------------------- out=
-- once for every torch.NAME of the pointwise and reduction families, the
-- products and the joins: PyTorch's semantics and texts
do
	local o = torch.empty(2)
	local v = o._version
	t.ok(rawequal(torch.add(torch.ones(2), 1, {out = o}), o), "torch.add(..., {out = o}) returns o")
	t.is(o:tolist(), {2.0, 2.0}, "and writes the sum into it")
	t.is(o._version, v + 1, "bumping its version once")
	local r = torch.empty(0)
	torch.mul(torch.ones(2, 3), 2, {out = r})
	t.is({r:size(), r:tolist()[2][3]}, {{2, 3}, 2.0}, "an out of another shape is resized")
	local s = torch.empty({})
	torch.sum(torch.tensor({{1.0, 2.0}, {3.0, 4.0}}), {out = s})
	t.is(s:item(), 10.0, "torch.sum(x, {out = s})")
	local sd = torch.empty(2)
	torch.sum(torch.tensor({{1.0, 2.0}, {3.0, 4.0}}), 2, {keepdim = false, out = sd})
	t.is(sd:tolist(), {3.0, 7.0}, "torch.sum(x, 2, {keepdim = false, out = o}): the other keywords pass")
	local m = torch.empty(1, 1)
	torch.mm(torch.ones(1, 2), torch.ones(2, 1), {out = m})
	t.is(m:tolist(), {{2.0}}, "torch.mm out=")
	local c = torch.empty(4)
	torch.cat({torch.ones(2), torch.zeros(2)}, 1, {out = c})
	t.is(c:tolist(), {1.0, 1.0, 0.0, 0.0}, "torch.cat out=")
	local st = torch.empty(2, 2)
	torch.stack({torch.ones(2), torch.zeros(2)}, {out = st})
	t.is(st:tolist(), {{1.0, 1.0}, {0.0, 0.0}}, "torch.stack out=")
	local mv, mi = torch.empty(0), torch.empty(0, {dtype = torch.int64})
	local rv, ri = torch.max(torch.tensor({{1.0, 3.0}, {4.0, 2.0}}), 2, {out = {mv, mi}})
	t.ok(rawequal(rv, mv) and rawequal(ri, mi), "torch.max(x, 2, {out = {v, i}}) returns v, i")
	t.is({mv:tolist(), mi:tolist()}, {{3.0, 4.0}, {2, 1}}, "and fills both (indices 1-based)")
	local f = torch.empty(2)
	torch.add(torch.tensor({1, 2}), 1, {out = f})
	t.is(f:tolist(), {2.0, 3.0}, "an int64 result into a float out")
	t.raises(function() torch.add(torch.ones(2), 1, {out = torch.empty(2, {dtype = torch.int64})}) end,
		"result type Float can't be cast to the desired output type Long", "a float result into an int64 out")
	local a = torch.ones(2, {requires_grad = true})
	for _, c2 in ipairs({{"add", function() return torch.add(a, 1, {out = o}) end},
			{"cat", function() return torch.cat({a, a}, 1, {out = c}) end},
			{"sum", function() return torch.sum(a, {out = s}) end},
			{"mm", function() return torch.mm(a:view(1, 2), a:view(2, 1), {out = m}) end},
			{"add", function() return torch.add(torch.ones(2), 1,
				{out = torch.ones(2, {requires_grad = true})}) end}}) do
		t.raises(c2[2], c2[1] .. "(): functions with out=... arguments don't support automatic "
			.. "differentiation, but one of the arguments requires grad.",
			c2[1] .. " out= refuses an argument that requires grad, as PyTorch")
	end
	torch.no_grad(function() torch.add(a, 1, {out = o}) end)
	t.is(o:tolist(), {2.0, 2.0}, "under no_grad it writes")
	t.raises(function() torch.add(torch.ones(2), 1, {out = 3}) end, "keyword 'out' must be a Tensor",
		"out must be a tensor")
	t.ok(rawequal(torch.special.expit(torch.zeros(1), {out = o}), o), "torch.special.expit takes out= too")
end

-- ---------------------------------------------------------------- aliases
-- each of PyTorch's forms is there, and is the op's own function (one
-- binding, not a copy); these came bound with their ops, before the table
-- (their `_` forms come from it)
local BOUND_WITH_OP = {clip = true, clip_ = true, swapaxes = true, swapdims = true, moveaxis = true,
	ger = true}
do
	local methods = getmetatable(torch.ones(1)).__methods
	for _, a in ipairs(ref.aliases) do
		if a.special then
			t.ok(rawequal(torch.special[a.name], torch[a.op]),
				"torch.special." .. a.name .. " is torch." .. a.op)
		else
			local tables = {torch = torch, method = methods, torch_ = torch, method_ = methods}
			for _, form in ipairs({"torch", "method", "torch_", "method_"}) do
				local suffix = form:sub(-1) == "_" and "_" or ""
				local tb, name = tables[form], a.name .. suffix
				if not a.forms[form] then
					-- nothing to check
				elseif BOUND_WITH_OP[name] then
					t.ok(tb[name] ~= nil, ("%s (%s form) is there"):format(name, form))
				else
					t.ok(tb[name] ~= nil and rawequal(tb[name], tb[a.op .. suffix]),
						("%s (%s form) is %s%s"):format(name, form, a.op, suffix))
				end
			end
		end
	end
	local x = torch.tensor({0.5, -0.25})
	t.is(torch.arcsin(x):tolist(), torch.asin(x):tolist(), "torch.arcsin(x) computes asin")
	t.is(x:greater_equal(0):tolist(), {true, false}, "x:greater_equal(0)")
	t.is(torch.special.expit(x):tolist(), x:sigmoid():tolist(), "torch.special.expit")
	t.is(torch.concatenate({x, x}):tolist(), {0.5, -0.25, 0.5, -0.25}, "torch.concatenate")
	local y = x:clone()
	y:fix_()
	t.is(y:tolist(), {0.0, -0.0}, "x:fix_() in place")
	local a = torch.tensor({2.0}, {requires_grad = true})
	t.is(torch.multiply(a, 3).grad_fn:name(), "MulBackward0", "an alias records the op's node")
end

-- ------------------------------------------------------ linalg.vector_norm
-- one op (issue 11 had two entries for it): PyTorch's node, its gradients
do
	local x = torch.tensor({{3.0, -4.0}, {1.0, 2.0}}, {dtype = torch.float64, requires_grad = true})
	local n = torch.linalg.vector_norm(x)
	t.near(n:item(), math.sqrt(30), 1e-12, "linalg.vector_norm")
	t.is(n.grad_fn:name(), "LinalgVectorNormBackward0", "its node is LinalgVectorNormBackward0")
	t.is(torch.norm(x, 3).grad_fn:name(), "NormBackward1", "torch.norm keeps NormBackward1")
	for _, ord in ipairs({2, 1, 3, 0.5, math.huge}) do
		local f = function(u) return torch.linalg.vector_norm(u, ord, {2}) end
		local u = torch.tensor({{0.3, -1.2, 0.7}, {2.0, -0.4, 1.1}}, {dtype = torch.float64,
			requires_grad = true})
		t.ok(torch.autograd.gradcheck(f, {u}), "gradcheck vector_norm ord=" .. ord)
		if ord ~= math.huge then
			t.ok(torch.autograd.gradgradcheck(f, {u}), "gradgradcheck vector_norm ord=" .. ord)
		end
	end
end

t.done()
