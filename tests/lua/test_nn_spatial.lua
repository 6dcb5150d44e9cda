-- test_nn_spatial.lua - the spatial nn functions (issues 11 and 12):
-- F.pad (constant, reflect, replicate 1-d/2-d/3-d, circular), F.interpolate (nearest,
-- nearest-exact, linear, bilinear, bicubic, trilinear, area), F.unfold/F.fold,
-- F.pixel_shuffle/unshuffle, F.conv_transpose1d/2d, Conv padding_mode and
-- padding='same' against PyTorch 1.13 (fixtures/nn_spatial_ref.lua, made
-- by gen_nn_spatial_fixtures.py): values, gradients, node names; float64
-- gradcheck and gradgradcheck; PyTorch's errors; the modules against
-- their functional twins, their reprs, ConvTranspose's initialisation.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/nn_spatial_ref.lua")
local nn, F = torch.nn, torch.nn.functional
local f64, f32 = torch.float64, torch.float32
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck

-- the fixtures' inputs: sin of a ramp, and cos of a ramp upstream
local function ramp(shape, dtype, a, b)
	local n = 1
	for _, s in ipairs(shape) do n = n * s end
	return (torch.arange(0, n, {dtype = f64}) * (a or 0.37) + (b or 0.1)):sin()
		:reshape(shape):to(dtype or f64)
end

local function upstream(y)
	return (torch.arange(0, y:numel(), {dtype = f64}) * 0.21):cos():reshape(y.shape):to(y.dtype)
end

local function shape_of(y) return y:size() end

local function tol(dtype) return dtype == f32 and 2e-5 or 1e-10 end

-- ------------------------------------------------------------ values

local function case(name, shape, fn, dtype)
	dtype = dtype or f64
	local r = ref[name]
	local x = ramp(shape, dtype):requires_grad_()
	local ok, y = pcall(fn, x)
	if not ok then
		t.ok(false, name .. ": runs (" .. tostring(y) .. ")")
		return
	end
	t.is(shape_of(y), r.shape, name .. ": PyTorch's shape")
	t.near(y:tolist(), r.out, tol(dtype), name .. ": PyTorch's values")
	t.is(y.grad_fn and y.grad_fn:name(), r.grad_fn, name .. ": node " .. r.grad_fn)
	y:backward(upstream(y))
	t.near(x.grad:tolist(), r.gx, tol(dtype) * 10, name .. ": PyTorch's gradient")
end

case("pad_const2d", {2, 3, 4, 5}, function(x) return F.pad(x, {1, 2, 0, -1}, {value = 1.5}) end)
case("pad_const3d", {2, 3, 4}, function(x) return F.pad(x, {1, 1, 2, 0, 0, 1}) end)
case("pad_const_f32", {2, 3, 4}, function(x) return F.pad(x, {2, 1}, "constant", -2.0) end, f32)
case("pad_reflect1d", {2, 3, 6}, function(x) return F.pad(x, {2, 3}, "reflect") end)
case("pad_reflect1d_unbatched", {3, 6}, function(x) return F.pad(x, {2, 1}, {mode = "reflect"}) end)
case("pad_reflect2d", {2, 3, 4, 5}, function(x) return F.pad(x, {1, 2, 3, 0}, "reflect") end)
case("pad_reflect2d_unbatched", {3, 4, 5}, function(x) return F.pad(x, {4, 0, 1, 1}, "reflect") end)
case("pad_replicate1d", {2, 3, 4}, function(x) return F.pad(x, {3, 1}, "replicate") end)
case("pad_replicate2d", {2, 3, 4, 5}, function(x) return F.pad(x, {2, 0, 1, 3}, "replicate") end)
case("pad_replicate2d_f32", {2, 3, 4, 5}, function(x) return F.pad(x, {2, 0, 1, 3}, "replicate") end,
	f32)
case("pad_reflect3d", {2, 2, 3, 4, 3}, function(x) return F.pad(x, {1, 2, 0, 3, 2, 1}, "reflect") end)
case("pad_replicate3d_unbatched", {2, 3, 4, 3},
	function(x) return F.pad(x, {2, 0, 1, 1, 0, 3}, "replicate") end)

-- circular padding is PyTorch's CopySlices composite there, slices and
-- cat here: the values and gradients are checked, not the node
local function circular(name, shape, pad)
	local r = ref[name]
	local x = ramp(shape):requires_grad_()
	local y = F.pad(x, pad, "circular")
	t.is(shape_of(y), r.shape, name .. ": PyTorch's shape")
	t.near(y:tolist(), r.out, 1e-12, name .. ": PyTorch's values")
	y:backward(upstream(y))
	t.near(x.grad:tolist(), r.gx, 1e-12, name .. ": PyTorch's gradient")
end
circular("pad_circular2d", {2, 3, 4, 5}, {1, 2, 2, 1})
circular("pad_circular1d", {2, 3, 4}, {-1, 2})

