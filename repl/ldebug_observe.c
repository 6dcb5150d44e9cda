/*
 * ldebug_observe.c - what every backward pass leaves behind for the
 * debugger, kept by core's backward observer: the pass's number and roots
 * (why: "not on any path to the root"), the mean |g| that reached each leaf
 * in the last 50 passes (the gradflow sparklines, "no gradient reached
 * it"), and what tensor hooks did to a leaf's gradient ("a hook returned
 * zeros").  It costs a few map lookups per leaf and pass: the statistics
 * themselves are the ones core keeps anyway.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "debugger.h"
#include "debug.h"
#include "map.h"
#include "vec.h"

#define HIST 50
#define MAX_LEAVES 4096		/* leaves remembered before old ones go */

typedef struct leaf_rec {
	uint64_t id;
	double mean[HIST];
	uint64_t pass[HIST];	/* which pass each slot is of */
	bool hooked;		/* hooks changed its gradient ... */
	uint64_t hook_pass;	/* ... in this pass */
	ag_grad_stats before, after;
} leaf_rec;

static dbg_pass pass;
static ag_vec leaves = AG_VEC_EMPTY;	/* of leaf_rec */
static ag_map leaf_index = AG_MAP_EMPTY;	/* id -> position + 1 */

const dbg_pass *dbg_last_pass(void) { return &pass; }

static leaf_rec *find_leaf(uint64_t id)
{
	size_t k;
	return ag_map_get(&leaf_index, id, &k) && k ? &AG_VEC_AT(&leaves, leaf_rec, k - 1)
						    : NULL;
}

/* Forgets leaves no pass reached lately (they are mostly gone). */
static void prune_leaves(void)
{
	ag_vec kept = AG_VEC_EMPTY;
	ag_map_free(&leaf_index);
	for (size_t i = 0; i < leaves.len; i++) {
		leaf_rec *r = &AG_VEC_AT(&leaves, leaf_rec, i);
		bool recent = false;
		for (int k = 0; k < HIST && !recent; k++)
			recent = r->pass[k] + HIST > pass.number;
		if (!recent)
			continue;
		if (AG_VEC_PUSH(&kept, leaf_rec, *r) < 0 ||
		    ag_map_put(&leaf_index, r->id, kept.len) < 0)
			break;
	}
	ag_vec_free(&leaves);
	leaves = kept;
}

static leaf_rec *leaf(uint64_t id)
{
	leaf_rec *r = find_leaf(id);
	if (r)
		return r;
	if (leaves.len >= MAX_LEAVES)
		prune_leaves();
	leaf_rec fresh = { .id = id };
	if (AG_VEC_PUSH(&leaves, leaf_rec, fresh) < 0)
		return NULL;
	if (ag_map_put(&leaf_index, id, leaves.len) < 0) {
		leaves.len--;
		return NULL;
	}
	return &AG_VEC_AT(&leaves, leaf_rec, leaves.len - 1);
}

void dbg_pass_roots(ag_tensor *const *roots, int n, bool grad_only)
{
	pass.nroots = n < 8 ? n : 8;
	for (int i = 0; i < pass.nroots; i++) {
		ag_tensor *t = roots[i];
		ag_node *fn = t ? ag_grad_fn(t) : NULL;
		if (!fn && t)
			fn = ag_tensor_grad_accumulator(t);
		pass.root_ids[i] = t ? t->id : 0;
		pass.root_nodes[i] = fn ? ag_node_id(fn) : 0;
	}
	pass.grad_only = grad_only;
}

int dbg_grad_history(uint64_t id, double *out, int max)
{
	const leaf_rec *r = find_leaf(id);
	int n = 0;
	uint64_t first = pass.number >= HIST ? pass.number - HIST + 1 : 1;
	bool any = false;
	for (uint64_t p = first; p <= pass.number && n < max; p++) {
		double v = NAN;
		if (r && r->pass[p % HIST] == p) {
			v = r->mean[p % HIST];
			any = true;
		}
		/* passes before the leaf's first gradient are not its history */
		if (any)
			out[n++] = v;
	}
	return n;
}

bool dbg_reached_last_pass(uint64_t id)
{
	const leaf_rec *r = find_leaf(id);
	return r && pass.number && r->pass[pass.number % HIST] == pass.number;
}

bool dbg_hook_effect(uint64_t id, ag_grad_stats *before, ag_grad_stats *after)
{
	const leaf_rec *r = find_leaf(id);
	if (!r || !r->hooked)
		return false;
	*before = r->before;
	*after = r->after;
	return true;
}

static void observer(const ag_backward_event *ev, void *ud)
{
	(void)ud;
	switch (ev->kind) {
	case AG_EV_BEGIN: {
		pass.number++;
		pass.ok = false;
		pass.nroots = 0;
		pass.grad_only = false;
		size_t n = ag_trace_count();
		pass.trace_seq = n ? ag_trace_get(n - 1)->seq : 0;
		ag_tensor *newest = ag_registry_first();
		pass.newest_tensor = newest ? newest->id : 0;
		break;
	}
	case AG_EV_ACCUMULATE: {
		leaf_rec *r = leaf(ev->tensor_id);
		if (r && ev->n_in > 0) {
			r->mean[pass.number % HIST] = ev->in[0].numel ? ev->in[0].mean_abs : 0.0;
			r->pass[pass.number % HIST] = pass.number;
		}
		break;
	}
	case AG_EV_HOOK: {
		leaf_rec *r = ev->tensor_id ? leaf(ev->tensor_id) : NULL;
		if (r) {
			r->hooked = true;
			r->hook_pass = pass.number;
			r->before = ev->in[0];
			r->after = ev->out[0];
		}
		break;
	}
	case AG_EV_NODE:
		dbg_step_observe(ev);
		break;
	case AG_EV_END:
		pass.ok = ev->status == 0;
		break;
	}
}

void dbg_observe_outputs(bool on)
{
	ag_set_observe_outputs(on);
}

void dbg_open_observers(lua_State *L)
{
	(void)L;
	ag_set_backward_observer(observer, NULL);
	/* the statistics of what nodes return cost a pass over each
	 * gradient: only while a stepped pass wants them */
	ag_set_observe_outputs(false);
}
