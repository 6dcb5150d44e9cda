/*
 * random.c - the random ops built on a generator's draws (rng.c):
 * random_, bernoulli_, exponential_, multinomial, randperm and torch.normal
 * with tensor arguments, each drawing as PyTorch 1.13's CPU kernels draw
 * (built without MKL, as the installed reference is), so a seed gives the
 * same numbers.
 *
 *  - random_(): r % (2^digits + 1) for floating dtypes (one 32-bit draw,
 *    two for float64), r % 2^63 from two draws for int64, r & 1 for bool;
 *  - bernoulli_(p): a float64 uniform (two draws) < p, per element;
 *    bernoulli_(p tensor): a float64 uniform for float64 p, else a float32
 *    one (one draw), compared with p;
 *  - exponential_(lambda): -1/lambda * log(1 - u), u a float64 uniform;
 *    cauchy_(median, sigma): median + sigma * tan(pi * (u - 0.5));
 *    geometric_(p): ceil(log(u) / log1p(-p)); log_normal_(mean, std):
 *    exp of a float64 Box-Muller normal (with its cached second value);
 *  - multinomial without replacement (or one sample): argmax / top-k of
 *    p / q with q ~ Exp(1) drawn as exponential_ into p's dtype; with
 *    replacement: a float64 uniform per sample searched in the normalised
 *    cumulative sums;
 *  - randperm: 0..n-1, then swap r[i] with r[i + random() % (n - i)].
 */
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Visits every element of t in PyTorch's serial order (the iterator's),
 * calling fn with its address; p (when given, broadcast to t) alongside. */
typedef struct visit_ctx {
	ag_generator *g;
	ag_dtype dt, pdt;
	double a, b;
	int kind;
} visit_ctx;

enum { V_RANDOM, V_BERNOULLI, V_BERNOULLI_T, V_EXPONENTIAL, V_CAUCHY,
       V_LOG_NORMAL, V_GEOMETRIC };

static int digits_of(ag_dtype dt)
{
	switch (dt) {
	case AG_FLOAT64: return 53;
	case AG_FLOAT16: return 11;
	case AG_BFLOAT16: return 8;
	default: return 24;
	}
}

static void visit_loop(char **data, const int64_t *strides, int64_t n,
		       void *vctx)
{
	const visit_ctx *c = vctx;
	char *p = data[0], *q = data[1];

	for (int64_t i = 0; i < n; i++, p += strides[0]) {
		switch (c->kind) {
		case V_RANDOM:
			if (c->dt == AG_BOOL) {
				ag_store_i64(p, c->dt, ag_gen_u32(c->g) & 1);
			} else if (c->dt == AG_INT64) {
				uint64_t r = ag_gen_u64(c->g);
				ag_store_i64(p, c->dt,
					     (int64_t)(r % (1ULL << 63)));
			} else {
				uint64_t m = (1ULL << digits_of(c->dt)) + 1;
				uint64_t r = c->dt == AG_FLOAT64 ?
					ag_gen_u64(c->g) : ag_gen_u32(c->g);
				ag_store(p, c->dt, (double)(r % m));
			}
			break;
		case V_BERNOULLI: {
			double u = ag_gen_uniform(c->g, AG_FLOAT64, 0.0, 1.0);
			ag_store(p, c->dt, u < c->a ? 1.0 : 0.0);
			break;
		}
		case V_BERNOULLI_T: {
			double pv = ag_load(q, c->pdt), u;
			bool hit;
			if (c->pdt == AG_FLOAT64) {
				u = ag_gen_uniform(c->g, AG_FLOAT64, 0.0, 1.0);
				hit = u < pv;
			} else {
				u = ag_gen_uniform(c->g, AG_FLOAT32, 0.0, 1.0);
				hit = (float)u < (float)pv;
			}
			ag_store(p, c->dt, hit ? 1.0 : 0.0);
			q += strides[1];
			break;
		}
		case V_EXPONENTIAL: {
			double u = ag_gen_uniform(c->g, AG_FLOAT64, 0.0, 1.0);
			ag_store(p, c->dt, -1.0 / c->a * log(1.0 - u));
			break;
		}
		case V_CAUCHY: {
			double u = ag_gen_uniform(c->g, AG_FLOAT64, 0.0, 1.0);
			ag_store(p, c->dt, c->a + c->b * tan(3.14159265358979323846 * (u - 0.5)));
			break;
		}
		case V_LOG_NORMAL:
			ag_store(p, c->dt, exp(ag_gen_normal(c->g, c->a, c->b)));
			break;
		case V_GEOMETRIC: {
			double u = ag_gen_uniform(c->g, AG_FLOAT64, 0.0, 1.0);
			double v = ceil(log(u) / log1p(-c->a));
			if (ag_dtype_is_floating(c->dt))
				ag_store(p, c->dt, v);
			else
				ag_store_i64(p, c->dt, (int64_t)v);
			break;
		}
		}
	}
}

