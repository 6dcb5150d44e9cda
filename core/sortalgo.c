/*
 * sortalgo.c - see sortalgo.h.  The steps of libstdc++'s introsort
 * (median-of-three partitions, a heapsort past 2 log2(n) levels, a final
 * insertion sort over runs of 16), its heap-based partial sort and its
 * introselect, and TH's median-of-three quick select, each written once
 * as a macro over an element type and a comparison, then made for every
 * comparison PyTorch's kernels use.
 */
#include "sortalgo.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAYBE_UNUSED __attribute__((unused))

/* floor(log2(n)) for n >= 1 */
static ptrdiff_t lg(ptrdiff_t n)
{
	return 63 - __builtin_clzll((unsigned long long)n);
}

#define STL_ALGOS(S, E, LESS)						\
static inline void S##_swap(E *a, E *b) { E t = *a; *a = *b; *b = t; }	\
static void S##_linear_insert(E *last)					\
{									\
	E val = *last, *next = last - 1;				\
	while (LESS(val, *next)) {					\
		*last = *next;						\
		last = next--;						\
	}								\
	*last = val;							\
}									\
static void S##_insertion_sort(E *first, E *last)			\
{									\
	if (first == last)						\
		return;							\
	for (E *i = first + 1; i != last; ++i) {			\
		if (LESS(*i, *first)) {					\
			E val = *i;					\
			memmove(first + 1, first, (size_t)(i - first) * sizeof(E)); \
			*first = val;					\
		} else {						\
			S##_linear_insert(i);				\
		}							\
	}								\
}									\
static void S##_final_insertion_sort(E *first, E *last)		\
{									\
	if (last - first > 16) {					\
		S##_insertion_sort(first, first + 16);			\
		for (E *i = first + 16; i != last; ++i)			\
			S##_linear_insert(i);				\
	} else {							\
		S##_insertion_sort(first, last);			\
	}								\
}									\
static void S##_push_heap(E *first, ptrdiff_t hole, ptrdiff_t top, E val) \
{									\
	ptrdiff_t parent = (hole - 1) / 2;				\
	while (hole > top && LESS(first[parent], val)) {		\
		first[hole] = first[parent];				\
		hole = parent;						\
		parent = (hole - 1) / 2;				\
	}								\
	first[hole] = val;						\
}									\
static void S##_adjust_heap(E *first, ptrdiff_t hole, ptrdiff_t len, E val) \
{									\
	ptrdiff_t top = hole, child = hole;				\
	while (child < (len - 1) / 2) {					\
		child = 2 * (child + 1);				\
		if (LESS(first[child], first[child - 1]))		\
			child--;					\
		first[hole] = first[child];				\
		hole = child;						\
	}								\
	if ((len & 1) == 0 && child == (len - 2) / 2) {			\
		child = 2 * (child + 1);				\
		first[hole] = first[child - 1];				\
		hole = child - 1;					\
	}								\
	S##_push_heap(first, hole, top, val);				\
}									\
static void S##_pop_heap(E *first, E *last, E *result)		\
{									\
	E val = *result;						\
	*result = *first;						\
	S##_adjust_heap(first, 0, last - first, val);			\
}									\
static void S##_heap_select(E *first, E *middle, E *last)		\
{									\
	ptrdiff_t len = middle - first;					\
	if (len >= 2)							\
		for (ptrdiff_t parent = (len - 2) / 2;; parent--) {	\
			S##_adjust_heap(first, parent, len, first[parent]); \
			if (parent == 0)				\
				break;					\
		}							\
	for (E *i = middle; i < last; ++i)				\
		if (LESS(*i, *first))					\
			S##_pop_heap(first, middle, i);			\
}									\
static void S##_partial_sort(E *first, E *middle, E *last)		\
{									\
	S##_heap_select(first, middle, last);				\
	while (middle - first > 1) {					\
		--middle;						\
		S##_pop_heap(first, middle, middle);			\
	}								\
}									\
static void S##_median_to_first(E *result, E *a, E *b, E *c)		\
{									\
	if (LESS(*a, *b)) {						\
		if (LESS(*b, *c))					\
			S##_swap(result, b);				\
		else if (LESS(*a, *c))					\
			S##_swap(result, c);				\
		else							\
			S##_swap(result, a);				\
	} else if (LESS(*a, *c)) {					\
		S##_swap(result, a);					\
	} else if (LESS(*b, *c)) {					\
		S##_swap(result, c);					\
	} else {							\
		S##_swap(result, b);					\
	}								\
}									\
static E *S##_partition_pivot(E *first, E *last)			\
{									\
	E *mid = first + (last - first) / 2, *pivot = first;		\
	S##_median_to_first(first, first + 1, mid, last - 1);		\
	for (first++;; first++) {					\
		while (LESS(*first, *pivot))				\
			++first;					\
		--last;							\
		while (LESS(*pivot, *last))				\
			--last;						\
		if (!(first < last))					\
			return first;					\
		S##_swap(first, last);					\
	}								\
}									\
static void S##_introsort_loop(E *first, E *last, ptrdiff_t depth)	\
{									\
	while (last - first > 16) {					\
		if (depth == 0) {					\
			S##_partial_sort(first, last, last);		\
			return;						\
		}							\
		--depth;						\
		E *cut = S##_partition_pivot(first, last);		\
		S##_introsort_loop(cut, last, depth);			\
		last = cut;						\
	}								\
}									\
MAYBE_UNUSED static void S##_sort(E *first, E *last)			\
{									\
	if (last - first < 2)						\
		return;							\
	S##_introsort_loop(first, last, lg(last - first) * 2);		\
	S##_final_insertion_sort(first, last);				\
}									\
MAYBE_UNUSED static void S##_nth_element(E *first, E *nth, E *last)	\
{									\
	ptrdiff_t depth;						\
	if (first == last || nth == last)				\
		return;							\
	depth = lg(last - first) * 2;					\
	while (last - first > 3) {					\
		if (depth == 0) {					\
			S##_heap_select(first, nth + 1, last);		\
			S##_swap(first, nth);				\
			return;						\
		}							\
		--depth;						\
		E *cut = S##_partition_pivot(first, last);		\
		if (cut <= nth)						\
			first = cut;					\
		else							\
			last = cut;					\
	}								\
	S##_insertion_sort(first, last);				\
}									\
/* a stable merge sort: the one answer std::stable_sort gives */	\
MAYBE_UNUSED static int S##_stable_sort(E *a, ptrdiff_t n)		\
{									\
	E *buf, *src = a, *dst;						\
	if (n < 2)							\
		return 0;						\
	if (!(buf = malloc((size_t)n * sizeof(E))))			\
		return -1;						\
	dst = buf;							\
	for (ptrdiff_t w = 1; w < n; w *= 2) {				\
		for (ptrdiff_t lo = 0; lo < n; lo += 2 * w) {		\
			ptrdiff_t mid = lo + w < n ? lo + w : n;	\
			ptrdiff_t hi = lo + 2 * w < n ? lo + 2 * w : n;	\
			ptrdiff_t i = lo, j = mid, k = lo;		\
			while (i < mid && j < hi)			\
				dst[k++] = LESS(src[j], src[i]) ? src[j++] \
							       : src[i++]; \
			while (i < mid)					\
				dst[k++] = src[i++];			\
			while (j < hi)					\
				dst[k++] = src[j++];			\
		}							\
		E *t = src; src = dst; dst = t;				\
	}								\
	if (src != a)							\
		memcpy(a, src, (size_t)n * sizeof(E));			\
	free(buf);							\
	return 0;							\
}

