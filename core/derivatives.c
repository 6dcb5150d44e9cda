/*
 * derivatives.c - the backward formula of every differentiable op, and the
 * recording that attaches it to an op's output.
 *
 * Formulas are written with core's own (differentiable) ops, so with
 * create_graph the gradient computation is itself recorded and can be
 * differentiated again.  Names, what is saved and when are PyTorch 1.13's
 * (tools/autograd/derivatives.yaml), so version-counter errors fire exactly
 * where PyTorch's do.
 */
#include "internal.h"
#include "autograd.h"
#include "derivatives.h"

#include <math.h>
#include <stdio.h>

#define G(i) (grads_in[i])
#define NEED(i) ag_node_should_compute(self, i)

/* ------------------------------------------------------------ small tools */

static void rel(ag_tensor *t) { ag_tensor_release(t); }

static ag_tensor *scalar_of(double v, const ag_tensor *like)
{
	return ag_scalar(v, like->dtype);
}

/* a * s for a number s, recorded like any mul. */
static ag_tensor *mul_s(ag_tensor *a, double s)
{
	ag_tensor *k = scalar_of(s, a), *r;
	if (!k)
		return NULL;
	r = ag_mul(a, k);
	rel(k);
	return r;
}

/* A float mask (1 where cond) of like's dtype: no gradient flows through. */
static ag_tensor *mask_of(ag_tensor *cond, const ag_tensor *like)
{
	return ag_to_dtype(cond, like->dtype);
}

static ag_tensor *cmp_s(ag_op op, ag_tensor *a, double s)
{
	ag_tensor *k = scalar_of(s, a), *r;
	if (!k)
		return NULL;
	r = ag_binary(op, a, k);
	rel(k);
	return r;
}

/* where(cond, a, 0) as a * mask, differentiable in a. */
static ag_tensor *masked(ag_tensor *a, ag_tensor *cond)
{
	ag_tensor *m = mask_of(cond, a), *r;
	if (!m)
		return NULL;
	r = ag_mul(a, m);
	rel(m);
	return r;
}

ag_tensor *ag_sum_to_size(ag_tensor *g, const int64_t *shape, int ndim)
{
	int dims[AG_MAX_DIMS], n = 0, lead = g->ndim - ndim;
	if (lead < 0) {
		ag_error(AG_ERR_SHAPE, "sum_to_size: size is not expandable to the "
			 "tensor size");
		return NULL;
	}
	for (int i = 0; i < g->ndim; i++)
		if (i < lead || (shape[i - lead] == 1 && g->shape[i] != 1))
			dims[n++] = i;
	if (n == 0) {
		ag_tensor_retain(g);
		return g;
	}
	ag_tensor *s = ag_reduce_dims(AG_OP_SUM, g, dims, n, true);
	if (!s)
		return NULL;
	ag_tensor *r = ag_reshape(s, shape, ndim);
	rel(s);
	return r;
}

/* ------------------------------------------------------------ recording */

bool ag_ad_needed(ag_tensor *const *in, int n)
{
	return ag_is_grad_enabled() && ag_any_requires_grad(in, n);
}

/* A node for an op with these inputs; NULL with no error when not needed. */
static ag_node *make_node(const char *name, ag_backward_fn fn, int nout,
			  ag_tensor *const *in, int nin, bool *failed)
{
	*failed = false;
	if (!ag_ad_needed(in, nin))
		return NULL;
	ag_node *n = ag_node_new(name, fn, nout);
	if (!n || ag_node_set_next(n, in, nin) < 0) {
		ag_node_release(n);
		*failed = true;
		return NULL;
	}
	return n;
}

/* Attach n to out, log the op, drop our reference. */
static int finish_node(ag_node *n, ag_op op, ag_tensor *const *in,
		       int nin, ag_tensor *out)
{
	if (n)
		ag_set_history(out, n, 0);
	uint64_t ev = ag_trace_op(op, in, nin, &out, 1, n, false);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return 0;
}

int ag_ad_trace_only(ag_op op, ag_tensor *const *in, int nin,
		     ag_tensor *const *out, int nout)
{
	ag_trace_op(op, in, nin, out, nout, NULL, false);
	return 0;
}

static void save_input(ag_node *n, int slot, ag_tensor *t)
{
	ag_node_save(n, slot, t, false);
}

/* ----------------------------------------------------------- unary ops */

static int neg_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_neg(G(0));
	return out[0] ? 0 : -1;
}

static int abs_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	/* sign(a) = (a > 0) - (a < 0): a constant, no gradient of its own */
	ag_tensor *pos = cmp_s(AG_OP_GT, a, 0), *neg = cmp_s(AG_OP_LT, a, 0);
	ag_tensor *fp = pos ? mask_of(pos, a) : NULL, *fn = neg ? mask_of(neg, a) : NULL;
	ag_tensor *sgn = fp && fn ? ag_sub(fp, fn) : NULL;
	out[0] = sgn ? ag_mul(G(0), sgn) : NULL;
	rel(a); rel(pos); rel(neg); rel(fp); rel(fn); rel(sgn);
	return out[0] ? 0 : -1;
}

static int exp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	out[0] = ag_mul(G(0), r);
	rel(r);
	return out[0] ? 0 : -1;
}

static int log_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	out[0] = ag_div(G(0), a);
	rel(a);
	return out[0] ? 0 : -1;
}

static int sqrt_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	ag_tensor *r2 = mul_s(r, 2.0);
	out[0] = r2 ? ag_div(G(0), r2) : NULL;
	rel(r); rel(r2);
	return out[0] ? 0 : -1;
}

