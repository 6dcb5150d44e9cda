-- torch.nn.modules.pointwise - the elementwise activations with numbers of
-- their own or an inplace flag (issue 11): LeakyReLU, ELU, SELU, CELU,
-- GELU, SiLU, Mish, Softplus, Softsign, Hardtanh, ReLU6, Hardsigmoid,
-- Hardswish, LogSigmoid, Threshold.  Arguments as PyTorch's, by position
-- or in a keyword table (nn.LeakyReLU(0.2) or nn.LeakyReLU({negative_slope
-- = 0.2})); each forward is its torch.nn.functional twin, and each prints
-- as PyTorch's does.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

-- Python's str() of a number: 1.0 for a float, 1 for an integer.
local function num(v)
	if math.type(v) == "float" and v == math.floor(v) and v == v and
		math.abs(v) < 1e16 then
		return ("%.1f"):format(v)
	end
	return tostring(v)
end

-- A module class: params are {name, default} in PyTorch's order, then
-- inplace when the module has it; repr(self) makes the text between the
-- parentheses.
local function activation(cls_name, fname, params, has_inplace, repr)
	local cls = Module:extend(cls_name)
	function cls:init(...)
		local args = {...}
		local kw = {}
		local n = select("#", ...)
		if n > 0 and type(args[n]) == "table" then
			kw = args[n]
			n = n - 1
		end
		for i, p in ipairs(params) do
			local v = args[i]
			if i > n or v == nil then v = kw[p[1]] end
			if v == nil then v = p[2] end
			self[p[1]] = v
		end
		if has_inplace then
			local v = args[#params + 1]
			if #params + 1 > n or v == nil then v = kw.inplace end
			self.inplace = v == true
		end
	end
	function cls:forward(input)
		local vals = {}
		for i, p in ipairs(params) do vals[i] = self[p[1]] end
		if has_inplace then vals[#params + 1] = self.inplace end
		return F[fname](input, table.unpack(vals, 1, #params + (has_inplace and 1 or 0)))
	end
	function cls:extra_repr() return repr(self) end
	return cls
end

local function inplace_only(self) return self.inplace and "inplace=True" or "" end
local function inplace_after(self) return self.inplace and ", inplace=True" or "" end
local function none() return "" end

return {
	LeakyReLU = activation("LeakyReLU", "leaky_relu", {{"negative_slope", 0.01}}, true,
		function(s) return "negative_slope=" .. num(s.negative_slope) .. inplace_after(s) end),
	ELU = activation("ELU", "elu", {{"alpha", 1.0}}, true,
		function(s) return "alpha=" .. num(s.alpha) .. inplace_after(s) end),
	CELU = activation("CELU", "celu", {{"alpha", 1.0}}, true,
		function(s) return "alpha=" .. num(s.alpha) .. inplace_after(s) end),
	SELU = activation("SELU", "selu", {}, true, inplace_only),
	GELU = activation("GELU", "gelu", {{"approximate", "none"}}, false,
		function(s) return "approximate='" .. tostring(s.approximate) .. "'" end),
	SiLU = activation("SiLU", "silu", {}, true, inplace_only),
	Mish = activation("Mish", "mish", {}, true, inplace_only),
	Hardsigmoid = activation("Hardsigmoid", "hardsigmoid", {}, true, inplace_only),
	Hardswish = activation("Hardswish", "hardswish", {}, true, inplace_only),
	Softplus = activation("Softplus", "softplus", {{"beta", 1}, {"threshold", 20}}, false,
		function(s) return "beta=" .. num(s.beta) .. ", threshold=" .. num(s.threshold) end),
	Softsign = activation("Softsign", "softsign", {}, false, none),
	LogSigmoid = activation("LogSigmoid", "logsigmoid", {}, false, none),
	Hardtanh = activation("Hardtanh", "hardtanh", {{"min_val", -1.0}, {"max_val", 1.0}}, true,
		function(s)
			return "min_val=" .. num(s.min_val) .. ", max_val=" .. num(s.max_val) ..
				inplace_after(s)
		end),
	ReLU6 = activation("ReLU6", "relu6", {}, true, inplace_only),
	Threshold = activation("Threshold", "threshold", {{"threshold"}, {"value"}}, true,
		function(s)
			return "threshold=" .. num(s.threshold) .. ", value=" .. num(s.value) ..
				inplace_after(s)
		end),
}
