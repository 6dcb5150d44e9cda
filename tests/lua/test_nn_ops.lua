-- test_nn_ops.lua - torch.nn.functional's softmax, losses, normalisations,
-- embedding and dropout against PyTorch 1.13 (fixtures/nn1_ref.lua, made
-- by gen_nn1_fixtures.py): values, gradients and node names; float64
-- gradcheck and gradgradcheck for each; PyTorch's errors; each module
-- against its functional twin.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/nn1_ref.lua")
local nn, F = torch.nn, torch.nn.functional
local f64 = {dtype = torch.float64}

-- ------------------------------------------------------------ against PyTorch

local function inputs()
	local x = (torch.arange(24.0):reshape(2, 3, 4):sin() * 3):requires_grad_()
	local y = torch.arange(24.0):reshape(2, 3, 4):cos():requires_grad_()
	local w3 = torch.tensor({0.5, 1.0, 2.0}):requires_grad_()
	local w4 = torch.tensor({0.5, -1.0, 2.0, 1.5}):requires_grad_()
	local b4 = torch.tensor({0.1, 0.2, -0.3, 0.0}):requires_grad_()
	return x, y, w3, w4, b4
end

local function grad_of(v) return v.grad and v.grad:tolist() or 0 end

-- node: the node name when agdb's differs from PyTorch's for a reason
-- outside these ops (a tensor divided by a number is DivBackward1 there)
local function case(name, fn, node)
	local x, y, w3, w4, b4 = inputs()
	local out = fn(x, y, w3, w4, b4)
	local r = ref[name]
	t.near(out:tolist(), r.value, 2e-5, name .. ": PyTorch's values")
	local gname = out.grad_fn and out.grad_fn:name() or "NoneType"
	t.is(gname, node or r.grad_fn, name .. ": node " .. (node or r.grad_fn))
	if out.requires_grad then
		local k = torch.arange(out:numel() * 1.0):reshape(out.shape):cos()
		local s = (out * k):sum()
		s:backward()
		t.near({grad_of(x), grad_of(y), grad_of(w3), grad_of(w4), grad_of(b4)},
			{r.gx, r.gy, r.gw3, r.gw4, r.gb4}, 2e-4, name .. ": PyTorch's gradients")
	end
end

local t1 = torch.tensor({{1, 3, 4, 2}, {3, 3, 1, 2}}):clamp(1, 3)
local t2 = torch.tensor({3, 1})
case("softmax_d2", function(x) return F.softmax(x, 2) end)
case("softmax_d3", function(x) return x:softmax(-1) end)
case("softmax_d1_f64", function(x) return F.softmax(x, 1, {dtype = torch.float64}) end)
case("log_softmax_d2", function(x) return F.log_softmax(x, 2) end)
case("log_softmax_d3", function(x) return torch.log_softmax(x, 3) end)
case("nll_nd", function(x, y, w3) return F.nll_loss(F.log_softmax(x, 2), t1, {weight = w3:detach()}) end)
case("nll_2d_sum", function(x) return F.nll_loss(x:reshape(2, 12), t2, {reduction = "sum"}) end)
case("nll_none_ii", function(x) return F.nll_loss(x, t1, {ignore_index = 3, reduction = "none"}) end)
case("ce", function(x) return F.cross_entropy(x, t1) end)
case("ce_w_ii", function(x, y, w3) return F.cross_entropy(x, t1, w3:detach(), {ignore_index = 1}) end)
case("ce_ls", function(x, y, w3) return F.cross_entropy(x, t1, {weight = w3:detach(), label_smoothing = 0.15}) end)
case("ce_ls_none", function(x)
	return F.cross_entropy(x, t1, {label_smoothing = 0.3, ignore_index = 2, reduction = "none"}) end)
case("ce_prob", function(x, y) return F.cross_entropy(x, F.softmax(y * 2, 2)) end, "DivBackward1")	-- PyTorch divides by a C++ Scalar
case("ce_prob_ls", function(x, y, w3)
	return F.cross_entropy(x, F.softmax(y * 2, 2), {weight = w3:detach(), label_smoothing = 0.1, reduction = "sum"}) end)
