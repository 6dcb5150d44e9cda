-- test_errors.lua - argument errors name the function and the argument,
-- core errors arrive as Lua errors with core's text, and no input crashes:
-- every function and method is called with a spread of odd arguments.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.zeros(2, 3)

-- argument errors
t.raises(function() torch.zeros(2, "a") end,
	"torch.zeros: argument 2 must be a number or a table of sizes, got string",
	"zeros with a string size")
t.raises(function() torch.zeros({2, "a"}) end,
	"torch.zeros: argument 1 must be a number or a table of sizes, but element 2 is string",
	"a string inside a size table")
t.raises(function() torch.zeros({2}, 3) end,
	"torch.zeros: argument 2 must be absent after a table of sizes, got number",
	"sizes after a table")
t.raises(function() x:transpose(1, "b") end,
	"torch.transpose: argument 3 must be a dim (an integer), got string",
	"a dim that is a string")
t.raises(function() torch.sum("x") end,
	"torch.sum: argument 1 must be a Tensor, got string", "sum of a string")
t.raises(function() return x.sum() end,
	"torch.sum: argument 1 must be a Tensor, got no value (call methods with a colon: x:sum())",
	"a method called with a dot gets a hint")
t.raises(function() torch.mm(x, 3) end,
	"torch.mm: argument 2 must be a Tensor, got number", "mm with a number")
t.raises(function() torch.exp({}) end, "torch.exp: argument 1 must be a Tensor, got table",
	"exp of a table")
t.raises(function() x:view(2, 2.5) end,
	"Tensor.view: argument 3 must be a number or a table of sizes, got 2.5",
	"a fractional size")
t.raises(function() x:sum(1, {keep_dim = true}) end,
	"torch.sum: unexpected keyword argument 'keep_dim'", "a misspelt keyword")
t.raises(function() x:sum(1, {keepdim = 1}) end,
	"torch.sum: keyword 'keepdim' must be a boolean, got number", "a keyword of the wrong type")
t.raises(function() torch.zeros(2, {dtype = "float128"}) end,
	"torch.zeros: keyword 'dtype' must be a dtype such as torch.float32, got string",
	"an unknown dtype")
t.raises(function() torch.cat(x) end, "torch.cat: argument 1 must be a table of Tensors, got Tensor",
	"cat of a tensor")
t.raises(function() x:to("cuda") end,
	"Tensor.to: argument 2 must be a dtype, a Tensor or \"cpu\", got string",
	"to a device agdb does not have")

-- dims and indices in Lua terms
t.raises(function() x:sum(3) end,
	"Dimension out of range (expected to be in range of [-2, 2], but got 3)",
	"dim 3 of a 2-d tensor")
t.raises(function() x:sum(-3) end,
	"Dimension out of range (expected to be in range of [-2, 2], but got -3)",
	"dim -3 of a 2-d tensor")
t.raises(function() x:sum(0) end,
	"dimension 0 is out of range: agdb counts from 1 (use 1 for the first dimension, -1 for the last)",
	"dim 0 says agdb counts from 1")
t.raises(function() return x[0] end,
	"index 0 is out of range: agdb counts from 1 (use 1 for the first element)",
	"index 0 says agdb counts from 1")

-- core errors keep core's (PyTorch's) text and get the caller's position
local ok, err = pcall(function() return torch.zeros(3) + torch.zeros(4) end)
t.ok(not ok and err:find("The size of tensor a (3) must match the size of " ..
	"tensor b (4) at non-singleton dimension 0", 1, true), "core's message")
t.ok(err:find("^.-test_errors%.lua:%d+: ") == 1, "prefixed with file:line like luaL_error")

-- closed tensors
do
	local c <close> = torch.zeros(2)
	c:add_(1)
end
local kept
do
	local c <close> = torch.ones(2)
	kept = c
end
t.raises(function() return kept + 1 end, "attempt to use a closed tensor",
	"a tensor used after its <close> scope")
t.is(tostring(kept), "tensor(<closed>)", "a closed tensor still prints")

-- nothing crashes: every function and method against odd arguments
local samples = {
	torch.zeros(2, 3), torch.tensor({1, 2, 3}), torch.tensor({true, false}),
	torch.tensor(2.5), torch.zeros(0, 3), torch.zeros(1):expand(3),
	torch.arange(6):view(2, 3):t(), torch.ones(2, {dtype = torch.float16}),
}
local args = {
	{}, {nil}, {1}, {-1}, {0}, {2}, {7}, {1.5}, {-2.5}, {0 / 0}, {1 / 0},
	{1e300}, {math.maxinteger}, {math.mininteger}, {"a"}, {true}, {{}},
	{{1, 2}}, {{-1}}, {{0}}, {{dtype = torch.float64}}, {{keepdim = true}},
	{torch.zeros(3)}, {torch.tensor({1})}, {torch.tensor({0})},
	{1, 2}, {2, 1}, {1, 1, 1}, {1, torch.tensor({1})}, {1, {1}},
	{torch.tensor({true, false}), 1}, {{torch.zeros(2)}, 1}, {nil, 1},
	{1, nil, 1}, {{2, 2}, {1, 2}}, {{1}, {1}, 0}, {torch.float64},
	{function() return nil end},
}
-- functions that change global state or block are skipped
local skip = {manual_seed = true, set_printoptions = true}
local calls, survived = 0, 0
local function try(fn, a)
	calls = calls + 1
	pcall(fn, table.unpack(a, 1, 3))
	survived = survived + 1
end
for name, fn in pairs(torch) do
	if type(fn) == "function" and not skip[name] then
		for _, a in ipairs(args) do try(fn, a) end
		for _, s in ipairs(samples) do
			for _, a in ipairs(args) do
				try(fn, {s, a[1], a[2]})
			end
		end
	end
end
for name, fn in pairs(getmetatable(x).__methods) do
	for _, s in ipairs(samples) do
		for _, a in ipairs(args) do
			try(fn, {s:clone(), a[1], a[2]})
			try(fn, {s, a[1], a[2]})
		end
	end
end
-- indexing with odd keys, reads and writes
for _, s in ipairs(samples) do
	for _, a in ipairs(args) do
		local k = a[1]
		if k ~= nil then
			try(function() return s[k] end, {})
			try(function() s[k] = a[2] or 1 end, {})
		end
	end
end
t.ok(calls > 10000 and survived == calls, "survived " .. calls .. " odd calls")
collectgarbage()
t.lives(function() return tostring(torch.ones(2) * 2) end, "still working afterwards")

t.done()
