/*
 * tui_transcript.c - what was typed and what came out, kept as lines
 * (TUI_TRANSCRIPT_LINES of scrollback) and drawn wrapped to the pane.
 *
 * Output arrives as raw bytes (tui_term.c's capture): lines end at '\n',
 * a lone '\r' starts the line again (so a progress bar redraws in place),
 * tabs expand to 8 columns, and terminal escape sequences (colours,
 * cursor moves) are dropped -- the transcript is text.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tuiint.h"

typedef struct tline {
	char *text;
	int width;		/* display cells */
	unsigned char style;
} tline;

static tline *ring;		/* TUI_TRANSCRIPT_LINES entries */
static int first, count;	/* oldest line, lines held */
static int offset;		/* rows scrolled back from the bottom */
static int last_width = 80, last_rows = 10;

/* the output line not yet ended */
static char *cur;
static size_t cur_len, cur_cap;
static int cur_width;
static bool cur_cr;		/* a '\r' came: the next character starts over */
static int esc_state;		/* 0 text, 1 after ESC, 2 in CSI, 3 in OSC, 4 OSC after ESC */

static int line_width(const char *s)
{
	return tui_text_width(s);
}

static tline *at(int i)		/* i: 0 = oldest */
{
	return &ring[(first + i) % TUI_TRANSCRIPT_LINES];
}

static int rows_of(const tline *l, int width)
{
	return l->width <= width ? 1 : (l->width + width - 1) / width;
}

static void push(char *text, int style)
{
	if (!ring) {
		ring = calloc(TUI_TRANSCRIPT_LINES, sizeof *ring);
		if (!ring) {
			free(text);
			return;
		}
	}
	tline *l;
	if (count == TUI_TRANSCRIPT_LINES) {
		l = at(0);
		free(l->text);
		first = (first + 1) % TUI_TRANSCRIPT_LINES;
		count--;
	}
	l = at(count);
	l->text = text;
	l->width = line_width(text);
	l->style = (unsigned char)style;
	count++;
	if (offset > 0)		/* scrolled back: the view stays where it is */
		offset += rows_of(l, last_width);
	tui_dirty(TUI_INPUT);
}

static void cur_put(const char *s, size_t n)
{
	if (cur_len + n + 1 > cur_cap) {
		size_t c = cur_cap ? cur_cap * 2 : 128;
		while (c < cur_len + n + 1)
			c *= 2;
		char *b = realloc(cur, c);
		if (!b)
			return;
		cur = b;
		cur_cap = c;
	}
	memcpy(cur + cur_len, s, n);
	cur_len += n;
	cur[cur_len] = 0;
}

static void cur_end(void)
{
	char *t = malloc(cur_len + 1);
	if (t) {
		memcpy(t, cur ? cur : "", cur_len);
		t[cur_len] = 0;
		push(t, TUI_TS_OUTPUT);
	}
	cur_len = 0;
	cur_width = 0;
	if (cur)
		cur[0] = 0;
}

void tui_transcript_output(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		switch (esc_state) {
		case 1:
			esc_state = c == '[' ? 2 : c == ']' ? 3 : 0;
			continue;
		case 2:
			if (c >= 0x40 && c <= 0x7e)
				esc_state = 0;
			continue;
		case 3:
			if (c == 7)
				esc_state = 0;
			else if (c == 0x1b)
				esc_state = 4;
			continue;
		case 4:
			esc_state = c == '\\' ? 0 : 3;
			continue;
		}
		if (c == '\n') {
			cur_cr = false;
			cur_end();
			continue;
		}
		if (c == '\r') {
			cur_cr = true;
			continue;
		}
		if (cur_cr) {	/* "\r" then text: the line starts over */
			cur_cr = false;
			cur_len = 0;
			cur_width = 0;
			if (cur)
				cur[0] = 0;
		}
		if (c == 0x1b) {
			esc_state = 1;
			continue;
		}
		if (c == '\t') {
			int spaces = 8 - cur_width % 8;
			cur_put("        ", (size_t)spaces);
			cur_width += spaces;
			continue;
		}
		if (c == '\b') {
			while (cur_len > 0 && ((unsigned char)cur[cur_len - 1] & 0xC0) == 0x80)
				cur_len--;
			if (cur_len > 0) {
				cur_len--;
				cur_width--;
			}
			if (cur)
				cur[cur_len] = 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		cur_put((const char *)&c, 1);
		if (c < 0x80)
			cur_width++;
		else if ((c & 0xC0) != 0x80)
			cur_width++;	/* roughly: a new character (width fixed on push) */
	}
	tui_dirty(TUI_INPUT);
}

