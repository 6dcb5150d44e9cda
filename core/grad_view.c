/*
 * grad_view.c - backward formulas of views, copies, fills, joins and
 * index_select, and the moves between two geometries of one storage that
 * slice/select/as_strided and writes through views (CopySlices) need.
 *
 * A "move" lays src out at one geometry in a scratch buffer covering both,
 * summing where elements alias, and reads it back at the other.
 */
#include "grad.h"

/* ------------------------------------------------------------- reshapes */

int ag_reshape_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_shape *in = AG_ARGS(self, ag_shape);
	out[0] = ag_reshape(G(0), in->size, in->ndim);
	return out[0] ? 0 : -1;
}

int ag_transpose_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_transpose_args *a = AG_ARGS(self, ag_transpose_args);
	out[0] = ag_transpose(G(0), a->dim0, a->dim1);
	return out[0] ? 0 : -1;
}

int ag_t_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_t(G(0));
	return out[0] ? 0 : -1;
}

int ag_permute_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_permute_args *a = AG_ARGS(self, ag_permute_args);
	int inv[AG_MAX_DIMS];
	for (int i = 0; i < a->ndims; i++)
		inv[a->dims[i]] = i;
	out[0] = ag_permute(G(0), inv, a->ndims);
	return out[0] ? 0 : -1;
}

int ag_expand_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_shape *in = AG_ARGS(self, ag_shape);
	out[0] = ag_sum_to_size(G(0), in->size, in->ndim);
	return out[0] ? 0 : -1;
}

int ag_unsqueeze_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_squeeze_dim(G(0), AG_ARGS(self, ag_dim_args)->dim);
	return out[0] ? 0 : -1;
}

int ag_squeeze_dim_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_dim_args *a = AG_ARGS(self, ag_dim_args);
	int d = a->dim;
	if (a->in.ndim > 0 && a->in.size[d] == 1 && G(0)->ndim < a->in.ndim) {
		out[0] = ag_unsqueeze(G(0), d);
	} else {
		ag_tensor_retain(G(0));
		out[0] = G(0);
	}
	return out[0] ? 0 : -1;
}

/* alias, clone: the gradient passes through. */
int ag_identity_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_tensor_retain(G(0));
	out[0] = G(0);
	return 0;
}

int ag_to_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_to_dtype(G(0), AG_ARGS(self, ag_to_args)->from);
	return out[0] ? 0 : -1;
}

/* copy_: self's old values do not matter (no gradient); src's gradient is
 * the incoming one, summed and converted back by the engine. */
int ag_copy_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	if (NEED(1)) {
		ag_tensor_retain(G(0));
		out[1] = G(0);
	}
	return 0;
}

/* fill_, zero_: the old values are gone, so no gradient flows. */
int ag_zero_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	AG_UNUSED(self); AG_UNUSED(grads_in); AG_UNUSED(out);
	return 0;
}

/* ---------------------------------------------------- cat, stack, index */

int ag_cat_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_cat_args *a = AG_ARGS(self, ag_cat_args);
	int64_t off = 0;
	for (int i = 0; i < a->n; i++) {
		int64_t len = a->sizes[i];
		if (len < 0)
			continue;
		if (NEED(i) && !(out[i] = ag_narrow(G(0), a->dim, off, len)))
			return -1;
		off += len;
	}
	return 0;
}

int ag_stack_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int dim = AG_ARGS(self, ag_dim_args)->dim;
	for (int i = 0; i < self->n_next; i++)
		if (NEED(i) && !(out[i] = ag_select(G(0), dim, i)))
			return -1;
	return 0;
}

int ag_index_select_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_dim_args *a = AG_ARGS(self, ag_dim_args);
	ag_tensor *index = ag_node_saved(self, 0);
	if (!index)
		return -1;
	/* zeros with the gradient added back at the rows it came from, as
	 * index_add, so that it is differentiable in its turn */
	ag_tensor *z = ag_zeros(a->in.size, a->in.ndim, G(0)->dtype);
	out[0] = z ? ag_index_add(z, a->dim, index, G(0), 1) : NULL;
	rel(index);
	rel(z);
	return out[0] ? 0 : -1;
}

