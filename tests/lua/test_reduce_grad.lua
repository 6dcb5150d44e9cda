-- test_reduce_grad.lua - gradcheck and gradgradcheck in float64 of every
-- differentiable reduction, scan and sorting op (issue 11), the cases
-- where their backward branches (zeros in prod and cumprod, a zero std or
-- norm, ties in amax), and the double backward of max(dim) and friends.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck

torch.manual_seed(11)
local function r64(...)
	return torch.randn({...}, {dtype = torch.float64, requires_grad = true})
end
local function leaf(v)
	return torch.tensor(v, {dtype = torch.float64, requires_grad = true})
end
-- values well apart and shuffled, so a small step never reorders them
local function distinct(...)
	local n, v = 1, {}
	for _, s in ipairs({...}) do n = n * s end
	for k = 0, n - 1 do v[k + 1] = ((k * 7) % n) * 0.37 - n * 0.15 end
	return torch.tensor(v, {dtype = torch.float64}):reshape({...}):requires_grad_(true)
end

local function both(name, f, inputs)
	t.ok(gradcheck(f, inputs), "gradcheck " .. name)
	t.ok(gradgradcheck(f, inputs), "gradgradcheck " .. name)
end

-- prod, with and without zeros
both("prod()", function(x) return x:prod() end, {r64(2, 3)})
both("prod(dim)", function(x) return x:prod(2) end, {r64(3, 4)})
both("prod(dim, keepdim)", function(x) return x:prod(1, true) end, {r64(3, 2)})
both("prod(1-d, dim)", function(x) return x:prod(1) end, {r64(4)})
both("prod() with one zero", function(x) return x:prod() end, {leaf({{2, 0}, {3, -1.5}})})
both("prod() with two zeros", function(x) return x:prod() end, {leaf({{2, 0}, {0, -1.5}})})
both("prod(dim) with zeros", function(x) return x:prod(2) end,
	{leaf({{2, 0, 3}, {0, 0, 1}, {4, 5, -1}})})
both("nansum", function(x) return x:nansum(1) end, {r64(3, 2)})
both("nanmean", function(x) return x:nanmean(2) end, {r64(3, 2)})

-- extremes over dims: the gradient shared by ties
both("amax(dims)", function(x) return x:amax({1, 3}) end, {distinct(2, 3, 2)})
both("amin(dim, keepdim)", function(x) return x:amin(2, true) end, {distinct(3, 4)})
local tied = leaf({{1, 3, 3}, {2, 2, 0}})
tied:amax(2):sum():backward()
t.is(tied.grad:tolist(), {{0, 0.5, 0.5}, {0.5, 0.5, 0}}, "amax shares the gradient among ties")

-- var, std, var_mean, std_mean
both("var()", function(x) return x:var() end, {r64(3, 4)})
both("var(dims, correction)", function(x) return x:var({1, 3}, {correction = 0}) end,
	{r64(2, 3, 2)})
both("var(dim, unbiased, keepdim)", function(x) return x:var(2, false, true) end, {r64(3, 4)})
both("std()", function(x) return x:std() end, {r64(3, 4)})
both("std(dim)", function(x) return x:std(1) end, {r64(3, 4)})
both("var_mean", function(x) return torch.var_mean(x, 2) end, {r64(3, 4)})
both("std_mean", function(x) return torch.std_mean(x, {1, 2}, {keepdim = true}) end,
	{r64(3, 4)})
local flat = leaf({{1, 2, 2}, {3, 3, 3}})
flat:std(2):sum():backward()
t.is(flat.grad[2]:tolist(), {0, 0, 0}, "std's gradient is 0 where std is 0")

-- logsumexp and the norms
both("logsumexp", function(x) return x:logsumexp(2) end, {r64(3, 4)})
both("logsumexp(dims, keepdim)", function(x) return x:logsumexp({1, 2}, true) end,
	{r64(2, 3)})
for _, p in ipairs({1, 2, 3, 1.5, 0.5, -1}) do
	both("norm(" .. p .. ", dim)", function(x) return x:norm(p, 2) end, {r64(3, 4)})
end
both("norm()", function(x) return x:norm() end, {r64(3, 4)})
both("norm(inf)", function(x) return x:norm(math.huge, 1) end, {distinct(3, 4)})
both("norm(-inf)", function(x) return x:norm(-math.huge) end, {distinct(3, 4)})
both("norm('fro', two dims)", function(x) return x:norm('fro', {1, 3}) end, {r64(2, 3, 2)})
both("linalg.vector_norm", function(x) return torch.linalg.vector_norm(x, 3, {2}) end,
	{r64(3, 4)})
local z = leaf({{0, 0}, {3, 4}})
z:norm(2, 2):sum():backward()
t.is(z.grad:tolist(), {{0, 0}, {0.6, 0.8}}, "norm's gradient is 0 where the norm is 0")
z = leaf({{0, 0}, {3, 4}})
z:norm(0, 2):sum():backward()
t.is(z.grad:tolist(), {{0, 0}, {0, 0}}, "norm(0) has a zero gradient")

