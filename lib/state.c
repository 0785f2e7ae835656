// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cross-boot state store: what the PMEM layout looked like on earlier
 * boots, so that this boot can say what moved.
 *
 * One file, DIR/state.json, written whole and atomically (atomic.c) under
 * an flock on DIR/lock.  It holds a bounded history of boot records; the
 * newest record marked "baseline" is the known-good layout every later
 * boot is compared with.  A file that cannot be read is never overwritten:
 * it is renamed to state.json.damaged-<time> and reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "private.h"

#define STATE_FILE "state.json"
#define LOCK_FILE  "lock"

/* ------------------------------------------------------------ layout */

/* The top-level /proc/iomem ranges a record keeps: what decides where the PMEM lands. */
static bool layout_keeps(enum nsa_res_type t)
{
	return t == NSA_RES_SYSTEM_RAM || t == NSA_RES_RESERVED || t == NSA_RES_SOFT_RESERVED ||
	       t == NSA_RES_PMEM || t == NSA_RES_PMEM_LEGACY;
}

struct nsa_snapshot *nsa_snapshot_layout(const struct nsa_snapshot *s)
{
	struct nsa_snapshot *l = nsa_snapshot_new();

	if (!l)
		return NULL;
	nsa_strlcpy(l->source, s->source, sizeof(l->source));
	nsa_strlcpy(l->collector, s->collector, sizeof(l->collector));
	l->collected_at = s->collected_at;
	l->platform = s->platform;
	for (size_t i = 0; i < s->n_regions; i++) {
		struct nsa_region *r = nsa_snapshot_add_region(l);

		if (!r)
			goto oom;
		*r = s->regions[i];
	}
	for (size_t i = 0; i < s->n_namespaces; i++) {
		struct nsa_namespace *ns = nsa_snapshot_add_namespace(l);

		if (!ns)
			goto oom;
		*ns = s->namespaces[i];
	}
	for (size_t i = 0; i < s->n_daxdevs; i++) {
		struct nsa_daxdev *d = nsa_snapshot_add_daxdev(l);

		if (!d)
			goto oom;
		*d = s->daxdevs[i];
	}
	for (size_t i = 0; i < s->n_dimms; i++) {
		struct nsa_dimm *d = nsa_snapshot_add_dimm(l);

		if (!d)
			goto oom;
		*d = s->dimms[i];
	}
	for (size_t i = 0; i < s->n_mappings; i++) {
		struct nsa_mapping *m = nsa_snapshot_add_mapping(l);

		if (!m)
			goto oom;
		*m = s->mappings[i];
	}
	/* the memory map around the PMEM: top-level RAM, reserved and PMEM ranges */
	for (size_t i = 0; s->platform.iomem_visible && i < s->n_iomem; i++) {
		const struct nsa_resource *r = &s->iomem[i];
		struct nsa_resource *c;

		if (r->depth != 0 || !layout_keeps(r->type))
			continue;
		c = nsa_snapshot_add_resource(l);
		if (!c || !(c->name = strdup(r->name)))
			goto oom;
		c->start = r->start;
		c->end = r->end;
		c->type = r->type;
	}
	for (size_t i = 0; i < s->n_kernel_log; i++)
		if (nsa_snapshot_add_kernel_line(l, s->kernel_log[i]) < 0)
			goto oom;
	nsa_snapshot_finish(l);
	return l;
oom:
	nsa_snapshot_free(l);
	return NULL;
}

/* ------------------------------------------------------------ records */

struct state_priv {
	struct nsa_state pub;
	size_t cap;
};

struct nsa_state *nsa_state_new(void)
{
	struct state_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pub.schema = NSA_STATE_SCHEMA;
	return &p->pub;
}

void nsa_state_free(struct nsa_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_boots; i++)
		nsa_snapshot_free(st->boots[i].layout);
	free(st->boots);
	free(st->damaged_path);
	free(st);
}

