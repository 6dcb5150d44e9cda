/*
 * tui_inspect.c - the inspector: everything about the selected node.
 *
 * Its variable names, op and grad_fn, shape, dtype, strides, storage
 * offset, storage id and size, version, requires_grad, is_leaf,
 * retains_grad, the gradient's statistics, where it was created, its
 * next_functions, and its value in PyTorch's print format (summarised).
 * The live tensor is found by id in core's registry; an intermediate that
 * is gone shows what the graph remembers of it.
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <lauxlib.h>

#include "ag.h"
#include "autograd.h"
#include "debugger.h"
#include "ltorch.h"
#include "repl.h"
#include "tuiint.h"

typedef struct iline {
	char *text;
	unsigned char kind;	/* 0 text, 1 heading, 2 dim, 3 warning */
} iline;

static iline *lines;
static int nlines, cap, top;
static char *name;		/* for y */
static int last_h = 10;

static int last_w = 40;

/* The first of a comma-separated list of names, or fallback (malloc'd). */
static char *first_of(const char *names, const char *fallback)
{
	if (names[0])
		return strndup(names, strcspn(names, ","));
	return strdup(fallback ? fallback : "");
}

static void clear_lines(void)
{
	for (int i = 0; i < nlines; i++)
		free(lines[i].text);
	nlines = 0;
	top = 0;
	free(name);
	name = NULL;
}