-- scans
both("cumsum", function(x) return x:cumsum(2) end, {r64(3, 4)})
both("cumsum(dim 1)", function(x) return x:cumsum(1) end, {r64(3, 4)})
both("cumprod", function(x) return x:cumprod(2) end, {r64(3, 4)})
both("cumprod with zeros", function(x) return x:cumprod(2) end,
	{leaf({{2, 0, 3, 1.5}, {0, 0, 1, 2}, {4, 0.5, -1, 0}})})
both("cumprod(dim 1) with zeros", function(x) return x:cumprod(1) end,
	{leaf({{2, 0}, {0, 3}, {1.5, 2}})})
both("logcumsumexp", function(x) return x:logcumsumexp(2) end, {r64(3, 4)})
both("logcumsumexp(dim 1)", function(x) return x:logcumsumexp(1) end, {r64(3, 4)})
both("logcumsumexp, 1-d", function(x) return x:logcumsumexp(1) end, {r64(5)})
both("cummax", function(x) return (x:cummax(2)) end, {distinct(3, 4)})
both("cummax(dim 1)", function(x) return (x:cummax(1)) end, {distinct(3, 4)})
both("cummin", function(x) return (x:cummin(2)) end, {distinct(3, 4)})
-- a running max takes its gradient back to where it came from, ties to
-- the latest position (PyTorch's >=)
local cm = leaf({1, 3, 3, 2, 5})
cm:cummax(1):backward(torch.tensor({1, 10, 100, 1000, 10000}, {dtype = torch.float64}))
t.is(cm.grad:tolist(), {1, 10, 1100, 0, 10000}, "cummax's gradient goes to the running maxima")
local lg = leaf({0.1, 0.2, 0.3})
lg:logcumsumexp(1):backward(torch.tensor({1, -2, 0.5}, {dtype = torch.float64}))
t.near(lg.grad:tolist(), {0.20026317763574, -0.88384587819121, 0.18358270055546}, 1e-12,
	"logcumsumexp's gradient with a negative part (PyTorch's values)")

-- the ops that pick values
both("sort", function(x) return (x:sort(2)) end, {distinct(3, 4)})
both("sort descending stable", function(x) return (x:sort(1, {descending = true, stable = true})) end,
	{distinct(3, 4)})
both("msort", function(x) return torch.msort(x) end, {distinct(3, 2)})
both("topk", function(x) return (x:topk(2)) end, {distinct(3, 4)})
both("topk(dim 1, smallest)", function(x) return (x:topk(2, 1, {largest = false})) end,
	{distinct(3, 4)})
both("kthvalue", function(x) return (x:kthvalue(2, 1)) end, {distinct(3, 4)})
both("median()", function(x) return x:median() end, {distinct(3, 4)})
both("median(dim)", function(x) return (x:median(2)) end, {distinct(3, 4)})
both("nanmedian(dim, keepdim)", function(x) return (x:nanmedian(1, true)) end, {distinct(3, 4)})
both("mode", function(x) return (x:mode(2)) end, {distinct(3, 4)})
both("max(dim)", function(x) return (x:max(2)) end, {distinct(3, 4)})
both("min(dim, keepdim)", function(x) return (x:min(1, true)) end, {distinct(3, 4)})

-- max(dim)'s backward is differentiable: its gradient has a history
local x = leaf({{1, 5, 2}, {7, 0, 3}})
local v = x:max(2)
local w = torch.ones(2, {dtype = torch.float64, requires_grad = true})
local g = torch.autograd.grad({v}, {x}, {grad_outputs = {w}, create_graph = true})[1]
t.is(g.grad_fn and g.grad_fn:name(), "ScatterBackward0",
	"max(dim)'s gradient is recorded (ScatterBackward0, as PyTorch's)")
t.is(g:tolist(), {{0, 1, 0}, {1, 0, 0}}, "and goes to the places of the maxima")
local gw = torch.autograd.grad({(g * x):sum()}, {w})[1]
t.is(gw:tolist(), {5, 7}, "its derivative in the upstream gradient gathers them back")
local s = x:sort(2)
g = torch.autograd.grad({s}, {x}, {grad_outputs = {torch.ones(2, 3, {dtype = torch.float64,
	requires_grad = true})}, create_graph = true})[1]
t.is(g.grad_fn and g.grad_fn:name(), "ScatterBackward0", "so is sort's")
g = torch.autograd.grad({(x:cummax(2))}, {x}, {grad_outputs = {torch.ones(2, 3,
	{dtype = torch.float64, requires_grad = true})}, create_graph = true})[1]
t.is(g.grad_fn and g.grad_fn:name(), "ScatterBackward0", "and cummax's")

-- nothing to differentiate
local a = torch.randn(3, 4, {requires_grad = true})
local _, i = a:sort(2)
t.is(i.grad_fn, nil, "sort's indices have no history")
t.is(a:argsort(2).grad_fn, nil, "nor has argsort")
_, i = a:cummin(1)
t.is(i.grad_fn, nil, "nor have cummin's indices")
t.is(a:all().grad_fn, nil, "nor has all")
t.is(a:count_nonzero().grad_fn, nil, "nor has count_nonzero")
t.done()
