/*
 * run.c - running Lua chunks for the REPL and the script runner: protected
 * calls with a short traceback, Ctrl-C, printing results, compiling input.
 */
#include <config.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "ag.h"
#include "repl.h"

/* ------------------------------------------------------------ Ctrl-C */

static lua_State *volatile running_L;	/* set while a chunk runs */
static lua_State *volatile running_co;	/* the coroutine running in it */
static volatile sig_atomic_t stop_requested;	/* pressed during a chunk */
static volatile sig_atomic_t busy_noted;	/* the second press was told */
static volatile sig_atomic_t idle_sigint;	/* pressed outside a chunk */
static bool signals_interactive;

/*
 * The hook fires at the next Lua call, return or instruction: the running
 * chunk fails there with an ordinary error, so the state stays usable.
 * After that it fires again at every Lua instruction until the chunk has
 * ended, so code that catches the error (a pcall in a loop, in the chunk
 * or in a coroutine) cannot swallow the press -- but no longer at calls
 * and returns, so the C message handler that builds the traceback and C
 * __close handlers (grad-mode guards) run undisturbed.
 */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	if (!stop_requested) {	/* left on a coroutine by an old press */
		lua_sethook(L, NULL, 0, 0);
		return;
	}
	lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "interrupted!");
}

/* Hooks are per coroutine: arm the main chunk's and the running
 * coroutine's.  lua_sethook is the one Lua call that is safe in a signal
 * handler. */
static void arm_stop_hooks(void)
{
	lua_State *L = running_L, *co = running_co;
	int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT;

	if (L)
		lua_sethook(L, stop_hook, mask, 1);
	if (co && co != L)
		lua_sethook(co, stop_hook, mask, 1);
}

static void on_sigint(int sig)
{
	static const char busy[] = "\nagdb: interrupting; C code still running "
		"stops at its next check (Ctrl-\\ quits agdb)\n";

	if (running_L == NULL) {
		if (!signals_interactive) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		idle_sigint = 1;
		return;
	}
	if (stop_requested && !busy_noted) {
		/* The first press was not heard yet: say why, but never end
		 * the session for it -- its variables are what the user is
		 * debugging. */
		busy_noted = 1;
		(void)!write(STDERR_FILENO, busy, sizeof busy - 1);
	}
	stop_requested = 1;
	ag_interrupt();		/* long C loops poll this */
	arm_stop_hooks();
}

/* ------------------------------------------------ coroutines and Ctrl-C */

/*
 * coroutine.resume and coroutine.wrap, re-implemented after Lua's
 * lcorolib.c with one addition: running_co names the coroutine that runs,
 * so that Ctrl-C can arm its hook too.  The rest behaves as the originals.
 */
static int tracked_resume(lua_State *L, lua_State *co, int narg)
{
	lua_State *outer = running_co;
	int status, nres;

	if (!lua_checkstack(co, narg)) {
		lua_pushliteral(L, "too many arguments to resume");
		return -1;
	}
	lua_xmove(L, co, narg);
	running_co = co;
	if (stop_requested)	/* pressed before: it reaches this one too */
		arm_stop_hooks();
	status = lua_resume(co, L, narg, &nres);
	running_co = outer;
	if (status == LUA_OK || status == LUA_YIELD) {
		if (!lua_checkstack(L, nres + 1)) {
			lua_pop(co, nres);
			lua_pushliteral(L, "too many results to resume");
			return -1;
		}
		lua_xmove(co, L, nres);
		return nres;
	}
	lua_xmove(co, L, 1);	/* the error */
	return -1;
}

static int co_resume(lua_State *L)
{
	lua_State *co;
	int r;

	luaL_checktype(L, 1, LUA_TTHREAD);
	co = lua_tothread(L, 1);
	r = tracked_resume(L, co, lua_gettop(L) - 1);
	if (r < 0) {
		lua_pushboolean(L, 0);
		lua_insert(L, -2);
		return 2;
	}
	lua_pushboolean(L, 1);
	lua_insert(L, -(r + 1));
	return r + 1;
}

