/*
 * tui.c - the viewer's manager: it owns the screen, the focus, the zoom
 * and the redraw flags, reads the keyboard, and hands keys to readline
 * (the input line) or to the focused pane.  After every line it runs,
 * the graph pane takes a new snapshot -- the live view.
 *
 * One loop, no threads touching the screen: wait (poll) for a key, a
 * signal or captured output; handle what came; draw what changed once
 * nothing more is waiting (a 2,000-line paste draws once, not 2,000
 * times).
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <readline/readline.h>

#include <lauxlib.h>

#include "ag.h"
#include "commands.h"
#include "debugger.h"
#include "repl.h"
#include "tui.h"
#include "tuiint.h"
#include "vec.h"

#define ESC_WAIT_MS 25		/* the rest of an escape sequence */
#define LIVE_EVERY_MS 100	/* output of a running chunk shows this often */

static struct {
	lua_State *L;
	bool on;		/* the screen is up */
	bool viewer_only;	/* :view from the plain prompt */
	bool close_viewer;
	bool banner_shown;
	int rows, cols;
	tui_screen_layout lay;
	tui_pane_id focus;
	int zoom;		/* the pane shown alone, or -1 */
	bool help;		/* the ? overlay is up */
	bool dirty[TUI_NPANES], dirty_status, all_dirty, clear_screen;
	char message[256];
	bool running;		/* a chunk runs */
	double run_start, last_live;
	int cursor_y, cursor_x;
	/* the bytes typed, not yet handled */
	unsigned char *in;
	size_t in_len, in_cap, in_pos;
	bool in_eof;
	/* requests from readline's key bindings */
	int req_focus;
	bool req_redraw;
	/* the graph wants a new snapshot once input is handled */
	bool graph_stale, after_line;
	/* AGDB_TUI_TIMING: how long from a key to the redrawn screen */
	FILE *timing;
	bool ready_logged;
	double t_key, t_read;
	const char *t_kind;
} T = { .zoom = -1 };

static double now_ms(void)
{
	return repl_now() * 1e3;
}

/* ------------------------------------------------------------ services */

lua_State *tui_lua(void)
{
	return T.L;
}

bool tui_ascii(void)
{
	return repl_ascii_mode;
}

bool tui_active(void)
{
	return T.on;
}

void tui_dirty(tui_pane_id p)
{
	if ((unsigned)p < TUI_NPANES)
		T.dirty[p] = true;
}

void tui_dirty_all(void)
{
	T.all_dirty = true;
}

void tui_message(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(T.message, sizeof T.message, fmt, ap);
	va_end(ap);
	T.dirty_status = true;
}

void tui_set_focus(tui_pane_id p)
{
	if (T.viewer_only && p == TUI_INPUT)
		p = TUI_GRAPH;
	if (T.zoom >= 0 && T.zoom != (int)p) {
		T.zoom = -1;	/* another pane: back to all of them */
		tui_compute_layout(T.rows, T.cols, T.zoom, T.viewer_only, &T.lay);
		T.clear_screen = true;
	}
	T.focus = p;
	T.all_dirty = true;
}

void tui_request_focus(int delta)
{
	T.req_focus = delta;
}

void tui_request_redraw(void)
{
	T.req_redraw = true;
}

static const tui_pane_class *const panes[TUI_NPANES] = {
	[TUI_INPUT] = &tui_transcript_pane,
	[TUI_GRAPH] = &tui_graph_pane,
	[TUI_INSPECT] = &tui_inspect_pane,
	[TUI_GRADS] = &tui_grads_pane,
};

bool tui_input_shown(void)
{
	return !T.viewer_only && !T.running;
}

/* *p grown to hold need elements, by core's one growable array (vec.h) */
bool tui_grow(void *p, int *cap, int need, size_t elsize)
{
	void **pp = p;
	if (need <= *cap)
		return true;
	ag_vec v = { *pp, (size_t)*cap, (size_t)*cap, false };
	if (ag_vec_reserve(&v, (size_t)need - (size_t)*cap, elsize) < 0 || v.cap > INT_MAX) {
		ag_error_clear();	/* the caller says what could not be kept */
		return false;
	}
	*pp = v.data;
	*cap = (int)v.cap;
	return true;
}

int tui_transcript_width(void)
{
	int w = T.lay.pane[TUI_INPUT].w;
	return w > 0 ? w : T.cols;
}

