-- test_nn_scope.lua - module paths in the trace log and the graph (issue
-- 12): each module's forward records its path (`mlp.0`, `block.self_attn`,
-- `enc.layers.1.linear2`) as the scope of the ops it runs, and agdb.graph's
-- {collapse=} draws a model collapsed by module or expanded.  Golden files
-- (tests/lua/golden/nn_*.txt) of a two-layer MLP and a transformer block,
-- collapsed and expanded; regenerate with AGDB_REGEN=1 and read them by eye.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local nn = torch.nn
local ag = torch.autograd
local golden = dofile(os.getenv("top_srcdir") .. "/tests/lua/golden.lua")(t)

-- the scopes the trace log holds, in first-seen order
local function scopes()
	local seen, list = {}, {}
	for _, e in ipairs(ag.trace_log()) do
		if e.scope ~= "" and not seen[e.scope] then
			seen[e.scope] = true
			list[#list + 1] = e.scope
		end
	end
	return list
end

local function has(list, v)
	for _, x in ipairs(list) do if x == v then return true end end
	return false
end

t.ok(ag.is_trace_enabled(), "the trace log is on (the default)")

-- ------------------------------------------------------------ a two-layer MLP
ag.clear_trace()
torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
local x = torch.randn(5, 4)
loss = mlp(x):pow(2):mean()
t.is(scopes(), {"mlp.0", "mlp.1", "mlp.2"},
	"an MLP's ops record mlp.0, mlp.1, mlp.2 (the global's name, then PyTorch's child names; " ..
	"Sequential itself runs no op)")
golden("nn_mlp_expanded", agdb.graph(loss, {detail = "compact"}))
golden("nn_mlp_collapsed", agdb.graph(loss, {detail = "compact", collapse = 1}))
golden("nn_mlp_layers", agdb.graph(loss, {detail = "compact", collapse = 2}))
golden("nn_mlp_one_layer", agdb.graph(loss, {detail = "compact", collapse = {"mlp.0"}}))
t.is(agdb.graph(loss, {detail = "compact", collapse = 0}), agdb.graph(loss, {detail = "compact"}),
	"collapse = 0 is the expanded drawing")
t.is(agdb.graph(loss, {detail = "compact", collapse = "mlp"}),
	agdb.graph(loss, {detail = "compact", collapse = 1}), "collapse = 'mlp' is collapse = 1 here")

-- a module of one's own: its fields' names are the path
local Net = nn.Module:extend("Net")
function Net:init()
	self.fc1 = nn.Linear(4, 3)
	self.act = nn.ReLU()
	self.fc2 = nn.Linear(3, 2)
end
function Net:forward(v) return self.fc2(self.act(self.fc1(v))) end
ag.clear_trace()
net = Net()
net(x)
t.is(scopes(), {"net.fc1", "net.act", "net.fc2"}, "a Module:extend model records net.fc1, net.act, net.fc2")
local unnamed = Net()
ag.clear_trace()
unnamed(x)
t.is(scopes()[1], "Net.fc1", "a model in no global is named by its class")
net, unnamed = nil, nil

-- the trace off: no scopes, and the forward still works
ag.set_trace_enabled(false)
ag.clear_trace()
t.is(mlp(x).shape, torch.Size({5, 2}), "with the trace off the forward runs")
ag.set_trace_enabled(true)
t.is(#scopes(), 0, "and records nothing")

-- ------------------------------------------------------------ a transformer block
ag.clear_trace()
torch.manual_seed(1)
block = nn.TransformerEncoderLayer(4, 2, {dim_feedforward = 8, dropout = 0})
local src = torch.randn(3, 1, 4)
out = block(src):sum()
local s = scopes()
for _, name in ipairs({"block", "block.self_attn", "block.norm1", "block.linear1", "block.linear2",
		"block.norm2"}) do
	t.ok(has(s, name), "a transformer block records " .. name)
end
golden("nn_block_expanded", agdb.graph(out, {detail = "compact"}))
golden("nn_block_collapsed", agdb.graph(out, {detail = "compact", collapse = 1}))
golden("nn_block_modules", agdb.graph(out, {detail = "compact", collapse = 2}))
golden("nn_block_attention", agdb.graph(out, {detail = "compact", collapse = {"block.self_attn"}}))

-- an encoder: the layers' paths are PyTorch's state_dict prefixes
ag.clear_trace()
torch.manual_seed(2)
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, {dim_feedforward = 8, dropout = 0}), 2)
enc(src)
s = scopes()
for _, name in ipairs({"enc.layers.0.self_attn", "enc.layers.1.self_attn", "enc.layers.1.linear2"}) do
	t.ok(has(s, name), "an encoder records " .. name)
end
t.ok(not has(s, "enc.layers"), "the ModuleList itself runs no forward, so only its layers appear")

-- ------------------------------------------------------------ collapse's errors
t.raises(function() agdb.graph(loss, {collapse = "nope"}) end, "no module scope 'nope'",
	"collapse names a scope the graph lacks")
t.raises(function() agdb.graph(loss, {collapse = -1}) end, "collapse must be a depth", "collapse = -1")
t.raises(function() agdb.graph(loss, {collapse = 1.5}) end, "collapse must be a depth", "collapse = 1.5")
t.raises(function() agdb.graph(loss, {collapse = {5}}) end, "entry 1 must be a module path", "collapse = {5}")
t.raises(function() agdb.graph(loss, {collapse = true}) end, "got boolean", "collapse = true")
t.is(agdb.graph(loss, {detail = "compact"}), agdb.graph(loss, {detail = "compact", collapse = 0}),
	"the session is intact after the errors")

mlp, loss, block, out, enc = nil, nil, nil, nil, nil
t.done()
