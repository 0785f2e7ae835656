// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign map: the physical address space, one row per section (or memory
 * block), who owns each part, which boundaries it starts on, and the
 * findings that point there.  The rows come from nsa_pmap_build().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "builtin.h"

enum { OPT_JSON = 'j', OPT_BLOCKS = 'B' };

#define WIDTH 80

static const struct cmd_option map_options[] = {
	{ "blocks", 'B', NULL, "one row per memory block instead of per section" },
	{ "snapshot", 's', "FILE", "map a snapshot file instead of this machine", OPT_SNAPSHOT },
	{ "json", 'j', NULL, "print one JSON document" },
	{ "format", 0, "text|json", "output format (default: text)", OPT_FORMAT },
	{ "granularity", 'g', "SIZE",
	  "how far the platform moves PMEM (default: nsalign.conf, else 64M)", OPT_GRANULARITY },
	{ NULL },
};

static const struct cmd_spec map_spec = {
	.name = "map",
	.usage = "nsalign map [-B|--blocks] [--snapshot FILE] [--json] [--granularity SIZE]",
	.about = "The physical address space, one row per memory section (or block): who\n"
		 "owns each part of it (System RAM, PMEM, namespaces, kmem, firmware), the\n"
		 "boundaries each part starts on, and the findings of 'nsalign check' that\n"
		 "point there. Runs of equal rows are one. Nothing is changed. Exit status:\n"
		 "0 success; 64 usage, 65 bad snapshot or no addresses, 66 missing file,\n"
		 "77 permission.",
	.options = map_options,
};

/*
 * "1920 MiB" exact in the largest unit that keeps it under 10000, else
 * "127.9 MiB", rounded down (the JSON has the bytes).
 */
static const char *size_text(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;

	for (unsigned k = 6; k > 0; k--)
		if (bytes >> (10 * k) && !(bytes & ((1ULL << (10 * k)) - 1)) &&
		    bytes >> (10 * k) < 10000) {
			snprintf(buf, len, "%" PRIu64 " %s", bytes >> (10 * k), units[k]);
			return buf;
		}
	while (u < 6 && bytes >> (10 * (u + 1)))
		u++;
	if (u == 0 || !(bytes & ((1ULL << (10 * u)) - 1)))
		snprintf(buf, len, "%" PRIu64 " %s", bytes >> (10 * u), units[u]);
	else
		/* rounded down: a part 4 KiB short of 128 MiB is not "128.0 MiB" */
		snprintf(buf, len, "%.1f %s",
			 (double)(uint64_t)((double)bytes * 10 / (double)(1ULL << (10 * u))) / 10,
			 units[u]);
	return buf;
}

static const char *owner_text(const struct nsa_pmap_part *p, char *buf, size_t len)
{
	if (p->kind == NSA_OWNER_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s%s%s", p->name, p->detail ? " " : "",
			 p->detail ? p->detail : "");
	return buf;
}

static bool not_memory(const struct nsa_pmap_part *p)
{
	return p->kind == NSA_OWNER_NONE || p->kind == NSA_OWNER_RESERVED ||
	       p->kind == NSA_OWNER_DEVICE;
}

