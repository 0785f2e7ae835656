// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign list --format text: the lists as tables, printed by libsmartcols
 * as lsmem prints its own: chosen columns (-o), raw (--raw), no headings.
 * Every column here is documented in nsalign-list(8), section TEXT.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libsmartcols/libsmartcols.h>

#include "builtin.h"
#include "list.h"

/* What a cell's text is made from. */
struct row {
	const struct nsa_snapshot *s;
	const struct nsa_analysis *a;
	const struct list_table_opts *o;
	size_t i, n; /* the row's index; blocks: the run's length */
};

struct column {
	const char *name;
	bool shown; /* by default */
	double whint;
	int flags;
	const char *(*get)(const struct row *r, char *buf, size_t len);
};

static const char *size(const struct row *r, uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned u = 0;
	double d = (double)v;

	if (r->o->bytes || v < 1024) {
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
	/* as util-linux prints sizes: 128M, 1008M, 1.5G */
	while (u + 1 < sizeof(units) - 1 && d >= 1024.0 * 1024.0) {
		d /= 1024.0;
		u++;
	}
	d /= 1024.0;
	/* one decimal, none when it rounds to .0, as util-linux's size_to_human_string() */
	snprintf(buf, len, "%.1f", d);
	if (strcmp(buf + strlen(buf) - 2, ".0") == 0)
		buf[strlen(buf) - 2] = '\0';
	snprintf(buf + strlen(buf), len - strlen(buf), "%c", units[u]);
	return buf;
}

static const char *addr(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* ------------------------------------------------------------ regions */

#define REGION (&r->s->regions[r->i])

static const char *region_dev(const struct row *r, char *b, size_t l)
{
	return REGION->dev;
}
static const char *region_type(const struct row *r, char *b, size_t l)
{
	return REGION->legacy ? "legacy" : REGION->type;
}
static const char *region_start(const struct row *r, char *b, size_t l)
{
	return addr(REGION->spa_start, b, l);
}
static const char *region_end(const struct row *r, char *b, size_t l)
{
	return REGION->size ? addr(REGION->spa_start + REGION->size - 1, b, l) : "";
}
static const char *region_size(const struct row *r, char *b, size_t l)
{
	return size(r, REGION->size, b, l);
}
static const char *region_available(const struct row *r, char *b, size_t l)
{
	return size(r, REGION->available_size, b, l);
}
static const char *region_align(const struct row *r, char *b, size_t l)
{
	return REGION->align ? size(r, REGION->align, b, l) : "";
}
static const char *region_node(const struct row *r, char *b, size_t l)
{
	if (REGION->numa_node < 0)
		return "";
	snprintf(b, l, "%d", REGION->numa_node);
	return b;
}
static const char *region_state(const struct row *r, char *b, size_t l)
{
	return REGION->enabled ? "enabled" : "disabled";
}
static const char *region_provider(const struct row *r, char *b, size_t l)
{
	return REGION->provider;
}

static const struct column region_columns[] = {
	{ "DEV", true, 0.1, 0, region_dev },
	{ "TYPE", true, 0.1, 0, region_type },
	{ "START", true, 0.1, SCOLS_FL_RIGHT, region_start },
	{ "END", true, 0.1, SCOLS_FL_RIGHT, region_end },
	{ "SIZE", true, 5, SCOLS_FL_RIGHT, region_size },
	{ "AVAILABLE", true, 5, SCOLS_FL_RIGHT, region_available },
	{ "ALIGN", true, 5, SCOLS_FL_RIGHT, region_align },
	{ "NODE", true, 3, SCOLS_FL_RIGHT, region_node },
	{ "STATE", true, 0.1, 0, region_state },
	{ "PROVIDER", false, 0.1, 0, region_provider },
	{ NULL },
};

/* ------------------------------------------------------------ namespaces */

#define NS (&r->s->namespaces[r->i])

static const struct nsa_ns_verdict *verdict(const struct row *r)
{
	for (size_t k = 0; r->a && k < r->a->n_verdicts; k++)
		if (r->a->verdicts[k].ns_index == r->i)
			return &r->a->verdicts[k];
	return NULL;
}

static const char *ns_dev(const struct row *r, char *b, size_t l)
{
	return NS->dev;
}
static const char *ns_region(const struct row *r, char *b, size_t l)
{
	return NS->region;
}
static const char *ns_mode(const struct row *r, char *b, size_t l)
{
	return nsa_mode_name(NS->mode);
}
static const char *ns_start(const struct row *r, char *b, size_t l)
{
	return addr(NS->spa_start, b, l);
}
static const char *ns_end(const struct row *r, char *b, size_t l)
{
	return NS->size ? addr(NS->spa_start + NS->size - 1, b, l) : "";
}
static const char *ns_size(const struct row *r, char *b, size_t l)
{
	return size(r, NS->size, b, l);
}
static const char *ns_data(const struct row *r, char *b, size_t l)
{
	return NS->data_start ? addr(NS->data_start, b, l) : "";
}
static const char *ns_align(const struct row *r, char *b, size_t l)
{
	const struct nsa_ns_verdict *v = verdict(r);

	return v && v->required_align ? size(r, v->required_align, b, l) : "";
}
static const char *ns_available(const struct row *r, char *b, size_t l)
{
	const struct nsa_ns_verdict *v = verdict(r);

	return v ? yes_no(v->available) : "";
}
static const char *ns_break(const struct row *r, char *b, size_t l)
{
	const struct nsa_ns_verdict *v = verdict(r);

	if (!v || !v->available)
		return "";
	return v->break_shift ? size(r, v->break_shift, b, l) : "none";
}
static const char *ns_sections(const struct row *r, char *b, size_t l)
{
	const struct nsa_ns_verdict *v = verdict(r);

	if (!v || !NS->size)
		return "";
	snprintf(b, l, "%" PRIu64 "-%" PRIu64, v->first_section, v->last_section);
	return b;
}
static const char *ns_blocks(const struct row *r, char *b, size_t l)
{
	const struct nsa_ns_verdict *v = verdict(r);

	if (!v || !NS->size)
		return "";
	snprintf(b, l, "%" PRIu64 "-%" PRIu64, v->first_block, v->last_block);
	return b;
}
static const char *ns_shared(const struct row *r, char *b, size_t l)
{
	const struct nsa_ns_verdict *v = verdict(r);

	if (!v)
		return "";
	snprintf(b, l, "%d", v->shared_sections);
	return b;
}
static const char *ns_chardev(const struct row *r, char *b, size_t l)
{
	return NS->chardev[0] ? NS->chardev : NS->blockdev;
}
static const char *ns_uuid(const struct row *r, char *b, size_t l)
{
	return NS->uuid;
}
static const char *ns_name(const struct row *r, char *b, size_t l)
{
	return NS->name;
}

static const struct column namespace_columns[] = {
	{ "DEV", true, 0.1, 0, ns_dev },
	{ "MODE", true, 0.1, 0, ns_mode },
	{ "START", true, 0.1, SCOLS_FL_RIGHT, ns_start },
	{ "END", true, 0.1, SCOLS_FL_RIGHT, ns_end },
	{ "SIZE", true, 5, SCOLS_FL_RIGHT, ns_size },
	{ "ALIGN", true, 5, SCOLS_FL_RIGHT, ns_align },
	{ "AVAILABLE", true, 3, 0, ns_available },
	{ "BREAK", true, 5, SCOLS_FL_RIGHT, ns_break },
	{ "DEVICE", true, 0.1, 0, ns_chardev },
	{ "REGION", false, 0.1, 0, ns_region },
	{ "DATA", false, 0.1, SCOLS_FL_RIGHT, ns_data },
	{ "SECTIONS", false, 0.1, SCOLS_FL_RIGHT, ns_sections },
	{ "BLOCKS", false, 0.1, SCOLS_FL_RIGHT, ns_blocks },
	{ "SHARED", false, 3, SCOLS_FL_RIGHT, ns_shared },
	{ "UUID", false, 36, 0, ns_uuid },
	{ "NAME", false, 0.1, SCOLS_FL_WRAP, ns_name },
	{ NULL },
};

/* ------------------------------------------------------------ dax devices */

#define DAX (&r->s->daxdevs[r->i])

static const char *dax_dev(const struct row *r, char *b, size_t l)
{
	return DAX->dev;
}
static const char *dax_namespace(const struct row *r, char *b, size_t l)
{
	return DAX->namespace_dev;
}
static const char *dax_mode(const struct row *r, char *b, size_t l)
{
	return nsa_dax_mode_name(DAX->mode);
}
static const char *dax_start(const struct row *r, char *b, size_t l)
{
	return addr(DAX->spa_start, b, l);
}
static const char *dax_end(const struct row *r, char *b, size_t l)
{
	return DAX->size ? addr(DAX->spa_start + DAX->size - 1, b, l) : "";
}
static const char *dax_size(const struct row *r, char *b, size_t l)
{
	return size(r, DAX->size, b, l);
}
static const char *dax_align(const struct row *r, char *b, size_t l)
{
	return DAX->align ? size(r, DAX->align, b, l) : "";
}
static const char *dax_online(const struct row *r, char *b, size_t l)
{
	if (DAX->mode != NSA_DAX_SYSTEM_RAM || DAX->online_blocks < 0)
		return "";
	snprintf(b, l, "%d/%d", DAX->online_blocks, DAX->total_blocks);
	return b;
}
static const char *dax_node(const struct row *r, char *b, size_t l)
{
	if (DAX->target_node < 0)
		return "";
	snprintf(b, l, "%d", DAX->target_node);
	return b;
}

static const struct column dax_columns[] = {
	{ "DEV", true, 0.1, 0, dax_dev },
	{ "NAMESPACE", true, 0.1, 0, dax_namespace },
	{ "MODE", true, 0.1, 0, dax_mode },
	{ "START", true, 0.1, SCOLS_FL_RIGHT, dax_start },
	{ "END", true, 0.1, SCOLS_FL_RIGHT, dax_end },
	{ "SIZE", true, 5, SCOLS_FL_RIGHT, dax_size },
	{ "ALIGN", true, 5, SCOLS_FL_RIGHT, dax_align },
	{ "ONLINE", true, 5, SCOLS_FL_RIGHT, dax_online },
	{ "NODE", false, 3, SCOLS_FL_RIGHT, dax_node },
	{ NULL },
};

/* ------------------------------------------------------------ memory blocks */

#define BLOCK (&r->s->blocks[r->i])

static const char *blk_range(const struct row *r, char *b, size_t l)
{
	uint64_t bs = r->s->platform.block_size;

	/* as lsmem prints it */
	snprintf(b, l, "0x%016" PRIx64 "-0x%016" PRIx64, BLOCK->index * bs,
		 (BLOCK->index + r->n) * bs - 1);
	return b;
}
static const char *blk_size(const struct row *r, char *b, size_t l)
{
	return size(r, r->n * r->s->platform.block_size, b, l);
}
static const char *blk_state(const struct row *r, char *b, size_t l)
{
	return nsa_block_state_name(BLOCK->state);
}
static const char *blk_removable(const struct row *r, char *b, size_t l)
{
	return yes_no(BLOCK->removable);
}
static const char *blk_block(const struct row *r, char *b, size_t l)
{
	if (r->n == 1)
		snprintf(b, l, "%" PRIu64, BLOCK->index);
	else
		snprintf(b, l, "%" PRIu64 "-%" PRIu64, BLOCK->index, BLOCK->index + r->n - 1);
	return b;
}
static const char *blk_node(const struct row *r, char *b, size_t l)
{
	if (BLOCK->node < 0)
		return "";
	snprintf(b, l, "%d", BLOCK->node);
	return b;
}
static const char *blk_zones(const struct row *r, char *b, size_t l)
{
	return BLOCK->zones ? nsa_zones_str(BLOCK->zones, b, l) : "";
}
static const char *blk_owner(const struct row *r, char *b, size_t l)
{
	return list_block_owner_str(r->s, r->a, r->i, b, l);
}

static const struct column block_columns[] = {
	{ "RANGE", true, 0.1, 0, blk_range },
	{ "SIZE", true, 5, SCOLS_FL_RIGHT, blk_size },
	{ "STATE", true, 0.1, SCOLS_FL_RIGHT, blk_state },
	{ "REMOVABLE", false, 0.1, SCOLS_FL_RIGHT, blk_removable },
	{ "BLOCK", true, 0.1, SCOLS_FL_RIGHT, blk_block },
	{ "NODE", false, 3, SCOLS_FL_RIGHT, blk_node },
	{ "ZONES", false, 0.1, SCOLS_FL_RIGHT, blk_zones },
	{ "OWNER", true, 0.1, SCOLS_FL_WRAP, blk_owner },
	{ NULL },
};

/* ------------------------------------------------------------ iomem */

#define RES (&r->s->iomem[r->i])

static const char *res_name(const struct row *r, char *b, size_t l)
{
	return RES->name ? RES->name : "";
}
static const char *res_start(const struct row *r, char *b, size_t l)
{
	return addr(RES->start, b, l);
}
static const char *res_end(const struct row *r, char *b, size_t l)
{
	return addr(RES->end, b, l);
}
static const char *res_size(const struct row *r, char *b, size_t l)
{
	return size(r, RES->end - RES->start + 1, b, l);
}
static const char *res_type(const struct row *r, char *b, size_t l)
{
	return nsa_res_type_name(RES->type);
}

static const struct column iomem_columns[] = {
	{ "NAME", true, 0.3, SCOLS_FL_TREE, res_name },
	{ "START", true, 0.1, SCOLS_FL_RIGHT, res_start },
	{ "END", true, 0.1, SCOLS_FL_RIGHT, res_end },
	{ "SIZE", true, 5, SCOLS_FL_RIGHT, res_size },
	{ "TYPE", true, 0.1, 0, res_type },
	{ NULL },
};

/* ------------------------------------------------------------ platform */

static const char *plat_fact(const struct row *r, char *b, size_t l)
{
	static const char *const facts[] = { "arch",
					     "kernel",
					     "page size",
					     "subsection size",
					     "section size",
					     "memory block size",
					     "memremap compat align",
					     "platform granularity",
					     "auto_online_blocks",
					     "memmap_on_memory" };

	return r->i < sizeof(facts) / sizeof(facts[0]) ? facts[r->i] : "";
}

static const char *plat_value(const struct row *r, char *b, size_t l)
{
	const struct nsa_platform *p = &r->s->platform;

	switch (r->i) {
	case 0:
		return p->arch;
	case 1:
		return p->kernel_release;
	case 2:
		return size(r, p->page_size, b, l);
	case 3:
		return size(r, p->subsection_size, b, l);
	case 4:
		return size(r, p->section_size, b, l);
	case 5:
		return size(r, p->block_size, b, l);
	case 6:
		return size(r, p->memremap_compat_align, b, l);
	case 7:
		return size(r, r->o->granularity, b, l);
	case 8:
		return p->auto_online_blocks;
	default:
		return p->memmap_on_memory < 0 ? "" : yes_no(p->memmap_on_memory);
	}
}

#define N_PLATFORM_FACTS 10

static const struct column platform_columns[] = {
	{ "FACT", true, 0.1, 0, plat_fact },
	{ "VALUE", true, 0.1, 0, plat_value },
	{ NULL },
};

/* ------------------------------------------------------------ tables */

/* Is name one of the comma-separated names in list (case-insensitive)? */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ",");

		if (k == n && strncasecmp(p, name, n) == 0)
			return true;
		p += k;
		p += *p == ',';
	}
	return false;
}

