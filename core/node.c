/*
 * node.c - the autograd graph: nodes, their edges and saved tensors, the
 * history of a tensor (grad_fn, a leaf's AccumulateGrad, views whose base
 * was written in place), detach, hooks, and the accessors the binding and
 * the viewer read nodes through.
 *
 * Ownership, as in PyTorch: a tensor owns its grad_fn; a node owns the nodes
 * its next edges point to (so a graph lives as long as some tensor reaches
 * it) and its saved tensors.  A leaf's AccumulateGrad node owns the leaf,
 * and the leaf points back weakly, so the pair is not a cycle.  An output
 * saved by its own node is kept as an alias without grad_fn (else the node
 * would own a tensor owning the node) and re-attached when unpacked.
 */
#include "node.h"
#include "vec.h"

#include <stdio.h>

static uint64_t node_next_id = 1;
static uint64_t node_next_seq = 1;
static int hook_next_id = 1;

/* ------------------------------------------------ per-tensor metadata */

void ag_hook_release(ag_hook *h)
{
	if (!h || --h->refs > 0)
		return;
	if (h->free_ud)
		h->free_ud(h->ud);
	free(h);
}

static void hook_list_free(ag_hook *h)
{
	while (h) {
		ag_hook *next = h->next;
		h->next = NULL;
		ag_hook_release(h);
		h = next;
	}
}

int ag_hook_snapshot(ag_hook *list, ag_hook ***out)
{
	int n = 0, i = 0;
	*out = NULL;
	for (ag_hook *h = list; h; h = h->next)
		n++;
	if (n == 0)
		return 0;
	ag_hook **v = malloc((size_t)n * sizeof *v);
	if (!v)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	for (ag_hook *h = list; h; h = h->next) {
		h->refs++;
		v[i++] = h;
	}
	*out = v;
	return n;
}

void ag_hook_snapshot_free(ag_hook **v, int n)
{
	for (int i = 0; i < n; i++)
		ag_hook_release(v[i]);
	free(v);
}

const ag_fw_hooks *ag_fw_hooks_active;

/* Called by ag_tensor_release when a tensor dies. */
static void autograd_release(ag_tensor *t)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (t->grad_fn) {
		/* a node keeps a weak pointer to a retaining output */
		ag_node *n = t->grad_fn;
		if (n->retained_tensors && t->output_nr < n->n_outputs &&
		    n->retained_tensors[t->output_nr] == t)
			n->retained_tensors[t->output_nr] = NULL;
		ag_node_release(t->grad_fn);
		t->grad_fn = NULL;
	}
	if (m) {
		/* no grad_accumulator here: it owns t, so t dies after it */
		hook_list_free(m->hooks);
		ag_node_release(m->hooks_node);
		ag_node_weak_release(m->acc_link);
		ag_tensor_release(m->fw_tangent);
		ag_small_free(m);
		t->autograd_extra = NULL;
	}
}

static void ensure_release_hook(void)
{
	ag_autograd_release_hook = autograd_release;
}

ag_autograd_meta *ag_autograd_meta_of(ag_tensor *t, bool create)
{
	ensure_release_hook();
	if (!t->autograd_extra && create) {
		ag_autograd_meta *m = ag_small_calloc(sizeof *m);
		if (!m) {
			ag_error(AG_ERR_NOMEM, "out of memory");
			return NULL;
		}
		t->autograd_extra = m;
	}
	return t->autograd_extra;
}

/* ------------------------------------------------------------------ nodes */

/* One allocation: the node, its output metadata, its saved tensors and
 * its argument struct. */
#define ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

ag_node *ag_node_new(ag_op op, int variant, int n_outputs, int n_saved,
		     size_t args_size)
{
	const ag_opinfo *info = ag_op_info(op);
	int nmeta = n_outputs ? n_outputs : 1;
	size_t off_meta = ALIGN_UP(sizeof(ag_node), sizeof(max_align_t));
	size_t off_saved = off_meta + (size_t)nmeta * sizeof(ag_tensor_meta);
	size_t off_args = ALIGN_UP(off_saved + (size_t)n_saved * sizeof(ag_saved),
				   sizeof(max_align_t));
	char *block = ag_small_calloc(off_args + args_size);
	ag_node *n = (ag_node *)block;

	ensure_release_hook();
	if (!n) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	n->refcount = 1;
	n->op = op;
	n->name = info->grad_fn[variant] ? info->grad_fn[variant] : info->grad_fn[0];
	n->id = node_next_id++;
	n->seq = node_next_seq++;
	n->n_outputs = n_outputs;
	n->out_meta = (ag_tensor_meta *)(block + off_meta);
	n->n_saved = n_saved;
	n->saved = n_saved ? (ag_saved *)(block + off_saved) : NULL;
	n->args = args_size ? block + off_args : NULL;
	n->trace = ag_anomaly_capture();
	return n;
}

