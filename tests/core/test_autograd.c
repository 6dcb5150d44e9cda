/* test_autograd.c - the engine, nodes, saved tensors, hooks, observers. */
#include "../tap.h"
#include "elements.h"
#include "internal.h"
#include "autograd.h"
#include "simd.h"
#include "grad_stats_ref.h"

static ag_tensor *vec(const double *v, int64_t n, ag_dtype dt)
{
	ag_tensor *t = ag_tensor_alloc(&n, 1, dt);
	for (int64_t i = 0; i < n; i++)
		ag_store((char *)ag_data_ptr(t) + i * (int64_t)ag_dtype_size(dt), dt, v[i]);
	return t;
}

static ag_tensor *num(double v) { return ag_wrapped_number(v, false); }

/* The grad_fn name of t, or "" (never crashes a test on a missing node). */
static const char *fn_name(ag_tensor *t)
{
	ag_node *n = t ? ag_grad_fn(t) : NULL;
	return n ? ag_node_name(n) : "";
}

static void test_seed_tutorial(void)
{
	int64_t s22[] = { 2, 2 };
	ag_tensor *x = ag_ones(s22, 2, AG_FLOAT32);
	ok(ag_set_requires_grad(x, true) == 0, "x.requires_grad = true");
	ag_tensor *two = num(2), *three = num(3);
	ag_tensor *y = ag_add(x, two);
	ok(y && y->grad_fn && strcmp(fn_name(y), "AddBackward0") == 0,
	   "y = x + 2 has AddBackward0");
	ag_tensor *yy = ag_mul(y, y);
	ag_tensor *z = ag_mul(yy, three);
	ok(strcmp(fn_name(z), "MulBackward0") == 0, "z has MulBackward0");
	ag_tensor *out = ag_mean(z);
	ok(strcmp(fn_name(out), "MeanBackward0") == 0, "out has MeanBackward0");
	is_num(el(out, 0), 27, 0, "out = 27");

	ag_node *acc = ag_node_next(y->grad_fn, 0).fn;
	ok(acc && strcmp(ag_node_name(acc), "AccumulateGrad") == 0, "y's next is AccumulateGrad");
	ok(ag_node_next_count(y->grad_fn) == 2 && ag_node_next(y->grad_fn, 1).fn == NULL,
	   "the number 2 has no edge (nil in next_functions)");
	ok(!ag_is_leaf(y) && ag_is_leaf(x), "x is a leaf, y is not");

	ok(ag_backward(&out, NULL, 1, false, false) == 0, "out.backward()");
	ok(x->grad && x->grad->ndim == 2, "x.grad exists");
	for (int i = 0; i < 4; i++)
		is_num(el(x->grad, i), 4.5, 1e-6, "x.grad[%d] = 4.5", i);
	ok(y->grad == NULL, "non-leaf y has no .grad");

	ok(ag_backward(&out, NULL, 1, false, false) == -1, "a second backward fails");
	ok(strstr(ag_error_message(), "Trying to backward through the graph a second "
		  "time (or directly access saved tensors after they have already "
		  "been freed).") == ag_error_message(), "with PyTorch's text");

	ag_tensor *objs[] = { x, two, three, y, yy, z, out };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_accumulate_and_retain(void)
{
	double v[] = { 1, 2, 3 };
	ag_tensor *x = vec(v, 3, AG_FLOAT32);
	ag_set_requires_grad(x, true);
	ag_tensor *k = num(2);
	ag_tensor *y = ag_mul(x, k);
	ag_tensor *s = ag_sum(y);
	ok(ag_retain_grad(y) == 0, "y.retain_grad()");
	ok(ag_backward(&s, NULL, 1, true, false) == 0, "backward with retain_graph");
	ok(ag_backward(&s, NULL, 1, false, false) == 0, "and again");
	is_num(el(x->grad, 1), 4, 0, ".grad accumulates: 2 + 2");
	ok(y->grad && el(y->grad, 0) == 2, "retained grad of y accumulates too");

	/* nodes that saved nothing can run again */
	ag_tensor *a = ag_add(x, k), *sa = ag_sum(a);
	ok(ag_backward(&sa, NULL, 1, false, false) == 0 &&
	   ag_backward(&sa, NULL, 1, false, false) == 0,
	   "a graph that saved nothing runs twice");
	is_num(el(x->grad, 0), 6, 0, "and accumulates");
	ag_set_grad(x, NULL);
	ok(x->grad == NULL, "x.grad = nil clears");

	ag_tensor *objs[] = { x, k, y, s, a, sa };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_root_errors(void)
{
	double v[] = { 1, 2, 3 };
	ag_tensor *x = vec(v, 3, AG_FLOAT32);
	ok(ag_backward(&x, NULL, 1, false, false) == -1, "backward of a constant fails");
	is_str(ag_error_message(), "element 0 of tensors does not require grad and "
	       "does not have a grad_fn", "PyTorch's text");
	ag_set_requires_grad(x, true);
	ag_tensor *k = num(3), *y = ag_mul(x, k);
	ok(ag_backward(&y, NULL, 1, false, false) == -1, "implicit grad of a vector fails");
	is_str(ag_error_message(), "grad can be implicitly created only for scalar "
	       "outputs", "PyTorch's text");
	double gv[] = { 1, 1 };
	ag_tensor *g2 = vec(gv, 2, AG_FLOAT32);
	ok(ag_backward(&y, &g2, 1, false, false) == -1, "wrong-shape gradient fails");
	is_str(ag_error_message(), "Mismatch in shape: grad_output[0] has a shape of "
	       "torch.Size([2]) and output[0] has a shape of torch.Size([3]).",
	       "PyTorch's text");
	double g3v[] = { 1, 10, 100 };
	ag_tensor *g3 = vec(g3v, 3, AG_FLOAT32);
	ok(ag_backward(&y, &g3, 1, false, false) == 0, "backward(gradient): a VJP");
	is_num(el(x->grad, 2), 300, 0, "x.grad = 3 * gradient");

	int64_t s[] = { 2 };
	ag_tensor *iv = ag_zeros(s, 1, AG_INT64);
	ok(ag_set_requires_grad(iv, true) == -1, "int tensors cannot require grad");
	is_str(ag_error_message(), "only Tensors of floating point dtype can require "
	       "gradients", "PyTorch's text");
	ok(ag_set_requires_grad(y, false) == -1, "cannot clear requires_grad of a non-leaf");
	ok(strstr(ag_error_message(), "you can only change requires_grad flags of "
		  "leaf variables.") != NULL, "PyTorch's text");

	ag_tensor *objs[] = { x, k, y, g2, g3, iv };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_create_graph(void)
{
	double v[] = { 1, 2, 3 };
	ag_tensor *x = vec(v, 3, AG_FLOAT64);
	ag_set_requires_grad(x, true);
	ag_tensor *three = num(3), *c = ag_pow(x, three), *s = ag_sum(c);
	ag_backward_options opt = { .create_graph = true, .retain_graph = true,
				    .inputs = &x, .ninputs = 1 };
	ag_engine *e = ag_engine_begin(&s, NULL, 1, &opt);
	ok(e && ag_engine_run(e) == 0, "autograd.grad with create_graph");
	ag_tensor *g = ag_engine_result(e, 0);
	ag_engine_free(e);
	ok(g && ag_requires_grad(g), "the gradient requires grad");
	is_num(el(g, 1), 12, 1e-12, "d/dx sum(x^3) = 3x^2 = 12 at 2");
	ok(x->grad == NULL, "autograd.grad leaves .grad alone");
	ag_tensor *gs = ag_sum(g);
	ok(ag_backward(&gs, NULL, 1, false, false) == 0, "backward through the gradient");
	for (int i = 0; i < 3; i++)
		is_num(el(x->grad, i), 6 * v[i], 1e-12, "d2/dx2 = 6x at %g", v[i]);

	/* unused inputs */
	double w0[] = { 5 };
	ag_tensor *w = vec(w0, 1, AG_FLOAT64);
	ag_set_requires_grad(w, true);
	ag_tensor *ins[2] = { x, w };
	ag_tensor *s2 = ag_sum(c);
	ag_backward_options o2 = { .inputs = ins, .ninputs = 2 };
	e = ag_engine_begin(&s2, NULL, 1, &o2);
	ok(e && ag_engine_run(e) == -1, "an unused input fails");
	is_str(ag_error_message(), "One of the differentiated Tensors appears to not "
	       "have been used in the graph. Set allow_unused=True if this is the "
	       "desired behavior.", "PyTorch's text");
	ag_engine_free(e);
	o2.allow_unused = true;
	ag_tensor *s3 = ag_sum(c);
	e = ag_engine_begin(&s3, NULL, 1, &o2);
	ok(e && ag_engine_run(e) == 0, "allow_unused");
	ag_tensor *r0 = ag_engine_result(e, 0), *r1 = ag_engine_result(e, 1);
	ok(r0 && !r1, "the unused input's gradient is nil");
	ag_engine_free(e);

	ag_tensor *objs[] = { x, three, c, s, g, gs, w, s2, s3, r0 };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_version_checks(void)
{
	double v[] = { 0, 1, 2 };
	ag_tensor *x = vec(v, 3, AG_FLOAT32);
	ag_set_requires_grad(x, true);
	ag_tensor *y = ag_unary(AG_OP_SIGMOID, x);
	ag_tensor *two = num(2);
	ok(ag_binary_(AG_OP_MUL, y, two) == 0, "y.mul_(2) on a non-leaf is allowed");
	is_int(y->version->value, 1, "and bumps the version");
	ag_tensor *s = ag_sum(y);
	ok(ag_backward(&s, NULL, 1, false, false) == -1, "backward then fails");
	is_str(ag_error_message(), "one of the variables needed for gradient "
	       "computation has been modified by an inplace operation: "
	       "[torch.FloatTensor [3]], which is output 0 of SigmoidBackward0, is "
	       "at version 1; expected version 0 instead. Hint: enable anomaly "
	       "detection to find the operation that failed to compute its "
	       "gradient, with torch.autograd.set_detect_anomaly(True).",
	       "PyTorch's full text");

	/* exp saves its result, so changing its input afterwards is fine */
	ag_tensor *a = ag_mul(x, two), *e = ag_exp(a);
	ok(ag_binary_(AG_OP_ADD, a, two) == 0, "modify exp's input");
	ag_tensor *se = ag_sum(e);
	ok(ag_backward(&se, NULL, 1, false, false) == 0, "exp's backward still works");

	/* leaf checks */
	ok(ag_binary_(AG_OP_MUL, x, two) == -1, "in-place on a leaf requiring grad fails");
	is_str(ag_error_message(), "a leaf Variable that requires grad is being used "
	       "in an in-place operation.", "PyTorch's text");
	ag_tensor *xv = ag_slice(x, 0, 1, 3, 1);
	ok(ag_binary_(AG_OP_MUL, xv, two) == -1, "in-place on a view of such a leaf fails");
	is_str(ag_error_message(), "a view of a leaf Variable that requires grad is "
	       "being used in an in-place operation.", "PyTorch's text");
	bool prev = ag_set_grad_enabled(false);
	ok(ag_binary_(AG_OP_MUL, x, two) == 0, "allowed under no_grad");
	ag_set_grad_enabled(prev);

	ag_tensor *objs[] = { x, y, two, s, a, e, se, xv };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_copy_slices(void)
{
	/* y = x * 1; y[1:] *= w; loss = sum(y * c): PyTorch gives
	 * x.grad = [c0, c1*w, c2*w], w.grad = sum(c[1:] * x[1:]) */
	double xv[] = { 1, 2, 3 }, cv[] = { 10, 20, 30 }, wv[] = { 4 };
	ag_tensor *x = vec(xv, 3, AG_FLOAT64), *c = vec(cv, 3, AG_FLOAT64);
	ag_tensor *w = vec(wv, 1, AG_FLOAT64);
	ag_set_requires_grad(x, true);
	ag_set_requires_grad(w, true);
	ag_tensor *one = num(1), *y = ag_mul(x, one);
	ag_tensor *v = ag_slice(y, 0, 1, 3, 1);
	ok(strcmp(fn_name(v), "SliceBackward0") == 0, "y[1:] is SliceBackward0");
	ok(ag_binary_(AG_OP_MUL, v, w) == 0, "v.mul_(w)");
	ok(strcmp(fn_name(y), "CopySlices") == 0, "y's history became CopySlices");
	ok(strcmp(fn_name(v), "AsStridedBackward0") == 0,
	   "v's grad_fn is AsStridedBackward0");
	is_num(el(y, 2), 12, 0, "y[2] = 3 * 4");
	ag_tensor *p = ag_mul(y, c), *s = ag_sum(p);
	ok(ag_backward(&s, NULL, 1, false, false) == 0, "backward through CopySlices");
	is_num(el(x->grad, 0), 10, 1e-12, "x.grad[0] = 10");
	is_num(el(x->grad, 1), 80, 1e-12, "x.grad[1] = 20 * 4");
	is_num(el(x->grad, 2), 120, 1e-12, "x.grad[2] = 30 * 4");
	is_num(el(w->grad, 0), 20 * 2 + 30 * 3, 1e-12, "w.grad = 130");

	/* x[spec] = tensor through copy_ on a view */
	ag_tensor *z = ag_zeros((int64_t[]){ 3 }, 1, AG_FLOAT64);
	ag_tensor *zv = ag_slice(z, 0, 0, 1, 1);
	ag_tensor *w1 = ag_mul(w, one);
	ok(ag_copy_(zv, w1) == 0, "z[0:1] = w * 1");
	ok(ag_requires_grad(z) && strcmp(fn_name(z), "CopySlices") == 0,
	   "z now requires grad through CopySlices");
	ag_tensor *zs = ag_sum(z);
	ag_set_grad(w, NULL);
	ok(ag_backward(&zs, NULL, 1, false, false) == 0, "backward");
	is_num(el(w->grad, 0), 1, 0, "w.grad = 1");

	ag_tensor *objs[] = { x, c, w, one, y, v, p, s, z, zv, w1, zs };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static int hook_double(void *ud, ag_tensor *g, ag_tensor **out)
{
	(*(int *)ud)++;
	ag_tensor *two = num(2);
	*out = ag_mul(g, two);
	ag_tensor_release(two);
	return *out ? 0 : -1;
}

static int hook_fail(void *ud, ag_tensor *g, ag_tensor **out)
{
	AG_UNUSED(ud); AG_UNUSED(g); AG_UNUSED(out);
	return ag_error(AG_ERR_RUNTIME, "hook says no");
}

static void test_hooks(void)
{
	double v[] = { 1, 2 };
	int calls = 0;
	ag_tensor *x = vec(v, 2, AG_FLOAT32);
	ag_set_requires_grad(x, true);
	ag_hook *h = calloc(1, sizeof *h);
	h->tensor_fn = hook_double;
	h->ud = &calls;
	int id = ag_tensor_add_hook(x, h);
	ok(id > 0 && ag_tensor_has_hooks(x) && !ag_tensor_hooks_node(x),
	   "hook on a leaf lives on the tensor");
	ag_tensor *k = num(3), *y = ag_mul(x, k), *s = ag_sum(y);
	ok(ag_backward(&s, NULL, 1, false, false) == 0, "backward with a leaf hook");
	is_int(calls, 1, "the hook ran once");
	is_num(el(x->grad, 0), 6, 0, "the hook's result replaced the gradient");
	ok(ag_tensor_remove_hook(x, id), "remove the hook");

	ag_hook *f = calloc(1, sizeof *f);
	f->tensor_fn = hook_fail;
	ag_tensor *y2 = ag_mul(x, k);
	int fid = ag_tensor_add_hook(y2, f);
	ok(fid > 0 && ag_tensor_hooks_node(y2) == y2->grad_fn,
	   "hook on a non-leaf lives on its grad_fn");
	ag_tensor *s2 = ag_sum(y2);
	ok(ag_backward(&s2, NULL, 1, false, false) == -1, "a failing hook fails backward");
	is_str(ag_error_message(), "hook says no", "with the hook's error");
	ok(ag_tensor_remove_hook(y2, fid), "remove it through the tensor");
	ok(ag_backward(&s2, NULL, 1, false, false) == 0,
	   "the graph is intact: backward works after the failure");

	ag_tensor *objs[] = { x, k, y, s, y2, s2 };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static int ev_nodes, ev_acc, ev_begin, ev_end;
static double last_mean;
static void observer(const ag_backward_event *ev, void *ud)
{
	AG_UNUSED(ud);
	switch (ev->kind) {
	case AG_EV_BEGIN: ev_begin++; break;
	case AG_EV_END: ev_end++; break;
	case AG_EV_NODE: ev_nodes++; last_mean = ev->in[0].mean_abs; break;
	case AG_EV_ACCUMULATE: ev_acc++; break;
	}
}

static void test_stepper_and_observers(void)
{
	double v[] = { 1, -2 };
	ag_tensor *x = vec(v, 2, AG_FLOAT32);
	ag_set_requires_grad(x, true);
	ag_tensor *k = num(2), *y = ag_mul(x, k), *z = ag_exp(y), *s = ag_sum(z);
	ag_backward_options opt = { 0 };

	ag_set_backward_observer(observer, NULL);
	ag_engine *e = ag_engine_begin(&s, NULL, 1, &opt);
	ok(e != NULL, "begin");
	is_int(ag_engine_pending(e), 4, "4 nodes to run");
	ok(strcmp(ag_node_name(ag_engine_peek(e)), "SumBackward0") == 0, "first: SumBackward0");
	is_int(ag_engine_step(e), 1, "step 1");
	ok(strcmp(ag_node_name(ag_engine_peek(e)), "ExpBackward0") == 0, "next: ExpBackward0");
	is_int(ag_engine_step(e), 1, "step 2");
	ok(strcmp(ag_node_name(ag_engine_peek(e)), "MulBackward0") == 0, "next: MulBackward0");
	ok(x->grad == NULL, "no gradient reached x yet");
	ag_engine_free(e);	/* abandon halfway, as after Ctrl-C */
	ok(ag_backward(&s, NULL, 1, false, false) == 0,
	   "an abandoned pass leaves the graph usable");
	is_num(el(x->grad, 0), 2 * exp(2.0), 1e-4, "x.grad = 2 exp(2x)");
	ok(ev_begin == 2 && ev_end == 2, "begin/end events");
	ok(ev_nodes >= 6 && ev_acc == 1, "node and accumulate events");
	ag_set_backward_observer(NULL, NULL);

	/* interrupt between steps */
	ag_tensor *y2 = ag_mul(x, k), *s2 = ag_sum(y2);
	ag_interrupt();
	ok(ag_backward(&s2, NULL, 1, false, false) == -1 &&
	   ag_error_code() == AG_ERR_INTERRUPT, "Ctrl-C stops backward");
	ok(ag_backward(&s2, NULL, 1, false, false) == 0, "and the graph still runs");

	ag_grad_stats st;
	double gv[] = { 0, 1e-9, -3, NAN, INFINITY };
	ag_tensor *g = vec(gv, 5, AG_FLOAT32);
	ag_grad_stats_compute(g, &st);
	ok(st.n_nan == 1 && st.n_inf == 1 && st.n_zero == 1 && st.n_fp16_underflow == 1,
	   "gradient statistics count nan, inf, zero, fp16 underflow");
	is_num(st.max_abs, 3, 0, "max |g|");
	AG_UNUSED(last_mean);

	ag_tensor *objs[] = { x, k, y, z, s, g, y2, s2 };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

/* The one-pass statistics (vector and portable paths) against the element
 * by element reference, on every layout a gradient arrives in: dense,
 * transposed, strided, expanded, and runs whose length is no multiple of
 * a vector. */
static void test_grad_stats_layouts(void)
{
	static const ag_dtype dts[] = { AG_FLOAT32, AG_FLOAT64, AG_FLOAT16, AG_BFLOAT16 };
	static const char *names[] = { "float32", "float64", "float16", "bfloat16" };
	int64_t shape[] = { 37, 53 }, n = 37 * 53;
	double *v = malloc((size_t)n * sizeof *v);
	for (int64_t i = 0; i < n; i++)	/* magnitudes from 1e-9 to 1e3 */
		v[i] = (i % 3 ? 1 : -1) * pow(10, (double)(i * 7919 % 120) / 10 - 9);
	v[0] = NAN, v[9] = INFINITY, v[17] = -INFINITY, v[100] = 0, v[n - 1] = NAN;
	v[n - 2] = -0.0, v[n - 3] = 1e-30, v[52] = 0;
	for (int pass = 0; pass < 2; pass++) {
		ag_simd_set_enabled(pass == 0);
		const char *path = pass == 0 ? "vector" : "portable";
		for (size_t d = 0; d < sizeof dts / sizeof *dts; d++) {
			ag_tensor *flat = vec(v, n, dts[d]);
			ag_tensor *m = ag_view(flat, shape, 2);
			ag_tensor *row = ag_narrow(m, 0, 5, 1);
			int64_t big[] = { 64, 37, 53 }, col[] = { 37, 53 };
			ag_tensor *views[] = {
				m, ag_t(m), ag_slice(m, 1, 1, 53, 3), row,
				ag_expand(row, col, 2), ag_expand(m, big, 3),
				ag_narrow(flat, 0, 3, 13),
			};
			static const char *what[] = {
				"dense", "transposed", "every third column", "one row",
				"an expanded row", "an expanded matrix", "13 elements",
			};
			for (size_t k = 0; k < sizeof views / sizeof *views; k++) {
				ag_grad_stats got, want;
				ag_grad_stats_compute(views[k], &got);
				stats_reference(views[k], &want);
				ok(views[k] && stats_agree(&got, &want) &&
				   got.numel == ag_numel(views[k]),
				   "grad stats, %s path, %s, %s: nan %lld inf %lld zero %lld "
				   "tiny %lld mean %.17g max %.17g", path, names[d], what[k],
				   (long long)got.n_nan, (long long)got.n_inf,
				   (long long)got.n_zero, (long long)got.n_fp16_underflow,
				   got.mean_abs, got.max_abs);
				if (k > 0)
					ag_tensor_release(views[k]);
			}
			ag_tensor_release(m);
			ag_tensor_release(flat);
		}
	}
	ag_simd_set_enabled(true);
	free(v);
}

static void test_trace_log(void)
{
	ag_trace_clear();
	double v[] = { 1, 2 };
	ag_tensor *x = vec(v, 2, AG_FLOAT32);
	ag_set_requires_grad(x, true);
	ag_tensor *k = num(2), *y = ag_mul(x, k);
	ag_tensor *d = ag_detach(y);
	bool prev = ag_set_grad_enabled(false);
	ag_tensor *z = ag_mul(y, k);
	ag_set_grad_enabled(prev);
	size_t n = ag_trace_count();
	ok(n >= 3, "three ops traced (%zu)", n);
	const ag_trace_event *e0 = ag_trace_get(n - 3), *e1 = ag_trace_get(n - 2),
			     *e2 = ag_trace_get(n - 1);
	ok(e0 && strcmp(ag_op_name(e0->op), "mul") == 0 && e0->recorded && e0->out[0] == y->id,
	   "mul recorded with an autograd edge");
	ok(e1 && strcmp(ag_op_name(e1->op), "detach") == 0 && !e1->recorded && e1->in[0] == y->id,
	   "detach traced, not recorded");
	ok(e2 && strcmp(ag_op_name(e2->op), "mul") == 0 && !e2->grad_mode && !e2->recorded,
	   "an op under no_grad is traced with grad_mode off");
	ag_trace_enable(false);
	ag_tensor *w = ag_mul(x, k);
	ok(ag_trace_count() == n, "nothing traced when off");
	ag_trace_enable(true);

	ag_tensor *objs[] = { x, k, y, d, z, w };
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		ag_tensor_release(objs[i]);
}

static void test_long_chain_memory(void)
{
	size_t before = ag_registry_count();
	double v[] = { 1 };
	ag_tensor *x = vec(v, 1, AG_FLOAT64);
	ag_set_requires_grad(x, true);
	ag_tensor *k = num(1.0001), *cur = x;
	ag_tensor_retain(cur);
	for (int i = 0; i < 100000; i++) {
		ag_tensor *nx = ag_mul(cur, k);
		ag_tensor_release(cur);
		cur = nx;
	}
	ok(cur != NULL, "a 100,000-node chain");
	ag_tensor *s = ag_sum(cur);
	ok(ag_backward(&s, NULL, 1, false, false) == 0, "backward through it");
	is_num(el(x->grad, 0), pow(1.0001, 100000), 1e-6 * pow(1.0001, 100000), "gradient = 1.0001^100000");
	ag_tensor_release(s);
	ag_tensor_release(cur);
	ag_tensor_release(x);
	ag_tensor_release(k);
	is_int(ag_registry_count(), before, "the whole graph is freed (no stack overflow)");
}

int main(void)
{
	plan_lazy();
	test_seed_tutorial();
	test_accumulate_and_retain();
	test_root_errors();
	test_create_graph();
	test_version_checks();
	test_copy_slices();
	test_hooks();
	test_stepper_and_observers();
	test_grad_stats_layouts();
	test_trace_log();
	test_long_chain_memory();
	return done_testing();
}