static int sin_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	ag_tensor *c = ag_unary(AG_OP_COS, a);
	out[0] = c ? ag_mul(G(0), c) : NULL;
	rel(a); rel(c);
	return out[0] ? 0 : -1;
}

static int cos_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	if (!a)
		return -1;
	ag_tensor *s = ag_unary(AG_OP_SIN, a), *ns = s ? ag_neg(s) : NULL;
	out[0] = ns ? ag_mul(G(0), ns) : NULL;
	rel(a); rel(s); rel(ns);
	return out[0] ? 0 : -1;
}

static int tanh_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	/* grad * (1 - y^2) */
	ag_tensor *y2 = ag_mul(r, r), *one = scalar_of(1.0, r);
	ag_tensor *d = y2 && one ? ag_sub(one, y2) : NULL;
	out[0] = d ? ag_mul(G(0), d) : NULL;
	rel(r); rel(y2); rel(one); rel(d);
	return out[0] ? 0 : -1;
}

static int sigmoid_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	/* grad * (1 - y) * y */
	ag_tensor *one = scalar_of(1.0, r), *omy = one ? ag_sub(one, r) : NULL;
	ag_tensor *d = omy ? ag_mul(omy, r) : NULL;
	out[0] = d ? ag_mul(G(0), d) : NULL;
	rel(r); rel(one); rel(omy); rel(d);
	return out[0] ? 0 : -1;
}

static int relu_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *r = ag_node_saved(self, 0);
	if (!r)
		return -1;
	ag_tensor *pos = cmp_s(AG_OP_GT, r, 0);
	out[0] = pos ? masked(G(0), pos) : NULL;
	rel(r); rel(pos);
	return out[0] ? 0 : -1;
}

static const struct {
	const char *name;
	ag_backward_fn fn;
	enum { SAVE_NONE, SAVE_SELF, SAVE_RESULT } save;
} unary_table[AG_OP_COUNT] = {
	[AG_OP_NEG] = { "NegBackward0", neg_bw, SAVE_NONE },
	[AG_OP_ABS] = { "AbsBackward0", abs_bw, SAVE_SELF },
	[AG_OP_EXP] = { "ExpBackward0", exp_bw, SAVE_RESULT },
	[AG_OP_LOG] = { "LogBackward0", log_bw, SAVE_SELF },
	[AG_OP_SQRT] = { "SqrtBackward0", sqrt_bw, SAVE_RESULT },
	[AG_OP_SIN] = { "SinBackward0", sin_bw, SAVE_SELF },
	[AG_OP_COS] = { "CosBackward0", cos_bw, SAVE_SELF },
	[AG_OP_TANH] = { "TanhBackward0", tanh_bw, SAVE_RESULT },
	[AG_OP_SIGMOID] = { "SigmoidBackward0", sigmoid_bw, SAVE_RESULT },
	[AG_OP_RELU] = { "ReluBackward0", relu_bw, SAVE_RESULT },
};

int ag_ad_unary(ag_op op, ag_tensor *out, ag_tensor *a)
{
	bool failed;
	ag_tensor *in[1] = { a };
	ag_node *n = NULL;
	if (ag_dtype_is_floating(out->dtype))
		n = make_node(unary_table[op].name, unary_table[op].fn, 1, in, 1, &failed);
	else
		failed = false;
	if (failed)
		return -1;
	if (n && unary_table[op].save == SAVE_SELF)
		save_input(n, 0, a);
	if (n)
		ag_set_history(out, n, 0);
	if (n && unary_table[op].save == SAVE_RESULT)
		ag_node_save(n, 0, out, true);
	uint64_t ev = ag_trace_op(op, in, 1, &out, 1, n, false);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return 0;
}

/* ----------------------------------------------------------- binary ops */

static int add_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) { ag_tensor_retain(G(0)); out[0] = G(0); }
	if (NEED(1)) { ag_tensor_retain(G(0)); out[1] = G(0); }
	return 0;
}

static int sub_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) { ag_tensor_retain(G(0)); out[0] = G(0); }
	if (NEED(1) && !(out[1] = ag_neg(G(0))))
		return -1;
	return 0;
}

static int mul_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1);
		if (!b)
			return -1;
		out[0] = ag_mul(G(0), b);
		rel(b);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0);
		if (!a)
			return -1;
		out[1] = ag_mul(G(0), a);
		rel(a);
		if (!out[1])
			return -1;
	}
	return 0;
}

static int div_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *b = ag_node_saved(self, 1);
	if (!b)
		return -1;
	if (NEED(0) && !(out[0] = ag_div(G(0), b))) {
		rel(b);
		return -1;
	}
	if (NEED(1)) {
		/* -grad * a / (b * b) */
		ag_tensor *a = ag_node_saved(self, 0);
		ag_tensor *ng = a ? ag_neg(G(0)) : NULL;
		ag_tensor *t = ng ? ag_mul(ng, a) : NULL;
		ag_tensor *bb = t ? ag_mul(b, b) : NULL;
		out[1] = bb ? ag_div(t, bb) : NULL;
		rel(a); rel(ng); rel(t); rel(bb);
		if (!out[1]) {
			rel(b);
			return -1;
		}
	}
	rel(b);
	return 0;
}

