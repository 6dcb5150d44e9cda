/*
 * autograd.h - the autograd engine: graph nodes, grad modes, the resumable
 * backward stepper, hooks, and what the debugger can observe (trace log,
 * backward events).  Semantics are PyTorch 1.13's.
 */
#ifndef AG_AUTOGRAD_H
#define AG_AUTOGRAD_H

#include "ag.h"

typedef struct ag_node ag_node;	/* a node of the graph (node.h, private) */
typedef struct ag_engine ag_engine;
typedef struct ag_grad_stats ag_grad_stats;

/* An input edge of a node: which node gets the gradient, at which of its
 * inputs (PyTorch's next_functions entry).  fn == NULL: no gradient. */
typedef struct ag_edge {
	ag_node *fn;
	int input_nr;
} ag_edge;

/* The shape and dtype of a tensor a node made (what its gradient has). */
typedef struct ag_tensor_meta {
	int ndim;
	int64_t shape[AG_MAX_DIMS];
	ag_dtype dtype;
} ag_tensor_meta;

/* ------------------------------------------------------------ grad modes */

bool ag_is_grad_enabled(void);
bool ag_set_grad_enabled(bool on);		/* returns the previous mode */
bool ag_is_anomaly_enabled(void);
void ag_set_anomaly_enabled(bool on);
/* torch.inference_mode: grad mode off, and tensors made meanwhile are
 * inference tensors (ag_tensor.is_inference) that autograd refuses later. */
bool ag_is_inference_mode_enabled(void);
bool ag_set_inference_mode(bool on);		/* returns the previous mode */

/* Does an op on these inputs need to record history? */
bool ag_requires_grad(const ag_tensor *t);	/* flag or grad_fn */
bool ag_any_requires_grad(ag_tensor *const *ts, int n);

/* requires_grad as a user sets it (PyTorch's checks and texts, which
 * differ by the way it is set: x:requires_grad_(), x.requires_grad = b,
 * a factory's requires_grad=true). */
typedef enum ag_rg_via { AG_RG_METHOD, AG_RG_ATTRIBUTE, AG_RG_FACTORY } ag_rg_via;
int ag_set_requires_grad_via(ag_tensor *t, bool on, ag_rg_via via);
int ag_set_requires_grad(ag_tensor *t, bool on);	/* AG_RG_METHOD */
bool ag_is_leaf(const ag_tensor *t);
/* t's grad_fn (regenerated for views whose base was modified in place). */
ag_node *ag_grad_fn(ag_tensor *t);
/* The same, or -1 with PyTorch's error when t is a view that may not get
 * a new history (made under no_grad, by split/unbind, ...). */
int ag_grad_fn_checked(ag_tensor *t, ag_node **out);
int ag_retain_grad(ag_tensor *t);
/* Setting .grad: NULL clears; shape/dtype checked as PyTorch does. */
int ag_set_grad(ag_tensor *t, ag_tensor *grad);
/* x.data = src (PyTorch's set_data): checked, then ag_tensor_set_data. */
int ag_set_data(ag_tensor *t, ag_tensor *src);
/* detach_(): cut t from its history in place. */
int ag_detach_(ag_tensor *t);

/* ------------------------------------------------------------------ nodes */

/* A backward function: grads_in[i] is the gradient of forward output i
 * (never NULL: the engine fills zeros), grads_out[j] receives the gradient
 * for next edge j (a new reference, or NULL for "no gradient"). */
typedef int (*ag_backward_fn)(ag_node *self, ag_tensor **grads_in,
			      ag_tensor **grads_out);

void ag_node_retain(ag_node *n);
void ag_node_release(ag_node *n);
/* The counted references of a tensor or node (is_node) and what it holds
 * counted references to: for the binding's collector of cycles through
 * Lua-side state (lkeep.c). */
int ag_object_refcount(const void *obj, bool is_node);
void ag_object_refs(const void *obj, bool is_node,
		    void (*fn)(void *target, bool is_node, void *ud), void *ud);

