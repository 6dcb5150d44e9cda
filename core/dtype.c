/*
 * dtype.c - what each dtype is called, how big it is, and how one element
 * is read or written as a double (the generic, any-dtype paths use these).
 *
 * float16 and bfloat16 are stored as 16-bit patterns; arithmetic happens in
 * float32 and rounds to nearest even on the way back, as PyTorch does.
 */
#include "internal.h"
#include "simd.h"
#include "half_cvt.h"

#include <math.h>

static const struct {
	const char *name, *legacy;
	size_t size;
} dtype_info[AG_NDTYPES] = {
	[AG_FLOAT32] = { "float32", "FloatTensor", 4 },
	[AG_FLOAT64] = { "float64", "DoubleTensor", 8 },
	[AG_FLOAT16] = { "float16", "HalfTensor", 2 },
	[AG_BFLOAT16] = { "bfloat16", "BFloat16Tensor", 2 },
	[AG_INT64] = { "int64", "LongTensor", 8 },
	[AG_BOOL] = { "bool", "BoolTensor", 1 },
	[AG_UINT8] = { "uint8", "ByteTensor", 1 },
	[AG_INT8] = { "int8", "CharTensor", 1 },
	[AG_INT16] = { "int16", "ShortTensor", 2 },
	[AG_INT32] = { "int32", "IntTensor", 4 },
};

size_t ag_dtype_size(ag_dtype t) { return dtype_info[t].size; }
const char *ag_dtype_name(ag_dtype t) { return dtype_info[t].name; }
const char *ag_dtype_legacy_name(ag_dtype t) { return dtype_info[t].legacy; }

bool ag_dtype_is_floating(ag_dtype t)
{
	return t == AG_FLOAT32 || t == AG_FLOAT64 || t == AG_FLOAT16 ||
	       t == AG_BFLOAT16;
}

bool ag_dtype_is_integral(ag_dtype t)
{
	return t == AG_INT64 || t == AG_UINT8 || t == AG_INT8 || t == AG_INT16 ||
	       t == AG_INT32;
}

bool ag_dtype_is_signed(ag_dtype t)
{
	return t != AG_UINT8 && t != AG_BOOL;
}

int ag_dtype_from_name(const char *name, ag_dtype *out)
{
	static const struct { const char *alias; ag_dtype t; } aliases[] = {
		{ "float", AG_FLOAT32 }, { "double", AG_FLOAT64 },
		{ "half", AG_FLOAT16 }, { "long", AG_INT64 },
		{ "int", AG_INT32 }, { "short", AG_INT16 },
	};
	for (int i = 0; i < AG_NDTYPES; i++)
		if (strcmp(name, dtype_info[i].name) == 0) {
			*out = (ag_dtype)i;
			return 0;
		}
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(name, aliases[i].alias) == 0) {
			*out = aliases[i].t;
			return 0;
		}
	return ag_error(AG_ERR_DTYPE, "unknown dtype '%s'", name);
}

/* ------------------------------------------------ 16-bit float formats */

float ag_half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
	float f;

	if (exp == 0x1f) {			/* inf / nan */
		bits = sign | 0x7f800000u | (mant << 13);
	} else if (exp != 0) {			/* normal */
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	} else if (mant == 0) {			/* zero */
		bits = sign;
	} else {				/* subnormal: mant * 2^-24 */
		f = ldexpf((float)mant, -24);
		return sign ? -f : f;
	}
	memcpy(&f, &bits, sizeof f);
	return f;
}

uint16_t ag_float_to_half(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
	uint32_t ax = x & 0x7fffffffu;

	if (ax >= 0x7f800000u)			/* inf / nan (keep nan quiet) */
		return sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 : 0);
	if (ax >= 0x477ff000u)			/* rounds to >= 65520: inf */
		return sign | 0x7c00;
	if (ax < 0x38800000u) {			/* below 2^-14: subnormal half */
		/* scale so the half's ulp (2^-24) becomes 1, round to even */
		float a;
		memcpy(&a, &ax, sizeof a);
		float scaled = a * 16777216.0f;	/* exact: power of two */
		float r = nearbyintf(scaled);	/* default mode: ties to even */
		return sign | (uint16_t)r;
	}
	/* normal: rebias exponent, round mantissa from 23 to 10 bits */
	uint32_t mant_odd = (ax >> 13) & 1;
	ax += 0xfff + mant_odd;
	return sign | (uint16_t)((ax - 0x38000000u) >> 13);
}

