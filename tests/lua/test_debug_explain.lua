-- test_debug_explain.lua - agdb.explain(): the last error, explained:
-- writes into expanded or self-overlapping tensors (stride-0 dims, the
-- colliding cells, both lines, the fixes), partial overlaps (the two
-- ranges), saved tensors modified in place (the saving node, the in-place
-- op, both lines, versions, the fix), NaN in anomaly mode, shapes that do
-- not broadcast; and the plain message and line for other errors.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local function here() return debug.getinfo(2, "l").currentline end
local function has(s, text, name)
	return t.ok(s:find(text, 1, true), name .. " (" .. text:gsub("\n", "\\n") .. ")")
end
local function names_line(s, l) return s:find(":" .. l .. "%f[^%d]") ~= nil end

t.is(agdb.explain().reason, "none", "no error yet: says so")

-- the write into an expanded tensor
a = torch.ones(1, 4, {requires_grad = true})
local l_expand = here() + 1
b = (a * 1):expand(3, 4)
local l_write = here() + 1
local ok, err = pcall(function() b:add_(torch.ones(4)) end)
t.ok(not ok, "writing into an expanded tensor fails")
local PT = "unsupported operation: more than one element of the written-to tensor refers " ..
	"to a single memory location. Please clone() the tensor before performing the operation."
has(err, PT, "the error is PyTorch's text")
local r = agdb.explain()
t.is(r.reason, "internal_overlap", "explained as a self-overlapping write")
has(r.text, PT, "the explanation quotes PyTorch's text")
t.is(r.stride0_dims, {1}, "the stride-0 dim as a fact")
has(r.text, "dim 1: size 3, stride 0   <- stride 0", "the stride-0 dim is marked")
has(r.text, "dim 2: size 4, stride 1\n", "the other dim is not")
has(r.text, "strides (0, 1)", "the strides")
has(r.text, "cell 0 is elements (1, 1) (2, 1) (3, 1)", "which elements collide on cell 0")
has(r.text, "cell 3 is elements (1, 4) (2, 4) (3, 4)", "and on cell 3")
t.is(r.cells[2], {"(1, 3)", "(2, 3)", "(3, 3)"}, "the colliding cells as facts")
has(r.text, "element -> storage cell:", "the grid")
has(r.text, "(2, :)  0  1  2  3", "a row of the grid")
t.ok(names_line(r.text, l_expand), "the line that made the expanded view")
t.ok(names_line(r.text, l_write), "the line of the write")
has(r.text, "add_ at", "the write is named by its op")
has(r.text, "made by expand at", "the view is named by its op")
has(r.text, "1. clone the expanded tensor", "the first fix")
has(r.text, "2. write before expanding", "the second fix")
has(r.text, "sums them back over the repeated dim 1", "what the first fix does to gradients")
has(r.text, "Gradients: the write is recorded", "what the second fix does to gradients")
t.is(r.fixes, {"clone", "write_before_expand"}, "the fixes as facts")
-- the first fix works
b2 = (a * 1):expand(3, 4):clone()
t.lives(function() b2:add_(torch.ones(4)) end, "clone() then write: no error")
b2:sum():backward()
t.is(a.grad:tolist(), {{3, 3, 3, 3}}, "and the gradient sums over the expanded dim")

-- an overlap through an expand of a 1-d tensor with a 3-d destination
e3 = torch.zeros(2):expand(2, 2, 2)
pcall(function() e3:mul_(2) end)
r = agdb.explain()
has(r.text, "dim 1: size 2, stride 0   <- stride 0", "3-d: dim 1 marked")
has(r.text, "dim 2: size 2, stride 0   <- stride 0", "3-d: dim 2 marked")
t.is(r.stride0_dims, {1, 2}, "3-d: both stride-0 dims")

-- partial overlap: the two ranges
x = torch.arange(0, 12):float()
local l_partial = here() + 1
ok = pcall(function() x[{{1, 8}}]:copy_(x[{{3, 10}}]) end)
t.ok(not ok, "a partial overlap fails")
r = agdb.explain()
t.is(r.reason, "partial_overlap", "explained as a partial overlap")
has(r.text, "unsupported operation: some elements of the input tensor and the written-to "
	.. "tensor refer to a single memory location", "PyTorch's text")
has(r.text, "storage cells 0..7", "the written range")
has(r.text, "storage cells 2..9", "the read range")
has(r.text, "cells 2..7 are in both", "the shared range")
t.is(r.output_range, {0, 7}, "the written range as a fact")
t.is(r.input_range, {2, 9}, "the read range as a fact")
t.ok(names_line(r.text, l_partial), "the line")

-- a saved tensor modified in place
p = torch.ones(3, {requires_grad = true})
local l_sig = here() + 1
q = p:sigmoid()
rr = q * 2
local l_mul = here() + 1
q:mul_(3)
local l_bw = here() + 1
ok, err = pcall(function() rr:sum():backward() end)
t.ok(not ok, "backward through a modified saved tensor fails")
has(err, "one of the variables needed for gradient computation has been modified by an " ..
	"inplace operation: [torch.FloatTensor [3]], which is output 0 of SigmoidBackward0, is at " ..
	"version 1; expected version 0 instead.", "PyTorch's text, verbatim")
r = agdb.explain()
t.is(r.reason, "saved_modified", "explained as a modified saved tensor")
has(r.text, "the node that needed it: SigmoidBackward0", "the node that saved it")
t.ok(names_line(r.text, l_sig), "the line that made that node")
has(r.text, "mul_ at", "the in-place op")
t.ok(names_line(r.text, l_mul), "the in-place op's line")
has(r.text, "version 0 -> 1", "the version it bumped")
t.is(r.saved_version, 0, "the saved version as a fact")
t.is(r.current_version, 1, "the current version as a fact")
has(r.text, "(q)", "the tensor's name")
has(r.text, "fix: use the out-of-place op", "the fix")

-- a NaN caught by anomaly mode
torch.autograd.set_detect_anomaly(true)
n0 = torch.tensor({1., 0., 4.}, {requires_grad = true})
local l_sqrt = here() + 1
n1 = n0:sqrt()
ok, err = pcall(function() (n1 * 0):sum():backward() end)
torch.autograd.set_detect_anomaly(false)
t.ok(not ok, "anomaly mode stops at the NaN")
has(err, "Function 'SqrtBackward0' returned nan values in its 0th output.", "PyTorch's text")
r = agdb.explain()
t.is(r.reason, "nan", "explained as a NaN in backward")
has(r.text, "the node: SqrtBackward0", "the node")
t.ok(names_line(r.text, l_sqrt), "where it was made")
has(r.text, "the gradients that came in:", "its inputs' statistics")
has(r.text, "result [3]: 1 zero", "the forward value it saved, with its zero")
has(r.text, "forward traceback", "the traceback of its creation")

-- shapes that do not broadcast: lined up
ok = pcall(function() return torch.ones(2, 3) + torch.ones(4, 2, 4) end)
r = agdb.explain()
t.is(r.reason, "broadcast", "explained as a broadcast")
has(r.text, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton " ..
	"dimension 2", "PyTorch's text (its 0-based dim)")
has(r.text, "  a:    2  3\n  b: 4  2  4\n           ^", "the shapes lined up from the right")
t.is(r.dim, 3, "the dim, 1-based, as a fact")

-- any other error: its message and line
local l_other = here() + 1
ok = pcall(function() return torch.ones(2):view(3) end)
r = agdb.explain()
t.is(r.reason, "other", "another core error")
t.ok(names_line(r.text, l_other), "its line")

t.done()
