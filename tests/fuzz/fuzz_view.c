/*
 * fuzz_view.c - libFuzzer target: the view and stride arithmetic of core.
 *
 * The input decodes into a storage, an as_strided view of it with chosen
 * (often extreme) sizes, strides and offset, then a chain of view ops
 * (slice, select, narrow, expand, view, reshape, transpose, permute,
 * unsqueeze, squeeze, flatten, t, as_strided, index_view).  After every
 * step either the op failed cleanly (an error code and a message) or the
 * view it made only reaches elements inside its storage.  At the end the
 * view is read whole and compared with a walk of its geometry, the
 * backward of its sum must give every storage element the number of times
 * the view reaches it, and a fill_ must change exactly the elements it
 * reaches.  Any other outcome is a crash for the fuzzer (abort), as is
 * any sanitizer report and any tensor left alive.
 *
 * Built as a libFuzzer target with --enable-fuzzing, and as a corpus
 * replay test (tests/fuzz/replay.c) in every build.
 */
#include "internal.h"
#include "autograd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct reader {
	const uint8_t *p;
	size_t n;
} reader;

static unsigned u8(reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static const int64_t interesting[] = {
	INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, INT64_C(1) << 62,
	-(INT64_C(1) << 62), INT64_C(1) << 32, INT64_C(1) << 31,
	(INT64_C(1) << 31) - 1, INT64_C(1) << 40, INT64_C(1) << 53, 255, 256,
	65536, 1000, -1000, INT64_MAX / 2, INT64_MAX / 3, INT64_MAX / 4 + 1,
};

/* Mostly small numbers, sometimes the limits, sometimes any 64 bits. */
static int64_t rd_int(reader *r)
{
	unsigned b = u8(r);
	if (b < 200)
		return (int64_t)(b % 12) - 3;
	if (b < 245)
		return interesting[b % (sizeof interesting / sizeof *interesting)];
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | u8(r);
	return (int64_t)v;
}

static int rd_ndim(reader *r)
{
	return (int)(u8(r) % (AG_MAX_DIMS + 2));	/* 9 is one too many */
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_view: %s\n", what);
	abort();
}

/* An op that returned NULL must have said why. */
static void check_error(void)
{
	if (ag_error_code() == AG_OK || ag_error_message()[0] == '\0')
		fail("an op failed without an error");
	ag_error_clear();
}

/* Storage offsets (in elements) the view reaches: [lo, hi]; false when it
 * has no element.  Exact in 128 bits, so nothing here can overflow. */
static bool reach(const ag_tensor *t, __int128 *lo, __int128 *hi)
{
	__int128 a = t->offset, b = t->offset;
	for (int i = 0; i < t->ndim; i++) {
		if (t->shape[i] < 0)
			fail("a negative size");
		if (t->shape[i] == 0)
			return false;
		__int128 span = (__int128)(t->shape[i] - 1) * t->stride[i];
		if (span < 0)
			a += span;
		else
			b += span;
	}
	*lo = a;
	*hi = b;
	return true;
}

static int64_t storage_elems(const ag_tensor *t)
{
	return (int64_t)(t->storage->nbytes / ag_dtype_size(t->dtype));
}

static void check_view(const ag_tensor *t)
{
	__int128 lo, hi, n = 1;
	if (t->ndim < 0 || t->ndim > AG_MAX_DIMS)
		fail("a view with a bad ndim");
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] == 0)
			n = 0;
	for (int i = 0; i < t->ndim && n; i++)
		n *= t->shape[i];	/* non-empty: each product fits int64 */
	if (n != ag_numel(t) || n > INT64_MAX)
		fail("numel does not match the shape");
	if (reach(t, &lo, &hi)) {
		if (lo < 0 || hi >= storage_elems(t))
			fail("a view reaches outside its storage");
	} else if (t->offset < 0 || t->offset > storage_elems(t)) {
		fail("an empty view's offset is off its storage");
	}
}

/* The storage element index of logical element k (row-major). */
static int64_t element_at(const ag_tensor *t, int64_t k)
{
	int64_t off = t->offset;
	for (int i = t->ndim - 1; i >= 0; i--) {
		off += (k % t->shape[i]) * t->stride[i];
		k /= t->shape[i];
	}
	return off;
}

/* FUZZ_VERBOSE=1: what each step made (for triage of a finding). */
static bool verbose;

