/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots for the unit tests: captured in the VM lab (tests/fixtures, set
 * by $FIXTURES) unless the name starts with "hand-" (tests/snapshots,
 * $SNAPSHOTS).  NULL, with the reason as a TAP comment, when one cannot be
 * read.
 */
#ifndef NSALIGN_TEST_FIXTURES_H
#define NSALIGN_TEST_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libnsalign.h"

static inline struct nsa_snapshot *load(const char *name)
{
	const char *dir =
		strncmp(name, "hand-", 5) == 0
			? (getenv("SNAPSHOTS") ? getenv("SNAPSHOTS") : "../tests/snapshots")
			: (getenv("FIXTURES") ? getenv("FIXTURES") : "../tests/fixtures");
	struct nsa_snapshot *s = NULL;
	char path[512], err[256] = "";

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	if (nsa_snapshot_load(path, &s, err, sizeof(err)) < 0)
		printf("#   %s: %s\n", path, err);
	return s;
}

#endif
