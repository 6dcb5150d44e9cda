/*
 * tui_rl.c - readline inside the viewer, through its callback interface.
 *
 * agdb's input loop owns the terminal: it reads the bytes, and when the
 * input line has the focus it lets readline take a key
 * (rl_callback_read_char), with rl_getc_function pulling the bytes from
 * agdb's queue.  readline never touches the terminal: its terminal setup
 * is switched off, it catches no signals, and rl_redisplay_function only
 * marks the input line for drawing, which tui_rl_draw does from
 * readline's own state (the prompt it shows -- the i-search prompt too --,
 * the line, the point).  Everything readline gives in plain mode keeps
 * working: editing keys, history and Ctrl-R, completion (its candidates
 * are listed in the transcript), UTF-8.  Tab (on an empty line: the graph
 * pane) and Ctrl-L (redraw) are bound into readline's keymap while the
 * viewer is up and given back afterwards; the screen's other keys (F6,
 * Ctrl-x o, Shift-Tab, PgUp/PgDn, F1) are taken before readline sees them.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "repl.h"
#include "tuiint.h"

static bool started;
static char *done_line;
static bool have_line, done_eof;
static FILE *null_out;
static char *prompt_now;

/* What the viewer changes in readline, to give it back. */
static struct {
	rl_getc_func_t *getc;
	rl_hook_func_t *avail;
	rl_voidfunc_t *redisplay;
	rl_vintfunc_t *prep;
	rl_voidfunc_t *deprep;
	rl_compdisp_func_t *display;
	FILE *out;
	int catch_signals, catch_sigwinch;
} saved;

typedef struct keybind {
	const char *seq;
	rl_command_func_t *fn;
	rl_command_func_t *old;		/* given back on stop */
	int old_type;
} keybind;

/* ------------------------------------------------------------ hooks */

static int getc_hook(FILE *f)
{
	(void)f;
	int c = tui_input_getc();
	return c < 0 ? EOF : c;
}

/* readline asks whether a key sequence goes on (after Esc): a terminal
 * sends a whole sequence at once, so a short wait is enough. */
static int avail_hook(void)
{
	if (tui_input_avail() > 0)
		return 1;
	struct pollfd p = { tui_term_input_fd(), POLLIN, 0 };
	return poll(&p, 1, 30) > 0;
}

static void redisplay_hook(void)
{
	tui_dirty(TUI_INPUT);
}

static void prep_hook(int meta)
{
	(void)meta;	/* the viewer owns the terminal's modes */
}

static void deprep_hook(void)
{
}

/* Completion candidates go to the transcript, in columns. */
static void display_matches(char **matches, int num, int max_length)
{
	int width = tui_transcript_width();
	int colw = max_length + 2;
	/* the line as typed, then the candidates (as readline lists them) */
	size_t pl = strlen(rl_display_prompt ? rl_display_prompt : ""), ll = strlen(rl_line_buffer);
	char *echo = malloc(pl + ll + 1);
	if (echo) {
		memcpy(echo, rl_display_prompt ? rl_display_prompt : "", pl);
		memcpy(echo + pl, rl_line_buffer, ll + 1);
		tui_transcript_add(echo, TUI_TS_INPUT);
		free(echo);
	}
	int cols = colw > 0 && width > colw ? width / colw : 1;
	int rows = (num + cols - 1) / cols;
	char line[1024];
	for (int r = 0; r < rows; r++) {
		size_t n = 0;
		line[0] = 0;
		for (int c = 0; c < cols; c++) {
			int i = 1 + r + c * rows;	/* down the columns, as readline */
			if (i > num)
				break;
			const char *m = matches[i];
			int w = tui_text_width(m);
			int pad = c + 1 < cols && i + rows <= num ? colw - w : 0;
			int k = snprintf(line + n, sizeof line - n, "%s%*s", m, pad > 0 ? pad : 0, "");
			if (k < 0 || (size_t)k >= sizeof line - n)
				break;
			n += (size_t)k;
		}
		tui_transcript_add(line, TUI_TS_NOTE);
	}
	tui_dirty(TUI_INPUT);
}