for _, dt in ipairs({{f64, ""}, {f32, "_f32"}}) do
	local d, sfx = dt[1], dt[2]
	case("nearest2d_size" .. sfx, {2, 3, 4, 5}, function(x) return F.interpolate(x, {3 + 4, 3}) end, d)
	case("nearest2d_scale" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {scale_factor = {1.7, 2.3}}) end, d)
	case("nearest1d_scale" .. sfx, {2, 3, 5}, function(x) return F.interpolate(x, nil, 2.5) end, d)
	case("nearest_exact2d" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {size = {7, 3}, mode = "nearest-exact"}) end, d)
	case("nearest_exact1d" .. sfx, {2, 3, 5},
		function(x) return F.interpolate(x, {scale_factor = 1.5, mode = "nearest-exact"}) end, d)
	case("linear1d" .. sfx, {2, 3, 5}, function(x) return F.interpolate(x, 9, nil, "linear") end, d)
	case("linear1d_align" .. sfx, {2, 3, 5},
		function(x) return F.interpolate(x, {size = 9, mode = "linear", align_corners = true}) end, d)
	case("linear1d_scale" .. sfx, {2, 3, 5},
		function(x) return F.interpolate(x, {scale_factor = 2.5, mode = "linear"}) end, d)
	case("bilinear" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {size = {7, 6}, mode = "bilinear"}) end, d)
	case("bilinear_align" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {7, 6}, nil, "bilinear", true) end, d)
	case("bilinear_scale" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {scale_factor = {2, 1.5}, mode = "bilinear"}) end, d)
	case("bilinear_down" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {size = {2, 3}, mode = "bilinear"}) end, d)
	case("bicubic" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {size = {7, 6}, mode = "bicubic"}) end, d)
	case("bicubic_align" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {size = {7, 6}, mode = "bicubic", align_corners = true}) end, d)
	case("bicubic_scale" .. sfx, {2, 3, 4, 5},
		function(x) return F.interpolate(x, {scale_factor = 2, mode = "bicubic"}) end, d)
end
case("nearest3d", {2, 2, 3, 2, 4}, function(x) return F.interpolate(x, {5, 3, 6}) end)
case("nearest_exact3d", {2, 2, 3, 2, 4},
	function(x) return F.interpolate(x, {scale_factor = 1.5, mode = "nearest-exact"}) end)
case("trilinear", {2, 2, 3, 2, 4}, function(x) return F.interpolate(x, {size = {5, 3, 6}, mode = "trilinear"}) end)
case("trilinear_align", {2, 2, 3, 2, 4}, function(x)
	return F.interpolate(x, {scale_factor = {2, 1.5, 0.75}, mode = "trilinear", align_corners = true})
end)
case("area2d", {2, 3, 4, 6}, function(x) return F.interpolate(x, {size = {2, 3}, mode = "area"}) end)

case("unfold", {2, 3, 5, 6},
	function(x) return F.unfold(x, {2, 3}, {dilation = {1, 2}, padding = 1, stride = {2, 1}}) end)
case("unfold_unbatched", {3, 4, 4}, function(x) return F.unfold(x, 2, {stride = 2}) end)
case("fold", {2, 12, 15},
	function(x) return F.fold(x, {5, 6}, {2, 2}, {2, 1}, {1, 0}, {1, 2}) end)
case("fold_unbatched", {8, 4}, function(x) return F.fold(x, {4, 4}, 2, {stride = 2}) end)
case("pixel_shuffle", {2, 8, 3, 2}, function(x) return F.pixel_shuffle(x, 2) end)
case("pixel_unshuffle", {2, 2, 4, 6}, function(x) return F.pixel_unshuffle(x, 2) end)
case("pixel_shuffle_5d", {2, 1, 9, 2, 2}, function(x) return F.pixel_shuffle(x, 3) end)

-- conv_transpose: the input, weight and bias gradients
local function convt(name, xs, ws, nsp, kw, bias, dtype)
	dtype = dtype or f64
	local r = ref[name]
	local x = ramp(xs, dtype):requires_grad_()
	local w = ramp(ws, dtype, 0.53, 0.3):requires_grad_()
	local b = bias ~= false and ramp({ws[2] * (kw.groups or 1)}, dtype, 0.71, 0.2):requires_grad_() or nil
	local f = nsp == 2 and F.conv_transpose2d or F.conv_transpose1d
	kw.bias = b
	local y = f(x, w, kw)
	t.is(shape_of(y), r.shape, name .. ": PyTorch's shape")
	t.near(y:tolist(), r.out, tol(dtype) * 10, name .. ": PyTorch's values")
	t.is(y.grad_fn:name(), "ConvolutionBackward0", name .. ": node ConvolutionBackward0")
	y:backward(upstream(y))
	t.near(x.grad:tolist(), r.gx, tol(dtype) * 10, name .. ": PyTorch's input gradient")
	t.near(w.grad:tolist(), r.gw, tol(dtype) * 10, name .. ": PyTorch's weight gradient")
	if b then t.near(b.grad:tolist(), r.gb, tol(dtype) * 10, name .. ": PyTorch's bias gradient") end
end
convt("convt2d", {2, 4, 3, 3}, {4, 2, 3, 2}, 2,
	{stride = {2, 1}, padding = {1, 0}, output_padding = {1, 0}, groups = 2, dilation = {1, 2}})
convt("convt2d_plain", {1, 2, 3, 4}, {2, 3, 3, 3}, 2, {}, false)
convt("convt2d_f32", {2, 2, 3, 3}, {2, 3, 2, 2}, 2, {stride = 2}, true, f32)
convt("convt2d_dil_outpad", {1, 2, 3, 3}, {2, 2, 2, 2}, 2, {dilation = 2, output_padding = 1})
convt("convt1d", {2, 3, 5}, {3, 2, 3}, 1, {stride = 2, padding = 1, output_padding = 1})

