-- torch.nn.functional (the REPL's F) - the stateless twins of the modules.
--
-- Same names and arguments as PyTorch; keyword options in a trailing table
-- (F.relu(x, {inplace=true}), F.mse_loss(a, b, {reduction="sum"})); dims
-- 1-based.  Each function here is built from core's ops (the nn ones:
-- softmax, the losses, the normalisations, embedding) with PyTorch's
-- argument checks and error texts.
local torch = require "torch"

local F = {}

-- ------------------------------------------------------------ helpers

-- PyTorch's warnings, once per message and place (as Python's are).
local warned = {}
local function warn(msg, level)
	local info = debug.getinfo((level or 2) + 1, "Sl")
	local where = info and (info.short_src .. ":" .. (info.currentline or 0) .. ": ") or ""
	local key = where .. msg
	if warned[key] then return end
	warned[key] = true
	io.stderr:write(where, "UserWarning: ", msg, "\n")
	io.stderr:flush()
end
F._warn = warn

-- An option that PyTorch takes positionally or by keyword: f(x, true) or
-- f(x, {inplace=true}).
local function opt(v, key, default)
	if type(v) == "table" and not torch.is_tensor(v) then v = v[key] end
	if v == nil then return default end
	return v
end

local function reduce(loss, reduction)
	if reduction == "mean" then return loss:mean() end
	if reduction == "sum" then return loss:sum() end
	if reduction == "none" then return loss end
	error(tostring(reduction) .. " is not a valid value for reduction", 3)
end
F._reduce = reduce

local function check_tensor(v, fname, i)
	if not torch.is_tensor(v) then
		error(("%s(): argument %d must be a Tensor, got %s"):format(fname, i, type(v)), 3)
	end
end

-- ------------------------------------------------------------ linear

-- y = x W^T + b
function F.linear(input, weight, bias)
	check_tensor(input, "linear", 1)
	check_tensor(weight, "linear", 2)
	if bias ~= nil and weight:dim() == 2 then
		-- PyTorch 1.13's linear: addmm for a matrix, and for a contiguous
		-- 3-d input addmm over its folded rows (AddmmBackward0, ViewBackward0)
		if input:dim() == 2 then return torch.addmm(bias, input, weight:t()) end
		if input:dim() == 3 and input:is_contiguous() and bias:dim() == 1 then
			local n1, n2 = input:size(1), input:size(2)
			return torch.addmm(bias, input:view(n1 * n2, input:size(3)), weight:t())
				:view(n1, n2, weight:size(1))
		end
	end
	local out = input:matmul(weight:t())
	if bias ~= nil then out = out + bias end
	return out
end

