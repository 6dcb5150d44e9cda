/*
 * autocast.c - the autocast state, the policy of each op (ops.def's column,
 * and below the functions agdb composes in Lua), and the casts themselves.
 */
#include "autocast.h"
#include "autograd.h"

#include <stdio.h>
#include <string.h>

static bool enabled;
static ag_dtype low = AG_BFLOAT16;
static bool cache_on = true;
static int nesting;
static int suspended;

bool ag_autocast_enabled(void) { return enabled; }
ag_dtype ag_autocast_dtype(void) { return low; }
bool ag_autocast_cache_enabled(void) { return cache_on; }
bool ag_autocast_active(void) { return enabled && suspended == 0; }
void ag_autocast_suspend(void) { suspended++; }
void ag_autocast_resume(void) { if (suspended > 0) suspended--; }

bool ag_autocast_set_enabled(bool on)
{
	bool prev = enabled;
	enabled = on;
	return prev;
}

bool ag_autocast_set_cache_enabled(bool on)
{
	bool prev = cache_on;
	cache_on = on;
	return prev;
}

int ag_autocast_set_dtype(ag_dtype dt)
{
	if (dt != AG_BFLOAT16 && dt != AG_FLOAT16)
		return ag_error(AG_ERR_DTYPE, "Currently, AutocastCPU only "
				"support Bfloat16 as the autocast_cpu_dtype");
	low = dt;
	return 0;
}

int ag_autocast_increment_nesting(void) { return ++nesting; }

int ag_autocast_decrement_nesting(void)
{
	if (nesting > 0 && --nesting == 0)
		ag_autocast_clear_cache();
	return nesting;
}

/* ------------------------------------------------------------- policies */

/* PyTorch 1.13's CPU lists, for the functions that have no line in
 * ops.def because agdb composes them from other ops (most in Lua), or
 * does not have them yet.  A name here must not also be an op of ops.def
 * (test_autocast checks it): an op's policy is its line's column. */
static const struct { const char *name; ag_autocast_policy p; } composite[] = {
	{"matmul", AG_AUTOCAST_LOWER}, {"linear", AG_AUTOCAST_LOWER},
	{"conv1d", AG_AUTOCAST_LOWER}, {"conv2d", AG_AUTOCAST_LOWER},
	{"conv3d", AG_AUTOCAST_LOWER}, {"conv_tbc", AG_AUTOCAST_LOWER},
	{"conv_transpose1d", AG_AUTOCAST_LOWER},
	{"conv_transpose2d", AG_AUTOCAST_LOWER},
	{"conv_transpose3d", AG_AUTOCAST_LOWER},
	{"l1_loss", AG_AUTOCAST_FP32}, {"kl_div", AG_AUTOCAST_FP32},
	{"cross_entropy", AG_AUTOCAST_FP32},
	{"cosine_embedding_loss", AG_AUTOCAST_FP32},
	{"hinge_embedding_loss", AG_AUTOCAST_FP32},
	{"margin_ranking_loss", AG_AUTOCAST_FP32},
	{"soft_margin_loss", AG_AUTOCAST_FP32},
	{"triplet_margin_loss", AG_AUTOCAST_FP32},
	{"multi_margin_loss", AG_AUTOCAST_FP32},
	{"multilabel_margin_loss", AG_AUTOCAST_FP32},
	{"poisson_nll_loss", AG_AUTOCAST_FP32}, {"ctc_loss", AG_AUTOCAST_FP32},
	{"cdist", AG_AUTOCAST_FP32}, {"inverse", AG_AUTOCAST_FP32},
	{"pinverse", AG_AUTOCAST_FP32}, {"cholesky", AG_AUTOCAST_FP32},
	{"quantile", AG_AUTOCAST_FP32}, {"nanquantile", AG_AUTOCAST_FP32},
	{"polar", AG_AUTOCAST_FP32}, {"stft", AG_AUTOCAST_FP32},
	{"avg_pool3d", AG_AUTOCAST_FP32}, {"max_pool3d", AG_AUTOCAST_FP32},
	{"adaptive_avg_pool3d", AG_AUTOCAST_FP32},
	{"adaptive_max_pool3d", AG_AUTOCAST_FP32},
	{"grid_sample", AG_AUTOCAST_FP32},
};

