// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign check: validate every namespace against this kernel's rules and
 * say, in plain words, what is wrong, why, and what to do.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "builtin.h"

enum {
	OPT_JSON = 'j',
	OPT_VERBOSE = 'v',
	OPT_QUIET = 'q',
	OPT_HUMAN = 'u',
	OPT_OUTPUT = 'o',
	OPT_BOOT = 2000,
	OPT_RECORD,
	OPT_ALWAYS_RECORD,
	OPT_STATE_DIR,
	OPT_HISTORY,
	OPT_JOURNAL,
	OPT_NO_JOURNAL,
	OPT_LOCK_TIMEOUT,
};

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_PROMETHEUS };

static const struct cmd_option check_options[] = {
	{ "snapshot", 's', "FILE", "analyze a snapshot file instead of this machine",
	  OPT_SNAPSHOT },
	{ "json", 'j', NULL, "print one JSON document (findings and namespaces)" },
	{ "format", 0, "text|json|prometheus", "output format (default: text)", OPT_FORMAT },
	{ "output", 'o', "FILE", "write the output to FILE, atomically (prometheus textfile)" },
	{ "boot", 0, NULL, "compare with the recorded layout; record this boot if nothing is wrong",
	  OPT_BOOT },
	{ "record", 0, NULL, "record the layout as it is now as the known-good one", OPT_RECORD },
	{ "always-record", 0, NULL, "with --boot: record this boot even when something is wrong",
	  OPT_ALWAYS_RECORD },
	{ "state-dir", 0, "DIR", "where layouts are recorded (default: " NSA_STATE_DIR ")",
	  OPT_STATE_DIR },
	{ "history", 0, "N", "boot records to keep (default: 16)", OPT_HISTORY },
	{ "lock-timeout", 0, "SECONDS", "wait this long for another run's lock (default: 30)",
	  OPT_LOCK_TIMEOUT },
	{ "journal", 0, NULL, "send each finding to the journal (default with --boot)",
	  OPT_JOURNAL },
	{ "no-journal", 0, NULL, "do not send findings to the journal", OPT_NO_JOURNAL },
	{ "granularity", 'g', "SIZE",
	  "how far the platform moves PMEM (default: nsalign.conf, else 64M)", OPT_GRANULARITY },
	{ "human", 'u', NULL, "JSON sizes and addresses as strings, as 'ndctl list -u'" },
	{ "verbose", 'v', NULL, "also show informational findings and every fact" },
	{ "quiet", 'q', NULL, "print nothing on stdout, also with --json; the exit code tells" },
	{ NULL },
};

static const struct cmd_spec check_spec = {
	.name = "check",
	.usage = "nsalign check [--boot|--record] [--snapshot FILE] [--format FORMAT] [-o FILE]\n"
		 "                     [--granularity SIZE] [-v|-q]",
	.about =
		"Validate every PMEM namespace: will this kernel map it, which sections and "
		"memory\n"
		"blocks it shares with System RAM or other PMEM, which platform move would break\n"
		"it, and what memory hotplug would lose. With --boot, also what moved, vanished "
		"or\n"
		"broke since the recorded layout, and why. Exit status: 0 nothing wrong, 1\n"
		"warnings, 2 errors; 64 usage, 65 bad snapshot or state, 66 missing file, 74 I/O,\n"
		"75 state locked by another run, 77 permission.",
	.options = check_options,
};

/* The widths of the namespace table's columns: dev, mode, size, address. */
struct ns_widths {
	int dev, mode, size, addr;
};

static void namespace_widths(const struct nsa_snapshot *s, const struct nsa_analysis *a,
			     struct ns_widths *w)
{
	char buf[32];

	*w = (struct ns_widths){ 0 };
	for (size_t i = 0; i < a->n_verdicts; i++) {
		const struct nsa_namespace *ns = &s->namespaces[a->verdicts[i].ns_index];
		int n;

		n = (int)strlen(ns->dev);
		w->dev = n > w->dev ? n : w->dev;
		n = (int)strlen(nsa_mode_name(ns->mode));
		w->mode = n > w->mode ? n : w->mode;
		n = (int)strlen(nsa_size_str(ns->size, buf, sizeof(buf)));
		w->size = n > w->size ? n : w->size;
		n = snprintf(buf, sizeof(buf), "%#" PRIx64, ns->spa_start);
		w->addr = n > w->addr ? n : w->addr;
	}
}

