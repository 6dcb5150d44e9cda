/*
 * tuiint.h - what the viewer's files share (htop's structure: a manager
 * owns the screen, the focus and the redraw flags; each pane draws itself
 * and handles its keys).
 *
 *   tui.c            the manager: start and stop, the input loop, focus,
 *                    zoom, the status line, the help overlay, redraws
 *   tui_term.c       the terminal: modes, signals, restoring it on every
 *                    exit path, capturing what the program writes
 *   tui_rl.c         readline's callback interface inside the screen
 *   tui_transcript.c what was typed and printed, scrollable
 *   tui_graph.c      the live graph (viz/ draws it)
 *   tui_inspect.c    the selected node in detail
 *   tui_grads.c      one row per leaf with a .grad
 *   tui_layout.c, tui_keys.c (tui_model.h): no terminal needed
 */
#ifndef REPL_TUIINT_H
#define REPL_TUIINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "curses.h"	/* viz/curses.h: the one curses include */
#include "graph.h"
#include "tui_model.h"

/* ------------------------------------------------------------ panes */

/* A pane as the manager sees it (htop's Panel): it draws itself into its
 * rectangle (the first row is its title), does the actions of its keys
 * (tui_keys.c's table), and takes a click at (y, x) of its content (the
 * row under the title is 0).  act and click may be NULL. */
typedef struct tui_pane_class {
	void (*draw)(const tui_rect *r, bool focused);
	void (*act)(tui_action a, const tui_rect *r);
	void (*click)(int y, int x, const tui_rect *r);
} tui_pane_class;

extern const tui_pane_class tui_transcript_pane, tui_graph_pane, tui_inspect_pane,
	tui_grads_pane;

/* ------------------------------------------------------------ tui.c */

/* The Lua state of the session. */
lua_State *tui_lua(void);
bool tui_ascii(void);
/* Panes to draw again at the next refresh. */
void tui_dirty(tui_pane_id p);
void tui_dirty_all(void);
/* A message on the status line until the next key. */
void tui_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tui_set_focus(tui_pane_id p);
/* Requests from readline's key bindings (tui_rl.c). */
void tui_request_focus(int delta);	/* +1 next pane, -1 previous */
void tui_request_redraw(void);

/* The bytes typed and not yet handled: the next one (waits for it when
 * none is there, -1 at end of input), and how many wait. */
int tui_input_getc(void);
size_t tui_input_avail(void);
/* Width of the transcript pane (for completion lists). */
int tui_transcript_width(void);
/* Whether the transcript shows the input line now (not while a chunk
 * runs, not in :view). */
bool tui_input_shown(void);
/* A growable array: *p grows to hold need elements (cap doubles); false
 * when out of memory (then *p is unchanged). */
bool tui_grow(void *p, int *cap, int need, size_t elsize);

/* Drawing helpers (stdscr; everything is clipped to w cells).  UTF-8 in,
 * returns the cells used. */
int tui_put(int y, int x, int w, const char *s, attr_t a);
void tui_fill(int y, int x, int w, attr_t a);
/* A pane's title row: " name · info " highlighted when focused. */
void tui_title(const tui_rect *r, const char *name, const char *info, bool focused);
/* Display width of UTF-8 text (wide characters count two). */
int tui_text_width(const char *s);

/* ------------------------------------------------------------ tui_term.c */

int tui_term_start(char *err, size_t n);
void tui_term_stop(void);
/* Where keys come from. */
int tui_term_input_fd(void);
/* Polled with the input: readable when a signal or captured output wants
 * attention; call tui_term_drain_wake() then. */
int tui_term_wake_fd(void);
void tui_term_drain_wake(void);
/* The terminal's size now (ioctl), and whether it changed (SIGWINCH). */
void tui_term_size(int *rows, int *cols);
bool tui_term_take_resize(void);
/* Back from Ctrl-Z (or SIGCONT): everything must be drawn again. */
bool tui_term_take_continued(void);
/* Everything the program (Lua, C, child processes) wrote to stdout and
 * stderr since the last call; malloc'd, *n bytes (NULL when none). */
char *tui_capture_take(size_t *n);
/* Whether captured output waits. */
bool tui_capture_pending(void);

/* ------------------------------------------------------------ tui_rl.c */

