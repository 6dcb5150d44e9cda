/*
 * test_elementwise.c - unary and binary ops, clamp and where: values and
 * dtypes for every dtype against torch 1.13 fixtures, PyTorch's error texts,
 * non-contiguous / broadcast / expanded / zero-size operands, in-place and
 * out= forms, and the typed fast paths agreeing with the generic ones.
 */
#include "internal.h"
#include "simd.h"
#include "../tap.h"
#include "elements.h"

#include <stdint.h>

/* The generated tables: an op on operands of the given dtypes gives the
 * values (ok) or fails with code and err, as PyTorch 1.13 does. */
struct bin_case {
	ag_op op;
	ag_dtype a, b;
	int ok;
	ag_dtype r;
	double want[6];
	ag_errcode code;
	const char *err;
};

struct un_case {
	ag_op op;
	ag_dtype a;
	int ok;
	ag_dtype r;
	double want[8];
	ag_errcode code;
	const char *err;
};

#include "test_elementwise_cases.h"

/* ------------------------------------------------------------- helpers */

static ag_tensor *mk(ag_dtype dt, int ndim, const int64_t *shape,
		     const double *v)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	int64_t n = ag_numel(t);
	char *p = ag_data_ptr(t);
	for (int64_t i = 0; i < n; i++)
		if (dt == AG_INT64)
			ag_store_i64(p + i * ag_dtype_size(dt), dt, (int64_t)v[i]);
		else
			ag_store(p + i * ag_dtype_size(dt), dt, v[i]);
	return t;
}

static ag_tensor *vec(ag_dtype dt, int64_t n, const double *v)
{
	return mk(dt, 1, &n, v);
}

/* Numbers as the Lua binding hands them over (0-d, is_wrapped_number). */
static ag_tensor *num(ag_dtype dt, double v)
{
	ag_tensor *t = mk(dt, 0, NULL, &v);
	t->is_wrapped_number = true;
	return t;
}

/* Equal, or within a few ulps of the dtype (libm and torch's vectorised
 * functions may differ in the last bit). */
static bool close_to(double got, double want, ag_dtype dt)
{
	double rel = dt == AG_FLOAT64 ? 1e-14 : dt == AG_FLOAT32 ? 1e-6 :
		     dt == AG_FLOAT16 ? 1e-3 : dt == AG_BFLOAT16 ? 8e-3 : 0;
	if (isnan(got) || isnan(want))
		return isnan(got) && isnan(want);
	if (got == want)
		return signbit(got) == signbit(want) || got != 0;
	return fabs(got - want) <= rel * fabs(want);
}

static bool values_are(const ag_tensor *t, const double *want, int64_t n)
{
	if (!t || ag_numel(t) != n)
		return false;
	for (int64_t i = 0; i < n; i++)
		if (!close_to(el(t, i), want[i], t->dtype)) {
			diag("element %lld: got %.9g, want %.9g", (long long)i,
			     el(t, i), want[i]);
			return false;
		}
	return true;
}

static bool fails_with(const void *result, ag_errcode code, const char *msg)
{
	bool good = result == NULL && ag_error_code() == code &&
		    strcmp(ag_error_message(), msg) == 0;
	if (!good)
		diag("got code %d \"%s\"", (int)ag_error_code(), ag_error_message());
	ag_error_clear();
	return good;
}

static bool rc_fails_with(int rc, ag_errcode code, const char *msg)
{
	return fails_with(rc < 0 ? NULL : "", code, msg);
}

static const double AV_F[6] = { -2.5, -1, 0, 1, 2, 3.25 };
static const double AV_I[6] = { -2, -1, 0, 1, 2, 3 };
static const double AV_B[6] = { 1, 0, 1, 0, 1, 1 };
static const double BV_F[6] = { 1.5, 2, -1, 0.5, 3, -2 };
static const double BV_I[6] = { 3, 2, -1, 1, 0, -2 };
static const double BV_B[6] = { 1, 1, 0, 0, 1, 0 };

static const double *pick(ag_dtype dt, const double *f, const double *i,
			  const double *b)
{
	return dt == AG_BOOL ? b : ag_dtype_is_integral(dt) ? i : f;
}

/* The 6 values as a strided view: every other element of a 12-long buffer,
 * or reversed by a negative-free trick (a transposed 2-d layout). */
static ag_tensor *strided_vec(ag_dtype dt, const double *v)
{
	double buf[12];
	int64_t n = 12;
	for (int i = 0; i < 6; i++) {
		buf[2 * i] = v[i];
		buf[2 * i + 1] = 99;
	}
	ag_tensor *base = vec(dt, n, buf);
	ag_tensor *s = ag_slice(base, 0, 0, 12, 2);
	ag_tensor_release(base);
	return s;
}

/* ------------------------------------------------------ table-driven */

static void run_binary_table(bool strided)
{
	size_t n = sizeof bin_cases / sizeof bin_cases[0];
	for (size_t i = 0; i < n; i++) {
		const struct bin_case *c = &bin_cases[i];
		const double *av = pick(c->a, AV_F, AV_I, AV_B);
		const double *bv = pick(c->b, BV_F, BV_I, BV_B);
		ag_tensor *a = strided ? strided_vec(c->a, av) : vec(c->a, 6, av);
		ag_tensor *b = strided ? strided_vec(c->b, bv) : vec(c->b, 6, bv);
		ag_tensor *r = ag_binary(c->op, a, b);
		const char *how = strided ? "strided" : "dense";

		if (c->ok)
			ok(r && r->dtype == c->r && values_are(r, c->want, 6),
			   "%s %s %s (%s): %s", ag_dtype_name(c->a),
			   ag_op_name(c->op), ag_dtype_name(c->b), how,
			   ag_dtype_name(c->r));
		else
			ok(fails_with(r, c->code, c->err), "%s %s %s (%s) fails",
			   ag_dtype_name(c->a), ag_op_name(c->op),
			   ag_dtype_name(c->b), how);
		ag_tensor_release(r);
		ag_tensor_release(a);
		ag_tensor_release(b);
	}
}

static const double UV_F[8] = { -2.5, -1, -0.0, 0, 0.3, 1, 2, 7.25 };
static const double UV_I[8] = { -3, -1, 0, 0, 1, 1, 2, 7 };
static const double UV_B[8] = { 1, 0, 1, 0, 1, 1, 0, 1 };

