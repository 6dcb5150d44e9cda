/*
 * half_ew.h - float16/bfloat16 elementwise loops (half_ew.c): the
 * arithmetic ops fused into one pass with AVX-512, a driver that runs any
 * float32 inner loop on 16-bit runs a block at a time, tables of a unary
 * op's 65536 results, and conversions.  Every result has the bits of the
 * portable path (ag_widen_half, the float32 op, ag_narrow_half).
 */
#ifndef AG_HALF_EW_H
#define AG_HALF_EW_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* out = a (op) b for add, sub, mul and div of one 16-bit dtype dt, each
 * value computed in float32 and rounded once, in one pass over a run of n
 * (data and byte strides as an ag_inner_loop gets them; the output dense,
 * each input dense or one repeated value).  false when it does not apply
 * (another op or layout, or no AVX-512): the caller's loop runs instead.
 * While the engine counts rounding losses (ag_round_watch), the pass
 * counts them as ag_round_check does.  stream: the run is part of an output
 * past the caches (ag_vm_streams of the whole output), whose whole 64-byte
 * lines are then written by non-temporal stores (the same values). */
bool ag_half_binary(ag_op op, ag_dtype dt, char **data, const int64_t *st,
		    int64_t n, bool stream);

/* The same for relu, neg and abs: out = op(a), out and a dense. */
bool ag_half_unary(ag_op op, ag_dtype dt, char **data, const int64_t *st,
		   int64_t n, bool stream);

/* f, a float32 inner loop over nin (at most 3) inputs and one output
 * (dense float buffers, strides of 4), run over 16-bit (dt) operands a
 * block at a time: inputs widened, f, the output rounded back by
 * ag_narrow_half. */
void ag_half_blocks(ag_inner_loop f, void *ctx, char **data,
		    const int64_t *st, int64_t n, int nin, ag_dtype dt);

/* For a unary op on a 16-bit dtype over many values: its results for all
 * 65536 inputs, by loop (the op's inner loop over 16-bit values, ctx its
 * context) run once over every bit pattern; malloc'd (free() it), or
 * NULL (no memory, rounding losses being counted, or an op
 * ag_half_unary takes in one pass: then run the loop itself).
 * ag_half_table_map (an ag_inner_loop, ctx the table) then maps each
 * input to its result: the op's bits, at the price of a lookup. */
enum { AG_HALF_TABLE_MIN = 1 << 18 };	/* values from which it pays */
uint16_t *ag_half_table(ag_op op, ag_inner_loop loop, void *ctx);
void ag_half_table_map(char **data, const int64_t *st, int64_t n, void *table);
/* Whether ag_half_table_map streams its dense runs (as above; not set:
 * no). */
void ag_half_table_stream(uint16_t *table, bool stream);

/* A run of n values converted between float32 and a 16-bit float, or
 * between the two 16-bit floats, with the bits ag_convert gives; false
 * for other dtypes (the caller converts). */
bool ag_half_convert(char **data, const int64_t *st, int64_t n, ag_dtype to,
		     ag_dtype from, bool stream);

#endif
