/*
 * canvas.c - the character grid the text and curses front ends show.
 */
#include "canvas.h"
#include "vizint.h"
#include "ag.h"

#include <math.h>
#include <string.h>

struct viz_canvas {
	int w, h;
	int ox, oy;		/* drawing coordinates of cell 0, 0 */
	viz_cell *cells;
};

int viz_grad_bucket(double mean_abs)
{
	if (!(mean_abs >= 0) || isinf(mean_abs))
		return 7;
	static const double edges[] = { 1e-6, 1e-4, 1e-2, 1, 1e2, 1e4 };
	for (int i = 0; i < 6; i++)
		if (mean_abs < edges[i])
			return i + 1;
	return 7;
}

viz_canvas *viz_canvas_new(int width, int height)
{
	if (width < 0 || height < 0 ||
	    (width > 0 && (int64_t)width * height > ((int64_t)1 << 31) / (int64_t)sizeof(viz_cell)))
		return ag_error(AG_ERR_NOMEM, "a %d x %d drawing is too large", width, height),
		       NULL;
	viz_canvas *c = calloc(1, sizeof *c);
	size_t n = (size_t)width * (size_t)height;
	if (c)	/* zeroed memory is a blank canvas, and cheap when mostly blank */
		c->cells = calloc(n ? n : 1, sizeof *c->cells);
	if (!c || !c->cells) {
		free(c);
		ag_error(AG_ERR_NOMEM, "out of memory for a %d x %d drawing", width, height);
		return NULL;
	}
	c->w = width;
	c->h = height;
	return c;
}

void viz_canvas_free(viz_canvas *c)
{
	if (!c)
		return;
	free(c->cells);
	free(c);
}

int viz_canvas_width(const viz_canvas *c) { return c->w; }
int viz_canvas_height(const viz_canvas *c) { return c->h; }

void viz_canvas_clear(viz_canvas *c)
{
	memset(c->cells, 0, (size_t)c->w * (size_t)c->h * sizeof *c->cells);
}

void viz_canvas_set_origin(viz_canvas *c, int x, int y)
{
	c->ox = x;
	c->oy = y;
	viz_canvas_clear(c);
}

void viz_canvas_origin(const viz_canvas *c, int *x, int *y)
{
	*x = c->ox;
	*y = c->oy;
}

