/*
 * lnode.c - grad_fn nodes as Lua values (torch.autograd.graph.Node):
 * x.grad_fn, its name(), next_functions, metadata, and the _saved_*
 * attributes PyTorch gives each node.  A node is pushed as one userdata
 * per node (a weak table maps node -> box), so `==` is identity as for
 * tensors.  A box's user values hold its Lua-side state: the functions of
 * its hooks (1) and its metadata table (2); see lkeep.c for how a box
 * carrying them lives as long as core may still need them.
 */
#include "ltorch.h"
#include "autograd.h"

#include <string.h>

static const char node_cache_key = 'n';	/* registry: node* -> box (weak) */

typedef struct node_box {
	ag_node *n;
	bool finalized;		/* its __gc ran: the box is inert */
} node_box;

enum { UV_HOOKS = 1, UV_METADATA = 2 };

static void cache_set(lua_State *L, ag_node *n, int box)
{
	box = lua_absindex(L, box);
	repl_push_weak_cache(L, &node_cache_key);
	if (box)
		lua_pushvalue(L, box);
	else
		lua_pushnil(L);
	lua_rawsetp(L, -2, n);
	lua_pop(L, 1);
}

void repl_find_node_box(lua_State *L, void *n)
{
	repl_push_weak_cache(L, &node_cache_key);
	lua_rawgetp(L, -1, n);
	lua_remove(L, -2);
}

void repl_push_node(lua_State *L, ag_node *n)
{
	if (!n) {
		lua_pushnil(L);
		return;
	}
	repl_find_node_box(L, n);
	if (lua_type(L, -1) == LUA_TUSERDATA) {
		repl_keep_revive(L, -1);
		return;
	}
	lua_pop(L, 1);
	node_box *b = lua_newuserdatauv(L, sizeof *b, 2);
	b->n = n;
	b->finalized = false;
	ag_node_retain(n);
	luaL_setmetatable(L, REPL_NODE_MT);
	cache_set(L, n, -1);
}

ag_node *repl_test_node(lua_State *L, int idx)
{
	node_box *b = luaL_testudata(L, idx, REPL_NODE_MT);
	return b ? b->n : NULL;
}

ag_node *repl_check_node(lua_State *L, int idx)
{
	node_box *b = luaL_checkudata(L, idx, REPL_NODE_MT);
	if (!b->n)
		luaL_error(L, "attempt to use a grad_fn node that was finalized "
			   "(its __gc metamethod was called)");
	return b->n;
}

/* ------------------------------------------------------------ lifetime */

static int node_guarded(lua_State *L, int idx, repl_keep_obj *out, int max)
{
	node_box *b = lua_touserdata(L, idx);
	if (!b->n || max < 1)
		return 0;
	out[0] = (repl_keep_obj){ b->n, true };
	return 1;
}

static void node_drop(lua_State *L, void *p)
{
	node_box *b = p;
	if (!b->n)
		return;
	cache_set(L, b->n, 0);
	ag_node_release(b->n);
	b->n = NULL;
	b->finalized = true;
}

static void node_kept(lua_State *L, int idx)
{
	node_box *b = lua_touserdata(L, idx);
	cache_set(L, b->n, idx);
}

static const repl_keep_kind node_keep = { node_guarded, node_drop, node_kept };

/* A box with hooks or metadata is kept while core still shares its node;
 * called by hand, __gc leaves an inert box that says so when used. */
static int node_gc(lua_State *L)
{
	node_box *b = luaL_checkudata(L, 1, REPL_NODE_MT);
	if (!b->n)
		return 0;
	bool state = lua_getiuservalue(L, 1, UV_HOOKS) != LUA_TNIL;
	state = lua_getiuservalue(L, 1, UV_METADATA) != LUA_TNIL || state;
	lua_pop(L, 2);
	if (state && repl_keep_on_gc(L, 1, &node_keep))
		return 0;
	node_drop(L, b);
	return 0;
}

