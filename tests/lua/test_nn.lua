-- test_nn.lua - the module system: Module:extend, registration and its
-- order, parameters/buffers/children as PyTorch iterates them, state dicts
-- and PyTorch's load messages, train/eval, apply, dtype conversion,
-- zero_grad, hooks, containers, PyTorch's repr, and trace scopes.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/torch_ref.lua")
local nn, F = torch.nn, torch.nn.functional

local function names(iter)
	local out = {}
	for name in iter do out[#out + 1] = name end
	return out
end

-- ------------------------------------------------------------ a user module
local Net = nn.Module:extend("Net")
function Net:init(d)
	self.scale = nn.Parameter(torch.ones(1))
	self.fc1 = nn.Linear(d, 4)
	self:register_buffer("steps", torch.zeros(1))
	self.fc2 = nn.Linear(4, 2)
	self.hidden = 4
end
function Net:forward(x) return self.fc2(F.relu(self.fc1(x))) * self.scale end

torch.manual_seed(0)
local net = Net(3)
t.is(names(net:named_parameters()), {"scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"},
	"named_parameters: own parameters first, then children in registration order")
t.is(#net:parameters(), 5, "parameters() is a sequence")
local n = 0
for p in net:parameters() do n = n + (torch.is_tensor(p) and 1 or 0) end
t.is(n, 5, "and also an iterator: for p in m:parameters()")
t.is(names(net:named_buffers()), {"steps"}, "named_buffers")
t.is(names(net:named_children()), {"fc1", "fc2"}, "named_children")
t.is(names(net:named_modules()), {"", "fc1", "fc2"}, "named_modules starts with the module itself")
t.is(#net:children(), 2, "children()")
local sdkeys = {}
for k in pairs(net:state_dict()) do sdkeys[#sdkeys + 1] = k end
t.is(sdkeys, {"scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"},
	"state_dict: pairs visits PyTorch's keys in PyTorch's order")
t.ok(net.fc1.weight == net:parameters()[2], "parameters are reachable as fields")
t.is(net.hidden, 4, "plain attributes are kept")
t.ok(net.training, "a new module is in training mode")
local y = net(torch.ones(2, 3))
t.is(y.shape, torch.Size({2, 2}), "a module is called like a function")
t.ok(nn.is_parameter(net.scale) and not nn.is_parameter(net.steps), "is_parameter")
t.ok(net:isinstance(Net) and net.fc1:isinstance(nn.Linear) and net:isinstance(nn.Module),
	"isinstance follows the class chain")

-- re-assignment moves a name between kinds, as in PyTorch
net.hidden = nn.Tanh()
t.is(names(net:named_children()), {"fc1", "fc2", "hidden"}, "a module assigned over an attribute registers")
net.fc2 = nil
t.is(names(net:named_parameters()), {"scale", "fc1.weight", "fc1.bias"}, "a child set to nil drops out")
t.raises(function() net.scale = torch.ones(1) end,
	"cannot assign 'torch.FloatTensor' as parameter 'scale' (torch.nn.Parameter or None expected)",
	"a plain tensor cannot replace a parameter (PyTorch's text)")
t.raises(function() net.fc1 = 3 end,
	"cannot assign 'int' as child module 'fc1' (torch.nn.Module or None expected)",
	"a number cannot replace a module")
t.raises(function() net:register_buffer("fc1", torch.ones(1)) end, "attribute 'fc1' already exists",
	"register_buffer refuses a taken name")
t.raises(function() net:register_buffer("a.b", torch.ones(1)) end, 'buffer name can\'t contain "."',
	"and a dotted name")
t.raises(function() net:register_parameter("w", torch.ones(1)) end,
	"cannot assign 'torch.FloatTensor' object to parameter 'w' (torch.nn.Parameter or None required)",
	"register_parameter takes Parameters")
t.raises(function() nn.Module()(1) end, 'Module [Module] is missing the required "forward" function',
	"a module without forward")

-- ------------------------------------------------------------ train, eval, apply, conversions
local seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1)))
seq:eval()
local all_eval = true
for m in seq:modules() do all_eval = all_eval and not m.training end
t.ok(all_eval, "eval() reaches every submodule")
t.ok(seq:train() == seq and seq[3][1].training, "train() returns the module and recurses")
t.raises(function() seq:train("yes") end, "training mode is expected to be boolean", "train checks its argument")
local visited = {}
seq:apply(function(m) visited[#visited + 1] = m:_get_name() end)
t.is(visited, {"Linear", "ReLU", "Linear", "Sequential", "Sequential"}, "apply visits children first")
seq:double()
t.ok(seq[1].weight.dtype == torch.float64 and nn.is_parameter(seq[1].weight), "double() converts parameters")
seq:to(torch.float32)
t.ok(seq[3][1].bias.dtype == torch.float32, "to(dtype) converts back")
seq:requires_grad_(false)
t.ok(not seq[1].weight.requires_grad, "requires_grad_(false) freezes")
seq:requires_grad_()

-- zero_grad: zeros by default (PyTorch 1.13), nil with set_to_none
local out = seq(torch.ones(4, 2)):sum()
out:backward()
t.ok(seq[1].weight.grad ~= nil, "backward fills .grad")
seq:zero_grad()
t.is(seq[1].weight.grad:abs():sum():item(), 0.0, "zero_grad() fills zeros by default")
seq:zero_grad({set_to_none = true})
t.ok(seq[1].weight.grad == nil, "zero_grad({set_to_none=true}) clears")

-- ------------------------------------------------------------ state dicts
local a = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
local b = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
local sd = a:state_dict()
t.ok(not sd["0.weight"].requires_grad, "state_dict values are detached")
local r = b:load_state_dict(sd)
t.is({#r.missing_keys, #r.unexpected_keys}, {0, 0}, "a full load reports nothing")
t.is(b[1].weight:tolist(), a[1].weight:tolist(), "load_state_dict copies the values")
sd["2.bias"] = nil
t.raises(function() b:load_state_dict(sd) end, ref.messages.missing, "missing keys: PyTorch's message")
sd = a:state_dict()
sd.extra = torch.zeros(1)
sd["0.weight"] = torch.zeros(3)
t.raises(function() b:load_state_dict(sd) end, ref.messages.unexpected_and_size,
	"unexpected keys and a size mismatch: PyTorch's message")
sd = a:state_dict()
sd["1.weight"] = torch.zeros(1)
sd["0.bias"] = nil
r = b:load_state_dict(sd, {strict = false})
t.is(r.missing_keys, ref.messages.nonstrict_missing, "strict=false returns missing_keys")
t.is(r.unexpected_keys, ref.messages.nonstrict_unexpected, "and unexpected_keys")
sd = a:state_dict()
sd["0.weight"] = torch.zeros(4, 4)
t.raises(function() b:load_state_dict(sd, {strict = false}) end,
	"size mismatch for 0.weight: copying a param with shape torch.Size([4, 4]) from checkpoint, " ..
	"the shape in current model is torch.Size([4, 3]).", "a size mismatch fails even when not strict")
local nb = nn.Module()
nb:register_buffer("keep", torch.ones(2))
nb:register_buffer("tmp", torch.ones(2), {persistent = false})
local nbkeys = {}
for k in pairs(nb:state_dict()) do nbkeys[#nbkeys + 1] = k end
t.is(nbkeys, {"keep"}, "non-persistent buffers stay out of the state dict")
local kv = a:state_dict({keep_vars = true})
t.ok(kv["0.weight"] == a[1].weight, "keep_vars gives the parameters themselves")

-- ------------------------------------------------------------ containers
local ml = nn.ModuleList({nn.Linear(1, 1), nn.ReLU()})
ml:append(nn.Tanh())
ml:insert(1, nn.Sigmoid())
t.is(#ml, 4, "#ModuleList")
local kinds = {}
for i, m in ipairs(ml) do kinds[i] = m:_get_name() end
t.is(kinds, {"Sigmoid", "Linear", "ReLU", "Tanh"}, "ipairs over a ModuleList, insert at 1")
t.is(names(ml:named_parameters()), {"1.weight", "1.bias"}, "children are named from 0 as in PyTorch")
t.ok(ml[-1]:isinstance(nn.Tanh) and ml[5] == nil, "negative positions, nil past the end")
t.raises(function() return ml[0] end, "agdb counts from 1", "index 0 says agdb counts from 1")
local md = nn.ModuleDict({{"act", nn.ReLU(true)}, {"out", nn.Linear(3, 1, {bias = false})}})
t.is(tostring(md), ref.repr.moduledict, "ModuleDict repr, in insertion order")
t.is(md:keys(), {"act", "out"}, "ModuleDict keys")
t.ok(md.out == md["out"] and #md == 2, "ModuleDict access and length")
local named_seq = nn.Sequential({{"first", nn.Linear(2, 2)}, {"act", nn.ReLU()}})
t.is(names(named_seq:named_parameters()), {"first.weight", "first.bias"}, "Sequential with named children")

-- ------------------------------------------------------------ repr
t.is(tostring(nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))), ref.repr.sequential,
	"print(Sequential) is PyTorch's repr")
t.is(tostring(nn.ModuleList({nn.Linear(2, 2), nn.Tanh()})), ref.repr.modulelist, "ModuleList repr")
t.is(tostring(nn.Bilinear(2, 3, 4)), ref.repr.bilinear, "Bilinear repr")
t.is(tostring(nn.Identity()), ref.repr.identity, "Identity repr")
t.is(tostring(nn.MSELoss()) .. " " .. tostring(nn.L1Loss()) .. " " .. tostring(nn.Sigmoid()),
	ref.repr.losses, "loss and activation reprs")
t.is(tostring(nn.Sequential(nn.Sequential(nn.Linear(1, 2)), nn.ModuleList({nn.ReLU()}))),
	ref.repr.nested, "nested containers indent as PyTorch's")
t.is(tostring(nn.Flatten()), "Flatten(start_dim=2, end_dim=-1)", "Flatten shows agdb's 1-based dims")
t.ok(tostring(nn.Parameter(torch.ones(2))):find("^Parameter containing:\ntensor%(%[1%., 1%.%], requires_grad=True%)"),
	"a Parameter prints as PyTorch's")
local Custom = nn.Module:extend("Custom")
function Custom:init() self.lin = nn.Linear(2, 2) end
function Custom:extra_repr() return "k=3" end
t.is(tostring(Custom()), "Custom(\n  k=3\n  (lin): Linear(in_features=2, out_features=2, bias=True)\n)",
	"extra_repr and children together")

-- ------------------------------------------------------------ hooks
local lin = nn.Linear(2, 2)
local seen = {}
local h1 = lin:register_forward_pre_hook(function(m, args)
	seen[#seen + 1] = "pre"
	return args[1] * 2
end)
local h2 = lin:register_forward_hook(function(m, args, output)
	seen[#seen + 1] = "post"
	return output + 100
end)
local x = torch.ones(1, 2)
local with = lin(x)
t.is(seen, {"pre", "post"}, "pre-hook, then forward, then hook")
h1:remove()
h2:remove()
local without = lin(x * 2)
t.near(with:tolist()[1], (without + 100):tolist()[1], 1e-6, "hooks can replace the input and the output")
t.is(#seen, 2, "removed hooks do not run")

-- ------------------------------------------------------------ trace scopes
local Block = nn.Module:extend("Block")
function Block:init()
	self.layers = nn.ModuleList({nn.Linear(2, 2), nn.Linear(2, 2)})
end
function Block:forward(x)
	for _, l in ipairs(self.layers) do x = F.relu(l(x)) end
	return x
end
local Model = nn.Module:extend("Model")
function Model:init() self.encoder = Block() end
function Model:forward(x) return self.encoder(x):sum() end
model = Model()
torch.autograd.clear_trace()
model(torch.ones(1, 2))
local scopes = {}
for _, ev in ipairs(torch.autograd.trace_log()) do
	if ev.op == "relu" or ev.op == "sum" then scopes[#scopes + 1] = ev.scope end
end
t.is(scopes, {"model.encoder", "model.encoder", "model"},
	"ops run in a forward record the module path (root named by its global)")
local mm_scope
for _, ev in ipairs(torch.autograd.trace_log()) do
	if ev.op == "matmul" or ev.op == "mm" or ev.op == "addmm" then mm_scope = mm_scope or ev.scope end
end
t.is(mm_scope, "model.encoder.layers.0", "down to the list element, named as in PyTorch")
torch.autograd.clear_trace()
torch.ones(1):exp()
t.is(torch.autograd.trace_log()[1].scope, "", "outside a forward the scope is empty again")
local Bad = nn.Module:extend("Bad")
function Bad:forward() error("boom") end
pcall(Bad())
torch.autograd.clear_trace()
torch.ones(1):exp()
t.is(torch.autograd.trace_log()[1].scope, "", "an error in forward still pops its scope")
model = nil


-- ------------------------------------------------------------ error positions
-- A mistake in a constructor, a forward or a container names the user's
-- line, not the library's, however deep the check sits (a user class's
-- init calling nn.Linear with a bad keyword is two library frames down).
local here = debug.getinfo(1, "S").short_src
local function position(f)
	local ok, err = pcall(f)
	return not ok and tostring(err):match("^(.-):(%d+): ") or nil,
		not ok and tonumber(tostring(err):match("^.-:(%d+): ")) or nil
end
local Bad = nn.Module:extend("Bad")
function Bad:init() self.fc = nn.Linear(3, 4, {bogus = 1}) end
local cases = {
	{function() local m = nn.Linear(3, 4, {bogus = 1}); return m end, "Linear's keywords"},
	{function() local m = nn.Conv2d(3, 4, 3, {padding_mode = "bad"}); return m end, "Conv2d's padding_mode"},
	{function() local m = nn.Dropout(2); return m end, "Dropout's p"},
	{function() local m = nn.MultiheadAttention(5, 2); return m end, "MultiheadAttention's heads"},
	{function() local m = nn.Sequential(5); return m end, "Sequential's children"},
	{function() local y = nn.Flatten()(5); return y end, "a forward's argument"},
	{function() local m = Bad(); return m end, "a user class's init (its own line)", Bad.init},
}
for _, c in ipairs(cases) do
	local file, line = position(c[1])
	t.is(file, here, c[2] .. ": the error names the calling file")
	t.is(line, debug.getinfo(c[3] or c[1], "S").linedefined, c[2] .. ": and the calling line")
end

t.done()
