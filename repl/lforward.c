/*
 * lforward.c - the C half of torch.autograd.forward_ad (forward-mode AD,
 * core/grad_forward.c): the level, make_dual, a tensor's tangent and its
 * primal.  The public functions, with PyTorch's argument checks, are Lua
 * (repl/lua/torch/autograd/forward_ad.lua), built on these.
 */
#include "ltorch.h"
#include "forward.h"

/* _enter_dual_level() -> 0 */
static int l_enter(lua_State *L)
{
	int lvl = ag_fw_enter_level();
	if (lvl < 0)
		return repl_core_error(L);
	lua_pushinteger(L, lvl);
	return 1;
}

/* _exit_dual_level([level]) */
static int l_exit(lua_State *L)
{
	int lvl = (int)luaL_optinteger(L, 1, -1);
	if (ag_fw_exit_level(lvl) < 0)
		return repl_core_error(L);
	return 0;
}

/* _current_level() -> level or -1 */
static int l_current(lua_State *L)
{
	lua_pushinteger(L, ag_fw_current_level());
	return 1;
}

/* _make_dual(primal, tangent, level) */
static int l_make_dual(lua_State *L)
{
	ag_tensor *p = repl_check_tensor(L, 1, "_make_dual");
	ag_tensor *t = repl_check_tensor(L, 2, "_make_dual");
	int lvl = (int)luaL_optinteger(L, 3, -1);
	ag_tensor *d = ag_make_dual(p, t, lvl);
	if (!d)
		return repl_core_error(L);
	repl_push_tensor(L, d);
	return 1;
}

/* _unpack_dual(t, level) -> primal, tangent or nil */
static int l_unpack_dual(lua_State *L)
{
	ag_tensor *t = repl_check_tensor(L, 1, "_unpack_dual");
	int lvl = (int)luaL_optinteger(L, 2, -1);
	ag_tensor *tan = ag_fw_grad(t, lvl);
	if (!tan) {
		/* no tangent: the tensor itself, as PyTorch gives it back */
		ag_tensor_retain(t);
		repl_push_tensor(L, t);
		lua_pushnil(L);
		return 2;
	}
	ag_tensor *p = ag_fw_primal(t);
	if (!p) {
		ag_tensor_release(tan);
		return repl_core_error(L);
	}
	repl_push_tensor(L, p);
	repl_push_tensor(L, tan);
	return 2;
}

/* _formula_ops() -> {ID = name, ...} of the ops with a tangent formula,
 * and a second table of those that raise the not-implemented error (for
 * tests: each op with a formula is checked against reverse mode) */
static int l_formula_ops(lua_State *L)
{
	lua_newtable(L);
	lua_newtable(L);
	for (int op = 0; ag_fw_op_id(op); op++) {
		const char *id = ag_fw_op_id(op);
		if (ag_fw_has_formula(op)) {
			lua_pushstring(L, ag_op_name((ag_op)op));
			lua_setfield(L, -3, id);
		} else if (ag_fw_is_differentiable(op)) {
			lua_pushstring(L, ag_op_name((ag_op)op));
			lua_setfield(L, -2, id);
		}
	}
	return 2;
}

const luaL_Reg repl_forward_funcs[] = {
	{"_formula_ops", l_formula_ops},
	{"_enter_dual_level", l_enter},
	{"_exit_dual_level", l_exit},
	{"_current_level", l_current},
	{"_make_dual", l_make_dual},
	{"_unpack_dual", l_unpack_dual},
	{NULL, NULL}
};
