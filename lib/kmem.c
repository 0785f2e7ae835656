// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A dax device handed to the kernel as System RAM (kmem) or taken back,
 * through libdaxctl, its memory blocks onlined or offlined one at a time.
 * Taking it back is all or nothing: when one block cannot be offlined,
 * every block is onlined again and the device stays System RAM.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

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

/*
 * Only what the plan needs (the device's range, the block size, the
 * hotplug policy), not a whole snapshot: this runs once per device when a
 * machine comes up, and must be no slower than daxctl.
 */
static int plan(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
		struct nsa_snapshot *s, struct nsa_reconfigure_result *out)
{
	struct nsa_daxdev *d;
	unsigned long long res = daxctl_dev_get_resource(dev);
	int r;

	nsa_collect_platform(ctx, s);
	d = nsa_snapshot_add_daxdev(s);
	if (!d)
		return FAIL(NSA_ACT_FAILED, "out of memory");
	nsa_strlcpy(d->dev, dax, sizeof(d->dev));
	d->spa_start = res == ULLONG_MAX ? 0 : res;
	d->size = daxctl_dev_get_size(dev);
	r = nsa_kmem_plan(s, dax, &out->plan);
	if (r < 0 && !d->spa_start)
		return FAIL(NSA_ACT_NOPERM, "%s: its physical address is hidden (run as root)",
			    dax);
	if (out->to_ram && !out->plan.n_blocks)
		return FAIL(NSA_ACT_REFUSED,
			    "%s holds no whole memory block (%" PRIu64 " bytes, blocks of %" PRIu64
			    "): as System RAM it would add nothing; the kernel refuses it",
			    dax, out->plan.size, out->plan.block_size);
	out->planned = true;
	return 0;
}

static int to_ram(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
		  const struct nsa_act_opts *opts, struct nsa_reconfigure_result *out)
{
	const struct nsa_kmem_plan *k = &out->plan;
	int r = 0;

	if (!daxctl_dev_get_memory(dev)) {
		r = daxctl_dev_disable(dev);
		if (r == 0)
			r = daxctl_dev_enable_ram(dev);
		if (r < 0) {
			daxctl_dev_enable_devdax(dev);
			return FAIL(NSA_ACT_REFUSED,
				    "%s: the kernel did not take it as System RAM: %s (see "
				    "'journalctl -k -b | tail')",
				    dax, strerror(-r));
		}
	}
	r = nsa_blocks_set(ctx, k->first_block, k->n_blocks, true,
			   out->movable ? NSA_ONLINE_MOVABLE : NSA_ONLINE_KERNEL, opts->stop,
			   opts->progress, opts->data, &out->blocks);
	if (r < 0)
		return FAIL(NSA_ACT_REFUSED,
			    "memory%" PRIu64 " of %s could not be onlined: %s; %" PRIu64
			    " blocks are online",
			    out->blocks.failed_block, dax, strerror(-out->blocks.error),
			    out->blocks.changed + out->blocks.already);
	return 0;
}

static int to_devdax(struct nsa_ctx *ctx, struct daxctl_dev *dev, const char *dax,
		     const struct nsa_act_opts *opts, struct nsa_reconfigure_result *out)
{
	const struct nsa_kmem_plan *k = &out->plan;
	int r;

	if (daxctl_dev_get_memory(dev)) {
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
	return 0;
}

int nsa_reconfigure(struct nsa_ctx *ctx, const char *dax, bool ram, bool movable,
		    const struct nsa_act_opts *opts, struct nsa_reconfigure_result *out)
{
	struct daxctl_ctx *dctx = NULL;
	struct daxctl_dev *dev;
	struct nsa_snapshot *s = NULL;
	struct timespec t0;
	char err[320];
	int r;

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
	r = plan(ctx, dev, dax, s, out);
	if (r < 0)
		goto out;
	if (opts->planned)
		opts->planned(opts->data);
	if (opts->dry_run)
		goto out;

	if (ram && s->platform.auto_online_blocks[0] &&
	    strcmp(s->platform.auto_online_blocks, "offline") != 0) {
		r = FAIL(NSA_ACT_REFUSED,
			 "the kernel onlines new memory by itself (auto_online_blocks=%s), into a "
			 "zone of its choosing; 'echo offline > /sys/devices/system/memory/"
			 "auto_online_blocks' first; nothing was changed",
			 s->platform.auto_online_blocks);
		goto out;
	}
	if (ram && nsa_load_mode_modules(ctx, NSA_MODE_DEVDAX, true, err, sizeof(err)) < 0) {
		r = FAIL(NSA_ACT_UNAVAILABLE, "%s; nothing was changed", err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = ram ? to_ram(ctx, dev, dax, opts, out) : to_devdax(ctx, dev, dax, opts, out);
	out->seconds = act_seconds_since(&t0);
	out->applied = r == 0;
out:
	daxctl_unref(dctx);
	nsa_snapshot_free(s);
	return r;
}
