/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGN_UTIL_JOURNAL_H
#define NSALIGN_UTIL_JOURNAL_H

#include <stdbool.h>

#include "libnsalign.h"

/* Journal (journal.c): each finding as a structured entry. */
int journal_priority(enum nsa_severity s);
int journal_send_finding(const struct nsa_finding *f, const char *context);
/* extra: one more "FIELD=value" (nsalignd's NSALIGN_CHANGE=new|changed|resolved), or NULL */
int journal_send_finding_with(const struct nsa_finding *f, const char *context, const char *extra);
int journal_send_findings(const struct nsa_analysis *a, bool with_info);

#endif
