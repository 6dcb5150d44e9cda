/*
 * tui_term.c - the terminal under the viewer: its modes, the signals that
 * concern it, and what the program writes.
 *
 * The terminal is given back as it was on every way out: a normal stop,
 * exit() from anywhere (atexit), SIGTERM, SIGHUP, SIGQUIT, and -- best
 * effort, from the handler -- SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT.
 * Signal handlers only do what is async-signal-safe: write() a prepared
 * string (leave the alternate screen, show the cursor, stop mouse
 * reports) and tcsetattr() the saved modes.  Ctrl-Z does the same, stops,
 * and on `fg` takes the program's modes again and asks for a redraw.
 *
 * Everything written to stdout and stderr while the viewer is up (Lua's
 * print and io.write, C code that calls printf, child processes) goes
 * through a pipe into the transcript instead of over the screen.  A thread
 * empties the pipe as it fills, so a chunk that prints megabytes never
 * blocks on a full pipe; the main thread takes what was read.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tuiint.h"

#include <term.h>

/* ------------------------------------------------------------ state */

static bool term_on;
static SCREEN *screen;
static TERMINAL *outer_term;	/* readline's (tgetent): back after delscreen */
static FILE *screen_out, *screen_in;
static int tty_fd = -1;			/* our own handle on the terminal */
static struct termios shell_modes, prog_modes;
static volatile sig_atomic_t have_modes;	/* the two above are valid */

/* What leaves and re-enters the screen, written by signal handlers. */
static char leave_seq[256], enter_seq[256];
static size_t leave_len, enter_len;

static int wake_rd = -1, wake_wr = -1;
static volatile sig_atomic_t resized, continued;

static const int fatal_signals[] = { SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS,
				     SIGFPE, SIGILL, SIGABRT };
#define NFATAL ((int)(sizeof fatal_signals / sizeof *fatal_signals))
static struct sigaction old_fatal[NFATAL], old_winch, old_tstp, old_cont;

/* ------------------------------------------------------------ leaving */

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Async-signal-safe: the shell's screen and modes back. */
static void leave_now(void)
{
	if (tty_fd < 0)
		return;
	write_all(tty_fd, leave_seq, leave_len);
	if (have_modes)
		tcsetattr(tty_fd, TCSADRAIN, &shell_modes);
}

/* Async-signal-safe: the program's screen and modes again. */
static void enter_now(void)
{
	if (tty_fd < 0)
		return;
	if (have_modes)
		tcsetattr(tty_fd, TCSADRAIN, &prog_modes);
	write_all(tty_fd, enter_seq, enter_len);
}

static void wake(void)
{
	if (wake_wr >= 0) {
		int e = errno;
		if (write(wake_wr, "", 1) < 0) {
			/* a full pipe is awake enough */
		}
		errno = e;
	}
}

static void on_fatal(int sig)
{
	if (term_on)
		leave_now();
	/* SA_RESETHAND made the default action current: die of it */
	raise(sig);
}

static void on_exit_restore(void)
{
	if (term_on) {
		fflush(screen_out);
		leave_now();
	}
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
	wake();
}

static struct sigaction tstp_action;

static void on_tstp(int sig)
{
	int e = errno;
	sigset_t set;
	(void)sig;
	if (term_on)
		leave_now();
	signal(SIGTSTP, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGTSTP);			/* stopped here until `fg` */
	sigaction(SIGTSTP, &tstp_action, NULL);
	if (term_on)
		enter_now();
	continued = 1;
	wake();
	errno = e;
}

static void on_cont(int sig)
{
	(void)sig;
	continued = 1;
	wake();
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (int i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &sa, &old_fatal[i]);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, &old_winch);
	sa.sa_handler = on_cont;
	sigaction(SIGCONT, &sa, &old_cont);
	sa.sa_handler = on_tstp;
	tstp_action = sa;
	sigaction(SIGTSTP, &sa, &old_tstp);
}

static void restore_signals(void)
{
	for (int i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &old_fatal[i], NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	sigaction(SIGCONT, &old_cont, NULL);
	sigaction(SIGTSTP, &old_tstp, NULL);
}

/* ------------------------------------------------------------ capture */

static pthread_t reader;
static pthread_mutex_t cap_lock = PTHREAD_MUTEX_INITIALIZER;
static int cap_rd = -1, stop_rd = -1, stop_wr = -1;
static int saved_out = -1, saved_err = -1;
static char *cap_buf;
static size_t cap_len, cap_cap, cap_dropped;
static bool capturing;

#define CAP_MAX ((size_t)64 << 20)	/* beyond this, output is counted, not kept */

/* Reads what the pipe holds (the lock is held). */
static bool read_available(void)
{
	char chunk[65536];
	bool eof = false;
	for (;;) {
		ssize_t n = read(cap_rd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = n == 0;
			break;
		}
		if (cap_len + (size_t)n > CAP_MAX) {
			cap_dropped += (size_t)n;
			continue;
		}
		if (cap_len + (size_t)n > cap_cap) {
			size_t c = cap_cap ? cap_cap : 65536;
			while (c < cap_len + (size_t)n)
				c *= 2;
			char *b = realloc(cap_buf, c);
			if (!b) {
				cap_dropped += (size_t)n;
				continue;
			}
			cap_buf = b;
			cap_cap = c;
		}
		memcpy(cap_buf + cap_len, chunk, (size_t)n);
		cap_len += (size_t)n;
	}
	return eof;
}

static void *read_pipe(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = { { cap_rd, POLLIN, 0 }, { stop_rd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		pthread_mutex_lock(&cap_lock);
		size_t before = cap_len;
		bool eof = read_available();
		bool got = cap_len != before;
		pthread_mutex_unlock(&cap_lock);
		if (got)
			wake();
		if (eof)
			break;
	}
	return NULL;
}

static int set_flags(int fd, int add)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | add);
}

