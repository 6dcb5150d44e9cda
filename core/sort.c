/*
 * sort.c - the ops that order the values along a dim: sort, argsort,
 * topk, kthvalue, median, nanmedian, mode; and unique.  Each slice along
 * the dim is copied into (key, position) pairs, ordered by sortalgo.c the
 * way PyTorch 1.13's CPU kernels order them (so ties report the same
 * indices), and written back: values as the input's own bytes, indices
 * as int64 positions (0-based here; the binding adds one).
 */
#include "internal.h"
#include "record.h"
#include "sortalgo.h"

#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------- the walk */

struct job;
/* What an op does with one slice's keys (n of them, positions set). */
typedef void (*slice_fn)(const struct job *j, void *keys, int64_t slice);

/* A tensor walked slice by slice along dim, and where each slice's
 * results go.  Output strides are given in the input's dims (0 along a
 * dim an output dropped), so one offset computation serves all. */
typedef struct job {
	const ag_tensor *t;
	int dim, ndim;			/* a 0-d input is one slice of one */
	int64_t shape[AG_MAX_DIMS];
	int64_t n, count;		/* slice length, number of slices */
	const char *in;
	int64_t ist[AG_MAX_DIMS];	/* input strides */
	char *vout;			/* values, or NULL */
	int64_t vst[AG_MAX_DIMS];
	int64_t *iout;			/* int64 indices, or NULL */
	int64_t xst[AG_MAX_DIMS];
	slice_fn fn;
	int64_t k;			/* topk, kthvalue */
	bool flag;			/* descending, largest, nan-ignoring */
	bool stable, sorted;
	bool own_keys;			/* fn loads the keys it wants */
} job;

static int job_init(job *j, const ag_tensor *t, int dim, slice_fn fn)
{
	memset(j, 0, sizeof *j);
	j->t = t;
	j->fn = fn;
	j->in = ag_data_ptr(t);
	j->ndim = t->ndim ? t->ndim : 1;
	j->dim = t->ndim ? dim : 0;
	j->count = 1;
	for (int d = 0; d < j->ndim; d++) {
		j->shape[d] = t->ndim ? t->shape[d] : 1;
		j->ist[d] = t->ndim ? t->stride[d] : 0;
		if (d != j->dim)
			j->count *= j->shape[d];
	}
	j->n = j->shape[j->dim];
	return 0;
}

/* Strides of out in the input's dims: out keeps the dim, or dropped it. */
static void out_strides(const job *j, const ag_tensor *out, bool dropped,
			int64_t *st)
{
	for (int d = 0, o = 0; d < j->ndim; d++) {
		if (out->ndim == 0 || (dropped && d == j->dim)) {
			st[d] = 0;
			continue;
		}
		st[d] = out->stride[o++];
	}
}

/* The element offset of slice s in a tensor with strides st. */
static int64_t slice_base(const job *j, const int64_t *st, int64_t s)
{
	int64_t off = 0;
	for (int d = j->ndim - 1; d >= 0; d--) {
		if (d == j->dim)
			continue;
		off += (s % j->shape[d]) * st[d];
		s /= j->shape[d];
	}
	return off;
}

static bool float_keys(const ag_tensor *t)
{
	return ag_dtype_is_floating(t->dtype);
}

static void load_keys(const job *j, void *keys, int64_t s)
{
	ag_dtype dt = j->t->dtype;
	size_t es = ag_dtype_size(dt);
	const char *p = j->in + slice_base(j, j->ist, s) * (int64_t)es;
	int64_t st = j->ist[j->dim] * (int64_t)es;

	if (float_keys(j->t)) {
		ag_fkey *e = keys;
		if (dt == AG_FLOAT32)
			for (int64_t i = 0; i < j->n; i++)
				e[i] = (ag_fkey){ *(const float *)(p + i * st), i };
		else
			for (int64_t i = 0; i < j->n; i++)
				e[i] = (ag_fkey){ ag_load(p + i * st, dt), i };
	} else {
		ag_ikey *e = keys;
		for (int64_t i = 0; i < j->n; i++)
			e[i] = (ag_ikey){ ag_load_i64(p + i * st, dt), i };
	}
}

