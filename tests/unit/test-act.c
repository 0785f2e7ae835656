// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The acts of memory hotplug (libnsalign-hotplug.h) on the VM lab's
 * snapshots and a sysfs tree of plain files: the one-owner rule, what is
 * refused before anything is written (and the reason given), what is
 * written, and the typed result that says so.  What the kernel does with
 * the writes is the VM lab's (online-memory, reconfigure-kmem).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <json-c/json.h>

#include "libnsalign.h"
#include "private.h"
#include "util/act.h"
#include "util/json.h"
#include "fixtures.h"
#include "fake-tree.h"
#include "test.h"

#define M NSA_MiB

static char root[] = "/tmp/nsalign-act-XXXXXX";

static const char *get(const char *rel, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
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

static void make_block(uint64_t i, const char *state)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "/sys/devices/system/memory/memory%llu", (unsigned long long)i);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s%s", root, rel);
		mkdir(path, 0755);
	}
	strcat(rel, "/state");
	tree_put(root, rel, state);
}

static const char *block(uint64_t i, char *buf, size_t len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "/sys/devices/system/memory/memory%llu/state",
		 (unsigned long long)i);
	return get(rel, buf, len);
}

static struct nsa_ctx *fake_sysfs(void)
{
	static const char *dirs[] = { "/sys", "/sys/devices", "/sys/devices/system",
				      "/sys/devices/system/memory" };
	struct nsa_ctx *ctx = nsa_new();
	char path[512];

	strcpy(root, "/tmp/nsalign-act-XXXXXX");
	if (!ctx || !mkdtemp(root))
		return NULL;
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		mkdir(path, 0755);
	}
	nsa_set_sysfs_root(ctx, root);
	return ctx;
}

static void remove_tree(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("#   could not remove %s\n", root);
}

static void count_planned(void *data)
{
	++*(int *)data;
}

static int busy_at_second_write(void *data, const char *step)
{
	int *writes = data;

	if (strcmp(step, "online_movable") != 0)
		return 0;
	return ++*writes == 2 ? -EBUSY : 0;
}

TEST(one_owner_rule)
{
	struct nsa_snapshot *s = load("lab-legacy-misaligned");
	const char *o[4];
	int n;

	REQUIRE(s);
	CHECK(nsa_block_may_change(s, 33, NULL, o, &n) == NSA_BLOCK_MAY);
	CHECK(nsa_block_may_change(s, 33, "System RAM", o, &n) == NSA_BLOCK_MAY);
	CHECK(nsa_block_may_change(s, 33, "dax0.0", o, &n) == NSA_BLOCK_OTHER_OWNER);
	/* System RAM and a memmap= range: never changed, whoever asks */
	CHECK(nsa_block_may_change(s, 39, NULL, o, &n) == NSA_BLOCK_SHARED);
	CHECK(n == 2);
	CHECK_STR(o[1], "Persistent Memory (legacy)");
	CHECK(nsa_block_may_change(s, 39, "System RAM", o, &n) == NSA_BLOCK_SHARED);
	CHECK(nsa_block_may_change(s, 99, NULL, o, &n) == NSA_BLOCK_NOT_THERE);
	CHECK(n == 0);
	nsa_snapshot_free(s);

	/* kmem: the dax device's blocks are its own */
	s = load("lab-kmem-system-ram");
	REQUIRE(s);
	CHECK(nsa_block_may_change(s, 33, "dax0.0", o, &n) == NSA_BLOCK_MAY);
	CHECK(nsa_block_may_change(s, 33, "System RAM", o, &n) == NSA_BLOCK_OTHER_OWNER);
	CHECK_STR(o[0], "dax0.0");
	CHECK(nsa_block_may_change(s, 5, "dax0.0", o, &n) == NSA_BLOCK_OTHER_OWNER);
	nsa_snapshot_free(s);
}