int tui_text_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int w = 0;
	size_t len = strlen(s);
	while (len > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			k = 1;
			w++;
		} else {
			int cw = wcwidth(wc);
			w += cw >= 0 ? cw : 1;
		}
		s += k;
		len -= k;
	}
	return w;
}

int tui_put(int y, int x, int w, const char *s, attr_t a)
{
	if (w <= 0 || y < 0 || y >= T.rows || x < 0 || x >= T.cols)
		return 0;
	if (x + w > T.cols)
		w = T.cols - x;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int used = 0;
	size_t len = strlen(s);
	while (len > 0 && used < w) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			k = 1;
			wc = L'?';
		}
		int cw = wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > w)
			break;
		if (cw > 0) {
			wchar_t wcs[2] = { wc, 0 };
			cchar_t cc;
			setcchar(&cc, wcs, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
			mvadd_wch(y, x + used, &cc);
		}
		used += cw;
		s += k;
		len -= k;
	}
	return used;
}

void tui_fill(int y, int x, int w, attr_t a)
{
	if (y < 0 || y >= T.rows || x < 0 || w <= 0)
		return;
	if (x + w > T.cols)
		w = T.cols - x;
	attrset(a);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void tui_title(const tui_rect *r, const char *name, const char *info, bool focused)
{
	attr_t a = focused ? (viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_FOCUS) | A_BOLD
						     : A_REVERSE | A_BOLD)
			   : (viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_TITLE) : A_REVERSE);
	tui_fill(r->y, r->x, r->w, a);
	char head[96];
	/* the focus is said in text too, not only by the colour */
	snprintf(head, sizeof head, focused ? "[%s]" : " %s ", name);
	int used = tui_put(r->y, r->x, r->w, head, a);
	if (info && *info) {
		tui_put(r->y, r->x + used, r->w - used, " ", a);
		tui_put(r->y, r->x + used + 1, r->w - used - 1, info, a & ~A_BOLD);
	}
}

/* ------------------------------------------------------------ input */

static void in_push(const unsigned char *b, size_t n)
{
	if (T.in_pos > 0 && T.in_pos == T.in_len)
		T.in_pos = T.in_len = 0;
	if (T.in_len + n > T.in_cap) {
		if (T.in_pos > 0) {
			memmove(T.in, T.in + T.in_pos, T.in_len - T.in_pos);
			T.in_len -= T.in_pos;
			T.in_pos = 0;
		}
		size_t c = T.in_cap ? T.in_cap : 4096;
		while (c < T.in_len + n)
			c *= 2;
		unsigned char *p = realloc(T.in, c);
		if (!p)
			return;
		T.in = p;
		T.in_cap = c;
	}
	memcpy(T.in + T.in_len, b, n);
	T.in_len += n;
}

/* Reads what the terminal has; waits up to wait_ms (-1: until something
 * comes: a key, a signal, captured output).  Returns bytes read. */
static ssize_t read_input(int wait_ms)
{
	struct pollfd p[2] = {
		{ tui_term_input_fd(), POLLIN, 0 },
		{ tui_term_wake_fd(), POLLIN, 0 },
	};
	int n = poll(p, p[1].fd >= 0 ? 2 : 1, wait_ms);
	if (n <= 0)
		return 0;
	if (p[1].revents)
		tui_term_drain_wake();
	if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	unsigned char buf[4096];
	ssize_t r = read(tui_term_input_fd(), buf, sizeof buf);
	T.t_read = now_ms();
	if (r > 0)
		in_push(buf, (size_t)r);
	else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
		T.in_eof = true;
	return r > 0 ? r : 0;
}

size_t tui_input_avail(void)
{
	return T.in_len - T.in_pos;
}

int tui_input_getc(void)
{
	while (tui_input_avail() == 0) {
		if (T.in_eof)
			return -1;
		read_input(-1);
	}
	return T.in[T.in_pos++];
}

/* ------------------------------------------------------------ drawing */

static void draw_vbar(void)
{
	const tui_rect *b = &T.lay.vbar;
	if (b->h <= 0)
		return;
	attr_t a = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_GREY) : A_DIM;
	for (int y = b->y; y < b->y + b->h; y++)
		tui_put(y, b->x, 1, tui_ascii() ? "|" : "\u2502", a);
}

