-- decode.lua - turns fuzzer bytes into Lua values for the fuzz drivers
-- (index.lua, ops.lua), and the checks they share.  Bytes past the end
-- read as 0, so every input decodes to something.
local D = {}

local Reader = {}
Reader.__index = Reader

function D.reader(bytes)
	return setmetatable({s = bytes, i = 1}, Reader)
end

function Reader:byte()
	local b = self.s:byte(self.i) or 0
	self.i = self.i + 1
	return b
end

function Reader:left() return #self.s - self.i + 1 end

-- 0 .. n - 1
function Reader:pick(n) return self:byte() % n end

local interesting = {
	math.maxinteger, math.mininteger, math.maxinteger - 1, math.mininteger + 1,
	1 << 62, -(1 << 62), 1 << 32, 1 << 31, (1 << 31) - 1, 1 << 53, 255, 256,
	65536, 1000, -1000,
}

-- Mostly small integers, sometimes the limits, sometimes any 64 bits.
function Reader:int()
	local b = self:byte()
	if b < 200 then return b % 12 - 3 end
	if b < 245 then return interesting[b % #interesting + 1] end
	local v = 0
	for _ = 1, 8 do v = (v << 8) | self:byte() end
	return v
end

local floats = {0.5, -1.5, 2.0, 1e300, -1e300, 1 / 0, -1 / 0, 0 / 0, 1e-310, 65520.0,
	3.5e38, 2.0^63, -2.0^63, 1e10}

function Reader:float()
	local b = self:byte()
	if b < 128 then return (b % 17 - 8) / 4 end
	return floats[b % #floats + 1]
end

D.dtypes = {"float64", "float32", "int64", "bool", "float16", "bfloat16"}

-- A tensor of 0 to 4 dims of sizes 0 to 4, values 1, 2, 3, ... (distinct,
-- so a read of the wrong element shows).
function D.tensor(r, dtypes)
	dtypes = dtypes or D.dtypes
	local dt = dtypes[r:pick(#dtypes) + 1]
	local nd = r:pick(5)
	local shape, n = {}, 1
	for i = 1, nd do
		shape[i] = r:pick(5)
		n = n * shape[i]
	end
	local x = (torch.arange(n) + 1):to(torch[dt])
	if nd > 0 then x = x:view(shape) else x = x:view({}) end
	return x, shape, dt
end

-- A Lua value for an indexing spec: numbers, ranges, their nesting, and
-- now and then something that is no spec at all.
function D.spec(r, depth)
	depth = depth or 0
	local k = r:pick(depth == 0 and 10 or 8)
	if k <= 2 then return r:int() end
	if k == 3 then return r:float() end
	if k <= 6 then
		local n = r:pick(depth == 0 and 6 or 5)
		local t = {}
		for i = 1, n do t[i] = D.spec(r, depth + 1) end
		return t
	end
	if k == 7 then
		return ({"a", true, false, torch.zeros(1), torch.tensor({1}), function() end,
			setmetatable({}, {__len = function() return 2 end,
				__index = function(_, i) return i end})})[r:pick(7) + 1]
	end
	return {}
end

-- An error must arrive as a Lua string naming what went wrong: never an
-- error object of another type, a C-level "bad argument #N to '?'", or an
-- empty message.
function D.check_error(err, what)
	if type(err) ~= "string" or err == "" then
		error(("FUZZ-FAIL %s: the error is a %s, not a message"):format(what, type(err)), 0)
	end
	if err:find("to '?'", 1, true) then
		error(("FUZZ-FAIL %s: an unhelpful error: %s"):format(what, err), 0)
	end
end

function D.fail(fmt, ...)
	error("FUZZ-FAIL " .. fmt:format(...), 0)
end

-- Nested tables of numbers/booleans, equal (NaN equals NaN).
function D.same(a, b)
	if type(a) == "table" and type(b) == "table" then
		if #a ~= #b then return false end
		for i = 1, #a do
			if not D.same(a[i], b[i]) then return false end
		end
		return true
	end
	return a == b or (a ~= a and b ~= b)
end

-- Whole files, for the file-loader drivers and their seeds.
function D.read_file(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("a")
	f:close()
	return s
end

function D.write_file(path, s)
	local f = assert(io.open(path, "wb"))
	f:write(s)
	f:close()
end

return D
