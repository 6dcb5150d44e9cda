-- test_debug_memory.lua - agdb.memory(x): the storage strip with each
-- view's footprint and the element -> cell map; agdb.memory(): every live
-- storage, largest first, with the total; agdb.strict_overlap warnings.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local function has(s, text, name)
	return t.ok(s:find(text, 1, true), name .. " (" .. text:gsub("\n", "\\n") .. ")")
end

x = torch.arange(0, 12):float():view(3, 4)
row = x[2]
xt = x:t()
col = x[{{}, 2}]
local r = agdb.memory(x)
t.is(tostring(r), r.text, "an answer prints as its text")
has(r.text, "12 float32 elements (48 B)", "the storage's size")
has(r.text, "012345678901", "the strip's cells")
has(r.text, "x    ████████████  [3, 4]  strides (4, 1)  offset 0  contiguous      version 0",
	"x covers every cell")
has(r.text, "row  ····████····  [4]     strides (1,)    offset 4  contiguous", "x[2]'s footprint")
has(r.text, "col  ·█···█···█··  [3]     strides (4,)    offset 1  not contiguous",
	"a column's footprint, strided")
has(r.text, "xt   ████████████  [4, 3]  strides (1, 4)  offset 0  not contiguous", "the transpose")
local names = {}
for _, v in ipairs(r.views) do if v.name then names[#names + 1] = v.name end end
table.sort(names)
t.is(names, {"col", "row", "x", "xt"}, "every named view as a fact")
t.is(r.views[1].name, "x", "x itself first")
has(r.text, "x element -> storage cell:", "the element map of a small tensor")
has(r.text, "row 3  8  9  10  11", "a row of the map")
t.is(r.map, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "the map as a fact")
r = agdb.memory(col)
t.is(r.map, {1, 5, 9}, "a strided view's map")
r = agdb.memory("xt")
t.is(r.map, {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, "the transpose's map (line form)")

-- an expanded tensor: cells hold several elements
e = torch.ones(1, 4):expand(3, 4)
r = agdb.memory(e)
has(r.text, "strides (0, 1)", "the expanded strides")
has(r.text, "some cells hold more than one element", "says cells are shared")
t.is(r.map, {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}, "the expanded map")

-- a big storage: the strip is scaled
big = torch.zeros(1000, 100)
half = big[{{1, 500}}]
r = agdb.memory(half)
has(r.text, "one mark per 1563 cells", "a big storage's strip is scaled")
t.is(r.map, nil, "no element map for a big tensor")
t.is(r.cells, 100000, "the storage's cells")

-- every storage, largest first
r = agdb.memory()
t.is(r.storages[1].bytes, 400000, "the largest storage first")
t.ok(r.storages[1].bytes >= r.storages[2].bytes, "in order")
has(r.text, "big [1000, 100]", "with its tensors' names")
t.ok(r.total >= 400000 + 48, "the session's total as a fact")
has(r.text, "session total:", "and in the text")
t.is(agdb.mem, agdb.memory, "agdb.memory is :mem")

-- strict overlap: warnings for writes PyTorch lets through (agdb run
-- again, its stderr read)
local function run(code)
	local f = os.tmpname()
	local h = io.open(f, "w")
	h:write(code)
	h:close()
	local p = io.popen(("%q %q 2>&1"):format(os.getenv("AGDB") or "./agdb", f))
	local out = p:read("a")
	p:close()
	os.remove(f)
	return out
end
t.is(agdb.strict_overlap().on, false, "strict overlap is off at first")
t.is(agdb.strict_overlap(true).on, true, "it turns on")
t.is(agdb.strict_overlap("off").on, false, "and off (the line form)")
local out = run([[
base = torch.zeros(6)
win = base:as_strided({3, 3}, {1, 1})
win:add_(1)
print("quiet", base:sum():item())
agdb.strict_overlap(true)
win:add_(1)
print("ran", base:sum():item())
tr = torch.zeros(4, 4)[{{1, 2}}]:t()
tr:add_(1)
print("fine")
strip = torch.zeros(5)
wins = strip:unfold(1, 2, 1)
wins:add_(1)
print("unfolded", strip:sum():item())
]])
t.ok(not out:find(":3: warning"), "off: PyTorch's silence")
t.ok(out:find(":6: warning: strict overlap"), "on: a warning naming the line of the write")
has(out, "elements (1, 2) and (2, 1) are both storage cell 1", "the colliding elements")
has(out, "ran\t18.0", "the write still runs (as PyTorch computes it)")
t.ok(not out:find(":9: warning"), "no warning for a TooHard layout without collisions")
t.ok(out:find(":13: warning: strict overlap"), "on: a write through unfold's overlapping windows warns")
has(out, "unfolded\t8.0", "and runs as PyTorch computes it")
t.done()
