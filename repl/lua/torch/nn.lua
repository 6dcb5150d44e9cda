-- torch.nn - modules, parameters, and (as fields) functional, init, utils.
--
-- The modules live one family per file under torch/nn/modules/; each file
-- returns a table of classes that is merged here, so a new family is one
-- file plus one name in FAMILIES.  Every built-in module's forward is its
-- torch.nn.functional twin.
local base = require "torch.nn.module"
local class = require "torch.class"

local nn = {
	Module = base.Module,
	Parameter = base.Parameter,
	is_module = base.is_module,
	is_parameter = base.is_parameter,
}

function nn.isinstance(obj, cls) return class.isinstance(obj, cls) end

local FAMILIES = {"container", "linear", "activation", "flatten", "loss",
	"pointwise", "normalization", "dropout", "sparse", "conv", "pooling",
	"attention", "transformer"}

for _, family in ipairs(FAMILIES) do
	for name, cls in pairs(require("torch.nn.modules." .. family)) do
		nn[name] = cls
	end
end

nn.functional = require "torch.nn.functional"
nn.init = require "torch.nn.init"
nn.utils = require "torch.nn.utils"

return nn
