/*
 * tui_grads.c - the gradients pane: gradient flow, one row per leaf or
 * parameter of the graph that requires grad -- the rows of :gradflow
 * (ldebug_flow.c): a mark for what is wrong (no gradient reached it,
 * exactly zero, NaN, Inf, vanishing, exploding), its name, its shape
 * (when the bars keep room), paired bars on a log scale (mean |g| and
 * max |g|, 1e-8 to 1e4), then as room allows the mean, the
 * update-to-data ratio of the last optimizer step and a sparkline of
 * mean |g| over the last passes.  Enter (or a click) selects the leaf in
 * the graph.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger.h"
#include "ltorch.h"
#include "map.h"
#include "repl.h"
#include "tuiint.h"

typedef struct grow {
	int node;		/* in the graph */
	dbg_flow_row r;
} grow;

static grow *rows;
static int nrows, caprows, top, cur = -1;

/* The parameters the graph does not draw (a model whose loss was a local
 * of a training loop): agdb.gradflow's targets, every leaf that requires
 * grad bound to a global and every parameter of a global module, added
 * after the graph's rows with node -1.  seen maps the ids already shown. */
typedef struct extra_job {
	lua_State *L;
	ag_map *seen;
} extra_job;

static int add_extra(void *ud)
{
	extra_job *j = ud;
	lua_State *L = j->L;
	dbg_call_lua(L, "agdb.gradflow", "targets", 0, 1);
	int n = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : 0;
	for (int i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		const char *name = lua_tostring(L, -2);
		ag_tensor *t = repl_to_tensor(L, -1);
		size_t k;
		if (name && t && !ag_map_get(j->seen, t->id, &k) &&
		    tui_grow(&rows, &caprows, nrows + 1, sizeof *rows)) {
			grow *r = &rows[nrows++];
			r->node = -1;
			dbg_flow_row_of(t, name, &r->r);
			ag_map_put(j->seen, t->id, 1);
		}
		lua_pop(L, 3);
	}
	lua_pop(L, 1);
	return 0;
}

void tui_grads_update(lua_State *L, const viz_graph *g)
{
	nrows = 0;
	int n = viz_graph_node_count(g);
	/* the live tensors of the graph's leaves, found in one registry walk */
	ag_map want = AG_MAP_EMPTY;
	for (int i = 0; i < n; i++) {
		const viz_node_info *in = viz_graph_node(g, i);
		if (in->kind == VIZ_NODE_TENSOR && in->ref &&
		    (in->flags & (VIZ_FLAG_LEAF | VIZ_FLAG_PARAM)) &&
		    (in->flags & VIZ_FLAG_REQUIRES_GRAD) && ag_map_put(&want, in->ref, (size_t)i + 1) < 0)
			break;
	}
	for (ag_tensor *t = ag_registry_first(); t && want.len; t = ag_registry_next(t)) {
		size_t k;
		if (!ag_map_get(&want, t->id, &k) || !k)
			continue;
		const viz_node_info *in = viz_graph_node(g, (int)k - 1);
		if (!tui_grow(&rows, &caprows, nrows + 1, sizeof *rows))
			break;
		grow *r = &rows[nrows++];
		r->node = (int)k - 1;
		const char *nm = (in->flags & VIZ_FLAG_PARAM) && in->scope ? in->scope :
				 in->var ? in->var : in->name ? in->name : "(leaf)";
		dbg_flow_row_of(t, nm, &r->r);
		ag_map_put(&want, t->id, 0);	/* a tensor drawn twice: one row */
	}
	/* in the graph's order: the order of the drawing's nodes */
	for (int i = 1; i < nrows; i++)
		for (int j = i; j > 0 && rows[j].node < rows[j - 1].node; j--) {
			grow tmp = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = tmp;
		}
	if (L) {
		extra_job job = { L, &want };
		char err[256];
		repl_protected(L, add_extra, &job, err, sizeof err);
	}
	ag_map_free(&want);
	if (cur >= nrows)
		cur = nrows - 1;
	if (top > nrows)
		top = 0;
}

