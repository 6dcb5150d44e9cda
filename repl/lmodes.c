/*
 * lmodes.c - grad modes (torch.no_grad, enable_grad, set_grad_enabled,
 * inference_mode, as functions or <close> guards) and anomaly mode.
 *
 * The modes are a stack: a guard remembers the modes it replaced and puts
 * them back when it is closed (<close>, or the function form returning or
 * raising), and at no other time.  A guard the collector frees without
 * being closed changes nothing: torch.set_grad_enabled(false) as a plain
 * statement switches grad mode off for good, as in PyTorch.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdlib.h>
#include <string.h>

/* A mode guard: the modes to restore when closed. */
typedef struct mode_box {
	bool prev_grad, prev_inference;
	bool active;
} mode_box;

static void push_mode_guard(lua_State *L, bool prev_grad, bool prev_inference)
{
	mode_box *b = lua_newuserdatauv(L, sizeof *b, 0);
	b->prev_grad = prev_grad;
	b->prev_inference = prev_inference;
	b->active = true;
	luaL_setmetatable(L, REPL_GRADMODE_MT);
}

static int mode_close(lua_State *L)
{
	mode_box *b = luaL_checkudata(L, 1, REPL_GRADMODE_MT);
	if (b->active) {
		ag_set_grad_enabled(b->prev_grad);
		ag_set_inference_mode(b->prev_inference);
		b->active = false;
	}
	return 0;
}

/* Runs fn(...) (at index `fn`, arguments after it) with the modes set,
 * restoring the previous ones even when fn raises, and returns fn's
 * results. */
static int with_modes(lua_State *L, int fn, bool grad, bool inference)
{
	int nargs = lua_gettop(L) - fn;
	bool prev_grad = ag_set_grad_enabled(grad);
	bool prev_inf = ag_set_inference_mode(inference);
	int status = lua_pcall(L, nargs, LUA_MULTRET, 0);
	ag_set_grad_enabled(prev_grad);
	ag_set_inference_mode(prev_inf);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L) - fn + 1;
}

static int enter(lua_State *L, bool grad, bool inference)
{
	bool prev_grad = ag_set_grad_enabled(grad);
	push_mode_guard(L, prev_grad, ag_set_inference_mode(inference));
	return 1;
}

static int mode_entry(lua_State *L, bool on)
{
	if (lua_isfunction(L, 1))
		return with_modes(L, 1, on, ag_is_inference_mode_enabled());
	if (!lua_isnoneornil(L, 1))
		return repl_arg_error(L, on ? "torch.enable_grad" : "torch.no_grad",
				      1, "a function or nothing");
	return enter(L, on, ag_is_inference_mode_enabled());
}

static int l_no_grad(lua_State *L) { return mode_entry(L, false); }
static int l_enable_grad(lua_State *L) { return mode_entry(L, true); }

static int l_set_grad_enabled(lua_State *L)
{
	if (!lua_isboolean(L, 1))
		return repl_arg_error(L, "torch.set_grad_enabled", 1, "a boolean");
	bool on = lua_toboolean(L, 1);
	if (lua_isfunction(L, 2))
		return with_modes(L, 2, on, ag_is_inference_mode_enabled());
	return enter(L, on, ag_is_inference_mode_enabled());
}

static int l_is_grad_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_is_grad_enabled());
	return 1;
}

/* torch.inference_mode([mode], [fn]): grad mode is its opposite. */
static int l_inference_mode(lua_State *L)
{
	int fn = 1;
	bool on = true;
	if (lua_isboolean(L, 1)) {
		on = lua_toboolean(L, 1);
		fn = 2;
	} else if (!lua_isnoneornil(L, 1) && !lua_isfunction(L, 1)) {
		return repl_arg_error(L, "torch.inference_mode", 1,
				      "a boolean, a function or nothing");
	}
	if (lua_isfunction(L, fn))
		return with_modes(L, fn, !on, on);
	if (!lua_isnoneornil(L, fn))
		return repl_arg_error(L, "torch.inference_mode", fn,
				      "a function or nothing");
	return enter(L, !on, on);
}

