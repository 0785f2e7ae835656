// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cross-boot state store: round trip, bounded history, a write stopped
 * at every step (by an error, by a simulated crash, and by a real SIGKILL)
 * leaves the old state or the new one, damaged files are kept aside, a
 * newer schema is left alone, and the lock serializes runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "libnsalign.h"
#include "nd.h"
#include "private.h"
#include "test.h"

static const char *const steps[] = { "create", "write", "fsync", "rename", "fsync-dir" };

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/nsalign-state-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

static void rmrf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

static struct nsa_snapshot *layout(const char *boot_id, uint64_t spa)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	struct nsa_region *r = nsa_snapshot_add_region(s);
	struct nsa_namespace *ns = nsa_snapshot_add_namespace(s);
	struct nsa_resource *res = nsa_snapshot_add_resource(s);

	snprintf(s->source, sizeof(s->source), "unit test");
	snprintf(s->platform.arch, sizeof(s->platform.arch), "x86_64");
	snprintf(s->platform.kernel_release, sizeof(s->platform.kernel_release), "6.1.0-56-amd64");
	snprintf(s->platform.boot_id, sizeof(s->platform.boot_id), "%s", boot_id);
	s->platform.page_size = 4096;
	s->platform.block_size = 128 * NSA_MiB;
	s->platform.iomem_visible = true;
	nsa_platform_fill_defaults(&s->platform, false);
	snprintf(r->dev, sizeof(r->dev), "region0");
	snprintf(r->provider, sizeof(r->provider), "ACPI.NFIT");
	r->spa_start = spa;
	r->size = 4 * NSA_GiB;
	snprintf(ns->dev, sizeof(ns->dev), "namespace0.0");
	snprintf(ns->region, sizeof(ns->region), "region0");
	snprintf(ns->uuid, sizeof(ns->uuid), "3ca840bd-f6e8-4f4c-8650-61048c3d7d7f");
	ns->mode = NSA_MODE_DEVDAX;
	ns->spa_start = spa;
	ns->size = 2 * NSA_GiB;
	ns->align = NSA_GiB;
	ns->data_start = spa + NSA_GiB;
	ns->data_size = NSA_GiB;
	ns->enabled = true;
	/* what a boot record leaves out */
	res->start = spa;
	res->end = spa + 4 * NSA_GiB - 1;
	res->name = strdup("Persistent Memory");
	nsa_snapshot_add_block(s)->index = 32;
	nsa_snapshot_finish(s);
	return s;
}

/* A state with n records, boot ids "boot-0" ... */
static struct nsa_state *state_with(int n)
{
	struct nsa_state *st = nsa_state_new();

	for (int i = 0; i < n; i++) {
		char id[16];
		struct nsa_snapshot *s;

		snprintf(id, sizeof(id), "boot-%d", i);
		s = layout(id, 0x100000000ULL + (uint64_t)i * 64 * NSA_MiB);
		nsa_state_add(st, s, 1763800000 + i, 0, true, "boot", 100);
		nsa_snapshot_free(s);
	}
	return st;
}

static struct nsa_state *load_ok(struct nsa_ctx *ctx, const char *dir)
{
	struct nsa_state *st = NULL;
	char err[256] = "";
	int r = nsa_state_load(ctx, dir, &st, err, sizeof(err));

	if (r < 0)
		printf("#   load: %s (%d)\n", err, r);
	return st;
}

