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

#include <limits.h>
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

/* Longest path from the sources; then sources (and nodes with a single
 * producer) move down next to their first consumer, so a weight used late
 * does not drag a long edge. */
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
	/* Pull nodes down next to their first consumer when nothing is lost:
	 * a source, or a node fed by one node only (x[i] of a loop over x).
	 * Its input edge then joins the trunk of its producer's other long
	 * edges (make_segments) instead of a long edge of its own running
	 * beside the drawing.  Consumers first, so a chain moves as one. */
	int *order = queue;	/* topological order, from above */
	for (int q = n - 1; q >= 0; q--) {
		int i = order[q];
		if (out.start[i + 1] == out.start[i])
			continue;
		int feeder = -1;
		bool single = true;
		for (int k = in.start[i]; k < in.start[i + 1] && single; k++) {
			const lay_edge *e = &l->edges[in.edge[k]];
			int u = e->reversed ? e->to : e->from;
			if (feeder >= 0 && u != feeder)
				single = false;
			feeder = u;
		}
		if (!single)
			continue;
		int best = -1;
		for (int k = out.start[i]; k < out.start[i + 1]; k++) {
			const lay_edge *e = &l->edges[out.edge[k]];
			int v = e->reversed ? e->from : e->to;
			if (best < 0 || l->nodes[v].layer < best)
				best = l->nodes[v].layer;
		}
		if (best - 1 > l->nodes[i].layer)
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

/* ---------------------------------------------------------- segments
 *
 * An edge that spans more than one layer runs through a dummy node in each
 * layer it crosses.  Long edges leaving the same node (same kind and
 * direction) share their dummies: one trunk runs down from the node and
 * each edge drops off it at its target's layer.  A weight used at every
 * step of a loop is then one line with a branch per use -- not a fan of
 * parallel lines, which would take a quadratic number of pieces and make
 * the drawing as wide as the loop is long.  Long edges entering the same
 * node merge into one trunk the same way (a stack of every step's output).
 * Each edge goes to whichever of its two bundles is bigger.
 */

typedef struct span_edge {
	int id;
	int u, v;		/* effective ends: u above v */
	int lu, lv;
	int key;		/* kind * 2 + reversed: what may share a trunk */
} span_edge;

static int by_source(const void *a, const void *b)
{
	const span_edge *x = a, *y = b;
	if (x->u != y->u) return x->u < y->u ? -1 : 1;
	if (x->key != y->key) return x->key - y->key;
	return x->id - y->id;
}

static int by_target(const void *a, const void *b)
{
	const span_edge *x = a, *y = b;
	if (x->v != y->v) return x->v < y->v ? -1 : 1;
	if (x->key != y->key) return x->key - y->key;
	return x->id - y->id;
}

static int new_dummy(viz_layout *l, int edge, int layer)
{
	int d = l->nnodes++;
	l->nodes[d] = (lay_node){
		.model = -1, .group = -1, .vedge = edge, .layer = layer, .cs = 1, .ms = 0
	};
	return d;
}

static int new_seg(viz_layout *l, int up, int down, int edge, bool shared)
{
	int s = l->nsegs++;
	l->segs[s] = (lay_seg){
		.up = up, .down = down, .edge = edge, .net = -1, .next = -1,
		.first = up < l->nvisible, .last = down < l->nvisible, .shared = shared
	};
	return s;
}

/* A trunk down from u (bundle members m[0..n), sorted by id), with a drop
 * to each member's target. */
static void build_out_bundle(viz_layout *l, const span_edge *m, int n)
{
	int u = m[0].u, lu = m[0].lu, maxl = lu;
	for (int i = 0; i < n; i++)
		if (m[i].lv > maxl)
			maxl = m[i].lv;
	bool shared = n > 1;
	int rep = m[0].id;
	/* trunk[k - lu - 1] is the dummy in layer k, its piece from above
	 * is tseg[k - lu - 1] */
	int first_dummy = l->nnodes, first_tseg = l->nsegs;
	int prev = u, prev_seg = -1;
	for (int k = lu + 1; k < maxl; k++) {
		int d = new_dummy(l, rep, k);
		int sg = new_seg(l, prev, d, rep, shared);
		if (prev_seg >= 0)
			l->segs[prev_seg].next = sg;
		prev = d;
		prev_seg = sg;
	}
	for (int i = 0; i < n; i++) {
		lay_edge *e = &l->edges[m[i].id];
		int at = m[i].lv - lu - 2;	/* the trunk's dummy above the target */
		int drop = new_seg(l, first_dummy + at, m[i].v, m[i].id, false);
		e->seg_first = first_tseg;
		e->seg_last = drop;
	}
}

/* Entry pieces from each member's source into a trunk that runs down
 * into v (members m[0..n), sorted by id). */
static void build_in_bundle(viz_layout *l, const span_edge *m, int n)
{
	int v = m[0].v, lv = m[0].lv, minl = lv;
	for (int i = 0; i < n; i++)
		if (m[i].lu < minl)
			minl = m[i].lu;
	bool shared = n > 1;
	int rep = m[0].id;
	int first_dummy = l->nnodes;
	for (int k = minl + 1; k < lv; k++)
		new_dummy(l, rep, k);
	/* the trunk's pieces: dummy k -> dummy k + 1, the last one into v */
	int first_tseg = l->nsegs;
	for (int k = minl + 1; k < lv; k++) {
		int d = first_dummy + (k - minl - 1);
		int below = k + 1 < lv ? d + 1 : v;
		int sg = new_seg(l, d, below, rep, shared);
		if (k > minl + 1)
			l->segs[sg - 1].next = sg;
	}
	int final = l->nsegs - 1;
	for (int i = 0; i < n; i++) {
		lay_edge *e = &l->edges[m[i].id];
		int k = m[i].lu + 1;
		int entry = new_seg(l, m[i].u, first_dummy + (k - minl - 1), m[i].id, false);
		l->segs[entry].next = first_tseg + (k - minl - 1);
		e->seg_first = entry;
		e->seg_last = final;
	}
}

static int make_segments(viz_layout *l)
{
	int ne = l->nedges, nlong = 0;
	span_edge *all = malloc(sizeof *all * (size_t)(ne ? ne : 1));
	span_edge *byu = malloc(sizeof *byu * (size_t)(ne ? ne : 1));
	span_edge *byv = malloc(sizeof *byv * (size_t)(ne ? ne : 1));
	int *side = malloc(sizeof(int) * (size_t)(ne ? ne : 1));	/* 1 out, 2 in */
	int *outn = calloc((size_t)ne + 1, sizeof(int)), *inn = calloc((size_t)ne + 1, sizeof(int));
	if (!all || !byu || !byv || !side || !outn || !inn)
		goto nomem;
	for (int i = 0; i < ne; i++) {
		lay_edge *e = &l->edges[i];
		span_edge *s = &all[i];
		s->id = i;
		s->u = e->reversed ? e->to : e->from;
		s->v = e->reversed ? e->from : e->to;
		s->lu = l->nodes[s->u].layer;
		s->lv = l->nodes[s->v].layer;
		s->key = (int)e->kind * 2 + (e->reversed ? 1 : 0);
		side[i] = 0;
		if (s->lv - s->lu > 1) {
			byu[nlong] = *s;
			byv[nlong++] = *s;
		}
	}
	qsort(byu, (size_t)nlong, sizeof *byu, by_source);
	qsort(byv, (size_t)nlong, sizeof *byv, by_target);
	for (int i = 0, j; i < nlong; i = j) {
		for (j = i; j < nlong && byu[j].u == byu[i].u && byu[j].key == byu[i].key; j++)
			;
		for (int k = i; k < j; k++)
			outn[byu[k].id] = j - i;
	}
	for (int i = 0, j; i < nlong; i = j) {
		for (j = i; j < nlong && byv[j].v == byv[i].v && byv[j].key == byv[i].key; j++)
			;
		for (int k = i; k < j; k++)
			inn[byv[k].id] = j - i;
	}
	/* the bigger bundle wins; a tie (a lone edge too) goes with its source */
	long long ndummy = 0, nseg = ne - nlong;
	for (int i = 0; i < nlong; i++)
		side[byu[i].id] = outn[byu[i].id] >= inn[byu[i].id] ? 1 : 2;
	for (int pass = 0; pass < 2; pass++) {
		span_edge *by = pass ? byv : byu;
		int want = pass ? 2 : 1;
		for (int i = 0, j; i < nlong; i = j) {
			int lo = INT_MAX, hi = INT_MIN, n = 0;
			for (j = i; j < nlong && (pass ? by[j].v == by[i].v : by[j].u == by[i].u) &&
				    by[j].key == by[i].key; j++) {
				if (side[by[j].id] != want)
					continue;
				n++;
				if (by[j].lu < lo) lo = by[j].lu;
				if (by[j].lv > hi) hi = by[j].lv;
			}
			if (!n)
				continue;
			long long trunk = pass ? hi - lo - 1 : hi - lo - 1;
			ndummy += trunk;
			nseg += trunk + n;
		}
	}
	if (ndummy + l->nvisible > 50000000 || nseg > 50000000) {
		free(all); free(byu); free(byv); free(side); free(outn); free(inn);
		return ag_error(AG_ERR_NOMEM, "the graph is too large to lay out (%lld edge pieces)", nseg);
	}
	lay_node *nodes = realloc(l->nodes, sizeof *nodes * (size_t)(l->nvisible + ndummy + 1));
	if (!nodes)
		goto nomem;
	l->nodes = nodes;
	l->segs = malloc(sizeof *l->segs * (size_t)(nseg ? nseg : 1));
	if (!l->segs)
		goto nomem;
	l->nnodes = l->nvisible;
	l->nsegs = 0;
	/* Deterministic order: edges by id; a bundle is built when its first
	 * member comes up.  Members are gathered from the sorted lists. */
	span_edge *members = all;	/* reused as scratch: all[] is not needed now */
	int *start_u = outn, *start_v = inn;	/* edge -> index into byu / byv */
	for (int i = 0; i < nlong; i++) {
		start_u[byu[i].id] = i;
		start_v[byv[i].id] = i;
	}
	for (int i = 0; i < ne; i++) {
		lay_edge *e = &l->edges[i];
		if (!side[i]) {
			int u = e->reversed ? e->to : e->from, v = e->reversed ? e->from : e->to;
			int sg = new_seg(l, u, v, i, false);
			e->seg_first = e->seg_last = sg;
			continue;
		}
		if (side[i] < 0)
			continue;	/* built with its bundle */
		span_edge *by = side[i] == 1 ? byu : byv;
		int at = side[i] == 1 ? start_u[i] : start_v[i];
		/* the bundle's extent in the sorted list */
		int a = at, b = at;
		while (a > 0 && (side[i] == 1 ? by[a - 1].u == by[at].u : by[a - 1].v == by[at].v) &&
		       by[a - 1].key == by[at].key)
			a--;
		while (b < nlong && (side[i] == 1 ? by[b].u == by[at].u : by[b].v == by[at].v) &&
		       by[b].key == by[at].key)
			b++;
		int n = 0, want = side[i];
		for (int k = a; k < b; k++)
			if (side[by[k].id] == want)
				members[n++] = by[k];
		if (want == 1)
			build_out_bundle(l, members, n);
		else
			build_in_bundle(l, members, n);
		for (int k = 0; k < n; k++)
			side[members[k].id] = -1;
	}
	free(all); free(byu); free(byv); free(side); free(outn); free(inn);
	return 0;
nomem:
	free(all); free(byu); free(byv); free(side); free(outn); free(inn);
	return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
}

void lay_edge_path(const viz_layout *l, const lay_edge *e,
		   void (*fn)(const viz_layout *l, const lay_seg *s, void *ud),
		   void *ud)
{
	int v = e->reversed ? e->from : e->to;
	int lv = l->nodes[v].layer;
	int s = e->seg_first;
	for (;;) {
		fn(l, &l->segs[s], ud);
		if (s == e->seg_last || s < 0)
			break;
		int below = l->nodes[l->segs[s].down].layer;
		s = below + 1 == lv ? e->seg_last : l->segs[s].next;
		if (s < 0)
			break;
	}
}

int lay_rank(viz_layout *l)
{
	if (break_cycles(l) < 0 || assign_layers(l) < 0 || make_segments(l) < 0)
		return -1;
	return 0;
}
