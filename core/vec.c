/*
 * vec.c - the growable array of vec.h: doubles its capacity when full.
 */
#include "internal.h"
#include "vec.h"

int ag_vec_reserve(ag_vec *v, size_t more, size_t elsize)
{
	if (v->len + more <= v->cap)
		return 0;
	size_t cap = v->cap ? v->cap : 16;
	while (cap < v->len + more)
		cap *= 2;
	if (cap > SIZE_MAX / elsize)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	void *data = v->borrowed ? malloc(cap * elsize)
				 : realloc(v->data, cap * elsize);
	if (!data)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	if (v->borrowed && v->len)
		memcpy(data, v->data, v->len * elsize);
	v->data = data;
	v->cap = cap;
	v->borrowed = false;
	return 0;
}

void ag_vec_free(ag_vec *v)
{
	if (!v->borrowed)
		free(v->data);
	v->data = NULL;
	v->len = v->cap = 0;
	v->borrowed = false;
}
