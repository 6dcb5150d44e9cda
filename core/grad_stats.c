/*
 * grad_stats.c - backward formulas of prod, nansum, var, std, var_mean,
 * std_mean, logsumexp, the norms, cumsum, cumprod, logcumsumexp, aminmax
 * and unique, after PyTorch 1.13's (derivatives.yaml, FunctionsManual.cpp):
 * the same cases (zeros in prod and cumprod, a zero std or norm), written
 * with core's own ops so that they can be differentiated again.
 */
#include "grad.h"
#include "along.h"
#include "fold.h"

#include <float.h>
#include <math.h>

/* ------------------------------------------------------------ small tools */

/* t (op) v for a number v */
static ag_tensor *num_op(ag_op op, ag_tensor *t, double v)
{
	ag_tensor *n = ag_number_operand(v), *r;

	if (!n)
		return NULL;
	r = ag_binary(op, t, n);
	rel(n);
	return r;
}

/* where(cond, 0, t): t with the places of cond zeroed (differentiable
 * in t, as PyTorch's masked_fill). */
static ag_tensor *zero_where(ag_tensor *cond, ag_tensor *t)
{
	ag_tensor *z = ag_number_operand(0), *r;

	if (!z)
		return NULL;
	r = ag_where(cond, z, t);
	rel(z);
	return r;
}

/* sign(t) as a constant of t's dtype: (t > 0) - (t < 0). */
static ag_tensor *sgn(ag_tensor *t)
{
	ag_tensor *p = num_op(AG_OP_GT, t, 0), *n = p ? num_op(AG_OP_LT, t, 0) : NULL;
	ag_tensor *fp = n ? ag_grad_mask(p, t) : NULL;
	ag_tensor *fn = fp ? ag_grad_mask(n, t) : NULL;
	ag_tensor *r = fn ? ag_sub(fp, fn) : NULL;

	rel(p); rel(n); rel(fp); rel(fn);
	return r;
}

/* A reduction's result given back its reduced dims as size 1 (what
 * PyTorch's backward formulas unsqueeze before they broadcast). */
static ag_tensor *restore_dims(const ag_reduce_args *r, ag_tensor *t)
{
	ag_tensor *cur = t;

	ag_tensor_retain(cur);
	if (r->all && cur->ndim != r->in.ndim) {
		int64_t ones[AG_MAX_DIMS];
		for (int d = 0; d < r->in.ndim; d++)
			ones[d] = 1;
		ag_tensor *v = ag_reshape(cur, ones, r->in.ndim);
		rel(cur);
		return v;
	}
	for (int i = 0; !r->all && !r->keepdim && i < r->ndims; i++) {
		ag_tensor *u = ag_unsqueeze(cur, r->dims[i]);
		rel(cur);
		if (!u)
			return NULL;
		cur = u;
	}
	return cur;
}

/* t reversed along dim, by a gather (differentiable like any op). */
static ag_tensor *flip(ag_tensor *t, int dim)
{
	ag_tensor *idx = ag_tensor_alloc_uninit(t->shape, t->ndim, AG_INT64), *r;
	int64_t n = ag_numel(t), inner = 1, size = t->shape[dim];

	if (!idx)
		return NULL;
	for (int d = dim + 1; d < t->ndim; d++)
		inner *= t->shape[d];
	int64_t *p = ag_data_ptr(idx);
	for (int64_t i = 0; i < n; i++)
		p[i] = size - 1 - (i / inner) % size;
	r = ag_internal_gather(t, dim, idx);
	rel(idx);
	return r;
}

/* zeros shaped like t */
static ag_tensor *zeros_as(const ag_tensor *t)
{
	return ag_zeros(t->shape, t->ndim, t->dtype);
}

/* ------------------------------------------------------------------ prod */

/* The gradient of prod along dim without dividing by the input (so zeros
 * are exact): grad times the product of the elements before each one and
 * the product of those after it, both exclusive cumprods. */
