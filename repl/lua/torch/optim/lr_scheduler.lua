-- torch.optim.lr_scheduler - learning-rate schedules as PyTorch 1.13's
-- chainable forms: each step computes the new rates from the current ones
-- (get_lr), and `scheduler:step()` follows `optimizer:step()`.
--
--   sched = optim.lr_scheduler.StepLR(opt, {step_size=10, gamma=0.5})
--   sched:step(); sched:get_last_lr()   -- a sequence, one rate per group
local class = require "torch.class"
local Optimizer = require "torch.optim.optimizer"

local warn = function(msg) require("torch.nn.functional")._warn(msg, 3) end

local LRScheduler = class.root("LRScheduler")

function LRScheduler.__new(cls, ...)
	local self = setmetatable({}, class.instance_meta(cls))
	cls.init(self, ...)
	return self
end

function LRScheduler.extend(parent, name) return class.extend(parent, name) end

local function opt_table(opts) return type(opts) == "table" and opts or {} end

-- LRScheduler.init(self, optimizer, last_epoch): records base rates and
-- takes the initial step (last_epoch becomes 0).
function LRScheduler:init(optimizer, last_epoch)
	if not class.isinstance(optimizer, Optimizer) then
		error(("%s is not an Optimizer"):format(type(optimizer)), 3)
	end
	self.optimizer = optimizer
	last_epoch = last_epoch or -1
	for i, group in ipairs(optimizer.param_groups) do
		if last_epoch == -1 then
			if group.initial_lr == nil then group.initial_lr = group.lr end
		elseif group.initial_lr == nil then
			error(("param 'initial_lr' is not specified in param_groups[%d] when " ..
				"resuming an optimizer"):format(i - 1), 3)
		end
	end
	self.base_lrs = {}
	for i, group in ipairs(optimizer.param_groups) do self.base_lrs[i] = group.initial_lr end
	self.last_epoch = last_epoch
	self:_initial_step()
end

function LRScheduler:_initial_step()
	self.optimizer._step_count = 0
	self._step_count = 0
	self:step()
end

function LRScheduler:get_last_lr()
	return table.move(self._last_lr, 1, #self._last_lr, 1, {})
end

local function current(self)
	local out = {}
	for i, g in ipairs(self.optimizer.param_groups) do out[i] = g.lr end
	return out
end

-- step() advances one epoch; step(epoch) jumps there (the closed form
-- where the schedule has one, as PyTorch does; deprecated there too).
function LRScheduler:step(epoch, _quiet)
	if self._step_count == 1 and self.optimizer._step_count < 1 then
		warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. " ..
			"In PyTorch 1.1.0 and later, you should call them in the opposite " ..
			"order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to " ..
			"do this will result in PyTorch skipping the first value of the " ..
			"learning rate schedule. See more details at " ..
			"https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")
	end
	self._step_count = self._step_count + 1
	local values
	if epoch == nil then
		self.last_epoch = self.last_epoch + 1
		values = self:get_lr()
	else
		if not _quiet then
			warn("The epoch parameter in `scheduler.step()` was not necessary and " ..
				"is being deprecated where possible. Please use `scheduler.step()` " ..
				"to step the scheduler. During the deprecation, if epoch is " ..
				"different from None, the closed form is used instead of the new " ..
				"chainable form, where available. Please open an issue if you are " ..
				"unable to replicate your use case: " ..
				"https://github.com/pytorch/pytorch/issues/new/choose.")
		end
		self.last_epoch = epoch
		values = self._get_closed_form_lr and self:_get_closed_form_lr() or self:get_lr()
	end
	for i, g in ipairs(self.optimizer.param_groups) do g.lr = values[i] end
	self._last_lr = current(self)
end

-- Everything but the optimizer (and functions, which cannot be saved).
function LRScheduler:state_dict()
	local sd = {}
	for k, v in pairs(self) do
		if k ~= "optimizer" and type(v) ~= "function" then sd[k] = v end
	end
	return sd
end

