// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign list --ndctl: the document `ndctl list` prints, from the snapshot:
 * its keys, their order and presence rules, its top level (a bare array, or
 * an object of arrays when it lists two kinds), its -u number forms and its
 * pretty printing, so that a script switches by changing the command name.
 * The keys and rules follow ndctl's ndctl/list.c, ndctl/json.c and
 * daxctl/json.c; nsalign-list(8) has the table.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "builtin.h"
#include "list.h"

struct nd_opts {
	bool regions, namespaces, dax, dimms, idle, configured, human;
	int verbose;
	const char *bus, *region, *dimm, *namespace, *mode, *type;
};

/* ndctl's -u form of a size: a number under 5000 KiB, else "X.XX MiB (Y.YY MB)" */
static int nd_print_size(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	unsigned long long b = (unsigned long long)json_object_get_int64(o);
	static const char *const iec[] = { "MiB", "GiB", "TiB" }, *const si[] = { "MB", "GB",
										  "TB" };
	const unsigned long long k = 1024, m = k * k, g = m * k, t = g * k;
	unsigned long long unit_i = b < 2 * g ? m : b < 2 * t ? g : t;
	unsigned long long unit_s = b < 2 * g	? 1000000ULL
				    : b < 2 * t ? 1000000000ULL
						: 1000000000000ULL;
	int u = b < 2 * g ? 0 : b < 2 * t ? 1 : 2;
	char buf[96];
	long ci, cs;
	int n;

	(void)level;
	(void)flags;
	if (b < 5000 * k) {
		n = snprintf(buf, sizeof(buf), "%llu", b);
		return printbuf_memappend(pb, buf, n);
	}
	/* hundredths, rounded half up, as ndctl's util/json.c does */
	ci = (long)((b * 200 / unit_i + 1) / 2);
	cs = (long)((b / (unit_s / 200) + 1) / 2);
	n = snprintf(buf, sizeof(buf), "\"%ld.%02ld %s (%ld.%02ld %s)\"", ci / 100, ci % 100,
		     iec[u], cs / 100, cs % 100, si[u]);
	return printbuf_memappend(pb, buf, n);
}

static int nd_print_hex(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "\"%#" PRIx64 "\"", json_object_get_uint64(o));

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, buf, n);
}

static struct json_object *nd_size(uint64_t v, const struct nd_opts *o)
{
	struct json_object *j = json_object_new_int64((int64_t)v);

	if (j && o->human)
		json_object_set_serializer(j, nd_print_size, NULL, NULL);
	return j;
}

static struct json_object *nd_hex(uint64_t v, const struct nd_opts *o)
{
	struct json_object *j = json_object_new_uint64(v);

	if (j && o->human)
		json_object_set_serializer(j, nd_print_hex, NULL, NULL);
	return j;
}

