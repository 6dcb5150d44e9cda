/*
 * draw.c - a layout onto a canvas: boxes, labels, edges with their ports,
 * arrow heads, scissors marks and connectors.
 */
#include "lay.h"
#include "render.h"
#include "ag.h"

#include <stdio.h>
#include <string.h>

#define ARROW_DOWN 0x25BC	/* ▼ */
#define ARROW_UP 0x25B2		/* ▲ */
#define ARROW_RIGHT 0x25B6	/* ▶ */
#define ARROW_LEFT 0x25C0	/* ◀ */
#define SCISSORS 0x2702		/* ✂ */

typedef struct pen {
	viz_canvas *cv;
	const viz_layout *l;
	bool tb;
} pen;

static void line(pen *p, int m0, int c0, int m1, int c1, viz_stroke st,
		 unsigned style)
{
	viz_canvas_line(p->cv, lay_x(p->l, m0, c0), lay_y(p->l, m0, c0),
			lay_x(p->l, m1, c1), lay_y(p->l, m1, c1), st, style);
}

static void put(pen *p, int m, int c, uint32_t cp, unsigned style)
{
	viz_canvas_put(p->cv, lay_x(p->l, m, c), lay_y(p->l, m, c), cp, style);
}

static void draw_box(pen *p, const lay_node *n)
{
	int c0 = n->c - lay_lo(n);
	int x = lay_x(p->l, n->m, c0), y = lay_y(p->l, n->m, c0);
	int w = p->tb ? n->cs : n->ms, h = p->tb ? n->ms : n->cs;
	viz_canvas_box(p->cv, x, y, w, h, n->border, n->title, n->style);
	for (int i = 0; i < n->nlines && i < h - 2; i++)
		viz_canvas_text(p->cv, x + 2, y + 1 + i, n->lines[i], w - 4,
				i ? n->style | VIZ_STYLE_DIM : n->style);
}

static viz_stroke stroke_of(viz_edge_kind k)
{
	switch (k) {
	case VIZ_EDGE_NO_GRAD: return VIZ_STROKE_DOTTED;
	case VIZ_EDGE_NONDIFF: return VIZ_STROKE_DASHED;
	default: return VIZ_STROKE_LIGHT;
	}
}

static unsigned kind_style(viz_edge_kind k)
{
	switch (k) {
	case VIZ_EDGE_DETACHED: return VIZ_STYLE_DETACHED;
	case VIZ_EDGE_NO_GRAD: return VIZ_STYLE_NOGRAD;
	case VIZ_EDGE_NONDIFF: return VIZ_STYLE_NONDIFF;
	default: return 0;
	}
}

static unsigned seg_style(const viz_layout *l, const lay_seg *s)
{
	const lay_edge *e = &l->edges[s->edge];
	return VIZ_STYLE_EDGE | kind_style(e->kind) | lay_grad_style(&e->grad);
}

static void label_at_arrow(pen *p, const lay_seg *s, int arrow_m)
{
	char buf[96];
	lay_seg_text(p->l, s, buf, sizeof buf);
	if (!*buf)
		return;
	int w = viz_text_width(buf);
	int x, y;
	if (p->tb) {
		x = s->port + 2;
		y = arrow_m;
	} else {
		x = arrow_m - w;
		y = s->port - 1;
	}
	/* keep a blank cell on either side so it never touches a line */
	if (viz_canvas_free_run(p->cv, x - 1, y, w + 2))
		viz_canvas_text(p->cv, x, y, buf, w, VIZ_STYLE_EDGE | VIZ_STYLE_DIM);
}

