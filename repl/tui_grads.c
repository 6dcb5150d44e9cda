/*
 * tui_grads.c - the gradients pane: one row per leaf (or parameter) with
 * a .grad in the graph -- its name, shape, and the size of its gradient
 * as a bar on a log scale (mean |g| solid, max |g| shaded, 1e-8 to 1e4),
 * with the numbers beside it when there is room.  NaN and Inf are said
 * in words.  Enter (or a click) selects the leaf in the graph.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuiint.h"

#define LOG_LO (-8.0)		/* the bar's ends, log10 |g| */
#define LOG_HI 4.0

typedef struct grow {
	int node;		/* in the graph */
	char name[64];
	char shape[32];
	viz_grad_stats g;
} grow;

static grow *rows;
static int nrows, caprows, top, cur = -1;

void tui_grads_update(const viz_graph *g)
{
	nrows = 0;
	int n = viz_graph_node_count(g);
	for (int i = 0; i < n; i++) {
		const viz_node_info *in = viz_graph_node(g, i);
		if (in->kind != VIZ_NODE_TENSOR || !in->grad.valid ||
		    !(in->flags & (VIZ_FLAG_LEAF | VIZ_FLAG_PARAM)))
			continue;
		if (!tui_grow(&rows, &caprows, nrows + 1, sizeof *rows))
			return;
		grow *r = &rows[nrows++];
		r->node = i;
		const char *nm = (in->flags & VIZ_FLAG_PARAM) && in->scope ? in->scope :
				 in->var ? in->var : in->name ? in->name : "(leaf)";
		snprintf(r->name, sizeof r->name, "%s", nm);
		snprintf(r->shape, sizeof r->shape, "%s", in->shape ? in->shape : "");
		r->g = in->grad;
	}
	if (cur >= nrows)
		cur = nrows - 1;
	if (top > nrows)
		top = 0;
}

/* Cells filled (in eighths) for a value on the log scale. */
static int eighths(double v, int cells)
{
	if (!(v > 0))
		return 0;
	double f = (log10(v) - LOG_LO) / (LOG_HI - LOG_LO);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	int e = (int)lround(f * cells * 8);
	return e < 1 ? 1 : e;	/* a gradient that is there shows */
}

/* The bar: mean solid (eighth blocks), up to max shaded. */
static void bar(char *buf, size_t n, const viz_grad_stats *g, int cells, bool ascii)
{
	static const char *const part[8] = { "", "\u258F", "\u258E", "\u258D", "\u258C",
					     "\u258B", "\u258A", "\u2589" };
	int em = eighths(g->mean_abs, cells), ex = eighths(g->max_abs, cells);
	size_t used = 0;
	buf[0] = 0;
	for (int c = 0; c < cells; c++) {
		const char *s;
		int lo = c * 8;
		if (em >= lo + 8)
			s = ascii ? "#" : "\u2588";
		else if (em > lo)
			s = ascii ? "#" : part[em - lo];
		else if (ex > lo)
			s = ascii ? "-" : "\u2591";
		else
			s = ascii ? "." : " ";
		size_t k = strlen(s);
		if (used + k + 1 > n)
			break;
		memcpy(buf + used, s, k);
		used += k;
	}
	buf[used] = 0;
}

