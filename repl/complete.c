/*
 * complete.c - Tab completion for the readline prompt.
 *
 *   name        globals and Lua keywords
 *   a.b.na      fields of a.b: table keys (following __index tables), or
 *               the names in getmetatable(u).__fields for a userdata
 *   a.b:na      methods: getmetatable(v).__methods when it is a table, else
 *               the functions along the __index chain (a table's own first)
 *   :na         command names (and the argument of `:help na`); file
 *               names for commands that take a file (`:load fi`)
 *   "fi         file names inside a string literal
 *
 * Completion never runs user code: a Tab press must not hang the prompt in
 * a looping __index, print, or change anything.  Paths are looked up with
 * raw reads, following __index only where it is a table (the usual class
 * pattern); a tensor's fields come from agdb's own C lookup.  A value
 * behind an __index function simply has no candidates.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include <lauxlib.h>

#include "commands.h"
#include "ltorch.h"
#include "repl.h"

static lua_State *cL;

static const char *const keywords[] = {
	"and", "break", "do", "else", "elseif", "end", "false", "for",
	"function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
	"return", "then", "true", "until", "while", NULL
};

/* Everything that can end a Lua name, plus '.' and ':' so the word is just
 * the part after them. */
static char lua_breaks[] = " \t\n\"\\'`@$><=;|&{(+-*/%^~#,[]):.";
/* In a file-name context only blanks and quotes end the word. */
static char file_breaks[] = " \t\n\"'";

static bool is_ident_start(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_identifier(const char *s, size_t n)
{
	if (n == 0 || !is_ident_start((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_ident_char((unsigned char)s[i]))
			return false;
	return true;
}

/* Whether position pos of the line is inside an unclosed string literal
 * (a rough scan: quotes and backslash escapes, no long strings). */
static bool in_string(const char *line, int pos)
{
	char quote = 0;

	for (int i = 0; i < pos && line[i]; i++) {
		if (quote) {
			if (line[i] == '\\' && line[i + 1])
				i++;
			else if (line[i] == quote)
				quote = 0;
		} else if (line[i] == '"' || line[i] == '\'') {
			quote = line[i];
		} else if (line[i] == '-' && line[i + 1] == '-') {
			break;	/* a comment: no string can open after it */
		}
	}
	return quote != 0;
}

/* The command of a `:cmd args` line whose argument starts at or before pos,
 * or NULL. */
static const repl_cmd *command_of_line(const char *line, int pos)
{
	const char *s = line + strspn(line, " \t");
	size_t n;

	if (s[0] != ':' || s[1] == ':')
		return NULL;
	s++;
	n = strcspn(s, " \t");
	if (s[n] == '\0' || (int)(s + n - line) >= pos)
		return NULL;
	return repl_cmd_find(s, n);
}

static char *word_breaks(void)
{
	const repl_cmd *cmd = command_of_line(rl_line_buffer, rl_point);

	if ((cmd && (cmd->flags & REPL_CMD_FILE)) ||
	    in_string(rl_line_buffer, rl_point))
		return file_breaks;
	return lua_breaks;
}

/* ------------------------------------------------------------ candidates */

/* Candidates are gathered into a Lua table name -> kind ("f" for a
 * function, "t" for a table, "v" otherwise) at stack index `out`. */
static void add_name(lua_State *L, int out, const char *name, const char *kind)
{
	lua_pushstring(L, kind);
	lua_setfield(L, out, name);
}

static const char *kind_of(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TFUNCTION:
		return "f";
	case LUA_TTABLE:
		return "t";
	default:
		return "v";
	}
}

/* Names from a table of names: {"a", "b"} or {a = ..., b = ...}. */
static void add_name_list(lua_State *L, int out, int list)
{
	lua_pushnil(L);
	while (lua_next(L, list)) {
		if (lua_type(L, -2) == LUA_TSTRING) {
			const char *k = lua_tostring(L, -2);
			if (is_identifier(k, strlen(k)))
				add_name(L, out, k, kind_of(L, -1));
		} else if (lua_type(L, -1) == LUA_TSTRING) {
			const char *v = lua_tostring(L, -1);
			if (is_identifier(v, strlen(v)))
				add_name(L, out, v, "v");
		}
		lua_pop(L, 1);
	}
}

/* Identifier keys of table t (functions only when methods is set). */
static void add_keys(lua_State *L, int out, int t, bool methods)
{
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) == LUA_TSTRING &&
		    (!methods || lua_type(L, -1) == LUA_TFUNCTION)) {
			size_t n;
			const char *k = lua_tolstring(L, -2, &n);
			if (is_identifier(k, n))
				add_name(L, out, k, kind_of(L, -1));
		}
		lua_pop(L, 1);
	}
}

