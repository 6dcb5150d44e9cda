-- test_debug_gradflow.lua - agdb.gradflow: a row per parameter with its
-- bars, statistics, update ratio and history, and distinct marks for "no
-- gradient reached it" and "exactly zero"; agdb.set thresholds.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local function has(s, text, name)
	return t.ok(s:find(text, 1, true), name .. " (" .. text:gsub("\n", "\\n") .. ")")
end

torch.manual_seed(0)
local Net = nn.Module:extend("Net")
function Net:init()
	self.fc1 = nn.Linear(3, 4)
	self.fc2 = nn.Linear(4, 1)
	self.unused = nn.Linear(2, 2)	-- never called: no gradient reaches it
	self.dead = nn.Linear(3, 2)	-- called, but its output is multiplied by 0
end
function Net:forward(x)
	return self.fc2(F.relu(self.fc1(x))) + (self.dead(x) * 0):sum()
end
net = Net()
local r = agdb.gradflow(net)
t.is(#r.rows, 8, "a row per parameter")
t.is(r.rows[1].name, "fc1.weight", "module path names")
t.is(r.rows[1].state, "none", "before any backward: no gradient")
has(r.text, "no update ratio yet: they are kept from now on", "no optimizer step yet: says when ratios come")

local opt = optim.SGD(net:parameters(), {lr = 0.1})
local x = torch.randn(8, 3)
for i = 1, 3 do
	opt:zero_grad()
	local loss = net(x):pow(2):mean()
	loss:backward()
	opt:step()
end
r = agdb.gradflow(net)
local by = {}
for _, row in ipairs(r.rows) do by[row.name] = row end
t.is(by["fc1.weight"].state, "ok", "a layer in use: ok")
t.is(by["fc1.weight"].mark, " ", "ok has a blank mark")
t.near(by["fc1.weight"].mean_abs, net.fc1.weight.grad:abs():mean():item(), 1e-5, "mean |g| is the .grad's")
t.near(by["fc1.weight"].max_abs, net.fc1.weight.grad:abs():max():item(), 1e-5, "max |g| is the .grad's")
t.is(by["unused.weight"].state, "none", "an unused layer: no gradient reached it")
t.is(by["unused.weight"].word, "no gradient reached it", "in words")
t.is(by["dead.weight"].state, "zero", "a layer multiplied by zero: exactly zero")
t.is(by["dead.weight"].word, "exactly zero", "in words")
t.ok(by["unused.weight"].mark ~= by["dead.weight"].mark, "the two get different marks")
t.is(#by["fc1.weight"].history, 3, "the history has the 3 passes")
t.ok(by["fc1.weight"].update_ratio and by["fc1.weight"].update_ratio > 0, "an update ratio after opt:step()")
-- the ratio is |new - old| / |old|
local before = net.fc2.weight:detach():clone()
opt:zero_grad()
net(x):pow(2):mean():backward()
opt:step()
local want = ((net.fc2.weight:detach() - before):pow(2):sum():sqrt() / before:pow(2):sum():sqrt()):item()
r = agdb.gradflow(net)
for _, row in ipairs(r.rows) do by[row.name] = row end
t.near(by["fc2.weight"].update_ratio, want, 1e-4, "the update-to-data ratio of the last step")
t.is(#by["fc2.weight"].history, 4, "one more pass in the history")
t.ok(utf8.len(by["fc2.weight"].sparkline) == 4, "a sparkline mark per pass")
t.ok(by["fc2.weight"].mean_bar:find("█"), "a bar for mean |g|")
-- the text
has(r.text, "gradient flow", "the heading")
has(r.text, "fc1.weight", "a row's name")
has(r.text, "no gradient reached it (unused or detached)", "the unused row says so")
has(r.text, "exactly zero", "the zero row says so")
has(r.text, "update", "the update column")
t.ok(not r.text:find("no update ratio yet", 1, true), "with ratios, no word about their absence")
t.raises(function() agdb.gradflow(3) end, "agdb.gradflow: expected a module, a tensor or a list of tensors, got number",
	"a number is not something with gradients")

-- NaN, Inf and the thresholds
a = torch.ones(3, {requires_grad = true})
b = torch.ones(3, {requires_grad = true})
c = torch.ones(3, {requires_grad = true})
d = torch.ones(3, {requires_grad = true})
lossv = ((a * (0 / 0)) + (b * math.huge) + c * 1e-9 + d * 1e5):sum()
lossv:backward()
-- the graph marks each problem its own way, and its legend says so
local g = agdb.graph(lossv)
has(g, "? grad: 3 NaN, 0 Inf", "the graph: NaN")
has(g, "∞ grad: 0 NaN, 3 Inf", "the graph: Inf")
has(g, "↓ grad vanishing (max 1.0e-09)", "the graph: vanishing")
has(g, "↑ grad exploding (max 1.0e+05)", "the graph: exploding")
has(g, "↓  vanishing gradient: max |g| below 1e-07", "the legend: vanishing, with its threshold")
has(g, "↑  exploding gradient: max |g| above 1e+03", "the legend: exploding, with its threshold")
r = agdb.gradflow({a, b, c, d})
t.is(r.rows[1].state, "nan", "NaN")
t.is(r.rows[2].state, "inf", "Inf")
t.is(r.rows[3].state, "vanishing", "below 1e-7: vanishing")
t.is(r.rows[4].state, "exploding", "above 1e3: exploding")
t.is(r.rows[1].name, "a", "global names for a list of tensors")
local marks = {}
for _, row in ipairs(r.rows) do marks[row.mark] = true end
local n = 0
for _ in pairs(marks) do n = n + 1 end
t.is(n, 4, "four distinct marks")
local s = agdb.set({vanish = 1e-10, explode = 1e6})
t.is(s.vanish, 1e-10, "agdb.set vanish")
t.is(s.explode, 1e6, "agdb.set explode")
r = agdb.gradflow({c, d})
t.is(r.rows[1].state, "ok", "past the new vanish threshold: ok")
t.is(r.rows[2].state, "ok", "below the new explode threshold: ok")
agdb.set{vanish = 1e-8}
has(agdb.graph(lossv), "↓  vanishing gradient: max |g| below 1e-08", "the legend follows agdb.set")
t.ok(not agdb.graph(lossv):find("grad exploding"), "and so do the marks")
agdb.set{vanish = 1e-7, explode = 1e3}
t.raises(function() agdb.set{nope = 1} end, "unknown setting 'nope'", "an unknown setting")
t.raises(function() agdb.set{vanish = "x"} end, "must be a number", "a bad value")
t.done()
