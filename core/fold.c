/*
 * fold.c - the reduction kernels: typed runs that fold strided elements
 * into an accumulator, the plan that walks a tensor's dims, column-wise
 * sums, and the split over threads.
 *
 * The input's dims split into "kept" dims (one output element each, in
 * row-major order) and "reduced" dims (walked for every output element).
 * The reduced dims are coalesced so the innermost walk is one long strided
 * run; a typed kernel folds each run into an accumulator.  Arg ops walk
 * the reduced dims in their logical order so positions count like
 * PyTorch's flat indices; order-free ops may visit memory in any order.
 */
#include "fold.h"

#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* ------------------------------------------------------------ accumulator */

typedef struct acc {
	double s, c;	/* float sum and its Neumaier compensation */
	uint64_t u;	/* integer sum: unsigned so overflow wraps, as int64 does */
	double v;	/* float extreme so far */
	int64_t iv;	/* integer extreme so far */
	int64_t idx;	/* position of the extreme; -1 before the first value */
	bool done;	/* a NaN decided a max/min: later values cannot change it */
} acc;

static void acc_init(acc *a, fold op)
{
	memset(a, 0, sizeof *a);
	a->idx = -1;
	a->v = (op == FOLD_MIN || op == FOLD_ARGMIN) ? INFINITY : -INFINITY;
	a->iv = (op == FOLD_MIN || op == FOLD_ARGMIN) ? INT64_MAX : INT64_MIN;
}

/* Neumaier's compensated add: block sums of a long float64 run lose
 * nothing to each other. */
static void acc_add(acc *a, double x)
{
	double t = a->s + x;
	/* past an inf the correction would be inf - inf = nan: drop it */
	if (isfinite(t))
		a->c += fabs(a->s) >= fabs(x) ? (a->s - t) + x : (x - t) + a->s;
	a->s = t;
}

/* A run is n elements from p, st bytes apart, at positions pos, pos+1, ... */
typedef void (*run_fn)(const char *p, int64_t n, int64_t st, int64_t pos,
		       acc *a);

#define SUM_BLOCK 4096

/* Within a block the order of a double-precision sum does not matter:
 * let the compiler spread it over several vector accumulators. */
#ifdef _OPENMP
#define OMP_SIMD_SUM _Pragma("omp simd reduction(+:l) simdlen(8)")
#define OMP_SIMD _Pragma("omp simd")
#else
#define OMP_SIMD_SUM
#define OMP_SIMD
#endif

/* Floating kernels work on doubles: exact for every agdb float dtype. */
#define FLOAT_KERNELS(NAME, T, LOAD, SIMD)					\
static void sum_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	(void)pos;							\
	for (int64_t b = 0; b < n; b += SUM_BLOCK) {			\
		int64_t m = n - b < SUM_BLOCK ? n - b : SUM_BLOCK;	\
		double l = 0;						\
		const char *q = p + b * st;				\
		if (st == (int64_t)sizeof(T)) {				\
			const T *e = (const T *)q;			\
			SIMD						\
			for (int64_t i = 0; i < m; i++)			\
				l += LOAD(e[i]);			\
		} else {						\
			for (int64_t i = 0; i < m; i++)			\
				l += LOAD(*(const T *)(q + i * st));	\
		}							\
		acc_add(a, l);						\
	}								\
}									\
static void max_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	double m = a->v;						\
	(void)pos;							\
	if (a->done)							\
		return;							\
	for (int64_t i = 0; i < n; i++) {				\
		double x = LOAD(*(const T *)(p + i * st));		\
		if (x != x) {						\
			m = x;						\
			a->done = true;					\
			break;						\
		}							\
		m = x > m ? x : m;					\
	}								\
	a->v = m;							\
}									\
static void min_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	double m = a->v;						\
	(void)pos;							\
	if (a->done)							\
		return;							\
	for (int64_t i = 0; i < n; i++) {				\
		double x = LOAD(*(const T *)(p + i * st));		\
		if (x != x) {						\
			m = x;						\
			a->done = true;					\
			break;						\
		}							\
		m = x < m ? x : m;					\
	}								\
	a->v = m;							\
}									\
static void argmax_##NAME(const char *p, int64_t n, int64_t st,	\
			  int64_t pos, acc *a)				\
{									\
	if (a->done)							\
		return;							\
	for (int64_t i = 0; i < n; i++) {				\
		double x = LOAD(*(const T *)(p + i * st));		\
		if (x != x) {						\
			a->v = x;					\
			a->idx = pos + i;				\
			a->done = true;					\
			return;						\
		}							\
		if (a->idx < 0 || x > a->v) {				\
			a->v = x;					\
			a->idx = pos + i;				\
		}							\
	}								\
}									\
static void argmin_##NAME(const char *p, int64_t n, int64_t st,	\
			  int64_t pos, acc *a)				\
{									\
	if (a->done)							\
		return;							\
	for (int64_t i = 0; i < n; i++) {				\
		double x = LOAD(*(const T *)(p + i * st));		\
		if (x != x) {						\
			a->v = x;					\
			a->idx = pos + i;				\
			a->done = true;					\
			return;						\
		}							\
		if (a->idx < 0 || x < a->v) {				\
			a->v = x;					\
			a->idx = pos + i;				\
		}							\
	}								\
}

