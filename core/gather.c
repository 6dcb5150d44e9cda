/*
 * gather.c - ops that read or write through an index tensor: gather,
 * take_along_dim, scatter (a tensor, a value, reduce=), scatter_add,
 * index_add, index_copy, index_fill, take and put.
 *
 * Index tensors are int64 and 0-based.  Every index is checked before the
 * first write, so a bad one leaves self untouched.  Messages that name an
 * index or a dim count from ag_index_base() (1 under Lua).
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <math.h>

#include <stdio.h>

static int base(void) { return ag_index_base(); }
/* An index value as the user wrote it (negatives stay negative). */
static long long shown(int64_t k) { return (long long)(k < 0 ? k : k + base()); }

/* ---------------------------------------------------- per-element walks */

/*
 * gather and scatter walk the positions of the index tensor; at each, `a`
 * (the tensor indexed along dim) is at the same position but for dim,
 * where the index value is, and `b` (gather's output, scatter's source) is
 * at the same position.  Strides in elements; a's stride along dim is
 * kept apart in adim so the walk adds the index value times it.
 */
typedef struct walk {
	int ndim;
	int64_t shape[AG_MAX_DIMS];
	int64_t istr[AG_MAX_DIMS], astr[AG_MAX_DIMS], bstr[AG_MAX_DIMS];
	int64_t adim;
	const int64_t *ip;
	char *ap, *bp;
	int64_t es;
} walk;

#define WALK(w, BODY) do {						\
	int64_t idx_[AG_MAX_DIMS] = { 0 }, n_ = 1;			\
	int64_t io_ = 0, ao_ = 0, bo_ = 0;				\
	for (int d_ = 0; d_ < (w)->ndim; d_++)				\
		n_ *= (w)->shape[d_];					\
	for (int64_t e_ = 0; e_ < n_; e_++) {				\
		char *pa = (w)->ap + (ao_ + (w)->ip[io_] * (w)->adim) * (w)->es; \
		char *pb = (w)->bp + bo_ * (w)->es;			\
		BODY;							\
		for (int d_ = (w)->ndim - 1; d_ >= 0; d_--) {		\
			io_ += (w)->istr[d_];				\
			ao_ += (w)->astr[d_];				\
			bo_ += (w)->bstr[d_];				\
			if (++idx_[d_] < (w)->shape[d_])		\
				break;					\
			io_ -= (w)->istr[d_] * (w)->shape[d_];		\
			ao_ -= (w)->astr[d_] * (w)->shape[d_];		\
			bo_ -= (w)->bstr[d_] * (w)->shape[d_];		\
			idx_[d_] = 0;					\
		}							\
	}								\
} while (0)

/* A 0-d tensor walks as one element of a 1-d one. */
static int dims_of(const ag_tensor *t) { return t->ndim ? t->ndim : 1; }
static int64_t size_of(const ag_tensor *t, int d) { return t->ndim ? t->shape[d] : 1; }
static int64_t stride_of(const ag_tensor *t, int d) { return t->ndim ? t->stride[d] : 1; }

/* The walk of index `ic` (dense) over a (indexed along d) and b. */
static walk make_walk(ag_tensor *ic, ag_tensor *a, ag_tensor *b, int d)
{
	walk w = { .ndim = dims_of(ic), .ip = ag_data_ptr(ic),
		   .ap = ag_data_ptr(a), .bp = b ? ag_data_ptr(b) : NULL,
		   .es = (int64_t)ag_dtype_size(a->dtype) };
	int64_t istride[AG_MAX_DIMS];

	ag_contiguous_strides(ic->shape, ic->ndim, istride);
	for (int i = 0; i < w.ndim; i++) {
		w.shape[i] = size_of(ic, i);
		w.istr[i] = ic->ndim ? istride[i] : 1;
		w.astr[i] = i == d ? 0 : stride_of(a, i);
		w.bstr[i] = b ? stride_of(b, i) : 0;
	}
	w.adim = stride_of(a, d);
	return w;
}

/* Every value of the dense index ic lies in [0, size) (negatives too
 * when wrap: then [-size, size)); PyTorch's text otherwise. */
static int check_bounds(ag_tensor *ic, int64_t size, int d, bool wrap,
			const char *prefix)
{
	const int64_t *p = ag_data_ptr(ic);
	int64_t n = ag_numel(ic);

	for (int64_t i = 0; i < n; i++)
		if (p[i] >= size || p[i] < (wrap ? -size : 0))
			return ag_error(AG_ERR_INDEX, "%sindex %lld is out of bounds "
					"for dimension %d with size %lld", prefix,
					shown(p[i]), d + base(), (long long)size);
	return 0;
}

static int check_index_dtype(const ag_tensor *index, const char *fname)
{
	if (!index)
		return ag_error(AG_ERR_VALUE, "%s(): no index tensor", fname);
	if (index->dtype != AG_INT64)
		return ag_error(AG_ERR_DTYPE, "%s(): Expected dtype int64 for index",
				fname);
	return 0;
}

/* ---------------------------------------------------------------- gather */