TEST(memory_set_checks_every_block_first)
{
	struct nsa_ctx *ctx = fake_sysfs();
	struct nsa_snapshot *s = load("lab-legacy-misaligned");
	struct nsa_memory_request req = { .first = 38, .n = 2, .online = false };
	struct nsa_memory_result res;
	int planned = 0;
	struct nsa_act_opts opts = { .planned = count_planned, .data = &planned };
	char buf[64];

	REQUIRE(ctx && s);
	make_block(38, "online");
	make_block(39, "online");
	/* memory39 is shared: refused, nothing written, not even planned */
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_REFUSED);
	CHECK_STR(res.why, "memory39 (0x138000000-0x13fffffff) is shared by System RAM and "
			   "Persistent Memory (legacy): nsalign does not offline a block on "
			   "another owner's behalf; nothing was changed");
	CHECK(act_exit_status(res.status) == EX_CANTCREAT);
	CHECK(!res.applied && planned == 0);
	CHECK_STR(block(38, buf, sizeof(buf)), "online");

	/* a block the snapshot does not have */
	req.first = 55;
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_NOINPUT);
	CHECK_STR(res.why, "memory56 does not exist (see 'nsalign list -B')");
	CHECK(act_exit_status(res.status) == EX_NOINPUT);

	/* a range ending at 2^64 - 1: first + n wraps, and is refused, not skipped */
	req.first = 39;
	req.n = UINT64_MAX - 39 + 1;
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_NOINPUT);
	CHECK_STR(res.why, "memory39-memory18446744073709551615 goes beyond the last memory "
			   "block, memory55 (see 'nsalign list -B'); nothing was changed");
	req.first = 0;
	req.n = 0; /* 0-(2^64 - 1): 2^64 blocks */
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_NOINPUT);
	CHECK(!res.applied && planned == 0);
	req.n = 2;

	/* a dax device that is not there */
	snprintf(req.dax, sizeof(req.dax), "dax3.0");
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_NOINPUT);
	CHECK_STR(res.why, "dax3.0: no such dax device (see 'nsalign list -X')");
	nsa_snapshot_free(s);

	/* a devdax device: not System RAM, nothing to online */
	s = load("lab-kmem-devdax");
	REQUIRE(s);
	snprintf(req.dax, sizeof(req.dax), "dax0.0");
	req.online = true;
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_REFUSED);
	CHECK_STR(res.why, "dax0.0 is devdax, not System RAM: 'nsalign reconfigure dax0.0 --mode "
			   "system-ram' first");
	nsa_snapshot_free(s);

	/* no memory blocks at all */
	s = load("lab-kmem-devdax");
	REQUIRE(s);
	s->platform.block_size = 0;
	req.dax[0] = '\0';
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_UNAVAILABLE);
	CHECK(act_exit_status(res.status) == EX_UNAVAILABLE);
	nsa_snapshot_free(s);
	nsa_unref(ctx);
	remove_tree();
}

TEST(memory_set_writes_and_says_what_it_did)
{
	struct nsa_ctx *ctx = fake_sysfs();
	struct nsa_snapshot *s = load("lab-kmem-system-ram");
	struct nsa_memory_request req = { .dax = "dax0.0", .online = false };
	struct nsa_memory_result res;
	int planned = 0, writes = 0;
	struct nsa_act_opts opts = { .dry_run = true, .planned = count_planned, .data = &planned };
	struct json_object *j;
	char buf[64];

	REQUIRE(ctx && s);
	for (uint64_t i = 33; i <= 39; i++)
		make_block(i, "online");

	/* dry run: the dax device's 7 blocks, planned, nothing written */
	REQUIRE(nsa_memory_set(ctx, s, &req, &opts, &res) == 0);
	CHECK(res.status == NSA_ACT_DONE && planned == 1 && !res.applied);
	CHECK_U64(res.first, 33);
	CHECK_U64(res.n, 7);
	CHECK_U64(res.already, 0); /* the snapshot has them online */
	CHECK_STR(block(33, buf, sizeof(buf)), "online");
	j = act_memory_json(&res);
	CHECK_STR(json_text(j), "{\n  \"first_block\": 33,\n  \"blocks\": 7,\n  \"bytes\": "
				"939524096,\n  \"already\": 0\n}");
	json_object_put(j);

	/* offlined, one block at a time */
	opts.dry_run = false;
	REQUIRE(nsa_memory_set(ctx, s, &req, &opts, &res) == 0);
	CHECK(res.applied);
	CHECK_U64(res.blocks.changed, 7);
	CHECK_STR(block(39, buf, sizeof(buf)), "offline");

	/* online again; the kernel refuses the second write: said, with the count */
	req.online = true;
	req.policy = NSA_ONLINE_MOVABLE;
	nsa_set_fault_hook(ctx, busy_at_second_write, &writes);
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	nsa_set_fault_hook(ctx, NULL, NULL);
	CHECK(res.status == NSA_ACT_REFUSED && res.applied);
	CHECK_U64(res.blocks.failed_block, 34);
	CHECK_STR(res.why, "the kernel refused memory34: Device or resource busy; 1 blocks before "
			   "it were onlined");
	CHECK_STR(block(33, buf, sizeof(buf)), "online_movable");
	CHECK_STR(block(35, buf, sizeof(buf)), "offline");
	nsa_snapshot_free(s);
	nsa_unref(ctx);
	remove_tree();
}