static void show(const char *what, const ag_tensor *t)
{
	char b1[256], b2[256];
	if (!verbose)
		return;
	if (!t) {
		fprintf(stderr, "%-12s -> error: %s\n", what, ag_error_message());
		return;
	}
	fprintf(stderr, "%-12s -> shape %s stride %s offset %lld\n", what,
		ag_shape_str(t->shape, t->ndim, b1, sizeof b1),
		ag_shape_str(t->stride, t->ndim, b2, sizeof b2),
		(long long)t->offset);
}

static void rd_list(reader *r, int64_t *v, int n)
{
	for (int i = 0; i < n; i++)
		v[i] = rd_int(r);
}

static const char *const step_names[16] = {
	"slice", "select", "narrow", "expand", "view", "reshape", "transpose",
	"permute", "unsqueeze", "squeeze", "squeeze_dim", "flatten", "t",
	"as_strided", "index_view", "alias"
};

static ag_tensor *step(reader *r, ag_tensor *t, int op)
{
	int64_t a[AG_MAX_DIMS + 1];
	int n, dims[AG_MAX_DIMS + 1];
	ag_index_spec spec[AG_MAX_DIMS + 1];

	switch (op) {
	case 0: return ag_slice(t, (int)rd_int(r), rd_int(r), rd_int(r), rd_int(r));
	case 1: return ag_select(t, (int)rd_int(r), rd_int(r));
	case 2: return ag_narrow(t, (int)rd_int(r), rd_int(r), rd_int(r));
	case 3: n = rd_ndim(r); rd_list(r, a, n); return ag_expand(t, a, n);
	case 4: n = rd_ndim(r); rd_list(r, a, n); return ag_view(t, a, n);
	case 5: n = rd_ndim(r); rd_list(r, a, n); return ag_reshape(t, a, n);
	case 6: return ag_transpose(t, (int)rd_int(r), (int)rd_int(r));
	case 7:
		n = rd_ndim(r);
		for (int i = 0; i < n; i++)
			dims[i] = (int)rd_int(r);
		return ag_permute(t, dims, n);
	case 8: return ag_unsqueeze(t, (int)rd_int(r));
	case 9: return ag_squeeze(t);
	case 10: return ag_squeeze_dim(t, (int)rd_int(r));
	case 11: return ag_flatten(t, (int)rd_int(r), (int)rd_int(r));
	case 12: return ag_t(t);
	case 13: {
		int64_t st[AG_MAX_DIMS + 1];
		n = rd_ndim(r) % (AG_MAX_DIMS + 1);
		rd_list(r, a, n);
		rd_list(r, st, n);
		return ag_as_strided(t, a, st, n, rd_int(r));
	}
	case 14:
		n = rd_ndim(r) % (AG_MAX_DIMS + 1);
		for (int i = 0; i < n; i++) {
			spec[i].kind = (ag_index_kind)(u8(r) % 3);
			spec[i].start = rd_int(r);
			spec[i].end = rd_int(r);
			spec[i].step = rd_int(r);
			/* the binding only passes what its parser made: a step
			 * >= 1 and a clamped [start, end) for ranges */
			if (spec[i].kind == AG_IDX_RANGE) {
				int64_t size = i < t->ndim ? t->shape[i] : 1;
				if (spec[i].step < 1)
					spec[i].step = 1;
				if (spec[i].start < 0 || spec[i].start > size)
					spec[i].start = 0;
				if (spec[i].end < spec[i].start || spec[i].end > size)
					spec[i].end = size;
			}
		}
		return ag_index_view(t, spec, n);
	default: return ag_alias(t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader r = { data, size };
	static const ag_dtype dts[] = { AG_FLOAT64, AG_FLOAT32, AG_INT64, AG_FLOAT16 };
	ag_dtype dt = dts[u8(&r) % 4];
	int64_t nstore = 1 + u8(&r) % 48;
	bool grad = dt == AG_FLOAT64 && (u8(&r) & 1);
	ag_tensor *base = ag_zeros(&nstore, 1, dt), *cur;

	if (!base)
		fail("no base");
	for (int64_t i = 0; i < nstore; i++)	/* element i holds i + 1 */
		ag_store((char *)base->storage->data + i * (int64_t)ag_dtype_size(dt),
			 dt, (double)(i + 1));
	if (grad && ag_set_requires_grad(base, true) != 0)
		fail("requires_grad");

	/* the first view: as_strided with decoded geometry */
	int64_t shape[AG_MAX_DIMS + 1], stride[AG_MAX_DIMS + 1];
	int nd = rd_ndim(&r);
	rd_list(&r, shape, nd);
	rd_list(&r, stride, nd);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	cur = ag_as_strided(base, shape, stride, nd, rd_int(&r));
	if (verbose)
		fprintf(stderr, "storage of %lld %s%s\n", (long long)nstore,
			ag_dtype_name(dt), grad ? ", requires grad" : "");
	show("as_strided", cur);
	if (!cur) {
		check_error();
		cur = ag_alias(base);
	}
	check_view(cur);
	/* as_strided of a view reaches the storage, but like PyTorch's its
	 * backward only returns gradient inside the view it was given: the
	 * gradient oracle below holds when no such step ran */
	bool restrided = false;
	/* the backward of a view of 10^8 elements takes that much memory and
	 * time (as in PyTorch): the gradient check needs small views */
	int64_t biggest = ag_numel(cur);
	for (int k = 0; k < 8 && r.n > 0; k++) {
		int op = (int)(u8(&r) % 16);
		/* reshape and flatten copy what they cannot view: fine, but a
		 * copy of 10^9 elements is a memory test, not a view test */
		if ((op == 5 || op == 11) && ag_numel(cur) > 1 << 22)
			op = 15;
		ag_tensor *next = step(&r, cur, op);
		show(step_names[op], next);
		if (!next) {
			check_error();
			continue;
		}
		restrided = restrided || op == 13;
		if (ag_numel(next) > biggest)
			biggest = ag_numel(next);
		check_view(next);
		ag_tensor_release(cur);
		cur = next;
	}

	int64_t numel = ag_numel(cur);
	if (numel <= 4096) {
		/* read everything: a copy must match a walk of the geometry */
		ag_tensor *c = ag_contiguous(cur);
		if (!c)
			fail("contiguous failed");
		size_t es = ag_dtype_size(dt);
		for (int64_t k = 0; k < numel; k++) {
			double want = ag_load((char *)cur->storage->data +
					      element_at(cur, k) * (int64_t)es, dt);
			double got = ag_load((char *)ag_data_ptr(c) + k * (int64_t)es, dt);
			if (got != want)
				fail("a copy reads the wrong element");
		}
		ag_tensor_release(c);
		/* reshape may have copied: the rest is about views of base */
		if (cur->storage != base->storage) {
		} else if (grad && cur->grad_fn && !restrided && biggest <= 1 << 16) {
			/* d sum(view) / d base[e] = how often the view reads e */
			/* (it may fail cleanly: the gradient of an expand to 2^61
			 * elements is that big before it is summed, as in PyTorch) */
			ag_tensor *s = ag_sum(cur);
			if (!s || ag_backward(&s, NULL, 1, false, false) != 0) {
				check_error();
				ag_tensor_release(s);
				goto done;
			}
			ag_tensor_release(s);
			int64_t *count = calloc((size_t)nstore, sizeof *count);
			for (int64_t k = 0; k < numel; k++)
				count[element_at(cur, k)]++;
			for (int64_t e = 0; e < nstore; e++) {
				double g = base->grad ? ag_load((char *)ag_data_ptr(base->grad) +
					e * base->grad->stride[0] * 8, AG_FLOAT64) : 0;
				/* overlapping views divide and re-add: a few ulps */
				if (fabs(g - (double)count[e]) > 1e-12 * (1 + (double)count[e]))
					fail("the gradient of a view is wrong");
			}
			free(count);
		} else if (!grad && ag_has_internal_overlap(cur) == AG_OVERLAP_NO) {
			/* fill_ changes exactly the reached elements */
			if (ag_fill_(cur, -5) != 0)
				fail("fill_ of a view failed");
			char *in = calloc((size_t)nstore, 1);
			for (int64_t k = 0; k < numel; k++)
				in[element_at(cur, k)] = 1;
			for (int64_t e = 0; e < nstore; e++) {
				double v = ag_load((char *)base->storage->data +
					e * (int64_t)ag_dtype_size(dt), dt);
				if (v != (in[e] ? -5.0 : (double)(e + 1)))
					fail("fill_ wrote outside its view");
			}
			free(in);
		}
	}
done:
	ag_tensor_release(cur);
	ag_tensor_release(base);
	ag_error_clear();
	if (ag_registry_count() != 0)
		fail("a tensor was left alive");
	return 0;
}