static viz_cell *at(const viz_canvas *c, int x, int y)
{
	x -= c->ox;
	y -= c->oy;
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

const viz_cell *viz_canvas_cell(const viz_canvas *c, int x, int y)
{
	return at(c, x, y);
}

/* Indexed by direction bits U=1 D=2 L=4 R=8. */
static const uint32_t light[16] = {
	' ', 0x2502, 0x2502, 0x2502, 0x2500, 0x256F, 0x256E, 0x2524,
	0x2500, 0x2570, 0x256D, 0x251C, 0x2500, 0x2534, 0x252C, 0x253C
};
static const uint32_t heavy[16] = {
	' ', 0x2503, 0x2503, 0x2503, 0x2501, 0x251B, 0x2513, 0x252B,
	0x2501, 0x2517, 0x250F, 0x2523, 0x2501, 0x253B, 0x2533, 0x254B
};

static uint32_t line_glyph(unsigned bits, unsigned stroke)
{
	bool vert = bits && !(bits & (VIZ_LEFT | VIZ_RIGHT));
	bool horiz = bits && !(bits & (VIZ_UP | VIZ_DOWN));
	switch (stroke) {
	case VIZ_STROKE_DOTTED:
		if (vert) return 0x2506;	/* ┆ */
		if (horiz) return 0x2504;	/* ┄ */
		break;
	case VIZ_STROKE_DASHED:
		if (vert) return 0x254E;	/* ╎ */
		if (horiz) return 0x254C;	/* ╌ */
		break;
	case VIZ_STROKE_HEAVY:
		return heavy[bits & 15];
	}
	return light[bits & 15];
}

/* Every character the drawing uses, in ASCII. */
static uint32_t to_ascii(uint32_t cp)
{
	if (cp < 0x80)
		return cp;
	switch (cp) {
	case 0x2500: return '-';
	case 0x2502: case 0x2551: return '|';
	case 0x2501: case 0x2550: return '=';
	case 0x2503: return '#';
	case 0x2504: case 0x2505: return '.';
	case 0x2506: case 0x2507: return ':';
	case 0x254C: case 0x254D: return '~';
	case 0x254E: case 0x254F: return '!';
	case 0x25BC: return 'v';
	case 0x25B2: return '^';
	case 0x25B6: return '>';
	case 0x25C0: return '<';
	case 0x2702: return 'X';
	case 0x2192: return '>';
	case 0x00B7: return '.';
	}
	if (cp >= 0x250F && cp <= 0x254B) {
		/* heavy corners and junctions of a paused or failing box */
		static const uint32_t hv[] = { 0x250F, 0x2513, 0x2517, 0x251B,
			0x2523, 0x252B, 0x2533, 0x253B, 0x254B };
		for (size_t i = 0; i < sizeof hv / sizeof *hv; i++)
			if (cp == hv[i])
				return '#';
	}
	if (cp >= 0x2500 && cp <= 0x257F)
		return '+';
	return '?';
}

/* Lines in ASCII: corners as . and ' so turns read as turns. */
static uint32_t ascii_line(unsigned bits, unsigned stroke)
{
	static const char tbl[17] = " |||-'.+-'.+-+++";
	bool vert = bits && !(bits & (VIZ_LEFT | VIZ_RIGHT));
	bool horiz = bits && !(bits & (VIZ_UP | VIZ_DOWN));
	if (vert)
		return stroke == VIZ_STROKE_DOTTED ? ':' : stroke == VIZ_STROKE_DASHED ? '!' : '|';
	if (horiz)
		return stroke == VIZ_STROKE_DOTTED ? '.' : stroke == VIZ_STROKE_DASHED ? '~' : '-';
	return (uint32_t)tbl[bits & 15];
}

static uint32_t cell_glyph(const viz_cell *cell, bool ascii)
{
	if (cell->cp)
		return ascii && cell->cp != VIZ_WIDE_TAIL ? to_ascii(cell->cp) : cell->cp;
	return ascii ? ascii_line(cell->lines, cell->stroke) : line_glyph(cell->lines, cell->stroke);
}

uint32_t viz_canvas_glyph(const viz_canvas *c, int x, int y, bool ascii)
{
	const viz_cell *cell = at(c, x, y);
	return cell ? cell_glyph(cell, ascii) : ' ';
}

void viz_canvas_put(viz_canvas *c, int x, int y, uint32_t cp, unsigned style)
{
	viz_cell *cell = at(c, x, y);
	if (!cell)
		return;
	cell->cp = cp;
	cell->style = (uint16_t)style;
}

int viz_canvas_text(viz_canvas *c, int x, int y, const char *s, int max,
		    unsigned style)
{
	int used = 0;
	while (s && *s) {
		uint32_t cp = viz_utf8_next(&s);
		int w = viz_cp_width(cp);
		if (w == 0)
			continue;
		if (max >= 0 && used + w > max)
			break;
		viz_canvas_put(c, x + used, y, cp, style);
		if (w == 2)
			viz_canvas_put(c, x + used + 1, y, VIZ_WIDE_TAIL, style);
		used += w;
	}
	return used;
}

bool viz_canvas_free_run(const viz_canvas *c, int x, int y, int w)
{
	for (int i = 0; i < w; i++) {
		const viz_cell *cell = at(c, x + i, y);
		if (!cell || cell->cp || cell->lines)
			return false;
	}
	return true;
}

void viz_canvas_join(viz_canvas *c, int x, int y, unsigned dirs,
		     viz_stroke stroke, unsigned style)
{
	viz_cell *cell = at(c, x, y);
	if (!cell || !dirs)
		return;
	unsigned vert = VIZ_UP | VIZ_DOWN, horiz = VIZ_LEFT | VIZ_RIGHT;
	if ((cell->lines == vert && dirs == horiz) || (cell->lines == horiz && dirs == vert)) {
		/* two lines running through: a crossing, the vertical on top */
		if (dirs == vert) {
			cell->lines = (uint8_t)dirs;
			cell->stroke = (uint8_t)stroke;
			cell->style = (uint16_t)style;
		}
		return;
	}
	if (!cell->lines) {
		cell->stroke = (uint8_t)stroke;
		cell->style = (uint16_t)style;
	} else {
		cell->style |= (uint16_t)(style & ~VIZ_STYLE_MAG_MASK);
		if ((style & VIZ_STYLE_MAG_MASK) > (cell->style & VIZ_STYLE_MAG_MASK))
			cell->style = (uint16_t)((cell->style & ~VIZ_STYLE_MAG_MASK) |
						 (style & VIZ_STYLE_MAG_MASK));
	}
	cell->lines |= (uint8_t)dirs;
}

void viz_canvas_line(viz_canvas *c, int x0, int y0, int x1, int y1,
		     viz_stroke stroke, unsigned style)
{
	if (x0 != x1 && y0 != y1)
		return;		/* only axis-parallel lines */
	if (x0 == x1 && y0 == y1)
		return;
	if (x0 > x1 || y0 > y1) {
		int t = x0; x0 = x1; x1 = t;
		t = y0; y0 = y1; y1 = t;
	}
	/* only the part inside the window: a long line across a narrow
	 * window costs nothing (the bits depend on the whole line's ends) */
	if (x0 == x1) {
		if (x0 < c->ox || x0 >= c->ox + c->w)
			return;
		int lo = y0 > c->oy ? y0 : c->oy, hi = y1 < c->oy + c->h - 1 ? y1 : c->oy + c->h - 1;
		for (int y = lo; y <= hi; y++)
			viz_canvas_join(c, x0, y, (y > y0 ? VIZ_UP : 0) | (y < y1 ? VIZ_DOWN : 0),
					stroke, style);
	} else {
		if (y0 < c->oy || y0 >= c->oy + c->h)
			return;
		int lo = x0 > c->ox ? x0 : c->ox, hi = x1 < c->ox + c->w - 1 ? x1 : c->ox + c->w - 1;
		for (int x = lo; x <= hi; x++)
			viz_canvas_join(c, x, y0, (x > x0 ? VIZ_LEFT : 0) | (x < x1 ? VIZ_RIGHT : 0),
					stroke, style);
	}
}

/* Corners tl tr bl br, horizontal, vertical per border kind. */
static const uint32_t borders[][6] = {
	[VIZ_BORDER_SQUARE] = { 0x250C, 0x2510, 0x2514, 0x2518, 0x2500, 0x2502 },
	[VIZ_BORDER_ROUND] = { 0x256D, 0x256E, 0x2570, 0x256F, 0x2500, 0x2502 },
	[VIZ_BORDER_HEAVY] = { 0x250F, 0x2513, 0x2517, 0x251B, 0x2501, 0x2503 },
	[VIZ_BORDER_DOUBLE] = { 0x2554, 0x2557, 0x255A, 0x255D, 0x2550, 0x2551 },
	[VIZ_BORDER_DASHED] = { 0x250C, 0x2510, 0x2514, 0x2518, 0x2504, 0x2506 },
};

void viz_canvas_box(viz_canvas *c, int x, int y, int w, int h,
		    viz_border border, const char *title, unsigned style)
{
	if (w < 2 || h < 2 || (unsigned)border > VIZ_BORDER_DASHED)
		return;
	const uint32_t *b = borders[border];
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++) {
			viz_cell *cell = at(c, i, j);
			if (cell)
				*cell = (viz_cell){ .cp = ' ', .style = (uint16_t)style };
		}
	for (int i = x + 1; i < x + w - 1; i++) {
		viz_canvas_put(c, i, y, b[4], style);
		viz_canvas_put(c, i, y + h - 1, b[4], style);
	}
	for (int j = y + 1; j < y + h - 1; j++) {
		viz_canvas_put(c, x, j, b[5], style);
		viz_canvas_put(c, x + w - 1, j, b[5], style);
	}
	viz_canvas_put(c, x, y, b[0], style);
	viz_canvas_put(c, x + w - 1, y, b[1], style);
	viz_canvas_put(c, x, y + h - 1, b[2], style);
	viz_canvas_put(c, x + w - 1, y + h - 1, b[3], style);
	if (title && *title && w >= 6) {
		viz_canvas_put(c, x + 2, y, ' ', style);
		int n = viz_canvas_text(c, x + 3, y, title, w - 6, style);
		viz_canvas_put(c, x + 3 + n, y, ' ', style);
	}
}

