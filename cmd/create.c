// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign create-namespace: ndctl's create-namespace, with an alignment
 * planned to survive the platform moving the PMEM, a plan to look at first
 * (--dry-run), and nothing left half-done when the kernel says no.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "args.h"
#include "builtin.h"

enum {
	OPT_REGION = 'r',
	OPT_SIZE = 's',
	OPT_MODE = 'm',
	OPT_ALIGN = 'a',
	OPT_MAP = 'M',
	OPT_NAME = 'n',
	OPT_UUID = 'u',
	OPT_FORCE = 'f',
	OPT_RECONFIG = 'e',
	OPT_JSON = 'j',
	OPT_DRY_RUN = 4000,
	OPT_FOR,
	OPT_BACKUP_DIR,
};

static const struct cmd_option create_options[] = {
	{ "region", 'r', "REGION", "the region (default: the first that can hold the plan)" },
	{ "size", 's', "SIZE", "namespace size (default: the largest free extent)" },
	{ "mode", 'm', "MODE", "fsdax (default), devdax, raw or sector" },
	{ "align", 'a', "SIZE|auto",
	  "fsdax/devdax alignment (default auto: the largest that survives platform moves)" },
	{ "map", 'M', "mem|dev", "where the struct pages go (default dev)" },
	{ "name", 'n', "NAME", "a free-form name" },
	{ "uuid", 'u', "UUID", "the namespace uuid (default: generated)" },
	{ "for", 0, "kmem", "devdax to be onlined as System RAM: plan for whole memory blocks",
	  OPT_FOR },
	{ "force", 'f', NULL,
	  "reconfigure a namespace (destroys its data), or accept an alignment a platform move "
	  "would break" },
	{ "reconfig", 'e', "NAMESPACE", "reconfigure this namespace in place (needs -f)" },
	{ "backup-dir", 0, "DIR",
	  "where -e saves the namespace's first 8 KiB first (default: " NSA_STATE_DIR "/backup)",
	  OPT_BACKUP_DIR },
	{ "dry-run", 0, NULL, "print the plan, change nothing", OPT_DRY_RUN },
	{ "granularity", 'g', "SIZE",
	  "how far the platform moves PMEM (default: nsalign.conf, else 64M)", OPT_GRANULARITY },
	{ "snapshot", 0, "FILE", "with --dry-run: plan on a snapshot file", OPT_SNAPSHOT },
	{ "json", 'j', NULL,
	  "an error as a JSON document on standard output too (the result is JSON either way)" },
	{ NULL },
};

static const struct cmd_spec create_spec = {
	.name = "create-namespace",
	.usage = "nsalign create-namespace [-r REGION] [-s SIZE] [-m MODE] [-a SIZE|auto] [-M "
		 "mem|dev]\n"
		 "                                [-n NAME] [-u UUID] [--for kmem] [-f] "
		 "[--dry-run] [--json]\n"
		 "       nsalign create-namespace -e NAMESPACE -f [-m MODE] [-a SIZE|auto] ...",
	.about = "Create a PMEM namespace as 'ndctl create-namespace' does, with an alignment "
		 "that\n"
		 "survives the platform moving the PMEM by its granularity, and say what the "
		 "kernel\n"
		 "will lay out: where it lands, its data offset, which moves it survives, what "
		 "kmem\n"
		 "would yield. A failure after the kernel allocated capacity gives it back; a\n"
		 "failed -e puts the old namespace back from the 8 KiB saved before. Exit\n"
		 "status: 0 created (or planned), 64 usage, 66 no such region or namespace, 69 a\n"
		 "kernel module is missing, 73 cannot create as asked (the reason is printed),\n"
		 "77 needs root.",
	.options = create_options,
};

static int region_exists(const struct nsa_snapshot *s, const char *dev)
{
	return nsa_snapshot_find_region(s, dev) != NULL;
}

static void summary(const struct nsa_plan *p, const char *dev)
{
	char size[32], align[32];

	fprintf(stderr, "nsalign create-namespace: %s%s%s %s %s at %#" PRIx64 "%s%s: %s\n",
		dev ? dev : "", dev ? ": " : "", p->region, nsa_mode_name(p->mode),
		nsa_size_str(p->size, size, sizeof(size)), p->spa_start, p->align ? ", align " : "",
		p->align ? nsa_size_str(p->align, align, sizeof(align)) : "", p->guarantee);
	if (p->notes[0])
		fprintf(stderr, "nsalign create-namespace: %s\n", p->notes);
}

