/*
 * repl.h - the agdb program: running chunks, the interactive loop, history
 * and completion.  The :commands have their own header (commands.h); the
 * torch module is ltorch.h.
 */
#ifndef REPL_REPL_H
#define REPL_REPL_H

#include <stdbool.h>

#include <lua.h>

#define REPL_PROMPT "agdb> "
#define REPL_PROMPT2 "  ...> "
#define REPL_HISTORY_MAX 1000

/* Settings from the command line and the environment. */
typedef struct repl_options {
	bool color;		/* off with --no-color or NO_COLOR */
	bool plain;		/* --plain: readline only (the only mode so far) */
} repl_options;

extern repl_options repl_opts;

/* ------------------------------------------------------------ run.c */

/* SIGINT: while a chunk runs, Ctrl-C stops it (a Lua hook plus
 * ag_interrupt() for long C loops); a second Ctrl-C before it stopped
 * kills the program.  Outside a chunk the handler only records the press
 * (interactive) or ends the program (scripts). */
void repl_signals_init(bool interactive);
/* Takes (and clears) the "Ctrl-C was pressed outside a chunk" flag. */
bool repl_take_sigint(void);

/* lua_pcall with a traceback message handler and Ctrl-C armed.  The
 * function and its narg arguments are on the stack; on error the message
 * (with traceback) is left on the stack instead of the results. */
int repl_docall(lua_State *L, int narg, int nres);
/* Prints the error at the top of the stack (when status != LUA_OK) to
 * stderr and pops it; returns status. */
int repl_report(lua_State *L, int status);
/* Prints the values from index first to the top, comma-separated through
 * tostring, then pops them (protected; errors are reported). */
void repl_print_values(lua_State *L, int first);
/* Compiles a chunk the way the REPL reads input: an expression first
 * ("return <chunk>"), then a statement.  Pushes the function and returns
 * LUA_OK, or pushes the syntax error, or pushes nothing and returns
 * REPL_INCOMPLETE when more lines could complete it. */
#define REPL_INCOMPLETE (-1)
int repl_compile(lua_State *L, const char *chunk, size_t len,
		 const char *chunkname);

/* agdb.quit(): the quit request survives the error that unwinds it. */
int repl_request_quit(lua_State *L, int status);
bool repl_quit_requested(int *status);

/* ------------------------------------------------------------ repl.c */

/* The interactive loop until Ctrl-D or :quit; returns the exit status. */
int repl_loop(lua_State *L);
/* Wall-clock seconds, monotonic. */
double repl_now(void);

/* ------------------------------------------------------------ history.c */

/* The history file: $AGDB_HISTORY, else $XDG_STATE_HOME/agdb/history,
 * else ~/.local/state/agdb/history (folders created).  NULL when none. */
const char *repl_history_path(void);
void repl_history_open(void);
/* Adds a line (not blank ones, not a repeat of the last) and appends it to
 * the file at once, so a crash loses nothing. */
void repl_history_add(const char *line);
void repl_history_close(void);

/* ------------------------------------------------------------ complete.c */

/* Tab completion of globals, fields, methods, :commands and file names. */
void repl_complete_init(lua_State *L);

/* --ascii: graphs drawn with ASCII only (cmd_graph.c). */
extern bool repl_ascii_mode;

#endif
