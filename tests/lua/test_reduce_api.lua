-- test_reduce_api.lua - how the reductions, scans and sorting ops are
-- called from Lua: positional and keyword arguments (DESIGN 6.2), 1-based
-- dims and indices, several results as several values, the torch. and
-- method forms, the in-place scans, and clear errors for bad arguments.
-- Expected values were checked in PyTorch 1.13.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.tensor({{3.0, 1, 2}, {0, 5, 4}})

-- several results, 1-based indices
local v, i = x:sort(2, {descending = true})
t.is(v:tolist(), {{3, 2, 1}, {5, 4, 0}}, "sort(2, {descending=true}) values")
t.is(i:tolist(), {{1, 3, 2}, {2, 3, 1}}, "and 1-based indices")
v, i = torch.sort(x, {dim = 1})
t.is(i:tolist(), {{2, 1, 1}, {1, 2, 2}}, "torch.sort(x, {dim=1})")
v, i = x:topk(2, 1, {largest = false})
t.is(v:tolist(), {{0, 1, 2}, {3, 5, 4}}, "topk(2, 1, {largest=false})")
v, i = x:topk(1)
t.is({v:tolist(), i:tolist()}, {{{3}, {5}}, {{1}, {2}}}, "topk(1): along the last dim")
v, i = x:topk({k = 2, dim = 2, sorted = true})
t.is(i:tolist(), {{1, 3}, {2, 3}}, "topk with every argument by name")
v, i = x:kthvalue(1, 1, true)
t.is({v:tolist(), i:tolist()}, {{{0, 1, 2}}, {{2, 1, 1}}}, "kthvalue(k, dim, keepdim)")
t.is(x:argsort(2):tolist(), {{2, 3, 1}, {1, 3, 2}}, "argsort: 1-based")
v, i = torch.aminmax(torch.tensor({{3, 1, 2}, {0, 5, 4}}), {dim = 2})
t.is({v:tolist(), i:tolist()}, {{1, 0}, {3, 5}}, "aminmax({dim=2}) of int64: min and max")
t.is(v.dtype, torch.int64, "in the input's dtype")
v, i = torch.tensor({true, false}):aminmax()
t.is({v:item(), i:item()}, {false, true}, "aminmax of bool")
t.raises(function() x:aminmax(1) end, "keyword arguments", "aminmax's dim is by keyword only")
t.raises(function() x:aminmax({dim = 3}) end,
	"Dimension out of range (expected to be in range of [-2, 2], but got 3)",
	"aminmax: a dim out of range, in Lua's terms")
local xg = torch.randn(2, 3, {requires_grad = true})
v, i = xg:aminmax()
t.is({v.grad_fn:name(), i.grad_fn:name()}, {"torch::autograd::NotImplemented",
	"torch::autograd::NotImplemented"}, "aminmax's node, as PyTorch 1.13's")
t.raises(function() (v + i):backward() end, "derivative for aten::aminmax is not implemented",
	"and its backward fails as PyTorch's")
v, i = x:cummax(2)
t.is({v:tolist(), i:tolist()}, {{{3, 3, 3}, {0, 5, 5}}, {{1, 1, 1}, {1, 2, 2}}},
	"cummax(dim): running values and 1-based indices")
v, i = torch.cummin(x, {dim = 1})
t.is({v:tolist(), i:tolist()}, {{{3, 1, 2}, {0, 1, 2}}, {{1, 1, 1}, {2, 1, 1}}},
	"torch.cummin(x, {dim=1})")
t.is(torch.argsort(x, 2, true):tolist(), {{1, 3, 2}, {2, 3, 1}}, "argsort descending")
v, i = x:median(2)
t.is({v:tolist(), i:tolist()}, {{2, 4}, {3, 3}}, "median(dim): the lower median and where")
t.is(x:median():item(), 2, "median(): over everything, one result")
v, i = torch.tensor({1, 2, 2, 3, 3}):mode()
t.is({v:item(), i:item()}, {2, 3}, "mode: the smallest of the most frequent")
v, i = x:max(2)
t.is(i:tolist(), {1, 2}, "max(dim) indices are 1-based too")

-- unique's results
local u = torch.tensor({3, 1, 2, 1, 3})
t.is(torch.unique(u):tolist(), {1, 2, 3}, "unique: sorted values")
local vals, inv, cnt = torch.unique(u, {return_inverse = true, return_counts = true})
t.is({vals:tolist(), inv:tolist(), cnt:tolist()}, {{1, 2, 3}, {3, 1, 2, 1, 3}, {2, 1, 2}},
	"unique with inverse (1-based: positions in the values) and counts")
