// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One analysis: collect, analyze, add the onlining competitors, then say
 * what changed since the last analysis (new, changed and resolved
 * findings; unchanged ones are not repeated) and hand new memory blocks
 * and dax devices to the hotplug policy.
 *
 * What is "new" comes from two sources that cover each other's gaps: the
 * add events since the last analysis (a device removed and added again
 * within one burst), and what the fresh collection has that the last one
 * did not (events lost to a monitor overflow).  On the first start in a
 * boot, everything present is new: the devices came up before the daemon.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/journal.h"
#include "nsalignd.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort the blocks and drop repeats; returns how many are left. */
size_t newset_unique_blocks(struct newset *n)
{
	size_t k = 0;

	if (!n->n_blocks)
		return 0;
	qsort(n->blocks, n->n_blocks, sizeof(*n->blocks), cmp_u64);
	for (size_t i = 0; i < n->n_blocks; i++)
		if (!k || n->blocks[k - 1] != n->blocks[i])
			n->blocks[k++] = n->blocks[i];
	n->n_blocks = k;
	return k;
}

void newset_clear(struct newset *n)
{
	n->n_blocks = 0;
	n->n_dax = 0;
}

int newset_add_block(struct newset *n, uint64_t index)
{
	if (n->n_blocks == n->cap_blocks) {
		size_t cap = n->cap_blocks ? 2 * n->cap_blocks : 64;
		uint64_t *b = reallocarray(n->blocks, cap, sizeof(*b));

		if (!b)
			return -ENOMEM;
		n->blocks = b;
		n->cap_blocks = cap;
	}
	n->blocks[n->n_blocks++] = index;
	return 0;
}

int newset_add_dax(struct newset *n, const char *dax)
{
	for (size_t i = 0; i < n->n_dax; i++)
		if (strcmp(n->dax[i], dax) == 0)
			return 0;
	if (n->n_dax == n->cap_dax) {
		size_t cap = n->cap_dax ? 2 * n->cap_dax : 8;
		char(*d)[NSA_DEV_LEN] = reallocarray(n->dax, cap, sizeof(*d));

		if (!d)
			return -ENOMEM;
		n->dax = d;
		n->cap_dax = cap;
	}
	snprintf(n->dax[n->n_dax++], NSA_DEV_LEN, "%s", dax);
	return 0;
}

void log_finding(struct manager *m, const struct nsa_finding *f, const char *change)
{
	char extra[64];

	if (m->log_target == LOG_TARGET_JOURNAL) {
		snprintf(extra, sizeof(extra), "NSALIGN_CHANGE=%s", change);
		journal_send_finding_with(f, NULL, extra);
		return;
	}
	fprintf(stderr, "nsalignd: [%s] %s%s%s: %s\n", change, f->code->code, f->dev[0] ? " " : "",
		f->dev, f->message ? f->message : f->code->title);
}

/* Findings are the same finding when code, subject and identity match. */
static bool same_subject(const struct nsa_finding *a, const struct nsa_finding *b)
{
	return a->code == b->code && strcmp(a->dev, b->dev) == 0 && strcmp(a->uuid, b->uuid) == 0;
}

static const struct nsa_finding *find_finding(const struct nsa_analysis *a,
					      const struct nsa_finding *f)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->n_findings; i++)
		if (same_subject(&a->findings[i], f))
			return &a->findings[i];
	return NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

struct changes {
	unsigned added, changed, resolved;
};

