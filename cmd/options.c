// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>

#include "args.h"
#include "builtin.h"

#define MAX_OPTIONS 48

/* a failed write to stdout has been reported: once is enough */
static bool stdout_failed;

static void vmessage(const char *cmd, const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "nsalign%s%s: %s", cmd ? " " : "", cmd ? cmd : "", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* --json: the first error is kept for the error document on stdout */
static bool json_errors;
static char first_error[512];
/* a JSON document has been printed on stdout */
static bool document_printed;

void cmd_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (json_errors && !first_error[0]) {
		va_list aq;

		va_copy(aq, ap);
		vsnprintf(first_error, sizeof(first_error), fmt, aq);
		va_end(aq);
	}
	vmessage(cmd, "", fmt, ap);
	va_end(ap);
}

void cmd_json_errors(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0 ||
		    (strcmp(argv[i], "-J") == 0 && strcmp(argv[0], "list") == 0) ||
		    strcmp(argv[i], "--format=json") == 0 ||
		    (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		     strcmp(argv[i + 1], "json") == 0))
			json_errors = true;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			json_errors = false; /* -q: nothing on stdout */
}

void cmd_json_document_written(void)
{
	document_printed = true;
}

int cmd_json_error_document(int rc)
{
	struct json_object *o, *e;

	/* exit codes under 64 are verdicts (check's findings), not errors */
	if (!json_errors || rc < EX__BASE || document_printed || stdout_failed)
		return rc;
	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(rc));
	json_object_object_add(e, "message",
			       json_object_new_string(first_error[0]
							      ? first_error
							      : "failed (see the exit code)"));
	json_object_object_add(o, "error", e);
	if (json_print(o))
		rc = EX_IOERR;
	json_object_put(o);
	return rc;
}

void cmd_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cmd, "warning: ", fmt, ap);
	va_end(ap);
}

/* the context --debug turns the library's debug messages on in */
static struct nsa_ctx *debug_ctx;

enum { OPT_DEBUG = 0x10000 };

void cmd_set_ctx(struct nsa_ctx *ctx)
{
	debug_ctx = ctx;
}

static int option_id(const struct cmd_option *o)
{
	return o->id ? o->id : o->short_name;
}

/* "MiB" after a number: the two are not broken apart */
static bool is_unit(const char *p)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i]);

		if (strncmp(p, units[i], n) == 0 && !isalnum((unsigned char)p[n]))
			return true;
	}
	return false;
}

/* A unit of wrapping at p: a word, or a bracketed group when brackets. */
static size_t unit_len(const char *p, bool brackets)
{
	size_t n = 0;
	int depth = 0;

	for (; p[n] && p[n] != '\n'; n++) {
		if (brackets && (p[n] == '[' || p[n] == '('))
			depth++;
		else if (brackets && (p[n] == ']' || p[n] == ')') && depth > 0)
			depth--;
		else if (p[n] == ' ' && depth == 0 &&
			 !(n > 0 && isdigit((unsigned char)p[n - 1]) && is_unit(p + n + 1)))
			break;
	}
	return n;
}

static void wrap(FILE *f, size_t col, size_t indent, const char *text, bool brackets)
{
	size_t start = col;

	while (*text) {
		size_t n, gap = 0;

		/* the spaces between two words are kept, a newline is one space */
		while (*text == ' ' || *text == '\n') {
			gap++;
			text++;
		}
		if (!*text)
			break;
		if (col > start && gap == 0)
			gap = 1;
		n = unit_len(text, brackets);
		if (col > start && col + gap + n > CMD_TEXT_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = start = indent;
		} else if (col > start) {
			fprintf(f, "%*s", (int)gap, "");
			col += gap;
		}
		for (size_t k = 0; k < n; k++)
			fputc(text[k] == CMD_NBSP ? ' ' : text[k], f);
		col += n;
		text += n;
	}
	fputc('\n', f);
}

const char *cmd_nobreak(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; len && src[i] && i < len - 1; i++)
		dst[i] = src[i] == ' ' ? CMD_NBSP : src[i];
	if (len)
		dst[i] = '\0';
	return dst;
}

void cmd_wrap(FILE *f, size_t col, size_t indent, const char *text)
{
	wrap(f, col, indent, text, false);
}

/* "usage: nsalign list [-R] ...": each synopsis wrapped under its first option */
static void print_usage(const struct cmd_spec *spec, FILE *f)
{
	_cleanup_free_ char *copy = strdup(spec->usage);
	size_t indent = strlen("usage: nsalign  ") + strlen(spec->name);
	char *line, *save = NULL;
	bool first = true;

	if (!copy)
		return;
	/* a line that starts with "nsalign" is a synopsis of its own; others continue one */
	for (char *p = copy; *p; p++)
		if (*p == '\n' && strncmp(p + 1 + strspn(p + 1, " "), "nsalign ", 8) != 0)
			*p = ' ';
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *syn = line + strspn(line, " ");
		size_t head = strlen("nsalign ") + strlen(spec->name);

		fprintf(f, "%s%.*s ", first ? "usage: " : "       ", (int)head, syn);
		syn += head;
		wrap(f, 7 + head + 1, indent, syn, true);
		first = false;
	}
}

