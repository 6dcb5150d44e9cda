/*
 * tui_layout.c - where the panes go.
 *
 *   graph                                  | inspector
 *                                          |
 *                                          | gradients
 *   transcript (the input line is its last row)
 *   status line
 *
 * The graph gets what the others leave: the transcript takes about a
 * third of the height, the right column about a third of the width
 * (within bounds that keep every pane usable at 80x24).
 */
#include <config.h>

#include <string.h>

#include "tui_model.h"

const char *tui_pane_name(tui_pane_id p)
{
	static const char *const names[TUI_NPANES] = {
		"input", "graph", "inspector", "gradients"
	};
	return (unsigned)p < TUI_NPANES ? names[p] : "?";
}

static int clamp(int v, int lo, int hi)
{
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}

static tui_rect rect(int y, int x, int h, int w)
{
	if (h <= 0 || w <= 0)
		return (tui_rect){ y, x, 0, 0 };
	return (tui_rect){ y, x, h, w };
}

void tui_compute_layout(int rows, int cols, int zoom, bool viewer_only,
			tui_screen_layout *out)
{
	memset(out, 0, sizeof *out);
	if (rows < 1 || cols < 1)
		return;
	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS) {
		/* a line saying why, the transcript and (room allowing) the
		 * status line; in :view, the graph instead of the transcript */
		out->small = true;
		out->message = rect(0, 0, 1, cols);
		int bottom = rows >= 4 ? rows - 1 : rows;
		if (rows >= 4)
			out->status = rect(rows - 1, 0, 1, cols);
		out->pane[viewer_only ? TUI_GRAPH : TUI_INPUT] = rect(1, 0, bottom - 1, cols);
		return;
	}
	out->status = rect(rows - 1, 0, 1, cols);
	int body = rows - 1;
	if (zoom >= 0 && zoom < TUI_NPANES) {
		out->pane[zoom] = rect(0, 0, body, cols);
		return;
	}
	int trans = viewer_only ? 0 : clamp((body * 36 + 50) / 100, 7, body - 10);
	int top = body - trans;
	int right = viewer_only ? clamp(cols * 38 / 100, 30, 64) : clamp(cols * 33 / 100, 28, 56);
	int gw = cols - right - 1;
	int grads = viewer_only ? 0 : clamp((top * 40 + 50) / 100, 5, top - 6);
	out->pane[TUI_GRAPH] = rect(0, 0, top, gw);
	out->vbar = rect(0, gw, top, 1);
	out->pane[TUI_INSPECT] = rect(0, gw + 1, top - grads, right);
	out->pane[TUI_GRADS] = rect(top - grads, gw + 1, grads, right);
	out->pane[TUI_INPUT] = rect(top, 0, trans, cols);
}
