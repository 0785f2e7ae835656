// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The planner's promise against the simulator: a namespace laid out as
 * planned survives exactly the moves by multiples of what the plan says,
 * for every mode, alignment and granularity in the table.  Two independent
 * roads (plan.c's layout arithmetic, analyze.c's copy of the kernel's
 * checks) to the same answer.
 */
#include <errno.h>
#include <stdlib.h>

#include "libnsalign.h"
#include "test.h"

#define M NSA_MiB
#define G NSA_GiB

static struct nsa_snapshot *planned(const struct nsa_plan *p, uint64_t base)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	struct nsa_region *r = nsa_snapshot_add_region(s);
	struct nsa_namespace *ns;

	snprintf(s->platform.arch, sizeof(s->platform.arch), "x86_64");
	snprintf(s->platform.kernel_release, sizeof(s->platform.kernel_release), "6.1.0");
	s->platform.block_size = 128 * M;
	s->platform.iomem_visible = true;
	nsa_platform_fill_defaults(&s->platform, false);
	snprintf(r->dev, sizeof(r->dev), "region0");
	r->spa_start = base;
	r->size = 4 * G;
	r->align = 16 * M;
	r->has_labels = true;
	if (p) {
		ns = nsa_snapshot_add_namespace(s);
		snprintf(ns->dev, sizeof(ns->dev), "namespace0.0");
		snprintf(ns->region, sizeof(ns->region), "region0");
		ns->mode = p->mode;
		ns->spa_start = p->spa_start;
		ns->size = p->size;
		ns->enabled = true;
		ns->align = p->align;
		ns->map = p->map;
		if (p->align) {
			ns->data_start = p->data_start;
			ns->data_size = p->data_size;
		}
	}
	nsa_snapshot_finish(s);
	return s;
}

TEST(planned_namespaces_survive_what_the_plan_promises)
{
	static const enum nsa_mode modes[] = { NSA_MODE_FSDAX, NSA_MODE_DEVDAX, NSA_MODE_RAW };
	static const uint64_t aligns[] = { 0, 4096, 2 * M, 1 * G };
	static const uint64_t grans[] = { 2 * M, 64 * M, 1 * G };
	static const uint64_t bases[] = { 0x100000000ULL, 0x104000000ULL, 0x13fe00000ULL };
	struct nsa_analysis_opts opts = { .with_info = true };
	int cases = 0;

	for (size_t m = 0; m < 3; m++)
		for (size_t a = 0; a < 4; a++)
			for (size_t g = 0; g < 3; g++)
				for (size_t b = 0; b < 3; b++) {
					struct nsa_snapshot *empty = planned(NULL, bases[b]), *s;
					struct nsa_plan_request req = { .mode = modes[m],
									.size = 2 * G,
									.align = aligns[a],
									.granularity = grans[g],
									.force = true };
					struct nsa_analysis *an = NULL;
					struct nsa_plan p;

					if (modes[m] == NSA_MODE_RAW && aligns[a])
						req.align = 0;
					if (nsa_plan_namespace(empty, "region0", &req, &p) < 0) {
						nsa_snapshot_free(empty);
						continue;
					}
					s = planned(&p, bases[b]);
					opts.platform_granularity = grans[g];
					REQUIRE(nsa_analyze(s, &opts, &an) == 0);
					CHECK(an->verdicts[0].available);
					for (int64_t k = -16; k <= 16; k++) {
						int64_t shift = k * (int64_t)(2 * M);
						struct nsa_shift_result r;
						bool expect;

						if (!k)
							continue;
						nsa_simulate_shift(s, an, 0, shift, &r);
						expect = !p.survives ||
							 (uint64_t)(shift < 0 ? -shift : shift) %
									 p.survives ==
								 0;
						if ((r.verdict == NSA_ACCEPT_YES) != expect) {
							printf("#   %s align %#llx base %#llx "
							       "shift %lld: "
							       "simulate %d, plan survives %#llx\n",
							       nsa_mode_name(modes[m]),
							       (unsigned long long)p.align,
							       (unsigned long long)bases[b],
							       (long long)shift, r.verdict,
							       (unsigned long long)p.survives);
							test_failed_current = 1;
						}
					}
					/* the analyzer agrees about the granularity */
					CHECK(an->verdicts[0].survives_granularity ==
					      p.survives_granularity);
					cases++;
					nsa_analysis_free(an);
					nsa_snapshot_free(s);
					nsa_snapshot_free(empty);
				}
	printf("#   %d plans checked against the simulator\n", cases);
	CHECK(cases >= 40);
}

/* simulate says, for each move that breaks a namespace, whether 'nsalign repair' brings it back */
TEST(simulate_says_whether_repair_would_help)
{
	static const struct {
		enum nsa_mode mode;
		uint64_t align;
		int64_t shift;
		enum nsa_accept verdict;
		int repair;
		uint64_t repair_align;
	} cases[] = {
		{ NSA_MODE_DEVDAX, 1 * G, 64 * M, NSA_ACCEPT_NO, 1, 2 * M },
		{ NSA_MODE_DEVDAX, 1 * G, -2 * (int64_t)M, NSA_ACCEPT_NO, 1, 2 * M },
		{ NSA_MODE_DEVDAX, 1 * G, 1 * M, NSA_ACCEPT_NO, 0, 0 },
		{ NSA_MODE_DEVDAX, 1 * G, 1 * G, NSA_ACCEPT_YES, -1, 0 },
		{ NSA_MODE_FSDAX, 1 * G, 64 * M, NSA_ACCEPT_NO, 1, 2 * M },
		{ NSA_MODE_FSDAX, 2 * M, 1 * M, NSA_ACCEPT_NO, 0, 0 },
		{ NSA_MODE_FSDAX, 2 * M, 4 * M, NSA_ACCEPT_YES, -1, 0 },
	};
	struct nsa_analysis_opts opts = { .with_info = true, .platform_granularity = 64 * M };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsa_snapshot *empty = planned(NULL, 0x100000000ULL), *s;
		struct nsa_plan_request req = {
			.mode = cases[i].mode, .size = 2 * G, .align = cases[i].align, .force = true
		};
		struct nsa_analysis *an = NULL;
		struct nsa_shift_result r;
		struct nsa_plan p;

		REQUIRE(nsa_plan_namespace(empty, "region0", &req, &p) == 0);
		s = planned(&p, 0x100000000ULL);
		REQUIRE(nsa_analyze(s, &opts, &an) == 0);
		REQUIRE(nsa_simulate_shift(s, an, 0, cases[i].shift, &r) == 0);
		printf("# %s align %#" PRIx64 " moved %+" PRId64
		       ": verdict %d, repair %d (%#" PRIx64 ")\n",
		       nsa_mode_name(cases[i].mode), cases[i].align, cases[i].shift, r.verdict,
		       r.repair, r.repair_align);
		CHECK(r.verdict == cases[i].verdict);
		CHECK(r.repair == cases[i].repair);
		CHECK_U64(r.repair_align, cases[i].repair_align);
		nsa_analysis_free(an);
		nsa_snapshot_free(s);
		nsa_snapshot_free(empty);
	}
}
