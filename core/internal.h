/*
 * internal.h - what core's files share and nobody else sees.
 */
#ifndef AG_INTERNAL_H
#define AG_INTERNAL_H

#include "ag.h"

#include <stdlib.h>
#include <string.h>

#define AG_UNUSED(x) ((void)(x))
#define AG_MAX_ITER_OPS 4

/* Minimum element count before an elementwise loop or reduction spreads
 * over OpenMP threads. */
#define AG_PARALLEL_GRAIN 32768

/* A new tensor with fresh, zero-filled storage of the given shape. */
ag_tensor *ag_tensor_alloc(const int64_t *shape, int ndim, ag_dtype dt);
/* The same with uninitialised memory, for outputs an op writes whole. */
ag_tensor *ag_tensor_alloc_uninit(const int64_t *shape, int ndim, ag_dtype dt);
ag_storage *ag_storage_new_uninit(size_t nbytes);
/* A small tensor's storage, in its block (tensor.c): s is registered live
 * with nbytes bytes at data; ag_storage_release hands the block part back
 * through the hook tensor.c sets (storage.c uses nothing of tensor.c). */
void ag_storage_init_in_block(ag_storage *s, void *data, size_t nbytes);
extern void (*ag_storage_block_done_hook)(ag_storage *s);
/* A new tensor header viewing t's storage with another geometry: shares
 * storage and version counter, base set to t's base (or t). */
ag_tensor *ag_tensor_make_view(ag_tensor *t, const int64_t *shape,
			       const int64_t *stride, int ndim, int64_t offset);

/* Set by the autograd layer: drops what a tensor's autograd metadata holds
 * when the tensor is freed. */
extern void (*ag_autograd_release_hook)(ag_tensor *t);

/* A new tensor shaped like t with dtype dt, keeping t's dim order when t is
 * non-overlapping and dense (PyTorch's preserve_format), else contiguous. */
ag_tensor *ag_tensor_alloc_like(const ag_tensor *t, ag_dtype dt);

/* A clone in the contiguous layout whatever t's (recorded as clone). */
ag_tensor *ag_clone_contiguous(ag_tensor *t);
/* A tensor with these strides over fresh uninitialised memory; the
 * strides must describe a dense, non-overlapping layout of the shape. */
ag_tensor *ag_tensor_alloc_strided(const int64_t *shape, const int64_t *stride,
				   int ndim, ag_dtype dt);
/* dst = src (src broadcastable to dst, dtypes converted) with no checks,
 * no version bump and no record: for filling a fresh output. */
int ag_copy_raw(ag_tensor *dst, ag_tensor *src);
/* Every element of t = value, likewise raw (PyTorch's int64 overflow
 * text for a NaN or an infinity). */
int ag_fill_raw(ag_tensor *t, double value);

/* A copy of t made without recording (self's values before an in-place
 * write, for a backward that reads them). */
ag_tensor *ag_original_copy(ag_tensor *t);
/* t converted to dt (ag_to_dtype), taking t's reference: t itself when
 * it has dt already, NULL (t released) when t is NULL or on failure.
 * For a result computed in a wider dtype and rounded back. */
ag_tensor *ag_to_dtype_owned(ag_tensor *t, ag_dtype dt);

/* g summed over the dims where shape has 1 (or lacks them): the gradient
 * of a broadcast, as PyTorch's sum_to_size. */
ag_tensor *ag_sum_to_size(ag_tensor *g, const int64_t *shape, int ndim);
/* Zeros of `shape` with g added in, at g's own position in every dim but
 * dim, where the position comes from index: one per element of g
 * (scatter_along: max/min(dim) backward) or one per slice of g along dim
 * (index_add_zeros: index_select backward, a 1-d index). */
ag_tensor *ag_scatter_along(ag_tensor *g, ag_tensor *index, int dim,
			    const int64_t *shape, int ndim);
ag_tensor *ag_index_add_zeros(ag_tensor *g, int dim, ag_tensor *index,
			      const int64_t *shape, int ndim);

