#!/bin/sh
# bench/instructions.sh - instructions per op, counted by valgrind's
# callgrind: what the wall-clock figures cannot show on a busy machine.
# With one OpenMP thread the counts repeat to within about 1% (address
# randomisation moves Lua's hashing a little), so two builds compare where
# timings cannot; each figure is a loop's count minus an empty script's,
# per iteration (Lua's own loop included).  Skipped without valgrind.
AGDB=${AGDB:-./agdb}
if ! command -v valgrind >/dev/null 2>&1; then
	echo "instructions per op: (valgrind not installed: skipped)"
	exit 0
fi
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
count() {	# count SCRIPT: instructions run by agdb on it
	printf '%s\n' "$1" > "$dir/s.lua"
	OMP_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$AGDB" "$dir/s.lua" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count 'local x = torch.ones(16)')
per() {	# per LABEL N SCRIPT
	n=$(count "$3")
	printf '  %-44s %10s instructions\n' "$1" \
		"$(echo "$2 $n $base" | awk '{ printf "%.0f", ($2 - $3) / $1 }')"
}
echo "instructions per op (callgrind, one thread; the Lua loop included)"
per "autograd step, trace on, grad stats on" 2000 '
local x, w = torch.randn(16), torch.randn(16, {requires_grad = true})
local b = torch.randn(16, {requires_grad = true})
for _ = 1, 2000 do (x * w + b):sum():backward() end'
per "autograd step, trace off, grad stats off" 2000 '
local x, w = torch.randn(16), torch.randn(16, {requires_grad = true})
local b = torch.randn(16, {requires_grad = true})
torch.autograd.set_trace_enabled(false)
torch.autograd.set_keep_grad_stats(false)
for _ = 1, 2000 do (x * w + b):sum():backward() end'
per "add, 16 float32" 20000 '
local a, b = torch.ones(16), torch.ones(16)
for _ = 1, 20000 do local r = a + b end'
per "add, 16 float32, requires_grad (records)" 20000 '
local a, b = torch.ones(16, {requires_grad = true}), torch.ones(16)
for _ = 1, 20000 do local r = a + b end'
per "exp, 16 float32" 20000 '
local a = torch.ones(16)
for _ = 1, 20000 do local r = a:exp() end'
per "add, 1,000,000 float32" 20 '
local a, b = torch.ones(1000000), torch.ones(1000000)
for _ = 1, 20 do local r = a + b end'
