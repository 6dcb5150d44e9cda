/*
 * repl.h - the agdb program: running chunks, the interactive loop, history
 * and completion.  The :commands have their own header (commands.h); the
 * torch module is ltorch.h.
 */
#ifndef REPL_REPL_H
#define REPL_REPL_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#define REPL_PROMPT "agdb> "
#define REPL_PROMPT2 "  ...> "
#define REPL_HISTORY_MAX 1000

/* Settings from the command line and the environment. */
typedef struct repl_options {
	bool color;		/* off with --no-color or NO_COLOR */
	bool plain;		/* --plain: readline only, never the viewer */
	bool tui;		/* --tui: the viewer even after -e or a script */
} repl_options;

extern repl_options repl_opts;

/* ------------------------------------------------------------ run.c */

/* SIGINT: while a chunk runs, Ctrl-C stops it (a Lua hook plus
 * ag_interrupt() for long C loops); a second Ctrl-C before it stopped
 * kills the program.  Outside a chunk the handler only records the press
 * (interactive) or ends the program (scripts). */
void repl_signals_init(bool interactive);

/* lalloc.c: the Lua state's allocator (lua_Alloc), small blocks from free
 * lists of their size class. */
void *repl_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* Takes (and clears) the "Ctrl-C was pressed outside a chunk" flag. */
bool repl_take_sigint(void);

/* lua_pcall with a traceback message handler and Ctrl-C armed.  The
 * function and its narg arguments are on the stack; on error the message
 * (with traceback) is left on the stack instead of the results. */
int repl_docall(lua_State *L, int narg, int nres);
/* Runs C work (fn returns 0, or -1 with core's error set) the way a chunk
 * runs: protected and with Ctrl-C armed (ag_check_interrupt sees it).
 * 0, or -1 with the message in err. */
int repl_protected(lua_State *L, int (*fn)(void *ud), void *ud, char *err, size_t n);
/* Prints the error at the top of the stack (when status != LUA_OK) to
 * stderr and pops it; returns status. */
int repl_report(lua_State *L, int status);
/* An error message for the user (a line; the newline is added): stderr,
 * in red on a terminal, or the viewer's transcript when it is up. */
void repl_print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Where error messages go instead of stderr (the viewer sets it). */
extern void (*repl_error_sink)(const char *msg);
/* Told of every error repl_report reports (the debugger keeps the last). */
extern void (*repl_report_hook)(const char *msg);
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

/* The interactive session until Ctrl-D or :quit, in the viewer (want_tui,
 * when the terminal allows) or at the plain prompt, switching on :tui;
 * prints the banner; returns the exit status. */
int repl_loop(lua_State *L, bool want_tui);
void repl_banner(char *buf, size_t n);
/* Whether the interactive session runs (the :tui command needs it). */
bool repl_interactive(void);
/* Once per readline session: inputrc name, completion, history. */
void repl_readline_init(lua_State *L);
/* One line of input as typed at the prompt: a :command, or a piece of a
 * chunk that runs once it compiles (results printed, errors reported). */
void repl_feed_line(lua_State *L, const char *line);
/* Lines wait for more (an unfinished chunk); the prompt for the next. */
bool repl_chunk_pending(void);
const char *repl_prompt(void);
void repl_cancel_chunk(void);
/* Chunks named in[1], in[2], ... (the viewer) instead of stdin; how many
 * have run. */
void repl_number_chunks(bool on);
int repl_chunk_count(void);
/* :tui on / :tui off: asks the loop to switch between lines; the loop
 * takes the request (1 viewer, 0 plain, -1 none). */
void repl_request_mode(bool tui);
int repl_take_mode_request(void);
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

/* ------------------------------------------------------------ cmd_graph.c */

/* --ascii: graphs drawn with ASCII only. */
extern bool repl_ascii_mode;

struct viz_graph;
/* The graph the live viewer shows: of the expression expr (evaluated now),
 * of the value in the registry at ref, or (both unset: expr NULL, ref
 * LUA_NOREF) of every tensor bound to a global.  view is a viz_view; full
 * asks for what full detail draws (saved tensors, AccumulateGrad nodes).
 * Protected, with Ctrl-C armed: NULL and the message in err on error. */
struct viz_graph *repl_graph_live(lua_State *L, const char *expr, int ref, int view,
				  int max_nodes, bool full, char *err, size_t n);
/* The arguments of a ":graph" line: the expression (malloc'd, or NULL for
 * none) and the options named at its end (view: a viz_view, detail: a
 * viz_detail; -1 when not given).  0, or -1 when out of memory. */
int repl_graph_parse_line(const char *args, char **expr, int *view, int *detail);

#endif
