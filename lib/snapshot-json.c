// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The snapshot file format (doc/snapshot-format.md): the only code that
 * reads or writes it.  Reading is strict: a damaged file is refused with
 * the path of the first bad value, never half-read.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "private.h"

#define MAX_SNAPSHOT_BYTES (1ULL << 30)

/* ------------------------------------------------------------ writing */

static void put_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v ? v : ""));
}

static void put_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void put_int(struct json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, json_object_new_int(v));
}

static void put_bool(struct json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

static struct json_object *platform_to_json(const struct nsa_platform *p)
{
	struct json_object *o = json_object_new_object();

	put_str(o, "arch", p->arch);
	put_str(o, "kernel_release", p->kernel_release);
	put_str(o, "hostname", p->hostname);
	put_str(o, "boot_id", p->boot_id);
	put_str(o, "machine_id", p->machine_id);
	put_u64(o, "page_size", p->page_size);
	put_u64(o, "subsection_size", p->subsection_size);
	put_u64(o, "section_size", p->section_size);
	put_u64(o, "block_size", p->block_size);
	put_u64(o, "memremap_compat_align", p->memremap_compat_align);
	put_u64(o, "pmd_size", p->pmd_size);
	put_u64(o, "pud_size", p->pud_size);
	put_bool(o, "subsection_hotplug", p->subsection_hotplug);
	put_bool(o, "compat_align_enforced", p->compat_align_enforced);
	json_object_object_add(
		o, "memmap_on_memory",
		p->memmap_on_memory < 0 ? NULL : json_object_new_boolean(p->memmap_on_memory));
	put_str(o, "auto_online_blocks", p->auto_online_blocks);
	put_bool(o, "iomem_visible", p->iomem_visible);
	put_bool(o, "ndctl_available", p->ndctl_available);
	return o;
}

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

		put_u64(o, "start", r->start);
		put_u64(o, "end", r->end);
		put_str(o, "name", r->name);
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

static struct json_object *u64_array(const uint64_t *v, int n)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_uint64(v[i]));
	return a;
}

static struct json_object *region_to_json(const struct nsa_region *r)
{
	struct json_object *o = json_object_new_object();

	put_str(o, "dev", r->dev);
	put_int(o, "id", r->id);
	put_str(o, "type", r->type);
	put_str(o, "provider", r->provider);
	put_u64(o, "resource", r->spa_start);
	put_u64(o, "size", r->size);
	put_u64(o, "align", r->align);
	put_u64(o, "available_size", r->available_size);
	put_int(o, "mappings", r->mappings);
	put_int(o, "numa_node", r->numa_node);
	put_int(o, "target_node", r->target_node);
	put_bool(o, "enabled", r->enabled);
	put_bool(o, "read_only", r->read_only);
	put_bool(o, "legacy", r->legacy);
	put_bool(o, "labels", r->has_labels);
	json_object_object_add(o, "pfn_alignments",
			       u64_array(r->pfn_alignments, r->n_pfn_alignments));
	json_object_object_add(o, "dax_alignments",
			       u64_array(r->dax_alignments, r->n_dax_alignments));
	return o;
}

static struct json_object *infoblock_to_json(const struct nsa_infoblock *ib)
{
	struct json_object *o = json_object_new_object();
	char version[16];

	snprintf(version, sizeof(version), "%u.%u", ib->version_major, ib->version_minor);
	put_bool(o, "valid", ib->valid);
	put_str(o, "signature", ib->signature);
	put_str(o, "uuid", ib->uuid);
	put_str(o, "parent_uuid", ib->parent_uuid);
	put_str(o, "version", version);
	put_u64(o, "dataoff", ib->dataoff);
	put_u64(o, "npfns", ib->npfns);
	put_u64(o, "mode", ib->mode);
	put_u64(o, "start_pad", ib->start_pad);
	put_u64(o, "end_trunc", ib->end_trunc);
	put_u64(o, "align", ib->align);
	put_u64(o, "page_size", ib->page_size);
	put_u64(o, "page_struct_size", ib->page_struct_size);
	return o;
}

