// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign probe ADDRESS SIZE: add memory through the kernel's probe
 * interface (nsa_probe(): one memory block per write, after checking that
 * the range is whole blocks and that nothing else lives there).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "args.h"
#include "builtin.h"

enum { OPT_JSON = 'j', OPT_DRY_RUN = 7000 };

static const struct cmd_option probe_options[] = {
	{ "dry-run", 0, NULL, "check the range, change nothing", OPT_DRY_RUN },
	{ "snapshot", 0, "FILE", "with --dry-run: check against a snapshot file", OPT_SNAPSHOT },
	{ "json", 'j', NULL, "print the result as one JSON document" },
	{ NULL },
};

static const struct cmd_spec probe_spec = {
	.name = "probe",
	.usage = "nsalign probe ADDRESS SIZE [--dry-run [--snapshot FILE]] [--json]",
	.about = "Add the memory at ADDRESS (SIZE bytes) through the kernel's probe interface, "
		 "for\n"
		 "platforms that have one (CONFIG_ARCH_MEMORY_PROBE). The range must be whole "
		 "memory\n"
		 "blocks and must not overlap anything in /proc/iomem; the new blocks come up as "
		 "the\n"
		 "kernel's auto_online_blocks says. Exit status: 0 added, 64 usage (also a range\n"
		 "that is not whole blocks), 69 no probe interface, 73 the range is in use or the\n"
		 "kernel refused, 77 needs root.",
	.options = probe_options,
};

/* --json: the range, its blocks, and how many were added (absent with --dry-run) */
static struct json_object *result_json(const struct nsa_probe_result *res, bool dry_run)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "resource", json_object_new_uint64(res->addr));
	json_object_object_add(o, "size", json_object_new_uint64(res->size));
	json_object_object_add(o, "block_size", json_object_new_uint64(res->block_size));
	json_object_object_add(
		o, "first_block",
		json_object_new_uint64(res->block_size ? res->addr / res->block_size : 0));
	json_object_object_add(o, "blocks", json_object_new_uint64(res->n_blocks));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	if (!dry_run)
		json_object_object_add(o, "added", json_object_new_uint64(res->added));
	return o;
}

static void planned(void *data)
{
	const struct nsa_probe_result *res = data;

	fprintf(stderr, "nsalign probe: %" PRIu64 " memory blocks at %#" PRIx64 "\n", res->n_blocks,
		res->addr);
}

int cmd_probe(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_probe_result res;
	struct nsa_act_opts opts = { .planned = planned, .data = &res };
	const char *snapshot_path = NULL, *pos[3], *arg;
	int n_pos = 0;
	struct nsa_snapshot *s = NULL;
	struct json_object *root;
	bool dry_run = false, json = false;
	uint64_t addr;
	uint64_t size;
	int c, r;

	while ((c = cmd_getopt(&probe_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
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
	/* ADDRESS and SIZE, wherever they stood among the options */
	for (; optind < argc; optind++, n_pos++)
		if (n_pos < 3)
			pos[n_pos] = argv[optind];
	if (n_pos != 2) {
		cmd_error("probe", "expected ADDRESS and SIZE (e.g. 0x200000000 1G)");
		return EX_USAGE;
	}
	if (nsa_parse_u64(pos[0], 0, &addr) < 0) {
		cmd_error("probe", "'%s' is not an address", pos[0]);
		return EX_USAGE;
	}
	r = cmd_parse_positive_size(pos[1], &size);
	if (r == -EDOM)
		return cmd_size_unit_error("probe", NULL, pos[1]);
	if (r < 0) {
		cmd_error("probe", "'%s' is not a size", pos[1]);
		return EX_USAGE;
	}
	r = cmd_may_change("probe", dry_run, snapshot_path, "memory");
	if (r)
		return r;
	r = cmd_get_snapshot("probe", ctx, snapshot_path, true, &s);
	if (r)
		return r;
	opts.dry_run = dry_run;
	if (nsa_probe(ctx, s, addr, size, &opts, &res) < 0) {
		cmd_error("probe", "%s", res.why);
		r = act_exit_status(res.status);
		goto out;
	}
	root = result_json(&res, dry_run);
	r = json ? json_print(root) : 0;
	json_object_put(root);
out:
	nsa_snapshot_free(s);
	return r;
}
