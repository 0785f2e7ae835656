/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsalign: what changes the system: info blocks, rescue and repair,
 * namespace creation, memory blocks.
 * Included by libnsalign.h; users include that.
 */
#ifndef LIBNSALIGN_ACTIONS_H
#define LIBNSALIGN_ACTIONS_H

#ifndef LIBNSALIGN_H
#error "include libnsalign.h, not libnsalign-actions.h"
#endif

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
 * What the 4 KiB at offset 4096 of a namespace the kernel runs raw hold:
 * 1 a valid info block, 0 none (no pfn/dax signature), or a negative
 * nsa_infoblock_parse() error when a block is there but does not validate
 * (torn by a power cut, damaged, another namespace's): the kernel ignores
 * it and runs the namespace raw.  ib holds what could be read; on damage
 * ib->damage says why.
 */
int nsa_infoblock_classify(const void *block, const char *parent_uuid, struct nsa_infoblock *ib);
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
	bool untouched;		  /* on failure: it stopped before changing anything */
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
	uint64_t memmap_ram_bytes;	/* ... else this much of the RAM there is */
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
	uint64_t moved;		   /* nsa_blocks_place(): online, moved to the wanted zone */
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
/* The zone an online block is in (its valid_zones): one enum nsa_zone bit. */
int nsa_block_zone(struct nsa_ctx *ctx, uint64_t index, uint8_t *zone);
/*
 * Blocks [first, first + n) online in the zone of `policy`, one at a time:
 * an offline block is onlined (out->changed); an online one in another
 * zone (the kernel onlined it itself) is offlined and onlined into the
 * zone (out->moved), and onlined where it was when the kernel refuses the
 * zone, so that every block but the one being moved stays online.  Stops
 * at the first block that refuses (out->error) or, between blocks, on *stop.
 */
int nsa_blocks_place(struct nsa_ctx *ctx, uint64_t first, uint64_t n, enum nsa_online_policy policy,
		     const volatile int *stop,
		     void (*progress)(void *data, uint64_t done, uint64_t total), void *data,
		     struct nsa_block_result *out);
/*
 * Where the running kernel puts hot-added memory by itself, as
 * nsa_kernel_auto_online_zone() says from p's auto_online_blocks and the
 * kernel's online_policy and movable_node: NSA_ZONE_NONE (left offline),
 * NSA_ZONE_NORMAL, NSA_ZONE_MOVABLE, or 0 (its choice per block, unknown).
 */
uint8_t nsa_auto_online_zone(struct nsa_ctx *ctx, const struct nsa_platform *p);
/* "Normal", "Movable", "none" (stays offline), "the kernel's choice" (0) */
const char *nsa_zone_name(uint8_t zone);

/*
 * Who has memory in block `index`, from /proc/iomem (occupancy.c):
 * "System RAM" (boot or hot-added), a dax device's name for its kmem, a
 * PMEM range's name for PMEM that is not System RAM, a firmware range's
 * name.  Up to max names;
 * returns how many (0: nothing there).  A block with more than one owner is
 * shared: nsalign never onlines or offlines it on the others' behalf.
 */
int nsa_block_owners(const struct nsa_snapshot *s, uint64_t index, const char **owners, int max);

#endif
