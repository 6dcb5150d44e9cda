/*
 * cmd_graph.c - drawing the live graph: :graph, :dot, :json and their Lua
 * forms agdb.graph(x, opts), agdb.dot(x, file), agdb.json(x).
 *
 * What to draw: a tensor, a list of tensors, or (nothing given) every
 * tensor bound to a global variable.  Tensors bound to globals are labelled
 * with their variable names.
 *
 * A string is a Lua expression, evaluated in the session: that is how
 * `:graph a + b` (the rest of the line, one string) reaches agdb.graph, as
 * every :command is sugar for its Lua function.  So the Lua forms run a
 * string argument as code too -- :help says so; scripts pass tensors.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "commands.h"
#include "ltorch.h"
#include "repl.h"
#include "autograd.h"
#include "viz.h"
#include "snapshot.h"

bool repl_ascii_mode;	/* --ascii */

typedef struct graph_req {
	ag_tensor **roots;
	int nroots, caproots;
	viz_name *names;
	int nnames;
	viz_name *params;	/* parameters of global modules, by path */
	int nparams, capparams;
	viz_snapshot_options snap;
	viz_layout_options lay;
	viz_text_options text;
} graph_req;

static void add_root(lua_State *L, graph_req *r, ag_tensor *t)
{
	if (r->nroots == r->caproots) {
		int cap = r->caproots ? r->caproots * 2 : 64;
		ag_tensor **nr = realloc(r->roots, sizeof *nr * (size_t)cap);
		if (!nr)
			luaL_error(L, "out of memory");
		r->roots = nr;
		r->caproots = cap;
	}
	r->roots[r->nroots++] = t;
}

typedef struct named {
	const char *name;
	ag_tensor *t;
} named;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

/* Names of every tensor bound to a global (for labels); with collect set,
 * those tensors are also the roots, in the order of their names. */
