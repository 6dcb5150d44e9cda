-- test_ag_anomaly.lua - anomaly mode: NaN detection with PyTorch's text,
-- forward tracebacks.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.tensor({1.0, 0.0}, {requires_grad = true})
local y = torch.tensor({0.0, 0.0}, {requires_grad = true})
t.ok(not torch.autograd.is_anomaly_enabled(), "anomaly mode is off by default")
-- without anomaly mode a NaN gradient passes silently
local q = x / y
q:sum():backward()
t.ok(y.grad:tolist()[2] ~= y.grad:tolist()[2], "NaN reaches y.grad silently")

torch.autograd.set_detect_anomaly(true)
t.ok(torch.autograd.is_anomaly_enabled(), "set_detect_anomaly(true)")
local q2 = x / y
t.raises(function() q2:sum():backward() end,
	"Function 'DivBackward0' returned nan values in its 1th output.",
	"NaN gradient caught with PyTorch's text and ordinal")
torch.autograd.set_detect_anomaly(false)

local r = torch.autograd.detect_anomaly(function()
	t.ok(torch.autograd.is_anomaly_enabled(), "on inside detect_anomaly(fn)")
	return 42
end)
t.is(r, 42, "detect_anomaly returns fn's results")
t.ok(not torch.autograd.is_anomaly_enabled(), "off again after")
t.done()
