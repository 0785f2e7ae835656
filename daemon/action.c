// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hotplug actions, one at a time, each in a child process that calls the
 * library's act (nsa_memory_set(), nsa_reconfigure()): the policy and the
 * D-Bus methods get exactly the checks an administrator gets on the
 * command line (every block has one owner, nothing shared is touched, the
 * plan first), and the daemon's loop never blocks on the kernel.  The
 * child writes its typed result, one fixed struct, to a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>

#include "nsalignd.h"
#include "util/act.h"
#include "util/json.h"

/* What the child hands back. */
struct action_result {
	union {
		struct nsa_memory_result mem;	   /* online kinds */
		struct nsa_reconfigure_result dax; /* reconfigure kinds */
	};
};
/* one write, whole or not at all, and never blocking on a full pipe */
_Static_assert(sizeof(struct action_result) <= PIPE_BUF, "an action's result fits one write");

static bool is_reconfigure(const struct action *a)
{
	return a->kind == ACTION_DAX_TO_RAM || a->kind == ACTION_BUS_RECONFIGURE;
}

/* The nsalign command doing the same, for messages. */
static const char *command_name(const struct action *a)
{
	return is_reconfigure(a) ? "reconfigure" : "online-memory";
}

static const char *zone_word(enum nsa_online_policy p)
{
	return p == NSA_ONLINE_MOVABLE ? "movable" : p == NSA_ONLINE_KERNEL ? "normal" : "auto";
}

static void action_free(struct action *a)
{
	if (!a)
		return;
	sd_event_source_disable_unref(a->child);
	if (a->fd >= 0)
		close(a->fd);
	free(a->what);
	sd_bus_message_unref(a->reply_to);
	free(a);
}

static volatile int stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * The child starts as nsalignd's copy: SIGTERM, SIGINT, SIGHUP and SIGCHLD
 * blocked (sd-event reads them from a signalfd) and its dispositions.  All
 * go back to the defaults; SIGTERM and SIGINT (systemctl stop sends SIGTERM
 * to the child too, nsalignd forwards its own) then ask the act to stop
 * between two memory blocks, as Ctrl-C does for nsalign.  The handlers are
 * in place before the mask is lifted, so a SIGTERM that came in between
 * the fork and here is not lost.
 */
static void child_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL); /* EINVAL for the ones libc keeps */
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART; /* the block being written is written whole */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* An act that stopped between two blocks: say so, whatever the act says. */
static void mark_interrupted(enum nsa_act_status *st, char *why, const struct nsa_block_result *b,
			     uint64_t total)
{
	char was[320]; /* the act's own words, cut to fit after ours */

	if (!b->interrupted || (*st != NSA_ACT_DONE && *st != NSA_ACT_INTERRUPTED))
		return;
	*st = NSA_ACT_INTERRUPTED;
	snprintf(was, sizeof(was), "%s", why);
	snprintf(why, NSA_ACT_WHY_LEN,
		 "stopped between two memory blocks (nsalignd is stopping): %" PRIu64 " of %" PRIu64
		 " blocks done%s%s",
		 b->changed + b->already, total, was[0] ? "; " : "", was);
}

/* The child: the act, its result on fd, and out. */
static _Noreturn void run_child(struct manager *m, const struct action *a, int fd)
{
	struct action_result res;
	struct nsa_act_opts opts = { .stop = &stop_requested };
	struct nsa_snapshot *s = NULL;
	ssize_t n;
	int r;

	child_signals();
	memset(&res, 0, sizeof(res));
	if (geteuid() != 0) {
		/* as 'nsalign' says it, before the kernel refuses the first write */
		enum nsa_act_status *st = is_reconfigure(a) ? &res.dax.status : &res.mem.status;
		char *why = is_reconfigure(a) ? res.dax.why : res.mem.why;

		*st = NSA_ACT_NOPERM;
		snprintf(why, NSA_ACT_WHY_LEN, "changing %s needs root",
			 is_reconfigure(a) ? a->mem.dax : "memory blocks");
	} else if (is_reconfigure(a)) {
		nsa_reconfigure(m->ctx, a->mem.dax, a->to_ram, a->movable, NSA_MEMMAP_AS_IS, &opts,
				&res.dax);
		mark_interrupted(&res.dax.status, res.dax.why, &res.dax.blocks,
				 res.dax.plan.n_blocks);
	} else {
		r = nsa_collect(m->ctx, &s);
		if (r < 0) {
			res.mem.status = NSA_ACT_FAILED;
			snprintf(res.mem.why, sizeof(res.mem.why),
				 "collecting the system's PMEM layout failed: %s", strerror(-r));
		} else {
			nsa_memory_set(m->ctx, s, &a->mem, &opts, &res.mem);
			mark_interrupted(&res.mem.status, res.mem.why, &res.mem.blocks, a->mem.n);
		}
	}
	n = write(fd, &res, sizeof(res));
	_exit(n == (ssize_t)sizeof(res) ? 0 : 1);
}

