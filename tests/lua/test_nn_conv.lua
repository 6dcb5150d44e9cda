-- test_nn_conv.lua - conv1d/conv2d (stride, padding, dilation, groups,
-- bias, unbatched), max_pool2d/1d (with indices) and avg_pool2d/1d
-- (ceil_mode, count_include_pad, divisor_override) against PyTorch 1.13
-- (fixtures/nn1_ref.lua): values, gradients, node names; float64
-- gradcheck and gradgradcheck; PyTorch's errors; the modules (Conv1d,
-- Conv2d initialised with PyTorch's numbers, MaxPool2d, AvgPool2d) against
-- their functional twins and PyTorch's reprs.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/nn1_ref.lua")
local nn, F = torch.nn, torch.nn.functional
local f64 = {dtype = torch.float64}
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck

-- ------------------------------------------------------------ against PyTorch

local function inputs()
	local x = (torch.arange(24.0):reshape(2, 3, 4):sin() * 3):requires_grad_()
	local b4 = torch.tensor({0.1, 0.2, -0.3, 0.0}):requires_grad_()
	return x, b4
end

local function case(name, fn)
	local x, b4 = inputs()
	local out = fn(x, b4)
	local r = ref[name]
	t.near(out:tolist(), r.value, 2e-5, name .. ": PyTorch's values")
	t.is(out.grad_fn:name(), r.grad_fn, name .. ": node " .. r.grad_fn)
	local k = torch.arange(out:numel() * 1.0):reshape(out.shape):cos()
	;(out * k):sum():backward()
	t.near({x.grad:tolist(), b4.grad and b4.grad:tolist() or 0}, {r.gx, r.gb4}, 2e-4,
		name .. ": PyTorch's gradients")
end

local function img(x) return x:reshape(1, 2, 3, 4) end
local cw = torch.arange(16.0):reshape(2, 2, 2, 2):sin()
case("conv2d", function(x, b4) return F.conv2d(img(x), cw, b4:narrow(1, 1, 2), {padding = 1}) end)
case("conv2d_s2_d2", function(x)
	local r = torch.cat({img(x), img(x)}, 3)
	return F.conv2d(torch.cat({r, r}, 4), cw, nil,
		{stride = 2, padding = {1, 2}, dilation = {2, 1}}) end)
case("conv2d_groups", function(x) return F.conv2d(x:reshape(1, 4, 3, 2), cw, {groups = 2, padding = 1}) end)
case("conv2d_unbatched", function(x) return F.conv2d(x:reshape(2, 3, 4), cw) end)
local cw1 = torch.arange(12.0):reshape(4, 3, 1):cos():expand(4, 3, 2)
case("conv1d", function(x, b4) return F.conv1d(x, cw1, b4, 2, 1) end)
case("max_pool2d", function(x) return F.max_pool2d(img(x), 2, 1) end)
case("max_pool2d_pad_ceil", function(x) return F.max_pool2d(img(x), 3, 2, 1, {ceil_mode = true}) end)
case("max_pool1d", function(x) return F.max_pool1d(x, 2) end)
case("avg_pool2d", function(x) return F.avg_pool2d(img(x), 2, 1) end)
case("avg_pool2d_pad", function(x)
	return F.avg_pool2d(img(x), 3, 2, 1, {ceil_mode = true, count_include_pad = false}) end)
case("avg_pool2d_div", function(x) return F.avg_pool2d(img(x), 2, {divisor_override = 3}) end)
case("avg_pool1d", function(x) return F.avg_pool1d(x, 3, 1, 1) end)
case("adaptive_avg_pool2d", function(x) return F.adaptive_avg_pool2d(img(x), {2, 3}) end)
case("adaptive_avg_pool2d_up", function(x) return F.adaptive_avg_pool2d(img(x), {5, false}) end)
case("adaptive_avg_pool2d_1", function(x) return F.adaptive_avg_pool2d(img(x), 1) end)
case("adaptive_avg_pool1d", function(x) return F.adaptive_avg_pool1d(x, 3) end)
local _, idx = F.max_pool2d(img(inputs()), 3, 2, 1, {ceil_mode = true, return_indices = true})
t.is(idx:tolist(), ref.max_pool2d_idx, "max_pool2d's indices, 1-based in their plane")

-- ------------------------------------------------------------ gradcheck

