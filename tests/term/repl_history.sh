# repl_history.sh - readline history is saved after every line and loaded
# by the next session; its folders are created.
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

hist=$TMPD/state/deep/agdb_history
tm_start "AGDB_HISTORY=$hist"
check '^agdb>' "the prompt appears"
line 'remember_me = 31337'
check '^agdb>' "the line ran" 2
line 'remember_me'
check '^31337$' "the value is there"
key C-d
check '^\[agdb exited 0\]' "the first session ends"

[ -f "$hist" ]
ok $? "the history file and its folders are created"
grep -q '^remember_me = 31337$' "$hist"
ok $? "the line is in the file"

tm_restart "AGDB_HISTORY=$hist"
check '^agdb>' "a second session starts"
key Up Up
check '^agdb> remember_me = 31337$' "Up recalls the last session's lines"
key Enter
line 'remember_me'
check '^31337$' "the recalled line runs"

# XDG_STATE_HOME decides the place when AGDB_HISTORY is not set.
tm_restart "AGDB_HISTORY=" "XDG_STATE_HOME=$TMPD/xdg"
check '^agdb>' "a session without AGDB_HISTORY"
line 'xdg_line = 1'
check '^agdb>' "the line ran" 2
grep -q '^xdg_line = 1$' "$TMPD/xdg/agdb/history" 2>/dev/null
ok $? "history goes to \$XDG_STATE_HOME/agdb/history"

# The file stays capped.
i=0
while [ $i -lt 1100 ]; do echo "old_entry_$i"; i=$((i + 1)); done > "$hist"
tm_restart "AGDB_HISTORY=$hist"
check '^agdb>' "a session with a long history file"
key C-d
check '^\[agdb exited 0\]' "it ends"
n=$(wc -l < "$hist")
[ "$n" -le 1000 ]
ok $? "the history file is capped at 1000 entries (has $n)"
tail -n 1 "$hist" | grep -q '^old_entry_1099$'
ok $? "the newest entries are kept"

done_testing
