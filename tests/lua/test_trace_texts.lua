-- test_trace_texts.lua - the trace log keeps each event's texts (file:line,
-- note, a custom Function's name) once and points to them: they stay right
-- for every event the ring holds, however many distinct ones went by.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ag = torch.autograd

local a, b = torch.ones(1), torch.ones(1)
local RING = 16384	-- events the log holds (its default capacity)
local N = RING + 5000	-- more distinct file:line texts than it holds

ag.clear_trace()
for i = 1, N do
	local f = load("local a, b = ... return a + b", "=chunk" .. i)
	f(a, b)
end
local log = ag.trace_log()
t.is(#log, RING, "the ring holds its capacity of events")
local bad
for k, ev in ipairs(log) do
	local want = "chunk" .. (N - RING + k) .. ":1"
	if ev.op ~= "add" or ev.where ~= want then
		bad = ("event %d: %s at %s, expected add at %s"):format(k, tostring(ev.op),
			tostring(ev.where), want)
		break
	end
end
t.ok(not bad, "every held event keeps its own file:line after old ones were dropped"
	.. (bad and (" (" .. bad .. ")") or ""))

-- the same line over and over: one text, the right one each time
ag.clear_trace()
local line
for _ = 1, 100 do local _ = a * b; line = debug.getinfo(1, "l").currentline end
log = ag.trace_log()
local same = #log == 100
for _, ev in ipairs(log) do
	same = same and ev.where:match("test_trace_texts%.lua:(%d+)$") == tostring(line)
end
t.ok(same, "a loop's ops all name the loop's line")

-- a custom Function's node name, after many distinct texts went by
local Sq = torch.autograd.Function:extend("SqTexts")
function Sq.forward(ctx, v) return v * 2 end
function Sq.backward(ctx, g) return g * 2 end
ag.clear_trace()
local x = torch.ones(2, {requires_grad = true})
local y = Sq.apply(x)
for i = 1, 5000 do
	load("local a, b = ... return a - b", "=other" .. i)(a, b)
end
log = ag.trace_log()
local fn
for _, ev in ipairs(log) do
	if ev.grad_fn == "SqTextsBackward" then fn = ev end
end
t.ok(fn ~= nil, "a Function's event keeps its node's name")
t.ok(y.grad_fn ~= nil, "(the Function recorded a node)")
t.done()