static struct changes report_changes(struct manager *m, const struct nsa_analysis *old,
				     const struct nsa_analysis *cur)
{
	unsigned added = 0, changed = 0, resolved = 0;
	enum nsa_severity min = m->config.log_min;

	for (size_t i = 0; i < cur->n_findings; i++) {
		const struct nsa_finding *f = &cur->findings[i], *was;

		if (f->severity < min)
			continue;
		was = find_finding(old, f);
		if (!was || was->severity < min) {
			log_finding(m, f, "new");
			added++;
		} else if (was->severity != f->severity || !str_eq(was->message, f->message)) {
			log_finding(m, f, "changed");
			changed++;
		}
	}
	for (size_t i = 0; old && i < old->n_findings; i++) {
		const struct nsa_finding *f = &old->findings[i], *now;
		struct nsa_analysis *scratch;
		struct nsa_finding *r;

		if (f->severity < min)
			continue;
		now = find_finding(cur, f);
		if (now && now->severity >= min)
			continue;
		resolved++;
		scratch = nsa_analysis_new();
		r = scratch ? nsa_analysis_add(scratch, "NSA-RESOLVED", f->dev, f->uuid) : NULL;
		if (r) {
			nsa_finding_set_message(r, "%s no longer holds: %s", f->code->code,
						f->message ? f->message : f->code->title);
			nsa_finding_fact_str(r, "resolved_code", f->code->code);
			nsa_finding_fact_str(r, "resolved_dev", f->dev);
			log_finding(m, r, "resolved");
		} else {
			log_msg(m, LOG_INFO, "%s %s no longer holds", f->code->code, f->dev);
		}
		nsa_analysis_free(scratch);
	}
	if (added || changed || resolved)
		log_msg(m, LOG_DEBUG, "findings: %u new, %u changed, %u resolved", added, changed,
			resolved);
	return (struct changes){ added, changed, resolved };
}

static bool has_block(const struct nsa_snapshot *s, uint64_t index)
{
	return s && nsa_snapshot_block_at(s, index * s->platform.block_size) >= 0;
}

static bool has_dax(const struct nsa_snapshot *s, const char *dax)
{
	for (size_t i = 0; s && i < s->n_daxdevs; i++)
		if (strcmp(s->daxdevs[i].dev, dax) == 0)
			return true;
	return false;
}

/*
 * Send a one-off finding (an action's result or a skipped block): always,
 * whatever Level= says, since it reports what the daemon itself did.
 */
void manager_report(struct manager *m, const char *code, const char *dev,
		    void (*fill)(struct nsa_finding *f, void *data), void *data)
{
	struct nsa_analysis *scratch = nsa_analysis_new();
	struct nsa_finding *f = scratch ? nsa_analysis_add(scratch, code, dev, NULL) : NULL;

	if (f) {
		fill(f, data);
		log_finding(m, f, "action");
	}
	nsa_analysis_free(scratch);
}

/* A run of new offline blocks left alone, with the same owners. */
struct skipped {
	uint64_t first, n, block_size;
	char who[256];
};

static void fill_skipped(struct nsa_finding *f, void *data)
{
	const struct skipped *k = data;
	uint64_t lo = k->first * k->block_size, hi = (k->first + k->n) * k->block_size - 1;

	nsa_finding_set_message(f,
				"%" PRIu64 " new memory block%s (%#" PRIx64 "-%#" PRIx64
				") came up offline and stay%s so: %s memory of %s, and nsalignd "
				"onlines only blocks whose memory is System RAM alone",
				k->n, k->n == 1 ? "" : "s", lo, hi, k->n == 1 ? "s" : "",
				k->n == 1 ? "it holds" : "they hold", k->who);
	nsa_finding_set_remedy(f,
			       "Check /proc/iomem for what lives in %#" PRIx64 "-%#" PRIx64
			       "; if that owner agrees, online the blocks with 'nsalign "
			       "online-memory --blocks %" PRIu64 "-%" PRIu64 "' (it refuses "
			       "shared blocks) or by hand.",
			       lo, hi, k->first, k->first + k->n - 1);
	nsa_finding_fact_u64(f, "first_block", k->first);
	nsa_finding_fact_u64(f, "blocks", k->n);
	nsa_finding_fact_u64(f, "bytes", k->n * k->block_size);
	nsa_finding_fact_str(f, "owners", k->who);
}