static void print_namespace_line(const struct nsa_snapshot *s, const struct nsa_ns_verdict *v,
				 uint64_t granularity, const struct ns_widths *w)
{
	const struct nsa_namespace *ns = &s->namespaces[v->ns_index];
	char size[32], g[32], brk[32], addr[32], state[96];
	int col;

	snprintf(addr, sizeof(addr), "%#" PRIx64, ns->spa_start);
	col = printf("  %-*s %-*s %*s at %-*s ", w->dev, ns->dev, w->mode, nsa_mode_name(ns->mode),
		     w->size, nsa_size_str(ns->size, size, sizeof(size)), w->addr, addr);
	if (!v->available)
		snprintf(state, sizeof(state), "UNAVAILABLE");
	else if (v->survives_granularity)
		snprintf(state, sizeof(state), "survives %s platform moves",
			 nsa_size_str(granularity, g, sizeof(g)));
	else if (v->break_shift)
		snprintf(state, sizeof(state), "FRAGILE: a %s move breaks it",
			 nsa_size_str(v->break_shift, brk, sizeof(brk)));
	else
		snprintf(state, sizeof(state), "available");
	cmd_wrap(stdout, (size_t)col, col < 56 ? (size_t)col : 6, state);
}

/* Namespaces in address order (the kernel's names follow the labels' order). */
static int by_address(const void *x, const void *y, void *data)
{
	return cmd_ns_address_cmp(data, ((const struct nsa_ns_verdict *)x)->ns_index,
				  ((const struct nsa_ns_verdict *)y)->ns_index);
}

/* What --boot / --record did with the state store, for the report. */
struct history {
	const char *dir;
	bool used;
	const struct nsa_boot_record *base; /* compared with, or NULL */
	char base_id[NSA_UUID_LEN];
	int64_t base_at;
	bool recorded, as_baseline;
	const char *damaged_path;
};

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void print_history(const struct history *h, int exit_code)
{
	char when[48];

	if (!h->used)
		return;
	char line[512];

	if (h->base_at) {
		fmt_time(h->base_at, when, sizeof(when));
		snprintf(line, sizeof(line), "Compared with the layout recorded on %s (boot %s).",
			 when, h->base_id);
		cmd_wrap(stdout, 0, 0, line);
	}
	if (h->recorded && h->as_baseline) {
		snprintf(line, sizeof(line), "Recorded this layout as the known-good one in %s.",
			 h->dir);
		cmd_wrap(stdout, 0, 0, line);
	} else if (h->recorded) {
		snprintf(line, sizeof(line),
			 "Recorded this boot in %s, but not as the known-good layout (errors); the "
			 "next boot is compared with the previous one. 'nsalign check --record' "
			 "makes this one known-good.",
			 h->dir);
		cmd_wrap(stdout, 0, 0, line);
	} else if (exit_code == 2)
		printf("Nothing recorded.\n");
}

