// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The collector's memory blocks: /sys/devices/system/memory read straight
 * (all of them, or those a uevent named, merged into an older snapshot's)
 * and each block's NUMA node from /sys/devices/system/node.  Each
 * directory is opened once and walked from its fd (openat, fdopendir): no
 * path is resolved from the root again for each block.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"

static void blocks_path(struct nsa_ctx *ctx, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", nsa_get_sysfs_root(ctx), rel);
}

/* "memoryN" -> N; false for anything else */
static bool block_name(const char *name, uint64_t *index)
{
	char *end;

	if (strncmp(name, "memory", 6) != 0 || name[6] < '0' || name[6] > '9')
		return false;
	errno = 0;
	*index = strtoull(name + 6, &end, 10);
	return !*end && !errno;
}

/* The directory rel under dirfd, to walk (NULL, errno set, when it cannot be opened). */
static DIR *opendirat(int dirfd, const char *rel)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

static int cmp_block_index(const void *a, const void *b)
{
	uint64_t x = ((const struct nsa_memblock *)a)->index;
	uint64_t y = ((const struct nsa_memblock *)b)->index;

	return x < y ? -1 : x > y;
}

/*
 * Each block's NUMA node, from the nodes' side: /sys/devices/system/node/
 * nodeN holds a memoryM link for each of its blocks.  One directory per
 * node instead of one per block.  s->blocks must be sorted by index.
 */
static void collect_block_nodes(struct nsa_ctx *ctx, struct nsa_snapshot *s)
{
	char dir[PATH_MAX];
	struct dirent *de, *me;
	DIR *nodes, *d;

	if (!s->n_blocks) /* bsearch() in NULL is undefined, and nothing to do */
		return;
	blocks_path(ctx, "/sys/devices/system/node", dir, sizeof(dir));
	nodes = opendirat(AT_FDCWD, dir);
	while (nodes && (de = readdir(nodes))) {
		if (strncmp(de->d_name, "node", 4) != 0 || de->d_name[4] < '0' ||
		    de->d_name[4] > '9')
			continue;
		d = opendirat(dirfd(nodes), de->d_name);
		while (d && (me = readdir(d))) {
			struct nsa_memblock key, *b;

			if (!block_name(me->d_name, &key.index))
				continue;
			b = bsearch(&key, s->blocks, s->n_blocks, sizeof(*b), cmp_block_index);
			if (b)
				b->node = atoi(de->d_name + 4);
		}
		if (d)
			closedir(d);
	}
	if (nodes)
		closedir(nodes);
}

/* the block's directory (name, under the memory directory memfd) holds its nodeN link */
static bool has_node_link(int memfd, const char *name)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendirat(memfd, name);

	while (d && !found && (de = readdir(d)))
		found = strncmp(de->d_name, "node", 4) == 0 && de->d_name[4] >= '0' &&
			de->d_name[4] <= '9';
	if (d)
		closedir(d);
	return found;
}

/*
 * A block's state, and removability when asked; false when it is gone.
 * The table's way (many blocks): the nodes afterwards from the nodes' side
 * (collect_block_nodes()), then read_zones(): no block directory is walked,
 * some 10 system calls a block against 15 with read_block().
 */
static bool read_state(int memfd, const char *name, uint64_t index, bool removable,
		       struct nsa_memblock *b)
{
	char buf[64], rel[64];

	if (snprintf(rel, sizeof(rel), "%s/state", name) >= (int)sizeof(rel) ||
	    nsa_sysfs_readat(memfd, rel, buf, sizeof(buf)) < 0)
		return false; /* removed since we looked */
	*b = (struct nsa_memblock){ .index = index, .node = -1 };
	b->state = (uint8_t)nsa_block_state_from_name(buf);
	if (!removable)
		return true;
	snprintf(rel, sizeof(rel), "%s/removable", name);
	if (nsa_sysfs_readat(memfd, rel, buf, sizeof(buf)) == 0)
		b->removable = buf[0] == '1';
	return true;
}