static void run_unary_table(bool transposed)
{
	size_t n = sizeof un_cases / sizeof un_cases[0];
	for (size_t i = 0; i < n; i++) {
		const struct un_case *c = &un_cases[i];
		const double *v = pick(c->a, UV_F, UV_I, UV_B);
		ag_tensor *a, *r;

		if (transposed) {
			/* a 4x2 transposed view of the values laid out 2x4
			 * holds them in column order: read back the same */
			double t[8];
			int64_t shape[2] = { 2, 4 };
			for (int k = 0; k < 8; k++)
				t[(k % 2) * 4 + k / 2] = v[k];
			ag_tensor *base = mk(c->a, 2, shape, t);
			a = ag_transpose(base, 0, 1);
			ag_tensor_release(base);
		} else {
			a = vec(c->a, 8, v);
		}
		r = ag_unary(c->op, a);
		if (c->ok)
			ok(r && r->dtype == c->r && values_are(r, c->want, 8),
			   "%s(%s)%s -> %s", ag_op_name(c->op), ag_dtype_name(c->a),
			   transposed ? " transposed" : "", ag_dtype_name(c->r));
		else
			ok(fails_with(r, c->code, c->err), "%s(%s)%s fails",
			   ag_op_name(c->op), ag_dtype_name(c->a),
			   transposed ? " transposed" : "");
		ag_tensor_release(r);
		ag_tensor_release(a);
	}
}

/* ------------------------------------------------------------ layouts */

static void test_layouts(void)
{
	double v6[6] = { 0, 1, 2, 3, 4, 5 }, w6[6] = { 0, 10, 20, 30, 40, 50 };
	int64_t s23[2] = { 2, 3 }, s32[2] = { 3, 2 };
	ag_tensor *x = mk(AG_FLOAT32, 2, s23, v6), *y = mk(AG_FLOAT32, 2, s32, w6);
	ag_tensor *xt = ag_t(x), *r;

	r = ag_add(xt, y);
	double want1[6] = { 0, 13, 21, 34, 42, 55 };
	ok(values_are(r, want1, 6), "transposed + contiguous");
	ok(r && r->stride[0] == 1 && r->stride[1] == 3,
	   "the result keeps the transposed input's layout, as torch does");
	ag_tensor_release(r);

	/* a [3, 2] view taking every other column of a 3x4 tensor */
	double v12[12];
	int64_t s34[2] = { 3, 4 };
	for (int i = 0; i < 12; i++)
		v12[i] = i;
	ag_tensor *m = mk(AG_FLOAT64, 2, s34, v12);
	ag_tensor *z = ag_slice(m, 1, 0, 4, 2);
	r = ag_mul(z, z);
	double want2[6] = { 0, 4, 16, 36, 64, 100 };
	ok(values_are(r, want2, 6) && ag_is_contiguous(r),
	   "step-sliced float64 * itself");
	ag_tensor_release(r);

	/* broadcast [2, 1] ^ [3] */
	double c2[2] = { 1, 2 }, e3[3] = { 1, 2, 3 };
	int64_t s21[2] = { 2, 1 };
	ag_tensor *col = mk(AG_FLOAT32, 2, s21, c2), *row = vec(AG_FLOAT32, 3, e3);
	r = ag_pow(col, row);
	double want3[6] = { 1, 1, 1, 2, 4, 8 };
	ok(values_are(r, want3, 6) && r->ndim == 2 && r->shape[0] == 2 &&
	   r->shape[1] == 3, "broadcast [2, 1] pow [3] -> [2, 3]");
	ag_tensor_release(r);

	/* an expanded (stride-0) input */
	int64_t s23b[2] = { 2, 3 };
	ag_tensor *ex = ag_expand(row, s23b, 2);
	r = ag_sub(x, ex);
	double want4[6] = { -1, -1, -1, 2, 2, 2 };
	ok(values_are(r, want4, 6), "tensor - expanded row");
	ag_tensor_release(r);
	r = ag_unary(AG_OP_NEG, ex);
	double want5[6] = { -1, -2, -3, -1, -2, -3 };
	ok(values_are(r, want5, 6) && ag_is_contiguous(r),
	   "neg of an expanded tensor makes a dense result");
	ag_tensor_release(r);

	/* 0-d with 0-d, 0-d with a vector */
	ag_tensor *s1 = mk(AG_FLOAT32, 0, NULL, (double[]){ 2 });
	ag_tensor *s2 = mk(AG_INT64, 0, NULL, (double[]){ 5 });
	r = ag_mul(s1, s2);
	ok(r && r->ndim == 0 && r->dtype == AG_FLOAT32 && el(r, 0) == 10,
	   "0-d float32 * 0-d int64 is a 0-d float32");
	ag_tensor_release(r);
	r = ag_div(s2, row);
	double want6[3] = { 5, 2.5, 5.0 / 3 };
	ok(r && r->dtype == AG_FLOAT32 && values_are(r, want6, 3),
	   "0-d int64 / float32 vector");
	ag_tensor_release(r);

	/* zero-size */
	int64_t s20[2] = { 2, 0 }, s0[1] = { 0 };
	ag_tensor *e = ag_tensor_alloc(s20, 2, AG_FLOAT32);
	ag_tensor *one = vec(AG_FLOAT32, 1, (double[]){ 1 });
	r = ag_add(e, one);
	ok(r && r->ndim == 2 && r->shape[0] == 2 && r->shape[1] == 0 &&
	   ag_numel(r) == 0, "[2, 0] + [1] -> [2, 0]");
	ag_tensor_release(r);
	ag_tensor *e0 = ag_tensor_alloc(s0, 1, AG_INT64);
	r = ag_exp(e0);
	ok(r && r->dtype == AG_FLOAT32 && ag_numel(r) == 0, "exp of an empty int64");
	ag_tensor_release(r);
	r = ag_add(e, x);
	ok(fails_with(r, AG_ERR_SHAPE, "The size of tensor a (0) must match the "
		      "size of tensor b (3) at non-singleton dimension 1"),
	   "[2, 0] + [2, 3] fails like torch");
	ok(ag_unary_(AG_OP_EXP, e) == 0 && ag_binary_(AG_OP_MUL, e, one) == 0,
	   "in-place ops on an empty tensor");

	double bad[3] = { 1, 2, 3 };
	ag_tensor *v3 = vec(AG_FLOAT32, 3, bad), *v4 = vec(AG_FLOAT32, 4, v6);
	r = ag_add(v3, v4);
	ok(fails_with(r, AG_ERR_SHAPE, "The size of tensor a (3) must match the "
		      "size of tensor b (4) at non-singleton dimension 0"),
	   "[3] + [4] fails like torch");

	ag_tensor *objs[] = { x, y, xt, m, z, col, row, ex, s1, s2, e, one, e0,
			      v3, v4 };
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		ag_tensor_release(objs[i]);
}

