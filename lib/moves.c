// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The moves the state history recorded, against the platform granularity.
 * Every "survives platform moves" verdict assumes that firmware moves PMEM
 * by multiples of the granularity.  A region that moved by something else
 * between two recorded boots (or between the last one and this boot) shows
 * that the platform moves it in smaller steps: NSA-GRANULARITY-COARSE, one
 * per region, with the largest power of two that divides every move seen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "private.h"

static const char *day(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, len, "an earlier boot");
	return buf;
}

static const char *shift_str(int64_t shift, char *buf, size_t len)
{
	char s[32];

	snprintf(buf, len, "%s%s", shift < 0 ? "-" : "+",
		 nsa_size_str(shift < 0 ? (uint64_t)-shift : (uint64_t)shift, s, sizeof(s)));
	return buf;
}

/* "32M": as Granularity= and --granularity take it */
static const char *conf_size(uint64_t v, char *buf, size_t len)
{
	if (v % NSA_GiB == 0)
		snprintf(buf, len, "%" PRIu64 "G", (uint64_t)(v / NSA_GiB));
	else if (v % NSA_MiB == 0)
		snprintf(buf, len, "%" PRIu64 "M", (uint64_t)(v / NSA_MiB));
	else
		snprintf(buf, len, "%" PRIu64 "K", (uint64_t)(v / NSA_KiB));
	return buf;
}

/* What one region went through: its first move off the granularity, and the step of all. */
struct region_moves {
	const struct nsa_region *now; /* in the newest layout that has it */
	int64_t shift;		      /* the first move that is not a multiple, 0 none */
	int64_t before_at, after_at;  /* the boots around it (0: this boot) */
	uint64_t spa_before, spa_after;
	uint64_t step; /* the largest power of two dividing every move seen */
	size_t n_moves, n_off;
};

int nsa_check_recorded_moves(const struct nsa_state *st, const struct nsa_snapshot *cur,
			     uint64_t granularity, struct nsa_analysis *a)
{
	size_t n_layouts = (st ? st->n_boots : 0) + (cur ? 1 : 0);
	const struct nsa_snapshot *newest;

	if (!granularity || n_layouts < 2)
		return 0;
	newest = cur ? cur : st->boots[st->n_boots - 1].layout;
	for (size_t r = 0; r < newest->n_regions; r++) {
		struct region_moves m = { .now = &newest->regions[r], .step = granularity };
		const struct nsa_region *later = m.now;
		char b1[40], b2[32], b3[32], b4[32], d1[40], d2[40], sz[32];
		struct nsa_finding *f;

		/* walk back from the newest layout, following the region by identity */
		for (size_t i = n_layouts - 1; i > 0 && later; i--) {
			const struct nsa_boot_record *rec = &st->boots[i - 1];
			const struct nsa_region *earlier =
				rec->layout ? nsa_snapshot_same_region(rec->layout, later) : NULL;
			int64_t shift;

			if (!earlier)
				break;
			if (earlier->spa_start && later->spa_start &&
			    earlier->spa_start != later->spa_start) {
				shift = (int64_t)(later->spa_start - earlier->spa_start);
				m.n_moves++;
				if (nsa_align_of((uint64_t)(shift < 0 ? -shift : shift)) < m.step)
					m.step = nsa_align_of(
						(uint64_t)(shift < 0 ? -shift : shift));
				if (!nsa_is_aligned((uint64_t)(shift < 0 ? -shift : shift),
						    granularity)) {
					m.n_off++;
					/* keep the newest such move */
					if (!m.shift) {
						m.shift = shift;
						m.before_at = rec->recorded_at;
						m.after_at = i < st->n_boots
								     ? st->boots[i].recorded_at
								     : 0;
						m.spa_before = earlier->spa_start;
						m.spa_after = later->spa_start;
					}
				}
			}
			later = earlier;
		}
		if (!m.shift)
			continue;
		f = nsa_analysis_add(a, "NSA-GRANULARITY-COARSE", m.now->dev, "");
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s (%s) moved by %s between the boot recorded %s (at %#" PRIx64 ") and %s "
			"(at %#" PRIx64 "): not a multiple of the platform granularity %s%s. The "
			"platform moves PMEM in smaller steps than nsalign assumes, so verdicts "
			"that "
			"a namespace survives every platform move (NSA-NS-FRAGILE, check -v, "
			"simulate) may be optimistic.",
			m.now->dev, nsa_size_str(m.now->size, sz, sizeof(sz)),
			shift_str(m.shift, b1, sizeof(b1)), day(m.before_at, d1, sizeof(d1)),
			m.spa_before, m.after_at ? day(m.after_at, d2, sizeof(d2)) : "this boot",
			m.spa_after, nsa_size_str(granularity, b2, sizeof(b2)),
			m.n_off > 1 ? " (nor were other recorded moves)" : "");
		nsa_finding_set_remedy(
			f,
			"Set the granularity to %s, the largest power of two that divides every "
			"recorded move: 'Granularity=%s' under [Platform] in a drop-in in "
			"/etc/nsalign/nsalign.conf.d/ (nsalign, the boot check and nsalignd all "
			"read it), then 'nsalign check -v' for the verdicts it gives.",
			nsa_size_str(m.step, b3, sizeof(b3)), conf_size(m.step, b4, sizeof(b4)));
		nsa_finding_fact_i64(f, "shift", m.shift);
		nsa_finding_fact_addr(f, "spa_old", m.spa_before);
		nsa_finding_fact_addr(f, "spa_new", m.spa_after);
		nsa_finding_fact_u64(f, "granularity", granularity);
		nsa_finding_fact_u64(f, "suggested_granularity", m.step);
		nsa_finding_fact_u64(f, "moves_recorded", m.n_moves);
		nsa_finding_fact_u64(f, "moves_off_granularity", m.n_off);
	}
	return 0;
}