static ag_tensor *prod_safe_zeros(ag_tensor *g, ag_tensor *x, int dim)
{
	int64_t n = x->shape[dim], shape[AG_MAX_DIMS];
	ag_tensor *ones = NULL, *head = NULL, *tail = NULL, *before = NULL;
	ag_tensor *after = NULL, *fa = NULL, *c = NULL, *cp = NULL, *r = NULL;
	ag_tensor *both = NULL;

	if (ag_numel(x) == 0)
		return ag_expand(g, x->shape, x->ndim);
	memcpy(shape, x->shape, sizeof shape);
	shape[dim] = 1;
	ones = ag_ones(shape, x->ndim, g->dtype);
	head = ones ? ag_narrow(x, dim, 0, n - 1) : NULL;
	c = head ? ag_cat((ag_tensor *[]){ ones, head }, 2, dim) : NULL;
	before = c ? ag_cumulative(AG_OP_CUMPROD, c, dim) : NULL;
	rel(c);
	tail = before ? ag_narrow(x, dim, 1, n - 1) : NULL;
	fa = tail ? flip(tail, dim) : NULL;
	c = fa ? ag_cat((ag_tensor *[]){ ones, fa }, 2, dim) : NULL;
	cp = c ? ag_cumulative(AG_OP_CUMPROD, c, dim) : NULL;
	after = cp ? flip(cp, dim) : NULL;
	both = after ? ag_mul(before, after) : NULL;
	r = both ? ag_mul(g, both) : NULL;
	rel(ones); rel(head); rel(tail); rel(before); rel(after); rel(fa);
	rel(c); rel(cp); rel(both);
	return r;
}

/* grad * result / input, the case without zeros */
static ag_tensor *prod_plain(ag_tensor *g, ag_tensor *x, ag_tensor *result)
{
	ag_tensor *q = ag_div(result, x), *r = q ? ag_mul(g, q) : NULL;
	rel(q);
	return r;
}

/* The zeros of t (a count made without recording). */
static int64_t count_zeros(ag_tensor *t)
{
	ag_tensor *nz = ag_reduce_all(AG_OP_COUNT_NONZERO, t);
	int64_t n = nz ? ag_numel(t) - *(int64_t *)ag_data_ptr(nz) : -1;
	rel(nz);
	return n;
}

int ag_prod_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_reduce_args *ra = AG_ARGS(self, ag_reduce_args);
	ag_tensor *x = ag_node_saved(self, 0), *result = ag_node_saved(self, 1);
	ag_tensor *g = NULL, *res = NULL, *flat = NULL, *gr = NULL;
	int64_t zeros;

	if (!x || !result)
		goto done;
	if (x->ndim == 0) {
		ag_tensor_retain(out[0] = G(0));
		goto done;
	}
	if ((zeros = count_zeros(x)) < 0)
		goto done;
	if (ra->all) {
		if (zeros == 0) {
			out[0] = prod_plain(G(0), x, result);
		} else if (!ag_is_grad_enabled() && zeros > 1) {
			out[0] = zeros_as(x);
		} else {
			int64_t n = ag_numel(x);
			flat = ag_reshape(x, &n, 1);
			gr = flat ? prod_safe_zeros(G(0), flat, 0) : NULL;
			out[0] = gr ? ag_reshape(gr, x->shape, x->ndim) : NULL;
		}
		goto done;
	}
	/* along one dim: grad and result get the dim back (a 1-d input's
	 * 0-d results broadcast as they are) */
	g = G(0);
	res = result;
	ag_tensor_retain(g);
	ag_tensor_retain(res);
	if (!ra->keepdim && x->ndim != 1) {
		ag_tensor *u = ag_unsqueeze(g, ra->dims[0]);
		ag_tensor *v = u ? ag_unsqueeze(res, ra->dims[0]) : NULL;
		rel(g); rel(res);
		g = u;
		res = v;
		if (!v)
			goto done;
	}
	out[0] = zeros == 0 ? prod_plain(g, x, res)
			    : prod_safe_zeros(g, x, ra->dims[0]);
done:
	rel(x); rel(result); rel(g); rel(res); rel(flat); rel(gr);
	return out[0] ? 0 : -1;
}