void tui_rl_start(lua_State *L);
void tui_rl_stop(void);
/* Lets readline read one key (it pulls bytes with tui_input_getc). */
void tui_rl_read(void);
/* A line readline finished (malloc'd; caller frees), or NULL; *eof is set
 * on Ctrl-D at an empty line. */
char *tui_rl_take_line(bool *eof);
void tui_rl_set_prompt(const char *prompt);
/* A line went into the history: searches and Up start after it. */
void tui_rl_history_moved(void);
/* Draws the prompt and the line being edited on row y, columns [x, x+w);
 * *cursor_x gets the cursor's column. */
void tui_rl_draw(int y, int x, int w, int *cursor_x);
/* Ctrl-C at the prompt: the line (and any unfinished chunk) is dropped;
 * the text that was on it is returned for the transcript (malloc'd). */
char *tui_rl_cancel(void);
void tui_rl_insert(const char *text);

/* ------------------------------------------------------------ tui_transcript.c */

enum { TUI_TS_OUTPUT = 0, TUI_TS_INPUT, TUI_TS_ERROR, TUI_TS_NOTE };

#define TUI_TRANSCRIPT_LINES 20000	/* at least 10,000 lines of scrollback */

/* A whole message (it may hold several lines) in a style. */
void tui_transcript_add(const char *text, int style);
/* Raw output bytes: lines end at '\n', '\r' starts the line again (progress
 * bars), tabs expand, terminal escape sequences are dropped. */
void tui_transcript_output(const char *buf, size_t n);
/* Scroll by rows (positive: back in time); a page is the pane's height. */
void tui_transcript_scroll(int rows);
void tui_transcript_page(int pages);
void tui_transcript_bottom(void);
/* Where the input line's cursor was drawn (false: it was not). */
bool tui_transcript_cursor(int *y, int *x);

/* ------------------------------------------------------------ tui_graph.c */

void tui_graph_reset(void);	/* forget the graph (start/stop) */
/* After a line ran (or at start): takes a new snapshot; lays it out only
 * when it changed; marks the nodes the line created.  Runs user code only
 * for a pinned expression, protected, with Ctrl-C armed. */
void tui_graph_refresh(lua_State *L, bool after_line);
/* The pane's actions, for the manager's own uses (Ctrl-C ends a search). */
void tui_graph_act(tui_action a, const tui_rect *r);
/* The search prompt (after /): true while it takes the keys. */
bool tui_graph_search_active(void);
bool tui_graph_search_key(int key);
/* Whether n/p go to matches. */
bool tui_graph_has_matches(void);
/* Pin the pane to an expression (re-evaluated at every refresh), to a
 * value (a registry reference, owned by the pane from now on), or to all
 * global tensors (expr and ref both unset).  Options (-1: keep). */
void tui_graph_pin(lua_State *L, const char *expr, int ref, int view, int detail);
/* :graph EXPR: pins and draws; when EXPR fails, says why in the
 * transcript and keeps the pin it had.  True when pinned. */
bool tui_graph_try_pin(lua_State *L, const char *expr, int view, int detail);
/* "all globals" or "root: EXPR" for the status line. */
const char *tui_graph_root(void);
const char *tui_graph_view_name(void);
const char *tui_graph_detail_name(void);
/* What the other panes show. */
const viz_graph *tui_graph_model(void);
int tui_graph_selected(void);	/* model node, or -1 */
void tui_graph_select(int node);	/* scrolls it into view */
/* Select the autograd node node_id (or the box of leaf leaf_id, where a
 * leaf's AccumulateGrad is drawn as the leaf) now or once it is drawn. */
void tui_graph_want(uint64_t node_id, uint64_t leaf_id);
/* Milliseconds the last refresh took (snapshot, layout). */
void tui_graph_timing(double *snapshot_ms, double *layout_ms, bool *laid_out);

/* ------------------------------------------------------------ tui_inspect.c */

/* Builds the inspector's lines for the graph's selected node. */
void tui_inspect_update(lua_State *L);
/* The selected node's variable name (or op name), for y; NULL if none. */
const char *tui_inspect_name(void);

/* ------------------------------------------------------------ tui_grads.c */

/* Rows for every leaf with a .grad in the graph. */
void tui_grads_update(lua_State *L, const viz_graph *g);

#endif