static void collect_globals(lua_State *L, graph_req *r, bool collect)
{
	int cap = 64, n = 0;
	named *found = malloc((size_t)cap * sizeof *found);
	if (!found)
		luaL_error(L, "out of memory");
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		ag_tensor *t = lua_type(L, -2) == LUA_TSTRING ? repl_to_tensor(L, -1) : NULL;
		if (t) {
			if (n == cap) {
				named *nf = realloc(found, (size_t)cap * 2 * sizeof *nf);
				if (!nf) {
					free(found);
					luaL_error(L, "out of memory");
				}
				found = nf;
				cap *= 2;
			}
			/* the string stays alive: the global table holds it */
			found[n].name = lua_tostring(L, -2);
			found[n++].t = t;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	/* deterministic: sorted by name */
	qsort(found, (size_t)n, sizeof *found, by_name);
	r->names = malloc(sizeof *r->names * (size_t)(n ? n : 1));
	if (!r->names) {
		free(found);
		luaL_error(L, "out of memory");
	}
	for (int i = 0; i < n; i++) {
		r->names[i].tensor_id = found[i].t->id;
		r->names[i].name = found[i].name;
		r->names[i].tensor = found[i].t;
	}
	r->nnames = n;
	if (collect)
		for (int i = 0; i < n; i++)
			add_root(L, r, found[i].t);
	free(found);
}

/* The parameters of the module at the top of the stack, named prefix.key,
 * read from its stores (_parameters, _modules) with raw gets only: no
 * user code runs while drawing. */
static void module_params(lua_State *L, graph_req *r, const char *prefix, int depth)
{
	if (depth > 16 || !lua_checkstack(L, 8))
		return;
	static const char *const stores[] = { "_parameters", "_modules" };
	for (int s = 0; s < 2; s++) {
		lua_pushstring(L, stores[s]);
		if (lua_rawget(L, -2) != LUA_TTABLE) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushliteral(L, "keys");
		lua_rawget(L, -2);
		lua_pushliteral(L, "vals");
		lua_rawget(L, -3);
		int n = lua_istable(L, -2) && lua_istable(L, -1) ? (int)lua_rawlen(L, -2) : 0;
		for (int i = 1; i <= n; i++) {
			lua_rawgeti(L, -2, i);
			const char *key = lua_tostring(L, -1);
			if (!key) {
				lua_pop(L, 1);
				continue;
			}
			char path[256];
			snprintf(path, sizeof path, "%s.%s", prefix, key);
			lua_rawget(L, -2);	/* vals[key] */
			ag_tensor *t = s == 0 ? repl_to_tensor(L, -1) : NULL;
			if (t && r->nparams < 100000) {
				if (r->nparams == r->capparams) {
					int cap = r->capparams ? r->capparams * 2 : 16;
					viz_name *np = realloc(r->params, sizeof *np * (size_t)cap);
					if (!np)
						luaL_error(L, "out of memory");
					r->params = np;
					r->capparams = cap;
				}
				char *copy = strdup(path);
				if (!copy)
					luaL_error(L, "out of memory");
				r->params[r->nparams++] = (viz_name){ t->id, copy, t };
			} else if (s == 1 && lua_istable(L, -1)) {
				module_params(L, r, path, depth + 1);
			}
			lua_pop(L, 1);
		}
		lua_pop(L, 3);
	}
}

/* Every global module's parameters (for labels and the gradients pane). */
static void collect_params(lua_State *L, graph_req *r)
{
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1)) {
			lua_pushliteral(L, "_parameters");
			bool module = lua_rawget(L, -2) == LUA_TTABLE;
			lua_pop(L, 1);
			if (module)
				module_params(L, r, lua_tostring(L, -2), 0);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* The value at idx: a tensor, a list of tensors, or nil for the globals.
 * A string is an expression to evaluate (the :graph line form). */
static void collect_roots(lua_State *L, int idx, graph_req *r)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		const char *expr = lua_tostring(L, idx);
		lua_pushfstring(L, "return %s", expr);
		if (luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=(graph)") != LUA_OK)
			luaL_error(L, "agdb.graph: '%s' is not an expression (%s); "
				   "options are backward forward compact normal "
				   "full tb lr ascii", expr, lua_tostring(L, -1));
		lua_call(L, 0, 1);
		if (lua_isnil(L, -1))
			luaL_error(L, "agdb.graph: '%s' is nil (a typo? :graph with "
				   "nothing draws every global tensor)", expr);
		lua_replace(L, idx);
		lua_pop(L, 1);
	}
	bool all = lua_isnoneornil(L, idx);
	collect_globals(L, r, all);
	collect_params(L, r);
	if (all)
		return;
	ag_tensor *t = repl_to_tensor(L, idx);
	if (t) {
		add_root(L, r, t);
		return;
	}
	if (!lua_istable(L, idx))
		luaL_error(L, "agdb.graph: argument 1 must be a Tensor, a list of "
			   "Tensors, an expression or nil, got %s",
			   repl_type_name(L, idx));
	int n = (int)lua_rawlen(L, idx);
	for (int i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		ag_tensor *e = repl_to_tensor(L, -1);
		lua_pop(L, 1);
		if (e)
			add_root(L, r, e);
	}
}

/* The request lives in a userdata so an error anywhere frees it. */
static int req_gc(lua_State *L)
{
	graph_req *r = lua_touserdata(L, 1);
	free(r->names);
	free(r->roots);
	for (int i = 0; i < r->nparams; i++)
		free((char *)r->params[i].name);
	free(r->params);
	r->names = NULL;
	r->roots = NULL;
	r->params = NULL;
	r->nparams = 0;
	return 0;
}

