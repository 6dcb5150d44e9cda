/*
 * canvas.h - a grid of character cells with style bits.
 *
 * Lines are stored as direction bits per cell (up/down/left/right) and
 * turned into box-drawing characters when read, so lines that meet merge
 * into junctions (┬ ┼ ├ ╰ ...).  Where a straight line runs right through
 * another straight line at a right angle, the two cross: the cell keeps
 * the vertical stroke (the horizontal one passes under it), so a crossing
 * never looks like a junction.  Lines that end in a cell merge with
 * whatever is there (corners and tees).
 *
 * A canvas may show a window of a bigger drawing: its origin is the
 * drawing coordinate of its top left cell, and every function takes
 * drawing coordinates (cells outside the window are clipped).
 *
 * Style bits say what a cell means; a front end maps them to colours.  The
 * characters carry the same meaning on their own (colour is never needed).
 */
#ifndef VIZ_CANVAS_H
#define VIZ_CANVAS_H

#include <stdbool.h>
#include <stdint.h>

/* Style bits of a cell. */
enum {
	VIZ_STYLE_MAG_MASK = 0x7,	/* gradient magnitude bucket, 0 = none */
	VIZ_STYLE_NAN = 1 << 3,		/* NaN or Inf in the gradient */
	VIZ_STYLE_VANISH = 1 << 4,	/* vanishing (or zero) gradient */
	VIZ_STYLE_EXPLODE = 1 << 5,	/* exploding gradient */
	VIZ_STYLE_DETACHED = 1 << 6,	/* a detach() cut */
	VIZ_STYLE_NOGRAD = 1 << 7,	/* inside a no_grad region */
	VIZ_STYLE_LEAF = 1 << 8,
	VIZ_STYLE_PARAM = 1 << 9,
	VIZ_STYLE_PAUSED = 1 << 10,	/* the stepper is paused here */
	VIZ_STYLE_FAILING = 1 << 11,	/* the op that failed */
	VIZ_STYLE_NONDIFF = 1 << 12,
	VIZ_STYLE_MODULE = 1 << 13,	/* a collapsed module */
	VIZ_STYLE_EDGE = 1 << 14,	/* part of an edge (else a box or text) */
	VIZ_STYLE_DIM = 1 << 15		/* secondary text (shapes, legend) */
};

/* Gradient magnitude buckets on a log10 scale of mean |g|:
 * 1: < 1e-6, 2: < 1e-4, 3: < 1e-2, 4: < 1, 5: < 1e2, 6: < 1e4, 7: larger. */
int viz_grad_bucket(double mean_abs);

/* Line direction bits and stroke kinds. */
enum { VIZ_UP = 1, VIZ_DOWN = 2, VIZ_LEFT = 4, VIZ_RIGHT = 8 };
typedef enum viz_stroke {
	VIZ_STROKE_LIGHT = 0,	/* ─ │ */
	VIZ_STROKE_DOTTED,	/* ┄ ┆  (no_grad) */
	VIZ_STROKE_DASHED,	/* ╌ ╎  (not differentiable) */
	VIZ_STROKE_HEAVY	/* ━ ┃ */
} viz_stroke;

typedef enum viz_border {
	VIZ_BORDER_SQUARE = 0,	/* ┌─┐ ops */
	VIZ_BORDER_ROUND,	/* ╭─╮ tensors */
	VIZ_BORDER_HEAVY,	/* ┏━┓ paused at / failing */
	VIZ_BORDER_DOUBLE,	/* ╔═╗ a collapsed module */
	VIZ_BORDER_DASHED	/* ┌┄┐ inside no_grad */
} viz_border;

#define VIZ_WIDE_TAIL 0xFFFFFFFFu	/* right half of a two-cell character */

typedef struct viz_cell {
	uint32_t cp;		/* a character, or 0: derive from lines */
	uint16_t style;
	uint8_t lines;		/* VIZ_UP | VIZ_DOWN | ... */
	uint8_t stroke;		/* viz_stroke of the lines */
} viz_cell;

typedef struct viz_canvas viz_canvas;

/* NULL + ag_error when the size is absurd or memory runs out. */
viz_canvas *viz_canvas_new(int width, int height);
void viz_canvas_free(viz_canvas *c);
int viz_canvas_width(const viz_canvas *c);
int viz_canvas_height(const viz_canvas *c);
/* Where the canvas sits in the drawing (0, 0 unless set); clears it. */
void viz_canvas_set_origin(viz_canvas *c, int x, int y);
void viz_canvas_origin(const viz_canvas *c, int *x, int *y);
void viz_canvas_clear(viz_canvas *c);
/* NULL outside the canvas. */
const viz_cell *viz_canvas_cell(const viz_canvas *c, int x, int y);
/* The character a cell shows (lines resolved; ' ' for an empty cell). */
uint32_t viz_canvas_glyph(const viz_canvas *c, int x, int y, bool ascii);

/* Drawing clips silently at the border. */
void viz_canvas_put(viz_canvas *c, int x, int y, uint32_t cp, unsigned style);
/* UTF-8 text from (x, y), at most max cells (< 0: no limit); returns the
 * cells used. */
int viz_canvas_text(viz_canvas *c, int x, int y, const char *s, int max,
		    unsigned style);
/* True when the cells [x, x+w) of row y hold nothing. */
bool viz_canvas_free_run(const viz_canvas *c, int x, int y, int w);
/* An axis-parallel line from (x0, y0) to (x1, y1), both ends included. */
void viz_canvas_line(viz_canvas *c, int x0, int y0, int x1, int y1,
		     viz_stroke stroke, unsigned style);
/* Add direction bits to one cell. */
void viz_canvas_join(viz_canvas *c, int x, int y, unsigned dirs,
		     viz_stroke stroke, unsigned style);
/* A box; the title (may be NULL) is written into the top border. */
void viz_canvas_box(viz_canvas *c, int x, int y, int w, int h,
		    viz_border border, const char *title, unsigned style);
/* A port: a line leaving a box border at (x, y) in direction dir. */
void viz_canvas_port(viz_canvas *c, int x, int y, unsigned dir, unsigned style);

/* The canvas as text: rows joined by '\n', trailing blanks trimmed.
 * Rows [y0, y0+h) and columns [x0, x0+w) (w or h < 0: to the end) -- the
 * viewport of a scrolled view.  malloc'd, NULL + ag_error on failure. */
char *viz_canvas_to_text(const viz_canvas *c, int x0, int y0, int w, int h,
			 bool ascii);

#endif
