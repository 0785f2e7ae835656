// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One finding as check's text report shows it: the head line, the message
 * wrapped to 78 columns, the facts (with -v) and the cause's evidence, the
 * remedy.  nsalign-check(8), OUTPUT.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"

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
	case NSA_FACT_STR: {
		int n = printf("      %-22s ", f->key);

		/* a kernel message may be long: wrapped under itself */
		cmd_wrap(stdout, (size_t)n, (size_t)n < 40 ? (size_t)n : 29, f->str ? f->str : "");
		break;
	}
	}
}

void cmd_print_finding(const struct nsa_finding *f, bool verbose)
{
	char head[160];

	snprintf(head, sizeof(head), "%s %s%s%s", nsa_severity_name(f->severity), f->code->code,
		 f->dev[0] ? " " : "", f->dev);
	if (f->uuid[0]) {
		char line[256];

		snprintf(line, sizeof(line), "%s (uuid %s)", head, f->uuid);
		cmd_wrap(stdout, 0, 4, line);
	} else {
		printf("%s\n", head);
	}
	if (f->message)
		print_wrapped(f->message, 4, "");
	for (int i = 0; i < f->n_facts; i++) {
		/* the kernel's own words are worth showing even when terse */
		if (verbose || strcmp(f->facts[i].key, "kernel_message") == 0)
			print_fact(&f->facts[i]);
	}
	/* why it moved: the words are in the message; the code and evidence when verbose */
	if (verbose && f->cause) {
		printf("      %-22s %s\n", "cause", f->cause->code);
		for (int i = 0; i < f->cause->n_evidence; i++) {
			struct nsa_fact e = f->cause->evidence[i];
			char key[64];

			snprintf(key, sizeof(key), "cause.%s", e.key);
			e.key = key;
			print_fact(&e);
		}
	}
	if (f->remedy)
		print_wrapped(f->remedy, 4, "What to do: ");
	printf("\n");
}
