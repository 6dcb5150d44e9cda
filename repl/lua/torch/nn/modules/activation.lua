-- torch.nn.modules.activation - elementwise activations and Softmax,
-- LogSoftmax, Softmin.  The activations with parameters of their own
-- (LeakyReLU, ELU, GELU, Softplus, Hardtanh, ...) are made from the list
-- torch.nn.functional keeps (F.ACTIVATIONS): each module keeps its
-- parameters as fields and forwards to its functional twin.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local ReLU = Module:extend("ReLU")

-- nn.ReLU() or nn.ReLU(true) / nn.ReLU({inplace=true})
function ReLU:init(inplace) self.inplace = F._opt(inplace, "inplace", false) end
function ReLU:forward(input) return F.relu(input, self.inplace) end
function ReLU:extra_repr() return self.inplace and "inplace=True" or "" end

local Tanh = Module:extend("Tanh")
function Tanh:forward(input) return F.tanh(input) end

local Sigmoid = Module:extend("Sigmoid")
function Sigmoid:forward(input) return F.sigmoid(input) end

-- nn.Softmax(dim), nn.LogSoftmax(dim), nn.Softmin(dim): dim 1-based (or
-- {dim=}); PyTorch's implicit dim is deprecated there and refused here.
local function softmax_class(name, fn)
	local cls = Module:extend(name)
	function cls:init(dim)
		if type(dim) == "table" then dim = dim.dim end
		self.dim = dim
	end
	function cls:forward(input) return fn(input, self.dim) end
	function cls:extra_repr() return "dim=" .. tostring(self.dim) end
	return cls
end

-- Python's repr of a number as given: 1 stays 1, 1.0 stays 1.0.
local function py_num(v)
	if type(v) == "string" then return "'" .. v .. "'" end
	if math.type(v) == "integer" then return tostring(v) end
	local str = ("%g"):format(v)
	if not str:find("[%.eni]") then str = str .. ".0" end
	return (str:gsub("e%-0*(%d)", "e-0%1"))
end

local CLASS = {leaky_relu = "LeakyReLU", elu = "ELU", selu = "SELU", celu = "CELU",
	gelu = "GELU", silu = "SiLU", mish = "Mish", softplus = "Softplus",
	hardtanh = "Hardtanh", relu6 = "ReLU6", threshold = "Threshold",
	hardsigmoid = "Hardsigmoid", hardswish = "Hardswish", logsigmoid = "LogSigmoid",
	softsign = "Softsign"}

-- nn.LeakyReLU(0.2), nn.LeakyReLU(0.2, true), nn.LeakyReLU({negative_slope=0.2,
-- inplace=true}): PyTorch's positional parameters, then inplace, or keywords.
local function activation_class(name, params, has_inplace)
	local cls = Module:extend(CLASS[name])
	function cls:init(...)
		local args, n = {...}, select("#", ...)
		local kw = {}
		if n > 0 and type(args[n]) == "table" then kw, n = args[n], n - 1 end
		for i, p in ipairs(params) do
			local v = args[i]
			if i > n or v == nil then v = kw[p[1]] end
			if v == nil then v = p[2] end
			if v == nil then
				error(("%s.__init__() missing required argument '%s'"):format(CLASS[name], p[1]), 3)
			end
			self[p[1]] = v
		end
		if has_inplace then
			local inplace = args[#params + 1]
			if #params + 1 > n or inplace == nil then inplace = kw.inplace end
			self.inplace = inplace and true or false
		end
	end
	function cls:forward(input)
		local o = {inplace = self.inplace}
		for _, p in ipairs(params) do o[p[1]] = self[p[1]] end
		return F[name](input, o)
	end
	function cls:extra_repr()
		local parts = {}
		for _, p in ipairs(params) do parts[#parts + 1] = p[1] .. "=" .. py_num(self[p[1]]) end
		if self.inplace then parts[#parts + 1] = "inplace=True" end
		return table.concat(parts, ", ")
	end
	return cls
end

local Tanhshrink = Module:extend("Tanhshrink")
function Tanhshrink:forward(input) return F.tanhshrink(input) end

local classes = {ReLU = ReLU, Tanh = Tanh, Sigmoid = Sigmoid, Tanhshrink = Tanhshrink,
	Softmax = softmax_class("Softmax", F.softmax),
	LogSoftmax = softmax_class("LogSoftmax", F.log_softmax),
	Softmin = softmax_class("Softmin", F.softmin)}
for _, a in ipairs(F.ACTIVATIONS) do
	classes[CLASS[a[1]]] = activation_class(a[1], a[2], a[3])
end
return classes
