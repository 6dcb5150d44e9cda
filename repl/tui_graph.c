/*
 * tui_graph.c - the graph pane: the live graph, a window onto viz's
 * drawing (the same drawing :graph prints).
 *
 * After every line a new snapshot is taken; it is laid out again only
 * when it differs from the last one (a signature of everything drawn), so
 * a line that changes nothing in the graph costs no layout, and moving
 * around costs only drawing the visible window.  The nodes the line
 * created are marked "new"; the view keeps the selected node where it was
 * on the screen when the graph grows, and brings new nodes into view when
 * nothing is selected.
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "ag.h"
#include "render.h"
#include "repl.h"
#include "snapshot.h"
#include "tuiint.h"

#define TUI_MAX_NODES 20000	/* beyond this the graph is cut (and says so) */

static struct {
	viz_graph *g;
	viz_layout *l;
	uint64_t sig;
	int view, detail;
	char *expr;		/* pinned expression, or NULL */
	int ref;		/* pinned value, or LUA_NOREF */
	char **collapsed;
	int ncollapsed;
	uint64_t *keys;		/* sorted keys of the nodes drawn now */
	int nkeys;
	bool *is_new;
	int nnew;
	int *order;		/* model nodes in layout order, one per box */
	int norder;
	int vx, vy;		/* the window's top left in the drawing */
	int sel;
	int pane_w, pane_h;
	bool prompt;		/* typing a search */
	char query[128];
	int *matches, nmatches, cur_match;
	char error[512];
	double t_snap, t_lay;
	bool laid_out, had_snapshot;
	uint64_t want_node;	/* select this node at the next refresh, */
	uint64_t want_leaf;	/* or this leaf (its AccumulateGrad) */
} G = { .ref = LUA_NOREF, .sel = -1, .detail = VIZ_DETAIL_NORMAL };

static const char *const detail_names[] = { "compact", "normal", "full" };

static double now_ms(void)
{
	return repl_now() * 1e3;
}

/* ------------------------------------------------------------ identity */

/* A node's identity across snapshots: its kind and the id of what it
 * stands for (a tensor, an autograd node, a trace event). */
