// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The analyzer's findings in words: a namespace the kernel refuses, one a
 * platform move would break, one that shares a section or block, a dax
 * device that kmem would not use whole.  Each report says what the kernel
 * does, why, and what to do.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

static void fmt_size(uint64_t v, char *buf, size_t len)
{
	nsa_size_str(v, buf, len);
}

static const char *ns_what(const struct nsa_namespace *ns, char *buf, size_t len)
{
	char size[32];

	fmt_size(ns->size, size, sizeof(size));
	snprintf(buf, len, "%s (%s, %s at %#" PRIx64 ")", ns->dev, nsa_mode_name(ns->mode), size,
		 ns->spa_start);
	return buf;
}

/*
 * The kernel's refusal lines name seed devices (pfn0.1, dax0.1) that are
 * reused and probed in parallel, so they cannot be tied to a namespace by
 * name: quote them all; with one refused namespace they are its own.
 */
char *nsa_kernel_refusals(const struct nsa_snapshot *s, const char *only, bool with_probe)
{
	static const char *const refusals[] = { "bad offset",	      "misaligned",
						"alignment mismatch", "exceeds capacity",
						"settings mismatch",  "probe of",
						"probe with driver" };
	size_t n = ARRAY_SIZE(refusals) - (with_probe ? 0 : 2); /* the probe lines last */
	char *joined = NULL;
	size_t len = 0;

	for (size_t i = 0; i < s->n_kernel_log; i++) {
		const char *line = s->kernel_log[i];
		bool match = only && strstr(line, only) != NULL;
		char *grown;

		for (size_t k = 0; !only && k < n && !match; k++)
			match = strstr(line, refusals[k]) != NULL;
		if (!match)
			continue;
		while (*line == ' ')
			line++;
		grown = realloc(joined, len + strlen(line) + 3);
		if (!grown) {
			free(joined);
			return NULL;
		}
		joined = grown;
		len += (size_t)sprintf(joined + len, "%s%s", len ? "; " : "", line);
	}
	return joined;
}

static int quote_kernel_log(struct ctx *c, struct nsa_finding *f)
{
	char *joined = nsa_kernel_refusals(c->s, NULL, false);

	if (joined)
		nsa_finding_fact_str(f, "kernel_message", joined);
	free(joined);
	return 0;
}