torch.manual_seed(0)
local x4 = torch.randn(2, 4, 6, 5, f64):requires_grad_()
local w4 = torch.randn(6, 2, 3, 2, f64):requires_grad_()
local b6 = torch.randn(6, f64):requires_grad_()
local x3 = torch.randn(2, 4, 9, f64):requires_grad_()
local w3 = torch.randn(3, 4, 3, f64):requires_grad_()
local checks = {
	{"conv2d stride, padding, dilation, groups, bias", function(a, w, b)
		return F.conv2d(a, w, b, {2, 1}, {1, 0}, {1, 2}, 2) end, {x4, w4, b6}},
	{"conv2d 1x1 kernel", function(a, w) return F.conv2d(a, w) end,
		{x4, torch.randn(3, 4, 1, 1, f64):requires_grad_()}},
	{"conv1d padding='same'", function(a, w) return F.conv1d(a, w, {padding = "same"}) end, {x3, w3}},
	{"max_pool2d ceil_mode", function(a) return F.max_pool2d(a, 3, 2, 1, {ceil_mode = true}) end, {x4}},
	{"max_pool2d dilation", function(a) return F.max_pool2d(a, 2, {dilation = 2}) end, {x4}},
	{"avg_pool2d count_include_pad=false", function(a)
		return F.avg_pool2d(a, 3, 2, 1, true, false) end, {x4}},
	{"avg_pool1d", function(a) return F.avg_pool1d(a, 2) end, {x3}},
	{"adaptive_avg_pool2d", function(a) return F.adaptive_avg_pool2d(a, {4, 3}) end, {x4}},
	{"adaptive_avg_pool1d", function(a) return F.adaptive_avg_pool1d(a, 4) end, {x3}},
}
for _, c in ipairs(checks) do
	t.ok(gradcheck(c[2], c[3]), "gradcheck: " .. c[1])
	t.ok(gradgradcheck(c[2], c[3]), "gradgradcheck: " .. c[1])
end
local y = F.conv2d(x4, w4, b6, {groups = 2})
local gx = torch.autograd.grad(y:sum(), x4, {create_graph = true})[1]
t.is(gx.grad_fn:name(), "ConvolutionBackwardBackward0", "conv2d's double backward node")
gx = torch.autograd.grad(F.max_pool2d(x4, 2):sum(), x4, {create_graph = true})[1]
t.is(gx.grad_fn:name(), "MaxPool2DWithIndicesBackwardBackward0", "max_pool2d's double backward node")
gx = torch.autograd.grad(F.avg_pool2d(x4, 2):sum(), x4, {create_graph = true})[1]
t.is(gx.grad_fn:name(), "AvgPool2DBackwardBackward0", "avg_pool2d's double backward node")
gx = torch.autograd.grad(F.adaptive_avg_pool2d(x4, 2):sum(), x4, {create_graph = true})[1]
t.is(gx.grad_fn:name(), "AdaptiveAvgPool2DBackwardBackward0", "adaptive_avg_pool2d's double backward node")

-- dtypes
local xb, wb = torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3)
local yb = F.conv2d(xb:to(torch.bfloat16), wb:to(torch.bfloat16))
t.is(yb.dtype, torch.bfloat16, "conv2d of bfloat16 gives bfloat16")
t.ok((yb:float() - F.conv2d(xb:to(torch.bfloat16):float(), wb:to(torch.bfloat16):float())):abs():max():item() < 0.1,
	"conv2d of bfloat16 computes in float32")
t.is(F.conv2d(torch.ones(1, 1, 3, 3, {dtype = torch.int64}), torch.ones(1, 1, 2, 2, {dtype = torch.int64})):tolist(),
	{{{{4, 4}, {4, 4}}}}, "conv2d of int64")
t.is(F.avg_pool2d(torch.tensor({{{1, 2}, {4, 6}}}), 2):tolist(), {{{3}}}, "avg_pool2d of int64 truncates")
local m = F.max_pool2d(torch.tensor({{{1.0, 0 / 0}, {4, 6}}}), 2):item()
t.ok(m ~= m, "max_pool2d propagates NaN")

-- ------------------------------------------------------------ errors