static uint64_t node_key(const viz_node_info *in)
{
	uint64_t h = in->ref * 0x9E3779B97F4A7C15ull + (uint64_t)in->kind;
	return h ^ (h >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static bool had_key(uint64_t k)
{
	return G.nkeys && bsearch(&k, G.keys, (size_t)G.nkeys, sizeof k, cmp_u64);
}

/* FNV-1a over everything a drawing shows. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "\xff", 1);
}

static uint64_t fnv_grad(uint64_t h, const viz_grad_stats *g)
{
	h = fnv(h, &g->valid, sizeof g->valid);
	if (g->valid) {
		h = fnv(h, &g->mean_abs, sizeof g->mean_abs);
		h = fnv(h, &g->max_abs, sizeof g->max_abs);
		h = fnv(h, &g->nan_count, sizeof g->nan_count);
		h = fnv(h, &g->inf_count, sizeof g->inf_count);
	}
	return h;
}

static uint64_t signature(const viz_graph *g)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int n = viz_graph_node_count(g), m = viz_graph_edge_count(g);
	for (int i = 0; i < n; i++) {
		const viz_node_info *in = viz_graph_node(g, i);
		h = fnv(h, &in->kind, sizeof in->kind);
		h = fnv(h, &in->ref, sizeof in->ref);
		h = fnv(h, &in->version, sizeof in->version);
		h = fnv(h, &in->flags, sizeof in->flags);
		h = fnv(h, &in->no_grad_region, sizeof in->no_grad_region);
		h = fnv_str(h, in->name);
		h = fnv_str(h, in->var);
		h = fnv_str(h, in->shape);
		h = fnv_str(h, in->dtype);
		h = fnv_str(h, in->where);
		h = fnv_str(h, in->scope);
		h = fnv_str(h, in->note);
		h = fnv_grad(h, &in->grad);
	}
	for (int i = 0; i < m; i++) {
		int from, to;
		const viz_edge_info *e = viz_graph_edge(g, i, &from, &to);
		h = fnv(h, &from, sizeof from);
		h = fnv(h, &to, sizeof to);
		h = fnv(h, &e->kind, sizeof e->kind);
		h = fnv_str(h, e->label);
		h = fnv_grad(h, &e->grad);
	}
	for (int i = 0; i < G.ncollapsed; i++)
		h = fnv_str(h, G.collapsed[i]);
	h = fnv(h, &G.detail, sizeof G.detail);
	bool ascii = tui_ascii();
	return fnv(h, &ascii, sizeof ascii);
}

/* ------------------------------------------------------------ order */

static const viz_layout *sort_l;

static int by_box(const void *a, const void *b)
{
	viz_box x, y;
	viz_layout_node_box(sort_l, *(const int *)a, &x);
	viz_layout_node_box(sort_l, *(const int *)b, &y);
	if (x.y != y.y)
		return x.y < y.y ? -1 : 1;
	if (x.x != y.x)
		return x.x < y.x ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

/* Model nodes by position on the drawing, top to bottom, left to right;
 * the members of a collapsed module share its box and appear once. */
static void build_order(void)
{
	free(G.order);
	G.order = NULL;
	G.norder = 0;
	int n = viz_graph_node_count(G.g);
	if (!G.l || n == 0)
		return;
	int *o = malloc(sizeof *o * (size_t)n);
	if (!o)
		return;
	for (int i = 0; i < n; i++)
		o[i] = i;
	sort_l = G.l;
	qsort(o, (size_t)n, sizeof *o, by_box);
	int k = 0;
	viz_box prev = { -1, -1, -1, -1 };
	for (int i = 0; i < n; i++) {
		viz_box b;
		viz_layout_node_box(G.l, o[i], &b);
		if (b.x == prev.x && b.y == prev.y)
			continue;
		prev = b;
		o[k++] = o[i];
	}
	G.order = o;
	G.norder = k;
}

/* ------------------------------------------------------------ the window */

static void content_size(const tui_rect *r, int *w, int *h)
{
	*w = r->w;
	*h = r->h - 1 - (G.error[0] ? 1 : 0);
	if (*h < 0)
		*h = 0;
}

static void clamp_view(void)
{
	int lw = 0, lh = 0;
	viz_layout_size(G.l, &lw, &lh);
	int w = G.pane_w, h = G.pane_h;
	if (G.vx > lw - w)
		G.vx = lw - w;
	if (G.vy > lh - h)
		G.vy = lh - h;
	if (G.vx < 0)
		G.vx = 0;
	if (G.vy < 0)
		G.vy = 0;
}

/* Scrolls so node shows, with a row or two of context. */
static void reveal(int node)
{
	viz_box b;
	if (!G.l || node < 0 || viz_layout_node_box(G.l, node, &b) < 0)
		return;
	int w = G.pane_w, h = G.pane_h;
	if (b.x < G.vx || b.x + b.w > G.vx + w)
		G.vx = b.w >= w ? b.x : b.x + b.w / 2 - w / 2;
	if (b.y < G.vy + 1 || b.y + b.h > G.vy + h - 1)
		G.vy = b.h + 2 >= h ? b.y : b.y + b.h / 2 - h / 2;
	clamp_view();
}

static void centre_on(const viz_box *b)
{
	G.vx = b->x + b->w / 2 - G.pane_w / 2;
	G.vy = b->y + b->h / 2 - G.pane_h / 2;
	clamp_view();
}

/* ------------------------------------------------------------ refresh */

static void free_graph(void)
{
	viz_layout_free(G.l);
	viz_graph_free(G.g);
	G.l = NULL;
	G.g = NULL;
	free(G.is_new);
	G.is_new = NULL;
	G.nnew = 0;
	free(G.order);
	G.order = NULL;
	G.norder = 0;
	free(G.matches);
	G.matches = NULL;
	G.nmatches = 0;
	G.sel = -1;
}

void tui_graph_reset(void)
{
	free_graph();
	free(G.keys);
	G.keys = NULL;
	G.nkeys = 0;
	G.sig = 0;
	G.vx = G.vy = 0;
	G.error[0] = 0;
	G.had_snapshot = false;
	G.prompt = false;
	G.query[0] = 0;
}

typedef struct lay_job {
	const viz_graph *g;
	viz_layout_options opt;
	viz_layout *l;
} lay_job;

static int lay_out(void *ud)
{
	lay_job *j = ud;
	j->l = viz_layout_new(j->g, &j->opt);
	return j->l ? 0 : -1;
}

static void first_line(char *dst, size_t n, const char *msg)
{
	size_t k = strcspn(msg, "\n");
	if (k >= n)
		k = n - 1;
	memcpy(dst, msg, k);
	dst[k] = 0;
}

static void apply_collapsed(viz_graph *g)
{
	for (int i = 0; i < G.ncollapsed; i++)
		if (viz_graph_set_collapsed(g, G.collapsed[i], true) < 0)
			ag_error_clear();	/* that module is not in this graph */
}

/* Takes graph g (and its layout l) as the pane's, keeping the view. */
static void install(viz_graph *g, viz_layout *l, bool mark_new)
{
	/* where the selected node was on the screen */
	uint64_t sel_key = 0;
	int sel_dx = 0, sel_dy = 0;
	bool had_sel = G.sel >= 0 && G.g && G.l;
	if (had_sel) {
		viz_box b;
		sel_key = node_key(viz_graph_node(G.g, G.sel));
		viz_layout_node_box(G.l, G.sel, &b);
		sel_dx = b.x - G.vx;
		sel_dy = b.y - G.vy;
	}
	bool first = !G.l;
	int old_vx = G.vx, old_vy = G.vy;
	free_graph();
	G.g = g;
	G.l = l;
	int n = viz_graph_node_count(g);
	G.is_new = calloc((size_t)(n ? n : 1), sizeof *G.is_new);
	uint64_t *keys = malloc(sizeof *keys * (size_t)(n ? n : 1));
	G.nnew = 0;
	for (int i = 0; i < n; i++) {
		const viz_node_info *in = viz_graph_node(g, i);
		uint64_t k = node_key(in);
		if (keys)
			keys[i] = k;
		if (mark_new && G.is_new && in->kind != VIZ_NODE_HIDDEN && !had_key(k)) {
			G.is_new[i] = true;
			G.nnew++;
		}
		if (had_sel && k == sel_key && G.sel < 0)
			G.sel = i;
	}
	free(G.keys);
	G.keys = keys;
	G.nkeys = keys ? n : 0;
	if (keys)
		qsort(keys, (size_t)n, sizeof *keys, cmp_u64);
	build_order();
	G.vx = old_vx;
	G.vy = old_vy;
	if (G.sel >= 0) {
		/* the selected node stays where it was on the screen; when
		 * that hides everything the last line made, the newest comes
		 * into view if the selected node stays in view too, and else a
		 * line says where the new nodes went */
		viz_box b;
		viz_layout_node_box(l, G.sel, &b);
		G.vx = b.x - sel_dx;
		G.vy = b.y - sel_dy;
		clamp_view();
		int newest = -1;
		bool seen = false;
		for (int i = 0; i < n && G.nnew; i++) {
			if (!G.is_new[i])
				continue;
			viz_box nb;
			viz_layout_node_box(l, i, &nb);
			if (nb.x < G.vx + G.pane_w && nb.x + nb.w > G.vx &&
			    nb.y < G.vy + G.pane_h && nb.y + nb.h > G.vy)
				seen = true;
			newest = i;
		}
		if (newest >= 0 && !seen) {
			int ax = G.vx, ay = G.vy;
			reveal(newest);
			if (!(b.x < G.vx + G.pane_w && b.x + b.w > G.vx &&
			      b.y < G.vy + G.pane_h && b.y + b.h > G.vy)) {
				G.vx = ax;
				G.vy = ay;
				tui_message("%d new node%s out of view; the view stays on the selected node",
					    G.nnew, G.nnew == 1 ? " is" : "s are");
			}
		}
	} else if (G.nnew > 0) {
		/* nothing selected: bring the new nodes into view */
		viz_box u = { 0, 0, 0, 0 }, last = { 0, 0, 0, 0 };
		bool any = false;
		for (int i = 0; i < n; i++) {
			if (!G.is_new[i])
				continue;
			viz_box b;
			viz_layout_node_box(l, i, &b);
			if (!any) {
				u = last = b;
				any = true;
				continue;
			}
			int x1 = u.x + u.w > b.x + b.w ? u.x + u.w : b.x + b.w;
			int y1 = u.y + u.h > b.y + b.h ? u.y + u.h : b.y + b.h;
			u.x = u.x < b.x ? u.x : b.x;
			u.y = u.y < b.y ? u.y : b.y;
			u.w = x1 - u.x;
			u.h = y1 - u.y;
			if (b.y > last.y || (b.y == last.y && b.x > last.x))
				last = b;
		}
		if (u.w <= G.pane_w && u.h <= G.pane_h)
			centre_on(&u);
		else
			centre_on(&last);	/* the newest result is lowest */
	} else if (first && G.norder > 0) {
		/* a first look: the bottom, where the latest result is */
		viz_box b;
		viz_layout_node_box(l, G.order[G.norder - 1], &b);
		centre_on(&b);
	} else {
		clamp_view();
	}
}

/* The debugger asked for a node (a stop, a failure): select it once it
 * is drawn. */
static void apply_wanted(void)
{
	if ((!G.want_node && !G.want_leaf) || !G.g)
		return;
	int n = viz_graph_node_count(G.g), leaf = -1;
	for (int i = 0; i < n; i++) {
		const viz_node_info *in = viz_graph_node(G.g, i);
		if (in->kind == VIZ_NODE_GRAD && G.want_node && in->ref == G.want_node) {
			G.want_node = G.want_leaf = 0;
			tui_graph_select(i);
			return;
		}
		if (in->kind == VIZ_NODE_TENSOR && G.want_leaf && in->ref == G.want_leaf)
			leaf = i;
	}
	if (leaf >= 0) {
		G.want_node = G.want_leaf = 0;
		tui_graph_select(leaf);
	}
}

void tui_graph_want(uint64_t node_id, uint64_t leaf_id)
{
	G.want_node = node_id;
	G.want_leaf = leaf_id;
	apply_wanted();
}

void tui_graph_refresh(lua_State *L, bool after_line)
{
	char err[512];
	double t0 = now_ms();
	viz_graph *g = repl_graph_live(L, G.expr, G.ref, G.view, TUI_MAX_NODES,
				       G.detail == VIZ_DETAIL_FULL, err, sizeof err);
	double t1 = now_ms();
	G.t_snap = t1 - t0;
	G.t_lay = 0;
	G.laid_out = false;
	if (!g) {
		first_line(G.error, sizeof G.error, err);
		tui_dirty(TUI_GRAPH);
		return;
	}
	G.error[0] = 0;
	apply_collapsed(g);
	uint64_t sig = signature(g);
	bool mark_new = after_line && G.had_snapshot;
	G.had_snapshot = true;
	if (G.l && sig == G.sig) {
		/* the same graph: no layout; nothing is new any more */
		viz_graph_free(g);
		if (after_line && G.nnew) {
			memset(G.is_new, 0, sizeof *G.is_new * (size_t)viz_graph_node_count(G.g));
			G.nnew = 0;
		}
		apply_wanted();
		tui_grads_update(L, G.g);
		tui_inspect_update(L);
		tui_dirty(TUI_GRAPH);
		tui_dirty(TUI_GRADS);
		tui_dirty(TUI_INSPECT);
		return;
	}
	lay_job job = { .g = g };
	viz_layout_options_default(&job.opt);
	job.opt.detail = (viz_detail)G.detail;
	job.opt.ascii = tui_ascii();
	if (repl_protected(L, lay_out, &job, err, sizeof err) < 0) {
		viz_graph_free(g);
		first_line(G.error, sizeof G.error, err);
		tui_message("drawing the graph stopped: %s (Ctrl-L tries again)", G.error);
		tui_dirty(TUI_GRAPH);
		return;
	}
	G.t_lay = now_ms() - t1;
	G.laid_out = true;
	G.sig = sig;
	install(g, job.l, mark_new);
	if (G.nmatches || G.query[0]) {
		free(G.matches);
		G.matches = NULL;
		G.nmatches = 0;
	}
	apply_wanted();
	tui_grads_update(L, G.g);
	tui_inspect_update(L);
	tui_dirty(TUI_GRAPH);
	tui_dirty(TUI_GRADS);
	tui_dirty(TUI_INSPECT);
}

/* Lays the current graph out again (detail or a collapse changed). */
static void relayout_now(void)
{
	if (!G.g)
		return;
	char err[512];
	lay_job job = { .g = G.g };
	viz_layout_options_default(&job.opt);
	job.opt.detail = (viz_detail)G.detail;
	job.opt.ascii = tui_ascii();
	lua_State *L = tui_lua();
	if (repl_protected(L, lay_out, &job, err, sizeof err) < 0) {
		first_line(G.error, sizeof G.error, err);
		return;
	}
	viz_graph *g = G.g;
	G.g = NULL;	/* install takes it over */
	viz_layout_free(G.l);
	G.l = NULL;
	int sel = G.sel;
	bool *was_new = G.is_new;
	G.is_new = NULL;
	int nnew = G.nnew;
	/* keep the selection: same graph, same node ids */
	G.sel = -1;
	install(g, job.l, false);
	G.sel = sel;
	if (was_new) {
		free(G.is_new);
		G.is_new = was_new;
		G.nnew = nnew;
	}
	G.sig = signature(G.g);
	if (sel >= 0)
		reveal(sel);
	tui_inspect_update(L);
}

/* ------------------------------------------------------------ pinning */

void tui_graph_pin(lua_State *L, const char *expr, int ref, int view, int detail)
{
	free(G.expr);
	G.expr = expr ? strdup(expr) : NULL;
	if (G.ref != LUA_NOREF && L)
		luaL_unref(L, LUA_REGISTRYINDEX, G.ref);
	G.ref = ref;
	if (view >= 0 && view != G.view) {
		G.view = view;
		free(G.keys);	/* another kind of graph: nothing is new in it */
		G.keys = NULL;
		G.nkeys = 0;
		G.had_snapshot = false;
	}
	if (detail >= 0)
		G.detail = detail;
	G.sel = -1;
}

bool tui_graph_try_pin(lua_State *L, const char *expr, int view, int detail)
{
	char *old = G.expr ? strdup(G.expr) : NULL;
	int old_view = G.view, old_detail = G.detail;
	tui_graph_pin(L, expr, LUA_NOREF, view, detail);
	tui_graph_refresh(L, false);
	if (!G.error[0]) {
		free(old);
		return true;
	}
	/* a typo: say so, and keep drawing what was drawn */
	char msg[sizeof G.error];
	memcpy(msg, G.error, sizeof msg);
	tui_graph_pin(L, old, LUA_NOREF, old_view, old_detail);
	free(old);
	tui_graph_refresh(L, false);
	memcpy(G.error, msg, sizeof msg);
	G.error[0] = 0;
	tui_transcript_add(msg, TUI_TS_ERROR);
	return false;
}

const char *tui_graph_root(void)
{
	static char buf[96];
	if (G.expr)
		snprintf(buf, sizeof buf, "root: %.60s", G.expr);
	else if (G.ref != LUA_NOREF)
		snprintf(buf, sizeof buf, "root: the value of :view");
	else
		snprintf(buf, sizeof buf, "all globals");
	return buf;
}

const char *tui_graph_view_name(void)
{
	return G.view == VIZ_VIEW_FORWARD ? "forward" : "backward";
}

const char *tui_graph_detail_name(void)
{
	return detail_names[G.detail];
}

const viz_graph *tui_graph_model(void)
{
	return G.g;
}

int tui_graph_selected(void)
{
	return G.sel;
}

void tui_graph_timing(double *snapshot_ms, double *layout_ms, bool *laid_out)
{
	*snapshot_ms = G.t_snap;
	*layout_ms = G.t_lay;
	*laid_out = G.laid_out;
}

void tui_graph_select(int node)
{
	if (!G.g || node < 0 || node >= viz_graph_node_count(G.g))
		return;
	G.sel = node;
	reveal(node);
	tui_inspect_update(tui_lua());
	tui_dirty(TUI_GRAPH);
	tui_dirty(TUI_INSPECT);
	tui_dirty(TUI_GRADS);
}

/* ------------------------------------------------------------ search */

static bool contains(const char *hay, const char *needle, bool fold)
{
	if (!hay)
		return false;
	if (!fold)
		return strstr(hay, needle) != NULL;
	size_t n = strlen(needle);
	for (const char *p = hay; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static void run_search(void)
{
	free(G.matches);
	G.matches = NULL;
	G.nmatches = G.cur_match = 0;
	if (!G.query[0] || !G.g)
		return;
	/* smart case: lower case matches any case */
	bool fold = true;
	for (const char *p = G.query; *p; p++)
		if (isupper((unsigned char)*p))
			fold = false;
	G.matches = malloc(sizeof *G.matches * (size_t)(G.norder ? G.norder : 1));
	if (!G.matches)
		return;
	for (int k = 0; k < G.norder; k++) {
		const viz_node_info *in = viz_graph_node(G.g, G.order[k]);
		if (contains(in->var, G.query, fold) || contains(in->name, G.query, fold) ||
		    contains(in->scope, G.query, fold))
			G.matches[G.nmatches++] = G.order[k];
	}
	if (G.nmatches == 0) {
		tui_message("/%s: no node of that name", G.query);
		return;
	}
	/* an exact name first (/z finds z, not the first name with a z) */
	int best = 0;
	for (int i = 0; i < G.nmatches; i++) {
		const viz_node_info *in = viz_graph_node(G.g, G.matches[i]);
		if ((in->var && !strcmp(in->var, G.query)) ||
		    (in->name && !strcmp(in->name, G.query))) {
			best = i;
			break;
		}
	}
	G.cur_match = best;
	tui_graph_select(G.matches[best]);
}

bool tui_graph_search_active(void)
{
	return G.prompt;
}

bool tui_graph_has_matches(void)
{
	return G.nmatches > 0 || G.query[0];
}

bool tui_graph_search_key(int key)
{
	if (!G.prompt)
		return false;
	size_t n = strlen(G.query);
	if (key == '\r') {
		G.prompt = false;
		run_search();
	} else if (key == TUI_KEY_ESC || key == TUI_CTRL('g')) {
		G.prompt = false;
		G.query[0] = 0;
	} else if (key == TUI_CTRL('h') || key == 0x7f) {
		if (n > 0) {
			while (n > 0 && ((unsigned char)G.query[n - 1] & 0xC0) == 0x80)
				n--;
			G.query[n > 0 ? n - 1 : 0] = 0;
		}
	} else if (key == TUI_CTRL('u')) {
		G.query[0] = 0;
	} else if (key >= 0x20 && key < TUI_KEY_BASE) {
		char u[5] = { 0 };
		if (key < 0x80) {
			u[0] = (char)key;
		} else if (key < 0x800) {
			u[0] = (char)(0xC0 | (key >> 6));
			u[1] = (char)(0x80 | (key & 0x3F));
		} else if (key < 0x10000) {
			u[0] = (char)(0xE0 | (key >> 12));
			u[1] = (char)(0x80 | ((key >> 6) & 0x3F));
			u[2] = (char)(0x80 | (key & 0x3F));
		}
		if (n + strlen(u) < sizeof G.query)
			strcat(G.query, u);
	}
	tui_dirty(TUI_GRAPH);
	return true;
}

/* ------------------------------------------------------------ keys */

static void step_node(int d)
{
	if (G.nmatches > 0) {
		G.cur_match = (G.cur_match + d + G.nmatches) % G.nmatches;
		tui_graph_select(G.matches[G.cur_match]);
		return;
	}
	if (G.norder == 0)
		return;
	int at = -1;
	if (G.sel >= 0) {
		viz_box sb;
		viz_layout_node_box(G.l, G.sel, &sb);
		for (int k = 0; k < G.norder; k++) {
			viz_box b;
			viz_layout_node_box(G.l, G.order[k], &b);
			if (b.x == sb.x && b.y == sb.y)
				at = k;
		}
	}
	int k;
	if (at < 0) {
		/* nothing selected: the first node in view */
		k = d > 0 ? 0 : G.norder - 1;
		for (int i = 0; i < G.norder; i++) {
			viz_box b;
			viz_layout_node_box(G.l, G.order[i], &b);
			if (b.y >= G.vy && b.x >= G.vx && b.x < G.vx + G.pane_w) {
				k = i;
				break;
			}
		}
	} else {
		k = (at + d + G.norder) % G.norder;
	}
	tui_graph_select(G.order[k]);
}

static void collapse_here(void)
{
	if (G.sel < 0) {
		tui_message("select a node first (n, Enter or a click)");
		return;
	}
	const viz_node_info *in = viz_graph_node(G.g, G.sel);
	const char *scope = in->scope;
	if (!scope) {
		tui_message("%s is not inside a module", in->var ? in->var : in->name ? in->name : "this node");
		return;
	}
	/* the outermost collapsed scope holding it: expand that one */
	for (int i = 0; i < G.ncollapsed; i++) {
		size_t n = strlen(G.collapsed[i]);
		if (!strncmp(scope, G.collapsed[i], n) && (scope[n] == 0 || scope[n] == '.')) {
			viz_graph_set_collapsed(G.g, G.collapsed[i], false);
			tui_message("expanded %s", G.collapsed[i]);
			free(G.collapsed[i]);
			G.collapsed[i] = G.collapsed[--G.ncollapsed];
			relayout_now();
			return;
		}
	}
	char **c = realloc(G.collapsed, sizeof *c * (size_t)(G.ncollapsed + 1));
	if (!c)
		return;
	G.collapsed = c;
	if (!(c[G.ncollapsed] = strdup(scope)))
		return;
	G.ncollapsed++;
	if (viz_graph_set_collapsed(G.g, scope, true) < 0)
		ag_error_clear();
	tui_message("collapsed %s (c again expands it)", scope);
	relayout_now();
}

void tui_graph_act(tui_action a, const tui_rect *r)
{
	int w, h;
	content_size(r, &w, &h);
	G.pane_w = w;
	G.pane_h = h;
	switch (a) {
	case TUI_ACT_SCROLL_UP: G.vy -= 1; break;
	case TUI_ACT_SCROLL_DOWN: G.vy += 1; break;
	case TUI_ACT_SCROLL_LEFT: G.vx -= 4; break;
	case TUI_ACT_SCROLL_RIGHT: G.vx += 4; break;
	case TUI_ACT_PAGE_UP: G.vy -= h > 2 ? h - 2 : 1; break;
	case TUI_ACT_PAGE_DOWN: G.vy += h > 2 ? h - 2 : 1; break;
	case TUI_ACT_TOP: G.vy = 0; G.vx = 0; break;
	case TUI_ACT_BOTTOM: G.vy = 1 << 28; break;
	case TUI_ACT_NEXT_NODE: step_node(+1); break;
	case TUI_ACT_PREV_NODE: step_node(-1); break;
	case TUI_ACT_SELECT:
		if (G.sel < 0)
			step_node(+1);
		if (G.sel >= 0) {
			const viz_node_info *in = viz_graph_node(G.g, G.sel);
			tui_message("selected %s: the inspector shows it",
				    in->var ? in->var : in->name ? in->name : "a tensor");
			tui_graph_select(G.sel);
		}
		break;
	case TUI_ACT_SEARCH:
	case TUI_ACT_CLEAR_SEARCH:
		/* / starts a new search, Esc ends it */
		G.prompt = a == TUI_ACT_SEARCH;
		G.query[0] = 0;
		free(G.matches);
		G.matches = NULL;
		G.nmatches = 0;
		break;
	case TUI_ACT_MORE_DETAIL:
	case TUI_ACT_LESS_DETAIL: {
		int d = G.detail + (a == TUI_ACT_MORE_DETAIL ? 1 : -1);
		if (d < VIZ_DETAIL_COMPACT || d > VIZ_DETAIL_FULL) {
			tui_message("detail is already %s", detail_names[G.detail]);
			break;
		}
		bool snapshot = d == VIZ_DETAIL_FULL || G.detail == VIZ_DETAIL_FULL;
		G.detail = d;
		if (snapshot)	/* full detail draws more: saved tensors, AccumulateGrad */
			tui_graph_refresh(tui_lua(), false);
		else
			relayout_now();
		tui_message("detail: %s", detail_names[G.detail]);
		break;
	}
	case TUI_ACT_BACKWARD_VIEW:
	case TUI_ACT_FORWARD_VIEW: {
		int v = a == TUI_ACT_FORWARD_VIEW ? VIZ_VIEW_FORWARD : VIZ_VIEW_BACKWARD;
		if (v == G.view)
			break;
		tui_graph_pin(tui_lua(), G.expr, G.ref, v, -1);
		tui_graph_refresh(tui_lua(), false);
		tui_message("%s view", tui_graph_view_name());
		tui_dirty_all();
		break;
	}
	case TUI_ACT_COLLAPSE:
		collapse_here();
		break;
	default:
		break;
	}
	clamp_view();
	tui_dirty(TUI_GRAPH);
}

static void click(int y, int x, const tui_rect *r)
{
	int w, h, lw = 0, lh = 0;
	content_size(r, &w, &h);
	viz_layout_size(G.l, &lw, &lh);
	int ox = lw < w ? (w - lw) / 2 : 0;
	if (!G.l || y < 0 || y >= h)
		return;
	int node = viz_layout_node_at(G.l, G.vx + x - ox, G.vy + y);
	if (node >= 0)
		tui_graph_select(node);
}

/* ------------------------------------------------------------ drawing */

/* Attributes over the cells of box b that show in the window. */
static void mark_box(const viz_box *b, int y0, int x0, int w, int h, attr_t a, bool add)
{
	for (int r = 0; r < b->h; r++) {
		int y = b->y + r - G.vy;
		if (y < 0 || y >= h)
			continue;
		int xs = b->x - G.vx, xe = b->x + b->w - G.vx;
		if (xs < 0)
			xs = 0;
		if (xe > w)
			xe = w;
		for (int x = xs; x < xe; x++) {
			cchar_t cc;
			mvin_wch(y0 + y, x0 + x, &cc);
			wchar_t wc[CCHARW_MAX + 1];
			attr_t old;
			short pair;
			getcchar(&cc, wc, &old, &pair, NULL);
			attr_t na = add ? old | (a & ~A_COLOR) : (a & ~A_COLOR);
			short np = (a & A_COLOR) ? (short)PAIR_NUMBER(a) : pair;
			setcchar(&cc, wc, na, np, NULL);
			mvadd_wch(y0 + y, x0 + x, &cc);
		}
	}
}

static void draw(const tui_rect *r, bool focused)
{
	if (r->h <= 0)
		return;
	char info[200];
	int hidden = viz_graph_hidden(G.g, NULL, NULL);
	int n = viz_graph_node_count(G.g);
	if (G.prompt)
		snprintf(info, sizeof info, "search: /%s_", G.query);
	else if (G.nmatches)
		snprintf(info, sizeof info, "/%s: %d of %d (n, p; Esc ends)", G.query,
			 G.cur_match + 1, G.nmatches);
	else
		snprintf(info, sizeof info, "%s %s %d node%s%s%s%s", tui_graph_view_name(),
			 tui_ascii() ? "-" : "\u00B7", n, n == 1 ? "" : "s",
			 hidden ? " (cut: " : "", hidden ? "some not drawn" : "", hidden ? ")" : "");
	tui_title(r, "graph", info, focused);
	int w, h;
	content_size(r, &w, &h);
	G.pane_w = w;
	G.pane_h = h;
	int y0 = r->y + 1, x0 = r->x;
	for (int y = 0; y < r->h - 1; y++)
		tui_fill(y0 + y, x0, w, A_NORMAL);
	if (!G.l || n == 0) {
		const char *msg = G.error[0] ? "" :
			"nothing to draw yet: no tensor with a history. Try";
		tui_put(y0 + 1, x0 + 2, w - 4, msg, A_DIM);
		if (!G.error[0])
			tui_put(y0 + 2, x0 + 4, w - 6,
				"x = torch.ones(2, 2, {requires_grad=true}); y = x * 2", A_BOLD);
	} else {
		clamp_view();
		int lw, lh;
		viz_layout_size(G.l, &lw, &lh);
		int ox = lw < w ? (w - lw) / 2 : 0;	/* a narrow drawing is centred */
		viz_canvas *cv = viz_render_viewport(G.l, G.vx, G.vy, w - ox, h);
		if (cv) {
			/* "new" in the bottom border of each box the last line made */
			for (int i = 0; G.is_new && i < n; i++) {
				viz_box b;
				if (!G.is_new[i] || viz_layout_node_box(G.l, i, &b) < 0 || b.w < 9)
					continue;
				viz_canvas_text(cv, b.x + b.w - 6, b.y + b.h - 1, " new ", -1,
						VIZ_STYLE_EDGE);
			}
			viz_curses_draw(stdscr, y0, x0 + ox, cv, tui_ascii());
			viz_canvas_free(cv);
		} else {
			ag_error_clear();
		}
		attr_t newa = A_BOLD | viz_curses_pair(VIZ_PAIR_GREEN);
		for (int i = 0; G.is_new && i < n; i++) {
			viz_box b;
			if (G.is_new[i] && viz_layout_node_box(G.l, i, &b) == 0)
				mark_box(&b, y0, x0 + ox, w - ox, h, newa, true);
		}
		if (G.sel >= 0) {
			viz_box b;
			if (viz_layout_node_box(G.l, G.sel, &b) == 0)
				mark_box(&b, y0, x0 + ox, w - ox, h, A_REVERSE, true);
		}
	}
	if (G.error[0]) {
		attr_t ea = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_RED) | A_BOLD : A_BOLD;
		tui_fill(r->y + r->h - 1, x0, w, A_NORMAL);
		tui_put(r->y + r->h - 1, x0, w, G.error, ea);
	}
}

const tui_pane_class tui_graph_pane = { draw, tui_graph_act, click };
