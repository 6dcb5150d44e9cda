/*
 * autocast.h - automatic mixed precision: the autocast state and what it
 * does to an op's inputs.
 *
 * Which list an op is on is a column of the op table (ops.def: .autocast);
 * functions agdb composes from other ops in Lua (linear, conv2d,
 * cross_entropy, ...) have no line there and take theirs from the short
 * list in autocast.c, by name.  The binding applies the policy where a
 * user's call enters an op (repl/lautocast.c) and runs the op with autocast
 * suspended, as PyTorch's autocast kernels redispatch below autocast: ops
 * an op runs inside, and backward, are not cast again.
 *
 * PyTorch 1.13 runs CPU autocast in bfloat16 only.  agdb also takes
 * float16: the lower-precision ops (mm, addmm, conv, ...) run in float16,
 * whose kernels compute in float32 and round on store (issue 13), forward
 * and backward.
 */
#ifndef AG_AUTOCAST_H
#define AG_AUTOCAST_H

#include "ag.h"
#include "ops.h"

/* The state: torch.set_autocast_cpu_enabled / get_autocast_cpu_dtype /
 * set_autocast_cache_enabled and the nesting count of autocast regions
 * (leaving the outermost one drops the cast cache). */
bool ag_autocast_enabled(void);
bool ag_autocast_set_enabled(bool on);		/* returns the previous */
ag_dtype ag_autocast_dtype(void);		/* bfloat16 by default */
int ag_autocast_set_dtype(ag_dtype dt);		/* -1: not float16/bfloat16 */
bool ag_autocast_cache_enabled(void);
bool ag_autocast_set_cache_enabled(bool on);
int ag_autocast_increment_nesting(void);
int ag_autocast_decrement_nesting(void);	/* 0: cache cleared */
void ag_autocast_clear_cache(void);

/* Inside an autocast op: ops it runs are not cast again. */
void ag_autocast_suspend(void);
void ag_autocast_resume(void);
/* Enabled and not suspended: calls are cast now. */
bool ag_autocast_active(void);

/* The list the op or function `name` is on (ops.def's column, else the
 * list of composed functions). */
ag_autocast_policy ag_autocast_policy_of(const char *name);
/* Names in the composed list, NULL past the end (for tests). */
const char *ag_autocast_composite_name(int i, ag_autocast_policy *p);

/* The dtype the eligible inputs (floating, not float64) are cast to under
 * policy p: 0 and *to set, or 1 when nothing is cast, or -1 with the error
 * set (promote over float16 and bfloat16 together, as PyTorch). */
int ag_autocast_target(ag_autocast_policy p, ag_tensor *const *in, int n,
		       ag_dtype *to);
/* t cast for op `name` (a new reference): t itself when not eligible or
 * already of dtype to.  Lower-precision casts of float32 leaves that
 * require grad are cached for the region when the cache is on.  The trace
 * log's event of the cast notes it. */
ag_tensor *ag_autocast_cast(ag_tensor *t, ag_dtype to, const char *name);

#endif