/* Key hints for the focus: the full list and a short one. */
static void focus_hints(const char **full, const char **brief)
{
	*brief = "? help";
	if (T.running) {
		*full = "running - Ctrl-C interrupts";
		*brief = "Ctrl-C interrupts";
		return;
	}
	if (tui_graph_search_active()) {
		*full = "type a name  Enter search  Esc cancel";
		*brief = "Enter  Esc";
		return;
	}
	switch (T.focus) {
	case TUI_GRAPH:
		*full = T.viewer_only ? "arrows scroll  n/p node  / search  +/- detail  b/f view  ? help  q close"
				      : "arrows scroll  n/p node  / search  +/- detail  b/f view  ? help  Esc prompt";
		*brief = T.viewer_only ? "n/p node  ? help  q close" : "n/p node  ? help  Esc prompt";
		return;
	case TUI_INSPECT:
	case TUI_GRADS:
		*full = T.viewer_only ? "arrows scroll  Tab pane  ? help  q close"
				      : "arrows scroll  Tab pane  z zoom  ? help  Esc prompt";
		*brief = T.viewer_only ? "? help  q close" : "? help  Esc prompt";
		return;
	default:
		*full = "Tab graph  F6 panes  PgUp/PgDn scroll  F1 help  Ctrl-D quit";
		*brief = "Tab graph  F1 help";
		return;
	}
}

static void draw_status(void)
{
	const tui_rect *r = &T.lay.status;
	if (r->h <= 0)
		return;
	attr_t a = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_STATUS) : A_REVERSE;
	tui_fill(r->y, r->x, r->w, a);
	char left[256];
	const char *sep = tui_ascii() ? "|" : "\u2502";
	snprintf(left, sizeof left, " %s %s %s %s %s %s focus: %s ",
		 tui_graph_view_name(), sep, tui_graph_detail_name(), sep, tui_graph_root(), sep,
		 tui_pane_name(T.focus));
	int lw = tui_text_width(left);
	const char *full, *brief;
	focus_hints(&full, &brief);
	const char *right = T.message[0] ? T.message : full;
	int rw = tui_text_width(right);
	if (lw + rw + 2 > r->w && !T.message[0]) {
		right = brief;
		rw = tui_text_width(right);
	}
	if (lw + rw + 2 > r->w) {
		/* the right side (a message, the hints) matters more: the left
		 * keeps what fits */
		int keep = r->w - rw - 2;
		if (keep < 0) {
			keep = 0;
			rw = r->w - 1;
		}
		lw = keep;
	}
	tui_put(r->y, r->x, lw, left, a);
	if (rw > 0)
		tui_put(r->y, r->x + r->w - rw - 1, rw, right, T.message[0] ? a | A_BOLD : a);
}

typedef struct help_ctx {
	int y, x, w, row, rows;
} help_ctx;

static void help_line(const char *keys, const char *what, void *ud)
{
	help_ctx *h = ud;
	if (h->row >= h->rows)
		return;
	int kw = 20 < h->w / 3 ? 20 : h->w / 3;
	tui_fill(h->y + h->row, h->x, h->w, A_NORMAL);
	tui_put(h->y + h->row, h->x + 1, kw, keys, A_BOLD);
	tui_put(h->y + h->row, h->x + 2 + kw, h->w - kw - 3, what, A_NORMAL);
	h->row++;
}

static void count_line(const char *keys, const char *what, void *ud)
{
	(void)keys;
	(void)what;
	(*(int *)ud)++;
}

static int count_help(tui_pane_id p)
{
	int n = 0;
	tui_key_help(p, count_line, &n);
	return n;
}

static void draw_help(void)
{
	tui_pane_id p = T.focus;
	int n = count_help(p);
	int w = T.cols - 4 < 84 ? T.cols - 4 : 84;
	int h = n + 4 < T.rows - 2 ? n + 4 : T.rows - 2;
	int y = (T.rows - h) / 2, x = (T.cols - w) / 2;
	attr_t frame = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_FOCUS) | A_BOLD
					      : A_REVERSE | A_BOLD;
	char title[96];
	snprintf(title, sizeof title, " keys of the %s%s ", tui_pane_name(p),
		 p == TUI_INPUT ? " line" : " pane");
	tui_fill(y, x, w, frame);
	tui_put(y, x + 1, w - 2, title, frame);
	help_ctx hc = { .y = y + 1, .x = x, .w = w, .row = 0, .rows = h - 3 };
	tui_fill(hc.y, x, w, A_NORMAL);
	hc.row = 1;
	tui_key_help(p, help_line, &hc);
	while (hc.row < hc.rows)
		tui_fill(hc.y + hc.row++, x, w, A_NORMAL);
	tui_fill(y + h - 1, x, w, frame);
	tui_put(y + h - 1, x + 1, w - 2, " any key closes this help ", frame);
}

