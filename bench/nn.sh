#!/bin/sh
# bench/nn.sh - softmax, log_softmax, layer_norm and cross_entropy over a
# 4096 x 1024 float32 input, forward + backward, in agdb beside PyTorch in
# the same run, at 1 thread and at all threads (wall time, best of 5).
AGDB=${AGDB:-./agdb}
R=${R:-10}
cat > /tmp/agdb_bench_nn.lua <<LUA
local F = torch.nn.functional
local clock = torch._C.clock
-- the ops alone: the debugger's gradient statistics (on by default, a pass
-- over every gradient) are timed by bench/autograd.sh
torch.autograd.set_keep_grad_stats(os.getenv("AGDB_GRAD_STATS") == "1")
local R = $R
torch.manual_seed(0)
local x = torch.randn(4096, 1024):requires_grad_()
local w = torch.randn(1024):requires_grad_()
local b = torch.randn(1024):requires_grad_()
local g = torch.randn(4096, 1024)
local tgt = torch.randint(1, 1025, {4096})
local cases = {
	{"softmax(-1)", function() return x:softmax(-1) end},
	{"log_softmax(-1)", function() return x:log_softmax(-1) end},
	{"layer_norm(1024)", function() return F.layer_norm(x, {1024}, w, b) end},
	{"cross_entropy", function() return F.cross_entropy(x, tgt) end},
}
for _, c in ipairs(cases) do
	local best_f, best_fb = math.huge, math.huge
	for round = 0, 5 do
		local t0 = clock()
		for _ = 1, R do c[2]() end
		local t1 = clock()
		for _ = 1, R do
			local y = c[2]()
			if y:dim() == 0 then y:backward() else y:backward(g) end
		end
		local t2 = clock()
		if round > 0 then
			best_f = math.min(best_f, (t1 - t0) / R)
			best_fb = math.min(best_fb, (t2 - t1) / R)
		end
		x.grad = nil; w.grad = nil; b.grad = nil
	end
	print(("agdb %-18s fwd %8.3f ms  fwd+bwd %8.3f ms"):format(c[1], best_f * 1e3, best_fb * 1e3))
end
LUA
PY=${AGDB_PYTHON:-/usr/bin/python3}
for threads in 1 all; do
	if [ "$threads" = 1 ]; then n=1; else n=$(nproc); fi
	echo "nn ops over 4096x1024 float32, $n thread(s), per call, best of 5 rounds of $R"
	OMP_NUM_THREADS=$n "$AGDB" /tmp/agdb_bench_nn.lua
	if "$PY" -c 'import torch' 2>/dev/null; then
		"$PY" - <<PYEOF
import time, torch
import torch.nn.functional as F
torch.set_num_threads($n)
R = $R
torch.manual_seed(0)
x = torch.randn(4096, 1024).requires_grad_()
w = torch.randn(1024).requires_grad_()
b = torch.randn(1024).requires_grad_()
g = torch.randn(4096, 1024)
tgt = torch.randint(0, 1024, (4096,))
cases = [("softmax(-1)", lambda: x.softmax(-1)), ("log_softmax(-1)", lambda: x.log_softmax(-1)),
         ("layer_norm(1024)", lambda: F.layer_norm(x, (1024,), w, b)),
         ("cross_entropy", lambda: F.cross_entropy(x, tgt))]
for name, fn in cases:
    bf = bfb = float("inf")
    for rnd in range(6):
        t0 = time.perf_counter()
        for _ in range(R): fn()
        t1 = time.perf_counter()
        for _ in range(R):
            y = fn()
            y.backward() if y.dim() == 0 else y.backward(g)
        t2 = time.perf_counter()
        if rnd > 0:
            bf = min(bf, (t1 - t0) / R); bfb = min(bfb, (t2 - t1) / R)
        x.grad = None; w.grad = None; b.grad = None
    print("torch %-17s fwd %8.3f ms  fwd+bwd %8.3f ms" % (name, bf * 1e3, bfb * 1e3))
PYEOF
	fi
done
