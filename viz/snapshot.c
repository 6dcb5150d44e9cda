/*
 * snapshot.c - a viz graph of the live computation, built from core's
 * autograd graph (the backward view) or from its trace log (the forward
 * view).  Only ids, names and statistics are copied: a snapshot keeps no
 * tensor alive.
 */
#include "snapshot.h"

/* The node torch.utils.checkpoint records for its region. */
#define CHECKPOINT_NODE "CheckpointFunctionBackward"
#include "vizint.h"

#include "ag.h"
#include "autograd.h"
#include "debug.h"
#include "map.h"
#include "vec.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void viz_snapshot_options_default(viz_snapshot_options *o)
{
	memset(o, 0, sizeof *o);
	o->view = VIZ_VIEW_BACKWARD;
	o->max_nodes = 5000;
}

/* ------------------------------------------------------------ small maps */

/* Id -> int (a node index, or a flag) in core's one hash map (map.h):
 * ids are never 0, values never negative. */
typedef ag_map idmap;

static int idmap_put(idmap *m, uint64_t k, int v)
{
	return ag_map_put(m, k, (size_t)v);
}

static int idmap_get(const idmap *m, uint64_t k, int def)
{
	size_t v;
	return ag_map_get(m, k, &v) ? (int)v : def;
}

static void idmap_free(idmap *m)
{
	ag_map_free(m);
}

/* ------------------------------------------------------------- labels */

/* Names and parameters by tensor id, built once per snapshot (a linear
 * search per node made a 3-node drawing take seconds with 60,000 named
 * tensors).  The first name given for an id wins. */
static idmap name_index, param_index;

static int index_names(const viz_snapshot_options *o)
{
	memset(&name_index, 0, sizeof name_index);
	memset(&param_index, 0, sizeof param_index);
	for (int i = 0; i < o->nnames; i++) {
		if ((i & 4095) == 0 && ag_check_interrupt() < 0)
			return -1;
		if (o->names[i].tensor_id && idmap_get(&name_index, o->names[i].tensor_id, -1) < 0 &&
		    idmap_put(&name_index, o->names[i].tensor_id, i) < 0)
			return -1;
	}
	for (int i = 0; i < o->nparams; i++)
		if (o->params[i].tensor_id && idmap_put(&param_index, o->params[i].tensor_id, i) < 0)
			return -1;
	return 0;
}

static void free_name_index(void)
{
	idmap_free(&name_index);
	idmap_free(&param_index);
	memset(&name_index, 0, sizeof name_index);
	memset(&param_index, 0, sizeof param_index);
}

static const char *name_of(const viz_snapshot_options *o, uint64_t id)
{
	int i = idmap_get(&name_index, id, -1);
	return i >= 0 ? o->names[i].name : NULL;
}

/* "[2, 3]" as ag_shape_str writes it, without printf: a snapshot writes
 * one per node, and printf's cost showed at 10,000 nodes. */
static void shape_text(char *buf, size_t n, const int64_t *shape, int ndim)
{
	char tmp[AG_MAX_DIMS * 22 + 4];
	size_t k = 0;
	tmp[k++] = '[';
	for (int d = 0; d < ndim && d < AG_MAX_DIMS; d++) {
		if (d) {
			tmp[k++] = ',';
			tmp[k++] = ' ';
		}
		int64_t v = shape[d];
		char digits[24];
		int m = 0;
		uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		do
			digits[m++] = (char)('0' + u % 10);
		while ((u /= 10) > 0);
		if (v < 0)
			tmp[k++] = '-';
		while (m > 0)
			tmp[k++] = digits[--m];
	}
	tmp[k++] = ']';
	tmp[k] = 0;
	if (n == 0)
		return;
	if (k >= n)
		k = n - 1;
	memcpy(buf, tmp, k);
	buf[k] = 0;
}

static viz_grad_stats stats_of(const ag_grad_stats *s)
{
	viz_grad_stats v = { 0 };
	if (!s || s->numel == 0)
		return v;
	v.valid = true;
	v.mean_abs = s->mean_abs;
	v.max_abs = s->max_abs;
	v.nan_count = s->n_nan;
	v.inf_count = s->n_inf;
	return v;
}

/* Resolves tensor ids to live tensors through a table built once, when
 * first needed (most backward snapshots never need it). */
typedef struct live_table {
	idmap map;
	ag_tensor **list;
	int n;
	bool built;
} live_table;

static int live_build(live_table *lt)
{
	memset(lt, 0, sizeof *lt);
	lt->built = true;
	size_t n = ag_registry_count();
	lt->list = calloc(n ? n : 1, sizeof *lt->list);
	if (!lt->list)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	for (ag_tensor *t = ag_registry_first(); t; t = ag_registry_next(t)) {
		if (idmap_put(&lt->map, t->id, lt->n) < 0)
			return -1;
		lt->list[lt->n++] = t;
	}
	return 0;
}

