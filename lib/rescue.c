// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Rescue and repair of a namespace the kernel refuses after the platform
 * moved the PMEM (doc/rescue-repair.md; KERNEL-NOTES, "Rescue and repair").
 *
 * The kernel refuses a pfn/dax namespace whose info block asks for an
 * alignment the new placement does not give; the data are intact.  With
 * force_raw set, the pfn, dax and btt probes step aside and the namespace
 * comes up as a raw pmem disk: the info block at 4 KiB, the data at
 * start_pad + dataoff.
 *
 * rescue: that raw disk, made read-only before anything else opens it,
 *   and a read-only loop device over the data area.  Nothing is written
 *   to the media.
 * repair: the info block's align (and checksum) rewritten so that the
 *   placement satisfies it, the old block saved first; the kernel must
 *   then bring the namespace up in its mode, or the old block goes back.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <ndctl/libndctl.h>

#include "private.h"
#include "nd.h"

#define ERR(out, r, ...) nsa_say((out)->error, sizeof((out)->error), r, __VA_ARGS__)

/* ------------------------------------------------------------ finding it */

struct target {
	struct ndctl_ctx *nctx;
	struct ndctl_region *region;
	struct ndctl_namespace *ndns;
	uint8_t *block[2]; /* two info-block buffers, page aligned for O_DIRECT */
};

static void put_target(struct target *t)
{
	ndctl_unref(t->nctx);
	t->nctx = NULL;
	free(t->block[0]);
	t->block[0] = t->block[1] = NULL;
}

/* By device name ("namespace0.1": this boot's) or label uuid (stable). */
static int find_target(struct nsa_ctx *ctx, const char *key, struct target *t,
		       struct nsa_rescue_result *out)
{
	*t = (struct target){ 0 };
	if (nsa_nd_new(ctx, &t->nctx) < 0)
		return ERR(out, -ENODEV,
			   "the nd subsystem is not there (no PMEM, or its driver is not loaded: "
			   "'modprobe nfit' or 'modprobe nd_e820')");
	if (!ndctl_bus_get_first(t->nctx)) {
		put_target(t);
		return ERR(out, -ENODEV,
			   "no nd bus: this machine shows no PMEM (or its driver is not loaded: "
			   "'modprobe nfit' or 'modprobe nd_e820')");
	}
	t->ndns = nsa_nd_namespace(t->nctx, key, &t->region);
	if (!t->ndns) {
		put_target(t);
		return ERR(out, -ENOENT,
			   "no namespace %s ('ndctl list -Ni' lists them; names change across "
			   "boots, uuids do not)",
			   key);
	}
	nsa_strlcpy(out->dev, ndctl_namespace_get_devname(t->ndns), sizeof(out->dev));
	nsa_strlcpy(out->region, ndctl_region_get_devname(t->region), sizeof(out->region));
	nsa_nd_label_uuid(t->ndns, out->uuid);
	out->start = ndctl_namespace_get_resource(t->ndns);
	out->size = ndctl_namespace_get_size(t->ndns);
	if (out->start == ULLONG_MAX) {
		put_target(t);
		return ERR(out, -EACCES,
			   "%s: its physical address is readable by root only: run as root",
			   out->dev);
	}
	return 0;
}

/* What holds the namespace now: "pfn0.1", "dax0.1", "btt0.1", "" (sysfs). */
static void holder_of(const char *dev, char *buf, size_t len)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "/sys/bus/nd/devices/%s", dev);
	if (nsa_sysfs_read(dir, "holder", buf, len) < 0)
		buf[0] = '\0';
}

/* A pfn or dax device holds the namespace and its driver is bound: the kernel took the block. */
static bool kernel_took_it(const char *dev, char *holder, size_t len)
{
	char path[PATH_MAX];

	holder_of(dev, holder, len);
	if (!holder[0])
		return false;
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/driver", holder);
	return access(path, F_OK) == 0;
}

/* ------------------------------------------------------------ the raw disk */

/* Up raw (read-only when ro) with path "/dev/pmemN"; down again on failure. */
static int raw_up(struct nsa_ctx *ctx, struct target *t, bool ro, char *path, size_t len,
		  struct nsa_rescue_result *out)
{
	return nsa_nd_raw_up(ctx, t->ndns, out->dev, ro, path, len, out->blockdev,
			     sizeof(out->blockdev), out->error, sizeof(out->error));
}

