// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The analyzer: snapshot in, findings out, no I/O.  For each namespace:
 * what the kernel makes of it here and after platform moves (kernel.c),
 * who shares its edge sections and blocks (occupancy.c), what kmem would
 * give; the findings' words are in report.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

#define SZ_16M (16 * NSA_MiB)

const struct nsa_daxdev *nsa_ns_daxdev(const struct nsa_snapshot *s, const struct nsa_namespace *ns)
{
	for (size_t i = 0; i < s->n_daxdevs; i++)
		if (ns->dev[0] && strcmp(s->daxdevs[i].namespace_dev, ns->dev) == 0)
			return &s->daxdevs[i];
	return NULL;
}

/*
 * A devdax namespace whose dax device has no driver: device_dax failed to
 * probe it (arm64's -12 or -17), while ndctl lists the namespace enabled.
 * There is no /dev/daxX.Y: not available.
 */
static int analyze_dax_unbound(struct ctx *c, const struct nsa_namespace *ns,
			       struct nsa_ns_verdict *v)
{
	const struct nsa_daxdev *d = NULL;
	struct nsa_finding *f;
	char needle[NSA_DEV_LEN + 2], *joined;

	for (size_t k = 0; k < c->s->n_daxdevs && !d; k++)
		if (ns->dev[0] && strcmp(c->s->daxdevs[k].namespace_dev, ns->dev) == 0)
			d = &c->s->daxdevs[k];
	if (!ns->enabled || !d || !d->unbound)
		return 0;
	v->available = false;
	f = nsa_analysis_add(c->a, "NSA-DAX-UNBOUND", d->dev, ns->uuid);
	if (!f)
		return -ENOMEM;
	nsa_finding_set_message(
		f,
		"%s is enabled in devdax mode, but its dax device %s has no driver: the kernel "
		"failed to probe it, so /dev/%s does not exist and nothing can map the "
		"namespace (ndctl still lists it enabled).",
		ns->dev, d->dev, d->dev);
	nsa_finding_set_remedy(
		f, "Read the kernel's reason below. After NSA-KERNEL-MEMMAP-NO-ROOM (arm64, -12 or "
		   "-17) only a reboot frees the sections; otherwise fix the cause and run "
		   "'ndctl disable-namespace NS && ndctl enable-namespace NS'.");
	nsa_finding_fact_str(f, "namespace", ns->dev);
	snprintf(needle, sizeof(needle), "%s:", d->dev);
	joined = nsa_kernel_refusals(c->s, needle, true);
	if (joined)
		nsa_finding_fact_str(f, "kernel_message", joined);
	free(joined);
	return 0;
}

/*
 * A namespace the kernel runs raw although the 4 KiB at 4096 hold a pfn/dax
 * signature: the block does not validate (a torn write, damage, another
 * namespace's block; nsa_infoblock_classify()), so the kernel ignored it.
 * Its data start past the block: /dev/pmemX is not the data.
 */
static int analyze_damaged_block(struct ctx *c, const struct nsa_namespace *ns)
{
	const struct nsa_infoblock *ib = &ns->ib;
	const char *key = ns->uuid[0] ? ns->uuid : ns->dev;
	const char *mode = nsa_infoblock_is_devdax(ib) ? "devdax" : "fsdax";
	uint64_t align = nsa_infoblock_effective_align(ib), a = align;
	char disk[NSA_DEV_LEN + 8], write[400] = "";
	struct nsa_finding *f;

	if (!ns->enabled || ns->mode != NSA_MODE_RAW || ib->valid || !ib->damage[0])
		return 0;
	f = nsa_analysis_add(c->a, "NSA-NS-INFOBLOCK-DAMAGED", ns->dev, ns->uuid);
	if (!f)
		return -ENOMEM;
	snprintf(disk, sizeof(disk), "/dev/%s", ns->blockdev[0] ? ns->blockdev : "pmemX");
	nsa_finding_set_message(
		f,
		"%s holds an info block (%s, %s) that does not validate: %s. The kernel "
		"ignored it and runs the namespace raw%s, so %s is not its data (the data "
		"start %#" PRIx64 " bytes in, past the block, if that field is intact).",
		ns->dev, ib->signature, mode, ib->damage,
		ns->force_raw ? " (force_raw is set as well)" : "", disk,
		(uint64_t)ib->start_pad + ib->dataoff);
	/*
	 * ndctl write-infoblock computes the data offset from offset 0: the
	 * kernel's layout only where the namespace starts on the align.
	 */
	if (a < 2 * NSA_MiB)
		a = 2 * NSA_MiB;
	if (ib->uuid[0] && align && ns->spa_start && ns->spa_start % a == 0)
		snprintf(write, sizeof(write),
			 " Without a backup, 'ndctl write-infoblock %s -m %s -M %s -a %" PRIu64
			 " -u %s' writes a block with the settings this one names; compare "
			 "'ndctl read-infoblock %s' (dataoff %#" PRIx64 ") before enabling it.",
			 ns->dev, mode, ib->mode == NSA_PFN_MODE_RAM ? "mem" : "dev", align,
			 ib->uuid, ns->dev, ib->dataoff);
	nsa_finding_set_remedy(
		f,
		"Do not write to %s and do not run mkfs on it: that destroys the data. "
		"'ndctl disable-namespace %s', then 'nsalign repair %s --restore BACKUP "
		"--force' puts back the block 'nsalign repair' saved (in %s/backup, named "
		"%s-...); 'ndctl enable-namespace %s' after it.%s",
		disk, ns->dev, key, NSA_STATE_DIR, ns->dev, ns->dev, write);
	nsa_finding_fact_str(f, "damage", ib->damage);
	nsa_finding_fact_str(f, "signature", ib->signature);
	if (ns->blockdev[0])
		nsa_finding_fact_str(f, "blockdev", ns->blockdev);
	nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	return 0;
}