ag_tensor *ag_gather(ag_tensor *t, int dim, ag_tensor *index)
{
	char b1[256], b2[256];
	int d;

	if (check_index_dtype(index, "gather") < 0 ||
	    ag_wrap_dim(dim, t->ndim, &d) < 0)
		return NULL;
	if (dims_of(index) != dims_of(t)) {
		ag_error(AG_ERR_SHAPE, "Index tensor must have the same number of "
			 "dimensions as input tensor");
		return NULL;
	}
	for (int i = 0; i < index->ndim; i++)
		if (i != d && index->shape[i] > size_of(t, i)) {
			ag_error(AG_ERR_SHAPE, "Size does not match at dimension %d "
				 "expected index %s to be smaller than self %s apart "
				 "from dimension %d", i + base(),
				 ag_shape_str(index->shape, index->ndim, b1, sizeof b1),
				 ag_shape_str(t->shape, t->ndim, b2, sizeof b2),
				 d + base());
			return NULL;
		}
	ag_tensor *ic = ag_dense(index), *out = NULL;
	if (ic && check_bounds(ic, size_of(t, d), d, false, "") == 0 &&
	    (out = ag_tensor_alloc_uninit(index->shape, index->ndim, t->dtype))) {
		walk w = make_walk(ic, t, out, d);
		WALK(&w, memcpy(pb, pa, (size_t)w.es));
	}
	ag_tensor_release(ic);
	ag_index_dim_args a = { .self = ag_shape_of(t), .dim = d };
	return ag_recorded(out, (ag_call){ .op = AG_OP_GATHER,
		.in = (ag_tensor *[]){ t, index }, .nin = 2, .args = &a,
		.args_size = sizeof a });
}

ag_tensor *ag_take_along_dim(ag_tensor *t, ag_tensor *index, int dim,
			     bool has_dim)
{
	if (!index || index->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "torch.take_along_dim(): dtype of indices "
			 "should be Long but got %s", index ?
			 ag_dtype_scalar_name(index->dtype) : "None");
		return NULL;
	}
	if (!has_dim) {
		int64_t all = -1;
		ag_tensor *flat = ag_view(t, &all, 1);
		ag_tensor *iflat = flat ? ag_view(index, &all, 1) : NULL;
		ag_tensor *r = iflat ? ag_gather(flat, 0, iflat) : NULL;
		ag_tensor_release(flat);
		ag_tensor_release(iflat);
		return r;
	}
	if (t->ndim != index->ndim) {
		ag_error(AG_ERR_SHAPE, "torch.take_along_dim(): input and indices "
			 "should have the same number of dimensions, but got %d "
			 "dimensions for input, and %d dimensions for indices",
			 t->ndim, index->ndim);
		return NULL;
	}
	int d, nd = t->ndim;
	int64_t ts[AG_MAX_DIMS], is[AG_MAX_DIMS], bshape[AG_MAX_DIMS];
	if (ag_wrap_dim(dim, nd, &d) < 0)
		return NULL;
	/* broadcast in every dim but d, where each keeps its own size */
	memcpy(ts, t->shape, sizeof ts);
	memcpy(is, index->shape, sizeof is);
	if (nd) {
		ts[d] = is[d] = 1;
	}
	if (ag_broadcast_shapes(ts, nd, is, nd, bshape, &nd) < 0)
		return NULL;
	memcpy(ts, bshape, sizeof ts);
	memcpy(is, bshape, sizeof is);
	if (t->ndim) {
		ts[d] = t->shape[d];
		is[d] = index->shape[d];
	}
	ag_tensor *te = ag_expand(t, ts, nd);
	ag_tensor *ie = te ? ag_expand(index, is, nd) : NULL;
	ag_tensor *r = ie ? ag_gather(te, d, ie) : NULL;
	ag_tensor_release(te);
	ag_tensor_release(ie);
	return r;
}

/* --------------------------------------------------------------- scatter */

enum { SET, ADD, MUL };

struct scatter_ctx {
	int dim;
	ag_tensor *index;	/* dense, checked */
	ag_tensor *src;		/* or NULL: value */
	double value;
	int mode;
};

static int scatter_write(ag_tensor *dst, void *p)
{
	struct scatter_ctx *c = p;
	unsigned char vb[8];
	ag_tensor *src = c->src;
	walk w = make_walk(c->index, dst, src, c->dim);

	if (!src) {
		ag_store(vb, dst->dtype, c->value);
		w.bp = (char *)vb;	/* every position reads the one value */
	}
	if (c->mode == SET) {
		WALK(&w, memcpy(pa, pb, (size_t)w.es));
		return 0;
	}
	switch (dst->dtype) {
	case AG_FLOAT32:
		if (c->mode == ADD)
			WALK(&w, *(float *)pa += *(float *)pb);
		else
			WALK(&w, *(float *)pa *= *(float *)pb);
		break;
	case AG_FLOAT64:
		if (c->mode == ADD)
			WALK(&w, *(double *)pa += *(double *)pb);
		else
			WALK(&w, *(double *)pa *= *(double *)pb);
		break;
	case AG_INT64:
		if (c->mode == ADD)
			WALK(&w, *(int64_t *)pa = (int64_t)((uint64_t)*(int64_t *)pa +
							   (uint64_t)*(int64_t *)pb));
		else
			WALK(&w, *(int64_t *)pa = (int64_t)((uint64_t)*(int64_t *)pa *
							   (uint64_t)*(int64_t *)pb));
		break;
	case AG_BOOL:
		if (c->mode == ADD)
			WALK(&w, *(uint8_t *)pa = *(uint8_t *)pa || *(uint8_t *)pb);
		else
			WALK(&w, *(uint8_t *)pa = *(uint8_t *)pa && *(uint8_t *)pb);
		break;
	default:
		if (c->mode == ADD)
			WALK(&w, ag_store(pa, dst->dtype, (float)ag_load(pa, dst->dtype) +
					  (float)ag_load(pb, dst->dtype)));
		else
			WALK(&w, ag_store(pa, dst->dtype, (float)ag_load(pa, dst->dtype) *
					  (float)ag_load(pb, dst->dtype)));
	}
	return 0;
}

/* PyTorch's checks of scatter and scatter_add; fills the context (the
 * dense index is a new reference the caller releases). */
