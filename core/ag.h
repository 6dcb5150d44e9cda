/*
 * ag.h - public API of the agdb core: storages, strided tensors, ops.
 *
 * Conventions (every file in core/ follows them):
 *  - Dims are 0-based here; negative dims count from the end.  The Lua
 *    binding turns 1-based Lua dims into these.
 *  - Functions that make a tensor return a new reference, or NULL after
 *    setting the error state (ag_error_*).  Functions that act in place
 *    return 0 on success, -1 after setting the error state.
 *  - Arguments are borrowed: a function never steals the caller's reference.
 *  - Nothing here prints, exits or aborts on a user mistake.
 */
#ifndef AG_H
#define AG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define AG_MAX_DIMS 8

#include "ops.h"

/* ------------------------------------------------------------------ errors */

typedef enum ag_errcode {
	AG_OK = 0,
	AG_ERR_VALUE,		/* a bad argument value */
	AG_ERR_SHAPE,		/* shapes that do not fit together */
	AG_ERR_DTYPE,		/* a dtype the op does not take */
	AG_ERR_INDEX,		/* an index or dim out of range */
	AG_ERR_OVERLAP,		/* a write that aliases itself or an input */
	AG_ERR_NOMEM,		/* an allocation failed or a size overflowed */
	AG_ERR_RUNTIME,		/* anything else (autograd state, ...) */
	AG_ERR_INTERRUPT	/* the user pressed Ctrl-C */
} ag_errcode;