/* Integer kernels (int64, bool) keep int64 values: doubles would round
 * int64 values past 2^53. */
#define INT_KERNELS(NAME, T, LOAD)					\
static void sum_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	uint64_t u = a->u;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++)					\
		u += (uint64_t)(LOAD(*(const T *)(p + i * st)));	\
	a->u = u;							\
}									\
static void max_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	int64_t m = a->iv;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++) {				\
		int64_t x = LOAD(*(const T *)(p + i * st));		\
		m = x > m ? x : m;					\
	}								\
	a->iv = m;							\
}									\
static void min_##NAME(const char *p, int64_t n, int64_t st, int64_t pos, \
		       acc *a)						\
{									\
	int64_t m = a->iv;						\
	(void)pos;							\
	for (int64_t i = 0; i < n; i++) {				\
		int64_t x = LOAD(*(const T *)(p + i * st));		\
		m = x < m ? x : m;					\
	}								\
	a->iv = m;							\
}									\
static void argmax_##NAME(const char *p, int64_t n, int64_t st,	\
			  int64_t pos, acc *a)				\
{									\
	for (int64_t i = 0; i < n; i++) {				\
		int64_t x = LOAD(*(const T *)(p + i * st));		\
		if (a->idx < 0 || x > a->iv) {				\
			a->iv = x;					\
			a->idx = pos + i;				\
		}							\
	}								\
}									\
static void argmin_##NAME(const char *p, int64_t n, int64_t st,	\
			  int64_t pos, acc *a)				\
{									\
	for (int64_t i = 0; i < n; i++) {				\
		int64_t x = LOAD(*(const T *)(p + i * st));		\
		if (a->idx < 0 || x < a->iv) {				\
			a->iv = x;					\
			a->idx = pos + i;				\
		}							\
	}								\
}

#define LOAD_F32(x) ((double)(x))
#define LOAD_F64(x) (x)
#define LOAD_F16(x) ((double)ag_half_to_float(x))
#define LOAD_BF16(x) ((double)ag_bf16_to_float(x))
#define LOAD_I64(x) (x)
#define LOAD_BOOL(x) ((int64_t)((x) != 0))

/* the 16-bit loads call a conversion function: no simd loop for them */
#define NO_SIMD
FLOAT_KERNELS(f32, float, LOAD_F32, OMP_SIMD_SUM)
FLOAT_KERNELS(f64, double, LOAD_F64, OMP_SIMD_SUM)
FLOAT_KERNELS(f16, uint16_t, LOAD_F16, NO_SIMD)
FLOAT_KERNELS(bf16, uint16_t, LOAD_BF16, NO_SIMD)
INT_KERNELS(i64, int64_t, LOAD_I64)
INT_KERNELS(b8, uint8_t, LOAD_BOOL)

