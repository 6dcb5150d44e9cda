-- test_gc_pace.lua - Lua's collector counts what a tensor holds in core,
-- not only its small box: a loop of small ops recycles its dead tensors
-- while few are dead (through core's free lists, which keep 4,096), and
-- collectgarbage("stop") still stops it.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local a, b = torch.ones(1), torch.ones(1)
collectgarbage("collect")
local before = torch._live_tensors()
local peak = 0
for i = 1, 50000 do
	local _ = a + b
	if i % 50 == 0 then
		local n = torch._live_tensors()
		if n > peak then peak = n end
	end
end
t.ok(peak - before < 4096,
	("a loop of 50,000 adds never holds 4,096 dead tensors (peak %d)"):format(peak - before))

collectgarbage("stop")
local weak = setmetatable({}, {__mode = "v"})
for i = 1, 5000 do weak[i] = a + b end
local kept = 0
for i = 1, 5000 do if weak[i] then kept = kept + 1 end end
collectgarbage("restart")
t.is(kept, 5000, "with the collector stopped, no tensor is collected")
collectgarbage("collect")
kept = 0
for i = 1, 5000 do if weak[i] then kept = kept + 1 end end
t.is(kept, 0, "and once it runs again, they are")
t.done()
