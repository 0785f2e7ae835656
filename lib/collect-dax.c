// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The collector's dax devices: libdaxctl enumerates them; their driver and
 * memmap_on_memory are read here, once each, and a System RAM device's
 * memory blocks are counted from the block table that
 * nsa_collect_blocks() read, by libdaxctl's rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>

#include "collect.h"

/* ULLONG_MAX is libdaxctl's "could not read": resource attributes are root-only. */
static uint64_t known(unsigned long long v)
{
	return v == ULLONG_MAX ? 0 : v;
}

/*
 * A dax device's driver from its driver link (one readlinkat): 1 bound,
 * its name in drv ("device_dax", "kmem"); 0 unbound; -1 not on the dax
 * bus, where libdaxctl answers for it.
 */
static int dax_driver(int daxfd, const char *dev, char *drv, size_t len)
{
	char rel[64], target[PATH_MAX];
	const char *base;
	ssize_t n;

	if (daxfd < 0 || snprintf(rel, sizeof(rel), "%s/driver", dev) >= (int)sizeof(rel))
		return -1;
	n = readlinkat(daxfd, rel, target, sizeof(target) - 1);
	if (n < 0)
		return faccessat(daxfd, dev, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	nsa_strlcpy(drv, base ? base + 1 : target, len);
	return 1;
}

int nsa_collect_daxdevs(struct nsa_snapshot *s, const struct nd_dirs *dirs, struct ndctl_dax *dax,
			const char *ns_dev, int region_id)
{
	/* libdaxctl enumerates the namespace's dax devices, with their size, address and node */
	struct daxctl_region *dregion = ndctl_dax_get_daxctl_region(dax);
	struct daxctl_dev *dev;

	if (!dregion)
		return 0;
	daxctl_dev_foreach (dregion, dev) {
		struct nsa_daxdev *d;
		char buf[8], rel[96], drv[32];
		int bound;

		if (!daxctl_dev_get_size(dev))
			continue; /* the seed */
		d = nsa_snapshot_add_daxdev(s);
		if (!d)
			return -ENOMEM;
		nsa_strlcpy(d->dev, daxctl_dev_get_devname(dev), sizeof(d->dev));
		nsa_strlcpy(d->namespace_dev, ns_dev, sizeof(d->namespace_dev));
		d->region_id = region_id;
		d->spa_start = known(daxctl_dev_get_resource(dev));
		d->size = daxctl_dev_get_size(dev);
		d->align = daxctl_dev_get_align(dev);
		d->target_node = daxctl_dev_get_target_node(dev);
		d->numa_node = d->target_node;
		/* where kmem will put the memmap (v6.8+; no attribute: in RAM) */
		snprintf(rel, sizeof(rel), "%s/memmap_on_memory", d->dev);
		if (nsa_sysfs_readat(dirs->dax, rel, buf, sizeof(buf)) == 0)
			d->memmap_on_memory = buf[0] == '1' || buf[0] == 'Y' || buf[0] == 'y';
		/*
		 * No driver bound: device_dax's probe failed (arm64's -12/-17).
		 * kmem bound: System RAM, as daxctl_dev_get_memory() says, whose
		 * blocks nsa_collect_dax_ram_blocks() counts once the block table is read.
		 * Off the dax bus, libdaxctl's answer: enabled, never System RAM.
		 */
		bound = dax_driver(dirs->dax, d->dev, drv, sizeof(drv));
		if (bound < 0)
			d->unbound = !daxctl_dev_is_enabled(dev);
		else
			d->unbound = !bound;
		d->mode =
			bound > 0 && strcmp(drv, "kmem") == 0 ? NSA_DAX_SYSTEM_RAM : NSA_DAX_DEVDAX;
	}
	return 0;
}

/* Does any block belong to node? (only asked when an address or the block size is unknown) */
static bool node_has_blocks(const struct nsa_snapshot *s, int node)
{
	for (size_t i = 0; i < s->n_blocks; i++)
		if (s->blocks[i].node == node)
			return true;
	return false;
}

/*
 * A System RAM dax device's blocks, from the block table, by libdaxctl's
 * rules (daxctl_memory_op()): the blocks of its target node whose first
 * byte lies in the device; online_blocks those online, total_blocks all of
 * them, movable when every one is online in Movable alone.  Unknown (-1)
 * where libdaxctl fails: no target node or no such node directory, and,
 * when the node has blocks, an unreadable address or block size.
 */
void nsa_collect_dax_ram_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s, bool block_size_known)
{
	uint64_t bs = s->platform.block_size;

	for (size_t i = 0; i < s->n_daxdevs; i++) {
		struct nsa_daxdev *d = &s->daxdevs[i];
		uint64_t first, last;
		char path[PATH_MAX];
		int total = 0, online = 0;
		bool movable = true;

		if (d->mode != NSA_DAX_SYSTEM_RAM || d->target_node < 0)
			continue;
		snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%d",
			 nsa_get_sysfs_root(ctx), d->target_node);
		if (access(path, F_OK) < 0)
			continue;
		if (!d->spa_start || !block_size_known || !d->size) {
			if (!node_has_blocks(s, d->target_node))
				d->online_blocks = d->total_blocks = 0;
			continue;
		}
		first = d->spa_start / bs + (d->spa_start % bs != 0);
		last = (d->spa_start + d->size - 1) / bs;
		for (size_t j = nsa_snapshot_block_from(s, first);
		     j < s->n_blocks && s->blocks[j].index <= last; j++) {
			const struct nsa_memblock *b = &s->blocks[j];

			if (b->node != d->target_node)
				continue;
			total++;
			online += b->state == NSA_BLOCK_ONLINE;
			movable &= b->state == NSA_BLOCK_ONLINE && b->zones == NSA_ZONE_MOVABLE;
		}
		d->online_blocks = online;
		d->total_blocks = total;
		d->movable = total && movable;
	}
}
