/*
 * test_json.c - the JSON front end: well-formed (checked by a small
 * parser here), and saying what the graph and the layout hold.
 */
#include "../tap.h"
#include "shapes.h"
#include "render.h"
#include "ag.h"

#include <ctype.h>
#include <stdlib.h>

/* A strict recursive-descent JSON checker: returns the end of the value or
 * NULL. */
static const char *value(const char *p, int depth);

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *number(const char *p)
{
	const char *s = p;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' ||
	       *p == '+' || *p == '-')
		p++;
	return p > s ? p : NULL;
}

static const char *value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				if (!(p = string(ws(p))))
					return NULL;
				p = ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = value(p, depth + 1)))
				return NULL;
			p = ws(p);
			if (*p == ',') {
				p++;
				continue;
			}
			return *p == close ? p + 1 : NULL;
		}
	}
	if (*p == '"')
		return string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	return number(p);
}

static bool well_formed(const char *s)
{
	const char *end = s ? value(s, 0) : NULL;
	return end && *ws(end) == 0;
}

int main(void)
{
	plan_lazy();
	ok(well_formed("{\"a\": [1, -2.5e-3, true, null, \"x\\u00e9\"]}"), "the checker accepts JSON");
	ok(!well_formed("{\"a\": [1, 2,]}") && !well_formed("{a: 1}"), "and rejects non-JSON");

	viz_graph *g = shape_seed();
	char *js = viz_render_json(g, NULL);
	ok(well_formed(js), "seed graph without layout: well-formed");
	ok(js && strstr(js, "{\"id\": 0, \"kind\": \"tensor\", \"name\": \"x\", \"var\": null, "
			    "\"shape\": \"[2, 2]\", \"dtype\": \"float32\", \"version\": 0, "
			    "\"flags\": [\"leaf\", \"requires_grad\"]"),
	   "node attributes");
	ok(js && strstr(js, "{\"id\": 2, \"from\": 1, \"to\": 2, \"kind\": \"autograd\""),
	   "the second y edge is there");
	ok(js && !strstr(js, "\"box\""), "no layout, no boxes");
	free(js);

	viz_layout *l = viz_layout_new(g, NULL);
	js = viz_render_json(g, l);
	ok(well_formed(js), "with a layout: well-formed");
	ok(js && strstr(js, "\"direction\": \"TB\", \"detail\": \"normal\""), "options recorded");
	ok(js && strstr(js, "\"label\": [\"\u25C6 x\", \"[2, 2] float32\"], \"layer\": 0, \"order\": 0, \"box\": {\"x\": 2, \"y\": 0, \"w\": 18, \"h\": 4}"),
	   "x: label lines, layer and box");
	ok(js && strstr(js, "\"drawn\": true, \"reversed\": false, \"points\": [[10, 3], [10, 5]]"),
	   "edge x -> y: its route from x's port to the arrow");
	free(js);
	viz_layout_free(l);
	viz_graph_free(g);

	/* hidden nodes and NaN statistics */
	g = shape_mlp();
	viz_graph_set_collapsed(g, "model.fc1", true);
	viz_graph_add_node(g, &(viz_node_info){ .name = "bad\n\"q\"",
		.grad = { .valid = true, .mean_abs = NAN, .max_abs = INFINITY, .nan_count = 4 } });
	l = viz_layout_new(g, NULL);
	js = viz_render_json(g, l);
	ok(well_formed(js), "MLP with a collapsed module: well-formed");
	ok(js && strstr(js, "\"hidden_in\": \"model.fc1\""), "hidden nodes name their module");
	ok(js && strstr(js, "\"modules\": [\n  {\"scope\": \"model.fc1\", \"collapsed\": true, \"count\": 4"),
	   "the module is listed");
	ok(js && strstr(js, "\"drawn\": false"), "edges inside the module are not drawn");
	ok(js && strstr(js, "\"name\": \"bad\\n\\\"q\\\"\""), "strings are escaped");
	ok(js && strstr(js, "{\"mean_abs\": null, \"max_abs\": null, \"nan\": 4, \"inf\": 0, "
			    "\"lost_zero\": 0, \"lost_inf\": 0}"),
	   "NaN and Inf statistics become null");
	free(js);
	viz_layout_free(l);
	/* what float16/bfloat16 rounding lost, with statistics and without */
	viz_graph_add_node(g, &(viz_node_info){ .name = "MulBackward0",
		.grad = { .valid = true, .mean_abs = 0.5, .max_abs = 2, .lost_zero = 3, .lost_inf = 1 } });
	viz_graph_add_node(g, &(viz_node_info){ .name = "AddBackward0",
		.grad = { .valid = false, .lost_zero = 0, .lost_inf = 7 } });
	l = viz_layout_new(g, NULL);
	js = viz_render_json(g, l);
	ok(well_formed(js), "rounding losses: well-formed");
	ok(js && strstr(js, "{\"mean_abs\": 0.5, \"max_abs\": 2, \"nan\": 0, \"inf\": 0, "
			    "\"lost_zero\": 3, \"lost_inf\": 1}"),
	   "the losses beside the statistics");
	ok(js && strstr(js, "\"grad\": {\"lost_zero\": 0, \"lost_inf\": 7}"),
	   "the losses alone when there are no statistics");
	free(js);
	viz_layout_free(l);
	viz_layout *other = viz_layout_new(g, NULL);
	viz_graph_add_node(g, NULL);
	ok(viz_render_json(g, other) == NULL, "a layout of another graph is refused");
	is_str(ag_error_message(), "viz_render_json: the layout was made for another graph",
	       "with a message");
	viz_layout_free(other);
	viz_graph_free(g);

	for (int i = 0; i < viz_nshapes; i++) {
		const shape *s = &viz_shapes[i];
		g = s->build();
		if (s->collapse)
			viz_graph_set_collapsed(g, s->collapse, true);
		l = viz_layout_new(g, &s->opt);
		js = viz_render_json(g, l);
		ok(well_formed(js), "%s: well-formed JSON", s->name);
		free(js);
		viz_layout_free(l);
		viz_graph_free(g);
	}
	return done_testing();
}
