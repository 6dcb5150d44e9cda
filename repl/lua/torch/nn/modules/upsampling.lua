-- torch.nn.modules.upsampling - Upsample, UpsamplingNearest2d and
-- UpsamplingBilinear2d over F.interpolate, with PyTorch's arguments
-- (positional or keywords) and repr.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local function pyfloat(v)
	if v == math.floor(v) and math.abs(v) < 1e16 then return ("%.1f"):format(v) end
	return tostring(v)
end

local function repr(v, float)
	if type(v) == "table" then
		local r = {}
		for i = 1, #v do r[i] = float and pyfloat(v[i]) or tostring(v[i]) end
		return "(" .. table.concat(r, ", ") .. (#v == 1 and ",)" or ")")
	end
	return float and pyfloat(v) or tostring(v)
end

local SPEC = {{"size"}, {"scale_factor"}, {"mode", "nearest"}, {"align_corners"},
	{"recompute_scale_factor"}}

local function upsample_class(name, fixed)
	local cls = Module:extend(name)
	function cls:init(...)
		local o = F._named(SPEC, ...)
		if fixed then
			o.mode = fixed.mode
			o.align_corners = fixed.align_corners
		end
		local sf = o.scale_factor
		for _, v in ipairs(type(sf) == "table" and sf or {sf}) do
			if type(v) ~= "number" then
				base.raise(name .. ": scale_factor must be a number or a sequence of numbers")
			end
		end
		self.name = name
		self.size = o.size
		if type(o.scale_factor) == "table" then
			local r = {}
			for i = 1, #o.scale_factor do r[i] = o.scale_factor[i] + 0.0 end
			self.scale_factor = r
		elseif o.scale_factor ~= nil then
			self.scale_factor = o.scale_factor + 0.0
		end
		self.mode = o.mode
		self.align_corners = o.align_corners
		self.recompute_scale_factor = o.recompute_scale_factor
	end
	function cls:forward(input)
		return F.interpolate(input, {size = self.size, scale_factor = self.scale_factor,
			mode = self.mode, align_corners = self.align_corners,
			recompute_scale_factor = self.recompute_scale_factor})
	end
	function cls:extra_repr()
		local s
		if self.scale_factor ~= nil then
			s = "scale_factor=" .. repr(self.scale_factor, true)
		else
			s = "size=" .. repr(self.size)
		end
		return s .. ", mode=" .. self.mode
	end
	return cls
end

return {
	Upsample = upsample_class("Upsample"),
	UpsamplingNearest2d = upsample_class("UpsamplingNearest2d", {mode = "nearest"}),
	UpsamplingBilinear2d = upsample_class("UpsamplingBilinear2d",
		{mode = "bilinear", align_corners = true}),
}
