/*
 * prune.c - what to draw of a graph too big to draw whole.
 *
 * The ends matter most: the roots (what the user asked about, the loss)
 * and the leaves (the inputs and parameters whose .grad backward fills).
 * Then nodes are kept in the order of their distance from the nearer end,
 * so a long chain keeps its beginning and its end and loses its middle.
 * The nodes left out become one box that says how many they are, wired to
 * the kept nodes they touched, so the drawing stays connected and says
 * what it does not show.
 */
#include "vizint.h"
#include "ag.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Breadth-first distances from the nodes with dist 0, along adj. */
static void bfs(int n, const int *start, const int *adj, int *dist, int *queue)
{
	int head = 0, tail = 0;
	for (int i = 0; i < n; i++)
		if (dist[i] == 0)
			queue[tail++] = i;
	while (head < tail) {
		int u = queue[head++];
		for (int k = start[u]; k < start[u + 1]; k++) {
			int v = adj[k];
			if (dist[v] == INT_MAX) {
				dist[v] = dist[u] + 1;
				queue[tail++] = v;
			}
		}
	}
}

static const int *sort_key;

static int by_key(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	if (sort_key[x] != sort_key[y])
		return sort_key[x] < sort_key[y] ? -1 : 1;
	return x - y;
}

int viz_prune_choose(int n, int nedges, const int *from, const int *to,
		     const bool *must, const bool *minor, int max_keep, bool *keep)
{
	size_t nn = (size_t)(n ? n : 1), ne = (size_t)(nedges ? nedges : 1);
	int *ostart = calloc(nn + 1, sizeof(int)), *istart = calloc(nn + 1, sizeof(int));
	int *oadj = malloc(ne * sizeof(int)), *iadj = malloc(ne * sizeof(int));
	int *dsink = malloc(nn * sizeof(int)), *dsrc = malloc(nn * sizeof(int));
	int *queue = malloc(nn * sizeof(int));
	if (!ostart || !istart || !oadj || !iadj || !dsink || !dsrc || !queue) {
		free(ostart); free(istart); free(oadj); free(iadj);
		free(dsink); free(dsrc); free(queue);
		return ag_error(AG_ERR_NOMEM, "out of memory choosing what to draw");
	}
	for (int i = 0; i < nedges; i++) {
		ostart[from[i] + 1]++;
		istart[to[i] + 1]++;
	}
	for (int i = 0; i < n; i++) {
		ostart[i + 1] += ostart[i];
		istart[i + 1] += istart[i];
	}
	int *ofill = dsink, *ifill = dsrc;	/* cursors, until the distances */
	memcpy(ofill, ostart, nn * sizeof(int));
	memcpy(ifill, istart, nn * sizeof(int));
	for (int i = 0; i < nedges; i++) {
		oadj[ofill[from[i]]++] = to[i];
		iadj[ifill[to[i]]++] = from[i];
	}
	/* distance from the sinks (against the edges) and from the sources */
	for (int i = 0; i < n; i++) {
		bool sink = ostart[i + 1] == ostart[i], src = istart[i + 1] == istart[i];
		dsink[i] = sink || (must && must[i]) ? 0 : INT_MAX;
		dsrc[i] = src && !(minor && minor[i]) ? 0 : INT_MAX;
	}
	bfs(n, istart, iadj, dsink, queue);
	bfs(n, ostart, oadj, dsrc, queue);
	int status = ag_check_interrupt();
	int kept = 0;
	memset(keep, 0, nn * sizeof *keep);
	/* the ends first: roots (and wanted nodes), then leaves -- each in
	 * order of the other distance, then the rest nearest to an end */
	/* the order key: twice the rank, plus one for a minor node, which
	 * follows the first node it feeds */
	int *rank = malloc(nn * sizeof(int));
	if (!rank) {
		free(ostart); free(istart); free(oadj); free(iadj);
		free(dsink); free(dsrc); free(queue);
		return ag_error(AG_ERR_NOMEM, "out of memory choosing what to draw");
	}
	for (int i = 0; i < n; i++) {
		int a = dsink[i], b = dsrc[i];
		int near = a < b ? a : b;
		bool alone = ostart[i + 1] == ostart[i] && istart[i + 1] == istart[i];
		if (alone && !(must && must[i]))
			rank[i] = INT_MAX / 2;	/* a tensor with no history: last */
		else if ((must && must[i]) || a == 0)
			rank[i] = -2;
		else if (b == 0)
			rank[i] = -1;
		else
			rank[i] = near < INT_MAX / 4 ? near : INT_MAX / 4;
		rank[i] *= 2;
		queue[i] = i;
	}
	for (int i = 0; minor && i < n; i++)
		if (minor[i] && ostart[i + 1] > ostart[i])
			rank[i] = rank[oadj[ostart[i]]] + 1;
	sort_key = rank;
	qsort(queue, (size_t)n, sizeof(int), by_key);
	/* leaves take at most three quarters, so some structure shows */
	int leaves = 0, leaf_cap = max_keep - max_keep / 4;
	for (int k = 0; k < n && kept < max_keep && status == 0; k++) {
		int i = queue[k];
		if (rank[i] == -2 && leaves++ >= leaf_cap)
			continue;
		keep[i] = true;
		kept++;
	}
	free(ostart); free(istart); free(oadj); free(iadj);
	free(dsink); free(dsrc); free(queue); free(rank);
	return status;
}

