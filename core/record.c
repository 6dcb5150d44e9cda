/*
 * record.c - the one recording path every op goes through (see record.h):
 * the node its line of ops.def describes, the trace log event, and the
 * history of in-place writes through views (CopySlices).
 */
#include "record.h"
#include "node.h"

#include <stdio.h>

/* The inputs that get gradient edges: all, or the op's .edges subset
 * (written into buf). */
static int edge_inputs(const ag_opinfo *info, ag_tensor *const *in, int nin,
		       ag_tensor **buf, ag_tensor *const **edges)
{
	int n = 0;

	if (!info->edges) {
		*edges = in;
		return nin;
	}
	for (int i = 0; i < nin && i < 32; i++)
		if (info->edges & (1u << i))
			buf[n++] = in[i];
	*edges = buf;
	return n;
}

static bool needed(const ag_opinfo *info, ag_tensor *const *in, int nin)
{
	ag_tensor *buf[32];
	ag_tensor *const *edges;
	int n = edge_inputs(info, in, nin, buf, &edges);

	return info->grad_fn[0] && ag_is_grad_enabled() &&
	       ag_any_requires_grad(edges, n);
}

bool ag_record_needed(ag_op op, ag_tensor *const *in, int nin)
{
	/* forward AD's formulas read the arguments too */
	return needed(ag_op_info(op), in, nin) || ag_fw_tangents_in(in, nin);
}

bool ag_record_needs_original(ag_op op, ag_tensor *const *in, int nin)
{
	const ag_opinfo *info = ag_op_info(op);

	/* forward AD: tangent formulas read self's old value */
	if (ag_dtype_is_floating(in[0]->dtype) && ag_fw_tangents_in(in, nin))
		return true;
	if (!ag_dtype_is_floating(in[0]->dtype) || !needed(info, in, nin))
		return false;
	for (const ag_save *s = info->saves; s < info->saves + AG_OP_MAX_SAVES &&
	     s->what != AG_SAVE_NONE; s++)
		if (s->what == AG_SAVE_INPUT && s->index == 0 &&
		    (s->when < 0 || ag_requires_grad(in[s->when])))
			return true;
	return false;
}

static int count_saves(const ag_opinfo *info)
{
	int n = 0;
	while (n < AG_OP_MAX_SAVES && info->saves[n].what != AG_SAVE_NONE)
		n++;
	return n;
}

/* The node of call c, its inputs saved; NULL without error when the call
 * records none. */
static ag_node *make_node(const ag_call *c, const ag_opinfo *info,
			  bool *failed)
{
	ag_tensor *buf[32];
	ag_tensor *const *edges;
	int nedges = edge_inputs(info, c->in, c->nin, buf, &edges);
	int nsaves = count_saves(info);
	int nout = info->nout < 0 ? c->nout : info->nout;

	*failed = false;
	if (!info->grad_fn[0] || !c->out[0] ||
	    !ag_dtype_is_floating(c->out[0]->dtype) || !ag_is_grad_enabled() ||
	    !ag_any_requires_grad(edges, nedges))
		return NULL;
	if (c->args_size < info->args) {
		*failed = true;
		ag_error(AG_ERR_RUNTIME, "%s: recorded without its arguments",
			 info->name);
		return NULL;
	}
	ag_node *n = ag_node_new(c->op, c->variant, nout, nsaves, c->args_size);
	if (!n || ag_node_set_next(n, edges, nedges) < 0) {
		ag_node_release(n);
		*failed = true;
		return NULL;
	}
	if (c->args_size)
		memcpy(n->args, c->args, c->args_size);
	for (int k = 0; k < nsaves; k++) {
		const ag_save *s = &info->saves[k];
		if (s->what != AG_SAVE_INPUT ||
		    (s->when >= 0 && !ag_node_should_compute(n, s->when)))
			continue;
		ag_tensor *in = c->inplace && s->index == 0 ? c->original
							    : c->in[s->index];
		if (ag_node_save(n, k, in, false, false) < 0) {
			ag_node_release(n);
			*failed = true;
			return NULL;
		}
		/* an input sharing self's version counter (self itself, a view
		 * of it) was saved after the write bumped it: PyTorch saves it
		 * before, so a later unpack sees it was modified */
		if (c->inplace && s->index != 0 && in && c->out[0] &&
		    in->version == c->out[0]->version && !n->saved[k].packed)
			n->saved[k].version--;
	}
	return n;
}

