/*
 * advindex.c - advanced indexing: x[indices] and index_put (x[indices] =
 * v, with or without accumulation), where indices are int64 or bool
 * tensors per dim, as numpy and PyTorch define them.
 *
 * The index tensors broadcast to one shape B; each position of B picks one
 * element along every indexed dim.  When the indexed dims are adjacent the
 * result keeps the dims around them: pre + B + post; otherwise B comes
 * first: B + (the dims not indexed).  A bool mask stands for the positions
 * of its true elements (nonzero), over as many dims as it has.
 *
 * The indices are checked, wrapped and packed into one int64 tensor
 * [nidx, B...], which is what the node keeps and what the backward
 * formulas index with again.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <stdio.h>

static int base(void) { return ag_index_base(); }

/* ------------------------------------------------------- the indices */

/* Column k of a [n, m] int64 tensor, as a fresh 1-d tensor. */
static ag_tensor *column(ag_tensor *nz, int k)
{
	int64_t n = nz->shape[0], m = nz->shape[1];
	ag_tensor *c = ag_tensor_alloc_uninit(&n, 1, AG_INT64);
	if (!c)
		return NULL;
	const int64_t *src = ag_data_ptr(nz);
	int64_t *dst = ag_data_ptr(c);
	for (int64_t i = 0; i < n; i++)
		dst[i] = src[i * m + k];
	return c;
}

/* The positions (0-based) that one bool mask stands for, from dim d on:
 * a column per dim of the mask, added to per_dim / owned. */
static int expand_mask(ag_tensor *t, ag_tensor *mask, int d,
		       ag_tensor **per_dim, ag_tensor **owned, int *nowned)
{
	char b1[256], b2[256];

	if (d + mask->ndim > t->ndim)
		return ag_error(AG_ERR_INDEX, "too many indices for tensor of "
				"dimension %d", t->ndim);
	for (int j = 0; j < mask->ndim; j++)
		if (mask->shape[j] != t->shape[d + j])
			return ag_error(AG_ERR_INDEX, "The shape of the mask %s at "
					"index %d does not match the shape of the "
					"indexed tensor %s at index %d",
					ag_shape_str(mask->shape, mask->ndim, b1,
						     sizeof b1), j + base(),
					ag_shape_str(t->shape, t->ndim, b2, sizeof b2),
					d + j + base());
	ag_tensor *nz = ag_nonzero_raw(mask);
	if (!nz)
		return -1;
	for (int j = 0; j < mask->ndim; j++) {
		ag_tensor *c = column(nz, j);
		if (!c) {
			ag_tensor_release(nz);
			return -1;
		}
		owned[(*nowned)++] = c;
		per_dim[d + j] = c;
	}
	ag_tensor_release(nz);
	return 0;
}

/* The shapes of the index tensors, for the broadcast error. */
static void shapes_list(ag_tensor **per_dim, int n, char *buf, size_t size)
{
	char one[256];
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (!per_dim[i])
			continue;
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0,
					 "%s%s", used ? ", " : "",
					 ag_shape_str(per_dim[i]->shape,
						      per_dim[i]->ndim, one,
						      sizeof one));
		if (used >= size)
			break;
	}
}

/* Wrapped copies of the index tensors, broadcast to B, in the rows of
 * one [nidx, B...] tensor; bounds checked with PyTorch's text. */
