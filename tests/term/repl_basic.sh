# repl_basic.sh - the REPL on a terminal: auto-print, statements, several
# results, multi-line input, errors, the :commands, Ctrl-D.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

cat > "$TMPD/loadme.lua" <<'LUA'
loaded_value = 6 * 7
return "loaded", ...
LUA

tm_start
check '^agdb>' "the prompt appears"
check '^agdb [0-9.]+ \(Lua 5\.4' "a banner names agdb and Lua"

line '40+2'
check '^42$' "an expression prints its value without ="

line 'y = 123'
line 'y + 1'
check '^124$' "a statement prints nothing, its effect stays"
is "$(screen | grep -c -E '^123$')" 0 "the assignment printed nothing"

line '1, "two", nil, true'
check '^1, two, nil, true$' "several results print comma-separated"

line 'print("from print")'
check '^from print$' "print works"

line 'function add3(a)'
check '^  \.\.\.>' "an open function continues on the next line"
line '  return a + 3'
line 'end'
line 'add3(1000)'
check '^1003$' "a multi-line function is defined and callable"

line 't = {'
line '  k = 77,'
line '}'
line 't.k'
check '^77$' "an open table constructor continues"

line 's = [[long'
line 'string]]'
line '#s'
check '^11$' "a long string continues"

line '{1,'
line '2}'
check '^table: ' "an unfinished expression continues"

line 'error("boom at prompt")'
check '^stdin:1: boom at prompt$' "an error prints its message"
check '^stack traceback:' "an error prints a traceback"
line '5*5'
check '^25$' "the next command works after an error"

line 'x = = 1'
check "^stdin:1: unexpected symbol near '='" "a syntax error is reported"
line '2^10'
check '^1024(\.0)?$' "and the REPL goes on"

line ':help'
check '^  :load FILE' ":help lists :load"
check '^  :time EXPR' ":help lists :time"
line ':help time'
check '^usage: :time EXPR' ":help CMD shows one command"
line ':h load'
check '^usage: :load FILE' "a unique prefix names a command"
line ':nosuchcmd'
check "unknown or ambiguous command ':nosuchcmd'" "an unknown command is reported"

line ":load $TMPD/loadme.lua"
check '^loaded$' ":load runs a script and prints what it returns"
line 'loaded_value'
check '^42$' "the script's globals stay in the session" 2

line 'agdb.load'
check '^function: ' "the commands are Lua functions in agdb"

line ':time 3*1000+3'
check '^wall time: [0-9.]+ (us|ms|s)$' ":time prints the wall time"
check '^3003$' ":time prints the value too"
line ':time for i = 1, 10 do end'
check '^wall time: ' ":time takes a statement" 2

line 'torch ~= nil and nn == torch.nn'
check '^true$' "torch is loaded (and nn is torch.nn)"

# Pasted code runs line by line (bracketed paste is off).
tm set-buffer -b code "pasted_a = 20
pasted_b = pasted_a + 1
pasted_a * pasted_b
"
tm paste-buffer -b code -t t
check '^420$' "pasted multi-line code runs line by line"

key C-d
check '^\[agdb exited 0\]' "Ctrl-D on an empty line exits with status 0"

tm_restart
check '^agdb>' "restarted"
line ':quit 3'
check '^\[agdb exited 3\]' ":quit STATUS leaves with that status"

done_testing