static void add(int kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A copy of s with each tab as two spaces (a Lua traceback indents with
 * tabs, which a pane cannot draw). */
static char *detab(const char *s)
{
	size_t n = 0, tabs = 0;
	for (const char *p = s; *p; p++, n++)
		tabs += *p == '\t';
	char *d = malloc(n + tabs + 1), *q = d;
	if (!d)
		return NULL;
	for (const char *p = s; *p; p++) {
		if (*p == '\t')
			*q++ = ' ';
		*q++ = *p == '\t' ? ' ' : *p;
	}
	*q = 0;
	return d;
}

static void add(int kind, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* one entry per line */
	char *p = buf;
	for (;;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (!tui_grow(&lines, &cap, nlines + 1, sizeof *lines))
			return;
		lines[nlines].text = detab(p);
		lines[nlines].kind = (unsigned char)kind;
		if (lines[nlines].text)
			nlines++;
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* ------------------------------------------------------------ lookups */

static ag_tensor *live_tensor(uint64_t id)
{
	for (ag_tensor *t = ag_registry_first(); t; t = ag_registry_next(t))
		if (t->id == id)
			return t;
	return NULL;
}

/* The live tensor whose grad_fn is node `id` (output 0 preferred). */
static ag_tensor *output_of(uint64_t id)
{
	ag_tensor *any = NULL;
	for (ag_tensor *t = ag_registry_first(); t; t = ag_registry_next(t))
		if (t->grad_fn && ag_node_id(t->grad_fn) == id) {
			if (t->output_nr == 0)
				return t;
			any = any ? any : t;
		}
	return any;
}

/* The names of global variables bound to tensor id, comma separated. */
static void global_names(lua_State *L, uint64_t id, char *buf, size_t n)
{
	buf[0] = 0;
	if (!L)
		return;
	size_t used = 0;
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) == LUA_TSTRING) {
			ag_tensor *t = repl_to_tensor(L, -1);
			if (t && t->id == id) {
				int k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
						 lua_tostring(L, -2));
				if (k > 0 && (size_t)k < n - used)
					used += (size_t)k;
			}
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* The newest trace event that made tensor id, or that recorded node id. */
static const ag_trace_event *made_by(uint64_t tensor_id, uint64_t node_id)
{
	for (size_t i = ag_trace_count(); i-- > 0;) {
		const ag_trace_event *ev = ag_trace_get(i);
		if (ev->failed)
			continue;
		if (node_id && ev->node_id == node_id)
			return ev;
		if (tensor_id)
			for (int j = 0; j < ev->n_out; j++)
				if (ev->out[j] == tensor_id)
					return ev;
	}
	return NULL;
}

static void stride_text(const ag_tensor *t, char *buf, size_t n)
{
	size_t used = 0;
	used += (size_t)snprintf(buf, n, "(");
	for (int d = 0; d < t->ndim && used < n; d++)
		used += (size_t)snprintf(buf + used, n - used, "%s%" PRId64, d ? ", " : "",
					 t->stride[d]);
	if (used < n)
		snprintf(buf + used, n - used, t->ndim == 1 ? ",)" : ")");
}

static void grad_line(const char *what, const viz_grad_stats *g)
{
	if (!g->valid)
		return;
	if (g->nan_count || g->inf_count)
		add(3, "%-8s %lld NaN, %lld Inf; finite mean|g| %.3g max|g| %.3g", what,
		    (long long)g->nan_count, (long long)g->inf_count, g->mean_abs, g->max_abs);
	else
		add(0, "%-8s mean|g| %.4g  max|g| %.4g", what, g->mean_abs, g->max_abs);
}

/* The spacing between representable values of float16/bfloat16 at a
 * magnitude (agdb.ulp's rule): why 1 + 1e-4 is 1 in float16. */
static double spacing(double a, ag_dtype dt)
{
	int mbits = dt == AG_FLOAT16 ? 10 : 7, emin = dt == AG_FLOAT16 ? -14 : -126;
	if (a < ldexp(1.0, emin))
		return ldexp(1.0, emin - mbits);
	int e;
	frexp(a, &e);	/* a = m 2^e, 0.5 <= m < 1 */
	return ldexp(1.0, e - 1 - mbits);
}

static void ulp_line(ag_tensor *t)
{
	if (t->dtype != AG_FLOAT16 && t->dtype != AG_BFLOAT16)
		return;
	ag_grad_stats st;
	ag_grad_stats_compute(t, &st);
	add(0, "ulp      %.3g at 1", spacing(1.0, t->dtype));
	if (st.numel > 0 && st.max_abs > 0 && isfinite(st.max_abs))
		add(0, "         %.3g at max|x| %.4g", spacing(st.max_abs, t->dtype),
		    st.max_abs);
	add(0, "         %.3g smallest step", spacing(0.0, t->dtype));
}

static void tensor_details(ag_tensor *t, int width, bool shape)
{
	char buf[256];
	ag_shape_str(t->shape, t->ndim, buf, sizeof buf);
	if (shape)
		add(0, "shape    %s  %s", buf, ag_dtype_name(t->dtype));
	stride_text(t, buf, sizeof buf);
	add(0, "strides  %s  offset %" PRId64 "%s", buf, t->offset,
	    ag_is_contiguous(t) ? "" : "  (not contiguous)");
	size_t es = ag_dtype_size(t->dtype);
	add(0, "storage  #%" PRIu64 ", %zu bytes (%zu elements)%s", t->storage->id,
	    t->storage->nbytes, es ? t->storage->nbytes / es : 0, t->base ? ", a view" : "");
	add(0, "version  %" PRId64, t->version ? t->version->value : 0);
	add(0, "requires_grad %s  is_leaf %s", ag_requires_grad(t) ? "true" : "false",
	    ag_is_leaf(t) ? "true" : "false");
	add(0, "retains_grad %s", t->retains_grad ? "true" : "false");
	ulp_line(t);
	if (t->grad) {
		ag_grad_stats st;
		ag_grad_stats_compute(t->grad, &st);
		viz_grad_stats g = { .valid = st.numel > 0, .mean_abs = st.mean_abs,
				     .max_abs = st.max_abs, .nan_count = st.n_nan,
				     .inf_count = st.n_inf };
		grad_line(".grad", &g);
	} else if (ag_is_leaf(t) && ag_requires_grad(t)) {
		add(2, ".grad    None (backward() fills it)");
	}
	/* the value, as print() shows it, summarised */
	ag_print_options o;
	ag_print_options_default(&o);
	o.threshold = 64;
	o.edgeitems = 2;
	o.linewidth = width > 24 ? width - 2 : 22;
	char suffix[96] = "";
	ag_node *fn = t->grad_fn ? ag_grad_fn(t) : NULL;
	if (fn)
		snprintf(suffix, sizeof suffix, ", grad_fn=<%s>", ag_node_name(fn));
	else if (t->requires_grad)
		snprintf(suffix, sizeof suffix, ", requires_grad=True");
	char *s = ag_format(t, &o, suffix);
	if (s) {
		add(1, "value");
		add(0, "%s", s);
		free(s);
	} else {
		ag_error_clear();
	}
}

/* next_functions: the graph's autograd edges into the node, in order. */
static void next_functions(const viz_graph *g, int node)
{
	int m = viz_graph_edge_count(g), shown = 0;
	for (int e = 0; e < m; e++) {
		int from, to;
		const viz_edge_info *ei = viz_graph_edge(g, e, &from, &to);
		if (to != node || ei->kind != VIZ_EDGE_AUTOGRAD)
			continue;
		if (!shown++)
			add(1, "next_functions");
		const viz_node_info *src = viz_graph_node(g, from);
		if (src->kind == VIZ_NODE_TENSOR)
			add(0, "  AccumulateGrad (%s)", src->name ? src->name : "a leaf");
		else if (src->kind == VIZ_NODE_HIDDEN)
			add(2, "  (in the part not drawn)");
		else
			add(0, "  %s%s%s%s", src->name ? src->name : "?", src->var ? " (" : "",
			    src->var ? src->var : "", src->var ? ")" : "");
	}
	if (!shown)
		add(2, "next_functions: none (nothing feeds a gradient back from here)");
}

static void note_line(int kind, const char *line, void *ud)
{
	(void)ud;
	add(kind, "%s", line);
}

/* ------------------------------------------------------------ update */

void tui_inspect_update(lua_State *L)
{
	clear_lines();
	const viz_graph *g = tui_graph_model();
	int sel = tui_graph_selected();
	if (!g || sel < 0) {
		add(2, "No node selected.");
		add(2, "In the graph pane (Tab on an empty input line goes there), n and "
		    "p walk the nodes, Enter or a click selects one, / finds one by name.");
		return;
	}
	const viz_node_info *in = viz_graph_node(g, sel);
	int width = last_w;
	char names[256] = "";
	if (in->kind == VIZ_NODE_HIDDEN) {
		add(1, "%s", in->name ? in->name : "nodes not drawn");
		add(0, "The graph is bigger than max_nodes: these nodes are left out. "
		    ":graph EXPR draws a part of it; from Lua, agdb.graph(x, {max_nodes = N}) "
		    "draws more.");
		name = strdup("");
		return;
	}
	if (in->kind == VIZ_NODE_TENSOR) {
		ag_tensor *t = live_tensor(in->ref);
		global_names(L, in->ref, names, sizeof names);
		const char *title = names[0] ? names : in->name ? in->name : "a tensor";
		name = first_of(names, in->name);
		add(1, "%s", title);
		if (in->flags & VIZ_FLAG_CONSTANT) {
			add(0, "a number operand: %s", in->name ? in->name : "");
			return;
		}
		add(0, "kind     %s%s", in->flags & VIZ_FLAG_PARAM ? "parameter" :
		    in->flags & VIZ_FLAG_LEAF ? "leaf tensor" : "tensor",
		    in->scope ? "" : "");
		if (in->scope)
			add(0, "module   %s", in->scope);
		if (t) {
			const ag_trace_event *ev = made_by(t->id, 0);
			const char *how = NULL, *at = ev ? NULL : ag_trace_created_where(t->id, &how);
			if (ev)
				add(0, "created  %s%s%s", ag_trace_event_op_name(ev), ev->where[0] ? " at " : "", ev->where);
			else if (at)
				add(0, "created  %s%s%s", how, at[0] ? " at " : "", at);
			/* its AccumulateGrad, when backward is paused or failed there */
			ag_node *acc = ag_tensor_grad_accumulator(t);
			if (acc) {
				dbg_node_notes(ag_node_id(acc), note_line, NULL);
				dbg_failure_notes(ag_node_id(acc), note_line, NULL);
			}
			tensor_details(t, width, true);
		} else {
			if (in->shape)
				add(0, "shape    %s  %s", in->shape, in->dtype ? in->dtype : "");
			add(2, "(gone: the tensor was freed; this is what the graph kept)");
			grad_line("grad", &in->grad);
		}
		return;
	}
	if (in->kind == VIZ_NODE_OP) {
		add(1, "%s", in->name ? in->name : "op");
		name = strdup(in->name ? in->name : "");
		add(0, "kind     op (forward view)");
		if (in->note)
			add(0, "%s", in->note);
		if (in->where)
			add(0, "created  at %s", in->where);
		if (in->scope)
			add(0, "module   %s", in->scope);
		if (in->no_grad_region)
			add(0, "ran under no_grad (region %d): not recorded", in->no_grad_region);
		if (in->flags & VIZ_FLAG_FAILING)
			add(3, "this op raised the error");
		return;
	}
	/* an autograd node */
	ag_tensor *t = output_of(in->ref);
	if (t)
		global_names(L, t->id, names, sizeof names);
	add(1, "%s%s%s%s", in->name ? in->name : "node", names[0] || in->var ? " (" : "",
	    names[0] ? names : in->var ? in->var : "", names[0] || in->var ? ")" : "");
	name = first_of(names, in->var ? in->var : in->name);
	add(0, "grad_fn  %s", in->name ? in->name : "?");
	if (t) {
		char shape[96];
		ag_shape_str(t->shape, t->ndim, shape, sizeof shape);
		add(0, "shape    %s  %s", shape, ag_dtype_name(t->dtype));
	} else if (in->shape) {
		add(0, "shape    %s  %s", in->shape, in->dtype ? in->dtype : "");
	}
	const ag_trace_event *ev = made_by(0, in->ref);
	if (ev)
		add(0, "op       %s%s%s", ag_trace_event_op_name(ev), ev->where[0] ? " at " : "", ev->where);
	if (in->scope)
		add(0, "module   %s", in->scope);
	/* paused by the debugger: its notes below say more */
	if ((in->flags & VIZ_FLAG_PAUSED) && dbg_paused_node() != in->ref)
		add(3, "backward is paused here");
	grad_line("grad in", &in->grad);
	/* what the debugger knows more: paused here, failed here */
	dbg_node_notes(in->ref, note_line, NULL);
	dbg_failure_notes(in->ref, note_line, NULL);
	next_functions(g, sel);
	if (t) {
		add(1, "output");
		tensor_details(t, width, false);
	} else {
		add(2, "(its output is not kept: an intermediate result)");
	}
}

const char *tui_inspect_name(void)
{
	return name && *name ? name : NULL;
}

/* ------------------------------------------------------------ the pane */

/* Lines wrap at the pane's width; a wrapped line goes on indented. */
typedef struct vrow {
	int line;
	const char *start;
	bool cont;
} vrow;

static vrow *vrows;
static int nvrows, capvrows;

static void wrap_rows(int w)
{
	nvrows = 0;
	for (int i = 0; i < nlines; i++) {
		const char *p = lines[i].text;
		bool cont = false;
		int room = w;
		do {
			if (!tui_grow(&vrows, &capvrows, nvrows + 1, sizeof *vrows))
				return;
			vrows[nvrows++] = (vrow){ i, p, cont };
			/* the bytes that fit in the row */
			room = cont ? w - 2 : w;
			int used = 0;
			mbstate_t st;
			memset(&st, 0, sizeof st);
			const char *q = p, *space = NULL;
			while (*q) {
				wchar_t wc;
				size_t k = mbrtowc(&wc, q, strlen(q), &st);
				int cw = 1;
				if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
					memset(&st, 0, sizeof st);
					k = 1;
				} else {
					cw = wcwidth(wc) >= 0 ? wcwidth(wc) : 1;
				}
				if (used + cw > room)
					break;
				used += cw;
				q += k;
				if (*q == ' ' && used > room / 3)
					space = q + 1;
			}
			if (*q && space)
				q = space;	/* break between words */
			if (q == p && *q)
				q++;	/* never stuck */
			p = q;
			cont = true;
		} while (*p && room > 2);
	}
}

static void draw(const tui_rect *r, bool focused)
{
	if (r->h <= 0)
		return;
	last_h = r->h - 1;
	last_w = r->w - 1;
	wrap_rows(r->w - 1 > 4 ? r->w - 1 : 4);
	if (top > nvrows - last_h)
		top = nvrows - last_h;
	if (top < 0)
		top = 0;
	char info[64] = "";
	if (nvrows > last_h)
		snprintf(info, sizeof info, "%d-%d of %d rows", top + 1,
			 top + last_h < nvrows ? top + last_h : nvrows, nvrows);
	tui_title(r, "inspector", info, focused);
	for (int i = 0; i < last_h; i++) {
		int y = r->y + 1 + i;
		tui_fill(y, r->x, r->w, A_NORMAL);
		int k = top + i;
		if (k >= nvrows)
			continue;
		const vrow *v = &vrows[k];
		attr_t a = A_NORMAL;
		switch (lines[v->line].kind) {
		case 1: a = A_BOLD; break;
		case 2: a = viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_GREY) : A_DIM; break;
		case 3: a = A_BOLD | viz_curses_pair(VIZ_PAIR_RED); break;
		}
		int x = r->x + 1 + (v->cont ? 2 : 0);
		int end = k + 1 < nvrows && vrows[k + 1].line == v->line ? (int)(vrows[k + 1].start - v->start) : -1;
		if (end >= 0) {
			char *part = strndup(v->start, (size_t)end);
			if (part) {
				tui_put(y, x, r->x + r->w - x, part, a);
				free(part);
			}
		} else {
			tui_put(y, x, r->x + r->w - x, v->start, a);
		}
	}
}

static void act(tui_action a, const tui_rect *r)
{
	int page = r->h > 3 ? r->h - 2 : 1;
	switch (a) {
	case TUI_ACT_SCROLL_UP: top--; break;
	case TUI_ACT_SCROLL_DOWN: top++; break;
	case TUI_ACT_PAGE_UP: top -= page; break;
	case TUI_ACT_PAGE_DOWN: top += page; break;
	case TUI_ACT_TOP: top = 0; break;
	case TUI_ACT_BOTTOM: top = nvrows; break;
	default: break;
	}
	int most = nvrows - (r->h - 1);
	if (top > most)
		top = most;
	if (top < 0)
		top = 0;
}

const tui_pane_class tui_inspect_pane = { draw, act, NULL };