static void on_line(char *line)
{
	free(done_line);
	done_line = line;
	done_eof = line == NULL;
	have_line = true;
}

/* ------------------------------------------------------------ keys */

static int key_tab(int count, int key)
{
	if (rl_end == 0 && !repl_chunk_pending()) {
		tui_request_focus(+1);
		return 0;
	}
	/* a second Tab lists the candidates: rl_complete knows a second Tab
	 * by the function that ran last, which is this one */
	if (rl_last_func == key_tab)
		rl_last_func = rl_complete;
	return rl_complete(count, key);
}

static int key_redraw(int count, int key)
{
	(void)count;
	(void)key;
	tui_request_redraw();
	return 0;
}

/* Single keys only: a sequence (F6, PgUp, Ctrl-x o) would make readline
 * build keymaps it never frees; tui.c takes those before readline. */
static keybind binds[] = {
	{ "\t", key_tab, NULL, 0 },
	{ "\\C-l", key_redraw, NULL, 0 },
};
#define NBINDS (sizeof binds / sizeof *binds)

/* ------------------------------------------------------------ start, stop */

void tui_rl_start(lua_State *L)
{
	if (started)
		return;
	repl_readline_init(L);	/* done already (tui.c), before the screen */
	saved.getc = rl_getc_function;
	saved.avail = rl_input_available_hook;
	saved.redisplay = rl_redisplay_function;
	saved.prep = rl_prep_term_function;
	saved.deprep = rl_deprep_term_function;
	saved.display = rl_completion_display_matches_hook;
	saved.out = rl_outstream;
	saved.catch_signals = rl_catch_signals;
	saved.catch_sigwinch = rl_catch_sigwinch;
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	rl_getc_function = getc_hook;
	rl_input_available_hook = avail_hook;
	rl_redisplay_function = redisplay_hook;
	rl_prep_term_function = prep_hook;
	rl_deprep_term_function = deprep_hook;
	rl_completion_display_matches_hook = display_matches;
	rl_outstream = null_out ? null_out : saved.out;	/* bells and the like */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	Keymap map = rl_get_keymap();
	for (size_t i = 0; i < NBINDS; i++) {
		char raw[32];
		int len = 0;
		binds[i].old = NULL;
		binds[i].old_type = ISFUNC;
		if (rl_translate_keyseq(binds[i].seq, raw, &len) == 0 && len > 0 &&
		    len < (int)sizeof raw) {
			raw[len] = 0;
			binds[i].old = rl_function_of_keyseq(raw, map, &binds[i].old_type);
		}
		rl_bind_keyseq_in_map(binds[i].seq, binds[i].fn, map);
	}
	have_line = done_eof = false;
	free(prompt_now);
	prompt_now = strdup(repl_prompt());
	rl_callback_handler_install(prompt_now, on_line);
	started = true;
}

void tui_rl_stop(void)
{
	if (!started)
		return;
	rl_callback_handler_remove();
	Keymap map = rl_get_keymap();
	for (size_t i = 0; i < NBINDS; i++) {
		/* only a function goes back; a prefix keeps its own bindings */
		rl_command_func_t *old = binds[i].old_type == ISFUNC ? binds[i].old : NULL;
		if (binds[i].seq[0] == '\t' && !old)
			old = rl_complete;
		rl_bind_keyseq_in_map(binds[i].seq, old, map);
	}
	rl_getc_function = saved.getc;
	rl_input_available_hook = saved.avail;
	rl_redisplay_function = saved.redisplay;
	rl_prep_term_function = saved.prep;
	rl_deprep_term_function = saved.deprep;
	rl_completion_display_matches_hook = saved.display;
	rl_outstream = saved.out;
	rl_catch_signals = saved.catch_signals;
	rl_catch_sigwinch = saved.catch_sigwinch;
	rl_replace_line("", 0);
	rl_point = rl_end = rl_mark = 0;
	free(done_line);
	done_line = NULL;
	have_line = false;
	started = false;
}