vals, cnt = u:unique({return_counts = true})
t.is(cnt:tolist(), {2, 1, 2}, "counts without inverse come second")
vals, inv = torch.unique(torch.tensor({{1, 2}, {1, 2}, {0, 5}}), {dim = 1, return_inverse = true})
t.is({vals:tolist(), inv:tolist()}, {{{0, 5}, {1, 2}}, {2, 2, 1}}, "unique rows (dim = 1)")

-- var and std: unbiased, correction, keepdim
local a = torch.tensor({{0.0, 1, 2, 3}, {4, 5, 6, 7}})
t.near(a:var(2):tolist(), {5 / 3, 5 / 3}, 1e-6, "var(dim): unbiased")
t.is(a:var(2, {correction = 0}):tolist(), {1.25, 1.25}, "var(2, {correction=0})")
t.near(a:std({unbiased = false}):item(), math.sqrt(5.25), 1e-6, "std({unbiased=false})")
t.is(a:var(2, false, true):size(), torch.Size({2, 1}), "var(dim, unbiased, keepdim)")
t.is(a:var({keepdim = true, dim = {1, 2}}):size(), torch.Size({1, 1}), "var with dims by name")
local m
v, m = torch.var_mean(a, 2, {correction = 0})
t.is({v:tolist(), m:tolist()}, {{1.25, 1.25}, {1.5, 5.5}}, "var_mean: two results")
v, m = torch.std_mean(a)
t.near({v:item(), m:item()}, {math.sqrt(6), 3.5}, 1e-6, "std_mean over everything")
t.raises(function() a:var(2, {unbiased = false, correction = 0}) end,
	"give 'unbiased' or 'correction', not both", "unbiased and correction exclude each other")
t.is(a.var_mean, nil, "var_mean is a function only, as in PyTorch")

-- dims: 1-based, negative from the end, lists
t.is(a:prod(2):tolist(), {0, 840}, "prod(dim)")
t.is(a:amax({1, 2}):item(), 7, "amax over a list of dims")
t.is(a:amin(-1):tolist(), {0, 4}, "negative dims count from the end")
t.is(a:logsumexp(1):size(), torch.Size({4}), "logsumexp(dim)")
t.is(a:count_nonzero(2):tolist(), {3, 4}, "count_nonzero(dim)")
t.is(a:all(2):tolist(), {false, true}, "all(dim)")
t.is(a:any():item(), true, "any()")
t.is(torch.tensor({1, 2, 3}):prod({dtype = torch.float64}).dtype, torch.float64, "prod's dtype")
t.is(torch.tensor({1, 2, 3}):cumsum(1, {dtype = torch.float32}).dtype, torch.float32,
	"cumsum's dtype")
t.raises(function() a:prod(3) end,
	"Dimension out of range (expected to be in range of [-2, 2], but got 3)",
	"a dim out of range, in Lua's terms")
t.raises(function() a:sort(0) end, "agdb counts from 1", "dim 0 gets the 1-based hint")
t.raises(function() a:var({1, 1}) end, "dim 0 appears multiple times in the list of dims",
	"a dim twice")
t.raises(function() a:logsumexp() end, "missing argument 'dim'", "logsumexp needs a dim")
t.raises(function() a:cumsum() end, "missing argument 'dim'", "cumsum needs a dim")
t.raises(function() a:cummax() end, "missing argument 'dim'", "cummax needs a dim")
t.raises(function() torch.logcumsumexp(a) end, "missing argument 'dim'",
	"logcumsumexp needs a dim")
t.raises(function() a:cummin(3) end,
	"Dimension out of range (expected to be in range of [-2, 2], but got 3)",
	"cummin: a dim out of range, in Lua's terms")
t.raises(function() a:logcumsumexp(2, {keepdim = true}) end,
	"unexpected keyword argument 'keepdim'", "logcumsumexp takes no keepdim")
t.raises(function() a:topk() end, "missing argument 'k'", "topk needs k")
t.raises(function() a:sort("x") end, "'dim' must be a dim (an integer), got string",
	"a dim of the wrong type")
t.raises(function() a:sort(2, {reverse = true}) end, "unexpected keyword argument 'reverse'",
	"an unknown keyword")
t.raises(function() a:norm('nuc') end, "the nuclear norm ('nuc')", "'nuc' is not there")
t.raises(function() a:prod({1, 2}) end, "expected one dim to reduce", "prod takes one dim")

