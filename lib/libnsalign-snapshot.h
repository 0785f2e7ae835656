/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsalign: the snapshot: model, JSON round trip, iomem parser, platform
 * facts, collector.
 * Included by libnsalign.h; users include that.
 */
#ifndef LIBNSALIGN_SNAPSHOT_H
#define LIBNSALIGN_SNAPSHOT_H

#ifndef LIBNSALIGN_H
#error "include libnsalign.h, not libnsalign-snapshot.h"
#endif

/* ------------------------------------------------------------------ */
/* Snapshot model (snapshot.c)                                         */
/* ------------------------------------------------------------------ */

/*
 * 2: collected_at is RFC 3339 ("2026-12-03T17:00:57Z"), addresses hidden
 * without CAP_SYS_ADMIN are null; schema 1 files (seconds, zeros) still read.
 * 3: what `ndctl list` prints besides: regions' max_available_extent,
 * iset_id, persistence_domain, bus, badblock_count, idle namespace seed;
 * namespaces' usable_size and sector_size; "dimms" and "mappings".
 * Schema 1 and 2 files still read (those facts unknown).
 * 4: an unknown string (host_id, name, blockdev, holder, map, security...)
 * is absent, not ""; "" in older files reads the same.
 */
#define NSA_SNAPSHOT_SCHEMA 4
#define NSA_DEV_LEN	    32
#define NSA_UUID_LEN	    37 /* 36 chars + NUL */

/* Facts of the machine that decide alignments. 0 / -1 = unknown. */
struct nsa_platform {
	char arch[32];		  /* uname machine: x86_64, aarch64, ppc64le */
	char kernel_release[128]; /* uname release */
	char hostname[64];
	char boot_id[NSA_UUID_LEN];
	char host_id[33]; /* machine-id hashed for nsalign (sd_id128_get_machine_app_specific) */
	uint64_t page_size;
	uint64_t subsection_size;	/* 2 MiB everywhere (SUBSECTION_SHIFT 21) */
	uint64_t section_size;		/* x86_64 128 MiB; ppc64 16 MiB; arm64 64K pages 512 MiB */
	uint64_t block_size;		/* /sys/devices/system/memory/block_size_bytes */
	uint64_t memremap_compat_align; /* 2 MiB; ppc64 hash MMU 16 MiB */
	uint64_t pmd_size;		/* huge page sizes: devdax aligns */
	uint64_t pud_size;		/* 0 when the arch has none */
	bool subsection_hotplug;	/* kernel >= 5.3 */
	bool compat_align_enforced;	/* kernel >= 5.7: memremap_compat_align() */
	int memmap_on_memory;		/* -1 unknown, 0 off, 1 on */
	char auto_online_blocks[24];	/* offline|online|online_kernel|online_movable|"" */
	bool no_zone_device;  /* regions without pfn/dax seeds: no fsdax/devdax (no ZONE_DEVICE) */
	bool memory_probe;    /* /sys/devices/system/memory/probe exists */
	bool iomem_visible;   /* false: /proc/iomem addresses read as zeros */
	bool ndctl_available; /* the nd bus exists (libnvdimm loaded) */
};

enum nsa_res_type {
	NSA_RES_OTHER = 0,
	NSA_RES_SYSTEM_RAM,    /* "System RAM" (boot memory or hotplugged DIMM) */
	NSA_RES_KMEM,	       /* "System RAM (kmem)" under a dax device */
	NSA_RES_PMEM,	       /* "Persistent Memory" */
	NSA_RES_PMEM_LEGACY,   /* "Persistent Memory (legacy)", e820 type 12 */
	NSA_RES_NAMESPACE,     /* "namespaceX.Y" */
	NSA_RES_DAX,	       /* "daxX.Y" */
	NSA_RES_RESERVED,      /* "Reserved", "reserved" */
	NSA_RES_SOFT_RESERVED, /* "Soft Reserved" */
};

/* One /proc/iomem line.  Kept in file order; parent < own index. */
struct nsa_resource {
	uint64_t start;
	uint64_t end; /* inclusive, as /proc/iomem prints it */
	char *name;
	enum nsa_res_type type;
	int depth;  /* 0 = top level */
	int parent; /* index of the enclosing resource, -1 at top level */
};

