// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A dax device handed to the kernel as System RAM (kmem) or taken back,
 * through libdaxctl, its memory blocks onlined or offlined one at a time.
 * Both ways are all or nothing: when one block cannot be offlined, every
 * block is onlined again and the device stays System RAM; when one cannot
 * be onlined (or moved out of the zone the kernel onlined it into), the
 * device goes back to devdax.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>

#include "act.h"
#include "nd.h"

static struct daxctl_dev *find_dax(struct daxctl_ctx *dctx, const char *name)
{
	struct daxctl_region *region;
	struct daxctl_dev *dev;

	daxctl_region_foreach (dctx, region)
		daxctl_dev_foreach (region, dev)
			if (strcmp(daxctl_dev_get_devname(dev), name) == 0)
				return dev;
	return NULL;
}

/* daxX.Y/memmap_on_memory: 0 or 1, -ENOENT on a kernel without it (before 6.8) */
static int memmap_read(struct nsa_ctx *ctx, const char *dax)
{
	char dir[256], buf[16];
	int r;

	snprintf(dir, sizeof(dir), "%s/sys/bus/dax/devices/%s", nsa_get_sysfs_root(ctx), dax);
	r = nsa_sysfs_read(dir, "memmap_on_memory", buf, sizeof(buf));
	if (r < 0)
		return r;
	return buf[0] == '1' || buf[0] == 'Y' || buf[0] == 'y';
}

static int memmap_write(struct nsa_ctx *ctx, const char *dax, bool on)
{
	char path[300];
	ssize_t n;
	int fd, r = nsa_fault(ctx, "memmap_on_memory");

	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/sys/bus/dax/devices/%s/memmap_on_memory",
		 nsa_get_sysfs_root(ctx), dax);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, on ? "1" : "0", 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* The memmap where the request wants it: refused when the kernel cannot. */
static int memmap_check(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
			enum nsa_memmap_request req, int *now, struct nsa_reconfigure_result *out)
{
	bool want = req == NSA_MEMMAP_DEVICE;

	*now = memmap_read(ctx, dax);
	out->memmap_settable = *now >= 0;
	if (req == NSA_MEMMAP_AS_IS || !out->to_ram)
		return 0;
	if (*now < 0)
		return FAIL(NSA_ACT_UNAVAILABLE,
			    "%s: this kernel cannot place the memmap per device (no "
			    "/sys/bus/dax/devices/%s/memmap_on_memory: kernels from 6.8); nothing "
			    "was changed",
			    dax, dax);
	if (daxctl_dev_get_memory(dev) && *now != want)
		return FAIL(NSA_ACT_REFUSED,
			    "%s is System RAM already, with its memmap in %s: the kernel places "
			    "it only when kmem binds; 'nsalign reconfigure %s --mode devdax' "
			    "first; nothing was changed",
			    dax, *now ? "the device" : "RAM", dax);
	return 0;
}

/*
 * Only what the plan needs (the device's range, the block size, the
 * hotplug policy), not a whole snapshot: this runs once per device when a
 * machine comes up, and must be no slower than daxctl.
 */
static int plan(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
		enum nsa_memmap_request memmap, int *memmap_now, struct nsa_snapshot *s,
		struct nsa_reconfigure_result *out)
{
	struct nsa_daxdev *d;
	unsigned long long res = daxctl_dev_get_resource(dev);
	int r;

