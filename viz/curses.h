/*
 * curses.h - the ncurses front end of the viewer: a canvas (canvas.h)
 * onto a curses window, its style bits turned into colours and
 * attributes.  The one header of agdb that includes curses (htop's
 * ProvideCurses.h idea): which header the system has is decided here.
 *
 * The drawing is the same one the text renderer prints (one drawing,
 * two outputs); only the attributes are added.  Colour never carries a
 * meaning alone: every style has a symbol or text in the drawing, and
 * without colours (NO_COLOR, --no-color, a monochrome terminal) the styles
 * map to bold, dim and reverse.
 */
#ifndef VIZ_CURSES_H
#define VIZ_CURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#if defined(__has_include)
#if __has_include(<ncursesw/curses.h>)
#include <ncursesw/curses.h>
#else
#include <curses.h>
#endif
#else
#include <curses.h>
#endif

#include "canvas.h"

/* Colour pairs the viewer uses (1..VIZ_PAIR_COUNT - 1). */
enum {
	VIZ_PAIR_RED = 1, VIZ_PAIR_GREEN, VIZ_PAIR_YELLOW, VIZ_PAIR_BLUE,
	VIZ_PAIR_MAGENTA, VIZ_PAIR_CYAN, VIZ_PAIR_GREY,
	VIZ_PAIR_TITLE,		/* pane titles */
	VIZ_PAIR_FOCUS,		/* the focused pane's title */
	VIZ_PAIR_STATUS,	/* the status line */
	VIZ_PAIR_MAG1,		/* gradient size buckets 1..7 (log scale) */
	VIZ_PAIR_COUNT = VIZ_PAIR_MAG1 + 7
};

/* Call after initscr/newterm.  color false (or a terminal without
 * colours): no pairs, viz_curses_attr gives attributes only. */
void viz_curses_init(bool color);
bool viz_curses_has_color(void);
/* The attributes (colour pair included) for a cell's style bits. */
attr_t viz_curses_attr(unsigned style);
/* A colour pair as attributes (A_NORMAL without colours). */
attr_t viz_curses_pair(int pair);

/* Draws the canvas window at (y, x) of w: every cell of the canvas, its
 * glyph (ASCII when ascii) and its attributes. */
void viz_curses_draw(WINDOW *w, int y, int x, const viz_canvas *cv, bool ascii);

#endif