/* linalg.c: C[M, N] (dense, row-major) = A[M, K] @ B[K, N] for strided
 * A and B (row and column strides in elements), float32/float64 through
 * CBLAS, int64, 16-bit floats in float32; 0 or -1. */
int ag_gemm_strided(ag_dtype dt, int64_t M, int64_t N, int64_t K,
		    const void *a, int64_t ars, int64_t acs, const void *b,
		    int64_t brs, int64_t bcs, void *c);

/* mode.c: anomaly mode's record of where the forward running now is (the
 * provider's, or NULL), its text (malloc'd) and its release; the engine
 * ag_engine_current() reports (set by engine.c). */
void *ag_anomaly_capture(void);
char *ag_anomaly_format(const void *rec);
void ag_anomaly_release(void *rec);
struct ag_engine;
void ag_set_current_engine(struct ag_engine *e);

/* special.c: the inverse error function, as PyTorch computes it. */
double ag_erfinv(double y);
float ag_erfinvf(float y);

/* dtype.c: PyTorch's checked Scalar conversion (torch.full, fill_,
 * x[i] = v, threshold): 0, or -1 with "value cannot be converted to type
 * int64_t without overflow" when v does not fit dt (ag_dtype_fits, an
 * integral v counting as an integer). */
int ag_check_scalar_fits(double v, ag_dtype dt);

/* Overflow-checked size arithmetic: 0 on success, -1 + AG_ERR_NOMEM. */
int ag_mul_size(int64_t a, int64_t b, int64_t *out);

/*
 * The strided iterator (in the spirit of PyTorch's TensorIterator).
 * Operand 0 is normally the output.  Every operand is viewed with the
 * iteration shape (broadcast operands get stride 0); dims are reordered and
 * coalesced so the innermost loop is as long and as dense as possible.
 * The loop calls `inner` for runs along the innermost dim with byte strides.
 */
typedef struct ag_iter {
	int nops;
	int ndim;
	int64_t shape[AG_MAX_DIMS];
	char *data[AG_MAX_ITER_OPS];
	int64_t strides[AG_MAX_ITER_OPS][AG_MAX_DIMS];	/* bytes */
	size_t elsize[AG_MAX_ITER_OPS];
	ag_dtype dtype[AG_MAX_ITER_OPS];
	int64_t numel;
} ag_iter;

typedef void (*ag_inner_loop)(char **data, const int64_t *strides,
			      int64_t n, void *ctx);

/* ops[i] must already be broadcastable to shape (check before calling). */
int ag_iter_init(ag_iter *it, int nops, ag_tensor *const *ops,
		 const int64_t *shape, int ndim);
/* Runs the loop; with parallel=true large iterations are split across
 * OpenMP threads (inner must then be safe to run concurrently).  It stops
 * early when Ctrl-C is pending: a caller that can fail checks
 * ag_interrupt_pending() afterwards. */
void ag_iter_run(const ag_iter *it, ag_inner_loop inner, void *ctx,
		 bool parallel);
/* The start of an op (grad_output, self) -> grad_input (the piecewise and
 * fused activation backward ops, more.c and fused_bw.c): both broadcast,
 * a floating result type (PyTorch's "not implemented" text otherwise), an
 * uninitialised result, and the iterator over ops = { out, grad, self }.
 * Returns the result, or NULL with the error set. */
/* index_reduce's 1-d (or 0-d) dense index as a view of src's shape: its
 * values along dim d, the same everywhere else (gather.c) */
ag_tensor *ag_index_spread(ag_tensor *index, const ag_tensor *src, int d);
ag_tensor *ag_grad_self_setup(ag_op op, ag_tensor *grad, ag_tensor *self,
			      ag_tensor *ops[3], ag_iter *it);
/* True when every operand is contiguous in the same order (strides equal
 * to elsize along a single coalesced dim). */
bool ag_iter_is_contiguous(const ag_iter *it);


/* ----------------------------------------- elementwise ops (promote.c) */

