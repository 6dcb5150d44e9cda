/*
 * grad_forward.c - forward-mode AD: dual levels, make_dual/unpack_dual,
 * and the tangent formula of every op, one table keyed by the op id.
 *
 * When an op records (record.c) while a dual level is open and one of its
 * inputs has a tangent, ag_fw_record computes its outputs' tangents with
 * the op's entry below.  The formulas are written with core's own ops, so
 * a tangent has a reverse-mode history like any result.  Three generic
 * formulas serve whole families, as PyTorch's derivatives.yaml does with
 * auto_element_wise and auto_linear:
 *  - pointwise: the Jacobian is diagonal, so the tangent is the op's own
 *    backward formula applied to each input's tangent, summed;
 *  - reductions whose outputs each fold a disjoint group of inputs (sum,
 *    prod, amax, var, logsumexp, norm, ...): the backward of a gradient of
 *    ones gives each input's partial derivative; times the tangent, summed
 *    over the same dims;
 *  - views: the same view of the input's tangent (laid out like the input,
 *    so an as_strided of it), which keeps a view's tangent a view of its
 *    base's.
 *  - values picked along a dim with their indices (max(dim), sort, topk,
 *    ...): the tangent gathered at the indices.
 * The others (cat, stack, cumsum, softmax, products, copies) have their own.
 *
 * Adding an op: give it a line in FW_TABLE below (the _Static_assert counts
 * the lines against ops.def, and -Woverride-init catches a line twice), with
 * `none` when it has no tangent formula: a dual input then raises PyTorch's
 * "not implemented for forward AD" error naming the op.
 */
#include "forward.h"
#include "grad.h"
#include "opargs_shape.h"
#include "ag_spatial.h"

#include <stdlib.h>
#include <string.h>

typedef struct fw_ctx {
	const ag_call *c;
	const ag_opinfo *info;
	ag_tensor **in;		/* the primals (in-place: self before the write) */
	ag_tensor **tin;	/* their tangents, NULL for none (zero) */
	ag_tensor **tout;	/* out: a tangent per output, or NULL */
} fw_ctx;

typedef int (*fw_fn)(fw_ctx *x);

static int level = -1;		/* the open dual level */
static int busy;		/* inside a formula: its ops propagate nothing */

/* ------------------------------------------------------------- tangents */

static ag_tensor *own_tangent(const ag_tensor *t)
{
	const ag_autograd_meta *m = t->autograd_extra;
	return m ? m->fw_tangent : NULL;
}

/* t's tangent, borrowed: its own, or (a differentiable view) the same view
 * of its base's tangent, made on first use and kept. */
static ag_tensor *tangent_of(ag_tensor *t)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (level < 0 || !m)
		return NULL;
	if (m->fw_tangent || m->fw_no_tangent || !t->base || !m->diff_view)
		return m->fw_tangent;
	ag_tensor *bt = own_tangent(t->base);
	if (!bt)
		return NULL;
	busy++;
	ag_tensor *v = ag_as_strided(bt, t->shape, t->stride, t->ndim,
				     bt->offset + (t->offset - t->base->offset));
	busy--;
	m->fw_tangent = v;	/* NULL on failure: then it has none */
	return v;
}

/* tan laid out like primal (same strides), as PyTorch keeps tangents: a
 * new reference. */
static ag_tensor *mirror(ag_tensor *primal, ag_tensor *tan)
{
	bool same = tan->ndim == primal->ndim;
	for (int d = 0; same && d < primal->ndim; d++)
		same = tan->shape[d] == primal->shape[d] &&
		       (primal->shape[d] == 1 || tan->stride[d] == primal->stride[d]);
	if (same || ag_numel(primal) == 0) {
		ag_tensor_retain(tan);
		return tan;
	}
	ag_tensor *r = NULL;
	if (ag_is_non_overlapping_and_dense(primal)) {
		r = ag_tensor_alloc_strided(primal->shape, primal->stride,
					    primal->ndim, tan->dtype);
	} else {
		int64_t span = 1;
		for (int d = 0; d < primal->ndim; d++) {
			if (primal->stride[d] <= 0 && primal->shape[d] > 1)
				return ag_clone_contiguous(tan);
			span += (primal->shape[d] - 1) * primal->stride[d];
		}
		ag_tensor *buf = ag_zeros(&span, 1, tan->dtype);
		r = buf ? ag_as_strided(buf, primal->shape, primal->stride,
					primal->ndim, 0) : NULL;
		ag_tensor_release(buf);
	}
	if (r && ag_copy_(r, tan) < 0) {
		ag_tensor_release(r);
		r = NULL;
	}
	return r;
}

/* Sets t's own tangent (takes the reference). */
static int set_tangent(ag_tensor *t, ag_tensor *tan)
{
	ag_autograd_meta *m = ag_autograd_meta_of(t, true);
	if (!m) {
		ag_tensor_release(tan);
		return -1;
	}
	ag_tensor_release(m->fw_tangent);
	m->fw_tangent = tan;
	return 0;
}

/* Drops t's own tangent (a leaf's first .grad without create_graph,
 * which PyTorch stores detached: no tangent either). */
static void drop_tangent(ag_tensor *t)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (m && m->fw_tangent) {
		ag_tensor_release(m->fw_tangent);
		m->fw_tangent = NULL;
	}
}

/* ------------------------------------------------------ levels and duals */

int ag_fw_current_level(void)
{
	return level;
}

static const ag_fw_hooks hooks = {
	ag_fw_record, ag_fw_any_tangent, ag_fw_share_tangent, drop_tangent
};

int ag_fw_enter_level(void)
{
	if (level >= 0)
		return ag_error(AG_ERR_RUNTIME, "Nested forward mode AD is not "
				"supported at the moment");
	level = 0;
	ag_fw_hooks_active = &hooks;
	return level;
}

