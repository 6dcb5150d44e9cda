/*
 * node.h - the autograd graph inside core: the node struct, saved tensors
 * and the per-tensor autograd metadata.  Only core's files see it; the
 * binding and the viewer read nodes through the accessors of autograd.h.
 */
#ifndef AG_NODE_H
#define AG_NODE_H

#include "internal.h"
#include "autograd.h"
#include "opargs.h"

/* A weak reference to a node: `node` becomes NULL when the node dies. */
typedef struct ag_node_weak {
	ag_node *node;
	int refs;
} ag_node_weak;

/* A new reference to n's weak cell (made on first use), or NULL. */
ag_node_weak *ag_node_weak_ref(ag_node *n);
void ag_node_weak_release(ag_node_weak *w);

/* How a view was made, as PyTorch's CreationMeta: anything but the
 * default forbids writing into the view in place (handle_view_on_rebase). */
typedef enum ag_creation_meta {
	AG_CREATED_DEFAULT,
	AG_CREATED_IN_CUSTOM_FUNCTION,	/* returned by a custom Function */
	AG_CREATED_MULTI_OUTPUT,	/* one of split/chunk/unbind's outputs */
	AG_CREATED_NO_GRAD,		/* made under no_grad */
	AG_CREATED_INFERENCE,		/* made under inference_mode */
} ag_creation_meta;

/* What autograd keeps per tensor (ag_tensor.autograd_extra). */
typedef struct ag_autograd_meta {
	ag_node *grad_accumulator;	/* a leaf's AccumulateGrad (weak) */
	int64_t attr_version;		/* version when grad_fn was set */
	bool diff_view;			/* a view whose history follows its base */
	ag_creation_meta creation;	/* diff views: how it was made */
	ag_hook *hooks;			/* a leaf's tensor hooks */
	/* A non-leaf's tensor hooks live on the node that was its grad_fn
	 * when the first one was registered (strong), at output hooks_nr:
	 * later hooks join them there, as PyTorch 1.13's hook dict does. */
	ag_node *hooks_node;
	int hooks_nr;
	/* a tensor a saved-tensor hook gave back for a leaf: its gradient
	 * goes to that leaf's AccumulateGrad (weak) */
	ag_node_weak *acc_link;
	/* forward AD (grad_forward.c): the tangent at the open dual level
	 * (strong); an unpack_dual primal never takes its base's */
	ag_tensor *fw_tangent;
	bool fw_no_tangent;
} ag_autograd_meta;

ag_autograd_meta *ag_autograd_meta_of(ag_tensor *t, bool create);

/* Forward AD (grad_forward.c), called through pointers so the files below
 * it (record.c, node.c) do not depend on it: set while a dual level is
 * open, NULL otherwise. */
struct ag_call;
typedef struct ag_fw_hooks {
	int (*record)(const struct ag_call *c);	/* the outputs' tangents */
	bool (*any_tangent)(ag_tensor *const *in, int nin);
	void (*share_tangent)(ag_tensor *alias, ag_tensor *t);
	void (*drop_tangent)(ag_tensor *t);	/* t's own, if it has one */
} ag_fw_hooks;
extern const ag_fw_hooks *ag_fw_hooks_active;

static inline bool ag_fw_tangents_in(ag_tensor *const *in, int nin)
{
	return ag_fw_hooks_active && ag_fw_hooks_active->any_tangent(in, nin);
}

/* A tensor a node saved for its backward, with the version it had then
 * (PyTorch's SavedVariable). */
typedef struct ag_saved {
	ag_tensor *data;	/* NULL when nothing saved or released */
	int64_t version;
	bool is_output;		/* an output of its own node: kept without
				 * grad_fn, else the node would own itself */
	bool was_defined;
	bool is_leaf;		/* a leaf when saved */
	int output_nr;
	bool requires_grad;
	/* an output written in place through a view: its grad_fn when
	 * saved, weakly (what PyTorch names in messages and re-attaches) */
	ag_node_weak *weak_grad_fn;
	ag_node_weak *leaf_acc;	/* a leaf saved through hooks: its
				 * AccumulateGrad, re-attached on unpack */
	/* saved-tensor hooks (ag_set_saved_tensors_hooks): what pack gave
	 * back, unpacked by the same hooks; data is then NULL */
	void *packed;
	const struct ag_saved_hooks *hooks;
} ag_saved;

/* A custom Function's backward, supplied by the embedder (ag_function). */
typedef struct ag_function_impl {
	ag_backward_fn apply;
	void *ud;
	void (*free_ud)(void *ud);
} ag_function_impl;

struct ag_node {
	int refcount;
	ag_op op;		/* what made it: its backward is the op's */
	const char *name;	/* "MulBackward0": the op's, or a Function's */
	uint64_t id;		/* unique, for the debugger */
	uint64_t seq;		/* creation order: the engine runs later first */
	int n_next;
	ag_edge *next;		/* one per differentiable forward input */
	int n_outputs;		/* forward outputs = gradients coming in */
	ag_tensor_meta *out_meta;	/* shape and dtype of each output */
	int n_saved;
	bool saved_released;
	ag_saved *saved;	/* what the op's table row says to keep */
	void *args;		/* the op's argument struct (ops.def) */

