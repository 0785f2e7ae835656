// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Why the platform moved PMEM between two boots.  A boot record keeps the
 * DIMM inventory, the regions' mappings and the top-level memory map
 * (System RAM, reserved and PMEM ranges); what differs between the record
 * and this boot names the most likely cause, in this order:
 *   1. an NVDIMM in front of the region is gone (it moved down) or new (up)
 *   2. System RAM below the region grew (up) or shrank (down)
 *   3. a DIMM of the region or in front of it reports a failure now
 *   4. a DIMM of the region sits in another slot (its NFIT handle changed)
 *   5. none of these: same DIMMs, same RAM: a firmware setting or update
 * and "unknown" when a side lacks the inventory or the memory map (a
 * record by an older nsalign, addresses hidden), or when what changed does
 * not explain a move that way.
 *
 * Why a recorded namespace is not on this boot at all (nsa_vanish_cause()),
 * in this order: a DIMM of its region is gone ("dimm-removed") or reports a
 * failure now ("dimm-failed"); the region is gone ("region-gone") or
 * disabled ("region-disabled"); same DIMMs, the region here: its label was
 * destroyed ("namespace-destroyed"); "unknown" without both inventories.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "private.h"

static const char *const codes[] = {
	"ram-below-grew", "ram-below-shrank", "dimm-removed", "dimm-added",
	"dimm-failed",	  "dimm-moved",	      "firmware",     "unknown",
};

const char *const *nsa_cause_codes(size_t *n)
{
	*n = ARRAY_SIZE(codes);
	return codes;
}

static const char *const vanish_codes[] = {
	"dimm-removed",	   "dimm-failed",	  "region-gone",
	"region-disabled", "namespace-destroyed", "unknown",
};

const char *const *nsa_vanish_cause_codes(size_t *n)
{
	*n = ARRAY_SIZE(vanish_codes);
	return vanish_codes;
}

/* ------------------------------------------------------------ the inventory */

/* One DIMM across boots: ndctl's unique id, else the serial, else the handle. */
static bool same_dimm(const struct nsa_dimm *a, const struct nsa_dimm *b)
{
	if (a->id[0] && b->id[0])
		return strcmp(a->id, b->id) == 0;
	if (a->serial[0] && b->serial[0])
		return strcmp(a->serial, b->serial) == 0;
	return a->handle == b->handle;
}

static const struct nsa_dimm *find_dimm(const struct nsa_snapshot *s, const struct nsa_dimm *d)
{
	for (size_t i = 0; i < s->n_dimms; i++)
		if (same_dimm(&s->dimms[i], d))
			return &s->dimms[i];
	return NULL;
}

/* The (first) region a DIMM maps into, from the mappings, or NULL. */
static const struct nsa_region *dimm_region(const struct nsa_snapshot *s, const struct nsa_dimm *d)
{
	for (size_t i = 0; i < s->n_mappings; i++)
		if (strcmp(s->mappings[i].dimm, d->dev) == 0)
			return nsa_snapshot_find_region(s, s->mappings[i].region);
	return NULL;
}

/* The NFIT flags set, by the names sysfs gives them: "map_fail save_fail"; "ok" when none. */
static const char *health_str(uint32_t flags, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ NSA_DIMM_FAILED_MAP, "map_fail" },
		{ NSA_DIMM_FAILED_SAVE, "save_fail" },
		{ NSA_DIMM_FAILED_ARM, "not_armed" },
		{ NSA_DIMM_FAILED_RESTORE, "restore_fail" },
		{ NSA_DIMM_FAILED_FLUSH, "flush_fail" },
		{ NSA_DIMM_SMART_EVENT, "smart_event" },
	};

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t l = strlen(buf);

		if (flags & names[i].bit)
			snprintf(buf + l, len - l, "%s%s", l ? " " : "", names[i].name);
	}
	if (!buf[0])
		nsa_strlcpy(buf, "ok", len);
	return buf;
}

/* The DIMMs are known: listed, or there are none to list (label-less e820 regions only). */
static bool inventory_known(const struct nsa_snapshot *s)
{
	if (s->n_dimms)
		return true;
	for (size_t i = 0; i < s->n_regions; i++)
		if (s->regions[i].mappings > 0)
			return false;
	return s->n_regions > 0;
}

/* "nmem1 (serial 0x00123457)": how a DIMM is named in the texts */
static const char *dimm_name(const struct nsa_dimm *d, char *buf, size_t len)
{
	if (d->serial[0])
		snprintf(buf, len, "%s (serial %s)", d->dev, d->serial);
	else
		snprintf(buf, len, "%s (handle %#x)", d->dev, d->handle);
	return buf;
}

