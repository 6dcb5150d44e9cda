/*
 * repl.c - the interactive loop: read a line (readline on a terminal, plain
 * stdio in a pipe), gather continuation lines until the chunk compiles, run
 * it and print what it returns; `:` lines go to the commands.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include <lauxlib.h>
#include <lualib.h>

#include "ag.h"
#include "commands.h"
#include "repl.h"
#include "tui.h"

static bool use_readline;
static bool line_cancelled;	/* Ctrl-C at a prompt dropped pending input */

/* The chunk being gathered (lines until it compiles), shared by the plain
 * loop and the viewer's. */
static char *chunk;
static size_t chunk_len;
static int chunk_number;	/* the viewer names chunks in[1], in[2], ... */
static bool numbered_chunks;

/* :tui on / :tui off, taken by the loops between lines. */
static int mode_request = -1;

double repl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Readline calls this when a signal interrupted its read.  Ctrl-C at the
 * prompt clears the line and any unfinished chunk, and the read goes on at
 * a fresh primary prompt (readline has already echoed ^C). */
static int on_readline_signal(void)
{
	if (!repl_take_sigint())
		return 0;
	line_cancelled = true;
	rl_replace_line("", 0);
	rl_point = rl_end = 0;
	rl_crlf();
	rl_set_prompt(REPL_PROMPT);
	rl_on_new_line();
	rl_redisplay();
	return 0;
}

void repl_readline_init(lua_State *L)
{
	static bool done;
	if (done)
		return;
	done = true;
	rl_readline_name = "agdb";	/* for `$if agdb` in ~/.inputrc */
	rl_initialize();
	/* Pasted multi-line code should run line by line, as typed. */
	rl_variable_bind("enable-bracketed-paste", "off");
	rl_signal_event_hook = on_readline_signal;
	repl_complete_init(L);
	repl_history_open();
}

