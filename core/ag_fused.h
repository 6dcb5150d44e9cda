/*
 * ag_fused.h - public API of core's fused backward ops of the smooth
 * activations (issue 11; included by ag.h, whose conventions hold).
 */
#ifndef AG_FUSED_H
#define AG_FUSED_H

/* The backward op of a smooth activation, one pass over its inputs:
 * AG_OP_GELU_BACKWARD, AG_OP_SILU_BACKWARD, AG_OP_MISH_BACKWARD,
 * AG_OP_ELU_BACKWARD, AG_OP_SOFTPLUS_BACKWARD, AG_OP_HARDSWISH_BACKWARD,
 * AG_OP_HARDSIGMOID_BACKWARD, AG_OP_LOG_SIGMOID_BACKWARD (x = the
 * activation's input) and AG_OP_SIGMOID_BACKWARD, AG_OP_TANH_BACKWARD
 * (x = its output): grad * f'(x) with f's numbers in args
 * (opargs_fused.h; NULL for the ops without), recorded as PyTorch's
 * ...BackwardBackward0 node so that a second derivative goes through it. */
struct ag_act_bw_args;
ag_tensor *ag_act_backward(ag_op op, ag_tensor *grad, ag_tensor *x,
			   const struct ag_act_bw_args *args);

/* Without a graph of the backward: var's gradient scale * g * (x - r)
 * (r the mean) or, lse true, logsumexp's g * exp(x - r) (r the result),
 * in one pass; g and r have x's dims (the reduced ones of size 1).  Fits
 * when grad mode is off and all three are float32, or all float64. */
bool ag_reduce_bw_fused_fits(const ag_tensor *g, const ag_tensor *x,
			     const ag_tensor *r);
ag_tensor *ag_reduce_bw_fused(bool lse, ag_tensor *g, ag_tensor *x,
			      ag_tensor *r, double scale);

#endif