local x = torch.randn(2, 3, 8, 8)
local w = torch.randn(4, 3, 3, 3)
local errs = {
	{function() F.conv2d(torch.randn(2, 5, 8, 8), w) end,
		"Given groups=1, weight of size [4, 3, 3, 3], expected input[2, 5, 8, 8] to have 3 channels, " ..
		"but got 5 channels instead"},
	{function() F.conv2d(torch.randn(2, 3, 2, 2), w) end,
		"Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). " ..
		"Kernel size can't be greater than actual input size"},
	{function() F.conv2d(x, w, nil, 0) end, "non-positive stride is not supported"},
	{function() F.conv2d(x, w, {padding = -1}) end, "negative padding is not supported"},
	{function() F.conv2d(x, w, {dilation = 0}) end, "non-positive dilation is not supported"},
	{function() F.conv2d(x, torch.randn(3, 3, 3, 3), {groups = 2}) end,
		"Given groups=2, expected weight to be divisible by 2 at dimension 0"},
	{function() F.conv2d(torch.randn(2, 4, 8, 8), torch.randn(4, 2, 3, 3), torch.randn(3), {groups = 2}) end,
		"Given weight of size [4, 2, 3, 3], expected bias to be 1-dimensional with 4 elements, " ..
		"but got bias of size [3] instead"},
	{function() F.conv2d(torch.randn(8, 8), w) end,
		"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [8, 8]"},
	{function() F.conv2d(x:double(), w) end, "expected scalar type Double but found Float"},
	{function() F.conv1d(torch.randn(2, 3, 8), w) end,
		"Expected 4-dimensional input for 4-dimensional weight [4, 3, 3, 3], but got 3-dimensional input " ..
		"of size [2, 3, 8] instead"},
	{function() F.conv2d(x, w, {stride = 2, padding = "same"}) end,
		"padding='same' is not supported for strided convolutions"},
	{function() F.max_pool2d(x:to(torch.int64), 2) end, "\"max_pool2d\" not implemented for 'Long'"},
	{function() F.avg_pool2d(x:bool(), 2) end, "\"avg_pool2d\" not implemented for 'Bool'"},
	{function() F.conv2d(x:bool(), w:bool()) end, "\"slow_conv2d_cpu\" not implemented for 'Bool'"},
	{function() F.max_pool2d(x, 2, {padding = 2}) end, "pad should be at most half of effective kernel size"},
	{function() F.avg_pool2d(x, 2, {padding = 2}) end,
		"pad should be at most half of kernel size, but got pad=2 and kernel_size=2"},
	{function() F.max_pool2d(torch.randn(2, 3, 1, 1), 2) end,
		"Given input size: (3x1x1). Calculated output size: (3x0x0). Output size is too small"},
	{function() F.max_pool2d(x, 2, 0) end, "stride should not be zero"},
	{function() F.max_pool2d(torch.randn(5, 5), 2) end, "non-empty 3D or 4D (batch mode) tensor expected for input"},
	{function() F.avg_pool2d(x, 2, {divisor_override = 0}) end, "divisor must be not zero"},
	{function() nn.Conv2d(3, 4, 3, {groups = 2}) end, "in_channels must be divisible by groups"},
	{function() F.adaptive_avg_pool2d(torch.randn(7, 5), 2) end,
		"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [7, 5]"},
	{function() F.adaptive_avg_pool2d(x:to(torch.int64), 2) end, "\"adaptive_avg_pool2d\" not implemented for 'Long'"},
}
for i, e in ipairs(errs) do t.raises(e[1], e[2], "error " .. i .. ": " .. e[2]:sub(1, 50)) end

-- ------------------------------------------------------------ modules

torch.manual_seed(0)
local c2 = nn.Conv2d(3, 4, 3)
t.near({c2.weight:tolist(), c2.bias:tolist()}, ref.conv2d_module, 1e-7,
	"Conv2d(3, 4, 3) initialises with PyTorch's numbers")
torch.manual_seed(0)
local c1 = nn.Conv1d(4, 6, 2, {groups = 2, bias = false})
t.near({c1.weight:tolist()}, ref.conv1d_module, 1e-7, "Conv1d(4, 6, 2, groups=2, bias=False) likewise")
t.is(c1.bias, nil, "no bias")
local function twin(name, m, fn, input)
	local a, b = input:clone():requires_grad_(), input:clone():requires_grad_()
	local ya, yb = m(a), fn(b)
	t.is(ya:tolist(), yb:tolist(), name .. " = its functional twin")
	ya:sum():backward()
	yb:sum():backward()
	t.is(a.grad:tolist(), b.grad:tolist(), name .. "'s gradient = its functional twin's")
