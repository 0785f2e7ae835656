// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign simulate: which namespaces break if the platform moves the PMEM
 * by SIZE, with the kernel's reason, and what kmem would yield there.
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

enum { OPT_JSON = 'j', OPT_HUMAN = 'u', OPT_QUIET = 'q', OPT_SHIFT = 3000 };

static const struct cmd_option simulate_options[] = {
	{ "shift", 0, "SIZE[,SIZE...]",
	  "moves to simulate: 64M, -128M, 1G; repeated, the moves add up (default: every "
	  "multiple of the granularity up to the largest alignment in use, both signs)",
	  OPT_SHIFT },
	{ "snapshot", 's', "FILE", "simulate on a snapshot file instead of this machine",
	  OPT_SNAPSHOT },
	{ "json", 'j', NULL, "print one JSON document" },
	{ "format", 0, "text|json", "output format (default: text)", OPT_FORMAT },
	{ "granularity", 'g', "SIZE",
	  "how far the platform moves PMEM (default: nsalign.conf, else 64M)", OPT_GRANULARITY },
	{ "human", 'u', NULL, "JSON sizes and addresses as strings" },
	{ "quiet", 'q', NULL, "print nothing on stdout, also with --json; the exit code tells" },
	{ NULL },
};

static const struct cmd_spec simulate_spec = {
	.name = "simulate",
	.usage = "nsalign simulate [--shift SIZE[,SIZE...]] [--snapshot FILE] [--json] "
		 "[--granularity SIZE]",
	.about = "For every namespace: would the kernel still map it if the platform moved the "
		 "PMEM by\n"
		 "SIZE, and if not, which check refuses it with which message; for devdax, what\n"
		 "kmem would make usable there. Nothing is changed. Exit status: 0 every "
		 "namespace\n"
		 "available now survives every move, 1 some would break; 64 usage, 65 bad "
		 "snapshot,\n"
		 "66 missing file, 77 permission.",
	.options = simulate_options,
};

/* Append the moves of one --shift to *out (a repeated --shift adds up). */
static int parse_shifts(const char *arg, int64_t **out, size_t *n)
{
	size_t bad = 0, len = 0;

	switch (cmd_parse_shifts(arg, out, n, &bad, &len)) {
	case 0:
		return 0;
	case -EDOM: {
		_cleanup_free_ char *tok = strndup(arg + bad, len);

		return tok ? cmd_size_unit_error("simulate", "--shift", tok) : EX_SOFTWARE;
	}
	case -EINVAL:
		cmd_error("simulate", "--shift '%.*s': expected a size such as 64M, -128M or 1G",
			  (int)len, arg + bad);
		return EX_USAGE;
	case -ERANGE:
		cmd_error("simulate",
			  "--shift '%.*s': a move is a multiple of 4 KiB (the platform "
			  "maps whole pages)",
			  (int)len, arg + bad);
		return EX_USAGE;
	case -ENODATA:
		cmd_error("simulate", "--shift: expected at least one size");
		return EX_USAGE;
	default:
		return EX_SOFTWARE;
	}
}

static const char *shift_name(int64_t shift, char *buf, size_t len)
{
	char s[32];

	if (!shift) {
		snprintf(buf, len, "no move");
		return buf;
	}
	snprintf(buf, len, "%s%s", shift < 0 ? "-" : "+",
		 nsa_size_str(shift < 0 ? (uint64_t)-shift : (uint64_t)shift, s, sizeof(s)));
	return buf;
}

/* What repair would do where the move takes it: "" when it is not refused there. */
static const char *repair_note(const struct nsa_shift_result *r, char *buf, size_t len)
{
	char sz[32];

	buf[0] = '\0';
	if (r->verdict == NSA_ACCEPT_NO && r->repair == 1)
		snprintf(buf, len, "; 'nsalign repair' would bring it back (align %s)",
			 nsa_size_str(r->repair_align, sz, sizeof(sz)));
	else if (r->verdict == NSA_ACCEPT_NO && r->repair == 0)
		snprintf(buf, len, "; no repair can, 'nsalign rescue' would read the data");
	return buf;
}

