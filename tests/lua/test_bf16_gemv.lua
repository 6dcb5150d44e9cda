-- test_bf16_gemv.lua - bfloat16 matrix @ vector products against PyTorch
-- 1.13 bit for bit (fixtures/bf16_gemv_ref.lua, made by gen_bf16_gemv.py):
-- mv over shapes from 1x1 to 4096x1 and 65x64 with row-major,
-- column-major, strided and padded matrices and strided vectors; addmv
-- with beta and alpha and self of the result's shape, of one value and
-- 0-d; an empty product; matmul's matrix @ vector cases (2-d, folded 3-d
-- and 4-d, vector @ 3-d); dot; mv's backward (the vector's gradient is
-- mat:t() @ g, a column-major mv).  Small products round every product and
-- every partial sum to bfloat16 in PyTorch's order (which depends on the
-- matrix's strides), larger ones (past 4096 values) sum in float32.
-- Each case first checks that the inputs have PyTorch's strides.  Then
-- float16, which PyTorch 1.13 refuses on CPU and agdb serves (issue 13).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/bf16_gemv_ref.lua")

-- the generator's formula: v(n) = ((p n + c) mod P - (P - 1) // 2) / D
local function make(shape, f)
	local p, c, P, D = f[1], f[2], f[3], f[4]
	local n = 1
	for _, s in ipairs(shape) do n = n * s end
	local v = (torch.remainder(torch.arange(n) * p + c, P) - (P - 1) // 2):double() / D
	return v:reshape(shape):to(torch.bfloat16)
end

local function lay(x, layout)
	if layout == "row" or layout == "dense" then return x end
	if layout == "col" then return x:t():contiguous():t() end
	if layout == "strided" and x:dim() == 2 then return torch.stack({x, x}, 3)[{{}, {}, 1}] end
	if layout == "strided" then return torch.stack({x, x}, 2)[{{}, 1}] end
	if layout == "rowpad" then return torch.stack({x, x}, 2)[{{}, 1, {}}] end
	if layout == "colpad" then
		local tt = x:t()
		return torch.stack({tt, tt}, 2)[{{}, 1, {}}]:t()
	end
	error("layout " .. layout)
end

local function bits(r)
	local out = {}
	for _, v in ipairs(r:float():reshape({-1}):tolist()) do
		local u = string.unpack("<I4", string.pack("<f", v))
		out[#out + 1] = ("%04x"):format(u >> 16)
	end
	return table.concat(out)
end

local function same_list(a, b)
	if #a ~= #b then return false end
	for i = 1, #a do if a[i] ~= b[i] then return false end end
	return true
end

local function describe(c)
	local s = ("%s %s %s @ %s %s"):format(c.op, table.concat(c.a, "x"), c.layout,
		table.concat(c.v, "x"), c.vlayout)
	if c.op == "addmv" then
		s = s .. (" self [%s] beta %g alpha %g"):format(table.concat(c.s, ","), c.beta, c.alpha)
	end
	return s
end

local function run(c)
	local a = lay(make(c.a, c.fa), c.layout)
	local v = lay(make(c.v, c.fv), c.vlayout)
	if not same_list(a:stride(), c.strides) or not same_list(v:stride(), c.vstrides) then
		return nil, ("strides %s / %s, PyTorch's %s / %s"):format(
			table.concat(a:stride(), ","), table.concat(v:stride(), ","),
			table.concat(c.strides, ","), table.concat(c.vstrides, ","))
	end
	if c.op == "mv" then return torch.mv(a, v) end
	if c.op == "addmv" then
		return torch.addmv(make(c.s, c.fs), a, v, {beta = c.beta, alpha = c.alpha})
	end
	if c.op == "dot" then return torch.dot(a, v) end
	if c.op == "mv_grad" then
		v:requires_grad_()
		torch.mv(a, v):backward(make(c.s, c.fs))
		return v.grad
	end
	return torch.matmul(a, v)
end

-- the first value that differs, as "[i] agdb's bits vs PyTorch's"
local function first_diff(got, want)
	for i = 1, #want // 4 do
		local g, w = got:sub(4 * i - 3, 4 * i), want:sub(4 * i - 3, 4 * i)
		if g ~= w then return ("[%d] %s, PyTorch %s"):format(i, g, w) end
	end
	return ("%d values, PyTorch %d"):format(#got // 4, #want // 4)
end

for threads = 1, 2 do
	torch.set_num_threads(threads)
	local bad, first = 0, nil
	for _, c in ipairs(ref) do
		local ok, r, why = pcall(run, c)
		local msg
		if not ok then
			msg = tostring(r)
		elseif not r then
			msg = why
		elseif r.dtype ~= torch.bfloat16 or not same_list(r:size(), c.shape) then
			msg = ("dtype %s shape %s"):format(tostring(r.dtype), table.concat(r:size(), "x"))
		elseif bits(r) ~= c.out then
			msg = first_diff(bits(r), c.out)
		end
		if threads == 1 then
			t.ok(msg == nil, describe(c) .. ": PyTorch's bits" .. (msg and " (" .. msg .. ")" or ""))
		elseif msg then
			bad = bad + 1
			first = first or describe(c) .. ": " .. msg
		end
	end
	if threads == 2 then
		t.ok(bad == 0, ("%d cases at 2 threads: PyTorch's bits%s"):format(#ref,
			first and " (" .. bad .. " differ; first " .. first .. ")" or ""))
	end
end
torch.set_num_threads(1)

-- in place: addmv_ writes PyTorch's bits into self
do
	local c
	for _, x in ipairs(ref) do
		if x.op == "addmv" and x.layout == "col" and x.beta == 0.5 and x.s[1] == 17 and x.a[1] == 17 then
			c = x
		end
	end
	local s = make(c.s, c.fs)
	s:addmv_(lay(make(c.a, c.fa), c.layout), make(c.v, c.fv), {beta = c.beta, alpha = c.alpha})
	t.is(bits(s), c.out, "addmv_ in place, " .. describe(c) .. ": PyTorch's bits")
end

-- float16 (issue 13): float32 products and sums on the float16 values,
-- rounded once on store
local h = (torch.randn(3, 4) * 4):half()
local hv = (torch.randn(4) * 4):half()
local r = torch.mv(h, hv)
t.is(r.dtype, torch.float16, "mv in float16 gives float16")
t.is(r:float():tolist(), torch.mv(h:float(), hv:float()):half():float():tolist(),
	"mv in float16: float32's result rounded")
r = torch.dot(hv, hv)
t.is(r.dtype, torch.float16, "dot in float16 gives float16")
t.is(r:item(), torch.dot(hv:float(), hv:float()):half():item(), "dot in float16: float32's result rounded")
t.raises(function() return torch.mv(torch.ones(3, 4, {dtype = torch.bool}), torch.ones(4, {dtype = torch.bool})) end,
	"\"addmv_impl_cpu\" not implemented for 'Bool'", "bool still has no kernel")

t.done()
