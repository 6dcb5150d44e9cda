/*
 * ops.h - the op table: one descriptor per op, all generated from the one
 * list in ops.def.  The enum below, the names in the trace log and in error
 * messages, the grad_fn names of the nodes an op records, what a node
 * saves, the Lua functions the binding registers and the op kinds the
 * viewer draws all come from that list; see ops.def for how to add an op.
 */
#ifndef AG_OPS_H
#define AG_OPS_H

#include <stddef.h>
#include <stdint.h>

typedef enum ag_op {
#define OP(id, ...) AG_OP_##id,
#include "ops.def"
#undef OP
	AG_OP_COUNT
} ag_op;

/* What family an op belongs to (the viewer colours by it, the binding
 * registers pointwise ops from the table). */
typedef enum ag_op_kind {
	AG_OPK_POINTWISE,	/* elementwise over broadcast inputs */
	AG_OPK_REDUCTION,	/* folds dims away */
	AG_OPK_LINALG,		/* matrix products */
	AG_OPK_VIEW,		/* a new geometry over the same storage */
	AG_OPK_COPY,		/* values copied or written into a tensor */
	AG_OPK_INDEX,		/* joining, gathering, scattering */
	AG_OPK_CUT,		/* cuts autograd history (detach) */
	AG_OPK_GRAPH,		/* a node of the autograd graph, not a user's op */
	AG_OPK_COUNT
} ag_op_kind;

/* Flags of an op. */
enum {
	AG_OPF_INPLACE = 1 << 0,	/* has an in-place form, name_ */
	AG_OPF_VIEW = 1 << 1,		/* its output is a view whose history
					 * follows its base's */
};

/* Pointwise ops: the dtype the result gets from the inputs' common dtype. */
typedef enum ag_promote {
	AG_PROMOTE_KEEP,		/* the common dtype (add, neg) */
	AG_PROMOTE_INT_TO_FLOAT,	/* integers and bool become float32 (exp, div) */
	AG_PROMOTE_COMPARE,		/* computed in the common dtype, bool out */
} ag_promote;

/* What autocast does to an op's floating inputs (PyTorch 1.13's CPU lists
 * in autocast_mode.cpp; core/autocast.h): nothing, cast them to the
 * autocast dtype, to float32, or to the widest of them. */
typedef enum ag_autocast_policy {
	AG_AUTOCAST_NONE,
	AG_AUTOCAST_LOWER,
	AG_AUTOCAST_FP32,
	AG_AUTOCAST_PROMOTE,
} ag_autocast_policy;

/* A set of dtypes (bit = 1 << dtype), for the dtypes a kernel serves. */
#define AG_DT(dt) (1u << (dt))
/* Sets that recur in the table: the integer types; the floating types
 * (float16 and bfloat16 compute in float32 and round on store, as
 * PyTorch 2's CPU kernels do: issue 13). */
#define AG_DT_INTS (AG_DT(AG_UINT8) | AG_DT(AG_INT8) | AG_DT(AG_INT16) | \
		    AG_DT(AG_INT32) | AG_DT(AG_INT64))
#define AG_DT_FLOATS (AG_DT(AG_FLOAT32) | AG_DT(AG_FLOAT64) | \
		      AG_DT(AG_FLOAT16) | AG_DT(AG_BFLOAT16))

/* A tensor an op's backward reads, saved when the op records: input or
 * output `index`, always (when < 0) or only when input `when` needs a
 * gradient.  Saved tensors are numbered in the order the op lists them. */
typedef struct ag_save {
	enum { AG_SAVE_NONE, AG_SAVE_INPUT, AG_SAVE_OUTPUT } what;
	int8_t index;
	int8_t when;
} ag_save;

#define AG_OP_MAX_SAVES 4
#define AG_SAVE_IN(i) { AG_SAVE_INPUT, (i), -1 }
#define AG_SAVE_IN_IF(i, needed) { AG_SAVE_INPUT, (i), (needed) }
#define AG_SAVE_OUT(i) { AG_SAVE_OUTPUT, (i), -1 }
#define AG_SAVE_OUT_IF(i, needed) { AG_SAVE_OUTPUT, (i), (needed) }

typedef struct ag_opinfo {
	const char *name;	/* PyTorch's and Lua's name: "add" */
	ag_op_kind kind;
	int nin;		/* tensor inputs; -1: a list of any length */
	int nout;		/* outputs */
	/* the node it records, PyTorch's name (other spellings where the
	 * op's arguments change PyTorch's name: RsubBackward1, XlogyBackward2);
	 * NULL for an op that is not differentiable */
	const char *grad_fn[3];
	unsigned edges;		/* inputs that get gradient edges (bit i =
				 * input i); 0: every input */
	ag_save saves[AG_OP_MAX_SAVES];	/* what its backward reads */
	/* PyTorch's names for them (node._saved_<name>), where they are not
	 * the default: input 0 "self", input 1 "other", output 0 "result" */
	const char *saved_names[AG_OP_MAX_SAVES];
	size_t args;		/* size of its argument struct (opargs.h) */
	unsigned flags;
	/* pointwise: result dtype, and the compute dtypes it has a kernel for
	 * (0: all); `kernel` is the name PyTorch's "not implemented for"
	 * message gives */
	ag_promote promote;
	unsigned dtypes;
	const char *kernel;
	/* its list under autocast (PyTorch 1.13, CPU); NONE: not on one */
	ag_autocast_policy autocast;
} ag_opinfo;

/* The descriptor of op, or NULL when op is out of range. */
const ag_opinfo *ag_op_info(ag_op op);
/* Its name, "?" when out of range. */
const char *ag_op_name(ag_op op);

#endif