float ag_bf16_to_float(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

uint16_t ag_float_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	if ((x & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((x >> 16) | 0x40);	/* quiet nan */
	x += 0x7fff + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}

/*
 * Runs of 16-bit floats to and from float32, for the loops that compute a
 * float16/bfloat16 op in float32 a block at a time.  With AVX2 and F16C,
 * 8 at a time: vcvtph2ps widens exactly, vcvtps2ph rounds to nearest even
 * as ag_float_to_half does (its NaNs are then made PyTorch's: sign|0x7e00),
 * and bfloat16 is the same integer rounding as ag_float_to_bf16.  Checked
 * over all 2^32 floats and 2^16 halves: the scalar functions' bits, except
 * that a signalling float16 NaN widens quiet (as in PyTorch), which no
 * arithmetic on it can tell apart.
 */
#if AG_HAVE_X86_SIMD
#define AVX2 __attribute__((target("avx2,f16c")))

static AVX2 void widen_avx2(const uint16_t *s, float *d, int64_t n, ag_dtype dt)
{
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m128i h = _mm_loadu_si128((const __m128i *)(s + i));
		__m256 f = dt == AG_FLOAT16 ? _mm256_cvtph_ps(h)
			: _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
		_mm256_storeu_ps(d + i, f);
	}
	for (; i < n; i++)
		d[i] = dt == AG_FLOAT16 ? ag_half_to_float(s[i]) : ag_bf16_to_float(s[i]);
}

static AVX2 void narrow_avx2(const float *s, uint16_t *d, int64_t n, ag_dtype dt)
{
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 f = _mm256_loadu_ps(s + i);
		__m256i x = _mm256_castps_si256(f);
		__m256i abs = _mm256_and_si256(x, _mm256_set1_epi32(0x7fffffff));
		__m256i nan = _mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7f800000));
		__m128i h;
		if (dt == AG_FLOAT16) {
			h = _mm256_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
			__m128i nan16 = _mm_packs_epi32(_mm256_castsi256_si128(nan),
							_mm256_extracti128_si256(nan, 1));
			__m128i q = _mm_or_si128(_mm_and_si128(h, _mm_set1_epi16((short)0x8000)),
						 _mm_set1_epi16(0x7e00));
			h = _mm_blendv_epi8(h, q, nan16);
		} else {
			__m256i hi = _mm256_srli_epi32(x, 16);
			__m256i odd = _mm256_and_si256(hi, _mm256_set1_epi32(1));
			__m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(x,
				_mm256_set1_epi32(0x7fff)), odd), 16);
			r = _mm256_blendv_epi8(r, _mm256_or_si256(hi, _mm256_set1_epi32(0x40)), nan);
			r = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0xd8);
			h = _mm256_castsi256_si128(r);
		}
		_mm_storeu_si128((__m128i *)(d + i), h);
	}
	for (; i < n; i++)
		d[i] = dt == AG_FLOAT16 ? ag_float_to_half(s[i]) : ag_float_to_bf16(s[i]);
}
#endif

void ag_widen_half(const char *src, int64_t stride, float *dst, int64_t n,
		   ag_dtype dt)
{
	if (stride == 0) {
		uint16_t h;
		memcpy(&h, src, 2);
		float v = dt == AG_FLOAT16 ? ag_half_to_float(h) : ag_bf16_to_float(h);
		for (int64_t i = 0; i < n; i++)
			dst[i] = v;
		return;
	}
#if AG_HAVE_X86_SIMD
	if (stride == 2 && ag_cpu_avx512()) {	/* half_cvt.c */
		ag_half_widen_avx512((const uint16_t *)src, dst, n, dt);
		return;
	}
	if (stride == 2 && ag_cpu_avx2()) {
		widen_avx2((const uint16_t *)src, dst, n, dt);
		return;
	}
#endif
	for (int64_t i = 0; i < n; i++) {
		uint16_t h;
		memcpy(&h, src + i * stride, 2);
		dst[i] = dt == AG_FLOAT16 ? ag_half_to_float(h) : ag_bf16_to_float(h);
	}
}

