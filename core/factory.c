/*
 * factory.c - tensors made from nothing: empty, zeros, ones, full, scalars,
 * copies of C buffers, ranges (arange, linspace), eye and the *_like forms.
 *
 * arange and linspace reproduce PyTorch's values bit for bit, which means
 * following its recipe: on AVX2 machines PyTorch fills contiguous ranges a
 * 256-bit vector at a time (a base computed from the index and rounded to
 * the dtype, then base + k * step per lane), two vectors per loop turn, and
 * the tail one element at a time.  Where GCC fused a multiply-add in
 * PyTorch's build we use fma(), and nowhere else; the half types round
 * after every operation as c10::Half does.  The same last bits matter as
 * soon as a range is printed or compared.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>

/* Fills a fresh contiguous tensor with one value.  Unlike fill_ it leaves
 * the version counter alone: a new tensor starts at version 0. */
static void fill_fresh(ag_tensor *t, double value)
{
	size_t size = ag_dtype_size(t->dtype);
	int64_t n = ag_numel(t);
	unsigned char bytes[8];
	char *p = ag_data_ptr(t);

	ag_store(bytes, t->dtype, value);
	for (int64_t i = 0; i < n; i++)
		memcpy(p + (size_t)i * size, bytes, size);
}

ag_tensor *ag_empty(const int64_t *shape, int ndim, ag_dtype dt)
{
	return ag_tensor_alloc(shape, ndim, dt);
}

/* Storage comes zero-filled, and zero bytes are 0 in every dtype. */
ag_tensor *ag_zeros(const int64_t *shape, int ndim, ag_dtype dt)
{
	return ag_tensor_alloc(shape, ndim, dt);
}

ag_tensor *ag_full(const int64_t *shape, int ndim, double value, ag_dtype dt)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	if (t && ag_check_scalar_fits(value, dt) < 0) {
		ag_tensor_release(t);
		return NULL;
	}
	if (t)
		fill_fresh(t, value);
	return t;
}

ag_tensor *ag_ones(const int64_t *shape, int ndim, ag_dtype dt)
{
	return ag_full(shape, ndim, 1.0, dt);
}

/* Like torch.tensor(v): a float too big for the dtype becomes inf, only
 * an integer that cannot hold it is an error. */
ag_tensor *ag_scalar(double value, ag_dtype dt)
{
	ag_tensor *t;

	if (ag_dtype_is_integral(dt) && !ag_dtype_fits(dt, value, value == trunc(value))) {
		ag_error(AG_ERR_VALUE, "value cannot be converted to type %s "
			 "without overflow", ag_dtype_name(dt));
		return NULL;
	}
	t = ag_tensor_alloc(NULL, 0, dt);
	if (t)
		fill_fresh(t, value);
	return t;
}

ag_tensor *ag_wrapped_number(double value, bool is_integer)
{
	ag_tensor *t = ag_scalar(value, is_integer ? AG_INT64 : AG_FLOAT64);
	if (t)
		t->is_wrapped_number = true;
	return t;
}

ag_tensor *ag_from_buffer(const void *data, const int64_t *shape, int ndim,
			  ag_dtype dt)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	size_t nbytes;

	if (!t)
		return NULL;
	nbytes = (size_t)ag_numel(t) * ag_dtype_size(dt);
	if (nbytes && !data) {
		ag_tensor_release(t);
		ag_error(AG_ERR_VALUE, "from_buffer: no data for %zu bytes", nbytes);
		return NULL;
	}
	if (nbytes)
		memcpy(ag_data_ptr(t), data, nbytes);
	return t;
}

/* ----------------------------------------------------------------- ranges */

/* base + step * k in dt's accumulation type (float for the half types,
 * double for float32/float64, exact for int64), fused as GCC fuses it. */