static bool any_gradient(void)
{
	for (int i = 0; i < nrows; i++)
		if (rows[i].r.g.numel || rows[i].r.nhist)
			return true;
	return dbg_last_pass()->number > 0;
}

static void draw(const tui_rect *r, bool focused)
{
	if (r->h <= 0)
		return;
	char info[64];
	snprintf(info, sizeof info, "%d lea%s %s pass %llu", nrows, nrows == 1 ? "f" : "ves",
		 tui_ascii() ? "-" : "\u00B7", (unsigned long long)dbg_last_pass()->number);
	tui_title(r, "gradients", info, focused);
	int y0 = r->y + 1, h = r->h - 1, w = r->w;
	for (int i = 0; i < h; i++)
		tui_fill(y0 + i, r->x, w, A_NORMAL);
	attr_t dim = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_GREY) : A_DIM;
	if (nrows == 0 || !any_gradient()) {
		tui_put(y0, r->x + 1, w - 1, "No .grad yet: backward() fills the", dim);
		tui_put(y0 + 1, r->x + 1, w - 1, "leaves' gradients (out:backward()).", dim);
		return;
	}
	bool ascii = tui_ascii();
	/* columns: mark, name and the two bars always; the shape when the
	 * bars keep 5 cells with it; then the mean, the update ratio and the
	 * sparkline as room allows */
	int avail = w - 1, numw = 8, updw = 9, sparkw = 0;
	int nw = 4, sw = 5;
	for (int i = 0; i < nrows; i++) {
		int k = tui_text_width(rows[i].r.name);
		nw = k > nw ? k : nw;
		k = tui_text_width(rows[i].r.shape);
		sw = k > sw ? k : sw;
	}
	nw = nw > 16 ? 16 : nw;
	sw = sw > 14 ? 14 : sw;
	/* the bars as wide as leaves room for the mean: fixed + numw <= avail */
	int bar = (avail - 5 - nw - (sw + 1) - numw) / 2;
	bool show_shape = bar >= 5;
	if (!show_shape) {
		sw = 0;
		bar = (avail - 5 - nw - numw) / 2;
	}
	bar = bar < 3 ? 3 : bar > 8 ? 8 : bar;
	int shapecol = show_shape ? sw + 1 : 0;
	int fixed = 2 + nw + 1 + shapecol + 2 * bar + 1 + 1;
	bool show_num = avail >= fixed + numw;
	bool show_upd = show_num && avail >= fixed + numw + updw;
	int rest = avail - fixed - (show_num ? numw : 0) - (show_upd ? updw : 0);
	if (rest >= 8)
		sparkw = rest - 1 > 50 ? 50 : rest - 1;
	char head[160];
	snprintf(head, sizeof head, "  %-*s %-*s%-*s%s%s%s", nw, "name", shapecol,
		 show_shape ? "shape" : "", 2 * bar + 2, "mean|max",
		 show_num ? "mean|g|  " : "", show_upd ? "update   " : "",
		 sparkw ? "last passes" : "");
	tui_put(y0, r->x + 1, w - 1, head, A_BOLD);
	int rows_shown = h - 1;
	if (cur >= 0) {
		if (cur < top)
			top = cur;
		if (cur >= top + rows_shown)
			top = cur - rows_shown + 1;
	}
	for (int i = 0; i < rows_shown && top + i < nrows; i++) {
		const dbg_flow_row *g = &rows[top + i].r;
		int y = y0 + 1 + i;
		attr_t a = top + i == cur ? A_REVERSE : A_NORMAL;
		attr_t warn = a | A_BOLD | viz_curses_pair(VIZ_PAIR_RED);
		tui_fill(y, r->x, w, a);
		int x = r->x + 1;
		/* float16/bfloat16 rounding lost values of its last gradient */
		bool lost = g->lost_zero || g->lost_inf;
		tui_put(y, x, 1, g->state == DBG_FLOW_OK && lost ? (ascii ? "~" : "\u2248") :
			dbg_flow_mark(g->state, ascii),
			g->state == DBG_FLOW_OK && !lost ? a : warn);
		x += 2;
		tui_put(y, x, nw, g->name, a | A_BOLD);
		x += nw + 1;
		if (show_shape) {
			tui_put(y, x, sw, g->shape, a);
			x += shapecol;
		}
		if (g->state == DBG_FLOW_NONE || g->state == DBG_FLOW_NAN ||
		    g->state == DBG_FLOW_INF) {
			char msg[96];
			if (g->state == DBG_FLOW_NONE)
				snprintf(msg, sizeof msg, "no gradient reached it");
			else
				snprintf(msg, sizeof msg, "%lld NaN, %lld Inf", (long long)g->g.n_nan,
					 (long long)g->g.n_inf);
			tui_put(y, x, r->x + w - x, msg, g->state == DBG_FLOW_NONE ? a | dim : warn);
			continue;
		}
		char b[8 * 4 + 8];
		int bucket = viz_grad_bucket(g->g.mean_abs);
		dbg_log_bar(g->g.mean_abs, bar, ascii, b, sizeof b);
		tui_put(y, x, bar, b, a | viz_curses_pair(VIZ_PAIR_MAG1 + bucket - 1));
		x += bar;
		tui_put(y, x, 1, ascii ? "|" : "\u2502", a | dim);
		x += 1;
		dbg_log_bar(g->g.max_abs, bar, ascii, b, sizeof b);
		tui_put(y, x, bar, b, a | viz_curses_pair(VIZ_PAIR_MAG1 + viz_grad_bucket(g->g.max_abs) - 1));
		x += bar + 1;
		char num[32];
		if (show_num) {
			snprintf(num, sizeof num, "%.1e", g->g.mean_abs);
			tui_put(y, x, numw, num, g->state == DBG_FLOW_OK ? a : warn);
			x += numw;
		}
		if (show_upd) {
			if (isnan(g->ratio))
				snprintf(num, sizeof num, "-");
			else
				snprintf(num, sizeof num, "%.1e", g->ratio);
			tui_put(y, x, updw, num, a);
			x += updw;
		}
		if (sparkw) {
			char sp[50 * 4 + 8];
			int from = g->nhist > sparkw ? g->nhist - sparkw : 0;
			dbg_sparkline(g->hist + from, g->nhist - from, ascii, sp, sizeof sp);
			tui_put(y, x, sparkw, sp, a);
		}
	}
}

