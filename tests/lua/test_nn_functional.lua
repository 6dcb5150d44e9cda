-- test_nn_functional.lua - built-in modules against PyTorch: default
-- initialisation under a seed (bit for bit), nn.init, forward and backward
-- values of the functional forms, and each module agreeing with its
-- torch.nn.functional twin in outputs and gradients.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/torch_ref.lua")
local nn, F, init = torch.nn, torch.nn.functional, torch.nn.init

local f64 = {dtype = torch.float64}

-- ------------------------------------------------------------ initialisation
torch.manual_seed(0)
local l = nn.Linear(4, 3)
t.is(l.weight:tolist(), ref.linear_4_3_seed0.weight, "manual_seed(0); nn.Linear(4, 3).weight is PyTorch's")
t.is(l.bias:tolist(), ref.linear_4_3_seed0.bias, "and so is its bias")
torch.manual_seed(1)
t.is(nn.Linear(20, 30, {bias = false}).weight:tolist(), ref.linear_20_30_nobias_seed1.weight,
	"Linear(20, 30, {bias=false}) (the 16-at-a-time path of the generator)")
torch.manual_seed(2)
local bl = nn.Bilinear(2, 3, 4)
t.is({bl.weight:tolist(), bl.bias:tolist()}, {ref.bilinear_2_3_4_seed2.weight, ref.bilinear_2_3_4_seed2.bias},
	"Bilinear's initialisation")
torch.manual_seed(3)
local s = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 2))
local same = true
for k, v in pairs(s:state_dict()) do
	same = same and t.is(v:tolist(), ref.sequential_seed3[k], "Sequential initialises " .. k .. " in PyTorch's order")
end

torch.manual_seed(4)
local got = {
	xavier_uniform = init.xavier_uniform_(torch.empty(3, 5)),
	xavier_uniform_gain = init.xavier_uniform_(torch.empty(6, 4), init.calculate_gain("tanh")),
	xavier_normal = init.xavier_normal_(torch.empty(5, 7)),
	kaiming_uniform = init.kaiming_uniform_(torch.empty(4, 6)),
	kaiming_normal_out_relu = init.kaiming_normal_(torch.empty(8, 3), {mode = "fan_out", nonlinearity = "relu"}),
	kaiming_uniform_4d = init.kaiming_uniform_(torch.empty(2, 3, 2, 2), {a = 0.1}),
	normal = init.normal_(torch.empty(3, 3), 1.0, 0.5),
	uniform = init.uniform_(torch.empty(20), -2.0, 3.0),
	normal_big = init.normal_(torch.empty(40), 0.0, 2.0),
}
for _, name in ipairs({"xavier_uniform", "xavier_uniform_gain", "xavier_normal", "kaiming_uniform",
	"kaiming_normal_out_relu", "kaiming_uniform_4d", "normal", "uniform", "normal_big"}) do
	t.is(got[name]:tolist(), ref.init_seed4[name], "nn.init " .. name .. " is PyTorch's")
end
t.is({init.calculate_gain("linear"), init.calculate_gain("tanh"), init.calculate_gain("relu"),
	init.calculate_gain("leaky_relu"), init.calculate_gain("leaky_relu", 0.2), init.calculate_gain("selu")},
	{ref.gains.linear, ref.gains.tanh, ref.gains.relu, ref.gains.leaky_relu, ref.gains.leaky_relu_02, ref.gains.selu},
	"calculate_gain")
t.raises(function() init.calculate_gain("softmax") end, "Unsupported nonlinearity softmax", "an unknown gain")
t.raises(function() init.xavier_uniform_(torch.empty(3)) end,
	"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", "fans need 2 dims")
