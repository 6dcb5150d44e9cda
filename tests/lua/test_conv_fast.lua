-- test_conv_fast.lua - the convolutions large enough for the fast paths of
-- core/nn_conv.c: stride-1 products over a padded copy of the input (no
-- patch matrix; at least 16 channels in and out per group), and patch
-- matrices built a band of output rows at a time.  Values and the three
-- gradients against PyTorch 1.13 (fixtures/conv_fast_ref.lua), float64
-- gradcheck and gradgradcheck on the stride-1 path, and its fallback when
-- a weight is not finite.  Also max_pool2d's 2 x 2 stride-2 path.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/conv_fast_ref.lua")
local F = torch.nn.functional
local f64 = {dtype = torch.float64}

local inputs = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/conv_inputs.lua")
local det, sin, cos, every = inputs.det, inputs.sin, inputs.cos, inputs.every
local nan_pattern = inputs.nan_pattern

local function case(name, xs, ws, bias, conv, opts)
	local x = det(xs, sin, 1.0):requires_grad_()
	local w = det(ws, cos, 0.1):requires_grad_()
	local b = bias and det({ws[1]}, sin, 0.5):requires_grad_() or nil
	local out = conv(x, w, b, opts)
	local k = det(out.shape, cos, 1.0)
	;(out * k):sum():backward()
	local r = ref[name]
	-- a float32 sum within float32's rounding of the exact one
	local function sum_ok(v, key, what)
		local got = v:to(torch.float64):sum():item()
		t.ok(math.abs(got - r[key .. "_sum"]) <= 1e-6 * r[key .. "_abs"],
			name .. ": " .. what .. " sums as in float64 (" .. got .. " vs " ..
			r[key .. "_sum"] .. ")")
	end
	t.near(every(out), r.out, 1e-4, name .. ": PyTorch's values")
	sum_ok(out, "out", "the output")
	t.near(every(x.grad), r.gx, 1e-4, name .. ": PyTorch's input gradient")
	sum_ok(x.grad, "gx", "the input gradient")
	t.near(every(w.grad), r.gw, 1e-4, name .. ": PyTorch's weight gradient")
	sum_ok(w.grad, "gw", "the weight gradient")
	if bias then
		t.near(b.grad:tolist(), r.gb, 1e-4, name .. ": PyTorch's bias gradient")
	end
end

case("k3p1", {2, 16, 10, 12}, {24, 16, 3, 3}, true, F.conv2d, {padding = 1})
case("k3x2_dil", {2, 16, 9, 11}, {16, 16, 3, 2}, false, F.conv2d,
	{padding = {2, 1}, dilation = {2, 3}})
case("k5_groups", {1, 32, 9, 8}, {32, 16, 5, 5}, true, F.conv2d, {groups = 2})
case("k1_pad", {2, 16, 5, 6}, {16, 16, 1, 1}, true, F.conv2d, {padding = 1})
case("conv1d", {3, 16, 20}, {20, 16, 3}, true, F.conv1d, {padding = 2, dilation = 2})
case("bands_s2", {1, 8, 40, 70}, {6, 8, 5, 5}, true, F.conv2d, {stride = 2, padding = 2})
case("bands_k3", {1, 12, 80, 96}, {5, 12, 3, 3}, false, F.conv2d, {padding = 1})
case("shift_bands", {1, 16, 64, 128}, {16, 16, 3, 3}, true, F.conv2d, {padding = 1})
-- split among threads when there are several: the same numbers at 1 and 2
local threads = torch.get_num_threads()
for _, n in ipairs({1, 2}) do
	torch.set_num_threads(n)
	local function named(name) return name .. " (" .. n .. " thread" .. (n > 1 and "s" or "") .. ")" end
	local c = ref
	ref = setmetatable({}, {__index = function(_, k) return c[k:match("^(%S+)")] end})
	case(named("team_shift"), {4, 16, 24, 24}, {16, 16, 3, 3}, true, F.conv2d, {padding = 1})
	case(named("team_patches"), {3, 8, 60, 60}, {12, 8, 5, 5}, true, F.conv2d,
		{stride = 2, padding = 2})
	ref = c
end
torch.set_num_threads(threads)

-- float64 gradients of the stride-1 path, to every order
torch.manual_seed(0)
local x = torch.randn(1, 16, 3, 4, f64):requires_grad_()
local w = torch.randn(16, 16, 3, 2, f64):requires_grad_()
local b = torch.randn(16, f64):requires_grad_()
local function conv(a, v, c) return F.conv2d(a, v, c, {padding = {1, 1}, dilation = {1, 2}}) end
t.ok(torch.autograd.gradcheck(conv, {x, w, b}), "gradcheck: stride-1 path, float64")
t.ok(torch.autograd.gradgradcheck(conv, {x, w, b}), "gradgradcheck: stride-1 path, float64")
local gx = torch.autograd.grad(conv(x, w, b):sum(), x, {create_graph = true})[1]
t.is(gx.grad_fn:name(), "ConvolutionBackwardBackward0", "its double backward node")

