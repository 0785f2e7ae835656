// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory added through the kernel's probe interface
 * (/sys/devices/system/memory/probe, CONFIG_ARCH_MEMORY_PROBE), one memory
 * block per write, after checking that the range is whole blocks and that
 * nothing else lives there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "act.h"

#define PROBE_FILE "/sys/devices/system/memory/probe"

static int check(const struct nsa_snapshot *s, uint64_t addr, uint64_t size,
		 struct nsa_probe_result *out)
{
	uint64_t B = s->platform.block_size;

	if (!B)
		return FAIL(NSA_ACT_UNAVAILABLE,
			    "this kernel has no memory blocks (no memory hotplug)");
	if (!nsa_is_aligned(addr, B) || !nsa_is_aligned(size, B))
		return FAIL(NSA_ACT_USAGE,
			    "%#" PRIx64 "+%#" PRIx64 " is not whole memory blocks of %#" PRIx64
			    ": the kernel's probe adds one whole block per write",
			    addr, size, B);
	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct nsa_resource *res = &s->iomem[i];

		if (res->depth != 0 || res->end < addr || res->start >= addr + size)
			continue;
		return FAIL(NSA_ACT_REFUSED,
			    "%#" PRIx64 "-%#" PRIx64 " overlaps %s (%#" PRIx64 "-%#" PRIx64
			    "): nothing was added",
			    addr, addr + size - 1, res->name, res->start, res->end);
	}
	for (uint64_t a = addr; a < addr + size; a += B) {
		ssize_t at = nsa_snapshot_block_at(s, a);

		if (at >= 0 && s->blocks[at].index == a / B)
			return FAIL(NSA_ACT_REFUSED,
				    "memory%" PRIu64 " exists already: nothing was added", a / B);
	}
	out->n_blocks = size / B;
	return 0;
}

int nsa_probe(struct nsa_ctx *ctx, const struct nsa_snapshot *s, uint64_t addr, uint64_t size,
	      const struct nsa_act_opts *opts, struct nsa_probe_result *out)
{
	char path[256];
	uint64_t B = s->platform.block_size;

	memset(out, 0, sizeof(*out));
	out->addr = addr;
	out->size = size;
	out->block_size = B;
	if (check(s, addr, size, out) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s" PROBE_FILE, nsa_get_sysfs_root(ctx));
	if (access(path, F_OK) < 0)
		return FAIL(
			NSA_ACT_UNAVAILABLE,
			"this kernel has no memory probe interface (%s: "
			"CONFIG_ARCH_MEMORY_PROBE is off, as in Debian's x86_64 kernels); memory "
			"comes through ACPI (a DIMM), virtio-mem or a driver instead",
			PROBE_FILE);
	if (opts->planned)
		opts->planned(opts->data);
	if (opts->dry_run)
		return 0;
	for (uint64_t a = addr; a < addr + size; a += B) {
		char word[32];
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		int n = snprintf(word, sizeof(word), "%#" PRIx64, a);

		if (fd < 0 || write(fd, word, (size_t)n) != n) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			return FAIL(NSA_ACT_REFUSED,
				    "the kernel refused %#" PRIx64 ": %s; %" PRIu64
				    " blocks before it were added",
				    a, strerror(e), out->added);
		}
		close(fd);
		out->added++;
	}
	return 0;
}
