/*
 * graph.h - the viewer's graph model: what is drawn, not how.
 *
 * A snapshot of a computation: nodes (tensors, ops, autograd nodes, module
 * groups) and directed edges from producer to consumer (data flows from the
 * inputs down to the loss).  The snapshot builder fills it in; the layout
 * and the renderers only read it.  Strings are copied in.
 *
 * Module scopes ("model.fc1") form collapsible groups: a collapsed scope is
 * drawn as one box that keeps the edges crossing its border.
 */
#ifndef VIZ_GRAPH_H
#define VIZ_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum viz_node_kind {
	VIZ_NODE_TENSOR = 0,	/* a tensor (a variable, a leaf, a parameter) */
	VIZ_NODE_OP,		/* a forward op from the trace log */
	VIZ_NODE_GRAD,		/* an autograd node: MulBackward0 ... */
	VIZ_NODE_MODULE,	/* a module drawn as one box */
	VIZ_NODE_HIDDEN,	/* stands for the nodes a too-big graph leaves out */
	VIZ_NODE_NKINDS
} viz_node_kind;

typedef enum viz_edge_kind {
	VIZ_EDGE_AUTOGRAD = 0,	/* gradient flows along it */
	VIZ_EDGE_DETACHED,	/* cut by detach(): drawn with a scissors mark */
	VIZ_EDGE_NO_GRAD,	/* recorded under no_grad */
	VIZ_EDGE_NONDIFF,	/* not differentiable (indices, comparisons) */
	VIZ_EDGE_NKINDS
} viz_edge_kind;

/* Node flags. */
enum {
	VIZ_FLAG_LEAF = 1 << 0,
	VIZ_FLAG_PARAM = 1 << 1,	/* an nn.Parameter */
	VIZ_FLAG_PAUSED = 1 << 2,	/* the stepper is paused here */
	VIZ_FLAG_FAILING = 1 << 3,	/* the op that raised the error */
	VIZ_FLAG_REQUIRES_GRAD = 1 << 4,
	VIZ_FLAG_RETAINS_GRAD = 1 << 5,
	VIZ_FLAG_CONSTANT = 1 << 6,	/* a number operand (forward view) */
	VIZ_FLAG_CHECKPOINT = 1 << 7	/* a torch.utils.checkpoint region:
					 * its ops run again in backward */
};

/* Gradient statistics, from the last backward pass. */
typedef struct viz_grad_stats {
	bool valid;
	double mean_abs;	/* mean |g| over finite elements */
	double max_abs;		/* max |g| over finite elements */
	int64_t nan_count;
	int64_t inf_count;
	/* what rounding to float16/bfloat16 lost in the node's backward:
	 * values underflowed to zero, overflowed to inf (valid or not) */
	int64_t lost_zero, lost_inf;
} viz_grad_stats;

/* Everything known about a node; unknown strings are NULL, an unknown
 * version is -1.  A zeroed struct is a valid (nameless tensor) node. */
typedef struct viz_node_info {
	viz_node_kind kind;
	const char *name;	/* op name (MulBackward0) or variable name */
	const char *var;	/* Lua variable name of an op's output, or NULL */
	const char *shape;	/* "[2, 3]" */
	const char *dtype;	/* "float32" */
	int64_t version;	/* the tensor's _version, -1 when unknown */
	viz_grad_stats grad;
	const char *where;	/* "file.lua:12" */
	const char *scope;	/* module scope path "model.fc1", or NULL */
	const char *note;	/* why it failed, or other one-line remark */
	const char *saved;	/* full detail: what a node saved, a line each */
	unsigned flags;		/* VIZ_FLAG_* */
	int no_grad_region;	/* 0: none; n > 0: inside no_grad region #n */
	uint64_t ref;		/* the caller's id (tensor or node id), opaque */
} viz_node_info;

typedef struct viz_edge_info {
	viz_edge_kind kind;
	const char *label;	/* e.g. the output index of a multi-output op */
	viz_grad_stats grad;
} viz_edge_info;

typedef struct viz_graph viz_graph;

viz_graph *viz_graph_new(void);
void viz_graph_free(viz_graph *g);	/* NULL is fine */

/* Add a node: returns its id (0, 1, 2, ... in order), or -1 + ag_error. */
int viz_graph_add_node(viz_graph *g, const viz_node_info *info);
/* Add an edge from -> to (info may be NULL: a plain autograd edge).
 * Returns its id, or -1 + ag_error (unknown node). */
int viz_graph_add_edge(viz_graph *g, int from, int to,
		       const viz_edge_info *info);

int viz_graph_node_count(const viz_graph *g);
int viz_graph_edge_count(const viz_graph *g);
/* Borrowed views, valid until the graph changes; NULL for a bad id. */
const viz_node_info *viz_graph_node(const viz_graph *g, int id);
const viz_edge_info *viz_graph_edge(const viz_graph *g, int id,
				    int *from, int *to);
/* The first node whose name or var equals name, or -1. */
int viz_graph_find(const viz_graph *g, const char *name);

/* Collapse or expand a module scope.  Collapsing "model" hides every node
 * whose scope is "model" or starts with "model."; an outer collapsed scope
 * wins over an inner one.  Fails (-1 + ag_error) when no node has the
 * scope. */
int viz_graph_set_collapsed(viz_graph *g, const char *scope, bool collapsed);
bool viz_graph_is_collapsed(const viz_graph *g, const char *scope);
/* Collapse every scope at the given depth (1: "model", 2: "model.fc1");
 * 0 expands everything.  Returns how many scopes are now collapsed. */
int viz_graph_collapse_depth(viz_graph *g, int depth);

/* A graph too big to draw whole: keep at most max_nodes boxes.  The roots
 * and the leaves stay (what the user asked about and the inputs whose
 * .grad backward fills), then the nodes nearest to either end; the rest
 * become one VIZ_NODE_HIDDEN box wired to the kept nodes they touched,
 * and the graph remembers how many were left out (viz_graph_hidden).
 * Returns a new graph (g itself is untouched), or NULL + ag_error.  A
 * graph that fits comes back as a copy. */
viz_graph *viz_graph_prune(const viz_graph *g, int max_nodes);
/* Left out by pruning or by the snapshot: the count (0 when the graph is
 * whole), with the size of the whole graph and the limit that applied. */
int viz_graph_hidden(const viz_graph *g, int *total, int *limit);
void viz_graph_set_hidden(viz_graph *g, int hidden, int total, int limit);

/* The gradient sizes drawn as vanishing (max |g| below `vanish`) and as
 * exploding (above `explode`); 1e-7 and 1e3 until set. */
void viz_set_grad_thresholds(double vanish, double explode);
void viz_grad_thresholds(double *vanish, double *explode);

/* Helpers for renderers. */
const char *viz_node_kind_name(viz_node_kind k);	/* "tensor" */
const char *viz_edge_kind_name(viz_edge_kind k);	/* "autograd" */

#endif
