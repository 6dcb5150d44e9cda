/*
 * opargs_spatial.h - the argument struct of the spatial nn ops (issues 11
 * and 12): padding, upsampling, im2col/col2im, pixel_shuffle/unshuffle.
 *
 * Each of these ops is linear in its input and moves values through a
 * fixed map made from its arguments and sizes alone: every element of the
 * "to" block is a weighted sum of taps into the "from" block (the trailing
 * dims of the tensors; the leading dims are a batch the map repeats over).
 * The op either gathers (to <- from, its forward) or scatters (from +=
 * taps of to, the transpose: the gradient), so each op's derivative is
 * the same map the other way round, recorded as its paired op
 * (nn_spatial.c), and every order of derivative is exact.
 */
#ifndef AG_OPARGS_SPATIAL_H
#define AG_OPARGS_SPATIAL_H

#include <stdbool.h>
#include <stdint.h>

/* the maps */
enum {
	AG_MAP_PAD_CONSTANT,	/* pad[] (negative crops); outside: value */
	AG_MAP_PAD_REFLECT,
	AG_MAP_PAD_REPLICATE,
	AG_MAP_NEAREST,		/* upsampling, scale[] or from the sizes */
	AG_MAP_NEAREST_EXACT,
	AG_MAP_LINEAR,		/* linear, bilinear: 2 taps per dim */
	AG_MAP_CUBIC,		/* bicubic: 4 taps per dim */
	AG_MAP_IM2COL,		/* from [C, H, W] to [C * kh * kw, L] */
	AG_MAP_SHUFFLE		/* from [C * r * r, H, W] to [C, H * r, W * r] */
};

typedef struct ag_spatial_args {
	int map;
	bool scatter;		/* the transpose: the input is a "to" block */
	int nfrom, nto;		/* trailing dims of the two blocks */
	int64_t from[8], to[8];	/* their sizes (AG_MAX_DIMS) */
	int64_t pad[16];		/* PyTorch's order: last dim's (left, right)
				   first */
	double value;		/* constant padding's value */
	double scale[3];	/* upsampling: input size / output size per
				   dim as PyTorch's kernels take it; 0: from
				   the sizes */
	bool align_corners;
	int64_t kernel[2], dilation[2], padding[2], stride[2];	/* im2col */
	int64_t blocks[2];	/* im2col: the blocks along height, width */
	int64_t factor;		/* pixel_shuffle's upscale factor */
} ag_spatial_args;

#endif
