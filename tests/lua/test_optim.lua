-- test_optim.lua - SGD, Adam, AdamW, RMSprop and Adagrad against PyTorch
-- 1.13 over several steps (float64 to 1e-12, float32 to 1e-5), parameter
-- groups, zero_grad, state dicts, option checks; gradient clipping.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/torch_ref.lua")
local optim, nn = torch.optim, torch.nn
local R = ref.optim

local function loss_fn(p, q, a, b)
	return (a * p * p):sum() + (b * q:sin()):sum() + p:sum() * q:sum()
end

local function setup(dtype)
	local o = {dtype = dtype}
	local p = torch.tensor(R.P0, o):requires_grad_()
	local q = torch.tensor(R.Q0, o):requires_grad_()
	return p, q, torch.tensor(R.A, o), torch.tensor(R.B, o)
end

local function run(make, dtype, name, tol)
	local p, q, a, b = setup(dtype)
	local opt = make({p, q})
	local want = R.cases[name]
	local ok = true
	for i = 1, R.steps do
		opt:zero_grad()
		loss_fn(p, q, a, b):backward()
		opt:step()
		ok = t.near({p:tolist(), q:tolist()}, {want[i].p, want[i].q}, tol,
			("%s step %d matches PyTorch"):format(name, i)) and ok
		if not ok then break end
	end
	return opt
end

local cases = {
	{"sgd", optim.SGD, {lr = 0.1}},
	{"sgd_momentum", optim.SGD, {lr = 0.05, momentum = 0.9, dampening = 0.1, weight_decay = 0.01}},
	{"sgd_nesterov", optim.SGD, {lr = 0.05, momentum = 0.9, nesterov = true}},
	{"sgd_maximize", optim.SGD, {lr = 0.01, maximize = true, weight_decay = 0.1}},
	{"adam", optim.Adam, {lr = 0.1}},
	{"adam_amsgrad_wd", optim.Adam, {lr = 0.05, betas = {0.8, 0.9}, weight_decay = 0.1, amsgrad = true}},
	{"adam_maximize", optim.Adam, {lr = 0.01, maximize = true, eps = 1e-6}},
	{"adamw", optim.AdamW, {lr = 0.1}},
	{"adamw_amsgrad", optim.AdamW, {lr = 0.05, weight_decay = 0.5, amsgrad = true}},
	{"rmsprop", optim.RMSprop, {lr = 0.01}},
	{"rmsprop_centered_momentum", optim.RMSprop, {lr = 0.01, alpha = 0.9, centered = true, momentum = 0.5, weight_decay = 0.1}},
	{"adagrad", optim.Adagrad, {lr = 0.1}},
	{"adagrad_decay", optim.Adagrad, {lr = 0.1, lr_decay = 0.1, weight_decay = 0.1, initial_accumulator_value = 0.5}},
}
for _, c in ipairs(cases) do
	local name, cls, opts = c[1], c[2], c[3]
	run(function(ps) return cls(ps, opts) end, torch.float64, name .. "_float64", 1e-12)
	run(function(ps) return cls(ps, opts) end, torch.float32, name .. "_float32", 2e-5)
end

-- per-group options
local opt = run(function(ps)
	return optim.SGD({{params = {ps[1]}}, {params = {ps[2]}, lr = 0.01, momentum = 0.5}}, {lr = 0.1})
end, torch.float64, "sgd_groups_float64", 1e-12)
t.is({opt.param_groups[1].lr, opt.param_groups[2].lr, opt.param_groups[1].momentum, opt.param_groups[2].momentum},
	{0.1, 0.01, 0, 0.5}, "param_groups carry per-group options over the defaults")
opt.param_groups[1].lr = 0.5
t.is(opt.param_groups[1].lr, 0.5, "and can be changed between steps")

-- state dict round trip: a fresh optimizer continues identically
local p, q, a, b = setup(torch.float64)
local o1 = optim.Adam({p, q}, {lr = 0.1})
for _ = 1, 3 do
	o1:zero_grad(); loss_fn(p, q, a, b):backward(); o1:step()
end
local sd = o1:state_dict()
t.is(sd.param_groups[1].params, {1, 2}, "state_dict numbers parameters from 1")
t.is(sd.state[1].step, 3, "and keeps each parameter's state")
local p2, q2 = p:detach():clone():requires_grad_(), q:detach():clone():requires_grad_()
local o2 = optim.Adam({p2, q2}, {lr = 0.5})
o2:load_state_dict(sd)
t.is(o2.param_groups[1].lr, 0.1, "load_state_dict restores the options")
o1:zero_grad(); loss_fn(p, q, a, b):backward(); o1:step()
o2:zero_grad(); loss_fn(p2, q2, a, b):backward(); o2:step()
t.is(p2:tolist(), p:tolist(), "and the moments: the next step is the same")
sd.state[1].exp_avg:fill_(99)
t.ok(o2.state[p2].exp_avg:max():item() < 99, "the loaded state is a copy")
t.raises(function() optim.Adam({p}):load_state_dict(sd) end,
	"loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
	"a mismatched group is refused")

