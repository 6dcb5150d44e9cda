/*
 * main.c - agdb's command line: options, the `arg` table, scripts, -e and
 * -l, then the REPL.  It behaves like the stand-alone `lua` where the two
 * overlap, so habits (and shebang lines) carry over.
 */
#include <config.h>

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "ag.h"
#include "commands.h"
#include "debugger.h"
#include "ltorch.h"
#include "repl.h"

repl_options repl_opts = { .color = true, .plain = false };

static const char progname[] = "agdb";

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options] [script [args]]\n"
		"Available options are:\n"
		"  -e chunk     execute string 'chunk'\n"
		"  -i           enter interactive mode after executing 'script'\n"
		"               (also after an error, to inspect what it left)\n"
		"  -l mod       require library 'mod' into global 'mod'\n"
		"  -l g=mod     require library 'mod' into global 'g'\n"
		"  --tui        the full-screen viewer (graph beside the prompt),\n"
		"               also after -e or a script (as -i)\n"
		"  --plain      plain readline REPL (no full-screen viewer)\n"
		"  --no-color   no colours (also when NO_COLOR is set)\n"
		"  --ascii      draw graphs with ASCII characters only\n"
		"  --version    show version information\n"
		"  --help       show this help\n"
		"  --           stop handling options\n"
		"  -            stop handling options and execute stdin\n"
		"Without a script, agdb is an interactive Lua REPL with the torch\n"
		"module loaded when stdin is a terminal, and runs stdin otherwise.\n"
		"On a terminal of at least 80x24 the REPL runs in the viewer: the\n"
		"graph of what you compute beside the prompt (:tui off leaves it).\n"
		"At the prompt, :help lists the commands.\n",
		progname);
}

static void print_version(void)
{
	const char *core;
	ag_blas_init();
	core = ag_blas_core();
	printf("agdb %s\n%s\nBLAS: %s%s%s%s\n", PACKAGE_VERSION, LUA_COPYRIGHT,
	       ag_blas_name(), core ? " (" : "", core ? core : "",
	       core ? " kernels)" : "");
}

/* ------------------------------------------------------------ options */

enum { HAS_E = 1, HAS_I = 2, HAS_V = 4, HAS_HELP = 8, BAD = 16 };

/* Scans the options; *first gets the index of the script (argc when there
 * is none).  On BAD, *first is the offending argument. */
static int collect_args(char **argv, int *first)
{
	int flags = 0, i;

	for (i = 1; argv[i] != NULL; i++) {
		const char *a = argv[i];

		*first = i;
		if (a[0] != '-')
			return flags;		/* the script */
		if (strcmp(a, "-") == 0)
			return flags;		/* script from stdin */
		if (strcmp(a, "--") == 0) {
			*first = i + 1;
			return flags;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			flags |= HAS_HELP;
		else if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0)
			flags |= HAS_V;
		else if (strcmp(a, "--plain") == 0)
			repl_opts.plain = true;
		else if (strcmp(a, "--tui") == 0) {
			repl_opts.tui = true;
			flags |= HAS_I;
		}
		else if (strcmp(a, "--ascii") == 0)
			repl_ascii_mode = true;
		else if (strcmp(a, "--no-color") == 0)
			repl_opts.color = false;
		else if (strcmp(a, "-i") == 0)
			flags |= HAS_I | HAS_V;
		else if (a[1] == 'e' || a[1] == 'l') {
			if (a[1] == 'e')
				flags |= HAS_E;
			if (a[2] == '\0') {	/* the argument is the next word */
				i++;
				if (argv[i] == NULL || argv[i][0] == '-')
					return flags | BAD;
			}
		} else
			return flags | BAD;
	}
	*first = i;
	return flags;
}

