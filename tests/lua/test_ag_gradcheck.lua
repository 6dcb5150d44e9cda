-- test_ag_gradcheck.lua - gradcheck (float64) of every differentiable op,
-- gradgradcheck of the common ones, and gradcheck's own failure report.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local gc = torch.autograd.gradcheck
torch.manual_seed(0)

local function r(...)
	local size = {...}
	return torch.randn(size, {dtype = torch.float64, requires_grad = true})
end
local function pos(...)
	local size = {...}
	return (torch.rand(size, {dtype = torch.float64}) + 0.5):requires_grad_()
end

local cases = {
	{"add", function(a, b) return a + b end, {r(3, 4), r(4)}},
	{"sub", function(a, b) return a - b end, {r(3, 4), r(3, 1)}},
	{"rsub", function(a) return 2 - a end, {r(3)}},
	{"mul", function(a, b) return a * b end, {r(3, 4), r(3, 4)}},
	{"div", function(a, b) return a / b end, {r(3, 4), pos(3, 4)}},
	{"pow scalar", function(a) return a ^ 3 end, {r(5)}},
	{"pow tensor", function(a, b) return a ^ b end, {pos(4), r(4)}},
	{"number ^ tensor", function(b) return 2 ^ b end, {r(4)}},
	{"neg", function(a) return -a end, {r(4)}},
	{"abs", function(a) return a:abs() end, {pos(4)}},
	{"exp", function(a) return a:exp() end, {r(4)}},
	{"log", function(a) return a:log() end, {pos(4)}},
	{"sqrt", function(a) return a:sqrt() end, {pos(4)}},
	{"sin", function(a) return a:sin() end, {r(4)}},
	{"cos", function(a) return a:cos() end, {r(4)}},
	{"tanh", function(a) return a:tanh() end, {r(4)}},
	{"sigmoid", function(a) return a:sigmoid() end, {r(4)}},
	{"relu", function(a) return a:relu() end, {pos(4)}},
	{"clamp", function(a) return a:clamp(-0.5, 0.5) end, {r(6)}},
	{"where", function(a, b) return torch.where(a:gt(0), a, b) end, {r(5), r(5)}},
	{"sum", function(a) return a:sum() end, {r(3, 4)}},
	{"sum dim", function(a) return a:sum(2) end, {r(3, 4)}},
	{"sum keepdim", function(a) return a:sum(1, {keepdim = true}) end, {r(3, 4)}},
	{"mean", function(a) return a:mean() end, {r(3, 4)}},
	{"mean dims", function(a) return a:mean({1, 3}) end, {r(2, 3, 4)}},
	{"max", function(a) return a:max() end, {r(3, 4)}},
	{"min", function(a) return a:min() end, {r(3, 4)}},
	{"max dim", function(a) return (a:max(2)) end, {r(3, 4)}},
	{"min dim keepdim", function(a) return (a:min(1, {keepdim = true})) end, {r(3, 4)}},
	{"mm", function(a, b) return a:mm(b) end, {r(3, 4), r(4, 2)}},
	{"bmm", function(a, b) return a:bmm(b) end, {r(2, 3, 4), r(2, 4, 2)}},
	{"matmul 1d", function(a, b) return a:matmul(b) end, {r(4), r(4)}},
	{"matmul mv", function(a, b) return a:matmul(b) end, {r(3, 4), r(4)}},
	{"matmul vm", function(a, b) return a:matmul(b) end, {r(4), r(4, 3)}},
	{"matmul batched", function(a, b) return a:matmul(b) end, {r(2, 3, 4), r(4, 5)}},
	{"view", function(a) return a:view(12) end, {r(3, 4)}},
	{"reshape", function(a) return a:t():reshape(12) end, {r(3, 4)}},
	{"transpose", function(a) return a:transpose(1, 3) end, {r(2, 3, 4)}},
	{"t", function(a) return a:t() end, {r(3, 4)}},
	{"permute", function(a) return a:permute(3, 1, 2) end, {r(2, 3, 4)}},
	{"expand", function(a) return a:expand(3, 4) end, {r(1, 4)}},
	{"narrow", function(a) return a:narrow(2, 2, 2) end, {r(3, 4)}},
	{"select", function(a) return a:select(1, 2) end, {r(3, 4)}},
	{"index", function(a) return a[{{1, 3, 2}, -1}] end, {r(3, 4)}},
	{"unsqueeze", function(a) return a:unsqueeze(2) end, {r(3, 4)}},
	{"squeeze", function(a) return a:squeeze() end, {r(3, 1, 4)}},
	{"squeeze dim", function(a) return a:squeeze(2) end, {r(3, 1, 4)}},
	{"flatten", function(a) return a:flatten() end, {r(2, 3, 4)}},
	{"as_strided", function(a) return a:as_strided({2, 2}, {1, 2}, 1) end, {r(6)}},
	{"clone", function(a) return a:clone() end, {r(3)}},
	{"contiguous", function(a) return a:t():contiguous() end, {r(3, 4)}},
	{"to float32 and back", function(a) return a:float():double() end, {r(3)},
		{eps = 1e-3, atol = 1e-3, rtol = 1e-2}},
	{"cat", function(a, b) return torch.cat({a, b}, 2) end, {r(2, 3), r(2, 2)}},
	{"stack", function(a, b) return torch.stack({a, b}, 2) end, {r(2, 3), r(2, 3)}},
	{"index_select", function(a) return a:index_select(1, torch.tensor({3, 1, 3})) end, {r(3, 4)}},
	{"copy_ into a clone", function(a, b) local c = a * 1; c[{{1, 2}}] = b; return c end,
		{r(4), r(2)}},
	{"mul_ through a view", function(a, b) local c = a * 1; c[{{2, 3}}]:mul_(b); return c end,
		{r(4), r(2)}},
	{"exp_", function(a) local c = a * 1; c:exp_(); return c end, {r(3)}},
}
for _, c in ipairs(cases) do
	local okc, res = pcall(gc, c[2], c[3], c[4])
	t.ok(okc and res == true, "gradcheck " .. c[1] .. (okc and "" or (": " .. tostring(res))))