/* d/da a^b = b * a^(b-1), zero where b == 0 */
static ag_tensor *pow_grad_base(ag_tensor *g, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *one = scalar_of(1.0, b), *bm1 = one ? ag_sub(b, one) : NULL;
	ag_tensor *p = bm1 ? ag_pow(a, bm1) : NULL;
	ag_tensor *bp = p ? ag_mul(b, p) : NULL;
	ag_tensor *gb = bp ? ag_mul(g, bp) : NULL;
	ag_tensor *nz = gb ? cmp_s(AG_OP_NE, b, 0) : NULL;
	ag_tensor *r = nz ? masked(gb, nz) : NULL;
	rel(one); rel(bm1); rel(p); rel(bp); rel(gb); rel(nz);
	return r;
}

/* d/db a^b = a^b * log(a), zero where a == 0 and b >= 0 */
static ag_tensor *pow_grad_exp(ag_tensor *g, ag_tensor *a, ag_tensor *b,
			       ag_tensor *result)
{
	ag_tensor *la = ag_log(a), *t = la ? ag_mul(result, la) : NULL;
	ag_tensor *gt = t ? ag_mul(g, t) : NULL;
	ag_tensor *az = gt ? cmp_s(AG_OP_EQ, a, 0) : NULL;
	ag_tensor *bn = az ? cmp_s(AG_OP_GE, b, 0) : NULL;
	ag_tensor *both = bn ? ag_mul(az, bn) : NULL;	/* bool and */
	ag_tensor *keep = NULL, *r = NULL;
	if (both) {
		ag_tensor *f = scalar_of(0, both);
		keep = f ? ag_binary(AG_OP_EQ, both, f) : NULL;
		rel(f);
	}
	/* where the mask is set the formula is nan (0 * -inf): use where */
	if (keep) {
		ag_tensor *zero = ag_zeros_like(gt);
		r = zero ? ag_where(keep, gt, zero) : NULL;
		rel(zero);
	}
	rel(la); rel(t); rel(gt); rel(az); rel(bn); rel(both); rel(keep);
	return r;
}

static int pow_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0), *b = ag_node_saved(self, 1);
	int rc = -1;
	if (!a || !b)
		goto done;
	if (NEED(0) && !(out[0] = pow_grad_base(G(0), a, b)))
		goto done;
	if (NEED(1)) {
		ag_tensor *r = ag_node_saved(self, 2);
		if (!r)
			goto done;
		out[1] = pow_grad_exp(G(0), a, b, r);
		rel(r);
		if (!out[1])
			goto done;
	}
	rc = 0;
done:
	rel(a); rel(b);
	return rc;
}

/* The node of a binary op, with what its formula needs saved: `self` is
 * the value of the first operand the formula must see (for an in-place op,
 * a copy of it from before the write).  NULL without error when nothing
 * needs a gradient. */
static ag_node *binary_node(ag_op op, ag_tensor *a, ag_tensor *b,
			    ag_tensor *self, bool inplace, bool *failed)
{
	ag_tensor *in[2] = { a, b };
	const char *name = NULL;
	ag_backward_fn fn = NULL;

	*failed = false;
	switch (op) {
	case AG_OP_ADD: name = "AddBackward0"; fn = add_bw; break;
	case AG_OP_SUB:
		name = a->is_wrapped_number && !inplace ? "RsubBackward1"
							 : "SubBackward0";
		fn = sub_bw;
		break;
	case AG_OP_MUL: name = "MulBackward0"; fn = mul_bw; break;
	case AG_OP_DIV: name = "DivBackward0"; fn = div_bw; break;
	case AG_OP_POW:
		name = b->is_wrapped_number ? "PowBackward0" : "PowBackward1";
		fn = pow_bw;
		break;
	default: return NULL;	/* comparisons: not differentiable */
	}
	ag_node *n = make_node(name, fn, 1, in, 2, failed);
	if (!n)
		return NULL;
	bool need_a = ag_node_should_compute(n, 0);
	bool need_b = ag_node_should_compute(n, 1);
	switch (op) {
	case AG_OP_MUL:
		if (need_b) save_input(n, 0, self);
		if (need_a) save_input(n, 1, b);
		break;
	case AG_OP_DIV:
		if (need_b) save_input(n, 0, self);
		save_input(n, 1, b);
		break;
	case AG_OP_POW:
		save_input(n, 0, self);
		save_input(n, 1, b);
		break;
	default: break;
	}
	return n;
}

int ag_ad_binary(ag_op op, ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *in[2] = { a, b };
	bool failed = false;
	ag_node *n = NULL;

	if (ag_dtype_is_floating(out->dtype))
		n = binary_node(op, a, b, a, false, &failed);
	if (failed)
		return -1;
	if (n) {
		ag_set_history(out, n, 0);
		if (op == AG_OP_POW && ag_node_should_compute(n, 1))
			ag_node_save(n, 2, out, true);
	}
	uint64_t ev = ag_trace_op(op, in, 2, &out, 1, n, false);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return 0;
}

static int clamp_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0);
	double lo = self->scalars[0], hi = self->scalars[1];
	ag_tensor *m = NULL, *ge = NULL, *le = NULL;
	if (!a)
		return -1;
	if (!isnan(lo))
		ge = cmp_s(AG_OP_GE, a, lo);
	if (!isnan(hi))
		le = cmp_s(AG_OP_LE, a, hi);
	if (ge && le)
		m = ag_mul(ge, le);
	else if (ge || le) {
		m = ge ? ge : le;
		ag_tensor_retain(m);
	}
	if (m)
		out[0] = masked(G(0), m);
	else {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	rel(a); rel(ge); rel(le); rel(m);
	return out[0] ? 0 : -1;
}

