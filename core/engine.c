/*
 * engine.c - the backward pass as a resumable stepper.
 *
 * begin() finds every node reachable from the roots, counts for each how
 * many gradients it waits for, and seeds the roots' gradients.  step() runs
 * exactly one ready node (the most recently created first, AccumulateGrad
 * as soon as it is ready: PyTorch's order), adds what it returns into the
 * buffers of the nodes it points to, and makes those ready when their count
 * reaches zero.  backward() is step() until done, so a debugger can stop
 * between any two nodes, and nothing here needs threads.
 *
 * Saved tensors are released only when a pass completes, so an error or a
 * Ctrl-C halfway leaves the graph as it was and it can be run again.
 *
 * A gradient no node produced stays undefined (NULL), as PyTorch's does:
 * a leaf it would reach gets no .grad, autograd.grad returns nil for it,
 * and a node whose every incoming gradient is undefined is not run (its
 * outputs are undefined too) -- except a custom Function, whose backward
 * sees zeros, as with PyTorch's materialize_grads.
 *
 * A debugger stepping through a pass reads, between steps, the gradients
 * waiting for the next node (ag_engine_peek_grad), the order the rest will
 * run in (ag_engine_schedule) and, after an error, the node that failed
 * (ag_engine_failed_at): debug.h.
 */
#include "node.h"
#include "debug.h"
#include "map.h"
#include "vec.h"

typedef struct task {
	ag_node *node;
	int deps;		/* gradients still expected */
	bool exec;		/* run apply (on a path to what is wanted) */
	bool in_graph;		/* will be processed at all */
	bool target;		/* backward(inputs=): one of the inputs' */
	int *capture;		/* per input_nr: result index + 1, or 0 */
	ag_tensor **buffer;	/* per forward output of the node */
	bool done;
} task;

/* A pass over a small graph (the usual step of a script) allocates
 * nothing: up to SMALL tasks, their gradient buffers, the ready heap and
 * the executed list live in the engine itself, tasks are found by a scan
 * instead of the map, and a finished engine is kept for the next pass. */
#define SMALL 16

struct ag_engine {
	ag_backward_options opt;
	ag_vec tasks;		/* of task */
	ag_map index;		/* node -> its task's index (past SMALL tasks) */
	size_t *heap;		/* ready tasks, max-heap by node seq */
	size_t nheap;
	ag_tensor **results;	/* autograd.grad */
	int nresults;
	size_t *executed;	/* tasks run, for releasing saved tensors */
	size_t nexecuted;
	int pending;
	bool finished;
	bool prev_grad_mode;
	char *failed_traceback;
	const char *failed_node;
	ag_node *failed;	/* the node whose step failed (the task owns it) */
	ag_engine *outer;	/* the engine running when this one began */
	/* the small graph's storage; not cleared between passes */
	int nslots;		/* of slot_local in use */
	task task_local[SMALL];
	ag_tensor *slot_local[2 * SMALL];
	size_t heap_local[SMALL], executed_local[SMALL];
};

#define ENGINE_HEAD offsetof(ag_engine, task_local)

static ag_engine *spare_engine;	/* the last one freed, for the next pass */

static bool is_local(const ag_engine *e, const void *p)
{
	const char *c = p, *lo = (const char *)e + ENGINE_HEAD;
	return c >= lo && c < (const char *)(e + 1);
}

/* ------------------------------------------------------------ task table */

#define TASK(e, i) AG_VEC_AT(&(e)->tasks, task, i)

static task *find_task(const ag_engine *e, const ag_node *n)
{
	size_t i;
	if (e->index.cap == 0) {
		for (i = e->tasks.len; i-- > 0;)
			if (TASK(e, i).node == n)
				return &TASK(e, i);
		return NULL;
	}
	return ag_map_get(&e->index, (uintptr_t)n, &i) ? &TASK(e, i) : NULL;
}

/* Past SMALL tasks, the map indexes them all (from the first one added
 * after). */
static int index_task(ag_engine *e, size_t ti)
{
	if (e->index.cap == 0 && e->tasks.len <= SMALL)
		return 0;
	if (e->index.cap == 0) {
		for (size_t i = 0; i < ti; i++)
			if (ag_map_put(&e->index, (uintptr_t)TASK(e, i).node, i) < 0)
				return -1;
	}
	return ag_map_put(&e->index, (uintptr_t)TASK(e, ti).node, ti);
}