static int l_is_inference_mode_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_is_inference_mode_enabled());
	return 1;
}

/* ------------------------------------------------------------ anomaly */

/*
 * Anomaly mode keeps, for each node, where its forward ran.  Building a
 * traceback string per op made a training step several times slower, so
 * a node keeps only the Lua stack's (file, line, function name) triples,
 * with the strings interned once, and the text is made only when that
 * node's backward fails.
 */
#define TRACE_LEVELS1 10	/* as luaL_traceback: the first frames */
#define TRACE_LEVELS2 11	/* and the last */

typedef struct frame_rec {
	int src, name;		/* interned strings; name 0: none */
	int line, defined;	/* current line; the function's first */
	char what;		/* 'm'ain chunk, 'L'ua, 'C' */
	char namewhat;		/* 'g'lobal, 'l'ocal, 'm'ethod, 'f'ield, ... */
} frame_rec;

typedef struct trace_rec {
	int n, total;
	frame_rec f[];
} trace_rec;

/* Strings by content: sources and function names are few. */
static char **interned;
static int ninterned, cap_interned;
static int *slots;
static int nslots;

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int intern(const char *s)
{
	if (!s || !*s)
		return 0;
	if (ninterned * 2 >= nslots) {
		int ns = nslots ? nslots * 2 : 256;
		int *nt = calloc((size_t)ns, sizeof *nt);
		if (!nt)
			return 0;
		for (int i = 1; i <= ninterned; i++) {
			unsigned k = hash_str(interned[i]) & (unsigned)(ns - 1);
			while (nt[k])
				k = (k + 1) & (unsigned)(ns - 1);
			nt[k] = i;
		}
		free(slots);
		slots = nt;
		nslots = ns;
	}
	unsigned k = hash_str(s) & (unsigned)(nslots - 1);
	for (; slots[k]; k = (k + 1) & (unsigned)(nslots - 1))
		if (strcmp(interned[slots[k]], s) == 0)
			return slots[k];
	if (ninterned + 2 > cap_interned) {
		int nc = cap_interned ? cap_interned * 2 : 64;
		char **ni = realloc(interned, (size_t)nc * sizeof *ni);
		if (!ni)
			return 0;
		interned = ni;
		cap_interned = nc;
	}
	char *copy = strdup(s);
	if (!copy)
		return 0;
	interned[++ninterned] = copy;
	slots[k] = ninterned;
	return ninterned;
}

static void record_frame(lua_State *co, lua_Debug *ar, frame_rec *f)
{
	lua_getinfo(co, "Sln", ar);
	f->src = intern(ar->short_src);
	f->line = ar->currentline;
	f->defined = ar->linedefined;
	f->what = ar->what[0] == 'm' ? 'm' : ar->what[0] == 'C' ? 'C' : 'L';
	f->name = ar->name ? intern(ar->name) : 0;
	f->namewhat = ar->namewhat ? ar->namewhat[0] : 0;
}

