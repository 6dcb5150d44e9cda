-- test_sort_radix.lua - float32 slices of 128 values and more are sorted
-- by a radix sort (core/sortalgo.c): values and indices as the float64
-- path gives them (introsort, or the merge sort when stable), with NaN
-- last ascending and first descending, -0.0 equal to 0.0, infinities,
-- ties (a non-stable sort places them as introsort does), strided slices
-- and both dims.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local inf, nan = math.huge, 0 / 0

-- the same values (NaN where NaN) and the same indices as sorting the
-- float64 copy of x
local function as_double(x, dim, kw, what)
	if next(kw) == nil then kw = nil end
	local v, i = x:sort(dim, kw)
	local dv, di = x:double():sort(dim, kw)
	local vsame = v:double():eq(dv):logical_or(v:isnan():logical_and(dv:isnan())):all():item()
	t.ok(vsame, what .. ": the values of the float64 sort")
	t.ok(i:equal(di), what .. ": the indices of the float64 sort")
	t.ok(x:argsort(dim, kw):equal(di), what .. ": argsort gives those indices")
end

torch.manual_seed(3)
local kws = {
	{"ascending", {}},
	{"descending", {descending = true}},
	{"stable", {stable = true}},
	{"descending stable", {descending = true, stable = true}},
}

-- distinct values with the edges of the float range
local x = torch.randn(6, 300) * 1e3
x[{1, 5}], x[{1, 9}], x[{2, 7}], x[{3, 3}] = inf, -inf, nan, -0.0
x[{4, 11}], x[{5, 1}] = 1e-42, -1e-42	-- subnormals
for _, k in ipairs(kws) do
	as_double(x, 2, k[2], "distinct values, " .. k[1])
	as_double(x, 1, k[2], "along dim 1 (6 values: introsort), " .. k[1])
end

-- ties everywhere: few distinct values, several NaNs, -0.0 beside 0.0
local y = torch.randint(-3, 4, {5, 257}):float()
for c = 1, 257, 10 do y[{1, c}] = nan end
for c = 2, 257, 7 do y[{2, c}] = -0.0 end
y[{3, 100}], y[{3, 200}] = inf, -inf
for _, k in ipairs(kws) do
	as_double(y, 2, k[2], "ties, " .. k[1])
end

-- a row without ties next to one with: each takes its own path
local z = torch.randn(2, 1000)
z[{2, 10}] = z[{2, 20}]
for _, k in ipairs(kws) do
	as_double(z, 2, k[2], "one tie in a long row, " .. k[1])
end

-- strided slices: the transpose sorts along a dim of stride 1000, and
-- the long dim of a 3-d tensor
as_double(z:t():contiguous():t(), 2, {}, "a strided slice")
local w = torch.randn(3, 400, 2)
as_double(w, 2, {descending = true}, "the middle dim of a 3-d tensor")
local v, i = w:sort(2)
t.ok(w:gather(2, i):equal(v), "gathering the input by the indices gives the values")

-- the sort's values are the input's bits (a NaN payload, -0.0's sign)
local s = torch.tensor({-0.0, 0.0, 1.0}):repeat_interleave(50)
local sv = s:sort({stable = true})
t.is(1 / sv[50]:item(), -inf, "stable: -0.0 keeps its sign and its place before the 0.0s")
t.is(1 / sv[51]:item(), inf, "and 0.0 its own")
t.is(sv:sum():item(), 50.0, "and the values are all there")

t.done()
