/*
 * history.c - readline history kept in a file across sessions.
 *
 * Each line is appended to the file as soon as it is entered (a killed
 * session loses nothing); the file is cut back to REPL_HISTORY_MAX entries
 * when opened, every so often, and when closed.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "repl.h"

static char *path;
static bool opened;
static int since_truncate;

/* mkdir -p of the folder holding file (errors show up at the first write). */
static void make_parent_dirs(const char *file)
{
	char *dir = strdup(file);
	char *slash;

	if (dir == NULL)
		return;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; *p; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		}
		mkdir(dir, 0700);
	}
	free(dir);
}

static char *join(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);

	if (s) {
		strcpy(s, a);
		strcat(s, b);
	}
	return s;
}

const char *repl_history_path(void)
{
	const char *env;

	if (path)
		return path;
	if ((env = getenv("AGDB_HISTORY")) && *env)
		path = strdup(env);
	else if ((env = getenv("XDG_STATE_HOME")) && env[0] == '/')
		path = join(env, "/agdb/history");
	else if ((env = getenv("HOME")) && *env)
		path = join(env, "/.local/state/agdb/history");
	return path;
}

/* Only a regular file is read, appended to and rewritten: opening a FIFO
 * would block before the first prompt, and a device or a folder is no
 * place for history.  AGDB_HISTORY=/dev/null just means "none". */
static bool is_regular(const char *file)
{
	struct stat st;

	return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}

/* Drops the history file with a note (none for /dev/null). */
static void give_up(const char *why)
{
	if (strcmp(path, "/dev/null") != 0)
		fprintf(stderr, "agdb: history file %s: %s; history will not be "
			"saved\n", path, why);
	free(path);
	path = NULL;
}

static void truncate_file(void)
{
	if (path && is_regular(path))
		history_truncate_file(path, REPL_HISTORY_MAX);
	since_truncate = 0;
}

void repl_history_open(void)
{
	int fd;

	if (opened)
		return;
	opened = true;
	stifle_history(REPL_HISTORY_MAX);
	if (repl_history_path() == NULL)
		return;
	make_parent_dirs(path);
	/* append_history() needs the file to exist.  O_NONBLOCK: a FIFO that
	 * appeared since the check must not hang the start either. */
	if (access(path, F_OK) == 0 && !is_regular(path)) {
		give_up("not a regular file");
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_NOCTTY |
		  O_CLOEXEC, 0600);
	if (fd < 0) {
		give_up(strerror(errno));
		return;
	}
	struct stat st;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!regular) {
		give_up("not a regular file");
		return;
	}
	read_history(path);
	truncate_file();
}

void repl_history_add(const char *line)
{
	HIST_ENTRY *last;
	const char *s = line + strspn(line, " \t");

	if (*s == '\0')
		return;
	last = history_length > 0 ? history_get(history_base + history_length - 1)
				  : NULL;
	if (last && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (path == NULL)
		return;
	/* Written at once, so a killed session loses nothing; checked again
	 * since the file may have been replaced meanwhile. */
	if (!is_regular(path)) {
		give_up("no longer a regular file");
		return;
	}
	append_history(1, path);
	if (++since_truncate >= 100)
		truncate_file();
}

void repl_history_close(void)
{
	if (opened)
		truncate_file();
}
