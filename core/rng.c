/*
 * rng.c - the global random generator: an mt19937 that gives, seed for
 * seed, the very numbers PyTorch 1.13's CPU generator gives.
 *
 * Reproducing PyTorch means reproducing its recipes, not just its engine:
 *  - a 32-bit draw feeds float/half/bfloat16 uniforms, two draws (high word
 *    first) feed float64 uniforms and 64-bit integer ranges;
 *  - normal_ on fewer than 16 elements (or a non-contiguous tensor) draws
 *    float64 Box-Muller pairs and keeps the second value for the next call;
 *  - normal_ on 16 or more contiguous elements first fills uniforms, then
 *    transforms blocks of 16 (the last block re-drawn when the size is not a
 *    multiple of 16).  For float32 PyTorch uses AVX2 code whose log and
 *    sin/cos are the Cephes polynomials, evaluated with fused multiply-adds
 *    where GCC contracted them; we evaluate the same polynomials the same
 *    way, so the numbers match bit for bit.
 */
#include "rng.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>
#include <stdio.h>

#define MT_N 624
#define MT_M 397
#define AG_DEFAULT_SEED 67280421310721ULL
#define AG_PI 3.14159265358979323846

struct ag_generator {
	int refcount;
	bool seeded;		/* false: seeded with AG_DEFAULT_SEED on first use */
	uint64_t seed;
	uint32_t state[MT_N];
	int left, next;
	bool have_normal;	/* a cached float64 Box-Muller value */
	double next_normal;
};

/* torch.default_generator: never freed. */
static ag_generator default_gen = { .refcount = 1 };

ag_generator *ag_default_generator(void)
{
	return &default_gen;
}

#define GEN(g) ((g) ? (g) : &default_gen)

ag_generator *ag_gen_resolve(ag_generator *g)
{
	return GEN(g);
}

ag_generator *ag_generator_new(void)
{
	ag_generator *g = calloc(1, sizeof *g);
	if (!g) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	g->refcount = 1;
	return g;
}

void ag_generator_release(ag_generator *g)
{
	if (g && g != &default_gen && --g->refcount == 0)
		free(g);
}

void ag_generator_manual_seed(ag_generator *g, uint64_t seed)
{
	g = GEN(g);
	g->seeded = true;
	g->seed = seed;
	g->state[0] = (uint32_t)seed;
	for (uint32_t j = 1; j < MT_N; j++)
		g->state[j] = 1812433253u *
			(g->state[j - 1] ^ (g->state[j - 1] >> 30)) + j;
	g->left = 1;
	g->next = 0;
	g->have_normal = false;
}

uint64_t ag_generator_initial_seed(const ag_generator *g)
{
	g = GEN(g);
	return g->seeded ? g->seed : AG_DEFAULT_SEED;
}

/* A non-deterministic seed, as Generator.seed() takes one from the OS. */
uint64_t ag_generator_seed(ag_generator *g)
{
	uint64_t s = 0;
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(&s, sizeof s, 1, f) != 1)
		s = (uint64_t)time(NULL) * 6364136223846793005ULL ^
			(uint64_t)clock();
	if (f)
		fclose(f);
	s &= 0x7fffffffffffffffULL;	/* fits a Lua integer */
	ag_generator_manual_seed(g, s);
	return s;
}

/* The state as PyTorch 1.13 lays it out (CPUGeneratorImplState), so that
 * a state taken in one loads in the other: a uint8 tensor of 5056 bytes,
 *    0  u64 the initial seed       16  u64 next
 *    8  i32 left                   24  u64 state[624] (32-bit words)
 *   12  i32 seeded               5016  f64 normal_x, normal_y, normal_rho
 * 5040  i32 normal_is_valid (normal_y is the cached float64 normal)
 * 5048  f32 next float normal, 5052 bool its validity, then padding.
 * PyTorch also reads the older layout of 5048 bytes (no float normal; the
 * cached normal as rho * sin(2 pi x)), and so does agdb. */
