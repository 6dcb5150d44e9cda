/*
 * bucket.c - the counting and bucketing ops of the ops-more family of
 * issue 11: searchsorted and bucketize (PyTorch's binary searches, NaN
 * last), bincount and histc.  None has a gradient; each records its call
 * for the trace log.
 *
 * Positions cross core's API with an explicit base: the first position is
 * `base` (0 in C, 1 from Lua), for searchsorted's results and bincount's
 * values alike.
 */
#include "internal.h"
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* "[2, 3]", PyTorch's spelling of a shape in its messages */
static const char *shape_text(const ag_tensor *t, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "[");
	for (int d = 0; d < t->ndim && n < size; d++)
		n += (size_t)snprintf(buf + n, size - n, "%s%lld", d ? ", " : "",
				      (long long)t->shape[d]);
	if (n < size)
		snprintf(buf + n, size - n, "]");
	return buf;
}

/* ------------------------------------------------------------ searchsorted */

/* PyTorch's lower and upper bound: the first i in [0, n) with s[i] >= v
 * (or > v), where a NaN compares as larger than anything. */
static int64_t bound(const double *s, const int64_t *order, int64_t n,
		     double v, bool right)
{
	int64_t lo = 0, hi = n;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		double m = s[order ? order[mid] : mid];
		if (right ? !(m > v) : !(m >= v))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int check_searchsorted(const ag_tensor *seq, const ag_tensor *values,
			      const ag_tensor *sorter, bool bucketize)
{
	char a[160], b[160];

	if (bucketize) {
		if (seq->ndim != 1)
			return ag_error(AG_ERR_SHAPE, "boundaries tensor must be 1 "
					"dimension, but got dim(%d)", seq->ndim);
	} else if (seq->ndim == 0) {
		return ag_error(AG_ERR_SHAPE, "torch.searchsorted(): boundaries "
				"tensor should have positive dimension, but got 0 "
				"dimension");
	}
	if (seq->ndim > 1) {
		bool ok = values->ndim == seq->ndim;
		for (int d = 0; ok && d < seq->ndim - 1; d++)
			ok = seq->shape[d] == values->shape[d];
		if (!ok)
			return ag_error(AG_ERR_SHAPE, "torch.searchsorted(): "
				"boundaries tensor should be 1 dimension or the first "
				"N-1 dimensions of boundaries tensor and input value "
				"tensor must match, but we got boundaries tensor %s and "
				"input value tensor %s", shape_text(seq, a, sizeof a),
				shape_text(values, b, sizeof b));
	}
	if (seq->dtype == AG_BOOL || values->dtype == AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "\"searchsorted_out_cpu\" not "
				"implemented for 'Bool'");
	if (!sorter)
		return 0;
	if (sorter->dtype != AG_INT64)
		return ag_error(AG_ERR_DTYPE, "torch.searchsorted(): sorter must "
				"be a tensor of long dtype but got %s",
				ag_dtype_scalar_name(sorter->dtype));
	if (!ag_same_shape(sorter, seq))
		return ag_error(AG_ERR_SHAPE, "torch.searchsorted(): boundary and "
				"sorter must have the same size, but got boundary "
				"tensor %sand got sorter tensor %s",
				shape_text(seq, a, sizeof a),
				shape_text(sorter, b, sizeof b));
	return 0;
}

/* A tensor of dtype dt holding the n doubles of acc (which it frees). */
static ag_tensor *from_doubles(double *acc, int64_t n, ag_dtype dt)
{
	ag_tensor *r = acc ? ag_tensor_alloc_uninit(&n, 1, dt) : NULL;
	if (!acc)
		ag_error(AG_ERR_NOMEM, "out of memory");
	if (r) {
		char *p = ag_data_ptr(r);
		size_t es = ag_dtype_size(dt);
		for (int64_t i = 0; i < n; i++)
			ag_store(p + (size_t)i * es, dt, acc[i]);
	}
	free(acc);
	return r;
}

/* A dense float64 copy of t (its values read once), or NULL. */
static ag_tensor *as_f64(ag_tensor *t)
{
	ag_tensor *r = ag_tensor_alloc_uninit(t->shape, t->ndim, AG_FLOAT64);
	if (r && ag_copy_raw(r, t) < 0) {
		ag_tensor_release(r);
		return NULL;
	}
	return r;
}

ag_tensor *ag_searchsorted(ag_tensor *seq, ag_tensor *values, bool right,
			   bool out_int32, ag_tensor *sorter, int64_t base,
			   bool bucketize)
{
	if (!seq || !values) {
		ag_error(AG_ERR_VALUE, "searchsorted: expected two tensors");
		return NULL;
	}
	if (check_searchsorted(seq, values, sorter, bucketize) < 0)
		return NULL;
	ag_tensor *s = as_f64(seq), *v = s ? as_f64(values) : NULL;
	ag_tensor *o = v && sorter ? ag_contiguous(sorter) : NULL;
	ag_tensor *out = v && (o || !sorter) ?
		ag_tensor_alloc_uninit(values->shape, values->ndim,
				       out_int32 ? AG_INT32 : AG_INT64) : NULL;
	int64_t n = seq->ndim ? seq->shape[seq->ndim - 1] : 1;
	int64_t inner = values->ndim ? values->shape[values->ndim - 1] : 1;
	int rc = out ? 0 : -1;

	if (out && o) {		/* every sorter entry a position of its row */
		const int64_t *p = ag_data_ptr(o);
		for (int64_t i = 0; i < ag_numel(o); i++)
			if (p[i] < 0 || p[i] >= n) {
				rc = ag_error(AG_ERR_INDEX, "torch.searchsorted(): "
					"sorter index %lld is out of range for a "
					"boundary of size %lld", (long long)(p[i] + base),
					(long long)n);
				break;
			}
	}
	if (rc == 0) {
		const double *sp = ag_data_ptr(s), *vp = ag_data_ptr(v);
		const int64_t *op = o ? ag_data_ptr(o) : NULL;
		for (int64_t i = 0; i < ag_numel(values); i++) {
			/* a 1-d boundary serves every value; else row i / inner */
			int64_t row = seq->ndim > 1 ? i / inner : 0;
			int64_t r = bound(sp + row * n, op ? op + row * n : NULL, n,
					  vp[i], right) + base;
			if (out_int32)
				((int32_t *)ag_data_ptr(out))[i] = (int32_t)r;
			else
				((int64_t *)ag_data_ptr(out))[i] = r;
		}
	}
	ag_tensor_release(s);
	ag_tensor_release(v);
	ag_tensor_release(o);
	if (rc < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	ag_tensor *in[2] = { values, seq };
	return ag_recorded(out, (ag_call){ .op = bucketize ? AG_OP_BUCKETIZE :
		AG_OP_SEARCHSORTED, .in = in, .nin = 1 });
}

/* ---------------------------------------------------------------- bincount */

ag_tensor *ag_bincount(ag_tensor *t, ag_tensor *weights, int64_t minlength,
		       int64_t base)
{
	if (!t) {
		ag_error(AG_ERR_VALUE, "bincount: expected a tensor");
		return NULL;
	}
	if (!ag_dtype_is_integral(t->dtype)) {
		ag_error(AG_ERR_DTYPE, "\"bincount_cpu\" not implemented for '%s'",
			 ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	if (t->ndim != 1) {
		ag_error(AG_ERR_SHAPE, "bincount only supports 1-d non-negative "
			 "integral inputs.");
		return NULL;
	}
	if (minlength < 0) {
		ag_error(AG_ERR_VALUE, "minlength should be >= 0");
		return NULL;
	}
	if (weights && (weights->ndim != 1 || weights->shape[0] != t->shape[0])) {
		ag_error(AG_ERR_SHAPE, "weights should be 1-d and have the same "
			 "length as input");
		return NULL;
	}
	ag_tensor *x = as_f64(t), *w = x && weights ? as_f64(weights) : NULL;
	if (!x || (weights && !w)) {
		ag_tensor_release(x);
		return NULL;
	}
	const double *xp = ag_data_ptr(x);
	int64_t n = ag_numel(t), bins = minlength;
	for (int64_t i = 0; i < n; i++) {
		if (xp[i] < 0) {
			ag_error(AG_ERR_VALUE, "bincount only supports 1-d "
				 "non-negative integral inputs.");
			goto fail;
		}
		if (xp[i] < (double)base) {
			ag_error(AG_ERR_INDEX, "bincount: value %lld is not a bin: "
				 "agdb counts from %lld (the first bin is %lld)",
				 (long long)xp[i], (long long)base, (long long)base);
			goto fail;
		}
		if ((int64_t)xp[i] - base + 1 > bins)
			bins = (int64_t)xp[i] - base + 1;
	}
	/* float64 weights count in float64, any others in float (PyTorch
	 * makes them double either way) */
	ag_dtype dt = weights ? (weights->dtype == AG_FLOAT32 ? AG_FLOAT32 :
				 AG_FLOAT64) : AG_INT64;
	double *acc = calloc(bins ? (size_t)bins : 1, sizeof *acc);
	const double *wp = w ? ag_data_ptr(w) : NULL;
	for (int64_t i = 0; acc && i < n; i++)
		acc[(int64_t)xp[i] - base] += wp ? wp[i] : 1;
	ag_tensor_release(x);
	ag_tensor_release(w);
	ag_tensor *r = from_doubles(acc, bins, dt);
	ag_tensor *in[2] = { t, weights };
	return ag_recorded(r, (ag_call){ .op = AG_OP_BINCOUNT, .in = in,
		.nin = weights ? 2 : 1 });
fail:
	ag_tensor_release(x);
	ag_tensor_release(w);
	return NULL;
}

/* -------------------------------------------------------------------- histc */

ag_tensor *ag_histc(ag_tensor *t, int64_t bins, double min, double max)
{
	if (!t) {
		ag_error(AG_ERR_VALUE, "histc: expected a tensor");
		return NULL;
	}
	if (!ag_dtype_is_floating(t->dtype)) {
		ag_error(AG_ERR_DTYPE, "\"histogram_cpu\" not implemented for '%s'",
			 ag_dtype_scalar_name(t->dtype));
		return NULL;
	}
	if (bins <= 0) {
		ag_error(AG_ERR_VALUE, "torch.histogram(): bins must be > 0, but "
			 "got %lld for dimension 0", (long long)bins);
		return NULL;
	}
	if (min > max) {
		ag_error(AG_ERR_VALUE, "torch.histc: max must be larger than min");
		return NULL;
	}
	ag_tensor *x = as_f64(t);
	if (!x)
		return NULL;
	const double *xp = ag_data_ptr(x);
	int64_t n = ag_numel(t);
	if (min == max && n > 0) {	/* the data's range; NaN if any is */
		min = INFINITY;
		max = -INFINITY;
		for (int64_t i = 0; i < n; i++) {
			if (isnan(xp[i])) {
				min = max = -NAN;
				break;
			}
			if (xp[i] < min) min = xp[i];
			if (xp[i] > max) max = xp[i];
		}
	}
	if (min == max) {
		min -= 1;
		max += 1;
	}
	if (!isfinite(min) || !isfinite(max)) {
		ag_tensor_release(x);
		ag_error(AG_ERR_VALUE, "torch.histc: range of [%g, %g] is not "
			 "finite", min, max);
		return NULL;
	}
	double *acc = calloc((size_t)bins, sizeof *acc);
	/* PyTorch's position, in the input's type (float for float32 and
	 * bfloat16): (x - min) * bins / (max - min); the last bin takes max.
	 * NaN passes its range test and lands in the first bin (its cast
	 * to int64 is INT64_MIN, whose byte offset wraps round to 0). */
	bool f64 = t->dtype == AG_FLOAT64;
	float fmin = (float)min, fspan = (float)max - (float)min;
	for (int64_t i = 0; acc && i < n; i++) {
		double v = xp[i];
		if (v < min || v > max)
			continue;
		int64_t b = isnan(v) ? 0 : f64 ?
			(int64_t)((v - min) * (double)bins / (max - min)) :
			(int64_t)(((float)v - fmin) * (float)bins / fspan);
		acc[b >= bins ? bins - 1 : b] += 1;
	}
	ag_tensor_release(x);
	ag_tensor *r = from_doubles(acc, bins, t->dtype);
	return ag_recorded(r, (ag_call){ .op = AG_OP_HISTC, .in = &t, .nin = 1 });
}
