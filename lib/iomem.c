// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /proc/iomem: "START-END : NAME", two spaces of indentation per level of
 * nesting, addresses in hex without 0x.  Read unprivileged, every address
 * is zero; we say so instead of analysing zeros.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "private.h"

/* Hex digits from *p, never at or past stop (the last line may have no newline). */
static int parse_hex(const char **p, const char *stop, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;

	while (*p < stop && isxdigit((unsigned char)**p)) {
		int c = tolower((unsigned char)**p);

		if (++digits > 16)
			return -ERANGE;
		v = (v << 4) | (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
		(*p)++;
	}
	if (!digits)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_line(const char *line, size_t len, int *depth, uint64_t *start, uint64_t *end,
		      const char **name, size_t *name_len)
{
	const char *p = line, *stop = line + len;
	size_t indent = 0;

	while (p < stop && *p == ' ') {
		p++;
		indent++;
	}
	if (indent % 2)
		return -EINVAL;
	if (parse_hex(&p, stop, start) < 0 || p == stop || *p != '-')
		return -EINVAL;
	p++;
	if (parse_hex(&p, stop, end) < 0 || *end < *start)
		return -EINVAL;
	if (stop - p < 3 || strncmp(p, " : ", 3) != 0)
		return -EINVAL;
	p += 3;
	*depth = (int)(indent / 2);
	*name = p;
	*name_len = (size_t)(stop - p);
	while (*name_len && ((*name)[*name_len - 1] == '\r' || (*name)[*name_len - 1] == ' '))
		(*name_len)--;
	return 0;
}

int nsa_iomem_parse(struct nsa_snapshot *s, const char *text, size_t len, int *bad_line,
		    bool *all_zero)
{
	/* the most recent resource at each depth: a child's parent is stack[depth-1] */
	int stack[64];
	size_t first = s->n_iomem;
	bool zero = true;
	int lineno = 0;
	const char *p = text, *stop = text + len;

	while (p < stop) {
		const char *nl = memchr(p, '\n', (size_t)(stop - p));
		size_t linelen = nl ? (size_t)(nl - p) : (size_t)(stop - p);
		struct nsa_resource *r;
		uint64_t start, end;
		const char *name;
		size_t name_len;
		int depth;

		lineno++;
		if (linelen == 0 || (linelen == 1 && p[0] == '\r')) {
			p += linelen + (nl ? 1 : 0);
			continue;
		}
		if (parse_line(p, linelen, &depth, &start, &end, &name, &name_len) < 0 ||
		    depth >= (int)ARRAY_SIZE(stack) ||
		    (depth > 0 &&
		     (s->n_iomem == first || s->iomem[s->n_iomem - 1].depth < depth - 1 ||
		      /* a child lies inside its parent, as the JSON reader wants it */
		      start < s->iomem[stack[depth - 1]].start ||
		      end > s->iomem[stack[depth - 1]].end))) {
			if (bad_line)
				*bad_line = lineno;
			return -EINVAL;
		}
		r = nsa_snapshot_add_resource(s);
		if (!r)
			return -ENOMEM;
		r->name = strndup(name, name_len);
		if (!r->name)
			return -ENOMEM;
		r->start = start;
		r->end = end;
		r->depth = depth;
		r->parent = depth ? stack[depth - 1] : -1;
		r->type = nsa_res_type_from_name(r->name);
		stack[depth] = (int)(s->n_iomem - 1);
		if (start || end)
			zero = false;
		p += linelen + (nl ? 1 : 0);
	}
	if (all_zero)
		*all_zero = zero && s->n_iomem > first;
	return 0;
}
