/*
 * iter.c - the strided iterator every elementwise op, copy and reduction
 * runs on.
 *
 * Operands are laid over one iteration shape (broadcast dims get stride 0),
 * dims are reordered so the innermost one is the fastest-moving in memory,
 * and neighbouring dims that are contiguous with each other are merged.  A
 * contiguous op over any shape thus becomes one flat loop the compiler can
 * vectorise.  Internally dim 0 is the innermost.
 */
#include "internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Is dim a to be iterated inside dim b?  Decided by the first operand whose
 * strides differ and are both non-zero; ties keep the original order. */
static bool dim_inside(const ag_iter *it, int a, int b)
{
	for (int op = 0; op < it->nops; op++) {
		int64_t sa = llabs(it->strides[op][a]), sb = llabs(it->strides[op][b]);
		if (sa == 0 || sb == 0 || sa == sb)
			continue;
		return sa < sb;
	}
	return a < b;	/* originally later dims are inner: a has lower index */
}

/* Lays the dims out in order perm (innermost first), dropping size-1 dims
 * and merging neighbours that are contiguous with each other for every
 * operand. */
static void coalesce(ag_iter *it, int64_t strides[][AG_MAX_DIMS],
		     const int64_t *rshape, const int *perm, int ndim)
{
	int n = 0, nops = it->nops;
	for (int k = 0; k < ndim; k++) {
		int d = perm[k];
		if (rshape[d] == 1)
			continue;
		if (n > 0) {
			bool merge = true;
			for (int op = 0; op < nops; op++)
				if (strides[op][d] !=
				    it->strides[op][n - 1] * it->shape[n - 1]) {
					merge = false;
					break;
				}
			if (merge) {
				it->shape[n - 1] *= rshape[d];
				continue;
			}
		}
		it->shape[n] = rshape[d];
		for (int op = 0; op < nops; op++)
			it->strides[op][n] = strides[op][d];
		n++;
	}
	if (n == 0) {	/* a single element (or a 0-d op) */
		it->shape[0] = 1;
		for (int op = 0; op < nops; op++)
			it->strides[op][0] = 0;
		n = 1;
	}
	it->ndim = n;
	if (it->numel == 0)
		it->shape[0] = 0;
}

int ag_iter_init(ag_iter *it, int nops, ag_tensor *const *ops,
		 const int64_t *shape, int ndim)
{
	int64_t strides[AG_MAX_ITER_OPS][AG_MAX_DIMS];
	int64_t rshape[AG_MAX_DIMS];
	int perm[AG_MAX_DIMS];

	if (nops > AG_MAX_ITER_OPS || ndim > AG_MAX_DIMS)
		return ag_error(AG_ERR_VALUE, "iterator: too many operands or dims");
	memset(it, 0, sizeof *it);
	it->nops = nops;
	it->numel = 1;
	for (int i = 0; i < ndim; i++)
		if (shape[i] == 0)
			it->numel = 0;
	for (int i = 0; i < ndim && it->numel; i++)
		it->numel *= shape[i];
	/* Nothing to visit: the strides of an empty tensor may be anything
	 * (as_strided takes any), so do not even multiply them. */
	if (it->numel == 0) {
		for (int op = 0; op < nops; op++) {
			it->elsize[op] = ag_dtype_size(ops[op]->dtype);
			it->dtype[op] = ops[op]->dtype;
			it->data[op] = ag_data_ptr(ops[op]);
		}
		it->ndim = 1;
		return 0;
	}

	/* reversed dims (0 = innermost) and byte strides, broadcast -> 0 */
	for (int i = 0; i < ndim; i++)
		rshape[i] = shape[ndim - 1 - i];
	for (int op = 0; op < nops; op++) {
		const ag_tensor *t = ops[op];
		it->elsize[op] = ag_dtype_size(t->dtype);
		it->dtype[op] = t->dtype;
		it->data[op] = ag_data_ptr(t);
		for (int i = 0; i < ndim; i++) {
			int td = t->ndim - 1 - i;
			int64_t s = 0;
			if (td >= 0 && t->shape[td] != 1)
				s = t->stride[td] * (int64_t)it->elsize[op];
			strides[op][i] = s;
		}
	}

	/* order dims innermost-first by stride (insertion sort, stable) */
	for (int i = 0; i < ndim; i++)
		perm[i] = i;
	memcpy(it->strides, strides, sizeof strides);
	for (int i = 1; i < ndim; i++) {
		int cur = perm[i], j = i - 1;
		while (j >= 0 && dim_inside(it, cur, perm[j])) {
			perm[j + 1] = perm[j];
			j--;
		}
		perm[j + 1] = cur;
	}

	coalesce(it, strides, rshape, perm, ndim);
	return 0;
}

