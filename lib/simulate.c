// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * "What if the platform moved the PMEM by SHIFT?"  Every namespace is put
 * at its address plus SHIFT and run through the kernel's checks with the
 * geometry it has now (info-block data offset and alignment); a devdax
 * namespace's kmem yield is recomputed for the new address (none where
 * the kernel refuses the namespace).  A shift of 0 is the kernel now.
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel.h"

int nsa_simulate_shift(const struct nsa_snapshot *s, const struct nsa_analysis *a, size_t i,
		       int64_t shift, struct nsa_shift_result *out)
{
	const struct nsa_namespace *ns;
	const struct nsa_region *region;
	const struct nsa_daxdev *dax;
	struct nsa_pfn_geometry g;
	struct nsa_placement now;
	struct nsa_platform p;
	bool from_log = false;

	if (i >= s->n_namespaces || i >= a->n_verdicts)
		return -EINVAL;
	ns = &s->namespaces[i];
	memset(out, 0, sizeof(*out));
	out->repair = -1;
	out->shift = shift;
	out->verdict = NSA_ACCEPT_UNKNOWN;
	if (!ns->spa_start || !ns->size) {
		out->reason = "its address is not known";
		return 0;
	}
	if (shift < 0 && (uint64_t)-shift > ns->spa_start) {
		out->reason = "the shift would move it below address 0";
		return 0;
	}
	out->spa_after = ns->spa_start + (uint64_t)shift;

	nsa_effective_platform(s, &p);
	region = nsa_ns_region(s, ns);

	/* unavailable now for another reason than its placement: still so after */
	nsa_check_placement(s, i, ns->spa_start, &now);
	if (!a->verdicts[i].available && now.verdict != NSA_ACCEPT_NO) {
		if (shift == 0) {
			out->verdict = NSA_ACCEPT_NO;
			out->reason = "it is not available now, and nothing moves";
		} else if (ns->probe_error && nsa_kernel_log_geometry(s, &p, ns, &g)) {
			/* refused for its placement: judged there with the kernel's figures */
			from_log = true;
		} else if (ns->probe_error) {
			/* refused by the kernel, geometry unread: no telling where it fits */
			out->reason = "the kernel refused it and its info block was not read";
		} else if (now.verdict == NSA_ACCEPT_YES) {
			out->verdict = NSA_ACCEPT_NO;
			out->reason =
				"it is not available now, for another reason than its address";
		} else {
			out->reason = "its info-block geometry is not known";
		}
		if (!from_log)
			return 0;
	}
	if (from_log)
		nsa_kernel_probe(&p, region, &g, ns->dev, out->spa_after, ns->size,
				 &out->placement);
	else if (shift == 0) /* nothing moves: what the kernel does now */
		out->placement = now;
	else
		nsa_check_placement(s, i, out->spa_after, &out->placement);
	out->verdict = out->placement.verdict;
	if (out->verdict == NSA_ACCEPT_UNKNOWN)
		out->reason = "its info-block geometry is not known";
	if (from_log)
		out->reason = "its info block is unread: dataoff and align are from the "
			      "kernel's 'bad offset' line";
	if (out->verdict == NSA_ACCEPT_NO) {
		char why[256];
		int r = from_log ? nsa_kernel_repair_align(&p, region, &g, 4, out->spa_after,
							   ns->size, 0, &out->repair_align, why,
							   sizeof(why))
				 : nsa_repair_plan(s, i, out->spa_after, &out->repair_align);

		out->repair = r == 0 ? 1 : r == -ERANGE || r == -EPROTO ? 0 : -1;
	}

	/* what kmem would make of it there: nothing, when the kernel refuses it */
	dax = nsa_ns_daxdev(s, ns);
	if (ns->mode == NSA_MODE_DEVDAX || dax || (from_log && g.dax)) {
		uint64_t ds = dax && dax->spa_start ? dax->spa_start : ns->data_start;
		uint64_t dsize = dax && dax->size ? dax->size : ns->data_size;

		if (from_log) { /* the dax range the kernel would make of it */
			ds = ns->spa_start + g.offset;
			dsize = ns->size - g.offset - g.end_trunc;
		}
		if (ds && dsize && p.block_size && out->verdict != NSA_ACCEPT_UNKNOWN) {
			struct nsa_kmem_yield y = { 0 };

			out->has_kmem = true;
			if (out->verdict == NSA_ACCEPT_YES)
				nsa_kernel_kmem(&p, ds + (uint64_t)shift, dsize,
						nsa_kernel_kmem_memmap_in_range(dax), &y);
			out->kmem_usable_after = y.usable;
			out->kmem_blocks_after = y.n_blocks;
		}
	}
	return 0;
}

int nsa_default_shifts(const struct nsa_analysis *a, uint64_t granularity, int64_t **out, size_t *n)
{
	uint64_t largest = granularity, steps;
	int64_t *v;

	if (!granularity)
		return -EINVAL;
	for (size_t i = 0; i < a->n_verdicts; i++)
		if (a->verdicts[i].required_align > largest)
			largest = a->verdicts[i].required_align;
	steps = largest / granularity;
	if (steps > 256)
		steps = 256;
	v = calloc(2 * steps, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* -largest ... -G, +G ... +largest */
	for (uint64_t k = 0; k < steps; k++) {
		v[k] = -(int64_t)((steps - k) * granularity);
		v[steps + k] = (int64_t)((k + 1) * granularity);
	}
	*out = v;
	*n = 2 * steps;
	return 0;
}
