/* test_tensor.c - tensor headers, storage, registry, dtypes, errors. */
#include "../tap.h"
#include "internal.h"

static void test_alloc_and_registry(void)
{
	size_t before = ag_registry_count();
	size_t bytes_before = ag_storage_bytes_live();
	int64_t shape[] = { 2, 3, 4 };
	ag_tensor *t = ag_tensor_alloc(shape, 3, AG_FLOAT32);

	ok(t != NULL, "alloc 2x3x4 float32");
	is_int(t->stride[0], 12, "stride 0 is 12");
	is_int(t->stride[1], 4, "stride 1 is 4");
	is_int(t->stride[2], 1, "stride 2 is 1");
	is_int(ag_numel(t), 24, "numel 24");
	ok(ag_is_contiguous(t), "fresh tensor is contiguous");
	is_int(ag_registry_count(), before + 1, "registry counts the new tensor");
	is_int(ag_storage_bytes_live(), bytes_before + 96, "96 bytes live");

	bool found = false;
	for (ag_tensor *r = ag_registry_first(); r; r = ag_registry_next(r))
		if (r == t)
			found = true;
	ok(found, "registry enumerates the tensor");

	ag_tensor *u = ag_tensor_alloc(shape, 3, AG_FLOAT32);
	ok(u->id > t->id, "ids increase");
	ag_tensor_release(u);
	ag_tensor_release(t);
	is_int(ag_registry_count(), before, "released tensors leave the registry");
	is_int(ag_storage_bytes_live(), bytes_before, "and their storage is freed");
}

static void test_zero_size_and_scalar(void)
{
	int64_t shape[] = { 0, 3 };
	ag_tensor *t = ag_tensor_alloc(shape, 2, AG_FLOAT64);
	ok(t && ag_numel(t) == 0, "zero-size tensor allocates");
	ok(ag_is_contiguous(t), "zero-size tensor is contiguous");
	ag_tensor_release(t);

	ag_tensor *s = ag_tensor_alloc(NULL, 0, AG_INT64);
	ok(s && s->ndim == 0 && ag_numel(s) == 1, "0-d tensor has one element");
	ag_tensor_release(s);
	ag_tensor_release(NULL);
	ok(1, "releasing NULL is a no-op");
}