/* ------------------------------------------------- moves between views */

static int64_t geom_numel(const ag_geometry *g)
{
	int64_t n = 1;
	for (int i = 0; i < g->ndim; i++)
		n *= g->shape[i];
	return n;
}

static void geom_extent(const ag_geometry *g, int64_t *lo, int64_t *hi)
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
static void geom_walk(const ag_geometry *g,
		      void (*fn)(int64_t pos, int64_t i, void *), void *ctx)
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
static bool geom_may_overlap(const ag_geometry *g)
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
	AG_UNUSED(i);
	c->buf[pos - c->base] += 1;
}

/* With divide_by set (the geometry of `from` or `to`), each storage
 * position is divided by how many elements of that geometry share it
 * before the read-back -- PyTorch's as_strided_backward for an input that
 * overlaps itself: the grads of the aliases then add up to the position's
 * gradient once, instead of once per alias. */
ag_tensor *ag_grad_move(ag_tensor *src, const ag_geometry *from,
			const ag_geometry *to, const ag_geometry *divide_by)
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

/* The op whose node records the move back: a view op's backward is
 * recorded as its *_BACKWARD op, whose own backward is the view op again. */
static ag_op partner(ag_op op)
{
	switch (op) {
	case AG_OP_SLICE: return AG_OP_SLICE_BACKWARD;
	case AG_OP_SELECT: return AG_OP_SELECT_BACKWARD;
	case AG_OP_SLICE_BACKWARD: return AG_OP_SLICE;
	case AG_OP_SELECT_BACKWARD: return AG_OP_SELECT;
	case AG_OP_AS_STRIDED_BACKWARD: return AG_OP_AS_STRIDED;
	default: return AG_OP_AS_STRIDED_BACKWARD;
	}
}

/* (declared in grad.h) */
ag_tensor *ag_grad_move_recorded(ag_tensor *src, const ag_strided_args *g,
				 bool to_view, ag_op op)
{
	ag_tensor *out = to_view ? ag_grad_move(src, &g->in, &g->view, &g->in)
				 : ag_grad_move(src, &g->view, &g->in, &g->in);
	if (!out || !ag_record_needed(op, &src, 1))
		return out;
	return ag_recorded(out, (ag_call){ .op = op, .in = &src, .nin = 1,
		.args = g, .args_size = sizeof *g });
}

/* slice, select, as_strided: the gradient lands in zeros of the input's
 * geometry, at the view's place. */
int ag_strided_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_grad_move_recorded(G(0), AG_ARGS(self, ag_strided_args),
				       false, partner(self->op));
	return out[0] ? 0 : -1;
}

/* The backward of that move: the region of the input the view covers. */
int ag_restride_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_grad_move_recorded(G(0), AG_ARGS(self, ag_strided_args),
				       true, partner(self->op));
	return out[0] ? 0 : -1;
}

ag_tensor *ag_grad_overwrite_region(ag_tensor *g, ag_tensor *region,
				    const ag_strided_args *geo)
{
	ag_tensor *ones = ag_ones(geo->view.shape, geo->view.ndim, g->dtype);
	ag_tensor *cover = ones ? ag_grad_move(ones, &geo->view, &geo->in, NULL) : NULL;
	ag_tensor *zero = cover ? ag_scalar(0, g->dtype) : NULL;
	ag_tensor *hit = zero ? ag_binary(AG_OP_NE, cover, zero) : NULL;
	ag_tensor *emb = hit ? ag_grad_move_recorded(region, geo, false,
						     AG_OP_AS_STRIDED_BACKWARD) : NULL;
	ag_tensor *gc = emb ? ag_contiguous(g) : NULL;
	ag_tensor *kept = gc ? ag_where(hit, zero, gc) : NULL;
	ag_tensor *r = kept ? ag_add(kept, emb) : NULL;
	rel(ones); rel(cover); rel(zero); rel(hit); rel(emb); rel(gc); rel(kept);
	return r;
}
