-- test_files.lua - torch.save / torch.load in the safetensors format: files
-- written by the format's rules (fixtures) load with their values, dtypes
-- and metadata; what agdb writes is byte for byte what the reference writer
-- writes; round trips of tensors and state dicts; atomic writes; and every
-- kind of malformed file is refused with a message naming the file.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local dir = os.getenv("top_srcdir") .. "/tests/lua/fixtures/safetensors/"
local nn = torch.nn

local function slurp(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("a")
	f:close()
	return s
end

local function spit(path, s)
	local f = assert(io.open(path, "wb"))
	f:write(s)
	f:close()
end

local tmpdir = os.tmpname()
os.remove(tmpdir)
os.execute("mkdir -p " .. tmpdir)
local function tmp(name) return tmpdir .. "/" .. name end

-- ------------------------------------------------------------ reading fixtures
local sd, meta = torch.load(dir .. "mixed.safetensors", {metadata = true})
local keys = {}
for k in pairs(sd) do keys[#keys + 1] = k end
t.is(keys, {"steps", "bias", "empty", "scalar", "weight", "bf", "half", "mask"},
	"keys come in the file's order (the reference writer sorts by dtype, then name)")
t.is({meta.format, meta.note}, {"pt", "written by hand"}, "{metadata=true} also returns __metadata__")
t.ok(sd.__metadata__ == nil, "the metadata is not an entry of the table")
t.is(sd.weight:tolist(), {{1.5, -2.25, 3.0}, {0.125, sd.weight[2][2]:item(), -7.0}}, "F32 values")
t.near(sd.weight[2][2]:item(), 1e-3, 1e-7, "(1e-3 in float32)")
t.ok(sd.weight.dtype == torch.float32 and sd.bias.dtype == torch.float64, "F32 and F64 dtypes")
t.is(sd.bias:tolist(), {0.5, -0.25}, "F64 values")
t.is(sd.steps:tolist(), {1, -2, 3, 1 << 40}, "I64 values")
t.is(sd.mask:tolist(), {true, false, true}, "BOOL values")
t.ok(sd.half.dtype == torch.float16 and sd.bf.dtype == torch.bfloat16, "F16 and BF16 dtypes")
t.is({sd.half:tolist(), sd.bf:tolist()}, {{0.5, -1.0, 65504.0}, {1.0, -3.5}}, "F16 and BF16 values")
t.is({sd.scalar:dim(), sd.scalar:item()}, {0, 2.5}, "a 0-d tensor")
t.is(sd.empty.shape, torch.Size({0, 3}), "an empty tensor")
local ints = torch.load(dir .. "narrow_ints.safetensors")
t.is({ints.u8:tolist(), ints.i32:tolist(), ints.i16:tolist(), ints.i8:tolist()},
	{{0, 200, 255}, {-5, 7}, {-300, 300}, {-128, 127}}, "U8/I32/I16/I8 values")
t.ok(ints.u8.dtype == torch.uint8 and ints.i32.dtype == torch.int32 and ints.i16.dtype == torch.int16 and
	ints.i8.dtype == torch.int8, "U8/I32/I16/I8 load as uint8/int32/int16/int8")
local _, nometa = torch.load(dir .. "narrow_ints.safetensors", {metadata = true})
t.is(nometa, {}, "a file without metadata gives an empty table")

-- ------------------------------------------------------------ writing
local plain = {}
for _, k in ipairs({"weight", "bias", "steps", "mask", "half", "bf", "scalar"}) do plain[k] = sd[k] end
torch.save(plain, tmp("plain.safetensors"))
t.ok(slurp(tmp("plain.safetensors")) == slurp(dir .. "plain.safetensors"),
	"what agdb writes is byte for byte what the reference writer writes")
torch.save(ints, tmp("narrow_ints.safetensors"))
t.ok(slurp(tmp("narrow_ints.safetensors")) == slurp(dir .. "narrow_ints.safetensors"),
	"uint8/int8/int16/int32 tensors are written as U8/I8/I16/I32, byte for byte")
local odd = {}
for name in io.popen("ls -a " .. tmpdir):lines() do
	if name:sub(1, 1) == "." and name ~= "." and name ~= ".." then odd[#odd + 1] = name end
end
t.is(odd, {}, "no temporary file is left behind")

local x = torch.arange(12):view(3, 4):float()
torch.save(x:t(), tmp("view.safetensors"))
local back = torch.load(tmp("view.safetensors"))
t.ok(torch.is_tensor(back), "a single tensor comes back as a tensor")
t.is(back:tolist(), x:t():tolist(), "a transposed view is saved as its values")
t.ok(back:is_contiguous(), "and loads contiguous")
local shared = {a = x[1], b = x[{{1, 2}}]}
torch.save(shared, tmp("shared.safetensors"))
local sh = torch.load(tmp("shared.safetensors"))
t.is({sh.a:tolist(), sh.b:tolist()}, {x[1]:tolist(), x[{{1, 2}}]:tolist()},
	"tensors sharing a storage are each written in full")
local needs = torch.ones(2, {requires_grad = true}) * 3
torch.save({y = needs}, tmp("grad.safetensors"))
t.is(torch.load(tmp("grad.safetensors")).y:tolist(), {3.0, 3.0}, "a tensor with history saves its values")
torch.save({w = torch.ones(1)}, tmp("meta.safetensors"), {metadata = {epoch = 3, note = "x"}})
local _, m2 = torch.load(tmp("meta.safetensors"), {metadata = true})
t.is({m2.epoch, m2.note}, {"3", "x"}, "metadata is saved as strings")

-- a model's state dict round trip gives identical outputs
torch.manual_seed(0)
local net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
local input = torch.randn(5, 4)
torch.save(net:state_dict(), tmp("net.safetensors"))
local net2 = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
net2:load_state_dict(torch.load(tmp("net.safetensors")))
t.is(net2(input):tolist(), net(input):tolist(), "a saved model loads back to identical outputs")

-- an interrupted write leaves the old file; bad objects never touch it
spit(tmp("keep.safetensors"), slurp(tmp("net.safetensors")))
t.raises(function() torch.save({a = 1}, tmp("keep.safetensors")) end, "'a' is a number", "a non-tensor value")
t.raises(function() torch.save(net, tmp("keep.safetensors")) end, "save obj:state_dict()", "a module")
t.raises(function() torch.save({[1] = torch.ones(1)}, tmp("keep.safetensors")) end, "names must be strings",
	"a non-string name")
t.ok(slurp(tmp("keep.safetensors")) == slurp(tmp("net.safetensors")), "a failed save leaves the old file intact")
t.raises(function() torch.save(x, tmpdir .. "/no/such/dir/x.safetensors") end, "cannot write",
	"a folder that does not exist")

-- an independent reader: Python's json and struct (when /usr/bin/python3 is there)
local py = io.open("/usr/bin/python3") and true
if py then
	local script = ([[
import json, struct, sys
b = open(%q, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
w = h["0.weight"]
s, e = w["data_offsets"]
vals = struct.unpack("<%%df" %% ((e - s) // 4), b[8 + n + s:8 + n + e])
sys.exit(0 if w["dtype"] == "F32" and w["shape"] == [8, 4] and abs(vals[0] - %.9g) < 1e-6 else 1)
]]):format(tmp("net.safetensors"), net[1].weight[1][1]:item())
	spit(tmp("check.py"), script)
	t.ok(os.execute("/usr/bin/python3 " .. tmp("check.py")), "Python reads agdb's file by the format's rules")
else
	t.ok(true, "# SKIP no /usr/bin/python3")
end

-- ------------------------------------------------------------ validation
local function le64(n)
	local s = {}
	for i = 0, 7 do s[#s + 1] = string.char((n >> (8 * i)) & 0xff) end
	return table.concat(s)
end
local function file(header, data)
	return le64(#header) .. header .. (data or "")
end
local F4 = string.pack("<ffff", 1, 2, 3, 4)
local bad = {
	{"short", "abc", "shorter than the 8-byte header length"},
	{"huge_header", le64(200000000) .. "{}", "exceeds the limit of 100000000 bytes"},
	{"truncated_header", le64(100) .. "{}", "is truncated"},
	{"not_json", file("{not json}"), "malformed JSON header"},
	{"not_object", file("[1,2]"), "its header is not a JSON object"},
	{"duplicate", file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' ..
		'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', string.rep("\0", 8)), "duplicate"},
	{"dtype", file('{"a":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}}', F4), 'unknown dtype "F33"'},
	{"fp8", file('{"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}', "abcd"), "agdb cannot hold"},
	{"shape", file('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}', F4),
		"has 16 bytes of data but its shape and dtype need 12"},
	{"negative", file('{"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}', F4), "not a non-negative integer"},
	{"float_offsets", file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16.0]}}', F4), "data_offsets"},
	{"reversed", file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}}', F4), "end before they begin"},
	{"beyond", file('{"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}', F4),
		"the tensors cover 32 bytes of data but the file holds 16"},
	{"gap", file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', F4), "the data before it ends at byte 0"},
	{"overlap", file('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},' ..
		'"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', F4), "overlaps the tensor before"},
	{"leftover", file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', F4),
		"the tensors cover 8 bytes of data but the file holds 16"},
	{"meta", file('{"__metadata__":{"k":1}}'), "__metadata__ entry 'k' is not a string"},
	{"entry", file('{"a":7}'), "the entry of tensor 'a' is not a JSON object"},
	{"dims", file('{"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}', "abcd"),
		"has 9 dims"},
}
for _, c in ipairs(bad) do
	local path = tmp(c[1] .. ".safetensors")
	spit(path, c[2])
	t.raises(function() torch.load(path) end, c[3], "refused: " .. c[1])
	t.raises(function() torch.load(path) end, path, "and the message names the file (" .. c[1] .. ")")
end
t.raises(function() torch.load(tmp("missing.safetensors")) end, "cannot open", "a missing file")
t.raises(function() torch.load(tmpdir) end, "is not a regular file", "a folder")
local ok_path = tmp("padded.safetensors")
spit(ok_path, file('{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}   ', F4))
t.is(torch.load(ok_path).a:tolist(), {{1, 2}, {3, 4}}, "header padding with spaces is fine")

os.execute("rm -rf " .. tmpdir)
t.done()
