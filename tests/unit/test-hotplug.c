// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory hotplug accounting and the per-block actions.  The kmem numbers
 * are the VM lab's (tests/fixtures/lab-kmem-devdax.json: dax0.0 at
 * 0x105200000, 1006 MiB; the kernel onlined 0x108000000-0x13fffffff).  The
 * block actions run on a sysfs tree of plain files: they prove which files
 * are written and in which order, not what the kernel does (the VM lab's
 * reconfigure-kmem scenario does that).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libnsalign.h"
#include "private.h"
#include "analyze.h"
#include "fixtures.h"
#include "fake-tree.h"
#include "test.h"

#define M NSA_MiB

TEST(kmem_plan_matches_the_lab)
{
	struct nsa_snapshot *s = load("lab-kmem-devdax");
	struct nsa_kmem_plan k;

	REQUIRE(s);
	REQUIRE(nsa_kmem_plan(s, "dax0.0", &k) == 0);
	CHECK_U64(k.usable, 939524096);
	CHECK_U64(k.first_block, 0x108000000ULL / (128 * M));
	CHECK_U64(k.n_blocks, 7);
	CHECK_U64(k.lost_head, 0x108000000ULL - 0x105200000ULL);
	CHECK_U64(k.lost_head + k.lost_tail + k.usable, k.size);
	CHECK(!k.memmap_on_memory); /* 6.1: kmem keeps the memmap in RAM */
	CHECK_U64(k.system_ram, k.usable);
	CHECK(nsa_kmem_plan(s, "dax7.0", &k) == -ENODEV);

	/* edited: memory_hotplug.memmap_on_memory alone: 6.1's kmem ignores it */
	s->platform.memmap_on_memory = 1;
	REQUIRE(nsa_kmem_plan(s, "dax0.0", &k) == 0);
	CHECK(!k.memmap_on_memory);
	CHECK_U64(k.system_ram, 939524096);

	/* edited: a 6.8+ kernel's daxX.Y/memmap_on_memory set: 2 MiB of each 128 MiB block */
	snprintf(s->platform.kernel_release, sizeof(s->platform.kernel_release), "6.8.0-1-amd64");
	s->daxdevs[0].memmap_on_memory = true;
	REQUIRE(nsa_kmem_plan(s, "dax0.0", &k) == 0);
	CHECK(k.memmap_on_memory);
	CHECK_U64(k.memmap_bytes, 7 * 2 * M);
	CHECK_U64(k.system_ram, 939524096 - 14 * M);

	/* edited: a device too small for one whole block */
	s->daxdevs[0].size = 100 * M;
	REQUIRE(nsa_kmem_plan(s, "dax0.0", &k) == 0);
	CHECK_U64(k.n_blocks, 0);
	CHECK_U64(k.usable, 0);
	CHECK_U64(k.lost_head, 100 * M);
	nsa_snapshot_free(s);
}

TEST(shared_blocks_have_every_owner_named)
{
	/* the lab's memmap= ranges: 0x138900000-0x13ecfffff and 0x145000000-0x148bfffff */
	struct nsa_snapshot *s = load("lab-legacy-misaligned");
	const char *o[4];

	REQUIRE(s);
	CHECK(nsa_block_owners(s, 33, o, 4) == 1);
	CHECK_STR(o[0], "System RAM");
	REQUIRE(nsa_block_owners(s, 39, o, 4) == 2); /* RAM, then the first range */
	CHECK_STR(o[0], "System RAM");
	CHECK_STR(o[1], "Persistent Memory (legacy)");
	CHECK(nsa_block_owners(s, 40, o, 4) == 2); /* the 60 MiB range, RAM both sides */
	CHECK(nsa_block_owners(s, 41, o, 4) == 2); /* its end */
	CHECK(nsa_block_owners(s, 42, o, 4) == 1);
	nsa_snapshot_free(s);

	/* kmem: the blocks inside belong to the dax device, the edges to the PMEM */
	s = load("lab-kmem-system-ram");
	REQUIRE(s);
	REQUIRE(nsa_block_owners(s, 33, o, 4) == 1);
	CHECK_STR(o[0], "dax0.0");
	REQUIRE(nsa_block_owners(s, 32, o, 4) >= 1); /* 0x100000000: the region's head */
	CHECK(strcmp(o[0], "dax0.0") != 0);
	nsa_snapshot_free(s);
}