static int scatter_check(ag_tensor *t, int dim, ag_tensor *index,
			 ag_tensor *src, struct scatter_ctx *c)
{
	char b1[256], b2[256], b3[256];
	int d;

	if (check_index_dtype(index, "scatter") < 0)
		return -1;
	if (src && src->dtype != t->dtype)
		return ag_error(AG_ERR_DTYPE, "scatter(): Expected self.dtype to be "
				"equal to src.dtype");
	if (ag_wrap_dim(dim, t->ndim, &d) < 0)
		return -1;
	if (dims_of(index) != dims_of(t))
		return ag_error(AG_ERR_SHAPE, "Index tensor must have the same "
				"number of dimensions as self tensor");
	if (src && dims_of(index) != dims_of(src))
		return ag_error(AG_ERR_SHAPE, "Index tensor must have the same "
				"number of dimensions as src tensor");
	for (int i = 0; i < index->ndim; i++)
		if ((i != d && index->shape[i] > size_of(t, i)) ||
		    (src && index->shape[i] > size_of(src, i)))
			return ag_error(AG_ERR_SHAPE, "Expected index %s to be "
					"smaller than self %s apart from dimension "
					"%d%s%s", ag_shape_str(index->shape,
					index->ndim, b1, sizeof b1),
					ag_shape_str(t->shape, t->ndim, b2, sizeof b2),
					d + base(), src ? " and to be smaller size "
					"than src " : "", src ? ag_shape_str(src->shape,
					src->ndim, b3, sizeof b3) : "");
	c->dim = d;
	c->src = src;
	c->index = ag_dense(index);
	if (!c->index)
		return -1;
	if (check_bounds(c->index, size_of(t, d), d, false, "") < 0) {
		ag_tensor_release(c->index);
		return -1;
	}
	return 0;
}

/* One scatter-like call: out of place (result) or in place (*rc). */
static ag_tensor *scatter_call(ag_op op, ag_tensor *t, int dim,
			       ag_tensor *index, ag_tensor *src, double value,
			       int mode, bool inplace, int *rc)
{
	struct scatter_ctx c = { .value = value, .mode = mode };
	ag_tensor *r = NULL;

	*rc = -1;
	if (scatter_check(t, dim, index, src, &c) < 0) {
		if (inplace)
			ag_trace_failed(op, (ag_tensor *[]){ t, index, src },
					src ? 3 : 2, t);
		return NULL;
	}
	ag_index_dim_args a = { .self = ag_shape_of(t), .dim = c.dim,
				.value = value };
	if (src)
		a.source = ag_shape_of(src);
	ag_write_call w = { .op = op, .in = (ag_tensor *[]){ t, index, src },
			    .nin = src ? 3 : 2, .write = scatter_write, .ctx = &c,
			    .args = &a, .args_size = sizeof a };
	if (inplace)
		*rc = ag_write_inplace(&w);
	else
		r = ag_write_copy(&w);
	ag_tensor_release(c.index);
	return r;
}

ag_tensor *ag_scatter(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src)
{
	int rc;
	return scatter_call(AG_OP_SCATTER, t, dim, index, src, 0, SET, false, &rc);
}

int ag_scatter_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src)
{
	int rc;
	scatter_call(AG_OP_SCATTER, t, dim, index, src, 0, SET, true, &rc);
	return rc;
}

ag_tensor *ag_scatter_value(ag_tensor *t, int dim, ag_tensor *index,
			    double value)
{
	int rc;
	return scatter_call(AG_OP_SCATTER_VALUE, t, dim, index, NULL, value, SET,
			    false, &rc);
}

int ag_scatter_value_(ag_tensor *t, int dim, ag_tensor *index, double value)
{
	int rc;
	scatter_call(AG_OP_SCATTER_VALUE, t, dim, index, NULL, value, SET, true,
		     &rc);
	return rc;
}

ag_tensor *ag_scatter_reduce(ag_tensor *t, int dim, ag_tensor *index,
			     ag_tensor *src, double value, ag_reduce_mode r)
{
	int rc;
	return scatter_call(AG_OP_SCATTER_REDUCE, t, dim, index, src, value,
			    r == AG_SCATTER_ADD ? ADD : MUL, false, &rc);
}

int ag_scatter_reduce_(ag_tensor *t, int dim, ag_tensor *index,
		       ag_tensor *src, double value, ag_reduce_mode r)
{
	int rc;
	scatter_call(AG_OP_SCATTER_REDUCE, t, dim, index, src, value,
		     r == AG_SCATTER_ADD ? ADD : MUL, true, &rc);
	return rc;
}

ag_tensor *ag_scatter_add(ag_tensor *t, int dim, ag_tensor *index,
			  ag_tensor *src)
{
	int rc;
	if (!src) {
		ag_error(AG_ERR_VALUE, "scatter_add(): no src tensor");
		return NULL;
	}
	return scatter_call(AG_OP_SCATTER_ADD, t, dim, index, src, 0, ADD, false,
			    &rc);
}

int ag_scatter_add_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src)
{
	int rc;
	if (!src)
		return ag_error(AG_ERR_VALUE, "scatter_add(): no src tensor");
	scatter_call(AG_OP_SCATTER_ADD, t, dim, index, src, 0, ADD, true, &rc);
	return rc;
}

/* ------------------------------------------------------ scatter_reduce */

/*
 * scatter_reduce(dim, index, src, reduce, include_self): each src element
 * is combined into self at its index (sum, prod, mean, amax, amin); without
 * include_self the positions written to start from the reduction's
 * identity instead of self's value.  Floats are combined in their own
 * precision, each step rounded as PyTorch's kernel rounds it; mean divides
 * by the count at the end (integers rounding down), amax/amin let a NaN
 * of src win.
 */
