-- test_stream.lua - outputs larger than the caches (8 MiB and more of
-- float32) are written with non-temporal stores (core/binary.c, vmath.c,
-- and copy.c's fill of a broadcast value): they hold the values the
-- cached path gives for the same elements, on dense and broadcast
-- operands, at any alignment of the output, in place, and at one thread
-- as at several.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional

local N = 2 ^ 21 + 37	-- just over 8 MiB of float32
torch.manual_seed(5)
local x = torch.randn(N) * 3
local y = torch.randn(N) + 0.5
x[1], x[2], x[N] = 0 / 0, math.huge, -0.0
y[3] = 0.0

-- the same values (NaN where NaN) as the op on short slices, which stay
-- in the caches, at the start, across the 16-byte steps and at the end
local pieces = {{1, 1000}, {1001, 1003}, {4097, 70000}, {N - 999, N}}
local function matches(big, f)
	for _, p in ipairs(pieces) do
		local got, want = big[{p}], f(p)
		local eq = got:eq(want):logical_or(got:isnan():logical_and(want:isnan()))
		if not eq:all():item() then return false end
	end
	return true
end

local binary = {
	add = function(a, b) return a + b end,
	sub = function(a, b) return a - b end,
	mul = function(a, b) return a * b end,
	div = function(a, b) return a / b end,
}
for _, k in ipairs({"add", "sub", "mul", "div"}) do
	local f = binary[k]
	t.ok(matches(f(x, y), function(p) return f(x[{p}], y[{p}]) end),
		k .. ": a long output holds the short runs' values")
	t.ok(matches(f(x, 1.5), function(p) return f(x[{p}], 1.5) end),
		k .. " by a number: the same")
	t.ok(matches(f(x, torch.tensor(-2.25)), function(p) return f(x[{p}], -2.25) end),
		k .. " by a 0-d tensor: the same")
end

local unary = {
	leaky_relu = function(a) return F.leaky_relu(a, 0.2) end,
	gelu = function(a) return F.gelu(a) end,
	exp = function(a) return a:exp() end,
	softplus = function(a) return F.softplus(a) end,
}
for _, k in ipairs({"leaky_relu", "gelu", "exp", "softplus"}) do
	local f = unary[k]
	t.ok(matches(f(x), function(p) return f(x[{p}]) end),
		k .. ": a long output holds the short runs' values")
end

-- an output that starts 4 and 8 bytes past a 16-byte boundary (a view
-- written in place, and out=)
for _, off in ipairs({2, 3}) do
	local z = x:clone()
	local v = z:narrow(1, off, N - off)
	v:mul_(y:narrow(1, 1, N - off))
	local want = x:narrow(1, off, N - off) * y:narrow(1, 1, N - off)
	t.ok(v:equal(want),
		("in place from element %d: the values of a fresh output"):format(off))
	t.ok(z[1]:item() ~= z[1]:item() and (off == 2 or z[2]:item() == math.huge),
		"and the elements before the view are untouched")
	local o = torch.empty(N + 3)
	torch.add(x, y, {out = o:narrow(1, off, N)})
	t.ok(matches(o:narrow(1, off, N), function(p) return x[{p}] + y[{p}] end),
		("out= from element %d: the values of a fresh output"):format(off))
	local g = torch.empty(N + 3)
	g:narrow(1, off, N):copy_(x):exp_()
	t.ok(matches(g:narrow(1, off, N), function(p) return x[{p}]:exp() end),
		("exp_ in place from element %d: the same values"):format(off))
end

-- with AVX-512 the float32 arithmetic streams whole 64-byte lines
-- between a masked lead and a masked tail (core/stream_f32.c): an output
-- starting at each of the 16 floats of a line, with each tail length,
-- by a tensor and by a number, holds the short runs' values
local function holds(o, n, f)
	for _, p in ipairs({{1, 40}, {41, 5000}, {n - 4999, n - 40}, {n - 39, n}}) do
		local got, want = o[{p}], f(p)
		if not got:eq(want):logical_or(got:isnan():logical_and(want:isnan())):all():item() then
			return false
		end
	end
	return true
end
do
	local z = torch.empty(N + 32)
	local ok_t, ok_n = true, true
	for off = 1, 16 do
		local n = N - 16 + off
		local o = z:narrow(1, off, n)
		torch.add(x:narrow(1, 1, n), y:narrow(1, 1, n), {out = o})
		ok_t = ok_t and holds(o, n, function(p) return x[{p}] + y[{p}] end)
		torch.mul(x:narrow(1, 1, n), -0.75, {out = o})
		ok_n = ok_n and holds(o, n, function(p) return x[{p}] * -0.75 end)
	end
	t.ok(ok_t, "add into outputs from each float of a 64-byte line, every tail: the same values")
	t.ok(ok_n, "mul by a number into the same outputs: the same values")
end

-- a broadcast value copied into a long or short dense tensor (an
-- expanded gradient made dense): every element, at any alignment
for _, dt in ipairs({torch.float32, torch.float64, torch.int16, torch.uint8, torch.bool}) do
	local v = torch.tensor(dt == torch.bool and 1 or 3):to(dt)
	for _, n in ipairs({N, 1001}) do
		local full = v:expand(n):contiguous()
		t.ok(full:eq(v):all():item() and full:numel() == n,
			("%s: a value expanded to %d elements, made dense"):format(tostring(dt), n))
		for _, off in ipairs({2, 3}) do
			local z = torch.zeros(n + 3, {dtype = dt})
			z:narrow(1, off, n):copy_(v:expand(n))
			local ok = z:narrow(1, off, n):eq(v):all():item() and
				z[off - 1]:item() == z[n + 3]:item()
			t.ok(ok, ("%s: copied into %d elements from element %d, the rest untouched")
				:format(tostring(dt), n, off))
		end
	end
end
local gx = torch.randn(N, {requires_grad = true})
gx:sum():backward()
t.ok(gx.grad:eq(1):all():item(), "sum's gradient over a long input: all ones")
gx.grad = nil
gx:mean():backward()
t.ok(gx.grad:eq(1 / N):all():item(), "mean's gradient: all 1/N")

-- the threads split the run where they like: the same values
local n0 = torch.get_num_threads()
torch.set_num_threads(1)
local one = {x * y, F.gelu(x), x + 1}
torch.set_num_threads(2)
local two = {x * y, F.gelu(x), x + 1}
torch.set_num_threads(n0)
for i, k in ipairs({"mul", "gelu", "add a number"}) do
	local a, b = one[i], two[i]
	t.ok(a:eq(b):logical_or(a:isnan():logical_and(b:isnan())):all():item(),
		k .. ": one thread and two give the same values")
end

t.done()