-- positional arguments: bias, stride, padding, output_padding, groups, dilation
do
	local x, w = ramp({1, 2, 3, 3}), ramp({2, 2, 2, 2}, f64, 0.53, 0.3)
	local b = ramp({2}, f64, 0.71, 0.2)
	t.near(F.conv_transpose2d(x, w, b, 1, 0, 1, 1, 2):tolist(), ref.convt2d_dil_outpad.out, 1e-9,
		"conv_transpose2d: positional arguments in PyTorch's order")
	local y = F.conv_transpose2d(x[1], w, {dilation = 2, output_padding = 1})
	t.is(y:size(), {2, 6, 6}, "conv_transpose2d: an unbatched input")
end

-- Conv2d's padding_mode and padding='same' (an even kernel: one more on
-- the right, as PyTorch)
local function conv_mode(name, mode, padding, xs, ws)
	local r = ref[name]
	local m = nn.Conv2d(ws[2], ws[1], {ws[3], ws[4]}, {padding = padding, padding_mode = mode}):double()
	torch.no_grad(function()
		m.weight:copy_(ramp(ws, f64, 0.53, 0.3))
		m.bias:copy_(ramp({ws[1]}, f64, 0.71, 0.2))
	end)
	local x = ramp(xs):requires_grad_()
	local y = m(x)
	t.is(shape_of(y), r.shape, name .. ": PyTorch's shape")
	t.near(y:tolist(), r.out, 1e-10, name .. ": PyTorch's values")
	y:backward(upstream(y))
	t.near(x.grad:tolist(), r.gx, 1e-9, name .. ": PyTorch's input gradient")
	t.near(m.weight.grad:tolist(), r.gw, 1e-9, name .. ": PyTorch's weight gradient")
end
conv_mode("conv_reflect", "reflect", 1, {1, 2, 4, 5}, {3, 2, 3, 3})
conv_mode("conv_replicate", "replicate", {2, 1}, {1, 2, 4, 5}, {3, 2, 3, 3})
conv_mode("conv_circular", "circular", {1, 2}, {1, 2, 4, 5}, {3, 2, 3, 3})
conv_mode("conv_same_even", "zeros", "same", {1, 2, 5, 5}, {3, 2, 4, 2})
conv_mode("conv_same_reflect", "reflect", "same", {1, 2, 5, 5}, {3, 2, 4, 3})

-- ------------------------------------------- gradcheck, gradgradcheck

local function checks(name, fn, ...)
	local args = {...}
	t.ok(gradcheck(fn, args), name .. ": gradcheck")
	t.ok(gradgradcheck(fn, args), name .. ": gradgradcheck")
end

local function rnd(...)
	return torch.randn({...}, {dtype = f64}):requires_grad_()
end

torch.manual_seed(3)
checks("pad constant", function(x) return F.pad(x, {1, -1, 2, 1}, {value = 0.5}) end, rnd(2, 3, 4))
checks("pad reflect 1d", function(x) return F.pad(x, {2, 1}, "reflect") end, rnd(2, 2, 4))
checks("pad reflect 2d", function(x) return F.pad(x, {1, 2, 2, 1}, "reflect") end, rnd(1, 2, 3, 4))
checks("pad replicate 1d", function(x) return F.pad(x, {3, 1}, "replicate") end, rnd(2, 3))
checks("pad replicate 2d", function(x) return F.pad(x, {2, 0, 1, 3}, "replicate") end, rnd(1, 2, 3, 3))
checks("pad reflect 3d", function(x) return F.pad(x, {1, 0, 1, 1, 0, 1}, "reflect") end, rnd(1, 1, 2, 2, 3))
checks("pad replicate 3d", function(x) return F.pad(x, {1, 0, 2, 1, 0, 1}, "replicate") end, rnd(1, 2, 2, 3))
checks("interpolate trilinear", function(x) return F.interpolate(x, {size = {3, 2, 3}, mode = "trilinear"}) end,
	rnd(1, 1, 2, 2, 2))
checks("interpolate nearest 3d", function(x) return F.interpolate(x, {scale_factor = 1.5}) end, rnd(1, 1, 2, 2, 2))
checks("pad circular", function(x) return F.pad(x, {1, 2, 2, 1}, "circular") end, rnd(1, 2, 3, 3))
checks("interpolate nearest", function(x) return F.interpolate(x, {scale_factor = 1.7}) end, rnd(1, 2, 3, 3))
checks("interpolate nearest 1d", function(x) return F.interpolate(x, 7) end, rnd(1, 2, 3))
checks("interpolate nearest-exact", function(x) return F.interpolate(x, {size = {5, 2}, mode = "nearest-exact"}) end,
	rnd(1, 2, 3, 3))
checks("interpolate linear", function(x) return F.interpolate(x, {size = 7, mode = "linear"}) end, rnd(1, 2, 4))
checks("interpolate bilinear", function(x) return F.interpolate(x, {size = {5, 4}, mode = "bilinear"}) end,
	rnd(1, 2, 3, 3))
checks("interpolate bilinear align_corners",
	function(x) return F.interpolate(x, {size = {2, 5}, mode = "bilinear", align_corners = true}) end, rnd(1, 1, 3, 3))
checks("interpolate bicubic", function(x) return F.interpolate(x, {scale_factor = 1.5, mode = "bicubic"}) end,
	rnd(1, 1, 3, 4))
