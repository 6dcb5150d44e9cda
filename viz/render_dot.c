/*
 * render_dot.c - the graph in Graphviz's DOT language.
 *
 * Graphviz lays it out itself; this only says what each node and edge is.
 * With a layout, the labels follow its detail level, collapsed modules are
 * single nodes and the direction is the layout's.  Styles repeat what the
 * text drawing says: colour is never the only hint (labels carry the same
 * symbols, line styles differ).
 */
#include "lay.h"
#include "render.h"
#include "ag.h"

#include <stdio.h>
#include <string.h>

static void dot_str(viz_sbuf *b, const char *s)
{
	sb_putc(b, '"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_putc(b, '\\');
		if (*s == '\n') {
			sb_puts(b, "\\n");
			continue;
		}
		sb_putc(b, *s);
	}
	sb_putc(b, '"');
}

static void node_attrs(viz_sbuf *b, viz_node_kind kind, unsigned flags,
		       int no_grad, const viz_grad_stats *g)
{
	if (kind == VIZ_NODE_HIDDEN) {
		sb_puts(b, ", shape=note, style=\"dashed\", color=\"#808080\"");
		return;
	}
	const char *shape = kind == VIZ_NODE_TENSOR ? "box, style=\"rounded" :
			    kind == VIZ_NODE_MODULE ? "box3d, style=\"solid" : "box, style=\"solid";
	sb_printf(b, ", shape=%s%s%s\"", shape,
		  no_grad ? ",dashed" : "",
		  flags & (VIZ_FLAG_LEAF | VIZ_FLAG_PARAM) ? ",filled" : "");
	if (flags & VIZ_FLAG_PARAM)
		sb_puts(b, ", fillcolor=\"#fff3c4\"");
	else if (flags & VIZ_FLAG_LEAF)
		sb_puts(b, ", fillcolor=\"#dcebff\"");
	if (flags & VIZ_FLAG_FAILING)
		sb_puts(b, ", color=\"#c00000\", penwidth=3");
	else if (flags & VIZ_FLAG_PAUSED)
		sb_puts(b, ", color=\"#0050c0\", penwidth=3");
	else if (g && g->valid && (g->nan_count || g->inf_count))
		sb_puts(b, ", color=\"#c00000\", penwidth=2");
	else if (g && (g->lost_zero || g->lost_inf))	/* 16-bit rounding */
		sb_puts(b, ", color=\"#d07000\", penwidth=2");
	if (g && (g->lost_zero || g->lost_inf))
		sb_printf(b, ", tooltip=\"rounding lost %lld to 0, %lld to inf\"",
			  (long long)g->lost_zero, (long long)g->lost_inf);
}

static void edge_attrs(viz_sbuf *b, const viz_edge_info *e)
{
	sb_puts(b, " [");
	switch (e->kind) {
	case VIZ_EDGE_DETACHED:
		sb_puts(b, "style=dashed, color=\"#808080\", arrowhead=tee, xlabel=\"\u2702 detach\"");
		break;
	case VIZ_EDGE_NO_GRAD:
		sb_puts(b, "style=dotted, color=\"#808080\", xlabel=\"no_grad\"");
		break;
	case VIZ_EDGE_NONDIFF:
		sb_puts(b, "style=dashed, arrowhead=empty, xlabel=\"not differentiable\"");
		break;
	default:
		sb_puts(b, "style=solid");
	}
	if (e->label) {
		sb_puts(b, ", label=");
		dot_str(b, e->label);
	}
	if (e->grad.valid && (e->grad.nan_count || e->grad.inf_count))
		sb_puts(b, ", color=\"#c00000\", penwidth=2");
	sb_puts(b, "];\n");
}

/* Clusters for the scopes of visible nodes (one per distinct scope). */
static void clusters(viz_sbuf *b, const viz_graph *g, const viz_layout *l)
{
	int n = g->nnodes;
	bool *done = calloc((size_t)n + 1, 1);
	if (!done) {
		b->oom = true;
		return;
	}
	int nc = 0;
	for (int i = 0; i < n; i++) {
		const char *s = g->nodes[i].info.scope;
		if (done[i] || !s || (l && l->nodes[l->vis_of[i]].group >= 0))
			continue;
		sb_printf(b, "  subgraph cluster_%d {\n    label=", nc++);
		dot_str(b, s);
		sb_puts(b, "; style=rounded; color=\"#a0a0a0\";\n   ");
		for (int j = i; j < n; j++) {
			const char *t = g->nodes[j].info.scope;
			if (done[j] || !t || strcmp(s, t) ||
			    (l && l->nodes[l->vis_of[j]].group >= 0))
				continue;
			done[j] = true;
			sb_printf(b, " n%d;", j);
		}
		sb_puts(b, "\n  }\n");
	}
	free(done);
}