int ag_ad_clamp(ag_tensor *out, ag_tensor *a, double min, double max)
{
	bool failed;
	ag_node *n = make_node("ClampBackward1", clamp_bw, 1, &a, 1, &failed);
	if (failed)
		return -1;
	if (n) {
		save_input(n, 0, a);
		n->scalars[0] = min;
		n->scalars[1] = max;
	}
	return finish_node(n, AG_OP_CLAMP, &a, 1, out);
}

static int where_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *c = ag_node_saved(self, 0);
	ag_tensor *zero = c ? ag_zeros_like(G(0)) : NULL;
	int rc = -1;
	if (!zero)
		goto done;
	if (NEED(1) && !(out[1] = ag_where(c, G(0), zero)))
		goto done;
	if (NEED(2) && !(out[2] = ag_where(c, zero, G(0))))
		goto done;
	rc = 0;
done:
	rel(c); rel(zero);
	return rc;
}

int ag_ad_where(ag_tensor *out, ag_tensor *cond, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *in[3] = { cond, a, b };
	bool failed;
	ag_node *n = make_node("WhereBackward0", where_bw, 1, in, 3, &failed);
	if (failed)
		return -1;
	if (n)
		save_input(n, 0, cond);
	return finish_node(n, AG_OP_WHERE, in, 3, out);
}

/* ------------------------------------------------------------ reductions */

static void remember_input(ag_node *n, const ag_tensor *in)
{
	n->indim = in->ndim;
	memcpy(n->ishape, in->shape, sizeof in->shape);
	n->idtype = in->dtype;
}

/* g reduced over dims (keepdim or not) -> g broadcast back to the input. */
static ag_tensor *expand_back(ag_node *self, ag_tensor *g)
{
	ag_tensor *cur = g;
	ag_tensor_retain(cur);
	if (self->nints > 0 && !self->ints[0] /* keepdim false */) {
		/* unsqueeze the reduced dims, lowest first */
		bool reduced[AG_MAX_DIMS] = { false };
		for (int i = 1; i < self->nints; i++)
			reduced[self->ints[i]] = true;
		for (int d = 0; d < self->indim; d++)
			if (reduced[d]) {
				ag_tensor *u = ag_unsqueeze(cur, d);
				rel(cur);
				if (!u)
					return NULL;
				cur = u;
			}
	} else if (self->nints == 0 && cur->ndim != self->indim) {
		/* full reduction to 0-d: view as all-ones shape */
		int64_t ones[AG_MAX_DIMS];
		for (int d = 0; d < self->indim; d++)
			ones[d] = 1;
		ag_tensor *v = ag_reshape(cur, ones, self->indim);
		rel(cur);
		if (!v)
			return NULL;
		cur = v;
	}
	ag_tensor *e = ag_expand(cur, self->ishape, self->indim);
	rel(cur);
	return e;
}

static int sum_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = expand_back(self, G(0));
	return out[0] ? 0 : -1;
}

static int mean_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *e = expand_back(self, G(0));
	if (!e)
		return -1;
	double count = self->scalars[0];
	out[0] = mul_s(e, count > 0 ? 1.0 / count : NAN);
	rel(e);
	return out[0] ? 0 : -1;
}

/* max()/min() over everything: the gradient is shared evenly by ties. */
static int minmax_all_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *a = ag_node_saved(self, 0), *r = ag_node_saved(self, 1);
	int rc = -1;
	ag_tensor *eq = NULL, *m = NULL, *cnt = NULL, *gd = NULL, *e = NULL;
	if (!a || !r)
		goto done;
	if (self->nints > 0) {
		/* over some dims (amax/amin): ties share within each slice */
		ag_tensor *re = expand_back(self, r);
		int dims[AG_MAX_DIMS], nd = 0;
		for (int i = 1; i < self->nints; i++)
			dims[nd++] = (int)self->ints[i];
		eq = re ? ag_binary(AG_OP_EQ, a, re) : NULL;
		m = eq ? mask_of(eq, a) : NULL;
		ag_tensor *c = m ? ag_reduce_dims(AG_OP_SUM, m, dims, nd, true) : NULL;
		cnt = c ? ag_expand(c, a->shape, a->ndim) : NULL;
		ag_tensor *ge = cnt ? expand_back(self, G(0)) : NULL;
		gd = ge ? ag_div(ge, cnt) : NULL;
		out[0] = gd ? ag_mul(gd, m) : NULL;
		rel(re); rel(c); rel(ge);
		rc = out[0] ? 0 : -1;
		goto done;
	}
	if (isnan(ag_load(ag_data_ptr(r), r->dtype)))
		eq = ag_binary(AG_OP_NE, a, a);	/* the nan positions */
	else
		eq = ag_binary(AG_OP_EQ, a, r);
	m = eq ? mask_of(eq, a) : NULL;
	cnt = m ? ag_reduce_all(AG_OP_SUM, m) : NULL;
	gd = cnt ? ag_div(G(0), cnt) : NULL;
	e = gd ? ag_expand(gd, a->shape, a->ndim) : NULL;
	out[0] = e ? ag_mul(e, m) : NULL;
	rc = out[0] ? 0 : -1;
done:
	rel(a); rel(r); rel(eq); rel(m); rel(cnt); rel(gd); rel(e);
	return rc;
}

