-- torch.nn.modules.pooling - MaxPool1d/2d and AvgPool1d/2d over their
-- torch.nn.functional twins, with PyTorch's arguments (positional or
-- keywords; stride defaults to kernel_size) and repr.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local function py(v)
	if type(v) == "boolean" then return v and "True" or "False" end
	if type(v) == "table" then
		return "(" .. table.concat(v, ", ") .. (#v == 1 and ",)" or ")")
	end
	return tostring(v)
end

local function pool_class(name, fn, spec, shown, as_tuple)
	local cls = Module:extend(name)
	function cls:init(...)
		local o = F._named(spec, ...)
		if o.kernel_size == nil then
			error(name .. ".__init__() missing required argument 'kernel_size'", 3)
		end
		if o.stride == nil then o.stride = o.kernel_size end
		for _, p in ipairs(spec) do self[p[1]] = o[p[1]] end
	end
	function cls:forward(input)
		local o = {}
		for _, p in ipairs(spec) do o[p[1]] = self[p[1]] end
		return fn(input, o)
	end
	function cls:extra_repr()
		local parts = {}
		for _, key in ipairs(shown) do
			local v = self[key]
			if as_tuple and type(v) == "number" then v = {v} end
			parts[#parts + 1] = key .. "=" .. py(v)
		end
		return table.concat(parts, ", ")
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
}
