/*
 * shapes.h - hand-built graphs shaped like what users debug, shared by the
 * golden, DOT and JSON tests.
 */
#ifndef VIZ_TEST_SHAPES_H
#define VIZ_TEST_SHAPES_H

#include "graph.h"
#include "layout.h"

typedef struct shape {
	const char *name;		/* golden file name, without .txt */
	viz_graph *(*build)(void);
	viz_layout_options opt;
	const char *collapse;		/* scope to collapse, or NULL */
} shape;

extern const shape viz_shapes[];
extern const int viz_nshapes;

viz_graph *shape_seed(void);
viz_graph *shape_mlp(void);

#endif