/* ------------------------------------------------------------ the memory map */

/* A RAM size in words: exact when whole MiB, else "2.0 GiB" (a VM's RAM is rarely round) */
static const char *ram_str(uint64_t v, char *buf, size_t len)
{
	if (nsa_is_aligned(v, NSA_MiB) || v < NSA_MiB)
		return nsa_size_str(v, buf, len);
	if (v >= NSA_GiB)
		snprintf(buf, len, "%.1f GiB", (double)v / (double)NSA_GiB);
	else
		snprintf(buf, len, "%.1f MiB", (double)v / (double)NSA_MiB);
	return buf;
}

struct ram {
	bool known;
	uint64_t below, total, top; /* bytes below the region, in all; end of the last below */
	uint64_t reserved_below;    /* reserved ranges below the region */
};

static void ram_of(const struct nsa_snapshot *s, uint64_t start, struct ram *m)
{
	*m = (struct ram){ .known = false };
	if (!s->platform.iomem_visible || !start)
		return;
	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct nsa_resource *r = &s->iomem[i];
		uint64_t end = r->end + 1;

		if (r->depth != 0)
			continue;
		if (r->type == NSA_RES_SYSTEM_RAM) {
			m->known = true;
			m->total += r->end - r->start + 1;
			if (r->start < start) {
				m->below += (end < start ? end : start) - r->start;
				if (end > m->top)
					m->top = end < start ? end : start;
			}
		} else if ((r->type == NSA_RES_RESERVED || r->type == NSA_RES_SOFT_RESERVED) &&
			   r->start < start) {
			m->reserved_below += (end < start ? end : start) - r->start;
		}
	}
}

/* ------------------------------------------------------------ the cause */

struct why {
	const struct nsa_snapshot *old, *cur;
	const struct nsa_region *o, *r;
	int64_t shift;
	char moved[160];  /* "region0 now starts at 0x140000000, 1 GiB lower" */
	char how_far[48]; /* "1 GiB lower" */
	/* DIMMs gone (in front of the region, or of unknown place), new in front, failed, moved */
	const struct nsa_dimm *gone, *added, *failed, *failed_was, *slot, *slot_was;
	size_t n_gone, n_added;
	const struct nsa_region *gone_region, *added_region;
};

