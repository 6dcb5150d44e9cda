-- test_ag_trace.lua - the trace log the debugger reads: every op (also
-- under no_grad, without requires_grad, and detach) with file:line.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ag = torch.autograd

t.ok(ag.is_trace_enabled(), "the trace log is on by default")
ag.clear_trace()
local x = torch.ones(3, {requires_grad = true})
local y = x * 2                                   -- line 10
local d = y:detach()                              -- line 11
local z = torch.no_grad(function() return y + 1 end) -- line 12
local c = torch.ones(3) * 5                       -- line 13
local log = ag.trace_log()
local function find(op, line)
	for _, ev in ipairs(log) do
		if ev.op == op and ev.where:match(":(%d+)$") == tostring(line) then return ev end
	end
end
local mul = find("mul", 10)
t.ok(mul and mul.recorded and mul.grad_fn == "MulBackward0", "mul recorded with its node")
t.ok(mul and mul.where:find("test_ag_trace.lua:10", 1, true), "with the Lua file:line")
t.ok(mul and mul.outputs[1] == y:_id() and mul.inputs[1] == x:_id(), "ids of inputs and outputs")
t.ok(mul and tostring(mul.shape) == "torch.Size([3])", "and the output shape")
local det = find("detach", 11)
t.ok(det and not det.recorded and det.inputs[1] == y:_id() and det.outputs[1] == d:_id(),
	"detach is logged, not recorded")
local add = find("add", 12)
t.ok(add and not add.grad_mode and not add.recorded, "an op under no_grad is logged with grad_mode off")
local cm = find("mul", 13)
t.ok(cm and cm.grad_mode and not cm.recorded, "an op on constants is logged, not recorded")

-- ops run by backward itself are not the user's
ag.clear_trace()
y:sum():backward()
local n = #ag.trace_log()
t.is(n, 1, "backward logs only the user's sum, not its internal ops")

ag.set_trace_enabled(false)
ag.clear_trace()
local _ = x * 3
t.is(#ag.trace_log(), 0, "nothing is logged when the trace is off")
ag.set_trace_enabled(true)
t.ok(ag.is_trace_enabled(), "and it can be switched back on")
t.done()
