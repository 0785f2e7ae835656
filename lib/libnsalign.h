/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsalign: the nsalign engine.
 *
 * collect -> snapshot -> analyze -> findings.  The snapshot is plain C
 * structs with a JSON round trip; the analyzer is pure (no I/O), so every
 * decision can be replayed from a snapshot file.
 *
 * Conventions (libkmod style): an opaque context, ref/unref, a log callback
 * set by the caller, negative errno on failure, no printing, no exit().
 */
#ifndef LIBNSALIGN_H
#define LIBNSALIGN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>
#include <time.h>

struct json_object;

/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */

struct nsa_ctx;

typedef void (*nsa_log_fn)(void *data, int priority, const char *file, int line, const char *fn,
			   const char *format, va_list args);

struct nsa_ctx *nsa_new(void);
struct nsa_ctx *nsa_ref(struct nsa_ctx *ctx);
struct nsa_ctx *nsa_unref(struct nsa_ctx *ctx);
void nsa_set_log_fn(struct nsa_ctx *ctx, nsa_log_fn fn, void *data);
void nsa_set_log_priority(struct nsa_ctx *ctx, int priority); /* LOG_ERR .. LOG_DEBUG */
int nsa_get_log_priority(struct nsa_ctx *ctx);

/*
 * Where the collector reads the live system.  Defaults are the real paths;
 * tests point them elsewhere.  (libndctl/libdaxctl hard-code their own
 * paths; these only cover what nsalign reads itself.)
 */
int nsa_set_sysfs_root(struct nsa_ctx *ctx, const char *root); /* default "" */
int nsa_set_proc_root(struct nsa_ctx *ctx, const char *root);  /* default "" */
const char *nsa_get_sysfs_root(struct nsa_ctx *ctx);
const char *nsa_get_proc_root(struct nsa_ctx *ctx);

/* Platform mapping granularity: how far firmware moves PMEM (default 64 MiB). */
void nsa_set_platform_granularity(struct nsa_ctx *ctx, uint64_t bytes);
uint64_t nsa_get_platform_granularity(struct nsa_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Sizes and alignment math (util.c)                                   */
/* ------------------------------------------------------------------ */

#define NSA_KiB (1ULL << 10)
#define NSA_MiB (1ULL << 20)
#define NSA_GiB (1ULL << 30)
#define NSA_TiB (1ULL << 40)

/*
 * Parse "64M", "1G", "4096", "0x4000000", "2m", "1.5G" (binary units; an
 * optional trailing "iB"/"B").  A leading '-' is accepted only when
 * allow_negative (shifts).  Returns 0 or -EINVAL / -ERANGE.
 */
int nsa_parse_size(const char *s, bool allow_negative, int64_t *out);
int nsa_parse_u64(const char *s, int base, uint64_t *out);
/* "128 MiB", "1 GiB", "2 MiB", "1006 MiB", "4 KiB", exact when possible. */
const char *nsa_size_str(uint64_t bytes, char *buf, size_t len);
/* ndctl -u style: "8.00 GiB (8.59 GB)". */
const char *nsa_size_human(uint64_t bytes, char *buf, size_t len);

/* Largest power of two dividing x (x == 0 -> 1ULL << 63). */
uint64_t nsa_align_of(uint64_t x);
static inline bool nsa_is_aligned(uint64_t x, uint64_t a)
{
	return a == 0 || (x & (a - 1)) == 0;
}
static inline uint64_t nsa_align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}
static inline uint64_t nsa_align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}
static inline bool nsa_is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* ------------------------------------------------------------------ */
/* Snapshot model (snapshot.c)                                         */
/* ------------------------------------------------------------------ */

#define NSA_SNAPSHOT_SCHEMA 1
#define NSA_DEV_LEN	    32
#define NSA_UUID_LEN	    37 /* 36 chars + NUL */

/* Facts of the machine that decide alignments. 0 / -1 = unknown. */
struct nsa_platform {
	char arch[32];		  /* uname machine: x86_64, aarch64, ppc64le */
	char kernel_release[128]; /* uname release */
	char hostname[64];
	char boot_id[NSA_UUID_LEN];
	char machine_id[33];
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
	bool iomem_visible;		/* false: /proc/iomem addresses read as zeros */
	bool ndctl_available;		/* the nd bus exists (libnvdimm loaded) */
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
	bool legacy;		    /* label-less e820/"memmap=" region (nd_e820) */
	bool has_labels;	    /* namespaces can be sub-divided (label area present) */
	uint64_t pfn_alignments[8]; /* pfn seed supported_alignments */
	int n_pfn_alignments;
	uint64_t dax_alignments[8]; /* dax seed supported_alignments */
	int n_dax_alignments;
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
};