void cmd_print_help(const struct cmd_spec *spec, FILE *f)
{
	print_usage(spec, f);
	fputc('\n', f);
	wrap(f, 0, 0, spec->about, false);
	fprintf(f, "\nOptions:\n");
	for (const struct cmd_option *o = spec->options; o->long_name; o++) {
		char left[64];
		int n = 0;

		if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c, ", o->short_name);
		else
			n = snprintf(left, sizeof(left), "    ");
		snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", o->long_name,
			 o->arg_name ? "=" : "", o->arg_name ? o->arg_name : "");
		/* a long option name: its help on the next line, in the help column */
		if (strlen(left) > 28)
			fprintf(f, "  %s\n%31s", left, "");
		else
			fprintf(f, "  %-28s ", left);
		wrap(f, 31, 31, o->help, false);
	}
	fprintf(f, "  %-28s %s\n", "-h, --help", "show this help");
	fprintf(f, "\nSee nsalign-%s(8).\n", spec->name);
}

int cmd_getopt(const struct cmd_spec *spec, int argc, char **argv, const char **arg)
{
	struct option longopts[MAX_OPTIONS + 2];
	char shortopts[MAX_OPTIONS * 2 + 4] = ":h";
	size_t n = 0, sp = strlen(shortopts);
	int c;

	for (const struct cmd_option *o = spec->options; o->long_name && n < MAX_OPTIONS; o++) {
		longopts[n++] = (struct option){ o->long_name, o->arg_name ? required_argument : 0,
						 NULL, option_id(o) };
		if (o->short_name) {
			shortopts[sp++] = (char)o->short_name;
			if (o->arg_name)
				shortopts[sp++] = ':';
		}
	}
	longopts[n++] = (struct option){ "help", 0, NULL, 'h' };
	longopts[n++] = (struct option){ "debug", 0, NULL, OPT_DEBUG };
	longopts[n] = (struct option){ 0 };
	shortopts[sp] = '\0';

	/* options and arguments in any order: getopt moves the arguments to the end */
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	/* --debug after the command name, as before it */
	while (c == OPT_DEBUG) {
		if (debug_ctx)
			nsa_set_log_priority(debug_ctx, LOG_DEBUG);
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
	}
	*arg = optarg;
	switch (c) {
	case 'h':
		cmd_print_help(spec, stdout);
		return OPT_HELP;
	case '?':
		if (optopt)
			cmd_error(spec->name, "unknown option '-%c' (see 'nsalign %s --help')",
				  optopt, spec->name);
		else
			cmd_error(spec->name, "unknown option '%s' (see 'nsalign %s --help')",
				  argv[optind - 1], spec->name);
		return -2;
	case ':':
		cmd_error(spec->name, "option '%s' needs a value (see 'nsalign %s --help')",
			  argv[optind - 1], spec->name);
		return -2;
	default:
		/* a short option answers with the id its long form has */
		for (const struct cmd_option *o = spec->options; o->long_name; o++)
			if (o->short_name && o->short_name == c)
				return option_id(o);
		return c;
	}
}

int cmd_size_unit_error(const char *cmd, const char *what, const char *arg)
{
	int n = (int)strlen(arg) - 1; /* without the B */

	cmd_error(cmd,
		  "%s%s'%s': write %.*s or %.*siB (sizes are binary, as ndctl reads them; %s "
		  "would be decimal to util-linux)",
		  what ? what : "", what ? " " : "", arg, n, arg, n, arg, arg + n - 1);
	return EX_USAGE;
}

int cmd_parse_granularity(const char *cmd, const char *arg, uint64_t *out)
{
	int r = cmd_parse_granularity_value(arg, out);

	if (r == -EDOM)
		return cmd_size_unit_error(cmd, "--granularity", arg);
	if (r < 0) {
		cmd_error(cmd,
			  "--granularity '%s': expected a power of two of at least 4K, e.g. 64M",
			  arg);
		return EX_USAGE;
	}
	return 0;
}

int cmd_get_snapshot(const char *cmd, struct nsa_ctx *ctx, const char *path, bool need_addresses,
		     struct nsa_snapshot **out)
{
	return cmd_get_snapshot_some(cmd, ctx, path, need_addresses, 0, out);
}

