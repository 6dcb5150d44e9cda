/*
 * test_limits.c - graphs too wide, too big or too slow to draw whole:
 * long edges share trunks (a loop over x[i] stays narrow), pruning keeps
 * the roots and the leaves and says what it left out, and Ctrl-C
 * (ag_interrupt) stops a layout, a text drawing and a snapshot.
 */
#include "../tap.h"
#include "graph.h"
#include "layout.h"
#include "render.h"
#include "snapshot.h"
#include "ag.h"
#include "autograd.h"

#include <stdio.h>
#include <stdlib.h>

static int node(viz_graph *g, viz_node_kind kind, const char *name, unsigned flags)
{
	return viz_graph_add_node(g, &(viz_node_info){ .kind = kind, .name = name,
		.version = -1, .flags = flags });
}

/* s = x[1] + x[2] + ... + x[n]: x feeds n selects, each used one step
 * further down a chain of adds. */
static viz_graph *sum_of_terms(int n)
{
	viz_graph *g = viz_graph_new();
	int x = node(g, VIZ_NODE_TENSOR, "x", VIZ_FLAG_LEAF);
	int s = node(g, VIZ_NODE_GRAD, "SelectBackward0", 0);
	viz_graph_add_edge(g, x, s, NULL);
	for (int i = 1; i < n; i++) {
		int sel = node(g, VIZ_NODE_GRAD, "SelectBackward0", 0);
		viz_graph_add_edge(g, x, sel, NULL);
		int add = node(g, VIZ_NODE_GRAD, "AddBackward0", 0);
		viz_graph_add_edge(g, s, add, NULL);
		viz_graph_add_edge(g, sel, add, NULL);
		s = add;
	}
	return g;
}

/* h = x; h = h * w at every step; every step's h stacked at the end */
static viz_graph *stack_of_steps(int n)
{
	viz_graph *g = viz_graph_new();
	int h = node(g, VIZ_NODE_TENSOR, "x", VIZ_FLAG_LEAF);
	int w = node(g, VIZ_NODE_TENSOR, "w", VIZ_FLAG_LEAF);
	int stack = node(g, VIZ_NODE_GRAD, "StackBackward0", 0);
	for (int i = 0; i < n; i++) {
		int m = node(g, VIZ_NODE_GRAD, "MulBackward0", 0);
		viz_graph_add_edge(g, h, m, NULL);
		viz_graph_add_edge(g, w, m, NULL);
		viz_graph_add_edge(g, m, stack, NULL);
		h = m;
	}
	return g;
}

static viz_graph *chain(int n)
{
	viz_graph *g = viz_graph_new();
	int prev = node(g, VIZ_NODE_TENSOR, "leaf", VIZ_FLAG_LEAF);
	for (int i = 1; i < n; i++) {
		int c = node(g, VIZ_NODE_GRAD, i == n - 1 ? "root" : "MulBackward0", 0);
		viz_graph_add_edge(g, prev, c, NULL);
		prev = c;
	}
	return g;
}

static void test_trunks(void)
{
	viz_layout_options o;
	viz_layout_options_default(&o);
	o.detail = VIZ_DETAIL_COMPACT;
	viz_graph *g = sum_of_terms(2000);
	viz_layout *l = viz_layout_new(g, &o);
	int w = 0, h = 0;
	viz_layout_size(l, &w, &h);
	ok(l && w < 120, "a sum of 2,000 terms lays out narrow (%d x %d)", w, h);
	char *text = l ? viz_render_text(l, NULL) : NULL;
	ok(text && strlen(text) < (size_t)4 << 20, "and its text is small (%zu bytes)",
	   text ? strlen(text) : 0);
	free(text);
	char *json = l ? viz_render_json(g, l) : NULL;
	ok(json && strlen(json) < (size_t)8 << 20, "its JSON too: straight runs are two points (%zu bytes)",
	   json ? strlen(json) : 0);
	free(json);
	viz_layout_free(l);
	viz_graph_free(g);

	g = stack_of_steps(1500);
	l = viz_layout_new(g, &o);
	viz_layout_size(l, &w, &h);
	ok(l && w < 200, "a stack of 1,500 steps lays out narrow (%d x %d)", w, h);
	viz_layout_free(l);
	viz_graph_free(g);

	/* a small fan: every edge still ends at its own target */
	g = sum_of_terms(6);
	l = viz_layout_new(g, &o);
	json = viz_render_json(g, l);
	int drawn = 0;
	for (const char *p = json; (p = strstr(p, "\"drawn\": true")); p++)
		drawn++;
	is_int(drawn, viz_graph_edge_count(g), "sharing trunks, every edge is still drawn");
	free(json);
	viz_layout_free(l);
	viz_graph_free(g);
}

