/*
 * record.h - how an op tells autograd and the trace log what it did.
 *
 * Every op computes its outputs and then makes one ag_record call.  The
 * recording path logs the op in the trace log and, when grad mode is on
 * and an input needs a gradient, makes the node the op's line of ops.def
 * describes: its grad_fn name, edges to the inputs' histories, the tensors
 * its backward reads (.saves), the op's argument struct (.args), and hands
 * it to the outputs (or, for an in-place op, rebases self's history).
 *
 * An in-place op first calls ag_check_inplace(self) (the leaf checks);
 * when ag_record_needs_original says the backward reads self's old value,
 * it passes a copy of it made before the write (ag_original_copy).
 */
#ifndef AG_RECORD_H
#define AG_RECORD_H

#include "internal.h"
#include "autograd.h"
#include "opargs.h"

/* One call of an op, as the recording path sees it. */
typedef struct ag_call {
	ag_op op;
	int variant;		/* which of the op's grad_fn names (0, 1) */
	ag_tensor *const *in;	/* every tensor argument, in order */
	int nin;
	ag_tensor *const *out;	/* the outputs; for an in-place op, self */
	int nout;
	const void *args;	/* the op's argument struct, or NULL */
	size_t args_size;	/* its size (cat's grows with its inputs) */
	bool inplace;		/* out[0] == in[0], written in place */
	ag_tensor *original;	/* in-place: self before the write, or NULL */
} ag_call;

/* Records the call: 0, or -1 with the error state set (the op then drops
 * its outputs and fails). */
int ag_record(const ag_call *c);

/* The tail of an op with one fresh output: records it as call c (whose
 * out/nout it fills in) and returns it, or releases it and returns NULL
 * when out is NULL or recording fails. */
ag_tensor *ag_recorded(ag_tensor *out, ag_call c);

/* Would a call of op on these inputs record a node right now? */
bool ag_record_needed(ag_op op, ag_tensor *const *in, int nin);
/* Does the in-place form of op on in[0] need self's value from before the
 * write (its backward reads self)? */
bool ag_record_needs_original(ag_op op, ag_tensor *const *in, int nin);

/* The checks before an in-place write into self (PyTorch's texts): an
 * inference tensor outside inference_mode, a view that may not be written
 * in place (made under no_grad, by split/unbind, ...), a leaf or a view of
 * a leaf that requires grad.  ag_check_inplace_of also counts the op's
 * other inputs (`in`, self among them) as PyTorch's compute_requires_grad. */
int ag_check_inplace(ag_tensor *self);
int ag_check_inplace_of(ag_tensor *self, ag_tensor *const *in, int nin);
/* The out= refusal when an argument requires grad. */
int ag_check_out_autograd(ag_op op, ag_tensor *const *in, int n);

#endif