static graph_req *new_req(lua_State *L)
{
	graph_req *r = lua_newuserdatauv(L, sizeof *r, 0);
	memset(r, 0, sizeof *r);
	if (luaL_newmetatable(L, "agdb.graphreq")) {
		lua_pushcfunction(L, req_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	lua_insert(L, 1);	/* kept at the bottom of the stack: the
				   arguments move up by one */
	return r;
}

static int pick(lua_State *L, const char *what, const char *val,
		const char *const *choices)
{
	for (int i = 0; choices[i]; i++)
		if (strcmp(val, choices[i]) == 0)
			return i;
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 0; choices[i]; i++) {
		if (i)
			luaL_addstring(&b, ", ");
		luaL_addchar(&b, '"');
		luaL_addstring(&b, choices[i]);
		luaL_addchar(&b, '"');
	}
	luaL_pushresult(&b);
	return luaL_error(L, "agdb.graph: %s must be one of %s, got \"%s\"", what,
			  lua_tostring(L, -1), val);
}

static const char *const views[] = { "backward", "forward", NULL };
static const char *const details[] = { "compact", "normal", "full", NULL };
static const char *const directions[] = { "tb", "lr", NULL };

/* Option values, with errors that name the option (luaL_check* would say
 * "bad argument #-1 to '?'"). */
static const char *opt_string(lua_State *L, const char *key)
{
	if (lua_type(L, -1) != LUA_TSTRING)
		luaL_error(L, "agdb.graph: option '%s' must be a string, got %s",
			   key, repl_type_name(L, -1));
	return lua_tostring(L, -1);
}

static lua_Integer opt_integer(lua_State *L, const char *key)
{
	int isint;
	lua_Integer v = lua_tointegerx(L, -1, &isint);

	if (lua_type(L, -1) != LUA_TNUMBER)
		luaL_error(L, "agdb.graph: option '%s' must be an integer, got %s",
			   key, repl_type_name(L, -1));
	if (!isint)
		luaL_error(L, "agdb.graph: option '%s' must be an integer, got %s "
			   "(number has no integer representation)", key,
			   lua_tostring(L, -1));
	return v;
}

static void read_options(lua_State *L, int kw, graph_req *r)
{
	static const char *const keys[] = { "view", "detail", "width", "direction",
					    "ascii", "legend", "max_nodes", "collapse", NULL };
	viz_snapshot_options_default(&r->snap);
	viz_layout_options_default(&r->lay);
	viz_text_options_default(&r->text);
	r->lay.ascii = repl_ascii_mode;
	if (!kw)
		return;
	repl_check_keys(L, kw, "agdb.graph", keys);
	if (repl_kw_get(L, kw, "view") != LUA_TNIL)
		r->snap.view = pick(L, "view", opt_string(L, "view"), views) ?
			VIZ_VIEW_FORWARD : VIZ_VIEW_BACKWARD;
	lua_pop(L, 1);
	if (repl_kw_get(L, kw, "detail") != LUA_TNIL)
		r->lay.detail = (viz_detail)pick(L, "detail", opt_string(L, "detail"), details);
	lua_pop(L, 1);
	if (repl_kw_get(L, kw, "direction") != LUA_TNIL)
		r->lay.direction = pick(L, "direction", opt_string(L, "direction"), directions) ?
			VIZ_DIR_LR : VIZ_DIR_TB;
	lua_pop(L, 1);
	if (repl_kw_get(L, kw, "width") != LUA_TNIL) {
		lua_Integer w = opt_integer(L, "width");
		if (w < 20 || w > 100000)
			luaL_error(L, "agdb.graph: width must be between 20 and 100000, got %I",
				   w);
		r->lay.max_width = (int)w;
		r->lay.fit = VIZ_FIT_WRAP;
	}
	lua_pop(L, 1);
	if (repl_kw_get(L, kw, "max_nodes") != LUA_TNIL) {
		lua_Integer m;
		if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1) &&
		    lua_tonumber(L, -1) >= 0x1p63)
			m = LUA_MAXINTEGER;	/* 1e100, math.huge: no limit */
		else
			m = opt_integer(L, "max_nodes");
		if (m < 1)
			luaL_error(L, "agdb.graph: max_nodes must be positive");
		/* past int's range (2^31, 2^32 + 1) means no limit, never a wrap */
		r->snap.max_nodes = m > INT_MAX ? INT_MAX : (int)m;
	}
	lua_pop(L, 1);
	r->lay.ascii = repl_kw_bool(L, kw, "ascii", r->lay.ascii, "agdb.graph");
	r->text.legend = repl_kw_bool(L, kw, "legend", true, "agdb.graph");
}