struct nsa_region {
	char dev[NSA_DEV_LEN]; /* "region0" */
	int id;
	char type[16];	    /* "pmem", "blk" */
	char provider[32];  /* bus provider: "ACPI.NFIT", "e820", "nfit_test.0" */
	uint64_t spa_start; /* resource; 0 when hidden */
	uint64_t size;
	uint64_t align; /* region "align" attribute (kernel >= 5.7), 0 unknown */
	uint64_t available_size;
	int mappings;
	int numa_node; /* -1 unknown */
	int target_node;
	bool enabled;
	bool read_only;
	bool legacy;	   /* label-less e820/"memmap=" region (nd_e820) */
	bool has_labels;   /* namespaces can be sub-divided (label area present) */
	bool no_idle_seed; /* no idle namespace seed: no new namespace until one is freed */
	uint64_t pfn_alignments[8]; /* pfn seed supported_alignments */
	int n_pfn_alignments;
	uint64_t dax_alignments[8]; /* dax seed supported_alignments */
	int n_dax_alignments;
	/* what ndctl list prints besides (schema 3; "" / 0 in older files: unknown) */
	char persistence_domain[24];   /* as ndctl prints it: "cpu_cache", ..., "unknown" */
	uint64_t max_available_extent; /* known when persistence_domain is */
	uint64_t iset_id;	       /* interleave set cookie, 0: none */
	char bus[NSA_DEV_LEN];	       /* "ndbus0" */
	uint64_t badblock_count;       /* sum of the region's badblocks lengths (ndctl's count) */
	char idle_namespace[NSA_DEV_LEN]; /* the size-0 namespace (seed) ndctl list -i shows */
	uint32_t idle_sector_size;	  /* its sector_size as ndctl prints it */
	int idle_position; /* how many of the region's namespaces ndctl lists before it */
};

enum nsa_mode {
	NSA_MODE_UNKNOWN = 0,
	NSA_MODE_RAW,
	NSA_MODE_SECTOR, /* btt */
	NSA_MODE_FSDAX,	 /* pfn */
	NSA_MODE_DEVDAX, /* dax */
};

enum nsa_map {
	NSA_MAP_NONE = 0,
	NSA_MAP_MEM, /* struct pages in RAM */
	NSA_MAP_DEV, /* struct pages in PMEM */
};

/*
 * What nsd_pfn_sb (the info block at namespace offset 4 KiB) says.
 * Filled when the collector could read it, or from sysfs-derived values.
 */
struct nsa_infoblock {
	bool valid;	    /* signature + checksum verified */
	char signature[17]; /* "NVDIMM_PFN_INFO", "NVDIMM_DAX_INFO" */
	char uuid[NSA_UUID_LEN];
	char parent_uuid[NSA_UUID_LEN];
	uint16_t version_major, version_minor;
	uint64_t dataoff;
	uint64_t npfns;
	uint32_t mode; /* PFN_MODE_NONE 0, RAM 1, PMEM 2 */
	uint32_t start_pad;
	uint32_t end_trunc;
	uint32_t align;
	uint32_t page_size;
	uint16_t page_struct_size;
	uint32_t flags;
	uint64_t checksum;
	/* a block with a pfn/dax signature that does not validate: why ("" none) */
	char damage[160];
};

struct nsa_namespace {
	char dev[NSA_DEV_LEN];		/* "namespace0.1": NOT stable across boots */
	char region[NSA_DEV_LEN];	/* "region0" */
	int region_index;		/* index into snapshot regions, -1 */
	char uuid[NSA_UUID_LEN];	/* label uuid (ndctl raw_uuid); "" for legacy */
	char holder_uuid[NSA_UUID_LEN]; /* info-block uuid (ndctl uuid for fsdax/devdax) */
	char name[64];
	enum nsa_mode mode;   /* as the kernel sees it now */
	char holder_class[8]; /* label claim class: "pfn", "dax", "btt", "" */
	enum nsa_map map;
	uint64_t spa_start; /* namespace resource; 0 when hidden */
	uint64_t size;	    /* namespace size */
	bool enabled;	    /* a driver is bound */
	bool force_raw;
	int numa_node;
	int target_node;
	char holder[NSA_DEV_LEN]; /* "pfn0.1", "dax0.1", "btt0.1", "" */
	uint64_t align;		  /* holder align (pfn/dax), 0 when none */
	uint64_t data_start;	  /* SPA of the first data byte (holder resource), 0 unknown */
	uint64_t data_size;	  /* holder size, 0 unknown */
	char blockdev[NSA_DEV_LEN];
	char chardev[NSA_DEV_LEN];
	int probe_error; /* "probe of namespaceX.Y failed with error -N" this boot, 0 none */
	struct nsa_infoblock ib;
	/* ndctl list's "size": the pfn, dax or btt device's size, the namespace's when raw; 0
	 * unknown */
	uint64_t usable_size;
	uint32_t sector_size; /* ndctl list's "sector_size", 0: none (devdax) or unknown */
};