int ag_ad_reduce(ag_op op, ag_tensor *out, ag_tensor *in,
		 const int *dims, int ndims, bool keepdim)
{
	bool failed = false;
	ag_node *n = NULL;
	bool all = dims == NULL || in->ndim == 0;

	if (ag_dtype_is_floating(out->dtype)) {
		switch (op) {
		case AG_OP_SUM:
			n = make_node(all ? "SumBackward0" : "SumBackward1", sum_bw,
				      1, &in, 1, &failed);
			break;
		case AG_OP_MEAN:
			n = make_node(all ? "MeanBackward0" : "MeanBackward1", mean_bw,
				      1, &in, 1, &failed);
			break;
		case AG_OP_MAX:
		case AG_OP_MIN:
			n = make_node(op == AG_OP_MAX ? "MaxBackward1" : "MinBackward1",
				      minmax_all_bw, 1, &in, 1, &failed);
			break;
		default: break;
		}
	}
	if (failed)
		return -1;
	if (n) {
		remember_input(n, in);
		if (!all) {
			n->ints[0] = keepdim;
			n->nints = 1;
			bool seen[AG_MAX_DIMS] = { false };
			for (int i = 0; i < ndims; i++) {
				int d = dims[i] < 0 ? dims[i] + in->ndim : dims[i];
				if (!seen[d]) {
					seen[d] = true;
					n->ints[n->nints++] = d;
				}
			}
			if (ndims == 0) {	/* sum(dim=[]) reduces everything */
				for (int d = 0; d < in->ndim; d++)
					n->ints[n->nints++] = d;
			}
		}
		int64_t count = 1;
		if (all || ndims == 0)
			count = ag_numel(in);
		else
			for (int i = 1; i < n->nints; i++)
				count *= in->shape[n->ints[i]];
		n->scalars[0] = (double)count;
		if (op == AG_OP_MAX || op == AG_OP_MIN)
			save_input(n, 0, in);
		ag_set_history(out, n, 0);
		if (op == AG_OP_MAX || op == AG_OP_MIN)
			ag_node_save(n, 1, out, true);
	}
	uint64_t ev = ag_trace_op(op, &in, 1, &out, 1, n, false);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return 0;
}

/* Scatter g into zeros of the input's shape at the indices along dim. */
static int minmax_dim_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor *idx = self->extra, *g = G(0);
	int dim = (int)self->ints[0];
	bool keepdim = self->ints[1] != 0;
	ag_tensor *gk = g, *ik = idx;

	ag_tensor_retain(gk);
	ag_tensor_retain(ik);
	if (!keepdim && self->indim > 0) {
		ag_tensor *u = ag_unsqueeze(gk, dim), *v = ag_unsqueeze(ik, dim);
		rel(gk); rel(ik);
		gk = u; ik = v;
		if (!gk || !ik) {
			rel(gk); rel(ik);
			return -1;
		}
	}
	ag_tensor *r = ag_scatter_along(gk, ik, dim, self->ishape, self->indim);
	rel(gk); rel(ik);
	out[0] = r;
	return r ? 0 : -1;
}

int ag_ad_minmax_dim(bool is_max, ag_tensor *values, ag_tensor *indices,
		     ag_tensor *in, int dim, bool keepdim)
{
	bool failed = false;
	ag_node *n = NULL;
	ag_tensor *outs[2] = { values, indices };
	if (ag_dtype_is_floating(values->dtype))
		n = make_node(is_max ? "MaxBackward0" : "MinBackward0", minmax_dim_bw,
			      2, &in, 1, &failed);
	if (failed)
		return -1;
	if (n) {
		remember_input(n, in);
		n->ints[0] = dim < 0 ? dim + (in->ndim ? in->ndim : 1) : dim;
		n->ints[1] = keepdim;
		n->nints = 2;
		ag_tensor_retain(indices);
		n->extra = indices;
		ag_set_history(values, n, 0);
		/* indices are not differentiable: no history */
	}
	uint64_t ev = ag_trace_op(is_max ? AG_OP_MAX_DIM : AG_OP_MIN_DIM, &in, 1, outs, 2, n, false);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return 0;
}

/* ---------------------------------------------------------- matrix ops */

static int mm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int rc = -1;
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1), *bt = b ? ag_t(b) : NULL;
		out[0] = bt ? ag_mm(G(0), bt) : NULL;
		rel(b); rel(bt);
		if (!out[0])
			return rc;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0), *at = a ? ag_t(a) : NULL;
		out[1] = at ? ag_mm(at, G(0)) : NULL;
		rel(a); rel(at);
		if (!out[1])
			return rc;
	}
	return 0;
}

static int bmm_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1);
		ag_tensor *bt = b ? ag_transpose(b, 1, 2) : NULL;
		out[0] = bt ? ag_bmm(G(0), bt) : NULL;
		rel(b); rel(bt);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0);
		ag_tensor *at = a ? ag_transpose(a, 1, 2) : NULL;
		out[1] = at ? ag_bmm(at, G(0)) : NULL;
		rel(a); rel(at);
		if (!out[1])
			return -1;
	}
	return 0;
}

/* dot: grad * other / grad * self (grad is 0-d) */
static int dot_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *b = ag_node_saved(self, 1);
		out[0] = b ? ag_mul(G(0), b) : NULL;
		rel(b);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		ag_tensor *a = ag_node_saved(self, 0);
		out[1] = a ? ag_mul(G(0), a) : NULL;
		rel(a);
		if (!out[1])
			return -1;
	}
	return 0;
}

