/*
 * grad.h - what the backward formulas share (grad_*.c, backward.c): the
 * prototype of every op's backward, from ops.def, and a few small tools.
 *
 * A formula is written with core's own ops, which record like any op, so
 * with create_graph the gradient computation is itself differentiable.
 * grads_in[i] is the gradient of output i; out[j] gets the gradient of
 * input j (a new reference), set only where ag_node_should_compute(self, j).
 * Names, what is saved and when follow PyTorch 1.13's derivatives.yaml.
 */
#ifndef AG_GRAD_H
#define AG_GRAD_H

#include "node.h"
#include "record.h"

/* ag_<backward> of each line of ops.def: ag_neg_bw, ag_mul_bw, ... */
#define OP(id, name, backward, ...)					\
	int ag_##backward(ag_node *self, ag_tensor **grads_in, ag_tensor **out);
#include "ops.def"
#undef OP

#define G(i) (grads_in[i])
#define NEED(i) ag_node_should_compute(self, i)

/* grad_pointwise.c: v as a 0-d tensor of like's dtype; a * s for a number
 * s, recorded like any mul; a (op) s for a comparison op: a bool mask. */
ag_tensor *ag_grad_scalar(double v, const ag_tensor *like);
ag_tensor *ag_grad_mul_scalar(ag_tensor *a, double s);
ag_tensor *ag_grad_compare(ag_op op, ag_tensor *a, double s);
/* A float mask (1 where cond) of like's dtype: no gradient flows through;
 * a * that mask, differentiable in a. */
ag_tensor *ag_grad_mask(ag_tensor *cond, const ag_tensor *like);
ag_tensor *ag_grad_masked(ag_tensor *a, ag_tensor *cond);

/* grad_reduce.c: g of a reduction's result (keepdim or not, over dims or
 * everything) broadcast back to the shape of the reduction's input. */
ag_tensor *ag_grad_expand_back(const ag_reduce_args *r, ag_tensor *g);

/* grad_view.c: src (laid out at geometry `from`) moved to geometry `to` of
 * the same storage, summing where elements alias; with divide_by (NULL or
 * one of the two), each position is first divided by how many elements of
 * that geometry share it. */
ag_tensor *ag_grad_move(ag_tensor *src, const ag_geometry *from,
			const ag_geometry *to, const ag_geometry *divide_by);
/* The move from the view's geometry to the input's (to_view: the other
 * way), recorded as op, so its own backward is the move back.  Both ways
 * divide by the aliases of the input's geometry, so each is the adjoint
 * of the other. */
ag_tensor *ag_grad_move_recorded(ag_tensor *src, const ag_strided_args *g,
				 bool to_view, ag_op op);
/* g (at geometry in) with the region the view covers replaced by region:
 * written with recorded ops so create_graph differentiates through it. */
ag_tensor *ag_grad_overwrite_region(ag_tensor *g, ag_tensor *region,
				    const ag_strided_args *geo);

static inline void rel(ag_tensor *t) { ag_tensor_release(t); }

#endif