static void test_prune(void)
{
	viz_graph *g = chain(1000);
	viz_graph *p = viz_graph_prune(g, 100);
	int total = 0, limit = 0;
	int hidden = viz_graph_hidden(p, &total, &limit);
	is_int(viz_graph_node_count(p), 100, "a 1,000-node chain cut to 100 boxes");
	is_int(hidden, 901, "901 nodes are not drawn (one box stands for them)");
	is_int(total, 1000, "of 1,000");
	is_int(limit, 100, "with the limit");
	ok(viz_graph_find(p, "leaf") >= 0, "the leaf is kept");
	ok(viz_graph_find(p, "root") >= 0, "the root is kept");
	int box = -1;
	for (int i = 0; i < viz_graph_node_count(p); i++)
		if (viz_graph_node(p, i)->kind == VIZ_NODE_HIDDEN)
			box = i;
	ok(box >= 0, "a box of kind hidden stands for the rest");
	int in = 0, out = 0;
	for (int e = 0; e < viz_graph_edge_count(p); e++) {
		int from, to;
		viz_graph_edge(p, e, &from, &to);
		in += to == box;
		out += from == box;
	}
	ok(in == 1 && out == 1, "the box is wired between the two kept ends of the chain");
	viz_layout *l = viz_layout_new(p, NULL);
	char *text = viz_render_text(l, NULL);
	ok(text && strstr(text, "901 of 1000 nodes are not drawn (max_nodes = 100)"),
	   "the text drawing says what is not drawn");
	ok(text && strstr(text, "max_nodes = 1000}) draws them all"), "and how to see it all");
	free(text);
	char *dot = viz_render_dot(p, l);
	ok(dot && strstr(dot, "label=\"901 of 1000 nodes are not drawn"), "DOT says it too");
	free(dot);
	char *json = viz_render_json(p, l);
	ok(json && strstr(json, "\"truncated\": {\"hidden\": 901, \"total\": 1000, \"max_nodes\": 100}"),
	   "JSON says it too");
	free(json);
	viz_layout_free(l);
	viz_graph_free(p);

	p = viz_graph_prune(g, 5000);
	ok(p && viz_graph_node_count(p) == 1000 && viz_graph_hidden(p, NULL, NULL) == 0,
	   "a graph that fits comes back whole");
	viz_layout *lp = viz_layout_new(p, NULL);
	char *j2 = viz_render_json(p, lp);
	ok(j2 && strstr(j2, "\"truncated\": null"), "and JSON says nothing was left out");
	free(j2);
	viz_layout_free(lp);
	viz_graph_free(p);
	ok(viz_graph_prune(g, 1) == NULL && ag_error_code() == AG_ERR_VALUE,
	   "max_nodes 1 leaves no room for a box: refused");
	ag_error_clear();
	viz_graph_free(g);

	/* many leaves: they take at most three quarters, the root stays */
	g = viz_graph_new();
	int root = node(g, VIZ_NODE_GRAD, "root", 0);
	for (int i = 0; i < 500; i++) {
		int leaf = node(g, VIZ_NODE_TENSOR, "w", VIZ_FLAG_LEAF | VIZ_FLAG_PARAM);
		int op = node(g, VIZ_NODE_GRAD, "MmBackward0", 0);
		viz_graph_add_edge(g, leaf, op, NULL);
		viz_graph_add_edge(g, op, root, NULL);
	}
	p = viz_graph_prune(g, 101);
	int leaves = 0, ops = 0, roots = 0;
	for (int i = 0; i < viz_graph_node_count(p); i++) {
		const viz_node_info *n = viz_graph_node(p, i);
		leaves += (n->flags & VIZ_FLAG_LEAF) != 0;
		ops += n->name && !strcmp(n->name, "MmBackward0");
		roots += n->name && !strcmp(n->name, "root");
	}
	ok(roots == 1 && leaves == 75 && ops == 24,
	   "500 leaves under one root, 101 boxes: the root, 75 leaves, 24 ops, the box (%d, %d, %d)",
	   roots, leaves, ops);
	viz_graph_free(p);
	viz_graph_free(g);

	/* number operands follow their op, they are not ends of the graph */
	g = viz_graph_new();
	int prev = node(g, VIZ_NODE_TENSOR, "input", VIZ_FLAG_LEAF);
	for (int i = 0; i < 100; i++) {
		int k = node(g, VIZ_NODE_TENSOR, "1.5", VIZ_FLAG_CONSTANT);
		int op = node(g, VIZ_NODE_OP, "mul", 0);
		viz_graph_add_edge(g, prev, op, NULL);
		viz_graph_add_edge(g, k, op, NULL);
		prev = op;
	}
	p = viz_graph_prune(g, 21);
	ok(viz_graph_find(p, "input") >= 0, "the input is kept, not crowded out by numbers");
	int consts = 0, edges_from_box = 0;
	for (int i = 0; i < viz_graph_node_count(p); i++)
		consts += (viz_graph_node(p, i)->flags & VIZ_FLAG_CONSTANT) != 0;
	for (int e = 0; e < viz_graph_edge_count(p); e++) {
		int from, to;
		viz_graph_edge(p, e, &from, &to);
		edges_from_box += viz_graph_node(p, from)->kind == VIZ_NODE_HIDDEN;
	}
	ok(consts <= 10, "numbers are kept only with their op (%d)", consts);
	is_int(edges_from_box, 1, "and numbers left out are not wired to the box");
	viz_graph_free(p);
	viz_graph_free(g);
}