/* arg[0] is the script, the interpreter and options count down from -1,
 * the script's arguments up from 1; without a script arg[0] is agdb. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
	if (script == argc)
		script = 0;
	lua_createtable(L, argc - script - 1 > 0 ? argc - script - 1 : 0,
			script + 1);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - script);
	}
	lua_setglobal(L, "arg");
}

/* ------------------------------------------------------------ setup */

/* Whether this binary is the one in the build tree (then the Lua library
 * is read from the source tree, so edits show up without installing). */
static int in_build_tree(void)
{
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0)
		return -1;	/* cannot tell */
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL || realpath(AGDB_BUILDDIR, dir) == NULL)
		return 0;
	*slash = '\0';
	return strcmp(exe, dir) == 0;
}

static void set_package_path(lua_State *L)
{
	static const char src[] = AGDB_SRCDIR "/repl/lua";
	static const char inst[] = AGDB_PKGDATADIR "/lua";
	int built = in_build_tree();

	lua_getglobal(L, "package");
	if (built == 1)
		lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", src, src);
	else if (built == 0)
		lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", inst, inst);
	else
		lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s/?.lua;%s/?/init.lua;",
				inst, inst, src, src);
	lua_getfield(L, -2, "path");
	lua_concat(L, 2);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
}

/* The REPL's shorthands for torch.nn, torch.nn.functional, torch.optim,
 * set when the torch module has them. */
static void set_shorthands(lua_State *L)
{
	static const char *const names[][3] = {
		{ "nn", "nn", NULL },
		{ "F", "nn", "functional" },
		{ "optim", "optim", NULL },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		lua_getglobal(L, "torch");
		for (int k = 1; k < 3 && names[i][k]; k++) {
			if (!lua_istable(L, -1) && !lua_isuserdata(L, -1))
				break;
			lua_getfield(L, -1, names[i][k]);
			lua_remove(L, -2);
		}
		if (!lua_isnil(L, -1))
			lua_setglobal(L, names[i][0]);
		else
			lua_pop(L, 1);
	}
}

static void open_libraries(lua_State *L)
{
	luaL_openlibs(L);
	set_package_path(L);
	/* Preloaded: `require "torch"` must return this module, never load
	 * the separate torch.so (a second core with its own tensors). */
	luaL_requiref(L, "torch", luaopen_torch, 1);
	lua_pop(L, 1);
	set_shorthands(L);
	repl_open_commands(L);
	repl_open_debugger(L);
}

/* ------------------------------------------------------------ running */

static int run_chunk(lua_State *L, int status)
{
	if (status == LUA_OK)
		status = repl_docall(L, 0, 0);
	return repl_report(L, status);
}