void ag_narrow_half(const float *src, char *dst, int64_t stride, int64_t n,
		    ag_dtype dt)
{
#if AG_HAVE_X86_SIMD
	if (stride == 2 && ag_cpu_avx2()) {
		if (ag_cpu_avx512())	/* half_cvt.c */
			ag_half_narrow_avx512(src, (uint16_t *)dst, n, dt);
		else
			narrow_avx2(src, (uint16_t *)dst, n, dt);
		if (ag_round_watch)
			ag_round_check(src, dst, stride, n, dt);
		return;
	}
#endif
	for (int64_t i = 0; i < n; i++) {
		uint16_t h = dt == AG_FLOAT16 ? ag_float_to_half(src[i])
					      : ag_float_to_bf16(src[i]);
		memcpy(dst + i * stride, &h, 2);
	}
	if (ag_round_watch)
		ag_round_check(src, dst, stride, n, dt);
}

/* ------------------------------------------------- what rounding lost */

ag_round_tally *ag_round_watch;

/* Adds to the tally, and to the run of memory p continues (one of the
 * last few: parallel threads store into several places at once), or a
 * new run. */
static void round_note_one(const char *p, size_t span, int64_t zero, int64_t inf)
{
	ag_round_tally *t = ag_round_watch;
	t->zero += zero;
	t->inf += inf;
	ag_round_run *r = NULL;
	for (int i = t->nruns - 1; i >= 0 && i >= t->nruns - 8; i--) {
		ag_round_run *q = &t->runs[i];
		if (p >= q->lo && p <= q->hi + 16) {	/* the run goes on */
			r = q;
			if (p + span > r->hi)
				r->hi = p + span;
			break;
		}
	}
	if (!r) {
		if (t->nruns == AG_ROUND_RUNS)
			return;	/* counted in the total only */
		r = &t->runs[t->nruns++];
		*r = (ag_round_run){ p, p + span, 0, 0 };
	}
	r->zero += zero;
	r->inf += inf;
}

/* Stores run in parallel threads (iter.c): one of them notes at a time. */
static void round_note(const char *p, size_t span, int64_t zero, int64_t inf)
{
#pragma omp critical(ag_round_note)
	round_note_one(p, span, zero, inf);
}

/* Did storing v as the 16-bit h (dt) lose it? */
static void round_one(const char *p, double v, uint16_t h, ag_dtype dt)
{
	uint16_t mag = h & 0x7fff;
	if (mag == 0 && v != 0)
		round_note(p, 2, 1, 0);
	else if (mag == (dt == AG_FLOAT16 ? 0x7c00 : 0x7f80) && isfinite(v))
		round_note(p, 2, 0, 1);
}

void ag_round_check(const float *src, const char *dst, int64_t stride,
		    int64_t n, ag_dtype dt)
{
	uint16_t inf = dt == AG_FLOAT16 ? 0x7c00 : 0x7f80;
	int64_t zero = 0, over = 0;
#if AG_HAVE_X86_SIMD
	if (stride == 2 && ag_cpu_avx512())	/* half_cvt.c */
		ag_half_round_count_avx512(src, (const uint16_t *)dst, n, dt,
					   &zero, &over);
	else
#endif
	for (int64_t i = 0; i < n; i++) {
		uint16_t h;
		memcpy(&h, dst + i * stride, 2);
		h &= 0x7fff;
		zero += h == 0 && src[i] != 0;
		over += h == inf && isfinite(src[i]);
	}
	if (zero || over)
		round_note(dst, (size_t)(n > 0 ? (n - 1) * (stride > 0 ? stride : 0) + 2 : 0),
			   zero, over);
}

void ag_round_lost(const char *dst, size_t nbytes, int64_t zero, int64_t inf)
{
	if (ag_round_watch && (zero || inf))
		round_note(dst, nbytes, zero, inf);
}