local w = torch.empty(2, 3)
t.is(init.constant_(w, 0.5):tolist(), {{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, "constant_")
t.is(init.zeros_(w):sum():item() + init.ones_(torch.empty(2)):sum():item(), 2.0, "zeros_ and ones_")
t.is(init.eye_(torch.empty(2, 3)):tolist(), {{1, 0, 0}, {0, 1, 0}}, "eye_")
local p = nn.Parameter(torch.empty(2, 2))
init.uniform_(p)
t.ok(p.is_leaf and p.grad_fn == nil, "init works in place on a parameter without recording")

-- ------------------------------------------------------------ forward and backward against PyTorch
local x = torch.tensor({{0.5, -1.0, 2.0, 0.25}, {1.5, 0.0, -0.5, 3.0}}, {dtype = torch.float64, requires_grad = true})
local W = torch.tensor({{0.1, 0.2, -0.3, 0.4}, {-0.5, 0.6, 0.7, -0.8}, {0.9, -1.0, 1.1, 1.2}},
	{dtype = torch.float64, requires_grad = true})
local b = torch.tensor({0.01, -0.02, 0.03}, {dtype = torch.float64, requires_grad = true})
local y = F.linear(x, W, b)
;(y * y):sum():backward()
t.near(y:tolist(), ref.linear_fb.y, 1e-12, "F.linear forward")
t.near({x.grad:tolist(), W.grad:tolist(), b.grad:tolist()},
	{ref.linear_fb.gx, ref.linear_fb.gw, ref.linear_fb.gb}, 1e-12, "F.linear gradients")

local x1 = torch.tensor({{0.5, -1.0}, {2.0, 0.25}, {1.0, 1.0}}, {dtype = torch.float64, requires_grad = true})
local x2 = torch.tensor({{1.0, 0.5, -0.5}, {0.0, 2.0, 1.0}, {-1.0, 0.5, 0.25}}, {dtype = torch.float64, requires_grad = true})
local bw = (torch.arange(24, f64):reshape(4, 2, 3) / 10 - 1):requires_grad_()
local bb = torch.tensor({0.1, 0.2, 0.3, 0.4}, {dtype = torch.float64, requires_grad = true})
y = F.bilinear(x1, x2, bw, bb)
;(y * y):sum():backward()
t.near(y:tolist(), ref.bilinear_fb.y, 1e-12, "F.bilinear forward")
t.near({x1.grad:tolist(), x2.grad:tolist(), bw.grad:tolist(), bb.grad:tolist()},
	{ref.bilinear_fb.g1, ref.bilinear_fb.g2, ref.bilinear_fb.gw, ref.bilinear_fb.gb}, 1e-12, "F.bilinear gradients")
t.raises(function() F.bilinear(x1, x2:sum(2), bw, bb) end, "bilinear(): input dimensions do not match: got 2 and 1",
	"bilinear checks its inputs")

local a = torch.tensor({0.5, -1.0, 2.0, 0.0}, f64)
local tg = torch.tensor({1.0, 1.0, -1.0, 0.5}, f64)
t.near({F.mse_loss(a, tg):item(), F.mse_loss(a, tg, {reduction = "sum"}):item(), F.l1_loss(a, tg):item(),
	F.l1_loss(a, tg, {reduction = "sum"}):item()},
	{ref.losses.mse_mean, ref.losses.mse_sum, ref.losses.l1_mean, ref.losses.l1_sum}, 1e-12, "mse_loss and l1_loss")
t.near(F.mse_loss(a, tg, {reduction = "none"}):tolist(), ref.losses.mse_none, 1e-12, "reduction='none'")
t.raises(function() F.mse_loss(a, tg, {reduction = "avg"}) end, "avg is not a valid value for reduction",
	"an unknown reduction")

-- ------------------------------------------------------------ module == functional
-- Runs the module and the functional form on clones of the same inputs;
-- outputs and every gradient must be identical.
local function agree(name, module, functional, inputs, call)
	call = call or function(...) return module(...) end
	local function run(fn)
		local xs = {}
		for i, v in ipairs(inputs) do xs[i] = v:detach():clone():requires_grad_() end
		for _, p in ipairs(module:parameters()) do p.grad = nil end
		local out = fn(table.unpack(xs))
		out:sum():backward()
		local grads = {}
		for i, v in ipairs(xs) do grads[i] = v.grad:tolist() end
		for _, p in ipairs(module:parameters()) do grads[#grads + 1] = p.grad:tolist() end
		return out:tolist(), grads
	end
	local mo, mg = run(call)
	local fo, fg = run(functional)
	t.is(mo, fo, name .. ": module and functional give the same output")
	t.is(mg, fg, name .. ": and the same gradients")
end

torch.manual_seed(5)
local xin = torch.randn(3, 4)
local lin = nn.Linear(4, 2)
agree("Linear", lin, function(v) return F.linear(v, lin.weight, lin.bias) end, {xin})
local lnb = nn.Linear(4, 2, {bias = false})
agree("Linear without bias", lnb, function(v) return F.linear(v, lnb.weight) end, {xin})
local bil = nn.Bilinear(4, 3, 2)
agree("Bilinear", bil, function(u, v) return F.bilinear(u, v, bil.weight, bil.bias) end, {xin, torch.randn(3, 3)})
agree("ReLU", nn.ReLU(), F.relu, {xin})
agree("Tanh", nn.Tanh(), F.tanh, {xin})
agree("Sigmoid", nn.Sigmoid(), F.sigmoid, {xin})
agree("Identity", nn.Identity(), function(v) return v * 1 end, {xin})
local tgt = torch.randn(3, 4)
local mse = nn.MSELoss()
agree("MSELoss", mse, function(u) return F.mse_loss(u, tgt) end, {xin}, function(u) return mse(u, tgt) end)
t.is(nn.MSELoss({reduction = "sum"})(xin, tgt):item(), F.mse_loss(xin, tgt, {reduction = "sum"}):item(),
	"MSELoss({reduction='sum'})")
local l1 = nn.L1Loss()
agree("L1Loss", l1, function(u) return F.l1_loss(u, tgt) end, {xin}, function(u) return l1(u, tgt) end)
agree("Flatten", nn.Flatten(), function(v) return v:flatten(2) end, {torch.randn(2, 3, 4)})
local uf = nn.Unflatten(2, {2, 3})
t.is(uf(torch.randn(4, 6, 5)).shape, torch.Size({4, 2, 3, 5}), "Unflatten(2, {2, 3})")
t.is(nn.Unflatten(-1, {2, -1})(torch.randn(3, 8)).shape, torch.Size({3, 2, 4}), "Unflatten with -1")
t.is(nn.Flatten(1, -1)(torch.randn(2, 3, 4)).shape, torch.Size({24}), "Flatten(1, -1)")
local inplace = torch.tensor({-1.0, 2.0})
nn.ReLU(true)(inplace)
t.is(inplace:tolist(), {0.0, 2.0}, "ReLU(true) works in place")
t.is(tostring(nn.ReLU({inplace = true})), "ReLU(inplace=True)", "ReLU's options table")

-- a float64 model end to end
local m64 = nn.Linear(3, 2, {dtype = torch.float64})
t.ok(m64.weight.dtype == torch.float64 and m64(torch.ones(1, 3, f64)).dtype == torch.float64,
	"modules take a dtype")

t.done()