static struct json_object *namespace_to_json(const struct nsa_namespace *ns)
{
	struct json_object *o = json_object_new_object();

	put_str(o, "dev", ns->dev);
	put_str(o, "region", ns->region);
	put_str(o, "raw_uuid", ns->uuid);
	put_str(o, "uuid", ns->holder_uuid[0] ? ns->holder_uuid : ns->uuid);
	put_str(o, "name", ns->name);
	put_str(o, "mode", nsa_mode_name(ns->mode));
	put_str(o, "holder_class", ns->holder_class);
	put_str(o, "map", nsa_map_name(ns->map));
	put_u64(o, "resource", ns->spa_start);
	put_u64(o, "size", ns->size);
	put_bool(o, "enabled", ns->enabled);
	put_bool(o, "force_raw", ns->force_raw);
	put_int(o, "numa_node", ns->numa_node);
	put_int(o, "target_node", ns->target_node);
	put_str(o, "holder", ns->holder);
	put_u64(o, "align", ns->align);
	put_u64(o, "data_resource", ns->data_start);
	put_u64(o, "data_size", ns->data_size);
	put_str(o, "blockdev", ns->blockdev);
	put_str(o, "chardev", ns->chardev);
	if (ns->probe_error)
		put_int(o, "probe_error", ns->probe_error);
	if (ns->ib.valid || ns->ib.signature[0])
		json_object_object_add(o, "infoblock", infoblock_to_json(&ns->ib));
	return o;
}

static struct json_object *daxdev_to_json(const struct nsa_daxdev *d)
{
	struct json_object *o = json_object_new_object();

	put_str(o, "dev", d->dev);
	put_str(o, "namespace", d->namespace_dev);
	put_int(o, "region_id", d->region_id);
	put_u64(o, "resource", d->spa_start);
	put_u64(o, "size", d->size);
	put_u64(o, "align", d->align);
	put_str(o, "mode", nsa_dax_mode_name(d->mode));
	put_int(o, "target_node", d->target_node);
	put_int(o, "numa_node", d->numa_node);
	put_int(o, "online_memblocks", d->online_blocks);
	put_int(o, "total_memblocks", d->total_blocks);
	put_bool(o, "movable", d->movable);
	if (d->memmap_on_memory) /* only kernels with the attribute (v6.8+) can say so */
		put_bool(o, "memmap_on_memory", true);
	return o;
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
	char zones[64];

	put_u64(o, "block_size", s->platform.block_size);
	for (size_t i = 0; i < s->n_blocks;) {
		const struct nsa_memblock *b = &s->blocks[i];
		struct json_object *run = json_object_new_object();
		size_t j = i + 1;

		while (j < s->n_blocks && same_run(&s->blocks[j - 1], &s->blocks[j]))
			j++;
		put_u64(run, "first", b->index);
		put_u64(run, "count", j - i);
		put_str(run, "state", nsa_block_state_name(b->state));
		put_str(run, "zones", nsa_zones_str(b->zones, zones, sizeof(zones)));
		put_int(run, "node", b->node);
		put_bool(run, "removable", b->removable);
		json_object_array_add(runs, run);
		i = j;
	}
	json_object_object_add(o, "blocks", runs);
	return o;
}

