/*
 * ag_more.h - public API of core's ops-more family of issue 11 (included
 * by ag.h; the conventions of ag.h hold: 0-based dims, errors as values).
 */
#ifndef AG_MORE_H
#define AG_MORE_H

/* hardshrink(x, lambd), softshrink(x, lambd) (lambd >= 0, PyTorch's text
 * otherwise, for softshrink) */
ag_tensor *ag_hardshrink(ag_tensor *t, double lambd);
ag_tensor *ag_softshrink(ag_tensor *t, double lambd);

/* The backward op of a piecewise-linear activation (AG_OP_THRESHOLD_BACKWARD,
 * AG_OP_LEAKY_RELU_BACKWARD, AG_OP_HARDTANH_BACKWARD,
 * AG_OP_HARDSHRINK_BACKWARD, AG_OP_SOFTSHRINK_BACKWARD): grad (shaped like
 * self) through the mask of self that args describe (opargs_more.h),
 * recorded so that its own derivative is the same op in grad and zeros in
 * self, as PyTorch's ...BackwardBackward0 nodes. */
struct ag_piecewise_args;
ag_tensor *ag_piecewise_backward(ag_op op, ag_tensor *grad, ag_tensor *self,
				 const struct ag_piecewise_args *args);

/* rrelu(x, lower, upper, training): in training each non-positive element
 * gets a slope drawn uniformly from [lower, upper] from the default
 * generator, one draw per such element in order, as PyTorch's CPU kernel;
 * in eval the slope is (lower + upper) / 2.  RreluWithNoiseBackward0. */
ag_tensor *ag_rrelu(ag_tensor *t, double lower, double upper, bool training);
int ag_rrelu_(ag_tensor *t, double lower, double upper, bool training);

/* glu(x, dim): first half * sigmoid(second half) along dim (wrapped here) */
ag_tensor *ag_glu(ag_tensor *t, int dim);

/* prelu(x, weight): x where x > 0, weight * x elsewhere; weight has one
 * element or one per channel (dim 1 of x; x's only dim when it has one). */
ag_tensor *ag_prelu(ag_tensor *t, ag_tensor *weight);
/* prelu's weight shaped to broadcast against t: [1, C, 1, ...], or as it
 * is when it has one element or t fewer than 2 dims (a view when it can). */
ag_tensor *ag_prelu_weight_view(ag_tensor *weight, const ag_tensor *t);

#endif
