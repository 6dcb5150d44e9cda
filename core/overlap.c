/*
 * overlap.c - may this write go ahead?  Memory overlap decided as PyTorch
 * decides it (aten/src/ATen/MemoryOverlap.cpp semantics): a destination
 * whose elements share addresses (a dim of size > 1 with stride 0) cannot be
 * written by an op that reads as it writes, and an input that partly
 * overlaps the destination gives order-dependent results.  Layouts too
 * tangled to decide cheaply are TooHard and let through, as in PyTorch.
 *
 * For the debugger: a refused write records the tensors it refused (the
 * facts agdb.explain() draws), and with strict overlap on, a TooHard write
 * is checked element by element and a real collision is reported.
 */
#include "internal.h"
#include "debug.h"

#include <stdio.h>

static const char internal_overlap_msg[] =
	"unsupported operation: more than one element of the written-to tensor "
	"refers to a single memory location. Please clone() the tensor before "
	"performing the operation.";

static const char partial_overlap_msg[] =
	"unsupported operation: some elements of the input tensor and the "
	"written-to tensor refer to a single memory location. Please clone() "
	"the tensor before performing the operation.";

bool ag_is_non_overlapping_and_dense(const ag_tensor *t)
{
	int perm[AG_MAX_DIMS];
	int64_t expected = 1;

	if (t->ndim == 1)
		return t->shape[0] < 2 || t->stride[0] == 1;
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] == 0)
			return true;	/* empty: the sizes need not even multiply */
	/* dims sorted by increasing stride must tile memory without gaps */
	for (int i = 0; i < t->ndim; i++)
		perm[i] = i;
	for (int i = 1; i < t->ndim; i++) {
		int cur = perm[i], j = i - 1;
		while (j >= 0 && (t->shape[perm[j]] < 2 ||
				  (t->shape[cur] >= 2 &&
				   t->stride[cur] < t->stride[perm[j]]))) {
			perm[j + 1] = perm[j];
			j--;
		}
		perm[j + 1] = cur;
	}
	for (int i = 0; i < t->ndim; i++) {
		int64_t size = t->shape[perm[i]];
		if (size < 2)
			return true;	/* the rest are size 0/1 too (sorted last) */
		if (t->stride[perm[i]] != expected)
			return false;
		expected *= size;
	}
	return true;
}

ag_overlap ag_has_internal_overlap(const ag_tensor *t)
{
	if (ag_is_non_overlapping_and_dense(t))
		return AG_OVERLAP_NO;
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] > 1 && t->stride[i] == 0)
			return AG_OVERLAP_YES;
	return AG_OVERLAP_TOO_HARD;
}

ag_overlap_status ag_get_overlap_status(const ag_tensor *a, const ag_tensor *b)
{
	if (a == b)
		return AG_OVERLAP_STATUS_FULL;
	if (ag_numel(a) == 0 || ag_numel(b) == 0)
		return AG_OVERLAP_STATUS_NO;
	if (!ag_is_non_overlapping_and_dense(a) ||
	    !ag_is_non_overlapping_and_dense(b))
		return AG_OVERLAP_STATUS_TOO_HARD;
	if (a->storage != b->storage)
		return AG_OVERLAP_STATUS_NO;

	int64_t ea = (int64_t)ag_dtype_size(a->dtype);
	int64_t eb = (int64_t)ag_dtype_size(b->dtype);
	int64_t a_begin = a->offset * ea, a_end = a_begin + ag_numel(a) * ea;
	int64_t b_begin = b->offset * eb, b_end = b_begin + ag_numel(b) * eb;

	if (a_begin == b_begin && a_end == b_end) {
		bool same = a->ndim == b->ndim;
		for (int i = 0; same && i < a->ndim; i++)
			same = a->stride[i] == b->stride[i];
		return same ? AG_OVERLAP_STATUS_FULL : AG_OVERLAP_STATUS_PARTIAL;
	}
	if (a_begin < b_end && b_begin < a_end)
		return AG_OVERLAP_STATUS_PARTIAL;
	return AG_OVERLAP_STATUS_NO;
}

void ag_tensor_fact_of(const ag_tensor *t, ag_tensor_fact *f)
{
	memset(f, 0, sizeof *f);
	if (!t)
		return;
	f->tensor_id = t->id;
	f->storage_id = t->storage ? t->storage->id : 0;
	f->dtype = t->dtype;
	f->ndim = t->ndim;
	memcpy(f->shape, t->shape, sizeof f->shape);
	memcpy(f->stride, t->stride, sizeof f->stride);
	f->offset = t->offset;
	size_t es = ag_dtype_size(t->dtype);
	f->storage_numel = t->storage && es ? (int64_t)(t->storage->nbytes / es) : 0;
}

/* ------------------------------------------------------ strict overlap */

#define STRICT_MAX_ELEMENTS ((int64_t)1 << 22)	/* checked one by one */

static bool strict;
static void (*warn_fn)(const char *, void *);
static void *warn_ud;

void ag_set_strict_overlap(bool on) { strict = on; }
bool ag_strict_overlap(void) { return strict; }

void ag_set_overlap_warning(void (*fn)(const char *msg, void *ud), void *ud)
{
	warn_fn = fn;
	warn_ud = ud;
}

typedef struct cell { int64_t at; int64_t elem; } cell;

static int cmp_cell(const void *a, const void *b)
{
	const cell *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->elem < y->elem ? -1 : x->elem > y->elem;
}

/* The storage cell of every element of t, in row-major element order
 * (malloc'd; NULL when t is too big to check or out of memory). */
