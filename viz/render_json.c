/*
 * render_json.c - the graph, its attributes and its layout as JSON, for
 * tools and tests.
 */
#include "lay.h"
#include "render.h"
#include "ag.h"

#include <math.h>
#include <string.h>

static void js_str(viz_sbuf *b, const char *s)
{
	if (!s) {
		sb_puts(b, "null");
		return;
	}
	sb_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': sb_puts(b, "\\\""); break;
		case '\\': sb_puts(b, "\\\\"); break;
		case '\n': sb_puts(b, "\\n"); break;
		case '\t': sb_puts(b, "\\t"); break;
		case '\r': sb_puts(b, "\\r"); break;
		default:
			if (*p < 0x20)
				sb_printf(b, "\\u%04x", *p);
			else
				sb_putc(b, (char)*p);
		}
	}
	sb_putc(b, '"');
}

static void js_num(viz_sbuf *b, double v)
{
	if (isfinite(v))
		sb_printf(b, "%.17g", v);
	else
		sb_puts(b, "null");
}

/* The statistics, with what float16/bfloat16 rounding lost in the
 * node's backward (values underflowed to zero, overflowed to inf); null
 * without statistics, or only the losses when there are some. */
static void js_grad(viz_sbuf *b, const viz_grad_stats *g)
{
	bool lost = g->lost_zero || g->lost_inf;
	if (!g->valid && !lost) {
		sb_puts(b, "null");
		return;
	}
	sb_putc(b, '{');
	if (g->valid) {
		sb_puts(b, "\"mean_abs\": ");
		js_num(b, g->mean_abs);
		sb_puts(b, ", \"max_abs\": ");
		js_num(b, g->max_abs);
		sb_printf(b, ", \"nan\": %lld, \"inf\": %lld, ",
			  (long long)g->nan_count, (long long)g->inf_count);
	}
	sb_printf(b, "\"lost_zero\": %lld, \"lost_inf\": %lld}",
		  (long long)g->lost_zero, (long long)g->lost_inf);
}

static void js_box(viz_sbuf *b, const viz_layout *l, const lay_node *n)
{
	int c0 = n->c - lay_lo(n);
	sb_printf(b, "{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d}",
		  lay_x(l, n->m, c0), lay_y(l, n->m, c0),
		  l->opt.direction == VIZ_DIR_TB ? n->cs : n->ms,
		  l->opt.direction == VIZ_DIR_TB ? n->ms : n->cs);
}

static void js_lines(viz_sbuf *b, const lay_node *n)
{
	sb_putc(b, '[');
	for (int k = 0; k < n->nlines; k++) {
		if (k)
			sb_puts(b, ", ");
		js_str(b, n->lines[k]);
	}
	sb_putc(b, ']');
}

static void js_flags(viz_sbuf *b, unsigned f)
{
	static const char *const names[] = {
		"leaf", "parameter", "paused", "failing", "requires_grad", "retains_grad",
		"constant"
	};
	sb_putc(b, '[');
	bool first = true;
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (f & (1u << i)) {
			sb_printf(b, "%s\"%s\"", first ? "" : ", ", names[i]);
			first = false;
		}
	sb_putc(b, ']');
}

/* The route of an edge as cell coordinates: out of the source port, along
 * each piece's track, into the target port.  Points on a straight run are
 * left out (a long edge down a trunk is two points, not one per layer). */
typedef struct pts {
	viz_sbuf *b;
	int n;
	int x[2], y[2];		/* the last two points written */
	size_t mark;		/* where the last point starts in b */
} pts;

static void js_point(pts *p, int x, int y)
{
	if (p->n >= 1 && p->x[1] == x && p->y[1] == y)
		return;
	if (p->n >= 2 && ((p->x[0] == p->x[1] && p->x[1] == x) ||
			  (p->y[0] == p->y[1] && p->y[1] == y))) {
		p->b->len = p->mark;	/* extend the straight run */
		p->x[1] = x;
		p->y[1] = y;
	} else {
		p->x[0] = p->x[1];
		p->y[0] = p->y[1];
		p->x[1] = x;
		p->y[1] = y;
		p->n++;
	}
	p->mark = p->b->len;
	sb_printf(p->b, "%s[%d, %d]", p->mark && p->b->s[p->mark - 1] != '[' ? ", " : "", x, y);
}

static void js_seg_points(const viz_layout *l, const lay_seg *s, void *ud)
{
	const lay_net *nt = &l->nets[s->net];
	const lay_node *up = &l->nodes[s->up];
	int ch = l->layer_m[nt->chan] + l->layer_ext[nt->chan];
	int arrow = ch + 1 + l->chan_tracks[nt->chan];
	int m0 = up->vedge >= 0 ? up->m : up->m + up->ms - 1;
	js_point(ud, lay_x(l, m0, nt->port), lay_y(l, m0, nt->port));
	if (nt->track >= 0 && !nt->conn) {
		int r = ch + 1 + nt->track;
		js_point(ud, lay_x(l, r, nt->port), lay_y(l, r, nt->port));
		js_point(ud, lay_x(l, r, s->port), lay_y(l, r, s->port));
	}
	js_point(ud, lay_x(l, arrow, s->port), lay_y(l, arrow, s->port));
}

