/*
 * debugger.h - the debugger inside agdb: what its files share and what the
 * rest of the program (the binding's hooks, the viewer) calls.
 *
 *   ldebug.c          the `agdb.core` Lua module: facts for the Lua side
 *                     (agdb/why.lua, explain.lua, memory.lua, ...), and the
 *                     record of the last error
 *   ldebug_observe.c  what every backward pass leaves behind: its roots,
 *                     the gradients that reached each leaf (the last 50
 *                     passes), what tensor hooks did to them
 *   ldebug_step.c     a backward pass held between steps: :bstep, :step,
 *                     :continue, :finish, :abort, breakpoints, :watch
 *   ldebug_flow.c     the rows of :gradflow and of the gradients pane
 *   cmd_debug.c       the :commands, each calling its Lua answer
 *
 * The answers (why, explain, memory, gradflow, the stops of a stepped
 * backward) are Lua tables whose `text` is what they print and whose other
 * fields are the facts; tostring gives the text, so the prompt prints it.
 */
#ifndef REPL_DEBUGGER_H
#define REPL_DEBUGGER_H

#include <stdbool.h>
#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>

#include "ag.h"
#include "autograd.h"

/* ------------------------------------------------------------ ldebug.c */

/* Installs the debugger: package.preload["agdb.core"], the hooks the
 * binding calls (errors, backward passes, the terminal's width) and core's
 * observers.  Once, after the torch module is open. */
void repl_open_debugger(lua_State *L);

/* The settings of agdb.set{...}. */
typedef struct dbg_settings {
	double vanish, explode;	/* |g| thresholds (max |g| below, above) */
	bool track_updates;	/* keep update-to-data ratios of optimizer steps */
} dbg_settings;
extern dbg_settings dbg_set;

/* Pushes the value of global `name` (nil when none). */
void dbg_push_global(lua_State *L, const char *name);
/* The name of a global variable bound to tensor id (in buf), or false. */
bool dbg_global_name(lua_State *L, uint64_t id, char *buf, size_t n);
/* Pushes a gradient's statistics as a table {numel, mean_abs, max_abs,
 * nan, inf, zero, fp16_underflow, shape, dtype}. */
void dbg_push_stats(lua_State *L, const ag_grad_stats *st);
/* A breakpoint or watchpoint stop is raised as an error with this text:
 * its report is not an error to explain. */
extern char dbg_stop_text[200];
/* Calls require(module)[fn] with the nargs values on the stack; leaves
 * nres results.  Raises Lua errors. */
void dbg_call_lua(lua_State *L, const char *module, const char *fn, int nargs,
		  int nres);

/* ------------------------------------------------------------ ldebug_observe.c */

/* What the last backward pass started from. */
typedef struct dbg_pass {
	uint64_t number;	/* passes since the session began, from 1 */
	int nroots;
	uint64_t root_ids[8];	/* the root tensors */
	uint64_t root_nodes[8];	/* their grad_fn (or accumulator) node ids */
	uint64_t trace_seq;	/* the newest trace event when it began */
	uint64_t newest_tensor;	/* the newest tensor id when it began */
	bool ok;		/* it finished without an error */
	bool grad_only;		/* autograd.grad: no .grad was written */
} dbg_pass;

const dbg_pass *dbg_last_pass(void);
/* The pass that runs (or is paused) now gets these roots. */
void dbg_pass_roots(ag_tensor *const *roots, int n, bool grad_only);
/* The gradient that reached leaf id in past passes: up to 50 means (NAN:
 * the pass did not reach it), oldest first; returns how many. */
int dbg_grad_history(uint64_t id, double *out, int max);
/* Whether leaf id got a gradient in the last pass. */
bool dbg_reached_last_pass(uint64_t id);
/* What tensor hooks did to the gradient of leaf id in the last pass it
 * went through hooks: false when they did nothing. */
