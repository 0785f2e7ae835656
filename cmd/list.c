// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign list: what `ndctl list -RNX` shows, plus what it lacks: the
 * physical address of every namespace and its data, the sections and
 * memory blocks it spans, who else lives in them, and the alignment facts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "builtin.h"
#include "list.h"

enum {
	OPT_REGIONS = 'R',
	OPT_NAMESPACES = 'N',
	OPT_DAX = 'X',
	OPT_BLOCKS = 'B',
	OPT_PLATFORM = 'P',
	OPT_IOMEM = 'I',
	OPT_REGION = 'r',
	OPT_NAMESPACE = 'n',
	OPT_HUMAN = 'u',
	OPT_JSON = 'j',
	OPT_JSON_LSMEM = 'J',
	OPT_COLUMNS = 'o',
	OPT_BYTES = 'b',
	OPT_MODE = 'm',
	OPT_TYPE = 't',
	OPT_DIMMS = 'D',
	OPT_IDLE = 'i',
	OPT_CONFIGURED = 'c',
	OPT_VERBOSE = 'v',
	OPT_RAW = 4000,
	OPT_NOHEADINGS,
	OPT_NDCTL,
};

static const struct cmd_option list_options[] = {
	{ "regions", 'R', NULL, "list regions (with their namespaces when -N is given too)" },
	{ "namespaces", 'N', NULL, "list namespaces" },
	{ "dax", 'X', NULL, "list dax devices" },
	{ "blocks", 'B', NULL, "list memory blocks (runs of equal blocks)" },
	{ "platform", 'P', NULL, "show the platform facts: page, subsection, section, block size" },
	{ "iomem", 'I', NULL, "show the /proc/iomem tree nsalign analyzes" },
	{ "region", 'r', "REGION", "only this region (region0, or 0)" },
	{ "namespace", 'n', "NAMESPACE", "only this namespace (namespace0.1, or its uuid)" },
	{ "human", 'u', NULL, "sizes and addresses as strings, as 'ndctl list -u'" },
	{ "snapshot", 's', "FILE", "list a snapshot file instead of this machine", OPT_SNAPSHOT },
	{ "granularity", 'g', "SIZE",
	  "platform granularity for the robustness facts (default: nsalign.conf, else 64M)",
	  OPT_GRANULARITY },
	{ "format", 0, "json|text", "one JSON document (default), or tables as lsmem prints them",
	  OPT_FORMAT },
	{ "json", 'j', NULL, "the JSON document (the default)" },
	{ "json", 'J', NULL, "the same, with lsmem's letter" },
	{ "output", 'o', "LIST", "text: these columns (+LIST: the defaults and these)" },
	{ "raw", 0, NULL, "text: columns separated by one space, no alignment", OPT_RAW },
	{ "noheadings", 0, NULL, "text: no header line", OPT_NOHEADINGS },
	{ "bytes", 'b', NULL, "text: sizes in bytes, not 128M", OPT_BYTES },
	{ "mode", 'm', "MODE",
	  "only namespaces in this mode (ndctl's -m: fsdax, devdax, sector, raw)" },
	{ "type", 't', "TYPE", "only regions of this type (pmem, blk)" },
	{ "dimms", 'D', NULL, "JSON: list the DIMMs too (\"dimms\", as 'ndctl list -D')" },
	{ "idle", 'i', NULL, "ndctl's; nsalign lists disabled namespaces always" },
	{ "configured", 'c', NULL, "ndctl's; nsalign lists disabled namespaces always" },
	{ "verbose", 'v', NULL, "ndctl's; nsalign prints every key always" },
	{ "ndctl", 0, NULL,
	  "print what 'ndctl list' prints, taking its options (see --ndctl --help)", OPT_NDCTL },
	{ NULL },
};

