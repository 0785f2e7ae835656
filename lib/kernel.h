/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel, once: every rule of the kernel that nsalign predicts lives
 * in kernel.c, and everything that judges a layout (the analyzer, simulate,
 * the planner, the info-block validator, repair, the kmem plan) calls it.
 * The rules take the kernel's capabilities from a struct nsa_platform made
 * by nsa_effective_platform(): what the running kernel shows, recorded in
 * the snapshot, with the release only as a fallback for what it does not.
 */
#ifndef NSA_KERNEL_H
#define NSA_KERNEL_H

#include "private.h"

/* What nd_pfn_validate() reads from an info block, whatever the address. */
struct nsa_pfn_geometry {
	bool pfn;	 /* has a pfn/dax info block: fsdax or devdax */
	bool dax;	 /* devdax ("NVDIMM_DAX_INFO") */
	bool known;	 /* offset, pads and align are known */
	uint64_t offset; /* dataoff */
	uint64_t start_pad;
	uint64_t end_trunc;
	uint64_t align;		   /* as recorded; before 1.2 (or 0): 1 << ilog2(offset) */
	uint32_t map_mode;	   /* NSA_PFN_MODE_PMEM / _RAM; 0 unknown (judged as PMEM) */
	uint32_t page_size;	   /* the block's page_size; 0 unknown */
	uint16_t page_struct_size; /* the block's page_struct_size; 0 unknown */
};

/* From what the snapshot knows of a namespace (its info block, else its pfn/dax device). */
void nsa_kernel_ns_geometry(const struct nsa_namespace *ns, const struct nsa_region *region,
			    struct nsa_pfn_geometry *g);
/* From an info block as nd_pfn_validate() reads it (fields a version lacks zeroed). */
void nsa_kernel_ib_geometry(const struct nsa_infoblock *ib, struct nsa_pfn_geometry *g);

/*
 * The aligns a new fsdax (dax false) or devdax namespace may have, largest
 * first: the region's pfn/dax seed's supported_alignments when the
 * snapshot has them, else nd_pfn_supported_alignments(): page, PMD, PUD.
 */
#define NSA_KERNEL_MAX_ALIGNS 8
int nsa_kernel_aligns(const struct nsa_platform *p, const struct nsa_region *r, bool dax,
		      uint64_t out[NSA_KERNEL_MAX_ALIGNS]);
/*
 * nd_pfn_supported_alignments() / the region's dax seed: may a devdax
 * info block carry this align here?  The region's own list when the
 * snapshot has it, else the page, PMD and PUD sizes.
 */
bool nsa_kernel_dax_align_ok(const struct nsa_platform *p, const struct nsa_region *r,
			     uint64_t align);
/* nd_pfn_default_alignment(): a new pfn/dax seed's align (PMD size, page size without THP). */
uint64_t nsa_kernel_default_align(const struct nsa_platform *p);

/*
 * A region's align (the unit of namespace sizes): its "align" attribute
 * when the snapshot has it, else default_align() in region_devs.c: 16 MiB
 * (the page size below 16 MiB), times the interleave ways when 16 MiB does
 * not divide by them (3 ways: 48 MiB, 6 ways: 96 MiB).
 */
uint64_t nsa_kernel_region_align(const struct nsa_platform *p, const struct nsa_region *r);
/*
 * Could the region's "align" attribute read this?  align_store() takes
 * only multiples of the ways whose share per DIMM is a power of two of at
 * least a page; default_align() makes no other.
 */
bool nsa_kernel_region_align_valid(const struct nsa_region *r, uint64_t page_size);
/*
 * The sizes a new namespace may have: multiples of this.  The kernel's
 * __size_store() takes multiples of the region align; ndctl's
 * validate_namespace_options() also wants multiples of the namespace's
 * align (ndns_align: the pfn/dax align, the page size for raw and sector)
 * times the interleave ways (ndctl issue 125): their lcm, not the larger.
 */
uint64_t nsa_kernel_ns_size_quantum(const struct nsa_platform *p, const struct nsa_region *r,
				    uint64_t ndns_align);

/*
 * Would the kernel map a namespace of `size` bytes with geometry g at spa?
 * nvdimm_namespace_common_probe()'s range rule for label-less (legacy)
 * regions, then nd_pfn_validate() in its order, with its messages. `dev`
 * names the namespace in the messages that do.  region may be NULL.
 */
void nsa_kernel_probe(const struct nsa_platform *p, const struct nsa_region *region,
		      const struct nsa_pfn_geometry *g, const char *dev, uint64_t spa,
		      uint64_t size, struct nsa_placement *out);

/* The largest alignment the namespace depends on: it survives moves by its multiples. */
uint64_t nsa_kernel_required_align(const struct nsa_platform *p, const struct nsa_region *region,
				   const struct nsa_pfn_geometry *g);