	nsa_collect_platform(ctx, s);
	if (memmap_check(ctx, dev, dax, memmap, memmap_now, out) < 0)
		return -1;
	d = nsa_snapshot_add_daxdev(s);
	if (!d)
		return FAIL(NSA_ACT_FAILED, "out of memory");
	nsa_strlcpy(d->dev, dax, sizeof(d->dev));
	d->spa_start = res == ULLONG_MAX ? 0 : res;
	d->size = daxctl_dev_get_size(dev);
	d->memmap_on_memory =
		memmap == NSA_MEMMAP_AS_IS ? *memmap_now == 1 : memmap == NSA_MEMMAP_DEVICE;
	r = nsa_kmem_plan(s, dax, &out->plan);
	if (r < 0 && !d->spa_start)
		return FAIL(NSA_ACT_NOPERM, "%s: its physical address is hidden (run as root)",
			    dax);
	if (out->to_ram && !out->plan.n_blocks)
		return FAIL(NSA_ACT_REFUSED,
			    "%s holds no whole memory block (%" PRIu64 " bytes, blocks of %" PRIu64
			    "): as System RAM it would add nothing; the kernel refuses it",
			    dax, out->plan.size, out->plan.block_size);
	out->kernel_zone = nsa_auto_online_zone(ctx, &s->platform);
	if (out->to_ram && nsa_zone_balance_read(ctx, &out->zones) < 0)
		info(ctx, "no /proc/zoneinfo: the zones it leads to are unknown");
	nsa_zone_balance_after(&out->zones, out->plan.usable, out->movable,
			       out->plan.memmap_on_memory ? 0 : out->plan.memmap_ram_bytes);
	out->planned = true;
	return 0;
}

/*
 * A kernel that onlines new memory itself puts a devdax device's blocks in
 * its zone as kmem binds.  Taken only when that is the zone asked: the lab
 * (Debian's 6.12, kmem-auto-online) saw blocks the kernel had put in a new
 * ZONE_NORMAL hold unmovable kernel pages within the same second, so that
 * moving them to ZONE_MOVABLE, and then taking the device back, failed.
 */
static int kernel_zone_refused(struct daxctl_dev *dev, const char *dax,
			       const struct nsa_snapshot *s, struct nsa_reconfigure_result *out)
{
	uint8_t kz = out->kernel_zone, want = out->movable ? NSA_ZONE_MOVABLE : NSA_ZONE_NORMAL;
	const char *other = kz == NSA_ZONE_MOVABLE  ? "take ZONE_MOVABLE (--movable), or "
			    : kz == NSA_ZONE_NORMAL ? "take ZONE_NORMAL (--no-movable), or "
						    : "";

	if (daxctl_dev_get_memory(dev) || !s->platform.auto_online_blocks[0] ||
	    kz == NSA_ZONE_NONE || kz == want)
		return 0;
	return FAIL(NSA_ACT_REFUSED,
		    "the kernel onlines %s's memory itself (auto_online_blocks=%s) into %s, not "
		    "%s, and blocks it has onlined cannot be moved reliably: %s'echo offline > "
		    "/sys/devices/system/memory/auto_online_blocks' first; nothing was changed",
		    dax, s->platform.auto_online_blocks, nsa_zone_name(kz), nsa_zone_name(want),
		    other);
}

/* How many of the plan's blocks are online in ZONE_MOVABLE (movable) or a kernel zone. */
static uint64_t blocks_in(struct nsa_ctx *ctx, const struct nsa_kmem_plan *k, bool movable)
{
	uint64_t n = 0;

	for (uint64_t i = k->first_block; i < k->first_block + k->n_blocks; i++) {
		enum nsa_block_state st;
		uint8_t zone;

		if (nsa_block_state(ctx, i, &st) == 0 && st == NSA_BLOCK_ONLINE &&
		    nsa_block_zone(ctx, i, &zone) == 0 && !!(zone & NSA_ZONE_MOVABLE) == movable)
			n++;
	}
	return n;
}

/*
 * A block could not be put where asked: a device that was devdax goes back
 * to devdax (its memmap setting too); else, or when a block cannot be
 * offlined, every block is online again.
 */
