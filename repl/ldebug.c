/*
 * ldebug.c - the `agdb.core` Lua module: the facts the debugger's answers
 * are written from (agdb/why.lua, explain.lua, memory.lua, gradflow.lua,
 * step.lua read them), the record of the last error the session raised,
 * and the settings of agdb.set{...}.
 *
 * Facts are plain Lua tables (ids, shapes, numbers) plus the live tensors
 * and nodes they are about; nothing here prints.
 */
#include <config.h>

#include <inttypes.h>
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
#include "graph.h"

dbg_settings dbg_set = { .vanish = 1e-7, .explode = 1e3 };

/* ------------------------------------------------------------ helpers */

void dbg_push_global(lua_State *L, const char *name)
{
	lua_pushglobaltable(L);
	lua_getfield(L, -1, name);
	lua_remove(L, -2);
}

bool dbg_global_name(lua_State *L, uint64_t id, char *buf, size_t n)
{
	bool found = false;
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) == LUA_TSTRING) {
			ag_tensor *t = repl_to_tensor(L, -1);
			const char *k = lua_tostring(L, -2);
			/* the shortest name wins, then the first in order */
			if (t && t->id == id && (!found || strlen(k) < strlen(buf) ||
				(strlen(k) == strlen(buf) && strcmp(k, buf) < 0))) {
				snprintf(buf, n, "%s", k);
				found = true;
			}
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return found;
}

static void push_shape(lua_State *L, const int64_t *shape, int ndim)
{
	lua_createtable(L, ndim, 0);
	for (int d = 0; d < ndim; d++) {
		lua_pushinteger(L, (lua_Integer)shape[d]);
		lua_rawseti(L, -2, d + 1);
	}
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
	if (!v)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, bool v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, k);
}

void dbg_push_stats(lua_State *L, const ag_grad_stats *st)
{
	lua_createtable(L, 0, 10);
	set_int(L, "numel", st->numel);
	set_num(L, "mean_abs", st->mean_abs);
	set_num(L, "max_abs", st->max_abs);
	set_int(L, "nan", st->n_nan);
	set_int(L, "inf", st->n_inf);
	set_int(L, "zero", st->n_zero);
	set_int(L, "fp16_underflow", st->n_fp16_underflow);
	push_shape(L, st->shape, st->ndim);
	lua_setfield(L, -2, "shape");
	set_str(L, "dtype", ag_dtype_name(st->dtype));
}

void dbg_call_lua(lua_State *L, const char *module, const char *fn, int nargs,
		  int nres)
{
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	lua_call(L, 1, 1);
	lua_getfield(L, -1, fn);
	lua_remove(L, -2);
	lua_insert(L, -(nargs + 1));
	lua_call(L, nargs, nres);
}

static void push_tensor_ref(lua_State *L, ag_tensor *t)
{
	if (!t) {
		lua_pushnil(L);
		return;
	}
	ag_tensor_retain(t);
	repl_push_tensor(L, t);
}

/* ------------------------------------------------------------ tensors */

/* core.tensors(): every live tensor, newest first. */
static int l_tensors(lua_State *L)
{
	lua_createtable(L, (int)ag_registry_count(), 0);
	int i = 0;
	for (ag_tensor *t = ag_registry_first(); t; t = ag_registry_next(t)) {
		push_tensor_ref(L, t);
		lua_rawseti(L, -2, ++i);
	}
	return 1;
}

/* core.storages(): {id, nbytes} of every live storage. */
static int l_storages(lua_State *L)
{
	lua_newtable(L);
	int i = 0;
	for (ag_storage *s = ag_storage_registry_first(); s;
	     s = ag_storage_registry_next(s)) {
		lua_createtable(L, 0, 2);
		set_int(L, "id", (lua_Integer)s->id);
		set_int(L, "nbytes", (lua_Integer)s->nbytes);
		lua_rawseti(L, -2, ++i);
	}
	set_int(L, "total", (lua_Integer)ag_storage_bytes_live());
	return 1;
}

