/*
 * rng.h - the raw draws of a generator (rng.c), for the random ops built on
 * them (random.c).  g is never NULL here: callers resolve the default.
 */
#ifndef AG_RNG_H
#define AG_RNG_H

#include "internal.h"

uint32_t ag_gen_u32(ag_generator *g);
uint64_t ag_gen_u64(ag_generator *g);
/* A uniform in [from, to) as PyTorch's uniform_real_distribution<T> for
 * dtype dt computes it (53 bits from two draws for float64, else one). */
double ag_gen_uniform(ag_generator *g, ag_dtype dt, double from, double to);
/* A float64 Box-Muller normal, with PyTorch's cached second value. */
double ag_gen_normal(ag_generator *g, double mean, double std);
/* g, or the default generator when g is NULL. */
ag_generator *ag_gen_resolve(ag_generator *g);

#endif
