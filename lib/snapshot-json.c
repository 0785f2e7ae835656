// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The snapshot file format (doc/snapshot-format.md): the only code that
 * reads or writes it.  Reading is strict: a damaged file is refused with
 * the path of the first bad value, never half-read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "private.h"
#include "json-fields.h"
#include "kernel.h"

/* ------------------------------------------------------------ the fields */

/*
 * One table per object says which member goes under which key, in the
 * order they are written; the writer and the reader both follow it.
 */
#define P(key, type, m) JF(struct nsa_platform, key, type, m, 0)
static const struct jf_field platform_fields[] = {
	P("arch", JF_STR, arch),
	P("kernel_release", JF_STR, kernel_release),
	P("hostname", JF_STR, hostname),
	P("boot_id", JF_STR, boot_id),
	P("host_id", JF_STR, host_id),
	P("page_size", JF_U64, page_size),
	P("subsection_size", JF_U64, subsection_size),
	P("section_size", JF_U64, section_size),
	P("block_size", JF_U64, block_size),
	P("memremap_compat_align", JF_U64, memremap_compat_align),
	P("pmd_size", JF_U64, pmd_size),
	P("pud_size", JF_U64, pud_size),
	P("subsection_hotplug", JF_BOOL, subsection_hotplug),
	P("compat_align_enforced", JF_BOOL, compat_align_enforced),
	P("memmap_on_memory", JF_TRIBOOL, memmap_on_memory),
	P("auto_online_blocks", JF_STR, auto_online_blocks),
	JF(struct nsa_platform, "no_zone_device", JF_BOOL, no_zone_device, JF_IF_SET),
	JF(struct nsa_platform, "memory_probe", JF_BOOL, memory_probe, JF_IF_SET),
	P("iomem_visible", JF_BOOL, iomem_visible),
	P("ndctl_available", JF_BOOL, ndctl_available),
};

#define R(key, type, m, flags) JF(struct nsa_region, key, type, m, flags)
static const struct jf_field region_fields[] = {
	R("dev", JF_STR, dev, JF_REQUIRED),
	R("id", JF_INT, id, JF_IF_KNOWN),
	R("type", JF_STR, type, 0),
	R("provider", JF_STR, provider, 0),
	R("resource", JF_U64, spa_start, 0),
	R("size", JF_U64, size, JF_REQUIRED),
	R("align", JF_U64, align, 0),
	R("available_size", JF_U64, available_size, 0),
	R("mappings", JF_INT, mappings, 0),
	R("numa_node", JF_INT, numa_node, JF_IF_KNOWN),
	R("target_node", JF_INT, target_node, JF_IF_KNOWN),
	R("enabled", JF_BOOL, enabled, 0),
	R("read_only", JF_BOOL, read_only, 0),
	R("legacy", JF_BOOL, legacy, 0),
	R("labels", JF_BOOL, has_labels, 0),
	R("no_idle_seed", JF_BOOL, no_idle_seed, JF_IF_SET),
	JF2(struct nsa_region, "pfn_alignments", JF_ALIGNS, pfn_alignments, n_pfn_alignments, 0),
	JF2(struct nsa_region, "dax_alignments", JF_ALIGNS, dax_alignments, n_dax_alignments, 0),
	R("persistence_domain", JF_STR, persistence_domain, 0),
	R("max_available_extent", JF_U64, max_available_extent, 0),
	R("iset_id", JF_U64, iset_id, 0),
	R("bus", JF_STR, bus, 0),
	R("badblock_count", JF_U64, badblock_count, 0),
	R("idle_namespace", JF_STR, idle_namespace, 0),
	R("idle_sector_size", JF_U32, idle_sector_size, 0),
	R("idle_position", JF_INT, idle_position, 0),
};

#define I(key, type, m) JF(struct nsa_infoblock, key, type, m, 0)
static const struct jf_field infoblock_fields[] = {
	I("valid", JF_BOOL, valid),
	I("signature", JF_STR, signature),
	I("uuid", JF_STR, uuid),
	I("parent_uuid", JF_STR, parent_uuid),
	JF2(struct nsa_infoblock, "version", JF_VERSION, version_major, version_minor, 0),
	I("dataoff", JF_U64, dataoff),
	I("npfns", JF_U64, npfns),
	I("mode", JF_U32, mode),
	I("start_pad", JF_U32, start_pad),
	I("end_trunc", JF_U32, end_trunc),
	I("align", JF_U32, align),
	I("page_size", JF_U32, page_size),
	I("page_struct_size", JF_U16, page_struct_size),
};