/* TH's quick select (Sedgewick's partitioning), GT being "greater or
 * NaN": e[k] ends as it would in torch.kthvalue. */
#define TH_SELECT(S, E, GT)						\
static void S##_quick_select(E *arr, int64_t n, int64_t k)		\
{									\
	int64_t L = 0, R = n - 1, P, i, j;				\
	E piv, t;							\
	for (;;) {							\
		if (R <= L)						\
			return;						\
		if (R == L + 1) {					\
			if (GT(arr[L], arr[R]))				\
				SWAP_E(arr[L], arr[R]);			\
			return;						\
		}							\
		P = (L + R) >> 1;					\
		SWAP_E(arr[P], arr[L + 1]);				\
		if (GT(arr[L + 1], arr[R]))				\
			SWAP_E(arr[L + 1], arr[R]);			\
		if (GT(arr[L], arr[R]))					\
			SWAP_E(arr[L], arr[R]);				\
		if (GT(arr[L + 1], arr[L]))				\
			SWAP_E(arr[L + 1], arr[L]);			\
		i = L + 1;						\
		j = R;							\
		piv = arr[L];						\
		for (;;) {						\
			do						\
				i++;					\
			while (GT(piv, arr[i]));			\
			do						\
				j--;					\
			while (GT(arr[j], piv));			\
			if (j < i)					\
				break;					\
			SWAP_E(arr[i], arr[j]);				\
		}							\
		SWAP_E(arr[L], arr[j]);					\
		if (j <= k)						\
			L = i;						\
		if (j >= k)						\
			R = j - 1;					\
	}								\
}
#define SWAP_E(a, b) (t = (a), (a) = (b), (b) = t)