/* The columns of one table: -o's, "+COL" after the defaults, or the defaults. */
static bool column_shown(const struct column *c, const char *list)
{
	if (!list)
		return c->shown;
	if (list[0] == '+')
		return c->shown || in_list(list + 1, c->name);
	return in_list(list, c->name);
}

static struct libscols_table *new_table(const struct column *cols, const struct list_table_opts *o,
					const char *name, int *shown)
{
	struct libscols_table *tb = scols_new_table();
	int n = 0;

	if (!tb)
		return NULL;
	scols_table_set_name(tb, name);
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	/* not a terminal: 80 columns, so that what a script or a test sees is what fits */
	if (!isatty(STDOUT_FILENO)) {
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
		scols_table_set_termwidth(tb, CMD_TEXT_WIDTH);
	}
	for (int i = 0; cols[i].name; i++) {
		shown[i] = -1;
		if (!column_shown(&cols[i], o->columns))
			continue;
		if (!scols_table_new_column(tb, cols[i].name, cols[i].whint, cols[i].flags)) {
			scols_unref_table(tb);
			return NULL;
		}
		shown[i] = n++;
	}
	if (n == 0) {
		scols_unref_table(tb);
		return NULL;
	}
	return tb;
}

static int add_row(struct libscols_table *tb, struct libscols_line *parent,
		   const struct column *cols, const int *shown, const struct row *r,
		   struct libscols_line **out)
{
	struct libscols_line *ln = scols_table_new_line(tb, parent);
	char buf[512];

