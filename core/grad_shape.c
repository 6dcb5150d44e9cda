/*
 * grad_shape.c - backward formulas of the ops that cut and rearrange
 * (split, unbind, diagonal, unfold, repeat, flip, roll, rot90, tril,
 * triu, diag, diag_embed, select/slice/diagonal_scatter), written with
 * core's own ops so that double backward works.
 */
#include "grad.h"
#include "shapeint.h"

/* split, chunk, split_with_sizes: the pieces' gradients joined again (the
 * engine gives zeros for the pieces nothing used). */
int ag_split_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	out[0] = ag_cat(grads_in, self->n_outputs, AG_ARGS(self, ag_dim_args)->dim);
	return out[0] ? 0 : -1;
}

int ag_unbind_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_dim_args *a = AG_ARGS(self, ag_dim_args);

	if (self->n_outputs == 0) {	/* an empty dim: nothing came out */
		out[0] = ag_zeros(a->in.size, a->in.ndim, G(0) ? G(0)->dtype
				  : AG_FLOAT32);
		return out[0] ? 0 : -1;
	}
	out[0] = ag_stack(grads_in, self->n_outputs, a->dim);
	return out[0] ? 0 : -1;
}

/* diagonal and unfold lay the gradient out in zeros of the input (summing
 * where windows overlap), recorded as their *_BACKWARD op; that one's
 * backward reads the view's region back, recorded as the view op. */
int ag_view_move_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	ag_op partner;
	bool to_view;

	switch (self->op) {
	case AG_OP_DIAGONAL:
		partner = AG_OP_DIAGONAL_BACKWARD, to_view = false;
		break;
	case AG_OP_DIAGONAL_BACKWARD:
		partner = AG_OP_DIAGONAL, to_view = true;
		break;
	case AG_OP_UNFOLD:
		partner = AG_OP_UNFOLD_BACKWARD, to_view = false;
		break;
	default:
		partner = AG_OP_UNFOLD, to_view = true;
	}
	out[0] = ag_grad_move_recorded(G(0), AG_ARGS(self, ag_strided_args),
				       to_view, partner);
	return out[0] ? 0 : -1;
}

/* repeat: each repeated dim r * s viewed as [r, s] and summed over r; the
 * leading dims repeat added are summed away. */
int ag_repeat_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_repeat_args *a = AG_ARGS(self, ag_repeat_args);
	ag_tensor *g = G(0), *next;
	int lead = a->n - a->in.ndim;

	ag_tensor_retain(g);
	for (int d = 0; d < a->n && g; d++) {
		int64_t s = d < lead ? 1 : a->in.size[d - lead];
		if (a->reps[d] == 1)
			continue;
		if (g->ndim + 1 > AG_MAX_DIMS || a->reps[d] == 0 || s == 0) {
			/* no room to split the dim (or nothing to split): add
			 * the repeats up one by one */
			ag_tensor *acc = NULL;
			for (int64_t r = 0; r < a->reps[d] && g; r++) {
				ag_tensor *part = ag_narrow(g, d, r * s, s);
				ag_tensor *sum = part && acc ? ag_add(acc, part) : part;
				if (part && acc)
					ag_tensor_release(part);
				ag_tensor_release(acc);
				acc = sum;
				if (!acc)
					break;
			}
			if (a->reps[d] == 0) {
				int64_t shape[AG_MAX_DIMS];
				memcpy(shape, g->shape, sizeof shape);
				shape[d] = s;
				acc = ag_zeros(shape, g->ndim, g->dtype);
			}
			ag_tensor_release(g);
			g = acc;
			continue;
		}
		int64_t shape[AG_MAX_DIMS];
		for (int i = 0, j = 0; i < g->ndim; i++) {
			if (i == d) {
				shape[j++] = a->reps[d];
				shape[j++] = s;
			} else {
				shape[j++] = g->shape[i];
			}
		}
		ag_tensor *v = ag_reshape(g, shape, g->ndim + 1);
		next = v ? ag_reduce_dims(AG_OP_SUM, v, &d, 1, false) : NULL;
		ag_tensor_release(v);
		ag_tensor_release(g);
		g = next;
	}
	if (g && lead > 0) {
		next = ag_reshape(g, a->in.size, a->in.ndim);
		ag_tensor_release(g);
		g = next;
	}
	out[0] = g;
	return g ? 0 : -1;
}