int cmd_get_snapshot_some(const char *cmd, struct nsa_ctx *ctx, const char *path,
			  bool need_addresses, unsigned collect_flags, struct nsa_snapshot **out)
{
	char why[256] = "";
	int r;

	if (path) {
		r = nsa_snapshot_load(path, out, why, sizeof(why));
		switch (r) {
		case 0:
			return 0;
		case -ENOENT:
			cmd_error(cmd,
				  "%s: no such file (give a file written by 'nsalign snapshot')",
				  path);
			return EX_NOINPUT;
		case -EACCES:
		case -EPERM:
			cmd_error(cmd, "%s: permission denied", path);
			return EX_NOPERM;
		case -EINVAL:
		case -EPROTONOSUPPORT:
		case -EFBIG:
		case -ENOTSUP:
			cmd_error(cmd, "%s: not a usable snapshot: %s", path,
				  why[0] ? why : strerror(-r));
			return EX_DATAERR;
		case -ENOMEM:
			cmd_error(cmd, "%s: out of memory", path);
			return EX_SOFTWARE;
		default:
			cmd_error(cmd, "%s: %s", path, why[0] ? why : strerror(-r));
			return EX_IOERR;
		}
	}

	r = nsa_collect_some(ctx, collect_flags, out);
	if (r == -EACCES || r == -EPERM) {
		cmd_error(cmd,
			  "cannot read the PMEM configuration: permission denied (run as root)");
		return EX_NOPERM;
	}
	if (r < 0) {
		cmd_error(cmd, "collecting the system's PMEM layout failed: %s", strerror(-r));
		return r == -ENOMEM ? EX_SOFTWARE : EX_IOERR;
	}
	if (need_addresses && !(*out)->platform.iomem_visible && nsa_snapshot_has_pmem(*out)) {
		cmd_error(cmd, "physical addresses are hidden (/proc/iomem reads zeros without "
			       "CAP_SYS_ADMIN): run as root");
		nsa_snapshot_free(*out);
		*out = NULL;
		return EX_NOPERM;
	}
	return 0;
}

int cmd_may_change(const char *cmd, bool dry_run, const char *snapshot, const char *what)
{
	if (snapshot && !dry_run) {
		cmd_error(cmd, "--snapshot goes with --dry-run: a file cannot be changed into %s",
			  what);
		return EX_USAGE;
	}
	if (!dry_run && geteuid() != 0) {
		cmd_error(cmd, "changing %s needs root", what);
		return EX_NOPERM;
	}
	return 0;
}

static volatile int stop_requested;

static void on_sigint(int sig)
{
	(void)sig;
	stop_requested = 1;
}

const volatile int *cmd_stop_on_sigint(void)
{
	signal(SIGINT, on_sigint);
	return &stop_requested;
}

void cmd_block_progress(void *data, uint64_t done, uint64_t total)
{
	fprintf(stderr, "\r%s: %" PRIu64 "/%" PRIu64 " memory blocks", (const char *)data, done,
		total);
	if (done == total)
		fputc('\n', stderr);
}

struct json_object *cmd_json_document(struct json_object *obj)
{
	return json_document(obj);
}

/* The one JSON document a command prints, on stdout. */
int json_print(struct json_object *obj)
{
	struct json_object *doc = cmd_json_document(obj);
	const char *text = doc ? json_text(doc) : NULL;
	int r = 0;

	document_printed = true;
	if (!text || fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF) {
		if (!stdout_failed)
			cmd_error(NULL, "writing to standard output failed: %s", strerror(errno));
		stdout_failed = true;
		r = EX_IOERR;
	}
	json_object_put(doc);
	return r;
}

int cmd_stdout_status(void)
{
	int e;

	errno = 0;
	if (fflush(stdout) != EOF && !ferror(stdout))
		return 0;
	e = errno ? errno : EIO;
	if (!stdout_failed)
		cmd_error(NULL, "writing to standard output failed: %s", strerror(e));
	stdout_failed = true;
	return EX_IOERR;
}

int cmd_ns_address_cmp(const struct nsa_snapshot *s, size_t a, size_t b)
{
	const struct nsa_namespace *x = &s->namespaces[a], *y = &s->namespaces[b];

	if (x->spa_start != y->spa_start)
		return x->spa_start < y->spa_start ? -1 : 1;
	return strcmp(x->dev, y->dev);
}

static int by_address(const void *x, const void *y, void *data)
{
	return cmd_ns_address_cmp(data, *(const size_t *)x, *(const size_t *)y);
}

/* The kernel's names follow the labels' order, not the addresses. */
void cmd_ns_address_order(const struct nsa_snapshot *s, size_t *order)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		order[i] = i;
	qsort_r(order, s->n_namespaces, sizeof(*order), by_address, (void *)s);
}
