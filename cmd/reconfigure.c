// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign reconfigure DAX --mode system-ram|devdax: hand a dax device to
 * the kernel as System RAM (kmem) or take it back, saying first what
 * memory hotplug will make of it: which whole blocks, how many bytes, how
 * many lost at the edges.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>
#include <json-c/json.h>

#include "builtin.h"

enum {
	OPT_MODE = 'm',
	OPT_JSON = 'j',
	OPT_MOVABLE = 5000,
	OPT_NO_MOVABLE,
	OPT_DRY_RUN,
};

static const struct cmd_option reconfigure_options[] = {
	{ "mode", 'm', "system-ram|devdax", "what the dax device becomes" },
	{ "movable", 0, NULL,
	  "online the memory into ZONE_MOVABLE (default): it can be offlined again", OPT_MOVABLE },
	{ "no-movable", 0, NULL, "online into ZONE_NORMAL (it may never be offlined again)",
	  OPT_NO_MOVABLE },
	{ "dry-run", 0, NULL, "say what would happen, change nothing", OPT_DRY_RUN },
	{ "json", 'j', NULL, "print the result as one JSON document" },
	{ NULL },
};

static const struct cmd_spec reconfigure_spec = {
	.name = "reconfigure",
	.usage = "nsalign reconfigure DAX --mode system-ram|devdax [--movable|--no-movable] "
		 "[--dry-run] [--json]",
	.about = "Make a devdax device System RAM (kmem) or devdax again. Memory hotplug works "
		 "on whole\n"
		 "memory blocks: the blocks inside the device are onlined, the partial blocks at "
		 "its\n"
		 "edges are lost; this is said first. Back to devdax offlines every block first "
		 "and\n"
		 "refuses, leaving it System RAM, when one cannot be offlined. Exit status: 0 "
		 "done,\n"
		 "64 usage, 66 no such dax device, 69 kmem missing, 73 the kernel refused (the "
		 "reason\n"
		 "is printed), 77 needs root.",
	.options = reconfigure_options,
};

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

static void say_plan(const struct nsa_kmem_plan *k, bool to_ram, bool movable)
{
	char a[32], b[32], c[32], d[32];

	if (!to_ram)
		return;
	fprintf(stderr,
		"nsalign reconfigure: %s (%s at %#" PRIx64 ") as System RAM: %" PRIu64
		" memory blocks of %s (memory%" PRIu64 "-memory%" PRIu64 "), %s usable, %s lost "
		"at the edges (%s before the first whole block, %s after the last), zone %s%s\n",
		k->dax, nsa_size_str(k->size, a, sizeof(a)), k->spa_start, k->n_blocks,
		nsa_size_str(k->block_size, b, sizeof(b)), k->first_block,
		k->first_block + (k->n_blocks ? k->n_blocks - 1 : 0),
		nsa_size_str(k->usable, c, sizeof(c)),
		nsa_size_str(k->lost_head + k->lost_tail, d, sizeof(d)),
		nsa_size_str(k->lost_head, a, sizeof(a)), nsa_size_str(k->lost_tail, b, sizeof(b)),
		movable ? "Movable" : "Normal",
		k->memmap_on_memory ? "; the memmap goes inside the range" : "");
}

static struct json_object *plan_json(const struct nsa_kmem_plan *k)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "dev", json_object_new_string(k->dax));
	json_object_object_add(o, "resource", json_object_new_uint64(k->spa_start));
	json_object_object_add(o, "size", json_object_new_uint64(k->size));
	json_object_object_add(o, "block_size", json_object_new_uint64(k->block_size));
	json_object_object_add(o, "first_block", json_object_new_uint64(k->first_block));
	json_object_object_add(o, "blocks", json_object_new_uint64(k->n_blocks));
	json_object_object_add(o, "usable", json_object_new_uint64(k->usable));
	json_object_object_add(o, "lost", json_object_new_uint64(k->lost_head + k->lost_tail));
	json_object_object_add(o, "memmap_on_memory", json_object_new_boolean(k->memmap_on_memory));
	json_object_object_add(o, "memmap_bytes", json_object_new_uint64(k->memmap_bytes));
	json_object_object_add(o, "system_ram", json_object_new_uint64(k->system_ram));
	return o;
}