/* core.tensor_info(t): what the memory map needs of a tensor. */
static int l_tensor_info(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "agdb.core.tensor_info");
	lua_createtable(L, 0, 16);
	set_int(L, "id", (lua_Integer)t->id);
	set_int(L, "storage", (lua_Integer)t->storage->id);
	set_int(L, "storage_bytes", (lua_Integer)t->storage->nbytes);
	set_int(L, "element_size", (lua_Integer)ag_dtype_size(t->dtype));
	set_int(L, "offset", (lua_Integer)t->offset);
	set_int(L, "version", (lua_Integer)(t->version ? t->version->value : 0));
	set_int(L, "numel", (lua_Integer)ag_numel(t));
	set_str(L, "dtype", ag_dtype_name(t->dtype));
	set_bool(L, "contiguous", ag_is_contiguous(t));
	set_bool(L, "is_leaf", ag_is_leaf(t));
	set_bool(L, "requires_grad", ag_requires_grad(t));
	set_bool(L, "retains_grad", t->retains_grad);
	set_int(L, "hooks", ag_tensor_hook_count(t));
	if (t->base)
		set_int(L, "base", (lua_Integer)t->base->id);
	push_shape(L, t->shape, t->ndim);
	lua_setfield(L, -2, "shape");
	push_shape(L, t->stride, t->ndim);
	lua_setfield(L, -2, "stride");
	if (t->grad) {	/* read without the non-leaf warning */
		push_tensor_ref(L, t->grad);
		lua_setfield(L, -2, "grad");
	}
	ag_node *acc = ag_tensor_grad_accumulator(t);
	if (acc) {
		repl_push_node(L, acc);
		lua_setfield(L, -2, "accumulator");
	}
	ag_node *fn = t->grad_fn ? ag_grad_fn(t) : NULL;
	if (fn) {
		repl_push_node(L, fn);
		lua_setfield(L, -2, "grad_fn");
		set_int(L, "output_nr", t->output_nr);
	}
	return 1;
}

/* core.stats(t): a tensor's statistics as a gradient's. */
static int l_stats(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "agdb.core.stats");
	ag_grad_stats st;
	ag_grad_stats_compute(t, &st);
	dbg_push_stats(L, &st);
	return 1;
}