int ag_nansum_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0);
	ag_tensor *e = x ? ag_grad_expand_back(AG_ARGS(self, ag_reduce_args), G(0))
			 : NULL;
	ag_tensor *known = e ? ag_binary(AG_OP_EQ, x, x) : NULL;	/* not nan */
	ag_tensor *m = known ? ag_grad_mask(known, x) : NULL;

	out[0] = m ? ag_mul(e, m) : NULL;
	rel(x); rel(e); rel(known); rel(m);
	return out[0] ? 0 : -1;
}

/* ------------------------------------------------------------ var, std */

/* 2 / (count - correction) * grad * (x - mean(x)) plus, for var_mean and
 * std_mean, the mean's own gradient gmean / count. */
static ag_tensor *var_backward(const ag_var_args *va, ag_tensor *gvar,
			       ag_tensor *gmean, ag_tensor *x)
{
	const ag_reduce_args *r = &va->r;
	ag_tensor *m = NULL, *d = NULL, *ge = NULL, *t = NULL, *v = NULL;
	ag_tensor *gm = NULL, *res = NULL;

	m = r->all ? ag_mean(x)
		   : ag_reduce_dims(AG_OP_MEAN, x, r->dims, r->ndims, true);
	ge = m ? ag_grad_expand_back(r, gvar) : NULL;
	if (ge && !gmean && ag_reduce_bw_fused_fits(ge, x, m)) {
		/* no graph wanted: one pass (fused_bw.c) */
		res = ag_reduce_bw_fused(false, ge, x, m,
					 2.0 / ((double)r->count - va->correction));
		rel(m); rel(ge);
		return res;
	}
	d = ge ? ag_sub(x, m) : NULL;
	t = ge ? ag_mul(ge, d) : NULL;
	v = t ? ag_grad_mul_scalar(t, 2.0 / ((double)r->count - va->correction))
	      : NULL;
	if (v && gmean) {
		ag_tensor *e = ag_grad_expand_back(r, gmean);
		gm = e ? ag_grad_mul_scalar(e, 1.0 / (double)r->count) : NULL;
		res = gm ? ag_add(v, gm) : NULL;
		rel(e);
	} else if (v) {
		ag_tensor_retain(res = v);
	}
	rel(m); rel(d); rel(ge); rel(t); rel(v); rel(gm);
	return res;
}

int ag_var_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0);

	out[0] = x ? var_backward(AG_ARGS(self, ag_var_args), G(0),
				  self->op == AG_OP_VAR_MEAN ? G(1) : NULL, x)
		   : NULL;
	rel(x);
	return out[0] ? 0 : -1;
}

/* std = sqrt(var): the var gradient is grad / (2 std), 0 where std is 0 */
int ag_std_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *x = ag_node_saved(self, 0), *s = ag_node_saved(self, 1);
	ag_tensor *two = NULL, *q = NULL, *zero = NULL, *gv = NULL;

	out[0] = NULL;
	if (x && s) {
		two = ag_grad_mul_scalar(s, 2);
		q = two ? ag_div(G(0), two) : NULL;
		zero = q ? num_op(AG_OP_EQ, s, 0) : NULL;
		gv = zero ? zero_where(zero, q) : NULL;
		out[0] = gv ? var_backward(AG_ARGS(self, ag_var_args), gv,
					   self->op == AG_OP_STD_MEAN ? G(1) : NULL,
					   x) : NULL;
	}
	rel(x); rel(s); rel(two); rel(q); rel(zero); rel(gv);
	return out[0] ? 0 : -1;
}

/* ------------------------------------------------------------ logsumexp */

int ag_logsumexp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_reduce_args *r = AG_ARGS(self, ag_reduce_args);
	ag_tensor *x = ag_node_saved(self, 0), *res = ag_node_saved(self, 1);
	ag_tensor *g = x && res ? restore_dims(r, G(0)) : NULL;
	ag_tensor *ru = g ? restore_dims(r, res) : NULL, *d = NULL, *e = NULL;

	if (ru && ag_reduce_bw_fused_fits(g, x, ru)) {
		/* no graph wanted: one pass (fused_bw.c) */
		out[0] = ag_reduce_bw_fused(true, g, x, ru, 0);
	} else {
		d = ru ? ag_sub(x, ru) : NULL;
		e = d ? ag_exp(d) : NULL;
		out[0] = e ? ag_mul(g, e) : NULL;
	}
	rel(x); rel(res); rel(g); rel(ru); rel(d); rel(e);
	return out[0] ? 0 : -1;
}