/* Pushes the raw field `field` of the metatable of the value at v (nil
 * when there is none): no metamethod of the metatable itself runs. */
static int raw_metafield(lua_State *L, int v, const char *field)
{
	if (!lua_getmetatable(L, v)) {
		lua_pushnil(L);
		return LUA_TNIL;
	}
	lua_pushstring(L, field);
	int type = lua_rawget(L, -2);
	lua_remove(L, -2);
	return type;
}

/* Follows __index tables up from the metatable of the value at v. */
static void add_index_chain(lua_State *L, int out, int v, bool methods)
{
	lua_pushvalue(L, v);
	for (int depth = 0; depth < 32; depth++) {
		int type = raw_metafield(L, -1, "__index");
		lua_remove(L, -2);
		if (type != LUA_TTABLE)
			break;
		add_keys(L, out, lua_gettop(L), methods);
	}
	lua_pop(L, 1);
}

/* The metatable field `field` of the value at v when it is a table:
 * pushes it and returns true, else pushes nothing. */
static bool meta_table(lua_State *L, int v, const char *field)
{
	if (raw_metafield(L, v, field) == LUA_TTABLE)
		return true;
	lua_pop(L, 1);
	return false;
}

/* Replaces the value on top by its field `key` (nil when unknown) without
 * running user code: raw reads along __index tables, and agdb's own C
 * lookup for a tensor (.grad read directly, so no warning is printed). */
static void safe_field(lua_State *L, const char *key, size_t len)
{
	ag_tensor *t = repl_to_tensor(L, -1);
	int v = lua_gettop(L);

	if (t) {
		lua_getmetatable(L, v);
		lua_pushliteral(L, "__index");
		lua_rawget(L, -2);
		bool ours = lua_tocfunction(L, -1) == repl_tensor_index;
		lua_pop(L, 2);
		if (!ours) {
			lua_pushnil(L);
		} else if (len == 4 && memcmp(key, "grad", 4) == 0) {
			ag_tensor_retain(t->grad);
			if (t->grad)
				repl_push_tensor(L, t->grad);
			else
				lua_pushnil(L);
		} else {
			lua_pushlstring(L, key, len);
			lua_gettable(L, v);	/* repl_tensor_index: agdb's C */
		}
		lua_replace(L, v);
		return;
	}
	for (int depth = 0; depth < 32 && lua_istable(L, v); depth++) {
		lua_pushlstring(L, key, len);
		if (lua_rawget(L, v) != LUA_TNIL) {
			lua_replace(L, v);
			return;
		}
		lua_pop(L, 1);
		if (raw_metafield(L, v, "__index") != LUA_TTABLE) {
			lua_pop(L, 1);
			break;
		}
		lua_replace(L, v);	/* look in the __index table next */
	}
	lua_pushnil(L);
	lua_replace(L, v);
}

/* Protected: (path, sep) -> table of candidates.  path is "" for globals,
 * else a dotted name such as "model.fc1"; sep is ".", ":" or "". */
static int collect(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	const char *sep = luaL_checkstring(L, 2);
	int out, v;

	lua_newtable(L);
	out = lua_gettop(L);
	if (*sep == '\0') {
		lua_pushglobaltable(L);
		add_keys(L, out, lua_gettop(L), false);
		for (int i = 0; keywords[i]; i++)
			add_name(L, out, keywords[i], "k");
		lua_settop(L, out);
		return 1;
	}

	lua_pushglobaltable(L);
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ".");
		safe_field(L, p, n);
		p += n + (p[n] == '.');
	}
	v = lua_gettop(L);

	if (*sep == ':') {
		if (meta_table(L, v, "__methods")) {
			add_name_list(L, out, lua_gettop(L));
		} else {
			if (lua_istable(L, v))
				add_keys(L, out, v, true);
			add_index_chain(L, out, v, true);
		}
	} else if (lua_istable(L, v)) {
		add_keys(L, out, v, false);
		add_index_chain(L, out, v, false);
	} else if (meta_table(L, v, "__fields")) {
		add_name_list(L, out, lua_gettop(L));
	}
	lua_settop(L, out);
	return 1;
}

/* ------------------------------------------------------------ matches */

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A readline match array (lcd first) of the candidates at the top of the
 * stack that start with text; pops the table.  The kind of a single match
 * decides what is appended: "(" after a function, "." after a table. */
