-- test_speed_paths.lua - the fast kernels of issues 11 and 13 give the
-- values of the paths they stand beside: the vectorised float32 formulas
-- (core/vmath.c) on dense, strided and other-dtype runs alike and within
-- an ulp or two of the float64 value; logsumexp's fused kernel against
-- its float64 steps, with infinities and NaN; the column-wise argmax,
-- argmin and var against one column at a time; and bfloat16 products
-- (AMX tiles where the CPU has them) against the float32 product rounded.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional

local inf, nan = math.huge, 0 / 0

-- the largest |got - want| / |want| (NaN where one is NaN and the other
-- not), over two tensors of the same shape
local function relerr(got, want)
	local g, w = got:double():reshape(-1):tolist(), want:double():reshape(-1):tolist()
	local worst = 0
	for i = 1, #w do
		local a, b = g[i], w[i]
		if a ~= a or b ~= b then
			if (a ~= a) ~= (b ~= b) then return nan end
		elseif a ~= b then
			local e = math.abs(a - b) / math.max(math.abs(b), 1e-30)
			if e > worst then worst = e end
		end
	end
	return worst
end

-- the same values, NaN where NaN
local function same(a, b)
	return a:eq(b):logical_or(a:isnan():logical_and(b:isnan())):all():item()
end

-- ------------------------------------------------------------ pointwise

torch.manual_seed(11)
local x = torch.randn(3001) * 4
x[7], x[8], x[9], x[10], x[11] = inf, -inf, nan, 0.0, -1e-30
local y = torch.randn(3001) * 2 + 0.1
y[12] = 0.0

