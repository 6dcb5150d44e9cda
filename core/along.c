/*
 * along.c - gather along a dim and its transpose, a scatter that adds
 * into zeros, as recorded ops of core's own (GATHER_ALONG, SCATTER_ALONG
 * in ops.def; never bound to Lua).  Each is the other's backward, so the
 * gradient of max(dim), sort, topk and the other value-picking ops is
 * differentiable as many times as one likes.
 */
#include "along.h"
#include "record.h"

/* The gather loop: one element per index, copied by its size. */
static void gather_into(ag_tensor *out, const ag_tensor *t, int dim,
			const int64_t *ip)
{
	size_t es = ag_dtype_size(t->dtype);
	int nd = out->ndim;
	int64_t n = ag_numel(out), pos[AG_MAX_DIMS] = { 0 }, base = 0;
	int64_t dsize = t->ndim ? t->shape[dim] : 1;
	int64_t dstride = t->ndim ? t->stride[dim] : 0;
	const char *src = ag_data_ptr(t);
	char *dst = ag_data_ptr(out);

	for (int64_t i = 0; i < n; i++) {
		int64_t k = ip[i] < 0 ? ip[i] + dsize : ip[i];
		const char *from = src + (size_t)(base + k * dstride) * es;
		switch (es) {
		case 8: memcpy(dst + i * 8, from, 8); break;
		case 4: memcpy(dst + i * 4, from, 4); break;
		case 2: memcpy(dst + i * 2, from, 2); break;
		default: memcpy(dst + (size_t)i * es, from, es); break;
		}
		for (int d = nd - 1; d >= 0; d--) {
			int64_t st = d == dim ? 0 : t->stride[d];
			base += st;
			if (++pos[d] < out->shape[d])
				break;
			base -= st * out->shape[d];
			pos[d] = 0;
		}
	}
}

static int check_index(const ag_tensor *t, int dim, const ag_tensor *index,
		       const char *name)
{
	if (!t || !index)
		return ag_error(AG_ERR_VALUE, "%s: missing tensor", name);
	if (index->dtype != AG_INT64 || index->ndim != t->ndim ||
	    (t->ndim && (dim < 0 || dim >= t->ndim)) || (!t->ndim && dim))
		return ag_error(AG_ERR_VALUE, "%s: index does not fit", name);
	return 0;
}

ag_tensor *ag_internal_gather(ag_tensor *t, int dim, ag_tensor *index)
{
	ag_tensor *ic, *out;

	if (check_index(t, dim, index, "_gather_along") < 0)
		return NULL;
	for (int d = 0; d < t->ndim; d++)
		if (d != dim && index->shape[d] > t->shape[d]) {
			ag_error(AG_ERR_VALUE, "_gather_along: index does not fit");
			return NULL;
		}
	ic = ag_contiguous(index);
	out = ic ? ag_tensor_alloc_uninit(index->shape, index->ndim, t->dtype)
		 : NULL;
	if (out)
		gather_into(out, t, dim, ag_data_ptr(ic));
	ag_tensor_release(ic);
	return ag_recorded(out, (ag_call){ .op = AG_OP_GATHER_ALONG,
		.in = (ag_tensor *[]){ t, index }, .nin = 2,
		.args = &(ag_dim_args){ .in = ag_shape_of(t), .dim = dim },
		.args_size = sizeof(ag_dim_args) });
}

ag_tensor *ag_internal_scatter_add(ag_tensor *src, int dim, ag_tensor *index,
				   const int64_t *shape, int ndim)
{
	ag_dim_args a = { .in = { .ndim = ndim }, .dim = dim };

	if (check_index(src, dim, index, "_scatter_along") < 0)
		return NULL;
	if (!ag_same_shape(src, index) || ndim != src->ndim) {
		ag_error(AG_ERR_VALUE, "_scatter_along: index does not fit");
		return NULL;
	}
	memcpy(a.in.size, shape, sizeof(int64_t) * (size_t)ndim);
	return ag_recorded(ag_scatter_along(src, index, dim, shape, ndim),
		(ag_call){ .op = AG_OP_SCATTER_ALONG,
		.in = (ag_tensor *[]){ src, index }, .nin = 2, .args = &a,
		.args_size = sizeof a });
}
