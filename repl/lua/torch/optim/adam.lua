-- torch.optim.adam - Adam and AdamW (decoupled weight decay), with amsgrad
-- and maximize, step for step as PyTorch 1.13's _single_tensor_adam(w).
local torch = require "torch"
local Optimizer = require "torch.optim.optimizer"

local function check_options(d)
	local check = Optimizer._check
	check(d.lr >= 0, "Invalid learning rate: %s", d.lr)
	check(d.eps >= 0, "Invalid epsilon value: %s", d.eps)
	check(d.betas[1] >= 0 and d.betas[1] < 1, "Invalid beta parameter at index 0: %s", d.betas[1])
	check(d.betas[2] >= 0 and d.betas[2] < 1, "Invalid beta parameter at index 1: %s", d.betas[2])
	check(d.weight_decay >= 0, "Invalid weight_decay value: %s", d.weight_decay)
end

-- The moment updates and the step both share; `decoupled` is AdamW's
-- weight decay (on the parameter), otherwise it is added to the gradient.
local function adam_step(self, g, decoupled)
	local beta1, beta2 = g.betas[1], g.betas[2]
	for _, p in ipairs(g.params) do
		local grad = p.grad
		if grad then
			if g.maximize then grad = -grad end
			local state = self:_state(p)
			if state.step == nil then
				state.step = 0
				state.exp_avg = torch.zeros_like(p)
				state.exp_avg_sq = torch.zeros_like(p)
				if g.amsgrad then state.max_exp_avg_sq = torch.zeros_like(p) end
			end
			state.step = state.step + 1
			if decoupled then
				p:mul_(1 - g.lr * g.weight_decay)
			elseif g.weight_decay ~= 0 then
				grad = grad:add(p, {alpha = g.weight_decay})
			end
			local exp_avg, exp_avg_sq = state.exp_avg, state.exp_avg_sq
			exp_avg:mul_(beta1):add_(grad, {alpha = 1 - beta1})
			exp_avg_sq:mul_(beta2):add_(grad * (1 - beta2) * grad)
			local step = state.step
			local bias_correction1 = 1 - beta1 ^ step
			local bias_correction2 = 1 - beta2 ^ step
			local step_size = g.lr / bias_correction1
			local bias_correction2_sqrt = math.sqrt(bias_correction2)
			local denom
			if g.amsgrad then
				local m = state.max_exp_avg_sq
				m:copy_(torch.where(exp_avg_sq:gt(m), exp_avg_sq, m))
				denom = (m:sqrt() / bias_correction2_sqrt):add_(g.eps)
			else
				denom = (exp_avg_sq:sqrt() / bias_correction2_sqrt):add_(g.eps)
			end
			p:add_(exp_avg * -step_size / denom)
		end
	end
end

local Adam = Optimizer:extend("Adam")

-- optim.Adam(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8,
-- weight_decay=0, amsgrad=false, maximize=false})
function Adam:init(params, opts)
	local d = Optimizer._defaults({lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8,
		weight_decay = 0, amsgrad = false, maximize = false}, opts)
	check_options(d)
	Optimizer.init(self, params, d)
end

function Adam:_step_group(g) adam_step(self, g, false) end

local AdamW = Optimizer:extend("AdamW")

-- optim.AdamW(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8,
-- weight_decay=1e-2, amsgrad=false, maximize=false})
function AdamW:init(params, opts)
	local d = Optimizer._defaults({lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8,
		weight_decay = 1e-2, amsgrad = false, maximize = false}, opts)
	check_options(d)
	Optimizer.init(self, params, d)
end

function AdamW:_step_group(g) adam_step(self, g, true) end

return {Adam = Adam, AdamW = AdamW}