ag_node_weak *ag_node_weak_ref(ag_node *n)
{
	if (!n)
		return NULL;
	if (!n->weak) {
		n->weak = calloc(1, sizeof *n->weak);
		if (!n->weak)
			return NULL;
		n->weak->node = n;
		n->weak->refs = 1;	/* the node's own */
	}
	n->weak->refs++;
	return n->weak;
}

void ag_node_weak_release(ag_node_weak *w)
{
	if (w && --w->refs == 0)
		free(w);
}

void ag_node_retain(ag_node *n)
{
	if (n)
		n->refcount++;
}

static void saved_clear(ag_saved *s)
{
	ag_tensor_release(s->data);
	s->data = NULL;
	if (s->packed && s->hooks)
		s->hooks->release(s->hooks->ud, s->packed);
	s->packed = NULL;
	ag_node_weak_release(s->weak_grad_fn);
	s->weak_grad_fn = NULL;
	ag_node_weak_release(s->leaf_acc);
	s->leaf_acc = NULL;
}

void ag_node_release_saved(ag_node *n)
{
	for (int i = 0; i < n->n_saved; i++)
		saved_clear(&n->saved[i]);
	n->saved_released = true;
}

/* Drops one reference to child; a child that dies goes on the stack. */
static void drop_child(ag_node *child, ag_vec *stack)
{
	if (child && --child->refcount == 0)
		AG_VEC_PUSH(stack, ag_node *, child);	/* on failure: a leak, not a crash */
}

/* Freed iteratively: a 100,000-node chain must not overflow the C stack. */
void ag_node_release(ag_node *n)
{
	ag_node *local[64];
	ag_vec stack = AG_VEC_ON_STACK(local);

	if (!n || --n->refcount > 0)
		return;
	AG_VEC_PUSH(&stack, ag_node *, n);
	while (stack.len > 0) {
		ag_node *cur = AG_VEC_POP(&stack, ag_node *);
		for (int i = 0; i < cur->n_next; i++)
			drop_child(cur->next[i].fn, &stack);
		drop_child(cur->inner, &stack);	/* CopySlices' inner node */
		ag_node_release_saved(cur);
		if (cur->variable) {
			ag_autograd_meta *m = cur->variable->autograd_extra;
			if (m && m->grad_accumulator == cur)
				m->grad_accumulator = NULL;
			ag_tensor_release(cur->variable);
		}
		hook_list_free(cur->pre_hooks);
		hook_list_free(cur->post_hooks);
		if (cur->tensor_pre_hooks) {
			for (int i = 0; i < cur->n_outputs; i++)
				hook_list_free(cur->tensor_pre_hooks[i]);
			free(cur->tensor_pre_hooks);
		}
		if (cur->function) {
			if (cur->function->free_ud)
				cur->function->free_ud(cur->function->ud);
			free(cur->function);
		}
		free(cur->retained_tensors);
		ag_small_free(cur->last_stats);
		ag_small_free(cur->next);
		free(cur->owned_name);
		ag_anomaly_release(cur->trace);
		if (cur->weak) {
			cur->weak->node = NULL;
			ag_node_weak_release(cur->weak);
		}
		ag_small_free(cur);
	}
	ag_vec_free(&stack);
}

int ag_node_set_next(ag_node *n, ag_tensor *const *inputs, int ninputs)
{
	for (int i = 0; i < ninputs; i++)
		if (inputs[i] && ag_check_view_history(inputs[i]) < 0)
			return -1;
	ag_edge *next = ag_small_calloc((size_t)(ninputs > 0 ? ninputs : 1) *
				       sizeof *next);
	if (!next)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	for (int i = 0; i < ninputs; i++)
		next[i] = ag_gradient_edge(inputs[i]);
	ag_small_free(n->next);
	n->next = next;
	n->n_next = ninputs;
	return 0;
}

bool ag_node_should_compute(const ag_node *n, int edge)
{
	return edge < n->n_next && n->next[edge].fn != NULL;
}

/* ------------------------------------------------------------ histories */