#define ST_SEED 0
#define ST_LEFT 8
#define ST_SEEDED 12
#define ST_NEXT 16
#define ST_MT 24
#define ST_NORMAL_X (ST_MT + 8 * MT_N)
#define ST_NORMAL_Y (ST_NORMAL_X + 8)
#define ST_NORMAL_RHO (ST_NORMAL_X + 16)
#define ST_NORMAL_VALID (ST_NORMAL_X + 24)
#define ST_LEGACY_BYTES (ST_NORMAL_VALID + 8)
#define ST_FLOAT_NORMAL ST_LEGACY_BYTES
#define ST_FLOAT_VALID (ST_FLOAT_NORMAL + 4)
#define ST_BYTES (ST_LEGACY_BYTES + 8)

static void put(unsigned char *b, size_t at, const void *v, size_t n)
{
	memcpy(b + at, v, n);
}

static void get(const unsigned char *b, size_t at, void *v, size_t n)
{
	memcpy(v, b + at, n);
}

ag_tensor *ag_generator_get_state(const ag_generator *g)
{
	int64_t n = ST_BYTES;
	ag_tensor *t = ag_zeros(&n, 1, AG_UINT8);
	ag_generator s = *GEN(g);

	if (!t)
		return NULL;
	/* never drawn from: the state it will have, seeded by default */
	if (!s.seeded)
		ag_generator_manual_seed(&s, AG_DEFAULT_SEED);
	unsigned char *b = ag_data_ptr(t);
	int32_t left = s.left, seeded = 1, valid = s.have_normal;
	uint64_t next = (uint64_t)s.next;
	put(b, ST_SEED, &s.seed, 8);
	put(b, ST_LEFT, &left, 4);
	put(b, ST_SEEDED, &seeded, 4);
	put(b, ST_NEXT, &next, 8);
	for (int i = 0; i < MT_N; i++) {
		uint64_t w = s.state[i];
		put(b, ST_MT + 8 * (size_t)i, &w, 8);
	}
	if (s.have_normal)
		put(b, ST_NORMAL_Y, &s.next_normal, 8);
	put(b, ST_NORMAL_VALID, &valid, 4);
	return t;
}

int ag_generator_set_state(ag_generator *g, ag_tensor *t)
{
	ag_generator s = { 0 };
	int32_t left, seeded, valid;
	uint64_t next;

	if (t->dtype != AG_UINT8)
		return ag_error(AG_ERR_DTYPE, "RNG state must be a torch.ByteTensor");
	int64_t n = ag_numel(t);
	if (n != ST_BYTES && n != ST_LEGACY_BYTES)
		return ag_error(AG_ERR_VALUE, "Expected either a "
				"CPUGeneratorImplStateLegacy of size %d or a "
				"CPUGeneratorImplState of size %d but found the "
				"input RNG state size to be %lld", ST_LEGACY_BYTES,
				ST_BYTES, (long long)n);
	ag_tensor *c = ag_contiguous(t);
	if (!c)
		return -1;
	const unsigned char *b = ag_data_ptr(c);
	get(b, ST_SEED, &s.seed, 8);
	get(b, ST_LEFT, &left, 4);
	get(b, ST_SEEDED, &seeded, 4);
	get(b, ST_NEXT, &next, 8);
	get(b, ST_NORMAL_VALID, &valid, 4);
	for (int i = 0; i < MT_N; i++) {
		uint64_t w;
		get(b, ST_MT + 8 * (size_t)i, &w, 8);
		s.state[i] = (uint32_t)w;
	}
	if (valid && n == ST_BYTES) {
		get(b, ST_NORMAL_Y, &s.next_normal, 8);
	} else if (valid) {
		double x, rho;
		get(b, ST_NORMAL_X, &x, 8);
		get(b, ST_NORMAL_RHO, &rho, 8);
		s.next_normal = rho * sin(2.0 * M_PI * x);
	}
	ag_tensor_release(c);
	/* next is read as PyTorch reads it, truncated to 32 bits */
	next = (uint32_t)next;
	if (!seeded || left < 1 || left > MT_N || next > MT_N)
		return ag_error(AG_ERR_VALUE, "Invalid mt19937 state");
	g = GEN(g);
	g->seed = s.seed;
	g->seeded = true;
	g->left = left;
	g->next = (int)next;
	g->have_normal = valid != 0;
	g->next_normal = valid ? s.next_normal : 0;
	memcpy(g->state, s.state, sizeof g->state);
	return 0;
}

