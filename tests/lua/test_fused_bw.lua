-- test_fused_bw.lua - the smooth activations whose backward is one fused
-- op (gelu_backward, silu_backward, mish_backward, elu_backward,
-- softplus_backward, hardswish_backward, hardsigmoid_backward,
-- log_sigmoid_backward, sigmoid_backward, tanh_backward) next to PyTorch
-- 1.13 (fixtures/fused_bw_ref.lua, made by fixtures/gen_fused_bw.py):
-- gradients and their nodes, second derivatives in the input and in
-- grad_output (or PyTorch's error), float32 (the vectorised kernel, dense,
-- strided, split across threads), bfloat16, gradcheck and gradgradcheck in
-- float64 through the activation and through the backward op itself.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/fused_bw_ref.lua")

local f64 = {dtype = torch.float64}

local function call(src, x)
	local env = setmetatable({x = x, F = F, torch = torch}, {__index = _ENV})
	return assert(load("return " .. src, src, "t", env))()
end

local function flat(x) return x:detach():double():reshape(-1):tolist() end

local function grad(y, x, go, create)
	return torch.autograd.grad({y}, {x}, {grad_outputs = {go}, create_graph = create})[1]
end

-- ------------------------------------------------ values, nodes, second order
local by_id = {}
for _, c in ipairs(ref.cases) do
	by_id[c.id] = c
	local what = c.id .. ": " .. c.f
	local x = torch.tensor(ref.x, f64):view(3, 4):requires_grad_()
	local go = torch.tensor(ref.go, f64):view(3, 4):requires_grad_()
	local y = call(c.f, x)
	t.near(flat(y), c.y, 1e-12, what .. " as PyTorch")
	t.is(y.grad_fn:name(), c.node, what .. ": node " .. c.node)
	local g = grad(y, x, go, true)
	t.near(flat(g), c.g, 1e-12, what .. ": gradient as PyTorch")
	t.is(g.grad_fn and g.grad_fn:name(), c.gnode, what .. ": the gradient's node is " .. c.gnode)
	local w = torch.tensor(ref.w, f64):view(3, 4)
	if c.ggerr then
		t.raises(function() torch.autograd.grad({(g * w):sum()}, {x, go}) end, c.ggerr,
			what .. ": no second derivative, as PyTorch")
	else
		local gx, ggo = table.unpack(torch.autograd.grad({(g * w):sum()}, {x, go}))
		t.near(flat(gx), c.gx, 1e-12, what .. ": second derivative in the input")
		t.near(flat(ggo), c.ggo, 1e-12, what .. ": derivative in grad_output")
	end
	-- without a graph (the fused kernels of every dtype)
	t.near(flat(grad(call(c.f, x), x, go:detach(), false)), c.g, 1e-12,
		what .. ": gradient without a graph")
	local x32 = torch.tensor(ref.x):view(3, 4):requires_grad_()
	local g32 = grad(call(c.f, x32), x32, torch.tensor(ref.go):view(3, 4), false)
	t.is(tostring(g32.dtype), "torch.float32", what .. ": float32 gradient")
	t.near(flat(g32), c.g_f32, 2e-6, what .. ": float32 gradient as PyTorch's")
	if c.g_bf16 then
		local xb = torch.tensor(ref.x):to(torch.bfloat16):view(3, 4):requires_grad_()
		local gb = grad(call(c.f, xb), xb, torch.tensor(ref.go):to(torch.bfloat16):view(3, 4), false)
		t.is(tostring(gb.dtype), "torch.bfloat16", what .. ": bfloat16 gradient")
		t.near(flat(gb), c.g_bf16, 1.6e-2, what .. ": bfloat16 gradient near PyTorch's")
	end