/* offline then online dax0.0's 7 blocks of lab-kmem-system-ram; its kdump verdict */
static void offline_online(struct nsa_ctx *ctx, const struct nsa_snapshot *s,
			   struct nsa_memory_result *res)
{
	struct nsa_memory_request req = { .dax = "dax0.0", .online = false };
	struct nsa_act_opts opts = { 0 };

	nsa_memory_set(ctx, s, &req, &opts, res);
	req.online = true;
	req.policy = NSA_ONLINE_MOVABLE;
	nsa_memory_set(ctx, s, &req, &opts, res);
}

TEST(kdump_after_a_change_of_memory)
{
	struct nsa_ctx *ctx = fake_sysfs();
	struct nsa_snapshot *s = load("lab-kmem-system-ram");
	struct nsa_memory_request req = { .dax = "dax0.0",
					  .online = true,
					  .policy = NSA_ONLINE_MOVABLE };
	struct nsa_act_opts opts = { 0 };
	struct nsa_memory_result res;
	struct json_object *j;
	char text[320];

	REQUIRE(ctx && s);
	for (uint64_t i = 33; i <= 39; i++)
		make_block(i, "online");

	/* no kexec in the kernel (no kexec_crash_loaded), no crash_hotplug: nothing said */
	offline_online(ctx, s, &res);
	CHECK(res.applied && res.kdump.checked && res.kdump.changed);
	CHECK(res.kdump.loaded == -1 && res.kdump.crash_hotplug == -1 && !res.kdump.reload);
	CHECK_STR(nsa_kdump_str(&res.kdump, text, sizeof(text)), "");
	j = act_memory_json(&res);
	CHECK(strstr(json_text(j), "\"kdump\": {\n    \"crash_kernel_loaded\": null,\n    "
				   "\"crash_hotplug\": null,\n    \"reload\": false\n  }") != NULL);
	json_object_put(j);

	/* a crash kernel loaded on a kernel before 6.6 (no crash_hotplug): reload it */
	tree_mkdirs(root, "/sys/kernel");
	tree_put(root, "/sys/kernel/kexec_crash_loaded", "1\n");
	offline_online(ctx, s, &res);
	CHECK(res.kdump.loaded == 1 && res.kdump.crash_hotplug == -1 && res.kdump.reload);
	CHECK(strstr(nsa_kdump_str(&res.kdump, text, sizeof(text)),
		     "(this kernel has no memory/crash_hotplug): reload it (Debian: 'systemctl "
		     "restart kdump-tools'") != NULL);
	j = act_memory_json(&res);
	CHECK(strstr(json_text(j), "\"crash_kernel_loaded\": true,\n    \"crash_hotplug\": "
				   "null,\n    \"reload\": true") != NULL);
	json_object_put(j);

	/* crash_hotplug 0 (loaded by kexec_load() without the flag that allows updates) */
	tree_put(root, "/sys/devices/system/memory/crash_hotplug", "0\n");
	offline_online(ctx, s, &res);
	CHECK(res.kdump.crash_hotplug == 0 && res.kdump.reload);
	CHECK(strstr(nsa_kdump_str(&res.kdump, text, sizeof(text)),
		     "(memory/crash_hotplug is 0): reload it") != NULL);

	/* crash_hotplug 1: the kernel updated it */
	tree_put(root, "/sys/devices/system/memory/crash_hotplug", "1\n");
	offline_online(ctx, s, &res);
	CHECK(res.kdump.crash_hotplug == 1 && !res.kdump.reload);
	CHECK_STR(nsa_kdump_str(&res.kdump, text, sizeof(text)),
		  "kdump: the kernel updated the loaded crash kernel's memory map itself "
		  "(memory/crash_hotplug is 1); nothing to reload");
	j = act_memory_json(&res);
	CHECK(strstr(json_text(j), "\"crash_kernel_loaded\": true,\n    \"crash_hotplug\": "
				   "true,\n    \"reload\": false") != NULL);
	json_object_put(j);

	/* a run that changes nothing (all online already): nothing to reload, nothing said */
	tree_put(root, "/sys/devices/system/memory/crash_hotplug", "0\n");
	for (uint64_t i = 33; i <= 39; i++)
		make_block(i, "online");
	REQUIRE(nsa_memory_set(ctx, s, &req, &opts, &res) == 0);
	CHECK(res.applied && res.blocks.changed == 0 && !res.kdump.changed && !res.kdump.reload);
	CHECK_STR(nsa_kdump_str(&res.kdump, text, sizeof(text)), "");

	/* a crash kernel not loaded: nothing to reload */
	tree_put(root, "/sys/kernel/kexec_crash_loaded", "0\n");
	offline_online(ctx, s, &res);
	CHECK(res.kdump.changed && res.kdump.loaded == 0 && !res.kdump.reload);
	CHECK_STR(nsa_kdump_str(&res.kdump, text, sizeof(text)), "");
	nsa_snapshot_free(s);
	nsa_unref(ctx);
	remove_tree();
}

