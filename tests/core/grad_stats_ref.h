/* grad_stats_ref.h - a gradient's statistics computed the plain way,
 * for the tests of the one-pass kernels (test_autograd.c) and of the
 * statistics the backward kernels gather (test_stats_sink.c).  Needs
 * elements.h. */
#ifndef TEST_GRAD_STATS_REF_H
#define TEST_GRAD_STATS_REF_H

#include <math.h>
#include <string.h>

/* The statistics the old way: every element read as a double, in order. */
static inline void stats_reference(ag_tensor *g, ag_grad_stats *st)
{
	int64_t n = ag_numel(g), finite = 0;
	double sum = 0, mx = 0;
	memset(st, 0, sizeof *st);
	for (int64_t i = 0; i < n; i++) {
		double v = el(g, i), a = fabs(v);
		if (isnan(v)) {
			st->n_nan++;
			continue;
		}
		if (isinf(v)) {
			st->n_inf++;
			continue;
		}
		st->n_zero += a == 0;
		st->n_fp16_underflow += a > 0 && a < 5.960464477539063e-08;
		sum += a;
		mx = a > mx ? a : mx;
		finite++;
	}
	st->mean_abs = finite ? sum / (double)finite : NAN;
	st->max_abs = finite ? mx : NAN;
}

static inline bool stats_agree(const ag_grad_stats *a, const ag_grad_stats *b)
{
	bool mean = isnan(a->mean_abs) ? isnan(b->mean_abs)
		: fabs(a->mean_abs - b->mean_abs) <= 1e-12 * fabs(b->mean_abs);
	bool max = isnan(a->max_abs) ? isnan(b->max_abs) : a->max_abs == b->max_abs;
	return mean && max && a->n_nan == b->n_nan && a->n_inf == b->n_inf &&
	       a->n_zero == b->n_zero && a->n_fp16_underflow == b->n_fp16_underflow;
}

#endif
