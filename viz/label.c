/*
 * label.c - what a box says: its text lines, title, border and style, for
 * the three levels of detail.
 */
#include "lay.h"
#include "ag.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NOTE_WRAP 40		/* cells per line of a failing op's message */

/* max |g| below vanish_below: vanishing; above explode_above: exploding
 * (agdb.set{vanish=, explode=} moves them) */
static double vanish_below = 1e-7, explode_above = 1e3;

void viz_set_grad_thresholds(double vanish, double explode)
{
	vanish_below = vanish;
	explode_above = explode;
}

void viz_grad_thresholds(double *vanish, double *explode)
{
	*vanish = vanish_below;
	*explode = explode_above;
}

typedef struct label {
	char *lines[24];
	int n;
	bool oom;
	unsigned marks;		/* LAY_MARK_* its lines use */
} label;

static void add(label *lb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(label *lb, const char *fmt, ...)
{
	if (lb->n == 24)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (!(lb->lines[lb->n] = viz_strdup(buf)))
		lb->oom = true;
	else
		lb->n++;
}

/* Word-wrap s into lines of at most `width` cells (long words are cut). */
static void add_wrapped(label *lb, const char *s, int width, int max_lines)
{
	int taken = 0;
	while (*s && taken < max_lines) {
		while (*s == ' ')
			s++;
		const char *p = s, *cut = NULL;
		int w = 0;
		while (*p) {
			const char *q = p;
			int cw = viz_cp_width(viz_utf8_next(&q));
			if (w + cw > width)
				break;
			w += cw;
			p = q;
			if (*p == ' ')
				cut = p;
		}
		const char *end = !*p ? p : cut ? cut : p;
		if (end == s)
			break;
		bool more = *end && taken + 1 == max_lines;
		add(lb, "%.*s%s", (int)(end - s), s, more ? "..." : "");
		taken++;
		s = end;
	}
}

/* What is wrong with a gradient, if anything: each has its own mark, so
 * the drawing says it without colour. */
typedef enum grad_problem { GP_NONE, GP_NAN, GP_INF, GP_ZERO, GP_VANISH, GP_EXPLODE } grad_problem;

static const struct {
	const char *utf8, *ascii, *word;
	unsigned mark;
} problems[] = {
	[GP_NONE] = { "", "", "", 0 },
	[GP_NAN] = { "?", "?", "NaN", LAY_MARK_GNAN },
	[GP_INF] = { "\u221E", "I", "Inf", LAY_MARK_GINF },
	[GP_ZERO] = { "0", "0", "zero grad", LAY_MARK_GZERO },
	[GP_VANISH] = { "\u2193", "v", "vanishing", LAY_MARK_GVANISH },
	[GP_EXPLODE] = { "\u2191", "^", "exploding", LAY_MARK_GEXPLODE },
};

static grad_problem problem_of(const viz_grad_stats *g)
{
	if (!g->valid)
		return GP_NONE;
	if (g->nan_count)
		return GP_NAN;
	if (g->inf_count)
		return GP_INF;
	if (g->max_abs == 0)
		return GP_ZERO;
	if (g->max_abs < vanish_below)
		return GP_VANISH;
	if (g->max_abs > explode_above)
		return GP_EXPLODE;
	return GP_NONE;
}

static unsigned grad_style(const viz_grad_stats *g)
{
	if (!g->valid)
		return 0;
	unsigned s = (unsigned)viz_grad_bucket(g->mean_abs);
	switch (problem_of(g)) {
	case GP_NAN: case GP_INF: s |= VIZ_STYLE_NAN; break;
	case GP_ZERO: case GP_VANISH: s |= VIZ_STYLE_VANISH; break;
	case GP_EXPLODE: s |= VIZ_STYLE_EXPLODE; break;
	default: break;
	}
	return s;
}

unsigned lay_grad_style(const viz_grad_stats *g)
{
	return grad_style(g);
}

/* The gradient's size as a bar on a log scale (viz_grad_bucket): the
 * text that says what its colour says. */
void lay_grad_bar(const viz_grad_stats *g, bool ascii, char *buf, size_t n)
{
	int b = viz_grad_bucket(g->mean_abs);
	if (ascii)
		snprintf(buf, n, "g%d", b);
	else	/* U+2581 LOWER ONE EIGHTH BLOCK and up */
		snprintf(buf, n, "\xE2\x96%c", (char)(0x80 + b));
}

static void grad_lines(label *lb, const viz_grad_stats *g, viz_detail d, bool ascii)
{
	if (!g->valid || d == VIZ_DETAIL_COMPACT)
		return;
	char bar[8];
	lay_grad_bar(g, ascii, bar, sizeof bar);
	if (d == VIZ_DETAIL_FULL)
		add(lb, "|g| %s mean %.1e max %.1e", bar, g->mean_abs, g->max_abs);
	else if (!g->nan_count && !g->inf_count)
		add(lb, "|g| %s mean %.1e", bar, g->mean_abs);
	lb->marks |= LAY_MARK_GRAD;
	grad_problem p = problem_of(g);
	const char *m = ascii ? problems[p].ascii : problems[p].utf8;
	lb->marks |= problems[p].mark;
	switch (p) {
	case GP_NAN:
	case GP_INF:
		add(lb, "%s grad: %lld NaN, %lld Inf", m, (long long)g->nan_count,
		    (long long)g->inf_count);
		break;
	case GP_ZERO:
		add(lb, "%s grad is all zero", m);
		break;
	case GP_VANISH:
		add(lb, "%s grad vanishing (max %.1e)", m, g->max_abs);
		break;
	case GP_EXPLODE:
		add(lb, "%s grad exploding (max %.1e)", m, g->max_abs);
		break;
	default:
		break;
	}
}

static void shape_line(label *lb, const viz_node_info *in, bool with_var)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s%s%s%s%s",
		 with_var && in->var ? in->var : "",
		 with_var && in->var && (in->shape || in->dtype) ? ": " : "",
		 in->shape ? in->shape : "",
		 in->shape && in->dtype ? " " : "",
		 in->dtype ? in->dtype : "");
	if (*buf)
		add(lb, "%s", buf);
}

