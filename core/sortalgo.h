/*
 * sortalgo.h - the sorting and selection algorithms of sort.c, written to
 * leave equal keys in the order PyTorch 1.13's CPU kernels leave them:
 * those call GNU libstdc++'s std::sort, std::partial_sort and
 * std::nth_element (introsort, heapsort, introselect) and TH's quick
 * select, whose placement of ties is part of what a user sees (which index
 * sort, topk, mode or kthvalue report for equal values).  A stable sort
 * has one answer, so any stable algorithm will do: a merge sort.
 *
 * Keys are doubles (exact for every float dtype) or int64; each carries
 * its position along the sorted dim.
 */
#ifndef AG_SORTALGO_H
#define AG_SORTALGO_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ag_fkey { double k; int64_t i; } ag_fkey;
typedef struct ag_ikey { int64_t k; int64_t i; } ag_ikey;

/* sort: ascending with NaN last, or descending with NaN first. */
void ag_sort_fkeys(ag_fkey *e, int64_t n, bool descending, bool stable);
void ag_sort_ikeys(ag_ikey *e, int64_t n, bool descending, bool stable);
/* The order of n float32 values (v[i * st]) as sort gives it, ascending
 * with NaN last or descending with NaN first, equal values in their
 * original order, by a radix sort (n < 2^32): work (room for 2 n items)
 * gets in work[0 .. n) the positions in that order, each in the low 32
 * bits of its item.  Returns 1 when some values compare equal (a
 * non-stable sort must then place them as introsort does), else 0. */
int ag_radix_order_f32(const float *v, int64_t st, int64_t n, bool descending,
		       uint64_t *work);

/* topk: e[0 .. k) get the k largest (or smallest), NaN counting as the
 * largest, sorted when asked, placed as PyTorch's topk places them. */
void ag_topk_fkeys(ag_fkey *e, int64_t n, int64_t k, bool largest,
		   bool sorted);
void ag_topk_ikeys(ag_ikey *e, int64_t n, int64_t k, bool largest,
		   bool sorted);
/* std::sort by the plain < of the keys (mode, unique). */
void ag_sort_plain_fkeys(ag_fkey *e, int64_t n);
void ag_sort_plain_ikeys(ag_ikey *e, int64_t n);
/* median: e[nth] gets the nth of the order (key, then position), NaN
 * last when nan_last (nanmedian). */
void ag_nth_fkeys(ag_fkey *e, int64_t n, int64_t nth, bool nan_last);
void ag_nth_ikeys(ag_ikey *e, int64_t n, int64_t nth);
/* kthvalue: e[k] gets the k-th smallest (0-based), NaN the largest. */
void ag_select_fkeys(ag_fkey *e, int64_t n, int64_t k);
void ag_select_ikeys(ag_ikey *e, int64_t n, int64_t k);

#endif
