// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The read-only loop device a rescue puts over a namespace's data area,
 * and what blkid finds on it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <blkid/blkid.h>
#include <linux/loop.h>

#include "private.h"
#include "nd.h"

static int loop_control(struct nsa_ctx *ctx, char *err, size_t errlen)
{
	char why[256];
	int fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd
			       : nsa_say(err, errlen, -errno, "/dev/loop-control: %s",
					 strerror(errno));
	if (nsa_load_module(ctx, "loop", why, sizeof(why)) < 0)
		return nsa_say(err, errlen, -ENODEV, "no loop devices: %s", why);
	for (int i = 0; i < 100; i++) {
		fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	return fd >= 0 ? fd
		       : nsa_say(err, errlen, -errno, "/dev/loop-control: %s", strerror(errno));
}

int nsa_loop_attach(struct nsa_ctx *ctx, const char *backing, uint64_t offset, uint64_t size,
		    const char *label, char *loopdev, size_t len, char *err, size_t errlen)
{
	struct loop_config cfg = { 0 };
	int ctl, bfd, lfd = -1, n, r = -EBUSY;

	ctl = loop_control(ctx, err, errlen);
	if (ctl < 0)
		return ctl;
	bfd = open(backing, O_RDONLY | O_CLOEXEC);
	if (bfd < 0) {
		close(ctl);
		return nsa_say(err, errlen, -errno, "%s: %s", backing, strerror(errno));
	}
	cfg.fd = (uint32_t)bfd;
	cfg.info.lo_offset = offset;
	cfg.info.lo_sizelimit = size;
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY;
	snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", label);
	/* another program may take the free device first: ask again */
	for (int tries = 0; tries < 5 && r == -EBUSY; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			r = nsa_say(err, errlen, -errno, "no free loop device: %s",
				    strerror(errno));
			break;
		}
		snprintf(loopdev, len, "/dev/loop%d", n);
		for (int i = 0; i < 100; i++) {
			lfd = open(loopdev, O_RDONLY | O_CLOEXEC);
			if (lfd >= 0 || errno != ENOENT)
				break;
			usleep(10000);
		}
		if (lfd < 0) {
			r = nsa_say(err, errlen, -errno, "%s: %s", loopdev, strerror(errno));
			break;
		}
		r = nsa_fault(ctx, "loop");
		if (!r)
			r = ioctl(lfd, LOOP_CONFIGURE, &cfg) < 0 ? -errno : 0;
		if (r == -EINVAL || r == -ENOTTY) { /* before 5.8: two steps */
			r = ioctl(lfd, LOOP_SET_FD, bfd) < 0 ? -errno : 0;
			if (!r && ioctl(lfd, LOOP_SET_STATUS64, &cfg.info) < 0) {
				r = -errno;
				ioctl(lfd, LOOP_CLR_FD, 0);
			}
		}
		close(lfd);
		lfd = -1;
	}
	if (r < 0 && !err[0])
		nsa_say(err, errlen, r, "%s: cannot attach %s to it: %s", loopdev, backing,
			strerror(-r));
	if (r < 0)
		loopdev[0] = '\0';
	close(bfd);
	close(ctl);
	return r;
}

int nsa_loop_find(const char *path, char loops[][32], int max)
{
	char dir[PATH_MAX], back[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/sys/block");

	while (d && (de = readdir(d)) && n < max) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		snprintf(dir, sizeof(dir), "/sys/block/%s/loop", de->d_name);
		if (nsa_sysfs_read(dir, "backing_file", back, sizeof(back)) < 0)
			continue;
		if (strcmp(back, path) == 0 && strlen(de->d_name) < 32 - 5)
			snprintf(loops[n++], 32, "/dev/%.26s", de->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

bool nsa_loop_busy(const char *loopdev)
{
	/* O_EXCL on a block device: EBUSY while it is mounted or claimed */
	int fd = open(loopdev, O_RDONLY | O_EXCL | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == EBUSY;
}

int nsa_loop_detach(const char *loopdev, char *err, size_t errlen)
{
	int fd = open(loopdev, O_RDONLY | O_EXCL | O_CLOEXEC), r = 0;

	if (fd < 0 && errno == EBUSY)
		return nsa_say(err, errlen, -EBUSY,
			       "%s is mounted or in use ('findmnt %s', 'lsblk %s'): umount it "
			       "first",
			       loopdev, loopdev, loopdev);
	if (fd < 0)
		return nsa_say(err, errlen, -errno, "%s: %s", loopdev, strerror(errno));
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0)
		r = nsa_say(err, errlen, -errno, "%s: cannot detach it: %s", loopdev,
			    strerror(errno));
	close(fd);
	return r;
}

void nsa_loop_fstype(const char *dev, char *buf, size_t len)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *type = NULL;

	buf[0] = '\0';
	if (!pr)
		return;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
		nsa_strlcpy(buf, type, len);
	blkid_free_probe(pr);
}
