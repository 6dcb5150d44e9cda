/*
 * opargs_more.h - the argument structs of the ops-more family of issue 11
 * (hardshrink, softshrink, rrelu, glu, prelu and the backward ops of the
 * piecewise-linear activations); included by opargs.h, same rules: plain
 * data only.
 */
#ifndef AG_OPARGS_MORE_H
#define AG_OPARGS_MORE_H

/* hardshrink, softshrink: lambd */
typedef struct ag_shrink_args {
	double lambd;
} ag_shrink_args;

/* The backward ops of the piecewise-linear activations, (grad, self) ->
 * grad_input, as PyTorch's kernels have them:
 *   threshold_backward   self <= a ? 0 : grad          (relu: a = 0)
 *   leaky_relu_backward  self > 0 ? grad : grad * a
 *   hardtanh_backward    self <= a || self >= b ? 0 : grad
 *   hardshrink_backward, softshrink_backward
 *                        -a <= self <= a ? 0 : grad
 * self_is_result: leaky_relu_backward of the in-place form (PyTorch's
 * argument of the same name; shown, not used by the formula). */
typedef struct ag_piecewise_args {
	double a, b;
	bool self_is_result;
} ag_piecewise_args;

/* rrelu_with_noise: the slopes' range and the mode; in training the slope
 * of each element is in the noise tensor (1 where the input is > 0). */
typedef struct ag_rrelu_args {
	double lower, upper;
	bool training;
} ag_rrelu_args;

/* glu: the dim halved (wrapped) */
typedef struct ag_glu_args {
	int dim;
} ag_glu_args;

#endif