static void act(tui_action a, const tui_rect *r)
{
	int page = r->h > 4 ? r->h - 3 : 1;
	switch (a) {
	case TUI_ACT_SCROLL_UP:
	case TUI_ACT_PREV_NODE:
		cur = cur > 0 ? cur - 1 : 0;
		break;
	case TUI_ACT_SCROLL_DOWN:
	case TUI_ACT_NEXT_NODE:
		cur = cur + 1 < nrows ? cur + 1 : nrows - 1;
		break;
	case TUI_ACT_PAGE_UP:
		cur = cur - page > 0 ? cur - page : 0;
		break;
	case TUI_ACT_PAGE_DOWN:
		cur = cur + page < nrows ? cur + page : nrows - 1;
		break;
	case TUI_ACT_TOP:
		cur = 0;
		break;
	case TUI_ACT_BOTTOM:
		cur = nrows - 1;
		break;
	case TUI_ACT_SELECT:
		if (cur >= 0 && cur < nrows && rows[cur].node >= 0)
			tui_graph_select(rows[cur].node);
		else if (cur >= 0 && cur < nrows)
			tui_message("%s is not in the graph drawn now", rows[cur].r.name);
		break;
	default:
		break;
	}
	if (nrows == 0)
		cur = -1;
}

static void click(int y, int x, const tui_rect *r)
{
	(void)x;
	(void)r;
	int i = top + y - 1;	/* the first row is the header */
	if (y >= 1 && i < nrows) {
		cur = i;
		if (rows[cur].node >= 0)
			tui_graph_select(rows[cur].node);
	}
}

const tui_pane_class tui_grads_pane = { draw, act, click };
