/*
 * test_canvas.c - cells, junctions, crossings, boxes, ASCII, viewports.
 */
#include "../tap.h"
#include "canvas.h"
#include "ag.h"

#include <stdlib.h>

static char *text(viz_canvas *c, bool ascii)
{
	return viz_canvas_to_text(c, 0, 0, -1, -1, ascii);
}

static void check(viz_canvas *c, bool ascii, const char *want, const char *what)
{
	char *s = text(c, ascii);
	is_str(s, want, "%s", what);
	free(s);
}

int main(void)
{
	plan_lazy();
	viz_canvas *c = viz_canvas_new(5, 3);
	ok(c && viz_canvas_width(c) == 5 && viz_canvas_height(c) == 3, "new 5x3 canvas");
	check(c, false, "\n\n\n", "empty canvas: blank rows, trailing blanks trimmed");

	/* a fan-out: one owner, lines merge into junctions */
	viz_canvas_line(c, 2, 0, 2, 1, VIZ_STROKE_LIGHT, 0);
	viz_canvas_line(c, 0, 1, 4, 1, VIZ_STROKE_LIGHT, 0);
	viz_canvas_line(c, 0, 1, 0, 2, VIZ_STROKE_LIGHT, 0);
	viz_canvas_line(c, 4, 1, 4, 2, VIZ_STROKE_LIGHT, 0);
	check(c, false, "  \u2502\n\u256D\u2500\u2534\u2500\u256E\n\u2502   \u2502\n",
	      "same-owner lines merge: corners and a tee");
	check(c, true, "  |\n.-+-.\n|   |\n", "the same in ASCII: corners as . and '");
	viz_canvas_line(c, 2, 1, 2, 2, VIZ_STROKE_LIGHT, 0);
	check(c, false, "  \u2502\n\u256D\u2500\u253C\u2500\u256E\n\u2502 \u2502 \u2502\n",
	      "a fourth arm makes a cross junction");
	viz_canvas_free(c);

	/* a crossing of two nets: the vertical stroke stays whole */
	c = viz_canvas_new(3, 3);
	viz_canvas_line(c, 1, 0, 1, 2, VIZ_STROKE_LIGHT, 0);
	viz_canvas_line(c, 0, 1, 2, 1, VIZ_STROKE_LIGHT, 0);
	check(c, false, " \u2502\n\u2500\u2502\u2500\n \u2502\n",
	      "a crossing is never drawn as a junction");
	viz_canvas_free(c);
	c = viz_canvas_new(3, 3);
	viz_canvas_line(c, 0, 1, 2, 1, VIZ_STROKE_LIGHT, 0);
	viz_canvas_line(c, 1, 0, 1, 2, VIZ_STROKE_LIGHT, 0);
	check(c, false, " \u2502\n\u2500\u2502\u2500\n \u2502\n",
	      "whichever is drawn first");
	viz_canvas_free(c);

	/* strokes */
	c = viz_canvas_new(3, 2);
	viz_canvas_line(c, 0, 0, 2, 0, VIZ_STROKE_DOTTED, 0);
	viz_canvas_line(c, 0, 1, 2, 1, VIZ_STROKE_DASHED, 0);
	check(c, false, "\u2504\u2504\u2504\n\u254C\u254C\u254C\n", "dotted and dashed lines");
	check(c, true, "...\n~~~\n", "dotted and dashed in ASCII");
	viz_canvas_free(c);

	/* boxes, titles, ports, text */
	c = viz_canvas_new(12, 4);
	viz_canvas_box(c, 0, 0, 12, 3, VIZ_BORDER_ROUND, "fc1", VIZ_STYLE_LEAF);
	viz_canvas_text(c, 2, 1, "x\u00B2 \u4E2D!", 8, 0);
	viz_canvas_port(c, 5, 2, VIZ_DOWN, 0);
	viz_canvas_put(c, 5, 3, 0x25BC, 0);
	check(c, false,
	      "\u256D\u2500 fc1 \u2500\u2500\u2500\u2500\u256E\n"
	      "\u2502 x\u00B2 \u4E2D!   \u2502\n"
	      "\u2570\u2500\u2500\u2500\u2500\u252C\u2500\u2500\u2500\u2500\u2500\u256F\n"
	      "     \u25BC\n",
	      "a box with a title, a wide character and a port");
	const viz_cell *cell = viz_canvas_cell(c, 0, 0);
	ok(cell && (cell->style & VIZ_STYLE_LEAF), "box cells carry the style");
	cell = viz_canvas_cell(c, 6, 1);
	ok(cell && cell->cp == VIZ_WIDE_TAIL, "a wide character takes two cells");
	ok(viz_canvas_cell(c, 12, 0) == NULL && viz_canvas_cell(c, -1, 0) == NULL,
	   "no cell outside");
	char *s = text(c, true);
	ok(s && !strchr(s, 0x80) && strstr(s, "+- fc1 ----+") && strstr(s, "v"),
	   "ASCII mode: only ASCII characters");
	free(s);
	s = viz_canvas_to_text(c, 2, 1, 3, 2, false);
	is_str(s, "x\u00B2\n\u2500\u2500\u2500\n", "a viewport of the canvas");
	free(s);
	viz_canvas_put(c, 100, 100, 'x', 0);	/* clipped silently */
	ok(viz_canvas_free_run(c, 6, 3, 3) && !viz_canvas_free_run(c, 4, 3, 3),
	   "free runs");
	viz_canvas_free(c);

	c = viz_canvas_new(4, 4);
	viz_canvas_box(c, 0, 0, 4, 4, VIZ_BORDER_HEAVY, NULL, 0);
	viz_canvas_port(c, 3, 1, VIZ_RIGHT, 0);
	check(c, false, "\u250F\u2501\u2501\u2513\n\u2503  \u2520\n\u2503  \u2503\n\u2517\u2501\u2501\u251B\n",
	      "heavy box with a port on its right side");
	check(c, true, "#==#\n#  +\n#  #\n#==#\n", "heavy box in ASCII");
	viz_canvas_free(c);

	ok(viz_canvas_new(-1, 3) == NULL, "negative size refused");
	ok(viz_canvas_new(1 << 20, 1 << 20) == NULL && ag_error_code() == AG_ERR_NOMEM,
	   "absurd size refused as out of memory");
	is_int(viz_grad_bucket(5e-7), 1, "bucket: tiny");
	is_int(viz_grad_bucket(0.5), 4, "bucket: below 1");
	is_int(viz_grad_bucket(2e5), 7, "bucket: huge");
	is_int(viz_grad_bucket(NAN), 7, "bucket: NaN counts as huge");
	return done_testing();
}