enum nsa_dax_mode {
	NSA_DAX_UNKNOWN = 0,
	NSA_DAX_DEVDAX,
	NSA_DAX_SYSTEM_RAM,
};

struct nsa_daxdev {
	char dev[NSA_DEV_LEN];		 /* "dax0.1" */
	char namespace_dev[NSA_DEV_LEN]; /* "namespace0.1", "" for non-pmem dax */
	int region_id;
	uint64_t spa_start;
	uint64_t size;
	uint64_t align;
	enum nsa_dax_mode mode;
	int target_node;
	int numa_node;
	int online_blocks; /* for system-ram, -1 unknown */
	int total_blocks;
	bool movable;
	bool memmap_on_memory; /* daxX.Y/memmap_on_memory reads 1 (v6.8+; absent before) */
	bool unbound;	       /* no driver: the kernel failed to probe it (no /dev/daxX.Y) */
};

/* A DIMM on the nd bus, with what ndctl list -D prints of it (schema 3). */
enum nsa_dimm_flag {
	NSA_DIMM_FAILED_MAP = 1 << 0,
	NSA_DIMM_FAILED_SAVE = 1 << 1,
	NSA_DIMM_FAILED_ARM = 1 << 2,
	NSA_DIMM_FAILED_RESTORE = 1 << 3,
	NSA_DIMM_FAILED_FLUSH = 1 << 4,
	NSA_DIMM_SMART_EVENT = 1 << 5,
};

struct nsa_dimm {
	char dev[NSA_DEV_LEN]; /* "nmem0" */
	char bus[NSA_DEV_LEN];
	char id[48];	   /* unique id, "" none */
	char serial[16];   /* NFIT serial, "0x%08x" as ndctl's id has it; "" none */
	uint32_t handle;   /* UINT32_MAX: none */
	int phys_id;	   /* -1 none */
	bool enabled;	   /* a driver is bound */
	uint32_t flags;	   /* enum nsa_dimm_flag */
	char security[16]; /* "disabled", "unlocked", "locked", "frozen", "overwrite", "" */
	bool security_frozen;
};

/* One DIMM's part of a region (ndctl list -RD "mappings"). */
struct nsa_mapping {
	char region[NSA_DEV_LEN];
	char dimm[NSA_DEV_LEN];
	uint64_t offset, length;
	int position; /* -1 none */
};

enum nsa_block_state {
	NSA_BLOCK_UNKNOWN = 0,
	NSA_BLOCK_ONLINE,
	NSA_BLOCK_OFFLINE,
	NSA_BLOCK_GOING_OFFLINE,
};

/* valid_zones as a bit set */
enum nsa_zone {
	NSA_ZONE_DMA = 1 << 0,
	NSA_ZONE_DMA32 = 1 << 1,
	NSA_ZONE_NORMAL = 1 << 2,
	NSA_ZONE_MOVABLE = 1 << 3,
	NSA_ZONE_DEVICE = 1 << 4,
	NSA_ZONE_NONE = 1 << 5,
};

/* One memory block.  Kept small: a machine can have a million. */
struct nsa_memblock {
	uint64_t index; /* phys_index; start = index * block_size */
	int32_t node;	/* -1 unknown */
	uint8_t state;	/* enum nsa_block_state */
	uint8_t zones;	/* enum nsa_zone bits, from valid_zones */
	uint8_t removable;
	uint8_t pad;
};

struct nsa_snapshot {
	int schema;
	char source[256];     /* "live", or where a file came from */
	int64_t collected_at; /* unix seconds */
	char collector[32];   /* "nsalign 0.1" */
	struct nsa_platform platform;

	struct nsa_resource *iomem;
	size_t n_iomem;
	struct nsa_region *regions;
	size_t n_regions;
	struct nsa_namespace *namespaces;
	size_t n_namespaces;
	struct nsa_daxdev *daxdevs;
	size_t n_daxdevs;
	struct nsa_memblock *blocks; /* sorted by index */
	size_t n_blocks;
	struct nsa_dimm *dimms; /* schema 3 */
	size_t n_dimms;
	struct nsa_mapping *mappings; /* schema 3 */
	size_t n_mappings;

	/* What the collector could not see and why ("iomem addresses hidden: ..."). */
	char **notes;
	size_t n_notes;

	/* This boot's kernel messages about PMEM ("bad offset: ...", "misaligned, ..."). */
	char **kernel_log;
	size_t n_kernel_log;
};

struct nsa_snapshot *nsa_snapshot_new(void);
void nsa_snapshot_free(struct nsa_snapshot *s);

