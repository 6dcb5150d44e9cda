/*
 * sbuf.c - growable strings and UTF-8 helpers for the renderers.
 */
#include "vizint.h"
#include "ag.h"
#include "vec.h"

#include <limits.h>

#include <stdio.h>
#include <string.h>

void sb_init(viz_sbuf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

void sb_free(viz_sbuf *b)
{
	free(b->s);
	sb_init(b);
}

static bool sb_reserve(viz_sbuf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void sb_putn(viz_sbuf *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sb_puts(viz_sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

void sb_putc(viz_sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

void sb_printf(viz_sbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		sb_putn(b, small, (size_t)n);
		return;
	}
	if (!sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_utf8(viz_sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sb_putn(b, u, n);
}

char *sb_take(viz_sbuf *b)
{
	if (b->oom) {
		sb_free(b);
		ag_error(AG_ERR_NOMEM, "out of memory while rendering the graph");
		return NULL;
	}
	if (!b->s && !sb_reserve(b, 0)) {
		ag_error(AG_ERR_NOMEM, "out of memory while rendering the graph");
		return NULL;
	}
	b->s[b->len] = 0;
	char *s = b->s;
	sb_init(b);
	return s;
}

/* Invalid bytes decode as U+FFFD so a bad label can never derail a layout. */
uint32_t viz_utf8_next(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	uint32_t cp;
	int n;
	if (s[0] < 0x80) {
		*sp += 1;
		return s[0];
	} else if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1F;
		n = 1;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0F;
		n = 2;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07;
		n = 3;
	} else {
		*sp += 1;
		return 0xFFFD;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*sp += i;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*sp += n + 1;
	return cp;
}

/* East Asian wide and emoji ranges take two cells; controls take none. */
int viz_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if ((cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B ||
	    (cp >= 0xFE00 && cp <= 0xFE0F))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
	    (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

int viz_text_width(const char *s)
{
	int w = 0;
	while (s && *s)
		w += viz_cp_width(viz_utf8_next(&s));
	return w;
}

char *viz_strdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* An array with an int capacity, grown by core's one growable array
 * (vec.h): its doubling, its overflow check, its AG_ERR_NOMEM. */
void *viz_grow(void *p, int *cap, int need, size_t elsize)
{
	if (need <= *cap)
		return p;
	ag_vec v = { p, (size_t)*cap, (size_t)*cap, false };
	if (ag_vec_reserve(&v, (size_t)need - (size_t)*cap, elsize) < 0 || v.cap > INT_MAX)
		return NULL;
	*cap = (int)v.cap;
	return v.data;
}