int nsa_report_unavailable(struct ctx *c, const struct nsa_namespace *ns,
			   const struct nsa_region *region, const struct nsa_pfn_geometry *g,
			   const struct nsa_placement *pl, struct nsa_ns_verdict *v)
{
	char what[128], a1[32], a2[32];
	struct nsa_finding *f;
	int r;

	ns_what(ns, what, sizeof(what));
	if (pl->verdict == NSA_ACCEPT_NO &&
	    strcmp(pl->kernel_check, "nvdimm_namespace_common_probe") == 0) {
		f = nsa_analysis_add(c->a, "NSA-NS-MISALIGNED-RANGE", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		fmt_size(pl->violated_align, a1, sizeof(a1));
		nsa_finding_set_message(
			f,
			"%s is a label-less PMEM range (%s) whose %s %#" PRIx64
			" is not aligned to %s, the memremap compat alignment. The kernel maps "
			"such "
			"ranges with struct pages and refuses this one before reading anything on "
			"it, "
			"whatever its mode: the namespace stays disabled.",
			what, region && region->provider[0] ? region->provider : "e820/memmap=",
			pl->violated_addr == ns->spa_start ? "start" : "end", pl->violated_addr,
			a1);
		nsa_finding_set_remedy(
			f,
			"The range comes from the firmware's memory map or a memmap=SIZE!START "
			"kernel "
			"parameter: make START and SIZE multiples of %s (better: of the %s section "
			"size, so no section is shared with System RAM) and reboot. Do not write "
			"to "
			"the range in the meantime.",
			a1, nsa_size_str(c->p.section_size, a2, sizeof(a2)));
		nsa_finding_fact_str(f, "kernel_message", pl->kernel_message);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "raw_size", ns->size);
		nsa_finding_fact_u64(f, "required_align", pl->violated_align);
		v->refusal = nsa_analysis_keep_string(c->a, pl->kernel_message);
		return 0;
	}
	if (pl->verdict == NSA_ACCEPT_NO) {
		f = nsa_analysis_add(c->a, "NSA-NS-INFOBLOCK-MISFIT", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		fmt_size(pl->violated_align, a1, sizeof(a1));
		nsa_finding_set_message(
			f,
			"%s carries a %s info block that no longer fits where the namespace is: "
			"the kernel's %s() refuses it with '%s'%s%s. This happens when the "
			"platform "
			"moves the PMEM to another physical address. The data is still on the "
			"media.%s",
			what, g->dax ? "devdax" : "fsdax", pl->kernel_check, pl->kernel_message,
			pl->violated_align ? ": the checked address is not a multiple of " : "",
			pl->violated_align ? a1 : "",
			ns->force_raw && ns->enabled
				? " It is up raw now (force_raw set), as 'nsalign rescue' leaves "
				  "it: its data can be read, not used as fsdax or devdax."
				: "");
		{
			const char *key = ns->uuid[0] ? ns->uuid : ns->dev;
			uint64_t fix = 0;
			int rp = nsa_repair_plan_on(&c->p, ns, region, ns->spa_start, &fix);
			char how[320];

			if (rp == 0)
				snprintf(
					how, sizeof(how),
					" If the move is permanent: 'nsalign repair %s --dry-run', "
					"then --force (its align becomes %s, the old block is "
					"saved "
					"first).",
					key, nsa_size_str(fix, a2, sizeof(a2)));
			else
				snprintf(how, sizeof(how),
					 " No align fits where it is now: only 'nsalign rescue' or "
					 "the old hardware layout gives the data back.");
			nsa_finding_set_remedy(
				f,
				"Do not re-create or reconfigure the namespace and do not run mkfs "
				"on it: that destroys the data. Restoring the previous hardware "
				"layout (DIMM slots, firmware memory settings) brings it back. The "
				"data, read-only, nothing written: 'nsalign rescue %s'.%s",
				key, how);
			if (rp == 0)
				nsa_finding_fact_u64(f, "repair_align", fix);
		}
		nsa_finding_fact_str(f, "kernel_message", pl->kernel_message);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "dataoff", g->offset);
		nsa_finding_fact_u64(f, "align", g->align);
		if (pl->violated_addr)
			nsa_finding_fact_addr(f, "checked_addr", pl->violated_addr);
		v->refusal = nsa_analysis_keep_string(c->a, pl->kernel_message);
		return 0;
	}
	if (g->pfn || (ns->probe_error == -EOPNOTSUPP && !(region && region->legacy))) {
		/*
		 * Refused at probe.  On 6.1 a refused fsdax/devdax namespace shows
		 * up raw and disabled with an empty holder_class (ndctl's default
		 * v1.1 labels carry no claim class); the kernel's "probe of
		 * namespaceX.Y failed with error -95" (nd_pfn_validate()'s
		 * -EOPNOTSUPP) is the evidence, and names this boot's device.
		 */
		f = nsa_analysis_add(c->a, "NSA-NS-REFUSED", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s is %s but the kernel refused it at probe%s: it shows up raw and "
			"disabled. The usual cause is that the platform moved the PMEM (a DIMM "
			"added, "
			"removed or failed, a firmware update) so that the namespace's data start "
			"lost the alignment its info block records; the kernel then prints 'bad "
			"offset: ... dax disabled align: ...' or 'resource start misaligned'. The "
			"data is most likely intact.",
			what,
			g->pfn ? (g->dax ? "labelled for devdax" : "labelled for fsdax")
			       : "an fsdax or devdax namespace",
			ns->probe_error ? " (error -95, EOPNOTSUPP: its info block does not fit)"
					: "");
		{
			const char *key = ns->uuid[0] ? ns->uuid : ns->dev;
			uint64_t compat = c->p.memremap_compat_align;
			char how[400];

			/*
			 * Its info block was not read, but where it starts is known:
			 * off the compat alignment, no align can make the kernel map
			 * it (nd_pfn_validate(): "resource start misaligned"; the
			 * kernel writes no start_pad since 5.3).
			 */
			if (ns->spa_start && compat && ns->spa_start % compat)
				snprintf(how, sizeof(how),
					 " It now starts at %#" PRIx64 ", off a %s boundary: no "
					 "info block can make the kernel map it there, so 'nsalign "
					 "repair' cannot help.",
					 ns->spa_start, nsa_size_str(compat, a1, sizeof(a1)));
			else
				snprintf(
					how, sizeof(how),
					" If the move is permanent, 'nsalign repair %s --dry-run' "
					"says whether rewriting its info block's align brings it "
					"back, and --force does it (the old block is saved first).",
					key);
			nsa_finding_set_remedy(
				f,
				"Do not re-create or reconfigure the namespace and do not run mkfs "
				"on it: that destroys the data. Putting the hardware back as it "
				"was restores access. Meanwhile the data, read-only, nothing "
				"written: 'nsalign rescue %s'.%s The kernel's reason: 'journalctl "
				"-k -b | grep -e \"bad offset\" -e misaligned -e alignment'.",
				key, how);
		}
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "raw_size", ns->size);
		if (ns->holder_class[0])
			nsa_finding_fact_str(f, "holder_class", ns->holder_class);
		if (ns->probe_error)
			nsa_finding_fact_i64(f, "probe_error", ns->probe_error);
		r = quote_kernel_log(c, f);
		if (r < 0)
			return r;
		v->refusal =
			nsa_analysis_keep_string(c->a, "refused at probe (see the kernel log)");
		return 0;
	}
	f = nsa_analysis_add(c->a, "NSA-NS-DISABLED", ns->dev, ns->uuid);
	if (!f)
		return -ENOMEM;
	nsa_finding_set_message(f, "%s is disabled: no driver is bound and nothing maps it.", what);
	nsa_finding_set_remedy(f,
			       "If that is not intended: 'ndctl enable-namespace %s', then look at "
			       "'journalctl -k -b | grep %s' if it fails.",
			       ns->dev, ns->dev);
	nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	v->refusal = nsa_analysis_keep_string(c->a, "disabled");
	return 0;
}

