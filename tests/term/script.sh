# script.sh - agdb as a script runner: exit status, the arg table, -e, -l,
# -, a #! line, error messages with a traceback, --version/--help.
. "${top_srcdir:-.}/tests/term/lib.sh"

cd "$TMPD" || exit 1

# run CMD...: sets out, err, rc
run() {
	"$@" > out.txt 2> err.txt < /dev/null
	rc=$?
	out=$(cat out.txt)
	err=$(cat err.txt)
}

cat > hello.lua <<'LUA'
print("hello", select("#", ...), ...)
LUA
run "$AGDB" hello.lua
is "$rc" 0 "a script exits 0"
is "$out" "hello	0" "a script runs"

cat > args.lua <<'LUA'
print(arg[-2], arg[-1], arg[0], arg[1], arg[2], #arg, ...)
LUA
run "$AGDB" -e 'x=1' args.lua one two
is "$out" "-e	x=1	args.lua	one	two	2	one	two" "arg as lua sets it (negative: interpreter and options)"
case "$(sh -c '"$AGDB" -e "print(arg[-3])" args.lua' 2>&1 < /dev/null)" in
*agdb*) ok 0 "arg[-3] is the interpreter";;
*) ok 1 "arg[-3] is the interpreter";;
esac

cat > err.lua <<'LUA'
local function inner()
  error("boom")
end
inner()
print("not reached")
LUA
run "$AGDB" err.lua
is "$rc" 1 "an uncaught error exits 1"
is "$(sed -n 1p err.txt)" "err.lua:2: boom" "the message is file:line: message"
is "$(sed -n 2p err.txt)" "stack traceback:" "a traceback follows"
grep -q "err.lua:4: in main chunk" err.txt
ok $? "the traceback shows the main chunk's line"
grep -q "err.lua:2: in " err.txt
ok $? "the traceback shows the function's line"
grep -q '\[C\]: in ?' err.txt
ok $((! $?)) "the host's own frame is left out"
is "$out" "" "nothing after the error runs"

cat > errobj.lua <<'LUA'
error({})
LUA
run "$AGDB" errobj.lua
is "$rc" 1 "a non-string error exits 1"
is "$(sed -n 1p err.txt)" "(error object is a table value)" "and says what it was"

printf '#!/usr/bin/env agdb\nprint("shebang ok")\n' > shebang.lua
run "$AGDB" shebang.lua
is "$out" "shebang ok" "a #! line is skipped"

cat > syntax.lua <<'LUA'
x = = 2
LUA
run "$AGDB" syntax.lua
is "$rc" 1 "a syntax error exits 1"
is "$err" "syntax.lua:1: unexpected symbol near '='" "and is reported as file:line"

run "$AGDB" missing.lua
is "$rc" 1 "a missing script exits 1"
case "$err" in *"cannot open missing.lua"*) ok 0 "and says so";; *) ok 1 "and says so"; diag "$err";; esac

run "$AGDB" -e 'print(1 + 2)' -e 'print("second")'
is "$out" "3
second" "-e chunks run in order"
is "$rc" 0 "-e alone exits 0 without a REPL"

run "$AGDB" -e 'error("bad e")'
is "$rc" 1 "an error in -e exits 1"
is "$(sed -n 1p err.txt)" "(command line):1: bad e" "and names the command line"

run "$AGDB" '-eprint("glued")'
is "$out" "glued" "-eCHUNK works glued"

out=$(echo 'print("from stdin", ...)' | "$AGDB" - a b 2>&1)
is "$out" "from stdin	a	b" "- runs stdin with arguments"
out=$(echo 'print(arg[0])' | "$AGDB" - 2>&1)
is "$out" "-" "arg[0] is - for stdin"
out=$(echo 'print(6 * 7)' | "$AGDB" 2>&1)
is "$out" "42" "without a terminal, stdin is the script"
echo 'error("piped")' | "$AGDB" > out.txt 2> err.txt
is "$?" 1 "an error in piped stdin exits 1"
is "$(sed -n 1p err.txt)" "stdin:1: piped" "and names stdin"