static int co_wrapped(lua_State *L)
{
	lua_State *co = lua_tothread(L, lua_upvalueindex(1));
	int r = tracked_resume(L, co, lua_gettop(L));

	if (r >= 0)
		return r;
	int stat = lua_status(co);
	if (stat != LUA_OK && stat != LUA_YIELD) {	/* it failed: close it */
#if LUA_VERSION_RELEASE_NUM >= 50406
		stat = lua_closethread(co, L);
#else
		stat = lua_resetthread(co);
#endif
		lua_xmove(co, L, 1);
	}
	if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
		luaL_where(L, 1);
		lua_insert(L, -2);
		lua_concat(L, 2);
	}
	return lua_error(L);
}

static int co_wrap(lua_State *L)
{
	lua_State *co;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	co = lua_newthread(L);
	lua_pushvalue(L, 1);
	lua_xmove(L, co, 1);
	lua_pushcclosure(L, co_wrapped, 1);
	return 1;
}

/* Once per state: the tracked versions replace the library's. */
static void track_coroutines(lua_State *L)
{
	static const char done_key = 'c';

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &done_key) != LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	lua_pushboolean(L, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &done_key);
	lua_pushglobaltable(L);
	lua_pushliteral(L, "coroutine");
	if (lua_rawget(L, -2) == LUA_TTABLE) {
		lua_pushliteral(L, "resume");
		lua_pushcfunction(L, co_resume);
		lua_rawset(L, -3);
		lua_pushliteral(L, "wrap");
		lua_pushcfunction(L, co_wrap);
		lua_rawset(L, -3);
	}
	lua_pop(L, 2);
}

void repl_signals_init(bool interactive)
{
	struct sigaction sa;

	signals_interactive = interactive;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a script blocked in io.read() should see the press. */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
}

bool repl_take_sigint(void)
{
	bool was = idle_sigint;

	idle_sigint = 0;
	return was;
}

/* ------------------------------------------------------------ quit */

static int quit_token;		/* its address is the error value of quit */
static bool quit_flag;
static int quit_status;

int repl_request_quit(lua_State *L, int status)
{
	quit_flag = true;
	quit_status = status;
	lua_pushlightuserdata(L, &quit_token);
	return lua_error(L);
}

bool repl_quit_requested(int *status)
{
	if (quit_flag && status)
		*status = quit_status;
	return quit_flag;
}

/* ------------------------------------------------------------ docall */

/* The host's own frames (lua_pcall from C) show as "[C]: in ?" at the
 * bottom of every traceback; they say nothing to the user. */
static void trim_traceback(lua_State *L)
{
	static const char tail[] = "\n\t[C]: in ?";
	static const char head[] = "\nstack traceback:";
	size_t len, n = sizeof tail - 1;
	const char *s = lua_tolstring(L, -1, &len);

	while (len >= n && memcmp(s + len - n, tail, n) == 0)
		len -= n;
	if (len >= sizeof head - 1 &&
	    memcmp(s + len - (sizeof head - 1), head, sizeof head - 1) == 0)
		len -= sizeof head - 1;		/* no frame left to show */
	lua_pushlstring(L, s, len);
	lua_remove(L, -2);
}

static int message_handler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (lua_touserdata(L, 1) == &quit_token)
		return 1;
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	trim_traceback(L);
	return 1;
}

int repl_docall(lua_State *L, int narg, int nres)
{
	static int depth;
	int base = lua_gettop(L) - narg;
	lua_State *outer = running_L;
	int status;

	if (depth == 0)
		track_coroutines(L);
	lua_pushcfunction(L, message_handler);
	lua_insert(L, base);
	depth++;
	running_L = L;
	status = lua_pcall(L, narg, nres, base);
	running_L = outer;
	depth--;
	lua_remove(L, base);
	if (depth == 0) {
		if (stop_requested) {
			/* The chunk is over: the press has been heard (or came
			 * too late for the hook to fire).  Disarm. */
			lua_sethook(L, NULL, 0, 0);
			stop_requested = 0;
			busy_noted = 0;
		}
		/* Leave no stale interrupt for the next chunk's C loops. */
		if (ag_interrupt_pending())
			ag_check_interrupt();
		ag_error_clear();
	}
	return status;
}

