// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who may call org.nsalign1's changing methods (org.nsalign1(5),
 * AUTHORIZATION): root always; anyone else when polkit grants the method's
 * action (org.nsalign1.policy), asked with CheckAuthorization() for the
 * caller's bus name.  The question is asked asynchronously: polkit may
 * wait for the caller to authenticate, and the event loop (udev events,
 * the watchdog, other calls) goes on meanwhile.  The call is answered once
 * polkit is: the method's work runs then, or the refusal is sent.  Allowed
 * and refused calls are logged with the caller's uid and the action.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bus-args.h"
#include "nsalignd.h"

#define POLKIT_NAME  "org.freedesktop.PolicyKit1"
#define POLKIT_PATH  "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_IFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorization()'s flag: polkit may ask the caller to authenticate */
#define POLKIT_ALLOW_USER_INTERACTION 1u

/* A call waiting for polkit's answer. */
struct auth_query {
	struct auth_query *next;
	struct manager *m;
	sd_bus_message *call;
	sd_bus_slot *slot; /* the pending CheckAuthorization() */
	const char *method, *action;
	bus_allowed_fn allowed;
	uid_t uid;
	pid_t pid;
	bool interactive;
};

int bus_caller(sd_bus_message *msg, uid_t *uid, pid_t *pid, bool *trusted)
{
	sd_bus_creds *creds = NULL;
	uint64_t which = SD_BUS_CREDS_EUID;
	int r;

	r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_PID,
				      &creds);
	if (r < 0)
		return r;
	r = sd_bus_creds_get_euid(creds, uid);
	if (r == -ENODATA) {
		which = SD_BUS_CREDS_UID;
		r = sd_bus_creds_get_uid(creds, uid);
	}
	if (sd_bus_creds_get_pid(creds, pid) < 0)
		*pid = 0;
	/* from the bus itself, not read from /proc afterwards (the pid may be reused) */
	*trusted = !(sd_bus_creds_get_augmented_mask(creds) & which);
	sd_bus_creds_unref(creds);
	return r;
}

static void query_free(struct auth_query *q)
{
	struct auth_query **p;

	for (p = &q->m->auth_queries; *p; p = &(*p)->next)
		if (*p == q) {
			*p = q->next;
			break;
		}
	sd_bus_slot_unref(q->slot);
	sd_bus_message_unref(q->call);
	free(q);
}

void bus_authorize_cancel_all(struct manager *m)
{
	while (m->auth_queries)
		query_free(m->auth_queries);
}

static void log_decision(struct manager *m, sd_bus_message *call, const char *method, uid_t uid,
			 pid_t pid, bool allowed, const char *why)
{
	log_msg(m, allowed ? LOG_INFO : LOG_NOTICE, "%s %s() from %s (uid %u, pid %d): %s",
		allowed ? "allowed" : "refused", method, sd_bus_message_get_sender(call) ?: "?",
		(unsigned)uid, (int)pid, why);
}

/* The method's work, now allowed: its own reply, or its error as the reply. */
static int run_allowed(struct auth_query *q)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_message_rewind(q->call, true);
	if (r >= 0)
		r = q->allowed(q->m, q->call, &error);
	if (r < 0)
		r = sd_bus_error_is_set(&error) ? sd_bus_reply_method_error(q->call, &error)
						: sd_bus_reply_method_errno(q->call, r, NULL);
	sd_bus_error_free(&error);
	return r;
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct auth_query *q = userdata;
	struct manager *m = q->m;
	struct bus_polkit_answer a = { .interactive = q->interactive };
	struct bus_args_error err;
	const sd_bus_error *e;
	char why[512];
	int authorized = 0, challenge = 0, r;

	q->slot = sd_bus_slot_unref(q->slot);
	e = sd_bus_message_get_error(reply);
	if (e) {
		/* no polkit on the bus (not installed) or polkit failed: only root */
		bool absent = sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
			      sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER);

		snprintf(why, sizeof(why), "%s(): polkit %s (%s): only root may call it", q->method,
			 absent ? "is not running" : "could not decide", e->message ?: e->name);
		log_decision(m, q->call, q->method, q->uid, q->pid, false, why);
		r = sd_bus_reply_method_errorf(q->call, SD_BUS_ERROR_ACCESS_DENIED, "%s", why);
		query_free(q);
		return r;
	}
	/* (is_authorized, is_challenge, details) */
	r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
	if (r >= 0)
		r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
	if (r < 0) {
		log_decision(m, q->call, q->method, q->uid, q->pid, false,
			     "polkit's answer is unreadable");
		r = sd_bus_reply_method_errorf(q->call, SD_BUS_ERROR_ACCESS_DENIED,
					       "%s(): polkit's answer is unreadable", q->method);
		query_free(q);
		return r;
	}
	a.authorized = authorized;
	a.challenge = challenge;
	if (bus_polkit_verdict(q->method, q->uid, &a, &err) < 0) {
		log_decision(m, q->call, q->method, q->uid, q->pid, false, err.message);
		r = sd_bus_reply_method_errorf(q->call, err.name, "%s", err.message);
	} else {
		snprintf(why, sizeof(why), "polkit grants %s", q->action);
		log_decision(m, q->call, q->method, q->uid, q->pid, true, why);
		r = run_allowed(q);
	}
	query_free(q);
	return r;
}

int bus_authorize(struct manager *m, sd_bus_message *msg, const char *method,
		  bus_allowed_fn allowed, sd_bus_error *error)
{
	const char *action = bus_method_action(method), *sender = sd_bus_message_get_sender(msg);
	struct auth_query *q;
	bool trusted;
	uid_t uid;
	pid_t pid = 0;
	char why[256];
	int r;

	r = bus_caller(msg, &uid, &pid, &trusted);
	if (r < 0)
		return r;
	if (uid == 0 && trusted) {
		log_decision(m, msg, method, uid, pid, true, "root, polkit not asked");
		return allowed(m, msg, error);
	}
	if (!action)
		return -EINVAL;
	if (!sender || m->bus_kind != BUS_SYSTEM) {
		/* polkit knows the system bus' names only */
		snprintf(why, sizeof(why),
			 "%s(): polkit is asked on the system bus only: only root may call it here",
			 method);
		log_decision(m, msg, method, uid, pid, false, why);
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, why);
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	*q = (struct auth_query){
		.m = m,
		.call = sd_bus_message_ref(msg),
		.method = method,
		.action = action,
		.allowed = allowed,
		.uid = uid,
		.pid = pid,
		.interactive = sd_bus_message_get_allow_interactive_authorization(msg) > 0,
	};
	q->next = m->auth_queries;
	m->auth_queries = q;
	/* subject: the caller's bus name; no details; no cancellation id */
	r = sd_bus_call_method_async(m->bus, &q->slot, POLKIT_NAME, POLKIT_PATH, POLKIT_IFACE,
				     "CheckAuthorization", on_polkit_reply, q, "(sa{sv})sa{ss}us",
				     "system-bus-name", 1, "name", "s", sender, action, 0,
				     q->interactive ? POLKIT_ALLOW_USER_INTERACTION : 0u, "");
	if (r < 0) {
		query_free(q);
		return r;
	}
	return 1; /* answered when polkit is */
}