case("ce_1d", function(x) return F.cross_entropy(x[1][{{}, 1}], torch.tensor(2)) end)
case("layer_norm", function(x, y, w3, w4, b4) return F.layer_norm(x, {4}, w4, b4) end)
case("layer_norm_2", function(x) return F.layer_norm(x, {3, 4}, {eps = 1e-3}) end)
case("rms_norm", function(x, y, w3, w4) return F.rms_norm(x, {4}, w4) end)
case("group_norm", function(x, y, w3, w4, b4) return F.group_norm(x:reshape(2, 4, 3), 2, w4, b4) end)
case("batch_norm_train", function(x, y, w3)
	return F.batch_norm(x, torch.zeros(3), torch.ones(3), w3, w3 * 0 + 0.5, true, 0.2) end)
case("batch_norm_eval", function(x, y, w3)
	return F.batch_norm(x, torch.tensor({0.1, -0.2, 0.3}), torch.tensor({1.0, 2.0, 0.5}), w3, nil, false) end)
case("instance_norm", function(x) return F.instance_norm(x) end)
case("mse", function(x, y) return F.mse_loss(x, y) end)
case("mse_none", function(x, y) return F.mse_loss(x, y, {reduction = "none"}) end)
case("l1", function(x, y) return F.l1_loss(x, y, {reduction = "sum"}) end)
case("smooth_l1", function(x, y) return F.smooth_l1_loss(x, y, {beta = 0.5}) end)
case("huber", function(x, y) return F.huber_loss(x, y, {delta = 0.8, reduction = "none"}) end)
case("bce", function(x, y) return F.binary_cross_entropy(x:sigmoid(), y:abs():clamp(nil, 1)) end)
case("bce_w", function(x, y, w3, w4)
	return F.binary_cross_entropy(x:sigmoid(), y:sigmoid(), {weight = w4:detach(), reduction = "sum"}) end)
case("bce_logits", function(x, y) return F.binary_cross_entropy_with_logits(x, y:sigmoid()) end)
case("bce_logits_pw", function(x, y, w3, w4)
	return F.binary_cross_entropy_with_logits(x, y:sigmoid(), {pos_weight = w4:detach():abs(), reduction = "none"}) end)
case("kl_div", function(x, y) return F.kl_div(F.log_softmax(x, 3), F.softmax(y, 3), {reduction = "batchmean"}) end)
case("kl_div_log", function(x, y)
	return F.kl_div(F.log_softmax(x, 3), F.log_softmax(y, 3), {reduction = "sum", log_target = true}) end)
case("cosine", function(x, y) return F.cosine_similarity(x, y) end)
case("cosine_d3", function(x, y) return F.cosine_similarity(x, y, {dim = -1}) end)
case("embedding", function(x) return F.embedding(torch.tensor({{1, 3}, {2, 1}}), x:reshape(6, 4), 2) end)
case("dropout_eval", function(x) return F.dropout(x, 0.4, false) end)

-- ------------------------------------------------------------ gradcheck

local gc, ggc = torch.autograd.gradcheck, torch.autograd.gradgradcheck
local function both(name, fn, inputs_)
	t.ok(gc(fn, inputs_), name .. ": gradcheck")
	t.ok(ggc(fn, inputs_), name .. ": gradgradcheck")
end
torch.manual_seed(0)
local X = torch.randn(3, 4, 2, f64):requires_grad_()
local Y = torch.randn(3, 4, 2, f64):requires_grad_()
local W4 = torch.randn(4, f64):requires_grad_()
local B4 = torch.randn(4, f64):requires_grad_()
local W2 = torch.randn(2, f64):requires_grad_()
local B2 = torch.randn(2, f64):requires_grad_()
local T = torch.tensor({{1, 4}, {2, 2}, {4, 3}})
local CW = torch.rand(4, f64) + 0.5
both("softmax dim 2", function(a) return a:softmax(2) end, {X})
both("softmax last dim", function(a) return F.softmax(a, -1) end, {X})
both("log_softmax dim 1", function(a) return a:log_softmax(1) end, {X})
both("log_softmax last dim", function(a) return a:log_softmax(3) end, {X})
both("nll_loss mean, weight, ignore_index", function(a)
	return F.nll_loss(a, T, CW, {ignore_index = 2}) end, {X})
both("nll_loss none", function(a) return F.nll_loss(a:log_softmax(2), T, {reduction = "none"}) end, {X})
both("cross_entropy", function(a) return F.cross_entropy(a, T) end, {X})
both("cross_entropy label_smoothing", function(a)
	return F.cross_entropy(a, T, {weight = CW, label_smoothing = 0.2, ignore_index = 4}) end, {X})
