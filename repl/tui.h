/*
 * tui.h - the full-screen viewer, as the rest of the program sees it.
 *
 * The REPL runs either plain (readline on a terminal, or stdio in a pipe)
 * or inside the viewer: the graph of what was just computed beside the
 * prompt, redrawn after every line.  repl_loop (repl.c) switches between
 * the two on :tui on / :tui off; :view opens the viewer from the plain
 * prompt until q.
 */
#ifndef REPL_TUI_H
#define REPL_TUI_H

#include <stdbool.h>

#include <lua.h>

/* Why the viewer cannot start here and now (not a terminal, too small),
 * or NULL when it can.  The text is one line meant for the user. */
const char *tui_unavailable(char *buf, size_t n);

/* The interactive loop inside the viewer, until Ctrl-D, :quit or
 * :tui off.  Returns 0 when the session goes on in plain mode, 1 when it
 * ends (then *status is the exit status). */
int tui_loop(lua_State *L, int *status);

/* :view from the plain prompt: the graph of the value at idx (nil: every
 * global tensor) full screen with the inspector, until q.  The terminal
 * is left as it was.  Raises a Lua error when the viewer cannot start. */
int tui_view(lua_State *L, int idx);

/* Whether the viewer is on the screen now (output then goes to its
 * transcript). */
bool tui_active(void);

/* Inside the viewer, :graph EXPR pins the graph pane to EXPR and :view
 * also zooms it: called by the line processor before the :commands;
 * true when the line was handled. */
bool tui_command_line(lua_State *L, const char *line);
/* agdb.view(x) inside the viewer: pins x (at idx) and zooms the graph. */
void tui_pin_value(lua_State *L, int idx);

/* The debugger's requests: select the autograd node with this id in the
 * graph (or the box of leaf leaf_id: an AccumulateGrad is drawn as its
 * leaf), now or when it is drawn;
 * the transcript's width in columns (where progress bars draw). */
void tui_select_node(uint64_t node_id, uint64_t leaf_id);
int tui_transcript_columns(void);

#endif