/* mv: d/dA = g outer v; d/dv = A^T g */
static int mv_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(0)) {
		ag_tensor *v = ag_node_saved(self, 1);
		ag_tensor *gc = v ? ag_unsqueeze(G(0), 1) : NULL;
		ag_tensor *vr = gc ? ag_unsqueeze(v, 0) : NULL;
		out[0] = vr ? ag_mm(gc, vr) : NULL;
		rel(v); rel(gc); rel(vr);
		if (!out[0])
			return -1;
	}
	if (NEED(1)) {
		ag_tensor *A = ag_node_saved(self, 0), *At = A ? ag_t(A) : NULL;
		ag_tensor *gc = At ? ag_unsqueeze(G(0), 1) : NULL;
		ag_tensor *r = gc ? ag_mm(At, gc) : NULL;
		out[1] = r ? ag_squeeze_dim(r, 1) : NULL;
		rel(A); rel(At); rel(gc); rel(r);
		if (!out[1])
			return -1;
	}
	return 0;
}

static int record_pair(const char *name, ag_op op, ag_backward_fn fn,
		       ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	ag_tensor *in[2] = { a, b };
	bool failed;
	ag_node *n = ag_dtype_is_floating(out->dtype) ?
		make_node(name, fn, 1, in, 2, &failed) : (failed = false, NULL);
	if (failed)
		return -1;
	if (n) {
		if (ag_node_should_compute(n, 1))
			save_input(n, 0, a);
		if (ag_node_should_compute(n, 0))
			save_input(n, 1, b);
	}
	return finish_node(n, op, in, 2, out);
}

int ag_ad_mm(ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	return record_pair("MmBackward0", AG_OP_MM, mm_bw, out, a, b);
}

int ag_ad_bmm(ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	return record_pair("BmmBackward0", AG_OP_BMM, bmm_bw, out, a, b);
}

int ag_ad_dot(ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	return record_pair("DotBackward0", AG_OP_DOT, dot_bw, out, a, b);
}

int ag_ad_mv(ag_tensor *out, ag_tensor *a, ag_tensor *b)
{
	return record_pair("MvBackward0", AG_OP_MV, mv_bw, out, a, b);
}

/* ----------------------------------------------------------------- views */

static int reshape_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_reshape(G(0), self->ishape, self->indim);
	return out[0] ? 0 : -1;
}

static int transpose_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_transpose(G(0), (int)self->ints[0], (int)self->ints[1]);
	return out[0] ? 0 : -1;
}

static int t_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_t(G(0));
	return out[0] ? 0 : -1;
}

static int permute_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int inv[AG_MAX_DIMS];
	for (int i = 0; i < self->nints; i++)
		inv[self->ints[i]] = i;
	out[0] = ag_permute(G(0), inv, self->nints);
	return out[0] ? 0 : -1;
}

static int expand_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_sum_to_size(G(0), self->ishape, self->indim);
	return out[0] ? 0 : -1;
}

static int unsqueeze_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_squeeze_dim(G(0), (int)self->ints[0]);
	return out[0] ? 0 : -1;
}

static int squeeze_dim_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int d = (int)self->ints[0];
	if (self->indim > 0 && self->ishape[d] == 1 && G(0)->ndim < self->indim) {
		out[0] = ag_unsqueeze(G(0), d);
	} else {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	return out[0] ? 0 : -1;
}

/* slice / select / as_strided: the gradient lands in a zero tensor of the
 * input's geometry, at the view's place. */
static int embed_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_embed_view_grad(G(0), self);
	return out[0] ? 0 : -1;
}

static int alias_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor_retain(G(0));
	out[0] = G(0);
	return 0;
}

int ag_ad_view(ag_view_kind kind, ag_tensor *out, ag_tensor *in,
	       const int64_t *args, int nargs)
{
	static const struct {
		const char *name;
		ag_op op;
		ag_backward_fn fn;
	} table[] = {
		[AG_VIEW_VIEW] = { "ViewBackward0", AG_OP_VIEW, reshape_bw },
		[AG_VIEW_RESHAPE_ALIAS] = { "ReshapeAliasBackward0", AG_OP_RESHAPE, reshape_bw },
		[AG_VIEW_UNSAFE_VIEW] = { "UnsafeViewBackward0", AG_OP_UNSAFE_VIEW, reshape_bw },
		[AG_VIEW_TRANSPOSE] = { "TransposeBackward0", AG_OP_TRANSPOSE, transpose_bw },
		[AG_VIEW_T] = { "TBackward0", AG_OP_T, t_bw },
		[AG_VIEW_PERMUTE] = { "PermuteBackward0", AG_OP_PERMUTE, permute_bw },
		[AG_VIEW_EXPAND] = { "ExpandBackward0", AG_OP_EXPAND, expand_bw },
		[AG_VIEW_SLICE] = { "SliceBackward0", AG_OP_SLICE, embed_bw },
		[AG_VIEW_SELECT] = { "SelectBackward0", AG_OP_SELECT, embed_bw },
		[AG_VIEW_UNSQUEEZE] = { "UnsqueezeBackward0", AG_OP_UNSQUEEZE, unsqueeze_bw },
		[AG_VIEW_SQUEEZE] = { "SqueezeBackward0", AG_OP_SQUEEZE, reshape_bw },
		[AG_VIEW_SQUEEZE_DIM] = { "SqueezeBackward1", AG_OP_SQUEEZE_DIM, squeeze_dim_bw },
		[AG_VIEW_AS_STRIDED] = { "AsStridedBackward0", AG_OP_AS_STRIDED, embed_bw },
		[AG_VIEW_ALIAS] = { "AliasBackward0", AG_OP_ALIAS, alias_bw },
	};
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(out->dtype))
		n = make_node(table[kind].name, table[kind].fn, 1, &in, 1, &failed);
	if (failed)
		return -1;
	if (n) {
		remember_input(n, in);
		for (int i = 0; i < nargs && i < (int)(sizeof n->ints / sizeof *n->ints); i++)
			n->ints[i] = args[i];
		n->nints = nargs;
		if (kind == AG_VIEW_SLICE || kind == AG_VIEW_SELECT ||
		    kind == AG_VIEW_AS_STRIDED)
			ag_view_geometry_save(n, in, out);
	}
	if (n && kind != AG_VIEW_UNSAFE_VIEW) {
		/* its history follows the base's (see ag_grad_fn) */
		ag_autograd_meta *m = ag_autograd_meta_of(out, true);
		if (!m) {
			ag_node_release(n);
			return -1;
		}
		m->diff_view = true;
	}
	return finish_node(n, table[kind].op, &in, 1, out);
}

