#!/usr/bin/env agdb
-- scripts/mixed_precision.lua - a lesson in mixed precision: why float16
-- training needs loss scaling, shown on a small MLP whose gradients are
-- small enough to underflow in float16.
--
--   agdb scripts/mixed_precision.lua [--quick] [--steps N] [--seed N]
--
-- The model (16 -> 32 -> 32 -> 32 -> 1, ReLU, its output times 3e-3)
-- regresses a target of the same small scale (|y| <= 3e-3) with mse_loss,
-- so the loss and its gradients are tiny: the loss is about 1e-5 at the
-- start and the gradients of the hidden activations about 1e-8, under
-- float16's smallest subnormal (6e-8).  (The scale does not change what
-- Adam learns in float32: its steps do not depend on the gradients'
-- magnitude.)  It is trained three ways from the
-- same start with Adam: in float32; under torch.autocast in float16
-- without loss scaling, where the lower layers' gradients round to zero
-- and those layers stop learning; and with torch.amp.GradScaler, which
-- multiplies the loss by 2^16 before backward and divides the gradients
-- by it again, so they stay in float16's range.  It prints the per-layer
-- table of agdb.precision_report (the share of each parameter's gradient
-- that float16 lost to zero, without and with a scale), the three loss
-- curves as a text plot, and the final losses.
--
-- float16 on CPU: PyTorch 1.13 only autocasts to bfloat16 there; agdb
-- takes float16 too (see core/autocast.h), and every op has a float16
-- kernel (float32 inside, rounded on store, as PyTorch 2's CPU kernels).
local torch = require "torch"
local nn, F, optim = torch.nn, torch.nn.functional, torch.optim
local agdb = agdb or require "agdb"

local opts = {steps = 150, seed = 0, quick = false}
do
	local i = 1
	while arg and arg[i] do
		local a = arg[i]
		if a == "--quick" then opts.quick = true; opts.steps = 60
		elseif a == "--steps" then i = i + 1; opts.steps = math.tointeger(tonumber(arg[i]))
		elseif a == "--seed" then i = i + 1; opts.seed = math.tointeger(tonumber(arg[i]))
		else error("usage: agdb scripts/mixed_precision.lua [--quick] [--steps N] [--seed N]", 0) end
		i = i + 1
	end
	if not opts.steps or opts.steps < 2 then error("--steps needs a number >= 2", 0) end
end

-- ------------------------------------------------------------ data, model
torch.manual_seed(opts.seed)
local N, D, H = 256, 16, 32
local C = 3e-3
local X = torch.randn(N, D)
local Y = (X:mm(torch.randn(D, 1)) * 0.5):tanh() * C

local Scale = nn.Module:extend("Scale")
function Scale:forward(x) return x * C end

local function make_model()
	return nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(),
		nn.Linear(H, H), nn.ReLU(), nn.Linear(H, 1), Scale())
end
local start = make_model():state_dict()

-- ------------------------------------------------------------ the report
local model = make_model()
model:load_state_dict(start)
local report = agdb.precision_report(function()
	model:zero_grad()
	local loss = F.mse_loss(model(X), Y)
	loss:backward()
	return loss
end, {model = model, dtype = torch.float16, scale = 1024})
print(report.text)
print()

-- ------------------------------------------------------------ training
local AC = {device_type = "cpu", dtype = torch.float16}

local function train(mode)
	local m = make_model()
	m:load_state_dict(start)
	local opt = optim.Adam(m:parameters(), {lr = 3e-3})
	local scaler = mode == "scaled" and torch.amp.GradScaler() or nil
	local curve, zeroed = {}, 0
	for step = 1, opts.steps do
		opt:zero_grad()
		local loss
		if mode == "float32" then
			loss = F.mse_loss(m(X), Y)
		else
			loss = torch.autocast(AC, function() return F.mse_loss(m(X), Y) end)
		end
		if scaler then
			scaler:scale(loss):backward()
			scaler:step(opt)
			scaler:update()
		else
			loss:backward()
			opt:step()
		end
		curve[step] = loss:item()
		if step == 1 then	-- the first layer's gradient: how much of it is zero
			local g = m[1].weight.grad
			zeroed = g:eq(0):sum():item() / g:numel()
		end
	end
	return curve, zeroed
end

local runs = {
	{name = "float32", mark = "*"},
	{name = "float16", mark = "o", label = "float16 autocast, no scaling"},
	{name = "scaled", mark = "+", label = "float16 autocast + GradScaler"},
}
for _, r in ipairs(runs) do r.curve, r.zeroed = train(r.name) end

-- ------------------------------------------------------------ the plot
local W, ROWS = 60, 14
local lo, hi = math.huge, -math.huge
for _, r in ipairs(runs) do
	for _, v in ipairs(r.curve) do
		local l = math.log(v, 10)
		if l < lo then lo = l end
		if l > hi then hi = l end
	end
end
if hi - lo < 1e-9 then hi = lo + 1 end
local grid = {}
for y = 1, ROWS do grid[y] = {} for x = 1, W do grid[y][x] = " " end end
for _, r in ipairs(runs) do
	for x = 1, W do
		local s = math.max(1, math.floor((x - 1) * (#r.curve - 1) / (W - 1) + 0.5) + 1)
		local l = math.log(r.curve[s], 10)
		local y = ROWS - math.floor((l - lo) / (hi - lo) * (ROWS - 1) + 0.5)
		grid[y][x] = grid[y][x] == " " and r.mark or (grid[y][x] == r.mark and r.mark or "#")
	end
end
print(("loss (log scale) over %d steps of Adam:"):format(opts.steps))
for y = 1, ROWS do
	local l = hi - (y - 1) / (ROWS - 1) * (hi - lo)
	local label = (y == 1 or y == ROWS or y == (ROWS + 1) // 2) and ("%8.1e |"):format(10 ^ l) or "         |"
	print(label .. table.concat(grid[y]))
end
print("         +" .. ("-"):rep(W))
for _, r in ipairs(runs) do
	print(("          %s %s"):format(r.mark, r.label or r.name))
end
print(("          (# where curves overlap)"))
print()

-- ------------------------------------------------------------ the result
print("final losses:")
for _, r in ipairs(runs) do
	print(("  %-32s %.3e   (first layer's gradient at step 1: %5.1f%% zero)"):format(
		r.label or r.name, r.curve[#r.curve], 100 * r.zeroed))
end
local f32, f16, sc = runs[1].curve[#runs[1].curve], runs[2].curve[#runs[2].curve], runs[3].curve[#runs[3].curve]
print()
print(("Without scaling, float16 ends %.1fx above float32: its lower layers got zero gradients."):format(f16 / f32))
print(("With GradScaler it ends at %.2fx float32's loss."):format(sc / f32))

return {report = report, runs = runs, final = {float32 = f32, float16 = f16, scaled = sc}}