static void flush_skipped(struct manager *m, struct skipped *k)
{
	char dev[NSA_DEV_LEN];

	if (!k->n)
		return;
	if (k->n == 1)
		snprintf(dev, sizeof(dev), "memory%" PRIu64, k->first);
	else
		snprintf(dev, sizeof(dev), "memory%" PRIu64 "-%" PRIu64, k->first,
			 k->first + k->n - 1);
	manager_report(m, "NSA-HOTPLUG-SKIPPED", dev, fill_skipped, k);
	k->n = 0;
}

static void note_skipped(struct manager *m, struct skipped *k, uint64_t index, const char **owners,
			 int n)
{
	char who[256] = "";

	for (int i = 0; i < n && i < 4; i++)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s", i ? " and " : "",
			 owners[i]);
	if (!who[0])
		snprintf(who, sizeof(who), "no one (not in /proc/iomem)");
	if (k->n && k->first + k->n == index && strcmp(k->who, who) == 0) {
		k->n++;
		return;
	}
	flush_skipped(m, k);
	k->first = index;
	k->n = 1;
	snprintf(k->who, sizeof(k->who), "%s", who);
}

static void queue_block_run(struct manager *m, uint64_t first, uint64_t n)
{
	char what[64];

	if (n == 1)
		snprintf(what, sizeof(what), "memory%" PRIu64, first);
	else
		snprintf(what, sizeof(what), "memory%" PRIu64 "-memory%" PRIu64, first,
			 first + n - 1);
	action_queue_blocks(m, ACTION_ONLINE_BLOCKS, what, first, n,
			    m->config.memory_blocks == NSAD_BLOCKS_ONLINE_MOVABLE
				    ? NSA_ONLINE_MOVABLE
				    : NSA_ONLINE_DEFAULT,
			    NULL);
}

static void apply_block_policy(struct manager *m, const struct nsa_snapshot *s,
			       const struct nsa_snapshot *old, bool everything)
{
	uint64_t *cand = NULL, run_first = 0, run_n = 0;
	struct skipped skip = { .block_size = s->platform.block_size };
	uint8_t kernel_zone;
	size_t n = 0;

	if (m->config.memory_blocks == NSAD_BLOCKS_NOTHING || !s->platform.block_size)
		return;
	/* the kernel onlines new blocks itself: they are its, not the policy's */
	kernel_zone = nsa_auto_online_zone(m->ctx, &s->platform);
	if (s->platform.auto_online_blocks[0] && kernel_zone != NSA_ZONE_NONE) {
		log_msg(m, LOG_DEBUG,
			"the kernel onlines new memory itself (auto_online_blocks=%s, zone %s): "
			"MemoryBlocks= leaves new blocks to it",
			s->platform.auto_online_blocks, nsa_zone_name(kernel_zone));
		return;
	}
	cand = calloc(s->n_blocks + m->fresh.n_blocks + 1, sizeof(*cand));
	if (!cand) {
		log_msg(m, LOG_ERR, "out of memory: new memory blocks not looked at");
		return;
	}
	/* a burst's fresh blocks against all offline ones: sorted, looked up */
	if (m->fresh.n_blocks)
		qsort(m->fresh.blocks, m->fresh.n_blocks, sizeof(*m->fresh.blocks), cmp_u64);
	for (size_t i = 0; i < s->n_blocks; i++) {
		const struct nsa_memblock *b = &s->blocks[i];

		if (b->state != NSA_BLOCK_OFFLINE)
			continue;
		if (everything || !has_block(old, b->index) ||
		    (m->fresh.n_blocks && bsearch(&b->index, m->fresh.blocks, m->fresh.n_blocks,
						  sizeof(*m->fresh.blocks), cmp_u64)))
			cand[n++] = b->index;
	}
	for (size_t i = 0; i <= n; i++) {
		const char *owners[4];
		int no = 0;
		bool ok = false;

		if (i < n) {
			/* the one-owner rule: System RAM alone */
			ok = nsa_block_may_change(s, cand[i], "System RAM", owners, &no) ==
			     NSA_BLOCK_MAY;
			if (!ok && no == 1 && has_dax(s, owners[0])) {
				/* kmem: onlined by whoever made the dax device System RAM */
				log_msg(m, LOG_DEBUG, "memory%" PRIu64 ": %s's kmem, not ours",
					cand[i], owners[0]);
				continue;
			}
			if (!ok)
				note_skipped(m, &skip, cand[i], owners, no);
		}
		if (ok && run_n && cand[i] == run_first + run_n) {
			run_n++;
			continue;
		}
		if (run_n)
			queue_block_run(m, run_first, run_n);
		run_n = 0;
		if (ok) {
			run_first = cand[i];
			run_n = 1;
		}
	}
	flush_skipped(m, &skip);
	free(cand);
}

