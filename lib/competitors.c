// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The others that online hot-added memory: udev rules that write a memory
 * block's state (RHEL's 40-redhat.rules, Ubuntu's 40-vm-hotadd.rules, local
 * rules), the kernel itself (auto_online_blocks), and daxctl's udev rule
 * with a [reconfigure-device] section in its configuration.  Each races
 * with the others, and with nsalignd, for the same blocks.
 *
 * The rules directories are read with udev's semantics (a file name in an
 * earlier directory hides the same name in later ones; a symlink to
 * /dev/null or an empty file masks it), and a rule is parsed into its
 * KEY{attr} OP "value" tokens, so that comparisons (ATTR{state}=="offline")
 * are not mistaken for assignments.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/* udev's search path, highest priority first */
static const char *const rules_dirs[] = {
	"/etc/udev/rules.d",	 "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
	"/usr/lib/udev/rules.d", "/lib/udev/rules.d",
};
#define DAXCTL_CONF_DIR	 "/etc/daxctl.conf.d"
#define AUTO_ONLINE_PATH "/sys/devices/system/memory/auto_online_blocks"

struct clist {
	struct nsa_competitor *v;
	size_t n, cap;
};

static struct nsa_competitor *clist_add(struct clist *l, enum nsa_competitor_kind kind,
					const char *path, int line, const char *detail)
{
	struct nsa_competitor *c = nsa_array_push((void **)&l->v, &l->n, &l->cap, sizeof(*c));

	if (!c)
		return NULL;
	c->kind = kind;
	nsa_strlcpy(c->path, path, sizeof(c->path));
	c->line = line;
	nsa_strlcpy(c->detail, detail, sizeof(c->detail));
	return c;
}

/* ------------------------------------------------------------ rule parsing */

enum op {
	OP_MATCH,   /* == */
	OP_NOMATCH, /* != */
	OP_ASSIGN,  /* = */
	OP_ADD,	    /* += */
	OP_REMOVE,  /* -= */
	OP_FINAL,   /* := */
};

struct token {
	char key[32];
	char attr[64];
	enum op op;
	const char *value; /* points into the parsed line */
};

#define MAX_TOKENS 64

/*
 * Split a rule into tokens, in place (values are NUL-terminated where their
 * closing quote was).  Stops at the first thing that is not KEY OP "VALUE":
 * udev rejects such a rule, and what was read before is still returned.
 */
static int tokenize(char *s, struct token *t, int max)
{
	static const struct {
		const char *text;
		enum op op;
	} ops[] = {
		{ "==", OP_MATCH },  { "!=", OP_NOMATCH }, { "+=", OP_ADD },
		{ "-=", OP_REMOVE }, { ":=", OP_FINAL },   { "=", OP_ASSIGN },
	};
	int n = 0;

	while (n < max) {
		size_t k = 0, o;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		memset(&t[n], 0, sizeof(t[n]));
		while (*s && !strchr("=!+-:{ \t,\"", *s)) {
			if (k < sizeof(t[n].key) - 1)
				t[n].key[k++] = *s;
			s++;
		}
		if (*s == '{') {
			char *end = strchr(++s, '}');

			if (!end)
				break;
			*end = '\0';
			nsa_strlcpy(t[n].attr, s, sizeof(t[n].attr));
			s = end + 1;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		for (o = 0; o < ARRAY_SIZE(ops); o++)
			if (strncmp(s, ops[o].text, strlen(ops[o].text)) == 0)
				break;
		if (o == ARRAY_SIZE(ops))
			break;
		t[n].op = ops[o].op;
		s += strlen(ops[o].text);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == 'e' && s[1] == '"') /* e"..." (escapes) */
			s++;
		if (*s != '"')
			break;
		t[n].value = ++s;
		while (*s && *s != '"')
			s += (s[0] == '\\' && s[1]) ? 2 : 1;
		if (!*s)
			break;
		*s++ = '\0';
		if (!k)
			break;
		n++;
	}
	return n;
}