/* Disabled, force_raw cleared: as the kernel left it after refusing it. */
static int raw_down(struct target *t, struct nsa_rescue_result *out)
{
	int r = ndctl_namespace_disable_safe(t->ndns);

	if (r < 0)
		return ERR(out, r, "%s: cannot disable it (in use? 'lsblk /dev/%s'): %s", out->dev,
			   out->blockdev, strerror(-r));
	ndctl_namespace_set_raw_mode(t->ndns, 0);
	return 0;
}

/* The 4 KiB at offset 4096 of the raw disk, read or written past the page cache. */
static int block_io(struct nsa_ctx *ctx, const char *path, void *buf, bool write,
		    struct nsa_rescue_result *out)
{
	return nsa_nd_rw(ctx, path, buf, NSA_INFOBLOCK_SIZE, NSA_INFOBLOCK_OFFSET,
			 write ? NSA_ND_WRITE : 0, "infoblock", "the info block", out->error,
			 sizeof(out->error));
}

static void place_of(struct nsa_ctx *ctx, const struct nsa_rescue_result *out,
		     struct nsa_ib_place *p)
{
	struct nsa_snapshot *s = nsa_snapshot_new();

	*p = (struct nsa_ib_place){ .start = out->start, .size = out->size };
	if (!s)
		return;
	nsa_collect_platform(ctx, s);
	p->page_size = s->platform.page_size;
	p->compat_align = s->platform.memremap_compat_align;
	p->pmd_size = s->platform.pmd_size;
	p->pud_size = s->platform.pud_size ? s->platform.pud_size : UINT64_MAX;
	nsa_snapshot_free(s);
}

/*
 * The namespace's info block, read the read-only way.  Leaves the
 * namespace raw and read-only (path) when keep, disabled otherwise.
 */
static int read_block(struct nsa_ctx *ctx, struct target *t, uint8_t *block, bool keep, char *path,
		      size_t len, struct nsa_rescue_result *out)
{
	char why[256];
	int r;

	r = raw_up(ctx, t, true, path, len, out);
	if (r < 0)
		return r;
	r = block_io(ctx, path, block, false, out);
	if (r == 0) {
		r = nsa_infoblock_parse(block, NSA_INFOBLOCK_SIZE, out->uuid, &out->ib, why,
					sizeof(why));
		if (r == -ENODATA)
			ERR(out, r,
			    "%s has no pfn or dax info block: it is a raw namespace, "
			    "nothing stands between you and its data ('ndctl "
			    "enable-namespace %s')",
			    out->dev, out->dev);
		else if (r < 0)
			ERR(out, r, "%s: its info block is not usable: %s", out->dev, why);
	}
	if (r < 0 || !keep)
		raw_down(t, out);
	return r;
}

/*
 * Why a namespace the kernel runs raw did not come up in its mode: 0 when
 * its 4 KiB at 4096 hold no info block, else the parser's reason (a block
 * damaged, e.g. by a write a power cut tore) in why.
 */
static int raw_block_damaged(struct nsa_ctx *ctx, const char *blockdev,
			     struct nsa_rescue_result *out, char *why, size_t len)
{
	struct nsa_rescue_result scratch = *out;
	struct nsa_infoblock ib;
	char path[64];
	void *block = NULL;
	int r;

	snprintf(path, sizeof(path), "/dev/%s", blockdev);
	if (posix_memalign(&block, 4096, NSA_INFOBLOCK_SIZE))
		return 0;
	r = block_io(ctx, path, block, false, &scratch);
	if (r == 0)
		r = nsa_infoblock_classify(block, out->uuid, &ib);
	free(block);
	if (r >= 0)
		return 0;
	nsa_strlcpy(why, ib.damage, len);
	return r;
}

