-- torch.nn.modules.pixelshuffle - PixelShuffle and PixelUnshuffle over
-- F.pixel_shuffle and F.pixel_unshuffle, with PyTorch's repr.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local function shuffle_class(name, fn, key)
	local cls = Module:extend(name)
	function cls:init(factor)
		if type(factor) == "table" then factor = factor[key] end
		if factor == nil then
			base.raise(("%s.__init__() missing 1 required positional argument: '%s'"):format(name, key))
		end
		self[key] = factor
	end
	function cls:forward(input) return fn(input, self[key]) end
	function cls:extra_repr() return key .. "=" .. tostring(self[key]) end
	return cls
end

return {
	PixelShuffle = shuffle_class("PixelShuffle", F.pixel_shuffle, "upscale_factor"),
	PixelUnshuffle = shuffle_class("PixelUnshuffle", F.pixel_unshuffle, "downscale_factor"),
}
