/*
 * close.c - comparing whole tensors: isclose (a bool tensor), allclose and
 * equal (a yes or no), built from the pointwise ops as PyTorch builds
 * them, without recording or tracing the steps.
 */
#include "internal.h"
#include "autograd.h"

#include <math.h>

/* Runs the steps of a comparison: no history, no trace events. */
typedef struct quiet {
	bool grad;
} quiet;

static quiet quiet_begin(void)
{
	quiet q = { ag_set_grad_enabled(false) };
	ag_trace_suspend();
	return q;
}

static void quiet_end(quiet q)
{
	ag_trace_resume();
	ag_set_grad_enabled(q.grad);
}

/* a (op) number, the number counting as a Lua one */
static ag_tensor *with_number(ag_op op, ag_tensor *a, double v)
{
	ag_tensor *n = ag_number_operand(v), *r = n ? ag_binary(op, a, n) : NULL;
	ag_tensor_release(n);
	return r;
}

/* close |= (|a - b| finite and <= atol + |rtol b|), a and b floating */
static ag_tensor *within_tolerance(ag_tensor *close, ag_tensor *a,
				   ag_tensor *b, double rtol, double atol)
{
	ag_tensor *rb = with_number(AG_OP_MUL, b, rtol);
	ag_tensor *arb = rb ? ag_unary(AG_OP_ABS, rb) : NULL;
	ag_tensor *allowed = arb ? with_number(AG_OP_ADD, arb, atol) : NULL;
	ag_tensor *diff = allowed ? ag_sub(a, b) : NULL;
	ag_tensor *actual = diff ? ag_unary(AG_OP_ABS, diff) : NULL;
	ag_tensor *fin = actual ? ag_unary(AG_OP_ISFINITE, actual) : NULL;
	ag_tensor *le = fin ? ag_binary(AG_OP_LE, actual, allowed) : NULL;
	ag_tensor *both = le ? ag_binary(AG_OP_LOGICAL_AND, fin, le) : NULL;
	ag_tensor *r = both ? ag_binary(AG_OP_LOGICAL_OR, close, both) : NULL;

	ag_tensor_release(rb); ag_tensor_release(arb);
	ag_tensor_release(allowed); ag_tensor_release(diff);
	ag_tensor_release(actual); ag_tensor_release(fin);
	ag_tensor_release(le); ag_tensor_release(both);
	return r;
}

static ag_tensor *isclose_steps(ag_tensor *a, ag_tensor *b, double rtol,
				double atol, bool equal_nan)
{
	ag_tensor *close = ag_binary(AG_OP_EQ, a, b), *r;
	bool floating = ag_dtype_is_floating(a->dtype);

	if (close && equal_nan && floating) {
		ag_tensor *na = ag_unary(AG_OP_ISNAN, a);
		ag_tensor *nb = na ? ag_unary(AG_OP_ISNAN, b) : NULL;
		ag_tensor *nn = nb ? ag_binary(AG_OP_LOGICAL_AND, na, nb) : NULL;
		r = nn ? ag_binary(AG_OP_LOGICAL_OR, close, nn) : NULL;
		ag_tensor_release(na); ag_tensor_release(nb); ag_tensor_release(nn);
		ag_tensor_release(close);
		close = r;
	}
	if (!close || (rtol == 0 && atol == 0))
		return close;
	/* integers and bools: the tolerance is computed in the default dtype */
	ag_tensor *fa = floating ? (ag_tensor_retain(a), a) : ag_to_dtype(a, AG_DEFAULT_DTYPE);
	ag_tensor *fb = !fa ? NULL : floating ? (ag_tensor_retain(b), b)
				   : ag_to_dtype(b, AG_DEFAULT_DTYPE);
	r = fb ? within_tolerance(close, fa, fb, rtol, atol) : NULL;
	ag_tensor_release(fa);
	ag_tensor_release(fb);
	ag_tensor_release(close);
	return r;
}

ag_tensor *ag_isclose(ag_tensor *a, ag_tensor *b, double rtol, double atol,
		      bool equal_nan)
{
	if (!a || !b) {
		ag_error(AG_ERR_VALUE, "isclose: expected two tensors");
		return NULL;
	}
	if (a->dtype != b->dtype) {
		ag_error(AG_ERR_DTYPE, "%s did not match %s",
			 ag_dtype_scalar_name(a->dtype), ag_dtype_scalar_name(b->dtype));
		return NULL;
	}
	if (!(rtol >= 0)) {
		ag_error(AG_ERR_VALUE, "rtol must be greater than or equal to zero, "
			 "but got %g", rtol);
		return NULL;
	}
	if (!(atol >= 0)) {
		ag_error(AG_ERR_VALUE, "atol must be greater than or equal to zero, "
			 "but got %g", atol);
		return NULL;
	}
	quiet q = quiet_begin();
	ag_tensor *r = isclose_steps(a, b, rtol, atol, equal_nan);
	quiet_end(q);
	return r;
}

static void all_true(char **data, const int64_t *st, int64_t n, void *ctx)
{
	bool *ok = ctx;
	for (int64_t i = 0; i < n && *ok; i++)
		*ok = *(const uint8_t *)(data[0] + i * st[0]) != 0;
}

/* 1 when every element of the bool tensor m is true, else 0. */
static int every(ag_tensor *m)
{
	ag_iter it;
	bool ok = true;

	if (ag_iter_init(&it, 1, &m, m->shape, m->ndim) < 0)
		return -1;
	ag_iter_run(&it, all_true, &ok, false);
	return ok;
}

int ag_allclose(ag_tensor *a, ag_tensor *b, double rtol, double atol,
		bool equal_nan)
{
	ag_tensor *c = ag_isclose(a, b, rtol, atol, equal_nan);
	int r = c ? every(c) : -1;
	ag_tensor_release(c);
	return r;
}

int ag_equal(ag_tensor *a, ag_tensor *b)
{
	if (!a || !b)
		return ag_error(AG_ERR_VALUE, "equal: expected two tensors");
	if (!ag_same_shape(a, b))
		return 0;
	quiet q = quiet_begin();
	ag_tensor *eq = ag_binary(AG_OP_EQ, a, b);
	quiet_end(q);
	int r = eq ? every(eq) : -1;
	ag_tensor_release(eq);
	return r;
}