const struct nsa_boot_record *nsa_state_baseline(const struct nsa_state *st)
{
	for (size_t i = st->n_boots; i-- > 0;)
		if (st->boots[i].baseline)
			return &st->boots[i];
	return NULL;
}

static void drop_record(struct nsa_state *st, size_t i)
{
	nsa_snapshot_free(st->boots[i].layout);
	memmove(&st->boots[i], &st->boots[i + 1], (st->n_boots - i - 1) * sizeof(st->boots[0]));
	st->n_boots--;
}

int nsa_state_add(struct nsa_state *st, const struct nsa_snapshot *s, int64_t when, int result,
		  bool baseline, const char *how, size_t history)
{
	struct state_priv *p = (struct state_priv *)st;
	struct nsa_boot_record *rec;
	struct nsa_snapshot *layout = nsa_snapshot_layout(s);
	int r;

	if (!layout)
		return -ENOMEM;
	/* never a record the next load would refuse */
	r = nsa_snapshot_readable(layout, st->refused, sizeof(st->refused));
	if (r < 0) {
		nsa_snapshot_free(layout);
		return r == -ENOMEM ? r : -EINVAL;
	}
	/* one record per boot: a second run in the same boot replaces it */
	for (size_t i = 0; i < st->n_boots; i++) {
		if (s->platform.boot_id[0] &&
		    strcmp(st->boots[i].boot_id, s->platform.boot_id) == 0) {
			/* ... but a failed re-run does not demote a known-good record */
			if (st->boots[i].baseline && !baseline) {
				nsa_snapshot_free(layout);
				return 0;
			}
			drop_record(st, i);
			break;
		}
	}
	rec = nsa_array_push((void **)&st->boots, &st->n_boots, &p->cap, sizeof(*rec));
	if (!rec) {
		nsa_snapshot_free(layout);
		return -ENOMEM;
	}
	nsa_strlcpy(rec->boot_id, s->platform.boot_id, sizeof(rec->boot_id));
	nsa_strlcpy(rec->how, how, sizeof(rec->how));
	rec->recorded_at = when;
	rec->result = result;
	rec->baseline = baseline;
	rec->layout = layout;

	/* bounded history; the newest baseline is never the one dropped */
	if (history < 1)
		history = 1;
	while (st->n_boots > history) {
		const struct nsa_boot_record *keep = nsa_state_baseline(st);
		size_t victim = (keep == &st->boots[0]) ? 1 : 0;

		drop_record(st, victim);
	}
	return 0;
}

/* ------------------------------------------------------------ lock */

int nsa_state_dir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return nsa_say(err, errlen, -errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return nsa_say(err, errlen, -ENOTDIR, "%s: %s", dir, strerror(ENOTDIR));
	/* another user who can write there can put a hard link where the lock goes */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_uid != geteuid() && st.st_uid != 0))
		return nsa_say(err, errlen, -EPERM,
			       "%s: others can write it (mode %04o, owner uid %u), and a file "
			       "they put there could be written through: 'chmod go-w %s' or "
			       "another --state-dir",
			       dir, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, dir);
	return 0;
}

int nsa_state_lock(struct nsa_ctx *ctx, const char *dir, int timeout_ms, int *fd_out, pid_t *holder)
{
	char path[PATH_MAX], buf[32];
	int fd, waited = 0;

	*holder = 0;
	if (snprintf(path, sizeof(path), "%s/" LOCK_FILE, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return -errno;
	/* ours alone: never truncate a file another name links to (or a FIFO) */
	{
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
			close(fd);
			return -EMLINK;
		}
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			int r = -errno;

			close(fd);
			return r;
		}
		if (waited >= timeout_ms) {
			ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

			if (n > 0) {
				buf[n] = '\0';
				*holder = (pid_t)strtol(buf, NULL, 10);
			}
			close(fd);
			return -EBUSY;
		}
		usleep(20 * 1000);
		waited += 20;
	}
	/* who holds it, for the next one's error message */
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

		if (pwrite(fd, buf, (size_t)n, 0) != n)
			dbg(ctx, "%s: could not note our pid\n", path);
	}
	*fd_out = fd;
	return 0;
}

