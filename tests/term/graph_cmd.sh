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
done_testing