int ag_fw_exit_level(int lvl)
{
	if (lvl < 0)
		lvl = level;
	if (lvl < 0)
		return ag_error(AG_ERR_RUNTIME, "Dual level must be a positive "
				"number.");
	if (lvl != level)
		return ag_error(AG_ERR_RUNTIME, "Trying to exit a forward AD level "
				"that was not the last one that was created. This "
				"is not supported.");
	/* drop every tangent: gather them first, since releasing one may
	 * free tensors of the registry being walked */
	size_t n = 0, cap = 0;
	ag_tensor **drop = NULL;
	for (ag_tensor *t = ag_registry_first(); t; t = ag_registry_next(t)) {
		ag_autograd_meta *m = t->autograd_extra;
		if (!m || !m->fw_tangent)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			ag_tensor **g = realloc(drop, nc * sizeof *g);
			if (!g) {
				free(drop);
				return ag_error(AG_ERR_NOMEM, "out of memory");
			}
			drop = g;
			cap = nc;
		}
		drop[n++] = m->fw_tangent;
		m->fw_tangent = NULL;
	}
	level = -1;
	ag_fw_hooks_active = NULL;
	for (size_t i = 0; i < n; i++)
		ag_tensor_release(drop[i]);
	free(drop);
	return 0;
}

static char *shape_str(const ag_tensor *t, char *buf)
{
	return ag_shape_str(t->shape, t->ndim, buf, 256);
}

ag_tensor *ag_make_dual(ag_tensor *primal, ag_tensor *tangent, int lvl)
{
	char a[256], b[256];

	if (lvl < 0)
		lvl = level;
	if (lvl < 0 || lvl != level) {
		ag_error(AG_ERR_RUNTIME, "Trying to create a dual Tensor for "
			 "forward AD but no level exists, make sure to "
			 "enter_dual_level() first.");
		return NULL;
	}
	if (tangent_of(primal)) {
		ag_error(AG_ERR_RUNTIME, "Making a dual Tensor based on a Tensor "
			 "that already has a forward gradient at the same level "
			 "%d is not supported.", lvl);
		return NULL;
	}
	if (!ag_same_shape(primal, tangent)) {
		ag_error(AG_ERR_RUNTIME, "Trying to set a forward gradient that has "
			 "a different size than that of the original Tensor, this "
			 "is not supported. Tensor is of size %s while the given "
			 "forward gradient is of size %s.", shape_str(primal, a),
			 shape_str(tangent, b));
		return NULL;
	}
	busy++;
	ag_tensor *d = ag_view(primal, primal->shape, primal->ndim);
	ag_tensor *tan = d ? mirror(primal, tangent) : NULL;
	busy--;
	if (!tan || set_tangent(d, tan) < 0) {
		ag_tensor_release(d);
		return NULL;
	}
	return d;
}

ag_tensor *ag_fw_grad(ag_tensor *t, int lvl)
{
	if (lvl < 0)
		lvl = level;
	if (lvl != level)
		return NULL;
	ag_tensor *tan = tangent_of(t);
	if (tan)
		ag_tensor_retain(tan);
	return tan;
}

ag_tensor *ag_fw_primal(ag_tensor *t)
{
	busy++;
	ag_tensor *p = ag_view(t, t->shape, t->ndim);
	busy--;
	ag_autograd_meta *m = p ? ag_autograd_meta_of(p, true) : NULL;
	if (!m) {
		ag_tensor_release(p);
		return NULL;
	}
	m->fw_no_tangent = true;
	return p;
}

void ag_fw_share_tangent(ag_tensor *alias, ag_tensor *t)
{
	ag_tensor *tan = level >= 0 ? own_tangent(t) : NULL;
	if (!tan || own_tangent(alias))
		return;
	ag_tensor_retain(tan);
	if (set_tangent(alias, tan) < 0)
		ag_error_clear();
}

bool ag_fw_any_tangent(ag_tensor *const *in, int nin)
{
	if (level < 0 || busy)
		return false;
	for (int i = 0; i < nin; i++)
		if (in[i] && tangent_of(in[i]))
			return true;
	return false;
}

/* ------------------------------------------------------------- helpers */

/* a + b where either may be NULL (zero); takes both references */
static ag_tensor *acc(ag_tensor *a, ag_tensor *b)
{
	if (!a || !b)
		return a ? a : b;
	ag_tensor *r = ag_add(a, b);
	ag_tensor_release(a);
	ag_tensor_release(b);
	return r;
}

/* t, or zeros like `like` when t is NULL: a new reference */
static ag_tensor *or_zeros(ag_tensor *t, ag_tensor *like)
{
	if (t) {
		ag_tensor_retain(t);
		return t;
	}
	return ag_zeros(like->shape, like->ndim, like->dtype);
}

/* Runs the op's backward on a node made for the purpose: grads_in as the
 * gradients of its outputs, the gradient of edge `edge` into *res (NULL
 * when the formula gives none).  The node saves the primals (no saved-
 * tensor hooks: the user's hooks see only what autograd keeps). */
