/*
 * viewgrad.c - gradients that depend on where a view sits in memory:
 * slice/select/as_strided backward, writes through views (CopySlices), and
 * the grad_fn of views whose base was modified in place.
 *
 * All of them move values between two geometries (shape, strides, offset)
 * over one storage: "restride" lays src out at one geometry in a scratch
 * buffer covering both, summing where elements alias, and reads it back at
 * the other.
 */
#include "internal.h"
#include "autograd.h"
#include "derivatives.h"

#include <stdio.h>

typedef struct ag_geometry geom;

static void geom_of(geom *g, const ag_tensor *t)
{
	g->ndim = t->ndim;
	memcpy(g->shape, t->shape, sizeof t->shape);
	memcpy(g->stride, t->stride, sizeof t->stride);
	g->offset = t->offset;
}

void ag_view_geometry_save(ag_node *n, const ag_tensor *in, const ag_tensor *view)
{
	geom_of(&n->geom_in, in);
	geom_of(&n->geom_view, view);
}

static int64_t geom_numel(const geom *g)
{
	int64_t n = 1;
	for (int i = 0; i < g->ndim; i++)
		n *= g->shape[i];
	return n;
}

static void geom_extent(const geom *g, int64_t *lo, int64_t *hi)
{
	int64_t a = g->offset, b = g->offset;
	for (int i = 0; i < g->ndim; i++) {
		int64_t span = (g->shape[i] - 1) * g->stride[i];
		if (span < 0)
			a += span;
		else
			b += span;
	}
	*lo = a;
	*hi = b;
}

/* Visits every element of geometry g in logical order: calls fn with the
 * element's position in the storage and its logical index. */
static void geom_walk(const geom *g, void (*fn)(int64_t pos, int64_t i, void *),
		      void *ctx)
{
	int64_t idx[AG_MAX_DIMS] = { 0 }, n = geom_numel(g), pos = g->offset;
	for (int64_t i = 0; i < n; i++) {
		fn(pos, i, ctx);
		/* only ever step to a position of the geometry: a size-1 dim
		 * may carry a stride near INT64_MAX */
		for (int d = g->ndim - 1; d >= 0; d--) {
			if (++idx[d] < g->shape[d]) {
				pos += g->stride[d];
				break;
			}
			pos -= g->stride[d] * (g->shape[d] - 1);
			idx[d] = 0;
		}
	}
}

struct walk_ctx {
	double *buf;
	int64_t base;
	const char *src;	/* contiguous source */
	char *dst;		/* contiguous destination */
	ag_dtype dt;
	size_t es;
};

static void scatter_add_one(int64_t pos, int64_t i, void *p)
{
	struct walk_ctx *c = p;
	c->buf[pos - c->base] += ag_load(c->src + (size_t)i * c->es, c->dt);
}

static void gather_one(int64_t pos, int64_t i, void *p)
{
	struct walk_ctx *c = p;
	ag_store(c->dst + (size_t)i * c->es, c->dt, c->buf[pos - c->base]);
}

/* Could two elements of g share a storage position?  False only when, with
 * the dims of size > 1 sorted by stride, each stride passes the reach of
 * the dims below it (the usual layouts): then no count is needed. */
static bool geom_may_overlap(const geom *g)
{
	int64_t st[AG_MAX_DIMS], sz[AG_MAX_DIMS], reach = 0;
	int n = 0;

	for (int i = 0; i < g->ndim; i++) {
		if (g->shape[i] == 0)
			return false;
		if (g->shape[i] == 1)
			continue;
		int64_t a = g->stride[i] < 0 ? -g->stride[i] : g->stride[i];
		int j = n++;
		for (; j > 0 && st[j - 1] > a; j--) {
			st[j] = st[j - 1];
			sz[j] = sz[j - 1];
		}
		st[j] = a;
		sz[j] = g->shape[i];
	}
	for (int i = 0; i < n; i++) {
		if (st[i] <= reach)
			return true;
		reach += st[i] * (sz[i] - 1);
	}
	return false;
}

static void count_one(int64_t pos, int64_t i, void *p)
{
	struct walk_ctx *c = p;
	(void)i;
	c->buf[pos - c->base] += 1;
}

/* src (shaped like `from`) placed at `from`, read back at `to`.  With
 * divide_by set, each storage position is first divided by how many
 * elements of that geometry share it -- PyTorch's as_strided_backward for
 * an input that overlaps itself: the grads of the aliases then add up to
 * the position's gradient once, instead of once per alias. */