/*
 * "REFUSED by ...: 'bad offset: ...'" -- moves with the same outcome (and
 * the same repair) are printed together.
 */
static void outcome(const struct nsa_shift_result *r, bool with_repair, char *buf, size_t len)
{
	char note[96];

	if (r->verdict == NSA_ACCEPT_YES)
		snprintf(buf, len, "available");
	else if (r->verdict == NSA_ACCEPT_NO && r->placement.kernel_message[0])
		snprintf(buf, len, "REFUSED by %s(): '%s'%s", r->placement.kernel_check,
			 r->placement.kernel_message,
			 with_repair ? repair_note(r, note, sizeof(note)) : "");
	else if (r->verdict == NSA_ACCEPT_NO)
		snprintf(buf, len, "unavailable (%s)", r->reason ? r->reason : "?");
	else
		snprintf(buf, len, "unknown (%s)", r->reason ? r->reason : "?");
}

static void print_namespace(const struct nsa_snapshot *s, const struct nsa_analysis *a, size_t i,
			    const struct nsa_shift_result *res, size_t n)
{
	const struct nsa_namespace *ns = &s->namespaces[i];
	char size[32], out[320], head[320], note[96], nb[96], sh[40], u1[32], u2[32];
	bool *done = calloc(n, sizeof(*done));
	uint64_t kmin = UINT64_MAX, kmax = 0;
	char *line = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(out, sizeof(out), "%s  %s  %s at %#" PRIx64 "%s%s%s, %s now", ns->dev,
		 nsa_mode_name(ns->mode), nsa_size_str(ns->size, size, sizeof(size)), ns->spa_start,
		 ns->uuid[0] ? " (uuid " : "", ns->uuid, ns->uuid[0] ? ")" : "",
		 a->verdicts[i].available ? "available" : "NOT available");
	cmd_wrap(stdout, 0, 4, out);
	for (size_t k = 0; done && k < n; k++) {
		size_t count = 0, shown = 0;

		if (done[k])
			continue;
		/* one outcome and its moves in a line of its own, wrapped to fit */
		f = open_memstream(&line, &len);
		if (!f)
			break;
		outcome(&res[k], true, out, sizeof(out));
		for (size_t j = k; j < n; j++) {
			char other[320];

			outcome(&res[j], true, other, sizeof(other));
			if (strcmp(other, out) == 0)
				count++;
		}
		outcome(&res[k], false, head, sizeof(head));
		fprintf(f, "%s after ", head);
		for (size_t j = k; j < n; j++) {
			char other[320];

			if (done[j])
				continue;
			outcome(&res[j], true, other, sizeof(other));
			if (strcmp(other, out) != 0)
				continue;
			done[j] = true;
			if (shown < 6 || j == n - 1 || count <= 8)
				fprintf(f, "%s%s", shown ? ", " : "",
					shift_name(res[j].shift, sh, sizeof(sh)));
			else if (shown == 6)
				fprintf(f, ", ...");
			shown++;
		}
		/* the repair note is one phrase: a script may grep it */
		fprintf(f, " (%zu%cmove%s)%s", count, CMD_NBSP, count == 1 ? "" : "s",
			cmd_nobreak(nb, sizeof(nb), repair_note(&res[k], note, sizeof(note))));
		fclose(f);
		printf("  ");
		cmd_wrap(stdout, 2, 4, line);
		free(line);
		line = NULL;
	}
	for (size_t k = 0; k < n; k++) {
		if (!res[k].has_kmem)
			continue;
		if (res[k].kmem_usable_after < kmin)
			kmin = res[k].kmem_usable_after;
		if (res[k].kmem_usable_after > kmax)
			kmax = res[k].kmem_usable_after;
	}
	if (kmax || kmin != UINT64_MAX) {
		snprintf(out, sizeof(out),
			 "as System RAM (kmem): %s now; %s to %s after these moves",
			 nsa_size_str(a->verdicts[i].kmem_usable, size, sizeof(size)),
			 nsa_size_str(kmin, u1, sizeof(u1)), nsa_size_str(kmax, u2, sizeof(u2)));
		printf("  ");
		cmd_wrap(stdout, 2, 4, out);
	}
	free(done);
}

