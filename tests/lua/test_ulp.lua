-- test_ulp.lua - agdb.ulp(x) and :ulp: the spacing between representable
-- values at each element's magnitude, for float16, bfloat16, float32 and
-- float64, against values from PyTorch 1.13 (fixtures/ulp_ref.lua, made by
-- fixtures/gen_ulp_fixture.py with torch.nextafter and bit patterns).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/ulp_ref.lua")

local function same(a, b)
	if a ~= a then return b ~= b end
	return a == b
end

for _, name in ipairs({"float16", "bfloat16", "float32", "float64"}) do
	local dtype = torch[name]
	local xs, want = {}, {}
	for i, row in ipairs(ref[name]) do xs[i], want[i] = row[1], row[2] end
	local x = torch.tensor(xs, {dtype = dtype})
	local u = agdb.ulp(x)
	t.is(tostring(u.dtype), "torch." .. name, name .. ": ulp has x's dtype")
	local got, bad = u:tolist(), {}
	for i = 1, #want do
		if not same(got[i], want[i]) then
			bad[#bad + 1] = ("x=%a: got %a, want %a"):format(xs[i], got[i], want[i])
		end
	end
	t.ok(#bad == 0, ("%s: %d spacings match PyTorch"):format(name, #want))
	if #bad > 0 then t.diag(table.concat(bad, "\n")) end
	-- every spacing is the distance to a neighbouring value of the dtype:
	-- |x| + ulp/2 rounds back to |x| (ties to even aside), |x| + ulp does not
	local one = torch.tensor(1.0, {dtype = dtype})
	local step = agdb.ulp(one)
	t.is((one + step / 4):item(), 1.0, name .. ": 1 + ulp(1)/4 is 1")
	t.ok((one + step):item() > 1.0, name .. ": 1 + ulp(1) is above 1")
end

-- the question it answers: why 1 + 1e-4 is 1 in float16
do
	local h = torch.tensor(1.0, {dtype = torch.float16})
	t.is((h + 1e-4):item(), 1.0, "float16: 1 + 1e-4 is 1")
	t.is(agdb.ulp(h):item(), 2.0 ^ -10, "float16: ulp(1) = 2^-10, more than twice 1e-4")
	t.is(agdb.ulp(torch.tensor(1.0, {dtype = torch.bfloat16})):item(), 2.0 ^ -7,
		"bfloat16: ulp(1) = 2^-7")
end

-- shapes: like x
do
	local x = torch.tensor({{1.0, 2.0, 4.0}, {0.5, -8.0, 3.0}})
	local u = agdb.ulp(x)
	t.is(u.shape[1], 2, "2x3 gives 2x3 (rows)")
	t.is(u.shape[2], 3, "2x3 gives 2x3 (columns)")
	t.is(u:tolist(), {{2.0 ^ -23, 2.0 ^ -22, 2.0 ^ -21}, {2.0 ^ -24, 2.0 ^ -20, 2.0 ^ -22}},
		"2x3 float32 values")
	t.is(agdb.ulp(torch.tensor(3.0, {dtype = torch.float64})):dim(), 0, "0-dim gives 0-dim")
	t.is(agdb.ulp(torch.zeros({0, 2})).shape[1], 0, "empty gives empty")
	local r = torch.tensor({1.0, 2.0}, {requires_grad = true})
	t.is(agdb.ulp(r).requires_grad, false, "the result does not require grad")
end

-- errors
t.raises(function() agdb.ulp(torch.tensor({1, 2})) end,
	"agdb.ulp: x must be a floating-point tensor (float16, bfloat16, float32 or float64), " ..
	"got torch.int64", "int64 tensor")
t.raises(function() agdb.ulp(torch.tensor({true})) end, "got torch.bool", "bool tensor")
t.raises(function() agdb.ulp(1.0) end, "agdb.ulp: argument 1 must be a Tensor, got number",
	"a number")
t.raises(function() agdb.ulp() end, "agdb.ulp: argument 1 must be a Tensor, got nil", "nothing")

-- the line form evaluates its expression
do
	local u = agdb.ulp("torch.tensor({1024.0}, {dtype = torch.float16})")
	t.is(u:item(), 1.0, ":ulp EXPR evaluates EXPR (float16 spacing at 1024 is 1)")
	t.raises(function() agdb.ulp("1 +") end, "(ulp)", ":ulp with broken Lua")
end

t.done()