static int run_backward(fw_ctx *x, int edge, ag_tensor **grads_in,
			ag_tensor **res)
{
	const ag_opinfo *info = x->info;
	const ag_call *c = x->c;
	int nsaves = 0, nedges = 0, map[32];
	while (nsaves < AG_OP_MAX_SAVES && info->saves[nsaves].what != AG_SAVE_NONE)
		nsaves++;
	for (int i = 0; i < c->nin && i < 32; i++)
		if (!info->edges || (info->edges & (1u << i)))
			map[nedges++] = i;
	int nout = info->nout < 0 ? c->nout : info->nout;
	ag_node *n = ag_node_new(c->op, c->variant, nout, nsaves, c->args_size);
	ag_tensor *out[32] = { 0 };
	int rc = -1;

	*res = NULL;
	if (!n)
		return -1;
	n->next = calloc((size_t)nedges, sizeof *n->next);
	if (!n->next) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		goto done;
	}
	n->n_next = nedges;
	n->next[edge].fn = n;	/* marks the one wanted; cleared below */
	if (c->args_size)
		memcpy(n->args, c->args, c->args_size);
	for (int k = 0; k < nsaves; k++) {
		const ag_save *s = &info->saves[k];
		ag_tensor *t = s->what == AG_SAVE_INPUT ? x->in[s->index]
							: c->out[s->index];
		ag_saved *sv = &n->saved[k];
		if (!t)
			continue;
		ag_tensor_retain(t);
		sv->data = t;
		sv->version = t->version->value;
		sv->was_defined = true;
		sv->requires_grad = ag_requires_grad(t);
	}
	busy++;
	rc = ag_node_apply(n, grads_in, out);
	busy--;
	*res = out[edge];
	out[edge] = NULL;
	for (int i = 0; i < nedges && i < 32; i++)
		ag_tensor_release(out[i]);
	n->next[edge].fn = NULL;
	(void)map;
done:
	ag_node_release(n);
	if (rc < 0) {
		ag_tensor_release(*res);
		*res = NULL;
	}
	return rc;
}

/* The input index of each gradient edge of the op. */
static int edge_of_input(const ag_opinfo *info, int input)
{
	if (!info->edges)
		return input;
	if (!(info->edges & (1u << input)))
		return -1;
	int e = 0;
	for (int i = 0; i < input; i++)
		if (info->edges & (1u << i))
			e++;
	return e;
}

/* ------------------------------------------------------------ formulas */

static int fw_none(fw_ctx *x)
{
	return ag_error(AG_ERR_RUNTIME, "Trying to use forward AD with %s that "
		"does not support it because it has not been implemented yet.\n"
		"Please file an issue to PyTorch at https://github.com/pytorch/"
		"pytorch/issues/new?template=feature-request.yml so that we can "
		"prioritize its implementation.\nNote that forward AD support for "
		"some operators require PyTorch to be built with TorchScript and "
		"for JIT to be enabled. If the environment var PYTORCH_JIT=0 is "
		"set or if the library is not built with TorchScript, some "
		"operators may no longer be used with forward AD.",
		x->info->name);
}

/* ops whose derivative PyTorch 1.13 marks not_implemented: the
 * dispatcher's shorter text, with the aten:: name */
static int fw_aten_none(fw_ctx *x)
{
	return ag_error(AG_ERR_RUNTIME, "Trying to use forward AD with aten::%s "
			"that does not support it.", x->info->name);
}

/* a custom Function: agdb's have no jvp staticmethod (the binding asks
 * after its forward ran; the node never goes through ag_record) */
int ag_fw_function_error(void)
{
	return ag_error(AG_ERR_RUNTIME, "You must implement the jvp function for "
			"custom autograd.Function to use it with forward mode AD.");
}

static int fw_function(fw_ctx *x)
{
	(void)x;
	return ag_fw_function_error();
}

static int fw_nodiff(fw_ctx *x)
{
	(void)x;
	return 0;
}

/* Elementwise: sum over inputs of backward(tangent_i). */
static int fw_pointwise(fw_ctx *x)
{
	ag_tensor *sum = NULL;
	for (int i = 0; i < x->c->nin; i++) {
		int e = edge_of_input(x->info, i);
		ag_tensor *r, *g[1] = { x->tin[i] };
		if (!x->tin[i] || e < 0)
			continue;
		if (run_backward(x, e, g, &r) < 0) {
			ag_tensor_release(sum);
			return -1;
		}
		sum = acc(sum, r);
		if (!sum && r)
			return -1;
	}
	x->tout[0] = sum;
	return 0;
}

/* A reduction of disjoint groups: sum over each group of d(out)/d(in) * t. */
static int fw_reduce(fw_ctx *x)
{
	const ag_call *c = x->c;
	const ag_reduce_args *r = c->args;
	int nout = x->info->nout < 0 ? c->nout : x->info->nout;
	ag_tensor *g[4] = { 0 };
	int rc = -1;

	if (!x->tin[0])
		return 0;
	for (int j = 0; j < nout && j < 4; j++) {
		if (!ag_dtype_is_floating(c->out[j]->dtype))
			continue;
		for (int k = 0; k < nout && k < 4; k++) {
			ag_tensor *o = c->out[k];
			if (!ag_dtype_is_floating(o->dtype))
				continue;
			g[k] = k == j ? ag_ones(o->shape, o->ndim, o->dtype)
				      : ag_zeros(o->shape, o->ndim, o->dtype);
			if (!g[k])
				goto done;
		}
		ag_tensor *d, *p = NULL, *s = NULL;
		if (run_backward(x, 0, g, &d) < 0)
			goto done;
		if (d)
			p = ag_mul(d, x->tin[0]);
		ag_tensor_release(d);
		if (!p)
			goto done;
		if (r->all) {
			int dims[AG_MAX_DIMS];
			for (int k = 0; k < p->ndim; k++)
				dims[k] = k;
			s = p->ndim ? ag_reduce_dims(AG_OP_SUM, p, dims, p->ndim,
						    r->keepdim) : ag_clone(p);
		} else {
			s = ag_reduce_dims(AG_OP_SUM, p, r->dims, r->ndims,
					   r->keepdim);
		}
		ag_tensor_release(p);
		if (!s)
			goto done;
		x->tout[j] = s;
		for (int k = 0; k < 4; k++) {
			ag_tensor_release(g[k]);
			g[k] = NULL;
		}
	}
	rc = 0;
done:
	for (int k = 0; k < 4; k++)
		ag_tensor_release(g[k]);
	return rc;
}