void nsa_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

/* ------------------------------------------------------------ load */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Schema 1 wrote recorded_at as seconds since the epoch, schema 2 in RFC
 * 3339 (as every timestamp nsalign writes); parse_record() reads both, so
 * there is nothing to rewrite.
 */
static int migrate_1_to_2(struct json_object *root, char *err, size_t errlen)
{
	(void)root;
	(void)err;
	(void)errlen;
	return 0;
}

/*
 * Migrations, indexed by the schema they upgrade from: migrations[n]
 * turns a schema n document into schema n + 1, in place.  The loader runs
 * every step from the file's schema up.
 */
typedef int (*migrate_fn)(struct json_object *root, char *err, size_t errlen);
static const migrate_fn migrations[NSA_STATE_SCHEMA] = { NULL, migrate_1_to_2 };

static int parse_record(struct json_object *o, size_t idx, struct nsa_boot_record *rec, char *err,
			size_t errlen)
{
	struct json_object *v, *mem;
	char sub[200];
	int r;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "boots[%zu]: expected an object", idx);
	if (!json_object_object_get_ex(o, "boot_id", &v) ||
	    !json_object_is_type(v, json_type_string))
		return fail(err, errlen, "boots[%zu].boot_id: expected a string", idx);
	nsa_strlcpy(rec->boot_id, json_object_get_string(v), sizeof(rec->boot_id));
	if (!json_object_object_get_ex(o, "recorded_at", &v) ||
	    nsa_time_from_json(v, &rec->recorded_at) < 0)
		return fail(err, errlen,
			    "boots[%zu].recorded_at: expected a time (\"2026-12-03T17:00:57Z\")",
			    idx);
	if (!json_object_object_get_ex(o, "baseline", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return fail(err, errlen, "boots[%zu].baseline: expected true or false", idx);
	rec->baseline = json_object_get_boolean(v);
	if (!json_object_object_get_ex(o, "result", &v) || !json_object_is_type(v, json_type_int))
		return fail(err, errlen, "boots[%zu].result: expected a number", idx);
	rec->result = json_object_get_int(v);
	if (json_object_object_get_ex(o, "how", &v) && json_object_is_type(v, json_type_string))
		nsa_strlcpy(rec->how, json_object_get_string(v), sizeof(rec->how));
	if (!json_object_object_get_ex(o, "layout", &v))
		return fail(err, errlen, "boots[%zu].layout: missing", idx);
	/*
	 * A layout has no memory blocks (nsa_snapshot_layout()): runs in one are
	 * not read, so a small file cannot make every record allocate 16 MiB.
	 */
	if (json_object_object_get_ex(v, "memory", &mem) &&
	    json_object_is_type(mem, json_type_object))
		json_object_object_del(mem, "blocks");
	r = nsa_snapshot_from_json(v, &rec->layout, sub, sizeof(sub));
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return fail(err, errlen, "boots[%zu].layout: %s", idx, sub);
	return 0;
}

/* *bad: how many records could not be read and were left out (err: why the first) */
static int parse_state(struct json_object *root, struct nsa_state *st, size_t *bad, char *err,
		       size_t errlen)
{
	struct state_priv *p = (struct state_priv *)st;
	struct json_object *v, *boots;
	int schema, r;

	if (!json_object_is_type(root, json_type_object))
		return fail(err, errlen, "not a JSON object");
	if (!json_object_object_get_ex(root, "schema", &v) ||
	    !json_object_is_type(v, json_type_int))
		return fail(err, errlen, "schema: missing or not a number");
	schema = json_object_get_int(v);
	if (schema > NSA_STATE_SCHEMA) {
		fail(err, errlen,
		     "written with state schema %d by a newer nsalign; this one reads up to schema "
		     "%d",
		     schema, NSA_STATE_SCHEMA);
		return -EPROTONOSUPPORT;
	}
	if (schema < 1)
		return fail(err, errlen, "schema: %d is not a state schema", schema);
	st->schema = schema;
	for (int from = schema; from < NSA_STATE_SCHEMA; from++) {
		if (!migrations[from])
			return fail(err, errlen, "schema %d: no migration to %d", from, from + 1);
		r = migrations[from](root, err, errlen);
		if (r < 0)
			return r;
	}
	if (!json_object_object_get_ex(root, "boots", &boots) ||
	    !json_object_is_type(boots, json_type_array))
		return fail(err, errlen, "boots: missing or not an array");
	/* a bad record costs that record: the others (the baseline) are kept */
	for (size_t i = 0; i < json_object_array_length(boots); i++) {
		struct nsa_boot_record *rec =
			nsa_array_push((void **)&st->boots, &st->n_boots, &p->cap, sizeof(*rec));
		char why[200];

		if (!rec)
			return -ENOMEM;
		r = parse_record(json_object_array_get_idx(boots, i), i, rec, why, sizeof(why));
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			st->n_boots--;
			if ((*bad)++ == 0)
				fail(err, errlen, "%s", why); /* the first one says why */
		}
	}
	return 0;
}

