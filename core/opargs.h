/*
 * opargs.h - the arguments an op keeps on its node for its backward
 * formula: one struct per kind of argument list, named in the op's line of
 * ops.def (.args = sizeof(...)), filled by the op when it records and read
 * by its backward through AG_ARGS(node, type).  Plain data only: tensors a
 * backward needs are saved tensors (the .saves column), never arguments.
 */
#ifndef AG_OPARGS_H
#define AG_OPARGS_H

#include "ag.h"

/* A shape (the input's, for formulas that must give it back). */
typedef struct ag_shape {
	int ndim;
	int64_t size[AG_MAX_DIMS];
} ag_shape;

ag_shape ag_shape_of(const ag_tensor *t);

/* Where a view sits in its storage (elements of the same storage). */
typedef struct ag_geometry {
	int ndim;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS], offset;
} ag_geometry;

ag_geometry ag_geometry_of(const ag_tensor *t);

/* clamp: NAN for a missing bound. */
typedef struct ag_clamp_args {
	double min, max;
} ag_clamp_args;

/* leaky_relu */
typedef struct ag_leaky_relu_args {
	double negative_slope;
} ag_leaky_relu_args;

/* elu(x, alpha, scale, input_scale); selu is elu with fixed constants,
 * celu(x, alpha) elu with input_scale 1 / alpha. */
typedef struct ag_elu_args {
	double alpha, scale, input_scale;
} ag_elu_args;

/* gelu: exact, or the tanh approximation */
typedef struct ag_gelu_args {
	bool tanh;
} ag_gelu_args;

/* softplus */
typedef struct ag_softplus_args {
	double beta, threshold;
} ag_softplus_args;

/* hardtanh (relu6 is hardtanh(0, 6)) */
typedef struct ag_hardtanh_args {
	double min_val, max_val;
} ag_hardtanh_args;

/* threshold: x > threshold ? x : value */
typedef struct ag_threshold_args {
	double threshold, value;
} ag_threshold_args;

/* logit: NAN for no eps */
typedef struct ag_logit_args {
	double eps;
} ag_logit_args;

/* round(x, decimals) */
typedef struct ag_round_args {
	int64_t decimals;
} ag_round_args;

/* nan_to_num: the replacements, already defaulted to the dtype's limits */
typedef struct ag_nan_to_num_args {
	double nan, posinf, neginf;
} ag_nan_to_num_args;

/* addcmul, addcdiv: self + value * t1 (op) t2 */
typedef struct ag_addc_args {
	double value;
} ag_addc_args;

/* sum, mean, max, min over dims, or over everything (all: to 0-d). */
typedef struct ag_reduce_args {
	ag_shape in;
	bool all;
	bool keepdim;
	int ndims;
	int dims[AG_MAX_DIMS];	/* wrapped, ascending, unique */
	int64_t count;		/* elements folded into each output */
} ag_reduce_args;

/* Ops along one dim: max(dim), min(dim), unsqueeze, squeeze(dim), stack,
 * index_select, sort, topk, kthvalue, median(dim), mode (dim wrapped;
 * sort and topk keep the dim: keepdim true). */
typedef struct ag_dim_args {
	ag_shape in;
	int dim;
	bool keepdim;
} ag_dim_args;

/* var, std, var_mean, std_mean: the reduction and its correction (the
 * divisor is count - correction). */
typedef struct ag_var_args {
	ag_reduce_args r;
	double correction;
} ag_var_args;

/* norm, linalg.vector_norm: the reduction and the order p (inf: max |x|,
 * -inf: min |x|, 0: the count of non-zeros). */
typedef struct ag_norm_args {
	ag_reduce_args r;
	double p;
} ag_norm_args;

/* cumsum, cumprod along dim (wrapped); reverse: from the last element
 * back (the backward of cumsum is a reverse cumsum). */
typedef struct ag_scan_args {
	int dim;
	bool reverse;
} ag_scan_args;

/* transpose */
typedef struct ag_transpose_args {
	int dim0, dim1;
} ag_transpose_args;