/* The leaf's AccumulateGrad node, made on first use and shared after. */
static ag_node *grad_accumulator(ag_tensor *t)
{
	ag_autograd_meta *m = ag_autograd_meta_of(t, true);
	if (!m)
		return NULL;
	if (m->grad_accumulator) {
		ag_node_retain(m->grad_accumulator);
		return m->grad_accumulator;
	}
	ag_node *n = ag_node_new(AG_OP_ACCUMULATE_GRAD, 0, 1, 0, 0);
	if (!n)
		return NULL;
	n->seq = UINT64_MAX;	/* run as soon as ready, as PyTorch does */
	n->variable = t;
	ag_tensor_retain(t);
	n->out_meta[0].ndim = t->ndim;
	memcpy(n->out_meta[0].shape, t->shape, sizeof t->shape);
	n->out_meta[0].dtype = t->dtype;
	m->grad_accumulator = n;
	return n;
}

ag_edge ag_gradient_edge(ag_tensor *t)
{
	ag_edge e = { NULL, 0 };
	if (!t)
		return e;
	ag_node *fn = ag_grad_fn(t);
	const ag_autograd_meta *m = t->autograd_extra;
	if (fn) {
		ag_node_retain(fn);
		e.fn = fn;
		e.input_nr = t->output_nr;
	} else if (t->requires_grad && m && m->acc_link) {
		e.fn = m->acc_link->node;	/* NULL once that leaf's is gone */
		ag_node_retain(e.fn);
	} else if (t->requires_grad) {
		e.fn = grad_accumulator(t);
	}
	return e;
}

/* retain_grad keeps the gradient of the latest version: its weak pointer
 * moves from the old grad_fn to the new one. */
static void move_retained(ag_tensor *t, ag_node *old, ag_node *n, int nr)
{
	if (old && old->retained_tensors && t->output_nr < old->n_outputs &&
	    old->retained_tensors[t->output_nr] == t)
		old->retained_tensors[t->output_nr] = NULL;
	if (!n->retained_tensors)
		n->retained_tensors = calloc((size_t)(n->n_outputs ? n->n_outputs : 1),
					     sizeof *n->retained_tensors);
	if (n->retained_tensors && nr < n->n_outputs)
		n->retained_tensors[nr] = t;
}

void ag_set_history(ag_tensor *t, ag_node *n, int nr)
{
	ag_node_retain(n);
	if (t->retains_grad && t->grad_fn != n)
		move_retained(t, t->grad_fn, n, nr);
	if (t->grad_fn)
		ag_node_release(t->grad_fn);
	t->grad_fn = n;
	t->output_nr = nr;
	t->requires_grad = false;	/* a non-leaf: the node says it */
	if (nr < n->n_outputs) {
		n->out_meta[nr].ndim = t->ndim;
		memcpy(n->out_meta[nr].shape, t->shape, sizeof t->shape);
		n->out_meta[nr].dtype = t->dtype;
	}
	/* views need the version their history was set at (ag_grad_fn) */
	ag_autograd_meta *m = ag_autograd_meta_of(t, t->base != NULL);
	if (m)
		m->attr_version = t->version->value;
}

ag_node *ag_view_node_from_base(ag_tensor *view, ag_tensor *base)
{
	ag_node *n = ag_node_new(AG_OP_AS_STRIDED, 0, 1, 0,
				 sizeof(ag_strided_args));
	if (!n || ag_node_set_next(n, &base, 1) < 0) {
		ag_node_release(n);
		return NULL;
	}
	AG_ARGS(n, ag_strided_args)->in = ag_geometry_of(base);
	AG_ARGS(n, ag_strided_args)->view = ag_geometry_of(view);
	return n;
}

/* Does view t need a new history because its base (or another view of
 * it) was written in place since t's history was set? */
static bool view_stale(const ag_tensor *t)
{
	const ag_autograd_meta *m = t->autograd_extra;
	return m && m->diff_view && t->base &&
	       (t->grad_fn || ag_requires_grad(t->base)) &&
	       m->attr_version != t->version->value;
}

/* PyTorch's handle_view_on_rebase: a view made under no_grad or
 * inference_mode, by a multi-output op or inside a custom Function must
 * not be written in place (indirect: its base or another view was). */
