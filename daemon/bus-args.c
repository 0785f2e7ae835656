// SPDX-License-Identifier: GPL-2.0-or-later
/* The checks of org.nsalign1's method arguments (bus-args.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/act.h"
#include "bus-args.h"

#define ERROR_INVALID_ARGS  "org.freedesktop.DBus.Error.InvalidArgs"
#define ERROR_FAILED	    "org.nsalign1.Error.Failed"
#define ERROR_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define ERROR_INTERACTIVE   "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

static int refuse(struct bus_args_error *err, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct bus_args_error *err, const char *name, const char *fmt, ...)
{
	va_list ap;

	err->name = name;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* a caller's string is quoted up to 64 bytes: a huge one is not sent back whole */
#define QUOTED(s) s, strlen(s) > 64 ? "..." : ""

static bool is_block_range(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	if (!digits)
		return false;
	if (!s[digits])
		return true;
	return s[digits] == '-' && s[digits + 1] &&
	       !s[digits + 1 + strspn(s + digits + 1, "0123456789")];
}

int bus_online_memory_args(const char *blocks, const char *zone, struct bus_online_args *out,
			   struct bus_args_error *err)
{
	uint64_t first, last;
	char *end;

	if (!is_block_range(blocks))
		return refuse(err, ERROR_INVALID_ARGS,
			      "blocks '%.64s%s': expected N or N-M (as in memoryN)",
			      QUOTED(blocks));
	if (strcmp(zone, "movable") == 0)
		out->policy = NSA_ONLINE_MOVABLE;
	else if (strcmp(zone, "normal") == 0)
		out->policy = NSA_ONLINE_KERNEL;
	else if (strcmp(zone, "auto") == 0)
		out->policy = NSA_ONLINE_DEFAULT;
	else
		return refuse(err, ERROR_INVALID_ARGS,
			      "zone '%.64s%s': expected movable, normal or auto", QUOTED(zone));
	errno = 0;
	first = strtoull(blocks, &end, 10);
	last = *end == '-' ? strtoull(end + 1, NULL, 10) : first;
	if (errno == ERANGE)
		return refuse(err, ERROR_INVALID_ARGS,
			      "blocks '%.64s%s': a block number beyond 2^64-1", QUOTED(blocks));
	if (last < first) /* as 'nsalign online-memory' says it */
		return refuse(err, ERROR_FAILED,
			      "--blocks '%.64s%s': expected N or N-M (block numbers, as in "
			      "memoryN) (exit %d)",
			      QUOTED(blocks), act_exit_status(NSA_ACT_USAGE));
	out->first = first;
	out->n = last - first + 1;
	if (first == last)
		snprintf(out->what, sizeof(out->what), "%" PRIu64, first);
	else
		snprintf(out->what, sizeof(out->what), "%" PRIu64 "-%" PRIu64, first, last);
	return 0;
}

int bus_reconfigure_args(const char *dax, const char *mode, bool *to_ram,
			 struct bus_args_error *err)
{
	if (strncmp(dax, "dax", 3) != 0 || strlen(dax) >= NSA_DEV_LEN || strchr(dax, '/'))
		return refuse(err, ERROR_INVALID_ARGS,
			      "'%.64s%s': expected a dax device name (dax0.0)", QUOTED(dax));
	if (strcmp(mode, "system-ram") && strcmp(mode, "devdax"))
		return refuse(err, ERROR_INVALID_ARGS,
			      "mode '%.64s%s': expected system-ram or devdax", QUOTED(mode));
	*to_ram = strcmp(mode, "system-ram") == 0;
	return 0;
}

/* One polkit action per kind of change (org.nsalign1.policy, org.nsalign1(5)). */
static const struct {
	const char *method, *action;
} method_actions[] = {
	{ "OnlineMemory", "org.nsalign1.online-memory" },
	{ "Reconfigure", "org.nsalign1.reconfigure" },
	{ "Reload", "org.nsalign1.reload" },
};

const char *bus_method_action(const char *method)
{
	for (size_t i = 0; i < sizeof(method_actions) / sizeof(method_actions[0]); i++)
		if (strcmp(method, method_actions[i].method) == 0)
			return method_actions[i].action;
	return NULL;
}

int bus_polkit_verdict(const char *method, uid_t uid, const struct bus_polkit_answer *a,
		       struct bus_args_error *err)
{
	const char *action = bus_method_action(method) ?: "?";

	if (a->authorized)
		return 0;
	if (a->challenge && !a->interactive)
		refuse(err, ERROR_INTERACTIVE,
		       "%s() needs authentication for polkit action %s: call it with "
		       "interactive authorization allowed",
		       method, action);
	else
		refuse(err, ERROR_ACCESS_DENIED,
		       "%s() needs polkit action %s, which polkit does not grant to uid %u", method,
		       action, (unsigned)uid);
	return -EACCES;
}
