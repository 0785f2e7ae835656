// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks of org.nsalign1's method arguments (daemon/bus-args.c), as
 * OnlineMemory(blocks, zone) and Reconfigure(dax, mode, movable) get them
 * from a caller.  The input: two strings separated by the byte 0x1e, each
 * cut at its first NUL (a D-Bus string holds none); both methods read them.
 * Properties: a refusal's message is bounded whatever the caller sent and
 * names a D-Bus error; an accepted block range, as the action names it,
 * reads back the same.
 */
#include <stdlib.h>
#include <string.h>

#include "bus-args.h"
#include "fuzz.h"

static void check_error(const struct bus_args_error *err)
{
	if (!err->name || (strcmp(err->name, "org.freedesktop.DBus.Error.InvalidArgs") != 0 &&
			   strcmp(err->name, "org.nsalign1.Error.Failed") != 0))
		fuzz_fail("a refusal without a known D-Bus error name");
	/* the message quotes at most 64 bytes of the caller's string */
	if (strlen(err->message) > 64 + 120)
		fuzz_fail("a refusal's message quotes too much of the caller's string");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p1, *p2;
	size_t n1 = fuzz_part(&data, &size, FUZZ_SEP, &p1);
	size_t n2 = fuzz_part(&data, &size, FUZZ_SEP, &p2);
	char *a = strndup(p1 ? (const char *)p1 : "", n1),
	     *b = strndup(p2 ? (const char *)p2 : "", n2);
	struct bus_online_args on, again;
	struct bus_args_error err;
	bool to_ram;

	if (!a || !b)
		abort();
	memset(&err, 0, sizeof(err));
	if (bus_online_memory_args(a, b, &on, &err) == 0) {
		if (on.n == 0 && on.first != 0)
			fuzz_fail("an accepted block range wraps");
		if (bus_online_memory_args(on.what, b, &again, &err) < 0 ||
		    again.first != on.first || again.n != on.n || again.policy != on.policy)
			fuzz_fail("an accepted block range, as the action names it, reads "
				  "differently");
	} else {
		check_error(&err);
	}
	memset(&err, 0, sizeof(err));
	if (bus_reconfigure_args(a, b, &to_ram, &err) == 0) {
		if (strncmp(a, "dax", 3) != 0 || strchr(a, '/') || strlen(a) >= NSA_DEV_LEN)
			fuzz_fail("Reconfigure accepted a name that is no dax device's");
		if (to_ram != (strcmp(b, "system-ram") == 0))
			fuzz_fail("Reconfigure's mode read wrong");
	} else {
		check_error(&err);
	}
	free(a);
	free(b);
	return 0;
}