static int visit(ag_tensor *t, ag_tensor *p, visit_ctx *c)
{
	ag_iter it;
	ag_tensor *ops[2] = { t, p };

	if (ag_assert_no_internal_overlap(t) < 0)
		return -1;
	if (ag_numel(t) == 0)
		return 0;
	if (ag_iter_init(&it, p ? 2 : 1, ops, t->shape, t->ndim) < 0)
		return -1;
	ag_iter_run(&it, visit_loop, c, false);
	ag_bump_version(t);
	return 0;
}

int ag_random_(ag_tensor *t, ag_generator *g)
{
	visit_ctx c = { .g = ag_gen_resolve(g), .dt = t->dtype,
			.kind = V_RANDOM };
	return visit(t, NULL, &c);
}

int ag_bernoulli_(ag_tensor *t, double p, ag_generator *g)
{
	visit_ctx c = { .g = ag_gen_resolve(g), .dt = t->dtype, .a = p,
			.kind = V_BERNOULLI };

	if (!(p >= 0.0 && p <= 1.0))
		return ag_error(AG_ERR_VALUE, "bernoulli_ expects p to be in "
				"[0, 1], but got p=%g", p);
	return visit(t, NULL, &c);
}

static bool broadcasts_to(const ag_tensor *p, const ag_tensor *t)
{
	if (p->ndim > t->ndim)
		return false;
	for (int i = 0; i < p->ndim; i++) {
		int64_t ps = p->shape[p->ndim - 1 - i];
		if (ps != 1 && ps != t->shape[t->ndim - 1 - i])
			return false;
	}
	return true;
}

int ag_bernoulli_tensor_(ag_tensor *t, ag_tensor *p, ag_generator *g)
{
	visit_ctx c = { .g = ag_gen_resolve(g), .dt = t->dtype,
			.pdt = p->dtype, .kind = V_BERNOULLI_T };

	if (!ag_dtype_is_floating(p->dtype))
		return ag_error(AG_ERR_DTYPE, "\"bernoulli_tensor_cpu_p_\" not "
				"implemented for '%s'",
				ag_dtype_scalar_name(p->dtype));
	if (!broadcasts_to(p, t)) {
		char a[128], b[128];
		return ag_error(AG_ERR_SHAPE, "expand(torch.FloatTensor{%s}, "
				"size=%s): the number of sizes provided must be "
				"greater or equal to the number of dimensions in "
				"the tensor",
				ag_shape_str(p->shape, p->ndim, a, sizeof a),
				ag_shape_str(t->shape, t->ndim, b, sizeof b));
	}
	return visit(t, p, &c);
}

ag_tensor *ag_bernoulli(ag_tensor *p, ag_generator *g)
{
	ag_tensor *t;

	if (!ag_dtype_is_floating(p->dtype)) {
		ag_error(AG_ERR_DTYPE, "\"bernoulli_tensor_cpu_p_\" not "
			 "implemented for '%s'", ag_dtype_scalar_name(p->dtype));
		return NULL;
	}
	t = ag_tensor_alloc(p->shape, p->ndim, p->dtype);
	if (t && ag_bernoulli_tensor_(t, p, g) < 0) {
		ag_tensor_release(t);
		return NULL;
	}
	return t;
}

int ag_exponential_(ag_tensor *t, double lambd, ag_generator *g)
{
	visit_ctx c = { .g = ag_gen_resolve(g), .dt = t->dtype, .a = lambd,
			.kind = V_EXPONENTIAL };

	if (!ag_dtype_is_floating(t->dtype))
		return ag_error(AG_ERR_DTYPE, "\"exponential_cpu\" not "
				"implemented for '%s'",
				ag_dtype_scalar_name(t->dtype));
	if (!(lambd >= 0.0))
		return ag_error(AG_ERR_VALUE, "exponential_ expects lambda >= "
				"0.0, but found lambda=%g", lambd);
	return visit(t, NULL, &c);
}

static int floating_only(const ag_tensor *t, const char *kernel)
{
	if (ag_dtype_is_floating(t->dtype))
		return 0;
	return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'",
			kernel, ag_dtype_scalar_name(t->dtype));
}

