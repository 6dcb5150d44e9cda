/*
 * stream_f32.h - the dense float32 add/sub/mul/div whose output goes past
 * the caches (vmath.h's ag_vm_streams): one pass with non-temporal stores
 * and the inputs prefetched ahead (stream_f32.c).
 */
#ifndef AG_STREAM_F32_H
#define AG_STREAM_F32_H

#include <stdbool.h>
#include <stdint.h>

#include "ops.h"

/* o[i] = a[i] op y[i] for n floats, op add, sub, mul or div, y = b (ys)
 * or b[0] repeated (!ys); o's whole 16-byte (64 with AVX-512) pieces
 * written by non-temporal stores, then fenced.  The same IEEE operations
 * as a plain loop, so the same bits.  false (nothing written): another
 * op, or no SSE2. */
bool ag_stream_arith_f32(ag_op op, float *o, const float *a, const float *b,
			 bool ys, int64_t n);

#endif