TEST(round_trip_keeps_layout_not_iomem)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir();
	struct nsa_state *st = state_with(2), *back;
	const struct nsa_boot_record *b;
	struct stat sb;
	char path[512];

	REQUIRE(dir && st);
	CHECK(nsa_state_save(ctx, dir, st) == 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	back = load_ok(ctx, dir);
	REQUIRE(back);
	CHECK(back->damaged_path == NULL);
	CHECK_U64(back->schema, NSA_STATE_SCHEMA);
	REQUIRE(back->n_boots == 2);
	b = nsa_state_baseline(back);
	REQUIRE(b);
	CHECK_STR(b->boot_id, "boot-1");
	CHECK_U64(b->recorded_at, 1763800001);
	CHECK_STR(b->how, "boot");
	REQUIRE(b->layout && b->layout->n_namespaces == 1);
	CHECK_STR(b->layout->namespaces[0].uuid, "3ca840bd-f6e8-4f4c-8650-61048c3d7d7f");
	CHECK_U64(b->layout->namespaces[0].spa_start, 0x104000000ULL);
	CHECK_U64(b->layout->namespaces[0].data_start, 0x144000000ULL);
	CHECK_U64(b->layout->n_iomem, 0);
	CHECK_U64(b->layout->n_blocks, 0);
	nsa_state_free(st);
	nsa_state_free(back);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

TEST(history_is_bounded_and_keeps_the_baseline)
{
	struct nsa_state *st = nsa_state_new();
	struct nsa_snapshot *s = layout("good", 0x100000000ULL);

	nsa_state_add(st, s, 100, 0, true, "record", 5);
	nsa_snapshot_free(s);
	/* eight bad boots after one good one */
	for (int i = 0; i < 8; i++) {
		char id[16];

		snprintf(id, sizeof(id), "bad-%d", i);
		s = layout(id, 0x104000000ULL);
		nsa_state_add(st, s, 200 + i, 2, false, "boot", 5);
		nsa_snapshot_free(s);
	}
	CHECK_U64(st->n_boots, 5);
	REQUIRE(nsa_state_baseline(st));
	CHECK_STR(nsa_state_baseline(st)->boot_id, "good");
	CHECK_STR(st->boots[st->n_boots - 1].boot_id, "bad-7");
	CHECK_STR(st->boots[1].boot_id, "bad-4");
	nsa_state_free(st);
}

TEST(same_boot_replaces_but_never_demotes_a_baseline)
{
	struct nsa_state *st = nsa_state_new();
	struct nsa_snapshot *s = layout("b1", 0x100000000ULL);

	nsa_state_add(st, s, 100, 0, true, "boot", 16);
	nsa_state_add(st, s, 101, 1, true, "boot", 16);
	CHECK_U64(st->n_boots, 1);
	CHECK_U64(st->boots[0].recorded_at, 101);
	/* a failing re-run in the same boot keeps the good record */
	nsa_state_add(st, s, 102, 2, false, "boot", 16);
	CHECK_U64(st->n_boots, 1);
	CHECK_U64(st->boots[0].recorded_at, 101);
	CHECK(st->boots[0].baseline);
	nsa_snapshot_free(s);
	nsa_state_free(st);
}

struct fault {
	const char *step;
	int action; /* negative errno, NSA_FAULT_CRASH, or 2: SIGKILL ourselves */
};

static int fault_hook(void *data, const char *step)
{
	const struct fault *f = data;

	if (strcmp(step, f->step) != 0)
		return 0;
	if (f->action == 2)
		raise(SIGKILL);
	return f->action;
}

/* old (1 record) on disk, a save of new (3 records) stopped at step. */
static void interrupted_save(const char *step, int action)
{
	struct nsa_ctx *ctx = nsa_new();
	struct fault f = { step, action };
	char *dir = tmpdir();
	struct nsa_state *old = state_with(1), *new = state_with(3), *back;
	int r = 0;

	REQUIRE(dir);
	REQUIRE(nsa_state_save(ctx, dir, old) == 0);
	nsa_set_fault_hook(ctx, fault_hook, &f);
	if (action == 2) {
		pid_t pid = fork();
		int status = 0;

		if (pid == 0)
			_exit(nsa_state_save(ctx, dir, new) == 0 ? 0 : 1);
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	} else {
		r = nsa_state_save(ctx, dir, new);
		/* after the rename the new state is in place: a positive errno says
		 * only the directory's fsync failed */
		if (strcmp(step, "fsync-dir") == 0 && action < 0)
			CHECK(r == -action);
		else
			CHECK(r < 0);
	}
	nsa_set_fault_hook(ctx, NULL, NULL);

	back = load_ok(ctx, dir);
	REQUIRE(back);
	if (back->damaged_path)
		printf("#   %s/%d: torn state (%s)\n", step, action, back->damage_reason);
	CHECK(back->damaged_path == NULL);
	/* before the rename: the old state; after it: the new one */
	if (strcmp(step, "fsync-dir") == 0)
		CHECK_U64(back->n_boots, 3);
	else
		CHECK_U64(back->n_boots, 1);
	/* an error cleans up after itself; a crash leaves a temp file ... */
	if (action < 0)
		CHECK_U64(count_entries(dir, "state.json.tmp."), 0);
	/* ... which the next save (under the lock) removes */
	CHECK(nsa_state_save(ctx, dir, new) == 0);
	CHECK_U64(count_entries(dir, "state.json.tmp."), 0);
	nsa_state_free(back);
	back = load_ok(ctx, dir);
	CHECK(back && back->n_boots == 3);
	nsa_state_free(back);
	nsa_state_free(old);
	nsa_state_free(new);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

TEST(write_failing_at_every_step_leaves_old_or_new)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		interrupted_save(steps[i], -EIO);
}

TEST(crash_at_every_step_leaves_old_or_new)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		interrupted_save(steps[i], NSA_FAULT_CRASH);
}