TEST(offline_refuses_a_block_spanning_zones_or_nodes)
{
	struct nsa_ctx *ctx = fake_sysfs();
	struct nsa_snapshot *s = load("lab-kmem-system-ram");
	struct nsa_memory_request req = { .dax = "dax0.0", .online = false };
	struct nsa_act_opts opts = { 0 };
	struct nsa_memory_result res;
	char buf[64];
	ssize_t at;

	REQUIRE(ctx && s);
	for (uint64_t i = 33; i <= 39; i++)
		make_block(i, "online");
	/* memory35 online with valid_zones "none": the kernel gave it no zone at boot */
	at = nsa_snapshot_block_at(s, 35 * s->platform.block_size);
	REQUIRE(at >= 0);
	s->blocks[at].zones = NSA_ZONE_NONE;
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_REFUSED && !res.applied);
	CHECK_STR(res.why, "memory35 (0x118000000-0x11fffffff) spans two zones or two NUMA nodes "
			   "(its valid_zones says none): the kernel cannot offline it; nothing "
			   "was changed");
	CHECK_STR(block(33, buf, sizeof(buf)), "online"); /* the blocks before it too */
	/* onlining does not mind */
	req.online = true;
	req.policy = NSA_ONLINE_MOVABLE;
	CHECK(nsa_memory_set(ctx, s, &req, &opts, &res) == 0);
	nsa_snapshot_free(s);
	nsa_unref(ctx);
	remove_tree();
}

TEST(probe_checks_the_range_then_writes_each_block)
{
	struct nsa_ctx *ctx = fake_sysfs();
	struct nsa_snapshot *s = load("lab-kmem-system-ram");
	struct nsa_probe_result res;
	int planned = 0;
	struct nsa_act_opts opts = { .planned = count_planned, .data = &planned };
	char buf[64];

	REQUIRE(ctx && s);
	CHECK(nsa_probe(ctx, s, 0x300000000ULL + M, 128 * M, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_USAGE);
	CHECK(act_exit_status(res.status) == EX_USAGE);
	CHECK(nsa_probe(ctx, s, 0x200000000ULL, 256 * M, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_REFUSED);
	CHECK_STR(res.why, "0x200000000-0x20fffffff overlaps Persistent Memory "
			   "(0x104000000-0x203dfffff): nothing was added");
	CHECK(nsa_probe(ctx, s, 0, 128 * M, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_REFUSED);
	/* free, but this kernel has no probe file */
	CHECK(nsa_probe(ctx, s, 0x300000000ULL, 256 * M, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_UNAVAILABLE);
	CHECK(planned == 0);

	tree_put(root, "/sys/devices/system/memory/probe", "");
	opts.dry_run = true;
	REQUIRE(nsa_probe(ctx, s, 0x300000000ULL, 256 * M, &opts, &res) == 0);
	CHECK(planned == 1);
	CHECK_U64(res.n_blocks, 2);
	CHECK_U64(res.added, 0);
	opts.dry_run = false;
	REQUIRE(nsa_probe(ctx, s, 0x300000000ULL, 256 * M, &opts, &res) == 0);
	CHECK_U64(res.added, 2);
	/* one write per block: the file holds the last, written over the first */
	CHECK_STR(get("/sys/devices/system/memory/probe", buf, sizeof(buf)), "0x308000000");
	nsa_snapshot_free(s);
	nsa_unref(ctx);
	remove_tree();
}

TEST(reconfigure_names_a_missing_device)
{
	struct nsa_ctx *ctx = nsa_new();
	struct nsa_reconfigure_result res;
	struct nsa_act_opts opts = { .dry_run = true };

	REQUIRE(ctx);
	CHECK(nsa_reconfigure(ctx, "dax99.9", true, true, NSA_MEMMAP_AS_IS, &opts, &res) == -1);
	CHECK(res.status == NSA_ACT_NOINPUT || res.status == NSA_ACT_FAILED);
	if (res.status == NSA_ACT_NOINPUT)
		CHECK_STR(res.why, "dax99.9: no such dax device (see 'nsalign list -X')");
	CHECK(!res.planned && !res.applied);
	nsa_unref(ctx);
}