int ag_view_rebase_error(ag_tensor *t, bool indirect)
{
	ag_autograd_meta *m = t->autograd_extra;
	const char *what = indirect ? "its base or another view of its base has been"
				    : "is being";
	char head[256];
	ag_node *fn = t->grad_fn;

	if (!m || !m->diff_view || m->creation == AG_CREATED_DEFAULT)
		return 0;
	if (m->creation == AG_CREATED_INFERENCE || m->creation == AG_CREATED_NO_GRAD ||
	    !fn) {
		char prefix[128];
		if (fn)
			snprintf(prefix, sizeof prefix, "Output %d of %s is a view of "
				 "a view which was created in", t->output_nr, fn->name);
		else
			snprintf(prefix, sizeof prefix, "A view was created in");
		if (m->creation == AG_CREATED_INFERENCE)
			snprintf(head, sizeof head, "%s inference mode and %s modified "
				 "inplace in normal mode.", prefix, what);
		else
			snprintf(head, sizeof head, "%s no_grad mode and %s modified "
				 "inplace with grad mode enabled.", prefix, what);
	} else {
		snprintf(head, sizeof head, "Output %d of %s is a view and %s "
			 "modified inplace.", t->output_nr, fn->name, what);
	}
	switch (m->creation) {
	case AG_CREATED_MULTI_OUTPUT:
		return ag_error(AG_ERR_RUNTIME, "%s This view is the output of a "
				"function that returns multiple views. Such functions "
				"do not allow the output views to be modified inplace. "
				"You should replace the inplace operation by an "
				"out-of-place one.", head);
	case AG_CREATED_NO_GRAD:
		return ag_error(AG_ERR_RUNTIME, "%s Given that this use case is "
				"ambiguous and error-prone, it is forbidden. You can "
				"clarify your code by moving both the view and the "
				"inplace either both inside the no_grad block (if you "
				"don't want the inplace to be tracked) or both outside "
				"(if you want the inplace to be tracked).", head);
	case AG_CREATED_INFERENCE:
		return ag_error(AG_ERR_RUNTIME, "%s Given that this use case is "
				"ambiguous and error-prone, it is forbidden. You can "
				"clarify your code by moving both the view and the "
				"inplace either both inside the inference_mode block (if "
				"you don't want the inplace to be tracked) or both "
				"outside (if you want the inplace to be tracked).", head);
	default:
		return ag_error(AG_ERR_RUNTIME, "%s This view was created inside a "
				"custom Function (or because an input was returned "
				"as-is) and the autograd logic to handle view+inplace "
				"would override the custom backward associated with the "
				"custom Function, leading to incorrect gradients. This "
				"behavior is forbidden. You can fix this by cloning the "
				"output of the custom Function.", head);
	}
}

/* A view whose base was written in place after the view was made gets a
 * new history: AsStridedBackward0 from the base's. */
static int refresh_view(ag_tensor *t)
{
	if (!view_stale(t))
		return 0;
	if (ag_view_rebase_error(t, true) < 0)
		return -1;
	ag_node *n = ag_view_node_from_base(t, t->base);
	if (!n)
		return -1;
	ag_set_history(t, n, 0);
	ag_node_release(n);
	return 0;
}

int ag_check_view_history(ag_tensor *t)
{
	return refresh_view(t);
}

/* Without an error to report: a view that may not get a new history
 * keeps its old one (ops on it say why, through ag_node_set_next). */
ag_node *ag_grad_fn(ag_tensor *t)
{
	const ag_autograd_meta *m = t->autograd_extra;
	if (view_stale(t) && m->creation == AG_CREATED_DEFAULT) {
		ag_node *n = ag_view_node_from_base(t, t->base);
		if (n) {
			ag_set_history(t, n, 0);
			ag_node_release(n);
		}
	}
	return t->grad_fn;
}

int ag_grad_fn_checked(ag_tensor *t, ag_node **out)
{
	*out = NULL;
	if (refresh_view(t) < 0)
		return -1;
	*out = t->grad_fn;
	return 0;
}

/* detach: same storage and version counter, no history, not a view. */
ag_tensor *ag_detach(ag_tensor *t)
{
	ag_tensor *d = ag_tensor_make_view(t, t->shape, t->stride, t->ndim,
					   t->offset);
	if (!d)
		return NULL;
	ag_tensor_release(d->base);
	d->base = NULL;
	ag_trace_op(AG_OP_DETACH, &t, 1, &d, 1, NULL, false);
	return d;
}