char *viz_render_dot(const viz_graph *g, const viz_layout *l)
{
	if (!g) {
		ag_error(AG_ERR_VALUE, "viz_render_dot: no graph");
		return NULL;
	}
	if (l && l->nmodel != g->nnodes) {
		ag_error(AG_ERR_VALUE, "viz_render_dot: the layout was made for another graph");
		return NULL;
	}
	viz_sbuf b;
	sb_init(&b);
	sb_printf(&b, "digraph agdb {\n  rankdir=%s;\n",
		  l && l->opt.direction == VIZ_DIR_LR ? "LR" : "TB");
	sb_puts(&b, "  node [fontname=\"monospace\", fontsize=10];\n"
		    "  edge [fontname=\"monospace\", fontsize=9];\n");
	char note[256];
	if (l ? viz_truncation_note(l, note, sizeof note) : g->hidden > 0) {
		if (!l)
			snprintf(note, sizeof note, "%d of %d nodes are not drawn (max_nodes = %d)",
				 g->hidden, g->total, g->limit);
		sb_puts(&b, "  labelloc=t;\n  label=");
		dot_str(&b, note);
		sb_puts(&b, ";\n");
	}
	for (int i = 0; i < g->nnodes; i++) {
		const viz_node_info *in = &g->nodes[i].info;
		if (l && l->nodes[l->vis_of[i]].group >= 0)
			continue;
		sb_printf(&b, "  n%d [label=", i);
		if (l) {
			const lay_node *ln = &l->nodes[l->vis_of[i]];
			viz_sbuf lab;
			sb_init(&lab);
			for (int k = 0; k < ln->nlines; k++)
				sb_printf(&lab, "%s%s", k ? "\n" : "", ln->lines[k]);
			if (ln->title)
				sb_printf(&lab, "\n(%s)", ln->title);
			dot_str(&b, lab.s ? lab.s : "");
			sb_free(&lab);
		} else {
			const char *name = in->kind == VIZ_NODE_TENSOR && in->var ? in->var : in->name;
			dot_str(&b, name ? name : viz_node_kind_name(in->kind));
		}
		node_attrs(&b, in->kind, in->flags, in->no_grad_region, &in->grad);
		sb_puts(&b, "];\n");
	}
	for (int gi = 0; l && gi < l->ngroups; gi++) {
		const lay_node *ln = &l->nodes[l->groups[gi].vis];
		sb_printf(&b, "  m%d [label=", gi);
		viz_sbuf lab;
		sb_init(&lab);
		for (int k = 0; k < ln->nlines; k++)
			sb_printf(&lab, "%s%s", k ? "\n" : "", ln->lines[k]);
		dot_str(&b, lab.s ? lab.s : "");
		sb_free(&lab);
		node_attrs(&b, VIZ_NODE_MODULE, 0, 0, NULL);
		sb_puts(&b, "];\n");
	}
	clusters(&b, g, l);
	if (l) {
		for (int i = 0; i < l->nedges; i++) {
			const lay_edge *e = &l->edges[i];
			const lay_node *a = &l->nodes[e->from], *c = &l->nodes[e->to];
			if (a->group >= 0)
				sb_printf(&b, "  m%d -> ", a->group);
			else
				sb_printf(&b, "  n%d -> ", a->model);
			if (c->group >= 0)
				sb_printf(&b, "m%d", c->group);
			else
				sb_printf(&b, "n%d", c->model);
			edge_attrs(&b, &g->edges[e->model].info);
		}
	} else {
		for (int i = 0; i < g->nedges; i++) {
			sb_printf(&b, "  n%d -> n%d", g->edges[i].from, g->edges[i].to);
			edge_attrs(&b, &g->edges[i].info);
		}
	}
	sb_puts(&b, "}\n");
	return sb_take(&b);
}
