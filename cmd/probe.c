// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign probe ADDRESS SIZE: add memory through the kernel's probe
 * interface (/sys/devices/system/memory/probe, CONFIG_ARCH_MEMORY_PROBE),
 * one memory block per write, after checking that the range is whole
 * blocks and that nothing else lives there.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

enum { OPT_DRY_RUN = 7000 };

static const struct cmd_option probe_options[] = {
	{ "dry-run", 0, NULL, "check the range, change nothing", OPT_DRY_RUN },
	{ "snapshot", 0, "FILE", "with --dry-run: check against a snapshot file", OPT_SNAPSHOT },
	{ NULL },
};

static const struct cmd_spec probe_spec = {
	.name = "probe",
	.usage = "nsalign probe ADDRESS SIZE [--dry-run [--snapshot FILE]]",
	.about = "Add the memory at ADDRESS (SIZE bytes) through the kernel's probe interface, "
		 "for\n"
		 "platforms that have one (CONFIG_ARCH_MEMORY_PROBE). The range must be whole "
		 "memory\n"
		 "blocks and must not overlap anything in /proc/iomem; the new blocks come up as "
		 "the\n"
		 "kernel's auto_online_blocks says. Exit status: 0 added, 64 usage (also a range\n"
		 "that is not whole blocks), 69 no probe interface, 73 the range is in use or the\n"
		 "kernel refused, 77 needs root.",
	.options = probe_options,
};

int cmd_probe(int argc, char **argv, struct nsa_ctx *ctx)
{
	const char *snapshot_path = NULL, *pos[3], *arg;
	int n_pos = 0;
	struct nsa_snapshot *s = NULL;
	char path[256];
	bool dry_run = false;
	uint64_t addr, B;
	int64_t size;
	int c, r;

	for (;;) {
		c = cmd_getopt(&probe_spec, argc, argv, &arg);
		if (c == -1) {
			/* ADDRESS and SIZE may stand before or between the options */
			if (optind >= argc)
				break;
			if (n_pos < 3)
				pos[n_pos] = argv[optind];
			n_pos++;
			optind++;
			continue;
		}
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (n_pos != 2) {
		cmd_error("probe", "expected ADDRESS and SIZE (e.g. 0x200000000 1G)");
		return EX_USAGE;
	}
	if (nsa_parse_u64(pos[0], 0, &addr) < 0) {
		cmd_error("probe", "'%s' is not an address", pos[0]);
		return EX_USAGE;
	}
	if (nsa_parse_size(pos[1], false, &size) < 0 || size <= 0) {
		cmd_error("probe", "'%s' is not a size", pos[1]);
		return EX_USAGE;
	}
	r = cmd_may_change("probe", dry_run, snapshot_path, "memory");
	if (r)
		return r;
	r = cmd_get_snapshot("probe", ctx, snapshot_path, true, &s);
	if (r)
		return r;
	B = s->platform.block_size;
	if (!B) {
		cmd_error("probe", "this kernel has no memory blocks (no memory hotplug)");
		r = EX_UNAVAILABLE;
		goto out;
	}
	if (!nsa_is_aligned(addr, B) || !nsa_is_aligned((uint64_t)size, B)) {
		cmd_error("probe",
			  "%#" PRIx64 "+%#" PRIx64 " is not whole memory blocks of %#" PRIx64
			  ": the kernel's probe adds one whole block per write",
			  addr, (uint64_t)size, B);
		r = EX_USAGE;
		goto out;
	}
	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct nsa_resource *res = &s->iomem[i];

		if (res->depth != 0 || res->end < addr || res->start >= addr + (uint64_t)size)
			continue;
		cmd_error("probe",
			  "%#" PRIx64 "-%#" PRIx64 " overlaps %s (%#" PRIx64 "-%#" PRIx64
			  "): nothing was added",
			  addr, addr + (uint64_t)size - 1, res->name, res->start, res->end);
		r = EX_CANTCREAT;
		goto out;
	}
	for (uint64_t a = addr; a < addr + (uint64_t)size; a += B) {
		ssize_t at = nsa_snapshot_block_at(s, a);

		if (at >= 0 && s->blocks[at].index == a / B) {
			cmd_error("probe", "memory%" PRIu64 " exists already: nothing was added",
				  a / B);
			r = EX_CANTCREAT;
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/sys/devices/system/memory/probe", nsa_get_sysfs_root(ctx));
	if (access(path, F_OK) < 0) {
		cmd_error("probe",
			  "this kernel has no memory probe interface (%s: CONFIG_ARCH_MEMORY_PROBE "
			  "is off, as in Debian's x86_64 kernels); memory comes through ACPI (a "
			  "DIMM), virtio-mem or a driver instead",
			  "/sys/devices/system/memory/probe");
		r = EX_UNAVAILABLE;
		goto out;
	}
	fprintf(stderr, "nsalign probe: %" PRIu64 " memory blocks at %#" PRIx64 "\n",
		(uint64_t)size / B, addr);
	if (dry_run) {
		r = 0;
		goto out;
	}
	for (uint64_t a = addr; a < addr + (uint64_t)size; a += B) {
		char word[32];
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		int n = snprintf(word, sizeof(word), "%#" PRIx64, a);

		if (fd < 0 || write(fd, word, (size_t)n) != n) {
			cmd_error("probe",
				  "the kernel refused %#" PRIx64 ": %s; %" PRIu64
				  " blocks before it were added",
				  a, strerror(errno), (a - addr) / B);
			if (fd >= 0)
				close(fd);
			r = EX_CANTCREAT;
			goto out;
		}
		close(fd);
	}
	r = 0;
out:
	nsa_snapshot_free(s);
	return r;
}