void ag_round_in(const ag_round_tally *t, const void *lo, size_t nbytes,
		 int64_t *zero, int64_t *inf)
{
	const char *a = lo, *b = a + nbytes;
	*zero = *inf = 0;
	for (int i = 0; i < t->nruns; i++) {
		if (t->runs[i].lo >= a && t->runs[i].lo < b) {
			*zero += t->runs[i].zero;
			*inf += t->runs[i].inf;
		}
	}
}

/* ------------------------------------------------------- element access */

double ag_load(const void *p, ag_dtype t)
{
	switch (t) {
	case AG_FLOAT32: return *(const float *)p;
	case AG_FLOAT64: return *(const double *)p;
	case AG_FLOAT16: return ag_half_to_float(*(const uint16_t *)p);
	case AG_BFLOAT16: return ag_bf16_to_float(*(const uint16_t *)p);
	case AG_INT64: return (double)*(const int64_t *)p;
	case AG_BOOL: return *(const uint8_t *)p ? 1.0 : 0.0;
	case AG_UINT8: return *(const uint8_t *)p;
	case AG_INT8: return *(const int8_t *)p;
	case AG_INT16: return *(const int16_t *)p;
	case AG_INT32: return *(const int32_t *)p;
	default: return 0.0;
	}
}

/*
 * A float converted to an integer type out of its range is undefined in C;
 * PyTorch gets what x86's truncating conversion gives, the most negative
 * value, for nan, inf and anything out of range.  Types narrower than 32
 * bits go through int32 and keep its low bits: 300.0 -> uint8 44, -1.0 ->
 * uint8 255, 1e10 -> uint8 0, as PyTorch 1.13 computes them.
 */
static int64_t double_to_i64(double v)
{
	if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)v;
}

static int32_t double_to_i32(double v)
{
	if (!(v > -2147483649.0 && v < 2147483648.0))
		return INT32_MIN;
	return (int32_t)v;
}

void ag_store(void *p, ag_dtype t, double v)
{
	switch (t) {
	case AG_FLOAT32: *(float *)p = (float)v; break;
	case AG_FLOAT64: *(double *)p = v; break;
	case AG_FLOAT16:
		*(uint16_t *)p = ag_float_to_half((float)v);
		if (ag_round_watch)
			round_one(p, v, *(uint16_t *)p, t);
		break;
	case AG_BFLOAT16:
		*(uint16_t *)p = ag_float_to_bf16((float)v);
		if (ag_round_watch)
			round_one(p, v, *(uint16_t *)p, t);
		break;
	case AG_INT64: *(int64_t *)p = double_to_i64(v); break;
	case AG_BOOL: *(uint8_t *)p = v != 0.0; break;
	case AG_UINT8: *(uint8_t *)p = (uint8_t)double_to_i32(v); break;
	case AG_INT8: *(int8_t *)p = (int8_t)double_to_i32(v); break;
	case AG_INT16: *(int16_t *)p = (int16_t)double_to_i32(v); break;
	case AG_INT32: *(int32_t *)p = double_to_i32(v); break;
	default: break;
	}
}

int64_t ag_load_i64(const void *p, ag_dtype t)
{
	switch (t) {
	case AG_INT64: return *(const int64_t *)p;
	case AG_BOOL: return *(const uint8_t *)p != 0;
	case AG_UINT8: return *(const uint8_t *)p;
	case AG_INT8: return *(const int8_t *)p;
	case AG_INT16: return *(const int16_t *)p;
	case AG_INT32: return *(const int32_t *)p;
	default: return double_to_i64(ag_load(p, t));
	}
}

/* Into a narrower integer type an int64 keeps its low bits (wraps around,
 * as PyTorch's integer arithmetic does). */
void ag_store_i64(void *p, ag_dtype t, int64_t v)
{
	switch (t) {
	case AG_INT64: *(int64_t *)p = v; break;
	case AG_BOOL: *(uint8_t *)p = v != 0; break;
	case AG_UINT8: *(uint8_t *)p = (uint8_t)v; break;
	case AG_INT8: *(int8_t *)p = (int8_t)(uint8_t)v; break;
	case AG_INT16: *(int16_t *)p = (int16_t)(uint16_t)v; break;
	case AG_INT32: *(int32_t *)p = (int32_t)(uint32_t)v; break;
	default: ag_store(p, t, (double)v); break;
	}
}

