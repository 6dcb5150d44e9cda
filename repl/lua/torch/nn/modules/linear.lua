-- torch.nn.modules.linear - Identity, Linear, Bilinear, initialised as
-- PyTorch 1.13 does (same RNG draws in the same order).
local torch = require "torch"
local base = require "torch.nn.module"
local F = require "torch.nn.functional"
local init = require "torch.nn.init"

local Module, Parameter = base.Module, base.Parameter

local function py_bool(b) return b and "True" or "False" end

-- The dtype keyword every module with parameters takes.
local function factory(opts)
	local dtype = type(opts) == "table" and opts.dtype or nil
	return {dtype = dtype or torch.get_default_dtype()}
end

local function bias_opt(opts)
	if type(opts) == "table" then return opts.bias ~= false end
	return opts ~= false
end

-- ------------------------------------------------------------ Identity

local Identity = Module:extend("Identity")
function Identity:forward(input) return input end

-- ------------------------------------------------------------ Linear

local Linear = Module:extend("Linear")

-- nn.Linear(in_features, out_features, {bias=true, dtype=})
function Linear:init(in_features, out_features, opts)
	if type(opts) == "table" then base.check_options(opts, {"bias", "device", "dtype"}) end
	self.in_features = in_features
	self.out_features = out_features
	self.weight = Parameter(torch.empty(out_features, in_features, factory(opts)))
	if bias_opt(opts) then
		self.bias = Parameter(torch.empty(out_features, factory(opts)))
	else
		self:register_parameter("bias", nil)
	end
	self:reset_parameters()
end

function Linear:reset_parameters()
	-- kaiming_uniform_ with a = sqrt(5): uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))
	init.kaiming_uniform_(self.weight, {a = math.sqrt(5)})
	if self.bias ~= nil then
		local fan_in = init._calculate_fan_in_and_fan_out(self.weight)
		local bound = fan_in > 0 and 1 / math.sqrt(fan_in) or 0
		init.uniform_(self.bias, -bound, bound)
	end
end

function Linear:forward(input) return F.linear(input, self.weight, self.bias) end

function Linear:extra_repr()
	return ("in_features=%d, out_features=%d, bias=%s"):format(self.in_features,
		self.out_features, py_bool(self.bias ~= nil))
end

-- ------------------------------------------------------------ Bilinear

local Bilinear = Module:extend("Bilinear")

-- nn.Bilinear(in1_features, in2_features, out_features, {bias=true, dtype=})
function Bilinear:init(in1, in2, out, opts)
	if type(opts) == "table" then base.check_options(opts, {"bias", "device", "dtype"}) end
	self.in1_features, self.in2_features, self.out_features = in1, in2, out
	self.weight = Parameter(torch.empty(out, in1, in2, factory(opts)))
	if bias_opt(opts) then
		self.bias = Parameter(torch.empty(out, factory(opts)))
	else
		self:register_parameter("bias", nil)
	end
	self:reset_parameters()
end

function Bilinear:reset_parameters()
	local bound = 1 / math.sqrt(self.weight:size(2))
	init.uniform_(self.weight, -bound, bound)
	if self.bias ~= nil then init.uniform_(self.bias, -bound, bound) end
end

function Bilinear:forward(input1, input2)
	return F.bilinear(input1, input2, self.weight, self.bias)
end

function Bilinear:extra_repr()
	return ("in1_features=%d, in2_features=%d, out_features=%d, bias=%s"):format(
		self.in1_features, self.in2_features, self.out_features,
		py_bool(self.bias ~= nil))
end

return {Identity = Identity, Linear = Linear, Bilinear = Bilinear}
