/*
 * mode.c - autograd's global state: grad mode, anomaly mode, the engine
 * running now, and whether a tensor takes part in autograd at all.
 */
#include "node.h"

static bool grad_enabled = true;
static bool anomaly_enabled;
static bool inference_enabled;
static ag_engine *current_engine;
static ag_traceback_provider provider;

bool ag_is_grad_enabled(void) { return grad_enabled; }

bool ag_set_grad_enabled(bool on)
{
	bool prev = grad_enabled;
	grad_enabled = on;
	return prev;
}

bool ag_is_anomaly_enabled(void) { return anomaly_enabled; }
void ag_set_anomaly_enabled(bool on) { anomaly_enabled = on; }

bool ag_is_inference_mode_enabled(void) { return inference_enabled; }

bool ag_set_inference_mode(bool on)
{
	bool prev = inference_enabled;
	inference_enabled = on;
	return prev;
}

void ag_set_traceback_provider(const ag_traceback_provider *p)
{
	if (p)
		provider = *p;
	else
		memset(&provider, 0, sizeof provider);
}

void *ag_anomaly_capture(void)
{
	if (!anomaly_enabled || !provider.capture)
		return NULL;
	return provider.capture(provider.ud);
}

char *ag_anomaly_format(const void *rec)
{
	return rec && provider.format ? provider.format(provider.ud, rec) : NULL;
}

void ag_anomaly_release(void *rec)
{
	if (rec && provider.release)
		provider.release(provider.ud, rec);
}

ag_engine *ag_engine_current(void) { return current_engine; }
void ag_set_current_engine(ag_engine *e) { current_engine = e; }

/* A view requires grad when its base does, as PyTorch's
 * DifferentiableViewMeta says, even before it has a history of its own
 * (made under no_grad, or before the base needed a gradient). */
bool ag_requires_grad(const ag_tensor *t)
{
	if (!t)
		return false;
	if (t->requires_grad || t->grad_fn)
		return true;
	const ag_autograd_meta *m = t->autograd_extra;
	return m && m->diff_view && t->base &&
	       (t->base->requires_grad || t->base->grad_fn);
}

bool ag_any_requires_grad(ag_tensor *const *ts, int n)
{
	for (int i = 0; i < n; i++)
		if (ag_requires_grad(ts[i]))
			return true;
	return false;
}

bool ag_is_leaf(const ag_tensor *t) { return t->grad_fn == NULL; }