/* Why the namespace needs no rescue, or 0 when it does. */
static int refuse_enabled(struct nsa_ctx *ctx, struct target *t, struct nsa_rescue_result *out,
			  const char *verb)
{
	const char *blk = ndctl_namespace_get_block_device(t->ndns) ?: "?";
	char holder[NSA_DEV_LEN], why[256] = "";

	if (!ndctl_namespace_is_active(t->ndns))
		return 0;
	holder_of(out->dev, holder, sizeof(holder));
	if (ndctl_namespace_get_raw_mode(t->ndns) == 1)
		return ERR(out, -ECANCELED,
			   "%s is rescued already (raw, read-only, /dev/%s): 'nsalign rescue "
			   "--undo %s' first",
			   out->dev, ndctl_namespace_get_block_device(t->ndns) ?: "?", out->dev);
	if (holder[0] && strcmp(verb, "restore") == 0)
		return ERR(out, -ECANCELED,
			   "%s runs as %s: 'ndctl disable-namespace %s' first to put an older "
			   "info block back",
			   out->dev, holder, out->dev);
	if (holder[0])
		return ERR(out, -ECANCELED, "the kernel accepted %s (it runs as %s): nothing to %s",
			   out->dev, holder, verb);
	if (raw_block_damaged(ctx, blk, out, why, sizeof(why)) < 0)
		return ERR(out, -ECANCELED,
			   "%s is enabled raw: its info block does not validate (%s), so the "
			   "kernel did not see it, and /dev/%s is not its data (they start past "
			   "the block): do not write to it. 'ndctl disable-namespace %s', then "
			   "'nsalign repair %s --restore BACKUP --force' puts a saved block back "
			   "(repair saves one first)",
			   out->dev, why, blk, out->dev, out->uuid[0] ? out->uuid : out->dev);
	return ERR(out, -ECANCELED,
		   "%s is enabled raw: the kernel found no info block it refuses, and "
		   "/dev/%s is its data; nothing to %s",
		   out->dev, ndctl_namespace_get_block_device(t->ndns) ?: "?", verb);
}

/*
 * What rescue, repair and restore start with: the namespace, refused when
 * the kernel runs it (verb says for what), and the two block buffers.
 * On error nothing is held.
 */
static int begin(struct nsa_ctx *ctx, const char *key, const char *verb, struct target *t,
		 struct nsa_rescue_result *out)
{
	void *mem = NULL;
	int r = find_target(ctx, key, t, out);

	if (r < 0)
		return r;
	r = refuse_enabled(ctx, t, out, verb);
	if (r == 0 && posix_memalign(&mem, 4096, 2 * NSA_INFOBLOCK_SIZE))
		r = ERR(out, -ENOMEM, "out of memory");
	if (r < 0) {
		put_target(t);
		return r;
	}
	t->block[0] = mem;
	t->block[1] = t->block[0] + NSA_INFOBLOCK_SIZE;
	return 0;
}

/* ------------------------------------------------------------ loop device */

const char *nsa_rescue_mount_options(const char *fstype)
{
	/* read-only, and no journal replay: replaying writes to the device */
	if (!strcmp(fstype, "ext4") || !strcmp(fstype, "ext3"))
		return "ro,noload";
	if (!strcmp(fstype, "xfs"))
		return "ro,norecovery";
	if (!strcmp(fstype, "btrfs"))
		return "ro,rescue=nologreplay";
	return "ro";
}

/* ------------------------------------------------------------ state */

static void state_path(const char *run_dir, const struct nsa_rescue_result *out, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%s/rescue/%s.json", run_dir, out->uuid[0] ? out->uuid : out->dev);
}

static void put_str(struct json_object *o, const char *key, const char *v)
{
	if (v[0]) /* unknown: absent */
		json_object_object_add(o, key, json_object_new_string(v));
}

struct json_object *nsa_rescue_state_to_json(const struct nsa_rescue_state *st)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "schema", json_object_new_int(NSA_RESCUE_STATE_SCHEMA));
	put_str(o, "dev", st->dev);
	put_str(o, "raw_uuid", st->uuid);
	put_str(o, "blockdev", st->blockdev);
	put_str(o, "loop", st->loopdev);
	json_object_object_add(o, "data_offset", json_object_new_uint64(st->data_offset));
	json_object_object_add(o, "data_size", json_object_new_uint64(st->data_size));
	if (st->rescued_at)
		json_object_object_add(o, "rescued_at", nsa_time_to_json(st->rescued_at));
	return o;
}