/* ------------------------------------------- typed and generic paths */

/* Big enough for the OpenMP split; the typed loop (dense float32) must
 * agree with the generic one (a float64 output forces it) rounded back. */
static void test_paths_agree(void)
{
	int64_t n = 317 * 317, shape2[2] = { 317, 317 };
	double *v = malloc(sizeof(double) * (size_t)n);
	double *w = malloc(sizeof(double) * (size_t)n);
	for (int64_t i = 0; i < n; i++) {
		v[i] = (double)((i * 7919) % 1000) / 97.0 - 5;
		w[i] = (double)((i * 104729) % 1000) / 113.0 + 0.25;
	}
	ag_tensor *a = vec(AG_FLOAT32, n, v), *b = vec(AG_FLOAT32, n, w);
	ag_op ops[] = { AG_OP_ADD, AG_OP_SUB, AG_OP_MUL, AG_OP_DIV, AG_OP_POW };
	ag_op all[] = { AG_OP_ADD, AG_OP_SUB, AG_OP_MUL, AG_OP_DIV, AG_OP_POW, AG_OP_EQ,
			       AG_OP_NE, AG_OP_LT, AG_OP_LE, AG_OP_GT, AG_OP_GE };
	/* b with repeats of a's values, so eq/le/ge see equal pairs */
	for (int64_t i = 0; i < n; i += 3)
		((float *)ag_data_ptr(b))[i] = ((float *)ag_data_ptr(a))[i];
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
		ag_op op = all[k];
		ag_tensor *fast = ag_binary(op, a, b);
		ag_tensor *slow = ag_tensor_alloc(&n, 1, AG_FLOAT64);
		/* float64 out, float32 compute: the generic loop */
		ok(fast && ag_binary_out(op, slow, a, b) == 0,
		   "%s: both paths run", ag_op_name(op));
		int64_t bad = 0;
		for (int64_t i = 0; fast && i < n; i++) {
			double f = el(fast, i), s = el(slow, i);
			if (!(f == s || (isnan(f) && isnan(s))))
				bad++;
		}
		is_int(bad, 0, "%s: typed float32 loop == generic loop on %lld "
		       "elements", ag_op_name(op), (long long)n);
		ag_tensor_release(fast);
		ag_tensor_release(slow);
	}
	/* the same for the 16-bit loops: a float32 out= still computes in
	 * the 16-bit type (rounds), through the generic loop */
	ag_dtype halves[2] = { AG_FLOAT16, AG_BFLOAT16 };
	for (int hk = 0; hk < 2; hk++) {
		ag_tensor *ah = ag_to_dtype(a, halves[hk]), *bh = ag_to_dtype(b, halves[hk]);
		for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
			ag_tensor *fast = ag_binary(ops[k], ah, bh);
			ag_tensor *slow = ag_tensor_alloc(&n, 1, AG_FLOAT32);
			int64_t bad = 0;
			ok(fast && fast->dtype == halves[hk] &&
			   ag_binary_out(ops[k], slow, ah, bh) == 0,
			   "%s %s: both paths run", ag_dtype_name(halves[hk]),
			   ag_op_name(ops[k]));
			for (int64_t i = 0; fast && i < n; i++) {
				double f = el(fast, i), s = el(slow, i);
				if (!(f == s || (isnan(f) && isnan(s))))
					bad++;
			}
			is_int(bad, 0, "%s %s: 16-bit loop == generic loop",
			       ag_dtype_name(halves[hk]), ag_op_name(ops[k]));
			ag_tensor_release(fast);
			ag_tensor_release(slow);
		}
		ag_tensor_release(ah);
		ag_tensor_release(bh);
	}
	ag_op uops[] = { AG_OP_NEG, AG_OP_ABS, AG_OP_EXP, AG_OP_LOG, AG_OP_SQRT, AG_OP_SIN,
			       AG_OP_COS, AG_OP_TANH, AG_OP_SIGMOID, AG_OP_RELU };
	for (size_t k = 0; k < sizeof uops / sizeof uops[0]; k++) {
		ag_tensor *fast = ag_unary(uops[k], a);
		ag_tensor *slow = ag_tensor_alloc(&n, 1, AG_FLOAT64);
		int64_t bad = 0;
		ok(fast && ag_unary_out(uops[k], slow, a) == 0, "%s: both paths run",
		   ag_op_name(uops[k]));
		for (int64_t i = 0; fast && i < n; i++) {
			double f = el(fast, i), s = el(slow, i);
			if (!(f == s || (isnan(f) && isnan(s))))
				bad++;
		}
		is_int(bad, 0, "%s: typed float32 loop == generic loop",
		       ag_op_name(uops[k]));
		ag_tensor_release(fast);
		ag_tensor_release(slow);
	}

	/* float64, 2-d, transposed operand: typed strided loop vs values */
	ag_tensor *d = mk(AG_FLOAT64, 2, shape2, v), *dt = ag_t(d);
	ag_tensor *sum = ag_add(d, dt);
	int64_t bad = 0;
	for (int64_t i = 0; i < 317; i++)
		for (int64_t j = 0; j < 317; j++)
			if (el(sum, i * 317 + j) != v[i * 317 + j] + v[j * 317 + i])
				bad++;
	is_int(bad, 0, "float64 x + x.t() over 317x317");
	ag_tensor_release(sum);

	/* number operands take the typed loop too: x * 2 == x + x */
	ag_tensor *two = num(AG_INT64, 2), *half_ = num(AG_FLOAT64, 0.5);
	ag_tensor *m2 = ag_mul(a, two), *aa = ag_add(a, a), *m5 = ag_mul(a, half_);
	bad = 0;
	for (int64_t i = 0; i < n; i++)
		if (el(m2, i) != el(aa, i) || el(m5, i) != (float)(v[i] * 0.5f))
			bad = bad + 1;
	ok(m2 && m2->dtype == AG_FLOAT32 && bad == 0,
	   "float32 * int number and * float number stay float32, exact");
	ag_tensor *objs[] = { a, b, d, dt, two, half_, m2, aa, m5 };
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		ag_tensor_release(objs[i]);
	free(v);
	free(w);
}

