/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsalign: the acts of memory hotplug, shared by nsalign and nsalignd: a
 * dax device made System RAM (kmem) and back, memory added through the
 * probe interface, memory blocks onlined and offlined under the one-owner
 * rule.  Each fills a fixed-size result (no pointers: nsalignd passes it
 * from a child process through a pipe) saying what was done or why not.
 * Included by libnsalign.h; users include that.
 */
#ifndef LIBNSALIGN_HOTPLUG_H
#define LIBNSALIGN_HOTPLUG_H

#ifndef LIBNSALIGN_H
#error "include libnsalign.h, not libnsalign-hotplug.h"
#endif

/* How an act ended; nsalign's exit status follows from it. */
enum nsa_act_status {
	NSA_ACT_DONE = 0,
	NSA_ACT_USAGE,	     /* the request itself is wrong (not whole memory blocks) */
	NSA_ACT_NOINPUT,     /* no such block or device */
	NSA_ACT_UNAVAILABLE, /* the kernel lacks it (memory hotplug, probe, kmem) */
	NSA_ACT_REFUSED,     /* refused by nsalign's rules or by the kernel */
	NSA_ACT_NOPERM,	     /* physical addresses hidden */
	NSA_ACT_INTERRUPTED, /* *stop was set; what was done is undone where said */
	NSA_ACT_FAILED,	     /* out of memory, a library failed */
};

#define NSA_ACT_WHY_LEN 512

/* How every act is run. */
struct nsa_act_opts {
	bool dry_run;		  /* check and plan, change nothing */
	const volatile int *stop; /* set: stop between two memory blocks */
	/* block by block progress, as nsa_blocks_set() */
	void (*progress)(void *data, uint64_t done, uint64_t total);
	/* the checks passed, the result holds the plan; called before anything changes */
	void (*planned)(void *data);
	void *data;
};

/* ------------------------------------------------------------------ */
/* Memory blocks (memory.c): the one-owner rule                        */
/* ------------------------------------------------------------------ */

/* Whether nsalign may online or offline block `index` (nsa_block_may_change). */
enum nsa_block_verdict {
	NSA_BLOCK_MAY = 0,     /* one owner, the one wanted */
	NSA_BLOCK_NOT_THERE,   /* no such block in the snapshot */
	NSA_BLOCK_NO_MEMORY,   /* nothing of /proc/iomem lives in it */
	NSA_BLOCK_OTHER_OWNER, /* one owner, not the one wanted */
	NSA_BLOCK_SHARED,      /* more than one owner: never changed on another's behalf */
};
/*
 * The one-owner rule: a block is changed only when all its memory has one
 * owner (nsa_block_owners()), and, when `owner` is not NULL, that owner is
 * `owner` ("System RAM", a dax device's name).  owners[0..*n) say who is
 * there (up to 4).
 */
enum nsa_block_verdict nsa_block_may_change(const struct nsa_snapshot *s, uint64_t index,
					    const char *owner, const char *owners[4], int *n);

/* Which blocks nsa_memory_set() changes, and how. */
struct nsa_memory_request {
	char dax[NSA_DEV_LEN]; /* the kmem blocks of this dax device, or "": */
	uint64_t first, n;     /* blocks [first, first + n) */
	bool online;	       /* online (policy), or offline */
	enum nsa_online_policy policy;
};
/*
 * The zones before and after onlining (zones.c): /proc/zoneinfo's present
 * pages, ZONE_MOVABLE against the kernel zones, and the kernel's
 * memory_hotplug.auto_movable_ratio as the threshold.
 */
