// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Findings as structured journal entries: one entry per finding, with the
 * code's MESSAGE_ID (explained by systemd/nsalign.catalog for
 * 'journalctl -x'), a PRIORITY from its severity and every fact as an
 * NSALIGN_* field, so that 'journalctl NSALIGN_CODE=NSA-NS-MOVED-UNAVAILABLE'
 * and 'journalctl -o json' find them.  A move finding's cause adds
 * NSALIGN_CAUSE (its code), NSALIGN_CAUSE_TEXT and NSALIGN_CAUSE_* (its evidence).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <systemd/sd-journal.h>

#include "journal.h"

#define MAX_FIELDS (18 + 2 * NSA_MAX_FACTS)

int journal_priority(enum nsa_severity s)
{
	switch (s) {
	case NSA_SEV_ERROR:
		return LOG_ERR;
	case NSA_SEV_WARNING:
		return LOG_WARNING;
	default:
		return LOG_INFO;
	}
}

struct fields {
	struct iovec iov[MAX_FIELDS];
	int n;
	bool oom;
};

static void add(struct fields *fl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct fields *fl, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (fl->n >= MAX_FIELDS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		fl->oom = true;
		s = NULL;
	}
	va_end(ap);
	if (s)
		fl->iov[fl->n++] = (struct iovec){ .iov_base = s, .iov_len = strlen(s) };
}

/* "spa_old" -> "NSALIGN_SPA_OLD"; a cause's evidence "ram_below_old" ->
 * "NSALIGN_CAUSE_RAM_BELOW_OLD" */
static void fact_field(struct fields *fl, const char *prefix, const struct nsa_fact *f)
{
	char name[64];
	size_t i, p = strlen(prefix);

	memcpy(name, prefix, p);
	for (i = 0; f->key[i] && p + i < sizeof(name) - 1; i++)
		name[p + i] = isalnum((unsigned char)f->key[i])
				      ? (char)toupper((unsigned char)f->key[i])
				      : '_';
	name[p + i] = '\0';
	switch (f->type) {
	case NSA_FACT_ADDR:
		add(fl, "NSALIGN_%s=%#" PRIx64, name, f->u64);
		break;
	case NSA_FACT_U64:
		add(fl, "NSALIGN_%s=%" PRIu64, name, f->u64);
		break;
	case NSA_FACT_I64:
		add(fl, "NSALIGN_%s=%" PRId64, name, f->i64);
		break;
	case NSA_FACT_BOOL:
		add(fl, "NSALIGN_%s=%s", name, f->b ? "true" : "false");
		break;
	case NSA_FACT_STR:
		add(fl, "NSALIGN_%s=%s", name, f->str ? f->str : "");
		break;
	}
}

int journal_send_finding(const struct nsa_finding *f, const char *context)
{
	return journal_send_finding_with(f, context, NULL);
}

int journal_send_finding_with(const struct nsa_finding *f, const char *context, const char *extra)
{
	struct fields fl = { .n = 0 };
	int r;

	add(&fl, "MESSAGE=%s%s%s%s: %s", f->code->code, f->dev[0] ? " " : "", f->dev,
	    context ? context : "", f->message ? f->message : f->code->title);
	add(&fl, "MESSAGE_ID=%s", f->code->message_id);
	add(&fl, "PRIORITY=%d", journal_priority(f->severity));
	add(&fl, "SYSLOG_IDENTIFIER=%s", program_invocation_short_name);
	if (extra)
		add(&fl, "%s", extra);
	add(&fl, "NSALIGN_CODE=%s", f->code->code);
	add(&fl, "NSALIGN_SEVERITY=%s", nsa_severity_name(f->severity));
	if (f->dev[0])
		add(&fl, "NSALIGN_DEV=%s", f->dev);
	if (f->uuid[0])
		add(&fl, "NSALIGN_UUID=%s", f->uuid);
	if (f->remedy)
		add(&fl, "NSALIGN_REMEDY=%s", f->remedy);
	for (int i = 0; i < f->n_facts; i++)
		fact_field(&fl, "", &f->facts[i]);
	/* why it moved: NSALIGN_CAUSE=firmware, its words and its evidence */
	if (f->cause) {
		add(&fl, "NSALIGN_CAUSE=%s", f->cause->code);
		add(&fl, "NSALIGN_CAUSE_TEXT=%s", f->cause->text ? f->cause->text : "");
		for (int i = 0; i < f->cause->n_evidence; i++)
			fact_field(&fl, "CAUSE_", &f->cause->evidence[i]);
	}
	r = fl.oom ? -ENOMEM : sd_journal_sendv(fl.iov, fl.n);
	for (int i = 0; i < fl.n; i++)
		free(fl.iov[i].iov_base);
	return r;
}

int journal_send_findings(const struct nsa_analysis *a, bool with_info)
{
	int first_error = 0;

	for (size_t i = 0; i < a->n_findings; i++) {
		int r;

		if (a->findings[i].severity == NSA_SEV_INFO && !with_info)
			continue;
		r = journal_send_finding(&a->findings[i], NULL);
		if (r < 0 && !first_error)
			first_error = r;
	}
	return first_error;
}
