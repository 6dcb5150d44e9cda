-- idx.lua - fuzz driver: torch._C.read_idx, the IDX reader of MNIST and
-- Fashion-MNIST files (repl/lidx.c).  The input is the file, plain or
-- gzipped.  read_idx must refuse a malformed file with a clean message
-- that names the file, or return a tensor that agrees with the file: for a
-- plain file the shape, every element and the byte count are checked
-- against a decoder written here in Lua; for any file the default read, a
-- float64 read and a float16 read hold the same values.
-- Returns the function that runs one input (tests/fuzz/fuzz_lua.c, and the
-- corpus replay in tests/lua/test_fuzz_corpus.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local D = dofile(dir .. "decode.lua")

-- type code -> string.unpack format of one big-endian element, its size,
-- and the dtype read_idx gives by default
local types = {
	[0x08] = {">B", 1, "uint8"}, [0x09] = {">b", 1, "int8"},
	[0x0B] = {">i2", 2, "int16"}, [0x0C] = {">i4", 4, "int32"},
	[0x0D] = {">f", 4, "float32"}, [0x0E] = {">d", 8, "float64"},
}

-- What a plain (not gzipped) file must give: shape and values, or nil
-- when it must be refused.
local function model(bytes)
	if #bytes < 4 or bytes:byte(1) ~= 0 or bytes:byte(2) ~= 0 then return nil end
	local ty, nd = types[bytes:byte(3)], bytes:byte(4)
	if not ty or nd < 1 or nd > 8 or #bytes < 4 + 4 * nd then return nil end
	local shape, n, fn = {}, 1, 1.0
	for i = 1, nd do
		shape[i] = string.unpack(">I4", bytes, 5 + 4 * (i - 1))
		n, fn = n * shape[i], fn * shape[i]	-- fn: n without wrapping
	end
	local start = 5 + 4 * nd
	if fn > #bytes or #bytes - start + 1 ~= n * ty[2] then
		return nil
	end
	-- a tensor of this shape must be possible: its running element count
	-- may not pass int64 before a 0 size ends it (PyTorch's rule, and
	-- core's: torch.empty(2^60, 2^31, 0) is refused, (0, 2^60, 2^31) not)
	local p = 1
	for i = 1, nd do
		local s = shape[i]
		if s ~= 0 and p > math.maxinteger // s then return nil end
		p = p * s
	end
	local vals = {}
	if n <= 4096 then
		for i = 1, n do vals[i] = string.unpack(ty[1], bytes, start + (i - 1) * ty[2]) end
	end
	return shape, n <= 4096 and vals or nil, ty[3]
end

local function flat(t)
	if t:numel() > 4096 then return nil end
	return t:reshape(-1):tolist()
end

local function run_input(bytes, path)
	D.write_file(path, bytes)
	local gz = bytes:sub(1, 2) == "\x1f\x8b"
	local ok, x = pcall(torch._C.read_idx, path)
	local shape, vals, dt
	if not gz then shape, vals, dt = model(bytes) end
	if not ok then
		D.check_error(x, "read_idx")
		if not x:find("read_idx: ", 1, true) or not x:find(path, 1, true) then
			D.fail("read_idx's error does not name itself and the file: %s", x)
		end
		if shape then D.fail("read_idx refused a well-formed file: %s", x) end
		return
	end
	if not torch.is_tensor(x) then D.fail("read_idx gave a %s", type(x)) end
	if not gz then
		if not shape then D.fail("read_idx read a malformed file as %s", tostring(x.shape)) end
		if not D.same(x.shape, shape) then
			D.fail("read_idx gave shape %s, the file says %s", tostring(x.shape),
				table.concat(shape, "x"))
		end
		if tostring(x.dtype) ~= "torch." .. dt then
			D.fail("read_idx gave %s for a file of %s", tostring(x.dtype), dt)
		end
		if vals and not D.same(flat(x), vals) then
			D.fail("read_idx read other values than the file holds")
		end
	end
	-- the same file read as float64 and as float16 holds the same values
	local ok2, y = pcall(torch._C.read_idx, path, torch.float64)
	if not ok2 then D.fail("read_idx(path, float64) failed where read_idx(path) did not: %s", tostring(y)) end
	if not D.same(y.shape, x.shape) or not D.same(flat(y), flat(x:to(torch.float64))) then
		D.fail("read_idx(path, float64) differs from read_idx(path)")
	end
	local ok3, h = pcall(torch._C.read_idx, path, torch.float16)
	if not ok3 then D.fail("read_idx(path, float16) failed: %s", tostring(h)) end
	if not D.same(flat(h), flat(y:to(torch.float16))) then
		D.fail("read_idx(path, float16) differs from the float64 read converted")
	end
	local okp, err = pcall(tostring, x)
	if not okp then D.fail("tostring of what read_idx gave failed: %s", tostring(err)) end
end

return function(bytes)
	local path = os.tmpname()
	local ok, err = pcall(run_input, bytes, path)
	os.remove(path)
	if not ok then error(err, 0) end
end
