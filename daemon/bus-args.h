/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checks of org.nsalign1's method arguments, without a bus: what bus.c
 * does with a caller's strings before anything is queued, so that the fuzz
 * target tests/fuzz/fuzz-bus-args.c can drive it.  A refusal gives the
 * D-Bus error's name and its message, which quotes at most 64 bytes of a
 * caller's string.
 */
#ifndef NSALIGND_BUS_ARGS_H
#define NSALIGND_BUS_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
