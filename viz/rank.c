/*
 * rank.c - layering: cycle removal, longest-path layers, dummy nodes.
 *
 * Autograd graphs are acyclic, but a snapshot built from a hand-made or
 * broken graph may not be: a depth-first search turns every back edge
 * around (it is drawn reversed, its arrow pointing up), so layering always
 * terminates.
 */
#include "lay.h"
#include "ag.h"

#include <string.h>

/* Forward adjacency of the visible graph (edges already turned around). */
typedef struct adj {
	int *start;	/* nvisible + 1 */
	int *edge;	/* edge ids */
} adj;

static int build_adj(const viz_layout *l, adj *a, bool by_source)
{
	int n = l->nvisible;
	a->start = calloc((size_t)n + 1, sizeof(int));
	a->edge = malloc(sizeof(int) * (size_t)(l->nedges ? l->nedges : 1));
	if (!a->start || !a->edge)
		return -1;
	for (int i = 0; i < l->nedges; i++) {
		const lay_edge *e = &l->edges[i];
		int u = e->reversed ? e->to : e->from;
		int v = e->reversed ? e->from : e->to;
		a->start[(by_source ? u : v) + 1]++;
	}
	for (int i = 0; i < n; i++)
		a->start[i + 1] += a->start[i];
	int *fill = malloc(sizeof(int) * (size_t)(n ? n : 1));
	if (!fill)
		return -1;
	memcpy(fill, a->start, sizeof(int) * (size_t)n);
	for (int i = 0; i < l->nedges; i++) {
		const lay_edge *e = &l->edges[i];
		int u = e->reversed ? e->to : e->from;
		int v = e->reversed ? e->from : e->to;
		a->edge[fill[by_source ? u : v]++] = i;
	}
	free(fill);
	return 0;
}

static void free_adj(adj *a)
{
	free(a->start);
	free(a->edge);
}

/* Iterative DFS from every node in id order; an edge into a node still on
 * the stack closes a cycle and is reversed. */
static int break_cycles(viz_layout *l)
{
	int n = l->nvisible;
	adj out;
	unsigned char *state = calloc((size_t)n + 1, 1);	/* 0 new, 1 open, 2 done */
	int *stack = malloc(sizeof(int) * (size_t)(n ? n : 1));
	int *next = malloc(sizeof(int) * (size_t)(n ? n : 1));
	if (!state || !stack || !next || build_adj(l, &out, true) < 0) {
		free(state); free(stack); free(next);
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	}
	for (int s = 0; s < n; s++) {
		if (state[s])
			continue;
		int sp = 0;
		stack[sp++] = s;
		state[s] = 1;
		next[s] = out.start[s];
		while (sp) {
			int u = stack[sp - 1];
			if (next[u] == out.start[u + 1]) {
				state[u] = 2;
				sp--;
				continue;
			}
			lay_edge *e = &l->edges[out.edge[next[u]++]];
			int v = e->to;
			if (state[v] == 1) {
				e->reversed = true;
				l->marks |= LAY_MARK_CYCLE;
			} else if (state[v] == 0) {
				state[v] = 1;
				next[v] = out.start[v];
				stack[sp++] = v;
			}
		}
	}
	free_adj(&out);
	free(state);
	free(stack);
	free(next);
	return 0;
}

/* Longest path from the sources; then each source moves down next to its
 * first consumer, so a weight used late does not drag a long edge. */
static int assign_layers(viz_layout *l)
{
	int n = l->nvisible;
	adj out, in;
	int *indeg = calloc((size_t)n + 1, sizeof(int));
	int *queue = malloc(sizeof(int) * (size_t)(n ? n : 1));
	if (!indeg || !queue || build_adj(l, &out, true) < 0 || build_adj(l, &in, false) < 0) {
		free(indeg); free(queue);
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	}
	for (int i = 0; i < n; i++) {
		indeg[i] = in.start[i + 1] - in.start[i];
		l->nodes[i].layer = 0;
	}
	int head = 0, tail = 0;
	for (int i = 0; i < n; i++)
		if (!indeg[i])
			queue[tail++] = i;
	while (head < tail) {
		int u = queue[head++];
		for (int k = out.start[u]; k < out.start[u + 1]; k++) {
			const lay_edge *e = &l->edges[out.edge[k]];
			int v = e->reversed ? e->from : e->to;
			if (l->nodes[v].layer < l->nodes[u].layer + 1)
				l->nodes[v].layer = l->nodes[u].layer + 1;
			if (--indeg[v] == 0)
				queue[tail++] = v;
		}
	}
	for (int i = 0; i < n; i++) {
		if (in.start[i + 1] != in.start[i] || out.start[i + 1] == out.start[i])
			continue;
		int best = -1;
		for (int k = out.start[i]; k < out.start[i + 1]; k++) {
			const lay_edge *e = &l->edges[out.edge[k]];
			int v = e->reversed ? e->from : e->to;
			if (best < 0 || l->nodes[v].layer < best)
				best = l->nodes[v].layer;
		}
		l->nodes[i].layer = best - 1;
	}
	l->nlayers = 0;
	for (int i = 0; i < n; i++)
		if (l->nodes[i].layer + 1 > l->nlayers)
			l->nlayers = l->nodes[i].layer + 1;
	free_adj(&out);
	free_adj(&in);
	free(indeg);
	free(queue);
	return 0;
}

/* Dummy nodes on every edge that spans more than one layer, and the
 * edge pieces between consecutive layers. */
static int make_segments(viz_layout *l)
{
	long long nseg = 0, ndummy = 0;
	for (int i = 0; i < l->nedges; i++) {
		const lay_edge *e = &l->edges[i];
		int u = e->reversed ? e->to : e->from;
		int v = e->reversed ? e->from : e->to;
		int span = l->nodes[v].layer - l->nodes[u].layer;
		nseg += span;
		ndummy += span - 1;
	}
	if (ndummy + l->nvisible > 50000000 || nseg > 50000000)
		return ag_error(AG_ERR_NOMEM, "the graph is too large to lay out (%lld edge pieces)", nseg);
	lay_node *nodes = realloc(l->nodes, sizeof *nodes * (size_t)(l->nvisible + ndummy + 1));
	if (!nodes)
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	l->nodes = nodes;
	l->segs = malloc(sizeof *l->segs * (size_t)(nseg ? nseg : 1));
	if (!l->segs)
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	l->nnodes = l->nvisible;
	l->nsegs = 0;
	for (int i = 0; i < l->nedges; i++) {
		lay_edge *e = &l->edges[i];
		int u = e->reversed ? e->to : e->from;
		int v = e->reversed ? e->from : e->to;
		int span = l->nodes[v].layer - l->nodes[u].layer;
		e->seg0 = l->nsegs;
		e->nseg = span;
		int prev = u;
		for (int k = 1; k <= span; k++) {
			int cur = v;
			if (k < span) {
				cur = l->nnodes++;
				l->nodes[cur] = (lay_node){
					.model = -1, .group = -1, .vedge = i,
					.layer = l->nodes[u].layer + k, .cs = 1, .ms = 0
				};
			}
			l->segs[l->nsegs++] = (lay_seg){
				.up = prev, .down = cur, .edge = i, .net = -1,
				.first = k == 1, .last = k == span
			};
			prev = cur;
		}
	}
	return 0;
}

int lay_rank(viz_layout *l)
{
	if (break_cycles(l) < 0 || assign_layers(l) < 0 || make_segments(l) < 0)
		return -1;
	return 0;
}
