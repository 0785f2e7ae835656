/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsalign: the physical address space as rows (map.c): one row per
 * section or memory block, who owns which part of it, which boundaries
 * each part starts on, and the findings that point at it.
 * Included by libnsalign.h; users include that.
 */
#ifndef LIBNSALIGN_MAP_H
#define LIBNSALIGN_MAP_H

#ifndef LIBNSALIGN_H
#error "include libnsalign.h, not libnsalign-map.h"
#endif

enum nsa_pmap_unit {
	NSA_PMAP_SECTIONS = 0, /* one row per memory section */
	NSA_PMAP_BLOCKS,       /* one row per memory block */
};

enum nsa_owner_kind {
	NSA_OWNER_NONE = 0,  /* nothing in /proc/iomem */
	NSA_OWNER_RESERVED,  /* firmware: "Reserved" */
	NSA_OWNER_DEVICE,    /* device windows, ROMs, APICs: not memory */
	NSA_OWNER_RAM,	     /* System RAM: boot memory or a hot-added DIMM */
	NSA_OWNER_PMEM,	     /* PMEM outside any namespace (a region's free space) */
	NSA_OWNER_NAMESPACE, /* a namespace */
	NSA_OWNER_KMEM,	     /* a dax device's System RAM (kmem) */
};

/* The boundaries a part starts on (powers of two: a larger one implies the smaller). */
#define NSA_ON_GRANULARITY (1u << 0)
#define NSA_ON_BLOCK	   (1u << 1)
#define NSA_ON_SECTION	   (1u << 2)
#define NSA_ON_SUBSECTION  (1u << 3)

/* One owner's part of a row. */
struct nsa_pmap_part {
	uint64_t start, size;
	enum nsa_owner_kind kind;
	const char *name;   /* "System RAM", "region0", "namespace0.0", "dax0.0", iomem's name */
	const char *detail; /* "fsdax", "disabled", "kmem", NULL */
	unsigned on;	    /* NSA_ON_* bits of start */
};

/* A finding that points at a row: a shared section, a block kmem loses, ... */
struct nsa_pmap_mark {
	const char *code; /* "NSA-NS-SHARES-SECTION-PMEM" */
	const char *dev;  /* its subject, "" for none */
};

/*
 * One section or block, or a run of equal ones (count > 1: one owner
 * each, the same marks and block state).
 */
struct nsa_pmap_row {
	uint64_t start, size;
	uint64_t first, count; /* unit index (address / unit size) and how many */
	struct nsa_pmap_part *parts;
	size_t n_parts;
	struct nsa_pmap_mark *marks;
	size_t n_marks;
	bool has_block; /* blocks: the snapshot has this memory block */
	uint8_t state;	/* enum nsa_block_state */
	uint8_t zones;	/* enum nsa_zone bits */
};

struct nsa_pmap {
	enum nsa_pmap_unit unit;
	uint64_t unit_size;
	uint64_t subsection_size, section_size, block_size, granularity;
	struct nsa_pmap_row *rows;
	size_t n_rows;
	struct nsa_pmap_mark *elsewhere; /* findings with no address of their own */
	size_t n_elsewhere;
};

/*
 * The map of snapshot s from address 0 to the end of the last /proc/iomem
 * range, marked with the findings of a (nsa_analyze() of s, with info).
 * Names point into s and a: free the map first.  -ENODATA: the snapshot
 * has no physical addresses; -EINVAL: no section or block size.
 */
int nsa_pmap_build(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		   enum nsa_pmap_unit unit, uint64_t granularity, struct nsa_pmap **out);
void nsa_pmap_free(struct nsa_pmap *m);
struct json_object *nsa_pmap_to_json(const struct nsa_pmap *m);
const char *nsa_owner_kind_name(enum nsa_owner_kind k); /* "ram", "namespace", ... */

#endif