static double range_mul_add(ag_dtype dt, double step, double k, double base)
{
	if (ag_dtype_is_half(dt))
		return fmaf((float)step, (float)k, (float)base);
	if (ag_dtype_is_integral(dt))
		return (double)(int64_t)((uint64_t)(int64_t)base +
					 (uint64_t)(int64_t)step * (uint64_t)(int64_t)k);
	return fma(step, k, base);
}

/* A value rounded to dt, as stored and loaded back. */
static double round_dt(ag_dtype dt, double v)
{
	unsigned char b[8];
	ag_store(b, dt, v);
	return ag_load(b, dt);
}

/* Elements per 256-bit vector in PyTorch's AVX2 loops. */
static int vector_width(ag_dtype dt)
{
	return 32 / (int)ag_dtype_size(dt);
}

/* Fills t (contiguous, n elements) with the range start + step * i. */
static void fill_arange(ag_tensor *t, int64_t n, double start, double step)
{
	ag_dtype dt = t->dtype;
	size_t size = ag_dtype_size(dt);
	char *p = ag_data_ptr(t);
	int w = vector_width(dt);
	int64_t i = 0;

	for (; i + 2 * w <= n; i += 2 * w)
		for (int64_t j = i; j < i + 2 * w; j += w) {
			double base = round_dt(dt, range_mul_add(dt, step,
								  (double)j, start));
			for (int k = 0; k < w; k++)
				ag_store(p + (size_t)(j + k) * size, dt,
					 range_mul_add(dt, (double)k, step, base));
		}
	for (; i < n; i++)
		ag_store(p + (size_t)i * size, dt,
			 range_mul_add(dt, step, (double)i, start));
}

/*
 * The exact integer range: n = ceil((end - start) / step) computed on the
 * unsigned distance, which always fits in 64 bits, so ranges that span more
 * than INT64_MAX (or a step that large) count right; PyTorch's own formula
 * overflows there and returns an empty tensor.  Values are start + i * step
 * in wrapping unsigned arithmetic, exact because each lies in [start, end).
 */
ag_tensor *ag_arange_int(int64_t start, int64_t end, int64_t step, ag_dtype dt)
{
	uint64_t dist, ustep, n;
	ag_tensor *t;

	if (dt == AG_BOOL) {
		ag_error(AG_ERR_DTYPE, "\"arange_cpu\" not implemented for 'Bool'");
		return NULL;
	}
	if (step == 0) {
		ag_error(AG_ERR_VALUE, "step must be nonzero");
		return NULL;
	}
	if (!((step > 0 && end >= start) || (step < 0 && end <= start))) {
		ag_error(AG_ERR_VALUE, "upper bound and larger bound inconsistent "
			 "with step sign");
		return NULL;
	}
	dist = step > 0 ? (uint64_t)end - (uint64_t)start
			: (uint64_t)start - (uint64_t)end;
	ustep = step > 0 ? (uint64_t)step : -(uint64_t)step;
	n = dist / ustep + (dist % ustep != 0);
	if (ag_dtype_is_floating(dt))	/* they take the vectorised recipe */
		return ag_arange((double)start, (double)end, (double)step, dt);
	if (n > (uint64_t)INT64_MAX) {	/* only with step 1 or -1 */
		ag_error(AG_ERR_VALUE, "invalid size, possible overflow?");
		return NULL;
	}
	int64_t len = (int64_t)n;
	t = ag_tensor_alloc_uninit(&len, 1, AG_INT64);
	if (!t)
		return NULL;
	int64_t *p = ag_data_ptr(t);
	for (uint64_t i = 0; i < n; i++)
		p[i] = (int64_t)((uint64_t)start + i * (uint64_t)step);
	if (dt == AG_INT64)
		return t;
	/* the narrower integer types wrap, as PyTorch's uint8 arange does */
	ag_tensor *c = ag_to_dtype(t, dt);
	ag_tensor_release(t);
	return c;
}