void tui_transcript_add(const char *text, int style)
{
	if (cur_len > 0)
		cur_end();	/* output without a newline ends first */
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		/* tabs expand to 8 columns; other control characters go */
		size_t tabs = 0;
		for (size_t i = 0; i < n; i++)
			tabs += p[i] == '\t';
		char *t = malloc(n + tabs * 8 + 1);
		if (t) {
			size_t k = 0;
			int col = 0;
			for (size_t i = 0; i < n; i++) {
				unsigned char c = (unsigned char)p[i];
				if (c == '\t') {
					do
						t[k++] = ' ';
					while (++col % 8);
				} else if (c >= 0x20) {
					t[k++] = (char)c;
					col += (c & 0xC0) != 0x80;
				}
			}
			t[k] = 0;
			push(t, style);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

static int total_rows(int width)
{
	int rows = 0;
	for (int i = 0; i < count; i++)
		rows += rows_of(at(i), width);
	return rows;
}

void tui_transcript_scroll(int rows)
{
	offset += rows;
	if (offset < 0)
		offset = 0;
	/* never past the first line: at most all rows minus a screenful */
	int most = total_rows(last_width) - last_rows;
	if (offset > most)
		offset = most > 0 ? most : 0;
	tui_dirty(TUI_INPUT);
}

void tui_transcript_page(int pages)
{
	int page = last_rows > 2 ? last_rows - 1 : 1;
	tui_transcript_scroll(pages * page);
}

void tui_transcript_bottom(void)
{
	offset = 0;
	tui_dirty(TUI_INPUT);
}

/* Draws row k (0-based) of the wrapped line at screen row y. */
static void draw_wrapped(const char *s, int k, int y, int x, int w, attr_t a)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	const char *p = s, *start = s;
	int col = 0, row = 0;
	while (*p && row < k) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, p, strlen(p), &st);
		int cw;
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			cw = 1;
		} else {
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		if (col + cw > w) {
			row++;
			col = 0;
			start = p;
			if (row == k)
				break;
		}
		col += cw;
		p += n;
	}
	if (row < k)
		start = p;
	tui_put(y, x, w, start, a);
}

static attr_t style_attr(int style)
{
	switch (style) {
	case TUI_TS_INPUT:
		return A_BOLD;
	case TUI_TS_ERROR:
		return viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_RED) | A_BOLD : A_BOLD;
	case TUI_TS_NOTE:
		return viz_curses_has_color() ? viz_curses_pair(VIZ_PAIR_GREY) : A_DIM;
	}
	return A_NORMAL;
}

static int cursor_y = -1, cursor_x;

bool tui_transcript_cursor(int *y, int *x)
{
	*y = cursor_y;
	*x = cursor_x;
	return cursor_y >= 0;
}

static void draw(const tui_rect *r, bool focused)
{
	bool input = tui_input_shown();
	cursor_y = -1;
	if (r->h <= 0)
		return;
	char info[64] = "";
	if (offset > 0)
		snprintf(info, sizeof info, "scrolled back %d rows (PgDn returns)", offset);
	tui_title(r, "transcript", info, focused);
	int top = r->y + 1, h = r->h - 1 - (input ? 1 : 0), w = r->w;
	last_width = w > 0 ? w : 1;
	last_rows = h > 0 ? h : 1;
	for (int y = top; y < top + h; y++)
		tui_fill(y, r->x, w, A_NORMAL);
	/* from the bottom up: the unfinished output line, then the lines */
	int y = top + h - 1;
	int skip = offset;
	tline partial = { .text = cur, .width = cur ? tui_text_width(cur) : 0,
			  .style = TUI_TS_OUTPUT };
	for (int i = count - (cur_len > 0 ? 0 : 1); i >= 0 && y >= top; i--) {
		const tline *l = i == count ? &partial : at(i);
		int rows = rows_of(l, w);
		for (int k = rows - 1; k >= 0 && y >= top; k--) {
			if (skip > 0) {
				skip--;
				continue;
			}
			draw_wrapped(l->text ? l->text : "", k, y, r->x, w, style_attr(l->style));
			y--;
		}
	}
	if (input && r->h >= 2) {
		cursor_y = r->y + r->h - 1;
		tui_rl_draw(cursor_y, r->x, w, &cursor_x);
	}
}

static void act(tui_action a, const tui_rect *r)
{
	(void)r;
	switch (a) {
	case TUI_ACT_SCROLL_UP: tui_transcript_scroll(1); break;
	case TUI_ACT_SCROLL_DOWN: tui_transcript_scroll(-1); break;
	case TUI_ACT_PAGE_UP: tui_transcript_page(1); break;
	case TUI_ACT_PAGE_DOWN: tui_transcript_page(-1); break;
	case TUI_ACT_BOTTOM: tui_transcript_bottom(); break;
	default: break;
	}
}

const tui_pane_class tui_transcript_pane = { draw, act, NULL };
