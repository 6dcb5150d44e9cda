/*
 * overlap.c - may this write go ahead?  Memory overlap decided as PyTorch
 * decides it (aten/src/ATen/MemoryOverlap.cpp semantics): a destination
 * whose elements share addresses (a dim of size > 1 with stride 0) cannot be
 * written by an op that reads as it writes, and an input that partly
 * overlaps the destination gives order-dependent results.  Layouts too
 * tangled to decide cheaply are TooHard and let through, as in PyTorch.
 */
#include "internal.h"

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

int ag_assert_no_internal_overlap(const ag_tensor *t)
{
	if (ag_has_internal_overlap(t) == AG_OVERLAP_YES)
		return ag_error(AG_ERR_OVERLAP, "%s", internal_overlap_msg);
	return 0;
}

int ag_assert_no_partial_overlap(const ag_tensor *a, const ag_tensor *b)
{
	if (ag_get_overlap_status(a, b) == AG_OVERLAP_STATUS_PARTIAL)
		return ag_error(AG_ERR_OVERLAP, "%s", partial_overlap_msg);
	return 0;
}
