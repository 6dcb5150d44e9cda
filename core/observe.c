/*
 * observe.c - what the debugger sees of a backward pass: the observer
 * called at its start and end, for every node run and every .grad
 * accumulated, and the statistics of each gradient (kept on its node for
 * the viewer).
 */
#include "node.h"
#include "debug.h"

#include <math.h>

static bool keep_stats = true;
static bool observe_outputs = true;

void ag_set_observe_outputs(bool on) { observe_outputs = on; }

void ag_set_keep_grad_stats(bool on) { keep_stats = on; }
static void (*observer)(const ag_backward_event *, void *);
static void *observer_ud;

void ag_set_backward_observer(void (*fn)(const ag_backward_event *, void *),
			      void *ud)
{
	observer = fn;
	observer_ud = ud;
}

/* ------------------------------------------------------------ statistics */

void ag_grad_stats_compute(ag_tensor *g, ag_grad_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!g)
		return;
	st->ndim = g->ndim;
	memcpy(st->shape, g->shape, sizeof g->shape);
	st->dtype = g->dtype;
	st->numel = ag_numel(g);
	if (st->numel == 0)
		return;
	ag_tensor *c = ag_contiguous(g);
	if (!c)
		return;
	const char *p = ag_data_ptr(c);
	size_t es = ag_dtype_size(c->dtype);
	double sum = 0, mx = 0;
	int64_t finite = 0;
	for (int64_t i = 0; i < st->numel; i++) {
		double v = ag_load(p + (size_t)i * es, c->dtype);
		if (isnan(v)) {
			st->n_nan++;
			continue;
		}
		if (isinf(v)) {
			st->n_inf++;
			continue;
		}
		double a = fabs(v);
		if (a == 0)
			st->n_zero++;
		else if (a < 5.960464477539063e-08)	/* fp16's smallest */
			st->n_fp16_underflow++;
		sum += a;
		if (a > mx)
			mx = a;
		finite++;
	}
	st->mean_abs = finite ? sum / (double)finite : NAN;
	st->max_abs = finite ? mx : NAN;
	ag_tensor_release(c);
}

void ag_emit_event(ag_backward_event_kind kind, int status)
{
	if (!observer)
		return;
	ag_backward_event ev = { .kind = kind, .status = status };
	observer(&ev, observer_ud);
}

void ag_emit_node(const ag_node *n, ag_tensor **in, int nin,
		      ag_tensor **out, int nout)
{
	ag_grad_stats sin[8], sout[8];
	bool defined[8];
	if (!observer)
		return;
	if (nin > 8)
		nin = 8;
	if (nout > 8)
		nout = 8;
	for (int i = 0; i < nin; i++) {
		if (keep_stats && n->last_stats)	/* just computed: reuse */
			sin[i] = n->last_stats[i];
		else
			ag_grad_stats_compute(in[i], &sin[i]);
	}
	for (int i = 0; i < nout; i++) {
		defined[i] = out[i] != NULL;
		if (observe_outputs)
			ag_grad_stats_compute(out[i], &sout[i]);
	}
	ag_backward_event ev = {
		.kind = AG_EV_NODE, .node = n, .n_in = nin, .n_out = nout,
		.in = sin, .out = observe_outputs ? sout : NULL,
		.out_defined = defined,
	};
	observer(&ev, observer_ud);
	if (n->variable && nin > 0) {
		ag_backward_event acc = {
			.kind = AG_EV_ACCUMULATE, .node = n, .n_in = 1,
			.in = sin, .tensor_id = n->variable->id,
		};
		observer(&acc, observer_ud);
	}
}

void ag_emit_hook(const ag_node *n, int index, ag_tensor *before,
		  ag_tensor *after)
{
	if (!observer)
		return;
	ag_grad_stats sb, sa;
	ag_grad_stats_compute(before, &sb);
	ag_grad_stats_compute(after, &sa);
	ag_backward_event ev = {
		.kind = AG_EV_HOOK, .node = n, .n_in = 1, .n_out = 1,
		.in = &sb, .out = &sa, .index = index,
		.tensor_id = n->variable ? n->variable->id : 0,
	};
	observer(&ev, observer_ud);
}

bool ag_backward_observed(void) { return observer != NULL; }

bool ag_grad_has_nan(ag_tensor *g)
{
	ag_grad_stats st;
	if (!g || !ag_dtype_is_floating(g->dtype))
		return false;
	ag_grad_stats_compute(g, &st);
	return st.n_nan > 0;
}

void ag_keep_grad_stats(ag_node *n, ag_tensor **in)
{
	int nout = n->n_outputs;
	if (!keep_stats)
		return;
	if (!n->last_stats)
		n->last_stats = calloc((size_t)(nout ? nout : 1),
				       sizeof *n->last_stats);
	for (int i = 0; n->last_stats && i < nout; i++)
		ag_grad_stats_compute(in[i], &n->last_stats[i]);
}