struct json_object *nsa_snapshot_to_json(const struct nsa_snapshot *s)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr;

	if (!root)
		return NULL;
	put_int(root, "schema", NSA_SNAPSHOT_SCHEMA);
	put_str(root, "source", s->source);
	json_object_object_add(root, "collected_at", json_object_new_int64(s->collected_at));
	put_str(root, "collector", s->collector);
	json_object_object_add(root, "platform", platform_to_json(&s->platform));
	json_object_object_add(root, "iomem", iomem_to_json(s));

	arr = json_object_new_array();
	for (size_t i = 0; i < s->n_regions; i++)
		json_object_array_add(arr, region_to_json(&s->regions[i]));
	json_object_object_add(root, "regions", arr);

	arr = json_object_new_array();
	for (size_t i = 0; i < s->n_namespaces; i++)
		json_object_array_add(arr, namespace_to_json(&s->namespaces[i]));
	json_object_object_add(root, "namespaces", arr);

	arr = json_object_new_array();
	for (size_t i = 0; i < s->n_daxdevs; i++)
		json_object_array_add(arr, daxdev_to_json(&s->daxdevs[i]));
	json_object_object_add(root, "dax", arr);

	json_object_object_add(root, "memory", memory_to_json(s));

	arr = json_object_new_array();
	for (size_t i = 0; i < s->n_notes; i++)
		json_object_array_add(arr, json_object_new_string(s->notes[i]));
	json_object_object_add(root, "notes", arr);

	arr = json_object_new_array();
	for (size_t i = 0; i < s->n_kernel_log; i++)
		json_object_array_add(arr, json_object_new_string(s->kernel_log[i]));
	json_object_object_add(root, "kernel_log", arr);
	return root;
}

/* ------------------------------------------------------------ reading */

struct reader {
	char *err;
	size_t errlen;
	char where[96]; /* "namespaces[3]" */
};

static int __attribute__((format(printf, 3, 4)))
fail(struct reader *rd, const char *key, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rd->err && rd->errlen)
		snprintf(rd->err, rd->errlen, "%s%s%s: %s", rd->where,
			 rd->where[0] && key ? "." : "", key ? key : "", msg);
	return -EINVAL;
}

static void at(struct reader *rd, const char *array, size_t i)
{
	snprintf(rd->where, sizeof(rd->where), "%s[%zu]", array, i);
}

/* The value of key, NULL when absent or null; -EINVAL when required and absent. */
static int member(struct reader *rd, struct json_object *o, const char *key, bool required,
		  struct json_object **v)
{
	*v = NULL;
	if (!json_object_object_get_ex(o, key, v) || !*v) {
		*v = NULL;
		return required ? fail(rd, key, "missing") : 0;
	}
	return 0;
}

static int get_u64(struct reader *rd, struct json_object *o, const char *key, bool required,
		   uint64_t *out)
{
	struct json_object *v;
	int r = member(rd, o, key, required, &v);

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return fail(rd, key, "expected a non-negative number");
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_u32(struct reader *rd, struct json_object *o, const char *key, uint32_t *out)
{
	uint64_t v = *out;
	int r = get_u64(rd, o, key, false, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return fail(rd, key, "%" PRIu64 " does not fit in 32 bits", v);
	*out = (uint32_t)v;
	return 0;
}

static int get_int(struct reader *rd, struct json_object *o, const char *key, int *out)
{
	struct json_object *v;
	int r = member(rd, o, key, false, &v);
	int64_t i;

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_int))
		return fail(rd, key, "expected a number");
	i = json_object_get_int64(v);
	if (i < INT32_MIN || i > INT32_MAX)
		return fail(rd, key, "out of range");
	*out = (int)i;
	return 0;
}

static int get_bool(struct reader *rd, struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;
	int r = member(rd, o, key, false, &v);

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(rd, key, "expected true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_str(struct reader *rd, struct json_object *o, const char *key, bool required,
		   char *buf, size_t len)
{
	struct json_object *v;
	int r = member(rd, o, key, required, &v);

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_string))
		return fail(rd, key, "expected a string");
	if ((size_t)json_object_get_string_len(v) >= len)
		return fail(rd, key, "longer than %zu characters", len - 1);
	nsa_strlcpy(buf, json_object_get_string(v), len);
	return 0;
}

static int get_array(struct reader *rd, struct json_object *o, const char *key, bool required,
		     struct json_object **arr)
{
	int r = member(rd, o, key, required, arr);