static struct json_object *json_result(const struct nsa_shift_result *r, unsigned flags)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "shift", json_object_new_int64(r->shift));
	json_object_object_add(o, "resource", json_addr(r->spa_after, flags));
	json_object_object_add(o, "available_after",
			       r->verdict == NSA_ACCEPT_UNKNOWN
				       ? NULL
				       : json_object_new_boolean(r->verdict == NSA_ACCEPT_YES));
	if (r->verdict == NSA_ACCEPT_NO && r->placement.kernel_message[0]) {
		json_object_object_add(o, "kernel_check",
				       json_object_new_string(r->placement.kernel_check));
		json_object_object_add(o, "kernel_message",
				       json_object_new_string(r->placement.kernel_message));
		if (r->placement.violated_align)
			json_object_object_add(o, "violated_align",
					       json_size(r->placement.violated_align, flags));
		if (r->placement.violated_addr)
			json_object_object_add(o, "checked_addr",
					       json_addr(r->placement.violated_addr, flags));
	}
	if (r->verdict == NSA_ACCEPT_NO) {
		json_object_object_add(o, "repairable",
				       r->repair < 0 ? NULL : json_object_new_boolean(r->repair));
		if (r->repair == 1)
			json_object_object_add(o, "repair_align",
					       json_size(r->repair_align, flags));
	}
	if (r->reason)
		json_object_object_add(o, "reason", json_object_new_string(r->reason));
	if (r->has_kmem) {
		json_object_object_add(o, "kmem_usable_after",
				       json_size(r->kmem_usable_after, flags));
		json_object_object_add(o, "kmem_blocks_after",
				       json_object_new_uint64(r->kmem_blocks_after));
	}
	return o;
}

