-- torch.nn.modules.loss - loss modules; `reduction` is "mean", "sum" or
-- "none".  The weighted ones keep weight (and pos_weight) as buffers, as
-- PyTorch's _WeightedLoss does; class targets are 1-based.
local torch = require "torch"
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

-- A loss with options of its own (beta, delta, log_target) passed on.
local function option_loss(name, fn, keys)
	local cls = Module:extend(name)
	function cls:init(opts)
		self.reduction = F._opt(opts, "reduction", "mean")
		for k, default in pairs(keys) do self[k] = F._opt(opts, k, default) end
	end
	function cls:forward(input, target)
		local o = {reduction = self.reduction}
		for k in pairs(keys) do o[k] = self[k] end
		return fn(input, target, o)
	end
	return cls
end

-- A loss with a weight buffer: Cls(weight) or Cls({weight=, ...}).
local function weighted_loss(name, fn, keys)
	local cls = Module:extend(name)
	function cls:init(weight, opts)
		if type(weight) == "table" and not torch.is_tensor(weight) then
			opts, weight = weight, nil
		end
		weight = weight or F._opt(opts, "weight", nil)
		self:register_buffer("weight", weight)
		self.reduction = F._opt(opts, "reduction", "mean")
		for k, default in pairs(keys) do
			if k == "pos_weight" then
				self:register_buffer("pos_weight", F._opt(opts, k, nil))
			else
				self[k] = F._opt(opts, k, default)
			end
		end
	end
	function cls:forward(input, target)
		local o = {reduction = self.reduction, weight = self.weight}
		for k in pairs(keys) do o[k] = self[k] end
		return fn(input, target, o)
	end
	return cls
end

return {
	MSELoss = loss_class("MSELoss", F.mse_loss),
	L1Loss = loss_class("L1Loss", F.l1_loss),
	SmoothL1Loss = option_loss("SmoothL1Loss", F.smooth_l1_loss, {beta = 1.0}),
	HuberLoss = option_loss("HuberLoss", F.huber_loss, {delta = 1.0}),
	KLDivLoss = option_loss("KLDivLoss", F.kl_div, {log_target = false}),
	NLLLoss = weighted_loss("NLLLoss", F.nll_loss, {ignore_index = -100}),
	CrossEntropyLoss = weighted_loss("CrossEntropyLoss", F.cross_entropy,
		{ignore_index = -100, label_smoothing = 0.0}),
	BCELoss = weighted_loss("BCELoss", F.binary_cross_entropy, {}),
	BCEWithLogitsLoss = weighted_loss("BCEWithLogitsLoss", F.binary_cross_entropy_with_logits,
		{pos_weight = false}),
}
