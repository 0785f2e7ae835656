/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef NSALIGN_PRIVATE_H
#define NSALIGN_PRIVATE_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libnsalign.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void nsa_log(struct nsa_ctx *ctx, int priority, const char *file, int line, const char *fn,
	     const char *format, ...) __attribute__((format(printf, 6, 7)));

#define nsa_log_cond(ctx, prio, ...)                                                   \
	do {                                                                           \
		if (nsa_get_log_priority(ctx) >= (prio))                               \
			nsa_log(ctx, prio, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)

#define dbg(ctx, ...)	 nsa_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...)	 nsa_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define notice(ctx, ...) nsa_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define err(ctx, ...)	 nsa_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* Seconds since t0 (CLOCK_MONOTONIC): how long an act or a collection's stage took. */
static inline double nsa_seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)

/* Copy with truncation, always NUL-terminated. */
static inline void nsa_strlcpy(char *dst, const char *src, size_t len)
{
	if (!len)
		return;
	if (!src)
		src = "";
	size_t n = 0;

	while (n < len - 1 && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Grow a dynamic array to hold n+1 elements; returns the new slot, zeroed. */
void *nsa_array_push(void **array, size_t *n, size_t *cap, size_t elem_size);

/* Load a kernel module with libkmod unless it is there (create.c); err says what to do. */
int nsa_load_module(struct nsa_ctx *ctx, const char *name, char *err, size_t errlen);

/* Print fmt into err (when err and len) and return r: "return nsa_say(err, len, -EIO, ...)". */
int nsa_say(char *err, size_t len, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* mkdir -p: the missing directories of path, each with mode; 0 when it is there. */
int nsa_mkdir_p(const char *path, mode_t mode);
/* The same, each directory it makes fsynced into its parent (fault point "fsync-parent"). */
int nsa_mkdir_p_synced(struct nsa_ctx *ctx, const char *path, mode_t mode);

/* The most nsa_read_file() reads: sysfs and /proc files are far smaller */
#define NSA_READ_FILE_MAX (64ULL << 20)
/* Read a small text file whole (sysfs attribute, /proc file); -EFBIG past NSA_READ_FILE_MAX. */
int nsa_read_file(const char *path, char **out, size_t *len);
/*
 * Read an input file whole, NUL-terminated: a regular file ("-": standard
 * input) of at most max bytes.  -EFBIG past max, -EISDIR a directory,
 * -ENOTSUP anything else (a device, a FIFO), without waiting on it.
 */
int nsa_read_input(const char *path, size_t max, char **out, size_t *len);
/* Read one sysfs attribute "dir/attr" into buf; trailing newline stripped. */
int nsa_sysfs_read(const char *dir, const char *attr, char *buf, size_t len);
/* The same for rel under an open directory (AT_FDCWD: rel as a path). */
int nsa_sysfs_readat(int dirfd, const char *rel, char *buf, size_t len);
int nsa_sysfs_read_u64(const char *dir, const char *attr, int base, uint64_t *out);

/*
 * Fault points (tests only).  nsa_fault(ctx, "rename") asks the hook set
 * with nsa_set_fault_hook(); it returns 0 (go on), a negative errno (the
 * step fails) or NSA_FAULT_CRASH (stop right there, as if the process had
 * died: no clean-up).  Without a hook, or with ctx NULL, always 0.
 */
#define NSA_FAULT_CRASH 1
/* at a write's fault point: write the first half, then ask "STEP-half" (a torn write) */
#define NSA_FAULT_TORN 2
typedef int (*nsa_fault_fn)(void *data, const char *step);
void nsa_set_fault_hook(struct nsa_ctx *ctx, nsa_fault_fn fn, void *data);
int nsa_fault(struct nsa_ctx *ctx, const char *step);

/* Remove finding i, keeping the order and the counts. */
void nsa_analysis_drop(struct nsa_analysis *a, size_t i);
/* Change a finding's severity, keeping the counts. */
void nsa_analysis_set_severity(struct nsa_analysis *a, struct nsa_finding *f,
			       enum nsa_severity sev);
/* A copy of s the analysis keeps (and frees with itself), or NULL. */
const char *nsa_analysis_keep_string(struct nsa_analysis *a, const char *s);
/* The region of a snapshot's namespace. */
const struct nsa_region *nsa_ns_region(const struct nsa_snapshot *s,
				       const struct nsa_namespace *ns);
/*
 * nsa_check_placement() for a namespace of one snapshot (its recorded
 * geometry) under the rules of another kernel's platform p.
 */
void nsa_check_placement_on(const struct nsa_platform *p, const struct nsa_namespace *ns,
			    const struct nsa_region *region, uint64_t spa_start,
			    struct nsa_placement *out);

/* The dax device of a namespace in the snapshot, or NULL. */
const struct nsa_daxdev *nsa_ns_daxdev(const struct nsa_snapshot *s,
				       const struct nsa_namespace *ns);

/*
 * This boot's kernel lines about refused PMEM, joined with "; " (NULL when
 * none): those containing `only`, or else every refusal the kernel prints
 * ("bad offset", "misaligned", ...), and with_probe also the "probe of ...
 * failed" lines.
 */
char *nsa_kernel_refusals(const struct nsa_snapshot *s, const char *only, bool with_probe);

/*
 * Whether region o of the recorded layout old had a DIMM that cur lacks
 * (cause.c): then no region of cur is o, whatever its size.  False when a
 * side keeps no DIMM inventory.
 */
bool nsa_region_lost_dimm(const struct nsa_snapshot *old, const struct nsa_region *o,
			  const struct nsa_snapshot *cur);

/* Free what a finding owns (message, remedy, string facts). */
void nsa_finding_clear(struct nsa_finding *f);

struct json_object;
/* t as RFC 3339 in UTC, "2026-12-03T17:00:57Z", as every timestamp nsalign writes */
struct json_object *nsa_time_to_json(int64_t t);
/* "2026-12-03T17:00:57Z", or seconds since the epoch (older files): 0 or -EINVAL */
int nsa_time_from_json(struct json_object *v, int64_t *t);

/*
 * What a rescue records in RUN_DIR/rescue/ID.json (rescue.c), schema 2:
 * dev, raw_uuid (absent: label-less), blockdev, loop, data_offset,
 * data_size, rescued_at (RFC 3339).  Schema 1 (no "schema"; uuid, offset,
 * size, time in seconds) reads the same.
 */
struct nsa_rescue_state {
	char dev[NSA_DEV_LEN];
	char uuid[NSA_UUID_LEN];
	char blockdev[NSA_DEV_LEN];
	char loopdev[32];
	uint64_t data_offset, data_size;
	int64_t rescued_at; /* seconds since the epoch; 0 unknown */
};
#define NSA_RESCUE_STATE_SCHEMA 2
struct json_object *nsa_rescue_state_to_json(const struct nsa_rescue_state *st);
/* 0, or -EINVAL when o is not a rescue's record */
int nsa_rescue_state_from_json(struct json_object *o, struct nsa_rescue_state *st);

#endif
