# graph_cmd.sh - :graph, :dot and :json typed at the REPL (agdb -i on a
# pipe): the seed tutorial drawn as a newcomer sees it.
. "${top_srcdir:-.}/tests/term/lib.sh"

cd "$TMPD" || exit 1

printf '%s\n' 'x = torch.ones(2, 2, {requires_grad=true})' 'y = x + 2' \
	'z = y * y * 3' 'out = z:mean()' ':graph out' |
	"$AGDB" -i > out.txt 2> err.txt
is "$?" 0 ":graph in a session exits 0"
for want in "◆ x" "AddBackward0" "y: [2, 2] float32" "MulBackward0" \
	    "z: [2, 2] float32" "MeanBackward0" "out: [] float32" "leaf tensor"; do
	grep -qF "$want" out.txt
	ok $? ":graph out shows '$want'"
done

printf '%s\n' 'x = torch.ones(2, {requires_grad=true})' 'd = (x * 2):detach()' \
	'l = (d * x):sum()' ':graph l compact ascii' ':dot l g.dot' |
	"$AGDB" -i > out.txt 2> err.txt
grep -qF "SumBackward0 (l)" out.txt
ok $? ":graph with options (compact ascii)"
sed '1d;/^wrote/d' out.txt > drawing.txt
LC_ALL=C grep -q '[^ -~]' drawing.txt
[ $? -ne 0 ]
ok $? "the ascii drawing has only ASCII characters"
head -1 g.dot 2>/dev/null | grep -q '^digraph'
ok $? ":dot wrote a DOT file"
if [ -n "$DOT_BIN" ] && [ -x "$DOT_BIN" ]; then
	"$DOT_BIN" -Tsvg g.dot -o g.svg 2>/dev/null && grep -q "<svg" g.svg
	ok $? "Graphviz renders it"
fi

printf '%s\n' 'x = torch.ones(4, 3, {requires_grad=true})' 'p = x:split(2)' \
	'a, b = p[1], p[2]' 'c = x:split({1, 3})' 'l = (a * b):sum() + c[2]:sum()' \
	':graph l' | "$AGDB" -i > out.txt 2> err.txt
grep -qF "a, b: [2, 3] x2 float32" out.txt
ok $? "a split's node shows its outputs' names and shape once when they agree"
grep -qF "[1, 3], [3, 3] float32" out.txt
ok $? "and each output's shape when they differ"

printf '%s\n' ':graph nosuchvariable' '1+1' | "$AGDB" -i > out.txt 2> err.txt
grep -q "agdb.graph" err.txt
ok $? "a bad :graph argument is an error message"
sed 1d out.txt | grep -qx "2"
ok $? "and the session goes on"

# Issue 15, finding 17: file names quoted as in a shell, a bare global
# tensor name is the tensor, errors name the command.
mkfifo fifo
printf '%s\n' 'x = torch.ones(2, {requires_grad=true})' 'out = (x * 2):sum()' \
	':dot out "my graph.dot"' ':dot out my\ other.dot' ":dot 'all globals.dot'" \
	':dot "only quoted.dot"' \
	':dot out' ':dot "out"' ':dot out "unclosed' ':dot out /nonexistent/dir/g.dot' \
	':dot out fifo' ':quit abc' ':quit 300' ':load' ':time' ':graph out sideways' \
	'print("still", 6 * 7)' |
	"$AGDB" -i > out.txt 2> err.txt
head -1 "my graph.dot" 2>/dev/null | grep -q '^digraph'
ok $? ':dot out "my graph.dot" writes a file with a space in its name'
head -1 "my other.dot" 2>/dev/null | grep -q '^digraph'
ok $? ':dot out my\ other.dot (a backslash-escaped space)'
grep -q 'SumBackward0' "all globals.dot" 2>/dev/null
ok $? ":dot 'all globals.dot' draws every global into a quoted file"
grep -q 'SumBackward0' "only quoted.dot" 2>/dev/null
ok $? ':dot "only quoted.dot": a whole line that is one quoted file name'
grep -c '^digraph' out.txt | grep -qx 1
ok $? ":dot out, out a global tensor, prints its DOT"
head -1 out 2>/dev/null | grep -q '^digraph'
ok $? ':dot "out" (quoted) writes the file named out'
grep -q 'agdb.dot: the file name has an unclosed " quote' err.txt
ok $? "an unclosed quote is an error"
grep -q 'agdb.dot: cannot write /nonexistent/dir/g.dot: No such file or directory' err.txt
ok $? "a file that cannot be written says why"
grep -q 'agdb.dot: cannot write fifo' err.txt
ok $? "a FIFO nobody reads is refused at once instead of hanging"
grep -q 'agdb.quit: the exit status must be an integer from 0 to 255 or a boolean, got abc' err.txt
ok $? ":quit abc names the command"
grep -q 'got 300' err.txt
ok $? ":quit 300 is out of range"
grep -q 'agdb.load: argument 1 must be a file name, got no value (usage: :load FILE)' err.txt
ok $? ":load without a file names the command"
grep -q 'agdb.time: argument 1 must be a function or a string of code, got no value' err.txt
ok $? ":time without code names the command"
grep -q "agdb.graph: 'out sideways' is not an expression" err.txt
ok $? ":graph with a misspelt option says it is not an expression"
grep -q "to '?'" err.txt
[ $? -ne 0 ]
ok $? "no error says bad argument to '?'"
grep -q '^still	42$' out.txt
ok $? "the session went on after all of them"
[ -p fifo ]
ok $? "the FIFO is untouched"

printf '%s\n' ':help graph' ':help dot' | "$AGDB" -i > out.txt 2> err.txt
grep -q 'agdb.graph runs a string argument as Lua code' out.txt
ok $? ":help graph says a string argument is run as code"
grep -q 'quote a FILE with spaces' out.txt
ok $? ":help dot tells how to quote a file name"
done_testing
