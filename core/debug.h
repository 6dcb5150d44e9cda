/*
 * debug.h - what the debugger reads of core beyond the autograd API
 * (autograd.h): the facts behind the last error, strict overlap checks,
 * in-place writes as they happen, what a node saved and at which version,
 * and where a backward pass stands (the gradients waiting, the order the
 * rest will run in, the node that failed).
 *
 * Everything here only reads or reports: nothing changes what an op or a
 * backward pass computes.  Facts are copies (ids, shapes, strides), so they
 * keep no tensor alive.
 */
#ifndef AG_DEBUG_H
#define AG_DEBUG_H

#include "ag.h"
#include "autograd.h"

/* --------------------------------------------------- facts of an error */

/* Every error core sets has a number (counting from 1); facts recorded
 * with an error carry it, so they are never mistaken for a later error's. */
uint64_t ag_error_serial(void);

/* A tensor as an error saw it. */
typedef struct ag_tensor_fact {
	uint64_t tensor_id, storage_id;
	ag_dtype dtype;
	int ndim;
	int64_t shape[AG_MAX_DIMS];
	int64_t stride[AG_MAX_DIMS];
	int64_t offset;
	int64_t storage_numel;	/* elements of dtype the storage holds */
} ag_tensor_fact;

typedef enum ag_fact_kind {
	AG_FACT_NONE = 0,
	AG_FACT_INTERNAL_OVERLAP,	/* t[0]: the destination */
	AG_FACT_PARTIAL_OVERLAP,	/* t[0]: the destination, t[1]: the input */
	AG_FACT_BROADCAST		/* t[0], t[1]: shapes a and b; dim */
} ag_fact_kind;

typedef struct ag_error_facts {
	ag_fact_kind kind;
	uint64_t serial;	/* the error they belong to */
	ag_tensor_fact t[2];
	int dim;		/* AG_FACT_BROADCAST: the dim that failed (0-based,
				   of the broadcast shape) */
} ag_error_facts;

/* The facts recorded with the most recent error that had any. */
const ag_error_facts *ag_last_error_facts(void);
/* Records facts for the error just set (kind and tensors filled in by the
 * caller; the serial is taken here). */
void ag_set_error_facts(const ag_error_facts *f);
void ag_tensor_fact_of(const ag_tensor *t, ag_tensor_fact *out);

/* ------------------------------------------------- strict overlap */

/* PyTorch lets a write through a layout it cannot decide cheaply (a
 * "TooHard" overlap: as_strided, unfold-like views) go ahead, although the
 * result may depend on the order elements are written.  With strict
 * overlap on, such a write is checked element by element, and a real
 * collision is reported through the warning function (it still runs). */
void ag_set_strict_overlap(bool on);
bool ag_strict_overlap(void);
void ag_set_overlap_warning(void (*fn)(const char *msg, void *ud), void *ud);

/* ------------------------------------------------- in-place writes */

/* Called after every version bump (an in-place write) with the tensor
 * written; it must not change the tensor. */
void ag_set_version_observer(void (*fn)(const ag_tensor *t, void *ud), void *ud);

/* ------------------------------------------------- nodes */

/* A node's saved tensor i as it stands, without unpacking it (which would
 * fail with PyTorch's error once it was modified or freed). */
typedef struct ag_saved_info {
	bool defined;		/* something was saved there */
	bool released;		/* freed by a backward pass */
	bool is_output;		/* an output of the node itself */
	int index;		/* which input or output, from the op's table
				   (-1 when unknown: a custom Function) */
	uint64_t tensor_id;	/* the tensor kept (0 when released) */
	uint64_t storage_id;
	int64_t saved_version, current_version;
	ag_dtype dtype;
	int ndim;
	int64_t shape[AG_MAX_DIMS];
} ag_saved_info;

int ag_node_saved_info(const ag_node *n, int i, ag_saved_info *out);
/* The tensor hooks registered on a leaf (x:register_hook). */
int ag_tensor_hook_count(const ag_tensor *t);
/* What the node's op is (AG_OP_FUNCTION for a custom Function). */
ag_op ag_node_op(const ag_node *n);

/* ------------------------------------------------- a backward pass */

/* The gradient waiting for output i of the node step() runs next
 * (borrowed; NULL when none arrived: it runs with zeros). */
ag_tensor *ag_engine_peek_grad(const ag_engine *e, int i);
/* The nodes still to run, in the order step() will run them; returns how
 * many there are (at most max are written to out). */
int ag_engine_schedule(const ag_engine *e, ag_node **out, int max);
/* The node whose backward failed (borrowed, alive until the engine is
 * freed), or NULL. */
ag_node *ag_engine_failed_at(const ag_engine *e);

/* The backward observer gets the statistics of the gradients a node
 * returns only when asked (a pass over each of them); on by default. */
void ag_set_observe_outputs(bool on);

#endif