static bool copy_info_ok(viz_graph *dst, const viz_node_info *in)
{
	return viz_graph_add_node(dst, in) >= 0;
}

viz_graph *viz_graph_prune(const viz_graph *g, int max_nodes)
{
	if (!g) {
		ag_error(AG_ERR_VALUE, "viz_graph_prune: no graph");
		return NULL;
	}
	if (max_nodes < 2) {
		ag_error(AG_ERR_VALUE, "max_nodes must be at least 2, got %d", max_nodes);
		return NULL;
	}
	int n = g->nnodes, m = g->nedges;
	bool fits = n <= max_nodes;
	bool *keep = malloc(sizeof(bool) * (size_t)(n ? n : 1));
	int *from = malloc(sizeof(int) * (size_t)(m ? m : 1));
	int *to = malloc(sizeof(int) * (size_t)(m ? m : 1));
	int *newid = malloc(sizeof(int) * (size_t)(n ? n : 1));
	viz_graph *out = viz_graph_new();
	if (!keep || !from || !to || !newid || !out) {
		ag_error(AG_ERR_NOMEM, "out of memory choosing what to draw");
		goto fail;
	}
	for (int i = 0; i < m; i++) {
		from[i] = g->edges[i].from;
		to[i] = g->edges[i].to;
	}
	for (int i = 0; i < n; i++)
		keep[i] = (g->nodes[i].info.flags & VIZ_FLAG_CONSTANT) != 0;	/* minor */
	if (fits) {
		for (int i = 0; i < n; i++)
			keep[i] = true;
	} else {
		bool *minor = malloc(sizeof(bool) * (size_t)(n ? n : 1));
		if (!minor) {
			ag_error(AG_ERR_NOMEM, "out of memory choosing what to draw");
			goto fail;
		}
		memcpy(minor, keep, sizeof(bool) * (size_t)n);
		int st = viz_prune_choose(n, m, from, to, NULL, minor, max_nodes - 1, keep);
		for (int i = 0; i < m; i++)	/* a number left out is not wired */
			if (minor[from[i]] && !keep[from[i]])
				from[i] = -1;
		free(minor);
		if (st < 0)
			goto fail;
	}
	int hidden = 0;
	for (int i = 0; i < n; i++) {
		newid[i] = -1;
		if (!keep[i]) {
			hidden++;
			continue;
		}
		if (!copy_info_ok(out, &g->nodes[i].info))
			goto fail;
		newid[i] = out->nnodes - 1;
	}
	int box = -1;
	if (hidden) {
		char name[64];
		snprintf(name, sizeof name, "%d node%s not drawn", hidden, hidden == 1 ? "" : "s");
		box = viz_graph_add_node(out, &(viz_node_info){ .kind = VIZ_NODE_HIDDEN,
			.name = name, .version = -1 });
		if (box < 0)
			goto fail;
	}
	/* edges: kept to kept as they were; across the cut, once per kept
	 * node and direction through the box */
	bool *in_done = calloc((size_t)out->nnodes + 1, 1), *out_done = calloc((size_t)out->nnodes + 1, 1);
	if (!in_done || !out_done) {
		free(in_done);
		free(out_done);
		ag_error(AG_ERR_NOMEM, "out of memory choosing what to draw");
		goto fail;
	}
	int status = 0;
	for (int i = 0; i < m && status == 0; i++) {
		if (from[i] < 0)
			continue;
		int a = newid[from[i]], b = newid[to[i]];
		const viz_edge_info *info = &g->edges[i].info;
		if (a >= 0 && b >= 0)
			status = viz_graph_add_edge(out, a, b, info) < 0 ? -1 : 0;
		else if (a >= 0 && !out_done[a]) {
			out_done[a] = true;
			status = viz_graph_add_edge(out, a, box, NULL) < 0 ? -1 : 0;
		} else if (b >= 0 && !in_done[b]) {
			in_done[b] = true;
			status = viz_graph_add_edge(out, box, b, NULL) < 0 ? -1 : 0;
		}
	}
	free(in_done);
	free(out_done);
	if (status < 0)
		goto fail;
	for (int i = 0; i < g->ncollapsed; i++) {
		char **c = viz_grow(out->collapsed, &out->cap_collapsed, out->ncollapsed + 1, sizeof *c);
		if (!c || !(c[out->ncollapsed] = viz_strdup(g->collapsed[i]))) {
			if (c)
				out->collapsed = c;
			ag_error(AG_ERR_NOMEM, "out of memory choosing what to draw");
			goto fail;
		}
		out->collapsed = c;
		out->ncollapsed++;
	}
	if (hidden)
		viz_graph_set_hidden(out, g->hidden + hidden, g->total ? g->total : n,
				     max_nodes);
	else
		viz_graph_set_hidden(out, g->hidden, g->total, g->limit);
	free(keep); free(from); free(to); free(newid);
	return out;
fail:
	free(keep); free(from); free(to); free(newid);
	viz_graph_free(out);
	return NULL;
}