/* A match value ("memory", "mem*", "cpu|memory") that the string satisfies. */
static bool value_matches(const char *pattern, const char *what)
{
	char buf[256], *save = NULL, *alt;

	nsa_strlcpy(buf, pattern, sizeof(buf));
	for (alt = strtok_r(buf, "|", &save); alt; alt = strtok_r(NULL, "|", &save))
		if (fnmatch(alt, what, 0) == 0)
			return true;
	return false;
}

/* word as a whole argument in a command line */
static bool has_arg(const char *cmd, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = strstr(cmd, word); p; p = strstr(p + 1, word))
		if ((p == cmd || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\'') &&
		    (p[len] == '\0' || p[len] == ' ' || p[len] == '\t' || p[len] == '\''))
			return true;
	return false;
}

enum scope {
	SCOPE_ANY = 0, /* no SUBSYSTEM guard in force */
	SCOPE_MEMORY,  /* after SUBSYSTEM!="memory", GOTO="L", until LABEL="L" */
	SCOPE_OTHER,   /* after a guard for another subsystem */
};

struct rules_state {
	enum scope scope;
	char scope_label[64];
};

enum verdict {
	RULE_NOTHING = 0,
	RULE_ONLINES,	  /* writes a memory block's state */
	RULE_RUNS_DAXCTL, /* daxctl's rule: runs daxctl --check-config for dax devices */
};

static enum verdict judge_rule(struct rules_state *st, char *rule)
{
	struct token t[MAX_TOKENS];
	int n = tokenize(rule, t, MAX_TOKENS);
	bool eq_mem = false, eq_other = false, ne_mem = false, ne_other = false, path_mem = false;
	bool assigns_state = false, runs_state = false, runs_sysfs_memory = false;
	bool daxctl_config = false, daxctl_direct = false, memory;
	const char *goto_label = NULL;

	for (int i = 0; i < n; i++) {
		const struct token *k = &t[i];

		if (strcmp(k->key, "LABEL") == 0 && st->scope != SCOPE_ANY &&
		    strcmp(k->value, st->scope_label) == 0)
			st->scope = SCOPE_ANY;
		if (strcmp(k->key, "GOTO") == 0)
			goto_label = k->value;
		if (strcmp(k->key, "SUBSYSTEM") == 0 && k->op == OP_MATCH) {
			if (value_matches(k->value, "memory"))
				eq_mem = true;
			else
				eq_other = true;
		}
		if (strcmp(k->key, "SUBSYSTEM") == 0 && k->op == OP_NOMATCH) {
			if (value_matches(k->value, "memory"))
				ne_mem = true;
			else
				ne_other = true;
		}
		if (k->op == OP_MATCH &&
		    ((strcmp(k->key, "DEVPATH") == 0 &&
		      value_matches(k->value, "/devices/system/memory/memory1")) ||
		     (strcmp(k->key, "KERNEL") == 0 && value_matches(k->value, "memory1"))))
			path_mem = true;
		if (strcmp(k->key, "ATTR") == 0 && strcmp(k->attr, "state") == 0 &&
		    (k->op == OP_ASSIGN || k->op == OP_FINAL) && strcmp(k->value, "offline") != 0)
			assigns_state = true;
		if (k->op == OP_MATCH || k->op == OP_NOMATCH)
			continue;
		/* what the rule starts: RUN, PROGRAM, IMPORT{program}, ENV{SYSTEMD_WANTS} */
		if (strstr(k->value, "daxdev-reconfigure"))
			daxctl_config = true;
		if (strcmp(k->key, "RUN") == 0 || strcmp(k->key, "PROGRAM") == 0 ||
		    strcmp(k->key, "IMPORT") == 0) {
			if (strstr(k->value, "daxctl")) {
				if (has_arg(k->value, "-C") || strstr(k->value, "--check-config"))
					daxctl_config = true;
				else if (strstr(k->value, "online-memory") ||
					 (strstr(k->value, "reconfigure-device") &&
					  strstr(k->value, "system-ram")))
					daxctl_direct = true;
			}
			if (strstr(k->value, "online") && strstr(k->value, "state")) {
				runs_state = true;
				if (strstr(k->value, "/devices/system/memory"))
					runs_sysfs_memory = true;
			}
		}
	}