	if (r < 0 || !*arr)
		return r;
	if (!json_object_is_type(*arr, json_type_array))
		return fail(rd, key, "expected an array");
	return 0;
}

static int get_object(struct reader *rd, struct json_object *v, const char *what)
{
	if (!json_object_is_type(v, json_type_object))
		return fail(rd, NULL, "expected an object (%s)", what);
	return 0;
}

#define TRY(expr)                  \
	do {                       \
		int _r = (expr);   \
		if (_r < 0)        \
			return _r; \
	} while (0)

static int read_platform(struct reader *rd, struct json_object *o, struct nsa_platform *p)
{
	struct json_object *v;

	snprintf(rd->where, sizeof(rd->where), "platform");
	TRY(get_object(rd, o, "platform facts"));
	TRY(get_str(rd, o, "arch", false, p->arch, sizeof(p->arch)));
	TRY(get_str(rd, o, "kernel_release", false, p->kernel_release, sizeof(p->kernel_release)));
	TRY(get_str(rd, o, "hostname", false, p->hostname, sizeof(p->hostname)));
	TRY(get_str(rd, o, "boot_id", false, p->boot_id, sizeof(p->boot_id)));
	TRY(get_str(rd, o, "machine_id", false, p->machine_id, sizeof(p->machine_id)));
	TRY(get_u64(rd, o, "page_size", false, &p->page_size));
	TRY(get_u64(rd, o, "subsection_size", false, &p->subsection_size));
	TRY(get_u64(rd, o, "section_size", false, &p->section_size));
	TRY(get_u64(rd, o, "block_size", false, &p->block_size));
	TRY(get_u64(rd, o, "memremap_compat_align", false, &p->memremap_compat_align));
	TRY(get_u64(rd, o, "pmd_size", false, &p->pmd_size));
	TRY(get_u64(rd, o, "pud_size", false, &p->pud_size));
	TRY(get_bool(rd, o, "subsection_hotplug", &p->subsection_hotplug));
	TRY(get_bool(rd, o, "compat_align_enforced", &p->compat_align_enforced));
	TRY(member(rd, o, "memmap_on_memory", false, &v));
	if (v) {
		bool b = false;

		TRY(get_bool(rd, o, "memmap_on_memory", &b));
		p->memmap_on_memory = b;
	}
	TRY(get_str(rd, o, "auto_online_blocks", false, p->auto_online_blocks,
		    sizeof(p->auto_online_blocks)));
	TRY(get_bool(rd, o, "iomem_visible", &p->iomem_visible));
	TRY(get_bool(rd, o, "ndctl_available", &p->ndctl_available));
	for (const uint64_t *g = &p->page_size; g <= &p->pud_size; g++)
		if (*g && !nsa_is_pow2(*g))
			return fail(rd, NULL, "a granularity that is not a power of two: %#" PRIx64,
				    *g);
	return 0;
}

static int read_resources(struct reader *rd, struct nsa_snapshot *s, struct json_object *arr,
			  int depth, int parent, const char *path)
{
	size_t n = json_object_array_length(arr);

	if (depth >= 32)
		return fail(rd, NULL, "iomem nested deeper than 32 levels");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *children;
		struct nsa_resource *r;
		char name[256] = "", here[96];
		uint64_t start = 0, end = 0;
		int idx;

		snprintf(here, sizeof(here), "%s[%zu]", path, i);
		snprintf(rd->where, sizeof(rd->where), "%s", here);
		TRY(get_object(rd, o, "a resource"));
		TRY(get_u64(rd, o, "start", true, &start));
		TRY(get_u64(rd, o, "end", true, &end));
		TRY(get_str(rd, o, "name", true, name, sizeof(name)));
		if (end < start)
			return fail(rd, "end", "before start");
		if (parent >= 0 && (start < s->iomem[parent].start || end > s->iomem[parent].end))
			return fail(rd, NULL, "'%s' lies outside its parent '%s'", name,
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
		TRY(get_array(rd, o, "children", false, &children));
		if (children) {
			char sub[sizeof(here) + 16];

			snprintf(sub, sizeof(sub), "%s.children", here);
			TRY(read_resources(rd, s, children, depth + 1, idx, sub));
		}
	}
	return 0;
}