int nsa_report_fragile(struct ctx *c, const struct nsa_namespace *ns,
		       const struct nsa_region *region, const struct nsa_pfn_geometry *g,
		       struct nsa_ns_verdict *v)
{
	char what[128], need[32], brk[32], gran[32];
	struct nsa_placement after;
	struct nsa_finding *f;
	bool data = g->pfn && g->known && g->align >= v->required_align;

	nsa_kernel_probe(&c->p, region, g, ns->dev, ns->spa_start + v->break_shift, ns->size,
			 &after);
	f = nsa_analysis_add(c->a, "NSA-NS-FRAGILE", ns->dev, ns->uuid);
	if (!f)
		return -ENOMEM;
	ns_what(ns, what, sizeof(what));
	fmt_size(v->required_align, need, sizeof(need));
	fmt_size(v->break_shift, brk, sizeof(brk));
	fmt_size(c->granularity, gran, sizeof(gran));
	nsa_finding_set_message(
		f,
		"%s needs its %s aligned to %s%s. The platform moves PMEM in steps of %s (a DIMM "
		"added, removed or failed, a firmware update): a %s move makes the kernel refuse "
		"it%s%s%s and its data becomes unreachable until the PMEM is back where it was.",
		what, data ? "data start" : "start", need, data ? " (its info-block align)" : "",
		gran, brk, after.kernel_message[0] ? " with '" : "", after.kernel_message,
		after.kernel_message[0] ? "'" : "");
	if (g->dax)
		nsa_finding_set_remedy(
			f,
			"While the data is reachable, back it up; then re-create the namespace "
			"with "
			"an alignment that divides %s, e.g. 'ndctl create-namespace -e %s -f -m "
			"devdax -a 2M' (this erases it: restore the backup afterwards). The device "
			"then maps with 2 MiB pages instead of %s ones.",
			gran, ns->dev, need);
	else
		nsa_finding_set_remedy(
			f,
			"While the data is reachable, back it up; then re-create the namespace "
			"with "
			"an alignment that divides %s, e.g. 'ndctl create-namespace -e %s -f -m "
			"%s -a 2M' (this erases it: restore the backup afterwards).",
			gran, ns->dev, nsa_mode_name(ns->mode));
	nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	if (ns->data_start)
		nsa_finding_fact_addr(f, "data_start", ns->data_start);
	nsa_finding_fact_u64(f, "required_align", v->required_align);
	nsa_finding_fact_u64(f, "break_shift", v->break_shift);
	nsa_finding_fact_u64(f, "platform_granularity", c->granularity);
	if (after.kernel_message[0])
		nsa_finding_fact_str(f, "kernel_message_after_move", after.kernel_message);
	return 0;
}

