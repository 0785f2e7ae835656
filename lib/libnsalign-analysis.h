/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsalign: findings, the analyzer, simulation, planning, cross-boot
 * state and the others that online memory.
 * Included by libnsalign.h; users include that.
 */
#ifndef LIBNSALIGN_ANALYSIS_H
#define LIBNSALIGN_ANALYSIS_H

#ifndef LIBNSALIGN_H
#error "include libnsalign.h, not libnsalign-analysis.h"
#endif

/* ------------------------------------------------------------------ */
/* Findings and analysis (findings.c, analyze.c, report.c, kernel.c)   */
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

/*
 * Why the platform moved PMEM between two boots (cause.c): the most likely
 * cause, as a stable code and in plain words, with its evidence.  Codes:
 * "ram-below-grew", "ram-below-shrank", "dimm-removed", "dimm-added",
 * "dimm-failed", "dimm-moved", "firmware", "unknown" (the record keeps no
 * inventory or memory map: written by an older nsalign, or addresses hidden).
 */
struct nsa_cause {
	const char *code; /* static */
	char *text;	  /* plain words, owned: "System RAM below region0 grew by ..." */
	struct nsa_fact evidence[NSA_MAX_FACTS];
	int n_evidence;
};
/* Every cause code of a move, for metrics that list them all. */
const char *const *nsa_cause_codes(size_t *n);
/*
 * Every cause code of a vanished namespace (nsa_vanish_cause()):
 * "dimm-removed", "dimm-failed", "region-gone", "region-disabled",
 * "namespace-destroyed", "unknown".
 */
const char *const *nsa_vanish_cause_codes(size_t *n);

struct nsa_finding {
	const struct nsa_code_info *code;
	enum nsa_severity severity;
	char dev[NSA_DEV_LEN];	 /* subject: "namespace0.1", "region0", "memory33", "" */
	char uuid[NSA_UUID_LEN]; /* namespace identity when known */
	char *message;		 /* plain words: what is wrong and why */
	char *remedy;		 /* what to do */
	struct nsa_fact facts[NSA_MAX_FACTS];
	int n_facts;
	struct nsa_cause *cause; /* move findings: why it moved (owned), else NULL */
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
	bool kmem_memmap_on_memory;	  /* its memmap goes inside the blocks */
	uint64_t kmem_memmap_bytes;	  /* the memmap, in the blocks or in RAM */
	uint64_t kmem_system_ram;	  /* what MemTotal grows by */
	struct nsa_neighbour *neighbours; /* owned by the analysis */
	size_t n_neighbours;
};

struct nsa_analysis_opts {
	uint64_t platform_granularity; /* 0: the architecture's (nsa_platform_granularity()) */
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
	/* Per block, how many have memory in it (nsa_block_owners()'s count, at most 4) */
	unsigned char *block_n_owners;
};

enum nsa_accept {
	NSA_ACCEPT_YES = 0,
	NSA_ACCEPT_NO,
	NSA_ACCEPT_UNKNOWN, /* not enough facts (e.g. a refused namespace with no info block) */
};

/* Would this kernel map namespace ns_index if its SPA start were spa_start? (kernel.c) */
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
		       const struct nsa_region *region, uint64_t spa_start, uint64_t *align);
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
/* Evidence for a cause, as facts are for a finding. */
void nsa_cause_fact_u64(struct nsa_cause *c, const char *key, uint64_t v);
void nsa_cause_fact_addr(struct nsa_cause *c, const char *key, uint64_t v);
void nsa_cause_fact_i64(struct nsa_cause *c, const char *key, int64_t v);
void nsa_cause_fact_str(struct nsa_cause *c, const char *key, const char *v);
void nsa_cause_free(struct nsa_cause *c);
/* The cause as JSON: {"code", "text", "evidence": {...}}. human: sizes as strings. */
struct json_object *nsa_cause_to_json(const struct nsa_cause *c, bool human);
/* Set counts[] from the findings again, for code that set a finding's severity itself. */
void nsa_analysis_recount(struct nsa_analysis *a);
/* The finding as the JSON contract wants it. human: sizes as strings. */
struct json_object *nsa_finding_to_json(const struct nsa_finding *f, bool human);
const char *nsa_severity_name(enum nsa_severity s); /* "info", "warning", "error" */

/* ------------------------------------------------------------------ */
/* Cross-boot state (state.c) and what changed (compare.c)             */
/* ------------------------------------------------------------------ */

#define NSA_STATE_SCHEMA	  2 /* 2: recorded_at in RFC 3339 (1: seconds) */
#define NSA_STATE_DIR		  "/var/lib/nsalign"
#define NSA_STATE_HISTORY	  16 /* boot records kept by default */
#define NSA_STATE_LOCK_TIMEOUT_MS 30000