static void print_text(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		       uint64_t granularity, bool verbose, const struct history *h)
{
	const struct nsa_platform *p = &s->platform;
	char bs[32], sec[32], sub[32], g[32];
	size_t shown = 0;

	char line[320];

	snprintf(line, sizeof(line), "PMEM layout of %s%s%s%s: %zu region%s, %zu namespace%s",
		 strcmp(s->source, "live") == 0 ? "this machine" : "snapshot",
		 p->kernel_release[0] ? " (kernel " : "", p->kernel_release,
		 p->kernel_release[0] ? ")" : "", s->n_regions, s->n_regions == 1 ? "" : "s",
		 s->n_namespaces, s->n_namespaces == 1 ? "" : "s");
	cmd_wrap(stdout, 0, 2, line);
	if (p->arch[0]) {
		snprintf(line, sizeof(line),
			 "%s: memory blocks %s, sections %s, subsections %s, platform granularity "
			 "%s",
			 p->arch, nsa_size_str(p->block_size, bs, sizeof(bs)),
			 nsa_size_str(p->section_size, sec, sizeof(sec)),
			 nsa_size_str(p->subsection_size, sub, sizeof(sub)),
			 nsa_size_str(granularity, g, sizeof(g)));
		printf("  ");
		cmd_wrap(stdout, 2, 4, line);
	}
	if (strcmp(s->source, "live") != 0) {
		printf("  source: ");
		cmd_wrap(stdout, 10, 4, s->source);
	}
	printf("\n");

	if (a->n_verdicts) {
		struct nsa_ns_verdict *v = malloc(a->n_verdicts * sizeof(*v));
		struct ns_widths w;

		namespace_widths(s, a, &w);
		if (v) {
			memcpy(v, a->verdicts, a->n_verdicts * sizeof(*v));
			qsort_r(v, a->n_verdicts, sizeof(*v), by_address, (void *)s);
		}
		printf("Namespaces:\n");
		for (size_t i = 0; i < a->n_verdicts; i++)
			print_namespace_line(s, v ? &v[i] : &a->verdicts[i], granularity, &w);
		free(v);
		printf("\n");
	}

	/* errors first, then warnings, then (verbose) info */
	for (int sev = NSA_SEV_ERROR; sev >= NSA_SEV_INFO; sev--) {
		if (sev == NSA_SEV_INFO && !verbose)
			break;
		for (size_t i = 0; i < a->n_findings; i++) {
			if ((int)a->findings[i].severity != sev)
				continue;
			cmd_print_finding(&a->findings[i], verbose);
			shown++;
		}
	}
	if (!verbose && a->counts[NSA_SEV_INFO]) {
		/* a finding that stands alone (no PMEM at all) is shown even so */
		for (size_t i = 0; i < a->n_findings && !shown && !a->n_verdicts; i++)
			cmd_print_finding(&a->findings[i], false);
	}
	print_history(h, nsa_analysis_exit_code(a));
	printf("%d error%s, %d warning%s, %d note%s%s.\n", a->counts[NSA_SEV_ERROR],
	       a->counts[NSA_SEV_ERROR] == 1 ? "" : "s", a->counts[NSA_SEV_WARNING],
	       a->counts[NSA_SEV_WARNING] == 1 ? "" : "s", a->counts[NSA_SEV_INFO],
	       a->counts[NSA_SEV_INFO] == 1 ? "" : "s",
	       !verbose && a->counts[NSA_SEV_INFO] ? " (-v shows the notes)" : "");
}

static struct json_object *json_history(const struct history *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "state_dir", json_object_new_string(h->dir));
	if (h->base_at) {
		struct json_object *b = json_object_new_object();

		json_object_object_add(b, "boot_id", json_object_new_string(h->base_id));
		json_object_object_add(b, "recorded_at", json_time(h->base_at));
		json_object_object_add(o, "baseline", b);
	} else {
		json_object_object_add(o, "baseline", NULL);
	}
	json_object_object_add(o, "recorded", json_object_new_boolean(h->recorded));
	json_object_object_add(o, "recorded_as_baseline",
			       json_object_new_boolean(h->recorded && h->as_baseline));
	if (h->damaged_path)
		json_object_object_add(o, "damaged_state_kept_at",
				       json_object_new_string(h->damaged_path));
	return o;
}

static int print_json(struct nsa_ctx *ctx, const char *output, const struct nsa_snapshot *s,
		      const struct nsa_analysis *a, uint64_t granularity, unsigned flags,
		      const struct history *h)
{
	struct json_object *root = json_object_new_object();
	struct json_object *summary = json_object_new_object();
	struct json_object *namespaces = json_object_new_array();
	int r;

	json_object_object_add(root, "schema", json_object_new_int(CHECK_JSON_SCHEMA));
	json_object_object_add(summary, "errors", json_object_new_int(a->counts[NSA_SEV_ERROR]));
	json_object_object_add(summary, "warnings",
			       json_object_new_int(a->counts[NSA_SEV_WARNING]));
	json_object_object_add(summary, "info", json_object_new_int(a->counts[NSA_SEV_INFO]));
	json_object_object_add(summary, "exit_code",
			       json_object_new_int(nsa_analysis_exit_code(a)));
	json_object_object_add(summary, "source", json_object_new_string(s->source));
	json_object_object_add(root, "summary", summary);
	if (h->used)
		json_object_object_add(root, "history", json_history(h));
	json_object_object_add(root, "platform", json_platform(&s->platform, granularity, flags));
	json_object_object_add(root, "findings", json_findings(a, flags));
	for (size_t i = 0; i < s->n_namespaces; i++)
		json_object_array_add(namespaces, json_namespace(s, a, i, flags));
	json_object_object_add(root, "namespaces", namespaces);
	if (output) {
		char *text = NULL;

		struct json_object *doc = cmd_json_document(root);

		r = doc ? asprintf(&text, "%s\n", json_text(doc)) : -1;
		json_object_put(doc);
		r = r < 0 ? -ENOMEM : nsa_write_file_atomic(ctx, output, text, strlen(text), 0644);
		free(r == -ENOMEM ? NULL : text);
		if (r >= 0)
			cmd_json_document_written();
		if (r < 0) {
			cmd_error("check", "%s: cannot write: %s", output, strerror(-r));
			r = r == -EACCES || r == -EPERM ? EX_NOPERM : EX_IOERR;
		} else if (r > 0) {
			cmd_warn("check",
				 "%s: written, but syncing its directory failed: %s (a power cut "
				 "may lose it)",
				 output, strerror(r));
			r = 0;
		}
	} else {
		r = json_print(root);
	}
	json_object_put(root);
	return r;
}