static int read_alignments(struct reader *rd, struct json_object *o, const char *key, uint64_t *v,
			   int *n, int max)
{
	struct json_object *arr;

	TRY(get_array(rd, o, key, false, &arr));
	if (!arr)
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_int) || json_object_get_int64(e) <= 0 ||
		    !nsa_is_pow2(json_object_get_uint64(e)))
			return fail(rd, key, "expected powers of two");
		if (*n < max)
			v[(*n)++] = json_object_get_uint64(e);
	}
	return 0;
}

static int read_region(struct reader *rd, struct json_object *o, struct nsa_region *r)
{
	TRY(get_object(rd, o, "a region"));
	TRY(get_str(rd, o, "dev", true, r->dev, sizeof(r->dev)));
	TRY(get_int(rd, o, "id", &r->id));
	TRY(get_str(rd, o, "type", false, r->type, sizeof(r->type)));
	TRY(get_str(rd, o, "provider", false, r->provider, sizeof(r->provider)));
	TRY(get_u64(rd, o, "resource", false, &r->spa_start));
	TRY(get_u64(rd, o, "size", true, &r->size));
	TRY(get_u64(rd, o, "align", false, &r->align));
	TRY(get_u64(rd, o, "available_size", false, &r->available_size));
	TRY(get_int(rd, o, "mappings", &r->mappings));
	TRY(get_int(rd, o, "numa_node", &r->numa_node));
	TRY(get_int(rd, o, "target_node", &r->target_node));
	TRY(get_bool(rd, o, "enabled", &r->enabled));
	TRY(get_bool(rd, o, "read_only", &r->read_only));
	TRY(get_bool(rd, o, "legacy", &r->legacy));
	TRY(get_bool(rd, o, "labels", &r->has_labels));
	TRY(read_alignments(rd, o, "pfn_alignments", r->pfn_alignments, &r->n_pfn_alignments,
			    (int)ARRAY_SIZE(r->pfn_alignments)));
	TRY(read_alignments(rd, o, "dax_alignments", r->dax_alignments, &r->n_dax_alignments,
			    (int)ARRAY_SIZE(r->dax_alignments)));
	return 0;
}

static int read_infoblock(struct reader *rd, struct json_object *o, struct nsa_infoblock *ib)
{
	char version[16] = "";
	uint32_t mode = 0, psize = 0, pss = 0;
	unsigned major = 0, minor = 0;

	TRY(get_object(rd, o, "an info block"));
	TRY(get_bool(rd, o, "valid", &ib->valid));
	TRY(get_str(rd, o, "signature", false, ib->signature, sizeof(ib->signature)));
	TRY(get_str(rd, o, "uuid", false, ib->uuid, sizeof(ib->uuid)));
	TRY(get_str(rd, o, "parent_uuid", false, ib->parent_uuid, sizeof(ib->parent_uuid)));
	TRY(get_str(rd, o, "version", false, version, sizeof(version)));
	if (version[0]) {
		if (sscanf(version, "%u.%u", &major, &minor) != 2 || major > 0xffff ||
		    minor > 0xffff)
			return fail(rd, "version", "expected MAJOR.MINOR");
		ib->version_major = (uint16_t)major;
		ib->version_minor = (uint16_t)minor;
	}
	TRY(get_u64(rd, o, "dataoff", false, &ib->dataoff));
	TRY(get_u64(rd, o, "npfns", false, &ib->npfns));
	TRY(get_u32(rd, o, "mode", &mode));
	ib->mode = mode;
	TRY(get_u32(rd, o, "start_pad", &ib->start_pad));
	TRY(get_u32(rd, o, "end_trunc", &ib->end_trunc));
	TRY(get_u32(rd, o, "align", &ib->align));
	TRY(get_u32(rd, o, "page_size", &psize));
	ib->page_size = psize;
	TRY(get_u32(rd, o, "page_struct_size", &pss));
	if (pss > UINT16_MAX)
		return fail(rd, "page_struct_size", "out of range");
	ib->page_struct_size = (uint16_t)pss;
	return 0;
}