static ag_tensor *restride_raw(ag_tensor *src, const geom *from, const geom *to,
			       const geom *divide_by)
{
	int64_t lo1, hi1, lo2, hi2;
	ag_tensor *out = ag_zeros(to->shape, to->ndim, src->dtype);
	if (!out)
		return NULL;
	if (geom_numel(from) == 0 || geom_numel(to) == 0)
		return out;
	geom_extent(from, &lo1, &hi1);
	geom_extent(to, &lo2, &hi2);
	int64_t lo = lo1 < lo2 ? lo1 : lo2, hi = hi1 > hi2 ? hi1 : hi2;
	double *buf = calloc((size_t)(hi - lo + 1), sizeof *buf);
	ag_tensor *c = ag_contiguous(src);
	if (!buf || !c) {
		free(buf);
		ag_tensor_release(c);
		ag_tensor_release(out);
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	struct walk_ctx ctx = {
		.buf = buf, .base = lo, .src = ag_data_ptr(c), .dst = ag_data_ptr(out),
		.dt = src->dtype, .es = ag_dtype_size(src->dtype),
	};
	geom_walk(from, scatter_add_one, &ctx);
	if (divide_by && geom_may_overlap(divide_by)) {
		int64_t dlo, dhi;
		geom_extent(divide_by, &dlo, &dhi);
		/* divide_by is `from` or `to`: inside [lo, hi] */
		double *count = calloc((size_t)(hi - lo + 1), sizeof *count);
		if (!count) {
			free(buf);
			ag_tensor_release(c);
			ag_tensor_release(out);
			ag_error(AG_ERR_NOMEM, "out of memory");
			return NULL;
		}
		struct walk_ctx cc = ctx;
		cc.buf = count;
		geom_walk(divide_by, count_one, &cc);
		for (int64_t k = 0; k <= hi - lo; k++)
			if (count[k] > 1)
				buf[k] /= count[k];
		free(count);
	}
	geom_walk(to, gather_one, &ctx);
	free(buf);
	ag_tensor_release(c);
	return out;
}

/* The recorded form: differentiable, its backward the reverse move. */
static const char *const embed_names[][2] = {
	{ "SliceBackward0", "SliceBackwardBackward0" },
	{ "SelectBackward0", "SelectBackwardBackward0" },
	{ "AsStridedBackward0", "AsStridedBackwardBackward0" },
};

static ag_tensor *restride(ag_tensor *src, const geom *from, const geom *to,
			   bool divide_by_to, const char *name,
			   const char *reverse_name);

/* The adjoint of "scatter at A, divide by C's counts, gather at B" is
 * "scatter at B, divide by C's counts, gather at A": the counted geometry
 * stays the same one, so ints[0] says which of the node's two it is. */
static int restride_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = restride(grads_in[0], &self->geom_view, &self->geom_in,
			  self->ints[0] == 0, self->name,
			  (const char *)self->user);
	return out[0] ? 0 : -1;
}

/* name: of the node recording this move; reverse_name: of the node its
 * own backward records.  geom_in of the node = to, geom_view = from, so
 * the backward moves from `to` back to `from`. */
static ag_tensor *restride(ag_tensor *src, const geom *from, const geom *to,
			   bool divide_by_to, const char *name,
			   const char *reverse_name)
{
	ag_tensor *out = restride_raw(src, from, to, divide_by_to ? to : from);
	if (!out || !ag_ad_needed(&src, 1))
		return out;
	ag_node *n = ag_node_new(reverse_name, restride_bw, 1);
	if (!n || ag_node_set_next(n, &src, 1) < 0) {
		ag_node_release(n);
		ag_tensor_release(out);
		return NULL;
	}
	/* the backward of this node moves from `to` to `from` */
	n->geom_view = *to;
	n->geom_in = *from;
	n->ints[0] = divide_by_to;	/* 1: counts of geom_view, 0: geom_in */
	n->nints = 1;
	n->user = (void *)name;	/* static string, not freed */
	ag_set_history(out, n, 0);
	ag_trace_op("restride", &src, 1, &out, 1, n, false);
	ag_node_release(n);
	return out;
}

ag_tensor *ag_embed_view_grad(ag_tensor *g, ag_node *n)
{
	const char *rev = "AsStridedBackwardBackward0";
	for (size_t i = 0; i < sizeof embed_names / sizeof *embed_names; i++)
		if (strcmp(n->name, embed_names[i][0]) == 0)
			rev = embed_names[i][1];
	return restride(g, &n->geom_view, &n->geom_in, true, n->name, rev);
}

