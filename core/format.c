/*
 * format.c - PyTorch 1.13's tensor repr, character for character.
 *
 * Users compare what agdb prints with what their PyTorch tutorial prints,
 * so the rules are PyTorch's (torch/_tensor_str.py):
 *  - one formatter for the whole tensor, chosen from the values shown:
 *    integer mode ("1.") when every finite non-zero value is integral,
 *    scientific ("1.0000e+10") when max/min > 1000, max > 1e8 or (outside
 *    integer mode) min < 1e-4, fixed ("0.5000") otherwise; every element is
 *    right-aligned to the widest finite one (nan and inf do not count);
 *  - rows wrap at the line width, nested brackets indent under "tensor(",
 *    higher dims are separated by blank lines;
 *  - above `threshold` elements only `edgeitems` at each end of every dim
 *    are shown, with "..." between;
 *  - suffixes (size, dtype, the caller's grad_fn/requires_grad) go after the
 *    values, each moved to a new line when the line would pass the width.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------ growable string */

typedef struct sbuf {
	char *s;
	size_t len, cap;
	bool failed;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *ns;
		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_repeat(sbuf *b, char c, int n)
{
	for (int i = 0; i < n; i++)
		sb_putn(b, &c, 1);
}

/* ------------------------------------------------------------ formatter */

typedef struct fmt {
	const ag_tensor *t;
	const ag_print_options *o;
	const char *data;	/* element [0, ..., 0] */
	size_t elsize;
	bool summarize;
	bool floating;
	/* chosen from the shown values */
	bool any_finite;	/* a finite non-zero value was seen */
	bool int_mode, sci_mode;
	double min_abs, max_abs;
	int max_width;
} fmt;

typedef void (*visit_fn)(fmt *f, const char *p);

static bool dim_is_cut(const fmt *f, int64_t n)
{
	return f->summarize && n > 2 * (int64_t)f->o->edgeitems;
}

/* The shown indices of a dim of size n: all of them, or `edgeitems` at
 * each end when the dim is cut. */
static int64_t first_shown(const fmt *f, int64_t n)
{
	return dim_is_cut(f, n) && f->o->edgeitems == 0 ? n : 0;
}

static int64_t next_shown(const fmt *f, int64_t i, int64_t n)
{
	i++;
	if (dim_is_cut(f, n) && i == f->o->edgeitems)
		i = n - f->o->edgeitems;
	return i;
}

/* Calls fn on every shown element, in order. */
static void walk(fmt *f, int dim, const char *p, visit_fn fn)
{
	const ag_tensor *t = f->t;

	if (dim == t->ndim) {
		fn(f, p);
		return;
	}
	for (int64_t i = first_shown(f, t->shape[dim]); i < t->shape[dim];
	     i = next_shown(f, i, t->shape[dim]))
		walk(f, dim + 1, p + i * t->stride[dim] * (int64_t)f->elsize, fn);
}

static double load(const fmt *f, const char *p)
{
	return ag_load(p, f->t->dtype);
}

/* Python's '{:.Nf}' / '{:.Ne}' of a float; nan has no sign there. */
static int format_float(char *buf, size_t n, double v, char conv, int prec)
{
	if (isnan(v))
		return snprintf(buf, n, "nan");
	if (conv == 'e')
		return snprintf(buf, n, "%.*e", prec, v);
	return snprintf(buf, n, "%.*f", prec, v);
}

static void see_range(fmt *f, const char *p)
{
	double v = load(f, p), a = fabs(v);

	if (!isfinite(v) || v == 0)
		return;
	if (!f->any_finite || a < f->min_abs)
		f->min_abs = a;
	if (!f->any_finite || a > f->max_abs)
		f->max_abs = a;
	f->any_finite = true;
	if (v != ceil(v))
		f->int_mode = false;
}

static void see_width(fmt *f, const char *p)
{
	char buf[512];
	double v;
	int w;

	if (!f->floating) {
		if (f->t->dtype == AG_BOOL)
			w = *(const uint8_t *)p ? 4 : 5;
		else
			w = snprintf(buf, sizeof buf, "%lld",
				     (long long)ag_load_i64(p, f->t->dtype));
	} else {
		v = load(f, p);
		if (!isfinite(v) || v == 0)
			return;
		if (f->sci_mode)
			w = format_float(buf, sizeof buf, v, 'e', f->o->precision);
		else if (f->int_mode)
			w = format_float(buf, sizeof buf, v, 'f', 0) + 1;
		else
			w = format_float(buf, sizeof buf, v, 'f', f->o->precision);
	}
	if (w > f->max_width)
		f->max_width = w;
}

static void choose_format(fmt *f)
{
	f->floating = ag_dtype_is_floating(f->t->dtype);
	f->int_mode = true;
	f->sci_mode = false;
	f->max_width = 1;
	if (f->floating) {
		walk(f, 0, f->data, see_range);
		if (!f->any_finite)
			return;	/* nothing but 0, nan, inf: integer mode, width 1 */
		if (f->max_abs / f->min_abs > 1000.0 || f->max_abs > 1e8 ||
		    (!f->int_mode && f->min_abs < 1e-4))
			f->sci_mode = true;
	}
	walk(f, 0, f->data, see_width);
}

/* One element, right-aligned to the common width. */
static void put_value(fmt *f, sbuf *b, const char *p)
{
	char buf[512];
	int n;

	if (!f->floating) {
		if (f->t->dtype == AG_BOOL)
			n = snprintf(buf, sizeof buf, "%s",
				     *(const uint8_t *)p ? "True" : "False");
		else
			n = snprintf(buf, sizeof buf, "%lld",
				     (long long)ag_load_i64(p, f->t->dtype));
	} else {
		double v = load(f, p);
		if (f->sci_mode) {
			n = format_float(buf, sizeof buf, v, 'e', f->o->precision);
		} else if (f->int_mode) {
			n = format_float(buf, sizeof buf, v, 'f', 0);
			if (isfinite(v) && n + 1 < (int)sizeof buf) {
				buf[n++] = '.';
				buf[n] = '\0';
			}
		} else {
			n = format_float(buf, sizeof buf, v, 'f', f->o->precision);
		}
	}
	sb_repeat(b, ' ', f->max_width - n);
	sb_puts(b, buf);
}

/* ------------------------------------------------------------- layout */

/* After entry number k (1-based) of a row of `total`: ", ", or a line
 * break when the line holds per_line entries. */
static void vector_sep(sbuf *b, int64_t k, int64_t total, int64_t per_line,
		       int indent)
{
	if (k >= total)
		return;
	if (k % per_line == 0) {
		sb_puts(b, ",\n");
		sb_repeat(b, ' ', indent + 1);
	} else {
		sb_puts(b, ", ");
	}
}

static void put_vector(fmt *f, sbuf *b, const char *p, int indent)
{
	const ag_tensor *t = f->t;
	int dim = t->ndim - 1;
	int64_t n = t->shape[dim], step = t->stride[dim] * (int64_t)f->elsize;
	int64_t per_line = (int64_t)floor((double)(f->o->linewidth - indent) /
					  (double)(f->max_width + 2));
	bool cut = dim_is_cut(f, n);
	int64_t total = cut ? 2 * (int64_t)f->o->edgeitems + 1 : n;
	int64_t k = 0;	/* entries written, the " ..." one included */

	if (per_line < 1)
		per_line = 1;
	if (cut && f->o->edgeitems == 0) {
		sb_puts(b, "[...]");
		return;
	}
	sb_puts(b, "[");
	for (int64_t i = 0; i < n; i = next_shown(f, i, n)) {
		if (cut && i == n - f->o->edgeitems) {
			sb_puts(b, " ...");
			vector_sep(b, ++k, total, per_line, indent);
		}
		put_value(f, b, p + i * step);
		vector_sep(b, ++k, total, per_line, indent);
	}
	sb_puts(b, "]");
}

static void put_tensor(fmt *f, sbuf *b, int dim, const char *p, int indent)
{
	const ag_tensor *t = f->t;
	int rest = t->ndim - dim;	/* dims of the sub-tensor at p */
	int64_t n, step;
	bool first = true;

	if (rest == 0) {
		put_value(f, b, p);
		return;
	}
	if (rest == 1) {
		put_vector(f, b, p, indent);
		return;
	}
	n = t->shape[dim];
	step = t->stride[dim] * (int64_t)f->elsize;
	if (dim_is_cut(f, n) && f->o->edgeitems == 0) {
		sb_puts(b, "[...]");
		return;
	}
	sb_puts(b, "[");
	for (int64_t i = 0; i < n; i = next_shown(f, i, n)) {
		bool dots = dim_is_cut(f, n) && i == n - f->o->edgeitems;
		for (int pass = dots ? 0 : 1; pass < 2; pass++) {
			if (!first) {
				sb_puts(b, ",");
				sb_repeat(b, '\n', rest - 1);
				sb_repeat(b, ' ', indent + 1);
			}
			first = false;
			if (pass == 0)
				sb_puts(b, "...");
			else
				put_tensor(f, b, dim + 1, p + i * step, indent + 1);
		}
	}
	sb_puts(b, "]");
}

/* ------------------------------------------------------------ suffixes */

/* PyTorch's _add_suffixes: `line` starts as the length of the last line
 * plus 2 (its own off-by-two, kept so wrapping happens where it does). */
static void add_suffix(sbuf *b, const char *s, size_t n, size_t *line,
		       const ag_print_options *o, int indent)
{
	if (*line + n + 2 > (size_t)o->linewidth) {
		sb_puts(b, ",\n");
		sb_repeat(b, ' ', indent);
		*line = (size_t)indent + n;
	} else {
		sb_puts(b, ", ");
		*line += n + 2;
	}
	sb_putn(b, s, n);
}

static size_t last_line_len(const sbuf *b)
{
	const char *nl = b->s ? strrchr(b->s, '\n') : NULL;
	return nl ? (size_t)(b->s + b->len - nl) + 1 : b->len + 2;
}

void ag_print_options_default(ag_print_options *o)
{
	o->precision = 4;
	o->threshold = 1000;
	o->edgeitems = 3;
	o->linewidth = 80;
}

char *ag_format(const ag_tensor *t, const ag_print_options *o,
		const char *suffix)
{
	static const char prefix[] = "tensor(";
	const int indent = (int)sizeof prefix - 1;
	ag_print_options defaults;
	sbuf b = { 0 };
	char item[256];
	size_t line;
	int64_t numel;

	if (!t) {
		ag_error(AG_ERR_VALUE, "format: no tensor");
		return NULL;
	}
	if (!o) {
		ag_print_options_default(&defaults);
		o = &defaults;
	}
	if (o->precision < 0 || o->precision > 100 || o->linewidth < 1 ||
	    o->edgeitems < 0) {
		ag_error(AG_ERR_VALUE, "invalid print options");
		return NULL;
	}
	numel = ag_numel(t);
	sb_puts(&b, prefix);
	if (numel == 0) {
		sb_puts(&b, "[]");
	} else {
		fmt f = {
			.t = t, .o = o, .data = ag_data_ptr(t),
			.elsize = ag_dtype_size(t->dtype),
			.summarize = numel > o->threshold,
		};
		choose_format(&f);
		put_tensor(&f, &b, 0, f.data, indent);
	}

	line = last_line_len(&b);
	if (numel == 0 ? t->ndim != 1 : o->edgeitems == 0) {
		size_t n = (size_t)snprintf(item, sizeof item, "size=(");
		for (int i = 0; i < t->ndim && n < sizeof item; i++)
			n += (size_t)snprintf(item + n, sizeof item - n, "%s%lld",
					      i ? ", " : "", (long long)t->shape[i]);
		if (n < sizeof item)
			snprintf(item + n, sizeof item - n, ")");
		add_suffix(&b, item, strlen(item), &line, o, indent);
	}
	if (numel == 0 ? t->dtype != AG_DEFAULT_DTYPE :
	    !(t->dtype == AG_DEFAULT_DTYPE || t->dtype == AG_INT64 ||
	      t->dtype == AG_BOOL)) {
		snprintf(item, sizeof item, "dtype=torch.%s", ag_dtype_name(t->dtype));
		add_suffix(&b, item, strlen(item), &line, o, indent);
	}
	/* the caller's suffix: ", "-separated items, each placed like ours */
	if (suffix) {
		const char *s = suffix;
		if (strncmp(s, ", ", 2) == 0)
			s += 2;
		while (*s) {
			/* forward AD's tangent=tensor(...) is one item */
			const char *end = strncmp(s, "tangent=", 8) == 0 ? NULL
					  : strstr(s, ", ");
			size_t n = end ? (size_t)(end - s) : strlen(s);
			add_suffix(&b, s, n, &line, o, indent);
			s += n;
			if (end)
				s += 2;
		}
	}
	sb_puts(&b, ")");
	if (b.failed) {
		free(b.s);
		ag_error(AG_ERR_NOMEM, "out of memory while formatting a tensor");
		return NULL;
	}
	return b.s;
}
