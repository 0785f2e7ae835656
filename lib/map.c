// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The physical address space as rows: one per section (or memory block),
 * each split into the parts its owners hold (the innermost owner of each
 * byte: kmem over namespace over PMEM over RAM over firmware), marked with
 * the analysis' findings where they point.  Units nothing changes in
 * between come as one row.  Pure: reads the snapshot and the analysis.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "kernel.h"

/* Something that owns an address range, and how much it wins over the others. */
struct owner {
	uint64_t start, end; /* inclusive */
	int prio;
	enum nsa_owner_kind kind;
	const char *name, *detail;
};

/* A finding's address range. */
struct mark_range {
	uint64_t start, end;
	struct nsa_pmap_mark m;
};

struct build {
	const struct nsa_snapshot *s;
	const struct nsa_analysis *a;
	struct nsa_platform p;
	struct nsa_pmap *map;
	struct owner *own;
	size_t n_own, cap_own;
	struct mark_range *marks;
	size_t n_marks, cap_marks;
	uint64_t *ev; /* addresses where something starts or ends, sorted */
	size_t n_ev, cap_ev;
	size_t cap_rows, cap_elsewhere;
};

static int add_owner(struct build *b, uint64_t start, uint64_t end, int prio,
		     enum nsa_owner_kind kind, const char *name, const char *detail)
{
	struct owner *o = nsa_array_push((void **)&b->own, &b->n_own, &b->cap_own, sizeof(*o));

	if (!o)
		return -ENOMEM;
	*o = (struct owner){ start, end, prio, kind, name, detail };
	return 0;
}

static int add_mark(struct build *b, uint64_t start, uint64_t end, const char *code,
		    const char *dev)
{
	struct mark_range *m =
		nsa_array_push((void **)&b->marks, &b->n_marks, &b->cap_marks, sizeof(*m));

	if (!m)
		return -ENOMEM;
	*m = (struct mark_range){ start, end, { code, dev } };
	return 0;
}

static int add_event(struct build *b, uint64_t addr)
{
	uint64_t *e = nsa_array_push((void **)&b->ev, &b->n_ev, &b->cap_ev, sizeof(*e));

	if (!e)
		return -ENOMEM;
	*e = addr;
	return 0;
}

/* The region whose range holds [start, end], by name; NULL when none does. */
static const char *region_of(const struct nsa_snapshot *s, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < s->n_regions; i++) {
		const struct nsa_region *r = &s->regions[i];

		if (r->spa_start && r->size && r->spa_start <= start &&
		    r->spa_start + r->size - 1 >= end)
			return r->dev;
	}
	return NULL;
}

/* Who owns what: /proc/iomem's top level, its kmem, and the snapshot's namespaces. */
static int collect_owners(struct build *b)
{
	const struct nsa_snapshot *s = b->s;
	int r = 0;

	for (size_t i = 0; i < s->n_iomem && r == 0; i++) {
		const struct nsa_resource *res = &s->iomem[i];
		const char *region;

		if (res->type == NSA_RES_KMEM) {
			/* under its dax device: named by it */
			const char *dax = res->parent >= 0 ? s->iomem[res->parent].name : res->name;

			r = add_owner(b, res->start, res->end, 5, NSA_OWNER_KMEM, dax, "kmem");
			continue;
		}
		if (res->depth != 0)
			continue;
		switch (res->type) {
		case NSA_RES_SYSTEM_RAM:
			r = add_owner(b, res->start, res->end, 2, NSA_OWNER_RAM, "System RAM",
				      NULL);
			break;
		case NSA_RES_PMEM:
		case NSA_RES_PMEM_LEGACY:
		case NSA_RES_SOFT_RESERVED:
			region = region_of(s, res->start, res->end);
			r = add_owner(b, res->start, res->end, 3, NSA_OWNER_PMEM,
				      region ? region : res->name, region ? "PMEM" : NULL);
			break;
		case NSA_RES_RESERVED:
			r = add_owner(b, res->start, res->end, 1, NSA_OWNER_RESERVED, res->name,
				      NULL);
			break;
		default:
			r = add_owner(b, res->start, res->end, 1, NSA_OWNER_DEVICE, res->name,
				      NULL);
			break;
		}
	}
	for (size_t i = 0; i < s->n_namespaces && r == 0; i++) {
		const struct nsa_namespace *ns = &s->namespaces[i];

		if (ns->spa_start && ns->size)
			r = add_owner(b, ns->spa_start, ns->spa_start + ns->size - 1, 4,
				      NSA_OWNER_NAMESPACE, ns->dev,
				      ns->enabled ? nsa_mode_name(ns->mode) : "disabled");
	}
	return r;
}