/* core.names(): tensor id -> the global variable naming it. */
static int l_names(lua_State *L)
{
	lua_newtable(L);
	int out = lua_gettop(L);
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		ag_tensor *t = lua_type(L, -2) == LUA_TSTRING ? repl_to_tensor(L, -1) : NULL;
		if (t) {
			lua_rawgeti(L, out, (lua_Integer)t->id);
			const char *had = lua_tostring(L, -1);
			const char *k = lua_tostring(L, -3);
			bool better = !had || strlen(k) < strlen(had) ||
				      (strlen(k) == strlen(had) && strcmp(k, had) < 0);
			lua_pop(L, 1);
			if (better) {
				lua_pushvalue(L, -2);
				lua_rawseti(L, out, (lua_Integer)t->id);
			}
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return 1;
}

/* ------------------------------------------------------------ nodes */

static void push_saved_info(lua_State *L, const ag_saved_info *s)
{
	lua_createtable(L, 0, 10);
	set_bool(L, "defined", s->defined);
	set_bool(L, "released", s->released);
	set_bool(L, "is_output", s->is_output);
	set_int(L, "index", s->index);
	if (s->tensor_id) {
		set_int(L, "tensor_id", (lua_Integer)s->tensor_id);
		set_int(L, "storage", (lua_Integer)s->storage_id);
		set_int(L, "current_version", (lua_Integer)s->current_version);
		set_str(L, "dtype", ag_dtype_name(s->dtype));
		push_shape(L, s->shape, s->ndim);
		lua_setfield(L, -2, "shape");
	}
	set_int(L, "saved_version", (lua_Integer)s->saved_version);
}

/* core.node_info(node): name, op, where it was made (trace event), edges,
 * outputs, saved tensors, the statistics of the last gradients. */
static int l_node_info(lua_State *L)
{
	ag_node *n = repl_check_node(L, 1);
	lua_createtable(L, 0, 12);
	set_int(L, "id", (lua_Integer)ag_node_id(n));
	set_str(L, "name", ag_node_name(n));
	set_str(L, "op", ag_op_name(ag_node_op(n)));
	set_int(L, "trace_seq", (lua_Integer)ag_node_trace_event(n));
	int nn = ag_node_next_count(n);
	lua_createtable(L, nn, 0);
	for (int i = 0; i < nn; i++) {
		ag_edge e = ag_node_next(n, i);
		lua_createtable(L, 2, 0);
		repl_push_node(L, e.fn);
		lua_setfield(L, -2, "node");
		set_int(L, "input_nr", e.input_nr + 1);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "next");
	int no = ag_node_output_count(n);
	lua_createtable(L, no, 0);
	for (int i = 0; i < no; i++) {
		const ag_tensor_meta *m = ag_node_output(n, i);
		lua_createtable(L, 0, 3);
		push_shape(L, m->shape, m->ndim);
		lua_setfield(L, -2, "shape");
		set_str(L, "dtype", ag_dtype_name(m->dtype));
		const ag_grad_stats *st = ag_node_grad_stats(n, i);
		if (st) {
			dbg_push_stats(L, st);
			lua_setfield(L, -2, "grad");
		}
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "outputs");
	int ns = ag_node_saved_count(n);
	lua_createtable(L, ns, 0);
	for (int i = 0; i < ns; i++) {
		ag_saved_info s;
		ag_node_saved_info(n, i, &s);
		push_saved_info(L, &s);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "saved");
	ag_tensor *v = ag_node_variable(n);
	if (v) {
		push_tensor_ref(L, v);
		lua_setfield(L, -2, "variable");
	}
	int64_t lz, li;
	ag_node_lost(n, &lz, &li);
	set_int(L, "lost_zero", (lua_Integer)lz);
	set_int(L, "lost_inf", (lua_Integer)li);
	return 1;
}

/* core.node_saved(node, i): saved tensor i (1-based) unpacked, or nil and
 * the error PyTorch gives for it. */
static int l_node_saved(lua_State *L)
{
	ag_node *n = repl_check_node(L, 1);
	int i = (int)luaL_checkinteger(L, 2);
	ag_tensor *t;
	if (ag_node_saved_tensor(n, i - 1, &t) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, ag_error_message());
		ag_error_clear();
		return 2;
	}
	if (t)
		repl_push_tensor(L, t);
	else
		lua_pushnil(L);
	return 1;
}

/* core.function_ctx(node): a custom Function's ctx and class, or nil. */
static int l_function_ctx(lua_State *L)
{
	ag_node *n = repl_check_node(L, 1);
	return repl_push_function_ctx(L, n);
}

/* ------------------------------------------------------------ errors */

/* The last error the session raised, as the debugger recorded it. */
typedef struct dbg_error {
	uint64_t number;	/* errors recorded so far */
	char kind[16];		/* "core", "backward", "lua" */
	char message[1024];
	char where[128];	/* "in[3]:1" */
	ag_errcode code;
	ag_error_facts facts;	/* kind NONE when the error had none */
	uint64_t failed_seq;	/* the trace event of the op it refused */
	ag_node *node;		/* backward: the node that failed (a ref) */
	char *traceback;	/* backward in anomaly mode: where it was made */
	uint64_t pass;		/* backward: which pass */
} dbg_error;

static dbg_error last_error;

static void where_of(lua_State *L, char *buf, size_t n)
{
	buf[0] = 0;
	luaL_where(L, 1);
	const char *w = lua_tostring(L, -1);
	if (w) {
		size_t k = strlen(w);
		while (k > 0 && (w[k - 1] == ' ' || w[k - 1] == ':'))
			k--;
		snprintf(buf, n, "%.*s", (int)k, w);
	}
	lua_pop(L, 1);
}

