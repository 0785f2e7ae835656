// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalignd: watch PMEM namespaces, dax devices and memory blocks as udev
 * reports them, say in the journal what became wrong (and what stopped
 * being wrong), carry out the hotplug policy of nsalign.conf(5), and answer
 * on D-Bus (org.nsalign1(5)).  One sd-event loop; no threads.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "nsalignd.h"

void log_msg(struct manager *m, int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority > LOG_INFO && nsa_get_log_priority(m->ctx) < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	if (m->log_target == LOG_TARGET_JOURNAL) {
		sd_journal_printv(priority, fmt, ap);
	} else {
		fprintf(stderr, "nsalignd: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void lib_log(void *data, int priority, const char *file, int line, const char *fn,
		    const char *format, va_list args)
{
	struct manager *m = data;
	char buf[512];

	vsnprintf(buf, sizeof(buf), format, args);
	buf[strcspn(buf, "\n")] = '\0';
	log_msg(m, priority, "%s: %s", fn, buf);
}

void manager_notify_status(struct manager *m)
{
	const struct nsa_analysis *a = m->analysis;
	size_t ns = m->snapshot ? m->snapshot->n_namespaces : 0;

	if (!a)
		return;
	sd_notifyf(false, "STATUS=%zu namespace%s, %d error%s, %d warning%s%s", ns,
		   ns == 1 ? "" : "s", a->counts[NSA_SEV_ERROR],
		   a->counts[NSA_SEV_ERROR] == 1 ? "" : "s", a->counts[NSA_SEV_WARNING],
		   a->counts[NSA_SEV_WARNING] == 1 ? "" : "s",
		   m->queue ? "; hotplug action running" : "");
}

/* A new configuration, or the old one kept and the reason in err. */
int manager_reload(struct manager *m, char *err, size_t errlen)
{
	struct nsad_config c;
	int r;

	r = nsad_config_load(m->config_dir, &c, err, errlen);
	if (r < 0) {
		log_msg(m, LOG_ERR, "configuration not reloaded, the old one stays in force: %s",
			err);
		return r;
	}
	nsad_config_free(&m->config);
	m->config = c;
	nsa_set_platform_granularity(m->ctx, c.granularity);
	log_msg(m, LOG_INFO,
		"configuration loaded: MemoryBlocks=%s DaxDevices=%s DaxZone=%s Level=%s",
		nsad_block_policy_name(c.memory_blocks), nsad_dax_policy_name(c.dax_devices),
		c.dax_movable ? "movable" : "normal", nsa_severity_name(c.log_min));
	/* the competitors matter again: the policy may online memory now */
	m->competitors_stale = true;
	m->need_full = true;
	manager_schedule_analysis(m);
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;
	char err[512];

	sd_notify(false, "RELOADING=1");
	manager_reload(m, err, sizeof(err));
	sd_notify(false, "READY=1");
	return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	/* a running action stops between two memory blocks; nsalignd exits after it */
	if (!m->stopping)
		sd_notify(false, "STOPPING=1");
	if (action_stop(m))
		return 0;
	return sd_event_exit(m->event, 0);
}

/* The first start in this boot treats every device present as new. */
static bool first_start_in_boot(struct manager *m)
{
	char boot_id[64] = "", seen[64] = "", path[512];
	FILE *f;
	bool first;

	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		if (!fgets(boot_id, sizeof(boot_id), f))
			boot_id[0] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/nsalignd.boot", m->runtime_dir);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(seen, sizeof(seen), f))
			seen[0] = '\0';
		fclose(f);
	}
	first = !boot_id[0] || strcmp(boot_id, seen) != 0;
	if (first && boot_id[0]) {
		f = fopen(path, "we");
		if (f) {
			fputs(boot_id, f);
			if (fclose(f) != 0)
				log_msg(m, LOG_WARNING, "%s: %s", path, strerror(errno));
		} else {
			log_msg(m, LOG_WARNING,
				"%s: %s (a restart will treat present devices as new again)", path,
				strerror(errno));
		}
	}
	return first;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nsalignd [OPTIONS]\n\n"
		"Watch PMEM namespaces, dax devices and memory blocks; report what becomes wrong\n"
		"in the journal; apply the hotplug policy of nsalign.conf(5); serve "
		"org.nsalign1.\n\n"
		"  -c, --config-dir DIR    configuration directory\n"
		"                          (default %s/nsalign)\n"
		"      --runtime-dir DIR   runtime state (default /run/nsalign)\n"
		"      --bus system|user|none  which D-Bus to serve on (default system)\n"
		"      --log-target auto|journal|console  where messages go (default auto)\n"
		"      --rules-root DIR    look for udev rules under DIR (tests)\n"
		"      --state-dir DIR     the boot check's layouts (default %s)\n"
		"      --exit-on-idle      exit after the first analysis and actions (tests)\n"
		"  -d, --debug             debug messages\n"
		"  -h, --help              this help\n"
		"      --version           the version\n\n"
		"See nsalignd(8), nsalign.conf(5) and org.nsalign1(5).\n",
		SYSCONFDIR, NSA_STATE_DIR);
}