/* A sysexits code for a failed state operation, after saying why. */
static int state_error(const char *dir, const char *what, int r)
{
	if (r == -EACCES || r == -EPERM || r == -EROFS) {
		cmd_error("check", "%s: %s: %s (recording needs root)", dir, what, strerror(-r));
		return r == -EROFS ? EX_IOERR : EX_NOPERM;
	}
	cmd_error("check", "%s: %s: %s", dir, what, strerror(-r));
	return r == -ENOMEM ? EX_SOFTWARE : EX_IOERR;
}

static int ensure_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
		if (stat(dir, &st) < 0)
			return -errno;
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	}
	return -errno;
}

struct check_opts {
	bool boot, record, always_record;
	uint64_t granularity; /* resolved: nsa_platform_granularity() */
	const char *state_dir;
	size_t history;
	int lock_timeout_ms;
};

/*
 * --boot / --record: lock the store, read it, compare, record.  Returns 0
 * or a sysexits code (the error already printed).
 */
static int run_history(struct nsa_ctx *ctx, const struct check_opts *o,
		       const struct nsa_snapshot *s, struct nsa_analysis *a, struct history *h,
		       struct nsa_state **stp)
{
	struct nsa_state *st = NULL;
	char err[512] = "";
	pid_t holder;
	int lock = -1, r, ret = 0;

	h->used = true;
	h->dir = o->state_dir;
	r = ensure_dir(o->state_dir);
	if (r < 0)
		return state_error(o->state_dir, "cannot create the state directory", r);
	r = nsa_state_dir_check(o->state_dir, err, sizeof(err));
	if (r == -EPERM) {
		cmd_error("check", "%s", err);
		return EX_NOPERM;
	}
	r = nsa_state_lock(ctx, o->state_dir, o->lock_timeout_ms, &lock, &holder);
	if (r == -EMLINK) {
		cmd_error(
			"check",
			"%s/lock is not a regular file of its own (a hard link to another file?): "
			"it was left alone; remove it",
			o->state_dir);
		return EX_NOPERM;
	}
	if (r == -EBUSY) {
		if (holder > 0)
			cmd_error("check",
				  "%s is locked by another nsalign (pid %d); try again when it is "
				  "done",
				  o->state_dir, (int)holder);
		else
			cmd_error("check",
				  "%s is locked by another nsalign; try again when it is done",
				  o->state_dir);
		return EX_TEMPFAIL;
	}
	if (r < 0)
		return state_error(o->state_dir, "cannot lock the state", r);

	r = nsa_state_load(ctx, o->state_dir, &st, err, sizeof(err));
	if (r == -EPROTONOSUPPORT) {
		cmd_error("check", "%s; upgrade nsalign or move the file away", err);
		ret = EX_DATAERR;
		goto out;
	}
	if (r < 0) {
		if (r == -EACCES || r == -EPERM)
			ret = state_error(o->state_dir, "cannot read the state", r);
		else {
			cmd_error("check", "%s", err[0] ? err : strerror(-r));
			ret = r == -ENOMEM ? EX_SOFTWARE : EX_IOERR;
		}
		goto out;
	}
	if (st->damaged_path) {
		struct nsa_finding *f = nsa_analysis_add(a, "NSA-STATE-DAMAGED", "", "");

		if (!f) {
			ret = EX_SOFTWARE;
			goto out;
		}
		if (st->n_boots)
			/* some records were read: only the damaged ones are lost */
			nsa_finding_set_message(
				f,
				"%zu recorded layout%s could not be read (%s) and %s left out; "
				"the other %zu records were kept. The file was kept as %s.",
				st->records_dropped, st->records_dropped > 1 ? "s" : "",
				st->damage_reason, st->records_dropped > 1 ? "were" : "was",
				st->n_boots, st->damaged_path);
		else
			nsa_finding_set_message(
				f,
				"The recorded layout could not be read (%s). The file was "
				"kept as %s and this boot cannot be compared with earlier "
				"ones; recording starts over.",
				st->damage_reason, st->damaged_path);
		nsa_finding_set_remedy(f,
				       "Look at the kept file for what damaged it (a full disk, a "
				       "manual edit); delete it when done.");
		nsa_finding_fact_str(f, "kept_at", st->damaged_path);
		nsa_finding_fact_str(f, "reason", st->damage_reason);
		h->damaged_path = st->damaged_path;
	}