/* Indexed by [dtype][op]; mean walks like sum. */
#define KERNEL_ROW(NAME) { sum_##NAME, sum_##NAME, max_##NAME, min_##NAME, \
			   argmax_##NAME, argmin_##NAME }
static const run_fn kernels[AG_NDTYPES][FOLD_COUNT] = {
	[AG_FLOAT32] = KERNEL_ROW(f32),
	[AG_FLOAT64] = KERNEL_ROW(f64),
	[AG_FLOAT16] = KERNEL_ROW(f16),
	[AG_BFLOAT16] = KERNEL_ROW(bf16),
	[AG_INT64] = KERNEL_ROW(i64),
	[AG_BOOL] = KERNEL_ROW(b8),
};

/* Folds b (which covers later positions than a) into a. */
static void acc_merge(acc *a, const acc *b, fold op, bool floating)
{
	switch (op) {
	case FOLD_SUM:
	case FOLD_MEAN:
		acc_add(a, b->s);
		a->c += b->c;
		a->u += b->u;
		break;
	case FOLD_MAX:
	case FOLD_MIN:
		if (floating) {
			if (a->done)
				break;
			if (b->done || (op == FOLD_MAX ? b->v > a->v : b->v < a->v))
				a->v = b->v;
			a->done = b->done;
		} else if (op == FOLD_MAX ? b->iv > a->iv : b->iv < a->iv) {
			a->iv = b->iv;
		}
		break;
	default:	/* arg ops: ties keep the earlier position */
		if (a->done || b->idx < 0)
			break;
		if (a->idx < 0 || b->done ||
		    (floating ? (op == FOLD_ARGMAX ? b->v > a->v : b->v < a->v)
			      : (op == FOLD_ARGMAX ? b->iv > a->iv : b->iv < a->iv)))
			*a = *b;
		break;
	}
}

/*
 * Ctrl-C: a run is folded a piece of REDUCE_POLL elements at a time with
 * the interrupt flag polled in between (a multiple of SUM_BLOCK, so the
 * float sums add the same blocks in the same order as in one go); once it
 * is set every loop stops and the caller fails with "interrupted".
 */
#define REDUCE_POLL ((int64_t)SUM_BLOCK << 8)

static bool run_polled(run_fn run, const char *p, int64_t n, int64_t st,
		       int64_t pos, acc *a)
{
	for (int64_t done = 0; done < n; done += REDUCE_POLL) {
		int64_t m = n - done < REDUCE_POLL ? n - done : REDUCE_POLL;
		if (done > 0 && ag_interrupt_pending())
			return false;
		run(p + done * st, m, st, pos + done, a);
	}
	return true;
}

/* ----------------------------------------------------------------- plans */


