/*
 * vmath.h - float32 pointwise kernels whose formulas call transcendental
 * functions (exp, tan, tanh, erf, atan2 ...), vectorised, and a few
 * branchy ones (leaky_relu, clamp, hardtanh) written branch-free.
 *
 * Every path of an op that computes in float32 (dense, strided, from or
 * into another dtype) goes through these, a block of dense floats at a
 * time, so an element's value never depends on the path or its place in
 * a run.  See vmath.c for how the functions are evaluated.
 */
#ifndef AG_VMATH_H
#define AG_VMATH_H

#include <stdbool.h>
#include <stdint.h>

#include "ops.h"

/* Does op (of one input) compute through ag_vm_unary_f32? */
bool ag_vm_unary_has(ag_op op);
/* o[i] = op(a[i]) for n floats; args is the op's argument struct (or
 * NULL).  o may be a (in place); no other overlap.  stream: write o with
 * non-temporal stores (an output ag_vm_streams chose; same values). */
void ag_vm_unary_f32(ag_op op, float *o, const float *a, int64_t n,
		     const void *args, bool stream);

/* Is an output of nbytes, written densely, to bypass the caches?  After
 * non-temporal stores of its own, a kernel calls ag_vm_stream_fence(true)
 * so they are visible before the next op (they are weakly ordered). */
bool ag_vm_streams(int64_t nbytes);
void ag_vm_stream_fence(bool streamed);

/* n copies of the size-byte value at val (size 1, 2, 4, 8 or 16) from o
 * on, with non-temporal stores when stream (then fenced). */
void ag_vm_fill(char *o, const void *val, size_t size, int64_t n,
		bool stream);

/* maximum or minimum of float32 (op; else false): o[i] of a[i] and b[i]
 * (ys) or b[0], binary.c's values, with non-temporal stores (an output
 * ag_vm_streams chose), fenced. */
bool ag_vm_minmax_stream_f32(ag_op op, float *o, const float *a,
			     const float *b, bool ys, int64_t n);

/* The same for ops of two inputs (atan2: vmath_f32.h's float function). */
bool ag_vm_binary_has(ag_op op);
void ag_vm_binary_f32(ag_op op, float *o, const float *a, const float *b,
		      int64_t n);



/* logsumexp's steps over float32 (stats.c): the maximum of n floats, a
 * NaN deciding; m[j] = that maximum of m[j] and x[j]; the sum over x of
 * exp(x - m) in double, each exp rounded to float; and acc[j] += that
 * exp of x[j] - m[j]. */
float ag_vm_max_f32(const float *x, int64_t n);
void ag_vm_colmax_f32(float *m, const float *x, int64_t n);
double ag_vm_sumexp_f32(const float *x, int64_t n, float m);
void ag_vm_coladdexp_f32(double *acc, const float *x, const float *m,
			 int64_t n);
#endif