static const struct cmd_spec list_spec = {
	.name = "list",
	.usage = "nsalign list [-RNXBPID] [-r REGION] [-n NAMESPACE] [-m MODE] [-t TYPE] [-u] "
		 "[--snapshot FILE] [--format json|text] [-o LIST] [--raw] [--noheadings] [-b]\n"
		 "       nsalign list --ndctl [ndctl list's options] [--snapshot FILE]",
	.about = "List PMEM regions, namespaces, dax devices and memory blocks as JSON, every key\n"
		 "'ndctl list' also prints with its meaning (--ndctl: its document, with its\n"
		 "options), plus physical addresses, the sections and memory blocks each\n"
		 "namespace spans, its neighbours there, and whether this kernel maps it. Without\n"
		 "-R/-N/-X/-B/-P/-I it lists regions with their namespaces and dax devices.\n"
		 "Disabled namespaces are always listed (they are the ones that need attention).\n"
		 "--format text prints tables instead, one per selection, through libsmartcols as\n"
		 "lsmem does (namespaces in address order); -o, --raw, --noheadings and -b shape\n"
		 "them and select text. The columns are listed in nsalign-list(8).",
	.options = list_options,
};

struct list_filter {
	const char *region;
	const char *namespace;
	const char *mode; /* -m */
	const char *type; /* -t */
};

static bool region_matches(const struct nsa_region *r, const struct list_filter *f)
{
	char id[16];

	if (f->type && strcmp(f->type, r->type) != 0)
		return false;
	if (!f->region)
		return true;
	snprintf(id, sizeof(id), "%d", r->id);
	return strcmp(f->region, r->dev) == 0 || strcmp(f->region, id) == 0;
}

static bool namespace_matches(const struct nsa_snapshot *s, const struct nsa_namespace *ns,
			      const struct list_filter *f)
{
	if (f->region || f->type) {
		if (ns->region_index < 0 || !region_matches(&s->regions[ns->region_index], f))
			return false;
	}
	if (f->mode && ns->mode != list_mode(f->mode))
		return false;
	if (!f->namespace)
		return true;
	return strcmp(f->namespace, ns->dev) == 0 ||
	       (ns->uuid[0] && strcasecmp(f->namespace, ns->uuid) == 0) ||
	       (ns->holder_uuid[0] && strcasecmp(f->namespace, ns->holder_uuid) == 0);
}

static const char *owner(const struct nsa_analysis *a, size_t i)
{
	return a && a->block_owner && a->block_owner[i] ? a->block_owner[i] : "";
}

int list_block_owners(const struct nsa_snapshot *s, const struct nsa_analysis *a, size_t i,
		      const char *owners[LIST_BLOCK_OWNERS])
{
	/* the analysis counted them: ask for the names only where a block is shared */
	bool shared = !a || !a->block_n_owners || a->block_n_owners[i] > 1;
	int n = s->platform.block_size && shared
			? nsa_block_owners(s, s->blocks[i].index, owners, LIST_BLOCK_OWNERS)
			: 0;

	if (n > 1) {
		/* the memory's owner first, then the rest by address */
		for (int k = 1; k < n && owner(a, i)[0]; k++)
			if (strcmp(owners[k], owner(a, i)) == 0) {
				memmove(owners + 1, owners, (size_t)k * sizeof(*owners));
				owners[0] = owner(a, i);
			}
		return n;
	}
	/* one owner or none: the analysis's (System RAM or kmem; PMEM alone shows none) */
	owners[0] = owner(a, i);
	return owners[0][0] ? 1 : 0;
}

