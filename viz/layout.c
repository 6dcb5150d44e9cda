/*
 * layout.c - the layout driver: the visible graph (collapsed modules
 * folded into one box each), then the phases of rank.c, order.c,
 * place.c and route.c.
 */
#include "lay.h"
#include "ag.h"
#include "map.h"

#include <string.h>

void viz_layout_options_default(viz_layout_options *o)
{
	memset(o, 0, sizeof *o);
	o->direction = VIZ_DIR_TB;
	o->detail = VIZ_DETAIL_NORMAL;
	o->fit = VIZ_FIT_SCROLL;
}

void viz_layout_free(viz_layout *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nvisible && l->nodes; i++) {
		for (int j = 0; j < l->nodes[i].nlines; j++)
			free(l->nodes[i].lines[j]);
		free(l->nodes[i].lines);
		free(l->nodes[i].title);
	}
	for (int i = 0; i < l->nedges; i++)
		free(l->edges[i].label);
	for (int i = 0; i < l->ngroups; i++)
		free(l->groups[i].scope);
	for (int k = 0; k < l->nlayers && l->layer; k++)
		free(l->layer[k]);
	free(l->layer);
	free(l->layer_len);
	free(l->layer_m);
	free(l->layer_ext);
	free(l->chan_tracks);
	free(l->band);
	free(l->up_start);
	free(l->up_seg);
	free(l->down_start);
	free(l->down_seg);
	free(l->nodes);
	free(l->edges);
	free(l->segs);
	free(l->nets);
	free(l->net_segs);
	free(l->groups);
	free(l->vis_of);
	free(l);
}

static int check_options(const viz_layout_options *o)
{
	if ((unsigned)o->direction > VIZ_DIR_LR)
		return ag_error(AG_ERR_VALUE, "unknown layout direction %d", (int)o->direction);
	if ((unsigned)o->detail > VIZ_DETAIL_FULL)
		return ag_error(AG_ERR_VALUE, "unknown detail level %d", (int)o->detail);
	if ((unsigned)o->fit > VIZ_FIT_WRAP)
		return ag_error(AG_ERR_VALUE, "unknown fit mode %d", (int)o->fit);
	if (o->max_width < 0)
		return ag_error(AG_ERR_VALUE, "max_width must be >= 0, got %d", o->max_width);
	if (o->sweeps < 0)
		return ag_error(AG_ERR_VALUE, "sweeps must be >= 0, got %d", o->sweeps);
	return 0;
}

/* Visible nodes in model order; a collapsed scope appears where its first
 * member would. */
static int build_nodes(viz_layout *l, const viz_graph *g)
{
	int n = g->nnodes;
	l->nmodel = n;
	l->vis_of = malloc(sizeof(int) * (size_t)(n ? n : 1));
	l->nodes = malloc(sizeof(lay_node) * (size_t)(n ? n : 1));
	l->groups = malloc(sizeof(lay_group) * (size_t)(n ? n : 1));
	if (!l->vis_of || !l->nodes || !l->groups)
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	for (int i = 0; i < n; i++) {
		const char *cs = g->ncollapsed ? viz_collapsed_scope(g, g->nodes[i].info.scope) : NULL;
		if (cs) {
			int gi = -1;
			for (int j = l->ngroups - 1; j >= 0 && gi < 0; j--)
				if (!strcmp(l->groups[j].scope, cs))
					gi = j;
			if (gi >= 0) {
				l->groups[gi].count++;
				l->vis_of[i] = l->groups[gi].vis;
				continue;
			}
			gi = l->ngroups;
			if (!(l->groups[gi].scope = viz_strdup(cs)))
				return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
			l->groups[gi].first = i;
			l->groups[gi].count = 1;
			l->groups[gi].vis = l->nvisible;
			l->ngroups++;
			l->nodes[l->nvisible] = (lay_node){ .model = -1, .group = gi, .vedge = -1 };
		} else {
			l->nodes[l->nvisible] = (lay_node){ .model = i, .group = -1, .vedge = -1 };
		}
		l->vis_of[i] = l->nvisible++;
	}
	l->nnodes = l->nvisible;
	for (int v = 0; v < l->nvisible; v++)
		if (lay_label_node(l, &l->nodes[v], g) < 0)
			return -1;
	return 0;
}

/* An edge's key in core's map (map.h): a graph has under 2^30 nodes
 * (graph.c) and 4 edge kinds, so from, to and kind fit side by side; the
 * top bit keeps the key from being 0. */
static uint64_t edge_key(int a, int b, int k)
{
	return 1ull << 62 | (uint64_t)(uint32_t)a << 32 | (uint64_t)(uint32_t)b << 2 | (uint64_t)k;
}

/* Edges between visible nodes: those inside a collapsed module vanish,
 * and parallel edges into or out of a module box are drawn once. */
