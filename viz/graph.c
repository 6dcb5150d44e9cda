/*
 * graph.c - the viewer's graph model: nodes, edges, collapsed scopes.
 */
#include "vizint.h"
#include "ag.h"

#include <string.h>

static const char *const node_kind_names[VIZ_NODE_NKINDS] = {
	"tensor", "op", "grad", "module", "hidden"
};
static const char *const edge_kind_names[VIZ_EDGE_NKINDS] = {
	"autograd", "detached", "no_grad", "nondiff"
};

const char *viz_node_kind_name(viz_node_kind k)
{
	return (unsigned)k < VIZ_NODE_NKINDS ? node_kind_names[k] : "?";
}

const char *viz_edge_kind_name(viz_edge_kind k)
{
	return (unsigned)k < VIZ_EDGE_NKINDS ? edge_kind_names[k] : "?";
}

viz_graph *viz_graph_new(void)
{
	viz_graph *g = calloc(1, sizeof *g);
	if (!g)
		ag_error(AG_ERR_NOMEM, "out of memory allocating a graph");
	return g;
}

static void free_info(viz_node_info *i)
{
	free((char *)i->name);
	free((char *)i->var);
	free((char *)i->shape);
	free((char *)i->dtype);
	free((char *)i->where);
	free((char *)i->scope);
	free((char *)i->note);
	free((char *)i->saved);
}

void viz_graph_free(viz_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nnodes; i++)
		free_info(&g->nodes[i].info);
	for (int i = 0; i < g->nedges; i++)
		free((char *)g->edges[i].info.label);
	for (int i = 0; i < g->ncollapsed; i++)
		free(g->collapsed[i]);
	free(g->nodes);
	free(g->edges);
	free(g->collapsed);
	free(g);
}

static bool dup_field(const char **dst, const char *src)
{
	*dst = viz_strdup(src);
	return !src || *dst;
}

int viz_graph_add_node(viz_graph *g, const viz_node_info *info)
{
	static const viz_node_info blank = { .version = -1 };
	if (!g)
		return ag_error(AG_ERR_VALUE, "viz_graph_add_node: no graph");
	if (!info)
		info = &blank;
	if ((unsigned)info->kind >= VIZ_NODE_NKINDS)
		return ag_error(AG_ERR_VALUE, "unknown node kind %d", (int)info->kind);
	if (g->nnodes == 0x3fffffff)
		return ag_error(AG_ERR_NOMEM, "too many nodes in one graph");
	viz_node *n = viz_grow(g->nodes, &g->cap_nodes, g->nnodes + 1, sizeof *n);
	if (!n)
		return ag_error(AG_ERR_NOMEM, "out of memory adding a node");
	g->nodes = n;
	viz_node_info c = *info;
	bool okay = dup_field(&c.name, info->name) & dup_field(&c.var, info->var) &
		    dup_field(&c.shape, info->shape) & dup_field(&c.dtype, info->dtype) &
		    dup_field(&c.where, info->where) & dup_field(&c.scope, info->scope) &
		    dup_field(&c.note, info->note) & dup_field(&c.saved, info->saved);
	if (c.scope && !*c.scope) {
		free((char *)c.scope);	/* "" means no scope */
		c.scope = NULL;
	}
	if (!okay) {
		free_info(&c);
		return ag_error(AG_ERR_NOMEM, "out of memory adding a node");
	}
	n[g->nnodes].info = c;
	return g->nnodes++;
}

int viz_graph_add_edge(viz_graph *g, int from, int to, const viz_edge_info *info)
{
	static const viz_edge_info plain = { .kind = VIZ_EDGE_AUTOGRAD };
	if (!g)
		return ag_error(AG_ERR_VALUE, "viz_graph_add_edge: no graph");
	if (from < 0 || from >= g->nnodes || to < 0 || to >= g->nnodes)
		return ag_error(AG_ERR_INDEX,
				"edge %d -> %d refers to a node that does not exist (the graph has %d nodes)",
				from, to, g->nnodes);
	if (!info)
		info = &plain;
	if ((unsigned)info->kind >= VIZ_EDGE_NKINDS)
		return ag_error(AG_ERR_VALUE, "unknown edge kind %d", (int)info->kind);
	viz_edge *e = viz_grow(g->edges, &g->cap_edges, g->nedges + 1, sizeof *e);
	if (!e)
		return ag_error(AG_ERR_NOMEM, "out of memory adding an edge");
	g->edges = e;
	viz_edge_info c = *info;
	if (!dup_field(&c.label, info->label))
		return ag_error(AG_ERR_NOMEM, "out of memory adding an edge");
	e[g->nedges].from = from;
	e[g->nedges].to = to;
	e[g->nedges].info = c;
	return g->nedges++;
}

