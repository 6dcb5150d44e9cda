-- test_pointwise.lua - the elementwise ops of issue 11 next to PyTorch 1.13
-- (fixtures/pointwise_ref.lua, made by fixtures/gen_pointwise.py): for
-- each call its values, dtype and shape, its node, its gradients and
-- second derivatives, the same call in torch. form and in place (with the
-- in-place node), the call in other dtypes (values or PyTorch's refusal;
-- float16 and bfloat16 where 1.13 has no kernel: its float32 result on the
-- same inputs rounded, bit for bit),
-- gradcheck and gradgradcheck in float64; then PyTorch's error texts.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/pointwise_ref.lua")
local torch = torch or require "torch"

local DT = {float64 = torch.float64, float32 = torch.float32, float16 = torch.float16,
	bfloat16 = torch.bfloat16, int64 = torch.int64, int32 = torch.int32,
	uint8 = torch.uint8, bool = torch.bool}
local TOL = {float64 = 1e-12, float32 = 2e-6, float16 = 1e-3, bfloat16 = 8e-3}

-- Lists of numbers equal within tol (relative above 1), nan matching nan.
local function close(got, want, tol)
	if #got ~= #want then return false end
	for i = 1, #want do
		local g, w = got[i], want[i]
		if type(g) == "boolean" then g = g and 1 or 0 end
		if not (g == w or (g ~= g and w ~= w) or
			(math.abs(g - w) <= tol * math.max(1, math.abs(w)))) then
			return false
		end
	end
	return true
end

local function flat(x) return x:reshape(-1):tolist() end

