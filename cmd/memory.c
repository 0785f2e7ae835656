// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign online-memory / offline-memory: memory blocks of a dax device, a
 * block range or an address range, one block at a time through sysfs
 * (nsa_memory_set(): every block is checked before the first is touched,
 * under the one-owner rule).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "args.h"
#include "builtin.h"

enum {
	OPT_JSON = 'j',
	OPT_DAX = 6000,
	OPT_BLOCKS,
	OPT_RANGE,
	OPT_ZONE,
	OPT_DRY_RUN,
};

static const struct cmd_option online_options[] = {
	{ "dax", 0, "DAX", "the System RAM (kmem) blocks of this dax device", OPT_DAX },
	{ "blocks", 0, "N[-M]", "memory blocks N to M (memoryN)", OPT_BLOCKS },
	{ "range", 0, "START-END|START+SIZE", "the blocks of a physical address range", OPT_RANGE },
	{ "zone", 0, "movable|normal|auto", "where onlined memory goes (default movable)",
	  OPT_ZONE },
	{ "dry-run", 0, NULL, "say what would change, change nothing", OPT_DRY_RUN },
	{ "snapshot", 0, "FILE", "with --dry-run: check a snapshot file", OPT_SNAPSHOT },
	{ "json", 'j', NULL, "print the result as one JSON document" },
	{ NULL },
};

static const struct cmd_option offline_options[] = {
	{ "dax", 0, "DAX", "the System RAM (kmem) blocks of this dax device", OPT_DAX },
	{ "blocks", 0, "N[-M]", "memory blocks N to M (memoryN)", OPT_BLOCKS },
	{ "range", 0, "START-END|START+SIZE", "the blocks of a physical address range", OPT_RANGE },
	{ "dry-run", 0, NULL, "say what would change, change nothing", OPT_DRY_RUN },
	{ "snapshot", 0, "FILE", "with --dry-run: check a snapshot file", OPT_SNAPSHOT },
	{ "json", 'j', NULL, "print the result as one JSON document" },
	{ NULL },
};

#define ABOUT_TAIL                                                                              \
	"Every block is checked first: it must exist and hold the memory of one owner only;\n"  \
	"a block shared with boot System RAM, another device or firmware is refused, with\n"    \
	"the other owner named. Blocks already in the wanted state are counted, not written.\n" \
	"Ctrl-C stops between two blocks. Exit status: 0 done, 64 usage, 66 no such block\n"    \
	"or device, 73 refused (the reason is printed), 77 needs root, 130 interrupted."

static const struct cmd_spec online_spec = {
	.name = "online-memory",
	.usage = "nsalign online-memory DAX|--dax DAX|--blocks N[-M]|--range START-END "
		 "[--zone movable|normal|auto] [--dry-run] [--json]",
	.about = "Online memory blocks, into ZONE_MOVABLE unless told otherwise.\n" ABOUT_TAIL,
	.options = online_options,
};

static const struct cmd_spec offline_spec = {
	.name = "offline-memory",
	.usage = "nsalign offline-memory DAX|--dax DAX|--blocks N[-M]|--range START-END "
		 "[--dry-run] [--json]",
	.about = "Offline memory blocks (the kernel refuses blocks in use by unmovable "
		 "pages).\n" ABOUT_TAIL,
	.options = offline_options,
};

/* What the callbacks print with. */
struct printing {
	const char *cmd;
	bool online, json;
	enum nsa_online_policy policy;
	const struct nsa_memory_result *res;
};

static void planned(void *data)
{
	const struct printing *p = data;
	const struct nsa_memory_result *m = p->res;
	char zones[96] = "";

	if (p->json)
		return;
	/* online already (the kernel may have onlined them itself): in which zone */
	if (p->online && m->already)
		snprintf(zones, sizeof(zones), ": %" PRIu64 " in Movable, %" PRIu64 " in Normal",
			 m->already_movable, m->already - m->already_movable);
	fprintf(stderr,
		"nsalign %s: memory%" PRIu64 "-memory%" PRIu64 " (%" PRIu64 " blocks, %" PRIu64
		" already %s%s)%s%s\n",
		p->cmd, m->first, m->first + m->n - 1, m->n, m->already,
		p->online ? "online" : "offline", zones, p->online ? ", zone " : "",
		p->online ? (p->policy == NSA_ONLINE_MOVABLE  ? "Movable"
			     : p->policy == NSA_ONLINE_KERNEL ? "Normal"
							      : "the kernel's choice")
			  : "");
	if (p->online && m->zones.known && m->zones.adding) {
		char z[320];

		fprintf(stderr, "nsalign %s: %s%s\n", p->cmd, m->zones.beyond ? "warning: " : "",
			nsa_zone_balance_str(&m->zones, z, sizeof(z)));
	}
}

static void progress(void *data, uint64_t done, uint64_t total)
{
	const struct printing *p = data;

	cmd_block_progress((void *)p->cmd, done, total);
}