int ag_ad_detach(ag_tensor *out, ag_tensor *in)
{
	ag_trace_op(AG_OP_DETACH, &in, 1, &out, 1, NULL, false);
	return 0;
}

static int clone_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor_retain(G(0));
	out[0] = G(0);
	return 0;
}

int ag_ad_clone(ag_tensor *out, ag_tensor *in)
{
	bool failed;
	ag_node *n = make_node("CloneBackward0", clone_bw, 1, &in, 1, &failed);
	if (failed)
		return -1;
	return finish_node(n, AG_OP_CLONE, &in, 1, out);
}

static int to_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_to_dtype(G(0), self->idtype);
	return out[0] ? 0 : -1;
}

int ag_ad_to_dtype(ag_tensor *out, ag_tensor *in)
{
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(out->dtype))
		n = make_node("ToCopyBackward0", to_bw, 1, &in, 1, &failed);
	if (failed)
		return -1;
	if (n)
		remember_input(n, in);
	return finish_node(n, AG_OP_TO, &in, 1, out);
}

/* ------------------------------------------------------ cat, stack, index */

/* dim in ints[0]; the inputs' sizes along dim in user (an int64 array);
 * inputs skipped by cat (legacy empty 1-d) have size -1, no gradient. */
static int cat_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int dim = (int)self->ints[0];
	const int64_t *sizes = self->user;
	int64_t off = 0;
	for (int i = 0; i < self->n_next; i++) {
		int64_t len = sizes[i];
		if (len < 0)
			continue;
		if (NEED(i) && !(out[i] = ag_narrow(G(0), dim, off, len)))
			return -1;
		off += len;
	}
	return 0;
}

int ag_ad_cat(ag_tensor *out, ag_tensor *const *in, int n, int dim)
{
	bool failed = false;
	ag_node *node = NULL;
	if (ag_dtype_is_floating(out->dtype))
		node = make_node("CatBackward0", cat_bw, 1, in, n, &failed);
	if (failed)
		return -1;
	if (node) {
		int64_t *sizes = malloc((size_t)(n ? n : 1) * sizeof *sizes);
		if (!sizes) {
			ag_node_release(node);
			return ag_error(AG_ERR_NOMEM, "out of memory");
		}
		int d = dim < 0 ? dim + out->ndim : dim;
		node->ints[0] = d;
		node->nints = 1;
		for (int i = 0; i < n; i++)
			sizes[i] = (in[i]->ndim == 1 && in[i]->shape[0] == 0 &&
				    out->ndim > 1) ? -1 : in[i]->shape[d];
		node->user = sizes;
		node->user_free = free;
	}
	uint64_t ev = ag_trace_op(AG_OP_CAT, in, n < AG_TRACE_MAX_IO ? n : AG_TRACE_MAX_IO,
				  &out, 1, node, false);
	if (node) {
		ag_set_history(out, node, 0);
		node->trace_event = ev;
		ag_node_release(node);
	}
	return 0;
}

static int stack_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int dim = (int)self->ints[0];
	for (int i = 0; i < self->n_next; i++)
		if (NEED(i) && !(out[i] = ag_select(G(0), dim, i)))
			return -1;
	return 0;
}

int ag_ad_stack(ag_tensor *out, ag_tensor *const *in, int n, int dim)
{
	bool failed = false;
	ag_node *node = NULL;
	if (ag_dtype_is_floating(out->dtype))
		node = make_node("StackBackward0", stack_bw, 1, in, n, &failed);
	if (failed)
		return -1;
	if (node) {
		node->ints[0] = dim < 0 ? dim + out->ndim : dim;
		node->nints = 1;
	}
	uint64_t ev = ag_trace_op(AG_OP_STACK, in, n < AG_TRACE_MAX_IO ? n : AG_TRACE_MAX_IO,
				  &out, 1, node, false);
	if (node) {
		ag_set_history(out, node, 0);
		node->trace_event = ev;
		ag_node_release(node);
	}
	return 0;
}

static int index_select_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_index_add_zeros(G(0), (int)self->ints[0], self->extra,
				    self->ishape, self->indim);
	return out[0] ? 0 : -1;
}

int ag_ad_index_select(ag_tensor *out, ag_tensor *in, int dim, ag_tensor *index)
{
	ag_tensor *ins[2] = { in, index };
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(out->dtype))
		n = make_node("IndexSelectBackward0", index_select_bw, 1, &in, 1, &failed);
	if (failed)
		return -1;
	if (n) {
		remember_input(n, in);
		n->ints[0] = dim < 0 ? dim + (in->ndim ? in->ndim : 1) : dim;
		n->nints = 1;
		ag_tensor_retain(index);
		n->extra = index;
	}
	uint64_t ev = ag_trace_op(AG_OP_INDEX_SELECT, ins, 2, &out, 1, n, false);
	if (n) {
		ag_set_history(out, n, 0);
		n->trace_event = ev;
		ag_node_release(n);
	}
	return 0;
}

