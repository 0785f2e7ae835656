// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsa_collect_update() against nsa_collect() on a sysfs tree made here:
 * reading again only the blocks with events must give the same blocks as
 * reading everything, whatever happened to them (onlined, gone, added,
 * moved to another zone) and however the event list comes (repeats, any
 * order, blocks that never existed).  The nd side is the host's in both
 * (none on a machine without PMEM), and it is compared too.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "libnsalign.h"
#include "fake-tree.h"
#include "test.h"

#define ROOT_TEMPLATE "/tmp/nsalign-collect-XXXXXX"
static char root[] = ROOT_TEMPLATE;

/* memoryN with its files, and the node's link to it, both sides as sysfs has them */
static void block(uint64_t i, const char *state, const char *zones, int node)
{
	char rel[128], target[256], link[512];

	snprintf(rel, sizeof(rel), "/sys/devices/system/memory/memory%" PRIu64, i);
	tree_mkdirs(root, rel);
	snprintf(target, sizeof(target), "%s/state", rel);
	tree_put(root, target, state);
	snprintf(target, sizeof(target), "%s/valid_zones", rel);
	tree_put(root, target, zones);
	snprintf(target, sizeof(target), "%s/removable", rel);
	tree_put(root, target, "1\n");
	snprintf(target, sizeof(target), "../../node/node%d", node);
	snprintf(link, sizeof(link), "%s%s/node%d", root, rel, node);
	(void)!symlink(target, link);
	snprintf(target, sizeof(target), "../../memory/memory%" PRIu64, i);
	snprintf(link, sizeof(link), "%s/sys/devices/system/node/node%d/memory%" PRIu64, root, node,
		 i);
	(void)!symlink(target, link);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void unblock(uint64_t i, int node)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%d/memory%" PRIu64, root, node,
		 i);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sys/devices/system/memory/memory%" PRIu64, root, i);
	nftw(path, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static struct nsa_ctx *tree(void)
{
	struct nsa_ctx *ctx = nsa_new();

	memcpy(root, ROOT_TEMPLATE, sizeof(root));
	if (!ctx || !mkdtemp(root))
		return NULL;
	tree_mkdirs(root, "/sys/devices/system/node/node0");
	tree_mkdirs(root, "/sys/devices/system/node/node1");
	tree_mkdirs(root, "/proc");
	tree_put(root, "/sys/devices/system/memory/block_size_bytes", "8000000\n");
	tree_put(root, "/proc/iomem",
		 "00000000-3fffffff : System RAM\n"
		 "40000000-7fffffff : Reserved\n");
	for (uint64_t i = 0; i < 8; i++)
		block(i, "online\n", "Normal\n", 0);
	for (uint64_t i = 8; i < 12; i++)
		block(i, "offline\n", "Normal Movable\n", 1);
	nsa_set_sysfs_root(ctx, root);
	nsa_set_proc_root(ctx, root);
	return ctx;
}

static void same(const struct nsa_snapshot *a, const struct nsa_snapshot *b)
{
	CHECK_U64(a->n_blocks, b->n_blocks);
	for (size_t i = 0; i < a->n_blocks && i < b->n_blocks; i++) {
		const struct nsa_memblock *x = &a->blocks[i], *y = &b->blocks[i];

		if (x->index != y->index || x->node != y->node || x->state != y->state ||
		    x->zones != y->zones || x->removable != y->removable) {
			printf("#   block %zu: memory%" PRIu64 " node %d state %d zones %#x, "
			       "expected memory%" PRIu64 " node %d state %d zones %#x\n",
			       i, x->index, x->node, x->state, x->zones, y->index, y->node,
			       y->state, y->zones);
			test_failed_current = 1;
		}
	}
	CHECK_U64(a->n_iomem, b->n_iomem);
	CHECK_U64(a->n_regions, b->n_regions);
	CHECK_U64(a->n_namespaces, b->n_namespaces);
	CHECK_U64(a->n_daxdevs, b->n_daxdevs);
	CHECK_U64(a->n_notes, b->n_notes);
	CHECK_U64(a->platform.block_size, b->platform.block_size);
	CHECK(a->platform.ndctl_available == b->platform.ndctl_available);
}

TEST(update_reads_again_only_the_changed_blocks_and_matches_a_full_collection)
{
	struct nsa_ctx *ctx = tree();
	struct nsa_snapshot *old = NULL, *full = NULL, *upd = NULL, *again = NULL;
	/* any order, repeats, and memory99 that never was */
	const uint64_t changed[] = { 13, 3, 99, 7, 12, 3, 9 };

	REQUIRE(ctx);
	REQUIRE(nsa_collect(ctx, &old) == 0);
	CHECK_U64(old->n_blocks, 12);
	CHECK_U64(old->platform.block_size, 0x8000000);
	CHECK_U64(old->blocks[9].node, 1);
	CHECK_U64(old->blocks[9].state, NSA_BLOCK_OFFLINE);

	block(3, "offline\n", "Normal\n", 0);	       /* offlined */
	unblock(7, 0);				       /* hot-removed */
	block(12, "offline\n", "Normal Movable\n", 1); /* hot-added */
	block(13, "offline\n", "Normal Movable\n", 1); /* hot-added */
	block(9, "online\n", "Movable\n", 1);	       /* onlined movable */
	tree_put(root, "/sys/devices/system/memory/memory10/state",
		 "online\n"); /* no event: not seen */

	REQUIRE(nsa_collect_update(ctx, old, changed, sizeof(changed) / sizeof(changed[0]), &upd) ==
		0);
	REQUIRE(nsa_collect(ctx, &full) == 0);
	CHECK_U64(upd->n_blocks, 13);
	CHECK_U64(upd->blocks[3].state, NSA_BLOCK_OFFLINE);
	CHECK_U64(upd->blocks[7].index, 8); /* memory7 is gone */
	CHECK_U64(upd->blocks[8].state, NSA_BLOCK_ONLINE);
	CHECK_U64(upd->blocks[8].zones, NSA_ZONE_MOVABLE);
	CHECK_U64(upd->blocks[12].index, 13);
	CHECK_U64(upd->blocks[12].node, 1);
	/* memory10 changed without an event: the update keeps what it knew */
	CHECK_U64(upd->blocks[9].state, NSA_BLOCK_OFFLINE);
	CHECK_U64(full->blocks[9].state, NSA_BLOCK_ONLINE);

	/* with memory10's event, the same as reading everything */
	{
		const uint64_t ten = 10;

		REQUIRE(nsa_collect_update(ctx, upd, &ten, 1, &again) == 0);
		same(again, full);
		CHECK_STR(again->source, "live");
	}
	nsa_snapshot_free(again);
	again = NULL;

	/* nothing changed: the old blocks, and /proc/iomem read again */
	tree_put(root, "/proc/iomem",
		 "00000000-3fffffff : System RAM\n"
		 "40000000-5fffffff : System RAM\n"
		 "60000000-7fffffff : Reserved\n");
	REQUIRE(nsa_collect_update(ctx, full, NULL, 0, &again) == 0);
	CHECK_U64(again->n_iomem, full->n_iomem + 1);
	CHECK_U64(again->n_blocks, full->n_blocks);

	nsa_snapshot_free(again);
	nsa_snapshot_free(upd);
	nsa_snapshot_free(full);
	nsa_snapshot_free(old);
	nsa_unref(ctx);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST(update_of_every_block_gone_leaves_none)
{
	struct nsa_ctx *ctx = tree();
	struct nsa_snapshot *old = NULL, *upd = NULL;
	uint64_t all[12];

	REQUIRE(ctx);
	REQUIRE(nsa_collect(ctx, &old) == 0);
	for (uint64_t i = 0; i < 12; i++) {
		all[i] = 11 - i;
		unblock(i, i < 8 ? 0 : 1);
	}
	REQUIRE(nsa_collect_update(ctx, old, all, 12, &upd) == 0);
	CHECK_U64(upd->n_blocks, 0);
	nsa_snapshot_free(upd);
	nsa_snapshot_free(old);
	nsa_unref(ctx);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST(a_snapshot_names_the_machine_without_its_machine_id)
{
	struct nsa_ctx *ctx = tree();
	struct nsa_snapshot *s = NULL;
	char raw[64] = "";
	FILE *f;

	REQUIRE(ctx);
	REQUIRE(nsa_collect(ctx, &s) == 0);
	/* 32 hex digits (or "" without /etc/machine-id), never the machine-id itself */
	CHECK(strlen(s->platform.host_id) == 32 || s->platform.host_id[0] == '\0');
	CHECK(strspn(s->platform.host_id, "0123456789abcdef") == strlen(s->platform.host_id));
	f = fopen("/etc/machine-id", "r");
	if (f && fgets(raw, sizeof(raw), f) && strlen(raw) >= 32)
		CHECK(strncmp(raw, s->platform.host_id, 32) != 0);
	if (f)
		fclose(f);
	nsa_snapshot_free(s);
	nsa_unref(ctx);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A block being added (offline, no nodeN link yet: the kernel has not given
 * it a node) has its valid_zones left unread, in a full collection and in an
 * update; once the link is there, it is read.
 */
TEST(an_offline_block_without_a_node_link_has_its_valid_zones_left_unread)
{
	struct nsa_ctx *ctx = tree();
	struct nsa_snapshot *full = NULL, *upd = NULL, *linked = NULL;
	const uint64_t changed[] = { 12 };
	char path[512];

	REQUIRE(ctx);
	block(12, "offline\n", "Normal Movable\n", 1);
	snprintf(path, sizeof(path), "%s/sys/devices/system/memory/memory12/node1", root);
	REQUIRE(unlink(path) == 0);
	snprintf(path, sizeof(path), "%s/sys/devices/system/node/node1/memory12", root);
	REQUIRE(unlink(path) == 0);
	REQUIRE(nsa_collect(ctx, &full) == 0);
	REQUIRE(full->n_blocks == 13);
	CHECK_U64(full->blocks[12].zones, 0);
	CHECK_U64(full->blocks[12].node, (uint64_t)-1);
	CHECK_U64(full->blocks[11].zones, nsa_zones_parse("Normal Movable"));
	REQUIRE(nsa_collect_update(ctx, full, changed, 1, &upd) == 0);
	REQUIRE(upd->n_blocks == 13);
	CHECK_U64(upd->blocks[12].zones, 0);
	/* the kernel gave it its node */
	unblock(12, 1);
	block(12, "offline\n", "Normal Movable\n", 1);
	REQUIRE(nsa_collect_update(ctx, upd, changed, 1, &linked) == 0);
	REQUIRE(linked->n_blocks == 13);
	CHECK_U64(linked->blocks[12].zones, nsa_zones_parse("Normal Movable"));
	CHECK_U64(linked->blocks[12].node, 1);
	nsa_snapshot_free(full);
	nsa_snapshot_free(upd);
	nsa_snapshot_free(linked);
	nsa_unref(ctx);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A System RAM dax device over [start, start + size) on node */
static struct nsa_daxdev *ram_dev(struct nsa_snapshot *s, uint64_t start, uint64_t size, int node)
{
	struct nsa_daxdev *d = nsa_snapshot_add_daxdev(s);

	if (d) {
		d->mode = NSA_DAX_SYSTEM_RAM;
		d->spa_start = start;
		d->size = size;
		d->target_node = node;
	}
	return d;
}

/*
 * A System RAM dax device's blocks counted from the block table by
 * libdaxctl's rules: its node's blocks whose first byte lies in it; movable
 * when all are online in Movable alone; unknown where libdaxctl fails.
 */
TEST(a_system_ram_dax_device_counts_its_blocks_from_the_block_table)
{
	const uint64_t B = 0x8000000;
	struct nsa_ctx *ctx = tree();
	struct nsa_snapshot *s = NULL, *part = NULL, *full = NULL;
	struct nsa_daxdev *d;

	REQUIRE(ctx);
	for (uint64_t i = 8; i < 12; i++)
		block(i, "online\n", "Movable\n", 1);
	REQUIRE(nsa_collect(ctx, &s) == 0);
	REQUIRE(s->n_blocks == 12);
	s->n_daxdevs = 0;		 /* the host's, if any */
	ram_dev(s, 8 * B, 4 * B, 1);	 /* 0: all online Movable */
	ram_dev(s, 8 * B + 1, 4 * B, 1); /* 1: memory8 starts before it */
	ram_dev(s, 8 * B, 4 * B, 0);	 /* 2: none of node0's blocks in it */
	ram_dev(s, 8 * B, 4 * B, 5);	 /* 3: no node5 */
	ram_dev(s, 0, 4 * B, 1);	 /* 4: address unknown */
	ram_dev(s, 8 * B, 4 * B, -1);	 /* 5: no target node */
	d = ram_dev(s, 0, 4 * B, 1);	 /* 6: devdax: untouched */
	d->mode = NSA_DAX_DEVDAX;
	nsa_collect_dax_ram_blocks(ctx, s, true);
	CHECK_U64(s->daxdevs[0].total_blocks, 4);
	CHECK_U64(s->daxdevs[0].online_blocks, 4);
	CHECK(s->daxdevs[0].movable);
	CHECK_U64(s->daxdevs[1].total_blocks, 3);
	CHECK(s->daxdevs[1].movable);
	CHECK_U64(s->daxdevs[2].total_blocks, 0);
	CHECK_U64(s->daxdevs[2].online_blocks, 0);
	CHECK(!s->daxdevs[2].movable);
	for (int i = 3; i < 7; i++) {
		CHECK_U64(s->daxdevs[i].total_blocks, (uint64_t)-1);
		CHECK_U64(s->daxdevs[i].online_blocks, (uint64_t)-1);
		CHECK(!s->daxdevs[i].movable);
	}
	/* one block offline, one in Normal: not movable */
	s->blocks[9].state = NSA_BLOCK_OFFLINE;
	nsa_collect_dax_ram_blocks(ctx, s, true);
	CHECK_U64(s->daxdevs[0].total_blocks, 4);
	CHECK_U64(s->daxdevs[0].online_blocks, 3);
	CHECK(!s->daxdevs[0].movable);
	s->blocks[9].state = NSA_BLOCK_ONLINE;
	s->blocks[10].zones = nsa_zones_parse("Normal");
	nsa_collect_dax_ram_blocks(ctx, s, true);
	CHECK_U64(s->daxdevs[0].online_blocks, 4);
	CHECK(!s->daxdevs[0].movable);

	/* a collection without the block table reads the devices' blocks alone, as it has them */
	REQUIRE(nsa_collect_some(ctx, NSA_COLLECT_NO_BLOCKS, &part) == 0);
	CHECK_U64(part->n_blocks, 0);
	part->n_daxdevs = 0;
	ram_dev(part, 9 * B, 2 * B, 1);
	ram_dev(part, 2 * B, B, 0);
	REQUIRE(nsa_collect_dax_blocks(ctx, part, true) == 0);
	REQUIRE(part->n_blocks == 3);
	CHECK_U64(part->blocks[0].index, 2);
	CHECK_U64(part->blocks[0].node, 0);
	CHECK_U64(part->blocks[1].index, 9);
	CHECK_U64(part->blocks[1].node, 1);
	CHECK_U64(part->blocks[1].zones, NSA_ZONE_MOVABLE);
	CHECK_U64(part->blocks[2].index, 10);
	/* each block as the whole table has it, but removability (list -B's alone) */
	REQUIRE(nsa_collect(ctx, &full) == 0);
	for (size_t i = 0; i < part->n_blocks; i++) {
		size_t j = nsa_snapshot_block_from(full, part->blocks[i].index);

		REQUIRE(j < full->n_blocks && full->blocks[j].index == part->blocks[i].index);
		CHECK_U64(part->blocks[i].state, full->blocks[j].state);
		CHECK_U64(part->blocks[i].node, full->blocks[j].node);
		CHECK_U64(part->blocks[i].zones, full->blocks[j].zones);
	}
	nsa_snapshot_free(full);
	/* an unknown address: every block is needed */
	ram_dev(part, 0, B, 1);
	CHECK(nsa_collect_dax_blocks(ctx, part, true) == 1);
	nsa_snapshot_free(s);
	nsa_snapshot_free(part);
	nsa_unref(ctx);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
