-- torch.nn.functional (the REPL's F) - the stateless twins of the modules.
--
-- Same names and arguments as PyTorch; keyword options in a trailing table
-- (F.relu(x, {inplace=true}), F.mse_loss(a, b, {reduction="sum"})); dims
-- 1-based.  Each function here is built only from ops core already has.
-- The functions waiting for core ops (softmax, log_softmax, cross_entropy,
-- nll_loss, dropout, conv*, pooling, norms, embedding, gelu, silu,
-- leaky_relu, binary_cross_entropy*, scaled_dot_product_attention, ...)
-- join this table when the op library provides them.
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
	if bias ~= nil then out = out + bias end
	lead[#lead + 1] = o
	return out:reshape(table.unpack(lead))
end

-- ------------------------------------------------------------ activations

function F.relu(input, inplace)
	if opt(inplace, "inplace", false) then return input:relu_() end
	return input:relu()
end

function F.relu_(input) return input:relu_() end
function F.tanh(input) return input:tanh() end
function F.sigmoid(input) return input:sigmoid() end

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
	local d = input - target
	return reduce(d * d, opt(opts, "reduction", "mean"))
end

function F.l1_loss(input, target, opts)
	check_tensor(input, "l1_loss", 1)
	check_tensor(target, "l1_loss", 2)
	check_sizes(input, target)
	return reduce((input - target):abs(), opt(opts, "reduction", "mean"))
end

F.one_hot = torch._C.one_hot	-- classes count from 1 (repl/lops_shape.c)

F._opt = opt

return F
