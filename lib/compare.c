// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What changed since a recorded boot.
 *
 * Namespaces are matched by their label UUID, the one identity that
 * survives a reboot (names like namespace0.1 do not).  Label-less (legacy)
 * ranges have none: they match by range and size, failing that by size
 * alone when that is unambiguous, and the findings say the identity is
 * weaker.  For a namespace that moved and is no longer mapped, the recorded
 * geometry (data offset, alignment) is put at the new address and run
 * through the kernel's checks, which names the exact rule that broke.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "private.h"

struct cmp {
	const struct nsa_boot_record *base;
	const struct nsa_snapshot *old, *cur;
	struct nsa_analysis *a;
	struct nsa_platform p; /* this boot's */
	char when[96];	       /* of the record, in words */
	char iso[32];	       /* of the record, ISO 8601 */
	ssize_t *match;	       /* per current namespace: old index or -1 */
	bool *weak;	       /* matched without a UUID */
	bool *old_used;
	bool moves_only; /* nsa_compare_moves(): only the findings with a cause */
};

static const char *sz(uint64_t v, char *buf, size_t len)
{
	return nsa_size_str(v, buf, len);
}

static const char *shift_str(int64_t shift, char *buf, size_t len)
{
	char s[32];

	snprintf(buf, len, "%s%s", shift < 0 ? "-" : "+",
		 sz(shift < 0 ? (uint64_t)-shift : (uint64_t)shift, s, sizeof(s)));
	return buf;
}

static bool has_mode(const struct nsa_namespace *ns)
{
	return ns->mode == NSA_MODE_FSDAX || ns->mode == NSA_MODE_DEVDAX ||
	       ns->mode == NSA_MODE_SECTOR;
}

static void common_facts(struct cmp *c, struct nsa_finding *f, const struct nsa_namespace *old,
			 bool weak)
{
	nsa_finding_fact_str(f, "mode_recorded", nsa_mode_name(old->mode));
	nsa_finding_fact_str(f, "dev_recorded", old->dev);
	nsa_finding_fact_str(f, "recorded_at", c->iso);
	nsa_finding_fact_str(f, "identity", weak ? "range" : "raw_uuid");
}

/* The analyzer's finding about the same namespace says less: drop it. */
static void supersede(struct cmp *c, const char *dev)
{
	static const char *const codes[] = { "NSA-NS-REFUSED", "NSA-NS-INFOBLOCK-MISFIT",
					     "NSA-NS-DISABLED", "NSA-NS-MISALIGNED-RANGE" };

	for (size_t i = c->a->n_findings; i-- > 0;) {
		const struct nsa_finding *f = &c->a->findings[i];

		if (strcmp(f->dev, dev) != 0)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(codes); k++)
			if (strcmp(f->code->code, codes[k]) == 0)
				nsa_analysis_drop(c->a, i);
	}
}

static const struct nsa_region *old_region(struct cmp *c, const struct nsa_namespace *ns)
{
	if (ns->region_index >= 0 && (size_t)ns->region_index < c->old->n_regions)
		return &c->old->regions[ns->region_index];
	return nsa_snapshot_find_region(c->old, ns->region);
}

/* " Most likely cause: ...", or "" when none could be told */
static const char *cause_sentence(const struct nsa_cause *cause, char *buf, size_t len)
{
	buf[0] = '\0';
	if (cause && cause->text && strcmp(cause->code, "unknown") != 0)
		snprintf(buf, len, " Most likely cause: %s.", cause->text);
	return buf;
}

/* What putting the hardware back means, by the cause; the general words when unknown. */
static const char *undo_cause(const struct nsa_cause *cause, char *buf, size_t len)
{
	const char *serial = "";

	for (int i = 0; cause && i < cause->n_evidence; i++)
		if (strcmp(cause->evidence[i].key, "dimm_serial") == 0 && cause->evidence[i].str)
			serial = cause->evidence[i].str;
	if (cause && serial[0] && strcmp(cause->code, "dimm-removed") == 0)
		snprintf(buf, len, "the NVDIMM with serial %s back in its slot", serial);
	else if (cause && serial[0] && strcmp(cause->code, "dimm-added") == 0)
		snprintf(buf, len, "without the new NVDIMM with serial %s", serial);
	else if (cause && strncmp(cause->code, "ram-below-", 10) == 0)
		snprintf(buf, len, "the System RAM as it was on the recorded boot");
	else if (cause && strcmp(cause->code, "firmware") == 0)
		snprintf(buf, len, "the firmware's memory settings, or its version, as they were");
	else
		snprintf(buf, len,
			 "same DIMMs in the same slots, the same firmware memory settings");
	return buf;
}

