// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Zones and the cost of onlining memory.  Memory onlined into ZONE_MOVABLE
 * serves only movable allocations: the kernel's own (page tables, slab,
 * the memmap of memory it adds) come from the kernel zones.  Too much
 * Movable for the kernel zones to serve is what the kernel's
 * memory_hotplug.auto_movable_ratio bounds (Documentation/admin-guide/mm/
 * memory-hotplug.rst, "ZONE_MOVABLE Sizing Considerations": the ratio
 * MOVABLE:KERNEL, in percent, default 301, i.e. 3:1).  And memory added
 * with its memmap in RAM costs 64 bytes of the kernel zones per 4 KiB page
 * (sizeof(struct page) / PAGE_SIZE, 1.56 %).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

/* Sum "present" per zone of /proc/zoneinfo: ZONE_MOVABLE apart, the kernel zones together. */
int nsa_zoneinfo_parse(const char *text, uint64_t page_size, uint64_t *kernel_bytes,
		       uint64_t *movable_bytes)
{
	bool movable = false, in_zone = false;
	const char *line = text;

	*kernel_bytes = *movable_bytes = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char zone[32];
		unsigned long long pages;
		int node;

		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2) {
			/* ZONE_DEVICE has no present pages of its own (pmem's are not RAM) */
			in_zone = strcmp(zone, "Device") != 0;
			movable = strcmp(zone, "Movable") == 0;
		} else if (in_zone && sscanf(line, " present %llu", &pages) == 1) {
			if (movable)
				*movable_bytes += pages * page_size;
			else
				*kernel_bytes += pages * page_size;
			in_zone = false; /* one "present" a zone; per-cpu lists come after */
		}
		line = nl ? nl + 1 : NULL;
	}
	return *kernel_bytes || *movable_bytes ? 0 : -ENODATA;
}

int nsa_zone_balance_read(struct nsa_ctx *ctx, struct nsa_zone_balance *out)
{
	char path[512], *text = NULL, buf[32];
	long ps = sysconf(_SC_PAGESIZE);
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	out->auto_movable_ratio = -1;
	snprintf(path, sizeof(path), "%s/sys/module/memory_hotplug/parameters",
		 nsa_get_sysfs_root(ctx));
	if (nsa_sysfs_read(path, "auto_movable_ratio", buf, sizeof(buf)) == 0)
		out->auto_movable_ratio = atoi(buf);
	snprintf(path, sizeof(path), "%s/proc/zoneinfo", nsa_get_proc_root(ctx));
	r = nsa_read_file(path, &text, &len);
	if (r < 0)
		return r;
	r = nsa_zoneinfo_parse(text, ps > 0 ? (uint64_t)ps : 4096, &out->kernel_bytes,
			       &out->movable_bytes);
	free(text);
	out->known = r == 0;
	return r;
}

void nsa_zone_balance_after(struct nsa_zone_balance *z, uint64_t adding, bool movable,
			    uint64_t memmap_ram)
{
	uint64_t kernel, moved;

	z->adding = adding;
	z->movable = movable;
	z->memmap_ram_bytes = memmap_ram;
	z->threshold_pct = z->auto_movable_ratio >= 0 ? (unsigned)z->auto_movable_ratio
						      : NSA_AUTO_MOVABLE_RATIO_DEFAULT;
	kernel = z->kernel_bytes + (movable ? 0 : adding);
	moved = z->movable_bytes + (movable ? adding : 0);
	z->ratio_pct_before = z->kernel_bytes ? z->movable_bytes * 100 / z->kernel_bytes : 0;
	z->ratio_pct_after = kernel ? moved * 100 / kernel : 0;
	z->beyond = z->known && movable && z->ratio_pct_after > z->threshold_pct;
}

const char *nsa_zone_balance_str(const struct nsa_zone_balance *z, char *buf, size_t len)
{
	char k[32], m[32], mm[32];

	if (!z->known) {
		snprintf(buf, len, "zones unknown (no /proc/zoneinfo)");
		return buf;
	}
	snprintf(buf, len,
		 "ZONE_MOVABLE:kernel zones %u.%02u:1 after it (%s Movable, %s in the kernel "
		 "zones; the kernel's auto_movable_ratio %u%%%s)%s%s%s",
		 z->ratio_pct_after / 100, z->ratio_pct_after % 100,
		 nsa_size_str(z->movable_bytes + (z->movable ? z->adding : 0), m, sizeof(m)),
		 nsa_size_str(z->kernel_bytes + (z->movable ? 0 : z->adding), k, sizeof(k)),
		 z->threshold_pct, z->auto_movable_ratio >= 0 ? "" : ", the default",
		 z->beyond ? ": BEYOND it, the kernel zones may run short (OOM with free Movable "
			     "memory)"
			   : "",
		 z->memmap_ram_bytes ? "; its memmap takes " : "",
		 z->memmap_ram_bytes ? nsa_size_str(z->memmap_ram_bytes, mm, sizeof(mm)) : "");
	if (z->memmap_ram_bytes) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, " of RAM");
	}
	return buf;
}