const char *ag_autocast_composite_name(int i, ag_autocast_policy *p)
{
	if (i < 0 || (size_t)i >= sizeof composite / sizeof composite[0])
		return NULL;
	if (p)
		*p = composite[i].p;
	return composite[i].name;
}

ag_autocast_policy ag_autocast_policy_of(const char *name)
{
	for (int op = 0; op < AG_OP_COUNT; op++) {
		const ag_opinfo *info = ag_op_info(op);
		if (info->autocast != AG_AUTOCAST_NONE &&
		    strcmp(info->name, name) == 0)
			return info->autocast;
	}
	for (size_t i = 0; i < sizeof composite / sizeof composite[0]; i++)
		if (strcmp(composite[i].name, name) == 0)
			return composite[i].p;
	return AG_AUTOCAST_NONE;
}

/* ---------------------------------------------------------------- casts */

static bool eligible(const ag_tensor *t)
{
	return t && ag_dtype_is_floating(t->dtype) && t->dtype != AG_FLOAT64 &&
	       !t->is_wrapped_number;
}

int ag_autocast_target(ag_autocast_policy p, ag_tensor *const *in, int n,
		       ag_dtype *to)
{
	switch (p) {
	case AG_AUTOCAST_LOWER:
		*to = low;
		return 0;
	case AG_AUTOCAST_FP32:
		*to = AG_FLOAT32;
		return 0;
	case AG_AUTOCAST_PROMOTE: {
		ag_dtype cur = low;
		for (int i = 0; i < n; i++) {
			if (!eligible(in[i]))
				continue;
			if (in[i]->dtype == AG_FLOAT32 || cur == AG_FLOAT32)
				cur = AG_FLOAT32;
			else if (in[i]->dtype != low)
				return ag_error(AG_ERR_RUNTIME, "Unexpected floating "
						"ScalarType in at::autocast::prioritize");
		}
		*to = cur;
		return 0;
	}
	default:
		return 1;
	}
}

/* The cache of lower-precision casts of float32 leaves (PyTorch caches
 * them so that a weight used by several ops is cast once per region). */
#define CACHE_MAX 256
static struct { ag_tensor *src, *dst; } cache[CACHE_MAX];
static int ncache;

void ag_autocast_clear_cache(void)
{
	for (int i = 0; i < ncache; i++) {
		ag_tensor_release(cache[i].src);
		ag_tensor_release(cache[i].dst);
	}
	ncache = 0;
}

/* The trace log's last event, when it made `out`, notes the cast. */
static void note(const ag_tensor *out, const char *fmt, const char *a,
		 const char *b, const char *name)
{
	char buf[160];
	snprintf(buf, sizeof buf, fmt, a, b, name);
	ag_trace_note_last(out, buf);
}

static ag_tensor *convert(ag_tensor *t, ag_dtype to, const char *fmt,
			  const char *name)
{
	ag_tensor *r = ag_to_dtype(t, to);
	if (r && r != t)
		note(r, fmt, ag_dtype_name(t->dtype), ag_dtype_name(to), name);
	return r;
}

ag_tensor *ag_autocast_cast(ag_tensor *t, ag_dtype to, const char *name)
{
	if (!eligible(t) || t->dtype == to) {
		ag_tensor_retain(t);
		return t;
	}
	bool cacheable = cache_on && nesting > 0 && to == low &&
			 t->dtype == AG_FLOAT32 && ag_is_leaf(t) &&
			 ag_requires_grad(t);
	if (cacheable) {
		for (int i = 0; i < ncache; i++) {
			if (cache[i].src == t && cache[i].dst->dtype == to) {
				ag_tensor_retain(cache[i].dst);
				return cache[i].dst;
			}
		}
	}
	ag_tensor *r = convert(t, to, "autocast: %s -> %s for %s", name);
	if (r && cacheable && ncache < CACHE_MAX) {
		ag_tensor_retain(t);
		ag_tensor_retain(r);
		cache[ncache].src = t;
		cache[ncache].dst = r;
		ncache++;
	}
	return r;
}
