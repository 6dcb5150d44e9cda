/*
 * along.h - gather and scatter along one dim, internal to core (along.c):
 * what the backward of the ops that pick values along a dim (max/min(dim),
 * sort, topk, kthvalue, median, mode) is made of.  Both record, so a
 * gradient made of them can be differentiated again.
 */
#ifndef AG_ALONG_H
#define AG_ALONG_H

#include "internal.h"

/* out[..., i, ...] = t[..., index[..., i, ...], ...] along dim: the shape
 * of index (int64, 0-based, of t's ndim; every other dim no longer than
 * t's). */
ag_tensor *ag_internal_gather(ag_tensor *t, int dim, ag_tensor *index);
/* Zeros of `shape` with each element of src added at its own position,
 * except along dim, where index (shaped like src) says where. */
ag_tensor *ag_internal_scatter_add(ag_tensor *src, int dim, ag_tensor *index,
				   const int64_t *shape, int ndim);

#endif