static void error_reset(const char *kind)
{
	last_error.number++;
	snprintf(last_error.kind, sizeof last_error.kind, "%s", kind);
	ag_node_release(last_error.node);
	last_error.node = NULL;
	free(last_error.traceback);
	last_error.traceback = NULL;
	last_error.failed_seq = 0;
	last_error.facts.kind = AG_FACT_NONE;
	last_error.where[0] = 0;
	last_error.pass = 0;
}

/* The binding raises a core error: keep it with its facts. */
static void on_core_error(lua_State *L, const char *msg)
{
	error_reset("core");
	snprintf(last_error.message, sizeof last_error.message, "%s", msg ? msg : "");
	last_error.code = ag_error_code();
	where_of(L, last_error.where, sizeof last_error.where);
	const ag_error_facts *f = ag_last_error_facts();
	if (f->kind != AG_FACT_NONE && f->serial == ag_error_serial())
		last_error.facts = *f;
	size_t n = ag_trace_count();
	if (n > 0) {
		const ag_trace_event *ev = ag_trace_get(n - 1);
		/* the note keeps the start of the message */
		if (ev->failed && ev->note[0] &&
		    strncmp(ev->note, last_error.message, strlen(ev->note)) == 0)
			last_error.failed_seq = ev->seq;
	}
}

void dbg_backward_failed(lua_State *L, ag_engine *e)
{
	error_reset("backward");
	snprintf(last_error.message, sizeof last_error.message, "%s", ag_error_message());
	last_error.code = ag_error_code();
	where_of(L, last_error.where, sizeof last_error.where);
	ag_node *n = e ? ag_engine_failed_at(e) : NULL;
	if (n) {
		ag_node_retain(n);
		last_error.node = n;
	}
	const char *tb = e ? ag_engine_failed_traceback(e) : NULL;
	if (tb)
		last_error.traceback = strdup(tb);
	last_error.pass = dbg_last_pass()->number;
	if (n && !tui_active() && ag_is_anomaly_enabled() && strstr(last_error.message, "nan")) {
		/* plain mode says what the viewer's inspector shows */
		fflush(stdout);
		fprintf(stderr, "agdb: anomaly mode stopped backward at %s; the gradients that "
			"came in:\n", ag_node_name(n));
		for (int i = 0; i < ag_node_output_count(n); i++) {
			const ag_grad_stats *st = ag_node_grad_stats(n, i);
			if (st)
				fprintf(stderr, "  [%d] mean|g| %.3g  max|g| %.3g  %lld NaN, %lld Inf\n",
					i + 1, st->mean_abs, st->max_abs, (long long)st->n_nan,
					(long long)st->n_inf);
		}
		fprintf(stderr, "(:explain says more; the forward traceback follows)\n");
		fflush(stderr);
	}
	if (n && tui_active())
		tui_select_node(ag_node_id(n), ag_node_variable(n) ? ag_node_variable(n)->id : 0);
}

/* An error reported at the prompt: a new one unless it is the core error
 * just recorded (the report carries its text, maybe with a traceback). */
char dbg_stop_text[200];

static void on_report(const char *msg)
{
	if (!msg)
		return;
	if (dbg_stop_text[0] && !strncmp(msg, dbg_stop_text, strlen(dbg_stop_text))) {
		dbg_stop_text[0] = 0;	/* a stop, not an error */
		return;
	}
	if (last_error.message[0] && strstr(msg, last_error.message) &&
	    strcmp(last_error.kind, "lua") != 0)
		return;
	/* a mistake in a debugger command (":why nosuch") is not the error
	 * the user wants explained next */
	if (!strncmp(msg, "agdb.", 5))
		return;
	error_reset("lua");
	snprintf(last_error.message, sizeof last_error.message, "%s", msg);
	last_error.code = AG_ERR_RUNTIME;
	/* "file:line: message": the place is the message's prefix */
	const char *colon = strchr(msg, ':');
	const char *second = colon ? strchr(colon + 1, ':') : NULL;
	if (second && second - msg < (ptrdiff_t)sizeof last_error.where &&
	    colon[1] >= '0' && colon[1] <= '9')
		snprintf(last_error.where, sizeof last_error.where, "%.*s",
			 (int)(second - msg), msg);
}

