/*
 * test_layout.c - invariants of the layered layout on hand-made and
 * generated graphs: no overlapping boxes, edges point down the layers,
 * crossing reduction never makes things worse, determinism, wrapping,
 * collapsed modules, cycles, bad options.
 */
#include "../tap.h"
#include "graph.h"
#include "layout.h"
#include "render.h"
#include "ag.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 88172645463325252ull;
static int rnd(int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (int)(rng % (uint64_t)n);
}

/* A random DAG shaped like a network: each node takes 1-3 inputs from the
 * last `window` nodes. */
static viz_graph *random_dag(int n, int window)
{
	viz_graph *g = viz_graph_new();
	char name[32];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "op%d", i);
		viz_graph_add_node(g, &(viz_node_info){ .kind = i < 3 ? VIZ_NODE_TENSOR : VIZ_NODE_GRAD,
			.name = name, .version = -1 });
		int k = i < 3 ? 0 : 1 + rnd(3);
		for (int j = 0; j < k; j++) {
			int lo = i - window < 0 ? 0 : i - window;
			viz_graph_add_edge(g, lo + rnd(i - lo), i, NULL);
		}
	}
	return g;
}

static bool overlap(const viz_box *a, const viz_box *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w &&
	       a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Every pair of distinct boxes is disjoint and inside the drawing; every
 * edge between distinct boxes goes downwards (TB) or rightwards (LR),
 * unless it closes a cycle. */
static void check_geometry(const viz_graph *g, const viz_layout *l, const char *what,
			   bool acyclic, bool tb)
{
	int n = viz_graph_node_count(g), w, h;
	viz_layout_size(l, &w, &h);
	viz_box *b = malloc(sizeof *b * (size_t)(n ? n : 1));
	bool inside = true, disjoint = true, downward = true, found = true;
	for (int i = 0; i < n; i++) {
		viz_layout_node_box(l, i, &b[i]);
		if (b[i].x < 0 || b[i].y < 0 || b[i].x + b[i].w > w || b[i].y + b[i].h > h)
			inside = false;
		int at = viz_layout_node_at(l, b[i].x + b[i].w / 2, b[i].y + b[i].h / 2);
		viz_box bb;
		viz_layout_node_box(l, at < 0 ? 0 : at, &bb);
		if (at < 0 || bb.x != b[i].x || bb.y != b[i].y)
			found = false;
	}
	for (int i = 0; i < n && n <= 2000; i++)
		for (int j = i + 1; j < n; j++)
			if ((b[i].x != b[j].x || b[i].y != b[j].y) && overlap(&b[i], &b[j]))
				disjoint = false;
	for (int e = 0; acyclic && e < viz_graph_edge_count(g); e++) {
		int from, to;
		viz_graph_edge(g, e, &from, &to);
		const viz_box *p = &b[from], *q = &b[to];
		if (p->x == q->x && p->y == q->y)
			continue;
		bool fwd = tb ? q->y >= p->y + p->h : q->x >= p->x + p->w;
		if (!fwd)
			downward = false;
	}
	ok(inside, "%s: every box inside the drawing", what);
	ok(disjoint, "%s: no two boxes overlap", what);
	ok(found, "%s: node_at finds each node at its box", what);
	if (acyclic)
		ok(downward, "%s: every edge runs forward", what);
	free(b);
}

static char *draw(const viz_graph *g, const viz_layout_options *o)
{
	viz_layout *l = viz_layout_new(g, o);
	char *s = l ? viz_render_text(l, NULL) : NULL;
	viz_layout_free(l);
	return s;
}

int main(void)
{
	plan_lazy();
	viz_layout_options o;
	viz_layout_options_default(&o);

	/* empty and tiny graphs */
	viz_graph *g = viz_graph_new();
	viz_layout *l = viz_layout_new(g, &o);
	ok(l != NULL, "an empty graph lays out");
	char *s = viz_render_text(l, NULL);
	is_str(s, "", "and draws as nothing");
	free(s);
	viz_layout_free(l);
	viz_graph_add_node(g, &(viz_node_info){ .name = "x" });
	l = viz_layout_new(g, NULL);
	s = viz_render_text(l, NULL);
	is_str(s, "\u256D\u2500\u2500\u2500\u256E\n\u2502 x \u2502\n\u2570\u2500\u2500\u2500\u256F\n",
	       "one tensor is one rounded box");
	free(s);
	viz_box b;
	is_int(viz_layout_node_box(l, 5, &b), -1, "node_box of a missing node fails");
	ok(ag_error_code() == AG_ERR_INDEX, "with an index error");
	is_int(viz_layout_node_at(l, 40, 40), -1, "node_at off every box");
	viz_layout_free(l);
	viz_graph_free(g);

	/* bad options */
	g = viz_graph_new();
	o.direction = (viz_direction)7;
	ok(viz_layout_new(g, &o) == NULL, "unknown direction refused");
	is_str(ag_error_message(), "unknown layout direction 7", "with a message");
	viz_layout_options_default(&o);
	o.max_width = -3;
	ok(viz_layout_new(g, &o) == NULL, "negative max_width refused");
	ok(viz_layout_new(NULL, NULL) == NULL, "no graph refused");
	viz_layout_options_default(&o);
	viz_graph_free(g);

	/* a cycle: laid out, one edge reversed */
	g = viz_graph_new();
	for (int i = 0; i < 4; i++)
		viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_OP, .name = "f" });
	for (int i = 0; i < 4; i++)
		viz_graph_add_edge(g, i, (i + 1) % 4, NULL);
	viz_graph_add_edge(g, 2, 2, NULL);	/* a self loop too */
	l = viz_layout_new(g, &o);
	ok(l != NULL, "a cyclic graph lays out");
	is_int(viz_layout_layer_count(l), 4, "in four layers");
	check_geometry(g, l, "cycle", false, true);
	s = viz_render_text(l, NULL);
	ok(s && strstr(s, "\u25B2") && strstr(s, "the graph has a cycle"),
	   "the edge closing the cycle points up, and the legend says why");
	free(s);
	viz_layout_free(l);
	viz_graph_free(g);

	/* generated graphs, both directions */
	int sizes[] = { 30, 200, 1500 };
	for (int si = 0; si < 3; si++) {
		g = random_dag(sizes[si], 12);
		for (int dir = 0; dir < 2; dir++) {
			char what[64];
			snprintf(what, sizeof what, "random %d nodes %s", sizes[si], dir ? "LR" : "TB");
			o.direction = dir ? VIZ_DIR_LR : VIZ_DIR_TB;
			l = viz_layout_new(g, &o);
			if (!ok(l != NULL, "%s: laid out", what)) {
				diag("%s", ag_error_message());
				continue;
			}
			check_geometry(g, l, what, true, dir == 0);
			long long c0 = viz_layout_initial_crossings(l), c1 = viz_layout_crossings(l);
			ok(c1 <= c0, "%s: crossings %lld -> %lld, never more", what, c0, c1);
			if (sizes[si] >= 200)
				ok(c1 < c0, "%s: crossing reduction removes crossings", what);
			viz_layout_free(l);
		}
		o.direction = VIZ_DIR_TB;
		char *a = draw(g, &o), *a2 = draw(g, &o);
		ok(a && a2 && !strcmp(a, a2), "random %d: the same drawing twice", sizes[si]);
		free(a);
		free(a2);
		viz_graph_free(g);
	}

	/* wrapping a long left-to-right chain */
	g = viz_graph_new();
	for (int i = 0; i < 60; i++) {
		viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD, .name = "ExpBackward0" });
		if (i)
			viz_graph_add_edge(g, i - 1, i, NULL);
	}
	o.direction = VIZ_DIR_LR;
	o.fit = VIZ_FIT_WRAP;
	o.max_width = 80;
	l = viz_layout_new(g, &o);
	int w, h;
	viz_layout_size(l, &w, &h);
	ok(w <= 80, "wrapped chain fits 80 columns (is %d)", w);
	ok(h > 3 * 5, "in several bands (height %d)", h);
	check_geometry(g, l, "wrapped chain", false, false);
	s = viz_render_text(l, NULL);
	ok(s && strstr(s, "\u2500(1)") && strstr(s, "(1)\u2500\u25B6"),
	   "the cut edge ends and restarts at connector (1)");
	ok(s && strstr(s, "continues at the same number"), "the legend explains connectors");
	free(s);
	viz_layout_free(l);
	o.fit = VIZ_FIT_SCROLL;
	l = viz_layout_new(g, &o);
	viz_layout_size(l, &w, &h);
	ok(w > 80 && h == 3, "scroll mode keeps one long row (%d x %d)", w, h);
	viz_layout_free(l);
	viz_graph_free(g);
	viz_layout_options_default(&o);

	/* collapsed modules */
	g = viz_graph_new();
	int x = viz_graph_add_node(g, &(viz_node_info){ .name = "x" });
	int a = viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD, .name = "A", .scope = "net.block" });
	int bb = viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD, .name = "B", .scope = "net.block.inner",
		.flags = VIZ_FLAG_PAUSED });
	int y = viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD, .name = "C" });
	viz_graph_add_edge(g, x, a, NULL);
	viz_graph_add_edge(g, x, bb, NULL);
	viz_graph_add_edge(g, a, bb, NULL);
	viz_graph_add_edge(g, bb, y, NULL);
	viz_graph_set_collapsed(g, "net.block", true);
	l = viz_layout_new(g, &o);
	viz_box ba, bbx;
	viz_layout_node_box(l, a, &ba);
	viz_layout_node_box(l, bb, &bbx);
	ok(ba.x == bbx.x && ba.y == bbx.y && ba.w == bbx.w, "members of a collapsed module share its box");
	is_int(viz_layout_node_at(l, ba.x + 1, ba.y + 1), a, "node_at a module gives its first member");
	is_int(viz_layout_layer_count(l), 3, "x, the module, C: three layers");
	s = viz_render_text(l, NULL);
	ok(s && strstr(s, "\u25B6 net.block") && strstr(s, "\u2553") == NULL,
	   "the module box says the paused node is inside");
	ok(s && strstr(s, "2 nodes hidden"), "and how many nodes it hides");
	free(s);
	viz_layout_free(l);
	viz_graph_free(g);

	/* a viewport is exactly that window of the whole drawing */
	g = random_dag(300, 8);
	for (int dir = 0; dir < 2; dir++) {
		o.direction = dir ? VIZ_DIR_LR : VIZ_DIR_TB;
		l = viz_layout_new(g, &o);
		viz_canvas *all = viz_render_canvas(l);
		viz_layout_size(l, &w, &h);
		bool same = all != NULL;
		for (int k = 0; k < 20 && same; k++) {
			int vx = rnd(w), vy = rnd(h), vw = 1 + rnd(60), vh = 1 + rnd(40);
			if (vw > w - vx)
				vw = w - vx;	/* inside the drawing: past its end, a */
			if (vh > h - vy)
				vh = h - vy;	/* viewport shows blank rows */
			viz_canvas *part = viz_render_viewport(l, vx, vy, vw, vh);
			char *want = viz_canvas_to_text(all, vx, vy, vw, vh, false);
			char *got = part ? viz_canvas_to_text(part, vx, vy, vw, vh, false) : NULL;
			viz_text_options to = { .x = vx, .y = vy, .w = vw, .h = vh };
			char *txt = viz_render_text(l, &to);
			if (!got || !want || !txt || strcmp(got, want) || strcmp(txt, want)) {
				same = false;
				diag("window %d,%d %dx%d differs", vx, vy, vw, vh);

			}
			free(got);
			free(want);
			free(txt);
			viz_canvas_free(part);
		}
		ok(same, "%s: viewports and text windows match the whole drawing", dir ? "LR" : "TB");
		viz_canvas_free(all);
		viz_layout_free(l);
	}
	viz_layout_options_default(&o);
	viz_graph_free(g);

	/* anything goes: odd kinds, cycles, self loops, parallel edges, bad
	 * UTF-8, scopes, every option -- never a failure, never a crash */
	const char *scopes[] = { NULL, "a", "a.b", "a.b.c", "d" };
	bool all_fine = true;
	for (int it = 0; it < 300 && all_fine; it++) {
		g = viz_graph_new();
		int n = rnd(30);
		for (int i = 0; i < n; i++) {
			viz_node_info in = {
				.kind = (viz_node_kind)rnd(4), .name = rnd(5) ? "Op\u4E2D" : "\xff bad",
				.var = rnd(2) ? "v" : NULL, .shape = rnd(2) ? "[2, 3]" : NULL,
				.version = rnd(3) - 1, .scope = scopes[rnd(5)], .flags = (unsigned)rnd(64),
				.no_grad_region = rnd(3), .note = rnd(4) ? NULL : "a note",
				.grad = { .valid = rnd(2), .mean_abs = rnd(3) * 0.5,
					  .max_abs = rnd(3) * 1e-9, .nan_count = rnd(2) } };
			viz_graph_add_node(g, &in);
		}
		for (int i = 0, m = n ? rnd(3 * n + 1) : 0; i < m; i++)
			viz_graph_add_edge(g, rnd(n), rnd(n), &(viz_edge_info){
				.kind = (viz_edge_kind)rnd(4), .label = rnd(3) ? NULL : "7" });
		if (rnd(2))
			viz_graph_collapse_depth(g, rnd(4));
		viz_layout_options ro = { .direction = (viz_direction)rnd(2),
			.detail = (viz_detail)rnd(3), .ascii = rnd(2),
			.max_width = rnd(2) ? 0 : 20 + rnd(100), .fit = (viz_fit)rnd(2) };
		l = viz_layout_new(g, &ro);
		char *t = l ? viz_render_text(l, NULL) : NULL;
		char *d = l ? viz_render_dot(g, l) : NULL;
		char *j = l ? viz_render_json(g, l) : NULL;
		if (!t || !d || !j) {
			all_fine = false;
			diag("iteration %d: %s", it, ag_error_message());
		}
		if (t && ro.ascii)
			for (const char *p = t; *p; p++)
				if ((unsigned char)*p >= 0x80)
					all_fine = false;
		free(t);
		free(d);
		free(j);
		viz_layout_free(l);
		viz_graph_free(g);
	}
	ok(all_fine, "300 random graphs: laid out and drawn; ASCII mode is pure ASCII");

	/* a big graph stays linear enough to be interactive */
	g = random_dag(5000, 20);
	l = viz_layout_new(g, &o);
	ok(l != NULL, "5000 nodes lay out");
	check_geometry(g, l, "random 5000", true, true);
	viz_layout_free(l);
	viz_graph_free(g);
	return done_testing();
}