-- Where PyTorch 1.13 has no float16 or bfloat16 kernel (via = "float32"),
-- agdb's value must be PyTorch's float32 result on the same 16-bit inputs
-- rounded once, bit for bit (it is, for every such call here: agdb's
-- float32 functions and PyTorch's round to the same 16-bit values).
local function same_bits(got, want, name)
	local bad
	for i = 1, math.max(#got, #want) do
		local g, w = got[i], want[i]
		if type(g) == "boolean" then g = g and 1 or 0 end
		if not (g == w or (g ~= g and w ~= w)) then bad = bad or i end
	end
	t.ok(not bad, name .. (bad and ("\n#   at " .. bad .. ": got " .. tostring(got[bad]) ..
		", want " .. tostring(want[bad])) or ""))
end

local function near(got, want, tol, name)
	local ok = close(got, want, tol)
	if not ok then
		local s = {}
		for i = 1, #got do s[i] = tostring(got[i]) end
		local w = {}
		for i = 1, #want do w[i] = tostring(want[i]) end
		t.ok(false, name .. "\n#   got:  " .. table.concat(s, ", ") ..
			"\n#   want: " .. table.concat(w, ", "))
	else
		t.ok(true, name)
	end
end

local env = setmetatable({torch = torch}, {__index = _G})
local function compile(expr)
	return assert(load("local a, b, c = ...; return " .. expr, expr, "t", env))
end

local function input(inp, dtype)
	local x = torch.tensor(inp.v, {dtype = torch.float64}):reshape(table.unpack(inp.shape))
	if inp.dtype ~= "float64" then return x:to(DT[inp.dtype]) end
	if dtype and dtype ~= "float64" then return x:to(DT[dtype]) end
	return x
end

local function inputs(c, dtype, grad)
	local xs = {}
	for i, inp in ipairs(c.inputs) do
		xs[i] = input(inp, dtype)
		if grad and inp.dtype == "float64" then xs[i]:requires_grad_() end
	end
	return xs
end

local function zeros(v)
	for _, x in ipairs(v) do if x ~= 0 then return false end end
	return true
end

-- The gradients of the fixture (false: none) next to agdb's (nil or zeros).
local function same_grads(got, want, name)
	for i, w in ipairs(want) do
		local g = got[i]
		if w == false then
			t.ok(g == nil or zeros(flat(g)), name .. " (input " .. i .. ": none)")
		else
			near(g and flat(g) or {}, w, 1e-10, name .. " (input " .. i .. ")")
		end
	end
end

local function gradients(c, f)
	local xs = inputs(c, nil, true)
	local need = {}
	for _, x in ipairs(xs) do if x.requires_grad then need[#need + 1] = x end end
	local y = f(table.unpack(xs))
	local w = torch.tensor(c.w, {dtype = torch.float64}):reshape(table.unpack(c.shape))
	local g = torch.autograd.grad({y}, need, {grad_outputs = {w}, create_graph = true,
		allow_unused = true})
	same_grads(g, c.grads, c.id .. ": gradients as PyTorch's")
	if c.ggrads then
		local s = torch.zeros({}, {dtype = torch.float64})
		for i, v in ipairs(c.v) do
			if g[i] and g[i].requires_grad then
				s = s + (g[i] * torch.tensor(v, {dtype = torch.float64}):reshape(g[i].shape)):sum()
			end
		end
		-- (agdb records no history for a gradient that does not depend
		-- on the input, where PyTorch's is zero: abs, relu, hardtanh ...)
		if not s.requires_grad then
			local z = true
			for _, gg in ipairs(c.ggrads) do z = z and (gg == false or zeros(gg)) end
			t.ok(z, c.id .. ": second derivatives zero, as PyTorch's")
		else
			local gg = torch.autograd.grad({s}, need, {allow_unused = true})
			same_grads(gg, c.ggrads, c.id .. ": second derivatives as PyTorch's")
		end
	end
end

local function gradchecks(c, f, ip)
	local xs = inputs(c, nil, true)
	local okc, res = pcall(torch.autograd.gradcheck, f, xs)
	t.ok(okc and res == true, "gradcheck " .. c.id .. (okc and "" or (": " .. tostring(res))))
	okc, res = pcall(torch.autograd.gradgradcheck, f, xs)
	if c.gg_err then	-- PyTorch has no second derivative (hardsigmoid)
		t.ok(not okc and tostring(res):find(c.gg_err, 1, true),
			"gradgradcheck " .. c.id .. " refused as PyTorch: " .. tostring(res))
	else
		t.ok(okc and res == true, "gradgradcheck " .. c.id .. (okc and "" or (": " .. tostring(res))))
	end
	if ip then
		local fi = function(a, ...) local m = a * 1; ip(m, ...); return m end
		okc, res = pcall(torch.autograd.gradcheck, fi, xs)
		t.ok(okc and res == true, "gradcheck " .. c.id .. " in place" ..
			(okc and "" or (": " .. tostring(res))))
	end
end

for _, c in ipairs(ref.cases) do
	local f = compile(c.f)
	local y = f(table.unpack(inputs(c)))
	near(flat(y), c.out, TOL.float64, c.id .. ": " .. c.f .. " as PyTorch")
	t.is(tostring(y.dtype), "torch." .. c.dtype, c.id .. ": dtype " .. c.dtype)
	t.is(y.shape, torch.Size(c.shape), c.id .. ": shape")
	if c.tf then
		near(flat(compile(c.tf)(table.unpack(inputs(c)))), c.out, TOL.float64,
			c.id .. ": " .. c.tf .. " too")
	end
	if c.grad then
		local yg = f(table.unpack(inputs(c, nil, true)))
		t.is(yg.grad_fn and yg.grad_fn:name(), c.node, c.id .. ": node " .. tostring(c.node))
		if c.node then gradients(c, f) end
	end
	if c.ip then
		local ip = compile(c.ip)
		local xs = inputs(c, nil, c.grad)
		local m = xs[1]:clone()
		local v = m._version
		local r = ip(m, xs[2], xs[3])
		t.ok(rawequal(r, m), c.id .. ": " .. c.ip .. " returns self")
		near(flat(m), c.ip_out, TOL.float64, c.id .. ": " .. c.ip .. " writes the result")
		t.is(m._version, v + 1, c.id .. ": in place bumps the version")
		if c.grad then
			t.is(m.grad_fn and m.grad_fn:name(), c.ip_node, c.id .. ": in-place node " ..
				tostring(c.ip_node))
		end
	end
	if c.grad and c.node then
		gradchecks(c, f, c.ip and compile(c.ip))
	end
	for _, d in ipairs(c.dtypes or {}) do
		local name = c.id .. " in " .. d.dtype
		if d.err then
			t.raises(function() f(table.unpack(inputs(c, d.dtype))) end, d.err, name .. ": " .. d.err)
		else
			local okc, r = pcall(f, table.unpack(inputs(c, d.dtype)))
			if not okc then
				t.ok(false, name .. ": " .. tostring(r))
			elseif d.via then	-- PyTorch 1.13 has no kernel: its float32 one's
				t.is(tostring(r.dtype), "torch." .. d.rdtype, name .. " gives " .. d.rdtype)
				same_bits(flat(r), d.out, name .. ": PyTorch's float32 result rounded")
			else
				t.is(tostring(r.dtype), "torch." .. d.rdtype, name .. " gives " .. d.rdtype)
				near(flat(r), d.out, TOL[d.rdtype] or 0, name .. ": values as PyTorch")
			end
		end
	end
end

-- ------------------------------------- isclose, allclose, equal (PyTorch's
-- answers to the same calls written as literals)
do
	local a = torch.tensor({1.0, 0 / 0, math.huge, 2.0, 1e-9})
	local b = torch.tensor({1.0 + 1e-6, 0 / 0, math.huge, 2.1, 0.0})
	t.is(torch.isclose(a, b):tolist(), {true, false, true, false, true}, "isclose")
	t.is(torch.isclose(a, b, {equal_nan = true}):tolist(), {true, true, true, false, true},
		"isclose equal_nan")
	t.is(torch.isclose(a, b, 0.1, 0):tolist(), {true, false, true, true, false},
		"isclose(rtol, atol) by position")
	t.is(a:isclose(b, {atol = 0.2, rtol = 0}):tolist(), {true, false, true, true, true},
		"x:isclose with keywords")
	t.is(torch.isclose(a, b).grad_fn, nil, "isclose has no node")
	local i, j = torch.tensor({1, 2, 3}), torch.tensor({1, 2, 4})
	t.is(torch.isclose(i, j):tolist(), {true, true, false}, "isclose of integers")
	t.is(torch.isclose(i, j, {atol = 1}):tolist(), {true, true, true},
		"isclose of integers with atol")
	t.is(torch.allclose(torch.tensor({1.0, 2.0}), torch.tensor({1.0 + 1e-6, 2.1})), false,
		"allclose false")
	t.is(torch.allclose(torch.tensor({1.0, 2.0}), torch.tensor({1.0 + 1e-6, 2.1}), {rtol = 0.1}),
		true, "allclose with rtol")
	t.is(a:allclose(a), false, "allclose: nan is not close to nan")
	t.is(torch.allclose(torch.ones(3), torch.ones(1)), true, "allclose broadcasts")
	t.is(torch.equal(i, i), true, "equal")
	t.is(torch.equal(i, j), false, "equal: a value differs")
	t.is(i:equal(i[{{1, 2}}]), false, "equal: sizes differ")
	t.is(torch.equal(torch.ones(2, 3), torch.ones(3, 2)), false, "equal: shapes differ")
	t.is(torch.equal(torch.ones(2), torch.ones(2, {dtype = torch.float64})), true,
		"equal across dtypes")
end

-- ---------------------------------------------------------------- errors
env.f32 = torch.tensor({-1.5, 0.5, 2})
env.f64 = env.f32:double()
env.i64 = torch.tensor({1, 2, 3})
env.h = env.f32:half()
env.bl = torch.tensor({true, false, true})
env.leaf = env.f32:clone():requires_grad_()
for _, e in ipairs(ref.errors) do
	t.raises(compile(e.f), e.err, e.id .. ": " .. e.err)
end

t.done()
