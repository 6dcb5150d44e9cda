-- test_random.lua - torch.Generator in core and the random ops, number for
-- number against PyTorch 1.13 (fixtures/nn1_ref.lua, made by
-- gen_nn1_fixtures.py): bernoulli (number and tensor p), exponential_,
-- random_, multinomial (with and without replacement), randperm,
-- torch.normal's forms, dropout masks, generators' own streams and states.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/nn1_ref.lua")
local F = torch.nn.functional
local f64, i64 = {dtype = torch.float64}, {dtype = torch.int64}

local function seeded(name, fn, what)
	torch.manual_seed(0)
	t.is(fn():tolist(), ref[name], what .. " (PyTorch's numbers)")
end

seeded("bernoulli_p", function() return torch.empty(40):bernoulli_(0.3) end, "bernoulli_(0.3)")
seeded("bernoulli_p_f64", function() return torch.empty(7, 3, f64):bernoulli_(0.7) end, "bernoulli_(0.7) float64 2-d")
seeded("bernoulli_t", function() return torch.bernoulli(torch.linspace(0, 1, 30)) end, "torch.bernoulli(p tensor)")
seeded("bernoulli_t_f64", function() return torch.linspace(0, 1, 30, f64):bernoulli() end, "x:bernoulli() float64")
seeded("bernoulli_bcast", function() return torch.empty(3, 4):bernoulli_(torch.tensor({0.1, 0.5, 0.9, 0.5})) end,
	"bernoulli_(p) with p broadcast")
seeded("exponential", function() return torch.empty(20):exponential_() end, "exponential_()")
seeded("exponential_f64", function() return torch.empty(20, f64):exponential_(2.5) end, "exponential_(2.5) float64")
seeded("random_f32", function() return torch.empty(8):random_() end, "random_() float32")
seeded("random_f64", function() return torch.empty(8, f64):random_() end, "random_() float64")
seeded("random_i64", function() return torch.empty(8, i64):random_() end, "random_() int64")
seeded("random_to", function() return torch.empty(10):random_(10) end, "random_(10)")
seeded("random_from_to", function() return torch.empty(10, i64):random_(-5, 5) end, "random_(-5, 5)")
seeded("multinomial_1", function() return torch.multinomial(torch.tensor({0.1, 0.2, 0.3, 0.4}), 1) end,
	"multinomial, one sample, 1-based")
seeded("multinomial_norep", function()
	return torch.tensor({{0.1, 0.2, 0.3, 0.4}, {1, 1, 1, 1}}):multinomial(3) end, "multinomial without replacement")
seeded("multinomial_rep", function()
	return torch.multinomial(torch.tensor({{0.1, 0.2, 0.3, 0.4}, {1, 1, 1, 1}}), 12, true) end,
	"multinomial with replacement")
seeded("multinomial_f64", function()
	return torch.multinomial(torch.tensor({1, 5, 0, 2}, f64), 40, {replacement = true}) end,
	"multinomial with replacement, float64, a zero weight")
seeded("randperm", function() return torch.randperm(30) end, "randperm(30), 1-based")
seeded("normal_tt", function() return torch.normal(torch.arange(20.0), torch.ones(20) * 2) end,
	"normal(mean tensor, std tensor)")
seeded("normal_tf", function() return torch.normal(torch.arange(5.0), 2) end, "normal(mean tensor, std)")
seeded("normal_ft", function() return torch.normal(1, torch.arange(5.0)) end, "normal(mean, std tensor)")
seeded("normal_ff", function() return torch.normal(1, 2, {3}) end, "normal(mean, std, size)")
seeded("dropout", function() return F.dropout(torch.arange(1.0, 41.0), 0.3) end,
	"F.dropout draws PyTorch's mask (bernoulli_(1-p), then / (1-p))")
seeded("dropout_f64", function() return F.dropout(torch.arange(1.0, 21.0, f64), {p = 0.5}) end, "F.dropout float64")
seeded("rand_like", function() return torch.rand_like(torch.zeros(4)) end, "rand_like")
seeded("randint_like", function() return torch.randint_like(torch.zeros(5), 3, 9) end, "randint_like(x, 3, 9)")
seeded("cauchy", function() return torch.empty(6):cauchy_() end, "cauchy_()")
seeded("cauchy_f64", function() return torch.empty(2, 3, f64):cauchy_(1, 2) end, "cauchy_(1, 2) float64")
seeded("log_normal", function() return torch.empty(20):log_normal_(0, 0.5) end, "log_normal_(0, 0.5)")
seeded("log_normal_f64", function() return torch.empty(5, f64):log_normal_() end, "log_normal_() float64")
seeded("geometric", function() return torch.empty(10):geometric_(0.3) end, "geometric_(0.3)")
seeded("geometric_i64", function() return torch.empty(10, i64):geometric_({p = 0.7}) end, "geometric_{p=0.7} int64")

-- nn.init's random fills: orthogonal_ (PyTorch's Q up to rounding: agdb
-- orthogonalises by Gram-Schmidt, PyTorch by Householder) and trunc_normal_
local init = torch.nn.init
local function near(got, want, tol, what)
	local g, w = torch.tensor(got, f64):flatten(), torch.tensor(want, f64):flatten()
	local err = (g - w):abs():max():item()
	t.ok(err <= tol, what .. " (PyTorch's numbers within " .. tol .. ", off by " .. err .. ")")