static size_t task_index(const ag_engine *e, const task *t)
{
	return (size_t)(t - &TASK(e, 0));
}

/* The task of node n, added (with a reference to n) if new. */
static task *get_task(ag_engine *e, ag_node *n, bool *added)
{
	task *t = find_task(e, n);
	*added = false;
	if (t)
		return t;
	int k = n->n_outputs ? n->n_outputs : 1;
	ag_tensor **buffer;
	if (k <= 2 * SMALL - e->nslots) {
		buffer = &e->slot_local[e->nslots];
		e->nslots += k;
		memset(buffer, 0, (size_t)k * sizeof *buffer);
	} else {
		buffer = calloc((size_t)k, sizeof *buffer);
	}
	if (!buffer || AG_VEC_PUSH(&e->tasks, task, ((task){ .node = n,
						.buffer = buffer })) < 0 ||
	    index_task(e, e->tasks.len - 1) < 0) {
		if (buffer && !is_local(e, buffer))
			free(buffer);
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ag_node_retain(n);
	*added = true;
	return &TASK(e, e->tasks.len - 1);
}

/* ------------------------------------------------------------ ready heap */

static bool heap_before(const ag_engine *e, size_t a, size_t b)
{
	const ag_node *x = TASK(e, a).node, *y = TASK(e, b).node;
	if (x->seq != y->seq)
		return x->seq > y->seq;
	return x->id > y->id;
}

static void heap_push(ag_engine *e, size_t ti)
{
	size_t i = e->nheap++;
	e->heap[i] = ti;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_before(e, e->heap[i], e->heap[p]))
			break;
		size_t tmp = e->heap[i]; e->heap[i] = e->heap[p]; e->heap[p] = tmp;
		i = p;
	}
}

static size_t heap_pop(ag_engine *e)
{
	size_t top = e->heap[0];
	e->heap[0] = e->heap[--e->nheap];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < e->nheap && heap_before(e, e->heap[l], e->heap[m]))
			m = l;
		if (r < e->nheap && heap_before(e, e->heap[r], e->heap[m]))
			m = r;
		if (m == i)
			break;
		size_t tmp = e->heap[i]; e->heap[i] = e->heap[m]; e->heap[m] = tmp;
		i = m;
	}
	return top;
}

/* -------------------------------------------------------------- begin */

static int check_root(ag_tensor *root, ag_tensor *grad, int i, ag_tensor **out)
{
	char b1[128], b2[128];
	*out = NULL;
	if (!ag_requires_grad(root))
		return ag_error(AG_ERR_RUNTIME, "element %d of tensors does not "
				"require grad and does not have a grad_fn", i);
	if (!grad) {
		if (ag_numel(root) != 1)
			return ag_error(AG_ERR_RUNTIME, "grad can be implicitly "
					"created only for scalar outputs");
		*out = ag_ones(root->shape, root->ndim, root->dtype);
		return *out ? 0 : -1;
	}
	if (!ag_same_shape(grad, root))
		return ag_error(AG_ERR_SHAPE, "Mismatch in shape: grad_output[%d] "
				"has a shape of torch.Size(%s) and output[%d] has a "
				"shape of torch.Size(%s).", i,
				ag_shape_str(grad->shape, grad->ndim, b1, sizeof b1),
				i, ag_shape_str(root->shape, root->ndim, b2, sizeof b2));
	if (ag_dtype_is_floating(root->dtype) != ag_dtype_is_floating(grad->dtype))
		return ag_error(AG_ERR_DTYPE, "grad_output[%d] has dtype %s, but "
				"output[%d] has dtype %s", i,
				ag_dtype_name(grad->dtype), i,
				ag_dtype_name(root->dtype));
	*out = ag_to_dtype(grad, root->dtype);
	return *out ? 0 : -1;
}

/* Adds g into a buffer slot: differentiably under create_graph. */
static int buffer_add(ag_tensor **slot, ag_tensor *g)
{
	if (!*slot) {
		ag_tensor_retain(g);
		*slot = g;
		return 0;
	}
	ag_tensor *sum = ag_add(*slot, g);
	if (!sum)
		return -1;
	ag_tensor_release(*slot);
	*slot = sum;
	return 0;
}