/* Result number `at` along the dim of slice s: input element `from`. */
static void emit(const job *j, int64_t s, int64_t at, int64_t from)
{
	size_t es = ag_dtype_size(j->t->dtype);

	if (j->vout)
		memcpy(j->vout + (slice_base(j, j->vst, s) + at * j->vst[j->dim]) *
		       (int64_t)es, j->in + (slice_base(j, j->ist, s) +
		       from * j->ist[j->dim]) * (int64_t)es, es);
	if (j->iout)
		j->iout[slice_base(j, j->xst, s) + at * j->xst[j->dim]] = from;
}

/* Position i of the ordered keys. */
static int64_t pos_of(const job *j, const void *keys, int64_t i)
{
	return float_keys(j->t) ? ((const ag_fkey *)keys)[i].i
				: ((const ag_ikey *)keys)[i].i;
}

/* Runs j->fn on every slice, over threads when the work is big. */
static int run(const job *j)
{
	size_t ksz = float_keys(j->t) ? sizeof(ag_fkey) : sizeof(ag_ikey);
	bool parallel = j->count > 1 && j->count * j->n >= AG_PARALLEL_GRAIN;
	int failed = 0;

	if (j->count == 0 || j->n == 0)
		return 0;
#ifdef _OPENMP
#pragma omp parallel if (parallel)
#endif
	{
		void *keys = malloc((size_t)j->n * ksz);
		if (!keys) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
			failed = 1;
		}
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
		for (int64_t s = 0; s < j->count; s++) {
			if (!keys)
				continue;
			if (!j->own_keys)
				load_keys(j, keys, s);
			j->fn(j, keys, s);
		}
		free(keys);
	}
	(void)parallel;
	return failed ? ag_error(AG_ERR_NOMEM, "out of memory") : 0;
}

/* Values (dtype of t) and int64 indices shaped like t with the dim's size
 * n (dropped when !keepdim); strides set in j. */
static int alloc_outputs(job *j, int64_t n, bool keepdim, bool values,
			 ag_tensor **v, ag_tensor **ix)
{
	int64_t shape[AG_MAX_DIMS];
	const ag_tensor *t = j->t;
	int nd = 0;

	*v = *ix = NULL;
	for (int d = 0; d < t->ndim; d++)
		if (d != j->dim)
			shape[nd++] = t->shape[d];
		else if (keepdim)
			shape[nd++] = n;
	if (values && !(*v = ag_tensor_alloc_uninit(shape, nd, t->dtype)))
		return -1;
	if (!(*ix = ag_tensor_alloc_uninit(shape, nd, AG_INT64))) {
		ag_tensor_release(*v);
		*v = NULL;
		return -1;
	}
	if (*v) {
		j->vout = ag_data_ptr(*v);
		out_strides(j, *v, !keepdim, j->vst);
	}
	j->iout = ag_data_ptr(*ix);
	out_strides(j, *ix, !keepdim, j->xst);
	return 0;
}

/* Records a values-and-indices op (or fails, dropping both). */
static int finish(ag_op op, int variant, ag_tensor *t, int dim, bool keepdim,
		  ag_tensor **v, ag_tensor **ix)
{
	ag_tensor *outs[2] = { *v, *ix };
	ag_dim_args a = { .in = ag_shape_of(t), .dim = dim, .keepdim = keepdim };

	if (ag_record(&(ag_call){ .op = op, .variant = variant, .in = &t,
				  .nin = 1, .out = outs, .nout = 2, .args = &a,
				  .args_size = sizeof a }) < 0) {
		ag_tensor_release(*v);
		ag_tensor_release(*ix);
		*v = *ix = NULL;
		return -1;
	}
	return 0;
}

