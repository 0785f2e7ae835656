// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One way to print each object as JSON, shared by every command of nsalign
 * and by nsalignd, with the keys `ndctl list` uses where the meaning is the
 * same.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "json.h"

struct json_object *json_size(uint64_t v, unsigned flags)
{
	return nsa_json_size(v, flags & JSON_HUMAN);
}

struct json_object *json_addr(uint64_t v, unsigned flags)
{
	if (flags & JSON_NO_ADDRESSES)
		return NULL;
	return nsa_json_addr(v, flags & JSON_HUMAN);
}

struct json_object *json_time(int64_t t)
{
	time_t tt = (time_t)t;
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	return json_object_new_string(buf);
}

struct json_object *json_document(struct json_object *obj)
{
	struct json_object *doc;

	if (!json_object_is_type(obj, json_type_object) ||
	    json_object_object_get_ex(obj, "schema", NULL))
		return json_object_get(obj);
	doc = json_object_new_object();
	if (!doc)
		return NULL;
	json_object_object_add(doc, "schema", json_object_new_int(JSON_SCHEMA));
	json_object_object_foreach (obj, key, v)
		json_object_object_add(doc, key, json_object_get(v));
	return doc;
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	if (v && *v)
		add(o, key, json_object_new_string(v));
}

static void add_node(struct json_object *o, const char *key, int node)
{
	if (node >= 0)
		add(o, key, json_object_new_int(node));
}

struct json_object *json_platform(const struct nsa_platform *p, uint64_t granularity,
				  unsigned flags)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "arch", p->arch);
	add_str(o, "kernel_release", p->kernel_release);
	add(o, "page_size", json_size(p->page_size, flags));
	add(o, "subsection_size", json_size(p->subsection_size, flags));
	add(o, "section_size", json_size(p->section_size, flags));
	add(o, "block_size", json_size(p->block_size, flags));
	add(o, "memremap_compat_align", json_size(p->memremap_compat_align, flags));
	add(o, "platform_granularity", json_size(granularity, flags));
	add(o, "subsection_hotplug", json_object_new_boolean(p->subsection_hotplug));
	if (p->memmap_on_memory >= 0)
		add(o, "memmap_on_memory", json_object_new_boolean(p->memmap_on_memory));
	add_str(o, "auto_online_blocks", p->auto_online_blocks);
	return o;
}

struct json_object *json_region(const struct nsa_region *r, unsigned flags)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "dev", r->dev);
	add(o, "size", json_size(r->size, flags));
	if (r->align)
		add(o, "align", json_size(r->align, flags));
	add(o, "available_size", json_size(r->available_size, flags));
	/* ndctl's keys known from snapshot schema 3 on (persistence_domain says so) */
	if (r->persistence_domain[0])
		add(o, "max_available_extent", json_size(r->max_available_extent, flags));
	add_str(o, "type", r->type);
	add_node(o, "numa_node", r->numa_node);
	add_node(o, "target_node", r->target_node);
	if (r->iset_id)
		add(o, "iset_id", nsa_json_addr(r->iset_id, flags & JSON_HUMAN));
	/* ndctl's "mappings" is the array of DIMM mappings (list adds it); this is their number */
	add(o, "mapping_count", json_object_new_int(r->mappings));
	add(o, "resource", json_addr(r->spa_start, flags));
	add_str(o, "provider", r->provider);
	add_str(o, "bus", r->bus);
	if (r->legacy)
		add(o, "legacy", json_object_new_boolean(true));
	if (!r->enabled)
		add(o, "state", json_object_new_string("disabled"));
	if (r->read_only)
		add(o, "read_only", json_object_new_boolean(true));
	if (r->badblock_count)
		add(o, "badblock_count", json_object_new_uint64(r->badblock_count));
	add_str(o, "persistence_domain", r->persistence_domain);
	return o;
}

