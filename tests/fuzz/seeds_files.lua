-- seeds_files.lua - writes the seed inputs of the file-loader fuzz targets
-- into tests/fuzz/corpus/safetensors and tests/fuzz/corpus/idx (named
-- seed-*; the fuzzers' own finds are named by their hash, and the inputs
-- that found bugs finding-*).  Run from the source tree:
--   ./agdb tests/fuzz/seeds_files.lua
-- The seeds are committed; rerunning rewrites the same bytes.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local D = dofile(dir .. "decode.lua")
local root = dir .. "corpus/"

-- ------------------------------------------------------------ safetensors
local st = root .. "safetensors/"
os.execute("mkdir -p " .. st)
local function le64(n) return string.pack("<I8", n) end
local function file(header, data) return le64(#header) .. header .. (data or "") end

torch.manual_seed(0)
torch.save(torch.tensor({1.5, -2, 3}), st .. "seed-single-f32")
torch.save({a = torch.arange(6):view(2, 3), b = torch.tensor({true, false}),
	c = torch.tensor({0.25, -1}, {dtype = torch.float64})}, st .. "seed-dict",
	{metadata = {epoch = "3", note = "seed"}})
torch.save({h = torch.tensor({1, 65504, -0.5}, {dtype = torch.float16}),
	bf = torch.tensor({1, 3e38, 1 / 0}, {dtype = torch.bfloat16})}, st .. "seed-half")
torch.save({empty = torch.zeros(0, 3), scalar = torch.tensor(7)}, st .. "seed-empty")
torch.save({["0.weight"] = torch.randn(2, 2), ["0.bias"] = torch.randn(2)}, st .. "seed-state-dict")
-- the integer types agdb widens to int64 (U8, I8, I16, U16, I32, U32, U64)
local ints = {"U8", "I8", "I16", "U16", "I32", "U32", "U64", "I64"}
local sz = {U8 = 1, I8 = 1, I16 = 2, U16 = 2, I32 = 4, U32 = 4, U64 = 8, I64 = 8}
for _, dt in ipairs(ints) do
	local n = 3
	local data = string.rep("\xff", sz[dt]) .. string.rep("\x01", sz[dt]) .. string.rep("\x7f", sz[dt])
	D.write_file(st .. "seed-int-" .. dt, file(('{"x":{"dtype":"%s","shape":[%d],"data_offsets":[0,%d]}}')
		:format(dt, n, n * sz[dt]), data))
end
D.write_file(st .. "seed-u64-big", file('{"x":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}',
	string.rep("\xff", 8)))
D.write_file(st .. "seed-fp8", file('{"x":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}', "ab"))
D.write_file(st .. "seed-zero-size-huge-shape", file(
	'{"x":{"dtype":"F32","shape":[0,4611686018427387904,8],"data_offsets":[0,0]}}'))
D.write_file(st .. "seed-overlap", file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' ..
	'"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', string.rep("\0", 8)))
D.write_file(st .. "seed-duplicate", file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' ..
	'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', string.rep("\0", 8)))
D.write_file(st .. "seed-meta-only", file('{"__metadata__":{"agdb":"tensor"}}'))
D.write_file(st .. "seed-nested", file('{"a":{"dtype":{"x":[1,[2,{}]]},"shape":[[]],"data_offsets":[0,0]}}'))
D.write_file(st .. "seed-names", file('{"":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},' ..
	'"keys":{"dtype":"BOOL","shape":[],"data_offsets":[1,2]},' ..
	'"state_dict":{"dtype":"I8","shape":[1],"data_offsets":[2,3]},' ..
	'"\\u00e9\\n":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}}', "\1\0\255\7"))
D.write_file(st .. "seed-header-too-long", le64(1 << 62) .. "{}")
local fix = os.getenv("top_srcdir") or "."
for _, name in ipairs({"mixed", "narrow_ints", "plain"}) do
	local ok, s = pcall(D.read_file, fix .. "/tests/lua/fixtures/safetensors/" .. name .. ".safetensors")
	if ok then D.write_file(st .. "seed-fixture-" .. name, s) end
end

-- -------------------------------------------------------------------- IDX
local idx = root .. "idx/"
os.execute("mkdir -p " .. idx)
local function header(code, shape)
	local s = {"\0\0", string.char(code, #shape)}
	for _, n in ipairs(shape) do s[#s + 1] = string.pack(">I4", n) end
	return table.concat(s)
end
local function rep(fmt, n, f)
	local s = {}
	for i = 1, n do s[i] = string.pack(fmt, f(i)) end
	return table.concat(s)
end
D.write_file(idx .. "seed-ubyte", header(0x08, {2, 3}) .. rep(">B", 6, function(i) return i * 40 end))
D.write_file(idx .. "seed-byte", header(0x09, {4}) .. rep(">b", 4, function(i) return (i - 2) * 60 end))
D.write_file(idx .. "seed-short", header(0x0B, {3}) .. rep(">i2", 3, function(i) return (i - 2) * 30000 end))
D.write_file(idx .. "seed-int", header(0x0C, {2, 1}) .. rep(">i4", 2, function(i) return (i - 1.5) * 2 * 2147483647 // 1 end))
D.write_file(idx .. "seed-float", header(0x0D, {2, 2}) .. rep(">f", 4, function(i) return ({1.5, -0.0, 1 / 0, 0 / 0})[i] end))
D.write_file(idx .. "seed-double", header(0x0E, {1, 1, 2}) .. rep(">d", 2, function(i) return i / 3 end))
D.write_file(idx .. "seed-empty", header(0x08, {0, 4294967295}))
D.write_file(idx .. "seed-8dims", header(0x08, {1, 1, 1, 1, 1, 1, 1, 2}) .. "\1\2")
D.write_file(idx .. "seed-truncated", header(0x0E, {1000000}) .. "\0\0\0\0")
D.write_file(idx .. "seed-huge-declared", header(0x0E, {65536, 65536, 4096}) .. "\0")
D.write_file(idx .. "seed-trailing", header(0x08, {1}) .. "\1\2")
-- gzipped copies (gzip -n: no name or time, so the bytes are the same
-- every run)
for _, name in ipairs({"ubyte", "float", "truncated"}) do
	os.execute(("gzip -n -9 -c '%s' > '%s'"):format(idx .. "seed-" .. name, idx .. "seed-gz-" .. name))
end
for _, name in ipairs({"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte",
		"floats-idx2-float", "shorts-idx1-short"}) do
	local ok, s = pcall(D.read_file, fix .. "/tests/lua/fixtures/idx/" .. name)
	if ok then D.write_file(idx .. "seed-fixture-" .. name:gsub("%.gz$", "-gz"), s) end
end
print("seeds written to " .. root)
