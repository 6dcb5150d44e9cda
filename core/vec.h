/*
 * vec.h - a growable array, the one every file of agdb grows lists with.
 *
 *	ag_node *local[64];
 *	ag_vec stack = AG_VEC_ON_STACK(local);	   (or AG_VEC_EMPTY)
 *	if (AG_VEC_PUSH(&stack, ag_node *, n) < 0) ...out of memory...
 *	n = AG_VEC_POP(&stack, ag_node *);
 *	ag_vec_free(&stack);
 *
 * It starts in a caller's buffer when given one and moves to the heap only
 * when that is full.  Elements are plain values; the vec owns no more.
 */
#ifndef AG_VEC_H
#define AG_VEC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ag_vec {
	void *data;
	size_t len, cap;	/* in elements */
	bool borrowed;		/* data is the caller's buffer */
} ag_vec;

#define AG_VEC_EMPTY { NULL, 0, 0, false }
#define AG_VEC_ON_STACK(buf) { (buf), 0, sizeof(buf) / sizeof((buf)[0]), true }

/* Room for `more` elements of elsize bytes: 0, or -1 with AG_ERR_NOMEM. */
int ag_vec_reserve(ag_vec *v, size_t more, size_t elsize);
void ag_vec_free(ag_vec *v);

#define AG_VEC_AT(v, T, i) (((T *)(v)->data)[i])
#define AG_VEC_PUSH(v, T, x)						\
	(ag_vec_reserve((v), 1, sizeof(T)) == 0 ?			\
	 (AG_VEC_AT((v), T, (v)->len++) = (x), 0) : -1)
#define AG_VEC_POP(v, T) (AG_VEC_AT((v), T, --(v)->len))

#endif