static int to_ram_failed(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
			 bool was_devdax, int memmap_was, struct nsa_reconfigure_result *out)
{
	const struct nsa_kmem_plan *k = &out->plan;
	enum nsa_online_policy pol = out->movable ? NSA_ONLINE_MOVABLE : NSA_ONLINE_KERNEL;
	struct nsa_block_result back;
	char failed[200];

	snprintf(failed, sizeof(failed),
		 "memory%" PRIu64 " of %s could not be put online in ZONE_%s: %s",
		 out->blocks.failed_block, dax, out->movable ? "MOVABLE" : "NORMAL",
		 strerror(-out->blocks.error));
	if (was_devdax &&
	    nsa_blocks_set(ctx, k->first_block, k->n_blocks, false, NSA_ONLINE_DEFAULT, NULL, NULL,
			   NULL, &back) == 0 &&
	    daxctl_dev_disable(dev) == 0 && daxctl_dev_enable_devdax(dev) == 0) {
		if (memmap_was >= 0 && memmap_read(ctx, dax) != memmap_was)
			memmap_write(ctx, dax, memmap_was == 1);
		out->rolled_back = true;
		return FAIL(NSA_ACT_REFUSED, "%s; %s is devdax again, nothing was changed", failed,
			    dax);
	}
	nsa_blocks_set(ctx, k->first_block, k->n_blocks, true, pol, NULL, NULL, NULL, &back);
	return FAIL(NSA_ACT_REFUSED,
		    "%s; %s stays System RAM with every block online (%" PRIu64
		    " in ZONE_%s, the others where the kernel put them)",
		    failed, dax, blocks_in(ctx, k, out->movable),
		    out->movable ? "MOVABLE" : "NORMAL");
}

static int to_ram(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
		  enum nsa_memmap_request memmap, int memmap_was, const struct nsa_act_opts *opts,
		  struct nsa_reconfigure_result *out)
{
	const struct nsa_kmem_plan *k = &out->plan;
	bool was_devdax = !daxctl_dev_get_memory(dev);
	int r = 0;

	if (was_devdax) {
		bool want = memmap == NSA_MEMMAP_DEVICE;

		if (memmap != NSA_MEMMAP_AS_IS && memmap_was != want) {
			r = memmap_write(ctx, dax, want);
			if (r < 0)
				return FAIL(NSA_ACT_REFUSED,
					    "%s: the kernel refused memmap_on_memory=%d: %s%s; "
					    "nothing was changed",
					    dax, want, strerror(-r),
					    r == -EOPNOTSUPP ? " (it needs a kernel booted with "
							       "memory_hotplug.memmap_on_memory=1)"
							     : "");
		}
		r = daxctl_dev_disable(dev);
		if (r == 0)
			r = daxctl_dev_enable_ram(dev);
		if (r < 0) {
			daxctl_dev_enable_devdax(dev);
			if (memmap != NSA_MEMMAP_AS_IS && memmap_was >= 0 && memmap_was != want)
				memmap_write(ctx, dax, memmap_was == 1);
			return FAIL(NSA_ACT_REFUSED,
				    "%s: the kernel did not take it as System RAM: %s (see "
				    "'journalctl -k -b | tail')",
				    dax, strerror(-r));
		}
	}
	/* the kernel may have onlined them itself, into its zone: moved where asked */
	r = nsa_blocks_place(ctx, k->first_block, k->n_blocks,
			     out->movable ? NSA_ONLINE_MOVABLE : NSA_ONLINE_KERNEL, opts->stop,
			     opts->progress, opts->data, &out->blocks);
	if (r < 0)
		return to_ram_failed(ctx, dev, dax, was_devdax, memmap_was, out);
	nsa_kdump_read(ctx, was_devdax || out->blocks.changed || out->blocks.moved, &out->kdump);
	return 0;
}