struct sr_ctx {
	int dim;
	ag_tensor *index;	/* dense, checked */
	ag_tensor *src;
	int reduce;
	bool include_self;
	bool flat;		/* index_reduce of a 0-d self: as 1-d of one */
};

static double sr_combine(int reduce, double a, double b)
{
	switch (reduce) {
	case AG_SR_PROD: return a * b;
	case AG_SR_AMAX: return isnan(b) ? b : (a < b ? b : a);
	case AG_SR_AMIN: return isnan(b) ? b : (b < a ? b : a);
	default: return a + b;	/* sum, mean */
	}
}

static int64_t sr_combine_i(int reduce, int64_t a, int64_t b)
{
	switch (reduce) {
	case AG_SR_PROD: return (int64_t)((uint64_t)a * (uint64_t)b);
	case AG_SR_AMAX: return a < b ? b : a;
	case AG_SR_AMIN: return b < a ? b : a;
	default: return (int64_t)((uint64_t)a + (uint64_t)b);
	}
}

static int sr_write(ag_tensor *dst, void *p)
{
	struct sr_ctx *c = p;
	ag_tensor *w = ag_dense(dst);
	int64_t n = w ? ag_numel(w) : 0;
	int64_t *cnt = w ? calloc((size_t)(n ? n : 1), sizeof *cnt) : NULL;
	ag_dtype dt = dst->dtype;
	int rc = -1;

	if (!w || !cnt) {
		free(cnt);
		ag_tensor_release(w);
		return w ? ag_error(AG_ERR_NOMEM, "out of memory") : -1;
	}
	int64_t one = 1;
	ag_tensor *wv = c->flat && w->ndim == 0
		? ag_tensor_make_view(w, &one, &one, 1, w->offset) : w;
	if (!wv) {
		free(cnt);
		ag_tensor_release(w);
		return -1;
	}
	walk wk = make_walk(c->index, wv, c->src, c->dim);
	char *base = ag_data_ptr(w);
	bool ints = dt == AG_INT64 || dt == AG_BOOL;
	/* the identity where something lands, when self is left out */
	if (!c->include_self) {
		double id = c->reduce == AG_SR_PROD ? 1 : c->reduce == AG_SR_AMAX
			    ? -INFINITY : c->reduce == AG_SR_AMIN ? INFINITY : 0;
		int64_t idi = c->reduce == AG_SR_PROD ? 1 : c->reduce == AG_SR_AMAX
			      ? INT64_MIN : c->reduce == AG_SR_AMIN ? INT64_MAX : 0;
		if (dt == AG_BOOL)
			idi = c->reduce == AG_SR_PROD || c->reduce == AG_SR_AMIN;
		WALK(&wk, { (void)pb;
			if (ints)
				ag_store_i64(pa, dt, idi);
			else
				ag_store(pa, dt, id); });
	}
	WALK(&wk, {
		int64_t k = (pa - base) / wk.es;
		cnt[k]++;
		if (dt == AG_BOOL)
			*(uint8_t *)pa = (uint8_t)(c->reduce == AG_SR_PROD ||
						   c->reduce == AG_SR_AMIN
				? (*(uint8_t *)pa && *(uint8_t *)pb)
				: (*(uint8_t *)pa || *(uint8_t *)pb));
		else if (ints)
			*(int64_t *)pa = sr_combine_i(c->reduce, *(int64_t *)pa,
						      *(int64_t *)pb);
		else
			ag_store(pa, dt, sr_combine(c->reduce, ag_load(pa, dt),
						    ag_load(pb, dt)));
	});
	if (c->reduce == AG_SR_MEAN && dt != AG_BOOL)
		for (int64_t k = 0; k < n; k++) {
			int64_t m = cnt[k] + (c->include_self ? 1 : 0);
			char *at = base + k * wk.es;
			if (cnt[k] == 0 || m == 1)
				continue;
			if (dt == AG_INT64) {
				int64_t v = *(int64_t *)at, q = v / m;
				*(int64_t *)at = q - ((v % m != 0) && ((v < 0) != (m < 0)));
			} else {
				ag_store(at, dt, ag_load(at, dt) / (double)m);
			}
		}
	rc = w == dst ? 0 : ag_copy_raw(dst, w);
	free(cnt);
	if (wv != w)
		ag_tensor_release(wv);
	ag_tensor_release(w);
	return rc;
}

static ag_tensor *sr_call(ag_tensor *t, int dim, ag_tensor *index,
			  ag_tensor *src, int reduce, bool include_self,
			  bool inplace, int *rc)
{
	struct scatter_ctx sc = { 0 };
	struct sr_ctx c = { .reduce = reduce, .include_self = include_self };
	ag_tensor *r = NULL;

	*rc = -1;
	if (!src)
		ag_error(AG_ERR_VALUE, "scatter_reduce(): no src tensor");
	else if (reduce < AG_SR_SUM || reduce > AG_SR_AMIN)
		ag_error(AG_ERR_VALUE, "reduce argument must be either sum, prod, "
			 "mean, amax or amin.");
	else if (scatter_check(t, dim, index, src, &sc) == 0) {
		ag_scatter_reduce_args a = { .self = ag_shape_of(t),
			.source = ag_shape_of(src), .dim = sc.dim, .reduce = reduce,
			.include_self = include_self };
		c.dim = sc.dim;
		c.index = sc.index;
		c.src = src;
		ag_write_call w = { .op = AG_OP_SCATTER_REDUCE_TWO,
			.in = (ag_tensor *[]){ t, index, src }, .nin = 3,
			.write = sr_write, .ctx = &c, .args = &a,
			.args_size = sizeof a };
		/* the backward reads self's old value */
		if (inplace && ag_record_needs_original(w.op, w.in, 3) &&
		    !(w.original = ag_original_copy(t))) {
			ag_tensor_release(sc.index);
			return NULL;
		}
		if (inplace)
			*rc = ag_write_inplace(&w);
		else
			r = ag_write_copy(&w);
		ag_tensor_release(w.original);
		ag_tensor_release(sc.index);
		return r;
	}
	if (inplace)
		ag_trace_failed(AG_OP_SCATTER_REDUCE_TWO,
				(ag_tensor *[]){ t, index, src }, src ? 3 : 2, t);
	return NULL;
}

