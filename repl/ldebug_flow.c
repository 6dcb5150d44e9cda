/*
 * ldebug_flow.c - gradient flow: for each parameter (or leaf), its
 * gradient's size, what became of it (no gradient reached it, exactly
 * zero, NaN, Inf, vanishing, exploding), the update-to-data ratio of the
 * last optimizer step, and mean |g| over the last 50 passes.  The rows are
 * the same for agdb.gradflow's text and for the viewer's gradients pane;
 * so are the bars (log scale) and the sparkline.
 *
 * Update ratios: the optimizers tell their step observers before and after
 * a step (torch/optim/optimizer.lua); while tracking is on (the viewer is
 * up, agdb.gradflow was used, or agdb.set{track_updates=true}) the values
 * before are copied and |new - old| / |old| kept per parameter.
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
#include "map.h"
#include "vec.h"

#define LOG_LO (-8.0)		/* the bars' ends, log10 |g| */
#define LOG_HI 4.0

/* ------------------------------------------------------------ rows */

static ag_map ratio_index = AG_MAP_EMPTY;	/* id -> position + 1 */
static ag_vec ratios = AG_VEC_EMPTY;		/* of double */

double dbg_update_ratio(uint64_t id)
{
	size_t k;
	return ag_map_get(&ratio_index, id, &k) && k ? AG_VEC_AT(&ratios, double, k - 1) : NAN;
}

static void set_ratio(uint64_t id, double r)
{
	size_t k;
	if (ag_map_get(&ratio_index, id, &k) && k) {
		AG_VEC_AT(&ratios, double, k - 1) = r;
		return;
	}
	if (AG_VEC_PUSH(&ratios, double, r) == 0 &&
	    ag_map_put(&ratio_index, id, ratios.len) < 0)
		ratios.len--;
}

void dbg_flow_row_of(ag_tensor *t, const char *name, dbg_flow_row *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name ? name : "(tensor)");
	ag_shape_str(t->shape, t->ndim, r->shape, sizeof r->shape);
	r->id = t->id;
	r->ratio = dbg_update_ratio(t->id);
	r->nhist = dbg_grad_history(t->id, r->hist, 50);
	const dbg_pass *p = dbg_last_pass();
	if (t->grad)
		ag_grad_stats_compute(t->grad, &r->g);
	ag_node_lost(ag_tensor_grad_accumulator(t), &r->lost_zero, &r->lost_inf);
	/* no .grad, or a pass ran that did not reach it (zero_grad left
	 * zeros there: they are not a gradient) */
	if (!t->grad || (p->number && p->ok && !p->grad_only &&
			 !dbg_reached_last_pass(t->id) && r->g.n_zero == r->g.numel))
		r->state = DBG_FLOW_NONE;
	else if (r->g.n_nan)
		r->state = DBG_FLOW_NAN;
	else if (r->g.n_inf)
		r->state = DBG_FLOW_INF;
	else if (r->g.numel && r->g.n_zero == r->g.numel)
		r->state = DBG_FLOW_ZERO;
	else if (r->g.max_abs < dbg_set.vanish)
		r->state = DBG_FLOW_VANISH;
	else if (r->g.max_abs > dbg_set.explode)
		r->state = DBG_FLOW_EXPLODE;
}

const char *dbg_flow_mark(dbg_flow_state s, bool ascii)
{
	static const char *const utf8[] = { " ", "\u00B7", "0", "?", "\u221E",
					    "\u2193", "\u2191" };
	static const char *const plain[] = { " ", ".", "0", "?", "I", "v", "^" };
	return ascii ? plain[s] : utf8[s];
}

const char *dbg_flow_word(dbg_flow_state s)
{
	static const char *const words[] = { "", "no gradient reached it",
					     "exactly zero", "NaN", "Inf", "vanishing",
					     "exploding" };
	return words[s];
}

/* ------------------------------------------------------------ drawing */

static int eighths(double v, int cells)
{
	if (!(v > 0))
		return 0;
	double f = (log10(v) - LOG_LO) / (LOG_HI - LOG_LO);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	int e = (int)lround(f * cells * 8);
	return e < 1 ? 1 : e;	/* a gradient that is there shows */
}

/* Appends s to buf (size bytes, *used of them used): false when it does
 * not fit, and buf stays as it was. */