/* Line form: ":graph out forward full lr ascii" -- trailing words that
 * name an option are options, the rest is the expression.  Cuts the
 * option words off line (in place); each found word goes to its slot. */
static void split_options(char *line, const char **view, const char **detail,
			  const char **direction, bool *ascii)
{
	for (;;) {
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		char *sp = strrchr(line, ' ');
		char *word = sp ? sp + 1 : line;
		const char **slot = NULL;
		for (int i = 0; views[i]; i++)
			if (strcmp(word, views[i]) == 0) slot = view, *slot = views[i];
		for (int i = 0; details[i]; i++)
			if (strcmp(word, details[i]) == 0) slot = detail, *slot = details[i];
		for (int i = 0; directions[i]; i++)
			if (strcmp(word, directions[i]) == 0) slot = direction, *slot = directions[i];
		if (strcmp(word, "ascii") == 0)
			*ascii = true;
		else if (!slot)
			break;
		if (!sp) {
			line[0] = '\0';
			break;
		}
		*sp = '\0';
	}
}

int repl_graph_parse_line(const char *args, char **expr, int *view, int *detail)
{
	const char *v = NULL, *d = NULL, *dir = NULL;
	bool ascii = false;
	char *line = strdup(args + strspn(args, " \t"));
	if (!line)
		return -1;
	split_options(line, &v, &d, &dir, &ascii);
	*view = v ? (strcmp(v, "forward") == 0 ? VIZ_VIEW_FORWARD : VIZ_VIEW_BACKWARD) : -1;
	*detail = -1;
	for (int i = 0; d && details[i]; i++)
		if (d == details[i])
			*detail = i;
	if (line[0]) {
		*expr = line;
	} else {
		free(line);
		*expr = NULL;
	}
	return 0;
}

static void parse_line(lua_State *L, int idx, int *kw)
{
	if (lua_type(L, idx) != LUA_TSTRING || *kw)
		return;
	size_t len;
	const char *s = lua_tolstring(L, idx, &len);
	char *line = malloc(len + 1);
	if (!line)
		luaL_error(L, "out of memory");
	memcpy(line, s, len + 1);
	const char *view = NULL, *detail = NULL, *direction = NULL;
	bool ascii = false;
	split_options(line, &view, &detail, &direction, &ascii);
	if (line[0])
		lua_pushstring(L, line);
	else
		lua_pushnil(L);
	lua_replace(L, idx);
	free(line);
	if (!view && !detail && !direction && !ascii)
		return;
	lua_newtable(L);
	*kw = lua_gettop(L);
	if (view) {
		lua_pushstring(L, view);
		lua_setfield(L, *kw, "view");
	}
	if (detail) {
		lua_pushstring(L, detail);
		lua_setfield(L, *kw, "detail");
	}
	if (direction) {
		lua_pushstring(L, direction);
		lua_setfield(L, *kw, "direction");
	}
	if (ascii) {
		lua_pushboolean(L, 1);
		lua_setfield(L, *kw, "ascii");
	}
}

/* Frees what the request made, then raises core's error (no return); the
 * request itself goes with its userdata. */
static int finish_error(lua_State *L, graph_req *r, viz_graph *g, viz_layout *l)
{
	(void)r;
	viz_layout_free(l);
	viz_graph_free(g);
	return repl_core_error(L);
}

/* Option collapse: a depth (1 collapses every top module, "model"; 2 the
 * modules one level in, "model.fc1"; 0 none), a module path, or a list of
 * paths -- the module scopes the forwards recorded in the trace log. */
