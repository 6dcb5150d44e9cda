/*
 * tap.h - a minimal TAP producer for the C unit tests.
 *
 *   int main(void) { plan_lazy(); ok(1 + 1 == 2, "sum"); return done_testing(); }
 *
 * Output follows TAP 13 so automake's tap-driver.sh counts every check.
 */
#ifndef AG_TAP_H
#define AG_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline void plan_lazy(void) { setvbuf(stdout, NULL, _IONBF, 0); }

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   Failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static inline void diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) diag("got %lld, want %lld", g_, w_); \
} while (0)

#define is_num(got, want, tol, ...) do { \
	double g_ = (double)(got), w_ = (double)(want); \
	int same_ = (isnan(g_) && isnan(w_)) || g_ == w_ || fabs(g_ - w_) <= (tol); \
	if (!ok(same_, __VA_ARGS__)) diag("got %.17g, want %.17g", g_, w_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int same_ = g_ && w_ && strcmp(g_, w_) == 0; \
	if (!ok(same_, __VA_ARGS__)) diag("got \"%s\"\n# want \"%s\"", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
