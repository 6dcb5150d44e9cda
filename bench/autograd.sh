#!/bin/sh
# bench/autograd.sh - cost of the debugger's observers on a small training
# step (3 ops forward + backward): trace log and gradient statistics on or
# off, next to the same loop in PyTorch when it is installed.
AGDB=${AGDB:-./agdb}
N=${N:-20000}
cat > /tmp/agdb_bench_ag.lua <<LUA
local N = $N
local x = torch.randn(16)
local w = torch.randn(16, {requires_grad = true})
local b = torch.randn(16, {requires_grad = true})
local function run()
	for _ = 1, N do
		local y = (x * w + b):sum()
		y:backward()
	end
end
-- the best of 5 rounds: the machine may be busy with other work
local function time(label)
	run()	-- warm up
	local best = math.huge
	for _ = 1, 5 do
		local t0 = os.clock()
		run()
		best = math.min(best, (os.clock() - t0) / N * 1e6)
	end
	print(string.format("  %-34s %8.2f us/step", label, best))
end
torch.autograd.set_trace_enabled(true)
torch.autograd.set_keep_grad_stats(true)
time("agdb: trace on, grad stats on")
torch.autograd.set_keep_grad_stats(false)
time("agdb: trace on, grad stats off")
torch.autograd.set_trace_enabled(false)
time("agdb: trace off, grad stats off")
torch.autograd.set_detect_anomaly(true)
time("agdb: anomaly mode on")
torch.autograd.set_detect_anomaly(false)
LUA
echo "autograd step: y = (x * w + b):sum(); y:backward()  (16 elements, $N steps, CPU time, best of 5)"
"$AGDB" /tmp/agdb_bench_ag.lua
PY=${AGDB_PYTHON:-/usr/bin/python3}
if "$PY" -c 'import torch' 2>/dev/null; then
	"$PY" - <<PYEOF
import time, torch
torch.set_num_threads(1)
N = $N
x = torch.randn(16); w = torch.randn(16, requires_grad=True); b = torch.randn(16, requires_grad=True)
def run():
    for _ in range(N):
        y = (x * w + b).sum()
        y.backward()
run()
us = float("inf")
for _ in range(5):
    t0 = time.process_time(); run(); us = min(us, (time.process_time() - t0) / N * 1e6)
print("  %-34s %8.2f us/step" % ("PyTorch " + torch.__version__, us))
PYEOF
else
	echo "  (PyTorch not installed: no reference figure)"
fi
rm -f /tmp/agdb_bench_ag.lua

# Anomaly mode's cost on an MLP step (two layers, 16x32 -> 64 -> 10): each
# node keeps where its forward ran, formatted only if its backward fails.
cat > /tmp/agdb_bench_anomaly.lua <<LUA
torch.manual_seed(0)
local w1 = torch.randn(32, 64, {requires_grad = true})
local w2 = torch.randn(64, 10, {requires_grad = true})
local x = torch.randn(16, 32)
local function step()
	local out = x:matmul(w1):tanh():matmul(w2)
	local loss = (out * out):mean()
	loss:backward()
	w1.grad, w2.grad = nil, nil
end
local function best(n)
	local b = math.huge
	for _ = 1, 5 do
		local t0 = os.clock()
		for _ = 1, n do step() end
		b = math.min(b, (os.clock() - t0) / n * 1e6)
	end
	return b
end
for _ = 1, 50 do step() end
local off = best(500)
torch.autograd.set_detect_anomaly(true)
local on = best(500)
torch.autograd.set_detect_anomaly(false)
print(string.format("  %-34s %8.2f us/step", "agdb MLP step: anomaly off", off))
print(string.format("  %-34s %8.2f us/step (%.2fx; target <= 3x)", "agdb MLP step: anomaly on", on, on / off))
LUA
echo "anomaly mode on an MLP step (CPU time, best of 5 rounds of 500 steps)"
"$AGDB" /tmp/agdb_bench_anomaly.lua
rm -f /tmp/agdb_bench_anomaly.lua