int viz_graph_hidden(const viz_graph *g, int *total, int *limit)
{
	if (total)
		*total = g ? g->total : 0;
	if (limit)
		*limit = g ? g->limit : 0;
	return g ? g->hidden : 0;
}

void viz_graph_set_hidden(viz_graph *g, int hidden, int total, int limit)
{
	g->hidden = hidden;
	g->total = total;
	g->limit = limit;
}

int viz_graph_node_count(const viz_graph *g)
{
	return g ? g->nnodes : 0;
}

int viz_graph_edge_count(const viz_graph *g)
{
	return g ? g->nedges : 0;
}

const viz_node_info *viz_graph_node(const viz_graph *g, int id)
{
	if (!g || id < 0 || id >= g->nnodes)
		return NULL;
	return &g->nodes[id].info;
}

const viz_edge_info *viz_graph_edge(const viz_graph *g, int id, int *from, int *to)
{
	if (!g || id < 0 || id >= g->nedges)
		return NULL;
	if (from)
		*from = g->edges[id].from;
	if (to)
		*to = g->edges[id].to;
	return &g->edges[id].info;
}

int viz_graph_find(const viz_graph *g, const char *name)
{
	if (!g || !name)
		return -1;
	for (int i = 0; i < g->nnodes; i++) {
		const viz_node_info *n = &g->nodes[i].info;
		if ((n->name && !strcmp(n->name, name)) ||
		    (n->var && !strcmp(n->var, name)))
			return i;
	}
	return -1;
}

bool viz_scope_within(const char *s, const char *scope)
{
	if (!s || !scope)
		return false;
	size_t n = strlen(scope);
	return !strncmp(s, scope, n) && (s[n] == 0 || s[n] == '.');
}

const char *viz_collapsed_scope(const viz_graph *g, const char *s)
{
	const char *best = NULL;
	if (!s)
		return NULL;
	for (int i = 0; i < g->ncollapsed; i++)
		if (viz_scope_within(s, g->collapsed[i]) &&
		    (!best || strlen(g->collapsed[i]) < strlen(best)))
			best = g->collapsed[i];
	return best;
}

bool viz_graph_is_collapsed(const viz_graph *g, const char *scope)
{
	if (!g || !scope)
		return false;
	for (int i = 0; i < g->ncollapsed; i++)
		if (!strcmp(g->collapsed[i], scope))
			return true;
	return false;
}

int viz_graph_set_collapsed(viz_graph *g, const char *scope, bool collapsed)
{
	if (!g || !scope || !*scope)
		return ag_error(AG_ERR_VALUE, "collapse: a module scope name is needed");
	bool used = false;
	for (int i = 0; i < g->nnodes && !used; i++)
		used = viz_scope_within(g->nodes[i].info.scope, scope);
	if (!used)
		return ag_error(AG_ERR_VALUE, "no module scope '%s' in this graph", scope);
	for (int i = 0; i < g->ncollapsed; i++) {
		if (strcmp(g->collapsed[i], scope))
			continue;
		if (!collapsed) {
			free(g->collapsed[i]);
			g->collapsed[i] = g->collapsed[--g->ncollapsed];
		}
		return 0;
	}
	if (!collapsed)
		return 0;
	char **c = viz_grow(g->collapsed, &g->cap_collapsed, g->ncollapsed + 1, sizeof *c);
	if (!c)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	g->collapsed = c;
	if (!(c[g->ncollapsed] = viz_strdup(scope)))
		return ag_error(AG_ERR_NOMEM, "out of memory");
	g->ncollapsed++;
	return 0;
}

/* The first `depth` components of s into buf; false when s is shallower. */
static bool scope_prefix(const char *s, int depth, char *buf, size_t n)
{
	const char *p = s;
	for (int d = 0; d < depth; d++) {
		if (d > 0) {
			if (*p != '.')
				return false;
			p++;
		}
		if (!*p)
			return false;
		while (*p && *p != '.')
			p++;
	}
	size_t len = (size_t)(p - s);
	if (len >= n)
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	return true;
}

int viz_graph_collapse_depth(viz_graph *g, int depth)
{
	if (!g)
		return ag_error(AG_ERR_VALUE, "collapse: no graph");
	if (depth < 0)
		return ag_error(AG_ERR_VALUE, "collapse depth must be >= 0, got %d", depth);
	for (int i = 0; i < g->ncollapsed; i++)
		free(g->collapsed[i]);
	g->ncollapsed = 0;
	if (depth == 0)
		return 0;
	char buf[512];
	for (int i = 0; i < g->nnodes; i++) {
		const char *s = g->nodes[i].info.scope;
		if (!s || !scope_prefix(s, depth, buf, sizeof buf) ||
		    viz_graph_is_collapsed(g, buf))
			continue;
		if (viz_graph_set_collapsed(g, buf, true) < 0)
			return -1;
	}
	return g->ncollapsed;
}