/* What the binding and the viewer read of a node. */
const char *ag_node_name(const ag_node *n);	/* "MulBackward0" */
/* The name PyTorch's C++ messages give it: its C++-only nodes carry their
 * namespace ("torch::autograd::CopySlices"); grad_fn:name() keeps the
 * short name. */
const char *ag_node_qualified_name(const ag_node *n);
uint64_t ag_node_id(const ag_node *n);		/* unique, never reused */
int ag_node_next_count(const ag_node *n);
ag_edge ag_node_next(const ag_node *n, int i);	/* next_functions[i] */
int ag_node_output_count(const ag_node *n);
const ag_tensor_meta *ag_node_output(const ag_node *n, int i);
/* The gradient that arrived for output i in the last backward pass (when
 * grad statistics are kept), or NULL. */
const ag_grad_stats *ag_node_grad_stats(const ag_node *n, int i);
/* AccumulateGrad: the leaf it accumulates into; NULL for other nodes. */
ag_tensor *ag_node_variable(const ag_node *n);
/* The trace event (seq) of the op that made the node, or 0. */
uint64_t ag_node_trace_event(const ag_node *n);
/* A leaf's AccumulateGrad node if it has one yet (borrowed), else NULL. */
ag_node *ag_tensor_grad_accumulator(const ag_tensor *t);
/* Saved tensor i of the node (i < ag_node_saved_count): 0 and a new
 * reference in *out (NULL when nil was saved), or -1 with PyTorch's error
 * when it was freed by backward or modified in place since. */
int ag_node_saved_count(const ag_node *n);
int ag_node_saved_tensor(ag_node *n, int i, ag_tensor **out);
/* What a node keeps for its backward by PyTorch's attribute names
 * ("_saved_self", "_saved_dim", ...): saved tensors (their slot for
 * ag_node_saved_tensor) and the op's saved arguments.  Dims are 0-based.
 * Fills up to max entries and returns how many. */
typedef enum ag_attr_kind {
	AG_ATTR_TENSOR, AG_ATTR_INT, AG_ATTR_DIM, AG_ATTR_INTS, AG_ATTR_DIMS,
	AG_ATTR_BOOL, AG_ATTR_DOUBLE, AG_ATTR_NONE
} ag_attr_kind;
typedef struct ag_node_attr {
	char name[48];
	ag_attr_kind kind;
	int slot;			/* AG_ATTR_TENSOR */
	int count;			/* entries of ints */
	int64_t ints[AG_MAX_DIMS];	/* INT, DIM, BOOL: ints[0] */
	double d;			/* DOUBLE */
} ag_node_attr;
int ag_node_attrs(const ag_node *n, ag_node_attr *out, int max);
/* Sets PyTorch's error for saved tensors that backward has freed ("Trying
 * to backward through the graph a second time ..."); returns -1. */
int ag_error_saved_released(void);

/* A hook written by the embedder (the Lua binding).  Return 0 and
 * optionally a replacement through *out (new reference), or -1 with the
 * error state set.  free_ud releases ud when the hook goes. */
typedef struct ag_hook {
	int id;
	int refs;	/* set by registration; the engine holds one while it
			 * runs the hook */
	int (*tensor_fn)(void *ud, ag_tensor *grad, ag_tensor **out);
	/* node pre-hook: grads of outputs, may replace them in place */
	int (*pre_fn)(void *ud, ag_node *n, ag_tensor **grads, int ngrads);
	/* node post-hook: (grad_inputs = grads_out, grad_outputs = grads_in) */
	int (*post_fn)(void *ud, ag_node *n, ag_tensor **grad_inputs, int nin,
		       ag_tensor **grad_outputs, int nout);
	void *ud;
	void (*free_ud)(void *ud);
	struct ag_hook *next;
} ag_hook;

