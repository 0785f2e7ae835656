// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The namespace planner: where a new namespace will land, what the kernel
 * will lay out in it (nd_pfn_init()), and which platform moves it survives.
 * Pure: reads the snapshot, writes the plan.
 *
 * A namespace with an info block survives a move by d only if d keeps the
 * data start aligned to the info block's alignment and the start and end
 * aligned to memremap_compat_align(): it survives exactly the multiples of
 * max(align, compat).  It is robust when that divides the platform
 * granularity G.  --align auto picks the largest supported alignment that
 * is robust.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "kernel.h"

static int refuse(struct nsa_plan *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct nsa_plan *p, int err, const char *fmt, ...)
{
	va_list ap;

	p->ok = false;
	va_start(ap, fmt);
	vsnprintf(p->refusal, sizeof(p->refusal), fmt, ap);
	va_end(ap);
	return err;
}

static void note(struct nsa_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct nsa_plan *p, const char *fmt, ...)
{
	size_t l = strlen(p->notes);
	va_list ap;

	if (l && l < sizeof(p->notes) - 2) {
		p->notes[l++] = ' ';
		p->notes[l] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(p->notes + l, sizeof(p->notes) - l, fmt, ap);
	va_end(ap);
}

static int cmp_ns_start(const void *a, const void *b)
{
	const struct nsa_namespace *x = *(const struct nsa_namespace *const *)a;
	const struct nsa_namespace *y = *(const struct nsa_namespace *const *)b;

	return (x->spa_start > y->spa_start) - (x->spa_start < y->spa_start);
}

/*
 * The free extents of the region: its range minus its namespaces.  The
 * kernel allocates a new pmem namespace from the lowest free extent that
 * holds it (what the VM lab shows: namespaces are laid out upwards).
 */
static int free_extent(const struct nsa_snapshot *s, const struct nsa_region *r, const char *except,
		       uint64_t size, uint64_t *start, uint64_t *largest, uint64_t *largest_at)
{
	const struct nsa_namespace **v = calloc(s->n_namespaces + 1, sizeof(*v));
	uint64_t cur = r->spa_start, end = r->spa_start + r->size;
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (strcmp(s->namespaces[i].region, r->dev) == 0 && s->namespaces[i].size &&
		    s->namespaces[i].spa_start && (!except || strcmp(s->namespaces[i].dev, except)))
			v[n++] = &s->namespaces[i];
	qsort(v, n, sizeof(*v), cmp_ns_start);
	*start = 0;
	*largest = 0;
	*largest_at = 0;
	for (size_t i = 0; i <= n; i++) {
		uint64_t next = i < n ? v[i]->spa_start : end;

		if (next > cur) {
			if (next - cur > *largest) {
				*largest = next - cur;
				*largest_at = cur;
			}
			if (!*start && size && next - cur >= size)
				*start = cur;
		}
		if (i < n && v[i]->spa_start + v[i]->size > cur)
			cur = v[i]->spa_start + v[i]->size;
	}
	free(v);
	return 0;
}

/* nd_pfn_init(): the data offset and end truncation of an info block at start. */
/* The worst kmem yield over every move by a multiple of G. */
static uint64_t kmem_worst(const struct nsa_platform *pf, uint64_t start, uint64_t size, uint64_t G)
{
	uint64_t worst = UINT64_MAX, B = pf->block_size;
	uint64_t steps = G && B > G ? B / G : 1;
	struct nsa_kmem_yield y;

	for (uint64_t k = 0; k < steps; k++) {
		nsa_kernel_kmem(pf, start + k * G, size, false, &y);
		if (y.usable < worst)
			worst = y.usable;
	}
	return worst;
}

int nsa_plan_namespace(const struct nsa_snapshot *s, const char *region_dev,
		       const struct nsa_plan_request *req, struct nsa_plan *p)
{
	const struct nsa_region *r = nsa_snapshot_find_region(s, region_dev);
	uint64_t G = nsa_platform_granularity(&s->platform, req->granularity);
	uint64_t aligns[8], largest, largest_at, start, quantum, size, compat;
	char b1[32], b2[32], b3[32], b4[32], bq[32];
	uint64_t reconfig_size = 0, reconfig_start = 0;
	bool label_less = false;
	struct nsa_platform pf;
	bool pfn;
	int n = 0, r_;

	memset(p, 0, sizeof(*p));
	p->mode = req->mode;
	p->map = req->map;
	p->granularity = G;
	nsa_effective_platform(s, &pf);
	compat = pf.memremap_compat_align ? pf.memremap_compat_align : 2 * NSA_MiB;
	if (!r)
		return refuse(p, -ENODEV, "%s: no such region", region_dev);
	nsa_strlcpy(p->region, r->dev, sizeof(p->region));
	if (!r->spa_start)
		return refuse(p, -EACCES, "%s: its physical address is hidden (run as root)",
			      r->dev);
	if (r->read_only)
		return refuse(p, -EROFS, "%s is read-only", r->dev);
	if (!req->reconfig && r->no_idle_seed) {
		const char *holder = NULL;

		/* the kernel's idle seed is held by a namespace that never came up */
		for (size_t i = 0; i < s->n_namespaces && !holder; i++)
			if (strcmp(s->namespaces[i].region, r->dev) == 0 &&
			    !s->namespaces[i].enabled)
				holder = s->namespaces[i].dev;
		return refuse(p, -EBUSY,
			      "%s has no idle namespace seed: %s holds it (a create that failed "
			      "half-way leaves it so); 'ndctl destroy-namespace -f %s' frees it",
			      r->dev, holder ? holder : "a namespace that is not enabled",
			      holder ? holder : "NAMESPACE");
	}
	if (req->reconfig) {
		const struct nsa_namespace *old = nsa_snapshot_find_namespace(s, req->reconfig);

		if (!old || strcmp(old->region, r->dev) != 0)
			return refuse(p, -ENODEV, "%s: no such namespace in %s", req->reconfig,
				      r->dev);
		label_less = r->legacy || !r->has_labels;
		if (label_less && req->size && req->size != old->size)
			return refuse(p, -EINVAL,
				      "%s is label-less: its size is the range firmware or memmap= "
				      "gave it (%s); leave out --size",
				      old->dev, nsa_size_str(old->size, b1, sizeof(b1)));
		reconfig_size = old->size;
		reconfig_start = old->spa_start;
	}
	if ((r->legacy || !r->has_labels) && !req->reconfig)
		return refuse(p, -EOPNOTSUPP,
			      "%s is label-less (%s): it holds one namespace that spans it "
			      "whole, at the place and size firmware or memmap= gave it; only "
			      "its mode can change ('nsalign create-namespace -e NAMESPACE -f -m "
			      "MODE')",
			      r->dev, r->provider[0] ? r->provider : "e820");
	if (req->mode != NSA_MODE_FSDAX && req->mode != NSA_MODE_DEVDAX &&
	    req->mode != NSA_MODE_RAW && req->mode != NSA_MODE_SECTOR)
		return refuse(p, -EINVAL, "mode must be fsdax, devdax, raw or sector");
	if (req->for_kmem && req->mode != NSA_MODE_DEVDAX)
		return refuse(p, -EINVAL, "--for kmem needs mode devdax");
	pfn = req->mode == NSA_MODE_FSDAX || req->mode == NSA_MODE_DEVDAX;
	if (pfn && p->map == NSA_MAP_NONE)
		p->map = NSA_MAP_DEV; /* ndctl's default */
	if (!pfn && req->align)
		return refuse(p, -EINVAL, "--align applies to fsdax and devdax only");

	if (pfn && pf.no_zone_device)
		return refuse(p, -EOPNOTSUPP,
			      "this kernel has no %s: %s offers no pfn or dax device (it was built "
			      "without ZONE_DEVICE, as Debian's arm64 6.1 is); raw and sector work",
			      nsa_mode_name(req->mode), r->dev);
	if (pfn) {
		int id = r->id;
		const char *leak;

		if (id < 0 && sscanf(r->dev, "region%d", &id) != 1)
			id = -1;
		leak = nsa_kernel_memmap_leak(s, &pf, id);

		if (leak)
			return refuse(p, -EEXIST,
				      "this boot the kernel failed an fsdax/devdax namespace in %s "
				      "with -12 ('%s'): the sections its probe set up stay until a "
				      "reboot, and any fsdax or devdax namespace over them fails "
				      "with -17; the kernel does not say which sections those are. "
				      "Reboot first, or use raw or sector",
				      r->dev, leak);
	}

	/* the alignment */
	if (pfn) {
		bool found = false;

		n = nsa_kernel_aligns(&pf, r, req->mode == NSA_MODE_DEVDAX, aligns);
		if (req->align) {
			for (int i = 0; i < n; i++)
				found |= aligns[i] == req->align;
			if (!found) {
				char list[96] = "";

				for (int i = n; i-- > 0;) {
					size_t l = strlen(list);

					snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "",
						 nsa_size_str(aligns[i], b1, sizeof(b1)));
				}
				return refuse(p, -EINVAL,
					      "align %s is not supported by %s for %s (%s)",
					      nsa_size_str(req->align, b2, sizeof(b2)), r->dev,
					      nsa_mode_name(req->mode), list);
			}
			p->align = req->align;
		} else {
			/* auto: the largest that survives every move by G */
			for (int i = 0; i < n && !p->align; i++)
				if ((aligns[i] > compat ? aligns[i] : compat) <= G)
					p->align = aligns[i];
			if (!p->align)
				p->align = aligns[n - 1];
			p->align_auto = true;
		}
	}
	{
		/* what the namespace will depend on: its align, the compat align */
		struct nsa_pfn_geometry g = { .pfn = pfn, .known = pfn, .align = p->align };

		p->survives = nsa_kernel_required_align(&pf, r, &g); /* 0: any move */
	}
	p->survives_granularity = p->survives == 0 || p->survives <= G;
	if (!p->survives_granularity && !req->force) {
		uint64_t robust = 0;

		for (int i = 0; i < n && !robust; i++)
			if ((aligns[i] > compat ? aligns[i] : compat) <= G)
				robust = aligns[i];
		return refuse(
			p, -EDOM,
			"align %s: the namespace would survive only moves by multiples of %s, "
			"and the platform moves PMEM by %s: such a move leaves it refused by "
			"the kernel ('bad offset'). Use --align %s (the default) or --force",
			nsa_size_str(p->align, b1, sizeof(b1)),
			nsa_size_str(p->survives, b2, sizeof(b2)), nsa_size_str(G, b3, sizeof(b3)),
			robust ? nsa_size_str(robust, b4, sizeof(b4)) : "auto");
	}
	p->fragile = !p->survives_granularity;

	/* the size: what the kernel and ndctl take (region align, align x ways) */
	quantum = nsa_kernel_ns_size_quantum(&pf, r, pfn ? p->align : pf.page_size);
	r_ = free_extent(s, r, req->reconfig, 0, &start, &largest, &largest_at);
	if (r_ < 0)
		return r_;
	size = req->size ? req->size : reconfig_size ? reconfig_size : largest;
	p->size = label_less ? size : nsa_align_down(size, quantum);
	if (p->size != size && req->size && r->mappings > 1)
		note(p,
		     "Size rounded down from %s to %s: in this %d-way interleave set the kernel "
		     "needs multiples of the region align (%s) and ndctl multiples of %d times "
		     "the align (%s): multiples of %s here.",
		     nsa_size_str(size, b1, sizeof(b1)), nsa_size_str(p->size, b2, sizeof(b2)),
		     r->mappings, nsa_size_str(nsa_kernel_region_align(&pf, r), b3, sizeof(b3)),
		     r->mappings, nsa_size_str(pfn ? p->align : pf.page_size, b4, sizeof(b4)),
		     nsa_size_str(quantum, bq, sizeof(bq)));
	else if (p->size != size && req->size)
		note(p, "Size rounded down from %s to %s: the kernel needs multiples of %s here.",
		     nsa_size_str(size, b1, sizeof(b1)), nsa_size_str(p->size, b2, sizeof(b2)),
		     nsa_size_str(quantum, b3, sizeof(b3)));
	if (!p->size)
		return refuse(p, -ENOSPC,
			      "%s: size %s is less than the smallest namespace here (%s)", r->dev,
			      nsa_size_str(size, b1, sizeof(b1)),
			      nsa_size_str(quantum, b2, sizeof(b2)));
	/*
	 * nd_btt_probe(): the BTT's arena needs ARENA_MIN_SIZE (16 MiB) after its
	 * info block, or the probe fails with -ENXIO (the lab: sector 16 MiB on
	 * x86_64 and arm64 alike, and ndctl leaves the namespace half made)
	 */
	if (req->mode == NSA_MODE_SECTOR && p->size <= 16 * NSA_MiB)
		return refuse(p, -ENOSPC,
			      "sector %s: the kernel's BTT needs more than 16 MiB (an arena of at "
			      "least 16 MiB after its info block) and fails smaller ones with "
			      "-ENXIO; ask for %s or more",
			      nsa_size_str(p->size, b1, sizeof(b1)),
			      nsa_size_str(nsa_align_down(16 * NSA_MiB, quantum) + quantum, b2,
					   sizeof(b2)));
	r_ = free_extent(s, r, req->reconfig, p->size, &start, &largest, &largest_at);
	if (r_ < 0)
		return r_;
	if (label_less)
		start = reconfig_start; /* it stays where it is */
	if (!start)
		return refuse(p, -ENOSPC,
			      "%s cannot hold %s: its largest free extent is %s (at %#" PRIx64
			      ")%s",
			      r->dev, nsa_size_str(p->size, b1, sizeof(b1)),
			      nsa_size_str(nsa_align_down(largest, quantum), b2, sizeof(b2)),
			      largest_at, largest ? "" : "; the region is full");
	p->spa_start = start;
	p->spa_end = start + p->size;

	if (pfn) {
		r_ = nsa_kernel_pfn_layout(&pf, p->map == NSA_MAP_MEM, start, p->size, p->align,
					   &p->dataoff, &p->end_trunc);
		if (r_ == -EINVAL)
			return refuse(p, -EINVAL,
				      "%s would start at %#" PRIx64
				      ", not %s aligned: the kernel refuses fsdax/devdax there",
				      r->dev, start, nsa_size_str(compat, b1, sizeof(b1)));
		if (r_ < 0)
			return refuse(p, -ENOSPC,
				      "%s at %#" PRIx64 " cannot satisfy align %s: the struct page "
				      "area and the alignment take the whole namespace",
				      nsa_size_str(p->size, b1, sizeof(b1)), start,
				      nsa_size_str(p->align, b2, sizeof(b2)));
		p->data_start = start + p->dataoff;
		p->data_size = p->size - p->dataoff - p->end_trunc;
	} else {
		p->data_start = start;
		p->data_size = p->size;
	}
	{
		/* would the kernel map it where it lands? (a label-less range off 2 MiB: no) */
		struct nsa_pfn_geometry g = {
			.pfn = pfn,
			.dax = req->mode == NSA_MODE_DEVDAX,
			.known = pfn,
			.offset = p->dataoff,
			.end_trunc = p->end_trunc,
			.align = p->align,
			.map_mode = p->map == NSA_MAP_MEM ? NSA_PFN_MODE_RAM : NSA_PFN_MODE_PMEM,
		};
		struct nsa_placement pl;

		nsa_kernel_probe(&pf, r, &g, req->reconfig, start, p->size, &pl);
		if (pl.verdict == NSA_ACCEPT_NO &&
		    strcmp(pl.kernel_check, "vmemmap_populate") == 0) {
			uint64_t S = pf.section_size, down = nsa_align_down(p->size, S);
			char b5[32], b6[32], sizes[80];

			/* the multiples of a section around it that fit where it lands */
			if (down && down + S <= largest)
				snprintf(sizes, sizeof(sizes), "%s or %s",
					 nsa_size_str(down, b5, sizeof(b5)),
					 nsa_size_str(down + S, b6, sizeof(b6)));
			else
				snprintf(sizes, sizeof(sizes), "%s",
					 nsa_size_str(down ? down : S, b5, sizeof(b5)));
			return refuse(
				p, -EINVAL,
				"%s %s at %#" PRIx64 ": the kernel would fail it with -ENOMEM: on "
				"this arch the struct pages of its last, partial %s section are "
				"taken page by page from the space the info block reserves, and "
				"that space holds only the whole sections' (the sections already "
				"set up stay until a reboot). Ask for a multiple of %s (%s), "
				"or --map mem",
				nsa_mode_name(req->mode), nsa_size_str(p->size, b1, sizeof(b1)),
				start, nsa_size_str(S, b2, sizeof(b2)),
				nsa_size_str(S, b3, sizeof(b3)), sizes);
		}
		if (pl.verdict == NSA_ACCEPT_NO)
			return refuse(p, -EINVAL,
				      "%s %s at %#" PRIx64 ": the kernel would not map it there "
				      "(%s(): '%s')",
				      nsa_mode_name(req->mode),
				      nsa_size_str(p->size, b1, sizeof(b1)), start, pl.kernel_check,
				      pl.kernel_message);
	}

	if (req->mode == NSA_MODE_DEVDAX && pf.block_size) {
		struct nsa_kmem_yield y;

		/* whole blocks; what their memmap takes is the kmem plan's, once the device exists
		 */
		p->has_kmem = true;
		nsa_kernel_kmem(&pf, p->data_start, p->data_size, false, &y);
		p->kmem_usable = y.usable;
		p->kmem_worst = kmem_worst(&pf, p->data_start, p->data_size, G);
		if (req->for_kmem && !p->kmem_worst)
			return refuse(
				p, -ENOSPC,
				"%s of devdax at %#" PRIx64 " holds no whole %s memory block "
				"at some platform move: it cannot become System RAM reliably; "
				"ask for at least %s",
				nsa_size_str(p->data_size, b1, sizeof(b1)), p->data_start,
				nsa_size_str(pf.block_size, b2, sizeof(b2)),
				nsa_size_str(2 * pf.block_size, b3, sizeof(b3)));
	}

	/* the guarantee, in words */
	if (!pfn && !p->survives)
		snprintf(p->guarantee, sizeof(p->guarantee),
			 "%s has no info block: it survives any move the kernel can map",
			 nsa_mode_name(req->mode));
	else if (!pfn)
		snprintf(p->guarantee, sizeof(p->guarantee),
			 "%s has no info block, but a label-less range is mapped with struct "
			 "pages: it survives any move by a multiple of %s",
			 nsa_mode_name(req->mode), nsa_size_str(p->survives, b1, sizeof(b1)));
	else if (p->survives_granularity)
		snprintf(p->guarantee, sizeof(p->guarantee),
			 "survives any move by a multiple of %s, so every move by the platform "
			 "granularity %s",
			 nsa_size_str(p->survives, b1, sizeof(b1)),
			 nsa_size_str(G, b2, sizeof(b2)));
	else
		snprintf(
			p->guarantee, sizeof(p->guarantee),
			"FRAGILE (forced): survives only moves by multiples of %s; a %s move makes "
			"the kernel refuse it",
			nsa_size_str(p->survives, b1, sizeof(b1)), nsa_size_str(G, b2, sizeof(b2)));
	if (p->has_kmem) {
		size_t l = strlen(p->guarantee);

		snprintf(p->guarantee + l, sizeof(p->guarantee) - l,
			 "; as System RAM: %s now, at least %s after any such move",
			 nsa_size_str(p->kmem_usable, b1, sizeof(b1)),
			 nsa_size_str(p->kmem_worst, b2, sizeof(b2)));
	}
	p->ok = true;
	return 0;
}

