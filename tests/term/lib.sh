# lib.sh - shared helpers of the terminal tests (sourced, POSIX sh).
#
# TAP output: ok / not ok lines, the plan at the end (done_testing).
# tmux: a private server (-L) per test file with one window running agdb;
# every wait polls the screen for expected text with a deadline, so a slow
# machine only makes a test slower, never wrong.

AGDB=${AGDB:-${top_builddir:-.}/agdb}
TMUX_BIN=${TMUX_BIN:-$(command -v tmux 2>/dev/null)}
WAIT_SECS=${WAIT_SECS:-20}

tap_n=0
tap_failed=0
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/agdb-term.XXXXXX")

ok() {	# ok CONDITION-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# is GOT WANT DESCRIPTION
is() {
	[ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || diag "got:  $1" "want: $2"
}

done_testing() {
	echo "1..$tap_n"
	tm_stop
	rm -rf "$TMPD"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

skip_all() { echo "1..0 # SKIP $1"; rm -rf "$TMPD"; exit 0; }

need_tmux() {
	[ -n "$TMUX_BIN" ] && [ -x "$TMUX_BIN" ] || skip_all "tmux not found"
}

# ------------------------------------------------------------ tmux

TM_SOCK=
tm() { "$TMUX_BIN" -L "$TM_SOCK" -f /dev/null "$@"; }

# tm_start [ENV=VALUE...] -- [agdb args...]: agdb (plain prompt) in a
# 100x40 window.  TM_COLS, TM_ROWS change the size; TM_MODE (default
# --plain) is the mode option: tm_start_tui leaves it out.  TM_WRAP wraps
# the command line in a shell snippet where the word AGDB stands for it.
tm_start() {
	TM_SOCK=agdb-test-$$-$(date +%s%N)
	envs=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs '$1'"
		shift
	done
	[ "$1" = "--" ] && shift
	args=
	for a in "$@"; do args="$args '$a'"; done
	unset TMUX
	# OPENBLAS_CORETYPE: OpenBLAS's generic kernels, which every x86-64 CPU
	# has, so the screens' last digits do not depend on the CPU (agdb picks
	# the CPU's own kernels when the variable is unset)
	cmd="env TERM=xterm INPUTRC=/dev/null NO_COLOR=1 LC_ALL=C.UTF-8 AGDB_HISTORY=/dev/null OPENBLAS_CORETYPE=Prescott $envs '$AGDB' ${TM_MODE---plain} $args"
	tm new-session -d -s t -x "${TM_COLS:-100}" -y "${TM_ROWS:-40}" \
		"$cmd; echo '[agdb exited' \$?']'; sleep 600"
	tm set-option -t t history-limit 5000 >/dev/null
}

# tm_start_tui COLSxROWS [ENV=VALUE...] -- [agdb args...]: agdb in its
# full-screen viewer (no --plain) in a window of that size.
tm_start_tui() {
	TM_COLS=${1%x*}
	TM_ROWS=${1#*x}
	shift
	TM_MODE=
	tm_start "$@"
	unset TM_MODE TM_COLS TM_ROWS
}

# The screen as it is now (the viewer draws on the alternate screen, which
# has no scrollback), trailing blanks trimmed.
view() { tm capture-pane -p -t t | sed 's/[[:space:]]*$//'; }

# wait_view GREP-E-PATTERN [COUNT]: until the screen shows it.
wait_view() { wait_lines view "$@"; }

# wait_gone GREP-E-PATTERN: until no line of the screen matches.
wait_gone() {
	end=$(( $(date +%s) + WAIT_SECS ))
	while view | grep -q -E -- "$1"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# see GREP-E-PATTERN DESCRIPTION [COUNT]: a TAP test waiting for the
# screen to show it.
see() { check_lines view "$1" "$2" "${3:-1}" 40; }

# gone GREP-E-PATTERN DESCRIPTION: a TAP test waiting for it to go.
gone() {
	wait_gone "$1"
	st=$?
	ok $st "$2"
	if [ $st -ne 0 ]; then
		diag "still on screen: $1" "screen was:"
		view | grep -v '^$' | tail -40 | diag_stdin
	fi
	return $st
}

# The number of lines of the screen matching a pattern, now.
count_view() { view | grep -c -E -- "$1"; }

# Ends the server and removes its socket (tmux leaves the file behind).
tm_stop() {
	[ -n "$TM_SOCK" ] || return 0
	tm kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TM_SOCK"
	TM_SOCK=
}

tm_restart() { tm_stop; tm_start "$@"; }

# The whole transcript (scrollback included), trailing blanks trimmed.
screen() { tm capture-pane -p -J -S -2000 -t t | sed 's/[[:space:]]*$//'; }

# Sends literal text (no Enter).
type_text() { tm send-keys -t t -l -- "$1"; }
# Sends keys by name: Enter, Tab, C-c, C-d, Up...
key() { tm send-keys -t t "$@"; }
# Types a line and presses Enter.
line() { type_text "$1"; key Enter; }

# wait_lines SOURCE GREP-E-PATTERN [COUNT]: until the output of SOURCE
# (screen or view) has at least COUNT (default 1) lines matching; fails
# after WAIT_SECS.
wait_lines() {
	want=${3:-1}
	end=$(( $(date +%s) + WAIT_SECS ))
	while :; do
		n=$($1 | grep -c -E -- "$2")
		[ "$n" -ge "$want" ] && return 0
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# wait_for GREP-E-PATTERN [COUNT]: until the transcript (scrollback too)
# shows it.
wait_for() { wait_lines screen "$@"; }

# check_lines SOURCE GREP-E-PATTERN DESCRIPTION COUNT TAIL: a TAP test
# waiting for SOURCE to show it; on failure the last TAIL lines are shown.
check_lines() {
	wait_lines "$1" "$2" "$4"
	st=$?
	ok $st "$3"
	if [ $st -ne 0 ]; then
		diag "no line matching: $2" "screen was:"
		$1 | grep -v '^$' | tail -"$5" | diag_stdin
	fi
	return $st
}

# check GREP-E-PATTERN DESCRIPTION [COUNT]: a TAP test waiting for output.
check() { check_lines screen "$1" "$2" "${3:-1}" 15; }
diag_stdin() { sed 's/^/#   /'; }

# The number of prompts on screen so far (a prompt = agdb is idle).
prompts() { screen | grep -c -E '^agdb>'; }
# Waits until there are more than N prompts.
wait_prompt() { wait_for '^agdb>' $(( $1 + 1 )); }

# interrupt PATTERN [COUNT]: presses Ctrl-C until COUNT lines match PATTERN.
# A press that lands before the chunk starts running only clears a prompt
# (harmless), so it is repeated; one that lands while it runs is heard at
# once, so a repeat never comes as a second press.
interrupt() {
	tries=0
	while [ $tries -lt 10 ]; do
		key C-c
		WAIT_SECS=2 wait_for "$1" "${2:-1}" && return 0
		tries=$((tries + 1))
	done
	return 1
}
