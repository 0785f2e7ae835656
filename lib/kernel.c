// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel, once (see kernel.h).  Each function here follows one piece of
 * the kernel and names it; nothing else in lib/ restates these rules.
 *
 *   nsa_effective_platform()   the capabilities the rules depend on
 *   nsa_kernel_probe()         nvdimm_namespace_common_probe(), nd_pfn_validate()
 *   nsa_kernel_dax_align_ok()  nd_pfn_supported_alignments(), region dax seed
 *   nsa_kernel_pfn_layout()    nd_pfn_init()
 *   nsa_kernel_repair_align()  the align with which nd_pfn_validate() accepts
 *   nsa_kernel_kmem()          dev_dax_kmem_probe(), memmap_on_memory
 *   nsa_kernel_auto_online_zone()  zone_for_pfn_range() for auto-onlined blocks
 *
 * and, at the end, the same for a namespace as a snapshot describes it
 * (nsa_check_placement(), nsa_repair_plan()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"

#define SZ_8K		     (8 * NSA_KiB)
#define MAX_STRUCT_PAGE_SIZE 64 /* the memmap nd_pfn_init() reserves per page */
#define STRUCT_PAGE_SIZE     64 /* sizeof(struct page) on production kernels */

/* ------------------------------------------------------------ capabilities */

/*
 * The platform as the rules need it.  What the snapshot recorded from the
 * running kernel wins; granularities it could not see come from the
 * architecture and page size (platform.c).  A region's "align" attribute
 * came with memremap_compat_align() enforcement (v5.7), in the series that
 * built on sub-section hotplug (v5.3): a snapshot that has one proves both.
 */
void nsa_effective_platform(const struct nsa_snapshot *s, struct nsa_platform *out)
{
	bool subsection = s->platform.subsection_hotplug;
	bool compat = s->platform.compat_align_enforced;
	bool region_align = false;

	*out = s->platform;
	nsa_platform_fill_defaults(out, s->platform.memremap_compat_align == 16 * NSA_MiB);
	for (size_t i = 0; i < s->n_regions; i++)
		if (s->regions[i].align)
			region_align = true;
	if (!s->platform.kernel_release[0]) {
		/* no release to go by: trust what the snapshot says */
		out->subsection_hotplug = subsection;
		out->compat_align_enforced = compat;
	}
	if (region_align)
		out->subsection_hotplug = out->compat_align_enforced = true;
}

/* ------------------------------------------------------------ geometry */

static uint64_t pow2_floor(uint64_t x)
{
	return x ? 1ULL << (63 - __builtin_clzll(x)) : 0;
}

void nsa_kernel_ib_geometry(const struct nsa_infoblock *ib, struct nsa_pfn_geometry *g)
{
	memset(g, 0, sizeof(*g));
	g->pfn = g->known = true;
	g->dax = strcmp(ib->signature, "NVDIMM_DAX_INFO") == 0;
	g->offset = ib->dataoff;
	g->map_mode = ib->mode;
	/* nd_pfn_validate(): fields a version lacks read as zero (or as this kernel's) */
	if (ib->version_minor >= 1) {
		g->start_pad = ib->start_pad;
		g->end_trunc = ib->end_trunc;
	}
	if (ib->version_minor >= 2)
		g->align = ib->align;
	if (ib->version_minor >= 4) {
		g->page_size = ib->page_size;
		g->page_struct_size = ib->page_struct_size;
	}
	/* "if (align == 0) align = 1UL << ilog2(offset)" */
	if (!g->align)
		g->align = pow2_floor(g->offset);
}

void nsa_kernel_ns_geometry(const struct nsa_namespace *ns, const struct nsa_region *region,
			    struct nsa_pfn_geometry *g)
{
	bool dax = ns->mode == NSA_MODE_DEVDAX || strcmp(ns->holder_class, "dax") == 0 ||
		   (ns->ib.valid && strcmp(ns->ib.signature, "NVDIMM_DAX_INFO") == 0);
	bool pfn = dax || ns->mode == NSA_MODE_FSDAX || strcmp(ns->holder_class, "pfn") == 0 ||
		   ns->ib.valid;

	/*
	 * mode_show(): a namespace nothing claims reads "memory" (fsdax) when
	 * pmem_should_map_pages(), as on a label-less region.  Without a pfn
	 * holder or an info block it is the raw namespace, mapped with pages.
	 */
	if (region && region->legacy && ns->mode == NSA_MODE_FSDAX && !ns->holder[0] &&
	    !ns->holder_class[0] && !ns->ib.valid)
		pfn = false;

	if (ns->ib.valid) {
		nsa_kernel_ib_geometry(&ns->ib, g);
		g->dax = dax;
		return;
	}
	memset(g, 0, sizeof(*g));
	g->pfn = pfn;
	g->dax = dax;
	if (pfn && ns->data_start && ns->spa_start && ns->data_start >= ns->spa_start) {
		/*
		 * The pfn/dax "resource" is res.start + start_pad + dataoff and
		 * its size res_size - start_pad - end_trunc - dataoff; the kernel
		 * no longer writes start_pad, so the whole gap is dataoff.
		 */
		g->known = true;
		g->offset = ns->data_start - ns->spa_start;
		if (ns->data_size && ns->data_size + g->offset <= ns->size)
			g->end_trunc = ns->size - g->offset - ns->data_size;
		g->align = ns->align ? ns->align : pow2_floor(g->offset);
	}
}

/* ------------------------------------------------------------ aligns */

uint64_t nsa_kernel_default_align(const struct nsa_platform *p)
{
	return p->pmd_size ? p->pmd_size : p->page_size;
}

/* ------------------------------------------------------------ regions */

#define MEMREMAP_COMPAT_ALIGN_MAX (16 * NSA_MiB) /* region_devs.c */

static uint64_t region_ways(const struct nsa_region *r)
{
	return r && r->mappings > 1 ? (uint64_t)r->mappings : 1;
}

uint64_t nsa_kernel_region_align(const struct nsa_platform *p, const struct nsa_region *r)
{
	uint64_t align = MEMREMAP_COMPAT_ALIGN_MAX, ways = region_ways(r);

	if (r && r->align)
		return r->align;
	/* default_align() */
	if (r && r->size && r->size < MEMREMAP_COMPAT_ALIGN_MAX && p->page_size)
		align = p->page_size;
	if (align % ways)
		align *= ways;
	return align;
}

bool nsa_kernel_region_align_valid(const struct nsa_region *r, uint64_t page_size)
{
	uint64_t ways = region_ways(r), share;

	if (!r->align)
		return true; /* before v5.7: no attribute */
	share = r->align / ways;
	return r->align % ways == 0 && nsa_is_pow2(share) &&
	       share >= (page_size ? page_size : 4096);
}

uint64_t nsa_kernel_ns_size_quantum(const struct nsa_platform *p, const struct nsa_region *r,
				    uint64_t ndns_align)
{
	uint64_t region_align = nsa_kernel_region_align(p, r);
	uint64_t q = ndns_align ? nsa_lcm(region_align, ndns_align * region_ways(r)) : 0;

	return q ? q : region_align;
}

int nsa_kernel_aligns(const struct nsa_platform *p, const struct nsa_region *r, bool dax,
		      uint64_t out[NSA_KERNEL_MAX_ALIGNS])
{
	const uint64_t *list = r ? (dax ? r->dax_alignments : r->pfn_alignments) : NULL;
	int n = r ? (dax ? r->n_dax_alignments : r->n_pfn_alignments) : 0, k = 0;

	if (!n) {
		/* nd_pfn_supported_alignments(): PAGE_SIZE, HPAGE_PMD_SIZE, HPAGE_PUD_SIZE */
		if (p->pud_size)
			out[k++] = p->pud_size;
		if (p->pmd_size)
			out[k++] = p->pmd_size;
		out[k++] = p->page_size;
		return k;
	}
	for (int i = 0; i < n && k < NSA_KERNEL_MAX_ALIGNS; i++)
		out[k++] = list[i];
	/* largest first */
	for (int i = 0; i < k; i++)
		for (int j = i + 1; j < k; j++)
			if (out[j] > out[i]) {
				uint64_t t = out[i];

				out[i] = out[j];
				out[j] = t;
			}
	return k;
}

bool nsa_kernel_dax_align_ok(const struct nsa_platform *p, const struct nsa_region *r,
			     uint64_t align)
{
	uint64_t v[NSA_KERNEL_MAX_ALIGNS];
	int n = nsa_kernel_aligns(p, r, true, v);

	for (int i = 0; i < n; i++)
		if (v[i] == align)
			return true;
	return false;
}

/* ------------------------------------------------------------ probe */

static void refuse(struct nsa_placement *out, const char *check, uint64_t align, uint64_t addr,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void refuse(struct nsa_placement *out, const char *check, uint64_t align, uint64_t addr,
		   const char *fmt, ...)
{
	va_list ap;

	out->verdict = NSA_ACCEPT_NO;
	out->kernel_check = check;
	out->violated_align = align;
	out->violated_addr = addr;
	va_start(ap, fmt);
	vsnprintf(out->kernel_message, sizeof(out->kernel_message), fmt, ap);
	va_end(ap);
}

/* nd_pfn_validate() past the checksum, in its order: 0 accepted, or refused in out. */
static void pfn_validate(const struct nsa_platform *p, const struct nsa_region *region,
			 const struct nsa_pfn_geometry *g, const char *dev, uint64_t spa,
			 uint64_t size, struct nsa_placement *out)
{
	uint64_t compat = p->memremap_compat_align, end = spa + size;
	bool pmem_map = g->map_mode != NSA_PFN_MODE_RAM;

	if (pmem_map && g->page_size && g->page_size > p->page_size) {
		refuse(out, "nd_pfn_validate", 0, 0, "init failed, page size mismatch %" PRIu32,
		       g->page_size);
		return;
	}
	if (pmem_map && g->page_struct_size && g->page_struct_size < STRUCT_PAGE_SIZE) {
		refuse(out, "nd_pfn_validate", 0, 0, "init failed, struct page size mismatch %u",
		       g->page_struct_size);
		return;
	}
	if (g->dax && !nsa_kernel_dax_align_ok(p, region, g->align)) {
		refuse(out, "nd_pfn_validate", g->align, 0,
		       "init failed, alignment mismatch: %" PRIu64 ":%" PRIu64,
		       nsa_kernel_default_align(p), g->align);
		return;
	}
	if (g->align > size) {
		refuse(out, "nd_pfn_validate", g->align, 0,
		       "alignment: %" PRIx64 " exceeds capacity %" PRIx64, g->align, size);
		return;
	}
	if (g->offset >= size) {
		refuse(out, "nd_pfn_validate", 0, 0, "pfn array size exceeds capacity of %s",
		       dev && *dev ? dev : "the namespace");
		return;
	}
	if ((g->align && !nsa_is_aligned(spa + g->offset + g->start_pad, g->align)) ||
	    !nsa_is_aligned(g->offset, p->page_size)) {
		refuse(out, "nd_pfn_validate", g->align, spa + g->offset + g->start_pad,
		       "bad offset: %#" PRIx64 " dax disabled align: %#" PRIx64, g->offset,
		       g->align);
		return;
	}
	/* memremap_compat_align(), enforced since v5.7 */
	if (p->compat_align_enforced) {
		if (!nsa_is_aligned(spa + g->start_pad, compat)) {
			refuse(out, "nd_pfn_validate", compat, spa + g->start_pad,
			       "resource start misaligned");
			return;
		}
		if (!nsa_is_aligned(end - g->end_trunc, compat)) {
			refuse(out, "nd_pfn_validate", compat, end - g->end_trunc,
			       "resource end misaligned");
			return;
		}
	}
	if (g->offset + g->start_pad + g->end_trunc >= size)
		refuse(out, "nd_pfn_validate", 0, 0, "bad offset with small namespace");
}

/*
 * Where the struct pages of an fsdax/devdax namespace with its memmap in
 * PMEM (map=dev) come from on arm64 with 4K pages: memremap_pages() adds
 * the namespace [start + start_pad, end - end_trunc) section by section
 * (__add_pages()), and vmemmap_populate() takes each section's 2 MiB of
 * struct pages as one PMD block from the altmap, aligned to 2 MiB, and a
 * partial section's page by page, also from the altmap (since "arm64: mm:
 * Populate vmemmap at the page level if not section aligned", 6.12.20,
 * 6.1.132).  The altmap holds what nd_pfn_init() reserved: the pages from
 * start + 8 KiB to the data offset.  A namespace that ends inside a
 * section after at least one whole one runs out: -ENOMEM, and the
 * sections already added stay (later namespaces there get -EEXIST until
 * a reboot).  x86_64 takes a partial section's struct pages from RAM.
 * Returns the address whose struct pages found no room, or 0 when they fit.
 */
static uint64_t arm64_altmap_short(const struct nsa_platform *p, const struct nsa_pfn_geometry *g,
				   uint64_t spa, uint64_t size)
{
	const uint64_t page = p->page_size, S = p->section_size, pmd_pages = p->pmd_size / page;
	uint64_t base = spa + g->start_pad, end = spa + size - g->end_trunc;
	uint64_t next, free_end;

	if (!nsa_platform_is_arm64(p) || page != 4096 || !S || !p->pmd_size ||
	    g->map_mode == NSA_PFN_MODE_RAM || g->offset <= SZ_8K || end <= base)
		return 0;
	/* altmap: base_pfn + reserve is the page after the info block; free up to dataoff */
	next = (spa + SZ_8K) / page;
	free_end = (spa + g->offset) / page;
	for (uint64_t a = base; a < end;) {
		uint64_t chunk_end = nsa_align_down(a, S) + S;

		if (chunk_end > end)
			chunk_end = end;
		if (chunk_end - a == S) {
			/* one PMD block, aligned to its size */
			next = nsa_align_up(next, pmd_pages) + pmd_pages;
		} else {
			/* one page of struct pages per 64 pages of memory */
			next += ((chunk_end - a) / page * STRUCT_PAGE_SIZE + page - 1) / page;
		}
		if (next > free_end)
			return a;
		a = chunk_end;
	}
	return 0;
}

void nsa_kernel_probe(const struct nsa_platform *p, const struct nsa_region *region,
		      const struct nsa_pfn_geometry *g, const char *dev, uint64_t spa,
		      uint64_t size, struct nsa_placement *out)
{
	uint64_t compat = p->memremap_compat_align, end = spa + size;

	memset(out, 0, sizeof(*out));
	out->verdict = NSA_ACCEPT_YES;

	/*
	 * nvdimm_namespace_common_probe(): a label-less (e820, memmap=) range
	 * is mapped with struct pages (pmem_should_map_pages(), ND_REGION_PAGEMAP)
	 * and must be memremap_compat_align()ed at both ends.  It runs on the
	 * namespace itself before any btt/pfn/dax probe, so it decides
	 * whatever the mode.  Enforced since v5.7; without ZONE_DEVICE nothing
	 * maps pages, and the rule does not apply.
	 */
	if (region && region->legacy && p->compat_align_enforced && !p->no_zone_device &&
	    !nsa_is_aligned(spa | end, compat)) {
		refuse(out, "nvdimm_namespace_common_probe", compat,
		       nsa_is_aligned(spa, compat) ? end : spa,
		       "[mem %#" PRIx64 "-%#" PRIx64 " flags 0x200] misaligned, unable to map", spa,
		       end - 1);
		return;
	}
	if (!g->pfn)
		return; /* raw and sector namespaces on labelled regions need no pages */
	if (!g->known) {
		out->verdict = NSA_ACCEPT_UNKNOWN;
		return;
	}
	pfn_validate(p, region, g, dev, spa, size, out);
	if (out->verdict == NSA_ACCEPT_YES) {
		uint64_t short_at = arm64_altmap_short(p, g, spa, size);

		if (short_at)
			refuse(out, "vmemmap_populate", p->section_size, short_at,
			       "probe with driver %s failed with error -12",
			       g->dax ? "device_dax" : "nd_pmem");
	}
}

uint64_t nsa_kernel_required_align(const struct nsa_platform *p, const struct nsa_region *region,
				   const struct nsa_pfn_geometry *g)
{
	uint64_t need = 0;

	if (region && region->legacy && p->compat_align_enforced && !p->no_zone_device)
		need = p->memremap_compat_align;
	if (g->pfn && g->known) {
		if (g->align > need)
			need = g->align;
		if (p->compat_align_enforced && p->memremap_compat_align > need)
			need = p->memremap_compat_align;
	}
	return need;
}

/* ------------------------------------------------------------ repair */

int nsa_kernel_repair_align(const struct nsa_platform *p, const struct nsa_region *region,
			    const struct nsa_pfn_geometry *g, uint32_t version_minor, uint64_t spa,
			    uint64_t size, uint64_t max_align, uint64_t *align, char *why,
			    size_t len)
{
	uint64_t compat = p->memremap_compat_align, data = spa + g->start_pad + g->offset, a;
	struct nsa_pfn_geometry fixed = *g;
	struct nsa_placement pl;

	*align = 0;
	if (!max_align)
		max_align = 2 * NSA_MiB;
	if (version_minor < 2)
		return nsa_say(
			why, len, -EPROTO,
			"info block version 1.%u records no align: the kernel takes %#" PRIx64
			" from dataoff, and only rewriting dataoff (which moves the data) could "
			"change that",
			version_minor, g->align);
	if (p->compat_align_enforced && (!nsa_is_aligned(spa + g->start_pad, compat) ||
					 !nsa_is_aligned(spa + size - g->end_trunc, compat))) {
		char c[32];

		nsa_size_str(compat, c, sizeof(c));
		return nsa_say(
			why, len, -ERANGE,
			"the namespace now starts or ends off a %s boundary (start %#" PRIx64
			", end %#" PRIx64 "): the kernel maps PMEM only on %s boundaries, "
			"whatever the info block says; the platform moved it by an amount that "
			"is not a multiple of %s",
			c, spa + g->start_pad, spa + size - g->end_trunc, c, c);
	}
	/* the largest the mode accepts, not above max_align, that the data start satisfies */
	a = pow2_floor(max_align);
	for (; a >= p->page_size; a >>= 1) {
		if (data % a)
			continue;
		if (g->dax && !nsa_kernel_dax_align_ok(p, region, a))
			continue;
		break;
	}
	if (a < p->page_size)
		return nsa_say(why, len, -ERANGE,
			       "the data start %#" PRIx64 " is not even page aligned", data);
	/* the info block's align field is 32 bits: 8 GiB would be written as 0 */
	if (a > UINT32_MAX)
		return nsa_say(why, len, -ERANGE,
			       "an align of %#" PRIx64
			       " does not fit the info block's 32-bit align "
			       "field: ask for 2G or less",
			       a);
	fixed.align = a;
	nsa_kernel_probe(p, region, &fixed, NULL, spa, size, &pl);
	if (pl.verdict != NSA_ACCEPT_YES)
		return nsa_say(why, len, -ERANGE, "%s", pl.kernel_message);
	*align = a;
	return 0;
}

/* ------------------------------------------------------------ nd_pfn_init() */

int nsa_kernel_pfn_layout(const struct nsa_platform *p, bool map_ram, uint64_t start, uint64_t size,
			  uint64_t align, uint64_t *dataoff, uint64_t *end_trunc)
{
	uint64_t compat = p->memremap_compat_align;
	uint64_t a = align > compat ? align : compat;
	uint64_t npfns = (size - SZ_8K) / p->page_size;

	/* "start misaligned": start_pad is no longer an option */
	if (!nsa_is_aligned(start, compat))
		return -EINVAL;
	*end_trunc = start + size - nsa_align_down(start + size, a);
	if (map_ram)
		*dataoff = nsa_align_up(start + SZ_8K, a) - start;
	else
		*dataoff = nsa_align_up(start + SZ_8K + MAX_STRUCT_PAGE_SIZE * npfns, a) - start;
	return *dataoff >= size - *end_trunc ? -ENOSPC : 0;
}

/* ------------------------------------------------------------ live padding */

/*
 * Whether dataoff is what one of the kernels' nd_pfn_init() lays out for
 * the data at base (namespace start + start_pad) with the given end_trunc:
 * the info block's 8 KiB (v4.x-5.2 devdax 128 KiB more for labels), the
 * memmap at 64 bytes a page unless map=mem (npfns after padding, rounded
 * to a section by v4.x, or of the whole namespace since 5.5), aligned to
 * align, max(align, PMD) or max(align, compat).
 */
static bool kernel_dataoff(const struct nsa_platform *p, bool ram, uint64_t base, uint64_t size,
			   uint64_t pad, uint64_t trunc, uint64_t align, uint64_t dataoff)
{
	uint64_t page = p->page_size ? p->page_size : 4096, sec = p->section_size / page;
	uint64_t aligns[3] = { align, align > p->pmd_size ? align : p->pmd_size,
			       align > p->memremap_compat_align ? align
								: p->memremap_compat_align };

	if (size < pad + trunc + SZ_8K)
		return false;
	for (int x = 0; x < 2; x++)
		for (int n = 0; n < 3; n++)
			for (int k = 0; k < 3; k++) {
				uint64_t npfns = n == 2 ? (size - SZ_8K) / page
							: (size - pad - trunc - SZ_8K) / page;
				uint64_t head = base + SZ_8K + (x ? 128 * NSA_KiB : 0);

				if (n == 1 && sec)
					npfns = nsa_align_up(npfns, sec);
				if (!ram)
					head += MAX_STRUCT_PAGE_SIZE * npfns;
				if (aligns[k] && nsa_align_up(head, aligns[k]) - base == dataoff)
					return true;
			}
	return false;
}

void nsa_kernel_live_pad(const struct nsa_platform *p, const struct nsa_namespace *ns,
			 struct nsa_pad *out)
{
	uint64_t spa = ns->spa_start, compat = p->memremap_compat_align, gap, cand[3];
	bool ram = ns->map == NSA_MAP_MEM, zero_ok;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (!spa || !ns->data_start || ns->data_start < spa || !ns->holder[0] ||
	    (ns->mode != NSA_MODE_FSDAX && ns->mode != NSA_MODE_DEVDAX))
		return;
	gap = ns->data_start - spa;
	if (!ns->data_size || gap + ns->data_size > ns->size)
		return;
	out->end_trunc = ns->size - gap - ns->data_size;
	/* nd_pfn_validate(): "resource start misaligned" unless start + start_pad is */
	zero_ok = !(p->compat_align_enforced && compat && spa % compat);
	cand[0] = 0;
	cand[1] = compat ? nsa_align_up(spa, compat) - spa : 0;
	cand[2] = p->section_size ? nsa_align_up(spa, p->section_size) - spa : 0;
	for (int i = 0; i < 3; i++) {
		if ((cand[i] == 0 && (i || !zero_ok)) || cand[i] >= gap)
			continue;
		if ((i == 2 && cand[2] == cand[1]) ||
		    !kernel_dataoff(p, ram, spa + cand[i], ns->size, cand[i], out->end_trunc,
				    ns->align, gap - cand[i]))
			continue;
		if (found++ && out->start_pad != cand[i]) {
			found = 2; /* two kernels' layouts fit: not known */
			break;
		}
		out->start_pad = cand[i];
	}
	if (found == 1) {
		out->source = NSA_PAD_SYSFS;
	} else if (!zero_ok) {
		out->source = NSA_PAD_SYSFS_MIN;
		out->start_pad = cand[1];
	} else {
		out->source = NSA_PAD_SYSFS;
		out->start_pad = 0; /* no padded layout fits better than none */
	}
}

/* ------------------------------------------------------------ kmem */

bool nsa_kernel_kmem_memmap_in_range(const struct nsa_daxdev *d)
{
	return d && d->memmap_on_memory == 1;
}

void nsa_kernel_kmem(const struct nsa_platform *p, uint64_t start, uint64_t size,
		     bool memmap_in_range, struct nsa_kmem_yield *out)
{
	uint64_t B = p->block_size, first, end;

	memset(out, 0, sizeof(*out));
	if (!B || !size)
		return;
	first = nsa_align_up(start, B);
	end = nsa_align_down(start + size, B);
	if (end > first) {
		out->first_block = first / B;
		out->n_blocks = (end - first) / B;
		out->usable = end - first;
		out->lost_head = first - start;
		out->lost_tail = start + size - end;
	} else {
		out->lost_head = size;
	}
	/* each block's own struct pages, at the start of the block (altmap) */
	if (memmap_in_range)
		out->memmap_bytes = out->n_blocks * (B / p->page_size) * STRUCT_PAGE_SIZE;
	else
		out->memmap_ram_bytes = out->n_blocks * (B / p->page_size) * STRUCT_PAGE_SIZE;
	out->system_ram = out->usable - out->memmap_bytes;
}

/*
 * zone_for_pfn_range() with the online type mhp_default_online_type() gives
 * (online_memory_block()): online_movable is ZONE_MOVABLE, online_kernel
 * the kernel zone, online with online_policy=auto-movable is decided per
 * block by auto_movable_zone_for_pfn() (ratios of the node's zones), plain
 * online is default_zone_for_pfn(): the zone that already spans the range,
 * else ZONE_MOVABLE only with movable_node, else the kernel zone.  New
 * memory past the boot RAM (kmem, a DIMM above 4 GiB) is spanned by no
 * zone yet, so its kernel zone is ZONE_NORMAL.
 */
uint8_t nsa_kernel_auto_online_zone(const char *auto_online_blocks, const char *online_policy,
				    bool movable_node)
{
	const char *w = auto_online_blocks;

	if (!w || !w[0])
		return 0;
	if (strcmp(w, "offline") == 0)
		return NSA_ZONE_NONE;
	if (strcmp(w, "online_movable") == 0)
		return NSA_ZONE_MOVABLE;
	if (strcmp(w, "online_kernel") == 0)
		return NSA_ZONE_NORMAL;
	if (strcmp(w, "online") != 0)
		return 0;
	if (online_policy && strcmp(online_policy, "auto-movable") == 0)
		return 0;
	return movable_node ? NSA_ZONE_MOVABLE : NSA_ZONE_NORMAL;
}

/* ------------------------------------------------------------ a snapshot's namespaces */

const struct nsa_region *nsa_ns_region(const struct nsa_snapshot *s, const struct nsa_namespace *ns)
{
	if (ns->region_index >= 0 && (size_t)ns->region_index < s->n_regions)
		return &s->regions[ns->region_index];
	return nsa_snapshot_find_region(s, ns->region);
}

void nsa_check_placement_on(const struct nsa_platform *p, const struct nsa_namespace *ns,
			    const struct nsa_region *region, uint64_t spa_start,
			    struct nsa_placement *out)
{
	struct nsa_pfn_geometry g;

	nsa_kernel_ns_geometry(ns, region, &g);
	nsa_kernel_probe(p, region, &g, ns->dev, spa_start, ns->size, out);
}

int nsa_check_placement(const struct nsa_snapshot *s, size_t ns_index, uint64_t spa_start,
			struct nsa_placement *out)
{
	struct nsa_platform p;

	if (ns_index >= s->n_namespaces)
		return -EINVAL;
	nsa_effective_platform(s, &p);
	nsa_check_placement_on(&p, &s->namespaces[ns_index],
			       nsa_ns_region(s, &s->namespaces[ns_index]), spa_start, out);
	return 0;
}

int nsa_repair_plan_on(const struct nsa_platform *p, const struct nsa_namespace *ns,
		       const struct nsa_region *region, uint64_t spa_start, uint64_t *align)
{
	struct nsa_pfn_geometry g;
	char why[256];

	*align = 0;
	nsa_kernel_ns_geometry(ns, region, &g);
	if (!g.pfn)
		return -EPROTO; /* no info block: nothing to rewrite */
	if (!g.known || !spa_start || !ns->size)
		return -ENODATA;
	/* without the block itself: the version this kernel writes (1.4) */
	return nsa_kernel_repair_align(p, region, &g, ns->ib.valid ? ns->ib.version_minor : 4,
				       spa_start, ns->size, 0, align, why, sizeof(why));
}

int nsa_repair_plan(const struct nsa_snapshot *s, size_t ns_index, uint64_t spa_start,
		    uint64_t *align)
{
	struct nsa_platform p;

	*align = 0;
	if (ns_index >= s->n_namespaces)
		return -EINVAL;
	nsa_effective_platform(s, &p);
	return nsa_repair_plan_on(&p, &s->namespaces[ns_index],
				  nsa_ns_region(s, &s->namespaces[ns_index]), spa_start, align);
}

/*
 * A namespace the kernel refused is disabled: its info block stays unread.
 * The kernel's "bad offset: DATAOFF dax disabled align: ALIGN" line gives
 * the two fields that decided, and its device ("pfnX.Y" or "daxX.Y") the
 * mode.  Lines cannot be tied to a namespace by name (seed devices are
 * reused), so a line is taken only when it is the one distinct refusal
 * that fails at this namespace's address.  The block's start_pad is 0 (no
 * kernel since v5.3 writes one) and its end_trunc is what made the old end
 * compat aligned from a compat aligned start: size modulo the compat align.
 */
bool nsa_kernel_log_geometry(const struct nsa_snapshot *s, const struct nsa_platform *p,
			     const struct nsa_namespace *ns, struct nsa_pfn_geometry *out)
{
	static const char marker[] = ": bad offset: ";
	struct nsa_pfn_geometry found = { 0 };
	int n = 0;

	for (size_t i = 0; i < s->n_kernel_log; i++) {
		const char *line = s->kernel_log[i], *m = strstr(line, marker), *dev;
		unsigned long long off, align;
		struct nsa_pfn_geometry g = { .pfn = true, .known = true };

		if (!m || sscanf(m + sizeof(marker) - 1, "%llx dax disabled align: %llx", &off,
				 &align) != 2)
			continue;
		for (dev = m; dev > line && dev[-1] != ' '; dev--)
			;
		g.dax = strncmp(dev, "dax", 3) == 0;
		g.offset = off;
		g.align = align;
		g.end_trunc = ns->size % p->memremap_compat_align;
		/* the line must be the kernel's verdict at this address */
		if (!align || off >= ns->size ||
		    (nsa_is_aligned(ns->spa_start + off, align) &&
		     nsa_is_aligned(off, p->page_size)))
			continue;
		if (n && (found.offset != g.offset || found.align != g.align || found.dax != g.dax))
			return false; /* two different refusals fit: no telling which is its own */
		found = g;
		n++;
	}
	if (!n)
		return false;
	*out = found;
	return true;
}

/*
 * The driver core's line for a failed probe: 6.1 prints "nd_pmem: probe of
 * namespace0.1 failed with error -95" (really_probe()), 6.12 "nd_pmem
 * namespace0.1: probe with driver nd_pmem failed with error -95"
 * (call_driver_probe()).  The device and the error, from either.
 */
bool nsa_kernel_probe_failure(const char *line, char *dev, size_t len, int *err)
{
	static const char v612[] = ": probe with driver ";
	const char *p = strstr(line, "probe of "), *q;
	char name[64], drv[64];

	if (p && sscanf(p, "probe of %63s failed with error %d", name, err) == 2) {
		nsa_strlcpy(dev, name, len);
		return true;
	}
	p = strstr(line, v612);
	if (!p || sscanf(p + sizeof(v612) - 1, "%63s failed with error %d", drv, err) != 2)
		return false;
	for (q = p; q > line && q[-1] != ' '; q--)
		;
	if (q == p || (size_t)(p - q) >= sizeof(name))
		return false;
	memcpy(name, q, (size_t)(p - q));
	name[p - q] = '\0';
	nsa_strlcpy(dev, name, len);
	return true;
}

const char *nsa_kernel_memmap_leak(const struct nsa_snapshot *s, const struct nsa_platform *p,
				   int region_id)
{
	if (!nsa_platform_is_arm64(p))
		return NULL;
	for (size_t i = 0; i < s->n_kernel_log; i++) {
		char dev[64];
		int err, id;

		/* seed devices are named pfnR.N and daxR.N after their region R */
		if (nsa_kernel_probe_failure(s->kernel_log[i], dev, sizeof(dev), &err) &&
		    err == -ENOMEM &&
		    (sscanf(dev, "pfn%d.", &id) == 1 || sscanf(dev, "dax%d.", &id) == 1) &&
		    id == region_id)
			return s->kernel_log[i];
	}
	return NULL;
}
