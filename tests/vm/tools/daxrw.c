// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxrw: the VM lab's way to put known bytes on a device-dax device and to
 * read them back.  Device dax has no read() or write(), only mmap(), and
 * the kernel (drivers/dax/device.c, check_vma()) takes only shared mappings
 * whose start and end are multiples of the device's align: a 1 GiB-aligned
 * device is mapped 1 GiB at a time, at 1 GiB offsets.  Files and block
 * devices go through pread()/pwrite().
 *
 *   daxrw write DEV OFFSET FILE    FILE's bytes to DEV at OFFSET
 *   daxrw read DEV OFFSET LENGTH   LENGTH bytes of DEV at OFFSET to stdout
 *
 * Sizes take K, M, G suffixes (powers of 1024) or 0x.  Built static by the
 * lab (gcc -static) and placed in the initramfs as /bin/daxrw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static const char *prog = "daxrw";

/* die(ERRNO or 0, FORMAT, ...): one line on stderr, exit 1 */
static void __attribute__((format(printf, 2, 3), noreturn)) die(int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die(0, "bad size '%s'", s);
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end)
		die(0, "bad size '%s'", s);
	return v;
}

/* A dax device's ATTR from /sys/dev/char/MAJ:MIN/ATTR. */
static uint64_t dax_attr(const struct stat *st, const char *attr)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/%s", major(st->st_rdev),
		 minor(st->st_rdev), attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(errno, "cannot open %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die(n < 0 ? errno : EIO, "cannot read %s", path);
	close(fd);
	buf[n] = 0;
	return strtoull(buf, NULL, 0);
}

/*
 * Copy LEN bytes between BUF and the dax device FD at OFF, one align-sized
 * window at a time.
 */
static void dax_copy(int fd, const struct stat *st, uint64_t off, char *buf, uint64_t len,
		     int to_dev)
{
	uint64_t align = dax_attr(st, "align"), size = dax_attr(st, "size");

	if (!align || (align & (align - 1)))
		die(0, "dax device: align %" PRIu64 " is not a power of two", align);
	if (off > size || len > size - off)
		die(0,
		    "%" PRIu64 " bytes at %" PRIu64 ": beyond the end of the device (%" PRIu64 ")",
		    len, off, size);
	while (len) {
		uint64_t win = off & ~(align - 1), in = off - win;
		uint64_t n = align - in < len ? align - in : len;
		char *map;

		map = mmap(NULL, align, PROT_READ | (to_dev ? PROT_WRITE : 0), MAP_SHARED, fd, win);
		if (map == MAP_FAILED)
			die(errno, "mmap of %" PRIu64 " bytes at %" PRIu64 " failed", align, win);
		/*
		 * No msync(): device dax refuses it (EINVAL); stores reach the
		 * media directly, and QEMU's NVDIMM is the host file's pages.
		 */
		if (to_dev) {
			memcpy(map + in, buf, n);
		} else {
			memcpy(buf, map + in, n);
		}
		munmap(map, align);
		buf += n;
		off += n;
		len -= n;
	}
}

static void full_write(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(n < 0 ? errno : EIO, "write failed");
		buf += n;
		len -= n;
	}
}

static int cmd_read(const char *dev, uint64_t off, uint64_t len)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die(errno, "cannot open %s", dev);
	buf = malloc(CHUNK);
	if (!buf)
		die(0, "out of memory");
	while (len) {
		size_t n = len < CHUNK ? len : CHUNK;

		if (S_ISCHR(st.st_mode)) {
			dax_copy(fd, &st, off, buf, n, 0);
		} else {
			ssize_t r = pread(fd, buf, n, off);

			if (r < 0)
				die(errno, "cannot read %s", dev);
			if (r == 0)
				die(0, "%s: short read (end of file)", dev);
			n = r;
		}
		full_write(STDOUT_FILENO, buf, n);
		off += n;
		len -= n;
	}
	return 0;
}

static int cmd_write(const char *dev, uint64_t off, const char *file)
{
	struct stat st, fst;
	char *data;
	int fd, in;
	size_t done;

	in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &fst))
		die(errno, "cannot open %s", file);
	data = malloc(fst.st_size ? fst.st_size : 1);
	if (!data)
		die(0, "out of memory");
	for (done = 0; done < (size_t)fst.st_size;) {
		ssize_t r = read(in, data + done, fst.st_size - done);

		if (r <= 0)
			die(r < 0 ? errno : EIO, "cannot read %s", file);
		done += r;
	}
	close(in);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die(errno, "cannot open %s", dev);
	if (S_ISCHR(st.st_mode)) {
		dax_copy(fd, &st, off, data, done, 1);
	} else {
		size_t w = 0;

		while (w < done) {
			ssize_t r = pwrite(fd, data + w, done - w, off + w);

			if (r <= 0)
				die(r < 0 ? errno : EIO, "cannot write %s", dev);
			w += r;
		}
		if (fsync(fd))
			die(errno, "fsync %s failed", dev);
	}
	if (close(fd))
		die(errno, "close %s failed", dev);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "read"))
		return cmd_read(argv[2], parse_size(argv[3]), parse_size(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], parse_size(argv[3]), argv[4]);
	fprintf(stderr, "usage: %s write DEV OFFSET FILE\n       %s read DEV OFFSET LENGTH\n", prog,
		prog);
	return 64;
}
