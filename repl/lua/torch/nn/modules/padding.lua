-- torch.nn.modules.padding - ZeroPad2d, ConstantPad1d/2d/3d,
-- ReflectionPad1d/2d/3d and ReplicationPad1d/2d/3d over F.pad, with PyTorch's
-- arguments (an int pads every side; a sequence lists (left, right[, top,
-- bottom])) and repr.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

-- Python's repr of a number: floats keep a ".0"
local function pynum(v)
	if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e16 then
		return ("%.1f"):format(v)
	end
	return tostring(v)
end

local function tuple_repr(t)
	local r = {}
	for i = 1, #t do r[i] = pynum(t[i]) end
	return "(" .. table.concat(r, ", ") .. ")"
end

-- padding as 2 * n ints, PyTorch's _pair / _quadruple of an int
local function sides(padding, n, name)
	if type(padding) == "table" and padding.padding ~= nil then padding = padding.padding end
	if type(padding) == "number" then
		local r = {}
		for i = 1, 2 * n do r[i] = padding end
		return r
	end
	if type(padding) == "table" and #padding == 2 * n then
		local r = {}
		for i = 1, 2 * n do r[i] = padding[i] end
		return r
	end
	base.raise(("%s: padding must be an int or a sequence of %d ints"):format(name, 2 * n))
end

local function pad_class(name, n, mode, constant)
	local cls = Module:extend(name)
	function cls:init(padding, value)
		if type(padding) == "table" and padding.value ~= nil then value = padding.value end
		self.padding = sides(padding, n, name)
		if constant then
			if value == nil then
				if name ~= "ZeroPad2d" then
					base.raise(name .. ".__init__() missing 1 required positional argument: 'value'")
				end
				value = 0.0
			end
			self.value = value
		end
	end
	function cls:forward(input)
		if constant then return F.pad(input, self.padding, "constant", self.value) end
		return F.pad(input, self.padding, mode)
	end
	function cls:extra_repr()
		if constant and name ~= "ZeroPad2d" then
			return ("padding=%s, value=%s"):format(tuple_repr(self.padding), pynum(self.value))
		end
		return tuple_repr(self.padding)
	end
	return cls
end

return {
	ZeroPad2d = pad_class("ZeroPad2d", 2, "constant", true),
	ConstantPad1d = pad_class("ConstantPad1d", 1, "constant", true),
	ConstantPad2d = pad_class("ConstantPad2d", 2, "constant", true),
	ConstantPad3d = pad_class("ConstantPad3d", 3, "constant", true),
	ReflectionPad1d = pad_class("ReflectionPad1d", 1, "reflect"),
	ReflectionPad2d = pad_class("ReflectionPad2d", 2, "reflect"),
	ReflectionPad3d = pad_class("ReflectionPad3d", 3, "reflect"),
	ReplicationPad1d = pad_class("ReplicationPad1d", 1, "replicate"),
	ReplicationPad2d = pad_class("ReplicationPad2d", 2, "replicate"),
	ReplicationPad3d = pad_class("ReplicationPad3d", 3, "replicate"),
}
