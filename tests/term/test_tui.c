/*
 * test_tui.c - the viewer's pane arithmetic and its keyboard, without a
 * terminal (repl/tui_layout.c and repl/tui_keys.c alone).
 */
#include "../tap.h"
#include "tui_model.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ layout */

static bool inside(const tui_rect *r, int rows, int cols)
{
	return r->h == 0 || (r->y >= 0 && r->x >= 0 && r->y + r->h <= rows && r->x + r->w <= cols);
}

/* Every cell belongs to at most one shown rectangle; returns how many
 * cells are covered (-1 on an overlap). */
static long cover(const tui_screen_layout *l, int rows, int cols)
{
	unsigned char *cell = calloc((size_t)rows * (size_t)cols + 1, 1);
	const tui_rect *rs[TUI_NPANES + 3];
	int n = 0;
	for (int p = 0; p < TUI_NPANES; p++)
		rs[n++] = &l->pane[p];
	rs[n++] = &l->status;
	rs[n++] = &l->vbar;
	rs[n++] = &l->message;
	long covered = 0;
	for (int i = 0; i < n; i++) {
		const tui_rect *r = rs[i];
		for (int y = r->y; y < r->y + r->h; y++)
			for (int x = r->x; x < r->x + r->w; x++) {
				if (cell[y * cols + x]++) {
					free(cell);
					return -1;
				}
				covered++;
			}
	}
	free(cell);
	return covered;
}

static void check_size(int rows, int cols, bool viewer_only, bool *all_ok)
{
	tui_screen_layout l;
	tui_compute_layout(rows, cols, -1, viewer_only, &l);
	bool good = !l.small;
	for (int p = 0; p < TUI_NPANES; p++)
		good = good && inside(&l.pane[p], rows, cols);
	good = good && inside(&l.status, rows, cols) && inside(&l.vbar, rows, cols);
	good = good && cover(&l, rows, cols) == (long)rows * cols;
	/* the graph is the largest pane, and every pane can show something */
	long g = (long)l.pane[TUI_GRAPH].h * l.pane[TUI_GRAPH].w;
	for (int p = 0; p < TUI_NPANES; p++) {
		const tui_rect *r = &l.pane[p];
		if (p != TUI_GRAPH && (long)r->h * r->w > g)
			good = false;
		bool shown = !(viewer_only && (p == TUI_INPUT || p == TUI_GRADS));
		if (shown && (r->h < 5 || r->w < 20))
			good = false;
		if (!shown && r->h != 0)
			good = false;
	}
	if (!good) {
		diag("%dx%d%s: graph %d,%d %dx%d inspect %d,%d %dx%d grads %d,%d %dx%d input %d,%d %dx%d",
		     cols, rows, viewer_only ? " (viewer)" : "",
		     l.pane[TUI_GRAPH].y, l.pane[TUI_GRAPH].x, l.pane[TUI_GRAPH].w, l.pane[TUI_GRAPH].h,
		     l.pane[TUI_INSPECT].y, l.pane[TUI_INSPECT].x, l.pane[TUI_INSPECT].w, l.pane[TUI_INSPECT].h,
		     l.pane[TUI_GRADS].y, l.pane[TUI_GRADS].x, l.pane[TUI_GRADS].w, l.pane[TUI_GRADS].h,
		     l.pane[TUI_INPUT].y, l.pane[TUI_INPUT].x, l.pane[TUI_INPUT].w, l.pane[TUI_INPUT].h);
		*all_ok = false;
	}
}