/* ------------------------------------------------------------------ */
/* Info blocks (infoblock.c): struct nd_pfn_sb, read and written       */
/* ------------------------------------------------------------------ */

#define NSA_INFOBLOCK_SIZE   4096
#define NSA_INFOBLOCK_OFFSET 4096 /* from the namespace start */
#define NSA_PFN_MODE_RAM     1	  /* struct pages in System RAM (map=mem) */
#define NSA_PFN_MODE_PMEM    2	  /* struct pages in the namespace (map=dev) */

/* fletcher64 over 32-bit words, the checksum field counted as zero (nd_sb_checksum). */
uint64_t nsa_infoblock_checksum(const void *block);
/*
 * Parse a pfn/dax info block.  0 and ib->valid when signature, checksum,
 * version and mode are right and parent_uuid (when not NULL; "" for a
 * label-less namespace) matches.  Otherwise ib holds what could be read
 * and err why: -EINVAL truncated, -ENODATA no pfn/dax signature, -EBADMSG
 * checksum, -EPROTO version or mode, -ESTALE another namespace's block.
 */
int nsa_infoblock_parse(const void *buf, size_t len, const char *parent_uuid,
			struct nsa_infoblock *ib, char *err, size_t errlen);
/*
 * ib's fields into a 4 KiB block and a new checksum; the bytes no field
 * names (padding) stay as they are.  -EINVAL for a bad signature or uuid.
 */
int nsa_infoblock_serialize(const struct nsa_infoblock *ib, void *block);
bool nsa_infoblock_is_devdax(const struct nsa_infoblock *ib);
/* The align the kernel uses: the recorded one, before version 1.2 from dataoff. */
uint64_t nsa_infoblock_effective_align(const struct nsa_infoblock *ib);

/*
 * Rescue and repair (rescue.c; doc/rescue-repair.md).  NAMESPACE is a
 * device name or a label uuid.  Errors: -ENOENT no such namespace or
 * backup, -ENODEV no nd subsystem or loop driver, -EACCES not root,
 * -ECANCELED refused (out->error says why; nothing changed), -ERANGE no
 * align can be repaired here (only rescue helps), -ENOTRECOVERABLE the
 * kernel refused the repaired block and the old one is back, -EBADMSG,
 * -ENODATA, -EPROTO, -ESTALE, -EINVAL a damaged or foreign info block or
 * backup, -EBUSY in use, -EIO and others: the system said no.
 */
struct nsa_rescue_result {
	char dev[NSA_DEV_LEN];
	char region[NSA_DEV_LEN];
	char uuid[NSA_UUID_LEN]; /* label uuid, "" label-less */
	uint64_t start, size;	 /* the namespace's resource now */
	struct nsa_infoblock ib; /* its info block as found (or the backup's) */
	char refusal[160];	 /* what the kernel says of ib here, "" it accepts it */
	uint64_t data_offset;	 /* in the raw namespace: start_pad + dataoff */
	uint64_t data_size;
	/* rescue */
	char blockdev[NSA_DEV_LEN]; /* "pmem1": the raw namespace, read-only */
	char loopdev[32];	    /* "/dev/loop0": the data, read-only */
	char fstype[32];	    /* what blkid found there: "ext4", "" */
	/* repair, restore */
	uint64_t new_align;
	char backup[PATH_MAX];	  /* where the old block was saved */
	bool written;		  /* the new block reached the media */
	bool accepted;		  /* the kernel brought the namespace up in its mode */
	bool restored;		  /* refused: the old block is back */
	char holder[NSA_DEV_LEN]; /* accepted: "pfn0.1", "dax0.1" */
	char error[640];
};
#define NSA_RESCUE_RUN_DIR "/run/nsalign"
#define NSA_REPAIR_DRY_RUN (1U << 0)
#define NSA_REPAIR_FORCE   (1U << 1)

/* Raw, read-only, and a read-only loop device over the data; state in run_dir. */
int nsa_rescue(struct nsa_ctx *ctx, const char *key, const char *run_dir,
	       struct nsa_rescue_result *out);
/* Loop device detached (refused while mounted), disabled, force_raw cleared. */
int nsa_rescue_undo(struct nsa_ctx *ctx, const char *key, const char *run_dir,
		    struct nsa_rescue_result *out);
