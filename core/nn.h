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
#include "node.h"

/* The row kernels (softmax, layer_norm) are built for AVX-512 and AVX2
 * too, picked at load time.  Their files also say `#pragma GCC optimize
 * ("no-trapping-math")`: floating-point exceptions are never read, and
 * without trapping math the compiler turns the selects of the row loops
 * into vector blends instead of branches. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ROW_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ROW_CLONES
#endif

/* nn_softmax.c: 0 for the floating dtypes the nn kernels take (float32,
 * float64, and bfloat16 and float16, computed in float32), else -1 with
 * PyTorch's "\"kernel\" not implemented for 'Long'" text. */
int ag_nn_check_float(const ag_tensor *t, const char *kernel);

/* nll_loss's backward op (recorded), and nll_loss of a
 * gradient with a backward's arguments (its derivative, recorded). */
ag_tensor *ag_nll_loss_backward(ag_tensor *g, ag_tensor *target,
				ag_tensor *weight, ag_tensor *input,
				const ag_nll_args *a);
ag_tensor *ag_nll_loss_again(ag_tensor *gg, ag_tensor *target,
			     ag_tensor *weight, const ag_nll_args *a);

/* nn_norm.c: the fused gradients (not recorded) of a normalisation's node
 * (native_layer_norm, _batch_norm, _group_norm: geometry from its
 * arguments); need says which of input, weight, bias; grads[i] NULL where
 * not asked. */
int ag_norm_backward_fused(const ag_node *node, ag_tensor *dy, ag_tensor *x,
			   ag_tensor *w, ag_tensor *mean, ag_tensor *rstd,
			   const bool need[3], ag_tensor **grads);

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

/* nn_conv.c: a convolution's gradients (not recorded) where need[i]
 * (input, weight, bias); and convolution_backward, recorded, all three. */
int ag_conv_backward_fused(ag_tensor *gout, ag_tensor *x, ag_tensor *w,
			   const ag_conv_args *a, const bool need[3],
			   ag_tensor **grads);
int ag_convolution_backward(ag_tensor *gout, ag_tensor *x, ag_tensor *w,
			    const ag_conv_args *a, ag_tensor **grads);

/* nn_conv.c, transposed convolutions: the output's sizes for input x
 * (PyTorch's checks), and x zero-padded to the positions of the
 * convolution that is its adjoint (recorded; a new reference to x when
 * nothing is added) */
int ag_conv_transpose_shape(const ag_tensor *x, const ag_tensor *w,
			    const ag_tensor *b, const ag_conv_args *a,
			    int64_t *yshape);
ag_tensor *ag_conv_transpose_fit(ag_tensor *x, const int64_t *yshape,
				 ag_tensor *w, const ag_conv_args *a);

/* nn_pool.c: the backward ops of the poolings (recorded) */
ag_tensor *ag_max_pool2d_backward(ag_tensor *g, ag_tensor *x,
				  ag_tensor *indices, const ag_pool_args *a);
ag_tensor *ag_avg_pool2d_backward(ag_tensor *g, ag_tensor *x,
				  const ag_pool_args *a);
ag_tensor *ag_adaptive_avg_pool2d_backward(ag_tensor *g, ag_tensor *x,
					   const ag_pool_args *a);

#endif