/* A view: the same geometry over the input's tangent, which is laid out
 * like the input; an op that copied (reshape of a non-viewable input)
 * reshapes the tangent. */
static int fw_view(fw_ctx *x)
{
	const ag_call *c = x->c;
	ag_tensor *in = c->in[0], *t = x->tin[0];
	if (!t)
		return 0;
	for (int j = 0; j < c->nout; j++) {
		ag_tensor *o = c->out[j];
		if (!ag_dtype_is_floating(o->dtype))
			continue;
		if (o->storage == in->storage)
			x->tout[j] = ag_as_strided(t, o->shape, o->stride, o->ndim,
						   t->offset + (o->offset - in->offset));
		else
			x->tout[j] = ag_reshape(t, o->shape, o->ndim);
		if (!x->tout[j])
			return -1;
	}
	return 0;
}

/* Values picked along a dim, with their indices as output 1 (max(dim),
 * sort, topk, kthvalue, median(dim), mode, cummax, ...): the tangent at
 * the same places. */
static int fw_select(fw_ctx *x)
{
	const ag_dim_args *da = x->c->args;
	ag_tensor *t = x->tin[0], *idx = x->c->out[1];
	if (!t)
		return 0;
	if (x->in[0]->ndim == 0) {
		x->tout[0] = ag_clone(t);
		return x->tout[0] ? 0 : -1;
	}
	bool squeezed = !da->keepdim && idx->ndim < x->in[0]->ndim;
	ag_tensor *ik = squeezed ? ag_unsqueeze(idx, da->dim) : idx;
	if (!ik)
		return -1;
	if (!squeezed)
		ag_tensor_retain(ik);
	ag_tensor *g = ag_gather(t, da->dim, ik);
	ag_tensor_release(ik);
	if (g && squeezed) {
		ag_tensor *s = ag_squeeze_dim(g, da->dim);
		ag_tensor_release(g);
		g = s;
	}
	x->tout[0] = g;
	return g ? 0 : -1;
}

/* padding, upsampling, im2col, pixel_shuffle (nn_spatial.c): linear maps
 * of their input, so the tangent goes through the same map */
static int fw_spatial(fw_ctx *x)
{
	ag_spatial_args a = *(const ag_spatial_args *)x->c->args;

	a.value = 0;	/* constant padding's value is no part of the map */
	if (x->tin[0] && !(x->tout[0] = ag_spatial(x->c->op, x->tin[0], &a)))
		return -1;
	return 0;
}

static int fw_clone(fw_ctx *x)
{
	if (x->tin[0] && !(x->tout[0] = ag_clone(x->tin[0])))
		return -1;
	return 0;
}

static int fw_to(fw_ctx *x)
{
	if (x->tin[0] && !(x->tout[0] = ag_to_dtype(x->tin[0], x->c->out[0]->dtype)))
		return -1;
	return 0;
}

/* dst.copy_(src): src's tangent (zero when it has none), broadcast */
static int fw_copy(fw_ctx *x)
{
	ag_tensor *o = x->c->out[0];
	if (!x->tin[1]) {
		x->tout[0] = ag_zeros(o->shape, o->ndim, o->dtype);
		return x->tout[0] ? 0 : -1;
	}
	x->tout[0] = ag_expand(x->tin[1], o->shape, o->ndim);
	return x->tout[0] ? 0 : -1;
}

/* fill_, zero_: the values no longer depend on anything */
static int fw_fill(fw_ctx *x)
{
	ag_tensor *o = x->c->out[0];
	x->tout[0] = ag_zeros(o->shape, o->ndim, o->dtype);
	return x->tout[0] ? 0 : -1;
}

/* The tangents of a list's inputs, zeros where one has none. */
static ag_tensor **tangent_list(fw_ctx *x)
{
	int n = x->c->nin;
	ag_tensor **ts = calloc((size_t)(n ? n : 1), sizeof *ts);
	if (!ts) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++)
		if (!(ts[i] = or_zeros(x->tin[i], x->in[i]))) {
			for (int k = 0; k < i; k++)
				ag_tensor_release(ts[k]);
			free(ts);
			return NULL;
		}
	return ts;
}

static int fw_join(fw_ctx *x, bool stack)
{
	ag_tensor **ts = tangent_list(x);
	if (!ts)
		return -1;
	int dim = stack ? ((const ag_dim_args *)x->c->args)->dim
			: ((const ag_cat_args *)x->c->args)->dim;
	x->tout[0] = stack ? ag_stack(ts, x->c->nin, dim)
			   : ag_cat(ts, x->c->nin, dim);
	for (int i = 0; i < x->c->nin; i++)
		ag_tensor_release(ts[i]);
	free(ts);
	return x->tout[0] ? 0 : -1;
}

static int fw_cat(fw_ctx *x) { return fw_join(x, false); }
static int fw_stack(fw_ctx *x) { return fw_join(x, true); }

static int fw_cumsum(fw_ctx *x)
{
	const ag_scan_args *a = x->c->args;
	if (x->tin[0] && !(x->tout[0] = ag_scan(AG_OP_CUMSUM, x->tin[0], a->dim,
						 a->reverse)))
		return -1;
	return 0;
}

/* sum(y * t, dim, keepdim) for softmax's y along its dim */
static ag_tensor *dot_along(ag_tensor *y, ag_tensor *t, int dim)
{
	ag_tensor *p = ag_mul(y, t);
	ag_tensor *s = p ? ag_reduce_dims(AG_OP_SUM, p, &dim, 1, true) : NULL;
	ag_tensor_release(p);
	return s;
}

