// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign: keep PMEM namespaces usable when the platform moves them.
 * A git/ndctl-style front end: one table, one file per command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "builtin.h"
#include "util/conf.h"

static const struct cmd_struct commands[] = {
	{ "list", cmd_list, "list regions, namespaces, dax devices and memory blocks" },
	{ "check", cmd_check, "validate every namespace, say what the kernel will refuse" },
	{ "snapshot", cmd_snapshot, "write the collected PMEM and memory layout as JSON" },
	{ "simulate", cmd_simulate, "which namespaces break if the platform moves the PMEM" },
	{ "map", cmd_map, "the address space by section: owners, boundaries, findings" },
	{ "create-namespace", cmd_create_namespace,
	  "create a namespace aligned to survive platform moves" },
	{ "reconfigure", cmd_reconfigure, "make a dax device System RAM (kmem) or devdax again" },
	{ "online-memory", cmd_online_memory, "online memory blocks, never another owner's" },
	{ "offline-memory", cmd_offline_memory, "offline memory blocks, never another owner's" },
	{ "probe", cmd_probe, "add memory through the probe interface, checked first" },
	{ "rescue", cmd_rescue, "the data of a namespace the kernel refuses, read-only" },
	{ "repair", cmd_repair, "make the kernel accept a moved namespace again" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: nsalign [--version] [--help] [--debug] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(f, "  %-17s ", commands[i].name);
		cmd_wrap(f, 20, 20, commands[i].summary);
	}
	fprintf(f, "\n'nsalign COMMAND --help' shows a command's options; see nsalign(8).\n");
}

static const struct cmd_struct *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void log_to_stderr(void *data, int priority, const char *file, int line, const char *fn,
			  const char *format, va_list args)
{
	fprintf(stderr, "nsalign: %s: ", fn);
	vfprintf(stderr, format, args);
	if (format[0] && format[strlen(format) - 1] != '\n')
		fputc('\n', stderr);
}

/*
 * nsalign.conf, as nsalignd reads it (drop-ins too): [Platform]
 * Granularity= is the platform granularity of every command unless
 * --granularity says otherwise.  A broken file is said and not used.
 */
static void load_config(struct nsa_ctx *ctx)
{
	const char *dir = secure_getenv("NSALIGN_CONFIG_DIR");
	struct nsad_config c;
	char err[512];

	if (!dir || !*dir)
		dir = NSAD_CONFIG_DIR;
	if (nsad_config_load(dir, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "nsalign: %s; the configuration is not used\n", err);
		return;
	}
	nsa_set_platform_granularity(ctx, c.granularity);
	nsad_config_free(&c);
}

int main(int argc, char **argv)
{
	const struct cmd_struct *cmd;
	struct timespec t0, t1;
	struct nsa_ctx *ctx;
	bool debug = false;
	int r;

	argv++;
	argc--;
	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "--version") == 0) {
			printf("%s\n", PACKAGE_VERSION);
			return cmd_stdout_status();
		} else if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
			usage(stdout);
			return cmd_stdout_status();
		} else if (strcmp(argv[0], "--debug") == 0) {
			debug = true;
		} else {
			fprintf(stderr, "nsalign: unknown option '%s'\n", argv[0]);
			usage(stderr);
			return EX_USAGE;
		}
		argv++;
		argc--;
	}
	if (argc == 0) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		if (argc < 2) {
			usage(stdout);
			return cmd_stdout_status();
		}
		cmd = find_command(argv[1]);
		if (!cmd) {
			fprintf(stderr, "nsalign: '%s' is not a command (see 'nsalign --help')\n",
				argv[1]);
			return EX_USAGE;
		}
		char *help_argv[] = { argv[1], "--help", NULL };
		ctx = nsa_new();
		if (!ctx)
			return EX_SOFTWARE;
		r = cmd->fn(2, help_argv, ctx);
		if (cmd_stdout_status())
			r = EX_IOERR;
		nsa_unref(ctx);
		return r;
	}
	cmd = find_command(argv[0]);
	if (!cmd) {
		/* with --json, the error document on stdout as for any other error */
		cmd_json_errors(argc, argv);
		cmd_error(NULL, "'%s' is not a command (see 'nsalign --help')", argv[0]);
		return cmd_json_error_document(EX_USAGE);
	}

	ctx = nsa_new();
	if (!ctx) {
		fprintf(stderr, "nsalign: out of memory\n");
		return EX_SOFTWARE;
	}
	nsa_set_log_fn(ctx, log_to_stderr, NULL);
	if (debug)
		nsa_set_log_priority(ctx, LOG_DEBUG);
	cmd_set_ctx(ctx);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	load_config(ctx);
	cmd_json_errors(argc, argv);
	r = cmd->fn(argc, argv, ctx);
	r = cmd_json_error_document(r);
	/* a full disk or a closed pipe is an error in text mode too */
	if (cmd_stdout_status())
		r = EX_IOERR;
	/* --debug before the command or after it */
	if (nsa_get_log_priority(ctx) >= LOG_DEBUG) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr,
			"nsalign: %s: %.1f ms from its configuration to its exit status %d\n",
			cmd->name,
			(double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				(double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
			r);
	}
	nsa_unref(ctx);
	return r;
}
