// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * org.nsalign1 on the system bus (org.nsalign1(5)).  Reading is for
 * everyone, without physical addresses for callers who are not root
 * (redact.c); changing (OnlineMemory, Reconfigure, Reload) is for root
 * and for whom polkit grants the method's action (polkit.c), decided here
 * from the sender's credentials: the bus policy lets anyone call.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <json-c/json.h>

#include "util/act.h"
#include "util/json.h"
#include "bus-args.h"
#include "nsalignd.h"
#include "redact.h"

#define BUS_NAME  "org.nsalign1"
#define BUS_PATH  "/org/nsalign1"
#define BUS_IFACE "org.nsalign1.Manager"

/* Whether the caller sees physical addresses: root only; unknown is not root. */
static bool caller_is_root(sd_bus_message *msg)
{
	bool trusted;
	uid_t uid;
	pid_t pid;

	return bus_caller(msg, &uid, &pid, &trusted) >= 0 && uid == 0 && trusted;
}

static int property_count(sd_bus *bus, const char *path, const char *interface,
			  const char *property, sd_bus_message *reply, void *userdata,
			  sd_bus_error *error)
{
	struct manager *m = userdata;
	uint32_t v = 0;

	if (strcmp(property, "Namespaces") == 0)
		v = m->snapshot ? (uint32_t)m->snapshot->n_namespaces : 0;
	else if (m->analysis && strcmp(property, "Errors") == 0)
		v = (uint32_t)m->analysis->counts[NSA_SEV_ERROR];
	else if (m->analysis && strcmp(property, "Warnings") == 0)
		v = (uint32_t)m->analysis->counts[NSA_SEV_WARNING];
	else if (m->analysis && strcmp(property, "Infos") == 0)
		v = (uint32_t)m->analysis->counts[NSA_SEV_INFO];
	return sd_bus_message_append(reply, "u", v);
}

static int property_last(sd_bus *bus, const char *path, const char *interface, const char *property,
			 sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct manager *m = userdata;

	return sd_bus_message_append(reply, "t", m->last_analysis);
}

static int property_policy(sd_bus *bus, const char *path, const char *interface,
			   const char *property, sd_bus_message *reply, void *userdata,
			   sd_bus_error *error)
{
	struct manager *m = userdata;

	if (strcmp(property, "MemoryBlocksPolicy") == 0)
		return sd_bus_message_append(reply, "s",
					     nsad_block_policy_name(m->config.memory_blocks));
	return sd_bus_message_append(reply, "s", nsad_dax_policy_name(m->config.dax_devices));
}

