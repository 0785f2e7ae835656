// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Files that are either the old version or the new one, never torn: write a
 * temp file in the same directory, fsync it, rename it over the target,
 * fsync the directory.  Each step is a named fault point so the tests can
 * stop a write anywhere (nsa_set_fault_hook()).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync the directory path is in, so that a rename or link into it survives a power cut */
static int fsync_parent(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	int dfd, r;

	if (!copy)
		return -ENOMEM;
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	return r;
}

int nsa_write_file_new(struct nsa_ctx *ctx, const char *path, const char *data, size_t len,
		       mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	r = nsa_fault(ctx, "create");
	if (r)
		return r == NSA_FAULT_CRASH ? -EINTR : r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	/* link() never replaces: EEXIST when path is there already */
	if (r == 0 && link(tmp, path) < 0)
		r = -errno;
	unlink(tmp);
	if (r < 0)
		return r;
	return fsync_parent(path);
}

int nsa_write_file_atomic(struct nsa_ctx *ctx, const char *path, const char *data, size_t len,
			  mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;

	r = nsa_fault(ctx, "create");
	if (r)
		return r == NSA_FAULT_CRASH ? -EINTR : r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* half the data, then the rest: a crash in between leaves a torn temp file */
	r = write_all(fd, data, len / 2);
	if (r == 0)
		r = nsa_fault(ctx, "write");
	if (r == 0)
		r = write_all(fd, data + len / 2, len - len / 2);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0)
		r = nsa_fault(ctx, "fsync");
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == NSA_FAULT_CRASH) {
		close(fd);
		return -EINTR; /* as if the process died: the temp file stays */
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = nsa_fault(ctx, "rename");
	if (r == NSA_FAULT_CRASH)
		return -EINTR;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	/*
	 * The rename itself must survive a power cut.  The new file is in
	 * place already: a directory that cannot be synced is a positive
	 * errno, not a failure.
	 */
	r = nsa_fault(ctx, "fsync-dir");
	if (r == NSA_FAULT_CRASH)
		return -EINTR;
	if (r == 0)
		r = fsync_parent(path);
	return r < 0 ? -r : 0;
}