static int read_namespace(struct reader *rd, struct json_object *o, struct nsa_namespace *ns)
{
	char mode[16] = "", map[8] = "", uuid[NSA_UUID_LEN] = "";
	struct json_object *ib;

	TRY(get_object(rd, o, "a namespace"));
	TRY(get_str(rd, o, "dev", true, ns->dev, sizeof(ns->dev)));
	TRY(get_str(rd, o, "region", false, ns->region, sizeof(ns->region)));
	TRY(get_str(rd, o, "raw_uuid", false, ns->uuid, sizeof(ns->uuid)));
	TRY(get_str(rd, o, "uuid", false, uuid, sizeof(uuid)));
	if (uuid[0] && strcmp(uuid, ns->uuid) != 0)
		nsa_strlcpy(ns->holder_uuid, uuid, sizeof(ns->holder_uuid));
	TRY(get_str(rd, o, "name", false, ns->name, sizeof(ns->name)));
	TRY(get_str(rd, o, "mode", false, mode, sizeof(mode)));
	ns->mode = nsa_mode_from_name(mode);
	if (mode[0] && ns->mode == NSA_MODE_UNKNOWN && strcmp(mode, "unknown") != 0)
		return fail(rd, "mode", "'%s' is not raw, sector, fsdax or devdax", mode);
	TRY(get_str(rd, o, "holder_class", false, ns->holder_class, sizeof(ns->holder_class)));
	TRY(get_str(rd, o, "map", false, map, sizeof(map)));
	ns->map = strcmp(map, "mem") == 0   ? NSA_MAP_MEM
		  : strcmp(map, "dev") == 0 ? NSA_MAP_DEV
					    : NSA_MAP_NONE;
	TRY(get_u64(rd, o, "resource", false, &ns->spa_start));
	TRY(get_u64(rd, o, "size", true, &ns->size));
	TRY(get_bool(rd, o, "enabled", &ns->enabled));
	TRY(get_bool(rd, o, "force_raw", &ns->force_raw));
	TRY(get_int(rd, o, "numa_node", &ns->numa_node));
	TRY(get_int(rd, o, "target_node", &ns->target_node));
	TRY(get_str(rd, o, "holder", false, ns->holder, sizeof(ns->holder)));
	TRY(get_u64(rd, o, "align", false, &ns->align));
	if (ns->align && !nsa_is_pow2(ns->align))
		return fail(rd, "align", "not a power of two");
	TRY(get_u64(rd, o, "data_resource", false, &ns->data_start));
	TRY(get_u64(rd, o, "data_size", false, &ns->data_size));
	TRY(get_str(rd, o, "blockdev", false, ns->blockdev, sizeof(ns->blockdev)));
	TRY(get_str(rd, o, "chardev", false, ns->chardev, sizeof(ns->chardev)));
	TRY(get_int(rd, o, "probe_error", &ns->probe_error));
	if (ns->spa_start + ns->size < ns->spa_start)
		return fail(rd, "size", "resource + size overflows");
	if (ns->data_start && (ns->data_start < ns->spa_start ||
			       ns->data_start + ns->data_size > ns->spa_start + ns->size))
		return fail(rd, "data_resource", "data lies outside the namespace");
	TRY(member(rd, o, "infoblock", false, &ib));
	if (ib)
		TRY(read_infoblock(rd, ib, &ns->ib));
	return 0;
}

