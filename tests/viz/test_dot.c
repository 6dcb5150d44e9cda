/*
 * test_dot.c - the DOT front end: what it says, and that Graphviz takes
 * it ($DOT_BIN -Tsvg, when configure found dot).
 */
#include "../tap.h"
#include "shapes.h"
#include "render.h"
#include "ag.h"

#include <stdlib.h>
#include <unistd.h>

/* Feed dot to $DOT_BIN -Tsvg; 1 = an SVG came out, 0 = it failed. */
static int graphviz(const char *dot_bin, const char *dot, const char *tag)
{
	char in[256], out[256], cmd[1024];
	snprintf(in, sizeof in, "test_dot_%s_%d.dot", tag, (int)getpid());
	snprintf(out, sizeof out, "test_dot_%s_%d.svg", tag, (int)getpid());
	FILE *f = fopen(in, "w");
	if (!f)
		return 0;
	fputs(dot, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "'%s' -Tsvg '%s' -o '%s'", dot_bin, in, out);
	int rc = system(cmd);
	f = fopen(out, "r");
	char buf[4096] = "";
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
	remove(in);
	remove(out);
	return rc == 0 && strstr(buf, "<svg") != NULL;
}

int main(void)
{
	plan_lazy();
	viz_graph *g = shape_mlp();
	char *dot = viz_render_dot(g, NULL);
	ok(dot && !strncmp(dot, "digraph agdb {", 14), "a digraph");
	ok(dot && strstr(dot, "rankdir=TB;"), "top to bottom without a layout");
	ok(dot && strstr(dot, "n0 [label=\"x\""), "nodes are named by variable");
	ok(dot && strstr(dot, "n4 -> n5 [style=solid]"), "autograd edges are solid");
	ok(dot && strstr(dot, "n0 -> n4 [style=dashed, arrowhead=empty, xlabel=\"not differentiable\"]"),
	   "non-differentiable edges are dashed and say so");
	ok(dot && strstr(dot, "subgraph cluster_0 {\n    label=\"model.fc1\""),
	   "module scopes are clusters");
	ok(dot && strstr(dot, "fillcolor=\"#fff3c4\""), "parameters are filled");
	free(dot);

	viz_layout_options o;
	viz_layout_options_default(&o);
	o.direction = VIZ_DIR_LR;
	viz_graph_set_collapsed(g, "model.fc1", true);
	viz_layout *l = viz_layout_new(g, &o);
	dot = viz_render_dot(g, l);
	ok(dot && strstr(dot, "rankdir=LR;"), "the layout's direction");
	ok(dot && strstr(dot, "m0 [label=\"model.fc1\\nmodule, 4 nodes hidden\\n|g| ") &&
	   strstr(dot, "shape=box3d"), "a collapsed module is one node");
	ok(dot && strstr(dot, "m0 -> n5") && !strstr(dot, "n1 ->"),
	   "edges of hidden nodes attach to the module");
	ok(dot && strstr(dot, "label=\"\u25C6 x\\n[16, 4] float32\""), "labels follow the detail level");
	const char *dot_bin = getenv("DOT_BIN");
	if (dot_bin && *dot_bin) {
		ok(graphviz(dot_bin, dot, "mlp"), "Graphviz renders the collapsed MLP");
	} else {
		printf("ok %d - # SKIP DOT_BIN not set (Graphviz not found by configure)\n", ++tap_count);
	}
	free(dot);
	viz_layout_free(l);
	viz_graph_free(g);

	/* every golden shape goes through Graphviz */
	for (int i = 0; i < viz_nshapes; i++) {
		const shape *s = &viz_shapes[i];
		g = s->build();
		if (s->collapse)
			viz_graph_set_collapsed(g, s->collapse, true);
		l = viz_layout_new(g, &s->opt);
		dot = viz_render_dot(g, l);
		ok(dot != NULL, "%s: DOT written", s->name);
		if (dot && dot_bin && *dot_bin)
			ok(graphviz(dot_bin, dot, s->name), "%s: Graphviz accepts it", s->name);
		free(dot);
		viz_layout_free(l);
		viz_graph_free(g);
	}

	/* quoting */
	g = viz_graph_new();
	viz_graph_add_node(g, &(viz_node_info){ .name = "a\"b\\c" });
	dot = viz_render_dot(g, NULL);
	ok(dot && strstr(dot, "label=\"a\\\"b\\\\c\""), "quotes and backslashes are escaped");
	free(dot);
	viz_graph_free(g);
	/* what float16/bfloat16 rounding lost: marked, the counts in a
	 * tooltip and, with a layout, in the label */
	g = viz_graph_new();
	viz_graph_add_node(g, &(viz_node_info){ .name = "MulBackward0",
		.grad = { .valid = true, .mean_abs = 1e-3, .max_abs = 1e-2, .lost_zero = 6 } });
	viz_graph_add_node(g, &(viz_node_info){ .name = "AddBackward0",
		.grad = { .valid = true, .mean_abs = 1e-3, .max_abs = 1e-2 } });
	dot = viz_render_dot(g, NULL);
	ok(dot && strstr(dot, "n0 [label=\"MulBackward0\"") &&
	   strstr(dot, "color=\"#d07000\", penwidth=2, tooltip=\"rounding lost 6 to 0, 0 to inf\"];"),
	   "a node whose backward lost values to rounding is marked, with the counts");
	const char *n1 = dot ? strstr(dot, "n1 [label=\"AddBackward0\"") : NULL;
	ok(n1 && !strstr(n1, "#d07000") && !strstr(n1, "tooltip"), "one that lost none is not");
	const char *svg_bin = getenv("DOT_BIN");
	if (svg_bin && *svg_bin)
		ok(dot && graphviz(svg_bin, dot, "lost"), "Graphviz takes the tooltip");
	free(dot);
	l = viz_layout_new(g, NULL);
	dot = viz_render_dot(g, l);
	ok(dot && strstr(dot, "rounding lost 6 to 0, 0 to inf\""), "the label says it too");
	free(dot);
	viz_layout_free(l);
	viz_graph_free(g);
	ok(viz_render_dot(NULL, NULL) == NULL, "no graph: an error");
	return done_testing();
}
