/*
 * lkeep.c - keeping a userdata alive while core may still call the Lua
 * code it carries, and no longer.
 *
 * A hook written in Lua often refers to its own tensor:
 *     x:register_hook(function(g) return g * x:norm() end)
 * If core held the function (a registry reference), the cycle x -> core
 * tensor -> hook -> function -> x would pass through C, where Lua's
 * collector cannot see it, and nothing would ever be freed.  So Lua-side
 * state (hook functions, a custom Function's ctx, node metadata) lives in
 * the user values of the userdata ("box") of the tensor or node it
 * belongs to: such cycles are Lua's own, and the collector frees them.
 *
 * That alone would lose state core still needs: a box can become garbage
 * while core keeps its object -- a non-leaf with a hook, dropped by Lua
 * but reachable from a loss through the graph.  So a box's finaliser asks
 * whether the core objects its state serves (its own object, and the
 * nodes its hooks or its Function live on) are owned by anything besides
 * the box and each other; if so the box is kept here, with its reference.
 * Once per collection cycle the kept boxes are looked at together, as a
 * cycle collector would (trial deletion): each object's count of owners
 * less the references the kept objects hold to one another is what the
 * rest of the program holds; objects the rest holds, and what they hold,
 * are alive; a kept box none of whose objects is alive is released then.
 * (That is PyTorch's rule for Python objects of tensors and nodes, which
 * its collector traverses only where they are the sole owners.)  A kept box
 * handed out again is simply alive again.
 *
 * Every kept box is released when the Lua state closes.
 */
#include "ltorch.h"
#include "autograd.h"

#include <stdlib.h>
#include <string.h>

static const char kept_key = 'k';	/* registry: {[box] = kind} */
static int nkept;

static void push_kept(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &kept_key);
}

/* ------------------------------------------------- the objects involved */

#define MAX_GUARDED 16

typedef struct entry {
	void *obj;
	bool is_node;
	int internal;		/* references from the boxes and objects here */
	bool live;
} entry;

typedef struct graph {
	entry *e;
	int n, cap;
	int *slot;		/* open addressing: index + 1 */
	int nslot;
} graph;

static unsigned hash_ptr(const void *p)
{
	uintptr_t v = (uintptr_t)p;
	v ^= v >> 17;
	v *= 0xed5ad4bbu;
	v ^= v >> 11;
	return (unsigned)v;
}

static int find(const graph *g, const void *obj)
{
	if (!g->nslot)
		return -1;
	for (unsigned k = hash_ptr(obj) & (unsigned)(g->nslot - 1); g->slot[k];
	     k = (k + 1) & (unsigned)(g->nslot - 1))
		if (g->e[g->slot[k] - 1].obj == obj)
			return g->slot[k] - 1;
	return -1;
}

static int grow(graph *g)
{
	int ns = g->nslot ? g->nslot * 2 : 64;
	int *nt = calloc((size_t)ns, sizeof *nt);
	if (!nt)
		return -1;
	for (int i = 0; i < g->n; i++) {
		unsigned k = hash_ptr(g->e[i].obj) & (unsigned)(ns - 1);
		while (nt[k])
			k = (k + 1) & (unsigned)(ns - 1);
		nt[k] = i + 1;
	}
	free(g->slot);
	g->slot = nt;
	g->nslot = ns;
	return 0;
}

static int add(graph *g, void *obj, bool is_node)
{
	int i = find(g, obj);
	if (i >= 0)
		return i;
	if ((g->n + 1) * 2 > g->nslot && grow(g) < 0)
		return -1;
	if (g->n == g->cap) {
		int nc = g->cap ? g->cap * 2 : 32;
		entry *ne = realloc(g->e, (size_t)nc * sizeof *ne);
		if (!ne)
			return -1;
		g->e = ne;
		g->cap = nc;
	}
	g->e[g->n] = (entry){ obj, is_node, 0, false };
	unsigned k = hash_ptr(obj) & (unsigned)(g->nslot - 1);
	while (g->slot[k])
		k = (k + 1) & (unsigned)(g->nslot - 1);
	g->slot[k] = ++g->n;
	return g->n - 1;
}

static void count_ref(void *target, bool is_node, void *ud)
{
	graph *g = ud;
	int i = find(g, target);
	(void)is_node;
	if (i >= 0)
		g->e[i].internal++;
}

struct mark { graph *g; int *stack, n; };

static void mark_ref(void *target, bool is_node, void *ud)
{
	struct mark *m = ud;
	int i = find(m->g, target);
	(void)is_node;
	if (i >= 0 && !m->g->e[i].live) {
		m->g->e[i].live = true;
		m->stack[m->n++] = i;
	}
}

/* Marks what the rest of the program holds, and what that holds. */
static int mark_live(graph *g)
{
	for (int i = 0; i < g->n; i++)
		ag_object_refs(g->e[i].obj, g->e[i].is_node, count_ref, g);
	int *stack = malloc((size_t)(g->n ? g->n : 1) * sizeof *stack);
	if (!stack)
		return -1;
	struct mark m = { g, stack, 0 };
	for (int i = 0; i < g->n; i++)
		if (ag_object_refcount(g->e[i].obj, g->e[i].is_node) > g->e[i].internal) {
			g->e[i].live = true;
			stack[m.n++] = i;
		}
	while (m.n > 0) {
		int i = stack[--m.n];
		ag_object_refs(g->e[i].obj, g->e[i].is_node, mark_ref, &m);
	}
	free(stack);
	return 0;
}