/* Firmware, device windows and holes next to each other: one line, their names. */
static size_t not_memory_run(const struct nsa_pmap_row *row, size_t i, uint64_t *size, char *buf,
			     size_t len)
{
	size_t k = i, used = 0, more = 0;

	buf[0] = '\0';
	*size = 0;
	for (; k < row->n_parts && not_memory(&row->parts[k]); k++) {
		const char *name =
			row->parts[k].kind == NSA_OWNER_NONE ? "nothing" : row->parts[k].name;
		bool seen = false;

		*size += row->parts[k].size;
		for (size_t j = i; j < k && !seen; j++)
			seen = row->parts[j].kind == row->parts[k].kind &&
			       strcmp(row->parts[j].kind == NSA_OWNER_NONE ? "nothing"
									   : row->parts[j].name,
				      name) == 0;
		if (seen)
			continue;
		if (used + strlen(name) + 2 + 8 > len) {
			more++;
			continue;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
	}
	if (more)
		snprintf(buf + used, len - used, " +%zu", more);
	return k;
}

static const char *on_text(unsigned on, char *buf)
{
	buf[0] = on & NSA_ON_GRANULARITY ? 'G' : '-';
	buf[1] = on & NSA_ON_BLOCK ? 'B' : '-';
	buf[2] = on & NSA_ON_SECTION ? 'S' : '-';
	buf[3] = on & NSA_ON_SUBSECTION ? 's' : '-';
	buf[4] = '\0';
	return buf;
}

static const char *units_text(const struct nsa_pmap_row *row, char *buf, size_t len)
{
	if (row->count == 1)
		snprintf(buf, len, "%" PRIu64, row->first);
	else
		snprintf(buf, len, "%" PRIu64 "-%" PRIu64, row->first, row->first + row->count - 1);
	return buf;
}

struct widths {
	int start, unit, size, owner;
};

static void measure(const struct nsa_pmap *m, struct widths *w)
{
	char buf[64];

	*w = (struct widths){ 5, m->unit == NSA_PMAP_BLOCKS ? 5 : 7, 4, 0 };
	for (size_t i = 0; i < m->n_rows; i++) {
		const struct nsa_pmap_row *row = &m->rows[i];
		int n;

		n = (int)strlen(units_text(row, buf, sizeof(buf)));
		w->unit = n > w->unit ? n : w->unit;
		n = (int)strlen(size_text(row->size, buf, sizeof(buf)));
		w->size = n > w->size ? n : w->size;
		for (size_t k = 0; k < row->n_parts; k++) {
			n = snprintf(buf, sizeof(buf), "0x%" PRIx64, row->parts[k].start);
			w->start = n > w->start ? n : w->start;
			n = (int)strlen(size_text(row->parts[k].size, buf, sizeof(buf)));
			w->size = n > w->size ? n : w->size;
		}
	}
	/* START UNIT SIZE ON [STATE] OWNER, two spaces between */
	w->owner = WIDTH - (w->start + 2 + w->unit + 2 + w->size + 2 + 4 + 2) -
		   (m->unit == NSA_PMAP_BLOCKS ? 9 : 0);
	if (w->owner < 20)
		w->owner = 20;
}

static void print_line(const struct nsa_pmap *m, const struct widths *w, uint64_t start,
		       const char *unit, uint64_t size, unsigned on, const char *state,
		       const char *owner)
{
	char sz[32], onb[8];

	char addr[24];

	snprintf(addr, sizeof(addr), "0x%" PRIx64, start);
	printf("%-*s  %-*s  %-*s  %s  ", w->start, addr, w->unit, unit, w->size,
	       size_text(size, sz, sizeof(sz)), on_text(on, onb));
	if (m->unit == NSA_PMAP_BLOCKS)
		printf("%-7s  ", state);
	printf("%s\n", owner);
}

static void print_row(const struct nsa_pmap *m, const struct widths *w,
		      const struct nsa_pmap_row *row)
{
	char unit[48], owner[128];
	const char *state = "";

	if (m->unit == NSA_PMAP_BLOCKS)
		state = row->has_block ? nsa_block_state_name(row->state) : "-";
	units_text(row, unit, sizeof(unit));
	for (size_t i = 0; i < row->n_parts;) {
		const struct nsa_pmap_part *p = &row->parts[i];
		uint64_t size = p->size;
		size_t next = i + 1;

		if (not_memory(p))
			next = not_memory_run(row, i, &size, owner,
					      (size_t)w->owner < sizeof(owner) ? (size_t)w->owner
									       : sizeof(owner));
		else
			owner_text(p, owner, sizeof(owner));
		print_line(m, w, p->start, i ? "" : unit, size, p->on, i ? "" : state, owner);
		i = next;
	}
	for (size_t i = 0; i < row->n_marks; i++)
		printf("%*s! %s%s%s\n", w->start + 2 + w->unit + 2, "", row->marks[i].code,
		       row->marks[i].dev[0] ? " " : "", row->marks[i].dev);
}

static void print_map(const struct nsa_snapshot *s, const struct nsa_pmap *m)
{
	char sec[32], blk[32], sub[32], gran[32];
	const char *what = m->unit == NSA_PMAP_BLOCKS ? "memory block" : "section";
	struct widths w;
	size_t marks = 0;

	measure(m, &w);
	printf("Physical address space of %s, one row per %s\n",
	       strcmp(s->source, "live") == 0 ? "this machine" : "the snapshot", what);
	if (s->platform.kernel_release[0])
		printf("kernel %s%s%s%s\n", s->platform.kernel_release,
		       s->platform.arch[0] ? " (" : "", s->platform.arch,
		       s->platform.arch[0] ? ")" : "");
	printf("section %s, memory block %s, sub-section %s, granularity %s\n",
	       nsa_size_str(m->section_size, sec, sizeof(sec)),
	       nsa_size_str(m->block_size, blk, sizeof(blk)),
	       nsa_size_str(m->subsection_size, sub, sizeof(sub)),
	       nsa_size_str(m->granularity, gran, sizeof(gran)));
	printf("ON: the part starts on a boundary of the Granularity, a Block, a Section,\n"
	       "a sub-section (s), or none (-). '!': a finding of 'nsalign check' points "
	       "here.\n\n");
	printf("%-*s  %-*s  %-*s  ON    %s%s\n", w.start, "START", w.unit,
	       m->unit == NSA_PMAP_BLOCKS ? "BLOCK" : "SECTION", w.size, "SIZE",
	       m->unit == NSA_PMAP_BLOCKS ? "STATE    " : "", "OWNER");
	for (size_t i = 0; i < m->n_rows; i++) {
		print_row(m, &w, &m->rows[i]);
		marks += m->rows[i].n_marks;
	}
	for (size_t i = 0; i < m->n_elsewhere; i++)
		printf("%s %s%s%s\n",
		       i ? "                   " : "\nNot at one address:", m->elsewhere[i].code,
		       m->elsewhere[i].dev[0] ? " " : "", m->elsewhere[i].dev);
	if (marks || m->n_elsewhere)
		printf("\n'nsalign check' explains each finding.\n");
}

int cmd_map(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_analysis_opts opts = { .platform_granularity = nsa_get_platform_granularity(ctx),
					  .with_info = true };
	struct nsa_snapshot *s = NULL;
	struct nsa_analysis *a = NULL;
	struct nsa_pmap *m = NULL;
	enum nsa_pmap_unit unit = NSA_PMAP_SECTIONS;
	const char *arg, *snapshot_path = NULL;
	bool json = false;
	int c, r;

	while ((c = cmd_getopt(&map_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_BLOCKS:
			unit = NSA_PMAP_BLOCKS;
			break;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) {
				cmd_error("map", "--format '%s': expected text or json", arg);
				return EX_USAGE;
			}
			json = strcmp(arg, "json") == 0;
			break;
		case OPT_GRANULARITY:
			r = cmd_parse_granularity("map", arg, &opts.platform_granularity);
			if (r)
				return r;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		cmd_error("map", "unexpected argument '%s' (see 'nsalign map --help')",
			  argv[optind]);
		return EX_USAGE;
	}

	r = cmd_get_snapshot("map", ctx, snapshot_path, true, &s);
	if (r)
		return r;
	/* --granularity, else nsalign.conf, else the architecture's */
	opts.platform_granularity =
		nsa_platform_granularity(&s->platform, opts.platform_granularity);
	r = nsa_analyze(s, &opts, &a);
	if (r == 0)
		r = nsa_pmap_build(s, a, unit, opts.platform_granularity, &m);
	if (r == -ENODATA) {
		cmd_error("map", "%s has no physical addresses (taken without root): no map",
			  snapshot_path ? snapshot_path : "this machine");
		r = EX_DATAERR;
	} else if (r < 0) {
		cmd_error("map", "building the map failed: %s", strerror(-r));
		r = EX_SOFTWARE;
	} else if (json) {
		struct json_object *o = nsa_pmap_to_json(m);

		/* json_print() puts "schema" first */
		if (o)
			json_object_object_add(o, "source", json_object_new_string(s->source));
		r = o ? json_print(o) : EX_SOFTWARE;
		json_object_put(o);
	} else {
		print_map(s, m);
		r = cmd_stdout_status();
	}
	nsa_pmap_free(m);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
	return r;
}