/* Keep a damaged file for the administrator: state.json.damaged-20261122T145301 */
static int move_aside(const char *dir, const char *path, char **aside)
{
	char stamp[32], target[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 0; n < 100; n++) {
		if (n == 0)
			snprintf(target, sizeof(target), "%s/" STATE_FILE ".damaged-%s", dir,
				 stamp);
		else
			snprintf(target, sizeof(target), "%s/" STATE_FILE ".damaged-%s.%d", dir,
				 stamp, n);
		if (access(target, F_OK) == 0)
			continue;
		if (rename(path, target) < 0)
			return -errno;
		*aside = strdup(target);
		return *aside ? 0 : -ENOMEM;
	}
	return -EEXIST;
}

static int load(struct nsa_ctx *ctx, const char *dir, struct nsa_state **out, char *err,
		size_t errlen, bool readonly)
{
	_cleanup_free_ char *text = NULL;
	struct json_tokener *tok;
	struct json_object *root;
	struct nsa_state *st;
	char path[PATH_MAX], why[256] = "";
	size_t len;
	int r;

	if (snprintf(path, sizeof(path), "%s/" STATE_FILE, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	st = nsa_state_new();
	if (!st)
		return -ENOMEM;
	r = nsa_read_input(path, NSA_INPUT_MAX_BYTES, &text, &len);
	if (r == -ENOENT) {
		*out = st; /* no record yet */
		return 0;
	}
	if (r == -ENOTSUP) {
		fail(err, errlen, "%s: not a regular file; move it away", path);
		nsa_state_free(st);
		return r;
	}
	if (r < 0 && r != -EFBIG) {
		fail(err, errlen, "%s: %s", path, strerror(-r));
		nsa_state_free(st);
		return r;
	}

	if (r == -EFBIG) {
		/* more than nsalign ever writes: damaged, not read */
		snprintf(why, sizeof(why), "larger than %llu MiB, the most nsalign reads",
			 NSA_INPUT_MAX_BYTES >> 20);
		root = NULL;
	} else {
		tok = json_tokener_new();
		if (!tok) {
			nsa_state_free(st);
			return -ENOMEM;
		}
		root = json_tokener_parse_ex(tok, text, (int)len);
		if (!root)
			snprintf(why, sizeof(why), "not JSON: %s",
				 json_tokener_error_desc(json_tokener_get_error(tok)));
		else if (text[json_tokener_get_parse_end(tok) +
			      strspn(text + json_tokener_get_parse_end(tok), " \t\r\n")])
			snprintf(why, sizeof(why), "not JSON: data after the document");
		json_tokener_free(tok);
	}

	if (!why[0]) {
		r = parse_state(root, st, &st->records_dropped, why, sizeof(why));
		if (r == -EPROTONOSUPPORT || r == -ENOMEM) {
			/* a newer nsalign's file is fine, just not ours: leave it alone */
			fail(err, errlen, "%s: %s", path, why);
			json_object_put(root);
			nsa_state_free(st);
			return r;
		}
		if (r < 0) {
			/* start over, and keep none of the half-read records */
			for (size_t i = 0; i < st->n_boots; i++)
				nsa_snapshot_free(st->boots[i].layout);
			st->n_boots = 0;
		}
	}
	json_object_put(root);
	if (!why[0] && !st->records_dropped) {
		*out = st;
		return 0;
	}

	/* read only: the records that could be read; a file that could not be, refused */
	if (readonly && why[0]) {
		fail(err, errlen, "%s is damaged (%s)", path, why);
		nsa_state_free(st);
		return -EBADMSG;
	}
	if (readonly) {
		*out = st;
		return 0;
	}

	/* damaged: kept aside, reported, never silently replaced */
	err(ctx, "%s is damaged (%s)\n", path, why);
	nsa_strlcpy(st->damage_reason, why, sizeof(st->damage_reason));
	st->schema = NSA_STATE_SCHEMA;
	r = move_aside(dir, path, &st->damaged_path);
	if (r < 0) {
		fail(err, errlen, "%s is damaged (%s) and could not be moved aside: %s", path, why,
		     strerror(-r));
		nsa_state_free(st);
		return r;
	}
	*out = st;
	return 0;
}

int nsa_state_load(struct nsa_ctx *ctx, const char *dir, struct nsa_state **out, char *err,
		   size_t errlen)
{
	return load(ctx, dir, out, err, errlen, false);
}

int nsa_state_read(struct nsa_ctx *ctx, const char *dir, struct nsa_state **out, char *err,
		   size_t errlen)
{
	return load(ctx, dir, out, err, errlen, true);
}

/* ------------------------------------------------------------ save */

/* Temp files of a write that died half-way; we hold the lock, so all are stale. */
static void remove_stale_temps(struct nsa_ctx *ctx, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, STATE_FILE ".tmp.", strlen(STATE_FILE ".tmp.")) != 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			dbg(ctx, "removed stale %s/%s\n", dir, e->d_name);
	}
	closedir(d);
}

