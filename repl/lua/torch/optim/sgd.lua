-- torch.optim.sgd - SGD with momentum, dampening, Nesterov momentum, weight
-- decay and maximize, step for step as PyTorch 1.13's _single_tensor_sgd.
local Optimizer = require "torch.optim.optimizer"

local SGD = Optimizer:extend("SGD")

-- optim.SGD(params, {lr=, momentum=0, dampening=0, weight_decay=0,
-- nesterov=false, maximize=false})
function SGD:init(params, opts)
	local d = Optimizer._defaults({lr = Optimizer.required, momentum = 0,
		dampening = 0, weight_decay = 0, nesterov = false, maximize = false}, opts)
	local check = Optimizer._check
	if d.lr ~= Optimizer.required then
		check(d.lr >= 0, "Invalid learning rate: %s", d.lr)
	end
	check(d.momentum >= 0, "Invalid momentum value: %s", d.momentum)
	check(d.weight_decay >= 0, "Invalid weight_decay value: %s", d.weight_decay)
	if d.nesterov and (d.momentum <= 0 or d.dampening ~= 0) then
		error("Nesterov momentum requires a momentum and zero dampening", 3)
	end
	Optimizer.init(self, params, d)
end

function SGD:_step_group(g)
	for _, p in ipairs(g.params) do
		local grad = p.grad
		if grad then
			local d_p = g.maximize and -grad or grad
			if g.weight_decay ~= 0 then d_p = d_p:add(p, {alpha = g.weight_decay}) end
			local state = self:_state(p)
			if g.momentum ~= 0 then
				local buf = state.momentum_buffer
				if buf == nil then
					buf = d_p:clone():detach()
					state.momentum_buffer = buf
				else
					buf:mul_(g.momentum):add_(d_p, {alpha = 1 - g.dampening})
				end
				if g.nesterov then d_p = d_p:add(buf, {alpha = g.momentum}) else d_p = buf end
			end
			p:add_(d_p, {alpha = -g.lr})
		end
	end
end

return {SGD = SGD}