/* Discover the graph (iteratively) and count dependencies. */
static int discover(ag_engine *e, ag_node **roots, int nroots)
{
	size_t local[256];
	ag_vec stack = AG_VEC_ON_STACK(local);
	bool added;
	int rc = -1;

	for (int i = 0; i < nroots; i++) {
		task *t = roots[i] ? get_task(e, roots[i], &added) : NULL;
		if (roots[i] && !t)
			goto out;
		if (t && added && AG_VEC_PUSH(&stack, size_t, task_index(e, t)) < 0)
			goto out;
	}
	while (stack.len > 0) {
		ag_node *n = TASK(e, AG_VEC_POP(&stack, size_t)).node;
		for (int j = 0; j < n->n_next; j++) {
			ag_node *child = n->next[j].fn;
			task *c = child ? get_task(e, child, &added) : NULL;
			if (child && !c)
				goto out;
			if (c && added &&
			    AG_VEC_PUSH(&stack, size_t, task_index(e, c)) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	ag_vec_free(&stack);
	return rc;
}

/* With inputs (autograd.grad), run only nodes on a path to a captured
 * input.  Edges always point to older nodes (smaller seq) or to an
 * AccumulateGrad, which has no edges, so one sweep in increasing seq sees
 * every child before its parents. */
struct seq_index { uint64_t seq; size_t index; };

static int cmp_seq(const void *a, const void *b)
{
	const struct seq_index *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int mark_exec(ag_engine *e)
{
	if (e->opt.ninputs == 0) {
		for (size_t i = 0; i < e->tasks.len; i++)
			TASK(e, i).exec = TASK(e, i).in_graph = true;
		return 0;
	}
	struct seq_index *order = malloc((e->tasks.len ? e->tasks.len : 1) * sizeof *order);
	if (!order)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < e->tasks.len; i++) {
		order[i].seq = TASK(e, i).node->n_next ? TASK(e, i).node->seq : 0;
		order[i].index = i;
	}
	qsort(order, e->tasks.len, sizeof *order, cmp_seq);
	for (size_t k = 0; k < e->tasks.len; k++) {
		task *t = &TASK(e, order[k].index);
		/* an input's own AccumulateGrad runs; a non-leaf input's node
		 * only takes its gradient in (retain_grad) */
		if (t->target && t->node->variable)
			t->exec = true;
		for (int j = 0; j < t->node->n_next && !t->exec; j++) {
			ag_node *c = t->node->next[j].fn;
			task *ct = c ? find_task(e, c) : NULL;
			if (ct && (ct->exec || ct->capture || ct->target))
				t->exec = true;
		}
		t->in_graph = t->exec || t->capture || t->target;
	}
	free(order);
	return 0;
}

/* autograd.grad: which input of which task gives result i; backward with
 * inputs: which tasks are the inputs'. */
static int add_captures(ag_engine *e)
{
	const ag_backward_options *opt = &e->opt;
	if (opt->ninputs == 0)
		return 0;
	if (opt->accumulate) {
		for (int i = 0; i < opt->ninputs; i++) {
			ag_edge ie = ag_gradient_edge(opt->inputs[i]);
			task *t = ie.fn ? find_task(e, ie.fn) : NULL;
			ag_node_release(ie.fn);
			if (t)
				t->target = true;
		}
		return 0;
	}
	e->nresults = opt->ninputs;
	e->results = calloc((size_t)opt->ninputs, sizeof *e->results);
	if (!e->results)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	for (int i = 0; i < opt->ninputs; i++) {
		ag_edge ie = ag_gradient_edge(opt->inputs[i]);
		task *t = ie.fn ? find_task(e, ie.fn) : NULL;
		ag_node_release(ie.fn);
		if (!t)
			continue;	/* unused: checked at the end */
		if (!t->capture &&
		    !(t->capture = calloc((size_t)t->node->n_outputs,
					  sizeof *t->capture)))
			return ag_error(AG_ERR_NOMEM, "out of memory");
		t->capture[ie.input_nr] = i + 1;
	}
	return 0;
}

/* Dependencies (edges from the nodes that run), then the ready heap. */
static int schedule(ag_engine *e)
{
	size_t n = e->tasks.len ? e->tasks.len : 1;
	for (size_t i = 0; i < e->tasks.len; i++) {
		task *t = &TASK(e, i);
		for (int j = 0; t->exec && j < t->node->n_next; j++) {
			ag_node *c = t->node->next[j].fn;
			task *ct = c ? find_task(e, c) : NULL;
			if (ct && ct->in_graph)
				ct->deps++;
		}
	}
	if (n <= SMALL) {
		e->heap = e->heap_local;
		e->executed = e->executed_local;
	} else {
		e->heap = malloc(n * sizeof *e->heap);
		e->executed = malloc(n * sizeof *e->executed);
	}
	if (!e->heap || !e->executed)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < e->tasks.len; i++)
		if (TASK(e, i).in_graph) {
			e->pending++;
			if (TASK(e, i).deps == 0)
				heap_push(e, i);
		}
	return 0;
}

/* The roots as a pass starts from them: their gradients and edges. */
typedef struct roots {
	int n;
	ag_tensor **grads;
	ag_edge *edges;
	ag_node **nodes;
	ag_tensor *grads_local[4];	/* up to 4 roots: no allocation */
	ag_edge edges_local[4];
	ag_node *nodes_local[4];
} roots;

static int roots_take(roots *r, ag_tensor *const *ts, ag_tensor *const *grads,
		      int n)
{
	size_t k = (size_t)(n ? n : 1);
	r->n = n;
	if (k <= 4) {
		r->grads = r->grads_local;
		r->edges = r->edges_local;
		r->nodes = r->nodes_local;
		memset(r->grads, 0, k * sizeof *r->grads);
		memset(r->edges, 0, k * sizeof *r->edges);
		memset(r->nodes, 0, k * sizeof *r->nodes);
	} else {
		r->grads = calloc(k, sizeof *r->grads);
		r->edges = calloc(k, sizeof *r->edges);
		r->nodes = calloc(k, sizeof *r->nodes);
	}
	if (!r->grads || !r->edges || !r->nodes)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	if (n == 0)
		return ag_error(AG_ERR_RUNTIME, "backward() needs at least one tensor");
	for (int i = 0; i < n; i++) {
		if (check_root(ts[i], grads ? grads[i] : NULL, i, &r->grads[i]) < 0)
			return -1;
		r->edges[i] = ag_gradient_edge(ts[i]);
		r->nodes[i] = r->edges[i].fn;
	}
	return 0;
}

static void roots_free(roots *r)
{
	for (int i = 0; r->grads && i < r->n; i++)
		ag_tensor_release(r->grads[i]);
	for (int i = 0; r->edges && i < r->n; i++)
		ag_node_release(r->edges[i].fn);
	if (r->grads != r->grads_local) {
		free(r->grads);
		free(r->edges);
		free(r->nodes);
	}
}

/* Seeds each root's node with its gradient. */
static int seed(ag_engine *e, const roots *r)
{
	for (int i = 0; i < r->n; i++) {
		task *t = r->edges[i].fn ? find_task(e, r->edges[i].fn) : NULL;
		if (t && buffer_add(&t->buffer[r->edges[i].input_nr], r->grads[i]) < 0)
			return -1;
	}
	return 0;
}

static int check_inputs(const ag_backward_options *opt)
{
	for (int i = 0; i < opt->ninputs; i++) {
		if (opt->accumulate) {
			/* PyTorch retains the grad of each (non-leaf) input */
			if (ag_retain_grad(opt->inputs[i]) < 0)
				return -1;
			continue;
		}
		if (!ag_requires_grad(opt->inputs[i]))
			return ag_error(AG_ERR_RUNTIME, "One of the differentiated "
					"Tensors does not require grad");
	}
	return 0;
}

ag_engine *ag_engine_begin(ag_tensor *const *root_tensors,
			   ag_tensor *const *grads, int nroots,
			   const ag_backward_options *opt)
{
	ag_engine *e = spare_engine;
	roots r = { 0 };
	int rc = -1;

	if (e) {
		spare_engine = NULL;
		memset(e, 0, ENGINE_HEAD);
	} else if (!(e = calloc(1, sizeof *e))) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	e->tasks = (ag_vec)AG_VEC_ON_STACK(e->task_local);
	e->opt = *opt;
	e->prev_grad_mode = ag_is_grad_enabled();
	if (roots_take(&r, root_tensors, grads, nroots) == 0 &&
	    check_inputs(opt) == 0 && discover(e, r.nodes, nroots) == 0 &&
	    add_captures(e) == 0 && mark_exec(e) == 0 && seed(e, &r) == 0 &&
	    schedule(e) == 0)
		rc = 0;
	roots_free(&r);
	e->outer = ag_engine_current();
	ag_set_current_engine(e);
	if (rc < 0) {
		e->finished = true;
		ag_engine_free(e);
		return NULL;
	}
	ag_emit_event(AG_EV_BEGIN, 0);
	return e;
}

/* --------------------------------------------------------------- step */

ag_node *ag_engine_peek(const ag_engine *e)
{
	if (e->finished || e->nheap == 0)
		return NULL;
	return TASK(e, e->heap[0]).node;
}

int ag_engine_pending(const ag_engine *e) { return e->finished ? 0 : e->pending; }

ag_tensor *ag_engine_peek_grad(const ag_engine *e, int i)
{
	if (e->finished || e->nheap == 0)
		return NULL;
	const task *t = &TASK(e, e->heap[0]);
	return i >= 0 && i < t->node->n_outputs ? t->buffer[i] : NULL;
}

ag_node *ag_engine_failed_at(const ag_engine *e) { return e->failed; }

/* The rest of the pass, simulated on copies of the dependency counts and
 * the ready heap: step() pops the newest ready node, so the order depends
 * on when each becomes ready, which the counts say. */
int ag_engine_schedule(const ag_engine *e, ag_node **out, int max)
{
	if (e->finished)
		return 0;
	size_t n = e->tasks.len;
	int *deps = malloc((n ? n : 1) * sizeof *deps);
	ag_engine sim = { .tasks = e->tasks };
	sim.heap = malloc((n ? n : 1) * sizeof *sim.heap);
	if (!deps || !sim.heap) {
		free(deps);
		free(sim.heap);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		deps[i] = TASK(e, i).deps;
	memcpy(sim.heap, e->heap, e->nheap * sizeof *sim.heap);
	sim.nheap = e->nheap;
	int count = 0;
	while (sim.nheap > 0) {
		size_t ti = heap_pop(&sim);
		task *t = &TASK(e, ti);
		if (count < max)
			out[count] = t->node;
		count++;
		for (int j = 0; t->exec && j < t->node->n_next; j++) {
			ag_node *c = t->node->next[j].fn;
			task *ct = c ? find_task(e, c) : NULL;
			if (ct && ct->in_graph && --deps[task_index(e, ct)] == 0)
				heap_push(&sim, task_index(e, ct));
		}
	}
	free(deps);
	free(sim.heap);
	return count;
}

/* PyTorch's check_single_result: a hook may not change what it was given
 * into a gradient of another dtype or shape. */
static int check_hook_result(const ag_tensor *g, const ag_tensor *r)
{
	if (g->dtype != r->dtype)
		return ag_error(AG_ERR_RUNTIME, "hook 'hook' has changed the type of "
				"value (was torch.%s got torch.%s)",
				ag_dtype_legacy_name(g->dtype),
				ag_dtype_legacy_name(r->dtype));
	if (!ag_same_shape(g, r))
		return ag_error(AG_ERR_RUNTIME, "hook 'hook' has changed the size of "
				"value");
	return 0;
}

/* The tensor hooks on a gradient, in order, each seeing the one before's
 * result; the list is copied first, so a hook may remove itself.  A
 * debugger observing the pass is told what the hooks changed. */
static int run_tensor_hooks(ag_hook *list, ag_tensor **slot, ag_node *node,
			    int slot_index)
{
	ag_tensor *before = NULL;
	if (!list)
		return 0;
	if (ag_backward_observed()) {
		before = *slot;
		ag_tensor_retain(before);
	}
	ag_hook **v;
	int n = ag_hook_snapshot(list, &v), rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		ag_tensor *rep = NULL;
		if (!v[i]->tensor_fn)
			continue;
		rc = v[i]->tensor_fn(v[i]->ud, *slot, &rep);
		if (rc == 0 && rep && (rc = check_hook_result(*slot, rep)) < 0)
			ag_tensor_release(rep);
		else if (rc == 0 && rep) {
			ag_tensor_release(*slot);
			*slot = rep;
		}
	}
	ag_hook_snapshot_free(v, n > 0 ? n : 0);
	if (n >= 0 && rc == 0 && before && before != *slot)
		ag_emit_hook(node, slot_index, before, *slot);
	ag_tensor_release(before);
	return n < 0 ? -1 : rc;
}

/* What a non-leaf retaining its grad keeps (retain_grad's hook). */
static int retain_into(ag_tensor *t, ag_tensor *g)
{
	ag_tensor *ng;
	if (!t->grad) {
		ng = ag_clone_contiguous(g);
	} else {
		ng = ag_add(t->grad, g);
	}
	if (!ng)
		return -1;
	ag_tensor_release(t->grad);
	t->grad = ng;
	return 0;
}

static ag_tensor *zeros_for(const ag_tensor_meta *m)
{
	return ag_zeros(m->shape, m->ndim, m->dtype);
}

/* Is shape `from` broadcastable to `to`? (grads may need summing back) */
static bool expandable_to(const int64_t *from, int nf, const int64_t *to, int nt)
{
	if (nf > nt)
		return false;
	for (int i = 0; i < nf; i++) {
		int64_t a = from[nf - 1 - i], b = to[nt - 1 - i];
		if (a != b && a != 1)
			return false;
	}
	return true;
}

/* PyTorch's validate_outputs: shapes must match the input's, up to a sum
 * over broadcast dims; dtype is converted to the input's. */
static int validate_output(ag_node *n, int j, ag_tensor **slot)
{
	ag_node *c = n->next[j].fn;
	const ag_tensor_meta *m = &c->out_meta[n->next[j].input_nr];
	ag_tensor *g = *slot;
	char b1[128], b2[128];

	if (g->ndim != m->ndim || memcmp(g->shape, m->shape,
					 (size_t)m->ndim * sizeof *m->shape)) {
		if (!expandable_to(m->shape, m->ndim, g->shape, g->ndim))
			return ag_error(AG_ERR_SHAPE, "Function %s returned an invalid "
					"gradient at index %d - got %s but expected "
					"shape compatible with %s", n->name, j,
					ag_shape_str(g->shape, g->ndim, b1, sizeof b1),
					ag_shape_str(m->shape, m->ndim, b2, sizeof b2));
		ag_tensor *s = ag_sum_to_size(g, m->shape, m->ndim);
		if (!s)
			return -1;
		ag_tensor_release(g);
		*slot = g = s;
	}
	if (g->dtype != m->dtype && ag_dtype_is_floating(m->dtype)) {
		ag_tensor *d = ag_to_dtype(g, m->dtype);
		if (!d)
			return -1;
		ag_tensor_release(g);
		*slot = d;
	}
	return 0;
}

static int finish(ag_engine *e, int status);

static int step_fail(ag_engine *e, ag_node *n)
{
	if (n && !e->failed)
		e->failed = n;
	if (n && n->trace && !e->failed_traceback) {
		e->failed_traceback = ag_node_traceback(n);
		e->failed_node = n->name;
	} else if (n && !e->failed_node) {
		e->failed_node = n->name;
	}
	finish(e, -1);
	return -1;
}

/* The gradients arriving at t, as its node will see them: tensor hooks,
 * retain_grad and autograd.grad's captures, in that order, on each
 * defined one. */
static int take_inputs(ag_engine *e, task *t)
{
	ag_node *n = t->node;
	ag_tensor **in = t->buffer;
	for (int i = 0; i < n->n_outputs; i++) {
		ag_hook *hooks = NULL;
		if (!in[i]) {
			if (t->capture && t->capture[i]) {
				ag_tensor **r = &e->results[t->capture[i] - 1];
				ag_tensor_release(*r);
				*r = NULL;
			}
			continue;
		}
		if (n->variable) {
			ag_autograd_meta *m = n->variable->autograd_extra;
			hooks = m ? m->hooks : NULL;
		} else if (n->tensor_pre_hooks) {
			hooks = n->tensor_pre_hooks[i];
		}
		if (run_tensor_hooks(hooks, &in[i], n, i) < 0)
			return -1;
		if (n->retained_tensors && n->retained_tensors[i] &&
		    retain_into(n->retained_tensors[i], in[i]) < 0)
			return -1;
		if (t->capture && t->capture[i]) {
			ag_tensor **r = &e->results[t->capture[i] - 1];
			ag_tensor *g = in[i];
			if (!e->opt.create_graph) {
				if (!(g = ag_detach(in[i])))
					return -1;
			} else {
				ag_tensor_retain(g);
			}
			ag_tensor_release(*r);
			*r = g;
		}
	}
	return 0;
}

/* Node pre-hooks, then post-hooks after the backward: each list copied
 * first, so a hook removed during the pass still runs in it (PyTorch
 * 1.13's order), and one that removes itself is not freed under it. */
static int run_pre_hooks(ag_node *n, ag_tensor **in, int nout)
{
	ag_hook **v;
	if (!n->pre_hooks)
		return 0;
	int k = ag_hook_snapshot(n->pre_hooks, &v), rc = 0;
	for (int i = 0; i < k && rc == 0; i++)
		if (v[i]->pre_fn)
			rc = v[i]->pre_fn(v[i]->ud, n, in, nout);
	ag_hook_snapshot_free(v, k > 0 ? k : 0);
	return k < 0 ? -1 : rc;
}

static int run_post_hooks(ag_node *n, ag_tensor **out, int nnext,
			  ag_tensor **in, int nout)
{
	ag_hook **v;
	if (!n->post_hooks)
		return 0;
	int k = ag_hook_snapshot(n->post_hooks, &v), rc = 0;
	for (int i = 0; i < k && rc == 0; i++)
		if (v[i]->post_fn)
			rc = v[i]->post_fn(v[i]->ud, n, out, nnext, in, nout);
	ag_hook_snapshot_free(v, k > 0 ? k : 0);
	return k < 0 ? -1 : rc;
}

/* Does n run with these gradients?  An AccumulateGrad needs a defined
 * one; other nodes need one defined (their formulas then get zeros for
 * the rest), except a custom Function, which always runs. */
static bool node_runs(const ag_node *n, ag_tensor **in)
{
	bool any = false;
	for (int i = 0; i < n->n_outputs && !any; i++)
		any = in[i] != NULL;
	return any || (n->function && !n->variable);
}

/* Runs n's backward with its hooks: out[j] the gradient for edge j,
 * checked and converted as PyTorch's validate_outputs does. */
static int run_node(ag_node *n, ag_tensor **in, ag_tensor **out)
{
	int nout = n->n_outputs, nnext = n->n_next;
	if (run_pre_hooks(n, in, nout) < 0)
		return -1;
	if (!node_runs(n, in))
		return 0;
	if (!n->variable)
		for (int i = 0; i < nout; i++)
			if (!in[i] && !(in[i] = zeros_for(&n->out_meta[i])))
				return -1;
	if (ag_node_apply(n, in, out) < 0)
		return -1;
	if (run_post_hooks(n, out, nnext, in, nout) < 0)
		return -1;
	for (int j = 0; j < nnext; j++) {
		if (!out[j] || !n->next[j].fn) {
			ag_tensor_release(out[j]);
			out[j] = NULL;
			continue;
		}
		if (validate_output(n, j, &out[j]) < 0)
			return -1;
	}
	for (int j = 0; j < nnext && ag_is_anomaly_enabled(); j++)
		if (out[j] && ag_grad_has_nan(out[j]))
			return ag_error(AG_ERR_RUNTIME, "Function '%s' returned nan "
					"values in its %dth output.", n->name, j);
	return 0;
}

/* Adds n's results into the buffers of the nodes its edges lead to. */
static int pass_on(ag_engine *e, ag_node *n, ag_tensor **out)
{
	for (int j = 0; j < n->n_next; j++) {
		ag_node *c = n->next[j].fn;
		task *ct = c ? find_task(e, c) : NULL;
		if (!ct || !ct->in_graph)
			continue;
		if (out[j] && buffer_add(&ct->buffer[n->next[j].input_nr], out[j]) < 0)
			return -1;
		if (--ct->deps == 0)
			heap_push(e, task_index(e, ct));
	}
	return 0;
}

int ag_engine_step(ag_engine *e)
{
	if (e->finished)
		return 0;
	if (e->nheap == 0)
		return finish(e, 0) < 0 ? -1 : 0;

	size_t ti = heap_pop(e);
	task *t = &TASK(e, ti);
	ag_node *n = t->node;
	int nout = n->n_outputs, nnext = n->n_next;
	ag_tensor **in = t->buffer;
	ag_tensor *out_local[8], **out = out_local;
	int rc = -1;

	t->done = true;
	e->pending--;
	ag_set_grad_enabled(e->opt.create_graph);
	if (take_inputs(e, t) < 0)
		return step_fail(e, n);
	if (!t->exec) {
		ag_set_grad_enabled(e->prev_grad_mode);
		return 1;
	}
	if (nnext > 8 && !(out = calloc((size_t)nnext, sizeof *out)))
		return step_fail(e, n);
	memset(out, 0, (size_t)(nnext > 8 ? nnext : 8) * sizeof *out);
	/* the statistics of what arrived, kept before the node runs: a node
	 * that fails (a NaN in anomaly mode) still shows its inputs */
	ag_keep_grad_stats(n, in);
	ag_round_tally tally;
	ag_round_tally *watch = ag_watch_rounding(&tally);
	int ran = run_node(n, in, out);
	bool watched = ag_round_watch == &tally;
	ag_round_watch = watch;
	if (ran == 0) {
		if (watched)
			ag_note_lost(n, &tally, out, nnext);
		ag_emit_node(n, in, nout, out, nnext);
		if (pass_on(e, n, out) == 0) {
			e->executed[e->nexecuted++] = ti;
			rc = 1;
		}
	}
	for (int j = 0; j < nnext; j++)
		ag_tensor_release(out[j]);
	if (out != out_local)
		free(out);
	/* the node's incoming buffer is no longer needed */
	for (int i = 0; i < nout; i++) {
		ag_tensor_release(in[i]);
		in[i] = NULL;
	}
	if (rc < 0)
		return step_fail(e, n);
	ag_set_grad_enabled(e->prev_grad_mode);
	return 1;
}

static int finish(ag_engine *e, int status)
{
	if (e->finished)
		return status;
	e->finished = true;
	if (status == 0 && e->opt.ninputs > 0 && !e->opt.allow_unused)
		for (int i = 0; i < e->nresults; i++)
			if (!e->results[i]) {
				ag_error(AG_ERR_RUNTIME, "One of the differentiated "
					 "Tensors appears to not have been used in "
					 "the graph. Set allow_unused=True if this is "
					 "the desired behavior.");
				status = -1;
				break;
			}
	if (status == 0 && !e->opt.retain_graph)
		for (size_t k = 0; k < e->nexecuted; k++)
			ag_node_release_saved(TASK(e, e->executed[k]).node);
	ag_set_grad_enabled(e->prev_grad_mode);
	ag_emit_event(AG_EV_END, status);
	return status;
}

int ag_engine_run(ag_engine *e)
{
	for (;;) {
		if (ag_check_interrupt() < 0) {
			finish(e, -1);
			return -1;
		}
		int r = ag_engine_step(e);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
	}
}

ag_tensor *ag_engine_result(ag_engine *e, int i)
{
	if (i < 0 || i >= e->nresults || !e->results[i])
		return NULL;
	ag_tensor_retain(e->results[i]);
	return e->results[i];
}

const char *ag_engine_failed_traceback(const ag_engine *e)
{
	return e->failed_traceback;
}

const char *ag_engine_failed_node(const ag_engine *e) { return e->failed_node; }

void ag_engine_free(ag_engine *e)
{
	if (!e)
		return;
	if (!e->finished) {
		/* abandoned halfway: the graph keeps its saved tensors */
		e->finished = true;
		ag_set_grad_enabled(e->prev_grad_mode);
		ag_emit_event(AG_EV_END, -1);
	}
	if (ag_engine_current() == e)
		ag_set_current_engine(e->outer);
	for (size_t i = 0; i < e->tasks.len; i++) {
		task *t = &TASK(e, i);
		for (int k = 0; k < t->node->n_outputs; k++)
			ag_tensor_release(t->buffer[k]);
		if (!is_local(e, t->buffer))
			free(t->buffer);
		free(t->capture);
		ag_node_release(t->node);
	}
	for (int i = 0; i < e->nresults; i++)
		ag_tensor_release(e->results[i]);
	free(e->results);
	ag_vec_free(&e->tasks);
	ag_map_free(&e->index);
	if (e->heap != e->heap_local)
		free(e->heap);
	if (e->executed != e->executed_local)
		free(e->executed);
	free(e->failed_traceback);
	if (!spare_engine)
		spare_engine = e;
	else
		free(e);
}

int ag_backward(ag_tensor *const *roots, ag_tensor *const *grads, int n,
		bool retain_graph, bool create_graph)
{
	ag_backward_options opt = {
		.retain_graph = retain_graph || create_graph,
		.create_graph = create_graph,
	};
	ag_engine *e = ag_engine_begin(roots, grads, n, &opt);
	if (!e)
		return -1;
	int rc = ag_engine_run(e);
	ag_engine_free(e);
	return rc;
}