int ag_detach_(ag_tensor *t)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (t->base && m && m->diff_view)
		return ag_error(AG_ERR_RUNTIME, "Can't detach views in-place. Use "
				"detach() instead. If you are using "
				"DistributedDataParallel (DDP) for training, and "
				"gradient_as_bucket_view is set as True, gradients "
				"are views of DDP buckets, and hence detach_() cannot "
				"be called on these gradients. To fix this error, "
				"please refer to the Optimizer.zero_grad() function "
				"in torch/optim/optimizer.py as the solution.");
	if (t->grad_fn) {
		ag_node_release(t->grad_fn);
		t->grad_fn = NULL;
	}
	t->requires_grad = false;
	t->output_nr = 0;
	ag_trace_op(AG_OP_DETACH_, &t, 1, &t, 1, NULL, true);
	return 0;
}

/* ----------------------------------------- requires_grad, .grad, retain */

/* PyTorch words the integer-dtype refusal differently on each path. */
static const char *const int_requires_grad_text[] = {
	[AG_RG_METHOD] = "only Tensors of floating point dtype can require "
		"gradients",
	[AG_RG_ATTRIBUTE] = "only Tensors of floating point and complex dtype "
		"can require gradients",
	[AG_RG_FACTORY] = "Only Tensors of floating point and complex dtype "
		"can require gradients",
};

int ag_set_requires_grad_via(ag_tensor *t, bool on, ag_rg_via via)
{
	if (!ag_is_leaf(t)) {
		if (on && via != AG_RG_ATTRIBUTE)
			return 0;	/* already requires grad */
		return ag_error(AG_ERR_RUNTIME, "you can only change requires_grad "
				"flags of leaf variables.%s", on ? "" :
				" If you want to use a computed variable in a "
				"subgraph that doesn't require differentiation use "
				"var_no_grad = var.detach().");
	}
	if (on && !ag_dtype_is_floating(t->dtype))
		return ag_error(AG_ERR_DTYPE, "%s", int_requires_grad_text[via]);
	if (on && t->is_inference && !ag_is_inference_mode_enabled())
		return ag_error(AG_ERR_RUNTIME, "Setting requires_grad=True on "
				"inference tensor outside InferenceMode is not "
				"allowed.");
	ensure_release_hook();
	t->requires_grad = on;
	return 0;
}

int ag_set_requires_grad(ag_tensor *t, bool on)
{
	return ag_set_requires_grad_via(t, on, AG_RG_METHOD);
}

int ag_retain_grad(ag_tensor *t)
{
	if (!ag_requires_grad(t))
		return ag_error(AG_ERR_RUNTIME, "can't retain_grad on Tensor that "
				"has requires_grad=False");
	ag_node *n;
	if (ag_grad_fn_checked(t, &n) < 0)
		return -1;
	if (!n || t->retains_grad)
		return 0;	/* leaves keep their grad anyway */
	if (!n->retained_tensors) {
		n->retained_tensors = calloc((size_t)n->n_outputs,
					     sizeof *n->retained_tensors);
		if (!n->retained_tensors)
			return ag_error(AG_ERR_NOMEM, "out of memory");
	}
	n->retained_tensors[t->output_nr] = t;
	t->retains_grad = true;
	return 0;
}

int ag_set_data(ag_tensor *t, ag_tensor *src)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (ag_requires_grad(t) && !ag_dtype_is_floating(src->dtype))
		return ag_error(AG_ERR_DTYPE, "data set to a tensor that requires "
				"gradients must be floating point or complex dtype");
	/* a leaf's AccumulateGrad knows the old dtype and shape: new uses
	 * get a new one (the old one stays with the graphs that have it) */
	if (m && m->grad_accumulator &&
	    (src->dtype != t->dtype || !ag_same_shape(src, t)))
		m->grad_accumulator = NULL;
	ag_tensor_set_data(t, src);
	return 0;
}

int ag_set_grad(ag_tensor *t, ag_tensor *grad)
{
	if (grad) {
		if (grad == t)
			return ag_error(AG_ERR_RUNTIME, "can't assign Variable as its "
					"own grad");
		if (grad->dtype != t->dtype)
			return ag_error(AG_ERR_DTYPE, "assigned grad has data of a "
					"different type");
		if (!ag_same_shape(grad, t))
			return ag_error(AG_ERR_SHAPE, "assigned grad has data of a "
					"different size");
		ag_tensor_retain(grad);
	}
	ag_tensor_release(t->grad);
	t->grad = grad;
	return 0;
}

/* ------------------------------------------------------- saved tensors */

static const ag_saved_hooks *saved_hooks;

void ag_set_saved_tensors_hooks(const ag_saved_hooks *h) { saved_hooks = h; }
const ag_saved_hooks *ag_get_saved_tensors_hooks(void) { return saved_hooks; }