end
torch.manual_seed(0)
near(init.orthogonal_(torch.empty(3, 5)):tolist(), ref.orthogonal, 1e-6, "orthogonal_ of a wide matrix")
torch.manual_seed(0)
local o = init.orthogonal_(torch.empty(6, 2, 2, f64), {gain = 0.5})
near(o:tolist(), ref.orthogonal_tall, 1e-12, "orthogonal_ of a tall 3-d float64 tensor, gain 0.5")
local flat = o:reshape(6, 4)
near((flat:t():mm(flat)):tolist(), (torch.eye(4, f64) * 0.25):tolist(), 1e-12, "its columns are orthogonal")
t.raises(function() init.orthogonal_(torch.empty(3)) end, "Only tensors with 2 or more dimensions are supported",
	"orthogonal_ of a vector")
t.is(init.orthogonal_(torch.empty(0, 3)):numel(), 0, "orthogonal_ of an empty tensor is a no-op")
-- trunc_normal_ is PyTorch's bit for bit now that erfinv_ exists
torch.manual_seed(0)
t.is(init.trunc_normal_(torch.empty(30)):tolist(), ref.trunc_normal, "trunc_normal_() (bit for bit)")
torch.manual_seed(0)
t.is(init.trunc_normal_(torch.empty(4, 5, f64), 1.0, 0.5, 0.2, 1.5):tolist(), ref.trunc_normal_f64,
	"trunc_normal_(t, 1, 0.5, 0.2, 1.5) float64 (bit for bit)")
torch.manual_seed(0)
t.is(init.trunc_normal_(torch.empty(4, 5, f64), {mean = 1.0, std = 0.5, a = 0.2, b = 1.5}):tolist(),
	ref.trunc_normal_f64, "trunc_normal_ with keywords")

-- a generator has its own stream; the default one is left alone
torch.manual_seed(0)
local before = torch.rand(2):tolist()
torch.manual_seed(0)
local g = torch.Generator():manual_seed(5)
local got = {torch.rand(3, {generator = g}), torch.randn(20, {generator = g}),
	torch.randint(0, 10, {5}, {generator = g}), torch.randperm(6, {generator = g}),
	torch.empty(5):normal_({generator = g}), torch.empty(5):uniform_(-1, 1, {generator = g}),
	torch.empty(6):bernoulli_(0.5, {generator = g}),
	torch.multinomial(torch.ones(5), 2, {generator = g})}
for i, x in ipairs(got) do
	t.is(x:tolist(), ref.gen5[i], "Generator():manual_seed(5) stream, draw " .. i)
end
t.is(torch.rand(2):tolist(), before, "drawing from a Generator leaves the default generator alone")
t.is(g:initial_seed(), 5, "initial_seed")
t.is(torch.Generator():initial_seed(), 67280421310721, "a new Generator has PyTorch's default seed")
t.ok(torch.manual_seed(3) == torch.default_generator, "manual_seed returns the default generator")
t.is(torch.initial_seed(), 3, "torch.initial_seed")
t.is(torch.default_generator:initial_seed(), 3, "default_generator:initial_seed")
t.is(g.device, "cpu", "generator.device")

-- states
torch.manual_seed(11)
local s = torch.get_rng_state()
local a = torch.rand(3):tolist()
torch.set_rng_state(s)
t.is({a, torch.rand(3):tolist()}, ref.state_roundtrip, "get_rng_state/set_rng_state replays the stream")
local g2 = torch.Generator():manual_seed(1)
torch.randn(3, {generator = g2})	-- leaves a cached normal? (3 < 16: Box-Muller)
local st = g2:get_state()
local x1 = torch.randn(5, {generator = g2}):tolist()
g2:set_state(st)
t.is(torch.randn(5, {generator = g2}):tolist(), x1, "Generator get_state/set_state keeps the cached normal too")
local fresh = torch.Generator()
local sd = fresh:seed()
t.is(fresh:initial_seed(), sd, "seed() returns the new initial seed")
t.raises(function() g2:set_state(torch.zeros(3)) end, "RNG state must be a torch.ByteTensor",
	"set_state checks the state's dtype")
t.raises(function() g2:set_state(torch.zeros(10, {dtype = torch.uint8})) end,
	"Expected either a CPUGeneratorImplStateLegacy of size 5048 or a CPUGeneratorImplState " ..
	"of size 5056 but found the input RNG state size to be 10", "and its size")
t.raises(function() g2:set_state(torch.zeros(5056, {dtype = torch.uint8})) end,
	"Invalid mt19937 state", "and its contents")
t.is(g2:initial_seed(), 1, "a refused state leaves the generator as it was")