-- y[n, o] = x1[n, :] W[o, :, :] x2[n, :] + b[o], over any leading dims.
function F.bilinear(input1, input2, weight, bias)
	check_tensor(input1, "bilinear", 1)
	check_tensor(input2, "bilinear", 2)
	check_tensor(weight, "bilinear", 3)
	if input1:dim() ~= input2:dim() then
		error(("bilinear(): input dimensions do not match: got %d and %d")
			:format(input1:dim(), input2:dim()), 2)
	end
	for d = 1, input1:dim() - 1 do
		if input1:size(d) ~= input2:size(d) then
			error(("bilinear(): input batch dimensions do not match: got %d and %d")
				:format(input1:size(d), input2:size(d)), 2)
		end
	end
	local h1, h2 = input1:size(-1), input2:size(-1)
	if h1 ~= weight:size(2) then
		error(("bilinear(): input1 size does not match weight size: got %d but expected %d")
			:format(h1, weight:size(2)), 2)
	end
	if h2 ~= weight:size(3) then
		error(("bilinear(): input2 size does not match weight size: got %d but expected %d")
			:format(h2, weight:size(3)), 2)
	end
	local o = weight:size(1)
	local lead = {}
	for d = 1, input1:dim() - 1 do lead[d] = input1:size(d) end
	local x1, x2 = input1:reshape(-1, h1), input2:reshape(-1, h2)
	local w = weight:permute(2, 1, 3):reshape(h1, o * h2)
	local t = x1:matmul(w):view(x1:size(1), o, h2)
	local out = (t * x2:unsqueeze(2)):sum(3)
	lead[#lead + 1] = o
	out = out:reshape(table.unpack(lead))
	-- the bias comes last, as PyTorch's node (AddBackward0) says
	if bias ~= nil then out = out + bias end
	return out
end

-- ------------------------------------------------------------ activations

-- Keywords of a trailing table: f(x, dim, {dtype=...}) or f(x, {dim=..}).
-- A table with a list part is a positional sequence, not keywords:
-- F.max_pool2d(x, {2, 2}) is PyTorch's max_pool2d(x, (2, 2)).
local function kwargs(...)
	local n = select("#", ...)
	while n > 0 and select(n, ...) == nil do n = n - 1 end
	local last = n > 0 and select(n, ...) or nil
	if type(last) == "table" and not torch.is_tensor(last) and getmetatable(last) == nil
		and last[1] == nil then
		return last, n - 1
	end
	return {}, n
end


function F.relu(input, inplace)
	check_tensor(input, "relu", 1)
	if opt(inplace, "inplace", false) then return input:relu_() end
	return input:relu()
end

function F.relu_(input)
	check_tensor(input, "relu_", 1)
	return input:relu_()
end

function F.tanh(input)
	check_tensor(input, "tanh", 1)
	return input:tanh()
end

function F.sigmoid(input)
	check_tensor(input, "sigmoid", 1)
	return input:sigmoid()
end

-- tanhshrink(x) = x - tanh(x), PyTorch's composite (SubBackward0)
function F.tanhshrink(input)
	check_tensor(input, "tanhshrink", 1)
	return input - input:tanh()
end

-- ------------------------------------------------------------ softmax

local function softmax_like(name, input, dim, ...)
	check_tensor(input, name, 1)
	local kw = kwargs(dim, ...)
	if type(dim) == "table" then dim = kw.dim end
	if dim == nil then
		error(name .. "(): give the dim (PyTorch's implicit dim choice is deprecated)", 3)
	end
	local x = input
	if kw.dtype ~= nil then x = x:to(kw.dtype) end
	return x[name](x, dim)
end

function F.softmax(input, dim, ...) return softmax_like("softmax", input, dim, ...) end
function F.log_softmax(input, dim, ...) return softmax_like("log_softmax", input, dim, ...) end
function F.softmin(input, dim, ...)
	check_tensor(input, "softmin", 1)
	return softmax_like("softmax", -input, dim, ...)
end

-- ------------------------------------------------------------ dropout

-- F.dropout(x, p=0.5, training=true, inplace=false), positionally or as
-- keywords.  PyTorch 1.13's CPU recipe: a mask drawn with bernoulli_(1 - p)
-- and divided by 1 - p, then x * mask (MulBackward0); eval or p = 0 gives
-- x itself.  Stateless: the training flag is the caller's.
function F.dropout(input, p, training, inplace)
	check_tensor(input, "dropout", 1)
	local kw = type(p) == "table" and p or (type(training) == "table" and training)
		or (type(inplace) == "table" and inplace) or nil
	if type(p) ~= "number" then p = nil end
	if type(training) ~= "boolean" then training = nil end
	if type(inplace) ~= "boolean" then inplace = nil end
	if kw then
		if kw.p ~= nil then p = kw.p end
		if kw.training ~= nil then training = kw.training end
		if kw.inplace ~= nil then inplace = kw.inplace end
	end
	p = p == nil and 0.5 or p
	if training == nil then training = true end
	if p < 0 or p > 1 then
		error("dropout probability has to be between 0 and 1, but got " .. tostring(p), 2)
	end
	if p == 0 or not training or input:numel() == 0 then return input end
	local noise
	if p == 1 then
		noise = torch.zeros({}, {dtype = input.dtype})
	else
		noise = torch.empty_like(input):bernoulli_(1 - p)
		noise:div_(1 - p)
	end
	if inplace then return input:mul_(noise) end
	return input * noise
end

-- ------------------------------------------------------------ losses

local function check_sizes(input, target)
	if input.shape ~= target.shape then
		warn(("Using a target size (%s) that is different to the input size (%s). " ..
			"This will likely lead to incorrect results due to broadcasting. " ..
			"Please ensure they have the same size."):format(tostring(target.shape),
			tostring(input.shape)), 3)
	end
end

function F.mse_loss(input, target, opts)
	check_tensor(input, "mse_loss", 1)
	check_tensor(target, "mse_loss", 2)
	check_sizes(input, target)
	return torch._C.nn_loss("mse_loss", input, target, nil, nil, opt(opts, "reduction", "mean"))
end

function F.l1_loss(input, target, opts)
	check_tensor(input, "l1_loss", 1)
	check_tensor(target, "l1_loss", 2)
	check_sizes(input, target)
	return reduce((input - target):abs(), opt(opts, "reduction", "mean"))
end

-- Options of the class losses: weight (positionally third or a keyword),
-- reduction, ignore_index (a 1-based class; -100 by default, as PyTorch),
-- label_smoothing.
local function class_opts(fname, weight, opts)
	if type(weight) == "table" and not torch.is_tensor(weight) then
		opts, weight = weight, nil
	end
	opts = opts or {}
	for k in pairs(opts) do
		if k ~= "weight" and k ~= "reduction" and k ~= "ignore_index" and
			k ~= "label_smoothing" and k ~= "size_average" and k ~= "reduce" then
			error(("%s() got an unexpected keyword argument '%s'"):format(fname, k), 3)
		end
	end
	weight = weight or opts.weight
	if weight ~= nil then check_tensor(weight, fname, 3) end
	local reduction = opts.reduction or "mean"
	if reduction ~= "mean" and reduction ~= "sum" and reduction ~= "none" then
		error(tostring(reduction) .. " is not a valid value for reduction", 3)
	end
	return weight, reduction, opts.ignore_index or -100, opts.label_smoothing or 0.0
end

-- F.nll_loss(input, target [, weight], {weight, ignore_index, reduction}):
-- input [N, C, ...] of log-probabilities, target of 1-based classes.
function F.nll_loss(input, target, weight, opts)
	check_tensor(input, "nll_loss", 1)
	check_tensor(target, "nll_loss", 2)
	local w, reduction, ii = class_opts("nll_loss", weight, opts)
	if input:dim() == 1 and target:dim() ~= 0 and target:dim() ~= 1 or
		input:dim() >= 2 and target:dim() == 0 then
		error("0D or 1D target tensor expected, multi-target not supported", 2)
	end
	local out = torch._C.nn_nll_loss(input, target, w, reduction, ii)
	-- PyTorch's nll_loss_nd views a 3-d or 5-d+ input's result back
	if reduction == "none" and (input:dim() == 3 or input:dim() > 4) then
		out = out:view(out.shape)
	end
	return out
end

-- F.cross_entropy(input, target [, weight], {weight, ignore_index,
-- reduction, label_smoothing}): log_softmax then nll_loss for class
-- targets (1-based); class probabilities when target is a float tensor
-- shaped like input.  PyTorch 1.13's formulas, label smoothing included.
function F.cross_entropy(input, target, weight, opts)
	check_tensor(input, "cross_entropy", 1)
	check_tensor(target, "cross_entropy", 2)
	local w, reduction, ii, ls = class_opts("cross_entropy", weight, opts)
	if ls < 0 or ls > 1 then
		error(("label_smoothing must be between 0.0 and 1.0. Got: %g"):format(ls), 2)
	end
	local cdim = input:dim() == 1 and 1 or 2
	local C = input:size(cdim)
	local lsm = input:log_softmax(cdim)
	local wshape
	if w ~= nil then
		wshape = {}
		for d = 1, input:dim() do wshape[d] = d == cdim and C or 1 end
	end
	if target.dtype ~= torch.int64 then
		-- class probabilities
		if target.shape ~= input.shape then
			error(("Expected target size %s, got %s"):format(tostring(input.shape),
				tostring(target.shape)):gsub("torch.Size%(", ""):gsub("%)", ""), 2)
		end
		if ls > 0 then target = target * (1 - ls) + ls / C end
		local prod = lsm * target
		if w ~= nil then prod = prod * w:view(table.unpack(wshape)) end
		if reduction == "mean" then
			-- PyTorch divides by the batch size as a C++ Scalar: DivBackward1
			return torch._C.div_scalar(-prod:sum(), input:numel() / C)
		elseif reduction == "sum" then
			return -prod:sum()
		end
		return -prod:sum(cdim)
	end
	local nll = F.nll_loss(lsm, target, w, {reduction = reduction, ignore_index = ii})
	if ls <= 0 then return nll end
	local keep = target:ne(ii):to(input.dtype)
	local smooth
	if w ~= nil then
		smooth = -(lsm * w:view(table.unpack(wshape))):sum(cdim)
	else
		smooth = -lsm:sum(cdim)
	end
	smooth = smooth * keep
	local ret
	if reduction == "mean" then
		if w ~= nil then
			local safe = torch.where(target:ne(ii), target, torch.ones_like(target))
			local tw = (w:index_select(1, safe:reshape(-1)) * keep:reshape(-1)):sum()
			ret = smooth:sum() / tw
		else
			ret = smooth:sum() / keep:sum()
		end
	elseif reduction == "sum" then
		ret = smooth:sum()
	else
		ret = smooth
	end
	return nll * (1 - ls) + ret * (ls / C)
end

-- ------------------------------------------------------------ normalisation

local function shape_list(s, fname)
	if type(s) == "number" then return {s} end
	if torch.is_tensor(s) then s = s:tolist() end
	local r = {}
	for i = 1, #s do r[i] = s[i] end
	return r
end

-- F.layer_norm(input, normalized_shape, weight, bias, eps=1e-5)
function F.layer_norm(input, normalized_shape, weight, bias, eps)
	check_tensor(input, "layer_norm", 1)
	local kw = kwargs(normalized_shape, weight, bias, eps)
	if type(weight) == "table" and not torch.is_tensor(weight) then weight = nil end
	if type(bias) == "table" and not torch.is_tensor(bias) then bias = nil end
	if type(eps) ~= "number" then eps = nil end
	weight = weight or kw.weight
	bias = bias or kw.bias
	eps = eps or kw.eps or 1e-5
	return torch._C.nn_layer_norm(input, shape_list(normalized_shape, "layer_norm"),
		weight, bias, eps)
end

-- F.rms_norm(input, normalized_shape, weight, eps): as PyTorch 2.x
-- defines it (1.13 has none): x * rsqrt(mean(x^2 over the normalised
-- dims) + eps) * weight, eps defaulting to the dtype's machine epsilon.
function F.rms_norm(input, normalized_shape, weight, eps)
	check_tensor(input, "rms_norm", 1)
	local kw = kwargs(normalized_shape, weight, eps)
	if type(weight) == "table" and not torch.is_tensor(weight) then weight = nil end
	if type(eps) ~= "number" then eps = nil end
	weight = weight or kw.weight
	eps = eps or kw.eps
	local shape = shape_list(normalized_shape, "rms_norm")
	local nd = #shape
	local ok = input:dim() >= nd
	for i = 1, nd do
		ok = ok and input:size(input:dim() - nd + i) == shape[i]
	end
	if not ok then
		error(("Given normalized_shape=[%s], expected input with shape [*, %s], but got input of size%s")
			:format(table.concat(shape, ", "), table.concat(shape, ", "),
				tostring(input.shape):gsub("torch.Size%(", ""):gsub("%)$", "")), 2)
	end
	if eps == nil then
		eps = input.dtype == torch.float64 and 2.220446049250313e-16 or
			input.dtype == torch.float16 and 0.0009765625 or
			input.dtype == torch.bfloat16 and 0.0078125 or 1.1920928955078125e-07
	end
	local dims = {}
	for i = 1, nd do dims[i] = input:dim() - nd + i end
	local ms = (input * input):mean(dims, true)
	local out = input * (ms + eps):pow(-0.5)
	if weight ~= nil then out = out * weight end
	return out
end

-- F.group_norm(input, num_groups, weight, bias, eps=1e-5)
function F.group_norm(input, num_groups, weight, bias, eps)
	check_tensor(input, "group_norm", 1)
	local kw = kwargs(num_groups, weight, bias, eps)
	if type(weight) == "table" and not torch.is_tensor(weight) then weight = nil end
	if type(bias) == "table" and not torch.is_tensor(bias) then bias = nil end
	if type(eps) ~= "number" then eps = nil end
	return torch._C.nn_group_norm(input, num_groups, weight or kw.weight,
		bias or kw.bias, eps or kw.eps or 1e-5)
end

local function verify_batch_size(input)
	local n = input:size(1)
	for d = 3, input:dim() do n = n * input:size(d) end
	if n == 1 then
		error("Expected more than 1 value per channel when training, got input size " ..
			tostring(input.shape), 3)
	end
end

-- F.batch_norm(input, running_mean, running_var, weight, bias,
-- training=false, momentum=0.1, eps=1e-5): training normalises with the
-- batch's statistics and updates the running ones in place; eval uses them.
function F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
	check_tensor(input, "batch_norm", 1)
	local kw = kwargs(running_mean, running_var, weight, bias, training, momentum, eps)
	local function t(v) if torch.is_tensor(v) then return v end end
	weight = t(weight) or kw.weight
	bias = t(bias) or kw.bias
	if type(training) ~= "boolean" then training = kw.training or false end
	if type(momentum) ~= "number" then momentum = kw.momentum or 0.1 end
	if type(eps) ~= "number" then eps = kw.eps or 1e-5 end
	if training then verify_batch_size(input) end
	return torch._C.nn_batch_norm(input, t(running_mean), t(running_var), weight, bias,
		training, momentum, eps)
end

-- F.instance_norm(input, running_mean, running_var, weight, bias,
-- use_input_stats=true, momentum=0.1, eps=1e-5): batch_norm of the input
-- seen as [1, N*C, ...], as PyTorch computes it.
function F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
	check_tensor(input, "instance_norm", 1)
	local kw = kwargs(running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
	local function t(v) if torch.is_tensor(v) then return v end end
	running_mean, running_var = t(running_mean), t(running_var)
	weight = t(weight) or kw.weight
	bias = t(bias) or kw.bias
	if type(use_input_stats) ~= "boolean" then
		use_input_stats = kw.use_input_stats
		if use_input_stats == nil then use_input_stats = true end
	end
	if type(momentum) ~= "number" then momentum = kw.momentum or 0.1 end
	if type(eps) ~= "number" then eps = kw.eps or 1e-5 end
	if use_input_stats then
		local n = 1
		for d = 3, input:dim() do n = n * input:size(d) end
		if n == 1 then
			error("Expected more than 1 spatial element when training, got input size " ..
				tostring(input.shape), 2)
		end
	end
	local N, C = input:size(1), input:size(2)
	local shape = {1, N * C}
	for d = 3, input:dim() do shape[#shape + 1] = input:size(d) end
	local x = input:contiguous():view(table.unpack(shape))
	local function rep(v)
		if v == nil then return nil end
		local parts = {}
		for i = 1, N do parts[i] = v end
		return torch.cat(parts)
	end
	local rm, rv = rep(running_mean), rep(running_var)
	local out = torch._C.nn_batch_norm(x, rm, rv, rep(weight), rep(bias),
		use_input_stats, momentum, eps)
	if use_input_stats then
		torch.no_grad(function()
			if running_mean then running_mean:copy_(rm:view(N, C):mean(1)) end
			if running_var then running_var:copy_(rv:view(N, C):mean(1)) end
		end)
	end
	return out:view_as(input)
end

-- F.smooth_l1_loss(input, target, {reduction, beta=1})
function F.smooth_l1_loss(input, target, opts)
	check_tensor(input, "smooth_l1_loss", 1)
	check_tensor(target, "smooth_l1_loss", 2)
	check_sizes(input, target)
	local beta = opt(opts, "beta", 1.0)
	if beta < 0 then error("smooth_l1_loss does not support negative values for beta.", 2) end
	return torch._C.nn_loss("smooth_l1_loss", input, target, nil, nil,
		opt(opts, "reduction", "mean"), beta)
end

-- F.huber_loss(input, target, {reduction, delta=1})
function F.huber_loss(input, target, opts)
	check_tensor(input, "huber_loss", 1)
	check_tensor(target, "huber_loss", 2)
	check_sizes(input, target)
	local delta = opt(opts, "delta", 1.0)
	if delta <= 0 then error("huber_loss does not support non-positive values for delta.", 2) end
	return torch._C.nn_loss("huber_loss", input, target, nil, nil,
		opt(opts, "reduction", "mean"), delta)
end

-- F.binary_cross_entropy(input, target [, weight], {weight, reduction})
function F.binary_cross_entropy(input, target, weight, opts)
	check_tensor(input, "binary_cross_entropy", 1)
	check_tensor(target, "binary_cross_entropy", 2)
	if type(weight) == "table" and not torch.is_tensor(weight) then opts, weight = weight, nil end
	weight = weight or opt(opts, "weight", nil)
	if target.shape ~= input.shape then
		error(("Using a target size (%s) that is different to the input size (%s) is deprecated. " ..
			"Please ensure they have the same size."):format(tostring(target.shape),
			tostring(input.shape)), 2)
	end
	return torch._C.nn_loss("binary_cross_entropy", input, target, weight, nil,
		opt(opts, "reduction", "mean"))
end

-- F.binary_cross_entropy_with_logits(input, target [, weight],
-- {weight, reduction, pos_weight})
function F.binary_cross_entropy_with_logits(input, target, weight, opts)
	check_tensor(input, "binary_cross_entropy_with_logits", 1)
	check_tensor(target, "binary_cross_entropy_with_logits", 2)
	if type(weight) == "table" and not torch.is_tensor(weight) then opts, weight = weight, nil end
	weight = weight or opt(opts, "weight", nil)
	if target.shape ~= input.shape then
		error(("Target size (%s) must be the same as input size (%s)"):format(
			tostring(target.shape), tostring(input.shape)), 2)
	end
	return torch._C.nn_loss("binary_cross_entropy_with_logits", input, target, weight,
		opt(opts, "pos_weight", nil), opt(opts, "reduction", "mean"))
end

-- F.kl_div(input, target, {reduction="mean", log_target=false}): input
-- is log-probabilities; PyTorch 1.13's composite (so its nodes are the
-- reduction's), "batchmean" dividing the sum by the batch size.
function F.kl_div(input, target, opts)
	check_tensor(input, "kl_div", 1)
	check_tensor(target, "kl_div", 2)
	local reduction = opt(opts, "reduction", "mean")
	if reduction == "mean" then
		warn("reduction: 'mean' divides the total loss by both the batch size and the support size." ..
			"'batchmean' divides only by the batch size, and aligns with the KL div math definition." ..
			"'mean' will be changed to behave the same as 'batchmean' in the next major release.", 2)
	end
	local pointwise
	if opt(opts, "log_target", false) then
		pointwise = target:exp() * (target - input)
	else
		-- xlogy(target, target) - target * input, 0 where target is 0
		local safe = torch.where(target:gt(0), target, torch.ones_like(target))
		pointwise = target * safe:log() - target * input
	end
	if reduction == "batchmean" then
		if input:dim() == 0 then return pointwise:sum() end
		return pointwise:sum() / input:size(1)
	end
	return reduce(pointwise, reduction)
end

-- F.cosine_similarity(x1, x2, dim=2, eps=1e-8): 1-based dim
function F.cosine_similarity(x1, x2, dim, eps)
	check_tensor(x1, "cosine_similarity", 1)
	check_tensor(x2, "cosine_similarity", 2)
	local kw = type(dim) == "table" and dim or (type(eps) == "table" and eps) or {}
	if type(dim) ~= "number" then dim = kw.dim end
	if type(eps) ~= "number" then eps = kw.eps end
	dim = dim or 2
	eps = eps or 1e-8
	local n1 = (x1 * x1):sum(dim, true):pow(0.5):clamp(eps)
	local n2 = (x2 * x2):sum(dim, true):pow(0.5):clamp(eps)
	return ((x1 / n1) * (x2 / n2)):sum(dim)
end

-- F.embedding(input, weight, padding_idx): rows of weight at the 1-based
-- indices of input; padding_idx (1-based, or negative from the end) gets
-- no gradient.  max_norm is not supported.
function F.embedding(input, weight, padding_idx, max_norm, ...)
	check_tensor(input, "embedding", 1)
	check_tensor(weight, "embedding", 2)
	local kw = type(padding_idx) == "table" and padding_idx or
		(type(max_norm) == "table" and max_norm) or {}
	if type(padding_idx) ~= "number" then padding_idx = kw.padding_idx end
	if type(max_norm) ~= "number" then max_norm = kw.max_norm end
	if max_norm ~= nil then
		error("embedding: max_norm is not supported in agdb yet", 2)
	end
	local n = weight:size(1)
	local pad = -1
	if padding_idx ~= nil then
		if padding_idx > 0 then
			if padding_idx > n then error("Padding_idx must be within num_embeddings", 2) end
			pad = padding_idx - 1
		elseif padding_idx < 0 then
			if padding_idx < -n then error("Padding_idx must be within num_embeddings", 2) end
			pad = n + padding_idx
		else
			error("embedding: padding_idx 0: agdb counts indices from 1", 2)
		end
	end
	return torch._C.nn_embedding(input, weight, pad)
end

-- ------------------------------------------------------------ convolution

-- An int or a sequence of n ints (PyTorch's _pair / _single).
local function tuple(v, n, fname, what)
	if type(v) == "number" then
		local r = {}
		for i = 1, n do r[i] = v end
		return r
	end
	if type(v) == "table" and #v == n then return v end
	if type(v) == "table" and #v == 1 then return tuple(v[1], n, fname, what) end
	error(("%s(): %s must be an int or a list of %d ints"):format(fname, what, n), 4)
end

-- F.conv1d / F.conv2d(input, weight, bias, stride, padding, dilation,
-- groups), positionally or as keywords; padding also "valid" or "same".
local function conv(nsp, input, weight, bias, stride, padding, dilation, groups, ...)
	local fname = "conv" .. nsp .. "d"
	local kw = kwargs(bias, stride, padding, dilation, groups, ...)
	local function arg(v, key, default)
		if type(v) == "table" and not torch.is_tensor(v) and v == kw then v = nil end
		if v == nil then v = kw[key] end
		if v == nil then v = default end
		return v
	end
	bias = arg(bias, "bias", nil)
	if bias ~= nil and not torch.is_tensor(bias) then bias = nil end
	stride = tuple(arg(stride, "stride", 1), nsp, fname, "stride")
	dilation = tuple(arg(dilation, "dilation", 1), nsp, fname, "dilation")
	groups = arg(groups, "groups", 1)
	padding = arg(padding, "padding", 0)
	check_tensor(input, fname, 1)
	check_tensor(weight, fname, 2)
	if type(padding) == "string" then
		if padding == "valid" then
			padding = tuple(0, nsp)
		elseif padding == "same" then
			for i = 1, nsp do
				if stride[i] ~= 1 then
					error("padding='same' is not supported for strided convolutions", 3)
				end
			end
			-- an odd total is split as PyTorch does: the extra one on
			-- the right, by F.pad (ConstantPadNdBackward0)
			local p, extra, asym = {}, {}, false
			for i = 1, nsp do
				local total = dilation[i] * (weight:size(i + 2) - 1)
				p[i] = total // 2
				extra[2 * (nsp - i) + 1], extra[2 * (nsp - i) + 2] = 0, total - 2 * p[i]
				asym = asym or total % 2 == 1
			end
			if asym then input = F.pad(input, extra) end
			padding = p
		else
			error(("Invalid padding string '%s', should be one of {'valid', 'same'}"):format(padding), 3)
		end
	else
		padding = tuple(padding, nsp, fname, "padding")
	end
	local unbatched = input:dim() == nsp + 1
	if not unbatched and input:dim() ~= nsp + 2 then
		error(("Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %s"):format(
			nsp + 1, nsp + 2, fname, "[" .. table.concat(input:size(), ", ") .. "]"), 3)
	end
	local x = unbatched and input:unsqueeze(1) or input
	local s2 = nsp == 2 and stride or {1, stride[1]}
	local p2 = nsp == 2 and padding or {0, padding[1]}
	local d2 = nsp == 2 and dilation or {1, dilation[1]}
	local out = torch._C.nn_conv(x, weight, bias, nsp, s2[1], s2[2], p2[1], p2[2], d2[1], d2[2], groups)
	if unbatched then out = out:squeeze(1) end
	return out
end

function F.conv1d(input, weight, ...) return conv(1, input, weight, ...) end
function F.conv2d(input, weight, ...) return conv(2, input, weight, ...) end

-- ------------------------------------------------------------ pooling

-- Positional arguments after the input, then keywords, into a table by
-- the names of spec ({name, default} pairs).  With fname (F._named_strict,
-- the spatial functions' form), keywords spec does not name and more
-- positional arguments than it has are refused with Python's texts.
local function named_args(fname, spec, ...)
	local kw, n = kwargs(...)
	if fname then
		local known = {}
		for _, p in ipairs(spec) do known[p[1]] = true end
		for k in pairs(kw) do
			if not known[k] then
				error(("%s() got an unexpected keyword argument '%s'"):format(fname, tostring(k)), 3)
			end
		end
		if n > #spec then
			error(("%s() takes at most %d arguments (%d given)"):format(fname, #spec + 1, n + 1), 3)
		end
	end
	local args, o = {...}, {}
	for i, p in ipairs(spec) do
		local v = nil
		if i <= n then v = args[i] end
		if v == nil then v = kw[p[1]] end
		if v == nil then v = p[2] end
		o[p[1]] = v
	end
	return o
end
local function named(spec, ...) return named_args(nil, spec, ...) end
F._named, F._named_strict = named, named_args

local MAX_POOL = {{"kernel_size"}, {"stride"}, {"padding", 0}, {"dilation", 1},
	{"ceil_mode", false}, {"return_indices", false}}
local AVG_POOL = {{"kernel_size"}, {"stride"}, {"padding", 0}, {"ceil_mode", false},
	{"count_include_pad", true}, {"divisor_override"}}
F._MAX_POOL, F._AVG_POOL = MAX_POOL, AVG_POOL

-- stride defaults to the kernel size (an empty list too, as PyTorch)
local function pool_sizes(o, n, fname)
	if o.kernel_size == nil then
		error(fname .. "() missing required argument 'kernel_size'", 4)
	end
	local k = tuple(o.kernel_size, n, fname, "kernel_size")
	local s = o.stride
	if s == nil or (type(s) == "table" and #s == 0) then s = k end
	return k, tuple(s, n, fname, "stride"), tuple(o.padding, n, fname, "padding")
end

local function max_pool(n, input, ...)
	local fname = "max_pool" .. n .. "d"
	check_tensor(input, fname, 1)
	local o = named(MAX_POOL, ...)
	local k, s, p = pool_sizes(o, n, fname)
	local d = tuple(o.dilation, n, fname, "dilation")
	if n == 1 then k, s, p, d = {1, k[1]}, {1, s[1]}, {0, p[1]}, {1, d[1]} end
	local x = n == 1 and input:unsqueeze(-2) or input
	local out, idx = torch._C.nn_max_pool2d(x, k[1], k[2], s[1], s[2], p[1], p[2], d[1], d[2],
		o.ceil_mode and true or false, o.return_indices and true or false)
	if n == 1 then out, idx = out:squeeze(-2), idx and idx:squeeze(-2) end
	if o.return_indices then return out, idx end
	return out
end

local function avg_pool(n, input, ...)
	local fname = "avg_pool" .. n .. "d"
	check_tensor(input, fname, 1)
	local o = named(AVG_POOL, ...)
	local k, s, p = pool_sizes(o, n, fname)
	if n == 1 then k, s, p = {1, k[1]}, {1, s[1]}, {0, p[1]} end
	local x = n == 1 and input:unsqueeze(-2) or input
	local out = torch._C.nn_avg_pool2d(x, k[1], k[2], s[1], s[2], p[1], p[2],
		o.ceil_mode and true or false, o.count_include_pad and true or false,
		n == 2 and o.divisor_override or nil)
	if n == 1 then out = out:squeeze(-2) end
	return out
end

-- F.adaptive_avg_pool2d(x, output_size): output_size an int, or {h, w}
-- where nil (or torch.None-like false) keeps the input's size; an output
-- of 1 x 1 is the mean over the last two dims (MeanBackward1, as PyTorch).
local function adaptive_sizes(input, output_size, n, fname)
	check_tensor(input, fname, 1)
	local o = output_size
	if type(o) == "table" and not torch.is_tensor(o) and o.output_size ~= nil then o = o.output_size end
	if o == nil then error(fname .. "() missing required argument 'output_size'", 3) end
	local r = {}
	for i = 1, n do
		local v = type(o) == "table" and o[i] or (type(o) == "number" and o or nil)
		if type(o) == "table" and #o == 1 and n > 1 then v = o[1] end
		if not v then v = input:size(input:dim() - n + i) end
		r[i] = v
	end
	return r
end

function F.adaptive_avg_pool2d(input, output_size)
	local o = adaptive_sizes(input, output_size, 2, "adaptive_avg_pool2d")
	if o[1] == 1 and o[2] == 1 and (input:dim() == 3 or input:dim() == 4) and input:numel() > 0 then
		return input:mean({-2, -1}, true)
	end
	return torch._C.nn_adaptive_avg_pool2d(input, o[1], o[2])
end

function F.adaptive_avg_pool1d(input, output_size)
	local o = adaptive_sizes(input, output_size, 1, "adaptive_avg_pool1d")
	if input:dim() ~= 2 and input:dim() ~= 3 then
		error("adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got " .. tostring(input.shape), 2)
	end
	return torch._C.nn_adaptive_avg_pool2d(input:unsqueeze(-2), 1, o[1]):squeeze(-2)
end

-- F.max_pool2d(x, kernel_size, stride=kernel_size, padding=0, dilation=1,
-- ceil_mode=false, return_indices=false): with return_indices, also the
-- 1-based index of each maximum in its (flattened) plane.
function F.max_pool1d(input, ...) return max_pool(1, input, ...) end
function F.max_pool2d(input, ...) return max_pool(2, input, ...) end
-- F.avg_pool2d(x, kernel_size, stride=kernel_size, padding=0,
-- ceil_mode=false, count_include_pad=true, divisor_override=nil)
function F.avg_pool1d(input, ...) return avg_pool(1, input, ...) end
function F.avg_pool2d(input, ...) return avg_pool(2, input, ...) end
F.one_hot = torch._C.one_hot	-- classes count from 1 (repl/lops_shape.c)

F._opt = opt

-- the elementwise activations: leaky_relu, elu, gelu, softplus, ...
require("torch.nn.functional_activation")(F)
-- pad, interpolate, unfold, fold, pixel_shuffle, conv_transpose1d/2d
require("torch.nn.functional_spatial")(F)
-- hardshrink, softshrink, rrelu, glu, prelu (ops-more)
require("torch.nn.functional_more")(F)
-- scaled_dot_product_attention, multi_head_attention_forward
require("torch.nn.functional_attention")(F)

-- the functions on an autocast list (linear, conv2d, mse_loss, ...) cast
-- their inputs under torch.autocast (repl/lautocast.c)
torch._C.autocast_wrap(F)

-- torch.<name> forms of the nn functions (PyTorch's ATen functions): those
-- whose arguments are F's share F's function; torch.dropout's train has no
-- default; torch.embedding takes the weight first
for _, n in ipairs({"conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "pixel_shuffle",
		"cosine_similarity", "bilinear"}) do
	torch[n] = F[n]
end
function torch.layer_norm(input, shape, weight, bias, eps)
	return F.layer_norm(input, shape, weight, bias, eps)
end
function torch.group_norm(input, groups, weight, bias, eps)
	return F.group_norm(input, groups, weight, bias, eps)
end
function torch.dropout(input, p, train)
	if type(train) ~= "boolean" then
		error('dropout() missing 1 required positional arguments: "train"', 2)
	end
	return F.dropout(input, p, train)
end
function torch.embedding(weight, input, padding_idx)
	return F.embedding(input, weight, {padding_idx = padding_idx})
end
-- torch.combinations, unique_consecutive
require("torch.ops_oplist")

return F
