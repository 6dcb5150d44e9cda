-- test_bf16_matmul.lua - bfloat16 matrix products against PyTorch 1.13
-- bit for bit (fixtures/bf16_matmul_ref.lua, made by gen_bf16_matmul.py),
-- for a shape with partial blocks on every side (1023x517 @ 517x129):
-- matmul with B row-major, column-major and strided, addmm (the float32
-- product rounded once), linear and bmm, at one and two threads; and the
-- same products on the portable path (AGDB_SIMD=off: widened, sgemm,
-- rounded), run in a child agdb; products with alpha and beta (addmm,
-- linear with a bias, baddbmm) against the child's bits.  The inputs'
-- float32 sums are exact, so any order of the additions must round to the
-- same bits.  And what a product rounded in backward loses is counted.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local F = torch.nn.functional
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/bf16_matmul_ref.lua")
local M, K, N = ref.M, ref.K, ref.N
local child = os.getenv("AGDB_BF16_CHILD")

-- the formulas of gen_bf16_matmul.py (0-based i, k, j)
local i = torch.arange(M):view(M, 1)
local k = torch.arange(K):view(1, K)
local a = ((torch.remainder(i * 7 + k * 13, 31) - 15):double() / 8):to(torch.bfloat16)
local k2 = torch.arange(K):view(K, 1)
local j = torch.arange(N):view(1, N)
local b = ((torch.remainder(k2 * 5 + j * 11, 29) - 14):double() / 4):to(torch.bfloat16)

-- the fixture's value of bits h (a bfloat16 as 4 hex digits)
local function bf16(h)
	return (string.unpack("<f", string.pack("<I4", tonumber(h, 16) << 16)))
end

-- nil when c (M x N, bfloat16) has PyTorch's values in every row kept,
-- else where it first differs
local function mismatch(c)
	if c.dtype ~= torch.bfloat16 then return "dtype " .. tostring(c.dtype) end
	for _, row in ipairs(ref.rows) do
		local got = c[row[1]]:float():tolist()
		for col = 1, N do
			local want = bf16(row[2]:sub(4 * col - 3, 4 * col))
			if got[col] ~= want then
				return ("[%d, %d]: %s, PyTorch %s"):format(row[1], col, got[col], want)
			end
		end
	end
	return nil
end

local cases = {
	{"a:matmul(b)", function() return a:matmul(b) end},
	{"B column-major", function() return a:matmul(b:t():contiguous():t()) end},
	{"B strided", function() return a:matmul(torch.stack({b, b}, 3)[{{}, {}, 1}]) end},
	{"A column-major", function() return a:t():contiguous():t():matmul(b) end},
	{"addmm (zeros, a, b)", function() return torch.addmm(torch.zeros(M, N):to(torch.bfloat16), a, b) end},
	{"linear", function() return F.linear(a, b:t():contiguous()) end},
	{"bmm, batch 2", function() return torch.bmm(torch.stack({a, a}), torch.stack({b, b}))[2] end},
}

-- products with alpha and beta (addmm, linear with a bias, baddbmm):
-- not in the fixture; the tiles' path must give the portable path's bits
local cm = ((torch.remainder(i * 3 + torch.arange(N):view(1, N) * 7, 23) - 11):double() / 16):to(torch.bfloat16)
local bias = cm[1]:clone()
local scaled = {
	addmm_scaled = function() return torch.addmm(cm, a, b, {beta = 0.5, alpha = 2}) end,
	addmm_beta0 = function() return torch.addmm(cm, a, b, {beta = 0, alpha = -3}) end,
	linear_bias = function() return F.linear(a, b:t():contiguous(), bias) end,
	baddbmm = function() return torch.baddbmm(torch.stack({cm, cm}), torch.stack({a, a}), torch.stack({b, b}), {beta = 1.5, alpha = 0.25})[2] end,
}

local function save_bytes(tbl)
	local path = os.tmpname()
	torch.save(tbl, path)
	local f = assert(io.open(path, "rb"))
	local data = f:read("a")
	f:close()
	os.remove(path)
	return data
end