static void put(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static void put_str(struct json_object *o, const char *key, const char *v)
{
	put(o, key, json_object_new_string(v));
}

/* "all", "ID" or "DEVPREFIX<ID>", space-separated, as ndctl's filters take them */
static bool ident_matches(const char *list, const char *dev, int id, const char *alt)
{
	char *copy, *save = NULL, *w;
	bool hit = false;

	if (!list)
		return true;
	copy = strdup(list);
	for (w = copy ? strtok_r(copy, " ", &save) : NULL; w && !hit;
	     w = strtok_r(NULL, " ", &save)) {
		char *end;
		long n = strtol(w, &end, 0);

		hit = strcmp(w, "all") == 0 || strcmp(w, dev) == 0 ||
		      (alt && strcmp(w, alt) == 0) || (end != w && !*end && id >= 0 && n == id);
	}
	free(copy);
	return hit;
}

static int dev_id(const char *dev)
{
	const char *p = dev + strcspn(dev, "0123456789");

	return *p ? atoi(p) : -1;
}

static bool dimm_matches(const struct nsa_dimm *d, const struct nd_opts *o)
{
	return ident_matches(o->dimm, d->dev, dev_id(d->dev), NULL);
}

static bool region_has_dimm(const struct nsa_snapshot *s, const struct nsa_region *r,
			    const struct nd_opts *o)
{
	if (!o->dimm)
		return true;
	for (size_t i = 0; i < s->n_mappings; i++)
		if (strcmp(s->mappings[i].region, r->dev) == 0)
			for (size_t j = 0; j < s->n_dimms; j++)
				if (strcmp(s->dimms[j].dev, s->mappings[i].dimm) == 0 &&
				    dimm_matches(&s->dimms[j], o))
					return true;
	return false;
}

static bool ns_ident_matches(const struct nsa_namespace *ns, const char *dev, const char *list)
{
	char short_id[32] = "";
	int r, n;

	(void)ns;
	if (sscanf(dev, "namespace%d.%d", &r, &n) == 2)
		snprintf(short_id, sizeof(short_id), "%d.%d", r, n);
	return ident_matches(list, dev, -1, short_id[0] ? short_id : NULL);
}

enum nsa_mode list_mode(const char *m)
{
	if (strcasecmp(m, "memory") == 0 || strcasecmp(m, "fsdax") == 0)
		return NSA_MODE_FSDAX;
	if (strcasecmp(m, "dax") == 0 || strcasecmp(m, "devdax") == 0)
		return NSA_MODE_DEVDAX;
	if (strcasecmp(m, "sector") == 0)
		return NSA_MODE_SECTOR;
	if (strcasecmp(m, "raw") == 0)
		return NSA_MODE_RAW;
	return NSA_MODE_UNKNOWN;
}

static bool ns_shown(const struct nsa_namespace *ns, const struct nd_opts *o)
{
	if (!ns_ident_matches(ns, ns->dev, o->namespace))
		return false;
	if (o->mode && list_mode(o->mode) != ns->mode)
		return false;
	/* inactive ones only with -i, or -c (they have a size) */
	return ns->enabled || o->idle || o->configured;
}

static bool region_has_ns(const struct nsa_snapshot *s, const struct nsa_region *r,
			  const struct nd_opts *o)
{
	if (!o->namespace)
		return true;
	for (size_t j = 0; j < s->n_namespaces; j++)
		if (strcmp(s->namespaces[j].region, r->dev) == 0 &&
		    ns_ident_matches(&s->namespaces[j], s->namespaces[j].dev, o->namespace))
			return true;
	return r->idle_namespace[0] && ns_ident_matches(NULL, r->idle_namespace, o->namespace);
}

static bool region_passes(const struct nsa_snapshot *s, const struct nsa_region *r,
			  const struct nd_opts *o)
{
	return ident_matches(o->bus, r->bus, dev_id(r->bus), r->provider) &&
	       ident_matches(o->region, r->dev, r->id, NULL) && region_has_dimm(s, r, o) &&
	       region_has_ns(s, r, o) && (!o->type || strcmp(o->type, r->type) == 0);
}

/* daxctl's device object (daxctl/json.c), as ndctl -X nests it */
static struct json_object *nd_daxdev(const struct nsa_daxdev *d, const struct nd_opts *o)
{
	struct json_object *j = json_object_new_object();

	put_str(j, "chardev", d->dev);
	put(j, "size", nd_size(d->size, o));
	if (d->target_node >= 0)
		put(j, "target_node", json_object_new_int(d->target_node));
	if (d->align)
		put(j, "align", nd_size(d->align, o));
	put_str(j, "mode", d->mode == NSA_DAX_SYSTEM_RAM ? "system-ram" : "devdax");
	if (d->mode == NSA_DAX_SYSTEM_RAM && d->spa_start) {
		if (d->online_blocks >= 0)
			put(j, "online_memblocks", json_object_new_int(d->online_blocks));
		if (d->total_blocks >= 0)
			put(j, "total_memblocks", json_object_new_int(d->total_blocks));
		put(j, "movable", json_object_new_boolean(d->movable));
	}
	if (d->unbound)
		put_str(j, "state", "disabled");
	return j;
}

static struct json_object *nd_daxregion(const struct nsa_snapshot *s,
					const struct nsa_namespace *ns, const struct nd_opts *o)
{
	struct json_object *j = json_object_new_object(), *devs = NULL;
	const struct nsa_region *r = ns->region_index >= 0 ? &s->regions[ns->region_index] : NULL;

	put(j, "id", json_object_new_int(r ? r->id : dev_id(ns->region)));
	put(j, "size", nd_size(ns->usable_size ? ns->usable_size : ns->data_size, o));
	put(j, "align", json_object_new_uint64(ns->align));
	for (size_t i = 0; i < s->n_daxdevs; i++) {
		if (strcmp(s->daxdevs[i].namespace_dev, ns->dev) != 0 ||
		    (!s->daxdevs[i].size && !o->idle && !o->configured))
			continue;
		if (!devs)
			devs = json_object_new_array();
		json_object_array_add(devs, nd_daxdev(&s->daxdevs[i], o));
	}
	if (devs)
		put(j, "devices", devs);
	return j;
}

static struct json_object *nd_namespace(const struct nsa_snapshot *s,
					const struct nsa_namespace *ns, const struct nd_opts *o)
{
	struct json_object *j = json_object_new_object();
	const struct nsa_region *r = ns->region_index >= 0 ? &s->regions[ns->region_index] : NULL;
	uint64_t size = ns->usable_size;

	put_str(j, "dev", ns->dev);
	put_str(j, "mode", nsa_mode_name(ns->mode));
	if (ns->mode == NSA_MODE_FSDAX || ns->mode == NSA_MODE_DEVDAX)
		put_str(j, "map",
			ns->map == NSA_MAP_MEM	 ? "mem"
			: ns->map == NSA_MAP_DEV ? "dev"
						 : "none");
	if (!size && ns->mode == NSA_MODE_RAW)
		size = ns->size;
	if (!size && (ns->mode == NSA_MODE_FSDAX || ns->mode == NSA_MODE_DEVDAX))
		size = ns->data_size;
	if (size)
		put(j, "size", nd_size(size, o));
	if (ns->holder_uuid[0] || (ns->uuid[0] && !(r && r->legacy)))
		put_str(j, "uuid", ns->holder_uuid[0] ? ns->holder_uuid : ns->uuid);
	if (o->verbose && ns->holder_uuid[0] && ns->uuid[0])
		put_str(j, "raw_uuid", ns->uuid);
	if (ns->mode == NSA_MODE_DEVDAX && o->dax)
		put(j, "daxregion", nd_daxregion(s, ns, o));
	else if (ns->mode == NSA_MODE_DEVDAX && ns->chardev[0])
		put_str(j, "chardev", ns->chardev);
	if (ns->sector_size)
		put(j, "sector_size", json_object_new_int((int)ns->sector_size));
	if (ns->align && (ns->mode == NSA_MODE_FSDAX || ns->mode == NSA_MODE_DEVDAX))
		put(j, "align", json_object_new_uint64(ns->align));
	if (ns->blockdev[0])
		put_str(j, "blockdev", ns->blockdev);
	if (!ns->enabled)
		put_str(j, "state", "disabled");
	if (ns->name[0])
		put_str(j, "name", ns->name);
	if (o->verbose && ns->numa_node >= 0)
		put(j, "numa_node", json_object_new_int(ns->numa_node));
	if (o->verbose && ns->target_node >= 0)
		put(j, "target_node", json_object_new_int(ns->target_node));
	return j;
}

/* ndctl -i: the region's idle namespace (its seed, nothing allocated) */
static struct json_object *nd_idle_namespace(const struct nsa_region *r, const struct nd_opts *o)
{
	struct json_object *j = json_object_new_object();

	put_str(j, "dev", r->idle_namespace);
	put_str(j, "mode", "raw");
	put(j, "size", nd_size(0, o));
	put_str(j, "uuid", "00000000-0000-0000-0000-000000000000");
	put(j, "sector_size", json_object_new_int((int)r->idle_sector_size));
	put_str(j, "state", "disabled");
	if (o->verbose && r->numa_node >= 0)
		put(j, "numa_node", json_object_new_int(r->numa_node));
	if (o->verbose && r->target_node >= 0)
		put(j, "target_node", json_object_new_int(r->target_node));
	return j;
}

static const struct nsa_dimm *find_dimm(const struct nsa_snapshot *s, const char *dev)
{
	for (size_t i = 0; i < s->n_dimms; i++)
		if (strcmp(s->dimms[i].dev, dev) == 0)
			return &s->dimms[i];
	return NULL;
}

static struct json_object *nd_region(const struct nsa_snapshot *s, const struct nsa_region *r,
				     const struct nd_opts *o)
{
	struct json_object *j = json_object_new_object(), *maps = NULL;

	put_str(j, "dev", r->dev);
	put(j, "size", nd_size(r->size, o));
	if (r->align)
		put(j, "align", nd_size(r->align, o));
	put(j, "available_size", nd_size(r->available_size, o));
	if (r->persistence_domain[0])
		put(j, "max_available_extent", nd_size(r->max_available_extent, o));
	put_str(j, "type", r->type[0] ? r->type : "pmem");
	if (o->verbose && r->numa_node >= 0)
		put(j, "numa_node", json_object_new_int(r->numa_node));
	if (o->verbose && r->target_node >= 0)
		put(j, "target_node", json_object_new_int(r->target_node));
	if (r->iset_id)
		put(j, "iset_id", nd_hex(r->iset_id, o));
	for (size_t i = 0; o->dimms && i < s->n_mappings; i++) {
		const struct nsa_mapping *m = &s->mappings[i];
		const struct nsa_dimm *d = find_dimm(s, m->dimm);
		struct json_object *jm;

		if (strcmp(m->region, r->dev) != 0 || (d && !dimm_matches(d, o)) ||
		    (d && !d->enabled && !o->idle && !o->configured))
			continue;
		if (!maps) {
			maps = json_object_new_array();
			put(j, "mappings", maps);
		}
		jm = json_object_new_object();
		put_str(jm, "dimm", m->dimm);
		put(jm, "offset", nd_hex(m->offset, o));
		put(jm, "length", nd_hex(m->length, o));
		if (m->position >= 0)
			put(jm, "position", json_object_new_int(m->position));
		json_object_array_add(maps, jm);
	}
	if (!r->enabled)
		put_str(j, "state", "disabled");
	if (r->badblock_count)
		put(j, "badblock_count", json_object_new_int((int)r->badblock_count));
	if (r->persistence_domain[0])
		put_str(j, "persistence_domain", r->persistence_domain);
	return j;
}

static struct json_object *nd_dimm(const struct nsa_dimm *d, const struct nd_opts *o)
{
	static const char *const flag_keys[] = { "flag_failed_map",   "flag_failed_save",
						 "flag_failed_arm",   "flag_failed_restore",
						 "flag_failed_flush", "flag_smart_event" };
	struct json_object *j = json_object_new_object();

	put_str(j, "dev", d->dev);
	if (d->id[0])
		put_str(j, "id", d->id);
	if (d->handle != UINT32_MAX)
		put(j, "handle", nd_hex(d->handle, o));
	if (d->phys_id >= 0)
		put(j, "phys_id", nd_hex((uint64_t)d->phys_id, o));
	if (!d->enabled)
		put_str(j, "state", "disabled");
	for (size_t k = 0; k < sizeof(flag_keys) / sizeof(flag_keys[0]); k++)
		if (d->flags & (1u << k))
			put(j, flag_keys[k], json_object_new_boolean(true));
	if (d->security[0])
		put_str(j, "security", d->security);
	if (d->security_frozen)
		put(j, "security_frozen", json_object_new_boolean(true));
	return j;
}

static bool dimm_in_shown_region(const struct nsa_snapshot *s, const struct nsa_dimm *d,
				 const struct nd_opts *o)
{
	if (!o->region && !o->namespace)
		return true;
	for (size_t i = 0; i < s->n_mappings; i++) {
		const struct nsa_region *r = nsa_snapshot_find_region(s, s->mappings[i].region);

		if (strcmp(s->mappings[i].dimm, d->dev) == 0 && r &&
		    ident_matches(o->region, r->dev, r->id, NULL) && region_has_ns(s, r, o))
			return true;
	}
	return false;
}

/* ndctl's top level: one kind a bare array (its one element alone under -u), two an object */
static int nd_print(struct json_object *dimms, struct json_object *regions,
		    struct json_object *namespaces, const struct nd_opts *o)
{
	struct json_object *doc = NULL;
	const char *text;
	int r = 0;

	if (!!dimms + !!regions + !!namespaces > 1) {
		doc = json_object_new_object();
		if (dimms)
			put(doc, "dimms", json_object_get(dimms));
		if (regions)
			put(doc, "regions", json_object_get(regions));
		if (namespaces && !regions)
			put(doc, "namespaces", json_object_get(namespaces));
	} else {
		struct json_object *arr = dimms ? dimms : regions ? regions : namespaces;

		if (arr && o->human && json_object_array_length(arr) == 1)
			doc = json_object_get(json_object_array_get_idx(arr, 0));
		else if (arr)
			doc = json_object_get(arr);
	}
	if (doc) {
		text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
		if (!text || printf("%s\n", text) < 0)
			r = EX_IOERR;
		json_object_put(doc);
	}
	return r ? r : cmd_stdout_status();
}

/* A bus's provider, from one of its regions ("" when it has none) */
static const char *bus_provider(const struct nsa_snapshot *s, const char *bus)
{
	for (size_t i = 0; i < s->n_regions; i++)
		if (strcmp(s->regions[i].bus, bus) == 0)
			return s->regions[i].provider;
	return "";
}

static int nd_list(const struct nsa_snapshot *s, const struct nd_opts *o)
{
	struct json_object *dimms = NULL, *regions = NULL, *namespaces = NULL;
	int r;

	for (size_t i = 0; o->dimms && i < s->n_dimms; i++) {
		const struct nsa_dimm *d = &s->dimms[i];

		if (!ident_matches(o->bus, d->bus, dev_id(d->bus), bus_provider(s, d->bus)) ||
		    !dimm_matches(d, o) || !dimm_in_shown_region(s, d, o) ||
		    (!d->enabled && !o->idle && !o->configured))
			continue;
		if (!dimms)
			dimms = json_object_new_array();
		json_object_array_add(dimms, nd_dimm(d, o));
	}
	for (size_t i = 0; i < s->n_regions; i++) {
		const struct nsa_region *reg = &s->regions[i];
		struct json_object *jr = NULL;

		if (!region_passes(s, reg, o))
			continue;
		if (o->regions) {
			if (!reg->enabled && !o->idle && !o->configured)
				continue;
			jr = nd_region(s, reg, o);
			if (!regions)
				regions = json_object_new_array();
			json_object_array_add(regions, jr);
			namespaces = NULL; /* a new array for each region's namespaces */
		}
		/* the region's namespaces in ndctl's order: the idle one where libndctl has it */
		bool idle = o->namespaces && o->idle && reg->idle_namespace[0] &&
			    ns_ident_matches(NULL, reg->idle_namespace, o->namespace) &&
			    (!o->mode || list_mode(o->mode) == NSA_MODE_RAW);
		int before = 0;

		for (size_t j = 0; o->namespaces && j <= s->n_namespaces; j++) {
			struct json_object *jn = NULL;

			if (idle && (j == s->n_namespaces || before == reg->idle_position)) {
				jn = nd_idle_namespace(reg, o);
				idle = false;
				j--;
			} else if (j == s->n_namespaces ||
				   s->namespaces[j].region_index != (int)i) {
				continue;
			} else {
				before++;
				if (!ns_shown(&s->namespaces[j], o))
					continue;
				jn = nd_namespace(s, &s->namespaces[j], o);
			}
			if (!namespaces) {
				namespaces = json_object_new_array();
				if (jr)
					put(jr, "namespaces", namespaces);
			}
			json_object_array_add(namespaces, jn);
		}
	}
	r = nd_print(dimms, regions, namespaces, o);
	json_object_put(dimms);
	json_object_put(regions);
	if (!o->regions)
		json_object_put(namespaces);
	return r;
}

enum {
	ND_BUS = 'b',
	ND_REGION = 'r',
	ND_DIMM = 'd',
	ND_NAMESPACE = 'n',
	ND_MODE = 'm',
	ND_TYPE = 't',
	ND_NUMA = 'U',
	ND_BUSES = 'B',
	ND_DIMMS = 'D',
	ND_FIRMWARE = 'F',
	ND_HEALTH = 'H',
	ND_REGIONS = 'R',
	ND_NAMESPACES = 'N',
	ND_DAX = 'X',
	ND_CAPABILITIES = 'C',
	ND_IDLE = 'i',
	ND_CONFIGURED = 'c',
	ND_MEDIA = 'M',
	ND_HUMAN = 'u',
	ND_VERBOSE = 'v',
	ND_NDCTL = 5000,
};

static const struct cmd_option nd_options[] = {
	{ "ndctl", 0, NULL, "print what 'ndctl list' prints, with its options", ND_NDCTL },
	{ "bus", 'b', "BUS", "filter by bus (ndbus0, its number, or its provider)" },
	{ "region", 'r', "REGION", "filter by region" },
	{ "dimm", 'd', "DIMM", "filter by dimm" },
	{ "namespace", 'n', "NAMESPACE", "filter by namespace" },
	{ "mode", 'm', "MODE", "filter by namespace mode" },
	{ "type", 't', "TYPE", "filter by region type (pmem, blk)" },
	{ "numa-node", 'U', "NODE", "refused: not kept in the snapshot" },
	{ "buses", 'B', NULL, "refused: nsalign does not list buses" },
	{ "dimms", 'D', NULL, "include dimms" },
	{ "firmware", 'F', NULL, "refused: nsalign does not read firmware" },
	{ "health", 'H', NULL, "refused: nsalign does not read dimm health" },
	{ "regions", 'R', NULL, "include regions" },
	{ "namespaces", 'N', NULL, "include namespaces (the default)" },
	{ "device-dax", 'X', NULL, "include device-dax (daxregion)" },
	{ "capabilities", 'C', NULL, "refused: nsalign does not list capabilities" },
	{ "idle", 'i', NULL, "include idle devices" },
	{ "configured", 'c', NULL, "include configured namespaces, disabled or not" },
	{ "media-errors", 'M', NULL, "media errors (refused when a region has some)" },
	{ "human", 'u', NULL, "human friendly number formats" },
	{ "verbose", 'v', NULL, "more detail (-v; -vv lists buses: refused)" },
	{ "snapshot", 's', "FILE", "a snapshot file instead of this machine", OPT_SNAPSHOT },
	{ NULL },
};

static const struct cmd_spec nd_spec = {
	.name = "list",
	.usage = "nsalign list --ndctl [ndctl list's options] [--snapshot FILE]",
	.about = "Print what 'ndctl list' prints with the same options: its keys and nesting, its\n"
		 "top level. Options that need what nsalign does not read are refused.",
	.options = nd_options,
};

bool list_wants_ndctl(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--ndctl") == 0)
			return true;
	return false;
}

static int refuse(const char *opt, const char *why)
{
	cmd_error("list", "--ndctl %s: %s", opt, why);
	return EX_USAGE;
}

int list_ndctl(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nd_opts o = { 0 };
	const char *snapshot_path = NULL, *arg;
	struct nsa_snapshot *s = NULL;
	bool media = false;
	int c, r;

	while ((c = cmd_getopt(&nd_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case ND_NDCTL:
			break;
		case ND_BUS:
			o.bus = arg;
			break;
		case ND_REGION:
			o.region = arg;
			break;
		case ND_DIMM:
			o.dimm = arg;
			break;
		case ND_NAMESPACE:
			o.namespace = arg;
			break;
		case ND_MODE:
			o.mode = arg;
			if (list_mode(arg) == NSA_MODE_UNKNOWN) {
				cmd_error("list", "invalid mode: '%s'", arg);
				return EX_USAGE;
			}
			break;
		case ND_TYPE:
			o.type = arg;
			if (strcmp(arg, "pmem") != 0 && strcmp(arg, "blk") != 0) {
				cmd_error("list", "unknown type \"%s\" must be \"pmem\" or \"blk\"",
					  arg);
				return EX_USAGE;
			}
			break;
		case ND_NUMA:
			return refuse("-U", "filtering by NUMA node is not supported (use -r)");
		case ND_BUSES:
			return refuse("-B", "nsalign does not list buses (a region's bus is in "
					    "'nsalign list')");
		case ND_FIRMWARE:
			return refuse("-F",
				      "nsalign does not read DIMM firmware (use ndctl list -F)");
		case ND_HEALTH:
			return refuse("-H",
				      "nsalign does not read DIMM health (use ndctl list -H)");
		case ND_CAPABILITIES:
			return refuse(
				"-C",
				"nsalign does not list region capabilities (use ndctl list -C)");
		case ND_DIMMS:
			o.dimms = true;
			break;
		case ND_REGIONS:
			o.regions = true;
			break;
		case ND_NAMESPACES:
			o.namespaces = true;
			break;
		case ND_DAX:
			o.dax = true;
			break;
		case ND_IDLE:
			o.idle = true;
			break;
		case ND_CONFIGURED:
			o.configured = true;
			break;
		case ND_MEDIA:
			media = true;
			break;
		case ND_HUMAN:
			o.human = true;
			break;
		case ND_VERBOSE:
			o.verbose++;
			break;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		cmd_error("list", "unexpected argument '%s' (see 'nsalign list --ndctl --help')",
			  argv[optind]);
		return EX_USAGE;
	}
	if (o.verbose > 1)
		return refuse(
			o.verbose > 2 ? "-vvv" : "-vv",
			"it lists buses, firmware and health, which nsalign does not read (use -v "
			"with -R -D)");
	/* ndctl's defaults: a filter alone lists its kind; -X alone devdax namespaces */
	if (!o.regions && !o.namespaces && !o.dimms) {
		o.regions = o.region != NULL;
		o.dimms = o.dimm != NULL;
		if (o.dax && !o.mode)
			o.mode = "dax";
	}
	if (o.verbose) {
		media = o.namespaces = o.dax = true;
	}
	if (!o.regions && !o.namespaces && !o.dimms)
		o.namespaces = true;

	/* ndctl list prints no physical address: no root needed */
	/* ndctl list shows no memory blocks: only the dax devices' own are read */
	r = cmd_get_snapshot_some("list", ctx, snapshot_path, false, NSA_COLLECT_NO_BLOCKS, &s);
	if (r)
		return r;
	for (size_t i = 0; media && i < s->n_regions; i++)
		if (s->regions[i].badblock_count) {
			cmd_error("list",
				  "--ndctl: %s has media errors, which nsalign does not list (use "
				  "ndctl list -M)",
				  s->regions[i].dev);
			nsa_snapshot_free(s);
			return EX_UNAVAILABLE;
		}
	if (!s->n_dimms && o.dimms && s->n_regions && !s->regions[0].persistence_domain[0]) {
		cmd_error("list",
			  "--ndctl -D: this snapshot has no dimms (taken by an older nsalign)");
		nsa_snapshot_free(s);
		return EX_DATAERR;
	}
	r = nd_list(s, &o);
	nsa_snapshot_free(s);
	return r;
}