static void apply_collapse(lua_State *L, int kw, graph_req *r, viz_graph *g)
{
	if (!kw || repl_kw_get(L, kw, "collapse") == LUA_TNIL) {
		if (kw)
			lua_pop(L, 1);
		return;
	}
	int v = lua_gettop(L);
	if (lua_type(L, v) == LUA_TNUMBER) {
		int isint;
		lua_Integer d = lua_tointegerx(L, v, &isint);
		if (!isint || d < 0 || d > 64) {
			viz_graph_free(g);
			luaL_error(L, "agdb.graph: collapse must be a depth from 0 to 64, "
				   "a module path or a list of paths");
		}
		viz_graph_collapse_depth(g, (int)d);
	} else if (lua_type(L, v) == LUA_TSTRING) {
		if (viz_graph_set_collapsed(g, lua_tostring(L, v), true) < 0)
			finish_error(L, r, g, NULL);
	} else if (lua_istable(L, v) && !repl_to_tensor(L, v)) {
		lua_Integer n = luaL_len(L, v);
		for (lua_Integer i = 1; i <= n; i++) {
			if (lua_geti(L, v, i) != LUA_TSTRING) {
				viz_graph_free(g);
				luaL_error(L, "agdb.graph: collapse: entry %I must be a module "
					   "path (a string), got %s", i, repl_type_name(L, -1));
			}
			if (viz_graph_set_collapsed(g, lua_tostring(L, -1), true) < 0)
				finish_error(L, r, g, NULL);
			lua_pop(L, 1);
		}
	} else {
		viz_graph_free(g);
		luaL_error(L, "agdb.graph: collapse must be a depth, a module path or a "
			   "list of paths, got %s", repl_type_name(L, v));
	}
	lua_settop(L, v - 1);
}

static viz_graph *build(lua_State *L, int idx, int kw, graph_req *r)
{
	read_options(L, kw, r);
	r->snap.full = r->lay.detail == VIZ_DETAIL_FULL;
	collect_roots(L, idx, r);
	r->snap.names = r->names;
	r->snap.nnames = r->nnames;
	r->snap.params = r->params;
	r->snap.nparams = r->nparams;
	viz_graph *g = viz_snapshot(r->roots, r->nroots, &r->snap);
	if (!g)
		finish_error(L, r, NULL, NULL);
	apply_collapse(L, kw, r, g);
	return g;
}

/* ------------------------------------------------------------ live view */

typedef struct live_req {
	lua_State *L;
	const char *expr;
	int ref;
	int view, max_nodes;
	bool full;
	viz_graph *g;
} live_req;

/* Runs protected (repl_protected): a Lua error unwinds from here. */
static int live_snapshot(void *ud)
{
	live_req *q = ud;
	lua_State *L = q->L;
	graph_req *r = new_req(L);	/* at the bottom of this call's stack */
	if (q->expr)
		lua_pushstring(L, q->expr);
	else if (q->ref != LUA_NOREF && q->ref != LUA_REFNIL)
		lua_rawgeti(L, LUA_REGISTRYINDEX, q->ref);
	else
		lua_pushnil(L);
	int idx = lua_gettop(L);
	read_options(L, 0, r);
	r->snap.view = q->view == VIZ_VIEW_FORWARD ? VIZ_VIEW_FORWARD : VIZ_VIEW_BACKWARD;
	r->snap.max_nodes = q->max_nodes;
	r->snap.full = q->full;
	collect_roots(L, idx, r);
	r->snap.names = r->names;
	r->snap.nnames = r->nnames;
	r->snap.params = r->params;
	r->snap.nparams = r->nparams;
	q->g = viz_snapshot(r->roots, r->nroots, &r->snap);
	return q->g ? 0 : -1;
}

struct viz_graph *repl_graph_live(lua_State *L, const char *expr, int ref, int view,
				  int max_nodes, bool full, char *err, size_t n)
{
	live_req q = { .L = L, .expr = expr, .ref = ref, .view = view, .max_nodes = max_nodes,
		       .full = full };
	return repl_protected(L, live_snapshot, &q, err, n) == 0 ? q.g : NULL;
}

