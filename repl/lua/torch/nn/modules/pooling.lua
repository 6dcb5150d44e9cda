-- torch.nn.modules.pooling - MaxPool1d/2d, AvgPool1d/2d and
-- AdaptiveAvgPool1d/2d over their
-- torch.nn.functional twins, with PyTorch's arguments (positional or
-- keywords; stride defaults to kernel_size) and repr.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

-- kernel_size is required; stride defaults to it
local function check(o, name)
	if o.kernel_size == nil then
		base.raise(name .. ".__init__() missing required argument 'kernel_size'")
	end
	if o.stride == nil then o.stride = o.kernel_size end
end

local function pool_class(name, fn, spec, shown, as_tuple)
	return base.spec_module(name, fn, spec, check, shown, as_tuple)
end

-- nn.AdaptiveAvgPool2d(output_size): an int or {h, w}, false (or nil)
-- keeping the input's size there (PyTorch's None)
local function adaptive_class(name, fn, n)
	local cls = Module:extend(name)
	function cls:init(output_size)
		if type(output_size) == "table" and output_size.output_size ~= nil then
			output_size = output_size.output_size
		end
		if output_size == nil then
			base.raise(name .. ".__init__() missing required argument 'output_size'")
		end
		self.output_size = output_size
	end
	function cls:forward(input) return fn(input, self.output_size) end
	function cls:extra_repr()
		local o = self.output_size
		if type(o) ~= "table" then return "output_size=" .. tostring(o) end
		local parts = {}
		for i = 1, n do parts[i] = o[i] and tostring(o[i]) or "None" end
		return "output_size=(" .. table.concat(parts, ", ") .. (n == 1 and ",)" or ")")
	end
	return cls
end

local MAX_SHOWN = {"kernel_size", "stride", "padding", "dilation", "ceil_mode"}
local AVG_SHOWN = {"kernel_size", "stride", "padding"}

return {
	MaxPool1d = pool_class("MaxPool1d", F.max_pool1d, F._MAX_POOL, MAX_SHOWN),
	MaxPool2d = pool_class("MaxPool2d", F.max_pool2d, F._MAX_POOL, MAX_SHOWN),
	AvgPool1d = pool_class("AvgPool1d", F.avg_pool1d, F._AVG_POOL, AVG_SHOWN, true),
	AvgPool2d = pool_class("AvgPool2d", F.avg_pool2d, F._AVG_POOL, AVG_SHOWN),
	AdaptiveAvgPool1d = adaptive_class("AdaptiveAvgPool1d", F.adaptive_avg_pool1d, 1),
	AdaptiveAvgPool2d = adaptive_class("AdaptiveAvgPool2d", F.adaptive_avg_pool2d, 2),
}