/* ---------------------------------------------------------------- norms */

/* grad / mask.sum(dims) * mask for the inf norms: the gradient shared by
 * the elements that reach the norm (and the NaNs). */
static ag_tensor *share_among(const ag_reduce_args *r, ag_tensor *x,
			      ag_tensor *g, ag_tensor *norm)
{
	ag_tensor *a = ag_unary(AG_OP_ABS, x);
	ag_tensor *eq = a ? ag_binary(AG_OP_EQ, a, norm) : NULL;
	ag_tensor *nan = eq ? ag_binary(AG_OP_NE, a, a) : NULL;
	ag_tensor *m1 = nan ? ag_grad_mask(eq, x) : NULL;
	ag_tensor *m2 = m1 ? ag_grad_mask(nan, x) : NULL;
	ag_tensor *m = m2 ? ag_add(m1, m2) : NULL;	/* exclusive: an or */
	ag_tensor *cnt = m ? ag_reduce_dims(AG_OP_SUM, m, r->all ? NULL : r->dims,
					    r->all ? 0 : r->ndims, true) : NULL;
	ag_tensor *q = cnt ? ag_div(g, cnt) : NULL;
	ag_tensor *qm = q ? ag_mul(q, m) : NULL;
	ag_tensor *s = qm ? sgn(x) : NULL;
	ag_tensor *res = s ? ag_mul(s, qm) : NULL;

	rel(a); rel(eq); rel(nan); rel(m1); rel(m2); rel(m); rel(cnt);
	rel(q); rel(qm); rel(s);
	return res;
}

/* self_scaled * scale_v for 1 < p: grad / norm^(p-1), 0 where the norm
 * is 0, times sign(x) |x|^(p-1) (written x |x|^(p-2) from p = 2 on). */
static ag_tensor *p_above_one(ag_tensor *x, ag_tensor *g, ag_tensor *norm,
			      double p)
{
	ag_tensor *a = ag_unary(AG_OP_ABS, x), *s = NULL, *ap = NULL;
	ag_tensor *scaled = NULL, *np = NULL, *q = NULL, *z = NULL, *sv = NULL;
	ag_tensor *res = NULL;

	if (p < 2) {
		s = a ? sgn(x) : NULL;
		ap = s ? num_op(AG_OP_POW, a, p - 1) : NULL;
		scaled = ap ? ag_mul(s, ap) : NULL;
	} else {
		ap = a ? num_op(AG_OP_POW, a, p - 2) : NULL;
		scaled = ap ? ag_mul(x, ap) : NULL;
	}
	np = scaled ? num_op(AG_OP_POW, norm, p - 1) : NULL;
	q = np ? ag_div(g, np) : NULL;
	z = q ? num_op(AG_OP_EQ, norm, 0) : NULL;
	sv = z ? zero_where(z, q) : NULL;
	res = sv ? ag_mul(scaled, sv) : NULL;
	rel(a); rel(s); rel(ap); rel(scaled); rel(np); rel(q); rel(z); rel(sv);
	return res;
}

/* p < 1: sign(x) |x|^(p-1) (0 where x is 0) * grad * norm^(1-p) */
static ag_tensor *p_below_one(ag_tensor *x, ag_tensor *g, ag_tensor *norm,
			      double p)
{
	ag_tensor *a = ag_unary(AG_OP_ABS, x);
	ag_tensor *ap = a ? num_op(AG_OP_POW, a, p - 1) : NULL;
	ag_tensor *z = ap ? num_op(AG_OP_EQ, x, 0) : NULL;
	ag_tensor *apz = z ? zero_where(z, ap) : NULL;
	ag_tensor *s = apz ? sgn(x) : NULL;
	ag_tensor *scaled = s ? ag_mul(s, apz) : NULL;
	ag_tensor *sg = scaled ? ag_mul(scaled, g) : NULL;
	ag_tensor *np = sg ? num_op(AG_OP_POW, norm, 1 - p) : NULL;
	ag_tensor *res = np ? ag_mul(sg, np) : NULL;

	rel(a); rel(ap); rel(z); rel(apz); rel(s); rel(scaled); rel(sg); rel(np);
	return res;
}

