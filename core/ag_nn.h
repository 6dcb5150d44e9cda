/*
 * ag_nn.h - the nn functions of core (included by ag.h): softmax, the
 * losses, the normalisations.  Dims and class indices are 0-based here;
 * reductions are AG_REDUCTION_NONE/MEAN/SUM (opargs.h: 0, 1, 2).
 */
#ifndef AG_AG_NN_H
#define AG_AG_NN_H

/* softmax / log_softmax along dim (negative counts from the end) */
ag_tensor *ag_softmax(ag_tensor *x, int dim);
ag_tensor *ag_log_softmax(ag_tensor *x, int dim);
/* their backward ops (dim wrapped): grad_input from grad_output, output */
ag_tensor *ag_softmax_backward_data(ag_tensor *g, ag_tensor *y, int dim);
ag_tensor *ag_log_softmax_backward_data(ag_tensor *g, ag_tensor *y, int dim);

/* input [C], [N, C] or [N, C, d1, ...] of log-probabilities, int64 target
 * [], [N] or [N, d1, ...]; weight [C] or NULL */
ag_tensor *ag_nll_loss(ag_tensor *input, ag_tensor *target, ag_tensor *weight,
		       int reduction, int64_t ignore_index);

/* layer_norm over the last nd dims (whose sizes normalized_shape gives);
 * weight and bias of that shape, or NULL */
int ag_native_layer_norm(ag_tensor *x, const int64_t *normalized_shape,
			 int nd, ag_tensor *w, ag_tensor *b, double eps,
			 ag_tensor **out, ag_tensor **mean, ag_tensor **rstd);
ag_tensor *ag_layer_norm(ag_tensor *x, const int64_t *normalized_shape,
			 int nd, ag_tensor *w, ag_tensor *b, double eps);
/* batch_norm over dim 1 of [N, C, *]; training updates the running
 * statistics in place (when given), eval uses them */
int ag_native_batch_norm(ag_tensor *x, ag_tensor *w, ag_tensor *b,
			 ag_tensor *running_mean, ag_tensor *running_var,
			 bool training, double momentum, double eps,
			 ag_tensor **out);
/* group_norm of [N, C, *] in `groups` groups of channels */
int ag_native_group_norm(ag_tensor *x, int64_t groups, ag_tensor *w,
			 ag_tensor *b, double eps, ag_tensor **out);

/* A pointwise loss: op AG_OP_MSE_LOSS, SMOOTH_L1_LOSS (param = beta),
 * HUBER_LOSS (param = delta), BINARY_CROSS_ENTROPY, BCE_WITH_LOGITS;
 * input and target broadcast (the BCEs want equal shapes); weight and
 * pos_weight (BCE with logits) broadcast to them, or NULL */
ag_tensor *ag_pointwise_loss(ag_op op, ag_tensor *x, ag_tensor *t,
			     ag_tensor *w, ag_tensor *pw, int reduction,
			     double param);
/* rows of a 2-d weight at int64 0-based indices; padding_idx's row (-1:
 * none) gets no gradient */
ag_tensor *ag_embedding(ag_tensor *weight, ag_tensor *indices,
			int64_t padding_idx);

/* convolution of x [N, C, (H,) W] with w [O, C / groups, (kh,) kw] and
 * bias [O] or NULL; args->nsp spatial dims (1 or 2) */
struct ag_conv_args;	/* opargs.h */
ag_tensor *ag_convolution(ag_tensor *x, ag_tensor *w, ag_tensor *b,
			  const struct ag_conv_args *args);

/* max_pool2d / avg_pool2d over the last two dims of [N, C, H, W] or
 * [C, H, W]; max_pool2d's indices are int64, 0-based h * W + w */
struct ag_pool_args;	/* opargs.h */
int ag_max_pool2d_with_indices(ag_tensor *x, const struct ag_pool_args *a,
			       ag_tensor **out, ag_tensor **indices);
ag_tensor *ag_avg_pool2d(ag_tensor *x, const struct ag_pool_args *a);
/* adaptive_avg_pool2d to out_h x out_w (a->out_h, out_w) */
ag_tensor *ag_adaptive_avg_pool2d(ag_tensor *x, const struct ag_pool_args *a);

#endif
