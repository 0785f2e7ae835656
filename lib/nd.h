/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libndctl the way create, reconfigure, rescue and repair use it (nd.c),
 * and the read-only loop device of a rescue (loop.c).
 */
#ifndef NSALIGN_ND_H
#define NSALIGN_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nsa_ctx;
struct ndctl_ctx;
struct daxctl_ctx;
struct ndctl_region;
struct ndctl_namespace;

/*
 * A libndctl context whose messages, and those of its libdaxctl context,
 * go to ctx's log (debug: nsalign says what went wrong in its own words).
 */
int nsa_nd_new(struct nsa_ctx *ctx, struct ndctl_ctx **out);
/* The same for a libdaxctl context of its own. */
int nsa_nd_dax_new(struct nsa_ctx *ctx, struct daxctl_ctx **out);
struct ndctl_region *nsa_nd_region(struct ndctl_ctx *nctx, const char *dev);
/* By device name ("namespace0.1": this boot's) or label uuid (stable); region too. */
struct ndctl_namespace *nsa_nd_namespace(struct ndctl_ctx *nctx, const char *key,
					 struct ndctl_region **region);
/* The label uuid, lower case; "" for a label-less namespace. */
void nsa_nd_label_uuid(struct ndctl_namespace *ndns, char *buf);

/*
 * Bring a disabled namespace up raw (force_raw: the pfn, dax and btt
 * probes step aside) and make its disk read-only at once when ro.  path:
 * "/dev/pmemN", blockdev: "pmemN".  On failure it is down again.  dev
 * names it in err.
 */
int nsa_nd_raw_up(struct nsa_ctx *ctx, struct ndctl_namespace *ndns, const char *dev, bool ro,
		  char *path, size_t len, char *blockdev, size_t bloclen, char *err, size_t errlen);
/* Disabled at once and force_raw cleared (the disk must be unused). */
void nsa_nd_raw_off(struct ndctl_namespace *ndns);

#define NSA_ND_WRITE (1U << 0) /* else read */
#define NSA_ND_EXCL  (1U << 1) /* open the disk O_EXCL */
/*
 * len bytes at off of a block device, past the page cache (buf page
 * aligned); a write reaches the media before it returns.  what names the
 * bytes in err ("the info block"); step the fault point ("infoblock":
 * "infoblock-read", "infoblock-write").
 */
int nsa_nd_rw(struct nsa_ctx *ctx, const char *path, void *buf, size_t len, off_t off,
	      unsigned flags, const char *step, const char *what, char *err, size_t errlen);

/*
 * Backups of a namespace's first bytes before a change: DIR/DEV-UUID-TIME.infoblock
 * (UUID "legacy" without a label), mode 0600.  create-namespace -e saves
 * 8 KiB (label space and info block), repair and restore the 4 KiB info
 * block.  path: the file written.
 */
int nsa_nd_backup_save(struct nsa_ctx *ctx, const char *dir, const char *dev, const char *uuid,
		       const void *buf, size_t len, char *path, size_t pathlen);
/* The info block (NSA_INFOBLOCK_SIZE bytes) of either kind of backup; -EINVAL another size. */
int nsa_nd_backup_load(const char *path, void *block, char *err, size_t errlen);

/* ------------------------------------------------------------ loop.c */

/*
 * A read-only loop device over [offset, offset + size) of backing; label
 * is its lo_file_name.  loopdev: "/dev/loopN", "" on failure.
 */
int nsa_loop_attach(struct nsa_ctx *ctx, const char *backing, uint64_t offset, uint64_t size,
		    const char *label, char *loopdev, size_t len, char *err, size_t errlen);
/* The loop devices ("/dev/loopN") whose backing file is path; how many, up to max. */
int nsa_loop_find(const char *path, char loops[][32], int max);
/* Mounted or claimed. */
bool nsa_loop_busy(const char *loopdev);
/* Detached; -EBUSY while mounted or claimed. */
int nsa_loop_detach(const char *loopdev, char *err, size_t errlen);
/* What blkid finds on dev: "ext4", "xfs", ... "" nothing known. */
void nsa_loop_fstype(const char *dev, char *buf, size_t len);

#endif