static int fail_outputs(ag_tensor **v, ag_tensor **ix)
{
	ag_tensor_release(*v);
	ag_tensor_release(*ix);
	*v = *ix = NULL;
	return -1;
}

/* The checks every op here starts with; d gets the wrapped dim. */
static int check(const ag_tensor *t, int dim, const char *name, int *d)
{
	if (!t)
		return ag_error(AG_ERR_VALUE, "%s(): expected a tensor", name);
	return ag_wrap_dim(dim, t->ndim, d);
}

/* PyTorch's CPU kernels of kthvalue, topk and median have no bool
 * version; their names go in the message. */
static int check_kernel(const ag_tensor *t, const char *kernel)
{
	if (t->dtype == AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
				kernel, ag_dtype_scalar_name(t->dtype));
	return 0;
}

static int check_nonempty(const job *j, const char *name)
{
	if (j->n == 0)
		return ag_error(AG_ERR_INDEX, "%s(): Expected reduction dim %d to "
				"have non-zero size.", name, j->dim);
	return 0;
}

/* ---------------------------------------------------------------- sort */

/* float32 slices at least this long are ordered by a radix sort */
#define RADIX_MIN 128

/* A float32 slice by radix sort (sortalgo.c): true when done; false when
 * it has equal values and the sort is not stable, whose placement of
 * ties only introsort gives. */
static bool sort_slice_radix(const job *j, void *keys, int64_t s)
{
	const float *p = (const float *)j->in + slice_base(j, j->ist, s);
	int64_t st = j->ist[j->dim], n = j->n;
	uint64_t *w = keys;	/* 16 bytes a key: room for 2 n items */

	if (ag_radix_order_f32(p, st, n, j->flag, w) != 0 && !j->stable)
		return false;
	float *vo = j->vout ? (float *)j->vout + slice_base(j, j->vst, s) : NULL;
	int64_t *xo = j->iout + slice_base(j, j->xst, s);
	int64_t vs = j->vst[j->dim], xs = j->xst[j->dim];
	for (int64_t i = 0; i < n; i++) {
		int64_t from = (int64_t)(uint32_t)w[i];
		if (vo)
			vo[i * vs] = p[from * st];
		xo[i * xs] = from;
	}
	return true;
}

static void sort_slice(const job *j, void *keys, int64_t s)
{
	if (j->t->dtype == AG_FLOAT32 && j->n >= RADIX_MIN &&
	    j->n <= (int64_t)UINT32_MAX && sort_slice_radix(j, keys, s))
		return;
	load_keys(j, keys, s);
	if (float_keys(j->t))
		ag_sort_fkeys(keys, j->n, j->flag, j->stable);
	else
		ag_sort_ikeys(keys, j->n, j->flag, j->stable);
	for (int64_t i = 0; i < j->n; i++)
		emit(j, s, i, pos_of(j, keys, i));
}

static int sort_impl(ag_tensor *t, int dim, bool descending, bool stable,
		     bool values, ag_tensor **v, ag_tensor **ix, int *d)
{
	job j;

	if (check(t, dim, "sort", d) < 0)
		return -1;
	job_init(&j, t, *d, sort_slice);
	j.flag = descending;
	j.stable = stable;
	j.own_keys = true;
	if (alloc_outputs(&j, j.n, true, values, v, ix) < 0)
		return -1;
	if (run(&j) < 0)
		return fail_outputs(v, ix);
	return 0;
}

int ag_sort(ag_tensor *t, int dim, bool descending, bool stable,
	    ag_tensor **values, ag_tensor **indices)
{
	int d;

	if (sort_impl(t, dim, descending, stable, true, values, indices, &d) < 0)
		return -1;
	return finish(AG_OP_SORT, stable, t, d, true, values, indices);
}