ag_tensor *ag_scatter_reduce_two(ag_tensor *t, int dim, ag_tensor *index,
				 ag_tensor *src, int reduce, bool include_self)
{
	int rc;
	return sr_call(t, dim, index, src, reduce, include_self, false, &rc);
}

int ag_scatter_reduce_two_(ag_tensor *t, int dim, ag_tensor *index,
			   ag_tensor *src, int reduce, bool include_self)
{
	int rc;
	sr_call(t, dim, index, src, reduce, include_self, true, &rc);
	return rc;
}

/* ---------------------------------------- index_add, _copy and _fill */

/*
 * These take a 1-d (or 0-d) index along dim: position j of the index
 * names the slice index[j] of self, which gets slice j of the source
 * (added, times alpha; copied) or the value.
 */
struct slices_ctx {
	int dim;
	ag_tensor *index;	/* dense */
	ag_tensor *src;		/* NULL for index_fill */
	double value;		/* fill value, or index_add's alpha */
	int mode;
};

static int slices_write(ag_tensor *dst, void *p)
{
	struct slices_ctx *c = p;
	const int64_t *iv = ag_data_ptr(c->index);
	int64_t n = ag_numel(c->index), size = size_of(dst, c->dim);
	ag_tensor *d1 = dst, *s1 = c->src;
	int64_t one = 1;
	int rc = 0;

	/* a 0-d self or source is a 1-d one of one element */
	if (dst->ndim == 0)
		d1 = ag_tensor_make_view(dst, &one, &one, 1, dst->offset);
	else
		ag_tensor_retain(d1);
	if (s1 && s1->ndim == 0)
		s1 = ag_tensor_make_view(s1, &one, &one, 1, s1->offset);
	else if (s1)
		ag_tensor_retain(s1);
	if (!d1 || (c->src && !s1))
		rc = -1;
	for (int64_t j = 0; j < n && rc == 0; j++) {
		int64_t k = iv[j] < 0 ? iv[j] + size : iv[j];
		ag_tensor *ds = ag_select_header(d1, c->dim, k);
		ag_tensor *ss = s1 && ds ? ag_select_header(s1, c->dim, j) : NULL;
		if (!ds || (s1 && !ss))
			rc = -1;
		else if (c->mode == SET && s1)
			rc = ag_copy_raw(ds, ss);
		else if (c->mode == SET)
			rc = ag_fill_raw(ds, c->value);
		else
			rc = ag_axpy_raw(ds, ss, c->value);
		ag_tensor_release(ds);
		ag_tensor_release(ss);
	}
	ag_tensor_release(d1);
	ag_tensor_release(s1);
	return rc;
}

/* The index of index_add/copy/fill: int64, at most 1-d; a dense copy. */
static ag_tensor *slice_index(ag_tensor *index, ag_op op)
{
	char buf[256];

	if (!index) {
		ag_error(AG_ERR_VALUE, "%s(): no index tensor", ag_op_name(op));
		return NULL;
	}
	bool add = op == AG_OP_INDEX_ADD || op == AG_OP_INDEX_REDUCE;
	const char *fn = op == AG_OP_INDEX_REDUCE ? "index_reduce_" : "index_add_";
	if (add && index->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "%s(): Expected dtype int32/int64 for "
			 "index but got: %s", fn,
			 ag_dtype_scalar_name(index->dtype));
		return NULL;
	}
	if (op == AG_OP_INDEX_COPY && index->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "index_copy_(): Expected a long tensor for "
			 "index, but got %s", ag_dtype_scalar_name(index->dtype));
		return NULL;
	}
	if (index->dtype != AG_INT64) {
		ag_error(AG_ERR_DTYPE, "index_fill_(): Expected dtype int64 for "
			 "index.");
		return NULL;
	}
	if (index->ndim > 1) {
		if (add)
			ag_error(AG_ERR_INDEX, "%s(): Index is supposed to be "
				 "a vector, but got dim: %d with type: Long and "
				 "size: %s", fn, index->ndim, ag_shape_str(index->shape,
				 index->ndim, buf, sizeof buf));
		else if (op == AG_OP_INDEX_COPY)
			ag_error(AG_ERR_INDEX, "index_copy_(): Index should have "
				 "dimension 1 or 0 (got %d)", index->ndim);
		else
			ag_error(AG_ERR_INDEX, "Index has to be a vector/scalar");
		return NULL;
	}
	return ag_dense(index);
}

