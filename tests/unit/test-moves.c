// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The moves in the state history against the platform granularity
 * (lib/moves.c).  Boot 1 and boot 2 (+64 MiB) are the VM lab's; the
 * other boots are boot 1 with its region and namespaces moved in code by
 * the amount each test names.
 */
#include <errno.h>
#include <stdlib.h>

#include "libnsalign.h"
#include "fixtures.h"
#include "test.h"

#define M NSA_MiB

/* boot 1 with everything at its address + shift, recorded `day` days later */
static struct nsa_snapshot *moved(int64_t shift, int day)
{
	struct nsa_snapshot *s = load("lab-shift-boot1");

	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_regions; i++)
		s->regions[i].spa_start += (uint64_t)shift;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		s->namespaces[i].spa_start += (uint64_t)shift;
		if (s->namespaces[i].data_start)
			s->namespaces[i].data_start += (uint64_t)shift;
	}
	s->collected_at += day * 86400;
	snprintf(s->platform.boot_id, sizeof(s->platform.boot_id), "00000000-0000-4000-8000-%012d",
		 day);
	return s;
}

/* record each snapshot (freed), oldest first, then check `cur` against them */
static struct nsa_analysis *history(struct nsa_snapshot **boots, size_t n, struct nsa_snapshot *cur,
				    uint64_t granularity)
{
	struct nsa_state *st = nsa_state_new();
	struct nsa_analysis *a = NULL;

	for (size_t i = 0; st && i < n; i++) {
		if (!boots[i] || nsa_state_add(st, boots[i], boots[i]->collected_at, 1, true,
					       "boot", NSA_STATE_HISTORY) < 0) {
			nsa_state_free(st);
			st = NULL;
		}
	}
	for (size_t i = 0; i < n; i++)
		nsa_snapshot_free(boots[i]);
	if (st && cur && nsa_analyze(cur, &(struct nsa_analysis_opts){ 0 }, &a) == 0 &&
	    nsa_check_recorded_moves(st, cur, granularity, a) < 0) {
		nsa_analysis_free(a);
		a = NULL;
	}
	nsa_state_free(st);
	nsa_snapshot_free(cur);
	return a;
}

static const struct nsa_finding *coarse(const struct nsa_analysis *a, int *n)
{
	const struct nsa_finding *f = NULL;

	*n = 0;
	for (size_t i = 0; a && i < a->n_findings; i++)
		if (strcmp(a->findings[i].code->code, "NSA-GRANULARITY-COARSE") == 0) {
			f = &a->findings[i];
			(*n)++;
		}
	return f;
}

static uint64_t fact_u64(const struct nsa_finding *f, const char *key)
{
	for (int i = 0; f && i < f->n_facts; i++)
		if (strcmp(f->facts[i].key, key) == 0)
			return f->facts[i].type == NSA_FACT_I64 ? (uint64_t)f->facts[i].i64
								: f->facts[i].u64;
	return 0;
}

/* the lab's +64 MiB move is a multiple of 64 MiB: nothing to say */
TEST(lab_move_on_the_granularity)
{
	struct nsa_snapshot *b[] = { load("lab-shift-boot1") };
	struct nsa_analysis *a = history(b, 1, load("lab-shift-boot2"), 64 * M);
	int n;

	REQUIRE(a);
	coarse(a, &n);
	CHECK(n == 0);
	nsa_analysis_free(a);
}

/* this boot 32 MiB higher: the granularity is too coarse, 32M suggested */
TEST(move_off_the_granularity_this_boot)
{
	struct nsa_snapshot *b[] = { moved(0, 0) };
	struct nsa_analysis *a = history(b, 1, moved(32 * M, 1), 64 * M);
	const struct nsa_finding *f;
	int n;

	REQUIRE(a);
	f = coarse(a, &n);
	REQUIRE(f && n == 1);
	CHECK_STR(f->dev, "region0");
	CHECK(f->severity == NSA_SEV_WARNING);
	CHECK_U64(fact_u64(f, "shift"), 32 * M);
	CHECK_U64(fact_u64(f, "suggested_granularity"), 32 * M);
	CHECK_U64(fact_u64(f, "granularity"), 64 * M);
	CHECK(strstr(f->message, "moved by +32 MiB") && strstr(f->message, "this boot"));
	CHECK(strstr(f->remedy, "Granularity=32M") != NULL);
	nsa_analysis_free(a);
	/* judged by 32 MiB, the same history says nothing */
	b[0] = moved(0, 0);
	a = history(b, 1, moved(32 * M, 1), 32 * M);
	REQUIRE(a);
	coarse(a, &n);
	CHECK(n == 0);
	nsa_analysis_free(a);
}

/* moves between recorded boots count too; the step divides all of them */
TEST(moves_in_the_history)
{
	struct nsa_snapshot *b[] = { moved(0, 0), moved(-16 * M, 1), moved(48 * M, 2),
				     moved(112 * M, 3) };
	struct nsa_analysis *a = history(b, 4, moved(112 * M, 4), 64 * M);
	const struct nsa_finding *f;
	int n;

	REQUIRE(a);
	f = coarse(a, &n);
	REQUIRE(f && n == 1);				    /* one per region */
	CHECK_U64(fact_u64(f, "moves_recorded"), 3);	    /* -16, +64, +64; 0 this boot */
	CHECK_U64(fact_u64(f, "moves_off_granularity"), 1); /* -16 MiB */
	CHECK_U64(fact_u64(f, "shift"), -16 * M);
	CHECK_U64(fact_u64(f, "suggested_granularity"), 16 * M);
	CHECK(strstr(f->message, "moved by -16 MiB") != NULL);
	nsa_analysis_free(a);
}

/* another region (another size) is not followed: no move to judge */
TEST(other_region_is_not_a_move)
{
	struct nsa_snapshot *b[] = { moved(0, 0) };
	struct nsa_snapshot *cur = moved(32 * M, 1);
	struct nsa_analysis *a;
	int n;

	REQUIRE(cur);
	cur->regions[0].size -= 128 * M;
	snprintf(cur->regions[0].provider, sizeof(cur->regions[0].provider), "other");
	a = history(b, 1, cur, 64 * M);
	REQUIRE(a);
	coarse(a, &n);
	CHECK(n == 0);
	nsa_analysis_free(a);
}
