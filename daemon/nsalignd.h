/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGND_H
#define NSALIGND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "util/conf.h"
#include "libnsalign.h"

struct udev;
struct udev_monitor;
struct auth_query;

/*
 * Events are coalesced: an analysis runs once the monitor has been quiet
 * for COALESCE_QUIET_USEC, and at the latest COALESCE_MAX_USEC after the
 * first event of a burst, so that a storm cannot postpone it for ever.
 */
#define COALESCE_QUIET_USEC (10 * 1000ULL)
#define COALESCE_MAX_USEC   (250 * 1000ULL)

enum log_target {
	LOG_TARGET_AUTO = 0, /* the journal when started by systemd, else the console */
	LOG_TARGET_JOURNAL,
	LOG_TARGET_CONSOLE,
};

enum bus_kind {
	BUS_SYSTEM = 0,
	BUS_USER,
	BUS_NONE,
};

/* A policy or D-Bus action: one act of the library, run one at a time in a child. */
enum action_kind {
	ACTION_ONLINE_BLOCKS,	/* policy: new memory blocks */
	ACTION_DAX_TO_RAM,	/* policy: a new devdax device */
	ACTION_BUS_ONLINE,	/* OnlineMemory(): the reply is the result as JSON */
	ACTION_BUS_RECONFIGURE, /* Reconfigure(): the same */
};

struct action {
	struct action *next;
	enum action_kind kind;
	char *what; /* "memory40-memory43", "dax0.0" */
	/* the blocks to online; mem.dax: the dax device to reconfigure */
	struct nsa_memory_request mem;
	bool to_ram, movable; /* reconfigure: to System RAM (or devdax), into ZONE_MOVABLE */
	uint64_t blocks;      /* ACTION_ONLINE_BLOCKS: how many */
	sd_bus_message *reply_to;
	pid_t pid;
	int fd; /* the child's result */
	sd_event_source *child;
};

/* A set of memory block indexes and dax device names seen as new. */
struct newset {
	uint64_t *blocks;
	size_t n_blocks, cap_blocks;
	char (*dax)[NSA_DEV_LEN];
	size_t n_dax, cap_dax;
};

struct manager {
	sd_event *event;
	sd_bus *bus;
	enum bus_kind bus_kind;
	struct nsa_ctx *ctx;

	struct udev *udev;
	struct udev_monitor *monitor;
	sd_event_source *monitor_source;
	sd_event_source *coalesce;
	uint64_t burst_start;	 /* CLOCK_MONOTONIC usec of the first pending event */
	uint64_t pending_events; /* since the last analysis */
	uint64_t events_total, overflows, analyses;
	bool overflowed; /* the monitor lost events: nothing is known about what is new */
	/*
	 * What the next analysis must read again: everything (start, reload,
	 * an nd or dax event, lost events), or only the memory blocks with
	 * events since the last one.
	 */
	bool need_full;
	struct newset touched;

	const char *config_dir;
	const char *runtime_dir;
	const char *rules_root;	  /* prefix for the udev rules directories ("" live) */
	const char *state_dir;	  /* the boot check's recorded layouts ("": none read) */
	struct nsa_state *record; /* as last read (record.c), NULL: none or unreadable */
	struct stat record_stat;  /* of state.json when read (zeros: there was none) */
	bool record_read;
	struct nsad_config config;

	struct nsa_snapshot *snapshot; /* the last analysis' */
	struct nsa_analysis *analysis;
	uint64_t last_analysis; /* CLOCK_REALTIME usec */
	uint64_t last_collect_usec, last_analyze_usec;
	uint64_t last_check; /* CLOCK_MONOTONIC usec of the analysis Check() last ran */
	bool last_was_full;
	size_t last_reread; /* memory blocks read again, when not all */
	struct nsa_competitor *competitors;
	size_t n_competitors;
	bool competitors_stale; /* look again at the next analysis (start, reload) */
	struct newset fresh;	/* new since the last analysis, from uevents */
	bool first_start;	/* first start in this boot: everything present is new */

	struct action *queue;		 /* queue[0] runs */
	struct auth_query *auth_queries; /* calls waiting for polkit (polkit.c) */
	bool stopping; /* SIGTERM: no new action; exit when the running one is over */

	enum log_target log_target;
	bool exit_on_idle; /* tests: exit after the first analysis with nothing queued */
};

/* nsalignd.c */
void log_msg(struct manager *m, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void manager_notify_status(struct manager *m);
int manager_reload(struct manager *m, char *err, size_t errlen);

/* monitor.c */
int monitor_start(struct manager *m);
void monitor_stop(struct manager *m);
void manager_schedule_analysis(struct manager *m);

/* record.c */
/* Add what moved or vanished since the layout recorded before this boot to a. */
int manager_compare_record(struct manager *m, const struct nsa_snapshot *s, struct nsa_analysis *a);
void manager_record_free(struct manager *m);

/* reconcile.c */
int manager_analyze(struct manager *m);
/* What an earlier run in this boot reported, as the analysis to compare with. */
int manager_load_reported(struct manager *m);
void newset_clear(struct newset *n);
size_t newset_unique_blocks(struct newset *n);
int newset_add_block(struct newset *n, uint64_t index);
int newset_add_dax(struct newset *n, const char *dax);
/* Send a one-off finding (an action's result, a block left alone); fill sets its facts. */
void manager_report(struct manager *m, const char *code, const char *dev,
		    void (*fill)(struct nsa_finding *f, void *data), void *data);
/* Send one finding (new, changed, resolved, an action's result) to the log target. */
void log_finding(struct manager *m, const struct nsa_finding *f, const char *change);

/* action.c */
/* Online blocks [first, first + n); reply_to: the D-Bus call answered when done, or NULL. */
int action_queue_blocks(struct manager *m, enum action_kind kind, const char *what, uint64_t first,
			uint64_t n, enum nsa_online_policy policy, sd_bus_message *reply_to);
/* Make dax device `dax` System RAM (to_ram) or devdax again. */
int action_queue_dax(struct manager *m, enum action_kind kind, const char *dax, bool to_ram,
		     bool movable, sd_bus_message *reply_to);
/* Stop: drop what waits, ask the running action to stop; true when one runs. */
bool action_stop(struct manager *m);
void action_queue_free(struct manager *m);

/* Check() calls inside this long share one analysis. */
#define CHECK_SHARE_USEC (1000 * 1000ULL)

/* bus.c */
int bus_start(struct manager *m);
void bus_emit_findings_changed(struct manager *m, unsigned added, unsigned changed,
			       unsigned resolved);

/* polkit.c */
/* What a changing method does once allowed: replies to msg, or returns an error. */
typedef int (*bus_allowed_fn)(struct manager *m, sd_bus_message *msg, sd_bus_error *error);
/*
 * Run allowed() for a call of a changing method when its caller may: root
 * at once, anyone else once polkit grants the method's action; then the
 * call is answered later (1).  Refused: the reply is the error.
 */
int bus_authorize(struct manager *m, sd_bus_message *msg, const char *method,
		  bus_allowed_fn allowed, sd_bus_error *error);
/* Drop the calls still waiting for polkit (exit). */
void bus_authorize_cancel_all(struct manager *m);
/* The caller's uid (effective when the bus says it), pid (0 unknown), and
 * whether the uid came from the bus (not read from /proc afterwards). */
int bus_caller(sd_bus_message *msg, uid_t *uid, pid_t *pid, bool *trusted);

#endif
