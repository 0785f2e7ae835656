// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * org.nsalign1's authorization without a bus (daemon/bus-args.c): which
 * polkit action each changing method needs, that reading needs none, that
 * systemd/org.nsalign1.policy declares each action with auth_admin_keep
 * for active sessions only, and what a refused caller is told.  Also the
 * argument checks nsalignd runs once a call is allowed.
 */
#include <errno.h>
#include <string.h>

#include "bus-args.h"
#include "test.h"

#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define INTERACTIVE   "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

TEST(method_actions)
{
	CHECK_STR(bus_method_action("OnlineMemory"), "org.nsalign1.online-memory");
	CHECK_STR(bus_method_action("Reconfigure"), "org.nsalign1.reconfigure");
	CHECK_STR(bus_method_action("Reload"), "org.nsalign1.reload");
	/* reading needs nothing; names are exact */
	CHECK(bus_method_action("Check") == NULL);
	CHECK(bus_method_action("Snapshot") == NULL);
	CHECK(bus_method_action("Get") == NULL);
	CHECK(bus_method_action("onlinememory") == NULL);
	CHECK(bus_method_action("OnlineMemoryX") == NULL);
	CHECK(bus_method_action("") == NULL);
}

/* The policy file's <action id="ID"> element, up to its end; NULL if absent. */
static char *policy_action(const char *policy, const char *id)
{
	char head[128];
	const char *start, *end;

	snprintf(head, sizeof(head), "<action id=\"%s\">", id);
	start = strstr(policy, head);
	if (!start)
		return NULL;
	end = strstr(start, "</action>");
	return end ? strndup(start, (size_t)(end - start)) : NULL;
}

TEST(policy_declares_each_action)
{
	const char *top = getenv("TOP_SRCDIR") ?: "..";
	const char *methods[] = { "OnlineMemory", "Reconfigure", "Reload" };
	char path[4096], policy[16384];
	size_t n, actions = 0;
	const char *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/systemd/org.nsalign1.policy", top);
	f = fopen(path, "re");
	REQUIRE(f);
	n = fread(policy, 1, sizeof(policy) - 1, f);
	fclose(f);
	policy[n] = '\0';
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		char *a = policy_action(policy, bus_method_action(methods[i]));

		CHECK(a != NULL);
		if (!a)
			continue;
		CHECK(strstr(a, "<description>") && strstr(a, "<message>"));
		CHECK(strstr(a, "<allow_any>no</allow_any>"));
		CHECK(strstr(a, "<allow_inactive>no</allow_inactive>"));
		CHECK(strstr(a, "<allow_active>auth_admin_keep</allow_active>"));
		free(a);
	}
	/* no action without a method */
	for (p = policy; (p = strstr(p, "<action id=")); p++)
		actions++;
	CHECK_U64(actions, sizeof(methods) / sizeof(methods[0]));
}

TEST(polkit_verdict)
{
	struct bus_polkit_answer yes = { .authorized = true }, no = { 0 },
				 ask = { .challenge = true },
				 ask_interactive = { .challenge = true, .interactive = true };
	struct bus_args_error err;

	memset(&err, 0, sizeof(err));
	CHECK(bus_polkit_verdict("OnlineMemory", 1000, &yes, &err) == 0);
	CHECK(err.name == NULL);

	CHECK(bus_polkit_verdict("OnlineMemory", 65534, &no, &err) == -EACCES);
	CHECK_STR(err.name, ACCESS_DENIED);
	CHECK_STR(err.message, "OnlineMemory() needs polkit action org.nsalign1.online-memory, "
			       "which polkit does not grant to uid 65534");

	/* authentication would help, the caller did not allow it: say so */
	CHECK(bus_polkit_verdict("Reconfigure", 1000, &ask, &err) == -EACCES);
	CHECK_STR(err.name, INTERACTIVE);
	CHECK(strstr(err.message, "org.nsalign1.reconfigure") != NULL);
	CHECK(strchr(err.message, '\n') == NULL);

	/* it was allowed, and polkit still says no (no agent, wrong password) */
	CHECK(bus_polkit_verdict("Reload", 1000, &ask_interactive, &err) == -EACCES);
	CHECK_STR(err.name, ACCESS_DENIED);
	CHECK(strstr(err.message, "org.nsalign1.reload") != NULL);
}

TEST(online_memory_args)
{
	struct bus_online_args a;
	struct bus_args_error err;

	REQUIRE(bus_online_memory_args("32-35", "movable", &a, &err) == 0);
	CHECK_U64(a.first, 32);
	CHECK_U64(a.n, 4);
	CHECK(a.policy == NSA_ONLINE_MOVABLE);
	CHECK_STR(a.what, "32-35");
	REQUIRE(bus_online_memory_args("7", "auto", &a, &err) == 0);
	CHECK_U64(a.n, 1);
	CHECK(a.policy == NSA_ONLINE_DEFAULT);
	CHECK_STR(a.what, "7");
	CHECK(bus_online_memory_args("7-", "auto", &a, &err) == -EINVAL);
	CHECK_STR(err.name, "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK(bus_online_memory_args("7", "kernel", &a, &err) == -EINVAL);
	CHECK(bus_online_memory_args("9-3", "normal", &a, &err) == -EINVAL);
	CHECK_STR(err.name, "org.nsalign1.Error.Failed");
}

TEST(reconfigure_args)
{
	struct bus_args_error err;
	bool to_ram = false;

	CHECK(bus_reconfigure_args("dax0.0", "system-ram", &to_ram, &err) == 0 && to_ram);
	CHECK(bus_reconfigure_args("dax0.0", "devdax", &to_ram, &err) == 0 && !to_ram);
	CHECK(bus_reconfigure_args("../dax0.0", "devdax", &to_ram, &err) == -EINVAL);
	CHECK(bus_reconfigure_args("dax0/0", "devdax", &to_ram, &err) == -EINVAL);
	CHECK(bus_reconfigure_args("dax0.0", "fsdax", &to_ram, &err) == -EINVAL);
}