/* Why a namespace moved: why its region did (a region of its own address when not known). */
static int ns_cause(struct cmp *c, struct nsa_finding *f, const struct nsa_namespace *ns,
		    const struct nsa_namespace *o)
{
	const struct nsa_region *ro = old_region(c, o), *rn = nsa_ns_region(c->cur, ns);
	struct nsa_region fo = { .spa_start = o->spa_start }, fn = { .spa_start = ns->spa_start };

	if (!ro || !ro->spa_start) {
		nsa_strlcpy(fo.dev, o->region[0] ? o->region : o->dev, sizeof(fo.dev));
		ro = &fo;
	}
	if (!rn || !rn->spa_start) {
		nsa_strlcpy(fn.dev, ns->region[0] ? ns->region : ns->dev, sizeof(fn.dev));
		rn = &fn;
	}
	f->cause = nsa_move_cause(c->old, ro, c->cur, rn);
	return f->cause ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ matching */

static int cmp_uuid(const void *x, const void *y, void *arg)
{
	const struct nsa_snapshot *s = arg;

	return strcmp(s->namespaces[*(const size_t *)x].uuid,
		      s->namespaces[*(const size_t *)y].uuid);
}

static int match_namespaces(struct cmp *c)
{
	const struct nsa_snapshot *old = c->old, *cur = c->cur;
	_cleanup_free_ size_t *by_uuid = NULL;
	size_t n_uuid = 0;

	by_uuid = calloc(old->n_namespaces + 1, sizeof(*by_uuid));
	if (!by_uuid)
		return -ENOMEM;
	for (size_t j = 0; j < old->n_namespaces; j++)
		if (old->namespaces[j].uuid[0])
			by_uuid[n_uuid++] = j;
	qsort_r(by_uuid, n_uuid, sizeof(*by_uuid), cmp_uuid, (void *)old);

	/* labelled: the UUID */
	for (size_t i = 0; i < cur->n_namespaces; i++) {
		const char *u = cur->namespaces[i].uuid;
		size_t lo = 0, hi = n_uuid;

		c->match[i] = -1;
		if (!u[0])
			continue;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int d = strcmp(old->namespaces[by_uuid[mid]].uuid, u);

			if (d == 0) {
				if (!c->old_used[by_uuid[mid]]) {
					c->match[i] = (ssize_t)by_uuid[mid];
					c->old_used[by_uuid[mid]] = true;
				}
				break;
			}
			if (d < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	/* label-less: the same range ... */
	for (size_t i = 0; i < cur->n_namespaces; i++) {
		const struct nsa_namespace *ns = &cur->namespaces[i];

		if (ns->uuid[0])
			continue;
		for (size_t j = 0; j < old->n_namespaces && c->match[i] < 0; j++) {
			const struct nsa_namespace *o = &old->namespaces[j];

			if (!c->old_used[j] && !o->uuid[0] && o->spa_start == ns->spa_start &&
			    o->size == ns->size) {
				c->match[i] = (ssize_t)j;
				c->old_used[j] = true;
				c->weak[i] = true;
			}
		}
	}
	/* ... or, moved, the one range of that size on both sides */
	for (size_t i = 0; i < cur->n_namespaces; i++) {
		const struct nsa_namespace *ns = &cur->namespaces[i];
		ssize_t cand = -1;
		int n_old = 0, n_cur = 0;

		if (ns->uuid[0] || c->match[i] >= 0)
			continue;
		for (size_t j = 0; j < old->n_namespaces; j++) {
			const struct nsa_namespace *o = &old->namespaces[j];

			if (!c->old_used[j] && !o->uuid[0] && o->size == ns->size) {
				cand = (ssize_t)j;
				n_old++;
			}
		}
		for (size_t k = 0; k < cur->n_namespaces; k++)
			if (!cur->namespaces[k].uuid[0] && c->match[k] < 0 &&
			    cur->namespaces[k].size == ns->size)
				n_cur++;
		if (n_old == 1 && n_cur == 1) {
			c->match[i] = cand;
			c->old_used[cand] = true;
			c->weak[i] = true;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ namespaces */

static int report_moved_unavailable(struct cmp *c, size_t i, const struct nsa_namespace *o)
{
	const struct nsa_namespace *ns = &c->cur->namespaces[i];
	int64_t shift = (int64_t)(ns->spa_start - o->spa_start);
	char sh[40], back[40], a1[32], off[32], size[32], cause[512], repair[400], why[400],
		undo[160];
	_cleanup_free_ char *klog = NULL;
	const char *key;
	uint64_t new_align = 0;
	int rp;
	struct nsa_placement pl;
	struct nsa_finding *f;
	bool confirmed = false;
	uint64_t compat = c->p.memremap_compat_align ? c->p.memremap_compat_align : 2 * NSA_MiB;

	nsa_check_placement_on(&c->p, o, old_region(c, o), ns->spa_start, &pl);
	shift_str(shift, sh, sizeof(sh));
	shift_str(-shift, back, sizeof(back));
	if (pl.verdict == NSA_ACCEPT_NO) {
		/* the part of the message that does not name a device */
		const char *core = strstr(pl.kernel_message, "] misaligned")
					   ? "misaligned, unable to map"
					   : pl.kernel_message;

		klog = nsa_kernel_refusals(c->cur, core, true);
		confirmed = klog != NULL;
	}
	if (!klog)
		klog = nsa_kernel_refusals(c->cur, NULL, true);

	f = nsa_analysis_add(c->a, "NSA-NS-MOVED-UNAVAILABLE", ns->dev, ns->uuid);
	if (!f || ns_cause(c, f, ns, o) < 0)
		return -ENOMEM;
	sz(pl.violated_align, a1, sizeof(a1));
	if (pl.verdict == NSA_ACCEPT_NO && pl.violated_align &&
	    strcmp(pl.kernel_check, "nd_pfn_validate") == 0 &&
	    strstr(pl.kernel_message, "bad offset"))
		snprintf(cause, sizeof(cause),
			 "Its %s info block records a data offset of %s and an alignment of %s; "
			 "the data now starts at %#" PRIx64 ", which is not a multiple of %s, so "
			 "the kernel's nd_pfn_validate() refuses it: '%s'.",
			 o->mode == NSA_MODE_DEVDAX ? "devdax" : "fsdax",
			 sz(pl.violated_addr - ns->spa_start, off, sizeof(off)), a1,
			 pl.violated_addr, a1, pl.kernel_message);
	else if (pl.verdict == NSA_ACCEPT_NO && pl.violated_align)
		snprintf(cause, sizeof(cause),
			 "At the new address the kernel's %s() check fails: %#" PRIx64
			 " is not a multiple of %s: '%s'.",
			 pl.kernel_check, pl.violated_addr, a1, pl.kernel_message);
	else if (pl.verdict == NSA_ACCEPT_NO)
		snprintf(cause, sizeof(cause),
			 "At the new address the kernel's %s() refuses it: '%s'.", pl.kernel_check,
			 pl.kernel_message);
	else if (pl.verdict == NSA_ACCEPT_YES)
		snprintf(cause, sizeof(cause),
			 "The alignments it recorded still hold at the new address, so the move "
			 "alone does not explain it; the kernel log of this boot says more.");
	else
		snprintf(cause, sizeof(cause),
			 "The record holds no info-block geometry for it, so the rule that broke "
			 "cannot be named; the kernel log of this boot says more.");

	nsa_finding_set_message(
		f,
		"%s (%s, %s, uuid %s) was at %#" PRIx64 " on the recorded boot (%s) and is now at "
		"%#" PRIx64 ": the platform moved it by %s.%s %s%s It is %s now and nothing maps "
		"it. The data on the media is intact.",
		ns->dev, nsa_mode_name(o->mode), sz(o->size, size, sizeof(size)),
		ns->uuid[0] ? ns->uuid : "none, label-less", o->spa_start, c->when, ns->spa_start,
		sh, cause_sentence(f->cause, why, sizeof(why)), cause,
		confirmed ? " This boot's kernel log has that very line." : "",
		ns->enabled ? "enabled but unusable" : "raw and disabled");

	key = ns->uuid[0] ? ns->uuid : ns->dev;
	rp = nsa_repair_plan_on(&c->p, o, old_region(c, o), ns->spa_start, &new_align);
	if (rp == 0)
		snprintf(repair, sizeof(repair),
			 " If the move is permanent: 'nsalign repair %s --dry-run' shows the plan "
			 "(the info block's align becomes %s, nothing else changes), 'nsalign "
			 "repair %s --force' does it, the old block saved first.",
			 key, sz(new_align, a1, sizeof(a1)), key);
	else if (rp == -ERANGE && !nsa_is_aligned((uint64_t)(shift < 0 ? -shift : shift), compat))
		snprintf(repair, sizeof(repair),
			 " The shift is not a multiple of %s, so no info block can fit the new "
			 "address: copy the data out through 'nsalign rescue', then re-create the "
			 "namespace.",
			 sz(compat, a1, sizeof(a1)));
	else
		snprintf(repair, sizeof(repair),
			 " If the move is permanent, 'nsalign repair %s --dry-run' says whether "
			 "rewriting the info block's align brings it back.",
			 key);
	nsa_finding_set_remedy(
		f,
		"Do not re-create the namespace, reconfigure it ('ndctl create-namespace -e %s "
		"-f') or run mkfs on it: each destroys the data. First choice: put the hardware "
		"back as it was (%s); the namespace then comes back at %#" PRIx64 " unchanged. To "
		"read the data meanwhile, read-only, nothing written: 'nsalign rescue %s' (its "
		"data start at byte %s of the raw namespace).%s",
		ns->dev, undo_cause(f->cause, undo, sizeof(undo)), o->spa_start, key,
		sz(o->data_start - o->spa_start, off, sizeof(off)), repair);
	if (rp == 0)
		nsa_finding_fact_u64(f, "repair_align", new_align);
	common_facts(c, f, o, c->weak[i]);
	nsa_finding_fact_addr(f, "spa_old", o->spa_start);
	nsa_finding_fact_addr(f, "spa_new", ns->spa_start);
	nsa_finding_fact_i64(f, "shift", shift);
	if (o->data_start > o->spa_start)
		nsa_finding_fact_u64(f, "dataoff", o->data_start - o->spa_start);
	if (o->align)
		nsa_finding_fact_u64(f, "align", o->align);
	if (pl.verdict == NSA_ACCEPT_NO) {
		nsa_finding_fact_str(f, "kernel_check", pl.kernel_check);
		nsa_finding_fact_str(f, "predicted_message", pl.kernel_message);
		if (pl.violated_align)
			nsa_finding_fact_u64(f, "violated_align", pl.violated_align);
		if (pl.violated_addr)
			nsa_finding_fact_addr(f, "checked_addr", pl.violated_addr);
	}
	if (klog)
		nsa_finding_fact_str(f, "kernel_message", klog);
	nsa_finding_fact_bool(f, "kernel_confirms", confirmed);
	supersede(c, ns->dev);
	return 0;
}

static int report_moved(struct cmp *c, size_t i, const struct nsa_namespace *o)
{
	const struct nsa_namespace *ns = &c->cur->namespaces[i];
	const struct nsa_ns_verdict *v = &c->a->verdicts[i];
	int64_t shift = (int64_t)(ns->spa_start - o->spa_start);
	char sh[40];
	struct nsa_finding *f = nsa_analysis_add(c->a, "NSA-NS-MOVED", ns->dev, ns->uuid);
	char why[400];

	if (!f || ns_cause(c, f, ns, o) < 0)
		return -ENOMEM;
	nsa_finding_set_message(
		f,
		"%s (%s, uuid %s) moved from %#" PRIx64 " to %#" PRIx64 " (%s) since the recorded "
		"boot (%s)%s.%s %s%s",
		ns->dev, nsa_mode_name(o->mode), ns->uuid[0] ? ns->uuid : "none, label-less",
		o->spa_start, ns->spa_start, shift_str(shift, sh, sizeof(sh)), c->when,
		c->weak[i] ? "; label-less ranges have no UUID, so it was matched by its size" : "",
		cause_sentence(f->cause, why, sizeof(why)),
		v->available ? "The kernel still maps it."
			     : "It was not mapped on the recorded boot either.",
		v->available && v->required_align
			? " It depends on an alignment that the move kept; moves by other amounts "
			  "may not."
			: "");
	nsa_finding_set_remedy(f, "Nothing to do now. 'nsalign check' shows which further "
				  "moves it survives.");
	common_facts(c, f, o, c->weak[i]);
	nsa_finding_fact_addr(f, "spa_old", o->spa_start);
	nsa_finding_fact_addr(f, "spa_new", ns->spa_start);
	nsa_finding_fact_i64(f, "shift", shift);
	return 0;
}

static int report_mode_lost(struct cmp *c, size_t i, const struct nsa_namespace *o)
{
	const struct nsa_namespace *ns = &c->cur->namespaces[i];
	_cleanup_free_ char *klog = nsa_kernel_refusals(c->cur, NULL, true);
	struct nsa_finding *f = nsa_analysis_add(c->a, "NSA-NS-MODE-LOST", ns->dev, ns->uuid);
	char size[32];

	if (!f)
		return -ENOMEM;
	nsa_finding_set_message(
		f,
		"%s (%s, uuid %s) was %s and enabled on the recorded boot (%s) and is %s%s now, at "
		"the same address %#" PRIx64 ". %s",
		ns->dev, sz(o->size, size, sizeof(size)),
		ns->uuid[0] ? ns->uuid : "none, label-less", nsa_mode_name(o->mode), c->when,
		nsa_mode_name(ns->mode), ns->enabled ? "" : " and disabled", ns->spa_start,
		ns->force_raw ? "Its force_raw attribute is set: someone asked for the raw device."
			      : "It did not move, so the cause is not the alignment: a driver "
				"module that did not load (nd_pmem, dax_pmem, nd_btt), an info "
				"block that was damaged or overwritten, or a label change.");
	nsa_finding_set_remedy(
		f,
		"Do not reconfigure the namespace or run mkfs on it: that destroys the data. Check "
		"'lsmod | grep -e nd_pmem -e dax_pmem -e nd_btt', 'ndctl read-infoblock -V -j %s' "
		"and 'journalctl -k -b | grep %s'%s.",
		ns->dev, ns->dev,
		ns->force_raw ? "; 'echo 0 > /sys/bus/nd/devices/NS/force_raw' and re-enable it "
				"to get the mode back"
			      : "");
	common_facts(c, f, o, c->weak[i]);
	nsa_finding_fact_str(f, "mode", nsa_mode_name(ns->mode));
	nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	if (klog)
		nsa_finding_fact_str(f, "kernel_message", klog);
	supersede(c, ns->dev);
	return 0;
}

static int report_vanished(struct cmp *c, const struct nsa_namespace *o)
{
	const struct nsa_region *r = old_region(c, o);
	bool region_gone = true;
	struct nsa_finding *f;
	char size[32], why[400], undo[160] = "";

	for (size_t k = 0; r && k < c->cur->n_regions; k++)
		if (c->cur->regions[k].size == r->size &&
		    strcmp(c->cur->regions[k].provider, r->provider) == 0)
			region_gone = false;
	f = nsa_analysis_add(c->a, "NSA-NS-VANISHED", o->dev, o->uuid);
	if (!f || !(f->cause = nsa_vanish_cause(c->old, r, c->cur)))
		return -ENOMEM;
	/* a known cause knows whether the region is here (region_now) */
	if (r && strcmp(f->cause->code, "unknown") != 0) {
		region_gone = true;
		for (int i = 0; i < f->cause->n_evidence; i++)
			if (strcmp(f->cause->evidence[i].key, "region_now") == 0)
				region_gone = false;
	}
	cause_sentence(f->cause, why, sizeof(why));
	nsa_finding_set_message(
		f,
		"%s namespace %s (%s at %#" PRIx64 ", uuid %s), recorded on %s, is not on this "
		"boot%s.%s",
		nsa_mode_name(o->mode), o->dev, sz(o->size, size, sizeof(size)), o->spa_start,
		o->uuid[0] ? o->uuid : "none, label-less", c->when,
		region_gone && r ? "; its region is gone too" : "",
		why[0] ? why
		       : " A DIMM removed, failed or moved to another slot, a disabled region, a "
			 "damaged label area or a firmware setting that hides the PMEM can do "
			 "this.");
	if (strcmp(f->cause->code, "dimm-removed") == 0)
		snprintf(undo, sizeof(undo),
			 " First choice: put %s; the namespace then comes back.",
			 undo_cause(f->cause, why, sizeof(why)));
	nsa_finding_set_remedy(
		f,
		"Do not create namespaces or run 'ndctl init-labels' on that PMEM until the cause "
		"is known: that overwrites the labels that describe this namespace.%s Look at "
		"'ndctl list -RDi' (DIMMs, health, disabled regions), 'journalctl -k -b | grep "
		"-i -e nvdimm -e nfit' and the platform's DIMM inventory.",
		undo);
	common_facts(c, f, o, !o->uuid[0]);
	nsa_finding_fact_addr(f, "spa_old", o->spa_start);
	nsa_finding_fact_u64(f, "raw_size", o->size);
	if (r)
		nsa_finding_fact_str(f, "region_recorded", r->dev);
	return 0;
}

static int report_new(struct cmp *c, size_t i)
{
	const struct nsa_namespace *ns = &c->cur->namespaces[i];
	struct nsa_finding *f = nsa_analysis_add(c->a, "NSA-NS-NEW", ns->dev, ns->uuid);
	char size[32];

	if (!f)
		return -ENOMEM;
	nsa_finding_set_message(f,
				"%s (%s, %s at %#" PRIx64 ") is not in the layout recorded on %s: "
				"created since, or not found then.",
				ns->dev, nsa_mode_name(ns->mode), sz(ns->size, size, sizeof(size)),
				ns->spa_start, c->when);
	nsa_finding_set_remedy(f, "'nsalign check --record' records the layout as it is now; "
				  "'nsalign check --boot' does it at the next clean boot.");
	nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	nsa_finding_fact_u64(f, "raw_size", ns->size);
	return 0;
}

static int compare_namespaces(struct cmp *c)
{
	int r = match_namespaces(c);

	for (size_t i = 0; i < c->cur->n_namespaces && r == 0; i++) {
		const struct nsa_namespace *ns = &c->cur->namespaces[i];
		const struct nsa_namespace *o;
		bool was_ok, now_ok, moved;

		if (c->match[i] < 0) {
			r = c->moves_only ? 0 : report_new(c, i);
			continue;
		}
		o = &c->old->namespaces[c->match[i]];
		was_ok = o->enabled;
		now_ok = ns->enabled && c->a->verdicts[i].available;
		moved = o->spa_start && ns->spa_start && o->spa_start != ns->spa_start;
		if (moved && !now_ok && was_ok)
			r = report_moved_unavailable(c, i, o);
		else if (moved)
			r = report_moved(c, i, o);
		else if (was_ok && has_mode(o) && (ns->mode != o->mode || !now_ok) &&
			 !c->moves_only)
			r = report_mode_lost(c, i, o);
	}
	for (size_t j = 0; j < c->old->n_namespaces && r == 0; j++)
		if (!c->old_used[j])
			r = report_vanished(c, &c->old->namespaces[j]);
	return r;
}

/* ------------------------------------------------------------ regions, platform */

/* The region of this boot that is recorded region j, or NULL; taken marks those matched. */
static const struct nsa_region *match_region(struct cmp *c, size_t j, bool *taken)
{
	const struct nsa_region *o = &c->old->regions[j];
	ssize_t one = -1;
	int n = 0;

	/* the same name and size, unless a DIMM of it is gone ... */
	if (nsa_region_lost_dimm(c->old, o, c->cur))
		return NULL;
	for (size_t k = 0; k < c->cur->n_regions; k++)
		if (strcmp(c->cur->regions[k].dev, o->dev) == 0 &&
		    c->cur->regions[k].size == o->size) {
			taken[k] = true;
			return &c->cur->regions[k];
		}
	/* ... else the one region of that size and provider no other recorded one is by name */
	for (size_t k = 0; k < c->cur->n_regions; k++) {
		const struct nsa_region *r = &c->cur->regions[k];
		bool by_name = false;

		for (size_t i = 0; i < c->old->n_regions && !by_name; i++)
			by_name = i != j && strcmp(c->old->regions[i].dev, r->dev) == 0 &&
				  c->old->regions[i].size == r->size &&
				  !nsa_region_lost_dimm(c->old, &c->old->regions[i], c->cur);
		if (!taken[k] && !by_name && r->size == o->size &&
		    strcmp(r->provider, o->provider) == 0) {
			one = (ssize_t)k;
			n++;
		}
	}
	if (n != 1)
		return NULL;
	taken[one] = true;
	return &c->cur->regions[one];
}

static int compare_regions(struct cmp *c)
{
	_cleanup_free_ bool *taken = calloc(c->cur->n_regions + 1, sizeof(*taken));

	if (!taken)
		return -ENOMEM;
	for (size_t j = 0; j < c->old->n_regions; j++) {
		const struct nsa_region *o = &c->old->regions[j];
		const struct nsa_region *r = match_region(c, j, taken);
		struct nsa_finding *f;
		char sh[40], size[32], why[400];
		int64_t shift;

		if (!r || !r->spa_start || !o->spa_start || r->spa_start == o->spa_start)
			continue;
		shift = (int64_t)(r->spa_start - o->spa_start);
		f = nsa_analysis_add(c->a, "NSA-REGION-MOVED", r->dev, "");
		if (!f || !(f->cause = nsa_move_cause(c->old, o, c->cur, r)))
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s (%s, %s) was at %#" PRIx64
			" on the recorded boot (%s) and is at %#" PRIx64
			" now: the platform moved it by %s.%s",
			r->dev, r->provider[0] ? r->provider : "pmem",
			sz(r->size, size, sizeof(size)), o->spa_start, c->when, r->spa_start,
			shift_str(shift, sh, sizeof(sh)),
			cause_sentence(f->cause, why, sizeof(why))[0]
				? why
				: " A DIMM added, removed or failed, a firmware update or a change "
				  "of other memory does this.");
		nsa_finding_set_remedy(
			f, "See the findings about its namespaces: those that still work need "
			   "nothing; for those that broke, do not re-create them.");
		nsa_finding_fact_str(f, "dev_recorded", o->dev);
		nsa_finding_fact_addr(f, "spa_old", o->spa_start);
		nsa_finding_fact_addr(f, "spa_new", r->spa_start);
		nsa_finding_fact_i64(f, "shift", shift);
		nsa_finding_fact_u64(f, "size", r->size);
	}
	return 0;
}

static int compare_platform(struct cmp *c)
{
	const struct nsa_platform *o = &c->old->platform, *p = &c->cur->platform;
	struct nsa_finding *f;
	char b1[32], b2[32];

	if (o->block_size && p->block_size && o->block_size != p->block_size) {
		f = nsa_analysis_add(c->a, "NSA-BLOCK-SIZE-CHANGED", "", "");
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"The memory block size was %s on the recorded boot (%s) and is %s now: "
			"memory blocks are numbered differently (memoryN), and devdax memory "
			"onlined "
			"as System RAM yields another capacity, since only whole blocks are used.",
			sz(o->block_size, b1, sizeof(b1)), c->when,
			sz(p->block_size, b2, sizeof(b2)));
		nsa_finding_set_remedy(f, "Re-check what kmem would yield ('nsalign check -v') and "
					  "update scripts or udev rules that name memory blocks.");
		nsa_finding_fact_u64(f, "block_size_old", o->block_size);
		nsa_finding_fact_u64(f, "block_size_new", p->block_size);
	}
	if (o->kernel_release[0] && p->kernel_release[0] &&
	    strcmp(o->kernel_release, p->kernel_release) != 0) {
		const char *code = "NSA-KERNEL-CHANGED";

		if (o->subsection_hotplug && !p->subsection_hotplug)
			code = "NSA-KERNEL-SUBSECTION-LOST";
		else if (!o->subsection_hotplug && p->subsection_hotplug)
			code = "NSA-KERNEL-SUBSECTION-GAINED";
		f = nsa_analysis_add(c->a, code, "", "");
		if (!f)
			return -ENOMEM;
		if (strcmp(code, "NSA-KERNEL-SUBSECTION-LOST") == 0) {
			nsa_finding_set_message(
				f,
				"The recorded boot (%s) ran kernel %s, which maps PMEM in 2 MiB "
				"sub-sections; this boot runs %s, which does not (before 5.3): "
				"PMEM "
				"that shares a %s memory section with System RAM or other PMEM "
				"cannot "
				"be mapped, and fsdax/devdax info blocks are laid out with section "
				"padding.",
				c->when, o->kernel_release, p->kernel_release,
				sz(c->p.section_size, b1, sizeof(b1)));
			nsa_finding_set_remedy(f, "Boot a kernel of 5.3 or later; do not create "
						  "namespaces under this one.");
		} else if (strcmp(code, "NSA-KERNEL-SUBSECTION-GAINED") == 0) {
			nsa_finding_set_message(
				f,
				"The recorded boot (%s) ran kernel %s, without sub-section memory "
				"hotplug; this boot runs %s, which has it: PMEM sharing a section "
				"with other memory can now be mapped.",
				c->when, o->kernel_release, p->kernel_release);
			nsa_finding_set_remedy(f, "Nothing to do.");
		} else {
			nsa_finding_set_message(
				f,
				"The recorded boot (%s) ran kernel %s; this boot runs "
				"%s. PMEM rules did not change between them.",
				c->when, o->kernel_release, p->kernel_release);
			nsa_finding_set_remedy(f, "Nothing to do.");
		}
		nsa_finding_fact_str(f, "kernel_old", o->kernel_release);
		nsa_finding_fact_str(f, "kernel_new", p->kernel_release);
	}
	return 0;
}

static int compare(const struct nsa_boot_record *base, const struct nsa_snapshot *cur,
		   struct nsa_analysis *a, bool moves_only)
{
	struct cmp c = {
		.base = base, .old = base->layout, .cur = cur, .a = a, .moves_only = moves_only
	};
	time_t t = (time_t)base->recorded_at;
	struct tm tm;
	int r;

	if (!base->layout || a->n_verdicts != cur->n_namespaces)
		return -EINVAL;
	nsa_effective_platform(cur, &c.p);
	gmtime_r(&t, &tm);
	strftime(c.when, sizeof(c.when), "%Y-%m-%d %H:%M UTC", &tm);
	strftime(c.iso, sizeof(c.iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (base->layout->platform.kernel_release[0]) {
		size_t l = strlen(c.when);

		snprintf(c.when + l, sizeof(c.when) - l, ", kernel %.20s",
			 base->layout->platform.kernel_release);
	}
	c.match = calloc(cur->n_namespaces + 1, sizeof(*c.match));
	c.weak = calloc(cur->n_namespaces + 1, sizeof(*c.weak));
	c.old_used = calloc(c.old->n_namespaces + 1, sizeof(*c.old_used));
	r = (c.match && c.weak && c.old_used) ? 0 : -ENOMEM;
	if (r == 0 && !moves_only)
		r = compare_platform(&c);
	if (r == 0)
		r = compare_regions(&c);
	if (r == 0)
		r = compare_namespaces(&c);
	free(c.match);
	free(c.weak);
	free(c.old_used);
	return r;
}

int nsa_compare(const struct nsa_boot_record *base, const struct nsa_snapshot *cur,
		struct nsa_analysis *a)
{
	return compare(base, cur, a, false);
}

int nsa_compare_moves(const struct nsa_boot_record *base, const struct nsa_snapshot *cur,
		      struct nsa_analysis *a)
{
	return compare(base, cur, a, true);
}