-- reductions over a non-innermost dim (amax, amin, prod fold row by row
-- into a block of outputs): the same answers as over a transposed copy's
-- rows
torch.manual_seed(3)
local big = torch.randn(300, 200)
local bt = big:t():contiguous()
t.is(big:amax(1):tolist(), bt:amax(2):tolist(), "amax(1) of a big matrix")
t.is(big:argmin(1):tolist(), bt:argmin(2):tolist(), "argmin(1): the same positions")
v, i = big:max(1, true)
local vt, it = bt:max(2, true)
t.is({v:reshape({200}):tolist(), i:reshape({200}):tolist()},
	{vt:reshape({200}):tolist(), it:reshape({200}):tolist()}, "max(1, keepdim)")
t.near(big:var(1):tolist(), bt:var(2):tolist(), 1e-6, "var(1)")
t.near(big:prod(1):tolist(), bt:prod(2):tolist(), 1e-6, "prod(1)")
local b3 = torch.randn(4, 100, 90)
t.is(b3:amin({1, 2}):tolist(), b3:permute({3, 1, 2}):contiguous():amin({2, 3}):tolist(),
	"amin over the two outer dims of a 3-d tensor")
t.is(b3:argmax(2):tolist(), b3:permute({1, 3, 2}):contiguous():argmax(3):tolist(),
	"argmax over the middle dim")
t.is(bt:t():amax(1):tolist(), bt:amax(2):tolist(), "amax(1) of a transposed view")
local cn = torch.tensor({{1, 0 / 0, 2}, {3, 1, -1}, {0, 5, 0 / 0}}):amax(1):tolist()
t.ok(cn[1] == 3 and cn[2] ~= cn[2] and cn[3] ~= cn[3], "amax(1): a NaN in a column wins")
t.is(torch.tensor({{2, -1}, {3, 4}}, {dtype = torch.float64}):prod(1):tolist(), {6, -4},
	"prod(1)")

-- norms
t.near(a:norm():item(), math.sqrt(140), 1e-6, "norm(): the Frobenius norm")
t.near(a:norm(1, {dim = 2}):tolist(), {6, 22}, 1e-6, "norm(1, {dim=2})")
t.near(a:norm(math.huge):item(), 7, 0, "norm(math.huge)")
t.near(a:norm(-math.huge, 2):tolist(), {0, 4}, 0, "norm(-math.huge, dim)")
t.near(a:norm(0):item(), 7, 0, "norm(0) counts the non-zeros")
t.near(torch.linalg.vector_norm(a, {ord = 1}):item(), 28, 0, "linalg.vector_norm(x, {ord=1})")
t.is(torch.norm(a, 2, 2, true):size(), torch.Size({2, 1}), "norm(p, dim, keepdim)")

-- in-place scans
local c = torch.tensor({1.0, 2, 3})
local ver = c._version
t.is(c:cumsum_(1), c, "cumsum_ returns self")
t.is(c:tolist(), {1, 3, 6}, "and writes the scan into it")
t.is(c._version, ver + 1, "bumping its version once")
local leafx = torch.tensor({1.0, 2, 3}, {requires_grad = true})
t.raises(function() leafx:cumprod_(1) end,
	"a leaf Variable that requires grad is being used in an in-place operation.",
	"cumprod_ on a leaf that requires grad")
local y = leafx * 1
y:cumprod_(1)
t.is(y.grad_fn:name(), "CumprodBackward0", "cumprod_ records CumprodBackward0")
y:sum():backward()
t.is(leafx.grad:tolist(), {9, 4, 2}, "and its gradient is cumprod's")
t.raises(function() torch.tensor({true, false}):cumsum_(1) end,
	"\"cumsum_out_cpu\" not implemented for 'Bool'", "bool has no in-place cumsum")
t.is(torch.cumsum_, nil, "the in-place scans are methods only, as in PyTorch")

-- the trace log sees one op per call, not the steps inside it
local ag = torch.autograd
local r = torch.randn(2, 3, {requires_grad = true})
ag.clear_trace()
r:logsumexp(2)
r:norm(3)
local ops = {}
-- (saving an output for backward logs a detach of it: not these ops')
for _, ev in ipairs(ag.trace_log()) do
	if ev.op ~= "detach" then ops[#ops + 1] = ev.op end
end
t.is(ops, {"logsumexp", "norm"}, "logsumexp and norm are one event each")
-- an empty tensor whose other dims multiply past int64 (found by fuzz_view:
-- the reduced count overflowed)
do
	local e = torch.zeros({0, 4611686018427387904, 4})
	t.is(e:sum({2, 3}):size(), {0}, "sum over huge dims of an empty tensor")
	t.is(e:mean({2, 3}):size(), {0}, "mean over huge dims of an empty tensor")
	t.is(e:sum({1, 2}):tolist(), {0, 0, 0, 0}, "sum over the empty and the huge dim is 0")
	t.is(e:amax({2, 3}):size(), {0}, "amax over huge dims of an empty tensor")
end
t.done()