static void get_str(struct json_object *o, const char *key, const char *old, char *buf, size_t len)
{
	struct json_object *v;

	if ((json_object_object_get_ex(o, key, &v) ||
	     (old && json_object_object_get_ex(o, old, &v))) &&
	    json_object_is_type(v, json_type_string))
		nsa_strlcpy(buf, json_object_get_string(v), len);
}

static void get_u64(struct json_object *o, const char *key, const char *old, uint64_t *out)
{
	struct json_object *v;

	if ((json_object_object_get_ex(o, key, &v) || json_object_object_get_ex(o, old, &v)) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0)
		*out = json_object_get_uint64(v);
}

int nsa_rescue_state_from_json(struct json_object *o, struct nsa_rescue_state *st)
{
	struct json_object *v;

	*st = (struct nsa_rescue_state){ 0 };
	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	/* schema 1: "uuid", "offset", "size", "time" in seconds */
	get_str(o, "dev", NULL, st->dev, sizeof(st->dev));
	get_str(o, "raw_uuid", "uuid", st->uuid, sizeof(st->uuid));
	get_str(o, "blockdev", NULL, st->blockdev, sizeof(st->blockdev));
	get_str(o, "loop", NULL, st->loopdev, sizeof(st->loopdev));
	get_u64(o, "data_offset", "offset", &st->data_offset);
	get_u64(o, "data_size", "size", &st->data_size);
	if ((json_object_object_get_ex(o, "rescued_at", &v) ||
	     json_object_object_get_ex(o, "time", &v)) &&
	    nsa_time_from_json(v, &st->rescued_at) < 0)
		st->rescued_at = 0;
	return st->dev[0] ? 0 : -EINVAL;
}

static void save_state(struct nsa_ctx *ctx, const char *run_dir,
		       const struct nsa_rescue_result *out)
{
	struct nsa_rescue_state st = { .data_offset = out->data_offset,
				       .data_size = out->data_size,
				       .rescued_at = (int64_t)time(NULL) };
	struct json_object *o;
	char path[PATH_MAX];
	const char *text;

	nsa_strlcpy(st.dev, out->dev, sizeof(st.dev));
	nsa_strlcpy(st.uuid, out->uuid, sizeof(st.uuid));
	nsa_strlcpy(st.blockdev, out->blockdev, sizeof(st.blockdev));
	nsa_strlcpy(st.loopdev, out->loopdev, sizeof(st.loopdev));
	o = nsa_rescue_state_to_json(&st);
	if (!o)
		return;
	snprintf(path, sizeof(path), "%s/rescue", run_dir);
	nsa_mkdir_p(path, 0755);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	state_path(run_dir, out, path, sizeof(path));
	if (nsa_write_file_atomic(ctx, path, text, strlen(text), 0644) < 0)
		dbg(ctx, "%s: not written (undo finds the loop device without it)\n", path);
	json_object_put(o);
}

/* ------------------------------------------------------------ rescue */

static void data_area(struct nsa_rescue_result *out)
{
	uint64_t head = (uint64_t)out->ib.start_pad + out->ib.dataoff;
	uint64_t tail = out->ib.end_trunc;

	out->data_offset = head;
	out->data_size = out->size > head + tail ? out->size - head - tail : 0;
}

int nsa_rescue(struct nsa_ctx *ctx, const char *key, const char *run_dir,
	       struct nsa_rescue_result *out)
{
	struct nsa_ib_place p;
	struct target t;
	char path[64], label[64];
	int r;

