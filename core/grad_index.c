/*
 * grad_index.c - backward formulas of the ops that read or write through
 * an index or a mask (gather, scatter, scatter_add, index_add/copy/fill,
 * masked_fill/select/scatter, take, put, x[indices], index_put,
 * scatter_reduce), written
 * with core's own ops: gather's backward is a scatter_add, which gathers
 * back, and so on, so double backward works.  The index (saved tensor 0)
 * never gets a gradient.
 */
#include "grad.h"
#include "internal.h"
#include "shapeint.h"

/* A zero of g's dtype, 0-d (what fills and masks write). */
static ag_tensor *zero_like(const ag_tensor *g)
{
	return ag_scalar(0, g->dtype);
}

/* g summed down to a shape it was broadcast from. */
static ag_tensor *sum_to(ag_tensor *g, const ag_shape *s)
{
	return ag_sum_to_size(g, s->size, s->ndim);
}

/* g where the mask is false, summed back to self's shape (which the mask
 * may have broadcast): self's gradient of masked_fill / masked_scatter. */
static ag_tensor *grad_unmasked(ag_tensor *g, ag_tensor *mask,
				const ag_shape *self)
{
	ag_tensor *f = ag_masked_fill(g, mask, 0);
	ag_tensor *r = f ? sum_to(f, self) : NULL;
	rel(f);
	return r;
}

int ag_gather_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *index = ag_node_saved(self, 0);
	ag_tensor *z = index ? ag_zeros(a->self.size, a->self.ndim, G(0)->dtype)
			     : NULL;

	out[0] = z ? ag_scatter_add(z, a->dim, index, G(0)) : NULL;
	rel(index); rel(z);
	return out[0] ? 0 : -1;
}

/* scatter: self's gradient where nothing was written; src's, gathered
 * from where it went. */
int ag_scatter_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *index = ag_node_saved(self, 0);
	int rc = -1;

	if (!index)
		return -1;
	if (NEED(0) && !(out[0] = ag_scatter_value(G(0), a->dim, index, 0)))
		goto done;
	if (self->n_next > 1 && NEED(1) &&
	    !(out[1] = ag_gather(G(0), a->dim, index)))
		goto done;
	rc = 0;
done:
	rel(index);
	return rc;
}

/* scatter(..., reduce=) has no derivative in PyTorch 1.13. */
int ag_not_implemented_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	AG_UNUSED(grads_in); AG_UNUSED(out);
	return ag_error(AG_ERR_RUNTIME, "derivative for aten::%s is not "
			"implemented", ag_op_name(self->op));
}

int ag_scatter_add_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);

	if (NEED(0)) {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	if (NEED(1)) {
		ag_tensor *index = ag_node_saved(self, 0);
		out[1] = index ? ag_gather(G(0), a->dim, index) : NULL;
		rel(index);
		if (!out[1])
			return -1;
	}
	return 0;
}

/* The source's gradient of index_add/index_copy: the rows it went to (a
 * 0-d source takes its one element back as 0-d). */
static ag_tensor *source_grad(ag_tensor *g, const ag_index_dim_args *a,
			      ag_tensor *index, double scale)
{
	ag_tensor *r = ag_index_select(g, a->dim, index);
	if (r && a->source.ndim != r->ndim) {
		ag_tensor *v = ag_reshape(r, a->source.size, a->source.ndim);
		rel(r);
		r = v;
	}
	if (r && scale != 1) {
		ag_tensor *m = ag_grad_mul_scalar(r, scale);
		rel(r);
		r = m;
	}
	return r;
}

int ag_index_add_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);

	if (NEED(0)) {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	if (NEED(1)) {
		ag_tensor *index = ag_node_saved(self, 0);
		out[1] = index ? source_grad(G(0), a, index, a->value) : NULL;
		rel(index);
		if (!out[1])
			return -1;
	}
	return 0;
}

int ag_index_copy_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *index = ag_node_saved(self, 0);
	int rc = -1;

	if (!index)
		return -1;
	if (NEED(0) && !(out[0] = ag_index_fill(G(0), a->dim, index, 0)))
		goto done;
	if (NEED(1) && !(out[1] = source_grad(G(0), a, index, 1)))
		goto done;
	rc = 0;
