-- test_f16_ops.lua - every non-pointwise op in float16 (issue 13): the
-- matrix products, convolution, pooling, softmax and the losses and norms
-- on it, the reductions, scans, the sort family, unique, diag, trace,
-- cross and histc take float16 as they take bfloat16, computing in
-- float32 and rounding on store, with float16 gradients.
--
-- Each op runs on float16 leaves h and on their float32 copies x =
-- h:float(); the float16 result must be the float32 result rounded to
-- float16: exactly where agdb computes the very float32 result and rounds
-- it once (tol 0), within a stated relative tolerance where the float32
-- work is ordered differently or its inputs are float16-rounded
-- intermediates.  Backward: the float16 leaves' gradients are float16 and
-- are float32's gradients rounded, within the stated tolerance (a
-- backward made of several float16 ops rounds each step).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional

torch.manual_seed(13)

-- tolerances, relative (to max(1, |want|)): one float16 rounding is at
-- most 2^-11 (4.9e-4) of the value
local EXACT = 0
local ORDER = 2e-3	-- float32 sums in another order, then one rounding
local CHAIN = 1e-2	-- a chain of float16 steps, each rounding

local function flat(v)
	if type(v) ~= "table" then return {v} end
	local out = {}
	local function walk(x)
		if type(x) == "table" then
			for i = 1, #x do walk(x[i]) end
		else
			out[#out + 1] = x
		end
	end
	walk(v)
	return out
end

-- got (a float16 tensor) against want (float32) rounded to float16
local function close(got, want, tol, name)
	t.is(got.dtype, torch.float16, name .. ": float16 result")
	local g = flat(got:float():tolist())
	local w = flat(want:half():float():tolist())
	if tol == EXACT then
		t.is(g, w, name .. ": float32's result rounded, exactly")
	else
		t.near(g, w, tol, name .. (": float32's result rounded (tol %g)"):format(tol))
	end
end

local function is_float(v) return torch.is_tensor(v) and v:is_floating_point() end

-- results as a list (an op may return a tuple of tensors)
local function pack(...) return {...} end

--[[
check(name, make, fn, opts):
  make() -> list of float32 input values (float16-representable after
            the first rounding: the leaves are h = v:half() and x = h:float())
  fn(...)  -> the op's result(s) on its inputs
  opts.tol   forward tolerance (default EXACT)
  opts.gtol  gradient tolerance (default: no backward)
  opts.grad  which inputs are differentiated (default: all floating ones)
]]
local function check(name, make, fn, opts)
	opts = opts or {}
	local vals = make()
	local hs, xs = {}, {}
	for i, v in ipairs(vals) do
		if is_float(v) then
			hs[i] = v:half():detach()
			xs[i] = hs[i]:float():detach()
			if opts.gtol and (not opts.grad or opts.grad[i]) then
				hs[i]:requires_grad_(true)
				xs[i]:requires_grad_(true)
			end
		else
			hs[i], xs[i] = v, v
		end
	end
	local ok, rh = pcall(function() return pack(fn(table.unpack(hs, 1, #vals))) end)
	if not ok then
		t.ok(false, name .. ": runs in float16 (" .. tostring(rh) .. ")")
		return
	end
	local rx = pack(fn(table.unpack(xs, 1, #vals)))
	for k = 1, #rx do
		local what = #rx > 1 and ("%s [%d]"):format(name, k) or name
		if is_float(rx[k]) then
			close(rh[k], rx[k], opts.tol or EXACT, what)
		elseif torch.is_tensor(rx[k]) then
			t.is(rh[k]:tolist(), rx[k]:tolist(), what .. ": same indices as float32")
		end
	end
	if not opts.gtol then return end
	-- backward from the first result with the same float16 weights
	local w = torch.randn(table.unpack(rx[1]:size())):half()
	local okb, err = pcall(function() rh[1]:backward(w) end)
	if not okb then
		t.ok(false, name .. ": backward in float16 (" .. tostring(err) .. ")")
		return
	end
	rx[1]:backward(w:float())
	for i = 1, #vals do
		if xs[i] ~= hs[i] and xs[i].requires_grad then
			local what = ("%s: gradient of input %d"):format(name, i)
			t.ok(hs[i].grad ~= nil and hs[i].grad.dtype == torch.float16, what .. " is float16")
			if hs[i].grad then
				t.near(flat(hs[i].grad:float():tolist()), flat(xs[i].grad:half():float():tolist()),
					opts.gtol, what .. (": float32's rounded (tol %g)"):format(opts.gtol))
			end
		end
	end
end

local function R(...) return torch.randn(...) end

-- ---------------------------------------------------- matrix products
check("mm", function() return {R(5, 7), R(7, 3)} end, torch.mm, {gtol = EXACT})
check("mm, transposed operand", function() return {R(7, 5), R(7, 3)} end,
	function(a, b) return a:t():mm(b) end, {gtol = EXACT})
check("matmul 3-d @ 2-d", function() return {R(2, 3, 4), R(4, 5)} end, torch.matmul, {tol = ORDER, gtol = ORDER})
check("matmul 1-d @ 2-d", function() return {R(4), R(4, 5)} end, torch.matmul, {gtol = ORDER})
check("bmm", function() return {R(2, 3, 4), R(2, 4, 5)} end, torch.bmm, {gtol = EXACT})
check("addmm", function() return {R(3, 5), R(3, 4), R(4, 5)} end,
	function(s, a, b) return torch.addmm(s, a, b, {beta = 0.5, alpha = 2}) end, {tol = ORDER, gtol = ORDER})
check("linear", function() return {R(3, 4), R(5, 4), R(5)} end, F.linear, {tol = ORDER, gtol = ORDER})
check("baddbmm", function() return {R(2, 3, 5), R(2, 3, 4), R(2, 4, 5)} end, torch.baddbmm,
	{tol = ORDER, gtol = ORDER})
check("addbmm", function() return {R(3, 5), R(2, 3, 4), R(2, 4, 5)} end, torch.addbmm,
	{tol = ORDER, gtol = ORDER})
check("addmv", function() return {R(3), R(3, 4), R(4)} end, torch.addmv, {tol = ORDER, gtol = ORDER})
check("mv", function() return {R(3, 4), R(4)} end, torch.mv, {gtol = ORDER})
check("dot", function() return {R(6), R(6)} end, torch.dot, {gtol = EXACT})
check("vdot", function() return {R(6), R(6)} end, torch.vdot, {gtol = EXACT})
check("inner", function() return {R(3, 4), R(2, 4)} end, torch.inner, {gtol = ORDER})
check("einsum", function() return {R(3, 4), R(4, 5)} end,
	function(a, b) return torch.einsum("ij,jk->ik", a, b) end, {tol = ORDER, gtol = ORDER})
check("tensordot", function() return {R(3, 4), R(4, 5)} end,
	function(a, b) return torch.tensordot(a, b, 1) end, {tol = ORDER, gtol = ORDER})
check("linalg.multi_dot", function() return {R(3, 4), R(4, 5), R(5, 2)} end,
	function(a, b, c) return torch.linalg.multi_dot({a, b, c}) end, {tol = CHAIN, gtol = CHAIN})
t.raises(function() torch.mm(torch.ones(2, 2, {dtype = torch.float16}), torch.ones(2, 2)) end,
	"expected scalar type Half but found Float", "mm: mixed float16 and float32 still refused")

-- ------------------------------------------------------------ nn ops
check("conv1d", function() return {R(2, 3, 9), R(4, 3, 3), R(4)} end,
	function(x, w, b) return F.conv1d(x, w, b, {padding = 1}) end, {tol = ORDER, gtol = ORDER})
check("conv2d", function() return {R(2, 3, 6, 6), R(4, 3, 3, 3), R(4)} end,
	function(x, w, b) return F.conv2d(x, w, b, {stride = 2, padding = 1}) end, {tol = ORDER, gtol = ORDER})
check("conv_transpose2d", function() return {R(1, 2, 4, 4), R(2, 3, 3, 3)} end,
	F.conv_transpose2d, {tol = ORDER, gtol = ORDER})
check("max_pool2d", function() return {R(2, 3, 6, 6)} end,
	function(x) return F.max_pool2d(x, 2) end, {gtol = EXACT})
check("avg_pool2d", function() return {R(2, 3, 6, 6)} end,
	function(x) return F.avg_pool2d(x, 3, {stride = 1}) end, {gtol = EXACT})
check("adaptive_avg_pool2d", function() return {R(1, 2, 7, 5)} end,
	function(x) return F.adaptive_avg_pool2d(x, {3, 2}) end, {gtol = EXACT})
check("softmax", function() return {R(4, 6) * 3} end,
	function(x) return F.softmax(x, 2) end, {gtol = CHAIN})
check("softmax over dim 1", function() return {R(4, 6) * 3} end,
	function(x) return F.softmax(x, 1) end, {gtol = CHAIN})
check("log_softmax", function() return {R(4, 6) * 3} end,
	function(x) return F.log_softmax(x, 2) end, {gtol = CHAIN})
check("cross_entropy", function() return {R(5, 4), torch.tensor({1, 4, 2, 2, 3})} end,
	F.cross_entropy, {tol = ORDER, gtol = CHAIN})
check("nll_loss", function() return {R(5, 4), torch.tensor({1, 4, 2, 2, 3})} end,
	F.nll_loss, {tol = ORDER, gtol = EXACT})
check("layer_norm", function() return {R(3, 8), R(8), R(8)} end,
	function(x, w, b) return F.layer_norm(x, {8}, w, b) end, {tol = ORDER, gtol = CHAIN})
check("group_norm", function() return {R(2, 4, 5)} end,
	function(x) return F.group_norm(x, 2) end, {tol = ORDER, gtol = CHAIN})
check("batch_norm (training)", function() return {R(6, 3)} end,
	function(x) return F.batch_norm(x, nil, nil, nil, nil, true) end, {tol = ORDER, gtol = CHAIN})

-- -------------------------------------------------------- reductions
check("sum", function() return {R(30, 40)} end, function(x) return x:sum() end, {tol = ORDER, gtol = EXACT})
check("sum over a dim", function() return {R(30, 40)} end, function(x) return x:sum(1) end,
	{tol = ORDER, gtol = EXACT})
-- mean's gradient divides the float16 gradient in float16
-- long dense runs go through the block path (widened to float32 a block
-- at a time), strided ones element by element: both float32 sums
check("sum of a long run", function() return {R(10007)} end, function(x) return x:sum() end,
	{tol = ORDER, gtol = EXACT})
check("column sums of a wide matrix", function() return {R(5, 2500)} end, function(x) return x:sum(1) end,
	{tol = ORDER, gtol = EXACT})
check("column means, strided rows", function() return {R(2500, 6)} end, function(x) return x:t():mean(1) end,
	{tol = ORDER, gtol = ORDER})
check("sum of a strided run", function() return {R(300, 40)} end, function(x) return x:t():sum(2) end,
	{tol = ORDER, gtol = EXACT})
do
	local x = torch.randn(10007)
	local b = x:bfloat16()
	t.near(b:sum():float():item(), b:float():sum():bfloat16():float():item(), 1e-2,
		"bfloat16 sum of a long run: float32's sum rounded")
	t.near(b:mean():float():item(), b:float():mean():bfloat16():float():item(), 1e-2,
		"bfloat16 mean of a long run")
end
check("mean", function() return {R(7, 9)} end, function(x) return x:mean(2) end, {tol = ORDER, gtol = ORDER})
check("prod", function() return {torch.rand(3, 5) + 0.5} end, function(x) return x:prod() end,
	{tol = ORDER, gtol = CHAIN})
check("prod over a dim", function() return {torch.rand(3, 5) + 0.5} end, function(x) return x:prod(2) end,
	{tol = ORDER, gtol = CHAIN})
-- logsumexp's backward, exp(x - result) * grad, runs as float16 ops
check("logsumexp", function() return {R(4, 6) * 2} end, function(x) return x:logsumexp(2) end,
	{tol = ORDER, gtol = CHAIN})
-- max and min: dense runs widened a block at a time (4096 values; a run's
-- tail under 64 element by element), a NaN deciding wherever it is
check("amax of a long run", function() return {R(3, 9000)} end, function(x) return x:amax(2) end,
	{gtol = EXACT})
check("amin, a tail under 64", function() return {R(4, 4096 + 70)} end, function(x) return x:amin(2) end,
	{gtol = EXACT})
check("max of 100 values", function() return {R(100)} end, function(x) return x:max() end, {gtol = EXACT})
check("min of 30 values", function() return {R(30)} end, function(x) return x:min() end)
do
	for _, dt in ipairs({torch.float16, torch.bfloat16}) do
		local x = torch.randn(9000)
		x[5001] = 0 / 0
		local h = x:to(dt)
		t.ok(h:max():item() ~= h:max():item(), tostring(dt) .. ": a NaN far into a long run decides max")
		t.ok(h:amin():item() ~= h:amin():item(), tostring(dt) .. ": and amin")
		x[5001] = 1e30
		local y = x:to(dt)
		t.is(y:max():float():item(), x:to(dt):float():max():item(), tostring(dt) .. ": max of a long run")
		t.is(y:min():float():item(), x:to(dt):float():min():item(), tostring(dt) .. ": min of a long run")
	end
end
check("aminmax", function() return {R(4, 6)} end, function(x) return torch.aminmax(x) end)
check("aminmax over a dim", function() return {R(4, 6)} end,
	function(x) return torch.aminmax(x, {dim = 1}) end)
t.is(torch.tensor({1, 2}, {dtype = torch.float16}):prod():item(), 2, "prod of float16 values")
t.is(torch.tensor({1.5, 2}, {dtype = torch.bfloat16}):prod().dtype, torch.bfloat16,
	"prod takes bfloat16 too")

-- ------------------------------------------------------------- scans
check("cumsum", function() return {R(4, 20)} end, function(x) return x:cumsum(2) end, {gtol = EXACT})
check("cumsum over dim 1", function() return {R(20, 3)} end, function(x) return x:cumsum(1) end,
	{gtol = EXACT})
check("cumprod", function() return {torch.rand(3, 6) + 0.5} end, function(x) return x:cumprod(2) end,
	{gtol = CHAIN})
-- (long running sums: agdb's float32 cumsum keeps its running values in
-- double, the 16-bit one in float32 as PyTorch's does)
check("cumsum of a big tensor, over dim 1", function() return {R(300, 500)} end,
	function(x) return x:cumsum(1) end, {tol = ORDER, gtol = ORDER})
check("logcumsumexp over dim 1", function() return {R(6, 5) * 2} end, function(x) return x:logcumsumexp(1) end)
check("cumprod over dim 1", function() return {torch.rand(6, 5) + 0.5} end, function(x) return x:cumprod(1) end)
do
	local x = torch.randn(40, 70)
	local b = x:bfloat16()
	t.is(b:cumsum(2):float():tolist(), b:float():cumsum(2):bfloat16():float():tolist(),
		"bfloat16 cumsum: float32's running sums rounded")
end
check("logcumsumexp", function() return {R(3, 8) * 2} end, function(x) return x:logcumsumexp(2) end,
	{gtol = CHAIN})
-- cummax/cummin's gradients add into the running positions in float16,
-- rounding at each add (as a float16 scatter_add does)
check("cummax", function() return {R(3, 8)} end, function(x) return x:cummax(2) end, {gtol = CHAIN})
check("cummin", function() return {R(8, 3)} end, function(x) return x:cummin(1) end, {gtol = CHAIN})
do
	local h = R(3, 5):half()
	local want = h:float():cumsum(2):half()
	h:cumsum_(2)
	t.is(h.dtype, torch.float16, "cumsum_ keeps float16")
	t.is(h:float():tolist(), want:float():tolist(), "cumsum_ in float16: float32's running sums rounded")
end

-- ---------------------------------------------------------- sort family
check("sort", function() return {R(4, 7)} end, function(x) return x:sort(2) end, {gtol = EXACT})
check("sort descending", function() return {R(4, 7)} end,
	function(x) return x:sort(1, true) end, {gtol = EXACT})
check("argsort", function() return {R(4, 7)} end, function(x) return x:argsort(2) end)
check("topk", function() return {R(4, 7)} end, function(x) return x:topk(3) end, {gtol = EXACT})
check("kthvalue", function() return {R(4, 7)} end, function(x) return x:kthvalue(2) end, {gtol = EXACT})
check("median", function() return {R(5, 7)} end, function(x) return x:median() end, {gtol = EXACT})
check("median over a dim", function() return {R(5, 7)} end, function(x) return x:median(2) end,
	{gtol = EXACT})
check("nanmedian", function() return {R(5, 7)} end, function(x) return x:nanmedian() end)
check("msort", function() return {R(5, 3)} end, torch.msort, {gtol = EXACT})
check("unique", function() return {torch.tensor({3, 1.5, 3, -2, 1.5, 7})} end,
	function(x) return torch.unique(x, {return_inverse = true, return_counts = true}) end)
check("unique over a dim", function() return {torch.tensor({{1, 2}, {0.5, 2}, {1, 2}})} end,
	function(x) return torch.unique(x, {dim = 1}) end)

-- ---------------------------------------------------- shape and misc ops
check("diag of a matrix", function() return {R(4, 5)} end, function(x) return torch.diag(x, 1) end,
	{gtol = EXACT})
check("diag of a vector", function() return {R(4)} end, function(x) return torch.diag(x) end,
	{gtol = EXACT})
check("trace", function() return {R(4, 4)} end, torch.trace, {gtol = EXACT})
check("cross", function() return {R(4, 3), R(4, 3)} end, function(a, b) return torch.cross(a, b, 2) end,
	{tol = ORDER, gtol = CHAIN})
check("linalg.cross", function() return {R(2, 3), R(2, 3)} end, torch.linalg.cross,
	{tol = ORDER, gtol = CHAIN})
check("histc", function() return {R(50)} end, function(x) return torch.histc(x, 6, -2, 2) end)
-- quantile: ranks and lerp in float32 (q is converted to the input's
-- dtype first, as PyTorch does: 0.25 and 0.75 are float16 numbers)
check("quantile", function() return {R(4, 9)} end,
	function(x) return torch.quantile(x, 0.25, 2) end, {gtol = EXACT})
check("quantile, q a list", function() return {R(11), torch.tensor({0.25, 0.75})} end,
	function(x, q) return torch.quantile(x, q) end, {gtol = EXACT, grad = {true}})
check("nanquantile", function() return {torch.tensor({1, 0 / 0, 3, -2, 0.5})} end,
	function(x) return torch.nanquantile(x, 0.5) end)
do
	local b = torch.tensor({3, 1, 2, 5}, {dtype = torch.bfloat16})
	local r = torch.quantile(b, torch.tensor({0.5}, {dtype = torch.bfloat16}))
	t.is(r.dtype, torch.bfloat16, "quantile takes bfloat16 too")
	t.is(r:float():tolist(), {2.5}, "bfloat16 quantile's value")
end
t.raises(function() torch.quantile(torch.tensor({1, 2}), 0.5) end,
	"quantile() input tensor must be either float or double dtype", "quantile still refuses integers")

-- accumulation in float32: partial results outside float16's range
-- (over 65504, or under its smallest subnormal) do not stick, only the
-- stored values are rounded
do
	local h = torch.tensor({60000, 60000, -60000}, {dtype = torch.float16})
	t.is(h:sum():item(), 60000, "sum: a partial sum of 120000 does not overflow")
	t.is(h:cumsum(1):float():tolist(), {60000, math.huge, 60000},
		"cumsum: the stored 120000 is inf, the running sum goes on in float32")
	local ones = torch.ones(3, {dtype = torch.float16})
	t.is(torch.dot(h, ones):item(), 60000, "dot accumulates in float32")
	t.is(torch.mm(h:reshape(1, 3), ones:reshape(3, 1)):item(), 60000, "mm accumulates in float32")
	t.is(h:mean():item(), 20000, "mean accumulates in float32")
	t.is(torch.tensor({300, 300, 1 / 300}, {dtype = torch.float16}):prod():item(), 300,
		"prod: a partial product of 90000 does not overflow")
	local c = torch.tensor({1e-4, 1e-4, 1e4}, {dtype = torch.float16}):cumprod(1):float():tolist()
	t.is({c[2], c[3] == c[1]}, {0, true},
		"cumprod: the stored 1e-8 underflows to 0, the running product keeps it")
	t.is(h:reshape(1, 3):logsumexp(2):item(), 60000, "logsumexp in float32")
end

-- what still refuses float16 refuses float32 too
t.raises(function() torch.bincount(torch.tensor({1.5}, {dtype = torch.float16})) end,
	"\"bincount_cpu\" not implemented for 'Half'", "bincount: integers only, as for float32")

-- ------------------------------------------------ autocast to float16
do
	local x, w = R(3, 4), R(5, 4)
	local y = torch.autocast({device_type = "cpu", dtype = torch.float16}, function()
		return F.linear(x, w)
	end)
	t.is(y.dtype, torch.float16, "float16 autocast: linear runs in float16")
	close(y, F.linear(x:half():float(), w:half():float()), ORDER,
		"float16 autocast: linear on the float16-rounded inputs")
	local c = torch.autocast({device_type = "cpu", dtype = torch.float16}, function()
		return F.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3))
	end)
	t.is(c.dtype, torch.float16, "float16 autocast: conv2d runs in float16")
end

t.done()
