/*
 * layout.h - layered (Sugiyama) layout of a viz graph on a character grid.
 *
 * Phases: visible graph (collapsed modules become one box), cycle removal,
 * longest-path layering, dummy nodes on long edges, crossing reduction
 * (median sweeps + transposition), Brandes-Koepf coordinates, channel
 * routing of the edges between layers.  Everything is deterministic: the
 * same graph and options give the same drawing.
 */
#ifndef VIZ_LAYOUT_H
#define VIZ_LAYOUT_H

#include "graph.h"

typedef enum viz_direction {
	VIZ_DIR_TB = 0,		/* inputs at the top, the loss at the bottom */
	VIZ_DIR_LR		/* inputs on the left */
} viz_direction;

typedef enum viz_detail {
	VIZ_DETAIL_COMPACT = 0,	/* op or variable name */
	VIZ_DETAIL_NORMAL,	/* + shape and dtype */
	VIZ_DETAIL_FULL		/* + requires_grad, version, grad stats, file:line */
} viz_detail;

typedef enum viz_fit {
	VIZ_FIT_SCROLL = 0,	/* one drawing, as wide as it needs (the viewer scrolls) */
	VIZ_FIT_WRAP		/* left-to-right: cut into bands of max_width */
} viz_fit;

typedef struct viz_layout_options {
	viz_direction direction;
	viz_detail detail;
	bool ascii;		/* ASCII-only symbols in labels (and drawing) */
	int max_width;		/* cells; 0: no limit (only used by VIZ_FIT_WRAP) */
	viz_fit fit;
	int sweeps;		/* crossing-reduction iterations; 0: automatic */
} viz_layout_options;

void viz_layout_options_default(viz_layout_options *o);

typedef struct viz_box {
	int x, y, w, h;		/* cells; the drawing's top left is 0,0 */
} viz_box;

typedef struct viz_layout viz_layout;

/* Lays the graph out (o may be NULL for the defaults).  The layout keeps
 * copies of what it draws, so the graph may change or go afterwards.
 * NULL + ag_error on failure. */
viz_layout *viz_layout_new(const viz_graph *g, const viz_layout_options *o);
void viz_layout_free(viz_layout *l);	/* NULL is fine */

/* The drawing's size in cells. */
void viz_layout_size(const viz_layout *l, int *width, int *height);
/* The box that shows model node `node` (the module box when the node sits
 * inside a collapsed scope): 0, or -1 + ag_error for a bad id. */
int viz_layout_node_box(const viz_layout *l, int node, viz_box *out);
/* The model node drawn at cell (x, y), or -1 (a module box gives the first
 * node it holds). */
int viz_layout_node_at(const viz_layout *l, int x, int y);
int viz_layout_layer_count(const viz_layout *l);
/* Edge crossings of the final order, and of the first layer order before
 * crossing reduction (for measurements). */
long long viz_layout_crossings(const viz_layout *l);
long long viz_layout_initial_crossings(const viz_layout *l);

#endif