checks("unfold", function(x) return F.unfold(x, 2, {padding = 1, stride = 2}) end, rnd(1, 2, 3, 4))
checks("fold", function(x) return F.fold(x, {3, 4}, 2, {padding = 1, stride = 2}) end, rnd(1, 8, 6))
checks("pixel_shuffle", function(x) return F.pixel_shuffle(x, 2) end, rnd(1, 8, 2, 2))
checks("pixel_unshuffle", function(x) return F.pixel_unshuffle(x, 2) end, rnd(1, 2, 4, 2))
checks("conv_transpose2d", function(x, w, b)
	return F.conv_transpose2d(x, w, b, {stride = 2, padding = 1, output_padding = 1, groups = 2})
end, rnd(1, 4, 2, 3), rnd(4, 1, 3, 2), rnd(2))
checks("conv_transpose2d output_padding below the dilation", function(x, w)
	return F.conv_transpose2d(x, w, nil, {dilation = 2, output_padding = 1})
end, rnd(1, 2, 2, 2), rnd(2, 2, 2, 2))
checks("conv_transpose1d", function(x, w, b)
	return F.conv_transpose1d(x, w, b, {stride = 3, dilation = 2})
end, rnd(2, 2, 3), rnd(2, 3, 2), rnd(3))
checks("conv2d padding='same' with an even kernel", function(x, w)
	return F.conv2d(x, w, nil, {padding = "same"})
end, rnd(1, 2, 4, 4), rnd(2, 2, 2, 3))

-- forward-mode AD: a spatial op is linear, so its tangent is the op of
-- the tangent (checked against the op applied to it)
do
	local fwAD = torch.autograd.forward_ad
	local x, v = ramp({1, 2, 3, 3}), ramp({1, 2, 3, 3}, f64, 0.9, 0.4)
	local fns = {
		{"reflect pad", function(a) return F.pad(a, {1, 2, 0, 1}, "reflect") end},
		{"constant pad", function(a) return F.pad(a, {1, 2, 0, 1}, {value = 3}) end, true},
		{"bilinear", function(a) return F.interpolate(a, {size = {5, 4}, mode = "bilinear"}) end},
		{"unfold", function(a) return F.unfold(a, 2) end},
		{"pixel_unshuffle", function(a) return F.pixel_unshuffle(a:narrow(3, 1, 2):narrow(4, 1, 2), 2) end},
	}
	for _, c in ipairs(fns) do
		local lvl <close> = fwAD.dual_level()
		local p, tan = fwAD.unpack_dual(c[2](fwAD.make_dual(x, v)))
		t.near(p:tolist(), c[2](x):tolist(), 0, c[1] .. ": forward AD's primal")
		local want = c[3] and F.pad(v, {1, 2, 0, 1}) or c[2](v)	-- the fill is 0
		t.near(tan:tolist(), want:tolist(), 1e-15, c[1] .. ": forward AD's tangent")
	end
end

-- second-order nodes are PyTorch's
do
	local x = rnd(1, 1, 3, 3)
	local y = F.pad(x, {1, 1, 1, 1}, "reflect")
	local g = torch.autograd.grad({(y * y):sum()}, {x}, {create_graph = true})[1]
	t.is(g.grad_fn:name(), "ReflectionPad2DBackwardBackward0", "reflect pad's double backward node")
	y = F.interpolate(x, {scale_factor = 2, mode = "bilinear"})
	g = torch.autograd.grad({(y * y):sum()}, {x}, {create_graph = true})[1]
	t.is(g.grad_fn:name(), "UpsampleBilinear2DBackwardBackward1", "bilinear's double backward node")
	y = F.unfold(x, 2)
	g = torch.autograd.grad({(y * y):sum()}, {x}, {create_graph = true})[1]
	t.is(g.grad_fn:name(), "Col2ImBackward0", "unfold's gradient is a fold (Col2ImBackward0)")
end

-- float dtypes that compute in float32; integer padding
do
	local x = ramp({1, 2, 3, 3}, f32)
	local y = F.interpolate(x:bfloat16(), {scale_factor = 2, mode = "bilinear"})
	t.is(y.dtype, torch.bfloat16, "bilinear of bfloat16 stays bfloat16")
	t.near(y:float():tolist(), F.interpolate(x, {scale_factor = 2, mode = "bilinear"}):tolist(), 2e-2,
		"bilinear of bfloat16: float32's values, rounded")
	local i = torch.tensor({{1, 2, 3}})
	t.is(F.pad(i, {1, 2}, {value = 7}):tolist(), {{7, 1, 2, 3, 7, 7}}, "constant pad of int64")
	t.is(F.pad(i:reshape(1, 1, 3), {2, 1}, "reflect"):tolist(), {{{3, 2, 1, 2, 3, 2}}}, "reflect pad of int64")
end

-- ------------------------------------------------------------ errors

local x4 = torch.randn(1, 2, 3, 3)
t.raises(function() F.pad(x4, {1, 2, 3}) end, "Padding length must be divisible by 2", "pad: odd length")
t.raises(function() F.pad(x4, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}) end, "Padding length too large",
	"pad: too long")
t.raises(function() F.pad(x4, {3, 3}, "reflect") end,
	"Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now",
	"pad: reflect of 4-D with 2 pads")
t.raises(function() F.pad(x4, {1, 1, 3, 3}, "reflect") end,
	"Argument #6: Padding size should be less than the corresponding input dimension, but got: "
	.. "padding (3, 3) at dimension 2 of input 4", "pad: reflect wider than the input")
