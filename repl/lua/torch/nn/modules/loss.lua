-- torch.nn.modules.loss - loss modules; `reduction` is "mean", "sum" or
-- "none".  Waiting for core ops: CrossEntropyLoss and NLLLoss
-- (log_softmax, nll_loss), BCEWithLogitsLoss
-- (binary_cross_entropy_with_logits), KLDivLoss (xlogy).
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local function loss_class(name, fn)
	local cls = Module:extend(name)
	function cls:init(opts)
		self.reduction = F._opt(opts, "reduction", "mean")
	end
	function cls:forward(input, target)
		return fn(input, target, {reduction = self.reduction})
	end
	return cls
end

return {
	MSELoss = loss_class("MSELoss", F.mse_loss),
	L1Loss = loss_class("L1Loss", F.l1_loss),
}
