// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The collector's kernel log (/dev/kmsg): this boot's PMEM messages, and
 * the probe failures they name, marked on the snapshot's namespaces.  One
 * read a record: syslog(2)'s READ_ALL would take one call, but it is not
 * in systemd's @system-service set, which nsalign-boot-check.service
 * filters with (a call outside it kills the unit's process).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "kernel.h"

/* The kernel's PMEM messages this boot: the evidence behind a refused namespace. */
static bool pmem_message(const char *msg)
{
	static const char *const needles[] = {
		"bad offset",
		"dax disabled",
		"misaligned",
		"alignment mismatch",
		"exceeds capacity",
		"probe of namespace",
		"probe with driver nd_pmem",
		"probe with driver device_dax",
		"unable to satisfy",
		"settings mismatch",
		"unaligned hotplug",
		"Conflicting mapping",
		"collision, truncate",
	};

	for (size_t i = 0; i < ARRAY_SIZE(needles); i++)
		if (strstr(msg, needles[i]))
			return true;
	return false;
}

static void note_probe_error(struct nsa_snapshot *s, const char *msg)
{
	char name[NSA_DEV_LEN];
	int err;

	/* a namespace's own failure: the names are this boot's */
	if (!nsa_kernel_probe_failure(msg, name, sizeof(name), &err))
		return;
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (strcmp(s->namespaces[i].dev, name) == 0)
			s->namespaces[i].probe_error = err;
}

void nsa_collect_kernel_log(struct nsa_snapshot *s)
{
	char rec[2048];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		nsa_snapshot_add_note(s, "kernel log unreadable (%s): no kernel messages quoted",
				      strerror(errno));
		return;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg, *end;

		if (n < 0 && errno == EPIPE)
			continue; /* overwritten while we read: go on with the next */
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "PRI,SEQ,USEC,FLAGS;text\n continuation lines" */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		if (!pmem_message(msg))
			continue;
		if (nsa_snapshot_add_kernel_line(s, msg) < 0)
			break;
		note_probe_error(s, msg);
	}
	close(fd);
}
