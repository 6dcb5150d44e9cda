-- test_conv_winograd.lua - float32 3x3 stride-1 convolutions with 32+
-- channels in and out per group and 64+ tiles of 2 x 2 per plane take
-- Winograd's F(2x2, 3x3) transforms (core/conv_winograd.c) in the forward
-- and both gradients.  Every value of the output and of the three
-- gradients is checked against the same convolution in float64 (which
-- takes the exact paths), relative to the sum of the absolute values of
-- its terms, over odd sizes (tiles cut by the edge), paddings 0 to 3 (the
-- input gradient's padding 2 - p is then negative: a crop), groups, planes
-- cut into several blocks of tile rows, conv_transpose2d, and at 1 and 2
-- threads.  Inputs with an infinity or NaN keep the exact paths.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional
local f64 = {dtype = torch.float64}

local inputs = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/conv_inputs.lua")
local det, sin, cos = inputs.det, inputs.sin, inputs.cos
local nan_pattern = inputs.nan_pattern

-- out, x.grad, w.grad, b.grad of (conv(x, w, b) * k):sum() in dtype; with
-- abs, of the inputs' absolute values (float64: each element the sum of the
-- absolute values of the terms summed for it, the scale of its rounding)
local function grads(xs, ws, bias, opts, dtype, abs, conv)
	local function v(shape, f, scale)
		local r = det(shape, f, scale):to(dtype)
		return abs and r:abs() or r
	end
	local x = v(xs, sin, 1.0):requires_grad_()
	local w = v(ws, cos, 0.1):requires_grad_()
	local nb = conv and ws[2] * (opts.groups or 1) or ws[1]
	local b = bias and v({nb}, sin, 0.5):requires_grad_() or nil
	local out = (conv or F.conv2d)(x, w, b, opts)
	local k = v(out.shape, cos, 1.0)
	;(out * k):sum():backward()
	return {out:detach(), x.grad, w.grad, b and b.grad or nil}
end

-- the largest difference from the float64 result, relative to the sum of
-- the absolute values of the terms of each element
local function rel_err(got, want, scale)
	return ((got:to(torch.float64) - want):abs() / (scale + 1e-30)):max():item()
end

local names = {"output", "input gradient", "weight gradient", "bias gradient"}
local function check(label, xs, ws, bias, opts, conv)
	local got = grads(xs, ws, bias, opts, torch.float32, false, conv)
	local want = grads(xs, ws, bias, opts, torch.float64, false, conv)
	local scale = grads(xs, ws, bias, opts, torch.float64, true, conv)
	for i = 1, bias and 4 or 3 do
		t.is(got[i].shape, want[i].shape, label .. ": the " .. names[i] .. "'s shape")
		local e = rel_err(got[i], want[i], scale[i])
		t.ok(e <= 1e-6, label .. ": every value of the " .. names[i] ..
			" within float32 rounding of float64's (" .. e .. ")")
	end
end

check("32x32, padding 1, bias", {2, 32, 32, 32}, {32, 32, 3, 3}, true, {padding = 1})
check("odd sizes 17x19, padding 1", {2, 32, 17, 19}, {40, 32, 3, 3}, true, {padding = 1})
check("padding 0, 18x19", {1, 32, 18, 19}, {32, 32, 3, 3}, false, {})
check("padding 2, 15x16", {1, 32, 15, 16}, {32, 32, 3, 3}, true, {padding = 2})
check("padding 3 (the input gradient crops), 16x17", {1, 32, 16, 17}, {32, 32, 3, 3}, false,
	{padding = 3})
check("padding (0, 2), 19x14", {2, 36, 19, 14}, {33, 36, 3, 3}, true, {padding = {0, 2}})
check("groups 2, 64 -> 80 channels", {2, 64, 16, 16}, {80, 32, 3, 3}, true,
	{padding = 1, groups = 2})
check("several blocks of tile rows, 30x200", {1, 32, 30, 200}, {32, 32, 3, 3}, true,
	{padding = 1})
-- a transposed convolution is the input gradient of one (and its input
-- gradient a forward): the same transforms
check("conv_transpose2d, padding 1, 16x17", {2, 32, 16, 17}, {32, 40, 3, 3}, true,
	{padding = 1}, F.conv_transpose2d)
check("conv_transpose2d, padding 0, 16x15", {1, 36, 16, 15}, {36, 32, 3, 3}, false,
	{}, F.conv_transpose2d)
local threads = torch.get_num_threads()
for _, n in ipairs({1, 2}) do
	torch.set_num_threads(n)
	check("5 images at " .. n .. " thread(s)", {5, 32, 15, 17}, {32, 32, 3, 3}, true,
		{padding = 1})
end
torch.set_num_threads(threads)

-- An infinity or NaN in the input, the weight or the output gradient: the
-- exact paths, as float64's (NaN exactly where float64 has it, the same
-- values elsewhere)
for _, which in ipairs({"input", "weight", "output gradient"}) do
	for _, bad in ipairs({math.huge, 0 / 0}) do
		local function run(dt)
			local x = det({1, 32, 16, 16}, sin, 1.0):to(dt)
			local w = det({32, 32, 3, 3}, cos, 0.1):to(dt)
			local g = det({1, 32, 16, 16}, cos, 1.0):to(dt)
			if which == "input" then x[{1, 3, 2, 4}] = bad
			elseif which == "weight" then w[{4, 5, 2, 2}] = -bad
			else g[{1, 2, 3, 3}] = bad end
			x:requires_grad_()
			w:requires_grad_()
			local out = F.conv2d(x, w, nil, {padding = 1})
			local gx, gw = table.unpack(torch.autograd.grad(out, {x, w}, {grad_outputs = {g}}))
			return {out:detach(), gx, gw}
		end
		local got, want = run(torch.float32), run(torch.float64)
		local what = (bad ~= bad and "a NaN" or "an infinity") .. " in the " .. which
		for i = 1, 3 do
			t.is(nan_pattern(got[i]), nan_pattern(want[i]), what .. ": NaN in the " ..
				names[i] .. " where float64 has it")
			local a = got[i]:to(torch.float64):nan_to_num(0, 1e300, -1e300)
			local e = want[i]:nan_to_num(0, 1e300, -1e300)
			a, e = a:clamp(-1e6, 1e6), e:clamp(-1e6, 1e6)
			t.ok((a - e):abs():max():item() <= 1e-5 * e:abs():max():item(),
				what .. ": the " .. names[i] .. " as float64's elsewhere")
		end
	end
end

t.done()