/* ------------------------------------------------------ in-place, out= */

static int64_t version(const ag_tensor *t) { return t->version->value; }

static void test_inplace(void)
{
	double v2[2] = { 1, 2 }, v3[3] = { 1, 2, 3 };
	int64_t s23[2] = { 2, 3 };
	ag_tensor *li = vec(AG_INT64, 2, v2), *f3 = vec(AG_FLOAT32, 3, v3);
	ag_tensor *f23 = ag_ones(s23, 2, AG_FLOAT32), *wf = num(AG_FLOAT64, 1.5);
	ag_tensor *zf = mk(AG_FLOAT32, 0, NULL, (double[]){ 1 });
	int64_t v0 = version(li);

	ok(rc_fails_with(ag_binary_(AG_OP_ADD, li, wf), AG_ERR_DTYPE,
			 "result type Float can't be cast to the desired output "
			 "type Long"), "int64 add_ float number fails like torch");
	ok(rc_fails_with(ag_binary_(AG_OP_ADD, li, zf), AG_ERR_DTYPE,
			 "result type Float can't be cast to the desired output "
			 "type Long"), "int64 add_ 0-d float tensor fails");
	ok(rc_fails_with(ag_binary_(AG_OP_DIV, li, li), AG_ERR_DTYPE,
			 "result type Float can't be cast to the desired output "
			 "type Long"), "int64 div_ (true division) fails");
	ok(rc_fails_with(ag_unary_(AG_OP_EXP, li), AG_ERR_DTYPE,
			 "result type Float can't be cast to the desired output "
			 "type Long"), "int64 exp_ fails");
	is_int(version(li), v0, "failed in-place ops leave the version alone");
	ok(rc_fails_with(ag_binary_(AG_OP_ADD, f3, f23), AG_ERR_SHAPE,
			 "output with shape [3] doesn't match the broadcast "
			 "shape [2, 3]"), "add_ that would grow self fails like torch");
	ok(rc_fails_with(ag_binary_(AG_OP_ADD, zf, f3), AG_ERR_SHAPE,
			 "output with shape [] doesn't match the broadcast "
			 "shape [3]"), "0-d add_ vector fails");

	ag_tensor *b1 = vec(AG_BOOL, 1, v2);
	ag_tensor *i1 = vec(AG_INT64, 1, v2);
	ok(rc_fails_with(ag_binary_(AG_OP_ADD, b1, i1), AG_ERR_DTYPE,
			 "result type Long can't be cast to the desired output "
			 "type Bool"), "bool add_ int64 fails");
	ok(rc_fails_with(ag_unary_(AG_OP_NEG, b1), AG_ERR_DTYPE,
			 "Negation, the `-` operator, on a bool tensor is not "
			 "supported. If you are trying to invert a mask, use the "
			 "`~` or `logical_not()` operator instead."),
	   "bool neg_ fails like torch");

	/* what works: values, dtype kept, version bumped once per op */
	v0 = version(li);
	ok(ag_binary_(AG_OP_MUL, li, li) == 0 && el_i64(li, 0) == 1 &&
	   el_i64(li, 1) == 4 && li->dtype == AG_INT64, "int64 mul_ itself");
	is_int(version(li), v0 + 1, "mul_ bumps the version");
	ok(ag_unary_(AG_OP_NEG, li) == 0 && el_i64(li, 1) == -4, "int64 neg_");
	is_int(version(li), v0 + 2, "neg_ bumps the version");
	ok(ag_binary_(AG_OP_ADD, f3, i1) == 0 && el(f3, 0) == 2 && el(f3, 2) == 4,
	   "float32 add_ broadcast int64 [1]");
	ag_tensor *lim = num(AG_FLOAT64, -3.5);
	ok(ag_binary_(AG_OP_LT, li, lim) == 0 && li->dtype == AG_INT64 &&
	   el_i64(li, 0) == 0 && el_i64(li, 1) == 1,
	   "int64 [-1, -4] lt_ -3.5 writes 0/1 into int64 (as torch)");
	ag_tensor_release(lim);

	/* float16 self, float64 other: computed in float64, rounded to half */
	ag_tensor *h = vec(AG_FLOAT16, 2, (double[]){ 1, 2048 });
	ag_tensor *d = vec(AG_FLOAT64, 2, (double[]){ 0.0001, 1 });
	ok(ag_binary_(AG_OP_ADD, h, d) == 0 && h->dtype == AG_FLOAT16 &&
	   el(h, 0) == 1 && el(h, 1) == 2048, "float16 add_ float64 rounds to half");

	/* the transposed self: strides respected */
	double v6[6] = { 0, 1, 2, 3, 4, 5 };
	ag_tensor *x = mk(AG_FLOAT32, 2, s23, v6), *xt = ag_t(x);
	ag_tensor *col3 = vec(AG_FLOAT32, 2, (double[]){ 10, 100 });
	ok(ag_binary_(AG_OP_MUL, xt, col3) == 0, "mul_ on a transposed view");
	double want[6] = { 0, 10, 20, 300, 400, 500 };
	ok(values_are(x, want, 6), "the base sees the in-place write");
	is_int(version(x), version(xt), "view and base share the version");
	ok(version(x) == 1, "one bump for one in-place op on a view");

	ag_tensor *objs[] = { li, f3, f23, wf, zf, b1, i1, h, d, x, xt, col3 };
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
		ag_tensor_release(objs[i]);
}

