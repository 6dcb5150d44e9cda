/*
 * opargs_fused.h - the argument struct of the fused backward ops of the
 * smooth activations (issue 11); included by opargs.h, same rules: plain
 * data only.
 */
#ifndef AG_OPARGS_FUSED_H
#define AG_OPARGS_FUSED_H

/* The fused backward ops, (grad_output, x) -> grad_input, as PyTorch's
 * kernels have them; x is the input, or for sigmoid_backward and
 * tanh_backward the output:
 *   gelu_backward        a = 1: the tanh approximation
 *   elu_backward         a = alpha, b = scale, c = input_scale
 *   softplus_backward    a = beta, b = threshold
 * the others (silu, mish, hardswish, hardsigmoid, log_sigmoid, sigmoid,
 * tanh) have no numbers. */
typedef struct ag_act_bw_args {
	double a, b, c;
} ag_act_bw_args;

#endif
