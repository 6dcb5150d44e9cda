/*
 * ag_spatial.h - the spatial nn functions of core (nn_spatial.c):
 * padding, upsampling, im2col/col2im, pixel_shuffle.  Sizes and pads are
 * PyTorch's (pads last dim first); errors are PyTorch's texts.
 */
#ifndef AG_AG_SPATIAL_H
#define AG_AG_SPATIAL_H

#include "ag.h"
#include "ops.h"

struct ag_spatial_args;	/* opargs_spatial.h */

enum { AG_PAD_CONSTANT, AG_PAD_REFLECT, AG_PAD_REPLICATE };

/* F.pad's constant, reflect and replicate modes: npad/2 trailing dims
 * (reflect and replicate: 1-d of 2-d/3-d inputs, 2-d of 3-d/4-d ones,
 * 3-d of 4-d/5-d ones) */
ag_tensor *ag_pad(ag_tensor *x, int mode, const int64_t *pad, int npad,
		  double value);
/* x [N, C, (D, H,) W] to the sizes size[nsp]; map AG_MAP_NEAREST,
 * _NEAREST_EXACT, _LINEAR or _CUBIC (2-d); scale: the caller's scale
 * factors (output / input) or NULL */
ag_tensor *ag_upsample(ag_tensor *x, int map, const int64_t *size,
		       const double *scale, int nsp, bool align_corners);
/* F.unfold of [N, C, H, W] and F.fold of [(N,) C * kh * kw, L]
 * (kernel, dilation, padding, stride: height first) */
ag_tensor *ag_im2col(ag_tensor *x, const int64_t k[2], const int64_t d[2],
		     const int64_t p[2], const int64_t s[2]);
ag_tensor *ag_col2im(ag_tensor *x, const int64_t out[2], const int64_t k[2],
		     const int64_t d[2], const int64_t p[2],
		     const int64_t s[2]);
/* pixel_shuffle (inverse: pixel_unshuffle) of [*, C, H, W] */
ag_tensor *ag_pixel_shuffle(ag_tensor *x, int64_t r, bool inverse);

/* every spatial op (recorded) and the op that is its derivative */
ag_tensor *ag_spatial(ag_op op, ag_tensor *x,
		      const struct ag_spatial_args *a);
ag_op ag_spatial_pair(ag_op op);

#endif