/* ------------------------------------------------------------ findings */

static const struct nsa_fact *fact(const struct nsa_finding *f, const char *key)
{
	for (int i = 0; i < f->n_facts; i++)
		if (strcmp(f->facts[i].key, key) == 0)
			return &f->facts[i];
	return NULL;
}

static bool neighbour_type_is(enum nsa_res_type t, const char *code)
{
	if (strcmp(code, "NSA-NS-SHARES-SECTION-RAM") == 0)
		return t == NSA_RES_SYSTEM_RAM;
	if (strcmp(code, "NSA-NS-SHARES-SECTION-PMEM") == 0)
		return t == NSA_RES_PMEM || t == NSA_RES_PMEM_LEGACY || t == NSA_RES_SOFT_RESERVED;
	return t == NSA_RES_NAMESPACE;
}

/* A shared section: the namespace's edge sections where the analysis found that neighbour. */
static int mark_shared(struct build *b, const struct nsa_finding *f, size_t ns)
{
	const struct nsa_ns_verdict *v = &b->a->verdicts[ns];
	uint64_t S = b->p.section_size;

	for (int e = 0; e < (v->first_section == v->last_section ? 1 : 2); e++) {
		uint64_t sec = e ? v->last_section : v->first_section;
		uint64_t lo = sec * S, hi = lo + S - 1;
		bool found = false;

		for (size_t k = 0; k < v->n_neighbours && !found; k++)
			found = neighbour_type_is(v->neighbours[k].type, f->code->code) &&
				v->neighbours[k].start <= hi && v->neighbours[k].end >= lo;
		if (found) {
			int r = add_mark(b, lo, hi, f->code->code, f->dev);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The blocks kmem cannot use: its range outside the whole blocks (kernel.c says which). */
static int mark_kmem(struct build *b, const struct nsa_finding *f)
{
	const struct nsa_fact *start = fact(f, "start"), *size = fact(f, "size");
	const struct nsa_daxdev *dax = NULL;
	struct nsa_kmem_yield y;
	uint64_t lo, hi, B = b->p.block_size;
	int r = 0;

	if (!start || !size || !size->u64)
		return 1;
	for (size_t i = 0; i < b->s->n_daxdevs && !dax; i++)
		if (strcmp(b->s->daxdevs[i].dev, f->dev) == 0)
			dax = &b->s->daxdevs[i];
	nsa_kernel_kmem(&b->p, start->u64, size->u64, nsa_kernel_kmem_memmap_in_range(dax), &y);
	lo = start->u64;
	hi = start->u64 + size->u64 - 1;
	if (!y.n_blocks)
		return add_mark(b, lo, hi, f->code->code, f->dev);
	if (y.first_block * B > lo)
		r = add_mark(b, lo, y.first_block * B - 1, f->code->code, f->dev);
	if (r == 0 && (y.first_block + y.n_blocks) * B - 1 < hi)
		r = add_mark(b, (y.first_block + y.n_blocks) * B, hi, f->code->code, f->dev);
	return r;
}

/* Where a finding points: 0 marked, 1 it has no address, <0 error. */
static int mark_finding(struct build *b, const struct nsa_finding *f)
{
	const struct nsa_snapshot *s = b->s;
	const char *code = f->code->code;

	if (!f->dev[0])
		return 1;
	if (strncmp(code, "NSA-NS-SHARES-SECTION-", 22) == 0) {
		for (size_t i = 0; i < s->n_namespaces && i < b->a->n_verdicts; i++)
			if (strcmp(s->namespaces[i].dev, f->dev) == 0)
				return mark_shared(b, f, i);
		return 1;
	}
	if (strncmp(code, "NSA-KMEM-", 9) == 0)
		return mark_kmem(b, f);
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct nsa_namespace *ns = &s->namespaces[i];

		if (strcmp(ns->dev, f->dev) == 0 && ns->spa_start && ns->size)
			return add_mark(b, ns->spa_start, ns->spa_start + ns->size - 1, code,
					f->dev);
	}
	for (size_t i = 0; i < s->n_daxdevs; i++) {
		const struct nsa_daxdev *d = &s->daxdevs[i];

		if (strcmp(d->dev, f->dev) == 0 && d->spa_start && d->size)
			return add_mark(b, d->spa_start, d->spa_start + d->size - 1, code, f->dev);
	}
	/* a region's findings are about where it starts */
	for (size_t i = 0; i < s->n_regions; i++)
		if (strcmp(s->regions[i].dev, f->dev) == 0 && s->regions[i].spa_start)
			return add_mark(b, s->regions[i].spa_start, s->regions[i].spa_start, code,
					f->dev);
	return 1;
}

static int collect_marks(struct build *b)
{
	for (size_t i = 0; i < b->a->n_findings; i++) {
		const struct nsa_finding *f = &b->a->findings[i];
		struct nsa_pmap_mark *m;
		int r = mark_finding(b, f);

		if (r < 0)
			return r;
		if (r == 0)
			continue;
		m = nsa_array_push((void **)&b->map->elsewhere, &b->map->n_elsewhere,
				   &b->cap_elsewhere, sizeof(*m));
		if (!m)
			return -ENOMEM;
		*m = (struct nsa_pmap_mark){ f->code->code, f->dev };
	}
	return 0;
}

/* ------------------------------------------------------------ rows */

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static int collect_events(struct build *b)
{
	const struct nsa_snapshot *s = b->s;
	uint64_t B = b->p.block_size;
	int r = 0;

	for (size_t i = 0; i < b->n_own && r == 0; i++) {
		r = add_event(b, b->own[i].start);
		if (r == 0 && b->own[i].end != UINT64_MAX)
			r = add_event(b, b->own[i].end + 1);
	}
	for (size_t i = 0; i < b->n_marks && r == 0; i++) {
		r = add_event(b, b->marks[i].start);
		if (r == 0 && b->marks[i].end != UINT64_MAX)
			r = add_event(b, b->marks[i].end + 1);
	}
	/* by block: where a run of equal memory blocks starts and ends */
	for (size_t i = 0; b->map->unit == NSA_PMAP_BLOCKS && i < s->n_blocks && r == 0; i++) {
		const struct nsa_memblock *k = &s->blocks[i], *prev = i ? k - 1 : NULL;

		if (!prev || prev->index + 1 != k->index || prev->state != k->state ||
		    prev->zones != k->zones)
			r = add_event(b, k->index * B);
		if (r == 0 && (i + 1 == s->n_blocks || k[1].index != k->index + 1))
			r = add_event(b, (k->index + 1) * B);
	}
	if (r == 0 && b->n_ev)
		qsort(b->ev, b->n_ev, sizeof(*b->ev), cmp_u64);
	return r;
}

/* The first event after addr, or UINT64_MAX. */
static uint64_t next_event(const struct build *b, uint64_t addr)
{
	size_t lo = 0, hi = b->n_ev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->ev[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n_ev ? b->ev[lo] : UINT64_MAX;
}

static unsigned boundaries(const struct build *b, uint64_t addr)
{
	const struct nsa_pmap *m = b->map;

	return (nsa_is_aligned(addr, m->granularity) ? NSA_ON_GRANULARITY : 0) |
	       (nsa_is_aligned(addr, m->block_size) ? NSA_ON_BLOCK : 0) |
	       (nsa_is_aligned(addr, m->section_size) ? NSA_ON_SECTION : 0) |
	       (nsa_is_aligned(addr, m->subsection_size) ? NSA_ON_SUBSECTION : 0);
}

/* The owner of addr: the one that wins among those holding it, or NULL. */
static const struct owner *owner_at(const struct build *b, uint64_t addr)
{
	const struct owner *best = NULL;

	for (size_t i = 0; i < b->n_own; i++)
		if (b->own[i].start <= addr && b->own[i].end >= addr &&
		    (!best || b->own[i].prio > best->prio))
			best = &b->own[i];
	return best;
}

/* Split [lo, hi] into parts, one per owner in turn (a hole is a part with no owner). */
static int fill_parts(struct build *b, struct nsa_pmap_row *row, uint64_t lo, uint64_t hi)
{
	size_t cap = 0;
	uint64_t at = lo;

	while (1) {
		const struct owner *o = owner_at(b, at);
		uint64_t next = next_event(b, at), end;
		struct nsa_pmap_part *p = row->n_parts ? &row->parts[row->n_parts - 1] : NULL;

		end = next == UINT64_MAX || next - 1 > hi ? hi : next - 1;
		if (p && p->kind == (o ? o->kind : NSA_OWNER_NONE) &&
		    p->name == (o ? o->name : NULL) && p->detail == (o ? o->detail : NULL)) {
			p->size += end - at + 1;
		} else {
			p = nsa_array_push((void **)&row->parts, &row->n_parts, &cap, sizeof(*p));
			if (!p)
				return -ENOMEM;
			*p = (struct nsa_pmap_part){ at,
						     end - at + 1,
						     o ? o->kind : NSA_OWNER_NONE,
						     o ? o->name : NULL,
						     o ? o->detail : NULL,
						     boundaries(b, at) };
		}
		if (end >= hi)
			return 0;
		at = end + 1;
	}
}

static int fill_marks(struct build *b, struct nsa_pmap_row *row, uint64_t lo, uint64_t hi)
{
	size_t cap = 0;

	for (size_t i = 0; i < b->n_marks; i++) {
		const struct mark_range *mr = &b->marks[i];
		bool dup = false;

		if (mr->start > hi || mr->end < lo)
			continue;
		for (size_t k = 0; k < row->n_marks && !dup; k++)
			dup = strcmp(row->marks[k].code, mr->m.code) == 0 &&
			      strcmp(row->marks[k].dev, mr->m.dev) == 0;
		if (!dup) {
			struct nsa_pmap_mark *m = nsa_array_push((void **)&row->marks,
								 &row->n_marks, &cap, sizeof(*m));
			if (!m)
				return -ENOMEM;
			*m = mr->m;
		}
	}
	return 0;
}

static void fill_block(const struct build *b, struct nsa_pmap_row *row, uint64_t index)
{
	ssize_t i = nsa_snapshot_block_at(b->s, index * b->p.block_size);

	if (b->map->unit != NSA_PMAP_BLOCKS || i < 0)
		return;
	row->has_block = true;
	row->state = b->s->blocks[i].state;
	row->zones = b->s->blocks[i].zones;
}

/* A row that can take the next one in: one owner, same marks and block. */
static bool same_row(const struct nsa_pmap_row *x, const struct nsa_pmap_row *y)
{
	if (x->n_parts != 1 || y->n_parts != 1 || x->parts[0].kind != y->parts[0].kind ||
	    x->parts[0].name != y->parts[0].name || x->parts[0].detail != y->parts[0].detail ||
	    x->n_marks != y->n_marks || x->has_block != y->has_block || x->state != y->state ||
	    x->zones != y->zones)
		return false;
	for (size_t i = 0; i < x->n_marks; i++)
		if (strcmp(x->marks[i].code, y->marks[i].code) != 0 ||
		    strcmp(x->marks[i].dev, y->marks[i].dev) != 0)
			return false;
	return true;
}

static void row_clear(struct nsa_pmap_row *row)
{
	free(row->parts);
	free(row->marks);
}

static int build_rows(struct build *b, uint64_t top)
{
	struct nsa_pmap *m = b->map;
	uint64_t U = m->unit_size, unit = 0, last = (top - 1) / U;

	while (unit <= last) {
		uint64_t lo = unit * U, hi = lo + U - 1, next = next_event(b, lo), count = 1;
		struct nsa_pmap_row row = { .start = lo, .first = unit };
		struct nsa_pmap_row *prev = m->n_rows ? &m->rows[m->n_rows - 1] : NULL;
		int r;

		/* nothing changes before next: the units up to it are this one again */
		if (next > hi)
			count = (next == UINT64_MAX ? last + 1 : next / U) - unit;
		if (count > last + 1 - unit)
			count = last + 1 - unit;
		if (count > UINT64_MAX / U) /* a row's size is a number: 2^64 is not */
			count = UINT64_MAX / U;
		row.count = count;
		row.size = count * U;
		r = fill_parts(b, &row, lo, lo + row.size - 1);
		if (r == 0)
			r = fill_marks(b, &row, lo, lo + row.size - 1);
		fill_block(b, &row, unit);
		if (r < 0) {
			row_clear(&row);
			return r;
		}
		if (prev && same_row(prev, &row) && prev->size <= UINT64_MAX - row.size) {
			prev->count += row.count;
			prev->size += row.size;
			prev->parts[0].size += row.size;
			row_clear(&row);
		} else {
			struct nsa_pmap_row *slot = nsa_array_push((void **)&m->rows, &m->n_rows,
								   &b->cap_rows, sizeof(*slot));
			if (!slot) {
				row_clear(&row);
				return -ENOMEM;
			}
			*slot = row;
		}
		unit += count;
	}
	return 0;
}

int nsa_pmap_build(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		   enum nsa_pmap_unit unit, uint64_t granularity, struct nsa_pmap **out)
{
	struct build b = { .s = s, .a = a };
	uint64_t top = 0;
	int r;

	*out = NULL;
	if (!s->platform.iomem_visible)
		return -ENODATA;
	nsa_effective_platform(s, &b.p);
	if (!b.p.section_size || !b.p.block_size)
		return -EINVAL;
	b.map = calloc(1, sizeof(*b.map));
	if (!b.map)
		return -ENOMEM;
	b.map->unit = unit;
	b.map->section_size = b.p.section_size;
	b.map->block_size = b.p.block_size;
	b.map->subsection_size = b.p.subsection_size;
	b.map->granularity = nsa_platform_granularity(&s->platform, granularity);
	b.map->unit_size = unit == NSA_PMAP_BLOCKS ? b.p.block_size : b.p.section_size;

	r = collect_owners(&b);
	if (r == 0 && a)
		r = collect_marks(&b);
	if (r == 0)
		r = collect_events(&b);
	/* the end of the last range; one that ends at the last address: all of it */
	for (size_t i = 0; i < s->n_iomem && top != UINT64_MAX; i++)
		if (s->iomem[i].depth == 0)
			top = s->iomem[i].end == UINT64_MAX ? UINT64_MAX
			      : s->iomem[i].end + 1 > top   ? s->iomem[i].end + 1
							    : top;
	if (r == 0 && top)
		r = build_rows(&b, top);
	free(b.own);
	free(b.marks);
	free(b.ev);
	if (r < 0) {
		nsa_pmap_free(b.map);
		return r;
	}
	*out = b.map;
	return 0;
}

void nsa_pmap_free(struct nsa_pmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_rows; i++)
		row_clear(&m->rows[i]);
	free(m->rows);
	free(m->elsewhere);
	free(m);
}

/* ------------------------------------------------------------ JSON */

const char *nsa_owner_kind_name(enum nsa_owner_kind k)
{
	static const char *const names[] = {
		[NSA_OWNER_NONE] = "none",     [NSA_OWNER_RESERVED] = "reserved",
		[NSA_OWNER_DEVICE] = "device", [NSA_OWNER_RAM] = "ram",
		[NSA_OWNER_PMEM] = "pmem",     [NSA_OWNER_NAMESPACE] = "namespace",
		[NSA_OWNER_KMEM] = "kmem",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "none";
}

static struct json_object *marks_json(const struct nsa_pmap_mark *m, size_t n)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "code", json_object_new_string(m[i].code));
		json_object_object_add(o, "dev",
				       m[i].dev[0] ? json_object_new_string(m[i].dev) : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *on_json(unsigned on)
{
	struct json_object *arr = json_object_new_array();

	if (on & NSA_ON_GRANULARITY)
		json_object_array_add(arr, json_object_new_string("granularity"));
	if (on & NSA_ON_BLOCK)
		json_object_array_add(arr, json_object_new_string("block"));
	if (on & NSA_ON_SECTION)
		json_object_array_add(arr, json_object_new_string("section"));
	if (on & NSA_ON_SUBSECTION)
		json_object_array_add(arr, json_object_new_string("subsection"));
	return arr;
}

static struct json_object *row_json(const struct nsa_pmap *m, const struct nsa_pmap_row *row)
{
	struct json_object *o = json_object_new_object(), *parts = json_object_new_array();

	json_object_object_add(o, "start", json_object_new_uint64(row->start));
	json_object_object_add(o, "size", json_object_new_uint64(row->size));
	json_object_object_add(o, m->unit == NSA_PMAP_BLOCKS ? "first_block" : "first_section",
			       json_object_new_uint64(row->first));
	json_object_object_add(o, "count", json_object_new_uint64(row->count));
	for (size_t i = 0; i < row->n_parts; i++) {
		const struct nsa_pmap_part *p = &row->parts[i];
		struct json_object *po = json_object_new_object();

		json_object_object_add(po, "start", json_object_new_uint64(p->start));
		json_object_object_add(po, "size", json_object_new_uint64(p->size));
		json_object_object_add(po, "owner",
				       json_object_new_string(nsa_owner_kind_name(p->kind)));
		json_object_object_add(po, "name",
				       p->name ? json_object_new_string(p->name) : NULL);
		if (p->detail)
			json_object_object_add(po, "detail", json_object_new_string(p->detail));
		json_object_object_add(po, "on", on_json(p->on));
		json_object_array_add(parts, po);
	}
	json_object_object_add(o, "parts", parts);
	if (m->unit == NSA_PMAP_BLOCKS) {
		char zones[64];

		json_object_object_add(
			o, "state",
			row->has_block ? json_object_new_string(nsa_block_state_name(row->state))
				       : NULL);
		json_object_object_add(o, "zones",
				       row->has_block ? json_object_new_string(nsa_zones_str(
								row->zones, zones, sizeof(zones)))
						      : NULL);
	}
	json_object_object_add(o, "findings", marks_json(row->marks, row->n_marks));
	return o;
}

struct json_object *nsa_pmap_to_json(const struct nsa_pmap *m)
{
	struct json_object *o = json_object_new_object(), *rows = json_object_new_array();

	if (!o || !rows) {
		json_object_put(o);
		json_object_put(rows);
		return NULL;
	}
	json_object_object_add(
		o, "unit",
		json_object_new_string(m->unit == NSA_PMAP_BLOCKS ? "block" : "section"));
	json_object_object_add(o, "unit_size", json_object_new_uint64(m->unit_size));
	json_object_object_add(o, "subsection_size", json_object_new_uint64(m->subsection_size));
	json_object_object_add(o, "section_size", json_object_new_uint64(m->section_size));
	json_object_object_add(o, "block_size", json_object_new_uint64(m->block_size));
	json_object_object_add(o, "granularity", json_object_new_uint64(m->granularity));
	for (size_t i = 0; i < m->n_rows; i++)
		json_object_array_add(rows, row_json(m, &m->rows[i]));
	json_object_object_add(o, "rows", rows);
	json_object_object_add(o, "findings_elsewhere", marks_json(m->elsewhere, m->n_elsewhere));
	return o;
}
