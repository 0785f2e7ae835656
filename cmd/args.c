// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parsers of the command line's values (args.h): they print nothing.
 * Their syntax is documented in nsalign(8), COMMAND LINE (sizes, aligns,
 * granularities, shifts), and with the options that take the rest:
 * --blocks, --range and --zone in nsalign-online-memory(8), a dax device's
 * name and --mode in nsalign-reconfigure(8), --map in
 * nsalign-create-namespace(8).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

/*
 * A block number: decimal digits only, after an optional "memory" (strtoull
 * alone would also take leading blanks and a sign).
 */
static int parse_block_number(const char **arg, uint64_t *out)
{
	const char *p = *arg;
	char *end;

	if (strncmp(p, "memory", 6) == 0)
		p += 6;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(p, &end, 10);
	/* a number past 2^64 - 1 is not clamped to it */
	if (errno == ERANGE)
		return -EINVAL;
	*arg = end;
	return 0;
}

int cmd_parse_blocks(const char *arg, uint64_t *first, uint64_t *n)
{
	uint64_t a, b;

	if (parse_block_number(&arg, &a) < 0)
		return -EINVAL;
	b = a;
	if (*arg == '-') {
		arg++;
		if (parse_block_number(&arg, &b) < 0)
			return -EINVAL;
	}
	if (*arg || b < a)
		return -EINVAL;
	*first = a;
	*n = b - a + 1;
	return 0;
}

int cmd_parse_range(const char *arg, uint64_t *start, uint64_t *end_excl)
{
	char *sep = strpbrk(arg, "-+"), head[64];
	uint64_t a, b;
	int64_t size;

	if (!sep || sep == arg || (size_t)(sep - arg) >= sizeof(head))
		return -EINVAL;
	memcpy(head, arg, (size_t)(sep - arg));
	head[sep - arg] = '\0';
	if (nsa_parse_u64(head, 0, &a) < 0)
		return -EINVAL;
	if (*sep == '+') {
		if (nsa_parse_size(sep + 1, false, &size) < 0 || size <= 0)
			return -EINVAL;
		b = a + (uint64_t)size;
		if (b < a) /* past 2^64 */
			return -EINVAL;
	} else {
		if (nsa_parse_u64(sep + 1, 0, &b) < 0 || b < a || b == UINT64_MAX)
			return -EINVAL;
		b += 1;
	}
	*start = a;
	*end_excl = b;
	return 0;
}

/* "daxX.Y", X and Y decimal digits: no blanks, signs or anything after */
bool cmd_is_dax_name(const char *arg)
{
	const char *p = arg + 3;
	int parts = 0;

	if (strncmp(arg, "dax", 3) != 0)
		return false;
	for (;;) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (++parts == 2)
			return *p == '\0';
		if (*p++ != '.')
			return false;
	}
}

int cmd_parse_zone(const char *arg, enum nsa_online_policy *out)
{
	if (strcmp(arg, "movable") == 0)
		*out = NSA_ONLINE_MOVABLE;
	else if (strcmp(arg, "normal") == 0)
		*out = NSA_ONLINE_KERNEL;
	else if (strcmp(arg, "auto") == 0)
		*out = NSA_ONLINE_DEFAULT;
	else
		return -EINVAL;
	return 0;
}

int cmd_parse_shifts(const char *arg, int64_t **out, size_t *n, size_t *bad, size_t *bad_len)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int64_t *v = *out;
	size_t k = *n, given = *n;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int64_t x, *grown;

		r = nsa_parse_size(tok, true, &x);
		if (r < 0 && r != -EDOM)
			r = -EINVAL;
		else if (r == 0 && (x % 4096) != 0)
			r = -ERANGE;
		if (r < 0) {
			*bad = (size_t)(tok - copy);
			*bad_len = strlen(tok);
			break;
		}
		grown = realloc(v, (k + 1) * sizeof(*v));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		v = grown;
		v[k++] = x;
	}
	free(copy);
	*out = v;
	if (r < 0)
		return r;
	*n = k;
	return k == given ? -ENODATA : 0;
}

int cmd_parse_positive_size(const char *arg, uint64_t *out)
{
	int64_t v;
	int r = nsa_parse_size(arg, false, &v);

	if (r == -EDOM)
		return r;
	if (r < 0 || v <= 0)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

int cmd_parse_align(const char *arg, uint64_t *out)
{
	uint64_t v;
	int r;

	if (strcmp(arg, "auto") == 0) {
		*out = 0;
		return 0;
	}
	r = cmd_parse_positive_size(arg, &v);
	if (r < 0)
		return r;
	if (!nsa_is_pow2(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int cmd_parse_granularity_value(const char *arg, uint64_t *out)
{
	int64_t v;
	int r = nsa_parse_size(arg, false, &v);

	if (r == -EDOM)
		return r;
	if (r < 0 || v < 4096 || !nsa_is_pow2((uint64_t)v))
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

enum nsa_mode cmd_parse_mode(const char *arg)
{
	enum nsa_mode m = nsa_mode_from_name(arg);

	if (m == NSA_MODE_UNKNOWN && strcmp(arg, "memory") == 0)
		m = NSA_MODE_FSDAX; /* ndctl's old name */
	if (m == NSA_MODE_UNKNOWN && strcmp(arg, "dax") == 0)
		m = NSA_MODE_DEVDAX;
	return m;
}

int cmd_parse_map(const char *arg, enum nsa_map *out)
{
	if (strcmp(arg, "mem") == 0)
		*out = NSA_MAP_MEM;
	else if (strcmp(arg, "dev") == 0)
		*out = NSA_MAP_DEV;
	else
		return -EINVAL;
	return 0;
}
