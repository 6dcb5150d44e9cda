/*
 * nn.h - what the nn kernels (nn_*.c) share with their backward formulas
 * (grad_nn.c): the backward ops and fused backward kernels.  The public
 * functions are in ag_nn.h.
 */
#ifndef AG_NN_H
#define AG_NN_H

#include "internal.h"
#include "autograd.h"
#include "record.h"

/* nn_softmax.c: nll_loss's backward op (recorded), and nll_loss of a
 * gradient with a backward's arguments (its derivative, recorded). */
ag_tensor *ag_nll_loss_backward(ag_tensor *g, ag_tensor *target,
				ag_tensor *weight, ag_tensor *input,
				const ag_nll_args *a);
ag_tensor *ag_nll_loss_again(ag_tensor *gg, ag_tensor *target,
			     ag_tensor *weight, const ag_nll_args *a);

/* nn_norm.c: fused gradients (not recorded) of the normalisations; need
 * says which of input, weight, bias; grads[i] NULL where not asked. */
int ag_layer_norm_backward_fused(ag_tensor *dy, ag_tensor *x, ag_tensor *w,
				 ag_tensor *mean, ag_tensor *rstd, int axis,
				 const bool need[3], ag_tensor **grads);
int ag_batch_norm_backward_fused(ag_tensor *dy, ag_tensor *x, ag_tensor *w,
				 ag_tensor *mean, ag_tensor *rstd, bool training,
				 const bool need[3], ag_tensor **grads);
int ag_group_norm_backward_fused(ag_tensor *dy, ag_tensor *x, ag_tensor *w,
				 ag_tensor *mean, ag_tensor *rstd,
				 int64_t groups, const bool need[3],
				 ag_tensor **grads);

/* nn_loss.c: the terms of a pointwise loss and their derivatives in
 * input and target (gt may be NULL), with recorded ops. */
ag_tensor *ag_loss_terms(ag_op op, ag_tensor *x, ag_tensor *t, ag_tensor *w,
			 ag_tensor *pw, double param);
int ag_loss_term_grads(ag_op op, ag_tensor *x, ag_tensor *t, ag_tensor *w,
		       ag_tensor *pw, double param, ag_tensor **gx,
		       ag_tensor **gt);
/* embedding's backward op, and its derivative in g */
ag_tensor *ag_embedding_backward(ag_tensor *g, ag_tensor *indices,
				 const ag_embedding_args *a);
ag_tensor *ag_embedding_again(ag_tensor *gg, ag_tensor *indices,
			      const ag_embedding_args *a);

#endif
