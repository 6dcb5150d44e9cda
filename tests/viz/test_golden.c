/*
 * test_golden.c - the text renderer against golden drawings.
 *
 * Each shape of shapes.c is laid out and drawn; the text must equal
 * tests/viz/golden/NAME.txt.  After a deliberate change, regenerate with
 *   VIZ_REGEN=1 make check TESTS=tests/viz/test_golden
 * and read the new drawings before committing them.  A mismatch leaves the
 * drawing in NAME.out in the current directory for a diff.
 */
#include "../tap.h"
#include "shapes.h"
#include "render.h"
#include "ag.h"

#include <stdlib.h>

#ifndef AGDB_SRCDIR
#define AGDB_SRCDIR "."
#endif

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	if (s)
		s[n] = 0;
	fclose(f);
	return s;
}

static int spit(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	fputs(s, f);
	return fclose(f);
}

static void first_difference(const char *got, const char *want)
{
	int line = 1;
	const char *g = got, *w = want;
	while (*g && *g == *w) {
		if (*g == '\n')
			line++;
		g++;
		w++;
	}
	diag("first difference on line %d", line);
}

static char *render(const shape *s)
{
	viz_graph *g = s->build();
	if (!g)
		return NULL;
	if (s->collapse && viz_graph_set_collapsed(g, s->collapse, true) < 0) {
		viz_graph_free(g);
		return NULL;
	}
	viz_layout *l = viz_layout_new(g, &s->opt);
	char *text = l ? viz_render_text(l, NULL) : NULL;
	viz_layout_free(l);
	viz_graph_free(g);
	return text;
}

int main(void)
{
	plan_lazy();
	const char *src = getenv("top_srcdir");
	if (!src || !*src)
		src = AGDB_SRCDIR;
	bool regen = getenv("VIZ_REGEN") && *getenv("VIZ_REGEN") == '1';
	char path[4096];
	for (int i = 0; i < viz_nshapes; i++) {
		const shape *s = &viz_shapes[i];
		char *text = render(s);
		if (!ok(text != NULL, "%s: laid out and drawn", s->name)) {
			diag("%s", ag_error_message());
			continue;
		}
		snprintf(path, sizeof path, "%s/tests/viz/golden/%s.txt", src, s->name);
		if (regen) {
			ok(spit(path, text) == 0, "%s: regenerated %s", s->name, path);
			free(text);
			continue;
		}
		char *want = slurp(path);
		bool same = want && !strcmp(text, want);
		if (!ok(same, "%s: matches golden/%s.txt", s->name, s->name)) {
			char out[512];
			snprintf(out, sizeof out, "%s.out", s->name);
			spit(out, text);
			if (want)
				first_difference(text, want);
			else
				diag("missing %s (VIZ_REGEN=1 writes it)", path);
			diag("the drawing is in %s", out);
		}
		/* drawing twice gives the same picture: the layout is deterministic */
		char *again = render(s);
		ok(again && !strcmp(again, text), "%s: deterministic", s->name);
		free(again);
		free(want);
		free(text);
	}
	return done_testing();
}
