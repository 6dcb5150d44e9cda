-- torch.nn.init - in-place initialisers with PyTorch 1.13's formulas, so the
-- same seed gives the same numbers (the fills draw from the global generator
-- in PyTorch's order).  Options PyTorch takes by keyword go in a table:
-- init.kaiming_uniform_(w, {a=math.sqrt(5), mode="fan_in",
-- nonlinearity="leaky_relu"}).
local torch = require "torch"

local C = torch._C
local init = {}

local function no_grad(fn, ...)
	local args = table.pack(...)
	return torch.no_grad(function() return fn(table.unpack(args, 1, args.n)) end)
end

local function kw(opts, key, default)
	if type(opts) == "table" and opts[key] ~= nil then return opts[key] end
	return default
end

function init.calculate_gain(nonlinearity, param)
	local linear = {linear = true, conv1d = true, conv2d = true, conv3d = true,
		conv_transpose1d = true, conv_transpose2d = true, conv_transpose3d = true}
	if linear[nonlinearity] or nonlinearity == "sigmoid" then return 1 end
	if nonlinearity == "tanh" then return 5.0 / 3 end
	if nonlinearity == "relu" then return math.sqrt(2.0) end
	if nonlinearity == "leaky_relu" then
		local slope
		if param == nil then
			slope = 0.01
		elseif type(param) == "number" then
			slope = param
		else
			error(("negative_slope %s not a valid number"):format(tostring(param)), 2)
		end
		return math.sqrt(2.0 / (1 + slope ^ 2))
	end
	if nonlinearity == "selu" then return 3.0 / 4 end
	error(("Unsupported nonlinearity %s"):format(tostring(nonlinearity)), 2)
end

-- fan_in, fan_out of a weight: sizes of dims 2 and 1 times the receptive
-- field (the product of the remaining dims).
function init._calculate_fan_in_and_fan_out(tensor)
	local n = tensor:dim()
	if n < 2 then
		error("Fan in and fan out can not be computed for tensor with fewer " ..
			"than 2 dimensions", 2)
	end
	local receptive = 1
	for d = 3, n do receptive = receptive * tensor:size(d) end
	return tensor:size(2) * receptive, tensor:size(1) * receptive
end

local function correct_fan(tensor, mode)
	mode = mode:lower()
	if mode ~= "fan_in" and mode ~= "fan_out" then
		error(("Mode %s not supported, please use one of fan_in, fan_out"):format(mode), 3)
	end
	local fan_in, fan_out = init._calculate_fan_in_and_fan_out(tensor)
	return mode == "fan_in" and fan_in or fan_out
end

-- The number arguments of an init function (PyTorch's text for a wrong type).
local function numbers(fname, names, ...)
	for i, name in ipairs(names) do
		local v = select(i, ...)
		if v ~= nil and type(v) ~= "number" then
			error(("%s(): argument '%s' must be float, not %s"):format(fname, name,
				torch.is_tensor(v) and "Tensor" or type(v)), 3)
		end
	end
end

function init.uniform_(tensor, a, b)
	if type(a) == "table" and not torch.is_tensor(a) then a, b = a.a, a.b end
	numbers("uniform_", {"a", "b"}, a, b)
	return no_grad(C.uniform_, tensor, a or 0.0, b or 1.0)
end

function init.normal_(tensor, mean, std)
	if type(mean) == "table" and not torch.is_tensor(mean) then mean, std = mean.mean, mean.std end
	numbers("normal_", {"mean", "std"}, mean, std)
	return no_grad(C.normal_, tensor, mean or 0.0, std or 1.0)
end

function init.constant_(tensor, val)
	return no_grad(function() return tensor:fill_(val) end)
end

function init.ones_(tensor) return init.constant_(tensor, 1.0) end
function init.zeros_(tensor) return no_grad(function() return tensor:zero_() end) end

function init.eye_(tensor)
	if tensor:dim() ~= 2 then
		error("Only tensors with 2 dimensions are supported", 2)
	end
	return no_grad(function()
		return tensor:copy_(torch.eye(tensor:size(1), tensor:size(2)))
	end)
end

function init.xavier_uniform_(tensor, gain)
	gain = type(gain) == "table" and kw(gain, "gain", 1.0) or gain or 1.0
	local fan_in, fan_out = init._calculate_fan_in_and_fan_out(tensor)
	local std = gain * math.sqrt(2.0 / (fan_in + fan_out))
	local a = math.sqrt(3.0) * std
	return no_grad(C.uniform_, tensor, -a, a)
end

function init.xavier_normal_(tensor, gain)
	gain = type(gain) == "table" and kw(gain, "gain", 1.0) or gain or 1.0
	local fan_in, fan_out = init._calculate_fan_in_and_fan_out(tensor)
	local std = gain * math.sqrt(2.0 / (fan_in + fan_out))
	return no_grad(C.normal_, tensor, 0.0, std)
end

local function kaiming_std(tensor, opts)
	local a = kw(opts, "a", 0)
	local fan = correct_fan(tensor, kw(opts, "mode", "fan_in"))
	local gain = init.calculate_gain(kw(opts, "nonlinearity", "leaky_relu"), a)
	return gain / math.sqrt(fan)
end

local function has_zero_dim(tensor)
	for d = 1, tensor:dim() do
		if tensor:size(d) == 0 then return true end
	end
	return false
end

-- The std of kaiming_*, from a table of options or PyTorch's positional
-- form (a, mode, nonlinearity); nil when the tensor has no elements.
local function kaiming_args(tensor, a, mode, nonlinearity)
	local opts = type(a) == "table" and a or {a = a, mode = mode, nonlinearity = nonlinearity}
	if has_zero_dim(tensor) then
		require("torch.nn.functional")._warn("Initializing zero-element tensors is a no-op", 3)
		return nil
	end
	return kaiming_std(tensor, opts)
end

-- kaiming_uniform_(t, {a=0, mode="fan_in", nonlinearity="leaky_relu"})
function init.kaiming_uniform_(tensor, a, mode, nonlinearity)
	local std = kaiming_args(tensor, a, mode, nonlinearity)
	if not std then return tensor end
	local bound = math.sqrt(3.0) * std
	return no_grad(C.uniform_, tensor, -bound, bound)
end

function init.kaiming_normal_(tensor, a, mode, nonlinearity)
	local std = kaiming_args(tensor, a, mode, nonlinearity)
	if not std then return tensor end
	return no_grad(C.normal_, tensor, 0.0, std)
end

-- orthogonal_(t, gain=1 | {gain=}): PyTorch 1.13's recipe: a (rows, numel /
-- rows) matrix drawn with normal_(0, 1) (so the generator moves as
-- PyTorch's), transposed when wider than tall, its QR factorisation's Q with
-- the signs that make R's diagonal positive, times gain.  That Q is unique,
-- so it is computed here by Gram-Schmidt orthogonalisation (each column
-- twice, in float64) rather than Householder reflections: same numbers up
-- to rounding.
function init.orthogonal_(tensor, gain)
	if not torch.is_tensor(tensor) then
		error(("orthogonal_(): argument 'tensor' must be a Tensor, got %s"):format(type(tensor)), 2)
	end
	gain = type(gain) == "table" and kw(gain, "gain", 1.0) or gain or 1.0
	if tensor:dim() < 2 then
		error("Only tensors with 2 or more dimensions are supported", 2)
	end
	if tensor:numel() == 0 then return tensor end
	return no_grad(function()
		local rows = tensor:size(1)
		local cols = tensor:numel() // rows
		local a = C.normal_(torch.empty(rows, cols, {dtype = tensor.dtype}), 0.0, 1.0)
		a = a:to(torch.float64)
		if rows < cols then a = a:t() end
		local m, n = a:size(1), a:size(2)
		local q = torch.zeros(m, n, {dtype = torch.float64})
		for j = 1, n do
			local v = a:select(2, j)
			if j > 1 then
				local qj = q:narrow(2, 1, j - 1)
				v = v - qj:mv(qj:t():mv(v))
				v = v - qj:mv(qj:t():mv(v))
			end
			local len = math.sqrt((v * v):sum():item())
			q:select(2, j):copy_(len > 0 and v / len or v * 0)
		end
		if rows < cols then q = q:t() end
		tensor:copy_(q:reshape(tensor.shape))
		return tensor:mul_(gain)
	end)
end

-- Scalar erf (Lua has none): the erf of a float64 tensor.
local function erf(x)
	return torch.tensor(x, {dtype = torch.float64}):erf():item()
end

-- trunc_normal_(t, mean=0, std=1, a=-2, b=2 | {mean=, std=, a=, b=}):
-- PyTorch 1.13's inverse-CDF recipe: uniform_ between the CDF's values at
-- a and b (mapped to [-1, 1]), erfinv_, scaled by std * sqrt(2), shifted by
-- mean, clamped to [a, b].  Same draws as PyTorch, so the same numbers.
function init.trunc_normal_(tensor, mean, std, a, b)
	local o = type(mean) == "table" and mean or {}
	if type(mean) ~= "number" then mean = nil end
	mean, std = mean or kw(o, "mean", 0.0), std or kw(o, "std", 1.0)
	a, b = a or kw(o, "a", -2.0), b or kw(o, "b", 2.0)
	if mean < a - 2 * std or mean > b + 2 * std then
		require("torch.nn.functional")._warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. " ..
			"The distribution of values may be incorrect.", 2)
	end
	local function cdf(x) return (1 + erf(x / math.sqrt(2))) / 2 end
	return no_grad(function()
		local l, u = cdf((a - mean) / std), cdf((b - mean) / std)
		C.uniform_(tensor, 2 * l - 1, 2 * u - 1)
		tensor:erfinv_()
		tensor:mul_(std * math.sqrt(2))
		tensor:add_(mean)
		return tensor:clamp_(a, b)
	end)
end

return init