t.raises(function() F.pad(x4, {3, 3, 1, 1}, "reflect") end,
	"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
	.. "padding (3, 3) at dimension 3 of input 4", "pad: reflect wider than the input (last dim)")
t.raises(function() F.pad(torch.randn(1, 2, 3, 3, 3), {1, 1, 1, 1, 3, 3}, "reflect") end,
	"Argument #8: Padding size should be less than the corresponding input dimension, but got: "
	.. "padding (3, 3) at dimension 2 of input [1, 2, 3, 3, 3]", "pad: reflect 3-d wider than the input")
t.raises(function() F.interpolate(torch.randn(1, 2, 3, 3, 3), {size = {0, 1, 1}}) end,
	"Input and output sizes should be greater than 0, but got input (D: 3, H: 3, W: 3) output (D: 0, H: 1, "
	.. "W: 1)", "interpolate: an empty 3-d output")
t.raises(function() F.pad(x4, {1, 1}, "foo") end, "Unrecognised padding mode foo", "pad: unknown mode")
t.raises(function() F.pad(x4[1][1], {1, 1}, {mode = "replicate", value = 2}) end,
	'Padding mode "replicate" doesn\'t take in value argument', "pad: value with replicate")
t.raises(function() F.pad(x4, {-4, 0}) end,
	"The input size 3, plus negative padding -4 and 0 resulted in a negative output size, which is "
	.. "invalid. Check dimension 3 of your input.", "pad: negative output")
t.raises(function() F.interpolate(x4, {scale_factor = 2, mode = "linear"}) end,
	"Got 4D input, but linear mode needs 3D input", "interpolate: linear of 4-D")
t.raises(function() F.interpolate(x4[1], {size = 4, mode = "bilinear"}) end,
	"Got 3D input, but bilinear mode needs 4D input", "interpolate: bilinear of 3-D")
t.raises(function() F.interpolate(x4, {scale_factor = 2, mode = "foo"}) end,
	"Input Error: Only 3D, 4D and 5D input Tensors supported (got 4D) for the modes: nearest | linear | "
	.. "bilinear | bicubic | trilinear | area | nearest-exact (got foo)", "interpolate: unknown mode")
t.raises(function() F.interpolate(x4, {size = 4, scale_factor = 2}) end,
	"only one of size or scale_factor should be defined", "interpolate: size and scale_factor")
t.raises(function() F.interpolate(x4) end, "either size or scale_factor should be defined",
	"interpolate: neither")
t.raises(function() F.interpolate(x4, {4, 4, 4}) end,
	"Input and output must have the same number of spatial dimensions, but got input with spatial "
	.. "dimensions of [3, 3] and output size of (4, 4, 4).", "interpolate: size of the wrong length")
t.raises(function() F.interpolate(x4, {size = 4, align_corners = true}) end,
	"align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | "
	.. "trilinear", "interpolate: align_corners with nearest")
t.raises(function() F.interpolate(x4:long(), {size = 4}) end,
	"\"compute_indices_weights_nearest\" not implemented for 'Long'", "interpolate: int64 nearest")
t.raises(function() F.interpolate(x4:long(), {size = 4, mode = "bilinear"}) end,
	"\"compute_indices_weights_linear\" not implemented for 'Long'", "interpolate: int64 bilinear")
t.raises(function() F.interpolate(x4, {scale_factor = 0.1}) end,
	"Input and output sizes should be greater than 0, but got input (H: 3, W: 3) output (H: 0, W: 0)",
	"interpolate: an empty output")
t.raises(function() F.unfold(x4, 4) end,
	"Given input with spatial size (3, 3), kernel_size=(4, 4), dilation=(1, 1), padding=(0, 0), "
	.. "calculated shape of the array of sliding blocks as (0, 0), but its components must be at least one.",
	"unfold: kernel larger than the input")
t.raises(function() F.unfold(x4, 0) end,
	"kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0",
	"unfold: kernel 0")
t.raises(function() F.fold(torch.randn(1, 7, 4), {3, 3}, 2) end,
	"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
	.. "input.size(1)=7 and kernel_size=(2, 2).", "fold: rows not a multiple of the kernel")
t.raises(function() F.fold(torch.randn(1, 8, 5), {3, 3}, 2) end,
	"Given output_size=(3, 3), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), "
	.. "expected size of input's dimension 2 to match the calculated number of sliding blocks 2 * 2 = 4, "
	.. "but got input.size(2)=5.", "fold: wrong number of blocks")
t.raises(function() F.fold(torch.randn(1, 8, 2, 2), {3, 3}, 2) end,
	"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions "
	.. "for input, but got: [1, 8, 2, 2]", "fold: 4-D input")
t.raises(function() F.pixel_shuffle(torch.randn(1, 7, 2, 2), 2) end,
	"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
	.. "upscale_factor, but input.size(-3)=7 is not divisible by 4", "pixel_shuffle: channels")
t.raises(function() F.pixel_shuffle(torch.randn(7, 2), 2) end,
	"pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 dimension(s)",
	"pixel_shuffle: 2-D")
t.raises(function() F.pixel_shuffle(torch.randn(8, 2, 2), 0) end,
	"pixel_shuffle expects a positive upscale_factor, but got 0", "pixel_shuffle: factor 0")
t.raises(function() F.pixel_unshuffle(torch.randn(1, 1, 3, 4), 2) end,
	"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=3 is not "
	.. "divisible by 2", "pixel_unshuffle: height")
