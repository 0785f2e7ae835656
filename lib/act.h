/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the acts of memory hotplug (memory.c, kmem.c, probe.c) share. */
#ifndef NSALIGN_ACT_H
#define NSALIGN_ACT_H

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "private.h"

/* Set a result's status and reason; returns -1, for the act to return. */
static inline int act_fail(enum nsa_act_status *status, char *why, enum nsa_act_status st,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static inline int act_fail(enum nsa_act_status *status, char *why, enum nsa_act_status st,
			   const char *fmt, ...)
{
	va_list ap;

	*status = st;
	va_start(ap, fmt);
	vsnprintf(why, NSA_ACT_WHY_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

/* In an act whose result is `out`. */
#define FAIL(st, ...) act_fail(&out->status, out->why, st, __VA_ARGS__)

#endif