ag_tensor *ag_argsort(ag_tensor *t, int dim, bool descending, bool stable)
{
	ag_tensor *v, *ix;
	int d;

	if (sort_impl(t, dim, descending, stable, false, &v, &ix, &d) < 0)
		return NULL;
	return ag_recorded(ix, (ag_call){ .op = AG_OP_ARGSORT, .in = &t,
					  .nin = 1 });
}

/* ---------------------------------------------------------------- topk */

static void topk_slice(const job *j, void *keys, int64_t s)
{
	if (float_keys(j->t))
		ag_topk_fkeys(keys, j->n, j->k, j->flag, j->sorted);
	else
		ag_topk_ikeys(keys, j->n, j->k, j->flag, j->sorted);
	for (int64_t i = 0; i < j->k; i++)
		emit(j, s, i, pos_of(j, keys, i));
}

int ag_topk(ag_tensor *t, int64_t k, int dim, bool largest, bool sorted,
	    ag_tensor **values, ag_tensor **indices)
{
	job j;
	int d;

	*values = *indices = NULL;
	if (check(t, dim, "topk", &d) < 0)
		return -1;
	job_init(&j, t, d, topk_slice);
	if (k < 0 || k > j.n)
		return ag_error(AG_ERR_INDEX, "selected index k out of range");
	if (check_kernel(t, "topk_cpu") < 0)
		return -1;
	j.k = k;
	j.flag = largest;
	j.sorted = sorted;
	if (alloc_outputs(&j, k, true, true, values, indices) < 0)
		return -1;
	if (k > 0 && run(&j) < 0)
		return fail_outputs(values, indices);
	return finish(AG_OP_TOPK, 0, t, d, true, values, indices);
}

/* ------------------------------------------------------------ kthvalue */

static void kth_slice(const job *j, void *keys, int64_t s)
{
	if (float_keys(j->t))
		ag_select_fkeys(keys, j->n, j->k);
	else
		ag_select_ikeys(keys, j->n, j->k);
	emit(j, s, 0, pos_of(j, keys, j->k));
}

int ag_kthvalue(ag_tensor *t, int64_t k, int dim, bool keepdim,
		ag_tensor **values, ag_tensor **indices)
{
	job j;
	int d;

	*values = *indices = NULL;
	if (check(t, dim, "kthvalue", &d) < 0)
		return -1;
	job_init(&j, t, d, kth_slice);
	if (check_nonempty(&j, "kthvalue") < 0)
		return -1;
	if (k < 1 || k > j.n)
		return ag_error(AG_ERR_INDEX, "kthvalue(): selected number k out of "
				"range for dimension %d", d);
	if (check_kernel(t, "kthvalue_cpu") < 0)
		return -1;
	j.k = k - 1;
	if (alloc_outputs(&j, 1, keepdim, true, values, indices) < 0)
		return -1;
	if (run(&j) < 0)
		return fail_outputs(values, indices);
	return finish(AG_OP_KTHVALUE, 0, t, d, keepdim, values, indices);
}

/* -------------------------------------------------------------- median */

/* The lower median of a slice, its first NaN for median (none of them
 * for nanmedian, unless all are). */
static void median_slice(const job *j, void *keys, int64_t s)
{
	int64_t n = j->n, nnan = 0;

	if (float_keys(j->t)) {
		ag_fkey *e = keys;
		for (int64_t i = 0; i < n; i++)
			if (isnan(e[i].k)) {
				if (!j->flag) {
					emit(j, s, 0, i);
					return;
				}
				nnan++;
			}
		/* C's division truncates: all NaN gives nth 0, as C++'s */
		int64_t nth = (n - nnan - 1) / 2;
		ag_nth_fkeys(e, n, nth, j->flag);
		emit(j, s, 0, e[nth].i);
	} else {
		ag_ikey *e = keys;
		ag_nth_ikeys(e, n, (n - 1) / 2);
		emit(j, s, 0, e[(n - 1) / 2].i);
	}
}

