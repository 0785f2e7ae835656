// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Who occupies physical memory, from /proc/iomem: System RAM, PMEM ranges,
 * namespaces and firmware ranges as sorted range sets, the neighbours a
 * namespace shares its edge sections and memory blocks with, and the
 * owners of a memory block.  Pure: reads the snapshot only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

#define MAX_NEIGHBOURS 8

static int cmp_occupant(const void *a, const void *b)
{
	const struct occupant *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static int range_add(struct range_set *set, uint64_t start, uint64_t end, const char *name,
		     enum nsa_res_type type, int ns_index, int region_index)
{
	struct occupant *o = nsa_array_push((void **)&set->v, &set->n, &set->cap, sizeof(*o));

	if (!o)
		return -ENOMEM;
	*o = (struct occupant){ start, end, name, type, ns_index, region_index };
	return 0;
}

/* First occupant whose end is >= addr (ends are sorted when ranges do not overlap). */
static size_t range_first(const struct range_set *set, uint64_t addr)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->v[mid].end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_boot_ram(const struct nsa_snapshot *s, size_t i)
{
	if (s->iomem[i].type != NSA_RES_SYSTEM_RAM)
		return false;
	/* System RAM inside PMEM or a dax device is kmem: PMEM's own, not a neighbour */
	for (int p = s->iomem[i].parent; p >= 0; p = s->iomem[p].parent) {
		enum nsa_res_type t = s->iomem[p].type;

		if (t == NSA_RES_PMEM || t == NSA_RES_PMEM_LEGACY || t == NSA_RES_DAX ||
		    t == NSA_RES_NAMESPACE || t == NSA_RES_SOFT_RESERVED)
			return false;
	}
	return true;
}

void nsa_occupancy_free(struct occupancy *o)
{
	free(o->ram.v);
	free(o->pmem.v);
	free(o->ns.v);
	free(o->reserved.v);
}

int nsa_occupancy_build(const struct nsa_snapshot *s, struct occupancy *o)
{
	int r = 0;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < s->n_iomem && r == 0; i++) {
		const struct nsa_resource *res = &s->iomem[i];

		if (is_boot_ram(s, i))
			r = range_add(&o->ram, res->start, res->end, res->name, res->type, -1, -1);
		else if (res->type == NSA_RES_PMEM || res->type == NSA_RES_PMEM_LEGACY)
			r = range_add(&o->pmem, res->start, res->end, res->name, res->type, -1, -1);
		else if (res->type == NSA_RES_RESERVED && res->depth == 0)
			r = range_add(&o->reserved, res->start, res->end, res->name, res->type, -1,
				      -1);
	}
	for (size_t i = 0; i < s->n_namespaces && r == 0; i++) {
		const struct nsa_namespace *ns = &s->namespaces[i];

		if (ns->size && ns->spa_start)
			r = range_add(&o->ns, ns->spa_start, ns->spa_start + ns->size - 1, ns->dev,
				      NSA_RES_NAMESPACE, (int)i, ns->region_index);
	}
	for (struct range_set *set = &o->ram; set <= &o->reserved; set++)
		if (set->n) /* qsort(NULL, 0, ...) is undefined */
			qsort(set->v, set->n, sizeof(*set->v), cmp_occupant);
	return r;
}

/* ------------------------------------------------------------ neighbours */