/* softmax: y * (t - sum(y * t)); log_softmax: t - sum(exp(y) * t) */
static int softmax_tangent(fw_ctx *x, bool log)
{
	const ag_softmax_args *a = x->c->args;
	ag_tensor *y = x->c->out[0], *t = x->tin[0];
	if (!t)
		return 0;
	if (y->ndim == 0) {
		/* one element: the result is constant */
		x->tout[0] = ag_mul_scalar(t, 0.0);
		return x->tout[0] ? 0 : -1;
	}
	ag_tensor *p = log ? ag_exp(y) : y;
	ag_tensor *s = p ? dot_along(p, t, a->dim) : NULL;
	ag_tensor *d = s ? ag_sub(t, s) : NULL;
	if (log) {
		ag_tensor_release(p);
		x->tout[0] = d;
	} else {
		x->tout[0] = d ? ag_mul(y, d) : NULL;
		ag_tensor_release(d);
	}
	ag_tensor_release(s);
	return x->tout[0] ? 0 : -1;
}

static int fw_softmax(fw_ctx *x) { return softmax_tangent(x, false); }
static int fw_log_softmax(fw_ctx *x) { return softmax_tangent(x, true); }

/* Products, bilinear: op(ta, b) + op(a, tb). */
static ag_tensor *product(ag_op op, ag_tensor *a, ag_tensor *b)
{
	switch (op) {
	case AG_OP_MM: return ag_mm(a, b);
	case AG_OP_BMM: return ag_bmm(a, b);
	case AG_OP_MV: return ag_mv(a, b);
	default: return ag_dot(a, b);	/* dot, vdot (real) */
	}
}

static int fw_matmul(fw_ctx *x)
{
	ag_op op = x->c->op;
	ag_tensor *r = NULL;
	if (x->tin[0] && !(r = product(op, x->tin[0], x->in[1])))
		return -1;
	if (x->tin[1]) {
		ag_tensor *p = product(op, x->in[0], x->tin[1]);
		if (!p) {
			ag_tensor_release(r);
			return -1;
		}
		r = acc(r, p);
		if (!r)
			return -1;
	}
	x->tout[0] = r;
	return 0;
}

/* addmm & co: beta * t_self + alpha * (op(t1, m2) + op(m1, t2)), written
 * with the op itself. */
static ag_tensor *addop(ag_op op, ag_tensor *s, ag_tensor *a, ag_tensor *b,
			double beta, double alpha)
{
	switch (op) {
	case AG_OP_ADDMM: return ag_addmm(s, a, b, beta, alpha);
	case AG_OP_ADDMV: return ag_addmv(s, a, b, beta, alpha);
	case AG_OP_ADDR: return ag_addr(s, a, b, beta, alpha);
	case AG_OP_ADDBMM: return ag_addbmm(s, a, b, beta, alpha);
	default: return ag_baddbmm(s, a, b, beta, alpha);
	}
}

static int fw_addmm(fw_ctx *x)
{
	const ag_addmm_args *a = x->c->args;
	ag_op op = x->c->op;
	ag_tensor *o = x->c->out[0];
	ag_tensor *z = ag_zeros(o->shape, o->ndim, o->dtype), *r = NULL;
	ag_tensor *t1 = NULL, *t2 = NULL;
	int rc = -1;

	if (!z)
		return -1;
	/* beta * t_self + alpha * t1 @ m2 (t1 zero when m1 has no tangent) */
	if (!(t1 = or_zeros(x->tin[1], x->in[1])))
		goto done;
	r = addop(op, x->tin[0] ? x->tin[0] : z, t1, x->in[2],
		  x->tin[0] ? a->beta : 0.0, a->alpha);
	if (!r)
		goto done;
	if (x->tin[2]) {
		ag_tensor *p = addop(op, z, x->in[1], x->tin[2], 0.0, a->alpha);
		if (!p)
			goto done;
		r = acc(r, p);
		if (!r)
			goto done;
	}
	x->tout[0] = r;
	r = NULL;
	rc = 0;
done:
	ag_tensor_release(z);
	ag_tensor_release(t1);
	ag_tensor_release(t2);
	ag_tensor_release(r);
	return rc;
}

/* ------------------------------------------------------------- the table */