ag_tensor *ag_arange(double start, double end, double step, ag_dtype dt)
{
	double size_d;
	int64_t n;
	ag_tensor *t;

	if (dt == AG_BOOL) {
		ag_error(AG_ERR_DTYPE, "\"arange_cpu\" not implemented for 'Bool'");
		return NULL;
	}
	if (ag_dtype_is_integral(dt)) {
		/* PyTorch converts the arguments to int64 first */
		if (!(start >= -9223372036854775808.0 && start < 9223372036854775808.0 &&
		      end >= -9223372036854775808.0 && end < 9223372036854775808.0 &&
		      step >= -9223372036854775808.0 && step < 9223372036854775808.0)) {
			ag_error(AG_ERR_VALUE, "value cannot be converted to type "
				 "int64_t without overflow");
			return NULL;
		}
		return ag_arange_int((int64_t)start, (int64_t)end, (int64_t)step,
				     dt);
	}
	if (!(step > 0 || step < 0)) {
		ag_error(AG_ERR_VALUE, "step must be nonzero");
		return NULL;
	}
	if (!isfinite(start) || !isfinite(end)) {
		ag_error(AG_ERR_VALUE, "unsupported range: %g -> %g", start, end);
		return NULL;
	}
	if (!((step > 0 && end >= start) || (step < 0 && end <= start))) {
		ag_error(AG_ERR_VALUE, "upper bound and larger bound inconsistent "
			 "with step sign");
		return NULL;
	}
	if (ag_dtype_is_integral(dt)) {
		int64_t s = (int64_t)start, e = (int64_t)end, st = (int64_t)step;
		int64_t sgn = st > 0 ? 1 : -1;
		size_d = (double)((e - s + st - sgn) / st);
	} else {
		size_d = ceil((end - start) / step);
	}
	if (!(size_d >= 0 && size_d <= 9.2233720368547758e18)) {
		ag_error(AG_ERR_VALUE, "invalid size, possible overflow?");
		return NULL;
	}
	n = (int64_t)size_d;
	t = ag_tensor_alloc(&n, 1, dt);
	if (t)
		fill_arange(t, n, start, step);
	return t;
}

/* PyTorch's linspace: the first half counts up from start, the second
 * half down from end, so both ends come out exact. */
typedef struct lin {
	ag_dtype dt;
	double start, end, step;
	int64_t steps, halfway;
} lin;

/* c10's half arithmetic: every product and sum is rounded to dt. */
static double half_mul_add(ag_dtype dt, double a, double b, double c)
{
	return round_dt(dt, round_dt(dt, a * round_dt(dt, b)) + c);
}

/* The scalar loop's value at idx, in dt's arithmetic (fused for float32
 * and float64; for int64 in double, truncated on store). */
static double lin_value(const lin *l, int64_t idx)
{
	bool up = idx < l->halfway;
	double base = up ? l->start : l->end;
	double k = up ? (double)idx : (double)(l->steps - idx - 1);
	double step = up ? l->step : -l->step;

	switch (l->dt) {
	case AG_FLOAT32:
		return fmaf((float)step, (float)k, (float)base);
	case AG_FLOAT16:
	case AG_BFLOAT16:
		return half_mul_add(l->dt, step, k, base);
	default:
		return fma(step, k, base);
	}
}

/* A vector lane: base + k * step, here not fused. */
static double lin_lane(const lin *l, double base, int k)
{
	switch (l->dt) {
	case AG_FLOAT32:
		return (float)base + (float)k * (float)l->step;
	case AG_FLOAT16:
	case AG_BFLOAT16:
		return half_mul_add(l->dt, l->step, k, base);
	default:
		return base + k * l->step;
	}
}

static void fill_linspace(ag_tensor *t, const lin *l)
{
	ag_dtype dt = l->dt;
	size_t size = ag_dtype_size(dt);
	char *p = ag_data_ptr(t);
	int w = vector_width(dt);
	int64_t n = l->steps, i = 0;

	for (; i + 2 * w <= n; i += 2 * w)
		for (int64_t j = i; j < i + 2 * w; j += w) {
			double base = round_dt(dt, lin_value(l, j));
			for (int k = 0; k < w; k++)
				ag_store(p + (size_t)(j + k) * size, dt,
					 lin_lane(l, base, k));
		}
	for (; i < n; i++)
		ag_store(p + (size_t)i * size, dt, lin_value(l, i));
}