static int add_neighbour(struct nsa_ns_verdict *v, const struct occupant *o, uint64_t section,
			 bool shares_block)
{
	struct nsa_neighbour *n;

	for (size_t i = 0; i < v->n_neighbours; i++)
		if (v->neighbours[i].start == o->start && v->neighbours[i].type == o->type) {
			v->neighbours[i].shares_block |= shares_block;
			return 0;
		}
	if (v->n_neighbours >= MAX_NEIGHBOURS)
		return 0;
	n = reallocarray(v->neighbours, v->n_neighbours + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	v->neighbours = n;
	n[v->n_neighbours++] =
		(struct nsa_neighbour){ o->type, o->name, o->start, o->end, section, shares_block };
	return 0;
}

/*
 * Who else lives in one edge section of the namespace [start, end]: the
 * sections in between are the namespace's alone.
 */
int nsa_occupancy_scan_section(const struct occupancy *occ, const struct nsa_snapshot *s,
			       const struct nsa_platform *p, size_t ns_index, uint64_t section,
			       struct nsa_ns_verdict *v, struct shared *sh, bool *shared)
{
	const struct nsa_namespace *ns = &s->namespaces[ns_index];
	uint64_t S = p->section_size, B = p->block_size;
	uint64_t ws = section * S, we = ws + S - 1;
	uint64_t ns_end = ns->spa_start + ns->size - 1;
	uint64_t bfirst = ns->spa_start / B * B, blast = ns_end / B * B + B - 1;
	const struct range_set *sets[] = { &occ->ram, &occ->pmem, &occ->ns, &occ->reserved };
	int r;

	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		const struct range_set *set = sets[k];

		for (size_t i = range_first(set, ws); i < set->n && set->v[i].start <= we; i++) {
			const struct occupant *o = &set->v[i];
			bool in_block;

			if (o->ns_index == (int)ns_index)
				continue;
			/* the namespace's own PMEM range is its parent, not a neighbour */
			if (set == &occ->pmem && o->start <= ns->spa_start && o->end >= ns_end)
				continue;
			in_block = o->start <= blast && o->end >= bfirst;
			r = add_neighbour(v, o, section, in_block);
			if (r < 0)
				return r;
			*shared = true;
			if (set == &occ->ram && !sh->ram) {
				sh->ram = o;
				sh->ram_section = section;
			} else if (set == &occ->pmem && !sh->pmem) {
				sh->pmem = o;
				sh->pmem_section = section;
			} else if (set == &occ->ns && !sh->ns) {
				if (o->region_index == ns->region_index) {
					sh->ns = o;
					sh->ns_section = section;
				}
			}
		}
	}
	return 0;
}

/* The edge sections that hold a neighbour (the others are the namespace's alone). */
int nsa_occupancy_shared_sections(const struct nsa_ns_verdict *v, uint64_t S)
{
	int n = 0;

	for (int e = 0; e < (v->first_section == v->last_section ? 1 : 2); e++) {
		uint64_t sec = e ? v->last_section : v->first_section;
		bool any = false;

		for (size_t k = 0; k < v->n_neighbours && !any; k++)
			any = v->neighbours[k].start <= sec * S + S - 1 &&
			      v->neighbours[k].end >= sec * S;
		n += any;
	}
	return n;
}

int nsa_occupancy_shared_blocks(const struct nsa_namespace *ns, uint64_t B,
				const struct nsa_ns_verdict *v)
{
	uint64_t edges[2] = { v->first_block, v->last_block };
	int n = 0;

	for (int e = 0; e < (v->first_block == v->last_block ? 1 : 2); e++) {
		uint64_t bs = edges[e] * B, be = bs + B - 1;
		bool shared = false;

		/* a block the namespace does not fill is shared with whoever fills the rest */
		if (ns->spa_start <= bs && ns->spa_start + ns->size - 1 >= be)
			continue;
		for (size_t i = 0; i < v->n_neighbours && !shared; i++)
			shared = v->neighbours[i].start <= be && v->neighbours[i].end >= bs;
		n += shared;
	}
	return n;
}

/* ------------------------------------------------------------ block owners */

static int add_occupant(struct nsa_block_occupant *out, int n, int max, const char *name,
			enum nsa_occ_kind kind)
{
	for (int i = 0; i < n; i++)
		if (strcmp(out[i].name, name) == 0)
			return n;
	if (n < max)
		out[n++] = (struct nsa_block_occupant){ name, kind };
	return n;
}