#define N(key, type, m, flags) JF(struct nsa_namespace, key, type, m, flags)
static const struct jf_field namespace_fields[] = {
	N("dev", JF_STR, dev, JF_REQUIRED),
	N("region", JF_STR, region, 0),
	N("raw_uuid", JF_STR, uuid, 0),
	JF2(struct nsa_namespace, "uuid", JF_STR_OR, holder_uuid, uuid, 0),
	N("name", JF_STR, name, 0),
	N("mode", JF_MODE, mode, 0),
	N("holder_class", JF_STR, holder_class, 0),
	N("map", JF_MAP, map, 0),
	N("resource", JF_U64, spa_start, 0),
	N("size", JF_U64, size, JF_REQUIRED),
	N("enabled", JF_BOOL, enabled, 0),
	N("force_raw", JF_BOOL, force_raw, 0),
	N("numa_node", JF_INT, numa_node, JF_IF_KNOWN),
	N("target_node", JF_INT, target_node, JF_IF_KNOWN),
	N("holder", JF_STR, holder, 0),
	N("align", JF_U64, align, JF_POW2),
	N("data_resource", JF_U64, data_start, 0),
	N("data_size", JF_U64, data_size, 0),
	N("blockdev", JF_STR, blockdev, 0),
	N("chardev", JF_STR, chardev, 0),
	N("probe_error", JF_INT, probe_error, JF_IF_SET),
	N("usable_size", JF_U64, usable_size, 0),
	N("sector_size", JF_U32, sector_size, 0),
	/* then "infoblock" when there is one */
};

#define D(key, type, m, flags) JF(struct nsa_daxdev, key, type, m, flags)
static const struct jf_field daxdev_fields[] = {
	D("dev", JF_STR, dev, JF_REQUIRED),
	D("namespace", JF_STR, namespace_dev, 0),
	D("region_id", JF_INT, region_id, JF_IF_KNOWN),
	D("resource", JF_U64, spa_start, 0),
	D("size", JF_U64, size, JF_REQUIRED),
	D("align", JF_U64, align, 0),
	D("mode", JF_DAX_MODE, mode, 0),
	D("target_node", JF_INT, target_node, JF_IF_KNOWN),
	D("numa_node", JF_INT, numa_node, JF_IF_KNOWN),
	D("online_memblocks", JF_INT, online_blocks, JF_IF_KNOWN),
	D("total_memblocks", JF_INT, total_blocks, JF_IF_KNOWN),
	D("movable", JF_BOOL, movable, 0),
	/* only kernels with the attribute (v6.8+) can say so */
	D("memmap_on_memory", JF_BOOL, memmap_on_memory, JF_IF_SET),
	/* device_dax failed to probe it: ndctl still lists the namespace enabled */
	D("unbound", JF_BOOL, unbound, JF_IF_SET),
};

#define M(key, type, m, flags) JF(struct nsa_dimm, key, type, m, flags)
static const struct jf_field dimm_fields[] = {
	M("dev", JF_STR, dev, JF_REQUIRED),
	M("bus", JF_STR, bus, 0),
	M("id", JF_STR, id, 0),
	M("serial", JF_STR, serial, 0),
	M("handle", JF_U32, handle, 0),
	M("phys_id", JF_INT, phys_id, JF_IF_KNOWN),
	M("enabled", JF_BOOL, enabled, 0),
	M("flags", JF_U32, flags, 0),
	M("security", JF_STR, security, 0),
	M("security_frozen", JF_BOOL, security_frozen, JF_IF_SET),
};

#define G(key, type, m, flags) JF(struct nsa_mapping, key, type, m, flags)
static const struct jf_field map_fields[] = {
	G("region", JF_STR, region, JF_REQUIRED),
	G("dimm", JF_STR, dimm, JF_REQUIRED),
	G("offset", JF_U64, offset, 0),
	G("length", JF_U64, length, 0),
	G("position", JF_INT, position, JF_IF_KNOWN),
};

/* A run of consecutive memory blocks alike (memory.blocks[]). */
struct run {
	uint64_t first, count;
	char state[24];
	char zones[64];
	int node;
	bool removable;
};

