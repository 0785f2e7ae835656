// SPDX-License-Identifier: GPL-2.0-or-later
/* nsalign snapshot: the collected layout as JSON, for later or elsewhere. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "builtin.h"

static const struct cmd_option snapshot_options[] = {
	{ "output", 'o', "FILE", "write to FILE (atomically) instead of standard output" },
	{ "json", 'j', NULL,
	  "an error as a JSON document on standard output too (the snapshot is JSON either way)" },
	{ NULL },
};

static const struct cmd_spec snapshot_spec = {
	.name = "snapshot",
	.usage = "nsalign snapshot [-o FILE] [--json]",
	.about = "Write what nsalign collects from this machine (platform granularities, "
		 "/proc/iomem,\n"
		 "regions, namespaces, dax devices, memory blocks) as one JSON document. 'nsalign\n"
		 "check --snapshot FILE' analyzes it later, here or on another machine. Nothing\n"
		 "on the system is changed.",
	.options = snapshot_options,
};

int cmd_snapshot(int argc, char **argv, struct nsa_ctx *ctx)
{
	const char *output = NULL, *arg;
	struct nsa_snapshot *s = NULL;
	struct json_object *obj;
	int c, r;

	while ((c = cmd_getopt(&snapshot_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case 'o':
			output = arg;
			break;
		case 'j':
			/* the document is JSON already; main() writes an error as JSON */
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		cmd_error("snapshot", "unexpected argument '%s' (see 'nsalign snapshot --help')",
			  argv[optind]);
		return EX_USAGE;
	}

	r = cmd_get_snapshot("snapshot", ctx, NULL, false, &s);
	if (r)
		return r;
	for (size_t i = 0; i < s->n_notes; i++)
		cmd_warn("snapshot", "%s", s->notes[i]);

	if (output) {
		r = nsa_snapshot_save(s, output);
		nsa_snapshot_free(s);
		if (r == -EACCES || r == -EPERM || r == -EROFS) {
			cmd_error("snapshot", "%s: %s", output, strerror(-r));
			return EX_NOPERM;
		}
		if (r < 0) {
			cmd_error("snapshot", "%s: %s", output, strerror(-r));
			return EX_IOERR;
		}
		if (r > 0)
			cmd_warn("snapshot",
				 "%s: written, but syncing its directory failed: %s (a power cut "
				 "may lose it)",
				 output, strerror(r));
		return 0;
	}

	obj = nsa_snapshot_to_json(s);
	nsa_snapshot_free(s);
	if (!obj) {
		cmd_error("snapshot", "out of memory");
		return EX_SOFTWARE;
	}
	r = json_print(obj);
	json_object_put(obj);
	return r;
}