struct json_object *nsa_state_to_json(const struct nsa_state *st)
{
	struct json_object *root = json_object_new_object();
	struct json_object *boots = json_object_new_array();

	json_object_object_add(root, "schema", json_object_new_int(NSA_STATE_SCHEMA));
	json_object_object_add(root, "generator",
			       json_object_new_string("nsalign " PACKAGE_VERSION));
	for (size_t i = 0; i < st->n_boots; i++) {
		const struct nsa_boot_record *rec = &st->boots[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "boot_id", json_object_new_string(rec->boot_id));
		json_object_object_add(o, "recorded_at", nsa_time_to_json(rec->recorded_at));
		json_object_object_add(o, "how", json_object_new_string(rec->how));
		json_object_object_add(o, "baseline", json_object_new_boolean(rec->baseline));
		json_object_object_add(o, "result", json_object_new_int(rec->result));
		json_object_object_add(o, "layout", nsa_snapshot_to_json(rec->layout));
		json_object_array_add(boots, o);
	}
	json_object_object_add(root, "boots", boots);
	return root;
}

int nsa_state_save(struct nsa_ctx *ctx, const char *dir, const struct nsa_state *st)
{
	struct json_object *root = nsa_state_to_json(st);
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	int r;

	if (!root)
		return -ENOMEM;
	if (snprintf(path, sizeof(path), "%s/" STATE_FILE, dir) >= (int)sizeof(path)) {
		json_object_put(root);
		return -ENAMETOOLONG;
	}
	r = asprintf(&text, "%s\n",
		     json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	if (r < 0) {
		text = NULL;
		return -ENOMEM;
	}
	/* never a file the next load would refuse as too large */
	if ((size_t)r > NSA_INPUT_MAX_BYTES)
		return -EFBIG;
	remove_stale_temps(ctx, dir);
	/* physical addresses: as private as /proc/iomem's */
	return nsa_write_file_atomic(ctx, path, text, strlen(text), 0600);
}