/* NaN last (ascending), NaN first (descending): sort's and topk's orders */
#define F_ASC(a, b) ((!isnan((a).k) && isnan((b).k)) || (a).k < (b).k)
#define F_DESC(a, b) ((isnan((a).k) && !isnan((b).k)) || (a).k > (b).k)
#define PLAIN_LT(a, b) ((a).k < (b).k)
#define PLAIN_GT(a, b) ((a).k > (b).k)
/* median's order: key, then position; nanmedian's puts NaN last */
#define BY_KEY_POS(a, b) ((a).k < (b).k || ((a).k == (b).k && (a).i < (b).i))
#define NAN_LAST_KEY_POS(a, b) (BY_KEY_POS(a, b) || \
				(isnan((b).k) && !isnan((a).k)))
#define F_GT_OR_NAN(a, b) ((isnan((a).k) && !isnan((b).k)) || (a).k > (b).k)

STL_ALGOS(fasc, ag_fkey, F_ASC)
STL_ALGOS(fdesc, ag_fkey, F_DESC)
STL_ALGOS(fplain, ag_fkey, PLAIN_LT)
STL_ALGOS(fmed, ag_fkey, BY_KEY_POS)
STL_ALGOS(fnanmed, ag_fkey, NAN_LAST_KEY_POS)
STL_ALGOS(iasc, ag_ikey, PLAIN_LT)
STL_ALGOS(idesc, ag_ikey, PLAIN_GT)
STL_ALGOS(imed, ag_ikey, BY_KEY_POS)
TH_SELECT(fsel, ag_fkey, F_GT_OR_NAN)
TH_SELECT(isel, ag_ikey, PLAIN_GT)

/* A stable sort that cannot get its buffer falls back to insertion sort,
 * which is stable too (and slow, but never wrong). */
void ag_sort_fkeys(ag_fkey *e, int64_t n, bool descending, bool stable)
{
	if (stable) {
		if ((descending ? fdesc_stable_sort(e, n) : fasc_stable_sort(e, n)) < 0)
			(descending ? fdesc_insertion_sort : fasc_insertion_sort)(e, e + n);
		return;
	}
	(descending ? fdesc_sort : fasc_sort)(e, e + n);
}

void ag_sort_ikeys(ag_ikey *e, int64_t n, bool descending, bool stable)
{
	if (stable) {
		if ((descending ? idesc_stable_sort(e, n) : iasc_stable_sort(e, n)) < 0)
			(descending ? idesc_insertion_sort : iasc_insertion_sort)(e, e + n);
		return;
	}
	(descending ? idesc_sort : iasc_sort)(e, e + n);
}

/* PyTorch's topk: a heap-based partial sort when k is small next to n,
 * else nth_element and a sort of the k - 1 before it. */