done:
	rel(index);
	return rc;
}

/* index_fill: nothing flows where the value went; a tensor value gets the
 * sum of the gradient there. */
int ag_index_fill_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *index = ag_node_saved(self, 0);
	int rc = -1;

	if (!index)
		return -1;
	if (NEED(0) && !(out[0] = ag_index_fill(G(0), a->dim, index, 0)))
		goto done;
	if (self->n_next > 1 && NEED(1)) {
		ag_tensor *s = ag_index_select(G(0), a->dim, index);
		out[1] = s ? ag_sum(s) : NULL;
		rel(s);
		if (!out[1])
			goto done;
	}
	rc = 0;
done:
	rel(index);
	return rc;
}

/* masked_fill: self's gradient where the mask is false (summed back to
 * self's shape, which the mask may have broadcast); a tensor value gets
 * the sum where it is true. */
int ag_masked_fill_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *mask = ag_node_saved(self, 0);
	int rc = -1;

	if (!mask)
		return -1;
	if (NEED(0) && !(out[0] = grad_unmasked(G(0), mask, &a->self)))
		goto done;
	if (self->n_next > 1 && NEED(1)) {
		ag_tensor *z = zero_like(G(0));
		ag_tensor *m = z ? ag_to_dtype(mask, AG_BOOL) : NULL;
		ag_tensor *w = m ? ag_where(m, G(0), z) : NULL;
		out[1] = w ? ag_sum(w) : NULL;
		rel(z); rel(m); rel(w);
		if (!out[1])
			goto done;
	}
	rc = 0;
done:
	rel(mask);
	return rc;
}

int ag_masked_select_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *mask = ag_node_saved(self, 0);
	int64_t shape[AG_MAX_DIMS];
	int n;

	if (!mask || ag_broadcast_shapes(a->self.size, a->self.ndim, mask->shape,
					 mask->ndim, shape, &n) < 0) {
		rel(mask);
		return -1;
	}
	ag_tensor *z = ag_zeros(shape, n, G(0)->dtype);
	ag_tensor *s = z ? ag_masked_scatter(z, mask, G(0)) : NULL;
	out[0] = s ? sum_to(s, &a->self) : NULL;
	rel(mask); rel(z); rel(s);
	return out[0] ? 0 : -1;
}

/* masked_scatter: self's gradient where the mask is false; the source's,
 * the masked elements in order, then zeros for what was not used. */
int ag_masked_scatter_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *mask = ag_node_saved(self, 0);
	int rc = -1;

	if (!mask)
		return -1;
	if (NEED(0) && !(out[0] = grad_unmasked(G(0), mask, &a->self)))
		goto done;
	if (NEED(1)) {
		int64_t total = 1;
		for (int i = 0; i < a->source.ndim; i++)
			total *= a->source.size[i];
		ag_tensor *sel = ag_masked_select(G(0), mask), *full = NULL;
		int64_t rest = sel ? total - ag_numel(sel) : 0;
		ag_tensor *pad = sel && rest > 0 ? ag_zeros(&rest, 1, G(0)->dtype)
						 : NULL;
		if (sel && rest > 0 && pad)
			full = ag_cat((ag_tensor *[]){ sel, pad }, 2, 0);
		else if (sel && rest <= 0)
			full = (ag_tensor_retain(sel), sel);
		out[1] = full ? ag_reshape(full, a->source.size, a->source.ndim)
			      : NULL;
		rel(sel); rel(pad); rel(full);
		if (!out[1])
			goto done;
	}
	rc = 0;
done:
	rel(mask);
	return rc;
}

int ag_take_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *index = ag_node_saved(self, 0);
	ag_tensor *z = index ? ag_zeros(a->self.size, a->self.ndim, G(0)->dtype)
			     : NULL;

	out[0] = z ? ag_put(z, index, G(0), true) : NULL;
	rel(index); rel(z);
	return out[0] ? 0 : -1;
}

