/*
 * inspect.c - the debugger's read-only look inside nodes: what a node
 * saved, at which version, whether backward freed it, and which input or
 * output of the op it was; how many hooks a leaf has.  Unlike unpacking a
 * saved tensor (ag_node_saved), looking never fails on a tensor modified
 * in place: showing that is the point.
 */
#include "node.h"
#include "debug.h"

ag_op ag_node_op(const ag_node *n) { return n->op; }

/* Which input or output of the op saved slot i holds, per its table row
 * (slots are numbered in the order .saves lists the ones kept). */
static int slot_index(const ag_node *n, int i)
{
	const ag_opinfo *info = ag_op_info(n->op);
	if (!info || n->op == AG_OP_FUNCTION || i >= AG_OP_MAX_SAVES)
		return -1;
	return info->saves[i].what == AG_SAVE_NONE ? -1 : info->saves[i].index;
}

int ag_node_saved_info(const ag_node *n, int i, ag_saved_info *out)
{
	memset(out, 0, sizeof *out);
	if (i < 0 || i >= n->n_saved)
		return ag_error(AG_ERR_INDEX, "%s has %d saved tensors, not %d",
				n->name, n->n_saved, i + 1);
	const ag_saved *s = &n->saved[i];
	out->defined = s->was_defined;
	out->is_output = s->is_output;
	out->index = slot_index(n, i);
	out->saved_version = s->version;
	out->released = n->saved_released || (s->was_defined && !s->data);
	if (s->data) {
		const ag_tensor *t = s->data;
		out->tensor_id = t->id;
		out->storage_id = t->storage ? t->storage->id : 0;
		out->current_version = t->version ? t->version->value : 0;
		out->dtype = t->dtype;
		out->ndim = t->ndim;
		memcpy(out->shape, t->shape, sizeof out->shape);
	}
	return 0;
}

int ag_tensor_hook_count(const ag_tensor *t)
{
	const ag_autograd_meta *m = t->autograd_extra;
	int n = 0;
	for (const ag_hook *h = m ? m->hooks : NULL; h; h = h->next)
		n++;
	return n;
}
