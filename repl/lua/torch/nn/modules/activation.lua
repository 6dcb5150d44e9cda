-- torch.nn.modules.activation - ReLU, Tanh, Sigmoid, Tanhshrink, Softmax,
-- LogSoftmax, Softmin.  (The activations with parameters of their own,
-- LeakyReLU, GELU, ..., come with the pointwise ops: modules/pointwise.lua.)
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

local Tanhshrink = Module:extend("Tanhshrink")
function Tanhshrink:forward(input) return F.tanhshrink(input) end

local classes = {ReLU = ReLU, Tanh = Tanh, Sigmoid = Sigmoid, Tanhshrink = Tanhshrink,
	Softmax = softmax_class("Softmax", F.softmax),
	LogSoftmax = softmax_class("LogSoftmax", F.log_softmax),
	Softmin = softmax_class("Softmin", F.softmin)}
return classes