/* Growing the arrays; return a zeroed element or NULL (ENOMEM). */
struct nsa_resource *nsa_snapshot_add_resource(struct nsa_snapshot *s);
struct nsa_region *nsa_snapshot_add_region(struct nsa_snapshot *s);
struct nsa_namespace *nsa_snapshot_add_namespace(struct nsa_snapshot *s);
struct nsa_daxdev *nsa_snapshot_add_daxdev(struct nsa_snapshot *s);
struct nsa_memblock *nsa_snapshot_add_block(struct nsa_snapshot *s);
struct nsa_dimm *nsa_snapshot_add_dimm(struct nsa_snapshot *s);
struct nsa_mapping *nsa_snapshot_add_mapping(struct nsa_snapshot *s);
int nsa_snapshot_add_note(struct nsa_snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nsa_snapshot_add_kernel_line(struct nsa_snapshot *s, const char *line);
/* Sort blocks, link namespaces to regions; call after filling. */
void nsa_snapshot_finish(struct nsa_snapshot *s);

const struct nsa_region *nsa_snapshot_find_region(const struct nsa_snapshot *s, const char *dev);
/*
 * The region of snapshot s that is o of another boot: the same name and size,
 * else the one region of o's size and provider (names can change between
 * boots); NULL when none or several match.
 */
const struct nsa_region *nsa_snapshot_same_region(const struct nsa_snapshot *s,
						  const struct nsa_region *o);
const struct nsa_namespace *nsa_snapshot_find_namespace(const struct nsa_snapshot *s,
							const char *dev_or_uuid);
/* Regions, namespaces, or "Persistent Memory" in /proc/iomem. */
bool nsa_snapshot_has_pmem(const struct nsa_snapshot *s);
/* Index of the block containing addr, or -1. O(log n). */
ssize_t nsa_snapshot_block_at(const struct nsa_snapshot *s, uint64_t addr);
/* Index of the first block whose index is >= index (n_blocks: none). O(log n). */
size_t nsa_snapshot_block_from(const struct nsa_snapshot *s, uint64_t index);

const char *nsa_mode_name(enum nsa_mode m); /* "raw", "sector", "fsdax", "devdax", "unknown" */
enum nsa_mode nsa_mode_from_name(const char *s);
const char *nsa_map_name(enum nsa_map m); /* "mem", "dev", NULL */
const char *nsa_res_type_name(enum nsa_res_type t);
enum nsa_res_type nsa_res_type_from_name(const char *iomem_name);
const char *nsa_block_state_name(enum nsa_block_state st);
enum nsa_block_state nsa_block_state_from_name(const char *s);
/* "DMA32 Normal Movable" <-> bits */
uint8_t nsa_zones_parse(const char *s);
const char *nsa_zones_str(uint8_t zones, char *buf, size_t len);
const char *nsa_dax_mode_name(enum nsa_dax_mode m);

/* ------------------------------------------------------------------ */
/* JSON round trip (snapshot-json.c)                                   */
/* ------------------------------------------------------------------ */

/* The snapshot as a json-c object (the file format). */
struct json_object *nsa_snapshot_to_json(const struct nsa_snapshot *s);
/*
 * Build a snapshot from json.  On bad data returns -EINVAL and, when err
 * is not NULL, a one-line reason ("namespaces[3].size: expected a number").
 * A newer schema than NSA_SNAPSHOT_SCHEMA gives -EPROTONOSUPPORT.
 */
int nsa_snapshot_from_json(struct json_object *obj, struct nsa_snapshot **out, char *err,
			   size_t errlen);
/* 0 when what nsa_snapshot_to_json() writes of s reads back; else -EINVAL, err says why. */
int nsa_snapshot_readable(const struct nsa_snapshot *s, char *err, size_t errlen);
/* The most memory blocks a snapshot may describe: 128 TiB in 128 MiB blocks */
#define NSA_MAX_MEMORY_BLOCKS (1ULL << 20)
/* The most a snapshot or state file may hold: they are kilobytes, this is far more */
#define NSA_INPUT_MAX_BYTES (16ULL << 20)
/*
 * File helpers.  load: -ENOENT missing, -EACCES, -EINVAL damaged (err says
 * why), -EFBIG over NSA_INPUT_MAX_BYTES, -ENOTSUP not a regular file (a
 * device or a FIFO, never waited on); path "-" reads standard input.
 */
int nsa_snapshot_load(const char *path, struct nsa_snapshot **out, char *err, size_t errlen);
int nsa_snapshot_save(const struct nsa_snapshot *s, const char *path); /* atomic */

/*
 * Write a whole file atomically (atomic.c): temp file in the same
 * directory, fsync, rename, fsync of the directory.  Readers see the old
 * file or the new one, never a torn one.  ctx may be NULL.  Returns 0, a
 * negative errno (the old file is still there), or a positive errno: the
 * new file is in place but the directory's fsync failed, so the rename
 * may not survive a power cut.
 */
int nsa_write_file_atomic(struct nsa_ctx *ctx, const char *path, const char *data, size_t len,
			  mode_t mode);

/*
 * A new file, whole or not at all (temp file, fsync, link, fsync of the
 * directory), that never replaces one already there: -EEXIST then.
 */
int nsa_write_file_new(struct nsa_ctx *ctx, const char *path, const char *data, size_t len,
		       mode_t mode);

/* ------------------------------------------------------------------ */
/* iomem parser (iomem.c)                                              */
/* ------------------------------------------------------------------ */

/*
 * Parse /proc/iomem text into s->iomem (appends).  Returns 0, or -EINVAL
 * with *bad_line set to the 1-based line that could not be parsed.
 * Sets *all_zero when every address read as zero (no CAP_SYS_ADMIN).
 */
int nsa_iomem_parse(struct nsa_snapshot *s, const char *text, size_t len, int *bad_line,
		    bool *all_zero);

/* ------------------------------------------------------------------ */
/* Platform facts (platform.c)                                         */
/* ------------------------------------------------------------------ */

/*
 * Fill the granularities that follow from arch, page size and kernel
 * release (the kernel does not export them): section size, subsection,
 * memremap compat alignment, huge page sizes, subsection hotplug.  Fields
 * already set (non-zero) are kept.  ppc64_hash_mmu: true when the ppc64 MMU
 * is hash (16 MiB compat alignment); ignored elsewhere.
 */
void nsa_platform_fill_defaults(struct nsa_platform *p, bool ppc64_hash_mmu);
/* Compare "6.1.0-26-amd64" against major.minor. */
bool nsa_kernel_at_least(const char *release, int major, int minor);
/* uname's machine is aarch64 (or arm64) */
bool nsa_platform_is_arm64(const struct nsa_platform *p);
/*
 * The platform granularity: configured when not 0 (nsalign.conf's
 * Granularity=, --granularity), else the figure for the architecture
 * (x86_64: 64 MiB; nsalign.conf(5) lists them).
 */
#define NSA_PLATFORM_GRANULARITY (64 * NSA_MiB) /* an architecture not in the table */
uint64_t nsa_platform_granularity(const struct nsa_platform *p, uint64_t configured);

/* ------------------------------------------------------------------ */
/* Collector (collect.c): reads the live system, changes nothing.      */
/* ------------------------------------------------------------------ */

/*
 * Returns 0 and a snapshot.  A machine without the nd bus is not an error:
 * platform.ndctl_available is false and the arrays are empty.  Missing
 * privileges are recorded as notes and platform.iomem_visible = false.
 */
int nsa_collect(struct nsa_ctx *ctx, struct nsa_snapshot **out);
/* What nsa_collect_some() may leave out. */
enum {
	/*
	 * Memory blocks but those of System RAM dax devices (their counts
	 * need them): s->blocks is then not the machine's block table, and
	 * only what reads no other block (namespaces, dax devices, regions,
	 * iomem, their analysis) is as nsa_collect() would say.
	 */
	NSA_COLLECT_NO_BLOCKS = 1 << 0,
};
/* nsa_collect() leaving out what flags (NSA_COLLECT_*) say. */
int nsa_collect_some(struct nsa_ctx *ctx, unsigned flags, struct nsa_snapshot **out);
/*
 * A collection that reads again only what changed since an older one of
 * this boot: the platform, /proc/iomem and the kernel log as nsa_collect()
 * does, the memory blocks in changed[] (added, changed or gone; any order,
 * repeats allowed), and the rest of old as it was: its regions, namespaces
 * and dax devices (call nsa_collect() instead once any nd or dax device
 * changed, and when a changed block may belong to a dax device in System
 * RAM mode, whose online count is then old's) and its other blocks.
 * What nsalignd does between uevents.
 */
int nsa_collect_update(struct nsa_ctx *ctx, const struct nsa_snapshot *old, const uint64_t *changed,
		       size_t n_changed, struct nsa_snapshot **out);
/* Only the platform facts (kernel, page and block size, hotplug policy): cheap. */
void nsa_collect_platform(struct nsa_ctx *ctx, struct nsa_snapshot *s);

#endif