int ag_put_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_index_dim_args *a = AG_ARGS(self, ag_index_dim_args);
	ag_tensor *index = ag_node_saved(self, 0);
	int rc = -1;

	if (!index)
		return -1;
	if (NEED(0)) {
		if (a->accumulate) {
			ag_tensor_retain(G(0));
			out[0] = G(0);
		} else {
			ag_tensor *z = ag_zeros(a->source.size, a->source.ndim,
						G(0)->dtype);
			out[0] = z ? ag_put(G(0), index, z, false) : NULL;
			rel(z);
		}
		if (!out[0])
			goto done;
	}
	if (NEED(1)) {
		ag_tensor *t = ag_take(G(0), index);
		out[1] = t ? ag_reshape(t, a->source.size, a->source.ndim) : NULL;
		rel(t);
		if (!out[1])
			goto done;
	}
	rc = 0;
done:
	rel(index);
	return rc;
}

/* x[indices]: the gradient put back where it was read, adding up where
 * an element was read twice (IndexPutImplBackward0). */
int ag_index_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_adv_index_args *a = AG_ARGS(self, ag_adv_index_args);
	ag_tensor *packed = ag_node_saved(self, 0);
	ag_tensor *z = packed ? ag_zeros(a->self.size, a->self.ndim, G(0)->dtype)
			      : NULL;

	out[0] = z ? ag_index_put_packed(z, packed, a, G(0), true, 1) : NULL;
	rel(packed); rel(z);
	return out[0] ? 0 : -1;
}

/* index_put: self's gradient where nothing was written (all of it when
 * accumulating); the values', read back from where they went. */
int ag_index_put_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_adv_index_args *a = AG_ARGS(self, ag_adv_index_args);
	ag_tensor *packed = ag_node_saved(self, 0);
	int rc = -1;

	if (!packed)
		return -1;
	if (NEED(0)) {
		if (a->accumulate) {
			ag_tensor_retain(G(0));
			out[0] = G(0);
		} else {
			ag_tensor *z = zero_like(G(0));
			out[0] = z ? ag_index_put_packed(G(0), packed, a, z, false, 0)
				   : NULL;
			rel(z);
		}
		if (!out[0])
			goto done;
	}
	if (NEED(1)) {
		ag_tensor *r = ag_index_packed(G(0), packed, a);
		out[1] = r ? sum_to(r, &a->values) : NULL;
		rel(r);
		if (!out[1])
			goto done;
	}
	rc = 0;
done:
	rel(packed);
	return rc;
}

/* ------------------------------------------------------ scatter_reduce */

/* a == b as 0/1 of dtype dt (a comparison has no gradient). */
static ag_tensor *equal_as(ag_tensor *a, ag_tensor *b, ag_dtype dt)
{
	ag_tensor *e = ag_binary(AG_OP_EQ, a, b);
	ag_tensor *r = e ? ag_to_dtype(e, dt) : NULL;
	rel(e);
	return r;
}

/* t == v (a number) as a bool mask. */
static ag_tensor *equal_to(ag_tensor *t, double v)
{
	ag_tensor *s = ag_scalar(v, t->dtype);
	ag_tensor *r = s ? ag_binary(AG_OP_EQ, t, s) : NULL;
	rel(s);
	return r;
}

/* PyTorch 1.13's scatter_reduce_backward: sum and mean share the gradient
 * out (by the count for mean), amax/amin share it among the elements that
 * equal the result, prod divides the result by each factor (zeros taken
 * apart); without include_self, self gets nothing where something landed.
 * Saved: index, self, src, result. */
/* Hands scatter_reduce's two gradients (owned) to the edges that need them. */
static int sr_out(ag_node *self, ag_tensor **out, ag_tensor *gs, ag_tensor *gsrc)
{
	if (NEED(0)) {
		out[0] = gs;
		gs = NULL;
	}
	if (NEED(1)) {
		out[1] = gsrc;
		gsrc = NULL;
	}
	rel(gs); rel(gsrc);
	return 0;
}