static int node_tostring(lua_State *L)
{
	node_box *b = luaL_checkudata(L, 1, REPL_NODE_MT);
	if (!b->n)
		lua_pushliteral(L, "<finalized grad_fn node>");
	else
		lua_pushfstring(L, "<%s object at %p>", ag_node_name(b->n),
				(void *)b->n);
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

/* node.metadata: one table per node, kept with it. */
static void push_metadata(lua_State *L, int box)
{
	if (lua_getiuservalue(L, box, UV_METADATA) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, box, UV_METADATA);
}

/* ------------------------------------------------------ _saved_* fields */

static void push_attr(lua_State *L, ag_node *n, const ag_node_attr *a)
{
	ag_tensor *t;
	switch (a->kind) {
	case AG_ATTR_TENSOR:
		if (ag_node_saved_tensor(n, a->slot, &t) < 0)
			repl_core_error(L);
		if (!t) {
			lua_pushnil(L);
		} else if (t->is_wrapped_number) {
			/* a number argument: PyTorch keeps the number */
			if (t->dtype == AG_INT64)
				lua_pushinteger(L, ag_load_i64(ag_data_ptr(t), t->dtype));
			else
				lua_pushnumber(L, ag_load(ag_data_ptr(t), t->dtype));
			ag_tensor_release(t);
		} else if (t->dtype == AG_INT64 &&
			   strcmp(a->name, "_saved_index") == 0) {
			/* index values count from 1 in Lua */
			ag_tensor *one = repl_one_based(t);	/* takes t */
			if (!one)
				repl_core_error(L);
			repl_push_tensor(L, one);
		} else {
			repl_push_tensor(L, t);
		}
		break;
	case AG_ATTR_INT:
		lua_pushinteger(L, a->ints[0]);
		break;
	case AG_ATTR_DIM:
		lua_pushinteger(L, a->ints[0] + 1);	/* dims are 1-based */
		break;
	case AG_ATTR_BOOL:
		lua_pushboolean(L, a->ints[0] != 0);
		break;
	case AG_ATTR_DOUBLE:
		lua_pushnumber(L, a->d);
		break;
	case AG_ATTR_INTS: case AG_ATTR_DIMS:
		lua_createtable(L, a->count, 0);
		for (int i = 0; i < a->count; i++) {
			lua_pushinteger(L, a->ints[i] + (a->kind == AG_ATTR_DIMS));
			lua_rawseti(L, -2, i + 1);
		}
		break;
	default:
		lua_pushnil(L);
	}
}

#define MAX_ATTRS 16

/* Pushes node._saved_<k> and returns true, or false for another key. */
static bool push_saved_field(lua_State *L, ag_node *n, const char *k)
{
	ag_node_attr attrs[MAX_ATTRS];
	if (strncmp(k, "_saved_", 7) != 0)
		return false;
	int count = ag_node_attrs(n, attrs, MAX_ATTRS);
	for (int i = 0; i < count; i++)
		if (strcmp(attrs[i].name, k) == 0) {
			push_attr(L, n, &attrs[i]);
			return true;
		}
	lua_pushnil(L);
	return true;
}

/* node:saved_attributes(): the names of its _saved_* fields, in order. */
static int node_saved_attributes(lua_State *L)
{
	ag_node *n = repl_check_node(L, 1);
	ag_node_attr attrs[MAX_ATTRS];
	int count = ag_node_attrs(n, attrs, MAX_ATTRS);
	lua_createtable(L, count, 0);
	for (int i = 0; i < count; i++) {
		lua_pushstring(L, attrs[i].name);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
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
		push_metadata(L, 1);
		return 1;
	}
	if (push_saved_field(L, n, k))
		return 1;
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

/* torch.autograd.graph.Node.isinstance(v) */
static int node_isinstance(lua_State *L)
{
	lua_pushboolean(L, luaL_testudata(L, 1, REPL_NODE_MT) != NULL);
	return 1;
}

/* The Node metatable; its __methods table gets more from lhooks.c, and is
 * torch.autograd.graph.Node. */
void repl_open_nodes(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{"__gc", node_gc}, {"__tostring", node_tostring},
		{"__index", node_index}, {"__eq", node_eq}, {NULL, NULL}
	};
	static const luaL_Reg methods[] = {
		{"name", node_name}, {"saved_attributes", node_saved_attributes},
		{"isinstance", node_isinstance}, {NULL, NULL}
	};
	luaL_newmetatable(L, REPL_NODE_MT);
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__methods");
	/* fields for tab completion */
	lua_createtable(L, 2, 0);
	lua_pushliteral(L, "next_functions");
	lua_rawseti(L, -2, 1);
	lua_pushliteral(L, "metadata");
	lua_rawseti(L, -2, 2);
	lua_setfield(L, -2, "__fields");
	lua_pop(L, 1);
}