static void test_bad_shapes(void)
{
	int64_t neg[] = { 2, -1 };
	ag_error_clear();
	ok(ag_tensor_alloc(neg, 2, AG_FLOAT32) == NULL, "negative size refused");
	is_str(ag_error_message(),
	       "Trying to create tensor with negative dimension -1: [2, -1]",
	       "negative size message is PyTorch's");

	int64_t huge[] = { INT64_MAX / 2, 4 };
	ok(ag_tensor_alloc(huge, 2, AG_FLOAT32) == NULL, "overflowing size refused");
	is_int(ag_error_code(), AG_ERR_NOMEM, "overflow is a NOMEM error");

	int64_t big[] = { 1LL << 40, 1LL << 10 };
	ok(ag_tensor_alloc(big, 2, AG_FLOAT64) == NULL, "8 PiB allocation fails cleanly");

	int64_t nine[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	ok(ag_tensor_alloc(nine, 9, AG_FLOAT32) == NULL, "9 dims refused");
	ok(strstr(ag_error_message(), "at most 8") != NULL, "message says the limit");

	ok(ag_tensor_alloc(NULL, 0, (ag_dtype)99) == NULL, "bad dtype refused");
}

static void test_dtypes(void)
{
	ag_dtype d;
	is_int(ag_dtype_size(AG_FLOAT32), 4, "float32 size");
	is_int(ag_dtype_size(AG_FLOAT64), 8, "float64 size");
	is_int(ag_dtype_size(AG_FLOAT16), 2, "float16 size");
	is_int(ag_dtype_size(AG_BFLOAT16), 2, "bfloat16 size");
	is_int(ag_dtype_size(AG_INT64), 8, "int64 size");
	is_int(ag_dtype_size(AG_BOOL), 1, "bool size");
	is_str(ag_dtype_name(AG_BFLOAT16), "bfloat16", "bfloat16 name");
	is_str(ag_dtype_legacy_name(AG_FLOAT32), "FloatTensor", "legacy name");
	ok(ag_dtype_from_name("double", &d) == 0 && d == AG_FLOAT64, "alias double");
	ok(ag_dtype_from_name("int64", &d) == 0 && d == AG_INT64, "name int64");
	ok(ag_dtype_from_name("complex", &d) == -1, "unknown dtype refused");
	ok(ag_dtype_is_floating(AG_FLOAT16) && !ag_dtype_is_floating(AG_INT64),
	   "floating predicate");
	ok(ag_dtype_is_integral(AG_INT64) && !ag_dtype_is_integral(AG_BOOL),
	   "integral predicate");
}

static void test_half_bf16(void)
{
	/* bit patterns checked against torch.tensor(v).half().view(torch.int16) */
	is_int(ag_float_to_half(1.0f), 0x3c00, "half(1)");
	is_int(ag_float_to_half(-2.0f), 0xc000, "half(-2)");
	is_int(ag_float_to_half(65504.0f), 0x7bff, "half max");
	is_int(ag_float_to_half(65520.0f), 0x7c00, "65520 rounds to inf");
	is_int(ag_float_to_half(65519.0f), 0x7bff, "65519 rounds to max");
	is_int(ag_float_to_half(1.0f + 1.0f / 2048), 0x3c00, "tie rounds to even (down)");
	is_int(ag_float_to_half(1.0f + 3.0f / 2048), 0x3c02, "tie rounds to even (up)");
	is_int(ag_float_to_half(5.960464477539063e-08f), 0x0001, "smallest subnormal");
	is_int(ag_float_to_half(2.98e-08f), 0x0000, "below half the smallest: 0");
	is_int(ag_float_to_half(6.103515625e-05f), 0x0400, "smallest normal");
	ok((ag_float_to_half(NAN) & 0x7c00) == 0x7c00 &&
	   (ag_float_to_half(NAN) & 0x3ff) != 0, "nan stays nan");
	is_num(ag_half_to_float(0x3555), 0.333251953125, 0, "half(1/3) reads back");
	is_num(ag_half_to_float(0x0001), 5.960464477539063e-08, 0, "subnormal reads back");
	ok(isinf(ag_half_to_float(0xfc00)) && ag_half_to_float(0xfc00) < 0, "-inf");

	is_int(ag_float_to_bf16(1.0f), 0x3f80, "bf16(1)");
	is_int(ag_float_to_bf16(1.00390625f), 0x3f80, "bf16 tie to even (down)");
	is_int(ag_float_to_bf16(1.01171875f), 0x3f82, "bf16 tie to even (up)");
	is_num(ag_bf16_to_float(ag_float_to_bf16(3.14159265f)), 3.140625, 0, "bf16(pi)");
	ok(isnan(ag_bf16_to_float(ag_float_to_bf16(NAN))), "bf16 nan");

	unsigned char buf[8];
	ag_store(buf, AG_FLOAT16, 0.1);
	is_num(ag_load(buf, AG_FLOAT16), 0.0999755859375, 0, "store/load half");
	ag_store(buf, AG_BOOL, -3.0);
	is_num(ag_load(buf, AG_BOOL), 1.0, 0, "nonzero stores as true");
	ag_store(buf, AG_INT64, -2.7);
	is_int(ag_load_i64(buf, AG_INT64), -2, "float to int64 truncates toward 0");
	ag_store(buf, AG_INT64, 1e300);
	/* torch.tensor([1e20]).long(): x86's "integer indefinite" value */
	is_int(ag_load_i64(buf, AG_INT64), INT64_MIN,
	       "a float past int64's range becomes INT64_MIN, as in PyTorch");
	ag_store(buf, AG_UINT8, 300.0);
	is_int(ag_load_i64(buf, AG_UINT8), 44, "300.0 -> uint8 keeps the low bits");
	ag_store(buf, AG_UINT8, -1.0);
	is_int(ag_load_i64(buf, AG_UINT8), 255, "-1.0 -> uint8 wraps to 255");
	ag_store(buf, AG_INT8, 3000000001.0);
	is_int(ag_load_i64(buf, AG_INT8), 0, "past int32's range -> int8 0 (via int32)");
	ag_store(buf, AG_INT32, NAN);
	is_int(ag_load_i64(buf, AG_INT32), INT32_MIN, "nan -> int32 INT32_MIN");
	ag_store_i64(buf, AG_INT16, 70000);
	is_int(ag_load_i64(buf, AG_INT16), 4464, "int64 70000 -> int16 wraps");
	ag_store_i64(buf, AG_INT64, INT64_MAX - 1);
	is_int(ag_load_i64(buf, AG_INT64), INT64_MAX - 1, "int64 exact beyond 2^53");
}

static void test_wrap_dim(void)
{
	int d;
	ok(ag_wrap_dim(-1, 3, &d) == 0 && d == 2, "-1 wraps to the last dim");
	ok(ag_wrap_dim(3, 3, &d) == -1, "dim 3 of a 3-d tensor refused");
	is_str(ag_error_message(),
	       "Dimension out of range (expected to be in range of [-3, 2], but got 3)",
	       "PyTorch's dim message");
	ok(ag_wrap_dim(0, 0, &d) == 0 && d == 0, "a 0-d tensor takes dim 0");
	ok(ag_wrap_dim(-1, 0, &d) == 0 && d == 0, "and dim -1");
	ok(ag_wrap_dim(1, 0, &d) == -1, "but not dim 1");
}

static void test_errors_and_interrupt(void)
{
	ag_error_clear();
	is_int(ag_error_code(), AG_OK, "cleared");
	is_str(ag_error_message(), "", "no message when clear");
	is_int(ag_error(AG_ERR_VALUE, "bad %d", 7), -1, "ag_error returns -1");
	is_str(ag_error_message(), "bad 7", "message formatted");
	ok(ag_check_interrupt() == 0, "no interrupt pending");
	ag_interrupt();
	ok(ag_interrupt_pending(), "interrupt pending");
	ok(ag_check_interrupt() == -1 && ag_error_code() == AG_ERR_INTERRUPT,
	   "interrupt reported once");
	ok(ag_check_interrupt() == 0, "and then cleared");
}

/* Freed buffers of 1 MiB and more wait in a bounded cache for the next
 * request of their size class: no fresh pages, no page faults. */
static void test_storage_cache(void)
{
	int64_t n = (3 << 20) / 4 + 5;	/* a little over 3 MiB of float32 */
	size_t live = ag_storage_bytes_live();
	ag_storage_cache_trim(0);
	is_int(ag_storage_bytes_cached(), 0, "trim(0) empties the storage cache");

	ag_tensor *t = ag_tensor_alloc(&n, 1, AG_FLOAT32);
	float *p = ag_data_ptr(t);
	for (int64_t i = 0; i < n; i++)
		p[i] = 1.5f;
	ag_tensor_release(t);
	is_int(ag_storage_bytes_live(), live, "a freed large storage is not live");
	ok(ag_storage_bytes_cached() >= (size_t)n * 4 &&
	   ag_storage_bytes_cached() <= (size_t)n * 4 * 9 / 8 + 4096,
	   "its buffer is cached, in a size class at most 1/8 larger (%zu bytes)",
	   ag_storage_bytes_cached());

	ag_tensor *u = ag_tensor_alloc_uninit(&n, 1, AG_FLOAT32);
	ok(u && ag_data_ptr(u) == (void *)p, "the next request of its size reuses it");
	is_int(ag_storage_bytes_cached(), 0, "and takes it out of the cache");
	is_int(ag_storage_bytes_live(), live + (size_t)n * 4, "live again");
	ag_tensor_release(u);

	ag_tensor *z = ag_tensor_alloc(&n, 1, AG_FLOAT32);
	bool zero = z && ag_data_ptr(z) == (void *)p;
	for (int64_t i = 0; zero && i < n; i++)
		zero = ((float *)ag_data_ptr(z))[i] == 0;
	ok(zero, "a zero-filled request on a recycled buffer gets zeros");
	ag_tensor_release(z);

	/* 48 distinct sizes of 8-55 MiB, each freed (untouched pages cost no
	 * memory): the cache keeps its bound and the newest buffers */
	for (int i = 0; i < 48; i++) {
		int64_t m = ((int64_t)(8 + i) << 20) / 4;
		ag_tensor_release(ag_tensor_alloc_uninit(&m, 1, AG_FLOAT32));
	}
	ok(ag_storage_bytes_cached() > 0 && ag_storage_bytes_cached() <= (size_t)256 << 20,
	   "the cache stays within its bound (%zu MiB)", ag_storage_bytes_cached() >> 20);
	int64_t last = ((int64_t)55 << 20) / 4;
	size_t before = ag_storage_bytes_cached();
	ag_tensor *v = ag_tensor_alloc_uninit(&last, 1, AG_FLOAT32);
	size_t took = before - ag_storage_bytes_cached();
	ok(v && took >= (size_t)55 << 20 && took <= ((size_t)55 << 20) / 8 * 9,
	   "the most recently freed buffer is still there");
	ag_tensor_release(v);
	ag_storage_cache_trim(0);
	is_int(ag_storage_bytes_cached(), 0, "and trim(0) gives everything back");
	is_int(ag_storage_bytes_live(), live, "nothing leaked");
}

int main(void)
{
	plan_lazy();
	test_alloc_and_registry();
	test_zero_size_and_scalar();
	test_bad_shapes();
	test_dtypes();
	test_storage_cache();
	test_half_bf16();
	test_wrap_dim();
	test_errors_and_interrupt();
	return done_testing();
}
