/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGND_REDACT_H
#define NSALIGND_REDACT_H

#include <json-c/json.h>

#include "libnsalign.h"

/*
 * What org.nsalign1 shows a caller who is not root (org.nsalign1(5)):
 * never a physical address, as the kernel shows none to such a caller in
 * /proc/iomem and in the nd 'resource' attributes.
 */

/* s as JSON with every physical address 0, no kernel log, and a note saying so. */
struct json_object *nsad_snapshot_json_unprivileged(const struct nsa_snapshot *s);

/* Findings (json_findings()) cut, in place, to code, message_id, severity, dev and uuid. */
int nsad_findings_unprivileged(struct json_object *findings);

#endif
