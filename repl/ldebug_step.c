/*
 * ldebug_step.c - a backward pass held between steps, and what stops one.
 *
 * core's engine is a stepper (begin, step, peek): a pass can simply be
 * kept between two steps while the prompt goes on.  :bstep starts one;
 * :step [N], :continue (to the next breakpoint), :finish (to the end) run
 * it on; :abort drops it, leaving the graph as it was (saved tensors are
 * freed only by a pass that completes) and the leaves' .grad as they were
 * before the pass.  Only one pass is held at a time.
 *
 * Breakpoints (:break) are checked by a plain x:backward() too: before
 * each node runs (an op's name, a named tensor the gradient is about to
 * reach) and after (a NaN, an Inf or a gradient above a limit in what it
 * returned).  A hit keeps the pass held and raises the stop as the error
 * that ends the running chunk, as Ctrl-C would; :continue finishes it.
 *
 * A watchpoint (:watch VAR) stops the running chunk right after an
 * in-place write changes the version of VAR's storage, naming the line.
 *
 * What a stop shows is written by agdb/step.lua from the facts pushed
 * here (push_stop).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "debugger.h"
#include "debug.h"
#include "ltorch.h"
#include "repl.h"
#include "tui.h"
#include "vec.h"

#define MAX_IO 8		/* gradients of a node shown (more are rare) */

typedef enum bp_kind { BP_OP, BP_NAN, BP_INF, BP_GRAD, BP_VAR, BP_WATCH } bp_kind;

typedef struct bp {
	int id;
	bp_kind kind;
	char spec[64];		/* as the user gave it */
	double limit;		/* BP_GRAD: max |g| above it */
	uint64_t tensor_id;	/* BP_VAR, BP_WATCH: the tensor named */
	uint64_t node_id;	/* BP_VAR: its grad_fn, for a non-leaf */
	uint64_t storage_id;	/* BP_WATCH: its storage */
	int64_t version;	/* BP_WATCH: the version last seen */
	int hits;
} bp;

typedef struct grad_backup {
	ag_tensor *leaf;
	ag_tensor *grad;	/* a copy of .grad before the pass, or NULL */
} grad_backup;

static ag_vec bps = AG_VEC_EMPTY;	/* of bp */
static int next_bp = 1;

static struct {
	ag_engine *e;		/* the pass held, or NULL */
	ag_vec backup;		/* of grad_backup */
	bool observing;
	/* the node run last, and the gradients in and out of it */
	ag_node *ran;
	int nin, nout;
	ag_grad_stats in[MAX_IO], out[MAX_IO];
	bool out_def[MAX_IO];
	bool have_ran;
	int steps;
	/* why it stopped */
	int hit;		/* breakpoint id, or 0 */
	char reason[256];
	uint64_t focus;		/* the node the stop is about */
	uint64_t focus_leaf;	/* its leaf, when it is an AccumulateGrad */
} S;

static void set_focus(ag_node *n)
{
	ag_tensor *leaf = n ? ag_node_variable(n) : NULL;
	S.focus = n ? ag_node_id(n) : 0;
	S.focus_leaf = leaf ? leaf->id : 0;
}

/* ------------------------------------------------------------ the pass */

uint64_t dbg_paused_node(void)
{
	ag_node *n = S.e ? ag_engine_peek(S.e) : NULL;
	return n ? ag_node_id(n) : 0;
}

void dbg_step_observe(const ag_backward_event *ev)
{
	if (!S.observing || !ev->node)
		return;
	ag_node_release(S.ran);
	S.ran = (ag_node *)ev->node;
	ag_node_retain(S.ran);
	S.nin = ev->n_in < MAX_IO ? ev->n_in : MAX_IO;
	S.nout = ev->n_out < MAX_IO ? ev->n_out : MAX_IO;
	memcpy(S.in, ev->in, (size_t)S.nin * sizeof *S.in);
	for (int i = 0; i < S.nout; i++) {
		S.out_def[i] = ev->out_defined[i];
		if (ev->out)
			S.out[i] = ev->out[i];
		else
			memset(&S.out[i], 0, sizeof S.out[i]);
	}
	S.have_ran = true;
}

