# pipe.sh - the REPL without a terminal (agdb -i with a pipe): the same
# reading rules as on a terminal, prompts on stderr, results on stdout.
. "${top_srcdir:-.}/tests/term/lib.sh"

cd "$TMPD" || exit 1

repl() {	# repl INPUT: runs agdb -i on INPUT; sets out, err, rc
	printf '%s\n' "$1" | "$AGDB" -i > out.txt 2> err.txt
	rc=$?
	out=$(sed 1d out.txt)	# line 1 is the banner
	err=$(cat err.txt)
}

repl '1+1'
is "$out" "2" "an expression prints its value"
is "$rc" 0 "end of input exits 0"

repl 'x = 5
x * 2, "a", nil'
is "$out" "10, a, nil" "a statement prints nothing; several results are comma-separated"

repl 'function f(a)
  return a + 1
end
f(41)'
is "$out" "42" "a multi-line function"

repl 'error("boom")
print("after")'
is "$out" "after" "the REPL goes on after an error"
case "$err" in *"stdin:1: boom"*"stack traceback:"*) ok 0 "the error and a traceback are printed";;
*) ok 1 "the error and a traceback are printed"; diag "$err";; esac

repl 'print(select("#", (function() end)()))'
is "$out" "0" "a call returning nothing prints nothing more"

repl 'x = torch.tensor({1, 2})
x'
is "$out" "tensor([1, 2])" "a tensor prints PyTorch-style"

repl ':time 6*7'
case "$out" in "wall time: "*"
42") ok 0 ":time prints the time and the value";; *) ok 1 ":time prints the time and the value"; diag "$out";; esac

printf 'loaded_x = 99\n' > l.lua
repl ':load l.lua
loaded_x'
is "$out" "99" ":load runs a file in the session"
repl ':load "l.lua"
loaded_x + 1'
is "$out" "100" ":load takes a quoted file name"

repl ':quit 4
print("not reached")'
is "$rc" 4 ":quit 4 exits 4"
is "$out" "" "nothing runs after :quit"

repl 'agdb.quit()'
is "$rc" 0 "agdb.quit() exits 0"

repl ':bogus'
case "$err" in *"unknown or ambiguous command ':bogus'"*) ok 0 "an unknown command is reported";;
*) ok 1 "an unknown command is reported"; diag "$err";; esac

repl ':'
case "$err" in *"a command name must follow ':'"*) ok 0 "a lone ':' is reported";;
*) ok 1 "a lone ':' is reported"; diag "$err";; esac

repl '::top::
print("label ok")'
is "$out" "label ok" "a ::label:: is Lua, not a command"

repl 'function g()
  return 1'
is "$rc" 0 "end of input inside unfinished code exits 0"

printf 'print("script")\n' > s.lua
printf '1+2\n' | "$AGDB" -i s.lua > out.txt 2>/dev/null
is "$(sed -n 1p out.txt) $(sed -n '$p' out.txt)" "script 3" "-i runs the script, then the REPL"
grep -q '^agdb 0\.1\.0 (Lua 5\.4' out.txt
ok $? "-i prints the banner"

printf 'left_behind = 5\nerror("script failed")\n' > bad.lua
printf 'left_behind * 2\n' | "$AGDB" -i bad.lua > out.txt 2> err.txt
is "$(sed -n '$p' out.txt)" "10" "-i enters the REPL after a script error, globals intact"
grep -q '^bad.lua:2: script failed$' err.txt
ok $? "and the script's error was printed"

done_testing