local unary = {
	exp = function(a) return a:exp() end,
	expm1 = function(a) return a:expm1() end,
	log1p = function(a) return a:abs():log1p() end,
	tan = function(a) return a:tan() end,
	tanh = function(a) return a:tanh() end,
	erf = function(a) return a:erf() end,
	sigmoid = function(a) return a:sigmoid() end,
	silu = function(a) return F.silu(a) end,
	elu = function(a) return F.elu(a, 0.7) end,
	selu = function(a) return F.selu(a) end,
	softplus = function(a) return F.softplus(a, 2, 5) end,
	gelu = function(a) return F.gelu(a) end,
	["gelu tanh"] = function(a) return F.gelu(a, {approximate = "tanh"}) end,
	leaky_relu = function(a) return F.leaky_relu(a, 0.3) end,
	atan2 = function(a) return torch.atan2(a, y) end,
}
-- formulas that subtract nearly equal floats (1 + erf(x) for x << 0,
-- exp(x) - 1 near 0)
local cancels = {gelu = true, ["gelu tanh"] = true, elu = true, selu = true}
local names = {}
for k in pairs(unary) do names[#names + 1] = k end
table.sort(names)

local strided = torch.stack({x, x}, 2)[{{}, 1}]	-- x with a stride of 2
local ystrided = torch.stack({y, y}, 2)[{{}, 2}]
for _, k in ipairs(names) do
	local f = unary[k]
	local dense = f(x)
	if k == "atan2" then
		t.ok(same(torch.atan2(strided, ystrided), dense), "atan2: strided inputs give the dense values")
	else
		t.ok(same(f(strided), dense), k .. ": a strided input gives the dense values")
	end
	-- every element of a long run as in a run of one
	local one = true
	for _, i in ipairs({1, 5, 9, 17, 2999, 3001}) do
		local s = k == "atan2" and torch.atan2(x[{{i, i}}], y[{{i, i}}]) or f(x[{{i, i}}])
		if not same(s, dense[{{i, i}}]) then one = false end
	end
	t.ok(one, k .. ": an element alone gives its value in a long run")
	local want = k == "atan2" and torch.atan2(x:double(), y:double()) or f(x:double())
	if cancels[k] then	-- PyTorch's float formula loses digits there too
		t.ok(torch.allclose(dense:double(), want, 1e-6, 1e-6, true),
			k .. ": close to the float64 value")
	else
		local e = relerr(dense, want)
		t.ok(e == e and e <= 2.5e-7, k .. ": within two float ulps of the float64 value (" .. e .. ")")
	end
	local b = k == "atan2" and torch.atan2(x:to(torch.bfloat16), y:to(torch.bfloat16)) or f(x:to(torch.bfloat16))
	t.is(b.dtype, torch.bfloat16, k .. ": bfloat16 stays bfloat16")
end

t.is(F.leaky_relu(torch.tensor({-2.0, 0.0, 3.0, nan, -inf}), 0.5):tolist()[1], -1.0,
	"leaky_relu scales a negative")
local lr = F.leaky_relu(torch.tensor({-2.0, 0.0, 3.0, nan, -inf}), 0.5):tolist()
t.ok(lr[2] == 0 and lr[3] == 3 and lr[4] ~= lr[4] and lr[5] == -inf,
	"leaky_relu keeps 0, positives, NaN and -inf")
local ex = torch.tensor({inf, -inf, nan, 88.8, -104.0, 0.0}):exp():tolist()
t.ok(ex[1] == inf and ex[2] == 0 and ex[3] ~= ex[3] and ex[4] == inf and ex[5] == 0 and ex[6] == 1,
	"exp at the edges of the float range")
local mx = torch.maximum(torch.tensor({1.0, nan, 2.0, -0.0}), torch.tensor({nan, 1.0, 3.0, 0.0})):tolist()
t.ok(mx[1] ~= mx[1] and mx[2] ~= mx[2] and mx[3] == 3, "maximum: NaN wins")
local mn = torch.minimum(torch.tensor({1.0, nan, 2.0}), torch.tensor({nan, 1.0, 3.0})):tolist()
t.ok(mn[1] ~= mn[1] and mn[2] ~= mn[2] and mn[3] == 2, "minimum: NaN wins")

-- ------------------------------------------------------------ logsumexp

local z = torch.randn(5, 40, 6) * 20
z[{2, 3, 4}] = nan
z[{3, {}, 2}] = -inf
z[{4, 5, 5}] = inf
for _, dims in ipairs({{1}, {2}, {3}, {1, 2}, {2, 3}, {1, 2, 3}}) do
	local got = z:logsumexp(dims)
	local want = z:double():logsumexp(dims)
	local e = relerr(got, want)
	t.ok(e == e and e <= 2e-6, "logsumexp over {" .. table.concat(dims, ",") .. "} as in float64 (" .. e .. ")")
	local kd = {5, 40, 6}
	for _, d in ipairs(dims) do kd[d] = 1 end
	t.is(z:logsumexp(dims, true):size(), torch.Size(kd), "logsumexp keepdim: the reduced dims kept as 1")
end
local wide = z:logsumexp(2):tolist()
t.ok(wide[3][2] == -inf, "logsumexp of a column of -inf is -inf")
t.ok(wide[4][5] == inf, "logsumexp with an inf is inf")
t.ok(wide[2][4] ~= wide[2][4], "logsumexp with a NaN is NaN")
t.is(z:transpose(1, 3):logsumexp(1):size(), torch.Size({40, 5}), "a transposed input takes the steps")
t.ok(relerr(z:transpose(1, 3):logsumexp(1), z:double():transpose(1, 3):logsumexp(1)) <= 2e-6,
	"and gives the same values")

-- ------------------------------------------------------------ columns

local m = torch.randn(37, 1500)
m[{5, 7}], m[{9, 7}], m[{3, 8}], m[{2, 9}] = nan, nan, inf, -inf
for j = 1, 37 do m[{j, 10}] = 1.0 end
local ok_max, ok_min, ok_var = true, true, true
local vmax, imax = m:max(1)
local vmin, imin = m:min(1)
local var, am = m:var(1), m:argmax(1)
for c = 1, 1500, 7 do
	local col = m[{{}, c}]:contiguous()
	local v1, i1 = col:max(1)
	local v2, i2 = col:min(1)
	if i1:item() ~= imax[c]:item() or i1:item() ~= am[c]:item() then ok_max = false end
	if i2:item() ~= imin[c]:item() then ok_min = false end
	local a, b = col:var(1):item(), var[c]:item()
	if not (a == b or (a ~= a and b ~= b) or math.abs(a - b) <= 1e-6 * math.abs(a)) then ok_var = false end
end
t.ok(ok_max, "max(1) and argmax(1): the positions of one column at a time (NaN first, ties first)")
t.ok(ok_min, "min(1): the positions of one column at a time")
t.ok(ok_var, "var(1): the variances of one column at a time")
t.is(imax[7]:item(), 5, "the first NaN of a column decides its max")
t.is(imax[10]:item(), 1, "a tie keeps the first position")
t.is(m:double():std(1)[{{1, 3}}]:float():tolist(), m:std(1)[{{1, 3}}]:tolist(), "std(1) in float64 too")

-- ------------------------------------------------------------ bfloat16 products

for _, s in ipairs({{96, 80, 112}, {128, 64, 128}, {33, 200, 65}}) do
	local M, K, N = s[1], s[2], s[3]
	local a = torch.randn(M, K):to(torch.bfloat16)
	local b = torch.randn(K, N):to(torch.bfloat16)
	local c = a:matmul(b)
	local want = a:float():matmul(b:float())
	-- the float32 sums may add in another order: one bfloat16 rounding apart
	local e = (c:float() - want):abs() - want:abs() * (2 ^ -7) - 1e-3
	t.ok(e:max():item() <= 0, ("bfloat16 %dx%dx%d: the float32 product rounded"):format(M, K, N))
	t.ok(a:matmul(b:t():contiguous():t()):equal(c), ("bfloat16 %dx%dx%d: a transposed operand gives the same"):format(M, K, N))
end
local a = torch.ones(64, 96):to(torch.bfloat16)
local b = torch.ones(96, 64):to(torch.bfloat16)
a[{3, 5}] = inf
b[{7, 9}] = nan
local c = a:matmul(b)
t.is(c[{1, 1}]:item(), 96.0, "bfloat16: sums of ones are exact")
t.ok(c[{3, 1}]:item() == inf and c[{1, 9}]:item() ~= c[{1, 9}]:item(), "bfloat16: inf and NaN carry through")

-- the thread count of parallel loops and BLAS (PyTorch's API); the same
-- values whatever it is
do
  local n0 = torch.get_num_threads()
  t.ok(math.type(n0) == "integer" and n0 >= 1, "get_num_threads: a positive integer")
  local x = torch.randn(256, 300)
  local a = (x:mm(x:t()):sum(2) + x:exp():sum(2)):tolist()
  torch.set_num_threads(1)
  t.is(torch.get_num_threads(), 1, "set_num_threads(1) takes")
  local b = (x:mm(x:t()):sum(2) + x:exp():sum(2)):tolist()
  t.near(b, a, 1e-3, "one thread gives the values of several")
  torch.set_num_threads(n0)
  t.is(torch.get_num_threads(), n0, "and the count goes back")
end

t.done()
