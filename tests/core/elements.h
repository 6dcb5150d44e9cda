/*
 * elements.h - reading a tensor's elements in the C tests of core, by
 * logical (row-major) position whatever the layout: el(t, i), el_i64(t, i)
 * (exact past 2^53) and el_at(t, idx) with one index per dim.
 */
#ifndef TESTS_CORE_ELEMENTS_H
#define TESTS_CORE_ELEMENTS_H

#include "ag.h"

static inline const char *el_ptr_at(const ag_tensor *t, const int64_t *idx)
{
	int64_t off = 0;
	for (int d = 0; d < t->ndim; d++)
		off += idx[d] * t->stride[d];
	return (const char *)ag_data_ptr(t) + off * (int64_t)ag_dtype_size(t->dtype);
}

static inline const char *el_ptr(const ag_tensor *t, int64_t i)
{
	int64_t idx[AG_MAX_DIMS];
	for (int d = t->ndim - 1; d >= 0; d--) {
		idx[d] = i % t->shape[d];
		i /= t->shape[d];
	}
	return el_ptr_at(t, idx);
}

static inline double el(const ag_tensor *t, int64_t i)
{
	return ag_load(el_ptr(t, i), t->dtype);
}

static inline int64_t el_i64(const ag_tensor *t, int64_t i)
{
	return ag_load_i64(el_ptr(t, i), t->dtype);
}

static inline double el_at(const ag_tensor *t, const int64_t *idx)
{
	return ag_load(el_ptr_at(t, idx), t->dtype);
}

#endif
