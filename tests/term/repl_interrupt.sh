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
n=$(screen | grep -c '^agdb>$')
key C-c
wait_for '^agdb>$' $((n + 1))
line '7*11'
check '^77$' "Ctrl-C at the prompt clears the line"
is "$(screen | grep -c 'thrown away7')" 0 "nothing of the cleared line is run"

line 'function unfinished()'
check '^  \.\.\.>' "a continuation prompt"
# keys typed before the fresh prompt is drawn land on the dropped line
n=$(screen | grep -c '^agdb>$')
key C-c
wait_for '^agdb>$' $((n + 1))
line '8*11'
check '^88$' "Ctrl-C drops unfinished multi-line input"

line 'unfinished'
check '^nil$' "the dropped input defined nothing"

# Issue 15, finding 8: long C loops poll for Ctrl-C, the press reaches
# coroutines, a pcall cannot swallow it, and a second press never ends the
# session.
line 'big = torch.zeros(1):expand(1e12)'
line 'total = big:sum()'
wait_for '^agdb> total = big:sum'
interrupt 'interrupted!' 3
ok $? "Ctrl-C stops a sum over 10^12 elements"
line 'total'
check '^nil$' "nothing was assigned"

line 'spin_co = coroutine.wrap(function() while true do end end)'
line 'spin_co()'
wait_for '^agdb> spin_co\(\)'
interrupt 'interrupted!' 4
ok $? "Ctrl-C stops a loop inside coroutine.wrap"

line 'c2 = coroutine.create(function() while true do pcall(function() for i = 1, 1e6 do end end) end end)'
line 'while true do coroutine.resume(c2) end'
wait_for '^agdb> while true do coroutine.resume'
interrupt 'interrupted!' 5
ok $? "Ctrl-C stops a coroutine whose loop catches errors, and the resumer"
line 'coroutine.status(c2)'
check '^dead$' "the interrupted coroutine is dead"

line 'while true do pcall(function() while true do end end) end'
wait_for '^agdb> while true do pcall'
interrupt 'interrupted!' 6
ok $? "a pcall in a loop cannot swallow Ctrl-C"

# tolist() of 3e7 elements runs in C for a while without polling: the
# second press arrives before the first one could be heard.
line 'long_list = torch.zeros(3e7):tolist()'
wait_for '^agdb> long_list'
sleep 0.3
key C-c
sleep 0.3
key C-c
wait_for 'interrupted!' 7
check 'agdb: interrupting; C code still running' "the second press says what it waits for"
line 'kept + 10'
check '^4252$' "a second Ctrl-C while C code runs keeps the session"
line 'long_list'
check '^nil$' "the interrupted assignment did not happen"

line 'coroutine.wrap(function(a) return a + 1 end)(41)'
check '^42$' "coroutine.wrap still works"
line 'select(2, coroutine.resume(coroutine.create(function() return 43 end)))'
check '^43$' "coroutine.resume still works"

done_testing
