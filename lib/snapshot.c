// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* Capacities live beside the public arrays, out of the public struct. */
struct snapshot_priv {
	struct nsa_snapshot pub;
	size_t cap_iomem, cap_regions, cap_namespaces, cap_daxdevs, cap_blocks, cap_notes,
		cap_kernel_log, cap_dimms, cap_mappings;
};

static struct snapshot_priv *priv(struct nsa_snapshot *s)
{
	return (struct snapshot_priv *)s;
}

struct nsa_snapshot *nsa_snapshot_new(void)
{
	struct snapshot_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pub.schema = NSA_SNAPSHOT_SCHEMA;
	p->pub.platform.memmap_on_memory = -1;
	return &p->pub;
}

void nsa_snapshot_free(struct nsa_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_iomem; i++)
		free(s->iomem[i].name);
	for (size_t i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	for (size_t i = 0; i < s->n_kernel_log; i++)
		free(s->kernel_log[i]);
	free(s->kernel_log);
	free(s->iomem);
	free(s->regions);
	free(s->namespaces);
	free(s->daxdevs);
	free(s->blocks);
	free(s->dimms);
	free(s->mappings);
	free(s->notes);
	free(priv(s));
}

#define PUSH(s, field, count, capfield) \
	nsa_array_push((void **)&(s)->field, &(s)->count, &priv(s)->capfield, sizeof(*(s)->field))

struct nsa_resource *nsa_snapshot_add_resource(struct nsa_snapshot *s)
{
	struct nsa_resource *r = PUSH(s, iomem, n_iomem, cap_iomem);

	if (r)
		r->parent = -1;
	return r;
}

struct nsa_region *nsa_snapshot_add_region(struct nsa_snapshot *s)
{
	struct nsa_region *r = PUSH(s, regions, n_regions, cap_regions);

	if (r) {
		r->id = -1;
		r->numa_node = -1;
		r->target_node = -1;
	}
	return r;
}

struct nsa_namespace *nsa_snapshot_add_namespace(struct nsa_snapshot *s)
{
	struct nsa_namespace *ns = PUSH(s, namespaces, n_namespaces, cap_namespaces);

	if (ns) {
		ns->region_index = -1;
		ns->numa_node = -1;
		ns->target_node = -1;
	}
	return ns;
}

struct nsa_daxdev *nsa_snapshot_add_daxdev(struct nsa_snapshot *s)
{
	struct nsa_daxdev *d = PUSH(s, daxdevs, n_daxdevs, cap_daxdevs);

	if (d) {
		d->region_id = -1;
		d->target_node = -1;
		d->numa_node = -1;
		d->online_blocks = -1;
		d->total_blocks = -1;
	}
	return d;
}

struct nsa_dimm *nsa_snapshot_add_dimm(struct nsa_snapshot *s)
{
	struct nsa_dimm *d = PUSH(s, dimms, n_dimms, cap_dimms);

	if (d) {
		d->handle = UINT32_MAX;
		d->phys_id = -1;
	}
	return d;
}

struct nsa_mapping *nsa_snapshot_add_mapping(struct nsa_snapshot *s)
{
	struct nsa_mapping *m = PUSH(s, mappings, n_mappings, cap_mappings);

	if (m)
		m->position = -1;
	return m;
}

struct nsa_memblock *nsa_snapshot_add_block(struct nsa_snapshot *s)
{
	struct nsa_memblock *b = PUSH(s, blocks, n_blocks, cap_blocks);

	if (b)
		b->node = -1;
	return b;
}

int nsa_snapshot_add_note(struct nsa_snapshot *s, const char *fmt, ...)
{
	char **slot;
	va_list ap;
	int r;

	slot = PUSH(s, notes, n_notes, cap_notes);
	if (!slot)
		return -ENOMEM;
	va_start(ap, fmt);
	r = vasprintf(slot, fmt, ap);
	va_end(ap);
	if (r < 0) {
		*slot = NULL;
		s->n_notes--;
		return -ENOMEM;
	}
	return 0;
}