void ag_fold_plan_init(plan *p, fold op, const ag_tensor *t,
		       const bool *reduced)
{
	int order[AG_MAX_DIMS], n = 0;

	memset(p, 0, sizeof *p);
	p->op = op;
	p->dt = t->dtype;
	p->in = ag_data_ptr(t);
	p->elsize = ag_dtype_size(t->dtype);
	p->count = 1;
	p->nout = 1;
	/* An empty tensor may have huge sizes and strides elsewhere (they
	 * never meet an element): products saturate, and nothing is merged. */
	bool empty = ag_numel(t) == 0;
	for (int d = 0; d < t->ndim; d++) {
		if (reduced[d]) {
			if (__builtin_mul_overflow(p->count, t->shape[d], &p->count))
				p->count = INT64_MAX;
			if (t->shape[d] != 1 && !empty)
				order[n++] = d;
		} else {
			p->kshape[p->nkeep] = t->shape[d];
			p->kstride[p->nkeep++] = t->stride[d];
			if (__builtin_mul_overflow(p->nout, t->shape[d], &p->nout))
				p->nout = INT64_MAX;
		}
	}
	for (int d = 0; d < t->ndim; d++)
		if (reduced[d] && t->shape[d] == 0)
			p->count = 0;
	/* Order-free ops walk the largest strides outermost (insertion sort,
	 * stable so equal strides keep their logical order). */
	if (op != FOLD_ARGMAX && op != FOLD_ARGMIN)
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 &&
			     t->stride[order[j - 1]] < t->stride[order[j]]; j--) {
				int tmp = order[j];
				order[j] = order[j - 1];
				order[j - 1] = tmp;
			}
	for (int i = 0; i < n; i++) {
		int d = order[i], k = p->nred - 1;
		if (k >= 0 && p->rstride[k] == t->stride[d] * t->shape[d]) {
			p->rshape[k] *= t->shape[d];
			p->rstride[k] = t->stride[d];
		} else {
			p->rshape[p->nred] = t->shape[d];
			p->rstride[p->nred++] = t->stride[d];
		}
	}
	if (p->count == 0) {		/* nothing to walk */
		p->nred = 1;
		p->rshape[0] = 0;
		p->rstride[0] = 0;
	} else if (p->nred == 0) {	/* one element per output */
		p->nred = 1;
		p->rshape[0] = 1;
		p->rstride[0] = 0;
	}
}