static bool append(char *buf, size_t size, size_t *used, const char *s)
{
	size_t k = strlen(s);
	if (*used + k + 1 > size)
		return false;
	memcpy(buf + *used, s, k + 1);
	*used += k;
	return true;
}

void dbg_log_bar(double v, int cells, bool ascii, char *buf, size_t n)
{
	static const char *const part[8] = { "", "\u258F", "\u258E", "\u258D", "\u258C",
					     "\u258B", "\u258A", "\u2589" };
	int e = eighths(v, cells);
	size_t used = 0;
	buf[0] = 0;
	for (int c = 0; c < cells; c++) {
		int lo = c * 8;
		const char *s = e >= lo + 8 ? (ascii ? "#" : "\u2588") :
				e > lo ? (ascii ? "#" : part[e - lo]) :
				(ascii ? "." : " ");
		if (!append(buf, n, &used, *s ? s : " "))
			break;
	}
}

void dbg_sparkline(const double *h, int n, bool ascii, char *buf, size_t size)
{
	static const char *const ticks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char plain[] = "_.-=+*#@";
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < n; i++)
		if (h[i] > 0 && isfinite(h[i])) {
			double l = log10(h[i]);
			lo = l < lo ? l : lo;
			hi = l > hi ? l : hi;
		}
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		char one[8];
		if (isnan(h[i])) {
			snprintf(one, sizeof one, " ");
		} else if (!(h[i] > 0)) {
			snprintf(one, sizeof one, "%s", ascii ? "0" : "\u2080");
		} else {
			double l = log10(h[i]);
			int k = hi > lo ? (int)lround((l - lo) / (hi - lo) * 7) : 3;
			k = k < 0 ? 0 : k > 7 ? 7 : k;
			if (ascii)
				snprintf(one, sizeof one, "%c", plain[k]);
			else
				snprintf(one, sizeof one, "%s", ticks[k]);
		}
		if (!append(buf, size, &used, one))
			break;
	}
}

/* ------------------------------------------------------------ Lua */