static int sr_grads(const ag_scatter_reduce_args *a, const ag_shape *source,
		    ag_tensor *g, ag_tensor *index, ag_tensor *x, ag_tensor *src,
		    ag_tensor *res, ag_tensor **pgs, ag_tensor **pgsrc)
{
	ag_tensor *gs = NULL, *gsrc = NULL;
	ag_dtype dt = g->dtype;
	int d = a->dim;

	switch (a->reduce) {
	case AG_SR_SUM:
		ag_tensor_retain(g);
		gs = g;
		gsrc = ag_gather(g, d, index);
		break;
	case AG_SR_MEAN: {
		ag_tensor *n0 = a->include_self ? ag_ones_like(g) : ag_zeros_like(g);
		ag_tensor *one = n0 ? ag_ones(source->size, source->ndim, dt) : NULL;
		ag_tensor *n1 = one ? ag_scatter_add(n0, d, index, one) : NULL;
		ag_tensor *empty = n1 ? equal_to(n1, 0) : NULL;
		ag_tensor *n = empty ? ag_masked_fill(n1, empty, 1) : NULL;
		ag_tensor *gg = n ? ag_gather(g, d, index) : NULL;
		ag_tensor *ng = gg ? ag_gather(n, d, index) : NULL;
		gs = ng ? ag_div(g, n) : NULL;
		gsrc = gs ? ag_div(gg, ng) : NULL;
		rel(n0); rel(one); rel(n1); rel(empty); rel(n); rel(gg); rel(ng);
		break;
	}
	case AG_SR_AMAX:
	case AG_SR_AMIN: {
		ag_tensor *value = ag_gather(res, d, index);
		ag_tensor *self_is = value ? equal_as(x, res, dt) : NULL;
		ag_tensor *src_is = self_is ? equal_as(src, value, dt) : NULL;
		ag_tensor *n = src_is ? ag_scatter_add(self_is, d, index, src_is) : NULL;
		ag_tensor *gd = n ? ag_div(g, n) : NULL;
		ag_tensor *gdg = gd ? ag_gather(gd, d, index) : NULL;
		gs = gdg ? ag_mul(self_is, gd) : NULL;
		gsrc = gs ? ag_mul(src_is, gdg) : NULL;
		rel(value); rel(self_is); rel(src_is); rel(n); rel(gd); rel(gdg);
		break;
	}
	case AG_SR_PROD: {
		/* self's zeros: the product of the others, from self with
		 * its zeros made ones */
		ag_tensor *xz = equal_to(x, 0);
		ag_tensor *mx = xz ? ag_masked_fill(x, xz, 1) : NULL;
		ag_tensor *mxr = mx ? ag_scatter_reduce_two(mx, d, index, src,
				AG_SR_PROD, a->include_self) : NULL;
		ag_tensor *gm = mxr ? ag_mul(g, mxr) : NULL;
		gs = gm ? ag_div(gm, mx) : NULL;
		/* src's: a zero alone at its place gets the product of the
		 * others; other elements result / themselves */
		ag_tensor *sz = gs ? equal_to(src, 0) : NULL;
		ag_tensor *szf = sz ? ag_to_dtype(sz, dt) : NULL;
		ag_tensor *z = szf ? ag_zeros_like(x) : NULL;
		ag_tensor *nz = z ? ag_scatter_add(z, d, index, szf) : NULL;
		ag_tensor *nzs = nz ? ag_gather(nz, d, index) : NULL;
		ag_tensor *single = NULL;
		if (nzs) {
			ag_tensor *s1 = ag_scalar(1, dt);
			ag_tensor *is1 = s1 ? equal_as(nzs, s1, dt) : NULL;
			ag_tensor *prod = is1 ? ag_mul(is1, szf) : NULL;
			single = prod ? equal_to(prod, 1) : NULL;
			rel(s1); rel(is1); rel(prod);
		}
		ag_tensor *ms = single ? ag_masked_fill(src, single, 1) : NULL;
		ag_tensor *msr = ms ? ag_scatter_reduce_two(x, d, index, ms,
				AG_SR_PROD, a->include_self) : NULL;
		ag_tensor *g1 = msr ? ag_mul(g, msr) : NULL;
		ag_tensor *g1g = g1 ? ag_gather(g1, d, index) : NULL;
		ag_tensor *g2 = g1g ? ag_mul(g, res) : NULL;
		ag_tensor *g2g = g2 ? ag_gather(g2, d, index) : NULL;
		ag_tensor *s0 = g2g ? ag_masked_fill(src, sz, 1) : NULL;
		ag_tensor *g2d = s0 ? ag_div(g2g, s0) : NULL;
		gsrc = g2d ? ag_where(single, g1g, g2d) : NULL;
		rel(xz); rel(mx); rel(mxr); rel(gm); rel(sz); rel(szf); rel(z);
		rel(nz); rel(nzs); rel(single); rel(ms); rel(msr);
		rel(g1); rel(g1g); rel(g2); rel(g2g); rel(s0); rel(g2d);
		break;
	}
	default:
		break;
	}
	if (!gs || !gsrc)
		goto fail;
	if (!a->include_self) {
		ag_tensor *z = ag_scatter_value(gs, d, index, 0);
		rel(gs);
		gs = z;
		if (!gs)
			goto fail;
	}
	*pgs = gs;
	*pgsrc = gsrc;
	return 0;
fail:
	rel(gs); rel(gsrc);
	return -1;
}