/* The pack hook sees the tensor without its history (PyTorch passes
 * data.detach()), under no_grad, and may not write into it. */
static int pack_saved(ag_saved *s, ag_tensor *t)
{
	const ag_saved_hooks *h = saved_hooks;
	ag_tensor *d = ag_detach(t);
	if (!d)
		return -1;
	int64_t version = t->version->value;
	bool prev = ag_set_grad_enabled(false);
	int rc = h->pack(h->ud, d, &s->packed);
	ag_set_grad_enabled(prev);
	ag_tensor_release(d);
	if (rc < 0)
		return -1;
	s->hooks = h;
	if (t->version->value != version)
		return ag_error(AG_ERR_RUNTIME, "A saved tensor pack hook is "
				"modifying its input in place. Tensors provided as "
				"input to pack hook can not be modified by in-place "
				"operations as this can lead to unexpected "
				"side-effects. Please open an issue if you need to "
				"perform in-place operations on the input to a pack "
				"hook.");
	return 0;
}

int ag_node_save(ag_node *n, int slot, ag_tensor *t, bool is_output,
		 bool inplace_on_view)
{
	ag_saved *s = &n->saved[slot];
	saved_clear(s);
	memset(s, 0, sizeof *s);
	if (!t)
		return 0;
	if (t->is_inference)
		return ag_error(AG_ERR_RUNTIME, "Inference tensors cannot be saved "
				"for backward. To work around you can make a clone to "
				"get a normal tensor and use it in autograd.");
	s->was_defined = true;
	s->version = t->version->value;
	s->output_nr = t->output_nr;
	s->requires_grad = ag_requires_grad(t);
	s->is_leaf = ag_is_leaf(t);
	/* a leaf output is kept as it is: it owns no node */
	s->is_output = is_output && !s->is_leaf;
	if (inplace_on_view && s->is_output)
		s->weak_grad_fn = ag_node_weak_ref(t->grad_fn);
	if (saved_hooks) {
		if (s->is_leaf && t->requires_grad) {
			ag_edge e = ag_gradient_edge(t);
			s->leaf_acc = ag_node_weak_ref(e.fn);
			ag_node_release(e.fn);
		}
		return pack_saved(s, t);
	}
	if (s->is_output) {
		/* keep data and version counter, not the history */
		s->data = ag_detach(t);
		if (s->data && ag_fw_hooks_active)
			ag_fw_hooks_active->share_tangent(s->data, t);
		return s->data ? 0 : -1;
	}
	ag_tensor_retain(t);
	s->data = t;
	return 0;
}

int ag_error_saved_released(void)
{
	return ag_error(AG_ERR_RUNTIME, "Trying to backward through the graph a "
			"second time (or directly access saved tensors after they "
			"have already been freed). Saved intermediate values of the "
			"graph are freed when you call .backward() or "
			"autograd.grad(). Specify retain_graph=True if you need to "
			"backward through the graph a second time or if you need to "
			"access saved tensors after calling backward.");
}

/* The node PyTorch's SavedVariable::unpack names (and re-attaches): an
 * output written in place through a view, the view's grad_fn when saved
 * if that node still lives; an input, the tensor's grad_fn now; anything
 * else that was not a leaf, the node that saved it. */
static ag_node *saved_grad_fn(ag_saved *s, ag_node *saved_for)
{
	ag_node *fn = NULL;
	if (s->weak_grad_fn)
		fn = s->weak_grad_fn->node;
	else if (!s->is_output && s->data)
		fn = ag_grad_fn(s->data);
	if (!fn && !s->is_leaf)
		fn = saved_for;
	return fn;
}

static int error_saved_modified(const ag_tensor *t, int64_t expected,
				const ag_node *grad_fn, int output_nr)
{
	char shape[128], owner[160] = "";
	if (grad_fn)
		snprintf(owner, sizeof owner, ", which is output %d of %s,",
			 output_nr, ag_node_qualified_name(grad_fn));
	return ag_error(AG_ERR_RUNTIME, "one of the variables needed for gradient "
			"computation has been modified by an inplace operation: "
			"[torch.%s %s]%s is at version %lld; expected version %lld "
			"instead. Hint: %s",
			ag_dtype_legacy_name(t->dtype),
			ag_shape_str(t->shape, t->ndim, shape, sizeof shape), owner,
			(long long)t->version->value, (long long)expected,
			ag_is_anomaly_enabled() ?
			"the backtrace further above shows the operation that "
			"failed to compute its gradient. The variable in question "
			"was changed in there or anywhere later. Good luck!" :
			"enable anomaly detection to find the operation that "
			"failed to compute its gradient, with "
			"torch.autograd.set_detect_anomaly(True).");
}