/* Hook registration: returns the hook id (> 0) or -1 (the hook is then
 * freed).  A tensor hook lives on the leaf itself, or for a non-leaf on
 * the node that was its grad_fn when its first hook was registered (the
 * tensor keeps that node: PyTorch 1.13's hook dict); removal goes through
 * the tensor or node it was registered on. */
int ag_node_add_pre_hook(ag_node *n, ag_hook *h);
int ag_node_add_post_hook(ag_node *n, ag_hook *h);
int ag_tensor_add_hook(ag_tensor *t, ag_hook *h);
bool ag_node_remove_hook(ag_node *n, int id);
bool ag_tensor_remove_hook(ag_tensor *t, int id);
/* Does t have tensor hooks, and on which node (NULL: on the leaf)? */
bool ag_tensor_has_hooks(const ag_tensor *t);
ag_node *ag_tensor_hooks_node(const ag_tensor *t);
/* Drops one reference (frees the hook and its ud with the last). */
void ag_hook_release(ag_hook *h);

/* Anomaly mode: where each node's forward ran, captured cheaply when the
 * node is made and formatted only when its backward fails (set by the
 * binding).  capture returns an opaque record (NULL: none). */
typedef struct ag_traceback_provider {
	void *(*capture)(void *ud);
	char *(*format)(void *ud, const void *rec);	/* malloc'd text */
	void (*release)(void *ud, void *rec);
	void *ud;
} ag_traceback_provider;
void ag_set_traceback_provider(const ag_traceback_provider *p);
/* The text of node n's record (malloc'd), or NULL without one. */
char *ag_node_traceback(const ag_node *n);

/* ------------------------------------------- saved-tensor hooks */

/* torch.autograd.graph.saved_tensors_hooks: while set, every tensor a node
 * saves goes through pack (without its history, under no_grad) and comes
 * back through unpack; versions are then not checked.  pack returns 0 and
 * an opaque value the saved slot owns, or -1; unpack a new reference or
 * NULL (error set); release frees a packed value.  The struct must outlive
 * the values packed with it. */
typedef struct ag_saved_hooks {
	int (*pack)(void *ud, ag_tensor *t, void **packed);
	ag_tensor *(*unpack)(void *ud, void *packed);
	void (*release)(void *ud, void *packed);
	void *ud;
} ag_saved_hooks;
void ag_set_saved_tensors_hooks(const ag_saved_hooks *h);	/* NULL: none */
const ag_saved_hooks *ag_get_saved_tensors_hooks(void);

/* ------------------------------------------------- custom Functions */

/* torch.autograd.Function: the embedder runs forward itself (without
 * recording), then records the call here.  backward is called as a node's
 * (with the node, one gradient per output in, one per argument out); ud is
 * the embedder's state, freed by free_ud with the node. */
typedef struct ag_function {
	const char *name;		/* "SquareBackward" */
	ag_backward_fn backward;
	void *ud;
	void (*free_ud)(void *ud);
} ag_function;

/* Records a call of fn with arguments in[0..nin) (NULL for those that are
 * not tensors) that returned the tensors outs[0..nout), keeping saved[]
 * for its backward.  An output that is also an input, or that has a
 * history already, is replaced in outs[] by an alias (the old reference is
 * released).  Without grad mode or inputs requiring grad, or when no
 * output is a tensor, it records nothing and fn.ud is freed.  The node is
 * returned through *node (borrowed, NULL if none); 0 or -1. */
int ag_function_record(const ag_function *fn, ag_tensor *const *in, int nin,
		       ag_tensor **outs, int nout, ag_tensor *const *saved,
		       int nsaved, ag_node **node);
/* The embedder's state of a Function's node, or NULL for other nodes. */
void *ag_function_ud(const ag_node *n);

/* -------------------------------------------------------- the engine */