static void model_label(viz_layout *l, lay_node *n, const viz_node_info *in,
			label *lb)
{
	viz_detail d = l->opt.detail;
	bool ascii = l->opt.ascii, tensor = in->kind == VIZ_NODE_TENSOR;
	char marks[32] = "";
	if (in->flags & VIZ_FLAG_PAUSED)
		strcat(marks, ascii ? "> " : "\u25B6 ");
	if (in->flags & VIZ_FLAG_FAILING)
		strcat(marks, ascii ? "! " : "\u2717 ");
	if (in->flags & VIZ_FLAG_PARAM)
		strcat(marks, ascii ? "@ " : "\u25CF ");
	else if (in->flags & VIZ_FLAG_LEAF)
		strcat(marks, ascii ? "* " : "\u25C6 ");
	bool lost = in->grad.lost_zero || in->grad.lost_inf;
	if (lost) {	/* float16/bfloat16 rounding lost gradient values */
		strcat(marks, ascii ? "~ " : "\u2248 ");
		lb->marks |= in->grad.lost_inf ? problems[GP_INF].mark : problems[GP_VANISH].mark;
	}
	if (in->flags & VIZ_FLAG_CHECKPOINT) {
		strcat(marks, ascii ? "% " : "\u27F3 ");
		lb->marks |= LAY_MARK_CHECKPOINT;
	}

	if (in->kind == VIZ_NODE_HIDDEN) {
		/* what a too-big graph leaves out: says how many */
		add(lb, "%s %s", ascii ? "..." : "\u22EF", in->name ? in->name : "nodes not drawn");
		if (d != VIZ_DETAIL_COMPACT)
			add(lb, "raise max_nodes to draw them");
		return;
	}
	const char *name = tensor ? (in->var ? in->var : in->name) : in->name;
	if (!name || !*name)
		name = tensor ? "tensor" : viz_node_kind_name(in->kind);
	grad_problem gp = problem_of(&in->grad);
	char badge[48] = "";
	if (gp != GP_NONE) {
		snprintf(badge, sizeof badge, "%s %s", ascii ? problems[gp].ascii :
			 problems[gp].utf8, problems[gp].word);
		lb->marks |= problems[gp].mark;
	}
	char var[128] = "";
	if (d == VIZ_DETAIL_COMPACT && !tensor && in->var)
		snprintf(var, sizeof var, " (%s)", in->var);
	char bar[12] = "";
	if (d == VIZ_DETAIL_COMPACT && in->grad.valid && !*badge) {
		bar[0] = ' ';
		lay_grad_bar(&in->grad, ascii, bar + 1, sizeof bar - 1);
		lb->marks |= LAY_MARK_GRAD;
	}
	if (d == VIZ_DETAIL_COMPACT && *badge)
		add(lb, "%s%s%s [%s]", marks, name, var, badge);
	else
		add(lb, "%s%s%s%s", marks, name, var, bar);
	if (d == VIZ_DETAIL_COMPACT)
		return;
	shape_line(lb, in, !tensor);
	if (in->flags & VIZ_FLAG_CHECKPOINT)
		add(lb, "checkpoint: recomputed in backward");
	if (d == VIZ_DETAIL_FULL) {
		char buf[128] = "";
		if (in->flags & VIZ_FLAG_REQUIRES_GRAD)
			strcat(buf, "requires_grad");
		if (in->flags & VIZ_FLAG_RETAINS_GRAD)
			strcat(buf, *buf ? ", retains_grad" : "retains_grad");
		if (in->version >= 0)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
				 "%sversion %lld", *buf ? ", " : "", (long long)in->version);
		if (*buf)
			add(lb, "%s", buf);
	}
	grad_lines(lb, &in->grad, d, ascii);
	if (lost)
		add(lb, "%s rounding lost %lld to 0, %lld to inf", ascii ? "~" : "\u2248",
		    (long long)in->grad.lost_zero, (long long)in->grad.lost_inf);
	if (d == VIZ_DETAIL_FULL && in->saved) {
		/* what the node saved for its backward, one line each */
		const char *p = in->saved;
		while (*p) {
			size_t k = strcspn(p, "\n");
			add(lb, "%.*s", (int)k, p);
			p += k + (p[k] == '\n');
		}
		lb->marks |= LAY_MARK_SAVED;
	}
	if (d == VIZ_DETAIL_FULL && in->where) {
		/* the file's name is enough in a box ("at model.lua:12") */
		const char *slash = strrchr(in->where, '/');
		add(lb, "at %s", slash ? slash + 1 : in->where);
	}
	if (in->note)
		add_wrapped(lb, in->note, NOTE_WRAP, d == VIZ_DETAIL_FULL ? 8 : 3);
}

