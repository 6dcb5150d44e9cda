/*
 * autograd.c - grad modes, per-tensor autograd metadata, graph nodes, saved
 * tensors and hooks.  The engine that runs the graph is engine.c; the
 * backward formulas are derivatives.c.
 *
 * Ownership, as in PyTorch: a tensor owns its grad_fn; a node owns the nodes
 * its next edges point to (so a graph lives as long as some tensor reaches
 * it) and its saved tensors.  A leaf's AccumulateGrad node owns the leaf,
 * and the leaf points back weakly, so the pair is not a cycle.  An output
 * saved by its own node is kept as an alias without grad_fn (else the node
 * would own a tensor owning the node) and re-attached when unpacked.
 */
#include "internal.h"
#include "autograd.h"

#include <stdio.h>

static bool grad_enabled = true;
static bool anomaly_enabled;
static uint64_t node_next_id = 1;
static uint64_t node_next_seq = 1;
static int hook_next_id = 1;
static char *(*traceback_provider)(void *);
static void *traceback_ud;

bool ag_is_grad_enabled(void) { return grad_enabled; }

bool ag_set_grad_enabled(bool on)
{
	bool prev = grad_enabled;
	grad_enabled = on;
	return prev;
}

bool ag_is_anomaly_enabled(void) { return anomaly_enabled; }
void ag_set_anomaly_enabled(bool on) { anomaly_enabled = on; }

void ag_set_traceback_provider(char *(*fn)(void *ud), void *ud)
{
	traceback_provider = fn;
	traceback_ud = ud;
}

/* ------------------------------------------------ per-tensor metadata */

static ag_autograd_meta *meta_get(ag_tensor *t, bool create)
{
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
	return meta_get(t, create);
}

bool ag_requires_grad(const ag_tensor *t)
{
	return t && (t->requires_grad || t->grad_fn != NULL);
}

bool ag_any_requires_grad(ag_tensor *const *ts, int n)
{
	for (int i = 0; i < n; i++)
		if (ag_requires_grad(ts[i]))
			return true;
	return false;
}

bool ag_is_leaf(const ag_tensor *t) { return t->grad_fn == NULL; }

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

/* ------------------------------------------------------------------ nodes */

