# hostile_repl.sh - the REPL half of the hostile-input table (issue 15):
# mistaken and hostile lines at the prompt -- every :command with bad
# arguments, broken Lua, odd error objects, binary garbage, long lines,
# special files -- each followed by a line that proves the session still
# runs and kept its variables.  One session on a pipe (agdb -i), so it
# needs no terminal; `timeout` turns a hang into a failure.
. "${top_srcdir:-.}/tests/term/lib.sh"

cd "$TMPD" || exit 1
mkfifo fifo
mkdir folder
printf 'loaded_value = 99\n' > good.lua

# One row per line of this list: the hostile input, sent as it is.  A row
# may span lines (joined with a literal \n written as ⏎) when the input
# itself is several lines.
rows=$(cat <<'ROWS'
:
: help
:nosuch
:NOSUCH
:h
:help :help
:help nosuch
:help help extra words
:quit abc
:quit 300
:quit -1
:quit 1e10
:quit 1 2
:load
:load /nonexistent/file.lua
:load folder
:load fifo
:load /dev/zero
:load "unterminated
:load good.lua extra
:time
:time 1 +
:time error("in time")
:time (
:time while false do end
:time local k = 0
:graph nosuchvar
:graph 1 +
:graph kept sideways
:graph X forward full lr ascii nonsense
:graph "a string"
:graph 5
:graph {}
:graph X[99]
:graph error("inside graph")
:graph W wide
:dot "unclosed
:dot X /nonexistent/dir/g.dot
:dot X fifo
:dot X folder
:dot \
:dot ''
:json nosuch
:json 5
:json error({})
)
end
local
return return
x = = 1
goto nowhere
'unterminated
break
::lbl:: ::lbl::
error({})
error(nil)
error(setmetatable({}, {__tostring = function() return "custom object" end}))
error(setmetatable({}, {__tostring = function() error("tostring fails") end}))
setmetatable({}, {__tostring = function() error("print fails") end})
setmetatable({}, {__tostring = function() return 5 end})
setmetatable({}, {__gc = function() error("gc fails") end}) collectgarbage() collectgarbage()
do local c <close> = setmetatable({}, {__close = function() error("close fails") end}) end
do local c <close> = 5 end
string.rep("x", 1 << 40)
torch.zeros(1e12)
X[{{1, 2, math.maxinteger}}]
X:as_strided({2}, {1 << 62})
X.shape[1] = 5
torch.set_printoptions({precision = 500})
local function f() return f() + 1 end return f()
coroutine.wrap(function() error("in coroutine") end)()
coroutine.resume(coroutine.create(function() X:add_("x") end))
debug.sethook(function() end, "l") debug.sethook()
collectgarbage("stop") local t = torch.ones(100) collectgarbage("restart")
agdb.graph(nil, {max_nodes = "x"})
agdb.dot(W, 5)
agdb.quit({})
:image
:image 5
:image nosuch
:image X extra
:image X[1]
:view
:view nosuch
:tui extra
:tui off
torch.load("fifo")
torch.load("folder")
torch.load("good.lua")
torch._C.read_idx("fifo")
torch._C.read_idx("good.lua")
torch.save(X, "folder")
print(("x"):rep(200000))
1 + 1 --[[ unclosed long comment
]]
ROWS
)

# The line proving the session works, after each row: kept and the
# tensors' values must be the same every time.
proof() { printf 'print("ROW", %s, kept, X:sum():item(), W.grad == nil, X._version)\n' "$1"; }

n=0
{
	echo 'kept = 4242'
	echo 'X = torch.arange(6, {dtype = torch.float32}):view(2, 3)'
	echo 'W = torch.ones(3, {requires_grad = true})'
	echo "$rows" | while IFS= read -r row; do
		n=$((n + 1))
		printf '%s\n' "$row"
		# a row left unfinished gets an end of its own before the proof
		case "$row" in
		'1 + 1 --[[ unclosed long comment') ;;
		local|"'unterminated") printf ')\n'; proof "$n" ;;
		*) proof "$n" ;;
		esac
	done
	# binary garbage and a 1 MB line, then the last proofs
	printf 'garbage\001\002\377\376\000\033[2J\n'
	proof 1001
	head -c 1000000 /dev/zero | tr '\0' 'a'; echo
	proof 1002
	printf 'print(#string.rep("y", 100000))\n'
	proof 1003
} | timeout 120 "$AGDB" -i > out.txt 2> err.txt
status=$?
is "$status" 0 "the session ends normally at the end of its input (no hang, no crash)"

total=$(echo "$rows" | wc -l)
missing=0
i=0
while [ $i -lt "$total" ]; do
	i=$((i + 1))
	line=$(echo "$rows" | sed -n "${i}p")
	case "$line" in ']]') continue ;; esac	# part of the row before
	k=$i
	case "$line" in *'--[['*) k=$((i + 1)) ;; esac	# its proof follows "]]"
	if grep -qx "ROW	$k	4242	15.0	true	0" out.txt; then
		ok 0 "row $i: $line"
	else
		ok 1 "row $i: $line"
		diag "no proof line after it; the session was:" "$(grep "ROW" out.txt | tail -2)"
		missing=$((missing + 1))
	fi
done
for k in 1001 1002 1003; do
	grep -q "^ROW	$k	4242	15.0	true	0$" out.txt
	ok $? "proof $k after garbage / a 1 MB line"
done

# Some of the answers, checked by name
grep -q "unknown or ambiguous command ':nosuch'" err.txt
ok $? "an unknown :command says so"
grep -q "agdb.load: folder is not a regular file" err.txt
ok $? ":load of a folder is refused"
grep -q "agdb.load: fifo is not a regular file" err.txt
ok $? ":load of a FIFO is refused (it would block the session)"
grep -q "agdb.load: /dev/zero is not a regular file" err.txt
ok $? ":load /dev/zero is refused (it would never end)"
grep -q "custom object" err.txt
ok $? "an error object with __tostring prints through it"
grep -q "(error object is a table value)" err.txt
ok $? "a table error object is named as such"
grep -q "stack overflow" err.txt
ok $? "a stack overflow is an error"
grep -q "agdb.dot: cannot write fifo" err.txt
ok $? ":dot into a FIFO nobody reads is refused at once"
grep -q "agdb.dot: the file name is empty" err.txt
ok $? ":dot '' is an empty file name"
grep -q "torch.load: 'fifo' is not a regular file" err.txt
ok $? "torch.load of a FIFO is refused at once (it would block the session)"
grep -q "read_idx: 'fifo' is not a regular file" err.txt
ok $? "read_idx of a FIFO is refused at once"
grep -q "to '?'" err.txt
[ $? -ne 0 ]
ok $? "no error says bad argument to '?'"
grep -c '^ROW' out.txt | grep -q .
diag "$(grep -c '^ROW' out.txt) proof lines, $total rows"
done_testing