static void draw_net(pen *p, int id)
{
	const viz_layout *l = p->l;
	const lay_net *nt = &l->nets[id];
	const lay_node *up = &l->nodes[nt->up];
	bool dummy = up->vedge >= 0;
	int M = l->layer_m[nt->chan], E = l->layer_ext[nt->chan];
	int ch = M + E, T = l->chan_tracks[nt->chan];
	int arrow_m = ch + 1 + T;
	viz_stroke st = stroke_of(nt->kind);
	unsigned style = VIZ_STYLE_EDGE | kind_style(nt->kind);
	for (int q = 0; q < nt->nsegs; q++)
		style |= seg_style(l, &l->segs[nt->segs[q]]) & ~VIZ_STYLE_MAG_MASK;
	if (nt->nsegs)
		style |= seg_style(l, &l->segs[nt->segs[0]]) & VIZ_STYLE_MAG_MASK;

	/* a real node's line starts on its border: the port glyph hides it */
	int start_m = dummy ? M : up->m + up->ms - 1;
	if (!dummy) {
		int bm = up->m + up->ms - 1;
		viz_canvas_port(p->cv, lay_x(l, bm, nt->port), lay_y(l, bm, nt->port),
				p->tb ? VIZ_DOWN : VIZ_RIGHT, style);
	}
	uint32_t fwd = p->tb ? ARROW_DOWN : ARROW_RIGHT;
	uint32_t back = p->tb ? ARROW_UP : ARROW_LEFT;

	if (nt->conn) {
		/* cut by wrapping: exit "(n)" here, entry "(n)" at each target */
		char tag[24];
		snprintf(tag, sizeof tag, "(%d)", nt->conn);
		line(p, start_m, nt->port, ch, nt->port, st, style);
		viz_canvas_text(p->cv, lay_x(l, ch + 1, nt->port), lay_y(l, ch + 1, nt->port),
				tag, -1, style);
		for (int q = 0; q < nt->nsegs; q++) {
			const lay_seg *s = &l->segs[nt->segs[q]];
			int tm = l->layer_m[l->nodes[s->down].layer];
			int tw = viz_text_width(tag);
			viz_canvas_text(p->cv, lay_x(l, tm - tw - 2, s->port),
					lay_y(l, tm - tw - 2, s->port), tag, -1, style);
			line(p, tm - 2, s->port, tm - 1, s->port, st, style);
			if (s->last && !nt->reversed)
				put(p, tm - 1, s->port, fwd, seg_style(l, s));
		}
		return;
	}
	if (nt->track < 0) {
		line(p, start_m, nt->port, arrow_m, nt->port, st, style);
	} else {
		int r = ch + 1 + nt->track;
		line(p, start_m, nt->port, r, nt->port, st, style);
		line(p, r, nt->lo, r, nt->hi, st, style);
		for (int q = 0; q < nt->nsegs; q++) {
			const lay_seg *s = &l->segs[nt->segs[q]];
			line(p, r, s->port, arrow_m, s->port, st, seg_style(l, s));
		}
	}
	for (int q = 0; q < nt->nsegs; q++) {
		const lay_seg *s = &l->segs[nt->segs[q]];
		if (!s->last)
			continue;
		if (!nt->reversed) {
			put(p, arrow_m, s->port, fwd, seg_style(l, s));
		} else {
			viz_canvas_port(p->cv, lay_x(l, arrow_m + 1, s->port),
					lay_y(l, arrow_m + 1, s->port), p->tb ? VIZ_UP : VIZ_LEFT,
					style);
		}
	}
	if (nt->first && nt->reversed)
		put(p, ch, nt->port, back, style);
	else if (nt->first && nt->kind == VIZ_EDGE_DETACHED)
		put(p, ch, nt->port, SCISSORS, style);
}

/* The rectangle a net may draw into (connectors: everywhere). */
static bool net_visible(const viz_layout *l, const lay_net *nt, int x0, int y0,
			int x1, int y1)
{
	if (nt->conn)
		return true;
	const lay_node *up = &l->nodes[nt->up];
	int m0 = up->m, m1 = l->layer_m[nt->chan] + l->layer_ext[nt->chan] + 2 +
			   l->chan_tracks[nt->chan];
	int c0 = nt->lo - 1, c1 = nt->hi + 100;	/* room for a label */
	if (l->opt.direction == VIZ_DIR_LR) {
		c0 = nt->lo - 2;
		c1 = nt->hi + 1;
		m0 -= 100;
	}
	int rx0 = lay_x(l, m0, c0), ry0 = lay_y(l, m0, c0);
	int rx1 = lay_x(l, m1, c1), ry1 = lay_y(l, m1, c1);
	return rx0 < x1 && rx1 >= x0 && ry0 < y1 && ry1 >= y0;
}

void lay_draw(const viz_layout *l, viz_canvas *cv)
{
	int x0, y0;
	viz_canvas_origin(cv, &x0, &y0);
	int x1 = x0 + viz_canvas_width(cv), y1 = y0 + viz_canvas_height(cv);
	pen p = { .cv = cv, .l = l, .tb = l->opt.direction == VIZ_DIR_TB };
	for (int v = 0; v < l->nvisible; v++) {
		const lay_node *n = &l->nodes[v];
		int c0 = n->c - lay_lo(n);
		int bx = lay_x(l, n->m, c0), by = lay_y(l, n->m, c0);
		int bw = p.tb ? n->cs : n->ms, bh = p.tb ? n->ms : n->cs;
		if (bx < x1 && bx + bw > x0 && by < y1 && by + bh > y0)
			draw_box(&p, n);
	}
	for (int i = 0; i < l->nnets; i++)
		if (net_visible(l, &l->nets[i], x0, y0, x1, y1))
			draw_net(&p, i);
	/* labels last, into whatever room the lines left */
	for (int i = 0; i < l->nnets; i++) {
		const lay_net *nt = &l->nets[i];
		if (nt->conn || nt->reversed || !net_visible(l, nt, x0, y0, x1, y1))
			continue;
		int arrow_m = l->layer_m[nt->chan] + l->layer_ext[nt->chan] + 1 +
			      l->chan_tracks[nt->chan];
		for (int q = 0; q < nt->nsegs; q++)
			if (l->segs[nt->segs[q]].last)
				label_at_arrow(&p, &l->segs[nt->segs[q]], arrow_m);
	}
}

viz_canvas *viz_render_viewport(const viz_layout *l, int x, int y, int w, int h)
{
	if (!l) {
		ag_error(AG_ERR_VALUE, "viz_render_viewport: no layout");
		return NULL;
	}
	if (w < 0 || h < 0) {
		ag_error(AG_ERR_VALUE, "viewport size must be >= 0, got %d x %d", w, h);
		return NULL;
	}
	viz_canvas *cv = viz_canvas_new(w, h);
	if (!cv)
		return NULL;
	viz_canvas_set_origin(cv, x, y);
	lay_draw(l, cv);
	return cv;
}

viz_canvas *viz_render_canvas(const viz_layout *l)
{
	if (!l) {
		ag_error(AG_ERR_VALUE, "viz_render_canvas: no layout");
		return NULL;
	}
	return viz_render_viewport(l, 0, 0, l->width, l->height);
}