/* Mount options that write nothing (no journal replay) for a file system type. */
const char *nsa_rescue_mount_options(const char *fstype);
/* The align rewritten (plan only without NSA_REPAIR_FORCE, or with NSA_REPAIR_DRY_RUN). */
int nsa_repair(struct nsa_ctx *ctx, const char *key, uint64_t max_align, unsigned flags,
	       const char *backup_dir, struct nsa_rescue_result *out);
/* A saved block (4096 bytes, or the 8192 of create-namespace -e) written back. */
int nsa_repair_restore(struct nsa_ctx *ctx, const char *key, const char *backup, unsigned flags,
		       const char *backup_dir, struct nsa_rescue_result *out);

/* Where a namespace is now: its resource, and this machine's page and compat alignment. */
struct nsa_ib_place {
	uint64_t start, size;
	uint64_t page_size;    /* 0: 4 KiB */
	uint64_t compat_align; /* memremap_compat_align(); 0: 2 MiB */
	uint64_t pmd_size;     /* devdax aligns besides the page: 0: 2 MiB */
	uint64_t pud_size;     /* 0: 1 GiB; UINT64_MAX: none */
};
/* Would the kernel accept this block here?  0, or -EOPNOTSUPP and the kernel's message. */
int nsa_infoblock_check(const struct nsa_infoblock *ib, const struct nsa_ib_place *p, char *msg,
			size_t len);
/*
 * The align a repair writes: the largest value the mode accepts (devdax:
 * page size, 2 MiB, 1 GiB), not above max_align (0: 2 MiB), that the data
 * start satisfies, with which the kernel accepts the block here.  -ERANGE
 * (and why) when none does: the namespace now starts or ends off the
 * compat alignment, a shift no align can absorb; -EPROTO for a block
 * without an align field (before 1.2).
 */