	if (o->boot) {
		const struct nsa_boot_record *base = nsa_state_baseline(st);

		if (base) {
			h->base_at = base->recorded_at;
			memcpy(h->base_id, base->boot_id, sizeof(h->base_id));
			r = nsa_compare(base, s, a);
			if (r < 0) {
				cmd_error("check", "comparison failed: %s", strerror(-r));
				ret = EX_SOFTWARE;
				goto out;
			}
		} else if (!st->damaged_path) {
			struct nsa_finding *f = nsa_analysis_add(a, "NSA-NO-BASELINE", "", "");

			if (!f) {
				ret = EX_SOFTWARE;
				goto out;
			}
			nsa_finding_set_message(f,
						"No layout is recorded in %s yet, so there is "
						"nothing to compare this boot with.",
						o->state_dir);
			nsa_finding_set_remedy(f, "This boot is recorded as the known-good layout "
						  "when it has no errors.");
		}
	}

	/* the moves recorded so far, this boot's too, against the granularity */
	if (nsa_check_recorded_moves(st, s, o->granularity, a) < 0) {
		cmd_error("check", "out of memory");
		ret = EX_SOFTWARE;
		goto out;
	}

	/* record: --record always; --boot when nothing is wrong (or asked to) */
	{
		int result = nsa_analysis_exit_code(a);
		bool baseline = o->record || result < 2 || o->always_record;

		/* a replayed snapshot is recorded as of when it was taken */
		int64_t when = s->collected_at ? s->collected_at : (int64_t)time(NULL);

		r = nsa_state_add(st, s, when, result, baseline, o->record ? "record" : "boot",
				  o->history);
		if (r == -EINVAL) { /* the next load would refuse it: the state stays as it is */
			cmd_error("check",
				  "%s: cannot record the layout: it would not read back (%s); the "
				  "state is unchanged",
				  o->state_dir, st->refused);
			ret = EX_DATAERR;
			goto out;
		}
		if (r == 0)
			r = nsa_state_save(ctx, o->state_dir, st);
		if (r < 0) {
			ret = state_error(o->state_dir, "cannot record the layout", r);
			goto out;
		}
		/* the new state is in place; only its durability is in doubt */
		if (r > 0)
			cmd_warn(
				"check",
				"%s: the layout was recorded, but syncing the directory failed: %s "
				"(a power cut may bring back the previous state)",
				o->state_dir, strerror(r));
		h->recorded = true;
		h->as_baseline = baseline;
	}
out:
	nsa_state_unlock(lock);
	*stp = st;
	return ret;
}

