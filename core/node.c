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

static void hook_free(ag_hook *h)
{
	if (h->free_ud)
		h->free_ud(h->ud);
	free(h);
}

static void hook_list_free(ag_hook *h)
{
	while (h) {
		ag_hook *next = h->next;
		hook_free(h);
		h = next;
	}
}

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
		free(m);
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
		ag_autograd_meta *m = calloc(1, sizeof *m);
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
	char *block = calloc(1, off_args + args_size);
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
	n->traceback = ag_anomaly_traceback();
	return n;
}

void ag_node_retain(ag_node *n)
{
	if (n)
		n->refcount++;
}

void ag_node_release_saved(ag_node *n)
{
	for (int i = 0; i < n->n_saved; i++) {
		ag_tensor_release(n->saved[i].data);
		n->saved[i].data = NULL;
	}
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
		free(cur->last_stats);
		free(cur->next);
		free(cur->owned_name);
		free(cur->traceback);
		free(cur);
	}
	ag_vec_free(&stack);
}

int ag_node_set_next(ag_node *n, ag_tensor *const *inputs, int ninputs)
{
	ag_edge *next = calloc((size_t)(ninputs ? ninputs : 1), sizeof *next);
	if (!next)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	for (int i = 0; i < ninputs; i++)
		next[i] = ag_gradient_edge(inputs[i]);
	free(n->next);
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
	if (fn) {
		ag_node_retain(fn);
		e.fn = fn;
		e.input_nr = t->output_nr;
	} else if (t->requires_grad) {
		e.fn = grad_accumulator(t);
	}
	return e;
}