struct done {
	const struct action *a;
	const struct action_result *res;
	enum nsa_act_status status;
	const char *why;
	int exit_status;
};

/*
 * The zones the policy's onlining led to, as facts and a sentence (into
 * buf, "" when unknown); beyond the kernel's auto_movable_ratio it is a
 * warning, whatever the code says.
 */
static const char *zone_balance(struct nsa_finding *f, const struct nsa_zone_balance *z, char *buf,
				size_t len)
{
	char line[320];

	buf[0] = '\0';
	if (!z->known || !z->adding)
		return buf;
	nsa_finding_fact_u64(f, "zone_ratio_pct_after", z->ratio_pct_after);
	nsa_finding_fact_u64(f, "auto_movable_ratio_pct", z->threshold_pct);
	nsa_finding_fact_bool(f, "zone_ratio_beyond", z->beyond);
	nsa_finding_fact_u64(f, "memmap_ram_bytes", z->memmap_ram_bytes);
	if (z->beyond)
		f->severity = NSA_SEV_WARNING;
	snprintf(buf, len, ". %s", nsa_zone_balance_str(z, line, sizeof(line)));
	return buf;
}

/*
 * A loaded crash kernel after the change: facts and a sentence (into buf,
 * "" when none is loaded); one to reload is a warning.
 */
static const char *kdump(struct nsa_finding *f, const struct nsa_kdump *k, char *buf, size_t len)
{
	char line[320];

	buf[0] = '\0';
	if (!nsa_kdump_str(k, line, sizeof(line))[0])
		return buf;
	nsa_finding_fact_bool(f, "kdump_reload", k->reload);
	if (k->crash_hotplug >= 0)
		nsa_finding_fact_bool(f, "crash_hotplug", k->crash_hotplug == 1);
	if (k->reload)
		f->severity = NSA_SEV_WARNING;
	snprintf(buf, len, ". %s", line);
	return buf;
}

static void fill_done(struct nsa_finding *f, void *data)
{
	const struct done *d = data;
	const struct action *a = d->a;
	char size[32], zb[340], kd[340];

	nsa_finding_fact_str(f, "action", a->kind == ACTION_DAX_TO_RAM ? "system-ram" : "online");
	nsa_finding_fact_str(f, "target", a->what);
	if (d->status != NSA_ACT_DONE) {
		char cmd[96];

		nsa_finding_fact_u64(f, "exit_status", (uint64_t)d->exit_status);
		nsa_finding_set_message(
			f, "%s: the %s policy of nsalign.conf could not be carried out: %s",
			a->what, a->kind == ACTION_DAX_TO_RAM ? "DaxDevices" : "MemoryBlocks",
			d->why[0] ? d->why : "the action failed");
		if (is_reconfigure(a))
			snprintf(cmd, sizeof(cmd), "reconfigure %s --mode system-ram", a->mem.dax);
		else
			snprintf(cmd, sizeof(cmd), "online-memory --blocks %" PRIu64 "-%" PRIu64,
				 a->mem.first, a->mem.first + a->mem.n - 1);
		nsa_finding_set_remedy(
			f, "Run the same command by hand to see the whole story: '%s --dry-run'.",
			cmd);
		return;
	}
	if (a->kind == ACTION_DAX_TO_RAM) {
		const struct nsa_reconfigure_result *x = &d->res->dax;
		uint64_t bytes = (x->blocks.changed + x->blocks.moved + x->blocks.already) *
				 x->plan.block_size;
		const char *zone = x->movable ? "Movable" : "Normal";

		nsa_finding_fact_u64(f, "bytes", bytes);
		nsa_finding_fact_u64(f, "blocks", x->plan.n_blocks);
		nsa_finding_fact_u64(f, "lost", x->plan.lost_head + x->plan.lost_tail);
		nsa_finding_fact_str(f, "zone", zone);
		nsa_finding_set_message(
			f,
			"%s is System RAM now, by the DaxDevices policy: %s in %" PRIu64
			" memory blocks onlined into ZONE_%s%s%s",
			a->what, nsa_size_str(bytes, size, sizeof(size)), x->plan.n_blocks, zone,
			zone_balance(f, &x->zones, zb, sizeof(zb)),
			kdump(f, &x->kdump, kd, sizeof(kd)));
	} else {
		nsa_finding_fact_u64(f, "blocks", a->blocks);
		nsa_finding_set_message(
			f,
			"%s: %" PRIu64
			" new memory block%s onlined by the MemoryBlocks policy (%s)%s%s",
			a->what, a->blocks, a->blocks == 1 ? "" : "s", zone_word(a->mem.policy),
			zone_balance(f, &d->res->mem.zones, zb, sizeof(zb)),
			kdump(f, &d->res->mem.kdump, kd, sizeof(kd)));
	}
}