int ag_median_dim(ag_op op, ag_tensor *t, int dim, bool keepdim,
		  ag_tensor **values, ag_tensor **indices)
{
	bool nan_ignoring = op == AG_OP_NANMEDIAN_DIM;
	job j;
	int d;

	*values = *indices = NULL;
	if (op != AG_OP_MEDIAN_DIM && !nan_ignoring)
		return ag_error(AG_ERR_VALUE, "invalid median op %d", (int)op);
	if (check(t, dim, ag_op_name(op), &d) < 0)
		return -1;
	job_init(&j, t, d, median_slice);
	if (check_nonempty(&j, "median") < 0 ||
	    check_kernel(t, "median_out") < 0)
		return -1;
	j.flag = nan_ignoring;
	if (alloc_outputs(&j, 1, keepdim, true, values, indices) < 0)
		return -1;
	if (run(&j) < 0)
		return fail_outputs(values, indices);
	return finish(op, 0, t, d, keepdim, values, indices);
}

/* The element offset of t's element number i (row-major). */
static int64_t flat_offset(const ag_tensor *t, int64_t i)
{
	int64_t off = 0;
	for (int d = t->ndim - 1; d >= 0; d--) {
		off += (i % t->shape[d]) * t->stride[d];
		i /= t->shape[d];
	}
	return off;
}

/* median over all elements: PyTorch gives NaN when one is (median) and
 * the lower median of the others (nanmedian). */
static int median_all(ag_tensor *t, bool nan_ignoring, ag_tensor *v)
{
	int64_t n = ag_numel(t), at = -1;
	size_t es = ag_dtype_size(t->dtype);
	const char *p = ag_data_ptr(t);
	char *out = ag_data_ptr(v);

	if (n == 0) {
		ag_store(out, t->dtype, NAN);
		return 0;
	}
	if (float_keys(t)) {
		ag_fkey *e = malloc((size_t)n * sizeof *e);
		int64_t nnan = 0;
		if (!e)
			return ag_error(AG_ERR_NOMEM, "out of memory");
		for (int64_t i = 0; i < n; i++) {
			e[i] = (ag_fkey){ ag_load(p + flat_offset(t, i) * (int64_t)es,
						  t->dtype), i };
			nnan += isnan(e[i].k);
		}
		if (nnan && !nan_ignoring) {
			ag_store(out, t->dtype, NAN);
		} else {
			int64_t nth = (n - nnan - 1) / 2;
			ag_nth_fkeys(e, n, nth, true);
			at = e[nth].i;
		}
		free(e);
	} else {
		ag_ikey *e = malloc((size_t)n * sizeof *e);
		if (!e)
			return ag_error(AG_ERR_NOMEM, "out of memory");
		for (int64_t i = 0; i < n; i++)
			e[i] = (ag_ikey){ ag_load_i64(p + flat_offset(t, i) *
						      (int64_t)es, t->dtype), i };
		ag_nth_ikeys(e, n, (n - 1) / 2);
		at = e[(n - 1) / 2].i;
		free(e);
	}
	if (at >= 0)
		memcpy(out, p + flat_offset(t, at) * (int64_t)es, es);
	return 0;
}

ag_tensor *ag_median(ag_op op, ag_tensor *t)
{
	ag_tensor *v;

	if (op != AG_OP_MEDIAN && op != AG_OP_NANMEDIAN) {
		ag_error(AG_ERR_VALUE, "invalid median op %d", (int)op);
		return NULL;
	}
	if (!t) {
		ag_error(AG_ERR_VALUE, "median(): expected a tensor");
		return NULL;
	}
	if (check_kernel(t, "median_cpu") < 0)
		return NULL;
	v = ag_tensor_alloc_uninit(NULL, 0, t->dtype);
	if (v && median_all(t, op == AG_OP_NANMEDIAN, v) < 0) {
		ag_tensor_release(v);
		v = NULL;
	}
	ag_reduce_args a = { .in = ag_shape_of(t), .all = true,
			     .count = ag_numel(t) };
	return ag_recorded(v, (ag_call){ .op = op, .in = &t, .nin = 1,
					 .args = &a, .args_size = sizeof a });
}