/* index_add and index_copy: the source against self (PyTorch's texts). */
static int check_source(ag_op op, const ag_tensor *t, int d,
			const ag_tensor *index, const ag_tensor *src)
{
	bool add = op == AG_OP_INDEX_ADD || op == AG_OP_INDEX_REDUCE;
	const char *fn = op == AG_OP_INDEX_REDUCE ? "index_reduce_" : "index_add_";
	int64_t n = ag_numel(index);

	if (src->dtype != t->dtype)
		return add ? ag_error(AG_ERR_DTYPE, "%s(): self (%s) and "
				      "source (%s) must have the same scalar type",
				      fn, ag_dtype_scalar_name(t->dtype),
				      ag_dtype_scalar_name(src->dtype))
			   : ag_error(AG_ERR_DTYPE, "index_copy_(): self and source "
				      "expected to have the same dtype, but got "
				      "(self) %s and (source) %s",
				      ag_dtype_scalar_name(t->dtype),
				      ag_dtype_scalar_name(src->dtype));
	if (!add && t->ndim > 0 && src->ndim > 0 && t->ndim != src->ndim)
		return ag_error(AG_ERR_INDEX, "index_copy_(): When source and "
				"destination are not scalars, their dimensionality "
				"must match. Source dimensionality (%d), "
				"destination dimensionality (%d)", src->ndim,
				t->ndim);
	if (n != size_of(src, src->ndim ? d : 0))
		return add ? ag_error(AG_ERR_VALUE, "%s(): Number of indices "
				      "(%lld) should be equal to source.size(dim): "
				      "(%lld), for dim: %d", fn, (long long)n,
				      (long long)size_of(src, src->ndim ? d : 0),
				      d + base())
			   : ag_error(AG_ERR_INDEX, "index_copy_(): Number of "
				      "indices (%lld) should be equal to "
				      "source.size(dim) (%lld)", (long long)n,
				      (long long)size_of(src, src->ndim ? d : 0));
	if (dims_of(src) != dims_of(t))
		return ag_error(AG_ERR_SHAPE, "%s(): source and self must have the "
				"same number of dimensions (got %d and %d)",
				add ? fn : "index_copy_", src->ndim,
				t->ndim);
	for (int i = 0; i < t->ndim; i++)
		if (i != d && src->shape[i] != t->shape[i])
			/* PyTorch's broadcasting text, its (0-based) number
			 * of the slice's dim kept as main's other
			 * broadcasting messages keep theirs */
			return add ? ag_error(AG_ERR_SHAPE, "The size of tensor a "
					      "(%lld) must match the size of tensor "
					      "b (%lld) at non-singleton dimension %d",
					      (long long)t->shape[i],
					      (long long)src->shape[i],
					      i < d ? i : i - 1)
				   : ag_error(AG_ERR_SHAPE, "index_copy_(): "
					      "Source/destination tensor must have "
					      "same slice shapes. Destination slice "
					      "shape: %lld at dimension %d and source "
					      "slice shape: %lld at dimension %d.",
					      (long long)t->shape[i],
					      (i < d ? i : i - 1) + base(),
					      (long long)src->shape[i],
					      (i < d ? i : i - 1) + base());
	return 0;
}

/* index_add: [0, size) only ("index out of range in self"); index_copy:
 * likewise with its own text; index_fill: negatives count back. */
static int check_slice_bounds(ag_op op, ag_tensor *ic, int64_t size, int d)
{
	const int64_t *p = ag_data_ptr(ic);
	int64_t n = ag_numel(ic);

	if (op == AG_OP_INDEX_COPY)
		return check_bounds(ic, size, d, false, "index_copy_(): ");
	if (op != AG_OP_INDEX_ADD && op != AG_OP_INDEX_REDUCE)
		return check_bounds(ic, size, d, true, "");
	for (int64_t i = 0; i < n; i++)
		if (p[i] < 0 || p[i] >= size)
			return ag_error(AG_ERR_INDEX, "index out of range in self");
	return 0;
}

static ag_tensor *slices_call(ag_op op, ag_tensor *t, int dim,
			      ag_tensor *index, ag_tensor *src,
			      ag_tensor *value_t, double value, bool inplace,
			      int *rc)
{
	struct slices_ctx c = { .src = src, .value = value,
				.mode = op == AG_OP_INDEX_ADD ? ADD : SET };
	ag_tensor *r = NULL;
	int d = 0;

	*rc = -1;
	c.index = slice_index(index, op);
	if (c.index && ag_wrap_dim(dim, t->ndim, &d) == 0 &&
	    (!src || check_source(op, t, d, c.index, src) == 0) &&
	    check_slice_bounds(op, c.index, size_of(t, d), d) == 0) {
		c.dim = t->ndim ? d : 0;
		ag_index_dim_args a = { .self = ag_shape_of(t), .dim = c.dim,
					.value = value };
		if (src)
			a.source = ag_shape_of(src);
		ag_tensor *extra = src ? src : value_t;
		ag_write_call w = { .op = op, .in = (ag_tensor *[]){ t, index, extra },
				    .nin = extra ? 3 : 2, .write = slices_write,
				    .ctx = &c, .args = &a, .args_size = sizeof a };
		if (inplace)
			*rc = ag_write_inplace(&w);
		else
			r = ag_write_copy(&w);
	} else if (inplace) {
		ag_trace_failed(op, (ag_tensor *[]){ t, index }, 2, t);
	}
	ag_tensor_release(c.index);
	return r;
}

ag_tensor *ag_index_add(ag_tensor *t, int dim, ag_tensor *index,
			ag_tensor *src, double alpha)
{
	int rc;
	return slices_call(AG_OP_INDEX_ADD, t, dim, index, src, NULL, alpha,
			   false, &rc);
}

int ag_index_add_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src,
		  double alpha)
{
	int rc;
	slices_call(AG_OP_INDEX_ADD, t, dim, index, src, NULL, alpha, true, &rc);
	return rc;
}

/*
 * index_reduce(dim, index, source, reduce, include_self): slice j of the
 * source combined into slice index[j] of self (prod, mean, amax, amin),
 * which is scatter_reduce with the index spread over the source's shape:
 * the same kernel, under index_reduce's checks and its own node.
 */
ag_tensor *ag_index_spread(ag_tensor *index, const ag_tensor *src, int d)
{
	int64_t stride[AG_MAX_DIMS];

	for (int i = 0; i < src->ndim; i++)
		stride[i] = i == d && index->ndim ? index->stride[0] : 0;
	return ag_tensor_make_view(index, src->shape, stride, src->ndim,
				   index->offset);
}