function LRScheduler:load_state_dict(sd)
	for k, v in pairs(sd) do self[k] = v end
end

local function map_groups(self, fn)
	local out = {}
	for i, g in ipairs(self.optimizer.param_groups) do out[i] = fn(g, self.base_lrs[i], i) end
	return out
end

local function unchanged(self) return current(self) end

-- ------------------------------------------------------------ StepLR

local StepLR = LRScheduler:extend("StepLR")

-- StepLR(opt, {step_size=, gamma=0.1, last_epoch=-1})
function StepLR:init(optimizer, opts)
	opts = opt_table(opts)
	self.step_size = opts.step_size
	self.gamma = opts.gamma or 0.1
	if math.type(self.step_size) ~= "integer" then
		error("StepLR: step_size must be an integer, got " .. tostring(self.step_size), 3)
	end
	LRScheduler.init(self, optimizer, opts.last_epoch)
end

function StepLR:get_lr()
	if self.last_epoch == 0 or self.last_epoch % self.step_size ~= 0 then
		return unchanged(self)
	end
	return map_groups(self, function(g) return g.lr * self.gamma end)
end

function StepLR:_get_closed_form_lr()
	return map_groups(self, function(_, base)
		return base * self.gamma ^ (self.last_epoch // self.step_size)
	end)
end

-- ------------------------------------------------------------ MultiStepLR

local MultiStepLR = LRScheduler:extend("MultiStepLR")

-- the number of milestones <= epoch (bisect_right)
local function bisect_right(list, x)
	local n = 0
	for _, m in ipairs(list) do
		if m <= x then n = n + 1 end
	end
	return n
end

-- MultiStepLR(opt, {milestones={30, 80}, gamma=0.1})
function MultiStepLR:init(optimizer, opts)
	opts = opt_table(opts)
	self.milestones = {}
	for _, m in ipairs(opts.milestones or {}) do self.milestones[#self.milestones + 1] = m end
	table.sort(self.milestones)
	self.gamma = opts.gamma or 0.1
	LRScheduler.init(self, optimizer, opts.last_epoch)
end

function MultiStepLR:get_lr()
	local count = 0
	for _, m in ipairs(self.milestones) do
		if m == self.last_epoch then count = count + 1 end
	end
	if count == 0 then return unchanged(self) end
	return map_groups(self, function(g) return g.lr * self.gamma ^ count end)
end

function MultiStepLR:_get_closed_form_lr()
	return map_groups(self, function(_, base)
		return base * self.gamma ^ bisect_right(self.milestones, self.last_epoch)
	end)
end

-- ------------------------------------------------------------ ExponentialLR

local ExponentialLR = LRScheduler:extend("ExponentialLR")

-- ExponentialLR(opt, {gamma=})
function ExponentialLR:init(optimizer, opts)
	opts = type(opts) == "number" and {gamma = opts} or opt_table(opts)
	self.gamma = opts.gamma
	LRScheduler.init(self, optimizer, opts.last_epoch)
end

function ExponentialLR:get_lr()
	if self.last_epoch == 0 then return unchanged(self) end
	return map_groups(self, function(g) return g.lr * self.gamma end)
end

function ExponentialLR:_get_closed_form_lr()
	return map_groups(self, function(_, base) return base * self.gamma ^ self.last_epoch end)
end

-- ------------------------------------------------------------ CosineAnnealingLR

local CosineAnnealingLR = LRScheduler:extend("CosineAnnealingLR")

-- CosineAnnealingLR(opt, {T_max=, eta_min=0})
function CosineAnnealingLR:init(optimizer, opts)
	opts = opt_table(opts)
	self.T_max = opts.T_max
	self.eta_min = opts.eta_min or 0
	LRScheduler.init(self, optimizer, opts.last_epoch)
end

function CosineAnnealingLR:get_lr()
	local e, T, eta = self.last_epoch, self.T_max, self.eta_min
	if e == 0 then return unchanged(self) end
	if self._step_count == 1 and e > 0 then
		return map_groups(self, function(_, base)
			return eta + (base - eta) * (1 + math.cos(e * math.pi / T)) / 2
		end)
	end
	if (e - 1 - T) % (2 * T) == 0 then
		return map_groups(self, function(g, base)
			return g.lr + (base - eta) * (1 - math.cos(math.pi / T)) / 2
		end)
	end
	return map_groups(self, function(g)
		return (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) *
			(g.lr - eta) + eta
	end)
end

function CosineAnnealingLR:_get_closed_form_lr()
	return map_groups(self, function(_, base)
		return self.eta_min + (base - self.eta_min) *
			(1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
	end)
end

-- ------------------------------------------------------------ LambdaLR

local LambdaLR = LRScheduler:extend("LambdaLR")

-- LambdaLR(opt, lr_lambda) or LambdaLR(opt, {lr_lambda=f}); f(epoch) is a
-- factor of the initial rate; a sequence gives one function per group.
function LambdaLR:init(optimizer, lr_lambda)
	local opts = {}
	if type(lr_lambda) == "table" and lr_lambda.lr_lambda then
		opts = lr_lambda
		lr_lambda = opts.lr_lambda
	end
	local n = #optimizer.param_groups
	local callable = function(f)
		return type(f) == "function" or (type(f) == "table" and getmetatable(f) ~= nil
			and getmetatable(f).__call ~= nil)
	end
	if not callable(lr_lambda) then
		if type(lr_lambda) ~= "table" then
			error(("LambdaLR: lr_lambda must be a function or a list of functions, got %s")
				:format(type(lr_lambda)), 3)
		end
		for i, f in ipairs(lr_lambda) do
			if not callable(f) then
				error(("LambdaLR: lr_lambda[%d] must be a function, got %s"):format(i, type(f)), 3)
			end
		end
	end
	if type(lr_lambda) == "function" then
		self.lr_lambdas = {}
		for i = 1, n do self.lr_lambdas[i] = lr_lambda end
	else
		if #lr_lambda ~= n then
			error(("Expected %d lr_lambdas, but got %d"):format(n, #lr_lambda), 3)
		end
		self.lr_lambdas = lr_lambda
	end
	LRScheduler.init(self, optimizer, opts.last_epoch)
end

function LambdaLR:get_lr()
	return map_groups(self, function(_, base, i) return base * self.lr_lambdas[i](self.last_epoch) end)
end

-- ------------------------------------------------------------ LinearLR

local LinearLR = LRScheduler:extend("LinearLR")

-- LinearLR(opt, {start_factor=1/3, end_factor=1.0, total_iters=5})
function LinearLR:init(optimizer, opts)
	opts = opt_table(opts)
	local s, e = opts.start_factor or 1.0 / 3, opts.end_factor or 1.0
	for k, v in pairs({start_factor = s, end_factor = e, total_iters = opts.total_iters or 5}) do
		if type(v) ~= "number" then
			error(("LinearLR: %s must be a number, got %s"):format(k, type(v)), 3)
		end
	end
	if s > 1.0 or s <= 0 then
		error("Starting multiplicative factor expected to be greater than 0 and " ..
			"less or equal to 1.", 3)
	end
	if e > 1.0 or e < 0 then
		error("Ending multiplicative factor expected to be between 0 and 1.", 3)
	end
	self.start_factor, self.end_factor = s, e
	self.total_iters = opts.total_iters or 5
	LRScheduler.init(self, optimizer, opts.last_epoch)
end

function LinearLR:get_lr()
	local s, e, n, k = self.start_factor, self.end_factor, self.total_iters, self.last_epoch
	if k == 0 then return map_groups(self, function(g) return g.lr * s end) end
	if k > n then return unchanged(self) end
	return map_groups(self, function(g)
		return g.lr * (1.0 + (e - s) / (n * s + (k - 1) * (e - s)))
	end)
end

function LinearLR:_get_closed_form_lr()
	local s, e, n = self.start_factor, self.end_factor, self.total_iters
	return map_groups(self, function(_, base)
		return base * (s + (e - s) * math.min(n, self.last_epoch) / n)
	end)
end

-- ------------------------------------------------------------ OneCycleLR

local OneCycleLR = LRScheduler:extend("OneCycleLR")

local function per_group(optimizer, name, v)
	if type(v) == "table" then
		if #v ~= #optimizer.param_groups then
			error(("expected %d values for %s, got %d"):format(#optimizer.param_groups,
				name, #v), 4)
		end
		return v
	end
	local out = {}
	for i = 1, #optimizer.param_groups do out[i] = v end
	return out
end

local function positive_int(v) return math.type(v) == "integer" and v > 0 end

-- OneCycleLR(opt, {max_lr=, total_steps= | epochs=, steps_per_epoch=,
-- pct_start=0.3, anneal_strategy="cos", cycle_momentum=true,
-- base_momentum=0.85, max_momentum=0.95, div_factor=25,
-- final_div_factor=1e4, three_phase=false})
function OneCycleLR:init(optimizer, opts)
	opts = opt_table(opts)
	local total, epochs, spe = opts.total_steps, opts.epochs, opts.steps_per_epoch
	if total == nil and epochs == nil and spe == nil then
		error("You must define either total_steps OR (epochs AND steps_per_epoch)", 3)
	elseif total ~= nil then
		if not positive_int(total) then
			error(("Expected positive integer total_steps, but got %s"):format(tostring(total)), 3)
		end
	else
		if not positive_int(epochs) then
			error(("Expected positive integer epochs, but got %s"):format(tostring(epochs)), 3)
		end
		if not positive_int(spe) then
			error(("Expected positive integer steps_per_epoch, but got %s"):format(tostring(spe)), 3)
		end
		total = epochs * spe
	end
	self.total_steps = total
	local pct = opts.pct_start or 0.3
	if type(pct) ~= "number" or pct < 0 or pct > 1 then
		error(("Expected float between 0 and 1 pct_start, but got %s"):format(tostring(pct)), 3)
	end
	if opts.three_phase then
		self._schedule_phases = {
			{end_step = pct * total - 1, start_lr = "initial_lr", end_lr = "max_lr",
				start_momentum = "max_momentum", end_momentum = "base_momentum"},
			{end_step = 2 * pct * total - 2, start_lr = "max_lr", end_lr = "initial_lr",
				start_momentum = "base_momentum", end_momentum = "max_momentum"},
			{end_step = total - 1, start_lr = "initial_lr", end_lr = "min_lr",
				start_momentum = "max_momentum", end_momentum = "max_momentum"},
		}
	else
		self._schedule_phases = {
			{end_step = pct * total - 1, start_lr = "initial_lr", end_lr = "max_lr",
				start_momentum = "max_momentum", end_momentum = "base_momentum"},
			{end_step = total - 1, start_lr = "max_lr", end_lr = "min_lr",
				start_momentum = "base_momentum", end_momentum = "max_momentum"},
		}
	end
	local strategy = opts.anneal_strategy or "cos"
	if strategy == "cos" then
		self.anneal_func = function(a, b, p) return b + (a - b) / 2.0 * (math.cos(math.pi * p) + 1) end
	elseif strategy == "linear" then
		self.anneal_func = function(a, b, p) return (b - a) * p + a end
	else
		error(("anneal_strategy must by one of 'cos' or 'linear', instead got %s")
			:format(tostring(strategy)), 3)
	end
	local last_epoch = opts.last_epoch or -1
	local div, final_div = opts.div_factor or 25.0, opts.final_div_factor or 1e4
	local max_lrs = per_group(optimizer, "max_lr", opts.max_lr)
	if last_epoch == -1 then
		for i, g in ipairs(optimizer.param_groups) do
			g.initial_lr = max_lrs[i] / div
			g.max_lr = max_lrs[i]
			g.min_lr = g.initial_lr / final_div
		end
	end
	self.cycle_momentum = opts.cycle_momentum ~= false
	if self.cycle_momentum then
		local d = optimizer.defaults
		if d.momentum == nil and d.betas == nil then
			error("optimizer must support momentum with `cycle_momentum` option enabled", 3)
		end
		self.use_beta1 = d.betas ~= nil
		local maxm = per_group(optimizer, "max_momentum", opts.max_momentum or 0.95)
		local basem = per_group(optimizer, "base_momentum", opts.base_momentum or 0.85)
		if last_epoch == -1 then
			for i, g in ipairs(optimizer.param_groups) do
				if self.use_beta1 then
					g.betas = {maxm[i], g.betas[2]}
				else
					g.momentum = maxm[i]
				end
				g.max_momentum, g.base_momentum = maxm[i], basem[i]
			end
		end
	end
	LRScheduler.init(self, optimizer, last_epoch)
end

function OneCycleLR:get_lr()
	local step = self.last_epoch
	if step > self.total_steps then
		error(("Tried to step %d times. The specified number of total steps is %d")
			:format(step, self.total_steps), 3)
	end
	local phases = self._schedule_phases
	return map_groups(self, function(g)
		local start, lr, mom = 0
		for i, ph in ipairs(phases) do
			if step <= ph.end_step or i == #phases then
				local pct = (step - start) / (ph.end_step - start)
				lr = self.anneal_func(g[ph.start_lr], g[ph.end_lr], pct)
				if self.cycle_momentum then
					mom = self.anneal_func(g[ph.start_momentum], g[ph.end_momentum], pct)
				end
				break
			end
			start = ph.end_step
		end
		if self.cycle_momentum then
			if self.use_beta1 then g.betas = {mom, g.betas[2]} else g.momentum = mom end
		end
		return lr
	end)
end

-- ------------------------------------------------------------ SequentialLR

local SequentialLR = LRScheduler:extend("SequentialLR")

-- SequentialLR(opt, {schedulers={s1, s2}, milestones={10}})
function SequentialLR:init(optimizer, opts)
	opts = opt_table(opts)
	local schedulers, milestones = opts.schedulers or {}, opts.milestones or {}
	if #schedulers < 1 then
		error("SequentialLR expects at least one scheduler, but got no scheduler.", 3)
	end
	for i, s in ipairs(schedulers) do
		if s.optimizer ~= optimizer then
			error(("SequentialLR expects all schedulers to belong to the same " ..
				"optimizer, but got schedulers at index %d to be different than the " ..
				"optimizer passed in."):format(i - 1), 3)
		end
	end
	if #milestones ~= #schedulers - 1 then
		error(("Sequential Schedulers expects number of schedulers provided to be " ..
			"one more than the number of milestone points, but got number of " ..
			"schedulers %d and the number of milestones to be equal to %d")
			:format(#schedulers, #milestones), 3)
	end
	self._schedulers, self._milestones = schedulers, milestones
	self.last_epoch = (opts.last_epoch or -1) + 1
	self.optimizer = optimizer
	for _, g in ipairs(optimizer.param_groups) do g.lr = g.initial_lr end
	for _, s in ipairs(schedulers) do s.last_epoch = s.last_epoch - 1 end
	schedulers[1]:_initial_step()
	self._last_lr = schedulers[1]:get_last_lr()
end

function SequentialLR:step()
	self.last_epoch = self.last_epoch + 1
	local idx = bisect_right(self._milestones, self.last_epoch)
	local s = self._schedulers[idx + 1]
	if idx > 0 and self._milestones[idx] == self.last_epoch then
		s:step(0, true)
	else
		s:step()
	end
	self._last_lr = s:get_last_lr()
end

return {
	LRScheduler = LRScheduler, _LRScheduler = LRScheduler,
	StepLR = StepLR, MultiStepLR = MultiStepLR, ExponentialLR = ExponentialLR,
	CosineAnnealingLR = CosineAnnealingLR, LambdaLR = LambdaLR, LinearLR = LinearLR,
	OneCycleLR = OneCycleLR, SequentialLR = SequentialLR,
}
