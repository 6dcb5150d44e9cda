-- test_graph_big.lua - drawings of graphs too wide or too big to draw
-- whole (issue 15, findings 7, 14 and 16): a loop over x[i] and a stack of
-- every step stay narrow; max_nodes takes any positive number without
-- wrapping; a cut graph keeps its roots and leaves and says what it left
-- out in text, DOT and JSON.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local function json_field(j, pat)
	return tonumber(j:match(pat))
end

local function count(s, what)
	local n, at = 0, 1
	while true do
		local i = s:find(what, at, true)
		if not i then return n end
		n, at = n + 1, i + #what
	end
end

-- Finding 7: a sum of 2,000 terms made the drawing 511 MB (each x[i]
-- dragged its own line down beside the whole chain).
x = torch.randn(2000, {requires_grad = true})
s = x[1]
for i = 2, 2000 do s = s + x[i] end
local j = agdb.json(s)
local w, h = json_field(j, '"width": (%d+)'), json_field(j, '"height": (%d+)')
t.ok(w and w < 200, "a sum of 2,000 terms x[i] is drawn narrow (width " .. tostring(w) .. ")")
t.ok(h and h < 6 * 4001, "and about as tall as its 4,001 nodes (height " .. tostring(h) .. ")")
local g = agdb.graph(s, {detail = "compact"})
t.ok(#g < 4e6, "its text is a few MB at most (" .. #g .. " bytes)")
t.is(count(g, "SelectBackward0"), 2000, "every x[i] is drawn")
t.ok(g:find("◆ x", 1, true) ~= nil, "with the leaf x at the top")
t.is(json_field(j, '"truncated": (null)') , nil, "nothing left out")
t.ok(j:find('"truncated": null', 1, true) ~= nil, "JSON says nothing was left out")
x, s = nil, nil

-- ... and the same the other way: every step's output stacked at the end.
local h0 = torch.randn(3, {requires_grad = true})
local steps, cur = {}, h0
for i = 1, 1500 do cur = cur * 1.001; steps[i] = cur end
stacked = torch.stack(steps)
j = agdb.json(stacked)
w = json_field(j, '"width": (%d+)')
t.ok(w and w < 400, "a stack of 1,500 steps is drawn narrow (width " .. tostring(w) .. ")")
stacked, steps, cur, h0 = nil, nil, nil, nil
collectgarbage()

-- Finding 14: max_nodes past int's range meant "draw nothing" or "one box".
a = torch.ones(2, {requires_grad = true})
b = a * 2
c = (b + 1):sum()
local full = agdb.graph(c)
t.is(agdb.graph(c, {max_nodes = 2^31}), full, "max_nodes = 2^31 draws everything")
t.is(agdb.graph(c, {max_nodes = 2^32 + 1}), full, "max_nodes = 2^32 + 1 draws everything")
t.is(agdb.graph(c, {max_nodes = math.maxinteger}), full, "max_nodes = math.maxinteger too")
t.is(agdb.graph(c, {max_nodes = math.huge}), full, "max_nodes = math.huge means no limit")
t.is(agdb.graph(c, {max_nodes = 4.0}), full, "a float with an integer value is that number")
t.raises(function() agdb.graph(c, {max_nodes = 0}) end, "max_nodes must be positive",
	"max_nodes = 0 is refused")
t.raises(function() agdb.graph(c, {max_nodes = -2^40}) end, "max_nodes must be positive",
	"a negative max_nodes is refused")
t.raises(function() agdb.graph(c, {max_nodes = 2.5}) end, "number has no integer representation",
	"max_nodes = 2.5 is refused")
local small = agdb.graph(c, {max_nodes = 2})
t.ok(small:find("not drawn", 1, true) ~= nil, "max_nodes = 2 cuts the 4-node graph and says so")

-- Finding 16: a chain longer than max_nodes lost its leaves, said nothing,
-- and a drawing of the globals failed with "edge 0 -> -1".
leaf = torch.ones(2, {requires_grad = true})
local y = leaf
for i = 1, 6000 do y = y * 1.0001 end
out = y:sum()
y = nil
local ok, text = pcall(agdb.graph)
t.ok(ok, "drawing every global after a 6,000-op chain works")
if not ok then t.diag(text) end
text = ok and text or ""
t.ok(text:find("◆ leaf", 1, true) ~= nil, "the leaf is kept")
t.ok(text:find("out: [] float32", 1, true) ~= nil, "the root is kept")
local hidden, total, limit = text:match("(%d+) of (%d+) nodes are not drawn %(max_nodes = (%d+)%)")
t.ok(hidden ~= nil, "the drawing says how many nodes are not drawn")
t.is(tonumber(limit), 5000, "and the limit")
t.ok(tonumber(hidden) and tonumber(hidden) > 0 and tonumber(total) > 6000,
	"hidden " .. tostring(hidden) .. " of " .. tostring(total))
t.ok(text:find("max_nodes = " .. tostring(total) .. "}) draws them all", 1, true) ~= nil,
	"and how to see them all")
t.ok(text:find("nodes not drawn", 1, true) ~= nil, "a box stands for the nodes left out")
local n = count(text, "MulBackward0")
t.ok(n >= 4900 and n < 5000, "about max_nodes boxes are drawn (" .. n .. " MulBackward0)")

-- out alone: the chain, the sum and the leaf
local alone = agdb.graph(out)
hidden, total = alone:match("(%d+) of (%d+) nodes are not drawn")
t.is(tonumber(total), 6002, "the chain alone has 6,002 nodes")
local dot = agdb.dot(out)
t.ok(dot:find('label="' .. tostring(hidden) .. " of 6002 nodes are not drawn", 1, true) ~= nil,
	"DOT says what is left out")
t.ok(dot:find("shape=note", 1, true) ~= nil, "DOT draws the box of hidden nodes")
j = agdb.json(out)
t.ok(j:find('"truncated": {"hidden": ' .. tostring(hidden) .. ', "total": 6002' ..
	', "max_nodes": 5000}', 1, true) ~= nil, "JSON says what is left out")
t.ok(j:find('"kind": "hidden"', 1, true) ~= nil, "JSON has the box of hidden nodes")
t.ok(j:find('"name": "leaf"', 1, true) ~= nil, "JSON keeps the leaf")

local fw = agdb.graph(out, {view = "forward", max_nodes = 500})
t.ok(fw:find("not drawn", 1, true) ~= nil, "the forward view says what it leaves out too")
t.ok(fw:find("◆ leaf", 1, true) ~= nil, "and keeps the input")
t.ok(fw:find("╭─────────────────╮", 1, true) ~= nil or fw:find("out", 1, true) ~= nil,
	"and the root")
local every = agdb.graph(out, {max_nodes = 100000, detail = "compact"})
t.ok(every:find("not drawn", 1, true) == nil, "a big enough max_nodes draws it all")
t.is(count(every, "MulBackward0"), 6000, "all 6,000 steps")
out, leaf = nil, nil
collectgarbage()

-- Many named tensors: names are looked up by id (this took seconds), and
-- tensors without history go last when the drawing must be cut.
for i = 1, 20000 do _G["const" .. i] = torch.zeros(1) end
p = torch.ones(3, {requires_grad = true})
q = (p * 3):sum()
g = agdb.graph(nil, {max_nodes = 50, detail = "compact"})
t.ok(g:find("◆ p", 1, true) ~= nil and g:find("SumBackward0 (q)", 1, true) ~= nil,
	"with 20,000 named constants, the graph of p and q is drawn first")
t.ok(g:find("20000 of ", 1, true) ~= nil or g:find("not drawn", 1, true) ~= nil,
	"and the constants left out are counted")
t.ok(agdb.graph(q):find("MulBackward0", 1, true) ~= nil, "drawing q alone works")
for i = 1, 20000 do _G["const" .. i] = nil end

t.done()
