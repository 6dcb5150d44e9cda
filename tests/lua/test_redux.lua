-- test_redux.lua - var, std and logsumexp over large float tensors: the
-- fast paths of their kernels give the same bits as the general ones.
--   * var/std/logsumexp backward without a graph (fused_bw.c): a full
--     reduction's gradient and result are one value, a row's too, a
--     reduction over outer dims reads them dense, a strided input is
--     gathered; each gives the op-by-op formula's gradient bit for bit,
--     float32 and float64, with rows that end in a partial block.
--   * logsumexp forward of a contiguous float32 tensor (one fused kernel)
--     rounds every step as the op-by-op form does (x - max, exp, the sum
--     in float, log, + max): where the sums are exact in double (short
--     rows of randn values) the two agree bit for bit.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

torch.manual_seed(11)

-- a leaf with the values of x (rows x cols) stored transposed
local function strided_leaf(x)
	local s = x:t():contiguous():t()
	assert(not s:is_contiguous())
	return s:detach():requires_grad_()
end

local cases = {
	{"var()", function(x) return x:var() end},
	{"std(correction 0)", function(x) return x:std({correction = 0}) end},
	{"var(2)", function(x, w) return (x:var(2) * w.r):sum() end},
	{"var(1)", function(x, w) return (x:var(1) * w.c):sum() end},
	{"std(2, keepdim)", function(x, w) return (x:std(2, {keepdim = true}):squeeze(2) * w.r):sum() end},
	{"logsumexp(2)", function(x, w) return (x:logsumexp(2) * w.r):sum() end},
	{"logsumexp(1)", function(x, w) return (x:logsumexp(1) * w.c):sum() end},
	{"logsumexp({1, 2})", function(x) return x:logsumexp({1, 2}) end},
}

-- Without a graph the backward is one fused pass; with create_graph it
-- is the op-by-op formula.  The pass rounds as the formula does, so the
-- two agree bit for bit, whatever the layout (float64 logsumexp: the
-- pass's vector exp may differ from the scalar one in the last bit).
for _, dt in ipairs({torch.float32, torch.float64}) do
	-- 1024 columns: whole blocks; 129 and 37: a partial block per row
	for _, shape in ipairs({{64, 1024}, {37, 129}, {3, 37}}) do
		local rows, cols = shape[1], shape[2]
		local x = torch.randn(rows, cols, {dtype = dt})
		local w = {r = torch.randn(rows, {dtype = dt}), c = torch.randn(cols, {dtype = dt})}
		for _, c in ipairs(cases) do
			for _, layout in ipairs({"dense", "strided"}) do
				local what = string.format("%s %dx%d %s %s", c[1], rows, cols,
							   tostring(dt), layout)
				local leaf = layout == "dense" and x:clone():requires_grad_() or strided_leaf(x)
				local fused = torch.autograd.grad({c[2](leaf, w)}, {leaf})[1]
				local steps = torch.autograd.grad({c[2](leaf, w)}, {leaf},
								  {create_graph = true})[1]:detach()
				if dt == torch.float64 and c[1]:find("logsumexp") then
					local err = ((fused - steps):abs() / steps:abs():clamp(1e-300)):max():item()
					t.ok(err < 1e-15, what .. ": fused backward and the formula agree (" .. err .. ")")
				else
					t.ok(torch.equal(fused, steps), what .. ": fused backward and the formula agree bit for bit")
				end
			end
		end
	end
end

-- logsumexp forward: the fused kernel (contiguous float32) and the op-by-op
-- form (a strided input) round alike
for _, shape in ipairs({{300, 64}, {5, 1000}, {2, 7}}) do
	local x = torch.randn(shape[1], shape[2])
	local fused = x:logsumexp(2)
	local steps = x:t():logsumexp(1)
	t.ok(torch.equal(fused, steps),
	     string.format("logsumexp(2) of %dx%d: fused kernel and op-by-op form agree", shape[1], shape[2]))
	local cf = x:t():contiguous():logsumexp(1)	-- the fused columns kernel
	t.ok(torch.equal(cf, steps),
	     string.format("logsumexp(1) of %dx%d: fused columns and op-by-op form agree", shape[2], shape[1]))
end

t.done()