	if (eq_mem || path_mem)
		memory = true;
	else if (eq_other || ne_mem)
		memory = false;
	else
		memory = st->scope == SCOPE_MEMORY;

	/*
	 * A guard: up to its label, only one subsystem's events get through
	 * (SUBSYSTEM!="memory", GOTO=: memory; SUBSYSTEM!="cpu", GOTO= or
	 * SUBSYSTEM=="memory", GOTO=: not memory).
	 */
	if (goto_label && (ne_mem || ne_other || eq_mem)) {
		st->scope = ne_mem && !ne_other ? SCOPE_MEMORY : SCOPE_OTHER;
		nsa_strlcpy(st->scope_label, goto_label, sizeof(st->scope_label));
	}
	if ((memory && (assigns_state || runs_state)) || runs_sysfs_memory || daxctl_direct)
		return RULE_ONLINES;
	if (daxctl_config)
		return RULE_RUNS_DAXCTL;
	return RULE_NOTHING;
}

/* The rule's text for the report: continuation pieces joined, trimmed. */
static void rule_text(const char *rule, char *out, size_t len)
{
	size_t o = 0;
	bool space = false;

	for (const char *p = rule; *p && o + 1 < len; p++) {
		if (*p == ' ' || *p == '\t') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < len)
			out[o++] = ' ';
		space = false;
		out[o++] = *p;
	}
	out[o] = '\0';
}

struct daxctl_rule {
	char where[256]; /* "FILE:LINE" of the first one, "" none */
};

static int judge_and_add(struct rules_state *st, char *rule, size_t rlen, const char *path,
			 int first, struct clist *l, struct daxctl_rule *dax)
{
	char text[256];
	enum verdict v;

	if (!rlen)
		return 0;
	rule_text(rule, text, sizeof(text));
	v = judge_rule(st, rule);
	if (v == RULE_ONLINES && !clist_add(l, NSA_COMPETITOR_UDEV_RULE, path, first, text))
		return -ENOMEM;
	if (v == RULE_RUNS_DAXCTL && !dax->where[0])
		snprintf(dax->where, sizeof(dax->where), "%s:%d", path, first);
	return 0;
}

/* Read one rules file; add what onlines memory. */
static int scan_rules_file(const char *full, const char *path, struct clist *l,
			   struct daxctl_rule *dax)
{
	struct rules_state st = { 0 };
	FILE *f = fopen(full, "re");
	char *buf = NULL, *rule = NULL;
	size_t cap = 0, rlen = 0;
	int lineno = 0, first = 0, r = 0;
	ssize_t len;

	if (!f)
		return errno == ENOENT ? 0 : -errno; /* a dangling symlink: udev skips it too */
	while ((len = getline(&buf, &cap, f)) >= 0) {
		char *p = buf, *grown;
		bool more;

		lineno++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#') /* comments are skipped, even inside a continued rule */
			continue;
		len = (ssize_t)strlen(p);
		more = len > 0 && p[len - 1] == '\\';
		if (more)
			p[--len] = '\0';
		if (!rlen)
			first = lineno;
		grown = realloc(rule, rlen + (size_t)len + 2);
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		rule = grown;
		if (rlen)
			rule[rlen++] = ' ';
		memcpy(rule + rlen, p, (size_t)len + 1);
		rlen += (size_t)len;
		if (more)
			continue;
		r = judge_and_add(&st, rule, rlen, path, first, l, dax);
		rlen = 0;
		if (r < 0)
			break;
	}
	if (r == 0) /* a last line that ends in a backslash */
		r = judge_and_add(&st, rule, rlen, path, first, l, dax);
	free(buf);
	free(rule);
	fclose(f);
	return r;
}