/* A malloc'd line without its newline, or NULL at end of input. */
static char *read_line(const char *prompt)
{
	char *line;
	size_t cap = 0;
	ssize_t n;

	if (use_readline)
		return readline(prompt);

	/* Prompts go to stderr (as Python does) so stdout holds only results. */
	fflush(stdout);
	fputs(prompt, stderr);
	for (;;) {
		line = NULL;
		errno = 0;
		n = getline(&line, &cap, stdin);
		if (n >= 0)
			break;
		free(line);
		if (errno == EINTR && repl_take_sigint()) {
			clearerr(stdin);
			line_cancelled = true;
			fputs("\n" REPL_PROMPT, stderr);
			continue;
		}
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	return line;
}

static bool is_blank(const char *s)
{
	s += strspn(s, " \t\r\n");
	return *s == '\0';
}

/* A `:command` line: ':' first (after blanks), but not a `::label::`. */
static bool is_command(const char *s)
{
	s += strspn(s, " \t");
	return s[0] == ':' && s[1] != ':';
}

static void run_chunk(lua_State *L)
{
	int base = lua_gettop(L);
	int status = repl_docall(L, 0, LUA_MULTRET);

	if (status == LUA_OK)
		repl_print_values(L, base);
	else
		repl_report(L, status);
}

/* Appends "\n" and line to the malloc'd chunk (NULL starts one). */
static char *chunk_append(char *chunk, size_t *len, const char *line)
{
	size_t n = strlen(line), add = n + (chunk ? 1 : 0);
	char *p = realloc(chunk, *len + add + 1);

	if (p == NULL) {
		free(chunk);
		return NULL;
	}
	if (chunk)
		p[(*len)++] = '\n';
	memcpy(p + *len, line, n + 1);
	*len += n;
	return p;
}

bool repl_chunk_pending(void)
{
	return chunk != NULL;
}

const char *repl_prompt(void)
{
	return chunk ? REPL_PROMPT2 : REPL_PROMPT;
}

void repl_cancel_chunk(void)
{
	free(chunk);
	chunk = NULL;
	chunk_len = 0;
}

void repl_number_chunks(bool on)
{
	numbered_chunks = on;
}

int repl_chunk_count(void)
{
	return chunk_number;
}

void repl_feed_line(lua_State *L, const char *line)
{
	int top = lua_gettop(L);
	char name[32];

	if (chunk == NULL && is_command(line)) {
		if (!(tui_active() && tui_command_line(L, line)))
			repl_run_command_line(L, line);
		lua_settop(L, top);
		return;
	}
	if (chunk == NULL && is_blank(line))
		return;
	chunk = chunk_append(chunk, &chunk_len, line);
	if (chunk == NULL) {
		repl_print_error("agdb: out of memory");
		chunk_len = 0;
		return;
	}
	if (numbered_chunks)
		snprintf(name, sizeof name, "=in[%d]", chunk_number + 1);
	else
		snprintf(name, sizeof name, "=stdin");
	switch (repl_compile(L, chunk, chunk_len, name)) {
	case REPL_INCOMPLETE:
		return;		/* keep the chunk, read on */
	case LUA_OK:
		chunk_number++;
		run_chunk(L);
		break;
	default:
		chunk_number++;
		repl_report(L, LUA_ERRSYNTAX);
	}
	repl_cancel_chunk();
	lua_settop(L, top);
}

void repl_request_mode(bool tui)
{
	mode_request = tui;
}

int repl_take_mode_request(void)
{
	int r = mode_request;
	mode_request = -1;
	return r;
}

void repl_banner(char *buf, size_t n)
{
	snprintf(buf, n, "agdb %s (%s, BLAS: %s) - :help for help, Ctrl-D to quit",
		 PACKAGE_VERSION, LUA_RELEASE, ag_blas_name());
}

/* The plain loop: readline on a terminal, stdio in a pipe.  Returns 1 when
 * the session ends (Ctrl-D, :quit), 0 to go on in the viewer. */
static int plain_loop(lua_State *L, int *status)
{
	char *line;
	int top = lua_gettop(L);

	use_readline = isatty(STDIN_FILENO);
	if (use_readline)
		repl_readline_init(L);
	numbered_chunks = false;
	for (;;) {
		if (repl_quit_requested(status))
			return 1;
		if (repl_take_mode_request() == 1) {
			char why[200];
			if (tui_unavailable(why, sizeof why) == NULL)
				return 0;
			repl_print_error("agdb: %s", why);
		}
		line = read_line(repl_prompt());
		if (line == NULL)
			break;
		if (line_cancelled) {
			line_cancelled = false;
			repl_cancel_chunk();
		}
		if (use_readline)
			repl_history_add(line);
		repl_feed_line(L, line);
		free(line);
		lua_settop(L, top);
	}
	if (!repl_quit_requested(status))
		fputc('\n', use_readline ? stdout : stderr);	/* end the prompt's line */
	fflush(stdout);
	return 1;
}

static bool in_loop;

bool repl_interactive(void)
{
	return in_loop;
}

int repl_loop(lua_State *L, bool want_tui)
{
	int status = 0;
	in_loop = true;
	char banner[160], why[200];
	bool said = false;

	repl_banner(banner, sizeof banner);
	for (;;) {
		if (want_tui && tui_unavailable(why, sizeof why) != NULL) {
			/* one line says why, and the plain prompt carries on */
			fprintf(stderr, "agdb: %s; using the plain prompt\n", why);
			want_tui = false;
		}
		if (want_tui) {
			if (tui_loop(L, &status))
				break;
			want_tui = false;
			printf("agdb: the plain prompt (:tui on brings the viewer back)\n");
			fflush(stdout);
			continue;
		}
		if (!said) {
			printf("%s\n", banner);
			fflush(stdout);
			said = true;
		}
		if (plain_loop(L, &status))
			break;
		want_tui = true;
	}
	repl_cancel_chunk();
	repl_history_close();
	fflush(stdout);
	in_loop = false;
	return status;
}
