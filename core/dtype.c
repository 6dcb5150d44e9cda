/*
 * dtype.c - what each dtype is called, how big it is, and how one element
 * is read or written as a double (the generic, any-dtype paths use these).
 *
 * float16 and bfloat16 are stored as 16-bit patterns; arithmetic happens in
 * float32 and rounds to nearest even on the way back, as PyTorch does.
 */
#include "internal.h"

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
};

size_t ag_dtype_size(ag_dtype t) { return dtype_info[t].size; }
const char *ag_dtype_name(ag_dtype t) { return dtype_info[t].name; }
const char *ag_dtype_legacy_name(ag_dtype t) { return dtype_info[t].legacy; }

bool ag_dtype_is_floating(ag_dtype t)
{
	return t == AG_FLOAT32 || t == AG_FLOAT64 || t == AG_FLOAT16 ||
	       t == AG_BFLOAT16;
}

bool ag_dtype_is_integral(ag_dtype t) { return t == AG_INT64; }

int ag_dtype_from_name(const char *name, ag_dtype *out)
{
	static const struct { const char *alias; ag_dtype t; } aliases[] = {
		{ "float", AG_FLOAT32 }, { "double", AG_FLOAT64 },
		{ "half", AG_FLOAT16 }, { "long", AG_INT64 },
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
	default: return 0.0;
	}
}

/* Conversion of an out-of-range double to int64 is undefined in C; PyTorch
 * leaves it to the hardware too.  Saturate instead of invoking UB. */
static int64_t double_to_i64(double v)
{
	if (isnan(v))
		return INT64_MIN;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

void ag_store(void *p, ag_dtype t, double v)
{
	switch (t) {
	case AG_FLOAT32: *(float *)p = (float)v; break;
	case AG_FLOAT64: *(double *)p = v; break;
	case AG_FLOAT16: *(uint16_t *)p = ag_float_to_half((float)v); break;
	case AG_BFLOAT16: *(uint16_t *)p = ag_float_to_bf16((float)v); break;
	case AG_INT64: *(int64_t *)p = double_to_i64(v); break;
	case AG_BOOL: *(uint8_t *)p = v != 0.0; break;
	default: break;
	}
}

int64_t ag_load_i64(const void *p, ag_dtype t)
{
	if (t == AG_INT64)
		return *(const int64_t *)p;
	if (t == AG_BOOL)
		return *(const uint8_t *)p != 0;
	return double_to_i64(ag_load(p, t));
}

void ag_store_i64(void *p, ag_dtype t, int64_t v)
{
	if (t == AG_INT64)
		*(int64_t *)p = v;
	else if (t == AG_BOOL)
		*(uint8_t *)p = v != 0;
	else
		ag_store(p, t, (double)v);
}

/* PyTorch's checked Scalar conversion: a finite value beyond the dtype's
 * range is an error (inf and nan pass, except into int64). */
int ag_check_scalar_fits(double v, ag_dtype dt)
{
	const char *name = NULL;

	switch (dt) {
	case AG_FLOAT32:
		if (isfinite(v) && fabs(v) > 3.4028234663852886e38)
			name = "float";
		break;
	case AG_FLOAT16:
		if (isfinite(v) && fabs(v) > 65504.0)
			name = "at::Half";
		break;
	case AG_BFLOAT16:
		if (isfinite(v) && fabs(v) > 3.3895313892515355e38)
			name = "at::BFloat16";
		break;
	case AG_INT64:
		if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
			name = "int64_t";
		break;
	default:
		break;
	}
	if (name)
		return ag_error(AG_ERR_VALUE, "value cannot be converted to type %s "
				"without overflow", name);
	return 0;
}