int cmd_create_namespace(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_plan_request req = { .mode = NSA_MODE_FSDAX,
					.granularity = nsa_get_platform_granularity(ctx) };
	const char *region = NULL, *name = NULL, *uuid = NULL, *snapshot_path = NULL, *arg;
	const char *reconfig = NULL, *backup_dir = NSA_STATE_DIR "/backup";
	bool mode_given = false;
	struct json_object *root = NULL;
	struct nsa_create_result res;
	struct nsa_snapshot *s = NULL, *after = NULL;
	struct nsa_analysis *a = NULL;
	struct nsa_plan plan;
	char err[320];
	bool dry_run = false;
	int c, r;

	while ((c = cmd_getopt(&create_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_REGION:
			region = arg;
			break;
		case OPT_SIZE:
			r = cmd_parse_positive_size(arg, &req.size);
			if (r == -EDOM)
				return cmd_size_unit_error("create-namespace", "--size", arg);
			if (r < 0) {
				cmd_error("create-namespace",
					  "--size '%s': expected a size such as 4G", arg);
				return EX_USAGE;
			}
			break;
		case OPT_MODE:
			mode_given = true;
			req.mode = cmd_parse_mode(arg);
			if (req.mode == NSA_MODE_UNKNOWN) {
				cmd_error("create-namespace",
					  "--mode '%s': expected fsdax, devdax, raw or sector",
					  arg);
				return EX_USAGE;
			}
			break;
		case OPT_ALIGN:
			r = cmd_parse_align(arg, &req.align);
			if (r == -EDOM)
				return cmd_size_unit_error("create-namespace", "--align", arg);
			if (r < 0) {
				cmd_error(
					"create-namespace",
					"--align '%s': expected auto or a power of two such as 2M",
					arg);
				return EX_USAGE;
			}
			break;
		case OPT_MAP:
			if (cmd_parse_map(arg, &req.map) < 0) {
				cmd_error("create-namespace", "--map '%s': expected mem or dev",
					  arg);
				return EX_USAGE;
			}
			break;
		case OPT_NAME:
			if (strlen(arg) >= 64) {
				cmd_error("create-namespace", "--name: at most 63 characters");
				return EX_USAGE;
			}
			name = arg;
			break;
		case OPT_UUID:
			uuid = arg;
			break;
		case OPT_FOR:
			if (strcmp(arg, "kmem") != 0) {
				cmd_error("create-namespace", "--for '%s': expected kmem", arg);
				return EX_USAGE;
			}
			req.for_kmem = true;
			break;
		case OPT_FORCE:
			req.force = true;
			break;
		case OPT_RECONFIG:
			reconfig = arg;
			break;
		case OPT_BACKUP_DIR:
			backup_dir = arg;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_JSON:
			/* the result is JSON already; main() writes an error as JSON */
			break;
		case OPT_GRANULARITY:
			r = cmd_parse_granularity("create-namespace", arg, &req.granularity);
			if (r)
				return r;
			break;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		cmd_error("create-namespace", "unexpected argument '%s'", argv[optind]);
		return EX_USAGE;
	}
	if (req.map != NSA_MAP_NONE && req.mode != NSA_MODE_FSDAX && req.mode != NSA_MODE_DEVDAX) {
		cmd_error("create-namespace", "--map goes with fsdax and devdax");
		return EX_USAGE;
	}
	r = cmd_may_change("create-namespace", dry_run, snapshot_path, "namespaces");
	if (r)
		return r;

	r = cmd_get_snapshot("create-namespace", ctx, snapshot_path, true, &s);
	if (r)
		return r;
	if (reconfig) {
		const struct nsa_namespace *old = nsa_snapshot_find_namespace(s, reconfig);
		char size[32];

		if (!old || !old->size) {
			cmd_error("create-namespace",
				  "%s: no such namespace (see 'nsalign list -N')", reconfig);
			r = EX_NOINPUT;
			goto out;
		}
		if (region && strcmp(region, old->region) != 0) {
			cmd_error("create-namespace", "%s is in %s, not in %s", old->dev,
				  old->region, region);
			r = EX_USAGE;
			goto out;
		}
		region = old->region;
		req.reconfig = old->dev;
		if (!mode_given && old->mode != NSA_MODE_UNKNOWN)
			req.mode = old->mode;
		if (!req.force && !dry_run) {
			cmd_error(
				"create-namespace",
				"%s (%s, %s, uuid %s) holds data: reconfiguring it to %s destroys "
				"it (its first 8 KiB are saved to %s first); add -f",
				old->dev, nsa_mode_name(old->mode),
				nsa_size_str(old->size, size, sizeof(size)),
				old->uuid[0] ? old->uuid : "none", nsa_mode_name(req.mode),
				backup_dir);
			r = EX_CANTCREAT;
			goto out;
		}
	}
	if (region && !region_exists(s, region)) {
		cmd_error("create-namespace", "%s: no such region (see 'nsalign list -R')", region);
		r = EX_NOINPUT;
		goto out;
	}
	if (region) {
		nsa_plan_namespace(s, region, &req, &plan);
	} else {
		/* the first region that can hold it; else the first region's reason */
		struct nsa_plan first = { .ok = false };

		plan.ok = false;
		for (size_t i = 0; i < s->n_regions && !plan.ok; i++) {
			nsa_plan_namespace(s, s->regions[i].dev, &req, &plan);
			if (i == 0)
				first = plan;
		}
		if (!plan.ok && s->n_regions)
			plan = first;
		if (!s->n_regions) {
			cmd_error("create-namespace", "no PMEM regions on this machine");
			r = EX_UNAVAILABLE;
			goto out;
		}
	}
	if (!plan.ok) {
		cmd_error("create-namespace", "%s", plan.refusal);
		r = EX_CANTCREAT;
		goto out;
	}
	root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_int(CREATE_JSON_SCHEMA));
	json_object_object_add(root, "plan", nsa_plan_to_json(&plan));
	if (dry_run) {
		summary(&plan, NULL);
		r = json_print(root);
		goto out;
	}

	if (nsa_load_mode_modules(ctx, plan.mode, req.for_kmem, err, sizeof(err)) < 0) {
		cmd_error("create-namespace", "%s; nothing was changed", err);
		r = EX_UNAVAILABLE;
		goto out;
	}
	if (reconfig) {
		r = nsa_reconfigure_namespace(ctx, reconfig, &plan, uuid, name, backup_dir, &res);
		if (r < 0 && res.restored)
			cmd_error("create-namespace",
				  "%s; %s is back as it was (its first 8 KiB "
				  "restored from %s)",
				  res.error, reconfig, res.backup);
		else if (r < 0 && res.rolled_back)
			cmd_error("create-namespace", "%s; nothing was changed", res.error);
		else if (r < 0)
			cmd_error("create-namespace",
				  "%s; RESTORE FAILED: %s's first 8 KiB are in %s ('ndctl "
				  "list -RNi' shows what is left)",
				  res.error, reconfig, res.backup[0] ? res.backup : "(no backup)");
		if (r < 0) {
			r = EX_CANTCREAT;
			goto out;
		}
		fprintf(stderr, "nsalign create-namespace: %s's old first 8 KiB are in %s\n",
			reconfig, res.backup);
	} else {
		r = nsa_create_namespace(ctx, &plan, uuid, name, &res);
		if (r < 0) {
			cmd_error(
				"create-namespace", "%s; %s", res.error,
				res.untouched ? "nothing was changed"
				: res.rolled_back
					? "rolled back: the region is as it was"
					: "ROLLBACK FAILED: check 'ndctl list -RNi' and destroy "
					  "the "
					  "half-made namespace with 'ndctl destroy-namespace -f'");
			r = EX_CANTCREAT;
			goto out;
		}
	}
	if (res.spa_start && res.spa_start != plan.spa_start)
		cmd_warn("create-namespace",
			 "%s landed at %#" PRIx64 ", not at the planned %#" PRIx64
			 "; its alignment guarantees still hold, 'nsalign check' has the details",
			 res.dev, res.spa_start, plan.spa_start);
	summary(&plan, res.dev);

	/* the namespace as 'nsalign list' shows it now */
	r = nsa_collect(ctx, &after);
	if (r == 0) {
		struct nsa_analysis_opts opts = { .platform_granularity = req.granularity,
						  .with_info = true };
		const struct nsa_namespace *ns = nsa_snapshot_find_namespace(after, res.uuid);

		if (nsa_analyze(after, &opts, &a) == 0 && ns)
			json_object_object_add(
				root, "namespace",
				json_namespace(after, a, (size_t)(ns - after->namespaces), 0));
	}
	r = json_print(root);
out:
	json_object_put(root);
	nsa_analysis_free(a);
	nsa_snapshot_free(after);
	nsa_snapshot_free(s);
	return r;
}