/* The reply to OnlineMemory() and Reconfigure(): what 'nsalign ... --json' prints. */
static void reply(const struct action *a, const struct done *d)
{
	struct json_object *o, *doc;
	const char *text;

	if (d->status != NSA_ACT_DONE) {
		sd_bus_reply_method_errorf(a->reply_to, "org.nsalign1.Error.Failed", "%s (exit %d)",
					   d->why[0] ? d->why : "failed", d->exit_status);
		return;
	}
	o = is_reconfigure(a) ? act_reconfigure_json(&d->res->dax) : act_memory_json(&d->res->mem);
	/* the document nsalign prints, "schema" first */
	doc = o ? json_document(o) : NULL;
	json_object_put(o);
	o = doc;
	text = o ? json_text(o) : NULL;
	if (text) {
		char *out;

		if (asprintf(&out, "%s\n", text) >= 0) {
			sd_bus_reply_method_return(a->reply_to, "s", out);
			free(out);
		} else {
			sd_bus_reply_method_errorf(a->reply_to, SD_BUS_ERROR_NO_MEMORY,
						   "out of memory");
		}
	} else {
		sd_bus_reply_method_errorf(a->reply_to, SD_BUS_ERROR_NO_MEMORY, "out of memory");
	}
	json_object_put(o);
}

static void action_start_next(struct manager *m);

/* An action that never ran because nsalignd stops: said, then freed. */
static void drop(struct manager *m, struct action *a)
{
	struct done d = { .a = a,
			  .status = NSA_ACT_INTERRUPTED,
			  .why = "nsalignd stopped before it ran",
			  .exit_status = act_exit_status(NSA_ACT_INTERRUPTED) };

	if (a->reply_to)
		reply(a, &d);
	else
		manager_report(m, "NSA-HOTPLUG-FAILED", a->what, fill_done, &d);
	action_free(a);
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	struct manager *m = userdata;
	struct action *a = m->queue;
	struct action_result res;
	struct done d = { .a = a, .res = &res };
	char crashed[128];
	ssize_t n;

	m->queue = a->next;
	n = read(a->fd, &res, sizeof(res));
	if (n == (ssize_t)sizeof(res)) {
		d.status = is_reconfigure(a) ? res.dax.status : res.mem.status;
		d.why = is_reconfigure(a) ? res.dax.why : res.mem.why;
		d.why = d.status == NSA_ACT_DONE ? "" : d.why;
		d.exit_status = act_exit_status(d.status);
	} else {
		/* killed, or out of memory before its result: no result */
		d.status = NSA_ACT_FAILED;
		d.exit_status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
		if (si->si_code == CLD_EXITED)
			snprintf(crashed, sizeof(crashed), "the action ended without a result");
		else
			snprintf(crashed, sizeof(crashed), "the action was killed by signal %d",
				 si->si_status);
		d.why = crashed;
	}
	log_msg(m, LOG_DEBUG, "%s %s: %s (exit %d)", command_name(a), a->what,
		d.status == NSA_ACT_DONE ? "done" : d.why, d.exit_status);

	if (a->reply_to)
		reply(a, &d);
	else
		manager_report(m,
			       d.status != NSA_ACT_DONE	      ? "NSA-HOTPLUG-FAILED"
			       : a->kind == ACTION_DAX_TO_RAM ? "NSA-HOTPLUG-RECONFIGURED"
							      : "NSA-HOTPLUG-ONLINED",
			       a->what, fill_done, &d);
	action_free(a);
	if (m->stopping) {
		/* what nsalignd_stop() waited for */
		log_msg(m, LOG_INFO, "the running action is over: stopping");
		return sd_event_exit(m->event, 0);
	}
	/* what the action changed is looked at again, all of it: actions are rare */
	m->need_full = true;
	manager_schedule_analysis(m);
	action_start_next(m);
	manager_notify_status(m);
	return 0;
}