end
twin("Conv2d", c2, function(v) return F.conv2d(v, c2.weight, c2.bias) end, x)
twin("Conv1d", c1, function(v) return F.conv1d(v, c1.weight, nil, 1, 0, 1, 2) end, torch.randn(2, 4, 7))
twin("MaxPool2d", nn.MaxPool2d(3, 2, 1, {ceil_mode = true}),
	function(v) return F.max_pool2d(v, 3, 2, 1, {ceil_mode = true}) end, x)
twin("AvgPool2d", nn.AvgPool2d(2), function(v) return F.avg_pool2d(v, 2) end, x)
twin("MaxPool1d", nn.MaxPool1d(2), function(v) return F.max_pool1d(v, 2) end, torch.randn(2, 3, 8))
twin("AvgPool1d", nn.AvgPool1d(3, 2), function(v) return F.avg_pool1d(v, 3, 2) end, torch.randn(2, 3, 8))
t.is(tostring(nn.Conv2d(1, 16, 3, {padding = 1})), "Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
	"Conv2d repr")
t.is(tostring(nn.Conv1d(4, 6, 3, 2, 1, 1, 2, false)),
	"Conv1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), groups=2, bias=False)", "Conv1d repr, positional")
t.is(tostring(nn.Conv2d(2, 2, {3, 1}, {dilation = 2, padding = "same"})),
	"Conv2d(2, 2, kernel_size=(3, 1), stride=(1, 1), padding=same, dilation=(2, 2))", "Conv2d padding='same' repr")
t.is(tostring(nn.MaxPool2d(2)), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
	"MaxPool2d repr")
t.is(tostring(nn.AvgPool2d(3, 2, 1)), "AvgPool2d(kernel_size=3, stride=2, padding=1)", "AvgPool2d repr")
twin("AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d({3, false}), function(v) return F.adaptive_avg_pool2d(v, {3, false}) end, x)
t.is(tostring(nn.AdaptiveAvgPool2d({3, false})), "AdaptiveAvgPool2d(output_size=(3, None))", "AdaptiveAvgPool2d repr")
t.is(tostring(nn.AdaptiveAvgPool2d(2)), "AdaptiveAvgPool2d(output_size=2)", "AdaptiveAvgPool2d(2) repr")
t.is(tostring(nn.AvgPool1d(3)), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))", "AvgPool1d repr")
local net = nn.Sequential(nn.Conv2d(1, 4, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
local keys = {}
for _, e in ipairs(net:named_parameters()) do keys[#keys + 1] = e[1] end
t.is(keys, {"0.weight", "0.bias", "4.weight", "4.bias"}, "a small convnet's parameters, PyTorch's names")
t.is(net(torch.randn(5, 1, 8, 8)).shape, torch.Size({5, 3}), "a small convnet runs")

-- sizes given as sequences by position, as PyTorch's tuples: a trailing
-- list is an argument, not the keyword table
do
	local x = torch.randn(2, 3, 6, 6)
	t.ok(torch.equal(F.max_pool2d(x, {2, 2}), F.max_pool2d(x, 2)), "max_pool2d(x, {2, 2})")
	t.ok(torch.equal(F.max_pool2d(x, {3, 2}, {1, 2}), F.max_pool2d(x, {3, 2}, {stride = {1, 2}})),
		"max_pool2d(x, {3, 2}, {1, 2}): the stride by position")
	t.ok(torch.equal(F.avg_pool2d(x, {2, 3}), F.avg_pool2d(x, {kernel_size = {2, 3}})),
		"avg_pool2d(x, {2, 3})")
	t.ok(torch.equal(F.max_pool1d(x[1], {2}), F.max_pool1d(x[1], 2)), "max_pool1d(x, {2})")
	t.is(tostring(nn.MaxPool2d({3, 2})),
		"MaxPool2d(kernel_size=(3, 2), stride=(3, 2), padding=0, dilation=1, ceil_mode=False)",
		"nn.MaxPool2d({3, 2})")
	t.is(tostring(nn.Unfold({2, 2})), "Unfold(kernel_size=(2, 2), dilation=1, padding=0, stride=1)",
		"nn.Unfold({2, 2})")
	t.ok(torch.equal(nn.Unfold({2, 2})(x), F.unfold(x, 2)), "nn.Unfold({2, 2}) runs")
	t.raises(function() return F.pad(x, {1, 1}, {foo = 1}) end,
		"pad() got an unexpected keyword argument 'foo'", "pad: an unknown keyword")
end
t.done()
