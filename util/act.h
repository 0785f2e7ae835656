/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGN_UTIL_ACT_H
#define NSALIGN_UTIL_ACT_H

#include "libnsalign.h"

struct json_object;

/* nsalign's exit status (sysexits) for how an act ended. */
int act_exit_status(enum nsa_act_status st);

/*
 * What nsalign prints with --json, and nsalignd replies over D-Bus, for an
 * act: the plan, and what was done when it was applied.
 */
struct json_object *act_memory_json(const struct nsa_memory_result *r);
struct json_object *act_reconfigure_json(const struct nsa_reconfigure_result *r);

#endif
