-- test_half_stream.lua - float16/bfloat16 elementwise results past the
-- caches (outputs of 8 MiB and more, written by non-temporal stores in
-- half_ew.c) have the bits of the same op over short slices (written by
-- plain stores; test_half_ew checks those against the portable path):
-- add, mul, neg, relu and exp (exp takes the table path), and the
-- conversions from float32, to float32 and between the two 16-bit
-- floats; at 1 thread and at 2 (an odd length, so the second thread's
-- half starts inside a cache line), and in place into a view that starts
-- 2 bytes into a line.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local N = 8400017		-- 16.8 MB of 16-bit values: 8.4 MB a thread
local PIECE = 100003	-- slices of 200 KB: not streamed

-- f over slices of PIECE values of each input, joined
local function by_pieces(f, ...)
	local args, parts = { ... }, {}
	for i = 1, N, PIECE do
		local j = math.min(i + PIECE - 1, N)
		local sl = {}
		for k, x in ipairs(args) do sl[k] = x[{{i, j}}] end
		parts[#parts + 1] = f(table.unpack(sl))
	end
	return torch.cat(parts)
end

-- the same bits (NaN included): the bytes torch.save writes
local function bytes(x)
	local path = os.tmpname()
	torch.save({v = x:contiguous()}, path)
	local f = assert(io.open(path, "rb"))
	local data = f:read("a")
	f:close()
	os.remove(path)
	return data
end

local function same_bits(a, b)
	return a.dtype == b.dtype and a:numel() == b:numel() and bytes(a) == bytes(b)
end

local x32 = torch.randn(N) * 3
x32[1], x32[2], x32[3] = 0 / 0, math.huge, 1e-39	-- NaN, inf, a subnormal
local y32 = torch.randn(N)

local cases = {
	{"a + b", function(a, b) return a + b end, 2},
	{"a * b", function(a, b) return a * b end, 2},
	{"neg", function(a) return -a end, 1},
	{"relu", function(a) return a:relu() end, 1},
	{"exp", function(a) return a:exp() end, 1},
	{"x:float()", function(a) return a:float() end, 1},
}

local n0 = torch.get_num_threads()
for _, threads in ipairs({1, 2}) do
	torch.set_num_threads(threads)
	for _, dt in ipairs({torch.bfloat16, torch.float16}) do
		local a, b = x32:to(dt), y32:to(dt)
		for _, c in ipairs(cases) do
			if c[4] and c[4] ~= dt then goto next end
			local whole = c[2](a, b)
			local pieces = by_pieces(c[2], a, b)
			t.ok(same_bits(whole, pieces), ("%s %s, %d values, %d thread(s): the bits of short slices")
				:format(c[1], tostring(dt), N, threads))
			::next::
		end
		local other = dt == torch.bfloat16 and torch.float16 or torch.bfloat16
		t.ok(same_bits(x32:to(dt), by_pieces(function(v) return v:to(dt) end, x32)),
			("float32 to %s, %d thread(s): the bits of short slices"):format(tostring(dt), threads))
		t.ok(same_bits(a:to(other), by_pieces(function(v) return v:to(other) end, a)),
			("%s to %s, %d thread(s): the bits of short slices"):format(tostring(dt), tostring(other), threads))
		-- in place into a view 2 bytes into a line: a lead of 31 values
		local dst = torch.zeros(N + 1, {dtype = dt})
		local view = dst[{{2, N + 1}}]
		view:copy_(a)
		view:add_(b)
		t.ok(same_bits(view, by_pieces(function(p, q) return p + q end, a, b)),
			("add_ into a view at byte 2, %s, %d thread(s): the bits of short slices")
			:format(tostring(dt), threads))
	end
end
torch.set_num_threads(n0)

t.done()