	ag_tensor *variable;	/* AccumulateGrad: the leaf (strong ref) */
	ag_node *inner;		/* CopySlices: the in-place op's node */
	ag_function_impl *function;	/* a custom Function's backward */
	char *owned_name;	/* a custom Function's name */

	ag_hook *pre_hooks, *post_hooks;
	ag_hook **tensor_pre_hooks;	/* per output: hooks of that tensor */
	ag_tensor **retained_tensors;	/* per output: weak pointer */

	ag_node_weak *weak;	/* this node's weak cell, if any */
	void *trace;		/* anomaly mode: where the forward ran (the
				 * provider's capture, formatted on failure) */
	/* statistics of the gradients that arrived at each output in the
	 * last backward pass (when ag_set_keep_grad_stats is on) */
	ag_grad_stats *last_stats;
	/* what rounding to float16/bfloat16 lost in its last backward (values
	 * underflowed to zero, overflowed to inf); an AccumulateGrad's are
	 * those of the gradient its leaf got.  pending: arriving with the
	 * gradients it is given (observe.c, ag_note_lost) */
	int64_t lost_zero, lost_inf, pending_zero, pending_inf;
	uint64_t trace_event;	/* the op event that created the node */
};

/* A node for op (grad_fn name number `variant`) with room for n_saved
 * saved tensors and an argument struct of args_size bytes (zeroed). */
ag_node *ag_node_new(ag_op op, int variant, int n_outputs, int n_saved,
		     size_t args_size);
/* Adds next edges for the given inputs (in order). */
int ag_node_set_next(ag_node *n, ag_tensor *const *inputs, int ninputs);
/* Makes node n the history of output t (output number nr). */
void ag_set_history(ag_tensor *t, ag_node *n, int nr);
/* Saves a tensor (input or output) for backward; t may be NULL.  An
 * output written in place through a view is saved with
 * inplace_on_view.  Saved-tensor hooks, when set, pack it: 0 or -1. */
int ag_node_save(ag_node *n, int slot, ag_tensor *t, bool is_output,
		 bool inplace_on_view);
/* Edge to the history of input t (its grad_fn, or its AccumulateGrad if it
 * is a leaf requiring grad, or no edge). */
ag_edge ag_gradient_edge(ag_tensor *t);
/* Unpacks a saved tensor: checks version and release; new reference, or
 * NULL (error set, or nothing was saved there: see ag_saved.was_defined). */
ag_tensor *ag_node_saved(ag_node *n, int slot);
void ag_node_release_saved(ag_node *n);
bool ag_node_should_compute(const ag_node *n, int edge);
/* The op's argument struct, typed: AG_ARGS(node, ag_clamp_args). */
#define AG_ARGS(n, type) ((type *)(n)->args)

/* An AsStridedBackward0 node from base to view (the grad_fn of a view
 * whose base was written in place). */
ag_node *ag_view_node_from_base(ag_tensor *view, ag_tensor *base);

/* A non-default-created view whose base was written in place may not get a
 * new history: -1 with PyTorch's text, else 0 (and t's history refreshed).
 * ag_view_rebase_error is the check alone (indirect: written through its
 * base or another view, not itself). */
int ag_check_view_history(ag_tensor *t);
int ag_view_rebase_error(ag_tensor *t, bool indirect);

/* Hooks as the engine runs them: a counted copy of a list (the hooks
 * retained), so removals while they run free nothing under it. */
int ag_hook_snapshot(ag_hook *list, ag_hook ***out);	/* count or -1 */
void ag_hook_snapshot_free(ag_hook **v, int n);

/* Runs node n's backward (the engine, and CopySlices for its inner node). */
int ag_node_apply(ag_node *n, ag_tensor **grads_in, ag_tensor **grads_out);

/* observe.c: tells the backward observer (if any) a pass began or ended,
 * or that node n ran; keeps the statistics of the gradients n got (when
 * they are kept); does a gradient hold a NaN (anomaly mode)? */
void ag_emit_event(ag_backward_event_kind kind, int status);
void ag_emit_node(const ag_node *n, ag_tensor **in, int nin, ag_tensor **out,
		  int nout);
void ag_keep_grad_stats(ag_node *n, ag_tensor **in);
/* Counting what rounding loses while a node's backward runs: starts a
 * tally (when statistics are kept) and returns the one to restore after;
 * ag_note_lost keeps the counts on n and hands each gradient's on along
 * its edge. */
ag_round_tally *ag_watch_rounding(ag_round_tally *t);
void ag_note_lost(ag_node *n, const ag_round_tally *t, ag_tensor **out,
		  int nnext);
/* Tensor hooks turned gradient `before` of output index of n into
 * `after` (AG_EV_HOOK); only worth the statistics when observed. */
void ag_emit_hook(const ag_node *n, int index, ag_tensor *before,
		  ag_tensor *after);
bool ag_backward_observed(void);
bool ag_grad_has_nan(ag_tensor *g);

#endif