static void apply_dax_policy(struct manager *m, const struct nsa_snapshot *s,
			     const struct nsa_snapshot *old, bool everything)
{
	if (m->config.dax_devices == NSAD_DAX_NOTHING)
		return;
	for (size_t i = 0; i < s->n_daxdevs; i++) {
		const struct nsa_daxdev *d = &s->daxdevs[i];
		bool fresh = everything || !has_dax(old, d->dev);

		for (size_t j = 0; !fresh && j < m->fresh.n_dax; j++)
			fresh = strcmp(m->fresh.dax[j], d->dev) == 0;
		if (!fresh || d->mode != NSA_DAX_DEVDAX)
			continue;
		action_queue_dax(m, ACTION_DAX_TO_RAM, d->dev, true, m->config.dax_movable, NULL);
	}
}

/*
 * What was reported, kept in the runtime directory so that a restart (the
 * watchdog's, systemctl restart) does not report again what holds still:
 * one line per finding at Level= or above, "CODE\tDEV\tUUID\tSEVERITY\tMESSAGE".
 */
#define REPORTED_FILE "nsalignd.reported"

static void put_field(FILE *f, const char *s, char end)
{
	for (; s && *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
	fputc(end, f);
}

static void save_reported(struct manager *m, const struct nsa_analysis *a)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" REPORTED_FILE, m->runtime_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_msg(m, LOG_DEBUG, "%s: %s (a restart will report everything again)", tmp,
			strerror(errno));
		return;
	}
	for (size_t i = 0; i < a->n_findings; i++) {
		const struct nsa_finding *x = &a->findings[i];

		if (x->severity < m->config.log_min)
			continue;
		put_field(f, x->code->code, '\t');
		put_field(f, x->dev, '\t');
		put_field(f, x->uuid, '\t');
		fprintf(f, "%d\t", (int)x->severity);
		put_field(f, x->message, '\n');
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		log_msg(m, LOG_DEBUG, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

int manager_load_reported(struct manager *m)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	struct nsa_analysis *a;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" REPORTED_FILE, m->runtime_dir);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	a = nsa_analysis_new();
	if (!a) {
		fclose(f);
		return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		char *field[5], *t = line;
		struct nsa_finding *x;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		/* strsep, not strtok: empty fields (no dev, no uuid) count */
		while (n < 5 && (field[n] = strsep(&t, "\t")))
			n++;
		if (n != 5 || !(x = nsa_analysis_add(a, field[0], field[1], field[2])))
			continue; /* a code this version does not know: reported again */
		x->severity = (enum nsa_severity)atoi(field[3]);
		if (*field[4])
			nsa_finding_set_message(x, "%s", field[4]);
	}
	free(line);
	fclose(f);
	nsa_analysis_free(m->analysis);
	m->analysis = a;
	log_msg(m, LOG_DEBUG, "%zu findings reported before this start, from %s", a->n_findings,
		path);
	return 0;
}

static uint64_t realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Whether the next analysis reads everything again, or only the memory
 * blocks with events since the last one (a burst of hot-added blocks).
 * Everything: at start, after a reload, an action, an nd or dax event or
 * lost events, and when a block with an event may be a dax device's
 * System RAM, whose online count is the dax device's (libdaxctl's).
 */
