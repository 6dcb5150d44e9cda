/*
 * replay.c - runs a fuzz target over the files of its corpus folders, as
 * a TAP test: every input a fuzzer kept (seeds, and every finding, which
 * is added to the corpus) is replayed in each build, so findings stay
 * fixed.  A failing input aborts the process; the line before names it.
 *
 *   tests/fuzz/replay_view [FILE or DIR...]
 *
 * Without arguments it replays its own corpus, tests/fuzz/corpus/FUZZ_CORPUS.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		printf("not ok %d - cannot open %s\n", ++count, path);
		return;
	}
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	printf("# %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, n);
	printf("ok %d - %s\n", ++count, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	free(buf);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	static char *own[2] = { NULL, AGDB_SRCDIR "/tests/fuzz/corpus/" FUZZ_CORPUS };

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		argc = 2;
		argv = own;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char **names = NULL;
			size_t n = 0;
			while (d && (e = readdir(d))) {
				if (e->d_name[0] == '.')
					continue;
				names = realloc(names, (n + 1) * sizeof *names);
				names[n] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
				sprintf(names[n++], "%s/%s", argv[i], e->d_name);
			}
			if (d)
				closedir(d);
			qsort(names, n, sizeof *names, by_name);
			for (size_t k = 0; k < n; k++) {
				run_file(names[k]);
				free(names[k]);
			}
			free(names);
		} else {
			run_file(argv[i]);
		}
	}
	printf("1..%d\n", count);
	return 0;
}