/*
 * Start padding: from the info block when it was read (a raw namespace),
 * else from what sysfs shows of a live fsdax/devdax one (nsa_kernel_live_pad()).
 */
static int analyze_start_pad(struct ctx *c, const struct nsa_namespace *ns)
{
	struct nsa_pad pad = { 0 };
	struct nsa_finding *f;
	const char *src = "infoblock";

	if (ns->ib.valid) {
		pad.start_pad = ns->ib.start_pad;
		pad.end_trunc = ns->ib.end_trunc;
	} else if (ns->enabled) {
		nsa_kernel_live_pad(&c->p, ns, &pad);
		src = pad.source == NSA_PAD_SYSFS_MIN ? "sysfs-minimum" : "sysfs";
	}
	if (!pad.start_pad)
		return 0;
	f = nsa_analysis_add(c->a, "NSA-NS-START-PAD", ns->dev, ns->uuid);
	if (!f)
		return -ENOMEM;
	if (ns->ib.valid)
		nsa_finding_set_message(f,
					"%s was created by a kernel before 5.3 with %" PRIu64
					" bytes of start padding "
					"to reach a section boundary. Current kernels no longer "
					"create such layouts and "
					"the padding breaks when the platform moves the PMEM.",
					ns->dev, pad.start_pad);
	else
		nsa_finding_set_message(
			f,
			"%s starts at %#" PRIx64 " and its data at %#" PRIx64 " (sysfs): its "
			"info block carries %s%" PRIu64 " bytes of start padding, which kernels "
			"before 5.3 wrote to reach a section boundary. Current kernels no longer "
			"create such layouts and the padding breaks when the platform moves the "
			"PMEM.",
			ns->dev, ns->spa_start, ns->data_start,
			pad.source == NSA_PAD_SYSFS_MIN ? "at least " : "", pad.start_pad);
	nsa_finding_set_remedy(f, "Back up the data, re-create the namespace, restore.");
	nsa_finding_fact_u64(f, "start_pad", pad.start_pad);
	nsa_finding_fact_u64(f, "end_trunc", pad.end_trunc);
	nsa_finding_fact_str(f, "start_pad_source", src);
	return 0;
}

