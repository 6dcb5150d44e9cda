/*
 * trace.c - the trace log: a bounded ring of op events for the debugger.
 *
 * It records every op, also those autograd does not (no_grad, inputs that
 * need no gradient, detach), with ids and metadata only, so it keeps no
 * tensor alive.  Where in the Lua source an op ran comes from a provider
 * the binding installs; module scopes are a small stack.
 */
#include "node.h"

#include <stddef.h>
#include <stdio.h>

#define DEFAULT_CAPACITY 16384
#define MAX_SCOPES 32

static bool enabled = true;
static ag_trace_event *ring;
static size_t capacity, head, count;	/* head: next slot to write */
static uint64_t next_seq = 1;
static void (*where_fn)(char *, size_t, void *);
static void *where_ud;
static char scopes[MAX_SCOPES][64];
static int nscopes;

static int suspended;

void ag_trace_enable(bool on) { enabled = on; }
void ag_trace_suspend(void) { suspended++; }
void ag_trace_resume(void) { if (suspended > 0) suspended--; }
bool ag_trace_enabled(void) { return enabled; }

void ag_trace_set_capacity(size_t n)
{
	ag_trace_event *r = n ? calloc(n, sizeof *r) : NULL;
	if (n && !r)
		return;	/* keep the old ring */
	free(ring);
	ring = r;
	capacity = n;
	head = count = 0;
}

size_t ag_trace_count(void) { return count; }

const ag_trace_event *ag_trace_get(size_t i)
{
	if (i >= count)
		return NULL;
	size_t first = (head + capacity - count) % capacity;
	return &ring[(first + i) % capacity];
}

void ag_trace_clear(void)
{
	head = count = 0;
}

void ag_trace_set_where_provider(void (*fn)(char *buf, size_t n, void *ud),
				 void *ud)
{
	where_fn = fn;
	where_ud = ud;
}

void ag_trace_push_scope(const char *scope)
{
	if (nscopes < MAX_SCOPES)
		snprintf(scopes[nscopes], sizeof scopes[0], "%s", scope);
	nscopes++;
}

void ag_trace_pop_scope(void)
{
	if (nscopes > 0)
		nscopes--;
}

uint64_t ag_trace_op(ag_op op, ag_tensor *const *in, int n_in,
		     ag_tensor *const *out, int n_out, ag_node *node,
		     bool inplace)
{
	/* ops run by the engine inside backward are not the user's */
	if (!enabled || suspended || (ag_engine_current() && !ag_is_grad_enabled()))
		return 0;
	if (!ring) {
		ag_trace_set_capacity(DEFAULT_CAPACITY);
		if (!ring)
			return 0;
	}
	ag_trace_event *ev = &ring[head];
	/* the texts at the end (most of an event) are cleared by their first
	 * byte: an op then writes a few cache lines of the ring, not ten */
	memset(ev, 0, offsetof(ag_trace_event, note));
	ev->note[0] = ev->where[0] = ev->scope[0] = '\0';
	ev->seq = next_seq++;
	ev->op = op;
	if (node) {
		size_t len = strlen(node->name);
		if (len >= sizeof ev->grad_fn)
			len = sizeof ev->grad_fn - 1;
		memcpy(ev->grad_fn, node->name, len);
	}
	ev->node_id = node ? node->id : 0;
	ev->n_in = n_in < AG_TRACE_MAX_IO ? n_in : AG_TRACE_MAX_IO;
	ev->n_out = n_out < AG_TRACE_MAX_IO ? n_out : AG_TRACE_MAX_IO;
	for (int i = 0; i < ev->n_in; i++) {
		ev->in[i] = in[i] ? in[i]->id : 0;
		ev->in_requires_grad[i] = in[i] && ag_requires_grad(in[i]);
		if (in[i] && in[i]->is_wrapped_number) {
			ev->in_is_number[i] = true;
			ev->in_number[i] = ag_load(ag_data_ptr(in[i]), in[i]->dtype);
		}
	}
	for (int i = 0; i < ev->n_out; i++)
		ev->out[i] = out[i] ? out[i]->id : 0;
	if (n_out > 0 && out[0]) {
		ev->out_ndim = out[0]->ndim;
		memcpy(ev->out_shape, out[0]->shape, sizeof ev->out_shape);
		ev->out_dtype = out[0]->dtype;
		ev->out_storage = out[0]->storage ? out[0]->storage->id : 0;
		ev->out_version = out[0]->version ? out[0]->version->value : 0;
	}
	ev->grad_mode = ag_is_grad_enabled();
	ev->recorded = node != NULL;
	ev->inplace = inplace;
	if (where_fn)
		where_fn(ev->where, sizeof ev->where, where_ud);
	if (nscopes > 0)
		snprintf(ev->scope, sizeof ev->scope, "%s",
			 scopes[(nscopes > MAX_SCOPES ? MAX_SCOPES : nscopes) - 1]);
	head = (head + 1) % capacity;
	if (count < capacity)
		count++;
	return ev->seq;
}

const char *ag_trace_event_op_name(const ag_trace_event *ev)
{
	if (ev->op == AG_OP_FUNCTION && ev->grad_fn[0])
		return ev->grad_fn;
	return ag_op_name(ev->op);
}

void ag_trace_note_last(const ag_tensor *out, const char *note)
{
	if (count == 0 || !out)
		return;
	ag_trace_event *ev = &ring[(head + capacity - 1) % capacity];
	if (ev->n_out > 0 && ev->out[0] == out->id)
		snprintf(ev->note, sizeof ev->note, "%s", note);
}

void ag_trace_failed(ag_op op, ag_tensor *const *in, int n_in,
		     ag_tensor *self)
{
	uint64_t seq = ag_trace_op(op, in, n_in, &self, 1, NULL, true);
	if (!seq)
		return;
	ag_trace_event *ev = &ring[(head + capacity - 1) % capacity];
	ev->failed = true;
	snprintf(ev->note, sizeof ev->note, "%s", ag_error_message());
}