static void push_fact(lua_State *L, const ag_tensor_fact *f, bool geometry)
{
	lua_createtable(L, 0, 8);
	push_shape(L, f->shape, f->ndim);
	lua_setfield(L, -2, "shape");
	if (!geometry)
		return;
	push_shape(L, f->stride, f->ndim);
	lua_setfield(L, -2, "stride");
	set_int(L, "offset", (lua_Integer)f->offset);
	set_int(L, "id", (lua_Integer)f->tensor_id);
	set_int(L, "storage", (lua_Integer)f->storage_id);
	set_int(L, "storage_numel", (lua_Integer)f->storage_numel);
	set_str(L, "dtype", ag_dtype_name(f->dtype));
}

void dbg_failure_notes(uint64_t node_id, void (*add)(int kind, const char *line, void *ud),
		       void *ud)
{
	const dbg_error *e = &last_error;
	char buf[1200];
	if (!e->node || ag_node_id(e->node) != node_id || strcmp(e->kind, "backward") != 0)
		return;
	add(1, "backward failed here", ud);
	add(3, e->message, ud);
	for (int i = 0; i < ag_node_output_count(e->node); i++) {
		const ag_grad_stats *st = ag_node_grad_stats(e->node, i);
		if (!st)
			continue;
		snprintf(buf, sizeof buf, "grad in [%d]  mean|g| %.3g  max|g| %.3g  %lld NaN, "
			 "%lld Inf", i + 1, st->mean_abs, st->max_abs, (long long)st->n_nan,
			 (long long)st->n_inf);
		add(st->n_nan || st->n_inf ? 3 : 0, buf, ud);
	}
	if (e->traceback) {
		add(1, "made at (forward traceback)", ud);
		add(0, e->traceback, ud);
	}
	add(2, ":explain says more", ud);
}

void dbg_track_updates(lua_State *L)
{
	int top = lua_gettop(L);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "agdb.gradflow");
	if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
		lua_getfield(L, -1, "track");
		lua_pcall(L, 0, 0, 0);
	}
	lua_settop(L, top);
}

/* core.last_error(): nil, or {number, kind, message, where, facts, ...}. */
static int l_last_error(lua_State *L)
{
	const dbg_error *e = &last_error;
	if (!e->number) {
		lua_pushnil(L);
		return 1;
	}
	lua_createtable(L, 0, 12);
	set_int(L, "number", (lua_Integer)e->number);
	set_str(L, "kind", e->kind);
	set_str(L, "message", e->message);
	if (e->where[0])
		set_str(L, "where", e->where);
	static const char *const codes[] = { "ok", "value", "shape", "dtype", "index",
					     "overlap", "nomem", "runtime", "interrupt" };
	if ((unsigned)e->code < sizeof codes / sizeof *codes)
		set_str(L, "code", codes[e->code]);
	if (e->facts.kind != AG_FACT_NONE) {
		static const char *const kinds[] = { "none", "internal_overlap",
						     "partial_overlap", "broadcast" };
		lua_createtable(L, 0, 4);
		set_str(L, "kind", kinds[e->facts.kind]);
		bool geo = e->facts.kind != AG_FACT_BROADCAST;
		push_fact(L, &e->facts.t[0], geo);
		lua_setfield(L, -2, "a");
		if (e->facts.kind != AG_FACT_INTERNAL_OVERLAP) {
			push_fact(L, &e->facts.t[1], geo);
			lua_setfield(L, -2, "b");
		}
		if (e->facts.kind == AG_FACT_BROADCAST)
			set_int(L, "dim", e->facts.dim + 1);
		lua_setfield(L, -2, "facts");
	}
	if (e->failed_seq)
		set_int(L, "failed_seq", (lua_Integer)e->failed_seq);
	if (e->node) {
		repl_push_node(L, e->node);
		lua_setfield(L, -2, "node");
	}
	set_str(L, "traceback", e->traceback);
	if (e->pass)
		set_int(L, "pass", (lua_Integer)e->pass);
	return 1;
}