static int run_string(lua_State *L, const char *s, const char *name)
{
	return run_chunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l mod, or -l g=mod */
static int run_require(lua_State *L, const char *spec)
{
	const char *eq = strchr(spec, '=');
	const char *mod = eq ? eq + 1 : spec;
	int status;

	lua_getglobal(L, "require");
	lua_pushstring(L, mod);
	status = repl_docall(L, 1, 1);
	if (status == LUA_OK) {
		if (eq)
			lua_pushlstring(L, spec, (size_t)(eq - spec));
		else
			lua_pushstring(L, spec);
		lua_insert(L, -2);
		lua_setglobal(L, lua_tostring(L, -2));
		lua_pop(L, 1);
	}
	return repl_report(L, status);
}

/* The -e and -l options, in order. */
static int run_options(lua_State *L, char **argv, int script)
{
	for (int i = 1; i < script; i++) {
		const char *a = argv[i];
		const char *extra;
		int status;

		if (a[0] != '-' || (a[1] != 'e' && a[1] != 'l'))
			continue;
		extra = a[2] ? a + 2 : argv[++i];
		if (a[1] == 'e')
			status = run_string(L, extra, "=(command line)");
		else
			status = run_require(L, extra);
		if (status != LUA_OK)
			return status;
	}
	return LUA_OK;
}

static int run_script(lua_State *L, char **argv, int script)
{
	const char *fname = argv[script];
	int status, n;

	if (strcmp(fname, "-") == 0 && strcmp(argv[script - 1], "--") != 0)
		fname = NULL;	/* stdin */
	status = luaL_loadfile(L, fname);	/* skips a #! line */
	if (status == LUA_OK) {
		n = 0;
		for (int i = script + 1; argv[i]; i++, n++) {
			luaL_checkstack(L, 1, "too many arguments to script");
			lua_pushstring(L, argv[i]);
		}
		status = repl_docall(L, n, LUA_MULTRET);
	}
	return repl_report(L, status);
}

struct main_args {
	int argc;
	char **argv;
	int status;
};

/* Everything runs inside a protected call, so even a memory error while
 * setting up is reported instead of ending in a panic. */
static int protected_main(lua_State *L)
{
	struct main_args *m = lua_touserdata(L, 1);
	char **argv = m->argv;
	int script, flags;
	bool quit;

	flags = collect_args(argv, &script);
	if (flags & BAD) {
		const char *a = argv[script];
		if (a[1] == 'e' || a[1] == 'l')
			fprintf(stderr, "%s: '%s' needs argument\n", progname, a);
		else
			fprintf(stderr, "%s: unrecognized option '%s'\n",
				progname, a);
		print_usage(stderr);
		m->status = 1;
		return 0;
	}
	if (flags & HAS_HELP) {
		print_usage(stdout);
		return 0;
	}
	if ((flags & HAS_V) && !(flags & HAS_I)) {
		print_version();
		return 0;
	}
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		repl_opts.color = false;

	lua_gc(L, LUA_GCGEN, 0, 0);
	open_libraries(L);
	create_arg_table(L, argv, m->argc, script);
	lua_gc(L, LUA_GCRESTART);

	bool interactive = (flags & HAS_I) ||
		(script == m->argc && !(flags & HAS_E) && isatty(STDIN_FILENO));
	/* the viewer when both ends are a terminal (its size is checked when
	 * it starts) */
	bool want_tui = !repl_opts.plain && (repl_opts.tui ||
		(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)));
	repl_signals_init(interactive);

	if (run_options(L, argv, script) != LUA_OK ||
	    (script < m->argc && run_script(L, argv, script) != LUA_OK)) {
		if (!repl_quit_requested(&m->status))
			m->status = 1;
		/* With -i the session goes on after an error, as `python -i`
		 * does: the globals it left are there to inspect. */
		if (!(flags & HAS_I) || repl_quit_requested(NULL))
			return 0;
	}
	quit = repl_quit_requested(&m->status);
	if (!quit && (flags & HAS_I)) {
		m->status = repl_loop(L, want_tui);
	} else if (!quit && script == m->argc && !(flags & HAS_E)) {
		if (interactive) {
			m->status = repl_loop(L, want_tui);
		} else if (run_chunk(L, luaL_loadfile(L, NULL)) != LUA_OK &&
			   !repl_quit_requested(&m->status)) {
			m->status = 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct main_args m = { argc, argv, 0 };

	/* UTF-8 input for readline and the screen; only the character type:
	 * numbers keep printing with a '.' whatever the locale. */
	setlocale(LC_CTYPE, "");
	ag_threads_init();
	lua_State *L = luaL_newstate();
	int status;

	if (L == NULL) {
		fprintf(stderr, "%s: cannot create the Lua state: not enough memory\n",
			progname);
		return 1;
	}
	lua_setallocf(L, repl_lua_alloc, NULL);
	lua_gc(L, LUA_GCSTOP);
	lua_pushcfunction(L, protected_main);
	lua_pushlightuserdata(L, &m);
	status = lua_pcall(L, 1, 0, 0);
	if (status != LUA_OK) {
		fprintf(stderr, "%s: %s\n", progname, lua_tostring(L, -1));
		m.status = 1;
	}
	fflush(stdout);
	lua_close(L);
	return m.status;
}
