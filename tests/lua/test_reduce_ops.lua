-- test_reduce_ops.lua - the reductions, scans and sorting ops next to
-- PyTorch 1.13's answers (fixtures/reduce_ref.lua, made by
-- fixtures/gen_reduce_fixtures.py): values, indices (1-based), dtypes,
-- shapes, grad_fn names, gradients and error texts.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/reduce_ref.lua")

local function nested_equal(a, b, tol)
	if type(a) == "table" and type(b) == "table" then
		if #a ~= #b then return false end
		for i = 1, #a do
			if not nested_equal(a[i], b[i], tol) then return false end
		end
		return true
	end
	if type(a) ~= "number" or type(b) ~= "number" then return a == b end
	if a ~= a or b ~= b then return a ~= a and b ~= b end
	if a == b then return true end
	return math.abs(a - b) <= tol * math.max(1, math.abs(b))
end

local function show(v)
	if type(v) ~= "table" then return tostring(v) end
	local parts = {}
	for i = 1, math.min(#v, 12) do parts[i] = show(v[i]) end
	return "{" .. table.concat(parts, ", ") .. (#v > 12 and ", ..." or "") .. "}"
end

local function input(name)
	local spec = ref.inputs[name]
	local dt = torch[spec.dtype]
	if spec.make then
		return load("return " .. spec.make, "=make", "t", {torch = torch})()
	end
	local x
	if spec.dtype == "bool" then
		x = torch.tensor(spec.x):ne(0)
	else
		x = torch.tensor(spec.x, {dtype = dt})
	end
	local numel = 1
	for _, s in ipairs(spec.shape) do numel = numel * s end
	if numel == 0 or #spec.shape == 0 then x = x:reshape(spec.shape) end
	return x
end

local function values(x)
	if x.dtype == torch.bool then x = x:long() end
	if x:dim() == 0 then return x:item() end
	return x:tolist()
end

-- sum(x * (1, 2, 3, ...)) in double, as the generator's math.fsum: the
-- products are exact or rounded alike on both sides, and the sum runs in
-- double-double (TwoSum), so no summation order enters the digest.
local function digest(x)
	local w = torch.arange(1, x:numel() + 1, {dtype = torch.float64})
	local p = (x:double():reshape({x:numel()}) * w):tolist()
	local s, c = 0.0, 0.0
	for i = 1, #p do
		local y = s + p[i]
		local b = y - s
		c = c + ((s - (y - b)) + (p[i] - b))
		s = y
	end
	return s + c
end

-- Ops whose values are picked, counted or summed in double exactly as
-- PyTorch does: equal to the bit.  The others fold in another order
-- (agdb sums in double, PyTorch's float32 kernels in float32 lanes), so
-- their float32 results may differ in the last place or two.
local exact = {"^sort", "^argsort", "^msort", "^topk", "^kthvalue", "^median",
	"^nanmedian", "^mode", "^max", "^min", "^amax", "^amin", "^all", "^any",
	"^count", "^unique", "^ties", "^cumsum", "^cumprod", "^cummax", "^cummin",
	"^aminmax",
	"^prod_int",
	"^prod_bool"}
local function tolerance(c)
	for _, p in ipairs(exact) do
		if c.name:find(p) then return 0 end
	end
	local dt = ref.inputs[c.input].dtype
	if dt == "float64" then return 1e-12 end
	if dt == "bfloat16" then return 1e-2 end
	if dt == "float16" then return 2e-3 end
	return 4e-6
end

local function run(c, x)
	local f = load("local x = ...; return " .. c.lua, "=" .. c.name, "t",
		{torch = torch, math = math})
	return f(x)
end

for _, c in ipairs(ref.cases) do
	local x = input(c.input)
	local grad = c.grad or c.grad_digest
	if grad then x.requires_grad = true end
	local okc, v, ix = pcall(run, c, x)
	if not okc then
		t.ok(false, c.name .. ": " .. c.lua .. " raised " .. tostring(v))
	else
		local tol = tolerance(c)
		t.is(v.dtype, torch[c.out_dtype], c.name .. ": dtype")
		local shape = {}
		for d = 1, v:dim() do shape[d] = v:size(d) end
		t.is(shape, c.out_shape, c.name .. ": shape")
		if c.out then
			local got = values(v)
			t.ok(nested_equal(got, c.out, tol), c.name .. ": " .. c.lua .. " values",
				"got:  " .. show(got))
			if not nested_equal(got, c.out, tol) then
				t.diag("got:  " .. show(got) .. "\nwant: " .. show(c.out))
			end
		else
			t.ok(nested_equal(digest(v), c.out_digest, tol == 0 and 0 or 1e-6),
				c.name .. ": values (digest)")
		end
		if c.out2 then	-- var_mean, std_mean: the mean
			t.ok(nested_equal(values(ix), c.out2, tol), c.name .. ": second result")
		end
		if c.indices then
			local got = values(ix)
			t.ok(nested_equal(got, c.indices, 0), c.name .. ": indices")
			if not nested_equal(got, c.indices, 0) then
				t.diag("got:  " .. show(got) .. "\nwant: " .. show(c.indices))
			end
		elseif c.indices_digest then
			t.is(digest(ix), c.indices_digest, c.name .. ": indices (digest)")
		end
		if grad then
			t.is(v.grad_fn and v.grad_fn:name(), c.grad_fn, c.name .. ": grad_fn")
			local w = torch.arange(1, v:numel() + 1, {dtype = v.dtype}):reshape(v.shape)
			local ok2, err = pcall(function()
				local loss = (v * w):sum()
				if c.out2 then loss = loss - (ix * w):sum() end
				loss:backward()
			end)
			if not ok2 then
				t.ok(false, c.name .. ": backward raised " .. tostring(err))
			elseif c.grad then
				local g = x.grad and values(x.grad) or nil
				local gtol = math.max(tol, 1e-5)
				t.ok(g and nested_equal(g, c.grad, gtol), c.name .. ": gradient")
				if not (g and nested_equal(g, c.grad, gtol)) then
					t.diag("got:  " .. show(g) .. "\nwant: " .. show(c.grad))
				end
			else
				t.ok(nested_equal(digest(x.grad), c.grad_digest, 1e-6),
					c.name .. ": gradient (digest)")
			end
		end
	end
end

for _, e in ipairs(ref.errors) do
	local x = input(e.input)
	t.raises(function() run(e, x) end, e.msg, e.name .. ": " .. e.lua)
end

local x = torch.randn(3, {requires_grad = true})
t.raises(function() torch.unique(x):sum():backward() end, ref.unique_backward,
	"unique's node cannot be differentiated, as PyTorch's")
x = torch.randn(2, 2, {requires_grad = true})
t.raises(function() torch.unique(x, {dim = 1}):sum():backward() end,
	ref.unique_dim_backward, "nor can unique(dim)'s")
t.done()