void ag_manual_seed(uint64_t seed)
{
	ag_generator_manual_seed(&default_gen, seed);
}

uint64_t ag_initial_seed(void)
{
	return ag_generator_initial_seed(&default_gen);
}

static uint32_t mix_bits(uint32_t u, uint32_t v)
{
	uint32_t y = (u & 0x80000000u) | (v & 0x7fffffffu);
	return (y >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}

static void regenerate(ag_generator *g)
{
	int k;
	for (k = 0; k < MT_N - MT_M; k++)
		g->state[k] = g->state[k + MT_M] ^
			mix_bits(g->state[k], g->state[k + 1]);
	for (; k < MT_N - 1; k++)
		g->state[k] = g->state[k + MT_M - MT_N] ^
			mix_bits(g->state[k], g->state[k + 1]);
	g->state[MT_N - 1] = g->state[MT_M - 1] ^
		mix_bits(g->state[MT_N - 1], g->state[0]);
	g->left = MT_N;
	g->next = 0;
}

uint32_t ag_gen_u32(ag_generator *g)
{
	uint32_t y;

	if (!g->seeded)
		ag_generator_manual_seed(g, AG_DEFAULT_SEED);
	if (--g->left == 0)
		regenerate(g);
	y = g->state[g->next++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

uint64_t ag_gen_u64(ag_generator *g)
{
	uint64_t hi = ag_gen_u32(g);
	return (hi << 32) | ag_gen_u32(g);
}

/* ------------------------------------------------------------ uniforms */

/* Mantissa bits PyTorch keeps per dtype (std::numeric_limits<T>::digits). */
static int uniform_digits(ag_dtype dt)
{
	switch (dt) {
	case AG_FLOAT64: return 53;
	case AG_FLOAT16: return 11;
	case AG_BFLOAT16: return 8;
	default: return 24;
	}
}

/* A uniform in [from, to) as PyTorch computes it for dtype dt (from and to
 * already rounded to dt); the result is exact in dt for float64, and a
 * float to be rounded on store otherwise. */
double ag_gen_uniform(ag_generator *g, ag_dtype dt, double from, double to)
{
	if (dt == AG_FLOAT64) {
		double x = (double)(ag_gen_u64(g) & ((1ULL << 53) - 1)) *
			(1.0 / (double)(1ULL << 53));
		return fma(x, to - from, from);
	}
	int digits = uniform_digits(dt);
	float x = (float)(ag_gen_u32(g) & ((1u << digits) - 1)) *
		(1.0f / (float)(1u << digits));
	float range = ag_round_float((float)to - (float)from, dt);
	return fmaf(x, range, (float)from);
}

/* Box-Muller in float64 with the cached second value (PyTorch's
 * normal_distribution<double>). */
double ag_gen_normal(ag_generator *g, double mean, double std)
{
	double z;

	if (g->have_normal) {
		g->have_normal = false;
		z = g->next_normal;
	} else {
		double u1 = ag_gen_uniform(g, AG_FLOAT64, 0.0, 1.0);
		double u2 = ag_gen_uniform(g, AG_FLOAT64, 0.0, 1.0);
		double r = sqrt(-2.0 * log(1.0 - u2));
		double theta = 2.0 * AG_PI * u1;
		g->next_normal = r * sin(theta);
		g->have_normal = true;
		z = r * cos(theta);
	}
	return fma(z, std, mean);
}

/* ------------------------------------------- PyTorch's AVX2 float32 path */

static float bits_to_float(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* Natural log of x > 0: the Cephes single-precision algorithm. */
static float cephes_logf(float x)
{
	static const float poly[] = {
		7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f,
		-1.2420140846E-1f, 1.4249322787E-1f, -1.6668057665E-1f,
		2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f
	};
	uint32_t u;
	float e, y, z;

	if (x < 1.17549435e-38f)	/* denormals are cut off */
		x = 1.17549435e-38f;
	memcpy(&u, &x, sizeof u);
	e = (float)((int)(u >> 23) - 0x7f) + 1.0f;
	x = bits_to_float((u & 0x807fffffu) | 0x3f000000u);	/* [0.5, 1) */
	if (x < 0.707106781186547524f) {
		e -= 1.0f;
		x = x - 1.0f + x;
	} else {
		x = x - 1.0f;
	}
	z = x * x;
	y = poly[0];
	for (int i = 1; i < 9; i++)
		y = fmaf(y, x, poly[i]);
	y = y * x;
	y = fmaf(y, z, e * -2.12194440e-4f);
	y = fmaf(-z, 0.5f, y);
	x = x + y;
	return fmaf(e, 0.693359375f, x);
}

/* sin and cos of x: the Cephes single-precision algorithm (octant
 * reduction by 4/pi, then one of two polynomials on [0, pi/4]). */
static void cephes_sincosf(float x, float *s, float *c)
{
	bool sin_neg = x < 0, cos_neg;
	float y, z, pc, ps;
	int j;

	x = fabsf(x);
	j = (int)(x * 1.27323954473516f);
	j = (j + 1) & ~1;
	y = (float)j;
	if (j & 4)
		sin_neg = !sin_neg;
	cos_neg = ((j - 2) & 4) == 0;
	x = fmaf(y, -0.78515625f, x);
	x = fmaf(y, -2.4187564849853515625e-4f, x);
	x = fmaf(y, -3.77489497744594108e-8f, x);
	z = x * x;

	pc = 2.443315711809948E-005f;
	pc = fmaf(pc, z, -1.388731625493765E-003f);
	pc = fmaf(pc, z, 4.166664568298827E-002f);
	pc = pc * z;
	pc = fmaf(pc, z, -(z * 0.5f));
	pc = pc + 1.0f;

	ps = -1.9515295891E-4f;
	ps = fmaf(ps, z, 8.3321608736E-3f);
	ps = fmaf(ps, z, -1.6666654611E-1f);
	ps = ps * z;
	ps = fmaf(ps, x, x);

	if (j & 2) {	/* the polynomials swap roles in these octants */
		float tmp = pc;
		pc = ps;
		ps = tmp;
	}
	*s = sin_neg ? -ps : ps;
	*c = cos_neg ? -pc : pc;
}

static void normal16_float(float *d, float mean, float std)
{
	const float two_pi = (float)(2.0 * AG_PI);
	for (int j = 0; j < 8; j++) {
		float u1 = 1.0f - d[j], u2 = d[j + 8];
		float radius = sqrtf(-2.0f * cephes_logf(u1));
		float s, c;
		cephes_sincosf(two_pi * u2, &s, &c);
		d[j] = fmaf(radius * c, std, mean);
		d[j + 8] = fmaf(radius * s, std, mean);
	}
}

/* PyTorch's scalar normal_fill_16 in float64. */
static void normal16_double(double *d, double mean, double std)
{
	for (int j = 0; j < 8; j++) {
		double u1 = 1.0 - d[j], u2 = d[j + 8];
		double radius = sqrt(-2.0 * log(u1));
		double theta = 2.0 * AG_PI * u2;
		d[j] = fma(radius * cos(theta), std, mean);
		d[j + 8] = fma(radius * sin(theta), std, mean);
	}
}

/* The same for float16/bfloat16, in c10's arithmetic: d holds values
 * already rounded to dt, every named intermediate is rounded to dt, and
 * bfloat16 (unlike half) also rounds the results of log, sqrt, sin, cos and
 * of every product and sum. */
static void normal16_half(ag_dtype dt, float *d, float mean, float std)
{
	bool bf = dt == AG_BFLOAT16;
#define R(v) ag_round_float((v), dt)
#define RB(v) (bf ? R(v) : (v))
	for (int j = 0; j < 8; j++) {
		float u1 = R(1.0f - d[j]), u2 = d[j + 8];
		float radius = R(sqrtf(-2.0f * RB(logf(u1))));
		float theta = R((float)(2.0 * AG_PI * (double)u2));
		float c = RB(cosf(theta)), s = RB(sinf(theta));
		if (bf) {
			d[j] = R(R(R(radius * c) * std) + mean);
			d[j + 8] = R(R(R(radius * s) * std) + mean);
		} else {
			d[j] = R(fmaf(radius * c, std, mean));
			d[j + 8] = R(fmaf(radius * s, std, mean));
		}
	}
#undef RB
#undef R
}

static void fill_uniform_block(ag_generator *g, ag_dtype dt, void *base, int64_t begin,
			       int64_t n)
{
	for (int64_t i = begin; i < begin + n; i++) {
		if (dt == AG_FLOAT64)
			((double *)base)[i] = ag_gen_uniform(g, dt, 0.0, 1.0);
		else
			((float *)base)[i] = (float)ag_gen_uniform(g, dt, 0.0, 1.0);
	}
}

static void transform16(ag_dtype dt, void *base, int64_t at, double mean,
			double std)
{
	if (dt == AG_FLOAT64)
		normal16_double((double *)base + at, mean, std);
	else if (dt == AG_FLOAT32)
		normal16_float((float *)base + at, (float)mean, (float)std);
	else
		normal16_half(dt, (float *)base + at, (float)mean, (float)std);
}

/* The >= 16 contiguous elements path.  Half types work in a float buffer
 * (values rounded as PyTorch rounds them) and are stored at the end. */
static int normal_fill(ag_generator *g, ag_tensor *t, int64_t n, double mean, double std)
{
	ag_dtype dt = t->dtype;
	bool direct = dt == AG_FLOAT32 || dt == AG_FLOAT64;
	void *buf = direct ? ag_data_ptr(t) : malloc((size_t)n * sizeof(float));

	if (!buf)
		return ag_error(AG_ERR_NOMEM, "out of memory");
	if (!direct) {
		mean = ag_round_float((float)mean, dt);
		std = ag_round_float((float)std, dt);
	}
	fill_uniform_block(g, dt, buf, 0, n);
	for (int64_t i = 0; i + 16 <= n; i += 16)
		transform16(dt, buf, i, mean, std);
	if (n % 16 != 0) {
		fill_uniform_block(g, dt, buf, n - 16, 16);
		transform16(dt, buf, n - 16, mean, std);
	}
	if (!direct) {
		char *out = ag_data_ptr(t);
		for (int64_t i = 0; i < n; i++)
			ag_store(out + i * 2, dt, ((float *)buf)[i]);
		free(buf);
	}
	return 0;
}

/* ----------------------------------------------------- element-wise fills */

typedef enum { DRAW_UNIFORM, DRAW_NORMAL, DRAW_INT } draw_kind;

typedef struct draw_ctx {
	draw_kind kind;
	ag_generator *g;
	ag_dtype dt;
	double a, b;		/* from/to, or mean/std */
	uint64_t range;		/* DRAW_INT */
	int64_t base;
} draw_ctx;

static void draw_loop(char **data, const int64_t *strides, int64_t n,
		      void *vctx)
{
	const draw_ctx *ctx = vctx;
	char *p = data[0];

	for (int64_t i = 0; i < n; i++, p += strides[0]) {
		switch (ctx->kind) {
		case DRAW_UNIFORM:
			ag_store(p, ctx->dt, ag_gen_uniform(ctx->g, ctx->dt, ctx->a, ctx->b));
			break;
		case DRAW_NORMAL:
			ag_store(p, ctx->dt, ag_gen_normal(ctx->g, ctx->a, ctx->b));
			break;
		case DRAW_INT: {
			/* PyTorch takes 64 bits only when the range needs them
			 * (and never for float16, which cannot hold such). */
			uint64_t r = (ctx->range >= (1ULL << 32) &&
				      ctx->dt != AG_FLOAT16) ?
				ag_gen_u64(ctx->g) : ag_gen_u32(ctx->g);
			/* in uint64, as PyTorch computes it: base + range may wrap */
			int64_t v = (int64_t)(r % ctx->range + (uint64_t)ctx->base);
			if (!ag_dtype_is_floating(ctx->dt))
				ag_store_i64(p, ctx->dt, v);
			else
				ag_store(p, ctx->dt, (double)v);
			break;
		}
		}
	}
}

static int draw_into(ag_tensor *t, draw_ctx *ctx)
{
	ag_iter it;

	if (ag_assert_no_internal_overlap(t) < 0)
		return -1;
	if (ag_numel(t) == 0)
		return 0;
	if (ag_iter_init(&it, 1, &t, t->shape, t->ndim) < 0)
		return -1;
	ag_iter_run(&it, draw_loop, ctx, false);
	return 0;
}

/* ------------------------------------------------------- argument checks */

static const char *cpp_type_name(ag_dtype dt)
{
	return ag_dtype_typeid_name(dt);
}

static double dtype_max(ag_dtype dt)
{
	switch (dt) {
	case AG_FLOAT32: return 3.4028234663852886e38;
	case AG_FLOAT64: return 1.7976931348623157e308;
	case AG_FLOAT16: return 65504.0;
	case AG_BFLOAT16: return 3.3895313892515355e38;
	case AG_BOOL: return 1.0;
	default: {
		int bits;
		int64_t lo, hi;
		ag_dtype_iinfo(dt, &bits, &lo, &hi);
		return (double)hi;
	}
	}
}

static double dtype_lowest(ag_dtype dt)
{
	int bits;
	int64_t lo, hi;

	if (ag_dtype_iinfo(dt, &bits, &lo, &hi) == 0)
		return (double)lo;
	if (dt == AG_BOOL)
		return 0.0;
	return -dtype_max(dt);
}

static int not_implemented(const char *kernel, ag_dtype dt)
{
	return ag_error(AG_ERR_DTYPE, "\"%s\" not implemented for '%s'", kernel,
			ag_dtype_scalar_name(dt));
}

static int check_uniform(const ag_tensor *t, double from, double to)
{
	ag_dtype dt = t->dtype;
	double lo = dtype_lowest(dt), hi = dtype_max(dt);

	if (!ag_dtype_is_floating(dt))
		return not_implemented("check_uniform_bounds", dt);
	if (!(from >= lo && from <= hi))
		return ag_error(AG_ERR_VALUE, "from is out of bounds for %s",
				cpp_type_name(dt));
	if (!(to >= lo && to <= hi))
		return ag_error(AG_ERR_VALUE, "to is out of bounds for %s",
				cpp_type_name(dt));
	if (!(from <= to))
		return ag_error(AG_ERR_VALUE, "uniform_ expects to return a [from, "
				"to) range, but found from=%g > to=%g", from, to);
	if (!(to - from <= hi))
		return ag_error(AG_ERR_VALUE, "uniform_ expects to-from <= "
				"std::numeric_limits<%s>::max(), but found to=%g and "
				"from=%g which result in to-from to exceed the limit",
				ag_dtype_scalar_name(dt), to, from);
	return 0;
}

static int check_normal(const ag_tensor *t, double std)
{
	if (!ag_dtype_is_floating(t->dtype))
		return not_implemented("normal_kernel_cpu", t->dtype);
	if (!(std >= 0.0))
		return ag_error(AG_ERR_VALUE,
				"normal expects std >= 0.0, but found std %g", std);
	return 0;
}

/* --------------------------------------------------------------- the API */

static int uniform_impl(ag_generator *g, ag_tensor *t, double from, double to)
{
	draw_ctx ctx = { .kind = DRAW_UNIFORM, .g = GEN(g), .dt = t->dtype };

	if (check_uniform(t, from, to) < 0)
		return -1;
	/* PyTorch rounds the bounds to the dtype first */
	if (t->dtype == AG_FLOAT64) {
		ctx.a = from;
		ctx.b = to;
	} else {
		ctx.a = ag_round_float((float)from, t->dtype);
		ctx.b = ag_round_float((float)to, t->dtype);
	}
	return draw_into(t, &ctx);
}

static int normal_impl(ag_generator *g, ag_tensor *t, double mean, double std)
{
	int64_t n;

	if (check_normal(t, std) < 0 || ag_assert_no_internal_overlap(t) < 0)
		return -1;
	n = ag_numel(t);
	if (n >= 16 && ag_is_contiguous(t)) {
		if (normal_fill(GEN(g), t, n, mean, std) < 0)
			return -1;
	} else {
		draw_ctx ctx = { .kind = DRAW_NORMAL, .g = GEN(g), .dt = t->dtype,
				 .a = mean, .b = std };
		if (draw_into(t, &ctx) < 0)
			return -1;
	}
	return 0;
}

/* The in-place forms are writes the user sees: they bump the version
 * counter; the factories below fill fresh tensors and leave it at 0. */
int ag_uniform_gen_(ag_tensor *t, double from, double to, ag_generator *g)
{
	if (uniform_impl(g, t, from, to) < 0)
		return -1;
	ag_bump_version(t);
	return 0;
}

int ag_normal_gen_(ag_tensor *t, double mean, double std, ag_generator *g)
{
	if (normal_impl(g, t, mean, std) < 0)
		return -1;
	ag_bump_version(t);
	return 0;
}

int ag_uniform_(ag_tensor *t, double from, double to)
{
	return ag_uniform_gen_(t, from, to, NULL);
}

int ag_normal_(ag_tensor *t, double mean, double std)
{
	return ag_normal_gen_(t, mean, std, NULL);
}

ag_tensor *ag_rand_gen(const int64_t *shape, int ndim, ag_dtype dt,
		       ag_generator *g)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	if (t && uniform_impl(g, t, 0.0, 1.0) < 0) {
		ag_tensor_release(t);
		return NULL;
	}
	return t;
}

ag_tensor *ag_randn_gen(const int64_t *shape, int ndim, ag_dtype dt,
			ag_generator *g)
{
	ag_tensor *t = ag_tensor_alloc(shape, ndim, dt);
	if (t && normal_impl(g, t, 0.0, 1.0) < 0) {
		ag_tensor_release(t);
		return NULL;
	}
	return t;
}

ag_tensor *ag_rand(const int64_t *shape, int ndim, ag_dtype dt)
{
	return ag_rand_gen(shape, ndim, dt, NULL);
}

ag_tensor *ag_randn(const int64_t *shape, int ndim, ag_dtype dt)
{
	return ag_randn_gen(shape, ndim, dt, NULL);
}

static int check_randint(ag_dtype dt, int64_t low, int64_t high)
{
	double lo = dtype_lowest(dt), hi = dtype_max(dt);

	if (low >= high)
		return ag_error(AG_ERR_VALUE, "random_ expects 'from' to be less "
				"than 'to', but got from=%lld >= to=%lld",
				(long long)low, (long long)high);
	if (dt == AG_INT64)
		return 0;
	if ((double)low < lo || (double)low > hi)
		return ag_error(AG_ERR_VALUE, "from is out of bounds for %s",
				cpp_type_name(dt));
	if ((double)(high - 1) < lo || (double)(high - 1) > hi)
		return ag_error(AG_ERR_VALUE, "to - 1 is out of bounds for %s",
				cpp_type_name(dt));
	return 0;
}

/* random_(from, to) into t: r % (to - from) + from, one 32-bit draw or two
 * when the range needs them. */
static int randint_impl(ag_tensor *t, int64_t low, int64_t high,
			ag_generator *g)
{
	draw_ctx ctx = { .kind = DRAW_INT, .g = GEN(g), .dt = t->dtype };

	if (check_randint(t->dtype, low, high) < 0)
		return -1;
	ctx.range = (uint64_t)high - (uint64_t)low;
	ctx.base = low;
	return draw_into(t, &ctx);
}

int ag_random_range_(ag_tensor *t, int64_t low, int64_t high, ag_generator *g)
{
	if (randint_impl(t, low, high, g) < 0)
		return -1;
	ag_bump_version(t);
	return 0;
}

ag_tensor *ag_randint_gen(int64_t low, int64_t high, const int64_t *shape,
			  int ndim, ag_dtype dt, ag_generator *g)
{
	ag_tensor *t;

	if ((unsigned)dt >= AG_NDTYPES) {
		ag_error(AG_ERR_DTYPE, "invalid dtype");
		return NULL;
	}
	if (check_randint(dt, low, high) < 0)
		return NULL;
	t = ag_tensor_alloc(shape, ndim, dt);
	if (t && randint_impl(t, low, high, g) < 0) {
		ag_tensor_release(t);
		return NULL;
	}
	return t;
}

ag_tensor *ag_randint(int64_t low, int64_t high, const int64_t *shape,
		      int ndim, ag_dtype dt)
{
	return ag_randint_gen(low, high, shape, ndim, dt, NULL);
}
