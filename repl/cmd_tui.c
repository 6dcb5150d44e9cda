/*
 * cmd_tui.c - the viewer's commands: :tui (on, off) and :view.
 *
 * Inside the viewer, `:graph EXPR` pins the graph pane (tui.c takes those
 * lines before the commands run); :view also zooms it.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "commands.h"
#include "repl.h"
#include "tui.h"

/* agdb.tui([on]) -- "on", "off", true, false; none: says which. */
static int cmd_tui(lua_State *L)
{
	int want;
	if (lua_isnoneornil(L, 1)) {
		lua_pushstring(L, tui_active() ? "the viewer is on (:tui off leaves it)"
					       : "the viewer is off (:tui on starts it)");
		return 1;
	}
	if (lua_isboolean(L, 1)) {
		want = lua_toboolean(L, 1);
	} else {
		const char *w = luaL_checkstring(L, 1);
		if (strcmp(w, "on") == 0)
			want = 1;
		else if (strcmp(w, "off") == 0)
			want = 0;
		else
			return luaL_error(L, "agdb.tui: say \"on\" or \"off\", got \"%s\"", w);
	}
	if (!repl_interactive())
		return luaL_error(L, "agdb.tui: the viewer is for the interactive prompt");
	if (want && tui_active())
		return 0;
	if (!want && !tui_active())
		return 0;
	if (want) {
		char why[200];
		if (tui_unavailable(why, sizeof why))
			return luaL_error(L, "agdb.tui: %s", why);
	}
	repl_request_mode(want);
	return 0;
}

/* agdb.view([x]) -- the viewer full screen on x's graph (every global
 * tensor without x); the line form takes an expression.  From the plain
 * prompt it returns on q; inside the viewer it pins and zooms the graph. */
static int cmd_view(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING) {
		/* :view EXPR at the plain prompt */
		const char *expr = lua_tostring(L, 1);
		lua_pushfstring(L, "return %s", expr);
		if (luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=(view)") != LUA_OK)
			return lua_error(L);
		lua_call(L, 0, 1);
		if (lua_isnil(L, -1))
			return luaL_error(L, "agdb.view: '%s' is nil (a typo? :view alone "
					  "shows every global tensor)", expr);
		lua_replace(L, 1);
		lua_settop(L, 1);
	}
	if (tui_active()) {
		tui_pin_value(L, 1);
		return 0;
	}
	return tui_view(L, 1);
}

const repl_cmd repl_cmds_tui[] = {
	{ "tui", "[on|off]", "the viewer (graph beside the prompt) on, or the plain prompt",
	  cmd_tui, REPL_CMD_WORDS },
	{ "view", "[EXPR]", "the graph of EXPR full screen with the inspector (q returns)",
	  cmd_view, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