static void draw_small_message(void)
{
	const tui_rect *m = &T.lay.message;
	if (m->h <= 0)
		return;
	char msg[200];
	snprintf(msg, sizeof msg, "agdb: the terminal is %dx%d; the panes need %dx%d "
		 "(enlarge it, or :tui off)", T.cols, T.rows, TUI_MIN_COLS, TUI_MIN_ROWS);
	attr_t a = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_STATUS) : A_REVERSE;
	tui_fill(m->y, m->x, m->w, a);
	tui_put(m->y, m->x, m->w, msg, a);
}

static void relayout(void)
{
	int rows, cols;
	tui_term_size(&rows, &cols);
	if (rows != LINES || cols != COLS)
		resizeterm(rows, cols);
	T.rows = LINES;
	T.cols = COLS;
	tui_compute_layout(T.rows, T.cols, T.zoom, T.viewer_only, &T.lay);
	if (T.lay.pane[T.focus].h <= 0)
		T.focus = T.viewer_only ? TUI_GRAPH : TUI_INPUT;
	T.all_dirty = true;
	T.clear_screen = true;
}

static void draw(void)
{
	if (!T.on)
		return;
	if (T.clear_screen) {
		clearok(curscr, TRUE);
		erase();
		T.clear_screen = false;
	}
	bool all = T.all_dirty || T.help;
	T.cursor_y = -1;
	if (T.lay.small)
		draw_small_message();
	for (int p = 0; p < TUI_NPANES; p++) {
		const tui_rect *r = &T.lay.pane[p];
		if (r->h <= 0 || !(all || T.dirty[p]))
			continue;
		panes[p]->draw(r, T.focus == (tui_pane_id)p);
		if (p == TUI_INPUT)
			tui_transcript_cursor(&T.cursor_y, &T.cursor_x);
		T.dirty[p] = false;
	}
	if (all)
		draw_vbar();
	draw_status();
	T.dirty_status = false;
	if (T.help)
		draw_help();
	T.all_dirty = false;
	bool show_cursor = T.focus == TUI_INPUT && !T.running && !T.help && !T.viewer_only &&
			   T.lay.pane[TUI_INPUT].h > 0;
	if (show_cursor && T.cursor_y < 0) {
		/* the transcript was not drawn: the input line still moves */
		const tui_rect *r = &T.lay.pane[TUI_INPUT];
		int cx;
		tui_rl_draw(r->y + r->h - 1, r->x, r->w, &cx);
		T.cursor_y = r->y + r->h - 1;
		T.cursor_x = cx;
	}
	if (show_cursor) {
		curs_set(1);
		move(T.cursor_y, T.cursor_x);
	} else {
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
	if (T.timing && T.t_key > 0) {
		double snap, lay;
		bool laid;
		tui_graph_timing(&snap, &lay, &laid);
		fprintf(T.timing, "%s %.3f snapshot %.3f layout %.3f\n", T.t_kind,
			now_ms() - T.t_key, snap, laid ? lay : 0.0);
		fflush(T.timing);
		T.t_key = 0;
	}
}

/* ------------------------------------------------------------ output */

static void drain_output(void)
{
	size_t n;
	char *out = tui_capture_take(&n);
	if (out) {
		tui_transcript_output(out, n);
		free(out);
	}
}

static void error_sink(const char *msg)
{
	drain_output();		/* what came before the error shows first */
	tui_transcript_add(msg, TUI_TS_ERROR);
}

/* A chunk runs: its output shows as it comes, the screen follows resizes
 * and Ctrl-Z, and the status line says how to stop it. */
static void live_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
	double t = now_ms();
	if (t - T.last_live < LIVE_EVERY_MS)
		return;
	T.last_live = t;
	bool redraw = false;
	if (tui_term_take_resize()) {
		relayout();
		redraw = true;
	}
	if (tui_term_take_continued()) {
		T.all_dirty = T.clear_screen = true;
		redraw = true;
	}
	if (tui_capture_pending()) {
		drain_output();
		redraw = true;
	}
	if (!T.running && t - T.run_start > 300) {
		T.running = true;
		T.dirty[TUI_INPUT] = true;
		redraw = true;
	}
	if (redraw)
		draw();
}

