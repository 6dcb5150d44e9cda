/*
 * render_text.c - the drawing as plain text, with a legend that explains
 * every symbol the drawing uses (a newcomer reads it without help).
 */
#include "lay.h"
#include "render.h"
#include "ag.h"

#include <stdio.h>
#include <string.h>

#define TEXT_STRIP 512			/* rows drawn at a time, */
#define TEXT_STRIP_CELLS (1 << 22)	/* or fewer when rows are long */

void viz_text_options_default(viz_text_options *o)
{
	*o = (viz_text_options){ .legend = true };
}

typedef struct legend_item {
	unsigned mark;
	const char *utf8, *ascii;
} legend_item;

static const legend_item items[] = {
	{ LAY_MARK_LEAF, "\u25C6  leaf tensor (made by you, not by an op)",
	  "*  leaf tensor (made by you, not by an op)" },
	{ LAY_MARK_PARAM, "\u25CF  parameter (a module's weight or bias)",
	  "@  parameter (a module's weight or bias)" },
	{ LAY_MARK_PAUSED, "\u25B6  backward is paused here (heavy box)",
	  ">  backward is paused here (box drawn with #)" },
	{ LAY_MARK_FAILING, "\u2717  this op raised the error (heavy box)",
	  "!  this op raised the error (box drawn with #)" },
	{ LAY_MARK_DETACHED, "\u2702  detach(): no gradient flows back through this edge",
	  "X  detach(): no gradient flows back through this edge" },
	{ LAY_MARK_NOGRAD, "\u2506  under no_grad: not recorded for backward (dashed box)",
	  ":  under no_grad: not recorded for backward (box drawn with . and :)" },
	{ LAY_MARK_NONDIFF, "\u254E  not differentiable: no gradient along this edge",
	  "!  not differentiable: no gradient along this edge" },
	{ LAY_MARK_MODULE, "\u2554\u2550\u2557 a collapsed module (expand it to see inside)",
	  "+=+ a collapsed module (expand it to see inside)" },
	{ LAY_MARK_CYCLE, "\u25B2  this edge points back up: the graph has a cycle",
	  "^  this edge points back up: the graph has a cycle" },
	{ LAY_MARK_CONNECTOR, "(n) the edge continues at the same number further down",
	  "(n) the edge continues at the same number further down" },
	{ LAY_MARK_SCOPE, "\u2500 name \u2500 on a box: the module it ran in",
	  "- name - on a box: the module it ran in" },
	{ LAY_MARK_GLOG, "\u2585 -2.3 by an arrow: the gradient flowing along it, log10 of its mean |g|",
	  "g5 -2.3 by an arrow: the gradient flowing along it, log10 of its mean |g|" },
	{ LAY_MARK_GNAN, "?  NaN in the gradient", "?  NaN in the gradient" },
	{ LAY_MARK_GINF, "\u221E  Inf in the gradient", "I  Inf in the gradient" },
	{ LAY_MARK_GZERO, "0  the gradient is exactly zero", "0  the gradient is exactly zero" },
	{ LAY_MARK_GVANISH, NULL, NULL },	/* with the threshold: below */
	{ LAY_MARK_GEXPLODE, NULL, NULL },
	{ LAY_MARK_CHECKPOINT, "\u27F3  torch.utils.checkpoint: one box for the region, whose ops run again in backward",
	  "%  torch.utils.checkpoint: one box for the region, whose ops run again in backward" },
	{ LAY_MARK_SAVED, "saved self: a tensor the node keeps for its backward, at the version it was saved",
	  "saved self: a tensor the node keeps for its backward, at the version it was saved" },
	{ LAY_MARK_GRAD, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587 |g|, the gradient's size (mean of its absolute values): "
	  "\u2581 below 1e-6, \u2584 1e-2 to 1, \u2587 above 1e4",
	  "g1..g7 |g|, the gradient's size (mean of its absolute values): "
	  "g1 below 1e-6, g4 1e-2 to 1, g7 above 1e4" },
};

