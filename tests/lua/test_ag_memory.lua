-- test_ag_memory.lua - graphs are freed when nothing reaches them: 10,000
-- forward/backward steps keep a flat resident set.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local function rss_kb()
	local f = io.open("/proc/self/status")
	if not f then return nil end
	for line in f:lines() do
		local kb = line:match("^VmRSS:%s+(%d+)")
		if kb then f:close(); return tonumber(kb) end
	end
	f:close()
end

local w = torch.randn(256, 256, {requires_grad = true})
local x = torch.randn(64, 256)
local function step()
	local loss = (x:matmul(w)):tanh():sum()
	loss:backward()
	w.grad = nil
end
for _ = 1, 200 do step() end
collectgarbage()
local before = rss_kb()
for _ = 1, 10000 do step() end
collectgarbage()
local after = rss_kb()
if before then
	t.ok(after - before < 20000, string.format(
		"resident set flat over 10,000 steps (%d kB -> %d kB)", before, after))
else
	t.ok(true, "no /proc: skipped the resident-set check")
end
t.done()