t.raises(function() F.pixel_unshuffle(torch.randn(1, 1, 4, 3), 2) end,
	"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=3 is not "
	.. "divisible by 2", "pixel_unshuffle: width")
t.raises(function() F.conv_transpose2d(x4, torch.randn(3, 3, 3, 3)) end,
	"Given transposed=1, weight of size [3, 3, 3, 3], expected input[1, 2, 3, 3] to have 3 channels, "
	.. "but got 2 channels instead", "conv_transpose2d: channels")
t.raises(function() F.conv_transpose2d(x4, torch.randn(2, 3, 3, 3), {output_padding = 1}) end,
	"output padding must be smaller than either stride or dilation, but got output_padding_height: 1 "
	.. "output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1",
	"conv_transpose2d: output_padding")
t.raises(function() F.conv_transpose2d(x4, torch.randn(2, 3, 3, 3), torch.randn(2)) end,
	"Given transposed=1, weight of size [2, 3, 3, 3], expected bias to be 1-dimensional with 3 elements, "
	.. "but got bias of size [2] instead", "conv_transpose2d: bias")
t.raises(function() F.conv_transpose2d(x4[1][1], torch.randn(2, 3, 3, 3)) end,
	"Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [3, 3]",
	"conv_transpose2d: 2-D input")
t.raises(function() F.conv_transpose2d(x4, torch.randn(2, 3, 3, 3), {padding = 3}) end,
	"Given input size per channel: (3 x 3). Calculated output size per channel: (-1 x -1). Output size "
	.. "is too small", "conv_transpose2d: output too small")
t.raises(function() F.conv_transpose1d(x4[1], torch.randn(2, 3, 3), {padding = 3}) end,
	"Given transposed=1, weight of size [2, 3, 3], expected input[2, 3, 3] to have 2 channels, but got "
	.. "3 channels instead", "conv_transpose1d: channels")

-- hostile sizes fail with a message, before any size arithmetic overflows
do
	local x = torch.randn(1, 2, 3, 3)
	local hostile = {
		{function() return F.pad(x, {2 ^ 50, 1}) end, "out of range", "pad of 2^50"},
		{function() return F.pad(x, {2 ^ 39, 2 ^ 39, 2 ^ 39, 2 ^ 39}) end, "overflows", "pad to 2^40 squared"},
		{function() return F.interpolate(x, {size = {2 ^ 40, 2 ^ 40}}) end, "overflows", "interpolate to 2^80"},
		{function() return F.interpolate(x, {scale_factor = 0 / 0}) end, "must be an integer", "scale NaN"},
		{function() return F.unfold(x, 1, {padding = 2 ^ 39}) end, "overflows", "unfold padding 2^39"},
		{function() return F.fold(torch.randn(1, 4, 4), {3, 3}, {2 ^ 35, 2 ^ 35}) end, "overflows",
			"fold kernel 2^70"},
		{function() return F.pixel_shuffle(x, 2 ^ 40) end, "out of range", "pixel_shuffle by 2^40"},
		{function() return F.conv_transpose2d(x, torch.randn(2, 2, 2, 2), nil, 2 ^ 45) end, "below 2^40",
			"conv_transpose2d stride 2^45"},
		{function() return F.conv_transpose2d(torch.zeros(1, 2, 0, 3), torch.randn(2, 2, 2, 2)) end,
			"Only zero batch or zero channel inputs are supported, but got input shape: [1, 2, 0, 3]",
			"conv_transpose2d of an empty image"},
	}
	for _, h in ipairs(hostile) do t.raises(h[1], h[2], "hostile: " .. h[3]) end
	t.is(F.interpolate(torch.zeros(0, 2, 3), {size = 4}):size(), {0, 2, 4}, "an empty batch interpolates")
	t.is(F.pixel_shuffle(torch.zeros(0, 4, 2, 2), 2):size(), {0, 1, 4, 4}, "an empty batch shuffles")
end

-- ------------------------------------------------------------ modules

local function same_as_functional(name, m, fn, x)
	local x1 = x:clone():requires_grad_()
	local x2 = x:clone():requires_grad_()
	local y1, y2 = m(x1), fn(x2)
	t.is(y1:tolist(), y2:tolist(), name .. ": module and functional give the same output")
	y1:backward(upstream(y1))
	y2:backward(upstream(y2))
	t.is(x1.grad:tolist(), x2.grad:tolist(), name .. ": and the same gradient")
end

local xi = ramp({2, 3, 4, 4})
same_as_functional("ZeroPad2d", nn.ZeroPad2d({1, 2, 0, 1}), function(x) return F.pad(x, {1, 2, 0, 1}) end, xi)
same_as_functional("ConstantPad1d", nn.ConstantPad1d(2, 3.5),
	function(x) return F.pad(x, {2, 2}, {value = 3.5}) end, xi)
same_as_functional("ConstantPad2d", nn.ConstantPad2d({1, 0, 2, 1}, -1),
	function(x) return F.pad(x, {1, 0, 2, 1}, "constant", -1) end, xi)
same_as_functional("ReflectionPad1d", nn.ReflectionPad1d({2, 1}),
	function(x) return F.pad(x, {2, 1}, "reflect") end, xi[1])
same_as_functional("ReflectionPad2d", nn.ReflectionPad2d(2),
	function(x) return F.pad(x, {2, 2, 2, 2}, "reflect") end, xi)