static void backup_free(bool restore)
{
	for (size_t i = 0; i < S.backup.len; i++) {
		grad_backup *b = &AG_VEC_AT(&S.backup, grad_backup, i);
		if (restore && ag_set_grad(b->leaf, b->grad) < 0)
			ag_error_clear();
		ag_tensor_release(b->grad);
		ag_tensor_release(b->leaf);
	}
	ag_vec_free(&S.backup);
}

/* The leaves' .grad before the pass writes them, for :abort. */
static int backup_take(ag_engine *e)
{
	int n = ag_engine_schedule(e, NULL, 0);
	ag_node **nodes = malloc(sizeof *nodes * (size_t)(n ? n : 1));
	if (!nodes)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	ag_engine_schedule(e, nodes, n);
	for (int i = 0; i < n; i++) {
		ag_tensor *leaf = ag_node_variable(nodes[i]);
		if (!leaf)
			continue;
		grad_backup b = { leaf, leaf->grad ? ag_clone(leaf->grad) : NULL };
		if ((leaf->grad && !b.grad) ||
		    AG_VEC_PUSH(&S.backup, grad_backup, b) < 0) {
			ag_tensor_release(b.grad);
			free(nodes);
			return -1;
		}
		ag_tensor_retain(leaf);
	}
	free(nodes);
	return 0;
}

static void session_begin(ag_engine *e)
{
	S.e = e;
	S.steps = 0;
	S.hit = 0;
	S.reason[0] = 0;
	S.have_ran = false;
	ag_node_release(S.ran);
	S.ran = NULL;
	S.observing = true;
	dbg_observe_outputs(true);
}

/* The pass is over (done, failed or dropped): let go of everything. */
static void session_end(bool restore)
{
	if (S.e)
		ag_engine_free(S.e);
	S.e = NULL;
	backup_free(restore);
	S.observing = false;
	dbg_observe_outputs(false);
	ag_node_release(S.ran);
	S.ran = NULL;
}

void dbg_step_close(void)
{
	session_end(false);
}

/* ------------------------------------------------------------ breakpoints */

/* VAR breakpoints and watchpoints follow their names: a name bound to a
 * new tensor (loss = ... in each iteration) is looked up again. */
static void resolve_names(lua_State *L)
{
	for (size_t i = 0; i < bps.len; i++) {
		bp *b = &AG_VEC_AT(&bps, bp, i);
		if (b->kind != BP_VAR)
			continue;
		dbg_push_global(L, b->spec);
		ag_tensor *t = repl_to_tensor(L, -1);
		if (t) {
			b->tensor_id = t->id;
			ag_node *fn = t->grad_fn ? ag_grad_fn(t) : NULL;
			b->node_id = fn ? ag_node_id(fn) : 0;
		}
		lua_pop(L, 1);
	}
}

static bool op_matches(const bp *b, ag_node *n)
{
	return strcmp(ag_node_name(n), b->spec) == 0 ||
	       strcmp(ag_op_name(ag_node_op(n)), b->spec) == 0;
}

/* Before n runs: a breakpoint on its op, or on the tensor it leads to. */
static bp *check_before(ag_node *n)
{
	ag_tensor *leaf = ag_node_variable(n);
	for (size_t i = 0; i < bps.len; i++) {
		bp *b = &AG_VEC_AT(&bps, bp, i);
		bool hit = false;
		if (b->kind == BP_OP)
			hit = op_matches(b, n);
		else if (b->kind == BP_VAR)
			hit = (leaf && leaf->id == b->tensor_id) ||
			      (b->node_id && ag_node_id(n) == b->node_id);
		if (hit) {
			b->hits++;
			if (b->kind == BP_OP)
				snprintf(S.reason, sizeof S.reason, "breakpoint %d (%s): %s is "
					 "about to run", b->id, b->spec, ag_node_name(n));
			else
				snprintf(S.reason, sizeof S.reason, "breakpoint %d (%s): the "
					 "gradient is about to reach %s", b->id, b->spec, b->spec);
			set_focus(n);
			return b;
		}
	}
	return NULL;
}