int cmd_check(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_analysis_opts opts = { .platform_granularity = nsa_get_platform_granularity(ctx),
					  .with_info = true };
	struct check_opts o = { .state_dir = NSA_STATE_DIR,
				.history = NSA_STATE_HISTORY,
				.lock_timeout_ms = NSA_STATE_LOCK_TIMEOUT_MS };
	const char *snapshot_path = NULL, *output = NULL, *arg;
	struct history h = { .used = false };
	struct nsa_snapshot *s = NULL;
	struct nsa_analysis *a = NULL;
	struct nsa_state *st = NULL;
	enum format format = FORMAT_TEXT;
	bool verbose = false, quiet = false;
	int journal = -1; /* -1: default (on with --boot) */
	unsigned flags = 0;
	uint64_t u;
	int c, r;

	while ((c = cmd_getopt(&check_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_SNAPSHOT:
			snapshot_path = arg;
			break;
		case OPT_JSON:
			format = FORMAT_JSON;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "json") == 0) {
				format = FORMAT_JSON;
			} else if (strcmp(arg, "text") == 0) {
				format = FORMAT_TEXT;
			} else if (strcmp(arg, "prometheus") == 0) {
				format = FORMAT_PROMETHEUS;
			} else {
				cmd_error("check",
					  "--format '%s': expected text, json or prometheus", arg);
				return EX_USAGE;
			}
			break;
		case OPT_OUTPUT:
			output = arg;
			break;
		case OPT_BOOT:
			o.boot = true;
			break;
		case OPT_RECORD:
			o.record = true;
			break;
		case OPT_ALWAYS_RECORD:
			o.always_record = true;
			break;
		case OPT_STATE_DIR:
			if (!arg[0]) {
				cmd_error("check", "--state-dir: expected a directory");
				return EX_USAGE;
			}
			o.state_dir = arg;
			break;
		case OPT_HISTORY:
			if (nsa_parse_u64(arg, 10, &u) < 0 || u < 1 || u > 10000) {
				cmd_error("check",
					  "--history '%s': expected a number of boots, 1 to "
					  "10000",
					  arg);
				return EX_USAGE;
			}
			o.history = (size_t)u;
			break;
		case OPT_LOCK_TIMEOUT:
			if (nsa_parse_u64(arg, 10, &u) < 0 || u > 3600) {
				cmd_error("check",
					  "--lock-timeout '%s': expected seconds, 0 to 3600", arg);
				return EX_USAGE;
			}
			o.lock_timeout_ms = (int)u * 1000;
			break;
		case OPT_JOURNAL:
			journal = 1;
			break;
		case OPT_NO_JOURNAL:
			journal = 0;
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
	if (o.boot && o.record) {
		cmd_error("check", "--boot and --record exclude each other: --boot compares and "
				   "records, --record only records");
		return EX_USAGE;
	}
	if (o.always_record && !o.boot) {
		cmd_error("check", "--always-record goes with --boot");
		return EX_USAGE;
	}
	if (output && format == FORMAT_TEXT) {
		cmd_error("check", "--output goes with --format json or prometheus");
		return EX_USAGE;
	}
	if (journal < 0)
		journal = o.boot;

	r = cmd_get_snapshot("check", ctx, snapshot_path, true, &s);
	if (r)
		return r;
	if ((o.boot || o.record) && !s->platform.iomem_visible && nsa_snapshot_has_pmem(s)) {
		cmd_error("check",
			  "%s: physical addresses are hidden; a layout without them "
			  "cannot be recorded or compared (run as root)",
			  s->source);
		nsa_snapshot_free(s);
		return EX_NOPERM;
	}
	opts.platform_granularity = /* --granularity, else nsalign.conf, else the arch's */
		nsa_platform_granularity(&s->platform, opts.platform_granularity);
	r = nsa_analyze(s, &opts, &a);
	if (r < 0) {
		cmd_error("check", "analysis failed: %s", strerror(-r));
		nsa_snapshot_free(s);
		return EX_SOFTWARE;
	}
	if (o.boot || o.record) {
		o.granularity = opts.platform_granularity;
		r = run_history(ctx, &o, s, a, &h, &st);
		if (r) {
			nsa_state_free(st);
			nsa_analysis_free(a);
			nsa_snapshot_free(s);
			return r;
		}
	}

	if (journal && journal_send_findings(a, true) < 0)
		cmd_warn("check", "the journal is not reachable: findings only on stdout");

	if (quiet && !output) {
		/* -q: nothing on stdout in any format; the exit code tells */
	} else if (format == FORMAT_JSON) {
		r = print_json(ctx, output, s, a, opts.platform_granularity, flags, &h);
	} else if (format == FORMAT_PROMETHEUS) {
		struct prom_extra x = { .baseline_at = h.base_at };

		r = prometheus_write(ctx, output, s, a, &x);
		if (r < 0) {
			cmd_error("check", "%s: cannot write the metrics: %s",
				  output ? output : "stdout", strerror(-r));
			r = r == -EACCES || r == -EPERM ? EX_NOPERM : EX_IOERR;
		}
	} else {
		print_text(s, a, opts.platform_granularity, verbose, &h);
	}
	if (r == 0)
		r = nsa_analysis_exit_code(a);
	nsa_state_free(st);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
	return r;
}
