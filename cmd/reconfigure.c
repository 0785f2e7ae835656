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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "builtin.h"

enum {
	OPT_MODE = 'm',
	OPT_JSON = 'j',
	OPT_MOVABLE = 5000,
	OPT_NO_MOVABLE,
	OPT_DRY_RUN,
	OPT_MEMMAP,
};

static const struct cmd_option reconfigure_options[] = {
	{ "mode", 'm', "system-ram|devdax", "what the dax device becomes" },
	{ "movable", 0, NULL,
	  "online the memory into ZONE_MOVABLE (default): it can be offlined again", OPT_MOVABLE },
	{ "no-movable", 0, NULL, "online into ZONE_NORMAL (it may never be offlined again)",
	  OPT_NO_MOVABLE },
	{ "memmap-on-memory", 0, "yes|no",
	  "system-ram: the struct pages in the device (yes) or in RAM (no)", OPT_MEMMAP },
	{ "dry-run", 0, NULL, "say what would happen, change nothing", OPT_DRY_RUN },
	{ "json", 'j', NULL, "print the result as one JSON document" },
	{ NULL },
};

static const struct cmd_spec reconfigure_spec = {
	.name = "reconfigure",
	.usage = "nsalign reconfigure DAX --mode system-ram|devdax [--movable|--no-movable] "
		 "[--memmap-on-memory=yes|no] [--dry-run] [--json]",
	.about =
		"Make a devdax device System RAM (kmem) or devdax again. Memory hotplug works "
		"on whole\n"
		"memory blocks: the blocks inside the device are onlined, the partial blocks at "
		"its\n"
		"edges are lost; this is said first. Back to devdax offlines every block first "
		"and\n"
		"refuses, leaving it System RAM, when one cannot be offlined. On a kernel that "
		"onlines\n"
		"new memory itself (auto_online_blocks), only the zone the kernel picks is taken.\n"
		"Exit status: 0 done, 64 usage, 66 no such dax device, 69 kmem or per-device\n"
		"memmap_on_memory missing, 73 the kernel refused (the reason is printed), 77 "
		"needs root.",
	.options = reconfigure_options,
};

static void say_plan(const struct nsa_reconfigure_result *res)
{
	const struct nsa_kmem_plan *k = &res->plan;
	const char *zone = res->movable ? "Movable" : "Normal";
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32];

	if (!res->to_ram)
		return;
	fprintf(stderr,
		"nsalign reconfigure: %s (%s at %#" PRIx64 ") as System RAM: %" PRIu64
		" memory blocks of %s (memory%" PRIu64 "-memory%" PRIu64 "), %s usable, %s lost "
		"at the edges (%s before the first whole block, %s after the last), zone %s\n",
		k->dax, nsa_size_str(k->size, a, sizeof(a)), k->spa_start, k->n_blocks,
		nsa_size_str(k->block_size, b, sizeof(b)), k->first_block,
		k->first_block + (k->n_blocks ? k->n_blocks - 1 : 0),
		nsa_size_str(k->usable, c, sizeof(c)),
		nsa_size_str(k->lost_head + k->lost_tail, d, sizeof(d)),
		nsa_size_str(k->lost_head, f, sizeof(f)), nsa_size_str(k->lost_tail, g, sizeof(g)),
		zone);
	fprintf(stderr, "nsalign reconfigure: memmap %s: %s%s; System RAM grows by %s\n",
		k->memmap_on_memory ? "in the device" : "in RAM",
		nsa_size_str(k->memmap_on_memory ? k->memmap_bytes : k->memmap_ram_bytes, e,
			     sizeof(e)),
		k->memmap_on_memory ? " of the usable bytes" : " of the RAM there is",
		nsa_size_str(k->system_ram, c, sizeof(c)));
	if (res->zones.known) {
		char z[320];

		fprintf(stderr, "nsalign reconfigure: %s%s\n", res->zones.beyond ? "warning: " : "",
			nsa_zone_balance_str(&res->zones, z, sizeof(z)));
	}
	if (res->kernel_zone == NSA_ZONE_NONE)
		return;
	fprintf(stderr,
		"nsalign reconfigure: the kernel onlines the blocks itself (auto_online_blocks), "
		"into %s%s%s%s\n",
		res->kernel_zone ? "" : "zones of its choosing",
		res->kernel_zone ? nsa_zone_name(res->kernel_zone) : "",
		strcmp(nsa_zone_name(res->kernel_zone), zone) == 0 ? ": the zone asked"
								   : ", not the zone asked, ",
		strcmp(nsa_zone_name(res->kernel_zone), zone) == 0 ? "" : zone);
}

/* What the callbacks print with. */
struct printing {
	const char *dax;
	bool to_ram, movable;
	const struct nsa_reconfigure_result *res;
};

static void planned(void *data)
{
	const struct printing *p = data;

	say_plan(p->res);
}

static void progress(void *data, uint64_t done, uint64_t total)
{
	const struct printing *p = data;

	cmd_block_progress((void *)p->dax, done, total);
}

int cmd_reconfigure(int argc, char **argv, struct nsa_ctx *ctx)
{
	const char *mode = NULL, *dax_name = NULL, *arg;
	struct nsa_reconfigure_result res;
	struct printing pr = { .res = &res };
	struct nsa_act_opts opts = { .planned = planned, .data = &pr };
	struct json_object *root;
	enum nsa_memmap_request memmap = NSA_MEMMAP_AS_IS;
	bool movable = true, dry_run = false, json = false, to_ram;
	char kd[320];
	int c, r;

	/* DAX before, between or after the options, as daxctl takes it */
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
		case OPT_MEMMAP:
			if (strcmp(arg, "yes") == 0)
				memmap = NSA_MEMMAP_DEVICE;
			else if (strcmp(arg, "no") == 0)
				memmap = NSA_MEMMAP_RAM;
			else {
				cmd_error("reconfigure",
					  "--memmap-on-memory '%s': expected yes or no", arg);
				return EX_USAGE;
			}
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
	if (optind < argc)
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
	if (!to_ram && memmap != NSA_MEMMAP_AS_IS) {
		cmd_error("reconfigure", "--memmap-on-memory goes with --mode system-ram only");
		return EX_USAGE;
	}
	r = cmd_may_change("reconfigure", dry_run, NULL, dax_name);
	if (r)
		return r;

	pr.dax = dax_name;
	pr.to_ram = to_ram;
	pr.movable = movable;
	opts.dry_run = dry_run;
	if (!dry_run) {
		opts.stop = cmd_stop_on_sigint();
		if (isatty(2) && !json) {
			opts.progress = progress;
		}
	}
	if (nsa_reconfigure(ctx, dax_name, to_ram, movable, memmap, &opts, &res) < 0) {
		cmd_error("reconfigure", "%s", res.why);
		return act_exit_status(res.status);
	}
	if (res.blocks.interrupted)
		cmd_warn("reconfigure", "interrupted: %" PRIu64 " of %" PRIu64 " blocks are online",
			 res.blocks.changed + res.blocks.already, res.plan.n_blocks);
	/* a loaded crash kernel: reload it (a warning), or the kernel updated it */
	if (res.kdump.reload)
		cmd_warn("reconfigure", "%s", nsa_kdump_str(&res.kdump, kd, sizeof(kd)));
	else if (!json && nsa_kdump_str(&res.kdump, kd, sizeof(kd))[0])
		fprintf(stderr, "nsalign reconfigure: %s\n", kd);
	root = act_reconfigure_json(&res);
	r = json ? json_print(root) : 0;
	json_object_put(root);
	if (r == 0 && res.blocks.interrupted)
		r = 130;
	return r;
}