typedef struct ag_backward_options {
	bool retain_graph;
	bool create_graph;
	/* autograd.grad: capture gradients for these inputs instead of
	 * accumulating into .grad (ninputs == 0: accumulate everywhere). */
	ag_tensor *const *inputs;
	int ninputs;
	bool allow_unused;
	/* backward(inputs=...): accumulate into .grad of these inputs only
	 * (a non-leaf among them must retain its grad) instead of capturing */
	bool accumulate;
} ag_backward_options;

/* Starts a backward pass from roots with the given gradients (NULL entries
 * mean "implicit ones for a scalar").  Checks everything PyTorch checks
 * before running anything. */
ag_engine *ag_engine_begin(ag_tensor *const *roots, ag_tensor *const *grads,
			   int nroots, const ag_backward_options *opt);
/* Runs one node: 1 if a node ran, 0 when done, -1 on error (the engine is
 * then finished; free it). */
int ag_engine_step(ag_engine *e);
/* Runs to the end (polls Ctrl-C between nodes). 0 or -1. */
int ag_engine_run(ag_engine *e);
/* The node step() would run next, or NULL when done. */
ag_node *ag_engine_peek(const ag_engine *e);
int ag_engine_pending(const ag_engine *e);	/* nodes still to run */
/* After autograd.grad: result i for input i (new ref, NULL if unused). */
ag_tensor *ag_engine_result(ag_engine *e, int i);
/* The forward traceback of the node that failed (anomaly mode), or NULL. */
const char *ag_engine_failed_traceback(const ag_engine *e);
const char *ag_engine_failed_node(const ag_engine *e);
void ag_engine_free(ag_engine *e);

/* The whole thing in one call (x.backward / torch.autograd.backward). */
int ag_backward(ag_tensor *const *roots, ag_tensor *const *grads, int n,
		bool retain_graph, bool create_graph);
/* The engine currently running (for the debugger), or NULL. */
ag_engine *ag_engine_current(void);

/* ---------------------------------------------- observers (debugger) */

struct ag_grad_stats {
	int ndim;
	int64_t shape[AG_MAX_DIMS];
	ag_dtype dtype;
	int64_t numel;
	double mean_abs, max_abs;
	int64_t n_nan, n_inf, n_zero;
	int64_t n_fp16_underflow;	/* non-zero values below fp16's range */
};

void ag_grad_stats_compute(ag_tensor *g, ag_grad_stats *st);
/* What rounding to float16/bfloat16 lost in node n's last backward: the
 * values that were nonzero before a store and zero after (*zero), finite
 * before and inf after (*inf).  For an AccumulateGrad: in the gradient that
 * reached its leaf, counted where it was last rounded (through views and
 * dtype casts).  Counted while gradient statistics are kept. */
void ag_node_lost(const ag_node *n, int64_t *zero, int64_t *inf);
/* Keep the statistics of every gradient on its node (ag_node_grad_stats),
 * for the viewer.  On by default; costs one pass over each gradient. */
void ag_set_keep_grad_stats(bool on);

typedef enum ag_backward_event_kind {
	AG_EV_BEGIN,		/* a backward pass starts */
	AG_EV_NODE,		/* a node ran: grads in and out */
	AG_EV_ACCUMULATE,	/* a leaf's .grad was written */
	AG_EV_END,		/* the pass ended (ok or not) */
	AG_EV_HOOK		/* tensor hooks replaced a gradient: in is the
				   gradient before them, out after (n_in = n_out
				   = 1), tensor_id the leaf's (0: a non-leaf's
				   output, node and index say which) */
} ag_backward_event_kind;

typedef struct ag_backward_event {
	ag_backward_event_kind kind;
	const ag_node *node;
	int n_in, n_out;
	const ag_grad_stats *in;	/* n_in entries (gradients arriving) */
	const ag_grad_stats *out;	/* n_out entries (NULL entries absent) */
	const bool *out_defined;
	uint64_t tensor_id;		/* AG_EV_ACCUMULATE: the leaf */
	int index;			/* AG_EV_HOOK: which output of node */
	int status;			/* AG_EV_END: 0 ok, -1 error */
} ag_backward_event;

