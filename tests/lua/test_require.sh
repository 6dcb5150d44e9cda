#!/bin/sh
# test_require.sh - the binding also builds as torch.so for a stock lua5.4:
# `require "torch"` with LUA_CPATH pointing into the build tree.
echo "1..3"
if [ -z "$LUA_BIN" ] || ! [ -x "$LUA_BIN" ]; then
	echo "ok 1 # SKIP no lua5.4 interpreter found by configure"
	echo "ok 2 # SKIP no lua5.4 interpreter found by configure"
	echo "ok 3 # SKIP no lua5.4 interpreter found by configure"
	exit 0
fi
# A sanitizer build's torch.so needs the sanitizer runtimes loaded first
# into the (uninstrumented) stock interpreter.
if [ -n "$AGDB_SANITIZERS" ]; then
	cc=${CC:-gcc}
	LD_PRELOAD="$($cc -print-file-name=libasan.so) $($cc -print-file-name=libubsan.so)"
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
	export LD_PRELOAD ASAN_OPTIONS
fi
so="${top_builddir:-.}/.libs/torch.so"
if [ ! -f "$so" ]; then
	echo "not ok 1 - $so was not built"
	echo "not ok 2 - # SKIP no module"
	echo "not ok 3 - # SKIP no module"
	exit 1
fi
out=$(LUA_CPATH="${top_builddir:-.}/.libs/?.so" "$LUA_BIN" -e '
	local torch = require "torch"
	print(torch.tensor({{1, 2}, {3, 4}}) * 2)
	print(torch.zeros(2, 3).shape)
	local a = torch.ones(3)
	a[2] = 5
	print(a:sum():item())' 2>&1)
expected='tensor([[2, 4],
        [6, 8]])
torch.Size([2, 3])
7.0'
if [ "$out" = "$expected" ]; then
	echo "ok 1 - require \"torch\" in $LUA_BIN prints a tensor"
else
	echo "not ok 1 - require \"torch\" in $LUA_BIN prints a tensor"
	printf '%s\n' "$out" | sed 's/^/#   got: /'
fi
# the module returns the same table when required twice, and works in
# a state where it is loaded again
out=$(LUA_CPATH="${top_builddir:-.}/.libs/?.so" "$LUA_BIN" -e '
	local a = require "torch"
	local b = require "torch"
	print(a == b, a.float32 == b.float32)' 2>&1)
if [ "$out" = "true	true" ]; then
	echo "ok 2 - require twice gives the same module"
else
	echo "not ok 2 - require twice gives the same module"
	printf '%s\n' "$out" | sed 's/^/#   got: /'
fi
# errors surface as Lua errors, not crashes
out=$(LUA_CPATH="${top_builddir:-.}/.libs/?.so" "$LUA_BIN" -e '
	local torch = require "torch"
	print(pcall(function() return torch.zeros(2)[0] end))' 2>&1)
case "$out" in
*"agdb counts from 1"*) echo "ok 3 - errors are Lua errors in stock lua" ;;
*) echo "not ok 3 - errors are Lua errors in stock lua"
   printf '%s\n' "$out" | sed 's/^/#   got: /' ;;
esac