same_as_functional("ReplicationPad1d", nn.ReplicationPad1d(3),
	function(x) return F.pad(x, {3, 3}, "replicate") end, xi[1])
same_as_functional("ReplicationPad2d", nn.ReplicationPad2d({1, 2, 3, 4}),
	function(x) return F.pad(x, {1, 2, 3, 4}, "replicate") end, xi)
same_as_functional("ReflectionPad3d", nn.ReflectionPad3d({1, 0, 2, 1, 0, 1}),
	function(x) return F.pad(x, {1, 0, 2, 1, 0, 1}, "reflect") end, xi)
same_as_functional("ReplicationPad3d", nn.ReplicationPad3d(2),
	function(x) return F.pad(x, {2, 2, 2, 2, 2, 2}, "replicate") end, xi)
same_as_functional("ConstantPad3d", nn.ConstantPad3d(1, 0.5),
	function(x) return F.pad(x, {1, 1, 1, 1, 1, 1}, {value = 0.5}) end, xi)
same_as_functional("Upsample", nn.Upsample({scale_factor = 2, mode = "bilinear"}),
	function(x) return F.interpolate(x, {scale_factor = 2, mode = "bilinear"}) end, xi)
same_as_functional("UpsamplingNearest2d", nn.UpsamplingNearest2d({size = {5, 7}}),
	function(x) return F.interpolate(x, {5, 7}) end, xi)
same_as_functional("UpsamplingBilinear2d", nn.UpsamplingBilinear2d({scale_factor = 2}),
	function(x) return F.interpolate(x, {scale_factor = 2, mode = "bilinear", align_corners = true}) end, xi)
same_as_functional("Unfold", nn.Unfold({kernel_size = 2, stride = 2}),
	function(x) return F.unfold(x, 2, {stride = 2}) end, xi)
same_as_functional("Fold", nn.Fold({4, 4}, 2, {stride = 2}),
	function(x) return F.fold(x, {4, 4}, 2, {stride = 2}) end, ramp({2, 12, 4}))
same_as_functional("PixelShuffle", nn.PixelShuffle(2), function(x) return F.pixel_shuffle(x, 2) end,
	ramp({2, 8, 2, 2}))
same_as_functional("PixelUnshuffle", nn.PixelUnshuffle(2), function(x) return F.pixel_unshuffle(x, 2) end, xi)
do
	local m = nn.ConvTranspose2d(3, 4, 3, {stride = 2, padding = 1, output_padding = 1, dtype = f64})
	same_as_functional("ConvTranspose2d", m, function(x)
		return F.conv_transpose2d(x, m.weight, m.bias, 2, 1, 1)
	end, xi)
	local m1 = nn.ConvTranspose1d(4, 2, 2, {dtype = f64})
	same_as_functional("ConvTranspose1d", m1, function(x)
		return F.conv_transpose1d(x, m1.weight, m1.bias)
	end, xi[1])
	local c = nn.Conv2d(3, 2, 3, {padding = 1, padding_mode = "circular", dtype = f64})
	same_as_functional("Conv2d circular", c, function(x)
		return F.conv2d(F.pad(x, {1, 1, 1, 1}, "circular"), c.weight, c.bias)
	end, xi)
end

-- the reprs, PyTorch's print(m)
local reprs = {
	{nn.ZeroPad2d(1), "ZeroPad2d((1, 1, 1, 1))"},
	{nn.ZeroPad2d({1, 2, 3, 4}), "ZeroPad2d((1, 2, 3, 4))"},
	{nn.ConstantPad1d(2, 3.5), "ConstantPad1d(padding=(2, 2), value=3.5)"},
	{nn.ConstantPad1d({1, 2}, 3), "ConstantPad1d(padding=(1, 2), value=3)"},
	{nn.ConstantPad2d(1, 0.0), "ConstantPad2d(padding=(1, 1, 1, 1), value=0.0)"},
	{nn.ReflectionPad1d(2), "ReflectionPad1d((2, 2))"},
	{nn.ReflectionPad2d({1, 0, 2, 1}), "ReflectionPad2d((1, 0, 2, 1))"},
	{nn.ReplicationPad1d({1, 2}), "ReplicationPad1d((1, 2))"},
	{nn.ReplicationPad2d(1), "ReplicationPad2d((1, 1, 1, 1))"},
	{nn.ReflectionPad3d(1), "ReflectionPad3d((1, 1, 1, 1, 1, 1))"},
	{nn.ReplicationPad3d({1, 2, 3, 4, 5, 6}), "ReplicationPad3d((1, 2, 3, 4, 5, 6))"},
	{nn.ConstantPad3d(1, 2.5), "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=2.5)"},
	{nn.Upsample({scale_factor = 2}), "Upsample(scale_factor=2.0, mode=nearest)"},
	{nn.Upsample({size = {3, 4}, mode = "bilinear"}), "Upsample(size=(3, 4), mode=bilinear)"},
	{nn.Upsample({scale_factor = 2.5, mode = "bilinear", align_corners = true}),
		"Upsample(scale_factor=2.5, mode=bilinear)"},
	{nn.Upsample(5, nil, "linear"), "Upsample(size=5, mode=linear)"},
	{nn.UpsamplingNearest2d({scale_factor = 2}), "UpsamplingNearest2d(scale_factor=2.0, mode=nearest)"},
	{nn.UpsamplingBilinear2d({size = {4, 4}}), "UpsamplingBilinear2d(size=(4, 4), mode=bilinear)"},
	{nn.Fold({4, 5}, 2), "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"},
	{nn.Fold(4, {2, 3}, {dilation = 2, padding = 1, stride = 2}),
		"Fold(output_size=4, kernel_size=(2, 3), dilation=2, padding=1, stride=2)"},
	{nn.Unfold(2), "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"},
	{nn.Unfold({2, 3}, {padding = 1, stride = {1, 2}}),
		"Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=(1, 2))"},
	{nn.PixelShuffle(2), "PixelShuffle(upscale_factor=2)"},
	{nn.PixelUnshuffle(3), "PixelUnshuffle(downscale_factor=3)"},
	{nn.ConvTranspose2d(2, 3, 3), "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(1, 1))"},
	{nn.ConvTranspose2d(2, 4, {3, 2}, {stride = 2, padding = 1, output_padding = 1, groups = 2,
		bias = false, dilation = 2}), "ConvTranspose2d(2, 4, kernel_size=(3, 2), stride=(2, 2), "
		.. "padding=(1, 1), dilation=(2, 2), output_padding=(1, 1), groups=2, bias=False)"},
	{nn.ConvTranspose1d(2, 3, 3, 2), "ConvTranspose1d(2, 3, kernel_size=(3,), stride=(2,))"},
	{nn.Conv2d(2, 3, 3, {padding = 1, padding_mode = "reflect"}),
		"Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)"},
	{nn.Conv2d(2, 3, 3, {padding = "same", padding_mode = "circular"}),
		"Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=circular)"},
	{nn.Conv1d(2, 3, 3, {padding_mode = "replicate"}),
		"Conv1d(2, 3, kernel_size=(3,), stride=(1,), padding_mode=replicate)"},
}
for _, r in ipairs(reprs) do t.is(tostring(r[1]), r[2], "repr " .. r[2]) end

