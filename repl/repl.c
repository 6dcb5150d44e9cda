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

#include "commands.h"
#include "repl.h"

static bool use_readline;
static bool line_cancelled;	/* Ctrl-C at a prompt dropped pending input */

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

static void readline_init(lua_State *L)
{
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

int repl_loop(lua_State *L)
{
	char *chunk = NULL, *line;
	size_t len = 0;
	int status = 0, top = lua_gettop(L);

	use_readline = isatty(STDIN_FILENO);
	if (use_readline)
		readline_init(L);

	while (!repl_quit_requested(&status) &&
	       (line = read_line(chunk ? REPL_PROMPT2 : REPL_PROMPT)) != NULL) {
		if (line_cancelled) {
			line_cancelled = false;
			free(chunk);
			chunk = NULL;
			len = 0;
		}
		if (use_readline)
			repl_history_add(line);
		if (chunk == NULL && is_command(line)) {
			repl_run_command_line(L, line);
			lua_settop(L, top);
			free(line);
			continue;
		}
		if (chunk == NULL && is_blank(line)) {
			free(line);
			continue;
		}
		chunk = chunk_append(chunk, &len, line);
		free(line);
		if (chunk == NULL) {
			fprintf(stderr, "agdb: out of memory\n");
			len = 0;
			continue;
		}
		switch (repl_compile(L, chunk, len, "=stdin")) {
		case REPL_INCOMPLETE:
			continue;	/* keep the chunk, read on */
		case LUA_OK:
			run_chunk(L);
			break;
		default:
			repl_report(L, LUA_ERRSYNTAX);
		}
		free(chunk);
		chunk = NULL;
		len = 0;
		lua_settop(L, top);
	}
	if (!repl_quit_requested(&status))
		fputc('\n', use_readline ? stdout : stderr);	/* end the prompt's line */
	free(chunk);
	if (use_readline)
		repl_history_close();
	fflush(stdout);
	return status;
}