#define B(key, type, m, flags) JF(struct run, key, type, m, flags)
static const struct jf_field run_fields[] = {
	B("first", JF_U64, first, JF_REQUIRED),
	B("count", JF_U64, count, JF_REQUIRED),
	B("state", JF_STR, state, 0),
	B("zones", JF_STR, zones, 0),
	B("node", JF_INT, node, 0),
	B("removable", JF_BOOL, removable, 0),
};

/* ------------------------------------------------------------ writing */

/* Resources are in file order with parent < child: one pass builds the nesting. */
static struct json_object *iomem_to_json(const struct nsa_snapshot *s)
{
	struct json_object *top = json_object_new_array();
	struct json_object **objs = calloc(s->n_iomem ? s->n_iomem : 1, sizeof(*objs));

	if (!objs)
		return NULL;
	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct nsa_resource *r = &s->iomem[i];
		struct json_object *o = json_object_new_object();
		struct json_object *into = top;

		if (s->platform.iomem_visible) {
			jf_put_u64(o, "start", r->start);
			jf_put_u64(o, "end", r->end);
		} else {
			/* hidden without CAP_SYS_ADMIN: unknown, not 0 */
			json_object_object_add(o, "start", NULL);
			json_object_object_add(o, "end", NULL);
		}
		jf_put_str(o, "name", r->name);
		objs[i] = o;
		if (r->parent >= 0 && (size_t)r->parent < i) {
			struct json_object *parent = objs[r->parent];

			if (!json_object_object_get_ex(parent, "children", &into)) {
				into = json_object_new_array();
				json_object_object_add(parent, "children", into);
			}
		}
		json_object_array_add(into, o);
	}
	free(objs);
	return top;
}

static void namespace_more(struct json_object *o, const void *item)
{
	const struct nsa_namespace *ns = item;

	struct json_object *ib;

	if (!ns->ib.valid && !ns->ib.signature[0])
		return;
	ib = JF_WRITE(json_object_new_object(), &ns->ib, infoblock_fields);
	/* a block that does not validate: why (absent otherwise) */
	if (ib && ns->ib.damage[0])
		jf_put_str(ib, "damage", ns->ib.damage);
	json_object_object_add(o, "infoblock", ib);
}

static bool same_run(const struct nsa_memblock *a, const struct nsa_memblock *b)
{
	return b->index == a->index + 1 && a->state == b->state && a->zones == b->zones &&
	       a->node == b->node && a->removable == b->removable;
}

static struct json_object *memory_to_json(const struct nsa_snapshot *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *runs = json_object_new_array();

	jf_put_u64(o, "block_size", s->platform.block_size);
	for (size_t i = 0; i < s->n_blocks;) {
		const struct nsa_memblock *b = &s->blocks[i];
		struct run run = { .first = b->index, .node = b->node, .removable = b->removable };
		size_t j = i + 1;

		while (j < s->n_blocks && same_run(&s->blocks[j - 1], &s->blocks[j]))
			j++;
		run.count = j - i;
		nsa_strlcpy(run.state, nsa_block_state_name(b->state), sizeof(run.state));
		nsa_zones_str(b->zones, run.zones, sizeof(run.zones));
		json_object_array_add(runs, JF_WRITE(json_object_new_object(), &run, run_fields));
		i = j;
	}
	json_object_object_add(o, "blocks", runs);
	return o;
}

/* ------------------------------------------------------------ reading */

static int read_platform(struct jf_reader *rd, struct json_object *o, struct nsa_platform *p)
{
	snprintf(rd->where, sizeof(rd->where), "platform");
	JF_TRY(jf_get_object(rd, o, "platform facts"));
	JF_TRY(JF_READ(rd, o, p, platform_fields));
	for (const uint64_t *g = &p->page_size; g <= &p->pud_size; g++)
		if (*g && !nsa_is_pow2(*g))
			return jf_fail(rd, NULL,
				       "a granularity that is not a power of two: %#" PRIx64, *g);
	return 0;
}

/* key is there, and null */
static bool has_null(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && !v;
}