/*
 * The analysis walks /proc/iomem once for all blocks (a cursor); a block
 * asked alone walks it whole: both see the same owners, block for block,
 * and an iomem the cursor cannot use (top level out of order) is read whole.
 */
TEST(the_analysis_counts_each_blocks_owners_as_a_lone_lookup_does)
{
	static const char *const names[] = { "lab-legacy-misaligned", "lab-kmem-system-ram",
					     "lab-pmem-pmem-section", "lab-2g-blocks" };

	for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		struct nsa_analysis_opts opts = { .platform_granularity = 64 * NSA_MiB };
		struct nsa_snapshot *s = load(names[f]);
		struct nsa_analysis *a = NULL;
		size_t shared = 0, wrong = 0;
		const char *o[8];

		REQUIRE(s && nsa_analyze(s, &opts, &a) == 0 && a->block_n_owners);
		CHECK(nsa_iomem_top_sorted(s));
		for (size_t i = 0; i < s->n_blocks; i++) {
			int n = nsa_block_owners(s, s->blocks[i].index, o, 4);

			wrong += n != a->block_n_owners[i];
			shared += n > 1;
		}
		CHECK_U64(wrong, 0);
		if (f == 0)
			CHECK(shared >= 3); /* blocks 39, 40, 41 */
		nsa_analysis_free(a);
		nsa_snapshot_free(s);
	}
}

TEST(an_iomem_out_of_order_is_not_walked_with_a_cursor)
{
	struct nsa_analysis_opts opts = { .platform_granularity = 64 * NSA_MiB };
	struct nsa_snapshot *s = load("lab-legacy-misaligned");
	struct nsa_analysis *a = NULL;
	size_t top[2], n = 0, wrong = 0;
	const char *o[8];

	REQUIRE(s);
	for (size_t i = 0; i < s->n_iomem && n < 2; i++)
		if (s->iomem[i].depth == 0)
			top[n++] = i;
	REQUIRE(n == 2);
	/* edited: the second top-level resource starts inside the first */
	s->iomem[top[1]].start = s->iomem[top[0]].start;
	CHECK(!nsa_iomem_top_sorted(s));
	REQUIRE(nsa_analyze(s, &opts, &a) == 0 && a->block_n_owners);
	for (size_t i = 0; i < s->n_blocks; i++)
		wrong += nsa_block_owners(s, s->blocks[i].index, o, 4) != a->block_n_owners[i];
	CHECK_U64(wrong, 0);
	CHECK(a->block_n_owners[0] >= 1);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

static char root[] = "/tmp/nsalign-sysfs-XXXXXX";

static void make_block(uint64_t i, const char *state)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/devices/system/memory/memory%llu", root,
		 (unsigned long long)i);
	mkdir(path, 0755);
	strcat(path, "/state");
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", state);
		fclose(f);
	}
}

static const char *block_file(uint64_t i, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/devices/system/memory/memory%llu/state", root,
		 (unsigned long long)i);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int fail_at_second_write(void *data, const char *step)
{
	int *writes = data;

	if (strcmp(step, "online_movable") != 0)
		return 0;
	return ++*writes == 2 ? -EBUSY : 0;
}