/* permute */
typedef struct ag_permute_args {
	int ndims;
	int dims[AG_MAX_DIMS];
} ag_permute_args;

/* slice, select, as_strided and the moves their backward records: both
 * geometries over the input's storage. */
typedef struct ag_strided_args {
	ag_geometry in, view;
} ag_strided_args;

/* to(dtype): the dtype it came from. */
typedef struct ag_to_args {
	ag_dtype from;
} ag_to_args;

/* cat: per input, its size along dim (-1: a legacy empty input cat
 * skipped, which gets no gradient).  Sized for n inputs when recorded. */
typedef struct ag_cat_args {
	int dim;
	int n;
	int64_t sizes[];
} ag_cat_args;

/* ---- nn functions (issue 11) */

/* Reductions of the losses, PyTorch's enum values. */
enum { AG_REDUCTION_NONE = 0, AG_REDUCTION_MEAN = 1, AG_REDUCTION_SUM = 2 };

/* softmax, log_softmax and their backward ops: the dim, wrapped. */
typedef struct ag_softmax_args {
	int dim;
} ag_softmax_args;

/* nll_loss and nll_loss_backward: the input's shape, the reduction, the
 * class index ignored (0-based), and the sum of the weights of the targets
 * counted (what mean divides by). */
typedef struct ag_nll_args {
	ag_shape in;
	int reduction;
	int64_t ignore_index;
	double total_weight;
	bool has_weight;
} ag_nll_args;

/* native_layer_norm: the first normalised dim, eps, which of weight and
 * bias were given. */
typedef struct ag_layer_norm_args {
	int axis;
	double eps;
	bool has_weight, has_bias;
} ag_layer_norm_args;

/* native_batch_norm: training (batch statistics) or eval (running ones). */
typedef struct ag_batch_norm_args {
	bool training;
	double eps;
	bool has_weight;
} ag_batch_norm_args;

/* mse_loss, smooth_l1_loss (param: beta), huber_loss (delta),
 * binary_cross_entropy, binary_cross_entropy_with_logits: the reduction,
 * the elements reduced, which of weight and pos_weight were given. */
typedef struct ag_loss_args {
	int reduction;
	double param;
	bool has_weight, has_pos_weight;
	int64_t numel;
} ag_loss_args;

/* embedding and its backward: padding_idx (0-based, -1: none), rows. */
typedef struct ag_embedding_args {
	int64_t padding_idx;
	int64_t num_weights;
} ag_embedding_args;

/* convolution and its backward: spatial dims (1 or 2); stride, padding
 * and dilation per spatial dim as 2-d (height first; a 1-d conv has
 * height 1, stride 1, padding 0, dilation 1). */
typedef struct ag_conv_args {
	int nsp;
	int64_t stride[2], padding[2], dilation[2];
	int64_t groups;
	bool has_bias;
	/* conv_transpose1d/2d: weight [C_in, C_out / groups, (kh,) kw], the
	 * output output_padding larger at the end (nn_conv.c) */
	bool transposed;
	int64_t output_padding[2];
} ag_conv_args;

/* max_pool2d, avg_pool2d, adaptive_avg_pool2d and their backward ops: kernel, stride,
 * padding, dilation (height first), ceil_mode; avg_pool2d's
 * count_include_pad and divisor_override (has_divisor); the input's
 * height and width, for the backward. */
typedef struct ag_pool_args {
	int64_t kernel[2], stride[2], padding[2], dilation[2];
	bool ceil_mode, count_include_pad, has_divisor;
	int64_t divisor_override;
	int64_t in_h, in_w;
	int64_t out_h, out_w;	/* adaptive_avg_pool2d's output size */
} ag_pool_args;

/* native_group_norm */
typedef struct ag_group_norm_args {
	int64_t groups;
	double eps;
	bool has_weight;
} ag_group_norm_args;

#include "opargs_shape.h"
#include "opargs_spatial.h"
#include "opargs_more.h"
#include "opargs_fused.h"

#endif
