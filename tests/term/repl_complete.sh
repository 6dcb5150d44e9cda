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

n=$(prompts)
line 'my_unique_global = 5'
wait_prompt "$n"	# typed ahead, the text would land before the prompt
type_text 'my_uniq'
key Tab
check '^agdb> my_unique_global$' "a global completes"
key C-u

n=$(prompts)
line 'obj = setmetatable({}, {__index = {frobnicate = function() end}})'
wait_prompt "$n"
type_text 'obj:frob'
key Tab
check '^agdb> obj:frobnicate\($' "a method along the __index chain completes"
key C-u

n=$(prompts)
line 'x = torch.zeros(3)'
wait_prompt "$n"
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

# Issue 15, finding 9: completion never runs user code.
line 'calls = 0'
n=$(prompts)
line 'looper = setmetatable({}, {__index = function() while true do end end})'
wait_prompt "$n"
type_text 'looper.abc.'
key Tab
key Tab
key C-u
line 'print("after looper", 6 * 7)'
check '^after looper[[:space:]]+42$' "Tab after a looping __index does not hang the prompt"

n=$(prompts)
line 'spy = setmetatable({}, {__index = function(_, k) calls = calls + 1; return {} end})'
wait_prompt "$n"
type_text 'spy.field.'
key Tab
key Tab
key C-u
type_text 'spy:'
key Tab
key Tab
key C-u
line 'mm = setmetatable({}, {__index = function() calls = calls + 1 end})'
n=$(prompts)
line 'odd = setmetatable({}, mm)'
wait_prompt "$n"
type_text 'odd:'
key Tab
key Tab
key C-u
line 'print("calls", calls)'
check '^calls[[:space:]]+0$' "no __index function ran (the object's or its metatable's)"

n=$(prompts)
line 'inst = setmetatable({}, {__index = {sub = {deep_field = 1}}})'
wait_prompt "$n"
type_text 'inst.sub.dee'
key Tab
check '^agdb> inst\.sub\.deep_field$' "fields behind an __index table still complete"
key C-u

line 'w = torch.ones(2, {requires_grad = true}); w:sum():backward()'
type_text 'w.grad:nume'
key Tab
check '^agdb> w\.grad:numel\($' "a tensor's .grad completes as a tensor"
key C-u
line 'nl = w * 2'
type_text 'nl.grad.'
key Tab
key Tab
key C-u
line 'print("no warning")'
check '^no warning$' "the line after"
is "$(screen | grep -c 'UserWarning')" 0 "completing a non-leaf's .grad prints no warning"

line 'setmetatable(_G, {__index = function(_, k) error("undefined global " .. k) end})'
type_text 'nosuch.'
key Tab
key Tab
key C-u
line 'print("strict ok")'
check '^strict ok$' "a strict-mode _G does not break completion"
is "$(screen | grep -c 'undefined global nosuch')" 0 "and its __index did not run"

done_testing