	if (!ln)
		return -1;
	for (int i = 0; cols[i].name; i++)
		if (shown[i] >= 0 &&
		    scols_line_set_data(ln, (size_t)shown[i], cols[i].get(r, buf, sizeof(buf))) < 0)
			return -1;
	if (out)
		*out = ln;
	return 0;
}

/* Two blocks in one run: consecutive, alike, with the same owners. */
static bool same_run(const struct nsa_snapshot *s, const struct nsa_analysis *a, size_t i, size_t j)
{
	const struct nsa_memblock *x = &s->blocks[i], *y = &s->blocks[j];
	char ox[512], oy[512];

	return y->index == s->blocks[j - 1].index + 1 && y->state == x->state &&
	       y->zones == x->zones && y->node == x->node && y->removable == x->removable &&
	       strcmp(list_block_owner_str(s, a, i, ox, sizeof(ox)),
		      list_block_owner_str(s, a, j, oy, sizeof(oy))) == 0;
}

static int fill(struct libscols_table *tb, enum list_table which, const struct column *cols,
		const int *shown, struct row *r, const struct list_table_opts *o)
{
	const struct nsa_snapshot *s = r->s;
	struct libscols_line **lines = NULL;
	int ret = 0;

	switch (which) {
	case LIST_REGIONS:
		for (r->i = 0; r->i < s->n_regions && !ret; r->i++)
			if (!o->region_shown || o->region_shown[r->i])
				ret = add_row(tb, NULL, cols, shown, r, NULL);
		break;
	case LIST_NAMESPACES:
		for (size_t k = 0; k < s->n_namespaces && !ret; k++) {
			r->i = o->ns_order ? o->ns_order[k] : k;
			if (!o->ns_shown || o->ns_shown[r->i])
				ret = add_row(tb, NULL, cols, shown, r, NULL);
		}
		break;
	case LIST_DAX:
		for (r->i = 0; r->i < s->n_daxdevs && !ret; r->i++)
			ret = add_row(tb, NULL, cols, shown, r, NULL);
		break;
	case LIST_BLOCKS:
		for (size_t i = 0; i < s->n_blocks && !ret;) {
			size_t j = i + 1;

			while (j < s->n_blocks && same_run(s, r->a, i, j))
				j++;
			r->i = i;
			r->n = j - i;
			ret = add_row(tb, NULL, cols, shown, r, NULL);
			i = j;
		}
		break;
	case LIST_IOMEM:
		/* the tree: each resource under its parent */
		lines = calloc(s->n_iomem ? s->n_iomem : 1, sizeof(*lines));
		if (!lines)
			return -1;
		for (r->i = 0; r->i < s->n_iomem && !ret; r->i++) {
			int p = s->iomem[r->i].parent;

			ret = add_row(tb, p >= 0 && (size_t)p < r->i ? lines[p] : NULL, cols, shown,
				      r, &lines[r->i]);
		}
		free(lines);
		break;
	default:
		for (r->i = 0; r->i < N_PLATFORM_FACTS && !ret; r->i++)
			ret = add_row(tb, NULL, cols, shown, r, NULL);
		break;
	}
	return ret;
}