#define NSA_AUTO_MOVABLE_RATIO_DEFAULT 301 /* percent: the kernel's default, 3:1 */
struct nsa_zone_balance {
	bool known;		   /* /proc/zoneinfo was read */
	uint64_t kernel_bytes;	   /* present in the kernel zones (DMA, DMA32, Normal) now */
	uint64_t movable_bytes;	   /* present in ZONE_MOVABLE now */
	int auto_movable_ratio;	   /* the kernel parameter, percent; -1 not there */
	uint64_t adding;	   /* what the action onlines */
	bool movable;		   /* ... into ZONE_MOVABLE */
	uint64_t memmap_ram_bytes; /* the RAM its memmap takes (64 bytes a 4 KiB page) */
	unsigned threshold_pct;	   /* auto_movable_ratio, else its default */
	unsigned ratio_pct_before; /* MOVABLE:KERNEL in percent */
	unsigned ratio_pct_after;
	bool beyond; /* after > threshold: warn */
};
/* Sum /proc/zoneinfo's "present" pages; -ENODATA when it holds no zone. */
int nsa_zoneinfo_parse(const char *text, uint64_t page_size, uint64_t *kernel_bytes,
		       uint64_t *movable_bytes);
/* Read /proc/zoneinfo and auto_movable_ratio (under the proc and sysfs roots). */
int nsa_zone_balance_read(struct nsa_ctx *ctx, struct nsa_zone_balance *out);
/* What onlining `adding` bytes into Movable (or a kernel zone) leads to. */
void nsa_zone_balance_after(struct nsa_zone_balance *z, uint64_t adding, bool movable,
			    uint64_t memmap_ram);
/* "ZONE_MOVABLE:kernel zones 2.50:1 after it (...)", one line. */
const char *nsa_zone_balance_str(const struct nsa_zone_balance *z, char *buf, size_t len);

/*
 * kdump after a change of memory (kdump.c): is a crash kernel loaded
 * (/sys/kernel/kexec_crash_loaded), does the kernel update its memory map
 * on hotplug itself (/sys/devices/system/memory/crash_hotplug, Linux 6.6),
 * so must it be reloaded.
 */
struct nsa_kdump {
	bool checked;	      /* read after the action */
	bool changed;	      /* the action added, removed, onlined or offlined memory */
	int8_t loaded;	      /* kexec_crash_loaded: 1, 0, -1 not there (no kexec) */
	int8_t crash_hotplug; /* memory/crash_hotplug: 1, 0, -1 not there (before 6.6) */
	bool reload; /* changed, a crash kernel loaded, and the kernel does not update it */
};
/* Read both files under ctx's sysfs root; `changed`: the action changed memory. */
void nsa_kdump_read(struct nsa_ctx *ctx, bool changed, struct nsa_kdump *out);
/* One sentence for a loaded crash kernel after a change ("kdump: ..."), else "". */
const char *nsa_kdump_str(const struct nsa_kdump *k, char *buf, size_t len);

struct nsa_memory_result {
	enum nsa_act_status status;
	char why[NSA_ACT_WHY_LEN]; /* status != DONE: the reason, one line */
	uint64_t first, n;	   /* the blocks, once known */
	uint64_t block_size;
	uint64_t already;	       /* in the wanted state before, by the snapshot */
	uint64_t already_movable;      /* ... online, in ZONE_MOVABLE (the others: a kernel zone) */
	bool applied;		       /* the blocks were written (not a dry run) */
	struct nsa_zone_balance zones; /* onlining: the zones it leads to */
	struct nsa_block_result blocks; /* what was written, when applied */
	double seconds;			/* how long the writing took */
	struct nsa_kdump kdump;		/* applied: must kdump be reloaded */
};
/*
 * Online or offline memory blocks after checking every one of them in the
 * snapshot s: it exists, and nsa_block_may_change() allows it (the dax
 * device's own, for a dax device, which must be System RAM).  Nothing is
 * changed when one block fails.  Returns 0 when out->status is DONE, else
 * -1 (out->why says why).  An interrupted run is DONE with
 * out->blocks.interrupted.
 */
int nsa_memory_set(struct nsa_ctx *ctx, const struct nsa_snapshot *s,
		   const struct nsa_memory_request *req, const struct nsa_act_opts *opts,
		   struct nsa_memory_result *out);