static ag_tensor *pack(ag_tensor *t, ag_tensor **per_dim,
		       const ag_adv_index_args *a, const int64_t *B, int nb)
{
	int64_t shape[AG_MAX_DIMS + 1], bn = 1;

	if (nb + 1 > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
			 AG_MAX_DIMS);
		return NULL;
	}
	shape[0] = a->nidx;
	for (int i = 0; i < nb; i++) {
		shape[i + 1] = B[i];
		bn *= B[i];
	}
	ag_tensor *p = ag_tensor_alloc_uninit(shape, nb + 1, AG_INT64);
	if (!p)
		return NULL;
	for (int j = 0; j < a->nidx; j++) {
		ag_tensor *ix = per_dim[a->dims[j]];
		int64_t size = t->shape[a->dims[j]];
		ag_tensor *src = ag_broadcast_header(ix, B, nb);
		ag_tensor *row = src ? ag_select_header(p, 0, j) : NULL;
		int rc = row ? ag_copy_raw(row, src) : -1;
		ag_tensor_release(src);
		ag_tensor_release(row);
		if (rc < 0) {
			ag_tensor_release(p);
			return NULL;
		}
		int64_t *v = (int64_t *)ag_data_ptr(p) + j * bn;
		for (int64_t i = 0; i < bn; i++) {
			if (v[i] >= size || v[i] < -size) {
				ag_error(AG_ERR_INDEX, "index %lld is out of bounds "
					 "for dimension %d with size %lld",
					 (long long)(v[i] < 0 ? v[i] : v[i] + base()),
					 a->dims[j] + base(), (long long)size);
				ag_tensor_release(p);
				return NULL;
			}
			if (v[i] < 0)
				v[i] += size;
		}
	}
	return p;
}

/* From the user's index list to the packed form; *packed is a new
 * reference. */
static int prepare(ag_tensor *t, ag_tensor *const *indices, int n,
		   ag_tensor **packed, ag_adv_index_args *a)
{
	ag_tensor *per_dim[AG_MAX_DIMS] = { NULL }, *owned[AG_MAX_DIMS];
	int64_t B[AG_MAX_DIMS];
	int nowned = 0, d = 0, nb = 0, rc = -1;
	char buf[1024];

	memset(a, 0, sizeof *a);
	a->self = ag_shape_of(t);
	for (int i = 0; i < n; i++) {
		ag_tensor *ix = indices[i];
		if (d >= t->ndim) {
			ag_error(AG_ERR_INDEX, "too many indices for tensor of "
				 "dimension %d", t->ndim);
			goto out;
		}
		if (!ix) {
			d++;
		} else if (ix->dtype == AG_BOOL && ix->ndim > 0) {
			if (expand_mask(t, ix, d, per_dim, owned, &nowned) < 0)
				goto out;
			d += ix->ndim;
		} else if (ix->dtype == AG_INT64) {
			per_dim[d++] = ix;
		} else if (ix->dtype == AG_BOOL) {
			ag_error(AG_ERR_INDEX, "a 0-dim bool index is not supported");
			goto out;
		} else {
			ag_error(AG_ERR_INDEX, "tensors used as indices must be long, "
				 "byte or bool tensors");
			goto out;
		}
	}
	for (int k = 0; k < t->ndim; k++) {
		if (!per_dim[k])
			continue;
		a->dims[a->nidx++] = k;
		if (ag_broadcast_shapes(B, nb, per_dim[k]->shape, per_dim[k]->ndim,
					B, &nb) < 0) {
			shapes_list(per_dim, t->ndim, buf, sizeof buf);
			ag_error_clear();
			ag_error(AG_ERR_INDEX, "shape mismatch: indexing tensors could "
				 "not be broadcast together with shapes %s", buf);
			goto out;
		}
	}
	if (a->nidx == 0) {
		ag_error(AG_ERR_VALUE, "index: no index tensor");
		goto out;
	}
	*packed = pack(t, per_dim, a, B, nb);
	rc = *packed ? 0 : -1;
out:
	for (int i = 0; i < nowned; i++)
		ag_tensor_release(owned[i]);
	return rc;
}

/* ---------------------------------------------------------- the layout */

/*
 * How positions of t and of the result (or index_put's values) meet:
 * pre dims (the non-indexed ones before the first indexed dim, when the
 * indexed dims are adjacent), then B, then post dims (the other
 * non-indexed ones).  Strides in elements for t and for the result.
 */