int ag_norm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_norm_args *na = AG_ARGS(self, ag_norm_args);
	const ag_reduce_args *r = &na->r;
	double p = na->p;
	ag_tensor *x = ag_node_saved(self, 0), *res = ag_node_saved(self, 1);
	ag_tensor *g = x && res ? restore_dims(r, G(0)) : NULL;
	ag_tensor *norm = g ? restore_dims(r, res) : NULL;

	out[0] = NULL;
	if (!norm) {
		/* nothing */
	} else if (p == 0) {
		out[0] = zeros_as(x);
	} else if (p == 1) {
		ag_tensor *s = sgn(x);
		out[0] = s ? ag_mul(s, g) : NULL;
		rel(s);
	} else if (p == 2) {
		ag_tensor *q = ag_div(x, norm);
		ag_tensor *z = q ? num_op(AG_OP_EQ, norm, 0) : NULL;
		ag_tensor *qz = z ? zero_where(z, q) : NULL;
		out[0] = qz ? ag_mul(g, qz) : NULL;
		rel(q); rel(z); rel(qz);
	} else if (isinf(p)) {
		out[0] = share_among(r, x, g, norm);
	} else if (p < 1) {
		out[0] = p_below_one(x, g, norm, p);
	} else {
		out[0] = p_above_one(x, g, norm, p);
	}
	rel(x); rel(res); rel(g); rel(norm);
	return out[0] ? 0 : -1;
}

/* --------------------------------------------------------- cumsum, cumprod */

int ag_cumsum_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_scan_args *a = AG_ARGS(self, ag_scan_args);
	ag_tensor *g = G(0);

	if (ag_numel(g) <= 1 || g->ndim == 0 || g->shape[a->dim] == 1) {
		ag_tensor_retain(out[0] = g);
		return 0;
	}
	out[0] = ag_scan(AG_OP_CUMSUM, g, a->dim, !a->reverse);
	return out[0] ? 0 : -1;
}

/* ----------------------------------------------------------- logcumsumexp */

/* The dtype's lowest finite value: PyTorch's log of a zero gradient. */
static double lowest(ag_dtype dt)
{
	switch (dt) {
	case AG_FLOAT64: return -DBL_MAX;
	case AG_BFLOAT16: return -0x1.fep127;
	case AG_FLOAT16: return -65504.0;
	default: return -FLT_MAX;
	}
}

/* One sign's share of the gradient, in log space: exp(lcse'(l - result) +
 * x), with l = log|g| where g (cmp) 0, the lowest value elsewhere, and
 * lcse' the logcumsumexp that runs the other way. */
static ag_tensor *lcse_share(ag_tensor *g, ag_tensor *logabs, ag_op cmp,
			     ag_tensor *x, ag_tensor *result,
			     const ag_scan_args *a)
{
	ag_tensor *c = num_op(cmp, g, 0), *low = ag_number_operand(lowest(g->dtype));
	ag_tensor *l = c && low ? ag_where(c, logabs, low) : NULL;
	ag_tensor *d = l ? ag_sub(l, result) : NULL;
	ag_tensor *s = d ? ag_scan(AG_OP_LOGCUMSUMEXP, d, a->dim, !a->reverse) : NULL;
	ag_tensor *e = s ? ag_add(s, x) : NULL;
	ag_tensor *r = e ? ag_unary(AG_OP_EXP, e) : NULL;
	rel(c); rel(low); rel(l); rel(d); rel(s); rel(e);
	return r;
}

/* PyTorch's logcumsumexp_backward: the positive and the negative part of
 * the gradient each go back through a logcumsumexp in log space. */