bool viz_truncation_note(const viz_layout *l, char *buf, size_t n)
{
	if (!l || l->hidden <= 0) {
		if (n)
			buf[0] = 0;
		return false;
	}
	snprintf(buf, n, "%d of %d nodes are not drawn (max_nodes = %d); "
		 "agdb.graph(x, {max_nodes = %d}) draws them all, or draw a part: :graph EXPR",
		 l->hidden, l->total, l->limit, l->total);
	return true;
}

char *viz_render_legend(const viz_layout *l)
{
	if (!l) {
		ag_error(AG_ERR_VALUE, "viz_render_legend: no layout");
		return NULL;
	}
	viz_sbuf b;
	sb_init(&b);
	bool ascii = l->opt.ascii, tb = l->opt.direction == VIZ_DIR_TB;
	char note[256];
	if (viz_truncation_note(l, note, sizeof note))
		sb_printf(&b, "%s  %s\n", ascii ? "..." : "\u22EF", note);
	if (l->nedges)
		sb_printf(&b, "%s  data flows along the arrows; backward() sends gradients against them\n",
			  ascii ? (tb ? "v" : ">") : (tb ? "\u25BC" : "\u25B6"));
	double vanish, explode;
	viz_grad_thresholds(&vanish, &explode);
	for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
		if (!(l->marks & items[i].mark))
			continue;
		if (items[i].mark == LAY_MARK_GVANISH)
			sb_printf(&b, "%s  vanishing gradient: max |g| below %.0e "
				  "(agdb.set{vanish=...})\n", ascii ? "v" : "\u2193", vanish);
		else if (items[i].mark == LAY_MARK_GEXPLODE)
			sb_printf(&b, "%s  exploding gradient: max |g| above %.0e "
				  "(agdb.set{explode=...})\n", ascii ? "^" : "\u2191", explode);
		else
			sb_printf(&b, "%s\n", ascii ? items[i].ascii : items[i].utf8);
	}
	return sb_take(&b);
}

char *viz_render_text(const viz_layout *l, const viz_text_options *o)
{
	viz_text_options def;
	if (!o) {
		viz_text_options_default(&def);
		o = &def;
	}
	if (!l) {
		ag_error(AG_ERR_VALUE, "viz_render_text: no layout");
		return NULL;
	}
	/* Drawn in strips of rows, so a huge graph never needs a huge canvas. */
	int x = o->x > 0 ? o->x : 0, y = o->y > 0 ? o->y : 0;
	int w = o->w > 0 ? o->w : l->width - x, h = o->h > 0 ? o->h : l->height - y;
	if (w < 0) w = 0;
	if (h < 0) h = 0;
	int strip = w > 0 && TEXT_STRIP_CELLS / w < TEXT_STRIP ? TEXT_STRIP_CELLS / w : TEXT_STRIP;
	if (strip < 1)
		strip = 1;
	if (strip > h)
		strip = h;
	char *leg = o->legend ? viz_render_legend(l) : NULL;
	if (o->legend && !leg)
		return NULL;
	size_t leglen = leg ? strlen(leg) : 0;
	/* One buffer for everything: big enough for four bytes a cell, only
	 * the part written is ever touched. */
	size_t cap = (size_t)h * ((size_t)w * 4 + 1) + leglen + 2;
	char *out = malloc(cap);
	viz_canvas *cv = out ? viz_canvas_new(w, strip) : NULL;
	if (!cv) {
		free(out);
		free(leg);
		if (!out)
			ag_error(AG_ERR_NOMEM, "out of memory drawing the graph as text");
		return NULL;
	}
	size_t n = 0;
	for (int r = y; r < y + h; r += strip) {
		int rows = y + h - r < strip ? y + h - r : strip;
		if (ag_check_interrupt() < 0) {
			viz_canvas_free(cv);
			free(out);
			free(leg);
			return NULL;
		}
		viz_canvas_set_origin(cv, x, r);
		lay_draw(l, cv);
		n += viz_canvas_text_into(cv, x, r, w, rows, l->opt.ascii, out + n);
	}
	viz_canvas_free(cv);
	if (leglen) {
		out[n++] = '\n';
		memcpy(out + n, leg, leglen);
		n += leglen;
	}
	free(leg);
	out[n] = 0;
	char *fit = realloc(out, n + 1);
	return fit ? fit : out;
}