static const struct column *columns_of(enum list_table which)
{
	switch (which) {
	case LIST_REGIONS:
		return region_columns;
	case LIST_NAMESPACES:
		return namespace_columns;
	case LIST_DAX:
		return dax_columns;
	case LIST_BLOCKS:
		return block_columns;
	case LIST_IOMEM:
		return iomem_columns;
	default:
		return platform_columns;
	}
}

int list_check_columns(const struct list_table_opts *o)
{
	const char *list = o->columns;

	if (!list)
		return 0;
	if (*list == '+')
		list++;
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		bool known = false;

		for (int t = 0; t < LIST_N_TABLES && !known; t++) {
			if (!(o->tables & (1u << t)))
				continue;
			for (const struct column *c = columns_of((enum list_table)t); c->name; c++)
				if (strlen(c->name) == k && strncasecmp(p, c->name, k) == 0)
					known = true;
		}
		if (!known) {
			cmd_error("list",
				  "-o: no column '%.*s' in these tables (see nsalign-list(8))",
				  (int)k, p);
			return EX_USAGE;
		}
		p += k;
		p += *p == ',';
	}
	return 0;
}

int list_print_tables(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		      const struct list_table_opts *o)
{
	static const char *const names[] = { "regions", "namespaces", "dax",
					     "memory",	"iomem",      "platform" };
	static const char *const titles[] = { "Regions",       "Namespaces", "Dax devices",
					      "Memory blocks", "iomem",	     "Platform" };
	bool first = true, several = (o->tables & (o->tables - 1)) != 0;

	for (int t = 0; t < LIST_N_TABLES; t++) {
		const struct column *cols = columns_of((enum list_table)t);
		struct row r = { .s = s, .a = a, .o = o, .n = 1 };
		struct libscols_table *tb;
		int shown[24];

		if (!(o->tables & (1u << t)))
			continue;
		tb = new_table(cols, o, names[t], shown);
		if (!tb)
			continue; /* none of -o's columns is in this table */
		if (fill(tb, (enum list_table)t, cols, shown, &r, o) < 0) {
			scols_unref_table(tb);
			cmd_error("list", "out of memory");
			return EX_SOFTWARE;
		}
		/* several tables: each under its name, as lsblk and lsmem name theirs */
		if (several && !o->raw)
			printf("%s%s:\n", first ? "" : "\n", titles[t]);
		else if (!first)
			fputc('\n', stdout);
		first = false;
		scols_print_table(tb);
		scols_unref_table(tb);
	}
	return 0;
}
