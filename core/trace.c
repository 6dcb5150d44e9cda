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
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/*
 * The texts events point to (file:line, scope, note, a custom Function's
 * name), each kept once in a hash table with the last event that named
 * it.  The table is swept when it grows past its bound: a text no held
 * event names any more is freed (an event names at most four, so the
 * bound, which doubles when a sweep frees too little, stays a few times
 * the ring's capacity).  An op in a loop finds its file:line as the last
 * one looked up (one strcmp) and writes no text into the ring.
 */
typedef struct trace_text {
	struct trace_text *next;	/* hash chain */
	uint64_t last_seq;		/* the last event naming it */
	uint32_t hash;
	char s[];
} trace_text;

static trace_text **texts;
static size_t n_buckets, n_texts, text_bound = 4096;
static trace_text *last_where;	/* the text found last for a file:line */
static trace_text *scope_text;	/* the innermost scope's, once looked up */

/* Where the factories (torch.zeros, torch.tensor, torch.randn, ...) made
 * their tensors.  A leaf has no op event, yet the debugger is asked where
 * it came from ("x requires no grad: made by torch.ones at a.lua:3").  A
 * ring of its own, so that factory calls neither push ops out of the log
 * nor change what the log lists. */
#define BIRTHS 4096
static struct birth {
	uint64_t id;		/* the tensor's id, 0: an empty slot */
	char how[32];		/* "torch.ones" */
	char where[64];		/* "a.lua:3" */
} births[BIRTHS];
static size_t birth_head;

static uint32_t text_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* No text named by an event older than this is needed any more. */
static uint64_t oldest_seq(void);

/* Frees the texts no held event names; false if it freed too few. */
static bool sweep_texts(void)
{
	uint64_t oldest = oldest_seq();
	size_t before = n_texts;

	for (size_t b = 0; b < n_buckets; b++) {
		trace_text **p = &texts[b];
		while (*p) {
			trace_text *t = *p;
			if (t->last_seq >= oldest) {
				p = &t->next;
				continue;
			}
			*p = t->next;
			free(t);
			n_texts--;
		}
	}
	last_where = scope_text = NULL;	/* looked up again when next needed */
	return n_texts <= before / 2;
}

static bool grow_buckets(void)
{
	size_t n = n_buckets ? 2 * n_buckets : 1024;
	trace_text **nt = calloc(n, sizeof *nt);

	if (!nt)
		return false;
	for (size_t b = 0; b < n_buckets; b++)
		for (trace_text *t = texts[b], *next; t; t = next) {
			next = t->next;
			t->next = nt[t->hash & (n - 1)];
			nt[t->hash & (n - 1)] = t;
		}
	free(texts);
	texts = nt;
	n_buckets = n;
	return true;
}

/* The kept copy of s's first len bytes, named by event seq; NULL when out
 * of memory (the event then shows ""). */
static trace_text *intern(const char *s, size_t len, uint64_t seq)
{
	uint32_t h = text_hash(s, len);
	trace_text *t;

	if (!n_buckets && !grow_buckets())
		return NULL;
	for (t = texts[h & (n_buckets - 1)]; t; t = t->next)
		if (t->hash == h && strncmp(t->s, s, len) == 0 && !t->s[len]) {
			if (t->last_seq < seq)
				t->last_seq = seq;
			return t;
		}
	if (n_texts >= text_bound && !sweep_texts())
		text_bound *= 2;
	if (n_texts >= n_buckets && !grow_buckets())
		return NULL;
	t = malloc(sizeof *t + len + 1);
	if (!t)
		return NULL;
	memcpy(t->s, s, len);
	t->s[len] = '\0';
	t->hash = h;
	t->last_seq = seq;
	t->next = texts[h & (n_buckets - 1)];
	texts[h & (n_buckets - 1)] = t;
	n_texts++;
	return t;
}

/* s cut to at most max - 1 bytes (what the event's fixed arrays held). */
static const char *text_of(const char *s, size_t max, uint64_t seq)
{
	size_t len = strlen(s);
	trace_text *t;

	if (!len)
		return "";
	t = intern(s, len < max ? len : max - 1, seq);
	return t ? t->s : "";
}

void ag_trace_enable(bool on) { enabled = on; }
void ag_trace_suspend(void) { suspended++; }
void ag_trace_resume(void) { if (suspended > 0) suspended--; }
bool ag_trace_enabled(void) { return enabled; }

void ag_trace_set_capacity(size_t n)
{
	ag_trace_event *r = NULL;

	/* events on cache-line boundaries; never read before written */
	if (n && (n > SIZE_MAX / sizeof *r ||
		  !(r = aligned_alloc(_Alignof(ag_trace_event), n * sizeof *r))))
		return;	/* keep the old ring */
	free(ring);
	ring = r;
	capacity = n;
	head = count = 0;
}