typedef struct layout {
	int npre, nb, npost;
	int64_t pre[AG_MAX_DIMS], pre_t[AG_MAX_DIMS], pre_r[AG_MAX_DIMS];
	int64_t b[AG_MAX_DIMS], b_r[AG_MAX_DIMS];
	int64_t post[AG_MAX_DIMS], post_t[AG_MAX_DIMS], post_r[AG_MAX_DIMS];
	int nidx;
	int64_t idx_t[AG_MAX_DIMS];	/* t's stride along each indexed dim */
} layout;

static bool adjacent(const ag_adv_index_args *a)
{
	return a->dims[a->nidx - 1] - a->dims[0] == a->nidx - 1;
}

/* The result's shape for t indexed as a says, with B from packed. */
static int result_shape(const ag_adv_index_args *a, const ag_tensor *packed,
			int64_t *shape)
{
	int n = 0, first = adjacent(a) ? a->dims[0] : 0;
	bool indexed[AG_MAX_DIMS] = { false };

	for (int j = 0; j < a->nidx; j++)
		indexed[a->dims[j]] = true;
	for (int k = 0; k < first; k++)
		shape[n++] = a->self.size[k];
	for (int i = 1; i < packed->ndim; i++)
		shape[n++] = packed->shape[i];
	for (int k = first; k < a->self.ndim; k++)
		if (!indexed[k])
			shape[n++] = a->self.size[k];
	if (n > AG_MAX_DIMS)
		return ag_error(AG_ERR_VALUE, "tensors have at most %d dimensions",
				AG_MAX_DIMS);
	return n;
}

/* r: the result (index) or the values broadcast to its shape (index_put),
 * with its own strides. */
static layout make_layout(const ag_tensor *t, const ag_adv_index_args *a,
			  const ag_tensor *packed, const int64_t *rstride)
{
	layout L = { .nidx = a->nidx, .nb = packed->ndim - 1 };
	int first = adjacent(a) ? a->dims[0] : 0, r = 0;
	bool indexed[AG_MAX_DIMS] = { false };

	for (int j = 0; j < a->nidx; j++) {
		indexed[a->dims[j]] = true;
		L.idx_t[j] = t->stride[a->dims[j]];
	}
	for (int k = 0; k < first; k++, r++) {
		L.pre[L.npre] = t->shape[k];
		L.pre_t[L.npre] = t->stride[k];
		L.pre_r[L.npre++] = rstride[r];
	}
	for (int i = 0; i < L.nb; i++, r++) {
		L.b[i] = packed->shape[i + 1];
		L.b_r[i] = rstride[r];
	}
	for (int k = first; k < t->ndim; k++)
		if (!indexed[k]) {
			L.post[L.npost] = t->shape[k];
			L.post_t[L.npost] = t->stride[k];
			L.post_r[L.npost++] = rstride[r++];
		}
	return L;
}

/* Advances a multi-index over shape (n dims), moving two offsets. */
static inline bool step(int64_t *idx, const int64_t *shape, int n,
			const int64_t *s1, int64_t *o1, const int64_t *s2,
			int64_t *o2)
{
	for (int d = n - 1; d >= 0; d--) {
		*o1 += s1[d];
		*o2 += s2[d];
		if (++idx[d] < shape[d])
			return true;
		*o1 -= s1[d] * shape[d];
		*o2 -= s2[d] * shape[d];
		idx[d] = 0;
	}
	return false;
}

static int64_t numel_of(const int64_t *shape, int n)
{
	int64_t k = 1;
	for (int i = 0; i < n; i++)
		k *= shape[i];
	return k;
}

enum { GET, SET, ADD };

/* The loops: for every pre position, every B position and every post
 * position, the element of t and the element of r that meet; GET copies
 * t into r, SET r into t, ADD adds r to t. */