int ag_logcumsumexp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_scan_args *a = AG_ARGS(self, ag_scan_args);
	ag_tensor *g = G(0), *x = ag_node_saved(self, 0);
	ag_tensor *res = ag_node_saved(self, 1);
	ag_tensor *la = NULL, *pos = NULL, *neg = NULL;

	if (!x || !res)
		goto done;
	if (ag_numel(g) == 0) {
		ag_tensor_retain(out[0] = g);
		goto done;
	}
	ag_tensor *ab = ag_unary(AG_OP_ABS, g);
	la = ab ? ag_unary(AG_OP_LOG, ab) : NULL;
	rel(ab);
	pos = la ? lcse_share(g, la, AG_OP_GT, x, res, a) : NULL;
	neg = pos ? lcse_share(g, la, AG_OP_LT, x, res, a) : NULL;
	out[0] = neg ? ag_sub(pos, neg) : NULL;
done:
	rel(x); rel(res); rel(la); rel(pos); rel(neg);
	return out[0] ? 0 : -1;
}

/* Zeros in the input, without a history to differentiate (no grad
 * mode): before the first zero of a slice, reversed cumsum(grad * out) /
 * x; at the first zero, the sum over later places of grad times the
 * product without that zero; after it, nothing. */
static ag_tensor *cumprod_zeros_fast(ag_tensor *g, ag_tensor *x, ag_tensor *y,
				     int dim)
{
	ag_tensor *iz = num_op(AG_OP_EQ, x, 0);
	ag_tensor *cz = iz ? ag_cumulative(AG_OP_CUMSUM, iz, dim) : NULL;
	ag_tensor *before = cz ? num_op(AG_OP_EQ, cz, 0) : NULL;
	ag_tensor *from = before ? num_op(AG_OP_GE, cz, 1) : NULL;
	ag_tensor *one = from ? num_op(AG_OP_EQ, cz, 1) : NULL;
	ag_tensor *w = one ? ag_mul(g, y) : NULL;
	ag_tensor *rw = w ? ag_scan(AG_OP_CUMSUM, w, dim, true) : NULL;
	ag_tensor *q = rw ? ag_div(rw, x) : NULL;
	ag_tensor *part1 = NULL, *x1 = NULL, *y1 = NULL, *w1 = NULL, *w1m = NULL;
	ag_tensor *r1 = NULL, *first = NULL, *part2 = NULL, *res = NULL;

	if (q) {
		ag_tensor *nb = num_op(AG_OP_EQ, before, 0);	/* not before */
		part1 = nb ? zero_where(nb, q) : NULL;
		rel(nb);
	}
	/* first zero: iz and cz == 1 */
	if (part1) {
		ag_tensor *fi = ag_grad_mask(iz, x), *fo = fi ? ag_grad_mask(one, x)
							       : NULL;
		ag_tensor *f = fo ? ag_mul(fi, fo) : NULL;
		first = f ? num_op(AG_OP_NE, f, 0) : NULL;
		rel(fi); rel(fo); rel(f);
	}
	if (first) {
		ag_tensor *o = ag_number_operand(1);
		x1 = o ? ag_where(first, o, x) : NULL;
		rel(o);
	}
	y1 = x1 ? ag_cumulative(AG_OP_CUMPROD, x1, dim) : NULL;
	w1 = y1 ? ag_mul(g, y1) : NULL;
	if (w1) {
		ag_tensor *nf = num_op(AG_OP_EQ, from, 0);
		w1m = nf ? zero_where(nf, w1) : NULL;
		rel(nf);
	}
	r1 = w1m ? ag_scan(AG_OP_CUMSUM, w1m, dim, true) : NULL;
	if (r1) {
		ag_tensor *nfirst = num_op(AG_OP_EQ, first, 0);
		part2 = nfirst ? zero_where(nfirst, r1) : NULL;
		rel(nfirst);
	}
	res = part2 ? ag_add(part1, part2) : NULL;
	rel(iz); rel(cz); rel(before); rel(from); rel(one); rel(w); rel(rw);
	rel(q); rel(part1); rel(x1); rel(y1); rel(w1); rel(w1m); rel(r1);
	rel(first); rel(part2);
	return res;
}

/* Zeros in the input while building a history (create_graph): for each
 * place k, the sum over j >= k of grad_j times the product of x_0 .. x_j
 * without x_k, made of differentiable ops (O(n^2), as PyTorch's). */