void viz_canvas_port(viz_canvas *c, int x, int y, unsigned dir, unsigned style)
{
	viz_cell *cell = at(c, x, y);
	if (!cell)
		return;
	uint32_t cp = cell->cp, out = 0;
	bool hv = cp == 0x2501, dbl = cp == 0x2550 || cp == 0x2551, hvv = cp == 0x2503;
	switch (dir) {
	case VIZ_DOWN: out = hv ? 0x252F : dbl ? 0x2564 : 0x252C; break;
	case VIZ_UP: out = hv ? 0x2537 : dbl ? 0x2567 : 0x2534; break;
	case VIZ_RIGHT: out = hvv ? 0x2520 : dbl ? 0x255F : 0x251C; break;
	case VIZ_LEFT: out = hvv ? 0x2528 : dbl ? 0x2562 : 0x2524; break;
	default: return;
	}
	cell->cp = out;
	(void)style;
}

static size_t put_utf8(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | (cp >> 6));
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xE0 | (cp >> 12));
		p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | (cp >> 18));
	p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Rows of the window as text into dst (room for w * 4 + 1 bytes a row);
 * returns the bytes written. */
size_t viz_canvas_text_into(const viz_canvas *c, int x0, int y0, int w, int h,
			    bool ascii, char *dst)
{
	x0 -= c->ox;
	y0 -= c->oy;
	if (x0 < 0) x0 = 0;
	if (y0 < 0) y0 = 0;
	int x1 = w < 0 || x0 + w > c->w ? c->w : x0 + w;
	int y1 = h < 0 || y0 + h > c->h ? c->h : y0 + h;
	char *p = dst;
	for (int y = y0; y < y1; y++) {
		const viz_cell *cell = c->cells + (size_t)y * (size_t)c->w + (size_t)x0;
		char *keep = p;
		for (int x = x0; x < x1; x++, cell++) {
			if (!cell->cp && !cell->lines) {
				*p++ = ' ';
				continue;
			}
			uint32_t g = cell_glyph(cell, ascii);
			if (g == VIZ_WIDE_TAIL)
				continue;
			p += put_utf8(p, g);
			if (g != ' ')
				keep = p;
		}
		p = keep;	/* trim trailing blanks */
		*p++ = '\n';
	}
	return (size_t)(p - dst);
}

char *viz_canvas_to_text(const viz_canvas *c, int x0, int y0, int w, int h,
			 bool ascii)
{
	int cw = w < 0 || w > c->w ? c->w : w, ch = h < 0 || h > c->h ? c->h : h;
	char *out = malloc((size_t)ch * ((size_t)cw * 4 + 1) + 1);
	if (!out) {
		ag_error(AG_ERR_NOMEM, "out of memory drawing the graph as text");
		return NULL;
	}
	size_t n = viz_canvas_text_into(c, x0, y0, w, h, ascii, out);
	out[n] = 0;
	return out;
}
