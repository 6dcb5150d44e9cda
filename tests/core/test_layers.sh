#!/bin/sh
# test_layers.sh - core's files stand in layers: no file of core/ uses a
# file that uses it, directly or round a longer loop.  Read from the
# symbols each object of the built library defines and uses, so it sees
# what the linker sees (a call through a pointer, as the engine's call of a
# node's backward formula, is no dependency).  core/local.mk lists the
# layers.
lib="${top_builddir:-.}/.libs/libagcore.a"
echo "1..3"
if ! command -v nm >/dev/null 2>&1; then
	for i in 1 2 3; do echo "ok $i # SKIP no nm"; done
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# lines "archive:member: [address] type symbol"
nm -A "$lib" 2>/dev/null | sed 's/^[^:]*://; s/libagcore_la-//; s/\.o:/ /' > "$tmp/nm"
awk 'NF == 4 && $3 ~ /^[TDBR]$/ { print $4, $1 }' "$tmp/nm" | sort -u > "$tmp/defs"
awk '$2 == "U" { print $3, $1 }' "$tmp/nm" | sort -u > "$tmp/uses"
nfiles=$(awk '{ print $1 }' "$tmp/nm" | sort -u | wc -l)
if [ "$nfiles" -ge 20 ]; then
	echo "ok 1 - the symbols of $nfiles files of core were read"
else
	echo "not ok 1 - only $nfiles files of core read from $lib"
fi
# file -> file it uses
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3 }' | sort -u > "$tmp/edges"
awk 'NR == FNR { e[$1 " " $2] = 1; next }
     ($2 " " $1) in e && $1 < $2 { print $1 " <-> " $2 }' \
	"$tmp/edges" "$tmp/edges" > "$tmp/pairs"
if [ -s "$tmp/pairs" ]; then
	echo "not ok 2 - files of core that use each other"
	sed 's/^/#   /' "$tmp/pairs"
else
	echo "ok 2 - no two files of core use each other"
fi
# strip files that use no remaining file until none is left: what stays
# lies on a loop
cp "$tmp/edges" "$tmp/rest"
while :; do
	awk '{ print $1; print $2 }' "$tmp/rest" | sort -u > "$tmp/all"
	awk '{ print $1 }' "$tmp/rest" | sort -u > "$tmp/users"
	comm -23 "$tmp/all" "$tmp/users" > "$tmp/sinks"
	[ -s "$tmp/sinks" ] || break
	awk 'NR == FNR { s[$1] = 1; next } !($2 in s)' "$tmp/sinks" "$tmp/rest" \
		> "$tmp/next"
	mv "$tmp/next" "$tmp/rest"
done
if [ -s "$tmp/rest" ]; then
	echo "not ok 3 - files of core on a loop of uses"
	sed 's/^/#   /' "$tmp/rest"
else
	echo "ok 3 - no loop of uses between the files of core"
fi
