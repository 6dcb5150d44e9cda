# repl_interrupt.sh - Ctrl-C: it stops a running chunk and the session
# keeps its variables; at the prompt it clears the line and unfinished input.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

tm_start
check '^agdb>' "the prompt appears"

line 'kept = 4242'
line 'count = 0'
line 'while true do count = count + 1 end'
wait_for '^agdb> while true do'
interrupt 'interrupted!'
ok $? "Ctrl-C stops an endless loop"
line 'kept'
check '^4242$' "variables survive the interrupt"
line 'count > 0'
check '^true$' "the loop's own work survives too"

line 'function spin() while true do end end'
line 'spin()'
wait_for '^agdb> spin\(\)'
interrupt 'interrupted!' 2
ok $? "Ctrl-C stops a loop inside a function"
check "in (function|global) 'spin'" "the traceback shows where it stopped"
line 'kept + 1'
check '^4243$' "the REPL works after the second interrupt"

type_text 'this line is thrown away'
wait_for 'this line is thrown away'
key C-c
line '7*11'
check '^77$' "Ctrl-C at the prompt clears the line"
is "$(screen | grep -c 'thrown away7')" 0 "nothing of the cleared line is run"

line 'function unfinished()'
check '^  \.\.\.>' "a continuation prompt"
key C-c
line '8*11'
check '^88$' "Ctrl-C drops unfinished multi-line input"

line 'unfinished'
check '^nil$' "the dropped input defined nothing"

done_testing
