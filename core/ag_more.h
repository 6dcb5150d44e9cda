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

/* The backward ops of rrelu, glu and prelu (more_bw.c), recorded as
 * PyTorch's rrelu_with_noise_backward, glu_backward and prelu_backward so
 * that their derivatives are PyTorch's ...BackwardBackward0 nodes.  dim is
 * wrapped here; prelu_backward gives both gradients (new references). */
struct ag_rrelu_args;
ag_tensor *ag_rrelu_backward(ag_tensor *grad, ag_tensor *self,
			     ag_tensor *noise, const struct ag_rrelu_args *a);
ag_tensor *ag_glu_backward(ag_tensor *grad, ag_tensor *self, int dim);
int ag_prelu_backward(ag_tensor *grad, ag_tensor *self, ag_tensor *weight,
		      ag_tensor **grad_self, ag_tensor **grad_weight);
/* prelu's weight gradient: g * x where pos (x > 0) is false, summed over
 * every dim but the channels' (all of them for a single weight), shaped
 * like w; recorded when grad mode is on. */
ag_tensor *ag_prelu_weight_sum(ag_tensor *g, ag_tensor *x, ag_tensor *pos,
			       ag_tensor *w);

/* out=: result r written into out as PyTorch's out= writes, r's dtype
 * cast to out's where it can be (PyTorch's message where not), an out of
 * another shape resized to r's (given a new storage); not recorded. */
int ag_out_write(ag_tensor *out, ag_tensor *r);

/* The in-place view ops (unsqueeze_, squeeze_, t_, transpose_,
 * as_strided_): t takes the geometry of v, a view of t just made by the
 * view op (as ag_unsqueeze(t, d)), and v's history under the op's
 * in-place name (UnsqueezeBackward1, ...), after the in-place checks;
 * t's version goes up.  The caller still releases v.  v NULL: -1 (the
 * view op's error stands). */
int ag_view_inplace(ag_tensor *t, ag_tensor *v);

/* linalg.multi_dot: the product of n matrices in the order of fewest
 * multiplications (recorded mm's); a 1-d first (last) is a row (column)
 * whose dim the result leaves out. */
ag_tensor *ag_multi_dot(ag_tensor *const *ts, int n);

/* searchsorted(seq, values): for each value the position of the first
 * element of its row of seq that is >= it (> it with right), rows of
 * seq's last dim (one row for a 1-d seq); sorter (int64, 0-based, or
 * NULL) orders an unsorted seq.  Positions count from base (0, or 1 for
 * Lua); int32 results with out_int32.  bucketize: a 1-d seq, its messages. */
ag_tensor *ag_searchsorted(ag_tensor *seq, ag_tensor *values, bool right,
			   bool out_int32, ag_tensor *sorter, int64_t base,
			   bool bucketize);
/* bincount of a 1-d integer tensor whose values (from base on) are bins:
 * counts (int64) or sums of weights, at least minlength bins. */
ag_tensor *ag_bincount(ag_tensor *t, ag_tensor *weights, int64_t minlength,
		       int64_t base);
/* histc: bins equal bins over [min, max] (the data's range when min ==
 * max), values outside left out. */
ag_tensor *ag_histc(ag_tensor *t, int64_t bins, double min, double max);
/* quantile / nanquantile (ignore_nan) of t along *dim (over everything
 * when dim is NULL) at q (0-d or 1-d, t's dtype); interp from
 * ag_quantile_interpolation ("linear" 0, "lower", "higher", "midpoint",
 * "nearest"; -1 with PyTorch's message for other names). */
int ag_quantile_interpolation(const char *name);
ag_tensor *ag_quantile(ag_tensor *t, ag_tensor *q, const int *dim,
		       bool keepdim, int interp, bool ignore_nan);

#endif
