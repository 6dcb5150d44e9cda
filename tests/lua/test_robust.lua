-- test_robust.lua - regression tests of issue 15's findings that the Lua
-- API can reach: overflow checks on user numbers (1, 10), lists whose
-- __index makes tensors (2), immutable Sizes (10), fill_/index writes that
-- refuse out-of-range values as torch.full does (10), validated print
-- options (18).  The expected values were checked against PyTorch 1.13;
-- where PyTorch itself overflows the test says what it returns there.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local maxint, minint = math.maxinteger, math.mininteger

-- finding 1: as_strided arithmetic that overflows int64 ---------------------
local x = torch.zeros(4)
t.raises(function() return x:as_strided({2}, {1 << 62}) end,
	"Storage size calculation overflowed with sizes=[2] and strides=[4611686018427387904]",
	"as_strided: stride 2^62 (PyTorch's text)")
t.raises(function() return x:as_strided({2}, {maxint}) end,
	"overflowed", "as_strided: stride math.maxinteger")
t.raises(function() return x:as_strided({1 << 31, 1 << 31}, {1 << 33, 1 << 33}) end,
	"overflowed", "as_strided: spans that add up past int64")
t.raises(function() return x:as_strided({3}, {1}, 1 << 62) end,
	"and storage offset 4611686018427387904", "as_strided: offset 2^62")
t.raises(function() return x:as_strided({3}, {1}, maxint) end,
	"overflowed", "as_strided: offset math.maxinteger")
t.raises(function() return x:as_strided({0}, {1}, 1 << 62) end,
	"storage offset", "as_strided: an empty view far past the storage")
t.raises(function() return x:as_strided({3}, {-1}) end,
	"Negative strides are not supported", "as_strided: a negative stride")
t.raises(function() return x:as_strided({-3}, {1}) end,
	"negative dimension", "as_strided: a negative size")
-- the write that used to corrupt the heap: refused before any write
t.raises(function() x:as_strided({2}, {1 << 62}):fill_(1) end, "overflowed",
	"writing through an overflowing view never happens")
t.is(x:sum():item(), 0, "x is untouched")
local one = x:as_strided({1}, {maxint}, 3)
t.is(one:stride(), {maxint}, "a size-1 dim takes any stride")
t.is(one[{{2, 1}}]:numel(), 0, "an empty slice of it")
t.ok(one[{{2, 1}}]:storage_offset() <= 4, "keeps its offset inside the storage")
t.is(x:as_strided({2, 1}, {1, maxint}):view(2):stride(), {1},
	"viewing past a huge size-1 stride")

-- found by fuzz_view: views of a view that overlaps itself gave each leaf
-- element its gradient once per alias (PyTorch 1.13 values below)
local b = torch.arange(18, {dtype = torch.float64}):requires_grad_()
b:as_strided({5, 3, 6}, {1, 2, 1}, 3):select(1, 3):sum():backward()
t.near(b.grad:tolist(), {0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 1, 1, 0, 0, 0}, 1e-12,
	"select of an overlapping as_strided view: PyTorch's gradient")