#define TOPK(S_BIG, S_SMALL, E)						\
{									\
	if (k * 64 <= n) {						\
		if (largest)						\
			S_BIG##_partial_sort(e, e + k, e + n);		\
		else							\
			S_SMALL##_partial_sort(e, e + k, e + n);	\
		return;							\
	}								\
	if (largest) {							\
		S_BIG##_nth_element(e, e + k - 1, e + n);		\
		if (sorted)						\
			S_BIG##_sort(e, e + k - 1);			\
	} else {							\
		S_SMALL##_nth_element(e, e + k - 1, e + n);		\
		if (sorted)						\
			S_SMALL##_sort(e, e + k - 1);			\
	}								\
}

void ag_topk_fkeys(ag_fkey *e, int64_t n, int64_t k, bool largest, bool sorted)
{
	if (k <= 0)
		return;
	TOPK(fdesc, fasc, ag_fkey)
}

void ag_topk_ikeys(ag_ikey *e, int64_t n, int64_t k, bool largest, bool sorted)
{
	if (k <= 0)
		return;
	TOPK(idesc, iasc, ag_ikey)
}

void ag_sort_plain_fkeys(ag_fkey *e, int64_t n) { fplain_sort(e, e + n); }
void ag_sort_plain_ikeys(ag_ikey *e, int64_t n) { iasc_sort(e, e + n); }

void ag_nth_fkeys(ag_fkey *e, int64_t n, int64_t nth, bool nan_last)
{
	(nan_last ? fnanmed_nth_element : fmed_nth_element)(e, e + nth, e + n);
}

void ag_nth_ikeys(ag_ikey *e, int64_t n, int64_t nth)
{
	imed_nth_element(e, e + nth, e + n);
}

void ag_select_fkeys(ag_fkey *e, int64_t n, int64_t k) { fsel_quick_select(e, n, k); }
void ag_select_ikeys(ag_ikey *e, int64_t n, int64_t k) { isel_quick_select(e, n, k); }

/*
 * float32 by radix: each value becomes a 32-bit key whose unsigned order
 * is sort's order (the sign bit flipped for positives, every bit for
 * negatives; -0.0 made +0.0 and every NaN one NaN, since they compare
 * equal; all bits flipped again for descending), packed above its
 * position in a 64-bit item, and the items go through a least significant
 * digit first radix sort on the key's four bytes, which keeps equal keys
 * in their original order.  One counting pass makes the four histograms;
 * a byte that is the same in every key costs no pass.
 */
static uint32_t f32_key(float x, bool descending)
{
	uint32_t u;
	memcpy(&u, &x, sizeof u);
	if (x != x)
		u = 0xffffffffu;		/* every NaN is the last key */
	else if (u == 0x80000000u)
		u = 0x80000000u;		/* -0.0 takes +0.0's key */
	else
		u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
	return descending ? ~u : u;
}

int ag_radix_order_f32(const float *v, int64_t st, int64_t n, bool descending,
		       uint64_t *work)
{
	uint32_t hist[4][256];
	uint64_t *a = work, *b = work + n;

	if (n <= 1)
		return n == 1 ? (work[0] = 0, 0) : 0;
	memset(hist, 0, sizeof hist);
	for (int64_t i = 0; i < n; i++) {
		uint32_t k = f32_key(v[i * st], descending);
		a[i] = (uint64_t)k << 32 | (uint64_t)i;
		hist[0][k & 0xff]++;
		hist[1][(k >> 8) & 0xff]++;
		hist[2][(k >> 16) & 0xff]++;
		hist[3][k >> 24]++;
	}
	for (int d = 0; d < 4; d++) {
		uint32_t *h = hist[d], sum = 0;
		int shift = 32 + 8 * d;
		if (h[(a[0] >> shift) & 0xff] == (uint32_t)n)
			continue;	/* one digit everywhere: already in order */
		for (int c = 0; c < 256; c++) {
			uint32_t t = h[c];
			h[c] = sum;
			sum += t;
		}
		for (int64_t i = 0; i < n; i++)
			b[h[(a[i] >> shift) & 0xff]++] = a[i];
		uint64_t *t = a;
		a = b;
		b = t;
	}
	if (a != work)
		memcpy(work, a, (size_t)n * sizeof *work);
	for (int64_t i = 1; i < n; i++)
		if ((work[i] >> 32) == (work[i - 1] >> 32))
			return 1;
	return 0;
}