static ag_tensor *cumprod_zeros_graph(ag_tensor *g, ag_tensor *x, int dim)
{
	int64_t n = x->shape[dim], shape[AG_MAX_DIMS];
	ag_tensor **parts = calloc((size_t)n, sizeof *parts), *ones, *res = NULL;
	int64_t k;

	if (!parts) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(shape, x->shape, sizeof shape);
	shape[dim] = 1;
	ones = ag_ones(shape, x->ndim, x->dtype);
	for (k = 0; ones && k < n; k++) {
		ag_tensor *until = NULL, *from = NULL, *cf = NULL, *omit = NULL;
		ag_tensor *gs = NULL, *prod = NULL, *tmp = NULL;
		if (k > 0) {
			tmp = ag_narrow(x, dim, 0, k);
			until = tmp ? ag_reduce_dims(AG_OP_PROD, tmp, &dim, 1, true)
				    : NULL;
			rel(tmp);
			tmp = NULL;
			if (!until)
				break;
		}
		if (k < n - 1) {
			from = ag_narrow(x, dim, k + 1, n - k - 1);
			cf = from ? ag_cumulative(AG_OP_CUMPROD, from, dim) : NULL;
			if (cf && until) {
				ag_tensor *e = ag_expand(until, cf->shape, cf->ndim);
				tmp = e ? ag_mul(e, cf) : NULL;
				rel(e);
			}
			if (cf && (!until || tmp))
				omit = ag_cat((ag_tensor *[]){ until ? until : ones,
							       until ? tmp : cf },
					      2, dim);
		} else {
			ag_tensor_retain(omit = until ? until : ones);
		}
		gs = omit ? ag_narrow(g, dim, k, n - k) : NULL;
		prod = gs ? ag_mul(gs, omit) : NULL;
		parts[k] = prod ? ag_reduce_dims(AG_OP_SUM, prod, &dim, 1, false)
				: NULL;
		rel(until); rel(from); rel(cf); rel(omit); rel(gs); rel(prod);
		rel(tmp);
		if (!parts[k])
			break;
	}
	if (ones && k == n)
		res = ag_stack(parts, (int)n, dim);
	for (int64_t i = 0; i < n; i++)
		rel(parts[i]);
	free(parts);
	rel(ones);
	return res;
}

int ag_cumprod_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_scan_args *a = AG_ARGS(self, ag_scan_args);
	ag_tensor *x = ag_node_saved(self, 0), *y = ag_node_saved(self, 1);
	int64_t zeros;

	out[0] = NULL;
	if (!x || !y)
		goto done;
	if (ag_numel(x) <= 1 || x->ndim == 0 || x->shape[a->dim] == 1) {
		ag_tensor_retain(out[0] = G(0));
		goto done;
	}
	if ((zeros = count_zeros(x)) < 0)
		goto done;
	if (zeros == 0) {
		ag_tensor *w = ag_mul(y, G(0));
		ag_tensor *rw = w ? ag_scan(AG_OP_CUMSUM, w, a->dim, true) : NULL;
		out[0] = rw ? ag_div(rw, x) : NULL;
		rel(w); rel(rw);
	} else if (!ag_is_grad_enabled()) {
		out[0] = cumprod_zeros_fast(G(0), x, y, a->dim);
	} else {
		out[0] = cumprod_zeros_graph(G(0), x, a->dim);
	}
done:
	rel(x); rel(y);
	return out[0] ? 0 : -1;
}

/* ---------------------------------------------------------------- unique */

int ag_aminmax_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	AG_UNUSED(self);
	AG_UNUSED(grads_in);
	AG_UNUSED(out);
	return ag_error(AG_ERR_RUNTIME, "derivative for aten::aminmax is not "
			"implemented");
}

int ag_unique_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	AG_UNUSED(grads_in);
	AG_UNUSED(out);
	return ag_error(AG_ERR_RUNTIME, "the derivative for '%s' is not "
			"implemented.", strcmp(ag_node_name(self),
					       "UniqueDimBackward0") == 0
					? "unique_dim" : "_unique2");
}
