// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign check: validate every namespace against this kernel's rules and
 * say, in plain words, what is wrong, why, and what to do.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "builtin.h"

enum { OPT_JSON = 'j', OPT_VERBOSE = 'v', OPT_QUIET = 'q', OPT_HUMAN = 'u' };

static const struct cmd_option check_options[] = {
	{ "snapshot", 's', "FILE", "analyze a snapshot file instead of this machine",
	  OPT_SNAPSHOT },
	{ "json", 'j', NULL, "print one JSON document (findings and namespaces)" },
	{ "format", 0, "text|json", "output format (default: text)", OPT_FORMAT },
	{ "granularity", 'g', "SIZE", "how far the platform moves PMEM (default: 64M)",
	  OPT_GRANULARITY },
	{ "human", 'u', NULL, "JSON sizes and addresses as strings, as 'ndctl list -u'" },
	{ "verbose", 'v', NULL, "also show informational findings and every fact" },
	{ "quiet", 'q', NULL, "print nothing; the exit code tells" },
	{ NULL },
};

static const struct cmd_spec check_spec = {
	.name = "check",
	.usage = "nsalign check [--snapshot FILE] [--json] [--granularity SIZE] [-v|-q]",
	.about = "Validate every PMEM namespace: will this kernel map it, which sections and "
		 "memory\n"
		 "blocks it shares with System RAM or other PMEM, which platform move would break\n"
		 "it, and what memory hotplug would lose. Exit status: 0 nothing wrong, 1 "
		 "warnings,\n"
		 "2 errors; 64 usage, 65 bad snapshot, 66 missing file, 77 permission.",
	.options = check_options,
};

/* Words wrapped to 78 columns, every line indented by `indent`. */
static void print_wrapped(const char *text, int indent, const char *first_prefix)
{
	const int width = 78;
	int col = 0;
	const char *p = text;

	col = printf("%*s%s", indent, "", first_prefix);
	while (*p) {
		size_t word = strcspn(p, " \n");

		if (col > indent + (int)strlen(first_prefix) && col + 1 + (int)word > width) {
			col = printf("\n%*s", indent + (int)strlen(first_prefix), "") - 1;
		} else if (col > indent + (int)strlen(first_prefix)) {
			col += printf(" ");
		}
		col += printf("%.*s", (int)word, p);
		p += word;
		if (*p == '\n') {
			col = printf("\n%*s", indent + (int)strlen(first_prefix), "") - 1;
			p++;
		}
		while (*p == ' ')
			p++;
	}
	printf("\n");
}

static void print_fact(const struct nsa_fact *f)
{
	char buf[64];

	switch (f->type) {
	case NSA_FACT_ADDR:
		printf("      %-22s %#" PRIx64 "\n", f->key, f->u64);
		break;
	case NSA_FACT_U64:
		if (f->u64 >= 65536)
			printf("      %-22s %s (%#" PRIx64 ")\n", f->key,
			       nsa_size_str(f->u64, buf, sizeof(buf)), f->u64);
		else
			printf("      %-22s %" PRIu64 "\n", f->key, f->u64);
		break;
	case NSA_FACT_I64:
		if (f->i64 <= -65536 || f->i64 >= 65536)
			printf("      %-22s %s%s\n", f->key, f->i64 < 0 ? "-" : "+",
			       nsa_size_str(f->i64 < 0 ? (uint64_t)-f->i64 : (uint64_t)f->i64, buf,
					    sizeof(buf)));
		else
			printf("      %-22s %" PRId64 "\n", f->key, f->i64);
		break;
	case NSA_FACT_BOOL:
		printf("      %-22s %s\n", f->key, f->b ? "yes" : "no");
		break;
	case NSA_FACT_STR:
		printf("      %-22s %s\n", f->key, f->str ? f->str : "");
		break;
	}
}

static void print_finding(const struct nsa_finding *f, bool verbose)
{
	char head[160];

	snprintf(head, sizeof(head), "%s %s%s%s", nsa_severity_name(f->severity), f->code->code,
		 f->dev[0] ? " " : "", f->dev);
	printf("%s", head);
	if (f->uuid[0])
		printf(" (uuid %s)", f->uuid);
	printf("\n");
	if (f->message)
		print_wrapped(f->message, 4, "");
	for (int i = 0; i < f->n_facts; i++) {
		/* the kernel's own words are worth showing even when terse */
		if (verbose || strcmp(f->facts[i].key, "kernel_message") == 0)
			print_fact(&f->facts[i]);
	}
	if (f->remedy)
		print_wrapped(f->remedy, 4, "What to do: ");
	printf("\n");
}

static void print_namespace_line(const struct nsa_snapshot *s, const struct nsa_ns_verdict *v,
				 uint64_t granularity)
{
	const struct nsa_namespace *ns = &s->namespaces[v->ns_index];
	char size[32], g[32], brk[32];

	printf("  %-14s %-7s %10s at %#-14" PRIx64 " ", ns->dev, nsa_mode_name(ns->mode),
	       nsa_size_str(ns->size, size, sizeof(size)), ns->spa_start);
	if (!v->available)
		printf("UNAVAILABLE");
	else if (v->survives_granularity)
		printf("available, survives %s platform moves",
		       nsa_size_str(granularity, g, sizeof(g)));
	else if (v->break_shift)
		printf("available, FRAGILE: a %s move breaks it",
		       nsa_size_str(v->break_shift, brk, sizeof(brk)));
	else
		printf("available");
	printf("\n");
}

