# tui_readme.sh - README.md opens with the screen a newcomer sees after
# typing the autograd tutorial into ./agdb and walking to y's node; this
# types it at 100x34 and compares the screen with that block, so the
# README cannot drift from the program (the banner's version line left
# out: it names the build's Lua and BLAS).
. "${top_srcdir:-.}/tests/term/lib.sh"
need_tmux

readme=${top_srcdir:-.}/README.md
# the first ``` block of the README
awk '/^```/ { n++; next } n == 1' "$readme" | grep -v '^agdb [0-9.]* (Lua' > "$TMPD/want"
[ -s "$TMPD/want" ]
ok $? "README.md opens with a screen"

tm_start_tui 100x34
see '^\[transcript\]' "the viewer starts"
line 'x = torch.ones(2, 2, {requires_grad=true})'
line 'y = x + 2'
line 'z = y * y * 3'
line 'out = z:mean()'
line 'out:backward()'
line 'x.grad'
see '^        \[4\.5000, 4\.5000\]\]\)$' "the tutorial ran"
key Tab g n n Enter
see 'selected y: the inspector shows it' "y's node is selected"
view | grep -v '^agdb [0-9.]* (Lua' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$TMPD/got"
diff -u "$TMPD/want" "$TMPD/got" > "$TMPD/diff"
st=$?
ok $st "the screen is the README's first block"
[ $st -eq 0 ] || diag_stdin < "$TMPD/diff"
key Escape
sleep 0.3
key C-d
see '^\[agdb exited 0\]' "Ctrl-D leaves"
done_testing