struct rules_file {
	char name[256];
	const char *dir;
};

static bool is_rules_name(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	if (de->d_name[0] == '.' || len <= 6 || strcmp(de->d_name + len - 6, ".rules") != 0)
		return false;
	return de->d_type == DT_REG || de->d_type == DT_LNK || de->d_type == DT_UNKNOWN;
}

/* Masked: a symlink to /dev/null, or (after symlinks) anything but a non-empty file. */
static bool is_masked(const char *full)
{
	char target[64];
	struct stat sb;
	ssize_t len = readlink(full, target, sizeof(target) - 1);

	if (len > 0) {
		target[len] = '\0';
		if (strcmp(target, "/dev/null") == 0)
			return true;
	}
	if (stat(full, &sb) < 0)
		return false; /* dangling: fopen says so */
	return !S_ISREG(sb.st_mode) || sb.st_size == 0;
}

static int scan_rules(const char *root, struct clist *l, struct daxctl_rule *dax)
{
	struct rules_file *files = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (size_t d = 0; d < ARRAY_SIZE(rules_dirs) && r == 0; d++) {
		char dirpath[PATH_MAX];
		struct dirent *de;
		DIR *dir;

		snprintf(dirpath, sizeof(dirpath), "%s%s", root, rules_dirs[d]);
		dir = opendir(dirpath);
		if (!dir) {
			if (errno != ENOENT && errno != ENOTDIR)
				r = -errno;
			continue;
		}
		while ((de = readdir(dir))) {
			struct rules_file *rf;
			bool seen = false;

			if (!is_rules_name(de))
				continue;
			for (size_t i = 0; i < n && !seen; i++)
				seen = strcmp(files[i].name, de->d_name) == 0;
			if (seen) /* hidden by the same name in an earlier directory */
				continue;
			rf = nsa_array_push((void **)&files, &n, &cap, sizeof(*rf));
			if (!rf) {
				r = -ENOMEM;
				break;
			}
			nsa_strlcpy(rf->name, de->d_name, sizeof(rf->name));
			rf->dir = rules_dirs[d];
		}
		closedir(dir);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char full[PATH_MAX], path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", files[i].dir, files[i].name);
		snprintf(full, sizeof(full), "%s%s", root, path);
		if (!is_masked(full))
			r = scan_rules_file(full, path, l, dax);
	}
	free(files);
	return r;
}

/* ------------------------------------------------------------ daxctl */

static char *trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
		       s[len - 1] == '\r'))
		s[--len] = '\0';
	return s;
}

/* One competitor per [reconfigure-device NAME] section (iniparser's syntax). */
static int scan_daxctl_conf(const char *full, const char *path, const char *via, struct clist *l)
{
	FILE *f = fopen(full, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t cur = -1; /* index of the current section's competitor */
	int lineno = 0, r = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&buf, &cap, f) >= 0) {
		char *s = trim(buf), *eq, *key, *val;

		lineno++;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			const char *name = s + 1;
			struct nsa_competitor *c;

			while (*name == ' ' || *name == '\t')
				name++;
			cur = -1;
			if (strncasecmp(name, "reconfigure-device", 18) != 0 ||
			    !strchr(" \t]", name[18]))
				continue;
			c = clist_add(l, NSA_COMPETITOR_DAXCTL, path, lineno, s);
			if (!c) {
				r = -ENOMEM;
				break;
			}
			nsa_strlcpy(c->via, via, sizeof(c->via));
			cur = (ssize_t)(l->n - 1);
			continue;
		}
		eq = strchr(s, '=');
		if (cur < 0 || !eq)
			continue;
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (strcasecmp(key, "nvdimm.uuid") == 0 || strcasecmp(key, "mode") == 0 ||
		    strcasecmp(key, "online") == 0 || strcasecmp(key, "movable") == 0) {
			char *d = l->v[cur].detail;
			size_t used = strlen(d);

			snprintf(d + used, sizeof(l->v[cur].detail) - used, " %s=%s", key, val);
		}
	}
	free(buf);
	fclose(f);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular *.conf files only, as daxctl reads them (it skips symlinks). */
