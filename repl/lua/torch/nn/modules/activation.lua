-- torch.nn.modules.activation - elementwise activations.  Waiting for core
-- ops: LeakyReLU (leaky_relu), GELU (gelu), SiLU (silu), Softmax and
-- LogSoftmax (softmax, log_softmax).
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

return {ReLU = ReLU, Tanh = Tanh, Sigmoid = Sigmoid}