static void draw(const tui_rect *r, bool focused)
{
	if (r->h <= 0)
		return;
	char info[48];
	snprintf(info, sizeof info, "%d lea%s", nrows, nrows == 1 ? "f" : "ves");
	tui_title(r, "gradients", info, focused);
	int y0 = r->y + 1, h = r->h - 1, w = r->w;
	for (int i = 0; i < h; i++)
		tui_fill(y0 + i, r->x, w, A_NORMAL);
	if (nrows == 0) {
		attr_t dim = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_GREY) : A_DIM;
		tui_put(y0, r->x + 1, w - 1, "No .grad yet: backward() fills the", dim);
		tui_put(y0 + 1, r->x + 1, w - 1, "leaves' gradients (out:backward()).", dim);
		return;
	}
	bool ascii = tui_ascii();
	/* columns: name, bar, mean always; then shape and max as room allows */
	int avail = w - 1, bw = 8, numw = 8, sw = 9, nw;
	int fixed = bw + 1 + numw;
	bool show_shape = avail >= 6 + 1 + fixed + sw + 1;
	bool show_max = show_shape && avail >= 6 + 1 + fixed + sw + 1 + numw;
	nw = avail - fixed - 1 - (show_shape ? sw + 1 : 0) - (show_max ? numw : 0);
	if (nw > 20)
		nw = 20;
	if (nw < 4)
		nw = 4;
	char head[128];
	snprintf(head, sizeof head, "%-*s %s%*s%-*s %-*s%s", nw, "name",
		 show_shape ? "shape" : "", show_shape ? sw + 1 - 5 : 0, "", bw, "|g| log",
		 numw, "mean", show_max ? "max" : "");
	tui_put(y0, r->x + 1, w - 1, head, A_BOLD);
	int rows_shown = h - 1;
	if (cur >= 0) {
		if (cur < top)
			top = cur;
		if (cur >= top + rows_shown)
			top = cur - rows_shown + 1;
	}
	for (int i = 0; i < rows_shown && top + i < nrows; i++) {
		const grow *g = &rows[top + i];
		int y = y0 + 1 + i;
		attr_t a = top + i == cur ? A_REVERSE : A_NORMAL;
		tui_fill(y, r->x, w, a);
		int x = r->x + 1;
		tui_put(y, x, nw, g->name, a | A_BOLD);
		x += nw + 1;
		if (show_shape) {
			tui_put(y, x, sw, g->shape, a);
			x += sw + 1;
		}
		if (g->g.nan_count || g->g.inf_count) {
			char msg[64];
			snprintf(msg, sizeof msg, "%s: %lld NaN, %lld Inf",
				 g->g.nan_count ? "NaN" : "Inf", (long long)g->g.nan_count,
				 (long long)g->g.inf_count);
			tui_put(y, x, r->x + w - x, msg, a | A_BOLD | viz_curses_pair(VIZ_PAIR_RED));
			continue;
		}
		char b[8 * 4 + 8];
		bar(b, sizeof b, &g->g, bw, ascii);
		int bucket = viz_grad_bucket(g->g.mean_abs);
		tui_put(y, x, bw, b, a | viz_curses_pair(VIZ_PAIR_MAG1 + bucket - 1));
		x += bw + 1;
		char num[32];
		snprintf(num, sizeof num, "%.1e", g->g.mean_abs);
		tui_put(y, x, numw, num, a);
		x += numw;
		if (show_max) {
			snprintf(num, sizeof num, "%.1e", g->g.max_abs);
			tui_put(y, x, numw, num, a);
		}
	}
}

static void act(tui_action a, const tui_rect *r)
{
	int page = r->h > 4 ? r->h - 3 : 1;
	switch (a) {
	case TUI_ACT_SCROLL_UP:
	case TUI_ACT_PREV_NODE:
		cur = cur > 0 ? cur - 1 : 0;
		break;
	case TUI_ACT_SCROLL_DOWN:
	case TUI_ACT_NEXT_NODE:
		cur = cur + 1 < nrows ? cur + 1 : nrows - 1;
		break;
	case TUI_ACT_PAGE_UP:
		cur = cur - page > 0 ? cur - page : 0;
		break;
	case TUI_ACT_PAGE_DOWN:
		cur = cur + page < nrows ? cur + page : nrows - 1;
		break;
	case TUI_ACT_TOP:
		cur = 0;
		break;
	case TUI_ACT_BOTTOM:
		cur = nrows - 1;
		break;
	case TUI_ACT_SELECT:
		if (cur >= 0 && cur < nrows)
			tui_graph_select(rows[cur].node);
		break;
	default:
		break;
	}
	if (nrows == 0)
		cur = -1;
}

static void click(int y, int x, const tui_rect *r)
{
	(void)x;
	(void)r;
	int i = top + y - 1;	/* the first row is the header */
	if (y >= 1 && i < nrows) {
		cur = i;
		tui_graph_select(rows[cur].node);
	}
}

const tui_pane_class tui_grads_pane = { draw, act, click };
