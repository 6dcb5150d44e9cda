-- test_graph.lua - drawings of real sessions (golden files), DOT through
-- Graphviz, JSON, and the :graph command's options.
--
-- Regenerate the golden files with AGDB_REGEN=1 (then read them by eye).
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

-- every global this test makes is cleared between scenes
local function clear(names)
	for _, n in ipairs(names) do _G[n] = nil end
	collectgarbage()
end

-- the seed tutorial
x = torch.ones(2, 2, {requires_grad = true})
y = x + 2
z = y * y * 3
out = z:mean()
golden("seed_backward", agdb.graph(out))
-- the forward view shows the shape of intermediates that are still alive:
-- collect the unreferenced (y * y) first, so the drawing does not depend on
-- how far the collector happens to be
collectgarbage()
golden("seed_forward", agdb.graph(out, {view = "forward"}))
out:backward()
golden("seed_after_backward_full", agdb.graph(out, {detail = "full"}))
golden("seed_ascii", agdb.graph(out, {ascii = true, detail = "compact"}))
local lr = agdb.graph(out, {direction = "lr", detail = "compact"})
t.ok(lr:find("AddBackward0", 1, true) ~= nil, "left-to-right drawing")
t.is(agdb.graph(out), agdb.graph(out), "the same graph gives the same picture")
clear({"x", "y", "z", "out"})

-- a detach in the middle of a chain, and a no_grad region
w = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
a = w:exp()
b = a:detach()
c = b * w
loss = c:sum()
golden("detach_backward", agdb.graph(loss, {detail = "compact"}))
scaled = torch.no_grad(function() return w * 2 end)
golden("detach_nograd_forward", agdb.graph({view = "forward", detail = "compact"}))
clear({"w", "a", "b", "c", "loss", "scaled"})

-- an expanded tensor written in place: the failing op is shown
base0 = torch.zeros(1)
ex = base0:expand(3)
ones3 = torch.ones(3)
t.raises(function() ex:add_(ones3) end, "more than one element of the written-to tensor",
	"writing into an expanded tensor fails")
golden("inplace_expand_forward", agdb.graph(ex, {view = "forward"}))
clear({"base0", "ex", "ones3"})

-- a subexpression used twice, and a multi-output op
p = torch.ones(3, {requires_grad = true})
q = p:sigmoid()
r = q * q + q
vals, idx = (r:unsqueeze(1) * torch.ones(2, 1)):max(1)
golden("shared_and_max", agdb.graph(vals, {detail = "compact"}))
clear({"p", "q", "r", "vals", "idx"})

-- an MLP forward and backward
torch.manual_seed(0)
W1 = torch.randn(4, 8, {requires_grad = true})
b1 = torch.zeros(8, {requires_grad = true})
W2 = torch.randn(8, 3, {requires_grad = true})
input = torch.randn(5, 4)
h = (input:matmul(W1) + b1):relu()
logits = h:matmul(W2)
mlp_loss = (logits ^ 2):mean()
mlp_loss:backward()
golden("mlp", agdb.graph(mlp_loss))
clear({"h", "logits", "mlp_loss", "W1", "b1", "W2", "input"})

-- one attention block
X = torch.randn(4, 8, {requires_grad = true})
Wq = torch.randn(8, 8, {requires_grad = true})
Wk = torch.randn(8, 8, {requires_grad = true})
Wv = torch.randn(8, 8, {requires_grad = true})
Q = X:matmul(Wq)
K = X:matmul(Wk)
V = X:matmul(Wv)
scores = Q:matmul(K:t()) / math.sqrt(8)
e = (scores - scores:max(2, {keepdim = true})):exp()
attn = e / e:sum(2, {keepdim = true})
att_out = attn:matmul(V)
golden("attention", agdb.graph(att_out:sum(), {detail = "compact"}))
clear({"Q", "K", "V", "scores", "e", "attn", "att_out", "X", "Wq", "Wk", "Wv"})

