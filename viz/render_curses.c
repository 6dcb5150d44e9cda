/*
 * render_curses.c - a canvas onto an ncurses window.
 */
#include <config.h>

#include "curses.h"

#include <wchar.h>

static bool have_color;
static bool many_colors;	/* 256: a smoother gradient scale */

void viz_curses_init(bool color)
{
	have_color = color && has_colors() && start_color() != ERR;
	if (!have_color)
		return;
	use_default_colors();
	many_colors = COLORS >= 256;
	init_pair(VIZ_PAIR_RED, COLOR_RED, -1);
	init_pair(VIZ_PAIR_GREEN, COLOR_GREEN, -1);
	init_pair(VIZ_PAIR_YELLOW, COLOR_YELLOW, -1);
	init_pair(VIZ_PAIR_BLUE, COLOR_BLUE, -1);
	init_pair(VIZ_PAIR_MAGENTA, COLOR_MAGENTA, -1);
	init_pair(VIZ_PAIR_CYAN, COLOR_CYAN, -1);
	init_pair(VIZ_PAIR_GREY, many_colors ? 244 : COLOR_WHITE, -1);
	init_pair(VIZ_PAIR_TITLE, COLOR_BLACK, COLOR_WHITE);
	init_pair(VIZ_PAIR_FOCUS, COLOR_BLACK, COLOR_CYAN);
	init_pair(VIZ_PAIR_STATUS, COLOR_BLACK, many_colors ? 250 : COLOR_WHITE);
	/* |g| from tiny to huge: blue, cyan, green, yellow, red */
	static const short mag8[7] = { COLOR_BLUE, COLOR_BLUE, COLOR_CYAN, COLOR_GREEN,
				       COLOR_YELLOW, COLOR_RED, COLOR_RED };
	static const short mag256[7] = { 25, 31, 37, 70, 178, 202, 196 };
	for (int i = 0; i < 7; i++)
		init_pair((short)(VIZ_PAIR_MAG1 + i), many_colors ? mag256[i] : mag8[i], -1);
}

bool viz_curses_has_color(void)
{
	return have_color;
}

attr_t viz_curses_pair(int pair)
{
	return have_color ? COLOR_PAIR(pair) : A_NORMAL;
}

attr_t viz_curses_attr(unsigned style)
{
	attr_t a = A_NORMAL;
	int pair = 0;
	unsigned mag = style & VIZ_STYLE_MAG_MASK;
	if (style & VIZ_STYLE_DIM)
		a |= A_DIM;
	if (style & (VIZ_STYLE_NOGRAD | VIZ_STYLE_NONDIFF))
		a |= have_color ? 0 : A_DIM, pair = VIZ_PAIR_GREY;
	if (style & (VIZ_STYLE_LEAF))
		pair = VIZ_PAIR_CYAN;
	if (style & VIZ_STYLE_PARAM)
		pair = VIZ_PAIR_YELLOW;
	if (mag)
		pair = VIZ_PAIR_MAG1 + (int)mag - 1;
	if (style & VIZ_STYLE_DETACHED)
		pair = VIZ_PAIR_MAGENTA;
	if (style & VIZ_STYLE_MODULE)
		a |= A_BOLD;
	if (style & (VIZ_STYLE_VANISH | VIZ_STYLE_EXPLODE))
		a |= A_BOLD;
	if (style & VIZ_STYLE_PAUSED) {
		a |= A_BOLD | A_REVERSE;
		pair = VIZ_PAIR_YELLOW;
	}
	if (style & (VIZ_STYLE_NAN | VIZ_STYLE_FAILING)) {
		a = (a & ~A_DIM) | A_BOLD;
		pair = VIZ_PAIR_RED;
	}
	if (pair && have_color)
		a |= COLOR_PAIR(pair);
	return a;
}

void viz_curses_draw(WINDOW *w, int y, int x, const viz_canvas *cv, bool ascii)
{
	int cw = viz_canvas_width(cv), ch = viz_canvas_height(cv), ox, oy;
	viz_canvas_origin(cv, &ox, &oy);
	for (int r = 0; r < ch; r++) {
		wmove(w, y + r, x);
		for (int c = 0; c < cw; c++) {
			const viz_cell *cell = viz_canvas_cell(cv, ox + c, oy + r);
			uint32_t g = viz_canvas_glyph(cv, ox + c, oy + r, ascii);
			if (g == VIZ_WIDE_TAIL)
				continue;	/* the wide character before took it */
			wchar_t wc[2] = { (wchar_t)g, 0 };
			cchar_t cc;
			attr_t a = cell && (cell->cp || cell->lines) ? viz_curses_attr(cell->style) : A_NORMAL;
			setcchar(&cc, wc, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
			mvwadd_wch(w, y + r, x + c, &cc);
		}
	}
}
