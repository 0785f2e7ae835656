// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The harness test-compare and test-cause share: record one snapshot as
 * the baseline, analyse another, compare the two as `check --boot` does.
 */
#ifndef NSA_TEST_COMPARE_RUN_H
#define NSA_TEST_COMPARE_RUN_H

#include <errno.h>
#include <string.h>

#include "libnsalign.h"

struct run {
	struct nsa_boot_record base;
	struct nsa_snapshot *cur;
	struct nsa_analysis *a;
};

/* Record `old` as the baseline, analyse `cur`, compare. */
static int compare(struct run *r, struct nsa_snapshot *old, struct nsa_snapshot *cur)
{
	struct nsa_analysis_opts opts = { .platform_granularity = 64 * NSA_MiB, .with_info = true };

	memset(r, 0, sizeof(*r));
	r->base.layout = nsa_snapshot_layout(old);
	r->base.recorded_at = old->collected_at;
	r->base.baseline = true;
	r->cur = cur;
	nsa_snapshot_free(old);
	if (!r->base.layout || nsa_analyze(cur, &opts, &r->a) < 0)
		return -ENOMEM;
	return nsa_compare(&r->base, cur, r->a);
}

static void run_free(struct run *r)
{
	nsa_analysis_free(r->a);
	nsa_snapshot_free(r->cur);
	nsa_snapshot_free(r->base.layout);
}

#endif
