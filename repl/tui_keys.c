/*
 * tui_keys.c - what the keyboard means to the viewer's panes.
 *
 * Bytes from the terminal become keys here (escape sequences of the
 * common terminals: xterm, the Linux console, tmux/screen, rxvt; xterm's
 * SGR mouse reports), and one table says what each key does in each pane.
 * The ? overlay prints that table, so help and behaviour cannot drift.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "tui_model.h"

/* ------------------------------------------------------------ decoding */

bool tui_is_mouse_report(const unsigned char *buf, size_t len)
{
	return len >= 3 && buf[0] == 0x1b && buf[1] == '[' && buf[2] == '<';
}

/* "\e[<b;x;y" then M (press) or m (release); returns the bytes taken, 0
 * when incomplete, -1 when malformed. */
static int decode_mouse(const unsigned char *buf, size_t len, tui_mouse *m)
{
	int v[3] = { 0, 0, 0 }, k = 0;
	for (size_t i = 3; i < len; i++) {
		unsigned char c = buf[i];
		if (c >= '0' && c <= '9') {
			if (v[k] < 100000)
				v[k] = v[k] * 10 + (c - '0');
		} else if (c == ';') {
			if (++k > 2)
				return -1;
		} else if ((c == 'M' || c == 'm') && k == 2) {
			m->button = v[0] & ~(4 | 8 | 16 | 32);	/* no modifiers, no motion */
			m->x = v[1] - 1;
			m->y = v[2] - 1;
			m->press = c == 'M';
			return (int)i + 1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* A CSI sequence "\e[" params final: the key it names. */
static int csi_key(const unsigned char *p, size_t n, unsigned char final)
{
	int num = 0;
	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		num = num * 10 + (p[i] - '0');
	switch (final) {
	case 'A': return TUI_KEY_UP;
	case 'B': return TUI_KEY_DOWN;
	case 'C': return TUI_KEY_RIGHT;
	case 'D': return TUI_KEY_LEFT;
	case 'H': return TUI_KEY_HOME;
	case 'F': return TUI_KEY_END;
	case 'Z': return TUI_KEY_BTAB;
	case 'P': return TUI_KEY_F1;
	case '~':
		switch (num) {
		case 1: case 7: return TUI_KEY_HOME;
		case 4: case 8: return TUI_KEY_END;
		case 5: return TUI_KEY_PGUP;
		case 6: return TUI_KEY_PGDN;
		case 11: return TUI_KEY_F1;
		case 17: return TUI_KEY_F6;
		}
	}
	return TUI_KEY_UNKNOWN;
}

static int utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 :
	       (c & 0xF8) == 0xF0 ? 4 : 1;
}

int tui_decode_key(const unsigned char *buf, size_t len, bool more_may_come,
		   size_t *used, tui_mouse *m)
{
	*used = 0;
	if (len == 0)
		return TUI_KEY_NONE;
	unsigned char c = buf[0];
	*used = 1;
	if (c == TUI_CTRL('x')) {
		if (len == 1)
			return more_may_come ? (*used = 0, TUI_KEY_MORE) : c;
		if (buf[1] == 'o') {
			*used = 2;
			return TUI_KEY_CX_O;
		}
		return c;
	}
	if (c == '\n')
		return '\r';
	if (c != 0x1b) {
		int n = utf8_len(c);
		if (n == 1)
			return c == 0x7f ? TUI_CTRL('h') : c;
		if ((size_t)n > len)
			return more_may_come ? (*used = 0, TUI_KEY_MORE) : 0xFFFD;
		int cp = c & (0x7f >> n);
		for (int i = 1; i < n; i++) {
			if ((buf[i] & 0xC0) != 0x80)
				return 0xFFFD;
			cp = (cp << 6) | (buf[i] & 0x3f);
		}
		*used = (size_t)n;
		return cp;
	}
	/* escape sequences */
	if (len == 1)
		return more_may_come ? (*used = 0, TUI_KEY_MORE) : TUI_KEY_ESC;
	if (buf[1] == 'O') {
		if (len == 2)
			return more_may_come ? (*used = 0, TUI_KEY_MORE) : TUI_KEY_ESC;
		*used = 3;
		return csi_key(NULL, 0, buf[2]);
	}
	if (buf[1] != '[')
		return TUI_KEY_ESC;	/* Esc, then the next key (Alt-x) */
	if (tui_is_mouse_report(buf, len)) {
		int n = decode_mouse(buf, len, m);
		if (n > 0) {
			*used = (size_t)n;
			return TUI_KEY_MOUSE;
		}
		if (n == 0 && more_may_come) {
			*used = 0;
			return TUI_KEY_MORE;
		}
		*used = 3;
		return TUI_KEY_UNKNOWN;
	}
	/* CSI: parameter bytes 0x30-0x3f, intermediates 0x20-0x2f, a final
	 * byte 0x40-0x7e */
	for (size_t i = 2; i < len; i++) {
		unsigned char b = buf[i];
		if (b >= 0x40 && b <= 0x7e) {
			*used = i + 1;
			return csi_key(buf + 2, i - 2, b);
		}
		if (b < 0x20 || b > 0x3f) {
			*used = i;
			return TUI_KEY_UNKNOWN;
		}
	}
	if (more_may_come) {
		*used = 0;
		return TUI_KEY_MORE;
	}
	*used = len;
	return TUI_KEY_UNKNOWN;
}

const char *tui_key_name(int key, char *buf, size_t n)
{
	static const char *const named[] = {
		"Up", "Down", "Left", "Right", "PgUp", "PgDn", "Home", "End",
		"F1", "F6", "Shift-Tab", "Esc", "mouse", "Ctrl-x o", "?"
	};
	if (key >= TUI_KEY_BASE && key <= TUI_KEY_UNKNOWN)
		snprintf(buf, n, "%s", named[key - TUI_KEY_BASE]);
	else if (key == '\r')
		snprintf(buf, n, "Enter");
	else if (key == '\t')
		snprintf(buf, n, "Tab");
	else if (key == ' ')
		snprintf(buf, n, "Space");
	else if (key >= 0 && key < 0x20)
		snprintf(buf, n, "Ctrl-%c", key + 'A' - 1 + ('a' - 'A'));
	else if (key < 0x80 && key > 0)
		snprintf(buf, n, "%c", key);
	else
		snprintf(buf, n, "U+%04X", (unsigned)key);
	return buf;
}

/* ------------------------------------------------------------ the table */

enum {
	IN_GRAPH = 1 << TUI_GRAPH,
	IN_INSPECT = 1 << TUI_INSPECT,
	IN_GRADS = 1 << TUI_GRADS,
	IN_PANES = IN_GRAPH | IN_INSPECT | IN_GRADS
};

typedef struct binding {
	unsigned panes;		/* IN_* */
	int keys[4];		/* 0-terminated when fewer */
	tui_action act;
	const char *names;	/* for help: "n / p" */
	const char *what;
} binding;

/* In order of the help overlay.  The first binding of a key that matches
 * the pane wins. */
static const binding table[] = {
	{ IN_PANES, { '\t', TUI_KEY_F6, TUI_KEY_CX_O }, TUI_ACT_FOCUS_NEXT,
	  "Tab, F6, Ctrl-x o", "next pane" },
	{ IN_PANES, { TUI_KEY_BTAB }, TUI_ACT_FOCUS_PREV, "Shift-Tab", "previous pane" },
	{ IN_PANES, { TUI_KEY_ESC, 'i' }, TUI_ACT_CLEAR_SEARCH, "Esc, i",
	  "back to the input line (Esc first ends a search)" },
	{ IN_PANES, { TUI_KEY_UP, 'k' }, TUI_ACT_SCROLL_UP, "Up, k", "scroll up" },
	{ IN_PANES, { TUI_KEY_DOWN, 'j' }, TUI_ACT_SCROLL_DOWN, "Down, j", "scroll down" },
	{ IN_GRAPH, { TUI_KEY_LEFT, 'h' }, TUI_ACT_SCROLL_LEFT, "Left, h", "scroll left" },
	{ IN_GRAPH, { TUI_KEY_RIGHT, 'l' }, TUI_ACT_SCROLL_RIGHT, "Right, l", "scroll right" },
	{ IN_PANES, { TUI_KEY_PGUP, TUI_CTRL('b') }, TUI_ACT_PAGE_UP, "PgUp, Ctrl-b", "page up" },
	{ IN_PANES, { TUI_KEY_PGDN, TUI_CTRL('f'), ' ' }, TUI_ACT_PAGE_DOWN,
	  "PgDn, Ctrl-f, Space", "page down" },
	{ IN_PANES, { 'g', TUI_KEY_HOME }, TUI_ACT_TOP, "g, Home", "top" },
	{ IN_PANES, { 'G', TUI_KEY_END }, TUI_ACT_BOTTOM, "G, End", "bottom" },
	{ IN_GRAPH | IN_GRADS, { 'n' }, TUI_ACT_NEXT_NODE, "n",
	  "next node in layout order (next match after a search)" },
	{ IN_GRAPH | IN_GRADS, { 'p', 'N' }, TUI_ACT_PREV_NODE, "p, N",
	  "previous node (previous match)" },
	{ IN_GRAPH | IN_GRADS, { '\r' }, TUI_ACT_SELECT, "Enter, click",
	  "select the node: the inspector shows it" },
	{ IN_GRAPH, { '/' }, TUI_ACT_SEARCH, "/", "search by variable, op or module name" },
	{ IN_GRAPH, { '+', '=' }, TUI_ACT_MORE_DETAIL, "+", "more detail (compact, normal, full)" },
	{ IN_GRAPH, { '-' }, TUI_ACT_LESS_DETAIL, "-", "less detail" },
	{ IN_GRAPH, { 'b' }, TUI_ACT_BACKWARD_VIEW, "b", "backward view: the grad_fn graph" },
	{ IN_GRAPH, { 'f' }, TUI_ACT_FORWARD_VIEW, "f",
	  "forward view: ops as written, detach cuts, no_grad regions" },
	{ IN_GRAPH, { 'c' }, TUI_ACT_COLLAPSE, "c", "collapse or expand the module of the node" },
	{ IN_PANES, { 'y' }, TUI_ACT_YANK, "y", "copy the node's name into the input line" },
	{ IN_PANES, { 'z' }, TUI_ACT_ZOOM, "z", "zoom the pane to the full screen and back" },
	{ IN_PANES, { 'q' }, TUI_ACT_UNZOOM_OR_QUIT, "q", "un-zoom (closes the viewer of :view)" },
	{ IN_PANES, { '?', TUI_KEY_F1 }, TUI_ACT_HELP, "?, F1", "this help" },
	{ IN_PANES, { TUI_CTRL('l') }, TUI_ACT_REDRAW, "Ctrl-L", "redraw the screen" },
};

tui_action tui_key_action(tui_pane_id pane, int key, const tui_key_state *st)
{
	static const tui_key_state none;
	if (!st)
		st = &none;
	if (pane <= TUI_INPUT || pane >= TUI_NPANES)
		return TUI_ACT_NONE;
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		const binding *b = &table[i];
		if (!(b->panes & (1u << pane)))
			continue;
		for (int k = 0; k < 4 && b->keys[k]; k++) {
			if (b->keys[k] != key)
				continue;
			if (b->act == TUI_ACT_CLEAR_SEARCH && !st->searching)
				return st->viewer_only ? TUI_ACT_NONE : TUI_ACT_FOCUS_INPUT;
			if (st->viewer_only && (b->act == TUI_ACT_YANK))
				return TUI_ACT_NONE;	/* no input line to copy into */
			return b->act;
		}
	}
	return TUI_ACT_NONE;
}

void tui_key_help(tui_pane_id pane,
		  void (*fn)(const char *keys, const char *what, void *ud),
		  void *ud)
{
	if (pane == TUI_INPUT) {
		static const char *const input[][2] = {
			{ "Tab", "complete; on an empty line, go to the graph pane" },
			{ "F6, Ctrl-x o", "next pane" },
			{ "Shift-Tab", "previous pane" },
			{ "PgUp, PgDn, wheel", "scroll the transcript" },
			{ "Up, Down, Ctrl-R", "history, history search" },
			{ "Ctrl-C", "interrupt what runs, or clear the line" },
			{ "Ctrl-D", "quit (on an empty line)" },
			{ "Ctrl-L", "redraw the screen" },
			{ "F1", "this help" },
			{ ":tui off", "back to the plain prompt (:tui on returns)" },
		};
		for (size_t i = 0; i < sizeof input / sizeof *input; i++)
			fn(input[i][0], input[i][1], ud);
		return;
	}
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (table[i].panes & (1u << pane))
			fn(table[i].names, table[i].what, ud);
}