TEST(sigkill_at_every_step_leaves_old_or_new)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		interrupted_save(steps[i], 2);
}

static void write_text(const char *dir, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void damaged_case(const char *text, const char *reason_part)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir();
	struct nsa_state *st;
	char kept[4096] = "";
	FILE *f;
	size_t n;

	REQUIRE(dir);
	nsa_set_log_priority(ctx, 0); /* the damage is reported by the caller */
	write_text(dir, text);
	st = load_ok(ctx, dir);
	REQUIRE(st);
	CHECK_U64(st->n_boots, 0);
	REQUIRE(st->damaged_path);
	if (!strstr(st->damage_reason, reason_part))
		printf("#   reason '%s' lacks '%s'\n", st->damage_reason, reason_part);
	CHECK(strstr(st->damage_reason, reason_part) != NULL);
	CHECK(strstr(st->damaged_path, "/state.json.damaged-") != NULL);
	CHECK_U64(count_entries(dir, "state.json.damaged-"), 1);
	CHECK_U64(count_entries(dir, "state.json"), 1); /* only the kept one */
	/* kept byte for byte */
	f = fopen(st->damaged_path, "r");
	REQUIRE(f);
	n = fread(kept, 1, sizeof(kept) - 1, f);
	fclose(f);
	kept[n] = '\0';
	CHECK_STR(kept, text);
	nsa_state_free(st);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

TEST(damaged_files_are_kept_aside)
{
	struct nsa_state *st = state_with(2);
	struct json_object *obj = nsa_state_to_json(st);
	char *whole = strdup(json_object_to_json_string(obj));

	damaged_case("{ \"schema\": 1, \"boots\": [ { \"boot_id\": ", "not JSON");
	damaged_case("", "not JSON");
	damaged_case("[1, 2]", "not a JSON object");
	damaged_case("{ \"schema\": 0, \"boots\": [] }", "schema");
	damaged_case("{ \"schema\": 1 }", "boots");
	damaged_case("{ \"schema\": 1, \"boots\": [ { \"boot_id\": 7 } ] }", "boots[0].boot_id");
	damaged_case("{ \"schema\": 1, \"boots\": [] } trailing", "after the document");
	/* a real file cut in half, as a full disk would */
	whole[strlen(whole) / 2] = '\0';
	damaged_case(whole, "not JSON");
	free(whole);
	json_object_put(obj);
	nsa_state_free(st);
}

TEST(newer_schema_is_left_alone)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir();
	struct nsa_state *st = NULL;
	char err[256] = "";
	const char *text = "{ \"schema\": 99, \"boots\": [] }";

	REQUIRE(dir);
	write_text(dir, text);
	CHECK(nsa_state_load(ctx, dir, &st, err, sizeof(err)) == -EPROTONOSUPPORT);
	CHECK(st == NULL);
	CHECK(strstr(err, "schema 99") != NULL);
	CHECK_U64(count_entries(dir, "state.json.damaged-"), 0);
	CHECK_U64(count_entries(dir, "state.json"), 1);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

TEST(missing_file_is_an_empty_state)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir();
	struct nsa_state *st;

	REQUIRE(dir);
	st = load_ok(ctx, dir);
	REQUIRE(st);
	CHECK_U64(st->n_boots, 0);
	CHECK(st->damaged_path == NULL);
	CHECK(nsa_state_baseline(st) == NULL);
	nsa_state_free(st);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

TEST(read_only_leaves_a_damaged_file_where_it_is)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir(), err[256] = "";
	struct nsa_state *st = NULL;

	REQUIRE(dir);
	nsa_set_log_priority(ctx, 0);
	/* no file: an empty state, as nsa_state_load() */
	REQUIRE(nsa_state_read(ctx, dir, &st, err, sizeof(err)) == 0 && st);
	CHECK_U64(st->n_boots, 0);
	nsa_state_free(st);
	st = NULL;
	/* a damaged one: refused, nothing renamed (nsalignd reads beside the boot check) */
	write_text(dir, "{ \"schema\": 1, \"boots\": [ { \"boot_id\": ");
	CHECK(nsa_state_read(ctx, dir, &st, err, sizeof(err)) == -EBADMSG);
	CHECK(st == NULL);
	CHECK(strstr(err, "is damaged (not JSON") != NULL);
	CHECK_U64(count_entries(dir, "state.json.damaged-"), 0);
	CHECK_U64(count_entries(dir, "state.json"), 1);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

TEST(lock_serializes_runs)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir();
	int to_child[2], to_parent[2], fd = -1, status;
	pid_t pid, holder = 0;
	char c;

	REQUIRE(dir && pipe(to_child) == 0 && pipe(to_parent) == 0);
	pid = fork();
	if (pid == 0) {
		int cfd;
		pid_t h;

		if (nsa_state_lock(ctx, dir, 0, &cfd, &h) < 0)
			_exit(1);
		if (write(to_parent[1], "L", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(1);
		_exit(0); /* exiting drops the lock */
	}
	REQUIRE(read(to_parent[0], &c, 1) == 1);
	CHECK(nsa_state_lock(ctx, dir, 0, &fd, &holder) == -EBUSY);
	CHECK_U64(holder, pid);
	CHECK(nsa_state_lock(ctx, dir, 100, &fd, &holder) == -EBUSY);
	CHECK(write(to_child[1], "U", 1) == 1);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the holder is gone: a waiting run gets it */
	CHECK(nsa_state_lock(ctx, dir, 1000, &fd, &holder) == 0);
	nsa_state_unlock(fd);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

static void read_back(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* repair, then repair --restore in the same second: two backups, neither replaced */
TEST(backups_in_the_same_second_never_replace_each_other)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir();
	char p[3][512], got[64];
	static const char *const what[] = { "first", "second", "third" };

	REQUIRE(dir && ctx);
	for (int i = 0; i < 3; i++)
		CHECK(nsa_nd_backup_save(ctx, dir, "namespace0.0", "u-u-i-d", what[i],
					 strlen(what[i]), p[i], sizeof(p[i])) == 0);
	CHECK(strcmp(p[0], p[1]) != 0 && strcmp(p[1], p[2]) != 0 && strcmp(p[0], p[2]) != 0);
	CHECK_U64(count_entries(dir, "namespace0.0-u-u-i-d-"), 3);
	for (int i = 0; i < 3; i++) {
		read_back(p[i], got, sizeof(got));
		CHECK_STR(got, what[i]);
	}
	/* a file already at the name is never replaced */
	CHECK(nsa_write_file_new(ctx, p[0], "x", 1, 0600) == -EEXIST);
	read_back(p[0], got, sizeof(got));
	CHECK_STR(got, "first");
	CHECK_U64(count_entries(dir, "namespace0.0-u-u-i-d-"), 3); /* no temp file left */
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

/* A 2 KB state whose records each declare 2^20 memory blocks: layouts have none, none is read. */
TEST(memory_blocks_in_a_record_are_not_read)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir(), *text = NULL;
	struct nsa_state *st;
	size_t len = 0;
	FILE *f;

	REQUIRE(dir && ctx);
	f = open_memstream(&text, &len);
	REQUIRE(f);
	fputs("{ \"schema\": 1, \"boots\": [", f);
	for (int i = 0; i < 16; i++)
		fprintf(f,
			"%s{ \"boot_id\": \"b%d\", \"recorded_at\": 1, \"baseline\": true, "
			"\"result\": 0, \"layout\": { \"schema\": 1, \"platform\": {}, "
			"\"memory\": { \"blocks\": [ { \"first\": 0, \"count\": 1048576 } ] } } }",
			i ? ", " : "", i);
	fputs("] }", f);
	fclose(f);
	CHECK(len < 4096);
	write_text(dir, text);
	st = load_ok(ctx, dir);
	REQUIRE(st);
	CHECK(st->damaged_path == NULL);
	CHECK_U64(st->n_boots, 16);
	for (size_t i = 0; i < st->n_boots; i++)
		CHECK_U64(st->boots[i].layout->n_blocks, 0);
	nsa_state_free(st);
	free(text);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

/* A layout the next load would refuse is never recorded: the state stays as it was. */
TEST(a_record_that_would_not_read_back_is_not_added)
{
	struct nsa_state *st = state_with(2);
	struct nsa_snapshot *s = layout("boot-bad", 0x100000000ULL);
	char why[256] = "";

	REQUIRE(st && s);
	s->platform.block_size = 3 * NSA_MiB; /* as a snapshot's memory.block_size once made it */
	CHECK(nsa_snapshot_readable(s, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "power of two") != NULL);
	CHECK(nsa_state_add(st, s, 1763900000, 0, true, "record", 16) == -EINVAL);
	CHECK(strstr(st->refused, "power of two") != NULL);
	CHECK_U64(st->n_boots, 2);
	CHECK_STR(nsa_state_baseline(st)->boot_id, "boot-1");
	s->platform.block_size = 128 * NSA_MiB;
	CHECK(nsa_snapshot_readable(s, NULL, 0) == 0);
	nsa_snapshot_free(s);
	nsa_state_free(st);
}

/* One bad record costs that record: the baseline and the rest of the history stay. */
TEST(a_bad_record_costs_that_record_only)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir();
	struct nsa_state *st = state_with(3), *back;
	struct json_object *obj = nsa_state_to_json(st), *rec, *layout_o, *platform;
	char *text;

	REQUIRE(dir && ctx && obj);
	/* boots[1]'s block_size is not a power of two */
	rec = json_object_array_get_idx(json_object_object_get(obj, "boots"), 1);
	layout_o = json_object_object_get(rec, "layout");
	platform = json_object_object_get(layout_o, "platform");
	json_object_object_add(platform, "block_size", json_object_new_int64(3 << 20));
	text = strdup(json_object_to_json_string(obj));
	write_text(dir, text);
	nsa_set_log_priority(ctx, 0);
	back = load_ok(ctx, dir);
	REQUIRE(back);
	CHECK_U64(back->n_boots, 2);
	CHECK_U64(back->records_dropped, 1);
	CHECK_STR(back->boots[0].boot_id, "boot-0");
	CHECK_STR(back->boots[1].boot_id, "boot-2");
	CHECK(nsa_state_baseline(back) == &back->boots[1]);
	/* the file is still kept aside, byte for byte, and says which record */
	REQUIRE(back->damaged_path);
	CHECK(strstr(back->damage_reason, "boots[1].layout: platform") != NULL);
	CHECK_U64(count_entries(dir, "state.json.damaged-"), 1);
	nsa_state_free(back);
	free(text);
	json_object_put(obj);
	nsa_state_free(st);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

static int count_fsync_parent(void *data, const char *step)
{
	if (strcmp(step, "fsync-parent") == 0)
		(*(int *)data)++;
	return 0;
}

/* Each backup directory made for a backup is fsynced into its parent; existing ones are not. */
TEST(new_backup_directories_are_fsynced_into_their_parents)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir(), sub[512], sub2[512], path[600];
	int n = 0;

	REQUIRE(dir && ctx);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	snprintf(sub2, sizeof(sub2), "%s/a/backup", dir);
	nsa_set_fault_hook(ctx, count_fsync_parent, &n);
	CHECK(nsa_nd_backup_save(ctx, sub2, "namespace0.0", "", "x", 1, path, sizeof(path)) == 0);
	CHECK(n == 2); /* a, then a/backup */
	unlink(path);
	n = 0;
	CHECK(nsa_nd_backup_save(ctx, sub2, "namespace0.0", "", "x", 1, path, sizeof(path)) == 0);
	CHECK(n == 0);
	unlink(path);
	rmdir(sub2);
	/* a parent that cannot be synced: no backup, so nothing is overwritten after it */
	{
		struct fault f = { "fsync-parent", -EIO };

		nsa_set_fault_hook(ctx, fault_hook, &f);
		CHECK(nsa_nd_backup_save(ctx, sub2, "namespace0.0", "", "x", 1, path,
					 sizeof(path)) == -EIO);
	}
	nsa_set_fault_hook(ctx, NULL, NULL);
	rmdir(sub2);
	rmdir(sub);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

/* A state file written before host_id: read, and its raw machine-id not written again. */
TEST(machine_id_of_older_state_files_is_read_and_dropped)
{
	struct nsa_ctx *ctx = nsa_new();
	char *dir = tmpdir(), path[512], text[4096] = "";
	struct nsa_state *st;
	FILE *f;
	size_t n;

	REQUIRE(dir && ctx);
	write_text(dir, "{ \"schema\": 1, \"boots\": [ { \"boot_id\": \"b0\", \"recorded_at\": 1, "
			"\"baseline\": true, \"result\": 0, \"layout\": { \"schema\": 1, "
			"\"platform\": { \"arch\": \"x86_64\", "
			"\"machine_id\": \"0123456789abcdef0123456789abcdef\" } } } ] }");
	st = load_ok(ctx, dir);
	REQUIRE(st);
	CHECK(st->damaged_path == NULL);
	REQUIRE(st->n_boots == 1);
	CHECK_STR(st->boots[0].layout->platform.arch, "x86_64");
	CHECK_STR(st->boots[0].layout->platform.host_id, "");
	CHECK(nsa_state_save(ctx, dir, st) == 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "r");
	REQUIRE(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	CHECK(strstr(text, "\"b0\"") && !strstr(text, "0123456789abcdef"));
	nsa_state_free(st);
	rmrf(dir);
	free(dir);
	nsa_unref(ctx);
}

/* The rescue's record: raw_uuid and RFC 3339 as everywhere; the older uuid and seconds read too. */
TEST(rescue_state_names_raw_uuid_and_reads_the_old_form)
{
	struct nsa_rescue_state st = { .dev = "namespace0.0",
				       .uuid = "0b8a2f1e-7c55-4f6e-9d3a-5b2c1e0f4a77",
				       .blockdev = "pmem0",
				       .loopdev = "/dev/loop0",
				       .data_offset = 2097152,
				       .data_size = 1071644672,
				       .rescued_at = 1796310057 },
				back;
	struct json_object *o = nsa_rescue_state_to_json(&st), *v;
	const char *text;

	REQUIRE(o);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	CHECK(strstr(text, "\"raw_uuid\":\"0b8a2f1e-7c55-4f6e-9d3a-5b2c1e0f4a77\""));
	CHECK(strstr(text, "\"rescued_at\":\"2026-12-03T15:00:57Z\""));
	CHECK(strncmp(text, "{\"schema\":2,", 12) == 0);
	CHECK(!strstr(text, "\"uuid\"") && !strstr(text, "\"time\"") && !strstr(text, "\"size\""));
	CHECK(nsa_rescue_state_from_json(o, &back) == 0);
	CHECK_STR(back.dev, st.dev);
	CHECK_STR(back.uuid, st.uuid);
	CHECK_STR(back.blockdev, st.blockdev);
	CHECK_STR(back.loopdev, st.loopdev);
	CHECK_U64(back.data_offset, st.data_offset);
	CHECK_U64(back.data_size, st.data_size);
	CHECK(back.rescued_at == st.rescued_at);
	json_object_put(o);
	/* label-less: no raw_uuid, not "" */
	st.uuid[0] = '\0';
	o = nsa_rescue_state_to_json(&st);
	REQUIRE(o);
	CHECK(!json_object_object_get_ex(o, "raw_uuid", &v));
	json_object_put(o);
	/* the form written before: uuid, offset, size, time in seconds */
	o = json_tokener_parse("{\"dev\":\"namespace1.0\",\"uuid\":\"\",\"blockdev\":\"pmem1\","
			       "\"loop\":\"/dev/loop3\",\"offset\":4096,\"size\":8192,"
			       "\"time\":1796310057}");
	REQUIRE(o);
	CHECK(nsa_rescue_state_from_json(o, &back) == 0);
	CHECK_STR(back.dev, "namespace1.0");
	CHECK_STR(back.uuid, "");
	CHECK_STR(back.loopdev, "/dev/loop3");
	CHECK_U64(back.data_offset, 4096);
	CHECK_U64(back.data_size, 8192);
	CHECK(back.rescued_at == 1796310057);
	json_object_put(o);
	o = json_tokener_parse("[1]");
	CHECK(nsa_rescue_state_from_json(o, &back) == -EINVAL);
	json_object_put(o);
}
