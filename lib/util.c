// SPDX-License-Identifier: LGPL-2.1-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <unistd.h>

#include "private.h"

uint64_t nsa_align_of(uint64_t x)
{
	if (x == 0)
		return 1ULL << 63;
	return x & -x;
}

uint64_t nsa_lcm(uint64_t a, uint64_t b)
{
	uint64_t x = a, y = b;

	if (!a || !b)
		return 0;
	while (y) {
		uint64_t t = x % y;

		x = y;
		y = t;
	}
	/* x is the gcd: a / x * b, unless that overflows */
	return a / x > UINT64_MAX / b ? 0 : a / x * b;
}

int nsa_parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

static int unit_shift(const char *suffix, unsigned *shift)
{
	static const char units[] = "kmgtpe";
	const char *u;

	if (*suffix == '\0') {
		*shift = 0;
		return 0;
	}
	u = strchr(units, tolower((unsigned char)*suffix));
	if (!u)
		return -EINVAL;
	*shift = 10 * (unsigned)(u - units + 1);
	suffix++;
	/* K and KiB are binary, as ndctl reads them; KB (decimal elsewhere) is refused */
	if ((suffix[0] == 'i' || suffix[0] == 'I') && (suffix[1] == 'b' || suffix[1] == 'B'))
		suffix += 2;
	else if ((suffix[0] == 'b' || suffix[0] == 'B') && suffix[1] == '\0')
		return -EDOM;
	return *suffix == '\0' ? 0 : -EINVAL;
}

int nsa_parse_size(const char *s, bool allow_negative, int64_t *out)
{
	bool negative = false;
	const char *p = s;
	char *end;
	uint64_t whole, bytes;
	unsigned shift;
	int r;

	if (!s)
		return -EINVAL;
	if (*p == '-' || *p == '+') {
		negative = *p == '-';
		if (negative && !allow_negative)
			return -EINVAL;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		errno = 0;
		whole = strtoull(p, &end, 16);
		if (errno == ERANGE)
			return -ERANGE;
		if (end == p + 2)
			return -EINVAL;
		r = unit_shift(end, &shift);
		if (r < 0)
			return r;
		if (shift && whole > (UINT64_MAX >> shift))
			return -ERANGE;
		bytes = whole << shift;
	} else {
		uint64_t frac = 0, frac_div = 1;

		errno = 0;
		whole = strtoull(p, &end, 10);
		if (errno == ERANGE)
			return -ERANGE;
		if (*end == '.') {
			end++;
			if (!isdigit((unsigned char)*end))
				return -EINVAL;
			while (isdigit((unsigned char)*end)) {
				if (frac_div < 1000000000ULL) {
					frac = frac * 10 + (uint64_t)(*end - '0');
					frac_div *= 10;
				}
				end++;
			}
		}
		r = unit_shift(end, &shift);
		if (r < 0)
			return r;
		if (shift && whole > (UINT64_MAX >> shift))
			return -ERANGE;
		bytes = whole << shift;
		if (frac) {
			/* "1.5G": the fraction must come out as whole bytes */
			unsigned __int128 f = ((unsigned __int128)frac << shift);
			if (f % frac_div)
				return -EINVAL;
			bytes += (uint64_t)(f / frac_div);
		}
	}
	if (bytes > (uint64_t)INT64_MAX)
		return -ERANGE;
	*out = negative ? -(int64_t)bytes : (int64_t)bytes;
	return 0;
}

const char *nsa_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;
	uint64_t v = bytes;

	if (bytes == 0) {
		snprintf(buf, len, "0 bytes");
		return buf;
	}
	while (u + 1 < ARRAY_SIZE(units) && (v & 1023) == 0) {
		v >>= 10;
		u++;
	}
	if (u > 0 || bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " %s", v, units[u]);
		return buf;
	}
	/* not a whole number of KiB: say it approximately, in the largest unit */
	double d = (double)bytes;
	u = 0;
	while (u + 1 < ARRAY_SIZE(units) && d >= 1024.0) {
		d /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.2f %s", d, units[u]);
	return buf;
}

const char *nsa_size_human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const bin[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	static const char *const dec[] = { "KB", "MB", "GB", "TB", "PB", "EB" };
	double b = (double)bytes, d = (double)bytes;
	int ib = -1, id = -1;

	if (bytes < 1000) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return buf;
	}
	while (b >= 1024.0 && ib < 5) {
		b /= 1024.0;
		ib++;
	}
	while (d >= 1000.0 && id < 5) {
		d /= 1000.0;
		id++;
	}
	if (ib < 0)
		snprintf(buf, len, "%" PRIu64, bytes);
	else
		snprintf(buf, len, "%.2f %s (%.2f %s)", b, bin[ib], d, dec[id]);
	return buf;
}

void *nsa_array_push(void **array, size_t *n, size_t *cap, size_t elem_size)
{
	char *slot;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *grown = reallocarray(*array, ncap, elem_size);

		if (!grown)
			return NULL;
		*array = grown;
		*cap = ncap;
	}
	slot = (char *)*array + *n * elem_size;
	memset(slot, 0, elem_size);
	(*n)++;
	return slot;
}