void ag_set_backward_observer(void (*fn)(const ag_backward_event *ev, void *ud),
			      void *ud);

/* Trace log: a bounded ring of op events, ids and metadata only.  An
 * event is laid out for the op that writes it (every op does, so the log
 * costs what the cache lines it touches cost): what each event sets comes
 * first and a two-input op writes three lines of it; the texts are kept
 * by the log, once each, and pointed to (never NULL, "" when empty; valid
 * while the event is held). */
#define AG_TRACE_MAX_IO 4
typedef struct ag_trace_event {
	_Alignas(64) uint64_t seq;	/* event number, from 1 */
	uint64_t node_id;		/* the node's id if one was recorded, or 0 */
	const char *grad_fn;		/* that node's name, or "" */
	const char *where;		/* "file.lua:12" */
	const char *scope;		/* "model.fc1" */
	const char *note;		/* autocast's cast, a failed op's error */
	ag_op op;			/* which op (AG_OP_FUNCTION: see grad_fn) */
	ag_dtype out_dtype;
	uint8_t n_in, n_out;
	uint8_t out_ndim;
	bool grad_mode;			/* grad mode when the op ran */
	bool recorded;			/* an autograd edge was recorded */
	bool inplace;
	bool failed;			/* the op raised an error (note says) */
	bool in_requires_grad[AG_TRACE_MAX_IO];
	bool in_is_number[AG_TRACE_MAX_IO];	/* a Lua number operand */
	uint64_t out_storage;		/* storage id of output 0 */
	int64_t out_version;		/* its version after the op */
	int64_t out_shape[AG_MAX_DIMS];
	uint64_t in[AG_TRACE_MAX_IO], out[AG_TRACE_MAX_IO];
	double in_number[AG_TRACE_MAX_IO];	/* where in_is_number */
} ag_trace_event;

void ag_trace_enable(bool on);
bool ag_trace_enabled(void);
void ag_trace_set_capacity(size_t n);	/* events kept (default 16384) */
size_t ag_trace_count(void);		/* events held now */
/* Event i, 0 = oldest held; NULL if out of range. */
const ag_trace_event *ag_trace_get(size_t i);
void ag_trace_clear(void);
/* A factory (how: "torch.ones") made t at the Lua line the where provider
 * gives; ag_trace_created_where(id) finds it again among the last 4096
 * (NULL: not made by a factory, or forgotten), how's text in *how. */
void ag_trace_created(const ag_tensor *t, const char *how);
const char *ag_trace_created_where(uint64_t id, const char **how);
/* Where the caller is ("file:line") -- set by the binding. */
void ag_trace_set_where_provider(void (*fn)(char *buf, size_t n, void *ud),
				 void *ud);
void ag_trace_push_scope(const char *scope);
/* Logs an op that failed (an in-place write refused, ...) with the error
 * message, leaving the error state as it is. */
/* Sets the note of the last event when it made `out` (autocast's casts). */
void ag_trace_note_last(const ag_tensor *out, const char *note);
void ag_trace_failed(ag_op op, ag_tensor *const *in, int n_in,
		     ag_tensor *self);
/* Ops run inside another op are not the user's: suspend logging (nests). */
void ag_trace_suspend(void);
void ag_trace_resume(void);
void ag_trace_pop_scope(void);
/* The name an event's op goes by: the op's, or for a custom Function the
 * name of its node ("SquareBackward"). */
const char *ag_trace_event_op_name(const ag_trace_event *ev);

/* Called by every op (differentiable or not) after it computed its
 * outputs: logs the event and returns the event number (0 if off). */
uint64_t ag_trace_op(ag_op op, ag_tensor *const *in, int n_in,
		     ag_tensor *const *out, int n_out, ag_node *node,
		     bool inplace);

#endif