static void test_layout(void)
{
	tui_screen_layout l;
	tui_compute_layout(40, 120, -1, false, &l);
	ok(!l.small, "120x40 is big enough for the panes");
	is_int(l.status.y, 39, "120x40: the status line is the bottom row");
	is_int(l.status.w, 120, "120x40: as wide as the screen");
	is_int(l.pane[TUI_GRAPH].y, 0, "120x40: the graph is at the top left");
	is_int(l.pane[TUI_GRAPH].x, 0, "120x40: at column 0");
	is_int(l.pane[TUI_INPUT].y + l.pane[TUI_INPUT].h, 39,
	       "120x40: the transcript (with the input line) ends above the status line");
	is_int(l.pane[TUI_INPUT].w, 120, "120x40: the transcript is as wide as the screen");
	is_int(l.pane[TUI_INSPECT].x, l.pane[TUI_GRAPH].w + 1,
	       "120x40: the inspector is right of the graph and the bar");
	is_int(l.pane[TUI_GRADS].y, l.pane[TUI_INSPECT].y + l.pane[TUI_INSPECT].h,
	       "120x40: the gradients pane is under the inspector");
	ok(l.pane[TUI_GRAPH].w >= 80, "120x40: the graph pane is at least 80 wide (is %d)",
	   l.pane[TUI_GRAPH].w);
	is_int(cover(&l, 40, 120), 40 * 120, "120x40: the panes, the bar and the status line tile the screen");

	tui_compute_layout(24, 80, -1, false, &l);
	ok(!l.small, "80x24 takes the panes");
	is_int(cover(&l, 24, 80), 24 * 80, "80x24: the screen is tiled");
	ok(l.pane[TUI_INPUT].h >= 7, "80x24: the transcript has room (%d rows)", l.pane[TUI_INPUT].h);
	ok(l.pane[TUI_GRADS].h >= 5, "80x24: the gradients pane has room (%d rows)", l.pane[TUI_GRADS].h);
	ok(l.pane[TUI_INSPECT].w >= 28, "80x24: the inspector is at least 28 wide");

	bool all = true;
	for (int rows = TUI_MIN_ROWS; rows <= 120; rows += 3)
		for (int cols = TUI_MIN_COLS; cols <= 300; cols += 7) {
			check_size(rows, cols, false, &all);
			check_size(rows, cols, true, &all);
		}
	ok(all, "every size from 80x24 to 300x120: panes inside, tiling the screen, graph largest");

	static const int smalls[][2] = { { 23, 80 }, { 24, 79 }, { 20, 60 }, { 3, 10 }, { 1, 1 } };
	for (size_t i = 0; i < sizeof smalls / sizeof *smalls; i++) {
		int rows = smalls[i][0], cols = smalls[i][1];
		tui_compute_layout(rows, cols, -1, false, &l);
		ok(l.small, "%dx%d is too small for the panes", cols, rows);
		ok(l.message.h == 1 && l.message.y == 0 && l.message.w == cols,
		   "%dx%d: the top row says why", cols, rows);
		ok(l.pane[TUI_GRAPH].h == 0 && l.pane[TUI_INSPECT].h == 0 && l.pane[TUI_GRADS].h == 0,
		   "%dx%d: no graph, inspector or gradients", cols, rows);
		ok(rows < 3 || l.pane[TUI_INPUT].h > 0, "%dx%d: the transcript carries on", cols, rows);
		ok(cover(&l, rows, cols) >= 0, "%dx%d: nothing overlaps", cols, rows);
	}
	tui_compute_layout(20, 60, -1, true, &l);
	ok(l.small && l.pane[TUI_GRAPH].h > 0 && l.pane[TUI_INPUT].h == 0,
	   "60x20 in :view: the graph carries on instead of the transcript");
	tui_compute_layout(0, 0, -1, false, &l);
	ok(cover(&l, 1, 1) == 0, "0x0: nothing is shown");

	for (int p = 0; p < TUI_NPANES; p++) {
		tui_compute_layout(40, 120, p, false, &l);
		bool alone = l.pane[p].h == 39 && l.pane[p].w == 120 && l.pane[p].y == 0;
		for (int q = 0; q < TUI_NPANES; q++)
			if (q != p && l.pane[q].h)
				alone = false;
		ok(alone && l.vbar.h == 0 && l.status.h == 1,
		   "zooming the %s pane gives it the whole screen but the status line",
		   tui_pane_name((tui_pane_id)p));
	}
	tui_compute_layout(40, 120, -1, true, &l);
	ok(l.pane[TUI_INPUT].h == 0 && l.pane[TUI_GRADS].h == 0,
	   "the viewer of :view has no transcript and no gradients pane");
	ok(l.pane[TUI_GRAPH].h == 39 && l.pane[TUI_INSPECT].h == 39,
	   "its graph and inspector take the height");
	is_str(tui_pane_name(TUI_GRAPH), "graph", "pane names");
	is_str(tui_pane_name(TUI_NPANES), "?", "no pane");
}

/* ------------------------------------------------------------ decoding */

static int key(const char *s, size_t *used)
{
	tui_mouse m;
	return tui_decode_key((const unsigned char *)s, strlen(s), true, used, &m);
}

