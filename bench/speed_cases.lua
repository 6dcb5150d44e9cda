-- bench/speed_cases.lua - the cases of the speed table (issues 11 and 13),
-- timed in agdb.  bench/speed_cases.py times the same cases in PyTorch the
-- same way, and bench/speed.lua joins both into one table.  Run by ./agdb:
--
--   OMP_NUM_THREADS=N OPENBLAS_NUM_THREADS=N agdb bench/speed_cases.lua
--
-- agdb has no thread API: its OpenMP loops and OpenBLAS read those two
-- variables when the process starts, so the driver runs this file once per
-- thread count.  AGDB_BENCH_MIN_TIME (seconds per case, default 0.5) and
-- AGDB_BENCH_CASES (comma-separated substrings of case names) narrow a run.
--
-- Timing, identical in the twin file: warm up for 0.1 s (at least two
-- calls), then samples of k calls, k chosen so a sample lasts about 2 ms,
-- until the minimum time has passed and there are at least five samples;
-- the figure is the median of the samples' per-call times.  The garbage
-- collector runs inside the samples, as it does in a user's loop.
--
-- Output, one line per case: name, seconds (or "n/a"), checks, note, tab
-- separated; the note ends with the mean per-call time.  Checks say what
-- the driver compares, ';' separated:
--   pt<=R          agdb / PyTorch at most R
--   self<=R:CASE   agdb / agdb's own CASE at most R
--   blas>=R:CASE   CASE (cblas called directly) time / agdb time at least R
-- A case whose op does not exist yet prints "n/a" and "needs OP", found by
-- running it once under pcall; the table fills in as the ops land.
local torch = require "torch"
local nn, F, optim = torch.nn, torch.nn.functional, torch.optim
-- AGDB_BENCH_CPU=1: CPU time of the process instead of wall time (for
-- 1-thread runs on a busy machine, where waiting for a CPU is not the op's)
local clock = os.getenv("AGDB_BENCH_CPU") and os.clock or torch._C.clock

local MIN_TIME = tonumber(os.getenv("AGDB_BENCH_MIN_TIME") or "") or 0.5
local WARM, SAMPLE = 0.1, 0.002
local only = {}
for s in (os.getenv("AGDB_BENCH_CASES") or ""):gmatch("[^,]+") do only[#only + 1] = s end

local function wanted(name)
	if #only == 0 then return true end
	for _, s in ipairs(only) do
		if name:find(s, 1, true) then return true end
	end
	return false
end

-- Median per-call seconds of f, the number of calls per sample, and the
-- mean over all samples (which, unlike the median, carries the rare long
-- pauses: full garbage collections, or another process taking the CPU).
local function measure(f)
	local t0, n = clock(), 0
	repeat
		f()
		n = n + 1
	until n >= 2 and clock() - t0 >= WARM
	local per = (clock() - t0) / n
	local k = per >= SAMPLE and 1 or math.floor(SAMPLE / per)
	local samples, start = {}, clock()
	repeat
		local s = clock()
		for _ = 1, k do f() end
		samples[#samples + 1] = (clock() - s) / k
	until #samples >= 10000 or (#samples >= 5 and clock() - start >= MIN_TIME)
	local total = 0
	for _, x in ipairs(samples) do total = total + x end
	table.sort(samples)
	local m = #samples
	local med = m % 2 == 1 and samples[(m + 1) // 2] or (samples[m // 2] + samples[m // 2 + 1]) / 2
	return med, k, total / m
end

-- "needs softmax" from "attempt to call a nil value (method 'softmax')".
local function missing_op(err)
	local what = tostring(err):match("attempt to call a nil value %(%a+ '([%w_.]+)'%)")
		or tostring(err):match("attempt to index a nil value %(field '([%w_]+)'%)")
	if what then return "needs " .. what end
	return "error: " .. tostring(err):gsub("^[^:]*:%d+: ", ""):gsub("[\t\n].*", "")
end

local cases = {}

-- case(name, checks, setup): setup() builds the inputs and returns the
-- function to time (it may also return a function to call after timing,
-- to restore a global setting).
local function case(name, checks, setup)
	cases[#cases + 1] = {name = name, checks = checks, setup = setup}
end

-- ------------------------------------------------------------ per-op overhead

case("1-el c = a + b", "pt<=0.5", function()
	local a, b = torch.randn(1), torch.randn(1)
	return function() local c = a + b end
end)

case("1-el c = a + b, trace off", "", function()
	local a, b = torch.randn(1), torch.randn(1)
	torch.autograd.set_trace_enabled(false)
	return function() local c = a + b end,
		function() torch.autograd.set_trace_enabled(true) end
end)

case("(x*2+1):sum():backward() 1-el", "pt<=0.3", function()
	local x = torch.randn(1, {requires_grad = true})
	return function() (x * 2 + 1):sum():backward() end
end)

-- ------------------------------------------------------------ matrix products

local function matmul_case(dt, dtname, n, checks)
	case(("matmul %s %d"):format(dtname, n), checks, function()
		local a = torch.rand(n, n):to(dt)
		local b = torch.rand(n, n):to(dt)
		return function() local c = a:matmul(b) end
	end)
end

matmul_case(torch.float32, "f32", 1024, "pt<=1.05;blas>=0.9:cblas_sgemm 1024")
matmul_case(torch.float64, "f64", 1024, "pt<=1.05;blas>=0.9:cblas_dgemm 1024")
matmul_case(torch.float64, "f64", 256, "blas>=0.9:cblas_dgemm 256")
matmul_case(torch.bfloat16, "bf16", 1024, "pt<=1.0;self<=1.0:matmul f32 1024")
-- PyTorch 1.13 has no float16 matmul on the CPU (its column stays n/a,
-- with its error in the notes): agdb's float16 is held to its own float32
matmul_case(torch.float16, "f16", 1024, "self<=1.0:matmul f32 1024")

-- a linear layer's three products in bfloat16 (batch 64, 784 -> 256):
-- forward x @ w:t(), input gradient g @ w, weight gradient g:t() @ x;
-- beside PyTorch without a target (issue 13 names the 1024^2 product)
local function linear_products(label, f)
	case("bf16 linear " .. label, "", function()
		local x = torch.rand(64, 784):to(torch.bfloat16)
		local w = torch.rand(256, 784):to(torch.bfloat16)
		local g = torch.rand(64, 256):to(torch.bfloat16)
		return function() local y <close> = f(x, w, g) end
	end)
end

linear_products("x @ w:t() 64x784x256", function(x, w, g) return x:matmul(w:t()) end)
linear_products("g @ w 64x256x784", function(x, w, g) return g:matmul(w) end)
linear_products("g:t() @ x 256x64x784", function(x, w, g) return g:t():matmul(x) end)

-- ------------------------------------------------------------ big elementwise

local N = 10 * 1000 * 1000

local function elementwise(label, dt, dtname, checks, f)
	case(("%s %s 10M"):format(label, dtname), checks, function()
		local a, b, c = torch.randn(N):to(dt), torch.randn(N):to(dt), torch.randn(N):to(dt)
		return function() f(a, b, c) end
	end)
end

-- `<close>` frees each result at once, as PyTorch frees `r` when its
-- function returns (without it agdb's results wait for the collector)
elementwise("a + b", torch.float32, "f32", "pt<=0.33", function(a, b) local r <close> = a + b end)
elementwise("a * b", torch.float32, "f32", "pt<=0.33", function(a, b) local r <close> = a * b end)
elementwise("a * b + c", torch.float32, "f32", "pt<=0.33", function(a, b, c) local r <close> = a * b + c end)
elementwise("a + b", torch.float16, "f16", "pt<=1.0", function(a, b) local r <close> = a + b end)
elementwise("a * b", torch.float16, "f16", "pt<=1.0", function(a, b) local r <close> = a * b end)
elementwise("a + b", torch.bfloat16, "bf16", "pt<=1.0", function(a, b) local r <close> = a + b end)
elementwise("a * b", torch.bfloat16, "bf16", "pt<=1.0", function(a, b) local r <close> = a * b end)
-- 16-bit floats beyond a + b and a * b (issue 13): two ops in a row, the
-- unary ops and the conversions to and from float32; each result freed
-- at once (`<close>`) as the float32 rows free theirs.  PyTorch 1.13 has
-- no float16 kernels for the unary ops on the CPU: their float16 rows are
-- held to agdb's own float32 row (relu, which has none, to its bfloat16
-- one)
elementwise("a * b + c", torch.float16, "f16", "pt<=1.0", function(a, b, c) local r <close> = a * b + c end)
elementwise("a * b + c", torch.bfloat16, "bf16", "pt<=1.0", function(a, b, c) local r <close> = a * b + c end)
elementwise("exp", torch.bfloat16, "bf16", "pt<=1.0", function(a) local r <close> = a:exp() end)
elementwise("relu", torch.bfloat16, "bf16", "pt<=1.0", function(a) local r <close> = a:relu() end)
elementwise("gelu", torch.bfloat16, "bf16", "pt<=1.0", function(a) local r <close> = F.gelu(a) end)
elementwise("sigmoid", torch.bfloat16, "bf16", "pt<=1.0", function(a) local r <close> = a:sigmoid() end)
elementwise("exp", torch.float16, "f16", "self<=1.0:exp f32 10M", function(a) local r <close> = a:exp() end)
elementwise("relu", torch.float16, "f16", "self<=1.0:relu bf16 10M", function(a) local r <close> = a:relu() end)
elementwise("gelu", torch.float16, "f16", "self<=1.0:gelu f32 10M", function(a) local r <close> = F.gelu(a) end)
elementwise("sigmoid", torch.float16, "f16", "self<=1.0:sigmoid f32 10M",
	function(a) local r <close> = a:sigmoid() end)
elementwise("x:float()", torch.float16, "f16", "pt<=1.0", function(a) local r <close> = a:float() end)
elementwise("x:float()", torch.bfloat16, "bf16", "pt<=1.0", function(a) local r <close> = a:float() end)
elementwise("x:half()", torch.float32, "f32", "pt<=1.0", function(a) local r <close> = a:half() end)
elementwise("x:bfloat16()", torch.float32, "f32", "pt<=1.0", function(a) local r <close> = a:bfloat16() end)

-- Pointwise ops beyond the four arithmetic ones, 10M float32 elements:
-- forward alone, and for the activations forward and backward (a fixed
-- random gradient; .grad cleared each time).
local function pointwise(label, f, bwd)
	case(label .. " f32 10M", "pt<=1.0", function()
		local a, b = torch.randn(N), torch.randn(N)
		return function() local r <close> = f(a, b) end
	end)
	if not bwd then return end
	case(label .. " f32 10M fwd+bwd", "pt<=1.0", function()
		local a = torch.randn(N, {requires_grad = true})
		local b, g = torch.randn(N), torch.randn(N)
		return function()
			f(a, b):backward(g)
			a.grad = nil
		end
	end)
end

pointwise("leaky_relu", function(a) return F.leaky_relu(a, 0.2) end, true)
pointwise("gelu", function(a) return F.gelu(a) end, true)
pointwise("gelu tanh", function(a) return F.gelu(a, {approximate = "tanh"}) end, true)
pointwise("tan", function(a) return a:tan() end)
pointwise("atan2", function(a, b) return torch.atan2(a, b) end)
pointwise("maximum", function(a, b) return torch.maximum(a, b) end)
pointwise("minimum", function(a, b) return torch.minimum(a, b) end)
pointwise("silu", function(a) return F.silu(a) end)
pointwise("elu", function(a) return F.elu(a) end)
pointwise("softplus", function(a) return F.softplus(a) end)
pointwise("sigmoid", function(a) return a:sigmoid() end)
pointwise("tanh", function(a) return a:tanh() end)
pointwise("exp", function(a) return a:exp() end)
pointwise("abs", function(a) return a:abs() end)
pointwise("clamp", function(a) return a:clamp(-0.5, 0.5) end)

-- The smooth activations whose backward is one fused op (gelu's are
-- above): forward and backward of 10M float32 elements, as pointwise's.
local function activation_bwd(label, f)
	case(label .. " f32 10M fwd+bwd", "pt<=1.0", function()
		local a = torch.randn(N, {requires_grad = true})
		local g = torch.randn(N)
		return function()
			f(a):backward(g)
			a.grad = nil
		end
	end)
end

activation_bwd("silu", F.silu)
activation_bwd("mish", F.mish)
activation_bwd("elu", F.elu)
activation_bwd("selu", F.selu)
activation_bwd("softplus", F.softplus)
activation_bwd("hardswish", F.hardswish)
activation_bwd("hardsigmoid", F.hardsigmoid)
activation_bwd("logsigmoid", F.logsigmoid)
activation_bwd("sigmoid", torch.sigmoid)
activation_bwd("tanh", torch.tanh)

-- ------------------------------------------------------------ reductions and norms

case("sum f32 1M", "", function()
	local x = torch.randn(1000 * 1000)
	return function() local s = x:sum() end
end)

-- op(x) over a 4096x1024 float32 tensor; forward alone, then forward and
-- backward (a gradient of ones for scalars, a fixed random one otherwise;
-- .grad cleared each time so no accumulation is timed).
local ROWS, COLS = 4096, 1024

local function reduction(name, op, scalar)
	case(name .. " 4096x1024 fwd", "pt<=1.0", function()
		local x = torch.randn(ROWS, COLS)
		local w, b = torch.ones(COLS), torch.zeros(COLS)
		return function() local y = op(x, w, b) end
	end)
	case(name .. " 4096x1024 fwd+bwd", "pt<=1.0", function()
		local x = torch.randn(ROWS, COLS, {requires_grad = true})
		local w = torch.ones(COLS, {requires_grad = true})
		local b = torch.zeros(COLS, {requires_grad = true})
		local g = not scalar and torch.randn(ROWS, COLS) or nil
		return function()
			op(x, w, b):backward(g)
			x.grad, w.grad, b.grad = nil, nil, nil
		end
	end)
end

reduction("sum", function(x) return x:sum() end, true)
reduction("mean", function(x) return x:mean() end, true)
reduction("var", function(x) return x:var() end, true)
reduction("softmax", function(x) return x:softmax(-1) end)
reduction("log_softmax", function(x) return x:log_softmax(-1) end)
reduction("layer_norm", function(x, w, b) return F.layer_norm(x, {COLS}, w, b) end)

-- More of the reduction family, forward only and without targets (for
-- diagnosis): float64, along the contiguous dim (one run per row) and
-- along the strided one (the column-wise path), scans and sorting.
case("sum f64 1M", "", function()
	local x = torch.randn(1000 * 1000, {dtype = torch.float64})
	return function() local s = x:sum() end
end)

local function along(name, op)
	case(name .. " 4096x1024 fwd", "", function()
		local x = torch.randn(ROWS, COLS)
		return function() local y = op(x) end
	end)
end

along("sum(2)", function(x) return x:sum(2) end)
along("sum(1)", function(x) return x:sum(1) end)
along("var(2)", function(x) return x:var(2) end)
along("amax", function(x) return x:amax() end)
along("logsumexp(2)", function(x) return x:logsumexp(2) end)
along("cumsum(2)", function(x) return x:cumsum(2) end)
along("sort(2)", function(x) return x:sort(2) end)
-- over the non-innermost dim (the strided reductions) and logsumexp
along("max(1)", function(x) return x:max(1) end)
along("argmax(1)", function(x) return x:argmax(1) end)
along("min(1)", function(x) return x:min(1) end)
along("var(1)", function(x) return x:var(1) end)
along("std(1)", function(x) return x:std(1) end)
along("amax(1)", function(x) return x:amax(1) end)
along("max(2)", function(x) return x:max(2) end)
along("logsumexp(1)", function(x) return x:logsumexp(1) end)
case("logsumexp(2) 4096x1024 fwd+bwd", "pt<=1.0", function()
	local x = torch.randn(ROWS, COLS, {requires_grad = true})
	local g = torch.randn(ROWS)
	return function()
		x:logsumexp(2):backward(g)
		x.grad = nil
	end
end)
along("sort(1)", function(x) return x:sort(1) end)

-- ------------------------------------------------------------ convolution

case("conv2d 3x3 64->64 16x64x32x32 fwd+bwd", "pt<=1.2", function()
	local x = torch.randn(16, 64, 32, 32, {requires_grad = true})
	local w = torch.randn(64, 64, 3, 3, {requires_grad = true})
	local b = torch.randn(64, {requires_grad = true})
	local g = torch.randn(16, 64, 32, 32)
	return function()
		F.conv2d(x, w, b, {padding = 1}):backward(g)
		x.grad, w.grad, b.grad = nil, nil, nil
	end
end)

-- One Adam step of scripts/fashion_mnist.lua's CNN on a batch of 64 (no
-- target: what an epoch of that script costs per step, beside PyTorch).
case("Fashion-MNIST CNN step (B64, Adam)", "", function()
	torch.manual_seed(0)
	local model = nn.Sequential(
		nn.Conv2d(1, 16, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2),
		nn.Conv2d(16, 32, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2),
		nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
	local opt = optim.Adam(model:parameters(), {lr = 1e-3})
	local x, y = torch.randn(64, 1, 28, 28), torch.randint(1, 11, {64})
	return function()
		opt:zero_grad()
		F.cross_entropy(model(x), y):backward()
		opt:step()
	end
end)

-- ------------------------------------------------------------ training steps

-- One SGD step of an MLP 784-256-10 on a batch of 64.  "ce" is the case of
-- the issue (cross_entropy); "mse" (one-hot targets) stands in for it with
-- the ops agdb has today, so the step and the trace log's cost on it can be
-- measured before cross_entropy lands.
local function mlp_step(loss)
	torch.manual_seed(0)
	local model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
	local opt = optim.SGD(model:parameters(), {lr = 0.01})
	local x = torch.randn(64, 784)
	local y = torch.randint(1, 11, {64})
	local onehot = torch.zeros(64, 10)
	for i = 1, 64 do onehot[{i, y[i]:item()}] = 1 end
	return function()
		opt:zero_grad()
		local out = model(x)
		local l = loss == "ce" and F.cross_entropy(out, y) or F.mse_loss(out, onehot)
		l:backward()
		opt:step()
	end
end

local function trace_off(f)
	torch.autograd.set_trace_enabled(false)
	return f, function() torch.autograd.set_trace_enabled(true) end
end

case("MLP 784-256-10 step (ce, SGD)", "pt<=1.0;self<=1.10:MLP step (ce), trace off",
	function() return mlp_step("ce") end)
case("MLP step (ce), trace off", "",
	function() return trace_off(mlp_step("ce")) end)
case("MLP step (mse stand-in)", "pt<=1.0;self<=1.10:MLP step (mse), trace off",
	function() return mlp_step("mse") end)
case("MLP step (mse), trace off", "",
	function() return trace_off(mlp_step("mse")) end)
-- and with the gradient statistics (the debugger's other observer) off too
case("MLP step (mse), trace+grad stats off", "", function()
	local f = mlp_step("mse")
	torch.autograd.set_trace_enabled(false)
	torch.autograd.set_keep_grad_stats(false)
	return f, function()
		torch.autograd.set_trace_enabled(true)
		torch.autograd.set_keep_grad_stats(true)
	end
end)

-- One SGD step of a transformer on MSE against a random target.
local function transformer_step(model, B, T, d)
	local opt = optim.SGD(model:parameters(), {lr = 0.01})
	local x, target = torch.randn(B, T, d), torch.randn(B, T, d)
	return function()
		opt:zero_grad()
		F.mse_loss(model(x), target):backward()
		opt:step()
	end
end

-- A 2-layer post-norm transformer encoder (d=128, 4 heads, feed-forward
-- 512, ReLU), sequence 64, batch 8, written out op by op exactly as in the
-- twin file; MSE against a random target, one SGD step.
case("transformer 2x(d128 h4) T64 B8 step", "pt<=1.2", function()
	local d, heads, T, B, ff = 128, 4, 64, 8, 512
	local dh = d // heads
	local Block = nn.Module:extend("Block")
	function Block:init()
		self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
		self.ff1, self.ff2 = nn.Linear(d, ff), nn.Linear(ff, d)
		self.ln1_w, self.ln1_b = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d))
		self.ln2_w, self.ln2_b = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d))
	end
	local function split(t) return t:reshape(B, T, heads, dh):transpose(2, 3) end
	function Block:forward(x)
		local q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
		local att = (q:matmul(k:transpose(3, 4)) * (1 / math.sqrt(dh))):softmax(-1)
		local o = att:matmul(v):transpose(2, 3):reshape(B, T, d)
		x = F.layer_norm(x + self.o(o), {d}, self.ln1_w, self.ln1_b)
		return F.layer_norm(x + self.ff2(F.relu(self.ff1(x))), {d}, self.ln2_w, self.ln2_b)
	end
	torch.manual_seed(0)
	return transformer_step(nn.Sequential(Block(), Block()), B, T, d)
end)

-- The same encoder built from the library's modules:
-- nn.TransformerEncoder(nn.TransformerEncoderLayer(128, 4, {dim_feedforward=512,
-- dropout=0, batch_first=true}), 2), MSE, one SGD step.
case("nn.TransformerEncoder 2x(d128 h4) T64 B8 step", "pt<=1.2", function()
	local d, T, B = 128, 64, 8
	torch.manual_seed(0)
	local layer = nn.TransformerEncoderLayer(d, 4, {dim_feedforward = 512, dropout = 0,
		batch_first = true})
	return transformer_step(nn.TransformerEncoder(layer, 2), B, T, d)
end)

-- ------------------------------------------------------------ run

print("#threads\t" .. (os.getenv("OMP_NUM_THREADS") or "default"))
for _, c in ipairs(cases) do
	if wanted(c.name) then
		local ok, f, restore = pcall(c.setup)
		local err = not ok and f or nil
		if ok then
			local ran, e = pcall(f)
			if not ran then ok, err = false, e end
		end
		local line
		if ok then
			local s, k, mean = measure(f)
			line = ("%s\t%.9g\t%s\t%d calls/sample, mean %.9g"):format(c.name, s, c.checks, k, mean)
		else
			line = ("%s\tn/a\t%s\t%s"):format(c.name, c.checks, missing_op(err))
		end
		if type(restore) == "function" then restore() end
		print(line)
		io.stdout:flush()
		collectgarbage()
	end
end
