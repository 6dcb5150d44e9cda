/*
 * ltrace.c - the debugger's observers from Lua: the trace log (switch it,
 * read it, clear it: each event with its op, inputs and outputs by id,
 * number operands, grad mode, file:line, scope, the storage and version
 * of what it wrote), where in the Lua source each op ran, gradient
 * statistics on or off, and x:_id(), the id the log names a tensor by.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdio.h>
#include <string.h>

lua_State *repl_op_thread;

/* "file:line" of the Lua code running an op, for the trace log: in the
 * coroutine running now, not the line that resumed it.  Called for every
 * op, so it is kept cheap: the common bindings name their thread (which
 * runs Lua now) in repl_op_thread while core runs, which spares looking
 * for it from the main thread down through the resumes, and their own C
 * frame on top of it; otherwise the top frame (an op's binding) is skipped
 * on "l" alone (its line is -1); a frame below asks "Sl" at once; the text
 * is put together by hand, not by snprintf. */
static void where_provider(char *buf, size_t n, void *ud)
{
	lua_State *L = repl_op_thread ? repl_op_thread
				      : repl_running_thread(ud);	/* ud: the main thread */
	lua_Debug ar;
	buf[0] = '\0';
	/* a binding that names its thread is the frame on top of it */
	for (int level = repl_op_thread ? 1 : 0; lua_getstack(L, level, &ar);
	     level++) {
		if (!lua_getinfo(L, level ? "Sl" : "l", &ar))
			break;
		if (ar.currentline <= 0)
			continue;
		if (!level && !lua_getinfo(L, "S", &ar))
			continue;
		if (ar.what[0] == 'C')
			continue;
		char tmp[LUA_IDSIZE + 24], digits[24];
		int nd = 0;
		for (unsigned long v = (unsigned long)ar.currentline; v; v /= 10)
			digits[nd++] = (char)('0' + v % 10);
		size_t len = strlen(ar.short_src);
		memcpy(tmp, ar.short_src, len);
		tmp[len++] = ':';
		while (nd)
			tmp[len++] = digits[--nd];
		if (n == 0)
			return;
		if (len > n - 1)	/* cut where snprintf would */
			len = n - 1;
		memcpy(buf, tmp, len);
		buf[len] = '\0';
		return;
	}
}

/* The trace log from Lua: switch it, and read it (oldest first) as a list
 * of {op=, grad_fn=, inputs={ids}, outputs={ids}, grad_mode=, recorded=,
 * inplace=, where=, scope=, shape=}. */
static int l_set_trace_enabled(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	ag_trace_enable(lua_toboolean(L, 1));
	return 0;
}

static int l_is_trace_enabled(lua_State *L)
{
	lua_pushboolean(L, ag_trace_enabled());
	return 1;
}

static int l_trace_log(lua_State *L)
{
	size_t n = ag_trace_count();
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		const ag_trace_event *ev = ag_trace_get(i);
		lua_createtable(L, 0, 10);
		lua_pushstring(L, ag_trace_event_op_name(ev));
		lua_setfield(L, -2, "op");
		if (ev->grad_fn[0]) {
			lua_pushstring(L, ev->grad_fn);
			lua_setfield(L, -2, "grad_fn");
		}
		lua_createtable(L, ev->n_in, 0);
		for (int j = 0; j < ev->n_in; j++) {
			lua_pushinteger(L, (lua_Integer)ev->in[j]);
			lua_rawseti(L, -2, j + 1);
		}
		lua_setfield(L, -2, "inputs");
		/* number operands (a Lua number in x * 2) and which inputs
		 * needed a gradient, by position */
		lua_createtable(L, ev->n_in, 0);
		for (int j = 0; j < ev->n_in; j++) {
			if (ev->in_is_number[j])
				lua_pushnumber(L, ev->in_number[j]);
			else
				lua_pushboolean(L, 0);
			lua_rawseti(L, -2, j + 1);
		}
		lua_setfield(L, -2, "numbers");
		lua_createtable(L, ev->n_in, 0);
		for (int j = 0; j < ev->n_in; j++) {
			lua_pushboolean(L, ev->in_requires_grad[j]);
			lua_rawseti(L, -2, j + 1);
		}
		lua_setfield(L, -2, "requires_grad");
		lua_pushinteger(L, (lua_Integer)ev->seq);
		lua_setfield(L, -2, "seq");
		if (ev->node_id) {
			lua_pushinteger(L, (lua_Integer)ev->node_id);
			lua_setfield(L, -2, "node_id");
		}
		lua_pushboolean(L, ev->failed);
		lua_setfield(L, -2, "failed");
		if (ev->note[0]) {
			lua_pushstring(L, ev->note);
			lua_setfield(L, -2, "note");
		}
		lua_pushinteger(L, (lua_Integer)ev->out_storage);
		lua_setfield(L, -2, "storage");
		lua_pushinteger(L, (lua_Integer)ev->out_version);
		lua_setfield(L, -2, "version");
		lua_pushstring(L, ag_op_info(ev->op)->kind == AG_OPK_CUT ? "cut" :
			       ag_op_info(ev->op)->kind == AG_OPK_VIEW ? "view" : "op");
		lua_setfield(L, -2, "kind");
		lua_createtable(L, ev->n_out, 0);
		for (int j = 0; j < ev->n_out; j++) {
			lua_pushinteger(L, (lua_Integer)ev->out[j]);
			lua_rawseti(L, -2, j + 1);
		}
		lua_setfield(L, -2, "outputs");
		lua_pushboolean(L, ev->grad_mode);
		lua_setfield(L, -2, "grad_mode");
		lua_pushboolean(L, ev->recorded);
		lua_setfield(L, -2, "recorded");
		lua_pushboolean(L, ev->inplace);
		lua_setfield(L, -2, "inplace");
		lua_pushstring(L, ev->where);
		lua_setfield(L, -2, "where");
		lua_pushstring(L, ev->scope);
		lua_setfield(L, -2, "scope");
		repl_push_size(L, ev->out_shape, ev->out_ndim);
		lua_setfield(L, -2, "shape");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int l_clear_trace(lua_State *L)
{
	(void)L;
	ag_trace_clear();
	return 0;
}

static int l_set_keep_grad_stats(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	ag_set_keep_grad_stats(lua_toboolean(L, 1));
	return 0;
}

/* x.id: the tensor's stable id (what the trace log names). */
static int t_id(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "Tensor._id");
	lua_pushinteger(L, (lua_Integer)t->id);
	return 1;
}

const luaL_Reg repl_trace_funcs[] = {
	{"set_trace_enabled", l_set_trace_enabled},
	{"is_trace_enabled", l_is_trace_enabled},
	{"trace_log", l_trace_log}, {"clear_trace", l_clear_trace},
	{"set_keep_grad_stats", l_set_keep_grad_stats}, {NULL, NULL}
};

const luaL_Reg repl_trace_methods[] = {
	{"_id", t_id}, {NULL, NULL}
};

/* Tells core where ops run (file:line of the Lua caller). */
void repl_open_trace(lua_State *L)
{
	ag_trace_set_where_provider(where_provider, repl_main_thread(L));
}