static void test_out(void)
{
	double v2[2] = { 1, 2 };
	int64_t s2[1] = { 2 }, s3[1] = { 3 };
	ag_tensor *f = vec(AG_FLOAT32, 2, v2), *i = vec(AG_INT64, 2, v2);
	ag_tensor *out_l = ag_tensor_alloc(s2, 1, AG_INT64);
	ag_tensor *out_f = ag_tensor_alloc(s2, 1, AG_FLOAT32);
	ag_tensor *out_d = ag_tensor_alloc(s2, 1, AG_FLOAT64);
	ag_tensor *out_3 = ag_tensor_alloc(s3, 1, AG_FLOAT32);

	ok(rc_fails_with(ag_binary_out(AG_OP_ADD, out_l, f, f), AG_ERR_DTYPE,
			 "result type Float can't be cast to the desired output "
			 "type Long"), "add(float, float, out=long) fails like torch");
	ok(ag_binary_out(AG_OP_LT, out_f, f, i) == 0 && el(out_f, 0) == 0 &&
	   el(out_f, 1) == 0, "lt(out=float32) writes 0/1");
	ok(ag_binary_out(AG_OP_ADD, out_f, i, i) == 0 && el(out_f, 1) == 4,
	   "add(int, int, out=float32)");
	is_int(version(out_f), 2, "out= bumps the out tensor's version");
	ok(ag_unary_out(AG_OP_EXP, out_d, f) == 0 &&
	   close_to(el(out_d, 0), (float)exp(1.0), AG_FLOAT64),
	   "exp(float32, out=float64) computes in float32");
	ok(rc_fails_with(ag_binary_out(AG_OP_ADD, out_3, f, f), AG_ERR_SHAPE,
			 "output with shape [3] doesn't match the broadcast shape "
			 "[2]"), "out= of the wrong shape fails");
	ok(rc_fails_with(ag_unary_out(AG_OP_EXP, out_3, f), AG_ERR_SHAPE,
			 "output with shape [3] doesn't match the broadcast shape "
			 "[2]"), "unary out= of the wrong shape fails");
	ok(rc_fails_with(ag_unary_out(AG_OP_EXP, out_l, i), AG_ERR_DTYPE,
			 "result type Float can't be cast to the desired output "
			 "type Long"), "exp(int64, out=long) fails like torch");
	/* float16 inputs compute in float16 even into a float32 out (torch) */
	ag_tensor *h1 = vec(AG_FLOAT16, 2, (double[]){ 0.1, 1000 });
	ag_tensor *h2 = vec(AG_FLOAT16, 2, (double[]){ 0.7, 0.3 });
	ag_tensor *n33 = num(AG_FLOAT64, 3.3);
	ok(ag_binary_out(AG_OP_ADD, out_f, h1, h2) == 0 &&
	   el(out_f, 0) == 0.80029296875 && el(out_f, 1) == 1000.5,
	   "add(half, half, out=float32) rounds to half first, as torch");
	ok(ag_binary_out(AG_OP_MUL, out_f, h1, n33) == 0 &&
	   el(out_f, 0) == 0.330078125 && el(out_f, 1) == 3300,
	   "mul(half, 3.3, out=float32) as torch");
	ag_tensor_release(h1);
	ag_tensor_release(h2);
	ag_tensor_release(n33);
	ok(ag_binary_out(AG_OP_ADD, f, f, f) == 0 && el(f, 1) == 4,
	   "out= may be an input (full overlap)");
	ok(ag_binary_out(AG_OP_ADD, NULL, f, f) < 0 && ag_unary_out(AG_OP_EXP, NULL, f) < 0,
	   "out= NULL is an error, not a crash");
	ag_error_clear();
	ag_tensor *objs[] = { f, i, out_l, out_f, out_d, out_3 };
	for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
		ag_tensor_release(objs[k]);
}

/* ------------------------------------------------- numbers and integers */