/* After a node ran: NaN, Inf or a big gradient in what it returned. */
static bp *check_after(void)
{
	if (!S.have_ran)
		return NULL;
	for (size_t i = 0; i < bps.len; i++) {
		bp *b = &AG_VEC_AT(&bps, bp, i);
		if (b->kind != BP_NAN && b->kind != BP_INF && b->kind != BP_GRAD)
			continue;
		for (int j = 0; j < S.nout; j++) {
			const ag_grad_stats *g = &S.out[j];
			if (!S.out_def[j] || !g->numel)
				continue;
			bool hit = (b->kind == BP_NAN && g->n_nan) ||
				   (b->kind == BP_INF && g->n_inf) ||
				   (b->kind == BP_GRAD && g->max_abs > b->limit);
			if (!hit)
				continue;
			b->hits++;
			const char *what = b->kind == BP_NAN ? "a NaN" :
					   b->kind == BP_INF ? "an Inf" : "a large gradient";
			snprintf(S.reason, sizeof S.reason, "breakpoint %d (%s): %s returned "
				 "%s in its gradient for input %d (%lld NaN, %lld Inf, max|g| %.3g)",
				 b->id, b->spec, ag_node_name(S.ran), what, j + 1,
				 (long long)g->n_nan, (long long)g->n_inf, g->max_abs);
			set_focus(S.ran);
			return b;
		}
	}
	return NULL;
}

static bool have_backward_bps(void)
{
	for (size_t i = 0; i < bps.len; i++)
		if (AG_VEC_AT(&bps, bp, i).kind != BP_WATCH)
			return true;
	return false;
}

/* ------------------------------------------------------------ stops */