static void run(const layout *L, char *tp, char *rp, const int64_t *packed,
		ag_dtype dt, int mode)
{
	int64_t es = (int64_t)ag_dtype_size(dt);
	int64_t np = numel_of(L->pre, L->npre), bn = numel_of(L->b, L->nb);
	int64_t nq = numel_of(L->post, L->npost);
	int64_t pi[AG_MAX_DIMS] = { 0 }, pt = 0, pr = 0, zero[AG_MAX_DIMS] = { 0 };

	if (np == 0 || bn == 0 || nq == 0)
		return;
	/* post dims dense on both sides: whole runs at once */
	bool dense = true;
	for (int64_t d = L->npost - 1, k = 1; d >= 0; k *= L->post[d], d--)
		if (L->post[d] != 1 && (L->post_t[d] != k || L->post_r[d] != k))
			dense = false;
	for (int64_t p = 0; p < np; p++) {
		int64_t bi[AG_MAX_DIMS] = { 0 }, br = 0, unused = 0;
		for (int64_t b = 0; b < bn; b++) {
			int64_t bt = pt;
			for (int j = 0; j < L->nidx; j++)
				bt += packed[j * bn + b] * L->idx_t[j];
			int64_t qi[AG_MAX_DIMS] = { 0 }, qt = bt, qr = pr + br;
			if (dense && mode != ADD) {
				char *a = tp + qt * es, *v = rp + qr * es;
				memcpy(mode == GET ? v : a, mode == GET ? a : v,
				       (size_t)(nq * es));
				step(bi, L->b, L->nb, zero, &unused, L->b_r, &br);
				continue;
			}
			for (int64_t q = 0; q < nq; q++) {
				char *a = tp + qt * es, *v = rp + qr * es;
				if (mode == GET)
					memcpy(v, a, (size_t)es);
				else if (mode == SET)
					memcpy(a, v, (size_t)es);
				else
					ag_add_one(a, v, dt);
				step(qi, L->post, L->npost, L->post_t, &qt,
				     L->post_r, &qr);
			}
			step(bi, L->b, L->nb, zero, &unused, L->b_r, &br);
		}
		step(pi, L->pre, L->npre, L->pre_t, &pt, L->pre_r, &pr);
	}
}

/* -------------------------------------------------------------- x[...] */

ag_tensor *ag_index_packed(ag_tensor *t, ag_tensor *packed,
			   const ag_adv_index_args *a)
{
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	int n = result_shape(a, packed, shape);

	if (n < 0)
		return NULL;
	ag_tensor *out = ag_tensor_alloc_uninit(shape, n, t->dtype);
	if (out) {
		ag_contiguous_strides(shape, n, stride);
		layout L = make_layout(t, a, packed, stride);
		run(&L, ag_data_ptr(t), ag_data_ptr(out), ag_data_ptr(packed),
		    t->dtype, GET);
	}
	return ag_recorded(out, (ag_call){ .op = AG_OP_INDEX,
		.in = (ag_tensor *[]){ t, packed }, .nin = 2, .args = a,
		.args_size = sizeof *a });
}

ag_tensor *ag_index(ag_tensor *t, ag_tensor *const *indices, int n)
{
	ag_adv_index_args a;
	ag_tensor *packed = NULL;

	if (t->ndim == 0) {
		ag_error(AG_ERR_INDEX, "invalid index of a 0-dim tensor");
		return NULL;
	}
	if (prepare(t, indices, n, &packed, &a) < 0)
		return NULL;
	ag_tensor *r = ag_index_packed(t, packed, &a);
	ag_tensor_release(packed);
	return r;
}

/* ----------------------------------------------------------- index_put */

struct put_ctx {
	ag_tensor *packed;
	const ag_adv_index_args *a;
	ag_tensor *values;
	bool accumulate;
};

static int put_write(ag_tensor *dst, void *p)
{
	struct put_ctx *c = p;
	int64_t shape[AG_MAX_DIMS], stride[AG_MAX_DIMS];
	int n = result_shape(c->a, c->packed, shape);
	ag_tensor *v = c->values;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int k = i - (n - v->ndim);
		stride[i] = k < 0 || v->shape[k] == 1 ? 0 : v->stride[k];
	}
	layout L = make_layout(dst, c->a, c->packed, stride);
	run(&L, ag_data_ptr(dst), ag_data_ptr(v), ag_data_ptr(c->packed),
	    dst->dtype, c->accumulate ? ADD : SET);
	return 0;
}