b.grad = nil
b:as_strided({4, 4}, {1, 1}):narrow(1, 2, 2):sum():backward()
t.near(b.grad:tolist(), {0, 1, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1e-12,
	"narrow of an overlapping view")
b.grad = nil
b:expand(2, 18)[{{}, {2, 3}}]:sum():backward()
t.near(b.grad:tolist(), {0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1e-12,
	"a slice of an expanded view")

-- found by fuzz_ops: a batched matmul's result (PyTorch's _unsafe_view) was
-- a view of a temporary, so a write into it recorded CopySlices on the
-- temporary and backward ignored the write
local w = torch.randn(2, 3, 3, {dtype = torch.float64, requires_grad = true})
local mm = w:matmul(torch.randn(2, 3, 3, {dtype = torch.float64}))
t.ok(mm._base == nil, "a batched matmul result is not a view (PyTorch: _base is None)")
mm[1] = 1.5
t.is(mm.grad_fn:name(), "CopySlices", "a write into it is recorded on it")
mm:sum():backward()
t.is(w.grad[1]:abs():sum():item(), 0, "the overwritten block gets no gradient")
t.ok(torch.randn(2, 3):t():reshape(6)._base == nil, "a reshape that copies is not a view")

-- found by fuzz_ops, not fixed here (core/derivatives.c): an in-place op
-- whose operand is the tensor itself saves the operand after the write, so
-- backward computes garbage where PyTorch 1.13 raises
for _, op in ipairs({"mul_", "pow_", "div_"}) do
	t.todo_raises(function()
		local x = torch.tensor(1.3, {dtype = torch.float64, requires_grad = true})
		local y = x / 0.5
		y[op](y, y)
		y:backward()
	end, "modified by an inplace operation", "y:" .. op .. "(y) then backward",
		"known bug: the saved operand is the written tensor")
end

-- finding 10: slice steps near math.maxinteger ---------------------------
local r = torch.arange(5)
t.is(r[{{1, 3, maxint}}].shape, {1}, "{1, 3, maxinteger} has one element (was [-1])")
t.is(r[{{1, 3, maxint}}]:tolist(), {0}, "and it is the first")
t.is(r[{{2, 5, maxint - 1}}]:tolist(), {1}, "{2, 5, maxinteger - 1}")
t.is(r[{{4, 2, maxint}}]:numel(), 0, "an empty range with a huge step")
t.is(r[{{minint, maxint}}]:tolist(), {0, 1, 2, 3, 4}, "bounds at the integer limits clamp")
t.is(r[{{-maxint, -1, 2}}]:tolist(), {0, 2, 4}, "a start of -maxinteger clamps")
t.raises(function() return r[{{1, 3, 0}}] end, "step must be greater than zero", "step 0")
t.raises(function() return r[{{1, 3, minint}}] end, "step must be greater than zero",
	"step mininteger")
t.raises(function() return r[maxint] end, "out of bounds", "index maxinteger")
t.raises(function() return r[minint] end, "out of bounds", "index mininteger")
t.raises(function() return r[{{1, 2.5}}] end, "must be an integer", "a fractional bound")
t.raises(function() return r[0/0] end, "must be an integer", "a NaN index")

-- finding 10: integer arange ---------------------------------------------
local nine = 9000000000000000000
-- PyTorch 1.13 returns tensor([], dtype=torch.int64) for this one
t.is(torch.arange(0, nine, nine):tolist(), {0}, "arange(0, 9e18, 9e18) is [0]")
t.is(torch.arange(-nine, nine, nine):tolist(), {-nine, 0},
	"arange(-9e18, 9e18, 9e18) spans more than maxinteger")
t.is(torch.arange(1 << 62, (1 << 62) + 3):tolist(),
	{1 << 62, (1 << 62) + 1, (1 << 62) + 2}, "arange past 2^53 is exact (was empty)")
t.is(torch.arange(minint, minint + 2):tolist(), {minint, minint + 1},
	"arange from mininteger (PyTorch agrees)")
t.is(torch.arange(0, maxint, 1 << 62):tolist(), {0, 1 << 62},
	"arange(0, maxint, 2^62) (PyTorch: 'invalid size, possible overflow?')")
t.raises(function() return torch.arange(minint, maxint) end, "invalid size",
	"2^64 - 1 elements")
t.raises(function() return torch.arange(0, 10, 0) end, "step must be nonzero", "step 0")
t.is(torch.arange(0, 9e18, 9e18):tolist(), {0}, "float bounds: the float path")
t.is(torch.arange(0, 4, {dtype=torch.float64}).dtype, torch.float64,
	"integer bounds, float dtype")

-- finding 10: torch.Size --------------------------------------------------
local s = torch.zeros(2, 3, 4).shape
t.raises(function() s[1] = 5 end, "'torch.Size' object does not support item assignment",
	"a Size entry cannot be assigned")
t.raises(function() s[4] = 5 end, "does not support item assignment",
	"nor a new entry added")
t.raises(function() s.numel = 5 end, "does not support item assignment",
	"nor a field")
t.is(s, {2, 3, 4}, "the Size is unchanged")
t.ok(not pcall(setmetatable, s, nil), "its metatable cannot be removed")
t.is(#s, 3, "# of a Size")
t.is({table.unpack(s)}, {2, 3, 4}, "table.unpack of a Size")
local seen = {}
for i, v in ipairs(s) do seen[i] = v end
t.is(seen, {2, 3, 4}, "ipairs of a Size")
seen = {}
for i, v in pairs(s) do seen[i] = v end
t.is(seen, {2, 3, 4}, "pairs of a Size")
t.is(tostring(s), "torch.Size([2, 3, 4])", "tostring of a Size")
t.is(s:numel(), 24, "numel")
t.ok(s == torch.Size({2, 3, 4}) and s == {2, 3, 4} and s ~= {2, 3},
	"Size equality")
-- PyTorch's Size.numel() wraps to 0 here; a clear error instead
t.raises(function() return torch.Size({1 << 62, 4}):numel() end, "overflows",
	"numel of Size({2^62, 4}) overflows: an error, not 0")
t.is(torch.Size({1 << 62, 1}):numel(), 1 << 62, "a big numel that fits")
t.is(torch.zeros(s).shape, {2, 3, 4}, "a Size as a size argument")
t.is(torch.zeros(6):view(torch.Size({2, 3})).shape, {2, 3}, "a Size for view")

-- finding 10: fill_ and index writes range-check like torch.full -----------
local xi = torch.zeros(3, {dtype=torch.int64})
t.raises(function() xi:fill_(1e300) end,
	"value cannot be converted to type int64_t without overflow", "int64 fill_(1e300)")
t.raises(function() xi[1] = 1e300 end, "int64_t without overflow", "int64 x[1] = 1e300")
t.raises(function() xi[{{1, 2}}] = -1e19 end, "int64_t without overflow",
	"int64 x[{{1, 2}}] = -1e19")
t.raises(function() xi:fill_(0/0) end, "int64_t without overflow", "int64 fill_(nan)")
t.raises(function() xi[2] = math.huge end, "int64_t without overflow", "int64 x[2] = inf")
t.is(xi:tolist(), {0, 0, 0}, "the int64 tensor is unchanged")
local xh = torch.zeros(3, {dtype=torch.float16})
t.raises(function() xh:fill_(1e10) end,
	"value cannot be converted to type at::Half without overflow", "float16 fill_(1e10)")
t.raises(function() xh[1] = 65520 end, "at::Half without overflow", "float16 x[1] = 65520")
xh[1] = 65504
xh[2] = math.huge
t.is(xh:tolist(), {65504, math.huge, 0}, "float16 takes 65504 and inf")
local xf = torch.zeros(2)
t.raises(function() xf:fill_(1e300) end, "type float without overflow", "float32 fill_(1e300)")
t.raises(function() xf[1] = -1e39 end, "type float without overflow", "float32 x[1] = -1e39")
t.raises(function() torch.zeros(2, {dtype=torch.bfloat16}):fill_(3.4e38) end,
	"at::BFloat16 without overflow", "bfloat16 fill_(3.4e38) (PyTorch refuses it too)")
t.raises(function() xi:fill_(torch.tensor(1e300, {dtype=torch.float64})) end,
	"int64_t without overflow", "a 0-d tensor value is checked the same way")
t.raises(function() return torch.full({2}, 1e300, {dtype=torch.int64}) end,
	"int64_t without overflow", "torch.full refuses it as before")
xi:fill_(9.2e18)
t.is(xi[1]:item(), 9200000000000000000, "9.2e18 fits int64")
local xb = torch.zeros(2, {dtype=torch.bool})
xb:fill_(1e300)
t.is(xb:tolist(), {true, true}, "anything fills a bool tensor")

-- finding 2: cat/stack of a list whose __index makes the tensors -----------
local made = 0
local lazy = setmetatable({}, {
	__len = function() return 4 end,
	__index = function(_, i)
		made = made + 1
		collectgarbage()	-- would free the tensors read so far
		return torch.ones(2) * i
	end,
})
t.is(torch.cat(lazy):tolist(), {1, 1, 2, 2, 3, 3, 4, 4}, "torch.cat of a lazy list")
t.is(made, 4, "each element read once")
t.is(torch.stack(lazy):tolist(), {{1, 1}, {2, 2}, {3, 3}, {4, 4}}, "torch.stack of a lazy list")
t.is(torch.cat(lazy, 1):sum():item(), 20, "with a dim")
t.is(torch.cat(lazy, {dim=1}):numel(), 8, "with a dim keyword")
t.is(torch.ones(1):cat(lazy):numel(), 9, "the method form")
local bad = setmetatable({}, {__len = function() return 2 end,
	__index = function(_, i) if i == 2 then return "x" end return torch.ones(1) end})
t.raises(function() return torch.cat(bad) end, "element 2 is string",
	"a lazy list with a non-tensor")
local huge = setmetatable({}, {__len = function() return 1 << 40 end,
	__index = function() return torch.ones(1) end})
t.raises(function() return torch.cat(huge) end, "tensors", "a lazy list of 2^40 entries")
local erring = setmetatable({}, {__len = function() return 2 end,
	__index = function() error("index failed") end})
t.raises(function() return torch.stack(erring) end, "index failed",
	"an __index that raises")
t.is(torch.cat({torch.ones(1), torch.zeros(1)}):tolist(), {1, 0}, "plain lists as before")

-- finding 18: set_printoptions is checked when set --------------------------
local y = torch.tensor({1.5, 2.25})
t.raises(function() torch.set_printoptions({precision = 200}) end,
	"precision must be between 0 and 100", "precision 200 is refused when set")
t.raises(function() torch.set_printoptions({precision = -1}) end,
	"precision must be between 0 and 100", "a negative precision")
t.raises(function() torch.set_printoptions({precision = 1.5}) end,
	"precision must be an integer, got 1.5", "a fractional precision")
t.raises(function() torch.set_printoptions({precision = "3"}) end,
	"precision must be an integer, got string", "a string precision")
t.raises(function() torch.set_printoptions({edgeitems = -1}) end,
	"edgeitems must be between 0", "negative edgeitems")
t.raises(function() torch.set_printoptions({threshold = 0/0}) end,
	"threshold must be an integer (or math.huge)", "a NaN threshold")
t.raises(function() torch.set_printoptions({linewidth = "wide"}) end,
	"linewidth must be an integer", "a string linewidth")
t.raises(function() torch.set_printoptions({profile = "tiny"}) end,
	'profile must be "default", "short" or "full"', "an unknown profile")
t.raises(function() torch.set_printoptions({sci = true}) end,
	"unexpected keyword argument 'sci'", "an unknown option")
t.raises(function() torch.set_printoptions(3) end,
	"argument 1 must be a table of options", "a number instead of a table")
t.is(tostring(y), "tensor([1.5000, 2.2500])", "after all the refusals: the defaults")
torch.set_printoptions({linewidth = 0})
t.is(tostring(y), "tensor([1.5000,\n        2.2500])",
	"linewidth 0 prints one element per line, as PyTorch does")
torch.set_printoptions({linewidth = -5})
t.is(tostring(y), "tensor([1.5000,\n        2.2500])", "so does a negative linewidth")
torch.set_printoptions()
torch.set_printoptions({threshold = math.huge})
t.ok(not tostring(torch.arange(2000)):find("...", 1, true),
	"threshold = math.huge never summarises (PyTorch's float('inf'))")
torch.set_printoptions({threshold = -1})
t.is(tostring(torch.arange(7)), "tensor([0, 1, 2,  ..., 4, 5, 6])",
	"a negative threshold summarises everything, as in PyTorch")
torch.set_printoptions({precision = 100})
t.ok(tostring(y):find("1.5000000000", 1, true), "precision 100 prints")
torch.set_printoptions({profile = "short"})
t.is(tostring(y), "tensor([1.50, 2.25])", "profile short")
torch.set_printoptions({profile = "default", precision = 1})
t.is(tostring(y), "tensor([1.5, 2.2])", "a profile refined by precision")
torch.set_printoptions()
t.is(tostring(y), "tensor([1.5000, 2.2500])", "set_printoptions() restores the defaults")


-- found by fuzz_safetensors and fuzz_idx: the file loaders ------------------
local tmpdir = os.tmpname()
os.remove(tmpdir)
os.execute("mkdir -p " .. tmpdir)
local function spit(name, bytes)
	local f = assert(io.open(tmpdir .. "/" .. name, "wb"))
	f:write(bytes)
	f:close()
	return tmpdir .. "/" .. name
end
local function st_file(header, data)
	return string.pack("<I8", #header) .. header .. data
end
-- U64 is as wide as int64, so it was read as raw bytes: 2^64 - 1 came back
-- as -1 (PyTorch's uint64 holds it; agdb has no uint64, so it refuses)
local u64 = spit("u64.safetensors", st_file('{"x":{"dtype":"U64","shape":[2],"data_offsets":[0,16]}}',
	string.pack("<I8I8", 7, -1)))
t.raises(function() torch.load(u64) end, "tensor 'x' (U64) holds a value beyond the int64 range",
	"a U64 value past int64 is refused, not read as a negative number")
local u64ok = spit("u64ok.safetensors", st_file('{"x":{"dtype":"U64","shape":[2],"data_offsets":[0,16]}}',
	string.pack("<I8I8", 7, math.maxinteger)))
t.is(torch.load(u64ok).x:tolist(), {7, math.maxinteger}, "U64 values within int64 load")
-- a BOOL byte other than 0 and 1 is true, and stored as 1 (saved back as 1)
local b = spit("bool.safetensors", st_file('{"x":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}',
	"\255\0\2"))
local xb2 = torch.load(b).x
t.is(xb2:tolist(), {true, false, true}, "BOOL bytes 255 and 2 are true")
torch.save(xb2, tmpdir .. "/bool2.safetensors")
local f = assert(io.open(tmpdir .. "/bool2.safetensors", "rb"))
t.is(f:read("a"):sub(-3), "\1\0\1", "and are written back as 1")
f:close()
-- opening a FIFO blocked until a writer came: the REPL hung
if os.execute("mkfifo " .. tmpdir .. "/fifo 2>/dev/null") then
	t.raises(function() torch.load(tmpdir .. "/fifo") end, "is not a regular file",
		"torch.load of a FIFO fails at once")
	t.raises(function() torch._C.read_idx(tmpdir .. "/fifo") end, "is not a regular file",
		"read_idx of a FIFO fails at once")
else
	t.ok(true, "# SKIP no mkfifo")
	t.ok(true, "# SKIP no mkfifo")
end
t.raises(function() torch._C.read_idx(tmpdir) end, "is not a regular file", "read_idx of a folder")
-- an IDX header promising 2^34 elements in a 20-byte file: the reader
-- allocated what the header promised (16 GB as int64) before reading
local huge = spit("huge-idx1-ubyte", "\0\0\8\3" .. string.pack(">I4I4I4", 65536, 65536, 4) .. "\1\2\3\4")
local before = torch._live_tensors()
t.raises(function() torch._C.read_idx(huge) end,
	"is truncated: its header promises 17179869184 elements of 1 bytes",
	"a header promising 2^34 elements in a tiny file: truncated, nothing allocated for them")
t.is(torch._live_tensors(), before, "and no tensor is left behind")
os.execute("rm -rf " .. tmpdir)

t.done()