int ag_scatter_reduce_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_scatter_reduce_args *a = AG_ARGS(self, ag_scatter_reduce_args);
	ag_tensor *gs = NULL, *gsrc = NULL;
	ag_tensor *index = ag_node_saved(self, 0), *x = ag_node_saved(self, 1);
	ag_tensor *src = ag_node_saved(self, 2), *res = ag_node_saved(self, 3);
	int rc = -1;

	if (index && x && src && res &&
	    sr_grads(a, &a->source, G(0), index, x, src, res, &gs, &gsrc) == 0)
		rc = sr_out(self, out, gs, gsrc);
	rel(index); rel(x); rel(src); rel(res);
	return rc;
}

/* index_reduce: scatter_reduce's gradients over the index spread across
 * the source's shape, a 0-d self or source taken as 1-d of one element
 * (PyTorch 1.13's index_reduce_backward is the same formula).  Saved:
 * index, self, source, result. */
int ag_index_reduce_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_scatter_reduce_args *a = AG_ARGS(self, ag_scatter_reduce_args);
	ag_tensor *index = ag_node_saved(self, 0), *x = ag_node_saved(self, 1);
	ag_tensor *src = ag_node_saved(self, 2), *res = ag_node_saved(self, 3);
	ag_tensor *g1 = NULL, *x1 = NULL, *r1 = NULL, *s1 = NULL, *ix = NULL;
	ag_tensor *gs = NULL, *gsrc = NULL, *gs1 = NULL, *gsrc1 = NULL;
	int64_t one = 1;
	int rc = -1;

	if (!index || !x || !src || !res)
		goto done;
	bool flat = a->self.ndim == 0, sflat = a->source.ndim == 0;
	g1 = flat ? ag_reshape(G(0), &one, 1) : (ag_tensor_retain(G(0)), G(0));
	x1 = flat ? ag_reshape(x, &one, 1) : (ag_tensor_retain(x), x);
	r1 = flat ? ag_reshape(res, &one, 1) : (ag_tensor_retain(res), res);
	s1 = sflat ? ag_reshape(src, &one, 1) : (ag_tensor_retain(src), src);
	ag_tensor *idx = index->ndim ? index : NULL;
	ag_tensor *i1 = idx ? (ag_tensor_retain(idx), idx) : ag_reshape(index, &one, 1);
	ag_tensor *idense = i1 ? ag_dense(i1) : NULL;
	rel(i1);
	ix = idense && s1 ? ag_index_spread(idense, s1, a->dim) : NULL;
	rel(idense);
	if (!g1 || !x1 || !r1 || !s1 || !ix)
		goto done;
	ag_shape source = ag_shape_of(s1);
	if (sr_grads(a, &source, g1, ix, x1, s1, r1, &gs1, &gsrc1) < 0)
		goto done;
	gs = flat ? ag_reshape(gs1, a->self.size, 0) : (ag_tensor_retain(gs1), gs1);
	gsrc = sflat ? ag_reshape(gsrc1, a->source.size, 0)
		     : (ag_tensor_retain(gsrc1), gsrc1);
	if (gs && gsrc) {
		rc = sr_out(self, out, gs, gsrc);
		gs = gsrc = NULL;
	}
done:
	rel(gs); rel(gsrc); rel(gs1); rel(gsrc1); rel(g1); rel(x1); rel(r1);
	rel(s1); rel(ix); rel(index); rel(x); rel(src); rel(res);
	return rc;
}