static int rebase_history(ag_tensor *self, ag_node *node);

/* Outputs are saved once they have their history: an output is kept
 * without it (the node would own itself), and one written in place
 * through a view remembers the view's grad_fn weakly. */
static int save_outputs(ag_node *n, const ag_call *c, const ag_opinfo *info)
{
	for (int k = 0; k < n->n_saved; k++) {
		const ag_save *s = &info->saves[k];
		if (s->what != AG_SAVE_OUTPUT ||
		    (s->when >= 0 && !ag_node_should_compute(n, s->when)))
			continue;
		ag_tensor *t = c->out[s->index];
		const ag_autograd_meta *m = t->autograd_extra;
		bool on_view = c->inplace && t->base && m && m->diff_view;
		if (ag_node_save(n, k, t, true, on_view) < 0)
			return -1;
	}
	return 0;
}

/* PyTorch's propagate_creation_meta: a view of a view keeps the way its
 * input was made unless it is made in a stricter way itself. */
static ag_creation_meta creation_of(const ag_call *c, const ag_opinfo *info)
{
	ag_creation_meta cm = AG_CREATED_DEFAULT;
	const ag_autograd_meta *im = c->in[0]->autograd_extra;

	if (ag_is_inference_mode_enabled())
		cm = AG_CREATED_INFERENCE;
	else if (!ag_is_grad_enabled())
		cm = AG_CREATED_NO_GRAD;
	else if (info->nout < 0 || info->nout > 1)
		cm = AG_CREATED_MULTI_OUTPUT;
	if (!im || !im->diff_view || !c->in[0]->base)
		return cm;
	if (cm == AG_CREATED_DEFAULT || im->creation == AG_CREATED_INFERENCE)
		return im->creation;
	return cm;
}

/* A view op's floating outputs are differentiable views whether or not a
 * node is recorded (their history follows their base's, ag_grad_fn), and
 * how they were made decides whether they may be written in place.  Views
 * of inference tensors are not tracked at all. */
static int mark_views(const ag_call *c, const ag_opinfo *info)
{
	if (!(info->flags & AG_OPF_VIEW) || c->inplace || c->nin < 1 ||
	    c->in[0]->is_inference)
		return 0;
	/* a view of a view that autograd does not follow (ag_alias) is not
	 * followed either: its base is the root, whose history is not its */
	const ag_autograd_meta *im = c->in[0]->autograd_extra;
	if (c->in[0]->base && !(im && im->diff_view))
		return 0;
	ag_creation_meta cm = creation_of(c, info);
	for (int i = 0; i < c->nout; i++) {
		ag_tensor *t = c->out[i];
		if (!t || !t->base || !ag_dtype_is_floating(t->dtype))
			continue;
		ag_autograd_meta *m = ag_autograd_meta_of(t, true);
		if (!m)
			return -1;
		m->diff_view = true;
		m->creation = cm;
		m->attr_version = t->version->value;
	}
	return 0;
}

int ag_record(const ag_call *c)
{
	const ag_opinfo *info = ag_op_info(c->op);
	bool failed;
	ag_node *n;
	int rc = 0;

	if (mark_views(c, info) < 0)
		return -1;
	n = make_node(c, info, &failed);
	if (failed)
		return -1;
	if (n && c->inplace) {
		rc = rebase_history(c->out[0], n);
	} else if (n) {
		for (int i = 0; i < c->nout; i++) {
			ag_tensor *t = c->out[i];
			if (!ag_dtype_is_floating(t->dtype))
				continue;	/* indices: no gradient */
			ag_set_history(t, n, i);
		}
	}
	/* tangents first: a saved output keeps its tangent (forward over
	 * reverse) */
	if (rc == 0 && ag_fw_hooks_active)
		rc = ag_fw_hooks_active->record(c);
	if (n && rc == 0)
		rc = save_outputs(n, c, info);
	uint64_t ev = ag_trace_op(c->op, c->in, c->nin, c->out, c->nout, n,
				  c->inplace);
	if (n) {
		n->trace_event = ev;
		ag_node_release(n);
	}
	return rc;
}