#define FW_TABLE(X) \
	X(NEG, pointwise) \
	X(ABS, pointwise) \
	X(EXP, pointwise) \
	X(LOG, pointwise) \
	X(SQRT, pointwise) \
	X(SIN, pointwise) \
	X(COS, pointwise) \
	X(TANH, pointwise) \
	X(SIGMOID, pointwise) \
	X(RELU, pointwise) \
	X(ADD, pointwise) \
	X(SUB, pointwise) \
	X(MUL, pointwise) \
	X(DIV, pointwise) \
	X(POW, pointwise) \
	X(HYPOT, pointwise) \
	X(EQ, nodiff) \
	X(NE, nodiff) \
	X(LT, nodiff) \
	X(LE, nodiff) \
	X(GT, nodiff) \
	X(GE, nodiff) \
	X(LOG1P, pointwise) \
	X(EXPM1, pointwise) \
	X(RSQRT, pointwise) \
	X(TAN, pointwise) \
	X(ASIN, pointwise) \
	X(ACOS, pointwise) \
	X(ATAN, pointwise) \
	X(SINH, pointwise) \
	X(COSH, pointwise) \
	X(ERF, pointwise) \
	X(ERFINV, pointwise) \
	X(ASINH, pointwise) \
	X(ACOSH, pointwise) \
	X(ATANH, pointwise) \
	X(LOG2, pointwise) \
	X(LOG10, pointwise) \
	X(EXP2, pointwise) \
	X(ERFC, pointwise) \
	X(RECIPROCAL, pointwise) \
	X(SIGN, pointwise) \
	X(FLOOR, pointwise) \
	X(CEIL, pointwise) \
	X(ROUND, pointwise) \
	X(TRUNC, pointwise) \
	X(FRAC, pointwise) \
	X(ISNAN, nodiff) \
	X(ISINF, nodiff) \
	X(ISFINITE, nodiff) \
	X(ISPOSINF, nodiff) \
	X(ISNEGINF, nodiff) \
	X(LOGICAL_NOT, nodiff) \
	X(BITWISE_NOT, nodiff) \
	X(ROUND_DECIMALS, pointwise) \
	X(LOGIT, pointwise) \
	X(NAN_TO_NUM, pointwise) \
	X(SILU, pointwise) \
	X(MISH, pointwise) \
	X(HARDSIGMOID, pointwise) \
	X(HARDSWISH, pointwise) \
	X(LOGSIGMOID, pointwise) \
	X(LEAKY_RELU, pointwise) \
	X(ELU, pointwise) \
	X(CELU, pointwise) \
	X(GELU, pointwise) \
	X(SOFTPLUS, pointwise) \
	X(HARDTANH, pointwise) \
	X(THRESHOLD, pointwise) \
	X(ATAN2, pointwise) \
	X(FMOD, pointwise) \
	X(REMAINDER, pointwise) \
	X(MINIMUM, pointwise) \
	X(MAXIMUM, pointwise) \
	X(CLAMP_MIN, pointwise) \
	X(CLAMP_MAX, pointwise) \
	X(XLOGY, pointwise) \
	X(LOGADDEXP, pointwise) \
	X(LOGADDEXP2, pointwise) \
	X(LOGICAL_AND, nodiff) \
	X(LOGICAL_OR, nodiff) \
	X(LOGICAL_XOR, nodiff) \
	X(BITWISE_AND, nodiff) \
	X(BITWISE_OR, nodiff) \
	X(BITWISE_XOR, nodiff) \
	X(LERP, pointwise) \
	X(ADDCMUL, pointwise) \
	X(ADDCDIV, pointwise) \
	X(CLAMP_TENSOR, pointwise) \
	X(CLAMP, pointwise) \
	X(WHERE, pointwise) \
	X(SUM, reduce) \
	X(MEAN, reduce) \
	X(MAX, reduce) \
	X(MIN, reduce) \
	X(ARGMAX, nodiff) \
	X(ARGMIN, nodiff) \
	X(MAX_DIM, select) \
	X(MIN_DIM, select) \
	X(PROD, reduce) \
	X(NANSUM, reduce) \
	X(AMAX, reduce) \
	X(AMIN, reduce) \
	X(AMINMAX, aten_none) \
	X(ALL, nodiff) \
	X(ANY, nodiff) \
	X(COUNT_NONZERO, nodiff) \
	X(VAR, reduce) \
	X(STD, reduce) \
	X(VAR_MEAN, reduce) \
	X(STD_MEAN, reduce) \
	X(LOGSUMEXP, reduce) \
	X(NORM, reduce) \
	X(CUMSUM, cumsum) \
	X(CUMPROD, none) \
	X(LOGCUMSUMEXP, none) \
	X(CUMMAX, select) \
	X(CUMMIN, select) \
	X(SORT, select) \
	X(ARGSORT, nodiff) \
	X(TOPK, select) \
	X(KTHVALUE, select) \
	X(MEDIAN, reduce) \
	X(MEDIAN_DIM, select) \
	X(NANMEDIAN, reduce) \
	X(NANMEDIAN_DIM, select) \
	X(MODE, select) \
	X(UNIQUE, none) \
	X(GATHER_ALONG, none) \
	X(SCATTER_ALONG, none) \
	X(MM, matmul) \
	X(BMM, matmul) \
	X(DOT, matmul) \
	X(MV, matmul) \
	X(VIEW, view) \
	X(RESHAPE, view) \
	X(UNSAFE_VIEW, view) \
	X(TRANSPOSE, view) \
	X(T, view) \
	X(PERMUTE, view) \
	X(EXPAND, view) \
	X(SLICE, view) \
	X(SELECT, view) \
	X(UNSQUEEZE, view) \
	X(SQUEEZE, view) \
	X(SQUEEZE_DIM, view) \
	X(AS_STRIDED, view) \
	X(ALIAS, view) \
	X(CLONE, clone) \
	X(TO, to) \
	X(COPY_, copy) \
	X(FILL_, fill) \
	X(ZERO_, fill) \
	X(DETACH, nodiff) \
	X(DETACH_, nodiff) \
	X(CAT, cat) \
	X(STACK, stack) \
	X(INDEX_SELECT, none) \
	X(SOFTMAX, softmax) \
	X(LOG_SOFTMAX, log_softmax) \
	X(SOFTMAX_BACKWARD_DATA, none) \
	X(LOG_SOFTMAX_BACKWARD_DATA, none) \
	X(NLL_LOSS, none) \
	X(NLL_LOSS_BACKWARD, none) \
	X(NATIVE_LAYER_NORM, none) \
	X(NATIVE_BATCH_NORM, none) \
	X(NATIVE_GROUP_NORM, none) \
	X(MSE_LOSS, none) \
	X(SMOOTH_L1_LOSS, none) \
	X(HUBER_LOSS, none) \
	X(BINARY_CROSS_ENTROPY, none) \
	X(BCE_WITH_LOGITS, none) \
	X(EMBEDDING, none) \
	X(EMBEDDING_DENSE_BACKWARD, none) \
	X(CONVOLUTION, none) \
	X(MAX_POOL2D_WITH_INDICES, none) \
	X(MAX_POOL2D_WITH_INDICES_BACKWARD, none) \
	X(AVG_POOL2D, none) \
	X(AVG_POOL2D_BACKWARD, none) \
	X(ADAPTIVE_AVG_POOL2D, none) \
	X(ADAPTIVE_AVG_POOL2D_BACKWARD, none) \
	X(CONVOLUTION_BACKWARD, none) \
	X(SPLIT, view) \
	X(SPLIT_WITH_SIZES, view) \
	X(UNBIND, view) \
	X(DIAGONAL, view) \
	X(DIAGONAL_BACKWARD, none) \
	X(UNFOLD, view) \
	X(UNFOLD_BACKWARD, none) \
	X(REPEAT, none) \
	X(FLIP, none) \
	X(ROLL, none) \
	X(ROT90, none) \
	X(TRIL, none) \
	X(TRIU, none) \
	X(DIAG, none) \
	X(DIAG_EMBED, none) \
	X(GATHER, none) \
	X(SCATTER, none) \
	X(SCATTER_VALUE, none) \
	X(SCATTER_REDUCE, aten_none) \
	X(SELECT_SCATTER, none) \
	X(SLICE_SCATTER, none) \
	X(DIAGONAL_SCATTER, none) \
	X(SCATTER_REDUCE_TWO, none) \
	X(INDEX_REDUCE, none) \
	X(SCATTER_ADD, none) \
	X(INDEX_ADD, none) \
	X(INDEX_COPY, none) \
	X(INDEX_FILL, none) \
	X(INDEX_FILL_TENSOR, none) \
	X(MASKED_FILL, none) \
	X(MASKED_FILL_TENSOR, none) \
	X(MASKED_SELECT, none) \
	X(MASKED_SCATTER, none) \
	X(TAKE, none) \
	X(PUT, none) \
	X(INDEX, none) \
	X(INDEX_PUT, none) \
	X(NONZERO, nodiff) \
	X(ONE_HOT, nodiff) \
	X(ADDMM, addmm) \
	X(ADDMV, addmm) \
	X(ADDR, addmm) \
	X(ADDBMM, addmm) \
	X(BADDBMM, addmm) \
	X(BLOCK_DIAG, none) \
	X(LINALG_CROSS, none) \
	X(TRACE, none) \
	X(VDOT, matmul) \
	X(LINALG_VECTOR_NORM, reduce) \
	/* ops-more (issue 11): the elementwise ones and the piecewise
	 * backward ops (so forward over reverse runs through relu & co) */ \
	X(SGN, pointwise) \
	X(HARDSHRINK, pointwise) \
	X(SOFTSHRINK, pointwise) \
	X(THRESHOLD_BACKWARD, pointwise) \
	X(LEAKY_RELU_BACKWARD, pointwise) \
	X(HARDTANH_BACKWARD, pointwise) \
	X(HARDSHRINK_BACKWARD, pointwise) \
	X(SOFTSHRINK_BACKWARD, pointwise) \
	/* the fused backward ops of the smooth activations (fusedbw); PyTorch
	 * has no tangent for silu_backward, mish_backward, hardsigmoid_backward */ \
	X(GELU_BACKWARD, pointwise) \
	X(SILU_BACKWARD, none) \
	X(MISH_BACKWARD, none) \
	X(ELU_BACKWARD, pointwise) \
	X(SOFTPLUS_BACKWARD, pointwise) \
	X(HARDSWISH_BACKWARD, pointwise) \
	X(HARDSIGMOID_BACKWARD, none) \
	X(LOG_SIGMOID_BACKWARD, pointwise) \
	X(SIGMOID_BACKWARD, pointwise) \
	X(TANH_BACKWARD, pointwise) \
	X(RRELU, none) \
	X(GLU, none) \
	X(PRELU, none) \
	X(RRELU_BACKWARD, none) \
	X(GLU_BACKWARD, none) \
	X(PRELU_BACKWARD, none) \
	X(SEARCHSORTED, nodiff) \
	X(BUCKETIZE, nodiff) \
	X(BINCOUNT, nodiff) \
	X(HISTC, nodiff) \
	X(ACCUMULATE_GRAD, none) \
	X(COPY_SLICES, none) \
	X(SLICE_BACKWARD, none) \
	X(SELECT_BACKWARD, none) \
	X(AS_STRIDED_BACKWARD, none) \
	/* the spatial nn ops are linear: the same map of the tangent (their
	 * backward ops have none, as the other *_backward ops) */ \
	X(CONSTANT_PAD_ND, spatial) \
	X(REFLECTION_PAD1D, spatial) \
	X(REFLECTION_PAD1D_BACKWARD, none) \
	X(REFLECTION_PAD2D, spatial) \
	X(REFLECTION_PAD2D_BACKWARD, none) \
	X(REPLICATION_PAD1D, spatial) \
	X(REPLICATION_PAD1D_BACKWARD, none) \
	X(REPLICATION_PAD2D, spatial) \
	X(REPLICATION_PAD2D_BACKWARD, none) \
	X(UPSAMPLE_NEAREST1D, spatial) \
	X(UPSAMPLE_NEAREST1D_BACKWARD, none) \
	X(UPSAMPLE_NEAREST2D, spatial) \
	X(UPSAMPLE_NEAREST2D_BACKWARD, none) \
	X(UPSAMPLE_NEAREST_EXACT1D, spatial) \
	X(UPSAMPLE_NEAREST_EXACT1D_BACKWARD, none) \
	X(UPSAMPLE_NEAREST_EXACT2D, spatial) \
	X(UPSAMPLE_NEAREST_EXACT2D_BACKWARD, none) \
	X(UPSAMPLE_LINEAR1D, spatial) \
	X(UPSAMPLE_LINEAR1D_BACKWARD, none) \
	X(UPSAMPLE_BILINEAR2D, spatial) \
	X(UPSAMPLE_BILINEAR2D_BACKWARD, none) \
	X(UPSAMPLE_BICUBIC2D, spatial) \
	X(UPSAMPLE_BICUBIC2D_BACKWARD, none) \
	X(REFLECTION_PAD3D, spatial) \
	X(REFLECTION_PAD3D_BACKWARD, none) \
	X(REPLICATION_PAD3D, spatial) \
	X(REPLICATION_PAD3D_BACKWARD, none) \
	X(UPSAMPLE_NEAREST3D, spatial) \
	X(UPSAMPLE_NEAREST3D_BACKWARD, none) \
	X(UPSAMPLE_NEAREST_EXACT3D, spatial) \
	X(UPSAMPLE_NEAREST_EXACT3D_BACKWARD, none) \
	X(UPSAMPLE_TRILINEAR3D, spatial) \
	X(UPSAMPLE_TRILINEAR3D_BACKWARD, none) \
	X(IM2COL, spatial) \
	X(COL2IM, spatial) \
	X(PIXEL_SHUFFLE, spatial) \
	X(PIXEL_UNSHUFFLE, spatial) \
	X(FUNCTION, function) \
	/* end */