static void print_text(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		       uint64_t granularity, bool verbose)
{
	const struct nsa_platform *p = &s->platform;
	char bs[32], sec[32], sub[32], g[32];
	size_t shown = 0;

	printf("PMEM layout of %s%s%s%s: %zu region%s, %zu namespace%s\n",
	       strcmp(s->source, "live") == 0 ? "this machine" : "snapshot",
	       p->kernel_release[0] ? " (kernel " : "", p->kernel_release,
	       p->kernel_release[0] ? ")" : "", s->n_regions, s->n_regions == 1 ? "" : "s",
	       s->n_namespaces, s->n_namespaces == 1 ? "" : "s");
	if (p->arch[0])
		printf("  %s: memory blocks %s, sections %s, subsections %s, platform granularity "
		       "%s\n",
		       p->arch, nsa_size_str(p->block_size, bs, sizeof(bs)),
		       nsa_size_str(p->section_size, sec, sizeof(sec)),
		       nsa_size_str(p->subsection_size, sub, sizeof(sub)),
		       nsa_size_str(granularity, g, sizeof(g)));
	if (strcmp(s->source, "live") != 0)
		printf("  source: %s\n", s->source);
	printf("\n");

	if (a->n_verdicts) {
		printf("Namespaces:\n");
		for (size_t i = 0; i < a->n_verdicts; i++)
			print_namespace_line(s, &a->verdicts[i], granularity);
		printf("\n");
	}

	/* errors first, then warnings, then (verbose) info */
	for (int sev = NSA_SEV_ERROR; sev >= NSA_SEV_INFO; sev--) {
		if (sev == NSA_SEV_INFO && !verbose)
			break;
		for (size_t i = 0; i < a->n_findings; i++) {
			if ((int)a->findings[i].severity != sev)
				continue;
			print_finding(&a->findings[i], verbose);
			shown++;
		}
	}
	if (!verbose && a->counts[NSA_SEV_INFO]) {
		/* a finding that stands alone (no PMEM at all) is shown even so */
		for (size_t i = 0; i < a->n_findings && !shown && !a->n_verdicts; i++)
			print_finding(&a->findings[i], false);
	}
	printf("%d error%s, %d warning%s, %d note%s%s.\n", a->counts[NSA_SEV_ERROR],
	       a->counts[NSA_SEV_ERROR] == 1 ? "" : "s", a->counts[NSA_SEV_WARNING],
	       a->counts[NSA_SEV_WARNING] == 1 ? "" : "s", a->counts[NSA_SEV_INFO],
	       a->counts[NSA_SEV_INFO] == 1 ? "" : "s",
	       !verbose && a->counts[NSA_SEV_INFO] ? " (-v shows the notes)" : "");
}

static int print_json(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		      uint64_t granularity, unsigned flags)
{
	struct json_object *root = json_object_new_object();
	struct json_object *summary = json_object_new_object();
	struct json_object *namespaces = json_object_new_array();
	int r;

	json_object_object_add(summary, "errors", json_object_new_int(a->counts[NSA_SEV_ERROR]));
	json_object_object_add(summary, "warnings",
			       json_object_new_int(a->counts[NSA_SEV_WARNING]));
	json_object_object_add(summary, "info", json_object_new_int(a->counts[NSA_SEV_INFO]));
	json_object_object_add(summary, "exit_code",
			       json_object_new_int(nsa_analysis_exit_code(a)));
	json_object_object_add(summary, "source", json_object_new_string(s->source));
	json_object_object_add(root, "summary", summary);
	json_object_object_add(root, "platform", json_platform(&s->platform, granularity, flags));
	json_object_object_add(root, "findings", json_findings(a, flags));
	for (size_t i = 0; i < s->n_namespaces; i++)
		json_object_array_add(namespaces, json_namespace(s, a, i, flags));
	json_object_object_add(root, "namespaces", namespaces);
	r = json_print(root);
	json_object_put(root);
	return r;
}

int cmd_check(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_analysis_opts opts = { .platform_granularity = nsa_get_platform_granularity(ctx),
					  .with_info = true };
	const char *snapshot_path = NULL, *arg;
	struct nsa_snapshot *s = NULL;
	struct nsa_analysis *a = NULL;
	bool json = false, verbose = false, quiet = false;
	unsigned flags = 0;
	int c, r;

	while ((c = cmd_getopt(&check_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "json") == 0) {
				json = true;
			} else if (strcmp(arg, "text") == 0) {
				json = false;
			} else {
				cmd_error("check", "--format '%s': expected text or json", arg);
				return EX_USAGE;
			}
			break;
		case OPT_GRANULARITY:
			r = cmd_parse_granularity("check", arg, &opts.platform_granularity);
			if (r)
				return r;
			break;
		case OPT_HUMAN:
			flags |= JSON_HUMAN;
			break;
		case OPT_VERBOSE:
			verbose = true;
			break;
		case OPT_QUIET:
			quiet = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		cmd_error("check", "unexpected argument '%s' (see 'nsalign check --help')",
			  argv[optind]);
		return EX_USAGE;
	}

	r = cmd_get_snapshot("check", ctx, snapshot_path, true, &s);
	if (r)
		return r;
	r = nsa_analyze(s, &opts, &a);
	if (r < 0) {
		cmd_error("check", "analysis failed: %s", strerror(-r));
		nsa_snapshot_free(s);
		return EX_SOFTWARE;
	}

	if (json)
		r = print_json(s, a, opts.platform_granularity, flags);
	else if (!quiet)
		print_text(s, a, opts.platform_granularity, verbose);
	if (r == 0)
		r = nsa_analysis_exit_code(a);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
	return r;
}
