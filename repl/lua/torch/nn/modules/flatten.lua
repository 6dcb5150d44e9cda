-- torch.nn.modules.flatten - Flatten and Unflatten (views; dims 1-based,
-- so nn.Flatten() keeps dim 1, the batch, as PyTorch's start_dim=1 does).
local base = require "torch.nn.module"

local Module = base.Module

local function tuple(list)
	local parts = {}
	for i, v in ipairs(list) do parts[i] = tostring(v) end
	return "(" .. table.concat(parts, ", ") .. (#list == 1 and ",)" or ")")
end

local Flatten = Module:extend("Flatten")

-- nn.Flatten([start_dim=2 [, end_dim=-1]]) or nn.Flatten({start_dim=, end_dim=})
function Flatten:init(start_dim, end_dim)
	if type(start_dim) == "table" then
		start_dim, end_dim = start_dim.start_dim, start_dim.end_dim
	end
	self.start_dim = start_dim or 2
	self.end_dim = end_dim or -1
end

function Flatten:forward(input)
	base.check_input(self, input)
	return input:flatten(self.start_dim, self.end_dim)
end

function Flatten:extra_repr()
	return ("start_dim=%d, end_dim=%d"):format(self.start_dim, self.end_dim)
end

local Unflatten = Module:extend("Unflatten")

-- nn.Unflatten(dim, sizes): dim (1-based) becomes the dims `sizes`.
function Unflatten:init(dim, unflattened_size)
	if math.type(dim) ~= "integer" then
		base.raise("invalid argument: dim must be an integer, got " .. base.typename(dim))
	end
	if type(unflattened_size) ~= "table" then
		base.raise("unflattened_size must be tuple of ints, but found type " ..
			base.typename(unflattened_size))
	end
	self.dim = dim
	self.unflattened_size = unflattened_size
end

function Unflatten:forward(input)
	base.check_input(self, input)
	local n = input:dim()
	local d = self.dim < 0 and n + self.dim + 1 or self.dim
	if d < 1 or d > n then
		base.raise(("Dimension out of range (expected to be in range of [%d, %d], but got %d)")
			:format(-n, n, self.dim))
	end
	local shape = {}
	for i = 1, d - 1 do shape[#shape + 1] = input:size(i) end
	for _, s in ipairs(self.unflattened_size) do shape[#shape + 1] = s end
	for i = d + 1, n do shape[#shape + 1] = input:size(i) end
	return input:view(table.unpack(shape))
end

function Unflatten:extra_repr()
	return ("dim=%d, unflattened_size=%s"):format(self.dim, tuple(self.unflattened_size))
end

return {Flatten = Flatten, Unflatten = Unflatten}