void ag_convert(void *dst, ag_dtype to, const void *src, ag_dtype from)
{
	if (ag_dtype_is_floating(from))
		ag_store(dst, to, ag_load(src, from));
	else
		ag_store_i64(dst, to, ag_load_i64(src, from));
}

/* ------------------------------------------------------ ranges and names */

const char *ag_dtype_cpp_name(ag_dtype t)
{
	static const char *const names[AG_NDTYPES] = {
		[AG_FLOAT32] = "float", [AG_FLOAT64] = "double",
		[AG_FLOAT16] = "at::Half", [AG_BFLOAT16] = "at::BFloat16",
		[AG_INT64] = "int64_t", [AG_BOOL] = "bool",
		[AG_UINT8] = "uint8_t", [AG_INT8] = "int8_t",
		[AG_INT16] = "int16_t", [AG_INT32] = "int",
	};
	return (unsigned)t < AG_NDTYPES ? names[t] : "?";
}

const char *ag_dtype_typeid_name(ag_dtype t)
{
	static const char *const names[AG_NDTYPES] = {
		[AG_FLOAT32] = "float", [AG_FLOAT64] = "double",
		[AG_FLOAT16] = "c10::Half", [AG_BFLOAT16] = "c10::BFloat16",
		[AG_INT64] = "long int", [AG_BOOL] = "bool",
		[AG_UINT8] = "unsigned char", [AG_INT8] = "signed char",
		[AG_INT16] = "short int", [AG_INT32] = "int",
	};
	return (unsigned)t < AG_NDTYPES ? names[t] : "?";
}

int ag_dtype_iinfo(ag_dtype t, int *bits, int64_t *min, int64_t *max)
{
	if (!ag_dtype_is_integral(t))
		return -1;
	int b = (int)ag_dtype_size(t) * 8;
	*bits = b;
	if (t == AG_UINT8) {
		*min = 0;
		*max = 255;
	} else if (b == 64) {
		*min = INT64_MIN;
		*max = INT64_MAX;
	} else {
		*max = ((int64_t)1 << (b - 1)) - 1;
		*min = -*max - 1;
	}
	return 0;
}

int ag_dtype_finfo(ag_dtype t, ag_finfo *f)
{
	switch (t) {
	case AG_FLOAT16:
		*f = (ag_finfo){ 16, 0x1p-10, 65504.0, -65504.0, 0x1p-14, 1e-3 };
		return 0;
	case AG_BFLOAT16:
		*f = (ag_finfo){ 16, 0x1p-7, 0x1.fep127, -0x1.fep127, 0x1p-126, 1e-2 };
		return 0;
	case AG_FLOAT32:
		*f = (ag_finfo){ 32, 0x1p-23, 0x1.fffffep127, -0x1.fffffep127,
				 0x1p-126, 1e-6 };
		return 0;
	case AG_FLOAT64:
		*f = (ag_finfo){ 64, 0x1p-52, 0x1.fffffffffffffp1023,
				 -0x1.fffffffffffffp1023, 0x1p-1022, 1e-15 };
		return 0;
	default:
		return -1;
	}
}

bool ag_dtype_fits(ag_dtype t, double v, bool integral)
{
	ag_finfo f;
	int bits;
	int64_t lo, hi;

	if (t == AG_BOOL)
		return true;
	if (ag_dtype_finfo(t, &f) == 0)
		return !isfinite(v) || fabs(v) <= f.max;
	if (ag_dtype_iinfo(t, &bits, &lo, &hi) < 0 || isnan(v))
		return false;
	if (integral && t == AG_UINT8)
		return v >= -(double)hi && v <= (double)hi;
	if (t == AG_INT64)
		return v >= -9223372036854775808.0 && v < 9223372036854775808.0;
	return v >= (double)lo && v <= (double)hi;
}

/* PyTorch's checked Scalar conversion: ag_dtype_fits, an integral value
 * counting as an integer (which may wrap into uint8). */
int ag_check_scalar_fits(double v, ag_dtype dt)
{
	if (ag_dtype_fits(dt, v, v == trunc(v)))
		return 0;
	return ag_error(AG_ERR_VALUE, "value cannot be converted to type %s "
			"without overflow", ag_dtype_cpp_name(dt));
}