static int start(struct manager *m, struct action *a)
{
	int fds[2], r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	a->pid = fork();
	if (a->pid < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (a->pid == 0) {
		close(fds[0]);
		run_child(m, a, fds[1]);
	}
	close(fds[1]);
	a->fd = fds[0];
	return sd_event_add_child(m->event, &a->child, a->pid, WEXITED, on_child, m);
}

static void action_start_next(struct manager *m)
{
	struct action *a = m->queue;
	int r;

	while (a) {
		r = start(m, a);
		if (r >= 0) {
			log_msg(m, LOG_DEBUG, "running %s for %s (pid %d)", command_name(a),
				a->what, (int)a->pid);
			return;
		}
		log_msg(m, LOG_ERR, "cannot run %s for %s: %s", command_name(a), a->what,
			strerror(-r));
		if (a->reply_to)
			sd_bus_reply_method_errorf(a->reply_to, "org.nsalign1.Error.Failed",
						   "cannot run %s: %s", command_name(a),
						   strerror(-r));
		if (a->pid > 0) {
			kill(a->pid, SIGTERM);
			waitpid(a->pid, NULL, 0);
		}
		m->queue = a->next;
		action_free(a);
		a = m->queue;
	}
	/* the next analysis decides whether there is more to do (and --exit-on-idle) */
	manager_schedule_analysis(m);
}

static int queue(struct manager *m, struct action *a)
{
	struct action **tail;

	if (m->stopping) {
		drop(m, a);
		return 0;
	}
	for (tail = &m->queue; *tail; tail = &(*tail)->next)
		;
	*tail = a;
	if (m->queue == a)
		action_start_next(m);
	return 0;
}

static struct action *action_new(enum action_kind kind, const char *what, sd_bus_message *reply_to)
{
	struct action *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fd = -1;
	a->kind = kind;
	a->what = strdup(what);
	if (!a->what) {
		free(a);
		return NULL;
	}
	a->reply_to = sd_bus_message_ref(reply_to);
	return a;
}

int action_queue_blocks(struct manager *m, enum action_kind kind, const char *what, uint64_t first,
			uint64_t n, enum nsa_online_policy policy, sd_bus_message *reply_to)
{
	struct action *a = action_new(kind, what, reply_to);

	if (!a)
		return -ENOMEM;
	a->blocks = n;
	a->mem.first = first;
	a->mem.n = n;
	a->mem.online = true;
	a->mem.policy = policy;
	return queue(m, a);
}

int action_queue_dax(struct manager *m, enum action_kind kind, const char *dax, bool to_ram,
		     bool movable, sd_bus_message *reply_to)
{
	struct action *a;

	if (strlen(dax) >= sizeof(a->mem.dax))
		return -ENAMETOOLONG;
	a = action_new(kind, dax, reply_to);
	if (!a)
		return -ENOMEM;
	snprintf(a->mem.dax, sizeof(a->mem.dax), "%s", dax);
	a->to_ram = to_ram;
	a->movable = movable;
	return queue(m, a);
}

/*
 * SIGTERM or SIGINT: actions not started are dropped (a D-Bus caller gets
 * an error, a policy action a NSA-HOTPLUG-FAILED entry), the running one
 * is asked to stop between two memory blocks, and nsalignd exits when it
 * is over (on_child()).  Returns whether there is one to wait for.
 */
bool action_stop(struct manager *m)
{
	struct action *run = m->queue && m->queue->pid > 0 ? m->queue : NULL;
	struct action *rest = run ? run->next : m->queue;

	m->stopping = true;
	if (run)
		run->next = NULL;
	else
		m->queue = NULL;
	while (rest) {
		struct action *a = rest;

		rest = a->next;
		drop(m, a);
	}
	if (!run)
		return false;
	log_msg(m, LOG_INFO, "stopping: %s for %s (pid %d) stops between two memory blocks",
		command_name(run), run->what, (int)run->pid);
	kill(run->pid, SIGTERM);
	return true;
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