static void push_stats_list(lua_State *L, const ag_grad_stats *st, const bool *def, int n)
{
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		if (def && !def[i])
			lua_pushboolean(L, 0);
		else
			dbg_push_stats(L, &st[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

/* The facts of where the pass stands, then agdb/step.lua's answer. */
static void push_stop(lua_State *L, const char *reason, bool finished)
{
	lua_createtable(L, 0, 10);
	lua_pushstring(L, reason);
	lua_setfield(L, -2, "reason");
	lua_pushboolean(L, finished);
	lua_setfield(L, -2, "finished");
	lua_pushinteger(L, S.steps);
	lua_setfield(L, -2, "steps");
	if (S.hit) {
		lua_pushinteger(L, S.hit);
		lua_setfield(L, -2, "breakpoint");
	}
	if (S.have_ran && S.ran) {
		lua_createtable(L, 0, 3);
		repl_push_node(L, S.ran);
		lua_setfield(L, -2, "node");
		push_stats_list(L, S.in, NULL, S.nin);
		lua_setfield(L, -2, "grads_in");
		if (S.observing || finished) {
			push_stats_list(L, S.out, S.out_def, S.nout);
			lua_setfield(L, -2, "grads_out");
		}
		lua_setfield(L, -2, "ran");
	}
	ag_node *next = S.e ? ag_engine_peek(S.e) : NULL;
	if (next) {
		repl_push_node(L, next);
		lua_setfield(L, -2, "node");
		int no = ag_node_output_count(next);
		lua_createtable(L, no, 0);
		for (int i = 0; i < no; i++) {
			ag_tensor *g = ag_engine_peek_grad(S.e, i);
			if (g) {
				ag_grad_stats st;
				ag_grad_stats_compute(g, &st);
				dbg_push_stats(L, &st);
			} else {
				lua_pushboolean(L, 0);
			}
			lua_rawseti(L, -2, i + 1);
		}
		lua_setfield(L, -2, "grads");
		int n = ag_engine_schedule(S.e, NULL, 0);
		ag_node **order = malloc(sizeof *order * (size_t)(n ? n : 1));
		if (order) {
			ag_engine_schedule(S.e, order, n);
			lua_createtable(L, n, 0);
			for (int i = 0; i < n; i++) {
				repl_push_node(L, order[i]);
				lua_rawseti(L, -2, i + 1);
			}
			lua_setfield(L, -2, "pending");
			free(order);
		}
	}
	if (S.focus) {
		lua_pushinteger(L, (lua_Integer)S.focus);
		lua_setfield(L, -2, "focus");
	}
	dbg_call_lua(L, "agdb.step", "report", 1, 1);
	if (tui_active() && S.focus)
		tui_select_node(S.focus, S.focus_leaf);
}

/* A breakpoint stopped a plain backward: the pass stays held and the stop
 * ends the running chunk. */
static int raise_stop(lua_State *L)
{
	push_stop(L, S.reason, false);
	const char *text = luaL_tolstring(L, -1, NULL);
	snprintf(dbg_stop_text, sizeof dbg_stop_text, "%s", text ? text : "");
	lua_pop(L, 1);
	return lua_error(L);
}

/* Runs up to max nodes (-1: no limit), stopping at breakpoints when
 * check is set.  1 stopped (held), 0 finished, -1 failed. */
static int run(ag_engine *e, int max, bool check)
{
	S.hit = 0;
	set_focus(NULL);
	for (int k = 0; max < 0 || k < max; k++) {
		if (ag_check_interrupt() < 0)
			return -1;
		ag_node *next = ag_engine_peek(e);
		bp *b = next && check && k > 0 ? check_before(next) : NULL;
		if (b) {
			S.hit = b->id;
			return 1;
		}
		int r = ag_engine_step(e);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		S.steps++;
		if (check && (b = check_after())) {
			S.hit = b->id;
			return 1;
		}
		if (!ag_engine_peek(e)) {
			/* the last node ran: step() once more completes the pass */
			return ag_engine_step(e) < 0 ? -1 : 0;
		}
	}
	return 1;
}

int dbg_run_backward(lua_State *L, ag_engine *e, ag_tensor *const *roots,
		     int nroots, bool can_stop)
{
	dbg_pass_roots(roots, nroots, !can_stop);
	if (!can_stop || S.e || !have_backward_bps())
		return ag_engine_run(e);
	resolve_names(L);
	session_begin(e);
	if (backup_take(e) < 0) {
		S.e = NULL;
		session_end(false);
		return -1;
	}
	/* a breakpoint on the very first node counts too */
	ag_node *first = ag_engine_peek(e);
	bp *b = first ? check_before(first) : NULL;
	if (b) {
		S.hit = b->id;
		return raise_stop(L);
	}
	int r = run(e, -1, true);
	if (r == 1)
		return raise_stop(L);
	/* done or failed: the caller frees the engine and reports */
	S.e = NULL;
	session_end(false);
	return r;
}

/* ------------------------------------------------------------ Lua */

static void need_pass(lua_State *L, const char *fname)
{
	if (!S.e)
		luaL_error(L, "%s: no backward is paused (:bstep EXPR starts one; a "
			   "breakpoint stops a plain backward())", fname);
}

/* The pass failed: record it, let go, raise core's error. */
static int step_failed(lua_State *L)
{
	dbg_backward_failed(L, S.e);
	char msg[1024];
	snprintf(msg, sizeof msg, "%s", ag_error_message());
	ag_error_clear();
	session_end(false);
	return luaL_error(L, "%s", msg);
}

/* core.bstep(t, [gradient], [retain_graph], [create_graph]) */
static int l_bstep(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "agdb.bstep");
	ag_tensor *g = lua_isnoneornil(L, 2) ? NULL : repl_check_tensor(L, 2, "agdb.bstep");
	ag_backward_options opt = {
		.retain_graph = lua_toboolean(L, 3) || lua_toboolean(L, 4),
		.create_graph = lua_toboolean(L, 4),
	};
	if (S.e)
		return luaL_error(L, "agdb.bstep: a backward is paused already (:continue, "
				  ":finish or :abort it first)");
	ag_engine *e = ag_engine_begin(&t, &g, 1, &opt);
	if (!e)
		return repl_core_error(L);
	dbg_pass_roots(&t, 1, false);
	resolve_names(L);
	session_begin(e);
	if (backup_take(e) < 0) {
		S.e = NULL;
		ag_engine_free(e);
		session_end(false);
		return repl_core_error(L);
	}
	ag_node *first = ag_engine_peek(e);
	set_focus(first);
	char name[64], reason[128];
	if (!dbg_global_name(L, t->id, name, sizeof name))
		snprintf(name, sizeof name, "the tensor");
	snprintf(reason, sizeof reason, "backward of %s begins: nothing has run yet", name);
	push_stop(L, reason, false);
	return 1;
}

static int go(lua_State *L, int max, bool check, const char *what)
{
	int r = run(S.e, max, check);
	if (r < 0)
		return step_failed(L);
	if (r == 0) {
		/* finished: the engine goes, the facts of the last node stay */
		ag_engine_free(S.e);
		S.e = NULL;
		set_focus(S.ran);
		push_stop(L, "backward finished", true);
		session_end(false);
		return 1;
	}
	if (!S.hit) {
		set_focus(ag_engine_peek(S.e));
		snprintf(S.reason, sizeof S.reason, "%s", what);
	}
	push_stop(L, S.reason, false);
	return 1;
}

/* core.step([n]) */
static int l_step(lua_State *L)
{
	need_pass(L, "agdb.step");
	lua_Integer n = luaL_optinteger(L, 1, 1);
	if (n < 1)
		return luaL_error(L, "agdb.step: the number of nodes must be at least 1");
	char what[64];
	snprintf(what, sizeof what, "stepped %lld node%s", (long long)n, n == 1 ? "" : "s");
	return go(L, n > 1000000000 ? -1 : (int)n, true, what);
}

static int l_continue(lua_State *L)
{
	need_pass(L, "agdb.continue");
	return go(L, -1, true, "continued");
}

static int l_finish(lua_State *L)
{
	need_pass(L, "agdb.finish");
	return go(L, -1, false, "finished");
}

static int l_abort(lua_State *L)
{
	need_pass(L, "agdb.abort");
	int steps = S.steps;
	session_end(true);
	lua_createtable(L, 0, 2);
	lua_pushliteral(L, "aborted");
	lua_setfield(L, -2, "reason");
	lua_pushinteger(L, steps);
	lua_setfield(L, -2, "steps");
	dbg_call_lua(L, "agdb.step", "aborted", 1, 1);
	return 1;
}

/* core.stop(): the facts of where the held pass stands, or nil. */
static int l_stop(lua_State *L)
{
	if (!S.e) {
		lua_pushnil(L);
		return 1;
	}
	push_stop(L, S.reason[0] ? S.reason : "paused", false);
	return 1;
}

/* ------------------------------------------------------------ breakpoints */

static bool is_identifier(const char *s)
{
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static int add_bp(lua_State *L, bp b)
{
	b.id = next_bp++;
	if (AG_VEC_PUSH(&bps, bp, b) < 0)
		return luaL_error(L, "out of memory");
	return b.id;
}

static const char *kind_name(bp_kind k)
{
	static const char *const names[] = { "op", "nan", "inf", "grad", "var", "watch" };
	return names[k];
}

static void push_bp(lua_State *L, const bp *b)
{
	lua_createtable(L, 0, 5);
	lua_pushinteger(L, b->id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, kind_name(b->kind));
	lua_setfield(L, -2, "kind");
	lua_pushstring(L, b->spec);
	lua_setfield(L, -2, "spec");
	lua_pushinteger(L, b->hits);
	lua_setfield(L, -2, "hits");
	if (b->kind == BP_GRAD) {
		lua_pushnumber(L, b->limit);
		lua_setfield(L, -2, "limit");
	}
	if (b->kind == BP_WATCH) {
		lua_pushinteger(L, (lua_Integer)b->version);
		lua_setfield(L, -2, "version");
	}
}

/* core.break_on(spec): "MulBackward0" (a node's name) or "mul" (an op's),
 * "nan", "inf", "grad>1e3", or the name of a global tensor. */
static int l_break_on(lua_State *L)
{
	size_t len;
	const char *spec = luaL_checklstring(L, 1, &len);
	while (*spec == ' ')
		spec++;
	if (!*spec || len >= sizeof ((bp *)0)->spec)
		return luaL_error(L, "agdb.break_on: say what to stop at: an op "
				  "(MulBackward0), nan, inf, grad>1e3 or a tensor's name");
	bp b = { .kind = BP_OP };
	snprintf(b.spec, sizeof b.spec, "%s", spec);
	if (!strcmp(spec, "nan")) {
		b.kind = BP_NAN;
	} else if (!strcmp(spec, "inf")) {
		b.kind = BP_INF;
	} else if (!strncmp(spec, "grad>", 5)) {
		char *end;
		b.kind = BP_GRAD;
		b.limit = strtod(spec + 5, &end);
		if (end == spec + 5 || *end || !(b.limit >= 0))
			return luaL_error(L, "agdb.break_on: grad>LIMIT needs a number, "
					  "e.g. grad>1e3, got '%s'", spec);
	} else if (is_identifier(spec)) {
		dbg_push_global(L, spec);
		if (repl_to_tensor(L, -1))
			b.kind = BP_VAR;
		lua_pop(L, 1);
	} else {
		return luaL_error(L, "agdb.break_on: '%s' is not an op name, nan, inf, "
				  "grad>LIMIT or a variable", spec);
	}
	add_bp(L, b);
	if (b.kind == BP_VAR)
		resolve_names(L);
	push_bp(L, &AG_VEC_AT(&bps, bp, bps.len - 1));
	return 1;
}

/* core.watch(name): stop when the tensor named changes in place. */
static int l_watch(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	dbg_push_global(L, name);
	ag_tensor *t = repl_to_tensor(L, -1);
	if (!t)
		return luaL_error(L, "agdb.watch: '%s' is not a global variable holding "
				  "a tensor", name);
	bp b = { .kind = BP_WATCH, .tensor_id = t->id, .storage_id = t->storage->id,
		 .version = t->version ? t->version->value : 0 };
	snprintf(b.spec, sizeof b.spec, "%s", name);
	lua_pop(L, 1);
	add_bp(L, b);
	push_bp(L, &AG_VEC_AT(&bps, bp, bps.len - 1));
	return 1;
}

static int l_breakpoints(lua_State *L)
{
	lua_createtable(L, (int)bps.len, 0);
	for (size_t i = 0; i < bps.len; i++) {
		push_bp(L, &AG_VEC_AT(&bps, bp, i));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int l_delete(lua_State *L)
{
	if (lua_isnoneornil(L, 1)) {
		lua_pushinteger(L, (lua_Integer)bps.len);
		bps.len = 0;
		return 1;
	}
	lua_Integer id = luaL_checkinteger(L, 1);
	for (size_t i = 0; i < bps.len; i++)
		if (AG_VEC_AT(&bps, bp, i).id == id) {
			memmove(&AG_VEC_AT(&bps, bp, i), &AG_VEC_AT(&bps, bp, i + 1),
				(bps.len - i - 1) * sizeof(bp));
			bps.len--;
			lua_pushinteger(L, 1);
			return 1;
		}
	return luaL_error(L, "agdb.delete: no breakpoint or watchpoint %d (:info "
			  "break lists them)", (int)id);
}

/* ------------------------------------------------------------ :watch */

static lua_State *watch_L;
static char watch_msg[512];

static void watch_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	lua_pushstring(L, watch_msg);
	snprintf(dbg_stop_text, sizeof dbg_stop_text, "%.*s",
		 (int)sizeof dbg_stop_text - 1, watch_msg);
	lua_error(L);
}

/* The line that made the write (the innermost Lua frame), and the chunk
 * it ran from when that is elsewhere. */
static void write_site(lua_State *L, char *buf, size_t n)
{
	lua_Debug ar;
	char inner[96] = "", outer[96] = "";
	for (int level = 0; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		char here[96];
		snprintf(here, sizeof here, "%s:%d", ar.short_src, ar.currentline);
		if (!inner[0])
			snprintf(inner, sizeof inner, "%s", here);
		snprintf(outer, sizeof outer, "%s", here);
	}
	if (outer[0] && strcmp(inner, outer) != 0)
		snprintf(buf, n, "%s (called from %s)", inner, outer);
	else
		snprintf(buf, n, "%s", inner[0] ? inner : "C code");
}

static void on_version(const ag_tensor *t, void *ud)
{
	(void)ud;
	for (size_t i = 0; i < bps.len; i++) {
		bp *b = &AG_VEC_AT(&bps, bp, i);
		if (b->kind != BP_WATCH || !t->storage || t->storage->id != b->storage_id)
			continue;
		int64_t now = t->version ? t->version->value : 0;
		char site[256];
		write_site(watch_L, site, sizeof site);
		b->hits++;
		snprintf(watch_msg, sizeof watch_msg, "watchpoint %d: %s was modified in "
			 "place at %s (version %lld -> %lld)%s", b->id, b->spec, site,
			 (long long)b->version, (long long)now,
			 t->id == b->tensor_id ? "" : " through a view of it");
		b->version = now;
		/* stop the chunk at its next Lua instruction, as Ctrl-C does */
		lua_sethook(watch_L, watch_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
		return;
	}
}

void dbg_open_watch(lua_State *L)
{
	watch_L = L;
	ag_set_version_observer(on_version, NULL);
}

/* ------------------------------------------------------------ inspector */

void dbg_node_notes(uint64_t node_id, void (*add)(int kind, const char *line, void *ud),
		    void *ud)
{
	char buf[256];
	if (!S.e || dbg_paused_node() != node_id)
		return;
	ag_node *n = ag_engine_peek(S.e);
	add(1, "backward is paused here (next to run)", ud);
	if (S.reason[0])
		add(3, S.reason, ud);
	for (int i = 0; i < ag_node_output_count(n); i++) {
		ag_tensor *g = ag_engine_peek_grad(S.e, i);
		if (!g) {
			snprintf(buf, sizeof buf, "grad in [%d]  none yet (runs with zeros)", i + 1);
			add(2, buf, ud);
			continue;
		}
		ag_grad_stats st;
		ag_grad_stats_compute(g, &st);
		snprintf(buf, sizeof buf, "grad in [%d]  mean|g| %.3g  max|g| %.3g%s", i + 1,
			 st.mean_abs, st.max_abs, st.n_nan ? "  NaN!" : st.n_inf ? "  Inf!" : "");
		add(0, buf, ud);
	}
	for (int i = 0; i < ag_node_saved_count(n); i++) {
		ag_saved_info s;
		ag_node_saved_info(n, i, &s);
		if (!s.defined)
			continue;
		char shape[96], name[32];
		ag_shape_str(s.shape, s.ndim, shape, sizeof shape);
		if (s.is_output)
			snprintf(name, sizeof name, "result");
		else if (s.index == 0 || s.index == 1)
			snprintf(name, sizeof name, s.index ? "other" : "self");
		else
			snprintf(name, sizeof name, "[%d]", i + 1);
		snprintf(buf, sizeof buf, "saved %s: %s %s  version %lld (saved at %lld)%s", name,
			 s.released ? "(freed)" : shape, s.released ? "" : ag_dtype_name(s.dtype),
			 (long long)s.current_version, (long long)s.saved_version,
			 !s.released && s.saved_version != s.current_version ? "  MODIFIED" : "");
		add(s.saved_version != s.current_version ? 3 : 0, buf, ud);
	}
	snprintf(buf, sizeof buf, "pending  %d node%s", ag_engine_pending(S.e),
		 ag_engine_pending(S.e) == 1 ? "" : "s");
	add(0, buf, ud);
}

const luaL_Reg dbg_step_funcs[] = {
	{"bstep", l_bstep}, {"step", l_step}, {"continue", l_continue},
	{"finish", l_finish}, {"abort", l_abort}, {"stop", l_stop},
	{"break_on", l_break_on}, {"watch", l_watch},
	{"breakpoints", l_breakpoints}, {"delete", l_delete},
	{NULL, NULL}
};
