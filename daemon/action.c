// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hotplug actions run the nsalign command, one at a time: the policy and
 * the D-Bus methods get exactly the checks an administrator gets on the
 * command line (every block has one owner, nothing shared is touched, the
 * plan first), and the daemon's loop never blocks on the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>

#include "nsalignd.h"

extern char **environ;

static void action_free(struct action *a)
{
	if (!a)
		return;
	sd_event_source_disable_unref(a->child);
	if (a->out_fd >= 0)
		close(a->out_fd);
	if (a->err_fd >= 0)
		close(a->err_fd);
	for (size_t i = 0; a->argv && a->argv[i]; i++)
		free(a->argv[i]);
	free(a->argv);
	free(a->what);
	sd_bus_message_unref(a->reply_to);
	free(a);
}

/* All a memfd holds, NUL-terminated. */
static char *read_all(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf;
	ssize_t n;

	if (len < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return strdup("");
	buf = malloc((size_t)len + 1);
	if (!buf)
		return NULL;
	n = read(fd, buf, (size_t)len);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* The command's last error line, without "nsalign online-memory: ". */
static const char *last_line(char *text)
{
	char *end, *start, *colon;

	end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		*--end = '\0';
	start = strrchr(text, '\n');
	start = start ? start + 1 : text;
	if (strncmp(start, "nsalign ", 8) == 0 && (colon = strstr(start, ": ")))
		start = colon + 2;
	return start;
}

struct done {
	const struct action *a;
	int status;
	const char *why;
	struct json_object *out;
};

static uint64_t json_u64(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return 0;
	return (uint64_t)json_object_get_int64(y);
}

static const char *json_str(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return "";
	return json_object_get_string(y);
}

static void fill_done(struct nsa_finding *f, void *data)
{
	const struct done *d = data;
	const struct action *a = d->a;
	char size[32];

	nsa_finding_fact_str(f, "action", a->kind == ACTION_DAX_TO_RAM ? "system-ram" : "online");
	nsa_finding_fact_str(f, "target", a->what);
	if (d->status != 0) {
		nsa_finding_fact_u64(f, "exit_status", (uint64_t)d->status);
		nsa_finding_set_message(
			f, "%s: the %s policy of nsalign.conf could not be carried out: %s",
			a->what, a->kind == ACTION_DAX_TO_RAM ? "DaxDevices" : "MemoryBlocks",
			d->why[0] ? d->why : "the nsalign command failed");
		nsa_finding_set_remedy(f,
				       "Run the same command by hand to see the whole story: '%s "
				       "%s %s%s'.",
				       a->argv[1], a->argv[2], a->argv[3] ? a->argv[3] : "",
				       a->kind == ACTION_DAX_TO_RAM ? " --mode system-ram --dry-run"
								    : " --dry-run");
		return;
	}
	if (a->kind == ACTION_DAX_TO_RAM) {
		uint64_t bytes = json_u64(d->out, "result", "bytes");

		nsa_finding_fact_u64(f, "bytes", bytes);
		nsa_finding_fact_u64(f, "blocks", json_u64(d->out, "plan", "blocks"));
		nsa_finding_fact_u64(f, "lost", json_u64(d->out, "plan", "lost"));
		nsa_finding_fact_str(f, "zone", json_str(d->out, "result", "zone"));
		nsa_finding_set_message(
			f,
			"%s is System RAM now, by the DaxDevices policy: %s in %" PRIu64
			" memory blocks onlined into ZONE_%s",
			a->what, nsa_size_str(bytes, size, sizeof(size)),
			json_u64(d->out, "plan", "blocks"), json_str(d->out, "result", "zone"));
	} else {
		nsa_finding_fact_u64(f, "blocks", a->blocks);
		nsa_finding_set_message(
			f,
			"%s: %" PRIu64
			" new memory block%s onlined by the MemoryBlocks policy (%s)",
			a->what, a->blocks, a->blocks == 1 ? "" : "s", a->argv[5]);
	}
}

static void action_start_next(struct manager *m);

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	struct manager *m = userdata;
	struct action *a = m->queue;
	char *out, *err;
	int status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;

	m->queue = a->next;
	out = read_all(a->out_fd);
	err = read_all(a->err_fd);
	log_msg(m, LOG_DEBUG, "%s %s: exit %d", a->argv[1], a->what, status);

	if (a->kind == ACTION_BUS) {
		if (status == 0)
			sd_bus_reply_method_return(a->reply_to, "s", out ? out : "");
		else
			sd_bus_reply_method_errorf(a->reply_to, "org.nsalign1.Error.Failed",
						   "%s (exit %d)", err ? last_line(err) : "failed",
						   status);
	} else {
		struct done d = { a, status, err ? last_line(err) : "", NULL };
		const char *code;

		if (status == 0) {
			d.out = out ? json_tokener_parse(out) : NULL;
			code = a->kind == ACTION_DAX_TO_RAM ? "NSA-HOTPLUG-RECONFIGURED"
							    : "NSA-HOTPLUG-ONLINED";
		} else {
			code = "NSA-HOTPLUG-FAILED";
		}
		manager_report(m, code, a->what, fill_done, &d);
		json_object_put(d.out);
	}
	free(out);
	free(err);
	action_free(a);
	/* what the action changed is looked at again, all of it: actions are rare */
	m->need_full = true;
	manager_schedule_analysis(m);
	action_start_next(m);
	manager_notify_status(m);
	return 0;
}

static void action_start_next(struct manager *m)
{
	struct action *a = m->queue;
	posix_spawn_file_actions_t fa;
	int r;

	while (a) {
		a->out_fd = memfd_create("nsalign-out", MFD_CLOEXEC);
		a->err_fd = memfd_create("nsalign-err", MFD_CLOEXEC);
		r = a->out_fd < 0 || a->err_fd < 0 ? errno : 0;
		if (!r) {
			posix_spawn_file_actions_init(&fa);
			posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
			posix_spawn_file_actions_adddup2(&fa, a->out_fd, 1);
			posix_spawn_file_actions_adddup2(&fa, a->err_fd, 2);
			r = posix_spawn(&a->pid, a->argv[0], &fa, NULL, a->argv, environ);
			posix_spawn_file_actions_destroy(&fa);
		}
		if (!r)
			r = -sd_event_add_child(m->event, &a->child, a->pid, WEXITED, on_child, m);
		if (!r) {
			log_msg(m, LOG_DEBUG, "running %s %s for %s", a->argv[0], a->argv[1],
				a->what);
			return;
		}
		log_msg(m, LOG_ERR, "cannot run %s for %s: %s", a->argv[0], a->what, strerror(r));
		if (a->reply_to)
			sd_bus_reply_method_errorf(a->reply_to, "org.nsalign1.Error.Failed",
						   "cannot run %s: %s", a->argv[0], strerror(r));
		m->queue = a->next;
		action_free(a);
		a = m->queue;
	}
	/* the next analysis decides whether there is more to do (and --exit-on-idle) */
	manager_schedule_analysis(m);
}

int action_queue(struct manager *m, enum action_kind kind, const char *what, uint64_t blocks,
		 sd_bus_message *reply_to, char **argv)
{
	struct action *a = calloc(1, sizeof(*a)), **tail;
	size_t n = 0;

	if (!a)
		return -ENOMEM;
	a->out_fd = a->err_fd = -1;
	a->kind = kind;
	a->blocks = blocks;
	a->what = strdup(what);
	while (argv[n])
		n++;
	a->argv = calloc(n + 1, sizeof(char *));
	if (!a->what || !a->argv) {
		action_free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (!(a->argv[i] = strdup(argv[i]))) {
			action_free(a);
			return -ENOMEM;
		}
	a->reply_to = sd_bus_message_ref(reply_to);
	for (tail = &m->queue; *tail; tail = &(*tail)->next)
		;
	*tail = a;
	if (m->queue == a)
		action_start_next(m);
	return 0;
}

void action_queue_free(struct manager *m)
{
	while (m->queue) {
		struct action *a = m->queue;

		m->queue = a->next;
		if (a->pid > 0 && a->child)
			kill(a->pid, SIGTERM);
		action_free(a);
	}
}