static bool need_full(const struct manager *m)
{
	const struct nsa_snapshot *old = m->snapshot;

	if (!old || m->need_full || m->overflowed || !old->platform.block_size)
		return true;
	for (size_t i = 0; i < old->n_daxdevs; i++) {
		const struct nsa_daxdev *d = &old->daxdevs[i];

		if (d->mode != NSA_DAX_SYSTEM_RAM)
			continue;
		if (!d->size || !d->spa_start)
			return true; /* where it lives is unknown */
		for (size_t j = 0; j < m->touched.n_blocks; j++) {
			uint64_t start = m->touched.blocks[j] * old->platform.block_size;

			if (start < d->spa_start + d->size &&
			    d->spa_start < start + old->platform.block_size)
				return true;
		}
	}
	return false;
}

int manager_analyze(struct manager *m)
{
	struct nsa_analysis_opts opts = { .platform_granularity = m->config.granularity,
					  .with_info = true };
	struct nsa_snapshot *s = NULL;
	struct nsa_analysis *a = NULL;
	bool we_online, everything, full;
	uint64_t t0, t1;
	struct changes ch;
	int r;

	t0 = monotonic_usec();
	full = need_full(m);
	m->last_reread = full ? 0 : newset_unique_blocks(&m->touched);
	if (full)
		r = nsa_collect(m->ctx, &s);
	else
		r = nsa_collect_update(m->ctx, m->snapshot, m->touched.blocks, m->touched.n_blocks,
				       &s);
	if (r < 0)
		return r;
	t1 = monotonic_usec();
	r = nsa_analyze(s, &opts, &a);
	if (r == 0)
		r = manager_compare_record(m, s, a);
	if (r < 0) {
		nsa_analysis_free(a);
		nsa_snapshot_free(s);
		return r;
	}
	m->last_collect_usec = t1 - t0;
	m->last_analyze_usec = monotonic_usec() - t1;
	m->last_was_full = full;
	m->need_full = false;
	newset_clear(&m->touched);
	if (m->competitors_stale) {
		free(m->competitors);
		m->competitors = NULL;
		m->n_competitors = 0;
		r = nsa_find_competitors(m->rules_root, s->platform.auto_online_blocks,
					 &m->competitors, &m->n_competitors);
		if (r < 0)
			log_msg(m, LOG_WARNING, "cannot look for others that online memory: %s",
				strerror(-r));
		m->competitors_stale = false;
	}
	we_online = m->config.memory_blocks != NSAD_BLOCKS_NOTHING ||
		    m->config.dax_devices != NSAD_DAX_NOTHING;
	nsa_competitor_findings(a, m->competitors, m->n_competitors, we_online);
	nsa_analysis_recount(a);

	ch = report_changes(m, m->analysis, a);

	/* the first analysis after the first start in a boot: all is new */
	everything = m->first_start && !m->snapshot;
	if (m->snapshot || everything) {
		apply_block_policy(m, s, m->snapshot, everything);
		apply_dax_policy(m, s, m->snapshot, everything);
	}
	newset_clear(&m->fresh);
	m->overflowed = false;

	save_reported(m, a);
	nsa_analysis_free(m->analysis);
	nsa_snapshot_free(m->snapshot);
	m->analysis = a;
	m->snapshot = s;
	m->last_analysis = realtime_usec();
	m->analyses++;
	if (ch.added || ch.changed || ch.resolved)
		bus_emit_findings_changed(m, ch.added, ch.changed, ch.resolved);
	if (m->exit_on_idle && !m->queue)
		sd_event_exit(m->event, 0);
	return 0;
}
