// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plain driver of a fuzz target (systemd's src/fuzz/fuzz-main.c is the
 * model): replays files through LLVMFuzzerTestOneInput() without libFuzzer.
 *
 *   fuzz-X FILE|DIR...   replay these files (a directory: every file in it)
 *   fuzz-X               replay tests/fuzz/X/ of the source tree (TOP_SRCDIR),
 *                        as make check does, in TAP: one test for the
 *                        corpus, one per crash-* regression input
 *
 * A crash (a sanitizer report, an abort) ends the program: the last
 * "# replaying" line names the input.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "re");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			uint8_t *b = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!b) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	/* an exact-size copy: a read past the input's end is caught by ASan */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		printf("# replaying %s (%zu bytes)\n", path, len);
		fflush(stdout);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted; crash: only crash-* ones, else only the others. */
static char **list_dir(const char *dir, int crash, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.' || (strncmp(de->d_name, "crash-", 6) == 0) != crash)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		if (!(v[*n] = strdup(path)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static int replay_args(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			for (int crash = 0; crash < 2; crash++) {
				size_t n;
				char **files = list_dir(argv[i], crash, &n);

				for (size_t k = 0; k < n; k++) {
					bad |= replay_file(files[k]) < 0;
					free(files[k]);
				}
				free(files);
			}
		} else {
			bad |= replay_file(argv[i]) < 0;
		}
	}
	return bad;
}

/* make check: the target's directory in the source tree, in TAP. */
static int replay_tree(void)
{
	const char *top = getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : "..";
	char dir[PATH_MAX];
	char **corpus, **crashes;
	size_t n_corpus, n_crashes;
	int test = 0, bad = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s", top, FUZZ_NAME);
	corpus = list_dir(dir, 0, &n_corpus);
	crashes = list_dir(dir, 1, &n_crashes);
	printf("1..%zu\n", 1 + n_crashes);
	for (size_t k = 0; k < n_corpus; k++)
		bad |= replay_file(corpus[k]) < 0;
	printf("%s %d - fuzz-%s: %zu corpus inputs of tests/fuzz/%s/ replayed\n",
	       !bad && n_corpus ? "ok" : "not ok", ++test, FUZZ_NAME, n_corpus, FUZZ_NAME);
	for (size_t k = 0; k < n_crashes; k++) {
		int r = replay_file(crashes[k]);

		printf("%s %d - fuzz-%s: %s\n", r == 0 ? "ok" : "not ok", ++test, FUZZ_NAME,
		       strrchr(crashes[k], '/') + 1);
		bad |= r < 0;
	}
	for (size_t k = 0; k < n_corpus; k++)
		free(corpus[k]);
	for (size_t k = 0; k < n_crashes; k++)
		free(crashes[k]);
	free(corpus);
	free(crashes);
	return bad || !n_corpus;
}

int main(int argc, char **argv)
{
	return argc > 1 ? replay_args(argc, argv) : replay_tree();
}