-- state_dict keys, as PyTorch's
local function keys(m)
	local r = {}
	for k in pairs(m:state_dict()) do r[#r + 1] = k end
	table.sort(r)
	return r
end
t.is(keys(nn.ConvTranspose2d(2, 3, 3)), {"bias", "weight"}, "ConvTranspose2d: state_dict keys")
t.is(keys(nn.ConvTranspose2d(2, 3, 3, {bias = false})), {"weight"}, "ConvTranspose2d without bias")
t.is(keys(nn.ReflectionPad2d(1)), {}, "ReflectionPad2d: no state")
t.is(keys(nn.Sequential(nn.Upsample({scale_factor = 2}), nn.Conv2d(1, 1, 1))), {"1.bias", "1.weight"},
	"Upsample holds no state in a Sequential")

-- PyTorch's default initialisation, consuming the RNG as PyTorch does
torch.manual_seed(0)
local m = nn.ConvTranspose2d(2, 3, 3)
t.near(m.weight:tolist(), ref.init_convt2d.weight, 1e-7, "ConvTranspose2d(2, 3, 3): PyTorch's weight")
t.near(m.bias:tolist(), ref.init_convt2d.bias, 1e-7, "ConvTranspose2d(2, 3, 3): PyTorch's bias")
torch.manual_seed(1)
m = nn.ConvTranspose1d(4, 6, 3, {groups = 2})
t.near(m.weight:tolist(), ref.init_convt1d.weight, 1e-7, "ConvTranspose1d(4, 6, 3, groups=2): PyTorch's weight")
t.near(m.bias:tolist(), ref.init_convt1d.bias, 1e-7, "ConvTranspose1d(4, 6, 3, groups=2): PyTorch's bias")

-- output_size
do
	local c = nn.ConvTranspose2d(2, 3, 3, {stride = 2})
	local x = torch.randn(1, 2, 3, 3)
	t.is(c(x):size(), {1, 3, 7, 7}, "ConvTranspose2d: the smallest output")
	t.is(c(x, {8, 8}):size(), {1, 3, 8, 8}, "ConvTranspose2d: output_size picks output_padding")
	t.is(c(x, {1, 3, 8, 7}):size(), {1, 3, 8, 7}, "ConvTranspose2d: output_size with batch and channels")
	t.raises(function() c(x, {9, 9}) end,
		"requested an output size of (9, 9), but valid sizes range from [7, 7] to [8, 8] (for an input of "
		.. "torch.Size([3, 3]))", "ConvTranspose2d: output_size out of range")
	t.raises(function() c(x, {1, 2, 3}) end,
		"ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements (got 3)",
		"ConvTranspose2d: output_size of the wrong length")
end
t.raises(function() nn.ConvTranspose2d(2, 3, 3, {padding_mode = "reflect"}) end,
	'Only "zeros" padding mode is supported for ConvTranspose2d', "ConvTranspose2d: padding_mode")
t.raises(function() nn.Conv2d(2, 3, 3, {padding_mode = "foo"}) end,
	"padding_mode must be one of {'replicate', 'zeros', 'circular', 'reflect'}, but got padding_mode='foo'",
	"Conv2d: unknown padding_mode")
t.raises(function() nn.Conv2d(2, 3, 3, {padding = 5, padding_mode = "reflect"})(x4) end,
	"Argument #4: Padding size should be less than the corresponding input dimension, but got: padding "
	.. "(5, 5) at dimension 3 of input 4", "Conv2d: reflect padding wider than the input")

t.done()
