/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGN_BUILTIN_H
#define NSALIGN_BUILTIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "libnsalign.h"
#include "util/act.h"
#include "util/journal.h"
#include "util/json.h"
#include "util/prometheus.h"

/* One command of the table in nsalign.c. */
struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct nsa_ctx *ctx);
	const char *summary;
};

int cmd_list(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_check(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_snapshot(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_simulate(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_create_namespace(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_reconfigure(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_online_memory(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_offline_memory(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_probe(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_rescue(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_repair(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_map(int argc, char **argv, struct nsa_ctx *ctx);

/*
 * Options are declared once per command; getopt's tables and --help are
 * generated from the declaration, so the two cannot drift apart.
 */
struct cmd_option {
	const char *long_name;
	int short_name;	      /* 0: long only */
	const char *arg_name; /* NULL: no argument */
	const char *help;
	int id; /* returned by cmd_getopt(); defaults to short_name */
};

struct cmd_spec {
	const char *name;		  /* "check" */
	const char *usage;		  /* "nsalign check [OPTIONS]" */
	const char *about;		  /* one paragraph */
	const struct cmd_option *options; /* terminated by { NULL } */
};

static inline void cmd_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(cmd_freep)))

/* Options every analysing command shares. */
enum {
	OPT_SNAPSHOT = 1000,
	OPT_GRANULARITY,
	OPT_FORMAT,
	OPT_HELP = 'h',
};

/*
 * getopt_long over a spec.  Returns the option id, -1 at the end, or -2
 * (after printing a one-line error) for an unknown option or a missing
 * argument: no option has that id, so the command's default case returns
 * EX_USAGE.  --help prints the help and returns OPT_HELP.
 */
int cmd_getopt(const struct cmd_spec *spec, int argc, char **argv, const char **arg);
void cmd_print_help(const struct cmd_spec *spec, FILE *f);

/* Text output fits a terminal of this many columns. */
#define CMD_TEXT_WIDTH 80
/*
 * Print text (a paragraph; newlines count as spaces) from column col on,
 * broken between words to fit CMD_TEXT_WIDTH, continuation lines indented
 * by indent, then a newline.  A word longer than a line is not cut.
 */
void cmd_wrap(FILE *f, size_t col, size_t indent, const char *text);
/* In cmd_wrap()'s text: a space never broken at (printed as ' ') */
#define CMD_NBSP '\x01'
/* Copy src into dst with its spaces made CMD_NBSP: a phrase kept on one line. */
const char *cmd_nobreak(char *dst, size_t len, const char *src);

/* Errors: "nsalign <cmd>: <message>" on stderr, one line. */
void cmd_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmd_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * --json, -j, --format json (list: -J) among a command's arguments (argv[0]
 * the command): an error is also written on stdout as one JSON document,
 * {"schema": 1, "error": {"code": EXIT, "message": FIRST_ERROR}}, by
 * cmd_json_error_document(EXIT) when the command failed without printing
 * a document.  Returns the exit code (EX_IOERR if stdout fails).
 */
void cmd_json_errors(int argc, char **argv);
int cmd_json_error_document(int rc);
/* The document went elsewhere than stdout (check -o FILE): no error document. */
void cmd_json_document_written(void);

/*
 * The snapshot to work on: the file given with --snapshot, or the live
 * system.  Returns 0 or a sysexits code after printing why.
 * need_addresses: refuse (EX_NOPERM) a live system whose physical
 * addresses are hidden while it has PMEM, instead of analysing zeros.
 */
int cmd_get_snapshot(const char *cmd, struct nsa_ctx *ctx, const char *path, bool need_addresses,
		     struct nsa_snapshot **out);
/* The same, a live system collected leaving out what collect_flags (NSA_COLLECT_*) say. */
int cmd_get_snapshot_some(const char *cmd, struct nsa_ctx *ctx, const char *path,
			  bool need_addresses, unsigned collect_flags, struct nsa_snapshot **out);
/*
 * The preamble of a command that changes the system: --snapshot only with
 * --dry-run, root unless --dry-run.  `what` completes "changing ... needs
 * root" ("memory blocks").  0 or a sysexits code after saying why.
 */
int cmd_may_change(const char *cmd, bool dry_run, const char *snapshot, const char *what);
/* Long block-by-block work: Ctrl-C sets the flag returned; progress on stderr (data: a label). */
const volatile int *cmd_stop_on_sigint(void);
void cmd_block_progress(void *data, uint64_t done, uint64_t total);

/*
 * A size written "64MB" (nsa_parse_size()'s -EDOM): say, in one line, to
 * write 64M or 64MiB; returns EX_USAGE.  what: the option ("--size") or NULL.
 */
int cmd_size_unit_error(const char *cmd, const char *what, const char *arg);

/* Parse --granularity: a power of two >= 4 KiB.  EX_USAGE on error. */
int cmd_parse_granularity(const char *cmd, const char *arg, uint64_t *out);

/*
 * Every JSON document nsalign prints starts with "schema": N, the version
 * of its layout (doc/<command>.schema.json); a key is added or a meaning
 * changed only with a new N.  A snapshot carries its own (NSA_SNAPSHOT_SCHEMA).
 */
#define CMD_JSON_SCHEMA JSON_SCHEMA
/*
 * 2: a namespace's "size" is ndctl's (the usable size), "raw_size" the
 * namespace's, as in list (schema 2); the plan's and rescue's alike.
 */
#define CHECK_JSON_SCHEMA    2
#define SIMULATE_JSON_SCHEMA 2
#define CREATE_JSON_SCHEMA   2
#define RESCUE_JSON_SCHEMA   2 /* rescue and repair */
/* obj with "schema" first (a new reference; obj itself when it has one). */
struct json_object *cmd_json_document(struct json_object *obj);
/* Print one JSON document on stdout (json_text of cmd_json_document()); EX_IOERR when stdout fails.
 */
int json_print(struct json_object *obj);
/*
 * Flush stdout after a command: EX_IOERR, said in one line on stderr (once),
 * when anything written to it failed; 0 otherwise.
 */
int cmd_stdout_status(void);
/* namespaces a and b of s in address order (then by name): <0, 0, >0 */
int cmd_ns_address_cmp(const struct nsa_snapshot *s, size_t a, size_t b);
/* order[0..n_namespaces): s's namespace indexes in address order */
void cmd_ns_address_order(const struct nsa_snapshot *s, size_t *order);
/* One finding in check's text report (cmd/check-finding.c); -v adds its facts. */
void cmd_print_finding(const struct nsa_finding *f, bool verbose);
/* The context a --debug given after the command name applies to. */
void cmd_set_ctx(struct nsa_ctx *ctx);

#endif