int nsa_repair_align(const struct nsa_infoblock *ib, const struct nsa_ib_place *p,
		     uint64_t max_align, uint64_t *align, char *why, size_t len);

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
int nsa_snapshot_add_note(struct nsa_snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nsa_snapshot_add_kernel_line(struct nsa_snapshot *s, const char *line);
/* Sort blocks, link namespaces to regions; call after filling. */
void nsa_snapshot_finish(struct nsa_snapshot *s);

const struct nsa_region *nsa_snapshot_find_region(const struct nsa_snapshot *s, const char *dev);
const struct nsa_namespace *nsa_snapshot_find_namespace(const struct nsa_snapshot *s,
							const char *dev_or_uuid);
/* Regions, namespaces, or "Persistent Memory" in /proc/iomem. */
bool nsa_snapshot_has_pmem(const struct nsa_snapshot *s);
/* Index of the block containing addr, or -1. O(log n). */
ssize_t nsa_snapshot_block_at(const struct nsa_snapshot *s, uint64_t addr);

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
/* File helpers.  load: -ENOENT missing, -EACCES, -EINVAL damaged (err says why). */
int nsa_snapshot_load(const char *path, struct nsa_snapshot **out, char *err, size_t errlen);
int nsa_snapshot_save(const struct nsa_snapshot *s, const char *path); /* atomic */

/*
 * Write a whole file atomically (atomic.c): temp file in the same
 * directory, fsync, rename, fsync of the directory.  Readers see the old
 * file or the new one, never a torn one.  ctx may be NULL.
 */
int nsa_write_file_atomic(struct nsa_ctx *ctx, const char *path, const char *data, size_t len,
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

/* ------------------------------------------------------------------ */
/* Collector (collect.c): reads the live system, changes nothing.      */
/* ------------------------------------------------------------------ */

/*
 * Returns 0 and a snapshot.  A machine without the nd bus is not an error:
 * platform.ndctl_available is false and the arrays are empty.  Missing
 * privileges are recorded as notes and platform.iomem_visible = false.
 */
int nsa_collect(struct nsa_ctx *ctx, struct nsa_snapshot **out);
/*
 * A collection that reads again only what changed since an older one of
 * this boot: the platform, /proc/iomem and the kernel log as nsa_collect()
 * does, the memory blocks in changed[] (added, changed or gone; any order,
 * repeats allowed), and the rest of old as it was: its regions, namespaces
 * and dax devices (call nsa_collect() instead once any nd or dax device
 * changed, and when a changed block may belong to a dax device in System
 * RAM mode, whose online count comes from libdaxctl) and its other blocks.
 * What nsalignd does between uevents.
 */
int nsa_collect_update(struct nsa_ctx *ctx, const struct nsa_snapshot *old, const uint64_t *changed,
		       size_t n_changed, struct nsa_snapshot **out);
/* Only the platform facts (kernel, page and block size, hotplug policy): cheap. */
void nsa_collect_platform(struct nsa_ctx *ctx, struct nsa_snapshot *s);

/* ------------------------------------------------------------------ */
/* Findings and analysis (findings.c, analyze.c)                       */
/* ------------------------------------------------------------------ */

enum nsa_severity {
	NSA_SEV_INFO = 0,
	NSA_SEV_WARNING = 1,
	NSA_SEV_ERROR = 2,
};

/* The catalog of finding codes: stable, documented in nsalign-findings(7). */
struct nsa_code_info {
	const char *code;	/* "NSA-NS-UNMAPPABLE" */
	const char *message_id; /* journal MESSAGE_ID, 32 hex chars */
	enum nsa_severity severity;
	const char *title; /* one line */
};
const struct nsa_code_info *nsa_code_lookup(const char *code);
const struct nsa_code_info *nsa_codes(size_t *n);

enum nsa_fact_type {
	NSA_FACT_U64,  /* sizes, counts: a JSON number */
	NSA_FACT_ADDR, /* addresses: a JSON number, text prints hex */
	NSA_FACT_STR,
	NSA_FACT_BOOL,
	NSA_FACT_I64, /* signed: shifts */
};

struct nsa_fact {
	const char *key; /* static string: "spa_start", "align", "kernel_message" */
	enum nsa_fact_type type;
	union {
		uint64_t u64;
		int64_t i64;
		bool b;
		char *str; /* owned */
	};
};

#define NSA_MAX_FACTS 16

struct nsa_finding {
	const struct nsa_code_info *code;
	enum nsa_severity severity;
	char dev[NSA_DEV_LEN];	 /* subject: "namespace0.1", "region0", "memory33", "" */
	char uuid[NSA_UUID_LEN]; /* namespace identity when known */
	char *message;		 /* plain words: what is wrong and why */
	char *remedy;		 /* what to do */
	struct nsa_fact facts[NSA_MAX_FACTS];
	int n_facts;
};

/* Someone else living in a section or memory block the namespace spans. */
struct nsa_neighbour {
	enum nsa_res_type type; /* SYSTEM_RAM, PMEM, NAMESPACE, RESERVED, ... */
	const char *name;	/* the iomem name (points into the snapshot) */
	uint64_t start, end;	/* the neighbour's range (inclusive end) */
	uint64_t section;	/* first shared section index */
	bool shares_block;	/* also shares a memory block */
};

/* What the analyzer concluded about one namespace. */
struct nsa_ns_verdict {
	size_t ns_index;
	bool available;		   /* does this kernel map it, now */
	const char *refusal;	   /* kernel message template it trips, NULL when available */
	uint64_t start_align;	   /* largest power of two dividing spa_start */
	uint64_t data_align;	   /* ... data start (spa_start + dataoff + start_pad) */
	uint64_t end_align;	   /* ... spa_start + size */
	uint64_t required_align;   /* the largest alignment the namespace depends on */
	uint64_t break_shift;	   /* smallest SPA shift (bytes) that breaks it; 0 = none found */
	bool survives_granularity; /* every shift by a multiple of the platform granularity */
	uint64_t first_section, last_section; /* indexes (addr / section_size) */
	uint64_t first_block, last_block;     /* memory block indexes spanned */
	int shared_sections;		      /* sections shared with someone else */
	int shared_blocks;
	uint64_t kmem_usable; /* bytes onlineable as System RAM (whole blocks) */
	uint64_t kmem_lost;   /* bytes lost at block edges */
	uint64_t kmem_blocks;
	struct nsa_neighbour *neighbours; /* owned by the analysis */
	size_t n_neighbours;
};

struct nsa_analysis_opts {
	uint64_t platform_granularity; /* 0: 64 MiB */
	bool with_info;		       /* keep info-level findings */
};

struct nsa_analysis {
	struct nsa_finding *findings;
	size_t n_findings;
	struct nsa_ns_verdict *verdicts; /* one per snapshot namespace, same order */
	size_t n_verdicts;
	int counts[3]; /* by severity */
	/*
	 * Per snapshot memory block, who owns its memory: "System RAM" (boot
	 * or hot-added memory), the dax device whose "System RAM (kmem)" it
	 * holds ("dax0.0"), or NULL (not in /proc/iomem).  Points into the
	 * snapshot.
	 */
	const char **block_owner;
};

enum nsa_accept {
	NSA_ACCEPT_YES = 0,
	NSA_ACCEPT_NO,
	NSA_ACCEPT_UNKNOWN, /* not enough facts (e.g. a refused namespace with no info block) */
};

/* Would this kernel map namespace ns_index if its SPA start were spa_start? */
struct nsa_placement {
	enum nsa_accept verdict;
	char kernel_message[192]; /* the line the kernel prints; "" when accepted */
	const char *kernel_check; /* the kernel function whose check fails */
	uint64_t violated_align;  /* the alignment that no longer holds, 0 */
	uint64_t violated_addr;	  /* the address it is checked on */
};
int nsa_check_placement(const struct nsa_snapshot *s, size_t ns_index, uint64_t spa_start,
			struct nsa_placement *out);
/*
 * Would 'nsalign repair' make the kernel accept the namespace at
 * spa_start?  0 and the align it would write; -ERANGE no align can (a
 * move off the compat alignment: only rescue), -ENODATA its geometry is
 * not known, -EPROTO it has no info block (or one without align).
 */
int nsa_repair_plan(const struct nsa_snapshot *s, size_t ns_index, uint64_t spa_start,
		    uint64_t *align);
int nsa_repair_plan_on(const struct nsa_platform *p, const struct nsa_namespace *ns,
		       uint64_t spa_start, uint64_t *align);
/* The platform facts the analyzer uses: the snapshot's, gaps filled from the arch table. */
void nsa_effective_platform(const struct nsa_snapshot *s, struct nsa_platform *out);

/* A platform move by `shift` bytes, for one namespace (simulate.c). */
struct nsa_shift_result {
	int64_t shift;
	uint64_t spa_after;		/* where it would be */
	enum nsa_accept verdict;	/* YES: the kernel would map it there */
	struct nsa_placement placement; /* the check that fails, when NO */
	const char *reason;		/* why UNKNOWN (or NO for another reason), else NULL */
	int repair; /* refused there: 1 'nsalign repair' would fix it, 0 not, -1 unknown */
	uint64_t repair_align; /* the align it would write */
	bool has_kmem;	       /* devdax: kmem yield at the new address */
	uint64_t kmem_usable_after;
	uint64_t kmem_blocks_after;
};
int nsa_simulate_shift(const struct nsa_snapshot *s, const struct nsa_analysis *a, size_t ns_index,
		       int64_t shift, struct nsa_shift_result *out);
/*
 * The shifts worth simulating: every multiple of the granularity up to
 * the largest alignment any namespace depends on, both signs, in order.
 */
int nsa_default_shifts(const struct nsa_analysis *a, uint64_t granularity, int64_t **out,
		       size_t *n);

/* A new namespace: what is asked (plan.c). */
struct nsa_plan_request {
	enum nsa_mode mode; /* fsdax, devdax, raw, sector */
	uint64_t size;	    /* 0: the largest free extent */
	uint64_t align;	    /* 0: auto, the largest robust one */
	enum nsa_map map;   /* fsdax/devdax: NONE means dev (ndctl's default) */
	bool for_kmem;	    /* devdax to be onlined as System RAM */
	uint64_t granularity;
	bool force;	      /* accept an alignment that does not survive the granularity */
	const char *reconfig; /* plan for this existing namespace, in its place */
};

/* ... and what the kernel will make of it. */
struct nsa_plan {
	bool ok;
	char refusal[384]; /* why not, with what is possible instead */
	char region[NSA_DEV_LEN];
	enum nsa_mode mode;
	enum nsa_map map;
	uint64_t align; /* 0 for raw and sector */
	bool align_auto;
	uint64_t size;
	uint64_t spa_start, spa_end; /* where it lands */
	uint64_t dataoff, end_trunc; /* nd_pfn_init()'s layout */
	uint64_t data_start, data_size;
	uint64_t granularity;
	uint64_t survives; /* survives every move by a multiple of this; 0 = any */
	bool survives_granularity;
	bool fragile; /* forced */
	bool has_kmem;
	uint64_t kmem_usable; /* as planned */
	uint64_t kmem_worst;  /* at the worst move by a multiple of the granularity */
	char guarantee[256];
	char notes[256];
};
/* 0 and p->ok, or a negative errno with p->refusal saying why in words. */
int nsa_plan_namespace(const struct nsa_snapshot *s, const char *region,
		       const struct nsa_plan_request *req, struct nsa_plan *p);
struct json_object *nsa_plan_to_json(const struct nsa_plan *p);

/*
 * Load what a mode needs (nd_pmem; nd_btt; device_dax, dax_pmem; kmem when
 * for_kmem) with libkmod (create.c).  -ENOENT: a module is not installed;
 * err says which and what to do.
 */
int nsa_load_mode_modules(struct nsa_ctx *ctx, enum nsa_mode mode, bool for_kmem, char *err,
			  size_t errlen);

struct nsa_create_result {
	char dev[NSA_DEV_LEN];	  /* the namespace: "namespace0.1" */
	char holder[NSA_DEV_LEN]; /* "pfn0.1", "dax0.1", "btt0.1", "" */
	char uuid[NSA_UUID_LEN];  /* its label uuid */
	uint64_t spa_start;	  /* where the kernel put it */
	bool rolled_back;	  /* on failure: the seed is back to size 0 */
	bool restored;		  /* reconfigure failed: the old namespace is back */
	char backup[256];	  /* reconfigure: where its first 8 KiB were saved */
	char error[320];
};
/*
 * Create the planned namespace through libndctl.  On failure after the
 * kernel allocated capacity, the allocation is given back (rolled_back).
 * uuid: the label uuid to use, NULL or "" to generate one.
 */
int nsa_create_namespace(struct nsa_ctx *ctx, const struct nsa_plan *plan, const char *uuid,
			 const char *name, struct nsa_create_result *out);

/*
 * Reconfigure an existing namespace to the plan (made with req.reconfig):
 * disable it (refused while mounted or open), save its first 8 KiB (the
 * info block) to backup_dir, clear them, release the capacity and create
 * the planned namespace.  If that fails, the old namespace is put back
 * with its uuid, size and saved 8 KiB, and comes up as it was (restored).
 * Destroys the namespace's data: the caller asks for --force first.
 */
int nsa_reconfigure_namespace(struct nsa_ctx *ctx, const char *dev, const struct nsa_plan *plan,
			      const char *uuid, const char *name, const char *backup_dir,
			      struct nsa_create_result *out);

/* What kmem makes of a dax device (hotplug.c). */
struct nsa_kmem_plan {
	char dax[NSA_DEV_LEN];
	uint64_t spa_start, size; /* the dax device's range */
	uint64_t block_size;
	uint64_t first_block, n_blocks; /* the whole blocks kmem adds */
	uint64_t usable;		/* n_blocks * block_size */
	uint64_t lost_head, lost_tail;	/* at the edges: partial blocks are left out */
	bool memmap_on_memory;		/* the struct pages go inside the range */
	uint64_t memmap_bytes;		/* ... and take this much of it */
	uint64_t system_ram;		/* what MemTotal grows by */
};
/* -ENODEV: no such dax device; -EINVAL: its range or the block size is unknown. */
int nsa_kmem_plan(const struct nsa_snapshot *s, const char *dax, struct nsa_kmem_plan *out);

enum nsa_online_policy {
	NSA_ONLINE_MOVABLE = 0, /* online_movable: can be offlined again */
	NSA_ONLINE_KERNEL,	/* online_kernel */
	NSA_ONLINE_DEFAULT,	/* online: the kernel's default zone */
};
struct nsa_block_result {
	uint64_t changed, already; /* written; already in the wanted state */
	uint64_t failed_block;	   /* when error */
	int error;		   /* 0, or the errno of the block that refused */
	bool interrupted;	   /* *stop was set: stopped between two blocks */
};
int nsa_block_state(struct nsa_ctx *ctx, uint64_t index, enum nsa_block_state *state);
/*
 * Bring blocks [first, first + n) online (policy) or offline, one at a time
 * through /sys/devices/system/memory/memoryN/state.  Blocks already in the
 * wanted state are counted, not written.  Stops at the first block that
 * refuses (out->error, out->failed_block) or, between blocks, when *stop.
 */
int nsa_blocks_set(struct nsa_ctx *ctx, uint64_t first, uint64_t n, bool online,
		   enum nsa_online_policy policy, const volatile int *stop,
		   void (*progress)(void *data, uint64_t done, uint64_t total), void *data,
		   struct nsa_block_result *out);

/*
 * Who has memory in block `index`, from /proc/iomem: "System RAM" (boot or
 * hot-added), a dax device's name for its kmem, a PMEM range's name for
 * PMEM that is not System RAM, a firmware range's name.  Up to max names;
 * returns how many (0: nothing there).  A block with more than one owner is
 * shared: nsalign never onlines or offlines it on the others' behalf.
 */
int nsa_block_owners(const struct nsa_snapshot *s, uint64_t index, const char **owners, int max);

/* Pure: reads only the snapshot. -ENOMEM is the only failure. */
int nsa_analyze(const struct nsa_snapshot *s, const struct nsa_analysis_opts *opts,
		struct nsa_analysis **out);
/* An empty analysis, for findings made by hand (nsalignd's one-off reports). */
struct nsa_analysis *nsa_analysis_new(void);
void nsa_analysis_free(struct nsa_analysis *a);
/* 0 nothing wrong, 1 warnings only, 2 errors (the check exit code). */
int nsa_analysis_exit_code(const struct nsa_analysis *a);

/* Finding construction (used by the analyzer and later by the state diff). */
struct nsa_finding *nsa_analysis_add(struct nsa_analysis *a, const char *code, const char *dev,
				     const char *uuid);
int nsa_finding_set_message(struct nsa_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nsa_finding_set_remedy(struct nsa_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nsa_finding_fact_u64(struct nsa_finding *f, const char *key, uint64_t v);
void nsa_finding_fact_addr(struct nsa_finding *f, const char *key, uint64_t v);
void nsa_finding_fact_i64(struct nsa_finding *f, const char *key, int64_t v);
void nsa_finding_fact_bool(struct nsa_finding *f, const char *key, bool v);
void nsa_finding_fact_str(struct nsa_finding *f, const char *key, const char *v);
/* Set counts[] from the findings again (after adding findings). */
void nsa_analysis_recount(struct nsa_analysis *a);
/* The finding as the JSON contract wants it. human: sizes as strings. */
struct json_object *nsa_finding_to_json(const struct nsa_finding *f, bool human);
const char *nsa_severity_name(enum nsa_severity s); /* "info", "warning", "error" */

/* ------------------------------------------------------------------ */
/* Cross-boot state (state.c) and what changed (compare.c)             */
/* ------------------------------------------------------------------ */

#define NSA_STATE_SCHEMA	  1
#define NSA_STATE_DIR		  "/var/lib/nsalign"
#define NSA_STATE_HISTORY	  16 /* boot records kept by default */
#define NSA_STATE_LOCK_TIMEOUT_MS 30000

/* The layout of one boot: a snapshot without iomem, memory blocks or notes. */
struct nsa_boot_record {
	char boot_id[NSA_UUID_LEN];
	int64_t recorded_at; /* unix seconds */
	char how[16];	     /* "record" (check --record) or "boot" (check --boot) */
	bool baseline;	     /* known-good: later boots are compared with it */
	int result;	     /* exit code of the check that wrote it: 0, 1, 2 */
	struct nsa_snapshot *layout;
};

struct nsa_state {
	int schema;		       /* of the file as read (older ones are migrated) */
	struct nsa_boot_record *boots; /* oldest first */
	size_t n_boots;
	char *damaged_path;	 /* set when the file was damaged and moved here */
	char damage_reason[256]; /* why */
};

struct nsa_state *nsa_state_new(void);
void nsa_state_free(struct nsa_state *st);
/*
 * Read DIR/state.json.  No file: an empty state.  A damaged file is
 * renamed to state.json.damaged-<UTC time> and an empty state returned with
 * damaged_path and damage_reason set.  A newer schema: -EPROTONOSUPPORT and
 * the file is left alone.  err gets one line on failure.
 */
int nsa_state_load(struct nsa_ctx *ctx, const char *dir, struct nsa_state **out, char *err,
		   size_t errlen);
/* Write DIR/state.json atomically (mode 0600); call with the lock held. */
int nsa_state_save(struct nsa_ctx *ctx, const char *dir, const struct nsa_state *st);
struct json_object *nsa_state_to_json(const struct nsa_state *st);
/*
 * Append this boot's layout (a second record for the same boot_id replaces
 * the first, except that a failed run never replaces a baseline), then
 * drop the oldest records beyond `history`, never the newest baseline.
 */
int nsa_state_add(struct nsa_state *st, const struct nsa_snapshot *s, int64_t when, int result,
		  bool baseline, const char *how, size_t history);
/* The newest baseline record, or NULL. */
const struct nsa_boot_record *nsa_state_baseline(const struct nsa_state *st);
/*
 * Serialize runs: flock DIR/lock, waiting up to timeout_ms.  -EBUSY when
 * another process holds it (*holder: its pid when known).
 */
int nsa_state_lock(struct nsa_ctx *ctx, const char *dir, int timeout_ms, int *fd, pid_t *holder);
void nsa_state_unlock(int fd);
/* A copy of what a boot record keeps of a snapshot. */
struct nsa_snapshot *nsa_snapshot_layout(const struct nsa_snapshot *s);

/*
 * Compare this boot (cur, analysed into a) with a recorded boot and add
 * the findings about what changed to a: regions and namespaces that moved,
 * vanished, appeared or lost their mode, and platform changes.  A
 * namespace that moved and became unavailable gets the exact cause, and
 * the analyzer's own finding about it (NSA-NS-REFUSED, ...) is replaced.
 */
int nsa_compare(const struct nsa_boot_record *base, const struct nsa_snapshot *cur,
		struct nsa_analysis *a);

/* ------------------------------------------------------------------ */
/* Others that online memory (competitors.c)                           */
/* ------------------------------------------------------------------ */

/*
 * Udev rules, the kernel's auto_online_blocks and daxctl's udev rule all
 * online hot-added memory; two of them race for the same blocks (the first
 * writer of a block's state decides its zone, the other gets an error).
 */
enum nsa_competitor_kind {
	NSA_COMPETITOR_UDEV_RULE,   /* a rule assigns ATTR{state} or RUNs a state write */
	NSA_COMPETITOR_AUTO_ONLINE, /* auto_online_blocks is not "offline" */
	NSA_COMPETITOR_DAXCTL,	    /* daxctl's rule with a [reconfigure-device] section */
};

struct nsa_competitor {
	enum nsa_competitor_kind kind;
	/*
	 * As on the system (without root): the rules file, the daxctl
	 * configuration file, or for AUTO_ONLINE the sysfs file.
	 */
	char path[256];
	int line;	  /* 1-based: the rule (its first line), the section; 0 for AUTO_ONLINE */
	char detail[256]; /* the rule's text (continuations joined), the auto_online_blocks
			     value, or the section with its nvdimm.uuid, mode, online, movable */
	char via[256];	  /* DAXCTL: "FILE:LINE" of the udev rule that runs daxctl; else "" */
};

/*
 * Look for the others that online memory.  root prefixes /etc, /run,
 * /usr/local/lib, /usr/lib and /lib ("" or NULL: the live system).  Udev's
 * rules directories are read as udev does: *.rules files in
 * /etc/udev/rules.d, /run/udev/rules.d, /usr/local/lib/udev/rules.d,
 * /usr/lib/udev/rules.d, /lib/udev/rules.d, a name in an earlier directory
 * hiding the same name in later ones (so merged-/usr's /lib is not read
 * twice), a symlink to /dev/null or an empty file masking it.  A rule
 * (continued lines joined) counts when it assigns ATTR{state} (= or :=, a
 * value other than "offline"; comparisons do not count) for the memory
 * subsystem (SUBSYSTEM=="memory" on it, or after a SUBSYSTEM!="memory",
 * GOTO= guard up to its LABEL), or RUNs a command that writes a block's
 * state or runs daxctl online-memory.  daxctl's rule (daxdev-reconfigure,
 * daxctl -C/--check-config) counts only with a [reconfigure-device ...]
 * section in a regular *.conf file in /etc/daxctl.conf.d (one competitor
 * per section).
 * auto_online: the collected value of auto_online_blocks
 * (s->platform.auto_online_blocks), "" or NULL when unknown.
 *
 * *out: one malloc()ed array (free() it), sorted by kind, path, line;
 * NULL when *n is 0.  Missing directories are no error; -ENOMEM, or the
 * negative errno of a directory or file that exists but cannot be read.
 */
int nsa_find_competitors(const char *root, const char *auto_online, struct nsa_competitor **out,
			 size_t *n);
/*
 * One finding per competitor (NSA-ONLINE-UDEV-RULE, NSA-ONLINE-AUTO,
 * NSA-ONLINE-DAXCTL), naming the file and line and the exact remedy.
 * we_online: nsalignd's policy onlines memory itself, so each is a real
 * race (warning); otherwise info.  dev is "FILE:LINE" (the file's base
 * name), "auto_online_blocks".  Recounts a->counts.  0 or -ENOMEM.
 */
int nsa_competitor_findings(struct nsa_analysis *a, const struct nsa_competitor *c, size_t n,
			    bool we_online);

#endif