both("cross_entropy probabilities", function(a, b) return F.cross_entropy(a, b:softmax(2)) end, {X, Y})
both("layer_norm", function(a, w, b) return F.layer_norm(a, {2}, w, b) end, {X, W2, B2})
both("layer_norm two dims", function(a) return F.layer_norm(a, {4, 2}) end, {X})
both("rms_norm", function(a, w) return F.rms_norm(a, {2}, w) end, {X, W2})
both("group_norm", function(a, w, b) return F.group_norm(a, 2, w, b) end, {X, W4, B4})
both("batch_norm training", function(a, w, b) return F.batch_norm(a, nil, nil, w, b, true) end, {X, W4, B4})
local RM, RV = torch.randn(4, f64), torch.rand(4, f64) + 0.5
both("batch_norm eval", function(a, w, b) return F.batch_norm(a, RM, RV, w, b, false) end, {X, W4, B4})
both("instance_norm", function(a) return F.instance_norm(a) end, {X})
both("mse_loss", function(a, b) return F.mse_loss(a, b) end, {X, Y})
both("smooth_l1_loss", function(a, b) return F.smooth_l1_loss(a, b, {beta = 0.5, reduction = "sum"}) end, {X, Y})
both("huber_loss", function(a, b) return F.huber_loss(a, b, {delta = 0.6, reduction = "none"}) end, {X, Y})
both("binary_cross_entropy", function(a, b)
	return F.binary_cross_entropy(a:sigmoid(), b:sigmoid(), {weight = W2:detach()}) end, {X, Y})
both("binary_cross_entropy_with_logits", function(a, b)
	return F.binary_cross_entropy_with_logits(a, b:sigmoid(), {pos_weight = W2:detach():abs()}) end, {X, Y})
