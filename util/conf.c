// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign.conf, parsed with inih: all of it for nsalignd, [Platform] for nsalign.
 *
 * inih splits "Key = value" and strips the whitespace and an inline
 * " ; comment"; the rest is done here, around it:
 *
 * - The reader hands inih one line at a time and counts them: Debian's inih
 *   is built without INI_HANDLER_LINENO, so the handler is not told the line.
 * - It takes leading whitespace away, so that an indented line is a line of
 *   its own, never the continuation of the value above (INI_ALLOW_MULTILINE).
 * - It checks section headers itself: inih tells the handler about a section
 *   only when a key follows, so "[Hotplgu]" alone would pass unseen.
 * - It refuses "Key: value", which inih accepts for Python's configparser.
 * - It stops at the first error (inih goes on to the end of the file).
 *
 * Anything inih still refuses is caught from its return value.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include <ini.h>

#include "util/conf.h"

#define MAIN_FILE   "nsalign.conf"
#define DROPIN_DIR  "nsalign.conf.d"
#define DROPIN_SUFX ".conf"

static const char *const block_names[] = {
	[NSAD_BLOCKS_NOTHING] = "nothing",
	[NSAD_BLOCKS_ONLINE] = "online",
	[NSAD_BLOCKS_ONLINE_MOVABLE] = "online_movable",
};
static const char *const dax_names[] = {
	[NSAD_DAX_NOTHING] = "nothing",
	[NSAD_DAX_SYSTEM_RAM] = "system-ram",
};
/* indexed by dax_movable */
static const char *const zone_names[] = { "normal", "movable" };
static const char *const level_names[] = {
	[NSA_SEV_INFO] = "info",
	[NSA_SEV_WARNING] = "warning",
	[NSA_SEV_ERROR] = "error",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const sections[] = { "Hotplug", "Platform", "Log" };
#define SECTIONS_EXPECTED "[Hotplug], [Platform] or [Log]"

enum key_id { KEY_MEMORY_BLOCKS, KEY_DAX_DEVICES, KEY_DAX_ZONE, KEY_GRANULARITY, KEY_LEVEL };

static const struct key {
	const char *section;
	const char *name;
	const char *const *values; /* NULL: Granularity, parsed by hand */
	size_t n_values;
} keys[] = {
	[KEY_MEMORY_BLOCKS] = { "Hotplug", "MemoryBlocks", block_names, N(block_names) },
	[KEY_DAX_DEVICES] = { "Hotplug", "DaxDevices", dax_names, N(dax_names) },
	[KEY_DAX_ZONE] = { "Hotplug", "DaxZone", zone_names, N(zone_names) },
	[KEY_GRANULARITY] = { "Platform", "Granularity", NULL, 0 },
	[KEY_LEVEL] = { "Log", "Level", level_names, N(level_names) },
};

void nsad_config_defaults(struct nsad_config *c)
{
	*c = (struct nsad_config){
		.memory_blocks = NSAD_BLOCKS_NOTHING,
		.dax_devices = NSAD_DAX_NOTHING,
		.dax_movable = true,
		.granularity = 0,
		.log_min = NSA_SEV_WARNING,
		.files = NULL,
		.n_files = 0,
	};
}

void nsad_config_free(struct nsad_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	c->files = NULL;
	c->n_files = 0;
}

const char *nsad_block_policy_name(enum nsad_block_policy p)
{
	return (size_t)p < N(block_names) ? block_names[p] : "unknown";
}

const char *nsad_dax_policy_name(enum nsad_dax_policy p)
{
	return (size_t)p < N(dax_names) ? dax_names[p] : "unknown";
}

const char *nsad_config_files_str(const struct nsad_config *c, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return buf;
	if (!c->n_files) {
		snprintf(buf, len, "no configuration file (defaults)");
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_files; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", c->files[i]);

		if (n < 0 || (size_t)n >= len - used) {
			/* cut: end with "..." where it still fits */
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			return buf;
		}
		used += (size_t)n;
	}
	return buf;
}

/* ---------------------------------------------------------------- parsing */

struct parse {
	struct nsad_config cfg; /* what the files say so far */
	char *err;
	size_t errlen;
	int error;	   /* 0, or the negative errno of the first error */
	unsigned err_line; /* its line, 0 for the file as a whole */
	/* the file being read */
	const char *path;
	FILE *f;
	unsigned lineno;
	char *buf;
	size_t bufsz;
};

/* The first error wins; one line "PATH:LINE: ..." (or "PATH: ...") in err. */
static int __attribute__((format(printf, 4, 5)))
fail(struct parse *p, int error, unsigned line, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (p->error)
		return 0;
	p->error = error;
	p->err_line = line;
	if (!p->err || !p->errlen)
		return 0;
	if (line)
		snprintf(p->err, p->errlen, "%s:%u: ", p->path, line);
	else
		snprintf(p->err, p->errlen, "%s: ", p->path);
	n = strlen(p->err);
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	/* one line, whatever a file name holds */
	for (char *s = p->err; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	return 0;
}

static int find_section(const char *name, size_t len)
{
	for (size_t i = 0; i < N(sections); i++)
		if (strlen(sections[i]) == len && strncmp(sections[i], name, len) == 0)
			return (int)i;
	return -1;
}

static bool section_matches_case_insensitively(const char *name, size_t len)
{
	for (size_t i = 0; i < N(sections); i++)
		if (strlen(sections[i]) == len && strncasecmp(sections[i], name, len) == 0)
			return true;
	return false;
}

/* A line, whitespace stripped on both sides: may inih have it? */
static bool check_line(struct parse *p, const char *s)
{
	const char *end, *rest, *sep;

	if (!*s || *s == '#' || *s == ';')
		return true;
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return fail(p, -EBADMSG, p->lineno,
				    "\"%.64s\" has no closing ']'; expected a section "
				    "header, " SECTIONS_EXPECTED,
				    s);
		for (rest = end + 1; isspace((unsigned char)*rest); rest++)
			;
		if (*rest && *rest != '#' && *rest != ';')
			return fail(
				p, -EBADMSG, p->lineno,
				"text after the section header in \"%.64s\"; expected the header "
				"alone on its line",
				s);
		if (find_section(s + 1, (size_t)(end - s - 1)) < 0)
			return fail(p, -EBADMSG, p->lineno,
				    "unknown section [%.*s]%s; expected " SECTIONS_EXPECTED,
				    (int)(end - s - 1 > 64 ? 64 : end - s - 1), s + 1,
				    section_matches_case_insensitively(s + 1, (size_t)(end - s - 1))
					    ? " (section names are case-sensitive)"
					    : "");
		return true;
	}
	sep = strpbrk(s, "=:");
	if (!sep)
		return fail(p, -EBADMSG, p->lineno,
			    "\"%.64s\" is not a section header, a Key=value line or a comment; "
			    "expected Key=value",
			    s);
	if (*sep == ':')
		return fail(p, -EBADMSG, p->lineno,
			    "\"%.64s\" separates key and value with ':'; expected Key=value", s);
	if (sep == s)
		return fail(p, -EBADMSG, p->lineno, "\"%.64s\" has no key; expected Key=value", s);
	return true;
}

/* fgets() for inih: one line at a time, counted, checked, left-stripped. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t n;
	size_t len;
	char *s;

	if (p->error)
		return NULL;
	errno = 0;
	n = getline(&p->buf, &p->bufsz, p->f);
	if (n < 0) {
		if (ferror(p->f))
			fail(p, errno ? -errno : -EIO, p->lineno + 1, "cannot read: %s",
			     strerror(errno ? errno : EIO));
		else if (errno == ENOMEM)
			fail(p, -ENOMEM, p->lineno + 1, "out of memory");
		return NULL;
	}
	p->lineno++;
	s = p->buf;
	len = (size_t)n;
	if (memchr(s, '\0', len)) {
		fail(p, -EBADMSG, p->lineno, "a NUL byte; expected text");
		return NULL;
	}
	if (p->lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3; /* UTF-8 byte order mark */
		len -= 3;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	s[len] = '\0';
	if (num < 2 || len > (size_t)num - 2) {
		fail(p, -EBADMSG, p->lineno, "line too long (%zu characters); expected at most %d",
		     len, num - 2);
		return NULL;
	}
	if (!check_line(p, s))
		return NULL;
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static void list_values(const struct key *k, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < k->n_values && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s",
				 i == 0			? ""
				 : i + 1 == k->n_values ? " or "
							: ", ",
				 k->values[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static void list_keys(const char *section, char *buf, size_t len)
{
	size_t used = 0, n_in = 0, i_in = 0;

	for (size_t i = 0; i < N(keys); i++)
		n_in += strcmp(keys[i].section, section) == 0;
	buf[0] = '\0';
	for (size_t i = 0; i < N(keys) && used < len; i++) {
		int n;

		if (strcmp(keys[i].section, section) != 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%s",
			     i_in == 0		? ""
			     : i_in + 1 == n_in ? " or "
						: ", ",
			     keys[i].name);
		i_in++;
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int set_key(struct parse *p, enum key_id id, const char *value)
{
	const struct key *k = &keys[id];
	struct nsad_config def;
	char expected[128];
	int idx = -1;

	nsad_config_defaults(&def);
	if (id == KEY_GRANULARITY) {
		int64_t v;

		if (!*value || strcmp(value, "auto") == 0) {
			p->cfg.granularity = def.granularity;
			return 1;
		}
		if (nsa_parse_size(value, false, &v) < 0 || v < 4096 || !nsa_is_pow2((uint64_t)v))
			return fail(
				p, -EBADMSG, p->lineno,
				"bad value \"%s\" for Granularity=; expected auto or a power of "
				"two of at least 4K, e.g. 64M",
				value);
		p->cfg.granularity = (uint64_t)v;
		return 1;
	}
	if (*value) {
		for (size_t i = 0; i < k->n_values; i++)
			if (strcmp(k->values[i], value) == 0)
				idx = (int)i;
		if (idx < 0) {
			list_values(k, expected, sizeof(expected));
			return fail(p, -EBADMSG, p->lineno,
				    "bad value \"%s\" for %s=; expected %s (or nothing after '=' "
				    "for the default)",
				    value, k->name, expected);
		}
	}
	switch (id) {
	case KEY_MEMORY_BLOCKS:
		p->cfg.memory_blocks = idx < 0 ? def.memory_blocks : (enum nsad_block_policy)idx;
		break;
	case KEY_DAX_DEVICES:
		p->cfg.dax_devices = idx < 0 ? def.dax_devices : (enum nsad_dax_policy)idx;
		break;
	case KEY_DAX_ZONE:
		p->cfg.dax_movable = idx < 0 ? def.dax_movable : idx == 1;
		break;
	case KEY_LEVEL:
		p->cfg.log_min = idx < 0 ? def.log_min : (enum nsa_severity)idx;
		break;
	case KEY_GRANULARITY:
		break;
	}
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	const struct key *elsewhere = NULL;
	bool other_case = false;
	char expected[128];

	if (p->error)
		return 0;
	if (!name)
		return 1; /* a section header (INI_CALL_HANDLER_ON_NEW_SECTION): checked */
	if (!value)
		return fail(p, -EBADMSG, p->lineno, "\"%s\" has no value; expected %s=value", name,
			    name);
	if (!*section)
		return fail(p, -EBADMSG, p->lineno,
			    "key \"%s\" before any section header; expected " SECTIONS_EXPECTED
			    " first",
			    name);
	for (size_t i = 0; i < N(keys); i++) {
		if (strcmp(keys[i].name, name) == 0) {
			if (strcmp(keys[i].section, section) == 0)
				return set_key(p, (enum key_id)i, value);
			elsewhere = &keys[i];
		} else if (strcasecmp(keys[i].name, name) == 0) {
			other_case = true;
		}
	}
	if (find_section(section, strlen(section)) < 0) /* the reader saw to that */
		return fail(p, -EBADMSG, p->lineno, "unknown section [%s]; expected %s", section,
			    SECTIONS_EXPECTED);
	list_keys(section, expected, sizeof(expected));
	if (elsewhere)
		return fail(p, -EBADMSG, p->lineno,
			    "unknown key \"%s\" in [%s] (%s= belongs in [%s]); expected %s", name,
			    section, elsewhere->name, elsewhere->section, expected);
	return fail(p, -EBADMSG, p->lineno, "unknown key \"%s\" in [%s]%s; expected %s", name,
		    section, other_case ? " (key names are case-sensitive)" : "", expected);
}

static int add_file(struct parse *p, const char *path)
{
	char **files = realloc(p->cfg.files, (p->cfg.n_files + 2) * sizeof(*files));

	if (!files)
		return fail(p, -ENOMEM, 0, "out of memory");
	p->cfg.files = files;
	files[p->cfg.n_files] = strdup(path);
	if (!files[p->cfg.n_files])
		return fail(p, -ENOMEM, 0, "out of memory");
	files[++p->cfg.n_files] = NULL;
	return 1;
}

/* 0 when read (or missing and missing_ok, or masked), else p->error. */
static int load_file(struct parse *p, int dirfd, const char *name, const char *path,
		     bool missing_ok)
{
	struct stat st;
	int fd, r, e;

	p->path = path;
	p->lineno = 0;
	/* O_NONBLOCK: a FIFO must not hang the daemon; it is refused below */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT && missing_ok)
			return 0;
		fail(p, -e, 0, "cannot open: %s; expected a readable file", strerror(e));
		return p->error;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		fail(p, -e, 0, "cannot stat: %s", strerror(e));
		return p->error;
	}
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3) {
		close(fd); /* a symlink to /dev/null: masked, as systemd has it */
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (S_ISDIR(st.st_mode))
			fail(p, -EISDIR, 0,
			     "is a directory; expected a regular file (remove or rename it)");
		else
			fail(p, -EINVAL, 0, "is not a regular file; expected a regular file");
		return p->error;
	}
	p->f = fdopen(fd, "r");
	if (!p->f) {
		close(fd);
		fail(p, -ENOMEM, 0, "out of memory");
		return p->error;
	}
	if (!add_file(p, path)) {
		fclose(p->f);
		p->f = NULL;
		return p->error;
	}
	r = ini_parse_stream(reader, p, handler, p);
	fclose(p->f);
	p->f = NULL;
	/* an error inih found before ours (none should get past the reader) */
	if (r > 0 && (!p->error || (unsigned)r < p->err_line)) {
		p->error = 0;
		fail(p, -EBADMSG, (unsigned)r,
		     "cannot parse this line; expected [Section], Key=value or a comment");
	} else if (r < 0 && !p->error) {
		fail(p, r == -2 ? -ENOMEM : -EIO, 0, "inih failed (%d)", r);
	}
	return p->error;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin_name(const char *name)
{
	size_t len = strlen(name), sl = strlen(DROPIN_SUFX);

	return name[0] != '.' && len > sl && strcmp(name + len - sl, DROPIN_SUFX) == 0;
}

static int load_dropins(struct parse *p, const char *ddir)
{
	char **names = NULL, *path = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd, e;

	p->path = ddir;
	fd = open(ddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return 0;
		if (e == ENOTDIR)
			fail(p, -e, 0, "is not a directory; expected a directory of *.conf files");
		else
			fail(p, -e, 0, "cannot open: %s; expected a readable directory",
			     strerror(e));
		return p->error;
	}
	d = fdopendir(fd);
	if (!d) {
		e = errno;
		close(fd);
		fail(p, -e, 0, "cannot read: %s", strerror(e));
		return p->error;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				e = errno;
				fail(p, -e, 0, "cannot read: %s", strerror(e));
			}
			break;
		}
		if (!is_dropin_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*nn));

			if (!nn) {
				fail(p, -ENOMEM, 0, "out of memory");
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			fail(p, -ENOMEM, 0, "out of memory");
			break;
		}
		n++;
	}
	if (!p->error && n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && !p->error; i++) {
		free(path);
		if (asprintf(&path, "%s/%s", ddir, names[i]) < 0) {
			path = NULL;
			p->path = ddir;
			fail(p, -ENOMEM, 0, "out of memory");
			break;
		}
		load_file(p, dirfd(d), names[i], path, false);
	}
	/* err holds the path already: the pointer is not kept */
	p->path = NULL;
	free(path);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return p->error;
}