enum {
	OPT_RUNTIME_DIR = 1000,
	OPT_BUS,
	OPT_LOG_TARGET,
	OPT_RULES_ROOT,
	OPT_STATE_DIR,
	OPT_EXIT_ON_IDLE,
	OPT_VERSION,
};

static int parse_args(struct manager *m, int argc, char **argv)
{
	static const struct option options[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR },
		{ "bus", required_argument, NULL, OPT_BUS },
		{ "log-target", required_argument, NULL, OPT_LOG_TARGET },
		{ "rules-root", required_argument, NULL, OPT_RULES_ROOT },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "exit-on-idle", no_argument, NULL, OPT_EXIT_ON_IDLE },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{}
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:dh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			m->config_dir = optarg;
			break;
		case OPT_RUNTIME_DIR:
			m->runtime_dir = optarg;
			break;
		case OPT_BUS:
			if (strcmp(optarg, "system") == 0)
				m->bus_kind = BUS_SYSTEM;
			else if (strcmp(optarg, "user") == 0)
				m->bus_kind = BUS_USER;
			else if (strcmp(optarg, "none") == 0)
				m->bus_kind = BUS_NONE;
			else {
				fprintf(stderr,
					"nsalignd: --bus '%s': expected system, user or none\n",
					optarg);
				return EX_USAGE;
			}
			break;
		case OPT_LOG_TARGET:
			if (strcmp(optarg, "auto") == 0)
				m->log_target = LOG_TARGET_AUTO;
			else if (strcmp(optarg, "journal") == 0)
				m->log_target = LOG_TARGET_JOURNAL;
			else if (strcmp(optarg, "console") == 0)
				m->log_target = LOG_TARGET_CONSOLE;
			else {
				fprintf(stderr,
					"nsalignd: --log-target '%s': expected auto, journal or "
					"console\n",
					optarg);
				return EX_USAGE;
			}
			break;
		case OPT_RULES_ROOT:
			m->rules_root = optarg;
			break;
		case OPT_STATE_DIR:
			m->state_dir = optarg;
			break;
		case OPT_EXIT_ON_IDLE:
			m->exit_on_idle = true;
			break;
		case 'd':
			nsa_set_log_priority(m->ctx, LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return -1;
		case OPT_VERSION:
			printf("%s\n", PACKAGE_VERSION);
			return -1;
		case ':':
			fprintf(stderr, "nsalignd: option '%s' needs an argument (see --help)\n",
				argv[optind - 1]);
			return EX_USAGE;
		default:
			fprintf(stderr, "nsalignd: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nsalignd: unexpected argument '%s' (see --help)\n", argv[optind]);
		return EX_USAGE;
	}
	return 0;
}

static void manager_free(struct manager *m)
{
	action_queue_free(m);
	bus_authorize_cancel_all(m);
	monitor_stop(m);
	sd_bus_flush_close_unref(m->bus);
	sd_event_unref(m->event);
	nsa_analysis_free(m->analysis);
	nsa_snapshot_free(m->snapshot);
	manager_record_free(m);
	free(m->competitors);
	newset_clear(&m->fresh);
	free(m->fresh.blocks);
	free(m->fresh.dax);
	free(m->touched.blocks);
	free(m->touched.dax);
	nsad_config_free(&m->config);
	nsa_unref(m->ctx);
}

