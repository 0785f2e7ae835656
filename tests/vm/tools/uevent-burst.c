// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uevent-burst: the VM lab's burst of uevents for nsalignd, a "change" for
 * every memory block in turn, N in all, as fast as one process can.
 *
 *   uevent-burst kernel N   write "change" to the blocks' uevent files: the
 *                           kernel sends each event to udev, which passes it
 *                           on to its monitors (nsalignd's) once processed
 *   uevent-burst udev N     send each event on the udev netlink group
 *                           ourselves, as udev passes one on (libudev's
 *                           message: header, then the properties), straight
 *                           to the socket nsalignd reads: udev's own work,
 *                           which under TCG takes a long while an event, is
 *                           left out
 *
 * Prints "N SENT SECONDS".  The files are opened once, a write or a send is
 * one system call.  Built static by the lab (gcc -static) and placed in the
 * guest as /usr/local/bin/uevent-burst.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MEMORY "/sys/devices/system/memory"

/* libudev's message header (systemd's src/libsystemd/sd-device/device-monitor.c) */
struct udev_header {
	char prefix[8]; /* "libudev" */
	uint32_t magic; /* 0xfeedcafe, big-endian */
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash; /* MurmurHash2 of the subsystem, big-endian */
	uint32_t filter_devtype_hash;
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};
#define UDEV_GROUP 2

/* MurmurHash2, seed 0, as systemd's string_hash32() */
static uint32_t murmur2(const char *key, size_t len)
{
	const uint32_t m = 0x5bd1e995;
	const unsigned char *p = (const unsigned char *)key;
	uint32_t h = (uint32_t)len;

	for (; len >= 4; p += 4, len -= 4) {
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t)p[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)p[1] << 8;
		/* fall through */
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned long n, sent = 0, failed = 0;
	char **names = NULL;
	int *fds = NULL, sock = -1;
	size_t nb = 0, cap = 0;
	bool udev;
	struct dirent *de;
	DIR *d;

	if (argc != 3 || (strcmp(argv[1], "kernel") && strcmp(argv[1], "udev")) ||
	    (n = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: uevent-burst kernel|udev N\n");
		return 64;
	}
	udev = strcmp(argv[1], "udev") == 0;
	d = opendir(MEMORY);
	if (!d) {
		perror(MEMORY);
		return 66;
	}
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "memory", 6) != 0 || de->d_name[6] < '0' ||
		    de->d_name[6] > '9')
			continue;
		if (nb == cap) {
			char **v = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names));

			if (!v)
				return 71;
			names = v;
		}
		if (!(names[nb++] = strdup(de->d_name)))
			return 71;
	}
	closedir(d);
	if (!nb) {
		fprintf(stderr, "uevent-burst: no memory block\n");
		return 66;
	}
	qsort(names, nb, sizeof(*names), cmp_str);
	if (udev) {
		struct sockaddr_nl me = { .nl_family = AF_NETLINK };

		sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
		if (sock < 0 || bind(sock, (struct sockaddr *)&me, sizeof(me)) < 0) {
			perror("uevent-burst: netlink");
			return 71;
		}
	} else {
		fds = calloc(nb, sizeof(*fds));
		if (!fds)
			return 71;
		for (size_t i = 0; i < nb; i++) {
			char path[300];

			snprintf(path, sizeof(path), MEMORY "/%s/uevent", names[i]);
			fds[i] = open(path, O_WRONLY | O_CLOEXEC);
			if (fds[i] < 0) {
				perror(path);
				return 66;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		const char *name = names[i % nb];

		if (udev) {
			struct sockaddr_nl to = { .nl_family = AF_NETLINK,
						  .nl_groups = UDEV_GROUP };
			struct udev_header h = { .prefix = "libudev" };
			char props[512];
			int len = snprintf(props, sizeof(props),
					   "ACTION=change%cDEVPATH=/devices/system/memory/%s%c"
					   "SUBSYSTEM=memory%cSEQNUM=%lu%c",
					   0, name, 0, 0, 1000000000UL + i, 0);
			struct iovec iov[2] = { { &h, sizeof(h) }, { props, (size_t)len } };
			struct msghdr msg = { .msg_name = &to,
					      .msg_namelen = sizeof(to),
					      .msg_iov = iov,
					      .msg_iovlen = 2 };

			h.magic = htonl(0xfeedcafe);
			h.header_size = sizeof(h);
			h.properties_off = sizeof(h);
			h.properties_len = (uint32_t)len;
			h.filter_subsystem_hash = htonl(murmur2("memory", 6));
			if (sendmsg(sock, &msg, 0) == (ssize_t)(sizeof(h) + (size_t)len))
				sent++;
			else
				failed++;
		} else {
			if (pwrite(fds[i % nb], "change", 6, 0) == 6)
				sent++;
			else
				failed++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lu %lu %.3f\n", n, sent,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (failed)
		fprintf(stderr, "uevent-burst: %lu of %lu failed\n", failed, n);
	return failed ? 1 : 0;
}