/* fd to its end, at most max bytes (-EFBIG past them), whatever stat() says */
static int read_fd(int fd, size_t max, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *grown;

			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			grown = realloc(buf, cap * 2 + 1);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap *= 2;
		}
		/* one byte more than max at most: enough to know it is too much */
		r = read(fd, buf + len, (cap < max + 1 ? cap : max + 1) - len);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;
}

int nsa_read_file(const char *path, char **out, size_t *outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = read_fd(fd, NSA_READ_FILE_MAX, out, outlen);
	close(fd);
	return r;
}

int nsa_read_input(const char *path, size_t max, char **out, size_t *outlen)
{
	struct stat st;
	int fd, r;

	if (strcmp(path, "-") == 0)
		return read_fd(STDIN_FILENO, max, out, outlen);
	/* O_NONBLOCK: opening a FIFO without a writer does not wait for one */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		r = -ENOTSUP; /* a device or a FIFO: /dev/zero never ends */
	else
		r = read_fd(fd, max, out, outlen);
	close(fd);
	return r;
}

int nsa_sysfs_readat(int dirfd, const char *rel, char *buf, size_t len)
{
	ssize_t r;
	int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	do {
		r = read(fd, buf, len - 1);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

int nsa_sysfs_read(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, attr) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return nsa_sysfs_readat(AT_FDCWD, path, buf, len);
}

int nsa_sysfs_read_u64(const char *dir, const char *attr, int base, uint64_t *out)
{
	char buf[64];
	int r = nsa_sysfs_read(dir, attr, buf, sizeof(buf));

	if (r < 0)
		return r;
	return nsa_parse_u64(buf, base, out);
}

/* mkdir, and when it made the directory, fsync its parent so that the entry survives a power cut */
static int mkdir_one(struct nsa_ctx *ctx, char *buf, mode_t mode, bool sync)
{
	char *slash;
	int dfd, r;

	if (mkdir(buf, mode) < 0)
		return errno == EEXIST ? 0 : -errno;
	if (!sync)
		return 0;
	r = nsa_fault(ctx, "fsync-parent");
	if (r)
		return r < 0 ? r : -EINTR;
	slash = strrchr(buf, '/');
	if (slash == buf)
		dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (slash) {
		*slash = '\0';
		dfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
	} else
		dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	return r;
}

static int mkdir_p(struct nsa_ctx *ctx, const char *path, mode_t mode, bool sync)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	int r;

	if (!len || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		r = mkdir_one(ctx, buf, mode, sync);
		if (r < 0)
			return r;
		*p = '/';
	}
	return mkdir_one(ctx, buf, mode, sync);
}

int nsa_mkdir_p(const char *path, mode_t mode)
{
	return mkdir_p(NULL, path, mode, false);
}

int nsa_mkdir_p_synced(struct nsa_ctx *ctx, const char *path, mode_t mode)
{
	return mkdir_p(ctx, path, mode, true);
}

int nsa_say(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* json-c serializers: the number printed as a string for humans */
static int print_size(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	uint64_t v = json_object_get_uint64(o);
	char buf[64], out[80];
	int n;

	(void)level;
	(void)flags;
	nsa_size_human(v, buf, sizeof(buf));
	/* under 1 KiB: the number itself */
	if (v < 1024)
		n = snprintf(out, sizeof(out), "%" PRIu64, v);
	else
		n = snprintf(out, sizeof(out), "\"%s\"", buf);
	return printbuf_memappend(pb, out, n);
}

static int print_addr(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	char out[32];
	/* "0x0", not "0" (what %#x makes of 0): a string of digits reads as a number */
	int n = snprintf(out, sizeof(out), "\"0x%" PRIx64 "\"", json_object_get_uint64(o));

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, out, n);
}

struct json_object *nsa_json_size(uint64_t bytes, bool human)
{
	struct json_object *o = json_object_new_uint64(bytes);

	if (o && human)
		json_object_set_serializer(o, print_size, NULL, NULL);
	return o;
}

struct json_object *nsa_json_addr(uint64_t addr, bool human)
{
	struct json_object *o = json_object_new_uint64(addr);

	if (o && human)
		json_object_set_serializer(o, print_addr, NULL, NULL);
	return o;
}

/* RFC 3339 in UTC, as every timestamp nsalign writes */
struct json_object *nsa_time_to_json(int64_t t)
{
	time_t tt = (time_t)t;
	char buf[32];
	struct tm tm;

	/* RFC 3339 has four-digit years: any other is written as seconds */
	if (!gmtime_r(&tt, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_object_new_int64(t);
	return json_object_new_string(buf);
}

/* "2026-12-03T17:00:57Z" (schema 2), or seconds since the epoch (schema 1) */
int nsa_time_from_json(struct json_object *v, int64_t *t)
{
	struct tm tm = { 0 };
	char z = 0;

	if (json_object_is_type(v, json_type_int)) {
		*t = json_object_get_int64(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    sscanf(json_object_get_string(v), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
	    z != 'Z')
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = (int64_t)timegm(&tm);
	return 0;
}