/* ------------------------------------------------------------ input */

void tui_rl_read(void)
{
	if (started && !have_line)
		rl_callback_read_char();
}

char *tui_rl_take_line(bool *eof)
{
	*eof = false;
	if (!have_line)
		return NULL;
	have_line = false;
	*eof = done_eof;
	char *l = done_line;
	done_line = NULL;
	return l;
}

void tui_rl_history_moved(void)
{
	/* readline set its history position for the next line before the
	 * line went into the history: Up and Ctrl-R start after it */
	using_history();
}

void tui_rl_set_prompt(const char *prompt)
{
	if (prompt_now && strcmp(prompt_now, prompt) == 0)
		return;
	free(prompt_now);
	prompt_now = strdup(prompt);
	rl_set_prompt(prompt_now);
	tui_dirty(TUI_INPUT);
}

char *tui_rl_cancel(void)
{
	char *was = strdup(rl_line_buffer ? rl_line_buffer : "");
	rl_callback_sigcleanup();
	rl_free_line_state();
	rl_replace_line("", 0);
	rl_point = rl_end = rl_mark = 0;
	rl_callback_handler_remove();
	free(done_line);
	done_line = NULL;
	have_line = false;
	rl_callback_handler_install(prompt_now ? prompt_now : REPL_PROMPT, on_line);
	tui_dirty(TUI_INPUT);
	return was;
}

void tui_rl_insert(const char *text)
{
	rl_insert_text(text);
	tui_dirty(TUI_INPUT);
}

/* ------------------------------------------------------------ drawing */

/* Cells of the first n bytes of s. */
static int width_n(const char *s, size_t n)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int w = 0;
	size_t i = 0;
	while (i < n && s[i]) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, n - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			i++;
			w++;
			continue;
		}
		int cw = wcwidth(wc);
		w += cw > 0 ? cw : 0;
		i += k;
	}
	return w;
}

void tui_rl_draw(int y, int x, int w, int *cursor_x)
{
	const char *prompt = rl_display_prompt ? rl_display_prompt : "";
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	int pw = width_n(prompt, strlen(prompt));
	int cx = pw + width_n(line, (size_t)(rl_point < 0 ? 0 : rl_point));
	/* scroll sideways so the cursor stays inside, a few cells of context */
	int skip = cx >= w - 1 ? cx - (w - 1) + w / 4 : 0;
	if (skip > cx)
		skip = cx;
	tui_fill(y, x, w, A_NORMAL);
	size_t plen = strlen(prompt), llen = strlen(line);
	char *all = malloc(plen + llen + 1);
	if (!all)
		return;
	memcpy(all, prompt, plen);
	memcpy(all + plen, line, llen + 1);
	/* find the byte where `skip` cells have passed */
	const char *p = all;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int passed = 0;
	while (*p && passed < skip) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, p, strlen(p), &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			k = 1;
			wc = '?';
		}
		int cw = wcwidth(wc);
		passed += cw > 0 ? cw : 0;
		p += k;
	}
	int col = x;
	if (skip > 0) {
		tui_put(y, x, 1, "<", A_BOLD);
		col++;
	}
	attr_t prompt_attr = A_BOLD;
	size_t in_prompt = p < all + plen ? (size_t)(all + plen - p) : 0;
	if (in_prompt) {
		char *pp = strndup(p, in_prompt);
		if (pp) {
			col += tui_put(y, col, x + w - col, pp, prompt_attr);
			free(pp);
		}
		p += in_prompt;
	}
	tui_put(y, col, x + w - col, p, A_NORMAL);
	free(all);
	*cursor_x = x + (skip > 0 ? 1 : 0) + (cx - passed);
	if (*cursor_x >= x + w)
		*cursor_x = x + w - 1;
}