/* ------------------------------------------------ scatter / index_add */

/* Zeros of `shape` with each element of g added at its own position, except
 * along dim, where the position comes from index: one index per element of
 * g (per_element: max/min(dim) backward, index shaped like g) or one per
 * slice of g along dim (index_select backward, a 1-d index). */
static ag_tensor *add_along(ag_tensor *g, int dim, ag_tensor *index,
			    const int64_t *shape, int ndim, bool per_element)
{
	ag_tensor *out = ag_zeros(shape, ndim, g->dtype);
	ag_tensor *gc = out ? ag_contiguous(g) : NULL;
	ag_tensor *ic = gc ? ag_contiguous(index) : NULL;
	if (!ic) {
		ag_tensor_release(out);
		ag_tensor_release(gc);
		return NULL;
	}
	int64_t n = ag_numel(gc), idx[AG_MAX_DIMS] = { 0 };
	const char *gp = ag_data_ptr(gc);
	const int64_t *ip = ag_data_ptr(ic);
	char *op = ag_data_ptr(out);
	size_t es = ag_dtype_size(g->dtype);
	for (int64_t i = 0; i < n; i++) {
		int64_t pos = 0;
		for (int d = 0; d < ndim; d++) {
			int64_t k = idx[d];
			if (d == dim) {
				k = ip[per_element ? i : idx[d]];
				if (k < 0)
					k += shape[d];
			}
			pos += k * out->stride[d];
		}
		ag_store(op + (size_t)pos * es, g->dtype,
			 ag_load(op + (size_t)pos * es, g->dtype) +
			 ag_load(gp + (size_t)i * es, g->dtype));
		for (int d = gc->ndim - 1; d >= 0; d--) {
			if (++idx[d] < gc->shape[d])
				break;
			idx[d] = 0;
		}
	}
	ag_tensor_release(gc);
	ag_tensor_release(ic);
	return out;
}

ag_tensor *ag_scatter_along(ag_tensor *g, ag_tensor *index, int dim,
			    const int64_t *shape, int ndim)
{
	return add_along(g, dim, index, shape, ndim, true);
}

ag_tensor *ag_index_add_zeros(ag_tensor *g, int dim, ag_tensor *index,
			      const int64_t *shape, int ndim)
{
	return add_along(g, dim, index, shape, ndim, false);
}

/* ------------------------------------------- views and in-place writes */

/* AsStridedBackward0 from base to view: the grad_fn of a view whose base
 * changed history. */
static int as_strided_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_embed_view_grad(grads_in[0], self);
	return out[0] ? 0 : -1;
}

static ag_node *view_node_from_base(ag_tensor *view, ag_tensor *base)
{
	ag_node *n = ag_node_new("AsStridedBackward0", as_strided_bw, 1);
	if (!n || ag_node_set_next(n, &base, 1) < 0) {
		ag_node_release(n);
		return NULL;
	}
	ag_view_geometry_save(n, base, view);
	n->indim = base->ndim;
	memcpy(n->ishape, base->shape, sizeof base->shape);
	return n;
}

ag_node *ag_grad_fn(ag_tensor *t)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (m && m->diff_view && t->base && ag_requires_grad(t->base) &&
	    m->attr_version != t->version->value) {
		ag_node *n = view_node_from_base(t, t->base);
		if (n) {
			ag_set_history(t, n, 0);
			ag_node_release(n);
		}
	}
	return t->grad_fn;
}

/* g (at geometry `in`) with the region covered by `view` replaced by
 * region: g * (1 - covered) + region placed at the view.  Written with
 * recorded ops so create_graph differentiates through it. */
static ag_tensor *overwrite_region(ag_tensor *g, ag_tensor *region,
				   const geom *in, const geom *view)
{
	ag_tensor *ones = ag_ones(view->shape, view->ndim, g->dtype);
	ag_tensor *cover = ones ? restride_raw(ones, view, in, NULL) : NULL;
	ag_tensor *zero = cover ? ag_scalar(0, g->dtype) : NULL;
	ag_tensor *hit = zero ? ag_binary(AG_NE, cover, zero) : NULL;
	ag_tensor *emb = hit ? restride(region, view, in, true,
					"AsStridedBackward0",
					"AsStridedBackwardBackward0") : NULL;
	ag_tensor *gc = emb ? ag_contiguous(g) : NULL;
	ag_tensor *kept = gc ? ag_where(hit, zero, gc) : NULL;
	ag_tensor *r = kept ? ag_add(kept, emb) : NULL;
	ag_tensor_release(ones);
	ag_tensor_release(cover);
	ag_tensor_release(zero);
	ag_tensor_release(hit);
	ag_tensor_release(emb);
	ag_tensor_release(gc);
	ag_tensor_release(kept);
	return r;
}