static ag_tensor *live_find(live_table *lt, uint64_t id)
{
	if (!lt->built && live_build(lt) < 0)
		ag_error_clear();	/* out of memory: the tensor counts as gone */
	int i = idmap_get(&lt->map, id, -1);
	return i >= 0 ? lt->list[i] : NULL;
}

static void live_free(live_table *lt)
{
	idmap_free(&lt->map);
	free(lt->list);
}

/* A tensor box: name, shape, dtype, version, flags, .grad statistics. */
static int add_tensor_node(viz_graph *g, const viz_snapshot_options *o,
			   ag_tensor *t, uint64_t id, const ag_grad_stats *arrived,
			   const ag_node *acc)
{
	char shape[96] = "";
	viz_node_info info = { .kind = VIZ_NODE_TENSOR, .version = -1, .ref = id };
	info.name = name_of(o, id);
	if (arrived)
		info.grad = stats_of(arrived);
	if (t) {
		shape_text(shape, sizeof shape, t->shape, t->ndim);
		info.shape = shape;
		info.dtype = ag_dtype_name(t->dtype);
		info.version = t->version->value;
		if (!t->grad_fn)
			info.flags |= VIZ_FLAG_LEAF;
		if (ag_requires_grad(t))
			info.flags |= VIZ_FLAG_REQUIRES_GRAD;
		if (t->retains_grad)
			info.flags |= VIZ_FLAG_RETAINS_GRAD;
		if (t->grad) {
			ag_grad_stats st;
			ag_grad_stats_compute(t->grad, &st);
			info.grad = stats_of(&st);
		}
		int p = idmap_get(&param_index, id, -1);
		if (p >= 0) {
			info.flags |= VIZ_FLAG_PARAM;
			info.scope = o->params[p].name;
		}
	}
	if (acc)	/* a leaf: what rounding lost in the gradient it got */
		ag_node_lost(acc, &info.grad.lost_zero, &info.grad.lost_inf);
	return viz_graph_add_node(g, &info);
}

/* ---------------------------------------------------- the backward view */

typedef struct bw_state {
	viz_graph *g;
	const viz_snapshot_options *o;
	idmap nodes;		/* ag_node id -> viz node */
	live_table live;
	idmap var_of_node;	/* node id -> index into o->names + 1 */
	int count;
	int max;		/* nodes the walk may add (max_nodes, or no limit
				   when the walk chose what to draw) */
	bool truncated;
	bool walk_chose;	/* too big: the walk chose the nodes (walk_graph) */
	ag_vec all;		/* ag_node *: every grad node drawn (borrowed) */
} bw_state;

/* The Lua name of the tensor that has this node as grad_fn (output 0). */
static const char *var_for_node(bw_state *s, const ag_node *n)
{
	int k = idmap_get(&s->var_of_node, ag_node_id(n), 0);
	return k > 0 ? s->o->names[k - 1].name : NULL;
}

static int visit_node(bw_state *s, ag_node *n);
static const ag_trace_event *event_by_seq(uint64_t seq);

/* "self", "other", "result": the names PyTorch gives saved tensors
 * (_saved_self ...), from which input or output the op's table says. */
static void saved_name(const ag_saved_info *si, int i, char *buf, size_t n)
{
	if (si->is_output && si->index >= 0)
		snprintf(buf, n, si->index ? "result%d" : "result", si->index);
	else if (si->index == 0)
		snprintf(buf, n, "self");
	else if (si->index == 1)
		snprintf(buf, n, "other");
	else if (si->index > 1)
		snprintf(buf, n, "input %d", si->index + 1);
	else
		snprintf(buf, n, "[%d]", i + 1);
}

/* One line per saved tensor: its name, shape and the version it was saved
 * at (and the version now, when an in-place write changed it). */
