/*
 * mode.c - autograd's global state: grad mode, anomaly mode, the engine
 * running now, and whether a tensor takes part in autograd at all.
 */
#include "internal.h"
#include "autograd.h"

static bool grad_enabled = true;
static bool anomaly_enabled;
static ag_engine *current_engine;
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

char *ag_anomaly_traceback(void)
{
	if (!anomaly_enabled || !traceback_provider)
		return NULL;
	return traceback_provider(traceback_ud);
}

ag_engine *ag_engine_current(void) { return current_engine; }
void ag_set_current_engine(ag_engine *e) { current_engine = e; }

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