enum {
#define X(id, f) FW_LINE_##id,
	FW_TABLE(X)
#undef X
	FW_LINES
};
_Static_assert((int)FW_LINES == (int)AG_OP_COUNT, "an op of ops.def has no line in "
	       "FW_TABLE (grad_forward.c): give it its tangent formula, or "
	       "none");

static const fw_fn fw_table[AG_OP_COUNT] = {
#define X(id, f) [AG_OP_##id] = fw_##f,
	FW_TABLE(X)
#undef X
};

static const char *const fw_ids[AG_OP_COUNT] = {
#define X(id, f) [AG_OP_##id] = #id,
	FW_TABLE(X)
#undef X
};

const char *ag_fw_op_id(int op)
{
	return (unsigned)op < AG_OP_COUNT ? fw_ids[op] : NULL;
}

bool ag_fw_has_formula(int op)
{
	return (unsigned)op < AG_OP_COUNT && fw_table[op] != fw_none &&
	       fw_table[op] != fw_nodiff && fw_table[op] != fw_function &&
	       fw_table[op] != fw_aten_none;
}

bool ag_fw_is_differentiable(int op)
{
	return (unsigned)op < AG_OP_COUNT && fw_table[op] != fw_nodiff;
}

/* ------------------------------------------------------------ recording */