static void test_decode(void)
{
	static const struct { const char *seq; int key; const char *name; } seqs[] = {
		{ "\033[A", TUI_KEY_UP, "CSI A is Up" },
		{ "\033OA", TUI_KEY_UP, "SS3 A is Up (application mode)" },
		{ "\033[B", TUI_KEY_DOWN, "Down" },
		{ "\033[C", TUI_KEY_RIGHT, "Right" },
		{ "\033[D", TUI_KEY_LEFT, "Left" },
		{ "\033[1;5A", TUI_KEY_UP, "Ctrl-Up is Up" },
		{ "\033[5~", TUI_KEY_PGUP, "PgUp" },
		{ "\033[6~", TUI_KEY_PGDN, "PgDn" },
		{ "\033[H", TUI_KEY_HOME, "Home (xterm)" },
		{ "\033[1~", TUI_KEY_HOME, "Home (Linux console, tmux)" },
		{ "\033[7~", TUI_KEY_HOME, "Home (rxvt)" },
		{ "\033OH", TUI_KEY_HOME, "Home (SS3)" },
		{ "\033[F", TUI_KEY_END, "End (xterm)" },
		{ "\033[4~", TUI_KEY_END, "End (tmux)" },
		{ "\033OP", TUI_KEY_F1, "F1" },
		{ "\033[11~", TUI_KEY_F1, "F1 (rxvt)" },
		{ "\033[17~", TUI_KEY_F6, "F6" },
		{ "\033[Z", TUI_KEY_BTAB, "Shift-Tab" },
		{ "\033[2~", TUI_KEY_UNKNOWN, "Insert is known to nobody here" },
		{ "\030o", TUI_KEY_CX_O, "Ctrl-x o" },
		{ "\r", '\r', "Enter" },
		{ "\n", '\r', "Ctrl-J is Enter" },
		{ "\177", TUI_CTRL('h'), "DEL is Backspace" },
		{ "\t", '\t', "Tab" },
		{ "n", 'n', "a letter" },
		{ "\303\251", 0xE9, "UTF-8: é" },
		{ "\342\234\202", 0x2702, "UTF-8: a three-byte character" },
	};
	for (size_t i = 0; i < sizeof seqs / sizeof *seqs; i++) {
		size_t used;
		int k = key(seqs[i].seq, &used);
		ok(k == seqs[i].key && used == strlen(seqs[i].seq), "decode: %s", seqs[i].name);
		if (k != seqs[i].key)
			diag("got %d, want %d (used %zu)", k, seqs[i].key, used);
	}
	size_t used;
	tui_mouse m;
	/* a sequence that stops in the middle */
	static const char *const partial[] = { "\033", "\033[", "\033[1", "\033[1;5", "\033O",
					       "\033[<0;10", "\030", "\303" };
	for (size_t i = 0; i < sizeof partial / sizeof *partial; i++) {
		int k = tui_decode_key((const unsigned char *)partial[i], strlen(partial[i]), true,
				       &used, &m);
		ok(k == TUI_KEY_MORE && used == 0, "decode: an incomplete sequence (%zu bytes) waits",
		   strlen(partial[i]));
	}
	int k = tui_decode_key((const unsigned char *)"\033", 1, false, &used, &m);
	ok(k == TUI_KEY_ESC && used == 1, "decode: Esc with nothing after it is Esc");
	k = tui_decode_key((const unsigned char *)"\033x", 2, true, &used, &m);
	ok(k == TUI_KEY_ESC && used == 1, "decode: Esc then a letter (Alt-x) is Esc first");
	k = tui_decode_key((const unsigned char *)"\030x", 2, true, &used, &m);
	ok(k == TUI_CTRL('x') && used == 1, "decode: Ctrl-x then not o is Ctrl-x");
	k = tui_decode_key((const unsigned char *)"\033[1;5", 5, false, &used, &m);
	ok(k == TUI_KEY_UNKNOWN && used == 5, "decode: a cut sequence with nothing to come is dropped whole");
	k = tui_decode_key((const unsigned char *)"\033[A\033[B", 6, true, &used, &m);
	ok(k == TUI_KEY_UP && used == 3, "decode: one key at a time");
	k = tui_decode_key((const unsigned char *)"", 0, true, &used, &m);
	ok(k == TUI_KEY_NONE, "decode: nothing");

	memset(&m, 0, sizeof m);
	k = tui_decode_key((const unsigned char *)"\033[<0;12;5M", 10, true, &used, &m);
	ok(k == TUI_KEY_MOUSE && used == 10 && m.button == 0 && m.x == 11 && m.y == 4 && m.press,
	   "decode: an SGR mouse press at column 12, row 5 (0-based 11, 4)");
	k = tui_decode_key((const unsigned char *)"\033[<0;12;5m", 10, true, &used, &m);
	ok(k == TUI_KEY_MOUSE && !m.press, "decode: its release");
	k = tui_decode_key((const unsigned char *)"\033[<65;3;3M", 10, true, &used, &m);
	ok(k == TUI_KEY_MOUSE && m.button == 65, "decode: the wheel (down)");
	k = tui_decode_key((const unsigned char *)"\033[<16;3;3M", 10, true, &used, &m);
	ok(k == TUI_KEY_MOUSE && m.button == 0, "decode: a click with Ctrl held is a click");
	ok(tui_is_mouse_report((const unsigned char *)"\033[<0;1;1M", 9), "a mouse report is seen as one");
	ok(!tui_is_mouse_report((const unsigned char *)"\033[A", 3), "Up is not a mouse report");
	k = tui_decode_key((const unsigned char *)"\033[<0;x;1M", 9, true, &used, &m);
	ok(k == TUI_KEY_UNKNOWN && used > 0, "decode: a malformed mouse report is dropped");

	char buf[32];
	is_str(tui_key_name(TUI_CTRL('l'), buf, sizeof buf), "Ctrl-l", "key names: Ctrl-l");
	is_str(tui_key_name(TUI_KEY_PGDN, buf, sizeof buf), "PgDn", "key names: PgDn");
	is_str(tui_key_name('x', buf, sizeof buf), "x", "key names: x");
	is_str(tui_key_name('\r', buf, sizeof buf), "Enter", "key names: Enter");
}