static int read_resources(struct jf_reader *rd, struct nsa_snapshot *s, struct json_object *arr,
			  int depth, int parent, const char *path)
{
	size_t n = json_object_array_length(arr);

	if (depth >= 32)
		return jf_fail(rd, NULL, "iomem nested deeper than 32 levels");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *children;
		struct nsa_resource *r;
		char name[256] = "", here[96];
		uint64_t start = 0, end = 0;
		int idx;

		snprintf(here, sizeof(here), "%s[%zu]", path, i);
		snprintf(rd->where, sizeof(rd->where), "%s", here);
		JF_TRY(jf_get_object(rd, o, "a resource"));
		/* null: hidden (read as 0, as schema 1 files wrote it) */
		JF_TRY(jf_get_u64(rd, o, "start", !has_null(o, "start"), &start));
		JF_TRY(jf_get_u64(rd, o, "end", !has_null(o, "end"), &end));
		JF_TRY(jf_get_str(rd, o, "name", false, name, sizeof(name)));
		if (end < start)
			return jf_fail(rd, "end", "before start");
		if (parent >= 0 && (start < s->iomem[parent].start || end > s->iomem[parent].end))
			return jf_fail(rd, NULL, "'%s' lies outside its parent '%s'", name,
				       s->iomem[parent].name);
		r = nsa_snapshot_add_resource(s);
		if (!r || !(r->name = strdup(name)))
			return -ENOMEM;
		r->start = start;
		r->end = end;
		r->depth = depth;
		r->parent = parent;
		r->type = nsa_res_type_from_name(name);
		idx = (int)(s->n_iomem - 1);
		JF_TRY(jf_get_array(rd, o, "children", false, &children));
		if (children) {
			char sub[sizeof(here) + 16];

			snprintf(sub, sizeof(sub), "%s.children", here);
			JF_TRY(read_resources(rd, s, children, depth + 1, idx, sub));
		}
	}
	return 0;
}

/* What the table does not say about a namespace: its geometry holds, and its info block. */
static int namespace_check(struct jf_reader *rd, struct json_object *o, void *item)
{
	struct nsa_namespace *ns = item;
	struct json_object *ib;

	if (ns->spa_start + ns->size < ns->spa_start)
		return jf_fail(rd, "size", "resource + size overflows");
	if (ns->data_start && (ns->data_start < ns->spa_start ||
			       ns->data_start + ns->data_size > ns->spa_start + ns->size))
		return jf_fail(rd, "data_resource", "data lies outside the namespace");
	JF_TRY(jf_member(rd, o, "infoblock", false, &ib));
	if (ib) {
		JF_TRY(jf_get_object(rd, ib, "an info block"));
		JF_TRY(JF_READ(rd, ib, &ns->ib, infoblock_fields));
		JF_TRY(jf_get_str(rd, ib, "damage", false, ns->ib.damage, sizeof(ns->ib.damage)));
	}
	return 0;
}

