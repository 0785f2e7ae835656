// SPDX-License-Identifier: GPL-2.0-or-later
/* What the fuzz targets share: a private directory, files in it, parts of an input. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[PATH_MAX];

void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz: property failed: %s\n", what);
	abort();
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (ftw->level > 0)
		remove(path);
	return 0;
}

void fuzz_clear(const char *d)
{
	nftw(d, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_dir(void)
{
	if (dir[0]) {
		fuzz_clear(dir);
		rmdir(dir);
	}
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");

		/* memory, not a disk: thousands of files are written and removed a second */
		if (!tmp || !*tmp)
			tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(dir, sizeof(dir), "%s/nsalign-fuzz.XXXXXX", tmp);
		if (!mkdtemp(dir)) {
			fprintf(stderr, "fuzz: mkdtemp %s: %s\n", dir, strerror(errno));
			abort();
		}
		atexit(remove_dir);
	}
	return dir;
}

void fuzz_write(const char *d, const char *name, const void *data, size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", d, name);
	for (char *p = strchr(path + strlen(d) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "fuzz: mkdir %s: %s\n", path, strerror(errno));
			abort();
		}
		*p = '/';
	}
	f = fopen(path, "we");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		fprintf(stderr, "fuzz: writing %s: %s\n", path, strerror(errno));
		abort();
	}
}

size_t fuzz_part(const uint8_t **data, size_t *size, int sep, const uint8_t **part)
{
	const uint8_t *end;
	size_t len;

	if (!*data || !*size) {
		*part = NULL;
		return 0;
	}
	*part = *data;
	end = memchr(*data, sep, *size);
	len = end ? (size_t)(end - *data) : *size;
	*data += len + (end ? 1 : 0);
	*size -= len + (end ? 1 : 0);
	if (!end)
		*data = NULL;
	return len;
}