static int to_devdax(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
		     const struct nsa_act_opts *opts, struct nsa_reconfigure_result *out)
{
	const struct nsa_kmem_plan *k = &out->plan;
	bool was_ram = daxctl_dev_get_memory(dev) != NULL;
	int r;

	if (was_ram) {
		/* a block spanning two zones or nodes (valid_zones "none") cannot be offlined */
		for (uint64_t i = k->first_block; i < k->first_block + k->n_blocks; i++) {
			enum nsa_block_state st;
			uint8_t zone;

			if (nsa_block_state(ctx, i, &st) == 0 && st == NSA_BLOCK_ONLINE &&
			    nsa_block_zone(ctx, i, &zone) == 0 && zone == NSA_ZONE_NONE)
				return FAIL(NSA_ACT_REFUSED,
					    "memory%" PRIu64 " of %s spans two zones or two NUMA "
					    "nodes (its valid_zones says none): the kernel cannot "
					    "offline it; %s stays System RAM, nothing was changed",
					    i, dax, dax);
		}
		r = nsa_blocks_set(ctx, k->first_block, k->n_blocks, false, NSA_ONLINE_DEFAULT,
				   opts->stop, opts->progress, opts->data, &out->blocks);
		if (r < 0 || out->blocks.interrupted) {
			/* leave it as it was: every block online again */
			struct nsa_block_result back;

			nsa_blocks_set(ctx, k->first_block, k->n_blocks, true,
				       out->movable ? NSA_ONLINE_MOVABLE : NSA_ONLINE_KERNEL, NULL,
				       NULL, NULL, &back);
			if (r < 0)
				return FAIL(NSA_ACT_REFUSED,
					    "memory%" PRIu64
					    " of %s cannot be offlined (%s: in use, "
					    "or holding unmovable pages); %s stays System RAM",
					    out->blocks.failed_block, dax,
					    strerror(-out->blocks.error), dax);
			return FAIL(NSA_ACT_INTERRUPTED, "interrupted; %s stays System RAM", dax);
		}
		r = daxctl_dev_disable(dev);
		if (r < 0)
			return FAIL(NSA_ACT_REFUSED,
				    "%s: the kernel did not release its memory: %s", dax,
				    strerror(-r));
	}
	r = daxctl_dev_enable_devdax(dev);
	if (r < 0)
		return FAIL(NSA_ACT_REFUSED, "%s: cannot enable it as devdax: %s", dax,
			    strerror(-r));
	nsa_kdump_read(ctx, was_ram, &out->kdump);
	return 0;
}

int nsa_reconfigure(struct nsa_ctx *ctx, const char *dax, bool ram, bool movable,
		    enum nsa_memmap_request memmap, const struct nsa_act_opts *opts,
		    struct nsa_reconfigure_result *out)
{
	struct daxctl_ctx *dctx = NULL;
	struct daxctl_dev *dev;
	struct nsa_snapshot *s = NULL;
	struct timespec t0;
	char err[320];
	int r, memmap_was = -1;

	memset(out, 0, sizeof(*out));
	out->to_ram = ram;
	out->movable = movable;
	r = nsa_nd_dax_new(ctx, &dctx);
	if (r < 0)
		return FAIL(NSA_ACT_FAILED, "libdaxctl: %s", strerror(-r));
	dev = find_dax(dctx, dax);
	if (!dev) {
		r = FAIL(NSA_ACT_NOINPUT, "%s: no such dax device (see 'nsalign list -X')", dax);
		goto out;
	}
	s = nsa_snapshot_new();
	if (!s) {
		r = FAIL(NSA_ACT_FAILED, "out of memory");
		goto out;
	}
	r = plan(ctx, dev, dax, memmap, &memmap_was, s, out);
	if (r < 0)
		goto out;
	if (opts->planned)
		opts->planned(opts->data);
	if (ram && kernel_zone_refused(dev, dax, s, out) < 0) {
		r = -1;
		goto out;
	}
	if (opts->dry_run)
		goto out;

	if (ram && nsa_load_mode_modules(ctx, NSA_MODE_DEVDAX, true, err, sizeof(err)) < 0) {
		r = FAIL(NSA_ACT_UNAVAILABLE, "%s; nothing was changed", err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = ram ? to_ram(ctx, dev, dax, memmap, memmap_was, opts, out)
		: to_devdax(ctx, dev, dax, opts, out);
	out->seconds = nsa_seconds_since(&t0);
	out->applied = r == 0;
out:
	daxctl_unref(dctx);
	nsa_snapshot_free(s);
	return r;
}