ag_node *ag_node_new(const char *name, ag_backward_fn apply, int n_outputs)
{
	ag_node *n = calloc(1, sizeof *n);
	ensure_release_hook();
	if (!n || !(n->out_meta = calloc((size_t)(n_outputs ? n_outputs : 1),
					 sizeof *n->out_meta))) {
		free(n);
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	n->refcount = 1;
	n->id = node_next_id++;
	n->seq = node_next_seq++;
	n->name = name;
	n->apply = apply;
	n->n_outputs = n_outputs;
	if (anomaly_enabled && traceback_provider)
		n->traceback = traceback_provider(traceback_ud);
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
	if (n->release_user_saved)
		n->release_user_saved(n);
	n->saved_released = true;
}

/* Freed iteratively: a 100,000-node chain must not overflow the C stack. */
void ag_node_release(ag_node *n)
{
	ag_node *stack_local[64];
	ag_node **stack = stack_local;
	size_t cap = 64, top = 0;

	if (!n || --n->refcount > 0)
		return;
	stack[top++] = n;
	while (top > 0) {
		ag_node *cur = stack[--top];
		for (int i = 0; i < cur->n_next; i++) {
			ag_node *child = cur->next[i].fn;
			if (!child || --child->refcount > 0)
				continue;
			if (top == cap) {
				size_t ncap = cap * 2;
				ag_node **ns = malloc(ncap * sizeof *ns);
				if (!ns)
					continue;	/* leak rather than crash */
				memcpy(ns, stack, top * sizeof *ns);
				if (stack != stack_local)
					free(stack);
				stack = ns;
				cap = ncap;
			}
			stack[top++] = child;
		}
		if (cur->inner && --cur->inner->refcount == 0) {
			/* CopySlices' inner node: freed like a child */
			ag_node *child = cur->inner;
			if (top == cap) {
				size_t ncap = cap * 2;
				ag_node **ns = malloc(ncap * sizeof *ns);
				if (ns) {
					memcpy(ns, stack, top * sizeof *ns);
					if (stack != stack_local)
						free(stack);
					stack = ns;
					cap = ncap;
				}
			}
			if (top < cap)
				stack[top++] = child;
		}
		ag_node_release_saved(cur);
		if (cur->variable) {
			ag_autograd_meta *m = cur->variable->autograd_extra;
			if (m && m->grad_accumulator == cur)
				m->grad_accumulator = NULL;
			ag_tensor_release(cur->variable);
		}
		ag_tensor_release(cur->extra);
		hook_list_free(cur->pre_hooks);
		hook_list_free(cur->post_hooks);
		if (cur->tensor_pre_hooks) {
			for (int i = 0; i < cur->n_outputs; i++)
				hook_list_free(cur->tensor_pre_hooks[i]);
			free(cur->tensor_pre_hooks);
		}
		if (cur->user_free)
			cur->user_free(cur->user);
		free(cur->retained_tensors);
		free(cur->last_stats);
		free(cur->next);
		free(cur->out_meta);
		free(cur->owned_name);
		free(cur->traceback);
		free(cur);
	}
	if (stack != stack_local)
		free(stack);
}

static int accumulate_grad_apply(ag_node *self, ag_tensor **in, ag_tensor **out);

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
	ag_node *n = ag_node_new("AccumulateGrad", accumulate_grad_apply, 1);
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

bool ag_node_should_compute(const ag_node *n, int edge)
{
	return edge < n->n_next && n->next[edge].fn != NULL;
}

void ag_node_save(ag_node *n, int slot, ag_tensor *t, bool is_output)
{
	ag_saved *s = &n->saved[slot];
	if (slot >= n->n_saved)
		n->n_saved = slot + 1;
	ag_tensor_release(s->data);
	memset(s, 0, sizeof *s);
	if (!t)
		return;
	s->was_defined = true;
	s->version = t->version->value;
	s->is_output = is_output;
	s->output_nr = t->output_nr;
	s->is_leaf = ag_is_leaf(t);
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

static const char *saved_owner_name(ag_node *self, const ag_saved *s,
				    char *buf, size_t n)
{
	if (s->is_output)
		snprintf(buf, n, ", which is output %d of %s,", s->output_nr,
			 self->name);
	else if (s->grad_fn_name[0])
		snprintf(buf, n, ", which is output %d of %s,",
			 s->output_nr, s->grad_fn_name);
	else
		buf[0] = '\0';
	return buf;
}

ag_tensor *ag_node_saved(ag_node *n, int slot)
{
	ag_saved *s = &n->saved[slot];
	char shape[128], owner[160];

	if (!s->was_defined)
		return NULL;
	if (!s->data) {
		ag_error(AG_ERR_RUNTIME, "Trying to backward through the graph a "
			 "second time (or directly access saved tensors after they "
			 "have already been freed). Saved intermediate values of the "
			 "graph are freed when you call .backward() or "
			 "autograd.grad(). Specify retain_graph=True if you need to "
			 "backward through the graph a second time or if you need to "
			 "access saved tensors after calling backward.");
		return NULL;
	}
	if (s->data->version->value != s->version) {
		ag_tensor *d = s->data;
		ag_error(AG_ERR_RUNTIME, "one of the variables needed for gradient "
			 "computation has been modified by an inplace operation: "
			 "[torch.%s %s]%s is at version %lld; expected version %lld "
			 "instead. Hint: %s",
			 ag_dtype_legacy_name(d->dtype),
			 ag_shape_str(d->shape, d->ndim, shape, sizeof shape),
			 saved_owner_name(n, s, owner, sizeof owner),
			 (long long)d->version->value, (long long)s->version,
			 anomaly_enabled ?
			 "the backtrace further above shows the operation that "
			 "failed to compute its gradient. The variable in question "
			 "was changed in there or anywhere later. Good luck!" :
			 "enable anomaly detection to find the operation that "
			 "failed to compute its gradient, with "
			 "torch.autograd.set_detect_anomaly(True).");
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

/* ------------------------------------------------ AccumulateGrad & views */

static int accumulate_grad_apply(ag_node *self, ag_tensor **in, ag_tensor **out)
{
	ag_tensor *var = self->variable, *g = in[0];
	AG_UNUSED(out);
	if (!var)
		return 0;
	if (!var->grad) {
		/* keep the graph only under create_graph (grad mode on) */
		ag_tensor *ng = ag_is_grad_enabled() ? (ag_tensor_retain(g), g)
						      : ag_detach(g);
		if (!ng)
			return -1;
		if (!ag_is_grad_enabled() && (ng->storage == g->storage)) {
			/* the engine's buffer may be shared with other
			 * gradients: give .grad its own memory */
			ag_tensor *c = ag_clone(ng);
			ag_tensor_release(ng);
			if (!c)
				return -1;
			ng = c;
		}
		var->grad = ng;
		return 0;
	}
	if (!ag_is_grad_enabled()) {
		/* .grad += g in place, as PyTorch does without create_graph */
		return ag_binary_(AG_OP_ADD, var->grad, g);
	}
	ag_tensor *sum = ag_add(var->grad, g);
	if (!sum)
		return -1;
	ag_tensor_release(var->grad);
	var->grad = sum;
	return 0;
}