/*
 * One block's state, zones and removability from its directory
 * (/sys/devices/system/memory/memoryN); false when it is gone.
 *
 * A block that is not online has its valid_zones read only once its nodeN
 * link is there.  The kernel makes the block's device with no node
 * (NUMA_NO_NODE) and gives it one, then the link, while it adds the memory;
 * valid_zones of an offline block asks zone_for_pfn_range() for the block's
 * node, and Debian's 6.1 oopsed on a NULL pointer there when nsalignd read it
 * while its own kmem action was adding the blocks (lab, 2 boots of 6).  Its
 * zones are then unknown (none), as for a block whose file cannot be read.
 */
static bool read_block(int memfd, const char *name, uint64_t index, struct nsa_memblock *b)
{
	char buf[64], rel[64];

	if (!read_state(memfd, name, index, true, b))
		return false;
	snprintf(rel, sizeof(rel), "%s/valid_zones", name);
	if ((b->state == NSA_BLOCK_ONLINE || has_node_link(memfd, name)) &&
	    nsa_sysfs_readat(memfd, rel, buf, sizeof(buf)) == 0)
		b->zones = nsa_zones_parse(buf);
	return true;
}

/*
 * valid_zones where read_block() reads it: online, or with a node.  The
 * node's memoryN link comes after the kernel gave the block its node
 * (register_memory_block_under_node()), as the block's own nodeN link does.
 */
static void read_zones(int memfd, struct nsa_snapshot *s)
{
	char buf[64], rel[64];

	for (size_t i = 0; i < s->n_blocks; i++) {
		struct nsa_memblock *b = &s->blocks[i];

		snprintf(rel, sizeof(rel), "memory%" PRIu64 "/valid_zones", b->index);
		if ((b->state == NSA_BLOCK_ONLINE || b->node >= 0) &&
		    nsa_sysfs_readat(memfd, rel, buf, sizeof(buf)) == 0)
			b->zones = nsa_zones_parse(buf);
	}
}

/*
 * Memory blocks straight from sysfs, not through libudev's enumerator,
 * which resolves each device's path one component at a time: some 30
 * system calls a block against 5 here (strace, 192 blocks).  nsalignd
 * collects them at every analysis, and 1 TiB of hot-added memory is 8192
 * blocks.  A block's number is its name: the kernel names memoryN by the
 * block id that its phys_index file shows too (drivers/base/memory.c).
 */
int nsa_collect_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	blocks_path(ctx, "/sys/devices/system/memory", dir, sizeof(dir));
	d = opendirat(AT_FDCWD, dir);
	if (!d) {
		if (errno != ENOENT)
			nsa_snapshot_add_note(s, "memory blocks could not be read: %s: %s", dir,
					      strerror(errno));
		return 0;
	}
	while ((de = readdir(d))) {
		struct nsa_memblock one, *b;
		uint64_t index;

		if (!block_name(de->d_name, &index))
			continue;
		if (!read_state(dirfd(d), de->d_name, index, true, &one))
			continue;
		b = nsa_snapshot_add_block(s);
		if (!b) {
			closedir(d);
			return -ENOMEM;
		}
		*b = one;
	}
	if (s->n_blocks) /* qsort(NULL, 0, ...) is undefined */
		qsort(s->blocks, s->n_blocks, sizeof(*s->blocks), cmp_block_index);
	collect_block_nodes(ctx, s);
	read_zones(dirfd(d), s);
	closedir(d);
	return 0;
}

/* A block read again, with its node from the nodeN link in its directory. */
static bool reread_block(int memfd, uint64_t index, struct nsa_memblock *b)
{
	char name[32];
	struct dirent *de;
	DIR *d;

	snprintf(name, sizeof(name), "memory%" PRIu64, index);
	if (!read_block(memfd, name, index, b))
		return false;
	d = opendirat(memfd, name);
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, "node", 4) == 0 && de->d_name[4] >= '0' &&
		    de->d_name[4] <= '9') {
			b->node = atoi(de->d_name + 4);
			break;
		}
	if (d)
		closedir(d);
	return true;
}