both("kl_div", function(a, b) return F.kl_div(a:log_softmax(2), b:softmax(2), {reduction = "batchmean"}) end, {X, Y})
both("cosine_similarity", function(a, b) return F.cosine_similarity(a, b) end, {X, Y})
-- (padding_idx's row gets no gradient by design, so gradcheck uses another)
both("embedding", function(w) return F.embedding(torch.tensor({{1, 3}, {3, 2}}), w, 4) end,
	{torch.randn(4, 3, f64):requires_grad_()})

-- the fused backward nodes
local s = X:softmax(2)
local g = torch.autograd.grad({(s * Y:detach()):sum()}, {X}, {create_graph = true})[1]
t.is(g.grad_fn:name(), "SoftmaxBackwardDataBackward0", "softmax's gradient is PyTorch's _softmax_backward_data")
g = torch.autograd.grad({(X:log_softmax(2) * Y:detach()):sum()}, {X}, {create_graph = true})[1]
t.is(g.grad_fn:name(), "LogSoftmaxBackwardDataBackward0", "and log_softmax's")
g = torch.autograd.grad({F.nll_loss(X, T)}, {X}, {create_graph = true})[1]
t.is(g.grad_fn:name(), "NllLoss2DBackwardBackward0", "nll_loss's gradient is nll_loss_backward's node")

-- ------------------------------------------------------------ dtypes

local xb = torch.randn(2, 3):to(torch.bfloat16)
t.is(xb:softmax(2).dtype, torch.bfloat16, "softmax takes bfloat16 (computed in float32)")
t.near(F.layer_norm(xb, {3}):float():tolist(), F.layer_norm(xb:float(), {3}):to(torch.bfloat16):float():tolist(),
	1e-2, "layer_norm in bfloat16 rounds float32's result")
-- float16 as bfloat16 (issue 13): float32 inside, rounded on store
local xh = torch.randn(2, 3):half()
t.is(xh:softmax(2):float():tolist(), xh:float():softmax(2):half():float():tolist(),
	"softmax takes float16: float32's result rounded")
t.is(xh:log_softmax(1):float():tolist(), xh:float():log_softmax(1):half():float():tolist(),
	"log_softmax over another dim too")
t.raises(function() torch.ones(2, 3, {dtype = torch.int64}):softmax(2) end,
	"\"softmax_lastdim_kernel_impl\" not implemented for 'Long'", "and integers")
t.is(F.layer_norm(xh, {3}).dtype, torch.float16, "layer_norm takes float16")
t.near(F.layer_norm(xh, {3}):float():tolist(), F.layer_norm(xh:float(), {3}):half():float():tolist(),
	2e-3, "layer_norm in float16 rounds float32's result")
t.raises(function() F.layer_norm(torch.ones(2, 3, {dtype = torch.int64}), {3}) end,
	"\"LayerNormKernelImpl\" not implemented for 'Long'", "layer_norm refuses integers")
local sm64 = torch.randn(5, 7, f64)
t.near(F.softmax(sm64:float(), 2, {dtype = torch.float64}):tolist(), F.softmax(sm64:float():double(), 2):tolist(), 1e-12,
	"softmax's dtype keyword converts first")

-- ------------------------------------------------------------ errors

local x = torch.randn(3, 4)
t.raises(function() F.nll_loss(x, torch.tensor({1, 2, 7})) end, "Target 7 is out of bounds.",
	"nll_loss: target out of range, counted from 1")
t.raises(function() F.nll_loss(x, torch.tensor({1, 0, 2})) end, "Target 0 is out of bounds.",
	"nll_loss: target 0 (agdb's classes start at 1)")
t.raises(function() F.nll_loss(x, torch.tensor({1, 2})) end,
	"Expected input batch_size (3) to match target batch_size (2).", "nll_loss batch sizes")
t.raises(function() F.nll_loss(x, torch.tensor({1.0, 2.0, 3.0})) end,
	"expected scalar type Long but found Float", "nll_loss float target")
for _, c in ipairs({{torch.bfloat16, "BFloat16"}, {torch.float16, "Half"}, {torch.int32, "Int"},
		{torch.float64, "Double"}, {torch.bool, "Bool"}}) do
	t.raises(function() F.nll_loss(x, torch.tensor({1, 2, 3}):to(c[1])) end,
		"expected scalar type Long but found " .. c[2], "nll_loss " .. c[2] .. " target")
end
t.raises(function() F.cross_entropy(x, torch.tensor({1, 2, 3}), {reduction = "bad"}) end,
	"bad is not a valid value for reduction", "bad reduction")
t.raises(function() x:softmax(3) end, "Dimension out of range", "softmax dim out of range")
t.raises(function() F.layer_norm(x, {3}) end,
	"Given normalized_shape=[3], expected input with shape [*, 3], but got input of size[3, 4]",
	"layer_norm shape")
t.raises(function() F.group_norm(torch.randn(2, 3, 4), 2) end,
	"Expected number of channels in input to be divisible by num_groups", "group_norm groups")
t.raises(function() F.batch_norm(torch.randn(1, 3), nil, nil, nil, nil, true) end,
	"Expected more than 1 value per channel when training, got input size", "batch_norm one value")
t.raises(function() F.batch_norm(torch.randn(2, 3), torch.zeros(4), torch.ones(4)) end,
	"running_mean should contain 3 elements not 4", "batch_norm running stats size")
t.raises(function() F.embedding(torch.tensor({1, 6}), torch.randn(5, 2)) end,
	"index out of range in self", "embedding index")
t.raises(function() F.embedding(torch.tensor({0}), torch.randn(5, 2)) end,
	"index out of range in self", "embedding index 0")
-- int32 indices, which PyTorch takes as well as int64: the same rows,
-- the same gradient (padding_idx's row left out), the same range check
do
	local w = torch.randn(5, 3, {requires_grad = true})
	local i64 = torch.tensor({{1, 3}, {5, 3}})
	local i32 = i64:to(torch.int32)
	local y64, y32 = F.embedding(i64, w, 3), F.embedding(i32, w, 3)
	t.ok(torch.equal(y32, y64), "embedding int32 indices: the rows of int64's")
	y64:pow(2):sum():backward()
	local g64 = w.grad:clone()
	w.grad = nil
	y32:pow(2):sum():backward()
	t.ok(torch.equal(w.grad, g64) and g64[3]:abs():sum():item() == 0,
		"embedding int32 indices: int64's gradient, padding row 0")
	local e = torch.nn.Embedding(5, 3)
	t.is(e(i32):size(), torch.Size({2, 2, 3}), "nn.Embedding takes int32 indices")
	t.raises(function() F.embedding(torch.tensor({6}, {dtype = torch.int32}), w) end,
		"index out of range in self", "embedding int32 index range")
	t.raises(function() F.embedding(torch.tensor({1}, {dtype = torch.int16}), w) end,
		"Expected tensor for argument #1 'indices' to have one of the following scalar "
		.. "types: Long, Int; but got torch.ShortTensor instead (while checking "
		.. "arguments for embedding)", "embedding int16 indices refused")
	t.raises(function() F.embedding(torch.tensor({1.0}), w) end,
		"but got torch.FloatTensor instead", "embedding float indices refused")
end
t.raises(function() F.binary_cross_entropy_with_logits(x, torch.rand(3)) end,
	"Target size (torch.Size([3])) must be the same as input size (torch.Size([3, 4]))", "bce_with_logits sizes")
t.raises(function() F.cross_entropy(x, torch.tensor({1, 2, 3}), {label_smoothing = 1.5}) end,
	"label_smoothing must be between 0.0 and 1.0", "label_smoothing range")

-- ------------------------------------------------------------ modules = functional

local function same_as_functional(name, m, fn, input, extra)
	local a = input:clone():requires_grad_()
	local b = input:clone():requires_grad_()
	local params = m:parameters()
	for _, p in ipairs(params) do p.grad = nil end
	local ya = m(a, extra)
	local yb = fn(b, extra)
	t.is(ya:tolist(), yb:tolist(), name .. ": module and functional give the same output")
	local k = torch.arange(ya:numel() * 1.0):reshape(ya.shape):cos()
	;(ya * k):sum():backward()
	local ga = {a.grad:tolist()}
	for _, p in ipairs(params) do ga[#ga + 1] = p.grad:tolist(); p.grad = nil end
	;(yb * k):sum():backward()
	local gb = {b.grad:tolist()}
	for _, p in ipairs(params) do gb[#gb + 1] = p.grad and p.grad:tolist() end
	t.is(ga, gb, name .. ": and the same gradients")
end

torch.manual_seed(1)
local xin = torch.randn(4, 6, 5)
same_as_functional("Softmax", nn.Softmax(2), function(v) return F.softmax(v, 2) end, xin)
same_as_functional("LogSoftmax", nn.LogSoftmax(-1), function(v) return F.log_softmax(v, -1) end, xin)
local ln = nn.LayerNorm(5)
torch.no_grad(function() ln.weight:copy_(torch.randn(5)); ln.bias:copy_(torch.randn(5)) end)
same_as_functional("LayerNorm", ln, function(v) return F.layer_norm(v, {5}, ln.weight, ln.bias) end, xin)
local rms = nn.RMSNorm({6, 5}, {eps = 1e-5})
same_as_functional("RMSNorm", rms, function(v) return F.rms_norm(v, {6, 5}, rms.weight, 1e-5) end, xin)
local gn = nn.GroupNorm(3, 6)
same_as_functional("GroupNorm", gn, function(v) return F.group_norm(v, 3, gn.weight, gn.bias) end, xin)
local bn = nn.BatchNorm1d(6)
same_as_functional("BatchNorm1d", bn, function(v)
	return F.batch_norm(v, nil, nil, bn.weight, bn.bias, true) end, xin)
t.is(bn.num_batches_tracked:item(), 1, "BatchNorm counts its batches")
t.near(bn.running_mean:tolist(), (xin:mean({1, 3}) * 0.1):tolist(), 1e-5, "and moves its running mean by momentum")
bn:eval()
same_as_functional("BatchNorm1d eval", bn, function(v)
	return F.batch_norm(v, bn.running_mean, bn.running_var, bn.weight, bn.bias, false) end, xin)
local bn2 = nn.BatchNorm2d(6, {momentum = false})
bn2(torch.randn(2, 6, 3, 3)); bn2(torch.randn(2, 6, 3, 3))
t.is(bn2.num_batches_tracked:item(), 2, "BatchNorm2d with momentum=None: a cumulative average")
t.raises(function() bn2(torch.randn(2, 6, 3)) end, "expected 4D input (got 3D input)", "BatchNorm2d wants 4-d")
local inn = nn.InstanceNorm1d(6)
same_as_functional("InstanceNorm1d", inn, function(v) return F.instance_norm(v) end, xin)
local inn2 = nn.InstanceNorm2d(4, {affine = true})
same_as_functional("InstanceNorm2d", inn2, function(v)
	return F.instance_norm(v, nil, nil, inn2.weight, inn2.bias) end, torch.randn(2, 4, 3, 3))
local drop = nn.Dropout(0.3)
torch.manual_seed(5)
local da = drop(xin)
torch.manual_seed(5)
t.is(da:tolist(), F.dropout(xin, 0.3):tolist(), "Dropout in training = F.dropout with the same seed")
drop:eval()
t.ok(drop(xin) == xin, "Dropout in eval is the identity")
local emb = nn.Embedding(7, 5, {padding_idx = 3})
t.is(emb.weight[3]:abs():sum():item(), 0.0, "Embedding zeroes padding_idx's row")
local idx = torch.tensor({{1, 3, 7}, {3, 2, 1}})
local ea = emb(idx)
t.is(ea:tolist(), F.embedding(idx, emb.weight, 3):tolist(), "Embedding = F.embedding")
ea:sum():backward()
t.is(emb.weight.grad[3]:abs():sum():item(), 0.0, "padding_idx's row gets no gradient")
t.is(emb.weight.grad[1]:tolist(), {2, 2, 2, 2, 2}, "a row used twice gets two")

-- loss modules
local inp = torch.randn(5, 4)
local tgt = torch.tensor({1, 4, 2, 2, 3})
local cw = torch.rand(4) + 0.5
local function same_loss(name, m, fn, a, b)
	t.is(m(a, b):tolist(), fn(a, b):tolist(), name .. " = its functional twin")
end
same_loss("CrossEntropyLoss", nn.CrossEntropyLoss({weight = cw, label_smoothing = 0.1, ignore_index = 2}),
	function(a, b) return F.cross_entropy(a, b, {weight = cw, label_smoothing = 0.1, ignore_index = 2}) end, inp, tgt)
same_loss("NLLLoss", nn.NLLLoss(cw, {reduction = "sum"}),
	function(a, b) return F.nll_loss(a, b, cw, {reduction = "sum"}) end, inp:log_softmax(2), tgt)
local prob = torch.rand(5, 4)
same_loss("BCELoss", nn.BCELoss({reduction = "none"}),
	function(a, b) return F.binary_cross_entropy(a, b, {reduction = "none"}) end, inp:sigmoid(), prob)
same_loss("BCEWithLogitsLoss", nn.BCEWithLogitsLoss({pos_weight = cw}),
	function(a, b) return F.binary_cross_entropy_with_logits(a, b, {pos_weight = cw}) end, inp, prob)
same_loss("KLDivLoss", nn.KLDivLoss({reduction = "batchmean"}),
	function(a, b) return F.kl_div(a, b, {reduction = "batchmean"}) end, inp:log_softmax(2), prob:softmax(2))
same_loss("SmoothL1Loss", nn.SmoothL1Loss({beta = 0.3}),
	function(a, b) return F.smooth_l1_loss(a, b, {beta = 0.3}) end, inp, prob)
same_loss("HuberLoss", nn.HuberLoss({delta = 0.3}),
	function(a, b) return F.huber_loss(a, b, {delta = 0.3}) end, inp, prob)
same_loss("MSELoss", nn.MSELoss(), F.mse_loss, inp, prob)
local ce = nn.CrossEntropyLoss(cw)
local keys = {}
for _, e in ipairs(ce:named_buffers()) do keys[#keys + 1] = e[1] end
t.is(keys, {"weight"}, "CrossEntropyLoss keeps weight as a buffer, as PyTorch")

-- tanhshrink: PyTorch's composite
case("act_tanhshrink", function(x) return F.tanhshrink(x) end)
local xin = torch.randn(3, 5)
t.is(nn.Tanhshrink()(xin):tolist(), F.tanhshrink(xin):tolist(), "nn.Tanhshrink = F.tanhshrink")

-- reprs
t.is(tostring(nn.BatchNorm2d(3)), "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
	"BatchNorm2d repr")
t.is(tostring(nn.LayerNorm({2, 3}, {eps = 1e-6})), "LayerNorm((2, 3), eps=1e-06, elementwise_affine=True)",
	"LayerNorm repr")
t.is(tostring(nn.GroupNorm(2, 4)), "GroupNorm(2, 4, eps=1e-05, affine=True)", "GroupNorm repr")
t.is(tostring(nn.InstanceNorm1d(3)),
	"InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)", "InstanceNorm1d repr")
t.is(tostring(nn.Dropout(0.3)), "Dropout(p=0.3, inplace=False)", "Dropout repr")
t.is(tostring(nn.Embedding(10, 3, {padding_idx = 1})), "Embedding(10, 3, padding_idx=1)", "Embedding repr")
t.is(tostring(nn.Softmax(2)), "Softmax(dim=2)", "Softmax repr")
t.is(tostring(nn.CrossEntropyLoss()), "CrossEntropyLoss()", "CrossEntropyLoss repr")
t.done()