static int scan_daxctl(const char *root, const char *via, struct clist *l)
{
	char dirpath[PATH_MAX];
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;
	DIR *dir;

	snprintf(dirpath, sizeof(dirpath), "%s%s", root, DAXCTL_CONF_DIR);
	dir = opendir(dirpath);
	if (!dir)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(dir))) {
		const char *ext = strrchr(de->d_name, '.');
		char **slot;

		if (de->d_type != DT_REG || !ext || ext == de->d_name || strcmp(ext, ".conf") != 0)
			continue;
		slot = nsa_array_push((void **)&names, &n, &cap, sizeof(*slot));
		if (!slot || !(*slot = strdup(de->d_name))) {
			if (slot)
				n--;
			r = -ENOMEM;
			break;
		}
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char full[PATH_MAX], path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", DAXCTL_CONF_DIR, names[i]);
		snprintf(full, sizeof(full), "%s%s", root, path);
		if (r == 0)
			r = scan_daxctl_conf(full, path, via, l);
		free(names[i]);
	}
	free(names);
	return r;
}

/* ------------------------------------------------------------ the list */

static int cmp_competitors(const void *x, const void *y)
{
	const struct nsa_competitor *a = x, *b = y;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	c = strcmp(a->path, b->path);
	if (c)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

int nsa_find_competitors(const char *root, const char *auto_online, struct nsa_competitor **out,
			 size_t *n)
{
	struct daxctl_rule dax = { "" };
	struct clist l = { 0 };
	int r;

	*out = NULL;
	*n = 0;
	if (!root)
		root = "";
	r = scan_rules(root, &l, &dax);
	if (r == 0 && dax.where[0])
		r = scan_daxctl(root, dax.where, &l);
	if (r == 0 && auto_online && auto_online[0] && strcmp(auto_online, "offline") != 0 &&
	    !clist_add(&l, NSA_COMPETITOR_AUTO_ONLINE, AUTO_ONLINE_PATH, 0, auto_online))
		r = -ENOMEM;
	if (r < 0) {
		free(l.v);
		return r;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_competitors);
	*out = l.v;
	*n = l.n;
	return 0;
}

/* ------------------------------------------------------------ findings */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int rule_finding(struct nsa_finding *f, const struct nsa_competitor *c, bool we_online)
{
	const char *name = base_name(c->path);
	int r;

	r = nsa_finding_set_message(
		f, "%s:%d onlines hot-added memory blocks: %s. %s", c->path, c->line, c->detail,
		we_online ? "nsalignd's policy onlines them too: whichever writes a block's state "
			    "first decides its zone (Normal or Movable), the other gets an error, "
			    "and daxctl warns 'detected a race while onlining memory'."
			  : "nsalignd's policy leaves memory alone, so nothing races now; it "
			    "would once MemoryBlocks= or DaxDevices= onlines memory.");
	if (r < 0)
		return r;
	if (strncmp(c->path, "/etc/", 5) == 0)
		return nsa_finding_set_remedy(
			f,
			"Delete the rule at line %d of %s (or the file, if that is all it does), "
			"then: udevadm control --reload",
			c->line, c->path);
	return nsa_finding_set_remedy(
		f,
		"ln -s /dev/null /etc/udev/rules.d/%s && udevadm control --reload "
		"(masks the whole file; to keep its other rules, copy it to /etc/udev/rules.d/%s "
		"instead, delete the rule at line %d there, then udevadm control --reload)",
		name, name, c->line);
}

static int auto_finding(struct nsa_finding *f, const struct nsa_competitor *c, bool we_online)
{
	int r;

	r = nsa_finding_set_message(
		f,
		"The kernel onlines hot-added memory blocks itself: %s is '%s' (from "
		"memhp_default_state= on the kernel command line, or the kernel's build default "
		"CONFIG_MHP_DEFAULT_ONLINE_TYPE, in older kernels "
		"CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE). It does so "
		"as the memory is added, before udev or nsalignd see it, and it chooses the "
		"zone. %s",
		c->path, c->detail,
		we_online ? "nsalignd's policy finds the blocks already online, in the kernel's "
			    "zone, and kmem memory becomes System RAM with no say of nsalignd."
			  : "nsalignd's policy leaves memory alone, so nothing races now.");
	if (r < 0)
		return r;
	return nsa_finding_set_remedy(
		f,
		"echo offline > %s now, and add memhp_default_state=offline to the kernel command "
		"line so that it stays so after a reboot",
		c->path);
}

static int daxctl_finding(struct nsa_finding *f, const struct nsa_competitor *c, bool we_online)
{
	int r;

	r = nsa_finding_set_message(
		f,
		"daxctl's udev rule (%s) runs daxctl reconfigure-device --check-config for each "
		"new dax device, and %s:%d configures one: %s. daxctl then makes that device "
		"System RAM and onlines its memory itself. %s",
		c->via, c->path, c->line, c->detail,
		we_online
			? "nsalignd's policy acts on the same device and blocks: the two race."
			: "nsalignd's policy leaves dax devices and memory alone, so nothing races "
			  "now.");
	if (r < 0)
		return r;
	return nsa_finding_set_remedy(
		f,
		"Remove the section at line %d (%s) from %s and let nsalignd's DaxDevices= "
		"policy decide; or keep it and set DaxDevices=nothing so daxctl alone acts",
		c->line, c->detail, c->path);
}

int nsa_competitor_findings(struct nsa_analysis *a, const struct nsa_competitor *c, size_t n,
			    bool we_online)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		static const char *const codes[] = {
			[NSA_COMPETITOR_UDEV_RULE] = "NSA-ONLINE-UDEV-RULE",
			[NSA_COMPETITOR_AUTO_ONLINE] = "NSA-ONLINE-AUTO",
			[NSA_COMPETITOR_DAXCTL] = "NSA-ONLINE-DAXCTL",
		};
		char dev[NSA_DEV_LEN];
		struct nsa_finding *f;

		if ((size_t)c[i].kind >= ARRAY_SIZE(codes))
			continue;
		if (c[i].kind == NSA_COMPETITOR_AUTO_ONLINE)
			nsa_strlcpy(dev, "auto_online_blocks", sizeof(dev));
		else
			snprintf(dev, sizeof(dev), "%s:%d", base_name(c[i].path), c[i].line);
		f = nsa_analysis_add(a, codes[c[i].kind], dev, "");
		if (!f) {
			r = -ENOMEM;
			break;
		}
		nsa_analysis_set_severity(a, f, we_online ? NSA_SEV_WARNING : NSA_SEV_INFO);
		switch (c[i].kind) {
		case NSA_COMPETITOR_UDEV_RULE:
			r = rule_finding(f, &c[i], we_online);
			nsa_finding_fact_str(f, "rule", c[i].detail);
			break;
		case NSA_COMPETITOR_AUTO_ONLINE:
			r = auto_finding(f, &c[i], we_online);
			nsa_finding_fact_str(f, "auto_online_blocks", c[i].detail);
			break;
		case NSA_COMPETITOR_DAXCTL:
			r = daxctl_finding(f, &c[i], we_online);
			nsa_finding_fact_str(f, "section", c[i].detail);
			nsa_finding_fact_str(f, "udev_rule", c[i].via);
			break;
		}
		nsa_finding_fact_str(f, "path", c[i].path);
		if (c[i].line)
			nsa_finding_fact_i64(f, "line", c[i].line);
		nsa_finding_fact_bool(f, "policy_onlines", we_online);
	}
	return r;
}
