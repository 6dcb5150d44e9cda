-- torch.nn.modules.normalization - LayerNorm, RMSNorm, GroupNorm, the
-- BatchNorms (running statistics as buffers, momentum, eval mode) and the
-- InstanceNorms, each a wrapper of its torch.nn.functional twin with
-- PyTorch's parameters, buffers and repr.
local torch = require "torch"
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module, Parameter = base.Module, base.Parameter

local function py_bool(b) return b and "True" or "False" end
local function py_float(v)
	if v == nil then return "None" end
	local s = ("%g"):format(v)
	if not s:find("[%.e]") then s = s .. ".0" end
	return (s:gsub("e%-0*(%d)", "e-0%1"))
end
local function opt(opts, key, default)
	if type(opts) == "table" and opts[key] ~= nil then return opts[key] end
	return default
end
local function dtype_of(opts)
	return {dtype = opt(opts, "dtype", torch.get_default_dtype())}
end
local function shape_of(s)
	if type(s) == "number" then return {s} end
	local r = {}
	for i = 1, #s do r[i] = s[i] end
	return r
end
local function shape_repr(s)
	return "(" .. table.concat(s, ", ") .. (#s == 1 and ",)" or ")")
end

-- ------------------------------------------------------------ LayerNorm

local LayerNorm = Module:extend("LayerNorm")

-- nn.LayerNorm(normalized_shape, {eps=1e-5, elementwise_affine=true,
-- bias=true, dtype=})
function LayerNorm:init(normalized_shape, opts)
	if type(opts) == "number" then opts = {eps = opts} end
	self.normalized_shape = shape_of(normalized_shape)
	self.eps = opt(opts, "eps", 1e-5)
	self.elementwise_affine = opt(opts, "elementwise_affine", true)
	if self.elementwise_affine then
		self.weight = Parameter(torch.ones(self.normalized_shape, dtype_of(opts)))
		if opt(opts, "bias", true) then
			self.bias = Parameter(torch.zeros(self.normalized_shape, dtype_of(opts)))
		else
			self:register_parameter("bias", nil)
		end
	else
		self:register_parameter("weight", nil)
		self:register_parameter("bias", nil)
	end
end

function LayerNorm:forward(input)
	return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)
end

function LayerNorm:extra_repr()
	return ("%s, eps=%s, elementwise_affine=%s"):format(shape_repr(self.normalized_shape),
		py_float(self.eps), py_bool(self.elementwise_affine))
end

-- ------------------------------------------------------------ RMSNorm

-- nn.RMSNorm(normalized_shape, {eps=nil, elementwise_affine=true}), as
-- PyTorch 2.x has it (1.13 has none).
local RMSNorm = Module:extend("RMSNorm")

function RMSNorm:init(normalized_shape, opts)
	if type(opts) == "number" then opts = {eps = opts} end
	self.normalized_shape = shape_of(normalized_shape)
	self.eps = opt(opts, "eps", nil)
	self.elementwise_affine = opt(opts, "elementwise_affine", true)
	if self.elementwise_affine then
		self.weight = Parameter(torch.ones(self.normalized_shape, dtype_of(opts)))
	else
		self:register_parameter("weight", nil)
	end
end

function RMSNorm:forward(input)
	return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)
end

function RMSNorm:extra_repr()
	return ("%s, eps=%s, elementwise_affine=%s"):format(shape_repr(self.normalized_shape),
		py_float(self.eps), py_bool(self.elementwise_affine))
end

-- ------------------------------------------------------------ GroupNorm

local GroupNorm = Module:extend("GroupNorm")

-- nn.GroupNorm(num_groups, num_channels, {eps=1e-5, affine=true, dtype=})
function GroupNorm:init(num_groups, num_channels, opts)
	num_groups = base.check_size(num_groups, "num_groups")
	num_channels = base.check_size(num_channels, "num_channels")
	if num_groups <= 0 then
		base.raise("GroupNorm: num_groups must be positive, got " .. num_groups)
	end
	if num_channels % num_groups ~= 0 then
		base.raise("num_channels must be divisible by num_groups")
	end
	self.num_groups, self.num_channels = num_groups, num_channels
	self.eps = opt(opts, "eps", 1e-5)
	self.affine = opt(opts, "affine", true)
	if self.affine then
		self.weight = Parameter(torch.ones(num_channels, dtype_of(opts)))
		self.bias = Parameter(torch.zeros(num_channels, dtype_of(opts)))
	else
		self:register_parameter("weight", nil)
		self:register_parameter("bias", nil)
	end
end

function GroupNorm:forward(input)
	return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)
end