int nsa_snapshot_add_kernel_line(struct nsa_snapshot *s, const char *line)
{
	char **slot = PUSH(s, kernel_log, n_kernel_log, cap_kernel_log);

	if (!slot)
		return -ENOMEM;
	*slot = strdup(line);
	if (!*slot) {
		s->n_kernel_log--;
		return -ENOMEM;
	}
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	const struct nsa_memblock *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

void nsa_snapshot_finish(struct nsa_snapshot *s)
{
	bool sorted = true;

	for (size_t i = 1; i < s->n_blocks && sorted; i++)
		sorted = s->blocks[i - 1].index < s->blocks[i].index;
	if (!sorted)
		qsort(s->blocks, s->n_blocks, sizeof(*s->blocks), cmp_block);

	for (size_t i = 0; i < s->n_namespaces; i++) {
		struct nsa_namespace *ns = &s->namespaces[i];

		ns->region_index = -1;
		for (size_t j = 0; j < s->n_regions; j++) {
			if (strcmp(ns->region, s->regions[j].dev) == 0) {
				ns->region_index = (int)j;
				break;
			}
		}
	}
}

const struct nsa_region *nsa_snapshot_find_region(const struct nsa_snapshot *s, const char *dev)
{
	for (size_t i = 0; i < s->n_regions; i++)
		if (strcmp(s->regions[i].dev, dev) == 0)
			return &s->regions[i];
	return NULL;
}

const struct nsa_region *nsa_snapshot_same_region(const struct nsa_snapshot *s,
						  const struct nsa_region *o)
{
	const struct nsa_region *found = NULL;
	int n = 0;

	for (size_t k = 0; k < s->n_regions; k++)
		if (strcmp(s->regions[k].dev, o->dev) == 0 && s->regions[k].size == o->size)
			return &s->regions[k];
	for (size_t k = 0; k < s->n_regions; k++)
		if (s->regions[k].size == o->size &&
		    strcmp(s->regions[k].provider, o->provider) == 0) {
			found = &s->regions[k];
			n++;
		}
	return n == 1 ? found : NULL;
}

const struct nsa_namespace *nsa_snapshot_find_namespace(const struct nsa_snapshot *s,
							const char *key)
{
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct nsa_namespace *ns = &s->namespaces[i];

		if (strcmp(ns->dev, key) == 0 || (ns->uuid[0] && strcasecmp(ns->uuid, key) == 0) ||
		    (ns->holder_uuid[0] && strcasecmp(ns->holder_uuid, key) == 0))
			return ns;
	}
	return NULL;
}

bool nsa_snapshot_has_pmem(const struct nsa_snapshot *s)
{
	if (s->n_regions || s->n_namespaces)
		return true;
	for (size_t i = 0; i < s->n_iomem; i++)
		if (s->iomem[i].type == NSA_RES_PMEM || s->iomem[i].type == NSA_RES_PMEM_LEGACY)
			return true;
	return false;
}