int ag_flip_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_dims_args *a = AG_ARGS(self, ag_dims_args);
	out[0] = ag_flip(G(0), a->dims, a->n);
	return out[0] ? 0 : -1;
}

int ag_roll_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_roll_args *a = AG_ARGS(self, ag_roll_args);
	int64_t back[AG_MAX_DIMS];
	int n = a->n ? a->n : 1;

	for (int i = 0; i < n; i++)
		back[i] = -a->shifts[i];
	out[0] = ag_roll(G(0), back, n, a->dims, a->n);
	return out[0] ? 0 : -1;
}

int ag_rot90_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_rot90_args *a = AG_ARGS(self, ag_rot90_args);
	out[0] = ag_rot90(G(0), -a->k, a->dim0, a->dim1);
	return out[0] ? 0 : -1;
}

/* tril, triu: the gradient through the same triangle. */
int ag_tri_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	int64_t k = AG_ARGS(self, ag_diag_args)->offset;
	out[0] = self->op == AG_OP_TRIL ? ag_tril(G(0), k) : ag_triu(G(0), k);
	return out[0] ? 0 : -1;
}

/* diag: of a vector, the gradient's diagonal; of a matrix, the gradient
 * laid on the diagonal of zeros (DiagonalBackwardBackward0's move). */
int ag_diag_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_diag_args *a = AG_ARGS(self, ag_diag_args);

	if (a->in.ndim == 1) {
		out[0] = ag_diagonal(G(0), a->offset, 0, 1);
	} else {
		ag_strided_args g = ag_diagonal_geometry(a->in.size, 2, a->offset,
							 0, 1);
		out[0] = ag_grad_move_recorded(G(0), &g, false,
					       AG_OP_DIAGONAL_BACKWARD);
	}
	return out[0] ? 0 : -1;
}

int ag_diag_embed_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_diag_args *a = AG_ARGS(self, ag_diag_args);
	ag_tensor *d = ag_diagonal(G(0), a->offset, a->dim1, a->dim2);

	if (d && a->in.ndim == 0) {	/* a 0-d input came in as one element */
		ag_tensor *r = ag_reshape(d, NULL, 0);
		ag_tensor_release(d);
		d = r;
	}
	out[0] = d;
	return d ? 0 : -1;
}

/* select/slice/diagonal_scatter: self's gradient with zeros where src
 * went (the same op, writing zeros), src's the region of the gradient. */
int ag_view_scatter_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_view_scatter_args *a = AG_ARGS(self, ag_view_scatter_args);
	ag_tensor *region = ag_view_scatter_region(self->op, G(0), a);

	if (!region)
		return -1;
	if (NEED(0)) {
		ag_tensor *z = ag_zeros_like(region);
		out[0] = z ? ag_view_scatter(self->op, G(0), z, a) : NULL;
		ag_tensor_release(z);
		if (!out[0]) {
			ag_tensor_release(region);
			return -1;
		}
	}
	if (NEED(1))
		out[1] = region;
	else
		ag_tensor_release(region);
	return 0;
}

/* block_diag: each input's block of the gradient, in its shape */
int ag_block_diag_bw(ag_node *self, ag_tensor **grads_in, ag_tensor **out)
{
	const ag_block_diag_args *a = AG_ARGS(self, ag_block_diag_args);
	int64_t r0 = 0, c0 = 0;

	for (int i = 0; i < a->n; i++) {
		const ag_shape *s = &a->in[i];
		int64_t r = s->ndim == 2 ? s->size[0] : 1;
		int64_t c = s->ndim == 2 ? s->size[1] : s->ndim == 1 ? s->size[0] : 1;
		if (NEED(i)) {
			ag_tensor *rows = ag_narrow(G(0), 0, r0, r);
			ag_tensor *blk = rows ? ag_narrow(rows, 1, c0, c) : NULL;
			out[i] = blk && s->ndim < 2 ? ag_reshape(blk, s->size, s->ndim)
						   : blk;
			if (blk && s->ndim < 2)
				ag_tensor_release(blk);
			ag_tensor_release(rows);
			if (!out[i])
				return -1;
		}
		r0 += r;
		c0 += c;
	}
	return 0;
}