static int say(struct nsa_cause *c, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int say(struct nsa_cause *c, const char *code, const char *fmt, ...)
{
	va_list ap;
	int r;

	c->code = code;
	va_start(ap, fmt);
	r = vasprintf(&c->text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->text = NULL;
		return -ENOMEM;
	}
	return 0;
}

static bool in_front(const struct nsa_region *reg, const struct nsa_region *of)
{
	return reg && reg != of && reg->spa_start && reg->spa_start < of->spa_start;
}

/* Who is gone, who is new, who failed or moved, of the DIMMs that matter to this region. */
static void diff_dimms(struct why *w)
{
	for (size_t i = 0; i < w->old->n_dimms; i++) {
		const struct nsa_dimm *d = &w->old->dimms[i], *now = find_dimm(w->cur, d);
		const struct nsa_region *reg = dimm_region(w->old, d);
		bool matters = !reg || reg == w->o || in_front(reg, w->o);

		if (!now && matters) {
			w->n_gone++;
			/* one in front of the region says most: the first such */
			if (!w->gone || (!w->gone_region && reg)) {
				w->gone = d;
				w->gone_region = reg;
			}
		} else if (now && matters && (now->flags & ~d->flags) && !w->failed) {
			w->failed = now;
			w->failed_was = d;
		} else if (now && reg == w->o && now->handle != d->handle && !w->slot) {
			w->slot = now;
			w->slot_was = d;
		}
	}
	for (size_t i = 0; i < w->cur->n_dimms; i++) {
		const struct nsa_dimm *d = &w->cur->dimms[i];
		const struct nsa_region *reg = dimm_region(w->cur, d);

		if (find_dimm(w->old, d) || !in_front(reg, w->r))
			continue;
		w->n_added++;
		if (!w->added) {
			w->added = d;
			w->added_region = reg;
		}
	}
}

static int explain(struct why *w, struct nsa_cause *c, bool inv, const struct ram *ro,
		   const struct ram *rn)
{
	bool ram = ro->known && rn->known;
	char a[32], b[32], d[32], n1[96];

	if (w->gone && w->shift < 0) {
		if (w->gone_region)
			return say(c, "dimm-removed",
				   "%s, %s at %#" PRIx64 " on the recorded boot, is gone; %s",
				   dimm_name(w->gone, n1, sizeof(n1)), w->gone_region->dev,
				   w->gone_region->spa_start, w->moved);
		return say(c, "dimm-removed", "%s is gone; %s", dimm_name(w->gone, n1, sizeof(n1)),
			   w->moved);
	}
	if (w->added && w->shift > 0)
		return say(c, "dimm-added", "%s is new, %s at %#" PRIx64 " in front of it; %s",
			   dimm_name(w->added, n1, sizeof(n1)), w->added_region->dev,
			   w->added_region->spa_start, w->moved);
	if (ram && rn->below != ro->below && (rn->below > ro->below) == (w->shift > 0)) {
		bool grew = rn->below > ro->below;

		ram_str(grew ? rn->below - ro->below : ro->below - rn->below, d, sizeof(d));
		return say(c, grew ? "ram-below-grew" : "ram-below-shrank",
			   "System RAM below %s %s by %s (%s -> %s), so the platform placed the "
			   "PMEM %s",
			   w->r->dev, grew ? "grew" : "shrank", d, ram_str(ro->below, a, sizeof(a)),
			   ram_str(rn->below, b, sizeof(b)), w->how_far);
	}
	if (w->failed) {
		char h1[64], h0[64];

		return say(c, "dimm-failed",
			   "%s reports %s now (%s on the recorded boot): the platform maps around "
			   "a failing DIMM; %s",
			   dimm_name(w->failed, n1, sizeof(n1)),
			   health_str(w->failed->flags, h1, sizeof(h1)),
			   health_str(w->failed_was->flags, h0, sizeof(h0)), w->moved);
	}
	if (w->slot)
		return say(c, "dimm-moved",
			   "%s sits in another slot now (NFIT handle %#x, was %#x); %s",
			   dimm_name(w->slot, n1, sizeof(n1)), w->slot->handle, w->slot_was->handle,
			   w->moved);
	if (inv && ram && !w->n_gone && !w->n_added && rn->below == ro->below &&
	    rn->total == ro->total) {
		if (w->r->legacy)
			return say(c, "firmware",
				   "same System RAM (%s): the e820 table (memmap= on the kernel "
				   "command line, or the firmware) moved the PMEM",
				   ram_str(rn->total, a, sizeof(a)));
		if (rn->reserved_below != ro->reserved_below)
			return say(c, "firmware",
				   "same DIMMs, same RAM (%s): a firmware setting or update moved "
				   "the PMEM (the reserved ranges below it went from %s to %s)",
				   ram_str(rn->total, a, sizeof(a)),
				   ram_str(ro->reserved_below, b, sizeof(b)),
				   ram_str(rn->reserved_below, d, sizeof(d)));
		return say(c, "firmware",
			   "same DIMMs, same RAM (%s): a firmware setting or update moved the PMEM",
			   ram_str(rn->total, a, sizeof(a)));
	}
	if (inv && ram)
		return say(c, "unknown",
			   "the DIMMs or the System RAM changed, but not in a way that explains "
			   "this move; %s",
			   w->moved);
	return say(c, "unknown",
		   "the %s of %s %s not known (a record by an older nsalign, or physical "
		   "addresses hidden), so the cause cannot be told",
		   inv	 ? "memory map"
		   : ram ? "DIMM inventory"
			 : "DIMM inventory and memory map",
		   !ro->known || !inventory_known(w->old) ? "the recorded boot" : "this boot",
		   inv || ram ? "is" : "are");
}

struct nsa_cause *nsa_move_cause(const struct nsa_snapshot *old, const struct nsa_region *o,
				 const struct nsa_snapshot *cur, const struct nsa_region *r)
{
	struct nsa_cause *c = calloc(1, sizeof(*c));
	struct why w = { .old = old, .cur = cur, .o = o, .r = r };
	bool inv = inventory_known(old) && inventory_known(cur);
	struct ram ro, rn;
	char sz[32], list[160] = "";
	uint64_t mag;

	if (!c)
		return NULL;
	w.shift = (int64_t)(r->spa_start - o->spa_start);
	mag = w.shift < 0 ? (uint64_t)-w.shift : (uint64_t)w.shift;
	snprintf(w.how_far, sizeof(w.how_far), "%s %s", nsa_size_str(mag, sz, sizeof(sz)),
		 w.shift < 0 ? "lower" : "higher");
	/* region names follow the enumeration: say when it had another */
	if (strcmp(o->dev, r->dev) != 0)
		snprintf(w.moved, sizeof(w.moved),
			 "%s (%s on the recorded boot) now starts at %#" PRIx64 ", %s", r->dev,
			 o->dev, r->spa_start, w.how_far);
	else
		snprintf(w.moved, sizeof(w.moved), "%s now starts at %#" PRIx64 ", %s", r->dev,
			 r->spa_start, w.how_far);
	ram_of(old, o->spa_start, &ro);
	ram_of(cur, r->spa_start, &rn);
	if (inv)
		diff_dimms(&w);
	if (explain(&w, c, inv, &ro, &rn) < 0) {
		nsa_cause_free(c);
		return NULL;
	}

	/* the evidence: what was compared, whatever it concluded */
	nsa_cause_fact_i64(c, "shift", w.shift);
	if (ro.known && rn.known) {
		nsa_cause_fact_u64(c, "ram_below_old", ro.below);
		nsa_cause_fact_u64(c, "ram_below_new", rn.below);
		nsa_cause_fact_addr(c, "ram_top_old", ro.top);
		nsa_cause_fact_addr(c, "ram_top_new", rn.top);
		nsa_cause_fact_u64(c, "ram_total_old", ro.total);
		nsa_cause_fact_u64(c, "ram_total_new", rn.total);
		nsa_cause_fact_u64(c, "reserved_below_old", ro.reserved_below);
		nsa_cause_fact_u64(c, "reserved_below_new", rn.reserved_below);
	}
	if (inv) {
		nsa_cause_fact_u64(c, "dimms_old", old->n_dimms);
		nsa_cause_fact_u64(c, "dimms_new", cur->n_dimms);
		/* the region's DIMMs now, in interleave order as the mappings list them */
		for (size_t i = 0; i < cur->n_mappings; i++) {
			const struct nsa_mapping *m = &cur->mappings[i];
			size_t l = strlen(list);

			if (strcmp(m->region, r->dev) == 0)
				snprintf(list + l, sizeof(list) - l, "%s%s", l ? " " : "", m->dimm);
		}
		if (list[0])
			nsa_cause_fact_str(c, "region_dimms", list);
	}
	{
		const struct nsa_dimm *d = w.gone && w.shift < 0    ? w.gone
					   : w.added && w.shift > 0 ? w.added
					   : w.failed		    ? w.failed
								    : w.slot;

		if (d && strcmp(c->code, "dimm-removed") != 0 &&
		    strcmp(c->code, "dimm-added") != 0 && strcmp(c->code, "dimm-failed") != 0 &&
		    strcmp(c->code, "dimm-moved") != 0)
			d = NULL;
		if (d) {
			nsa_cause_fact_str(c, "dimm", d->dev);
			nsa_cause_fact_str(c, "dimm_serial", d->serial);
			nsa_cause_fact_u64(c, "dimm_handle", d->handle);
			nsa_cause_fact_str(c, "dimm_health",
					   health_str(d->flags, list, sizeof(list)));
		}
	}
	return c;
}

/* ------------------------------------------------------------ a namespace that vanished */

/* no region and no DIMM: the inventory is known, and empty */
static bool inventory_known_or_empty(const struct nsa_snapshot *s)
{
	return inventory_known(s) || (!s->n_regions && !s->n_dimms);
}

bool nsa_region_lost_dimm(const struct nsa_snapshot *old, const struct nsa_region *o,
			  const struct nsa_snapshot *cur)
{
	if (!inventory_known(old) || !inventory_known_or_empty(cur))
		return false;
	for (size_t i = 0; i < old->n_mappings; i++) {
		const struct nsa_mapping *m = &old->mappings[i];

		if (strcmp(m->region, o->dev) != 0)
			continue;
		for (size_t k = 0; k < old->n_dimms; k++)
			if (strcmp(old->dimms[k].dev, m->dimm) == 0 &&
			    !find_dimm(cur, &old->dimms[k]))
				return true;
	}
	return false;
}

/*
 * The region of cur that is o of the record: none when one of its DIMMs is
 * gone; else the same name and size, else the one of that size.
 */
static const struct nsa_region *same_region(const struct nsa_snapshot *old,
					    const struct nsa_region *o,
					    const struct nsa_snapshot *cur)
{
	return nsa_region_lost_dimm(old, o, cur) ? NULL : nsa_snapshot_same_region(cur, o);
}

static void dimm_evidence(struct nsa_cause *c, const struct nsa_dimm *d)
{
	char h[64];

	nsa_cause_fact_str(c, "dimm", d->dev);
	nsa_cause_fact_str(c, "dimm_serial", d->serial);
	nsa_cause_fact_u64(c, "dimm_handle", d->handle);
	nsa_cause_fact_str(c, "dimm_health", health_str(d->flags, h, sizeof(h)));
}

struct nsa_cause *nsa_vanish_cause(const struct nsa_snapshot *old, const struct nsa_region *o,
				   const struct nsa_snapshot *cur)
{
	struct nsa_cause *c = calloc(1, sizeof(*c));
	bool inv = inventory_known(old) && inventory_known_or_empty(cur);
	const struct nsa_dimm *gone = NULL, *failed = NULL, *failed_was = NULL;
	const struct nsa_region *r = o ? same_region(old, o, cur) : NULL;
	char n1[96], h1[64], h0[64], list[160] = "";
	int ret;

	if (!c)
		return NULL;
	/* the region's DIMMs on the recorded boot, in interleave order */
	for (size_t i = 0; o && inv && i < old->n_mappings; i++) {
		const struct nsa_mapping *m = &old->mappings[i];
		const struct nsa_dimm *d = NULL, *now;
		size_t l = strlen(list);

		if (strcmp(m->region, o->dev) != 0)
			continue;
		snprintf(list + l, sizeof(list) - l, "%s%s", l ? " " : "", m->dimm);
		for (size_t k = 0; k < old->n_dimms && !d; k++)
			if (strcmp(old->dimms[k].dev, m->dimm) == 0)
				d = &old->dimms[k];
		if (!d)
			continue;
		now = find_dimm(cur, d);
		if (!now && !gone)
			gone = d;
		else if (now && (now->flags & ~d->flags) && !failed) {
			failed = now;
			failed_was = d;
		}
	}

	if (!o)
		ret = say(c, "unknown",
			  "the record does not say which region held it, so the cause cannot be "
			  "told");
	else if (gone)
		ret = say(c, "dimm-removed",
			  "%s, a DIMM of %s (at %#" PRIx64 " on the recorded boot), is gone%s",
			  dimm_name(gone, n1, sizeof(n1)), o->dev, o->spa_start,
			  r ? "" : ", and the region with it");
	else if (failed)
		ret = say(c, "dimm-failed",
			  "%s, a DIMM of %s, reports %s now (%s on the recorded boot): the "
			  "platform does not map a failing DIMM",
			  dimm_name(failed, n1, sizeof(n1)), o->dev,
			  health_str(failed->flags, h1, sizeof(h1)),
			  health_str(failed_was->flags, h0, sizeof(h0)));
	else if (!r && o->legacy)
		ret = say(c, "region-gone",
			  "%s, the label-less range at %#" PRIx64 ", is not on this boot: the "
			  "e820 table (memmap= on the kernel command line, or the firmware) no "
			  "longer has it",
			  o->dev, o->spa_start);
	else if (!r && inv)
		ret = say(c, "region-gone",
			  "%s (at %#" PRIx64 " on the recorded boot) is not on this boot, though "
			  "its DIMMs are: a firmware setting (interleave, memory mode) no longer "
			  "maps them as that region",
			  o->dev, o->spa_start);
	else if (r && !r->enabled)
		ret = say(c, "region-disabled",
			  "%s is here but disabled ('ndctl disable-region', or the kernel could "
			  "not enable it), so none of its namespaces is",
			  r->dev);
	else if (r && inv)
		ret = say(c, "namespace-destroyed",
			  "same DIMMs, and %s is here: the namespace's label was destroyed "
			  "('ndctl destroy-namespace', 'ndctl init-labels') or the label area "
			  "damaged",
			  r->dev);
	else
		ret = say(c, "unknown",
			  "the DIMM inventory of %s is not known (a record by an older nsalign), "
			  "so the cause cannot be told",
			  inventory_known(old) ? "this boot" : "the recorded boot");
	if (ret < 0) {
		nsa_cause_free(c);
		return NULL;
	}

	/* the evidence: what was compared */
	if (o)
		nsa_cause_fact_str(c, "region_recorded", o->dev);
	if (r)
		nsa_cause_fact_str(c, "region_now", r->dev);
	if (inv) {
		nsa_cause_fact_u64(c, "dimms_old", old->n_dimms);
		nsa_cause_fact_u64(c, "dimms_new", cur->n_dimms);
		if (list[0])
			nsa_cause_fact_str(c, "region_dimms", list);
	}
	if (strcmp(c->code, "dimm-removed") == 0)
		dimm_evidence(c, gone);
	else if (strcmp(c->code, "dimm-failed") == 0)
		dimm_evidence(c, failed);
	return c;
}