/* Bytes of [lo, hi] covered by the kmem ("System RAM (kmem)") below resource i. */
static uint64_t kmem_cover(const struct nsa_snapshot *s, size_t i, uint64_t lo, uint64_t hi,
			   struct nsa_block_occupant *out, int *n, int max)
{
	uint64_t covered = 0;

	for (size_t k = i + 1; k < s->n_iomem && s->iomem[k].depth > s->iomem[i].depth; k++) {
		const struct nsa_resource *r = &s->iomem[k];
		uint64_t a, b;

		if (r->type != NSA_RES_KMEM || r->end < lo || r->start > hi)
			continue;
		a = r->start > lo ? r->start : lo;
		b = r->end < hi ? r->end : hi;
		covered += b - a + 1;
		*n = add_occupant(out, *n, max, r->parent >= 0 ? s->iomem[r->parent].name : r->name,
				  NSA_OCC_KMEM);
	}
	return covered;
}

/* /proc/iomem's top level in address order, no two overlapping, as the kernel lists it. */
bool nsa_iomem_top_sorted(const struct nsa_snapshot *s)
{
	const struct nsa_resource *prev = NULL;

	for (size_t i = 0; i < s->n_iomem; i++) {
		if (s->iomem[i].depth != 0)
			continue;
		if (prev && s->iomem[i].start <= prev->end)
			return false;
		prev = &s->iomem[i];
	}
	return true;
}

int nsa_block_occupants_from(const struct nsa_snapshot *s, uint64_t B, uint64_t index, size_t *from,
			     struct nsa_block_occupant *out, int max)
{
	uint64_t lo = index * B, hi = lo + B - 1;
	int n = 0;

	/*
	 * With a cursor (blocks asked in ascending order, the top level
	 * sorted), the resources that end before this block are skipped for
	 * good and the walk stops at the first that starts after it: a pass
	 * over all blocks is linear in blocks + resources.
	 */
	for (size_t i = from ? *from : 0; i < s->n_iomem; i++) {
		const struct nsa_resource *r = &s->iomem[i];
		uint64_t a, b;

		if (r->depth != 0)
			continue;
		if (from && r->end < lo)
			*from = i + 1;
		if (from && r->start > hi)
			break;
		if (r->end < lo || r->start > hi)
			continue;
		a = r->start > lo ? r->start : lo;
		b = r->end < hi ? r->end : hi;
		switch (r->type) {
		case NSA_RES_SYSTEM_RAM:
			n = add_occupant(out, n, max, "System RAM", NSA_OCC_RAM);
			break;
		case NSA_RES_PMEM:
		case NSA_RES_PMEM_LEGACY:
		case NSA_RES_SOFT_RESERVED:
			/* kmem inside it belongs to its dax device; the rest to the PMEM */
			if (kmem_cover(s, i, a, b, out, &n, max) < b - a + 1)
				n = add_occupant(out, n, max, r->name, NSA_OCC_PMEM);
			break;
		case NSA_RES_RESERVED:
		case NSA_RES_OTHER:
			/* firmware and device windows: not memory anyone onlines */
			n = add_occupant(out, n, max, r->name, NSA_OCC_FIRMWARE);
			break;
		default:
			break;
		}
	}
	return n;
}

int nsa_block_occupants(const struct nsa_snapshot *s, uint64_t B, uint64_t index,
			struct nsa_block_occupant *out, int max)
{
	return nsa_block_occupants_from(s, B, index, NULL, out, max);
}

int nsa_block_owners(const struct nsa_snapshot *s, uint64_t index, const char **owners, int max)
{
	struct nsa_block_occupant o[8];
	struct nsa_platform p;
	int n;

	nsa_effective_platform(s, &p);
	if (!p.block_size)
		return -EINVAL;
	n = nsa_block_occupants(s, p.block_size, index, o, max < 8 ? max : 8);
	for (int i = 0; i < n; i++)
		owners[i] = o[i].name;
	return n;
}