static char **matches_from_table(lua_State *L, const char *text)
{
	size_t tlen = strlen(text), n = 0, cap = 16, lcd;
	char **m = malloc((cap + 2) * sizeof *m);
	char kind = 0;

	if (m == NULL)
		goto fail;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *k = lua_tostring(L, -2);
		if (strncmp(k, text, tlen) == 0) {
			if (n == cap) {
				char **g = realloc(m, (2 * cap + 2) * sizeof *m);
				if (g == NULL)
					goto fail;
				m = g;
				cap *= 2;
			}
			m[1 + n++] = strdup(k);
			kind = lua_tostring(L, -1)[0];
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	if (n == 0) {
		free(m);
		return NULL;
	}
	if (n == 1) {
		m[0] = m[1];
		m[1] = NULL;
		rl_completion_append_character = kind == 'f' ? '(' :
						   kind == 't' ? '.' :
						   kind == 'k' || kind == 'c' ? ' ' : '\0';
		return m;
	}
	qsort(m + 1, n, sizeof *m, compare);
	lcd = strlen(m[1]);
	for (size_t i = 2; i <= n; i++) {
		size_t j = 0;
		while (j < lcd && m[i][j] == m[1][j])
			j++;
		lcd = j;
	}
	m[0] = strndup(m[1], lcd);
	m[n + 1] = NULL;
	return m;
fail:
	if (m)
		for (size_t i = 1; i <= n; i++)
			free(m[i]);
	free(m);
	return NULL;
}

static char **lua_matches(const char *path, const char *sep,
			  const char *text)
{
	lua_State *L = cL;
	int top = lua_gettop(L);
	char **m = NULL;

	lua_pushcfunction(L, collect);
	lua_pushstring(L, path);
	lua_pushstring(L, sep);
	if (lua_pcall(L, 2, 1, 0) == LUA_OK)
		m = matches_from_table(L, text);
	lua_settop(L, top);
	return m;
}

static char **command_matches(const char *text)
{
	lua_State *L = cL;
	const repl_cmd *c;

	lua_newtable(L);
	for (size_t i = 0; (c = repl_cmd_at(i)); i++) {
		lua_pushliteral(L, "c");
		lua_setfield(L, -2, c->name);
	}
	return matches_from_table(L, text);
}

static char **attempt_with(const char *text, int start, int end)
{
	const char *line = rl_line_buffer;
	const repl_cmd *cmd = command_of_line(line, start);
	int i, b;
	char *path;
	char **m;

	(void)end;
	rl_attempted_completion_over = 1;	/* never fall back to files */
	rl_completion_append_character = '\0';
	i = (int)strspn(line, " \t");
	if (line[i] == ':' && line[i + 1] != ':' && start == i + 1)
		return command_matches(text);
	if (cmd && (cmd->flags & REPL_CMD_COMMAND))
		return command_matches(text);
	if ((cmd && (cmd->flags & REPL_CMD_FILE)) || in_string(line, start))
		return rl_completion_matches(text, rl_filename_completion_function);

	if (start == 0 || (line[start - 1] != '.' && line[start - 1] != ':'))
		return lua_matches("", "", text);

	/* The dotted name before the separator: a.b.c */
	b = start - 1;
	while (b > 0 && (is_ident_char((unsigned char)line[b - 1]) ||
			 line[b - 1] == '.'))
		b--;
	path = strndup(line + b, (size_t)(start - 1 - b));
	if (path == NULL)
		return NULL;
	for (char *p = path;; ) {
		size_t n = strcspn(p, ".");
		if (!is_identifier(p, n)) {
			/* "1.5", "s..x", "f()." : nothing to look up */
			free(path);
			return line[start - 1] == '.' && start >= 2 &&
			       line[start - 2] == '.' ?
				lua_matches("", "", text) : NULL;
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	m = lua_matches(path, line[start - 1] == ':' ? ":" : ".", text);
	free(path);
	return m;
}

/* No collection while completing: a finalizer is user code too. */
static char **attempt(const char *text, int start, int end)
{
	bool gc_running = lua_gc(cL, LUA_GCISRUNNING);
	char **m;

	lua_gc(cL, LUA_GCSTOP);
	m = attempt_with(text, start, end);
	if (gc_running)
		lua_gc(cL, LUA_GCRESTART);
	return m;
}

void repl_complete_init(lua_State *L)
{
	cL = L;
	rl_attempted_completion_function = attempt;
	rl_completion_word_break_hook = word_breaks;
	rl_completer_word_break_characters = lua_breaks;
}