int cmd_simulate(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_analysis_opts opts = { .platform_granularity = nsa_get_platform_granularity(ctx),
					  .with_info = true };
	const char *snapshot_path = NULL, *arg;
	struct nsa_shift_result *res = NULL;
	struct json_object *root = NULL, *nss = NULL, *shifts = NULL;
	struct nsa_snapshot *s = NULL;
	struct nsa_analysis *a = NULL;
	int64_t *shift = NULL;
	size_t n_shift = 0, *order = NULL;
	bool json = false, breaks = false, quiet = false;
	unsigned flags = 0;
	int c, r;

	while ((c = cmd_getopt(&simulate_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			r = 0;
			goto out;
		case OPT_SHIFT:
			r = parse_shifts(arg, &shift, &n_shift);
			if (r)
				goto out;
			break;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "json") == 0 || strcmp(arg, "text") == 0) {
				json = strcmp(arg, "json") == 0;
			} else {
				cmd_error("simulate", "--format '%s': expected text or json", arg);
				r = EX_USAGE;
				goto out;
			}
			break;
		case OPT_GRANULARITY:
			r = cmd_parse_granularity("simulate", arg, &opts.platform_granularity);
			if (r)
				goto out;
			break;
		case OPT_HUMAN:
			flags |= JSON_HUMAN;
			break;
		case OPT_QUIET:
			quiet = true;
			break;
		default:
			r = EX_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		cmd_error("simulate", "unexpected argument '%s' (see 'nsalign simulate --help')",
			  argv[optind]);
		r = EX_USAGE;
		goto out;
	}

	r = cmd_get_snapshot("simulate", ctx, snapshot_path, true, &s);
	if (r)
		goto out;
	/* --granularity, else nsalign.conf, else the architecture's */
	opts.platform_granularity =
		nsa_platform_granularity(&s->platform, opts.platform_granularity);
	r = nsa_analyze(s, &opts, &a);
	if (r < 0) {
		cmd_error("simulate", "analysis failed: %s", strerror(-r));
		r = EX_SOFTWARE;
		goto out;
	}
	if (!shift && nsa_default_shifts(a, opts.platform_granularity, &shift, &n_shift) < 0) {
		r = EX_SOFTWARE;
		goto out;
	}
	res = calloc(n_shift ? n_shift : 1, sizeof(*res));
	if (!res) {
		r = EX_SOFTWARE;
		goto out;
	}

	if (!s->platform.iomem_visible)
		flags |= JSON_NO_ADDRESSES;
	if (json) {
		root = json_object_new_object();
		json_object_object_add(root, "schema", json_object_new_int(SIMULATE_JSON_SCHEMA));
		shifts = json_object_new_array();
		nss = json_object_new_array();
		json_object_object_add(root, "source", json_object_new_string(s->source));
		json_object_object_add(root, "granularity",
				       json_size(opts.platform_granularity, flags));
		for (size_t k = 0; k < n_shift; k++)
			json_object_array_add(shifts, json_object_new_int64(shift[k]));
		json_object_object_add(root, "shifts", shifts);
	} else if (!quiet) {
		char g[32];

		char line[256];

		snprintf(line, sizeof(line),
			 "Platform moves simulated on %s%s%s%s: %zu move%s (granularity %s)",
			 strcmp(s->source, "live") == 0 ? "this machine" : "snapshot",
			 s->platform.kernel_release[0] ? " (kernel " : "",
			 s->platform.kernel_release, s->platform.kernel_release[0] ? ")" : "",
			 n_shift, n_shift == 1 ? "" : "s",
			 nsa_size_str(opts.platform_granularity, g, sizeof(g)));
		cmd_wrap(stdout, 0, 2, line);
		printf("\n");
		if (!s->n_namespaces)
			printf("No namespaces.\n");
	}
	/* text: namespaces in address order; JSON: as collected */
	order = calloc(s->n_namespaces ? s->n_namespaces : 1, sizeof(*order));
	if (!order) {
		r = EX_SOFTWARE;
		goto out;
	}
	if (json)
		for (size_t i = 0; i < s->n_namespaces; i++)
			order[i] = i;
	else
		cmd_ns_address_order(s, order);
	for (size_t pos = 0; pos < s->n_namespaces; pos++) {
		size_t i = order[pos];

		for (size_t k = 0; k < n_shift; k++) {
			nsa_simulate_shift(s, a, i, shift[k], &res[k]);
			if (a->verdicts[i].available && res[k].verdict != NSA_ACCEPT_YES)
				breaks = true;
		}
		if (json) {
			struct json_object *o = json_namespace(s, a, i, flags);
			struct json_object *after = json_object_new_array();

			for (size_t k = 0; k < n_shift; k++)
				json_object_array_add(after, json_result(&res[k], flags));
			if (n_shift == 1)
				json_object_object_add(
					o, "available_after",
					res[0].verdict == NSA_ACCEPT_UNKNOWN
						? NULL
						: json_object_new_boolean(res[0].verdict ==
									  NSA_ACCEPT_YES));
			json_object_object_add(o, "after", after);
			json_object_array_add(nss, o);
		} else if (!quiet) {
			print_namespace(s, a, i, res, n_shift);
		}
	}
	if (json) {
		json_object_object_add(root, "namespaces", nss);
		r = quiet ? 0 : json_print(root);
	} else {
		r = 0;
	}
	if (r == 0)
		r = breaks ? 1 : 0;
out:
	json_object_put(root);
	free(order);
	free(res);
	free(shift);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
	return r;
}