/* The dtype a pointwise op computes in and the one it returns, given the
 * inputs' common dtype (the table's promote rule); -1 with PyTorch's
 * "\"kernel\" not implemented for 'Dtype'" for a dtype it has no kernel
 * for. */
int ag_pointwise_types(ag_op op, ag_dtype common, ag_dtype *compute,
		       ag_dtype *result);
/* PyTorch's canCast: no floating into integral, nothing but bool into bool. */
bool ag_can_cast(ag_dtype from, ag_dtype to);
/* 0, or -1 with "result type Float can't be cast to the desired output
 * type Long". */
int ag_check_cast(ag_dtype from, ag_dtype to);
/* The checks before an elementwise op writes into an existing tensor (self
 * of an in-place op, or out=): out has exactly the broadcast shape, does
 * not overlap itself, and no input partly overlaps it. */
int ag_check_elementwise_out(const ag_tensor *out, const int64_t *shape,
			     int ndim, ag_tensor *const *inputs, int ninputs);
/* A fresh output for an elementwise op: laid out like the first input of
 * the output's shape (PyTorch keeps a transposed input's layout). */
ag_tensor *ag_elementwise_alloc(const int64_t *shape, int ndim, ag_dtype dt,
				ag_tensor *const *inputs, int ninputs);
/* v rounded to what dtype t can hold, for arithmetic done in float32 on
 * float16/bfloat16 values. */
float ag_round_float(float v, ag_dtype t);
/* What rounding to float16/bfloat16 lost while a tally watches (the engine
 * watches each node's backward): values nonzero before the store and zero
 * after (underflow), finite before and inf after (overflow), in total and
 * as runs of the memory they were stored to, so that the engine can tell
 * which of a node's gradients lost them.  Every store into a 16-bit float
 * counts through ag_store or ag_narrow_half, or calls ag_round_check. */
#define AG_ROUND_RUNS 256
typedef struct ag_round_run {
	const char *lo, *hi;
	int64_t zero, inf;
} ag_round_run;
typedef struct ag_round_tally {
	int64_t zero, inf;
	int nruns;
	ag_round_run runs[AG_ROUND_RUNS];
} ag_round_tally;
extern ag_round_tally *ag_round_watch;	/* NULL: not counting */
/* n values of src stored as dst (dt, stride bytes apart): counts them. */
void ag_round_check(const float *src, const char *dst, int64_t stride,
		    int64_t n, ag_dtype dt);
/* The same for counts made by the caller (half_ew.c's fused passes): zero
 * and inf values lost in the nbytes stored from dst on. */
void ag_round_lost(const char *dst, size_t nbytes, int64_t zero, int64_t inf);
/* What the tally counted in the bytes [lo, hi). */
void ag_round_in(const ag_round_tally *t, const void *lo, size_t nbytes,
		 int64_t *zero, int64_t *inf);

/* n float16/bfloat16 (dt) elements, stride bytes apart (0: one repeated),
 * widened to dense float32; and dense float32 rounded back (dtype.c). */
void ag_widen_half(const char *src, int64_t stride, float *dst, int64_t n,
		   ag_dtype dt);
void ag_narrow_half(const float *src, char *dst, int64_t stride, int64_t n,
		    ag_dtype dt);
/* A 0-d input converted to the compute dtype (PyTorch casts scalars up
 * front, which also lets the typed loops take `x * 2`); other inputs, and
 * 0-d ones already of that dtype, come back as a new reference to t. */
ag_tensor *ag_scalar_operand(ag_tensor *t, ag_dtype compute);
/* A 0-d tensor flagged as a number from the host language: int64 when v is
 * integral, else float64 (for ag_add_scalar and friends). */
ag_tensor *ag_number_operand(double v);

/* float16 or bfloat16: the 16-bit floats, computed in float32 */
static inline bool ag_dtype_is_half(ag_dtype t)
{
	return t == AG_FLOAT16 || t == AG_BFLOAT16;
}

#endif