int ag_cauchy_(ag_tensor *t, double median, double sigma, ag_generator *g)
{
	visit_ctx c = { .g = ag_gen_resolve(g), .dt = t->dtype, .a = median,
			.b = sigma, .kind = V_CAUCHY };

	if (floating_only(t, "cauchy_cpu") < 0)
		return -1;
	return visit(t, NULL, &c);
}

int ag_log_normal_(ag_tensor *t, double mean, double std, ag_generator *g)
{
	visit_ctx c = { .g = ag_gen_resolve(g), .dt = t->dtype, .a = mean,
			.b = std, .kind = V_LOG_NORMAL };

	if (floating_only(t, "log_normal_cpu") < 0)
		return -1;
	if (!(std > 0.0))
		return ag_error(AG_ERR_VALUE, "log_normal_ expects std > 0.0, "
				"but found std=%g", std);
	return visit(t, NULL, &c);
}

int ag_geometric_(ag_tensor *t, double p, ag_generator *g)
{
	visit_ctx c = { .g = ag_gen_resolve(g), .dt = t->dtype, .a = p,
			.kind = V_GEOMETRIC };

	if (t->dtype == AG_BOOL)
		return ag_error(AG_ERR_DTYPE, "\"geometric_cpu\" not "
				"implemented for 'Bool'");
	if (!(p > 0.0 && p < 1.0))
		return ag_error(AG_ERR_VALUE, "geometric_ expects p to be in "
				"(0, 1), but got p=%g", p);
	return visit(t, NULL, &c);
}

/* ---------------------------------------------------------- multinomial */

/* Indices of the k largest values of q[0..n) (stride qs), largest first,
 * the lower index first among equals. */
static void top_k(const double *q, int64_t n, int64_t k, int64_t *out)
{
	for (int64_t j = 0; j < k; j++) {
		int64_t best = -1;
		for (int64_t i = 0; i < n; i++) {
			bool taken = false;
			for (int64_t m = 0; m < j && !taken; m++)
				taken = out[m] == i;
			if (taken)
				continue;
			if (best < 0 || q[i] > q[best] ||
			    (isnan(q[i]) && !isnan(q[best])))
				best = i;
		}
		out[j] = best;
	}
}