/* The first block whose index is >= index (s->blocks sorted by index). */
size_t nsa_snapshot_block_from(const struct nsa_snapshot *s, uint64_t index)
{
	size_t lo = 0, hi = s->n_blocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->blocks[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ssize_t nsa_snapshot_block_at(const struct nsa_snapshot *s, uint64_t addr)
{
	uint64_t bs = s->platform.block_size;
	size_t i;

	if (!bs)
		return -1;
	i = nsa_snapshot_block_from(s, addr / bs);
	if (i < s->n_blocks && s->blocks[i].index == addr / bs)
		return (ssize_t)i;
	return -1;
}

/* ------------------------------------------------------------ names */

static const char *const mode_names[] = {
	[NSA_MODE_UNKNOWN] = "unknown", [NSA_MODE_RAW] = "raw",	      [NSA_MODE_SECTOR] = "sector",
	[NSA_MODE_FSDAX] = "fsdax",	[NSA_MODE_DEVDAX] = "devdax",
};

const char *nsa_mode_name(enum nsa_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "unknown";
}

enum nsa_mode nsa_mode_from_name(const char *s)
{
	if (!s)
		return NSA_MODE_UNKNOWN;
	for (unsigned i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (strcmp(s, mode_names[i]) == 0)
			return (enum nsa_mode)i;
	/* the kernel's and old ndctl's names */
	if (strcmp(s, "safe") == 0)
		return NSA_MODE_SECTOR;
	if (strcmp(s, "memory") == 0 || strcmp(s, "fsdax") == 0)
		return NSA_MODE_FSDAX;
	if (strcmp(s, "dax") == 0)
		return NSA_MODE_DEVDAX;
	return NSA_MODE_UNKNOWN;
}

const char *nsa_map_name(enum nsa_map m)
{
	switch (m) {
	case NSA_MAP_MEM:
		return "mem";
	case NSA_MAP_DEV:
		return "dev";
	default:
		return NULL;
	}
}

static const struct {
	enum nsa_res_type type;
	const char *json;
	const char *iomem;
} res_types[] = {
	{ NSA_RES_SYSTEM_RAM, "system_ram", "System RAM" },
	{ NSA_RES_KMEM, "kmem", "System RAM (kmem)" },
	{ NSA_RES_PMEM, "pmem", "Persistent Memory" },
	{ NSA_RES_PMEM_LEGACY, "pmem_legacy", "Persistent Memory (legacy)" },
	{ NSA_RES_NAMESPACE, "namespace", NULL },
	{ NSA_RES_DAX, "dax", NULL },
	{ NSA_RES_RESERVED, "reserved", "Reserved" },
	{ NSA_RES_SOFT_RESERVED, "soft_reserved", "Soft Reserved" },
	{ NSA_RES_OTHER, "other", NULL },
};

const char *nsa_res_type_name(enum nsa_res_type t)
{
	for (size_t i = 0; i < ARRAY_SIZE(res_types); i++)
		if (res_types[i].type == t)
			return res_types[i].json;
	return "other";
}

static bool is_dev_name(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = name + n;
	bool dot = false;

	if (strncmp(name, prefix, n) != 0 || !*p)
		return false;
	for (; *p; p++) {
		if (*p == '.' && !dot && p[1])
			dot = true;
		else if (*p < '0' || *p > '9')
			return false;
	}
	return dot;
}

enum nsa_res_type nsa_res_type_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(res_types); i++)
		if (res_types[i].iomem && strcmp(name, res_types[i].iomem) == 0)
			return res_types[i].type;
	if (strcasecmp(name, "reserved") == 0)
		return NSA_RES_RESERVED;
	if (is_dev_name(name, "namespace"))
		return NSA_RES_NAMESPACE;
	if (is_dev_name(name, "dax"))
		return NSA_RES_DAX;
	return NSA_RES_OTHER;
}

static const char *const state_names[] = {
	[NSA_BLOCK_UNKNOWN] = "unknown",
	[NSA_BLOCK_ONLINE] = "online",
	[NSA_BLOCK_OFFLINE] = "offline",
	[NSA_BLOCK_GOING_OFFLINE] = "going-offline",
};

const char *nsa_block_state_name(enum nsa_block_state st)
{
	return (unsigned)st < ARRAY_SIZE(state_names) ? state_names[st] : "unknown";
}

enum nsa_block_state nsa_block_state_from_name(const char *s)
{
	for (unsigned i = 0; i < ARRAY_SIZE(state_names); i++)
		if (s && strcmp(s, state_names[i]) == 0)
			return (enum nsa_block_state)i;
	return NSA_BLOCK_UNKNOWN;
}

static const struct {
	uint8_t bit;
	const char *name;
} zone_names[] = {
	{ NSA_ZONE_DMA, "DMA" },       { NSA_ZONE_DMA32, "DMA32" },
	{ NSA_ZONE_NORMAL, "Normal" }, { NSA_ZONE_MOVABLE, "Movable" },
	{ NSA_ZONE_DEVICE, "Device" }, { NSA_ZONE_NONE, "none" },
};

uint8_t nsa_zones_parse(const char *s)
{
	uint8_t bits = 0;

	while (s && *s) {
		size_t n = strcspn(s, " \t\n");

		for (size_t i = 0; i < ARRAY_SIZE(zone_names); i++)
			if (strlen(zone_names[i].name) == n &&
			    strncmp(s, zone_names[i].name, n) == 0)
				bits |= zone_names[i].bit;
		s += n;
		s += strspn(s, " \t\n");
	}
	return bits;
}

const char *nsa_zones_str(uint8_t zones, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(zone_names); i++) {
		if (!(zones & zone_names[i].bit))
			continue;
		int r = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
				 zone_names[i].name);
		if (r < 0 || (size_t)r >= len - used)
			break;
		used += (size_t)r;
	}
	return buf;
}

const char *nsa_dax_mode_name(enum nsa_dax_mode m)
{
	switch (m) {
	case NSA_DAX_DEVDAX:
		return "devdax";
	case NSA_DAX_SYSTEM_RAM:
		return "system-ram";
	default:
		return "unknown";
	}
}