static int property_version(sd_bus *bus, const char *path, const char *interface,
			    const char *property, sd_bus_message *reply, void *userdata,
			    sd_bus_error *error)
{
	return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int reply_json(sd_bus_message *msg, struct json_object *o, sd_bus_error *error)
{
	const char *text;
	int r;

	if (!o)
		return -ENOMEM;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	r = text ? sd_bus_reply_method_return(msg, "s", text) : -ENOMEM;
	json_object_put(o);
	return r;
}

static int method_check(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	struct manager *m = userdata;
	struct json_object *o, *counts, *findings;
	uint64_t now = 0;
	int r;

	/*
	 * An analysis that an earlier call ran less than a second ago is the
	 * answer: a caller in a loop costs one full collection a second.
	 */
	sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	if (!m->analysis || !m->last_check || now - m->last_check >= CHECK_SHARE_USEC) {
		m->need_full = true; /* asked for: the whole system, read again */
		r = manager_analyze(m);
		if (r < 0)
			return sd_bus_error_set_errnof(error, -r, "analysis failed: %s",
						       strerror(-r));
		m->last_check = now;
		manager_notify_status(m);
	}
	o = json_object_new_object();
	counts = json_object_new_object();
	findings = json_findings(m->analysis, 0);
	if (!o || !counts || !findings ||
	    (!caller_is_root(msg) && nsad_findings_unprivileged(findings) < 0)) {
		json_object_put(o);
		json_object_put(counts);
		json_object_put(findings);
		return -ENOMEM;
	}
	json_object_object_add(counts, "error",
			       json_object_new_int(m->analysis->counts[NSA_SEV_ERROR]));
	json_object_object_add(counts, "warning",
			       json_object_new_int(m->analysis->counts[NSA_SEV_WARNING]));
	json_object_object_add(counts, "info",
			       json_object_new_int(m->analysis->counts[NSA_SEV_INFO]));
	/* a document as nsalign's: "schema" first, the time in RFC 3339 */
	json_object_object_add(o, "schema", json_object_new_int(JSON_SCHEMA));
	json_object_object_add(o, "analyzed_at", json_time((int64_t)(m->last_analysis / 1000000)));
	json_object_object_add(o, "counts", counts);
	json_object_object_add(o, "findings", findings);
	return reply_json(msg, o, error);
}

static int method_snapshot(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	struct manager *m = userdata;
	struct nsa_snapshot *s = NULL;
	bool root = caller_is_root(msg);
	struct json_object *o;
	int r;

	/* what the last analysis saw: the daemon's view, which uevents keep current */
	if (m->snapshot)
		return reply_json(msg,
				  root ? nsa_snapshot_to_json(m->snapshot)
				       : nsad_snapshot_json_unprivileged(m->snapshot),
				  error);
	r = nsa_collect(m->ctx, &s);
	if (r < 0)
		return sd_bus_error_set_errnof(error, -r, "collection failed: %s", strerror(-r));
	o = root ? nsa_snapshot_to_json(s) : nsad_snapshot_json_unprivileged(s);
	nsa_snapshot_free(s);
	return reply_json(msg, o, error);
}

static int reload_allowed(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	char err[512];
	int r;

	r = manager_reload(m, err, sizeof(err));
	if (r < 0)
		return sd_bus_error_setf(error, "org.nsalign1.Error.BadConfig",
					 "%s; the running configuration stays in force", err);
	return sd_bus_reply_method_return(msg, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return bus_authorize(userdata, msg, "Reload", reload_allowed, error);
}

/* The arguments are read (and checked) once the call is allowed: polkit's answer may come later. */
static int online_memory_allowed(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	const char *blocks, *zone;
	struct bus_online_args a;
	struct bus_args_error err;
	int r;

	r = sd_bus_message_read(msg, "ss", &blocks, &zone);
	if (r < 0)
		return r;
	if (bus_online_memory_args(blocks, zone, &a, &err) < 0)
		return sd_bus_error_set(error, err.name, err.message);
	r = action_queue_blocks(m, ACTION_BUS_ONLINE, a.what, a.first, a.n, a.policy, msg);
	return r < 0 ? r : 1; /* answered when the act is done */
}

static int method_online_memory(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return bus_authorize(userdata, msg, "OnlineMemory", online_memory_allowed, error);
}

static int reconfigure_allowed(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	const char *dax, *mode;
	struct bus_args_error err;
	bool to_ram;
	int movable, r;

	r = sd_bus_message_read(msg, "ssb", &dax, &mode, &movable);
	if (r < 0)
		return r;
	if (bus_reconfigure_args(dax, mode, &to_ram, &err) < 0)
		return sd_bus_error_set(error, err.name, err.message);
	r = action_queue_dax(m, ACTION_BUS_RECONFIGURE, dax, to_ram, movable, msg);
	return r < 0 ? r : 1;
}

static int method_reconfigure(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return bus_authorize(userdata, msg, "Reconfigure", reconfigure_allowed, error);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Errors", "u", property_count, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Warnings", "u", property_count, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Infos", "u", property_count, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Namespaces", "u", property_count, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastAnalysis", "t", property_last, 0, 0),
	SD_BUS_PROPERTY("MemoryBlocksPolicy", "s", property_policy, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("DaxDevicesPolicy", "s", property_policy, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_METHOD_WITH_ARGS("Check", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", findings_json),
				method_check, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Snapshot", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", snapshot_json),
				method_snapshot, SD_BUS_VTABLE_UNPRIVILEGED),
	/* Unprivileged for sd-bus, which would ask for CAP_SYS_ADMIN: polkit.c decides */
	SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("OnlineMemory", SD_BUS_ARGS("s", blocks, "s", zone),
				SD_BUS_RESULT("s", result_json), method_online_memory,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Reconfigure", SD_BUS_ARGS("s", dax, "s", mode, "b", movable),
				SD_BUS_RESULT("s", result_json), method_reconfigure,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("FindingsChanged",
				SD_BUS_ARGS("u", errors, "u", warnings, "u", infos, "u", added, "u",
					    changed, "u", resolved),
				0),
	SD_BUS_VTABLE_END
};

void bus_emit_findings_changed(struct manager *m, unsigned added, unsigned changed,
			       unsigned resolved)
{
	const struct nsa_analysis *a = m->analysis;

	if (!m->bus || !a)
		return;
	sd_bus_emit_properties_changed(m->bus, BUS_PATH, BUS_IFACE, "Errors", "Warnings", "Infos",
				       "Namespaces", NULL);
	sd_bus_emit_signal(m->bus, BUS_PATH, BUS_IFACE, "FindingsChanged", "uuuuuu",
			   (uint32_t)a->counts[NSA_SEV_ERROR], (uint32_t)a->counts[NSA_SEV_WARNING],
			   (uint32_t)a->counts[NSA_SEV_INFO], added, changed, resolved);
}

int bus_start(struct manager *m)
{
	int r;

	r = m->bus_kind == BUS_USER ? sd_bus_open_user(&m->bus) : sd_bus_open_system(&m->bus);
	if (r < 0)
		return r;
	r = sd_bus_add_object_vtable(m->bus, NULL, BUS_PATH, BUS_IFACE, manager_vtable, m);
	if (r < 0)
		return r;
	r = sd_bus_request_name(m->bus, BUS_NAME, 0);
	if (r == -EEXIST) {
		log_msg(m, LOG_ERR, "%s is taken: another nsalignd runs", BUS_NAME);
		return r;
	}
	if (r < 0)
		return r;
	return sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
}
