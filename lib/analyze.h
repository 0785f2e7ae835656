/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the analyzer: the occupancy of physical memory (occupancy.c), one
 * analysis run's context, and the reports (report.c) that put findings
 * into words.  Private to lib/.
 */
#ifndef NSA_ANALYZE_H
#define NSA_ANALYZE_H

#include "kernel.h"

/* Non-overlapping ranges of one kind, sorted: a range query is a binary search. */
struct range_set {
	struct occupant {
		uint64_t start, end; /* inclusive */
		const char *name;
		enum nsa_res_type type;
		int ns_index; /* for namespaces, else -1 */
		int region_index;
	} * v;
	size_t n, cap;
};

struct occupancy {
	struct range_set ram, pmem, ns, reserved;
};

int nsa_occupancy_build(const struct nsa_snapshot *s, struct occupancy *o);
void nsa_occupancy_free(struct occupancy *o);

/* Who has memory in a block of size B (/proc/iomem's top level), by address. */
enum nsa_occ_kind {
	NSA_OCC_RAM,	  /* System RAM: boot memory or a hot-added DIMM */
	NSA_OCC_KMEM,	  /* a dax device's System RAM (kmem): the dax device's name */
	NSA_OCC_PMEM,	  /* PMEM that is not System RAM */
	NSA_OCC_FIRMWARE, /* firmware and device windows */
};
struct nsa_block_occupant {
	const char *name;
	enum nsa_occ_kind kind;
};
int nsa_block_occupants(const struct nsa_snapshot *s, uint64_t B, uint64_t index,
			struct nsa_block_occupant *out, int max);
/*
 * The same for blocks asked in ascending index order: *from (0 at first) is
 * where the next block's walk starts; only where nsa_iomem_top_sorted().
 */
int nsa_block_occupants_from(const struct nsa_snapshot *s, uint64_t B, uint64_t index, size_t *from,
			     struct nsa_block_occupant *out, int max);
bool nsa_iomem_top_sorted(const struct nsa_snapshot *s);

/* The first neighbour of each kind in a namespace's edge sections. */
struct shared {
	const struct occupant *ram, *pmem, *ns;
	uint64_t ram_section, pmem_section, ns_section;
};

/*
 * Who else lives in one edge section of namespace ns_index: each becomes a
 * neighbour in v (sharing its memory block or not), the first of each kind
 * goes into sh, and *shared is set.
 */
int nsa_occupancy_scan_section(const struct occupancy *occ, const struct nsa_snapshot *s,
			       const struct nsa_platform *p, size_t ns_index, uint64_t section,
			       struct nsa_ns_verdict *v, struct shared *sh, bool *shared);
/* The edge sections (and memory blocks of size B) that hold a neighbour. */
int nsa_occupancy_shared_sections(const struct nsa_ns_verdict *v, uint64_t S);
int nsa_occupancy_shared_blocks(const struct nsa_namespace *ns, uint64_t B,
				const struct nsa_ns_verdict *v);

struct ctx {
	const struct nsa_snapshot *s;
	struct nsa_platform p;
	uint64_t granularity;
	struct nsa_analysis *a;
	struct occupancy occ;
};

int nsa_report_unavailable(struct ctx *c, const struct nsa_namespace *ns,
			   const struct nsa_region *region, const struct nsa_pfn_geometry *g,
			   const struct nsa_placement *pl, struct nsa_ns_verdict *v);
int nsa_report_fragile(struct ctx *c, const struct nsa_namespace *ns,
		       const struct nsa_region *region, const struct nsa_pfn_geometry *g,
		       struct nsa_ns_verdict *v);
int nsa_report_sharing(struct ctx *c, const struct nsa_namespace *ns,
		       const struct nsa_region *region, const struct shared *sh);
int nsa_report_kmem(struct ctx *c, const char *dev, const char *uuid, bool is_ram, uint64_t start,
		    uint64_t size, const struct nsa_kmem_yield *y);

#endif
