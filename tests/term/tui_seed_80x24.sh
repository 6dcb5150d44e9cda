# tui_seed_80x24.sh - tui_seed.sh at the smallest size the panes take.
TUI_SIZE=80x24
. "${top_srcdir:-.}/tests/term/tui_seed.sh"