/* ---------------------------------------------------------------- mode */

/* PyTorch's mode: the keys sorted by <, the longest run wins (the
 * smallest value among equally long ones), reported at the position the
 * sort left last in that run. */
static void mode_slice(const job *j, void *keys, int64_t s)
{
	int64_t n = j->n, best = 0, run = 0, at = 0;

	if (float_keys(j->t)) {
		ag_fkey *e = keys;
		ag_sort_plain_fkeys(e, n);
		for (int64_t i = 0; i < n; i++) {
			run++;
			if (i == n - 1 || e[i].k != e[i + 1].k) {
				if (run > best) {
					best = run;
					at = e[i].i;
				}
				run = 0;
			}
		}
	} else {
		ag_ikey *e = keys;
		ag_sort_plain_ikeys(e, n);
		for (int64_t i = 0; i < n; i++) {
			run++;
			if (i == n - 1 || e[i].k != e[i + 1].k) {
				if (run > best) {
					best = run;
					at = e[i].i;
				}
				run = 0;
			}
		}
	}
	emit(j, s, 0, at);
}

int ag_mode(ag_tensor *t, int dim, bool keepdim, ag_tensor **values,
	    ag_tensor **indices)
{
	job j;
	int d;

	*values = *indices = NULL;
	if (check(t, dim, "mode", &d) < 0)
		return -1;
	job_init(&j, t, d, mode_slice);
	if (check_nonempty(&j, "mode") < 0)
		return -1;
	if (alloc_outputs(&j, 1, keepdim, true, values, indices) < 0)
		return -1;
	if (run(&j) < 0)
		return fail_outputs(values, indices);
	return finish(AG_OP_MODE, 0, t, d, keepdim, values, indices);
}

/* -------------------------------------------------------------- unique */

/* The groups of equal keys in sorted keys: inverse[position] and counts
 * per group, and the position of each group's first key; returns the
 * group count.  NaN equals nothing, so each NaN is a group of its own. */
#define GROUP(E)							\
{									\
	int64_t g = -1;							\
	for (int64_t i = 0; i < n; i++) {				\
		if (i == 0 || !(e[i].k == e[i - 1].k)) {		\
			first[++g] = e[i].i;				\
			counts[g] = 0;					\
		}							\
		counts[g]++;						\
		inverse[e[i].i] = g;					\
	}								\
	return g + 1;							\
}

static int64_t group_f(ag_fkey *e, int64_t n, int64_t *inverse,
		       int64_t *counts, int64_t *first) GROUP(ag_fkey)
static int64_t group_i(ag_ikey *e, int64_t n, int64_t *inverse,
		       int64_t *counts, int64_t *first) GROUP(ag_ikey)

/* unique over all elements: the distinct values in ascending order. */
static int64_t unique_flat(const ag_tensor *t, int64_t *inverse,
			   int64_t *counts, int64_t *first)
{
	int64_t n = ag_numel(t), g;
	size_t es = ag_dtype_size(t->dtype);
	const char *p = ag_data_ptr(t);

	if (float_keys(t)) {
		ag_fkey *e = malloc((size_t)(n ? n : 1) * sizeof *e);
		if (!e)
			return ag_error(AG_ERR_NOMEM, "out of memory");
		for (int64_t i = 0; i < n; i++)
			e[i] = (ag_fkey){ ag_load(p + flat_offset(t, i) * (int64_t)es,
						  t->dtype), i };
		ag_sort_fkeys(e, n, false, true);
		g = group_f(e, n, inverse, counts, first);
		free(e);
	} else {
		ag_ikey *e = malloc((size_t)(n ? n : 1) * sizeof *e);
		if (!e)
			return ag_error(AG_ERR_NOMEM, "out of memory");
		for (int64_t i = 0; i < n; i++)
			e[i] = (ag_ikey){ ag_load_i64(p + flat_offset(t, i) *
						      (int64_t)es, t->dtype), i };
		ag_sort_ikeys(e, n, false, true);
		g = group_i(e, n, inverse, counts, first);
		free(e);
	}
	return g;
}