struct json_object *nsa_plan_to_json(const struct nsa_plan *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(p->ok));
	json_object_object_add(o, "region", json_object_new_string(p->region));
	json_object_object_add(o, "mode", json_object_new_string(nsa_mode_name(p->mode)));
	if (!p->ok) {
		json_object_object_add(o, "refusal", json_object_new_string(p->refusal));
		return o;
	}
	if (nsa_map_name(p->map))
		json_object_object_add(o, "map", json_object_new_string(nsa_map_name(p->map)));
	/* as a namespace's: ndctl's usable size (null: a BTT's is not known), raw_size */
	json_object_object_add(o, "size",
			       p->mode == NSA_MODE_SECTOR ? NULL
							  : json_object_new_uint64(p->data_size));
	json_object_object_add(o, "raw_size", json_object_new_uint64(p->size));
	if (p->align) {
		json_object_object_add(o, "align", json_object_new_uint64(p->align));
		json_object_object_add(o, "align_auto", json_object_new_boolean(p->align_auto));
	}
	json_object_object_add(o, "resource", json_object_new_uint64(p->spa_start));
	json_object_object_add(o, "end", json_object_new_uint64(p->spa_end));
	json_object_object_add(o, "dataoff", json_object_new_uint64(p->dataoff));
	json_object_object_add(o, "data_resource", json_object_new_uint64(p->data_start));
	json_object_object_add(o, "data_size", json_object_new_uint64(p->data_size));
	json_object_object_add(o, "end_trunc", json_object_new_uint64(p->end_trunc));
	json_object_object_add(o, "granularity", json_object_new_uint64(p->granularity));
	json_object_object_add(o, "survives_multiples_of", json_object_new_uint64(p->survives));
	json_object_object_add(o, "survives_granularity",
			       json_object_new_boolean(p->survives_granularity));
	if (p->has_kmem) {
		json_object_object_add(o, "kmem_usable", json_object_new_uint64(p->kmem_usable));
		json_object_object_add(o, "kmem_usable_min", json_object_new_uint64(p->kmem_worst));
	}
	json_object_object_add(o, "guarantee", json_object_new_string(p->guarantee));
	if (p->notes[0])
		json_object_object_add(o, "notes", json_object_new_string(p->notes));
	return o;
}
