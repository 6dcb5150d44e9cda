# repl_complete.sh - Tab completion: globals, fields after '.', methods
# after ':' (tensors included), command names.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

tm_start
check '^agdb>' "the prompt appears"

type_text 'string.for'
key Tab
check '^agdb> string\.format\($' "a table field completes (a function gets '(')"
key C-u

line 'my_unique_global = 5'
type_text 'my_uniq'
key Tab
check '^agdb> my_unique_global$' "a global completes"
key C-u

line 'obj = setmetatable({}, {__index = {frobnicate = function() end}})'
type_text 'obj:frob'
key Tab
check '^agdb> obj:frobnicate\($' "a method along the __index chain completes"
key C-u

line 'x = torch.zeros(3)'
type_text 'x:su'
key Tab
key Tab
check '(^|[[:space:]])sum([[:space:]]|$)' "tensor methods are listed on double Tab (sum)"
check '(^|[[:space:]])sub([[:space:]]|$)' "tensor methods are listed on double Tab (sub)"
key C-u

type_text 'x.requires_gr'
key Tab
check '^agdb> x\.requires_grad$' "a tensor field completes"
key C-u

type_text ':he'
key Tab
check '^agdb> :help$' "a command name completes"
key C-u

line 'print("still fine")'
check '^still fine$' "the REPL works after completing"

done_testing
