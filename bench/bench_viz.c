/*
 * bench_viz.c - how fast the graph viewer lays out and draws, and how well
 * crossing reduction does.
 *
 * Generated graphs of 100 to 50,000 nodes: stacked transformer blocks
 * (what a deep autograd graph looks like), random DAGs (more tangled than
 * real graphs), a long chain and a wide fan-out.  For each:
 * layout time, text render time, drawing size, and edge crossings of the
 * first layer order vs the final one.  Targets: layout + text of 5,000
 * nodes <= 50 ms, of 50,000 <= 2 s.
 */
#include "graph.h"
#include "layout.h"
#include "render.h"
#include "ag.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static int rnd(int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (int)(rng % (uint64_t)n);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time too: on a loaded machine wall time says little. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *const ops[] = {
	"AddBackward0", "MulBackward0", "MmBackward0", "ReluBackward0",
	"SigmoidBackward0", "SumBackward0", "ViewBackward0", "TanhBackward0"
};

static int op(viz_graph *g, const char *name, int a, int b, int c)
{
	int id = viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD,
		.name = name, .shape = "[8, 128, 512]", .dtype = "float32", .version = -1 });
	int in[3] = { a, b, c };
	for (int i = 0; i < 3; i++)
		if (in[i] >= 0)
			viz_graph_add_edge(g, in[i], id, NULL);
	return id;
}

static int param(viz_graph *g, const char *name)
{
	return viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_TENSOR,
		.name = name, .shape = "[512, 512]", .dtype = "float32", .version = 0,
		.flags = VIZ_FLAG_LEAF | VIZ_FLAG_PARAM | VIZ_FLAG_REQUIRES_GRAD });
}

/* Transformer blocks (pre-norm attention + MLP, residuals) until n nodes:
 * what a real deep autograd graph looks like. */
static viz_graph *transformer(int n)
{
	viz_graph *g = viz_graph_new();
	int h = viz_graph_add_node(g, &(viz_node_info){ .name = "x", .version = 0,
		.flags = VIZ_FLAG_LEAF });
	while (viz_graph_node_count(g) + 24 <= n) {
		int ln = op(g, "NativeLayerNormBackward0", h, param(g, "ln1.weight"), param(g, "ln1.bias"));
		int q = op(g, "MmBackward0", ln, param(g, "q.weight"), -1);
		int k = op(g, "MmBackward0", ln, param(g, "k.weight"), -1);
		int v = op(g, "MmBackward0", ln, param(g, "v.weight"), -1);
		int s = op(g, "BmmBackward0", q, op(g, "TransposeBackward0", k, -1, -1), -1);
		int sm = op(g, "SoftmaxBackward0", op(g, "DivBackward0", s, -1, -1), -1, -1);
		int o = op(g, "MmBackward0", op(g, "BmmBackward0", sm, v, -1), param(g, "o.weight"), -1);
		int r1 = op(g, "AddBackward0", o, h, -1);
		int ln2 = op(g, "NativeLayerNormBackward0", r1, param(g, "ln2.weight"), param(g, "ln2.bias"));
		int m1 = op(g, "AddmmBackward0", param(g, "fc1.bias"), ln2, param(g, "fc1.weight"));
		int m2 = op(g, "AddmmBackward0", param(g, "fc2.bias"), op(g, "GeluBackward0", m1, -1, -1),
			    param(g, "fc2.weight"));
		h = op(g, "AddBackward0", m2, r1, -1);
	}
	while (viz_graph_node_count(g) < n)
		h = op(g, "SumBackward0", h, -1, -1);
	return g;
}

/* A random DAG: each op takes one to three inputs among the last `window`
 * nodes -- much more tangled than real graphs. */
static viz_graph *random_dag(int n, int window)
{
	viz_graph *g = viz_graph_new();
	for (int i = 0; i < n; i++) {
		bool leaf = i < 4 || rnd(10) == 0;
		viz_graph_add_node(g, &(viz_node_info){
			.kind = leaf ? VIZ_NODE_TENSOR : VIZ_NODE_GRAD,
			.name = leaf ? "w" : ops[rnd(8)], .shape = "[64, 64]",
			.dtype = "float32", .version = -1,
			.flags = leaf ? VIZ_FLAG_LEAF | VIZ_FLAG_PARAM : 0 });
		if (leaf)
			continue;
		int k = 1 + rnd(3);
		for (int j = 0; j < k; j++) {
			int lo = i - window < 0 ? 0 : i - window;
			viz_graph_add_edge(g, lo + rnd(i - lo), i, NULL);
		}
	}
	return g;
}