/* agdb.graph([x], [opts]) -> the drawing as a string */
static int cmd_graph(lua_State *L)
{
	graph_req *r = new_req(L);	/* arguments now start at 2 */
	int kw = lua_gettop(L) >= 3 ? repl_kwargs(L, 3) : 0;
	if (lua_gettop(L) == 2 && lua_istable(L, 2) && repl_kwargs(L, 2) == 2) {
		lua_pushnil(L);	/* agdb.graph({view=...}): options only */
		lua_insert(L, 2);
		kw = 3;
	}
	parse_line(L, 2, &kw);
	viz_graph *g = build(L, 2, kw, r);
	if (viz_graph_node_count(g) == 0) {
		viz_graph_free(g);
		lua_pushliteral(L, "(nothing to draw: no tensor with a history -- "
				"try x = torch.ones(2, {requires_grad=true}); y = x * 2)");
		return 1;
	}
	viz_layout *l = viz_layout_new(g, &r->lay);
	if (!l)
		return finish_error(L, r, g, NULL);
	char *text = viz_render_text(l, &r->text);
	if (!text)
		return finish_error(L, r, g, l);
	lua_pushstring(L, text);
	free(text);
	viz_layout_free(l);
	viz_graph_free(g);
	return 1;
}

static int write_or_return(lua_State *L, char *s, const char *file)
{
	if (!file) {
		lua_pushstring(L, s);
		free(s);
		return 1;
	}
	/* O_NONBLOCK: a FIFO nobody reads fails at once instead of hanging
	 * the session; it does nothing to a regular file. */
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOCTTY |
		      O_CLOEXEC, 0666);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		free(s);
		return luaL_error(L, "agdb.dot: cannot write %s: %s", file,
				  strerror(err));
	}
	size_t n = strlen(s);
	bool okw = fwrite(s, 1, n, f) == n;
	okw = fclose(f) == 0 && okw;
	free(s);
	if (!okw)
		return luaL_error(L, "agdb.dot: error writing %s", file);
	lua_pushfstring(L, "wrote %s", file);
	return 1;
}

/*
 * The line form ":dot [EXPR] FILE": the last word is the file, quoted as a
 * shell user would ("my graph.dot", 'x.dot' or my\ graph.dot); the rest is
 * the expression.  A lone bare word that names a global tensor is that
 * tensor, drawn and printed (:dot out), not a file called "out"; quote it
 * to mean the file.  Pushes the expression (or nil) and the file (or nil).
 */
static void split_dot_line(lua_State *L, const char *s)
{
	size_t len = strlen(s), start = 0, i;
	char quote = 0;
	bool in_word = false;

	while (len > 0 && strchr(" \t", s[len - 1]))
		len--;
	/* find where the last blank-separated word starts, quotes honoured */
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (quote) {
			if (c == '\\' && quote == '"' && i + 1 < len)
				i++;
			else if (c == quote)
				quote = 0;
		} else if (c == ' ' || c == '\t') {
			in_word = false;
		} else {
			if (!in_word)
				start = i;
			in_word = true;
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '"' || c == '\'')
				quote = c;
		}
	}
	if (quote)
		luaL_error(L, "agdb.dot: the file name has an unclosed %c quote",
			   quote);
	/* unquote the last word */
	luaL_Buffer b;
	bool quoted = false;
	luaL_buffinit(L, &b);
	for (i = start; i < len; i++) {
		char c = s[i];
		if (quote) {
			if (c == quote)
				quote = 0;
			else if (c == '\\' && quote == '"' && i + 1 < len &&
				 strchr("\"\\$`", s[i + 1]))
				luaL_addchar(&b, s[++i]);
			else
				luaL_addchar(&b, c);
		} else if (c == '"' || c == '\'') {
			quote = c;
			quoted = true;
		} else if (c == '\\' && i + 1 < len) {
			luaL_addchar(&b, s[++i]);
			quoted = true;
		} else {
			luaL_addchar(&b, c);
		}
	}
	luaL_pushresult(&b);
	int word = lua_gettop(L);
	size_t elen = start;
	while (elen > 0 && strchr(" \t", s[elen - 1]))
		elen--;
	if (elen > 0) {
		lua_pushlstring(L, s, elen);
		lua_pushvalue(L, word);
	} else if (!quoted && lua_rawlen(L, word) > 0) {
		/* one bare word: a global tensor of that name is drawn */
		lua_pushglobaltable(L);
		lua_pushvalue(L, word);
		lua_rawget(L, -2);
		bool tensor = repl_to_tensor(L, -1) != NULL;
		lua_pop(L, 2);
		if (tensor) {
			lua_pushvalue(L, word);
			lua_pushnil(L);
		} else {
			lua_pushnil(L);
			lua_pushvalue(L, word);
		}
	} else if (quoted && lua_rawlen(L, word) == 0) {
		luaL_error(L, "agdb.dot: the file name is empty");
	} else if (lua_rawlen(L, word) == 0) {
		lua_pushnil(L);
		lua_pushnil(L);
	} else {
		lua_pushnil(L);
		lua_pushvalue(L, word);
	}
	lua_remove(L, word);
}

