-- test_index_reduce.lua - Tensor.index_reduce / index_reduce_ next to
-- PyTorch 1.13 (fixtures/index_reduce_ref.lua, made by
-- fixtures/gen_index_reduce.py): values of every reduction with and
-- without self, gradients of self and source, its own node
-- (IndexReduceBackward0), its saved index counted from 1, gradcheck and
-- gradgradcheck, and PyTorch's texts for bad arguments.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/index_reduce_ref.lua")

local function flat(x)
	local v = x:reshape(-1):tolist()
	return type(v) == "table" and v or {v}
end

local function flat_table(v, out)
	out = out or {}
	if type(v) ~= "table" then out[#out + 1] = v; return out end
	for _, x in ipairs(v) do flat_table(x, out) end
	return out
end

-- values equal within tol (relative), NaN where PyTorch has NaN
local function close(got, want, tol)
	if #got ~= #want then return false, "sizes " .. #got .. " vs " .. #want end
	for i = 1, #want do
		local a, b = got[i], want[i]
		if b ~= b then
			if a == a then return false, ("element %d: %s vs nan"):format(i, a) end
		elseif not (a == b or math.abs(a - b) <= tol * math.max(1, math.abs(b))) then
			return false, ("element %d: %.17g vs %.17g"):format(i, a, b)
		end
	end
	return true
end

local function check(got, want, tol, name)
	local ok, why = close(flat(got), flat_table(want), tol)
	t.ok(ok, name)
	if not ok then t.diag(why) end
end

local function build(v, shape, dtype)
	local x = torch.tensor(v, {dtype = torch[dtype]})
	return x:reshape(table.unpack(shape))
end

local function index_of(c)
	local v = {}
	for i, k in ipairs(c.index) do v[i] = k + 1 end
	local ix = torch.tensor(v)
	return c.index0d and ix:reshape({}) or ix
end

for _, c in ipairs(ref) do
	local x = build(c.self, c.shape, c.dtype)
	local s = build(c.source, c.source_shape, c.dtype)
	local ix = index_of(c)
	local opts = {include_self = c.include_self}
	local tol = c.dtype == "float32" and 1e-6 or 1e-12
	local r = x:index_reduce(c.dim + 1, ix, s, c.reduce, opts)
	t.is(r.dtype, torch[c.dtype], c.name .. ": dtype")
	check(r, c.result, tol, c.name .. ": values as PyTorch")
	check(torch.index_reduce(x, c.dim + 1, ix, s, c.reduce, opts), c.result, tol,
		c.name .. ": torch.index_reduce")
	local y = x:clone()
	local v0 = y._version
	local back = y:index_reduce_(c.dim + 1, ix, s, c.reduce, opts)
	t.ok(rawequal(back, y) and y._version == v0 + 1, c.name .. ": index_reduce_ writes self")
	check(y, c.result, tol, c.name .. ": index_reduce_ values")
	if c.grad then
		local xr = x:clone():requires_grad_(true)
		local sr = s:clone():requires_grad_(true)
		local out = xr:index_reduce(c.dim + 1, ix, sr, c.reduce, opts)
		t.is(out.grad_fn:name(), "IndexReduceBackward0", c.name .. ": node")
		local g = build(c.grad, c.shape, "float64")
		local gx, gs = table.unpack(torch.autograd.grad({out}, {xr, sr}, {grad_outputs = {g}}))
		check(gx, c.grad_self, 1e-12, c.name .. ": self's gradient as PyTorch")
		check(gs, c.grad_source, 1e-12, c.name .. ": source's gradient as PyTorch")
	end
end

-- the node: its saved index counts from 1, as the user wrote it
do
	local a = torch.rand(3, 4, {dtype = torch.float64}):requires_grad_(true)
	local b = torch.rand(4, 4, {dtype = torch.float64}):requires_grad_(true)
	local y = a:index_reduce(1, torch.tensor({1, 3, 1, 2}), b, "prod")
	t.is(y.grad_fn._saved_index:tolist(), {1, 3, 1, 2}, "_saved_index counts from 1")
	t.ok(y.grad_fn._saved_source ~= nil and y.grad_fn._saved_self ~= nil
		and y.grad_fn._saved_result ~= nil, "saves self, source and result")
	t.is(y.grad_fn._saved_dim, 1, "_saved_dim counts from 1")
	local z = (a * 1):index_reduce_(2, torch.tensor({4, 1}), b:narrow(2, 1, 2):narrow(1, 1, 3), "amin")
	t.is(z.grad_fn:name(), "IndexReduceBackward0", "in place: the node")
	-- an int32 index counts from 1 too
	local i32 = torch.tensor({1, 3, 1, 2}, {dtype = torch.int32})
	t.is(a:index_reduce(1, i32, b, "amax"):tolist(),
		a:index_reduce(1, torch.tensor({1, 3, 1, 2}), b, "amax"):tolist(), "int32 index")
end

-- gradcheck and gradgradcheck in float64 for every reduction (away from
-- ties: distinct values), with and without self, 2-d and 0-d
for _, reduce in ipairs({"prod", "mean", "amax", "amin"}) do
	for _, inc in ipairs({true, false}) do
		local a = (torch.rand(3, 4, {dtype = torch.float64}) + 0.5):requires_grad_(true)
		local b = (torch.rand(5, 4, {dtype = torch.float64}) + 0.5):requires_grad_(true)
		local ix = torch.tensor({1, 3, 1, 2, 3})
		local f = function(p, q)
			return p:index_reduce(1, ix, q, reduce, {include_self = inc})
		end
		local name = ("%s include_self=%s"):format(reduce, inc)
		t.ok(torch.autograd.gradcheck(f, {a, b}), "gradcheck " .. name)
		t.ok(torch.autograd.gradgradcheck(f, {a, b}), "gradgradcheck " .. name)
	end
end
do
	local z = torch.tensor(1.5, {dtype = torch.float64}):requires_grad_(true)
	local s = torch.tensor(-0.75, {dtype = torch.float64}):requires_grad_(true)
	local f = function(p, q) return p:index_reduce(1, torch.tensor(1), q, "prod") end
	t.ok(torch.autograd.gradcheck(f, {z, s}), "gradcheck 0-d self and source")
	t.ok(torch.autograd.gradgradcheck(f, {z, s}), "gradgradcheck 0-d self and source")
end

-- bad arguments: PyTorch's texts; self is left as it was
do
	local a = torch.zeros(3, 4)
	local b = torch.ones(4, 4)
	local ix = torch.tensor({1, 3, 1, 2})
	t.raises(function() return a:index_reduce(1, ix, b, "sum") end,
		"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got sum.",
		"sum is not index_reduce's")
	t.raises(function() return a:index_reduce(1, torch.tensor({1.0, 3, 1, 2}), b, "prod") end,
		"index_reduce_(): Expected dtype int32/int64 for index but got: Float", "float index")
	t.raises(function() return a:index_reduce(1, torch.tensor({{1, 3, 1, 2}}), b, "prod") end,
		"index_reduce_(): Index is supposed to be a vector, but got dim: 2 with type: Long and size: [1, 4]",
		"2-d index")
	t.raises(function() return a:index_reduce(1, torch.tensor({1, 3, 1}), b, "prod") end,
		"index_reduce_(): Number of indices (3) should be equal to source.size(dim): (4), for dim: 1",
		"index and source disagree")
	t.raises(function() return a:index_reduce(1, torch.tensor({1, 4, 1, 2}), b, "prod") end,
		"index out of range in self", "index past the end")
	t.raises(function() return a:index_reduce(1, torch.tensor({1, 0, 1, 2}), b, "prod") end,
		"", "index 0")
	t.raises(function() return a:index_reduce(3, ix, b, "prod") end,
		"Dimension out of range (expected to be in range of [-2, 2], but got 3)", "dim out of range")
	t.raises(function() return a:index_reduce(1, ix, torch.ones(4, 5), "prod") end,
		"The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension 0",
		"slices of other sizes")
	t.raises(function() return a:index_reduce(1, ix, torch.ones(4, 4, {dtype = torch.float64}), "prod") end,
		"index_reduce_(): self (Float) and source (Double) must have the same scalar type",
		"dtypes differ")
	t.raises(function() return a:index_reduce(1, ix, b, "prod", {include_self = false, foo = 1}) end,
		"foo", "unknown keyword")
	local before = a:clone()
	t.raises(function() return a:index_reduce_(1, torch.tensor({1, 9, 1, 2}), b, "amax") end,
		"index out of range in self", "in place, bad index")
	t.ok(torch.equal(a, before), "in place, bad index: self unchanged")
end

t.done()
