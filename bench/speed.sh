#!/bin/sh
# bench/speed.sh - the speed table of issues 11 and 13 (bench/speed.lua:
# agdb beside PyTorch and cblas, at 1 thread and all cores), for make bench.
top=$(cd "$(dirname "$0")/.." && pwd)
AGDB=${AGDB:-$top/agdb}
export AGDB
exec "$AGDB" "$top/bench/speed.lua"
