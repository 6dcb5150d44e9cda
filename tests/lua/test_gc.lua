-- test_gc.lua - tensors are freed when Lua no longer reaches them, without
-- an explicit collectgarbage(): core reports its allocations and the module
-- paces the collector, so a loop of big temporaries keeps a flat resident set.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local function rss_kb()
	local f = io.open("/proc/self/status")
	if not f then return nil end
	for line in f:lines() do
		local v = line:match("^VmRSS:%s+(%d+)")
		if v then f:close() return tonumber(v) end
	end
	f:close()
end

if not rss_kb() then
	io.write("1..0 # SKIP /proc/self/status is not readable\n")
	os.exit(0)
end

-- warm up, so the allocator's first growth is not counted
for _ = 1, 200 do local a = torch.zeros(1000000) end
local before = rss_kb()
for _ = 1, 20000 do local a = torch.zeros(1000000) end
local after = rss_kb()
t.diag(("VmRSS %d kB before, %d kB after 20000 x 4 MB"):format(before, after))
-- 20000 x 4 MB is 80 GB: anything but collection would show here
t.ok(after - before < 150 * 1024, "zeros(1e6) in a loop keeps a flat resident set")

-- the same with values written (every page touched) and with ops
before = rss_kb()
for _ = 1, 300 do local a = torch.ones(1000000) * 2 end
after = rss_kb()
t.ok(after - before < 150 * 1024, "temporaries of ops are collected too")

-- many small tensors: the headers count as well
local n0 = collectgarbage("count")
for _ = 1, 200000 do local a = torch.zeros(2) end
t.ok(collectgarbage("count") - n0 < 64 * 1024, "small tensors do not pile up")

-- a tensor that is still reachable is not freed
local keep = torch.arange(10)
for _ = 1, 100 do local a = torch.zeros(1000000) end
collectgarbage()
t.is(keep:sum():item(), 45, "reachable tensors survive collections")

-- views keep their base's storage alive after the base is gone
local view
do
	local base = torch.arange(5)
	view = base[{{2, 3}}]
end
collectgarbage()
t.is(view:tolist(), {1, 2}, "a view outlives its base variable")

t.done()