/* ------------------------------------------------------------ lines */

static void process_line(char *line)
{
	char *echo = malloc(strlen(repl_prompt()) + strlen(line) + 1);
	tui_transcript_bottom();
	drain_output();
	if (echo) {
		strcpy(echo, repl_prompt());
		strcat(echo, line);
		tui_transcript_add(echo, TUI_TS_INPUT);
		free(echo);
	}
	repl_history_add(line);
	tui_rl_history_moved();
	T.run_start = T.last_live = now_ms();
	lua_sethook(T.L, live_hook, LUA_MASKCOUNT, 20000);
	repl_feed_line(T.L, line);
	lua_sethook(T.L, NULL, 0, 0);
	T.running = false;
	drain_output();
	tui_rl_set_prompt(repl_prompt());
	T.graph_stale = true;
	T.after_line = true;
	T.all_dirty = true;
}

static void cancel_line(void)
{
	char *was = tui_rl_cancel();
	char *echo = malloc(strlen(repl_prompt()) + strlen(was ? was : "") + 3);
	if (echo) {
		sprintf(echo, "%s%s^C", repl_prompt(), was ? was : "");
		tui_transcript_add(echo, TUI_TS_INPUT);
		free(echo);
	}
	free(was);
	repl_cancel_chunk();
	tui_rl_set_prompt(repl_prompt());
	tui_transcript_bottom();
}

/* ------------------------------------------------------------ keys */

static void cycle_focus(int delta)
{
	static const tui_pane_id order[] = { TUI_INPUT, TUI_GRAPH, TUI_INSPECT, TUI_GRADS };
	int n = 4, i = 0;
	for (int k = 0; k < n; k++)
		if (order[k] == T.focus)
			i = k;
	T.zoom = -1;
	tui_compute_layout(T.rows, T.cols, T.zoom, T.viewer_only, &T.lay);
	for (int step = 0; step < n; step++) {
		i = (i + delta + n) % n;
		if (T.lay.pane[order[i]].h > 0 && !(T.viewer_only && order[i] == TUI_INPUT))
			break;
	}
	tui_set_focus(order[i]);
	relayout();
}

static void do_action(tui_pane_id p, tui_action a)
{
	const tui_rect *r = &T.lay.pane[p];
	switch (a) {
	case TUI_ACT_FOCUS_NEXT:
		cycle_focus(+1);
		return;
	case TUI_ACT_FOCUS_PREV:
		cycle_focus(-1);
		return;
	case TUI_ACT_FOCUS_INPUT:
		tui_set_focus(TUI_INPUT);
		T.zoom = -1;
		relayout();
		return;
	case TUI_ACT_HELP:
		T.help = true;
		return;
	case TUI_ACT_REDRAW:
		T.all_dirty = T.clear_screen = true;
		return;
	case TUI_ACT_ZOOM:
		T.zoom = T.zoom >= 0 ? -1 : (int)p;
		relayout();
		return;
	case TUI_ACT_UNZOOM_OR_QUIT:
		if (T.viewer_only) {
			T.close_viewer = true;
		} else if (T.zoom >= 0) {
			T.zoom = -1;
			relayout();
		}
		return;
	case TUI_ACT_YANK: {
		const char *name = tui_inspect_name();
		if (!name) {
			tui_message("no node selected: n selects one, Enter picks it");
			return;
		}
		tui_set_focus(TUI_INPUT);
		T.zoom = -1;
		relayout();
		tui_rl_insert(name);
		return;
	}
	default:
		break;
	}
	if (panes[p]->act)
		panes[p]->act(a, r);
	T.dirty[p] = true;
}

static tui_pane_id pane_at(int y, int x)
{
	for (int p = 0; p < TUI_NPANES; p++) {
		const tui_rect *r = &T.lay.pane[p];
		if (r->h > 0 && y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w)
			return (tui_pane_id)p;
	}
	return TUI_NPANES;
}

