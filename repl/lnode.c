/*
 * lnode.c - grad_fn nodes as Lua values: x.grad_fn, its name() and
 * next_functions.  A node is pushed as one userdata per node (a weak
 * table maps node -> box), so `==` is identity as for tensors.
 */
#include "ltorch.h"
#include "autograd.h"

#include <string.h>

static const char node_cache_key = 'n';	/* registry: node* -> box (weak) */

typedef struct node_box { ag_node *n; } node_box;

void repl_push_node(lua_State *L, ag_node *n)
{
	if (!n) {
		lua_pushnil(L);
		return;
	}
	repl_push_weak_cache(L, &node_cache_key);
	if (lua_rawgetp(L, -1, n) == LUA_TUSERDATA) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	node_box *b = lua_newuserdatauv(L, sizeof *b, 0);
	b->n = n;
	ag_node_retain(n);
	luaL_setmetatable(L, REPL_NODE_MT);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, -3, n);
	lua_remove(L, -2);
}

ag_node *repl_check_node(lua_State *L, int idx)
{
	node_box *b = luaL_checkudata(L, idx, REPL_NODE_MT);
	return b->n;
}

static int node_gc(lua_State *L)
{
	node_box *b = luaL_checkudata(L, 1, REPL_NODE_MT);
	ag_node_release(b->n);
	b->n = NULL;
	return 0;
}

static int node_tostring(lua_State *L)
{
	ag_node *n = repl_check_node(L, 1);
	lua_pushfstring(L, "<%s object at %p>", ag_node_name(n), (void *)n);
	return 1;
}

static int node_name(lua_State *L)
{
	lua_pushstring(L, ag_node_name(repl_check_node(L, 1)));
	return 1;
}

/* next_functions: a list of {node, index} (index 1-based, as every index
 * in agdb; node nil for inputs that need no gradient). */
static void push_next_functions(lua_State *L, ag_node *n)
{
	int count = ag_node_next_count(n);
	lua_createtable(L, count, 0);
	for (int i = 0; i < count; i++) {
		ag_edge e = ag_node_next(n, i);
		lua_createtable(L, 2, 0);
		repl_push_node(L, e.fn);
		lua_rawseti(L, -2, 1);
		lua_pushinteger(L, (lua_Integer)e.input_nr + 1);
		lua_rawseti(L, -2, 2);
		lua_rawseti(L, -2, i + 1);
	}
}

static int node_index(lua_State *L)
{
	ag_node *n = repl_check_node(L, 1);
	const char *k = luaL_checkstring(L, 2);
	if (strcmp(k, "next_functions") == 0) {
		push_next_functions(L, n);
		return 1;
	}
	if (strcmp(k, "metadata") == 0) {
		lua_newtable(L);
		return 1;
	}
	luaL_getmetatable(L, REPL_NODE_MT);
	lua_getfield(L, -1, "__methods");
	lua_getfield(L, -1, k);
	return 1;
}

static int node_eq(lua_State *L)
{
	node_box *a = luaL_testudata(L, 1, REPL_NODE_MT);
	node_box *b = luaL_testudata(L, 2, REPL_NODE_MT);
	lua_pushboolean(L, a && b && a->n == b->n);
	return 1;
}

/* The Node metatable; its __methods table gets more from lhooks.c. */
void repl_open_nodes(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{"__gc", node_gc}, {"__tostring", node_tostring},
		{"__index", node_index}, {"__eq", node_eq}, {NULL, NULL}
	};
	static const luaL_Reg methods[] = {
		{"name", node_name}, {NULL, NULL}
	};
	luaL_newmetatable(L, REPL_NODE_MT);
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__methods");
	/* fields for tab completion */
	lua_createtable(L, 1, 0);
	lua_pushliteral(L, "next_functions");
	lua_rawseti(L, -2, 1);
	lua_setfield(L, -2, "__fields");
	lua_pop(L, 1);
}