static ag_tensor *ir_call(ag_tensor *t, int dim, ag_tensor *index,
			  ag_tensor *src, int reduce, bool include_self,
			  bool inplace, int *rc)
{
	struct sr_ctx c = { .reduce = reduce, .include_self = include_self,
			    .flat = t->ndim == 0 };
	ag_tensor *ic = NULL, *s1 = NULL, *r = NULL;
	int64_t one = 1;
	int d = 0;

	*rc = -1;
	if (reduce < AG_SR_PROD || reduce > AG_SR_AMIN)
		ag_error(AG_ERR_VALUE, "index_reduce(): Expected reduce to be one "
			 "of prod, mean, amax or amin.");
	else if (!src)
		ag_error(AG_ERR_VALUE, "index_reduce(): no source tensor");
	else if ((ic = slice_index(index, AG_OP_INDEX_REDUCE)) &&
		 ag_wrap_dim(dim, t->ndim, &d) == 0 &&
		 check_source(AG_OP_INDEX_REDUCE, t, d, ic, src) == 0 &&
		 check_slice_bounds(AG_OP_INDEX_REDUCE, ic, size_of(t, d), d) == 0) {
		if (src->ndim == 0)
			s1 = ag_tensor_make_view(src, &one, &one, 1, src->offset);
		else
			ag_tensor_retain(s1 = src);
		c.dim = t->ndim ? d : 0;
		c.src = s1;
		ag_tensor *spread = s1 ? ag_index_spread(ic, s1, c.dim) : NULL;
		c.index = spread ? ag_dense(spread) : NULL;	/* the walk's */
		ag_tensor_release(spread);
	}
	if (c.index) {
		ag_scatter_reduce_args a = { .self = ag_shape_of(t),
			.source = ag_shape_of(src), .dim = c.dim,
			.reduce = reduce, .include_self = include_self };
		ag_write_call w = { .op = AG_OP_INDEX_REDUCE,
			.in = (ag_tensor *[]){ t, index, src }, .nin = 3,
			.write = sr_write, .ctx = &c, .args = &a,
			.args_size = sizeof a };
		/* the backward reads self's old value */
		if (inplace && ag_record_needs_original(w.op, w.in, 3) &&
		    !(w.original = ag_original_copy(t)))
			;
		else if (inplace)
			*rc = ag_write_inplace(&w);
		else
			r = ag_write_copy(&w);
		ag_tensor_release(w.original);
	} else if (inplace) {
		ag_trace_failed(AG_OP_INDEX_REDUCE, (ag_tensor *[]){ t, index, src },
				src ? 3 : 2, t);
	}
	ag_tensor_release(c.index);
	ag_tensor_release(s1);
	ag_tensor_release(ic);
	return r;
}

ag_tensor *ag_index_reduce(ag_tensor *t, int dim, ag_tensor *index,
			   ag_tensor *src, int reduce, bool include_self)
{
	int rc;
	return ir_call(t, dim, index, src, reduce, include_self, false, &rc);
}

int ag_index_reduce_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src,
		     int reduce, bool include_self)
{
	int rc;
	ir_call(t, dim, index, src, reduce, include_self, true, &rc);
	return rc;
}

ag_tensor *ag_index_copy(ag_tensor *t, int dim, ag_tensor *index,
			 ag_tensor *src)
{
	int rc;
	return slices_call(AG_OP_INDEX_COPY, t, dim, index, src, NULL, 0, false,
			   &rc);
}

int ag_index_copy_(ag_tensor *t, int dim, ag_tensor *index, ag_tensor *src)
{
	int rc;
	slices_call(AG_OP_INDEX_COPY, t, dim, index, src, NULL, 0, true, &rc);
	return rc;
}

ag_tensor *ag_index_fill(ag_tensor *t, int dim, ag_tensor *index,
			 double value)
{
	int rc;
	return slices_call(AG_OP_INDEX_FILL, t, dim, index, NULL, NULL, value,
			   false, &rc);
}

int ag_index_fill_(ag_tensor *t, int dim, ag_tensor *index, double value)
{
	int rc;
	slices_call(AG_OP_INDEX_FILL, t, dim, index, NULL, NULL, value, true, &rc);
	return rc;
}

/* A 0-d value tensor's number (PyTorch's text for any other). */
int ag_value_of(const ag_tensor *v, const char *fname, double *out)
{
	if (!v)
		return ag_error(AG_ERR_VALUE, "%s: no value tensor", fname);
	if (v->ndim != 0)
		return ag_error(AG_ERR_SHAPE, "%s only supports a 0-dimensional "
				"value tensor, but got tensor with %d dimension(s).",
				fname, v->ndim);
	*out = ag_load(ag_data_ptr(v), v->dtype);
	return 0;
}

ag_tensor *ag_index_fill_tensor(ag_tensor *t, int dim, ag_tensor *index,
				ag_tensor *value)
{
	double v;
	int rc;
	if (ag_value_of(value, "index_fill_", &v) < 0)
		return NULL;
	return slices_call(AG_OP_INDEX_FILL_TENSOR, t, dim, index, NULL, value, v,
			   false, &rc);
}

int ag_index_fill_tensor_(ag_tensor *t, int dim, ag_tensor *index,
			  ag_tensor *value)
{
	double v;
	int rc;
	if (ag_value_of(value, "index_fill_", &v) < 0)
		return -1;
	slices_call(AG_OP_INDEX_FILL_TENSOR, t, dim, index, NULL, value, v, true,
		    &rc);
	return rc;
}

