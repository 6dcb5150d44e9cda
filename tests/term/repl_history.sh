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

# History is written line by line: a SIGKILL loses nothing (issue 15).
killed=$TMPD/killed_history
tm_restart "AGDB_HISTORY=$killed"
check '^agdb>' "a session to be killed"
line 'before_kill_1 = 1'
line 'before_kill_2 = 2'
check '^agdb>' "both lines ran" 3
pane=$(tm list-panes -t t -F '#{pane_pid}')
pid=$(ps -o pid= --ppid "$pane" | head -1 | tr -d ' ')
[ -n "$pid" ] && kill -KILL "$pid"
check '^\[agdb exited 137\]' "the session is killed with SIGKILL"
grep -q '^before_kill_1 = 1$' "$killed" && grep -q '^before_kill_2 = 2$' "$killed"
ok $? "both lines are in the history file after the SIGKILL"

# AGDB_HISTORY naming a FIFO, a folder or a device: the prompt comes at
# once (opening a FIFO used to block before it), with a note, and the
# session works without a history file.
mkfifo "$TMPD/fifo"
tm_restart "AGDB_HISTORY=$TMPD/fifo"
check '^agdb>' "AGDB_HISTORY is a FIFO: the prompt still appears"
check 'history file .*fifo: not a regular file; history will not be saved' \
	"with a note saying why there is no history"
line 'fifo_ok = 6 * 7'
line 'fifo_ok'
check '^42$' "and the session works"
[ -p "$TMPD/fifo" ]
ok $? "the FIFO is left as it was"

mkdir "$TMPD/histdir"
tm_restart "AGDB_HISTORY=$TMPD/histdir"
check 'histdir: not a regular file' "AGDB_HISTORY is a folder: a note"
line '40 + 2'
check '^42$' "the session works"

tm_restart "AGDB_HISTORY=/dev/zero"
check '/dev/zero: not a regular file' "AGDB_HISTORY is /dev/zero: a note"
line '41 + 1'
check '^42$' "the session works (nothing read from the device)"

tm_restart "AGDB_HISTORY=/dev/null"
check '^agdb>' "AGDB_HISTORY=/dev/null"
line '43 - 1'
check '^42$' "works"
is "$(screen | grep -c 'history file')" 0 "/dev/null means no history, silently"

done_testing