ag_tensor *ag_recorded(ag_tensor *out, ag_call c)
{
	if (!out)
		return NULL;
	c.out = &out;
	c.nout = 1;
	if (ag_record(&c) < 0) {
		ag_tensor_release(out);
		return NULL;
	}
	return out;
}

/* -------------------------------------------------------------- checks */

/* PyTorch's check_inplace, after the inference-tensor rule. */
int ag_check_inplace_of(ag_tensor *self, ag_tensor *const *in, int nin)
{
	const ag_autograd_meta *m = self->autograd_extra;

	if (self->is_inference && !ag_is_inference_mode_enabled())
		return ag_error(AG_ERR_RUNTIME, "Inplace update to inference tensor "
				"outside InferenceMode is not allowed.You can make a "
				"clone to get a normal tensor before doing inplace "
				"update.See https://github.com/pytorch/rfcs/pull/17 "
				"for more details.");
	if (!ag_is_grad_enabled() ||
	    !(ag_requires_grad(self) || ag_any_requires_grad(in, nin)))
		return 0;
	if (self->base && m && m->diff_view) {
		if (ag_view_rebase_error(self, false) < 0)
			return -1;
		if (ag_is_leaf(self->base) && self->base->requires_grad)
			return ag_error(AG_ERR_RUNTIME, "a view of a leaf Variable "
					"that requires grad is being used in an "
					"in-place operation.");
	}
	if (ag_is_leaf(self) && self->requires_grad)
		return ag_error(AG_ERR_RUNTIME, "a leaf Variable that requires grad "
				"is being used in an in-place operation.");
	return 0;
}

int ag_check_inplace(ag_tensor *self)
{
	return ag_check_inplace_of(self, &self, 1);
}

int ag_check_out_autograd(ag_op op, ag_tensor *const *in, int n)
{
	if (ag_is_grad_enabled() && ag_any_requires_grad(in, n))
		return ag_error(AG_ERR_RUNTIME, "%s(): functions with out=... "
				"arguments don't support automatic "
				"differentiation, but one of the arguments "
				"requires grad.", ag_op_name(op));
	return 0;
}

/* ------------------------------------------- in-place writes via views */

/* Makes node the history of self after an in-place op; through a view,
 * rewrites the base's history with CopySlices. */
static int rebase_history(ag_tensor *self, ag_node *node)
{
	ag_tensor *base = self->base;
	if (!base) {
		ag_set_history(self, node, 0);
		return 0;
	}
	/* through a view: the base's history becomes CopySlices, whose
	 * backward runs node's on the region the view covers */
	int nnext = node->n_next ? node->n_next : 1;
	ag_node *cs = ag_node_new(AG_OP_COPY_SLICES, 0, 1, 0,
				  sizeof(ag_strided_args));
	if (!cs)
		return -1;
	cs->next = calloc((size_t)nnext, sizeof *cs->next);
	if (!cs->next) {
		ag_node_release(cs);
		return ag_error(AG_ERR_NOMEM, "out of memory");
	}
	cs->n_next = nnext;
	cs->next[0] = ag_gradient_edge(base);
	for (int i = 1; i < node->n_next; i++) {
		cs->next[i] = node->next[i];
		ag_node_retain(cs->next[i].fn);
	}
	ag_node_retain(node);
	cs->inner = node;
	AG_ARGS(cs, ag_strided_args)->in = ag_geometry_of(base);
	AG_ARGS(cs, ag_strided_args)->view = ag_geometry_of(self);
	ag_set_history(base, cs, 0);
	ag_node_release(cs);

	ag_node *vn = ag_view_node_from_base(self, base);
	if (!vn)
		return -1;
	ag_set_history(self, vn, 0);
	ag_node_release(vn);
	ag_autograd_meta *m = ag_autograd_meta_of(self, true);
	if (m)
		m->diff_view = true;
	return 0;
}
