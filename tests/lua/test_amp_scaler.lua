-- test_amp_scaler.lua - torch.amp.GradScaler against PyTorch 1.13's
-- GradScaler semantics: growth after growth_interval clean steps, backoff
-- and a skipped step on an inf or NaN gradient, the float32 scaling of a
-- float16 loss, the once-per-step unscale_, state dicts, the disabled
-- pass-through and option checks.  (Values checked against PyTorch on the
-- CPU where its kernels run: the float16 * float32 scale product, and
-- float32 rounding of the scale arithmetic.)
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local GradScaler = torch.amp.GradScaler

-- one parameter w, loss = sum(w * c), so w's gradient is c (times the scale)
local function setup(c, opts)
	local w = torch.tensor({1.0, 2.0}, {requires_grad = true})
	local opt = torch.optim.SGD({w}, {lr = 0.5})
	local scaler = GradScaler(opts)
	local function iterate(cvals)
		opt:zero_grad()
		local loss = (w * torch.tensor(cvals or c)):sum()
		scaler:scale(loss):backward()
		local ret = scaler:step(opt)
		scaler:update()
		return ret
	end
	return w, opt, scaler, iterate
end

-- growth after growth_interval clean steps; the step uses unscaled grads
do
	local w, _, s, iterate = setup({0.25, -0.5}, {init_scale = 4.0, growth_interval = 3})
	t.is(s:get_scale(), 4.0, "get_scale before the first scale() is init_scale")
	iterate()
	t.is(s:get_scale(), 4.0, "scale unchanged after 1 clean step")
	t.is(s:state_dict()._growth_tracker, 1, "growth tracker counts 1 clean step")
	t.is(w:tolist(), {1.0 - 0.5 * 0.25, 2.0 + 0.5 * 0.5}, "step used the unscaled gradient")
	t.is(w.grad:tolist(), {0.25, -0.5}, "gradients are unscaled in place")
	iterate()
	t.is(s:get_scale(), 4.0, "scale unchanged after 2 clean steps")
	iterate()
	t.is(s:get_scale(), 8.0, "scale grows by growth_factor after growth_interval clean steps")
	t.is(s:state_dict()._growth_tracker, 0, "growth tracker resets after growing")
	t.is(w:tolist(), {1.0 - 1.5 * 0.25, 2.0 + 1.5 * 0.5}, "three steps taken")
end

-- an inf gradient: step skipped, scale backed off, tracker reset
for _, bad in ipairs({math.huge, 0 / 0}) do
	local what = bad ~= bad and "NaN" or "inf"
	local w, _, s, iterate = setup({1.0, 1.0}, {growth_interval = 3})
	iterate(); iterate()
	t.is(s:state_dict()._growth_tracker, 2, what .. ": two clean steps counted")
	local before = w:tolist()
	local ret = iterate({bad, 1.0})
	t.is(ret, nil, what .. ": step returns nothing when skipped")
	t.is(w:tolist(), before, what .. ": parameters untouched by the skipped step")
	t.is(s:get_scale(), 32768.0, what .. ": scale multiplied by backoff_factor")
	t.is(s:state_dict()._growth_tracker, 0, what .. ": growth tracker reset")
	iterate(); iterate()
	t.is(s:get_scale(), 32768.0, what .. ": two clean steps after it do not grow the scale")
	iterate()
	t.is(s:get_scale(), 65536.0, what .. ": the third does")
end

-- the scale is a float32 value: non-power-of-two factors round like the
-- kernel's float32 store (PyTorch: float32(65536 * 0.3) = 19660.80078125)
do
	local _, _, s, iterate = setup({1.0, 1.0}, {backoff_factor = 0.3})
	iterate({math.huge, 0})
	t.is(s:get_scale(), 19660.80078125, "backoff by 0.3 rounds the scale to float32")
	local big = GradScaler({init_scale = 3e38, growth_interval = 1})
	local w = torch.tensor({1.0}, {requires_grad = true})
	local opt = torch.optim.SGD({w}, {lr = 0})
	big:scale(w:sum())
	w.grad = torch.tensor({1.0})
	big:step(opt); big:update()
	t.is(big:get_scale(), 3.0000000054977558e+38, "the scale does not grow past float32's range")
	t.is(big:state_dict()._growth_tracker, 0, "the tracker still resets")
end