static int read_daxdev(struct reader *rd, struct json_object *o, struct nsa_daxdev *d)
{
	char mode[16] = "";

	TRY(get_object(rd, o, "a dax device"));
	TRY(get_str(rd, o, "dev", true, d->dev, sizeof(d->dev)));
	TRY(get_str(rd, o, "namespace", false, d->namespace_dev, sizeof(d->namespace_dev)));
	TRY(get_int(rd, o, "region_id", &d->region_id));
	TRY(get_u64(rd, o, "resource", false, &d->spa_start));
	TRY(get_u64(rd, o, "size", true, &d->size));
	TRY(get_u64(rd, o, "align", false, &d->align));
	TRY(get_str(rd, o, "mode", false, mode, sizeof(mode)));
	d->mode = strcmp(mode, "devdax") == 0	    ? NSA_DAX_DEVDAX
		  : strcmp(mode, "system-ram") == 0 ? NSA_DAX_SYSTEM_RAM
						    : NSA_DAX_UNKNOWN;
	TRY(get_int(rd, o, "target_node", &d->target_node));
	TRY(get_int(rd, o, "numa_node", &d->numa_node));
	TRY(get_int(rd, o, "online_memblocks", &d->online_blocks));
	TRY(get_int(rd, o, "total_memblocks", &d->total_blocks));
	TRY(get_bool(rd, o, "movable", &d->movable));
	TRY(get_bool(rd, o, "memmap_on_memory", &d->memmap_on_memory));
	return 0;
}

static int read_memory(struct reader *rd, struct json_object *o, struct nsa_snapshot *s)
{
	struct json_object *runs;
	uint64_t block_size = 0, total = 0, next = 0;
	size_t n;

	snprintf(rd->where, sizeof(rd->where), "memory");
	TRY(get_object(rd, o, "memory blocks"));
	TRY(get_u64(rd, o, "block_size", false, &block_size));
	if (block_size && !s->platform.block_size)
		s->platform.block_size = block_size;
	TRY(get_array(rd, o, "blocks", false, &runs));
	if (!runs)
		return 0;
	n = json_object_array_length(runs);

	/* count first, so a million blocks is one allocation */
	for (size_t i = 0; i < n; i++) {
		struct json_object *run = json_object_array_get_idx(runs, i);
		uint64_t first = 0, count = 0;

		at(rd, "memory.blocks", i);
		TRY(get_object(rd, run, "a run of memory blocks"));
		TRY(get_u64(rd, run, "first", true, &first));
		TRY(get_u64(rd, run, "count", true, &count));
		if (count == 0 || first + count < first)
			return fail(rd, "count", "%s", count ? "first + count overflows" : "zero");
		if (i > 0 && first < next)
			return fail(rd, "first", "block %" PRIu64 " is out of order or repeated",
				    first);
		next = first + count;
		total += count;
		if (total > (1ULL << 26))
			return fail(rd, "count", "more than %llu memory blocks", 1ULL << 26);
	}
	if (total) {
		s->blocks = calloc(total, sizeof(*s->blocks));
		if (!s->blocks)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *run = json_object_array_get_idx(runs, i);
		char state[24] = "", zones[64] = "";
		uint64_t first = 0, count = 0;
		int node = -1;
		bool removable = false;
		uint8_t st;

		at(rd, "memory.blocks", i);
		TRY(get_u64(rd, run, "first", true, &first));
		TRY(get_u64(rd, run, "count", true, &count));
		TRY(get_str(rd, run, "state", false, state, sizeof(state)));
		TRY(get_str(rd, run, "zones", false, zones, sizeof(zones)));
		TRY(get_int(rd, run, "node", &node));
		TRY(get_bool(rd, run, "removable", &removable));
		st = (uint8_t)nsa_block_state_from_name(state);
		if (state[0] && st == NSA_BLOCK_UNKNOWN && strcmp(state, "unknown") != 0)
			return fail(rd, "state", "'%s' is not online, offline or going-offline",
				    state);
		for (uint64_t k = 0; k < count; k++) {
			struct nsa_memblock *b = &s->blocks[s->n_blocks++];

			b->index = first + k;
			b->node = node;
			b->state = st;
			b->zones = nsa_zones_parse(zones);
			b->removable = removable;
		}
	}
	return 0;
}

