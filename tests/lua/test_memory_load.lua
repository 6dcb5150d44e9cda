-- test_memory_load.lua - memory under load (issue 15), run by
-- `make check-memory` (a CI stage: these move tens of gigabytes, too slow
-- for make check):
--   * 5,000 training-like steps (forward, backward, in-place update) keep
--     the resident set within 10 % of its value at step 500;
--   * creating and dropping 20 GB of tensors keeps the resident set under
--     twice the peak live set (above an idle session);
--   * a 10,000-node graph is freed when its last tensor goes: the count of
--     live tensors and their bytes return to their baseline.
-- The figures are printed as TAP comments.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local function status(key)
	local f = io.open("/proc/self/status")
	if not f then return nil end
	for line in f:lines() do
		local v = line:match("^" .. key .. ":%s+(%d+)")
		if v then f:close() return tonumber(v) end
	end
	f:close()
end

if not status("VmRSS") then
	io.write("1..0 # SKIP /proc/self/status is not readable\n")
	os.exit(0)
end

-- 1. training-like steps --------------------------------------------------
-- The trace log is a ring of 16,384 op events whose pages are touched as it
-- fills (about 5 MB, over the first ~1,500 steps of this loop, then flat):
-- fill it first, so that what is measured is the steps themselves.
for _ = 1, 20000 do local _ = torch.zeros(1) + 1 end
torch.manual_seed(0)
local w1 = (torch.randn(128, 256) * 0.1):requires_grad_()
local w2 = (torch.randn(256, 10) * 0.1):requires_grad_()
local x, target = torch.randn(64, 128), torch.randn(64, 10)
local function step()
	local out = x:matmul(w1):tanh():matmul(w2)
	local loss = ((out - target) ^ 2):mean()
	loss:backward()
	torch.no_grad(function()
		w1:sub_(w1.grad * 0.01)
		w2:sub_(w2.grad * 0.01)
	end)
	w1.grad = nil
	w2.grad = nil
	return loss
end
local first, last, rss500 = step():item(), nil, nil
for i = 2, 5000 do
	local loss = step()
	if i == 500 then rss500 = status("VmRSS") end
	if i == 5000 then last = loss:item() end
end
local rss5000 = status("VmRSS")
t.diag(("training: VmRSS %d kB at step 500, %d kB at step 5000 (loss %.4f -> %.4f)")
	:format(rss500, rss5000, first, last))
t.ok(last < first, "the steps train (the loss went down)")
t.ok(rss5000 <= rss500 * 1.10, ("5,000 steps keep VmRSS within 10%% of step 500 (%+.1f%%)")
	:format(100 * (rss5000 - rss500) / rss500))

-- 2. 20 GB created and dropped -----------------------------------------------
local n = 16 * 1024 * 1024			-- 64 MB of float32
local live_peak = 2 * 4 * n			-- a and b below
for i = 1, 4 do local a = torch.full({n}, i + 0.5); local b = a * 2 end
collectgarbage()
collectgarbage()
local idle = status("VmRSS")
local _, idle_live, idle_cached = torch._live_tensors()
local f = io.open("/proc/self/clear_refs", "w")	-- resets VmHWM to VmRSS
local can_reset = f and f:write("5") and f:close()
local made, iters = 0, math.ceil(20e9 / live_peak)
for i = 1, iters do
	local a = torch.full({n}, i + 0.5)	-- float32, as the live set says
	local b = a * 2
	made = made + 2 * 4 * n
	if i == iters then t.is(b[n]:item(), 2 * i + 1, "the values are right") end
end
local hwm = status("VmHWM")
collectgarbage()
collectgarbage()
local _, live_after, cached = torch._live_tensors()
t.diag(("churn: %.1f GB made in %d steps, peak live %d MB, idle VmRSS %d MB "
	.. "(of which %d MB in the storage cache), VmHWM %d MB")
	:format(made / 1e9, iters, live_peak >> 20, idle // 1024, idle_cached >> 20,
		hwm // 1024))
-- The storage cache keeps freed buffers for reuse (resident, not live):
-- it must stay within its bound, so "idle" is an honest baseline.
t.ok(cached <= 256 << 20 and idle_cached <= 256 << 20,
	("the storage cache stays within its 256 MB bound (%d MB idle, %d MB after)")
		:format(idle_cached >> 20, cached >> 20))
t.ok(live_after <= idle_live, ("the churn leaves no live bytes behind (%d before, %d after)")
	:format(idle_live, live_after))
if can_reset then
	t.ok((hwm - idle) * 1024 <= 2 * live_peak,
		("20 GB of tensors keep the resident set under 2x the peak live set "
		.. "(%d MB above idle, limit %d MB)"):format((hwm - idle) // 1024, 2 * live_peak >> 20))
else
	t.ok(true, "# SKIP /proc/self/clear_refs is not writable (VmHWM cannot be reset)")
end

-- 3. a 10,000-node graph freed with its last tensor --------------------------
collectgarbage()
collectgarbage()
local leaf = torch.randn(16, {requires_grad = true})
local base_n, base_bytes = torch._live_tensors()
local y = leaf
for i = 1, 10000 do
	if i % 3 == 0 then y = y * 1.0001 elseif i % 3 == 1 then y = y + leaf else y = y:tanh() end
end
local built_n, built_bytes = torch._live_tensors()
t.diag(("graph: %d tensors (%d bytes) before, %d (%d bytes) with the graph")
	:format(base_n, base_bytes, built_n, built_bytes))
t.ok(built_n > base_n + 5000, "the graph holds its saved tensors")
y:sum():backward({retain_graph = true})
y = nil
collectgarbage()
collectgarbage()
local after_n, after_bytes = torch._live_tensors()
t.is({after_n, after_bytes}, {base_n + 1, base_bytes + 16 * 4},
	"the last tensor gone, the graph is freed (only leaf.grad is new)")
leaf.grad = nil
local end_n, end_bytes = torch._live_tensors()
t.is({end_n, end_bytes}, {base_n, base_bytes}, "and back to the baseline")

t.done()