static int read_memory(struct jf_reader *rd, struct json_object *o, struct nsa_snapshot *s)
{
	struct json_object *runs;
	uint64_t block_size = 0, total = 0, next = 0;
	size_t n;

	snprintf(rd->where, sizeof(rd->where), "memory");
	JF_TRY(jf_get_object(rd, o, "memory blocks"));
	JF_TRY(jf_get_u64(rd, o, "block_size", false, &block_size));
	/* as platform.block_size: it becomes that, and is written there */
	if (block_size && !nsa_is_pow2(block_size))
		return jf_fail(rd, "block_size", "%#" PRIx64 " is not a power of two", block_size);
	if (block_size && !s->platform.block_size)
		s->platform.block_size = block_size;
	JF_TRY(jf_get_array(rd, o, "blocks", false, &runs));
	if (!runs)
		return 0;
	n = json_object_array_length(runs);

	/* count first, so a million blocks is one allocation */
	for (size_t i = 0; i < n; i++) {
		struct json_object *run = json_object_array_get_idx(runs, i);
		uint64_t first = 0, count = 0;

		jf_at(rd, "memory.blocks", i);
		JF_TRY(jf_get_object(rd, run, "a run of memory blocks"));
		JF_TRY(jf_get_u64(rd, run, "first", true, &first));
		JF_TRY(jf_get_u64(rd, run, "count", true, &count));
		if (count == 0 || first + count < first)
			return jf_fail(rd, "count", "%s",
				       count ? "first + count overflows" : "zero");
		if (i > 0 && first < next)
			return jf_fail(rd, "first", "block %" PRIu64 " is out of order or repeated",
				       first);
		next = first + count;
		/* blocks lie in the 64-bit address space: index * block_size does not wrap */
		if (s->platform.block_size && next - 1 > UINT64_MAX / s->platform.block_size)
			return jf_fail(rd, "count", "block %" PRIu64 " lies past 2^64", next - 1);
		/* a 100-byte file allocates no more than this (16 MiB) */
		total += count;
		if (total > NSA_MAX_MEMORY_BLOCKS)
			return jf_fail(rd, "count", "more than %llu memory blocks",
				       NSA_MAX_MEMORY_BLOCKS);
	}
	if (total) {
		s->blocks = calloc(total, sizeof(*s->blocks));
		if (!s->blocks)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct run run = { .node = -1 };
		uint8_t st;

		jf_at(rd, "memory.blocks", i);
		JF_TRY(JF_READ(rd, json_object_array_get_idx(runs, i), &run, run_fields));
		st = (uint8_t)nsa_block_state_from_name(run.state);
		if (run.state[0] && st == NSA_BLOCK_UNKNOWN && strcmp(run.state, "unknown") != 0)
			return jf_fail(rd, "state", "'%s' is not online, offline or going-offline",
				       run.state);
		for (uint64_t k = 0; k < run.count; k++) {
			struct nsa_memblock *b = &s->blocks[s->n_blocks++];

			b->index = run.first + k;
			b->node = run.node;
			b->state = st;
			b->zones = nsa_zones_parse(run.zones);
			b->removable = run.removable;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ the document */

static void *add_region(struct nsa_snapshot *s)
{
	return nsa_snapshot_add_region(s);
}

static void *add_namespace(struct nsa_snapshot *s)
{
	return nsa_snapshot_add_namespace(s);
}

static void *add_daxdev(struct nsa_snapshot *s)
{
	return nsa_snapshot_add_daxdev(s);
}

static void *add_dimm(struct nsa_snapshot *s)
{
	return nsa_snapshot_add_dimm(s);
}

static void *add_map(struct nsa_snapshot *s)
{
	return nsa_snapshot_add_mapping(s);
}

/* The arrays of objects one table describes, in the document's order. */
static const struct list {
	const char *key, *what;
	const struct jf_field *fields;
	size_t n_fields;
	size_t items, count, size; /* the array in struct nsa_snapshot */
	void *(*add)(struct nsa_snapshot *s);
	void (*write_more)(struct json_object *o, const void *item);
	int (*read_more)(struct jf_reader *rd, struct json_object *o, void *item);
} lists[] = {
#define LIST(key, what, table, m, n, add, write_more, read_more)                                  \
	{                                                                                         \
		key, what, table, ARRAY_SIZE(table), offsetof(struct nsa_snapshot, m),            \
			offsetof(struct nsa_snapshot, n), sizeof(*((struct nsa_snapshot *)0)->m), \
			add, write_more, read_more                                                \
	}
	LIST("regions", "a region", region_fields, regions, n_regions, add_region, NULL, NULL),
	LIST("namespaces", "a namespace", namespace_fields, namespaces, n_namespaces, add_namespace,
	     namespace_more, namespace_check),
	LIST("dax", "a dax device", daxdev_fields, daxdevs, n_daxdevs, add_daxdev, NULL, NULL),
	LIST("dimms", "a dimm", dimm_fields, dimms, n_dimms, add_dimm, NULL, NULL),
	LIST("mappings", "a mapping", map_fields, mappings, n_mappings, add_map, NULL, NULL),
};

/* the keys of regions, namespaces and dax devices that are physical addresses */
static const char *const address_keys[] = { "resource", "data_resource" };

static struct json_object *list_to_json(const struct nsa_snapshot *s, const struct list *l)
{
	const char *items = *(char *const *)((const char *)s + l->items);
	size_t n = *(const size_t *)((const char *)s + l->count);
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		const void *item = items + i * l->size;
		struct json_object *o =
			jf_write(json_object_new_object(), item, l->fields, l->n_fields);

		if (l->write_more)
			l->write_more(o, item);
		/* addresses hidden without CAP_SYS_ADMIN: unknown, not 0 */
		if (!s->platform.iomem_visible)
			for (size_t k = 0; k < ARRAY_SIZE(address_keys); k++)
				if (json_object_object_get_ex(o, address_keys[k], NULL))
					json_object_object_add(o, address_keys[k], NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

static int read_list(struct jf_reader *rd, struct json_object *root, struct nsa_snapshot *s,
		     const struct list *l)
{
	struct json_object *arr;

	rd->where[0] = '\0';
	JF_TRY(jf_get_array(rd, root, l->key, false, &arr));
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		void *item = l->add(s);

		if (!item)
			return -ENOMEM;
		jf_at(rd, l->key, i);
		JF_TRY(jf_get_object(rd, o, l->what));
		JF_TRY(jf_read(rd, o, item, l->fields, l->n_fields));
		if (l->read_more)
			JF_TRY(l->read_more(rd, o, item));
	}
	return 0;
}

static struct json_object *strings_to_json(char *const *v, size_t n)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

struct json_object *nsa_snapshot_to_json(const struct nsa_snapshot *s)
{
	struct json_object *root = json_object_new_object();

	if (!root)
		return NULL;
	json_object_object_add(root, "schema", json_object_new_int(NSA_SNAPSHOT_SCHEMA));
	jf_put_str(root, "source", s->source);
	json_object_object_add(root, "collected_at", nsa_time_to_json(s->collected_at));
	jf_put_str(root, "collector", s->collector);
	json_object_object_add(root, "platform",
			       JF_WRITE(json_object_new_object(), &s->platform, platform_fields));
	json_object_object_add(root, "iomem", iomem_to_json(s));
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		json_object_object_add(root, lists[i].key, list_to_json(s, &lists[i]));
	json_object_object_add(root, "memory", memory_to_json(s));
	json_object_object_add(root, "notes", strings_to_json(s->notes, s->n_notes));
	json_object_object_add(root, "kernel_log", strings_to_json(s->kernel_log, s->n_kernel_log));
	return root;
}

int nsa_snapshot_readable(const struct nsa_snapshot *s, char *err, size_t errlen)
{
	struct json_object *o = nsa_snapshot_to_json(s), *back;
	struct nsa_snapshot *read = NULL;
	int r;

	if (!o)
		return -ENOMEM;
	/* through the text, as the file will be read */
	back = json_tokener_parse(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (!back)
		return nsa_say(err, errlen, -EINVAL, "not valid JSON once written");
	r = nsa_snapshot_from_json(back, &read, err, errlen);
	json_object_put(back);
	nsa_snapshot_free(read);
	return r;
}

int nsa_snapshot_from_json(struct json_object *root, struct nsa_snapshot **out, char *err,
			   size_t errlen)
{
	struct jf_reader rd = { .err = err, .errlen = errlen };
	struct json_object *v, *arr;
	struct nsa_snapshot *s;
	int schema = 0, r;

	if (err && errlen)
		err[0] = '\0';
	if (!json_object_is_type(root, json_type_object))
		return jf_fail(&rd, NULL, "not a JSON object");
	r = jf_member(&rd, root, "schema", true, &v);
	if (r < 0)
		return r;
	r = jf_get_int(&rd, root, "schema", &schema);
	if (r < 0)
		return r;
	if (schema > NSA_SNAPSHOT_SCHEMA) {
		if (err && errlen)
			snprintf(err, errlen,
				 "written with schema %d by a newer nsalign; this one reads up to "
				 "schema %d",
				 schema, NSA_SNAPSHOT_SCHEMA);
		return -EPROTONOSUPPORT;
	}
	if (schema < 1)
		return jf_fail(&rd, "schema", "%d is not a snapshot schema", schema);

	s = nsa_snapshot_new();
	if (!s)
		return -ENOMEM;
	r = jf_get_str(&rd, root, "source", false, s->source, sizeof(s->source));
	if (r == -EINVAL) { /* a long hand-made source is fine: keep its start */
		struct json_object *src;

		json_object_object_get_ex(root, "source", &src);
		if (json_object_is_type(src, json_type_string)) {
			nsa_strlcpy(s->source, json_object_get_string(src), sizeof(s->source));
			r = 0;
		}
	}
	if (r == 0) {
		int64_t at_time = 0;

		if (json_object_object_get_ex(root, "collected_at", &v) && v &&
		    nsa_time_from_json(v, &at_time) < 0)
			r = jf_fail(&rd, "collected_at",
				    "expected a time such as \"2026-12-03T17:00:57Z\"");
		s->collected_at = at_time;
	}
	if (r == 0)
		r = jf_get_str(&rd, root, "collector", false, s->collector, sizeof(s->collector));
	if (r == 0)
		r = jf_member(&rd, root, "platform", true, &v);
	if (r == 0)
		r = read_platform(&rd, v, &s->platform);
	if (r == 0) {
		rd.where[0] = '\0';
		r = jf_get_array(&rd, root, "iomem", false, &arr);
		if (r == 0 && arr)
			r = read_resources(&rd, s, arr, 0, -1, "iomem");
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(lists); i++)
		r = read_list(&rd, root, s, &lists[i]);
	for (size_t i = 0; r == 0 && i < s->n_regions; i++) {
		const struct nsa_region *reg = &s->regions[i];

		/* any align the kernel can show, 48 MiB for 3 ways too; not one it cannot */
		jf_at(&rd, "regions", i);
		if (!nsa_kernel_region_align_valid(reg, s->platform.page_size))
			r = jf_fail(&rd, "align",
				    "%#" PRIx64 " cannot be the align of a region of %d mappings "
				    "(the kernel takes multiples of the ways whose share per DIMM "
				    "is a power of two of at least a page)",
				    reg->align, reg->mappings);
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = jf_member(&rd, root, "memory", false, &v);
		if (r == 0 && v)
			r = read_memory(&rd, v, s);
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = jf_get_array(&rd, root, "notes", false, &arr);
		for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
			struct json_object *note = json_object_array_get_idx(arr, i);

			jf_at(&rd, "notes", i);
			if (!json_object_is_type(note, json_type_string))
				r = jf_fail(&rd, NULL, "expected a string");
			else
				r = nsa_snapshot_add_note(s, "%s", json_object_get_string(note));
		}
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = jf_get_array(&rd, root, "kernel_log", false, &arr);
		for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
			struct json_object *line = json_object_array_get_idx(arr, i);

			jf_at(&rd, "kernel_log", i);
			if (!json_object_is_type(line, json_type_string))
				r = jf_fail(&rd, NULL, "expected a string");
			else
				r = nsa_snapshot_add_kernel_line(s, json_object_get_string(line));
		}
	}
	if (r < 0) {
		nsa_snapshot_free(s);
		return r;
	}
	nsa_snapshot_finish(s);
	*out = s;
	return 0;
}

/* ------------------------------------------------------------ files */

static int line_of(const char *text, size_t offset)
{
	int line = 1;

	for (size_t i = 0; i < offset && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

int nsa_snapshot_load(const char *path, struct nsa_snapshot **out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	r = nsa_read_input(path, NSA_INPUT_MAX_BYTES, &text, &len);
	if (r == -EFBIG && err && errlen)
		snprintf(err, errlen, "larger than %llu MiB, the most nsalign reads",
			 NSA_INPUT_MAX_BYTES >> 20);
	if (r == -ENOTSUP && err && errlen)
		snprintf(err, errlen,
			 "not a regular file (a device or a FIFO); give a file, or "
			 "'-' for standard input");
	if (r < 0)
		return r;
	if (len == 0) {
		free(text);
		if (err && errlen)
			snprintf(err, errlen, "the file is empty");
		return -EINVAL;
	}

	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok) {
		free(text);
		return -ENOMEM;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		size_t off = json_tokener_get_parse_end(tok);

		/* trailing white space after the document is fine */
		if (root && e == json_tokener_success) {
			size_t k = off;

			while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\t' ||
					   text[k] == '\r'))
				k++;
			if (k == len)
				goto parsed;
		}
		if (err && errlen)
			snprintf(err, errlen, "line %d: %s", line_of(text, off),
				 e == json_tokener_continue || e == json_tokener_success
					 ? (root ? "text after the JSON document"
						 : "unexpected end of data (truncated?)")
					 : json_tokener_error_desc(e));
		json_object_put(root);
		json_tokener_free(tok);
		free(text);
		return -EINVAL;
	}
parsed:
	json_tokener_free(tok);
	free(text);
	r = nsa_snapshot_from_json(root, out, err, errlen);
	json_object_put(root);
	return r;
}

int nsa_snapshot_save(const struct nsa_snapshot *s, const char *path)
{
	struct json_object *obj = nsa_snapshot_to_json(s);
	_cleanup_free_ char *text = NULL;
	int r;

	if (!obj)
		return -ENOMEM;
	r = asprintf(&text, "%s\n",
		     json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
	if (r < 0)
		return -ENOMEM;
	return nsa_write_file_atomic(NULL, path, text, strlen(text), 0644);
}