-- scale(): a float16 loss is multiplied by a float32 one-element tensor
do
	local s = GradScaler()
	local loss = torch.tensor(2.0, {dtype = torch.float16})
	local scaled = s:scale(loss)
	t.is(tostring(scaled.dtype), "torch.float32", "scaled float16 loss is float32 (as PyTorch)")
	t.is(scaled.shape[1], 1, "scaled 0-dim loss has shape [1] (as PyTorch)")
	t.is(scaled:item(), 131072.0, "2 * 65536 does not overflow to inf as it would in float16")
	local a, b = torch.tensor({1.0, 2.0}), torch.tensor(3.0)
	local out = s:scale({a, {b}})
	t.is(out[1]:tolist(), {65536.0, 131072.0}, "scale of a table scales each tensor")
	t.is(out[2][1]:tolist(), {196608.0}, "nested tables are scaled too")
	t.raises(function() s:scale({a, 5}) end, "outputs must be a Tensor or an iterable of Tensors",
		"scale of a table holding a number")
	t.raises(function() s:scale("x") end, "outputs must be a Tensor or an iterable of Tensors",
		"scale of a string")
end

-- the once-per-step rules and PyTorch's error texts
do
	local w = torch.tensor({1.0, 2.0}, {requires_grad = true})
	local opt = torch.optim.SGD({w}, {lr = 0.1})
	local s = GradScaler({init_scale = 8.0})
	t.raises(function() s:unscale_(opt) end, "Attempted unscale_ but _scale is None.  " ..
		"This may indicate your script did not use scaler.scale(loss or outputs) earlier " ..
		"in the iteration.", "unscale_ before scale()")
	t.raises(function() s:update() end, "Attempted update but _scale is None.",
		"update before scale()")
	s:scale(w:sum()):backward()
	t.raises(function() s:update() end, "No inf checks were recorded prior to update.",
		"update before any step or unscale_")
	s:unscale_(opt)
	t.is(w.grad:tolist(), {1.0, 1.0}, "unscale_ divides the gradients by the scale")
	t.raises(function() s:unscale_(opt) end,
		"unscale_() has already been called on this optimizer since the last update().",
		"unscale_ twice")
	t.is(w.grad:tolist(), {1.0, 1.0}, "the failed second unscale_ left the gradients alone")
	s:step(opt)
	t.near(w:tolist(), {0.9, 1.9}, 1e-7, "step after unscale_ does not unscale again")
	t.raises(function() s:unscale_(opt) end, "unscale_() is being called after step().",
		"unscale_ after step")
	t.raises(function() s:step(opt) end, "step() has already been called since the last update().",
		"step twice")
	s:update()
	s:scale(w:sum()):backward()
	t.raises(function() s:step(opt, {closure = function() end}) end,
		"Closure use is not currently supported if GradScaler is enabled.", "closure keyword")
	local ret = s:step(opt, function() return torch.tensor(7.0) end)
	t.is(ret:item(), 7.0, "step returns what optimizer:step returns")
	s:update(1024.0)
	t.is(s:get_scale(), 1024.0, "update(new_scale) sets the scale")
	s:scale(w:sum())
	t.raises(function() s:update(torch.tensor({1.0, 2.0})) end,
		"new_scale should be a float or a 1-element", "update with a two-element tensor")
	s:update(torch.tensor({512.0}))
	t.is(s:get_scale(), 512.0, "update(tensor) sets the scale")
	local h = torch.tensor({1.0}, {dtype = torch.float16, requires_grad = true})
	local hopt = torch.optim.SGD({h}, {lr = 0.1})
	s:scale(h:sum()):backward()
	t.raises(function() s:unscale_(hopt) end, "Attempting to unscale FP16 gradients.",
		"float16 gradients are refused as in PyTorch")
	local n = torch.tensor({1.0}, {requires_grad = true})
	local nopt = torch.optim.SGD({n}, {lr = 0.1})
	t.raises(function() s:step(nopt) end, "No inf checks were recorded for this optimizer.",
		"step of an optimizer without gradients")
	t.raises(function() s:unscale_(5) end, "the optimizer must be a torch.optim optimizer",
		"unscale_ of a number")
end