end
t.is(#ref.cases, 16, "every case of the fixture was read")

-- saved tensors under PyTorch's names
do
	local x = torch.tensor(ref.x, f64):view(3, 4):requires_grad_()
	local go = torch.tensor(ref.go, f64):view(3, 4):requires_grad_()
	local g = grad(F.gelu(x), x, go, true)
	t.ok(torch.equal(g.grad_fn._saved_self, x), "GeluBackwardBackward0 keeps self")
	t.ok(torch.equal(g.grad_fn._saved_grad_output, go), "GeluBackwardBackward0 keeps grad_output")
	local y = x:sigmoid()
	g = grad(y, x, go, true)
	t.ok(torch.equal(g.grad_fn._saved_output, y), "SigmoidBackwardBackward0 keeps the output")
end

-- ------------------------------------------- float32: dense, strided, threads
-- The float32 kernel against the float64 one on many values (both rounded
-- once), on a dense tensor large enough to be split across threads, a
-- transposed one and a broadcast gradient.
local acts = {
	{"gelu", F.gelu}, {"gelu tanh", function(a) return F.gelu(a, {approximate = "tanh"}) end},
	{"silu", F.silu}, {"mish", F.mish}, {"elu", function(a) return F.elu(a, 0.8) end},
	{"softplus", function(a) return F.softplus(a, 1.5, 4) end}, {"hardswish", F.hardswish},
	{"hardsigmoid", F.hardsigmoid}, {"logsigmoid", F.logsigmoid},
	{"sigmoid", torch.sigmoid}, {"tanh", torch.tanh},
}
torch.manual_seed(3)
local big = torch.randn(300, 701) * 4
local gbig = torch.randn(300, 701)
for _, a in ipairs(acts) do
	local x32 = big:clone():requires_grad_()
	local g32 = grad(a[2](x32), x32, gbig, false)
	local x64 = big:double():requires_grad_()
	local g64 = grad(a[2](x64), x64, gbig:double(), false)
	local err = (g32:double() - g64):abs():max():item()
	local scale = g64:abs():max():item()
	t.ok(err <= 4e-6 * math.max(scale, 1), a[1] .. ": float32 fused gradient within float rounding of float64's ("
		.. err .. ")")
	local xt = big:t():contiguous():t():requires_grad_()
	local gt = grad(a[2](xt), xt, gbig, false)
	t.ok(torch.equal(gt, g32), a[1] .. ": a transposed input gives the same float32 values")
	local gcol = gbig:narrow(1, 1, 1)
	local gb = grad(a[2](x32), x32, gcol:expand(300, 701), false)
	local gb2 = grad(a[2](x32), x32, gcol:expand(300, 701):contiguous(), false)
	t.ok(torch.equal(gb, gb2), a[1] .. ": an expanded grad_output gives the same values")
end

-- The piecewise-linear activations' backward ops (more.c): the dense
-- vectorised loop and the strided one give PyTorch's values, NaN and the
-- kinks included (values printed by PyTorch 1.13 for this x and grad).
do
	local nan = 0 / 0
	local xv = {nan, -1.0, 0.0, 0.5, 1.0, -0.5, 2.0, -2.0}
	local pw = {
		{"relu", function(a) return F.relu(a) end, {1, 0, 0, 4, 5, 0, 7, 0}},
		{"leaky_relu", function(a) return F.leaky_relu(a, 0.1) end,
			{0.1, 0.2, 0.3, 4, 5, 0.6, 7, 0.8}},
		{"hardtanh", function(a) return F.hardtanh(a, -0.5, 1.0) end, {1, 0, 3, 4, 0, 0, 0, 0}},
		{"hardshrink", function(a) return F.hardshrink(a, 0.5) end, {1, 2, 0, 0, 5, 0, 7, 8}},
		{"softshrink", function(a) return F.softshrink(a, 0.5) end, {1, 2, 0, 0, 5, 0, 7, 8}},
		{"threshold", function(a) return F.threshold(a, 0.5, 9.0) end, {1, 0, 0, 0, 5, 0, 7, 0}},
	}
	for _, c in ipairs(pw) do
		for _, dt in ipairs({torch.float32, torch.float64}) do
			local what = c[1] .. " backward in " .. tostring(dt)
			local x = torch.tensor(xv, {dtype = dt}):requires_grad_()
			local g = torch.arange(1, 9):to(dt)
			t.near(grad(c[2](x), x, g, false):tolist(), c[3], 1e-7, what .. ": dense, as PyTorch")
			-- strided: every other element of a longer tensor
			local xs = torch.stack({x:detach(), x:detach()}, 2):requires_grad_()
			local gs = torch.stack({g, g}, 2)
			local r = grad(c[2](xs), xs, gs, false)
			t.near(r:select(2, 1):contiguous():tolist(), c[3], 1e-7, what .. ": strided, as PyTorch")
		end
		local xb = big:clone():requires_grad_()
		local xt = big:t():contiguous():t():requires_grad_()
		t.ok(torch.equal(grad(c[2](xb), xb, gbig, false), grad(c[2](xt), xt, gbig, false)),
			c[1] .. ": float32 dense and strided agree on many values")
	end
end

-- silu and mish: fused without a graph, PyTorch's formula (MulBackward0)
-- with one; the same values
for _, id in ipairs({"silu", "mish"}) do
	local x = torch.tensor(ref.x, f64):view(3, 4):requires_grad_()
	local go = torch.tensor(ref.go, f64):view(3, 4)
	local a = grad(call(by_id[id].f, x), x, go, false)
	local b = grad(call(by_id[id].f, x), x, go, true)
	t.is(a.grad_fn, nil, id .. ": no graph, no node")
	t.near(flat(a), flat(b), 1e-14, id .. ": the fused gradient equals the formula's")
end

-- in-place elu with a negative alpha: PyTorch's refusal stays
t.raises(function()
	local x = torch.tensor({-1.0, 2.0}, {requires_grad = true})
	local y = x * 1
	F.elu(y, -0.5, true)
	y:sum():backward()
end, "In-place elu backward calculation is triggered with a negative slope",
	"in-place elu with a negative alpha refused in backward, as PyTorch")

-- var's, std's and logsumexp's backward without a graph take one fused
-- pass: the same values as their formula under create_graph (the same
-- roundings), over every dim, kept or not, dense or transposed inputs.
do
	torch.manual_seed(5)
	local base = torch.randn(37, 300) * 3
	local red = {
		{"var()", function(a) return a:var() end},
		{"var(1)", function(a) return a:var(1) end},
		{"var(2, keepdim)", function(a) return a:var(2, {keepdim = true}) end},
		{"var(2, correction 0)", function(a) return a:var(2, {correction = 0}) end},
		{"std(1)", function(a) return a:std(1) end},
		{"logsumexp(2)", function(a) return a:logsumexp(2) end},
		{"logsumexp(1, keepdim)", function(a) return a:logsumexp(1, {keepdim = true}) end},
		{"logsumexp({1, 2})", function(a) return a:logsumexp({1, 2}) end},
	}
	for _, c in ipairs(red) do
		for _, dt in ipairs({torch.float32, torch.float64}) do
			for _, layout in ipairs({"dense", "transposed"}) do
				local v = base:to(dt)
				if layout == "transposed" then v = v:t():contiguous():t() end
				local x = v:clone():requires_grad_()
				if layout == "transposed" then x = v:detach():requires_grad_() end
				local y = c[2](x)
				local go = torch.randn(y.shape):to(dt)
				local fused = grad(y, x, go, false)
				local formula = grad(c[2](x), x, go, true)
				local what = c[1] .. " " .. tostring(dt) .. " " .. layout
				if dt == torch.float64 and c[1]:find("logsumexp") then
					-- exp in double: glibc's vector exp (4 ulp) in the fused pass
					local err = ((fused - formula) / formula:abs():clamp_min(1e-300)):abs():max():item()
					t.ok(err <= 1e-15, what .. ": the fused gradient within 4 ulp of the formula's (" .. err .. ")")
				else
					t.ok(torch.equal(fused, formula:detach()), what .. ": the fused gradient equals the formula's")
				end
			end
		end
	end
end

-- A leaf's first .grad is the engine's buffer when no one else holds it
-- (PyTorch's AccumulateGrad steals it): never a tensor the user can see.
do
	local x = torch.ones(3, {requires_grad = true})
	local g = torch.tensor({1.0, 2.0, 3.0})
	x:backward(g)
	g:mul_(10)
	t.near(x.grad:tolist(), {1, 2, 3}, 0, "x.grad is not the gradient passed to backward")
	local kept
	local h = x:register_hook(function(gr) kept = gr end)
	x.grad = nil
	;(x * 2):backward(g)
	kept:zero_()
	t.near(x.grad:tolist(), {20, 40, 60}, 0, "x.grad is not the gradient a hook kept")
	h:remove()
	x.grad = nil
	local y = x:sigmoid()
	y:backward(torch.ones(3))
	local first = x.grad:clone()
	y = x:sigmoid()
	y:backward(torch.ones(3))
	t.near(x.grad:tolist(), (first * 2):tolist(), 1e-7, "a second backward adds to the stolen .grad")
end

-- A gradient's statistics (the debugger's, one pass over every gradient
-- of a watched backward): counts and mean |g| of float32 runs of every
-- length around the vector steps, special values anywhere in them.
do
	local core = require("agdb.core")
	local nan, inf = 0 / 0, math.huge
	local specials = {nan, inf, -inf, 0.0, -0.0, 1e-8, -3e-8, 2.5, -1e30}
	torch.manual_seed(9)
	local good = true
	local bad
	for _, n in ipairs({1, 7, 8, 15, 16, 17, 31, 33, 100, 1000, 4099}) do
		local v = torch.randn(n):tolist()
		for k = 1, math.min(n - 1, 12) do	-- one finite value at least
			v[(k * 7919) % n + 1] = specials[(k - 1) % #specials + 1]
		end
		local want = {nan = 0, inf = 0, zero = 0, fp16_underflow = 0, sum = 0, max = 0}
		local x = torch.tensor(v)	-- float32: the values rounded as the tensor has them
		local xs = x:double():tolist()
		for _, a in ipairs(xs) do
			a = math.abs(a)
			if a ~= a then want.nan = want.nan + 1
			elseif a == inf then want.inf = want.inf + 1
			else
				if a == 0 then want.zero = want.zero + 1 end
				if a > 0 and a < 5.960464477539063e-08 then want.fp16_underflow = want.fp16_underflow + 1 end
				want.sum = want.sum + a
				if a > want.max then want.max = a end
			end
		end
		local st = core.stats(x)
		local finite = n - want.nan - want.inf
		local ok = st.nan == want.nan and st.inf == want.inf and st.zero == want.zero and
			st.fp16_underflow == want.fp16_underflow and st.max_abs == want.max and
			math.abs(st.mean_abs - want.sum / finite) <= 1e-12 * (want.sum / finite)
		if not ok and not bad then
			bad = n
			t.diag(("n %d: got nan %d inf %d zero %d tiny %d max %.17g mean %.17g"):format(n, st.nan, st.inf,
				st.zero, st.fp16_underflow, st.max_abs, st.mean_abs))
			t.diag(("want nan %d inf %d zero %d tiny %d max %.17g mean %.17g"):format(want.nan, want.inf,
				want.zero, want.fp16_underflow, want.max, want.sum / finite))
		end
		good = good and ok
	end
	t.ok(good, "float32 gradient statistics over runs of every length" ..
		(bad and (" (wrong at n = " .. bad .. ")") or ""))
	-- the statistics of a large gradient are kept for the next look at
	-- the same values only: a write, a view or another tensor counts anew
	local x = torch.randn(100, 100):abs() + 1
	local m = core.stats(x).mean_abs
	t.near(core.stats(x).mean_abs, m, 0, "the same tensor, the same statistics")
	x:mul_(2)
	t.near(core.stats(x).mean_abs, 2 * m, 1e-12, "after an in-place write, counted anew")
	x:narrow(1, 1, 50):fill_(0)
	t.is(core.stats(x).zero, 5000, "a write through a view is seen")
	local y = x:clone()
	y:narrow(1, 1, 50):fill_(1)
	t.is(core.stats(y).zero, 0, "a clone has statistics of its own")
	t.is(core.stats(x:t()).zero, 5000, "a transposed view of the same storage")
	t.is(core.stats(x:narrow(1, 51, 50)).zero, 0, "a view of other elements")
end

-- ----------------------------------------------------- gradcheck, gradgradcheck
local function r64(...) return torch.randn({...}, f64) end
-- away from the kinks (0 for elu, +-3 for hardswish, the softplus threshold)
local function nz(...)
	local x = torch.randn({...}, f64)
	return x + x:sign() * 0.2
end
local checks = {
	{"gelu", F.gelu, r64}, {"gelu tanh", function(a) return F.gelu(a, {approximate = "tanh"}) end, r64},
	{"silu", F.silu, r64}, {"mish", F.mish, r64}, {"elu", function(a) return F.elu(a, 1.3) end, nz},
	{"selu", F.selu, nz}, {"celu", function(a) return F.celu(a, 0.7) end, nz},
	{"softplus", function(a) return F.softplus(a, 2, 1.5) end, function(...) return nz(...) * 0.5 end},
	{"hardswish", F.hardswish, r64}, {"logsigmoid", F.logsigmoid, r64},
	{"sigmoid", torch.sigmoid, r64}, {"tanh", torch.tanh, r64},
}
for _, c in ipairs(checks) do
	torch.manual_seed(11)
	t.ok(torch.autograd.gradcheck(c[2], {c[3](3, 4):requires_grad_()}), "gradcheck " .. c[1])
	t.ok(torch.autograd.gradgradcheck(c[2], {c[3](3, 4):requires_grad_()}), "gradgradcheck " .. c[1])
	-- the backward op itself, in grad_output and in x (its own formula),
	-- and that formula's derivative (a third derivative of the activation)
	local bw = function(go, x) return grad(c[2](x), x, go, true) end
	local go, x = r64(3, 4):requires_grad_(), c[3](3, 4):requires_grad_()
	t.ok(torch.autograd.gradcheck(bw, {go, x}), "gradcheck " .. c[1] .. "'s backward op")
	t.ok(torch.autograd.gradgradcheck(bw, {go, x}), "gradgradcheck " .. c[1] .. "'s backward op")
end
t.ok(torch.autograd.gradcheck(F.hardsigmoid, {r64(3, 4):requires_grad_()}), "gradcheck hardsigmoid")
t.raises(function() torch.autograd.gradgradcheck(F.hardsigmoid, {r64(3, 4):requires_grad_()}) end,
	"derivative for aten::hardsigmoid_backward is not implemented",
	"gradgradcheck hardsigmoid: no derivative, as PyTorch")

t.done()