/*
 * The System RAM dax devices' blocks alone (list without -B): what
 * libdaxctl's rules count (nsa_collect_dax_ram_blocks()) and the analysis
 * reads, state, node and zones, the table's way but without removability,
 * which only list -B shows: some 6 system calls a block.  1: their ranges
 * are unknown, read every block.
 */
int nsa_collect_dax_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s, bool block_size_known)
{
	uint64_t bs = s->platform.block_size;
	char dir[PATH_MAX], name[32];
	int memfd, r = 0;

	for (size_t i = 0; i < s->n_daxdevs; i++) {
		const struct nsa_daxdev *d = &s->daxdevs[i];

		if (d->mode == NSA_DAX_SYSTEM_RAM && d->target_node >= 0 &&
		    (!d->spa_start || !d->size || !block_size_known))
			return 1;
	}
	blocks_path(ctx, "/sys/devices/system/memory", dir, sizeof(dir));
	memfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (memfd < 0)
		return 1; /* nsa_collect_blocks() says why in a note */
	for (size_t i = 0; i < s->n_daxdevs && r == 0; i++) {
		const struct nsa_daxdev *d = &s->daxdevs[i];
		/* the blocks whose first byte lies in the device, as libdaxctl counts them */
		uint64_t first = d->spa_start / bs + (d->spa_start % bs != 0);
		uint64_t last = (d->spa_start + d->size - 1) / bs;

		if (d->mode != NSA_DAX_SYSTEM_RAM || d->target_node < 0)
			continue;
		for (uint64_t k = first; k <= last; k++) {
			struct nsa_memblock one, *b;

			snprintf(name, sizeof(name), "memory%" PRIu64, k);
			if (!read_state(memfd, name, k, false, &one))
				continue; /* no such block */
			b = nsa_snapshot_add_block(s);
			if (!b) {
				r = -ENOMEM;
				break;
			}
			*b = one;
		}
	}
	if (s->n_blocks) /* qsort(NULL, 0, ...) is undefined */
		qsort(s->blocks, s->n_blocks, sizeof(*s->blocks), cmp_block_index);
	collect_block_nodes(ctx, s);
	read_zones(memfd, s);
	close(memfd);
	return r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The old blocks, with those in changed[] read again (added, changed or
 * gone), merged in index order: both lists are sorted.
 */
int nsa_collect_update_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s,
			      const struct nsa_snapshot *old, const uint64_t *changed,
			      size_t n_changed)
{
	uint64_t *ch = NULL;
	size_t n = 0, i = 0, j = 0;
	char dir[PATH_MAX];
	int memfd = -1, r = 0;

	if (n_changed) {
		ch = malloc(n_changed * sizeof(*ch));
		if (!ch)
			return -ENOMEM;
		memcpy(ch, changed, n_changed * sizeof(*ch));
		qsort(ch, n_changed, sizeof(*ch), cmp_u64);
		for (size_t k = 0; k < n_changed; k++) /* unique */
			if (!n || ch[n - 1] != ch[k])
				ch[n++] = ch[k];
	}
	blocks_path(ctx, "/sys/devices/system/memory", dir, sizeof(dir));
	if (n)
		memfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* -1: every block gone */
	while (i < old->n_blocks || j < n) {
		struct nsa_memblock one, *b;

		if (j == n || (i < old->n_blocks && old->blocks[i].index < ch[j])) {
			one = old->blocks[i++];
		} else {
			if (i < old->n_blocks && old->blocks[i].index == ch[j])
				i++;
			if (!reread_block(memfd, ch[j++], &one))
				continue; /* gone */
		}
		b = nsa_snapshot_add_block(s);
		if (!b) {
			r = -ENOMEM;
			break;
		}
		*b = one;
	}
	free(ch);
	if (memfd >= 0)
		close(memfd);
	return r;
}