static void do_mouse(const tui_mouse *m)
{
	tui_pane_id p = pane_at(m->y, m->x);
	if (p == TUI_NPANES || !m->press)
		return;
	const tui_rect *r = &T.lay.pane[p];
	if (m->button == 64 || m->button == 65) {
		/* the wheel scrolls the pane under the pointer, focused or not */
		for (int i = 0; i < 3; i++)
			do_action(p, m->button == 64 ? TUI_ACT_SCROLL_UP : TUI_ACT_SCROLL_DOWN);
		return;
	}
	if (m->button != 0)
		return;
	if (T.focus != p)
		tui_set_focus(p);
	if (panes[p]->click)
		panes[p]->click(m->y - r->y - 1, m->x - r->x, r);
	T.dirty[p] = true;
}

static void pane_key(int key)
{
	if (tui_graph_search_active() && tui_graph_search_key(key)) {
		T.dirty[TUI_GRAPH] = true;
		return;
	}
	tui_key_state st = { .zoomed = T.zoom >= 0,
			     .searching = T.focus == TUI_GRAPH && tui_graph_has_matches(),
			     .viewer_only = T.viewer_only };
	tui_action a = tui_key_action(T.focus, key, &st);
	if (a == TUI_ACT_CLEAR_SEARCH) {
		tui_graph_act(a, &T.lay.pane[TUI_GRAPH]);
		T.dirty[TUI_GRAPH] = true;
		return;
	}
	if (a == TUI_ACT_NONE) {
		char name[32];
		if (key != TUI_KEY_UNKNOWN)
			tui_message("%s does nothing here (? lists the keys)",
				    tui_key_name(key, name, sizeof name));
		return;
	}
	do_action(T.focus, a);
}

static void handle_requests(void)
{
	if (T.req_focus) {
		int d = T.req_focus;
		T.req_focus = 0;
		cycle_focus(d);
	}
	if (T.req_redraw) {
		T.req_redraw = false;
		T.all_dirty = T.clear_screen = true;
	}
}

/* The screen's keys on the input line (F1, F6, Ctrl-x o, Shift-Tab,
 * PgUp, PgDn) are taken before readline: true when the bytes at b were
 * one of them. */
static bool screen_key(const unsigned char *b, size_t n)
{
	size_t used;
	tui_mouse m;
	if (b[0] != 0x1b && b[0] != TUI_CTRL('x'))
		return false;
	int k = tui_decode_key(b, n, false, &used, &m);
	switch (k) {
	case TUI_KEY_F1:
		T.help = true;
		break;
	case TUI_KEY_F6:
	case TUI_KEY_CX_O:
		cycle_focus(+1);
		break;
	case TUI_KEY_BTAB:
		cycle_focus(-1);
		break;
	case TUI_KEY_PGUP:
		tui_transcript_page(+1);
		break;
	case TUI_KEY_PGDN:
		tui_transcript_page(-1);
		break;
	default:
		return false;	/* readline's (arrows, Alt-x, Ctrl-x Ctrl-u ...) */
	}
	T.in_pos += used;
	return true;
}

/* Handles the bytes that wait.  Returns false when the input ended. */
static bool handle_input(void)
{
	while (tui_input_avail() > 0 && !T.close_viewer) {
		const unsigned char *b = T.in + T.in_pos;
		size_t n = tui_input_avail(), used;
		tui_mouse m;
		if (T.help) {
			int k = tui_decode_key(b, n, false, &used, &m);
			T.in_pos += used ? used : 1;
			if (k != TUI_KEY_MOUSE || m.press) {
				T.help = false;
				T.all_dirty = true;
			}
			continue;
		}
		if (T.message[0]) {
			T.message[0] = 0;
			T.dirty_status = true;
		}
		if (T.focus == TUI_INPUT && !T.viewer_only) {
			if (tui_is_mouse_report(b, n)) {
				int k = tui_decode_key(b, n, true, &used, &m);
				if (k == TUI_KEY_MORE) {
					/* the rest is on its way; if not, drop it */
					if (read_input(ESC_WAIT_MS) > 0)
						continue;
					k = tui_decode_key(T.in + T.in_pos, tui_input_avail(), false,
							   &used, &m);
				}
				T.in_pos += used ? used : 1;
				if (k == TUI_KEY_MOUSE)
					do_mouse(&m);
				continue;
			}
			if (n == 1 && (b[0] == 0x1b || b[0] == TUI_CTRL('x'))) {
				/* a lone Esc or Ctrl-x might start a sequence */
				if (read_input(ESC_WAIT_MS) > 0)
					continue;
			}
			if (screen_key(b, n))
				continue;
			tui_rl_read();
			handle_requests();
			bool eof;
			char *line = tui_rl_take_line(&eof);
			if (eof)
				return false;
			if (line) {
				/* from when the bytes with the Enter were read (readline
				 * reads ahead what was typed, so the Enter itself is
				 * seen only as the end of the line) */
				T.t_key = T.t_read;
				T.t_kind = "enter";
				process_line(line);
				free(line);
				return true;	/* the loop looks at :quit, :tui off */
			}
			continue;
		}
		int k = tui_decode_key(b, n, true, &used, &m);
		if (k == TUI_KEY_MORE) {
			if (read_input(ESC_WAIT_MS) > 0)
				continue;
			b = T.in + T.in_pos;
			n = tui_input_avail();
			k = tui_decode_key(b, n, false, &used, &m);
		}
		T.in_pos += used ? used : 1;
		if (k == TUI_KEY_MOUSE) {
			do_mouse(&m);
			continue;
		}
		T.t_key = now_ms();
		T.t_kind = "key";
		pane_key(k);
	}
	return !T.in_eof || tui_input_avail() > 0;
}