int cmd_reconfigure(int argc, char **argv, struct nsa_ctx *ctx)
{
	const char *mode = NULL, *dax_name = NULL, *arg;
	struct json_object *root = NULL;
	struct daxctl_ctx *dctx = NULL;
	struct daxctl_dev *dev;
	struct daxctl_memory *mem;
	struct nsa_snapshot *s = NULL;
	struct nsa_kmem_plan k;
	struct nsa_block_result br = { 0 };
	const volatile int *stop = NULL;
	struct timespec t0, t1;
	bool movable = true, dry_run = false, json = false, to_ram, tty = isatty(2);
	char err[320];
	int c, r;

	/* the device may come first, as with daxctl: DAX --mode ... */
	if (argc > 1 && argv[1][0] != '-') {
		dax_name = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	while ((c = cmd_getopt(&reconfigure_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_MODE:
			mode = arg;
			break;
		case OPT_MOVABLE:
			movable = true;
			break;
		case OPT_NO_MOVABLE:
			movable = false;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (!dax_name && optind < argc)
		dax_name = argv[optind++];
	if (!dax_name || optind < argc) {
		cmd_error("reconfigure", !dax_name ? "which dax device? (e.g. dax0.0)"
						   : "one dax device at a time");
		return EX_USAGE;
	}
	if (!mode || (strcmp(mode, "system-ram") != 0 && strcmp(mode, "devdax") != 0)) {
		cmd_error("reconfigure", "--mode: expected system-ram or devdax");
		return EX_USAGE;
	}
	to_ram = strcmp(mode, "system-ram") == 0;
	r = cmd_may_change("reconfigure", dry_run, NULL, dax_name);
	if (r)
		return r;

	/*
	 * Only what the plan needs (the device's range, the block size, the
	 * hotplug policy), not a whole snapshot: this runs once per device
	 * when a machine comes up, and must be no slower than daxctl.
	 */
	r = daxctl_new(&dctx);
	if (r < 0) {
		cmd_error("reconfigure", "libdaxctl: %s", strerror(-r));
		return EX_SOFTWARE;
	}
	dev = find_dax(dctx, dax_name);
	if (!dev) {
		cmd_error("reconfigure", "%s: no such dax device (see 'nsalign list -X')",
			  dax_name);
		r = EX_NOINPUT;
		goto out;
	}
	s = nsa_snapshot_new();
	if (!s) {
		r = EX_SOFTWARE;
		goto out;
	}
	nsa_collect_platform(ctx, s);
	{
		struct nsa_daxdev *d = nsa_snapshot_add_daxdev(s);
		unsigned long long res = daxctl_dev_get_resource(dev);

		if (!d) {
			r = EX_SOFTWARE;
			goto out;
		}
		snprintf(d->dev, sizeof(d->dev), "%s", dax_name);
		d->spa_start = res == ULLONG_MAX ? 0 : res;
		d->size = daxctl_dev_get_size(dev);
	}
	r = nsa_kmem_plan(s, dax_name, &k);
	if (r < 0 && !s->daxdevs[0].spa_start) {
		cmd_error("reconfigure", "%s: its physical address is hidden (run as root)",
			  dax_name);
		r = EX_NOPERM;
		goto out;
	}
	if (to_ram && !k.n_blocks) {
		cmd_error("reconfigure",
			  "%s holds no whole memory block (%" PRIu64 " bytes, blocks of %" PRIu64
			  "): as System RAM it would add nothing; the kernel refuses it",
			  dax_name, k.size, k.block_size);
		r = EX_CANTCREAT;
		goto out;
	}
	say_plan(&k, to_ram, movable);
	root = json_object_new_object();
	json_object_object_add(root, "plan", plan_json(&k));
	if (dry_run) {
		r = json ? json_print(root) : 0;
		goto out;
	}

	if (to_ram && s->platform.auto_online_blocks[0] &&
	    strcmp(s->platform.auto_online_blocks, "offline") != 0) {
		cmd_error("reconfigure",
			  "the kernel onlines new memory by itself (auto_online_blocks=%s), into a "
			  "zone "
			  "of its choosing; 'echo offline > /sys/devices/system/memory/"
			  "auto_online_blocks' first; nothing was changed",
			  s->platform.auto_online_blocks);
		r = EX_CANTCREAT;
		goto out;
	}
	if (to_ram && nsa_load_mode_modules(ctx, NSA_MODE_DEVDAX, true, err, sizeof(err)) < 0) {
		cmd_error("reconfigure", "%s; nothing was changed", err);
		r = EX_UNAVAILABLE;
		goto out;
	}
	stop = cmd_stop_on_sigint();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mem = daxctl_dev_get_memory(dev);
	if (to_ram) {
		if (!mem) {
			r = daxctl_dev_disable(dev);
			if (r == 0)
				r = daxctl_dev_enable_ram(dev);
			if (r < 0) {
				cmd_error("reconfigure",
					  "%s: the kernel did not take it as System RAM: "
					  "%s (see 'journalctl -k -b | tail')",
					  dax_name, strerror(-r));
				daxctl_dev_enable_devdax(dev);
				r = EX_CANTCREAT;
				goto out;
			}
		}
		r = nsa_blocks_set(ctx, k.first_block, k.n_blocks, true,
				   movable ? NSA_ONLINE_MOVABLE : NSA_ONLINE_KERNEL, stop,
				   tty && !json ? cmd_block_progress : NULL, (void *)dax_name, &br);
	} else {
		if (mem) {
			r = nsa_blocks_set(
				ctx, k.first_block, k.n_blocks, false, NSA_ONLINE_DEFAULT, stop,
				tty && !json ? cmd_block_progress : NULL, (void *)dax_name, &br);
			if (r < 0 || br.interrupted) {
				/* leave it as it was: every block online again */
				struct nsa_block_result back;

				nsa_blocks_set(ctx, k.first_block, k.n_blocks, true,
					       movable ? NSA_ONLINE_MOVABLE : NSA_ONLINE_KERNEL,
					       NULL, NULL, NULL, &back);
				if (r < 0)
					cmd_error(
						"reconfigure",
						"memory%" PRIu64
						" of %s cannot be offlined (%s: in use, "
						"or holding unmovable pages); %s stays System RAM",
						br.failed_block, dax_name, strerror(-br.error),
						dax_name);
				else
					cmd_error("reconfigure", "interrupted; %s stays System RAM",
						  dax_name);
				r = r < 0 ? EX_CANTCREAT : 130;
				goto out;
			}
			r = daxctl_dev_disable(dev);
			if (r < 0) {
				cmd_error("reconfigure",
					  "%s: the kernel did not release its memory: %s", dax_name,
					  strerror(-r));
				r = EX_CANTCREAT;
				goto out;
			}
		}
		r = daxctl_dev_enable_devdax(dev);
		if (r < 0) {
			cmd_error("reconfigure", "%s: cannot enable it as devdax: %s", dax_name,
				  strerror(-r));
			r = EX_CANTCREAT;
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0) {
		cmd_error("reconfigure",
			  "memory%" PRIu64 " of %s could not be onlined: %s; %" PRIu64
			  " blocks are online",
			  br.failed_block, dax_name, strerror(-br.error), br.changed + br.already);
		r = EX_CANTCREAT;
		goto out;
	}
	if (br.interrupted)
		cmd_warn("reconfigure", "interrupted: %" PRIu64 " of %" PRIu64 " blocks are online",
			 br.changed + br.already, k.n_blocks);
	{
		struct json_object *res = json_object_new_object();

		json_object_object_add(res, "mode", json_object_new_string(mode));
		json_object_object_add(res, "blocks_changed", json_object_new_uint64(br.changed));
		json_object_object_add(res, "blocks_already", json_object_new_uint64(br.already));
		json_object_object_add(
			res, "bytes",
			json_object_new_uint64((br.changed + br.already) * k.block_size));
		json_object_object_add(res, "zone",
				       json_object_new_string(!to_ram	? "none"
							      : movable ? "Movable"
									: "Normal"));
		json_object_object_add(res, "interrupted", json_object_new_boolean(br.interrupted));
		json_object_object_add(res, "seconds",
				       json_object_new_double((double)(t1.tv_sec - t0.tv_sec) +
							      (t1.tv_nsec - t0.tv_nsec) / 1e9));
		json_object_object_add(root, "result", res);
	}
	r = json ? json_print(root) : 0;
	if (r == 0 && br.interrupted)
		r = 130;
out:
	json_object_put(root);
	daxctl_unref(dctx);
	nsa_snapshot_free(s);
	return r;
}