struct json_object *json_daxdev(const struct nsa_daxdev *d, unsigned flags)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "chardev", d->dev);
	add(o, "size", json_size(d->size, flags));
	add(o, "resource", json_addr(d->spa_start, flags));
	add_node(o, "target_node", d->target_node);
	if (d->align)
		add(o, "align", json_size(d->align, flags));
	add(o, "mode", json_object_new_string(nsa_dax_mode_name(d->mode)));
	if (d->mode == NSA_DAX_SYSTEM_RAM) {
		if (d->online_blocks >= 0)
			add(o, "online_memblocks", json_object_new_int(d->online_blocks));
		if (d->total_blocks >= 0)
			add(o, "total_memblocks", json_object_new_int(d->total_blocks));
		add(o, "movable", json_object_new_boolean(d->movable));
	}
	return o;
}

static struct json_object *json_neighbours(const struct nsa_ns_verdict *v, unsigned flags)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < v->n_neighbours; i++) {
		const struct nsa_neighbour *n = &v->neighbours[i];
		struct json_object *o = json_object_new_object();

		add(o, "type", json_object_new_string(nsa_res_type_name(n->type)));
		add_str(o, "name", n->name);
		add(o, "start", json_addr(n->start, flags));
		add(o, "end", json_addr(n->end, flags));
		add(o, "section", json_object_new_uint64(n->section));
		add(o, "shares_block", json_object_new_boolean(n->shares_block));
		json_object_array_add(arr, o);
	}
	return arr;
}

static const struct nsa_daxdev *find_daxdev(const struct nsa_snapshot *s,
					    const struct nsa_namespace *ns)
{
	for (size_t i = 0; i < s->n_daxdevs; i++)
		if (ns->dev[0] && strcmp(s->daxdevs[i].namespace_dev, ns->dev) == 0)
			return &s->daxdevs[i];
	return NULL;
}

/* ndctl list's "size": the pfn/dax/btt device's, the namespace's when raw; 0 unknown */
static uint64_t ns_usable_size(const struct nsa_namespace *ns)
{
	if (ns->usable_size)
		return ns->usable_size;
	/* a snapshot before schema 3: what it says of the holder */
	if (ns->mode == NSA_MODE_RAW)
		return ns->size;
	if (ns->mode == NSA_MODE_FSDAX || ns->mode == NSA_MODE_DEVDAX)
		return ns->data_size;
	return 0;
}

