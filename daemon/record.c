// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What moved since the recorded boot, in the daemon's analysis: the boot
 * check (nsalign check --boot) keeps the layouts in the state directory;
 * each analysis compares this boot with the known-good layout recorded
 * before it, as the boot check did, and keeps the findings that carry a
 * cause: the regions and namespaces that moved (NSA-REGION-MOVED,
 * NSA-NS-MOVED, NSA-NS-MOVED-UNAVAILABLE) and those that vanished
 * (NSA-NS-VANISHED).  The state is only read, never locked or written; it
 * is read again when state.json changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "nsalignd.h"

/* The newest known-good layout recorded before this boot (boot_id), or NULL. */
static const struct nsa_boot_record *baseline_before(const struct nsa_state *st,
						     const char *boot_id)
{
	for (size_t i = st->n_boots; i-- > 0;)
		if (st->boots[i].baseline &&
		    (!boot_id[0] || strcmp(st->boots[i].boot_id, boot_id) != 0))
			return &st->boots[i];
	return NULL;
}

/* Read state.json again when it changed (or appeared, or went); 0, or a negative errno. */
static int refresh(struct manager *m)
{
	char path[4096], err[512] = "";
	struct nsa_state *st = NULL;
	struct stat sb;
	int r;

	snprintf(path, sizeof(path), "%s/state.json", m->state_dir);
	if (stat(path, &sb) < 0) {
		memset(&sb, 0, sizeof(sb));
		if (errno != ENOENT)
			return -errno;
	}
	if (m->record_read && sb.st_ino == m->record_stat.st_ino &&
	    sb.st_size == m->record_stat.st_size &&
	    sb.st_mtim.tv_sec == m->record_stat.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == m->record_stat.st_mtim.tv_nsec)
		return 0;
	r = nsa_state_read(m->ctx, m->state_dir, &st, err, sizeof(err));
	if (r < 0) {
		/* once per change of the file, not at each analysis */
		log_msg(m, LOG_WARNING, "cannot read the recorded layouts: %s",
			err[0] ? err : strerror(-r));
		st = NULL;
	}
	nsa_state_free(m->record);
	m->record = st;
	m->record_stat = sb;
	m->record_read = true;
	return 0;
}

int manager_compare_record(struct manager *m, const struct nsa_snapshot *s, struct nsa_analysis *a)
{
	const struct nsa_boot_record *base;

	/* without physical addresses nothing can be said to have moved */
	if (!m->state_dir[0] || !s->platform.iomem_visible)
		return 0;
	if (refresh(m) < 0 || !m->record)
		return 0;
	base = baseline_before(m->record, s->platform.boot_id);
	if (!base || !base->layout)
		return 0;
	return nsa_compare_moves(base, s, a);
}

void manager_record_free(struct manager *m)
{
	nsa_state_free(m->record);
	m->record = NULL;
	m->record_read = false;
}
