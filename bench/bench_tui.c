/*
 * bench_tui.c - how fast the viewer answers: the real agdb in a 120x40
 * pseudo-terminal, timed by agdb itself (AGDB_TUI_TIMING: from reading a
 * key to the end of the screen update that follows it).
 *
 * For graphs of 100, 1,000 and 10,000 nodes (a residual network: per
 * block two weights, two matmuls, a relu and an add): the Enter of a line
 * that adds a node (snapshot, layout, drawing) and of a line that changes
 * nothing in the graph (snapshot only: no layout); then a scroll key in
 * the graph pane of the 10,000-node graph.  Targets: Enter <= 16, 30,
 * 150 ms; a scroll key <= 16 ms.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 7

static int master = -1;
static char timing_path[256];
static long timing_read;	/* bytes of the timing file already seen */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads (and drops) what agdb draws, for up to ms. */
static void pump(int ms)
{
	char buf[65536];
	double end = now_ms() + ms;
	for (;;) {
		int left = (int)(end - now_ms());
		if (left < 0)
			left = 0;
		struct pollfd p = { master, POLLIN, 0 };
		if (poll(&p, 1, left) <= 0)
			return;
		if (read(master, buf, sizeof buf) <= 0)
			return;
	}
}

/* The next timing line of this kind ("enter", "key", "ready"); its value
 * in ms, or -1 after timeout_ms. */
static double next_timing(const char *kind, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	while (now_ms() < end) {
		pump(5);
		FILE *f = fopen(timing_path, "r");
		if (!f)
			continue;
		fseek(f, timing_read, SEEK_SET);
		char line[128];
		double v = -1;
		while (fgets(line, sizeof line, f)) {
			size_t n = strlen(line);
			if (n == 0 || line[n - 1] != '\n')
				break;	/* not written whole yet */
			timing_read += (long)n;
			char k[32];
			double ms;
			if (sscanf(line, "%31s %lf", k, &ms) == 2 && strcmp(k, kind) == 0) {
				v = ms;
				break;
			}
		}
		fclose(f);
		if (v >= 0)
			return v;
	}
	return -1;
}

static void send_str(const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(master, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
		pump(0);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Times RUNS Enters of line (a %d in it gets the run number). */
static double time_line(const char *fmt, double *worst)
{
	double v[RUNS];
	*worst = 0;
	for (int i = 0; i < RUNS; i++) {
		char line[256];
		snprintf(line, sizeof line, fmt, i);
		send_str(line);
		send_str("\r");
		v[i] = next_timing("enter", 120000);
		if (v[i] > *worst)
			*worst = v[i];
		pump(20);
	}
	return median(v, RUNS);
}

int main(int argc, char **argv)
{
	const char *agdb = argc > 1 ? argv[1] : "./agdb";
	snprintf(timing_path, sizeof timing_path, "/tmp/agdb-bench-tui-%d", (int)getpid());
	unlink(timing_path);
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("bench_tui: forkpty");
		return 1;
	}
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("AGDB_HISTORY", "/dev/null", 1);
		setenv("AGDB_TUI_TIMING", timing_path, 1);
		unsetenv("NO_COLOR");
		execl(agdb, agdb, (char *)NULL);
		perror("bench_tui: exec");
		_exit(127);
	}
	if (next_timing("ready", 30000) < 0) {
		fprintf(stderr, "bench_tui: agdb did not start its viewer\n");
		kill(pid, SIGTERM);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("tui: from a key to the redrawn screen (ms; median of %d, worst in brackets;\n"
	       "     agdb in a 120x40 pseudo-terminal, timed by AGDB_TUI_TIMING)\n", RUNS);
	printf("  %-12s %-26s %-26s %s\n", "graph", "Enter: a new node", "Enter: graph unchanged",
	       "target");
	static const int sizes[] = { 100, 1000, 10000 };
	static const int targets[] = { 16, 30, 150 };
	int status = 0;
	for (int k = 0; k < 3; k++) {
		/* a residual network of blocks: 6 nodes each, and x */
		int blocks = (sizes[k] - 3) / 6;
		char build[512];
		snprintf(build, sizeof build,
			 "h = nil; t = nil; collectgarbage(); x = torch.randn(1, 4, {requires_grad=true}); "
			 "h = x; W = {}; for i = 1, %d do local a = torch.randn(4, 4, {requires_grad=true}); "
			 "local b = torch.randn(4, 4, {requires_grad=true}); W[i] = {a, b}; "
			 "h = h + h:matmul(a):relu():matmul(b) end; y = h:sum()\r", blocks);
		send_str(build);
		if (next_timing("enter", 300000) < 0) {
			fprintf(stderr, "bench_tui: the %d-node graph was not drawn\n", sizes[k]);
			status = 1;
			break;
		}
		pump(50);
		double w1, w2;
		double grow = time_line("t = y * %d", &w1);
		double same = time_line("n = %d + 1", &w2);
		char a[64], b[64];
		snprintf(a, sizeof a, "%8.1f  [%.1f]", grow, w1);
		snprintf(b, sizeof b, "%8.1f  [%.1f]", same, w2);
		printf("  %-12d %-26s %-26s <= %d\n", 6 * blocks + 3 + 1, a, b, targets[k]);
		fflush(stdout);
	}
	if (status == 0) {
		/* scrolling the 10,000-node graph */
		send_str("\t");
		pump(200);
		double v[RUNS * 3];
		static const char *const keys[] = { "j", "\033[6~", "l" };
		static const char *const names[] = { "j (a row)", "PgDn (a page)", "l (columns)" };
		for (int k = 0; k < 3; k++) {
			double worst = 0;
			/* start from the top: g */
			send_str("g");
			next_timing("key", 10000);
			for (int i = 0; i < RUNS; i++) {
				send_str(keys[k]);
				v[k * RUNS + i] = next_timing("key", 10000);
				if (v[k * RUNS + i] > worst)
					worst = v[k * RUNS + i];
			}
			double m[RUNS];
			memcpy(m, v + k * RUNS, sizeof m);
			printf("  scroll key %-14s on the 10,000-node graph: %6.2f ms  [%.2f]   <= 16\n",
			       names[k], median(m, RUNS), worst);
		}
	}
	send_str("\033");	/* back to the input line */
	pump(100);
	send_str("\004");	/* Ctrl-D */
	for (int i = 0; i < 100; i++) {
		pump(50);
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1;
			break;
		}
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	unlink(timing_path);
	return status;
}