void ag_set_history(ag_tensor *t, ag_node *n, int nr)
{
	ag_node_retain(n);
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

/* A view whose base was written in place after the view was made gets a
 * new history: AsStridedBackward0 from the base's. */
ag_node *ag_grad_fn(ag_tensor *t)
{
	ag_autograd_meta *m = t->autograd_extra;
	if (m && m->diff_view && t->base && ag_requires_grad(t->base) &&
	    m->attr_version != t->version->value) {
		ag_node *n = ag_view_node_from_base(t, t->base);
		if (n) {
			ag_set_history(t, n, 0);
			ag_node_release(n);
		}
	}
	return t->grad_fn;
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

int ag_set_requires_grad(ag_tensor *t, bool on)
{
	if (!ag_is_leaf(t)) {
		if (on)
			return 0;	/* already requires grad */
		return ag_error(AG_ERR_RUNTIME, "you can only change requires_grad "
				"flags of leaf variables. If you want to use a "
				"computed variable in a subgraph that doesn't "
				"require differentiation use var_no_grad = "
				"var.detach().");
	}
	if (on && !ag_dtype_is_floating(t->dtype))
		return ag_error(AG_ERR_DTYPE, "only Tensors of floating point dtype "
				"can require gradients");
	ensure_release_hook();
	t->requires_grad = on;
	return 0;
}

int ag_retain_grad(ag_tensor *t)
{
	if (!ag_requires_grad(t))
		return ag_error(AG_ERR_RUNTIME, "can't retain_grad on Tensor that "
				"has requires_grad=False");
	if (ag_is_leaf(t) || t->retains_grad)
		return 0;	/* leaves keep their grad anyway */
	ag_node *n = ag_grad_fn(t);
	if (!n)
		return 0;
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

int ag_set_grad(ag_tensor *t, ag_tensor *grad)
{
	char b1[128], b2[128];
	if (grad) {
		if (grad == t)
			return ag_error(AG_ERR_RUNTIME, "can't assign Variable as its "
					"own grad");
		if (grad->dtype != t->dtype)
			return ag_error(AG_ERR_DTYPE, "assigned grad has data of a "
					"different type");
		if (!ag_same_shape(grad, t))
			return ag_error(AG_ERR_SHAPE, "assigned grad has data of a "
					"different size (grad %s, tensor %s)",
					ag_shape_str(grad->shape, grad->ndim, b1, sizeof b1),
					ag_shape_str(t->shape, t->ndim, b2, sizeof b2));
		ag_tensor_retain(grad);
	}
	ag_tensor_release(t->grad);
	t->grad = grad;
	return 0;
}

/* ------------------------------------------------------- saved tensors */

void ag_node_save(ag_node *n, int slot, ag_tensor *t, bool is_output)
{
	ag_saved *s = &n->saved[slot];
	ag_tensor_release(s->data);
	memset(s, 0, sizeof *s);
	if (!t)
		return;
	s->was_defined = true;
	s->version = t->version->value;
	s->is_output = is_output;
	s->output_nr = t->output_nr;
	s->requires_grad = ag_requires_grad(t);
	if (!is_output && t->grad_fn)
		snprintf(s->grad_fn_name, sizeof s->grad_fn_name, "%s",
			 t->grad_fn->name);
	if (is_output) {
		/* keep data and version counter, not the history */
		s->data = ag_detach(t);
	} else {
		ag_tensor_retain(t);
		s->data = t;
	}
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

/* grad_fn: the node that made t, or "" for a leaf. */
static int error_saved_modified(const ag_tensor *t, int64_t expected,
				const char *grad_fn, int output_nr)
{
	char shape[128], owner[160] = "";
	if (grad_fn && *grad_fn)
		snprintf(owner, sizeof owner, ", which is output %d of %s,",
			 output_nr, grad_fn);
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

ag_tensor *ag_node_saved(ag_node *n, int slot)
{
	ag_saved *s = &n->saved[slot];

	if (!s->was_defined)
		return NULL;
	if (!s->data) {
		ag_error_saved_released();
		return NULL;
	}
	if (s->data->version->value != s->version) {
		error_saved_modified(s->data, s->version,
					s->is_output ? n->name : s->grad_fn_name,
					s->output_nr);
		return NULL;
	}
	if (s->is_output) {
		/* re-attach the history the alias was saved without */
		ag_tensor *t = ag_detach(s->data);
		if (!t)
			return NULL;
		if (s->requires_grad) {
			t->grad_fn = n;
			ag_node_retain(n);
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
	ag_hook **p = list;
	while (*p)
		p = &(*p)->next;
	*p = h;	/* hooks run in registration order */
	return h->id;
}

static bool remove_from(ag_hook **list, int id)
{
	for (ag_hook **p = list; *p; p = &(*p)->next)
		if ((*p)->id == id) {
			ag_hook *h = *p;
			*p = h->next;
			hook_free(h);
			return true;
		}
	return false;
}

int ag_node_add_pre_hook(ag_node *n, ag_hook *h)
{
	return add_hook(&n->pre_hooks, h);
}

int ag_node_add_post_hook(ag_node *n, ag_hook *h)
{
	return add_hook(&n->post_hooks, h);
}

int ag_tensor_add_hook(ag_tensor *t, ag_hook *h, ag_node **owner)
{
	*owner = NULL;
	if (!ag_requires_grad(t)) {
		hook_free(h);
		return ag_error(AG_ERR_RUNTIME, "cannot register a hook on a tensor "
				"that doesn't require gradient");
	}
	if (ag_is_leaf(t)) {
		ag_autograd_meta *m = ag_autograd_meta_of(t, true);
		if (!m) {
			hook_free(h);
			return -1;
		}
		return add_hook(&m->hooks, h);
	}
	ag_node *n = ag_grad_fn(t);
	if (!n->tensor_pre_hooks) {
		n->tensor_pre_hooks = calloc((size_t)n->n_outputs,
					     sizeof *n->tensor_pre_hooks);
		if (!n->tensor_pre_hooks) {
			hook_free(h);
			return ag_error(AG_ERR_NOMEM, "out of memory");
		}
	}
	*owner = n;
	return add_hook(&n->tensor_pre_hooks[t->output_nr], h);
}

bool ag_node_remove_hook(ag_node *n, int id)
{
	if (remove_from(&n->pre_hooks, id) || remove_from(&n->post_hooks, id))
		return true;
	if (n->tensor_pre_hooks)
		for (int i = 0; i < n->n_outputs; i++)
			if (remove_from(&n->tensor_pre_hooks[i], id))
				return true;
	return false;
}

bool ag_tensor_remove_hook(ag_tensor *t, int id)
{
	ag_autograd_meta *m = t->autograd_extra;
	return m && remove_from(&m->hooks, id);
}

/* ------------------------------------------------------------ accessors */

const char *ag_node_name(const ag_node *n) { return n->name; }
uint64_t ag_node_id(const ag_node *n) { return n->id; }
int ag_node_next_count(const ag_node *n) { return n->n_next; }
ag_edge ag_node_next(const ag_node *n, int i) { return n->next[i]; }
int ag_node_output_count(const ag_node *n) { return n->n_outputs; }
ag_tensor *ag_node_variable(const ag_node *n) { return n->variable; }
uint64_t ag_node_trace_event(const ag_node *n) { return n->trace_event; }

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
