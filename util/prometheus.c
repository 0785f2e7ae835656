// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The check as node_exporter textfile-collector metrics.  Every finding
 * code gets a line, 0 when absent, so that alerts can tell "no problem"
 * from "no data".  Written atomically: node_exporter never reads half a
 * file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prometheus.h"

/* Label values: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void ns_labels(FILE *f, const struct nsa_namespace *ns)
{
	fputs("{dev=\"", f);
	label(f, ns->dev);
	fputs("\",uuid=\"", f);
	label(f, ns->uuid);
	fputs("\",region=\"", f);
	label(f, ns->region);
	fprintf(f, "\",mode=\"%s\"}", nsa_mode_name(ns->mode));
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int render(FILE *f, const struct nsa_snapshot *s, const struct nsa_analysis *a, int64_t now,
		  const struct prom_extra *x)
{
	const struct nsa_code_info *codes;
	size_t n_codes, available = 0;

	codes = nsa_codes(&n_codes);
	header(f, "nsalign_findings", "gauge", "Findings of the last check, by code and severity.");
	for (size_t c = 0; c < n_codes; c++) {
		int count = 0;

		for (size_t i = 0; i < a->n_findings; i++)
			count += a->findings[i].code == &codes[c];
		fprintf(f, "nsalign_findings{code=\"%s\",severity=\"%s\"} %d\n", codes[c].code,
			nsa_severity_name(codes[c].severity), count);
	}
	header(f, "nsalign_findings_by_severity", "gauge",
	       "Findings of the last check, by severity.");
	for (int sev = NSA_SEV_INFO; sev <= NSA_SEV_ERROR; sev++)
		fprintf(f, "nsalign_findings_by_severity{severity=\"%s\"} %d\n",
			nsa_severity_name(sev), a->counts[sev]);

	/* why the PMEM moved since the record (check --boot): move findings (not vanished) by cause
	 */
	{
		size_t n_causes;
		const char *const *causes = nsa_cause_codes(&n_causes);

		header(f, "nsalign_move_findings_by_cause", "gauge",
		       "Findings of the last check about PMEM that moved since the recorded boot, "
		       "by their most likely cause.");
		for (size_t c = 0; c < n_causes; c++) {
			int count = 0;

			for (size_t i = 0; i < a->n_findings; i++)
				count += a->findings[i].cause &&
					 strstr(a->findings[i].code->code, "MOVED") &&
					 strcmp(a->findings[i].cause->code, causes[c]) == 0;
			fprintf(f, "nsalign_move_findings_by_cause{cause=\"%s\"} %d\n", causes[c],
				count);
		}
	}

	header(f, "nsalign_namespace_available", "gauge",
	       "1 when the kernel maps the namespace now, 0 when not.");
	for (size_t i = 0; i < a->n_verdicts; i++) {
		const struct nsa_namespace *ns = &s->namespaces[a->verdicts[i].ns_index];

		fputs("nsalign_namespace_available", f);
		ns_labels(f, ns);
		fprintf(f, " %d\n", a->verdicts[i].available ? 1 : 0);
		available += a->verdicts[i].available;
	}
	header(f, "nsalign_namespaces", "gauge", "Namespaces, by whether the kernel maps them.");
	fprintf(f, "nsalign_namespaces{state=\"available\"} %zu\n", available);
	fprintf(f, "nsalign_namespaces{state=\"unavailable\"} %zu\n", a->n_verdicts - available);

	header(f, "nsalign_namespace_survives_granularity", "gauge",
	       "1 when the namespace survives every platform move by the granularity.");
	for (size_t i = 0; i < a->n_verdicts; i++) {
		fputs("nsalign_namespace_survives_granularity", f);
		ns_labels(f, &s->namespaces[a->verdicts[i].ns_index]);
		fprintf(f, " %d\n", a->verdicts[i].survives_granularity ? 1 : 0);
	}

	header(f, "nsalign_kmem_usable_bytes", "gauge",
	       "Bytes of a devdax namespace that memory hotplug can online as System RAM.");
	for (size_t i = 0; i < a->n_verdicts; i++) {
		const struct nsa_namespace *ns = &s->namespaces[a->verdicts[i].ns_index];

		if (ns->mode != NSA_MODE_DEVDAX)
			continue;
		fputs("nsalign_kmem_usable_bytes", f);
		ns_labels(f, ns);
		fprintf(f, " %" PRIu64 "\n", a->verdicts[i].kmem_usable);
	}
	header(f, "nsalign_kmem_lost_bytes", "gauge",
	       "Bytes of a devdax namespace lost at memory-block edges when onlined as System "
	       "RAM.");
	for (size_t i = 0; i < a->n_verdicts; i++) {
		const struct nsa_namespace *ns = &s->namespaces[a->verdicts[i].ns_index];

		if (ns->mode != NSA_MODE_DEVDAX)
			continue;
		fputs("nsalign_kmem_lost_bytes", f);
		ns_labels(f, ns);
		fprintf(f, " %" PRIu64 "\n", a->verdicts[i].kmem_lost);
	}

	header(f, "nsalign_check_exit_code", "gauge",
	       "Result of the last check: 0 nothing wrong, 1 warnings, 2 errors.");
	fprintf(f, "nsalign_check_exit_code %d\n", nsa_analysis_exit_code(a));
	header(f, "nsalign_check_timestamp_seconds", "gauge", "When the last check ran.");
	fprintf(f, "nsalign_check_timestamp_seconds %" PRId64 "\n", now);
	if (x && x->baseline_at) {
		header(f, "nsalign_baseline_timestamp_seconds", "gauge",
		       "When the layout this boot was compared with was recorded.");
		fprintf(f, "nsalign_baseline_timestamp_seconds %" PRId64 "\n", x->baseline_at);
	}
	return ferror(f) ? -EIO : 0;
}

int prometheus_write(struct nsa_ctx *ctx, const char *path, const struct nsa_snapshot *s,
		     const struct nsa_analysis *a, const struct prom_extra *x)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!path || strcmp(path, "-") == 0) {
		r = render(stdout, s, a, (int64_t)time(NULL), x);
		if (fflush(stdout) != 0)
			r = -EIO;
		return r;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	r = render(f, s, a, (int64_t)time(NULL), x);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		r = nsa_write_file_atomic(ctx, path, text, len, 0644);
	free(text);
	/* written, its directory not synced: metrics are rewritten anyway */
	return r > 0 ? 0 : r;
}
