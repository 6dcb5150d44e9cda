/*
 * render.h - front ends of a layout: the character canvas, plain text,
 * Graphviz DOT and JSON.  Each returns a new object or malloc'd string
 * (NULL + ag_error on failure).
 */
#ifndef VIZ_RENDER_H
#define VIZ_RENDER_H

#include "canvas.h"
#include "graph.h"
#include "layout.h"

/* The whole drawing on a canvas. */
viz_canvas *viz_render_canvas(const viz_layout *l);
/* Only the window (x, y, w, h) of the drawing: what a scrolled pane shows.
 * Only boxes and edges that reach into the window are drawn, so this is
 * cheap however big the graph is. */
viz_canvas *viz_render_viewport(const viz_layout *l, int x, int y, int w, int h);

typedef struct viz_text_options {
	bool legend;		/* explain the symbols used, under the drawing */
	int x, y, w, h;		/* viewport; w or h <= 0: to the drawing's end */
} viz_text_options;

void viz_text_options_default(viz_text_options *o);	/* legend on, all */

/* The drawing as UTF-8 text (ASCII only when the layout was made with
 * ascii = true).  o may be NULL. */
char *viz_render_text(const viz_layout *l, const viz_text_options *o);
/* The legend alone: one line per symbol the drawing uses ("" if none). */
char *viz_render_legend(const viz_layout *l);
/* When the graph was cut down (viz_graph_prune, max_nodes): one sentence
 * saying how many nodes are not drawn and how to see them, into buf;
 * false (and "") when nothing was left out. */
bool viz_truncation_note(const viz_layout *l, char *buf, size_t n);

/* Graphviz DOT; `dot -Tsvg` accepts it.  l may be NULL (no positions);
 * with a layout, collapsed modules are single nodes and the direction
 * follows the layout. */
char *viz_render_dot(const viz_graph *g, const viz_layout *l);

/* JSON: {"nodes": [...], "edges": [...], ...}; with a layout each node
 * also carries its box and layer, and the drawing's size is included. */
char *viz_render_json(const viz_graph *g, const viz_layout *l);

#endif