static cell *cells_of(const ag_tensor *t, int64_t *n)
{
	*n = ag_numel(t);
	if (*n == 0 || *n > STRICT_MAX_ELEMENTS)
		return NULL;
	cell *c = malloc((size_t)*n * sizeof *c);
	if (!c)
		return NULL;
	int64_t idx[AG_MAX_DIMS] = { 0 };
	for (int64_t e = 0; e < *n; e++) {
		int64_t at = t->offset;
		for (int d = 0; d < t->ndim; d++)
			at += idx[d] * t->stride[d];
		c[e] = (cell){ at, e };
		for (int d = t->ndim - 1; d >= 0; d--) {
			if (++idx[d] < t->shape[d])
				break;
			idx[d] = 0;
		}
	}
	return c;
}

/* "(1, 3)": element e of t as a 1-based multi-index (agdb counts from 1). */
static void element_text(const ag_tensor *t, int64_t e, char *buf, size_t n)
{
	int64_t idx[AG_MAX_DIMS];
	for (int d = t->ndim - 1; d >= 0; d--) {
		idx[d] = t->shape[d] ? e % t->shape[d] : 0;
		e = t->shape[d] ? e / t->shape[d] : 0;
	}
	size_t used = (size_t)snprintf(buf, n, "(");
	for (int d = 0; d < t->ndim && used < n; d++)
		used += (size_t)snprintf(buf + used, n - used, "%s%lld", d ? ", " : "",
					 (long long)idx[d] + 1);
	if (used < n)
		snprintf(buf + used, n - used, ")");
}

static void warn(const char *msg)
{
	if (warn_fn)
		warn_fn(msg, warn_ud);
}

/* A TooHard destination: do two of its elements share a cell? */
static void strict_internal(const ag_tensor *t)
{
	int64_t n;
	cell *c = cells_of(t, &n);
	if (!c)
		return;
	qsort(c, (size_t)n, sizeof *c, cmp_cell);
	for (int64_t i = 1; i < n; i++) {
		if (c[i].at != c[i - 1].at)
			continue;
		char e1[96], e2[96], msg[512];
		element_text(t, c[i - 1].elem, e1, sizeof e1);
		element_text(t, c[i].elem, e2, sizeof e2);
		snprintf(msg, sizeof msg, "strict overlap: this write goes through a "
			 "tensor whose elements share memory: elements %s and %s are "
			 "both storage cell %lld of storage #%llu, so the result depends "
			 "on the order the elements are written (PyTorch does not check "
			 "this layout). clone() the tensor first.", e1, e2,
			 (long long)c[i].at, (unsigned long long)t->storage->id);
		warn(msg);
		break;
	}
	free(c);
}

/* A TooHard pair: does the input read a cell the destination writes at
 * another element? */
static void strict_partial(const ag_tensor *out, const ag_tensor *in)
{
	if (out->storage != in->storage)
		return;
	int64_t no, ni;
	cell *co = cells_of(out, &no);
	cell *ci = co ? cells_of(in, &ni) : NULL;
	if (!ci) {
		free(co);
		return;
	}
	bool same_shape = ag_same_shape(out, in);
	qsort(co, (size_t)no, sizeof *co, cmp_cell);
	for (int64_t j = 0; j < ni; j++) {
		int64_t lo = 0, hi = no;	/* the first cell at that address */
		while (lo < hi) {
			int64_t mid = (lo + hi) / 2;
			if (co[mid].at < ci[j].at)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo >= no || co[lo].at != ci[j].at)
			continue;
		if (same_shape && co[lo].elem == ci[j].elem)
			continue;	/* read and written at the same element */
		char e1[96], e2[96], msg[512];
		element_text(in, ci[j].elem, e1, sizeof e1);
		element_text(out, co[lo].elem, e2, sizeof e2);
		snprintf(msg, sizeof msg, "strict overlap: the input's element %s is "
			 "the output's element %s (storage cell %lld of storage #%llu): "
			 "the op reads a value it may already have overwritten, so the "
			 "result depends on the order the elements are written (PyTorch "
			 "does not check this layout). clone() the input first.", e1, e2,
			 (long long)ci[j].at, (unsigned long long)out->storage->id);
		warn(msg);
		break;
	}
	free(co);
	free(ci);
}

int ag_assert_no_internal_overlap(const ag_tensor *t)
{
	ag_overlap o = ag_has_internal_overlap(t);
	if (o == AG_OVERLAP_YES) {
		ag_error(AG_ERR_OVERLAP, "%s", internal_overlap_msg);
		ag_error_facts f = { .kind = AG_FACT_INTERNAL_OVERLAP };
		ag_tensor_fact_of(t, &f.t[0]);
		ag_set_error_facts(&f);
		return -1;
	}
	if (o == AG_OVERLAP_TOO_HARD && strict)
		strict_internal(t);
	return 0;
}

int ag_assert_no_partial_overlap(const ag_tensor *a, const ag_tensor *b)
{
	ag_overlap_status st = ag_get_overlap_status(a, b);
	if (st == AG_OVERLAP_STATUS_PARTIAL) {
		ag_error(AG_ERR_OVERLAP, "%s", partial_overlap_msg);
		ag_error_facts f = { .kind = AG_FACT_PARTIAL_OVERLAP };
		ag_tensor_fact_of(a, &f.t[0]);
		ag_tensor_fact_of(b, &f.t[1]);
		ag_set_error_facts(&f);
		return -1;
	}
	if (st == AG_OVERLAP_STATUS_TOO_HARD && strict)
		strict_partial(a, b);
	return 0;
}
