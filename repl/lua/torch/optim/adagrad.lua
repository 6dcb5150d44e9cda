-- torch.optim.adagrad - Adagrad (lr decay, weight decay, initial
-- accumulator, maximize), step for step as PyTorch 1.13's
-- _single_tensor_adagrad.  Its state exists from construction on.
local torch = require "torch"
local Optimizer = require "torch.optim.optimizer"

local Adagrad = Optimizer:extend("Adagrad")

-- optim.Adagrad(params, {lr=1e-2, lr_decay=0, weight_decay=0,
-- initial_accumulator_value=0, eps=1e-10, maximize=false})
function Adagrad:init(params, opts)
	local d = Optimizer._defaults({lr = 1e-2, lr_decay = 0, weight_decay = 0,
		initial_accumulator_value = 0, eps = 1e-10, maximize = false}, opts)
	local check = Optimizer._check
	check(d.lr >= 0, "Invalid learning rate: %s", d.lr)
	check(d.lr_decay >= 0, "Invalid lr_decay value: %s", d.lr_decay)
	check(d.weight_decay >= 0, "Invalid weight_decay value: %s", d.weight_decay)
	check(d.initial_accumulator_value >= 0, "Invalid initial_accumulator_value value: %s",
		d.initial_accumulator_value)
	check(d.eps >= 0, "Invalid epsilon value: %s", d.eps)
	Optimizer.init(self, params, d)
	for _, g in ipairs(self.param_groups) do
		for _, p in ipairs(g.params) do
			local state = self:_state(p)
			state.step = 0
			state.sum = torch.full_like(p, g.initial_accumulator_value)
		end
	end
end

function Adagrad:_step_group(g)
	for _, p in ipairs(g.params) do
		local grad = p.grad
		if grad then
			local state = self:_state(p)
			if state.sum == nil then
				state.step = 0
				state.sum = torch.full_like(p, g.initial_accumulator_value)
			end
			state.step = state.step + 1
			if g.maximize then grad = -grad end
			if g.weight_decay ~= 0 then grad = grad:add(p, {alpha = g.weight_decay}) end
			local clr = g.lr / (1 + (state.step - 1) * g.lr_decay)
			state.sum:add_(grad * 1 * grad)
			local std = state.sum:sqrt():add_(g.eps)
			p:add_(grad * -clr / std)
		end
	end
end

return {Adagrad = Adagrad}