static void test_interrupt(void)
{
	viz_graph *g = sum_of_terms(300);
	ag_interrupt();
	viz_layout *l = viz_layout_new(g, NULL);
	ok(l == NULL && ag_error_code() == AG_ERR_INTERRUPT, "Ctrl-C stops a layout");
	ok(!ag_interrupt_pending(), "and is taken");
	ag_error_clear();
	l = viz_layout_new(g, NULL);
	ok(l != NULL, "the next layout runs");
	ag_interrupt();
	char *text = viz_render_text(l, NULL);
	ok(text == NULL && ag_error_code() == AG_ERR_INTERRUPT, "Ctrl-C stops a text drawing");
	ag_error_clear();
	viz_layout_free(l);
	viz_graph_free(g);

	/* a snapshot of a real autograd graph */
	int64_t shape[1] = { 2 };
	ag_tensor *x = ag_ones(shape, 1, AG_FLOAT32);
	ag_set_requires_grad(x, true);
	ag_tensor *y = ag_mul(x, x);
	ag_interrupt();
	viz_graph *s = viz_snapshot(&y, 1, NULL);
	ok(s == NULL && ag_error_code() == AG_ERR_INTERRUPT, "Ctrl-C stops a snapshot");
	ag_error_clear();
	s = viz_snapshot(&y, 1, NULL);
	ok(s && viz_graph_node_count(s) == 2, "the next snapshot runs (x and MulBackward0)");
	viz_graph_free(s);

	/* a chain longer than max_nodes keeps its leaf and its root */
	ag_tensor *h = x;
	ag_tensor_retain(h);
	for (int i = 0; i < 300; i++) {
		ag_tensor *n = ag_mul(h, x);
		ag_tensor_release(h);
		h = n;
	}
	viz_snapshot_options o;
	viz_snapshot_options_default(&o);
	o.max_nodes = 50;
	s = viz_snapshot(&h, 1, &o);
	int total = 0;
	ok(s && viz_graph_node_count(s) == 50, "a 301-node snapshot cut to 50 boxes");
	is_int(viz_graph_hidden(s, &total, NULL), 252, "252 nodes not drawn (49 kept and the box)");
	is_int(total, 301, "of 301");
	bool leaf = false;
	for (int i = 0; s && i < viz_graph_node_count(s); i++)
		leaf = leaf || (viz_graph_node(s, i)->flags & VIZ_FLAG_LEAF);
	ok(leaf, "the leaf x is kept");
	viz_graph_free(s);
	o.max_nodes = 0;
	ok(viz_snapshot(&h, 1, &o) == NULL && ag_error_code() == AG_ERR_VALUE,
	   "max_nodes 0 is refused");
	ag_error_clear();
	ag_tensor_release(h);
	ag_tensor_release(y);
	ag_tensor_release(x);
}

int main(void)
{
	plan_lazy();
	test_trunks();
	test_prune();
	test_interrupt();
	return done_testing();
}