/* Sets the error state and returns -1, so `return ag_error(...)` reads well. */
int ag_error(ag_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
ag_errcode ag_error_code(void);
const char *ag_error_message(void);
void ag_error_clear(void);
/* Where messages count dims and index values from: 0 (PyTorch's own
 * texts, the default) or 1 (the Lua binding).  Ops that name a dim or an
 * index in a message add it, so one text serves both. */
void ag_set_index_base(int base);
int ag_index_base(void);

/* Ctrl-C: a signal handler calls ag_interrupt(); long loops poll
 * ag_check_interrupt(), which fails with AG_ERR_INTERRUPT once and clears
 * it (ag_interrupt_pending() only looks). */
void ag_interrupt(void);
bool ag_interrupt_pending(void);
int ag_check_interrupt(void);	/* 0, or -1 with AG_ERR_INTERRUPT set */

/* Threads of the parallel loops and BLAS (threads.c): one per physical
 * core to start, as PyTorch, unless OMP_NUM_THREADS is set. */
void ag_threads_init(void);
void ag_set_num_threads(int n);
int ag_get_num_threads(void);
int ag_physical_cores(void);

/* ------------------------------------------------------------------ dtypes */

typedef enum ag_dtype {
	AG_FLOAT32 = 0,
	AG_FLOAT64,
	AG_FLOAT16,
	AG_BFLOAT16,
	AG_INT64,
	AG_BOOL,
	AG_UINT8,
	AG_INT8,
	AG_INT16,
	AG_INT32,
	AG_NDTYPES
} ag_dtype;

#define AG_DEFAULT_DTYPE AG_FLOAT32

size_t ag_dtype_size(ag_dtype t);
const char *ag_dtype_name(ag_dtype t);		/* "float32" */
const char *ag_dtype_legacy_name(ag_dtype t);	/* "FloatTensor" */
bool ag_dtype_is_floating(ag_dtype t);
bool ag_dtype_is_integral(ag_dtype t);	/* the integer types, bool excluded */
bool ag_dtype_is_signed(ag_dtype t);	/* false for uint8 and bool */
int ag_dtype_from_name(const char *name, ag_dtype *out);	/* 0 / -1 */
/* PyTorch's dtype names inside its messages: "Float", "Long", "Bool",
 * "Half", "BFloat16". */
const char *ag_dtype_scalar_name(ag_dtype t);
/* PyTorch's Scalar-to-C++ type names in its overflow messages: "uint8_t",
 * "int", "at::Half" (fill_, full). */
const char *ag_dtype_cpp_name(ag_dtype t);
/* The C++ type names of libstdc++'s typeid in other messages: "unsigned
 * char", "long int", "c10::Half" (clamp_, random_). */
const char *ag_dtype_typeid_name(ag_dtype t);
/* Does v fit dt as PyTorch's checked conversion decides?  Floats: finite
 * and beyond the largest value fails (inf and nan pass); integer types: nan,
 * inf and values past the range fail, except that an integer (integral v)
 * may wrap into an unsigned type from as low as -max. */
bool ag_dtype_fits(ag_dtype t, double v, bool integral);

/* What torch.finfo and torch.iinfo report. */
typedef struct ag_finfo {
	int bits;
	double eps, max, min, tiny, resolution;
} ag_finfo;
int ag_dtype_finfo(ag_dtype t, ag_finfo *out);	/* -1 for a non-float */
int ag_dtype_iinfo(ag_dtype t, int *bits, int64_t *min, int64_t *max);

/* Scalar conversions used by the generic (strided, any dtype) paths. */
double ag_load(const void *p, ag_dtype t);
void ag_store(void *p, ag_dtype t, double v);
int64_t ag_load_i64(const void *p, ag_dtype t);
void ag_store_i64(void *p, ag_dtype t, int64_t v);
/* One element converted between dtypes as PyTorch's copy converts it:
 * integers exactly (wrapping into narrower types), floats through
 * double. */
void ag_convert(void *dst, ag_dtype to, const void *src, ag_dtype from);
float ag_half_to_float(uint16_t h);
uint16_t ag_float_to_half(float f);		/* round to nearest even */
float ag_bf16_to_float(uint16_t h);
uint16_t ag_float_to_bf16(float f);		/* round to nearest even */

/* ----------------------------------------------------------------- storage */

typedef struct ag_storage {
	int refcount;
	uint64_t id;		/* stable, for the debugger */
	void *data;
	size_t nbytes;
	struct ag_storage *reg_prev, *reg_next;	/* live-storage registry */
	bool mapped;		/* came from mmap */
	bool in_block;		/* part of a small tensor's block (tensor.c) */
} ag_storage;

ag_storage *ag_storage_new(size_t nbytes);	/* zero-filled */
void ag_storage_retain(ag_storage *s);
void ag_storage_release(ag_storage *s);

/* A version counter is shared by a tensor, its views and detached aliases. */
typedef struct ag_version {
	int refcount;
	bool in_block;		/* part of a small tensor's block (tensor.c) */
	int64_t value;
} ag_version;

/* ------------------------------------------------------------------ tensor */

struct ag_node;		/* autograd graph node (autograd.h) */
struct ag_autograd_meta;

typedef struct ag_tensor {
	int refcount;
	uint64_t id;			/* stable, never reused */
	ag_dtype dtype;
	int ndim;
	int64_t shape[AG_MAX_DIMS];
	int64_t stride[AG_MAX_DIMS];	/* in elements */
	int64_t offset;			/* in elements */
	ag_storage *storage;
	ag_version *version;
	struct ag_tensor *base;		/* the tensor this is a view of, or NULL */
	bool is_wrapped_number;		/* a Lua number turned into a 0-d tensor */
	bool is_scalar_overload;	/* such a number passed as C++'s Scalar
					 * (div(Tensor, Scalar): DivBackward1) */
	bool is_inference;		/* made under inference_mode (or a view
					 * of such a tensor) */
	bool in_block;			/* made with its version counter and
					 * storage in one heap block (tensor.c) */

	/* autograd metadata (filled in by the autograd layer) */
	bool requires_grad;		/* a leaf's flag; non-leaves: grad_fn != NULL */
	bool retains_grad;
	struct ag_tensor *grad;
	struct ag_node *grad_fn;
	int output_nr;
	struct ag_autograd_meta *autograd_extra;	/* private to core */

	/* registry of live tensors (weak: never keeps a tensor alive) */
	struct ag_tensor *reg_prev, *reg_next;
	void *user;			/* owned by the embedding program */
} ag_tensor;

void ag_tensor_retain(ag_tensor *t);
void ag_tensor_release(ag_tensor *t);	/* NULL is fine */
/* x.data: the same memory and geometry under a version counter of its own,
 * with no history and no base (PyTorch's variable_data). */
ag_tensor *ag_shallow_copy(ag_tensor *t);
/* x.data = src, without the checks (ag_set_data in autograd.h): t takes
 * src's memory, geometry and dtype, keeping its version counter. */
void ag_tensor_set_data(ag_tensor *t, ag_tensor *src);

/* Registry: walk live tensors / storages; count them. */
ag_tensor *ag_registry_first(void);
ag_tensor *ag_registry_next(const ag_tensor *t);
size_t ag_registry_count(void);
ag_storage *ag_storage_registry_first(void);
ag_storage *ag_storage_registry_next(const ag_storage *s);
size_t ag_storage_bytes_live(void);	/* bytes held by live storages */
/* Freed large buffers kept for reuse (storage.c): their bytes, and giving
 * back to the OS all but `keep` bytes of them. */
size_t ag_storage_bytes_cached(void);
void ag_storage_cache_trim(size_t keep);
/* Small blocks (<= 1,536 bytes) from bounded free lists of their size
 * class (smallblk.c): autograd's bookkeeping and the REPL's Lua state.
 * ag_small_free takes any block from malloc, and free() any of these. */
void *ag_small_alloc(size_t n);
void *ag_small_calloc(size_t n);	/* zeroed */
void ag_small_free(void *p);
/* Called (if set) with the byte count of every storage allocation, so an
 * embedder can pace its garbage collector. */
void ag_set_alloc_observer(void (*fn)(size_t nbytes, void *ud), void *ud);

/* Geometry helpers. */
int64_t ag_numel(const ag_tensor *t);
bool ag_is_contiguous(const ag_tensor *t);
void *ag_data_ptr(const ag_tensor *t);	/* address of element [0,...,0] */
int ag_wrap_dim(int64_t dim, int ndim, int *out);	/* -1 + AG_ERR_INDEX */
int ag_check_shape(const int64_t *shape, int ndim, int64_t *numel_out);
void ag_contiguous_strides(const int64_t *shape, int ndim, int64_t *stride);
bool ag_same_shape(const ag_tensor *a, const ag_tensor *b);
/* "[2, 3]" into buf (for messages); returns buf. */
char *ag_shape_str(const int64_t *shape, int ndim, char *buf, size_t n);

/* ------------------------------------------------------------- factories */

ag_tensor *ag_empty(const int64_t *shape, int ndim, ag_dtype dt);
ag_tensor *ag_zeros(const int64_t *shape, int ndim, ag_dtype dt);
ag_tensor *ag_ones(const int64_t *shape, int ndim, ag_dtype dt);
ag_tensor *ag_full(const int64_t *shape, int ndim, double value, ag_dtype dt);
ag_tensor *ag_scalar(double value, ag_dtype dt);	/* 0-d */
ag_tensor *ag_wrapped_number(double value, bool is_integer);
ag_tensor *ag_from_buffer(const void *data, const int64_t *shape, int ndim,
			  ag_dtype dt);	/* copies */
ag_tensor *ag_arange(double start, double end, double step, ag_dtype dt);
/* The same with exact 64-bit integer bounds (Lua integers). */
ag_tensor *ag_arange_int(int64_t start, int64_t end, int64_t step, ag_dtype dt);
ag_tensor *ag_linspace(double start, double end, int64_t steps, ag_dtype dt);
ag_tensor *ag_eye(int64_t n, int64_t m, ag_dtype dt);
ag_tensor *ag_empty_like(const ag_tensor *t);
ag_tensor *ag_zeros_like(const ag_tensor *t);
ag_tensor *ag_ones_like(const ag_tensor *t);

/* Random numbers: mt19937 generators seeded like PyTorch's CPU generator,
 * so the same seed gives the same numbers on every machine.  Every draw
 * takes a generator; NULL means the default one (torch.default_generator,
 * what torch.manual_seed seeds).  Generators are reference counted. */
typedef struct ag_generator ag_generator;
ag_generator *ag_default_generator(void);
ag_generator *ag_generator_new(void);	/* seeded with PyTorch's default */
void ag_generator_release(ag_generator *g);
void ag_generator_manual_seed(ag_generator *g, uint64_t seed);
uint64_t ag_generator_initial_seed(const ag_generator *g);
uint64_t ag_generator_seed(ag_generator *g);	/* a fresh seed, returned */
/* The whole state as an int64 tensor, and back (checked). */
ag_tensor *ag_generator_get_state(const ag_generator *g);
int ag_generator_set_state(ag_generator *g, ag_tensor *state);

void ag_manual_seed(uint64_t seed);
uint64_t ag_initial_seed(void);
ag_tensor *ag_rand(const int64_t *shape, int ndim, ag_dtype dt);
ag_tensor *ag_randn(const int64_t *shape, int ndim, ag_dtype dt);
ag_tensor *ag_randint(int64_t low, int64_t high, const int64_t *shape,
		      int ndim, ag_dtype dt);
int ag_uniform_(ag_tensor *t, double from, double to);
int ag_normal_(ag_tensor *t, double mean, double std);
ag_tensor *ag_rand_gen(const int64_t *shape, int ndim, ag_dtype dt,
		       ag_generator *g);
ag_tensor *ag_randn_gen(const int64_t *shape, int ndim, ag_dtype dt,
			ag_generator *g);
ag_tensor *ag_randint_gen(int64_t low, int64_t high, const int64_t *shape,
			  int ndim, ag_dtype dt, ag_generator *g);
int ag_uniform_gen_(ag_tensor *t, double from, double to, ag_generator *g);
int ag_normal_gen_(ag_tensor *t, double mean, double std, ag_generator *g);
/* random_(from, to): integers in [from, to). */
int ag_random_range_(ag_tensor *t, int64_t from, int64_t to, ag_generator *g);
/* random.c: random_() over the dtype's whole range, bernoulli_ with a
 * number or a tensor of probabilities, exponential_, multinomial (int64
 * 0-based indices), randperm (0-based), torch.normal with tensor
 * mean/std (NULL: the number given instead). */
int ag_random_(ag_tensor *t, ag_generator *g);
int ag_bernoulli_(ag_tensor *t, double p, ag_generator *g);
int ag_bernoulli_tensor_(ag_tensor *t, ag_tensor *p, ag_generator *g);
ag_tensor *ag_bernoulli(ag_tensor *p, ag_generator *g);
int ag_exponential_(ag_tensor *t, double lambd, ag_generator *g);
int ag_cauchy_(ag_tensor *t, double median, double sigma, ag_generator *g);
int ag_log_normal_(ag_tensor *t, double mean, double std, ag_generator *g);
int ag_geometric_(ag_tensor *t, double p, ag_generator *g);
ag_tensor *ag_multinomial(ag_tensor *p, int64_t n, bool replacement,
			  ag_generator *g);
ag_tensor *ag_randperm(int64_t n, ag_dtype dt, ag_generator *g);
ag_tensor *ag_normal_tensor(ag_tensor *mean, double mean_v, ag_tensor *std,
			    double std_v, ag_generator *g);

/* ------------------------------------------------------------------ views */
/* All views share storage and version counter with their input. */

ag_tensor *ag_view(ag_tensor *t, const int64_t *shape, int ndim);	/* -1 ok */
ag_tensor *ag_reshape(ag_tensor *t, const int64_t *shape, int ndim);
ag_tensor *ag_flatten(ag_tensor *t, int start_dim, int end_dim);
ag_tensor *ag_transpose(ag_tensor *t, int d0, int d1);
ag_tensor *ag_permute(ag_tensor *t, const int *dims, int ndim);
ag_tensor *ag_t(ag_tensor *t);				/* <= 2-d only */
ag_tensor *ag_expand(ag_tensor *t, const int64_t *shape, int ndim);	/* -1 keeps */
ag_tensor *ag_narrow(ag_tensor *t, int dim, int64_t start, int64_t length);
ag_tensor *ag_select(ag_tensor *t, int dim, int64_t index);	/* neg ok */
ag_tensor *ag_slice(ag_tensor *t, int dim, int64_t start, int64_t end,
		    int64_t step);	/* [start, end), clamped like Python */
ag_tensor *ag_unsqueeze(ag_tensor *t, int dim);
ag_tensor *ag_squeeze(ag_tensor *t);
ag_tensor *ag_squeeze_dim(ag_tensor *t, int dim);
ag_tensor *ag_as_strided(ag_tensor *t, const int64_t *shape,
			 const int64_t *stride, int ndim, int64_t offset);
ag_tensor *ag_alias(ag_tensor *t);	/* same view, no autograd history */
ag_tensor *ag_detach(ag_tensor *t);

/* --------------------------------------------------------- copies, overlap */

typedef enum ag_overlap { AG_OVERLAP_NO, AG_OVERLAP_YES, AG_OVERLAP_TOO_HARD }
	ag_overlap;

/* Between two tensors, as PyTorch's MemOverlapStatus. */
typedef enum ag_overlap_status {
	AG_OVERLAP_STATUS_NO, AG_OVERLAP_STATUS_FULL,
	AG_OVERLAP_STATUS_PARTIAL, AG_OVERLAP_STATUS_TOO_HARD
} ag_overlap_status;

ag_overlap ag_has_internal_overlap(const ag_tensor *t);
ag_overlap_status ag_get_overlap_status(const ag_tensor *a, const ag_tensor *b);
/* Every element at its own address and no gaps (in some dim order). */
bool ag_is_non_overlapping_and_dense(const ag_tensor *t);
/* The checks every write path calls; set PyTorch's error text. */
int ag_assert_no_internal_overlap(const ag_tensor *t);
int ag_assert_no_partial_overlap(const ag_tensor *a, const ag_tensor *b);

void ag_bump_version(ag_tensor *t);
ag_tensor *ag_contiguous(ag_tensor *t);	/* new ref to t itself when contiguous */
ag_tensor *ag_clone(ag_tensor *t);
ag_tensor *ag_to_dtype(ag_tensor *t, ag_dtype dt);	/* t itself if same dtype */
int ag_copy_(ag_tensor *dst, ag_tensor *src);	/* broadcasts, converts */

/* ------------------------------------------------------- elementwise ops */

/* Ops are named by one enum, ag_op (ops.h, made from ops.def): AG_OP_EXP,
 * AG_OP_ADD, AG_OP_SUM, ...  ag_unary takes the pointwise ops of one input,
 * ag_binary those of two; any other op is an error. */
/* Type promotion as PyTorch decides it (wrapped numbers count less). */
ag_dtype ag_result_type(const ag_tensor *a, const ag_tensor *b);
/* The same over n operands (NULL ones skipped). */
ag_dtype ag_result_type_n(ag_tensor *const *ts, int n);
ag_dtype ag_promote_types(ag_dtype a, ag_dtype b);
int ag_broadcast_shapes(const int64_t *a, int na, const int64_t *b, int nb,
			int64_t *out, int *nout);

ag_tensor *ag_unary(ag_op op, ag_tensor *a);
int ag_unary_(ag_op op, ag_tensor *a);
/* The pointwise ops of one input with numbers of their own: args is the
 * op's argument struct (opargs.h: ag_leaky_relu_args for
 * AG_OP_LEAKY_RELU, ...), size its size. */
ag_tensor *ag_unary_with(ag_op op, ag_tensor *a, const void *args,
			 size_t size);
int ag_unary_with_(ag_op op, ag_tensor *a, const void *args, size_t size);
int ag_unary_out(ag_op op, ag_tensor *out, ag_tensor *a);
ag_tensor *ag_binary(ag_op op, ag_tensor *a, ag_tensor *b);
int ag_binary_(ag_op op, ag_tensor *a, ag_tensor *b);
int ag_binary_out(ag_op op, ag_tensor *out, ag_tensor *a, ag_tensor *b);

/* Named conveniences (thin wrappers over ag_unary/ag_binary). */
ag_tensor *ag_add(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_sub(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_mul(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_div(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_pow(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_add_scalar(ag_tensor *a, double s);
ag_tensor *ag_mul_scalar(ag_tensor *a, double s);
/* a / s through PyTorch's Scalar overload, as its C++ internals divide
 * (cross_entropy's mean over class probabilities): DivBackward1, not the
 * DivBackward0 of a Lua (or Python) number */
ag_tensor *ag_div_scalar(ag_tensor *a, double s);
ag_tensor *ag_pow_scalar(ag_tensor *a, double s);
ag_tensor *ag_neg(ag_tensor *a);
ag_tensor *ag_exp(ag_tensor *a);
ag_tensor *ag_log(ag_tensor *a);

/* clamp: pass NAN for a missing bound. */
ag_tensor *ag_clamp(ag_tensor *a, double min, double max);
int ag_clamp_(ag_tensor *a, double min, double max);
ag_tensor *ag_where(ag_tensor *cond, ag_tensor *a, ag_tensor *b);
/* The pointwise ops of three inputs (ternary.c): AG_OP_WHERE, AG_OP_LERP
 * (a number weight as a wrapped number), AG_OP_ADDCMUL and AG_OP_ADDCDIV
 * (args: ag_addc_args), AG_OP_CLAMP_TENSOR (y, z: the bounds, either may
 * be NULL).  The in-place form writes into x. */
ag_tensor *ag_ternary(ag_op op, ag_tensor *x, ag_tensor *y, ag_tensor *z,
		      const void *args, size_t size);
int ag_ternary_(ag_op op, ag_tensor *x, ag_tensor *y, ag_tensor *z,
		const void *args, size_t size);
/* close.c: |a - b| <= atol + rtol |b| elementwise (a bool tensor), and
 * everywhere (1, 0, or -1 on error); equal: same shape and values. */
ag_tensor *ag_isclose(ag_tensor *a, ag_tensor *b, double rtol, double atol,
		      bool equal_nan);
int ag_allclose(ag_tensor *a, ag_tensor *b, double rtol, double atol,
		bool equal_nan);
int ag_equal(ag_tensor *a, ag_tensor *b);
int ag_fill_(ag_tensor *t, double value);
int ag_zero_(ag_tensor *t);

/* -------------------------------------------------------------- reductions */

/* op: AG_OP_SUM, MEAN, MAX, MIN, ARGMAX or ARGMIN.  Over all elements: a
 * 0-d tensor. */
ag_tensor *ag_reduce_all(ag_op op, ag_tensor *t);
/* Over the given dims (ndims == 0 means all, as torch.sum(x, dim=[])). */
ag_tensor *ag_reduce_dims(ag_op op, ag_tensor *t, const int *dims,
			  int ndims, bool keepdim);
/* max/min along one dim: values and int64 indices (0-based). */
int ag_max_dim(ag_tensor *t, int dim, bool keepdim, ag_tensor **values,
	       ag_tensor **indices);
int ag_min_dim(ag_tensor *t, int dim, bool keepdim, ag_tensor **values,
	       ag_tensor **indices);
ag_tensor *ag_sum(ag_tensor *t);
ag_tensor *ag_mean(ag_tensor *t);

/* ------------------------------ reductions, scans and sorting (issue 11) */
/* ag_reduce_all and ag_reduce_dims also take AG_OP_PROD, ALL and ANY (at
 * most one dim), NANSUM, AMAX, AMIN and COUNT_NONZERO. */

/* var or std (op AG_OP_VAR, AG_OP_STD) over dims (ndims 0: all); the
 * divisor is count - correction (unbiased: correction 1). */
ag_tensor *ag_var(ag_op op, ag_tensor *t, const int *dims, int ndims,
		  double correction, bool keepdim);
/* var_mean or std_mean (AG_OP_VAR_MEAN, AG_OP_STD_MEAN): both results. */
int ag_var_mean(ag_op op, ag_tensor *t, const int *dims, int ndims,
		double correction, bool keepdim, ag_tensor **var,
		ag_tensor **mean);
ag_tensor *ag_logsumexp(ag_tensor *t, const int *dims, int ndims,
			bool keepdim);
/* torch.norm of order p (INFINITY: max |x|, -INFINITY: min |x|, 0: the
 * non-zeros); linalg.vector_norm is ag_vector_norm (ag_shape.h). */
ag_tensor *ag_norm(ag_tensor *t, double p, const int *dims, int ndims,
		   bool keepdim);
/* torch.norm's default 'fro': the 2-norm, over two dims sqrt(sum(t * t))
 * as PyTorch composes it (its node is SqrtBackward0). */
ag_tensor *ag_frobenius_norm(ag_tensor *t, const int *dims, int ndims,
			     bool keepdim);
ag_tensor *ag_nanmean(ag_tensor *t, const int *dims, int ndims, bool keepdim);
/* torch.aminmax: min and max over everything (dim NULL) or along *dim;
 * its node's backward fails, as PyTorch 1.13's. */
int ag_aminmax(ag_tensor *t, const int *dim, bool keepdim, ag_tensor **min,
	       ag_tensor **max);
/* cumsum, cumprod or logcumsumexp (AG_OP_CUMSUM, AG_OP_CUMPROD,
 * AG_OP_LOGCUMSUMEXP) along dim; integers and bool give int64 (and have no
 * logcumsumexp).  ag_scan also runs from the last element back. */
ag_tensor *ag_cumulative(ag_op op, ag_tensor *t, int dim);
ag_tensor *ag_scan(ag_op op, ag_tensor *t, int dim, bool reverse);
int ag_scan_(ag_op op, ag_tensor *t, int dim);	/* cumsum_, cumprod_ */
/* cummax or cummin (AG_OP_CUMMAX, AG_OP_CUMMIN) along dim: the running
 * values and their int64 indices (0-based), both shaped like t. */
int ag_cumextreme(ag_op op, ag_tensor *t, int dim, ag_tensor **values,
		  ag_tensor **indices);
/* Values and int64 indices (0-based) along dim. */
int ag_sort(ag_tensor *t, int dim, bool descending, bool stable,
	    ag_tensor **values, ag_tensor **indices);
ag_tensor *ag_argsort(ag_tensor *t, int dim, bool descending, bool stable);
int ag_topk(ag_tensor *t, int64_t k, int dim, bool largest, bool sorted,
	    ag_tensor **values, ag_tensor **indices);
/* the k-th smallest, k counting from 1 as PyTorch's */
int ag_kthvalue(ag_tensor *t, int64_t k, int dim, bool keepdim,
		ag_tensor **values, ag_tensor **indices);
/* The lower median: op AG_OP_MEDIAN or AG_OP_NANMEDIAN over everything,
 * AG_OP_MEDIAN_DIM or AG_OP_NANMEDIAN_DIM along a dim. */
ag_tensor *ag_median(ag_op op, ag_tensor *t);
int ag_median_dim(ag_op op, ag_tensor *t, int dim, bool keepdim,
		  ag_tensor **values, ag_tensor **indices);
int ag_mode(ag_tensor *t, int dim, bool keepdim, ag_tensor **values,
	    ag_tensor **indices);
/* The distinct values, sorted (dim NULL), or the distinct slices along
 * *dim; inverse (int64, where each element or slice went) and counts. */
int ag_unique(ag_tensor *t, const int *dim, ag_tensor **values,
	      ag_tensor **inverse, ag_tensor **counts);

/* --------------------------------------------------------- matrix products */

ag_tensor *ag_mm(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_bmm(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_matmul(ag_tensor *a, ag_tensor *b);
ag_tensor *ag_mv(ag_tensor *a, ag_tensor *v);	/* 2-d @ 1-d */
ag_tensor *ag_dot(ag_tensor *a, ag_tensor *b);	/* 1-d . 1-d -> 0-d */
const char *ag_blas_name(void);		/* "OpenBLAS", "builtin" */
/* OpenBLAS's kernels ("SkylakeX", "Prescott"), or NULL for another BLAS. */
const char *ag_blas_core(void);
/* Lets OpenBLAS use the kernels this CPU can run when it fell back to its
 * oldest (linalg.c says when); once, before any product, at start-up. */
void ag_blas_init(void);

/* ------------------------------------------------ joining and indexing */

ag_tensor *ag_cat(ag_tensor *const *ts, int n, int dim);
ag_tensor *ag_stack(ag_tensor *const *ts, int n, int dim);
/* index: a 1-d int64 tensor of 0-based positions (negative count back). */
ag_tensor *ag_index_select(ag_tensor *t, int dim, ag_tensor *index);

/* Indexing as the Lua syntax needs it: per dim, an index, a range or all. */
typedef enum ag_index_kind { AG_IDX_ALL, AG_IDX_INT, AG_IDX_RANGE } ag_index_kind;
typedef struct ag_index_spec {
	ag_index_kind kind;
	int64_t start;	/* AG_IDX_INT: the index; AG_IDX_RANGE: first */
	int64_t end;	/* AG_IDX_RANGE: one past the last (0-based, exclusive) */
	int64_t step;	/* AG_IDX_RANGE: > 0 */
} ag_index_spec;

/* A view: ints drop their dim, ranges keep it; dims past n are taken whole. */
ag_tensor *ag_index_view(ag_tensor *t, const ag_index_spec *spec, int n);
/* t[spec] = src (broadcast) / = value; with every overlap check. */
int ag_setitem(ag_tensor *t, const ag_index_spec *spec, int n, ag_tensor *src);
int ag_setitem_fill(ag_tensor *t, const ag_index_spec *spec, int n, double value);

#include "ag_shape.h"

/* ---------------------------------------------------------------- printing */

typedef struct ag_print_options {
	int precision;		/* 4 */
	int64_t threshold;	/* 1000: summarise above this many elements */
	int edgeitems;		/* 3 */
	int linewidth;		/* 80 */
} ag_print_options;

void ag_print_options_default(ag_print_options *o);
/* PyTorch's repr, without the autograd suffix when suffix == NULL;
 * e.g. "tensor([[1., 2.],\n        [3., 4.]]" + suffix + ")".
 * Returns a malloc'd string (caller frees) or NULL on error. */
char *ag_format(const ag_tensor *t, const ag_print_options *o,
		const char *suffix);

#include "ag_nn.h"
#include "ag_more.h"
#include "ag_fused.h"

#endif