/* Folds the reduced dims starting at element offset base into a. */
static void reduce_one(const plan *p, int64_t base, acc *a)
{
	run_fn run = kernels[p->dt][p->op];
	int outer = p->nred - 1;
	int64_t n = p->rshape[outer];
	int64_t st = p->rstride[outer] * (int64_t)p->elsize;
	int64_t idx[AG_MAX_DIMS] = { 0 }, off = base, pos = 0;

	if (n == 0)
		return;
	for (;;) {
		if (!run_polled(run, p->in + off * (int64_t)p->elsize, n, st,
				pos, a) || ag_interrupt_pending())
			return;
		pos += n;
		int d = outer - 1;
		for (; d >= 0; d--) {
			off += p->rstride[d];
			if (++idx[d] < p->rshape[d])
				break;
			off -= p->rstride[d] * p->rshape[d];
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}

/* Writes output number o from its accumulator. */
static void finish_one(const plan *p, int64_t o, const acc *a)
{
	bool floating = ag_dtype_is_floating(p->dt);
	char *v = p->vout ? p->vout + o * (int64_t)ag_dtype_size(p->vdt) : NULL;

	if (p->iout)
		((int64_t *)p->iout)[o] = a->idx < 0 ? 0 : a->idx;
	if (!v)
		return;
	switch (p->op) {
	case FOLD_SUM:
		if (floating)
			ag_store(v, p->vdt, a->s + a->c);
		else
			ag_store_i64(v, p->vdt, (int64_t)a->u);
		break;
	case FOLD_MEAN:
		/* PyTorch divides the sum as rounded to the dtype, so a float16
		 * sum that overflows gives inf, not the exact mean. */
		ag_store(v, p->vdt, a->s + a->c);
		ag_store(v, p->vdt, ag_load(v, p->vdt) / (double)p->count);
		break;
	default:
		if (floating)
			ag_store(v, p->vdt, a->v);
		else
			ag_store_i64(v, p->vdt, a->iv);
		break;
	}
}

/* Threads pay off only for big reductions: waking a team costs about as
 * much as summing a few hundred thousand elements, far more on a loaded
 * machine. */
#define REDUCE_PARALLEL_MIN (1 << 21)

static int64_t thread_count(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

/* One output over a long single run: split the run across threads. */
static void run_split(const plan *p)
{
	enum { MAX_PARTS = 64 };
	acc parts[MAX_PARTS];
	int64_t n = p->rshape[0], st = p->rstride[0] * (int64_t)p->elsize;
	int64_t nparts = n / (REDUCE_PARALLEL_MIN / 2), chunk;
	run_fn run = kernels[p->dt][p->op];
	bool floating = ag_dtype_is_floating(p->dt);

	if (nparts > thread_count())
		nparts = thread_count();
	if (nparts > MAX_PARTS)
		nparts = MAX_PARTS;
	chunk = (n + nparts - 1) / nparts;
#ifdef _OPENMP
#pragma omp parallel for
#endif
	for (int64_t i = 0; i < nparts; i++) {
		int64_t b = i * chunk, m = n - b < chunk ? n - b : chunk;
		acc_init(&parts[i], p->op);
		if (m > 0)
			run_polled(run, p->in + b * st, m, st, b, &parts[i]);
	}
	for (int64_t i = 1; i < nparts; i++)
		acc_merge(&parts[0], &parts[i], p->op, floating);
	finish_one(p, 0, &parts[0]);
}

/* Outputs [begin, end): the odometer over kept dims gives each base. */
static void run_outputs(const plan *p, int64_t begin, int64_t end)
{
	int64_t idx[AG_MAX_DIMS], base = 0, rest = begin;

	for (int d = p->nkeep - 1; d >= 0; d--) {
		idx[d] = rest % p->kshape[d];
		rest /= p->kshape[d];
		base += idx[d] * p->kstride[d];
	}
	for (int64_t o = begin; o < end; o++) {
		acc a;
		if (ag_interrupt_pending())
			return;
		acc_init(&a, p->op);
		reduce_one(p, base, &a);
		finish_one(p, o, &a);
		for (int d = p->nkeep - 1; d >= 0; d--) {
			base += p->kstride[d];
			if (++idx[d] < p->kshape[d])
				break;
			base -= p->kstride[d] * p->kshape[d];
			idx[d] = 0;
		}
	}
}

/* ------------------------------------------------- column-wise sums */

/*
 * Sums whose outputs lie closer together in memory than the elements each
 * of them adds up (x.sum(0) of a row-major matrix, a bias gradient): walk
 * the input row by row, adding every row into a block of accumulators,
 * instead of one output at a time down a column.
 */
enum { VBLOCK = 1024 };

typedef void (*rowadd_fn)(const char *p, int64_t n, int64_t st, void *acc);

#define ROWADD(NAME, T, LOAD, AT, SIMD)					\
static void rowadd_##NAME(const char *p, int64_t n, int64_t st, void *av) \
{									\
	AT *acc = av;							\
	if (st == (int64_t)sizeof(T)) {					\
		const T *e = (const T *)p;				\
		SIMD							\
		for (int64_t j = 0; j < n; j++)				\
			acc[j] += (AT)LOAD(e[j]);			\
	} else {							\
		for (int64_t j = 0; j < n; j++)				\
			acc[j] += (AT)LOAD(*(const T *)(p + j * st));	\
	}								\
}

ROWADD(f32, float, LOAD_F32, double, OMP_SIMD)
ROWADD(f64, double, LOAD_F64, double, OMP_SIMD)
ROWADD(f16, uint16_t, LOAD_F16, double, NO_SIMD)
ROWADD(bf16, uint16_t, LOAD_BF16, double, NO_SIMD)
ROWADD(i64, int64_t, LOAD_I64, uint64_t, OMP_SIMD)
ROWADD(b8, uint8_t, LOAD_BOOL, uint64_t, OMP_SIMD)

static const rowadd_fn rowadds[AG_NDTYPES] = {
	[AG_FLOAT32] = rowadd_f32, [AG_FLOAT64] = rowadd_f64,
	[AG_FLOAT16] = rowadd_f16, [AG_BFLOAT16] = rowadd_bf16,
	[AG_INT64] = rowadd_i64, [AG_BOOL] = rowadd_b8,
};

static bool columns_fit(const plan *p)
{
	if ((p->op != FOLD_SUM && p->op != FOLD_MEAN) || p->nkeep == 0 ||
	    p->count <= 1)
		return false;
	int last = p->nkeep - 1;
	return p->kshape[last] > 1 &&
	       p->kstride[last] < p->rstride[p->nred - 1];
}

/* Task t: outputs j0 .. j0 + VBLOCK of the innermost kept dim, in the
 * group t / nblocks of the outer kept dims. */
static void columns_task(const plan *p, int64_t t, int64_t nblocks)
{
	int last = p->nkeep - 1;
	int64_t kn = p->kshape[last], ks = p->kstride[last];
	int64_t g = t / nblocks, j0 = (t % nblocks) * VBLOCK;
	int64_t jb = kn - j0 < VBLOCK ? kn - j0 : VBLOCK;
	int64_t base = j0 * ks, rest = g, idx[AG_MAX_DIMS] = { 0 };
	int64_t es = (int64_t)p->elsize;
	bool floating = ag_dtype_is_floating(p->dt);
	union { double f[VBLOCK]; uint64_t u[VBLOCK]; } sums;
	rowadd_fn add = rowadds[p->dt];

	for (int d = last - 1; d >= 0; d--) {
		base += (rest % p->kshape[d]) * p->kstride[d];
		rest /= p->kshape[d];
	}
	memset(&sums, 0, sizeof sums);
	for (int64_t off = base, rows = 0;;) {
		if ((++rows & 1023) == 0 && ag_interrupt_pending())
			return;
		add(p->in + off * es, jb, ks * es, &sums);
		int d = p->nred - 1;
		for (; d >= 0; d--) {
			off += p->rstride[d];
			if (++idx[d] < p->rshape[d])
				break;
			off -= p->rstride[d] * p->rshape[d];
			idx[d] = 0;
		}
		if (d < 0)
			break;
	}
	for (int64_t j = 0; j < jb; j++) {
		acc a;
		acc_init(&a, p->op);
		if (floating)
			a.s = sums.f[j];
		else
			a.u = sums.u[j];
		finish_one(p, g * kn + j0 + j, &a);
	}
}

static void run_columns(const plan *p)
{
	int64_t kn = p->kshape[p->nkeep - 1];
	int64_t nblocks = (kn + VBLOCK - 1) / VBLOCK;
	int64_t ntasks = p->nout / kn * nblocks;
	bool parallel = thread_count() > 1 && ntasks > 1 &&
			p->nout * p->count >= REDUCE_PARALLEL_MIN;

#ifdef _OPENMP
#pragma omp parallel for if (parallel)
#endif
	for (int64_t t = 0; t < ntasks; t++)
		columns_task(p, t, nblocks);
	(void)parallel;
}

void ag_fold_plan_run(const plan *p)
{
	int64_t work = p->nout * p->count, nthreads = thread_count();

	if (p->nout == 0)
		return;
	if (columns_fit(p)) {
		run_columns(p);
		return;
	}
	if (p->nout == 1 && p->nred == 1 && nthreads > 1 &&
	    p->count >= REDUCE_PARALLEL_MIN) {
		run_split(p);
		return;
	}
	if (p->nout == 1 || nthreads == 1 || work < REDUCE_PARALLEL_MIN) {
		run_outputs(p, 0, p->nout);
		return;
	}
	int64_t nchunks = nthreads * 4 < p->nout ? nthreads * 4 : p->nout;
	int64_t chunk = (p->nout + nchunks - 1) / nchunks;
#ifdef _OPENMP
#pragma omp parallel for
#endif
	for (int64_t i = 0; i < nchunks; i++) {
		int64_t b = i * chunk, e = b + chunk < p->nout ? b + chunk : p->nout;
		if (b < e)
			run_outputs(p, b, e);
	}
}