int main(int argc, char **argv)
{
	struct manager m = {
		.config_dir = NSAD_CONFIG_DIR,
		.runtime_dir = "/run/nsalign",
		.rules_root = "",
		.state_dir = NSA_STATE_DIR,
	};
	char err[512];
	sigset_t mask;
	int r;

	m.ctx = nsa_new();
	if (!m.ctx) {
		fprintf(stderr, "nsalignd: out of memory\n");
		return EX_OSERR;
	}
	r = parse_args(&m, argc, argv);
	if (r) {
		nsa_unref(m.ctx);
		return r < 0 ? 0 : r;
	}
	if (m.log_target == LOG_TARGET_AUTO)
		m.log_target = getenv("JOURNAL_STREAM") || getenv("INVOCATION_ID")
				       ? LOG_TARGET_JOURNAL
				       : LOG_TARGET_CONSOLE;
	nsa_set_log_fn(m.ctx, lib_log, &m);
	if (geteuid() != 0)
		log_msg(&m, LOG_WARNING,
			"not running as root: physical addresses are hidden and no hotplug "
			"action can succeed");

	nsad_config_defaults(&m.config);
	r = nsad_config_load(m.config_dir, &m.config, err, sizeof(err));
	if (r < 0) {
		/* at start there is no old configuration to keep: refuse */
		log_msg(&m, LOG_ERR, "%s", err);
		manager_free(&m);
		return EX_CONFIG;
	}
	nsa_set_platform_granularity(m.ctx, m.config.granularity);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	r = sd_event_default(&m.event);
	if (r < 0)
		goto fail;
	sd_event_set_watchdog(m.event, true);
	r = sd_event_add_signal(m.event, NULL, SIGTERM, on_sigterm, &m);
	if (r >= 0)
		r = sd_event_add_signal(m.event, NULL, SIGINT, on_sigterm, &m);
	if (r >= 0)
		r = sd_event_add_signal(m.event, NULL, SIGHUP, on_sighup, &m);
	if (r < 0)
		goto fail;

	m.first_start = first_start_in_boot(&m);
	if (!m.first_start) {
		r = manager_load_reported(&m);
		if (r < 0)
			log_msg(&m, LOG_WARNING,
				"%s/nsalignd.reported: %s; what holds is reported again",
				m.runtime_dir, strerror(-r));
	}
	m.competitors_stale = true;
	r = monitor_start(&m);
	if (r < 0) {
		log_msg(&m, LOG_ERR, "cannot watch udev events: %s", strerror(-r));
		goto fail;
	}
	if (m.bus_kind != BUS_NONE) {
		r = bus_start(&m);
		if (r < 0) {
			log_msg(&m, LOG_ERR, "cannot serve org.nsalign1 on the %s bus: %s",
				m.bus_kind == BUS_SYSTEM ? "system" : "user", strerror(-r));
			goto fail;
		}
	}

	/* The full reconcile at start: everything is looked at once. */
	r = manager_analyze(&m);
	if (r < 0)
		log_msg(&m, LOG_ERR, "the first analysis failed: %s", strerror(-r));
	{
		char files[256];

		log_msg(&m, LOG_INFO,
			"started (%s): MemoryBlocks=%s DaxDevices=%s; %zu namespace%s, %d error%s, "
			"%d warning%s",
			nsad_config_files_str(&m.config, files, sizeof(files)),
			nsad_block_policy_name(m.config.memory_blocks),
			nsad_dax_policy_name(m.config.dax_devices),
			m.snapshot ? m.snapshot->n_namespaces : 0,
			m.snapshot && m.snapshot->n_namespaces == 1 ? "" : "s",
			m.analysis ? m.analysis->counts[NSA_SEV_ERROR] : 0,
			m.analysis && m.analysis->counts[NSA_SEV_ERROR] == 1 ? "" : "s",
			m.analysis ? m.analysis->counts[NSA_SEV_WARNING] : 0,
			m.analysis && m.analysis->counts[NSA_SEV_WARNING] == 1 ? "" : "s");
	}
	sd_notify(false, "READY=1");
	manager_notify_status(&m);

	r = sd_event_loop(m.event);
	if (r < 0)
		goto fail;
	manager_free(&m);
	return 0;
fail:
	log_msg(&m, LOG_ERR, "exiting: %s", strerror(-r));
	manager_free(&m);
	return EX_SOFTWARE;
}
