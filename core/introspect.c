/*
 * introspect.c - what a node keeps for its backward, by the names PyTorch
 * gives them (grad_fn._saved_self, ._saved_dim, ...): the saved tensors,
 * named from the op's .saves column of ops.def (so a new op has them with
 * no code here), and the arguments of the ops whose argument structs say
 * what PyTorch's nodes save.
 */
#include "node.h"

#include <math.h>
#include <stdio.h>

/* The default names of saved inputs and outputs, as most of PyTorch's
 * derivatives.yaml has them. */
static const char *default_saved_name(const ag_save *s)
{
	static const char *const inputs[] = { "self", "other" };
	if (s->what == AG_SAVE_OUTPUT)
		return s->index == 0 ? "result" : NULL;
	return s->index < 2 ? inputs[s->index] : NULL;
}

static void add(ag_node_attr *out, int *n, int max, const char *name,
		ag_attr_kind kind)
{
	if (*n >= max)
		return;
	memset(&out[*n], 0, sizeof out[*n]);
	snprintf(out[*n].name, sizeof out[*n].name, "_saved_%.32s", name);
	out[*n].kind = kind;
	(*n)++;
}

static void add_int(ag_node_attr *out, int *n, int max, const char *name,
		    ag_attr_kind kind, int64_t v)
{
	add(out, n, max, name, kind);
	if (*n <= max) {
		out[*n - 1].ints[0] = v;
		out[*n - 1].count = 1;
	}
}

static void add_ints(ag_node_attr *out, int *n, int max, const char *name,
		     ag_attr_kind kind, const int64_t *v, int count)
{
	add(out, n, max, name, kind);
	if (*n <= max) {
		memcpy(out[*n - 1].ints, v, (size_t)count * sizeof *v);
		out[*n - 1].count = count;
	}
}

static void add_sizes(ag_node_attr *out, int *n, int max, const char *name,
		      const ag_shape *s)
{
	add_ints(out, n, max, name, AG_ATTR_INTS, s->size, s->ndim);
}

static void add_double(ag_node_attr *out, int *n, int max, const char *name,
		       double v)
{
	add(out, n, max, name, isnan(v) ? AG_ATTR_NONE : AG_ATTR_DOUBLE);
	if (*n <= max)
		out[*n - 1].d = v;
}

/* The arguments PyTorch 1.13's nodes keep, for the ops whose argument
 * struct holds them. */
static void op_args(const ag_node *nd, ag_node_attr *out, int *n, int max)
{
	const void *a = nd->args;
	if (!a)
		return;
	switch (nd->op) {
	case AG_OP_SUM: case AG_OP_MEAN: {
		const ag_reduce_args *r = a;
		if (r->all && nd->op == AG_OP_MEAN) {
			add_int(out, n, max, "self_numel", AG_ATTR_INT, r->count);
			add_sizes(out, n, max, "self_sizes", &r->in);
			break;
		}
		if (!r->all) {
			int64_t dims[AG_MAX_DIMS];
			for (int i = 0; i < r->ndims; i++)
				dims[i] = r->dims[i];
			add_ints(out, n, max, "dim", AG_ATTR_DIMS, dims, r->ndims);
			add_int(out, n, max, "keepdim", AG_ATTR_BOOL, r->keepdim);
		}
		add_sizes(out, n, max, "self_sym_sizes", &r->in);
		break;
	}
	case AG_OP_MAX_DIM: case AG_OP_MIN_DIM: {
		const ag_dim_args *d = a;
		add_int(out, n, max, "dim", AG_ATTR_DIM, d->dim);
		add_int(out, n, max, "keepdim", AG_ATTR_BOOL, d->keepdim);
		add_sizes(out, n, max, "self_sizes", &d->in);
		break;
	}
	case AG_OP_UNSQUEEZE: case AG_OP_STACK:
		add_int(out, n, max, "dim", AG_ATTR_DIM, ((const ag_dim_args *)a)->dim);
		break;
	case AG_OP_SCATTER_REDUCE_TWO: case AG_OP_INDEX_REDUCE: {
		const ag_scatter_reduce_args *r = a;
		add_int(out, n, max, "dim", AG_ATTR_DIM, r->dim);
		add_int(out, n, max, "include_self", AG_ATTR_BOOL, r->include_self);
		break;
	}
	case AG_OP_SQUEEZE_DIM: case AG_OP_INDEX_SELECT: {
		const ag_dim_args *d = a;
		add_int(out, n, max, "dim", AG_ATTR_DIM, d->dim);
		add_sizes(out, n, max, "self_sizes", &d->in);
		break;
	}
	case AG_OP_VIEW: case AG_OP_EXPAND: case AG_OP_RESHAPE:
	case AG_OP_UNSAFE_VIEW:
		add_sizes(out, n, max, "self_sym_sizes", a);
		break;
	case AG_OP_SQUEEZE:
		add_sizes(out, n, max, "self_sizes", a);
		break;
	case AG_OP_TRANSPOSE: {
		const ag_transpose_args *t = a;
		add_int(out, n, max, "dim0", AG_ATTR_DIM, t->dim0);
		add_int(out, n, max, "dim1", AG_ATTR_DIM, t->dim1);
		break;
	}
	case AG_OP_PERMUTE: {
		const ag_permute_args *p = a;
		int64_t dims[AG_MAX_DIMS];
		for (int i = 0; i < p->ndims; i++)
			dims[i] = p->dims[i];
		add_ints(out, n, max, "dims", AG_ATTR_DIMS, dims, p->ndims);
		break;
	}
	case AG_OP_AS_STRIDED: {
		const ag_strided_args *g = a;
		add_ints(out, n, max, "size", AG_ATTR_INTS, g->view.shape, g->view.ndim);
		add_ints(out, n, max, "stride", AG_ATTR_INTS, g->view.stride,
			 g->view.ndim);
		add_int(out, n, max, "storage_offset", AG_ATTR_INT, g->view.offset);
		break;
	}
	case AG_OP_CLAMP: {
		const ag_clamp_args *c = a;
		add_double(out, n, max, "min", c->min);
		add_double(out, n, max, "max", c->max);
		break;
	}
	case AG_OP_CAT:
		add_int(out, n, max, "dim", AG_ATTR_DIM, ((const ag_cat_args *)a)->dim);
		break;
	default:
		break;
	}
}

int ag_node_attrs(const ag_node *nd, ag_node_attr *out, int max)
{
	const ag_opinfo *info = ag_op_info(nd->op);
	int n = 0;

	if (nd->op != AG_OP_FUNCTION)
		for (int k = 0; k < nd->n_saved && k < AG_OP_MAX_SAVES; k++) {
			const char *name = info->saved_names[k] ?
				info->saved_names[k] : default_saved_name(&info->saves[k]);
			if (!name)
				continue;
			add(out, &n, max, name, AG_ATTR_TENSOR);
			if (n <= max)
				out[n - 1].slot = k;
		}
	op_args(nd, out, &n, max);
	return n < max ? n : max;
}