-- zero_grad follows PyTorch 1.13: zeros, or nil with set_to_none
local z = torch.ones(2, {requires_grad = true})
local oz = optim.SGD({z}, {lr = 0.1})
;(z * 3):sum():backward()
oz:zero_grad()
t.is(z.grad:tolist(), {0.0, 0.0}, "optimizer zero_grad() fills zeros")
oz:zero_grad({set_to_none = true})
t.ok(z.grad == nil, "zero_grad({set_to_none=true}) clears")
t.is(oz:step(function() (z * 2):sum():backward(); return 7 end), 7, "step(closure) returns the closure's loss")
t.near(z:tolist(), {0.8, 0.8}, 1e-6, "after using the closure's gradients")

-- option checks, in PyTorch's words
t.raises(function() optim.SGD({z}, {lr = -1}) end, "Invalid learning rate: -1", "negative lr")
t.raises(function() optim.SGD({z}) end,
	"parameter group didn't specify a value of required optimization parameter lr", "SGD needs lr")
t.raises(function() optim.SGD({z}, {lr = 0.1, nesterov = true}) end,
	"Nesterov momentum requires a momentum and zero dampening", "nesterov needs momentum")
t.raises(function() optim.Adam({z}, {betas = {1.0, 0.9}}) end, "Invalid beta parameter at index 0: 1.0", "bad beta")
t.raises(function() optim.Adam({}) end, "optimizer got an empty parameter list", "no parameters")
t.raises(function() optim.Adam(z) end, "params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.FloatTensor",
	"a bare tensor")
t.raises(function() optim.Adam({z}, {lr = 0.1, momentum = 0.9}) end, "unexpected keyword argument 'momentum'",
	"an option the optimizer does not have")
t.raises(function() optim.SGD({{params = {z}}, {params = {z}}}, {lr = 0.1}) end,
	"some parameters appear in more than one parameter group", "a parameter in two groups")
t.ok(tostring(optim.SGD({z}, {lr = 0.1})):find("SGD %(\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n"),
	"an optimizer prints as PyTorch's")

-- a model's parameters() is what optimizers take
local model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
local mo = optim.SGD(model:parameters(), {lr = 0.1, momentum = 0.9})
local before = model[1].weight:clone()
mo:zero_grad()
model(torch.ones(4, 2)):sum():backward()
mo:step()
t.ok(model[1].weight:ne(before):sum():item() > 0, "an optimizer moves a model's parameters")

-- ------------------------------------------------------------ clipping
local function grads()
	local ps = {torch.zeros(2, 2, {dtype = torch.float64, requires_grad = true}),
		torch.zeros(3, {dtype = torch.float64, requires_grad = true})}
	ps[1].grad = torch.tensor({{3.0, -4.0}, {1.0, 2.0}}, {dtype = torch.float64})
	ps[2].grad = torch.tensor({0.5, -6.0, 2.5}, {dtype = torch.float64})
	return ps
end
local U = nn.utils
for _, c in ipairs({{"l2", nil}, {"inf", math.huge}, {"l1", 1.0}, {"l3", 3.0}}) do
	local ps = grads()
	local total = U.clip_grad_norm_(ps, 5.0, c[2] and {norm_type = c[2]} or nil)
	local want = ref.clip[c[1]]
	t.ok(torch.is_tensor(total) and total:dim() == 0, "clip_grad_norm_ returns a 0-d tensor (" .. c[1] .. ")")
	t.near({total:item(), ps[1].grad:tolist(), ps[2].grad:tolist()}, {want.total, want.g1, want.g2}, 1e-12,
		"clip_grad_norm_ " .. c[1] .. " as PyTorch")
end
local ps = grads()
U.clip_grad_value_(ps, 2.0)
t.is({ps[1].grad:tolist(), ps[2].grad:tolist()}, {ref.clip.value.g1, ref.clip.value.g2}, "clip_grad_value_")
local vec = U.parameters_to_vector({torch.ones(2, 2), torch.zeros(3)})
t.is(vec:tolist(), {1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0}, "parameters_to_vector")
local targets = {torch.zeros(2, 2), torch.zeros(3)}
U.vector_to_parameters(torch.arange(7):double():float(), targets)
t.is({targets[1]:tolist(), targets[2]:tolist()}, {{{0, 1}, {2, 3}}, {4, 5, 6}}, "vector_to_parameters")

t.done()
