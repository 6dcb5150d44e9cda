-- torch.nn.modules.fold - Fold and Unfold over F.fold and F.unfold, with
-- PyTorch's arguments (positional or keywords) and repr.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local function repr(v)
	if type(v) == "table" then
		return "(" .. table.concat(v, ", ") .. (#v == 1 and ",)" or ")")
	end
	return tostring(v)
end

local function fold_class(name, fn, spec)
	local cls = Module:extend(name)
	function cls:init(...)
		local o = F._named(spec, ...)
		for _, p in ipairs(spec) do
			if o[p[1]] == nil then
				base.raise(("%s.__init__() missing required argument '%s'"):format(name, p[1]))
			end
			self[p[1]] = o[p[1]]
		end
	end
	function cls:forward(input)
		local o = {}
		for _, p in ipairs(spec) do o[p[1]] = self[p[1]] end
		return fn(input, o)
	end
	function cls:extra_repr()
		local parts = {}
		for _, p in ipairs(spec) do parts[#parts + 1] = p[1] .. "=" .. repr(self[p[1]]) end
		return table.concat(parts, ", ")
	end
	return cls
end

return {
	Fold = fold_class("Fold", F.fold, {{"output_size"}, {"kernel_size"}, {"dilation", 1},
		{"padding", 0}, {"stride", 1}}),
	Unfold = fold_class("Unfold", F.unfold, {{"kernel_size"}, {"dilation", 1}, {"padding", 0},
		{"stride", 1}}),
}