-- the state is PyTorch's, byte for byte, both ways
torch.manual_seed(1)
torch.randn(3)
local ps = torch.get_rng_state()
t.is({ps.dtype, ps:size(1)}, {torch.uint8, 5056}, "get_rng_state: 5056 bytes, as PyTorch's")
t.is(ps:tolist(), ref.state_bytes, "the bytes PyTorch 1.13 has after the same draws")
torch.manual_seed(99)
torch.set_rng_state(torch.tensor(ref.state_bytes, {dtype = torch.uint8}))
t.is(torch.randn(5, {dtype = torch.float64}):tolist(), ref.state_then_randn,
	"a state made by PyTorch loads and draws PyTorch's numbers (with its cached normal)")
torch.set_rng_state(torch.tensor(ref.state_bytes, {dtype = torch.uint8}):narrow(1, 1, 5048))
t.is(torch.randn(5, {dtype = torch.float64}):tolist(), ref.legacy_state_then_randn,
	"the older 5048-byte layout loads as PyTorch loads it")
torch.set_rng_state(ps:view(2, 2528))
t.is(torch.randn(5, {dtype = torch.float64}):tolist(), ref.state_then_randn,
	"any shape of the 5056 bytes, as PyTorch")
local fresh_state = torch.Generator():get_state():tolist()
local function le(from, n)	-- a little-endian integer from the bytes
	local v = 0
	for i = from + n - 1, from, -1 do v = v * 256 + fresh_state[i] end
	return v
end
t.is({le(1, 8), le(9, 4), le(13, 4), le(17, 8)}, {67280421310721, 1, 1, 0},
	"a generator never drawn from reports the state of PyTorch's default seed")

-- errors, PyTorch's texts
t.raises(function() torch.empty(3):bernoulli_(1.5) end, "bernoulli_ expects p to be in [0, 1], but got p=1.5", "bernoulli p")
t.raises(function() torch.empty(3):exponential_(-1) end, "exponential_ expects lambda >= 0.0, but found lambda=-1",
	"exponential lambda")
t.raises(function() torch.multinomial(torch.tensor({1.0, 2.0}), 3) end,
	"cannot sample n_sample > prob_dist.size(-1) samples without replacement", "multinomial too many")
t.raises(function() torch.multinomial(torch.tensor({-1.0, 2.0}), 1) end,
	"probability tensor contains either `inf`, `nan` or element < 0", "multinomial negative")
t.raises(function() torch.multinomial(torch.tensor({0.0, 0.0}), 2, true) end,
	"invalid multinomial distribution (sum of probabilities <= 0)", "multinomial zero sum")
t.raises(function() torch.multinomial(torch.tensor({1, 2}), 1) end,
	"multinomial only supports floating-point dtypes for input, got: Long", "multinomial ints")
t.raises(function() torch.multinomial(torch.ones(2, 2, 2), 1) end, "prob_dist must be 1 or 2 dim", "multinomial 3-d")
t.raises(function() torch.randperm(-1) end, "Trying to create tensor with negative dimension -1: [-1]", "randperm -1")
t.raises(function() torch.bernoulli(torch.tensor({1, 2})) end,
	"\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'", "bernoulli ints")
t.raises(function() torch.empty(3, i64):exponential_() end, "\"exponential_cpu\" not implemented for 'Long'",
	"exponential ints")
t.raises(function() torch.normal(torch.zeros(2), torch.tensor({-1.0, 1.0})) end,
	"normal expects all elements of std >= 0.0", "normal negative std")
t.raises(function() torch.rand(2, {generator = 3}) end, "keyword 'generator' must be a torch.Generator",
	"a generator keyword that is not one")
t.raises(function() torch.zeros(2, {generator = g}) end, "generator", "zeros takes no generator")
t.raises(function() torch.empty(3):log_normal_(0, 0) end, "log_normal_ expects std > 0.0, but found std=0",
	"log_normal_ std")
t.raises(function() torch.empty(3):geometric_(1) end, "geometric_ expects p to be in (0, 1), but got p=1", "geometric_ p")
t.raises(function() torch.empty(3):geometric_() end, "missing 1 required positional arguments: \"p\"",
	"geometric_ needs p")
t.raises(function() torch.empty(3, i64):cauchy_() end, "\"cauchy_cpu\" not implemented for 'Long'", "cauchy_ ints")
t.raises(function() torch.empty(3, {dtype = torch.bool}):geometric_(0.5) end,
	"\"geometric_cpu\" not implemented for 'Bool'", "geometric_ bools")
t.raises(function() F.dropout(torch.ones(2), 1.5) end,
	"dropout probability has to be between 0 and 1, but got 1.5", "dropout p")

-- dropout: eval is the identity, p = 1 zeros, the functional form is stateless
local x = torch.randn(4, 5)
t.ok(F.dropout(x, 0.5, false) == x, "F.dropout(x, p, false) returns x itself, as PyTorch")
t.is(F.dropout(x, {p = 1.0}):abs():sum():item(), 0.0, "p = 1 drops everything")
local xr = torch.ones(1000, {requires_grad = true})
local y = F.dropout(xr, 0.25)
t.is(y.grad_fn:name(), "MulBackward0", "dropout's node is PyTorch 1.13's MulBackward0")
y:sum():backward()
t.is((xr.grad - y:detach()):abs():max():item(), 0.0, "dropout's gradient is its mask / (1 - p)")
t.done()
