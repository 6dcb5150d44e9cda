-- test_fuzz_autograd.lua - random programs of ops, in-place writes, views,
-- backward/grad calls, hooks that fail and graph drawings: every error must
-- be a Lua error and the process must survive (run under the sanitizer
-- build this also checks for leaks and memory errors).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ops = {
 function(a, b) return a + b end, function(a, b) return a * b end, function(a, b) return a - b end,
 function(a, b) return a / (b:abs() + 1) end, function(a) return a:exp() end, function(a) return a:tanh() end,
 function(a) return a:sigmoid() end, function(a) return a:relu() end, function(a) return a:sum() end,
 function(a) return a:mean(1) end, function(a) return a:t() end, function(a) return a[1] end,
 function(a) return a:unsqueeze(1) end, function(a) return a:clone() end, function(a) return a:detach() end,
 function(a, b) return a:matmul(b) end, function(a) return (a:max(1)) end, function(a) return a:view(-1) end,
 function(a) return a:expand(3, 3) end, function(a, b) return torch.cat({a, b}) end,
 function(a) return a:index_select(1, torch.tensor({1, 1})) end, function(a) return a:clamp(-0.5, 0.5) end,
 function(a, b) a:add_(b); return a end, function(a) a:mul_(2); return a end, function(a, b) a[1] = b; return a end,
 function(a) a:exp_(); return a end, function(a) return a ^ 2 end, function(a, b) return torch.where(a:gt(0), a, b) end,
}
local pool = {}
local function pick() return pool[math.random(#pool)] end
local function run(seed, steps)
math.randomseed(seed)
torch.manual_seed(seed)
pool = {}
for it = 1, steps do
	if #pool < 4 or math.random() < 0.1 then
		local shape = ({{3}, {3, 3}, {1}, {2, 3}})[math.random(4)]
		local v = torch.randn(shape, {requires_grad = math.random() < 0.6, dtype = math.random() < 0.3 and torch.float64 or torch.float32})
		if math.random() < 0.3 then v = v * 1 end
		pool[#pool + 1] = v
	end
	local f = ops[math.random(#ops)]
	local ok, r = pcall(f, pick(), pick())
	if ok and torch.is_tensor(r) then pool[#pool + 1] = r end
	if math.random() < 0.1 then
		local x = pick()
		pcall(function() x:sum():backward(nil, {retain_graph = math.random() < 0.5, create_graph = math.random() < 0.2}) end)
	end
	if math.random() < 0.05 then
		local x, y = pick(), pick()
		pcall(function() return torch.autograd.grad({x:sum()}, {y}, {allow_unused = true}) end)
	end
	if math.random() < 0.05 then
		local x = pick()
		pcall(function() x:register_hook(function(g) if math.random() < 0.3 then error("h") end return g * 1 end) end)
	end
	if math.random() < 0.05 then pcall(function() return agdb and agdb.graph(pick(), {view = math.random() < 0.5 and "forward" or "backward"}) end) end
	if math.random() < 0.05 then pool = {} collectgarbage() end
	if #pool > 40 then table.remove(pool, 1) end
end
end
for _, seed in ipairs({1, 2, 3}) do
	run(seed, 1500)
	collectgarbage()
	t.ok(true, "random program with seed " .. seed .. " ran without a crash")
end
-- and the session still works afterwards
local x = torch.ones(2, {requires_grad = true})
;(x * 3):sum():backward()
t.is(x.grad:tolist(), {3, 3}, "autograd still works after the fuzzing")
t.done()