static void *anomaly_capture(void *ud)
{
	lua_State *co = repl_running_thread(ud);
	lua_Debug ar;
	int first = 0, total = 0;
	/* the op's own binding (a C function) is not where the forward ran:
	 * start at the Lua code that called it, as PyTorch's traceback ends at
	 * the Python line */
	while (lua_getstack(co, first, &ar) && lua_getinfo(co, "S", &ar)
	       && ar.what[0] == 'C')
		first++;
	while (lua_getstack(co, first + total, &ar))
		total++;
	if (total == 0)
		first = 0;
	while (total == 0 && lua_getstack(co, total, &ar))
		total++;
	int keep = total <= TRACE_LEVELS1 + TRACE_LEVELS2 ? total
		: TRACE_LEVELS1 + TRACE_LEVELS2;
	trace_rec *r = malloc(sizeof *r + (size_t)keep * sizeof r->f[0]);
	if (!r)
		return NULL;
	r->n = keep;
	r->total = total;
	for (int i = 0; i < keep; i++) {
		int level = first + (i < TRACE_LEVELS1 || total == keep ? i
			: total - (keep - i));
		lua_getstack(co, level, &ar);
		record_frame(co, &ar, &r->f[i]);
	}
	return r;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		size_t nc = (*cap + n + 1) * 2;
		char *nb = realloc(*buf, nc);
		if (!nb)
			return;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* The text luaL_traceback would have given at capture time. */
static char *anomaly_format(void *ud, const void *p)
{
	const trace_rec *r = p;
	char *buf = NULL, line[512];
	size_t len = 0, cap = 0;
	(void)ud;
	append(&buf, &len, &cap, "stack traceback:");
	for (int i = 0; i < r->n; i++) {
		const frame_rec *f = &r->f[i];
		if (i == TRACE_LEVELS1 && r->total > r->n) {
			snprintf(line, sizeof line, "\n\t...\t(skipping %d levels)",
				 r->total - r->n);
			append(&buf, &len, &cap, line);
		}
		const char *src = f->src ? interned[f->src] : "?";
		if (f->what == 'C')
			snprintf(line, sizeof line, "\n\t[C]: in ");
		else if (f->line > 0)
			snprintf(line, sizeof line, "\n\t%s:%d: in ", src, f->line);
		else
			snprintf(line, sizeof line, "\n\t%s: in ", src);
		append(&buf, &len, &cap, line);
		if (f->name && f->namewhat == 'g')
			snprintf(line, sizeof line, "function '%s'", interned[f->name]);
		else if (f->name && f->namewhat == 'm')
			snprintf(line, sizeof line, "method '%s'", interned[f->name]);
		else if (f->name)
			snprintf(line, sizeof line, "%s '%s'",
				 f->namewhat == 'l' ? "local" :
				 f->namewhat == 'u' ? "upvalue" :
				 f->namewhat == 'f' ? "field" : "function",
				 interned[f->name]);
		else if (f->what == 'm')
			snprintf(line, sizeof line, "main chunk");
		else if (f->what == 'C')
			snprintf(line, sizeof line, "?");
		else
			snprintf(line, sizeof line, "function <%s:%d>", src, f->defined);
		append(&buf, &len, &cap, line);
	}
	return buf;
}

static void anomaly_release(void *ud, void *rec)
{
	(void)ud;
	free(rec);
}

static int l_set_detect_anomaly(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	ag_set_anomaly_enabled(lua_toboolean(L, 1));
	return 0;
}

static int l_is_anomaly_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_is_anomaly_enabled());
	return 1;
}

static int l_detect_anomaly(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	int nargs = lua_gettop(L) - 1;
	bool prev = ag_is_anomaly_enabled();
	ag_set_anomaly_enabled(true);
	int status = lua_pcall(L, nargs, LUA_MULTRET, 0);
	ag_set_anomaly_enabled(prev);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

const luaL_Reg repl_mode_funcs[] = {
	{"no_grad", l_no_grad}, {"enable_grad", l_enable_grad},
	{"set_grad_enabled", l_set_grad_enabled},
	{"is_grad_enabled", l_is_grad_enabled},
	{"inference_mode", l_inference_mode},
	{"is_inference_mode_enabled", l_is_inference_mode_enabled},
	{NULL, NULL}
};

const luaL_Reg repl_anomaly_funcs[] = {
	{"set_detect_anomaly", l_set_detect_anomaly},
	{"detect_anomaly", l_detect_anomaly},
	{"is_anomaly_enabled", l_is_anomaly_enabled}, {NULL, NULL}
};

/* The guard metatable (closing is the only thing a guard does) and core's
 * traceback provider. */
void repl_open_modes(lua_State *L)
{
	static const luaL_Reg guard_meta[] = {
		{"__close", mode_close}, {NULL, NULL}
	};
	luaL_newmetatable(L, REPL_GRADMODE_MT);
	luaL_setfuncs(L, guard_meta, 0);
	lua_pop(L, 1);
	ag_set_traceback_provider(&(ag_traceback_provider){
		anomaly_capture, anomaly_format, anomaly_release,
		repl_main_thread(L) });
}
