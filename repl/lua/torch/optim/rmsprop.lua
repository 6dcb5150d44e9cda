-- torch.optim.rmsprop - RMSprop (centered, momentum, weight decay,
-- maximize), step for step as PyTorch 1.13's _single_tensor_rmsprop.
local torch = require "torch"
local Optimizer = require "torch.optim.optimizer"

local RMSprop = Optimizer:extend("RMSprop")

-- optim.RMSprop(params, {lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
-- momentum=0, centered=false, maximize=false})
function RMSprop:init(params, opts)
	local d = Optimizer._defaults({lr = 1e-2, alpha = 0.99, eps = 1e-8,
		weight_decay = 0, momentum = 0, centered = false, maximize = false}, opts)
	local check = Optimizer._check
	check(d.lr >= 0, "Invalid learning rate: %s", d.lr)
	check(d.eps >= 0, "Invalid epsilon value: %s", d.eps)
	check(d.momentum >= 0, "Invalid momentum value: %s", d.momentum)
	check(d.weight_decay >= 0, "Invalid weight_decay value: %s", d.weight_decay)
	check(d.alpha >= 0, "Invalid alpha value: %s", d.alpha)
	Optimizer.init(self, params, d)
end

function RMSprop:_step_group(g)
	local alpha = g.alpha
	for _, p in ipairs(g.params) do
		local grad = p.grad
		if grad then
			if g.maximize then grad = -grad end
			local state = self:_state(p)
			if state.step == nil then
				state.step = 0
				state.square_avg = torch.zeros_like(p)
				if g.momentum > 0 then state.momentum_buffer = torch.zeros_like(p) end
				if g.centered then state.grad_avg = torch.zeros_like(p) end
			end
			state.step = state.step + 1
			if g.weight_decay ~= 0 then grad = grad:add(p, {alpha = g.weight_decay}) end
			local square_avg = state.square_avg
			square_avg:mul_(alpha):add_(grad * (1 - alpha) * grad)
			local avg
			if g.centered then
				local grad_avg = state.grad_avg
				grad_avg:mul_(alpha):add_(grad, {alpha = 1 - alpha})
				avg = (square_avg + grad_avg * -1 * grad_avg):sqrt_()
			else
				avg = square_avg:sqrt()
			end
			avg = avg:add_(g.eps)
			if g.momentum > 0 then
				local buf = state.momentum_buffer
				buf:mul_(g.momentum):add_(grad / avg)
				p:add_(buf, {alpha = -g.lr})
			else
				p:add_(grad * -g.lr / avg)
			end
		end
	end
end

return {RMSprop = RMSprop}
