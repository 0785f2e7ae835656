/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checks of org.nsalign1's method arguments, without a bus: what bus.c
 * does with a caller's strings before anything is queued, so that the fuzz
 * target tests/fuzz/fuzz-bus-args.c can drive it.  A refusal gives the
 * D-Bus error's name and its message, which quotes at most 64 bytes of a
 * caller's string.  Also which polkit action each changing method needs,
 * and what a caller is told when polkit does not grant it.
 */
#ifndef NSALIGND_BUS_ARGS_H
#define NSALIGND_BUS_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libnsalign.h"

/* A refusal: the error's name (a constant) and message. */
struct bus_args_error {
	const char *name;
	char message[256];
};

/* OnlineMemory(blocks, zone)'s arguments, checked. */
struct bus_online_args {
	uint64_t first, n; /* n wraps to 0 for 0-(2^64-1): the library refuses it */
	enum nsa_online_policy policy;
	char what[48]; /* "32" or "32-35", as the action names them */
};

/* blocks "N" or "N-M" (decimal), zone movable|normal|auto: 0, or -EINVAL and *err. */
int bus_online_memory_args(const char *blocks, const char *zone, struct bus_online_args *out,
			   struct bus_args_error *err);
/* Reconfigure(dax, mode, ...): a dax device's name, system-ram|devdax: 0, or -EINVAL and *err. */
int bus_reconfigure_args(const char *dax, const char *mode, bool *to_ram,
			 struct bus_args_error *err);

/* The polkit action a method needs (org.nsalign1.online-memory...), NULL when it changes nothing.
 */
const char *bus_method_action(const char *method);

/* polkit's CheckAuthorization() answer for a non-root caller of method. */
struct bus_polkit_answer {
	bool authorized;  /* is_authorized */
	bool challenge;	  /* is_challenge: authentication would grant it */
	bool interactive; /* the call allowed interactive authorization */
};
/*
 * 0 when polkit granted it; else -EACCES and *err: InteractiveAuthorizationRequired
 * when authenticating could help and the call did not allow it, AccessDenied otherwise.
 */
int bus_polkit_verdict(const char *method, uid_t uid, const struct bus_polkit_answer *a,
		       struct bus_args_error *err);

#endif
