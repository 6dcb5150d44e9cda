-- torch.nn.modules.dropout - Dropout: F.dropout with the module's
-- training flag (train() / eval()).
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local Dropout = Module:extend("Dropout")

-- nn.Dropout(p=0.5, {inplace=false}) or nn.Dropout({p=, inplace=})
function Dropout:init(p, opts)
	if type(p) == "table" then p, opts = p.p, p end
	p = p == nil and 0.5 or p
	if type(p) ~= "number" then
		base.raise("Dropout: p must be a number, got " .. base.typename(p))
	end
	if p < 0 or p > 1 then
		base.raise("dropout probability has to be between 0 and 1, but got " .. tostring(p))
	end
	self.p = p
	self.inplace = F._opt(opts, "inplace", false)
end

function Dropout:forward(input)
	return F.dropout(input, self.p, self.training, self.inplace)
end

function Dropout:extra_repr()
	local p = ("%g"):format(self.p)
	if not p:find("[%.e]") then p = p .. ".0" end
	return ("p=%s, inplace=%s"):format(p, self.inplace and "True" or "False")
end

return {Dropout = Dropout}
