-- test_ag_checkpoint_view.lua - the viewer draws a torch.utils.checkpoint
-- region as one box with a mark (⟳, % in ASCII) and a line saying it is
-- recomputed in backward, and explains the mark in the legend (golden
-- files; regenerate with AGDB_REGEN=1, then read them by eye).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local golden_dir = os.getenv("top_srcdir") .. "/tests/lua/golden/"
local regen = os.getenv("AGDB_REGEN") == "1"

local function golden(name, text)
  local path = golden_dir .. name .. ".txt"
  if regen then
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
  end
  local f = io.open(path)
  local want = f and f:read("a")
  if f then f:close() end
  t.is(text, want, "golden " .. name)
end

torch.manual_seed(0)
x = torch.randn(2, 3, {requires_grad = true})
w = torch.randn(3, 3, {requires_grad = true})
local function block(a) return a:matmul(w):tanh():mul(2) end
h = torch.utils.checkpoint.checkpoint(block, x)
loss = h:sum()
local pic = agdb.graph(loss)
golden("checkpoint", pic)
t.ok(pic:find("\u{27F3} CheckpointFunctionBackward", 1, true) ~= nil, "the region is one marked box")
t.ok(pic:find("checkpoint: recomputed in backward", 1, true) ~= nil, "which says it is recomputed")
t.ok(pic:find("MmBackward0", 1, true) == nil and pic:find("TanhBackward0", 1, true) == nil,
  "the region's ops are not drawn: backward has no nodes of theirs")
t.ok(pic:find("torch.utils.checkpoint: one box for the region", 1, true) ~= nil, "the legend explains the mark")
local ascii = agdb.graph(loss, {ascii = true, detail = "compact"})
t.ok(ascii:find("% CheckpointFunctionBackward", 1, true) ~= nil, "in ASCII the mark is %")
t.ok(ascii:find("checkpoint: recomputed", 1, true) == nil, "compact detail keeps the box to its name")
-- a box without checkpoint has no mark
local plain = agdb.graph(block(x):sum())
t.ok(plain:find("\u{27F3}", 1, true) == nil and plain:find("checkpoint", 1, true) == nil,
  "the same ops without checkpoint: no mark, no legend line")
t.done()