int nsad_config_load(const char *dir, struct nsad_config *out, char *err, size_t errlen)
{
	struct parse p = { .err = err, .errlen = errlen };
	char *main_path = NULL, *ddir = NULL;
	size_t dlen;

	if (err && errlen)
		err[0] = '\0';
	nsad_config_defaults(&p.cfg);
	if (!dir || !*dir) {
		p.path = "nsalignd";
		fail(&p, -EINVAL, 0, "no configuration directory; expected one, e.g. /etc/nsalign");
		return p.error;
	}
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (dlen == 1 && dir[0] == '/')
		dlen = 0; /* "/" + "/nsalign.conf" */
	if (asprintf(&main_path, "%.*s/" MAIN_FILE, (int)dlen, dir) < 0)
		main_path = NULL;
	if (asprintf(&ddir, "%.*s/" DROPIN_DIR, (int)dlen, dir) < 0)
		ddir = NULL;
	if (!main_path || !ddir) {
		free(main_path);
		free(ddir);
		p.path = dir;
		fail(&p, -ENOMEM, 0, "out of memory");
		return p.error;
	}
	if (load_file(&p, AT_FDCWD, main_path, main_path, true) == 0)
		load_dropins(&p, ddir);
	free(p.buf);
	free(main_path);
	free(ddir);
	if (p.error) {
		nsad_config_free(&p.cfg);
		return p.error;
	}
	*out = p.cfg;
	return 0;
}