static void js_points(viz_sbuf *b, const viz_layout *l, const lay_edge *e)
{
	sb_putc(b, '[');
	pts p = { .b = b };
	lay_edge_path(l, e, js_seg_points, &p);
	sb_putc(b, ']');
}

char *viz_render_json(const viz_graph *g, const viz_layout *l)
{
	if (!g) {
		ag_error(AG_ERR_VALUE, "viz_render_json: no graph");
		return NULL;
	}
	if (l && l->nmodel != g->nnodes) {
		ag_error(AG_ERR_VALUE, "viz_render_json: the layout was made for another graph");
		return NULL;
	}
	viz_sbuf b;
	sb_init(&b);
	sb_putc(&b, '{');
	if (l) {
		static const char *const det[] = { "compact", "normal", "full" };
		sb_printf(&b, "\"direction\": \"%s\", \"detail\": \"%s\", \"width\": %d, "
			  "\"height\": %d, \"layers\": %d, \"crossings\": %lld,\n",
			  l->opt.direction == VIZ_DIR_TB ? "TB" : "LR", det[l->opt.detail],
			  l->width, l->height, l->nlayers, l->crossings);
	}
	if (g->hidden > 0)
		sb_printf(&b, "\"truncated\": {\"hidden\": %d, \"total\": %d, \"max_nodes\": %d},\n",
			  g->hidden, g->total, g->limit);
	else
		sb_puts(&b, "\"truncated\": null,\n");
	sb_puts(&b, "\"nodes\": [");
	for (int i = 0; i < g->nnodes; i++) {
		const viz_node_info *in = &g->nodes[i].info;
		sb_printf(&b, "%s\n  {\"id\": %d, \"kind\": \"%s\", \"name\": ", i ? "," : "",
			  i, viz_node_kind_name(in->kind));
		js_str(&b, in->name);
		sb_puts(&b, ", \"var\": ");
		js_str(&b, in->var);
		sb_puts(&b, ", \"shape\": ");
		js_str(&b, in->shape);
		sb_puts(&b, ", \"dtype\": ");
		js_str(&b, in->dtype);
		sb_printf(&b, ", \"version\": %lld, \"flags\": ", (long long)in->version);
		js_flags(&b, in->flags);
		sb_puts(&b, ", \"scope\": ");
		js_str(&b, in->scope);
		sb_printf(&b, ", \"no_grad_region\": %d, \"where\": ", in->no_grad_region);
		js_str(&b, in->where);
		sb_puts(&b, ", \"note\": ");
		js_str(&b, in->note);
		sb_printf(&b, ", \"ref\": %llu, \"grad\": ", (unsigned long long)in->ref);
		js_grad(&b, &in->grad);
		if (l) {
			const lay_node *ln = &l->nodes[l->vis_of[i]];
			if (ln->group >= 0) {
				sb_puts(&b, ", \"hidden_in\": ");
				js_str(&b, l->groups[ln->group].scope);
			} else {
				sb_puts(&b, ", \"label\": ");
				js_lines(&b, ln);
			}
			sb_printf(&b, ", \"layer\": %d, \"order\": %d, \"box\": ", ln->layer, ln->pos);
			js_box(&b, l, ln);
		}
		sb_putc(&b, '}');
	}
	sb_puts(&b, "\n],\n\"modules\": [");
	for (int gi = 0; l && gi < l->ngroups; gi++) {
		const lay_group *gr = &l->groups[gi];
		const lay_node *ln = &l->nodes[gr->vis];
		sb_printf(&b, "%s\n  {\"scope\": ", gi ? "," : "");
		js_str(&b, gr->scope);
		sb_printf(&b, ", \"collapsed\": true, \"count\": %d, \"label\": ", gr->count);
		js_lines(&b, ln);
		sb_printf(&b, ", \"layer\": %d, \"box\": ", ln->layer);
		js_box(&b, l, ln);
		sb_putc(&b, '}');
	}
	sb_puts(&b, "\n],\n\"edges\": [");
	int *drawn = NULL;
	if (l) {
		drawn = malloc(sizeof(int) * (size_t)(g->nedges ? g->nedges : 1));
		if (!drawn) {
			sb_free(&b);
			ag_error(AG_ERR_NOMEM, "out of memory writing JSON");
			return NULL;
		}
		for (int i = 0; i < g->nedges; i++)
			drawn[i] = -1;
		for (int i = 0; i < l->nedges; i++)
			drawn[l->edges[i].model] = i;
	}
	for (int i = 0; i < g->nedges; i++) {
		const viz_edge *e = &g->edges[i];
		sb_printf(&b, "%s\n  {\"id\": %d, \"from\": %d, \"to\": %d, \"kind\": \"%s\", \"label\": ",
			  i ? "," : "", i, e->from, e->to, viz_edge_kind_name(e->info.kind));
		js_str(&b, e->info.label);
		sb_puts(&b, ", \"grad\": ");
		js_grad(&b, &e->info.grad);
		if (l) {
			int d = drawn[i];
			sb_printf(&b, ", \"drawn\": %s", d >= 0 ? "true" : "false");
			if (d >= 0) {
				sb_printf(&b, ", \"reversed\": %s, \"points\": ",
					  l->edges[d].reversed ? "true" : "false");
				js_points(&b, l, &l->edges[d]);
			}
		}
		sb_putc(&b, '}');
	}
	free(drawn);
	sb_puts(&b, "\n]}\n");
	return sb_take(&b);
}
