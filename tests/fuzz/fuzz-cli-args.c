// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parsers of the command line's values (cmd/args.c): --blocks, --range,
 * a dax device's name, --zone, --shift, --size, --align, --granularity,
 * --mode and --map.  The input is one string, cut at its first NUL; every
 * parser reads it.  Properties: what a parser accepts, written back in its
 * plain form, reads the same; ranges are never empty and never wrap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fuzz.h"

static void blocks(const char *s)
{
	uint64_t first, n, f2, n2;
	char buf[64];

	if (cmd_parse_blocks(s, &first, &n) < 0)
		return;
	/* n is 0 only for 0-(2^64-1), which the library refuses */
	if (n == 0 && first != 0)
		fuzz_fail("a block range wraps");
	snprintf(buf, sizeof(buf), "memory%" PRIu64 "-memory%" PRIu64, first, first + n - 1);
	if (cmd_parse_blocks(buf, &f2, &n2) < 0 || f2 != first || n2 != n)
		fuzz_fail("a block range written back reads differently");
}

static void range(const char *s)
{
	uint64_t a, b, a2, b2;
	char buf[64];

	if (cmd_parse_range(s, &a, &b) < 0)
		return;
	if (b <= a)
		fuzz_fail("an address range is empty or wraps");
	snprintf(buf, sizeof(buf), "%#" PRIx64 "-%#" PRIx64, a, b - 1);
	if (cmd_parse_range(buf, &a2, &b2) < 0 || a2 != a || b2 != b)
		fuzz_fail("an address range written back reads differently");
}

static void shifts(const char *s)
{
	int64_t *v = NULL;
	size_t n = 0, bad = 0, len = 0;
	int r = cmd_parse_shifts(s, &v, &n, &bad, &len);

	if (r == 0) {
		if (n == 0)
			fuzz_fail("shifts accepted without a move");
		for (size_t i = 0; i < n; i++)
			if (v[i] % 4096)
				fuzz_fail("a shift is not whole pages");
	} else if (r == -EDOM || r == -EINVAL || r == -ERANGE) {
		if (bad + len > strlen(s) || len == 0)
			fuzz_fail("a refused shift is not within the argument");
	} else if (r != -ENODATA && r != -ENOMEM) {
		fuzz_fail("shifts: an unexpected error");
	}
	free(v);
}

static void sizes(const char *s)
{
	uint64_t v;
	enum nsa_map map;
	enum nsa_online_policy zone;
	enum nsa_mode mode;

	if (cmd_parse_positive_size(s, &v) == 0 && v == 0)
		fuzz_fail("a size of 0 accepted");
	if (cmd_parse_align(s, &v) == 0 && (v ? !nsa_is_pow2(v) : strcmp(s, "auto") != 0))
		fuzz_fail("an align that is not a power of two");
	if (cmd_parse_granularity_value(s, &v) == 0 && (v < 4096 || !nsa_is_pow2(v)))
		fuzz_fail("a granularity that is not a power of two of 4 KiB or more");
	mode = cmd_parse_mode(s);
	if (mode != NSA_MODE_UNKNOWN && cmd_parse_mode(nsa_mode_name(mode)) != mode)
		fuzz_fail("a mode's name names another mode");
	if (cmd_parse_map(s, &map) == 0 && map != NSA_MAP_MEM && map != NSA_MAP_DEV)
		fuzz_fail("a map that is neither mem nor dev");
	if (cmd_parse_zone(s, &zone) == 0 && zone != NSA_ONLINE_MOVABLE &&
	    zone != NSA_ONLINE_KERNEL && zone != NSA_ONLINE_DEFAULT)
		fuzz_fail("a zone that is none of movable, normal, auto");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);

	if (!s)
		abort();
	blocks(s);
	range(s);
	(void)cmd_is_dax_name(s);
	shifts(s);
	sizes(s);
	free(s);
	return 0;
}