static int build_edges(viz_layout *l, const viz_graph *g)
{
	_Static_assert(VIZ_EDGE_NKINDS <= 4, "edge_key keeps 2 bits for the kind");
	int m = g->nedges;
	l->edges = calloc((size_t)(m ? m : 1), sizeof(lay_edge));
	if (!l->edges)
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	ag_map drawn = AG_MAP_EMPTY;	/* edges into or out of a module box */
	int status = 0;
	for (int i = 0; i < m && status == 0; i++) {
		const viz_edge *e = &g->edges[i];
		int a = l->vis_of[e->from], b = l->vis_of[e->to];
		if (a == b)
			continue;	/* inside a module, or a self loop */
		if (l->nodes[a].group >= 0 || l->nodes[b].group >= 0) {
			uint64_t key = edge_key(a, b, e->info.kind);
			size_t seen;
			if (ag_map_get(&drawn, key, &seen))
				continue;
			if (ag_map_put(&drawn, key, 1) < 0) {
				status = -1;
				break;
			}
		}
		lay_edge *le = &l->edges[l->nedges];
		*le = (lay_edge){ .from = a, .to = b, .model = i, .kind = e->info.kind,
				  .grad = e->info.grad };
		if (e->info.label && !(le->label = viz_strdup(e->info.label))) {
			status = ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
			break;
		}
		l->nedges++;
		if (e->info.kind == VIZ_EDGE_DETACHED) l->marks |= LAY_MARK_DETACHED;
		if (e->info.kind == VIZ_EDGE_NO_GRAD) l->marks |= LAY_MARK_NOGRAD;
		if (e->info.kind == VIZ_EDGE_NONDIFF) l->marks |= LAY_MARK_NONDIFF;
		if (e->info.grad.valid)
			l->marks |= lay_edge_marks(l, le);	/* a bar by the arrow */
	}
	ag_map_free(&drawn);
	return status;
}

viz_layout *viz_layout_new(const viz_graph *g, const viz_layout_options *o)
{
	viz_layout_options def;
	if (!g) {
		ag_error(AG_ERR_VALUE, "viz_layout_new: no graph");
		return NULL;
	}
	if (!o) {
		viz_layout_options_default(&def);
		o = &def;
	}
	if (check_options(o) < 0)
		return NULL;
	viz_layout *l = calloc(1, sizeof *l);
	if (!l) {
		ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
		return NULL;
	}
	l->opt = *o;
	l->hidden = viz_graph_hidden(g, &l->total, &l->limit);
	/* Ctrl-C is heard between the phases and inside the long ones. */
	if (build_nodes(l, g) < 0 || build_edges(l, g) < 0 || ag_check_interrupt() < 0 ||
	    lay_rank(l) < 0 || lay_adjacency(l) < 0 || ag_check_interrupt() < 0 ||
	    lay_order(l) < 0 || ag_check_interrupt() < 0 || lay_place(l) < 0 ||
	    ag_check_interrupt() < 0 || lay_route(l) < 0) {
		viz_layout_free(l);
		return NULL;
	}
	return l;
}

void viz_layout_size(const viz_layout *l, int *width, int *height)
{
	if (width)
		*width = l ? l->width : 0;
	if (height)
		*height = l ? l->height : 0;
}

static void box_of(const viz_layout *l, const lay_node *n, viz_box *b)
{
	int c0 = n->c - lay_lo(n);
	b->x = lay_x(l, n->m, c0);
	b->y = lay_y(l, n->m, c0);
	b->w = l->opt.direction == VIZ_DIR_TB ? n->cs : n->ms;
	b->h = l->opt.direction == VIZ_DIR_TB ? n->ms : n->cs;
}

int viz_layout_node_box(const viz_layout *l, int node, viz_box *out)
{
	if (!l || node < 0 || node >= l->nmodel)
		return ag_error(AG_ERR_INDEX, "no node %d in this layout (it has %d)",
				node, l ? l->nmodel : 0);
	box_of(l, &l->nodes[l->vis_of[node]], out);
	return 0;
}

int viz_layout_node_at(const viz_layout *l, int x, int y)
{
	if (!l)
		return -1;
	for (int v = 0; v < l->nvisible; v++) {
		viz_box b;
		box_of(l, &l->nodes[v], &b);
		if (x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h)
			return l->nodes[v].group >= 0 ? l->groups[l->nodes[v].group].first
						       : l->nodes[v].model;
	}
	return -1;
}

int viz_layout_layer_count(const viz_layout *l)
{
	return l ? l->nlayers : 0;
}

long long viz_layout_crossings(const viz_layout *l)
{
	return l ? l->crossings : 0;
}

long long viz_layout_initial_crossings(const viz_layout *l)
{
	return l ? l->crossings0 : 0;
}