/* values fit the indexing result (PyTorch's texts), values broadcast. */
static int check_values(ag_tensor *t, ag_tensor *values, ag_tensor *packed,
			const ag_adv_index_args *a)
{
	int64_t shape[AG_MAX_DIMS], out[AG_MAX_DIMS];
	char b1[256], b2[256];
	int n = result_shape(a, packed, shape), m;

	if (n < 0)
		return -1;
	if (!values)
		return ag_error(AG_ERR_VALUE, "index_put_: no values");
	if (values->dtype != t->dtype)
		return ag_error(AG_ERR_DTYPE, "Index put requires the source and "
				"destination dtypes match, got %s for the "
				"destination and %s for the source.",
				ag_dtype_scalar_name(t->dtype),
				ag_dtype_scalar_name(values->dtype));
	if (ag_broadcast_shapes(shape, n, values->shape, values->ndim, out,
				&m) < 0 || m != n ||
	    memcmp(out, shape, (size_t)n * sizeof *out)) {
		ag_error_clear();
		return ag_error(AG_ERR_SHAPE, "shape mismatch: value tensor of shape "
				"%s cannot be broadcast to indexing result of "
				"shape %s", ag_shape_str(values->shape,
				values->ndim, b1, sizeof b1),
				ag_shape_str(shape, n, b2, sizeof b2));
	}
	return 0;
}

static ag_tensor *put_call(ag_tensor *t, ag_tensor *packed,
			   const ag_adv_index_args *a, ag_tensor *values,
			   bool accumulate, int variant, bool inplace, int *rc)
{
	ag_adv_index_args args = *a;
	ag_tensor *r = NULL;

	*rc = -1;
	if (check_values(t, values, packed, a) < 0) {
		if (inplace)
			ag_trace_failed(AG_OP_INDEX_PUT,
					(ag_tensor *[]){ t, packed, values }, 3, t);
		return NULL;
	}
	args.values = ag_shape_of(values);
	args.accumulate = accumulate;
	struct put_ctx c = { packed, &args, values, accumulate };
	ag_write_call w = { .op = AG_OP_INDEX_PUT, .variant = variant,
		.in = (ag_tensor *[]){ t, packed, values }, .nin = 3,
		.write = put_write, .ctx = &c, .args = &args,
		.args_size = sizeof args };
	if (inplace)
		*rc = ag_write_inplace(&w);
	else
		r = ag_write_copy(&w);
	return r;
}

ag_tensor *ag_index_put_packed(ag_tensor *t, ag_tensor *packed,
			       const ag_adv_index_args *a, ag_tensor *values,
			       bool accumulate, int variant)
{
	int rc;
	return put_call(t, packed, a, values, accumulate, variant, false, &rc);
}

static ag_tensor *index_put(ag_tensor *t, ag_tensor *const *indices, int n,
			    ag_tensor *values, bool accumulate, bool inplace,
			    int *rc)
{
	ag_adv_index_args a;
	ag_tensor *packed = NULL, *r;

	*rc = -1;
	if (prepare(t, indices, n, &packed, &a) < 0) {
		if (inplace)
			ag_trace_failed(AG_OP_INDEX_PUT, (ag_tensor *[]){ t, values },
					2, t);
		return NULL;
	}
	r = put_call(t, packed, &a, values, accumulate, 0, inplace, rc);
	ag_tensor_release(packed);
	return r;
}

ag_tensor *ag_index_put(ag_tensor *t, ag_tensor *const *indices, int n,
			ag_tensor *values, bool accumulate)
{
	int rc;
	return index_put(t, indices, n, values, accumulate, false, &rc);
}

int ag_index_put_(ag_tensor *t, ag_tensor *const *indices, int n,
		  ag_tensor *values, bool accumulate)
{
	int rc;
	index_put(t, indices, n, values, accumulate, true, &rc);
	return rc;
}