function GroupNorm:extra_repr()
	return ("%d, %d, eps=%s, affine=%s"):format(self.num_groups, self.num_channels,
		py_float(self.eps), py_bool(self.affine))
end

-- ------------------------------------------------------------ BatchNorm

-- The shared part of BatchNorm1d/2d and InstanceNorm1d/2d: num_features,
-- eps, momentum (nil: a cumulative average), affine, track_running_stats.
local function norm_base(name, affine_default, track_default)
	local cls = Module:extend(name)
	function cls:init(num_features, opts)
		self.num_features = num_features
		self.eps = opt(opts, "eps", 1e-5)
		self.momentum = opt(opts, "momentum", 0.1)
		if type(opts) == "table" and opts.momentum == false then self.momentum = nil end
		self.affine = opt(opts, "affine", affine_default)
		self.track_running_stats = opt(opts, "track_running_stats", track_default)
		if self.affine then
			self.weight = Parameter(torch.ones(num_features, dtype_of(opts)))
			self.bias = Parameter(torch.zeros(num_features, dtype_of(opts)))
		else
			self:register_parameter("weight", nil)
			self:register_parameter("bias", nil)
		end
		if self.track_running_stats then
			self:register_buffer("running_mean", torch.zeros(num_features, dtype_of(opts)))
			self:register_buffer("running_var", torch.ones(num_features, dtype_of(opts)))
			self:register_buffer("num_batches_tracked", torch.tensor(0, {dtype = torch.int64}))
		else
			self:register_buffer("running_mean", nil)
			self:register_buffer("running_var", nil)
			self:register_buffer("num_batches_tracked", nil)
		end
	end
	function cls:reset_running_stats()
		if self.track_running_stats then
			self.running_mean:zero_()
			self.running_var:fill_(1)
			self.num_batches_tracked:zero_()
		end
	end
	function cls:extra_repr()
		return ("%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s"):format(
			self.num_features, py_float(self.eps), py_float(self.momentum),
			py_bool(self.affine), py_bool(self.track_running_stats))
	end
	return cls
end

local function batch_norm_forward(self, input)
	local eaf = self.momentum or 0.0
	if self.training and self.track_running_stats and self.num_batches_tracked ~= nil then
		torch.no_grad(function() self.num_batches_tracked:add_(1) end)
		if self.momentum == nil then
			eaf = 1.0 / self.num_batches_tracked:item()
		end
	end
	local bn_training = self.training or (self.running_mean == nil and self.running_var == nil)
	local use_stats = not self.training or self.track_running_stats
	return F.batch_norm(input, use_stats and self.running_mean or nil,
		use_stats and self.running_var or nil, self.weight, self.bias, bn_training, eaf, self.eps)
end

local BatchNorm1d = norm_base("BatchNorm1d", true, true)
function BatchNorm1d:forward(input)
	base.check_input(self, input)
	if input:dim() ~= 2 and input:dim() ~= 3 then
		base.raise(("expected 2D or 3D input (got %dD input)"):format(input:dim()))
	end
	return batch_norm_forward(self, input)
end

local BatchNorm2d = norm_base("BatchNorm2d", true, true)
function BatchNorm2d:forward(input)
	base.check_input(self, input)
	if input:dim() ~= 4 then
		base.raise(("expected 4D input (got %dD input)"):format(input:dim()))
	end
	return batch_norm_forward(self, input)
end

-- ------------------------------------------------------------ InstanceNorm

local function instance_norm_forward(self, input, ndim)
	base.check_input(self, input, 1)
	if input:dim() ~= ndim and input:dim() ~= ndim + 1 then
		base.raise(("expected %dD or %dD input (got %dD input)"):format(ndim, ndim + 1, input:dim()))
	end
	local batched = input:dim() == ndim + 1
	local x = batched and input or input:unsqueeze(1)
	local out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
		self.training or not self.track_running_stats, self.momentum or 0.1, self.eps)
	return batched and out or out:squeeze(1)
end

local InstanceNorm1d = norm_base("InstanceNorm1d", false, false)
function InstanceNorm1d:forward(input) return instance_norm_forward(self, input, 2) end

local InstanceNorm2d = norm_base("InstanceNorm2d", false, false)
function InstanceNorm2d:forward(input) return instance_norm_forward(self, input, 3) end

return {
	LayerNorm = LayerNorm, RMSNorm = RMSNorm, GroupNorm = GroupNorm,
	BatchNorm1d = BatchNorm1d, BatchNorm2d = BatchNorm2d,
	InstanceNorm1d = InstanceNorm1d, InstanceNorm2d = InstanceNorm2d,
}