/* An in-place op's new tangent into self's: written into the tangent it
 * has (its base's, for a view), or, when neither has one, a zero tangent
 * for the base first (PyTorch's), else set. */
static int update_inplace(ag_tensor *self, ag_tensor *tan)
{
	ag_tensor *cur = tangent_of(self);
	if (!cur && self->base) {
		const ag_autograd_meta *m = self->autograd_extra;
		ag_tensor *base = self->base;
		if (m && m->diff_view && !own_tangent(base)) {
			ag_tensor *z = ag_zeros(base->shape, base->ndim, tan->dtype);
			ag_tensor *bz = z ? mirror(base, z) : NULL;
			ag_tensor_release(z);
			if (!bz || set_tangent(base, bz) < 0)
				return -1;
		}
		cur = tangent_of(self);
	}
	if (!cur) {
		ag_tensor *t = mirror(self, tan);
		return t ? set_tangent(self, t) : -1;
	}
	return ag_copy_(cur, tan);
}

int ag_fw_record(const ag_call *c)
{
	if (!ag_fw_any_tangent(c->in, c->nin))
		return 0;
	const ag_opinfo *info = ag_op_info(c->op);
	int nout = c->nout;
	ag_tensor *inbuf[8], *tinbuf[8], *toutbuf[8];
	ag_tensor **in = c->nin <= 8 ? inbuf : calloc((size_t)c->nin, sizeof *in);
	ag_tensor **tin = c->nin <= 8 ? tinbuf : calloc((size_t)c->nin, sizeof *tin);
	ag_tensor **tout = nout <= 8 ? toutbuf : calloc((size_t)nout, sizeof *tout);
	int rc = -1;

	if (!in || !tin || !tout) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < c->nin; i++) {
		in[i] = c->in[i];
		tin[i] = c->in[i] ? tangent_of(c->in[i]) : NULL;
	}
	for (int j = 0; j < nout; j++)
		tout[j] = NULL;
	if (c->inplace && c->original)
		in[0] = c->original;
	fw_ctx x = { c, info, in, tin, tout };
	if (c->args_size < info->args || (info->args && !c->args)) {
		ag_error(AG_ERR_RUNTIME, "%s: recorded without its arguments",
			 info->name);
		goto done;
	}
	busy++;
	rc = fw_table[c->op](&x);
	for (int j = 0; rc == 0 && j < nout; j++) {
		ag_tensor *o = c->out[j], *t = tout[j];
		if (!t || !o)
			continue;
		if (!ag_dtype_is_floating(o->dtype))
			continue;
		if (!ag_same_shape(t, o)) {
			ag_tensor *e = ag_expand(t, o->shape, o->ndim);
			ag_tensor_release(t);
			tout[j] = t = e;
			if (!t) {
				rc = -1;
				break;
			}
		}
		if (c->inplace) {
			rc = update_inplace(o, t);
		} else {
			ag_tensor *m = mirror(o, t);
			rc = m ? set_tangent(o, m) : -1;
		}
	}
	busy--;
	for (int j = 0; j < nout; j++)
		ag_tensor_release(tout[j]);
done:
	if (in != inbuf)
		free(in);
	if (tin != tinbuf)
		free(tin);
	if (tout != toutbuf)
		free(tout);
	return rc;
}
