-- test_nn_activation.lua - torch.nn.functional's elementwise activations
-- and their modules (issue 11): values as PyTorch 1.13 gives them
-- (literal float64 results printed by PyTorch, as hex), arguments by
-- position or keyword, inplace, the modules' printed form, errors.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local nn = torch.nn
local F = nn.functional

local x = torch.tensor({-1.5, 0.5, 2.0}, {dtype = torch.float64})
local cases = {
	{"F.leaky_relu(x, 0.2)", F.leaky_relu(x, 0.2), {-0x1.3333333333334p-2, 0.5, 2}},
	{"F.leaky_relu(x, {negative_slope = 0.2})", F.leaky_relu(x, {negative_slope = 0.2}),
		{-0x1.3333333333334p-2, 0.5, 2}},
	{"F.elu(x, 0.5)", F.elu(x, 0.5), {-0x1.8dc1e236d28f9p-2, 0.5, 2}},
	{"F.gelu(x, {approximate = 'tanh'})", F.gelu(x, {approximate = "tanh"}),
		{-0x1.9b5ad587570d8p-4, 0x1.6202da77df3f9p-2, 0x1.f46083b4f1aa6p+0}},
	{"F.softplus(x, 2, 1)", F.softplus(x, 2, 1), {0x1.8e070fc045701p-6, 0x1.5031eafefb049p-1, 2}},
	{"F.softplus(x, {beta = 2})", F.softplus(x, {beta = 2}),
		{0x1.8e070fc045701p-6, 0x1.5031eafefb049p-1, 0x1.01295e50b53b6p+1}},
	{"F.hardtanh(x, -0.5, 1.5)", F.hardtanh(x, -0.5, 1.5), {-0.5, 0.5, 1.5}},
	{"F.relu6(x * 4)", F.relu6(x * 4), {0, 2, 6}},
	{"F.threshold(x, 0.6, -3)", F.threshold(x, 0.6, -3), {-3, -3, 2}},
	{"F.selu(x)", F.selu(x), {-0x1.5da6026c1ea72p+0, 0x1.0cfabd6a91132p-1, 0x1.0cfabd6a91132p+1}},
	{"F.celu(x, 0.5)", F.celu(x, 0.5), {-0x1.e6824f33314f5p-2, 0.5, 2}},
	{"F.silu(x)", F.silu(x), {-0x1.1834a280394c4p-2, 0x1.3eb2fd4d34391p-2, 0x1.c2f7d5a8a79c9p+0}},
	{"F.mish(x)", F.mish(x), {-0x1.31410f0e35b9fp-2, 0x1.804047da23fa2p-2, 0x1.f1a74b5bf6f63p+0}},
	{"F.hardswish(x)", F.hardswish(x), {-0x1.8p-2, 0x1.2aaaaaaaaaaabp-2, 0x1.aaaaaaaaaaaabp+0}},
	{"F.hardsigmoid(x)", F.hardsigmoid(x), {0.25, 0x1.2aaaaaaaaaaabp-1, 0x1.aaaaaaaaaaaabp-1}},
	{"F.logsigmoid(x)", F.logsigmoid(x),
		{-0x1.b38fd211ea842p+0, -0x1.e5746fdb5c064p-2, -0x1.03f2d54301d49p-3}},
	{"F.softsign(x)", F.softsign(x), {-0x1.3333333333333p-1, 0x1.5555555555555p-2, 0x1.5555555555555p-1}},
	{"nn.LeakyReLU(0.2)", nn.LeakyReLU(0.2)(x), {-0x1.3333333333334p-2, 0.5, 2}},
	{"nn.Softplus({beta = 2})", nn.Softplus({beta = 2})(x),
		{0x1.8e070fc045701p-6, 0x1.5031eafefb049p-1, 0x1.01295e50b53b6p+1}},
	{"nn.GELU('tanh')", nn.GELU("tanh")(x),
		{-0x1.9b5ad587570d8p-4, 0x1.6202da77df3f9p-2, 0x1.f46083b4f1aa6p+0}},
	{"nn.ReLU6()", nn.ReLU6()(x * 4), {0, 2, 6}},
	{"nn.Threshold(0.6, -3)", nn.Threshold(0.6, -3)(x), {-3, -3, 2}},
	{"nn.Hardtanh(-0.5, 1.5)", nn.Hardtanh(-0.5, 1.5)(x), {-0.5, 0.5, 1.5}},
	{"nn.ELU({alpha = 0.5})", nn.ELU({alpha = 0.5})(x), {-0x1.8dc1e236d28f9p-2, 0.5, 2}},
}
for _, c in ipairs(cases) do
	t.near(c[2]:tolist(), c[3], 1e-15, c[1] .. " as PyTorch")