int nsa_report_sharing(struct ctx *c, const struct nsa_namespace *ns,
		       const struct nsa_region *region, const struct shared *sh)
{
	char what[128], sec[32], blk[32];
	uint64_t S = c->p.section_size;
	struct nsa_finding *f;

	ns_what(ns, what, sizeof(what));
	fmt_size(S, sec, sizeof(sec));
	fmt_size(c->p.block_size, blk, sizeof(blk));
	if (sh->ram) {
		f = nsa_analysis_add(c->a, "NSA-NS-SHARES-SECTION-RAM", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		if (!c->p.subsection_hotplug)
			nsa_analysis_set_severity(c->a, f, NSA_SEV_ERROR);
		nsa_finding_set_message(
			f,
			"%s shares %s section %" PRIu64 " (%#" PRIx64 "-%#" PRIx64
			") with System RAM %#" PRIx64 "-%#" PRIx64 ". %s Memory hotplug works on "
			"whole %s memory blocks, so that part can never be onlined as System RAM "
			"(dax kmem) and the block stays with the boot memory.",
			what, sec, sh->ram_section, sh->ram_section * S,
			sh->ram_section * S + S - 1, sh->ram->start, sh->ram->end,
			c->p.subsection_hotplug
				? "This kernel maps it anyway (sub-section hotplug, 2 MiB), so "
				  "fsdax/devdax work."
				: "This kernel (before 5.3) maps PMEM in whole sections: it pads "
				  "or "
				  "refuses the namespace ('section collision').",
			blk);
		nsa_finding_set_remedy(
			f,
			"%s For kmem use, or on kernels before 5.3, the PMEM range must start and "
			"end on %s boundaries: fix it in the firmware memory map%s.",
			c->p.subsection_hotplug
				? "Nothing is needed for fsdax or devdax use here."
				: "Upgrade to a kernel >= 5.3 (sub-section hotplug).",
			sec,
			region && region->legacy ? ", or choose a memmap=SIZE!START with START and "
						   "SIZE multiples of "
						   "the section size"
						 : "");
		nsa_finding_fact_u64(f, "section", sh->ram_section);
		nsa_finding_fact_addr(f, "ram_start", sh->ram->start);
		nsa_finding_fact_addr(f, "ram_end", sh->ram->end);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "section_size", S);
	}
	if (sh->pmem) {
		f = nsa_analysis_add(c->a, "NSA-NS-SHARES-SECTION-PMEM", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s shares %s section %" PRIu64 " with another PMEM range, '%s' %#" PRIx64
			"-%#" PRIx64
			" (pmem/ndctl#76). %s Only one owner can online a memory block, "
			"so dax kmem cannot use the shared block.",
			what, sec, sh->pmem_section, sh->pmem->name, sh->pmem->start, sh->pmem->end,
			c->p.subsection_hotplug
				? "This kernel handles it (sub-section hotplug), but fsdax/devdax "
				  "namespaces need a 2 MiB aligned start and ndctl insists on 16 "
				  "MiB."
				: "Kernels before 5.3 cannot map both: 'Conflicting mapping in "
				  "same "
				  "section'.");
		nsa_finding_set_remedy(
			f,
			"Ask the platform to place PMEM ranges on %s boundaries (firmware "
			"interleave/mapping settings). Until then use raw or sector mode for the "
			"part in the shared section.",
			sec);
		nsa_finding_fact_u64(f, "section", sh->pmem_section);
		nsa_finding_fact_addr(f, "other_start", sh->pmem->start);
		nsa_finding_fact_addr(f, "other_end", sh->pmem->end);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	}
	if (sh->ns) {
		f = nsa_analysis_add(c->a, "NSA-NS-SHARES-SECTION-NS", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s shares %s section %" PRIu64 " with %s of the same region. "
			"Fine on this kernel for fsdax/devdax; only one of them can "
			"give the shared memory block to System RAM.",
			what, sec, sh->ns_section, sh->ns->name);
		nsa_finding_set_remedy(f, "Nothing, unless both are meant for dax kmem.");
		nsa_finding_fact_u64(f, "section", sh->ns_section);
		nsa_finding_fact_str(f, "other", sh->ns->name);
	}
	return 0;
}