static viz_graph *chain(int n)
{
	viz_graph *g = viz_graph_new();
	for (int i = 0; i < n; i++) {
		viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD,
			.name = ops[i % 8], .version = -1 });
		if (i)
			viz_graph_add_edge(g, i - 1, i, NULL);
	}
	return g;
}

static viz_graph *fanout(int n)
{
	viz_graph *g = viz_graph_new();
	viz_graph_add_node(g, &(viz_node_info){ .name = "x", .version = -1 });
	for (int i = 1; i < n; i++) {
		viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD,
			.name = "SelectBackward0", .version = -1 });
		viz_graph_add_edge(g, 0, i, NULL);
	}
	return g;
}

static int run(const char *what, viz_graph *g, viz_direction dir, viz_detail det)
{
	viz_layout_options o;
	viz_layout_options_default(&o);
	o.direction = dir;
	o.detail = det;
	double c0 = cpu_ms(), t0 = now_ms();
	viz_layout *l = viz_layout_new(g, &o);
	double t1 = now_ms();
	if (!l) {
		fprintf(stderr, "bench_viz: %s: %s\n", what, ag_error_message());
		return -1;
	}
	char *text = viz_render_text(l, NULL);
	double t2 = now_ms(), c2 = cpu_ms();
	if (!text) {
		fprintf(stderr, "bench_viz: %s: %s\n", what, ag_error_message());
		viz_layout_free(l);
		return -1;
	}
	int w, h;
	viz_layout_size(l, &w, &h);
	long long x0 = viz_layout_initial_crossings(l), x1 = viz_layout_crossings(l);
	printf("%-22s %6d %6d %8.1f %8.1f %9.1f %8.1f %6d x %-6d %8lld -> %-8lld\n", what,
	       viz_graph_node_count(g), viz_graph_edge_count(g), t1 - t0, t2 - t1,
	       t2 - t0, c2 - c0, w, h, x0, x1);
	free(text);
	viz_layout_free(l);
	return 0;
}

int main(void)
{
	printf("viz: layout and text rendering (ms; layout, text and total are wall time)\n");
	printf("%-22s %6s %6s %8s %8s %9s %8s %15s %20s\n", "graph", "nodes", "edges",
	       "layout", "text", "total", "cpu", "drawing", "crossings first->final");
	int sizes[] = { 100, 500, 1000, 5000, 10000, 50000 };
	int rc = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		viz_graph *g = transformer(sizes[i]);
		rc |= run("transformer (compact)", g, VIZ_DIR_TB, VIZ_DETAIL_COMPACT);
		rc |= run("transformer (normal)", g, VIZ_DIR_TB, VIZ_DETAIL_NORMAL);
		viz_graph_free(g);
	}
	for (size_t i = 0; i < 4; i++) {
		viz_graph *g = random_dag(sizes[i], 6);
		rc |= run("random DAG (compact)", g, VIZ_DIR_TB, VIZ_DETAIL_COMPACT);
		viz_graph_free(g);
	}
	viz_graph *g = chain(5000);
	rc |= run("chain", g, VIZ_DIR_TB, VIZ_DETAIL_COMPACT);
	viz_graph_free(g);
	g = chain(50000);
	rc |= run("chain", g, VIZ_DIR_TB, VIZ_DETAIL_COMPACT);
	viz_graph_free(g);
	g = fanout(5000);
	rc |= run("fan-out (LR)", g, VIZ_DIR_LR, VIZ_DETAIL_COMPACT);
	viz_graph_free(g);
	printf("targets: 5,000 nodes <= 50 ms, 50,000 nodes <= 2000 ms (layout + text)\n");
	fflush(stdout);
	return rc ? 1 : 0;
}