/* A collapsed module: its members' flags and gradients, summed up. */
static void group_label(viz_layout *l, lay_node *n, const viz_graph *g,
			label *lb, viz_node_info *sum)
{
	const lay_group *gr = &l->groups[n->group];
	viz_detail d = l->opt.detail;
	bool ascii = l->opt.ascii;
	memset(sum, 0, sizeof *sum);
	sum->kind = VIZ_NODE_MODULE;
	for (int i = 0; i < g->nnodes; i++) {
		if (l->vis_of[i] != (int)(n - l->nodes))
			continue;
		const viz_node_info *in = &g->nodes[i].info;
		sum->flags |= in->flags & (VIZ_FLAG_PAUSED | VIZ_FLAG_FAILING);
		if (in->grad.valid) {
			sum->grad.valid = true;
			sum->grad.nan_count += in->grad.nan_count;
			sum->grad.inf_count += in->grad.inf_count;
			if (in->grad.max_abs > sum->grad.max_abs)
				sum->grad.max_abs = in->grad.max_abs;
			if (in->grad.mean_abs > sum->grad.mean_abs)
				sum->grad.mean_abs = in->grad.mean_abs;
		}
		if (in->no_grad_region && !sum->no_grad_region)
			sum->no_grad_region = in->no_grad_region;
	}
	char marks[32] = "";
	if (sum->flags & VIZ_FLAG_PAUSED)
		strcat(marks, ascii ? "> " : "\u25B6 ");
	if (sum->flags & VIZ_FLAG_FAILING)
		strcat(marks, ascii ? "! " : "\u2717 ");
	grad_problem gp = problem_of(&sum->grad);
	if (d == VIZ_DETAIL_COMPACT && gp != GP_NONE) {
		add(lb, "%s%s [%s %s]", marks, gr->scope, ascii ? problems[gp].ascii :
		    problems[gp].utf8, problems[gp].word);
		lb->marks |= problems[gp].mark;
	} else {
		add(lb, "%s%s", marks, gr->scope);
	}
	if (d == VIZ_DETAIL_COMPACT)
		return;
	add(lb, "module, %d node%s hidden", gr->count, gr->count == 1 ? "" : "s");
	grad_lines(lb, &sum->grad, d, ascii);
}