TEST(blocks_are_written_one_by_one_and_only_when_needed)
{
	struct nsa_ctx *ctx = nsa_new();
	struct nsa_block_result r;
	char path[512], buf[32];
	volatile int stop = 0;
	int writes = 0;

	memcpy(root + strlen(root) - 6, "XXXXXX", 6);
	REQUIRE(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/sys", root);
	mkdir(path, 0755);
	strcat(path, "/devices");
	mkdir(path, 0755);
	strcat(path, "/system");
	mkdir(path, 0755);
	strcat(path, "/memory");
	mkdir(path, 0755);
	nsa_set_sysfs_root(ctx, root);
	make_block(33, "offline");
	make_block(34, "online");
	make_block(35, "offline");

	REQUIRE(nsa_blocks_set(ctx, 33, 3, true, NSA_ONLINE_MOVABLE, &stop, NULL, NULL, &r) == 0);
	CHECK_U64(r.changed, 2);
	CHECK_U64(r.already, 1);
	CHECK_STR(block_file(33, buf, sizeof(buf)), "online_movable");
	CHECK_STR(block_file(34, buf, sizeof(buf)), "online"); /* not rewritten */

	/* offline, with a refusal at the second write: stops there, says which */
	make_block(33, "online");
	make_block(34, "online");
	make_block(35, "online");
	REQUIRE(nsa_blocks_set(ctx, 33, 3, false, NSA_ONLINE_DEFAULT, NULL, NULL, NULL, &r) == 0);
	CHECK_U64(r.changed, 3);
	make_block(33, "offline");
	make_block(34, "offline");
	make_block(35, "offline");
	nsa_set_fault_hook(ctx, fail_at_second_write, &writes);
	CHECK(nsa_blocks_set(ctx, 33, 3, true, NSA_ONLINE_MOVABLE, NULL, NULL, NULL, &r) == -EBUSY);
	CHECK_U64(r.failed_block, 34);
	CHECK_U64(r.changed, 1);
	CHECK_STR(block_file(35, buf, sizeof(buf)), "offline"); /* never reached */
	nsa_set_fault_hook(ctx, NULL, NULL);

	/* a stop request is honoured between two blocks */
	stop = 1;
	REQUIRE(nsa_blocks_set(ctx, 33, 3, true, NSA_ONLINE_MOVABLE, &stop, NULL, NULL, &r) == 0);
	CHECK(r.interrupted);
	CHECK_U64(r.changed + r.already, 0);

	/* a block that does not exist */
	CHECK(nsa_blocks_set(ctx, 99, 1, true, NSA_ONLINE_MOVABLE, NULL, NULL, NULL, &r) ==
	      -ENOENT);
	CHECK_U64(r.failed_block, 99);
	nsa_unref(ctx);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		printf("#   could not remove %s\n", root);
}

/* The words written to state files, in order; one word may be refused. */
struct writes {
	char log[256];
	const char *refuse; /* this word fails with -EBUSY */
};

static int record_write(void *data, const char *step)
{
	struct writes *w = data;

	snprintf(w->log + strlen(w->log), sizeof(w->log) - strlen(w->log), "%s ", step);
	return w->refuse && strcmp(step, w->refuse) == 0 ? -EBUSY : 0;
}

TEST(blocks_the_kernel_onlined_are_moved_to_the_zone_asked)
{
	struct nsa_ctx *ctx = nsa_new();
	struct nsa_block_result r;
	struct writes w = { "" };
	char path[512], buf[32];
	uint8_t zone = 0;

	memcpy(root + strlen(root) - 6, "XXXXXX", 6); /* a fresh tree each test */
	REQUIRE(mkdtemp(root));
	nsa_set_sysfs_root(ctx, root);
	tree_mkdirs(root, "/sys/devices/system/memory");
	/* kmem's blocks as Debian's 6.12 leaves them: online in Normal (auto_online_blocks) */
	make_block(33, "online");
	make_block(34, "online");
	make_block(35, "offline");
	tree_put(root, "/sys/devices/system/memory/memory33/valid_zones", "Normal\n");
	tree_put(root, "/sys/devices/system/memory/memory34/valid_zones", "Movable\n");
	tree_put(root, "/sys/devices/system/memory/memory35/valid_zones", "Normal Movable\n");
	REQUIRE(nsa_block_zone(ctx, 33, &zone) == 0);
	CHECK(zone == NSA_ZONE_NORMAL);

	/* Normal: moved (offline, online_movable); Movable: left; offline: onlined */
	nsa_set_fault_hook(ctx, record_write, &w);
	REQUIRE(nsa_blocks_place(ctx, 33, 3, NSA_ONLINE_MOVABLE, NULL, NULL, NULL, &r) == 0);
	CHECK_STR(w.log, "offline online_movable online_movable ");
	CHECK_U64(r.moved, 1);
	CHECK_U64(r.already, 1);
	CHECK_U64(r.changed, 1);
	CHECK_STR(block_file(33, buf, sizeof(buf)), "online_movable");

	/* the kernel refuses Movable: the block goes back online where it was */
	make_block(33, "online");
	w.log[0] = '\0';
	w.refuse = "online_movable";
	CHECK(nsa_blocks_place(ctx, 33, 1, NSA_ONLINE_MOVABLE, NULL, NULL, NULL, &r) == -EBUSY);
	CHECK_STR(w.log, "offline online_movable online_kernel ");
	CHECK_U64(r.failed_block, 33);
	CHECK_STR(block_file(33, buf, sizeof(buf)), "online_kernel");

	/* it cannot be offlined: nothing more is written, it stays online */
	make_block(33, "online");
	w.log[0] = '\0';
	w.refuse = "offline";
	CHECK(nsa_blocks_place(ctx, 33, 1, NSA_ONLINE_MOVABLE, NULL, NULL, NULL, &r) == -EBUSY);
	CHECK_STR(w.log, "offline ");
	CHECK_STR(block_file(33, buf, sizeof(buf)), "online");

	/* Normal asked: a Normal block is where it should be */
	w.log[0] = '\0';
	w.refuse = NULL;
	REQUIRE(nsa_blocks_place(ctx, 33, 1, NSA_ONLINE_KERNEL, NULL, NULL, NULL, &r) == 0);
	CHECK_STR(w.log, "");
	CHECK_U64(r.already, 1);
	nsa_set_fault_hook(ctx, NULL, NULL);
	nsa_unref(ctx);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		printf("#   could not remove %s\n", root);
}

TEST(auto_online_zone_reads_the_running_kernel)
{
	struct nsa_ctx *ctx = nsa_new();
	struct nsa_platform p = { .auto_online_blocks = "online" };
	char path[512];

	memcpy(root + strlen(root) - 6, "XXXXXX", 6);
	REQUIRE(mkdtemp(root));
	nsa_set_sysfs_root(ctx, root);
	nsa_set_proc_root(ctx, root);
	tree_mkdirs(root, "/sys/module/memory_hotplug/parameters");
	tree_mkdirs(root, "/proc");
	tree_put(root, "/proc/cmdline", "console=ttyS0 memory_hotplug.memmap_on_memory=1\n");
	CHECK(nsa_auto_online_zone(ctx, &p) == NSA_ZONE_NORMAL);
	CHECK_STR(nsa_zone_name(nsa_auto_online_zone(ctx, &p)), "Normal");
	tree_put(root, "/proc/cmdline", "console=ttyS0 movable_node\n");
	CHECK(nsa_auto_online_zone(ctx, &p) == NSA_ZONE_MOVABLE);
	tree_put(root, "/sys/module/memory_hotplug/parameters/online_policy", "auto-movable\n");
	CHECK(nsa_auto_online_zone(ctx, &p) == 0);
	CHECK_STR(nsa_zone_name(0), "the kernel's choice");
	snprintf(p.auto_online_blocks, sizeof(p.auto_online_blocks), "offline");
	CHECK(nsa_auto_online_zone(ctx, &p) == NSA_ZONE_NONE);
	nsa_unref(ctx);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		printf("#   could not remove %s\n", root);
}

/*
 * The zones onlining leads to (zones.c).  The zoneinfo is in the kernel's
 * format (a 2 GiB x86_64 guest as the lab boots it: DMA and DMA32, an
 * empty Movable and Device), its numbers made by hand.
 */
static const char zoneinfo[] = "Node 0, zone      DMA\n"
			       "  pages free     3328\n"
			       "        min      31\n"
			       "        present  3998\n"
			       "        managed  3840\n"
			       "Node 0, zone    DMA32\n"
			       "  pages free     401234\n"
			       "        present  520160\n"
			       "        managed  500000\n"
			       "  pagesets\n"
			       "    cpu: 0\n"
			       "              count: 31\n"
			       "Node 0, zone   Normal\n"
			       "        present  0\n"
			       "Node 0, zone  Movable\n"
			       "        present  229376\n"
			       "        managed  229376\n"
			       "Node 0, zone   Device\n"
			       "        present  0\n";

TEST(zone_balance_from_zoneinfo)
{
	struct nsa_zone_balance z = { .known = true, .auto_movable_ratio = -1 };
	struct nsa_ctx *ctx = nsa_new();
	char path[512], line[320];

	CHECK(nsa_zoneinfo_parse(zoneinfo, 4096, &z.kernel_bytes, &z.movable_bytes) == 0);
	CHECK_U64(z.kernel_bytes, (3998ULL + 520160) * 4096);
	CHECK_U64(z.movable_bytes, 896 * M); /* the lab's 7 kmem blocks */
	CHECK(nsa_zoneinfo_parse("nothing\n", 4096, &z.kernel_bytes, &z.movable_bytes) == -ENODATA);

	/* 2 GiB kernel, 896 MiB Movable; 1006 MiB more into Movable: 0.91:1, under 3:1 */
	z.kernel_bytes = 2048 * M;
	z.movable_bytes = 896 * M;
	nsa_zone_balance_after(&z, 896 * M, true, 14 * M);
	CHECK(z.ratio_pct_before == 43 && z.ratio_pct_after == 87);
	CHECK(z.threshold_pct == NSA_AUTO_MOVABLE_RATIO_DEFAULT && !z.beyond);
	nsa_zone_balance_str(&z, line, sizeof(line));
	CHECK(strstr(line, "0.87:1 after it") &&
	      strstr(line, "auto_movable_ratio 301%, the default"));
	CHECK(strstr(line, "memmap takes 14 MiB of RAM") != NULL);
	/* 6 GiB more: 3.43:1, beyond 3:1 */
	nsa_zone_balance_after(&z, 6144 * M, true, 96 * M);
	CHECK(z.ratio_pct_after == 343 && z.beyond);
	nsa_zone_balance_str(&z, line, sizeof(line));
	CHECK(strstr(line, "BEYOND it") != NULL);
	/* into a kernel zone: the ratio falls, no warning */
	nsa_zone_balance_after(&z, 6144 * M, false, 0);
	CHECK(z.ratio_pct_after == 10 && !z.beyond);
	/* a kernel set to 400%: 3.43:1 is within it */
	z.auto_movable_ratio = 400;
	nsa_zone_balance_after(&z, 6144 * M, true, 0);
	CHECK(z.threshold_pct == 400 && !z.beyond);

	/* from the running kernel's files */
	memcpy(root + strlen(root) - 6, "XXXXXX", 6);
	REQUIRE(mkdtemp(root));
	nsa_set_sysfs_root(ctx, root);
	nsa_set_proc_root(ctx, root);
	CHECK(nsa_zone_balance_read(ctx, &z) < 0 && !z.known);
	tree_mkdirs(root, "/sys/module/memory_hotplug/parameters");
	tree_mkdirs(root, "/proc");
	tree_put(root, "/proc/zoneinfo", zoneinfo);
	tree_put(root, "/sys/module/memory_hotplug/parameters/auto_movable_ratio", "301\n");
	CHECK(nsa_zone_balance_read(ctx, &z) == 0 && z.known);
	CHECK(z.auto_movable_ratio == 301 &&
	      z.movable_bytes == 229376ULL * (uint64_t)getpagesize());
	nsa_unref(ctx);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		printf("#   could not remove %s\n", root);
}