void (*repl_error_sink)(const char *msg);

static void print_error_text(const char *msg)
{
	bool color;

	if (repl_error_sink) {
		repl_error_sink(msg);
		return;
	}
	color = repl_opts.color && isatty(fileno(stderr));
	fflush(stdout);
	fprintf(stderr, "%s%s%s\n", color ? "\033[31m" : "", msg,
		color ? "\033[0m" : "");
	fflush(stderr);
}

void repl_print_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	print_error_text(buf);
}

int repl_report(lua_State *L, int status)
{
	const char *msg;

	if (status == LUA_OK)
		return status;
	if (lua_touserdata(L, -1) == &quit_token) {
		lua_pop(L, 1);
		return status;
	}
	msg = lua_tostring(L, -1);
	if (msg == NULL)
		msg = "(error object is not a string)";
	print_error_text(msg);
	lua_pop(L, 1);
	return status;
}

/* ------------------------------------------------------------ C work */

typedef struct c_work {
	int (*fn)(void *ud);
	void *ud;
} c_work;

static int run_c_work(lua_State *L)
{
	c_work *w = lua_touserdata(L, 1);
	if (w->fn(w->ud) < 0)
		return luaL_error(L, "%s", ag_error_message());
	return 0;
}

int repl_protected(lua_State *L, int (*fn)(void *ud), void *ud, char *err, size_t n)
{
	c_work w = { fn, ud };
	int top = lua_gettop(L);
	lua_pushcfunction(L, run_c_work);
	lua_pushlightuserdata(L, &w);
	int status = repl_docall(L, 1, 0);
	if (status != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		snprintf(err, n, "%s", msg ? msg : "error");
	}
	lua_settop(L, top);
	return status == LUA_OK ? 0 : -1;
}

/* ------------------------------------------------------------ printing */

static int show_values(lua_State *L)
{
	int n = lua_gettop(L);

	luaL_checkstack(L, 2 * n, "too many results to print");
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			lua_pushliteral(L, ", ");
		luaL_tolstring(L, i, NULL);
	}
	lua_concat(L, n > 0 ? 2 * n - 1 : 0);
	fwrite(lua_tostring(L, -1), 1, lua_rawlen(L, -1), stdout);
	fputc('\n', stdout);
	fflush(stdout);
	return 0;
}

void repl_print_values(lua_State *L, int first)
{
	int n = lua_gettop(L) - first + 1;

	if (n <= 0)
		return;
	lua_pushcfunction(L, show_values);
	lua_insert(L, first);
	repl_report(L, repl_docall(L, n, 0));
}

/* ------------------------------------------------------------ compiling */

/* lua.c's trick: a syntax error "near <eof>" means the input stopped
 * early, so another line may complete it. */
static bool is_incomplete(lua_State *L, int status)
{
	static const char mark[] = "<eof>";
	size_t len, n = sizeof mark - 1;
	const char *msg;

	if (status != LUA_ERRSYNTAX)
		return false;
	msg = lua_tolstring(L, -1, &len);
	return msg && len >= n && strcmp(msg + len - n, mark) == 0;
}

int repl_compile(lua_State *L, const char *chunk, size_t len,
		 const char *chunkname)
{
	bool expr_incomplete;
	int status;

	/* Lua 5.1's `=expr` still works, for old habits. */
	if (len > 0 && chunk[0] == '=') {
		chunk++;
		len--;
	}
	/* An expression prints its value: try "return <chunk>" first. */
	lua_pushliteral(L, "return ");
	lua_pushlstring(L, chunk, len);
	lua_concat(L, 2);
	status = luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1),
				 chunkname);
	lua_remove(L, -2);
	if (status == LUA_OK)
		return LUA_OK;
	expr_incomplete = is_incomplete(L, status);
	lua_pop(L, 1);

	status = luaL_loadbuffer(L, chunk, len, chunkname);
	if (status == LUA_OK)
		return LUA_OK;
	/* `{1,` fails as a statement but is an unfinished expression. */
	if (expr_incomplete || is_incomplete(L, status)) {
		lua_pop(L, 1);
		return REPL_INCOMPLETE;
	}
	return status;
}