ag_tensor *ag_linspace(double start, double end, int64_t steps, ag_dtype dt)
{
	lin l = { .dt = dt, .steps = steps, .halfway = steps / 2 };
	ag_tensor *t;

	if (steps < 0) {
		ag_error(AG_ERR_VALUE, "number of steps must be non-negative");
		return NULL;
	}
	if (dt == AG_BOOL) {
		ag_error(AG_ERR_DTYPE, "\"linspace_cpu\" not implemented for 'Bool'");
		return NULL;
	}
	if (ag_dtype_is_integral(dt) && (ag_check_scalar_fits(start, dt) < 0 ||
					  ag_check_scalar_fits(end, dt) < 0))
		return NULL;
	t = ag_tensor_alloc(&steps, 1, dt);
	if (!t || steps == 0)
		return t;
	if (steps == 1) {
		fill_fresh(t, start);
		return t;
	}
	/* start and end are first converted to dt; the step is computed in dt
	 * (in double for int64) */
	switch (dt) {
	case AG_FLOAT32: {
		float s = (float)start, e = (float)end;
		l.start = s;
		l.end = e;
		l.step = (e - s) / (float)(steps - 1);
		break;
	}
	case AG_FLOAT16:
	case AG_BFLOAT16: {
		l.start = round_dt(dt, start);
		l.end = round_dt(dt, end);
		l.step = round_dt(dt, (float)round_dt(dt, l.end - l.start) /
				  (float)round_dt(dt, (double)(steps - 1)));
		break;
	}
	case AG_FLOAT64:
		l.start = start;
		l.end = end;
		l.step = (end - start) / (double)(steps - 1);
		break;
	default:	/* the integer types */
		l.start = (double)(int64_t)start;
		l.end = (double)(int64_t)end;
		l.step = (l.end - l.start) / (double)(steps - 1);
		break;
	}
	fill_linspace(t, &l);
	return t;
}

ag_tensor *ag_eye(int64_t n, int64_t m, ag_dtype dt)
{
	int64_t shape[2] = { n, m };
	ag_tensor *t;
	size_t size;
	char *p;

	if (n < 0) {
		ag_error(AG_ERR_VALUE, "n must be greater or equal to 0, got %lld",
			 (long long)n);
		return NULL;
	}
	if (m < 0) {
		ag_error(AG_ERR_VALUE, "m must be greater or equal to 0, got %lld",
			 (long long)m);
		return NULL;
	}
	t = ag_tensor_alloc(shape, 2, dt);
	if (!t)
		return NULL;
	size = ag_dtype_size(dt);
	p = ag_data_ptr(t);
	for (int64_t i = 0; i < n && i < m; i++)
		ag_store(p + (size_t)(i * m + i) * size, dt, 1.0);
	return t;
}

/* ------------------------------------------------------------ *_like */

/* Like PyTorch's preserve_format: a dense tensor's stride order is kept
 * (a transposed input gives a transposed-layout result). */
/* alloc_like does not zero its memory: these two do (empty too, so that
 * nothing a user sees depends on what the heap held before). */
static ag_tensor *zeroed_like(const ag_tensor *t)
{
	ag_tensor *r = ag_tensor_alloc_like(t, t->dtype);
	if (r)
		memset(r->storage->data, 0, r->storage->nbytes);
	return r;
}

ag_tensor *ag_empty_like(const ag_tensor *t)
{
	return zeroed_like(t);
}

ag_tensor *ag_zeros_like(const ag_tensor *t)
{
	return zeroed_like(t);
}

ag_tensor *ag_ones_like(const ag_tensor *t)
{
	ag_tensor *r = ag_tensor_alloc_like(t, t->dtype);
	if (r)
		fill_fresh(r, 1.0);
	return r;
}