static void test_numbers(void)
{
	double v3[3] = { 1, 2, 3 };
	ag_tensor *i = vec(AG_INT64, 3, v3), *f = vec(AG_FLOAT32, 3, v3), *r;

	r = ag_add_scalar(i, 1.0);
	ok(r && r->dtype == AG_INT64 && el_i64(r, 2) == 4,
	   "int64 + integral number stays int64");
	ag_tensor_release(r);
	r = ag_add_scalar(i, 0.5);
	ok(r && r->dtype == AG_FLOAT32 && el(r, 0) == 1.5,
	   "int64 + fractional number is float32");
	ag_tensor_release(r);
	r = ag_mul_scalar(f, 3);
	ok(r && r->dtype == AG_FLOAT32 && el(r, 2) == 9, "float32 * 3");
	ag_tensor_release(r);

	/* the number is cast to half before the multiply, as torch does */
	ag_tensor *h = vec(AG_FLOAT16, 2, (double[]){ 1000, 3 });
	r = ag_mul_scalar(h, 1.0004);
	ok(r && r->dtype == AG_FLOAT16 && el(r, 0) == 1000 && el(r, 1) == 3,
	   "float16 * 1.0004 == torch's [1000, 3]");
	ag_tensor_release(r);
	ag_tensor *h2 = vec(AG_FLOAT16, 2, (double[]){ 0.1, 0.2 });
	ag_tensor *h3 = vec(AG_FLOAT16, 2, (double[]){ 0.3, 0.7 });
	r = ag_add(h2, h3);
	ok(r && el(r, 0) == 0.39990234375 && el(r, 1) == 0.900390625,
	   "float16 + float16 rounds like torch");
	ag_tensor_release(r);
	ag_tensor *g2 = vec(AG_BFLOAT16, 2, (double[]){ 0.1, 0.2 });
	ag_tensor *g3 = vec(AG_BFLOAT16, 2, (double[]){ 0.3, 0.7 });
	r = ag_mul(g2, g3);
	ok(r && el(r, 0) == 0.0301513671875 && el(r, 1) == 0.1396484375,
	   "bfloat16 * bfloat16 rounds like torch");
	ag_tensor_release(r);

	/* an int64 input is cast to the 16-bit compute dtype first (torch) */
	ag_tensor *g1 = vec(AG_BFLOAT16, 1, (double[]){ 1 });
	ag_tensor *i257 = vec(AG_INT64, 1, (double[]){ 257 });
	r = ag_add(g1, i257);
	ok(r && r->dtype == AG_BFLOAT16 && el(r, 0) == 256,
	   "bfloat16 1 + int64 257 == torch's 256");
	ag_tensor_release(r);
	r = ag_add(i257, g1);
	ok(r && r->dtype == AG_BFLOAT16 && el(r, 0) == 256,
	   "int64 257 + bfloat16 1 == torch's 256");
	ag_tensor_release(r);
	ag_tensor *hh = vec(AG_FLOAT16, 1, (double[]){ 0.5 });
	ag_tensor *i2049 = vec(AG_INT64, 1, (double[]){ 2049 });
	ag_tensor *o32 = ag_tensor_alloc((int64_t[]){ 1 }, 1, AG_FLOAT32);
	ok(ag_binary_out(AG_OP_ADD, o32, hh, i2049) == 0 && el(o32, 0) == 2048,
	   "add(half 0.5, int64 2049, out=float32) == torch's 2048");
	ag_tensor_release(g1);
	ag_tensor_release(i257);
	ag_tensor_release(hh);
	ag_tensor_release(i2049);
	ag_tensor_release(o32);

	/* pow by a number */
	r = ag_pow_scalar(i, -1);
	ok(fails_with(r, AG_ERR_VALUE,
		      "Integers to negative integer powers are not allowed."),
	   "int64 ^ -1 fails like torch");
	ag_tensor *m1 = mk(AG_INT64, 0, NULL, (double[]){ -1 });
	r = ag_pow(i, m1);
	ok(r && r->dtype == AG_INT64 && el_i64(r, 0) == 1 && el_i64(r, 1) == 0,
	   "int64 ^ 0-d int64 tensor -1 computes (torch's [1, 0, 0])");
	ag_tensor_release(r);
	r = ag_pow_scalar(i, -1.5);
	ok(r && r->dtype == AG_FLOAT32 && close_to(el(r, 1), pow(2, -1.5),
						  AG_FLOAT32), "int64 ^ -1.5 is float32");
	ag_tensor_release(r);
	r = ag_pow_scalar(i, 2);
	ok(r && r->dtype == AG_INT64 && el_i64(r, 2) == 9, "int64 ^ 2 stays int64");
	ag_tensor_release(r);
	ag_tensor *fx = vec(AG_FLOAT32, 3, (double[]){ 1.1, 2.2, 3.3 });
	r = ag_pow_scalar(fx, 2);
	ok(r && el(r, 0) == 1.2100000381469727 && el(r, 1) == 4.840000152587891 &&
	   el(r, 2) == 10.889999389648438, "float32 ^ 2 is exactly x * x");
	ag_tensor_release(r);
	r = ag_pow_scalar(fx, 3);
	ok(r && el(r, 0) == 1.3310000896453857 && el(r, 1) == 10.648000717163086 &&
	   el(r, 2) == 35.93699645996094, "float32 ^ 3 matches torch exactly");
	ag_tensor_release(r);
	r = ag_pow_scalar(fx, 0.5);
	ok(r && el(r, 1) == sqrtf(2.2f), "float32 ^ 0.5 is sqrt");
	ag_tensor_release(r);

	/* a number as the base (Lua's 2 ^ x) */
	ag_tensor *ex = vec(AG_INT64, 2, (double[]){ -1, 3 });
	ag_tensor *n2 = num(AG_INT64, 2), *n25 = num(AG_FLOAT64, 2.5);
	r = ag_pow(n2, ex);
	ok(r && r->dtype == AG_INT64 && el_i64(r, 0) == 0 && el_i64(r, 1) == 8,
	   "2 ^ int64 [-1, 3] == torch's [0, 8]");
	ag_tensor_release(r);
	r = ag_pow(n25, ex);
	double w25[2] = { 0.4, 15.625 };
	ok(r && r->dtype == AG_FLOAT32 && values_are(r, w25, 2),
	   "2.5 ^ int64 [-1, 3] == torch's float32 [0.4, 15.625]");
	ag_tensor_release(r);
	ag_tensor_release(ex);
	ag_tensor_release(n2);
	ag_tensor_release(n25);

	/* integer wrap-around, as torch */
	ag_tensor *big = vec(AG_INT64, 1, (double[]){ 4611686018427387904.0 });
	r = ag_mul_scalar(big, 4);
	ok(r && el_i64(r, 0) == 0, "2^62 * 4 wraps to 0");
	ag_tensor_release(r);
	ag_tensor *mn = ag_tensor_alloc((int64_t[]){ 1 }, 1, AG_INT64);
	*(int64_t *)ag_data_ptr(mn) = INT64_MIN;
	r = ag_neg(mn);
	ok(r && el_i64(r, 0) == INT64_MIN, "neg(INT64_MIN) stays INT64_MIN");
	ag_tensor_release(r);
	r = ag_unary(AG_OP_ABS, mn);
	ok(r && el_i64(r, 0) == INT64_MIN, "abs(INT64_MIN) stays INT64_MIN");
	ag_tensor_release(r);
	ag_tensor *b3 = vec(AG_INT64, 2, (double[]){ 3, 4 });
	ag_tensor *e40 = vec(AG_INT64, 2, (double[]){ 40, 2 });
	r = ag_pow(b3, e40);
	ok(r && el_i64(r, 0) == -6289078614652622815LL && el_i64(r, 1) == 16,
	   "3 ^ 40 wraps like torch");
	ag_tensor_release(r);
	ag_tensor *bs = vec(AG_INT64, 6, (double[]){ 0, -1, -2, 1, 2, -3 });
	ag_tensor *es = vec(AG_INT64, 6, (double[]){ -1, -3, -1, -5, -2, 2 });
	r = ag_pow(bs, es);
	double wpow[6] = { 0, -1, 0, 1, 0, 9 };
	ok(r && values_are(r, wpow, 6), "int64 tensor ^ negative int64 tensor as torch");
	ag_tensor_release(r);
	ag_tensor *bb = vec(AG_BOOL, 2, (double[]){ 1, 0 });
	r = ag_pow_scalar(bb, 2);
	ok(r && r->dtype == AG_INT64 && el_i64(r, 0) == 1 && el_i64(r, 1) == 0,
	   "bool ^ 2 is int64");
	ag_tensor_release(r);
	r = ag_pow_scalar(bb, -2);
	ok(fails_with(r, AG_ERR_VALUE,
		      "Integers to negative integer powers are not allowed."),
	   "bool ^ -2 fails like torch");

	ag_tensor *objs[] = { i, f, h, h2, h3, g2, g3, m1, fx, big, mn, b3, e40,
			      bs, es, bb };
	for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
		ag_tensor_release(objs[k]);
}

/* -------------------------------------------------------------- clamp */