/* -------------------------------------------------------------- in-place */

int ag_ad_check_inplace(ag_tensor *self)
{
	if (!ag_is_grad_enabled())
		return 0;
	if (ag_is_leaf(self) && self->requires_grad)
		return ag_error(AG_ERR_RUNTIME, "a leaf Variable that requires grad "
				"is being used in an in-place operation.");
	if (self->base && ag_is_leaf(self->base) && self->base->requires_grad)
		return ag_error(AG_ERR_RUNTIME, "a view of a leaf Variable that "
				"requires grad is being used in an in-place "
				"operation.");
	return 0;
}

bool ag_ad_unary_saves_self(ag_op op)
{
	return unary_table[op].save == SAVE_SELF;
}

bool ag_ad_unary_saves_result(ag_op op)
{
	return unary_table[op].save == SAVE_RESULT;
}

ag_node *ag_ad_unary_node(ag_op op, ag_tensor *a, bool *failed)
{
	return make_node(unary_table[op].name, unary_table[op].fn, 1, &a, 1, failed);
}

bool ag_ad_unary_inplace_needs_original(ag_op op, ag_tensor *self)
{
	return ag_ad_needed(&self, 1) && ag_dtype_is_floating(self->dtype) &&
	       unary_table[op].save == SAVE_SELF;
}

/* Log an in-place op and hand its node (if any) to the tensor. */
static int finish_inplace(ag_node *n, ag_op op, ag_tensor *const *in,
			  int nin, ag_tensor *self)
{
	int rc = 0;
	if (n)
		rc = ag_rebase_history(self, n);
	uint64_t ev = ag_trace_op(op, in, nin, &self, 1, n, true);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return rc;
}

int ag_ad_unary_inplace(ag_op op, ag_tensor *self, ag_tensor *original)
{
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(self->dtype))
		n = ag_ad_unary_node(op, self, &failed);
	if (failed)
		return -1;
	if (n && unary_table[op].save == SAVE_SELF)
		save_input(n, 0, original);
	int rc = 0;
	if (n)
		rc = ag_rebase_history(self, n);
	if (n && rc == 0 && unary_table[op].save == SAVE_RESULT)
		ag_node_save(n, 0, self, true);
	uint64_t ev = ag_trace_op(op, &self, 1, &self, 1, n, true);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return rc;
}

bool ag_ad_inplace_needs_original(ag_op op, ag_tensor *self,
				  ag_tensor *other)
{
	ag_tensor *in[2] = { self, other };
	if (!ag_ad_needed(in, 2) || !ag_dtype_is_floating(self->dtype))
		return false;
	switch (op) {
	case AG_OP_MUL:
	case AG_OP_DIV:
		return ag_requires_grad(other);
	case AG_OP_POW:
		return true;
	default:
		return false;
	}
}

int ag_ad_binary_inplace(ag_op op, ag_tensor *self, ag_tensor *other,
			 ag_tensor *original)
{
	ag_tensor *in[2] = { self, other };
	bool failed = false;
	ag_node *n = NULL;

	if (ag_dtype_is_floating(self->dtype))
		n = binary_node(op, self, other, original, true, &failed);
	if (failed)
		return -1;
	int rc = 0;
	if (n)
		rc = ag_rebase_history(self, n);
	if (n && rc == 0 && op == AG_OP_POW && ag_node_should_compute(n, 1))
		ag_node_save(n, 2, self, true);
	uint64_t ev = ag_trace_op(op, in, 2, &self, 1, n, true);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return rc;
}

int ag_ad_clamp_inplace(ag_tensor *self, ag_tensor *original, double min,
			double max)
{
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(self->dtype))
		n = make_node("ClampBackward1", clamp_bw, 1, &self, 1, &failed);
	if (failed)
		return -1;
	if (n) {
		save_input(n, 0, original);
		n->scalars[0] = min;
		n->scalars[1] = max;
	}
	return finish_inplace(n, AG_OP_CLAMP, &self, 1, self);
}

/* copy_: self's old values do not matter (no gradient); src's gradient is
 * the incoming one, summed and converted back by the engine. */
static int copy_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(1)) {
		ag_tensor_retain(G(0));
		out[1] = G(0);
	}
	return 0;
}

int ag_ad_copy_inplace(ag_tensor *self, ag_tensor *src)
{
	ag_tensor *in[2] = { self, src };
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(self->dtype))
		n = make_node("CopyBackwards", copy_bw, 1, in, 2, &failed);
	if (failed)
		return -1;
	return finish_inplace(n, AG_OP_COPY_, in, 2, self);
}

static int zero_grad_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	AG_UNUSED(self); AG_UNUSED(grads_in); AG_UNUSED(out);
	return 0;
}

int ag_ad_fill_inplace(ag_tensor *self)
{
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(self->dtype))
		n = make_node("FillBackward2", zero_grad_bw, 1, &self, 1, &failed);
	if (failed)
		return -1;
	return finish_inplace(n, AG_OP_FILL_, &self, 1, self);
}

int ag_ad_zero_inplace(ag_tensor *self)
{
	bool failed = false;
	ag_node *n = NULL;
	if (ag_dtype_is_floating(self->dtype))
		n = make_node("ZeroBackward0", zero_grad_bw, 1, &self, 1, &failed);
	if (failed)
		return -1;
	return finish_inplace(n, AG_OP_ZERO_, &self, 1, self);
}