/* ------------------------------------------------------------ take, put */

/* The offset (elements from t's start) of element k of t in row-major
 * order. */
static int64_t flat_offset(const ag_tensor *t, int64_t k)
{
	int64_t off = 0;
	for (int i = t->ndim - 1; i >= 0; i--) {
		off += (k % t->shape[i]) * t->stride[i];
		k /= t->shape[i];
	}
	return off;
}

static int check_flat_index(const char *fname, ag_tensor *index,
			    ag_tensor **ic, int64_t numel)
{
	if (!index)
		return ag_error(AG_ERR_VALUE, "%s(): no index tensor", fname);
	if (index->dtype != AG_INT64)
		return ag_error(AG_ERR_DTYPE, "%s(): Expected a long tensor for "
				"index, but got %s", fname,
				ag_dtype_scalar_name(index->dtype));
	if (!(*ic = ag_dense(index)))
		return -1;
	const int64_t *p = ag_data_ptr(*ic);
	for (int64_t i = 0, n = ag_numel(*ic); i < n; i++)
		if (p[i] >= numel || p[i] < -numel) {
			ag_tensor_release(*ic);
			return ag_error(AG_ERR_INDEX, "out of range: tried to access "
					"index %lld on a tensor of %lld elements.",
					shown(p[i]), (long long)numel);
		}
	return 0;
}

ag_tensor *ag_take(ag_tensor *t, ag_tensor *index)
{
	ag_tensor *ic, *out;
	int64_t numel = ag_numel(t);

	if (check_flat_index("take", index, &ic, numel) < 0)
		return NULL;
	out = ag_tensor_alloc_uninit(index->shape, index->ndim, t->dtype);
	if (out) {
		const int64_t *p = ag_data_ptr(ic);
		size_t es = ag_dtype_size(t->dtype);
		const char *src = ag_data_ptr(t);
		char *dst = ag_data_ptr(out);
		for (int64_t i = 0, n = ag_numel(ic); i < n; i++) {
			int64_t k = p[i] < 0 ? p[i] + numel : p[i];
			memcpy(dst + (size_t)i * es,
			       src + flat_offset(t, k) * (int64_t)es, es);
		}
	}
	ag_tensor_release(ic);
	ag_index_dim_args a = { .self = ag_shape_of(t) };
	return ag_recorded(out, (ag_call){ .op = AG_OP_TAKE,
		.in = (ag_tensor *[]){ t, index }, .nin = 2, .args = &a,
		.args_size = sizeof a });
}

struct put_ctx {
	ag_tensor *index;	/* dense */
	ag_tensor *src;		/* dense */
	bool accumulate;
};

static int put_write(ag_tensor *dst, void *p)
{
	struct put_ctx *c = p;
	const int64_t *iv = ag_data_ptr(c->index);
	int64_t numel = ag_numel(dst);
	size_t es = ag_dtype_size(dst->dtype);
	char *d = ag_data_ptr(dst);
	const char *s = ag_data_ptr(c->src);

	for (int64_t i = 0, n = ag_numel(c->index); i < n; i++) {
		int64_t k = iv[i] < 0 ? iv[i] + numel : iv[i];
		char *at = d + flat_offset(dst, k) * (int64_t)es;
		if (c->accumulate)
			ag_add_one(at, s + (size_t)i * es, dst->dtype);
		else
			memcpy(at, s + (size_t)i * es, es);
	}
	return 0;
}

static ag_tensor *put_call(ag_tensor *t, ag_tensor *index, ag_tensor *src,
			   bool accumulate, bool inplace, int *rc)
{
	struct put_ctx c = { .accumulate = accumulate };
	ag_tensor *r = NULL;

	*rc = -1;
	if (!src) {
		ag_error(AG_ERR_VALUE, "put_(): no source tensor");
		return NULL;
	}
	if (src->dtype != t->dtype) {
		ag_error(AG_ERR_DTYPE, "put_(): self and source expected to have the "
			 "same dtype, but got self.dtype = %s and source.dtype = %s",
			 ag_dtype_scalar_name(t->dtype),
			 ag_dtype_scalar_name(src->dtype));
	} else if (index && ag_numel(src) != ag_numel(index)) {
		ag_error(AG_ERR_INDEX, "put_(): Expected source and index to have the "
			 "same number of elements, but got source.numel() = %lld, "
			 "index.numel() = %lld", (long long)ag_numel(src),
			 (long long)ag_numel(index));
	} else if (check_flat_index("put_", index, &c.index, ag_numel(t)) == 0) {
		if ((c.src = ag_dense(src))) {
			ag_index_dim_args a = { .self = ag_shape_of(t),
						.source = ag_shape_of(src),
						.accumulate = accumulate };
			ag_write_call w = { .op = AG_OP_PUT,
				.in = (ag_tensor *[]){ t, index, src }, .nin = 3,
				.write = put_write, .ctx = &c, .args = &a,
				.args_size = sizeof a };
			if (inplace)
				*rc = ag_write_inplace(&w);
			else
				r = ag_write_copy(&w);
		}
		ag_tensor_release(c.index);
		ag_tensor_release(c.src);
		return r;
	}
	if (inplace)
		ag_trace_failed(AG_OP_PUT, (ag_tensor *[]){ t, index, src }, 3, t);
	return NULL;
}

ag_tensor *ag_put(ag_tensor *t, ag_tensor *index, ag_tensor *src,
		  bool accumulate)
{
	int rc;
	return put_call(t, index, src, accumulate, false, &rc);
}

int ag_put_(ag_tensor *t, ag_tensor *index, ag_tensor *src, bool accumulate)
{
	int rc;
	put_call(t, index, src, accumulate, true, &rc);
	return rc;
}