mkdir -p mods
printf 'return { answer = 42 }\n' > mods/mymod.lua
run env LUA_PATH="$TMPD/mods/?.lua" "$AGDB" -l mymod -e 'print(mymod.answer)'
is "$out" "42" "-l MOD sets global MOD"
run env LUA_PATH="$TMPD/mods/?.lua" "$AGDB" -l m=mymod -e 'print(m.answer, mymod)'
is "$out" "42	nil" "-l G=MOD sets global G"
run "$AGDB" -l no_such_module_here
is "$rc" 1 "-l of a missing module exits 1"

run "$AGDB" --version
is "$rc" 0 "--version exits 0"
is "$(sed -n 1p out.txt)" "agdb 0.1.0" "--version starts with agdb 0.1.0"
grep -q '^Lua 5\.4' out.txt
ok $? "--version names Lua"
grep -q '^BLAS: ' out.txt
ok $? "--version names the BLAS"

run "$AGDB" --help
is "$rc" 0 "--help exits 0"
case "$out" in "usage: agdb "*) ok 0 "--help prints the usage";; *) ok 1 "--help prints the usage";; esac

run "$AGDB" --bogus
is "$rc" 1 "an unknown option exits 1"
is "$(sed -n 1p err.txt)" "agdb: unrecognized option '--bogus'" "and is named"
run "$AGDB" -e
is "$rc" 1 "-e without a chunk exits 1"

run "$AGDB" --no-color --plain -e 'print("opts")'
is "$out" "opts" "--plain and --no-color are accepted"

run "$AGDB" -e 'print(type(torch), require("torch") == torch, type(agdb))'
is "$out" "table	true	table" "torch and agdb are globals; require returns the same torch"

run "$AGDB" -e 'print(package.path:find("/repl/lua/?.lua", 1, true) ~= nil)'
is "$out" "true" "package.path has the Lua library folder"

cat > quit.lua <<'LUA'
print("before")
agdb.quit(3)
print("after")
LUA
run "$AGDB" quit.lua
is "$rc" 3 "agdb.quit(3) exits 3"
is "$out" "before" "nothing runs after agdb.quit"
is "$err" "" "agdb.quit prints no error"

cat > lib1.lua <<'LUA'
shared_global = (shared_global or 0) + 1
return "lib1", ...
LUA
cat > useload.lua <<'LUA'
local a, b = agdb.load("lib1.lua", "arg1")
print(a, b, shared_global)
agdb.load("lib1.lua")
print(shared_global)
print(pcall(agdb.load, "nope.lua"))
LUA
run "$AGDB" useload.lua
is "$out" "lib1	arg1	1
2
false	cannot open nope.lua: No such file or directory" "agdb.load runs a file in the session and returns its results"

run "$AGDB" -e 'print(agdb.time(function(a) return a * 2 end, 21))'
case "$out" in "wall time: "*"
42") ok 0 "agdb.time prints the time and returns the results";;
*) ok 1 "agdb.time prints the time and returns the results"; diag "$out";; esac

run "$AGDB" -e 'agdb.help()'
case "$out" in *":load FILE"*) ok 0 "agdb.help() lists the commands";; *) ok 1 "agdb.help() lists the commands";; esac
run "$AGDB" -e 'agdb.help(agdb.time)'
case "$out" in "usage: :time EXPR"*) ok 0 "agdb.help(fn) shows one command";; *) ok 1 "agdb.help(fn) shows one command";; esac

# The torch module also loads into a stock lua5.4.
if [ -n "$LUA_BIN" ] && [ -x "$LUA_BIN" ]; then
	so=$top_builddir/.libs/torch.so
	# A sanitizer build's module needs the ASan runtime loaded first.
	asan=$(ldd "$so" 2>/dev/null | awk '/libasan/ { print $3 }')
	run env ${asan:+LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0} \
		LUA_CPATH="$top_builddir/.libs/?.so" "$LUA_BIN" \
		-e 'local t = require "torch"; print(type(t))'
	is "$out" "table" "lua5.4 can require \"torch\""
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP lua5.4 not found"
fi

done_testing