static int analyze_namespace(struct ctx *c, size_t i)
{
	const struct nsa_namespace *ns = &c->s->namespaces[i];
	const struct nsa_region *region = nsa_ns_region(c->s, ns);
	struct nsa_ns_verdict *v = &c->a->verdicts[i];
	uint64_t S = c->p.section_size, B = c->p.block_size, end = ns->spa_start + ns->size;
	struct shared sh = { 0 };
	struct nsa_placement now;
	struct nsa_pfn_geometry g;
	bool shared = false;
	int r;

	v->ns_index = i;
	v->available = ns->enabled;
	r = analyze_dax_unbound(c, ns, v);
	if (r == 0)
		r = analyze_damaged_block(c, ns);
	if (r < 0)
		return r;
	if (!ns->size || !ns->spa_start)
		return 0;
	nsa_kernel_ns_geometry(ns, region, &g);
	v->start_align = nsa_align_of(ns->spa_start);
	v->end_align = nsa_align_of(end);
	if (ns->data_start)
		v->data_align = nsa_align_of(ns->data_start);
	v->first_section = ns->spa_start / S;
	v->last_section = (end - 1) / S;
	v->first_block = ns->spa_start / B;
	v->last_block = (end - 1) / B;
	v->required_align = nsa_kernel_required_align(&c->p, region, &g);

	nsa_kernel_probe(&c->p, region, &g, ns->dev, ns->spa_start, ns->size, &now);
	if (!ns->enabled) {
		r = nsa_report_unavailable(c, ns, region, &g, &now, v);
		if (r < 0)
			return r;
	}

	/* robustness: the smallest move by a multiple of the granularity that breaks it */
	if (now.verdict == NSA_ACCEPT_YES && v->required_align) {
		uint64_t G = c->granularity, limit = v->required_align > G ? v->required_align : G;

		v->survives_granularity = true;
		for (uint64_t d = G; d <= limit && d; d += G) {
			struct nsa_placement up, down;

			nsa_kernel_probe(&c->p, region, &g, ns->dev, ns->spa_start + d, ns->size,
					 &up);
			if (ns->spa_start >= d)
				nsa_kernel_probe(&c->p, region, &g, ns->dev, ns->spa_start - d,
						 ns->size, &down);
			else
				down.verdict = NSA_ACCEPT_YES;
			if (up.verdict == NSA_ACCEPT_NO || down.verdict == NSA_ACCEPT_NO) {
				v->break_shift = d;
				v->survives_granularity = false;
				break;
			}
			if (d / G >= 64)
				break;
		}
		if (ns->enabled && !v->survives_granularity) {
			r = nsa_report_fragile(c, ns, region, &g, v);
			if (r < 0)
				return r;
		}
	} else if (now.verdict == NSA_ACCEPT_YES) {
		v->survives_granularity = true; /* depends on no alignment at all */
	}

	/* collisions: only the edge sections can hold anyone else */
	r = nsa_occupancy_scan_section(&c->occ, c->s, &c->p, i, v->first_section, v, &sh, &shared);
	if (r == 0 && v->last_section != v->first_section)
		r = nsa_occupancy_scan_section(&c->occ, c->s, &c->p, i, v->last_section, v, &sh,
					       &shared);
	if (r < 0)
		return r;
	v->shared_sections = shared ? nsa_occupancy_shared_sections(v, S) : 0;
	v->shared_blocks = nsa_occupancy_shared_blocks(ns, B, v);
	r = nsa_report_sharing(c, ns, region, &sh);
	if (r < 0)
		return r;

	/* ndctl's check_dax_align(): fsdax/devdax only on 16 MiB aligned namespaces */
	if (g.dax && ns->enabled && g.known && !nsa_kernel_dax_align_ok(&c->p, region, g.align)) {
		struct nsa_finding *f =
			nsa_analysis_add(c->a, "NSA-DAX-ALIGN-UNSUPPORTED", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(f,
					"%s uses a devdax alignment of %#" PRIx64
					" that this kernel does not offer (page, PMD or PUD size).",
					ns->dev, g.align);
		nsa_finding_set_remedy(
			f, "Use 4K, 2M or 1G (see 'ndctl list -R -v' supported_alignments).");
		nsa_finding_fact_u64(f, "align", g.align);
	}
	r = analyze_start_pad(c, ns);
	if (r < 0)
		return r;

	/* kmem yield for devdax */
	if (ns->mode == NSA_MODE_DEVDAX || nsa_ns_daxdev(c->s, ns)) {
		const struct nsa_daxdev *dax = nsa_ns_daxdev(c->s, ns);
		uint64_t ds = dax && dax->spa_start ? dax->spa_start : ns->data_start;
		uint64_t dsize = dax && dax->size ? dax->size : ns->data_size;

		if (ds && dsize) {
			struct nsa_kmem_yield y;

			nsa_kernel_kmem(&c->p, ds, dsize, nsa_kernel_kmem_memmap_in_range(dax), &y);
			v->kmem_usable = y.usable;
			v->kmem_blocks = y.n_blocks;
			v->kmem_lost = dsize - v->kmem_usable;
			v->kmem_memmap_on_memory = y.memmap_bytes > 0;
			v->kmem_memmap_bytes = y.memmap_bytes + y.memmap_ram_bytes;
			v->kmem_system_ram = y.system_ram;
			if (v->kmem_lost || !v->kmem_usable) {
				r = nsa_report_kmem(c, dax ? dax->dev : ns->dev, ns->uuid,
						    dax && dax->mode == NSA_DAX_SYSTEM_RAM, ds,
						    dsize, &y);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

static int analyze_regions(struct ctx *c)
{
	for (size_t i = 0; i < c->s->n_regions; i++) {
		const struct nsa_region *r = &c->s->regions[i];
		struct nsa_finding *f;

		if (!r->spa_start || nsa_is_aligned(r->spa_start, SZ_16M))
			continue;
		f = nsa_analysis_add(c->a, "NSA-REGION-MISALIGNED", r->dev, NULL);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s starts at %#" PRIx64
			", not on a 16 MiB boundary. 'ndctl create-namespace "
			"-m fsdax|devdax' refuses namespaces there ('misaligned to 16M, adjust "
			"region "
			"alignment and retry'), and the kernel needs 2 MiB for any mapped mode.",
			r->dev, r->spa_start);
		nsa_finding_set_remedy(
			f, "Use raw or sector mode in this region, or have the platform "
			   "place the PMEM on a 16 MiB (better: 128 MiB) boundary.");
		nsa_finding_fact_addr(f, "spa_start", r->spa_start);
		nsa_finding_fact_u64(f, "start_align", nsa_align_of(r->spa_start));
	}
	return 0;
}

/* Whose memory each block is: the first System RAM or kmem owner, by address. */
static int block_owners(const struct nsa_snapshot *s, const struct nsa_platform *p,
			struct nsa_analysis *a)
{
	size_t from = 0;
	bool sorted = nsa_iomem_top_sorted(s); /* blocks are sorted by index */

	if (!s->n_blocks || !p->block_size)
		return 0;
	a->block_owner = calloc(s->n_blocks, sizeof(*a->block_owner));
	a->block_n_owners = calloc(s->n_blocks, sizeof(*a->block_n_owners));
	if (!a->block_owner || !a->block_n_owners)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_blocks; i++) {
		struct nsa_block_occupant o[4];
		int n = nsa_block_occupants_from(s, p->block_size, s->blocks[i].index,
						 sorted ? &from : NULL, o, 4);

		a->block_n_owners[i] = (unsigned char)n;
		for (int k = 0; k < n && !a->block_owner[i]; k++)
			if (o[k].kind == NSA_OCC_RAM || o[k].kind == NSA_OCC_KMEM)
				a->block_owner[i] = o[k].name;
	}
	return 0;
}

/*
 * arm64's partial-section memmap (kernel.c, arm64_altmap_short()) as the
 * kernel reports it: a pfn/dax device's probe fails with -12, and later
 * ones over the sections it left set up with -17.  The lines name seed
 * devices, not namespaces: one finding for the boot.
 */
static int analyze_memmap_failures(struct ctx *c)
{
	size_t enomem = 0, eexist = 0;
	struct nsa_finding *f;
	char *joined, sec[32];

	if (!nsa_platform_is_arm64(&c->p))
		return 0;
	for (size_t i = 0; i < c->s->n_kernel_log; i++) {
		char dev[NSA_DEV_LEN];
		int err;

		if (!nsa_kernel_probe_failure(c->s->kernel_log[i], dev, sizeof(dev), &err) ||
		    (strncmp(dev, "pfn", 3) != 0 && strncmp(dev, "dax", 3) != 0))
			continue;
		enomem += err == -ENOMEM;
		eexist += err == -EEXIST;
	}
	if (!enomem)
		return 0;
	f = nsa_analysis_add(c->a, "NSA-KERNEL-MEMMAP-NO-ROOM", NULL, NULL);
	if (!f)
		return -ENOMEM;
	nsa_finding_set_message(
		f,
		"This boot the kernel failed %zu fsdax/devdax namespace%s with -12: on arm64 "
		"with 4 KiB pages the struct pages of a namespace's last, partial %s section "
		"come from the space its info block reserved, which holds only the whole "
		"sections'.%s",
		enomem, enomem == 1 ? "" : "s", nsa_size_str(c->p.section_size, sec, sizeof(sec)),
		eexist ? " The sections it set up stay until a reboot: later namespaces over "
			 "them failed with -17."
		       : " The sections it set up stay until a reboot: a namespace created "
			 "over them fails with -17.");
	nsa_finding_set_remedy(f, "Reboot before creating another fsdax/devdax namespace there; "
				  "use a size that is a multiple of 128 MiB or --map mem "
				  "('nsalign create-namespace' plans it).");
	nsa_finding_fact_u64(f, "count", enomem);
	nsa_finding_fact_u64(f, "eexist", eexist);
	joined = nsa_kernel_refusals(c->s, "failed with error -1", false);
	if (joined)
		nsa_finding_fact_str(f, "kernel_message", joined);
	free(joined);
	return 0;
}

int nsa_analyze(const struct nsa_snapshot *s, const struct nsa_analysis_opts *opts,
		struct nsa_analysis **out)
{
	struct ctx c = { .s = s, .a = nsa_analysis_new() };
	int r = 0;

	if (!c.a)
		return -ENOMEM;
	nsa_effective_platform(s, &c.p);
	c.granularity =
		nsa_platform_granularity(&s->platform, opts ? opts->platform_granularity : 0);
	if (s->n_namespaces) {
		c.a->verdicts = calloc(s->n_namespaces, sizeof(*c.a->verdicts));
		if (!c.a->verdicts) {
			nsa_analysis_free(c.a);
			return -ENOMEM;
		}
		c.a->n_verdicts = s->n_namespaces;
	}

	/* memory blocks have owners whether or not there is PMEM */
	if (s->platform.iomem_visible) {
		r = block_owners(s, &c.p, c.a);
		if (r < 0)
			goto out;
	}
	if (!nsa_snapshot_has_pmem(s)) {
		struct nsa_finding *f = nsa_analysis_add(c.a, "NSA-NO-PMEM", NULL, NULL);

		if (!f) {
			r = -ENOMEM;
			goto out;
		}
		nsa_finding_set_message(f,
					"No persistent memory: no nd regions%s and no "
					"'Persistent Memory' in /proc/iomem.",
					s->platform.ndctl_available ? ""
								    : " (libnvdimm not loaded)");
		nsa_finding_set_remedy(f, "Nothing to check. With NVDIMMs installed, load the "
					  "drivers: 'modprobe nfit nd_pmem dax_pmem'.");
		goto out;
	}
	if (!s->platform.iomem_visible) {
		struct nsa_finding *f = nsa_analysis_add(c.a, "NSA-ADDRESSES-HIDDEN", NULL, NULL);

		if (!f) {
			r = -ENOMEM;
			goto out;
		}
		nsa_finding_set_message(f, "The snapshot has no physical addresses (/proc/iomem "
					   "read as zeros without CAP_SYS_ADMIN): alignment, "
					   "collisions and kernel acceptance were not analyzed.");
		nsa_finding_set_remedy(
			f, "Take the snapshot as root: 'sudo nsalign snapshot -o FILE'.");
		for (size_t i = 0; i < c.a->n_verdicts; i++) {
			c.a->verdicts[i].ns_index = i;
			c.a->verdicts[i].available = s->namespaces[i].enabled;
		}
		goto out;
	}
	if (!c.p.subsection_hotplug) {
		struct nsa_finding *f =
			nsa_analysis_add(c.a, "NSA-KERNEL-NO-SUBSECTION", NULL, NULL);

		if (!f) {
			r = -ENOMEM;
			goto out;
		}
		nsa_finding_set_message(
			f,
			"Kernel %s predates sub-section memory hotplug (5.3): PMEM is mapped in "
			"whole "
			"sections, namespaces are padded to section boundaries, and padding breaks "
			"when the platform moves the PMEM.",
			s->platform.kernel_release[0] ? s->platform.kernel_release : "(unknown)");
		nsa_finding_set_remedy(f, "Use a kernel >= 5.7 (sub-section hotplug and "
					  "memremap_compat_align()).");
	}

	r = nsa_occupancy_build(s, &c.occ);
	if (r == 0)
		r = analyze_regions(&c);
	if (r == 0)
		r = analyze_memmap_failures(&c);
	for (size_t i = 0; i < s->n_namespaces && r == 0; i++)
		r = analyze_namespace(&c, i);
	nsa_occupancy_free(&c.occ);
out:
	if (r < 0) {
		nsa_analysis_free(c.a);
		return r;
	}
	if (opts && !opts->with_info) {
		/* drop the info findings, and their count */
		size_t k = 0;

		for (size_t i = 0; i < c.a->n_findings; i++) {
			if (c.a->findings[i].severity == NSA_SEV_INFO)
				nsa_finding_clear(&c.a->findings[i]);
			else
				c.a->findings[k++] = c.a->findings[i];
		}
		c.a->n_findings = k;
		c.a->counts[NSA_SEV_INFO] = 0;
	}
	*out = c.a;
	return 0;
}
