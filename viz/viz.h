/*
 * viz.h - the graph viewer's engine in one include: the model (graph.h),
 * the layered layout (layout.h), the character canvas (canvas.h) and the
 * front ends (render.h: text, DOT, JSON, viewports for a scrolled pane).
 *
 *   viz_graph *g = viz_graph_new();
 *   int x = viz_graph_add_node(g, &(viz_node_info){ .name = "x" });
 *   ...
 *   viz_layout *l = viz_layout_new(g, NULL);
 *   char *text = viz_render_text(l, NULL);	(free() it)
 *
 * Errors are values: NULL or -1 with core's error state set (ag_error_*).
 */
#ifndef VIZ_H
#define VIZ_H

#include "graph.h"
#include "layout.h"
#include "canvas.h"
#include "render.h"

#endif
