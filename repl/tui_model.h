/*
 * tui_model.h - the parts of the full-screen viewer that need no terminal:
 * where the panes go for a terminal size (tui_layout.c), and what the
 * keyboard means (tui_keys.c): decoding the bytes a terminal sends into
 * keys and mouse events, and the table that maps a key in a pane to an
 * action.  The help overlay is printed from the same table, so a key
 * cannot work without being listed.  Unit-tested in tests/term/test_tui.c.
 */
#ifndef REPL_TUI_MODEL_H
#define REPL_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------ panes */

typedef enum tui_pane_id {
	TUI_INPUT = 0,		/* the transcript with the input line: focus there
				   means typing goes to readline */
	TUI_GRAPH,
	TUI_INSPECT,
	TUI_GRADS,
	TUI_NPANES
} tui_pane_id;

const char *tui_pane_name(tui_pane_id p);	/* "graph" */

typedef struct tui_rect {
	int y, x, h, w;		/* h == 0: not shown */
} tui_rect;

/* The smallest terminal the panes fit in; below it only the transcript
 * and a line saying why are shown. */
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

typedef struct tui_screen_layout {
	bool small;		/* below TUI_MIN_COLS x TUI_MIN_ROWS */
	tui_rect message;	/* small: the line that says why */
	tui_rect pane[TUI_NPANES];	/* each with its title row at the top */
	tui_rect status;	/* the bottom row */
	tui_rect vbar;		/* the column between graph and the right side */
} tui_screen_layout;

/* Pane rectangles for a rows x cols terminal.  zoom is the pane shown
 * alone (-1: none); viewer_only drops the transcript and the gradients
 * (:view from plain mode: graph and inspector).  Every shown rectangle
 * lies inside the screen, none overlap, and together with the status
 * row and the bar they cover it. */
void tui_compute_layout(int rows, int cols, int zoom, bool viewer_only,
			tui_screen_layout *out);

/* ------------------------------------------------------------ keys */

/* Keys beyond Unicode: named keys (control characters and printable
 * characters are themselves). */
enum {
	TUI_KEY_NONE = -1,
	TUI_KEY_MORE = -2,	/* an incomplete sequence: wait for more bytes */
	TUI_KEY_BASE = 0x110000,
	TUI_KEY_UP = TUI_KEY_BASE, TUI_KEY_DOWN, TUI_KEY_LEFT, TUI_KEY_RIGHT,
	TUI_KEY_PGUP, TUI_KEY_PGDN, TUI_KEY_HOME, TUI_KEY_END,
	TUI_KEY_F1, TUI_KEY_F6, TUI_KEY_BTAB,	/* Shift-Tab */
	TUI_KEY_ESC,		/* Esc on its own */
	TUI_KEY_MOUSE,		/* see tui_mouse */
	TUI_KEY_CX_O,		/* Ctrl-x o (gdb's other window) */
	TUI_KEY_UNKNOWN		/* an escape sequence nobody wants */
};

#define TUI_CTRL(c) ((c) & 0x1f)

typedef struct tui_mouse {
	int x, y;		/* 0-based screen cell */
	int button;		/* 0 left, 1 middle, 2 right; 64 wheel up, 65 down */
	bool press;		/* press (true) or release */
} tui_mouse;

/* Decodes one key from the len bytes at buf: returns the key and sets
 * *used to the bytes it took.  An escape sequence that has not fully
 * arrived gives TUI_KEY_MORE (more_may_come) or, when no more bytes are on
 * their way, Esc on its own.  A mouse report (xterm SGR 1006 mode) gives
 * TUI_KEY_MOUSE and fills *m.  A UTF-8 character gives its code point. */
int tui_decode_key(const unsigned char *buf, size_t len, bool more_may_come,
		   size_t *used, tui_mouse *m);
/* The start of a mouse report ("\e[<"): the input line passes everything
 * else to readline, and takes these out first. */
bool tui_is_mouse_report(const unsigned char *buf, size_t len);

/* What a key does in a pane. */
typedef enum tui_action {
	TUI_ACT_NONE = 0,
	TUI_ACT_FOCUS_NEXT, TUI_ACT_FOCUS_PREV, TUI_ACT_FOCUS_INPUT,
	TUI_ACT_SCROLL_UP, TUI_ACT_SCROLL_DOWN, TUI_ACT_SCROLL_LEFT,
	TUI_ACT_SCROLL_RIGHT, TUI_ACT_PAGE_UP, TUI_ACT_PAGE_DOWN,
	TUI_ACT_TOP, TUI_ACT_BOTTOM,
	TUI_ACT_NEXT_NODE, TUI_ACT_PREV_NODE, TUI_ACT_SELECT,
	TUI_ACT_SEARCH, TUI_ACT_MORE_DETAIL, TUI_ACT_LESS_DETAIL,
	TUI_ACT_BACKWARD_VIEW, TUI_ACT_FORWARD_VIEW, TUI_ACT_COLLAPSE,
	TUI_ACT_YANK, TUI_ACT_HELP, TUI_ACT_REDRAW, TUI_ACT_ZOOM,
	TUI_ACT_UNZOOM_OR_QUIT,	/* q: un-zoom; closes :view */
	TUI_ACT_CLEAR_SEARCH,	/* Esc while searching; else focus input */
	TUI_ACT_NACTIONS
} tui_action;

typedef struct tui_key_state {
	bool zoomed;		/* the focused pane fills the screen */
	bool searching;		/* a search is active (n/p go to matches) */
	bool viewer_only;	/* :view from plain mode: no input line */
} tui_key_state;

/* The action of key in a focused pane (never TUI_INPUT: readline has the
 * keys there, the screen keys are bound into readline).  Mouse events are
 * handled by their position, not here. */
tui_action tui_key_action(tui_pane_id pane, int key, const tui_key_state *st);

/* One line of help per key of a pane, for the ? overlay: calls fn with the
 * key's name ("n / p") and what it does, in the table's order.  The input
 * line's keys (readline's, and the screen keys bound into it) come with
 * pane TUI_INPUT. */
void tui_key_help(tui_pane_id pane,
		  void (*fn)(const char *keys, const char *what, void *ud),
		  void *ud);
/* A key's name for messages: "Ctrl-L", "PgDn", "x". */
const char *tui_key_name(int key, char *buf, size_t n);

#endif