bool ag_iter_is_contiguous(const ag_iter *it)
{
	if (it->ndim != 1)
		return false;
	for (int op = 0; op < it->nops; op++)
		if (it->strides[op][0] != (int64_t)it->elsize[op] && it->shape[0] > 1)
			return false;
	return true;
}

/*
 * Ctrl-C: the loops below stop early once an interrupt is pending (the
 * caller finds it with ag_interrupt_pending() and fails, or the REPL's hook
 * drops the result).  Long inner runs are cut into pieces so the flag is
 * polled every AG_ITER_POLL elements even when one run covers the whole
 * tensor (a contiguous op, or an expand to 10^12 elements).
 */
#define AG_ITER_POLL ((int64_t)1 << 16)

/* inner over n elements from ptr, a piece at a time; false when stopped. */
static bool run_inner(const ag_iter *it, ag_inner_loop inner, void *ctx,
		      char **ptr, const int64_t *strides, int64_t n)
{
	char *p[AG_MAX_ITER_OPS];

	if (n <= AG_ITER_POLL) {
		inner(ptr, strides, n, ctx);
		return true;
	}
	for (int op = 0; op < it->nops; op++)
		p[op] = ptr[op];
	for (int64_t done = 0; done < n; done += AG_ITER_POLL) {
		int64_t m = n - done < AG_ITER_POLL ? n - done : AG_ITER_POLL;
		if (ag_interrupt_pending())
			return false;
		inner(p, strides, m, ctx);
		for (int op = 0; op < it->nops; op++)
			p[op] += m * strides[op];
	}
	return true;
}

/* Runs outer positions [begin, end) of the flattened outer dims. */
static void run_range(const ag_iter *it, ag_inner_loop inner, void *ctx,
		      int64_t begin, int64_t end)
{
	char *ptr[AG_MAX_ITER_OPS];
	int64_t idx[AG_MAX_DIMS] = { 0 };
	int64_t strides0[AG_MAX_ITER_OPS];
	int64_t rem = begin;

	for (int op = 0; op < it->nops; op++) {
		ptr[op] = it->data[op];
		strides0[op] = it->strides[op][0];
	}
	for (int d = 1; d < it->ndim; d++) {
		idx[d] = rem % it->shape[d];
		rem /= it->shape[d];
		for (int op = 0; op < it->nops; op++)
			ptr[op] += idx[d] * it->strides[op][d];
	}
	int64_t since_poll = 0;
	for (int64_t pos = begin; pos < end; pos++) {
		if (!run_inner(it, inner, ctx, ptr, strides0, it->shape[0]))
			return;
		since_poll += it->shape[0];
		if (since_poll >= AG_ITER_POLL) {
			since_poll = 0;
			if (ag_interrupt_pending())
				return;
		}
		for (int d = 1; d < it->ndim; d++) {
			for (int op = 0; op < it->nops; op++)
				ptr[op] += it->strides[op][d];
			if (++idx[d] < it->shape[d])
				break;
			for (int op = 0; op < it->nops; op++)
				ptr[op] -= it->strides[op][d] * it->shape[d];
			idx[d] = 0;
		}
	}
}

void ag_iter_run(const ag_iter *it, ag_inner_loop inner, void *ctx,
		 bool parallel)
{
	int64_t outer = 1;

	if (it->numel == 0)
		return;
	for (int d = 1; d < it->ndim; d++)
		outer *= it->shape[d];
#ifdef _OPENMP
	int nthreads = omp_get_max_threads();
	if (parallel && nthreads > 1 && it->numel >= AG_PARALLEL_GRAIN) {
		if (outer >= nthreads) {
			#pragma omp parallel for schedule(static)
			for (int t = 0; t < nthreads; t++)
				run_range(it, inner, ctx, outer * t / nthreads,
					  outer * (t + 1) / nthreads);
			return;
		}
		if (outer == 1) {	/* one long run: split it */
			int64_t n = it->shape[0];
			#pragma omp parallel for schedule(static)
			for (int t = 0; t < nthreads; t++) {
				int64_t b = n * t / nthreads, e = n * (t + 1) / nthreads;
				char *p[AG_MAX_ITER_OPS];
				int64_t s[AG_MAX_ITER_OPS];
				for (int op = 0; op < it->nops; op++) {
					s[op] = it->strides[op][0];
					p[op] = it->data[op] + b * s[op];
				}
				if (e > b)
					run_inner(it, inner, ctx, p, s, e - b);
			}
			return;
		}
	}
#else
	AG_UNUSED(parallel);
#endif
	run_range(it, inner, ctx, 0, outer);
}