end

-- inplace: the argument after the numbers, or the keyword
local y = x:clone()
t.ok(rawequal(F.leaky_relu(y, 0.2, true), y), "F.leaky_relu(y, 0.2, true) returns y")
t.near(y:tolist(), {-0x1.3333333333334p-2, 0.5, 2}, 1e-15, "and writes into it")
y = x:clone()
F.silu(y, {inplace = true})
t.near(y:tolist(), {-0x1.1834a280394c4p-2, 0x1.3eb2fd4d34391p-2, 0x1.c2f7d5a8a79c9p+0}, 1e-15,
	"F.silu(y, {inplace = true})")
y = x:clone()
t.ok(rawequal(F.elu_(y, 0.5), y), "F.elu_ returns its input")
t.near(y:tolist(), {-0x1.8dc1e236d28f9p-2, 0.5, 2}, 1e-15, "F.elu_(y, 0.5)")
y = x:clone()
F.hardtanh_(y, {min_val = -0.5, max_val = 1.5})
t.is(y:tolist(), {-0.5, 0.5, 1.5}, "F.hardtanh_ with keywords")
y = x:clone()
F.threshold_(y, 0.6, -3)
t.is(y:tolist(), {-3, -3, 2}, "F.threshold_")
y = x:clone()
local m = nn.ReLU6(true)
t.ok(rawequal(m(y), y), "nn.ReLU6(true) works in place")
local leaf = x:clone():requires_grad_()
t.raises(function() F.leaky_relu(leaf, 0.1, true) end,
	"a leaf Variable that requires grad is being used in an in-place operation.",
	"inplace on a leaf that requires grad")
t.is(F.leaky_relu(leaf, 0.1).grad_fn:name(), "LeakyReluBackward0", "F.leaky_relu's node")
t.is(F.relu6(leaf).grad_fn:name(), "HardtanhBackward0", "F.relu6's node is hardtanh's")
t.is(F.selu(leaf).grad_fn:name(), "EluBackward0", "F.selu's node is elu's")
t.is(F.softsign(leaf).grad_fn:name(), "DivBackward0", "F.softsign is made of ops")
local z = leaf * 1
F.elu(z, {inplace = true})
t.is(z.grad_fn:name(), "EluBackward1", "F.elu in place: EluBackward1")

-- the modules print as PyTorch's
local reprs = {
	{nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"},
	{nn.LeakyReLU(0.2, true), "LeakyReLU(negative_slope=0.2, inplace=True)"},
	{nn.ELU(), "ELU(alpha=1.0)"},
	{nn.CELU({alpha = 0.5, inplace = true}), "CELU(alpha=0.5, inplace=True)"},
	{nn.SELU(), "SELU()"},
	{nn.GELU(), "GELU(approximate='none')"},
	{nn.GELU({approximate = "tanh"}), "GELU(approximate='tanh')"},
	{nn.Softplus(), "Softplus(beta=1, threshold=20)"},
	{nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"},
	{nn.ReLU6(), "ReLU6()"},
	{nn.Threshold(0.5, 1), "Threshold(threshold=0.5, value=1)"},
	{nn.SiLU(true), "SiLU(inplace=True)"},
	{nn.Mish(), "Mish()"},
	{nn.Hardswish(), "Hardswish()"},
	{nn.Hardsigmoid({inplace = true}), "Hardsigmoid(inplace=True)"},
	{nn.LogSigmoid(), "LogSigmoid()"},
	{nn.Softsign(), "Softsign()"},
}
for _, r in ipairs(reprs) do t.is(tostring(r[1]), r[2], r[2]) end

-- a model with them trains: gradients reach the weights
torch.manual_seed(0)
local net = nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 4), nn.LeakyReLU(0.1),
	nn.Linear(4, 1), nn.Softplus())
local out = net(torch.randn(5, 3)):sum()
out:backward()
t.ok(net[1].weight.grad ~= nil and net[1].weight.grad:abs():sum():item() > 0,
	"gradients flow through GELU, LeakyReLU, Softplus")

-- errors
t.raises(function() F.leaky_relu(x, {slope = 1}) end,
	"leaky_relu() got an unexpected keyword argument 'slope'", "an unknown keyword")
t.raises(function() F.elu(3) end,
	"elu(): argument 'input' (position 1) must be Tensor, not number", "input must be a tensor")
t.raises(function() F.gelu(x, "fast") end,
	"approximate argument must be either none or tanh.", "gelu's approximate")
t.raises(function() F.celu(x, 0) end, "ZeroDivisionError", "celu's alpha 0")
t.raises(function() F.relu6(x, true, 1) end,
	"relu6() takes from 1 to 2 positional arguments but 3 were given", "too many arguments")
t.done()