/* ------------------------------------------------------------------ */
/* dax devices as System RAM (kmem.c)                                  */
/* ------------------------------------------------------------------ */

/* Where kmem is to put a dax device's memmap (its struct pages). */
enum nsa_memmap_request {
	NSA_MEMMAP_AS_IS = 0, /* as daxX.Y/memmap_on_memory says */
	NSA_MEMMAP_DEVICE,    /* in the device: memmap_on_memory 1 */
	NSA_MEMMAP_RAM,	      /* in the RAM there is: memmap_on_memory 0 */
};

struct nsa_reconfigure_result {
	enum nsa_act_status status;
	char why[NSA_ACT_WHY_LEN];
	bool to_ram, movable;
	bool planned; /* plan holds what kmem makes of the device */
	struct nsa_kmem_plan plan;
	uint8_t kernel_zone;  /* where the kernel onlines the blocks itself (nsa_auto_online_zone())
			       */
	bool memmap_settable; /* the kernel has daxX.Y/memmap_on_memory */
	struct nsa_zone_balance zones; /* to_ram: the zones it leads to */
	bool applied;		       /* the device was changed (not a dry run) */
	bool rolled_back;	       /* a block refused: the device is back as it was */
	struct nsa_block_result blocks;
	double seconds;
	struct nsa_kdump kdump; /* applied: must kdump be reloaded */
};
/*
 * Make dax device `dax` System RAM (to_ram: kmem, its whole memory blocks
 * onlined into ZONE_MOVABLE or ZONE_NORMAL) or devdax again (every block
 * offlined first; when one refuses, or on *stop, every block is onlined
 * again and the device stays System RAM).  memmap: where kmem puts the
 * struct pages, written to daxX.Y/memmap_on_memory before kmem binds.
 *
 * When the kernel onlines new memory by itself (auto_online_blocks), it
 * onlines every block into its zone (out->kernel_zone) as kmem binds: a
 * devdax device is taken only when that is the zone asked, and refused
 * otherwise (also in a dry run, after opts->planned).  Each block not
 * online in the zone asked is onlined or moved there, one at a time
 * (nsa_blocks_place()).  When one cannot be, a device that was devdax is
 * taken back to devdax (every block offlined, nothing changed), or, when a
 * block cannot be offlined either, left System RAM with every block online
 * (out->why says how many are where asked).
 *
 * Refused without a change when the device holds no whole block, when
 * memmap asks what the kernel cannot do, or kmem cannot be loaded.
 * Returns 0 when out->status is DONE, else -1.  An interrupted onlining is
 * DONE with out->blocks.interrupted.
 */
int nsa_reconfigure(struct nsa_ctx *ctx, const char *dax, bool to_ram, bool movable,
		    enum nsa_memmap_request memmap, const struct nsa_act_opts *opts,
		    struct nsa_reconfigure_result *out);

/* ------------------------------------------------------------------ */
/* The memory probe interface (probe.c)                                */
/* ------------------------------------------------------------------ */

struct nsa_probe_result {
	enum nsa_act_status status;
	char why[NSA_ACT_WHY_LEN];
	uint64_t addr, size, block_size;
	uint64_t n_blocks; /* to add */
	uint64_t added;	   /* written to the probe file */
};
/*
 * Add [addr, addr + size) through /sys/devices/system/memory/probe, one
 * block per write, after checking against the snapshot s that the range is
 * whole memory blocks, overlaps nothing in /proc/iomem and no existing
 * block, and that the kernel has the interface.  Returns 0 when
 * out->status is DONE, else -1.
 */
int nsa_probe(struct nsa_ctx *ctx, const struct nsa_snapshot *s, uint64_t addr, uint64_t size,
	      const struct nsa_act_opts *opts, struct nsa_probe_result *out);

#endif
