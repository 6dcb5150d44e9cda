/*
 * derivatives.h - how core's ops record autograd history.
 *
 * Every op calls one ag_ad_* function after computing its output(s).  The
 * function logs the op in the trace log and, when grad mode is on and an
 * input requires grad, makes the backward node (PyTorch's name, the
 * tensors it saves) and attaches it to the output.  It returns 0, or -1 with
 * the error state set (the op then releases its outputs and fails).
 *
 * In-place ops call ag_ad_check_inplace(self) before writing (leaf checks)
 * and ag_ad_*_inplace after; for ops whose backward needs the value self had
 * before the write, ag_ad_inplace_needs_original() says whether to pass a
 * clone of it.
 */
#ifndef AG_DERIVATIVES_H
#define AG_DERIVATIVES_H

#include "ag.h"
#include "autograd.h"

/* Does an op with these inputs record a node right now? */
bool ag_ad_needed(ag_tensor *const *in, int n);

int ag_ad_unary(ag_op op, ag_tensor *out, ag_tensor *a);
/* a_wrapped/b_wrapped: an operand was a Lua number (affects node names). */
int ag_ad_binary(ag_op op, ag_tensor *out, ag_tensor *a, ag_tensor *b);
int ag_ad_clamp(ag_tensor *out, ag_tensor *a, double min, double max);
int ag_ad_where(ag_tensor *out, ag_tensor *cond, ag_tensor *a, ag_tensor *b);

/* sum/mean/max/min/argmax/argmin over all (dims == NULL) or dims. */
int ag_ad_reduce(ag_op op, ag_tensor *out, ag_tensor *in,
		 const int *dims, int ndims, bool keepdim);
int ag_ad_minmax_dim(bool is_max, ag_tensor *values, ag_tensor *indices,
		     ag_tensor *in, int dim, bool keepdim);

int ag_ad_mm(ag_tensor *out, ag_tensor *a, ag_tensor *b);
int ag_ad_bmm(ag_tensor *out, ag_tensor *a, ag_tensor *b);
int ag_ad_dot(ag_tensor *out, ag_tensor *a, ag_tensor *b);
int ag_ad_mv(ag_tensor *out, ag_tensor *a, ag_tensor *b);

typedef enum ag_view_kind {
	AG_VIEW_VIEW, AG_VIEW_RESHAPE_ALIAS, AG_VIEW_UNSAFE_VIEW,
	AG_VIEW_TRANSPOSE, AG_VIEW_T, AG_VIEW_PERMUTE, AG_VIEW_EXPAND,
	AG_VIEW_SLICE, AG_VIEW_SELECT, AG_VIEW_UNSQUEEZE, AG_VIEW_SQUEEZE,
	AG_VIEW_SQUEEZE_DIM, AG_VIEW_AS_STRIDED, AG_VIEW_ALIAS
} ag_view_kind;

/* args: transpose (d0, d1); permute (dims...); slice (dim, start, end,
 * step) with start/end already clamped; select (dim, index >= 0);
 * unsqueeze/squeeze_dim (dim). */
int ag_ad_view(ag_view_kind kind, ag_tensor *out, ag_tensor *in,
	       const int64_t *args, int nargs);
int ag_ad_detach(ag_tensor *out, ag_tensor *in);
int ag_ad_clone(ag_tensor *out, ag_tensor *in);
int ag_ad_to_dtype(ag_tensor *out, ag_tensor *in);
int ag_ad_cat(ag_tensor *out, ag_tensor *const *in, int n, int dim);
int ag_ad_stack(ag_tensor *out, ag_tensor *const *in, int n, int dim);
int ag_ad_index_select(ag_tensor *out, ag_tensor *in, int dim,
		       ag_tensor *index);

/* In-place ops. */
int ag_ad_check_inplace(ag_tensor *self);
bool ag_ad_inplace_needs_original(ag_op op, ag_tensor *self,
				  ag_tensor *other);
bool ag_ad_unary_inplace_needs_original(ag_op op, ag_tensor *self);
int ag_ad_unary_inplace(ag_op op, ag_tensor *self,
			ag_tensor *original_self);
int ag_ad_binary_inplace(ag_op op, ag_tensor *self, ag_tensor *other,
			 ag_tensor *original_self);
int ag_ad_clamp_inplace(ag_tensor *self, ag_tensor *original_self,
			double min, double max);
int ag_ad_copy_inplace(ag_tensor *self, ag_tensor *src);
int ag_ad_fill_inplace(ag_tensor *self);
int ag_ad_zero_inplace(ag_tensor *self);

/* For factories and other ops without differentiable inputs. */
int ag_ad_trace_only(ag_op op, ag_tensor *const *in, int nin,
		     ag_tensor *const *out, int nout);

/* Helpers the backward formulas and the engine share. */
ag_tensor *ag_sum_to_size(ag_tensor *g, const int64_t *shape, int ndim);
/* viewgrad.c: gradients of views and of writes through views. */
void ag_view_geometry_save(ag_node *n, const ag_tensor *in, const ag_tensor *view);
ag_tensor *ag_embed_view_grad(ag_tensor *g, ag_node *n);
ag_tensor *ag_scatter_along(ag_tensor *g, ag_tensor *index, int dim,
			    const int64_t *shape, int ndim);
ag_tensor *ag_index_add_zeros(ag_tensor *g, int dim, ag_tensor *index,
			      const int64_t *shape, int ndim);
/* Makes node the history of self after an in-place op; through a view,
 * rewrites the base's history with CopySlices. */
int ag_rebase_history(ag_tensor *self, ag_node *node);
/* Unary backward node (name, formula, what it saves), for in-place use. */
ag_node *ag_ad_unary_node(ag_op op, ag_tensor *a, bool *failed);
bool ag_ad_unary_saves_self(ag_op op);
bool ag_ad_unary_saves_result(ag_op op);

#endif
