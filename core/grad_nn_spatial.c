/*
 * grad_nn_spatial.c - the backward formula of every spatial nn op
 * (nn_spatial.c): the op's map the other way round, recorded as the op's
 * pair (reflection_pad2d <-> reflection_pad2d_backward, im2col <-> col2im,
 * pixel_shuffle <-> pixel_unshuffle, constant_pad_nd <-> itself), whose
 * own backward is this formula again.
 */
#include "grad.h"
#include "nn.h"
#include "ag_spatial.h"

int ag_spatial_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_spatial_args a = *AG_ARGS(self, ag_spatial_args);

	if (!G(0) || !NEED(0))
		return 0;
	a.scatter = !a.scatter;
	a.value = 0;
	out[0] = ag_spatial(ag_spatial_pair(self->op), G(0), &a);
	return out[0] ? 0 : -1;
}
