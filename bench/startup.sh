# startup.sh - time to a ready interpreter: `agdb -e ''` next to a bare
# `lua5.4 -e ''` and `python3 -c 'import torch'` (when torch is there).
# Median wall time of RUNS runs (STARTUP_RUNS, default 20; torch, being
# slow, gets at most 5), minus the cost of starting /bin/true the same way,
# so the figures are the programs' own start-up.

AGDB=${AGDB:-./agdb}
RUNS=${STARTUP_RUNS:-20}
LUA=$(command -v lua5.4 2>/dev/null)
PY=/usr/bin/python3

now_us() { echo $(( $(date +%s%N) / 1000 )); }

# median_us N CMD...: median wall time of N runs, in microseconds.
median_us() {
	n=$1
	shift
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(now_us)
		"$@" > /dev/null 2>&1 < /dev/null
		t1=$(now_us)
		echo $((t1 - t0))
		i=$((i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

base=$(median_us "$RUNS" /bin/true)

row() {	# row LABEL RUNS CMD...
	label=$1
	n=$2
	shift 2
	us=$(median_us "$n" "$@")
	net=$((us - base))
	[ $net -lt 0 ] && net=0
	awk -v l="$label" -v us="$net" -v n="$n" \
		'BEGIN { printf "  %-30s %9.1f ms   (%d runs)\n", l, us / 1000, n }'
}

"$AGDB" -e '' > /dev/null 2>&1 < /dev/null || { echo "startup: $AGDB does not run" >&2; exit 1; }

echo "start-up time to a ready interpreter (median wall time)"
row "agdb -e ''" "$RUNS" "$AGDB" -e ''
if [ -n "$LUA" ]; then
	row "lua5.4 -e ''" "$RUNS" "$LUA" -e ''
else
	echo "  lua5.4 -e ''                   (lua5.4 not found)"
fi
if [ -x "$PY" ] && "$PY" -c 'import torch' > /dev/null 2>&1; then
	tr=$RUNS
	[ "$tr" -gt 5 ] && tr=5
	row "python3 -c 'import torch'" "$tr" "$PY" -c 'import torch'
else
	echo "  python3 -c 'import torch'      (torch not available: skipped)"
fi
