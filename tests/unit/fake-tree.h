/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files under a temporary root that stands in for /sys or /proc in unit
 * tests: write one (tree_put) and make a directory with its parents
 * (tree_mkdirs), both relative to root.
 */
#ifndef NSALIGN_FAKE_TREE_H
#define NSALIGN_FAKE_TREE_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static inline void tree_put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static inline void tree_mkdirs(const char *root, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

#endif
