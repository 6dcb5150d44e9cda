-- test_optim_sched.lua - learning-rate schedulers against PyTorch 1.13: the
-- rate (and, for OneCycleLR, the momentum) after each step.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/torch_ref.lua")
local optim = torch.optim
local S = optim.lr_scheduler

local function run(name, make, steps, opt_cls, opt_kw)
	local p = torch.zeros(1, {requires_grad = true})
	local opt = (opt_cls or optim.SGD)({p}, opt_kw or {lr = 0.1, momentum = 0.9})
	local s = make(opt)
	local lrs, moms = {s:get_last_lr()[1]}, {}
	for _ = 1, steps do
		opt:step()
		s:step()
		lrs[#lrs + 1] = s:get_last_lr()[1]
		local g = opt.param_groups[1]
		moms[#moms + 1] = g.betas and g.betas[1] or g.momentum or 0.0
	end
	t.near(lrs, ref.sched[name].lr, 1e-12, name .. ": the rates PyTorch gives")
	return moms, s, opt
end

run("step", function(o) return S.StepLR(o, {step_size = 3, gamma = 0.5}) end, 10)
run("multistep", function(o) return S.MultiStepLR(o, {milestones = {2, 5, 5}, gamma = 0.1}) end, 8)
run("exponential", function(o) return S.ExponentialLR(o, {gamma = 0.9}) end, 6)
run("cosine", function(o) return S.CosineAnnealingLR(o, {T_max = 5, eta_min = 0.01}) end, 16)
run("lambda", function(o) return S.LambdaLR(o, function(e) return 0.95 ^ e end) end, 6)
run("linear", function(o) return S.LinearLR(o, {start_factor = 0.25, total_iters = 4}) end, 7)
local moms, s = run("onecycle", function(o) return S.OneCycleLR(o, {max_lr = 1.0, total_steps = 10}) end, 10)
t.near(moms, ref.sched.onecycle.momentum, 1e-12, "OneCycleLR cycles SGD's momentum")
moms = run("onecycle_adam_linear3", function(o)
	return S.OneCycleLR(o, {max_lr = 0.5, epochs = 2, steps_per_epoch = 6, anneal_strategy = "linear",
		three_phase = true})
end, 12, optim.Adam, {lr = 0.1})
t.near(moms, ref.sched.onecycle_adam_linear3.momentum, 1e-12, "and Adam's beta1 (three phases, linear)")
run("sequential", function(o)
	return S.SequentialLR(o, {schedulers = {S.LinearLR(o, {start_factor = 0.1, total_iters = 2}),
		S.ExponentialLR(o, {gamma = 0.9})}, milestones = {2}})
end, 6)
t.raises(function() s:step() end, "Tried to step 11 times. The specified number of total steps is 10",
	"OneCycleLR refuses to run past its total")

local p = torch.zeros(1, {requires_grad = true})
local opt = optim.SGD({p}, {lr = 0.1})
local sched = S.StepLR(opt, {step_size = 2})
t.is(type(sched:get_last_lr()), "table", "get_last_lr() returns a sequence")
t.is(opt.param_groups[1].initial_lr, 0.1, "a scheduler records initial_lr")
t.raises(function() S.OneCycleLR(opt, {max_lr = 1}) end,
	"You must define either total_steps OR (epochs AND steps_per_epoch)", "OneCycleLR needs a length")
t.raises(function() S.LinearLR(opt, {start_factor = 0}) end,
	"Starting multiplicative factor expected to be greater than 0 and less or equal to 1.", "LinearLR's checks")
t.raises(function() S.SequentialLR(opt, {schedulers = {sched}, milestones = {3}}) end,
	"Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points",
	"SequentialLR's checks")
t.raises(function() S.OneCycleLR(optim.Adagrad({p}), {max_lr = 1, total_steps = 3}) end,
	"optimizer must support momentum with `cycle_momentum` option enabled", "cycle_momentum needs momentum")

t.done()