-- The stride-1 input gradient's extra columns meet weights with a zero; an
-- infinite weight would give NaN where the patch-matrix path (taken by
-- 8-channel halves here) gives none, so that product falls back to it.
-- An infinite input pixel is checked the same way.
local function halves(a, v)
	return F.conv2d(a:narrow(2, 1, 8), v:narrow(2, 1, 8), nil, {padding = 1}) +
		F.conv2d(a:narrow(2, 9, 8), v:narrow(2, 9, 8), nil, {padding = 1})
end
for _, which in ipairs({"input", "weight"}) do
	local xi = det({1, 16, 5, 6}, sin, 1.0)
	local wi = det({16, 16, 3, 3}, cos, 0.1)
	if which == "input" then xi[{1, 3, 2, 6}] = math.huge else wi[{4, 5, 1, 3}] = -math.huge end
	local g = det({1, 16, 5, 6}, cos, 1.0)
	local got = torch.autograd.grad(F.conv2d(xi:requires_grad_(), wi:requires_grad_(), nil,
		{padding = 1}), {xi, wi}, {grad_outputs = {g}})
	local x2, w2 = xi:detach():requires_grad_(), wi:detach():requires_grad_()
	local want = torch.autograd.grad(halves(x2, w2), {x2, w2}, {grad_outputs = {g}})
	for i, nm in ipairs({"input", "weight"}) do
		t.is(nan_pattern(got[i]), nan_pattern(want[i]),
			"an infinite " .. which .. ": NaN where the patch-matrix path has it, in the " ..
			nm .. " gradient")
		local a, e = got[i]:nan_to_num(0), want[i]:nan_to_num(0)
		t.near(a:reshape(-1):tolist(), e:reshape(-1):tolist(), 1e-4,
			"an infinite " .. which .. ": the same " .. nm .. " gradient elsewhere")
	end
end

-- max_pool2d's 2 x 2 stride-2 path (vectorised) and the general one: the
-- first largest value of a window, or its last NaN, as PyTorch 1.13 gives
-- them (values and 1-based indices printed by PyTorch for this input)
local n, inf = 0 / 0, math.huge
local xp = {{{{1, n, 5, 5, -inf, -inf}, {2, n, -inf, -inf, -inf, -inf},
	{n, 1, 3, 3, 0, 0}, {2, 0, 3, 1, 0, 0}}}}
local function nan0(v)
	local r = {}
	for k, e in ipairs(v) do r[k] = e ~= e and "nan" or e end
	return r
end
for _, dt in ipairs({torch.float32, torch.float64}) do
	local xt = torch.tensor(xp, {dtype = dt})
	local y, idx = F.max_pool2d(xt, 2, {return_indices = true})
	t.is(nan0(y:reshape(-1):tolist()), {"nan", 5, -inf, "nan", 3, 0},
		"max_pool2d 2x2 (" .. tostring(dt) .. "): PyTorch's values")
	t.is(idx:reshape(-1):tolist(), {8, 3, 5, 13, 15, 17},
		"max_pool2d 2x2 (" .. tostring(dt) .. "): PyTorch's indices (last NaN, first maximum)")
	y, idx = F.max_pool2d(xt, {2, 3}, {1, 2}, {return_indices = true})
	t.is(nan0(y:reshape(-1):tolist()), {"nan", 5, "nan", 3, "nan", 3},
		"max_pool2d (2, 3) stride (1, 2) (" .. tostring(dt) .. "): PyTorch's values")
	t.is(idx:reshape(-1):tolist(), {8, 3, 13, 15, 13, 15},
		"max_pool2d (2, 3) stride (1, 2) (" .. tostring(dt) .. "): PyTorch's indices")
end
-- a larger input, odd sizes (the last row and column are in no window):
-- each value the maximum of its window, each index pointing at it
torch.manual_seed(3)
local xr = torch.randn(3, 5, 9, 11)
local yr, ir = F.max_pool2d(xr, 2, {return_indices = true})
local win = xr:narrow(3, 1, 8):narrow(4, 1, 10):reshape(3, 5, 4, 2, 5, 2)
t.ok(yr:eq(win:amax({4, 6})):all():item(), "max_pool2d 2x2 of odd sizes: each window's maximum")
t.ok(xr:reshape(3, 5, 99):gather(3, ir:reshape(3, 5, 20)):eq(yr:reshape(3, 5, 20)):all():item(),
	"max_pool2d 2x2 of odd sizes: each index at its maximum")

t.done()