/* q = p / Exp(1) in p's dtype, then the k largest (argmax for k == 1). */
static int multinomial_exp(ag_tensor *p, int64_t rows, int64_t ncat,
			   int64_t k, int64_t *res, ag_generator *g)
{
	ag_tensor *q = ag_tensor_alloc(p->shape, p->ndim, p->dtype);
	ag_tensor *pc = q ? ag_contiguous(p) : NULL;
	double *qd = pc ? malloc((size_t)ncat * sizeof *qd) : NULL;
	int64_t *sel = qd ? malloc((size_t)k * sizeof *sel) : NULL;
	int rc = -1;

	if (!sel) {
		if (qd || !pc || !q)
			ag_error(AG_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (ag_exponential_(q, 1.0, g) < 0)
		goto done;
	const char *pp = ag_data_ptr(pc), *qp = ag_data_ptr(q);
	size_t es = ag_dtype_size(p->dtype);
	for (int64_t r = 0; r < rows; r++) {
		for (int64_t i = 0; i < ncat; i++) {
			size_t at = (size_t)(r * ncat + i) * es;
			/* the quotient rounded to p's dtype, as div_out */
			char tmp[8];
			ag_store(tmp, p->dtype, ag_load(pp + at, p->dtype) /
				 ag_load(qp + at, p->dtype));
			qd[i] = ag_load(tmp, p->dtype);
		}
		top_k(qd, ncat, k, sel);
		for (int64_t j = 0; j < k; j++)
			res[r * k + j] = sel[j];
	}
	rc = 0;
done:
	free(qd);
	free(sel);
	ag_tensor_release(q);
	ag_tensor_release(pc);
	return rc;
}

static int multinomial_replace(ag_tensor *p, int64_t rows, int64_t ncat,
			       int64_t k, int64_t *res, ag_generator *g)
{
	ag_tensor *pc = ag_contiguous(p);
	double *cum = pc ? malloc((size_t)ncat * sizeof *cum) : NULL;
	bool dbl = p->dtype == AG_FLOAT64;
	int rc = -1;

	if (!cum) {
		if (pc)
			ag_error(AG_ERR_NOMEM, "out of memory");
		goto done;
	}
	const char *pp = ag_data_ptr(pc);
	size_t es = ag_dtype_size(p->dtype);
	for (int64_t r = 0; r < rows; r++) {
		/* the running sum in p's dtype (float for the half types) */
		double sum = 0;
		for (int64_t i = 0; i < ncat; i++) {
			double v = ag_load(pp + (size_t)(r * ncat + i) * es,
					   p->dtype);
			if (!(v >= 0)) {
				ag_error(AG_ERR_VALUE, "invalid multinomial "
					 "distribution (encountering probability "
					 "entry < 0)");
				goto done;
			}
			if (!isfinite(v)) {
				ag_error(AG_ERR_VALUE, "invalid multinomial "
					 "distribution (encountering probability "
					 "entry = infinity or NaN)");
				goto done;
			}
			sum = dbl ? sum + v : (double)((float)sum + (float)v);
			cum[i] = sum;
		}
		if (!(sum > 0)) {
			ag_error(AG_ERR_VALUE, "invalid multinomial distribution "
				 "(sum of probabilities <= 0)");
			goto done;
		}
		for (int64_t i = 0; i < ncat; i++)
			cum[i] = dbl ? cum[i] / sum :
				(double)((float)cum[i] / (float)sum);
		cum[ncat - 1] = 1;
		for (int64_t j = 0; j < k; j++) {
			double u = ag_gen_uniform(g, AG_FLOAT64, 0.0, 1.0);
			int64_t lo = 0, hi = ncat;
			while (hi - lo > 0) {
				int64_t mid = lo + (hi - lo) / 2;
				if (cum[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			res[r * k + j] = lo;
		}
	}
	rc = 0;
done:
	free(cum);
	ag_tensor_release(pc);
	return rc;
}

ag_tensor *ag_multinomial(ag_tensor *p, int64_t n, bool replacement,
			  ag_generator *g)
{
	int64_t ncat, rows, shape[2];
	ag_tensor *res;
	int rc;

	g = ag_gen_resolve(g);
	if (p->ndim < 1 || p->ndim > 2) {
		ag_error(AG_ERR_SHAPE, "prob_dist must be 1 or 2 dim");
		return NULL;
	}
	if (!ag_dtype_is_floating(p->dtype)) {
		ag_error(AG_ERR_DTYPE, "multinomial only supports floating-point "
			 "dtypes for input, got: %s",
			 ag_dtype_scalar_name(p->dtype));
		return NULL;
	}
	if (n <= 0) {
		ag_error(AG_ERR_VALUE, "cannot sample n_sample <= 0 samples");
		return NULL;
	}
	ncat = p->shape[p->ndim - 1];
	rows = p->ndim == 2 ? p->shape[0] : 1;
	if (!replacement && n > ncat) {
		ag_error(AG_ERR_VALUE, "cannot sample n_sample > "
			 "prob_dist.size(-1) samples without replacement");
		return NULL;
	}
	if (ncat > (1 << 24)) {
		ag_error(AG_ERR_VALUE, "number of categories cannot exceed 2^24");
		return NULL;
	}
	if (p->ndim == 2) {
		shape[0] = rows;
		shape[1] = n;
	} else {
		shape[0] = n;
	}
	res = ag_tensor_alloc(shape, p->ndim, AG_INT64);
	if (!res || rows == 0)
		return res;
	if (!replacement || n == 1) {
		/* the checks PyTorch makes before its fast path */
		ag_tensor *pc = ag_contiguous(p);
		if (!pc)
			goto fail;
		const char *pp = ag_data_ptr(pc);
		size_t es = ag_dtype_size(p->dtype);
		bool bad = false, zero = false;
		for (int64_t r = 0; r < rows && !bad; r++) {
			double s = 0;
			for (int64_t i = 0; i < ncat; i++) {
				double v = ag_load(pp + (size_t)(r * ncat + i) * es,
						   p->dtype);
				if (!(v >= 0 && v < INFINITY))
					bad = true;
				s += v;
			}
			zero = zero || s == 0;
		}
		ag_tensor_release(pc);
		if (bad) {
			ag_error(AG_ERR_VALUE, "probability tensor contains "
				 "either `inf`, `nan` or element < 0");
			goto fail;
		}
		if (zero) {
			ag_error(AG_ERR_VALUE, "invalid multinomial distribution "
				 "(sum of probabilities <= 0)");
			goto fail;
		}
		rc = multinomial_exp(p, rows, ncat, n, ag_data_ptr(res), g);
	} else {
		rc = multinomial_replace(p, rows, ncat, n, ag_data_ptr(res), g);
	}
	if (rc == 0)
		return res;
fail:
	ag_tensor_release(res);
	return NULL;
}

/* ------------------------------------------------------------- randperm */

ag_tensor *ag_randperm(int64_t n, ag_dtype dt, ag_generator *g)
{
	ag_tensor *t;
	int64_t *r;

	g = ag_gen_resolve(g);
	if (n < 0) {
		ag_error(AG_ERR_VALUE, "Trying to create tensor with negative "
			 "dimension %lld: [%lld]", (long long)n, (long long)n);
		return NULL;
	}
	if (dt == AG_BOOL || (dt != AG_INT64 && n > (1LL << digits_of(dt)))) {
		ag_error(AG_ERR_VALUE, "n cannot be greater than %s's maximum "
			 "consecutive integer, got %lld",
			 ag_dtype_scalar_name(dt), (long long)n);
		return NULL;
	}
	r = (uint64_t)n > SIZE_MAX / sizeof *r ? NULL
		: malloc((size_t)(n ? n : 1) * sizeof *r);
	if (!r) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int64_t i = 0; i < n; i++)
		r[i] = i;
	for (int64_t i = 0; i < n - 1; i++) {
		int64_t z = (int64_t)(ag_gen_u32(g) % (uint64_t)(n - i));
		int64_t tmp = r[i];
		r[i] = r[z + i];
		r[z + i] = tmp;
	}
	t = ag_tensor_alloc(&n, 1, dt);
	if (t) {
		char *d = ag_data_ptr(t);
		size_t es = ag_dtype_size(dt);
		for (int64_t i = 0; i < n; i++) {
			if (dt == AG_INT64)
				ag_store_i64(d + (size_t)i * es, dt, r[i]);
			else
				ag_store(d + (size_t)i * es, dt, (double)r[i]);
		}
	}
	free(r);
	return t;
}

/* --------------------------------------------------------- torch.normal */

/* normal(mean, std) with a tensor for one or both: standard normals of the
 * broadcast shape (drawn as normal_ draws them), times std, plus mean. */
ag_tensor *ag_normal_tensor(ag_tensor *mean, double mean_v, ag_tensor *std,
			    double std_v, ag_generator *g)
{
	int64_t shape[AG_MAX_DIMS];
	int ndim;
	ag_dtype dt;
	ag_tensor *out, *r1 = NULL, *r2 = NULL;

	if (mean && std) {
		if (ag_broadcast_shapes(mean->shape, mean->ndim, std->shape,
					std->ndim, shape, &ndim) < 0)
			return NULL;
		dt = ag_promote_types(mean->dtype, std->dtype);
	} else {
		ag_tensor *t = mean ? mean : std;
		ndim = t->ndim;
		memcpy(shape, t->shape, sizeof(int64_t) * (size_t)ndim);
		dt = t->dtype;
	}
	if (!ag_dtype_is_floating(dt)) {
		ag_error(AG_ERR_DTYPE, "\"normal_kernel_cpu\" not implemented "
			 "for '%s'", ag_dtype_scalar_name(dt));
		return NULL;
	}
	if (!std && !(std_v >= 0.0)) {
		ag_error(AG_ERR_VALUE, "normal expects std >= 0.0, but found "
			 "std %g", std_v);
		return NULL;
	}
	if (std) {
		/* PyTorch checks the std tensor's values the same way */
		ag_tensor *sc = ag_contiguous(std);
		if (!sc)
			return NULL;
		const char *sp = ag_data_ptr(sc);
		bool bad = false;
		for (int64_t i = 0; i < ag_numel(sc) && !bad; i++)
			bad = !(ag_load(sp + (size_t)i * ag_dtype_size(sc->dtype),
					sc->dtype) >= 0.0);
		ag_tensor_release(sc);
		if (bad) {
			ag_error(AG_ERR_VALUE, "normal expects all elements of std "
				 ">= 0.0");
			return NULL;
		}
	}
	out = ag_tensor_alloc(shape, ndim, dt);
	if (!out)
		return NULL;
	if (ag_normal_gen_(out, 0.0, std ? 1.0 : std_v, g) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	if (std) {
		r1 = ag_mul(out, std);
		ag_tensor_release(out);
		out = r1;
		if (!out)
			return NULL;
	}
	if (mean)
		r2 = ag_add(out, mean);
	else
		r2 = ag_add_scalar(out, mean_v);
	ag_tensor_release(out);
	return r2;
}
