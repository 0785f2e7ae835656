// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libndctl for the code that changes namespaces (create.c, rescue.c): the
 * context and its log, finding a namespace, its raw disk, direct I/O on
 * it, and the backups of what is overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>
#include <linux/fs.h>
#include <ndctl/libndctl.h>
#include <uuid/uuid.h>

#include "private.h"
#include "nd.h"

/* libndctl's complaints ("failed to enable") are details: nsalign says what went wrong. */
static void ndctl_log_to_ctx(struct ndctl_ctx *nctx, int priority, const char *file, int line,
			     const char *fn, const char *format, va_list args)
{
	struct nsa_ctx *ctx = ndctl_get_userdata(nctx);
	char msg[512];

	(void)priority, (void)file, (void)line, (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	dbg(ctx, "libndctl: %s", msg);
}

static void daxctl_log_to_ctx(struct daxctl_ctx *dctx, int priority, const char *file, int line,
			      const char *fn, const char *format, va_list args)
{
	struct nsa_ctx *ctx = daxctl_get_userdata(dctx);
	char msg[512];

	(void)priority, (void)file, (void)line, (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	dbg(ctx, "libdaxctl: %s", msg);
}

static void daxctl_log_through(struct nsa_ctx *ctx, struct daxctl_ctx *dctx)
{
	daxctl_set_userdata(dctx, ctx);
	daxctl_set_log_fn(dctx, daxctl_log_to_ctx);
	daxctl_set_log_priority(dctx, nsa_get_log_priority(ctx));
}

int nsa_nd_new(struct nsa_ctx *ctx, struct ndctl_ctx **out)
{
	struct daxctl_ctx *dctx;
	int r = ndctl_new(out);

	if (r < 0)
		return r;
	ndctl_set_userdata(*out, ctx);
	ndctl_set_log_fn(*out, ndctl_log_to_ctx);
	ndctl_set_log_priority(*out, nsa_get_log_priority(ctx));
	dctx = ndctl_get_daxctl_ctx(*out);
	if (dctx)
		daxctl_log_through(ctx, dctx);
	return 0;
}

int nsa_nd_dax_new(struct nsa_ctx *ctx, struct daxctl_ctx **out)
{
	int r = daxctl_new(out);

	if (r < 0)
		return r;
	daxctl_log_through(ctx, *out);
	return 0;
}

struct ndctl_region *nsa_nd_region(struct ndctl_ctx *nctx, const char *dev)
{
	struct ndctl_region *region;
	struct ndctl_bus *bus;

	ndctl_bus_foreach (nctx, bus)
		ndctl_region_foreach (bus, region)
			if (strcmp(ndctl_region_get_devname(region), dev) == 0)
				return region;
	return NULL;
}

void nsa_nd_label_uuid(struct ndctl_namespace *ndns, char *buf)
{
	static const unsigned char zero[16];
	uuid_t uu;

	ndctl_namespace_get_uuid(ndns, uu);
	if (memcmp(uu, zero, 16) == 0)
		buf[0] = '\0';
	else
		uuid_unparse_lower(uu, buf);
}

struct ndctl_namespace *nsa_nd_namespace(struct ndctl_ctx *nctx, const char *key,
					 struct ndctl_region **region_out)
{
	struct ndctl_namespace *ndns;
	struct ndctl_region *region;
	struct ndctl_bus *bus;
	char uuid[NSA_UUID_LEN];

	ndctl_bus_foreach (nctx, bus)
		ndctl_region_foreach (bus, region)
			ndctl_namespace_foreach (region, ndns) {
				nsa_nd_label_uuid(ndns, uuid);
				if (strcmp(ndctl_namespace_get_devname(ndns), key) != 0 &&
				    (!uuid[0] || strcasecmp(uuid, key) != 0))
					continue;
				if (region_out)
					*region_out = region;
				return ndns;
			}
	return NULL;
}

/* ------------------------------------------------------------ the raw disk */

void nsa_nd_raw_off(struct ndctl_namespace *ndns)
{
	ndctl_namespace_disable_invalidate(ndns);
	ndctl_namespace_set_raw_mode(ndns, 0);
}

int nsa_nd_raw_up(struct nsa_ctx *ctx, struct ndctl_namespace *ndns, const char *dev, bool ro,
		  char *path, size_t len, char *blockdev, size_t bloclen, char *err, size_t errlen)
{
	const char *blk;
	int fd, r, one, now = 0;

	r = ndctl_namespace_set_raw_mode(ndns, 1);
	if (r < 0)
		return nsa_say(err, errlen, r, "%s: cannot set force_raw: %s", dev, strerror(-r));
	r = nsa_fault(ctx, "raw-enable");
	if (!r)
		r = ndctl_namespace_enable(ndns);
	if (r < 0) {
		ndctl_namespace_set_raw_mode(ndns, 0);
		return nsa_say(err, errlen, r, "%s: the kernel would not enable it raw: %s", dev,
			       strerror(-r));
	}
	blk = ndctl_namespace_get_block_device(ndns);
	if (!blk || !*blk) {
		r = nsa_say(err, errlen, -ENODEV,
			    "%s: enabled raw, but no pmem block device appeared", dev);
		goto fail;
	}
	snprintf(path, len, "/dev/%s", blk);
	nsa_strlcpy(blockdev, blk, bloclen);
	/* devtmpfs makes the node as the disk is added; udev may still be at it */
	for (int i = 0; i < 100; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (fd < 0) {
		r = nsa_say(err, errlen, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	one = ro ? 1 : 0;
	if (ioctl(fd, BLKROSET, &one) < 0 || ioctl(fd, BLKROGET, &now) < 0 || now != one) {
		r = nsa_say(err, errlen, -EIO, "%s: cannot make it read-%s: %s", path,
			    ro ? "only" : "write", strerror(errno));
		close(fd);
		goto fail;
	}
	close(fd);
	dbg(ctx, "%s: raw, %s, read-%s\n", dev, path, ro ? "only" : "write");
	return 0;
fail:
	nsa_nd_raw_off(ndns);
	return r;
}

int nsa_nd_rw(struct nsa_ctx *ctx, const char *path, void *buf, size_t len, off_t off,
	      unsigned flags, const char *step, const char *what, char *err, size_t errlen)
{
	bool write = flags & NSA_ND_WRITE;
	char fault[32];
	ssize_t n;
	int fd, r;

	fd = open(path, (write ? O_RDWR | O_SYNC : O_RDONLY) | (flags & NSA_ND_EXCL ? O_EXCL : 0) |
				O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return nsa_say(err, errlen, -errno, "%s: %s", path, strerror(errno));
	snprintf(fault, sizeof(fault), "%s-%s", step, write ? "write" : "read");
	r = nsa_fault(ctx, fault);
	if (write && r == NSA_FAULT_TORN) {
		/* tests: the first half on the media, a stop there, then the rest */
		size_t h = len / 2;

		n = pwrite(fd, buf, h, off);
		strncat(fault, "-half", sizeof(fault) - strlen(fault) - 1);
		nsa_fault(ctx, fault);
		if (n == (ssize_t)h) {
			n = pwrite(fd, (char *)buf + h, len - h, off + (off_t)h);
			n = n == (ssize_t)(len - h) ? (ssize_t)len : n < 0 ? n : 0;
		}
		r = 0;
	} else if (r) {
		close(fd);
		return nsa_say(err, errlen, r, "%s: injected failure", path);
	} else {
		n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	}
	if (n != (ssize_t)len)
		r = nsa_say(err, errlen, n < 0 ? -errno : -EIO, "%s: %s of %s failed: %s", path,
			    write ? "write" : "read", what, n < 0 ? strerror(errno) : "short");
	else if (write && fsync(fd) < 0)
		r = nsa_say(err, errlen, -errno, "%s: fsync: %s", path, strerror(errno));
	close(fd);
	return r;
}

/* ------------------------------------------------------------ backups */

int nsa_nd_backup_save(struct nsa_ctx *ctx, const char *dir, const char *dev, const char *uuid,
		       const void *buf, size_t len, char *path, size_t pathlen)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int r;

	/* a backup directory made now must survive a power cut as the backup does */
	r = nsa_mkdir_p_synced(ctx, dir, 0700);
	if (r < 0)
		return r;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	r = nsa_fault(ctx, "backup");
	if (r)
		return r;
	/* a second backup in the same second gets .1, .2, ...: none replaces another */
	for (int n = 0; n < 1000; n++) {
		char seq[16] = "";

		if (n)
			snprintf(seq, sizeof(seq), ".%d", n);
		if (snprintf(path, pathlen, "%s/%s-%s-%s%s.infoblock", dir, dev,
			     uuid && uuid[0] ? uuid : "legacy", stamp, seq) >= (int)pathlen)
			return -ENAMETOOLONG;
		r = nsa_write_file_new(ctx, path, buf, len, 0600);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

int nsa_nd_backup_load(const char *path, void *block, char *err, size_t errlen)
{
	uint8_t file[2 * NSA_INFOBLOCK_SIZE + 1];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nsa_say(err, errlen, -errno, "%s: %s", path, strerror(errno));
	n = read(fd, file, sizeof(file));
	close(fd);
	if (n != NSA_INFOBLOCK_SIZE && n != 2 * NSA_INFOBLOCK_SIZE)
		return nsa_say(err, errlen, -EINVAL,
			       "%s: %zd bytes; a backup is 4096 (nsalign repair) or 8192 (nsalign "
			       "create-namespace -e) bytes",
			       path, n);
	/* an 8 KiB backup is the label space and the info block: the second half */
	memcpy(block, file + (n == 2 * NSA_INFOBLOCK_SIZE ? NSA_INFOBLOCK_SIZE : 0),
	       NSA_INFOBLOCK_SIZE);
	return 0;
}