/* ------------------------------------------------------------ start, stop */

const char *tui_unavailable(char *buf, size_t n)
{
	if (T.on) {
		snprintf(buf, n, "the viewer is already on");
		return buf;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(buf, n, "the viewer needs a terminal (stdin and stdout are not both one)");
		return buf;
	}
	const char *term = getenv("TERM");
	if (!term || !*term || !strcmp(term, "dumb")) {
		snprintf(buf, n, "the viewer needs a terminal that can draw (TERM is %s)",
			 term && *term ? term : "unset");
		return buf;
	}
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row &&
	    (ws.ws_col < TUI_MIN_COLS || ws.ws_row < TUI_MIN_ROWS)) {
		snprintf(buf, n, "the terminal is %dx%d and the viewer needs %dx%d",
			 ws.ws_col, ws.ws_row, TUI_MIN_COLS, TUI_MIN_ROWS);
		return buf;
	}
	return NULL;
}

static int start(lua_State *L, bool viewer_only, char *err, size_t n)
{
	/* readline first: its terminal setup (tgetent) replaces the curses
	 * terminal when it comes after newterm */
	rl_change_environment = 0;	/* no LINES/COLUMNS from our screen size */
	repl_readline_init(L);
	if (tui_term_start(err, n) < 0)
		return -1;
	T.L = L;
	T.on = true;
	T.viewer_only = viewer_only;
	T.close_viewer = false;
	T.help = false;
	T.zoom = -1;
	T.focus = viewer_only ? TUI_GRAPH : TUI_INPUT;
	T.message[0] = 0;
	T.in_len = T.in_pos = 0;
	T.in_eof = false;
	T.running = false;
	viz_curses_init(repl_opts.color);
	relayout();
	const char *tpath = getenv("AGDB_TUI_TIMING");
	if (tpath && *tpath && !T.timing)
		T.timing = fopen(tpath, "a");
	repl_error_sink = error_sink;
	dbg_track_updates(L);	/* the gradients pane shows update ratios */
	if (!viewer_only) {
		repl_number_chunks(true);
		tui_rl_start(L);
	}
	return 0;
}

static void stop(void)
{
	if (!T.on)
		return;
	drain_output();
	if (!T.viewer_only)
		tui_rl_stop();
	repl_error_sink = NULL;
	repl_number_chunks(false);
	tui_term_stop();
	T.on = false;
	if (T.timing) {
		fclose(T.timing);
		T.timing = NULL;
	}
}

/* What happened between keys: a resize, fg after Ctrl-Z, Ctrl-C, output. */
static void between_keys(void)
{
	if (tui_term_take_resize())
		relayout();
	if (tui_term_take_continued())
		T.all_dirty = T.clear_screen = true;
	if (repl_take_sigint()) {
		if (T.viewer_only)
			T.close_viewer = true;
		else if (T.focus == TUI_INPUT)
			cancel_line();
		else if (tui_graph_search_active() || tui_graph_has_matches())
			tui_graph_act(TUI_ACT_CLEAR_SEARCH, &T.lay.pane[TUI_GRAPH]);
		else
			tui_set_focus(TUI_INPUT);
	}
	if (tui_capture_pending())
		drain_output();
}