	*out = (struct nsa_rescue_result){ 0 };
	r = begin(ctx, key, "rescue", &t, out);
	if (r < 0)
		return r;
	r = read_block(ctx, &t, t.block[0], true, path, sizeof(path), out);
	if (r < 0)
		goto out;
	place_of(ctx, out, &p);
	if (nsa_infoblock_check(&out->ib, &p, out->refusal, sizeof(out->refusal)) == 0) {
		r = ERR(out, -ECANCELED,
			"the kernel accepts %s's info block where the namespace is now: nothing to "
			"rescue ('ndctl enable-namespace %s')",
			out->dev, out->dev);
		raw_down(&t, out);
		goto out;
	}
	data_area(out);
	if (!out->data_size) {
		r = ERR(out, -EBADMSG, "%s: its info block leaves no data (dataoff %#" PRIx64 ")",
			out->dev, out->ib.dataoff);
		raw_down(&t, out);
		goto out;
	}
	snprintf(label, sizeof(label), "nsalign-rescue %s", out->dev);
	r = nsa_loop_attach(ctx, path, out->data_offset, out->data_size, label, out->loopdev,
			    sizeof(out->loopdev), out->error, sizeof(out->error));
	if (r < 0) {
		raw_down(&t, out);
		goto out;
	}
	if (!nsa_infoblock_is_devdax(&out->ib))
		nsa_loop_fstype(out->loopdev, out->fstype, sizeof(out->fstype));
	save_state(ctx, run_dir, out);
	info(ctx, "%s: rescued read-only as %s\n", out->dev, out->loopdev);
out:
	put_target(&t);
	return r;
}

/* What the rescue recorded (either schema), for the debug log: sysfs is what undo follows. */
static void log_state(struct nsa_ctx *ctx, const char *path)
{
	struct json_object *o = json_object_from_file(path);
	struct nsa_rescue_state st;

	if (o && nsa_rescue_state_from_json(o, &st) == 0)
		dbg(ctx,
		    "%s: %s rescued at %" PRId64 " as %s (offset %" PRIu64 ", %" PRIu64 " bytes)\n",
		    path, st.dev, st.rescued_at, st.loopdev[0] ? st.loopdev : "no loop device",
		    st.data_offset, st.data_size);
	json_object_put(o);
}

int nsa_rescue_undo(struct nsa_ctx *ctx, const char *key, const char *run_dir,
		    struct nsa_rescue_result *out)
{
	char loops[8][32], path[PATH_MAX];
	struct target t;
	int r, n;

	*out = (struct nsa_rescue_result){ 0 };
	r = find_target(ctx, key, &t, out);
	if (r < 0)
		return r;
	if (!ndctl_namespace_is_active(t.ndns) || ndctl_namespace_get_raw_mode(t.ndns) != 1) {
		r = ERR(out, -ECANCELED,
			"%s is not rescued (not enabled with force_raw): nothing "
			"to undo",
			out->dev);
		goto out;
	}
	nsa_strlcpy(out->blockdev, ndctl_namespace_get_block_device(t.ndns) ?: "",
		    sizeof(out->blockdev));
	snprintf(path, sizeof(path), "/dev/%s", out->blockdev);
	n = nsa_loop_find(path, loops, 8);
	for (int i = 0; i < n; i++) { /* all or nothing: refuse before detaching any */
		if (nsa_loop_busy(loops[i])) {
			r = ERR(out, -EBUSY,
				"%s (%s's data) is mounted or in use: umount it first ('findmnt "
				"%s')",
				loops[i], out->dev, loops[i]);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		r = nsa_loop_detach(loops[i], out->error, sizeof(out->error));
		if (r < 0)
			goto out;
		nsa_strlcpy(out->loopdev, loops[i], sizeof(out->loopdev));
	}
	r = raw_down(&t, out);
	if (r < 0)
		goto out;
	state_path(run_dir, out, path, sizeof(path));
	log_state(ctx, path);
	unlink(path);
	info(ctx, "%s: rescue undone\n", out->dev);
out:
	put_target(&t);
	return r;
}

/* ------------------------------------------------------------ repair */

static int save_backup(struct nsa_ctx *ctx, const char *dir, const struct nsa_rescue_result *out,
		       const uint8_t *block, char *path, size_t len)
{
	return nsa_nd_backup_save(ctx, dir, out->dev, out->uuid, block, NSA_INFOBLOCK_SIZE, path,
				  len);
}

/*
 * Write block, read it back, and hand the namespace to the kernel: true
 * when it comes up in its mode (holder bound), accepted == false otherwise.
 */
static int write_and_enable(struct nsa_ctx *ctx, struct target *t, const uint8_t *block,
			    struct nsa_rescue_result *out)
{
	uint8_t *back = NULL;
	char path[64], holder[NSA_DEV_LEN], why[256];
	struct nsa_infoblock check;
	int r;