size_t ag_trace_count(void) { return count; }

static uint64_t oldest_seq(void)
{
	/* events are numbered in a row: the ring holds at most the last
	 * `capacity` of them (also while one is being written) */
	return next_seq > capacity + 1 ? next_seq - capacity - 1 : 0;
}

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
	memset(births, 0, sizeof births);
	birth_head = 0;
}

void ag_trace_created(const ag_tensor *t, const char *how)
{
	if (!enabled || suspended || !t || !where_fn)
		return;
	struct birth *b = &births[birth_head];
	birth_head = (birth_head + 1) % BIRTHS;
	b->id = t->id;
	snprintf(b->how, sizeof b->how, "%s", how ? how : "");
	b->where[0] = '\0';
	where_fn(b->where, sizeof b->where, where_ud);
}

const char *ag_trace_created_where(uint64_t id, const char **how)
{
	for (size_t k = 1; id && k <= BIRTHS; k++) {
		const struct birth *b = &births[(birth_head + BIRTHS - k) % BIRTHS];
		if (b->id == id) {
			if (how)
				*how = b->how;
			return b->where;
		}
	}
	return NULL;
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
	scope_text = NULL;
}

void ag_trace_pop_scope(void)
{
	if (nscopes > 0)
		nscopes--;
	scope_text = NULL;
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
	uint64_t seq = next_seq++;
	/* every field a reader may look at is set (an event is not cleared
	 * first: that would write all its lines) */
	ev->seq = seq;
	ev->node_id = node ? node->id : 0;
	ev->grad_fn = "";
	if (node)	/* an op's node name is static; a Function's is kept */
		ev->grad_fn = node->owned_name && node->name == node->owned_name
			? text_of(node->name, 48, seq) : node->name;
	ev->note = "";
	ev->op = op;
	ev->n_in = (uint8_t)(n_in < AG_TRACE_MAX_IO ? n_in : AG_TRACE_MAX_IO);
	ev->n_out = (uint8_t)(n_out < AG_TRACE_MAX_IO ? n_out : AG_TRACE_MAX_IO);
	ev->grad_mode = ag_is_grad_enabled();
	ev->recorded = node != NULL;
	ev->inplace = inplace;
	ev->failed = false;
	for (int i = 0; i < ev->n_in; i++) {
		ev->in[i] = in[i] ? in[i]->id : 0;
		ev->in_requires_grad[i] = in[i] && ag_requires_grad(in[i]);
		ev->in_is_number[i] = in[i] && in[i]->is_wrapped_number;
		if (ev->in_is_number[i])
			ev->in_number[i] = ag_load(ag_data_ptr(in[i]), in[i]->dtype);
	}
	for (int i = 0; i < ev->n_out; i++)
		ev->out[i] = out[i] ? out[i]->id : 0;
	if (n_out > 0 && out[0]) {
		ev->out_ndim = (uint8_t)out[0]->ndim;
		memcpy(ev->out_shape, out[0]->shape,
		       sizeof(int64_t) * (size_t)out[0]->ndim);
		ev->out_dtype = out[0]->dtype;
		ev->out_storage = out[0]->storage ? out[0]->storage->id : 0;
		ev->out_version = out[0]->version ? out[0]->version->value : 0;
	} else {
		ev->out_ndim = 0;
		ev->out_dtype = 0;
		ev->out_storage = 0;
		ev->out_version = 0;
	}
	ev->where = "";
	if (where_fn) {
		char buf[64];	/* the length where texts always had */
		buf[0] = '\0';
		where_fn(buf, sizeof buf, where_ud);
		if (buf[0]) {
			if (!last_where || strcmp(last_where->s, buf) != 0)
				last_where = intern(buf, strlen(buf), seq);
			else
				last_where->last_seq = seq;
			if (last_where)
				ev->where = last_where->s;
		}
	}
	ev->scope = "";
	if (nscopes > 0) {
		const char *top = scopes[(nscopes > MAX_SCOPES ? MAX_SCOPES
							: nscopes) - 1];
		if (!scope_text && top[0])
			scope_text = intern(top, strlen(top), seq);
		if (scope_text) {
			scope_text->last_seq = seq;
			ev->scope = scope_text->s;
		}
	}
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
		ev->note = text_of(note ? note : "", 160, ev->seq);
}

void ag_trace_failed(ag_op op, ag_tensor *const *in, int n_in,
		     ag_tensor *self)
{
	uint64_t seq = ag_trace_op(op, in, n_in, &self, 1, NULL, true);
	if (!seq)
		return;
	ag_trace_event *ev = &ring[(head + capacity - 1) % capacity];
	ev->failed = true;
	ev->note = text_of(ag_error_message(), 160, ev->seq);
}
