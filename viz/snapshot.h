/*
 * snapshot.h - build a viz graph from the live computation in core.
 *
 * The backward view is the grad_fn graph as the engine will run it: nodes
 * named as PyTorch names them, leaves where AccumulateGrad writes .grad,
 * gradient statistics from the last backward, the node the stepper is
 * paused at, and cut edges (✂) for tensors made by detach(); in full
 * detail also what each node saved (with versions) and the AccumulateGrad
 * nodes where gradients land in the leaves' .grad.  The forward
 * view comes from the trace log: tensors and ops as the user wrote them,
 * including what autograd did not record (no_grad regions, detach,
 * non-differentiable inputs).
 */
#ifndef VIZ_SNAPSHOT_H
#define VIZ_SNAPSHOT_H

#include "graph.h"
#include "ag.h"

typedef enum viz_view { VIZ_VIEW_BACKWARD = 0, VIZ_VIEW_FORWARD } viz_view;

/* A tensor id with the name to show for it (a Lua variable, a module
 * parameter path). */
typedef struct viz_name {
	uint64_t tensor_id;
	const char *name;
	ag_tensor *tensor;	/* the tensor itself when the caller has it, or
				   NULL (then it is found by id) */
} viz_name;

typedef struct viz_snapshot_options {
	viz_view view;
	const viz_name *names;	/* variable names of tensors */
	int nnames;
	const viz_name *params;	/* parameters: id -> module path */
	int nparams;
	int max_nodes;		/* stop growing past this (default 5000) */
	bool full;		/* backward view: what each node saved, where it
				   was made, and AccumulateGrad nodes of their own */
} viz_snapshot_options;

void viz_snapshot_options_default(viz_snapshot_options *o);
/* NULL + ag_error on failure.  roots may contain NULL entries. */
viz_graph *viz_snapshot(ag_tensor *const *roots, int nroots,
			const viz_snapshot_options *o);

#endif