bool dbg_hook_effect(uint64_t id, ag_grad_stats *before, ag_grad_stats *after);
void dbg_open_observers(lua_State *L);
/* Statistics of what each node returns (ldebug_step.c wants them while
 * it checks breakpoints). */
void dbg_observe_outputs(bool on);

/* ------------------------------------------------------------ ldebug_step.c */

/* The binding's backward runs through here (x:backward(), autograd.backward):
 * with breakpoints set it steps and checks them; a hit keeps the pass
 * paused and raises the stop as an error.  0 done, -1 failed (core's error
 * set, the caller reports it). */
int dbg_run_backward(lua_State *L, ag_engine *e, ag_tensor *const *roots,
		     int nroots, bool can_stop);
/* A node ran (the observer's AG_EV_NODE event). */
void dbg_step_observe(const ag_backward_event *ev);
/* A backward pass failed: remember where (explain, anomaly mode). */
void dbg_backward_failed(lua_State *L, ag_engine *e);
/* The node the session is paused at, or 0. */
uint64_t dbg_paused_node(void);
/* For the inspector: lines about node id when the debugger knows more
 * (paused there, failed there); kind 0 text, 1 heading, 2 dim, 3 warning. */
void dbg_node_notes(uint64_t node_id, void (*add)(int kind, const char *line, void *ud),
		    void *ud);
/* For the inspector: the node the last backward failed at (anomaly mode's
 * NaN, a modified saved tensor): the error, the gradients that came in,
 * where it was made. */
void dbg_failure_notes(uint64_t node_id, void (*add)(int kind, const char *line, void *ud),
		       void *ud);
/* Turns on update-to-data ratios (the viewer shows them); protected. */
void dbg_track_updates(lua_State *L);
/* At exit: drop a paused pass (and what it holds). */
void dbg_step_close(void);
/* The in-place write observer (:watch). */
void dbg_open_watch(lua_State *L);
extern const luaL_Reg dbg_step_funcs[];

/* ------------------------------------------------------------ ldebug_flow.c */

/* One row of :gradflow: a parameter or leaf and its gradient. */
typedef enum dbg_flow_state {
	DBG_FLOW_OK = 0,
	DBG_FLOW_NONE,		/* no gradient reached it (unused or detached) */
	DBG_FLOW_ZERO,		/* the gradient is exactly zero */
	DBG_FLOW_NAN, DBG_FLOW_INF,
	DBG_FLOW_VANISH, DBG_FLOW_EXPLODE
} dbg_flow_state;

typedef struct dbg_flow_row {
	char name[96];
	char shape[48];
	uint64_t id;
	dbg_flow_state state;
	ag_grad_stats g;	/* of .grad (numel 0: none) */
	/* what float16/bfloat16 rounding lost in the last gradient it got
	 * (underflowed to zero, overflowed to inf: ag_node_lost) */
	int64_t lost_zero, lost_inf;
	double ratio;		/* update-to-data of the last optimizer step, or NAN */
	double hist[50];
	int nhist;
} dbg_flow_row;

/* Fills a row for tensor t named name. */
void dbg_flow_row_of(ag_tensor *t, const char *name, dbg_flow_row *r);
/* The mark and the word of a state: "✗ NaN", "· no grad", ... */
const char *dbg_flow_mark(dbg_flow_state s, bool ascii);
const char *dbg_flow_word(dbg_flow_state s);
/* A bar of `cells` cells for v on the log scale 1e-8 .. 1e4 (eighths). */
void dbg_log_bar(double v, int cells, bool ascii, char *buf, size_t n);
/* A sparkline of the history (NAN: a gap). */
void dbg_sparkline(const double *h, int n, bool ascii, char *buf, size_t size);
/* At exit: drop the copies of a step in progress. */
void dbg_flow_close(void);
/* The update-to-data ratio of the last optimizer step for tensor id. */
double dbg_update_ratio(uint64_t id);
extern const luaL_Reg dbg_flow_funcs[];

#endif