int lay_label_node(viz_layout *l, lay_node *n, const viz_graph *g)
{
	label lb = { .n = 0 };
	viz_node_info sum;
	const viz_node_info *in;
	char title[256] = "";
	if (n->group >= 0) {
		group_label(l, n, g, &lb, &sum);
		in = &sum;
	} else {
		in = &g->nodes[n->model].info;
		model_label(l, n, in, &lb);
		if (in->scope) {
			snprintf(title, sizeof title, "%s", in->scope);
			l->marks |= LAY_MARK_SCOPE;
		}
	}
	if (in->no_grad_region)
		snprintf(title + strlen(title), sizeof title - strlen(title), "%s%s",
			 *title ? (l->opt.ascii ? ", " : " \u00B7 ") : "", "no_grad");
	if (lb.oom || (*title && !(n->title = viz_strdup(title)))) {
		for (int i = 0; i < lb.n; i++)
			free(lb.lines[i]);
		return ag_error(AG_ERR_NOMEM, "out of memory labelling the graph");
	}
	n->lines = malloc(sizeof(char *) * (size_t)(lb.n ? lb.n : 1));
	if (!n->lines) {
		for (int i = 0; i < lb.n; i++)
			free(lb.lines[i]);
		return ag_error(AG_ERR_NOMEM, "out of memory labelling the graph");
	}
	memcpy(n->lines, lb.lines, sizeof(char *) * (size_t)lb.n);
	l->marks |= lb.marks;
	n->nlines = lb.n;

	unsigned st = grad_style(&in->grad);
	if (in->flags & VIZ_FLAG_LEAF) { st |= VIZ_STYLE_LEAF; l->marks |= LAY_MARK_LEAF; }
	if (in->flags & VIZ_FLAG_PARAM) { st |= VIZ_STYLE_PARAM; l->marks |= LAY_MARK_PARAM; }
	if (in->flags & VIZ_FLAG_PAUSED) { st |= VIZ_STYLE_PAUSED; l->marks |= LAY_MARK_PAUSED; }
	if (in->flags & VIZ_FLAG_FAILING) { st |= VIZ_STYLE_FAILING; l->marks |= LAY_MARK_FAILING; }
	if (in->no_grad_region) { st |= VIZ_STYLE_NOGRAD; l->marks |= LAY_MARK_NOGRAD; }
	if (n->group >= 0) { st |= VIZ_STYLE_MODULE; l->marks |= LAY_MARK_MODULE; }
	n->style = st;
	if (in->kind == VIZ_NODE_HIDDEN) {
		st |= VIZ_STYLE_DIM;
		n->border = VIZ_BORDER_DASHED;
	} else if (in->flags & (VIZ_FLAG_PAUSED | VIZ_FLAG_FAILING))
		n->border = VIZ_BORDER_HEAVY;
	else if (n->group >= 0)
		n->border = VIZ_BORDER_DOUBLE;
	else if (in->no_grad_region)
		n->border = VIZ_BORDER_DASHED;
	else if (in->kind == VIZ_NODE_TENSOR)
		n->border = VIZ_BORDER_ROUND;
	else
		n->border = VIZ_BORDER_SQUARE;

	int w = 0;
	for (int i = 0; i < n->nlines; i++) {
		int t = viz_text_width(n->lines[i]);
		if (t > w)
			w = t;
	}
	w += 4;			/* border and one blank each side */
	if (n->title && viz_text_width(n->title) + 6 > w)
		w = viz_text_width(n->title) + 6;
	int h = n->nlines + 2;
	if (l->opt.direction == VIZ_DIR_TB) {
		n->cs = w;
		n->ms = h;
	} else {
		n->cs = h;
		n->ms = w;
	}
	return 0;
}

/* The text by an arrow head: the edge's label, and the gradient flowing
 * along it: log10 of its mean |g| after its bar (normal and full detail),
 * or the mark of what is wrong with it. */
void lay_edge_text(const viz_layout *l, const lay_edge *e, char *buf, size_t n)
{
	buf[0] = 0;
	if (e->label)
		snprintf(buf, n, "%s", e->label);
	if (!e->grad.valid)
		return;
	size_t len = strlen(buf);
	const char *sep = len ? " " : "";
	bool ascii = l->opt.ascii;
	grad_problem p = problem_of(&e->grad);
	const char *m = ascii ? problems[p].ascii : problems[p].utf8;
	if (p == GP_NAN || p == GP_INF || p == GP_ZERO) {
		snprintf(buf + len, n - len, "%s%s %s", sep, m, p == GP_ZERO ? "zero" :
			 problems[p].word);
		return;
	}
	char bar[8];
	lay_grad_bar(&e->grad, ascii, bar, sizeof bar);
	if (l->opt.detail == VIZ_DETAIL_COMPACT)
		snprintf(buf + len, n - len, "%s%s%s%s", sep, p ? m : "", p ? " " : "", bar);
	else if (l->opt.detail == VIZ_DETAIL_NORMAL)
		snprintf(buf + len, n - len, "%s%s%s%s %.1f", sep, p ? m : "", p ? " " : "",
			 bar, log10(e->grad.mean_abs));
	else
		snprintf(buf + len, n - len, "%s%s%s%s %.1f (%.1e)", sep, p ? m : "", p ? " " : "",
			 bar, log10(e->grad.mean_abs), e->grad.mean_abs);
}

unsigned lay_edge_marks(const viz_layout *l, const lay_edge *e)
{
	if (!e->grad.valid)
		return 0;
	grad_problem p = problem_of(&e->grad);
	unsigned m = LAY_MARK_GRAD | problems[p].mark;
	if (l->opt.detail != VIZ_DETAIL_COMPACT && p != GP_NAN && p != GP_INF && p != GP_ZERO)
		m |= LAY_MARK_GLOG;
	return m;
}

void lay_seg_text(const viz_layout *l, const lay_seg *s, char *buf, size_t n)
{
	if (s->shared) {
		buf[0] = 0;
		return;
	}
	lay_edge_text(l, &l->edges[s->edge], buf, n);
}