-- a long chain and a wide fan-out stay drawable
local v = torch.ones(1, {requires_grad = true})
local chain = v
for _ = 1, 500 do chain = chain * 1.001 end
local text = agdb.graph(chain, {detail = "compact"})
local n = 0
for _ in text:gmatch("MulBackward0") do n = n + 1 end
t.is(n, 500, "a 500-node chain: every node drawn")
local parts = {}
for i = 1, 200 do parts[i] = v * i end
local fan = torch.stack(parts):sum()
local ftext = agdb.graph(fan, {detail = "compact"})
n = 0
for _ in ftext:gmatch("MulBackward0") do n = n + 1 end
t.is(n, 200, "a fan-out of 200")

-- DOT and JSON
x = torch.ones(2, {requires_grad = true})
y = (x * 3):sum()
local dot = agdb.dot(y)
t.ok(dot:find("^digraph") ~= nil and dot:find("MulBackward0", 1, true) ~= nil, "DOT text")
local dot_bin = os.getenv("DOT_BIN")
if dot_bin and dot_bin ~= "" then
	local path = os.tmpname()
	agdb.dot(y, path)
	local ok_run = os.execute(dot_bin .. " -Tsvg " .. path .. " -o " .. path .. ".svg 2>/dev/null")
	local f = io.open(path .. ".svg")
	local svg = f and f:read("a") or ""
	if f then f:close() end
	t.ok(ok_run and svg:find("<svg") ~= nil, "Graphviz accepts the DOT file")
	os.remove(path); os.remove(path .. ".svg")
else
	t.ok(true, "# SKIP dot not installed")
end
local json = agdb.json(y)
t.ok(json:find('"nodes"', 1, true) and json:find('"edges"', 1, true)
	and json:find("SumBackward0", 1, true), "JSON has nodes, edges and names")

-- errors
t.raises(function() agdb.graph(y, {view = "sideways"}) end,
	'agdb.graph: view must be one of "backward", "forward", got "sideways"', "bad view")
t.raises(function() agdb.graph(y, {colour = true}) end, "colour", "unknown option")
t.raises(function() agdb.graph(42) end, "agdb.graph", "not a tensor")
t.ok(agdb.graph(torch.ones(2)):find("ones") == nil, "a constant draws a single box")

-- a torch.utils.checkpoint region: one box with a mark (⟳, % in ASCII), a
-- line saying it is recomputed in backward, and a legend entry
clear({"x", "w", "h", "loss"})
torch.manual_seed(0)
x = torch.randn(2, 3, {requires_grad = true})
w = torch.randn(3, 3, {requires_grad = true})
local function block(a) return a:matmul(w):tanh():mul(2) end
h = torch.utils.checkpoint.checkpoint(block, x)
loss = h:sum()
local cpic = agdb.graph(loss)
golden("checkpoint", cpic)
t.ok(cpic:find("\u{27F3} CheckpointFunctionBackward", 1, true) ~= nil, "checkpoint: the region is one marked box")
t.ok(cpic:find("checkpoint: recomputed in backward", 1, true) ~= nil, "checkpoint: which says it is recomputed")
t.ok(cpic:find("MmBackward0", 1, true) == nil and cpic:find("TanhBackward0", 1, true) == nil,
	"checkpoint: the region's ops have no nodes of their own")
t.ok(cpic:find("torch.utils.checkpoint: one box for the region", 1, true) ~= nil,
	"checkpoint: the legend explains the mark")
local cascii = agdb.graph(loss, {ascii = true, detail = "compact"})
t.ok(cascii:find("% CheckpointFunctionBackward", 1, true) ~= nil, "checkpoint: in ASCII the mark is %")
t.ok(cascii:find("checkpoint: recomputed", 1, true) == nil, "checkpoint: compact detail keeps the box to its name")
local cplain = agdb.graph(block(x):sum())
t.ok(cplain:find("\u{27F3}", 1, true) == nil and cplain:find("checkpoint", 1, true) == nil,
	"checkpoint: the same ops without it have no mark and no legend line")
clear({"x", "w", "h", "loss"})
t.done()