/* The tensor a saved-tensor hook gave back, with the history the saved
 * slot stands for. */
static ag_tensor *unpack_hooked(ag_node *n, ag_saved *s)
{
	ag_tensor *u = s->hooks->unpack(s->hooks->ud, s->packed);
	if (!u)
		return NULL;
	ag_tensor *t = ag_detach(u);
	ag_tensor_release(u);
	if (!t || !s->requires_grad)
		return t;
	ag_node *fn = s->is_leaf ? NULL : saved_grad_fn(s, n);
	if (fn) {
		ag_node_retain(fn);
		t->grad_fn = fn;
		t->output_nr = s->output_nr;
		return t;
	}
	t->requires_grad = true;
	ag_autograd_meta *m = s->leaf_acc ? ag_autograd_meta_of(t, true) : NULL;
	if (m) {
		s->leaf_acc->refs++;
		m->acc_link = s->leaf_acc;
	}
	return t;
}

ag_tensor *ag_node_saved(ag_node *n, int slot)
{
	ag_saved *s = &n->saved[slot];

	if (!s->was_defined)
		return NULL;
	if (s->packed)
		return unpack_hooked(n, s);
	if (!s->data) {
		ag_error_saved_released();
		return NULL;
	}
	if (s->data->version->value != s->version) {
		error_saved_modified(s->data, s->version, saved_grad_fn(s, n),
				     s->output_nr);
		return NULL;
	}
	if (s->is_output) {
		/* re-attach the history the alias was saved without */
		ag_tensor *t = ag_detach(s->data);
		if (!t)
			return NULL;
		if (ag_fw_hooks_active)
			ag_fw_hooks_active->share_tangent(t, s->data);
		if (s->requires_grad) {
			t->grad_fn = saved_grad_fn(s, n);
			ag_node_retain(t->grad_fn);
			t->output_nr = s->output_nr;
		}
		return t;
	}
	ag_tensor_retain(s->data);
	return s->data;
}

/* ------------------------------------------------------------------ hooks */

static int add_hook(ag_hook **list, ag_hook *h)
{
	h->id = hook_next_id++;
	h->next = NULL;
	h->refs = 1;	/* the list's */
	ag_hook **p = list;
	while (*p)
		p = &(*p)->next;
	*p = h;	/* hooks run in registration order */
	return h->id;
}

/* Unlinked at once; freed when no running pass holds it any more. */
static bool remove_from(ag_hook **list, int id)
{
	for (ag_hook **p = list; *p; p = &(*p)->next)
		if ((*p)->id == id) {
			ag_hook *h = *p;
			*p = h->next;
			h->next = NULL;
			ag_hook_release(h);
			return true;
		}
	return false;
}

static void hook_discard(ag_hook *h)
{
	h->refs = 1;
	ag_hook_release(h);
}

int ag_node_add_pre_hook(ag_node *n, ag_hook *h)
{
	return add_hook(&n->pre_hooks, h);
}

int ag_node_add_post_hook(ag_node *n, ag_hook *h)
{
	return add_hook(&n->post_hooks, h);
}

/* A leaf keeps its hooks; a non-leaf's go to the node that was its
 * grad_fn at the first registration (meta->hooks_node), and stay there
 * when an in-place op gives the tensor a new grad_fn. */
int ag_tensor_add_hook(ag_tensor *t, ag_hook *h)
{
	ag_node *n = NULL;
	if (!ag_requires_grad(t)) {
		hook_discard(h);
		return ag_error(AG_ERR_RUNTIME, "cannot register a hook on a tensor "
				"that doesn't require gradient");
	}
	ag_autograd_meta *m = ag_autograd_meta_of(t, true);
	if (!m || ag_grad_fn_checked(t, &n) < 0) {
		hook_discard(h);
		return -1;
	}
	if (!m->hooks_node && !n)
		return add_hook(&m->hooks, h);
	if (!m->hooks_node) {
		ag_node_retain(n);
		m->hooks_node = n;
		m->hooks_nr = t->output_nr;
	}
	n = m->hooks_node;
	if (!n->tensor_pre_hooks) {
		n->tensor_pre_hooks = calloc((size_t)n->n_outputs,
					     sizeof *n->tensor_pre_hooks);
		if (!n->tensor_pre_hooks) {
			hook_discard(h);
			return ag_error(AG_ERR_NOMEM, "out of memory");
		}
	}
	return add_hook(&n->tensor_pre_hooks[m->hooks_nr], h);
}