end

local gg = {
	{"mul", function(a, b) return a * b end, {r(3), r(3)}},
	{"div", function(a, b) return a / b end, {r(3), pos(3)}},
	{"exp", function(a) return a:exp() end, {r(3)}},
	{"tanh", function(a) return a:tanh() end, {r(3)}},
	{"sigmoid", function(a) return a:sigmoid() end, {r(3)}},
	{"pow", function(a) return a ^ 3 end, {r(3)}},
	{"mm", function(a, b) return a:mm(b) end, {r(2, 3), r(3, 2)}},
	{"sum/expand", function(a) return a:sum(1):expand(2, 3) end, {r(2, 3)}},
	{"log", function(a) return a:log() end, {pos(3)}},
}
for _, c in ipairs(gg) do
	local okc, res = pcall(torch.autograd.gradgradcheck, c[2], c[3])
	t.ok(okc and res == true, "gradgradcheck " .. c[1] .. (okc and "" or (": " .. tostring(res))))
end

-- a wrong backward is caught, with PyTorch's report
local Wrong = torch.autograd.Function:extend("Wrong")
function Wrong.forward(ctx, x) return x * 2 end
function Wrong.backward(ctx, g) return g * 3 end
t.raises(function() gc(function(x) return Wrong.apply(x) end, {r(2)}) end,
	"Jacobian mismatch for output 0 with respect to input 0,\nnumerical:", "a wrong gradient fails")
t.is(gc(function(x) return Wrong.apply(x) end, {r(2)}, {raise_exception = false}), false,
	"raise_exception=false returns false")
t.done()