/* Adds the objects the box at idx guards; its own object counts one
 * reference from the box. */
static int add_box(lua_State *L, graph *g, int idx, const repl_keep_kind *k,
		   int *first, int *count)
{
	repl_keep_obj objs[MAX_GUARDED];
	int n = k->guarded(L, lua_absindex(L, idx), objs, MAX_GUARDED);
	*first = -1;
	*count = n;
	for (int j = 0; j < n; j++) {
		int i = add(g, objs[j].obj, objs[j].is_node);
		if (i < 0)
			return -1;
		if (j == 0) {
			g->e[i].internal++;
			*first = i;
		}
	}
	return 0;
}

static bool box_live(lua_State *L, graph *g, int idx, const repl_keep_kind *k)
{
	repl_keep_obj objs[MAX_GUARDED];
	int n = k->guarded(L, idx, objs, MAX_GUARDED);
	for (int j = 0; j < n; j++) {
		int i = find(g, objs[j].obj);
		if (i < 0 || g->e[i].live)
			return true;
	}
	return false;
}

static void graph_free(graph *g)
{
	free(g->e);
	free(g->slot);
}

/* ------------------------------------------------------------ finalisers */

bool repl_keep_on_gc(lua_State *L, int idx, const repl_keep_kind *k)
{
	graph g = { 0 };
	int first, count;
	bool keep = true;

	idx = lua_absindex(L, idx);
	if (add_box(L, &g, idx, k, &first, &count) == 0 && mark_live(&g) == 0)
		keep = box_live(L, &g, idx, k);
	graph_free(&g);
	if (!keep)
		return false;
	push_kept(L);
	if (!lua_istable(L, -1)) {	/* the state is closing */
		lua_pop(L, 1);
		return false;
	}
	lua_pushvalue(L, idx);
	lua_pushlightuserdata(L, (void *)k);
	lua_rawset(L, -3);
	lua_pop(L, 1);
	nkept++;
	/* the finaliser cleared what weak tables knew of it */
	if (k->kept)
		k->kept(L, idx);
	return true;
}

void repl_keep_revive(lua_State *L, int idx)
{
	if (nkept == 0)
		return;
	idx = lua_absindex(L, idx);
	push_kept(L);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	lua_pushvalue(L, idx);
	if (lua_rawget(L, -2) != LUA_TNIL) {
		lua_pop(L, 1);
		lua_pushvalue(L, idx);
		lua_pushnil(L);
		lua_rawset(L, -3);
		nkept--;
		/* finalisable again when it next becomes garbage */
		lua_getmetatable(L, idx);
		lua_setmetatable(L, idx);
	} else {
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* Releases the kept boxes none of whose objects is alive (all: at close). */
static void sweep(lua_State *L, bool all)
{
	graph g = { 0 };
	int first, count;

	if (nkept == 0)
		return;
	push_kept(L);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	int kept = lua_gettop(L);
	bool ok = true;
	if (!all) {
		lua_pushnil(L);
		while (ok && lua_next(L, kept)) {
			ok = add_box(L, &g, -2, lua_touserdata(L, -1), &first,
				     &count) == 0;
			lua_pop(L, 1);
		}
		if (ok)
			ok = mark_live(&g) == 0;
		if (!ok) {	/* out of memory: keep everything for now */
			graph_free(&g);
			lua_pop(L, 1);
			return;
		}
	}
	/* collect the dead first: releasing changes the counts */
	lua_newtable(L);
	int dead = lua_gettop(L), ndead = 0;
	lua_pushnil(L);
	while (lua_next(L, kept)) {
		const repl_keep_kind *k = lua_touserdata(L, -1);
		lua_pop(L, 1);
		if (all || !box_live(L, &g, lua_gettop(L), k)) {
			lua_pushvalue(L, -1);
			lua_rawseti(L, dead, ++ndead);
		}
	}
	graph_free(&g);
	for (int i = 1; i <= ndead; i++) {
		lua_rawgeti(L, dead, i);
		lua_pushvalue(L, -1);
		lua_rawget(L, kept);
		const repl_keep_kind *k = lua_touserdata(L, -1);
		lua_pop(L, 1);
		k->release(L, lua_touserdata(L, -1));
		lua_pushnil(L);
		lua_rawset(L, kept);
		nkept--;
	}
	lua_pop(L, 2);
}

/* A garbage object whose finaliser runs once per collection cycle and
 * makes the next one. */
static int cycle_gc(lua_State *L);

static void new_cycle_sentinel(lua_State *L)
{
	lua_newuserdatauv(L, 1, 0);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, cycle_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);
}

static int cycle_gc(lua_State *L)
{
	sweep(L, false);
	new_cycle_sentinel(L);	/* a no-op once the state is closing */
	return 0;
}

/* The keeper: reachable from the registry for the state's whole life, so
 * it is finalised only when the state closes -- after every box, as it was
 * made before them. */
static int keeper_gc(lua_State *L)
{
	sweep(L, true);
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &kept_key);
	return 0;
}

void repl_open_keep(lua_State *L)
{
	static const char keeper_key = 'K';
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &keeper_key) != LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &kept_key);
	lua_newuserdatauv(L, 1, 0);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, keeper_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &keeper_key);
	nkept = 0;
	new_cycle_sentinel(L);
}