/* Slices of a contiguous [n, m] block compared element by element. */
typedef struct rows {
	const char *p;
	int64_t m;
	ag_dtype dt;
} rows;

static int row_cmp(const rows *r, int64_t a, int64_t b)
{
	size_t es = ag_dtype_size(r->dt);
	for (int64_t j = 0; j < r->m; j++) {
		const char *x = r->p + (a * r->m + j) * (int64_t)es;
		const char *y = r->p + (b * r->m + j) * (int64_t)es;
		if (ag_dtype_is_floating(r->dt)) {
			double u = ag_load(x, r->dt), v = ag_load(y, r->dt);
			if (u < v)
				return -1;
			if (v < u)
				return 1;
		} else {
			int64_t u = ag_load_i64(x, r->dt), v = ag_load_i64(y, r->dt);
			if (u != v)
				return u < v ? -1 : 1;
		}
	}
	return 0;
}

/* unique slices along dim 0 of a contiguous [n, m] block: a stable merge
 * sort of the slice numbers, then the runs of equal slices. */
static int64_t unique_rows(const rows *r, int64_t n, int64_t *inverse,
			   int64_t *counts, int64_t *first)
{
	int64_t *a = malloc((size_t)(n ? n : 1) * 2 * sizeof *a), *b, g = -1;

	if (!a)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	b = a + (n ? n : 1);
	for (int64_t i = 0; i < n; i++)
		a[i] = i;
	for (int64_t w = 1; w < n; w *= 2) {
		for (int64_t lo = 0; lo < n; lo += 2 * w) {
			int64_t mid = lo + w < n ? lo + w : n;
			int64_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			int64_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				b[k++] = row_cmp(r, a[j], a[i]) < 0 ? a[j++] : a[i++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		int64_t *t = a; a = b; b = t;
	}
	for (int64_t i = 0; i < n; i++) {
		if (i == 0 || row_cmp(r, a[i], a[i - 1]) != 0) {
			first[++g] = a[i];
			counts[g] = 0;
		}
		counts[g]++;
		inverse[a[i]] = g;
	}
	free(a < b ? a : b);
	return g + 1;
}

/* t with dim moved to the front, contiguous (a raw copy, unrecorded). */
static ag_tensor *dim_first(ag_tensor *t, int d)
{
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	ag_tensor *v, *c;

	shape[0] = t->shape[d];
	stride[0] = t->stride[d];
	for (int i = 0, k = 1; i < t->ndim; i++)
		if (i != d) {
			shape[k] = t->shape[i];
			stride[k++] = t->stride[i];
		}
	v = ag_tensor_make_view(t, shape, stride, t->ndim, t->offset);
	if (!v)
		return NULL;
	c = ag_tensor_alloc_uninit(shape, t->ndim, t->dtype);
	if (c) {
		size_t es = ag_dtype_size(t->dtype);
		int64_t n = ag_numel(c);
		for (int64_t i = 0; i < n; i++)
			memcpy((char *)ag_data_ptr(c) + i * (int64_t)es,
			       (const char *)ag_data_ptr(v) + flat_offset(v, i) *
			       (int64_t)es, es);
	}
	ag_tensor_release(v);
	return c;
}

int ag_unique(ag_tensor *t, const int *dim, ag_tensor **values,
	      ag_tensor **inverse, ag_tensor **counts)
{
	ag_tensor *block = NULL, *v = NULL, *inv = NULL, *cnt = NULL;
	int64_t n, m = 1, ng, *first = NULL, *cbuf = NULL;
	int d = 0;

	*values = *inverse = *counts = NULL;
	if (!t)
		return ag_error(AG_ERR_VALUE, "unique(): expected a tensor");
	if (dim) {
		if (t->ndim == 0)
			return ag_error(AG_ERR_INDEX, "Dimension specified as %d but "
					"tensor has no dimensions", *dim);
		if (ag_wrap_dim(*dim, t->ndim, &d) < 0)
			return -1;
		for (int i = 0; i < t->ndim; i++)
			if (i != d && t->shape[i] == 0)
				return ag_error(AG_ERR_VALUE, "There are 0 sized "
						"dimensions, and they aren't "
						"selected, so unique cannot be "
						"applied");
	}
	n = dim ? t->shape[d] : ag_numel(t);
	inv = ag_tensor_alloc_uninit(dim ? &n : t->shape, dim ? 1 : t->ndim,
				     AG_INT64);
	first = malloc((size_t)(n ? n : 1) * 2 * sizeof *first);
	if (!inv || !first) {
		if (inv)
			ag_error(AG_ERR_NOMEM, "out of memory");
		goto fail;
	}
	cbuf = first + (n ? n : 1);
	if (dim) {
		if (!(block = dim_first(t, d)))
			goto fail;
		m = n ? ag_numel(block) / n : 0;
		ng = unique_rows(&(rows){ ag_data_ptr(block), m, t->dtype }, n,
				 ag_data_ptr(inv), cbuf, first);
	} else {
		ng = unique_flat(t, ag_data_ptr(inv), cbuf, first);
	}
	if (ng < 0)
		goto fail;
	cnt = ag_tensor_alloc_uninit(&ng, 1, AG_INT64);
	if (!cnt)
		goto fail;
	memcpy(ag_data_ptr(cnt), cbuf, (size_t)ng * sizeof *cbuf);
	size_t es = ag_dtype_size(t->dtype);
	if (dim) {
		int64_t shape[AG_MAX_DIMS];
		memcpy(shape, t->shape, sizeof shape);
		shape[d] = ng;
		ag_tensor *front = ag_tensor_alloc_uninit(shape, t->ndim, t->dtype);
		v = front;
		/* group g is slice first[g] of the block, put back at g of dim d */
		for (int64_t g = 0; v && g < ng; g++) {
			const char *src = (const char *)ag_data_ptr(block) +
					  first[g] * m * (int64_t)es;
			for (int64_t k = 0; k < m; k++) {
				/* the k-th element of slice g in v's order */
				int64_t off = g * v->stride[d], rest = k;
				for (int i = t->ndim - 1; i >= 0; i--) {
					if (i == d)
						continue;
					off += (rest % v->shape[i]) * v->stride[i];
					rest /= v->shape[i];
				}
				memcpy((char *)ag_data_ptr(v) + off * (int64_t)es,
				       src + k * (int64_t)es, es);
			}
		}
	} else {
		v = ag_tensor_alloc_uninit(&ng, 1, t->dtype);
		for (int64_t g = 0; v && g < ng; g++)
			memcpy((char *)ag_data_ptr(v) + g * (int64_t)es,
			       (const char *)ag_data_ptr(t) + flat_offset(t, first[g]) *
			       (int64_t)es, es);
	}
	if (!v)
		goto fail;
	free(first);
	ag_tensor_release(block);
	ag_tensor *outs[3] = { v, inv, cnt };
	if (ag_record(&(ag_call){ .op = AG_OP_UNIQUE, .variant = dim != NULL,
				  .in = &t, .nin = 1, .out = outs,
				  .nout = 3 }) < 0) {
		block = NULL;
		first = NULL;
		goto fail;
	}
	*values = v;
	*inverse = inv;
	*counts = cnt;
	return 0;
fail:
	free(first);
	ag_tensor_release(block);
	ag_tensor_release(v);
	ag_tensor_release(inv);
	ag_tensor_release(cnt);
	return -1;
}
