-- test_precision_report.lua - agdb.precision_report: per parameter the
-- gradient's error under autocast and the share of it lost to zero,
-- unscaled and scaled, checked against the same quantities computed here
-- by hand; the ways of naming the parameters; its errors.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local agdb = agdb or require "agdb"
local F = torch.nn.functional

torch.manual_seed(3)
-- x @ w: w's gradient is x^T g with g = d(loss)/d(out) = 1e-9 * 2 (out - 0)
-- / numel: tiny values that float16 flushes to zero in the product's
-- backward, but not once the loss is scaled by 2^20
local x = torch.randn(8, 4)
local w = torch.randn(4, 3, {requires_grad = true})
local b = torch.randn(3, {requires_grad = true})
local function fn()
	local loss = F.mse_loss(x:mm(w) + b, torch.zeros(8, 3)) * 1e-9
	loss:backward()
	return loss
end
local r = agdb.precision_report(fn, {params = {w = w, b = b}, dtype = torch.float16, scale = 2 ^ 20})
t.is(#r.rows, 2, "one row per parameter")
t.is(r.rows[1].name, "b", "named by the keys, sorted")
t.is(r.rows[2].name, "w", "w")

-- by hand: float32, float16 autocast, scaled
local function grads(dtype, scale)
	w.grad, b.grad = nil, nil
	local function body()
		local loss = F.mse_loss(x:mm(w) + b, torch.zeros(8, 3)) * 1e-9
		loss:backward(torch.ones_like(loss) * (scale or 1))
	end
	if dtype then torch.autocast({device_type = "cpu", dtype = dtype}, body) else body() end
	return w.grad:double() / (scale or 1)
end
local g32, g16, gs = grads(), grads(torch.float16), grads(torch.float16, 2 ^ 20)
local nz = g32:ne(0):sum():item()
local lost = g32:ne(0):logical_and(g16:eq(0)):sum():item() / nz
t.ok(lost > 0.5, ("the example loses gradient in float16 (%.0f%%)"):format(100 * lost))
t.near(r.rows[2].zeroed, lost, 1e-12, "zeroed: the share of nonzero float32 values that became zero")
t.near(r.rows[2].rel_err, (g16 - g32):norm():item() / g32:norm():item(), 1e-9, "rel_err: |g - g32| / |g32|")
t.near(r.rows[2].rel_err_scaled, (gs - g32):norm():item() / g32:norm():item(), 1e-9, "the same scaled")
t.is(r.rows[2].zeroed_scaled, 0.0, "scaled by 2^20 nothing is lost")
t.ok(r.rows[2].rel_err_scaled < 1e-2, "and the error is float16's rounding")
t.ok(tostring(r):find("precision report: float32 against float16 autocast, loss scale 1.04858e+06", 1, true),
	"the answer prints its table")
t.ok(r.text:find("\nw%s+12%s"), "a row per parameter with its numel")

-- bfloat16 keeps float32's range: nothing lost
local rb = agdb.precision_report(fn, {params = {w}, dtype = torch.bfloat16})
t.is(rb.rows[1].zeroed, 0.0, "bfloat16 loses nothing to underflow")
t.is(rb.scale, 1024, "the default scale is 1024")

-- the parameters found from the loss's graph when not given
W1 = torch.randn(4, 3, {requires_grad = true})
local rg = agdb.precision_report(function()
	local loss = x:mm(W1):sum()
	loss:backward()
	return loss
end, {dtype = torch.float16})
t.is(#rg.rows, 1, "the graph's leaf is found")
t.is(rg.rows[1].name, "W1", "and named by its global")
W1 = nil

-- a model's parameters by their names
local m = torch.nn.Linear(4, 2)
local rm = agdb.precision_report(function()
	m:zero_grad()
	local loss = m(x):pow(2):mean()
	loss:backward()
	return loss
end, {model = m})
t.is(rm.rows[1].name, "weight", "a model's parameters by name")
t.is(rm.rows[2].name, "bias", "in named_parameters' order")
t.is(torch.is_autocast_cpu_enabled(), false, "autocast is off afterwards")

-- called inside an autocast region, the float32 run is still float32
local inside = torch.autocast({device_type = "cpu", dtype = torch.float16}, function()
	return agdb.precision_report(fn, {params = {w}, scale = 2 ^ 20})
end)
t.near(inside.rows[1].zeroed, lost, 1e-12, "inside a region: the same report")
t.is(inside.loss, r.loss, "and the same float32 loss")

t.raises(function() agdb.precision_report(42) end, "argument 1 must be a function", "fn is checked")
t.raises(function() agdb.precision_report(fn, {dtype = torch.float64}) end,
	"dtype must be torch.float16 or torch.bfloat16", "dtype is checked")
t.raises(function() agdb.precision_report(function() return 1 end) end,
	"fn must return the loss", "fn must return the loss")
t.raises(function() agdb.precision_report(function() error("inside") end) end,
	"inside", "an error in fn passes through")
t.is(torch.is_autocast_cpu_enabled(), false, "and leaves autocast off")
t.done()