static void test_clamp(void)
{
	ag_tensor *f = vec(AG_FLOAT32, 4, (double[]){ NAN, -0.0, -1, 5 }), *r;

	r = ag_clamp(f, -0.5, 2);
	double w1[4] = { NAN, -0.0, -0.5, 2 };
	ok(r && values_are(r, w1, 4), "clamp(-0.5, 2) keeps NaN and -0.0 (torch)");
	ag_tensor_release(r);
	r = ag_clamp(f, NAN, 1);
	double w2[4] = { NAN, -0.0, -1, 1 };
	ok(r && values_are(r, w2, 4), "clamp(max=1)");
	ag_tensor_release(r);
	r = ag_clamp(f, 0, NAN);
	double w3[4] = { NAN, -0.0, 0, 5 };
	ok(r && values_are(r, w3, 4), "clamp(min=0)");
	ag_tensor_release(r);
	ag_tensor *i = vec(AG_INT64, 3, (double[]){ 1, 2, 5 });
	r = ag_clamp(i, 3, 2);
	ok(r && r->dtype == AG_INT64 && el_i64(r, 0) == 2 && el_i64(r, 2) == 2,
	   "min > max gives max everywhere, as torch");
	ag_tensor_release(r);
	r = ag_clamp(i, 0.5, 2.5);
	double w4[3] = { 1, 2, 2.5 };
	ok(r && r->dtype == AG_FLOAT32 && values_are(r, w4, 3),
	   "int64 clamp(0.5, 2.5) is float32 [1, 2, 2.5]");
	ag_tensor_release(r);
	ag_tensor *b = vec(AG_BOOL, 2, (double[]){ 1, 0 });
	r = ag_clamp(b, 0, NAN);
	ok(r && r->dtype == AG_INT64 && el_i64(r, 0) == 1 && el_i64(r, 1) == 0,
	   "bool clamp(0) is int64, as torch");
	ag_tensor_release(r);
	ag_tensor *h = vec(AG_FLOAT16, 3, (double[]){ 0.1, 0.5, 0.7 });
	r = ag_clamp(h, 0.3, 0.6);
	double w6[3] = { 0.2998046875, 0.5, 0.60009765625 };
	ok(r && r->dtype == AG_FLOAT16 && values_are(r, w6, 3),
	   "float16 clamp: float32's result rounded to float16 (issue 13)");
	ag_tensor_release(r);
	ag_tensor *bh = vec(AG_BFLOAT16, 3, (double[]){ 0.1, 0.5, 0.7 });
	r = ag_clamp(bh, 0.3, 0.6);
	double w5[3] = { 0.30078125, 0.5, 0.6015625 };
	ok(r && r->dtype == AG_BFLOAT16 && values_are(r, w5, 3),
	   "bfloat16 clamp with the bounds rounded to bfloat16");
	ag_tensor_release(r);
	ag_tensor_release(bh);
	r = ag_clamp(f, NAN, NAN);
	ok(fails_with(r, AG_ERR_VALUE,
		      "torch.clamp: At least one of 'min' or 'max' must not be None"),
	   "clamp without bounds fails like torch");

	int64_t v = f->version->value;
	ok(ag_clamp_(f, 0, 1) == 0 && el(f, 2) == 0 && el(f, 3) == 1 &&
	   f->version->value == v + 1, "clamp_ writes and bumps the version");
	ok(rc_fails_with(ag_clamp_(i, 0.5, NAN), AG_ERR_DTYPE,
			 "result type Float can't be cast to the desired output "
			 "type long int"), "int64 clamp_(0.5) fails with torch's text");
	ok(rc_fails_with(ag_clamp_(b, 0, NAN), AG_ERR_DTYPE,
			 "result type Long can't be cast to the desired output "
			 "type bool"), "bool clamp_(0) fails with torch's text");
	ok(ag_clamp_(i, 0, 1) == 0 && el_i64(i, 2) == 1 && i->dtype == AG_INT64,
	   "int64 clamp_(0, 1)");
	ok(rc_fails_with(ag_clamp_(f, NAN, NAN), AG_ERR_VALUE,
			 "torch.clamp: At least one of 'min' or 'max' must not "
			 "be None"), "clamp_ without bounds fails");
	ok(ag_clamp(NULL, 0, 1) == NULL && ag_clamp_(NULL, 0, 1) < 0,
	   "clamp of NULL is an error, not a crash");
	ag_error_clear();
	ag_tensor_release(f);
	ag_tensor_release(i);
	ag_tensor_release(b);
	ag_tensor_release(h);
}

/* -------------------------------------------------------------- where */

static void test_where(void)
{
	int64_t s21[2] = { 2, 1 };
	ag_tensor *c = mk(AG_BOOL, 2, s21, (double[]){ 1, 0 });
	ag_tensor *a = vec(AG_INT64, 3, (double[]){ 1, 2, 3 });
	ag_tensor *b2 = vec(AG_INT64, 2, (double[]){ 4, 5 });
	ag_tensor *wf = num(AG_FLOAT64, 2.5);
	ag_tensor *zd = mk(AG_FLOAT64, 0, NULL, (double[]){ 2.5 });
	ag_tensor *cl = vec(AG_INT64, 2, (double[]){ 1, 0 });
	ag_tensor *cf = vec(AG_FLOAT32, 2, (double[]){ 1, 0 });
	ag_tensor *r;

	r = ag_where(c, a, wf);
	double w1[6] = { 1, 2, 3, 2.5, 2.5, 2.5 };
	ok(r && r->dtype == AG_FLOAT32 && r->ndim == 2 && values_are(r, w1, 6),
	   "where(cond [2, 1], int64 [3], 2.5) is float32 [2, 3]");
	ag_tensor_release(r);
	r = ag_where(c, a, zd);
	ok(r && r->dtype == AG_FLOAT64 && values_are(r, w1, 6),
	   "a 0-d float64 operand makes where float64, as torch");
	ag_tensor_release(r);
	r = ag_where(c, a, b2);
	ok(fails_with(r, AG_ERR_SHAPE, "The size of tensor a (3) must match the "
		      "size of tensor b (2) at non-singleton dimension 1"),
	   "where folds the shapes like torch");
	r = ag_where(cl, a, a);
	ok(fails_with(r, AG_ERR_DTYPE, "where expected condition to be a boolean "
		      "tensor, but got a tensor with dtype Long"),
	   "int64 condition fails like torch");
	r = ag_where(cf, a, a);
	ok(fails_with(r, AG_ERR_DTYPE, "where expected condition to be a boolean "
		      "tensor, but got a tensor with dtype Float"),
	   "float32 condition fails like torch");
	ok(ag_where(NULL, a, a) == NULL, "where of NULL is an error");
	ag_error_clear();

	/* non-contiguous everything: a transposed condition and operands */
	int64_t s23[2] = { 2, 3 };
	ag_tensor *cc = mk(AG_BOOL, 2, s23, (double[]){ 1, 0, 1, 0, 1, 0 });
	ag_tensor *x = mk(AG_FLOAT16, 2, s23, (double[]){ 1, 2, 3, 4, 5, 6 });
	ag_tensor *y = mk(AG_FLOAT32, 2, s23, (double[]){ -1, -2, -3, -4, -5, -6 });
	ag_tensor *cct = ag_t(cc), *xt = ag_t(x), *yt = ag_t(y);
	r = ag_where(cct, xt, yt);
	double w2[6] = { 1, -4, -2, 5, 3, -6 };
	ok(r && r->dtype == AG_FLOAT32 && values_are(r, w2, 6),
	   "where over transposed float16/float32 operands");
	ag_tensor_release(r);

	ag_tensor *objs[] = { c, a, b2, wf, zd, cl, cf, cc, x, y, cct, xt, yt };
	for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
		ag_tensor_release(objs[k]);
}