/* agdb.dot([x], [file], [opts]) / :dot [EXPR] FILE; agdb.json([x], [opts]) */
static int export(lua_State *L, bool json)
{
	const char *fname = json ? "agdb.json" : "agdb.dot";
	graph_req *r = new_req(L);	/* arguments now start at 2 */
	const char *file = NULL;

	if (lua_gettop(L) == 2 && lua_type(L, 2) == LUA_TSTRING && !json) {
		split_dot_line(L, lua_tostring(L, 2));
		lua_remove(L, 2);	/* now (req, expr, file) */
	}
	/* (x, [file], [opts]); the options may also come second */
	int kw = repl_kwargs(L, 3), extra = 3;
	if (!json && kw != 3) {
		if (!lua_isnoneornil(L, 3) && lua_type(L, 3) != LUA_TSTRING)
			return luaL_error(L, "%s: argument 2 must be a file name "
					  "(a string) or nil, got %s", fname,
					  repl_type_name(L, 3));
		file = lua_tostring(L, 3);
		extra = 4;
	}
	if (lua_gettop(L) >= extra && kw != extra && !lua_isnil(L, extra)) {
		if (!lua_istable(L, extra) || repl_to_tensor(L, extra))
			return luaL_error(L, "%s: argument %d must be a table of "
					  "options such as {view=\"forward\"}, got %s",
					  fname, extra - 1, repl_type_name(L, extra));
		kw = extra;	/* {} or a table with no string key: no options */
	}
	if (lua_gettop(L) > extra)
		return luaL_error(L, "%s: too many arguments (%d)", fname,
				  lua_gettop(L) - 1);
	viz_graph *g = build(L, 2, kw, r);
	viz_layout *l = viz_layout_new(g, &r->lay);
	if (!l)
		return finish_error(L, r, g, NULL);
	char *s = json ? viz_render_json(g, l) : viz_render_dot(g, l);
	viz_layout_free(l);
	viz_graph_free(g);
	if (!s)
		return repl_core_error(L);
	return write_or_return(L, s, file);
}

static int cmd_dot(lua_State *L) { return export(L, false); }
static int cmd_json(lua_State *L) { return export(L, true); }

const repl_cmd repl_cmds_graph[] = {
	{ "graph", "[EXPR] [backward|forward] [compact|normal|full] [tb|lr] [ascii]",
	  "draw the graph of EXPR (default: every tensor in a global variable); "
	  "agdb.graph runs a string argument as Lua code, as :graph does",
	  cmd_graph, 0 },
	/* not REPL_CMD_FILE: that strips the quotes of a line that is all one
	 * quoted name, and split_dot_line needs them; Tab still completes
	 * file names inside quotes, and the EXPR part as Lua */
	{ "dot", "[EXPR] FILE", "write the graph as Graphviz DOT (render with "
	  "dot -Tsvg); quote a FILE with spaces; :dot NAME of a global tensor "
	  "prints it", cmd_dot, 0 },
	{ "json", "[EXPR]", "the graph as JSON: nodes, edges, attributes, layout "
	  "(a string EXPR is Lua code)", cmd_json, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