static void push_row(lua_State *L, const dbg_flow_row *r, bool ascii)
{
	char buf[512];
	lua_createtable(L, 0, 16);
	lua_pushstring(L, r->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, r->shape);
	lua_setfield(L, -2, "shape");
	lua_pushinteger(L, (lua_Integer)r->id);
	lua_setfield(L, -2, "id");
	static const char *const states[] = { "ok", "none", "zero", "nan", "inf",
					      "vanishing", "exploding" };
	lua_pushstring(L, states[r->state]);
	lua_setfield(L, -2, "state");
	lua_pushstring(L, dbg_flow_word(r->state));
	lua_setfield(L, -2, "word");
	lua_pushstring(L, dbg_flow_mark(r->state, ascii));
	lua_setfield(L, -2, "mark");
	if (r->g.numel) {
		lua_pushnumber(L, r->g.mean_abs);
		lua_setfield(L, -2, "mean_abs");
		lua_pushnumber(L, r->g.max_abs);
		lua_setfield(L, -2, "max_abs");
		lua_pushinteger(L, (lua_Integer)r->g.n_nan);
		lua_setfield(L, -2, "nan");
		lua_pushinteger(L, (lua_Integer)r->g.n_inf);
		lua_setfield(L, -2, "inf");
		lua_pushinteger(L, (lua_Integer)r->g.n_zero);
		lua_setfield(L, -2, "zero");
		lua_pushinteger(L, (lua_Integer)r->g.numel);
		lua_setfield(L, -2, "numel");
		dbg_log_bar(r->g.mean_abs, 8, ascii, buf, sizeof buf);
		lua_pushstring(L, buf);
		lua_setfield(L, -2, "mean_bar");
		dbg_log_bar(r->g.max_abs, 8, ascii, buf, sizeof buf);
		lua_pushstring(L, buf);
		lua_setfield(L, -2, "max_bar");
	}
	if (!isnan(r->ratio)) {
		lua_pushnumber(L, r->ratio);
		lua_setfield(L, -2, "update_ratio");
	}
	lua_pushinteger(L, (lua_Integer)r->lost_zero);
	lua_setfield(L, -2, "lost_zero");
	lua_pushinteger(L, (lua_Integer)r->lost_inf);
	lua_setfield(L, -2, "lost_inf");
	lua_createtable(L, r->nhist, 0);
	for (int i = 0; i < r->nhist; i++) {
		if (isnan(r->hist[i]))
			lua_pushboolean(L, 0);
		else
			lua_pushnumber(L, r->hist[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "history");
	dbg_sparkline(r->hist, r->nhist, ascii, buf, sizeof buf);
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "sparkline");
}

/* core.flow_rows({{name, tensor}, ...}, ascii) */
static int l_flow_rows(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	bool ascii = lua_toboolean(L, 2);
	int n = (int)lua_rawlen(L, 1);
	lua_createtable(L, n, 0);
	for (int i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		ag_tensor *t = repl_check_tensor(L, -1, "agdb.gradflow");
		dbg_flow_row r;
		dbg_flow_row_of(t, lua_tostring(L, -2), &r);
		lua_pop(L, 3);
		push_row(L, &r, ascii);
		lua_rawseti(L, -2, i);
	}
	return 1;
}

/* Copies made before an optimizer step, until after it. */
typedef struct step_copy {
	int index;		/* which parameter of the list */
	ag_tensor *copy;
} step_copy;

static ag_vec before = AG_VEC_EMPTY;	/* of step_copy */

static void drop_copies(void)
{
	for (size_t i = 0; i < before.len; i++)
		ag_tensor_release(AG_VEC_AT(&before, step_copy, i).copy);
	before.len = 0;
}

void dbg_flow_close(void)
{
	drop_copies();
	ag_vec_free(&before);
}

/* core.track_step(params, "pre"|"post") */
static int l_track_step(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	bool pre = strcmp(luaL_checkstring(L, 2), "pre") == 0;
	int n = (int)lua_rawlen(L, 1);
	if (pre) {
		drop_copies();
		if (!dbg_set.track_updates)
			return 0;
		ag_trace_suspend();	/* the debugger's copies are not the user's ops */
		bool mode = ag_set_grad_enabled(false);
		for (int i = 1; i <= n; i++) {
			lua_rawgeti(L, 1, i);
			ag_tensor *p = repl_to_tensor(L, -1);
			lua_pop(L, 1);
			ag_tensor *c = p && ag_dtype_is_floating(p->dtype) ? ag_clone(p) : NULL;
			if (!c || AG_VEC_PUSH(&before, step_copy, ((step_copy){ i, c })) < 0) {
				ag_tensor_release(c);
				ag_error_clear();
			}
		}
		ag_set_grad_enabled(mode);
		ag_trace_resume();
		return 0;
	}
	for (size_t k = 0; k < before.len; k++) {
		ag_tensor *old = AG_VEC_AT(&before, step_copy, k).copy;
		lua_rawgeti(L, 1, AG_VEC_AT(&before, step_copy, k).index);
		ag_tensor *p = repl_to_tensor(L, -1);
		lua_pop(L, 1);
		if (!p || !ag_same_shape(p, old))
			continue;
		/* |p - old| / |old| over every element */
		double d2 = 0, o2 = 0;
		int64_t m = ag_numel(p);
		int64_t idx[AG_MAX_DIMS] = { 0 };
		size_t es = ag_dtype_size(p->dtype);
		const char *pb = (const char *)p->storage->data;
		const char *ob = (const char *)ag_data_ptr(old);
		for (int64_t e = 0; e < m; e++) {
			int64_t at = p->offset;
			for (int d = 0; d < p->ndim; d++)
				at += idx[d] * p->stride[d];
			double a = ag_load(pb + (size_t)at * es, p->dtype);
			double b = ag_load(ob + (size_t)e * ag_dtype_size(old->dtype), old->dtype);
			d2 += (a - b) * (a - b);
			o2 += b * b;
			for (int d = p->ndim - 1; d >= 0; d--) {
				if (++idx[d] < p->shape[d])
					break;
				idx[d] = 0;
			}
		}
		set_ratio(p->id, o2 > 0 ? sqrt(d2 / o2) : (d2 > 0 ? INFINITY : 0.0));
	}
	drop_copies();
	return 0;
}

const luaL_Reg dbg_flow_funcs[] = {
	{"flow_rows", l_flow_rows}, {"track_step", l_track_step},
	{NULL, NULL}
};
