// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The snapshot reader (nsa_snapshot_load(), what `--snapshot FILE` reads)
 * and what nsalign does with a snapshot it accepted: analyze it, plan a
 * namespace, simulate shifts, map the address space.  Property: a snapshot it accepts writes,
 * reads back and writes again byte for byte the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "libnsalign.h"
#include "fuzz.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define WRITE_FLAGS \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static char *write_text(const struct nsa_snapshot *s)
{
	struct json_object *o = nsa_snapshot_to_json(s);
	char *text;

	if (!o)
		fuzz_fail("nsa_snapshot_to_json");
	text = strdup(json_object_to_json_string_ext(o, WRITE_FLAGS));
	json_object_put(o);
	if (!text)
		abort();
	return text;
}

/* write -> read -> write: the same bytes */
static void round_trip(const struct nsa_snapshot *s)
{
	char *first = write_text(s), err[256];
	struct json_object *o = json_tokener_parse(first);
	struct nsa_snapshot *back = NULL;

	if (!o)
		fuzz_fail("the written snapshot is not JSON");
	if (nsa_snapshot_from_json(o, &back, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		fuzz_fail("the written snapshot does not read back");
	}
	json_object_put(o);
	{
		char *second = write_text(back);

		if (strcmp(first, second) != 0)
			fuzz_fail("write -> read -> write is not byte-identical");
		free(second);
	}
	nsa_snapshot_free(back);
	free(first);
}

static void use(const struct nsa_snapshot *s)
{
	struct nsa_analysis_opts opts = { .with_info = true };
	struct nsa_analysis *a = NULL;
	int64_t *shifts = NULL;
	size_t n_shifts = 0;

	if (nsa_analyze(s, &opts, &a) < 0)
		return;
	for (size_t i = 0; i < a->n_findings; i++)
		json_object_put(nsa_finding_to_json(&a->findings[i], i % 2));
	(void)nsa_analysis_exit_code(a);
	/* the largest and smallest shifts both ways, as nsalign simulate tries them */
	if (nsa_default_shifts(a, 64 * NSA_MiB, &shifts, &n_shifts) == 0) {
		size_t pick[] = { 0, n_shifts / 2 - 1, n_shifts / 2, n_shifts - 1 };

		for (size_t i = 0; i < s->n_namespaces && i < 4; i++)
			for (size_t k = 0; k < ARRAY_SIZE(pick); k++) {
				struct nsa_shift_result r;

				nsa_simulate_shift(s, a, i, shifts[pick[k]], &r);
			}
		free(shifts);
	}
	for (int unit = NSA_PMAP_SECTIONS; unit <= NSA_PMAP_BLOCKS; unit++) {
		struct nsa_pmap *m = NULL;

		if (nsa_pmap_build(s, a, (enum nsa_pmap_unit)unit, 64 * NSA_MiB, &m) == 0) {
			json_object_put(nsa_pmap_to_json(m));
			nsa_pmap_free(m);
		}
	}
	for (size_t i = 0; i < s->n_regions && i < 4; i++) {
		struct nsa_plan_request req = { .mode = i % 2 ? NSA_MODE_DEVDAX : NSA_MODE_FSDAX,
						.for_kmem = i == 1 };
		struct nsa_plan p;

		if (nsa_plan_namespace(s, s->regions[i].dev, &req, &p) >= 0)
			json_object_put(nsa_plan_to_json(&p));
	}
	nsa_analysis_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	struct nsa_snapshot *s = NULL;
	char path[512], err[256];

	fuzz_write(dir, "snapshot.json", data, size);
	snprintf(path, sizeof(path), "%s/snapshot.json", dir);
	if (nsa_snapshot_load(path, &s, err, sizeof(err)) < 0)
		return 0;
	round_trip(s);
	use(s);
	nsa_snapshot_free(s);
	return 0;
}