/* ------------------------------------------------------------ dispatch */

typedef struct hits {
	int n;
	const char *want;
	bool found;
} hits;

static void collect(const char *keys, const char *what, void *ud)
{
	hits *h = ud;
	h->n++;
	if (h->want && (strstr(keys, h->want) || strstr(what, h->want)))
		h->found = true;
	if (!*keys || !*what)
		h->n = -1000;
}

static bool help_mentions(tui_pane_id p, const char *s)
{
	hits h = { .want = s };
	tui_key_help(p, collect, &h);
	return h.found;
}

static void test_dispatch(void)
{
	tui_key_state st = { 0 };
	static const struct { int key; tui_action act; const char *what; } graph[] = {
		{ 'n', TUI_ACT_NEXT_NODE, "n: next node" },
		{ 'p', TUI_ACT_PREV_NODE, "p: previous node" },
		{ 'N', TUI_ACT_PREV_NODE, "N: previous node" },
		{ '\r', TUI_ACT_SELECT, "Enter selects" },
		{ '/', TUI_ACT_SEARCH, "/ searches" },
		{ '+', TUI_ACT_MORE_DETAIL, "+: more detail" },
		{ '=', TUI_ACT_MORE_DETAIL, "= (unshifted +): more detail" },
		{ '-', TUI_ACT_LESS_DETAIL, "-: less detail" },
		{ 'b', TUI_ACT_BACKWARD_VIEW, "b: backward view" },
		{ 'f', TUI_ACT_FORWARD_VIEW, "f: forward view" },
		{ 'c', TUI_ACT_COLLAPSE, "c: collapse" },
		{ 'y', TUI_ACT_YANK, "y: copy the name" },
		{ 'z', TUI_ACT_ZOOM, "z: zoom" },
		{ 'q', TUI_ACT_UNZOOM_OR_QUIT, "q: un-zoom" },
		{ '?', TUI_ACT_HELP, "?: help" },
		{ TUI_KEY_F1, TUI_ACT_HELP, "F1: help" },
		{ TUI_CTRL('l'), TUI_ACT_REDRAW, "Ctrl-L: redraw" },
		{ '\t', TUI_ACT_FOCUS_NEXT, "Tab: next pane" },
		{ TUI_KEY_F6, TUI_ACT_FOCUS_NEXT, "F6: next pane" },
		{ TUI_KEY_CX_O, TUI_ACT_FOCUS_NEXT, "Ctrl-x o: next pane" },
		{ TUI_KEY_BTAB, TUI_ACT_FOCUS_PREV, "Shift-Tab: previous pane" },
		{ 'i', TUI_ACT_FOCUS_INPUT, "i: the input line" },
		{ TUI_KEY_ESC, TUI_ACT_FOCUS_INPUT, "Esc: the input line" },
		{ TUI_KEY_UP, TUI_ACT_SCROLL_UP, "Up scrolls" },
		{ 'k', TUI_ACT_SCROLL_UP, "k scrolls up" },
		{ 'j', TUI_ACT_SCROLL_DOWN, "j scrolls down" },
		{ 'h', TUI_ACT_SCROLL_LEFT, "h scrolls left" },
		{ 'l', TUI_ACT_SCROLL_RIGHT, "l scrolls right" },
		{ TUI_KEY_PGDN, TUI_ACT_PAGE_DOWN, "PgDn pages" },
		{ ' ', TUI_ACT_PAGE_DOWN, "Space pages" },
		{ 'g', TUI_ACT_TOP, "g: top" },
		{ 'G', TUI_ACT_BOTTOM, "G: bottom" },
		{ TUI_KEY_END, TUI_ACT_BOTTOM, "End: bottom" },
		{ 'x', TUI_ACT_NONE, "x does nothing" },
		{ TUI_KEY_UNKNOWN, TUI_ACT_NONE, "an unknown sequence does nothing" },
	};
	for (size_t i = 0; i < sizeof graph / sizeof *graph; i++)
		ok(tui_key_action(TUI_GRAPH, graph[i].key, &st) == graph[i].act, "graph pane: %s",
		   graph[i].what);
	st.searching = true;
	ok(tui_key_action(TUI_GRAPH, TUI_KEY_ESC, &st) == TUI_ACT_CLEAR_SEARCH,
	   "graph pane, searching: Esc ends the search first");
	ok(tui_key_action(TUI_GRAPH, 'n', &st) == TUI_ACT_NEXT_NODE,
	   "graph pane, searching: n goes on (to the next match)");
	st.searching = false;
	st.viewer_only = true;
	ok(tui_key_action(TUI_GRAPH, TUI_KEY_ESC, &st) == TUI_ACT_NONE,
	   "the viewer of :view: Esc has no input line to go to");
	ok(tui_key_action(TUI_GRAPH, 'y', &st) == TUI_ACT_NONE,
	   "the viewer of :view: nothing to copy a name into");
	ok(tui_key_action(TUI_GRAPH, 'q', &st) == TUI_ACT_UNZOOM_OR_QUIT, "the viewer of :view: q closes it");
	st.viewer_only = false;

	ok(tui_key_action(TUI_INSPECT, 'n', &st) == TUI_ACT_NONE, "inspector: n is not a node walk there");
	ok(tui_key_action(TUI_INSPECT, 'j', &st) == TUI_ACT_SCROLL_DOWN, "inspector: j scrolls");
	ok(tui_key_action(TUI_INSPECT, 'b', &st) == TUI_ACT_NONE, "inspector: b is the graph's");
	ok(tui_key_action(TUI_INSPECT, 'y', &st) == TUI_ACT_YANK, "inspector: y copies the name");
	ok(tui_key_action(TUI_GRADS, 'n', &st) == TUI_ACT_NEXT_NODE, "gradients: n goes to the next row");
	ok(tui_key_action(TUI_GRADS, '\r', &st) == TUI_ACT_SELECT, "gradients: Enter selects the leaf");
	ok(tui_key_action(TUI_GRADS, '/', &st) == TUI_ACT_NONE, "gradients: / is the graph's");
	ok(tui_key_action(TUI_INPUT, 'n', &st) == TUI_ACT_NONE, "the input line: keys are readline's");
	ok(tui_key_action(TUI_NPANES, 'n', &st) == TUI_ACT_NONE, "no pane: nothing");
	ok(tui_key_action(TUI_GRAPH, 'n', NULL) == TUI_ACT_NEXT_NODE, "no state given: defaults");

	/* help: every key that does something is listed for its pane */
	static const struct { tui_pane_id p; const char *s; } listed[] = {
		{ TUI_GRAPH, "/" }, { TUI_GRAPH, "Ctrl-x o" }, { TUI_GRAPH, "Shift-Tab" },
		{ TUI_GRAPH, "search" }, { TUI_GRAPH, "collapse" }, { TUI_GRAPH, "zoom" },
		{ TUI_GRAPH, "forward view" }, { TUI_INSPECT, "scroll" }, { TUI_GRADS, "next node" },
		{ TUI_INPUT, "Ctrl-x o" }, { TUI_INPUT, "Ctrl-C" }, { TUI_INPUT, ":tui off" },
		{ TUI_INPUT, "empty line" },
	};
	for (size_t i = 0; i < sizeof listed / sizeof *listed; i++)
		ok(help_mentions(listed[i].p, listed[i].s), "help of the %s pane mentions \"%s\"",
		   tui_pane_name(listed[i].p), listed[i].s);
	ok(!help_mentions(TUI_INSPECT, "collapse"), "help of the inspector leaves the graph's keys out");
	for (int p = 0; p < TUI_NPANES; p++) {
		hits h = { 0 };
		tui_key_help((tui_pane_id)p, collect, &h);
		ok(h.n >= 8, "help of the %s pane: %d lines, each with keys and what they do",
		   tui_pane_name((tui_pane_id)p), h.n);
	}
}

int main(void)
{
	plan_lazy();
	test_layout();
	test_decode();
	test_dispatch();
	return done_testing();
}