static int capture_start(void)
{
	int p[2], s[2];
	fflush(stdout);
	fflush(stderr);
	if (pipe(p) < 0)
		return -1;
	if (pipe(s) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	fcntl(saved_out, F_SETFD, FD_CLOEXEC);
	fcntl(saved_err, F_SETFD, FD_CLOEXEC);
	cap_rd = p[0];
	stop_rd = s[0];
	stop_wr = s[1];
	set_flags(cap_rd, O_NONBLOCK);
	fcntl(cap_rd, F_SETFD, FD_CLOEXEC);
	fcntl(stop_rd, F_SETFD, FD_CLOEXEC);
	fcntl(stop_wr, F_SETFD, FD_CLOEXEC);
	dup2(p[1], STDOUT_FILENO);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	/* the reader thread takes no signal: they go to the main thread,
	 * where they interrupt its poll() */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&reader, NULL, read_pipe, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		dup2(saved_out, STDOUT_FILENO);
		dup2(saved_err, STDERR_FILENO);
		close(saved_out);
		close(saved_err);
		close(cap_rd);
		close(stop_rd);
		close(stop_wr);
		cap_rd = stop_rd = stop_wr = saved_out = saved_err = -1;
		return -1;
	}
	capturing = true;
	return 0;
}

static void capture_stop(void)
{
	if (!capturing)
		return;
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	if (write(stop_wr, "", 1) < 0) {
		/* the thread also ends when the pipe closes */
	}
	pthread_join(reader, NULL);
	close(cap_rd);
	close(stop_rd);
	close(stop_wr);
	cap_rd = stop_rd = stop_wr = saved_out = saved_err = -1;
	capturing = false;
	free(cap_buf);
	cap_buf = NULL;
	cap_len = cap_cap = cap_dropped = 0;
}

char *tui_capture_take(size_t *n)
{
	*n = 0;
	if (!capturing)
		return NULL;
	fflush(stdout);
	fflush(stderr);
	pthread_mutex_lock(&cap_lock);
	read_available();
	char *out = NULL;
	if (cap_len || cap_dropped) {
		char note[96] = "";
		if (cap_dropped)
			snprintf(note, sizeof note, "\n[agdb: %zu bytes of output not kept]\n",
				 cap_dropped);
		size_t nl = strlen(note);
		out = malloc(cap_len + nl + 1);
		if (out) {
			memcpy(out, cap_buf, cap_len);
			memcpy(out + cap_len, note, nl + 1);
			*n = cap_len + nl;
		}
		cap_len = 0;
		cap_dropped = 0;
		if (cap_cap > ((size_t)1 << 20)) {	/* give a big buffer back */
			free(cap_buf);
			cap_buf = NULL;
			cap_cap = 0;
		}
	}
	pthread_mutex_unlock(&cap_lock);
	return out;
}

bool tui_capture_pending(void)
{
	if (!capturing)
		return false;
	pthread_mutex_lock(&cap_lock);
	bool p = cap_len > 0 || cap_dropped > 0;
	pthread_mutex_unlock(&cap_lock);
	return p;
}

/* ------------------------------------------------------------ the screen */

static void add_cap(char *buf, size_t *len, size_t cap, const char *name)
{
	const char *s = tigetstr((char *)name);
	if (s == NULL || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (*len + n < cap) {
		memcpy(buf + *len, s, n);
		*len += n;
	}
}

static void add_str(char *buf, size_t *len, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n < cap) {
		memcpy(buf + *len, s, n);
		*len += n;
	}
}