/* CopySlices: the base's gradient, with the in-place op's backward applied
 * to the region the view covers. */
static int copy_slices_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_node *fn = self->inner;
	ag_tensor *g = grads_in[0];
	ag_tensor *slice = NULL, *res_in[1] = { NULL };
	ag_tensor **res = calloc((size_t)(fn->n_next ? fn->n_next : 1), sizeof *res);
	ag_tensor *result = NULL, *zero = NULL;
	int rc = -1;

	if (!res)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	/* the gradient arriving for the view's region */
	slice = restride_raw(g, &self->geom_in, &self->geom_view, NULL);
	if (!slice)
		goto done;
	res_in[0] = slice;
	if (fn->apply(fn, res_in, res) < 0)
		goto done;
	/* base gradient: g outside the view, fn's input-0 gradient inside */
	if (res[0]) {
		ag_tensor *r0 = ag_sum_to_size(res[0], self->geom_view.shape,
					       self->geom_view.ndim);
		if (!r0)
			goto done;
		ag_tensor_release(res[0]);
		res[0] = r0;
	} else {
		zero = ag_zeros(self->geom_view.shape, self->geom_view.ndim, g->dtype);
		if (!zero)
			goto done;
	}
	result = overwrite_region(g, res[0] ? res[0] : zero, &self->geom_in,
				     &self->geom_view);
	if (!result)
		goto done;
	out[0] = result;
	for (int i = 1; i < fn->n_next && i < self->n_next; i++) {
		out[i] = res[i];
		res[i] = NULL;
	}
	rc = 0;
done:
	for (int i = 0; i < fn->n_next; i++)
		ag_tensor_release(res[i]);
	free(res);
	ag_tensor_release(slice);
	ag_tensor_release(zero);
	return rc;
}

int ag_rebase_history(ag_tensor *self, ag_node *node)
{
	ag_tensor *base = self->base;
	if (!base) {
		ag_set_history(self, node, 0);
		return 0;
	}
	/* through a view: the base's history becomes CopySlices */
	ag_node *cs = ag_node_new("CopySlices", copy_slices_bw, 1);
	if (!cs)
		return -1;
	cs->next = calloc((size_t)(node->n_next ? node->n_next : 1), sizeof *cs->next);
	if (!cs->next) {
		ag_node_release(cs);
		return ag_error(AG_ERR_NOMEM, "out of memory");
	}
	cs->n_next = node->n_next ? node->n_next : 1;
	cs->next[0] = ag_gradient_edge(base);
	for (int i = 1; i < node->n_next; i++) {
		cs->next[i] = node->next[i];
		ag_node_retain(cs->next[i].fn);
	}
	ag_node_retain(node);
	cs->inner = node;
	ag_view_geometry_save(cs, base, self);
	ag_set_history(base, cs, 0);
	ag_node_release(cs);

	ag_node *vn = view_node_from_base(self, base);
	if (!vn)
		return -1;
	ag_set_history(self, vn, 0);
	ag_node_release(vn);
	ag_autograd_meta *m = ag_autograd_meta_of(self, true);
	if (m)
		m->diff_view = true;
	return 0;
}

int ag_detach_(ag_tensor *t)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (t->base && m && m->diff_view)
		return ag_error(AG_ERR_RUNTIME, "Can't detach views in-place. Use "
				"detach() instead. If you are using "
				"DistributedDataParallel (DDP) for training, and "
				"gradient_as_bucket_view is set as True, gradients "
				"are views of DDP buckets, and hence detach_() cannot "
				"be called on these gradients. To fix this error, "
				"please refer to the Optimizer.zero_grad() function "
				"in torch/optim/optimizer.py as the solution.");
	if (t->grad_fn) {
		ag_node_release(t->grad_fn);
		t->grad_fn = NULL;
	}
	t->requires_grad = false;
	t->output_nr = 0;
	ag_trace_op("detach_", &t, 1, &t, 1, NULL, true);
	return 0;
}
