/*
 * conv_winograd.h - float32 3x3 stride-1 convolutions by Winograd's
 * minimal filtering F(2x2, 3x3) (conv_winograd.c), for nn_conv.c's
 * forward, input gradient and weight gradient.
 */
#ifndef AG_CONV_WINOGRAD_H
#define AG_CONV_WINOGRAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One plane-to-plane convolution: Ci input planes of Hi x Wi into Co
 * output planes of Ho x Wo, out(y, x) = sum over c, i, j of
 * in(c, y + i - ph, x + j - pw) * k(o, c, i, j), 0 outside the input
 * (ph, pw may be negative: a crop). */
typedef struct ag_wino {
	int64_t Ci, Co, Hi, Wi, Ho, Wo, ph, pw;
	int64_t TH, TW;		/* tiles of 2 x 2 outputs */
	int64_t rows;		/* tile rows per block */
} ag_wino;

/* Fills the tiling of w (its sizes set); false when the plane is too
 * narrow for the tiles to pay. */
bool ag_wino_plan(ag_wino *w);

/* floats of the transformed kernel, and of a thread's workspace */
size_t ag_wino_kernel_floats(const ag_wino *w);
size_t ag_wino_work_floats(const ag_wino *w);

/* The transformed kernel [16][Co][Ci] of a weight [O][C][3][3] (one
 * group's rows: O x C, row stride ldo floats between output channels).
 * adjoint: the kernel of the input gradient, k(c, o, i, j) = w(o, c, 2-i,
 * 2-j), so Co = C and Ci = O. */
void ag_wino_kernel(const ag_wino *w, const float *weight, int64_t ldo,
		    bool adjoint, float *u);

/* out [Co][Ho][Wo] (plus bias[o] when bias is not NULL) from in
 * [Ci][Hi][Wi]; work: ag_wino_work_floats floats.  -1 (ag_error set)
 * when a product fails. */
int ag_wino_run(const ag_wino *w, const float *in, const float *u,
		const float *bias, float *out, float *work);

/* The weight gradient of the forward plan w: acc [16][Co][Ci] (zeroed
 * first, floats: ag_wino_grad_floats) += the transformed sums of one
 * image's input in [Ci][Hi][Wi] and output gradient gout [Co][Ho][Wo];
 * then ag_wino_wgrad_out writes dw [Co][Ci][3][3] (row stride ldo) from
 * the sums of every image.  work as for ag_wino_run. */
size_t ag_wino_grad_floats(const ag_wino *w);
int ag_wino_wgrad(const ag_wino *w, const float *in, const float *gout,
		  float *acc, float *work);
void ag_wino_wgrad_out(const ag_wino *w, const float *acc, float *dw,
		       int64_t ldo);

#endif