/* core.last_pass(): what the last backward started from. */
static int l_last_pass(lua_State *L)
{
	const dbg_pass *p = dbg_last_pass();
	lua_createtable(L, 0, 8);
	set_int(L, "number", (lua_Integer)p->number);
	set_int(L, "trace_seq", (lua_Integer)p->trace_seq);
	set_int(L, "newest_tensor", (lua_Integer)p->newest_tensor);
	set_bool(L, "ok", p->ok);
	set_bool(L, "grad_only", p->grad_only);
	lua_createtable(L, p->nroots, 0);
	for (int i = 0; i < p->nroots; i++) {
		lua_pushinteger(L, (lua_Integer)p->root_ids[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "roots");
	lua_createtable(L, p->nroots, 0);
	for (int i = 0; i < p->nroots; i++) {
		lua_pushinteger(L, (lua_Integer)p->root_nodes[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "root_nodes");
	return 1;
}

/* core.hook_effect(t): the gradient before and after t's hooks in the
 * last pass they changed it, or nil. */
static int l_hook_effect(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "agdb.core.hook_effect");
	ag_grad_stats before, after;
	if (!dbg_hook_effect(t->id, &before, &after)) {
		lua_pushnil(L);
		return 1;
	}
	dbg_push_stats(L, &before);
	dbg_push_stats(L, &after);
	return 2;
}

static int l_reached(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "agdb.core.reached");
	lua_pushboolean(L, dbg_reached_last_pass(t->id));
	return 1;
}

/* core.created(x): the factory that made x and the line it ran at ("torch.ones",
 * "a.lua:3"), or nil when no factory made it (an op did) or it is forgotten. */
static int l_created(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "agdb.core.created");
	const char *how = NULL;
	const char *where = ag_trace_created_where(t->id, &how);
	if (!where)
		return 0;
	lua_pushstring(L, how);
	lua_pushstring(L, where);
	return 2;
}

/* core.op_args(node): whether the node's op takes arguments beyond its
 * tensors (dims, bounds: not in the trace log, so it cannot be re-run). */
static int l_op_args(lua_State *L)
{
	ag_node *n = repl_check_node(L, 1);
	const ag_opinfo *info = ag_op_info(ag_node_op(n));
	lua_pushboolean(L, info && info->args > 0);
	lua_pushstring(L, info ? ag_op_name(ag_node_op(n)) : "?");
	return 2;
}

/* ------------------------------------------------------------ settings */

/* core.settings([t]): reads, or sets from t, {vanish, explode, track_updates}. */
static int l_settings(lua_State *L)
{
	if (lua_istable(L, 1)) {
		if (lua_getfield(L, 1, "vanish") != LUA_TNIL)
			dbg_set.vanish = luaL_checknumber(L, -1);
		if (lua_getfield(L, 1, "explode") != LUA_TNIL)
			dbg_set.explode = luaL_checknumber(L, -1);
		if (lua_getfield(L, 1, "track_updates") != LUA_TNIL)
			dbg_set.track_updates = lua_toboolean(L, -1);
		lua_pop(L, 3);
		viz_set_grad_thresholds(dbg_set.vanish, dbg_set.explode);
	}
	lua_createtable(L, 0, 3);
	set_num(L, "vanish", dbg_set.vanish);
	set_num(L, "explode", dbg_set.explode);
	set_bool(L, "track_updates", dbg_set.track_updates);
	set_bool(L, "ascii", repl_ascii_mode);
	return 1;
}

static int l_strict_overlap(lua_State *L)
{
	bool was = ag_strict_overlap();
	if (!lua_isnone(L, 1))
		ag_set_strict_overlap(lua_toboolean(L, 1));
	lua_pushboolean(L, was);
	return 1;
}

/* Where a strict-overlap warning goes: stderr (the viewer's transcript
 * when it is up), with the line of the write. */
static void overlap_warning(const char *msg, void *ud)
{
	lua_State *L = ud;
	char where[128];
	where_of(L, where, sizeof where);
	fflush(stdout);
	fprintf(stderr, "%s%swarning: %s\n", where, where[0] ? ": " : "", msg);
	fflush(stderr);
}

/* torch._C.terminal_width inside the viewer: the transcript's width (the
 * transcript is where progress bars draw). */
static int viewer_width(int fd)
{
	if ((fd == 1 || fd == 2) && tui_active())
		return tui_transcript_columns();
	return 0;
}

/* ------------------------------------------------------------ module */

static int open_core(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"tensors", l_tensors}, {"storages", l_storages},
		{"tensor_info", l_tensor_info}, {"stats", l_stats},
		{"names", l_names}, {"node_info", l_node_info},
		{"node_saved", l_node_saved}, {"function_ctx", l_function_ctx},
		{"last_error", l_last_error}, {"settings", l_settings},
		{"strict_overlap", l_strict_overlap}, {"last_pass", l_last_pass},
		{"hook_effect", l_hook_effect}, {"reached", l_reached},
		{"op_args", l_op_args}, {"created", l_created},
		{NULL, NULL}
	};
	luaL_newlib(L, funcs);
	luaL_setfuncs(L, dbg_step_funcs, 0);
	luaL_setfuncs(L, dbg_flow_funcs, 0);
	return 1;
}