if child then	-- the portable path: report for the parent
	local r = {}
	for name, f in pairs(scaled) do r[name] = f():contiguous() end
	torch.save(r, child)
	local bad = 0
	for _, c in ipairs(cases) do
		local m = mismatch(c[2]())
		if m then
			print("fail " .. c[1] .. " " .. m)
			bad = bad + 1
		end
	end
	print(("done %d %d"):format(#cases, bad))
	return
end

local n0 = torch.get_num_threads()
for _, threads in ipairs({1, 2}) do
	torch.set_num_threads(threads)
	for _, c in ipairs(cases) do
		local m = mismatch(c[2]())
		t.ok(m == nil, ("bfloat16 %dx%d @ %dx%d, %s, %d thread(s): PyTorch's bits%s")
			:format(M, K, K, N, c[1], threads, m and " (" .. m .. ")" or ""))
	end
end
torch.set_num_threads(n0)

-- whole 32-row panels with K a multiple of 32 (A packed beside the tiles'
-- first block at one thread): a slice of the same inputs, dense and with
-- A's rows strided, against the float32 product rounded once (exact sums)
for _, threads in ipairs({1, 2}) do
	torch.set_num_threads(threads)
	for _, c in ipairs({
		{"dense A", a[{{1, 992}, {1, 512}}]:contiguous()},
		{"A rows strided", a[{{1, 992}, {1, 512}}]},
	}) do
		local bs = b[{{1, 512}, {}}]
		local got = c[2]:matmul(bs)
		local want = c[2]:float():matmul(bs:float()):to(torch.bfloat16)
		t.ok(got.dtype == torch.bfloat16 and got:float():equal(want:float()),
			("bfloat16 992x512 @ 512x%d, %s, %d thread(s): the rounded float32 product")
				:format(N, c[1], threads))
	end
end
torch.set_num_threads(n0)

-- the same on the portable path, in a child agdb without the vector paths;
-- the products with alpha and beta compared with the child's
local self = os.getenv("top_srcdir") .. "/tests/lua/test_bf16_matmul.lua"
local theirs_path = os.tmpname()
local p = io.popen(("AGDB_SIMD=off AGDB_BF16_CHILD=%q %q %q 2>&1"):format(theirs_path,
	os.getenv("AGDB") or "./agdb", self))
local out = p:read("a")
p:close()
local total, bad = out:match("done (%d+) (%d+)")
t.ok(total == tostring(#cases) and bad == "0",
	"AGDB_SIMD=off: the widened sgemm path gives the same bits" .. (bad ~= "0" and ": " .. out or ""))
local ok_load, theirs = pcall(torch.load, theirs_path)
os.remove(theirs_path)
local names = {}
for name in pairs(scaled) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
	local ours = scaled[name]()
	t.ok(ok_load and theirs[name] and ours.dtype == torch.bfloat16 and
		save_bytes({v = ours:contiguous()}) == save_bytes({v = theirs[name]}),
		("%s in bfloat16 on the tiles: the portable path's bits"):format(name))
end

-- a product rounded in backward counts what it lost: every value of W's
-- gradient (2^128 - 2^120) + (2^119 + 2^117) is finite in float32 and
-- past bfloat16's largest (it rounds to inf)
local core = require "agdb.core"
local g = torch.zeros(64, 64)
g[{{}, 1}] = 2 ^ 128 - 2 ^ 120
g[{{}, 2}] = 2 ^ 119 + 2 ^ 117
local ones2 = torch.zeros(64, 64)
ones2[{{}, 1}], ones2[{{}, 2}] = 1, 1
local W = torch.ones(64, 64, {dtype = torch.bfloat16, requires_grad = true})
local y = W:mm(ones2:to(torch.bfloat16))
y:backward(g:to(torch.bfloat16))
t.is(W.grad:float():isinf():sum():item(), 4096, "bfloat16 mm backward: the gradient overflowed to inf")
local info = core.node_info(y.grad_fn)
t.is({info.lost_zero, info.lost_inf}, {0, 4096}, "MmBackward0 counted every value lost to inf")

t.done()