/* ------------------------------------------------------------ misc */

static void test_names_and_nulls(void)
{
	is_str(ag_op_name(AG_OP_EXP), "exp", "unary name");
	is_str(ag_op_name(AG_OP_SIGMOID), "sigmoid", "unary name sigmoid");
	is_str(ag_op_name(AG_OP_ADD), "add", "binary name");
	is_str(ag_op_name(AG_OP_GE), "ge", "binary name ge");
	is_str(ag_op_name(AG_OP_COUNT), "?", "out-of-range unary name");
	ag_tensor *one = vec(AG_FLOAT32, 1, (double[]){ 1 });
	ok(ag_binary(AG_OP_ADD, NULL, one) == NULL && ag_error_code() == AG_ERR_VALUE,
	   "add(NULL, x) is an error");
	ok(ag_unary(AG_OP_EXP, NULL) == NULL && ag_unary_(AG_OP_EXP, NULL) < 0 &&
	   ag_binary_(AG_OP_ADD, NULL, one) < 0, "NULL self is an error");
	ok(ag_binary(AG_OP_COUNT, one, one) == NULL &&
	   ag_unary((ag_op)(AG_OP_COUNT + 1), one) == NULL, "unknown ops are errors");
	ag_error_clear();
	ag_tensor_release(one);
}

/* float16/bfloat16 ops run a block at a time: operands widened to float32
 * (by AVX2/F16C when the CPU has them), the float32 loop, results rounded
 * back.  Both paths against widening, computing and rounding element by
 * element with the scalar conversions, bit for bit: values across the
 * range with NaN, infinities, subnormals and exact ties, runs that are no
 * multiple of a vector, a broadcast operand and transposed layouts. */
static uint16_t half_bits(ag_dtype dt, float f)
{
	return dt == AG_FLOAT16 ? ag_float_to_half(f) : ag_float_to_bf16(f);
}

static float half_value(ag_dtype dt, uint16_t h)
{
	return dt == AG_FLOAT16 ? ag_half_to_float(h) : ag_bf16_to_float(h);
}

/* The 16 bits of element i (row-major, logical) of a float16/bfloat16 t. */
static uint16_t raw16(const ag_tensor *t, int64_t i)
{
	int64_t off = 0;
	for (int d = t->ndim - 1; d >= 0; d--) {
		off += (i % t->shape[d]) * t->stride[d];
		i /= t->shape[d];
	}
	return ((const uint16_t *)ag_data_ptr(t))[off];
}

static void test_half_paths(void)
{
	static const ag_dtype dts[] = { AG_FLOAT16, AG_BFLOAT16 };
	static const ag_op ops[] = { AG_OP_ADD, AG_OP_SUB, AG_OP_MUL, AG_OP_DIV };
	int64_t shape[2] = { 45, 23 }, n = 45 * 23;
	for (int pass = 0; pass < 2; pass++) {
		ag_simd_set_enabled(pass == 0);
		for (size_t d = 0; d < 2; d++) {
			ag_dtype dt = dts[d];
			ag_tensor *a = ag_tensor_alloc(shape, 2, dt), *b = ag_tensor_alloc(shape, 2, dt);
			uint16_t *pa = ag_data_ptr(a), *pb = ag_data_ptr(b);
			for (int64_t i = 0; i < n; i++) {	/* every bit pattern's neighbourhood */
				pa[i] = (uint16_t)(i * 40503u);
				pb[i] = (uint16_t)(i * 2654435761u >> 16);
			}
			pa[3] = 0x7c01, pb[4] = 0xfe00;	/* NaNs (signalling, quiet) */
			pa[5] = half_bits(dt, INFINITY), pb[5] = half_bits(dt, INFINITY);
			pa[6] = 0x0001, pb[6] = 0x0001;	/* the smallest subnormals */
			ag_tensor *at = ag_t(a), *bt = ag_t(b), *btc = ag_contiguous(bt);
			ag_tensor *two = num(dt, 0.1);
			struct { ag_tensor *x, *y; const char *what; } cases[] = {
				{ a, b, "dense" }, { at, bt, "transposed" },
				{ at, btc, "transposed with dense" }, { a, two, "with a number" },
			};
			for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
				for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
					ag_tensor *r = ag_binary(ops[k], cases[c].x, cases[c].y);
					int64_t bad = 0, m = r ? ag_numel(r) : 0;
					for (int64_t i = 0; r && i < m; i++) {
						float x = half_value(dt, raw16(cases[c].x, i));
						float y = half_value(dt, raw16(cases[c].y, i));
						float z = ops[k] == AG_OP_ADD ? x + y : ops[k] == AG_OP_SUB ? x - y
							: ops[k] == AG_OP_MUL ? x * y : x / y;
						if (raw16(r, i) != half_bits(dt, z))
							bad++;
					}
					ok(r && bad == 0, "%s path, %s %s %s: %lld of %lld differ",
					   pass ? "portable" : "vector", ag_dtype_name(dt),
					   ag_op_name(ops[k]), cases[c].what, (long long)bad,
					   (long long)m);
					ag_tensor_release(r);
				}
			ag_tensor *objs[] = { a, b, at, bt, btc, two };
			for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
				ag_tensor_release(objs[i]);
		}
	}
	ag_simd_set_enabled(true);
}

int main(void)
{
	plan_lazy();
	run_binary_table(false);
	run_binary_table(true);
	run_unary_table(false);
	run_unary_table(true);
	test_layouts();
	test_paths_agree();
	test_half_paths();
	test_inplace();
	test_out();
	test_numbers();
	test_clamp();
	test_where();
	test_names_and_nulls();
	is_int(ag_registry_count(), 0, "no tensor leaked");
	return done_testing();
}