int tui_term_start(char *err, size_t n)
{
	if (term_on)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, n, "the viewer needs a terminal (stdin and stdout)");
		return -1;
	}
	if (tcgetattr(STDIN_FILENO, &shell_modes) < 0) {
		snprintf(err, n, "cannot read the terminal's modes: %s", strerror(errno));
		return -1;
	}
	tty_fd = dup(STDOUT_FILENO);
	int in_fd = dup(STDIN_FILENO);
	if (tty_fd < 0 || in_fd < 0) {
		snprintf(err, n, "cannot open the terminal: %s", strerror(errno));
		if (tty_fd >= 0)
			close(tty_fd);
		if (in_fd >= 0)
			close(in_fd);
		tty_fd = -1;
		return -1;
	}
	fcntl(tty_fd, F_SETFD, FD_CLOEXEC);
	fcntl(in_fd, F_SETFD, FD_CLOEXEC);
	screen_out = fdopen(tty_fd, "w");
	screen_in = fdopen(in_fd, "r");
	/* Our handlers first: ncurses installs its own only where it finds
	 * the default action. */
	install_signals();
	static bool registered;
	if (!registered) {
		atexit(on_exit_restore);
		registered = true;
	}
	outer_term = cur_term;
	screen = screen_out && screen_in ? newterm(NULL, screen_out, screen_in) : NULL;
	if (!screen) {
		snprintf(err, n, "cannot start the screen (TERM=%s)",
			 getenv("TERM") ? getenv("TERM") : "");
		restore_signals();
		if (screen_out)
			fclose(screen_out);
		else
			close(tty_fd);
		if (screen_in)
			fclose(screen_in);
		else
			close(in_fd);
		screen_out = screen_in = NULL;
		tty_fd = -1;
		return -1;
	}
	set_term(screen);
	leave_len = enter_len = 0;
	add_str(leave_seq, &leave_len, sizeof leave_seq, "\033[?1006l\033[?1000l");
	add_cap(leave_seq, &leave_len, sizeof leave_seq, "sgr0");
	add_cap(leave_seq, &leave_len, sizeof leave_seq, "cnorm");
	add_cap(leave_seq, &leave_len, sizeof leave_seq, "rmcup");
	add_cap(enter_seq, &enter_len, sizeof enter_seq, "smcup");
	add_str(enter_seq, &enter_len, sizeof enter_seq, "\033[?1000h\033[?1006h");
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, FALSE);	/* keys are decoded by tui_keys.c */
	/* Ctrl-C, Ctrl-Z and Ctrl-\ stay signals (a running chunk must hear
	 * Ctrl-C); Ctrl-S, Ctrl-Q, Ctrl-V and Ctrl-O reach readline. */
	tcgetattr(tty_fd, &prog_modes);
	prog_modes.c_iflag &= ~(tcflag_t)(IXON | IXOFF | ICRNL | INLCR | IGNCR);
	prog_modes.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
	prog_modes.c_lflag |= ISIG;
	prog_modes.c_cc[VMIN] = 1;
	prog_modes.c_cc[VTIME] = 0;
	tcsetattr(tty_fd, TCSADRAIN, &prog_modes);
	def_prog_mode();
	have_modes = 1;
	int w[2];
	if (pipe(w) == 0) {
		wake_rd = w[0];
		wake_wr = w[1];
		set_flags(wake_rd, O_NONBLOCK);
		set_flags(wake_wr, O_NONBLOCK);
		fcntl(wake_rd, F_SETFD, FD_CLOEXEC);
		fcntl(wake_wr, F_SETFD, FD_CLOEXEC);
	}
	term_on = true;
	write_all(tty_fd, "\033[?1000h\033[?1006h", 16);	/* clicks and the wheel */
	if (capture_start() < 0) {
		/* the screen works; output may tear it, but the session goes on */
	}
	resized = continued = 0;
	return 0;
}

void tui_term_stop(void)
{
	if (!term_on)
		return;
	capture_stop();
	write_all(tty_fd, "\033[?1006l\033[?1000l", 16);
	endwin();
	fflush(screen_out);
	tcsetattr(tty_fd, TCSADRAIN, &shell_modes);
	term_on = false;
	have_modes = 0;
	delscreen(screen);
	screen = NULL;
	if (outer_term)
		set_curterm(outer_term);
	fclose(screen_out);
	fclose(screen_in);
	screen_out = screen_in = NULL;
	tty_fd = -1;
	restore_signals();
	if (wake_rd >= 0) {
		close(wake_rd);
		close(wake_wr);
		wake_rd = wake_wr = -1;
	}
}

int tui_term_input_fd(void)
{
	return STDIN_FILENO;
}

int tui_term_wake_fd(void)
{
	return wake_rd;
}

void tui_term_drain_wake(void)
{
	char b[256];
	while (wake_rd >= 0 && read(wake_rd, b, sizeof b) > 0)
		;
}

void tui_term_size(int *rows, int *cols)
{
	struct winsize ws;
	if (tty_fd >= 0 && ioctl(tty_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
		return;
	}
	*rows = LINES;
	*cols = COLS;
}

bool tui_term_take_resize(void)
{
	bool r = resized;
	resized = 0;
	return r;
}

bool tui_term_take_continued(void)
{
	bool c = continued;
	continued = 0;
	return c;
}