static char *saved_text(const ag_node *n)
{
	int count = ag_node_saved_count(n);
	size_t cap = (size_t)count * 160 + 1, used = 0;
	char *buf = count ? malloc(cap) : NULL;
	if (!buf)
		return NULL;
	buf[0] = 0;
	for (int i = 0; i < count; i++) {
		ag_saved_info si;
		if (ag_node_saved_info(n, i, &si) < 0 || !si.defined)
			continue;
		char name[32], shape[96];
		saved_name(&si, i, name, sizeof name);
		if (si.released) {
			used += (size_t)snprintf(buf + used, cap - used,
						 "%ssaved %s: freed by backward", used ? "\n" : "", name);
			continue;
		}
		shape_text(shape, sizeof shape, si.shape, si.ndim);
		used += (size_t)snprintf(buf + used, cap - used, "%ssaved %s: %s v%lld",
					 used ? "\n" : "", name, shape, (long long)si.saved_version);
		if (si.current_version != si.saved_version)
			used += (size_t)snprintf(buf + used, cap - used, ", now v%lld (modified)",
						 (long long)si.current_version);
	}
	if (!used) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Full detail: the leaf's box, then its AccumulateGrad node, which is
 * where the gradient lands in .grad. */
static int accumulator_node(bw_state *s, ag_node *n, ag_tensor *leaf)
{
	int tv = add_tensor_node(s->g, s->o, leaf, leaf->id, ag_node_grad_stats(n, 0), n);
	if (tv < 0)
		return -1;
	char shape[96] = "";
	shape_text(shape, sizeof shape, leaf->shape, leaf->ndim);
	viz_node_info info = { .kind = VIZ_NODE_GRAD, .version = -1, .ref = ag_node_id(n),
			       .name = ag_node_name(n), .var = name_of(s->o, leaf->id),
			       .shape = shape, .dtype = ag_dtype_name(leaf->dtype) };
	if (ag_node_grad_stats(n, 0))
		info.grad = stats_of(ag_node_grad_stats(n, 0));
	ag_node_lost(n, &info.grad.lost_zero, &info.grad.lost_inf);
	int v = viz_graph_add_node(s->g, &info);
	if (v < 0 || viz_graph_add_edge(s->g, tv, v, &(viz_edge_info){
			.kind = VIZ_EDGE_AUTOGRAD, .label = ".grad" }) < 0)
		return -1;
	return v;
}

/* A node with several outputs (split, chunk, unbind): its outputs'
 * shapes, "[2, 3] x2" when they agree, and the names of those that have
 * one, "a, b", into var (empty when none has). */
static void outputs_text(bw_state *s, const ag_node *n, char *shape,
			 size_t ns, char *var, size_t nv)
{
	int nout = ag_node_output_count(n);
	const ag_tensor_meta *m0 = ag_node_output(n, 0);
	bool same = true;
	size_t k;

	for (int i = 1; i < nout && same; i++) {
		const ag_tensor_meta *m = ag_node_output(n, i);
		same = m->ndim == m0->ndim &&
		       !memcmp(m->shape, m0->shape, (size_t)m->ndim * sizeof *m->shape);
	}
	shape_text(shape, ns, m0->shape, m0->ndim);
	k = strlen(shape);
	if (same) {
		snprintf(shape + k, ns - k, " x%d", nout);
	} else {
		for (int i = 1; i < nout && k + 4 < ns; i++) {
			const ag_tensor_meta *m = ag_node_output(n, i);
			char one[AG_MAX_DIMS * 22 + 4];
			shape_text(one, sizeof one, m->shape, m->ndim);
			k += (size_t)snprintf(shape + k, ns - k, ", %s", one);
		}
		if (k >= ns - 1)
			memcpy(shape + ns - 4, "...", 4);
	}
	var[0] = 0;
	k = 0;
	for (int out = 0; out < nout && k + 4 < nv; out++)
		for (int i = 0; i < s->o->nnames; i++) {
			ag_tensor *t = s->o->names[i].tensor ? s->o->names[i].tensor
				: live_find(&s->live, s->o->names[i].tensor_id);
			if (t && ag_grad_fn(t) == n && t->output_nr == out) {
				k += (size_t)snprintf(var + k, nv - k, "%s%s",
						      k ? ", " : "",
						      s->o->names[i].name);
				break;
			}
		}
}

static int grad_node(bw_state *s, ag_node *n)
{
	int v = idmap_get(&s->nodes, ag_node_id(n), -1);
	if (v >= 0)
		return v;
	if (s->count >= s->max) {
		s->truncated = true;
		return -1;
	}
	ag_tensor *leaf = ag_node_variable(n);
	if (leaf && s->o->full) {
		v = accumulator_node(s, n, leaf);
	} else if (leaf) {
		/* AccumulateGrad: draw the leaf itself */
		v = add_tensor_node(s->g, s->o, leaf, leaf->id,
				    ag_node_grad_stats(n, 0), n);
	} else {
		char shape[96] = "";
		const ag_tensor_meta *out0 = ag_node_output(n, 0);
		viz_node_info info = { .kind = VIZ_NODE_GRAD, .version = -1,
				       .ref = ag_node_id(n) };
		info.name = ag_node_name(n);
		info.var = var_for_node(s, n);
		char vars[96];
		if (out0 && ag_node_output_count(n) > 1) {
			outputs_text(s, n, shape, sizeof shape, vars, sizeof vars);
			info.shape = shape;
			info.dtype = ag_dtype_name(out0->dtype);
			if (vars[0])
				info.var = vars;
		} else if (out0) {
			shape_text(shape, sizeof shape, out0->shape, out0->ndim);
			info.shape = shape;
			info.dtype = ag_dtype_name(out0->dtype);
		}
		if (ag_node_grad_stats(n, 0))
			info.grad = stats_of(ag_node_grad_stats(n, 0));
		ag_node_lost(n, &info.grad.lost_zero, &info.grad.lost_inf);
		if (AG_VEC_PUSH(&s->all, ag_node *, n) < 0)
			return -1;
		ag_engine *e = ag_engine_current();
		if (e && ag_engine_peek(e) == n)
			info.flags |= VIZ_FLAG_PAUSED;
		/* torch.utils.checkpoint's region is one custom Function node
		 * (repl/lua/torch/utils/checkpoint.lua names it) */
		if (strcmp(info.name, CHECKPOINT_NODE) == 0)
			info.flags |= VIZ_FLAG_CHECKPOINT;
		/* the module it ran in, and in full detail where and what it saved */
		const ag_trace_event *ev = event_by_seq(ag_node_trace_event(n));
		char *saved = NULL;
		if (ev && ev->scope[0])
			info.scope = ev->scope;
		if (ev && s->o->full && ev->where[0])
			info.where = ev->where;
		if (s->o->full)
			info.saved = saved = saved_text(n);
		v = viz_graph_add_node(s->g, &info);
		free(saved);
	}
	if (v < 0)
		return -1;
	s->count++;
	if (idmap_put(&s->nodes, ag_node_id(n), v) < 0)
		return -1;
	return v;
}

/* Iterative walk from a node to everything it reaches. */
static int visit_node(bw_state *s, ag_node *root)
{
	ag_node *local[64];
	ag_vec stack = AG_VEC_ON_STACK(local);
	if (idmap_get(&s->nodes, ag_node_id(root), -1) < 0) {
		if (grad_node(s, root) < 0)
			return s->truncated ? 0 : -1;	/* no room for it */
		local[stack.len++] = root;
	}
	while (stack.len > 0) {
		if ((s->count & 1023) == 0 && ag_check_interrupt() < 0) {
			ag_vec_free(&stack);
			return -1;
		}
		ag_node *n = AG_VEC_POP(&stack, ag_node *);
		int to = idmap_get(&s->nodes, ag_node_id(n), -1);
		for (int i = 0; i < ag_node_next_count(n); i++) {
			ag_edge next = ag_node_next(n, i);
			ag_node *c = next.fn;
			if (!c)
				continue;
			bool seen = idmap_get(&s->nodes, ag_node_id(c), -1) >= 0;
			int from = grad_node(s, c);
			if (from < 0) {
				if (s->truncated)
					continue;
				ag_vec_free(&stack);
				return -1;
			}
			viz_edge_info e = { .kind = VIZ_EDGE_AUTOGRAD };
			if (ag_node_grad_stats(c, next.input_nr))
				e.grad = stats_of(ag_node_grad_stats(c, next.input_nr));
			if (viz_graph_add_edge(s->g, from, to, &e) < 0 ||
			    (!seen && AG_VEC_PUSH(&stack, ag_node *, c) < 0)) {
				ag_vec_free(&stack);
				return -1;
			}
		}
	}
	ag_vec_free(&stack);
	return 0;
}

/* The trace event with this sequence number, if still in the ring. */
static const ag_trace_event *event_by_seq(uint64_t seq)
{
	size_t n = ag_trace_count();
	if (!seq || n == 0)
		return NULL;
	uint64_t first = ag_trace_get(0)->seq;
	if (seq < first || seq - first >= n)
		return NULL;
	return ag_trace_get((size_t)(seq - first));
}

/* A detach: an op of the table's kind CUT that makes a new tensor. */
static bool is_detach(const ag_trace_event *ev)
{
	return ag_op_info(ev->op)->kind == AG_OPK_CUT && !ev->inplace;
}

/* The detach event that made tensor id, or NULL. */
static const ag_trace_event *detach_of(uint64_t id)
{
	size_t n = ag_trace_count();
	for (size_t i = n; i-- > 0;) {
		const ag_trace_event *ev = ag_trace_get(i);
		if (ev->n_out > 0 && ev->out[0] == id)
			return is_detach(ev) ? ev : NULL;
	}
	return NULL;
}

/* Inputs that reach a node without a gradient edge are invisible in the
 * grad_fn graph; draw the ones a user named or made with detach(), so the
 * cut shows: source --✂--> detached tensor --> the op using it. */
static int add_cut_inputs(bw_state *s, idmap *tensor_nodes)
{
	/* the grad nodes drawn so far (visit_node below may add more, which
	 * are not looked at: s->all may move, so index it afresh each time) */
	size_t count = s->all.len;
	for (size_t k = 0; k < count; k++) {
		ag_node *n = AG_VEC_AT(&s->all, ag_node *, k);
		int v = idmap_get(&s->nodes, ag_node_id(n), -1);
		if (v < 0)
			continue;
		const ag_trace_event *ev = event_by_seq(ag_node_trace_event(n));
		if (!ev)
			continue;
		for (int j = 0; j < ev->n_in && j < ag_node_next_count(n); j++) {
			if (ag_node_next(n, j).fn || !ev->in[j] || ev->in_is_number[j])
				continue;
			uint64_t id = ev->in[j];
			const ag_trace_event *det = detach_of(id);
			if (!det && !name_of(s->o, id))
				continue;
			int tv = idmap_get(tensor_nodes, id, -1);
			if (tv < 0) {
				tv = add_tensor_node(s->g, s->o, live_find(&s->live, id), id, NULL, NULL);
				if (tv < 0 || idmap_put(tensor_nodes, id, tv) < 0)
					return -1;
				if (det) {
					ag_tensor *src = live_find(&s->live, det->in[0]);
					int from = -1;
					/* draw where the detached value came from */
					if (src && src->grad_fn && !s->walk_chose &&
					    idmap_get(&s->nodes, ag_node_id(src->grad_fn), -1) < 0 &&
					    visit_node(s, src->grad_fn) < 0)
						return -1;
					if (src && src->grad_fn)
						from = idmap_get(&s->nodes, ag_node_id(src->grad_fn), -1);
					if (from < 0)
						from = idmap_get(tensor_nodes, det->in[0], -1);
					if (from >= 0 && viz_graph_add_edge(s->g, from, tv,
						&(viz_edge_info){ .kind = VIZ_EDGE_DETACHED }) < 0)
						return -1;
				}
			}
			if (viz_graph_add_edge(s->g, tv, v,
				&(viz_edge_info){ .kind = VIZ_EDGE_NONDIFF }) < 0)
				return -1;
		}
	}
	return 0;
}

/* A tensor made by detach() (per the trace log) gets a cut edge from the
 * history of the tensor it was detached from. */
static int add_detach_cuts(bw_state *s, const idmap *tensor_nodes)
{
	size_t n = ag_trace_count();
	for (size_t i = 0; i < n; i++) {
		const ag_trace_event *ev = ag_trace_get(i);
		if (!is_detach(ev) || ev->n_in < 1 || ev->n_out < 1)
			continue;
		int to = idmap_get(tensor_nodes, ev->out[0], -1);
		if (to < 0)
			continue;
		ag_tensor *src = live_find(&s->live, ev->in[0]);
		int from = -1;
		if (src && src->grad_fn)
			from = idmap_get(&s->nodes, ag_node_id(src->grad_fn), -1);
		if (from < 0)
			from = idmap_get(tensor_nodes, ev->in[0], -1);
		if (from < 0)
			continue;
		viz_edge_info e = { .kind = VIZ_EDGE_DETACHED };
		if (viz_graph_add_edge(s->g, from, to, &e) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------ too big to draw whole
 *
 * Before drawing, the grad_fn graph reachable from the roots is walked with
 * ids and edges only -- cheap even for a million nodes.  When it has more
 * nodes than max_nodes, prune.c chooses which to draw (the roots, the
 * leaves, then the nodes nearest to them) and the rest become one box.
 */
typedef struct walk_item {
	ag_node *node;		/* breadth-first from the roots */
	ag_tensor *tensor;	/* or a root tensor without history (node NULL) */
	bool must;		/* a root */
} walk_item;

typedef struct walk_link {
	int from, to, slot;	/* input node -> consumer, its next[slot] */
} walk_link;

typedef struct walk {
	walk_item *item;
	int n, cap;
	idmap index;		/* node id -> position in item[] */
	idmap tindex;		/* tensor id -> position, for those */
	walk_link *edge;
	int ne, cape;
} walk;

static void walk_free(walk *w)
{
	free(w->item);
	idmap_free(&w->index);
	idmap_free(&w->tindex);
	free(w->edge);
}

/* A node (n), or a root tensor without history (t), into the walk. */
static int walk_add(walk *w, ag_node *n, ag_tensor *t, bool root)
{
	idmap *index = n ? &w->index : &w->tindex;
	uint64_t id = n ? ag_node_id(n) : t->id;
	int i = idmap_get(index, id, -1);
	if (i >= 0) {
		w->item[i].must = w->item[i].must || root;
		return i;
	}
	walk_item *items = viz_grow(w->item, &w->cap, w->n + 1, sizeof *items);
	if (!items)
		return ag_error(AG_ERR_NOMEM, "out of memory walking the graph");
	w->item = items;
	if (idmap_put(index, id, w->n) < 0)
		return -1;
	/* a tensor alone is the least wanted */
	w->item[w->n] = (walk_item){ .node = n, .tensor = n ? NULL : t, .must = root && n };
	return w->n++;
}

static int walk_edge(walk *w, int from, int to, int slot)
{
	walk_link *edges = viz_grow(w->edge, &w->cape, w->ne + 1, sizeof *edges);
	if (!edges)
		return ag_error(AG_ERR_NOMEM, "out of memory walking the graph");
	w->edge = edges;
	w->edge[w->ne++] = (walk_link){ from, to, slot };
	return 0;
}

static ag_node *root_node(ag_tensor *t)
{
	ag_node *n = t ? ag_grad_fn(t) : NULL;
	if (!n && t)
		n = ag_tensor_grad_accumulator(t);
	return n;
}

static int walk_graph(walk *w, ag_tensor *const *roots, int nroots)
{
	for (int i = 0; i < nroots; i++) {
		ag_node *n = root_node(roots[i]);
		if (n && walk_add(w, n, NULL, true) < 0)
			return -1;
	}
	for (int i = 0; i < nroots; i++)
		if (roots[i] && !root_node(roots[i]) && walk_add(w, NULL, roots[i], true) < 0)
			return -1;
	for (int q = 0; q < w->n; q++) {
		if ((q & 4095) == 0 && ag_check_interrupt() < 0)
			return -1;
		ag_node *n = w->item[q].node;
		int nnext = n ? ag_node_next_count(n) : 0;
		for (int j = 0; j < nnext; j++) {
			ag_node *c = ag_node_next(n, j).fn;
			if (!c)
				continue;
			int k = walk_add(w, c, NULL, false);
			if (k < 0 || walk_edge(w, k, q, j) < 0)
				return -1;
		}
	}
	return 0;
}

/* Draws the chosen nodes of the walk, and one box for the others. */
static int draw_chosen(bw_state *s, walk *w, const bool *keep)
{
	int hidden = 0;
	for (int i = 0; i < w->n; i++) {
		if (!keep[i]) {
			hidden++;
			continue;
		}
		const walk_item *it = &w->item[i];
		if (it->node ? grad_node(s, it->node) < 0
			     : add_tensor_node(s->g, s->o, it->tensor, it->tensor->id, NULL, NULL) < 0)
			return -1;
	}
	char name[64];
	snprintf(name, sizeof name, "%d node%s not drawn", hidden, hidden == 1 ? "" : "s");
	int box = viz_graph_add_node(s->g, &(viz_node_info){ .kind = VIZ_NODE_HIDDEN,
		.name = name, .version = -1 });
	if (box < 0)
		return -1;
	idmap to_box = { 0 }, from_box = { 0 };	/* node id -> 1: wired already */
	int status = 0;
	for (int e = 0; e < w->ne && status == 0; e++) {
		const walk_link *l = &w->edge[e];
		ag_node *c = w->item[l->from].node, *n = w->item[l->to].node;
		int a = keep[l->from] ? idmap_get(&s->nodes, ag_node_id(c), -1) : -1;
		int b = keep[l->to] ? idmap_get(&s->nodes, ag_node_id(n), -1) : -1;
		if (a >= 0 && b >= 0) {
			viz_edge_info info = { .kind = VIZ_EDGE_AUTOGRAD };
			int nr = ag_node_next(n, l->slot).input_nr;
			if (ag_node_grad_stats(c, nr))
				info.grad = stats_of(ag_node_grad_stats(c, nr));
			status = viz_graph_add_edge(s->g, a, b, &info) < 0 ? -1 : 0;
		} else if (a >= 0 && idmap_get(&to_box, ag_node_id(c), 0) == 0) {
			status = idmap_put(&to_box, ag_node_id(c), 1);
			if (status == 0)
				status = viz_graph_add_edge(s->g, a, box, NULL) < 0 ? -1 : 0;
		} else if (b >= 0 && idmap_get(&from_box, ag_node_id(n), 0) == 0) {
			status = idmap_put(&from_box, ag_node_id(n), 1);
			if (status == 0)
				status = viz_graph_add_edge(s->g, box, b, NULL) < 0 ? -1 : 0;
		}
	}
	idmap_free(&to_box);
	idmap_free(&from_box);
	viz_graph_set_hidden(s->g, hidden, w->n, s->o->max_nodes);
	return status;
}

/* prune.c's choice over the walk, which it takes as parallel arrays */
static int prune_walk(const walk *w, int max_keep, bool *keep)
{
	int *from = malloc(sizeof *from * (size_t)(w->ne ? w->ne : 1));
	int *to = malloc(sizeof *to * (size_t)(w->ne ? w->ne : 1));
	bool *must = malloc(sizeof *must * (size_t)(w->n ? w->n : 1));
	int status = -1;
	if (!from || !to || !must) {
		ag_error(AG_ERR_NOMEM, "out of memory walking the graph");
	} else {
		for (int e = 0; e < w->ne; e++) {
			from[e] = w->edge[e].from;
			to[e] = w->edge[e].to;
		}
		for (int i = 0; i < w->n; i++)
			must[i] = w->item[i].must;
		status = viz_prune_choose(w->n, w->ne, from, to, must, NULL, max_keep, keep);
	}
	free(from);
	free(to);
	free(must);
	return status;
}

static viz_graph *snapshot_backward(ag_tensor *const *roots, int nroots,
				    const viz_snapshot_options *o)
{
	bw_state s = { .o = o, .max = o->max_nodes };
	idmap tensor_nodes = { 0 };
	walk w = { 0 };
	bool *keep = NULL;
	viz_graph *g = NULL;	/* the result, once everything went well */
	s.g = viz_graph_new();
	if (!s.g || walk_graph(&w, roots, nroots) < 0)
		goto fail;
	if (w.n > o->max_nodes) {
		/* too big: draw what prune.c chooses, and say so */
		keep = malloc(sizeof *keep * (size_t)w.n);
		if (!keep) {
			ag_error(AG_ERR_NOMEM, "out of memory walking the graph");
			goto fail;
		}
		if (prune_walk(&w, o->max_nodes > 1 ? o->max_nodes - 1 : 1, keep) < 0)
			goto fail;
		s.walk_chose = true;
		s.max = INT_MAX;
	}
	/* which named tensor each node belongs to (output 0 only) */
	for (int i = 0; i < o->nnames; i++) {
		ag_tensor *t = o->names[i].tensor ? o->names[i].tensor
						  : live_find(&s.live, o->names[i].tensor_id);
		if (t && t->grad_fn && t->output_nr == 0 &&
		    !idmap_get(&s.var_of_node, ag_node_id(t->grad_fn), 0) &&
		    idmap_put(&s.var_of_node, ag_node_id(t->grad_fn), i + 1) < 0)
			goto fail;
	}
	if (s.walk_chose && draw_chosen(&s, &w, keep) < 0)
		goto fail;
	for (int i = 0; i < nroots && !s.walk_chose; i++) {
		ag_tensor *t = roots[i];
		ag_node *n = t ? ag_grad_fn(t) : NULL;
		if (n) {
			if (visit_node(&s, n) < 0)
				goto fail;
			continue;
		}
		if (!t)
			continue;
		/* a leaf or a constant root: a tensor box, or its accumulator */
		ag_node *acc = ag_tensor_grad_accumulator(t);
		if (acc) {
			if (visit_node(&s, acc) < 0)
				goto fail;
			continue;
		}
		if (idmap_get(&tensor_nodes, t->id, -1) >= 0)
			continue;
		int v = add_tensor_node(s.g, o, t, t->id, NULL, NULL);
		if (v < 0 || idmap_put(&tensor_nodes, t->id, v) < 0)
			goto fail;
	}
	/* leaves drawn through their accumulators count as tensor nodes too */
	for (int i = 0; i < viz_graph_node_count(s.g); i++) {
		const viz_node_info *info = viz_graph_node(s.g, i);
		if (info->kind == VIZ_NODE_TENSOR &&
		    idmap_put(&tensor_nodes, info->ref, i) < 0)
			goto fail;
	}
	if (add_detach_cuts(&s, &tensor_nodes) < 0 ||
	    add_cut_inputs(&s, &tensor_nodes) < 0)
		goto fail;
	g = s.g;
	s.g = NULL;
fail:
	viz_graph_free(s.g);	/* NULL unless it failed */
	idmap_free(&s.nodes);
	idmap_free(&s.var_of_node);
	idmap_free(&tensor_nodes);
	live_free(&s.live);
	ag_vec_free(&s.all);
	walk_free(&w);
	free(keep);
	return g;
}

/* ----------------------------------------------------- the forward view */

/* A tensor that is gone (an intermediate the GC took): its shape and
 * dtype from the event that made it (made_by: tensor id -> event index),
 * so the drawing does not depend on when the collector ran. */
static int add_dead_tensor_node(viz_graph *g, const viz_snapshot_options *o,
				uint64_t id, const idmap *made_by)
{
	viz_node_info info = { .kind = VIZ_NODE_TENSOR, .version = -1, .ref = id };
	char shape[96] = "";
	info.name = name_of(o, id);
	int k = idmap_get(made_by, id, -1);
	if (k >= 0) {
		const ag_trace_event *ev = ag_trace_get((size_t)k);
		shape_text(shape, sizeof shape, ev->out_shape, ev->out_ndim);
		info.shape = shape;
		info.dtype = ag_dtype_name(ev->out_dtype);
	}
	return viz_graph_add_node(g, &info);
}

/* Walks the trace log from the newest event back: an event is drawn when
 * it made a tensor already wanted; its inputs become wanted.  Tensors
 * written in place get one box per state (the op takes the older one in
 * and gives the newer one out). */
static viz_graph *snapshot_forward(ag_tensor *const *roots, int nroots,
				   const viz_snapshot_options *o)
{
	viz_graph *g = viz_graph_new();
	idmap frontier = { 0 };	/* tensor id -> its newest box drawn */
	idmap made_by = { 0 };	/* tensor id -> the event that made it */
	live_table live;
	size_t n = ag_trace_count();
	int *region = NULL, count = 0;
	bool have_live = false;

	if (!g || live_build(&live) < 0)
		goto fail;
	have_live = true;
	for (int i = 0; i < nroots; i++) {
		ag_tensor *t = roots[i];
		if (!t || idmap_get(&frontier, t->id, -1) >= 0)
			continue;
		int v = add_tensor_node(g, o, t, t->id, NULL, NULL);
		if (v < 0 || idmap_put(&frontier, t->id, v) < 0)
			goto fail;
		count++;
	}
	for (size_t i = 0; i < n; i++) {
		const ag_trace_event *ev = ag_trace_get(i);
		if (!ev->failed && ev->n_out > 0 && ev->out[0] && idmap_put(&made_by, ev->out[0], (int)i) < 0)
			goto fail;
	}
	/* no_grad regions: runs of consecutive events under no_grad */
	region = calloc(n ? n : 1, sizeof *region);
	if (!region)
		goto fail;
	for (size_t i = 0, r = 0; i < n; i++) {
		const ag_trace_event *ev = ag_trace_get(i);
		if (!ev->grad_mode) {
			if (i == 0 || ag_trace_get(i - 1)->grad_mode)
				r++;
			region[i] = (int)r;
		}
	}
	for (size_t k = n; k-- > 0;) {
		const ag_trace_event *ev = ag_trace_get(k);
		int outs[AG_TRACE_MAX_IO];
		bool wanted = false;
		for (int j = 0; j < ev->n_out; j++) {
			outs[j] = idmap_get(&frontier, ev->out[j], -1);
			wanted = wanted || outs[j] >= 0;
		}
		if (!wanted)
			continue;
		if ((k & 1023) == 0 && ag_check_interrupt() < 0)
			goto fail;
		bool cut = is_detach(ev);
		int op = -1;
		if (!cut) {
			viz_node_info info = {
				.kind = VIZ_NODE_OP, .name = ag_trace_event_op_name(ev),
				.version = -1,
				.where = ev->where[0] ? ev->where : NULL,
				.scope = ev->scope[0] ? ev->scope : NULL,
				.no_grad_region = region[k], .ref = ev->seq,
			};
			char note[96];
			if (ev->grad_fn[0]) {
				snprintf(note, sizeof note, "grad_fn %s", ev->grad_fn);
				info.note = note;
			}
			if (ev->note[0] && !ev->failed)
				info.note = ev->note;	/* autocast's cast */
			if (ev->failed) {
				/* refused: drawn with its error, and it made nothing */
				info.flags |= VIZ_FLAG_FAILING;
				info.note = ev->note;
			}
			op = viz_graph_add_node(g, &info);
			if (op < 0)
				goto fail;
			count++;
			for (int j = 0; j < ev->n_out && !ev->failed; j++) {
				if (outs[j] < 0)
					continue;
				viz_edge_info e = { .kind = ev->grad_mode ? VIZ_EDGE_AUTOGRAD
								  : VIZ_EDGE_NO_GRAD };
				if (!ev->recorded && ev->grad_mode)
					e.kind = VIZ_EDGE_NONDIFF;
				char lbl[16];
				if (ev->n_out > 1) {
					snprintf(lbl, sizeof lbl, "%d", j + 1);
					e.label = lbl;
				}
				if (viz_graph_add_edge(g, op, outs[j], &e) < 0)
					goto fail;
			}
		}
		/* inputs: older states of in-place outputs get boxes of their own */
		for (int j = 0; j < ev->n_in; j++) {
			uint64_t id = ev->in[j];
			if (!id)
				continue;
			bool written = false;
			for (int q = 0; q < ev->n_out && !ev->failed; q++)
				if (ev->out[q] == id)
					written = true;
			int from = written ? -1 : idmap_get(&frontier, id, -1);
			if (from < 0 && ev->in_is_number[j]) {
				char num[48];
				snprintf(num, sizeof num, "%.6g", ev->in_number[j]);
				from = viz_graph_add_node(g, &(viz_node_info){
					.kind = VIZ_NODE_TENSOR, .name = num,
					.flags = VIZ_FLAG_CONSTANT, .version = -1, .ref = id });
				if (from < 0)
					goto fail;
				count++;
			} else if (from < 0) {
				ag_tensor *lt = live_find(&live, id);
				from = lt ? add_tensor_node(g, o, lt, id, NULL, NULL)
					  : add_dead_tensor_node(g, o, id, &made_by);
				if (from < 0 || idmap_put(&frontier, id, from) < 0)
					goto fail;
				count++;
			}
			viz_edge_info e = { .kind = VIZ_EDGE_AUTOGRAD };
			if (!ev->grad_mode)
				e.kind = VIZ_EDGE_NO_GRAD;
			else if (!ev->in_requires_grad[j])
				e.kind = VIZ_EDGE_NONDIFF;
			if (cut) {
				e.kind = VIZ_EDGE_DETACHED;
				if (outs[0] >= 0 && viz_graph_add_edge(g, from, outs[0], &e) < 0)
					goto fail;
				continue;
			}
			if (viz_graph_add_edge(g, from, op, &e) < 0)
				goto fail;
		}
	}
	free(region);
	idmap_free(&frontier);
	idmap_free(&made_by);
	live_free(&live);
	if (count > o->max_nodes) {
		/* too big: keep the roots, the inputs and what is near them */
		viz_graph *cut = viz_graph_prune(g, o->max_nodes > 1 ? o->max_nodes : 2);
		viz_graph_free(g);
		return cut;
	}
	return g;
fail:
	free(region);
	idmap_free(&frontier);
	idmap_free(&made_by);
	if (have_live)
		live_free(&live);
	viz_graph_free(g);
	return NULL;
}

viz_graph *viz_snapshot(ag_tensor *const *roots, int nroots,
			const viz_snapshot_options *o)
{
	viz_snapshot_options def;
	if (!o) {
		viz_snapshot_options_default(&def);
		o = &def;
	}
	if (o->max_nodes < 1) {
		ag_error(AG_ERR_VALUE, "max_nodes must be positive, got %d", o->max_nodes);
		return NULL;
	}
	if (index_names(o) < 0) {
		free_name_index();
		return NULL;
	}
	viz_graph *g = o->view == VIZ_VIEW_FORWARD ? snapshot_forward(roots, nroots, o)
						   : snapshot_backward(roots, nroots, o);
	free_name_index();
	return g;
}