-- state_dict / load_state_dict
do
	local _, _, s, iterate = setup({1.0, 1.0}, {init_scale = 16.0, growth_factor = 4.0,
		backoff_factor = 0.25, growth_interval = 5})
	iterate(); iterate(); iterate({0 / 0, 1})
	iterate(); iterate()
	local sd = s:state_dict()
	t.is(sd, {scale = 4.0, growth_factor = 4.0, backoff_factor = 0.25, growth_interval = 5,
		_growth_tracker = 2}, "state_dict has PyTorch's five entries")
	local s2 = GradScaler()
	s2:load_state_dict(sd)
	t.is(s2:state_dict(), sd, "load_state_dict round trip (before any scale())")
	t.is(s2:get_scale(), 4.0, "loaded scale")
	local w = torch.tensor({1.0}, {requires_grad = true})
	local opt = torch.optim.SGD({w}, {lr = 0})
	for _ = 1, 3 do
		s2:scale(w:sum()):backward(); s2:step(opt); s2:update(); opt:zero_grad()
	end
	t.is(s2:get_scale(), 16.0, "loaded tracker: grows after the remaining 3 clean steps")
	s2:load_state_dict(sd)
	t.is(s2:state_dict(), sd, "load_state_dict after scale() resets scale and tracker")
	t.raises(function() s2:load_state_dict({}) end, "The source state dict is empty, possibly " ..
		"because it was saved from a disabled instance of GradScaler.", "empty state dict")
	t.raises(function() s2:load_state_dict({scale = 2}) end, "no number 'growth_factor'",
		"incomplete state dict")
	t.is(s:get_growth_factor(), 4.0, "get_growth_factor")
	s:set_growth_factor(3.0); t.is(s:get_growth_factor(), 3.0, "set_growth_factor")
	s:set_backoff_factor(0.125); t.is(s:get_backoff_factor(), 0.125, "set_backoff_factor")
	s:set_growth_interval(7); t.is(s:get_growth_interval(), 7, "set_growth_interval")
	t.is(s:is_enabled(), true, "is_enabled")
end

-- enabled = false: every method passes through
do
	local w = torch.tensor({1.0, 2.0}, {requires_grad = true})
	local opt = torch.optim.SGD({w}, {lr = 0.5})
	local s = GradScaler({enabled = false})
	local loss = (w * 2):sum()
	t.ok(rawequal(s:scale(loss), loss), "disabled: scale returns its argument")
	loss:backward()
	s:unscale_(opt)
	t.is(w.grad:tolist(), {2.0, 2.0}, "disabled: unscale_ does nothing")
	s:step(opt)
	t.is(w:tolist(), {0.0, 1.0}, "disabled: step runs optimizer:step")
	t.lives(function() s:step(opt) end, "disabled: step twice is fine")
	t.is(s:step(opt, function() return 3 end), 3, "disabled: step returns optimizer:step's value")
	s:update(); s:update(5.0)
	t.is(s:get_scale(), 1.0, "disabled: get_scale is 1.0")
	t.is(s:state_dict(), {}, "disabled: state_dict is empty")
	t.lives(function() s:load_state_dict({}) end, "disabled: load_state_dict is a no-op")
	t.is(s:is_enabled(), false, "disabled: is_enabled")
	w.grad = torch.tensor({math.huge, 1})
	s:step(opt)
	t.is(w:tolist()[1], -math.huge, "disabled: no inf check, the step runs")
end

-- bad options
t.raises(function() GradScaler({growth_factor = 1.0}) end, "The growth factor must be > 1.0.",
	"growth_factor 1")
t.raises(function() GradScaler({backoff_factor = 1.5}) end, "The backoff factor must be < 1.0.",
	"backoff_factor 1.5")
t.raises(function() GradScaler({init_scal = 2}) end,
	"__init__() got an unexpected keyword argument 'init_scal'", "misspelt option")
t.raises(function() GradScaler({init_scale = "big"}) end,
	"GradScaler: init_scale must be a number, got string", "init_scale a string")
t.raises(function() GradScaler({growth_interval = 2.5}) end,
	"GradScaler: growth_interval must be an integer, got 2.5", "fractional growth_interval")
t.raises(function() GradScaler({growth_interval = 0}) end,
	"GradScaler: growth_interval must be at least 1, got 0", "growth_interval 0")
t.raises(function() GradScaler({enabled = "yes"}) end,
	"GradScaler: enabled must be a boolean, got string", "enabled a string")
t.raises(function() GradScaler(65536) end, "GradScaler: the options must be a table",
	"options a number")
t.lives(function() GradScaler({enabled = false, growth_factor = 0.5}) end,
	"disabled: factors are not checked (as PyTorch)")
t.is(tostring(GradScaler({init_scale = 8})), "GradScaler(scale=8, growth_factor=2.0, " ..
	"backoff_factor=0.5, growth_interval=2000)", "tostring")

t.done()