int nsa_report_kmem(struct ctx *c, const char *dev, const char *uuid, bool is_ram, uint64_t start,
		    uint64_t size, const struct nsa_kmem_yield *y)
{
	uint64_t usable = y->usable, blocks = y->n_blocks;
	char s1[32], s2[32], s3[32], bs[32];
	struct nsa_finding *f;
	uint64_t lost = size - usable;

	fmt_size(size, s1, sizeof(s1));
	fmt_size(usable, s2, sizeof(s2));
	fmt_size(lost, s3, sizeof(s3));
	fmt_size(c->p.block_size, bs, sizeof(bs));
	if (usable == 0) {
		f = nsa_analysis_add(c->a, "NSA-KMEM-TOO-SMALL", dev, uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s (%s at %#" PRIx64 ") contains no whole %s memory block. 'daxctl "
			"reconfigure-device -m system-ram %s' fails with EINVAL and leaves the "
			"device disabled, neither devdax nor System RAM.",
			dev, s1, start, bs, dev);
		nsa_finding_set_remedy(f,
				       "Keep it as devdax, or make it span whole memory blocks.");
	} else {
		f = nsa_analysis_add(c->a, "NSA-KMEM-LOSS", dev, uuid);
		if (!f)
			return -ENOMEM;
		if (!is_ram)
			nsa_analysis_set_severity(c->a, f, NSA_SEV_INFO);
		nsa_finding_set_message(f,
					"%s (%s at %#" PRIx64 ") %s %s as System RAM in %" PRIu64
					" whole %s blocks; %s at the edges %s lost, because memory "
					"hotplug works on "
					"whole blocks and the kernel says nothing about the rest.",
					dev, s1, start, is_ram ? "gives" : "would give", s2, blocks,
					bs, s3, is_ram ? "is" : "would be");
		nsa_finding_set_remedy(
			f,
			"Place and size dax devices meant for System RAM on %s boundaries (create "
			"the namespace so that its data range is block aligned).",
			bs);
	}
	nsa_finding_fact_addr(f, "start", start);
	nsa_finding_fact_u64(f, "size", size);
	nsa_finding_fact_u64(f, "usable", usable);
	nsa_finding_fact_u64(f, "lost", lost);
	nsa_finding_fact_u64(f, "blocks", blocks);
	nsa_finding_fact_u64(f, "block_size", c->p.block_size);
	/* where kmem puts the struct pages, and what MemTotal grows by */
	nsa_finding_fact_str(f, "memmap", y->memmap_bytes ? "device" : "ram");
	nsa_finding_fact_u64(f, "memmap_bytes", y->memmap_bytes + y->memmap_ram_bytes);
	nsa_finding_fact_u64(f, "system_ram", y->system_ram);
	return 0;
}