/*
 * The align a repair writes at spa: the largest the mode accepts, not
 * above max_align (0: 2 MiB), that the data start satisfies and with which
 * nsa_kernel_probe() accepts the block.  0; -EPROTO (a block before 1.2
 * has no align field); -ERANGE (no align helps: why says so).
 */
int nsa_kernel_repair_align(const struct nsa_platform *p, const struct nsa_region *region,
			    const struct nsa_pfn_geometry *g, uint32_t version_minor, uint64_t spa,
			    uint64_t size, uint64_t max_align, uint64_t *align, char *why,
			    size_t len);

/*
 * nd_pfn_init(): the data offset and end truncation the kernel lays out
 * for a new fsdax/devdax namespace at [start, start + size) with `align`
 * (struct pages in PMEM unless map_ram).  -ENOSPC: "unable to satisfy
 * requested alignment"; -EINVAL: "start ... misaligned" (off the compat align).
 */
int nsa_kernel_pfn_layout(const struct nsa_platform *p, bool map_ram, uint64_t start, uint64_t size,
			  uint64_t align, uint64_t *dataoff, uint64_t *end_trunc);

/*
 * The start padding and end truncation of a live fsdax/devdax namespace
 * from what sysfs shows: the pfn/dax device's resource is the namespace
 * start + start_pad + dataoff and its size the namespace size - start_pad
 * - end_trunc - dataoff, so end_trunc is exact; start_pad is the one
 * candidate a kernel writes (0, since 5.3 the only one; the section
 * padding of kernels before 5.3; the least that reaches the compat
 * align) for which nd_pfn_init()'s data offset explains the rest.
 */
enum nsa_pad_source {
	NSA_PAD_UNKNOWN = 0, /* sysfs does not say (no pfn/dax data range) */
	NSA_PAD_SYSFS,	     /* derived exactly */
	NSA_PAD_SYSFS_MIN,   /* at least this: the kernel maps it only padded */
};
struct nsa_pad {
	enum nsa_pad_source source;
	uint64_t start_pad, end_trunc;
};
void nsa_kernel_live_pad(const struct nsa_platform *p, const struct nsa_namespace *ns,
			 struct nsa_pad *out);

/*
 * What kmem makes of [start, start + size): dev_dax_kmem_probe() aligns
 * the range inward to whole memory blocks; with the memmap on the memory
 * (memmap_in_range) each block gives up the struct pages of its own pages.
 */
struct nsa_kmem_yield {
	uint64_t first_block, n_blocks;
	uint64_t usable;	       /* n_blocks * block size */
	uint64_t lost_head, lost_tail; /* partial blocks at the edges */
	uint64_t memmap_bytes;	       /* inside the range, when memmap_in_range */
	uint64_t memmap_ram_bytes;     /* in the RAM there is already, when not */
	uint64_t system_ram;	       /* usable - memmap_bytes: what MemTotal grows by */
};
void nsa_kernel_kmem(const struct nsa_platform *p, uint64_t start, uint64_t size,
		     bool memmap_in_range, struct nsa_kmem_yield *out);
/*
 * Does kmem put this dax device's memmap inside its range?  Since 6.8, per
 * device (daxX.Y/memmap_on_memory, its default from memory_hotplug's
 * memmap_on_memory); a kernel without the attribute keeps it in RAM.
 */
bool nsa_kernel_kmem_memmap_in_range(const struct nsa_daxdev *d);

/*
 * The zone the kernel onlines a block into when it onlines hot-added
 * memory itself (add_memory_resource() with mhp_default_online_type(), the
 * auto_online_blocks word): NSA_ZONE_NONE when it leaves it offline,
 * NSA_ZONE_MOVABLE or NSA_ZONE_NORMAL, 0 when it decides block by block
 * (online_policy auto-movable) or auto_online_blocks is unknown.
 */
uint8_t nsa_kernel_auto_online_zone(const char *auto_online_blocks, const char *online_policy,
				    bool movable_node);

/*
 * The geometry of a namespace the kernel refused (its info block unread),
 * from the kernel's own "bad offset" line, when exactly one such line
 * fails at its address.  false: none, or no telling which.
 */
bool nsa_kernel_log_geometry(const struct nsa_snapshot *s, const struct nsa_platform *p,
			     const struct nsa_namespace *ns, struct nsa_pfn_geometry *g);

/*
 * A failed probe in the kernel log, in 6.1's ("probe of DEV failed with
 * error -N") or 6.12's ("DRIVER DEV: probe with driver DRIVER failed with
 * error -N") words: the device and the error.
 */
bool nsa_kernel_probe_failure(const char *line, char *dev, size_t len, int *err);

/*
 * arm64's partial-section memmap failure this boot in region REGION_ID: the
 * kernel log's first pfn/dax probe failure there with -12, whose sections
 * stay set up until a reboot (later fsdax/devdax namespaces over them fail
 * with -17).  The line, or NULL.
 */
const char *nsa_kernel_memmap_leak(const struct nsa_snapshot *s, const struct nsa_platform *p,
				   int region_id);

#endif