int nsa_snapshot_from_json(struct json_object *root, struct nsa_snapshot **out, char *err,
			   size_t errlen)
{
	struct reader rd = { .err = err, .errlen = errlen };
	struct json_object *v, *arr;
	struct nsa_snapshot *s;
	int schema = 0, r;

	if (err && errlen)
		err[0] = '\0';
	if (!json_object_is_type(root, json_type_object))
		return fail(&rd, NULL, "not a JSON object");
	r = member(&rd, root, "schema", true, &v);
	if (r < 0)
		return r;
	r = get_int(&rd, root, "schema", &schema);
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
		return fail(&rd, "schema", "%d is not a snapshot schema", schema);

	s = nsa_snapshot_new();
	if (!s)
		return -ENOMEM;
	r = get_str(&rd, root, "source", false, s->source, sizeof(s->source));
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

		if (json_object_object_get_ex(root, "collected_at", &v) && v) {
			if (!json_object_is_type(v, json_type_int))
				r = fail(&rd, "collected_at", "expected a number");
			at_time = json_object_get_int64(v);
		}
		s->collected_at = at_time;
	}
	if (r == 0)
		r = get_str(&rd, root, "collector", false, s->collector, sizeof(s->collector));
	if (r == 0)
		r = member(&rd, root, "platform", true, &v);
	if (r == 0)
		r = read_platform(&rd, v, &s->platform);
	if (r == 0) {
		rd.where[0] = '\0';
		r = get_array(&rd, root, "iomem", false, &arr);
		if (r == 0 && arr)
			r = read_resources(&rd, s, arr, 0, -1, "iomem");
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = get_array(&rd, root, "regions", false, &arr);
		for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
			struct nsa_region *reg = nsa_snapshot_add_region(s);

			at(&rd, "regions", i);
			r = reg ? read_region(&rd, json_object_array_get_idx(arr, i), reg)
				: -ENOMEM;
		}
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = get_array(&rd, root, "namespaces", false, &arr);
		for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
			struct nsa_namespace *ns = nsa_snapshot_add_namespace(s);

			at(&rd, "namespaces", i);
			r = ns ? read_namespace(&rd, json_object_array_get_idx(arr, i), ns)
			       : -ENOMEM;
		}
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = get_array(&rd, root, "dax", false, &arr);
		for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
			struct nsa_daxdev *d = nsa_snapshot_add_daxdev(s);

			at(&rd, "dax", i);
			r = d ? read_daxdev(&rd, json_object_array_get_idx(arr, i), d) : -ENOMEM;
		}
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = member(&rd, root, "memory", false, &v);
		if (r == 0 && v)
			r = read_memory(&rd, v, s);
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = get_array(&rd, root, "notes", false, &arr);
		for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
			struct json_object *note = json_object_array_get_idx(arr, i);

			at(&rd, "notes", i);
			if (!json_object_is_type(note, json_type_string))
				r = fail(&rd, NULL, "expected a string");
			else
				r = nsa_snapshot_add_note(s, "%s", json_object_get_string(note));
		}
	}
	if (r == 0) {
		rd.where[0] = '\0';
		r = get_array(&rd, root, "kernel_log", false, &arr);
		for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
			struct json_object *line = json_object_array_get_idx(arr, i);

			at(&rd, "kernel_log", i);
			if (!json_object_is_type(line, json_type_string))
				r = fail(&rd, NULL, "expected a string");
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
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if ((uint64_t)st.st_size > MAX_SNAPSHOT_BYTES) {
		if (err && errlen)
			snprintf(err, errlen, "larger than 1 GiB");
		return -EFBIG;
	}
	r = nsa_read_file(path, &text, &len);
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