static int run(const struct cmd_spec *spec, bool online, int argc, char **argv, struct nsa_ctx *ctx)
{
	const char *cmd = spec->name, *dax = NULL, *blocks = NULL, *range = NULL, *arg;
	const char *snapshot_path = NULL;
	struct nsa_memory_request req = { .online = online, .policy = NSA_ONLINE_MOVABLE };
	struct nsa_memory_result res;
	struct printing pr = { .cmd = cmd, .online = online, .res = &res };
	struct nsa_act_opts opts = { .planned = planned, .data = &pr };
	struct json_object *root;
	struct nsa_snapshot *s = NULL;
	bool dry_run = false, json = false;
	char kd[320];
	uint64_t B;
	int c, r, targets = 0;

	while ((c = cmd_getopt(spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_DAX:
			dax = arg;
			targets++;
			break;
		case OPT_BLOCKS:
			blocks = arg;
			targets++;
			break;
		case OPT_RANGE:
			range = arg;
			targets++;
			break;
		case OPT_ZONE:
			if (cmd_parse_zone(arg, &req.policy) < 0) {
				cmd_error(cmd, "--zone '%s': expected movable, normal or auto",
					  arg);
				return EX_USAGE;
			}
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	/* "online-memory dax0.0", as daxctl takes it */
	if (optind < argc && cmd_is_dax_name(argv[optind])) {
		dax = argv[optind++];
		targets++;
	}
	if (optind < argc) {
		cmd_error(cmd, "unexpected argument '%s' (see 'nsalign %s --help')", argv[optind],
			  cmd);
		return EX_USAGE;
	}
	if (targets != 1) {
		cmd_error(cmd, "say which memory: one of --dax, --blocks or --range");
		return EX_USAGE;
	}
	if (blocks && cmd_parse_blocks(blocks, &req.first, &req.n) < 0) {
		cmd_error(cmd, "--blocks '%s': expected N or N-M (block numbers, as in memoryN)",
			  blocks);
		return EX_USAGE;
	}
	r = cmd_may_change(cmd, dry_run, snapshot_path, "memory blocks");
	if (r)
		return r;

	r = cmd_get_snapshot(cmd, ctx, snapshot_path, true, &s);
	if (r)
		return r;
	B = s->platform.block_size;
	if (range && B) {
		uint64_t a, b;

		const char *plus = strchr(range, '+');

		if (plus && nsa_parse_size(plus + 1, false, &(int64_t){ 0 }) == -EDOM) {
			r = cmd_size_unit_error(cmd, "--range", range);
			goto out;
		}
		if (cmd_parse_range(range, &a, &b) < 0) {
			cmd_error(cmd,
				  "--range '%s': expected START-END (inclusive, as /proc/iomem "
				  "prints it) or START+SIZE",
				  range);
			r = EX_USAGE;
			goto out;
		}
		if (!nsa_is_aligned(a, B) || !nsa_is_aligned(b, B)) {
			if (nsa_align_down(b, B) > nsa_align_up(a, B))
				cmd_error(cmd,
					  "--range '%s' is not whole memory blocks of %#" PRIx64
					  "; the whole blocks inside it are %#" PRIx64 "-%#" PRIx64,
					  range, B, nsa_align_up(a, B), nsa_align_down(b, B) - 1);
			else
				cmd_error(cmd,
					  "--range '%s' holds no whole memory block of %#" PRIx64,
					  range, B);
			r = EX_USAGE;
			goto out;
		}
		req.first = a / B;
		req.n = (b - a) / B;
	}
	if (dax && strlen(dax) >= sizeof(req.dax)) {
		cmd_error(cmd, "%s: no such dax device (see 'nsalign list -X')", dax);
		r = EX_NOINPUT;
		goto out;
	}
	if (dax)
		snprintf(req.dax, sizeof(req.dax), "%s", dax);

	pr.json = json;
	pr.policy = req.policy;
	opts.dry_run = dry_run;
	if (!dry_run) {
		opts.stop = cmd_stop_on_sigint();
		if (isatty(2) && !json)
			opts.progress = progress;
	}
	if (nsa_memory_set(ctx, s, &req, &opts, &res) < 0) {
		cmd_error(cmd, "%s", res.why);
		r = act_exit_status(res.status);
		goto out;
	}
	if (res.blocks.interrupted)
		cmd_warn(cmd, "interrupted: %" PRIu64 " of %" PRIu64 " blocks done",
			 res.blocks.changed + res.blocks.already, res.n);
	/* a loaded crash kernel: reload it (a warning), or the kernel updated it */
	if (res.kdump.reload)
		cmd_warn(cmd, "%s", nsa_kdump_str(&res.kdump, kd, sizeof(kd)));
	else if (!json && nsa_kdump_str(&res.kdump, kd, sizeof(kd))[0])
		fprintf(stderr, "nsalign %s: %s\n", cmd, kd);
	root = act_memory_json(&res);
	r = json ? json_print(root) : 0;
	json_object_put(root);
	if (r == 0 && res.blocks.interrupted)
		r = 130;
out:
	nsa_snapshot_free(s);
	return r;
}

int cmd_online_memory(int argc, char **argv, struct nsa_ctx *ctx)
{
	return run(&online_spec, true, argc, argv, ctx);
}

int cmd_offline_memory(int argc, char **argv, struct nsa_ctx *ctx)
{
	return run(&offline_spec, false, argc, argv, ctx);
}