const char *list_block_owner_str(const struct nsa_snapshot *s, const struct nsa_analysis *a,
				 size_t i, char *buf, size_t len)
{
	const char *o[LIST_BLOCK_OWNERS];
	int n = list_block_owners(s, a, i, o);
	size_t at = 0;

	if (n <= 1)
		return n ? o[0] : "";
	for (int k = 0; k < n && at < len; k++) {
		int w = snprintf(buf + at, len - at, "%s%s", k ? ", " : "shared: ", o[k]);

		at += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

static struct json_object *json_blocks(const struct nsa_snapshot *s, const struct nsa_analysis *a,
				       unsigned flags)
{
	struct json_object *arr = json_object_new_array();
	char zones[64], oi[512], oj[512];

	/* runs of consecutive blocks with equal attributes and owners, as lsmem prints them */
	for (size_t i = 0; i < s->n_blocks;) {
		const struct nsa_memblock *b = &s->blocks[i];
		const char *own[LIST_BLOCK_OWNERS];
		size_t j = i + 1;
		const char *whose = list_block_owner_str(s, a, i, oi, sizeof(oi));
		int n;

		while (j < s->n_blocks && s->blocks[j].index == s->blocks[j - 1].index + 1 &&
		       s->blocks[j].state == b->state && s->blocks[j].zones == b->zones &&
		       s->blocks[j].node == b->node && s->blocks[j].removable == b->removable &&
		       strcmp(list_block_owner_str(s, a, j, oj, sizeof(oj)), whose) == 0)
			j++;
		struct json_object *o = json_object_new_object();
		uint64_t bs = s->platform.block_size;

		json_object_object_add(o, "first", json_object_new_uint64(b->index));
		json_object_object_add(o, "count", json_object_new_uint64(j - i));
		json_object_object_add(o, "start",
				       json_addr(b->index * bs, flags & ~JSON_NO_ADDRESSES));
		json_object_object_add(o, "size", json_size((j - i) * bs, flags));
		json_object_object_add(o, "state",
				       json_object_new_string(nsa_block_state_name(b->state)));
		if (b->zones)
			json_object_object_add(o, "zones",
					       json_object_new_string(nsa_zones_str(
						       b->zones, zones, sizeof(zones))));
		if (b->node >= 0)
			json_object_object_add(o, "node", json_object_new_int(b->node));
		if (owner(a, i)[0])
			json_object_object_add(o, "owner", json_object_new_string(owner(a, i)));
		/* a shared block: every owner (online-memory refuses it) */
		n = list_block_owners(s, a, i, own);
		if (n > 1) {
			struct json_object *all = json_object_new_array();

			for (int k = 0; k < n; k++)
				json_object_array_add(all, json_object_new_string(own[k]));
			json_object_object_add(o, "owners", all);
		}
		json_object_array_add(arr, o);
		i = j;
	}
	return arr;
}

static struct json_object *json_iomem(const struct nsa_snapshot *s, unsigned flags)
{
	struct json_object *arr = json_object_new_array();

	/* flat, with depth: easy to grep, and the nesting is still there */
	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct nsa_resource *r = &s->iomem[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "start", json_addr(r->start, flags));
		json_object_object_add(o, "end", json_addr(r->end, flags));
		if (r->name && r->name[0]) /* unknown: absent, never "" */
			json_object_object_add(o, "name", json_object_new_string(r->name));
		json_object_object_add(o, "type",
				       json_object_new_string(nsa_res_type_name(r->type)));
		json_object_object_add(o, "depth", json_object_new_int(r->depth));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* A region's DIMM mappings, as 'ndctl list -D' nests them; NULL when the snapshot has none. */
static struct json_object *json_mappings(const struct nsa_snapshot *s, const struct nsa_region *r,
					 unsigned flags)
{
	struct json_object *arr = NULL;

	for (size_t i = 0; i < s->n_mappings; i++) {
		const struct nsa_mapping *m = &s->mappings[i];
		struct json_object *o;

		if (strcmp(m->region, r->dev) != 0)
			continue;
		if (!arr)
			arr = json_object_new_array();
		o = json_object_new_object();
		json_object_object_add(o, "dimm", json_object_new_string(m->dimm));
		json_object_object_add(o, "offset",
				       json_addr(m->offset, flags & ~JSON_NO_ADDRESSES));
		json_object_object_add(o, "length",
				       json_addr(m->length, flags & ~JSON_NO_ADDRESSES));
		if (m->position >= 0)
			json_object_object_add(o, "position", json_object_new_int(m->position));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* -D: the DIMMs, with ndctl's keys */
static struct json_object *json_dimms(const struct nsa_snapshot *s, unsigned flags)
{
	static const char *const flag_keys[] = { "flag_failed_map",   "flag_failed_save",
						 "flag_failed_arm",   "flag_failed_restore",
						 "flag_failed_flush", "flag_smart_event" };
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < s->n_dimms; i++) {
		const struct nsa_dimm *d = &s->dimms[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "dev", json_object_new_string(d->dev));
		if (d->id[0])
			json_object_object_add(o, "id", json_object_new_string(d->id));
		if (d->handle != UINT32_MAX)
			json_object_object_add(o, "handle",
					       json_addr(d->handle, flags & JSON_HUMAN));
		if (d->phys_id >= 0)
			json_object_object_add(o, "phys_id",
					       json_addr((uint64_t)d->phys_id, flags & JSON_HUMAN));
		if (!d->enabled)
			json_object_object_add(o, "state", json_object_new_string("disabled"));
		for (size_t k = 0; k < sizeof(flag_keys) / sizeof(flag_keys[0]); k++)
			if (d->flags & (1u << k))
				json_object_object_add(o, flag_keys[k],
						       json_object_new_boolean(true));
		if (d->security[0])
			json_object_object_add(o, "security", json_object_new_string(d->security));
		if (d->security_frozen)
			json_object_object_add(o, "security_frozen", json_object_new_boolean(true));
		if (d->bus[0])
			json_object_object_add(o, "bus", json_object_new_string(d->bus));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* A devdax namespace's "daxregion", as 'ndctl list -X' nests it (devices: nsalign's daxdev). */
static void add_daxregion(struct json_object *nso, const struct nsa_snapshot *s, size_t j,
			  unsigned flags)
{
	const struct nsa_namespace *ns = &s->namespaces[j];
	struct json_object *o, *devs;

	if (ns->mode != NSA_MODE_DEVDAX)
		return;
	devs = json_object_new_array();
	o = json_object_new_object();
	json_object_object_add(
		o, "id",
		json_object_new_int(ns->region_index >= 0 ? s->regions[ns->region_index].id : -1));
	json_object_object_add(o, "size",
			       json_size(ns->usable_size ? ns->usable_size : ns->data_size, flags));
	json_object_object_add(o, "align", json_object_new_uint64(ns->align));
	for (size_t i = 0; i < s->n_daxdevs; i++)
		if (strcmp(s->daxdevs[i].namespace_dev, ns->dev) == 0)
			json_object_array_add(devs, json_daxdev(&s->daxdevs[i], flags));
	json_object_object_add(o, "devices", devs);
	json_object_object_add(nso, "daxregion", o);
}

/* --format text: the tables, filtered as the JSON is, namespaces in address order */
static int print_text(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		      const struct list_filter *filter, struct list_table_opts *text,
		      uint64_t granularity)
{
	bool *region_shown = calloc(s->n_regions + 1, sizeof(bool));
	bool *ns_shown = calloc(s->n_namespaces + 1, sizeof(bool));
	size_t *order = calloc(s->n_namespaces + 1, sizeof(size_t));
	int r = EX_SOFTWARE;

	if (region_shown && ns_shown && order) {
		for (size_t i = 0; i < s->n_regions; i++)
			region_shown[i] = region_matches(&s->regions[i], filter);
		for (size_t j = 0; j < s->n_namespaces; j++) {
			ns_shown[j] = namespace_matches(s, &s->namespaces[j], filter);
		}
		cmd_ns_address_order(s, order);
		text->region_shown = region_shown;
		text->ns_shown = ns_shown;
		text->ns_order = order;
		text->granularity = granularity;
		r = list_print_tables(s, a, text);
	} else {
		cmd_error("list", "out of memory");
	}
	free(region_shown);
	free(ns_shown);
	free(order);
	return r;
}

int cmd_list(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_analysis_opts opts = { .platform_granularity = nsa_get_platform_granularity(ctx),
					  .with_info = true };
	bool regions = false, namespaces = false, dax = false, blocks = false, platform = false,
	     iomem = false;
	struct list_filter filter = { 0 };
	const char *snapshot_path = NULL, *arg;
	struct nsa_snapshot *s = NULL;
	struct nsa_analysis *a = NULL;
	struct json_object *root;
	struct list_table_opts text = { 0 };
	bool json = true, text_asked = false, json_asked = false, dimms = false;
	unsigned flags = 0;
	int c, r;

	if (list_wants_ndctl(argc, argv))
		return list_ndctl(argc, argv, ctx);
	while ((c = cmd_getopt(&list_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_REGIONS:
			regions = true;
			break;
		case OPT_NAMESPACES:
			namespaces = true;
			break;
		case OPT_DAX:
			dax = true;
			break;
		case OPT_BLOCKS:
			blocks = true;
			break;
		case OPT_PLATFORM:
			platform = true;
			break;
		case OPT_IOMEM:
			iomem = true;
			break;
		case OPT_REGION:
			filter.region = arg;
			break;
		case OPT_NAMESPACE:
			filter.namespace = arg;
			break;
		case OPT_HUMAN:
			flags |= JSON_HUMAN;
			break;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		case OPT_GRANULARITY:
			r = cmd_parse_granularity("list", arg, &opts.platform_granularity);
			if (r)
				return r;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) {
				cmd_error("list", "--format '%s': expected json or text", arg);
				return EX_USAGE;
			}
			json = strcmp(arg, "json") == 0;
			json_asked = json;
			text_asked = !json;
			break;
		case OPT_JSON:
		case OPT_JSON_LSMEM:
			json = json_asked = true;
			break;
		case OPT_COLUMNS:
			text.columns = arg;
			text_asked = true;
			break;
		case OPT_RAW:
			text.raw = text_asked = true;
			break;
		case OPT_NOHEADINGS:
			text.noheadings = text_asked = true;
			break;
		case OPT_BYTES:
			text.bytes = text_asked = true;
			break;
		case OPT_MODE:
			if (list_mode(arg) == NSA_MODE_UNKNOWN) {
				cmd_error("list", "-m '%s': expected fsdax, devdax, sector or raw",
					  arg);
				return EX_USAGE;
			}
			filter.mode = arg;
			break;
		case OPT_TYPE:
			filter.type = arg;
			break;
		case OPT_DIMMS:
			dimms = true;
			break;
		case OPT_IDLE:
		case OPT_CONFIGURED:
		case OPT_VERBOSE:
			break; /* what ndctl hides without them nsalign always shows */
		default:
			return EX_USAGE;
		}
	}
	if (json_asked && text_asked) {
		cmd_error("list",
			  "-o, --raw, --noheadings and -b shape the text tables, not --json");
		return EX_USAGE;
	}
	json = !text_asked;
	if (optind < argc) {
		cmd_error("list", "unexpected argument '%s' (see 'nsalign list --help')",
			  argv[optind]);
		return EX_USAGE;
	}
	if (!regions && !namespaces && !dax && !blocks && !platform && !iomem && !dimms)
		regions = namespaces = dax = true;
	text.tables = (regions ? 1u << LIST_REGIONS : 0) |
		      (namespaces ? 1u << LIST_NAMESPACES : 0) | (dax ? 1u << LIST_DAX : 0) |
		      (blocks ? 1u << LIST_BLOCKS : 0) | (iomem ? 1u << LIST_IOMEM : 0) |
		      (platform ? 1u << LIST_PLATFORM : 0);
	if (!json) {
		r = list_check_columns(&text);
		if (r)
			return r;
	}

	/* the memory blocks only for -B: the rest of list reads none (dax devices' their own) */
	r = cmd_get_snapshot_some("list", ctx, snapshot_path, true,
				  blocks ? 0 : NSA_COLLECT_NO_BLOCKS, &s);
	if (r)
		return r;
	/* --granularity, else nsalign.conf, else the architecture's */
	opts.platform_granularity =
		nsa_platform_granularity(&s->platform, opts.platform_granularity);
	r = nsa_analyze(s, &opts, &a);
	if (r < 0) {
		cmd_error("list", "analysis failed: %s", strerror(-r));
		nsa_snapshot_free(s);
		return EX_SOFTWARE;
	}
	if (filter.region && !nsa_snapshot_find_region(s, filter.region)) {
		bool found = false;

		for (size_t i = 0; i < s->n_regions && !found; i++)
			found = region_matches(&s->regions[i], &filter);
		if (!found) {
			cmd_error("list", "no region '%s' (see 'nsalign list -R')", filter.region);
			r = EX_NOINPUT;
			goto out;
		}
	}
	if (filter.namespace && !nsa_snapshot_find_namespace(s, filter.namespace)) {
		cmd_error("list", "no namespace '%s' (see 'nsalign list -N')", filter.namespace);
		r = EX_NOINPUT;
		goto out;
	}

	if (!json) {
		r = print_text(s, a, &filter, &text, opts.platform_granularity);
		goto out;
	}
	root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_int(LIST_JSON_SCHEMA));
	if (!s->platform.iomem_visible)
		flags |= JSON_NO_ADDRESSES;
	if (platform)
		json_object_object_add(
			root, "platform",
			json_platform(&s->platform, opts.platform_granularity, flags));
	if (regions) {
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < s->n_regions; i++) {
			struct json_object *ro, *nss;

			if (!region_matches(&s->regions[i], &filter))
				continue;
			ro = json_region(&s->regions[i], flags);
			nss = json_mappings(s, &s->regions[i], flags);
			if (nss)
				json_object_object_add(ro, "mappings", nss);
			if (namespaces) {
				nss = json_object_new_array();
				for (size_t j = 0; j < s->n_namespaces; j++) {
					struct json_object *nso;

					if (s->namespaces[j].region_index != (int)i ||
					    !namespace_matches(s, &s->namespaces[j], &filter))
						continue;
					nso = json_namespace(s, a, j, flags);
					if (dax)
						add_daxregion(nso, s, j, flags);
					json_object_array_add(nss, nso);
				}
				json_object_object_add(ro, "namespaces", nss);
			}
			json_object_array_add(arr, ro);
		}
		json_object_object_add(root, "regions", arr);
	} else if (namespaces) {
		struct json_object *arr = json_object_new_array();

		for (size_t j = 0; j < s->n_namespaces; j++) {
			struct json_object *nso;

			if (!namespace_matches(s, &s->namespaces[j], &filter))
				continue;
			nso = json_namespace(s, a, j, flags);
			if (dax)
				add_daxregion(nso, s, j, flags);
			json_object_array_add(arr, nso);
		}
		json_object_object_add(root, "namespaces", arr);
	}
	if (dimms)
		json_object_object_add(root, "dimms", json_dimms(s, flags));
	if (dax && !namespaces) {
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < s->n_daxdevs; i++)
			json_object_array_add(arr, json_daxdev(&s->daxdevs[i], flags));
		json_object_object_add(root, "dax", arr);
	}
	if (blocks)
		json_object_object_add(root, "memory_blocks", json_blocks(s, a, flags));
	if (iomem)
		json_object_object_add(root, "iomem", json_iomem(s, flags));
	r = json_print(root);
	json_object_put(root);
out:
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
	return r;
}