/*
 * The layout of one boot: a snapshot without memory blocks or notes, and of
 * /proc/iomem only the top-level System RAM, reserved and PMEM ranges.
 */
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
	char damage_reason[256]; /* why (the first bad record's reason) */
	size_t records_dropped;	 /* damaged records left out; the others were read */
	char refused[256];	 /* why nsa_state_add() last refused a layout */
};

struct nsa_state *nsa_state_new(void);
void nsa_state_free(struct nsa_state *st);
/*
 * Read DIR/state.json.  No file: an empty state.  A damaged file is
 * renamed to state.json.damaged-<UTC time> and an empty state returned with
 * damaged_path and damage_reason set; when only some records are damaged,
 * the others are returned (records_dropped says how many were not).  A newer schema:
 * -EPROTONOSUPPORT and the file is left alone.  err gets one line on failure.
 */
int nsa_state_load(struct nsa_ctx *ctx, const char *dir, struct nsa_state **out, char *err,
		   size_t errlen);
/*
 * Read DIR/state.json as nsa_state_load() does, changing nothing: a
 * damaged file is -EBADMSG (err says why) and stays where it is; damaged
 * records are left out (records_dropped).  For readers beside the boot
 * check, which alone moves a damaged file aside.
 */
int nsa_state_read(struct nsa_ctx *ctx, const char *dir, struct nsa_state **out, char *err,
		   size_t errlen);
/*
 * Write DIR/state.json atomically (mode 0600); call with the lock held.
 * A positive errno: written, the directory's fsync failed (nsa_write_file_atomic()).
 */
int nsa_state_save(struct nsa_ctx *ctx, const char *dir, const struct nsa_state *st);
struct json_object *nsa_state_to_json(const struct nsa_state *st);
/*
 * Append this boot's layout (a second record for the same boot_id replaces
 * the first, except that a failed run never replaces a baseline), then
 * drop the oldest records beyond `history`, never the newest baseline.
 * -EINVAL, nothing added, when the layout would not read back
 * (st->refused says why, as nsa_snapshot_readable()).
 */
int nsa_state_add(struct nsa_state *st, const struct nsa_snapshot *s, int64_t when, int result,
		  bool baseline, const char *how, size_t history);
/* The newest baseline record, or NULL. */
const struct nsa_boot_record *nsa_state_baseline(const struct nsa_state *st);
/*
 * 0 when DIR is a directory only its owner (this user or root) can write;
 * -EPERM otherwise, err saying so: a lock file others can replace with a
 * hard link would be truncated through it.
 */
int nsa_state_dir_check(const char *dir, char *err, size_t errlen);
/*
 * Serialize runs: flock DIR/lock, waiting up to timeout_ms.  -EBUSY when
 * another process holds it (*holder: its pid when known); -EMLINK when
 * DIR/lock is not a regular file of one link (it is left alone).
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
/*
 * nsa_compare() with only the findings that carry a cause: the regions and
 * namespaces that moved and those that vanished (nsalignd's view; new
 * namespaces, lost modes and platform changes stay the boot check's).
 */
int nsa_compare_moves(const struct nsa_boot_record *base, const struct nsa_snapshot *cur,
		      struct nsa_analysis *a);
/*
 * The moves of each region through the recorded boots (oldest first) and
 * this one (cur; NULL: the recorded ones only): NSA-GRANULARITY-COARSE for
 * a region that moved by something not a multiple of the granularity.
 */
int nsa_check_recorded_moves(const struct nsa_state *st, const struct nsa_snapshot *cur,
			     uint64_t granularity, struct nsa_analysis *a);
/*
 * Why region o of the recorded layout old is region r of cur, elsewhere:
 * DIMMs gone or added in front of it, System RAM below it grown or
 * shrunk, a DIMM that failed, or none of these (a firmware setting).  A
 * new cause, or NULL (ENOMEM).
 */
struct nsa_cause *nsa_move_cause(const struct nsa_snapshot *old, const struct nsa_region *o,
				 const struct nsa_snapshot *cur, const struct nsa_region *r);
/*
 * Why a namespace of the recorded layout old, in its region o (NULL: not
 * known), is not on cur: a DIMM of o gone or failed, o gone or disabled, or
 * same DIMMs and o here (its label destroyed).  A new cause, or NULL (ENOMEM).
 */
struct nsa_cause *nsa_vanish_cause(const struct nsa_snapshot *old, const struct nsa_region *o,
				   const struct nsa_snapshot *cur);

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
 * name), "auto_online_blocks".  a->counts follow.  0 or -ENOMEM.
 */
int nsa_competitor_findings(struct nsa_analysis *a, const struct nsa_competitor *c, size_t n,
			    bool we_online);

#endif