	if (posix_memalign((void **)&back, 4096, NSA_INFOBLOCK_SIZE))
		return ERR(out, -ENOMEM, "out of memory");
	r = raw_up(ctx, t, false, path, sizeof(path), out);
	if (r < 0)
		goto out;
	memcpy(back, block, NSA_INFOBLOCK_SIZE);
	r = block_io(ctx, path, back, true, out);
	if (r == 0)
		r = block_io(ctx, path, back, false, out);
	if (r == 0 && memcmp(back, block, NSA_INFOBLOCK_SIZE) != 0)
		r = ERR(out, -EIO, "%s: the info block read back differs from what was written",
			path);
	if (r == 0 &&
	    nsa_infoblock_parse(back, NSA_INFOBLOCK_SIZE, out->uuid, &check, why, sizeof(why)) < 0)
		r = ERR(out, -EIO, "%s: the info block read back does not validate: %s", path, why);
	if (raw_down(t, out) < 0 && r == 0)
		r = -EBUSY;
	if (r < 0)
		goto out;
	out->written = true;
	/*
	 * The namespace's own probe returns -ENXIO when a pfn or dax device
	 * claims it, and that device is registered asynchronously: whatever
	 * the enable returns, wait for the bus's probes, then look at what
	 * holds the namespace and whether a driver took that.
	 */
	if (nsa_fault(ctx, "enable") == 0)
		ndctl_namespace_enable(t->ndns);
	ndctl_bus_wait_probe(ndctl_region_get_bus(t->region));
	out->accepted = kernel_took_it(out->dev, holder, sizeof(holder));
	if (out->accepted) {
		nsa_strlcpy(out->holder, holder, sizeof(out->holder));
	} else {
		/* refused (disabled), or up raw (it did not see the block): down again */
		nsa_nd_raw_off(t->ndns);
	}
	r = 0;
out:
	free(back);
	return r;
}

/* The lowest power of two the data start does not satisfy: a block the kernel refuses. */
static uint64_t wrong_align(const struct nsa_rescue_result *out)
{
	uint64_t data = out->start + out->ib.start_pad + out->ib.dataoff, a = 4096;

	while (a < (1ULL << 40) && data % a == 0)
		a <<= 1;
	return a;
}

int nsa_repair(struct nsa_ctx *ctx, const char *key, uint64_t max_align, unsigned flags,
	       const char *backup_dir, struct nsa_rescue_result *out)
{
	struct nsa_infoblock ib;
	struct nsa_ib_place p;
	struct target t;
	char path[64], why[512];
	uint8_t *old, *fixed;
	int r;

	*out = (struct nsa_rescue_result){ 0 };
	r = begin(ctx, key, "repair", &t, out);
	if (r < 0)
		return r;
	old = t.block[0];
	fixed = t.block[1];
	r = read_block(ctx, &t, old, false, path, sizeof(path), out);
	if (r < 0)
		goto out;
	place_of(ctx, out, &p);
	data_area(out);
	if (nsa_infoblock_check(&out->ib, &p, out->refusal, sizeof(out->refusal)) == 0) {
		r = ERR(out, -ECANCELED,
			"the kernel accepts %s's info block where the namespace is now: nothing to "
			"repair ('ndctl enable-namespace %s')",
			out->dev, out->dev);
		goto out;
	}
	r = nsa_repair_align(&out->ib, &p, max_align, &out->new_align, why, sizeof(why));
	if (r < 0) {
		r = ERR(out, -ERANGE,
			"%s cannot be repaired: %s. Its data are intact: 'nsalign rescue %s' "
			"gives them back read-only",
			out->dev, why, out->uuid[0] ? out->uuid : out->dev);
		goto out;
	}
	if (flags & NSA_REPAIR_DRY_RUN)
		goto out;
	if (!(flags & NSA_REPAIR_FORCE)) {
		r = ERR(out, -ECANCELED,
			"%s: rewriting its info block needs --force (the plan is above; the old "
			"block is saved first)",
			out->dev);
		goto out;
	}
	r = save_backup(ctx, backup_dir, out, old, out->backup, sizeof(out->backup));
	if (r < 0) {
		r = ERR(out, r,
			"%s: cannot save the old info block there first: %s; nothing "
			"changed",
			backup_dir, strerror(-r));
		out->backup[0] = '\0';
		goto out;
	}
	ib = out->ib;
	ib.align = (uint32_t)(nsa_fault(ctx, "repair-align") ? wrong_align(out) : out->new_align);
	memcpy(fixed, old, NSA_INFOBLOCK_SIZE);
	nsa_infoblock_serialize(&ib, fixed);
	r = write_and_enable(ctx, &t, fixed, out);
	if (r == 0 && out->accepted) {
		info(ctx, "%s: repaired, align %#" PRIx64 ", up as %s\n", out->dev, out->new_align,
		     out->holder);
		goto out;
	}
	/* refused (or failed half way): the old block goes back */
	{
		char first[sizeof(out->error)];
		bool was_written = out->written;

		if (r == 0)
			snprintf(first, sizeof(first),
				 "the kernel refused %s with align %#" PRIx32 " (dmesg says why)",
				 out->dev, ib.align);
		else
			nsa_strlcpy(first, out->error, sizeof(first));
		out->error[0] = '\0';
		out->written = false;
		r = write_and_enable(ctx, &t, old, out);
		out->restored = r == 0 && out->written;
		out->written = was_written;
		if (out->restored)
			r = ERR(out, -ENOTRECOVERABLE, "%s; the original info block is back",
				first);
		else {
			char second[sizeof(out->error)];

			nsa_strlcpy(second, out->error[0] ? out->error : strerror(-r),
				    sizeof(second));
			r = ERR(out, -EIO,
				"%s; putting the old info block back failed too: %s. It is saved "
				"in %s: 'nsalign repair %s --restore %s --force'",
				first, second, out->backup, out->dev, out->backup);
		}
	}
out:
	put_target(&t);
	return r;
}

int nsa_repair_restore(struct nsa_ctx *ctx, const char *key, const char *backup, unsigned flags,
		       const char *backup_dir, struct nsa_rescue_result *out)
{
	uint8_t *cur, *want, file[NSA_INFOBLOCK_SIZE];
	struct nsa_infoblock ib;
	struct nsa_ib_place p;
	struct target t;
	char path[64], why[256];
	int r;

	*out = (struct nsa_rescue_result){ 0 };
	/* the backup first: a bad file changes nothing */
	r = nsa_nd_backup_load(backup, file, out->error, sizeof(out->error));
	if (r < 0)
		return r;
	r = begin(ctx, key, "restore", &t, out);
	if (r < 0)
		return r;
	cur = t.block[0];
	want = t.block[1];
	memcpy(want, file, NSA_INFOBLOCK_SIZE);
	r = nsa_infoblock_parse(want, NSA_INFOBLOCK_SIZE, out->uuid, &ib, why, sizeof(why));
	if (r < 0) {
		r = ERR(out, r, "%s: not an info block of %s: %s; nothing changed", backup,
			out->dev, why);
		goto out;
	}
	out->ib = ib;
	out->new_align = nsa_infoblock_effective_align(&ib);
	place_of(ctx, out, &p);
	data_area(out);
	if (nsa_infoblock_check(&ib, &p, out->refusal, sizeof(out->refusal)) < 0)
		info(ctx, "%s: the kernel will refuse the restored block here: %s\n", out->dev,
		     out->refusal);
	if (flags & NSA_REPAIR_DRY_RUN)
		goto out;
	if (!(flags & NSA_REPAIR_FORCE)) {
		r = ERR(out, -ECANCELED, "%s: writing %s back needs --force", out->dev, backup);
		goto out;
	}
	/* the block there now is saved too: a restore can be undone */
	r = raw_up(ctx, &t, true, path, sizeof(path), out);
	if (r == 0) {
		r = block_io(ctx, path, cur, false, out);
		raw_down(&t, out);
	}
	if (r == 0)
		r = save_backup(ctx, backup_dir, out, cur, out->backup, sizeof(out->backup));
	if (r < 0) {
		char why_save[sizeof(out->error)];

		nsa_strlcpy(why_save, out->error[0] ? out->error : strerror(-r), sizeof(why_save));
		r = ERR(out, r, "%s: cannot save the current block first (%s); nothing changed",
			out->dev, why_save);
		goto out;
	}
	r = write_and_enable(ctx, &t, want, out);
out:
	put_target(&t);
	return r;
}