static void refresh_graph(void)
{
	if (!T.graph_stale)
		return;
	T.graph_stale = false;
	tui_graph_refresh(T.L, T.after_line);
	T.after_line = false;
	T.all_dirty = true;
}

int tui_loop(lua_State *L, int *status)
{
	char err[256];
	if (start(L, false, err, sizeof err) < 0) {
		fprintf(stderr, "agdb: %s; using the plain prompt\n", err);
		return 0;
	}
	if (!T.banner_shown) {
		char banner[160];
		repl_banner(banner, sizeof banner);
		tui_transcript_add(banner, TUI_TS_NOTE);
		tui_transcript_add("The graph redraws after each line. Tab (on an empty line) "
				   "walks it, F1 lists the keys.", TUI_TS_NOTE);
		T.banner_shown = true;
	}
	T.graph_stale = true;
	T.after_line = false;
	bool ended = false;
	for (;;) {
		if (repl_quit_requested(status)) {
			ended = true;
			break;
		}
		int req = repl_take_mode_request();
		if (req == 0)
			break;
		between_keys();
		if (tui_input_avail() == 0) {
			refresh_graph();
			draw();
			if (T.timing && !T.ready_logged) {
				fprintf(T.timing, "ready 0\n");
				fflush(T.timing);
				T.ready_logged = true;
			}
			read_input(-1);
		}
		if (!handle_input()) {
			ended = true;	/* Ctrl-D, or the terminal went away */
			*status = 0;
			break;
		}
	}
	stop();
	return ended ? 1 : 0;
}

int tui_view(lua_State *L, int idx)
{
	char err[256];
	if (tui_unavailable(err, sizeof err))
		return luaL_error(L, "agdb.view: %s", err);
	int ref = LUA_NOREF;
	if (!lua_isnoneornil(L, idx)) {
		lua_pushvalue(L, idx);
		ref = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	tui_graph_reset();
	tui_graph_pin(L, NULL, ref, -1, -1);
	if (start(L, true, err, sizeof err) < 0)
		return luaL_error(L, "agdb.view: %s", err);
	T.graph_stale = true;
	T.after_line = false;
	while (!T.close_viewer) {
		between_keys();
		if (T.close_viewer || ag_interrupt_pending())
			break;
		if (tui_input_avail() == 0) {
			refresh_graph();
			draw();
			read_input(-1);
		}
		if (!handle_input())
			break;
	}
	stop();
	tui_graph_pin(L, NULL, LUA_NOREF, -1, -1);
	tui_graph_reset();
	return 0;
}

/* ------------------------------------------------------------ :commands */

bool tui_command_line(lua_State *L, const char *line)
{
	const char *s = line + strspn(line, " \t") + 1;
	size_t len = strcspn(s, " \t\r\n");
	const repl_cmd *cmd = repl_cmd_find(s, len);
	if (!cmd || (strcmp(cmd->name, "graph") != 0 && strcmp(cmd->name, "view") != 0))
		return false;
	char *expr = NULL;
	int view, detail;
	if (repl_graph_parse_line(s + len, &expr, &view, &detail) < 0)
		return false;
	if (!tui_graph_try_pin(L, expr, view, detail)) {
		free(expr);
		return true;
	}
	if (strcmp(cmd->name, "view") == 0) {
		tui_set_focus(TUI_GRAPH);
		T.zoom = TUI_GRAPH;
		relayout();
	}
	char note[256];
	if (expr)
		snprintf(note, sizeof note, "graph pane: %s (:graph alone draws every global tensor)",
			 expr);
	else
		snprintf(note, sizeof note, "graph pane: every global tensor");
	tui_transcript_add(note, TUI_TS_NOTE);
	free(expr);
	return true;
}

void tui_select_node(uint64_t node_id, uint64_t leaf_id)
{
	tui_graph_want(node_id, leaf_id);
	T.graph_stale = true;
}

int tui_transcript_columns(void)
{
	return T.on ? tui_transcript_width() : 0;
}

void tui_pin_value(lua_State *L, int idx)
{
	int ref = LUA_NOREF;
	if (!lua_isnoneornil(L, idx)) {
		lua_pushvalue(L, idx);
		ref = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	tui_graph_pin(L, NULL, ref, -1, -1);
	tui_set_focus(TUI_GRAPH);
	T.zoom = TUI_GRAPH;
	relayout();
	T.graph_stale = true;
}