struct json_object *json_namespace(const struct nsa_snapshot *s, const struct nsa_analysis *a,
				   size_t index, unsigned flags)
{
	const struct nsa_namespace *ns = &s->namespaces[index];
	const struct nsa_ns_verdict *v = a && index < a->n_verdicts ? &a->verdicts[index] : NULL;
	const struct nsa_daxdev *dax = find_daxdev(s, ns);
	struct json_object *o = json_object_new_object();
	bool hidden;

	if (!s->platform.iomem_visible)
		flags |= JSON_NO_ADDRESSES;
	hidden = flags & JSON_NO_ADDRESSES;

	add_str(o, "dev", ns->dev);
	add_str(o, "region", ns->region);
	add(o, "mode", json_object_new_string(nsa_mode_name(ns->mode)));
	if (nsa_map_name(ns->map))
		add(o, "map", json_object_new_string(nsa_map_name(ns->map)));
	/* in every document: ndctl's size (usable, null unknown), the namespace's raw_size */
	add(o, "size", ns_usable_size(ns) ? json_size(ns_usable_size(ns), flags) : NULL);
	add(o, "raw_size", json_size(ns->size, flags));
	/* ndctl: "uuid" is the info-block (fsdax, devdax) or BTT (sector) uuid, else the label's */
	add_str(o, "uuid", ns->holder_uuid[0] ? ns->holder_uuid : ns->uuid);
	add_str(o, "raw_uuid", ns->uuid);
	add_str(o, "name", ns->name);
	if (ns->sector_size)
		add(o, "sector_size", json_object_new_int((int)ns->sector_size));
	if (ns->align)
		add(o, "align", json_size(ns->align, flags));
	add_str(o, "blockdev", ns->blockdev);
	add_str(o, "chardev", ns->chardev);
	if (!ns->enabled)
		add(o, "state", json_object_new_string("disabled"));
	add_node(o, "numa_node", ns->numa_node);
	add_node(o, "target_node", ns->target_node);
	/* what ndctl list does not show */
	add(o, "resource", json_addr(ns->spa_start, flags));
	if (ns->data_start || (hidden && ns->data_size)) {
		add(o, "data_resource", json_addr(ns->data_start, flags));
		add(o, "data_size", json_size(ns->data_size, flags));
	}
	add_str(o, "holder", ns->holder);
	add_str(o, "holder_class", ns->holder_class);
	if (ns->force_raw)
		add(o, "force_raw", json_object_new_boolean(true));
	if (ns->ib.valid) {
		struct json_object *ib = json_object_new_object();

		add_str(ib, "signature", ns->ib.signature);
		add(ib, "dataoff", json_size(ns->ib.dataoff, flags));
		add(ib, "start_pad", json_size(ns->ib.start_pad, flags));
		add(ib, "end_trunc", json_size(ns->ib.end_trunc, flags));
		add(ib, "align", json_size(ns->ib.align, flags));
		add(o, "infoblock", ib);
	}
	if (v && hidden) {
		/* what the addresses decide is not known: null, never 0 or false */
		add(o, "available", json_object_new_boolean(v->available));
		add_str(o, "refusal", v->refusal);
		add(o, "alignment", NULL);
		add(o, "survives_granularity", NULL);
		add(o, "sections", NULL);
		add(o, "memory_blocks", NULL);
		if (ns->mode == NSA_MODE_DEVDAX || dax)
			add(o, "kmem", NULL);
	} else if (v) {
		struct json_object *al = json_object_new_object();
		struct json_object *sec = json_object_new_object();
		struct json_object *blk = json_object_new_object();

		add(o, "available", json_object_new_boolean(v->available));
		add_str(o, "refusal", v->refusal);
		add(al, "start", json_size(v->start_align, flags));
		if (ns->data_start)
			add(al, "data", json_size(v->data_align, flags));
		add(al, "end", json_size(v->end_align, flags));
		if (v->required_align)
			add(al, "required", json_size(v->required_align, flags));
		add(o, "alignment", al);
		if (v->break_shift)
			add(o, "break_shift", json_size(v->break_shift, flags));
		add(o, "survives_granularity", json_object_new_boolean(v->survives_granularity));
		add(sec, "first", json_object_new_uint64(v->first_section));
		add(sec, "last", json_object_new_uint64(v->last_section));
		add(sec, "shared", json_object_new_int(v->shared_sections));
		add(o, "sections", sec);
		add(blk, "first", json_object_new_uint64(v->first_block));
		add(blk, "last", json_object_new_uint64(v->last_block));
		add(blk, "shared", json_object_new_int(v->shared_blocks));
		add(o, "memory_blocks", blk);
		if (v->n_neighbours)
			add(o, "neighbours", json_neighbours(v, flags));
		if (ns->mode == NSA_MODE_DEVDAX || dax) {
			struct json_object *k = json_object_new_object();

			add(k, "usable", json_size(v->kmem_usable, flags));
			add(k, "lost", json_size(v->kmem_lost, flags));
			add(k, "blocks", json_object_new_uint64(v->kmem_blocks));
			add(k, "memmap",
			    json_object_new_string(v->kmem_memmap_on_memory ? "device" : "ram"));
			add(k, "memmap_bytes", json_size(v->kmem_memmap_bytes, flags));
			add(k, "system_ram", json_size(v->kmem_system_ram, flags));
			add(o, "kmem", k);
		}
	}
	if (dax)
		add(o, "daxdev", json_daxdev(dax, flags));
	return o;
}

struct json_object *json_findings(const struct nsa_analysis *a, unsigned flags)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < a->n_findings; i++)
		json_object_array_add(arr,
				      nsa_finding_to_json(&a->findings[i], flags & JSON_HUMAN));
	return arr;
}

const char *json_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
}