/* When the Lua state closes (before the leak check, which is finalised
 * last): the binding's hooks go, and what the debugger holds is let go --
 * a paused pass, the node of the last failure, copies of a step. */
static int debugger_gc(lua_State *L)
{
	(void)L;
	repl_core_error_hook = NULL;
	repl_report_hook = NULL;
	repl_backward_runner = NULL;
	repl_backward_failed_hook = NULL;
	repl_terminal_width_hook = NULL;
	ag_set_overlap_warning(NULL, NULL);
	ag_set_version_observer(NULL, NULL);
	ag_set_backward_observer(NULL, NULL);
	dbg_step_close();
	dbg_flow_close();
	error_reset("none");
	return 0;
}

void repl_open_debugger(lua_State *L)
{
	lua_State *main = repl_main_thread(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, open_core);
	lua_setfield(L, -2, "agdb.core");
	lua_pop(L, 1);
	lua_newuserdatauv(L, 0, 0);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, debugger_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, "agdb.debugger");
	repl_core_error_hook = on_core_error;
	repl_report_hook = on_report;
	repl_backward_runner = dbg_run_backward;
	repl_backward_failed_hook = dbg_backward_failed;
	repl_terminal_width_hook = viewer_width;
	ag_set_overlap_warning(overlap_warning, main);
	viz_set_grad_thresholds(dbg_set.vanish, dbg_set.explode);
	dbg_open_observers(main);
	dbg_open_watch(main);
	/* agdb.memory is :mem, agdb.break_on is :break (a keyword in Lua) */
	lua_getglobal(L, "agdb");
	if (lua_istable(L, -1)) {
		static const char *const alias[][2] = {
			{ "memory", "mem" }, { "break_on", "break" },
		};
		for (size_t i = 0; i < sizeof alias / sizeof *alias; i++) {
			lua_getfield(L, -1, alias[i][1]);
			lua_setfield(L, -2, alias[i][0]);
		}
	}
	lua_pop(L, 1);
}