bool ag_node_remove_hook(ag_node *n, int id)
{
	return remove_from(&n->pre_hooks, id) || remove_from(&n->post_hooks, id);
}

bool ag_tensor_remove_hook(ag_tensor *t, int id)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (!m)
		return false;
	if (remove_from(&m->hooks, id))
		return true;
	ag_node *n = m->hooks_node;
	return n && n->tensor_pre_hooks &&
	       remove_from(&n->tensor_pre_hooks[m->hooks_nr], id);
}

bool ag_tensor_has_hooks(const ag_tensor *t)
{
	const ag_autograd_meta *m = t->autograd_extra;
	return m && (m->hooks || m->hooks_node);
}

ag_node *ag_tensor_hooks_node(const ag_tensor *t)
{
	const ag_autograd_meta *m = t->autograd_extra;
	return m ? m->hooks_node : NULL;
}

/* ------------------------------------------------------------ accessors */

int ag_object_refcount(const void *obj, bool is_node)
{
	return is_node ? ((const ag_node *)obj)->refcount
		       : ((const ag_tensor *)obj)->refcount;
}

void ag_object_refs(const void *obj, bool is_node,
		    void (*fn)(void *target, bool is_node, void *ud), void *ud)
{
	if (is_node) {
		const ag_node *n = obj;
		for (int i = 0; i < n->n_next; i++)
			if (n->next[i].fn)
				fn(n->next[i].fn, true, ud);
		if (n->inner)
			fn(n->inner, true, ud);
		if (n->variable)
			fn(n->variable, false, ud);
		for (int i = 0; !n->saved_released && i < n->n_saved; i++)
			if (n->saved[i].data)
				fn(n->saved[i].data, false, ud);
		return;
	}
	const ag_tensor *t = obj;
	const ag_autograd_meta *m = t->autograd_extra;
	if (t->grad)
		fn(t->grad, false, ud);
	if (t->base)
		fn(t->base, false, ud);
	if (t->grad_fn)
		fn(t->grad_fn, true, ud);
	if (m && m->hooks_node)
		fn(m->hooks_node, true, ud);
}

const char *ag_node_name(const ag_node *n) { return n->name; }

const char *ag_node_qualified_name(const ag_node *n)
{
	if (n->op == AG_OP_ACCUMULATE_GRAD)
		return "torch::autograd::AccumulateGrad";
	if (n->op == AG_OP_COPY_SLICES)
		return "torch::autograd::CopySlices";
	return n->name;
}
uint64_t ag_node_id(const ag_node *n) { return n->id; }
int ag_node_next_count(const ag_node *n) { return n->n_next; }
ag_edge ag_node_next(const ag_node *n, int i) { return n->next[i]; }
int ag_node_output_count(const ag_node *n) { return n->n_outputs; }
ag_tensor *ag_node_variable(const ag_node *n) { return n->variable; }
uint64_t ag_node_trace_event(const ag_node *n) { return n->trace_event; }
char *ag_node_traceback(const ag_node *n) { return ag_anomaly_format(n->trace); }

const ag_tensor_meta *ag_node_output(const ag_node *n, int i)
{
	return i >= 0 && i < n->n_outputs ? &n->out_meta[i] : NULL;
}

const ag_grad_stats *ag_node_grad_stats(const ag_node *n, int i)
{
	return n->last_stats && i >= 0 && i < n->n_outputs ? &n->last_stats[i]
							   : NULL;
}

ag_node *ag_tensor_grad_accumulator(const ag_tensor *t)
{
	const ag_autograd_meta *m = t->autograd_extra;
	return m ? m->grad_accumulator : NULL;
}

int ag_node_saved_count(const ag_node *n) { return n->n_saved; }

int ag_node_saved_tensor(ag_node *n, int i, ag_tensor **out)
{
	*out = NULL;
	if (i < 0 || i >= n->n_saved)
		return ag_error(AG_ERR_INDEX, "%s has %d saved tensors, not %d",
				n->name, n->n_saved, i + 1);
	if (n->saved_released)
		return ag_error_saved_released();
	if (!n->saved[i].was_defined)
		return 0;
	*out = ag_node_saved(n, i);
	return *out ? 0 : -1;
}
